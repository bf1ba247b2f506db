// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk driven through a split ring in fake guest RAM against a real
 * image file, on every disk engine (and O_DIRECT): reads, writes, flush,
 * GET_ID, discard, write-zeroes, read-only images, out-of-range and
 * malformed requests, batching, and reset with I/O in flight.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "../../disk/engine.h"
#include "disk.h"
#include "virtio-harness.h"

#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14
#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define T_GET_ID	8
#define T_DISCARD	11
#define T_WRITE_ZEROES	13
#define S_OK		0
#define S_IOERR		1
#define S_UNSUPP	2

#define IMG_SIZE	(1 * MiB)
#define IMG_SECTORS	(IMG_SIZE / 512)
#define QSIZE		256
#define WAIT_MS		10000

static const char *const engines[] = {
	"engine=sync,cache=writeback", "engine=aio,cache=writeback", "engine=uring,cache=writeback",
	"engine=sync,cache=none", "engine=aio,cache=none", "engine=uring,cache=none",
};

static struct tvm T;
static struct tring R;
static struct ttransport TT;
static struct virtio_dev *V;
static char *img;
/* Build requests as indirect tables (as Linux does): many fit in the ring. */
static bool use_indirect;
/* The ring breq_build() adds to. */
static struct tring *cur = &R;

/* Queue interrupts raised on a thread that is not one of the device's queue workers. */
static atomic_uint irqs_off_worker;
/* Queue interrupts by queue (the first two queues). */
static atomic_uint irqs_on[2];
/* Queue 0's used index as of its latest interrupt. */
static atomic_uint irq_used_idx;

static void blk_signal_queue(struct virtio_dev *vdev, struct virtq *vq)
{
	char name[16] = "";

	if (vq->index < 2)
		atomic_fetch_add(&irqs_on[vq->index], 1);
	if (vq->index == 0)
		atomic_store(&irq_used_idx, __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	pthread_getname_np(pthread_self(), name, sizeof(name));
	if (strncmp(name, "virtio-blk/", 11))	/* the worker names: "%.10s/%u" */
		atomic_fetch_add(&irqs_off_worker, 1);
	tt_signal_queue(vdev, vq);
}

static const struct virtio_transport_ops blk_tt_ops = {
	.signal_queue	= blk_signal_queue,
	.signal_config	= tt_signal_config,
	.reset		= tt_reset,
};

static int capture_create(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	V = vdev;
	return virtio_transport_attach(vdev, &blk_tt_ops, &TT, 0);
}

static u8 pattern(u64 off)
{
	return (u8)(off * 7 + (off >> 9) * 13 + 1);
}

static void make_image(void)
{
	u8 *buf = malloc(IMG_SIZE);
	int fd;

	for (u64 i = 0; i < IMG_SIZE; i++)
		buf[i] = pattern(i);
	free(img);	/* a test may bring the device up twice */
	img = test_tmp_path("disk.img");
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, buf, IMG_SIZE), 0);
	close(fd);
	free(buf);
}

