// SPDX-License-Identifier: GPL-2.0
/* Console output that never blocks: see term.h. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "term.h"

int term_out_open(struct term_out *o, int fd)
{
	struct stat st;
	int flags;

	*o = (struct term_out){ .fd = -1, .restore_fd = -1, .retry_fd = -1 };
	if (fd < 0 || fstat(fd, &st))
		return -EBADF;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		return o->fd < 0 ? -errno : 0;
	}
	o->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (o->retry_fd < 0)
		return -errno;
	o->fd = fd_reopen_nonblock(fd);
	if (o->fd >= 0)
		return 0;
	/*
	 * A socket cannot be reopened, and a pipe whose reader is gone
	 * refuses a non-blocking open (writes fail with EPIPE either way).
	 */
	flags = fcntl(fd, F_GETFL);
	o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (flags < 0 || o->fd < 0 ||
	    (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK))) {
		int err = -errno;

		term_out_close(o);
		return err;
	}
	if (!(flags & O_NONBLOCK)) {
		o->restore_fd = fd;
		o->restore_flags = flags;
	}
	return 0;
}

void term_out_close(struct term_out *o)
{
	if (o->restore_fd >= 0)
		fcntl(o->restore_fd, F_SETFL, o->restore_flags);
	if (o->fd >= 0)
		close(o->fd);
	if (o->retry_fd >= 0)
		close(o->retry_fd);
	o->fd = o->restore_fd = o->retry_fd = -1;
}

/* A write took nothing: does o->fd still say POLLOUT? Then arm the retry timer. */
static void check_false_pollout(struct term_out *o)
{
	struct pollfd p = { .fd = o->fd, .events = POLLOUT };
	struct itimerspec t = { .it_value.tv_nsec = TERM_OUT_RETRY_MS * 1000000L };

	o->retry = o->retry_fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) &&
		   !timerfd_settime(o->retry_fd, 0, &t, NULL);
}

ssize_t term_out_writev(struct term_out *o, const struct iovec *iov, int cnt)
{
	o->retry = false;
	for (;;) {
		ssize_t n = writev(o->fd, iov, cnt);

		if (n >= 0)
			return n;
		if (errno == EAGAIN) {
			check_false_pollout(o);
			return 0;
		}
		if (errno != EINTR)
			return -errno;
	}
}

int term_out_wait(struct term_out *o, short *events)
{
	*events = o->retry ? POLLIN : POLLOUT;
	return o->retry ? o->retry_fd : o->fd;
}

int term_ring_init(struct term_ring *r, size_t size)
{
	*r = (struct term_ring){ .size = size };
	r->buf = malloc(size);
	return r->buf ? 0 : -ENOMEM;
}

void term_ring_free(struct term_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
}

size_t term_ring_put(struct term_ring *r, const void *data, size_t len)
{
	size_t n = MIN(len, r->size - r->len), tail, first;

	r->dropped += len - n;
	if (!n)
		return 0;
	tail = (r->head + r->len) % r->size;
	first = MIN(n, r->size - tail);
	memcpy(r->buf + tail, data, first);
	memcpy(r->buf, (const u8 *)data + first, n - first);
	r->len += n;
	return n;
}

/* The waiting bytes as at most two segments (the ring may wrap). */
static int ring_iov(const struct term_ring *r, struct iovec iov[2])
{
	size_t first = MIN(r->len, r->size - r->head);

	iov[0] = (struct iovec){ r->buf + r->head, first };
	iov[1] = (struct iovec){ r->buf, r->len - first };
	return iov[1].iov_len ? 2 : 1;
}

int term_ring_flush(struct term_ring *r, struct term_out *o)
{
	while (r->len) {
		struct iovec iov[2];
		ssize_t n = term_out_writev(o, iov, ring_iov(r, iov));

		if (n < 0) {
			r->dropped += r->len;
			r->len = 0;
			return n;
		}
		if (!n)
			return -EAGAIN;
		r->head = (r->head + n) % r->size;
		r->len -= n;
	}
	r->head = 0;
	return 0;
}

u64 term_ring_drain(struct term_ring *r, struct term_out *o, unsigned stall_ms,
		    unsigned max_ms)
{
	u64 now = now_ns(), last = now, end = now + max_ms * 1000000ULL;

	for (;;) {
		struct pollfd p;
		size_t before = r->len;
		u64 until;

		if (term_ring_flush(r, o) != -EAGAIN)
			break;
		p.fd = term_out_wait(o, &p.events);
		now = now_ns();
		if (r->len < before)
			last = now;
		until = MIN(last + stall_ms * 1000000ULL, end);
		if (now >= until)
			break;
		if (poll(&p, 1, (int)DIV_ROUND_UP(until - now, 1000000ULL)) < 0 && errno != EINTR)
			break;
	}
	r->dropped += r->len;
	r->len = 0;
	return r->dropped;
}
