// SPDX-License-Identifier: GPL-2.0
/*
 * Boot: read the kernel, pick the loader by content, place the command
 * line and initrd, and set up the bootstrap vCPU. Application processors
 * need nothing here: with the in-kernel LAPIC they wait for INIT/SIPI.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"

#define GDT_ENTRIES	5	/* null, unused, code, data, TSS */
#define BOOT_SEL_TSS	0x20

/* Open path for reading; it must be a regular file. Returns the fd or -errno. */
static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("cannot open '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		pr_err("'%s' is not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int boot_read_file(const char *path, u64 max_size, void **buf, u64 *size)
{
	struct stat st;
	void *b;
	int fd = open_regular(path, &st), ret;

	if (fd < 0)
		return fd;
	if ((u64)st.st_size > max_size) {
		pr_err("'%s' (%lld bytes) is larger than guest RAM allows", path,
		       (long long)st.st_size);
		close(fd);
		return -EFBIG;
	}
	b = malloc(st.st_size + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	ret = read_full(fd, b, st.st_size);
	close(fd);
	if (ret) {
		pr_err("cannot read '%s': %s", path, strerror(-ret));
		free(b);
		return ret;
	}
	((char *)b)[st.st_size] = '\0';	/* text files parse as strings */
	*buf = b;
	*size = st.st_size;
	return 0;
}

/*
 * The kernel is mapped, not read: a vmlinux with its debug info can be
 * larger than guest RAM although only its PT_LOAD segments go there
 * (QEMU maps it too), and only the pages the loaders touch are read.
 */
static int map_kernel(const char *path, void **buf, u64 *size)
{
	struct stat st;
	void *b;
	int fd = open_regular(path, &st), ret;

	if (fd < 0)
		return fd;
	if (!st.st_size) {
		pr_err("kernel '%s' is empty", path);
		close(fd);
		return -EINVAL;
	}
	b = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ret = b == MAP_FAILED ? -errno : 0;
	close(fd);
	if (ret) {
		pr_err("cannot map '%s': %s", path, strerror(-ret));
		return ret;
	}
	*buf = b;
	*size = st.st_size;
	return 0;
}

u64 boot_initrd_addr(struct vm *vm, u64 size, u64 kernel_end, u64 max_addr)
{
	u64 top = MIN(vm_low_ram_end(vm), max_addr + 1), addr;

	if (size > top)
		return 0;
	addr = ALIGN_DOWN(top - size, 4096);
	return addr >= ALIGN_UP(kernel_end, 4096) ? addr : 0;
}

static int place_cmdline(struct vm *vm, const char *cmdline, u64 max_len,
			 struct boot_payload *p)
{
	size_t len = strlen(cmdline);
	char *dst;

	if (len >= max_len) {
		pr_err("kernel command line is %zu bytes; this kernel takes at most %llu",
		       len, (unsigned long long)max_len - 1);
		return -E2BIG;
	}
	dst = guest_ptr(vm, BOOT_CMDLINE, len + 1);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, cmdline, len + 1);
	p->cmdline_addr = BOOT_CMDLINE;
	p->cmdline_len = len;
	return 0;
}

static int place_initrd(struct vm *vm, const char *path, u64 max_addr, struct boot_payload *p)
{
	void *buf;
	u64 size;
	int ret;

	if (!path)
		return 0;
	ret = boot_read_file(path, vm->ram_size, &buf, &size);
	if (ret)
		return ret;
	p->initrd_addr = boot_initrd_addr(vm, size, p->kernel_end, max_addr);
	if (!p->initrd_addr) {
		pr_err("initrd '%s' (%llu KiB) does not fit in guest RAM below 0x%llx; give more --mem",
		       path, (unsigned long long)(size >> 10), (unsigned long long)max_addr);
		free(buf);
		return -ENOSPC;
	}
	guest_write(vm, p->initrd_addr, buf, size);	/* placed in RAM above */
	p->initrd_size = size;
	free(buf);
	return 0;
}

unsigned boot_pvh_regions(struct vm *vm, u64 cmdline_len, struct boot_region *out)
{
	const struct boot_region r[BOOT_PVH_REGIONS] = {
		{ "boot GDT", BOOT_GDT_ADDR, BOOT_GDT_ADDR + GDT_ENTRIES * 8 },
		{ "PVH start info", BOOT_START_INFO, BOOT_START_INFO + BOOT_START_INFO_SIZE },
		/* place_cmdline() refuses a longer one: never more than its area. */
		{ "command line", BOOT_CMDLINE,
		  BOOT_CMDLINE + MIN(cmdline_len + 1, BOOT_CMDLINE_MAX) },
		{ "MP floating pointer", BOOT_MPTABLE, BOOT_MPTABLE + 16 },
		{ "ACPI tables", BOOT_ACPI, BOOT_ACPI_END },
		{ "MP table", BOOT_MPTABLE_CFG, BOOT_MPTABLE_CFG + mptable_size(vm->nr_cpus) },
		{ "SMBIOS tables", BOOT_SMBIOS, BOOT_SMBIOS_END },
	};

	memcpy(out, r, sizeof(r));
	return ARRAY_SIZE(r);
}

static int load_pvh(struct vm *vm, const struct boot_config *bc, void *buf, u64 size,
		    struct boot_entry *entry)
{
	struct boot_region taken[BOOT_PVH_REGIONS];
	struct boot_payload p = { 0 };
	const char *cmdline = bc->cmdline;
	char err[256];
	unsigned nr_taken;
	u32 rip;
	int ret;

	/*
	 * The tables, command line and start info are written after the
	 * kernel: the loader refuses a segment in their way up front.
	 */
	nr_taken = boot_pvh_regions(vm, strlen(cmdline), taken);
	if (elf_pvh_parse(buf, size, &rip, err, sizeof(err)) ||
	    elf_pvh_load(vm, buf, size, taken, nr_taken, &p.kernel_end, err, sizeof(err))) {
		pr_err("kernel '%s': %s", bc->kernel, err);
		return -EINVAL;
	}
	ret = place_cmdline(vm, cmdline, BOOT_CMDLINE_MAX, &p);
	if (!ret)
		ret = place_initrd(vm, bc->initrd, MMIO_HOLE_START - 1, &p);
	if (!ret)
		ret = boot_write_tables(vm, bc, &p.rsdp_addr);
	if (!ret)
		ret = pvh_setup(vm, &p);
	*entry = (struct boot_entry){ .mode = BOOT_MODE_PROTECTED32, .rip = rip,
				      .rbx = BOOT_START_INFO };
	return ret;
}

int boot_load_kernel(struct vm *vm, const struct boot_config *bc, struct boot_entry *entry)
{
	void *buf = NULL;
	u64 size = 0;
	int ret;

	ret = map_kernel(bc->kernel, &buf, &size);
	if (ret)
		return ret;
	if (size >= 4 && !memcmp(buf, "\177ELF", 4)) {
		ret = load_pvh(vm, bc, buf, size, entry);
	} else if (bzimage_probe(buf, size)) {
		ret = bzimage_load(vm, bc, buf, size, entry);
	} else {
		pr_err("kernel '%s' is not a kernel kite can boot (expected a PVH ELF or a bzImage)",
		       bc->kernel);
		ret = -EINVAL;
	}
	munmap(buf, size);
	return ret;
}

/* A flat segment descriptor: base 0, limit 4G, 4K granularity. */
static u64 gdt_flat(u8 type, bool code64)
{
	u64 d = 0xffffULL | (0xfULL << 48);		/* limit */

	d |= (u64)(type | 0x90) << 40;			/* type, S=1, P=1 */
	d |= 1ULL << 55;				/* G */
	d |= code64 ? (1ULL << 53) : (1ULL << 54);	/* L, or D/B */
	return d;
}

static struct kvm_segment seg_from(u16 sel, u8 type, bool code64)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .g = 1, .l = code64, .db = !code64,
	};
}

