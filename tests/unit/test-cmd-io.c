// SPDX-License-Identifier: GPL-2.0
/*
 * `kite io` as a user runs it: workloads on every engine, --verify round
 * trips across processes (and catching a corrupted byte), and clear
 * one-line errors for bad input: a missing image, an unaligned O_DIRECT
 * block size, a read-only image with a write workload, a locked image.
 * --output json: the document against its schema, its figures consistent
 * with each other and with the text report of the same result; and the
 * page-cache fallback where the file system refuses O_DIRECT.
 */
#include <math.h>
#include <stdarg.h>
#include <sys/mount.h>

#include "io-report.h"
#include "disk-test.h"
#include "kite.h"
#include "tjson.h"

/* kite io [--output json] a0 ap... (up to NULL) */
static int vkite_io(struct test_proc *pr, bool json, const char *a0, va_list ap)
{
	char *argv[32];
	const char *a;
	int n = 0;

	argv[n++] = (char *)test_kite_path();
	argv[n++] = "io";
	if (json) {
		argv[n++] = "--output";
		argv[n++] = "json";
	}
	for (a = a0; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return test_spawn(argv, NULL, 60000, pr);
}

static int kite_io(struct test_proc *pr, const char *a0, ...)
{
	va_list ap;
	int st;

	va_start(ap, a0);
	st = vkite_io(pr, false, a0, ap);
	va_end(ap);
	return st;
}

START_TEST(test_help)
{
	struct test_proc pr;

	ck_assert_int_eq(kite_io(&pr, "--help", NULL), 0);
	for (const char *o = "--rw\0--bs\0--depth\0--engine\0--cache\0--time\0--count\0--verify\0"
			     "--output\0--json\0";
	     *o; o += strlen(o) + 1)
		ck_assert_msg(strstr(pr.out, o), "--help lacks %s", o);
	test_proc_free(&pr);
}
END_TEST

START_TEST(test_bad_input)
{
	char *img = make_image("bad.img", 1 * MiB, 1);
	char *missing = test_tmp_path("nope.img");
	char *nodir = test_tmp_path("no-such-dir/durable.log");
	struct test_proc pr;

	kite_io(&pr, missing, NULL);
	test_assert_one_line_error(&pr, "No such file");
	test_proc_free(&pr);
	kite_io(&pr, "-b", "1000", img, NULL);		/* cache=none by default */
	test_assert_one_line_error(&pr, "logical block size");
	test_proc_free(&pr);
	kite_io(&pr, "--ro", "-w", "randwrite", img, NULL);
	test_assert_one_line_error(&pr, "--ro");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "sideways", img, NULL);
	test_assert_one_line_error(&pr, "--rw");
	test_proc_free(&pr);
	kite_io(&pr, "-q", "0", img, NULL);
	test_assert_one_line_error(&pr, "--depth");
	test_proc_free(&pr);
	kite_io(&pr, "-t", "1", "-n", "5", img, NULL);
	test_assert_one_line_error(&pr, "not both");
	test_proc_free(&pr);
	kite_io(&pr, "-e", "posix", img, NULL);
	test_assert_one_line_error(&pr, "--engine");
	test_proc_free(&pr);
	kite_io(&pr, NULL);
	test_assert_one_line_error(&pr, "no image");
	test_proc_free(&pr);
	kite_io(&pr, "-b", "2M", img, NULL);
	test_assert_one_line_error(&pr, "smaller than one block");
	test_proc_free(&pr);
	kite_io(&pr, "--output", "xml", img, NULL);
	test_assert_one_line_error(&pr, "--output 'xml'");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "write", "--durable", "log", img, NULL);	/* no --verify */
	test_assert_one_line_error(&pr, "--durable needs --verify");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "randwrite", "-V", "--durable", "log", img, NULL);
	test_assert_one_line_error(&pr, "--durable needs --verify");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "write", "-V", "--durable", nodir, img, NULL);
	test_assert_one_line_error(&pr, "--durable");
	test_proc_free(&pr);
	free(img);
	free(missing);
	free(nodir);
}
END_TEST

