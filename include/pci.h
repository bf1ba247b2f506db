/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI: one host bridge (bus 0, device 0) reached through configuration
 * mechanism #1 (address at port 0xCF8, data at 0xCFC-0xCFF), up to 31
 * single-function devices, 32-bit memory BARs in the PCI window of the
 * 32-bit hole, and a capability list per device.
 *
 * Config space is a byte array per device plus a mask of the bits the guest
 * may change; generic writes go through the mask, so BAR sizing (write all
 * ones, read back the size mask) falls out of the BAR's writable bits.
 * After a write to COMMAND or a BAR the host (re)decodes the device's BARs
 * on vm->mmio_bus and tells the device, which re-points its ioeventfds.
 *
 * Locking: host->lock serialises config space (all devices) and the CF8
 * latch; it is taken on vCPU threads in the port handlers and may be held
 * while the host changes vm->mmio_bus. BAR handlers (on mmio_bus) must never
 * take host->lock: they use their device's own lock.
 */
#ifndef KITE_PCI_H
#define KITE_PCI_H

#include <pthread.h>
#include <stdatomic.h>
#include <linux/pci_regs.h>

#include "bus.h"
#include "kvm.h"

#define PCI_CFG_SIZE		256	/* mechanism #1 reaches no further */
#define PCI_MAX_SLOTS		32	/* slot 0 is the host bridge */
#define PCI_NR_BARS		6
#define PCI_CONF1_ADDR_PORT	0xCF8
#define PCI_CONF1_DATA_PORT	0xCFC
#define PCI_CONF1_ENABLE	0x80000000u
#define PCI_CAP_START		0x40	/* first byte after the type 0 header */

#define PCI_VENDOR_ID_REDHAT	0x1b36
#define PCI_DEVICE_ID_REDHAT_HOST 0x0008
#define PCI_CLASS_BRIDGE_HOST	0x060000	/* base 06 (bridge), sub 00 (host) */

struct pci_dev;
struct pci_host;
struct pci_msix;

/*
 * The KVM calls PCI devices make (interrupt routes, irqfds, ioeventfds),
 * behind a table so the unit tests can watch them without /dev/kvm.
 * pci_kvm_irq_ops (hw/pci.c) is the real one, on top of kvm/irq.c.
 */
struct pci_irq_ops {
	int (*add_msi_route)(struct vm *vm, u64 addr, u32 data);
	int (*update_msi_route)(struct vm *vm, u32 gsi, u64 addr, u32 data);
	int (*irqfd_assign)(struct vm *vm, int efd, u32 gsi);
	int (*irqfd_deassign)(struct vm *vm, int efd, u32 gsi);
	int (*ioeventfd_assign)(struct vm *vm, int efd, u64 addr, u32 len, bool pio);
	int (*ioeventfd_deassign)(struct vm *vm, int efd, u64 addr, u32 len, bool pio);
	int (*signal_msi)(struct vm *vm, u64 addr, u32 data);
	int (*set_line)(struct vm *vm, u32 gsi, int level);
};
extern const struct pci_irq_ops pci_kvm_irq_ops;

struct pci_bar {
	u32 size;		/* a power of two >= 16; 0: not implemented */
	bool mapped;		/* decoded: bus is on vm->mmio_bus at addr */
	u32 addr;		/* where it is decoded (valid while mapped) */
	struct bus_dev bus;	/* the device's handlers for the BAR */
};

struct pci_dev_ops {
	/*
	 * BAR `bar` started (mapped) or stopped being decoded at addr. Called
	 * with host->lock held, after vm->mmio_bus changed: a device with
	 * ioeventfds in the BAR moves them here. May be NULL.
	 */
	void (*bar_mapped)(struct pci_dev *dev, int bar, u32 addr, bool mapped);
	/*
	 * The guest wrote config bytes [off, off + len) (already stored
	 * through the writable mask). Capabilities with side effects (MSI-X
	 * enable) act here, with host->lock held. May be NULL.
	 */
	void (*cfg_write)(struct pci_dev *dev, u32 off, u32 len);
	/*
	 * The guest is about to read config bytes [off, off + len): a
	 * register backed by device state refreshes dev->cfg here, with
	 * host->lock held. May be NULL.
	 */
	void (*cfg_read)(struct pci_dev *dev, u32 off, u32 len);
};

