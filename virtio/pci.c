// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci, modern interface only (virtio 1.2, 4.1): vendor 0x1af4,
 * device 0x1040 + the virtio device id, revision 1, no legacy I/O BAR.
 *
 *   BAR 0 (16 KiB)   0x0000 common config     VIRTIO_PCI_CAP_COMMON_CFG
 *                    0x1000 ISR status        VIRTIO_PCI_CAP_ISR_CFG
 *                    0x2000 device config     VIRTIO_PCI_CAP_DEVICE_CFG
 *                    0x3000 notify, 4 bytes per queue (queue_notify_off = index)
 *   BAR 1            MSI-X table and PBA (hw/pci-msix.c)
 *
 * Each queue's notify address is an ioeventfd on the queue's own kick
 * eventfd, re-pointed whenever the guest moves BAR 0, so a kick costs no
 * exit and wakes only that queue's worker. Interrupts go out through MSI-X:
 * one vector per queue plus one for config changes, each an irqfd.
 *
 * A driver that leaves MSI-X disabled gets legacy INTx instead: INTA#
 * (level, shared; hw/pci.c) is raised with the ISR bits and dropped when
 * the driver reads the ISR, which clears it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_pci.h>

#include "pci.h"
#include "virtio.h"

#define VPCI_BAR		0
#define VPCI_ISR_QUEUE		0x1	/* ISR bit 0: a queue interrupt */
#define VPCI_MSIX_BAR		1
#define VPCI_BAR_SIZE		0x4000
#define VPCI_COMMON_LEN		0x38	/* struct virtio_pci_common_cfg (1.0) */
#define VPCI_ISR_OFF		0x1000
#define VPCI_ISR_LEN		1
#define VPCI_DEVICE_OFF		0x2000
#define VPCI_DEVICE_MAX		0x1000
#define VPCI_NOTIFY_OFF		0x3000
#define VPCI_NOTIFY_MULT	4
#define VPCI_NOTIFY_MAX		0x1000

#define PCI_VENDOR_ID_VIRTIO	0x1af4
#define PCI_DEVICE_ID_VIRTIO_BASE 0x1040

/* The pci_cfg_data window of VIRTIO_PCI_CAP_PCI_CFG (struct virtio_pci_cfg_cap). */
#define VPCI_CFG_CAP_DATA	16
#define VPCI_CFG_CAP_LEN	20

struct virtio_pci {
	struct virtio_dev *vdev;
	struct vm *vm;
	struct pci_dev pdev;
	struct pci_msix msix;
	bool msix_ready;
	char name[32];

	/* Driver-visible selectors; nests outside vdev->lock. */
	pthread_mutex_t lock;
	u32 dfselect;
	u32 gfselect;
	u16 queue_sel;

	atomic_uint isr;
	int cfg_cap;			/* VIRTIO_PCI_CAP_PCI_CFG offset */

	/* ioeventfds, under host->lock (set in bar_mapped). */
	u32 notify_base;		/* guest address of queue 0's notify */
	bool *kick_bound;		/* [nr_queues] */
};

static const struct pci_irq_ops *vp_irq(struct virtio_pci *vp)
{
	return vp->pdev.host->irq;
}

/* ---- interrupts ---- */

/*
 * With MSI-X enabled, a vector (none: no interrupt, as the spec says);
 * without, INTA#.
 */
static void vp_raise(struct virtio_pci *vp, unsigned isr_bit, u16 vec)
{
	atomic_fetch_or(&vp->isr, isr_bit);
	if (vec != VIRTIO_MSI_NO_VECTOR && pci_msix_notify(&vp->msix, vec))
		return;
	if (!pci_msix_enabled(&vp->msix))
		pci_intx_set(&vp->pdev, true);
}

/*
 * The driver read (and so cleared) the ISR: drop INTA#, unless an event
 * raced in after the read, which must keep the line up.
 */
static u8 vp_isr_read(struct virtio_pci *vp)
{
	u8 v = atomic_exchange(&vp->isr, 0);

	pci_intx_set(&vp->pdev, false);
	if (atomic_load(&vp->isr) && !pci_msix_enabled(&vp->msix))
		pci_intx_set(&vp->pdev, true);
	return v;
}

