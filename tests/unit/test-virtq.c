// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues and the common device model, against a fake guest RAM
 * buffer: chains, indirect tables, EVENT_IDX in both directions, feature
 * negotiation, reset, workers, and every malformed ring a guest can hand
 * us (each must fail cleanly: NEEDS_RESET, no access outside guest RAM;
 * run under SAN=1 to have ASan check the latter).
 */
#include "virtio-harness.h"

#define QSIZE		8
#define MAX_IOV		16

struct tdev {
	struct virtio_dev vdev;
	struct ttransport tt;
	atomic_uint notifies;
	atomic_bool off_thread;		/* queue_notify ran on a worker, not on us */
	pthread_t test_thread;
	u8 config[8];
};

static struct tvm T;
static struct tdev D;
static struct tring R;

/* The device under test: echoes each chain back with len = readable bytes. */
static void tdev_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct tdev *d = vdev->priv;
	struct iovec iov[MAX_IOV];
	struct virtq_elem e = { .iov = iov, .max_iov = MAX_IOV };

	atomic_fetch_add(&d->notifies, 1);
	if (!pthread_equal(pthread_self(), d->test_thread))
		atomic_store(&d->off_thread, true);
	do {
		while (virtq_pop(vq, &e) > 0)
			virtq_push(vq, e.head, e.out_len);
	} while (virtq_enable_kicks(vq));
	virtq_notify(vq);
}

static const struct virtio_dev_ops tdev_ops = {
	.queue_notify = tdev_queue_notify,
};

static void setup(void)
{
	tvm_init(&T, 1);
	memset(&D, 0, sizeof(D));
	D.test_thread = pthread_self();
	memcpy(D.config, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	ck_assert_int_eq(virtio_dev_init(&D.vdev, &T.vm, "tdev", 42,
					 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
					 VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(3),
					 2, QSIZE, D.config, sizeof(D.config), &tdev_ops, &D), 0);
	ck_assert_int_eq(virtio_transport_attach(&D.vdev, &tt_ops, &D.tt, 0), 0);
	tring_init(&R, &T, QSIZE);
}

static void teardown(void)
{
	virtio_dev_destroy(&D.vdev);
	tvm_exit(&T);
}

/* Negotiate `features`, set up queue 0 with R; no DRIVER_OK (tests pop by hand). */
static struct virtq *ready_queue(u64 features)
{
	ck_assert(tdev_negotiate(&D.vdev, features) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_int_eq(tring_attach(&R, &D.vdev, 0), 0);
	return virtio_get_vq(&D.vdev, 0);
}

static struct virtq *ready_queue_all(void)
{
	struct virtq *vq = ready_queue(D.vdev.device_features);

	/* What DRIVER_OK would apply, without starting the worker. */
	vq->event_idx = vq->indirect = true;
	return vq;
}

static bool needs_reset(void)
{
	return virtio_get_status(&D.vdev) & VIRTIO_STATUS_NEEDS_RESET;
}

static int pop(struct virtq *vq, struct virtq_elem *e, struct iovec *iov)
{
	e->iov = iov;
	e->max_iov = MAX_IOV;
	return virtq_pop(vq, e);
}

START_TEST(test_empty_queue)
{
	struct virtq *vq = ready_queue_all();
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;

	ck_assert_int_eq(pop(vq, &e, iov), 0);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_chain)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 100, 8), b = tvm_alloc(&T, 200, 8), c = tvm_alloc(&T, 50, 8);
	struct tseg segs[] = { { a, 100, false }, { b, 200, false }, { c, 50, true } };
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;
	u16 head = tring_add(&R, segs, 3);

	ck_assert_int_eq(pop(vq, &e, iov), 1);
	ck_assert_uint_eq(e.head, head);
	ck_assert_uint_eq(e.nr_out, 2);
	ck_assert_uint_eq(e.nr_in, 1);
	ck_assert_uint_eq(e.out_len, 300);
	ck_assert_uint_eq(e.in_len, 50);
	ck_assert_ptr_eq(iov[0].iov_base, tvm_hva(&T, a));
	ck_assert_ptr_eq(iov[1].iov_base, tvm_hva(&T, b));
	ck_assert_ptr_eq(iov[2].iov_base, tvm_hva(&T, c));
	ck_assert_uint_eq(iov[1].iov_len, 200);
	ck_assert_int_eq(pop(vq, &e, iov), 0);

	virtq_push(vq, e.head, 7);
	ck_assert_uint_eq(tring_used_pending(&R), 1);
	{
		struct virtq_used_elem u = tring_get_used(&R);

		ck_assert_uint_eq(u.id, head);
		ck_assert_uint_eq(u.len, 7);
	}
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_zero_length_descriptor)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 16, 8);
	struct tseg segs[] = { { a, 16, false }, { 0, 0, false }, { a, 4, true } };
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;

	tring_add(&R, segs, 3);
	ck_assert_int_eq(pop(vq, &e, iov), 1);
	ck_assert_uint_eq(e.nr_out, 1);
	ck_assert_uint_eq(e.nr_in, 1);
}
END_TEST

