// SPDX-License-Identifier: GPL-2.0
/*
 * kite-init and the initramfs kite packs for it, with no KVM: the archive
 * sandbox_initramfs() writes is unpacked by GNU cpio into a directory, and
 * kite-init runs there as PID 1 of its own PID and mount namespaces
 * (unshare, chroot). Without virtio-console ports it keeps the stdio it
 * was given and reports "kite-init: exit N" on stderr; its restart at the
 * end ends the namespace. Needs root, unshare and cpio (else SKIP).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "test.h"

static char root[64];

/* Pack argv (with kite-probe added), unpack into root, run init there. */
static void run_init_tty(char **argv, const char *input, const char *tty_size,
			 struct test_proc *p)
{
	char probe[256], add[300], cmd[512];
	char *env[] = { "PATH=/bin", "KITE_T=1", NULL };
	struct sandbox_spec spec = { .argv = argv, .env = env, .cwd = "/bin", .nr_adds = 1,
				     .tty_size = tty_size };
	struct cpio c;
	char *unshare[] = { "/usr/bin/unshare", "-fpm", "--propagation", "private", "chroot", root, "/init",
			    NULL };
	int fd;

	snprintf(probe, sizeof(probe), "%s/guest/init/kite-probe", test_build_dir());
	snprintf(add, sizeof(add), "%s:/bin/kite-probe", probe);
	spec.adds[0] = add;
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir %s", root, root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(sandbox_initramfs(&spec, &c), 0);
	snprintf(cmd, sizeof(cmd), "%s/a.cpio", root);
	fd = open(cmd, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, c.buf, c.len), 0);
	close(fd);
	cpio_free(&c);
	snprintf(cmd, sizeof(cmd), "cd %s && cpio -i --quiet -d < a.cpio",
		 root);
	ck_assert_int_eq(system(cmd), 0);
	test_spawn(unshare, input, 60000, p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

static void run_init(char **argv, const char *input, struct test_proc *p)
{
	run_init_tty(argv, input, NULL, p);
}

static int status_of(char **argv, const char *input, char **out)
{
	struct test_proc p;
	const char *line;
	int status = -1;

	run_init(argv, input, &p);
	line = strstr(p.err, "kite-init: exit ");
	ck_assert_msg(line, "no exit line in: %s", p.err);
	status = atoi(line + strlen("kite-init: exit "));
	if (out)
		*out = strdup(p.out);
	test_proc_free(&p);
	return status;
}

START_TEST(test_exit_statuses)
{
	char *exit0[] = { "kite-probe", "exit", "0", NULL };
	char *exit7[] = { "kite-probe", "exit", "7", NULL };
	char *killed[] = { "kite-probe", "kill", "9", NULL };
	char *missing[] = { "no-such-command", NULL };
	char *abs[] = { "/bin/kite-probe", "exit", "1", NULL };

	ck_assert_int_eq(status_of(exit0, NULL, NULL), 0);
	ck_assert_int_eq(status_of(exit7, NULL, NULL), 7);
	ck_assert_int_eq(status_of(abs, NULL, NULL), 1);
	ck_assert_int_eq(status_of(killed, NULL, NULL), 128 + 9);
	ck_assert_int_eq(status_of(missing, NULL, NULL), 127);
}
END_TEST

/* A file that is there but not executable: 126 (init itself is the file here). */
START_TEST(test_not_executable)
{
	char *argv[] = { "/kite/instructions", NULL };

	ck_assert_int_eq(status_of(argv, NULL, NULL), 126);
}
END_TEST

/* Arguments arrive byte for byte, stdin is the command's, cwd is set. */
START_TEST(test_stdio_through)
{
	char *argv[] = { "kite-probe", "cat", NULL };
	char *out = NULL;

	ck_assert_int_eq(status_of(argv, "a b\n\x01\xff tail", &out), 0);
	ck_assert_str_eq(out, "a b\n\x01\xff tail");
	free(out);
}
END_TEST

/*
 * With a terminal (kite's stdin and stdout are one): fd 0, 1 and 2 of the
 * command are a pty of the size kite sent, its controlling terminal;
 * what it writes comes out through init (\n as \r\n, as a terminal does),
 * what comes in is echoed by the terminal, and the end of kite's stdin is
 * the terminal's end of file.
 */
START_TEST(test_terminal)
{
	char *tty[] = { "kite-probe", "tty", NULL };
	char *cat[] = { "kite-probe", "cat", NULL };
	struct test_proc p;

	run_init_tty(tty, NULL, "33 77", &p);
	ck_assert_msg(strstr(p.out, "tty 111 33 77 ctty=1\r\n"), "out: %s err: %s", p.out, p.err);
	ck_assert_msg(strstr(p.err, "kite-init: exit 0"), "err: %s", p.err);
	test_proc_free(&p);
	run_init_tty(cat, "hello\n", "24 80", &p);
	/* The terminal's echo, then cat's copy; then ^D ends cat. */
	ck_assert_msg(strstr(p.out, "hello\r\nhello\r\n"), "out: %s err: %s", p.out, p.err);
	ck_assert_msg(strstr(p.err, "kite-init: exit 0"), "err: %s", p.err);
	test_proc_free(&p);
}
END_TEST

static Suite *init_suite(void)
{
	Suite *s = suite_create("sandbox-init");
	TCase *tc = tcase_create("pid1");

	if (geteuid())
		test_skip("kite-init runs as PID 1 of a namespace: needs root");
	if (system("test -x /usr/bin/unshare && command -v cpio >/dev/null"))
		test_skip("needs unshare and cpio");
	snprintf(root, sizeof(root), "/tmp/kite-init-test.%d", getpid());
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exit_statuses);
	tcase_add_test(tc, test_not_executable);
	tcase_add_test(tc, test_stdio_through);
	tcase_add_test(tc, test_terminal);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(init_suite)
