// SPDX-License-Identifier: GPL-2.0
/*
 * `kite io`'s latency histogram and reports; see io-report.h.
 *
 * The JSON document (README, "kite io": use from scripts) names its
 * fields as fio's JSON output does where they mean the same (read.iops,
 * read.bw_bytes, read.io_bytes, read.total_ios, read.lat_ns.percentile
 * with keys such as "99.900000"), so a script that reads fio's adapts by
 * dropping fio's jobs[0]. kite times a request from submission to
 * completion: that is fio's lat_ns (not clat_ns).
 */
#include <string.h>

#include "io-report.h"
#include "json.h"
#include "kite.h"

const double io_pct[IO_NR_PCT] = { 50, 90, 99, 99.9 };

static unsigned hist_index(u64 v)
{
	unsigned msb, e;

	if (v < (2u << IO_HIST_SUB))
		return v;
	msb = 63 - __builtin_clzll(v);
	e = msb - IO_HIST_SUB;
	return MIN((e << IO_HIST_SUB) + (unsigned)(v >> e), IO_HIST_BUCKETS - 1u);
}

static u64 hist_value(unsigned idx)
{
	unsigned e, m;

	if (idx < (2u << IO_HIST_SUB))
		return idx;
	e = (idx >> IO_HIST_SUB) - 1;
	m = (idx & ((1u << IO_HIST_SUB) - 1)) | (1u << IO_HIST_SUB);
	return ((u64)m << e) + ((1ULL << e) >> 1);
}

void io_hist_add(struct io_hist *h, u64 ns)
{
	h->count[hist_index(ns)]++;
	if (!h->n || ns < h->min)
		h->min = ns;
	h->max = MAX(h->max, ns);
	h->sum += ns;
	h->n++;
}

u64 io_hist_percentile(const struct io_hist *h, double p)
{
	double exact = p / 100.0 * h->n;
	u64 want = (u64)exact, seen = 0;
	unsigned i;

	if (want < exact)
		want++;
	for (i = 0; i < IO_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want && seen)
			/* A bucket's middle, but never outside what was seen. */
			return MIN(MAX(hist_value(i), h->min), h->max);
	}
	return 0;
}

void io_figures(const struct io_result *r, enum io_dir dir, struct io_figures *f)
{
	const struct io_hist *h = dir == IO_TOTAL ? NULL : &r->hist[dir];
	unsigned i;

	memset(f, 0, sizeof(*f));
	f->ops = h ? h->n : r->hist[IO_READ].n + r->hist[IO_WRITE].n;
	f->bytes = f->ops * r->bs;
	/* A verify run's passes each get their own time. */
	f->secs = h && r->verify ? r->dir_secs[dir] : r->secs;
	if (f->secs > 0) {
		f->iops = f->ops / f->secs;
		f->bw = f->bytes / f->secs;
	}
	if (!h || !h->n)
		return;
	f->lat_min = h->min;
	f->lat_max = h->max;
	f->lat_mean = (double)h->sum / h->n;
	for (i = 0; i < IO_NR_PCT; i++)
		f->lat_pct[i] = io_hist_percentile(h, io_pct[i]);
}

const char *io_cache_name(bool direct)
{
	return direct ? "none" : "writeback";
}

/* ---- text -------------------------------------------------------------- */

static void text_line(FILE *f, const char *what, const struct io_result *r, enum io_dir dir)
{
	struct io_figures fig;

	io_figures(r, dir, &fig);
	if (!fig.ops)
		return;
	fprintf(f, "  %-6s %10llu ops %10.0f IOPS %9.1f MiB/s   lat p50 %.1f us  p99 %.1f us  p99.9 %.1f us\n",
		what, (unsigned long long)fig.ops, fig.iops, fig.bw / MiB,
		fig.lat_pct[0] / 1e3, fig.lat_pct[2] / 1e3, fig.lat_pct[3] / 1e3);
}

void io_report_text(FILE *f, const struct io_result *r)
{
	struct io_figures t;

	io_figures(r, IO_TOTAL, &t);
	fprintf(f, "kite io: %s%s, bs %llu, depth %u, engine %s, cache=%s, %llu MiB: %.2f s\n",
		r->mode, r->verify ? " --verify" : "", (unsigned long long)r->bs, r->depth,
		disk_engine_name(r->engine), io_cache_name(r->direct),
		(unsigned long long)(r->size / MiB), r->secs);
	text_line(f, "read", r, IO_READ);
	text_line(f, "write", r, IO_WRITE);
	fprintf(f, "  total  %10llu ops %10.0f IOPS %9.1f MiB/s   cpu %.2f us/op (%.2f s)\n",
		(unsigned long long)t.ops, t.iops, t.bw / MiB,
		t.ops ? r->cpu_secs / t.ops * 1e6 : 0.0, r->cpu_secs);
	if (r->verify && !r->mismatch && !r->error && !r->interrupted)
		fprintf(f, "  verify: %llu blocks match\n", (unsigned long long)r->hist[IO_READ].n);
}

