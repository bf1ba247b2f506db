// SPDX-License-Identifier: GPL-2.0
/* Guest RAM without KVM: the banks around the hole, guest_ptr's bounds, alignment. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Private RAM has no fd: nothing another process could map. */
START_TEST(private_ram_has_no_fd)
{
	ck_assert_int_eq(vm.ram_fd, -1);
}
END_TEST

/*
 * With shared_ram both banks are views of one memfd at their offsets in
 * it, as a vhost-user back-end maps them: what one side writes the other
 * reads, in the low bank and above 4 GiB.
 */
START_TEST(shared_ram_is_one_memfd_for_both_banks)
{
	static const struct vm_config shared = { .shared_ram = true };
	struct vm v;

	ck_assert_int_eq(vm_init_bare(&v, &shared), 0);
	ck_assert_int_eq(vm_init_memory(&v, 5 * GiB), 0);
	ck_assert_int_ge(v.ram_fd, 0);
	ck_assert_uint_eq((uintptr_t)v.ram % (2 * MiB), 0);
	ck_assert_uint_eq(lseek(v.ram_fd, 0, SEEK_END), 5 * GiB);
	for (unsigned i = 0; i < v.nr_banks; i++) {
		const struct mem_bank *b = &v.banks[i];
		u64 off = b->hva - v.ram, page = 4096;
		/* The bank's last page, through the fd as the back-end would map it. */
		u8 *peer = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, v.ram_fd,
				off + b->size - page);
		u8 *guest = guest_ptr(&v, b->gpa + b->size - page, page);

		ck_assert_ptr_ne(peer, MAP_FAILED);
		ck_assert_ptr_nonnull(guest);
		memcpy(guest, "from kite", 10);
		ck_assert_str_eq((char *)peer, "from kite");
		memcpy(peer + 100, "from the back-end", 18);
		ck_assert_str_eq((char *)guest + 100, "from the back-end");
		munmap(peer, page);
	}
	ck_assert_uint_eq(v.banks[1].gpa, MMIO_HOLE_END);
	vm_destroy(&v);
	ck_assert_int_eq(v.ram_fd, -1);
}
END_TEST

/*
 * guest_write lands where guest_ptr points, in private and in shared RAM
 * (there through the memfd, at the bank's offset in it, above 4 GiB too),
 * and refuses a range that leaves RAM, writing nothing.
 */
static void check_guest_write(const struct vm_config *c)
{
	static const char msg[] = "kernel bytes";
	struct vm v;

	ck_assert_int_eq(vm_init_bare(&v, c), 0);
	ck_assert_int_eq(vm_init_memory(&v, 5 * GiB), 0);
	for (unsigned i = 0; i < v.nr_banks; i++) {
		const struct mem_bank *b = &v.banks[i];
		u64 gpa = b->gpa + b->size - sizeof(msg);

		ck_assert_int_eq(guest_write(&v, gpa, msg, sizeof(msg)), 0);
		ck_assert_str_eq((char *)guest_ptr(&v, gpa, sizeof(msg)), msg);
		ck_assert_int_eq(guest_write(&v, gpa + 1, msg, sizeof(msg)), -EINVAL);
		ck_assert_int_eq(*(char *)guest_ptr(&v, gpa, 1), 'k');
	}
	ck_assert_int_eq(guest_write(&v, MMIO_HOLE_START, msg, 1), -EINVAL);
	vm_destroy(&v);
}

START_TEST(guest_write_private_and_shared)
{
	static const struct vm_config shared = { .shared_ram = true };

	check_guest_write(&cfg);
	check_guest_write(&shared);
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
	tcase_add_test(tc, private_ram_has_no_fd);
	tcase_add_test(tc, shared_ram_is_one_memfd_for_both_banks);
	tcase_add_test(tc, guest_write_private_and_shared);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(memory_suite)
