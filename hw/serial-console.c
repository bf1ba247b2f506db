// SPDX-License-Identifier: GPL-2.0
/*
 * The 8250's host side as the guest console: kite's stdin goes to the
 * UART's receiver (Ctrl-A x quits, see term_escape_filter), and the
 * output stdout could not take at once is written out on POLLOUT. Both
 * are sources of the run loop (vm_add_source), so the loop knows no UART
 * and no vCPU ever waits for a reader. At the stop the buffered output
 * goes out with a bounded wait.
 */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "hw.h"
#include "term.h"

/*
 * The guest's last words reach a reader that keeps reading (`kite run |
 * cat` sees all of a normal run); a stdout nobody reads delays the exit
 * by at most SERIAL_FLUSH_STALL_MS.
 */
#define SERIAL_FLUSH_STALL_MS	500
#define SERIAL_FLUSH_MAX_MS	5000

struct serial_console {
	struct vm *vm;
	struct serial8250 *uart;
	int in_fd;		/* -1: output only (another device reads stdin) */
	struct term_escape esc;
	bool in_open;		/* in_fd not at EOF */
	int waiting_fd;		/* what input_poll offered: in_fd or the UART's room fd */
	char pending[256];	/* read from in_fd, not yet taken by the UART */
	size_t npending, off;
};

/* Read the input into the UART; clears in_open once it is closed. */
static void console_input(struct serial_console *c)
{
	ssize_t n;
	bool quit = false;

	if (c->npending == c->off) {
		n = read(c->in_fd, c->pending, sizeof(c->pending));
		if (n <= 0) {
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				c->in_open = false;
			return;
		}
		c->npending = term_escape_filter(&c->esc, c->pending, n, &quit);
		c->off = 0;
		if (quit) {
			vm_stop(c->vm, KITE_EXIT_USER);
			return;
		}
	}
	c->off += serial8250_feed(c->uart, (u8 *)c->pending + c->off, c->npending - c->off);
}

static void input_poll(void *arg, struct pollfd *p)
{
	struct serial_console *c = arg;

	c->waiting_fd = -1;
	if (!c->in_open)
		return;
	/* Wait for room in the UART rather than read what cannot fit. */
	c->waiting_fd = c->off < c->npending ? serial8250_room_fd(c->uart) : c->in_fd;
	*p = (struct pollfd){ .fd = c->waiting_fd, .events = POLLIN };
}

static void input_ready(void *arg, short revents)
{
	struct serial_console *c = arg;

	if (c->waiting_fd != c->in_fd) {
		if (!(revents & POLLIN))
			return;
		efd_drain(c->waiting_fd);
	}
	console_input(c);
}

static void output_poll(void *arg, struct pollfd *p)
{
	struct serial_console *c = arg;

	serial8250_tx_poll(c->uart, p);
}

static void output_ready(void *arg, short revents)
{
	struct serial_console *c = arg;

	serial8250_tx_flush(c->uart);
}

/*
 * stderr can be the very pipe nobody reads (`2>&1`): say it only if the
 * line can go out now, never wait on it.
 */
static bool stderr_writable(void)
{
	struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

static void output_stopped(void *arg)
{
	struct serial_console *c = arg;
	u64 dropped = serial8250_tx_drain(c->uart, SERIAL_FLUSH_STALL_MS, SERIAL_FLUSH_MAX_MS);

	if (dropped && stderr_writable())
		pr_warn("%llu bytes of serial output dropped (stdout not read)",
			(unsigned long long)dropped);
}

static const struct vm_source_ops input_ops = {
	.poll	= input_poll,
	.ready	= input_ready,
};

static const struct vm_source_ops output_ops = {
	.poll		= output_poll,
	.ready		= output_ready,
	.stopped	= output_stopped,
};

int serial_console_attach(struct vm *vm, struct serial8250 *uart, int in_fd)
{
	struct serial_console *c = calloc(1, sizeof(*c));

	if (!c || vm_on_exit(vm, free, c)) {
		free(c);
		return -ENOMEM;
	}
	*c = (struct serial_console){ .vm = vm, .uart = uart, .in_fd = in_fd,
				      .in_open = in_fd >= 0, .waiting_fd = -1 };
	if (vm_add_source(vm, &output_ops, c))
		return -ENOMEM;
	return in_fd >= 0 ? vm_add_source(vm, &input_ops, c) : 0;
}
