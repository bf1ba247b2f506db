// SPDX-License-Identifier: GPL-2.0
/*
 * `kite io`: drive an image through the disk layer with no guest, as
 * qemu-io / qemu-img bench do for QEMU: a workload (sequential or random,
 * read, write or mixed), a block size and queue depth, on any engine and
 * cache mode, for a time or a request count; or --verify, which writes a
 * pattern, reads it back and reports the first mismatch.
 *
 * Each of the depth slots owns one request and one buffer for the whole
 * run. A completion callback records the latency and resubmits its slot
 * at once, so after the first batch the run is driven by the engine's
 * completion thread (its submissions plugged and batched by the disk
 * layer); the main thread only waits and handles Ctrl-C.
 *
 * --durable FILE (with --verify --rw write): a crash-consistency record.
 * Callbacks track the longest prefix of blocks whose writes completed;
 * a few times a second the main thread issues a flush (which makes every
 * write completed before it durable), and when it completes writes that
 * prefix's length to FILE and fdatasyncs it. Whatever kills kite (or the
 * machine) then, `kite io --rw read --verify --count N` must find the
 * first N blocks intact, N being the number FILE holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "io-report.h"
#include "kite.h"

#define IO_MAX_BS	(64 * MiB)
#define IO_MAX_DEPTH	4096
#define STALL_NS	(30ULL * 1000000000ULL)
/* How often --durable flushes and records its prefix (at most: a flush waits for the last). */
#define DURABLE_PERIOD_NS	(10ULL * 1000000ULL)

enum io_phase { PHASE_RUN, PHASE_VERIFY_WRITE, PHASE_VERIFY_READ };

struct io_params {
	const char *image;
	bool random, reads, writes, readonly, verify, direct;
	bool direct_default, engine_default;	/* not named: disk_open may fall back */
	bool json;				/* --output json */
	const char *durable;			/* --durable FILE */
	unsigned mix;			/* % reads when both */
	u64 bs, size, count;
	double seconds;
	unsigned depth;
	enum disk_engine engine;
	u64 seed;
};

struct io_job;

struct io_slot {
	struct disk_req req;
	struct iovec iov;
	u8 *buf;
	u64 start_ns;
	struct io_job *job;
};

struct io_job {
	const struct io_params *p;
	struct disk *disk;
	struct io_slot *slots;
	u64 nblocks, stride;
	enum io_phase phase;

	/* Touched by callbacks: serialised by lock (uncontended: one completion thread). */
	pthread_mutex_t lock;
	u64 issued, limit, cursor, rng, end_ns, next_progress_ns, start_ns;
	u64 last_ns;
	unsigned active;
	bool stop;
	bool progress;
	sem_t finished;
	struct io_result res;		/* figures, errors, mismatch: the report */

	/* --durable: blocks written (bit per block), all below prefix done. */
	u8 *done_map;
	u64 prefix;
	int durable_fd;
	u64 durable_logged;
	struct disk_req flush_req;
	ssize_t flush_res;
	sem_t flushed;
	pthread_t durable_thread;
	sem_t durable_stop;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = 1;
}