struct pci_dev {
	struct pci_host *host;
	int slot;			/* -1 until registered */
	const char *name;
	const struct pci_dev_ops *ops;
	void *priv;
	struct pci_msix *msix;		/* its MSI-X capability, if any */
	bool intx;			/* has INTA# (pci_dev_enable_intx) */
	atomic_bool intx_level;		/* what the device drives on INTA# */
	atomic_bool intx_disabled;	/* COMMAND.INTX_DISABLE, mirrored */

	u8 cfg[PCI_CFG_SIZE];
	u8 wmask[PCI_CFG_SIZE];		/* bits the guest may change */
	u16 cap_next;			/* where the next capability goes */
	u8 cap_last;			/* the last capability, 0: none yet */
	struct pci_bar bars[PCI_NR_BARS];
};

struct pci_host {
	struct vm *vm;
	const struct pci_irq_ops *irq;
	pthread_mutex_t lock;
	u32 conf1_addr;			/* the CF8 latch */
	struct pci_dev *devs[PCI_MAX_SLOTS];
	struct pci_dev bridge;		/* 00:00.0 */
	u64 mmio_next;			/* BAR allocator in the PCI window */
	u64 mmio_end;
	struct bus_dev addr_port;
	struct bus_dev data_port;
	struct bus_dev ecam;		/* PCI_ECAM_START, on the MMIO bus */

	/* INTx: which slots assert each shared line (intx_lock, not lock). */
	pthread_mutex_t intx_lock;
	u32 intx_asserted[8];
};

/*
 * Legacy INTx, for a guest that does not enable MSI-X: INTA# of slot s is
 * wired to IOAPIC pin 16 + s % 8 (level-triggered, shared), the same table
 * the DSDT's _PRT gives the guest. The host ORs the slots sharing a line.
 */
#define PCI_INTX_GSI_BASE	16
#define PCI_INTX_LINES		8

static inline u32 pci_slot_gsi(int slot)
{
	return PCI_INTX_GSI_BASE + (unsigned)slot % PCI_INTX_LINES;
}

/* Give the function an INTA# pin (before pci_register). */
void pci_dev_enable_intx(struct pci_dev *dev);
/*
 * Drive INTA# (level semantics: it stays asserted until set false).
 * Honours COMMAND.INTX_DISABLE; shows in STATUS.INTERRUPT. Any thread,
 * including BAR handlers: takes only host->intx_lock.
 */
void pci_intx_set(struct pci_dev *dev, bool level);

/*
 * Put the host bridge on vm->pio_bus (ports 0xCF8-0xCFF). irq is
 * &pci_kvm_irq_ops outside tests. pci_host_exit undoes it.
 */
int pci_host_init(struct pci_host *host, struct vm *vm, const struct pci_irq_ops *irq);
void pci_host_exit(struct pci_host *host);

/*
 * Fill a device's header: type 0, single function, the ids and class
 * (class is 24 bits: base << 16 | sub << 8 | prog-if). Nothing is on a bus
 * until pci_register().
 */
void pci_dev_init(struct pci_dev *dev, const char *name, u16 vendor, u16 device,
		  u32 class, u16 subsys_vendor, u16 subsys_id);

/*
 * Declare 32-bit non-prefetchable memory BAR `bar` of `size` bytes (a
 * power of two, at least 16) handled by ops with priv. Before pci_register.
 */
int pci_dev_add_bar(struct pci_dev *dev, int bar, u32 size,
		    const struct bus_dev_ops *ops, void *priv);

/*
 * Append a capability of `len` bytes (including the id and next bytes)
 * to the list and return its offset in config space, or -ENOSPC. The
 * body starts read-only and zeroed; the caller fills dev->cfg and opens
 * bits in dev->wmask. Before pci_register.
 */
int pci_dev_add_cap(struct pci_dev *dev, u8 id, u8 len);

/*
 * Put dev in the first free slot, give its BARs addresses in the PCI
 * window and enable memory decoding, as firmware would. -ENOSPC when the
 * slots or the window are full.
 */
int pci_register(struct pci_host *host, struct pci_dev *dev);
/* Stop decoding its BARs and free the slot. */
void pci_unregister(struct pci_dev *dev);

/* Little-endian config space accessors for device code. */
static inline u16 pci_cfg_read16(const struct pci_dev *dev, u32 off)
{
	return dev->cfg[off] | dev->cfg[off + 1] << 8;
}

static inline u32 pci_cfg_read32(const struct pci_dev *dev, u32 off)
{
	return (u32)pci_cfg_read16(dev, off) | (u32)pci_cfg_read16(dev, off + 2) << 16;
}

