// SPDX-License-Identifier: GPL-2.0
/*
 * `kite io` as a user runs it: workloads on every engine, --verify round
 * trips across processes (and catching a corrupted byte), and clear
 * one-line errors for bad input: a missing image, an unaligned O_DIRECT
 * block size, a read-only image with a write workload, a locked image.
 */
#include <stdarg.h>
#include <sys/mount.h>

#include "disk-test.h"

static int kite_io(struct test_proc *pr, const char *a0, ...)
{
	char *argv[32];
	const char *a;
	va_list ap;
	int n = 0;

	argv[n++] = (char *)test_kite_path();
	argv[n++] = "io";
	va_start(ap, a0);
	for (a = a0; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return test_spawn(argv, NULL, 60000, pr);
}

START_TEST(test_help)
{
	struct test_proc pr;

	ck_assert_int_eq(kite_io(&pr, "--help", NULL), 0);
	for (const char *o = "--rw\0--bs\0--depth\0--engine\0--cache\0--time\0--count\0--verify\0";
	     *o; o += strlen(o) + 1)
		ck_assert_msg(strstr(pr.out, o), "--help lacks %s", o);
	test_proc_free(&pr);
}
END_TEST

START_TEST(test_bad_input)
{
	char *img = make_image("bad.img", 1 * MiB, 1);
	char *missing = test_tmp_path("nope.img");
	struct test_proc pr;

	kite_io(&pr, missing, NULL);
	test_assert_one_line_error(&pr, "No such file");
	test_proc_free(&pr);
	kite_io(&pr, "-b", "1000", img, NULL);		/* cache=none by default */
	test_assert_one_line_error(&pr, "logical block size");
	test_proc_free(&pr);
	kite_io(&pr, "--ro", "-w", "randwrite", img, NULL);
	test_assert_one_line_error(&pr, "--ro");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "sideways", img, NULL);
	test_assert_one_line_error(&pr, "--rw");
	test_proc_free(&pr);
	kite_io(&pr, "-q", "0", img, NULL);
	test_assert_one_line_error(&pr, "--depth");
	test_proc_free(&pr);
	kite_io(&pr, "-t", "1", "-n", "5", img, NULL);
	test_assert_one_line_error(&pr, "not both");
	test_proc_free(&pr);
	kite_io(&pr, "-e", "posix", img, NULL);
	test_assert_one_line_error(&pr, "--engine");
	test_proc_free(&pr);
	kite_io(&pr, NULL);
	test_assert_one_line_error(&pr, "no image");
	test_proc_free(&pr);
	kite_io(&pr, "-b", "2M", img, NULL);
	test_assert_one_line_error(&pr, "smaller than one block");
	test_proc_free(&pr);
	free(img);
	free(missing);
}
END_TEST

/* An image held by a writer: kite io neither writes nor reads it. */
START_TEST(test_locked)
{
	char *img = make_image("locked.img", 1 * MiB, 2);
	struct disk_opts o = { .engine = DISK_ENGINE_SYNC };
	struct disk *d = open_ok(img, &o);
	struct test_proc pr;

	kite_io(&pr, "-w", "randwrite", "-n", "10", img, NULL);
	test_assert_one_line_error(&pr, "locked");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "read", "-n", "10", img, NULL);
	test_assert_one_line_error(&pr, "locked");
	test_proc_free(&pr);
	disk_close(d);
	ck_assert_int_eq(kite_io(&pr, "-w", "randwrite", "-n", "10", img, NULL), 0);
	test_proc_free(&pr);
	free(img);
}
END_TEST

