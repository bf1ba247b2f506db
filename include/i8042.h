/* SPDX-License-Identifier: GPL-2.0 */
/*
 * i8042 keyboard controller (hw/i8042.c): ports 0x60/0x64, IRQs 1 and 12,
 * and the CPU reset line that ends the VM.
 */
#ifndef KITE_I8042_H
#define KITE_I8042_H

#include "kvm.h"

/* Create the controller and register its ports on vm->pio_bus. */
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

#endif