/* An image held by a writer: kite io neither writes nor reads it. */
START_TEST(test_locked)
{
	char *img = make_image("locked.img", 1 * MiB, 2);
	struct disk_opts o = { .engine = DISK_ENGINE_SYNC };
	struct disk *d = open_ok(img, &o);
	struct test_proc pr;

	kite_io(&pr, "-w", "randwrite", "-n", "10", img, NULL);
	test_assert_one_line_error(&pr, "locked");
	test_proc_free(&pr);
	kite_io(&pr, "-w", "read", "-n", "10", img, NULL);
	test_assert_one_line_error(&pr, "locked");
	test_proc_free(&pr);
	disk_close(d);
	ck_assert_int_eq(kite_io(&pr, "-w", "randwrite", "-n", "10", img, NULL), 0);
	test_proc_free(&pr);
	free(img);
}
END_TEST

/* An image the kernel will not let us write (a read-only mount). */
START_TEST(test_readonly_image)
{
	char *mnt = test_tmp_path("romnt"), *img;
	struct test_proc pr;
	int fd, rw, ro;

	if (geteuid() != 0) {
		/* Not root: file permissions are enough. */
		img = make_image("ro.img", 1 * MiB, 3);
		ck_assert_int_eq(chmod(img, 0444), 0);
	} else {
		ck_assert_int_eq(mkdir(mnt, 0700), 0);
		ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=4m"), 0);
		ck_assert_int_gt(asprintf(&img, "%s/ro.img", mnt), 0);
		fd = open(img, O_RDWR | O_CREAT, 0644);
		ck_assert_int_eq(ftruncate(fd, 1 * MiB), 0);
		close(fd);
		ck_assert_int_eq(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	}
	rw = kite_io(&pr, "-w", "write", "-c", "writeback", "-n", "10", img, NULL);
	if (rw == 1 && strstr(pr.err, "cannot open for writing"))
		rw = 100;
	test_proc_free(&pr);
	ro = kite_io(&pr, "-w", "read", "-c", "writeback", "-n", "10", img, NULL);
	test_proc_free(&pr);
	if (geteuid() == 0)
		umount2(mnt, MNT_DETACH);
	ck_assert_int_eq(rw, 100);
	ck_assert_int_eq(ro, 0);
	free(img);
	free(mnt);
}
END_TEST

static const char *engine_arg[] = { "sync", "aio", "uring" };

/* A mixed workload on each engine and cache mode runs and reports. */
START_TEST(test_workload)
{
	char *img = make_image("work.img", 4 * MiB, 4);
	struct test_proc pr;
	int st;

	st = kite_io(&pr, "-w", "randrw", "-n", "3000", "-q", "8", "-e", engine_arg[_i % 3],
		     "-c", _i >= 3 ? "none" : "writeback", img, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	ck_assert_ptr_nonnull(strstr(pr.out, "read "));
	ck_assert_ptr_nonnull(strstr(pr.out, "write "));
	ck_assert_ptr_nonnull(strstr(pr.out, "IOPS"));
	ck_assert_ptr_nonnull(strstr(pr.out, "p99.9"));
	ck_assert_ptr_nonnull(strstr(pr.out, " 3000 ops"));
	ck_assert_str_eq(pr.err, "");
	test_proc_free(&pr);
	free(img);
}
END_TEST

/*
 * --verify writes a pattern (random order), a second process reads it back
 * (nothing lost across close), and a byte changed behind kite's back is
 * reported with its offset.
 */
START_TEST(test_verify)
{
	char *img = make_image("verify.img", 8 * MiB, 5);
	const char *e = engine_arg[_i % 3], *cache = _i >= 3 ? "none" : "writeback";
	struct test_proc pr;
	char want[64];
	int st, fd;

	st = kite_io(&pr, "-w", "randwrite", "-V", "-q", "16", "-e", e, "-c", cache, "-S", "9",
		     img, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	ck_assert_ptr_nonnull(strstr(pr.out, "verify: 2048 blocks match"));
	test_proc_free(&pr);
	st = kite_io(&pr, "-w", "read", "-V", "-e", e, "-c", cache, "-S", "9", img, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	ck_assert_ptr_nonnull(strstr(pr.out, "verify: 2048 blocks match"));
	test_proc_free(&pr);

	/* Another seed is another pattern: caught at the first byte. */
	kite_io(&pr, "-w", "read", "-V", "-e", e, "-c", cache, "-S", "10", img, NULL);
	test_assert_one_line_error(&pr, "first mismatch at offset");
	test_proc_free(&pr);

	fd = open(img, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "\xA5\x5A", 2, 5 * MiB + 77), 2);
	close(fd);
	kite_io(&pr, "-w", "read", "-V", "-e", e, "-c", cache, "-S", "9", img, NULL);
	snprintf(want, sizeof(want), "first mismatch at offset %llu ", 5 * MiB + 77);
	test_assert_one_line_error(&pr, want);
	test_proc_free(&pr);
	free(img);
}
END_TEST

/*
 * --durable: a run that ends records every block, on every engine and
 * cache mode, and the read-back of that many passes; with --count, the
 * count. (Killed runs: tests/io/durable-kill.sh.)
 */
START_TEST(test_durable_record)
{
	char *img = make_image("durable.img", 4 * MiB, 0);
	char *log = test_tmp_path("durable.log");
	const char *e = engine_arg[_i % 3], *cache = _i >= 3 ? "none" : "writeback";
	const char *count = _i % 2 ? "700" : NULL;
	struct test_proc pr;
	char line[64] = "";
	FILE *f;
	int st;

	st = kite_io(&pr, "-w", "write", "-V", "-e", e, "-c", cache, "--durable", log,
		     count ? "-n" : img, count ? count : NULL, count ? img : NULL, NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, pr.err);
	test_proc_free(&pr);
	f = fopen(log, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_uint_eq(strtoull(line, NULL, 10), count ? 700 : 1024);
	ck_assert_uint_eq(strlen(line), 21);	/* fixed width, rewritten in place */
	free(img);
	free(log);
}
END_TEST

/* ---- --output json ------------------------------------------------------ */

#define DIR_FIELDS(d)								\
	{ d, JV_OBJ }, { d "/total_ios", JV_NUM }, { d "/io_bytes", JV_NUM },	\
	{ d "/runtime_ns", JV_NUM }, { d "/iops", JV_NUM }, { d "/bw_bytes", JV_NUM }
#define LAT_FIELDS(d)								\
	{ d "/lat_ns", JV_OBJ }, { d "/lat_ns/min", JV_NUM | JV_NULL },		\
	{ d "/lat_ns/mean", JV_NUM | JV_NULL }, { d "/lat_ns/max", JV_NUM | JV_NULL }, \
	{ d "/lat_ns/percentile", JV_OBJ },					\
	{ d "/lat_ns/percentile/50.000000", JV_NUM | JV_NULL },			\
	{ d "/lat_ns/percentile/90.000000", JV_NUM | JV_NULL },			\
	{ d "/lat_ns/percentile/99.000000", JV_NUM | JV_NULL },			\
	{ d "/lat_ns/percentile/99.900000", JV_NUM | JV_NULL }

/* What README promises scripts, every field: nothing missing, nothing unlisted. */
static const struct jv_field io_schema[] = {
	{ "kite_version", JV_STR }, { "job", JV_OBJ }, { "job/image", JV_STR }, { "job/mode", JV_STR },
	{ "job/bs", JV_NUM }, { "job/depth", JV_NUM }, { "job/engine", JV_STR },
	{ "job/cache", JV_STR }, { "job/size", JV_NUM }, { "job/time_s", JV_NUM | JV_NULL },
	{ "job/count", JV_NUM | JV_NULL }, { "job/rwmixread", JV_NUM }, { "job/seed", JV_NUM },
	{ "job/verify", JV_BOOL },
	{ "runtime_ns", JV_NUM },
	DIR_FIELDS("read"), LAT_FIELDS("read"),
	DIR_FIELDS("write"), LAT_FIELDS("write"),
	DIR_FIELDS("total"),
	{ "cpu", JV_OBJ }, { "cpu/seconds", JV_NUM }, { "cpu/ns_per_op", JV_NUM },
	{ "verify", JV_OBJ }, { "verify/result", JV_STR }, { "verify/blocks", JV_NUM },
	{ "verify/first_mismatch", JV_OBJ | JV_NULL }, { "verify/first_mismatch/offset", JV_NUM },
	{ "verify/first_mismatch/expected", JV_NUM }, { "verify/first_mismatch/read", JV_NUM },
	{ "error", JV_OBJ | JV_NULL }, { "error/errno", JV_NUM }, { "error/message", JV_STR },
	{ "error/offset", JV_NUM },
	{ "interrupted", JV_BOOL }, { "status", JV_NUM },
};

static const char *const pct_key[] = { "50.000000", "90.000000", "99.000000", "99.900000" };

static bool near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-9;
}

/*
 * One direction's figures agree with each other: bytes are ops * bs, IOPS
 * times the run time is the ops, bytes/s is IOPS * bs, and the latencies
 * are in order (min <= mean, percentiles <= max); none without requests.
 */
static void check_dir(const struct jv *v, const char *d, u64 bs)
{
	char k[64];
	double ops, secs, iops;
	unsigned i;

#define F(field) (snprintf(k, sizeof(k), "%s/%s", d, field), jv_num(v, k))
	ops = F("total_ios");
	secs = F("runtime_ns") / 1e9;
	iops = F("iops");
	ck_assert(F("io_bytes") == ops * bs);
	ck_assert_msg(near(iops * secs, ops, 1e-5), "%s: iops %f * %f s != %f ops", d, iops, secs, ops);
	ck_assert(near(F("bw_bytes"), iops * bs, 1e-12));
	snprintf(k, sizeof(k), "%s/lat_ns", d);
	if (!jv_get(v, k))
		return;		/* total */
	if (!ops) {
		snprintf(k, sizeof(k), "%s/lat_ns/min", d);
		ck_assert_int_eq(jv_get(v, k)->type, JV_NULL);
		snprintf(k, sizeof(k), "%s/lat_ns/percentile/50.000000", d);
		ck_assert_int_eq(jv_get(v, k)->type, JV_NULL);
		return;
	}
	{
		double min = F("lat_ns/min"), max = F("lat_ns/max"), mean = F("lat_ns/mean"), last = min;

		ck_assert(min > 0 && min <= mean && mean <= max);
		for (i = 0; i < ARRAY_SIZE(pct_key); i++) {
			char pk[48];
			double p;

			snprintf(pk, sizeof(pk), "lat_ns/percentile/%s", pct_key[i]);
			p = F(pk);
			ck_assert_msg(p >= last && p <= max, "%s: p%s %f out of order", d, pct_key[i], p);
			last = p;
		}
	}
#undef F
}

/* The whole document: its schema, each direction, and the totals. */
static void check_io_json(const struct jv *v)
{
	u64 bs = jv_num(v, "job/bs");
	double ops = jv_num(v, "total/total_ios");

	jv_assert_schema(v, io_schema, ARRAY_SIZE(io_schema));
	check_dir(v, "read", bs);
	check_dir(v, "write", bs);
	check_dir(v, "total", bs);
	ck_assert(ops == jv_num(v, "read/total_ios") + jv_num(v, "write/total_ios"));
	ck_assert(jv_num(v, "total/runtime_ns") == jv_num(v, "runtime_ns"));
	ck_assert(near(jv_num(v, "cpu/ns_per_op") * ops, jv_num(v, "cpu/seconds") * 1e9, 1e-9));
}

/* kite io --output json ...: the document, once kite exited with want_status. */
static struct jv *kite_io_json(struct test_proc *pr, int want_status, const char *a0, ...)
{
	va_list ap;
	int st;

	va_start(ap, a0);
	st = vkite_io(pr, true, a0, ap);
	va_end(ap);
	ck_assert_msg(st == want_status, "exit %d: %s", st, pr->err);
	return jv_parse_ok(pr->out);
}

/* A mixed workload on each engine and cache mode: one valid, consistent document. */
START_TEST(test_json_workload)
{
	char *img = make_image("json.img", 4 * MiB, 4);
	const char *cache = _i >= 3 ? "none" : "writeback";
	struct test_proc pr;
	struct jv *v;

	v = kite_io_json(&pr, 0, "--rw", "randrw", "-n", "3000", "-q", "8", "-e", engine_arg[_i % 3],
			 "-c", cache, img, NULL);
	ck_assert_str_eq(pr.err, "");
	check_io_json(v);
	ck_assert(*jv_str(v, "kite_version"));
	ck_assert_str_eq(jv_str(v, "job/image"), img);
	ck_assert_str_eq(jv_str(v, "job/mode"), "randrw");
	ck_assert_str_eq(jv_str(v, "job/engine"), engine_arg[_i % 3]);
	ck_assert_str_eq(jv_str(v, "job/cache"), cache);
	ck_assert(jv_num(v, "job/bs") == 4096 && jv_num(v, "job/depth") == 8);
	ck_assert(jv_num(v, "job/size") == 4 * MiB && jv_num(v, "job/count") == 3000);
	ck_assert_int_eq(jv_get(v, "job/time_s")->type, JV_NULL);
	ck_assert(jv_num(v, "total/total_ios") == 3000);
	ck_assert(jv_num(v, "read/total_ios") > 0 && jv_num(v, "write/total_ios") > 0);
	ck_assert_str_eq(jv_str(v, "verify/result"), "off");
	ck_assert_int_eq(jv_get(v, "error")->type, JV_NULL);
	ck_assert(jv_num(v, "status") == 0);
	jv_free(v);
	test_proc_free(&pr);

	/* A timed read-only run: no writes, so write's latencies are null. */
	v = kite_io_json(&pr, 0, "--json", "-w", "read", "-t", "0.2", "-e", engine_arg[_i % 3],
			 "-c", cache, img, NULL);
	check_io_json(v);
	ck_assert(jv_num(v, "job/time_s") == 0.2);
	ck_assert_int_eq(jv_get(v, "job/count")->type, JV_NULL);
	ck_assert(jv_num(v, "write/total_ios") == 0 && jv_num(v, "read/total_ios") > 0);
	ck_assert(jv_num(v, "runtime_ns") >= 0.2e9);
	jv_free(v);
	test_proc_free(&pr);
	free(img);
}
END_TEST

/* --verify: each pass its own run time; a mismatch is in the document and on stderr. */
START_TEST(test_json_verify)
{
	char *img = make_image("jverify.img", 8 * MiB, 5);
	struct test_proc pr;
	struct jv *v;

	v = kite_io_json(&pr, 0, "-w", "randwrite", "-V", "-S", "3", img, NULL);
	check_io_json(v);
	ck_assert_str_eq(jv_str(v, "verify/result"), "match");
	ck_assert(jv_num(v, "verify/blocks") == 2048);
	ck_assert(jv_num(v, "read/total_ios") == 2048 && jv_num(v, "write/total_ios") == 2048);
	ck_assert(jv_num(v, "read/runtime_ns") + jv_num(v, "write/runtime_ns") <=
		  jv_num(v, "runtime_ns"));
	ck_assert(jv_get(v, "job/verify")->b);
	jv_free(v);
	test_proc_free(&pr);

	v = kite_io_json(&pr, 1, "-w", "read", "-V", "-S", "4", img, NULL);
	test_assert_one_line_error(&pr, "first mismatch at offset 0 ");
	check_io_json(v);
	ck_assert_str_eq(jv_str(v, "verify/result"), "mismatch");
	ck_assert(jv_num(v, "verify/first_mismatch/offset") == 0);
	ck_assert(jv_num(v, "status") == 1);
	jv_free(v);
	test_proc_free(&pr);
	free(img);
}
END_TEST

/* Numbers out of the text report's line for `what` ("read", "total"). */
static int text_numbers(const char *text, const char *what, double *n, unsigned max)
{
	char key[16];
	const char *l;

	snprintf(key, sizeof(key), "\n  %-6s ", what);
	l = strstr(text, key);
	if (!l)
		return 0;
	l += strlen(key);
	if (!strcmp(what, "total"))
		return sscanf(l, "%lf ops %lf IOPS %lf MiB/s cpu %lf us/op (%lf s)",
			      &n[0], &n[1], &n[2], &n[3], &n[4]);
	return max < 6 ? 0 : sscanf(l, "%lf ops %lf IOPS %lf MiB/s lat p50 %lf us p99 %lf us p99.9 %lf us",
				    &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]);
}

/* A result as a run leaves it: reads at 1..2 ms, fewer writes at 10..60 us. */
static void fake_result(struct io_result *r, bool verify)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->image = "fake \"img\"";
	r->mode = "randrw";
	r->engine = DISK_ENGINE_URING;
	r->direct = true;
	r->bs = 8192;
	r->size = 64 * MiB;
	r->depth = 16;
	r->mix = 70;
	r->time_s = 2;
	r->seed = 1;
	r->verify = verify;
	for (i = 0; i < 7000; i++)
		io_hist_add(&r->hist[IO_READ], 1000000 + i * 1000000ULL / 7000);
	for (i = 0; i < 3000; i++)
		io_hist_add(&r->hist[IO_WRITE], 10000 + (i * 7919 % 3000) * 50000ULL / 3000);
	r->secs = 2.0371;
	r->dir_secs[IO_READ] = 1.25;
	r->dir_secs[IO_WRITE] = 0.75;
	r->cpu_secs = 0.0313;
}

/* noinline: inlined, gcc 12 takes open_memstream's buffer for a dangling pointer. */
static __attribute__((noinline)) char *report(void (*fn)(FILE *, const struct io_result *),
						 const struct io_result *r)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	fn(f, r);
	fclose(f);
	return buf;
}

