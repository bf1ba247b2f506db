// SPDX-License-Identifier: GPL-2.0
/*
 * PCI without a guest: configuration mechanism #1 driven through
 * vm->pio_bus exactly as a vCPU's port I/O would, BARs through
 * vm->mmio_bus, and a fake irq layer (struct pci_irq_ops) that records
 * the routes, irqfds and ioeventfds the devices ask KVM for.
 */
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

static int fake_add_msi_route(struct vm *vm, u64 addr, u32 data)
{
	if (nr_routes == MAX_ROUTES)
		return -ENOSPC;
	routes[nr_routes] = (struct fake_route){ .addr = addr, .data = data };
	return IRQ_FIRST_MSI_GSI + nr_routes++;
}

static int fake_update_msi_route(struct vm *vm, u32 gsi, u64 addr, u32 data)
{
	struct fake_route *r = &routes[gsi - IRQ_FIRST_MSI_GSI];

	ck_assert_uint_lt(gsi - IRQ_FIRST_MSI_GSI, nr_routes);
	r->addr = addr;
	r->data = data;
	r->updates++;
	return 0;
}

static int fake_irqfd_assign(struct vm *vm, int efd, u32 gsi)
{
	ck_assert_int_lt(efd, 1024);
	irqfd_gsi[efd] = gsi;
	return 0;
}

static int fake_irqfd_deassign(struct vm *vm, int efd, u32 gsi)
{
	ck_assert_int_eq(irqfd_gsi[efd], gsi);
	irqfd_gsi[efd] = -1;
	return 0;
}

static int fake_ioeventfd_assign(struct vm *vm, int efd, u64 addr, u32 len, bool pio)
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

static int fake_ioeventfd_deassign(struct vm *vm, int efd, u64 addr, u32 len, bool pio)
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

static int fake_signal_msi(struct vm *vm, u64 addr, u32 data)
{
	nr_signal_msi++;
	return 0;
}

static int line_level[IRQ_FIRST_MSI_GSI];
static unsigned nr_set_line;

static int fake_set_line(struct vm *vm, u32 gsi, int level)
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
static struct fake_ioeventfd *ioevent_at(u64 addr)
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

static void host_exit(void *arg)
{
	pci_host_exit(arg);
}

/*
 * A VM without KVM (vm_init_bare) with the host bridge on the fake irq
 * layer, torn down the way kite does it: vm_destroy runs the exit hooks
 * (devices first, the host bridge last) and frees the buses.
 */
static void setup(void)
{
	ck_assert_int_eq(vm_init_bare(&vm, NULL), 0);
	memset(routes, 0, sizeof(routes));
	nr_routes = nr_ioevs = nr_signal_msi = nr_set_line = 0;
	memset(line_level, 0, sizeof(line_level));
	memset(irqfd_gsi, 0xff, sizeof(irqfd_gsi));
	ck_assert_int_eq(pci_host_init(&host, &vm, &fake_irq), 0);
	ck_assert_int_eq(vm_on_exit(&vm, host_exit, &host), 0);
}

static void teardown(void)
{
	vm_destroy(&vm);
	free(test_ram);
	test_ram = NULL;
}

static u32 cfg_addr(unsigned slot, unsigned fn, unsigned reg)
{
	return PCI_CONF1_ENABLE | slot << 11 | fn << 8 | (reg & 0xfc);
}

static void outl(u16 port, u32 v)
{
	bus_access(&vm.pio_bus, port, &v, 4, true);
}

static u32 inl(u16 port)
{
	u32 v;

	bus_access(&vm.pio_bus, port, &v, 4, false);
	return v;
}

/* Read `len` bytes of config register `reg` of slot.fn, as Linux's type 1 accessors do. */
static u32 cfg_read(unsigned slot, unsigned fn, unsigned reg, u32 len)
{
	u32 v = 0;

	outl(PCI_CONF1_ADDR_PORT, cfg_addr(slot, fn, reg));
	bus_access(&vm.pio_bus, PCI_CONF1_DATA_PORT + (reg & 3), &v, len, false);
	return v;
}

static void cfg_write(unsigned slot, unsigned fn, unsigned reg, u32 v, u32 len)
{
	outl(PCI_CONF1_ADDR_PORT, cfg_addr(slot, fn, reg));
	bus_access(&vm.pio_bus, PCI_CONF1_DATA_PORT + (reg & 3), &v, len, true);
}

static u32 cfg32(unsigned slot, unsigned reg) { return cfg_read(slot, 0, reg, 4); }
static u16 cfg16(unsigned slot, unsigned reg) { return cfg_read(slot, 0, reg, 2); }
static u8 cfg8(unsigned slot, unsigned reg) { return cfg_read(slot, 0, reg, 1); }

static u32 mmio_read(u64 addr, u32 len, bool *hit)
{
	u64 v = 0;
	bool h = bus_access(&vm.mmio_bus, addr, &v, len, false);

	if (hit)
		*hit = h;
	return v;
}

static u64 mmio_read64(u64 addr)
{
	u64 v = 0;

	ck_assert(bus_access(&vm.mmio_bus, addr, &v, 8, false));
	return v;
}

static bool mmio_write(u64 addr, u64 v, u32 len)
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

static void tdev_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	u64 v = 0xab000000 | off;

	memcpy(data, &v, len);
}

static void tdev_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct tdev *t = bd->priv;

	t->last_write_off = off;
	t->last_write_val = 0;
	memcpy(&t->last_write_val, data, MIN(len, 4));
}

static const struct bus_dev_ops tdev_bar_ops = { .read = tdev_read, .write = tdev_write };

static void tdev_bar_mapped(struct pci_dev *pdev, int bar, u32 addr, bool mapped)
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

static int tdev_add(struct tdev *t, u32 bar0, u32 bar2)
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

/* ---- configuration mechanism #1 ---- */

START_TEST(host_bridge_identity)
{
	ck_assert_uint_eq(cfg16(0, PCI_VENDOR_ID), PCI_VENDOR_ID_REDHAT);
	ck_assert_uint_eq(cfg16(0, PCI_DEVICE_ID), PCI_DEVICE_ID_REDHAT_HOST);
	ck_assert_uint_eq(cfg32(0, PCI_CLASS_REVISION) >> 8, 0x060000);
	ck_assert_uint_eq(cfg8(0, PCI_HEADER_TYPE), PCI_HEADER_TYPE_NORMAL);
	/* No BARs: sizing one reads back zero. */
	cfg_write(0, 0, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(0, PCI_BASE_ADDRESS_0), 0);
}
END_TEST

START_TEST(address_register)
{
	/* Linux's pci_check_type1(): a dword at 0xCF8 reads back what was written. */
	outl(PCI_CONF1_ADDR_PORT, 0x80000000);
	ck_assert_uint_eq(inl(PCI_CONF1_ADDR_PORT), 0x80000000);
	/* Bits 1:0 are hardwired to zero. */
	outl(PCI_CONF1_ADDR_PORT, 0x80001807);
	ck_assert_uint_eq(inl(PCI_CONF1_ADDR_PORT), 0x80001804);
	/* A byte write to 0xCFB (the type 1 probe does one) leaves it alone. */
	{
		u8 b = 0x01;
		u16 w;

		bus_access(&vm.pio_bus, 0xcfb, &b, 1, true);
		ck_assert_uint_eq(inl(PCI_CONF1_ADDR_PORT), 0x80001804);
		bus_access(&vm.pio_bus, 0xcfa, &w, 2, false);
		ck_assert_uint_eq(w, 0xffff);
	}
}
END_TEST

START_TEST(absent_functions_read_all_ones)
{
	static struct tdev t;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	/* Empty slot, function 1 of a present device, bus 1. */
	ck_assert_uint_eq(cfg32(2, PCI_VENDOR_ID), 0xffffffff);
	ck_assert_uint_eq(cfg16(31, PCI_VENDOR_ID), 0xffff);
	ck_assert_uint_eq(cfg_read(1, 1, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(1, 7, PCI_VENDOR_ID, 1), 0xff);
	outl(PCI_CONF1_ADDR_PORT, PCI_CONF1_ENABLE | 1 << 16 | 1 << 11);
	ck_assert_uint_eq(inl(PCI_CONF1_DATA_PORT), 0xffffffff);
	/* Enable bit clear, or the reserved/extended-register bits set. */
	outl(PCI_CONF1_ADDR_PORT, 1 << 11);
	ck_assert_uint_eq(inl(PCI_CONF1_DATA_PORT), 0xffffffff);
	outl(PCI_CONF1_ADDR_PORT, cfg_addr(1, 0, 0) | 0x01000000);
	ck_assert_uint_eq(inl(PCI_CONF1_DATA_PORT), 0xffffffff);
	/* And the device itself is there. */
	ck_assert_uint_eq(cfg32(1, PCI_VENDOR_ID), 0x56781234);
	/* Writes to nothing go nowhere. */
	cfg_write(2, 0, PCI_COMMAND, 0xffff, 2);
	cfg_write(1, 1, PCI_COMMAND, 0, 2);
	ck_assert(cfg16(1, PCI_COMMAND) & PCI_COMMAND_MEMORY);
}
END_TEST

START_TEST(sub_dword_accesses)
{
	static struct tdev t;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	/* Bytes and words at 0xCFC-0xCFF select bytes of the dword. */
	ck_assert_uint_eq(cfg_read(1, 0, PCI_VENDOR_ID + 1, 1), 0x12);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_DEVICE_ID, 2), 0x5678);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_DEVICE_ID + 1, 1), 0x56);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_INTERRUPT_LINE, 1), 0);
	/* A byte write to the interrupt line leaves its neighbours alone. */
	cfg_write(1, 0, PCI_INTERRUPT_LINE, 0x0b, 1);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_INTERRUPT_LINE, 1), 0x0b);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_INTERRUPT_PIN, 1), 0);
	/* Read-only registers stay what they were. */
	cfg_write(1, 0, PCI_VENDOR_ID, 0xdeadbeef, 4);
	cfg_write(1, 0, PCI_CLASS_REVISION + 2, 0xffff, 2);
	ck_assert_uint_eq(cfg32(1, PCI_VENDOR_ID), 0x56781234);
	ck_assert_uint_eq(cfg32(1, PCI_CLASS_REVISION), 0xff000000);
	/* Word at 0xCFE: the high half of COMMAND/STATUS is STATUS. */
	ck_assert_uint_eq(cfg_read(1, 0, PCI_STATUS, 2), 0);
}
END_TEST

