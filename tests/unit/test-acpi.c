// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables as Linux walks them: RSDP -> XSDT -> FADT -> FACS/DSDT, and
 * the MADT's CPUs and IOAPIC; every table's checksum.
 */
#include <string.h>

#include "boot.h"
#include "hw.h"
#include "test.h"

#define AREA	(BOOT_ACPI_END - BOOT_ACPI)

static u8 area[AREA];

static u32 g32(const u8 *b, unsigned off) { u32 v; memcpy(&v, b + off, 4); return v; }
static u64 g64(const u8 *b, unsigned off) { u64 v; memcpy(&v, b + off, 8); return v; }

static u8 *at(u64 gpa, u64 len)
{
	ck_assert_uint_ge(gpa, BOOT_ACPI);
	ck_assert(range_ok(gpa - BOOT_ACPI, len, AREA));
	return area + (gpa - BOOT_ACPI);
}

/* A table at gpa with this signature, whole and summing to zero. */
static u8 *sdt(u64 gpa, const char *sig)
{
	u8 *t = at(gpa, 36);
	u32 len = g32(t, 4);

	ck_assert_int_eq(memcmp(t, sig, 4), 0);
	at(gpa, len);
	ck_assert_uint_eq(boot_checksum(t, len), 0);
	return t;
}

static u8 *find(const u8 *xsdt, const char *sig)
{
	u32 n = (g32(xsdt, 4) - 36) / 8, i;

	for (i = 0; i < n; i++) {
		u8 *t = at(g64(xsdt, 36 + i * 8), 36);

		if (!memcmp(t, sig, 4))
			return sdt(g64(xsdt, 36 + i * 8), sig);
	}
	ck_abort_msg("no %s in the XSDT", sig);
	return NULL;
}

static u8 *build(unsigned cpus)
{
	u64 rsdp_gpa = 0;
	u8 *rsdp;

	memset(area, 0xa5, sizeof(area));
	ck_assert_int_eq(acpi_build(area, AREA, cpus, NULL, 0, &rsdp_gpa), 0);
	/* Linux scans 16-byte boundaries of 0xe0000..0xfffff for it. */
	ck_assert_uint_eq(rsdp_gpa % 16, 0);
	rsdp = at(rsdp_gpa, 36);
	ck_assert_int_eq(memcmp(rsdp, "RSD PTR ", 8), 0);
	ck_assert_uint_eq(boot_checksum(rsdp, 20), 0);
	ck_assert_uint_eq(boot_checksum(rsdp, 36), 0);
	ck_assert_uint_eq(rsdp[15], 2);
	return sdt(g64(rsdp, 24), "XSDT");
}

START_TEST(fadt)
{
	u8 *xsdt = build(1), *fadt = find(xsdt, "FACP"), *facs, *dsdt;

	ck_assert_uint_eq(fadt[8], 6);			/* revision */
	facs = at(g32(fadt, 36), 64);
	ck_assert_int_eq(memcmp(facs, "FACS", 4), 0);
	ck_assert_uint_eq((u64)g32(fadt, 36) % 64, 0);
	dsdt = sdt(g32(fadt, 40), "DSDT");
	ck_assert_uint_eq(g64(fadt, 140), g32(fadt, 40));	/* X_DSDT agrees */
	/* \_S5 is what `poweroff` looks up. */
	ck_assert_ptr_nonnull(memmem(dsdt + 36, g32(dsdt, 4) - 36, "_S5_", 4));
	ck_assert_uint_eq(fadt[46], ACPI_SCI_IRQ);
	ck_assert_uint_eq(g32(fadt, 56), ACPI_PM_BASE);		/* PM1a_EVT_BLK */
	ck_assert_uint_eq(g32(fadt, 64), ACPI_PM_BASE + 4);	/* PM1a_CNT_BLK */
	ck_assert_uint_eq(fadt[88], 4);
	ck_assert_uint_eq(fadt[89], 2);
	ck_assert_uint_eq(g32(fadt, 48), 0);		/* no SMI: always ACPI mode */
	/* Not hardware-reduced: Linux keeps the PIC and ISA IRQ numbers. */
	ck_assert_uint_eq(g32(fadt, 112) & (1u << 20), 0);
	ck_assert_uint_ne(fadt[109] & 2, 0);		/* an 8042 is present */
}
END_TEST

/* Device AML (a PCI host's Scope) lands in the DSDT after \_S5, sealed. */
START_TEST(mcfg)
{
	u8 *t = find(build(1), "MCFG");

	ck_assert_uint_eq(g32(t, 4), 36 + 8 + 16);
	ck_assert_uint_eq(g64(t, 44), PCI_ECAM_START);
	ck_assert_uint_eq(t[44 + 8] | t[44 + 9] << 8, 0);	/* segment */
	ck_assert_uint_eq(t[44 + 10], 0);			/* buses 0..0 */
	ck_assert_uint_eq(t[44 + 11], 0);
}
END_TEST

START_TEST(dsdt_device_aml)
{
	static const u8 aml[] = { 0x10, 0x0a, '\\', '_', 'S', 'B', '_', 0x08, 'X', 'X', 'X', 'X', 0x00 };
	u64 rsdp_gpa;
	u8 *rsdp, *fadt, *dsdt;

	memset(area, 0, sizeof(area));
	ck_assert_int_eq(acpi_build(area, AREA, 2, aml, sizeof(aml), &rsdp_gpa), 0);
	rsdp = at(rsdp_gpa, 36);
	fadt = find(sdt(g64(rsdp, 24), "XSDT"), "FACP");
	dsdt = sdt(g32(fadt, 40), "DSDT");
	/* Last in the table, whole. */
	ck_assert_int_eq(memcmp(dsdt + g32(dsdt, 4) - sizeof(aml), aml, sizeof(aml)), 0);
	ck_assert_int_eq(memcmp(dsdt + 36 + 1, "_S5_", 4), 0);
}
END_TEST