static void read_image(u64 off, void *buf, u64 len)
{
	int fd = open(img, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* Create the device with extra ",opts"; returns false if this host cannot do the engine. */
static bool blk_up(int engine, const char *extra, unsigned nr_cpus)
{
	char spec[512];
	struct disk_opts o;
	struct disk *d;
	char *path, err[256];

	tvm_init(&T, nr_cpus);
	memset(&TT, 0, sizeof(TT));
	use_indirect = false;
	cur = &R;
	V = NULL;
	make_image();
	snprintf(spec, sizeof(spec), "%s,%s%s", img, engines[engine], extra);
	/* Engines the host kernel lacks (io_uring off, O_DIRECT unsupported) are not ours to test. */
	ck_assert_int_eq(disk_parse_spec(spec, &path, &o, err, sizeof(err)), 0);
	if (disk_open(path, &o, &d, err, sizeof(err))) {
		printf("%s: not available here (%s)\n", engines[engine], err);
		free(path);
		return false;
	}
	disk_close(d);
	free(path);

	ck_assert_int_eq(virtio_blk_create(&(struct virtio_transport){ .create = capture_create, .vm = &T.vm }, spec, 0), 0);
	ck_assert_ptr_nonnull(V);
	return true;
}

static void blk_start(void)
{
	u64 want = V->device_features;

	ck_assert(tdev_negotiate(V, want) & VIRTIO_STATUS_FEATURES_OK);
	tring_init(&R, &T, QSIZE);
	ck_assert_int_eq(tring_attach(&R, V, 0), 0);
	tdev_driver_ok(V);
	ck_assert(V->running);
}

static void blk_down(void)
{
	if (V)
		virtio_dev_destroy(V);
	V = NULL;
	tvm_exit(&T);
}

/* A request in guest RAM: header, data split in nseg segments, status byte. */
struct blk_range {
	u64 sector;
	u32 num;
	u32 flags;
};

struct breq {
	u64 hdr, data, status;
	u32 len;
	u16 head;
};

/*
 * payload (len bytes, or NULL) is copied into the data buffer *before* the
 * request is published: the device may take it the moment it is.
 */
static void breq_build(struct breq *b, u32 type, u64 sector, u32 len, unsigned nseg,
		       const void *payload)
{
	struct tseg segs[8];
	u32 *h;
	unsigned n = 0;
	bool write = type == T_IN || type == T_GET_ID;

	b->hdr = tvm_alloc(&T, 16, 16);
	b->data = len ? tvm_alloc(&T, len, 4096) : 0;
	b->status = tvm_alloc(&T, 1, 1);
	b->len = len;
	h = tvm_hva(&T, b->hdr);
	h[0] = type;
	h[1] = 0;
	memcpy(&h[2], &sector, 8);
	*(u8 *)tvm_hva(&T, b->status) = 0xff;
	if (payload)
		memcpy(tvm_hva(&T, b->data), payload, len);

	segs[n++] = (struct tseg){ b->hdr, 16, false };
	/* Sector-sized pieces where possible, so O_DIRECT accepts them. */
	for (unsigned i = 0, chunk = nseg ? (len / nseg >= 512 ? ALIGN_DOWN(len / nseg, 512) : len / nseg) : 0;
	     i < nseg && len; i++) {
		u32 part = i + 1 < nseg ? chunk : len - chunk * (nseg - 1);

		segs[n++] = (struct tseg){ b->data + chunk * i, part, write };
	}
	segs[n++] = (struct tseg){ b->status, 1, true };
	b->head = use_indirect ? tring_add_indirect(cur, segs, n) : tring_add(cur, segs, n);
}

static u8 breq_status(struct breq *b)
{
	return *(volatile u8 *)tvm_hva(&T, b->status);
}

/* Kick, wait for n completions, return the last used entry. */
static struct virtq_used_elem kick_wait(unsigned n)
{
	struct virtq_used_elem e = { 0 };

	virtio_queue_kick(V, 0);
	ck_assert_msg(tring_wait_used(&R, n, WAIT_MS), "no completion");
	for (unsigned i = 0; i < n; i++)
		e = tring_get_used(&R);
	return e;
}

static u8 do_req(u32 type, u64 sector, u32 len, unsigned nseg, struct breq *out)
{
	struct breq b;
	struct virtq_used_elem e;

	breq_build(&b, type, sector, len, nseg, NULL);
	e = kick_wait(1);
	ck_assert_uint_eq(e.id, b.head);
	if (breq_status(&b) == S_OK && type == T_IN)
		ck_assert_uint_eq(e.len, len + 1);
	if (out)
		*out = b;
	return breq_status(&b);
}

START_TEST(test_read_write)
{
	struct breq w, r;
	u8 *buf = malloc(8192);

	if (!blk_up(_i, "", 1)) {
		free(buf);
		return;
	}
	blk_start();
	/* Write 8 KiB at sector 8 from 3 segments, read it back into 2. */
	for (u32 i = 0; i < 8192; i++)
		buf[i] = (u8)(i ^ 0x5a);
	breq_build(&w, T_OUT, 8, 8192, 3, buf);
	kick_wait(1);
	ck_assert_uint_eq(breq_status(&w), S_OK);
	read_image(8 * 512, buf, 8192);
	ck_assert_mem_eq(buf, tvm_hva(&T, w.data), 8192);

	ck_assert_uint_eq(do_req(T_IN, 8, 8192, 2, &r), S_OK);
	ck_assert_mem_eq(tvm_hva(&T, r.data), tvm_hva(&T, w.data), 8192);
	/* And untouched data reads as the image had it. */
	ck_assert_uint_eq(do_req(T_IN, 100, 4096, 1, &r), S_OK);
	read_image(100 * 512, buf, 4096);
	ck_assert_mem_eq(tvm_hva(&T, r.data), buf, 4096);
	/* The last sector is in range. */
	ck_assert_uint_eq(do_req(T_IN, IMG_SECTORS - 1, 512, 1, NULL), S_OK);
	ck_assert_uint_eq(do_req(T_FLUSH, 0, 0, 0, NULL), S_OK);
	free(buf);
	blk_down();
}
END_TEST

START_TEST(test_get_id_and_config)
{
	struct breq b;
	u64 cap;
	u32 seg_max, blk_size;
	u16 nq;

	if (!blk_up(0, "", 2))
		return;
	ck_assert(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH));
	ck_assert(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_DISCARD));
	ck_assert(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES));
	ck_assert(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_MQ));
	ck_assert(!(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_RO)));
	ck_assert_uint_eq(V->nr_queues, 2);
	virtio_config_read(V, 0, &cap, 8);
	ck_assert_uint_eq(cap, IMG_SECTORS);
	virtio_config_read(V, 12, &seg_max, 4);
	ck_assert_uint_ge(seg_max, 1);
	virtio_config_read(V, 20, &blk_size, 4);
	ck_assert_uint_eq(blk_size % 512, 0);
	virtio_config_read(V, 34, &nq, 2);
	ck_assert_uint_eq(nq, 2);

	blk_start();
	ck_assert_uint_eq(do_req(T_GET_ID, 0, 20, 1, &b), S_OK);
	ck_assert_mem_eq(tvm_hva(&T, b.data), "disk.img\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	blk_down();
}
END_TEST

