// SPDX-License-Identifier: GPL-2.0
/*
 * `kite run --output json`: the exit line's format for every way kite
 * run ends (cmd/run-report.c, called directly), and, without KVM, the
 * line after a setup error or bad input through --output json and
 * KITE_OUTPUT=json. tests/kvm/test-guests.c checks it after real guests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit-line.h"
#include "kvm.h"

static char *line_of(int status, const struct run_stats *st)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	run_report_json(f, status, st);
	fclose(f);
	return buf;
}

START_TEST(test_reasons)
{
	static const struct { int status; const char *reason, *signal; } ends[] = {
		{ 0, "guest-off" }, { 1, "error" }, { 2, "guest-fatal" }, { 3, "triple-fault" },
		{ 4, "user-quit" }, { 130, "signal", "SIGINT" }, { 143, "signal", "SIGTERM" },
		{ 129, "signal", "SIGHUP" }, { 131, "signal", "SIGQUIT" },
	};
	struct run_stats st = { .cpu_to_first_run_us = 2210, .peak_rss_kib = 3900,
				.guest_touched_kib = 1984, .overhead_kib = 1916, .run_ns = 1234567 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		char *l = line_of(ends[i].status, &st);
		struct jv *v = exit_line_check(l, ends[i].status, ends[i].reason);

		ck_assert_str_eq(kite_exit_reason(ends[i].status), ends[i].reason);
		if (ends[i].signal)
			ck_assert_str_eq(jv_str(v, "signal"), ends[i].signal);
		ck_assert(jv_num(v, "guest_run_ns") == 1234567);
		ck_assert(jv_num(v, "stats/cpu_to_first_run_us") == 2210);
		ck_assert(jv_num(v, "stats/peak_rss_kib") == 3900);
		ck_assert(jv_num(v, "stats/guest_touched_kib") == 1984);
		ck_assert_int_eq(jv_get(v, "stats/exec_to_first_run_us")->type, JV_NULL);
		jv_free(v);
		free(l);
	}
}
END_TEST

/* No guest ran: no run time, no figures; KITE_T0_NS's figure when given. */
START_TEST(test_stats_or_none)
{
	struct run_stats st = { .have_exec = true, .exec_to_first_run_us = 9800,
				.peak_rss_kib = 100, .guest_touched_kib = 300, .overhead_kib = -200 };
	char *l = line_of(1, NULL);
	struct jv *v = exit_line_check(l, 1, "error");

	ck_assert_int_eq(jv_get(v, "stats")->type, JV_NULL);
	ck_assert_int_eq(jv_get(v, "guest_run_ns")->type, JV_NULL);
	jv_free(v);
	free(l);

	l = line_of(0, &st);
	v = exit_line_check(l, 0, "guest-off");
	ck_assert(jv_num(v, "stats/exec_to_first_run_us") == 9800);
	ck_assert(jv_num(v, "stats/overhead_kib") == -200);
	ck_assert_int_eq(jv_get(v, "guest_run_ns")->type, JV_NULL);	/* run_ns 0: none */
	jv_free(v);
	free(l);
}
END_TEST

static char *hello(void)
{
	char *p;

	ck_assert_int_gt(asprintf(&p, "%s/guest/hello.elf", test_build_dir()), 0);
	return p;
}

static int kite_run(struct test_proc *p, const char *a0, const char *a1, const char *a2,
		    const char *a3)
{
	char *argv[] = { (char *)test_kite_path(), "run", (char *)a0, (char *)a1, (char *)a2,
			 (char *)a3, NULL };

	return test_spawn(argv, NULL, 20000, p);
}

/* No /dev/kvm (KITE_KVM_DEV names none): the error line, then the exit line. */
START_TEST(test_setup_error)
{
	struct test_proc p;
	char *g = hello();
	struct jv *v;

	setenv("KITE_KVM_DEV", "/nonexistent/kvm", 1);
	ck_assert_int_eq(kite_run(&p, "--output", "json", "--kernel", g), 1);
	ck_assert(!strncmp(p.err, "kite: error: cannot open /nonexistent/kvm", 41));
	v = exit_line_of(&p, "error");
	ck_assert_int_eq(jv_get(v, "stats")->type, JV_NULL);
	jv_free(v);
	test_proc_free(&p);

	/* KITE_STATS asks for figures, but no guest ran: still none, no kite-stats line. */
	setenv("KITE_OUTPUT", "json", 1);
	setenv("KITE_STATS", "1", 1);
	ck_assert_int_eq(kite_run(&p, "--kernel", g, NULL, NULL), 1);
	ck_assert_ptr_null(strstr(p.err, "kite-stats"));
	jv_free(exit_line_of(&p, "error"));
	test_proc_free(&p);
	unsetenv("KITE_STATS");

	/* --output text wins over KITE_OUTPUT: the one error line alone. */
	kite_run(&p, "--output", "text", "--kernel", g);
	test_assert_one_line_error(&p, "/nonexistent/kvm");
	test_proc_free(&p);
	unsetenv("KITE_OUTPUT");
	unsetenv("KITE_KVM_DEV");
	free(g);
}
END_TEST

START_TEST(test_bad_input)
{
	struct test_proc p;

	setenv("KITE_OUTPUT", "json", 1);
	kite_run(&p, "--kernel", "/nonexistent/bzImage", NULL, NULL);
	jv_free(exit_line_of(&p, "error"));
	ck_assert(!strncmp(p.err, "kite: error: cannot read kernel '/nonexistent/bzImage'", 54));
	test_proc_free(&p);
	setenv("KITE_OUTPUT", "xml", 1);
	kite_run(&p, "--kernel", "/nonexistent/bzImage", NULL, NULL);
	test_assert_one_line_error(&p, "KITE_OUTPUT 'xml'");
	test_proc_free(&p);
	unsetenv("KITE_OUTPUT");
	kite_run(&p, "--output", "yaml", "--kernel", "x");
	test_assert_one_line_error(&p, "--output 'yaml'");
	test_proc_free(&p);
	ck_assert_int_eq(kite_run(&p, "--help", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "--output text|json"));
	test_proc_free(&p);
}
END_TEST

static Suite *run_report_suite(void)
{
	Suite *s = suite_create("run-report");
	TCase *tc = tcase_create("run-report");

	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_stats_or_none);
	tcase_add_test(tc, test_setup_error);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(run_report_suite)