static u64 rng_next(u64 *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static u64 splitmix(u64 x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* The verify pattern: every 8 bytes name their own offset and the seed. */
static void pattern_fill(u8 *buf, u64 len, u64 off, u64 seed)
{
	u64 i;

	for (i = 0; i < len; i += 8) {
		u64 v = splitmix((off + i) ^ (seed << 48));

		memcpy(buf + i, &v, MIN(8, len - i));
	}
}

/* Index of the first byte that differs from the pattern, or -1. */
static s64 pattern_check(const u8 *buf, u64 len, u64 off, u64 seed)
{
	u64 i, j;

	for (i = 0; i < len; i += 8) {
		u64 v = splitmix((off + i) ^ (seed << 48));
		u8 want[8];

		memcpy(want, &v, 8);
		for (j = 0; j < 8 && i + j < len; j++)
			if (buf[i + j] != want[j])
				return i + j;
	}
	return -1;
}

static u64 gcd(u64 a, u64 b)
{
	while (b) {
		u64 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* ---- request generation ------------------------------------------------ */

/* Sets up slot's next request; false when the phase has nothing left. */
static bool next_request(struct io_job *job, struct io_slot *s, u64 now)
{
	const struct io_params *p = job->p;
	u64 block;
	bool write;

	if (job->stop || interrupted || job->issued >= job->limit ||
	    (job->phase == PHASE_RUN && job->end_ns && now >= job->end_ns))
		return false;
	switch (job->phase) {
	case PHASE_VERIFY_WRITE:
		/* Every block exactly once, in order or in a fixed shuffle. */
		block = p->random ? (u64)(((__uint128_t)job->issued * job->stride + 7) % job->nblocks)
				  : job->issued;
		write = true;
		break;
	case PHASE_VERIFY_READ:
		block = job->issued;
		write = false;
		break;
	default:
		if (p->random) {
			block = rng_next(&job->rng) % job->nblocks;
		} else {
			block = job->cursor++;
			if (job->cursor == job->nblocks)
				job->cursor = 0;
		}
		write = !p->reads || (p->writes && rng_next(&job->rng) % 100 >= p->mix);
		break;
	}
	job->issued++;
	s->req.op = write ? DISK_OP_WRITE : DISK_OP_READ;
	s->req.offset = block * p->bs;
	s->req.iov = &s->iov;
	s->req.iovcnt = 1;
	s->iov = (struct iovec){ s->buf, p->bs };
	if (job->phase == PHASE_VERIFY_WRITE)
		pattern_fill(s->buf, p->bs, s->req.offset, p->seed);
	s->start_ns = now;
	return true;
}

static void print_progress(struct io_job *job, u64 now)
{
	double secs = (now - job->start_ns) / 1e9;
	u64 ops = job->res.hist[IO_READ].n + job->res.hist[IO_WRITE].n;

	fprintf(stderr, "\r  %4.0f s: %8.1fk IOPS, %8.1f MiB/s ", secs,
		ops / secs / 1e3, ops * (double)job->p->bs / secs / MiB);
	fflush(stderr);
	job->next_progress_ns = now + 1000000000ULL;
}

static void finish_slot(struct io_job *job)
{
	if (--job->active == 0)
		sem_post(&job->finished);
}

/* --durable: block is written; extend the prefix of written blocks. Under job->lock. */
static void mark_written(struct io_job *job, u64 block)
{
	job->done_map[block / 8] |= 1u << (block % 8);
	while (job->prefix < job->nblocks &&
	       job->done_map[job->prefix / 8] & (1u << (job->prefix % 8)))
		job->prefix++;
}

static void io_done(struct disk_req *req, ssize_t res)
{
	struct io_slot *s = container_of(req, struct io_slot, req);
	struct io_job *job = s->job;
	struct io_result *r = &job->res;
	u64 now = now_ns();
	bool again;
	int ret;

	pthread_mutex_lock(&job->lock);
	job->last_ns = now;
	if (res != (ssize_t)job->p->bs) {
		if (!r->error) {
			r->error = res < 0 ? res : -EIO;
			r->error_offset = req->offset;
		}
		job->stop = true;
	} else {
		io_hist_add(&r->hist[req->op == DISK_OP_WRITE ? IO_WRITE : IO_READ],
			    now - s->start_ns);
		if (job->done_map && job->phase == PHASE_VERIFY_WRITE)
			mark_written(job, req->offset / job->p->bs);
		if (job->phase == PHASE_VERIFY_READ) {
			s64 bad = pattern_check(s->buf, job->p->bs, req->offset, job->p->seed);

			if (bad >= 0 && (!r->mismatch || req->offset + bad < r->mismatch_offset)) {
				u8 want[8];
				u64 v = splitmix(((req->offset + bad) & ~7ULL) ^ (job->p->seed << 48));

				memcpy(want, &v, 8);
				r->mismatch = true;
				r->mismatch_offset = req->offset + bad;
				r->mismatch_want = want[(req->offset + bad) & 7];
				r->mismatch_got = s->buf[bad];
				job->stop = true;
			}
		}
	}
	if (job->progress && now >= job->next_progress_ns)
		print_progress(job, now);
	again = next_request(job, s, now);
	if (!again)
		finish_slot(job);
	pthread_mutex_unlock(&job->lock);
	if (again && (ret = disk_submit(job->disk, req))) {
		pthread_mutex_lock(&job->lock);
		if (!r->error) {
			r->error = ret;
			r->error_offset = req->offset;
		}
		job->stop = true;
		finish_slot(job);
		pthread_mutex_unlock(&job->lock);
	}
}

/* ---- running ---------------------------------------------------------- */

static void flush_done(struct disk_req *req, ssize_t res)
{
	struct io_job *job = container_of(req, struct io_job, flush_req);

	job->flush_res = res;
	sem_post(&job->flushed);
}

/* Record n in the --durable file, durably: one fixed-width line, in place. */
static int durable_record(struct io_job *job, u64 n)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "%-20llu\n", (unsigned long long)n);

	if (pwrite(job->durable_fd, line, len, 0) != len || fdatasync(job->durable_fd)) {
		pr_err("io: --durable %s: %s", job->p->durable, strerror(errno));
		return -1;
	}
	job->durable_logged = n;
	return 0;
}

/*
 * --durable: flush, then record the prefix that had completed before the
 * flush was issued. The flush is bounded like any request: a device that
 * never answers ends kite as in run_phase.
 */
static void durable_checkpoint(struct io_job *job)
{
	struct timespec ts;
	u64 n;
	int ret;

	pthread_mutex_lock(&job->lock);
	n = job->prefix;
	ret = job->res.error;
	pthread_mutex_unlock(&job->lock);
	if (n == job->durable_logged || ret)
		return;
	job->flush_req = (struct disk_req){ .op = DISK_OP_FLUSH, .done = flush_done };
	ret = disk_submit(job->disk, &job->flush_req);
	if (!ret) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += STALL_NS / 1000000000ULL;
		if (sem_timedwait(&job->flushed, &ts)) {
			pr_err("%s: a flush did not complete in %llu s; the device is stuck",
			       job->p->image, STALL_NS / 1000000000ULL);
			exit(1);
		}
		ret = job->flush_res;
	}
	if (ret < 0 || durable_record(job, n)) {
		pthread_mutex_lock(&job->lock);
		if (ret < 0 && !job->res.error) {
			job->res.error = ret;
			job->res.error_offset = 0;
		}
		job->stop = true;
		pthread_mutex_unlock(&job->lock);
	}
}

/*
 * --durable's own thread: checkpoints every DURABLE_PERIOD_NS until told
 * to stop. Not the main thread: with the sync engine that one spends the
 * whole phase inside the submission that drives it.
 */
static void *durable_main(void *arg)
{
	struct io_job *job = arg;
	struct timespec ts;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += DURABLE_PERIOD_NS;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (!sem_timedwait(&job->durable_stop, &ts))
			return NULL;
		durable_checkpoint(job);
	}
}

