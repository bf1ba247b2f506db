// SPDX-License-Identifier: GPL-2.0
/*
 * i8042 keyboard controller, as far as kite needs it: the 0xFE command
 * (pulse the reset line) is how `reboot=k` guests and kite's test guests
 * stop the VM. The status register reads "no data, ready for input".
 */
#include <stdlib.h>
#include <string.h>

#include "hw.h"

#define I8042_DATA		0x60
#define I8042_CMD		0x64
#define I8042_CMD_RESET		0xfe

struct i8042 {
	struct bus_dev data;
	struct bus_dev cmd;
	struct vm *vm;
};

static void i8042_read(struct bus_dev *dev, u64 off, void *data, u32 len)
{
	memset(data, 0, len);
}

static void i8042_write(struct bus_dev *dev, u64 off, const void *data, u32 len)
{
	struct i8042 *k = dev->priv;

	if (dev == &k->cmd && *(const u8 *)data == I8042_CMD_RESET)
		vm_stop(k->vm, KITE_EXIT_GUEST_OFF);
}

static const struct bus_dev_ops i8042_ops = {
	.read = i8042_read,
	.write = i8042_write,
};

static void i8042_free(void *arg)
{
	struct i8042 *k = arg;

	bus_unregister(&k->vm->pio_bus, &k->data);
	bus_unregister(&k->vm->pio_bus, &k->cmd);
	free(k);
}

int i8042_init(struct vm *vm)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->vm = vm;
	k->data = (struct bus_dev){ .base = I8042_DATA, .len = 1, .ops = &i8042_ops,
				    .priv = k, .name = "i8042-data" };
	k->cmd = (struct bus_dev){ .base = I8042_CMD, .len = 1, .ops = &i8042_ops,
				   .priv = k, .name = "i8042-cmd" };
	if (bus_register(&vm->pio_bus, &k->data) || bus_register(&vm->pio_bus, &k->cmd) ||
	    vm_on_exit(vm, i8042_free, k)) {
		pr_err("cannot set up the i8042 controller");
		i8042_free(k);
		return -EEXIST;
	}
	return 0;
}
