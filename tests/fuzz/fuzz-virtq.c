// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue walker (virtio/virtq.c) on rings a guest wrote:
 * descriptor chains, indirect tables, avail/used indexes, EVENT_IDX. The
 * input's first 8 bytes are the driver's choices (features, queue size,
 * where desc/avail/used sit in RAM), the rest is guest RAM (64 KiB,
 * zeros beyond the input). The device pops every chain, checks the
 * iovecs lie in guest RAM, and pushes it back, as a device would; a
 * malformed ring must end in NEEDS_RESET, never a stray access.
 */
#include "virtio.h"
#include "fuzz.h"

#define RAM		(64 * 1024)
#define MAX_IOV		16

static void fz_signal_queue(struct virtio_dev *vdev, struct virtq *vq) {}
static void fz_signal_config(struct virtio_dev *vdev) {}
static void fz_reset(struct virtio_dev *vdev) {}

static const struct virtio_transport_ops fz_tops = {
	.signal_queue = fz_signal_queue,
	.signal_config = fz_signal_config,
	.reset = fz_reset,
};

static void fz_queue_notify(struct virtio_dev *vdev, struct virtq *vq) {}

static const struct virtio_dev_ops fz_ops = {
	.queue_notify = fz_queue_notify,
};

static void negotiate(struct virtio_dev *vdev, u64 features)
{
	u8 s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vdev, s);
	virtio_set_driver_features(vdev, 0, (u32)features);
	virtio_set_driver_features(vdev, 1, (u32)(features >> 32));
	virtio_set_status(vdev, s | VIRTIO_STATUS_FEATURES_OK);
}

static bool in_ram(struct vm *vm, const struct iovec *iov)
{
	const u8 *b = iov->iov_base;

	return b >= vm->ram && b <= vm->ram + RAM && iov->iov_len <= (size_t)(vm->ram + RAM - b);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vm vm;
	struct fin in = { data, size };
	struct virtio_dev vdev;
	struct iovec iov[MAX_IOV];
	struct virtq_elem e = { .iov = iov, .max_iov = MAX_IOV };
	struct virtq *vq;
	u8 cfg[4] = { 0 };
	u8 flags;
	u16 qsize;
	u64 desc, avail, used;

	if (!vm.ram)
		fuzz_vm_init(&vm, RAM);
	flags = fin_u8(&in);
	qsize = 1u << (fin_u8(&in) % 9);	/* 1 .. 256 */
	desc = fin_u16(&in);
	avail = fin_u16(&in);
	used = fin_u16(&in);
	memset(vm.ram, 0, RAM);
	memcpy(vm.ram, in.p, MIN(in.n, (size_t)RAM));

	FUZZ_CHECK(virtio_dev_init(&vdev, &vm, "fuzz", 42, 0, 1, 256, cfg, sizeof(cfg),
				   &fz_ops, NULL) == 0);
	FUZZ_CHECK(virtio_transport_attach(&vdev, &fz_tops, NULL, 0) == 0);
	negotiate(&vdev, VIRTIO_BIT(VIRTIO_F_VERSION_1) |
		  (flags & 1 ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0) |
		  (flags & 2 ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0));
	if (!virtio_queue_set_size(&vdev, 0, qsize) &&
	    !virtio_queue_set_addr(&vdev, 0, desc, avail, used) &&
	    !virtio_queue_set_ready(&vdev, 0, true)) {
		vq = virtio_get_vq(&vdev, 0);
		/* What DRIVER_OK applies, without starting a worker. */
		vq->indirect = flags & 1;
		vq->event_idx = flags & 2;
		for (unsigned round = 0; round < 2 * 256; round++) {
			int r = virtq_pop(vq, &e);

			if (r <= 0) {
				if (r == 0 && (flags & 4) && virtq_enable_kicks(vq))
					continue;
				break;
			}
			FUZZ_CHECK(e.nr_out + e.nr_in <= MAX_IOV);
			for (unsigned i = 0; i < (unsigned)e.nr_out + e.nr_in; i++)
				FUZZ_CHECK(in_ram(&vm, &iov[i]));
			if (flags & 8 && round == 0) {
				virtq_unpop(vq);
				continue;
			}
			virtq_push(vq, e.head, e.in_len);
			virtq_notify(vq);
		}
	}
	virtio_dev_destroy(&vdev);
	return 0;
}
