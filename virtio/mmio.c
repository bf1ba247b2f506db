// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio transport, version 2 (virtio 1.2, 4.2.2): one 4 KiB slot per
 * device at VIRTIO_MMIO_START + n * VIRTIO_MMIO_SLOT, announced to Linux
 * with virtio_mmio.device=4K@ADDR:IRQ on the command line.
 *
 * Notifications: QueueNotify is an ioeventfd, so a guest kick costs no
 * exit to userspace. KVM's ioeventfd API here has no data match, so all
 * queues of a device share one eventfd (VIRTIO_KICK_SHARED) and its worker
 * looks at every queue on each kick.
 *
 * Interrupts: an irqfd on the device's ISA line. KVM raises and lowers the
 * line on each eventfd write, i.e. a pulse, which the IOAPIC sees as an
 * edge on a line kite describes as edge-triggered (ISA default). The
 * InterruptStatus bits are set before the pulse and only cleared by the
 * driver's InterruptACK; because *every* event pulses, an event that
 * arrives after the driver read InterruptStatus but before it acked gives
 * a new edge and a new interrupt, so none is lost. (A level line would
 * need a resample eventfd to drop the line on ACK: more machinery for no
 * gain with a driver that acks and then walks every queue, as Linux does.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "compat.h"
#include "virtio.h"

#define VIRTIO_MMIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION		2
#define VIRTIO_MMIO_VENDOR		0x4554494b	/* "KITE" */

#define INT_VRING			1
#define INT_CONFIG			2

struct virtio_mmio {
	struct vm *vm;
	struct virtio_dev *vdev;
	struct bus_dev bdev;
	char name[32];
	u32 irq;
	int irq_fd;		/* written to interrupt the guest (bound as irqfd) */
	bool irqfd_bound;
	bool ioeventfd_bound;
	atomic_uint isr;	/* InterruptStatus */
	/* Register selectors: guarded by lock (vCPUs may race on them). */
	pthread_mutex_t lock;
	u32 dev_features_sel;
	u32 drv_features_sel;
	u32 queue_sel;
};

static const struct bus_dev_ops virtio_mmio_bus_ops;

static void mmio_raise(struct virtio_mmio *m, unsigned bit)
{
	u64 one = 1;

	atomic_fetch_or(&m->isr, bit);
	if (write(m->irq_fd, &one, sizeof(one)) != sizeof(one))
		pr_debug("%s: irq eventfd: %s", m->name, strerror(errno));
}

static void mmio_signal_queue(struct virtio_dev *vdev, struct virtq *vq)
{
	mmio_raise(vdev->tpriv, INT_VRING);
}

static void mmio_signal_config(struct virtio_dev *vdev)
{
	mmio_raise(vdev->tpriv, INT_CONFIG);
}

static void mmio_reset(struct virtio_dev *vdev)
{
	struct virtio_mmio *m = vdev->tpriv;

	atomic_store(&m->isr, 0);
}

static void mmio_destroy(struct virtio_dev *vdev)
{
	struct virtio_mmio *m = vdev->tpriv;

	/* Off the bus first: bus_unregister waits for handlers in progress. */
	if (m->bdev.ops)
		bus_unregister(&m->vm->mmio_bus, &m->bdev);
	if (m->ioeventfd_bound)
		ioeventfd_deassign(m->vm, vdev->vqs[0].kick_fd,
				   m->bdev.base + VIRTIO_MMIO_REG_QUEUE_NOTIFY, 4, false);
	if (m->irqfd_bound)
		irqfd_deassign(m->vm, m->irq_fd, m->irq);
	if (m->irq_fd >= 0)
		close(m->irq_fd);
	pthread_mutex_destroy(&m->lock);
	vdev->tops = NULL;
	vdev->tpriv = NULL;
	free(m);
}

static const struct virtio_transport_ops mmio_transport_ops = {
	.signal_queue	= mmio_signal_queue,
	.signal_config	= mmio_signal_config,
	.reset		= mmio_reset,
	.destroy	= mmio_destroy,
};

static u32 mmio_reg_read(struct virtio_mmio *m, u64 off)
{
	struct virtio_dev *vdev = m->vdev;
	struct virtq *vq;
	u32 v = 0;

	pthread_mutex_lock(&m->lock);
	vq = virtio_get_vq(vdev, m->queue_sel);
	switch (off) {
	case VIRTIO_MMIO_REG_MAGIC:			v = VIRTIO_MMIO_MAGIC; break;
	case VIRTIO_MMIO_REG_VERSION:		v = VIRTIO_MMIO_VERSION; break;
	case VIRTIO_MMIO_REG_DEVICE_ID:		v = vdev->device_id; break;
	case VIRTIO_MMIO_REG_VENDOR_ID:		v = VIRTIO_MMIO_VENDOR; break;
	case VIRTIO_MMIO_REG_DEVICE_FEATURES:
		v = virtio_get_device_features(vdev, m->dev_features_sel);
		break;
	case VIRTIO_MMIO_REG_QUEUE_NUM_MAX:		v = vq ? vq->max_size : 0; break;
	case VIRTIO_MMIO_REG_QUEUE_READY:		v = vq ? vq->ready : 0; break;
	case VIRTIO_MMIO_REG_INTERRUPT_STATUS:	v = atomic_load(&m->isr); break;
	case VIRTIO_MMIO_REG_STATUS:		v = virtio_get_status(vdev); break;
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW:	v = vq ? (u32)vq->desc_gpa : 0; break;
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH:	v = vq ? (u32)(vq->desc_gpa >> 32) : 0; break;
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW:	v = vq ? (u32)vq->avail_gpa : 0; break;
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH:	v = vq ? (u32)(vq->avail_gpa >> 32) : 0; break;
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW:	v = vq ? (u32)vq->used_gpa : 0; break;
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH:	v = vq ? (u32)(vq->used_gpa >> 32) : 0; break;
	/* No shared memory regions: a length of all ones says "none" (4.2.2.1). */
	case VIRTIO_MMIO_REG_SHM_LEN_LOW:
	case VIRTIO_MMIO_REG_SHM_LEN_HIGH:		v = 0xffffffff; break;
	case VIRTIO_MMIO_REG_CONFIG_GENERATION:	v = virtio_config_generation(vdev); break;
	default:			v = 0; break;
	}
	pthread_mutex_unlock(&m->lock);
	return v;
}

/* Replace the low or high half of a 64-bit ring address. */
static u64 set_half(u64 old, u32 val, bool high)
{
	return high ? (old & 0xffffffffULL) | ((u64)val << 32)
		    : (old & ~0xffffffffULL) | val;
}

static void mmio_reg_write(struct virtio_mmio *m, u64 off, u32 val)
{
	struct virtio_dev *vdev = m->vdev;
	struct virtq *vq;
	u32 sel;

	pthread_mutex_lock(&m->lock);
	sel = m->queue_sel;
	vq = virtio_get_vq(vdev, sel);
	switch (off) {
	case VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL:	m->dev_features_sel = val; break;
	case VIRTIO_MMIO_REG_DRIVER_FEATURES:
		virtio_set_driver_features(vdev, m->drv_features_sel, val);
		break;
	case VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL:	m->drv_features_sel = val; break;
	case VIRTIO_MMIO_REG_QUEUE_SEL:		m->queue_sel = val; break;
	case VIRTIO_MMIO_REG_QUEUE_NUM:		virtio_queue_set_size(vdev, sel, val); break;
	case VIRTIO_MMIO_REG_QUEUE_READY:		virtio_queue_set_ready(vdev, sel, val & 1); break;
	case VIRTIO_MMIO_REG_QUEUE_NOTIFY:
		/* Only reached when the ioeventfd is not bound. */
		virtio_queue_kick(vdev, val);
		break;
	case VIRTIO_MMIO_REG_INTERRUPT_ACK:		atomic_fetch_and(&m->isr, ~val); break;
	case VIRTIO_MMIO_REG_STATUS:		virtio_set_status(vdev, val & 0xff); break;
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH:
		if (vq)
			virtio_queue_set_desc(vdev, sel, set_half(vq->desc_gpa, val,
						off == VIRTIO_MMIO_REG_QUEUE_DESC_HIGH));
		break;
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH:
		if (vq)
			virtio_queue_set_avail(vdev, sel, set_half(vq->avail_gpa, val,
						off == VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH));
		break;
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH:
		if (vq)
			virtio_queue_set_used(vdev, sel, set_half(vq->used_gpa, val,
						off == VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH));
		break;
	default:
		/* Read-only or unknown registers: writes are ignored. */
		break;
	}
	pthread_mutex_unlock(&m->lock);
}

static void mmio_read(struct bus_dev *dev, u64 off, void *data, u32 len)
{
	struct virtio_mmio *m = dev->priv;
	u32 v;

	if (off >= VIRTIO_MMIO_REG_CONFIG) {
		virtio_config_read(m->vdev, off - VIRTIO_MMIO_REG_CONFIG, data, len);
		return;
	}
	/* The register block is 32-bit wide only (4.2.2.2). */
	if (len != 4 || !IS_ALIGNED(off, 4)) {
		memset(data, 0, len);
		return;
	}
	v = mmio_reg_read(m, off);
	memcpy(data, &v, 4);
}

static void mmio_write(struct bus_dev *dev, u64 off, const void *data, u32 len)
{
	struct virtio_mmio *m = dev->priv;
	u32 v;

	if (off >= VIRTIO_MMIO_REG_CONFIG) {
		virtio_config_write(m->vdev, off - VIRTIO_MMIO_REG_CONFIG, data, len);
		return;
	}
	if (len != 4 || !IS_ALIGNED(off, 4))
		return;
	memcpy(&v, data, 4);
	mmio_reg_write(m, off, v);
}

static const struct bus_dev_ops virtio_mmio_bus_ops = {
	.read	= mmio_read,
	.write	= mmio_write,
};

/* The first free slot in the virtio-mmio window. */
static int mmio_free_slot(struct vm *vm, u64 *base)
{
	const unsigned slots = 256;	/* 1 MiB of the hole is plenty */
	int ret = -ENOSPC;

	pthread_rwlock_rdlock(&vm->mmio_bus.lock);
	for (unsigned i = 0; i < slots && ret; i++) {
		u64 b = VIRTIO_MMIO_START + i * VIRTIO_MMIO_SLOT;
		bool used = false;

		for (size_t j = 0; j < vm->mmio_bus.nr; j++) {
			struct bus_dev *d = vm->mmio_bus.devs[j];

			if (b < d->base + d->len && d->base < b + VIRTIO_MMIO_SLOT)
				used = true;
		}
		if (!used) {
			*base = b;
			ret = 0;
		}
	}
	pthread_rwlock_unlock(&vm->mmio_bus.lock);
	return ret;
}

int virtio_mmio_create(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	struct vm *vm = t->vm;
	struct virtio_mmio *m = calloc(1, sizeof(*m));
	u64 base;
	int ret;

	if (!m)
		return -ENOMEM;
	m->vm = vm;
	m->vdev = vdev;
	m->irq_fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->name, sizeof(m->name), "virtio-mmio:%s", vdev->name);

	ret = virtio_transport_attach(vdev, &mmio_transport_ops, m, VIRTIO_KICK_SHARED);
	if (ret)
		goto fail;
	ret = mmio_free_slot(vm, &base);
	if (ret) {
		pr_err("%s: no free virtio-mmio slot", vdev->name);
		goto fail;
	}
	ret = irq_alloc_line(vm);
	if (ret < 0) {
		pr_err("%s: no free interrupt line for virtio-mmio", vdev->name);
		goto fail;
	}
	m->irq = ret;
	m->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->irq_fd < 0) {
		ret = -errno;
		goto fail;
	}
	/*
	 * A VM without a KVM fd is a unit test's: it reads InterruptStatus
	 * and the eventfd counter instead of taking interrupts.
	 */
	if (vm->vm_fd >= 0) {
		ret = irqfd_assign(vm, m->irq_fd, m->irq);
		if (ret) {
			pr_err("%s: irqfd on line %u: %s", vdev->name, m->irq, strerror(-ret));
			goto fail;
		}
		m->irqfd_bound = true;
		ret = ioeventfd_assign(vm, vdev->vqs[0].kick_fd, base + VIRTIO_MMIO_REG_QUEUE_NOTIFY, 4, false);
		if (ret)
			pr_warn("%s: no ioeventfd (%s): notifications will trap", vdev->name,
				strerror(-ret));
		else
			m->ioeventfd_bound = true;
	}

	/* Described (the kernel finds it on its command line, a DT in the tree). */
	m->bdev = (struct bus_dev){
		.base = base, .len = VIRTIO_MMIO_SLOT, .ops = &virtio_mmio_bus_ops,
		.priv = m, .name = m->name, .compat = COMPAT_VIRTIO_MMIO, .irq_mask = 1u << m->irq,
	};
	ret = bus_register(&vm->mmio_bus, &m->bdev);
	if (ret) {
		m->bdev.ops = NULL;
		pr_err("%s: cannot register at 0x%llx: %s", vdev->name,
		       (unsigned long long)base, strerror(-ret));
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
	mmio_destroy(vdev);
	return ret;
}

/* For tests: the eventfd this device's interrupts are written to. */
int virtio_mmio_irq_fd(struct virtio_dev *vdev)
{
	struct virtio_mmio *m = vdev->tpriv;

	return vdev->tops == &mmio_transport_ops ? m->irq_fd : -1;
}
