/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the disk layer's test programs (header-only). */
#ifndef KITE_DISK_TEST_H
#define KITE_DISK_TEST_H

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../disk/engine.h"
#include "disk.h"
#include "test.h"

static const enum disk_engine test_engines[] = {
	DISK_ENGINE_SYNC, DISK_ENGINE_AIO, DISK_ENGINE_URING,
};
#define NR_ENGINES	3

/* Loop index _i of a loop test: engine = _i % 3, O_DIRECT when _i >= 3. */
static inline struct disk_opts test_opts(int i, unsigned depth)
{
	struct disk_opts o = {
		.engine = test_engines[i % NR_ENGINES],
		.direct = i >= NR_ENGINES,
		.depth = depth,
	};
	return o;
}

static inline void *test_buf(size_t len)
{
	void *p;

	ck_assert_int_eq(posix_memalign(&p, 4096, len ? len : 1), 0);
	return p;
}

/* Deterministic bytes for (seed, offset): what was written where. */
static inline void fill_pattern(void *buf, size_t len, u64 off, u32 seed)
{
	u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		u64 x = (off + i) * 0x9E3779B97F4A7C15ULL ^ seed;

		p[i] = (u8)(x >> 29) ^ (u8)(x >> 41);
	}
}

static inline char *make_image(const char *name, u64 size, u32 seed)
{
	char *path = test_tmp_path(name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	size_t chunk = 1 << 20;
	u8 *buf = test_buf(chunk);
	u64 off;

	ck_assert_int_ge(fd, 0);
	for (off = 0; off < size; off += chunk) {
		size_t n = MIN(chunk, size - off);

		fill_pattern(buf, n, off, seed);
		ck_assert_int_eq(pwrite(fd, buf, n, off), (ssize_t)n);
	}
	ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
	free(buf);
	return path;
}

static inline struct disk *open_ok(const char *path, const struct disk_opts *o)
{
	struct disk *d;
	char err[256] = "";
	int ret = disk_open(path, o, &d, err, sizeof(err));

	ck_assert_msg(ret == 0, "disk_open(%s, %s%s): %d %s", path,
		      disk_engine_name(o->engine), o->direct ? ",direct" : "", ret, err);
	return d;
}

/* One request, submitted and waited for: the callback's result. */
struct one_req {
	struct disk_req req;
	struct iovec iov[4];
	atomic_int calls;
	ssize_t res;
};

static inline void one_done(struct disk_req *req, ssize_t res)
{
	struct one_req *o = container_of(req, struct one_req, req);

	o->res = res;
	atomic_fetch_add(&o->calls, 1);
}

static inline ssize_t do_req(struct disk *d, enum disk_op op, u64 off,
			     void *buf, size_t len, u64 xlen)
{
	struct one_req o = { 0 };
	int ret;

	o.iov[0].iov_base = buf;
	o.iov[0].iov_len = len;
	o.req.op = op;
	o.req.offset = off;
	o.req.iov = o.iov;
	o.req.iovcnt = 1;
	o.req.len = xlen;
	o.req.done = one_done;
	ret = disk_submit(d, &o.req);
	if (ret)
		return ret * 1000;	/* refused up front: distinguishable */
	disk_wait(d);
	ck_assert_int_eq(atomic_load(&o.calls), 1);
	return o.res;
}

static inline ssize_t do_read(struct disk *d, u64 off, void *buf, size_t len)
{
	return do_req(d, DISK_OP_READ, off, buf, len, 0);
}

static inline ssize_t do_write(struct disk *d, u64 off, void *buf, size_t len)
{
	return do_req(d, DISK_OP_WRITE, off, buf, len, 0);
}

static inline ssize_t do_flush(struct disk *d)
{
	return do_req(d, DISK_OP_FLUSH, 0, NULL, 0, 0);
}

#endif