START_TEST(test_discard_write_zeroes)
{
	u8 buf[4096], zero[4096] = { 0 }, orig[512];
	struct breq b;

	if (!blk_up(_i, "", 1))
		return;
	blk_start();
	read_image(40 * 512, orig, 512);
	for (int t = 0; t < 2; t++) {
		u64 sector = t ? 32 : 16;

		struct blk_range r = { .sector = sector, .num = 8 };

		unsigned irqs = atomic_load(&irqs_on[0]);

		/* As a driver that wants the next interrupt (EVENT_IDX). */
		__atomic_store_n(tring_used_event(&R), R.last_used, __ATOMIC_RELEASE);
		breq_build(&b, t ? T_WRITE_ZEROES : T_DISCARD, 0, 16, 1, &r);
		kick_wait(1);
		ck_assert_uint_eq(breq_status(&b), S_OK);
		/*
		 * The guest is told, whichever thread completed it (with aio:
		 * the disk's helper thread, not the queue's poller).
		 */
		for (int ms = 0; atomic_load(&irqs_on[0]) == irqs && ms < WAIT_MS; ms++)
			usleep(1000);
		ck_assert_uint_gt(atomic_load(&irqs_on[0]), irqs);
		read_image(sector * 512, buf, 4096);
		ck_assert_mem_eq(buf, zero, 4096);
	}
	/* Neighbours are untouched. */
	read_image(40 * 512, buf, 512);
	ck_assert_mem_eq(buf, orig, 512);
	/* Discard with the unmap flag is not allowed (it is write-zeroes only). */
	breq_build(&b, T_DISCARD, 0, 16, 1, &(struct blk_range){ .sector = 0, .num = 1, .flags = 1 });
	kick_wait(1);
	ck_assert_uint_eq(breq_status(&b), S_UNSUPP);
	/* Past the end. */
	breq_build(&b, T_WRITE_ZEROES, 0, 16, 1, &(struct blk_range){ .sector = IMG_SECTORS - 4, .num = 8 });
	kick_wait(1);
	ck_assert_uint_eq(breq_status(&b), S_IOERR);
	blk_down();
}
END_TEST

