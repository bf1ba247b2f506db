/* SPDX-License-Identifier: GPL-2.0 */
/* Legacy x86 platform devices: 8250 UART, i8042, CMOS RTC. */
#ifndef KITE_HW_H
#define KITE_HW_H

#include "kvm.h"

#define COM1_BASE		0x3f8
#define SERIAL_RX_BUF		4096

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
/* The level kite last drove on the IRQ line (for tests). */
int serial8250_irq_level(struct serial8250 *s);

/* i8042: ports 0x60/0x64; the 0xFE command (pulse reset) stops the VM. */
int i8042_init(struct vm *vm);

#endif
