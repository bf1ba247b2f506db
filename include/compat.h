/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Devicetree compatible strings: how a device registers itself in the
 * machine's registry (bus_dev.compat) and how the describers (boot/:
 * device tree, ACPI, command line) know what it is.
 */
#ifndef KITE_COMPAT_H
#define KITE_COMPAT_H

#define COMPAT_UART_8250	"ns16550a"
#define COMPAT_RTC_CMOS		"motorola,mc146818"
#define COMPAT_I8042		"intel,8042"	/* data port; command port at +4 */
#define COMPAT_VIRTIO_MMIO	"virtio,mmio"

#endif
