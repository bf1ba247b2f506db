// SPDX-License-Identifier: GPL-2.0
/*
 * The boot path into a VM's RAM without KVM (vm_init_bare + guest RAM):
 * what bzimage_load and the PVH start info leave in guest memory, that
 * both paths carry the same memory map and RSDP, and the platform
 * devices (PM block, RTC, i8042, PCI config through ECAM) as the guest
 * reaches them on the buses.
 */
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "hw.h"
#include "pci.h"
#include "test.h"

#define SETUP_SIZE	(5 * 512)
#define KERNEL_SIZE	(64 * 1024)
#define RAM		(128 * MiB)

static struct vm vm;
static struct vm_config cfg;
static struct boot_config bc;
static u8 img[SETUP_SIZE + KERNEL_SIZE];

static void p16(u8 *b, unsigned off, u16 v) { memcpy(b + off, &v, 2); }
static void p32(u8 *b, unsigned off, u32 v) { memcpy(b + off, &v, 4); }
static void p64(u8 *b, unsigned off, u64 v) { memcpy(b + off, &v, 8); }
static u32 g32(const u8 *b, unsigned off) { u32 v; memcpy(&v, b + off, 4); return v; }
static u64 g64(const u8 *b, unsigned off) { u64 v; memcpy(&v, b + off, 8); return v; }

static void make_image(void)
{
	unsigned i;

	memset(img, 0, sizeof(img));
	img[0x1f1] = 4;
	p32(img, 0x1f4, KERNEL_SIZE / 16);
	p16(img, 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;
	memcpy(img + 0x202, "HdrS", 4);
	p16(img, 0x206, 0x20f);
	img[0x211] = 0x01;
	p32(img, 0x22c, 0x7fffffff);
	p32(img, 0x230, 0x200000);
	img[0x234] = 1;
	p16(img, 0x236, 0x3);
	p32(img, 0x238, 2047);
	p64(img, 0x258, 0x1000000);
	p32(img, 0x260, 8 << 20);
	for (i = SETUP_SIZE; i < sizeof(img); i++)
		img[i] = i * 13;
}

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	bc = (struct boot_config){ .kernel = "synthetic-bzImage", .cmdline = "" };
	ck_assert_int_eq(vm_init_bare(&vm, &cfg), 0);
	ck_assert_int_eq(vm_init_memory(&vm, RAM), 0);
	vm.nr_cpus = 2;
}

static void teardown(void)
{
	vm_destroy(&vm);
}

