// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (virtio 1.2, 5.3), single port, no MULTIPORT: Linux makes
 * it hvc0. Queue 0 (receiveq) carries host input to the guest, queue 1
 * (transmitq) guest output to the host.
 *
 * Output is written on the transmit queue's worker. Input has its own
 * thread, running between DRIVER_OK and reset: it waits for bytes on
 * in_fd, and when the guest has no receive buffer posted it waits for the
 * receive queue's kick (forwarded by the worker) before reading more, so
 * input is never dropped and never read faster than the guest takes it.
 *
 * Ctrl-A x stops the VM (KITE_EXIT_USER), Ctrl-A Ctrl-A sends one Ctrl-A,
 * as on the serial console (term.h); vm_run() puts the terminal in raw
 * mode. With this console, the run loop must leave stdin to us.
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

struct virtio_console {
	struct virtio_dev vdev;
	struct virtio_console_config config;
	int in_fd, out_fd;

	/* Input thread: running between activate and reset. */
	pthread_t rx_thread;
	bool rx_running;
	int rx_kick_fd;		/* the worker forwards receiveq kicks here */
	int rx_stop_fd;
	struct term_escape esc;
	bool in_eof;
};

static void efd_signal(int fd)
{
	u64 one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		pr_debug("virtio-console: eventfd: %s", strerror(errno));
}

static void efd_drain(int fd)
{
	u64 v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

/* ---- guest output ---- */

static void console_tx(struct virtio_console *con, struct virtq *vq)
{
	struct iovec iov[CONSOLE_MAX_SEGS];
	struct virtq_elem elem = { .iov = iov, .max_iov = CONSOLE_MAX_SEGS };
	bool pushed = false;

	do {
		while (virtq_pop(vq, &elem) > 0) {
			for (unsigned i = 0; i < elem.nr_out; i++)
				if (write_full(con->out_fd, iov[i].iov_base, iov[i].iov_len))
					break;	/* output gone: drop, the guest must not stall */
			virtq_push(vq, elem.head, 0);
			pushed = true;
		}
	} while (virtq_enable_kicks(vq));
	if (pushed)
		virtq_notify(vq);
}

static void console_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_console *con = vdev->priv;

	if (vq->index == TXQ)
		console_tx(con, vq);
	else
		efd_signal(con->rx_kick_fd);	/* new receive buffers */
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

	if (!con->rx_running)
		return;
	efd_signal(con->rx_stop_fd);
	pthread_join(con->rx_thread, NULL);
	efd_drain(con->rx_stop_fd);
	efd_drain(con->rx_kick_fd);
	con->rx_running = false;
}

static void console_destroy(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;

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
	.destroy	= console_destroy,
};

/*
 * A terminal on the output side: tell the guest its size (hvc0 then has
 * the right columns and rows for full-screen programs). Read once: the
 * main thread owns the signals, so a later resize is not followed.
 */
static u64 console_size(struct virtio_console *con)
{
	struct winsize ws;

	if (con->out_fd < 0 || ioctl(con->out_fd, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
		return 0;
	con->config.cols = ws.ws_col;
	con->config.rows = ws.ws_row;
	return VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE);
}

int virtio_console_create(struct vm *vm, int in_fd, int out_fd,
			  virtio_transport_create_fn create)
{
	struct virtio_console *con = calloc(1, sizeof(*con));
	int ret;

	if (!con)
		return -ENOMEM;
	con->vdev.priv = con;	/* console_destroy() on the early error path */
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	con->rx_kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	con->rx_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	con->config.max_nr_ports = 1;
	if (con->rx_kick_fd < 0 || con->rx_stop_fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = virtio_dev_init(&con->vdev, vm, "virtio-console", VIRTIO_ID_CONSOLE,
			      VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
			      console_size(con),
			      2, CONSOLE_QUEUE_SIZE, &con->config, sizeof(con->config),
			      &console_ops, con);
	if (ret)
		goto fail;
	ret = create(vm, &con->vdev);
	if (ret)
		virtio_dev_destroy(&con->vdev);		/* frees con */
	return ret;
fail:
	console_destroy(&con->vdev);
	return ret;
}
