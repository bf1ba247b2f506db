// SPDX-License-Identifier: GPL-2.0
/*
 * Linux bzImage through the x86 boot protocol's 64-bit entry
 * (Documentation/arch/x86/boot.rst): no real-mode setup code runs. kite
 * copies the protected-mode kernel to RAM, builds the zero page
 * (boot_params) with the e820 map, command line and initrd itself, and
 * starts the BSP in long mode at the kernel's load address + 0x200.
 *
 * The work is split so that everything that can reject bad input is a
 * pure function of the file and the RAM size (the unit tests call them
 * without a VM): bzimage_parse() checks the header, bzimage_place()
 * decides where kernel, initrd and command line go, and
 * bzimage_fill_zero_page() writes boot_params into a buffer. Only
 * bzimage_load() touches guest memory, and only after all three passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

/* Offsets into the image's first sector / boot_params (boot.rst). */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_VID_MODE		0x1fa
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_KERNEL_VERSION	0x20e	/* the version string, at 0x200 + this */
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MAX		0x290	/* where boot_params' header area ends */

#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define BOOT_FLAG_MAGIC		0xaa55
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		0x01
#define LOADER_UNDEFINED	0xff
#define ENTRY_64_OFFSET		0x200

static u16 get16(const u8 *p, unsigned off) { u16 v; memcpy(&v, p + off, 2); return v; }
static u32 get32(const u8 *p, unsigned off) { u32 v; memcpy(&v, p + off, 4); return v; }
static u64 get64(const u8 *p, unsigned off) { u64 v; memcpy(&v, p + off, 8); return v; }
static void put16(u8 *p, unsigned off, u16 v) { memcpy(p + off, &v, 2); }
static void put32(u8 *p, unsigned off, u32 v) { memcpy(p + off, &v, 4); }
static void put64(u8 *p, unsigned off, u64 v) { memcpy(p + off, &v, 8); }

#define fail(...) ({ snprintf(err, errlen, __VA_ARGS__); -EINVAL; })

bool bzimage_probe(const void *buf, u64 size)
{
	const u8 *p = buf;

	return size >= HDR_MAGIC + 4 && get32(p, HDR_MAGIC) == HDRS_MAGIC;
}

