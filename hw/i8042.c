// SPDX-License-Identifier: GPL-2.0
/*
 * i8042 keyboard controller on ports 0x60 (data) and 0x64 (status and
 * command), with a PS/2 keyboard on its first port and a PS/2 mouse on
 * its second, both without any input: just enough that Linux's i8042,
 * atkbd and psmouse drivers find everything they probe for and never
 * wait for a timeout. The one action with an effect outside is the
 * CPU reset line (command 0xFE, or an output-port write with bit 0
 * clear): Linux's reboot=k and kite's test guests end the VM with it.
 *
 * Every byte for the guest goes through one FIFO, tagged with the port it
 * came from (AUXDATA in the status register). The port's IRQ line (1 or
 * 12) is high while a byte from that port heads the FIFO and the command
 * byte enables its interrupt; it drops on each read, so every queued byte
 * is its own edge at the IOAPIC.
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "hw.h"

#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64

#define STR_OBF			0x01
#define STR_SYS			0x04
#define STR_CMD			0x08	/* last write was to the command port */
#define STR_UNLOCKED		0x10
#define STR_AUXDATA		0x20

#define CTR_KBDINT		0x01
#define CTR_AUXINT		0x02
#define CTR_SYS			0x04
#define CTR_KBDDIS		0x10
#define CTR_AUXDIS		0x20
#define CTR_XLATE		0x40

#define OUTPORT_RESET_HIGH	0x01	/* bit 0 low pulls the CPU reset line */
#define OUTPORT_A20		0x02

#define KBD_ACK			0xfa
#define KBD_BAT_OK		0xaa
#define FIFO_LEN		16

struct i8042 {
	struct bus_dev dev;
	struct vm *vm;
	pthread_mutex_t lock;
	u8 ctr;
	u8 outport;
	u8 status_cmd;		/* STR_CMD as last written */
	u8 pending;		/* controller command waiting for its data byte */
	u8 kbd_pending;		/* keyboard command waiting for its parameter */
	u8 aux_pending;		/* mouse command waiting for its parameter */
	u8 fifo[FIFO_LEN];
	bool fifo_aux[FIFO_LEN];
	unsigned head, count;
	bool kbd_line, aux_line;
	bool reset;		/* the guest pulled the reset line */
	unsigned rises;		/* rising edges on either line (for the tests) */
};

static void set_lines(struct i8042 *c, bool kbd_line, bool aux_line)
{
	/* With no VM (unit tests) the lines are only recorded. */
	if (c->vm && kbd_line != c->kbd_line)
		irq_set_line(c->vm, IRQ_I8042_KBD, kbd_line);
	if (c->vm && aux_line != c->aux_line)
		irq_set_line(c->vm, IRQ_I8042_AUX, aux_line);
	c->rises += (kbd_line && !c->kbd_line) + (aux_line && !c->aux_line);
	c->kbd_line = kbd_line;
	c->aux_line = aux_line;
}

static void update_irqs(struct i8042 *c)
{
	bool aux = c->count && c->fifo_aux[c->head];

	set_lines(c, c->count && !aux && (c->ctr & CTR_KBDINT),
		  c->count && aux && (c->ctr & CTR_AUXINT));
}

/* Queue a byte for the guest; a full FIFO drops it, like a busy device. */
static void push(struct i8042 *c, u8 v, bool aux)
{
	unsigned i;

	if (c->count == FIFO_LEN)
		return;
	i = (c->head + c->count++) % FIFO_LEN;
	c->fifo[i] = v;
	c->fifo_aux[i] = aux;
}

static u8 pop(struct i8042 *c)
{
	u8 v;

	if (!c->count)
		return c->fifo[(c->head + FIFO_LEN - 1) % FIFO_LEN];	/* last byte again */
	v = c->fifo[c->head];
	c->head = (c->head + 1) % FIFO_LEN;
	c->count--;
	return v;
}

static void reset_cpu(struct i8042 *c)
{
	c->reset = true;
	if (c->vm)
		vm_stop(c->vm, KITE_EXIT_GUEST_OFF);
}