/* ---- BARs ---- */

START_TEST(bars_assigned_in_window)
{
	static struct tdev a, b;
	u32 a0, b0, b2;

	ck_assert_int_eq(tdev_add(&a, 4096, 0), 1);
	ck_assert_int_eq(tdev_add(&b, 16, 64 * KiB), 2);
	a0 = cfg32(1, PCI_BASE_ADDRESS_0);
	b0 = cfg32(2, PCI_BASE_ADDRESS_0);
	b2 = cfg32(2, PCI_BASE_ADDRESS_2);
	/* 32-bit memory, non-prefetchable: type bits zero. */
	ck_assert_uint_eq(a0 & 0xf, 0);
	for (int i = 0; i < 3; i++) {
		u32 addr = (u32[]){ a0, b0, b2 }[i], size = (u32[]){ 4096, 16, 64 * KiB }[i];

		ck_assert_uint_ge(addr, PCI_MMIO_START);
		ck_assert_uint_le((u64)addr + size, PCI_MMIO_START + PCI_MMIO_SIZE);
		ck_assert_uint_eq(addr % size, 0);
	}
	ck_assert(b0 + 16 <= b2 || b2 + 64 * KiB <= b0);
	ck_assert(a0 + 4096 <= b0);
	/* Decoding, as firmware would leave it. */
	ck_assert(cfg16(1, PCI_COMMAND) & PCI_COMMAND_MEMORY);
	ck_assert_uint_eq(mmio_read(b2 + 0x10, 4, NULL), 0xab000010);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 2), b2);
	ck_assert_uint_eq(b.mapped_at[2], b2);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 1), 0);
}
END_TEST

START_TEST(bar_sizing)
{
	static struct tdev t;
	u32 orig;

	ck_assert_int_eq(tdev_add(&t, 4096, 64 * KiB), 1);
	orig = cfg32(1, PCI_BASE_ADDRESS_0);
	/* Linux's __pci_read_base: decode off, all ones, read, restore. */
	cfg_write(1, 0, PCI_COMMAND, 0, 2);
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), 0xfffff000);
	cfg_write(1, 0, PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_2), 0xffff0000);
	/* Unimplemented BARs stay zero. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_1), 0);
	cfg_write(1, 0, PCI_ROM_ADDRESS, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_ROM_ADDRESS), 0);
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, orig, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), orig);
	/* Nothing was decoded while sizing. */
	ck_assert_uint_eq(t.nr_unmaps, 2);
	ck_assert_uint_eq(t.nr_maps, 2);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(t.nr_maps, 4);
	ck_assert_uint_eq(mmio_read(orig, 4, NULL), 0xab000000);
}
END_TEST

START_TEST(memory_enable_bit)
{
	static struct tdev t;
	u32 bar;
	bool hit;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	bar = cfg32(1, PCI_BASE_ADDRESS_0);
	ck_assert(mmio_write(bar + 8, 0x55, 4));
	ck_assert_uint_eq(t.last_write_off, 8);
	ck_assert_uint_eq(t.last_write_val, 0x55);

	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
	ck_assert_uint_eq(mmio_read(bar, 4, &hit), 0xffffffff);
	ck_assert(!hit);
	ck_assert(!mmio_write(bar + 8, 0x66, 4));
	ck_assert_uint_eq(t.last_write_val, 0x55);
	ck_assert_uint_eq(pci_bar_addr(&t.pdev, 0), 0);

	/* The high byte of COMMAND alone does not touch decoding. */
	cfg_write(1, 0, PCI_COMMAND + 1, PCI_COMMAND_INTX_DISABLE >> 8, 1);
	ck_assert(!(cfg16(1, PCI_COMMAND) & PCI_COMMAND_MEMORY));
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	ck_assert_uint_eq(mmio_read(bar + 4, 4, &hit), 0xab000004);
	ck_assert(hit);
}
END_TEST

START_TEST(bar_relocation_moves_handler)
{
	static struct tdev t;
	u32 old, new = 0xe0000000;
	bool hit;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	old = cfg32(1, PCI_BASE_ADDRESS_0);
	/* Moved while decoding (a guest need not turn decode off). */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, new, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), new);
	ck_assert_uint_eq(mmio_read(new + 0x20, 4, &hit), 0xab000020);
	ck_assert(hit);
	mmio_read(old + 0x20, 4, &hit);
	ck_assert(!hit);
	ck_assert_uint_eq(t.mapped_at[0], new);
	ck_assert_uint_eq(pci_bar_addr(&t.pdev, 0), new);

	/* Low bits of the address are not writable: it stays aligned. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xe0010abc, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), 0xe0010000);
	ck_assert_uint_eq(mmio_read(0xe0010000, 4, NULL), 0xab000000);

	/* Byte-wise reprogramming ends at the full address too. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0 + 2, 0x02, 1);
	cfg_write(1, 0, PCI_BASE_ADDRESS_0 + 3, 0xe0, 1);
	ck_assert_uint_eq(mmio_read(0xe0020000, 4, NULL), 0xab000000);
	mmio_read(0xe0010000, 4, &hit);
	ck_assert(!hit);
}
END_TEST

START_TEST(bar_overlap_and_bad_addresses)
{
	static struct tdev a, b;
	u32 a0, b0;
	bool hit;

	ck_assert_int_eq(tdev_add(&a, 4096, 0), 1);
	ck_assert_int_eq(tdev_add(&b, 4096, 0), 2);
	a0 = cfg32(1, PCI_BASE_ADDRESS_0);
	b0 = cfg32(2, PCI_BASE_ADDRESS_0);
	/* b on top of a: b stops decoding, a keeps working. */
	cfg_write(2, 0, PCI_BASE_ADDRESS_0, a0, 4);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 0), 0);
	ck_assert(mmio_write(a0, 1, 4));
	ck_assert_uint_eq(a.last_write_val, 1);
	ck_assert_uint_eq(b.last_write_val, 0);
	mmio_read(b0, 4, &hit);
	ck_assert(!hit);
	/* Moved somewhere free: decoding again. */
	cfg_write(2, 0, PCI_BASE_ADDRESS_0, 0xe0000000, 4);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 0), 0xe0000000);
	ck_assert(mmio_write(0xe0000000, 2, 4));
	ck_assert_uint_eq(b.last_write_val, 2);
	/* Address 0 is "unassigned": not decoded. */
	cfg_write(2, 0, PCI_BASE_ADDRESS_0, 0, 4);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 0), 0);
	mmio_read(0, 4, &hit);
	ck_assert(!hit);
}
END_TEST

START_TEST(slots_and_window_run_out)
{
	static struct tdev t[PCI_MAX_SLOTS];
	static struct tdev big;

	for (int i = 1; i < PCI_MAX_SLOTS; i++)
		ck_assert_int_eq(tdev_add(&t[i], 16, 0), i);
	ck_assert_int_eq(tdev_add(&t[0], 16, 0), -ENOSPC);
	pci_unregister(&t[5].pdev);
	ck_assert_uint_eq(cfg32(5, PCI_VENDOR_ID), 0xffffffff);
	/* The whole window plus a bit cannot fit any more. */
	ck_assert_int_eq(tdev_add(&big, 0x10000000, 0), -ENOSPC);
	ck_assert_int_eq(tdev_add(&big, 4096, 0), 5);
}
END_TEST

START_TEST(bad_bar_declarations)
{
	struct pci_dev d;

	pci_dev_init(&d, "bad", 1, 2, 0, 0, 0);
	ck_assert_int_eq(pci_dev_add_bar(&d, 0, 8, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, 0, 3000, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, 6, 4096, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, -1, 4096, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, 1, 4096, &tdev_bar_ops, NULL), 0);
	ck_assert_int_eq(pci_dev_add_bar(&d, 1, 4096, &tdev_bar_ops, NULL), -EINVAL);
}
END_TEST

