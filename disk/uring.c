// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring engine. One ring per image and one thread per ring that is
 * both its only submitter and its only reaper: it takes the queued
 * requests, fills SQEs and, in one io_uring_enter, submits them and waits
 * for completions. Other threads only queue requests and wake it through
 * an eventfd the ring itself polls.
 *
 * Why not let each submitting thread enter the ring: io_uring posts a
 * request's completion through task_work on the task that submitted it,
 * interrupting that task. A vCPU thread would be kicked out of KVM_RUN for
 * every completion, and a thread that exits would take its requests' fate
 * with it. With one thread, all of that stays on the thread that waits
 * for completions anyway, and the common case (callbacks resubmitting)
 * costs a single syscall per round.
 *
 * The SQ is sized depth + 1 (the +1 for the eventfd poll), the CQ twice
 * that: the queue never puts more than depth requests in, so neither can
 * overflow. Discard and write-zeroes are IORING_OP_FALLOCATE, run by the
 * kernel's io-wq without blocking anyone.
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
	int kick_efd;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool kicked;		/* a wake-up is pending on kick_efd */
	bool poll_armed;		/* thread's own */
	bool enter_failed;		/* thread's own: SQEs wait for a retry */
};

/* user_data of the eventfd poll; requests carry their disk_req pointer. */
#define KICK_TAG	((void *)&kick_tag)
static const char kick_tag;

static void kick_thread(struct uring *u)
{
	if (!atomic_exchange(&u->kicked, true) && efd_signal(u->kick_efd))
		pr_warn("disk: uring: eventfd write: %m");
}

static bool uring_defer(struct disk *disk)
{
	struct uring *u = disk->engine;

	if (pthread_equal(pthread_self(), u->thread))
		return false;
	kick_thread(u);
	return true;
}

static void prep(struct disk *disk, struct io_uring_sqe *sqe, struct disk_req *r)
{
	switch (r->op) {
	case DISK_OP_READ:
		if (r->iovcnt == 1)	/* no iovec to import */
			io_uring_prep_read(sqe, disk->fd, r->iov[0].iov_base,
					   r->iov[0].iov_len, r->offset);
		else
			io_uring_prep_readv(sqe, disk->fd, r->iov, r->iovcnt, r->offset);
		break;
	case DISK_OP_WRITE:
		if (r->iovcnt == 1)
			io_uring_prep_write(sqe, disk->fd, r->iov[0].iov_base,
					    r->iov[0].iov_len, r->offset);
		else
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

/* On the ring's thread only (uring_defer sees to that): fill SQEs. */
static unsigned uring_submit(struct disk *disk, struct disk_req **reqs, unsigned nr)
{
	struct uring *u = disk->engine;
	unsigned i;

	for (i = 0; i < nr; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		if (!sqe)
			break;		/* SQ full of entries the kernel refused */
		prep(disk, sqe, reqs[i]);
	}
	if (!i)			/* the thread's loop retries in a millisecond */
		atomic_store(&disk->stalled, true);
	return i;		/* entered by the thread's loop, right after */
}

static void arm_kick(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe)
		return;		/* next round */
	io_uring_prep_poll_add(sqe, u->kick_efd, POLLIN);
	io_uring_sqe_set_data(sqe, KICK_TAG);
	u->poll_armed = true;
}

static void reap(struct disk *disk)
{
	struct uring *u = disk->engine;
	struct io_uring_cqe *cqe;
	struct disk_round round = DISK_ROUND_INIT;
	unsigned head, seen, n;

	do {
		seen = n = 0;
		disk_plug(disk);
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			struct disk_req *r = io_uring_cqe_get_data(cqe);
			ssize_t res = cqe->res;

			if (n == DISK_REAP_CHUNK)
				break;
			seen++;
			if ((void *)r == KICK_TAG) {
				u->poll_armed = false;
				continue;
			}
			/* No unmap-that-zeroes on this device: the generic fallbacks. */
			if (res == -EOPNOTSUPP &&
			    (r->op == DISK_OP_DISCARD || r->op == DISK_OP_WRITE_ZEROES))
				res = disk_do_fallocate(disk, r);
			disk_complete(disk, &round, r, res);
			n++;
		}
		io_uring_cq_advance(&u->ring, seen);
		if (n)
			disk_queue_done(disk, n);
		disk_unplug(disk);
		disk_round_limit(disk, &round);
		/* More to reap: let this chunk's SQEs go now (the loop's enter
		 * takes the last chunk's). A failure stays queued for it too. */
		if (io_uring_cq_ready(&u->ring) && io_uring_sq_ready(&u->ring))
			io_uring_submit(&u->ring);
	} while (seen);
	disk_round_end(disk, &round);
}