/* ---- JSON -------------------------------------------------------------- */

static void json_dir(struct json *j, const char *key, const struct io_result *r, enum io_dir dir)
{
	struct io_figures fig;
	unsigned i;

	io_figures(r, dir, &fig);
	json_object_open(j, key);
	json_u64(j, "total_ios", fig.ops);
	json_u64(j, "io_bytes", fig.bytes);
	json_u64(j, "runtime_ns", (u64)(fig.secs * 1e9 + 0.5));
	json_num(j, "iops", fig.iops);
	json_num(j, "bw_bytes", fig.bw);
	if (dir != IO_TOTAL) {
		json_object_open(j, "lat_ns");
		json_u64_or_null(j, "min", fig.ops, fig.lat_min);
		json_num_or_null(j, "mean", fig.ops, fig.lat_mean);
		json_u64_or_null(j, "max", fig.ops, fig.lat_max);
		json_object_open(j, "percentile");
		for (i = 0; i < IO_NR_PCT; i++) {
			char k[16];

			snprintf(k, sizeof(k), "%f", io_pct[i]);	/* fio's "99.900000" */
			json_u64_or_null(j, k, fig.ops, fig.lat_pct[i]);
		}
		json_object_close(j);
		json_object_close(j);
	}
	json_object_close(j);
}

static const char *verify_result(const struct io_result *r)
{
	if (!r->verify)
		return "off";
	if (r->mismatch)
		return "mismatch";
	if (r->error || r->interrupted)
		return "incomplete";
	return "match";
}

void io_report_json(FILE *f, const struct io_result *r)
{
	struct io_figures t;
	struct json j;

	io_figures(r, IO_TOTAL, &t);
	json_init(&j, f, true);
	json_object_open(&j, NULL);
	json_str(&j, "kite_version", kite_version);

	json_object_open(&j, "job");
	json_str(&j, "image", r->image);
	json_str(&j, "mode", r->mode);
	json_u64(&j, "bs", r->bs);
	json_u64(&j, "depth", r->depth);
	json_str(&j, "engine", disk_engine_name(r->engine));
	json_str(&j, "cache", io_cache_name(r->direct));
	json_u64(&j, "size", r->size);
	json_num_or_null(&j, "time_s", r->time_s > 0, r->time_s);
	json_u64_or_null(&j, "count", r->count, r->count);
	json_u64(&j, "rwmixread", r->mix);
	json_u64(&j, "seed", r->seed);
	json_bool(&j, "verify", r->verify);
	json_object_close(&j);

	json_u64(&j, "runtime_ns", (u64)(r->secs * 1e9 + 0.5));
	json_dir(&j, "read", r, IO_READ);
	json_dir(&j, "write", r, IO_WRITE);
	json_dir(&j, "total", r, IO_TOTAL);

	json_object_open(&j, "cpu");
	json_num(&j, "seconds", r->cpu_secs);
	json_num(&j, "ns_per_op", t.ops ? r->cpu_secs * 1e9 / t.ops : 0.0);
	json_object_close(&j);

	json_object_open(&j, "verify");
	json_str(&j, "result", verify_result(r));
	json_u64(&j, "blocks", r->verify ? r->hist[IO_READ].n : 0);
	if (r->mismatch) {
		json_object_open(&j, "first_mismatch");
		json_u64(&j, "offset", r->mismatch_offset);
		json_u64(&j, "expected", r->mismatch_want);
		json_u64(&j, "read", r->mismatch_got);
		json_object_close(&j);
	} else {
		json_null(&j, "first_mismatch");
	}
	json_object_close(&j);

	if (r->error) {
		json_object_open(&j, "error");
		json_s64(&j, "errno", -r->error);
		json_str(&j, "message", strerror(-r->error));
		json_u64(&j, "offset", r->error_offset);
		json_object_close(&j);
	} else {
		json_null(&j, "error");
	}
	json_bool(&j, "interrupted", r->interrupted);
	json_s64(&j, "status", r->status);
	json_object_close(&j);
	json_end(&j);
}
