// SPDX-License-Identifier: GPL-2.0
/*
 * The disk layer's common part: spec parsing, opening and locking images,
 * request checks, the lock-free submission queue every engine shares, the
 * wait epochs and the helper thread for discard/write-zeroes.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "iov.h"

#define DISK_DEFAULT_DEPTH	128
#define DISK_MAX_DEPTH		4096

static void set_err(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- futex ---------------------------------------------------------- */

void disk_futex_wait(atomic_uint *word, unsigned val, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void disk_futex_wake(atomic_uint *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

int disk_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

/* ---- spec parsing ----------------------------------------------------- */

int disk_parse_spec(const char *spec, char **path, struct disk_opts *opts,
		    char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL;

	memset(opts, 0, sizeof(*opts));
	opts->direct = true;
	opts->engine = DISK_ENGINE_AIO;
	opts->direct_default = opts->engine_default = true;
	*path = NULL;
	if (!spec || !*spec || *spec == ',') {
		set_err(err, errlen, "disk spec '%s' has no image path", spec ? spec : "");
		return -EINVAL;
	}
	copy = strdup(spec);
	if (!copy) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	strtok_r(copy, ",", &save);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "ro")) {
			opts->readonly = true;
		} else if (!strcmp(tok, "rw")) {
			opts->readonly = false;
		} else if (!strcmp(tok, "cache=none")) {
			opts->direct = true;
			opts->direct_default = false;
		} else if (!strcmp(tok, "cache=writeback")) {
			opts->direct = false;
			opts->direct_default = false;
		} else if (!strncmp(tok, "engine=", 7)) {
			opts->engine_default = false;
			if (disk_parse_engine(tok + 7, &opts->engine)) {
				set_err(err, errlen, "disk spec '%s': unknown engine '%s' (aio, uring or sync)",
					spec, tok + 7);
				goto bad;
			}
		} else if (!strncmp(tok, "depth=", 6)) {
			char *end;
			unsigned long d = strtoul(tok + 6, &end, 10);

			if (*end || !d || d > DISK_MAX_DEPTH) {
				set_err(err, errlen, "disk spec '%s': depth must be 1..%d",
					spec, DISK_MAX_DEPTH);
				goto bad;
			}
			opts->depth = d;
		} else {
			set_err(err, errlen,
				"disk spec '%s': unknown option '%s' (ro, cache=none|writeback, engine=aio|uring|sync, depth=N)",
				spec, tok);
			goto bad;
		}
	}
	*path = copy;
	return 0;
bad:
	free(copy);
	return -EINVAL;
}

int disk_parse_engine(const char *name, enum disk_engine *engine)
{
	if (!strcmp(name, "aio") || !strcmp(name, "native") || !strcmp(name, "libaio"))
		*engine = DISK_ENGINE_AIO;
	else if (!strcmp(name, "uring") || !strcmp(name, "io_uring"))
		*engine = DISK_ENGINE_URING;
	else if (!strcmp(name, "sync"))
		*engine = DISK_ENGINE_SYNC;
	else
		return -EINVAL;
	return 0;
}

const char *disk_engine_name(enum disk_engine engine)
{
	switch (engine) {
	case DISK_ENGINE_SYNC: return "sync";
	case DISK_ENGINE_AIO: return "aio";
	case DISK_ENGINE_URING: return "uring";
	}
	return "?";
}

/* ---- open / close ----------------------------------------------------- */

/*
 * Image locking: one OFD lock over the whole file, write-locked by a
 * writer and read-locked by readers. OFD locks belong to the open file
 * description, so they conflict between two opens in one process too, and
 * vanish with the last descriptor (no stale lock after a crash).
 */
