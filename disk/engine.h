/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the disk layer: what disk.c shares with the engines (sync.c,
 * aio.c, uring.c). Not for users of include/disk.h.
 *
 * Life of a request: disk_batch_submit() validates it, counts it in the
 * wait epoch (disk->inflight[gen & 1]) and pushes it on the lock-free
 * `incoming` stack. Whoever then wins the `busy` token (a submitter, or a
 * completion thread that freed room) moves incoming onto the FIFO and
 * hands as many requests as the engine has room for to ops->submit in one
 * call (one io_submit / io_uring_enter). The engine completes each request
 * through disk_complete(), which runs the callback and then uncounts it;
 * the engine gives the room back with disk_queue_done().
 *
 * Nobody ever waits for the token: a thread that does not get it leaves its
 * requests to the holder, which looks again after letting go. So there is
 * no mutex on the submit or completion path.
 */
#ifndef KITE_DISK_ENGINE_H
#define KITE_DISK_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>

#include "disk.h"

struct disk_engine_ops {
	const char *name;
	/* Optional: can it run here (include/disk.h, disk_engine_probe)? */
	int (*probe)(char *why, size_t len);
	/* Set up engine state (disk->engine); err gets a one-line reason. */
	int (*init)(struct disk *disk, char *err, size_t errlen);
	/* Called after the last request completed: stop threads, free. */
	void (*exit)(struct disk *disk);
	/*
	 * Start up to nr requests; called by the token holder only. Returns
	 * how many it consumed (started, or completed with an error); the
	 * rest stay queued for a later call. Every consumed request leads to
	 * exactly one disk_queue_done(disk, 1) share. An engine that takes
	 * nothing sets disk->stalled and makes sure something retries later
	 * (a completion, or its own timed retry when none is in flight).
	 */
	unsigned (*submit)(struct disk *disk, struct disk_req **reqs, unsigned nr);
	/*
	 * Optional: for an engine whose own thread does all submitting.
	 * Called by disk_kick on any thread: returns false on the engine's
	 * thread (go ahead), else wakes that thread and returns true.
	 */
	bool (*defer)(struct disk *disk);
	/*
	 * Optional (include/disk.h, disk_poller_attach): hand completions to
	 * a caller's event loop. attach returns the fd to poll (or -errno)
	 * and returns only once the engine's own thread has stopped reaping;
	 * detach gives reaping back to that thread; run drains the fd and
	 * completes what is there, on the caller's thread.
	 */
	int (*poller_attach)(struct disk *disk);
	void (*poller_detach)(struct disk *disk);
	void (*poller_run)(struct disk *disk);
	/* Ops the engine runs itself; the others go to the helper thread. */
	bool native_discard;
	/* No room limit and no threads: requests run in ops->submit. */
	bool inline_io;
};

extern const struct disk_engine_ops disk_sync_ops;
extern const struct disk_engine_ops disk_aio_ops;
extern const struct disk_engine_ops disk_uring_ops;

/* The helper thread for fallocate-style ops on engines without them. */
struct disk_helper {
	pthread_t thread;
	bool started;
	_Atomic(struct disk_req *) queue;
	atomic_uint wake;		/* futex word */
	atomic_bool stop;
};

struct disk {
	int fd;
	u64 size;
	u32 block_size;			/* logical block: offset/length unit */
	u32 mem_align;			/* O_DIRECT buffer alignment */
	bool readonly, direct, is_blockdev;
	unsigned depth;
	enum disk_engine kind;
	const struct disk_engine_ops *ops;
	void *engine;
	char note[128];			/* disk_note(): "" for none */

	/* Submission queue (see the top of this file). */
	_Atomic(struct disk_req *) incoming;
	atomic_bool busy;
	struct disk_req *fifo_head, *fifo_tail;	/* token holder's */
	atomic_uint queued;			/* requests on the FIFO */
	atomic_uint engine_inflight;		/* consumed, not yet done */
	atomic_bool stalled;			/* engine refused: wait for room */
	atomic_uint requeued;			/* requests the engine handed back (stats, tests) */

