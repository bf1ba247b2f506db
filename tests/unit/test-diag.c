// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics (pr_err and friends, util/util.c) never hold a thread for
 * long: with stderr a full pipe nobody reads, a thread logging many lines
 * returns within a bound and the lines it lost are counted; the main
 * thread's error still reaches a reader that is slow but alive; lines
 * from several threads arrive whole. Each case runs in a child process
 * (it takes over fd 2), which the test waits for within a bound.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define CHILD_BOUND_MS	20000	/* a hang, not a speed figure */
#define LINES		200

/* Run fn in a child; its exit status, or -1 if it did not exit within the bound. */
static int run_child(int (*fn)(void))
{
	u64 end = now_ns() + CHILD_BOUND_MS * 1000000ULL;
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn());
	while (now_ns() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/*
 * fd 2 becomes the write end of a one-page pipe, full when `full`; the
 * read end is returned. The write end stays a blocking one, as a shell
 * hands it over: the pipe is filled through a description of our own.
 */
static int stderr_pipe(bool full)
{
	int p[2], fill;
	static char page[4096];

	memset(page, 'x', sizeof(page));
	if (pipe2(p, O_CLOEXEC) || fcntl(p[1], F_SETPIPE_SZ, 4096) != 4096)
		_exit(90);
	if (full) {
		fill = fd_reopen_nonblock(p[1]);
		if (fill < 0)
			_exit(91);
		while (write(fill, page, sizeof(page)) > 0)
			;
		while (write(fill, page, 1) > 0)
			;
		close(fill);
	}
	if (dup2(p[1], STDERR_FILENO) < 0)
		_exit(92);
	close(p[1]);
	return p[0];
}

/* Read what the pipe holds now (non-blocking), NUL-terminated. */
static size_t drain(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	return n;
}

static void *log_lines(void *arg)
{
	for (int i = 0; i < LINES; i++)
		pr_warn("device thread line %d", i);
	return arg;
}

static int unread_stderr_child(void)
{
	int rd = stderr_pipe(true);
	static char buf[64 * 1024];
	pthread_t t;
	char want[128];

	if (pthread_create(&t, NULL, log_lines, NULL))
		return 93;
	pthread_join(t, NULL);		/* blocked for ever without the bound */
	/* Nothing of it went out: the pipe holds only what filled it. */
	if (drain(rd, buf, sizeof(buf)) != 4096 || strchr(buf, 'k'))
		return 1;
	/* With room again, the next line says how many were lost. */
	pr_info("stderr read again");
	drain(rd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "kite: warning: %d diagnostic messages dropped "
		 "(stderr blocked)\nkite: stderr read again\n", LINES);
	return strcmp(buf, want) ? 2 : 0;
}

START_TEST(thread_logging_to_unread_stderr_returns)
{
	int st = run_child(unread_stderr_child);

	ck_assert_msg(st != -1, "a thread logging to a full, unread stderr pipe did not return");
	ck_assert_int_eq(st, 0);
}
END_TEST

/*
 * A thread that reads fd into buf, starting delay_ms late, until told to
 * stop and the pipe is empty (kite keeps a description of stderr of its
 * own open: closing fd 2 is no EOF).
 */
struct reader {
	pthread_t thread;
	int fd;
	unsigned delay_ms;
	atomic_bool stop;
	char buf[256 * 1024];
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	size_t n = 0;

	usleep(r->delay_ms * 1000);
	while (n < sizeof(r->buf) - 1) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		bool stop = atomic_load(&r->stop);
		ssize_t got;

		if (poll(&p, 1, 100) != 1) {
			if (stop)
				break;
			continue;
		}
		got = read(r->fd, r->buf + n, sizeof(r->buf) - 1 - n);
		if (got <= 0)
			break;
		n += got;
	}
	r->buf[n] = '\0';
	return NULL;
}

static void reader_stop(struct reader *r)
{
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
}

static bool reader_start(struct reader *r, int fd, unsigned delay_ms)
{
	r->fd = fd;
	r->delay_ms = delay_ms;
	return !pthread_create(&r->thread, NULL, reader_main, r);
}

/*
 * The reader starts 500 ms late: longer than a device thread waits, well
 * within the main thread's bound.
 */
static int slow_reader_child(void)
{
	static struct reader r;

	if (!reader_start(&r, stderr_pipe(true), 500))
		return 93;
	pr_err("the main thread's last words");
	reader_stop(&r);
	return strstr(r.buf, "kite: error: the main thread's last words\n") ? 0 : 1;
}

START_TEST(main_thread_error_reaches_a_slow_reader)
{
	ck_assert_int_eq(run_child(slow_reader_child), 0);
}
END_TEST

#define WRITERS		4

static void *log_long_lines(void *arg)
{
	char pad[201];

	memset(pad, 'a' + (int)(long)arg, sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (int i = 0; i < LINES; i++)
		pr_info("w%ld %03d %s", (long)arg, i, pad);
	return NULL;
}

/* Every line is one writer's, whole: "kite: wW NNN " and 200 of W's letter. */
static bool line_whole(const char *l, size_t len)
{
	int w, i;

	if (!strncmp(l, "kite: warning: ", 15))	/* the reader fell behind by more than the bound */
		return memmem(l, len, "diagnostic messages dropped", 27) != NULL;
	if (len != 13 + 200 || sscanf(l, "kite: w%d %d ", &w, &i) != 2 || w < 0 || w >= WRITERS)
		return false;
	for (size_t k = 13; k < len; k++)
		if (l[k] != 'a' + w)
			return false;
	return true;
}

static int writers_child(void)
{
	static struct reader r;
	pthread_t t[WRITERS];
	char *l, *nl;
	unsigned lines = 0;

	if (!reader_start(&r, stderr_pipe(false), 0))
		return 93;
	for (long i = 0; i < WRITERS; i++)
		if (pthread_create(&t[i], NULL, log_long_lines, (void *)i))
			return 93;
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	reader_stop(&r);
	for (l = r.buf; (nl = strchr(l, '\n')); l = nl + 1, lines++)
		if (!line_whole(l, nl - l))
			return 1;
	return *l || !lines ? 2 : 0;
}

START_TEST(lines_from_several_threads_stay_whole)
{
	ck_assert_int_eq(run_child(writers_child), 0);
}
END_TEST

static Suite *diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("diag");

	tcase_add_test(tc, thread_logging_to_unread_stderr_returns);
	tcase_add_test(tc, main_thread_error_reaches_a_slow_reader);
	tcase_add_test(tc, lines_from_several_threads_stay_whole);
	tcase_set_timeout(tc, 2 * CHILD_BOUND_MS / 1000);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(diag_suite)
