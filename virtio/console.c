// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (virtio 1.2, 5.3), single port, no MULTIPORT: Linux makes
 * it hvc0. Queue 0 (receiveq) carries host input to the guest, queue 1
 * (transmitq) guest output to the host.
 *
 * Output is written on the transmit queue's worker, with flow control
 * (console_tx below): kite never waits for stdout, the guest does.
 *
 * Input has its own thread, running between DRIVER_OK and reset: it waits
 * for bytes on in_fd, and when the guest has no receive buffer posted it
 * waits for the receive queue's kick (forwarded by the worker) before
 * reading more, so input is never dropped and never read faster than the
 * guest takes it.
 *
 * Ctrl-A x stops the VM (KITE_EXIT_USER), Ctrl-A Ctrl-A sends one Ctrl-A,
 * as on the serial console (term.h); vm_run() puts the terminal in raw
 * mode. With this console, the run loop must leave stdin to us.
 *
 * On a terminal the device offers VIRTIO_CONSOLE_F_SIZE, raises one
 * configuration change at DRIVER_OK (console_activate) so the driver
 * reads the initial size, and follows resizes: the run loop takes
 * SIGWINCH and calls the resized hook of the console's run-loop source,
 * which updates cols/rows and raises the configuration change interrupt;
 * Linux then re-reads them and resizes hvc0.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "term.h"
#include "virtio.h"

#define VIRTIO_CONSOLE_F_SIZE	0
#define CONSOLE_QUEUE_SIZE	128
#define CONSOLE_MAX_SEGS	16
#define RXQ			0
#define TXQ			1

struct virtio_console_config {
	u16 cols;
	u16 rows;
	u32 max_nr_ports;
	u32 emerg_wr;
} __attribute__((packed));

/* The transmit chain being written out (transmit worker only). */
struct console_tx {
	struct iovec iov[CONSOLE_MAX_SEGS];
	struct virtq_elem elem;
	bool busy;		/* elem popped, not all written yet */
	size_t done;		/* bytes of elem written */
	bool blocked;		/* stdout full: waiting for POLLOUT */
};

struct virtio_console {
	struct virtio_dev vdev;
	struct virtio_console_config config;
	int in_fd, out_fd;
	struct term_out out;	/* out_fd, never blocking */
	struct console_tx tx;

	/* Input thread: running between activate and reset. */
	pthread_t rx_thread;
	bool rx_running;
	int rx_kick_fd;		/* the worker forwards receiveq kicks here */
	int rx_stop_fd;
	struct term_escape esc;
	bool in_eof;
};

/* ---- guest output ---- */

/*
 * Flow control. A chain is written straight from guest memory through a
 * non-blocking term_out, and goes back to the guest only once all of it
 * is written. When stdout takes no more (a pipe nobody reads, a stopped
 * terminal), the chain stays where it got to and no further chain is
 * taken: the guest's hvc waits for its buffers, as virtio intends, and
 * nothing is lost. console_queue_wait() then hands the worker stdout to
 * poll for POLLOUT (or, through term_out_wait, a short timer when stdout
 * says POLLOUT but takes nothing) next to its kick and stop eventfds (the
 * core's worker model, no extra thread), and the worker calls
 * console_tx() again when stdout can take more. The worker sleeps only
 * in poll(), so a reset or vm_stop() always finds it ready to stop. When
 * the output is gone (EPIPE) chains are dropped, as before: the guest
 * must not stall.
 */

/* Write what stdout takes of the current chain; false while some is left. */
static bool tx_write(struct virtio_console *con)
{
	struct console_tx *tx = &con->tx;

	while (tx->done < tx->elem.out_len) {
		struct iovec rest[CONSOLE_MAX_SEGS];
		unsigned cnt = tx->elem.nr_out;
		ssize_t n;

		/* The chain stays as popped: what is left of it, in a copy. */
		memcpy(rest, tx->iov, cnt * sizeof(rest[0]));
		n = term_out_writev(&con->out, iov_skip_front(rest, &cnt, tx->done), cnt);

		if (n < 0)
			return true;	/* output gone: drop the rest */
		if (!n)
			return false;
		tx->done += n;
	}
	return true;
}