/* An image the kernel will not let us write (a read-only mount). */
START_TEST(test_readonly_image)
{
	char *mnt = test_tmp_path("romnt"), *img;
	struct test_proc pr;
	int fd, rw, ro;

	if (geteuid() != 0) {
		/* Not root: file permissions are enough. */
		img = make_image("ro.img", 1 * MiB, 3);
		ck_assert_int_eq(chmod(img, 0444), 0);
	} else {
		ck_assert_int_eq(mkdir(mnt, 0700), 0);
		ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=4m"), 0);
		ck_assert_int_gt(asprintf(&img, "%s/ro.img", mnt), 0);
		fd = open(img, O_RDWR | O_CREAT, 0644);
		ck_assert_int_eq(ftruncate(fd, 1 * MiB), 0);
		close(fd);
		ck_assert_int_eq(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	}
	rw = kite_io(&pr, "-w", "write", "-c", "writeback", "-n", "10", img, NULL);
	if (rw == 1 && strstr(pr.err, "cannot open for writing"))
		rw = 100;
	test_proc_free(&pr);
	ro = kite_io(&pr, "-w", "read", "-c", "writeback", "-n", "10", img, NULL);
	test_proc_free(&pr);
	if (geteuid() == 0)
		umount2(mnt, MNT_DETACH);
	ck_assert_int_eq(rw, 100);
	ck_assert_int_eq(ro, 0);
	free(img);
	free(mnt);
}
END_TEST

static const char *engine_arg[] = { "sync", "aio", "uring" };

/* A mixed workload on each engine and cache mode runs and reports. */
START_TEST(test_workload)
{
	char *img = make_image("work.img", 4 * MiB, 4);
	struct test_proc pr;
	int st;

	st = kite_io(&pr, "-w", "randrw", "-n", "3000", "-q", "8", "-e", engine_arg[_i % 3],
		     "-c", _i >= 3 ? "none" : "writeback", img, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	ck_assert_ptr_nonnull(strstr(pr.out, "read "));
	ck_assert_ptr_nonnull(strstr(pr.out, "write "));
	ck_assert_ptr_nonnull(strstr(pr.out, "IOPS"));
	ck_assert_ptr_nonnull(strstr(pr.out, "p99.9"));
	ck_assert_ptr_nonnull(strstr(pr.out, " 3000 ops"));
	ck_assert_str_eq(pr.err, "");
	test_proc_free(&pr);
	free(img);
}
END_TEST

/*
 * --verify writes a pattern (random order), a second process reads it back
 * (nothing lost across close), and a byte changed behind kite's back is
 * reported with its offset.
 */
START_TEST(test_verify)
{
	char *img = make_image("verify.img", 8 * MiB, 5);
	const char *e = engine_arg[_i % 3], *cache = _i >= 3 ? "none" : "writeback";
	struct test_proc pr;
	char want[64];
	int st, fd;

	st = kite_io(&pr, "-w", "randwrite", "-V", "-q", "16", "-e", e, "-c", cache, "-S", "9",
		     img, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	ck_assert_ptr_nonnull(strstr(pr.out, "verify: 2048 blocks match"));
	test_proc_free(&pr);
	st = kite_io(&pr, "-w", "read", "-V", "-e", e, "-c", cache, "-S", "9", img, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	ck_assert_ptr_nonnull(strstr(pr.out, "verify: 2048 blocks match"));
	test_proc_free(&pr);

	/* Another seed is another pattern: caught at the first byte. */
	kite_io(&pr, "-w", "read", "-V", "-e", e, "-c", cache, "-S", "10", img, NULL);
	test_assert_one_line_error(&pr, "first mismatch at offset");
	test_proc_free(&pr);

	fd = open(img, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "\xA5\x5A", 2, 5 * MiB + 77), 2);
	close(fd);
	kite_io(&pr, "-w", "read", "-V", "-e", e, "-c", cache, "-S", "9", img, NULL);
	snprintf(want, sizeof(want), "first mismatch at offset %llu ", 5 * MiB + 77);
	test_assert_one_line_error(&pr, want);
	test_proc_free(&pr);
	free(img);
}
END_TEST

static Suite *cmd_io_suite(void)
{
	Suite *s = suite_create("cmd-io");
	TCase *tc = tcase_create("cmd-io");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_readonly_image);
	tcase_add_loop_test(tc, test_workload, 0, 6);
	tcase_add_loop_test(tc, test_verify, 0, 6);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(cmd_io_suite)
