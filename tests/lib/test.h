/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every tests/{unit,kvm}/test-*.c is its own Check program: it defines
 * its suite and ends with KITE_TEST_MAIN(suite_fn). The program prints one
 * summary line "<name>: N passed, N failed" that tests/run-tests.sh adds
 * up. A program that cannot run here (no /dev/kvm, say) calls
 * test_skip("why") before building its suite: it prints "SKIP: why" and
 * exits 77; run-tests.sh counts it as skipped, and as a failure under CI.
 */
#ifndef KITE_TEST_H
#define KITE_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

void test_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int test_run_suite(Suite *s, const char *argv0);

/* Where the build put things: $O (build dir) and $KITE (the binary). */
const char *test_build_dir(void);
const char *test_kite_path(void);

/*
 * Run argv (argv[0] is a path) with stdin fed from `input` (may be NULL),
 * collecting stdout and stderr, killed after timeout_ms. Returns the exit
 * status (0..255), 128+signal if it died of a signal, or -1 on timeout.
 */
struct test_proc {
	char *out;		/* NUL-terminated stdout */
	char *err;		/* NUL-terminated stderr */
	int status;
	u64 wall_ns;
};
int test_spawn(char *const argv[], const char *input, unsigned timeout_ms,
	       struct test_proc *p);
/*
 * The same for fn(arg) in a child process: its return value is the exit
 * status. For code that prints (a command's cmd_*()) under a test double
 * only this process has. fn must not use ck_assert: it is not a test.
 */
int test_call(int (*fn)(void *arg), void *arg, const char *input, unsigned timeout_ms,
	      struct test_proc *p);
void test_proc_free(struct test_proc *p);
/*
 * kite refused its input as the project promises: exit status 1 and
 * exactly one "kite: error: ..." line on stderr that mentions `what`.
 */
void test_assert_one_line_error(const struct test_proc *p, const char *what);

/*
 * An output that reports POLLOUT yet takes nothing, as a terminal does
 * when it has room for one byte and the next is a "\n" that ONLCR makes
 * "\r\n" (n_tty; a pty, whose room comes in 256-byte steps, never shows
 * it). Stood in for by an eventfd one short of full: POLLOUT, but a
 * write of 8 bytes worth more than 1 (any text) fails with EAGAIN. Read
 * it (test_false_pollout_clear) and it takes writes again.
 */
int test_false_pollout_fd(void);
void test_false_pollout_clear(int fd);

/*
 * open(2) on a file system without O_DIRECT (tmpfs before Linux 6.6, some
 * FUSE file systems): the flag is refused with EINVAL. A test double for
 * the disk layer's disk_open_file (disk/engine.h).
 */
int test_open_without_direct(const char *path, int flags);

/*
 * From now on io_uring_setup fails with EPERM in this process and what it
 * runs (a seccomp filter, as container runtimes set): 0 or -errno. For a
 * test's own process (Check forks each test) or a test_call child.
 */
int test_deny_io_uring(void);

/* CPU time this process has used, in ns: a thread that spins shows here. */
u64 test_cpu_ns(void);

/*
 * A file under the program's private temp directory, which the runner
 * makes before the first test and removes after the last (a test is a
 * forked child: removing it there would take it from the tests after).
 */
char *test_tmp_path(const char *name);

#define KITE_TEST_MAIN(suite_fn)			\
	int main(int argc, char **argv) { return test_run_suite(suite_fn(), argv[0]); }

#endif