static void *uring_thread(void *arg)
{
	struct disk *disk = arg;
	struct uring *u = disk->engine;
	struct __kernel_timespec ms = { .tv_nsec = 1000000 };
	struct io_uring_cqe *cqe;
	int ret;

	if (u->ring.flags & IORING_SETUP_R_DISABLED) {
		/* Raw: Debian's liburing 2.3 declares io_uring_enable_rings but lacks it. */
		if (syscall(__NR_io_uring_register, u->ring.ring_fd,
			    IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
			pr_err("disk: uring: enabling the ring: %m");
	}
	while (!atomic_load(&u->stop)) {
		if (!u->poll_armed) {
			/*
			 * The poll fired: drain the eventfd, then clear the
			 * flag, then re-arm and take what woke us in disk_kick
			 * below. In that order: clearing first would let a
			 * kicker set the flag and write between the two, the
			 * drain would eat its write and the flag would stay
			 * set, silencing every later kick. A write that lands
			 * after the drain only fires the poll once for nothing.
			 */
			efd_drain(u->kick_efd);
			atomic_store(&u->kicked, false);
			arm_kick(u);
		}
		disk_kick(disk);
		if (u->enter_failed || atomic_load(&disk->stalled)) {
			/* The kernel refused: retry in a millisecond, never spin. */
			ret = io_uring_submit(&u->ring);
			u->enter_failed = ret < 0 && ret != -EINTR;
			io_uring_wait_cqe_timeout(&u->ring, &cqe, &ms);
			atomic_store(&disk->stalled, false);
		} else {
			ret = io_uring_submit_and_wait(&u->ring, 1);
			u->enter_failed = ret < 0 && ret != -EINTR && ret != -ETIME;
		}
		reap(disk);
	}
	return NULL;
}

static int uring_probe(char *why, size_t len)
{
	struct io_uring ring;
	int ret = io_uring_queue_init(1, &ring, 0);

	if (ret) {
		if (why)
			snprintf(why, len, "io_uring_setup: %s", strerror(-ret));
		return ret;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

static int uring_init(struct disk *disk, char *err, size_t errlen)
{
	struct uring *u = calloc(1, sizeof(*u));
	/*
	 * One thread submits and reaps, so the ring can say so (Linux 6.1+):
	 * completions' task_work then waits for that thread's next enter
	 * instead of interrupting it. It starts disabled so that the ring's
	 * thread, not this one, becomes its single issuer.
	 */
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE | IORING_SETUP_R_DISABLED |
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	int ret;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p.cq_entries = 2 * (disk->depth + 1);
	ret = io_uring_queue_init_params(disk->depth + 1, &u->ring, &p);
	if (ret == -EINVAL) {	/* an older kernel: the plain ring works too */
		p = (struct io_uring_params){ .flags = IORING_SETUP_CQSIZE,
					      .cq_entries = 2 * (disk->depth + 1) };
		ret = io_uring_queue_init_params(disk->depth + 1, &u->ring, &p);
	}
	if (ret) {
		snprintf(err, errlen, "io_uring_setup(%u): %s", disk->depth + 1, strerror(-ret));
		goto free;
	}
	u->kick_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->kick_efd < 0) {
		ret = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-ret));
		goto exit_ring;
	}
	disk->engine = u;
	ret = disk_thread_create(&u->thread, uring_thread, disk);
	if (ret) {
		snprintf(err, errlen, "cannot start uring thread: %s", strerror(-ret));
		disk->engine = NULL;
		goto close;
	}
	return 0;
close:
	close(u->kick_efd);
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
	atomic_store(&u->kicked, false);
	kick_thread(u);
	pthread_join(u->thread, NULL);
	io_uring_queue_exit(&u->ring);
	close(u->kick_efd);
	free(u);
	disk->engine = NULL;
}

const struct disk_engine_ops disk_uring_ops = {
	.name = "uring",
	.probe = uring_probe,
	.init = uring_init,
	.exit = uring_exit,
	.submit = uring_submit,
	.defer = uring_defer,
	.native_discard = true,
};
