// SPDX-License-Identifier: GPL-2.0
/* Checks of `kite run`'s JSON exit line; see exit-line.h. */
#include <string.h>

#include "exit-line.h"

const struct jv_field exit_line_schema[] = {
	{ "event", JV_STR }, { "kite_version", JV_STR }, { "status", JV_NUM },
	{ "reason", JV_STR }, { "signal", JV_STR | JV_NULL }, { "guest_run_ns", JV_NUM | JV_NULL },
	{ "stats", JV_OBJ | JV_NULL },
	{ "stats/exec_to_first_run_us", JV_NUM | JV_NULL }, { "stats/cpu_to_first_run_us", JV_NUM },
	{ "stats/peak_rss_kib", JV_NUM }, { "stats/guest_touched_kib", JV_NUM },
	{ "stats/overhead_kib", JV_NUM },
};
const size_t exit_line_fields = ARRAY_SIZE(exit_line_schema);

struct jv *exit_line_check(const char *line, int status, const char *reason)
{
	struct jv *v = jv_parse_ok(line);
	const struct jv *stats = jv_get(v, "stats");

	ck_assert_msg(!strchr(line, '\n'), "not one line: %s", line);
	jv_assert_schema(v, exit_line_schema, exit_line_fields);
	ck_assert_str_eq(jv_str(v, "event"), "exit");
	ck_assert_msg(*jv_str(v, "kite_version"), "no version");
	ck_assert_msg(jv_num(v, "status") == status, "status %g, not %d: %s",
		      jv_num(v, "status"), status, line);
	ck_assert_str_eq(jv_str(v, "reason"), reason);
	ck_assert_int_eq(jv_get(v, "signal")->type == JV_STR, status > 128);
	if (stats->type == JV_OBJ) {
		ck_assert(jv_num(v, "stats/peak_rss_kib") > 0);
		ck_assert(jv_num(v, "stats/overhead_kib") ==
			  jv_num(v, "stats/peak_rss_kib") - jv_num(v, "stats/guest_touched_kib"));
	} else {
		ck_assert_int_eq(jv_get(v, "guest_run_ns")->type, JV_NULL);
	}
	return v;
}

struct jv *exit_line_of(const struct test_proc *p, const char *reason)
{
	size_t len = strlen(p->err);
	char *copy, *last;
	struct jv *v;

	ck_assert_msg(len && p->err[len - 1] == '\n', "stderr does not end a line: %s", p->err);
	copy = strndup(p->err, len - 1);
	last = strrchr(copy, '\n');
	v = exit_line_check(last ? last + 1 : copy, p->status, reason);
	free(copy);
	return v;
}
