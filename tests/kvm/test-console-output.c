// SPDX-License-Identifier: GPL-2.0
/*
 * Console output never blocks kite, on the real /dev/kvm: guest/flood.elf
 * prints more than a pipe holds while kite's stdout is a pipe this test
 * does not read. kite must still stop on the guest's reset, on SIGTERM
 * and on Ctrl-A x within a bound, and say how many bytes it dropped; the
 * bytes it did write are the start of the guest's output, in order. With
 * a reader, every byte arrives in order and nothing is dropped.
 */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define BLOCK		4096		/* guest/flood.c: 64 lines of 64 bytes */
#define LINE		64
#define DONE		"flood done\n"
#define BOUND_MS	60000		/* generous: the flood runs in an emulator */

/* The guest's output from its start: what flood.c prints, byte for byte. */
static char *expected(size_t blocks, size_t *len)
{
	size_t n = blocks * BLOCK;
	char *e = malloc(n + sizeof(DONE));

	for (size_t l = 0; l < n / LINE; l++) {
		char *p = e + l * LINE;

		snprintf(p, 9, "%08zu", l);
		p[8] = ' ';
		for (int j = 9; j < LINE - 1; j++)
			p[j] = 'a' + (j - 8) % 26;
		p[LINE - 1] = '\n';
	}
	memcpy(e + n, DONE, sizeof(DONE));
	*len = n + strlen(DONE);
	return e;
}

struct kite {
	pid_t pid;
	int out;		/* read end of kite's stdout */
	int in;			/* write end of kite's stdin */
	char *err_path;
};

/*
 * Start kite on the flood guest with stdout and stdin pipes; stderr to a
 * file, or with err_to_out to the stdout pipe as well (`2>&1`).
 */
