/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk layer: raw-file and block-device images behind one API, on
 * three engines (sync, libaio, io_uring) chosen per image.
 *
 * Semantics every engine keeps:
 *  - read/write are vectored at byte offsets; a read past the end of the
 *    image is zero-filled and succeeds; a short write is -ENOSPC (or the
 *    errno the kernel gave).
 *  - flush: every write that had *completed* before the flush was issued
 *    is durable when the flush completes (fdatasync or the engine's fsync).
 *  - wait: returns once every request that was in flight when wait() was
 *    called has completed (its callback has returned). It makes nothing
 *    durable. Used before a virtqueue reset.
 *  - close: waits, then releases.
 *  - every request gets exactly one callback, with bytes done or -errno.
 *
 * Threads: callbacks run on the engine's completion thread (or inline on
 * the submitting thread for the sync engine, or on the caller's poller:
 * disk_poller_attach) and must not block. A batch
 * belongs to one submitting thread; several threads may submit to one
 * disk at once, each with its own batch.
 *
 * More exactly (what a callback may assume): submissions are queued and
 * whichever thread is submitting at that moment hands the queue to the
 * engine, so with the sync engine a callback may run on another thread
 * that submits to the same disk; with aio, a request the kernel refuses
 * outright (io_submit error) is called back on the submitting thread, and
 * discard/write-zeroes on a helper thread. So two callbacks of one disk
 * can run at the same time: make them thread-safe. A callback may submit
 * (that is batched with the rest of its round) but must not call
 * disk_wait() or disk_close(). Callers must not race disk_close() with
 * their own submissions.
 */
#ifndef KITE_DISK_H
#define KITE_DISK_H

#include <sys/types.h>
#include <sys/uio.h>

#include "util.h"

enum disk_engine {
	DISK_ENGINE_SYNC,
	DISK_ENGINE_AIO,
	DISK_ENGINE_URING,
};

enum disk_op {
	DISK_OP_READ,
	DISK_OP_WRITE,
	DISK_OP_FLUSH,
	DISK_OP_DISCARD,	/* punch a hole: [offset, offset + len) reads as zeros */
	DISK_OP_WRITE_ZEROES,
};

struct disk;
struct disk_req;

typedef void (*disk_done_fn)(struct disk_req *req, ssize_t res);

struct disk_req {
	enum disk_op op;
	u64 offset;
	const struct iovec *iov;	/* READ/WRITE */
	unsigned iovcnt;
	u64 len;			/* DISCARD/WRITE_ZEROES */
	disk_done_fn done;
	void *priv;			/* the caller's */
	/* Engine-private, valid while in flight. */
	u64 engine_priv[8];
	/* The disk layer's own, valid while in flight: queue link, wait epoch. */
	struct disk_req *next;
	u32 gen;
};

struct disk_opts {
	bool readonly;
	bool direct;			/* O_DIRECT (cache=none) */
	/*
	 * direct and engine are defaults nobody asked for: where the file
	 * system refuses O_DIRECT, disk_open then opens through the page
	 * cache instead, on the engine that suits it (disk_note says so).
	 * An O_DIRECT that was asked for fails there, as it always did.
	 */
	bool direct_default, engine_default;
	enum disk_engine engine;
	unsigned depth;			/* max requests in flight; 0 = 128 */
};

/*
 * Parse "path[,ro][,cache=none|writeback][,engine=aio|uring|sync][,depth=N]"
 * (the --disk syntax). Fills *path (pointing into a copy the caller frees
 * through *path) and *opts; -EINVAL with a one-line reason in err.
 * Defaults: read-write, cache=none (O_DIRECT, or writeback where the file
 * system has no O_DIRECT), engine=aio, depth 128.
 */
int disk_parse_spec(const char *spec, char **path, struct disk_opts *opts,
		    char *err, size_t errlen);

/*
 * Open an image. Writable opens take an exclusive OFD lock (a second
 * writer, or a writer while readers hold it, fails with -EBUSY); read-only
 * opens share. On failure, returns -errno and a one-line reason in err.
 */
int disk_open(const char *path, const struct disk_opts *opts,
	      struct disk **out, char *err, size_t errlen);