static int run_phase(struct io_job *job, enum io_phase phase)
{
	const struct io_params *p = job->p;
	struct disk_batch b;
	unsigned i, n = 0;
	u64 now = now_ns();
	int ret = 0;

	job->phase = phase;
	job->issued = 0;
	job->cursor = 0;
	job->limit = phase == PHASE_RUN ? (p->count ? p->count : ~0ULL)
					: (p->count ? MIN(p->count, job->nblocks) : job->nblocks);
	job->end_ns = phase == PHASE_RUN && !p->count ? now + (u64)(p->seconds * 1e9) : 0;
	job->last_ns = now;

	/* Prepare every slot first: callbacks may start before the batch is in. */
	pthread_mutex_lock(&job->lock);
	for (i = 0; i < p->depth; i++)
		if (next_request(job, &job->slots[i], now))
			n++;
	job->active = n;
	pthread_mutex_unlock(&job->lock);
	if (!n)
		return 0;

	disk_batch_init(&b);
	for (i = 0; i < n; i++) {
		ret = disk_batch_add(job->disk, &b, &job->slots[i].req);
		if (ret) {
			pr_err("%s: request refused: %s", p->image, strerror(-ret));
			pthread_mutex_lock(&job->lock);
			job->stop = true;
			job->active -= n - i;
			pthread_mutex_unlock(&job->lock);
			break;
		}
	}
	disk_batch_submit(job->disk, &b);
	if (!i)
		return ret;

	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!sem_timedwait(&job->finished, &ts))
			break;
		pthread_mutex_lock(&job->lock);
		if (interrupted)
			job->stop = true;
		now = now_ns();
		if (now - job->last_ns > STALL_NS) {
			pthread_mutex_unlock(&job->lock);
			pr_err("%s: no request completed in %llu s; the device is stuck",
			       p->image, STALL_NS / 1000000000ULL);
			exit(1);	/* cannot release memory the kernel still owns */
		}
		pthread_mutex_unlock(&job->lock);
	}
	return ret;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static const char *mode_name(const struct io_params *p)
{
	if (p->reads && p->writes)
		return p->random ? "randrw" : "rw";
	if (p->writes)
		return p->random ? "randwrite" : "write";
	return p->random ? "randread" : "read";
}

