/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kite io`'s figures: the latency histogram its callbacks fill, and the
 * report of a finished run, as text for people or as one JSON document
 * for scripts (--output json). Both reports print the figures of one
 * struct io_result worked out by io_figures(), so they cannot disagree.
 * Not for users of include/disk.h.
 */
#ifndef KITE_DISK_IO_REPORT_H
#define KITE_DISK_IO_REPORT_H

#include <stdio.h>

#include "disk.h"

/* Latency histogram: log-linear, 32 steps per power of two (~3%). */
#define IO_HIST_SUB	5
#define IO_HIST_BUCKETS	(64 << IO_HIST_SUB)

struct io_hist {
	u64 count[IO_HIST_BUCKETS];
	u64 n;
	u64 min, max, sum;		/* ns, exact */
};

void io_hist_add(struct io_hist *h, u64 ns);
/* The p-th percentile (0 < p <= 100), to ~3%; 0 for an empty histogram. */
u64 io_hist_percentile(const struct io_hist *h, double p);

enum io_dir { IO_READ, IO_WRITE, IO_TOTAL };

/* What a run was and what came of it. */
struct io_result {
	/* The job as it ran: cache and engine after any fallback. */
	const char *image;
	const char *mode;		/* "randread", ... (fio's --rw names) */
	bool verify, direct;
	enum disk_engine engine;
	u64 bs, size;			/* size: the bytes the run covers */
	unsigned depth, mix;		/* mix: % reads of a mixed mode */
	double time_s;			/* the --time asked for; 0 with --count */
	u64 count, seed;

	/* Filled while it runs. */
	struct io_hist hist[2];		/* [IO_READ], [IO_WRITE] */
	int error;			/* -errno of the first failed request */
	u64 error_offset;
	bool mismatch;			/* --verify read back something else */
	u64 mismatch_offset;
	u8 mismatch_want, mismatch_got;

	/* At the end. */
	double secs, cpu_secs;		/* wall and CPU time of the whole run */
	double dir_secs[2];		/* --verify: each pass's own time */
	bool interrupted;
	int status;			/* kite io's exit status */
};

/* The percentiles both reports give; the text shows the last three. */
#define IO_NR_PCT	4
extern const double io_pct[IO_NR_PCT];	/* 50, 90, 99, 99.9 */

struct io_figures {
	u64 ops, bytes;
	double secs;			/* the time the rates are over */
	double iops, bw;		/* bw in bytes/s */
	/* ns; IO_TOTAL and a direction without requests have none (ops 0). */
	u64 lat_min, lat_max, lat_pct[IO_NR_PCT];
	double lat_mean;
};

void io_figures(const struct io_result *r, enum io_dir dir, struct io_figures *f);

/* "none" or "writeback". */
const char *io_cache_name(bool direct);

void io_report_text(FILE *f, const struct io_result *r);
void io_report_json(FILE *f, const struct io_result *r);

#endif
