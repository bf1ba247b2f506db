// SPDX-License-Identifier: GPL-2.0
/*
 * `kite --version` / `kite version`: the version the build took from
 * scripts/version.sh, the engines (and why one cannot run here), and the
 * KVM device or that there is none, always with exit status 0. And
 * scripts/version.sh itself on a tree without .git (a tarball): a VERSION
 * file, else "unknown".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static int kite(struct test_proc *p, const char *a0, const char *a1)
{
	char *argv[] = { (char *)test_kite_path(), (char *)a0, (char *)a1, NULL };

	return test_spawn(argv, NULL, 10000, p);
}

/* What scripts/version.sh prints for the tree dir, without its newline. */
static char *version_of(const char *dir)
{
	char *argv[] = { "scripts/version.sh", (char *)dir, NULL };
	struct test_proc p;
	char *v;

	ck_assert_int_eq(test_spawn(argv, NULL, 10000, &p), 0);
	ck_assert_str_eq(p.err, "");
	ck_assert_ptr_nonnull(strchr(p.out, '\n'));
	*strchr(p.out, '\n') = '\0';
	v = strdup(p.out);
	test_proc_free(&p);
	return v;
}

/* Line n (from 0) of text, without its newline. */
static char *line(const char *text, unsigned n)
{
	const char *end;

	while (n-- && text)
		text = strchr(text, '\n') ? strchr(text, '\n') + 1 : NULL;
	ck_assert_ptr_nonnull(text);
	end = strchrnul(text, '\n');
	return strndup(text, end - text);
}

START_TEST(test_version_lines)
{
	struct test_proc a, b;
	char *want = version_of("."), *l;

	ck_assert_int_eq(kite(&a, "--version", NULL), 0);
	ck_assert_int_eq(kite(&b, "version", NULL), 0);
	ck_assert_str_eq(a.out, b.out);
	ck_assert_str_eq(a.err, "");
	/* Three lines. */
	l = strchr(strchr(strchr(a.out, '\n') + 1, '\n') + 1, '\n');
	ck_assert_msg(l && !l[1], "not three lines: %s", a.out);

	l = line(a.out, 0);
	ck_assert_str_eq(l + strlen("kite "), want);
	ck_assert(!strncmp(l, "kite ", 5) && *want);
	free(l);
	l = line(a.out, 1);
	ck_assert_msg(!strncmp(l, "engines: aio", 12) && strstr(l, ", uring") && strstr(l, ", sync"),
		      "%s", l);
	free(l);
	l = line(a.out, 2);
	if (getenv("KITE_KVM_DEV"))
		ck_assert(!strncmp(l, "kvm: ", 5));
	else if (access("/dev/kvm", F_OK))
		/* This host: no KVM is said, and is no error. */
		ck_assert_str_eq(l, "kvm: no /dev/kvm (No such file or directory)");
	else if (!access("/dev/kvm", R_OK | W_OK))
		ck_assert_msg(!strncmp(l, "kvm: /dev/kvm, API 12", 21), "%s", l);
	free(l);
	test_proc_free(&a);
	test_proc_free(&b);
	free(want);
}
END_TEST

/* KITE_KVM_DEV names the device: missing, or not KVM at all. */
START_TEST(test_version_kvm_device)
{
	struct test_proc p;

	setenv("KITE_KVM_DEV", "/nonexistent/kvm", 1);
	ck_assert_int_eq(kite(&p, "--version", NULL), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "\nkvm: no /nonexistent/kvm (No such file or directory)\n"));
	test_proc_free(&p);
	setenv("KITE_KVM_DEV", "/dev/null", 1);
	ck_assert_int_eq(kite(&p, "--version", NULL), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "\nkvm: /dev/null is not a KVM device ("));
	test_proc_free(&p);
	unsetenv("KITE_KVM_DEV");
}
END_TEST

static int version_without_uring(void *arg)
{
	char *argv[] = { (char *)test_kite_path(), "--version", NULL };

	if (test_deny_io_uring())
		return 99;
	execv(argv[0], argv);
	return 127;
}

/* An engine that cannot run here says why (io_uring denied, as containers do). */
START_TEST(test_version_engine_unusable)
{
	struct test_proc p;

	ck_assert_int_eq(test_call(version_without_uring, NULL, NULL, 10000, &p), 0);
	ck_assert_msg(strstr(p.out, "engines: aio, uring (not usable here: io_uring_setup: Operation not permitted), sync\n"),
		      "%s", p.out);
	test_proc_free(&p);
}
END_TEST

START_TEST(test_version_args)
{
	struct test_proc p;

	kite(&p, "version", "now");
	test_assert_one_line_error(&p, "version takes no arguments");
	test_proc_free(&p);
	ck_assert_int_eq(kite(&p, "version", "--help"), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "usage: kite --version"));
	test_proc_free(&p);
	ck_assert_int_eq(kite(&p, "--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "\n  version "));
	test_proc_free(&p);
}
END_TEST

/* A tree without .git, as a tarball unpacks: VERSION's first line, else "unknown". */
START_TEST(test_version_script)
{
	char *dir = test_tmp_path("tarball"), *file, *v;
	FILE *f;

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	v = version_of(dir);
	ck_assert_str_eq(v, "unknown");
	free(v);
	ck_assert_int_gt(asprintf(&file, "%s/VERSION", dir), 0);
	f = fopen(file, "w");
	fputs("1.2.3\nnotes\n", f);
	fclose(f);
	v = version_of(dir);
	ck_assert_str_eq(v, "1.2.3");
	free(v);
	free(file);
	free(dir);
}
END_TEST

static Suite *version_suite(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("version");

	tcase_add_test(tc, test_version_lines);
	tcase_add_test(tc, test_version_kvm_device);
	tcase_add_test(tc, test_version_engine_unusable);
	tcase_add_test(tc, test_version_args);
	tcase_add_test(tc, test_version_script);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(version_suite)