/* Slots 1 and 9 share GSI 17: the line is the OR of both INTA#s. */
START_TEST(intx_shared_line)
{
	static struct tdev t[10];
	u32 gsi = pci_slot_gsi(1);

	for (int i = 1; i < 10; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		pci_dev_init(&t[i].pdev, "intx", 0x1234, 0x10, 0xff0000, 0, 0);
		if (i == 1 || i == 9)
			pci_dev_enable_intx(&t[i].pdev);
		ck_assert_int_eq(pci_register(&host, &t[i].pdev), i);
	}
	ck_assert_uint_eq(pci_slot_gsi(9), gsi);
	ck_assert_uint_eq(cfg8(9, PCI_INTERRUPT_PIN), 1);
	ck_assert_uint_eq(cfg8(2, PCI_INTERRUPT_PIN), 0);
	pci_intx_set(&t[1].pdev, true);
	ck_assert_int_eq(line_level[gsi], 1);
	pci_intx_set(&t[9].pdev, true);
	pci_intx_set(&t[1].pdev, false);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(nr_set_line, 1);	/* no glitch while one still asserts */
	pci_intx_set(&t[9].pdev, false);
	ck_assert_int_eq(line_level[gsi], 0);
	/* A function without a pin drives nothing; one that goes away lets go. */
	pci_intx_set(&t[2].pdev, true);
	ck_assert_uint_eq(nr_set_line, 2);
	pci_intx_set(&t[9].pdev, true);
	ck_assert_int_eq(line_level[gsi], 1);
	pci_unregister(&t[9].pdev);
	ck_assert_int_eq(line_level[gsi], 0);
}
END_TEST

/* ---- capabilities ---- */

START_TEST(capability_list)
{
	static struct tdev t;
	u8 ids[] = { PCI_CAP_ID_VNDR, PCI_CAP_ID_PM, PCI_CAP_ID_VNDR };
	u8 lens[] = { 16, 8, 20 };
	unsigned n = 0, guard = 0;
	u8 pos;

	memset(&t, 0, sizeof(t));
	pci_dev_init(&t.pdev, "caps", 0x1234, 0x1, 0xff0000, 0, 0);
	for (int i = 0; i < 3; i++) {
		int off = pci_dev_add_cap(&t.pdev, ids[i], lens[i]);

		ck_assert_int_ge(off, PCI_CAP_START);
		ck_assert_int_eq(off % 4, 0);
	}
	ck_assert_int_ge(pci_register(&host, &t.pdev), 1);

	ck_assert(cfg16(1, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	/* Walk the list as a driver does: it ends, in order, without overlap. */
	for (pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + PCI_CAP_LIST_NEXT)) {
		u8 next = cfg8(1, pos + PCI_CAP_LIST_NEXT);

		ck_assert_uint_lt(n, 3);
		ck_assert_uint_eq(cfg8(1, pos), ids[n]);
		ck_assert(next == 0 || next >= pos + lens[n]);
		/* The list is read-only. */
		cfg_write(1, 0, pos, 0xffff, 2);
		ck_assert_uint_eq(cfg8(1, pos), ids[n]);
		n++;
		ck_assert_uint_lt(++guard, 48);
	}
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(capability_space_runs_out)
{
	struct pci_dev d;

	pci_dev_init(&d, "caps", 0x1234, 0x1, 0xff0000, 0, 0);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 180), 0x40);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 20), -ENOSPC);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 12), 0x40 + 180);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 2), -ENOSPC);
	ck_assert_uint_eq(d.cfg[0x40 + PCI_CAP_LIST_NEXT], 0x40 + 180);
	ck_assert_uint_eq(d.cfg[0x40 + 180 + PCI_CAP_LIST_NEXT], 0);
}
END_TEST

/* ---- MSI-X ---- */

struct mdev {
	struct tdev t;
	struct pci_msix msix;
	int cap;
	u32 table;
	u32 pba;
};

#define MSIX_NR		4

static void mdev_add(struct mdev *m)
{
	memset(m, 0, sizeof(*m));
	pci_dev_init(&m->t.pdev, "msix", 0x1234, 0x2, 0xff0000, 0, 0);
	m->t.pdev.ops = &tdev_ops;
	m->t.pdev.priv = &m->t;
	ck_assert_int_eq(pci_msix_init(&m->msix, &m->t.pdev, MSIX_NR, 1), 0);
	ck_assert_int_eq(pci_register(&host, &m->t.pdev), 1);
	m->cap = cfg8(1, PCI_CAPABILITY_LIST);
	ck_assert_uint_eq(cfg8(1, m->cap), PCI_CAP_ID_MSIX);
	m->table = cfg32(1, PCI_BASE_ADDRESS_1) + (cfg32(1, m->cap + PCI_MSIX_TABLE) & ~7u);
	m->pba = cfg32(1, PCI_BASE_ADDRESS_1) + (cfg32(1, m->cap + PCI_MSIX_PBA) & ~7u);
}

static void mdev_remove(struct mdev *m)
{
	pci_unregister(&m->t.pdev);
	pci_msix_exit(&m->msix);
}

static void msix_ctrl(struct mdev *m, u16 flags)
{
	cfg_write(1, 0, m->cap + PCI_MSIX_FLAGS, flags, 2);
}

static void vec_program(struct mdev *m, unsigned v, u64 addr, u32 data)
{
	u32 e = m->table + v * PCI_MSIX_ENTRY_SIZE;

	ck_assert(mmio_write(e + PCI_MSIX_ENTRY_LOWER_ADDR, (u32)addr, 4));
	ck_assert(mmio_write(e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32, 4));
	ck_assert(mmio_write(e + PCI_MSIX_ENTRY_DATA, data, 4));
}

static void vec_mask(struct mdev *m, unsigned v, bool masked)
{
	mmio_write(m->table + v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL, masked, 4);
}

/* How many times the vector's irqfd was written since last asked. */
static u64 vec_fired(struct mdev *m, unsigned v)
{
	int efd = m->msix.vecs[v].efd;
	u64 n = 0;

	if (efd < 0)
		return 0;
	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

START_TEST(msix_capability_layout)
{
	static struct mdev m;
	u32 bar1;

	mdev_add(&m);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1);
	ck_assert_uint_eq(cfg16(1, m.cap + PCI_MSIX_FLAGS), MSIX_NR - 1);
	ck_assert_uint_eq(cfg32(1, m.cap + PCI_MSIX_TABLE) & 7, 1);	/* BIR */
	ck_assert_uint_eq(cfg32(1, m.cap + PCI_MSIX_PBA) & 7, 1);
	ck_assert_uint_ge(m.pba - bar1, MSIX_NR * PCI_MSIX_ENTRY_SIZE);
	/* Table size is read-only; only enable and function mask are writable. */
	msix_ctrl(&m, 0xffff);
	ck_assert_uint_eq(cfg16(1, m.cap + PCI_MSIX_FLAGS),
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | (MSIX_NR - 1));
	/* Every vector starts masked, with no route. */
	for (unsigned v = 0; v < MSIX_NR; v++)
		ck_assert_uint_eq(mmio_read(m.table + v * 16 + 12, 4, NULL), 1);
	ck_assert_uint_eq(nr_routes, 0);
	mdev_remove(&m);
}
END_TEST

START_TEST(msix_route_on_unmask_and_update)
{
	static struct mdev m;
	int gsi, efd;

	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 2, 0xfee01000, 0x4041);
	ck_assert_uint_eq(mmio_read(m.table + 2 * 16, 4, NULL), 0xfee01000);
	ck_assert_uint_eq(mmio_read(m.table + 2 * 16 + 8, 4, NULL), 0x4041);
	ck_assert_uint_eq(mmio_read64(m.table + 2 * 16), 0xfee01000);
	ck_assert_uint_eq(nr_routes, 0);	/* masked: nothing asked of KVM yet */

	vec_mask(&m, 2, false);
	ck_assert_uint_eq(nr_routes, 1);
	gsi = m.msix.vecs[2].gsi;
	ck_assert_int_eq(gsi, IRQ_FIRST_MSI_GSI);
	ck_assert_uint_eq(routes[0].addr, 0xfee01000);
	ck_assert_uint_eq(routes[0].data, 0x4041);
	ck_assert_int_eq(irqfd_gsi[m.msix.vecs[2].efd], gsi);

	ck_assert(pci_msix_notify(&m.msix, 2));
	ck_assert_uint_eq(vec_fired(&m, 2), 1);

	/* A live vector reprogrammed: the route follows each write. */
	mmio_write(m.table + 2 * 16 + 8, 0x4042, 4);
	ck_assert_uint_eq(routes[0].data, 0x4042);
	ck_assert_uint_ge(routes[0].updates, 1);
	/* A 64-bit address write lands in both halves. */
	mmio_write(m.table + 2 * 16, 0x00000001fee02000ULL, 8);
	ck_assert_uint_eq(routes[0].addr, 0x1fee02000ULL);
	ck_assert_uint_eq(nr_routes, 1);

	/* Masked, reprogrammed, unmasked: one update, at unmask. */
	vec_mask(&m, 2, true);
	routes[0].updates = 0;
	vec_program(&m, 2, 0xfee03000, 0x4043);
	ck_assert_uint_eq(routes[0].updates, 0);
	vec_mask(&m, 2, false);
	ck_assert_uint_eq(routes[0].updates, 1);
	ck_assert_uint_eq(routes[0].addr, 0xfee03000);
	ck_assert_uint_eq(routes[0].data, 0x4043);
	/* Teardown unbinds the irqfd. */
	efd = m.msix.vecs[2].efd;
	mdev_remove(&m);
	ck_assert_int_eq(irqfd_gsi[efd], -1);
}
END_TEST