static int write_gdt(struct vm *vm, bool long_mode)
{
	u64 *gdt = guest_ptr(vm, BOOT_GDT_ADDR, GDT_ENTRIES * 8);

	if (!gdt)
		return -ENOMEM;
	memset(gdt, 0, GDT_ENTRIES * 8);
	gdt[BOOT_SEL_CODE / 8] = gdt_flat(0xb, long_mode);	/* exec/read, accessed */
	gdt[BOOT_SEL_DATA / 8] = gdt_flat(0x3, false);		/* read/write, accessed */
	/* A 32-bit busy TSS: VMX refuses to enter without a usable TR. */
	gdt[BOOT_SEL_TSS / 8] = 0x67ULL | (0x8bULL << 40);
	return 0;
}

int boot_setup_bsp(struct vcpu *vcpu, const struct boot_entry *entry)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 0x2, .rip = entry->rip,
			      .rbx = entry->rbx, .rsi = entry->rsi };
	bool lm = entry->mode == BOOT_MODE_LONG64;

	if (lm)
		return boot_setup_long64(vcpu, entry);
	if (write_gdt(vcpu->vm, lm) || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return -EIO;
	s.cs = seg_from(BOOT_SEL_CODE, 0xb, lm);
	s.ds = s.es = s.fs = s.gs = s.ss = seg_from(BOOT_SEL_DATA, 0x3, false);
	s.tr = (struct kvm_segment){ .selector = BOOT_SEL_TSS, .limit = 0x67,
				     .type = 0xb, .present = 1 };
	s.gdt.base = BOOT_GDT_ADDR;
	s.gdt.limit = GDT_ENTRIES * 8 - 1;
	s.cr0 = 0x11;			/* PE, ET; paging off as PVH requires */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0) {
		pr_err("cannot set the boot vCPU's registers: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

u8 boot_checksum(const u8 *p, u64 len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}
