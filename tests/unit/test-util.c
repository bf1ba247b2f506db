// SPDX-License-Identifier: GPL-2.0
/* Sizes, overflow-safe range checks, and the console escape filter. */
#include <string.h>

#include "term.h"
#include "test.h"

START_TEST(sizes)
{
	u64 v;

	ck_assert_int_eq(parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("512M", &v), 0);
	ck_assert_uint_eq(v, 512 * MiB);
	ck_assert_int_eq(parse_size("5G", &v), 0);
	ck_assert_uint_eq(v, 5 * GiB);
	ck_assert_int_eq(parse_size("1GiB", &v), 0);
	ck_assert_uint_eq(v, GiB);
	ck_assert_int_eq(parse_size("8k", &v), 0);
	ck_assert_uint_eq(v, 8 * KiB);
	ck_assert_int_eq(parse_size("0x1000", &v), 0);
	ck_assert_uint_eq(v, 4096);
	/* Leading zeros are decimal, not octal. */
	ck_assert_int_eq(parse_size("010M", &v), 0);
	ck_assert_uint_eq(v, 10 * MiB);
	ck_assert_int_eq(parse_size("08M", &v), 0);
	ck_assert_uint_eq(v, 8 * MiB);
	ck_assert_int_eq(parse_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_size("", &v), -EINVAL);
	ck_assert_int_eq(parse_size("abc", &v), -EINVAL);
	ck_assert_int_eq(parse_size("-1G", &v), -EINVAL);
	ck_assert_int_eq(parse_size("12Q", &v), -EINVAL);
	ck_assert_int_eq(parse_size("4GG", &v), -EINVAL);
	ck_assert_int_eq(parse_size("99999999999T", &v), -EINVAL);	/* overflows */
}
END_TEST

START_TEST(ranges_never_overflow)
{
	ck_assert(range_ok(0, 10, 10));
	ck_assert(range_ok(10, 0, 10));
	ck_assert(!range_ok(10, 1, 10));
	ck_assert(!range_ok(11, 0, 10));
	ck_assert(!range_ok(5, ~0ULL, 10));
	ck_assert(!range_ok(~0ULL, 2, ~0ULL));
	ck_assert(range_ok(~0ULL - 1, 1, ~0ULL));
}
END_TEST

static size_t filter(struct term_escape *e, const char *in, char *out, bool *quit)
{
	size_t n = strlen(in);

	memcpy(out, in, n);
	return term_escape_filter(e, out, n, quit);
}

START_TEST(console_escape)
{
	struct term_escape e = { 0 };
	char out[32];
	bool quit = false;
	size_t n;

	n = filter(&e, "plain", out, &quit);
	ck_assert_uint_eq(n, 5);
	ck_assert(!memcmp(out, "plain", 5));
	n = filter(&e, "a\001\001b", out, &quit);	/* Ctrl-A Ctrl-A: one Ctrl-A */
	ck_assert_uint_eq(n, 3);
	ck_assert(!memcmp(out, "a\001b", 3));
	n = filter(&e, "c\001", out, &quit);		/* escape split across reads */
	ck_assert_uint_eq(n, 1);
	ck_assert(!quit);
	n = filter(&e, "x", out, &quit);
	ck_assert(quit);
	ck_assert_uint_eq(n, 0);
	quit = false;
	n = filter(&e, "\001z", out, &quit);		/* unknown escape passes through */
	ck_assert(!quit);
	ck_assert_uint_eq(n, 2);
	ck_assert(!memcmp(out, "\001z", 2));
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, ranges_never_overflow);
	tcase_add_test(tc, console_escape);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(util_suite)
