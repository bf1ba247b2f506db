// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI host bridge: configuration mechanism #1, device slots, BAR
 * decoding on vm->mmio_bus, capability lists. See include/pci.h.
 */
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "pci.h"

#define CONF1_RESERVED		0x7f000000u	/* includes AMD's extended register bits */
#define CONF1_ADDR_MASK		0xfffffffcu	/* bits 1:0 read as zero */

/* COMMAND bits a guest may set; we have no I/O BARs, but a guest may try. */
#define PCI_COMMAND_WMASK	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
				 PCI_COMMAND_INTX_DISABLE)

static bool overlaps(u32 a, u32 alen, u32 b, u32 blen)
{
	return a < b + blen && b < a + alen;
}

u32 pci_bar_addr(const struct pci_dev *dev, int bar)
{
	if (bar < 0 || bar >= PCI_NR_BARS || !dev->bars[bar].mapped)
		return 0;
	return dev->bars[bar].addr;
}

/* A BAR may be decoded where it lies wholly below 4 GiB and is not 0. */
static bool bar_addr_ok(u32 addr, u32 size)
{
	return addr != 0 && (u64)addr + size <= MMIO_HOLE_END;
}

/* With host->intx_lock held: put dev's INTA# level on its shared line. */
static void intx_update(struct pci_dev *dev, bool on)
{
	struct pci_host *host = dev->host;
	unsigned line = (unsigned)dev->slot % PCI_INTX_LINES;
	u32 bit = 1u << dev->slot, old = host->intx_asserted[line], new;

	new = on ? old | bit : old & ~bit;
	host->intx_asserted[line] = new;
	if (!old != !new)
		host->irq->set_line(host->vm, pci_slot_gsi(dev->slot), new != 0);
}

static void intx_refresh(struct pci_dev *dev)
{
	struct pci_host *host = dev->host;

	pthread_mutex_lock(&host->intx_lock);
	if (dev->slot >= 0)
		intx_update(dev, atomic_load(&dev->intx_level) &&
			    !atomic_load(&dev->intx_disabled));
	pthread_mutex_unlock(&host->intx_lock);
}

void pci_intx_set(struct pci_dev *dev, bool level)
{
	atomic_store(&dev->intx_level, level);
	if (dev->intx && dev->host)
		intx_refresh(dev);
}

void pci_dev_enable_intx(struct pci_dev *dev)
{
	dev->intx = true;
	dev->cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
}

static void bar_notify(struct pci_dev *dev, int i, u32 addr, bool mapped)
{
	if (dev->ops && dev->ops->bar_mapped)
		dev->ops->bar_mapped(dev, i, addr, mapped);
}

static void bar_unmap(struct pci_dev *dev, int i)
{
	struct pci_bar *bar = &dev->bars[i];

	bus_unregister(&dev->host->vm->mmio_bus, &bar->bus);
	bar->mapped = false;
	bar_notify(dev, i, bar->addr, false);
}

/*
 * Make vm->mmio_bus match what COMMAND and the BARs now say. A BAR the
 * guest put on top of another device's range stays undecoded (only this
 * device stops working) until the guest moves it somewhere free.
 */
static void pci_decode_bars(struct pci_dev *dev)
{
	struct bus *mmio = &dev->host->vm->mmio_bus;
	bool mem_on = pci_cfg_read16(dev, PCI_COMMAND) & PCI_COMMAND_MEMORY;

	for (int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *bar = &dev->bars[i];
		u32 addr;
		bool want;

		if (!bar->size)
			continue;
		addr = pci_cfg_read32(dev, PCI_BASE_ADDRESS_0 + 4 * i) & PCI_BASE_ADDRESS_MEM_MASK;
		want = mem_on && bar_addr_ok(addr, bar->size);

		if (bar->mapped && want && bar->addr == addr)
			continue;
		if (bar->mapped && want) {
			u32 old = bar->addr;

			if (bus_move(mmio, &bar->bus, addr) == 0) {
				bar->addr = addr;
				bar_notify(dev, i, old, false);
				bar_notify(dev, i, addr, true);
				continue;
			}
			bar_unmap(dev, i);
			pr_debug("pci: %s BAR%d at %#x overlaps another device", dev->name, i, addr);
			continue;
		}
		if (bar->mapped)
			bar_unmap(dev, i);
		if (!want)
			continue;
		bar->bus.base = addr;
		if (bus_register(mmio, &bar->bus)) {
			pr_debug("pci: %s BAR%d at %#x overlaps another device", dev->name, i, addr);
			continue;
		}
		bar->mapped = true;
		bar->addr = addr;
		bar_notify(dev, i, addr, true);
	}
}

/* Which device and register does the CF8 latch select? NULL: none. */
static struct pci_dev *conf1_target(struct pci_host *host, u32 *reg)
{
	u32 a = host->conf1_addr;
	unsigned bus = (a >> 16) & 0xff, slot = (a >> 11) & 0x1f, fn = (a >> 8) & 7;