/* A byte the guest sent to the keyboard (port 0x60, no controller command). */
static void kbd_write(struct i8042 *c, u8 v)
{
	if (c->kbd_pending) {
		u8 cmd = c->kbd_pending;

		c->kbd_pending = 0;
		push(c, KBD_ACK, false);
		if (cmd == 0xf0 && v == 0)	/* query the scan code set */
			push(c, 0x02, false);
		return;
	}
	switch (v) {
	case 0xed:	/* set LEDs */
	case 0xf0:	/* scan code set */
	case 0xf3:	/* typematic rate */
		c->kbd_pending = v;
		push(c, KBD_ACK, false);
		break;
	case 0xee:	/* echo */
		push(c, 0xee, false);
		break;
	case 0xf2:	/* identify: an MF2 keyboard */
		push(c, KBD_ACK, false);
		push(c, 0xab, false);
		push(c, 0x83, false);
		break;
	case 0xff:	/* reset and self-test */
		push(c, KBD_ACK, false);
		push(c, KBD_BAT_OK, false);
		break;
	default:	/* enable, disable, defaults, set-all-keys...: accepted */
		push(c, KBD_ACK, false);
		break;
	}
}

/* A byte the guest sent to the mouse (controller command 0xD4 first). */
static void aux_write(struct i8042 *c, u8 v)
{
	if (c->aux_pending) {
		c->aux_pending = 0;
		push(c, KBD_ACK, true);
		return;
	}
	switch (v) {
	case 0xe8:	/* set resolution */
	case 0xf3:	/* set sample rate */
		c->aux_pending = v;
		push(c, KBD_ACK, true);
		break;
	case 0xe9:	/* status: stream mode, disabled, 4 counts/mm, 100/s */
		push(c, KBD_ACK, true);
		push(c, 0x00, true);
		push(c, 0x02, true);
		push(c, 0x64, true);
		break;
	case 0xeb:	/* read data: no movement, no buttons */
		push(c, KBD_ACK, true);
		push(c, 0x08, true);
		push(c, 0x00, true);
		push(c, 0x00, true);
		break;
	case 0xf2:	/* identify: a plain PS/2 mouse */
		push(c, KBD_ACK, true);
		push(c, 0x00, true);
		break;
	case 0xff:	/* reset and self-test */
		push(c, KBD_ACK, true);
		push(c, KBD_BAT_OK, true);
		push(c, 0x00, true);
		break;
	default:
		push(c, KBD_ACK, true);
		break;
	}
}

static void data_write(struct i8042 *c, u8 v)
{
	u8 cmd = c->pending;

	c->pending = 0;
	switch (cmd) {
	case 0x60:	/* write command byte */
		c->ctr = v;
		break;
	case 0xd1:	/* write output port */
		c->outport = v;
		if (!(v & OUTPORT_RESET_HIGH))
			reset_cpu(c);
		break;
	case 0xd2:	/* as if the keyboard sent v */
		push(c, v, false);
		break;
	case 0xd3:	/* as if the mouse sent v: the loopback test */
		push(c, v, true);
		break;
	case 0xd4:	/* to the mouse */
		aux_write(c, v);
		break;
	case 0:
		kbd_write(c, v);
		break;
	default:	/* 0x61..0x7f: controller RAM, not kept */
		break;
	}
}

static void cmd_write(struct i8042 *c, u8 v)
{
	c->pending = 0;
	switch (v) {
	case 0x20:	/* read command byte */
		push(c, c->ctr, false);
		break;
	case 0xa7:	/* disable mouse port */
		c->ctr |= CTR_AUXDIS;
		break;
	case 0xa8:
		c->ctr &= ~CTR_AUXDIS;
		break;
	case 0xa9:	/* mouse port test: no error */
	case 0xab:	/* keyboard port test: no error */
		push(c, 0x00, false);
		break;
	case 0xaa:	/* controller self-test: passed */
		push(c, 0x55, false);
		break;
	case 0xad:	/* disable keyboard port */
		c->ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		c->ctr &= ~CTR_KBDDIS;
		break;
	case 0xc0:	/* read input port: keyboard not inhibited */
		push(c, 0x80, false);
		break;
	case 0xd0:	/* read output port */
		push(c, c->outport, false);
		break;
	case 0x60 ... 0x7f:
	case 0xd1 ... 0xd4:
		c->pending = v;
		break;
	default:
		/* 0xF0-0xFF pulse output lines; bit 0 clear pulses reset. */
		if (v >= 0xf0 && !(v & 1))
			reset_cpu(c);
		break;
	}
}

