// SPDX-License-Identifier: GPL-2.0
/*
 * Console output that never blocks (util/term-out.c): the private
 * non-blocking description of stdout, and the bounded ring in front of
 * it, against pipes nobody reads, pipes read later, and readers that go.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "term.h"
#include "test.h"

#define PIPE_SIZE	4096	/* the smallest a pipe gets: quick to fill */

static int p[2];

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE), PIPE_SIZE);
}

static void teardown(void)
{
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* A byte that tells where it stood in the stream. */
static u8 pattern(size_t i)
{
	return (u8)(i * 7 + i / 251);
}

static void fill(u8 *buf, size_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(off + i);
}

/* Read everything the pipe holds now (nonblocking). */
static size_t read_avail(int fd, u8 *buf, size_t cap)
{
	size_t got = 0;
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n <= 0)
			break;
		got += n;
	}
	fcntl(fd, F_SETFL, fl);
	return got;
}

static void assert_pattern(const u8 *buf, size_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(buf[i] == pattern(off + i), "byte %zu out of order", off + i);
}

START_TEST(private_description_leaves_stdout_blocking)
{
	struct term_out o;
	static u8 buf[PIPE_SIZE * 2];
	struct iovec iov = { buf, sizeof(buf) };

	ck_assert_int_eq(term_out_open(&o, p[1]), 0);
	ck_assert_int_ne(o.fd, p[1]);
	ck_assert(fcntl(o.fd, F_GETFL) & O_NONBLOCK);
	/* The caller's description (shared with a shell) is not touched. */
	ck_assert(!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
	fill(buf, 0, sizeof(buf));
	/* A full pipe takes what fits, then nothing: never a wait. */
	ck_assert_int_eq(term_out_writev(&o, &iov, 1), PIPE_SIZE);
	ck_assert_int_eq(term_out_writev(&o, &iov, 1), 0);
	term_out_close(&o);
	ck_assert_int_eq(o.fd, -1);
	ck_assert(!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
}
END_TEST

START_TEST(terminal_gets_its_own_description)
{
	struct term_out o;
	int master, slave;

	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	ck_assert_int_eq(term_out_open(&o, slave), 0);
	ck_assert(fcntl(o.fd, F_GETFL) & O_NONBLOCK);
	ck_assert(!(fcntl(slave, F_GETFL) & O_NONBLOCK));
	ck_assert(isatty(o.fd));
	term_out_close(&o);
	close(slave);
	close(master);
}
END_TEST

START_TEST(regular_file_shares_the_offset)
{
	char *path = test_tmp_path("out.txt"), got[16] = "";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct iovec iov = { "abc", 3 };
	struct term_out o;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "1", 1), 1);
	ck_assert_int_eq(term_out_open(&o, fd), 0);
	ck_assert_int_eq(term_out_writev(&o, &iov, 1), 3);
	term_out_close(&o);
	/* Appended after what stdout had written, not over it. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 4);
	ck_assert_int_eq(pread(fd, got, sizeof(got), 0), 4);
	ck_assert_str_eq(got, "1abc");
	close(fd);
	free(path);
}
END_TEST

/* A socket cannot be reopened: O_NONBLOCK goes on the shared description and comes back off. */
START_TEST(socket_falls_back_and_restores)
{
	int sv[2];
	struct term_out o;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(term_out_open(&o, sv[0]), 0);
	ck_assert(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	term_out_close(&o);
	ck_assert(!(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(no_output_drops)
{
	struct term_out o;
	struct term_ring r;

	ck_assert_int_eq(term_out_open(&o, -1), -EBADF);
	ck_assert_int_eq(term_ring_init(&r, 64), 0);
	ck_assert_uint_eq(term_ring_put(&r, "xyz", 3), 3);
	ck_assert_int_eq(term_ring_flush(&r, &o), -EBADF);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_uint_eq(r.dropped, 3);
	term_ring_free(&r);
}
END_TEST

/*
 * Ring bigger than the pipe: fills both, drops what does not fit. What is
 * kept is what put() took, in order, across the ring's wraps.
 */
START_TEST(ring_keeps_order_and_counts_drops)
{
	enum { RING = 3 * PIPE_SIZE + 100, TOTAL = 40000, CHUNK = 777 };
	static u8 in[TOTAL], out[TOTAL], kept[TOTAL];
	struct term_out o;
	struct term_ring r;
	size_t put = 0, got = 0, taken = 0;

	fill(in, 0, TOTAL);
	ck_assert_int_eq(term_out_open(&o, p[1]), 0);
	ck_assert_int_eq(term_ring_init(&r, RING), 0);
	/* Nobody reads: the pipe and then the ring fill, the rest is dropped. */
	while (put < TOTAL) {
		size_t n = MIN((size_t)CHUNK, TOTAL - put), k = term_ring_put(&r, in + put, n);

		memcpy(kept + taken, in + put, k);
		taken += k;
		put += n;
		term_ring_flush(&r, &o);
	}
	/* (How much a pipe page holds depends on how writes merge into it.) */
	ck_assert_uint_eq(r.len, RING);
	ck_assert_uint_gt(taken, RING);
	ck_assert_uint_le(taken, PIPE_SIZE + RING);
	ck_assert_uint_eq(r.dropped, TOTAL - taken);
	ck_assert_int_eq(term_ring_flush(&r, &o), -EAGAIN);

	/* The reader comes back, bit by bit: the ring empties in order. */
	while (r.len) {
		got += read(p[0], out + got, 1000);
		term_ring_flush(&r, &o);
	}
	got += read_avail(p[0], out + got, sizeof(out) - got);
	ck_assert_uint_eq(got, taken);
	ck_assert_mem_eq(out, kept, got);
	assert_pattern(out, 0, 1000);
	/* After a wrap the ring takes new bytes again, still in order. */
	ck_assert_uint_eq(term_ring_put(&r, in, 10), 10);
	ck_assert_int_eq(term_ring_flush(&r, &o), 0);
	ck_assert_uint_eq(read_avail(p[0], out, sizeof(out)), 10);
	assert_pattern(out, 0, 10);
	term_ring_free(&r);
	term_out_close(&o);
}
END_TEST

START_TEST(reader_gone_drops_everything_waiting)
{
	static u8 buf[PIPE_SIZE + 500];
	struct term_out o;
	struct term_ring r;

	ck_assert_int_eq(term_out_open(&o, p[1]), 0);
	ck_assert_int_eq(term_ring_init(&r, sizeof(buf)), 0);
	fill(buf, 0, sizeof(buf));
	term_ring_put(&r, buf, sizeof(buf));
	ck_assert_int_eq(term_ring_flush(&r, &o), -EAGAIN);
	ck_assert_uint_eq(r.len, 500);
	close(p[0]);
	p[0] = open("/dev/null", O_RDONLY);	/* for teardown */
	ck_assert_int_eq(term_ring_flush(&r, &o), -EPIPE);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_uint_eq(r.dropped, 500);
	term_ring_free(&r);
	term_out_close(&o);
}
END_TEST

/* Exit with nobody reading: the drain gives up after the stall bound, counting what is left. */
START_TEST(drain_gives_up_on_a_stalled_reader)
{
	static u8 buf[PIPE_SIZE + 1000];
	struct term_out o;
	struct term_ring r;
	u64 t0;

	ck_assert_int_eq(term_out_open(&o, p[1]), 0);
	ck_assert_int_eq(term_ring_init(&r, sizeof(buf)), 0);
	fill(buf, 0, sizeof(buf));
	term_ring_put(&r, buf, sizeof(buf));
	t0 = now_ns();
	ck_assert_uint_eq(term_ring_drain(&r, &o, 50, 10000), 1000);
	/* Returned, long before the overall bound: it waited for progress, not for ever. */
	ck_assert_uint_lt(now_ns() - t0, 5000 * 1000000ULL);
	ck_assert_uint_eq(r.len, 0);
	term_ring_free(&r);
	term_out_close(&o);
}
END_TEST

struct slow_reader {
	int fd;
	u8 *buf;
	size_t got, cap;
};

static void *slow_read(void *arg)
{
	struct slow_reader *s = arg;

	for (;;) {
		ssize_t n = read(s->fd, s->buf + s->got, MIN((size_t)512, s->cap - s->got));

		if (n <= 0)
			return NULL;
		s->got += n;
		usleep(2000);
	}
}

/* A reader that keeps reading, however slowly, gets every byte at exit. */
START_TEST(drain_waits_for_a_slow_reader)
{
	enum { TOTAL = 12 * PIPE_SIZE };
	static u8 in[TOTAL], out[TOTAL + 1];
	struct slow_reader s = { .fd = p[0], .buf = out, .cap = sizeof(out) };
	struct term_out o;
	struct term_ring r;
	pthread_t t;

	ck_assert_int_eq(term_out_open(&o, p[1]), 0);
	ck_assert_int_eq(term_ring_init(&r, TOTAL), 0);
	fill(in, 0, TOTAL);
	ck_assert_uint_eq(term_ring_put(&r, in, TOTAL), TOTAL);
	ck_assert_int_eq(pthread_create(&t, NULL, slow_read, &s), 0);
	ck_assert_uint_eq(term_ring_drain(&r, &o, 2000, 60000), 0);
	term_out_close(&o);
	close(p[1]);
	p[1] = -1;
	pthread_join(t, NULL);
	ck_assert_uint_eq(s.got, TOTAL);
	assert_pattern(out, 0, TOTAL);
	term_ring_free(&r);
}
END_TEST

/*
 * An output that says POLLOUT but takes nothing (test.h): the writer is
 * told to wait on a timer, not on POLLOUT (which would return at once, for
 * ever: a busy loop), and retries when it fires. The drain at exit sleeps
 * between tries instead of spinning through its stall bound.
 */
START_TEST(pollout_that_takes_nothing_waits_on_a_timer)
{
	int efd = test_false_pollout_fd(), fd;
	struct iovec iov = { (char *)"\n\n\n\n\n\n\n\n", 8 };
	struct pollfd pfd = { .fd = efd, .events = POLLOUT };
	struct term_out o;
	struct term_ring r;
	short ev;
	u64 cpu;

	ck_assert_int_eq(term_out_open(&o, efd), 0);
	ck_assert_int_eq(term_out_writev(&o, &iov, 1), 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 1);		/* the premise: POLLOUT all the same */
	fd = term_out_wait(&o, &ev);
	ck_assert_int_ne(fd, o.fd);
	pfd = (struct pollfd){ .fd = fd, .events = ev };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);		/* not at once ... */
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);	/* ... but soon */

	/* Room again: the retry writes, and the wait is for POLLOUT again. */
	test_false_pollout_clear(efd);
	ck_assert_int_eq(term_out_writev(&o, &iov, 1), 8);
	ck_assert_int_eq(term_out_wait(&o, &ev), o.fd);
	ck_assert_int_eq(ev, POLLOUT);

	/* The drain at exit: 300 ms without progress, asleep rather than busy. */
	ck_assert_int_eq(term_ring_init(&r, 64), 0);
	test_false_pollout_clear(efd);
	ck_assert_int_eq(write(efd, &(u64){ ~0ULL - 2 }, 8), 8);
	term_ring_put(&r, "\n\n\n\n\n\n\n\n", 8);
	cpu = test_cpu_ns();
	ck_assert_uint_eq(term_ring_drain(&r, &o, 300, 5000), 8);
	ck_assert_uint_lt(test_cpu_ns() - cpu, 100 * 1000000ULL);
	term_ring_free(&r);
	term_out_close(&o);
	close(efd);
}
END_TEST

static Suite *term_out_suite(void)
{
	Suite *s = suite_create("term-out");
	TCase *tc = tcase_create("out");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, private_description_leaves_stdout_blocking);
	tcase_add_test(tc, terminal_gets_its_own_description);
	tcase_add_test(tc, regular_file_shares_the_offset);
	tcase_add_test(tc, socket_falls_back_and_restores);
	tcase_add_test(tc, no_output_drops);
	tcase_add_test(tc, ring_keeps_order_and_counts_drops);
	tcase_add_test(tc, reader_gone_drops_everything_waiting);
	tcase_add_test(tc, drain_gives_up_on_a_stalled_reader);
	tcase_add_test(tc, drain_waits_for_a_slow_reader);
	tcase_add_test(tc, pollout_that_takes_nothing_waits_on_a_timer);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(term_out_suite)
