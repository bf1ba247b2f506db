// SPDX-License-Identifier: GPL-2.0
/*
 * cache=none is kite's default, not a demand: on a file system that
 * refuses O_DIRECT (stood in for by test_open_without_direct, as this host's
 * tmpfs takes O_DIRECT) an image opened with the defaults falls back to
 * the page cache, on io_uring, or on the sync engine where io_uring is
 * not allowed (a seccomp filter, as container runtimes set), and says so
 * in one line. A cache mode that was asked for fails as it always did;
 * an engine that was asked for is kept. Where O_DIRECT works, nothing
 * changes.
 */
#include "disk-test.h"

#define IMG_SIZE	(1 * MiB)

/* Open spec (the --disk syntax) on a fresh image: 0 and *d, or -errno with err. */
static int open_spec(const char *opts, struct disk **d, char *err, size_t errlen)
{
	char *img = make_image("f.img", IMG_SIZE, 1), *spec, *path;
	struct disk_opts o;
	int ret;

	ck_assert_int_gt(asprintf(&spec, "%s%s", img, opts), 0);
	ck_assert_int_eq(disk_parse_spec(spec, &path, &o, err, errlen), 0);
	ret = disk_open(path, &o, d, err, errlen);
	free(path);
	free(spec);
	free(img);
	return ret;
}

/* Buffered I/O takes what O_DIRECT refuses: an odd length at an odd offset. */
static void check_buffered_io(struct disk *d)
{
	u8 buf[1000], back[1000];

	fill_pattern(buf, sizeof(buf), 77, 5);
	ck_assert_int_eq(do_write(d, 4097, buf, sizeof(buf)), sizeof(buf));
	ck_assert_int_eq(do_flush(d), 0);
	ck_assert_int_eq(do_read(d, 4097, back, sizeof(back)), sizeof(back));
	ck_assert_mem_eq(buf, back, sizeof(buf));
}

START_TEST(test_default_falls_back)
{
	enum disk_engine want = disk_engine_probe(DISK_ENGINE_URING, NULL, 0)
				? DISK_ENGINE_SYNC : DISK_ENGINE_URING;
	char err[256] = "", note[256];
	struct disk *d;

	disk_open_file = test_open_without_direct;
	ck_assert_msg(open_spec("", &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!disk_direct(d));
	ck_assert_int_eq(disk_engine_type(d), want);
	snprintf(note, sizeof(note),
		 "this file system refuses O_DIRECT (cache=none); using cache=writeback, engine %s",
		 disk_engine_name(want));
	ck_assert_str_eq(disk_note(d), note);
	check_buffered_io(d);
	disk_close(d);
}
END_TEST

START_TEST(test_no_uring_falls_back_to_sync)
{
	char err[256] = "", why[128] = "";
	struct disk *d;

	ck_assert_int_eq(test_deny_io_uring(), 0);
	ck_assert_int_eq(disk_engine_probe(DISK_ENGINE_URING, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "io_uring_setup"));
	ck_assert_int_eq(disk_engine_probe(DISK_ENGINE_SYNC, why, sizeof(why)), 0);
	disk_open_file = test_open_without_direct;
	ck_assert_msg(open_spec(",ro", &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!disk_direct(d) && disk_readonly(d));
	ck_assert_int_eq(disk_engine_type(d), DISK_ENGINE_SYNC);
	ck_assert_ptr_nonnull(strstr(disk_note(d), "using cache=writeback, engine sync"));
	disk_close(d);
}
END_TEST

/* engine= was asked for: only the cache mode changes. */
START_TEST(test_named_engine_kept)
{
	static const char *specs[] = { ",engine=aio", ",engine=sync", ",engine=uring" };
	static const enum disk_engine want[] = { DISK_ENGINE_AIO, DISK_ENGINE_SYNC, DISK_ENGINE_URING };
	char err[256] = "";
	struct disk *d;

	disk_open_file = test_open_without_direct;
	ck_assert_msg(open_spec(specs[_i], &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!disk_direct(d));
	ck_assert_int_eq(disk_engine_type(d), want[_i]);
	ck_assert_ptr_nonnull(strstr(disk_note(d), disk_engine_name(want[_i])));
	check_buffered_io(d);
	disk_close(d);
}
END_TEST

/* cache=none was asked for: the one-line error it always was. */
START_TEST(test_named_cache_none_fails)
{
	char err[256] = "";
	struct disk *d = (void *)1;

	disk_open_file = test_open_without_direct;
	ck_assert_int_eq(open_spec(",cache=none", &d, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(err, "O_DIRECT (cache=none) not supported here; try cache=writeback"));
	ck_assert_ptr_null(strchr(err, '\n'));
	/* A caller that fills disk_opts itself asks for what it sets. */
	{
		char *img = make_image("g.img", IMG_SIZE, 2);
		struct disk_opts o = { .direct = true, .engine = DISK_ENGINE_AIO };

		ck_assert_int_eq(disk_open(img, &o, &d, err, sizeof(err)), -EINVAL);
		free(img);
	}
}
END_TEST

/* cache=writeback was asked for: no O_DIRECT tried, nothing to say. */
START_TEST(test_named_writeback)
{
	char err[256] = "";
	struct disk *d;

	disk_open_file = test_open_without_direct;
	ck_assert_msg(open_spec(",cache=writeback", &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!disk_direct(d));
	ck_assert_int_eq(disk_engine_type(d), DISK_ENGINE_AIO);
	ck_assert_ptr_null(disk_note(d));
	disk_close(d);
}
END_TEST

/* Where O_DIRECT works (this host's file systems), the default is the default. */
START_TEST(test_direct_where_it_works)
{
	char err[256] = "";
	struct disk *d;

	ck_assert_msg(open_spec("", &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(disk_direct(d));
	ck_assert_int_eq(disk_engine_type(d), DISK_ENGINE_AIO);
	ck_assert_ptr_null(disk_note(d));
	/* O_DIRECT indeed: an unaligned request is refused up front. */
	{
		u8 buf[1000];

		ck_assert_int_eq(do_read(d, 4097, buf, sizeof(buf)), -EINVAL * 1000);
	}
	disk_close(d);
}
END_TEST

static Suite *fallback_suite(void)
{
	Suite *s = suite_create("disk-fallback");
	TCase *tc = tcase_create("fallback");

	tcase_add_test(tc, test_default_falls_back);
	tcase_add_test(tc, test_no_uring_falls_back_to_sync);
	tcase_add_loop_test(tc, test_named_engine_kept, 0, 3);
	tcase_add_test(tc, test_named_cache_none_fails);
	tcase_add_test(tc, test_named_writeback);
	tcase_add_test(tc, test_direct_where_it_works);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(fallback_suite)