	/* Wait epochs: disk_wait flips gen and waits for the old count. */
	atomic_uint gen;
	atomic_uint inflight[2];
	atomic_uint waiters;
	pthread_mutex_t wait_lock;		/* serialises disk_wait callers */

	/* disk_set_round_hook(): set before the first request, then read-only. */
	void (*round_hook)(void *arg);
	void *round_arg;

	struct disk_helper helper;
};

/* Total bytes a READ/WRITE moves (checked at submission not to overflow). */
size_t disk_req_bytes(const struct disk_req *req);

/*
 * A round: the callbacks one thread runs in one go (a reap's chunk, one
 * synchronous submission, the helper's batch). Its requests are uncounted,
 * so that disk_wait can return, only at disk_round_end, after the disk's
 * round hook has run: a caller's hook never runs after its disk_wait.
 */
struct disk_round {
	unsigned done[2];	/* completed, per wait epoch */
};
#define DISK_ROUND_INIT { { 0, 0 } }

/*
 * Complete a request within a round: fixes up short transfers (reads are
 * zero-filled, short writes become -ENOSPC) given the bytes expected and
 * runs the callback.
 */
void disk_complete(struct disk *disk, struct disk_round *round,
		   struct disk_req *req, ssize_t res);
/* The round's callbacks have run: the round hook, then uncount them. */
void disk_round_end(struct disk *disk, struct disk_round *round);
/*
 * A reap is one round, up to a queue's depth of completions: requests
 * that resubmit themselves keep a reap going forever, and disk_wait must
 * still see the old ones complete. Ends the round there.
 */
void disk_round_limit(struct disk *disk, struct disk_round *round);

/* The engine finished n consumed requests: room for more. */
void disk_queue_done(struct disk *disk, unsigned n);
/* Try to move queued requests into the engine (see above). */
void disk_kick(struct disk *disk);

/*
 * Plugging: while a completion thread runs callbacks, submissions they
 * make on the same disk are only queued; disk_unplug submits them all at
 * once (one io_submit for a whole round of completions).
 */
void disk_plug(struct disk *disk);
void disk_unplug(struct disk *disk);

/*
 * A completion thread runs at most this many callbacks before it submits
 * what they queued. Batching a whole round (32 completions at qd32) looks
 * cheaper, but io_submit and io_uring_enter plug the block layer for more
 * than two requests, so none of a batch reaches the device until the last
 * of it is set up: every request waits for the slowest, completions come
 * back in the same lump, and the queue turns into a convoy. What plugging
 * buys is merging adjacent requests, which only sequential I/O has.
 * Measured on the virtio disk here (kite io -e aio, 4 KiB, qd32, O_DIRECT,
 * mean IOPS of 5-7 rounds interleaved with the peer):
 *   chunk            1      2      4      64
 *   randread       77 k   78 k   73 k   67 k    fio libaio 80 k
 *   randwrite     124 k  122 k  119 k    -      fio libaio 125 k
 *   read (seq)      -     89 k  146 k  143 k    qemu-img bench 87 k
 * 2 is at par with both peers; 4 would trade 5-8 % of random IOPS for
 * merged sequential reads. CPU per I/O stays under fio's at any chunk.
 * Batches from one caller (a virtqueue notification) are not cut.
 */
#define DISK_REAP_CHUNK	2

/*
 * How disk_open opens an image: open(2). Tests put a double of a file
 * system here (one that refuses O_DIRECT, as tmpfs did before Linux 6.6);
 * nothing else does.
 */
extern int (*disk_open_file)(const char *path, int flags);

/* Run a DISCARD/WRITE_ZEROES synchronously: 0 or -errno. */
int disk_do_fallocate(struct disk *disk, const struct disk_req *req);

/*
 * pthread_create with every signal blocked in the new thread: signals
 * aimed at the process (Ctrl-C, a VMM's vCPU kicks) go to its own threads,
 * never to the disk layer's. Returns 0 or -errno.
 */
int disk_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

/* Futex helpers: wait while *word == val (bounded by timeout_ms, -1 = none). */
void disk_futex_wait(atomic_uint *word, unsigned val, int timeout_ms);
void disk_futex_wake(atomic_uint *word);

#endif