static inline void pci_cfg_write16(struct pci_dev *dev, u32 off, u16 v)
{
	dev->cfg[off] = v;
	dev->cfg[off + 1] = v >> 8;
}

static inline void pci_cfg_write32(struct pci_dev *dev, u32 off, u32 v)
{
	pci_cfg_write16(dev, off, v);
	pci_cfg_write16(dev, off + 2, v >> 16);
}

/* Open bits of config space to guest writes. */
static inline void pci_wmask_set16(struct pci_dev *dev, u32 off, u16 mask)
{
	dev->wmask[off] = mask;
	dev->wmask[off + 1] = mask >> 8;
}

/* The guest-physical address BAR `bar` decodes at, or 0 when it does not. */
u32 pci_bar_addr(const struct pci_dev *dev, int bar);

/*
 * A host bridge for vm with the KVM irq ops, torn down with the VM
 * through vm_on_exit (after every device added to it). NULL with a
 * pr_err() line if it cannot be set up. An ACPI guest finds it only
 * through pci_acpi_aml in the DSDT: the machine adds that.
 */
struct pci_host *pci_host_create(struct vm *vm);

/*
 * hw/pci-aml.c: AML for the DSDT, Scope (\_SB) { Device (PCI0) { ... } },
 * the PNP0A03 host bridge with its bus, config ports, I/O and the BAR
 * window. An ACPI guest (Linux) finds PCI only through it. Returns the
 * size; the AML is complete in buf only if that is <= len.
 */
size_t pci_acpi_aml(u8 *buf, size_t len);

/* virtio/pci.c: the PCI function of a virtio-pci device (tests), or NULL. */
struct virtio_dev;
struct pci_dev *virtio_pci_dev(struct virtio_dev *vdev);

/*
 * MSI-X (hw/pci-msix.c): the capability plus a table and a pending bit
 * array sharing one BAR of their own (table at 0, PBA after it).
 *
 * Each vector gets a GSI routed to the guest's (address, data) and an
 * eventfd bound to it with an irqfd, both made the first time the vector
 * is unmasked; later address/data writes update the route. A vector that
 * fires while masked (or under the function mask) sets its PBA bit and is
 * delivered when unmasked.
 *
 * Locking: msix->lock guards the table, PBA and the enable/mask mirror of
 * message control; it nests inside host->lock (config writes) and is the
 * only lock the BAR handler and pci_msix_notify take.
 */
struct pci_msix_vec {
	u32 addr_lo, addr_hi, data, ctrl;
	int gsi;			/* -1: no route yet */
	int efd;			/* irqfd on gsi, -1: none */
	bool bound;			/* efd is KVM's irqfd now (the vector is deliverable) */
	bool stale;			/* the route lags address/data */
};

struct pci_msix {
	struct pci_dev *pdev;
	pthread_mutex_t lock;
	unsigned nr;
	int cap;			/* capability offset in config space */
	int bar;
	u32 pba_off;			/* in the BAR */
	bool enabled;			/* message control: MSI-X enable */
	bool fmask;			/* message control: function mask */
	struct pci_msix_vec *vecs;
	u64 *pba;
};

#define PCI_MSIX_MAX_VECTORS	2048

/*
 * Add the capability and BAR `bar` to pdev for nr vectors (before
 * pci_register). Returns 0 or -errno; pci_msix_exit frees it.
 */
int pci_msix_init(struct pci_msix *msix, struct pci_dev *pdev, unsigned nr, int bar);
void pci_msix_exit(struct pci_msix *msix);
/* The guest wrote config bytes [off, off + len): called by the host. */
void pci_msix_cfg_write(struct pci_msix *msix, u32 off, u32 len);
/*
 * Raise vector vec from any thread. Returns false if MSI-X is disabled
 * (the caller has no other way to interrupt: kite has no INTx for PCI).
 */
bool pci_msix_notify(struct pci_msix *msix, unsigned vec);
/* Is MSI-X enabled (message control)? Any thread. */
bool pci_msix_enabled(struct pci_msix *msix);
/*
 * The eventfd that raises vector vec in the kernel (its irqfd), for a
 * back-end in another process to signal without a kite thread between
 * (vhost-user's call fd); -1 when the vector is not live or has none.
 * While the guest masks the vector the eventfd is not KVM's: what the
 * back-end signals meanwhile shows in the PBA and arrives at unmask.
 */
int pci_msix_vector_irqfd(struct pci_msix *msix, unsigned vec);
/* Is vector vec's PBA bit set? (for tests and debugging) */
bool pci_msix_pending(struct pci_msix *msix, unsigned vec);

#endif
