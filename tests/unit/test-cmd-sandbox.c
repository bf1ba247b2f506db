// SPDX-License-Identifier: GPL-2.0
/*
 * kite sandbox's refusals, before any VM: each is exit 125 (kite failed,
 * not the command) with one "kite: error:" line that says what to do.
 * The runs with a guest are the rig's sandbox-* cases.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "sandbox.h"
#include "virtio.h"
#include "test.h"

static void expect_refusal(char **args, const char *what)
{
	char *argv[16] = { (char *)test_kite_path(), "sandbox" };
	struct test_proc p;
	const char *nl;
	int n = 2;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	ck_assert_int_ge(test_spawn(argv, NULL, 10000, &p), 0);
	ck_assert_msg(p.status == SANDBOX_EXIT_FAILED, "exit %d, stderr: %s", p.status, p.err);
	ck_assert_msg(!strncmp(p.err, "kite: error: ", 13), "stderr: %s", p.err);
	nl = strchr(p.err, '\n');
	ck_assert_msg(nl && nl[1] == '\0', "not one line: %s", p.err);
	ck_assert_msg(strstr(p.err, what), "'%s' not in: %s", what, p.err);
	ck_assert_str_eq(p.out, "");
	test_proc_free(&p);
}

/* The control port is the guest's: only a whole "exit N" line counts. */
START_TEST(test_exit_status_line)
{
	static const struct {
		const char *buf;
		size_t len;
		int status;
	} cases[] = {
		{ "exit 0\n", 7, 0 },
		{ "exit 255\n", 9, 255 },
		{ "exit 7\nexit 9\n", 14, 7 },
		{ "noise\0exit 3\nexit 4\n", 20, 4 },	/* not a line of its own */
		{ "\0\nexit 3\n", 9, 3 },			/* a NUL does not hide what follows */
		{ "garbage\nexit 42\n", 16, 42 },
		{ "exit 256\n", 9, -1 },
		{ "exit -1\n", 8, -1 },
		{ "exit 12", 7, -1 },			/* cut off before its newline */
		{ "exit \n", 6, -1 },
		{ "exit 1x\n", 8, -1 },
		{ " exit 1\n", 8, -1 },
		{ "exit 0009\n", 10, -1 },
		{ "", 0, -1 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(sandbox_exit_status(cases[i].buf, cases[i].len) == cases[i].status,
			      "case %u: %d, not %d", i,
			      sandbox_exit_status(cases[i].buf, cases[i].len), cases[i].status);
}
END_TEST

START_TEST(test_bad_options)
{
	expect_refusal((char *[]){ NULL }, "no command given");
	expect_refusal((char *[]){ "--", NULL }, "no command given");
	expect_refusal((char *[]){ "-e", "NOEQUALS", "--", "true", NULL }, "VAR=VALUE");
	expect_refusal((char *[]){ "--cpus", "0", "--", "true", NULL }, "--cpus");
	expect_refusal((char *[]){ "--mem", "lots", "--", "true", NULL }, "--mem");
	expect_refusal((char *[]){ "--warp", "--", "true", NULL }, "unknown option");
	expect_refusal((char *[]){ "--user", "alice", "--", "true", NULL }, "--user alice");
	expect_refusal((char *[]){ "--user", "1000:", "--", "true", NULL }, "UID[:GID]");
	expect_refusal((char *[]){ "--user", "1000:x", "--", "true", NULL }, "UID[:GID]");
	expect_refusal((char *[]){ "--user", "-5", "--", "true", NULL }, "UID[:GID]");
	expect_refusal((char *[]){ "--user", "4294967295", "--", "true", NULL }, "UID[:GID]");
	expect_refusal((char *[]){ "--modules", "/nonexistent", "--kernel", "/etc/hostname",
				   "--", "true", NULL }, "--modules /nonexistent");
	expect_refusal((char *[]){ "--seccomp", "maybe", "--", "true", NULL }, "--seccomp 'maybe'");
	/* Refused while the shares are set up, before the archive is: nothing to free. */
	expect_refusal((char *[]){ "--kernel", "/etc/hostname", "--share", "/nonexistent-kite-dir",
				   "--", "true", NULL }, "--share /nonexistent-kite-dir");
	expect_refusal((char *[]){ "--kernel", "/etc/hostname", "--save-initramfs",
				   "/nonexistent-kite-dir/initramfs", "--", "true", NULL },
		       "--save-initramfs /nonexistent-kite-dir/initramfs");
	expect_refusal((char *[]){ "--net", "bogus", "--", "true", NULL }, "bad 'bogus'");
	expect_refusal((char *[]){ "--net", "user", "--net", "user", "--", "true", NULL },
		       "one network only");
	expect_refusal((char *[]){ "--kernel", "/nonexistent/bzImage", "--", "true", NULL },
		       "/nonexistent/bzImage");
	expect_refusal((char *[]){ "--kernel", "/dev/null", "--add", "/nonexistent/x", "--",
				   "true", NULL }, "/nonexistent/x");
	expect_refusal((char *[]){ "--kernel", "/dev/null", "--add", "/etc/hostname:../x", "--",
				   "true", NULL }, "'..'");
}
END_TEST

/*
 * --save-initramfs: the archive kite would boot, written out and no guest
 * started: a cpio newc archive with kite-init as /init and instructions
 * that hold the command word for word and the root share's tag.
 */
START_TEST(test_save_initramfs)
{
	char *out = test_tmp_path("initramfs");
	char *argv[] = { (char *)test_kite_path(), "sandbox", "--kernel", "/etc/hostname",
			 "--save-initramfs", out, "--", "echo", "two words", NULL };
	static const char ins[] = SANDBOX_MAGIC "\0" "aecho\0" "atwo words\0";
	static const char root[] = "rkite-root\0";
	struct test_proc p;
	void *buf;
	u64 len;

	ck_assert_int_ge(test_spawn(argv, NULL, 10000, &p), 0);
	if (access(VIRTIOFSD_PATH, X_OK)) {
		/* The shares are part of the archive: without their daemon, refused. */
		ck_assert_int_eq(p.status, SANDBOX_EXIT_FAILED);
		ck_assert_ptr_nonnull(strstr(p.err, "qemu-system-common"));
		ck_assert_int_ne(access(out, F_OK), 0);
	} else {
		ck_assert_msg(p.status == 0, "exit %d, stderr: %s", p.status, p.err);
		ck_assert_str_eq(p.out, "");
		ck_assert_str_eq(p.err, "");
		ck_assert_int_eq(boot_read_file(out, 64 << 20, &buf, &len), 0);
		ck_assert(len > 4096 && !memcmp(buf, "070701", 6));
		ck_assert_ptr_nonnull(memmem(buf, len, "kite/instructions", 17));
		ck_assert_ptr_nonnull(memmem(buf, len, ins, sizeof(ins) - 1));
		ck_assert_ptr_nonnull(memmem(buf, len, root, sizeof(root) - 1));
		ck_assert_ptr_nonnull(memmem(buf, len, "TRAILER!!!", 10));
		free(buf);
	}
	test_proc_free(&p);
	unlink(out);
	free(out);
}
END_TEST

/* No kernel anywhere: the error names the make target that builds one. */
START_TEST(test_no_kernel)
{
	unsetenv("KITE_KERNEL");
	setenv("KITE_KERNEL_CACHE", "/nonexistent/kite-kernel", 1);
	expect_refusal((char *[]){ "--", "true", NULL }, "make mini-kernel");
	unsetenv("KITE_KERNEL_CACHE");
}
END_TEST

/* CMD's own options are CMD's: parsing stops at the first non-option. */
START_TEST(test_command_options_are_its_own)
{
	setenv("KITE_KERNEL", "/nonexistent/k2", 1);
	expect_refusal((char *[]){ "ls", "--mem", "lots", NULL }, "/nonexistent/k2");
	unsetenv("KITE_KERNEL");
}
END_TEST

START_TEST(test_help)
{
	char *argv[] = { (char *)test_kite_path(), "sandbox", "--help", NULL };
	struct test_proc p;

	ck_assert_int_ge(test_spawn(argv, NULL, 10000, &p), 0);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_nonnull(strstr(p.out, "usage: kite sandbox"));
	ck_assert_ptr_nonnull(strstr(p.out, "125"));
	test_proc_free(&p);
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("cmd-sandbox");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, test_exit_status_line);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_no_kernel);
	tcase_add_test(tc, test_save_initramfs);
	tcase_add_test(tc, test_command_options_are_its_own);
	tcase_add_test(tc, test_help);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(sandbox_suite)
