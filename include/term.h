/* SPDX-License-Identifier: GPL-2.0 */
/* The host terminal behind the guest console. */
#ifndef KITE_TERM_H
#define KITE_TERM_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "util.h"

/*
 * Put stdin in raw mode if it is a terminal, so keys go to the guest
 * (Ctrl-C included). The previous mode comes back on term_restore(), at
 * exit and on fatal signals. Safe to call when stdin is not a terminal.
 */
void term_raw(void);
void term_restore(void);

/*
 * The console escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A.
 * Feed input bytes through it; it rewrites buf in place and returns the
 * bytes to pass to the guest, setting *quit when the user asked to quit.
 */
struct term_escape {
	bool pending;		/* the last byte seen was Ctrl-A */
};
size_t term_escape_filter(struct term_escape *e, char *buf, size_t len, bool *quit);

/*
 * Guest console output that never blocks kite (util/term-out.c). stdout
 * may be a pipe nobody reads or a stopped terminal; a blocking write()
 * there would hang the vCPU or worker doing it, and with it every way of
 * stopping kite. So a console writes through a term_out: its own open file
 * description of the same pipe or terminal (reopened through
 * /proc/self/fd) with O_NONBLOCK, which leaves the flags of the stdout
 * kite shares with its shell alone. Regular files and block devices never
 * block and are written through a dup. Only when no reopen is possible (a
 * socket, no /proc) is O_NONBLOCK set on the shared description, and put
 * back by term_out_close().
 */
struct term_out {
	int fd;			/* -1: no output (writes fail with -EBADF) */
	int restore_fd;		/* >= 0: the caller's fd whose flags we changed */
	int restore_flags;
	int retry_fd;		/* timerfd for a POLLOUT that takes nothing, or -1 */
	bool retry;		/* the last write took nothing despite POLLOUT */
};

int term_out_open(struct term_out *o, int fd);
void term_out_close(struct term_out *o);
/*
 * Write what the host side takes now: bytes written (0 when it is full:
 * wait with term_out_wait), or -errno when the output is gone (EPIPE...).
 */
ssize_t term_out_writev(struct term_out *o, const struct iovec *iov, int cnt);
/*
 * What to poll before writing again after a write that took nothing:
 * returns the fd, with the events in *events. Normally o->fd for
 * POLLOUT. But a terminal can report POLLOUT and still take nothing: n_tty
 * reports it with room for one byte, and with ONLCR a "\n" needs room for
 * "\r\n". Polling for POLLOUT then returns at once, for ever: a busy
 * loop. So after such a write this is a timer that fires in
 * TERM_OUT_RETRY_MS (POLLIN), and the writer retries then.
 */
#define TERM_OUT_RETRY_MS	10
int term_out_wait(struct term_out *o, short *events);

/*
 * A bounded byte ring in front of a term_out, for a device that cannot
 * make its guest wait (the 8250). What does not fit is dropped and
 * counted; what is written keeps its order.
 */
struct term_ring {
	u8 *buf;
	size_t size;		/* capacity */
	size_t head;		/* oldest byte */
	size_t len;		/* bytes waiting */
	u64 dropped;		/* bytes lost: ring full, or output gone */
};

int term_ring_init(struct term_ring *r, size_t size);
void term_ring_free(struct term_ring *r);
/* Queue up to len bytes; returns how many fit (the rest count as dropped). */
size_t term_ring_put(struct term_ring *r, const void *data, size_t len);
/*
 * Write out what o takes now without blocking. Returns 0 when the ring is
 * empty, -EAGAIN when bytes wait for POLLOUT, or -errno when the output is
 * gone (the waiting bytes are then dropped).
 */
int term_ring_flush(struct term_ring *r, struct term_out *o);
/*
 * At exit: flush, waiting for POLLOUT while the reader makes progress,
 * but at most stall_ms without progress and max_ms in all. Whatever is
 * left is dropped. Returns r->dropped.
 */
u64 term_ring_drain(struct term_ring *r, struct term_out *o, unsigned stall_ms,
		    unsigned max_ms);

#endif
