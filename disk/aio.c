// SPDX-License-Identifier: GPL-2.0
/*
 * The libaio engine. One io_context per image, sized to its depth. The
 * queue token holder submits whole batches with one io_submit; the iocb
 * lives inside the request (no allocation per I/O). Every iocb signals
 * an eventfd; one completion thread per image sleeps on it, reaps events
 * straight from the kernel's completion ring (no io_getevents syscall,
 * as QEMU's linux-aio does), runs the callbacks with the queue plugged
 * and submits what they queued, DISK_REAP_CHUNK completions at a time.
 *
 * A caller with an event loop of its own (virtio-blk's queue worker) can
 * take the completions over (disk_poller_attach): it polls the eventfd
 * next to its other fds and reaps on its own thread, as QEMU's main loop
 * does. A request then costs its submitter one wakeup, not a wakeup of
 * the submitter plus one of the completion thread; and a request the
 * kernel completed inside io_submit (a RAM disk, an error) is reaped on
 * the submitter's next turn of its loop without sleeping at all. The
 * completion thread then only does timed retries of a stalled queue, and
 * takes the eventfd back on detach. The switch is a handshake (the thread
 * acknowledges it), so after attach returns only the poller reaps.
 */
#include <libaio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine.h"

_Static_assert(sizeof(struct iocb) <= sizeof(((struct disk_req *)0)->engine_priv),
	       "an iocb must fit in disk_req.engine_priv");

struct aio {
	io_context_t ctx;
	int efd;		/* completions: every iocb signals it */
	int ctl_fd;		/* wakes the completion thread: stop, stall, mode */
	pthread_t thread;
	atomic_bool stop;

	/*
	 * Who reaps (external: the poller). want: asked, read lock-free by
	 * the thread on every turn; seen: its acknowledgement, which
	 * set_mode() waits for under mode_lock. The handshake alone makes
	 * one reaper at a time: no lock on the completion path.
	 */
	atomic_bool want_external;
	pthread_mutex_t mode_lock;
	pthread_cond_t mode_cond;
	bool seen_external;
};

/* The kernel's completion ring, mapped at the io_context_t address. */
struct aio_ring {
	unsigned id, nr, head, tail;
	unsigned magic, compat_features, incompat_features, header_length;
	struct io_event events[];
};
#define AIO_RING_MAGIC	0xa10a10a1

static struct iocb *req_iocb(struct disk_req *req)
{
	return (struct iocb *)req->engine_priv;
}

static void poke(struct aio *a)
{
	if (efd_signal(a->ctl_fd))
		pr_warn("disk: aio: eventfd write: %m");
}

static unsigned aio_submit(struct disk *disk, struct disk_req **reqs, unsigned nr)
{
	struct aio *a = disk->engine;
	struct iocb *iocbs[DISK_BATCH_MAX];
	unsigned i, done = 0;

	for (i = 0; i < nr; i++) {
		struct disk_req *r = reqs[i];
		struct iocb *cb = req_iocb(r);

		/* One segment (kite io, most guest I/O): the plain opcodes
		 * spare the kernel an iovec import. */
		if (r->op == DISK_OP_READ && r->iovcnt == 1)
			io_prep_pread(cb, disk->fd, r->iov[0].iov_base, r->iov[0].iov_len, r->offset);
		else if (r->op == DISK_OP_READ)
			io_prep_preadv(cb, disk->fd, r->iov, r->iovcnt, r->offset);
		else if (r->op == DISK_OP_WRITE && r->iovcnt == 1)
			io_prep_pwrite(cb, disk->fd, r->iov[0].iov_base, r->iov[0].iov_len, r->offset);
		else if (r->op == DISK_OP_WRITE)
			io_prep_pwritev(cb, disk->fd, r->iov, r->iovcnt, r->offset);
		else
			io_prep_fdsync(cb, disk->fd);
		io_set_eventfd(cb, a->efd);
		iocbs[i] = cb;
	}
	while (done < nr) {
		int ret = io_submit(a->ctx, nr - done, iocbs + done);

		if (ret > 0) {
			done += ret;
		} else if (ret == -EAGAIN || ret == 0) {
			/*
			 * Kernel is out of room: the queue keeps the rest. If it
			 * took nothing, arm the thread's timed retry (stalled is
			 * set before the poke so the thread cannot miss it).
			 */
			if (!done) {
				atomic_store(&disk->stalled, true);
				poke(a);
			}
			break;
		} else if (ret != -EINTR) {
			/* The first iocb was refused outright: its error, its callback. */
			struct disk_round round = DISK_ROUND_INIT;

			disk_complete(disk, &round, reqs[done++], ret);
			disk_round_end(disk, &round);
			disk_queue_done(disk, 1);
		}
	}
	return done;
}

/* Take up to max events off the ring; 0 when it is empty. */
static unsigned ring_peek(struct aio *a, struct io_event *ev, unsigned max)
{
	struct aio_ring *ring = (struct aio_ring *)a->ctx;
	unsigned head, tail, n = 0;

	if (ring->magic != AIO_RING_MAGIC || ring->incompat_features) {
		struct timespec zero = { 0, 0 };
		int got = io_getevents(a->ctx, 0, max, ev, &zero);

		return got > 0 ? got : 0;
	}
	head = ring->head;
	tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	while (head != tail && n < max) {
		ev[n++] = ring->events[head];
		head = (head + 1) % ring->nr;
	}
	__atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
	return n;
}