START_TEST(test_indirect)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 16, 8), b = tvm_alloc(&T, 4096, 8), c = tvm_alloc(&T, 1, 1);
	struct tseg segs[] = { { a, 16, false }, { b, 4096, true }, { c, 1, true } };
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;
	u16 head = tring_add_indirect(&R, segs, 3);

	ck_assert_int_eq(pop(vq, &e, iov), 1);
	ck_assert_uint_eq(e.head, head);
	ck_assert_uint_eq(e.nr_out, 1);
	ck_assert_uint_eq(e.nr_in, 2);
	ck_assert_uint_eq(e.in_len, 4097);
	ck_assert_ptr_eq(iov[1].iov_base, tvm_hva(&T, b));
	ck_assert_ptr_eq(iov[2].iov_base, tvm_hva(&T, c));
}
END_TEST

/* An indirect table may hold more descriptors than the queue (Linux does this). */
START_TEST(test_indirect_longer_than_queue)
{
	struct virtq *vq = ready_queue_all();
	struct tseg segs[QSIZE + 4];
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct tseg){ tvm_alloc(&T, 8, 8), 8, i > 0 };
	tring_add_indirect(&R, segs, ARRAY_SIZE(segs));
	ck_assert_int_eq(pop(vq, &e, iov), 1);
	ck_assert_uint_eq(e.nr_in, QSIZE + 3);
}
END_TEST

/* ---- malformed rings: each marks the device NEEDS_RESET and pops nothing ---- */

static void expect_bad(struct virtq *vq)
{
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;
	unsigned before = atomic_load(&D.tt.config_irqs);

	ck_assert_int_eq(pop(vq, &e, iov), -EINVAL);
	ck_assert(needs_reset());
	/* The queue stays dead until reset: no further access to the ring. */
	ck_assert_int_eq(pop(vq, &e, iov), 0);
	ck_assert(!virtq_live(vq));
	/* Not DRIVER_OK yet: no config interrupt. With DRIVER_OK see below. */
	ck_assert_uint_eq(atomic_load(&D.tt.config_irqs), before);
}