/*
 * The text and the JSON report of one result say the same, to the text's
 * rounding: ops, IOPS, MiB/s, percentiles, CPU per op; and with --verify
 * each direction's rate is over its own pass.
 */
START_TEST(test_text_and_json_agree)
{
	static const char *const dirs[] = { "read", "write", "total" };
	struct io_result *r = malloc(sizeof(*r));
	char *text, *json;
	struct jv *v;
	unsigned d;

	fake_result(r, _i);
	text = report(io_report_text, r);
	json = report(io_report_json, r);
	v = jv_parse_ok(json);
	check_io_json(v);
	ck_assert_str_eq(jv_str(v, "job/image"), "fake \"img\"");
	ck_assert_str_eq(jv_str(v, "job/engine"), "uring");
	ck_assert(jv_num(v, "job/rwmixread") == 70);
	ck_assert_ptr_nonnull(strstr(text, "engine uring, cache=none, 64 MiB: 2.04 s\n"));
	for (d = 0; d < 3; d++) {
		double n[6], secs = d < 2 && _i ? r->dir_secs[d] : r->secs;
		char k[64];

		ck_assert_int_eq(text_numbers(text, dirs[d], n, d < 2 ? 6 : 5), d < 2 ? 6 : 5);
#define J(field) (snprintf(k, sizeof(k), "%s/%s", dirs[d], field), jv_num(v, k))
		ck_assert(n[0] == J("total_ios"));
		/* The text rounds to its last digit: half of it apart, at most. */
		ck_assert(fabs(n[1] - J("iops")) <= 0.5001);
		ck_assert(fabs(n[2] - J("bw_bytes") / MiB) <= 0.0501);
		ck_assert(fabs(J("runtime_ns") - secs * 1e9) <= 1);
		if (d < 2) {
			ck_assert(fabs(n[3] * 1e3 - J("lat_ns/percentile/50.000000")) <= 50.01);
			ck_assert(fabs(n[4] * 1e3 - J("lat_ns/percentile/99.000000")) <= 50.01);
			ck_assert(fabs(n[5] * 1e3 - J("lat_ns/percentile/99.900000")) <= 50.01);
		} else {
			ck_assert(fabs(n[3] * 1e3 - jv_num(v, "cpu/ns_per_op")) <= 5.001);
			ck_assert(fabs(n[4] - jv_num(v, "cpu/seconds")) <= 0.005001);
		}
#undef J
	}
	/* Exact figures of the fake: 7000 reads from 1 ms up, evenly spread. */
	ck_assert(jv_num(v, "read/lat_ns/min") == 1000000);
	ck_assert(jv_num(v, "read/lat_ns/max") == 1000000 + 6999 * 1000000ULL / 7000);
	ck_assert(near(jv_num(v, "read/lat_ns/percentile/50.000000"), 1.5e6, 0.03));
	ck_assert(near(jv_num(v, "read/lat_ns/percentile/90.000000"), 1.9e6, 0.03));
	ck_assert_str_eq(jv_str(v, "verify/result"), _i ? "match" : "off");
	ck_assert_int_eq(!!strstr(text, "verify: 7000 blocks match"), _i);
	jv_free(v);
	free(text);
	free(json);
	free(r);
}
END_TEST