START_TEST(msix_mask_sets_pba_and_unmask_delivers)
{
	static struct mdev m;

	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 1, 0xfee00000, 0x31);
	vec_mask(&m, 1, false);
	vec_mask(&m, 1, true);

	ck_assert(pci_msix_notify(&m.msix, 1));
	ck_assert_uint_eq(vec_fired(&m, 1), 0);
	ck_assert(pci_msix_pending(&m.msix, 1));
	ck_assert_uint_eq(mmio_read64(m.pba), 1 << 1);
	/* The PBA is read-only. */
	mmio_write(m.pba, 0, 8);
	ck_assert_uint_eq(mmio_read64(m.pba), 1 << 1);

	vec_mask(&m, 1, false);
	ck_assert_uint_eq(vec_fired(&m, 1), 1);
	ck_assert(!pci_msix_pending(&m.msix, 1));
	ck_assert_uint_eq(mmio_read64(m.pba), 0);
	mdev_remove(&m);
}
END_TEST

START_TEST(msix_function_mask_and_enable)
{
	static struct mdev m;

	mdev_add(&m);
	vec_program(&m, 0, 0xfee00000, 0x21);
	vec_mask(&m, 0, false);
	/* MSI-X off: the device cannot interrupt at all. */
	ck_assert(!pci_msix_notify(&m.msix, 0));
	ck_assert(!pci_msix_pending(&m.msix, 0));

	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	ck_assert(pci_msix_notify(&m.msix, 0));
	ck_assert(pci_msix_notify(&m.msix, 0));
	ck_assert_uint_eq(vec_fired(&m, 0), 0);
	ck_assert(pci_msix_pending(&m.msix, 0));
	/* Lifting the function mask delivers the pending message once. */
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	ck_assert_uint_eq(vec_fired(&m, 0), 1);
	ck_assert(!pci_msix_pending(&m.msix, 0));

	/* Out-of-range vectors are refused. */
	ck_assert(!pci_msix_notify(&m.msix, MSIX_NR));
	ck_assert(!pci_msix_notify(&m.msix, 0xffff));
	mdev_remove(&m);
}
END_TEST

/* The MSI route of `gsi` in the routing table kite keeps for KVM, or NULL. */
static struct kvm_irq_routing_entry *routing_msi(u32 gsi)
{
	for (u32 i = 0; i < vm.routing->nr; i++)
		if (vm.routing->entries[i].gsi == gsi &&
		    vm.routing->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &vm.routing->entries[i];
	return NULL;
}

/* With kite's real irq layer (kvm/irq.c) the routes land in vm->routing. */
START_TEST(msix_routes_in_vm_routing)
{
	static struct mdev m;
	struct kvm_irq_routing_entry *e;
	u32 before = vm.routing->nr;

	host.irq = &pci_kvm_irq_ops;
	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 0, 0xfee01000, 0x4051);
	ck_assert_uint_eq(vm.routing->nr, before);	/* masked: nothing yet */
	vec_mask(&m, 0, false);
	ck_assert_uint_eq(vm.routing->nr, before + 1);
	ck_assert_int_ge(m.msix.vecs[0].gsi, IRQ_FIRST_MSI_GSI);
	e = routing_msi(m.msix.vecs[0].gsi);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->u.msi.address_lo, 0xfee01000);
	ck_assert_uint_eq(e->u.msi.address_hi, 0);
	ck_assert_uint_eq(e->u.msi.data, 0x4051);
	/* The guest retargets the live vector: the same GSI, new message. */
	mmio_write(m.table + PCI_MSIX_ENTRY_DATA, 0x4052, 4);
	mmio_write(m.table + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee02000, 4);
	e = routing_msi(m.msix.vecs[0].gsi);
	ck_assert_uint_eq(e->u.msi.data, 0x4052);
	ck_assert_uint_eq(e->u.msi.address_lo, 0xfee02000);
	ck_assert_uint_eq(vm.routing->nr, before + 1);
	/* A second vector gets its own GSI. */
	vec_program(&m, 3, 0xfee00000, 0x4060);
	vec_mask(&m, 3, false);
	ck_assert_uint_eq(vm.routing->nr, before + 2);
	ck_assert_int_ne(m.msix.vecs[3].gsi, m.msix.vecs[0].gsi);
	mdev_remove(&m);
	host.irq = &fake_irq;
}
END_TEST

START_TEST(msix_bad_table_accesses)
{
	static struct mdev m;
	u32 bar1;
	bool hit;

	mdev_add(&m);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1);
	/* Unaligned or narrow accesses are dropped and read as zero. */
	mmio_write(m.table + 2, 0xffffffff, 4);
	mmio_write(m.table + 12, 0, 2);
	mmio_write(m.table + 12, 0, 1);
	ck_assert_uint_eq(mmio_read(m.table, 4, NULL), 0);
	ck_assert_uint_eq(mmio_read(m.table + 12, 4, NULL), 1);
	ck_assert_uint_eq(mmio_read(m.table + 12, 2, NULL), 0);
	ck_assert_uint_eq(mmio_read(m.table + 4, 8, NULL), 0);
	/* Past the table and PBA: nothing there, nothing breaks. */
	mmio_write(bar1 + 0xff8, ~0ULL, 8);
	ck_assert_uint_eq(mmio_read(bar1 + 0xff8, 4, &hit), 0);
	ck_assert(hit);
	/* The vector-control reserved bits read as zero. */
	mmio_write(m.table + 12, 0xfffffffe, 4);
	ck_assert_uint_eq(mmio_read(m.table + 12, 4, NULL), 0);
	mdev_remove(&m);
}
END_TEST

START_TEST(msix_bad_sizes)
{
	struct pci_dev d;
	struct pci_msix x;

	pci_dev_init(&d, "msix", 0x1234, 0x2, 0xff0000, 0, 0);
	ck_assert_int_eq(pci_msix_init(&x, &d, 0, 3), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, &d, PCI_MSIX_MAX_VECTORS + 1, 3), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, &d, 8, 6), -EINVAL);
	ck_assert_ptr_null(d.msix);
	ck_assert_int_eq(pci_msix_init(&x, &d, PCI_MSIX_MAX_VECTORS, 5), 0);
	ck_assert_uint_eq(d.bars[5].size, 64 * KiB);	/* 32 KiB table + PBA */
	pci_msix_exit(&x);
}
END_TEST

START_TEST(msix_fallback_without_route)
{
	static struct mdev m;

	mdev_add(&m);
	nr_routes = MAX_ROUTES;		/* KVM's routing table is full */
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 3, 0xfee00000, 0x55);
	vec_mask(&m, 3, false);
	ck_assert_int_eq(m.msix.vecs[3].gsi, -1);
	ck_assert(pci_msix_notify(&m.msix, 3));
	ck_assert_uint_eq(nr_signal_msi, 1);
	mdev_remove(&m);
}
END_TEST


/* ---- virtio-pci ---- */

#define VT_QUEUES	2
#define VT_QSIZE	256
#define VT_FEATURE	5		/* a device feature bit the test device offers */
#define RAM_SIZE	(1 * MiB)

struct vtest {
	struct virtio_dev vdev;
	u8 config[8];
	struct pci_dev *pdev;
	u32 bar0;
	void *ram;
};

/* An echo device: every writable buffer gets "pong". */
static void vt_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct iovec iov[4];
	struct virtq_elem e = { .max_iov = 4, .iov = iov };

	do {
		while (virtq_pop(vq, &e) == 1) {
			size_t n = iov_from_buf(iov + e.nr_out, e.nr_in, 0, "pong", 4);

			virtq_push_notify(vq, e.head, n);
		}
	} while (virtq_enable_kicks(vq));
}

static const struct virtio_dev_ops vt_ops = { .queue_notify = vt_queue_notify };

static void vt_add(struct vtest *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->config, "kiteconf", 8);
	/* A little guest RAM for the rings. */
	v->ram = aligned_alloc(4096, RAM_SIZE);
	ck_assert_ptr_nonnull(v->ram);
	vm.banks[0] = (struct mem_bank){ .gpa = 0, .size = RAM_SIZE, .hva = v->ram };
	vm.nr_banks = 1;
	test_ram = v->ram;		/* freed by teardown, after the devices */
	ck_assert_int_eq(virtio_dev_init(&v->vdev, &vm, "vtest", VIRTIO_ID_BLOCK,
					 VIRTIO_BIT(VT_FEATURE), VT_QUEUES, VT_QSIZE,
					 v->config, sizeof(v->config), &vt_ops, v), 0);
	ck_assert_int_eq(virtio_pci_create(&(struct virtio_transport){ .vm = &vm, .pci = &host },
					   &v->vdev), 0);
	v->pdev = virtio_pci_dev(&v->vdev);
	ck_assert_ptr_nonnull(v->pdev);
	ck_assert_int_eq(v->pdev->slot, 1);
	v->bar0 = cfg32(1, PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK;
}