START_TEST(test_bad_addr_outside_ram)
{
	struct virtq *vq = ready_queue_all();
	struct tseg segs[] = { { TEST_RAM_SIZE, 16, false } };

	tring_add(&R, segs, 1);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_len_past_ram_end)
{
	struct virtq *vq = ready_queue_all();
	struct tseg segs[] = { { TEST_RAM_SIZE - 16, 17, true } };

	tring_add(&R, segs, 1);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_addr_len_overflow)
{
	struct virtq *vq = ready_queue_all();
	struct tseg segs[] = { { ~0ULL - 0xfff, 0x2000, false } };

	tring_add(&R, segs, 1);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_loop)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);

	tring_set_desc(&R, 0, a, 8, VIRTQ_DESC_F_NEXT, 1);
	tring_set_desc(&R, 1, a, 8, VIRTQ_DESC_F_NEXT, 0);
	tring_publish(&R, 0);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_self_loop_zero_len)
{
	struct virtq *vq = ready_queue_all();

	/* Zero-length descriptors produce no iovec but still count. */
	tring_set_desc(&R, 3, 0, 0, VIRTQ_DESC_F_NEXT, 3);
	tring_publish(&R, 3);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_chain_longer_than_queue)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);

	/* QSIZE + 1 descriptors can only be a chain that revisits one. */
	for (u16 i = 0; i < QSIZE; i++)
		tring_set_desc(&R, i, a, 8, VIRTQ_DESC_F_NEXT, (i + 1) % QSIZE);
	tring_publish(&R, 2);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_next_index)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);

	tring_set_desc(&R, 0, a, 8, VIRTQ_DESC_F_NEXT, QSIZE);
	tring_publish(&R, 0);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_head_index)
{
	struct virtq *vq = ready_queue_all();

	tring_publish(&R, QSIZE + 3);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_avail_idx_jump)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);

	tring_set_desc(&R, 0, a, 8, 0, 0);
	R.avail->ring[0] = 0;
	R.avail->idx = QSIZE + 1;
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_writable_before_readable)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);
	struct tseg segs[] = { { a, 8, true }, { a, 8, false } };

	tring_add(&R, segs, 2);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_too_many_segments)
{
	struct virtq *vq = ready_queue_all();
	struct tseg segs[MAX_IOV + 1];

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct tseg){ tvm_alloc(&T, 8, 8), 8, false };
	tring_add_indirect(&R, segs, ARRAY_SIZE(segs));
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_in_indirect)
{
	struct virtq *vq = ready_queue_all();
	u64 inner = tvm_alloc(&T, 16, 16), a = tvm_alloc(&T, 8, 8);
	struct virtq_desc *t = tvm_hva(&T, inner);
	struct tseg segs[] = { { inner, 16, false } };

	t[0] = (struct virtq_desc){ .addr = a, .len = 8 };
	tring_add_indirect(&R, segs, 1);
	/* Turn the single entry of the outer table into an indirect one. */
	{
		struct virtq_desc *outer = tvm_hva(&T, R.desc[0].addr);

		outer[0].flags = VIRTQ_DESC_F_INDIRECT;
	}
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_loop)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);
	struct tseg segs[] = { { a, 8, false }, { a, 8, false }, { a, 8, false } };
	struct virtq_desc *table;

	tring_add_indirect(&R, segs, 3);
	table = tvm_hva(&T, R.desc[0].addr);
	table[2].flags = VIRTQ_DESC_F_NEXT;
	table[2].next = 0;
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_next_index)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);
	struct tseg segs[] = { { a, 8, false }, { a, 8, false } };
	struct virtq_desc *table;

	tring_add_indirect(&R, segs, 2);
	table = tvm_hva(&T, R.desc[0].addr);
	table[0].next = 2;	/* the table has 2 entries; the queue has more */
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_table_outside_ram)
{
	struct virtq *vq = ready_queue_all();

	tring_set_desc(&R, 0, TEST_RAM_SIZE - 32, 64, VIRTQ_DESC_F_INDIRECT, 0);
	tring_publish(&R, 0);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_len)
{
	struct virtq *vq = ready_queue_all();
	u64 tbl = tvm_alloc(&T, 64, 16);
	static const u32 lens[] = { 0, 24, 17 };

	tring_set_desc(&R, 0, tbl, lens[_i], VIRTQ_DESC_F_INDIRECT, 0);
	tring_publish(&R, 0);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_not_negotiated)
{
	struct virtq *vq = ready_queue(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	u64 a = tvm_alloc(&T, 8, 8);
	struct tseg segs[] = { { a, 8, false } };

	ck_assert(!vq->indirect);
	tring_add_indirect(&R, segs, 1);
	expect_bad(vq);
}
END_TEST

START_TEST(test_bad_indirect_with_next)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);
	struct tseg segs[] = { { a, 8, false } };

	tring_add_indirect(&R, segs, 1);
	R.desc[0].flags |= VIRTQ_DESC_F_NEXT;
	R.desc[0].next = 1;
	tring_set_desc(&R, 1, a, 8, 0, 0);
	expect_bad(vq);
}
END_TEST

