// SPDX-License-Identifier: GPL-2.0
/*
 * The sync engine: preadv/pwritev/fdatasync on the thread that holds the
 * queue token, callbacks inline. No threads, no room limit. It is the
 * reference the other engines are tested against, and the fallback where
 * neither libaio nor io_uring is usable.
 */
#include <limits.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine.h"

/* Vectored I/O to the end or to EOF/error, stepping over short transfers. */
static ssize_t rw_full(struct disk *disk, const struct disk_req *req)
{
	struct iovec iov[IOV_MAX];
	unsigned cnt = req->iovcnt, first = 0;
	size_t done = 0;

	/* Our own copy: short transfers advance it, the caller's stays as is. */
	memcpy(iov, req->iov, cnt * sizeof(*iov));
	while (first < cnt) {
		ssize_t n = req->op == DISK_OP_READ
			? preadv(disk->fd, iov + first, cnt - first, req->offset + done)
			: pwritev(disk->fd, iov + first, cnt - first, req->offset + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;		/* EOF: disk_complete zero-fills */
		done += n;
		while (first < cnt && (size_t)n >= iov[first].iov_len)
			n -= iov[first++].iov_len;
		if (first < cnt) {
			iov[first].iov_base = (char *)iov[first].iov_base + n;
			iov[first].iov_len -= n;
		}
	}
	return done;
}

static ssize_t run(struct disk *disk, const struct disk_req *req)
{
	switch (req->op) {
	case DISK_OP_READ:
	case DISK_OP_WRITE:
		return rw_full(disk, req);
	case DISK_OP_FLUSH:
		return fdatasync(disk->fd) < 0 ? -errno : 0;
	case DISK_OP_DISCARD:
	case DISK_OP_WRITE_ZEROES:
		return disk_do_fallocate(disk, req);
	}
	return -EINVAL;
}

static unsigned sync_submit(struct disk *disk, struct disk_req **reqs, unsigned nr)
{
	struct disk_round round = DISK_ROUND_INIT;
	unsigned i;

	for (i = 0; i < nr; i++) {
		disk_complete(disk, &round, reqs[i], run(disk, reqs[i]));
		disk_queue_done(disk, 1);
	}
	disk_round_end(disk, &round);
	return nr;
}

static int sync_init(struct disk *disk, char *err, size_t errlen)
{
	return 0;
}

static void sync_exit(struct disk *disk)
{
}

const struct disk_engine_ops disk_sync_ops = {
	.name = "sync",
	.init = sync_init,
	.exit = sync_exit,
	.submit = sync_submit,
	.native_discard = true,
	.inline_io = true,
};
