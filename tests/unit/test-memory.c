// SPDX-License-Identifier: GPL-2.0
/* Guest RAM without KVM: the banks around the hole, guest_ptr's bounds, alignment. */
#include "kvm.h"
#include "test.h"

static struct vm vm;
static struct vm_config cfg;

static void setup_5g(void)
{
	ck_assert_int_eq(vm_init_bare(&vm, &cfg), 0);
	ck_assert_int_eq(vm_init_memory(&vm, 5 * GiB), 0);
}

static void teardown(void)
{
	vm_destroy(&vm);
}

START_TEST(banks_split_around_the_hole)
{
	ck_assert_uint_eq(vm.nr_banks, 2);
	ck_assert_uint_eq(vm_low_ram_end(&vm), MMIO_HOLE_START);
	ck_assert_uint_eq(vm_high_ram_size(&vm), 5 * GiB - MMIO_HOLE_START);
	ck_assert_uint_eq(vm.banks[1].gpa, MMIO_HOLE_END);
	/* One host mapping: the high bank continues where the low one ends. */
	ck_assert_ptr_eq(vm.banks[1].hva, vm.ram + MMIO_HOLE_START);
}
END_TEST

START_TEST(ram_is_huge_page_aligned)
{
	ck_assert_uint_eq((uintptr_t)vm.ram % (2 * MiB), 0);
}
END_TEST

START_TEST(guest_ptr_refuses_what_is_not_ram)
{
	ck_assert_ptr_eq(guest_ptr(&vm, 0, 1), vm.ram);
	ck_assert_ptr_nonnull(guest_ptr(&vm, MMIO_HOLE_START - 8, 8));
	ck_assert_ptr_null(guest_ptr(&vm, MMIO_HOLE_START - 8, 9));	/* runs into the hole */
	ck_assert_ptr_null(guest_ptr(&vm, MMIO_HOLE_START, 1));
	ck_assert_ptr_null(guest_ptr(&vm, LAPIC_BASE, 4));
	ck_assert_ptr_eq(guest_ptr(&vm, MMIO_HOLE_END, 4), vm.ram + MMIO_HOLE_START);
	ck_assert_ptr_nonnull(guest_ptr(&vm, 5 * GiB + GiB - 1, 1));	/* last byte */
	ck_assert_ptr_null(guest_ptr(&vm, 6 * GiB, 1));
	ck_assert_ptr_null(guest_ptr(&vm, 16, ~0ULL - 8));		/* length wraps */
	ck_assert_ptr_null(guest_ptr(&vm, ~0ULL, 2));
}
END_TEST

START_TEST(sizes_kite_refuses)
{
	struct vm v;

	ck_assert_int_eq(vm_init_bare(&v, &cfg), 0);
	ck_assert_int_eq(vm_init_memory(&v, MiB), -EINVAL);		/* too small */
	ck_assert_int_eq(vm_init_memory(&v, 64 * MiB + 1), -EINVAL);	/* not page sized */
	ck_assert_int_eq(vm_init_memory(&v, 1ULL << 50), -EINVAL);	/* more than the host */
	vm_destroy(&v);
}
END_TEST

static Suite *memory_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("memory");

	tcase_add_checked_fixture(tc, setup_5g, teardown);
	tcase_add_test(tc, banks_split_around_the_hole);
	tcase_add_test(tc, ram_is_huge_page_aligned);
	tcase_add_test(tc, guest_ptr_refuses_what_is_not_ram);
	tcase_add_test(tc, sizes_kite_refuses);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(memory_suite)