START_TEST(test_readonly)
{
	u8 before[4096], after[4096];
	struct breq b;

	if (!blk_up(_i, ",ro", 1))
		return;
	ck_assert(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_RO));
	ck_assert(!(V->device_features & VIRTIO_BIT(VIRTIO_BLK_F_DISCARD)));
	blk_start();
	read_image(0, before, sizeof(before));
	memset(after, 0xee, sizeof(after));
	breq_build(&b, T_OUT, 0, 4096, 1, after);
	kick_wait(1);
	ck_assert_uint_eq(breq_status(&b), S_IOERR);
	/* A guest that sends discards anyway gets IOERR too. */
	breq_build(&b, T_DISCARD, 0, 16, 1, &(struct blk_range){ .sector = 0, .num = 8 });
	kick_wait(1);
	ck_assert_uint_eq(breq_status(&b), S_IOERR);
	read_image(0, after, sizeof(after));
	ck_assert_mem_eq(before, after, sizeof(after));
	/* Reads still work. */
	ck_assert_uint_eq(do_req(T_IN, 0, 4096, 1, &b), S_OK);
	ck_assert_mem_eq(tvm_hva(&T, b.data), before, 4096);
	blk_down();
}
END_TEST

START_TEST(test_bad_requests)
{
	u8 before[1024], after[1024];

	if (!blk_up(_i, "", 1))
		return;
	blk_start();
	read_image(IMG_SIZE - 1024, before, sizeof(before));
	ck_assert_uint_eq(do_req(T_IN, IMG_SECTORS, 512, 1, NULL), S_IOERR);
	ck_assert_uint_eq(do_req(T_IN, IMG_SECTORS - 1, 1024, 1, NULL), S_IOERR);
	ck_assert_uint_eq(do_req(T_OUT, IMG_SECTORS - 1, 1024, 2, NULL), S_IOERR);
	ck_assert_uint_eq(do_req(T_IN, 1ULL << 63, 512, 1, NULL), S_IOERR);
	ck_assert_uint_eq(do_req(T_OUT, ~0ULL, 512, 1, NULL), S_IOERR);
	ck_assert_uint_eq(do_req(T_IN, 0, 100, 1, NULL), S_IOERR);	/* not whole sectors */
	ck_assert_uint_eq(do_req(99, 0, 512, 1, NULL), S_UNSUPP);
	read_image(IMG_SIZE - 1024, after, sizeof(after));
	ck_assert_mem_eq(before, after, sizeof(after));
	/* The device still works afterwards. */
	ck_assert_uint_eq(do_req(T_IN, 0, 512, 1, NULL), S_OK);
	ck_assert(!(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET));
	blk_down();
}
END_TEST

/*
 * No framing assumptions: header split in two, data and status in one
 * buffer, which is not sector-aligned in memory (O_DIRECT bounces it).
 */
START_TEST(test_odd_layout)
{
	u64 hdr = 0, buf;
	u32 *h;
	u8 expect[1024];

	if (!blk_up(_i, "", 1))
		return;
	blk_start();
	hdr = tvm_alloc(&T, 16, 16);
	buf = tvm_alloc(&T, 1025, 16);
	h = tvm_hva(&T, hdr);
	h[0] = T_IN;
	h[1] = 0;
	h[2] = 4;
	h[3] = 0;
	{
		struct tseg segs[] = { { hdr, 5, false }, { hdr + 5, 11, false }, { buf, 1025, true } };
		struct virtq_used_elem e;

		tring_add(&R, segs, 3);
		e = kick_wait(1);
		ck_assert_msg(e.len == 1025, "len %u status %u", e.len, ((u8 *)tvm_hva(&T, buf))[1024]);
	}
	ck_assert_uint_eq(((u8 *)tvm_hva(&T, buf))[1024], S_OK);
	read_image(4 * 512, expect, 1024);
	ck_assert_mem_eq(tvm_hva(&T, buf), expect, 1024);
	/* A request with no status byte gets nothing written, used len 0. */
	{
		struct tseg segs[] = { { hdr, 16, false } };

		tring_add(&R, segs, 1);
		ck_assert_uint_eq(kick_wait(1).len, 0);
	}
	blk_down();
}
END_TEST