static u8 *ram(u64 gpa, u64 len)
{
	u8 *p = guest_ptr(&vm, gpa, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(bzimage_lands_in_ram)
{
	static u8 initrd[1 << 20];
	struct boot_entry e;
	u8 *zp, *e820;
	char *path = test_tmp_path("initrd");
	FILE *f = fopen(path, "w");
	unsigned i;

	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = i * 7 + 1;
	ck_assert_int_eq(fwrite(initrd, 1, sizeof(initrd), f), sizeof(initrd));
	fclose(f);
	make_image();
	bc.initrd = path;
	bc.cmdline = "root=/dev/vda virtio_mmio.device=4K@0xd0000000:5";
	ck_assert_int_eq(bzimage_load(&vm, &bc, img, sizeof(img), &e), 0);

	ck_assert_int_eq(e.mode, BOOT_MODE_LONG64);
	ck_assert_uint_eq(e.rip, 16 * MiB + 0x200);
	ck_assert_uint_eq(e.rsi, BOOT_ZERO_PAGE);
	/* The protected-mode kernel, not the setup code, at its load address. */
	ck_assert_int_eq(memcmp(ram(16 * MiB, KERNEL_SIZE), img + SETUP_SIZE, KERNEL_SIZE), 0);

	zp = ram(BOOT_ZERO_PAGE, 4096);
	ck_assert_int_eq(memcmp(zp + 0x202, "HdrS", 4), 0);
	/* The command line, as the machine built it. */
	ck_assert_str_eq((char *)ram(g32(zp, 0x228), 64),
			 "root=/dev/vda virtio_mmio.device=4K@0xd0000000:5");
	/* The initrd at the top of RAM, page aligned, byte for byte. */
	ck_assert_uint_eq(g32(zp, 0x218), RAM - sizeof(initrd));
	ck_assert_uint_eq(g32(zp, 0x21c), sizeof(initrd));
	ck_assert_int_eq(memcmp(ram(g32(zp, 0x218), sizeof(initrd)), initrd, sizeof(initrd)), 0);
	/* e820: 5 ranges, the 4th the RAM from 1 MiB to the end. */
	ck_assert_uint_eq(zp[0x1e8], 5);
	e820 = zp + 0x2d0 + 3 * 20;
	ck_assert_uint_eq(g64(e820, 0), 1 * MiB);
	ck_assert_uint_eq(g64(e820, 8), RAM - 1 * MiB);
	/* ACPI and MP tables where the zero page and the scans say. */
	ck_assert_uint_eq(g64(zp, 0x070), BOOT_ACPI);
	ck_assert_int_eq(memcmp(ram(BOOT_ACPI, 8), "RSD PTR ", 8), 0);
	ck_assert_int_eq(memcmp(ram(BOOT_MPTABLE, 4), "_MP_", 4), 0);
	ck_assert_int_eq(memcmp(ram(BOOT_MPTABLE_CFG, 4), "PCMP", 4), 0);
}
END_TEST

START_TEST(bzimage_errors_touch_nothing)
{
	struct boot_entry e;

	make_image();
	p16(img, 0x206, 0x201);
	ck_assert_int_eq(bzimage_load(&vm, &bc, img, sizeof(img), &e), -EINVAL);
	make_image();
	bc.cmdline = "x";
	p32(img, 0x260, RAM);		/* init_size: all of RAM from 16 MiB */
	ck_assert_int_eq(bzimage_load(&vm, &bc, img, sizeof(img), &e), -EINVAL);
	/* Nothing was written: no kernel, no zero page, no tables. */
	ck_assert_uint_eq(ram(16 * MiB, 1)[0], 0);
	ck_assert_uint_eq(ram(BOOT_ZERO_PAGE + 0x202, 1)[0], 0);
	ck_assert_uint_eq(ram(BOOT_ACPI, 1)[0], 0);
}
END_TEST

/* PVH's memmap and the zero page's e820 come from one builder. */
START_TEST(pvh_shares_the_map)
{
	struct boot_mem_range map[BOOT_MEM_MAX];
	struct boot_payload p = { .cmdline_addr = BOOT_CMDLINE };
	u8 *si;
	int n, i;

	ck_assert_int_eq(boot_write_tables(&vm, &bc, &p.rsdp_addr), 0);
	ck_assert_int_eq(pvh_setup(&vm, &p), 0);
	n = boot_memmap(&vm, map, BOOT_MEM_MAX);
	si = ram(BOOT_START_INFO, 56);
	ck_assert_uint_eq(g32(si, 0), 0x336ec578);
	ck_assert_uint_eq(g64(si, 24), BOOT_CMDLINE);		/* cmdline_paddr */
	ck_assert_uint_eq(g64(si, 32), BOOT_ACPI);		/* rsdp_paddr */
	ck_assert_uint_eq(g32(si, 48), n);			/* memmap_entries */
	for (i = 0; i < n; i++) {
		u8 *m = ram(g64(si, 40) + i * 24, 24);

		ck_assert_uint_eq(g64(m, 0), map[i].addr);
		ck_assert_uint_eq(g64(m, 8), map[i].size);
		ck_assert_uint_eq(g32(m, 16), map[i].type);
	}
}
END_TEST

static size_t big_aml(u8 *buf, size_t len)
{
	return BOOT_ACPI_END - BOOT_ACPI;	/* never fits next to the tables */
}

static size_t scope_aml(u8 *buf, size_t len)
{
	static const u8 aml[] = { 0x10, 0x07, '_', 'S', 'B', '_', 0x08, 'K', 'I' };

	if (len >= sizeof(aml))
		memcpy(buf, aml, sizeof(aml));
	return sizeof(aml);
}

START_TEST(device_aml_in_the_dsdt)
{
	const acpi_aml_fn fns[] = { scope_aml, big_aml };
	u64 rsdp;
	u8 *xsdt, *fadt, *dsdt;

	ck_assert_int_eq(acpi_setup(&vm, fns, 1, &rsdp), 0);
	/* RSDP -> XSDT -> FADT (its first entry) -> DSDT */
	xsdt = ram(g64(ram(rsdp, 36), 24), 52);
	fadt = ram(g64(xsdt, 36), 44);
	ck_assert_int_eq(memcmp(fadt, "FACP", 4), 0);
	dsdt = ram(g32(fadt, 40), 36);
	ck_assert_ptr_nonnull(memmem(dsdt, g32(dsdt, 4), "_SB_\x08KI", 7));
	ck_assert_uint_eq(boot_checksum(dsdt, g32(dsdt, 4)), 0);
	ck_assert_int_eq(acpi_setup(&vm, fns, 2, &rsdp), -ENOSPC);
}
END_TEST

static u8 in8(u16 port)
{
	u8 v = 0;

	ck_assert(bus_access(&vm.pio_bus, port, &v, 1, false));
	return v;
}

static void out8(u16 port, u8 v)
{
	ck_assert(bus_access(&vm.pio_bus, port, &v, 1, true));
}

START_TEST(acpi_poweroff)
{
	u16 v;

	ck_assert_int_eq(acpi_pm_init(&vm), 0);
	ck_assert_uint_eq(in8(ACPI_PM_BASE + 4) & 1, 1);	/* SCI_EN: ACPI mode */
	/* SLP_TYP alone, or another sleep type, does nothing. */
	v = ACPI_SLP_TYP_S5 << 10;
	ck_assert(bus_access(&vm.pio_bus, ACPI_PM_BASE + 4, &v, 2, true));
	v = 3 << 10 | 1 << 13;
	ck_assert(bus_access(&vm.pio_bus, ACPI_PM_BASE + 4, &v, 2, true));
	ck_assert(!vm_stopping(&vm));
	/* What Linux writes for S5: SLP_TYP 5 with SLP_EN, as one 16-bit write. */
	v = ACPI_SLP_TYP_S5 << 10 | 1 << 13;
	ck_assert(bus_access(&vm.pio_bus, ACPI_PM_BASE + 4, &v, 2, true));
	ck_assert(vm_stopping(&vm));
	ck_assert_int_eq(vm.exit_code, KITE_EXIT_GUEST_OFF);
}
END_TEST

START_TEST(rtc_on_the_bus)
{
	time_t now = time(NULL);
	struct tm tm;
	unsigned year;

	gmtime_r(&now, &tm);
	ck_assert_int_eq(rtc_init(&vm), 0);
	out8(0x70, 0x0b);
	ck_assert_uint_eq(in8(0x71), 0x02);
	out8(0x70, 0x32);
	year = (in8(0x71) >> 4) * 1000 + (in8(0x71) & 0xf) * 100;
	out8(0x70, 0x09);
	year += (in8(0x71) >> 4) * 10 + (in8(0x71) & 0xf);
	ck_assert_uint_eq(year, tm.tm_year + 1900);
	/* 128 MiB: 112 MiB above 16 MiB in 64 KiB units, in 0x34/0x35. */
	out8(0x70, 0x34);
	ck_assert_uint_eq(in8(0x71), 0x00);
	out8(0x70, 0x35);
	ck_assert_uint_eq(in8(0x71), 0x07);
}
END_TEST

START_TEST(i8042_reset_stops_the_vm)
{
	ck_assert_int_eq(i8042_init(&vm), 0);
	out8(0x64, 0xaa);
	ck_assert_uint_eq(in8(0x60), 0x55);
	ck_assert(!vm_stopping(&vm));
	out8(0x64, 0xfe);
	ck_assert(vm_stopping(&vm));
	ck_assert_int_eq(vm.exit_code, KITE_EXIT_GUEST_OFF);
}
END_TEST

static u32 ecam32(u64 off)
{
	u32 v = 0;

	ck_assert(bus_access(&vm.mmio_bus, PCI_ECAM_START + off, &v, 4, false));
	return v;
}

static u32 conf1_32(unsigned slot, unsigned reg)
{
	u32 a = 0x80000000u | slot << 11 | reg, v = 0;

	ck_assert(bus_access(&vm.pio_bus, 0xcf8, &a, 4, true));
	ck_assert(bus_access(&vm.pio_bus, 0xcfc, &v, 4, false));
	return v;
}

/* The MCFG window shows the same config space as ports 0xCF8/0xCFC. */
START_TEST(ecam_matches_conf1)
{
	u16 cmd = 0x0006;
	u32 reg;

	ck_assert_ptr_nonnull(pci_host_create(&vm));
	for (reg = 0; reg < 0x40; reg += 4)
		ck_assert_uint_eq(ecam32(reg), conf1_32(0, reg));
	ck_assert_uint_eq(ecam32(0) & 0xffff, PCI_VENDOR_ID_REDHAT);
	/* No device in slot 1, no function 1, no extended space. */
	ck_assert_uint_eq(ecam32(1 << 15), 0xffffffff);
	ck_assert_uint_eq(ecam32(1 << 12), 0xffffffff);
	ck_assert_uint_eq(ecam32(0x100), 0xffffffff);
	/* A write through ECAM is what conf1 reads back. */
	ck_assert(bus_access(&vm.mmio_bus, PCI_ECAM_START + 4, &cmd, 2, true));
	ck_assert_uint_eq(ecam32(4) & 0xffff, conf1_32(0, 4) & 0xffff);
}
END_TEST

static Suite *boot_vm_suite(void)
{
	Suite *s = suite_create("boot-vm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bzimage_lands_in_ram);
	tcase_add_test(tc, bzimage_errors_touch_nothing);
	tcase_add_test(tc, pvh_shares_the_map);
	tcase_add_test(tc, device_aml_in_the_dsdt);
	tcase_add_test(tc, acpi_poweroff);
	tcase_add_test(tc, rtc_on_the_bus);
	tcase_add_test(tc, i8042_reset_stops_the_vm);
	tcase_add_test(tc, ecam_matches_conf1);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(boot_vm_suite)
