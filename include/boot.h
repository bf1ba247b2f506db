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
 *   0x9fc00  BOOT_MPTABLE       MP floating pointer (top 1 KiB of base RAM, reserved)
 *   0xa0000 .. 0xe0000          legacy VGA/option ROM hole: not in the memory map
 *   0xe0000  BOOT_ACPI          ACPI RSDP, XSDT, FADT, DSDT, MADT (BIOS area,
 *                               where Linux also scans for the RSDP)
 *   0xf0000  BOOT_MPTABLE_CFG   MP configuration table (too big for 1 KiB
 *                               with 64 CPUs; the pointer stays at 0x9fc00)
 *   0xf1000  BOOT_SMBIOS        SMBIOS 3.0 entry point and structures
 *   0xe0000 .. 0x100000         reserved in the memory map (boot/memmap.c)
 *   0x100000 (1 MiB)            kernel
 *
 * A PVH ELF may also load segments below 1 MiB (ld -Ttext=0x100000 puts
 * the ELF headers at 0xff000) wherever it is RAM and none of the above
 * that its boot path writes: boot_pvh_regions() lists those.
 */
#ifndef KITE_BOOT_H
#define KITE_BOOT_H

#include "kvm.h"

#define BOOT_GDT_ADDR		0x500ULL
#define BOOT_START_INFO		0x6000ULL
#define BOOT_START_INFO_SIZE	0x1000ULL
#define BOOT_ZERO_PAGE		0x7000ULL
#define BOOT_PML4		0x9000ULL
#define BOOT_CMDLINE		0x20000ULL
#define BOOT_CMDLINE_MAX	0x10000ULL
#define BOOT_MPTABLE		0x9fc00ULL
#define BOOT_LOW_RAM_END	0xa0000ULL	/* end of base memory */
#define BOOT_ACPI		0xe0000ULL
#define BOOT_ACPI_END		0xf0000ULL
#define BOOT_MPTABLE_CFG	0xf0000ULL
#define BOOT_SMBIOS		0xf1000ULL
#define BOOT_SMBIOS_END		0xf2000ULL
#define BOOT_BIOS_END		0x100000ULL
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
	u64 rsdp_addr;			/* ACPI RSDP (boot_write_tables) */
};

/* pvh.c: write hvm_start_info (memory map, command line, initrd module). */
int pvh_setup(struct vm *vm, const struct boot_payload *p);

/* A range of guest memory kite writes while booting, by name. */
struct boot_region {
	const char *name;
	u64 start, end;			/* [start, end) */
};

#define BOOT_PVH_REGIONS	7
/*
 * What the PVH path writes below 1 MiB after loading the kernel, with a
 * command line of cmdline_len bytes (NUL excluded): out[] has room for
 * BOOT_PVH_REGIONS. Returns how many it filled in.
 */
unsigned boot_pvh_regions(struct vm *vm, u64 cmdline_len, struct boot_region *out);

/*
 * Place `size` bytes of initrd as high as possible in low RAM, below
 * `max_addr`, above `kernel_end`, page aligned. Returns the address or 0
 * when it does not fit.
 */
u64 boot_initrd_addr(struct vm *vm, u64 size, u64 kernel_end, u64 max_addr);

/*
 * cmdline.c: the command line the kernel gets: base (--cmdline, or
 * BOOT_DEFAULT_CMDLINE when NULL), then a virtio_mmio.device=SIZE@ADDR:IRQ
 * for each virtio-mmio device in the registry (Linux finds them only
 * there), then extra (NULL: nothing). malloc'd; NULL when out of memory.
 */
char *boot_cmdline(struct vm *vm, const char *base, const char *extra);

/*
 * A device that an ACPI guest finds only through the DSDT (the PCI host
 * bridge: Linux with ACPI does not probe PCI bus 0 on its own) gives a
 * function writing its AML: fn(buf, len) returns the size it needs; the
 * AML is complete only if that is <= len.
 */
typedef size_t (*acpi_aml_fn)(u8 *buf, size_t len);

/* What to boot and how the machine is described to it. */
struct boot_config {
	const char *kernel;		/* path */
	const char *initrd;		/* path, NULL: none */
	const char *cmdline;		/* the whole line (boot_cmdline) */
	const acpi_aml_fn *dsdt_aml;	/* devices' DSDT additions */
	unsigned nr_dsdt_aml;
};

