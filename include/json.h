/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for what kite reports to scripts
 * (`kite io --output json`, `kite run --output json`). Values go straight
 * to a FILE (stdout, or an open_memstream buffer for a line written in one
 * go). Members of an object take a key; array elements and the top-level
 * value pass NULL. Strings are escaped, bytes that are not UTF-8 become
 * U+FFFD; a number that is not finite is written as null.
 *
 * Pretty output indents by two spaces, one member a line (for people and
 * jq); compact output is one line (for a log line).
 */
#ifndef KITE_JSON_H
#define KITE_JSON_H

#include <stdio.h>

#include "util.h"

struct json {
	FILE *f;
	bool pretty;
	bool need_comma;	/* the open container has a member already */
	unsigned depth;
};

void json_init(struct json *j, FILE *f, bool pretty);
/* After the top-level value: a newline, for a document that ends a stream. */
void json_end(struct json *j);

void json_object_open(struct json *j, const char *key);
void json_object_close(struct json *j);
void json_array_open(struct json *j, const char *key);
void json_array_close(struct json *j);

void json_str(struct json *j, const char *key, const char *s);	/* NULL: null */
void json_u64(struct json *j, const char *key, u64 v);
void json_s64(struct json *j, const char *key, s64 v);
void json_num(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* v, or null when there is none (!have): a figure that was not measured. */
void json_u64_or_null(struct json *j, const char *key, bool have, u64 v);
void json_num_or_null(struct json *j, const char *key, bool have, double v);

#endif