/* Many requests on one kick: all complete, all data lands. */
START_TEST(test_batch)
{
	enum { N = 200 };
	struct breq b[N];
	u8 buf[4096];

	if (!blk_up(_i, "", 1))
		return;
	blk_start();
	use_indirect = true;
	for (int i = 0; i < N; i++) {
		memset(buf, i + 1, 4096);
		breq_build(&b[i], T_OUT, 8ULL * i, 4096, 1 + i % 3, buf);
	}
	kick_wait(N);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(breq_status(&b[i]), S_OK);
		read_image(4096ULL * i, buf, 4096);
		ck_assert_mem_eq(buf, tvm_hva(&T, b[i].data), 4096);
	}
	blk_down();
}
END_TEST

/*
 * The guest resets the device with writes in flight: the reset waits for
 * them, every write the device completed is in the image, nothing touches
 * the rings after the reset returns, and the driver can start again.
 */
START_TEST(test_reset_in_flight)
{
	enum { N = 120, LEN = 8192 };
	struct breq b[N];
	u8 *buf = malloc(LEN);
	u16 used_after;
	unsigned done = 0;

	if (!blk_up(_i, "", 1)) {
		free(buf);
		return;
	}
	blk_start();
	use_indirect = true;
	for (int i = 0; i < N; i++) {
		memset(buf, 0x80 | i, LEN);
		breq_build(&b[i], T_OUT, (u64)i * (LEN / 512), LEN, 2, buf);
	}
	virtio_queue_kick(V, 0);
	usleep(100);
	virtio_set_status(V, 0);
	ck_assert_uint_eq(virtio_get_status(V), 0);

	used_after = R.used->idx;
	for (int i = 0; i < N; i++) {
		u8 st = breq_status(&b[i]);

		if (st == 0xff)
			continue;	/* never popped: the reset discarded it */
		ck_assert_uint_eq(st, S_OK);
		done++;
		read_image((u64)i * LEN, buf, LEN);
		ck_assert_mem_eq(buf, tvm_hva(&T, b[i].data), LEN);
	}
	ck_assert_uint_eq(done, used_after);
	usleep(20000);
	ck_assert_uint_eq(R.used->idx, used_after);

	/* Driver re-initialisation, as on module reload. */
	T.next_gpa = ALIGN_UP(T.next_gpa, 4096);
	blk_start();
	ck_assert_uint_eq(do_req(T_IN, 0, LEN, 1, &b[0]), S_OK);
	read_image(0, buf, LEN);
	ck_assert_mem_eq(tvm_hva(&T, b[0].data), buf, LEN);
	free(buf);
	blk_down();
}
END_TEST

/* VIRTIO_BLK_F_MQ: two queues, each with its own worker, both busy at once. */
START_TEST(test_multiqueue)
{
	enum { N = 40 };
	static struct tring R2;
	struct breq b[2][N];
	u8 buf[4096];

	if (!blk_up(_i, "", 2))
		return;
	ck_assert_uint_eq(V->nr_queues, 2);
	ck_assert(tdev_negotiate(V, V->device_features) & VIRTIO_STATUS_FEATURES_OK);
	tring_init(&R, &T, QSIZE);
	tring_init(&R2, &T, QSIZE);
	ck_assert_int_eq(tring_attach(&R, V, 0), 0);
	ck_assert_int_eq(tring_attach(&R2, V, 1), 0);
	tdev_driver_ok(V);
	ck_assert_uint_eq(V->nr_workers, 2);
	use_indirect = true;
	for (int i = 0; i < N; i++) {
		for (int q = 0; q < 2; q++) {
			cur = q ? &R2 : &R;
			memset(buf, 0x10 * (q + 1) + i, sizeof(buf));
			breq_build(&b[q][i], T_OUT, 8ULL * (2 * i + q), 4096, 2, buf);
		}
	}
	virtio_queue_kick(V, 0);
	virtio_queue_kick(V, 1);
	ck_assert(tring_wait_used(&R, N, WAIT_MS));
	ck_assert(tring_wait_used(&R2, N, WAIT_MS));
	for (int i = 0; i < N; i++) {
		for (int q = 0; q < 2; q++) {
			ck_assert_uint_eq(breq_status(&b[q][i]), S_OK);
			read_image(4096ULL * (2 * i + q), buf, 4096);
			ck_assert_mem_eq(buf, tvm_hva(&T, b[q][i].data), 4096);
		}
	}
	blk_down();
}
END_TEST

