// SPDX-License-Identifier: GPL-2.0
/*
 * 8250/16550A UART. Transmit is instant, so THR is always empty; receive
 * comes from a host-side ring fed by the console loop. Interrupts follow
 * the 16550 priority rules the Linux driver expects, including the THRE
 * interrupt that fires when ETBEI is enabled while THR is already empty.
 *
 * Transmitted bytes go to the host through a term_ring (term.h) and are
 * never waited for. A real UART without flow control sends at line rate
 * whether anyone listens or not, and Linux's serial console busy-waits up
 * to 10 ms a character for THRE: holding THRE while stdout is full would
 * freeze a guest that prints, and a blocking write() would freeze the
 * vCPU and everything that must stop it. So a byte is written at once
 * (non-blocking) while nothing waits before it; once stdout stops taking
 * bytes they queue in the ring, the vCPU signals tx_efd, and the console
 * loop (kvm/run.c) writes the ring out on POLLOUT. A full ring drops and
 * counts; vm_run() flushes at exit with a bounded wait and reports drops.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "compat.h"
#include "hw.h"
#include "term.h"

enum {
	UART_RX = 0, UART_TX = 0, UART_DLL = 0,
	UART_IER = 1, UART_DLM = 1,
	UART_IIR = 2, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define IER_RDI		0x01	/* receive data available */
#define IER_THRI	0x02	/* THR empty */
#define IER_RLSI	0x04	/* line status */
#define IER_MSI		0x08	/* modem status */
#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO_BITS	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

struct serial8250 {
	struct bus_dev dev;
	struct vm *vm;
	pthread_mutex_t lock;
	u32 irq;
	struct term_out out;
	struct term_ring tx;		/* output stdout has not taken yet */
	int tx_efd;			/* signalled when tx stops being empty */
	int room_efd;
	int irq_level;

	u8 ier, fcr, lcr, mcr, msr, scr, dll, dlm;
	bool thri_pending;		/* THRE interrupt armed, not yet seen */

	u8 rx[SERIAL_RX_BUF];		/* ring: rx_head is the next byte out */
	size_t rx_head, rx_len;
};

static u8 rx_pop(struct serial8250 *s)
{
	u8 c = s->rx[s->rx_head];

	s->rx_head = (s->rx_head + 1) % SERIAL_RX_BUF;
	s->rx_len--;
	return c;
}

static void rx_push(struct serial8250 *s, u8 c)
{
	s->rx[(s->rx_head + s->rx_len) % SERIAL_RX_BUF] = c;
	s->rx_len++;
}

static u8 iir(const struct serial8250 *s)
{
	u8 fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_BITS : 0;

	if ((s->ier & IER_RDI) && s->rx_len)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thri_pending)
		return fifo | IIR_THRI;
	if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS))
		return fifo | IIR_MSI;
	return fifo | IIR_NO_INT;
}

/* Drive the IRQ line from the pending state; OUT2 gates it as on a PC. */
static void update_irq(struct serial8250 *s)
{
	int level = !(iir(s) & IIR_NO_INT) && (s->mcr & MCR_OUT2);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->vm->vm_fd >= 0)
		irq_set_line(s->vm, s->irq, level);
}

/* Modem status as seen by the guest: loopback wires MCR back into MSR. */
static u8 modem_status(const struct serial8250 *s)
{
	u8 m = s->mcr;

	if (!(s->mcr & MCR_LOOP))
		return (s->msr & MSR_DELTAS) | MSR_DCD | MSR_DSR | MSR_CTS;
	return (s->msr & MSR_DELTAS) |
	       ((m & MCR_DTR) ? MSR_DSR : 0) | ((m & MCR_RTS) ? MSR_CTS : 0) |
	       ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0);
}

/*
 * With bytes already waiting, the console loop is polling for POLLOUT and
 * will write this one after them; otherwise try now.
 */
static void transmit(struct serial8250 *s, u8 c)
{
	bool idle = !s->tx.len;

	s->thri_pending = true;
	if (s->mcr & MCR_LOOP) {
		if (s->rx_len < SERIAL_RX_BUF)
			rx_push(s, c);
		return;
	}
	if (!term_ring_put(&s->tx, &c, 1) || !idle)
		return;
	if (term_ring_flush(&s->tx, &s->out) == -EAGAIN && efd_signal(s->tx_efd))
		pr_debug("serial: cannot signal the console loop");
}

static void signal_room(struct serial8250 *s, bool was_full)
{
	if (was_full && efd_signal(s->room_efd))
		pr_debug("serial: cannot signal receive room");
}