/*
 * Tear the VM down now, as kite does at exit (the device goes through its
 * vm_on_exit hook), and leave a fresh bare VM for the fixture's teardown.
 */
static void vt_remove(struct vtest *v)
{
	vm_destroy(&vm);
	ck_assert_int_eq(vm_init_bare(&vm, NULL), 0);
}

static u32 common_rd(struct vtest *v, u32 off, u32 len)
{
	bool hit;
	u32 val = mmio_read(v->bar0 + off, len, &hit);

	ck_assert(hit);
	return val;
}

static void common_wr(struct vtest *v, u32 off, u64 val, u32 len)
{
	ck_assert(mmio_write(v->bar0 + off, val, len));
}

static u8 status(struct vtest *v)
{
	return common_rd(v, VIRTIO_PCI_COMMON_STATUS, 1);
}

/* The config-space offset of the virtio capability of `type`, or 0. */
static u8 find_vcap(u8 type)
{
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_VNDR && cfg8(1, pos + VIRTIO_PCI_CAP_CFG_TYPE) == type)
			return pos;
	return 0;
}

static void write_driver_features(struct vtest *v, u64 f)
{
	common_wr(v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(v, VIRTIO_PCI_COMMON_GF, (u32)f, 4);
	common_wr(v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(v, VIRTIO_PCI_COMMON_GF, f >> 32, 4);
}

/* Rings for queue q in guest RAM at a per-queue 16 KiB area, written as Linux does (halves). */
static void queue_setup(struct vtest *v, u16 q, u64 desc)
{
	common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
	common_wr(v, VIRTIO_PCI_COMMON_Q_SIZE, 64, 2);
	common_wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, (u32)desc, 4);
	common_wr(v, VIRTIO_PCI_COMMON_Q_DESCHI, desc >> 32, 4);
	common_wr(v, VIRTIO_PCI_COMMON_Q_AVAILLO, desc + 0x1000, 4);
	common_wr(v, VIRTIO_PCI_COMMON_Q_AVAILHI, 0, 4);
	/* A single 64-bit store works as well. */
	common_wr(v, VIRTIO_PCI_COMMON_Q_USEDLO, desc + 0x2000, 8);
}

/* The driver's init sequence up to FEATURES_OK. */
static void driver_init(struct vtest *v)
{
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	write_driver_features(v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VT_FEATURE));
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		  VIRTIO_STATUS_FEATURES_OK, 1);
	ck_assert(status(v) & VIRTIO_STATUS_FEATURES_OK);
}

START_TEST(vpci_identity)
{
	static struct vtest v;

	vt_add(&v);
	ck_assert_uint_eq(cfg16(1, PCI_VENDOR_ID), 0x1af4);
	ck_assert_uint_eq(cfg16(1, PCI_DEVICE_ID), 0x1040 + VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(cfg8(1, PCI_REVISION_ID), 1);
	ck_assert_uint_eq(cfg16(1, PCI_SUBSYSTEM_VENDOR_ID), 0x1af4);
	ck_assert_uint_eq(cfg16(1, PCI_SUBSYSTEM_ID), VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(cfg32(1, PCI_CLASS_REVISION) >> 8, 0x018000);
	/* INTA#, wired to the line the DSDT's _PRT names for slot 1. */
	ck_assert_uint_eq(cfg8(1, PCI_INTERRUPT_PIN), 1);
	ck_assert_uint_eq(cfg8(1, PCI_INTERRUPT_LINE), pci_slot_gsi(1));
	ck_assert_uint_eq(pci_slot_gsi(1), 17);
	/* Memory BARs only: no legacy I/O BAR. */
	for (int i = 0; i < PCI_NR_BARS; i++)
		ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0 + 4 * i) & PCI_BASE_ADDRESS_SPACE_IO, 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_capabilities)
{
	static struct vtest v;
	u8 common, notify, isr, dev, pcicfg, pos;
	bool msix = false;

	vt_add(&v);
	common = find_vcap(VIRTIO_PCI_CAP_COMMON_CFG);
	notify = find_vcap(VIRTIO_PCI_CAP_NOTIFY_CFG);
	isr = find_vcap(VIRTIO_PCI_CAP_ISR_CFG);
	dev = find_vcap(VIRTIO_PCI_CAP_DEVICE_CFG);
	pcicfg = find_vcap(VIRTIO_PCI_CAP_PCI_CFG);
	ck_assert(common && notify && isr && dev && pcicfg);
	for (int i = 0; i < 4; i++) {
		u8 c = (u8[]){ common, notify, isr, dev }[i];
		u32 off = cfg32(1, c + VIRTIO_PCI_CAP_OFFSET), len = cfg32(1, c + VIRTIO_PCI_CAP_LENGTH);

		/* Each structure lies inside BAR 0 (16 KiB). */
		ck_assert_uint_eq(cfg8(1, c + VIRTIO_PCI_CAP_BAR), 0);
		ck_assert(range_ok(off, len, 0x4000));
		ck_assert_uint_ge(cfg8(1, c + VIRTIO_PCI_CAP_LEN), 16);
	}
	ck_assert_uint_ge(cfg32(1, common + VIRTIO_PCI_CAP_LENGTH), 0x38);
	ck_assert_uint_eq(cfg8(1, notify + VIRTIO_PCI_CAP_LEN), sizeof(struct virtio_pci_notify_cap));
	ck_assert_uint_eq(cfg32(1, notify + VIRTIO_PCI_NOTIFY_CAP_MULT), 4);
	ck_assert_uint_eq(cfg32(1, notify + VIRTIO_PCI_CAP_LENGTH), VT_QUEUES * 4);
	ck_assert_uint_eq(cfg32(1, dev + VIRTIO_PCI_CAP_LENGTH), sizeof(v.config));
	for (pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX) {
			msix = true;
			/* One vector per queue plus one for config changes. */
			ck_assert_uint_eq(cfg16(1, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE,
					  VT_QUEUES);
		}
	ck_assert(msix);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_feature_negotiation)
{
	static struct vtest v;

	vt_add(&v);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_NUMQ, 2), VT_QUEUES);
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4) & (1u << VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_DFSELECT, 4), 1);
	ck_assert(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4) & 1);	/* VERSION_1 */
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 7, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4), 0);

	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	/* A legacy driver (no VERSION_1) is refused FEATURES_OK. */
	write_driver_features(&v, VIRTIO_BIT(VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_GF, 4), 1u << VT_FEATURE);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	ck_assert_uint_eq(status(&v), 0x03);
	/* So is a feature the device never offered. */
	write_driver_features(&v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(6));
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	ck_assert_uint_eq(status(&v), 0x03);
	/* A subset with VERSION_1 is accepted, and then the features freeze. */
	write_driver_features(&v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	ck_assert_uint_eq(status(&v), 0x0b);
	ck_assert_uint_eq(v.vdev.features, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(&v, VIRTIO_PCI_COMMON_GF, 0, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_GF, 4), 1u << VT_FEATURE);
	/* Fields written at the wrong width are ignored. */
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0x00010001, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_queue_select_out_of_range)
{
	static struct vtest v;

	vt_add(&v);
	driver_init(&v);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), VT_QSIZE);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
	for (unsigned sel = VT_QUEUES; sel < 0x10000; sel = sel * 2 + 1) {
		common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, sel, 2);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), sel & 0xffff);
		/* Size 0: no such queue. Everything else reads inert. */
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 0x1000, 4);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 0, 2);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	}
	/* Nothing leaked into the real queues, and the device is fine. */
	ck_assert_uint_eq(v.vdev.vqs[1].size, VT_QSIZE);
	ck_assert_uint_eq(v.vdev.vqs[1].desc_gpa, 0);
	ck_assert_uint_eq(status(&v) & VIRTIO_STATUS_NEEDS_RESET, 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_queue_enable_checks_addresses)
{
	static struct vtest v;

	vt_add(&v);
	driver_init(&v);
	/* Rings outside guest RAM: refused, and the device asks for a reset. */
	queue_setup(&v, 0, RAM_SIZE);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	ck_assert(status(&v) & VIRTIO_STATUS_NEEDS_RESET);

	/* A 64-bit address that would wrap around. */
	driver_init(&v);
	queue_setup(&v, 0, 0xfffffffffffff000ULL);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);

	/* Misaligned descriptor table. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10008);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);

	/* Not a power of two. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SIZE, 48, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);

	/* And a good one works after a reset. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(status(&v) & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x10000);
	ck_assert_uint_eq(mmio_read64(v.bar0 + VIRTIO_PCI_COMMON_Q_AVAILLO), 0x11000);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_USEDLO, 4), 0x12000);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	/* A live queue cannot be reconfigured or disabled. */
	common_wr(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 0x20000, 4);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 0, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x10000);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_reset_and_reinit)
{
	static struct vtest v;

	vt_add(&v);
	/* Module reload: the same init, run, reset cycle twice. */
	for (int round = 0; round < 2; round++) {
		driver_init(&v);
		common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 0, 2);
		for (u16 q = 0; q < VT_QUEUES; q++) {
			queue_setup(&v, q, 0x10000 + q * 0x4000);
			common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, q + 1, 2);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), q + 1);
			common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
		}
		common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
		ck_assert_uint_eq(status(&v), 0x0f);
		ck_assert(v.vdev.running);

		common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
		/* The reset is complete by the time status reads back 0. */
		ck_assert_uint_eq(status(&v), 0);
		ck_assert(!v.vdev.running);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
		common_wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_GF, 4), 0);
		for (u16 q = 0; q < VT_QUEUES; q++) {
			common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), VT_QSIZE);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2),
					  VIRTIO_MSI_NO_VECTOR);
			ck_assert_uint_eq(mmio_read64(v.bar0 + VIRTIO_PCI_COMMON_Q_DESCLO), 0);
		}
	}
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_interrupts_through_msix)
{
	static struct vtest v;
	struct pci_msix *x;
	u8 msix_cap = 0;
	u32 table;
	u64 n;

	vt_add(&v);
	x = v.pdev->msix;
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			msix_cap = pos;
	table = (cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK) +
		(cfg32(1, msix_cap + PCI_MSIX_TABLE) & ~7u);
	cfg_write(1, 0, msix_cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	for (unsigned i = 0; i <= VT_QUEUES; i++) {
		mmio_write(table + 16 * i, 0xfee00000, 4);
		mmio_write(table + 16 * i + 8, 0x30 + i, 4);
		mmio_write(table + 16 * i + 12, 0, 4);
	}

	driver_init(&v);
	/* Vectors beyond the table are refused (read back NO_VECTOR). */
	common_wr(&v, VIRTIO_PCI_COMMON_MSIX, VT_QUEUES + 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 0, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), 0);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 0x1234, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);

	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[1]);
	ck_assert_int_eq(read(x->vecs[2].efd, &n, sizeof(n)), sizeof(n));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(routes[x->vecs[2].gsi - IRQ_FIRST_MSI_GSI].data, 0x32);
	v.vdev.tops->signal_config(&v.vdev);
	ck_assert_int_eq(read(x->vecs[0].efd, &n, sizeof(n)), sizeof(n));
	/* ISR: both causes, cleared by the read. */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 3);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 0);
	/* A queue with no vector raises only the ISR. */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 1);
	vt_remove(&v);
}
END_TEST