/* ---- queue enable validation ---- */

START_TEST(test_enable_validation)
{
	struct virtio_dev *vdev = &D.vdev;

	ck_assert(tdev_negotiate(vdev, D.vdev.device_features) & VIRTIO_STATUS_FEATURES_OK);
	switch (_i) {
	case 0:	/* size not a power of 2 */
		virtio_queue_set_size(vdev, 0, 6);
		virtio_queue_set_addr(vdev, 0, R.desc_gpa, R.avail_gpa, R.used_gpa);
		break;
	case 1:	/* size above the maximum */
		virtio_queue_set_size(vdev, 0, QSIZE * 2);
		virtio_queue_set_addr(vdev, 0, R.desc_gpa, R.avail_gpa, R.used_gpa);
		break;
	case 2:	/* used ring runs past the end of RAM */
		virtio_queue_set_size(vdev, 0, QSIZE);
		virtio_queue_set_addr(vdev, 0, R.desc_gpa, R.avail_gpa, TEST_RAM_SIZE - 8);
		break;
	case 3:	/* misaligned descriptor table */
		virtio_queue_set_size(vdev, 0, QSIZE);
		virtio_queue_set_addr(vdev, 0, R.desc_gpa + 8, R.avail_gpa, R.used_gpa);
		break;
	case 4:	/* size 0 */
		virtio_queue_set_size(vdev, 0, 0);
		virtio_queue_set_addr(vdev, 0, R.desc_gpa, R.avail_gpa, R.used_gpa);
		break;
	case 5:	/* avail ring address wraps around 2^64 */
		virtio_queue_set_size(vdev, 0, QSIZE);
		virtio_queue_set_addr(vdev, 0, R.desc_gpa, ~1ULL, R.used_gpa);
		break;
	}
	ck_assert_int_eq(virtio_queue_set_ready(vdev, 0, true), -EINVAL);
	ck_assert(!virtio_get_vq(vdev, 0)->ready);
	ck_assert(needs_reset());
	/* A reset recovers the device completely. */
	virtio_reset(vdev);
	ck_assert_uint_eq(virtio_get_status(vdev), 0);
	ck_assert(tdev_negotiate(vdev, D.vdev.device_features) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_int_eq(tring_attach(&R, vdev, 0), 0);
	ck_assert(virtio_get_vq(vdev, 0)->ready);
}
END_TEST

START_TEST(test_queue_config_locked_while_ready)
{
	struct virtio_dev *vdev = &D.vdev;

	ready_queue_all();
	ck_assert_int_eq(virtio_queue_set_size(vdev, 0, 4), -EBUSY);
	ck_assert_int_eq(virtio_queue_set_desc(vdev, 0, 0x5000), -EBUSY);
	ck_assert_uint_eq(virtio_get_vq(vdev, 0)->desc_gpa, R.desc_gpa);
	/* Before DRIVER_OK the driver may disable it again; not once running. */
	ck_assert_int_eq(virtio_queue_set_ready(vdev, 0, false), 0);
	ck_assert(!virtio_get_vq(vdev, 0)->ready);
	ck_assert_int_eq(virtio_queue_set_ready(vdev, 0, true), 0);
	tdev_driver_ok(vdev);
	ck_assert_int_eq(virtio_queue_set_ready(vdev, 0, false), -EBUSY);
	ck_assert(virtio_get_vq(vdev, 0)->ready);
	ck_assert_int_eq(virtio_queue_set_size(vdev, 7, 4), -EINVAL);
	ck_assert_ptr_null(virtio_get_vq(vdev, 2));
}
END_TEST

/* ---- notification suppression ---- */

START_TEST(test_event_idx_interrupts)
{
	struct virtq *vq = ready_queue_all();
	unsigned irqs = 0;

	/* used_event = 0: interrupt when used idx moves past 0. */
	*tring_used_event(&R) = 0;
	virtq_push_notify(vq, 0, 0);		/* idx 0 -> 1 */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), ++irqs);
	virtq_push_notify(vq, 1, 0);		/* 1 -> 2: driver still wants 0 */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), irqs);
	*tring_used_event(&R) = 3;
	virtq_push_notify(vq, 2, 0);		/* 2 -> 3: event 3 not passed */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), irqs);
	virtq_push(vq, 3, 0);			/* 3 -> 4 */
	virtq_push(vq, 4, 0);			/* 4 -> 5: batched */
	virtq_notify(vq);			/* crossed 3 */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), ++irqs);
	virtq_notify(vq);			/* nothing new */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), irqs);
	/* Wrap-around of the 16-bit indices. */
	vq->used_idx = 0xfffe;
	vq->signalled_used = 0xfffe;
	*tring_used_event(&R) = 0xffff;
	virtq_push_notify(vq, 0, 0);		/* fffe -> ffff */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), irqs);
	virtq_push_notify(vq, 0, 0);		/* ffff -> 0: crossed ffff */
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), ++irqs);
}
END_TEST

