/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake guest for virtio unit tests: a struct vm with one malloc'd RAM
 * bank (no KVM), a bump allocator in guest RAM, and a tiny split-ring
 * "driver" that writes descriptors and avail entries the way a guest
 * would. Included by tests/unit/test-virt*.c only.
 */
#ifndef KITE_TEST_VIRTIO_HARNESS_H
#define KITE_TEST_VIRTIO_HARNESS_H

#include <pthread.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "virtio.h"

#define TEST_RAM_SIZE	(4 * MiB)

struct tvm {
	struct vm vm;
	u64 next_gpa;		/* bump allocator */
};

static inline void tvm_init(struct tvm *t, unsigned nr_cpus)
{
	memset(t, 0, sizeof(*t));
	/* The lead's KVM-less VM (buses, irq table, stop eventfd) plus our RAM. */
	ck_assert_int_eq(vm_init_bare(&t->vm, NULL), 0);
	t->vm.nr_cpus = nr_cpus;
	t->vm.ram_size = TEST_RAM_SIZE;
	t->vm.ram = mmap(NULL, TEST_RAM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(t->vm.ram, MAP_FAILED);
	t->vm.banks[0] = (struct mem_bank){ .gpa = 0, .size = TEST_RAM_SIZE, .hva = t->vm.ram };
	t->vm.nr_banks = 1;
	t->next_gpa = 0x1000;	/* keep gpa 0 unused: catches zeroed addresses */
}

/* Tears down what vm_on_exit() registered (virtio-mmio devices) and the RAM. */
static inline void tvm_exit(struct tvm *t)
{
	vm_destroy(&t->vm);
}

static inline u64 tvm_alloc(struct tvm *t, u64 len, u64 align)
{
	u64 gpa = ALIGN_UP(t->next_gpa, align);

	ck_assert_msg(gpa + len <= TEST_RAM_SIZE, "test guest RAM exhausted");
	t->next_gpa = gpa + len;
	return gpa;
}

static inline void *tvm_hva(struct tvm *t, u64 gpa)
{
	return t->vm.ram + gpa;
}

/* A driver-side split ring. */
struct tring {
	struct tvm *t;
	u16 size;
	u64 desc_gpa, avail_gpa, used_gpa;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	u16 next_desc;		/* descriptors handed out round-robin */
	u16 last_used;
};

static inline void tring_init(struct tring *r, struct tvm *t, u16 size)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->size = size;
	r->desc_gpa = tvm_alloc(t, virtq_desc_bytes(size), 16);
	r->avail_gpa = tvm_alloc(t, virtq_avail_bytes(size), 2);
	r->used_gpa = tvm_alloc(t, virtq_used_bytes(size), 4);
	r->desc = tvm_hva(t, r->desc_gpa);
	r->avail = tvm_hva(t, r->avail_gpa);
	r->used = tvm_hva(t, r->used_gpa);
}

/* Program queue qidx of vdev with this ring and enable it. */
static inline int tring_attach(struct tring *r, struct virtio_dev *vdev, u32 qidx)
{
	ck_assert_int_eq(virtio_queue_set_size(vdev, qidx, r->size), 0);
	ck_assert_int_eq(virtio_queue_set_addr(vdev, qidx, r->desc_gpa, r->avail_gpa,
					       r->used_gpa), 0);
	return virtio_queue_set_ready(vdev, qidx, true);
}

static inline void tring_set_desc(struct tring *r, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	r->desc[i] = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* Make head available (and publish the index, as a driver does). */
static inline void tring_publish(struct tring *r, u16 head)
{
	r->avail->ring[r->avail->idx % r->size] = head;
	__atomic_store_n(&r->avail->idx, (u16)(r->avail->idx + 1), __ATOMIC_RELEASE);
}

struct tseg {
	u64 gpa;
	u32 len;
	bool write;
};

/* Chain segs into consecutive free descriptors, publish; returns the head. */
static inline u16 tring_add(struct tring *r, const struct tseg *segs, unsigned n)
{
	u16 head = r->next_desc;

	for (unsigned i = 0; i < n; i++) {
		u16 d = (head + i) % r->size;
		u16 flags = (segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
			    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);

		tring_set_desc(r, d, segs[i].gpa, segs[i].len, flags, (d + 1) % r->size);
	}
	r->next_desc = (head + n) % r->size;
	tring_publish(r, head);
	return head;
}

/* Indirect: write segs into a table in guest RAM, one descriptor points at it. */
static inline u16 tring_add_indirect(struct tring *r, const struct tseg *segs, unsigned n)
{
	u64 table = tvm_alloc(r->t, 16ULL * n, 16);
	struct virtq_desc *d = tvm_hva(r->t, table);
	u16 head = r->next_desc;

	for (unsigned i = 0; i < n; i++)
		d[i] = (struct virtq_desc){
			.addr = segs[i].gpa, .len = segs[i].len,
			.flags = (segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0),
			.next = i + 1,
		};
	tring_set_desc(r, head, table, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
	r->next_desc = (head + 1) % r->size;
	tring_publish(r, head);
	return head;
}

/* Entries the device has put on the used ring that we have not consumed. */
static inline u16 tring_used_pending(struct tring *r)
{
	return __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) - r->last_used;
}

/* Wait (bounded) until at least n used entries are pending. */
static inline bool tring_wait_used(struct tring *r, u16 n, unsigned timeout_ms)
{
	u64 end = now_ns() + timeout_ms * 1000000ULL;

	while (tring_used_pending(r) < n) {
		if (now_ns() > end)
			return false;
		usleep(200);
	}
	return true;
}

static inline struct virtq_used_elem tring_get_used(struct tring *r)
{
	struct virtq_used_elem e = r->used->ring[r->last_used % r->size];

	r->last_used++;
	return e;
}

/* used_event / avail_event fields (EVENT_IDX). */
static inline u16 *tring_used_event(struct tring *r)
{
	return &r->avail->ring[r->size];
}

static inline u16 *tring_avail_event(struct tring *r)
{
	return (u16 *)&r->used->ring[r->size];
}

/* Status handshake up to FEATURES_OK with the given features; returns the status read back. */
static inline u8 tdev_negotiate(struct virtio_dev *vdev, u64 features)
{
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(vdev, 0, (u32)features);
	virtio_set_driver_features(vdev, 1, (u32)(features >> 32));
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK);
	return virtio_get_status(vdev);
}

static inline void tdev_driver_ok(struct virtio_dev *vdev)
{
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

/* A transport that counts interrupts instead of raising them. */
struct ttransport {
	atomic_uint queue_irqs;
	atomic_uint config_irqs;
	atomic_uint resets;
};

static inline void tt_signal_queue(struct virtio_dev *vdev, struct virtq *vq)
{
	struct ttransport *tt = vdev->tpriv;

	atomic_fetch_add(&tt->queue_irqs, 1);
}

static inline void tt_signal_config(struct virtio_dev *vdev)
{
	struct ttransport *tt = vdev->tpriv;

	atomic_fetch_add(&tt->config_irqs, 1);
}

static inline void tt_reset(struct virtio_dev *vdev)
{
	struct ttransport *tt = vdev->tpriv;

	atomic_fetch_add(&tt->resets, 1);
}

static const struct virtio_transport_ops tt_ops __attribute__((unused)) = {
	.signal_queue	= tt_signal_queue,
	.signal_config	= tt_signal_config,
	.reset		= tt_reset,
};

#endif
