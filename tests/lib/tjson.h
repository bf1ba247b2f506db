/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON reader for tests (RFC 8259: one value, nothing after it,
 * no trailing commas, no control characters in strings, numbers as the
 * grammar has them), and a schema check: what scripts will read from
 * kite's --output json must be there, with the right type.
 */
#ifndef KITE_TJSON_H
#define KITE_TJSON_H

#include <stddef.h>

#include "util.h"

/* Types are bits, so a schema can allow several (JV_NUM | JV_NULL). */
enum jv_type {
	JV_NULL = 1, JV_BOOL = 2, JV_NUM = 4, JV_STR = 8, JV_ARR = 16, JV_OBJ = 32,
};

struct jv {
	enum jv_type type;
	bool b;
	double num;
	char *str;		/* JV_STR, UTF-8 */
	unsigned n;		/* JV_ARR, JV_OBJ: items */
	struct jv **items;
	char **keys;		/* JV_OBJ */
};

/* NULL with a reason (and the offset) in err on anything but one valid value. */
struct jv *jv_parse(const char *text, char *err, size_t errlen);
void jv_free(struct jv *v);

/*
 * The value at a '/'-separated path of object keys ("read/lat_ns/min"),
 * NULL if any step is missing; "" is the value itself.
 */
const struct jv *jv_get(const struct jv *v, const char *path);
/* The number at path; the test fails if it is missing or not a number. */
double jv_num(const struct jv *v, const char *path);
const char *jv_str(const struct jv *v, const char *path);

struct jv_field {
	const char *path;
	unsigned types;		/* enum jv_type bits */
};

/*
 * Every field of the schema is there with one of its types, and every
 * object member in v (at any depth, arrays not entered) is in the schema:
 * a field added or renamed without its schema fails too. Absent parents
 * of a nullable field (the field is null) are not looked into.
 */
void jv_assert_schema(const struct jv *v, const struct jv_field *schema, size_t n);

/* Parse text or fail the test, showing it. */
struct jv *jv_parse_ok(const char *text);

#endif
