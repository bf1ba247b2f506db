// SPDX-License-Identifier: GPL-2.0
/*
 * How `kite run` ended, for scripts: with --output json (or KITE_OUTPUT=
 * json) kite's last line on stderr is one JSON object, after everything
 * else it says (its own messages, the KITE_STATS line):
 *
 *   {"event":"exit","kite_version":"34b1acb","status":3,"reason":"triple-fault",
 *    "signal":null,"guest_run_ns":1234567,"stats":{"exec_to_first_run_us":null,
 *    "cpu_to_first_run_us":2210,"peak_rss_kib":3900,"guest_touched_kib":1984,
 *    "overhead_kib":1916}}
 *
 * (one line). status is the exit status; reason names it (README's
 * table); signal is the signal's name for 128+N. guest_run_ns (first
 * KVM_RUN to the stop) and stats are null when no guest ran (bad input,
 * a setup error); exec_to_first_run_us is null without KITE_T0_NS.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kite.h"
#include "kvm.h"

const char *kite_exit_reason(int status)
{
	switch (status) {
	case KITE_EXIT_GUEST_OFF: return "guest-off";
	case KITE_EXIT_ERROR: return "error";
	case KITE_EXIT_GUEST_FATAL: return "guest-fatal";
	case KITE_EXIT_TRIPLE_FAULT: return "triple-fault";
	case KITE_EXIT_USER: return "user-quit";
	}
	return status > KITE_EXIT_SIGNAL ? "signal" : "unknown";
}

void run_report_json(FILE *f, int status, const struct run_stats *st)
{
	const char *sig = status > KITE_EXIT_SIGNAL ? sigabbrev_np(status - KITE_EXIT_SIGNAL) : NULL;
	char signame[16];
	struct json j;

	json_init(&j, f, false);
	json_object_open(&j, NULL);
	json_str(&j, "event", "exit");
	json_str(&j, "kite_version", kite_version);
	json_s64(&j, "status", status);
	json_str(&j, "reason", kite_exit_reason(status));
	if (sig) {
		snprintf(signame, sizeof(signame), "SIG%s", sig);
		json_str(&j, "signal", signame);
	} else {
		json_null(&j, "signal");
	}
	json_u64_or_null(&j, "guest_run_ns", st && st->run_ns, st ? st->run_ns : 0);
	if (st) {
		json_object_open(&j, "stats");
		json_u64_or_null(&j, "exec_to_first_run_us", st->have_exec, st->exec_to_first_run_us);
		json_u64(&j, "cpu_to_first_run_us", st->cpu_to_first_run_us);
		json_u64(&j, "peak_rss_kib", st->peak_rss_kib);
		json_u64(&j, "guest_touched_kib", st->guest_touched_kib);
		json_s64(&j, "overhead_kib", st->overhead_kib);
		json_object_close(&j);
	} else {
		json_null(&j, "stats");
	}
	json_object_close(&j);
}

void run_report_print(int status, const struct run_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		pr_err("cannot write the exit line: out of memory");
		return;
	}
	run_report_json(f, status, st);
	fclose(f);
	pr_line("%s", buf);	/* one write, never held up by a stderr nobody reads */
	free(buf);
}