/* ---- the page-cache fallback ------------------------------------------- */

/* cmd_io in a child, on a file system without O_DIRECT. */
static int io_without_direct(void *arg)
{
	char **argv = arg;
	int argc = 0;

	while (argv[argc])
		argc++;
	disk_open_file = test_open_without_direct;
	return cmd_io(argc, argv);
}

/*
 * No --cache: where O_DIRECT is refused, writeback on io_uring (or sync),
 * said in one line on stderr, and the report says what ran. A named
 * --engine is kept; a named --cache none fails as before.
 */
START_TEST(test_cache_fallback)
{
	char *img = make_image("fb.img", 1 * MiB, 6);
	const char *engine = disk_engine_probe(DISK_ENGINE_URING, NULL, 0) ? "sync" : "uring";
	char *deflt[] = { "io", "--json", "-w", "randrw", "-n", "500", img, NULL };
	char *named[] = { "io", "--json", "-e", "aio", "-n", "500", img, NULL };
	char *none[] = { "io", "-c", "none", "-n", "500", img, NULL };
	char *text[] = { "io", "-n", "500", img, NULL };
	struct test_proc pr;
	char want[512];
	struct jv *v;

	ck_assert_int_eq(test_call(io_without_direct, deflt, NULL, 60000, &pr), 0);
	snprintf(want, sizeof(want),
		 "kite: %s: this file system refuses O_DIRECT (cache=none); using cache=writeback, engine %s\n",
		 img, engine);
	ck_assert_str_eq(pr.err, want);
	v = jv_parse_ok(pr.out);
	check_io_json(v);
	ck_assert_str_eq(jv_str(v, "job/cache"), "writeback");
	ck_assert_str_eq(jv_str(v, "job/engine"), engine);
	ck_assert(jv_num(v, "total/total_ios") == 500);
	jv_free(v);
	test_proc_free(&pr);

	ck_assert_int_eq(test_call(io_without_direct, named, NULL, 60000, &pr), 0);
	ck_assert_ptr_nonnull(strstr(pr.err, "using cache=writeback, engine aio\n"));
	v = jv_parse_ok(pr.out);
	ck_assert_str_eq(jv_str(v, "job/cache"), "writeback");
	ck_assert_str_eq(jv_str(v, "job/engine"), "aio");
	jv_free(v);
	test_proc_free(&pr);

	ck_assert_int_eq(test_call(io_without_direct, text, NULL, 60000, &pr), 0);
	snprintf(want, sizeof(want), "engine %s, cache=writeback, 1 MiB", engine);
	ck_assert_ptr_nonnull(strstr(pr.out, want));
	test_proc_free(&pr);

	test_call(io_without_direct, none, NULL, 60000, &pr);
	test_assert_one_line_error(&pr, "O_DIRECT (cache=none) not supported here; try cache=writeback");
	ck_assert_str_eq(pr.out, "");
	test_proc_free(&pr);
	free(img);
}
END_TEST