/* A driver that never enables MSI-X (pci=nomsi) gets INTA#, level-triggered. */
START_TEST(vpci_intx_without_msix)
{
	static struct vtest v;
	u32 gsi = pci_slot_gsi(1);
	u8 cap = 0;

	vt_add(&v);
	driver_init(&v);
	ck_assert_int_eq(line_level[gsi], 0);
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert(cfg16(1, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	/* Reading the ISR acknowledges: the line drops. */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 1);
	ck_assert_int_eq(line_level[gsi], 0);
	ck_assert(!(cfg16(1, PCI_STATUS) & PCI_STATUS_INTERRUPT));

	/* COMMAND.INTX_DISABLE masks the line, not the status bit. */
	v.vdev.tops->signal_config(&v.vdev);
	ck_assert_int_eq(line_level[gsi], 1);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	ck_assert_int_eq(line_level[gsi], 0);
	ck_assert(cfg16(1, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 2);
	ck_assert_int_eq(line_level[gsi], 0);

	/* A device reset drops an asserted line. */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[1]);
	ck_assert_int_eq(line_level[gsi], 1);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	ck_assert_int_eq(line_level[gsi], 0);

	/* With MSI-X enabled INTx stays quiet, even for a queue with no vector. */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_int_eq(line_level[gsi], 1);
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			cap = pos;
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	ck_assert_int_eq(line_level[gsi], 0);	/* enabling MSI-X drops INTA# */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_int_eq(line_level[gsi], 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_notify_ioeventfds_follow_bar)
{
	static struct vtest v;
	struct fake_ioeventfd *e;
	u32 newbar = 0xe0000000;
	u64 n;

	vt_add(&v);
	for (unsigned q = 0; q < VT_QUEUES; q++) {
		e = ioevent_at(v.bar0 + 0x3000 + 4 * q);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->efd, virtio_queue_kick_fd(&v.vdev, q));
		ck_assert_uint_eq(e->len, 0);
	}
	/* Distinct eventfds: each queue wakes only its own worker. */
	ck_assert_int_ne(virtio_queue_kick_fd(&v.vdev, 0), virtio_queue_kick_fd(&v.vdev, 1));

	cfg_write(1, 0, PCI_BASE_ADDRESS_0, newbar, 4);
	ck_assert_ptr_null(ioevent_at(v.bar0 + 0x3000));
	ck_assert_ptr_nonnull(ioevent_at(newbar + 0x3000));
	ck_assert_ptr_nonnull(ioevent_at(newbar + 0x3004));
	cfg_write(1, 0, PCI_COMMAND, 0, 2);
	ck_assert_ptr_null(ioevent_at(newbar + 0x3000));
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_ptr_nonnull(ioevent_at(newbar + 0x3004));
	v.bar0 = newbar;

	/* A notify that reaches the handler (no ioeventfd) kicks that queue. */
	ck_assert(mmio_write(newbar + 0x3004, 1, 2));
	ck_assert_int_eq(read(virtio_queue_kick_fd(&v.vdev, 1), &n, sizeof(n)), sizeof(n));
	ck_assert_int_eq(read(virtio_queue_kick_fd(&v.vdev, 0), &n, sizeof(n)), -1);
	/* Past the last queue: nothing. */
	ck_assert(mmio_write(newbar + 0x3000 + 4 * VT_QUEUES, 0, 2));
	vt_remove(&v);
	/* Teardown took every ioeventfd away. */
	for (unsigned i = 0; i < nr_ioevs; i++)
		ck_assert(!ioevs[i].live);
}
END_TEST

START_TEST(vpci_device_config_and_pci_cfg_window)
{
	static struct vtest v;
	u8 w;
	u32 data;

	vt_add(&v);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2000, 4, NULL), 0x6574696b);	/* "kite" */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2004, 1, NULL), 'c');
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2006, 4, NULL), 0);	/* straddles the end */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2008, 4, NULL), 0);

	/* VIRTIO_PCI_CAP_PCI_CFG: BAR 0 through config space. */
	w = find_vcap(VIRTIO_PCI_CAP_PCI_CFG);
	data = w + sizeof(struct virtio_pci_cap);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_BAR, 0, 1);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_NUMQ, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 2, 4);
	ck_assert_uint_eq(cfg32(1, data), VT_QUEUES);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT, 4);
	cfg_write(1, 0, data, 1, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, 0x2000, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 4, 4);
	ck_assert_uint_eq(cfg32(1, data), 0x6574696b);
	/* Bad windows do nothing: length 3, misaligned, past the BAR, another BAR. */
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 3, 4);
	cfg_write(1, 0, data, 0, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT + 1, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 2, 4);
	cfg_write(1, 0, data, 0, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, 0xfffffffe, 4);
	cfg_write(1, 0, data, 0, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_BAR, 1, 1);
	cfg_write(1, 0, data, 0, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	vt_remove(&v);
}
END_TEST

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * A guest writing garbage everywhere it can reach: config space, both
 * BARs, any width, any alignment. kite must survive it (ASan/UBSan in
 * `make check SAN=1` watch the memory side), and a reset must bring the
 * device back.
 */
