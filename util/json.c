// SPDX-License-Identifier: GPL-2.0
/* The JSON writer behind kite's --output json; see include/json.h. */
#include <math.h>

#include "json.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	*j = (struct json){ .f = f, .pretty = pretty };
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}

static void newline(struct json *j)
{
	if (j->pretty)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
}

/* Length of the valid UTF-8 sequence at s, or 0 (overlong, surrogate, cut short). */
static unsigned utf8_len(const unsigned char *s)
{
	unsigned n, i;
	u32 cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		unsigned n;

		if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s++);
		} else if (*s == '\n') {
			fputs("\\n", f);
			s++;
		} else if (*s == '\t') {
			fputs("\\t", f);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			fputc(*s++, f);
		} else if ((n = utf8_len(s))) {
			fwrite(s, 1, n, f);
			s += n;
		} else {
			fputs("\\ufffd", f);
			s++;
		}
	}
	fputc('"', f);
}

/* Separator, indentation and key before a value. */
static void member(struct json *j, const char *key)
{
	if (j->need_comma)
		fputc(',', j->f);
	if (j->depth)
		newline(j);
	if (key) {
		put_string(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
	j->need_comma = true;
}

static void open_container(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	j->depth++;
	j->need_comma = false;
}

static void close_container(struct json *j, char c)
{
	bool empty = !j->need_comma;

	j->depth--;
	if (!empty)
		newline(j);
	fputc(c, j->f);
	j->need_comma = true;
}

void json_object_open(struct json *j, const char *key)
{
	open_container(j, key, '{');
}

void json_object_close(struct json *j)
{
	close_container(j, '}');
}

void json_array_open(struct json *j, const char *key)
{
	open_container(j, key, '[');
}

void json_array_close(struct json *j)
{
	close_container(j, ']');
}

void json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		put_string(j->f, s);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, u64 v)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_s64(struct json *j, const char *key, s64 v)
{
	member(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

/* 15 significant digits: every one of them is right, and no "0.1000000000000001". */
void json_num(struct json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.15g", v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_u64_or_null(struct json *j, const char *key, bool have, u64 v)
{
	if (have)
		json_u64(j, key, v);
	else
		json_null(j, key);
}

void json_num_or_null(struct json *j, const char *key, bool have, double v)
{
	if (have)
		json_num(j, key, v);
	else
		json_null(j, key);
}
