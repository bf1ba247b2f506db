// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring engine. One ring per image, its SQ sized to the depth (the
 * queue never has more than depth requests in the kernel, so the CQ,
 * twice as large, cannot overflow). Only the queue token holder touches
 * the SQ, so the single-producer ring needs no lock; one completion thread
 * per image is the CQ's single consumer, woken by an eventfd registered
 * with the ring. Discard and write-zeroes are IORING_OP_FALLOCATE, run by
 * the kernel's io-wq without blocking anyone.
 */
#include <liburing.h>
#include <linux/falloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine.h"

struct uring {
	struct io_uring ring;
	int efd;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool unsubmitted;	/* SQEs left in the ring by a failed enter */
};

static void poke(struct uring *u)
{
	u64 one = 1;

	if (write(u->efd, &one, sizeof(one)) < 0)
		pr_warn("disk: uring: eventfd write: %m");
}

static void prep(struct disk *disk, struct io_uring_sqe *sqe, struct disk_req *r)
{
	switch (r->op) {
	case DISK_OP_READ:
		io_uring_prep_readv(sqe, disk->fd, r->iov, r->iovcnt, r->offset);
		break;
	case DISK_OP_WRITE:
		io_uring_prep_writev(sqe, disk->fd, r->iov, r->iovcnt, r->offset);
		break;
	case DISK_OP_FLUSH:
		io_uring_prep_fsync(sqe, disk->fd, IORING_FSYNC_DATASYNC);
		break;
	case DISK_OP_DISCARD:
		io_uring_prep_fallocate(sqe, disk->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					r->offset, r->len);
		break;
	case DISK_OP_WRITE_ZEROES:
		io_uring_prep_fallocate(sqe, disk->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
					r->offset, r->len);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
}

static unsigned uring_submit(struct disk *disk, struct disk_req **reqs, unsigned nr)
{
	struct uring *u = disk->engine;
	unsigned i;
	int ret;

	for (i = 0; i < nr; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		if (!sqe)
			break;		/* SQ full of unsubmitted entries */
		prep(disk, sqe, reqs[i]);
	}
	do
		ret = io_uring_submit(&u->ring);
	while (ret == -EINTR);
	if (ret < 0 || !i) {
		/*
		 * The SQEs stay in the ring (they count as taken); the
		 * completion thread enters again, a millisecond later if
		 * nothing else wakes it.
		 */
		atomic_store(&u->unsubmitted, true);
		poke(u);
	}
	return i;
}

static void reap(struct disk *disk)
{
	struct uring *u = disk->engine;
	struct io_uring_cqe *cqe;
	unsigned head, n;

	disk_plug(disk);
	do {
		n = 0;
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			struct disk_req *r = io_uring_cqe_get_data(cqe);
			ssize_t res = cqe->res;

			/* No unmap-that-zeroes on this device: the generic fallbacks. */
			if (res == -EOPNOTSUPP &&
			    (r->op == DISK_OP_DISCARD || r->op == DISK_OP_WRITE_ZEROES))
				res = disk_do_fallocate(disk, r);
			disk_complete(disk, r, res);
			n++;
		}
		io_uring_cq_advance(&u->ring, n);
		if (n)
			disk_queue_done(disk, n);
	} while (n);
	disk_unplug(disk);
}

static void retry_enter(struct uring *u)
{
	atomic_store(&u->unsubmitted, false);
	/* Raw enter: consumes what the kernel sees, never touches liburing's SQ state. */
	if (syscall(__NR_io_uring_enter, u->ring.ring_fd, *u->ring.sq.kring_entries,
		    0, 0, NULL, 0) < 0 && (errno == EAGAIN || errno == EBUSY || errno == EINTR))
		atomic_store(&u->unsubmitted, true);
}

static void *uring_thread(void *arg)
{
	struct disk *disk = arg;
	struct uring *u = disk->engine;

	while (!atomic_load(&u->stop)) {
		u64 cnt;

		if (atomic_load(&disk->stalled) || atomic_load(&u->unsubmitted)) {
			struct pollfd pfd = { .fd = u->efd, .events = POLLIN };

			if (poll(&pfd, 1, 1) == 0) {
				if (atomic_load(&u->unsubmitted))
					retry_enter(u);
				atomic_store(&disk->stalled, false);
				disk_kick(disk);
				continue;
			}
		}
		if (read(u->efd, &cnt, sizeof(cnt)) < 0 && errno != EINTR && errno != EAGAIN) {
			pr_err("disk: uring: eventfd read: %m");
			break;
		}
		reap(disk);
	}
	return NULL;
}

static int uring_init(struct disk *disk, char *err, size_t errlen)
{
	struct uring *u = calloc(1, sizeof(*u));
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE };
	int ret;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p.cq_entries = 2 * disk->depth;
	ret = io_uring_queue_init_params(disk->depth, &u->ring, &p);
	if (ret) {
		snprintf(err, errlen, "io_uring_setup(%u): %s", disk->depth, strerror(-ret));
		goto free;
	}
	u->efd = eventfd(0, EFD_CLOEXEC);
	if (u->efd < 0) {
		ret = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-ret));
		goto exit_ring;
	}
	ret = io_uring_register_eventfd(&u->ring, u->efd);
	if (ret) {
		snprintf(err, errlen, "io_uring_register_eventfd: %s", strerror(-ret));
		goto close;
	}
	disk->engine = u;
	ret = -pthread_create(&u->thread, NULL, uring_thread, disk);
	if (ret) {
		snprintf(err, errlen, "cannot start uring thread: %s", strerror(-ret));
		disk->engine = NULL;
		goto close;
	}
	return 0;
close:
	close(u->efd);
exit_ring:
	io_uring_queue_exit(&u->ring);
free:
	free(u);
	return ret;
}

static void uring_exit(struct disk *disk)
{
	struct uring *u = disk->engine;

	atomic_store(&u->stop, true);
	poke(u);
	pthread_join(u->thread, NULL);
	io_uring_queue_exit(&u->ring);
	close(u->efd);
	free(u);
	disk->engine = NULL;
}

const struct disk_engine_ops disk_uring_ops = {
	.name = "uring",
	.init = uring_init,
	.exit = uring_exit,
	.submit = uring_submit,
	.native_discard = true,
};