/*
 * Random requests in random layouts (types, sectors near the end, odd
 * lengths, header split anywhere, status byte glued to data): each gets a
 * valid status and a used entry, the image keeps its size, and the device
 * keeps working.
 */
START_TEST(test_random_requests)
{
	static const u32 types[] = { T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES, 7, 0x80000000 };
	u64 seed = 12345;
	struct stat st;

#define RND() (seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17, seed)
	if (!blk_up(0, "", 1))
		return;
	blk_start();
	use_indirect = true;
	for (int n = 0; n < 300; n++) {
		u32 type = types[RND() % ARRAY_SIZE(types)];
		u64 sector = RND() % 3 ? RND() % (IMG_SECTORS + 8) : RND();
		u32 len = RND() % 2 ? 512 * (RND() % 9) : RND() % 5000;
		u64 hdr = tvm_alloc(&T, 16, 1), data = tvm_alloc(&T, len + 1, 1);
		u32 split = RND() % 17;
		struct tseg segs[4];
		unsigned ns = 0;
		bool in = type == T_IN || type == T_GET_ID;
		void *h = tvm_hva(&T, hdr);
		struct virtq_used_elem e;
		u8 status;

		if (T.next_gpa > TEST_RAM_SIZE - 64 * KiB)
			T.next_gpa = 0x40000;	/* recycle: earlier requests are done */
		u32 reserved = RND();

		/* Byte copies: the header sits at any alignment, as a guest may put it. */
		memcpy(h, &type, 4);
		memcpy((u8 *)h + 4, &reserved, 4);
		memcpy((u8 *)h + 8, &sector, 8);
		if (type == T_DISCARD || type == T_WRITE_ZEROES) {
			struct blk_range r = { RND() % (IMG_SECTORS + 4), RND() % 64, RND() % 3 };

			len = sizeof(r);
			memcpy(tvm_hva(&T, data), &r, sizeof(r));
		}
		if (split && split < 16) {
			segs[ns++] = (struct tseg){ hdr, split, false };
			segs[ns++] = (struct tseg){ hdr + split, 16 - split, false };
		} else {
			segs[ns++] = (struct tseg){ hdr, 16, false };
		}
		if (in) {
			segs[ns++] = (struct tseg){ data, len + 1, true };	/* data + status */
		} else {
			if (len)
				segs[ns++] = (struct tseg){ data, len, false };
			segs[ns++] = (struct tseg){ data + len, 1, true };
		}
		*(u8 *)tvm_hva(&T, data + len) = 0xff;	/* the status byte, in both layouts */
		tring_add_indirect(&R, segs, ns);
		e = kick_wait(1);
		status = *(u8 *)tvm_hva(&T, data + len);
		ck_assert_msg(status <= S_UNSUPP, "request %d type %u: status %u", n, type, status);
		ck_assert_uint_eq(e.len, status == S_OK && in ? (type == T_GET_ID ? MIN(len, 20) : len) + 1 : 1);
	}
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_uint_eq(st.st_size, IMG_SIZE);
	ck_assert(!(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET));
	ck_assert_uint_eq(do_req(T_IN, 0, 512, 1, NULL), S_OK);
	blk_down();
#undef RND
}
END_TEST

/*
 * Where completions run: with the aio engine (and sync, inline) on the
 * queue's worker, the thread that submitted them, so a request wakes one
 * thread; only io_uring keeps its own. Seen from the interrupts: one per
 * request here (no EVENT_IDX), each raised by a queue worker, on one queue
 * and on two.
 */
