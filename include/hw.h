/* SPDX-License-Identifier: GPL-2.0 */
/* Legacy x86 platform devices: 8250 UART, i8042, CMOS RTC. */
#ifndef KITE_HW_H
#define KITE_HW_H

#include <time.h>

#include "kvm.h"

/* The PC's fixed ISA interrupt lines of the legacy devices. */
#define IRQ_I8042_KBD		1
#define IRQ_COM1		4
#define IRQ_RTC			8
#define IRQ_I8042_AUX		12

#define COM1_BASE		0x3f8
#define SERIAL_RX_BUF		4096
/*
 * Guest output waiting for a slow or absent stdout reader. 256 KiB holds a
 * whole Linux boot log a few times over, so a reader that starts late or
 * reads in bursts (a pager, a busy `| tee`) loses nothing of a boot, and it
 * is small enough that a stdout nobody reads costs little memory.
 */
#define SERIAL_TX_BUF		(256 * 1024)

struct serial8250;

/*
 * A 16550A at `base` raising `irq`, transmitting to out_fd. Received bytes
 * come from serial8250_feed() (the console loop). Registered on the VM's
 * port bus; freed by serial8250_destroy (or at VM teardown if attach_exit).
 */
struct serial8250 *serial8250_create(struct vm *vm, u16 base, u32 irq, int out_fd);
void serial8250_destroy(struct serial8250 *s);
/* Queue host input for the guest; returns how many bytes fit. */
size_t serial8250_feed(struct serial8250 *s, const u8 *buf, size_t len);
/* Free room in the receive buffer. */
size_t serial8250_rx_room(struct serial8250 *s);
/* Readable when the guest drained a full receive buffer (room appeared). */
int serial8250_room_fd(struct serial8250 *s);
/*
 * Transmit: what the console loop polls for. With output waiting, stdout
 * for POLLOUT (or term_out_wait's retry timer); else an eventfd that
 * becomes readable when output starts waiting. On any, call
 * serial8250_tx_flush (writes without blocking).
 */
struct pollfd;
void serial8250_tx_poll(struct serial8250 *s, struct pollfd *p);
void serial8250_tx_flush(struct serial8250 *s);
/*
 * At exit (vCPUs joined): flush with a bounded wait (term_ring_drain) and
 * return how many bytes of output were lost in all.
 */
u64 serial8250_tx_drain(struct serial8250 *s, unsigned stall_ms, unsigned max_ms);
/* The level kite last drove on the IRQ line (for tests). */
int serial8250_irq_level(struct serial8250 *s);

/*
 * The UART as the guest console (hw/serial-console.c): in_fd (stdin; -1
 * when another device reads it) feeds its receiver with Ctrl-A x
 * quitting, its output is flushed from the run loop and drained with a
 * bounded wait at the stop. Lives until the VM is torn down.
 */
int serial_console_attach(struct vm *vm, struct serial8250 *uart, int in_fd);

/*
 * i8042 (hw/i8042.c): ports 0x60/0x64, a PS/2 keyboard and mouse that
 * answer Linux's probes, IRQs 1 and 12; pulsing the reset line (0xFE)
 * stops the VM.
 */
int i8042_init(struct vm *vm);

/*
 * The controller without the bus, for its unit test: with vm NULL it
 * raises no interrupts and a reset only sets the flag i8042_lines reports.
 */
struct i8042;
struct i8042 *i8042_new(struct vm *vm);
void i8042_free(struct i8042 *c);
u8 i8042_port_read(struct i8042 *c, unsigned port);
void i8042_port_write(struct i8042 *c, unsigned port, u8 v);
void i8042_lines(struct i8042 *c, bool *kbd, bool *aux, bool *reset);
/* Rising edges on IRQ 1 or 12 so far: one per byte the guest can read. */
unsigned i8042_irq_rises(struct i8042 *c);

/* CMOS RTC (hw/rtc.c): ports 0x70/0x71, host time, 128 bytes of CMOS. */
int rtc_init(struct vm *vm);

/*
 * The RTC's register file without the VM around it, for hw/rtc.c and its
 * tests: time comes from the clock function (host time by default).
 */
#define RTC_NR_REGS	128

struct rtc {
	pthread_mutex_t lock;
	u8 index;			/* last value written to port 0x70, low 7 bits */
	u8 regs[RTC_NR_REGS];
	s64 offset;			/* guest time - host time, seconds */
	time_t (*clock)(u64 *nsec);	/* host UTC time */
	time_t last_tick;		/* guest second of the last update tick */
};

void rtc_reset(struct rtc *rtc, time_t (*clock)(u64 *nsec));
u8 rtc_port_read(struct rtc *rtc, unsigned port);
void rtc_port_write(struct rtc *rtc, unsigned port, u8 val);
/*
 * Interrupt timing, called with rtc->lock held: rtc_tick() raises the
 * flags that are due and returns true when the guest must get an edge
 * on IRQ 8; rtc_next_tick_ns() is when to call it next (0: never).
 */
bool rtc_tick(struct rtc *rtc);
u64 rtc_next_tick_ns(struct rtc *rtc);

/*
 * ACPI PM1 registers (hw/acpi-pm.c) at ACPI_PM_BASE, the FADT's fixed
 * hardware: writing SLP_TYP = S5 with SLP_EN powers the VM off.
 */
int acpi_pm_init(struct vm *vm);

#endif