static void vp_signal_queue(struct virtio_dev *vdev, struct virtq *vq)
{
	vp_raise(vdev->tpriv, VPCI_ISR_QUEUE,
		 __atomic_load_n(&vq->msix_vector, __ATOMIC_RELAXED));
}

/* MSI-X: the queue's vector's irqfd; INTx needs the ISR bit, so signal_queue. */
static int vp_queue_irqfd(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_pci *vp = vdev->tpriv;
	u16 vec = __atomic_load_n(&vq->msix_vector, __ATOMIC_RELAXED);

	return vec == VIRTIO_MSI_NO_VECTOR ? -1 : pci_msix_vector_irqfd(&vp->msix, vec);
}

static void vp_signal_config(struct virtio_dev *vdev)
{
	vp_raise(vdev->tpriv, VIRTIO_PCI_ISR_CONFIG,
		 __atomic_load_n(&vdev->config_msix_vector, __ATOMIC_RELAXED));
}

/* vdev->lock held (core reset): the core resets the vectors itself. */
static void vp_reset(struct virtio_dev *vdev)
{
	struct virtio_pci *vp = vdev->tpriv;

	atomic_store(&vp->isr, 0);
	pci_intx_set(&vp->pdev, false);
}

/* A vector the driver may select: one the MSI-X table has, or none. */
static u16 vp_vector(struct virtio_pci *vp, u16 v)
{
	return v < vp->msix.nr ? v : VIRTIO_MSI_NO_VECTOR;
}

/* ---- common configuration ---- */

static void put16(u8 *b, u32 off, u16 v) { memcpy(b + off, &v, 2); }
static void put32(u8 *b, u32 off, u32 v) { memcpy(b + off, &v, 4); }
static void put64(u8 *b, u32 off, u64 v) { memcpy(b + off, &v, 8); }

/* The whole structure as the driver would see it now: reads of any width slice it. */
static void common_snapshot(struct virtio_pci *vp, u8 *b)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virtq *vq;

	memset(b, 0, VPCI_COMMON_LEN);
	pthread_mutex_lock(&vp->lock);
	pthread_mutex_lock(&vdev->lock);
	put32(b, VIRTIO_PCI_COMMON_DFSELECT, vp->dfselect);
	put32(b, VIRTIO_PCI_COMMON_DF, virtio_get_device_features(vdev, vp->dfselect));
	put32(b, VIRTIO_PCI_COMMON_GFSELECT, vp->gfselect);
	put32(b, VIRTIO_PCI_COMMON_GF, vp->gfselect < 2 ?
	      (u32)(vdev->driver_features >> (32 * vp->gfselect)) : 0);
	put16(b, VIRTIO_PCI_COMMON_MSIX, vdev->config_msix_vector);
	put16(b, VIRTIO_PCI_COMMON_NUMQ, vdev->nr_queues);
	b[VIRTIO_PCI_COMMON_STATUS] = virtio_get_status(vdev);
	b[VIRTIO_PCI_COMMON_CFGGENERATION] = virtio_config_generation(vdev);
	put16(b, VIRTIO_PCI_COMMON_Q_SELECT, vp->queue_sel);
	vq = virtio_get_vq(vdev, vp->queue_sel);
	if (vq) {
		put16(b, VIRTIO_PCI_COMMON_Q_SIZE, vq->size);
		put16(b, VIRTIO_PCI_COMMON_Q_MSIX, vq->msix_vector);
		put16(b, VIRTIO_PCI_COMMON_Q_ENABLE, vq->ready);
		put16(b, VIRTIO_PCI_COMMON_Q_NOFF, vq->index);
		put64(b, VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc_gpa);
		put64(b, VIRTIO_PCI_COMMON_Q_AVAILLO, vq->avail_gpa);
		put64(b, VIRTIO_PCI_COMMON_Q_USEDLO, vq->used_gpa);
	} else {
		/* No such queue: size 0 says "unavailable" (4.1.4.3). */
		put16(b, VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	}
	pthread_mutex_unlock(&vdev->lock);
	pthread_mutex_unlock(&vp->lock);
}