/* elf.c: PVH ELF (freestanding guests and vmlinux) */
/*
 * Validate an ELF image held in [buf, buf + size) and return its PVH entry
 * (XEN_ELFNOTE_PHYS32_ENTRY) in *entry. Returns 0, or -errno with a
 * one-line reason in err (errlen bytes). Touches no VM.
 */
int elf_pvh_parse(const void *buf, u64 size, u32 *entry, char *err, size_t errlen);
/*
 * Copy its PT_LOAD segments into guest RAM at their p_paddr, wherever
 * that is RAM and clear of avoid[] (what kite writes there itself); one
 * bad segment and nothing is copied. *end is the first byte after the
 * highest segment.
 */
int elf_pvh_load(struct vm *vm, const void *buf, u64 size,
		 const struct boot_region *avoid, unsigned nr_avoid, u64 *end,
		 char *err, size_t errlen);

/*
 * Load cfg->kernel (PVH ELF or bzImage, by content), the initrd and the
 * command line, write the tables the guest needs (start_info or zero page,
 * e820, MP table) and fill *entry. Prints a one-line error and returns
 * -errno on bad input; no vCPU has run yet.
 */
int boot_load_kernel(struct vm *vm, const struct boot_config *bc, struct boot_entry *entry);

/* Put the bootstrap vCPU into the state entry->mode asks for. */
int boot_setup_bsp(struct vcpu *vcpu, const struct boot_entry *entry);

/*
 * memmap.c: the guest's physical memory map, one source for the zero
 * page's e820 table and PVH's memmap (their type values are the same).
 */
#define BOOT_MEM_RAM		1
#define BOOT_MEM_RESERVED	2
#define BOOT_MEM_MAX		8

struct boot_mem_range {
	u64 addr;
	u64 size;
	u32 type;
};

/*
 * Fill out[] (at most max entries, sorted, non-overlapping) with the map
 * of a VM whose RAM ends at low_end below the PCI hole and has high_size
 * bytes from 4 GiB. Returns the number of entries or -ENOSPC.
 */
int boot_memmap_layout(u64 low_end, u64 high_size, struct boot_mem_range *out,
		       unsigned max);
int boot_memmap(struct vm *vm, struct boot_mem_range *out, unsigned max);

/* bzimage.c: Linux bzImage through the boot protocol's 64-bit entry */
#define BOOT_ZERO_PAGE_SIZE	0x1000ULL

struct bzimage_info {
	u16 version;
	u64 setup_size;		/* real-mode part, not loaded */
	u64 kernel_size;	/* protected-mode part */
	unsigned header_end;	/* setup header bytes to copy: [0x1f1, header_end) */
	u32 kernel_alignment;
	u32 initrd_addr_max;
	u32 cmdline_size;
	u32 init_size;
	u64 pref_address;
};

struct bzimage_layout {
	u64 kernel_addr;
	u64 entry;
	u64 cmdline_addr;
	u64 initrd_addr;
	u64 initrd_size;
};

/* Does the buffer carry a setup header ("HdrS")? */
bool bzimage_probe(const void *buf, u64 size);
/*
 * The kernel's release ("6.1.0-28-cloud-amd64", what uname -r prints) from
 * the setup header's kernel_version string: 0, or -ENOENT when the image
 * has none that fits in its setup sectors and in len.
 */
int bzimage_kernel_version(const void *buf, u64 size, char *out, size_t len);
/* Validate the setup header; -EINVAL with a reason in err. */
int bzimage_parse(const void *buf, u64 size, struct bzimage_info *info,
		  char *err, size_t errlen);
/* Place kernel, command line and initrd in low RAM ending at low_end. */
int bzimage_place(const struct bzimage_info *info, u64 low_end, u64 initrd_size,
		  u64 cmdline_len, struct bzimage_layout *out, char *err, size_t errlen);
/* Build boot_params in zp (BOOT_ZERO_PAGE_SIZE bytes). */
int bzimage_fill_zero_page(u8 *zp, const void *buf, const struct bzimage_info *info,
			   const struct bzimage_layout *lay,
			   const struct boot_mem_range *map, unsigned nr_map, u64 rsdp);
