/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI without a guest, shared by test-pci, test-msix and test-virtio-pci:
 * configuration mechanism #1 driven through vm->pio_bus exactly as a
 * vCPU's port I/O would, BARs through vm->mmio_bus, and a fake irq layer
 * (struct pci_irq_ops) that records the routes, irqfds and ioeventfds the
 * devices ask KVM for. One test program includes it once.
 */
#ifndef KITE_TEST_PCI_HARNESS_H
#define KITE_TEST_PCI_HARNESS_H

#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <linux/virtio_pci.h>

#include "pci.h"
#include "virtio.h"
#include "test.h"

/* ---- the fake irq layer ---- */

#define MAX_ROUTES	64
#define MAX_IOEVENTFDS	64

struct fake_route { u64 addr; u32 data; unsigned updates; };
struct fake_ioeventfd { int efd; u64 addr; u32 len; bool live; };

static struct fake_route routes[MAX_ROUTES];
static unsigned nr_routes;
static int irqfd_gsi[1024];		/* by efd: the GSI it is bound to, -1: none */
static struct fake_ioeventfd ioevs[MAX_IOEVENTFDS];
static unsigned nr_ioevs;
static unsigned nr_signal_msi;

static inline int fake_add_msi_route(struct vm *vm, u64 addr, u32 data)
{
	if (nr_routes == MAX_ROUTES)
		return -ENOSPC;
	routes[nr_routes] = (struct fake_route){ .addr = addr, .data = data };
	return IRQ_FIRST_MSI_GSI + nr_routes++;
}

static inline int fake_update_msi_route(struct vm *vm, u32 gsi, u64 addr, u32 data)
{
	struct fake_route *r = &routes[gsi - IRQ_FIRST_MSI_GSI];

	ck_assert_uint_lt(gsi - IRQ_FIRST_MSI_GSI, nr_routes);
	r->addr = addr;
	r->data = data;
	r->updates++;
	return 0;
}

static inline int fake_irqfd_assign(struct vm *vm, int efd, u32 gsi)
{
	ck_assert_int_lt(efd, 1024);
	irqfd_gsi[efd] = gsi;
	return 0;
}

static inline int fake_irqfd_deassign(struct vm *vm, int efd, u32 gsi)
{
	ck_assert_int_eq(irqfd_gsi[efd], gsi);
	irqfd_gsi[efd] = -1;
	return 0;
}

static inline int fake_ioeventfd_assign(struct vm *vm, int efd, u64 addr, u32 len, bool pio)
{
	ck_assert(!pio);
	unsigned slot = nr_ioevs;

	for (unsigned i = 0; i < nr_ioevs; i++) {
		if (ioevs[i].live && ioevs[i].addr == addr)
			return -EEXIST;
		if (!ioevs[i].live)
			slot = i;
	}
	if (slot == MAX_IOEVENTFDS)
		return -ENOSPC;
	ioevs[slot] = (struct fake_ioeventfd){ .efd = efd, .addr = addr, .len = len, .live = true };
	if (slot == nr_ioevs)
		nr_ioevs++;
	return 0;
}

static inline int fake_ioeventfd_deassign(struct vm *vm, int efd, u64 addr, u32 len, bool pio)
{
	for (unsigned i = 0; i < nr_ioevs; i++) {
		if (ioevs[i].live && ioevs[i].efd == efd && ioevs[i].addr == addr &&
		    ioevs[i].len == len) {
			ioevs[i].live = false;
			return 0;
		}
	}
	ck_abort_msg("deassign of an ioeventfd never assigned: %#llx", (unsigned long long)addr);
	return -ENOENT;
}

static inline int fake_signal_msi(struct vm *vm, u64 addr, u32 data)
{
	nr_signal_msi++;
	return 0;
}

static int line_level[IRQ_FIRST_MSI_GSI];
static unsigned nr_set_line;

static inline int fake_set_line(struct vm *vm, u32 gsi, int level)
{
	ck_assert_uint_lt(gsi, IRQ_FIRST_MSI_GSI);
	line_level[gsi] = level;
	nr_set_line++;
	return 0;
}

static const struct pci_irq_ops fake_irq = {
	.add_msi_route = fake_add_msi_route,
	.update_msi_route = fake_update_msi_route,
	.irqfd_assign = fake_irqfd_assign,
	.irqfd_deassign = fake_irqfd_deassign,
	.ioeventfd_assign = fake_ioeventfd_assign,
	.ioeventfd_deassign = fake_ioeventfd_deassign,
	.signal_msi = fake_signal_msi,
	.set_line = fake_set_line,
};

/* The live ioeventfd at addr, or NULL. */
static inline struct fake_ioeventfd *ioevent_at(u64 addr)
{
	for (unsigned i = 0; i < nr_ioevs; i++)
		if (ioevs[i].live && ioevs[i].addr == addr)
			return &ioevs[i];
	return NULL;
}

/* ---- a VM with buses and a host bridge ---- */

static struct vm vm;
static struct pci_host host;
static void *test_ram;