static void common_read(struct virtio_pci *vp, u64 off, void *data, u32 len)
{
	u8 b[VPCI_COMMON_LEN];

	common_snapshot(vp, b);
	memcpy(data, b + off, len);
}

/* Replace the 32-bit half at byte `half` (0 or 4) of a 64-bit value. */
static u64 set_half(u64 old, u32 val, u32 half)
{
	return half ? (old & 0xffffffffULL) | ((u64)val << 32)
		    : (old & ~0xffffffffULL) | val;
}

/*
 * A ring address write: a whole 64-bit store at the low half, or either
 * 32-bit half (Linux writes two halves).
 */
static void common_write_addr(struct virtio_pci *vp, u32 field, u64 off, u64 val, u32 len,
			      int (*set)(struct virtio_dev *, u32, u64), u64 cur)
{
	if (len == 8 && off == field)
		set(vp->vdev, vp->queue_sel, val);
	else if (len == 4)
		set(vp->vdev, vp->queue_sel, set_half(cur, val, off - field));
}

/* The width each field must be written with, 0: read-only or no field. */
static u32 common_field_width(u64 off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
	case VIRTIO_PCI_COMMON_GFSELECT:
	case VIRTIO_PCI_COMMON_GF:
		return 4;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_Q_SELECT:
	case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX:
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return 2;
	case VIRTIO_PCI_COMMON_STATUS:
		return 1;
	default:
		return 0;
	}
}

static void common_write(struct virtio_pci *vp, u64 off, const void *data, u32 len)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virtq *vq;
	u64 val = 0;

	memcpy(&val, data, MIN(len, sizeof(val)));
	pthread_mutex_lock(&vp->lock);
	vq = virtio_get_vq(vdev, vp->queue_sel);

	if (off >= VIRTIO_PCI_COMMON_Q_DESCLO) {
		/* The three 64-bit ring addresses, each 8-aligned. */
		u32 field = ALIGN_DOWN((u32)off, 8);

		if (!vq || !IS_ALIGNED(off, len) || (len != 4 && len != 8))
			goto out;
		if (field == VIRTIO_PCI_COMMON_Q_DESCLO)
			common_write_addr(vp, field, off, val, len, virtio_queue_set_desc, vq->desc_gpa);
		else if (field == VIRTIO_PCI_COMMON_Q_AVAILLO)
			common_write_addr(vp, field, off, val, len, virtio_queue_set_avail, vq->avail_gpa);
		else
			common_write_addr(vp, field, off, val, len, virtio_queue_set_used, vq->used_gpa);
		goto out;
	}
	/* Every other field is written whole, at its own width. */
	if (common_field_width(off) != len)
		goto out;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = val;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = val;
		break;
	case VIRTIO_PCI_COMMON_GF:
		virtio_set_driver_features(vdev, vp->gfselect, val);
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		pthread_mutex_lock(&vdev->lock);
		__atomic_store_n(&vdev->config_msix_vector, vp_vector(vp, val), __ATOMIC_RELAXED);
		pthread_mutex_unlock(&vdev->lock);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		virtio_set_status(vdev, val);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_sel = val;
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		virtio_queue_set_size(vdev, vp->queue_sel, val);
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (!vq)
			break;
		pthread_mutex_lock(&vdev->lock);
		__atomic_store_n(&vq->msix_vector, vp_vector(vp, val), __ATOMIC_RELAXED);
		pthread_mutex_unlock(&vdev->lock);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		/* Only 1 means anything: disabling takes a reset. */
		if (val == 1)
			virtio_queue_set_ready(vdev, vp->queue_sel, true);
		break;
	}
out:
	pthread_mutex_unlock(&vp->lock);
}

/* ---- BAR 0 ---- */