START_TEST(vpci_garbage_from_guest)
{
	static const u32 widths[] = { 1, 2, 4, 8 };
	static struct vtest v;
	u64 seed = 0x9e3779b97f4a7c15ULL;
	u32 bar1;

	vt_add(&v);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK;
	for (int i = 0; i < 20000; i++) {
		u64 r = xorshift(&seed), val = xorshift(&seed);
		u32 len = widths[r & 3];
		u64 buf;

		switch ((r >> 2) % 4) {
		case 0:	/* config space, but keep the BARs and COMMAND where they are */
			{
				u32 reg = (r >> 8) & 0xff;

				if (reg < 0x28 || (reg & 3) + MIN(len, 4) > 4)
					break;
				cfg_write(1, 0, reg, val, MIN(len, 4));
				cfg_read(1, 0, reg, MIN(len, 4));
			}
			break;
		case 1:
			mmio_write(v.bar0 + ((r >> 8) % (0x4000 - 8)), val, len);
			break;
		case 2:
			mmio_write(bar1 + ((r >> 8) % (0x1000 - 8)), val, len);
			break;
		default:
			bus_access(&vm.mmio_bus, v.bar0 + ((r >> 8) % (0x4000 - 8)), &buf, len, false);
			break;
		}
	}
	/* Still a working device after a reset. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(cfg16(1, PCI_VENDOR_ID), 0x1af4);
	vt_remove(&v);
}
END_TEST


/*
 * The same with the whole config space in play: BARs moved anywhere
 * (onto each other, onto nothing, past 4 GiB), decoding toggled, MSI-X
 * enabled and masked at random, while MMIO goes wherever the BARs are
 * now. Afterwards the guest puts the BARs back and the device works.
 */
START_TEST(vpci_garbage_config_space)
{
	static const u32 widths[] = { 1, 2, 4 };
	static struct vtest v;
	u64 seed = 0x2545f4914f6cdd1dULL;
	u32 bar0, bar1;

	vt_add(&v);
	bar0 = cfg32(1, PCI_BASE_ADDRESS_0);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1);
	for (int i = 0; i < 20000; i++) {
		u64 r = xorshift(&seed), val = xorshift(&seed);
		u32 len = widths[r % 3], reg = (r >> 8) & 0xff & ~(len - 1);
		int bar = (r >> 20) & 1;
		u32 at = pci_bar_addr(v.pdev, bar);
		u64 buf = val;

		if ((r >> 4) & 1) {
			cfg_write(1, 0, reg, val, len);
			cfg_read(1, 0, reg, len);
		} else if (at) {
			u32 off = (r >> 24) % (v.pdev->bars[bar].size - 8);

			bus_access(&vm.mmio_bus, at + off, &buf, widths[(r >> 40) % 3],
				   (r >> 44) & 1);
		}
	}
	/* The guest puts things back: decode on, BARs where they were. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, bar0, 4);
	cfg_write(1, 0, PCI_BASE_ADDRESS_1, bar1, 4);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(pci_bar_addr(v.pdev, 0), bar0);
	ck_assert_uint_eq(pci_bar_addr(v.pdev, 1), bar1);
	ck_assert_ptr_nonnull(ioevent_at(bar0 + 0x3000));
	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(cfg16(1, PCI_VENDOR_ID), 0x1af4);
	vt_remove(&v);
}
END_TEST

/*
 * The whole path a guest driver takes: MSI-X programmed, queue set up
 * through common config, DRIVER_OK, a buffer made available, a notify
 * write; the device's worker fills it and the queue's MSI-X vector fires.
 */
START_TEST(vpci_end_to_end_request)
{
	static struct vtest v;
	struct pci_msix *x;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct pollfd pfd;
	u8 cap = 0;
	u32 table;

	vt_add(&v);
	x = v.pdev->msix;
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			cap = pos;
	table = (cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK) +
		(cfg32(1, cap + PCI_MSIX_TABLE) & ~7u);
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	mmio_write(table + 16 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000, 4);
	mmio_write(table + 16 + PCI_MSIX_ENTRY_DATA, 0x41, 4);
	mmio_write(table + 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);

	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
	ck_assert_uint_eq(status(&v), 0x0f);

	desc = (struct virtq_desc *)((u8 *)v.ram + 0x10000);
	avail = (struct virtq_avail *)((u8 *)v.ram + 0x11000);
	used = (struct virtq_used *)((u8 *)v.ram + 0x12000);
	desc[0] = (struct virtq_desc){ .addr = 0x20000, .len = 16, .flags = VIRTQ_DESC_F_WRITE };
	avail->ring[0] = 0;
	__atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
	/* Linux's vp_notify: a 16-bit write of the queue index. */
	ck_assert(mmio_write(v.bar0 + 0x3000, 0, 2));

	pfd = (struct pollfd){ .fd = x->vecs[1].efd, .events = POLLIN };
	ck_assert_int_ge(pfd.fd, 0);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_uint_eq(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE), 1);
	ck_assert_uint_eq(used->ring[0].id, 0);
	ck_assert_uint_eq(used->ring[0].len, 4);
	ck_assert(!memcmp((u8 *)v.ram + 0x20000, "pong", 4));
	ck_assert_uint_eq(routes[x->vecs[1].gsi - IRQ_FIRST_MSI_GSI].data, 0x41);
	vt_remove(&v);
}
END_TEST

/*
 * virtio-console on virtio-pci follows the host terminal: DRIVER_OK
 * raises a config change by itself (the driver reads the initial size
 * then), and a resize (the run loop's SIGWINCH path) changes cols/rows in
 * the device config, bumps config_generation and raises ISR bit 1 and the
 * config vector; without MSI-X, INTA#.
 */
static struct virtio_dev *pci_console;

static int capture_pci(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	int ret = virtio_pci_create(t, vdev);

	if (!ret)
		pci_console = vdev;
	return ret;
}

static u16 console_cfg16(u32 bar0, u32 off)
{
	return mmio_read(bar0 + 0x2000 + off, 2, NULL);
}

START_TEST(vpci_console_follows_terminal_size)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	static struct vtest v;	/* only for the common config helpers */
	int master, slave, msix_cap = 0, gsi = pci_slot_gsi(1);
	u8 gen;
	u64 n;

	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
	ck_assert_int_eq(virtio_console_create(&(struct virtio_transport){
		.create = capture_pci, .vm = &vm, .pci = &host }, -1, slave), 0);
	v.pdev = virtio_pci_dev(pci_console);
	ck_assert_ptr_nonnull(v.pdev);
	v.bar0 = cfg32(1, PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK;
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			msix_cap = pos;

	/* The driver: no MSI-X first (INTx), VIRTIO_CONSOLE_F_SIZE accepted. */
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4) & 1);
	write_driver_features(&v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | 1);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
	ck_assert_uint_eq(status(&v), 0x0f);
	ck_assert_uint_eq(console_cfg16(v.bar0, 0), 100);
	ck_assert_uint_eq(console_cfg16(v.bar0, 2), 40);
	/* DRIVER_OK raised a config change by itself, so Linux reads the size. */
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(line_level[gsi], 0);
	gen = common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1);

	ws = (struct winsize){ .ws_row = 50, .ws_col = 132 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	vm_term_resized(&vm);
	ck_assert_uint_eq(console_cfg16(v.bar0, 0), 132);
	ck_assert_uint_eq(console_cfg16(v.bar0, 2), 50);
	ck_assert_uint_ne(common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(line_level[gsi], 0);

	/* The same size again is no change: no interrupt. */
	vm_term_resized(&vm);
	ck_assert_int_eq(line_level[gsi], 0);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 0);

	/* With MSI-X, the config vector fires. */
	cfg_write(1, 0, msix_cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	{
		u32 table = (cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK) +
			    (cfg32(1, msix_cap + PCI_MSIX_TABLE) & ~7u);

		mmio_write(table + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000, 4);
		mmio_write(table + PCI_MSIX_ENTRY_DATA, 0x45, 4);
		mmio_write(table + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	}
	common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 0, 2);
	gen = common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	vm_term_resized(&vm);
	ck_assert_int_eq(read(v.pdev->msix->vecs[0].efd, &n, sizeof(n)), sizeof(n));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(routes[v.pdev->msix->vecs[0].gsi - IRQ_FIRST_MSI_GSI].data, 0x45);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_uint_ne(common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
	ck_assert_uint_eq(console_cfg16(v.bar0, 0), 80);
	ck_assert_uint_eq(console_cfg16(v.bar0, 2), 24);

	vt_remove(&v);
	/* The VM is gone, and with it the source: a resize now does nothing. */
	ck_assert_ptr_null(vm.sources);
	vm_term_resized(&vm);
	close(slave);
	close(master);
}
END_TEST

/*
 * vCPUs racing: one moves BAR 0 back and forth through config space
 * (which rewrites vm->mmio_bus), one hammers the BAR's common config, one
 * (a device worker) raises interrupts. The lock order (host, device,
 * vdev, MSI-X) must never deadlock; the test's timeout catches one.
 */
struct race {
	struct vtest *v;
	atomic_bool stop;
	atomic_uint hits;
};

static void *race_mover(void *arg)
{
	struct race *r = arg;

	/*
	 * 2000 moves, and on until the reader has hit the BAR at least once
	 * (under load it may not run before the first 2000 are done). Ends
	 * at 0xe0000000: an even number of moves.
	 */
	for (int i = 0; i < 2000 || (!atomic_load(&r->hits) && i < 20000000); i += 2) {
		cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xe1000000, 4);
		cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xe0000000, 4);
	}
	atomic_store(&r->stop, true);
	return NULL;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		for (u64 base = 0xe0000000; base <= 0xe1000000; base += 0x1000000) {
			u64 v = 0;

			if (bus_access(&vm.mmio_bus, base + VIRTIO_PCI_COMMON_NUMQ, &v, 2, false)) {
				ck_assert_uint_eq(v, VT_QUEUES);
				atomic_fetch_add(&r->hits, 1);
			}
		}
	}
	return NULL;
}

static void *race_signaller(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop))
		r->v->vdev.tops->signal_queue(&r->v->vdev, &r->v->vdev.vqs[0]);
	return NULL;
}