START_TEST(test_no_interrupt_flag)
{
	struct virtq *vq = ready_queue(VIRTIO_BIT(VIRTIO_F_VERSION_1));

	virtq_push_notify(vq, 0, 0);
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), 1);
	R.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	virtq_push_notify(vq, 1, 0);
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), 1);
	R.avail->flags = 0;
	virtq_push_notify(vq, 2, 0);
	ck_assert_uint_eq(atomic_load(&D.tt.queue_irqs), 2);
}
END_TEST

START_TEST(test_event_idx_kicks)
{
	struct virtq *vq = ready_queue_all();
	u64 a = tvm_alloc(&T, 8, 8);
	struct tseg segs[] = { { a, 8, false } };
	struct iovec iov[MAX_IOV];
	struct virtq_elem e;

	tring_add(&R, segs, 1);
	tring_add(&R, segs, 1);
	ck_assert_int_eq(pop(vq, &e, iov), 1);
	/* One still pending: enable_kicks says "pop again". */
	ck_assert(virtq_enable_kicks(vq));
	ck_assert_uint_eq(*tring_avail_event(&R), 1);
	ck_assert_int_eq(pop(vq, &e, iov), 1);
	ck_assert(!virtq_enable_kicks(vq));
	/* The driver kicks when avail idx passes avail_event. */
	ck_assert_uint_eq(*tring_avail_event(&R), 2);
}
END_TEST

/* ---- negotiation, status, reset, workers ---- */

START_TEST(test_features)
{
	struct virtio_dev *vdev = &D.vdev;
	u64 f = vdev->device_features;

	ck_assert(f & VIRTIO_BIT(VIRTIO_F_VERSION_1));
	ck_assert(!(f & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM)));
	ck_assert_uint_eq(virtio_get_device_features(vdev, 0), (u32)f);
	ck_assert_uint_eq(virtio_get_device_features(vdev, 1), (u32)(f >> 32));
	ck_assert_uint_eq(virtio_get_device_features(vdev, 2), 0);

	/* A feature the device does not offer: FEATURES_OK does not stick. */
	ck_assert(!(tdev_negotiate(vdev, f | VIRTIO_BIT(5)) & VIRTIO_STATUS_FEATURES_OK));
	virtio_reset(vdev);
	/* Legacy (no VERSION_1) is refused. */
	ck_assert(!(tdev_negotiate(vdev, VIRTIO_BIT(3)) & VIRTIO_STATUS_FEATURES_OK));
	virtio_reset(vdev);
	ck_assert(tdev_negotiate(vdev, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(3)) &
		  VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(vdev->features, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(3));
	/* After FEATURES_OK the driver cannot change them. */
	virtio_set_driver_features(vdev, 0, 0);
	ck_assert_uint_eq(vdev->driver_features, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(3));
}
END_TEST