static inline void host_exit(void *arg)
{
	pci_host_exit(arg);
}

/*
 * A VM without KVM (vm_init_bare) with the host bridge on the fake irq
 * layer, torn down the way kite does it: vm_destroy runs the exit hooks
 * (devices first, the host bridge last) and frees the buses.
 */
static inline void setup(void)
{
	ck_assert_int_eq(vm_init_bare(&vm, NULL), 0);
	memset(routes, 0, sizeof(routes));
	nr_routes = nr_ioevs = nr_signal_msi = nr_set_line = 0;
	memset(line_level, 0, sizeof(line_level));
	memset(irqfd_gsi, 0xff, sizeof(irqfd_gsi));
	ck_assert_int_eq(pci_host_init(&host, &vm, &fake_irq), 0);
	ck_assert_int_eq(vm_on_exit(&vm, host_exit, &host), 0);
}

static inline void teardown(void)
{
	vm_destroy(&vm);
	free(test_ram);
	test_ram = NULL;
}

static inline u32 cfg_addr(unsigned slot, unsigned fn, unsigned reg)
{
	return PCI_CONF1_ENABLE | slot << 11 | fn << 8 | (reg & 0xfc);
}

static inline void outl(u16 port, u32 v)
{
	bus_access(&vm.pio_bus, port, &v, 4, true);
}

static inline u32 inl(u16 port)
{
	u32 v;

	bus_access(&vm.pio_bus, port, &v, 4, false);
	return v;
}

/* Read `len` bytes of config register `reg` of slot.fn, as Linux's type 1 accessors do. */
static inline u32 cfg_read(unsigned slot, unsigned fn, unsigned reg, u32 len)
{
	u32 v = 0;

	outl(PCI_CONF1_ADDR_PORT, cfg_addr(slot, fn, reg));
	bus_access(&vm.pio_bus, PCI_CONF1_DATA_PORT + (reg & 3), &v, len, false);
	return v;
}

static inline void cfg_write(unsigned slot, unsigned fn, unsigned reg, u32 v, u32 len)
{
	outl(PCI_CONF1_ADDR_PORT, cfg_addr(slot, fn, reg));
	bus_access(&vm.pio_bus, PCI_CONF1_DATA_PORT + (reg & 3), &v, len, true);
}

static inline u32 cfg32(unsigned slot, unsigned reg) { return cfg_read(slot, 0, reg, 4); }
static inline u16 cfg16(unsigned slot, unsigned reg) { return cfg_read(slot, 0, reg, 2); }
static inline u8 cfg8(unsigned slot, unsigned reg) { return cfg_read(slot, 0, reg, 1); }

static inline u32 mmio_read(u64 addr, u32 len, bool *hit)
{
	u64 v = 0;
	bool h = bus_access(&vm.mmio_bus, addr, &v, len, false);

	if (hit)
		*hit = h;
	return v;
}

static inline u64 mmio_read64(u64 addr)
{
	u64 v = 0;

	ck_assert(bus_access(&vm.mmio_bus, addr, &v, 8, false));
	return v;
}

static inline bool mmio_write(u64 addr, u64 v, u32 len)
{
	return bus_access(&vm.mmio_bus, addr, &v, len, true);
}

/* ---- a plain test device: two BARs answering with their offset ---- */

struct tdev {
	struct pci_dev pdev;
	u64 last_write_off;
	u32 last_write_val;
	unsigned nr_maps, nr_unmaps;
	u32 mapped_at[PCI_NR_BARS];
};

static inline void tdev_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	u64 v = 0xab000000 | off;

	memcpy(data, &v, len);
}

static inline void tdev_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct tdev *t = bd->priv;

	t->last_write_off = off;
	t->last_write_val = 0;
	memcpy(&t->last_write_val, data, MIN(len, 4));
}

static const struct bus_dev_ops tdev_bar_ops = { .read = tdev_read, .write = tdev_write };

static inline void tdev_bar_mapped(struct pci_dev *pdev, int bar, u32 addr, bool mapped)
{
	struct tdev *t = pdev->priv;

	if (mapped) {
		t->nr_maps++;
		t->mapped_at[bar] = addr;
	} else {
		t->nr_unmaps++;
		t->mapped_at[bar] = 0;
	}
}

static const struct pci_dev_ops tdev_ops = { .bar_mapped = tdev_bar_mapped };

static inline int tdev_add(struct tdev *t, u32 bar0, u32 bar2)
{
	memset(t, 0, sizeof(*t));
	pci_dev_init(&t->pdev, "tdev", 0x1234, 0x5678, 0xff0000, 0x1234, 0x0001);
	t->pdev.ops = &tdev_ops;
	t->pdev.priv = t;
	if (bar0)
		ck_assert_int_eq(pci_dev_add_bar(&t->pdev, 0, bar0, &tdev_bar_ops, t), 0);
	if (bar2)
		ck_assert_int_eq(pci_dev_add_bar(&t->pdev, 2, bar2, &tdev_bar_ops, t), 0);
	return pci_register(&host, &t->pdev);
}


#endif