/*
 * The legacy devices as PNP nodes: name, EISA ID and resources, made from
 * the registry of a VM the devices registered on.
 */
START_TEST(dsdt_legacy_devices)
{
	static const struct { const char *name; u8 hid[4]; u8 res[8]; unsigned res_len; } dev[] = {
		{ "COM1", { 0x41, 0xd0, 0x05, 0x01 }, { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08 }, 8 },
		{ "RTC_", { 0x41, 0xd0, 0x0b, 0x00 }, { 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02 }, 8 },
		{ "KBD_", { 0x41, 0xd0, 0x03, 0x03 }, { 0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01 }, 8 },
		{ "MOU_", { 0x41, 0xd0, 0x0f, 0x13 }, { 0x22, 0x00, 0x10 }, 3 },
	};
	struct vm_config cfg = { 0 };
	struct serial8250 *uart;
	static u8 aml[4096];
	struct vm vm;
	u8 *fadt, *dsdt, *d, *next;
	u64 rsdp_gpa;
	size_t aml_len;
	unsigned i;
	u32 len;

	ck_assert_int_eq(vm_init_bare(&vm, &cfg), 0);
	uart = serial8250_create(&vm, COM1_BASE, IRQ_COM1, -1);
	ck_assert_ptr_nonnull(uart);
	ck_assert_int_eq(i8042_init(&vm), 0);
	ck_assert_int_eq(rtc_init(&vm), 0);
	aml_len = acpi_registry_aml(&vm, aml, sizeof(aml));
	ck_assert_uint_le(aml_len, sizeof(aml));
	ck_assert_int_eq(acpi_build(area, AREA, 1, aml, aml_len, &rsdp_gpa), 0);
	fadt = find(sdt(g64(at(rsdp_gpa, 36), 24), "XSDT"), "FACP");
	dsdt = sdt(g32(fadt, 40), "DSDT");
	len = g32(dsdt, 4);
	for (i = 0; i < ARRAY_SIZE(dev); i++) {
		d = memmem(dsdt, len, dev[i].name, 4);
		ck_assert_msg(d && d[-3] == 0x5b && d[-2] == 0x82, "no Device (%s)", dev[i].name);
		/* Its own PkgLength bounds where _HID and _CRS must be. */
		next = d - 1 + d[-1];
		ck_assert(next <= dsdt + len);
		ck_assert_ptr_nonnull(memmem(d, next - d, dev[i].hid, 4));
		ck_assert_ptr_nonnull(memmem(d, next - d, dev[i].res, dev[i].res_len));
	}
	/* Without devices in the registry, none in the DSDT. */
	serial8250_destroy(uart);
	vm_destroy(&vm);
	fadt = find(build(1), "FACP");
	dsdt = sdt(g32(fadt, 40), "DSDT");
	ck_assert_ptr_null(memmem(dsdt, g32(dsdt, 4), "COM1", 4));
}
END_TEST

static void check_madt(unsigned cpus)
{
	u8 *madt = find(build(cpus), "APIC"), *e, *end;
	unsigned lapics = 0, ioapics = 0, sci_iso = 0;

	ck_assert_uint_eq(g32(madt, 36), LAPIC_BASE);
	end = madt + g32(madt, 4);
	for (e = madt + 44; e < end; e += e[1]) {
		ck_assert_uint_ge(e[1], 2);
		switch (e[0]) {
		case 0:
			ck_assert_uint_eq(e[3], lapics);	/* APIC IDs 0..n-1 */
			ck_assert_uint_eq(g32(e, 4) & 1, 1);	/* enabled */
			lapics++;
			break;
		case 1:
			ck_assert_uint_eq(g32(e, 4), IOAPIC_BASE);
			ck_assert_uint_eq(g32(e, 8), 0);	/* GSI base */
			ioapics++;
			break;
		case 2:
			ck_assert_uint_eq(e[3], ACPI_SCI_IRQ);
			ck_assert_uint_eq(g32(e, 4), ACPI_SCI_IRQ);
			sci_iso++;
			break;
		}
	}
	ck_assert_ptr_eq(e, end);
	ck_assert_uint_eq(lapics, cpus);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(sci_iso, 1);
}

START_TEST(madt_1) { check_madt(1); } END_TEST
START_TEST(madt_2) { check_madt(2); } END_TEST
START_TEST(madt_max) { check_madt(KITE_MAX_CPUS); } END_TEST

START_TEST(bad_args)
{
	u64 rsdp;

	ck_assert_int_eq(acpi_build(area, AREA, 0, NULL, 0, &rsdp), -EINVAL);
	ck_assert_int_eq(acpi_build(area, AREA, KITE_MAX_CPUS + 1, NULL, 0, &rsdp), -EINVAL);
	ck_assert_int_eq(acpi_build(area, 200, 1, NULL, 0, &rsdp), -ENOSPC);
	/* Device AML larger than the whole area cannot fit. */
	ck_assert_int_eq(acpi_build(area, AREA, 1, area, AREA, &rsdp), -ENOSPC);
}
END_TEST

static Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fadt);
	tcase_add_test(tc, mcfg);
	tcase_add_test(tc, dsdt_device_aml);
	tcase_add_test(tc, dsdt_legacy_devices);
	tcase_add_test(tc, madt_1);
	tcase_add_test(tc, madt_2);
	tcase_add_test(tc, madt_max);
	tcase_add_test(tc, bad_args);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(acpi_suite)