static void vp_bar_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	struct virtio_pci *vp = bd->priv;
	struct virtio_dev *vdev = vp->vdev;

	memset(data, 0, len);
	if (range_ok(off, len, VPCI_COMMON_LEN)) {
		common_read(vp, off, data, len);
	} else if (off == VPCI_ISR_OFF) {
		/* Reading the ISR acknowledges it (4.1.4.5). */
		*(u8 *)data = vp_isr_read(vp);
	} else if (off >= VPCI_DEVICE_OFF && off < VPCI_DEVICE_OFF + VPCI_DEVICE_MAX) {
		virtio_config_read(vdev, off - VPCI_DEVICE_OFF, data, len);
	}
	/* Notify reads and the gaps read as zero. */
}

static void vp_bar_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct virtio_pci *vp = bd->priv;
	struct virtio_dev *vdev = vp->vdev;

	if (range_ok(off, len, VPCI_COMMON_LEN)) {
		common_write(vp, off, data, len);
	} else if (off >= VPCI_DEVICE_OFF && off < VPCI_DEVICE_OFF + VPCI_DEVICE_MAX) {
		virtio_config_write(vdev, off - VPCI_DEVICE_OFF, data, len);
	} else if (off >= VPCI_NOTIFY_OFF &&
		   off - VPCI_NOTIFY_OFF < (u64)vdev->nr_queues * VPCI_NOTIFY_MULT) {
		/* Reached only when the queue's ioeventfd is not bound. */
		virtio_queue_kick(vdev, (off - VPCI_NOTIFY_OFF) / VPCI_NOTIFY_MULT);
	}
}

static const struct bus_dev_ops vp_bar_ops = {
	.read = vp_bar_read,
	.write = vp_bar_write,
};

/* ---- config space hooks ---- */

static void vp_unbind_kicks(struct virtio_pci *vp)
{
	for (unsigned i = 0; i < vp->vdev->nr_queues; i++) {
		if (!vp->kick_bound[i])
			continue;
		vp_irq(vp)->ioeventfd_deassign(vp->vm, virtio_queue_kick_fd(vp->vdev, i),
					       vp->notify_base + i * VPCI_NOTIFY_MULT, 0, false);
		vp->kick_bound[i] = false;
	}
}

static void vp_bind_kicks(struct virtio_pci *vp, u32 bar_addr)
{
	vp->notify_base = bar_addr + VPCI_NOTIFY_OFF;
	for (unsigned i = 0; i < vp->vdev->nr_queues; i++) {
		/* Any width: Linux writes 16 bits, the spec allows others. */
		int ret = vp_irq(vp)->ioeventfd_assign(vp->vm, virtio_queue_kick_fd(vp->vdev, i),
						       vp->notify_base + i * VPCI_NOTIFY_MULT,
						       0, false);

		vp->kick_bound[i] = ret == 0;
		if (ret)
			pr_debug("%s: no ioeventfd for queue %u (%s): kicks will trap",
				 vp->name, i, strerror(-ret));
	}
}

static void vp_bar_mapped(struct pci_dev *pdev, int bar, u32 addr, bool mapped)
{
	struct virtio_pci *vp = pdev->priv;

	if (bar != VPCI_BAR)
		return;
	if (mapped)
		vp_bind_kicks(vp, addr);
	else
		vp_unbind_kicks(vp);
}

/*
 * VIRTIO_PCI_CAP_PCI_CFG: a window in config space onto BAR 0 for
 * drivers that cannot map it. Accesses go through the same handlers.
 */
static bool vp_cfg_window(struct virtio_pci *vp, u32 off, u32 len, u32 *bar_off, u32 *blen)
{
	u32 data = vp->cfg_cap + VPCI_CFG_CAP_DATA;
	struct pci_dev *pdev = &vp->pdev;

	if (!(off < data + 4 && data < off + len))
		return false;
	*bar_off = pci_cfg_read32(pdev, vp->cfg_cap + VIRTIO_PCI_CAP_OFFSET);
	*blen = pci_cfg_read32(pdev, vp->cfg_cap + VIRTIO_PCI_CAP_LENGTH);
	return pdev->cfg[vp->cfg_cap + VIRTIO_PCI_CAP_BAR] == VPCI_BAR &&
	       (*blen == 1 || *blen == 2 || *blen == 4) && IS_ALIGNED(*bar_off, *blen) &&
	       range_ok(*bar_off, *blen, VPCI_BAR_SIZE);
}