/* Where O_DIRECT works, the defaults run as they are, silently. */
START_TEST(test_cache_default_direct)
{
	char *img = make_image("direct.img", 1 * MiB, 7);
	struct test_proc pr;
	struct jv *v = kite_io_json(&pr, 0, "-n", "500", img, NULL);

	ck_assert_str_eq(pr.err, "");
	ck_assert_str_eq(jv_str(v, "job/cache"), "none");
	ck_assert_str_eq(jv_str(v, "job/engine"), "aio");
	jv_free(v);
	test_proc_free(&pr);
	free(img);
}
END_TEST

static Suite *cmd_io_suite(void)
{
	Suite *s = suite_create("cmd-io");
	TCase *tc = tcase_create("cmd-io");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_readonly_image);
	tcase_add_loop_test(tc, test_workload, 0, 6);
	tcase_add_loop_test(tc, test_verify, 0, 6);
	tcase_add_loop_test(tc, test_json_workload, 0, 6);
	tcase_add_test(tc, test_json_verify);
	tcase_add_loop_test(tc, test_durable_record, 0, 6);
	tcase_add_loop_test(tc, test_text_and_json_agree, 0, 2);
	tcase_add_test(tc, test_cache_fallback);
	tcase_add_test(tc, test_cache_default_direct);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(cmd_io_suite)