static void console_tx(struct virtio_console *con, struct virtq *vq)
{
	struct console_tx *tx = &con->tx;
	bool pushed = false;

	do {
		for (;;) {
			if (!tx->busy) {
				if (virtq_pop(vq, &tx->elem) <= 0)
					break;
				tx->busy = true;
				tx->done = 0;
			}
			tx->blocked = !tx_write(con);
			if (tx->blocked)
				goto out;	/* kicks can wait: we come back on POLLOUT */
			virtq_push(vq, tx->elem.head, 0);
			tx->busy = false;
			pushed = true;
		}
	} while (virtq_enable_kicks(vq));
out:
	if (pushed)
		virtq_notify(vq);
}

static int console_queue_wait(struct virtio_dev *vdev, struct virtq *vq, short *events)
{
	struct virtio_console *con = vdev->priv;

	if (vq->index != TXQ || !con->tx.blocked)
		return -1;
	return term_out_wait(&con->out, events);
}

static void console_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_console *con = vdev->priv;

	if (vq->index == TXQ)
		console_tx(con, vq);
	else
		if (efd_signal(con->rx_kick_fd))	/* new receive buffers */
			pr_debug("virtio-console: eventfd: %m");
}

/* ---- guest input ---- */

/* Deliver buf into receive buffers; returns bytes taken (less if the guest has none). */
static size_t console_rx_deliver(struct virtio_console *con, const u8 *buf, size_t len)
{
	struct virtq *vq = &con->vdev.vqs[RXQ];
	struct iovec iov[CONSOLE_MAX_SEGS];
	struct virtq_elem elem = { .iov = iov, .max_iov = CONSOLE_MAX_SEGS };
	size_t done = 0;

	while (done < len) {
		size_t n;

		if (virtq_pop(vq, &elem) <= 0) {
			if (!virtq_enable_kicks(vq))
				break;
			continue;
		}
		n = iov_from_buf(iov + elem.nr_out, elem.nr_in, 0, buf + done, len - done);
		virtq_push(vq, elem.head, n);
		done += n;
	}
	if (done)
		virtq_notify(vq);
	return done;
}

/* Wait for fd (or stop); returns false on stop. */
static bool rx_wait(struct virtio_console *con, int fd)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = con->rx_stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pfd[1].revents)
			return false;
		return true;
	}
}

static void *console_rx_main(void *arg)
{
	struct virtio_console *con = arg;
	u8 buf[256];

	while (!con->in_eof && rx_wait(con, con->in_fd)) {
		ssize_t n = read(con->in_fd, buf, sizeof(buf));
		size_t off = 0;
		bool quit = false;

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			con->in_eof = true;	/* no more input: the guest keeps running */
			break;
		}
		n = term_escape_filter(&con->esc, (char *)buf, n, &quit);
		if (quit) {
			vm_stop(con->vdev.vm, KITE_EXIT_USER);
			break;
		}
		while (off < (size_t)n) {
			off += console_rx_deliver(con, buf + off, n - off);
			if (off < (size_t)n) {
				/* No receive buffer: wait for the guest to post one. */
				if (!rx_wait(con, con->rx_kick_fd))
					return NULL;
				efd_drain(con->rx_kick_fd);
			}
		}
	}
	return NULL;
}

static int console_activate(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;
	int ret;

	/*
	 * Linux's virtio_console reads cols/rows only when it handles a
	 * configuration change, never at probe: hvc0 would stay 0x0 until
	 * the first resize. So tell the driver once, now that it is up. A
	 * change that arrives while Linux is still probing is held by its
	 * virtio core and delivered when the probe is done, when the port
	 * exists. Through the core, so on every transport.
	 */
	if (vdev->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE))
		virtio_config_changed(vdev);
	if (con->in_fd < 0 || con->in_eof || !vdev->vqs[RXQ].ready)
		return 0;
	efd_drain(con->rx_stop_fd);
	ret = -pthread_create(&con->rx_thread, NULL, console_rx_main, con);
	if (ret)
		return ret;
	pthread_setname_np(con->rx_thread, "virtio-con/rx");
	con->rx_running = true;
	return 0;
}