static int lock_image(int fd, bool readonly)
{
	struct flock fl = {
		.l_type = readonly ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
		return (errno == EAGAIN || errno == EACCES) ? -EBUSY : -errno;
	return 0;
}

static int probe_geometry(struct disk *disk, const char *path, char *err, size_t errlen)
{
	struct statx stx;
	int lbs;

	if (statx(disk->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_DIOALIGN, &stx) < 0) {
		int e = errno;

		set_err(err, errlen, "%s: stat: %s", path, strerror(e));
		return -e;
	}
	disk->block_size = 512;
	if (S_ISBLK(stx.stx_mode)) {
		u64 size;

		disk->is_blockdev = true;
		if (ioctl(disk->fd, BLKGETSIZE64, &size) < 0 ||
		    ioctl(disk->fd, BLKSSZGET, &lbs) < 0) {
			int e = errno;

			set_err(err, errlen, "%s: cannot get block device geometry: %s",
				path, strerror(e));
			return -e;
		}
		disk->size = size;
		disk->block_size = lbs;
	} else if (S_ISREG(stx.stx_mode)) {
		disk->size = stx.stx_size;
		if ((stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align)
			disk->block_size = MAX(512u, stx.stx_dio_offset_align);
	} else {
		set_err(err, errlen, "%s: not a regular file or block device", path);
		return -EINVAL;
	}
	disk->mem_align = disk->block_size;
	if ((stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_mem_align)
		disk->mem_align = stx.stx_dio_mem_align;
	if (!disk->block_size || (disk->block_size & (disk->block_size - 1))) {
		set_err(err, errlen, "%s: odd logical block size %u", path, disk->block_size);
		return -EINVAL;
	}
	return 0;
}

static const struct disk_engine_ops *engine_ops(enum disk_engine e)
{
	switch (e) {
	case DISK_ENGINE_SYNC: return &disk_sync_ops;
	case DISK_ENGINE_AIO: return &disk_aio_ops;
	case DISK_ENGINE_URING: return &disk_uring_ops;
	}
	return NULL;
}

int disk_engine_probe(enum disk_engine engine, char *why, size_t len)
{
	const struct disk_engine_ops *ops = engine_ops(engine);

	if (!ops) {
		set_err(why, len, "unknown disk engine %d", engine);
		return -EINVAL;
	}
	return ops->probe ? ops->probe(why, len) : 0;
}

static int open_file(const char *path, int flags)
{
	return open(path, flags);
}

int (*disk_open_file)(const char *path, int flags) = open_file;

/*
 * The engine for an image that fell back to the page cache (the file
 * system refuses O_DIRECT) when the user named none. libaio is
 * asynchronous only with O_DIRECT: through the page cache, io_submit
 * does the I/O itself (a cache miss, a write that allocates or is
 * throttled) on the submitting thread, a virtqueue's worker, so one slow
 * request holds up the queue. io_uring does buffered I/O without blocking
 * its submitter (from the page cache at once, else on its io-wq
 * workers): it keeps what the default promised. Where io_uring cannot be
 * set up (disabled by sysctl or seccomp, as container runtimes do), the
 * sync engine blocks just as buffered libaio would, without a completion
 * thread and an eventfd in between. The price: on a RAM-backed file,
 * where nothing ever waits, blocking is cheaper (kite io, 4K randread on
 * tmpfs, Linux 6.18: sync 660k IOPS at QD1 and QD32, uring 220k and
 * 490k), and cache=writeback,engine=sync chooses that.
 */
static enum disk_engine buffered_engine(void)
{
	return disk_engine_probe(DISK_ENGINE_URING, NULL, 0) ? DISK_ENGINE_SYNC
							     : DISK_ENGINE_URING;
}

/*
 * Open the image: the fd, or -errno with err set. An O_DIRECT nobody
 * asked for (opts->direct_default) that the file system refuses becomes
 * the page cache, said in disk->note.
 */
static int open_image(struct disk *disk, const char *path, const struct disk_opts *opts,
		      char *err, size_t errlen)
{
	int flags = (opts->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC, fd, ret;
	struct stat st;

	fd = disk_open_file(path, flags | (opts->direct ? O_DIRECT : 0));
	if (fd < 0 && errno == EINVAL && opts->direct && opts->direct_default) {
		fd = disk_open_file(path, flags);
		if (fd >= 0) {
			disk->direct = false;
			if (opts->engine_default)
				disk->kind = buffered_engine();
			snprintf(disk->note, sizeof(disk->note),
				 "this file system refuses O_DIRECT (cache=none); using cache=writeback, engine %s",
				 disk_engine_name(disk->kind));
		}
	}
	if (fd >= 0)
		return fd;
	ret = -errno;
	if (ret == -EINVAL && !stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		set_err(err, errlen, "%s: not a regular file or block device", path);
	else if (ret == -EINVAL && opts->direct)
		set_err(err, errlen, "%s: O_DIRECT (cache=none) not supported here; try cache=writeback",
			path);
	else if ((ret == -EACCES || ret == -EROFS || ret == -EPERM) && !opts->readonly)
		set_err(err, errlen, "%s: cannot open for writing: %s (open it read-only?)",
			path, strerror(-ret));
	else
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

static int helper_start(struct disk *disk);
static void helper_stop(struct disk *disk);

int disk_open(const char *path, const struct disk_opts *opts,
	      struct disk **out, char *err, size_t errlen)
{
	struct disk *disk;
	int ret;

	*out = NULL;
	if (!path || !*path) {
		set_err(err, errlen, "no image path");
		return -EINVAL;
	}
	if (!engine_ops(opts->engine)) {
		set_err(err, errlen, "unknown disk engine %d", opts->engine);
		return -EINVAL;
	}
	disk = calloc(1, sizeof(*disk));
	if (!disk) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	disk->readonly = opts->readonly;
	disk->direct = opts->direct;
	disk->kind = opts->engine;
	disk->depth = opts->depth ? opts->depth : DISK_DEFAULT_DEPTH;
	if (disk->depth > DISK_MAX_DEPTH)
		disk->depth = DISK_MAX_DEPTH;
	pthread_mutex_init(&disk->wait_lock, NULL);

	disk->fd = open_image(disk, path, opts, err, errlen);
	if (disk->fd < 0) {
		ret = disk->fd;
		goto free;
	}
	disk->ops = engine_ops(disk->kind);
	ret = probe_geometry(disk, path, err, errlen);
	if (ret)
		goto close_fd;
	ret = lock_image(disk->fd, opts->readonly);
	if (ret == -EBUSY) {
		set_err(err, errlen, opts->readonly
			? "%s: image is locked by a writer (in use by another process?)"
			: "%s: image is locked (in use by another process?); a writer needs it to itself",
			path);
		goto close_fd;
	} else if (ret) {
		set_err(err, errlen, "%s: cannot lock image: %s", path, strerror(-ret));
		goto close_fd;
	}
	ret = disk->ops->init(disk, err, errlen);
	if (ret)
		goto close_fd;
	if (!disk->ops->native_discard && !disk->ops->inline_io && !disk->readonly) {
		ret = helper_start(disk);
		if (ret) {
			set_err(err, errlen, "cannot start disk helper thread: %s", strerror(-ret));
			disk->ops->exit(disk);
			goto close_fd;
		}
	}
	*out = disk;
	return 0;

close_fd:
	close(disk->fd);
free:
	pthread_mutex_destroy(&disk->wait_lock);
	free(disk);
	return ret;
}

int disk_close(struct disk *disk)
{
	if (!disk)
		return 0;
	disk_wait(disk);
	helper_stop(disk);
	disk->ops->exit(disk);
	close(disk->fd);
	pthread_mutex_destroy(&disk->wait_lock);
	free(disk);
	return 0;
}

u64 disk_size(const struct disk *disk)
{
	return disk->size;
}

u32 disk_block_size(const struct disk *disk)
{
	return disk->block_size;
}

bool disk_readonly(const struct disk *disk)
{
	return disk->readonly;
}

bool disk_direct(const struct disk *disk)
{
	return disk->direct;
}

enum disk_engine disk_engine_type(const struct disk *disk)
{
	return disk->kind;
}

const char *disk_note(const struct disk *disk)
{
	return disk->note[0] ? disk->note : NULL;
}

/* ---- request checks and completion ----------------------------------- */

size_t disk_req_bytes(const struct disk_req *req)
{
	return iov_size(req->iov, req->iovcnt);
}

static int check_req(const struct disk *disk, const struct disk_req *req)
{
	u64 len = 0, mask = disk->block_size - 1, mmask = disk->mem_align - 1;
	unsigned i;

	if (!req->done)
		return -EINVAL;
	switch (req->op) {
	case DISK_OP_FLUSH:
		return 0;
	case DISK_OP_READ:
	case DISK_OP_WRITE:
		if (!req->iovcnt || req->iovcnt > IOV_MAX || !req->iov)
			return -EINVAL;
		for (i = 0; i < req->iovcnt; i++) {
			const struct iovec *v = &req->iov[i];

			if (v->iov_len > SSIZE_MAX - len)
				return -EINVAL;
			len += v->iov_len;
			if (disk->direct && ((v->iov_len & mask) ||
					     ((uintptr_t)v->iov_base & mmask)))
				return -EINVAL;
		}
		if (disk->direct && (req->offset & mask))
			return -EINVAL;
		if (req->op == DISK_OP_READ)
			return range_ok(req->offset, len, ~0ULL) ? 0 : -EINVAL;
		if (disk->readonly)
			return -EROFS;
		return range_ok(req->offset, len, disk->size) ? 0 : -EINVAL;
	case DISK_OP_DISCARD:
	case DISK_OP_WRITE_ZEROES:
		if (disk->readonly)
			return -EROFS;
		if (!req->len || (req->offset & mask) || (req->len & mask))
			return -EINVAL;
		return range_ok(req->offset, req->len, disk->size) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static void uncount(struct disk *disk, u32 gen, unsigned n)
{
	atomic_uint *c = &disk->inflight[gen & 1];

	/* seq_cst pairs with the waiter's waiters++ then load (Dekker). */
	if (atomic_fetch_sub(c, n) == n && atomic_load(&disk->waiters))
		disk_futex_wake(c);
}

void disk_complete(struct disk *disk, struct disk_round *round,
		   struct disk_req *req, ssize_t res)
{
	u32 gen = req->gen;

	if (res >= 0) {
		switch (req->op) {
		case DISK_OP_READ: {
			size_t want = disk_req_bytes(req);

			/* Only the end of the image makes a read short. */
			if ((size_t)res < want)
				iov_memset(req->iov, req->iovcnt, res, 0, want - res);
			res = want;
			break;
		}
		case DISK_OP_WRITE:
			if ((size_t)res < disk_req_bytes(req))
				res = -ENOSPC;
			break;
		default:
			res = 0;
		}
	}
	/* The callback may reuse req at once: everything needed is read. */
	req->done(req, res);
	round->done[gen & 1]++;
}

void disk_round_end(struct disk *disk, struct disk_round *round)
{
	if (!round->done[0] && !round->done[1])
		return;
	if (disk->round_hook)
		disk->round_hook(disk->round_arg);
	for (unsigned e = 0; e < 2; e++)
		if (round->done[e])
			uncount(disk, e, round->done[e]);
	round->done[0] = round->done[1] = 0;
}

void disk_round_limit(struct disk *disk, struct disk_round *round)
{
	if (round->done[0] + round->done[1] >= disk->depth)
		disk_round_end(disk, round);
}

void disk_set_round_hook(struct disk *disk, void (*fn)(void *arg), void *arg)
{
	disk->round_hook = fn;
	disk->round_arg = arg;
}

/* ---- the submission queue --------------------------------------------- */

static __thread struct disk *plugged;

void disk_plug(struct disk *disk)
{
	plugged = disk;
}

void disk_unplug(struct disk *disk)
{
	plugged = NULL;
	disk_kick(disk);
}

/* Move the incoming stack (newest first) onto the FIFO's tail, oldest first. */
static void drain_incoming(struct disk *disk)
{
	struct disk_req *r = atomic_exchange(&disk->incoming, NULL), *rev = NULL, *first;
	unsigned n = 0;

	if (!r)
		return;
	while (r) {
		struct disk_req *next = r->next;

		r->next = rev;
		rev = r;
		r = next;
		n++;
	}
	first = rev;
	while (rev->next)
		rev = rev->next;
	if (disk->fifo_tail)
		disk->fifo_tail->next = first;
	else
		disk->fifo_head = first;
	disk->fifo_tail = rev;
	atomic_fetch_add(&disk->queued, n);
}

static unsigned room(struct disk *disk)
{
	unsigned used;

	if (disk->ops->inline_io)
		return DISK_BATCH_MAX;
	used = atomic_load(&disk->engine_inflight);
	return used < disk->depth ? disk->depth - used : 0;
}

/* Hand the FIFO's head to the engine, as much as there is room for. */
static bool submit_some(struct disk *disk)
{
	struct disk_req *reqs[DISK_BATCH_MAX], *r;
	unsigned n = 0, done, i, want = MIN(room(disk), (unsigned)DISK_BATCH_MAX);

	for (r = disk->fifo_head; r && n < want; r = r->next)
		reqs[n++] = r;
	if (!n)
		return false;
	disk->fifo_head = r;
	if (!r)
		disk->fifo_tail = NULL;
	atomic_fetch_sub(&disk->queued, n);
	/* Count before submitting: completions may come before submit returns. */
	atomic_fetch_add(&disk->engine_inflight, n);
	done = disk->ops->submit(disk, reqs, n);
	if (done == n)
		return true;
	/* Put the rest back at the head, in order. */
	atomic_fetch_sub(&disk->engine_inflight, n - done);
	atomic_fetch_add(&disk->requeued, n - done);
	for (i = n; i-- > done;) {
		reqs[i]->next = disk->fifo_head;
		disk->fifo_head = reqs[i];
		if (!disk->fifo_tail)
			disk->fifo_tail = reqs[i];
	}
	atomic_fetch_add(&disk->queued, n - done);
	/*
	 * If the kernel took nothing, the engine has set disk->stalled (and
	 * armed its timed retry): nobody tries again until a completion
	 * frees room or the retry fires. Setting it here instead would race
	 * with a completion that had just cleared it.
	 */
	return done != 0;
}

static bool has_work(struct disk *disk)
{
	return atomic_load(&disk->incoming) ||
	       (atomic_load(&disk->queued) && room(disk) && !atomic_load(&disk->stalled));
}

void disk_kick(struct disk *disk)
{
	if (disk->ops->defer && has_work(disk) && disk->ops->defer(disk))
		return;
	while (has_work(disk)) {
		if (atomic_exchange(&disk->busy, true))
			return;		/* the holder looks again after letting go */
		drain_incoming(disk);
		while (submit_some(disk))
			drain_incoming(disk);
		atomic_store(&disk->busy, false);
	}
}

void disk_queue_done(struct disk *disk, unsigned n)
{
	atomic_fetch_sub(&disk->engine_inflight, n);
	atomic_store(&disk->stalled, false);
	if (plugged != disk)
		disk_kick(disk);
}

static int count_reqs(struct disk *disk, struct disk_req **reqs, unsigned n)
{
	unsigned i;
	u32 gen;

	/*
	 * Count in the current epoch, then check it did not change: a waiter
	 * that flipped it meanwhile may have missed us, so move to the new one.
	 */
	for (;;) {
		gen = atomic_load(&disk->gen);
		atomic_fetch_add(&disk->inflight[gen & 1], n);
		if (atomic_load(&disk->gen) == gen)
			break;
		uncount(disk, gen, n);
	}
	for (i = 0; i < n; i++)
		reqs[i]->gen = gen;
	return 0;
}

static void queue_reqs(struct disk *disk, struct disk_req **reqs, unsigned n)
{
	struct disk_req *old;
	unsigned i;

	if (!n)
		return;
	count_reqs(disk, reqs, n);
	/* Chain newest first so the whole batch is one push. */
	for (i = n - 1; i > 0; i--)
		reqs[i]->next = reqs[i - 1];
	old = atomic_load(&disk->incoming);
	do
		reqs[0]->next = old;
	while (!atomic_compare_exchange_weak(&disk->incoming, &old, reqs[n - 1]));
	if (plugged != disk)
		disk_kick(disk);
}

static void helper_queue(struct disk *disk, struct disk_req *req);

int disk_batch_submit(struct disk *disk, struct disk_batch *b)
{
	struct disk_req *io[DISK_BATCH_MAX];
	unsigned i, n = 0;

	for (i = 0; i < b->nr; i++) {
		struct disk_req *r = b->reqs[i];

		if ((r->op == DISK_OP_DISCARD || r->op == DISK_OP_WRITE_ZEROES) &&
		    !disk->ops->native_discard && !disk->ops->inline_io) {
			count_reqs(disk, &r, 1);
			helper_queue(disk, r);
		} else {
			io[n++] = r;
		}
	}
	b->nr = 0;
	queue_reqs(disk, io, n);
	return 0;
}

int disk_batch_add(struct disk *disk, struct disk_batch *b, struct disk_req *req)
{
	int ret = check_req(disk, req);

	if (ret)
		return ret;
	if (b->nr == DISK_BATCH_MAX)
		disk_batch_submit(disk, b);
	b->reqs[b->nr++] = req;
	return 0;
}

int disk_submit(struct disk *disk, struct disk_req *req)
{
	struct disk_batch b;
	int ret;

	disk_batch_init(&b);
	ret = disk_batch_add(disk, &b, req);
	if (ret)
		return ret;
	return disk_batch_submit(disk, &b);
}

/* ---- wait ------------------------------------------------------------- */

int disk_wait(struct disk *disk)
{
	atomic_uint *c;
	unsigned v;
	u32 gen;

	pthread_mutex_lock(&disk->wait_lock);
	/* Requests counted from now on go to the other epoch. */
	gen = atomic_fetch_add(&disk->gen, 1);
	c = &disk->inflight[gen & 1];
	atomic_fetch_add(&disk->waiters, 1);
	while ((v = atomic_load(c)))
		disk_futex_wait(c, v, -1);
	atomic_fetch_sub(&disk->waiters, 1);
	pthread_mutex_unlock(&disk->wait_lock);
	return 0;
}

int disk_poller_attach(struct disk *disk)
{
	return disk->ops->poller_attach ? disk->ops->poller_attach(disk) : -ENOTSUP;
}

void disk_poller_detach(struct disk *disk)
{
	if (disk->ops->poller_detach)
		disk->ops->poller_detach(disk);
}

void disk_poller_run(struct disk *disk)
{
	if (disk->ops->poller_run)
		disk->ops->poller_run(disk);
}

unsigned disk_inflight(const struct disk *disk)
{
	struct disk *d = (struct disk *)disk;

	return atomic_load(&d->inflight[0]) + atomic_load(&d->inflight[1]);
}

/* ---- discard / write zeroes ------------------------------------------- */

int disk_do_fallocate(struct disk *disk, const struct disk_req *req)
{
	int mode = req->op == DISK_OP_DISCARD ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
					      : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (fallocate(disk->fd, mode, req->offset, req->len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	/*
	 * A block device without unmap-that-zeroes, or a file system without
	 * ZERO_RANGE: fall back to the kernel's zeroing, which always works.
	 */
	if (disk->is_blockdev) {
		u64 range[2] = { req->offset, req->len };

		return ioctl(disk->fd, BLKZEROOUT, range) < 0 ? -errno : 0;
	}
	if (req->op == DISK_OP_WRITE_ZEROES &&
	    fallocate(disk->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      req->offset, req->len) == 0)
		return 0;
	return -errno;
}

static void *helper_main(void *arg)
{
	struct disk *disk = arg;
	struct disk_helper *h = &disk->helper;

	for (;;) {
		unsigned w = atomic_load(&h->wake);
		struct disk_req *r = atomic_exchange(&h->queue, NULL), *rev = NULL;
		struct disk_round round = DISK_ROUND_INIT;

		if (!r) {
			if (atomic_load(&h->stop))
				return NULL;
			disk_futex_wait(&h->wake, w, -1);
			continue;
		}
		while (r) {	/* oldest first */
			struct disk_req *next = r->next;

			r->next = rev;
			rev = r;
			r = next;
		}
		while (rev) {
			struct disk_req *next = rev->next;

			disk_complete(disk, &round, rev, disk_do_fallocate(disk, rev));
			rev = next;
		}
		disk_round_end(disk, &round);
	}
}

static void helper_queue(struct disk *disk, struct disk_req *req)
{
	struct disk_helper *h = &disk->helper;
	struct disk_req *old = atomic_load(&h->queue);

	do
		req->next = old;
	while (!atomic_compare_exchange_weak(&h->queue, &old, req));
	atomic_fetch_add(&h->wake, 1);
	disk_futex_wake(&h->wake);
}

static int helper_start(struct disk *disk)
{
	int ret = disk_thread_create(&disk->helper.thread, helper_main, disk);

	if (ret)
		return ret;
	disk->helper.started = true;
	return 0;
}

static void helper_stop(struct disk *disk)
{
	struct disk_helper *h = &disk->helper;

	if (!h->started)
		return;
	atomic_store(&h->stop, true);
	atomic_fetch_add(&h->wake, 1);
	disk_futex_wake(&h->wake);
	pthread_join(h->thread, NULL);
	h->started = false;
}
