// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel command line kite boots with. Devices Linux cannot probe
 * for on x86 without ACPI tables for them (virtio-mmio) are announced
 * here, generated from the machine's registry, so that the line booted
 * and the one the device tree shows are the same string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "compat.h"

struct line {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void line_add(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->oom)
		return;
	if (l->len + n + 2 > l->cap) {
		size_t cap = MAX(l->cap * 2, l->len + n + 2);
		char *b = realloc(l->buf, cap);

		if (!b) {
			l->oom = true;
			return;
		}
		l->buf = b;
		l->cap = cap;
	}
	if (l->len)
		l->buf[l->len++] = ' ';
	memcpy(l->buf + l->len, s, n + 1);
	l->len += n;
}

static void add_mmio_device(const struct bus_dev *dev, void *arg)
{
	char arg_buf[80];

	if (strcmp(dev->compat, COMPAT_VIRTIO_MMIO) || !dev->irq_mask)
		return;
	snprintf(arg_buf, sizeof(arg_buf), "virtio_mmio.device=%lluK@0x%llx:%u",
		 (unsigned long long)(dev->len / KiB), (unsigned long long)dev->base,
		 __builtin_ctz(dev->irq_mask));
	line_add(arg, arg_buf);
}

char *boot_cmdline(struct vm *vm, const char *base, const char *extra)
{
	struct line l = { 0 };

	line_add(&l, base ? base : BOOT_DEFAULT_CMDLINE);
	bus_for_each_described(&vm->mmio_bus, add_mmio_device, &l);
	if (extra && *extra)
		line_add(&l, extra);
	if (l.oom) {
		free(l.buf);
		return NULL;
	}
	return l.buf;
}