static void vp_cfg_write(struct pci_dev *pdev, u32 off, u32 len)
{
	struct virtio_pci *vp = pdev->priv;
	u32 bar_off, blen;

	if (vp_cfg_window(vp, off, len, &bar_off, &blen))
		vp_bar_write(&pdev->bars[VPCI_BAR].bus, bar_off,
			     &pdev->cfg[vp->cfg_cap + VPCI_CFG_CAP_DATA], blen);
}

static void vp_cfg_read(struct pci_dev *pdev, u32 off, u32 len)
{
	struct virtio_pci *vp = pdev->priv;
	u8 *data = &pdev->cfg[vp->cfg_cap + VPCI_CFG_CAP_DATA];
	u32 bar_off, blen;

	if (!vp_cfg_window(vp, off, len, &bar_off, &blen))
		return;
	memset(data, 0, 4);
	vp_bar_read(&pdev->bars[VPCI_BAR].bus, bar_off, data, blen);
}

static const struct pci_dev_ops vp_pci_ops = {
	.bar_mapped = vp_bar_mapped,
	.cfg_write = vp_cfg_write,
	.cfg_read = vp_cfg_read,
};

/* ---- setup and teardown ---- */

static int vp_add_cap(struct virtio_pci *vp, u8 type, u8 len, u32 off, u32 length)
{
	struct pci_dev *pdev = &vp->pdev;
	int cap = pci_dev_add_cap(pdev, PCI_CAP_ID_VNDR, len);

	if (cap < 0)
		return cap;
	pdev->cfg[cap + VIRTIO_PCI_CAP_LEN] = len;
	pdev->cfg[cap + VIRTIO_PCI_CAP_CFG_TYPE] = type;
	pdev->cfg[cap + VIRTIO_PCI_CAP_BAR] = VPCI_BAR;
	pci_cfg_write32(pdev, cap + VIRTIO_PCI_CAP_OFFSET, off);
	pci_cfg_write32(pdev, cap + VIRTIO_PCI_CAP_LENGTH, length);
	return cap;
}

static int vp_add_caps(struct virtio_pci *vp)
{
	/* Common config sits at the start of BAR 0. */
	struct pci_dev *pdev = &vp->pdev;
	u32 cfg_len = vp->vdev->config_size;
	int cap;

	if (vp_add_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, sizeof(struct virtio_pci_cap),
		       0, VPCI_COMMON_LEN) < 0)
		return -ENOSPC;
	cap = vp_add_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, sizeof(struct virtio_pci_notify_cap),
			 VPCI_NOTIFY_OFF, vp->vdev->nr_queues * VPCI_NOTIFY_MULT);
	if (cap < 0)
		return -ENOSPC;
	pci_cfg_write32(pdev, cap + VIRTIO_PCI_NOTIFY_CAP_MULT, VPCI_NOTIFY_MULT);
	if (vp_add_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, sizeof(struct virtio_pci_cap),
		       VPCI_ISR_OFF, VPCI_ISR_LEN) < 0)
		return -ENOSPC;
	if (cfg_len && vp_add_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, sizeof(struct virtio_pci_cap),
				  VPCI_DEVICE_OFF, cfg_len) < 0)
		return -ENOSPC;
	cap = vp_add_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, VPCI_CFG_CAP_LEN, 0, 0);
	if (cap < 0)
		return -ENOSPC;
	/* The driver picks the window: bar, offset, length and the data. */
	pdev->wmask[cap + VIRTIO_PCI_CAP_BAR] = 0xff;
	memset(&pdev->wmask[cap + VIRTIO_PCI_CAP_OFFSET], 0xff, 12);
	vp->cfg_cap = cap;
	return 0;
}

static u32 vp_class(u32 device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return 0x020000;	/* network, ethernet */
	case VIRTIO_ID_BLOCK:
		return 0x018000;	/* mass storage, other */
	case VIRTIO_ID_CONSOLE:
		return 0x078000;	/* communication, other */
	default:
		return 0xff0000;	/* unassigned class */
	}
}