	if (!(a & PCI_CONF1_ENABLE) || (a & CONF1_RESERVED) || bus || fn)
		return NULL;
	*reg = a & 0xfc;
	return host->devs[slot];
}

static void cfg_write_bytes(struct pci_dev *dev, u32 off, const u8 *v, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		u8 m = dev->wmask[off + i];

		dev->cfg[off + i] = (dev->cfg[off + i] & ~m) | (v[i] & m);
	}
	if (overlaps(off, len, PCI_COMMAND, 2) ||
	    overlaps(off, len, PCI_BASE_ADDRESS_0, 4 * PCI_NR_BARS))
		pci_decode_bars(dev);
	if (dev->intx && overlaps(off, len, PCI_COMMAND, 2)) {
		atomic_store(&dev->intx_disabled,
			     pci_cfg_read16(dev, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
		intx_refresh(dev);
	}
	if (dev->msix) {
		pci_msix_cfg_write(dev->msix, off, len);
		/* A function with MSI-X enabled must not use INTx. */
		if (dev->intx && pci_msix_enabled(dev->msix))
			pci_intx_set(dev, false);
	}
	if (dev->ops && dev->ops->cfg_write)
		dev->ops->cfg_write(dev, off, len);
}

static void conf1_addr_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	struct pci_host *host = bd->priv;

	/* Only a dword access at 0xCF8 is the address register. */
	if (off != 0 || len != 4) {
		memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&host->lock);
	memcpy(data, &host->conf1_addr, 4);
	pthread_mutex_unlock(&host->lock);
}

static void conf1_addr_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct pci_host *host = bd->priv;
	u32 v;

	if (off != 0 || len != 4)
		return;
	memcpy(&v, data, 4);
	pthread_mutex_lock(&host->lock);
	host->conf1_addr = v & CONF1_ADDR_MASK;
	pthread_mutex_unlock(&host->lock);
}

/* Config space bytes [off, off + len) as the guest reads them (host->lock). */
static void cfg_read_bytes(struct pci_dev *dev, u32 off, void *data, u32 len)
{
	if (dev->ops && dev->ops->cfg_read)
		dev->ops->cfg_read(dev, off, len);
	memcpy(data, &dev->cfg[off], len);
	/* STATUS.INTERRUPT is live: the INTA# level, disabled or not. */
	if (dev->intx && overlaps(off, len, PCI_STATUS, 1) &&
	    atomic_load(&dev->intx_level))
		((u8 *)data)[PCI_STATUS - off] |= PCI_STATUS_INTERRUPT;
}

/* 0xCFC + off, len bytes: the bus keeps it inside the 4-byte window. */
static void conf1_data_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	struct pci_host *host = bd->priv;
	struct pci_dev *dev;
	u32 reg;

	memset(data, 0xff, len);
	if (!range_ok(off, len, 4))
		return;
	pthread_mutex_lock(&host->lock);
	dev = conf1_target(host, &reg);
	if (dev)
		cfg_read_bytes(dev, reg + off, data, len);
	pthread_mutex_unlock(&host->lock);
}

static void conf1_data_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct pci_host *host = bd->priv;
	struct pci_dev *dev;
	u32 reg;

	if (!range_ok(off, len, 4))
		return;
	pthread_mutex_lock(&host->lock);
	dev = conf1_target(host, &reg);
	if (dev)
		cfg_write_bytes(dev, reg + off, data, len);
	pthread_mutex_unlock(&host->lock);
}

/*
 * ECAM (the MCFG table points here): bus 0, function 0 of each slot, the
 * same 256 bytes mechanism #1 reaches; the extended space reads as all
 * ones (no PCIe capabilities). Linux uses it only above offset 255, but
 * with MCFG present it must decode, and kernels warn when there is none.
 */
static struct pci_dev *ecam_target(struct pci_host *host, u64 off, u32 len, u32 *reg)
{
	unsigned slot = (off >> 15) & 0x1f, fn = (off >> 12) & 7;

	*reg = off & 0xfff;
	if (fn || !range_ok(*reg, len, PCI_CFG_SIZE))
		return NULL;
	return host->devs[slot];
}

static void ecam_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	struct pci_host *host = bd->priv;
	struct pci_dev *dev;
	u32 reg;

	memset(data, 0xff, len);
	pthread_mutex_lock(&host->lock);
	dev = ecam_target(host, off, len, &reg);
	if (dev)
		cfg_read_bytes(dev, reg, data, len);
	pthread_mutex_unlock(&host->lock);
}

