/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device bus: non-overlapping address ranges, each with a device's ops.
 * There is one for port I/O and one for MMIO. Lookups binary-search a
 * sorted array under a read lock, so vCPUs never contend with each other;
 * registration (setup, PCI BAR moves) takes the write lock.
 *
 * Handlers run on vCPU threads and must lock their own state. A handler
 * must not register on, unregister from or move ranges of the bus it was
 * called from (it holds that bus's read lock); changing the other bus is
 * fine (PCI config space on ports moves BARs on MMIO).
 */
#ifndef KITE_BUS_H
#define KITE_BUS_H

#include <pthread.h>

#include "util.h"

struct bus_dev;

struct bus_dev_ops {
	/* len is 1, 2, 4 or 8; offset is from the range's base. */
	void (*read)(struct bus_dev *dev, u64 offset, void *data, u32 len);
	void (*write)(struct bus_dev *dev, u64 offset, const void *data, u32 len);
};

struct bus_dev {
	u64 base;
	u64 len;
	const struct bus_dev_ops *ops;
	void *priv;
	const char *name;
	/*
	 * The machine's device registry: what its descriptions (device tree,
	 * ACPI DSDT, the kernel command line) say of a device a guest cannot
	 * find by probing. compat is the devicetree compatible string
	 * (include/compat.h), irq_mask its ISA interrupt lines (bit n: line
	 * n). NULL compat: nothing to describe (a PCI BAR, a second range).
	 */
	const char *compat;
	u32 irq_mask;
	/*
	 * Called without the bus lock: for a device whose handlers change
	 * this same bus (PCI ECAM: a config write maps and unmaps BARs on
	 * the MMIO bus it sits on, which under the read lock would wait for
	 * itself forever). Its owner keeps it registered and alive until
	 * the vCPUs have stopped.
	 */
	bool unlocked;
};

struct bus {
	pthread_rwlock_t lock;
	struct bus_dev **devs;		/* sorted by base */
	size_t nr;
	size_t cap;
	const char *name;
};

void bus_init(struct bus *bus, const char *name);
void bus_exit(struct bus *bus);
/* -EEXIST if the range overlaps a registered one, -EINVAL if empty/wraps. */
int bus_register(struct bus *bus, struct bus_dev *dev);
int bus_unregister(struct bus *bus, struct bus_dev *dev);
/* Move a registered range to new_base (a PCI BAR the guest reprogrammed). */
int bus_move(struct bus *bus, struct bus_dev *dev, u64 new_base);
/*
 * Dispatch an access that must lie wholly within one range. Returns false
 * if no device claims it; reads then see all ones, as on real hardware.
 */
bool bus_access(struct bus *bus, u64 addr, void *data, u32 len, bool is_write);
/*
 * Call fn for each range with a compat string, in address order, under
 * the read lock (fn must not change the bus). Returns how many there were.
 */
unsigned bus_for_each_described(struct bus *bus, void (*fn)(const struct bus_dev *dev, void *arg),
				void *arg);

#endif
