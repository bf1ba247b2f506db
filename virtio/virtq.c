// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues (virtio 1.2, 2.7): popping descriptor chains into host
 * iovecs, returning them on the used ring, and notification suppression
 * in both directions (VIRTIO_F_EVENT_IDX).
 *
 * The rings live in guest memory that the guest may change under us at
 * any moment, from another vCPU. So every descriptor is copied once into
 * a local before it is checked and used, and every guest index is reduced
 * modulo the queue size or checked against it before it indexes anything.
 */
#include <stdio.h>
#include <string.h>

#include "virtio.h"

/* One read of a guest-shared value: the compiler may not re-load it later. */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* Entries of an indirect table we accept: Linux may exceed the queue size. */
#define VIRTQ_MAX_INDIRECT	VIRTQ_MAX_SIZE

static inline u16 *virtq_used_event(struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static inline u16 *virtq_avail_event(struct virtq *vq)
{
	return (u16 *)&vq->used->ring[vq->size];
}

bool virtq_live(struct virtq *vq)
{
	return vq->ready && !atomic_load(&vq->vdev->broken);
}

static int virtq_bad(struct virtq *vq, const char *why)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "queue %u: %s", vq->index, why);
	virtio_dev_needs_reset(vq->vdev, msg);
	return -EINVAL;
}

/*
 * Copy descriptor i of a table once into *d. Byte addressing and memcpy:
 * an indirect table can sit at any guest address, aligned or not, and
 * after the copy the guest changing it no longer matters.
 */
static void read_desc(const u8 *table, u32 i, struct virtq_desc *d)
{
	memcpy(d, table + (size_t)i * sizeof(*d), sizeof(*d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* no re-reads of the guest copy */
}

/*
 * Walk the chain starting at `head`, following at most one indirect table
 * (which must be the chain's only descriptor, as virtio requires for
 * INDIRECT without NEXT). Every step is counted against the size of the
 * table being walked, so a loop ends as "chain too long".
 */
static int virtq_map_chain(struct virtq *vq, u16 head, struct virtq_elem *elem)
{
	const u8 *table = (const u8 *)vq->desc;
	u32 table_len = vq->size, count = 0, i = head;
	u64 out_len = 0, in_len = 0;
	bool indirect = false;
	unsigned n = 0;

	elem->head = head;
	elem->nr_out = elem->nr_in = 0;
	for (;;) {
		struct virtq_desc d;
		void *p;

		read_desc(table, i, &d);
		if (++count > table_len)
			return virtq_bad(vq, "descriptor chain loops or is longer than its table");

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!vq->indirect)
				return virtq_bad(vq, "indirect descriptor without VIRTIO_F_INDIRECT_DESC");
			if (indirect)
				return virtq_bad(vq, "indirect descriptor inside an indirect table");
			if (count != 1 || (d.flags & VIRTQ_DESC_F_NEXT))
				return virtq_bad(vq, "indirect descriptor chained to others");
			if (d.len == 0 || d.len % sizeof(struct virtq_desc) ||
			    d.len / sizeof(struct virtq_desc) > VIRTQ_MAX_INDIRECT)
				return virtq_bad(vq, "bad indirect table length");
			table = guest_ptr(vq->vdev->vm, d.addr, d.len);
			if (!table)
				return virtq_bad(vq, "indirect table outside guest RAM");
			table_len = d.len / sizeof(struct virtq_desc);
			indirect = true;
			count = 0;
			i = 0;
			continue;
		}

		if (d.len) {
			p = guest_ptr(vq->vdev->vm, d.addr, d.len);
			if (!p)
				return virtq_bad(vq, "descriptor buffer outside guest RAM");
			if (n >= elem->max_iov)
				return virtq_bad(vq, "descriptor chain has more segments than the device allows");
			elem->iov[n].iov_base = p;
			elem->iov[n].iov_len = d.len;
			n++;
			if (d.flags & VIRTQ_DESC_F_WRITE) {
				elem->nr_in++;
				in_len += d.len;
			} else {
				if (elem->nr_in)
					return virtq_bad(vq, "device-readable descriptor after a writable one");
				elem->nr_out++;
				out_len += d.len;
			}
		}

		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= table_len)
			return virtq_bad(vq, "descriptor next index out of range");
		i = d.next;
	}
	if (out_len > UINT32_MAX || in_len > UINT32_MAX)
		return virtq_bad(vq, "descriptor chain longer than 4 GiB");
	elem->out_len = out_len;
	elem->in_len = in_len;
	return 1;
}

int virtq_pop(struct virtq *vq, struct virtq_elem *elem)
{
	u16 avail_idx, pending, head;
	int ret;

	if (!virtq_live(vq))
		return 0;
	/* Acquire: the ring entries the driver wrote before idx are visible. */
	avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	pending = avail_idx - vq->last_avail;
	if (pending == 0)
		return 0;
	if (pending > vq->size)
		return virtq_bad(vq, "avail idx moved more than the queue size");

	head = READ_ONCE(vq->avail->ring[vq->last_avail & (vq->size - 1)]);
	if (head >= vq->size)
		return virtq_bad(vq, "avail ring head index out of range");
	ret = virtq_map_chain(vq, head, elem);
	if (ret > 0)
		vq->last_avail++;
	return ret;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail--;
}

void virtq_push(struct virtq *vq, u16 head, u32 len)
{
	u16 slot;

	pthread_mutex_lock(&vq->used_lock);
	if (vq->used) {
		slot = vq->used_idx & (vq->size - 1);
		WRITE_ONCE(vq->used->ring[slot].id, head);
		WRITE_ONCE(vq->used->ring[slot].len, len);
		vq->used_idx++;
		/* Release: the entry is visible before the index that covers it. */
		__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&vq->used_lock);
}

/* virtio 1.2, 2.7.10: should moving the index from old to new_idx notify? */
static inline bool vring_need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

void virtq_notify(struct virtq *vq)
{
	bool need;

	pthread_mutex_lock(&vq->used_lock);
	if (!vq->used) {
		pthread_mutex_unlock(&vq->used_lock);
		return;
	}
	/*
	 * Full barrier: our used->idx store must be visible before we read
	 * the driver's used_event/flags, or both sides may skip the
	 * notification (the driver re-checks used->idx after writing them).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		u16 event = READ_ONCE(*virtq_used_event(vq));

		need = !vq->signalled_valid ||
		       vring_need_event(event, vq->used_idx, vq->signalled_used);
		vq->signalled_used = vq->used_idx;
		vq->signalled_valid = true;
	} else {
		need = !(READ_ONCE(vq->avail->flags) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	pthread_mutex_unlock(&vq->used_lock);

	if (need && vq->vdev->tops && vq->vdev->tops->signal_queue)
		vq->vdev->tops->signal_queue(vq->vdev, vq);
}

void virtq_push_notify(struct virtq *vq, u16 head, u32 len)
{
	virtq_push(vq, head, len);
	virtq_notify(vq);
}

bool virtq_enable_kicks(struct virtq *vq)
{
	if (!virtq_live(vq))
		return false;
	if (vq->event_idx) {
		WRITE_ONCE(*virtq_avail_event(vq), vq->last_avail);
		/* The event store before the idx re-read, or a kick may be lost. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail;
}