START_TEST(vpci_bar_moves_race_accesses)
{
	static struct vtest v;
	struct race r = { .v = &v };
	pthread_t mover, reader, signaller;
	u8 cap = 0;

	vt_add(&v);
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			cap = pos;
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);

	/*
	 * The mover is the only user of the CF8 latch here: a second
	 * config-space user would need the guest's own pci_config_lock.
	 */
	ck_assert_int_eq(pthread_create(&reader, NULL, race_reader, &r), 0);
	ck_assert_int_eq(pthread_create(&signaller, NULL, race_signaller, &r), 0);
	ck_assert_int_eq(pthread_create(&mover, NULL, race_mover, &r), 0);
	pthread_join(mover, NULL);
	pthread_join(reader, NULL);
	pthread_join(signaller, NULL);
	ck_assert_uint_gt(atomic_load(&r.hits), 0);
	/* It ended at 0xe0000000 with its notify ioeventfds there, and only there. */
	ck_assert_ptr_nonnull(ioevent_at(0xe0000000 + 0x3000));
	ck_assert_ptr_nonnull(ioevent_at(0xe0000000 + 0x3004));
	ck_assert_ptr_null(ioevent_at(0xe1000000 + 0x3000));
	vt_remove(&v);
}
END_TEST

/* ---- the DSDT fragment ---- */

/* Decode a PkgLength at p; returns its value and sets *n to its size. */
static size_t aml_pkglen(const u8 *p, size_t *n)
{
	size_t follow = p[0] >> 6, v = p[0] & (follow ? 0x0f : 0x3f);

	for (size_t i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	*n = 1 + follow;
	return v;
}

static const u8 *find_bytes(const u8 *hay, size_t len, const void *needle, size_t nlen)
{
	for (size_t i = 0; i + nlen <= len; i++)
		if (!memcmp(hay + i, needle, nlen))
			return hay + i;
	return NULL;
}

START_TEST(acpi_host_bridge_aml)
{
	u8 buf[1024], small[16];
	size_t len = pci_acpi_aml(buf, sizeof(buf)), n, pl, crs_len;
	const u8 *p, *end, *dev, *crs;
	bool bus = false, conf = false, mem = false;
	unsigned io_windows = 0;

	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(len, sizeof(buf));
	ck_assert_uint_eq(pci_acpi_aml(small, sizeof(small)), len);	/* sizes without writing past */

	/* Scope (\_SB_) whose PkgLength covers exactly the rest. */
	ck_assert_uint_eq(buf[0], 0x10);
	pl = aml_pkglen(buf + 1, &n);
	ck_assert_uint_eq(1 + pl, len);
	ck_assert(!memcmp(buf + 1 + n, "\\_SB_", 5));
	/* Device (PCI0), nested inside it. */
	dev = buf + 1 + n + 5;
	ck_assert_uint_eq(dev[0], 0x5b);
	ck_assert_uint_eq(dev[1], 0x82);
	pl = aml_pkglen(dev + 2, &n);
	ck_assert_ptr_eq(dev + 2 + pl, buf + len);
	ck_assert(!memcmp(dev + 2 + n, "PCI0", 4));
	/* _HID is EisaId ("PNP0A03"), i.e. a PCI host bridge. */
	p = find_bytes(dev, buf + len - dev, "\x08_HID\x0c", 6);
	ck_assert_ptr_nonnull(p);
	ck_assert(!memcmp(p + 6, "\x41\xd0\x0a\x03", 4));
	/* _CRS: a buffer of resource descriptors ending in an end tag. */
	crs = find_bytes(dev, buf + len - dev, "\x08_CRS\x11", 6);
	ck_assert_ptr_nonnull(crs);
	pl = aml_pkglen(crs + 6, &n);
	ck_assert_uint_eq(crs[6 + n], 0x0a);
	crs_len = crs[6 + n + 1];
	p = crs + 6 + n + 2;
	end = p + crs_len;
	ck_assert_ptr_eq(end, crs + 6 + pl);
	while (p < end && p[0] != 0x79) {
		u16 dlen;

		if (p[0] == 0x47) {	/* I/O port */
			conf = p[2] == 0xf8 && p[3] == 0x0c && p[7] == 8;
			p += 8;
			continue;
		}
		ck_assert(p[0] == 0x87 || p[0] == 0x88);
		memcpy(&dlen, p + 1, 2);
		if (p[0] == 0x88 && p[3] == 2) {
			u16 min, max;

			memcpy(&min, p + 8, 2);
			memcpy(&max, p + 10, 2);
			bus = min == 0 && max == 0;
		} else if (p[0] == 0x88 && p[3] == 1) {
			io_windows++;
		} else if (p[0] == 0x87 && p[3] == 0) {
			u32 min, max, size;

			memcpy(&min, p + 10, 4);
			memcpy(&max, p + 14, 4);
			memcpy(&size, p + 22, 4);
			mem = min == PCI_MMIO_START && max == PCI_MMIO_START + PCI_MMIO_SIZE - 1 &&
			      size == PCI_MMIO_SIZE;
		}
		p += 3 + dlen;
	}
	ck_assert_ptr_eq(p, end - 2);
	ck_assert(bus && conf && mem);
	ck_assert_uint_eq(io_windows, 2);

	/* _PRT: slot S's INTA# is GSI 16 + S % 8, as hw/pci.c wires it. */
	p = find_bytes(dev, buf + len - dev, "\x08_PRT\x12", 6);
	ck_assert_ptr_nonnull(p);
	pl = aml_pkglen(p + 6, &n);
	ck_assert_ptr_eq(p + 6 + pl, buf + len);	/* the last thing in PCI0 */
	ck_assert_uint_eq(p[6 + n], PCI_MAX_SLOTS - 1);
	p += 6 + n + 1;
	for (unsigned slot = 1; slot < PCI_MAX_SLOTS; slot++) {
		u32 adr;

		ck_assert_uint_eq(p[0], 0x12);
		pl = aml_pkglen(p + 1, &n);
		ck_assert_uint_eq(p[1 + n], 4);
		ck_assert_uint_eq(p[2 + n], 0x0c);
		memcpy(&adr, p + 3 + n, 4);
		ck_assert_uint_eq(adr, slot << 16 | 0xffff);
		ck_assert(!memcmp(p + 7 + n, "\x00\x00\x0a", 3));
		ck_assert_uint_eq(p[10 + n], pci_slot_gsi(slot));
		p += 1 + pl;
	}
	ck_assert_ptr_eq(p, buf + len);
}
END_TEST

Suite *pci_suite(void);

Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("conf1");
	TCase *bars = tcase_create("bars");
	TCase *msix = tcase_create("msix");
	TCase *vpci = tcase_create("virtio-pci");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, host_bridge_identity);
	tcase_add_test(tc, address_register);
	tcase_add_test(tc, absent_functions_read_all_ones);
	tcase_add_test(tc, sub_dword_accesses);
	tcase_add_test(tc, capability_list);
	tcase_add_test(tc, capability_space_runs_out);
	tcase_add_test(tc, acpi_host_bridge_aml);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(bars, setup, teardown);
	tcase_add_test(bars, bars_assigned_in_window);
	tcase_add_test(bars, bar_sizing);
	tcase_add_test(bars, memory_enable_bit);
	tcase_add_test(bars, bar_relocation_moves_handler);
	tcase_add_test(bars, bar_overlap_and_bad_addresses);
	tcase_add_test(bars, slots_and_window_run_out);
	tcase_add_test(bars, bad_bar_declarations);
	tcase_add_test(bars, intx_shared_line);
	suite_add_tcase(s, bars);

	tcase_add_checked_fixture(msix, setup, teardown);
	tcase_add_test(msix, msix_capability_layout);
	tcase_add_test(msix, msix_route_on_unmask_and_update);
	tcase_add_test(msix, msix_mask_sets_pba_and_unmask_delivers);
	tcase_add_test(msix, msix_function_mask_and_enable);
	tcase_add_test(msix, msix_bad_table_accesses);
	tcase_add_test(msix, msix_fallback_without_route);
	tcase_add_test(msix, msix_bad_sizes);
	tcase_add_test(msix, msix_routes_in_vm_routing);
	suite_add_tcase(s, msix);

	tcase_add_checked_fixture(vpci, setup, teardown);
	tcase_add_test(vpci, vpci_identity);
	tcase_add_test(vpci, vpci_capabilities);
	tcase_add_test(vpci, vpci_feature_negotiation);
	tcase_add_test(vpci, vpci_queue_select_out_of_range);
	tcase_add_test(vpci, vpci_queue_enable_checks_addresses);
	tcase_add_test(vpci, vpci_reset_and_reinit);
	tcase_add_test(vpci, vpci_interrupts_through_msix);
	tcase_add_test(vpci, vpci_intx_without_msix);
	tcase_add_test(vpci, vpci_notify_ioeventfds_follow_bar);
	tcase_add_test(vpci, vpci_device_config_and_pci_cfg_window);
	tcase_add_test(vpci, vpci_garbage_from_guest);
	tcase_add_test(vpci, vpci_garbage_config_space);
	tcase_add_test(vpci, vpci_bar_moves_race_accesses);
	tcase_add_test(vpci, vpci_end_to_end_request);
	tcase_add_test(vpci, vpci_console_follows_terminal_size);
	tcase_set_timeout(vpci, 30);
	suite_add_tcase(s, vpci);
	return s;
}

KITE_TEST_MAIN(pci_suite)