static u8 status(struct i8042 *c)
{
	u8 s = STR_UNLOCKED | c->status_cmd;

	if (c->ctr & CTR_SYS)
		s |= STR_SYS;
	if (c->count) {
		s |= STR_OBF;
		if (c->fifo_aux[c->head])
			s |= STR_AUXDATA;
	}
	return s;
}

u8 i8042_port_read(struct i8042 *c, unsigned port)
{
	u8 v;

	pthread_mutex_lock(&c->lock);
	if (port == I8042_CMD_PORT) {
		v = status(c);
	} else {
		v = pop(c);
		/*
		 * ISA interrupts are edges and Linux takes one byte per
		 * interrupt: drop the line so the next byte raises it anew.
		 */
		set_lines(c, false, false);
		update_irqs(c);
	}
	pthread_mutex_unlock(&c->lock);
	return v;
}

void i8042_port_write(struct i8042 *c, unsigned port, u8 v)
{
	pthread_mutex_lock(&c->lock);
	if (port == I8042_CMD_PORT) {
		c->status_cmd = STR_CMD;
		cmd_write(c, v);
	} else {
		c->status_cmd = 0;
		data_write(c, v);
	}
	update_irqs(c);
	pthread_mutex_unlock(&c->lock);
}

static void i8042_bus_read(struct bus_dev *dev, u64 off, void *data, u32 len)
{
	memset(data, 0xff, len);
	*(u8 *)data = i8042_port_read(dev->priv, dev->base + off);
}

static void i8042_bus_write(struct bus_dev *dev, u64 off, const void *data, u32 len)
{
	i8042_port_write(dev->priv, dev->base + off, *(const u8 *)data);
}

static const struct bus_dev_ops i8042_ops = {
	.read = i8042_bus_read,
	.write = i8042_bus_write,
};

struct i8042 *i8042_new(struct vm *vm)
{
	struct i8042 *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->vm = vm;
	pthread_mutex_init(&c->lock, NULL);
	/* What firmware leaves: both ports on, interrupts on, translation on. */
	c->ctr = CTR_KBDINT | CTR_AUXINT | CTR_SYS | CTR_XLATE;
	c->outport = OUTPORT_RESET_HIGH | OUTPORT_A20;
	return c;
}

unsigned i8042_irq_rises(struct i8042 *c)
{
	unsigned n;

	pthread_mutex_lock(&c->lock);
	n = c->rises;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void i8042_lines(struct i8042 *c, bool *kbd, bool *aux, bool *reset)
{
	pthread_mutex_lock(&c->lock);
	*kbd = c->kbd_line;
	*aux = c->aux_line;
	*reset = c->reset;
	pthread_mutex_unlock(&c->lock);
}

void i8042_free(struct i8042 *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct i8042_ports {
	struct bus_dev data, cmd;
	struct i8042 *c;
	struct vm *vm;
};

static void i8042_exit(void *arg)
{
	struct i8042_ports *p = arg;

	bus_unregister(&p->vm->pio_bus, &p->data);
	bus_unregister(&p->vm->pio_bus, &p->cmd);
	i8042_free(p->c);
	free(p);
}

int i8042_init(struct vm *vm)
{
	struct i8042_ports *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->c = i8042_new(vm);
	if (!p->c) {
		free(p);
		return -ENOMEM;
	}
	p->data = (struct bus_dev){ .base = I8042_DATA_PORT, .len = 1, .ops = &i8042_ops,
				    .priv = p->c, .name = "i8042-data", .compat = COMPAT_I8042,
				    .irq_mask = 1u << IRQ_I8042_KBD | 1u << IRQ_I8042_AUX };
	p->cmd = (struct bus_dev){ .base = I8042_CMD_PORT, .len = 1, .ops = &i8042_ops,
				   .priv = p->c, .name = "i8042-cmd" };
	ret = bus_register(&vm->pio_bus, &p->data);
	if (!ret) {
		ret = bus_register(&vm->pio_bus, &p->cmd);
		if (ret)
			bus_unregister(&vm->pio_bus, &p->data);
	}
	if (ret) {
		i8042_free(p->c);
		free(p);
		return ret;
	}
	ret = vm_on_exit(vm, i8042_exit, p);
	if (ret)
		i8042_exit(p);
	return ret;
}
