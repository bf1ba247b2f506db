/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the virtio device harnesses share: the device their transport
 * made, put in the core's single-thread mode on virtio-mmio, and the
 * driver's feature step.
 */
#ifndef KITE_FUZZ_VIRTIO_H
#define KITE_FUZZ_VIRTIO_H

#include "virtio.h"
#include "fuzz.h"

/* The device the last create() made (one per input). */
static struct virtio_dev *fuzz_dev;

/* A transport's create(): virtio-mmio, no worker threads (we service). */
static inline int fuzz_create_inline(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	int ret;

	vdev->inline_service = true;
	ret = virtio_mmio_create(t, vdev);
	if (!ret)
		fuzz_dev = vdev;
	return ret;
}

/*
 * ACKNOWLEDGE, DRIVER, the device's features less drop, FEATURES_OK:
 * returns the status written so far, for DRIVER_OK to be added to.
 */
static inline u8 fuzz_negotiate(struct virtio_dev *dev, u64 drop)
{
	u8 st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	u64 feat = virtio_get_device_features(dev, 0) |
		   (u64)virtio_get_device_features(dev, 1) << 32;

	feat &= ~drop;
	virtio_set_status(dev, st);
	virtio_set_driver_features(dev, 0, (u32)feat);
	virtio_set_driver_features(dev, 1, (u32)(feat >> 32));
	virtio_set_status(dev, st |= VIRTIO_STATUS_FEATURES_OK);
	return st;
}

#endif
