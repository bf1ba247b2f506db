/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a guest kernel into RAM and describing the machine to it.
 *
 * Low memory layout kite uses for every boot path:
 *
 *   0x00500  BOOT_GDT_ADDR      boot GDT (null, -, code32/64 at 0x10, data at 0x18)
 *   0x06000  BOOT_START_INFO    PVH hvm_start_info + its memmap/modules
 *   0x07000  BOOT_ZERO_PAGE     Linux boot_params (the "zero page")
 *   0x09000  BOOT_PML4          64-bit entry: PML4, PDPT, 4 PDs (identity 4 GiB)
 *   0x20000  BOOT_CMDLINE       kernel command line, up to BOOT_CMDLINE_MAX
 *   0x9fc00  BOOT_MPTABLE       MP floating pointer + table (top 1 KiB of base RAM)
 *   0xa0000 .. 0x100000         reserved (legacy VGA + BIOS area), e820 hole
 *   0x100000 (1 MiB)            kernel
 */
#ifndef KITE_BOOT_H
#define KITE_BOOT_H

#include "kvm.h"

#define BOOT_GDT_ADDR		0x500ULL
#define BOOT_START_INFO		0x6000ULL
#define BOOT_ZERO_PAGE		0x7000ULL
#define BOOT_PML4		0x9000ULL
#define BOOT_CMDLINE		0x20000ULL
#define BOOT_CMDLINE_MAX	0x10000ULL
#define BOOT_MPTABLE		0x9fc00ULL
#define BOOT_LOW_RAM_END	0xa0000ULL	/* end of base memory */
#define BOOT_HIGH_START		0x100000ULL	/* 1 MiB */
#define BOOT_SEL_CODE		0x10
#define BOOT_SEL_DATA		0x18

/* The console line used when --cmdline is not given. */
#define BOOT_DEFAULT_CMDLINE	"console=ttyS0 reboot=k panic=-1"

enum boot_mode {
	BOOT_MODE_PROTECTED32,	/* PVH: CR0.PE, paging off, EBX = start_info */
	BOOT_MODE_LONG64,	/* Linux 64-bit entry: RSI = boot_params */
};

/* Where and how the bootstrap vCPU starts. */
struct boot_entry {
	enum boot_mode mode;
	u64 rip;
	u64 rbx;
	u64 rsi;
};

/* What the loaders placed in guest RAM besides the kernel. */
struct boot_payload {
	u64 cmdline_addr;
	u64 cmdline_len;		/* without the NUL */
	u64 kernel_end;			/* first byte after the loaded kernel */
	u64 initrd_addr;
	u64 initrd_size;		/* 0: no initrd */
};

/* pvh.c: write hvm_start_info (memory map, command line, initrd module). */
int pvh_setup(struct vm *vm, const struct boot_payload *p);

/*
 * Place `size` bytes of initrd as high as possible in low RAM, below
 * `max_addr`, above `kernel_end`, page aligned. Returns the address or 0
 * when it does not fit.
 */
u64 boot_initrd_addr(struct vm *vm, u64 size, u64 kernel_end, u64 max_addr);

/* The guest command line: --cmdline (or the default) plus device args. */
char *boot_cmdline(struct vm *vm, const struct vm_config *cfg);

/* elf.c: PVH ELF (freestanding guests and vmlinux) */
/*
 * Validate an ELF image held in [buf, buf + size) and return its PVH entry
 * (XEN_ELFNOTE_PHYS32_ENTRY) in *entry. Returns 0, or -errno with a
 * one-line reason in err (errlen bytes). Touches no VM.
 */
int elf_pvh_parse(const void *buf, u64 size, u32 *entry, char *err, size_t errlen);
/*
 * Copy its PT_LOAD segments into guest RAM (bounds-checked, all above
 * 1 MiB); *end is the first byte after the highest segment.
 */
int elf_pvh_load(struct vm *vm, const void *buf, u64 size, u64 *end, char *err, size_t errlen);

/*
 * Load cfg->kernel (PVH ELF or bzImage, by content), the initrd and the
 * command line, write the tables the guest needs (start_info or zero page,
 * e820, MP table) and fill *entry. Prints a one-line error and returns
 * -errno on bad input; no vCPU has run yet.
 */
int boot_load_kernel(struct vm *vm, const struct vm_config *cfg, struct boot_entry *entry);

/* Put the bootstrap vCPU into the state entry->mode asks for. */
int boot_setup_bsp(struct vcpu *vcpu, const struct boot_entry *entry);

/* Read a whole file into a malloc'd buffer (max_size bounds it). */
int boot_read_file(const char *path, u64 max_size, void **buf, u64 *size);

#endif