/* The job as it runs, for the report: the disk's cache and engine, after any fallback. */
static void result_init(struct io_job *job)
{
	const struct io_params *p = job->p;
	struct io_result *r = &job->res;

	r->image = p->image;
	r->mode = mode_name(p);
	r->verify = p->verify;
	r->direct = disk_direct(job->disk);
	r->engine = disk_engine_type(job->disk);
	r->bs = p->bs;
	r->size = job->nblocks * p->bs;
	r->depth = p->depth;
	r->mix = p->mix;
	r->time_s = p->count ? 0 : p->seconds;
	r->count = p->count;
	r->seed = p->seed;
}

/* --durable: the bitmap, and the file, recording 0 blocks to start with. */
static int durable_setup(struct io_job *job)
{
	job->done_map = calloc(job->nblocks / 8 + 1, 1);
	if (!job->done_map) {
		pr_err("io: --durable: out of memory for %llu blocks",
		       (unsigned long long)job->nblocks);
		return -1;
	}
	job->durable_fd = open(job->p->durable, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (job->durable_fd < 0) {
		pr_err("io: --durable %s: %s", job->p->durable, strerror(errno));
		return -1;
	}
	job->durable_logged = ~0ULL;
	return durable_record(job, 0);
}

/* The job's image, geometry and slots; false (reported) on bad input. */
static bool job_setup(struct io_job *job, const struct io_params *p)
{
	struct disk_opts o = { .readonly = p->readonly || !p->writes, .direct = p->direct,
			       .direct_default = p->direct_default,
			       .engine_default = p->engine_default,
			       .engine = p->engine, .depth = p->depth };
	char err[512] = "";
	unsigned i;

	job->p = p;
	if (disk_open(p->image, &o, &job->disk, err, sizeof(err))) {
		pr_err("%s", err);
		return false;
	}
	if (disk_note(job->disk))
		pr_info("%s: %s", p->image, disk_note(job->disk));
	if (disk_direct(job->disk) && p->bs % disk_block_size(job->disk)) {
		pr_err("%s: --bs %llu is not a multiple of the image's %u-byte logical block size, which cache=none (O_DIRECT) needs; use --cache writeback or another --bs",
		       p->image, (unsigned long long)p->bs, disk_block_size(job->disk));
		return false;
	}
	job->nblocks = MIN(p->size ? p->size : disk_size(job->disk), disk_size(job->disk)) / p->bs;
	if (!job->nblocks) {
		pr_err("%s: the image (%llu bytes) is smaller than one block of %llu bytes",
		       p->image, (unsigned long long)disk_size(job->disk), (unsigned long long)p->bs);
		return false;
	}
	/* An odd stride coprime with nblocks visits every block once (verify). */
	for (job->stride = 0x9E3779B1ULL % job->nblocks | 1;
	     gcd(job->stride, job->nblocks) != 1; job->stride += 2)
		;
	job->slots = calloc(p->depth, sizeof(*job->slots));
	if (!job->slots) {
		pr_err("out of memory for %u request slots", p->depth);
		return false;
	}
	for (i = 0; i < p->depth; i++) {
		job->slots[i].job = job;
		job->slots[i].req.done = io_done;
		if (posix_memalign((void **)&job->slots[i].buf, 4096, p->bs)) {
			pr_err("out of memory for %u buffers of %llu bytes", p->depth,
			       (unsigned long long)p->bs);
			return false;
		}
		/* Plain writes carry a pattern too: realistic, and not all zeros. */
		pattern_fill(job->slots[i].buf, p->bs, i * p->bs, p->seed);
	}
	if (p->durable && durable_setup(job))
		return false;
	result_init(job);
	job->rng = p->seed * 0x9E3779B97F4A7C15ULL | 1;
	job->progress = isatty(STDERR_FILENO);
	return true;
}

static void job_teardown(struct io_job *job)
{
	unsigned i;

	for (i = 0; job->slots && i < job->p->depth; i++)
		free(job->slots[i].buf);
	free(job->slots);
	free(job->done_map);
	if (job->durable_fd >= 0)
		close(job->durable_fd);
	disk_close(job->disk);
}

/* --durable's thread, for the write phase; without --durable nothing. */
static int durable_start(struct io_job *job)
{
	int ret;

	if (!job->done_map)
		return 0;
	ret = pthread_create(&job->durable_thread, NULL, durable_main, job);
	if (ret) {
		pr_err("io: --durable: cannot start its thread: %s", strerror(ret));
		job->res.error = -ret;
	}
	return ret;
}

static void durable_stop(struct io_job *job)
{
	if (!job->done_map)
		return;
	sem_post(&job->durable_stop);
	pthread_join(job->durable_thread, NULL);
}

/* Run the workload, or --verify's write then read pass, to the end. */
static void job_run(struct io_job *job)
{
	const struct io_params *p = job->p;
	u64 t;

	job->start_ns = now_ns();
	job->next_progress_ns = job->start_ns + 1000000000ULL;
	if (!p->verify) {
		run_phase(job, PHASE_RUN);
		disk_wait(job->disk);
		return;
	}
	t = now_ns();
	if (p->writes && durable_start(job) == 0) {
		run_phase(job, PHASE_VERIFY_WRITE);
		durable_stop(job);
	}
	disk_wait(job->disk);
	if (job->done_map)
		durable_checkpoint(job);
	job->res.dir_secs[IO_WRITE] = (now_ns() - t) / 1e9;
	t = now_ns();
	if (!job->stop && !interrupted)
		run_phase(job, PHASE_VERIFY_READ);
	disk_wait(job->disk);
	job->res.dir_secs[IO_READ] = (now_ns() - t) / 1e9;
}

/* Print the figures (text or JSON on stdout) and what went wrong (stderr); the exit status. */
static int job_report(struct io_job *job, double secs, double cpu)
{
	const struct io_params *p = job->p;
	struct io_result *r = &job->res;

	r->secs = secs;
	r->cpu_secs = cpu;
	r->interrupted = interrupted;
	r->status = interrupted ? 130 : r->error || r->mismatch ? 1 : 0;
	if (job->progress && secs > 1)
		fprintf(stderr, "\r\033[K");
	if (p->json)
		io_report_json(stdout, r);
	else
		io_report_text(stdout, r);
	fflush(stdout);
	if (r->error)
		pr_err("%s: I/O error at offset %llu: %s", p->image,
		       (unsigned long long)r->error_offset, strerror(-r->error));
	if (r->mismatch)
		pr_err("%s: verify: first mismatch at offset %llu (0x%llx): expected 0x%02x, read 0x%02x",
		       p->image, (unsigned long long)r->mismatch_offset,
		       (unsigned long long)r->mismatch_offset, r->mismatch_want, r->mismatch_got);
	return r->status;
}

static int run(const struct io_params *p)
{
	struct io_job *job = calloc(1, sizeof(*job));
	double t0, cpu0;
	int ret = 1;

	if (!job)
		return 1;
	pthread_mutex_init(&job->lock, NULL);
	sem_init(&job->finished, 0, 0);
	sem_init(&job->flushed, 0, 0);
	sem_init(&job->durable_stop, 0, 0);
	job->durable_fd = -1;
	if (job_setup(job, p)) {
		t0 = now_ns() / 1e9;
		cpu0 = cpu_seconds();
		job_run(job);
		ret = job_report(job, now_ns() / 1e9 - t0, cpu_seconds() - cpu0);
	}
	job_teardown(job);
	sem_destroy(&job->finished);
	sem_destroy(&job->flushed);
	sem_destroy(&job->durable_stop);
	pthread_mutex_destroy(&job->lock);
	free(job);
	return ret;
}

/* ---- options ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: kite io [options] IMAGE\n"
"\n"
"Exercise a raw image or block device through kite's disk layer, with no\n"
"guest, and print IOPS, MiB/s and latency percentiles.\n"
"\n"
"  -w, --rw MODE       read, write, randread, randwrite, rw or randrw\n"
"                      (sequential/random; rw = mixed) [randread]\n"
"  -M, --mix PCT       reads as a percentage of a mixed workload [50]\n"
"  -b, --bs SIZE       bytes per request, e.g. 4K, 1M [4K]\n"
"  -q, --depth N       requests in flight (queue depth), 1..%d [32]\n"
"  -e, --engine NAME   aio, uring or sync [aio]\n"
"  -c, --cache MODE    none (O_DIRECT) or writeback (page cache) [none; where\n"
"                      the file system refuses O_DIRECT: writeback, and\n"
"                      engine uring (sync without io_uring) unless named]\n"
"  -t, --time SECS     run for this long [5]\n"
"  -n, --count N       stop after N requests instead of after a time\n"
"  -s, --size SIZE     use only the first SIZE bytes of the image [all]\n"
"  -r, --ro            open the image read-only (write modes are refused)\n"
"  -V, --verify        write a pattern over the image (or --size, or --count\n"
"                      blocks), read it back and report the first mismatch;\n"
"                      with a read mode, only check what an earlier\n"
"                      --verify run with the same --seed wrote\n"
"  -S, --seed N        seed for random offsets and the pattern [1]\n"
"  -D, --durable FILE  with --verify --rw write: flush every 10 ms and\n"
"                      keep in FILE how many blocks from the start are\n"
"                      durable; after a crash, --rw read --verify --count N\n"
"                      checks them\n"
"      --output FMT    text, or json: one JSON document on stdout (fields\n"
"                      as fio's: read.iops, read.lat_ns.percentile...) [text]\n"
"      --json          the same as --output json\n"
"  -h, --help          this text\n"
"\n"
"Read modes open the image read-only (shared); write modes open it for\n"
"writing, which fails if another process has it open. Ctrl-C stops a run\n"
"early and still prints the figures.\n", IO_MAX_DEPTH);
}

static int parse_mode(const char *s, struct io_params *p)
{
	static const struct { const char *name; bool random, reads, writes; } modes[] = {
		{ "read", false, true, false },		{ "randread", true, true, false },
		{ "write", false, false, true },	{ "randwrite", true, false, true },
		{ "rw", false, true, true },		{ "randrw", true, true, true },
		{ "readwrite", false, true, true },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!strcmp(s, modes[i].name)) {
			p->random = modes[i].random;
			p->reads = modes[i].reads;
			p->writes = modes[i].writes;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_uint(const char *s, u64 max, u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cmd_io(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rw", required_argument, NULL, 'w' },
		{ "mix", required_argument, NULL, 'M' },
		{ "bs", required_argument, NULL, 'b' },
		{ "depth", required_argument, NULL, 'q' },
		{ "iodepth", required_argument, NULL, 'q' },
		{ "engine", required_argument, NULL, 'e' },
		{ "cache", required_argument, NULL, 'c' },
		{ "time", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "ro", no_argument, NULL, 'r' },
		{ "verify", no_argument, NULL, 'V' },
		{ "seed", required_argument, NULL, 'S' },
		{ "durable", required_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct io_params p = { .random = true, .reads = true, .mix = 50, .bs = 4096,
			       .depth = 32, .engine = DISK_ENGINE_AIO, .direct = true,
			       .direct_default = true, .engine_default = true,
			       .seconds = 5, .seed = 1 };
	struct sigaction sa = { .sa_handler = on_sigint };
	bool timed = false;
	u64 v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:M:b:q:e:c:t:n:s:rVS:D:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (parse_mode(optarg, &p)) {
				pr_err("io: --rw '%s': use read, write, randread, randwrite, rw or randrw",
				       optarg);
				return 1;
			}
			break;
		case 'M':
			if (parse_uint(optarg, 100, &v)) {
				pr_err("io: --mix '%s': a percentage of reads, 0..100", optarg);
				return 1;
			}
			p.mix = v;
			break;
		case 'b':
			if (parse_size(optarg, &p.bs) || !p.bs || p.bs > IO_MAX_BS) {
				pr_err("io: --bs '%s': a size from 1 byte to 64M, e.g. 4K", optarg);
				return 1;
			}
			break;
		case 'q':
			if (parse_uint(optarg, IO_MAX_DEPTH, &v) || !v) {
				pr_err("io: --depth '%s': 1..%d", optarg, IO_MAX_DEPTH);
				return 1;
			}
			p.depth = v;
			break;
		case 'e':
			if (disk_parse_engine(optarg, &p.engine)) {
				pr_err("io: --engine '%s': use aio, uring or sync", optarg);
				return 1;
			}
			p.engine_default = false;
			break;
		case 'c':
			if (!strcmp(optarg, "none") || !strcmp(optarg, "direct")) {
				p.direct = true;
			} else if (!strcmp(optarg, "writeback")) {
				p.direct = false;
			} else {
				pr_err("io: --cache '%s': use none or writeback", optarg);
				return 1;
			}
			p.direct_default = false;
			break;
		case 't': {
			char *end;

			p.seconds = strtod(optarg, &end);
			if (*end || !(p.seconds > 0) || p.seconds > 1e6) {
				pr_err("io: --time '%s': seconds, more than 0", optarg);
				return 1;
			}
			timed = true;
			break;
		}
		case 'n':
			if (parse_uint(optarg, ~0ULL >> 1, &p.count) || !p.count) {
				pr_err("io: --count '%s': a number of requests, at least 1", optarg);
				return 1;
			}
			break;
		case 's':
			if (parse_size(optarg, &p.size) || !p.size) {
				pr_err("io: --size '%s': a size such as 512M", optarg);
				return 1;
			}
			break;
		case 'r':
			p.readonly = true;
			break;
		case 'V':
			p.verify = true;
			break;
		case 'S':
			if (parse_uint(optarg, 0xFFFF, &p.seed)) {
				pr_err("io: --seed '%s': 0..65535", optarg);
				return 1;
			}
			break;
		case 'D':
			p.durable = optarg;
			break;
		case 'O':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				pr_err("io: --output '%s': use text or json", optarg);
				return 1;
			}
			p.json = !strcmp(optarg, "json");
			break;
		case 'J':
			p.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "kite: error: io: bad option (see kite io --help)\n");
			return 1;
		}
	}
	if (optind >= argc) {
		pr_err("io: no image given (kite io [options] IMAGE; see kite io --help)");
		return 1;
	}
	if (optind != argc - 1) {
		pr_err("io: one image only (got '%s' too)", argv[optind + 1]);
		return 1;
	}
	p.image = argv[optind];
	if (timed && p.count) {
		pr_err("io: give --time or --count, not both");
		return 1;
	}
	if (p.readonly && p.writes) {
		pr_err("io: %s: --ro with a write workload (--rw %s); drop --ro or use a read mode",
		       p.image, mode_name(&p));
		return 1;
	}
	if (p.verify && (p.bs % 8)) {
		pr_err("io: --verify needs --bs to be a multiple of 8 bytes");
		return 1;
	}
	if (p.durable && (!p.verify || p.random || p.reads || !p.writes)) {
		pr_err("io: --durable needs --verify with --rw write (it records how many blocks from the start are durable)");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	return run(&p);
}
