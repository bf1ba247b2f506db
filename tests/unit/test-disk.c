// SPDX-License-Identifier: GPL-2.0
/*
 * The disk layer on regular files, one suite run against every engine
 * (sync, aio, uring), buffered and O_DIRECT: round trips, many requests
 * from several threads, wait and flush semantics, short reads at EOF,
 * read-only refusals, image locks between processes, discard and
 * write-zeroes, argument checks. Faults on real devices (ENOSPC, EIO,
 * block devices) are in test-disk-faults.c, which needs root.
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "disk-test.h"

#define IMG_SIZE	(8 * MiB)

static u32 rnd_state = 12345;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

START_TEST(test_parse_spec)
{
	struct disk_opts o;
	char *path, err[200];

	ck_assert_int_eq(disk_parse_spec("a.img", &path, &o, err, sizeof(err)), 0);
	ck_assert_str_eq(path, "a.img");
	ck_assert(!o.readonly && o.direct && o.engine == DISK_ENGINE_AIO && o.depth == 0);
	/* Defaults nobody asked for: disk_open may fall back (test-disk-fallback). */
	ck_assert(o.direct_default && o.engine_default);
	free(path);
	ck_assert_int_eq(disk_parse_spec("/x/b.img,ro,cache=writeback,engine=uring,depth=7",
					 &path, &o, err, sizeof(err)), 0);
	ck_assert_str_eq(path, "/x/b.img");
	ck_assert(o.readonly && !o.direct && o.engine == DISK_ENGINE_URING && o.depth == 7);
	ck_assert(!o.direct_default && !o.engine_default);
	free(path);
	ck_assert_int_eq(disk_parse_spec("c,engine=sync,cache=none", &path, &o, err, sizeof(err)), 0);
	ck_assert(o.engine == DISK_ENGINE_SYNC && o.direct);
	ck_assert(!o.direct_default && !o.engine_default);
	free(path);
	ck_assert_int_eq(disk_parse_spec("c,depth=3", &path, &o, err, sizeof(err)), 0);
	ck_assert(o.direct_default && o.engine_default);
	free(path);
	ck_assert_int_eq(disk_parse_spec("c,engine=aio", &path, &o, err, sizeof(err)), 0);
	ck_assert(o.direct_default && !o.engine_default);
	free(path);

	err[0] = 0;
	ck_assert_int_eq(disk_parse_spec("c,engine=posix", &path, &o, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(path);
	ck_assert_ptr_nonnull(strstr(err, "posix"));
	ck_assert_int_eq(disk_parse_spec("c,bogus", &path, &o, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bogus"));
	ck_assert_int_eq(disk_parse_spec("", &path, &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(disk_parse_spec(",ro", &path, &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(disk_parse_spec("c,depth=0", &path, &o, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(disk_parse_spec("c,depth=1x", &path, &o, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_open_errors)
{
	struct disk_opts o = test_opts(_i, 0);
	struct disk *d = (void *)1;
	char err[256] = "";
	char *missing = test_tmp_path("missing.img");
	char *dir = test_tmp_path("");

	ck_assert_int_eq(disk_open(missing, &o, &d, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(err, "missing.img"));
	o.direct = false;
	ck_assert_int_eq(disk_open("/dev/null", &o, &d, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file or block device"));
	o.readonly = true;
	ck_assert_int_eq(disk_open(dir, &o, &d, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file or block device"));
	/* Where O_DIRECT opens of a directory fail (tmpfs), the same reason. */
	o.direct = true;
	ck_assert_int_eq(disk_open(dir, &o, &d, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file or block device"));
	free(missing);
	free(dir);
}
END_TEST

START_TEST(test_geometry)
{
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("g.img", IMG_SIZE + 1000, 1);
	struct disk *d = open_ok(path, &o);

	ck_assert_uint_eq(disk_size(d), IMG_SIZE + 1000);
	ck_assert_uint_ge(disk_block_size(d), 512);
	ck_assert_uint_eq(disk_block_size(d) & (disk_block_size(d) - 1), 0);
	ck_assert(!disk_readonly(d));
	ck_assert_uint_eq(disk_inflight(d), 0);
	disk_close(d);
	free(path);
}
END_TEST

/* Split [buf, buf + len) into up to 3 iovecs on block boundaries. */
static unsigned split_iov(struct iovec *iov, u8 *buf, size_t len, u32 unit)
{
	size_t blocks = len / unit, a, b;

	if (blocks < 3 || rnd() % 2) {
		iov[0] = (struct iovec){ buf, len };
		return 1;
	}
	a = (1 + rnd() % (blocks - 2)) * unit;
	b = (1 + rnd() % ((len - a) / unit - 1)) * unit;
	iov[0] = (struct iovec){ buf, a };
	iov[1] = (struct iovec){ buf + a, b };
	iov[2] = (struct iovec){ buf + a + b, len - a - b };
	return 3;
}

struct rt_req {
	struct disk_req req;
	struct iovec iov[3];
	u8 *buf;
	size_t len;
	ssize_t res;
	atomic_int calls;
	pthread_t thread;	/* the callback ran here */
};

static void rt_done(struct disk_req *req, ssize_t res)
{
	struct rt_req *r = container_of(req, struct rt_req, req);

	r->res = res;
	r->thread = pthread_self();
	atomic_fetch_add(&r->calls, 1);
}

/*
 * Round trips at many offsets and sizes, vectored, many at once in one
 * batch: write, read back through the disk and through a plain fd.
 */
START_TEST(test_roundtrip)
{
	enum { N = 48 };
	struct disk_opts o = test_opts(_i, 16);
	char *path = make_image("rt.img", IMG_SIZE, 2);
	struct disk *d = open_ok(path, &o);
	u32 unit = o.direct ? disk_block_size(d) : 1;
	struct rt_req *w = calloc(N, sizeof(*w)), *r = calloc(N, sizeof(*r));
	struct disk_batch b;
	u8 *check;
	int fd, i, round;

	for (round = 0; round < 4; round++) {
		disk_batch_init(&b);
		for (i = 0; i < N; i++) {
			/* Slot i owns [i * 160K, (i + 1) * 160K): no overlaps. */
			size_t len = (1 + rnd() % (128 * KiB / 512)) * 512;
			u64 off = i * 160 * KiB + (rnd() % 64) * (o.direct ? unit : 7);

			if (!o.direct)
				len -= rnd() % 512;
			w[i].len = r[i].len = len;
			w[i].buf = test_buf(len);
			r[i].buf = test_buf(len);
			fill_pattern(w[i].buf, len, off, 100 + round);
			memset(r[i].buf, 0xAA, len);
			w[i].req = (struct disk_req){ .op = DISK_OP_WRITE, .offset = off,
						      .done = rt_done };
			w[i].req.iov = w[i].iov;
			w[i].req.iovcnt = split_iov(w[i].iov, w[i].buf, len, o.direct ? unit : 1);
			r[i].req = w[i].req;
			r[i].req.op = DISK_OP_READ;
			r[i].req.iov = r[i].iov;
			r[i].req.iovcnt = split_iov(r[i].iov, r[i].buf, len, o.direct ? unit : 1);
			w[i].calls = r[i].calls = 0;
			ck_assert_int_eq(disk_batch_add(d, &b, &w[i].req), 0);
		}
		ck_assert_int_eq(disk_batch_submit(d, &b), 0);
		ck_assert_int_eq(disk_wait(d), 0);
		for (i = 0; i < N; i++) {
			ck_assert_int_eq(w[i].calls, 1);
			ck_assert_int_eq(w[i].res, (ssize_t)w[i].len);
			ck_assert_int_eq(disk_batch_add(d, &b, &r[i].req), 0);
		}
		disk_batch_submit(d, &b);
		disk_wait(d);
		ck_assert_uint_eq(disk_inflight(d), 0);
		fd = open(path, O_RDONLY);
		for (i = 0; i < N; i++) {
			ck_assert_int_eq(r[i].calls, 1);
			ck_assert_int_eq(r[i].res, (ssize_t)r[i].len);
			ck_assert_msg(!memcmp(r[i].buf, w[i].buf, w[i].len),
				      "round %d slot %d: read back differs", round, i);
			check = test_buf(w[i].len);
			ck_assert_int_eq(pread(fd, check, w[i].len, w[i].req.offset),
					 (ssize_t)w[i].len);
			ck_assert(!memcmp(check, w[i].buf, w[i].len));
			free(check);
			free(w[i].buf);
			free(r[i].buf);
		}
		close(fd);
	}
	disk_close(d);
	free(w);
	free(r);
	free(path);
}
END_TEST

/*
 * Thousands of requests from several threads at once, far more than the
 * engine's depth (so most wait in the queue), with disk_wait between
 * rounds: after each wait every callback of that thread's round has run.
 * Afterwards every acknowledged write is in the file.
 */
#define THREADS		4
#define PER_ROUND	600
#define ROUNDS		3
#define BLK		4096

struct conc_ctx {
	struct disk *disk;
	int id;
	atomic_uint done;
	atomic_uint errors;
	struct disk_req reqs[PER_ROUND];
	struct iovec iov[PER_ROUND];
	u8 *buf;
};

static void conc_done(struct disk_req *req, ssize_t res)
{
	struct conc_ctx *c = req->priv;

	if (res != BLK)
		atomic_fetch_add(&c->errors, 1);
	atomic_fetch_add(&c->done, 1);
}

static void *conc_thread(void *arg)
{
	struct conc_ctx *c = arg;
	struct disk_batch b;
	int round, i;

	for (round = 0; round < ROUNDS; round++) {
		disk_batch_init(&b);
		for (i = 0; i < PER_ROUND; i++) {
			u64 off = ((u64)c->id * PER_ROUND + i) * BLK;

			fill_pattern(c->buf + i * BLK, BLK, off, round);
			c->iov[i] = (struct iovec){ c->buf + i * BLK, BLK };
			c->reqs[i] = (struct disk_req){ .op = DISK_OP_WRITE, .offset = off,
							.iov = &c->iov[i], .iovcnt = 1,
							.done = conc_done, .priv = c };
			if (disk_batch_add(c->disk, &b, &c->reqs[i]))
				atomic_fetch_add(&c->errors, 1000);
		}
		disk_batch_submit(c->disk, &b);
		disk_wait(c->disk);
		if (atomic_load(&c->done) != (unsigned)(round + 1) * PER_ROUND)
			atomic_fetch_add(&c->errors, 1000000);
	}
	return NULL;
}

START_TEST(test_concurrent)
{
	struct disk_opts o = test_opts(_i, 32);
	char *path = make_image("conc.img", (u64)THREADS * PER_ROUND * BLK, 3);
	struct disk *d = open_ok(path, &o);
	struct conc_ctx *c = calloc(THREADS, sizeof(*c));
	pthread_t t[THREADS];
	u8 *want = test_buf(BLK), *got = test_buf(BLK);
	int i, fd;
	u64 off;

	for (i = 0; i < THREADS; i++) {
		c[i].disk = d;
		c[i].id = i;
		c[i].buf = test_buf(PER_ROUND * BLK);
		ck_assert_int_eq(pthread_create(&t[i], NULL, conc_thread, &c[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++) {
		ck_assert_uint_eq(c[i].done, ROUNDS * PER_ROUND);
		ck_assert_msg(c[i].errors == 0, "thread %d: errors %u", i, c[i].errors);
		free(c[i].buf);
	}
	ck_assert_uint_eq(disk_inflight(d), 0);
	disk_close(d);

	fd = open(path, O_RDONLY);
	for (off = 0; off < (u64)THREADS * PER_ROUND * BLK; off += BLK) {
		fill_pattern(want, BLK, off, ROUNDS - 1);
		ck_assert_int_eq(pread(fd, got, BLK, off), BLK);
		ck_assert_msg(!memcmp(want, got, BLK), "block at %llu lost", (unsigned long long)off);
	}
	close(fd);
	free(c);
	free(want);
	free(got);
	free(path);
}
END_TEST

/*
 * Many threads, each submitting one request and waiting for it, over and
 * over: the engine's thread goes idle between almost every pair, so every
 * wake-up counts. A kick lost in a race (uring's eventfd, 2026-12-06) hangs
 * here within a few thousand rounds; the case's timeout is the bound.
 */
#define STORM_THREADS	4
#define STORM_ROUNDS	4000

struct storm_ctx {
	struct disk *disk;
	int id;
	atomic_uint done;
	atomic_uint errors;
	u8 *buf;
};

static void storm_done(struct disk_req *req, ssize_t res)
{
	struct storm_ctx *c = req->priv;

	if (res != BLK)
		atomic_fetch_add(&c->errors, 1);
	atomic_fetch_add(&c->done, 1);
}

static void *storm_thread(void *arg)
{
	struct storm_ctx *c = arg;
	struct iovec iov = { c->buf, BLK };
	int i;

	for (i = 0; i < STORM_ROUNDS; i++) {
		struct disk_req r = { .op = i % 2 ? DISK_OP_READ : DISK_OP_WRITE,
				      .offset = (u64)c->id * BLK, .iov = &iov, .iovcnt = 1,
				      .done = storm_done, .priv = c };

		if (disk_submit(c->disk, &r))
			atomic_fetch_add(&c->errors, 1000);
		disk_wait(c->disk);
		if (atomic_load(&c->done) != (unsigned)i + 1)
			atomic_fetch_add(&c->errors, 1000000);
	}
	return NULL;
}

START_TEST(test_wait_storm)
{
	struct disk_opts o = test_opts(_i, 8);
	char *path = make_image("storm.img", STORM_THREADS * BLK, 9);
	struct disk *d = open_ok(path, &o);
	struct storm_ctx c[STORM_THREADS] = { 0 };
	pthread_t t[STORM_THREADS];
	int i;

	for (i = 0; i < STORM_THREADS; i++) {
		c[i].disk = d;
		c[i].id = i;
		c[i].buf = test_buf(BLK);
		ck_assert_int_eq(pthread_create(&t[i], NULL, storm_thread, &c[i]), 0);
	}
	for (i = 0; i < STORM_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < STORM_THREADS; i++) {
		ck_assert_uint_eq(c[i].done, STORM_ROUNDS);
		ck_assert_msg(c[i].errors == 0, "thread %d: errors %u", i, c[i].errors);
		free(c[i].buf);
	}
	ck_assert_uint_eq(disk_inflight(d), 0);
	disk_close(d);
	free(path);
}
END_TEST

/* A flush after writes; then close, reopen, and everything is there. */
START_TEST(test_flush_reopen)
{
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("fl.img", IMG_SIZE, 4);
	struct disk *d = open_ok(path, &o);
	size_t len = 256 * KiB;
	u8 *buf = test_buf(len), *got = test_buf(len);
	u64 off;

	for (off = 0; off < IMG_SIZE; off += 2 * len) {
		fill_pattern(buf, len, off, 77);
		ck_assert_int_eq(do_write(d, off, buf, len), (ssize_t)len);
	}
	ck_assert_int_eq(do_flush(d), 0);
	disk_close(d);
	d = open_ok(path, &o);
	for (off = 0; off < IMG_SIZE; off += len) {
		fill_pattern(buf, len, off, (off / len) % 2 ? 4 : 77);
		ck_assert_int_eq(do_read(d, off, got, len), (ssize_t)len);
		ck_assert_msg(!memcmp(buf, got, len), "at %llu", (unsigned long long)off);
	}
	disk_close(d);
	free(buf);
	free(got);
	free(path);
}
END_TEST

/* Reads that reach past EOF: the rest is zeros and the read succeeds. */
START_TEST(test_eof_short_read)
{
	struct disk_opts o = test_opts(_i, 0);
	u64 size = 3 * 4096 + 1000;
	char *path = make_image("eof.img", size, 5);
	struct disk *d = open_ok(path, &o);
	u8 *buf = test_buf(8192), *want = test_buf(8192);

	memset(buf, 0xAA, 8192);
	fill_pattern(want, 8192, 8192, 5);
	memset(want + (size - 8192), 0, 8192 - (size - 8192));
	ck_assert_int_eq(do_read(d, 8192, buf, 8192), 8192);
	ck_assert(!memcmp(buf, want, 8192));

	memset(buf, 0xAA, 8192);
	memset(want, 0, 8192);
	ck_assert_int_eq(do_read(d, 1 * MiB, buf, 8192), 8192);
	ck_assert(!memcmp(buf, want, 8192));

	/* Vectored: EOF inside the second of three iovecs. */
	{
		struct one_req o = { 0 };

		memset(buf, 0xAA, 8192);
		fill_pattern(want, 8192, 8192, 5);
		memset(want + (size - 8192), 0, 8192 - (size - 8192));
		o.iov[0] = (struct iovec){ buf, 4096 };
		o.iov[1] = (struct iovec){ buf + 4096, 2048 };
		o.iov[2] = (struct iovec){ buf + 6144, 2048 };
		o.req = (struct disk_req){ .op = DISK_OP_READ, .offset = 8192, .iov = o.iov,
					   .iovcnt = 3, .done = one_done };
		ck_assert_int_eq(disk_submit(d, &o.req), 0);
		disk_wait(d);
		ck_assert_int_eq(o.calls, 1);
		ck_assert_int_eq(o.res, 8192);
		ck_assert(!memcmp(buf, want, 8192));
	}
	disk_close(d);
	free(buf);
	free(want);
	free(path);
}
END_TEST

static atomic_int stray_calls;

static void stray_done(struct disk_req *req, ssize_t res)
{
	atomic_fetch_add(&stray_calls, 1);
}

static int submit_one(struct disk *d, enum disk_op op, u64 off, void *buf,
		      size_t len, u64 xlen)
{
	static struct iovec iov;
	static struct disk_req req;

	iov = (struct iovec){ buf, len };
	req = (struct disk_req){ .op = op, .offset = off, .iov = &iov, .iovcnt = 1,
				 .len = xlen, .done = stray_done };
	return disk_submit(d, &req);
}

START_TEST(test_readonly)
{
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("ro.img", IMG_SIZE, 6);
	u8 *buf = test_buf(4096), *want = test_buf(4096);
	struct disk *d;

	o.readonly = true;
	d = open_ok(path, &o);
	ck_assert(disk_readonly(d));
	stray_calls = 0;
	ck_assert_int_eq(submit_one(d, DISK_OP_WRITE, 0, buf, 4096, 0), -EROFS);
	ck_assert_int_eq(submit_one(d, DISK_OP_DISCARD, 0, NULL, 0, 4096), -EROFS);
	ck_assert_int_eq(submit_one(d, DISK_OP_WRITE_ZEROES, 0, NULL, 0, 4096), -EROFS);
	disk_wait(d);
	ck_assert_int_eq(stray_calls, 0);
	ck_assert_int_eq(do_read(d, 4096, buf, 4096), 4096);
	fill_pattern(want, 4096, 4096, 6);
	ck_assert(!memcmp(buf, want, 4096));
	ck_assert_int_eq(do_flush(d), 0);
	disk_close(d);
	free(buf);
	free(want);
	free(path);
}
END_TEST

/* Requests refused up front get -EINVAL and no callback. */
START_TEST(test_bad_requests)
{
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("bad.img", IMG_SIZE, 7);
	struct disk *d = open_ok(path, &o);
	u8 *buf = test_buf(16384);
	struct disk_req req = { .op = DISK_OP_READ, .done = NULL };

	stray_calls = 0;
	ck_assert_int_eq(disk_submit(d, &req), -EINVAL);		/* no callback */
	req.done = stray_done;
	req.op = 99;
	ck_assert_int_eq(disk_submit(d, &req), -EINVAL);
	ck_assert_int_eq(submit_one(d, DISK_OP_WRITE, IMG_SIZE - 4096, buf, 8192, 0), -EINVAL);
	ck_assert_int_eq(submit_one(d, DISK_OP_WRITE, ~0ULL - 100, buf, 4096, 0), -EINVAL);
	ck_assert_int_eq(submit_one(d, DISK_OP_READ, ~0ULL - 100, buf, 4096, 0), -EINVAL);
	ck_assert_int_eq(submit_one(d, DISK_OP_DISCARD, IMG_SIZE - 4096, NULL, 0, 8192), -EINVAL);
	ck_assert_int_eq(submit_one(d, DISK_OP_DISCARD, 0, NULL, 0, 0), -EINVAL);
	ck_assert_int_eq(submit_one(d, DISK_OP_WRITE_ZEROES, 100, NULL, 0, 4096), -EINVAL);
	req = (struct disk_req){ .op = DISK_OP_READ, .iovcnt = 0, .done = stray_done };
	ck_assert_int_eq(disk_submit(d, &req), -EINVAL);
	if (o.direct) {
		u32 bs = disk_block_size(d);

		ck_assert_int_eq(submit_one(d, DISK_OP_READ, bs / 2, buf, 4096, 0), -EINVAL);
		ck_assert_int_eq(submit_one(d, DISK_OP_READ, 0, buf, bs + 100, 0), -EINVAL);
		ck_assert_int_eq(submit_one(d, DISK_OP_WRITE, 0, buf + 1, 4096, 0), -EINVAL);
	} else {
		/* Buffered: any offset, length and buffer. */
		ck_assert_int_eq(do_write(d, 3, buf + 1, 1001), 1001);
		ck_assert_int_eq(do_read(d, 3, buf + 5, 1001), 1001);
	}
	disk_wait(d);
	ck_assert_int_eq(stray_calls, 0);
	disk_close(d);
	free(buf);
	free(path);
}
END_TEST

START_TEST(test_discard_write_zeroes)
{
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("dz.img", IMG_SIZE, 8);
	struct disk *d = open_ok(path, &o);
	size_t len = 1 * MiB;
	u8 *buf = test_buf(len), *want = test_buf(len);
	int fd;

	ck_assert_int_eq(do_req(d, DISK_OP_DISCARD, 64 * KiB, NULL, 0, 128 * KiB), 0);
	ck_assert_int_eq(do_req(d, DISK_OP_WRITE_ZEROES, 512 * KiB, NULL, 0, 64 * KiB), 0);
	/* Flush covers them too; then look at the file from outside. */
	ck_assert_int_eq(do_flush(d), 0);
	fill_pattern(want, len, 0, 8);
	memset(want + 64 * KiB, 0, 128 * KiB);
	memset(want + 512 * KiB, 0, 64 * KiB);
	ck_assert_int_eq(do_read(d, 0, buf, len), (ssize_t)len);
	ck_assert(!memcmp(buf, want, len));
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, buf, len, 0), (ssize_t)len);
	ck_assert(!memcmp(buf, want, len));
	close(fd);
	ck_assert_uint_eq(disk_size(d), IMG_SIZE);
	disk_close(d);
	free(buf);
	free(want);
	free(path);
}
END_TEST

/*
 * Image locks between processes: a child holds the image, the parent
 * tries. Writers exclude everyone; readers share.
 */
static pid_t hold_image(const char *path, bool readonly, int *release_fd)
{
	int ready[2], release[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(release), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct disk_opts o = { .readonly = readonly, .engine = DISK_ENGINE_SYNC };
		struct disk *d;
		char err[200];
		int ok = disk_open(path, &o, &d, err, sizeof(err)) == 0;

		close(ready[0]);
		close(release[1]);
		c = ok ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		if (read(release[0], &c, 1) < 0)
			_exit(2);
		_exit(ok ? 0 : 1);
	}
	close(ready[1]);
	close(release[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	close(ready[0]);
	*release_fd = release[1];
	return pid;
}

static void release_image(pid_t pid, int release_fd)
{
	int st;

	close(release_fd);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int try_open(const char *path, bool readonly, char *err, size_t errlen)
{
	struct disk_opts o = { .readonly = readonly, .engine = DISK_ENGINE_SYNC };
	struct disk *d;
	int ret = disk_open(path, &o, &d, err, errlen);

	if (!ret)
		disk_close(d);
	return ret;
}

START_TEST(test_lock)
{
	char *path = make_image("lock.img", 1 * MiB, 9);
	char err[256] = "";
	int rel;
	pid_t pid;

	pid = hold_image(path, false, &rel);		/* a writer holds it */
	ck_assert_int_eq(try_open(path, false, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "locked"));
	ck_assert_int_eq(try_open(path, true, err, sizeof(err)), -EBUSY);
	release_image(pid, rel);
	ck_assert_int_eq(try_open(path, false, err, sizeof(err)), 0);

	pid = hold_image(path, true, &rel);		/* a reader holds it */
	ck_assert_int_eq(try_open(path, true, err, sizeof(err)), 0);
	ck_assert_int_eq(try_open(path, false, err, sizeof(err)), -EBUSY);
	release_image(pid, rel);

	/* The lock goes with the holder, even one that dies. */
	pid = hold_image(path, false, &rel);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(rel);
	ck_assert_int_eq(try_open(path, false, err, sizeof(err)), 0);
	free(path);
}
END_TEST

/*
 * wait() waits for what was in flight at the call, not for the disk to
 * go idle: with a stream of requests that resubmit themselves forever,
 * it still returns. (Waiting for zero in flight would hang here.)
 */
struct stream {
	struct disk *disk;
	struct disk_req req[8];
	struct iovec iov[8];
	u8 *buf;
	atomic_bool stop;
	atomic_uint completed;
};

static void stream_done(struct disk_req *req, ssize_t res)
{
	struct stream *s = req->priv;

	atomic_fetch_add(&s->completed, 1);
	if (!atomic_load(&s->stop))
		disk_submit(s->disk, req);
}

START_TEST(test_wait_not_idle)
{
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("wait.img", 1 * MiB, 10);
	struct stream s = { 0 };
	unsigned before;
	int i;

	s.disk = open_ok(path, &o);
	s.buf = test_buf(8 * 4096);
	for (i = 0; i < 8; i++) {
		s.iov[i] = (struct iovec){ s.buf + i * 4096, 4096 };
		s.req[i] = (struct disk_req){ .op = DISK_OP_READ, .offset = i * 4096,
					      .iov = &s.iov[i], .iovcnt = 1,
					      .done = stream_done, .priv = &s };
	}
	if (o.engine == DISK_ENGINE_SYNC) {
		/* Sync runs callbacks inline: a self-resubmitting stream never returns. */
		atomic_store(&s.stop, true);
	}
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(disk_submit(s.disk, &s.req[i]), 0);
	for (i = 0; i < 5; i++) {
		disk_wait(s.disk);
		before = atomic_load(&s.completed);
		ck_assert_uint_ge(before, 8);
	}
	if (o.engine != DISK_ENGINE_SYNC)
		ck_assert_uint_gt(disk_inflight(s.disk), 0);	/* still streaming */
	atomic_store(&s.stop, true);
	disk_close(s.disk);
	free(s.buf);
	free(path);
}
END_TEST

/*
 * The round hook runs after the callbacks of its round, on their thread,
 * before disk_wait can return: after a wait, the last hook has seen every
 * completion, discards (the helper thread, for aio) included.
 */
struct rounds {
	atomic_uint completed;
	atomic_uint hooks;
	atomic_uint seen;	/* completions counted by the latest hook */
};

static void rounds_done(struct disk_req *req, ssize_t res)
{
	struct rounds *r = req->priv;

	ck_assert_int_ge(res, 0);
	atomic_fetch_add(&r->completed, 1);
}

static void rounds_hook(void *arg)
{
	struct rounds *r = arg;

	atomic_fetch_add(&r->hooks, 1);
	atomic_store(&r->seen, atomic_load(&r->completed));
}

START_TEST(test_round_hook)
{
	enum { N = 24 };
	struct disk_opts o = test_opts(_i, 8);
	char *path = make_image("rounds.img", 1 * MiB, 12);
	struct disk *d = open_ok(path, &o);
	struct disk_req req[N];
	struct iovec iov[N];
	struct rounds r = { 0 };
	struct disk_batch b;
	u8 *buf = test_buf(N * 4096);

	disk_set_round_hook(d, rounds_hook, &r);
	disk_batch_init(&b);
	for (int i = 0; i < N; i++) {
		iov[i] = (struct iovec){ buf + i * 4096, 4096 };
		req[i] = (struct disk_req){ .op = i % 3 ? DISK_OP_READ : DISK_OP_DISCARD,
					    .offset = i * 4096, .len = 4096, .iov = &iov[i],
					    .iovcnt = 1, .done = rounds_done, .priv = &r };
		ck_assert_int_eq(disk_batch_add(d, &b, &req[i]), 0);
	}
	ck_assert_int_eq(disk_batch_submit(d, &b), 0);
	ck_assert_int_eq(disk_wait(d), 0);
	ck_assert_uint_eq(atomic_load(&r.completed), N);
	ck_assert_uint_ge(atomic_load(&r.hooks), 1);
	ck_assert_uint_eq(atomic_load(&r.seen), N);
	disk_close(d);
	free(buf);
	free(path);
}
END_TEST

/* A depth of 1 with a full batch: everything waits its turn, none is lost. */
START_TEST(test_tiny_depth)
{
	struct disk_opts o = test_opts(_i, 1);
	char *path = make_image("tiny.img", 1 * MiB, 11);
	struct disk *d = open_ok(path, &o);
	struct rt_req *r = calloc(DISK_BATCH_MAX, sizeof(*r));
	u8 *buf = test_buf(DISK_BATCH_MAX * 4096), *want = test_buf(4096);
	struct disk_batch b;
	int i;

	disk_batch_init(&b);
	for (i = 0; i < DISK_BATCH_MAX; i++) {
		r[i].iov[0] = (struct iovec){ buf + i * 4096, 4096 };
		r[i].req = (struct disk_req){ .op = DISK_OP_READ, .offset = i * 4096,
					      .iov = r[i].iov, .iovcnt = 1, .done = rt_done };
		ck_assert_int_eq(disk_batch_add(d, &b, &r[i].req), 0);
	}
	disk_batch_submit(d, &b);
	disk_close(d);		/* close waits */
	for (i = 0; i < DISK_BATCH_MAX; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].res, 4096);
		fill_pattern(want, 4096, i * 4096, 11);
		ck_assert(!memcmp(buf + i * 4096, want, 4096));
	}
	free(r);
	free(buf);
	free(want);
	free(path);
}
END_TEST

/* A 4 KiB read of block i into buf; the callback notes its thread. */
static void where_submit(struct disk *d, struct rt_req *w, u8 *buf, unsigned i)
{
	memset(w, 0, sizeof(*w));
	w->iov[0] = (struct iovec){ buf, 4096 };
	w->req = (struct disk_req){ .op = DISK_OP_READ, .offset = i * 4096ULL,
				    .iov = w->iov, .iovcnt = 1, .done = rt_done };
	ck_assert_int_eq(disk_submit(d, &w->req), 0);
}

static bool fd_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/*
 * A poller takes the completions over (aio): while attached, callbacks run
 * on the thread that calls disk_poller_run and nowhere else; a completion
 * the poller has not run yet when it detaches is run by the engine again;
 * engines without the feature say so and keep completing on their own.
 */
START_TEST(test_poller)
{
	enum { N = 4 };
	struct disk_opts o = test_opts(_i, 0);
	char *path = make_image("poll.img", 1 * MiB, 12);
	struct disk *d = open_ok(path, &o);
	u8 *buf = test_buf(N * 4096), *want = test_buf(4096);
	struct rt_req w[N], late;
	int fd = disk_poller_attach(d), done = 0, i;

	if (o.engine != DISK_ENGINE_AIO) {
		ck_assert_int_eq(fd, -ENOTSUP);
		where_submit(d, &w[0], buf, 0);
		disk_wait(d);
		ck_assert_int_eq(atomic_load(&w[0].calls), 1);
		goto out;
	}
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < N; i++)
		where_submit(d, &w[i], buf + i * 4096, i);
	ck_assert(fd_readable(fd, 5000));
	usleep(20 * 1000);	/* room for a wrong engine thread to reap them */
	for (i = 0; i < N; i++)
		ck_assert_int_eq(atomic_load(&w[i].calls), 0);
	while (done < N) {
		ck_assert_msg(fd_readable(fd, 5000), "completions never signalled");
		disk_poller_run(d);
		for (done = 0, i = 0; i < N; i++)
			done += atomic_load(&w[i].calls);
	}
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(atomic_load(&w[i].calls), 1);
		ck_assert_int_eq(w[i].res, 4096);
		ck_assert(pthread_equal(w[i].thread, pthread_self()));
		fill_pattern(want, 4096, i * 4096, 12);
		ck_assert(!memcmp(buf + i * 4096, want, 4096));
	}
	disk_poller_run(d);	/* nothing pending: returns at once */
	ck_assert(!fd_readable(fd, 0));

	/* Completed but not run at detach: the engine's thread runs it. */
	where_submit(d, &late, buf, 1);
	ck_assert(fd_readable(fd, 5000));
	disk_poller_detach(d);
	disk_wait(d);
	ck_assert_int_eq(atomic_load(&late.calls), 1);
	ck_assert_int_eq(late.res, 4096);
	ck_assert(!pthread_equal(late.thread, pthread_self()));
out:
	disk_close(d);
	free(buf);
	free(want);
	free(path);
}
END_TEST

static Suite *disk_suite(void)
{
	Suite *s = suite_create("disk");
	TCase *tc = tcase_create("disk");
	int all = 2 * NR_ENGINES;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_parse_spec);
	tcase_add_test(tc, test_lock);
	tcase_add_loop_test(tc, test_open_errors, 0, all);
	tcase_add_loop_test(tc, test_geometry, 0, all);
	tcase_add_loop_test(tc, test_roundtrip, 0, all);
	tcase_add_loop_test(tc, test_concurrent, 0, all);
	tcase_add_loop_test(tc, test_wait_storm, 0, all);
	tcase_add_loop_test(tc, test_flush_reopen, 0, all);
	tcase_add_loop_test(tc, test_eof_short_read, 0, all);
	tcase_add_loop_test(tc, test_readonly, 0, all);
	tcase_add_loop_test(tc, test_bad_requests, 0, all);
	tcase_add_loop_test(tc, test_discard_write_zeroes, 0, all);
	tcase_add_loop_test(tc, test_wait_not_idle, 0, all);
	tcase_add_loop_test(tc, test_tiny_depth, 0, all);
	tcase_add_loop_test(tc, test_poller, 0, all);
	tcase_add_loop_test(tc, test_round_hook, 0, all);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(disk_suite)