static void console_reset(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;

	/* The workers have stopped: a chain half written is the old driver's. */
	con->tx.busy = con->tx.blocked = false;
	if (!con->rx_running)
		return;
	if (efd_signal(con->rx_stop_fd))
		pr_debug("virtio-console: eventfd: %m");
	pthread_join(con->rx_thread, NULL);
	efd_drain(con->rx_stop_fd);
	efd_drain(con->rx_kick_fd);
	con->rx_running = false;
}

static void console_destroy(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;
	term_out_close(&con->out);
	if (con->rx_kick_fd >= 0)
		close(con->rx_kick_fd);
	if (con->rx_stop_fd >= 0)
		close(con->rx_stop_fd);
	free(con);
}

static const struct virtio_dev_ops console_ops = {
	.activate	= console_activate,
	.reset		= console_reset,
	.queue_notify	= console_queue_notify,
	.queue_wait	= console_queue_wait,
	.destroy	= console_destroy,
};

/*
 * A terminal on the output side: tell the guest its size (hvc0 then has
 * the right columns and rows for full-screen programs). Returns false
 * when there is no terminal or it has no size. Called with vdev->lock
 * held once the device is set up.
 */
static bool console_read_size(struct virtio_console *con)
{
	struct winsize ws;

	if (con->out_fd < 0 || ioctl(con->out_fd, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
		return false;
	con->config.cols = ws.ws_col;
	con->config.rows = ws.ws_row;
	return true;
}

/* A run-loop source's resized hook: SIGWINCH. */
static void console_resized(void *arg)
{
	struct virtio_console *con = arg;
	u16 cols, rows;
	bool changed;

	pthread_mutex_lock(&con->vdev.lock);
	cols = con->config.cols;
	rows = con->config.rows;
	changed = console_read_size(con) &&
		  (cols != con->config.cols || rows != con->config.rows);
	cols = con->config.cols;
	rows = con->config.rows;
	pthread_mutex_unlock(&con->vdev.lock);
	if (!changed)
		return;
	pr_debug("virtio-console: terminal resized to %ux%u", cols, rows);
	/* New generation, and a config interrupt once the driver is up (5.3.6). */
	virtio_config_changed(&con->vdev);
}

static const struct vm_source_ops console_source_ops = {
	.resized	= console_resized,
};

int virtio_console_create(const struct virtio_transport *t, int in_fd, int out_fd)
{
	struct vm *vm = t->vm;
	struct virtio_console *con = calloc(1, sizeof(*con));
	bool sized;
	int ret;

	if (!con)
		return -ENOMEM;
	con->vdev.priv = con;	/* console_destroy() on the early error path */
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	con->tx.elem = (struct virtq_elem){ .iov = con->tx.iov, .max_iov = CONSOLE_MAX_SEGS };
	/* No usable stdout: chains are dropped, as when a reader goes. */
	if (term_out_open(&con->out, out_fd))
		pr_debug("virtio-console: output fd %d unusable: output is dropped", out_fd);
	con->rx_kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	con->rx_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	con->config.max_nr_ports = 1;
	if (con->rx_kick_fd < 0 || con->rx_stop_fd < 0) {
		ret = -errno;
		goto fail;
	}
	sized = console_read_size(con);
	ret = virtio_dev_init(&con->vdev, vm, "virtio-console", VIRTIO_ID_CONSOLE,
			      VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
			      (sized ? VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE) : 0),
			      2, CONSOLE_QUEUE_SIZE, &con->config, sizeof(con->config),
			      &console_ops, con);
	if (ret)
		goto fail;
	ret = t->create(t, &con->vdev);
	if (ret) {
		virtio_dev_destroy(&con->vdev);		/* frees con */
		return ret;
	}
	/* The source outlives the device: the run loop ends before teardown. */
	if (sized && vm_add_source(vm, &console_source_ops, con))
		return -ENOMEM;
	return 0;
fail:
	console_destroy(&con->vdev);
	return ret;
}
