/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flattened device tree kite writes to describe the machine it built:
 * RAM banks, CPUs (by APIC id), the local APIC and I/O APIC, the 8250 UART
 * on the ISA ports, and the devices a guest cannot discover on its own
 * (virtio-mmio). PCI devices are not listed: the guest probes them through
 * configuration mechanism #1.
 *
 * Interrupts use the I/O APIC binding (intel,ce4100-ioapic): two cells,
 * the GSI and a type (FDT_IRQ_*).
 *
 * (Named dtb.h because <fdt.h> is libfdt's own header.)
 */
#ifndef KITE_DTB_H
#define KITE_DTB_H

#include <stddef.h>

#include "kvm.h"

#define FDT_IRQ_EDGE_RISING	0
#define FDT_IRQ_LEVEL_LOW	1
#define FDT_IRQ_LEVEL_HIGH	2
#define FDT_IRQ_EDGE_FALLING	3

#define FDT_PHANDLE_IOAPIC	1
#define FDT_MAX_MMIO_DEVS	256

#define FDT_MAX_UARTS		4

/* A device of the registry: its range and its (edge-triggered ISA) line. */
struct fdt_dev {
	u64 base;
	u64 size;
	u32 irq;
};

/* What the tree describes: taken from a vm by fdt_dump, or built by tests. */
struct fdt_machine {
	struct { u64 gpa, size; } mem[2];
	unsigned nr_mem;
	unsigned nr_cpus;		/* APIC ids 0 .. nr_cpus - 1 */
	const char *bootargs;		/* NULL: no /chosen/bootargs */
	struct fdt_dev uart[FDT_MAX_UARTS];	/* 8250s on I/O ports; the first is stdout */
	unsigned nr_uart;
	struct fdt_dev mmio[FDT_MAX_MMIO_DEVS];	/* virtio-mmio slots */
	unsigned nr_mmio;
};

/*
 * Fill *m from what vm was built with (its RAM, vCPUs and the device
 * registry on its buses) and the command line the kernel boots with.
 */
void fdt_machine_from_vm(struct vm *vm, const char *bootargs, struct fdt_machine *m);

/*
 * Write the tree for m into buf (size bytes). Returns its total size, or
 * -FDT_ERR_NOSPACE and the other negative libfdt errors.
 */
int fdt_build(const struct fdt_machine *m, void *buf, size_t size);

/*
 * `kite run --dump-dtb FILE`: write the tree for vm to path. Prints a
 * one-line error and returns -errno on failure.
 */
int fdt_dump(struct vm *vm, const char *bootargs, const char *path);

#endif