static void ecam_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct pci_host *host = bd->priv;
	struct pci_dev *dev;
	u32 reg;

	pthread_mutex_lock(&host->lock);
	dev = ecam_target(host, off, len, &reg);
	if (dev)
		cfg_write_bytes(dev, reg, data, len);
	pthread_mutex_unlock(&host->lock);
}

static const struct bus_dev_ops ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

static const struct bus_dev_ops conf1_addr_ops = {
	.read = conf1_addr_read,
	.write = conf1_addr_write,
};

static const struct bus_dev_ops conf1_data_ops = {
	.read = conf1_data_read,
	.write = conf1_data_write,
};

void pci_dev_init(struct pci_dev *dev, const char *name, u16 vendor, u16 device,
		  u32 class, u16 subsys_vendor, u16 subsys_id)
{
	memset(dev, 0, sizeof(*dev));
	dev->slot = -1;
	dev->name = name;
	dev->cap_next = PCI_CAP_START;

	pci_cfg_write16(dev, PCI_VENDOR_ID, vendor);
	pci_cfg_write16(dev, PCI_DEVICE_ID, device);
	pci_cfg_write32(dev, PCI_CLASS_REVISION, class << 8);
	dev->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	pci_cfg_write16(dev, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci_cfg_write16(dev, PCI_SUBSYSTEM_ID, subsys_id);

	pci_wmask_set16(dev, PCI_COMMAND, PCI_COMMAND_WMASK);
	dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	dev->wmask[PCI_LATENCY_TIMER] = 0xff;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

int pci_dev_add_bar(struct pci_dev *dev, int bar, u32 size,
		    const struct bus_dev_ops *ops, void *priv)
{
	struct pci_bar *b;
	u32 off = PCI_BASE_ADDRESS_0 + 4 * bar;

	if (bar < 0 || bar >= PCI_NR_BARS || size < 16 || (size & (size - 1)) ||
	    dev->bars[bar].size || dev->slot >= 0)
		return -EINVAL;
	b = &dev->bars[bar];
	b->size = size;
	b->bus.len = size;
	b->bus.ops = ops;
	b->bus.priv = priv;
	b->bus.name = dev->name;
	/* 32-bit, non-prefetchable memory: the type bits are all zero. */
	pci_cfg_write32(dev, off, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32);
	for (int i = 0; i < 4; i++)
		dev->wmask[off + i] = (~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK) >> (8 * i);
	return 0;
}

int pci_dev_add_cap(struct pci_dev *dev, u8 id, u8 len)
{
	u32 off = dev->cap_next;

	if (len < 2 || dev->slot >= 0 || !range_ok(off, len, PCI_CFG_SIZE))
		return -ENOSPC;
	memset(&dev->cfg[off], 0, len);
	memset(&dev->wmask[off], 0, len);
	dev->cfg[off + PCI_CAP_LIST_ID] = id;
	dev->cfg[off + PCI_CAP_LIST_NEXT] = 0;
	if (dev->cap_last)
		dev->cfg[dev->cap_last + PCI_CAP_LIST_NEXT] = off;
	else
		dev->cfg[PCI_CAPABILITY_LIST] = off;
	pci_cfg_write16(dev, PCI_STATUS, pci_cfg_read16(dev, PCI_STATUS) | PCI_STATUS_CAP_LIST);
	dev->cap_last = off;
	dev->cap_next = ALIGN_UP(off + len, 4);
	return off;
}

/* Give every BAR an address in the window: naturally aligned, bump-allocated. */
static int pci_place_bars(struct pci_host *host, struct pci_dev *dev)
{
	u64 next = host->mmio_next;

	for (int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *bar = &dev->bars[i];
		u32 off = PCI_BASE_ADDRESS_0 + 4 * i;

		if (!bar->size)
			continue;
		next = ALIGN_UP(next, (u64)bar->size);
		if (next + bar->size > host->mmio_end)
			return -ENOSPC;
		pci_cfg_write32(dev, off, (u32)next | (pci_cfg_read32(dev, off) &
						       ~PCI_BASE_ADDRESS_MEM_MASK));
		next += bar->size;
	}
	host->mmio_next = next;
	return 0;
}

int pci_register(struct pci_host *host, struct pci_dev *dev)
{
	int slot, ret;

	pthread_mutex_lock(&host->lock);
	for (slot = 0; slot < PCI_MAX_SLOTS; slot++)
		if (!host->devs[slot])
			break;
	if (slot == PCI_MAX_SLOTS) {
		ret = -ENOSPC;
		goto out;
	}
	dev->host = host;
	ret = pci_place_bars(host, dev);
	if (ret)
		goto out;
	dev->slot = slot;
	host->devs[slot] = dev;
	if (dev->intx)
		dev->cfg[PCI_INTERRUPT_LINE] = pci_slot_gsi(slot);
	pci_cfg_write16(dev, PCI_COMMAND, pci_cfg_read16(dev, PCI_COMMAND) | PCI_COMMAND_MEMORY);
	pci_decode_bars(dev);
	ret = slot;
out:
	pthread_mutex_unlock(&host->lock);
	return ret;
}

void pci_unregister(struct pci_dev *dev)
{
	struct pci_host *host = dev->host;

	if (!host || dev->slot < 0)
		return;
	pthread_mutex_lock(&host->lock);
	for (int i = 0; i < PCI_NR_BARS; i++)
		if (dev->bars[i].mapped)
			bar_unmap(dev, i);
	pthread_mutex_lock(&host->intx_lock);
	if (dev->intx)
		intx_update(dev, false);
	host->devs[dev->slot] = NULL;
	dev->slot = -1;
	pthread_mutex_unlock(&host->intx_lock);
	pthread_mutex_unlock(&host->lock);
}

int pci_host_init(struct pci_host *host, struct vm *vm, const struct pci_irq_ops *irq)
{
	int ret;

	memset(host, 0, sizeof(*host));
	host->vm = vm;
	host->irq = irq;
	host->mmio_next = PCI_MMIO_START;
	host->mmio_end = PCI_MMIO_START + PCI_MMIO_SIZE;
	pthread_mutex_init(&host->lock, NULL);
	pthread_mutex_init(&host->intx_lock, NULL);

	host->addr_port = (struct bus_dev){
		.base = PCI_CONF1_ADDR_PORT, .len = 4, .ops = &conf1_addr_ops,
		.priv = host, .name = "pci-conf1-addr",
	};
	host->data_port = (struct bus_dev){
		.base = PCI_CONF1_DATA_PORT, .len = 4, .ops = &conf1_data_ops,
		.priv = host, .name = "pci-conf1-data",
	};
	ret = bus_register(&vm->pio_bus, &host->addr_port);
	if (ret)
		goto err;
	ret = bus_register(&vm->pio_bus, &host->data_port);
	if (ret)
		goto err_addr;
	host->ecam = (struct bus_dev){
		.base = PCI_ECAM_START, .len = PCI_ECAM_SIZE, .ops = &ecam_ops,
		.priv = host, .name = "pci-ecam",
		.unlocked = true,	/* its writes map BARs on this bus; host->lock serialises */
	};
	ret = bus_register(&vm->mmio_bus, &host->ecam);
	if (ret)
		goto err_data;

	pci_dev_init(&host->bridge, "pci-host", PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_HOST,
		     PCI_CLASS_BRIDGE_HOST, PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_HOST);
	ret = pci_register(host, &host->bridge);
	if (ret < 0)
		goto err_ecam;
	return 0;

err_ecam:
	bus_unregister(&vm->mmio_bus, &host->ecam);
err_data:
	bus_unregister(&vm->pio_bus, &host->data_port);
err_addr:
	bus_unregister(&vm->pio_bus, &host->addr_port);
err:
	pthread_mutex_destroy(&host->intx_lock);
	pthread_mutex_destroy(&host->lock);
	pr_err("pci: cannot claim ports 0xcf8-0xcff or the ECAM window: %s", strerror(-ret));
	return ret;
}

void pci_host_exit(struct pci_host *host)
{
	for (int slot = PCI_MAX_SLOTS - 1; slot >= 0; slot--)
		if (host->devs[slot])
			pci_unregister(host->devs[slot]);
	bus_unregister(&host->vm->mmio_bus, &host->ecam);
	bus_unregister(&host->vm->pio_bus, &host->data_port);
	bus_unregister(&host->vm->pio_bus, &host->addr_port);
	pthread_mutex_destroy(&host->intx_lock);
	pthread_mutex_destroy(&host->lock);
}

const struct pci_irq_ops pci_kvm_irq_ops = {
	.add_msi_route = irq_add_msi_route,
	.update_msi_route = irq_update_msi_route,
	.irqfd_assign = irqfd_assign,
	.irqfd_deassign = irqfd_deassign,
	.ioeventfd_assign = ioeventfd_assign,
	.ioeventfd_deassign = ioeventfd_deassign,
	.signal_msi = irq_signal_msi,
	.set_line = irq_set_line,
};

static void pci_host_destroy(void *arg)
{
	struct pci_host *host = arg;

	pci_host_exit(host);
	free(host);
}

struct pci_host *pci_host_create(struct vm *vm)
{
	struct pci_host *host = malloc(sizeof(*host));

	if (!host) {
		pr_err("pci: out of memory");
		return NULL;
	}
	if (pci_host_init(host, vm, &pci_kvm_irq_ops)) {
		free(host);
		return NULL;
	}
	/* Registered before any device's teardown, so it runs after them all. */
	if (vm_on_exit(vm, pci_host_destroy, host)) {
		pr_err("pci: cannot register teardown");
		pci_host_exit(host);
		free(host);
		return NULL;
	}
	return host;
}