int bzimage_parse(const void *buf, u64 size, struct bzimage_info *info,
		  char *err, size_t errlen)
{
	const u8 *p = buf;
	unsigned setup_sects;
	u64 sys_size;

	memset(info, 0, sizeof(*info));
	if (size < 2 * 512 || get16(p, HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC ||
	    get32(p, HDR_MAGIC) != HDRS_MAGIC)
		return fail("not a Linux kernel (no bzImage \"HdrS\" header, no PVH ELF note)");
	info->version = get16(p, HDR_VERSION);
	if (info->version < 0x20c)
		return fail("boot protocol %u.%02u is too old: kite needs 2.12 or later (Linux 3.8+) for the 64-bit entry",
			    info->version >> 8, info->version & 0xff);
	if (!(get16(p, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return fail("kernel has no 64-bit entry point (a 32-bit kernel?)");
	if (!(p[HDR_LOADFLAGS] & LOADED_HIGH))
		return fail("kernel is not a bzImage (zImage, loaded low, is not supported)");
	if (!p[HDR_RELOCATABLE])
		return fail("kernel is not relocatable (CONFIG_RELOCATABLE=n): kite places the kernel itself and needs a relocatable one");

	setup_sects = p[HDR_SETUP_SECTS] ?: 4;	/* 0 means 4, for old images */
	info->setup_size = (u64)(setup_sects + 1) * 512;
	sys_size = (u64)get32(p, HDR_SYSSIZE) * 16;
	if (info->setup_size >= size || sys_size > size - info->setup_size)
		return fail("kernel image is truncated: %llu bytes, its header says %llu",
			    (unsigned long long)size,
			    (unsigned long long)(info->setup_size + sys_size));
	info->kernel_size = size - info->setup_size;

	/* The header ends where the jump at 0x200 points to; clamp it. */
	info->header_end = MIN(HDR_JUMP + 2 + (unsigned)p[HDR_JUMP + 1], HDR_END_MAX);
	info->kernel_alignment = get32(p, HDR_KERNEL_ALIGNMENT);
	if (!info->kernel_alignment || (info->kernel_alignment & (info->kernel_alignment - 1)))
		return fail("kernel_alignment 0x%x in the setup header is not a power of two",
			    info->kernel_alignment);
	info->initrd_addr_max = get32(p, HDR_INITRD_ADDR_MAX);
	info->cmdline_size = get32(p, HDR_CMDLINE_SIZE);
	info->pref_address = get64(p, HDR_PREF_ADDRESS);
	info->init_size = get32(p, HDR_INIT_SIZE);
	if (info->init_size < info->kernel_size)
		return fail("kernel init_size (%u) is smaller than the kernel itself (%llu): corrupt header",
			    info->init_size, (unsigned long long)info->kernel_size);
	return 0;
}

int bzimage_kernel_version(const void *buf, u64 size, char *out, size_t len)
{
	const u8 *p = buf;
	u64 setup, at;
	size_t n = 0;

	if (!len || size < 2 * 512 || get32(p, HDR_MAGIC) != HDRS_MAGIC ||
	    get16(p, HDR_VERSION) < 0x200 || !get16(p, HDR_KERNEL_VERSION))
		return -ENOENT;
	setup = MIN((u64)((p[HDR_SETUP_SECTS] ?: 4) + 1) * 512, size);
	at = 0x200 + (u64)get16(p, HDR_KERNEL_VERSION);
	/* "6.1.0-28-cloud-amd64 (debian-kernel@...) #1 SMP ...": the first word. */
	while (at + n < setup && n + 1 < len && p[at + n] > ' ' && p[at + n] < 0x7f) {
		out[n] = p[at + n];
		n++;
	}
	out[n] = '\0';
	return n && at + n < setup && (p[at + n] == ' ' || !p[at + n]) ? 0 : -ENOENT;
}

/* Fits [addr, addr + len) in low RAM above 1 MiB? */
static bool fits_low(u64 addr, u64 len, u64 low_end)
{
	return addr >= BOOT_HIGH_START && range_ok(addr, len, low_end);
}

int bzimage_place(const struct bzimage_info *info, u64 low_end, u64 initrd_size,
		  u64 cmdline_len, struct bzimage_layout *out, char *err, size_t errlen)
{
	u64 align = info->kernel_alignment, kernel, run_at, kernel_end, top;

	memset(out, 0, sizeof(*out));
	if (cmdline_len > info->cmdline_size || cmdline_len >= BOOT_CMDLINE_MAX)
		return fail("command line is %llu bytes, the kernel accepts at most %llu",
			    (unsigned long long)cmdline_len,
			    (unsigned long long)MIN((u64)info->cmdline_size, BOOT_CMDLINE_MAX - 1));

	/*
	 * Load at the kernel's preferred address (its LOAD_PHYSICAL_ADDR),
	 * else at the lowest aligned address above 1 MiB. Either way the
	 * decompressor moves itself up to at least pref_address before
	 * decompressing, so what must be RAM is init_size bytes from
	 * there (a kernel loaded lower would fault once it runs there).
	 */
	kernel = info->pref_address;
	if (kernel < BOOT_HIGH_START || !IS_ALIGNED(kernel, align))
		kernel = ALIGN_UP(BOOT_HIGH_START, align);
	run_at = MAX(kernel, info->pref_address);
	if (!fits_low(run_at, info->init_size, low_end))
		return fail("kernel needs %llu MiB of RAM from 0x%llx to decompress; the VM has %llu MiB below 4 GiB: give it more --mem",
			    (unsigned long long)DIV_ROUND_UP(info->init_size, MiB),
			    (unsigned long long)run_at,
			    (unsigned long long)(low_end / MiB));
	kernel_end = run_at + info->init_size;
	out->kernel_addr = kernel;
	out->entry = kernel + ENTRY_64_OFFSET;
	out->cmdline_addr = BOOT_CMDLINE;

	if (!initrd_size)
		return 0;
	/* As high as the kernel allows and RAM has, page aligned. */
	top = MIN((u64)info->initrd_addr_max + 1, low_end);
	if (initrd_size > top || ALIGN_DOWN(top - initrd_size, 4096) < kernel_end)
		return fail("initrd (%llu MiB) does not fit between the kernel's end (0x%llx) and 0x%llx: give the VM more --mem",
			    (unsigned long long)DIV_ROUND_UP(initrd_size, MiB),
			    (unsigned long long)kernel_end, (unsigned long long)top);
	out->initrd_addr = ALIGN_DOWN(top - initrd_size, 4096);
	out->initrd_size = initrd_size;
	return 0;
}

int bzimage_fill_zero_page(u8 *zp, const void *buf, const struct bzimage_info *info,
			   const struct bzimage_layout *lay,
			   const struct boot_mem_range *map, unsigned nr_map, u64 rsdp)
{
	unsigned i;

	if (nr_map > BP_E820_MAX)
		return -ENOSPC;
	memset(zp, 0, BOOT_ZERO_PAGE_SIZE);
	/* The protocol: copy the setup header as the image has it, then edit. */
	memcpy(zp + HDR_SETUP_SECTS, (const u8 *)buf + HDR_SETUP_SECTS,
	       info->header_end - HDR_SETUP_SECTS);
	zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put16(zp, HDR_VID_MODE, 0xffff);	/* "normal": there is no VGA */
	put32(zp, HDR_CMD_LINE_PTR, (u32)lay->cmdline_addr);
	put32(zp, BP_EXT_CMD_LINE_PTR, (u32)(lay->cmdline_addr >> 32));
	put32(zp, HDR_RAMDISK_IMAGE, (u32)lay->initrd_addr);
	put32(zp, BP_EXT_RAMDISK_IMAGE, (u32)(lay->initrd_addr >> 32));
	put32(zp, HDR_RAMDISK_SIZE, (u32)lay->initrd_size);
	put32(zp, BP_EXT_RAMDISK_SIZE, (u32)(lay->initrd_size >> 32));
	/* 2.14+ kernels take the RSDP from here; older ones scan and find it too. */
	put64(zp, BP_ACPI_RSDP_ADDR, rsdp);

	zp[BP_E820_ENTRIES] = nr_map;
	for (i = 0; i < nr_map; i++) {
		u8 *e = zp + BP_E820_TABLE + i * 20;

		put64(e, 0, map[i].addr);
		put64(e, 8, map[i].size);
		put32(e, 16, map[i].type);
	}
	return 0;
}

int bzimage_load(struct vm *vm, const struct boot_config *bc, const void *buf,
		 u64 size, struct boot_entry *entry)
{
	const char *cmdline = bc->cmdline;
	struct boot_mem_range map[BOOT_MEM_MAX];
	struct bzimage_layout lay;
	struct bzimage_info info;
	void *initrd = NULL;
	u64 initrd_size = 0, rsdp;
	char err[256];
	int nr_map, ret;
	u8 *dst;

	if (!cmdline)
		return -EINVAL;
	ret = bzimage_parse(buf, size, &info, err, sizeof(err));
	if (ret)
		goto bad;
	if (bc->initrd) {
		/* boot_read_file says what went wrong. */
		ret = boot_read_file(bc->initrd, vm->ram_size, &initrd, &initrd_size);
		if (ret)
			return ret;
	}
	ret = bzimage_place(&info, vm_low_ram_end(vm), initrd_size, strlen(cmdline),
			    &lay, err, sizeof(err));
	if (ret)
		goto bad;
	nr_map = boot_memmap(vm, map, ARRAY_SIZE(map));
	if (nr_map < 0) {
		ret = nr_map;
		snprintf(err, sizeof(err), "cannot build the memory map");
		goto bad;
	}
	ret = boot_write_tables(vm, bc, &rsdp);
	if (ret) {
		snprintf(err, sizeof(err), "cannot write the ACPI and MP tables");
		goto bad;
	}

	/* Everything is checked: from here on nothing can fail on input. */
	if (guest_write(vm, lay.kernel_addr, (const u8 *)buf + info.setup_size, info.kernel_size)) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "kernel does not fit in RAM");
		goto bad;
	}
	if (initrd_size && guest_write(vm, lay.initrd_addr, initrd, initrd_size)) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "initrd does not fit in RAM");
		goto bad;
	}
	dst = guest_ptr(vm, lay.cmdline_addr, strlen(cmdline) + 1);
	if (!dst) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "no RAM for the command line");
		goto bad;
	}
	memcpy(dst, cmdline, strlen(cmdline) + 1);
	dst = guest_ptr(vm, BOOT_ZERO_PAGE, BOOT_ZERO_PAGE_SIZE);
	ret = dst ? bzimage_fill_zero_page(dst, buf, &info, &lay, map, nr_map, rsdp) : -EINVAL;
	if (ret) {
		snprintf(err, sizeof(err), "cannot write the zero page");
		goto bad;
	}
	free(initrd);

	*entry = (struct boot_entry){
		.mode = BOOT_MODE_LONG64,
		.rip = lay.entry,
		.rsi = BOOT_ZERO_PAGE,
	};
	pr_debug("bzImage %u.%02u: kernel at 0x%llx (init_size %u), initrd at 0x%llx (%llu bytes)",
		 info.version >> 8, info.version & 0xff,
		 (unsigned long long)lay.kernel_addr, info.init_size,
		 (unsigned long long)lay.initrd_addr, (unsigned long long)initrd_size);
	return 0;
bad:
	free(initrd);
	pr_err("%s: %s", bc->kernel, err);
	return ret;
}
