/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kite run --output json`'s exit line (cmd/run-report.c), for the unit
 * tests of its format and the KVM tests that run guests with it.
 */
#ifndef KITE_TEST_EXIT_LINE_H
#define KITE_TEST_EXIT_LINE_H

#include "test.h"
#include "tjson.h"

/* Every field README promises, with its type. */
extern const struct jv_field exit_line_schema[];
extern const size_t exit_line_fields;

/*
 * The exit line alone, checked: valid JSON against the schema, status and
 * reason as given, a signal name only for 128+N, stats only with a run
 * time. Returns it parsed (jv_free it).
 */
struct jv *exit_line_check(const char *line, int status, const char *reason);

/*
 * The last line of what kite wrote to stderr, checked as above against
 * its exit status; the lines before it are kite's usual ones.
 */
struct jv *exit_line_of(const struct test_proc *p, const char *reason);

#endif
