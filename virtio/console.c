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
 *
 * Multiport (VIRTIO_CONSOLE_F_MULTIPORT, 5.3.6.2), for `kite sandbox`:
 * virtio_console_create_ports() makes a device of named ports, each with
 * its own host input and output fd, binary-safe (no size; the Ctrl-A
 * escape only on a port that asks for it: a terminal's input).
 * Queues: port 0 on 0/1, the control queues on 2 (to the driver) and 3
 * (from it), port n >= 1 on 2 + 2n / 3 + 2n. The driver says DEVICE_READY;
 * we add every port (DEVICE_ADD); for each PORT_READY we send its name and
 * PORT_OPEN(1), the host side being open. Linux drops data that reaches a
 * port no guest process has open, so a port's input thread starts reading
 * only once the driver says PORT_OPEN(1); at EOF on its input fd (after
 * the data, whose used entries come first) we send PORT_OPEN(0), which
 * the guest's reader sees as end of file. Output has the same flow
 * control as the single port, per port.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "term.h"
#include "virtio.h"

#define VIRTIO_CONSOLE_F_SIZE		0
#define VIRTIO_CONSOLE_F_MULTIPORT	1
#define CONSOLE_QUEUE_SIZE	128
#define CONSOLE_MAX_SEGS	16
#define CTL_RXQ			2	/* control messages to the driver */
#define CTL_TXQ			3	/* control messages from the driver */
#define CTL_MAX_PENDING		64

/* Control events (5.3.6.2). */
#define VIRTIO_CONSOLE_DEVICE_READY	0
#define VIRTIO_CONSOLE_DEVICE_ADD	1
#define VIRTIO_CONSOLE_PORT_READY	3
#define VIRTIO_CONSOLE_PORT_OPEN	6
#define VIRTIO_CONSOLE_PORT_NAME	7

struct virtio_console_control {
	u32 id;
	u16 event;
	u16 value;
} __attribute__((packed));

struct ctl_msg {
	struct virtio_console_control hdr;
	char name[VIRTIO_CONSOLE_NAME_MAX];
	size_t len;
};

static unsigned port_rxq(unsigned id) { return id ? 2 + 2 * id : 0; }
static unsigned port_txq(unsigned id) { return port_rxq(id) + 1; }

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

struct virtio_console;

/* One port: its host fds and both directions. */
struct console_port {
	struct virtio_console *con;
	unsigned id;
	char name[VIRTIO_CONSOLE_NAME_MAX];	/* "" : unnamed */
	int in_fd, out_fd;
	struct term_out out;	/* out_fd, never blocking */
	struct console_tx tx;

	/* Input thread: running between activate and reset. */
	pthread_t rx_thread;
	bool rx_running;
	int rx_kick_fd;		/* receive buffers posted, or the guest opened the port */
	atomic_bool guest_open;	/* multiport: a guest process has the port open */
	bool in_eof;
	bool escape;		/* Ctrl-A x on this input (a terminal's) */
	struct term_escape esc;
};

struct virtio_console {
	struct virtio_dev vdev;
	struct virtio_console_config config;
	unsigned nr_ports;
	struct console_port ports[VIRTIO_CONSOLE_MAX_PORTS];
	bool multiport;		/* offered: the device was made with named ports */
	atomic_bool multi;	/* negotiated */
	int rx_stop_fd;
	bool fds_failed;	/* an eventfd could not be made */

	/* Control messages waiting for a buffer on CTL_RXQ (ctl_lock). */
	pthread_mutex_t ctl_lock;
	struct ctl_msg pending[CTL_MAX_PENDING];
	unsigned nr_pending;
};

/* ---- guest output ---- */

/*
 * Flow control. A chain is written straight from guest memory through a
 * non-blocking term_out, and goes back to the guest only once all of it
 * is written. When stdout takes no more (a pipe nobody reads, a stopped
 * terminal), the chain stays where it got to and no further chain is
 * taken: the guest's hvc waits for its buffers, as virtio intends, and
 * nothing is lost. console_host_fd() then hands the worker stdout to
 * poll for POLLOUT (or, through term_out_wait, a short timer when stdout
 * says POLLOUT but takes nothing) next to its kick and stop eventfds (the
 * core's worker model, no extra thread), and the worker calls
 * console_host_ready() when stdout can take more. The worker sleeps only
 * in poll(), so a reset or vm_stop() always finds it ready to stop. When
 * the output is gone (EPIPE) chains are dropped, as before: the guest
 * must not stall.
 */

/* Write what the port's output takes of the current chain; false while some is left. */
static bool tx_write(struct console_port *port)
{
	struct console_tx *tx = &port->tx;

	while (tx->done < tx->elem.out_len) {
		struct iovec rest[CONSOLE_MAX_SEGS];
		unsigned cnt = tx->elem.nr_out;
		ssize_t n;

		/* The chain stays as popped: what is left of it, in a copy. */
		memcpy(rest, tx->iov, cnt * sizeof(rest[0]));
		n = term_out_writev(&port->out, iov_skip_front(rest, &cnt, tx->done), cnt);

		if (n < 0)
			return true;	/* output gone: drop the rest */
		if (!n)
			return false;
		tx->done += n;
	}
	return true;
}

static void console_tx(struct console_port *port, struct virtq *vq)
{
	struct console_tx *tx = &port->tx;
	bool pushed = false;

	do {
		for (;;) {
			if (!tx->busy) {
				if (virtq_pop(vq, &tx->elem) <= 0)
					break;
				tx->busy = true;
				tx->done = 0;
			}
			tx->blocked = !tx_write(port);
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

/* ---- control queues (multiport) ---- */

/* Send what is pending into the driver's control buffers (ctl_lock held). */
static void ctl_flush(struct virtio_console *con)
{
	struct virtq *vq = &con->vdev.vqs[CTL_RXQ];
	struct iovec iov[CONSOLE_MAX_SEGS];
	struct virtq_elem elem = { .iov = iov, .max_iov = CONSOLE_MAX_SEGS };
	unsigned sent = 0;

	while (sent < con->nr_pending && virtq_live(vq)) {
		struct ctl_msg *m = &con->pending[sent];
		u8 buf[sizeof(m->hdr) + sizeof(m->name)];
		size_t n;

		if (virtq_pop(vq, &elem) <= 0) {
			if (!virtq_enable_kicks(vq))
				break;
			continue;
		}
		memcpy(buf, &m->hdr, sizeof(m->hdr));
		memcpy(buf + sizeof(m->hdr), m->name, m->len);
		n = iov_from_buf(iov + elem.nr_out, elem.nr_in, 0, buf, sizeof(m->hdr) + m->len);
		virtq_push(vq, elem.head, n);
		sent++;
	}
	if (!sent)
		return;
	memmove(con->pending, con->pending + sent, (con->nr_pending - sent) * sizeof(con->pending[0]));
	con->nr_pending -= sent;
	virtq_notify(vq);
}

static void ctl_send(struct virtio_console *con, u32 id, u16 event, u16 value, const char *name)
{
	struct ctl_msg *m;

	pthread_mutex_lock(&con->ctl_lock);
	if (con->nr_pending == CTL_MAX_PENDING) {
		/* The driver posts no control buffers: its loss. */
		pr_debug("virtio-console: control message %u for port %u dropped", event, id);
	} else {
		m = &con->pending[con->nr_pending++];
		m->hdr = (struct virtio_console_control){ .id = id, .event = event, .value = value };
		m->len = name ? strlen(name) : 0;	/* the name without its NUL (5.3.6.2) */
		if (name)
			memcpy(m->name, name, m->len);
	}
	ctl_flush(con);
	pthread_mutex_unlock(&con->ctl_lock);
}

static void ctl_handle(struct virtio_console *con, const struct virtio_console_control *c)
{
	struct console_port *port = c->id < con->nr_ports ? &con->ports[c->id] : NULL;

	switch (c->event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (c->value != 1)
			break;
		for (unsigned i = 0; i < con->nr_ports; i++)
			ctl_send(con, i, VIRTIO_CONSOLE_DEVICE_ADD, 0, NULL);
		break;
	case VIRTIO_CONSOLE_PORT_READY:
		if (!port || c->value != 1)
			break;
		if (port->name[0])
			ctl_send(con, port->id, VIRTIO_CONSOLE_PORT_NAME, 1, port->name);
		/* The host side is open: without it, the guest's writes would block. */
		ctl_send(con, port->id, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (!port)
			break;
		atomic_store(&port->guest_open, c->value == 1);
		if (c->value == 1)
			stats_guest_ready(con->vdev.vm);
		if (efd_signal(port->rx_kick_fd))
			pr_debug("virtio-console: eventfd: %m");
		break;
	default:
		break;		/* nothing else is for a device */
	}
}

static void ctl_receive(struct virtio_console *con, struct virtq *vq)
{
	struct iovec iov[CONSOLE_MAX_SEGS];
	struct virtq_elem elem = { .iov = iov, .max_iov = CONSOLE_MAX_SEGS };
	bool pushed = false;

	do {
		while (virtq_pop(vq, &elem) > 0) {
			struct virtio_console_control c;

			if (iov_to_buf(iov, elem.nr_out, 0, &c, sizeof(c)) == sizeof(c))
				ctl_handle(con, &c);
			virtq_push(vq, elem.head, 0);
			pushed = true;
		}
	} while (virtq_enable_kicks(vq));
	if (pushed)
		virtq_notify(vq);
}

/* Which port and direction queue q is; NULL for a control queue. */
static struct console_port *queue_port(struct virtio_console *con, unsigned q, bool *tx)
{
	unsigned id = q < 2 ? 0 : (q - 2) / 2;

	if (q == CTL_RXQ || q == CTL_TXQ || id >= con->nr_ports)
		return NULL;
	*tx = q & 1;
	return &con->ports[id];
}

static int console_host_fd(struct virtio_dev *vdev, struct virtq *vq, short *events)
{
	struct virtio_console *con = vdev->priv;
	struct console_port *port;
	bool tx;

	port = queue_port(con, vq->index, &tx);
	if (!port || !tx || !port->tx.blocked)
		return -1;
	return term_out_wait(&port->out, events);
}

/* The port's output takes more (or its timer fired): go on with the blocked chain. */
static void console_host_ready(struct virtio_dev *vdev, struct virtq *vq, short revents)
{
	struct virtio_console *con = vdev->priv;
	struct console_port *port;
	bool tx;

	port = queue_port(con, vq->index, &tx);
	if (port && tx)
		console_tx(port, vq);
}

static void console_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_console *con = vdev->priv;
	struct console_port *port;
	bool tx;

	if (vq->index == CTL_TXQ) {
		ctl_receive(con, vq);
		return;
	}
	if (vq->index == CTL_RXQ) {
		pthread_mutex_lock(&con->ctl_lock);
		ctl_flush(con);
		pthread_mutex_unlock(&con->ctl_lock);
		return;
	}
	port = queue_port(con, vq->index, &tx);
	if (!port)
		return;
	if (tx)
		console_tx(port, vq);
	else if (efd_signal(port->rx_kick_fd))	/* new receive buffers */
		pr_debug("virtio-console: eventfd: %m");
}

/* ---- guest input ---- */

/* Deliver buf into receive buffers; returns bytes taken (less if the guest has none). */
static size_t console_rx_deliver(struct console_port *port, const u8 *buf, size_t len)
{
	struct virtq *vq = &port->con->vdev.vqs[port_rxq(port->id)];
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
static bool rx_wait(struct console_port *port, int fd)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = port->con->rx_stop_fd, .events = POLLIN },
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

/* Multiport: data for a port nobody opened would be dropped by the guest. */
static bool rx_wait_open(struct console_port *port)
{
	while (atomic_load(&port->con->multi) && !atomic_load(&port->guest_open)) {
		if (!rx_wait(port, port->rx_kick_fd))
			return false;
		efd_drain(port->rx_kick_fd);
	}
	return true;
}

static void *console_rx_main(void *arg)
{
	struct console_port *port = arg;
	struct virtio_console *con = port->con;
	u8 buf[4096];

	pthread_setname_np(pthread_self(), "virtio-con/rx");
	while (!port->in_eof && rx_wait_open(port) && rx_wait(port, port->in_fd)) {
		ssize_t n = read(port->in_fd, buf, sizeof(buf));
		size_t off = 0;
		bool quit = false;

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			port->in_eof = true;	/* no more input: the guest keeps running */
			/* Multiport: the guest's reader sees end of file, after the data. */
			if (atomic_load(&con->multi))
				ctl_send(con, port->id, VIRTIO_CONSOLE_PORT_OPEN, 0, NULL);
			break;
		}
		if (port->escape) {
			n = term_escape_filter(&port->esc, (char *)buf, n, &quit);
			if (quit) {
				vm_stop(con->vdev.vm, KITE_EXIT_USER);
				break;
			}
		}
		while (off < (size_t)n) {
			off += console_rx_deliver(port, buf + off, n - off);
			if (off < (size_t)n) {
				/* No receive buffer: wait for the guest to post one. */
				if (!rx_wait(port, port->rx_kick_fd))
					return NULL;
				efd_drain(port->rx_kick_fd);
			}
		}
	}
	return NULL;
}

static int console_activate(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;
	int ret;

	atomic_store(&con->multi, !!(vdev->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT)));
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
	efd_drain(con->rx_stop_fd);
	for (unsigned i = 0; i < con->nr_ports; i++) {
		struct console_port *port = &con->ports[i];

		if (i && !atomic_load(&con->multi))
			break;
		if (port->in_fd < 0 || port->in_eof || !vdev->vqs[port_rxq(i)].ready)
			continue;
		ret = -pthread_create(&port->rx_thread, NULL, console_rx_main, port);
		if (ret)
			return ret;
		port->rx_running = true;
	}
	return 0;
}

static void console_reset(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;

	if (efd_signal(con->rx_stop_fd))
		pr_debug("virtio-console: eventfd: %m");
	for (unsigned i = 0; i < con->nr_ports; i++) {
		struct console_port *port = &con->ports[i];

		/* The workers have stopped: a chain half written is the old driver's. */
		port->tx.busy = port->tx.blocked = false;
		atomic_store(&port->guest_open, false);
		if (port->rx_running)
			pthread_join(port->rx_thread, NULL);
		port->rx_running = false;
		efd_drain(port->rx_kick_fd);
	}
	efd_drain(con->rx_stop_fd);
	con->nr_pending = 0;
}

static void console_destroy(struct virtio_dev *vdev)
{
	struct virtio_console *con = vdev->priv;

	for (unsigned i = 0; i < con->nr_ports; i++) {
		term_out_close(&con->ports[i].out);
		if (con->ports[i].rx_kick_fd >= 0)
			close(con->ports[i].rx_kick_fd);
	}
	if (con->rx_stop_fd >= 0)
		close(con->rx_stop_fd);
	pthread_mutex_destroy(&con->ctl_lock);
	free(con);
}

static const struct virtio_dev_ops console_ops = {
	.activate	= console_activate,
	.reset		= console_reset,
	.queue_notify	= console_queue_notify,
	.host_fd	= console_host_fd,
	.host_ready	= console_host_ready,
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
	int fd = con->ports[0].out_fd;

	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
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

/* A device of n ports; multiport when there are names. NULL on no memory. */
static struct virtio_console *console_alloc(const struct virtio_console_port *ports, unsigned n)
{
	struct virtio_console *con = calloc(1, sizeof(*con));

	if (!con)
		return NULL;
	con->vdev.priv = con;	/* console_destroy() on the early error path */
	con->nr_ports = n;
	pthread_mutex_init(&con->ctl_lock, NULL);
	con->rx_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (unsigned i = 0; i < n; i++) {
		struct console_port *port = &con->ports[i];

		port->con = con;
		port->id = i;
		port->in_fd = ports[i].in_fd;
		port->out_fd = ports[i].out_fd;
		port->escape = ports[i].escape;
		snprintf(port->name, sizeof(port->name), "%s", ports[i].name ? ports[i].name : "");
		port->tx.elem = (struct virtq_elem){ .iov = port->tx.iov, .max_iov = CONSOLE_MAX_SEGS };
		/* No usable output: chains are dropped, as when a reader goes. */
		if (term_out_open(&port->out, port->out_fd))
			pr_debug("virtio-console: output fd %d unusable: output is dropped",
				 port->out_fd);
		port->rx_kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	con->config.max_nr_ports = n;
	for (unsigned i = 0; i < n; i++)
		if (con->ports[i].rx_kick_fd < 0)
			con->fds_failed = true;
	if (con->rx_stop_fd < 0)
		con->fds_failed = true;
	return con;
}

static int console_register(const struct virtio_transport *t, struct virtio_console *con,
			    u64 features)
{
	unsigned nr_queues = con->multiport ? 2 + 2 * con->nr_ports : 2;
	int ret;

	if (con->fds_failed) {
		ret = -EMFILE;
		console_destroy(&con->vdev);
		return ret;
	}
	ret = virtio_dev_init(&con->vdev, t->vm, "virtio-console", VIRTIO_ID_CONSOLE,
			      VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
			      features, nr_queues, CONSOLE_QUEUE_SIZE, &con->config,
			      sizeof(con->config), &console_ops, con);
	if (ret) {
		console_destroy(&con->vdev);
		return ret;
	}
	ret = t->create(t, &con->vdev);
	if (ret)
		virtio_dev_destroy(&con->vdev);		/* frees con */
	return ret;
}

int virtio_console_create(const struct virtio_transport *t, int in_fd, int out_fd)
{
	struct virtio_console_port port = { .in_fd = in_fd, .out_fd = out_fd };
	struct virtio_console *con = console_alloc(&port, 1);
	bool sized;
	int ret;

	if (!con)
		return -ENOMEM;
	con->ports[0].escape = true;
	sized = console_read_size(con);
	ret = console_register(t, con, sized ? VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE) : 0);
	if (ret)
		return ret;
	/* The source outlives the device: the run loop ends before teardown. */
	if (sized && vm_add_source(t->vm, &console_source_ops, con))
		return -ENOMEM;
	return 0;
}

int virtio_console_create_ports(const struct virtio_transport *t,
				const struct virtio_console_port *ports, unsigned n,
				struct virtio_console **out)
{
	struct virtio_console *con;
	int ret;

	if (!n || n > VIRTIO_CONSOLE_MAX_PORTS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (ports[i].name && strlen(ports[i].name) >= VIRTIO_CONSOLE_NAME_MAX)
			return -ENAMETOOLONG;
	con = console_alloc(ports, n);
	if (!con)
		return -ENOMEM;
	con->multiport = true;
	ret = console_register(t, con, VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT));
	if (!ret && out)
		*out = con;
	return ret;
}

/*
 * How far the output has got: the sum of the transmit queues' used
 * indexes (a chain goes back only once written), or -1 - that while the
 * guest has made more available. Read off the workers' threads once the
 * vCPUs have stopped: the fields are only compared, a stale read costs
 * one more round.
 */
static long console_tx_progress(struct virtio_console *con)
{
	long sum = 0;
	bool idle = true;

	for (unsigned i = 0; i < con->nr_ports; i++) {
		struct virtq *vq = &con->vdev.vqs[port_txq(i)];
		u16 done;

		if (!virtq_live(vq))
			continue;
		done = __atomic_load_n(&vq->used_idx, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE) != done)
			idle = false;
		sum += done;
	}
	return idle ? sum : -1 - sum;
}

int virtio_console_drain(struct virtio_console *con, unsigned stall_ms)
{
	long last = console_tx_progress(con), now;
	unsigned stalled = 0;

	while ((now = console_tx_progress(con)) < 0) {
		if (now != last) {
			last = now;
			stalled = 0;	/* moving, if slowly: the reader sets the pace */
		}
		if (stalled++ >= stall_ms)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}