START_TEST(test_completion_thread)
{
	enum { N = 30 };
	bool uring = strstr(engines[_i], "uring");
	struct breq b;

	for (unsigned cpus = 1; cpus <= 2; cpus++) {
		if (!blk_up(_i, "", cpus))
			return;
		atomic_store(&irqs_off_worker, 0);
		ck_assert(tdev_negotiate(V, V->device_features & ~VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) &
			  VIRTIO_STATUS_FEATURES_OK);
		tring_init(&R, &T, QSIZE);
		ck_assert_int_eq(tring_attach(&R, V, 0), 0);
		if (cpus == 2) {
			static struct tring R2;

			tring_init(&R2, &T, QSIZE);
			ck_assert_int_eq(tring_attach(&R2, V, 1), 0);
		}
		tdev_driver_ok(V);
		for (unsigned i = 0; i < N; i++) {
			breq_build(&b, i % 2 ? T_OUT : T_IN, 8ULL * i, 4096, 1, NULL);
			kick_wait(1);
			ck_assert_uint_eq(breq_status(&b), S_OK);
			/* The interrupt follows the used entry: wait for it too. */
			for (int ms = 0; atomic_load(&TT.queue_irqs) < i + 1 && ms < WAIT_MS; ms++)
				usleep(1000);
			ck_assert_uint_eq(atomic_load(&TT.queue_irqs), i + 1);
		}
		if (uring)
			ck_assert_uint_eq(atomic_load(&irqs_off_worker), N);
		else
			ck_assert_uint_eq(atomic_load(&irqs_off_worker), 0);
		blk_down();
	}
}
END_TEST

/*
 * The poller tells the guest of a whole reap with one interrupt per queue
 * it completed requests on. Buffered aio completes inside io_submit, so N
 * writes the driver made available before DRIVER_OK are, for the poller's
 * own queue, one submission and one reap of N completions: one interrupt,
 * where completing them one by one raised N (no EVENT_IDX here, so every
 * notify interrupts). The second queue's worker submits while the first
 * one's reaps, so its completions come in several reaps; their interrupts
 * must still come, and only on their own queue.
 */
START_TEST(test_interrupt_per_reap)
{
	enum { N = 64, AIO_WRITEBACK = 1 };
	static struct tring R2;
	struct breq b;

	if (!blk_up(AIO_WRITEBACK, "", 2))
		return;
	ck_assert(tdev_negotiate(V, V->device_features & ~VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) &
		  VIRTIO_STATUS_FEATURES_OK);
	tring_init(&R, &T, QSIZE);
	tring_init(&R2, &T, QSIZE);
	ck_assert_int_eq(tring_attach(&R, V, 0), 0);
	ck_assert_int_eq(tring_attach(&R2, V, 1), 0);
	use_indirect = true;
	for (unsigned i = 0; i < N; i++)
		breq_build(&b, T_OUT, 8ULL * i, 4096, 1, NULL);
	atomic_store(&irqs_on[0], 0);
	atomic_store(&irqs_on[1], 0);
	tdev_driver_ok(V);
	ck_assert(tring_wait_used(&R, N, WAIT_MS));
	for (int ms = 0; !atomic_load(&irqs_on[0]) && ms < WAIT_MS; ms++)
		usleep(1000);
	usleep(20 * 1000);	/* room for interrupts that should not come */
	ck_assert_uint_eq(atomic_load(&irqs_on[0]), 1);
	ck_assert_uint_eq(atomic_load(&irqs_on[1]), 0);

	atomic_store(&irqs_on[0], 0);
	cur = &R2;
	for (unsigned i = 0; i < N; i++)
		breq_build(&b, T_OUT, 8ULL * (N + i), 4096, 1, NULL);
	virtio_queue_kick(V, 1);
	ck_assert(tring_wait_used(&R2, N, WAIT_MS));
	for (int ms = 0; !atomic_load(&irqs_on[1]) && ms < WAIT_MS; ms++)
		usleep(1000);
	usleep(20 * 1000);
	ck_assert_uint_ge(atomic_load(&irqs_on[1]), 1);
	ck_assert_uint_le(atomic_load(&irqs_on[1]), N);
	ck_assert_uint_eq(atomic_load(&irqs_on[0]), 0);
	cur = &R;
	blk_down();
}
END_TEST

/*
 * Whoever completes a request, an interrupt follows its used entry: the
 * poller's reaps, the disk's helper thread (discards, on aio), inline
 * completions. Rounds of writes and discards mixed, so that completions
 * from other threads land while the poller reaps: after each round, the
 * latest interrupt must have covered every used entry.
 */