static void reap(struct disk *disk)
{
	struct aio *a = disk->engine;
	struct io_event ev[DISK_REAP_CHUNK];
	struct disk_round round = DISK_ROUND_INIT;
	unsigned n, i;

	while ((n = ring_peek(a, ev, ARRAY_SIZE(ev)))) {
		disk_plug(disk);
		for (i = 0; i < n; i++) {
			struct disk_req *r = container_of((void *)ev[i].obj, struct disk_req,
							  engine_priv);

			disk_complete(disk, &round, r, (long)ev[i].res);
		}
		disk_queue_done(disk, n);
		disk_unplug(disk);
		disk_round_limit(disk, &round);
	}
	disk_round_end(disk, &round);
}

/* Take up a mode change (*seen: the thread's copy); true if the poller reaps. */
static bool thread_mode(struct aio *a, bool *seen)
{
	bool want = atomic_load(&a->want_external);

	if (want != *seen) {
		pthread_mutex_lock(&a->mode_lock);
		a->seen_external = *seen = want;
		pthread_cond_broadcast(&a->mode_cond);
		pthread_mutex_unlock(&a->mode_lock);
	}
	return want;
}

static void *aio_thread(void *arg)
{
	struct disk *disk = arg;
	struct aio *a = disk->engine;
	bool seen = false;

	while (!atomic_load(&a->stop)) {
		bool ext = thread_mode(a, &seen);
		struct pollfd pfd[2] = {
			{ .fd = a->ctl_fd, .events = POLLIN },
			{ .fd = ext ? -1 : a->efd, .events = POLLIN },
		};
		/* Refused with nothing to wait for: retry in a millisecond. */
		bool stalled = atomic_load(&disk->stalled);
		u64 cnt;
		int n;

		/* Busy: more completions came meanwhile; reap without a poll. */
		if (!ext && !stalled && read(a->efd, &cnt, sizeof(cnt)) == sizeof(cnt)) {
			reap(disk);
			continue;
		}
		n = poll(pfd, 2, stalled ? 1 : -1);

		if (n < 0 && errno != EINTR) {
			pr_err("disk: aio: poll: %m");
			break;
		}
		if (n == 0 && stalled) {
			atomic_store(&disk->stalled, false);
			disk_kick(disk);
			continue;
		}
		if (n > 0 && pfd[0].revents)
			efd_drain(a->ctl_fd);
		/* Drained before the ring is read: a later completion signals again. */
		if (n > 0 && pfd[1].revents) {
			efd_drain(a->efd);
			reap(disk);
		}
	}
	return NULL;
}

/* Ask the thread for a mode and wait (bounded) until it has taken it up. */
static void set_mode(struct aio *a, bool external)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&a->mode_lock);
	atomic_store(&a->want_external, external);
	poke(a);
	while (a->seen_external != external && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&a->mode_cond, &a->mode_lock, &until);
	pthread_mutex_unlock(&a->mode_lock);
	if (ret == ETIMEDOUT)
		pr_warn("disk: aio: completion thread did not answer in 5 s");
}

static int aio_poller_attach(struct disk *disk)
{
	struct aio *a = disk->engine;

	set_mode(a, true);
	return a->efd;
}

static void aio_poller_detach(struct disk *disk)
{
	struct aio *a = disk->engine;

	set_mode(a, false);
	/* What completed before the switch: the eventfd stays readable for it. */
}

static void aio_poller_run(struct disk *disk)
{
	struct aio *a = disk->engine;

	efd_drain(a->efd);
	reap(disk);
}

static int aio_probe(char *why, size_t len)
{
	io_context_t ctx = 0;
	int ret = io_setup(1, &ctx);

	if (ret) {
		if (why)
			snprintf(why, len, "io_setup: %s", strerror(-ret));
		return ret;
	}
	io_destroy(ctx);
	return 0;
}

static int aio_init(struct disk *disk, char *err, size_t errlen)
{
	struct aio *a = calloc(1, sizeof(*a));
	int ret;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->ctl_fd = -1;
	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->efd >= 0)
		a->ctl_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->efd < 0 || a->ctl_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-ret));
		goto close;
	}
	ret = io_setup(disk->depth, &a->ctx);
	if (ret) {
		snprintf(err, errlen, "io_setup(%u): %s%s", disk->depth, strerror(-ret),
			 ret == -EAGAIN ? " (fs.aio-max-nr reached; lower the depth)" : "");
		goto close;
	}
	pthread_mutex_init(&a->mode_lock, NULL);
	pthread_cond_init(&a->mode_cond, NULL);
	disk->engine = a;
	ret = disk_thread_create(&a->thread, aio_thread, disk);
	if (ret) {
		snprintf(err, errlen, "cannot start aio thread: %s", strerror(-ret));
		io_destroy(a->ctx);
		disk->engine = NULL;
		pthread_mutex_destroy(&a->mode_lock);
		pthread_cond_destroy(&a->mode_cond);
		goto close;
	}
	return 0;
close:
	if (a->efd >= 0)
		close(a->efd);
	if (a->ctl_fd >= 0)
		close(a->ctl_fd);
	free(a);
	return ret;
}

static void aio_exit(struct disk *disk)
{
	struct aio *a = disk->engine;

	atomic_store(&a->stop, true);
	poke(a);
	pthread_join(a->thread, NULL);
	io_destroy(a->ctx);
	close(a->efd);
	close(a->ctl_fd);
	pthread_mutex_destroy(&a->mode_lock);
	pthread_cond_destroy(&a->mode_cond);
	free(a);
	disk->engine = NULL;
}

const struct disk_engine_ops disk_aio_ops = {
	.name = "aio",
	.probe = aio_probe,
	.init = aio_init,
	.exit = aio_exit,
	.submit = aio_submit,
	.poller_attach = aio_poller_attach,
	.poller_detach = aio_poller_detach,
	.poller_run = aio_poller_run,
};