static u8 reg_read(struct serial8250 *s, u64 off)
{
	bool dlab = s->lcr & LCR_DLAB;
	u8 v;

	switch (off) {
	case UART_RX:
		if (dlab)
			return s->dll;
		if (!s->rx_len)
			return 0;
		v = rx_pop(s);
		signal_room(s, s->rx_len == SERIAL_RX_BUF - 1);
		return v;
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		v = iir(s);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if ((v & 0x0f) == IIR_THRI)
			s->thri_pending = false;
		return v;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return (s->rx_len ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
	case UART_MSR:
		v = modem_status(s);
		s->msr &= ~MSR_DELTAS;
		return v;
	default:
		return s->scr;
	}
}

static void reg_write(struct serial8250 *s, u64 off, u8 v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off) {
	case UART_TX:
		if (dlab)
			s->dll = v;
		else
			transmit(s, v);
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI while THR is empty raises it (16550 behaviour). */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thri_pending = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		if ((v & FCR_CLEAR_RX) && s->rx_len) {
			bool was_full = s->rx_len == SERIAL_RX_BUF;

			s->rx_len = 0;
			signal_room(s, was_full);
		}
		s->fcr = v & (FCR_ENABLE | 0xc0);
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break;		/* read-only */
	default:
		s->scr = v;
	}
}

static void serial_read(struct bus_dev *dev, u64 off, void *data, u32 len)
{
	struct serial8250 *s = dev->priv;

	memset(data, 0, len);
	pthread_mutex_lock(&s->lock);
	*(u8 *)data = reg_read(s, off);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(struct bus_dev *dev, u64 off, const void *data, u32 len)
{
	struct serial8250 *s = dev->priv;

	pthread_mutex_lock(&s->lock);
	reg_write(s, off, *(const u8 *)data);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static const struct bus_dev_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

struct serial8250 *serial8250_create(struct vm *vm, u16 base, u32 irq, int out_fd)
{
	struct serial8250 *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->vm = vm;
	s->irq = irq;
	s->mcr = MCR_OUT2;
	s->lcr = 0x03;			/* 8N1 */
	s->dll = 0x0c;			/* 9600 baud */
	s->room_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->tx_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&s->lock, NULL);
	/* No usable stdout (closed): output is dropped and counted, as when a reader goes. */
	if (term_out_open(&s->out, out_fd))
		pr_debug("serial: output fd %d unusable: output is dropped", out_fd);
	s->dev = (struct bus_dev){ .base = base, .len = 8, .ops = &serial_ops,
				   .priv = s, .name = "serial8250",
				   .compat = COMPAT_UART_8250, .irq_mask = 1u << irq };
	if (s->room_efd < 0 || s->tx_efd < 0 || term_ring_init(&s->tx, SERIAL_TX_BUF) ||
	    bus_register(&vm->pio_bus, &s->dev)) {
		pr_err("cannot set up the UART at 0x%x", base);
		serial8250_destroy(s);
		return NULL;
	}
	return s;
}

void serial8250_destroy(struct serial8250 *s)
{
	if (!s)
		return;
	bus_unregister(&s->vm->pio_bus, &s->dev);
	/* What the console loop had no chance to write: one last try, no wait. */
	if (s->tx.buf)
		term_ring_flush(&s->tx, &s->out);
	term_ring_free(&s->tx);
	term_out_close(&s->out);
	if (s->room_efd >= 0)
		close(s->room_efd);
	if (s->tx_efd >= 0)
		close(s->tx_efd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t serial8250_feed(struct serial8250 *s, const u8 *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_len < SERIAL_RX_BUF)
		rx_push(s, buf[n++]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial8250_rx_room(struct serial8250 *s)
{
	size_t room;

	pthread_mutex_lock(&s->lock);
	room = SERIAL_RX_BUF - s->rx_len;
	pthread_mutex_unlock(&s->lock);
	return room;
}

int serial8250_room_fd(struct serial8250 *s)
{
	return s->room_efd;
}

int serial8250_irq_level(struct serial8250 *s)
{
	int level;

	pthread_mutex_lock(&s->lock);
	level = s->irq_level;
	pthread_mutex_unlock(&s->lock);
	return level;
}

void serial8250_tx_poll(struct serial8250 *s, struct pollfd *p)
{
	*p = (struct pollfd){ .fd = s->tx_efd, .events = POLLIN };
	pthread_mutex_lock(&s->lock);
	if (s->tx.len)
		p->fd = term_out_wait(&s->out, &p->events);
	pthread_mutex_unlock(&s->lock);
}

void serial8250_tx_flush(struct serial8250 *s)
{
	/* Drained before the ring is looked at: a later signal is never lost. */
	efd_drain(s->tx_efd);
	pthread_mutex_lock(&s->lock);
	term_ring_flush(&s->tx, &s->out);
	pthread_mutex_unlock(&s->lock);
}

u64 serial8250_tx_drain(struct serial8250 *s, unsigned stall_ms, unsigned max_ms)
{
	u64 dropped;

	pthread_mutex_lock(&s->lock);
	dropped = term_ring_drain(&s->tx, &s->out, stall_ms, max_ms);
	pthread_mutex_unlock(&s->lock);
	return dropped;
}
