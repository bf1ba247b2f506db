// SPDX-License-Identifier: GPL-2.0
/* The e820/PVH memory map for the RAM sizes kite's layout treats differently. */
#include "boot.h"
#include "test.h"

static struct boot_mem_range map[BOOT_MEM_MAX];

static u64 ram_total(int n)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < n; i++)
		if (map[i].type == BOOT_MEM_RAM)
			sum += map[i].size;
	return sum;
}

/* Sorted, non-overlapping, and never any RAM in the PCI hole. */
static void check_sane(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ck_assert_uint_gt(map[i].size, 0);
		if (i)
			ck_assert_uint_ge(map[i].addr, map[i - 1].addr + map[i - 1].size);
		if (map[i].type == BOOT_MEM_RAM)
			ck_assert(map[i].addr + map[i].size <= MMIO_HOLE_START ||
				  map[i].addr >= MMIO_HOLE_END);
	}
}

/* The ECAM window, reserved so Linux trusts the MCFG table. */
static void check_ecam(int i)
{
	ck_assert_uint_eq(map[i].addr, PCI_ECAM_START);
	ck_assert_uint_eq(map[i].size, PCI_ECAM_SIZE);
	ck_assert_uint_eq(map[i].type, BOOT_MEM_RESERVED);
}

static void check_low(void)
{
	ck_assert_uint_eq(map[0].addr, 0);
	ck_assert_uint_eq(map[0].size, BOOT_MPTABLE);
	ck_assert_uint_eq(map[0].type, BOOT_MEM_RAM);
	ck_assert_uint_eq(map[1].addr, BOOT_MPTABLE);
	ck_assert_uint_eq(map[1].addr + map[1].size, BOOT_LOW_RAM_END);
	ck_assert_uint_eq(map[1].type, BOOT_MEM_RESERVED);
	ck_assert_uint_eq(map[2].addr, BOOT_ACPI);
	ck_assert_uint_eq(map[2].addr + map[2].size, 1 * MiB);
	ck_assert_uint_eq(map[2].type, BOOT_MEM_RESERVED);
	ck_assert_uint_eq(map[3].addr, 1 * MiB);
	ck_assert_uint_eq(map[3].type, BOOT_MEM_RAM);
}

START_TEST(mem_128m)
{
	int n = boot_memmap_layout(128 * MiB, 0, map, BOOT_MEM_MAX);

	ck_assert_int_eq(n, 5);
	check_sane(n);
	check_low();
	check_ecam(4);
	ck_assert_uint_eq(map[3].size, 127 * MiB);
	/* All RAM but the reserved 0x9fc00..0xa0000 and 0xe0000..1M... */
	ck_assert_uint_eq(ram_total(n), 128 * MiB - (1 * MiB - BOOT_MPTABLE));
}
END_TEST

START_TEST(mem_3g)
{
	/* 3 GiB fills the space below the hole exactly: nothing above 4 GiB. */
	int n = boot_memmap_layout(3 * GiB, 0, map, BOOT_MEM_MAX);

	ck_assert_int_eq(n, 5);
	check_sane(n);
	check_low();
	check_ecam(4);
	ck_assert_uint_eq(map[3].addr + map[3].size, MMIO_HOLE_START);
}
END_TEST

START_TEST(mem_5g)
{
	int n = boot_memmap_layout(3 * GiB, 2 * GiB, map, BOOT_MEM_MAX);

	ck_assert_int_eq(n, 6);
	check_sane(n);
	check_low();
	ck_assert_uint_eq(map[3].addr + map[3].size, 3 * GiB);
	check_ecam(4);
	ck_assert_uint_eq(map[5].addr, 4 * GiB);
	ck_assert_uint_eq(map[5].size, 2 * GiB);
	ck_assert_uint_eq(map[5].type, BOOT_MEM_RAM);
	ck_assert_uint_eq(ram_total(n), 5 * GiB - (1 * MiB - BOOT_MPTABLE));
}
END_TEST

START_TEST(bad_args)
{
	ck_assert_int_eq(boot_memmap_layout(3 * GiB, 2 * GiB, map, 5), -ENOSPC);
	ck_assert_int_eq(boot_memmap_layout(512 * KiB, 0, map, BOOT_MEM_MAX), -EINVAL);
	ck_assert_int_eq(boot_memmap_layout(3 * GiB + 4096, 0, map, BOOT_MEM_MAX), -EINVAL);
}
END_TEST

static Suite *memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, mem_128m);
	tcase_add_test(tc, mem_3g);
	tcase_add_test(tc, mem_5g);
	tcase_add_test(tc, bad_args);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(memmap_suite)