static void kite_start2(struct kite *k, const char *flood, bool err_to_out)
{
	char *guest, *cmdline;
	int out[2], in[2], err;

	ck_assert_int_ne(asprintf(&guest, "%s/guest/flood.elf", test_build_dir()), -1);
	ck_assert_int_ne(asprintf(&cmdline, "flood=%s", flood), -1);
	k->err_path = test_tmp_path("kite.err");
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	err = open(k->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(err, 0);
	k->pid = fork();
	ck_assert_int_ge(k->pid, 0);
	if (k->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err_to_out ? out[1] : err, 2);
		execl(test_kite_path(), "kite", "run", "--kernel", guest, "--cmdline", cmdline,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	close(err);
	k->out = out[0];
	k->in = in[1];
	free(guest);
	free(cmdline);
}

static void kite_start(struct kite *k, const char *flood)
{
	kite_start2(k, flood, false);
}

/* Exit status, or -1 if kite did not exit within ms (then it is killed). */
static int kite_wait(struct kite *k, unsigned ms)
{
	u64 end = now_ns() + ms * 1000000ULL;
	int st;

	while (now_ns() < end) {
		if (waitpid(k->pid, &st, WNOHANG) == k->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(5000);
	}
	kill(k->pid, SIGKILL);
	waitpid(k->pid, &st, 0);
	return -1;
}

static char *kite_stderr(struct kite *k)
{
	static char buf[4096];
	int fd = open(k->err_path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void kite_free(struct kite *k)
{
	close(k->out);
	if (k->in >= 0)
		close(k->in);
	free(k->err_path);
}

/* Everything left in the pipe (kite has exited: read to EOF). */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while ((r = read(fd, buf + n, cap - n)) > 0)
		if ((n += r) == cap)
			buf = realloc(buf, cap *= 2);
	*len = n;
	return buf;
}

/* Wait (bounded) until kite's stdout pipe is full: a blocking write would now hang. */
static void wait_pipe_full(struct kite *k)
{
	int size = fcntl(k->out, F_GETPIPE_SZ), queued = 0;
	u64 end = now_ns() + BOUND_MS * 1000000ULL;

	while (queued < size && now_ns() < end) {
		ck_assert_int_eq(ioctl(k->out, FIONREAD, &queued), 0);
		usleep(10000);
	}
	ck_assert_int_ge(queued, size);
	usleep(200000);		/* and the guest goes on printing */
}

/* The "N bytes ... dropped" warning: N, or -1 if there is none. */
static long long dropped(const char *err)
{
	const char *w = strstr(err, "kite: warning: ");

	if (!w || !strstr(w, " bytes of serial output dropped (stdout not read)\n"))
		return -1;
	return atoll(w + strlen("kite: warning: "));
}

/* What kite wrote is the start of what the guest printed, in order. */
static void assert_prefix(const char *got, size_t n, const char *exp, size_t exp_len)
{
	ck_assert_uint_le(n, exp_len);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got[i] == exp[i], "byte %zu: got %#x, want %#x", i, got[i], exp[i]);
}

START_TEST(unread_stdout_does_not_stop_the_guest_reset)
{
	const size_t blocks = 100;	/* 400 KiB: more than pipe and buffer hold */
	struct kite k;
	size_t exp_len, n;
	char *exp = expected(blocks, &exp_len), *got, *err;
	int st;

	kite_start(&k, "100");
	st = kite_wait(&k, BOUND_MS);
	err = kite_stderr(&k);
	ck_assert_msg(st == 0, "exit %d, stderr: %s", st, err);
	got = read_all(k.out, &n);
	ck_assert_int_ge(n, fcntl(k.out, F_GETPIPE_SZ));
	assert_prefix(got, n, exp, exp_len);
	/* Every byte is either in the pipe or counted as dropped. */
	ck_assert_msg(dropped(err) == (long long)(exp_len - n), "%zu in the pipe, stderr: %s",
		      n, err);
	free(got);
	free(exp);
	kite_free(&k);
}
END_TEST

START_TEST(unread_stdout_sigterm_stops_kite)
{
	struct kite k;
	char *err;
	int st;

	kite_start(&k, "0");		/* prints for ever */
	wait_pipe_full(&k);
	kill(k.pid, SIGTERM);
	st = kite_wait(&k, BOUND_MS);
	err = kite_stderr(&k);
	ck_assert_msg(st == 128 + SIGTERM, "exit %d, stderr: %s", st, err);
	ck_assert_msg(dropped(err) > 0, "stderr: %s", err);
	kite_free(&k);
}
END_TEST

/* stderr on the same unread pipe: kite cannot report, but must not wait to. */
START_TEST(unread_stdout_and_stderr_sigterm_stops_kite)
{
	struct kite k;
	int st;

	kite_start2(&k, "0", true);
	wait_pipe_full(&k);
	kill(k.pid, SIGTERM);
	st = kite_wait(&k, BOUND_MS);
	ck_assert_int_eq(st, 128 + SIGTERM);
	kite_free(&k);
}
END_TEST

START_TEST(unread_stdout_ctrl_a_x_stops_kite)
{
	struct kite k;
	int st;

	kite_start(&k, "0");
	wait_pipe_full(&k);
	ck_assert_int_eq(write(k.in, "\001x", 2), 2);
	st = kite_wait(&k, BOUND_MS);
	ck_assert_msg(st == 4, "exit %d, stderr: %s", st, kite_stderr(&k));
	ck_assert_int_gt(dropped(kite_stderr(&k)), 0);
	kite_free(&k);
}
END_TEST

/* With a reader (`kite run | cat`), all of a normal run arrives. */
START_TEST(read_stdout_gets_every_byte_in_order)
{
	const size_t blocks = 48;
	struct kite k;
	size_t exp_len, n;
	char *exp = expected(blocks, &exp_len), *got, *err;
	int st;

	kite_start(&k, "48");
	close(k.in);
	k.in = -1;
	got = read_all(k.out, &n);	/* to EOF: kite has exited */
	st = kite_wait(&k, BOUND_MS);
	err = kite_stderr(&k);
	ck_assert_msg(st == 0, "exit %d, stderr: %s", st, err);
	ck_assert_uint_eq(n, exp_len);
	assert_prefix(got, n, exp, exp_len);
	ck_assert_msg(dropped(err) == -1, "stderr: %s", err);
	free(got);
	free(exp);
	kite_free(&k);
}
END_TEST

/*
 * SIGWINCH reaches the virtio console through the run loop's signalfd:
 * kite's stdout is a terminal whose size changes, and kite says (debug
 * line) that the console took the new size. The echo guest just waits.
 */
START_TEST(sigwinch_resizes_the_virtio_console)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	char *guest, *err_path = test_tmp_path("winch.err"), buf[4096];
	int master, slave, err, st = -1;
	u64 end;
	pid_t pid;
	ssize_t n;

	ck_assert_int_ne(asprintf(&guest, "%s/guest/echo.elf", test_build_dir()), -1);
	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
	err = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);

		dup2(in, 0);
		dup2(slave, 1);
		dup2(err, 2);
		setenv("KITE_DEBUG", "1", 1);
		execl(test_kite_path(), "kite", "run", "--kernel", guest, "--console", "virtio",
		      (char *)NULL);
		_exit(127);
	}
	close(slave);
	/* The guest is up once it printed (on ttyS0, to the same terminal). */
	end = now_ns() + BOUND_MS * 1000000ULL;
	buf[0] = '\0';
	for (size_t got = 0; !strstr(buf, "echo ready") && now_ns() < end;) {
		struct pollfd p = { .fd = master, .events = POLLIN };

		if (poll(&p, 1, 100) == 1 && (n = read(master, buf + got, sizeof(buf) - 1 - got)) > 0)
			buf[got += n] = '\0';
	}
	ck_assert_ptr_nonnull(strstr(buf, "echo ready"));
	ws = (struct winsize){ .ws_row = 50, .ws_col = 132 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	kill(pid, SIGWINCH);
	for (end = now_ns() + BOUND_MS * 1000000ULL; now_ns() < end; usleep(10000)) {
		n = pread(err, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, "terminal resized"))
			break;
	}
	ck_assert_msg(strstr(buf, "virtio-console: terminal resized to 132x50"), "stderr: %s", buf);
	/* SIGWINCH is no stop: kite runs on until SIGTERM. */
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
	kill(pid, SIGTERM);
	for (end = now_ns() + BOUND_MS * 1000000ULL; now_ns() < end; usleep(5000)) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		/* Keep the terminal drained: kite must not depend on it, but be fair. */
		while (poll(&(struct pollfd){ .fd = master, .events = POLLIN }, 1, 0) == 1 &&
		       read(master, buf, sizeof(buf)) > 0)
			;
	}
	if (st == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		ck_abort_msg("kite did not stop on SIGTERM");
	}
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM);
	close(master);
	close(err);
	free(err_path);
	free(guest);
}
END_TEST

static Suite *console_output_suite(void)
{
	Suite *s = suite_create("console-output");
	TCase *tc = tcase_create("kvm");

	if (access("/dev/kvm", R_OK | W_OK))
		test_skip("no access to /dev/kvm: these tests run guests on it");
	tcase_set_timeout(tc, 3 * BOUND_MS / 1000);
	tcase_add_test(tc, unread_stdout_does_not_stop_the_guest_reset);
	tcase_add_test(tc, unread_stdout_sigterm_stops_kite);
	tcase_add_test(tc, unread_stdout_and_stderr_sigterm_stops_kite);
	tcase_add_test(tc, unread_stdout_ctrl_a_x_stops_kite);
	tcase_add_test(tc, read_stdout_gets_every_byte_in_order);
	tcase_add_test(tc, sigwinch_resizes_the_virtio_console);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(console_output_suite)