static void vp_free(struct virtio_pci *vp)
{
	struct virtio_dev *vdev = vp->vdev;

	/* Off the PCI bus first: unmapping BAR 0 unbinds the ioeventfds. */
	pci_unregister(&vp->pdev);
	if (vp->msix_ready)
		pci_msix_exit(&vp->msix);
	pthread_mutex_destroy(&vp->lock);
	free(vp->kick_bound);
	if (vdev->tpriv == vp) {
		vdev->tops = NULL;
		vdev->tpriv = NULL;
	}
	free(vp);
}

static void vp_destroy(struct virtio_dev *vdev)
{
	vp_free(vdev->tpriv);
}

static const struct virtio_transport_ops vp_transport_ops = {
	.signal_queue	= vp_signal_queue,
	.queue_irqfd	= vp_queue_irqfd,
	.signal_config	= vp_signal_config,
	.reset		= vp_reset,
	.destroy	= vp_destroy,
};

int virtio_pci_create(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	struct pci_host *host = t->pci;
	struct vm *vm = t->vm;
	struct virtio_pci *vp;
	int ret;

	if (!host)
		return -ENODEV;
	if (vdev->config_size > VPCI_DEVICE_MAX ||
	    vdev->nr_queues * VPCI_NOTIFY_MULT > VPCI_NOTIFY_MAX ||
	    vdev->nr_queues + 1 > PCI_MSIX_MAX_VECTORS) {
		pr_err("%s: too many queues or too much config space for virtio-pci", vdev->name);
		return -EINVAL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->kick_bound = calloc(vdev->nr_queues, sizeof(*vp->kick_bound));
	if (!vp->kick_bound) {
		free(vp);
		return -ENOMEM;
	}
	vp->vdev = vdev;
	vp->vm = vm;
	pthread_mutex_init(&vp->lock, NULL);
	snprintf(vp->name, sizeof(vp->name), "virtio-pci:%s", vdev->name);

	pci_dev_init(&vp->pdev, vp->name, PCI_VENDOR_ID_VIRTIO,
		     PCI_DEVICE_ID_VIRTIO_BASE + vdev->device_id, vp_class(vdev->device_id),
		     PCI_VENDOR_ID_VIRTIO, vdev->device_id);
	vp->pdev.cfg[PCI_REVISION_ID] = 1;	/* non-transitional (4.1.2.1) */
	pci_dev_enable_intx(&vp->pdev);
	vp->pdev.ops = &vp_pci_ops;
	vp->pdev.priv = vp;
	vp->pdev.host = host;

	ret = pci_dev_add_bar(&vp->pdev, VPCI_BAR, VPCI_BAR_SIZE, &vp_bar_ops, vp);
	if (!ret)
		ret = vp_add_caps(vp);
	if (!ret)
		ret = pci_msix_init(&vp->msix, &vp->pdev, vdev->nr_queues + 1, VPCI_MSIX_BAR);
	if (ret) {
		pr_err("%s: cannot lay out the PCI function: %s", vdev->name, strerror(-ret));
		goto fail;
	}
	vp->msix_ready = true;

	/* The kick eventfds must exist before BAR 0 is mapped and binds them. */
	ret = virtio_transport_attach(vdev, &vp_transport_ops, vp, 0);
	if (ret) {
		pr_err("%s: %s", vdev->name, strerror(-ret));
		goto fail;
	}
	ret = pci_register(host, &vp->pdev);
	if (ret < 0) {
		pr_err("%s: no free PCI slot or BAR space", vdev->name);
		goto fail;
	}
	ret = vm_on_exit(vm, virtio_dev_destroy, vdev);
	if (ret) {
		pr_err("%s: cannot register teardown", vdev->name);
		goto fail;
	}
	return 0;
fail:
	/* Leave vdev as the caller gave it: unattached, its fds closed by destroy. */
	vp_free(vp);
	return ret;
}

/* For tests: the PCI function behind a virtio-pci device. */
struct pci_dev *virtio_pci_dev(struct virtio_dev *vdev)
{
	struct virtio_pci *vp = vdev->tpriv;

	return vdev->tops == &vp_transport_ops ? &vp->pdev : NULL;
}