START_TEST(test_interrupt_after_every_completion)
{
	enum { ROUNDS = 60, K = 6 };
	struct breq b;
	u16 total = 0;

	if (!blk_up(_i, "", 1))
		return;
	ck_assert(tdev_negotiate(V, V->device_features & ~VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) &
		  VIRTIO_STATUS_FEATURES_OK);
	tring_init(&R, &T, QSIZE);
	ck_assert_int_eq(tring_attach(&R, V, 0), 0);
	tdev_driver_ok(V);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < K; i++) {
			struct blk_range rg = { .sector = 8ULL * (r * K + i) % IMG_SECTORS, .num = 8 };

			if (i % 2)
				breq_build(&b, T_DISCARD, 0, 16, 1, &rg);
			else
				breq_build(&b, T_OUT, rg.sector, 4096, 1, NULL);
		}
		kick_wait(K);
		total += K;
		for (int ms = 0; (u16)atomic_load(&irq_used_idx) != total && ms < WAIT_MS; ms++)
			usleep(1000);
		ck_assert_uint_eq((u16)atomic_load(&irq_used_idx), total);
	}
	blk_down();
}
END_TEST

START_TEST(test_bad_spec)
{
	tvm_init(&T, 1);
	ck_assert_int_lt(virtio_blk_create(&(struct virtio_transport){ .create = capture_create, .vm = &T.vm }, "/nonexistent/kite.img", 0), 0);
	ck_assert_int_lt(virtio_blk_create(&(struct virtio_transport){ .create = capture_create, .vm = &T.vm }, "x.img,engine=warp", 0), 0);
	tvm_exit(&T);
}
END_TEST

/* In a child, where a file system without O_DIRECT stands in: 0 or 1. */
static int create_without_direct(void *spec)
{
	disk_open_file = test_open_without_direct;
	return virtio_blk_create(&(struct virtio_transport){ .create = capture_create, .vm = &T.vm }, spec, 0) ? 1 : 0;
}

/*
 * A --disk that names no cache mode falls back to the page cache where
 * O_DIRECT is refused, and says so in one line; cache=none fails there
 * with the one-line error it always had (test-disk-fallback has the rest).
 */
START_TEST(test_cache_fallback)
{
	struct test_proc p;
	char *spec, want[512];

	tvm_init(&T, 1);
	make_image();
	ck_assert_int_eq(test_call(create_without_direct, img, NULL, WAIT_MS, &p), 0);
	snprintf(want, sizeof(want),
		 "kite: --disk %s: this file system refuses O_DIRECT (cache=none); using cache=writeback, engine ",
		 img);
	ck_assert_msg(!strncmp(p.err, want, strlen(want)), "stderr: %s", p.err);
	ck_assert_ptr_eq(strchr(p.err, '\n'), p.err + strlen(p.err) - 1);
	test_proc_free(&p);

	ck_assert_int_gt(asprintf(&spec, "%s,cache=none", img), 0);
	test_call(create_without_direct, spec, NULL, WAIT_MS, &p);
	test_assert_one_line_error(&p, "O_DIRECT (cache=none) not supported here; try cache=writeback");
	test_proc_free(&p);
	free(spec);
	tvm_exit(&T);
}
END_TEST

static Suite *blk_suite(void)
{
	Suite *s = suite_create("virtio-blk");
	TCase *tc = tcase_create("blk");
	int ne = ARRAY_SIZE(engines);

	tcase_add_loop_test(tc, test_read_write, 0, ne);
	tcase_add_test(tc, test_get_id_and_config);
	tcase_add_loop_test(tc, test_discard_write_zeroes, 0, 3);
	tcase_add_loop_test(tc, test_readonly, 0, 3);
	tcase_add_loop_test(tc, test_bad_requests, 0, ne);
	tcase_add_loop_test(tc, test_odd_layout, 0, ne);
	tcase_add_loop_test(tc, test_batch, 0, ne);
	tcase_add_loop_test(tc, test_reset_in_flight, 0, ne);
	tcase_add_loop_test(tc, test_multiqueue, 0, ne);
	tcase_add_test(tc, test_random_requests);
	tcase_add_loop_test(tc, test_completion_thread, 0, ne);
	tcase_add_test(tc, test_interrupt_per_reap);
	tcase_add_loop_test(tc, test_interrupt_after_every_completion, 0, ne);
	tcase_add_test(tc, test_bad_spec);
	tcase_add_test(tc, test_cache_fallback);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(blk_suite)