START_TEST(test_driver_ok_needs_features_ok)
{
	struct virtio_dev *vdev = &D.vdev;

	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_DRIVER_OK);
	ck_assert(!(virtio_get_status(vdev) & VIRTIO_STATUS_DRIVER_OK));
	ck_assert(!vdev->running);
}
END_TEST

START_TEST(test_config_space)
{
	u8 buf[8];
	u32 v;

	virtio_config_read(&D.vdev, 2, buf, 4);
	ck_assert_mem_eq(buf, "\x33\x44\x55\x66", 4);
	/* Past the end: zeros, not a read of whatever follows the buffer. */
	memset(buf, 0xaa, sizeof(buf));
	virtio_config_read(&D.vdev, 6, buf, 4);
	ck_assert_mem_eq(buf, "\0\0\0\0", 4);
	virtio_config_read(&D.vdev, 0xfffffffe, &v, 4);
	ck_assert_uint_eq(v, 0);
	v = virtio_config_generation(&D.vdev);
	virtio_config_changed(&D.vdev);
	ck_assert_uint_eq(virtio_config_generation(&D.vdev), v + 1);
}
END_TEST

/*
 * inline_service (what the fuzzers use): DRIVER_OK starts no worker, a
 * kick does nothing by itself, and virtio_dev_service() runs the device
 * on the calling thread; reset stops it as it stops workers.
 */