/* Wait for all requests, then release everything. */
int disk_close(struct disk *disk);

u64 disk_size(const struct disk *disk);
u32 disk_block_size(const struct disk *disk);	/* logical block size */
bool disk_readonly(const struct disk *disk);
/* What the image was opened with: opts, unless disk_open fell back. */
bool disk_direct(const struct disk *disk);
enum disk_engine disk_engine_type(const struct disk *disk);
/*
 * NULL, or one line saying what disk_open chose that the caller did not
 * ask for ("this file system refuses O_DIRECT (cache=none); using
 * cache=writeback, engine uring"), for the caller to show its user.
 */
const char *disk_note(const struct disk *disk);

/*
 * A request is the caller's memory, untouched by the caller from submission
 * until its callback runs (the callback may resubmit or free it). Reads may
 * reach past disk_size() (the rest is zeros); writes, discards and
 * write-zeroes must lie within it. With direct, offsets and iovec lengths
 * are multiples of disk_block_size() and buffers are aligned to it.
 *
 * Submit one request now. Returns 0 (the callback will run, maybe before
 * this returns) or -errno for a request that was refused up front (no
 * callback then): -EROFS for writes to a read-only image, -EINVAL for
 * O_DIRECT misalignment or bad arguments.
 */
int disk_submit(struct disk *disk, struct disk_req *req);

/*
 * Batching: queue requests on a batch the caller owns, then submit them
 * all with one io_submit/io_uring_submit. Requests the kernel did not take
 * (EAGAIN, partial submission) stay queued inside the engine and are
 * resubmitted as completions free room; they are not lost or refused.
 */
#define DISK_BATCH_MAX	256
struct disk_batch {
	struct disk_req *reqs[DISK_BATCH_MAX];
	unsigned nr;
};

static inline void disk_batch_init(struct disk_batch *b)
{
	b->nr = 0;
}

/* Adds req; when the batch is full, submits it first. Same return as disk_submit. */
int disk_batch_add(struct disk *disk, struct disk_batch *b, struct disk_req *req);
int disk_batch_submit(struct disk *disk, struct disk_batch *b);

/* Block until everything in flight at the call has completed. Bounded by
 * the requests themselves: no polling. */
int disk_wait(struct disk *disk);

/*
 * Completions in the caller's event loop (engine aio; others: -ENOTSUP).
 * disk_poller_attach returns an fd that turns readable when requests
 * complete; from then on their callbacks run only where the caller calls
 * disk_poller_run (after poll says readable, or any time: it does not
 * block), not on the engine's thread, which saves a thread wakeup per
 * request. Until disk_poller_detach, the caller must keep doing so:
 * disk_wait() and disk_close() need a detached disk (or a poller running
 * on another thread). Attach and detach are not for callbacks, nor for
 * two threads at once.
 */
int disk_poller_attach(struct disk *disk);
void disk_poller_detach(struct disk *disk);
void disk_poller_run(struct disk *disk);

/*
 * Rounds: a completion thread runs callbacks in rounds (one reap, one
 * synchronous submission, one batch of the helper thread). After the last
 * callback of a round, on the same thread, fn(arg) runs, before disk_wait()
 * can see that round's requests complete: a caller can defer work from
 * its callbacks (telling a guest) to once per round, wherever the round
 * ran. Set before the first request; fn must be thread-safe like the
 * callbacks and must not block.
 */
void disk_set_round_hook(struct disk *disk, void (*fn)(void *arg), void *arg);

/* Requests in flight right now (for tests and statistics). */
unsigned disk_inflight(const struct disk *disk);

/* "aio" (also "native", "libaio"), "uring" (also "io_uring"), "sync". */
int disk_parse_engine(const char *name, enum disk_engine *engine);
const char *disk_engine_name(enum disk_engine engine);
/*
 * Can the engine run here? 0, or -errno with a one-line reason in why
 * (io_uring disabled by sysctl or seccomp, say). Costs a setup and a
 * teardown of the engine's kernel context.
 */
int disk_engine_probe(enum disk_engine engine, char *why, size_t len);

#endif