/* All of the above, into the VM; prints the error. */
int bzimage_load(struct vm *vm, const struct boot_config *bc, const void *buf,
		 u64 size, struct boot_entry *entry);

/* boot64.c: page tables, GDT and long-mode registers for the BSP */
int boot_setup_long64(struct vcpu *vcpu, const struct boot_entry *entry);

/*
 * acpi.c: RSDP, XSDT, FADT, FACS, DSDT and MADT at BOOT_ACPI, describing
 * vm->nr_cpus CPUs, the IOAPIC and the PM block of hw/acpi-pm.c.
 * acpi_build() writes into a buffer that will sit at guest address
 * BOOT_ACPI (the unit tests read it back), its DSDT holding the AML
 * given; acpi_setup() into the VM, with the registry's legacy devices
 * (acpi_registry_aml) and the devices' additions in that AML.
 */
#define ACPI_PM_BASE		0x600	/* PM1a event (4 bytes), PM1a control (2) */
#define ACPI_PM_LEN		6
#define ACPI_SCI_IRQ		9
#define ACPI_SLP_TYP_S5		5
int acpi_build(u8 *buf, u64 len, unsigned nr_cpus, const u8 *aml, u64 aml_len,
	       u64 *rsdp);
/*
 * The byte that makes p[0..len) sum to 0 mod 256 (with the checksum field
 * 0 while it is computed), as ACPI, MP and SMBIOS tables must; over a
 * finished table, 0.
 */
u8 boot_checksum(const u8 *p, u64 len);
int acpi_setup(struct vm *vm, const acpi_aml_fn *fns, unsigned nr, u64 *rsdp);
/*
 * A \_SB scope with a PNP device for each legacy device of vm's registry
 * (8250 UARTs COM1.., the CMOS RTC, the i8042's keyboard and mouse),
 * into buf (len bytes); returns the size it needs, as acpi_aml_fn does.
 */
size_t acpi_registry_aml(struct vm *vm, u8 *buf, size_t len);
/* What both boot paths write: ACPI, MP and SMBIOS tables; *rsdp for the guest. */
int boot_write_tables(struct vm *vm, const struct boot_config *bc, u64 *rsdp);

/*
 * mptable.c: MP floating pointer (16 bytes, at BOOT_MPTABLE) and
 * configuration table (at BOOT_MPTABLE_CFG) for nr_cpus CPUs.
 */
u64 mptable_size(unsigned nr_cpus);
int mptable_build(u8 *fp, u8 *cfg, u64 cfg_len, unsigned nr_cpus);
int mptable_setup(struct vm *vm);

/*
 * smbios.c: the SMBIOS entry point and structures for a buffer that the
 * guest sees at gpa (smbios_build, with the system UUID given), or at
 * BOOT_SMBIOS with a random UUID (smbios_setup).
 */
int smbios_build(u8 *buf, u64 len, u64 gpa, const u8 uuid[16]);
int smbios_setup(struct vm *vm);

/*
 * Read a whole file into a malloc'd buffer (max_size bounds it), with a NUL
 * after its size bytes so that a text file is also a string.
 */
int boot_read_file(const char *path, u64 max_size, void **buf, u64 *size);

/*
 * cpio.c: a cpio newc archive (an initramfs) built in memory. Names are
 * paths inside the archive ("kite/instructions"; a leading '/' is dropped,
 * ".." refused: -EINVAL); missing parent directories are added (0755).
 * Entries are root's, mtime 0. 0 or -errno; cpio_free() in every case.
 */
struct cpio {
	u8 *buf;
	size_t len, cap;
	u32 ino;
	char **dirs;		/* directories written so far */
	unsigned nr_dirs;
};

int cpio_add_dir(struct cpio *c, const char *name, u32 perm);
int cpio_add_file(struct cpio *c, const char *name, u32 perm, const void *data, size_t len);
/* A host file's contents and permission bits (a regular file only). */
int cpio_add_host_file(struct cpio *c, const char *name, const char *path);
/* The trailer: after it, buf[0 .. len) is the archive. */
int cpio_finish(struct cpio *c);
void cpio_free(struct cpio *c);

#endif