START_TEST(test_inline_service)
{
	struct virtio_dev *vdev = &D.vdev;
	u64 a = tvm_alloc(&T, 64, 8);
	struct tseg segs[] = { { a, 48, false } };

	vdev->inline_service = true;
	ck_assert(tdev_negotiate(vdev, vdev->device_features) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_int_eq(tring_attach(&R, vdev, 0), 0);
	tring_add(&R, segs, 1);
	tdev_driver_ok(vdev);
	ck_assert(vdev->running);
	ck_assert_uint_eq(vdev->nr_workers, 0);
	virtio_queue_kick(vdev, 0);
	ck_assert_uint_eq(tring_used_pending(&R), 0);
	virtio_dev_service(vdev);
	ck_assert_uint_eq(tring_used_pending(&R), 1);
	ck_assert_uint_eq(tring_get_used(&R).len, 48);
	ck_assert(!atomic_load(&D.off_thread));
	virtio_set_status(vdev, 0);
	ck_assert(!vdev->running);
	virtio_dev_service(vdev);		/* stopped: nothing runs */
	ck_assert_uint_eq(atomic_load(&D.notifies), 1);
}
END_TEST

START_TEST(test_worker_and_reset)
{
	struct virtio_dev *vdev = &D.vdev;
	u64 a = tvm_alloc(&T, 64, 8);
	struct tseg segs[] = { { a, 64, false } };
	int round;

	for (round = 0; round < 3; round++) {
		ck_assert(tdev_negotiate(vdev, vdev->device_features) & VIRTIO_STATUS_FEATURES_OK);
		memset(R.avail, 0, virtq_avail_bytes(QSIZE));
		memset(R.used, 0, virtq_used_bytes(QSIZE));
		R.last_used = 0;
		R.next_desc = 0;
		ck_assert_int_eq(tring_attach(&R, vdev, 0), 0);
		/* Made available before DRIVER_OK: the worker picks it up at start. */
		tring_add(&R, segs, 1);
		tdev_driver_ok(vdev);
		ck_assert(vdev->running);
		ck_assert(tring_wait_used(&R, 1, 5000));
		ck_assert_uint_eq(tring_get_used(&R).len, 64);
		/* A kick through the eventfd, as an ioeventfd would deliver it. */
		tring_add(&R, segs, 1);
		virtio_queue_kick(vdev, 0);
		ck_assert(tring_wait_used(&R, 1, 5000));
		tring_get_used(&R);
		ck_assert(atomic_load(&D.off_thread));
		ck_assert_uint_gt(atomic_load(&D.tt.queue_irqs), 0);

		virtio_set_status(vdev, 0);
		ck_assert(!vdev->running);
		ck_assert_uint_eq(virtio_get_status(vdev), 0);
		ck_assert(!virtio_get_vq(vdev, 0)->ready);
		ck_assert_uint_eq(virtio_get_vq(vdev, 0)->size, QSIZE);
		ck_assert_uint_eq(atomic_load(&D.tt.resets), (unsigned)round + 1);
	}
}
END_TEST

START_TEST(test_needs_reset_signals_config)
{
	struct virtio_dev *vdev = &D.vdev;

	ck_assert(tdev_negotiate(vdev, vdev->device_features) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_int_eq(tring_attach(&R, vdev, 0), 0);
	tdev_driver_ok(vdev);
	tring_publish(&R, QSIZE);	/* bad head */
	virtio_queue_kick(vdev, 0);
	{
		u64 end = now_ns() + 5000000000ULL;

		while (!atomic_load(&D.tt.config_irqs) && now_ns() < end)
			usleep(200);
	}
	ck_assert_uint_eq(atomic_load(&D.tt.config_irqs), 1);
	ck_assert(needs_reset());
	/* The driver's status writes keep NEEDS_RESET until it resets. */
	tdev_driver_ok(vdev);
	ck_assert(needs_reset());
	virtio_set_status(vdev, 0);
	ck_assert_uint_eq(virtio_get_status(vdev), 0);
}
END_TEST

START_TEST(test_iov_helpers)
{
	u8 a[3], b[5], out[8];
	struct iovec iov[] = { { a, 3 }, { b, 5 } };

	ck_assert_uint_eq(iov_size(iov, 2), 8);
	ck_assert_uint_eq(iov_from_buf(iov, 2, 2, "ABCDEFGHIJ", 10), 6);
	ck_assert_uint_eq(a[2], 'A');
	ck_assert_uint_eq(b[0], 'B');
	ck_assert_uint_eq(b[4], 'F');
	ck_assert_uint_eq(iov_to_buf(iov, 2, 2, out, 8), 6);
	ck_assert_mem_eq(out, "ABCDEF", 6);
	ck_assert_uint_eq(iov_to_buf(iov, 2, 9, out, 8), 0);
}
END_TEST

/*
 * Random rings, biased towards almost-valid values (addresses near the
 * ends of RAM, lengths that just fit or just do not, next indices around
 * the table size, indirect tables nested or not): whatever pop returns,
 * every iovec it hands out lies inside guest RAM. Under SAN=1, ASan also
 * checks that pop itself never reads outside the ring or RAM.
 */
static u64 rnd_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static u64 rnd_addr(void)
{
	switch (rnd() % 6) {
	case 0: return TEST_RAM_SIZE - rnd() % 64;
	case 1: return rnd();
	case 2: return ~0ULL - rnd() % 4096;
	default: return rnd() % TEST_RAM_SIZE;
	}
}

static u32 rnd_len(void)
{
	switch (rnd() % 5) {
	case 0: return rnd();
	case 1: return 16 * (1 + rnd() % 8);
	default: return rnd() % 8192;
	}
}

static void rnd_desc(struct virtq_desc *d, u32 table_len)
{
	d->addr = rnd_addr();
	d->len = rnd_len();
	d->flags = rnd() % 8;
	d->next = rnd() % 3 ? rnd() % (table_len + 2) : rnd();
}

START_TEST(test_random_rings)
{
	struct virtio_dev *vdev = &D.vdev;
	u64 table = tvm_alloc(&T, 16 * 16, 16);
	struct virtq_desc *tbl = tvm_hva(&T, table);
	unsigned popped = 0, broken = 0;

	for (int round = 0; round < 4000; round++) {
		struct virtq *vq;
		struct iovec iov[MAX_IOV];
		struct virtq_elem e;
		int ret;

		virtio_reset(vdev);
		vq = ready_queue_all();
		for (u16 i = 0; i < QSIZE; i++) {
			rnd_desc(&R.desc[i], QSIZE);
			/* Some indirect descriptors point at a real table. */
			if ((R.desc[i].flags & VIRTQ_DESC_F_INDIRECT) && rnd() % 2) {
				R.desc[i].addr = table;
				R.desc[i].len = 16 * (1 + rnd() % 16);
			}
			R.avail->ring[i] = rnd() % 4 ? rnd() % QSIZE : rnd();
		}
		for (u16 i = 0; i < 16; i++)
			rnd_desc(&tbl[i], 16);
		R.avail->idx = rnd() % 3 ? rnd() % (QSIZE + 1) : rnd();
		for (;;) {
			ret = pop(vq, &e, iov);
			if (ret <= 0)
				break;
			popped++;
			ck_assert_uint_le(e.nr_out + e.nr_in, MAX_IOV);
			for (unsigned i = 0; i < e.nr_out + e.nr_in; i++) {
				u8 *b = iov[i].iov_base;

				ck_assert(b >= T.vm.ram && iov[i].iov_len <= TEST_RAM_SIZE &&
					  b - T.vm.ram <= (long)(TEST_RAM_SIZE - iov[i].iov_len));
			}
		}
		if (ret < 0) {
			broken++;
			ck_assert(needs_reset());
		}
	}
	/* The generator must reach both outcomes, or it tests nothing. */
	ck_assert_uint_gt(popped, 100);
	ck_assert_uint_gt(broken, 100);
}
END_TEST

static Suite *virtq_suite(void)
{
	Suite *s = suite_create("virtq");
	TCase *tc = tcase_create("virtq");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_queue);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_zero_length_descriptor);
	tcase_add_test(tc, test_indirect);
	tcase_add_test(tc, test_indirect_longer_than_queue);
	tcase_add_test(tc, test_bad_addr_outside_ram);
	tcase_add_test(tc, test_bad_len_past_ram_end);
	tcase_add_test(tc, test_bad_addr_len_overflow);
	tcase_add_test(tc, test_bad_loop);
	tcase_add_test(tc, test_bad_self_loop_zero_len);
	tcase_add_test(tc, test_bad_chain_longer_than_queue);
	tcase_add_test(tc, test_bad_next_index);
	tcase_add_test(tc, test_bad_head_index);
	tcase_add_test(tc, test_bad_avail_idx_jump);
	tcase_add_test(tc, test_bad_writable_before_readable);
	tcase_add_test(tc, test_bad_too_many_segments);
	tcase_add_test(tc, test_bad_indirect_in_indirect);
	tcase_add_test(tc, test_bad_indirect_loop);
	tcase_add_test(tc, test_bad_indirect_next_index);
	tcase_add_test(tc, test_bad_indirect_table_outside_ram);
	tcase_add_loop_test(tc, test_bad_indirect_len, 0, 3);
	tcase_add_test(tc, test_bad_indirect_not_negotiated);
	tcase_add_test(tc, test_bad_indirect_with_next);
	tcase_add_loop_test(tc, test_enable_validation, 0, 6);
	tcase_add_test(tc, test_queue_config_locked_while_ready);
	tcase_add_test(tc, test_event_idx_interrupts);
	tcase_add_test(tc, test_no_interrupt_flag);
	tcase_add_test(tc, test_event_idx_kicks);
	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_driver_ok_needs_features_ok);
	tcase_add_test(tc, test_config_space);
	tcase_add_test(tc, test_worker_and_reset);
	tcase_add_test(tc, test_needs_reset_signals_config);
	tcase_add_test(tc, test_iov_helpers);
	tcase_add_test(tc, test_random_rings);
	tcase_add_test(tc, test_inline_service);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(virtq_suite)
