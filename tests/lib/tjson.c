// SPDX-License-Identifier: GPL-2.0
/* A strict JSON reader and schema check for tests; see tjson.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tjson.h"

#define MAX_DEPTH	64

struct reader {
	const char *s, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static void reader_fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->failed)
		return;
	r->failed = true;
	n = snprintf(r->err, r->errlen, "at offset %td: ", r->s - r->start);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < r->errlen)
		vsnprintf(r->err + n, r->errlen - n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct reader *r)
{
	while (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r')
		r->s++;
}

static struct jv *new_value(enum jv_type t)
{
	struct jv *v = calloc(1, sizeof(*v));

	if (!v)
		abort();
	v->type = t;
	return v;
}

static void push(struct jv *v, char *key, struct jv *item)
{
	v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
	v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
	if (!v->items || !v->keys)
		abort();
	v->items[v->n] = item;
	v->keys[v->n] = key;
	v->n++;
}

static int hex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		int c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, u32 cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* A string at r->s (on its opening quote); NULL on error. */
static char *read_string(struct reader *r)
{
	size_t cap = strlen(r->s) + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		abort();
	r->s++;
	for (;;) {
		unsigned char c = *r->s;

		if (c == '"') {
			r->s++;
			out[n] = '\0';
			return out;
		}
		if (c < 0x20) {
			reader_fail(r, c ? "control character 0x%02x in a string" : "unterminated string", c);
			break;
		}
		if (c != '\\') {
			out[n++] = c;
			r->s++;
			continue;
		}
		r->s++;
		switch (*r->s) {
		case '"': case '\\': case '/':
			out[n++] = *r->s++;
			continue;
		case 'b': out[n++] = '\b'; r->s++; continue;
		case 'f': out[n++] = '\f'; r->s++; continue;
		case 'n': out[n++] = '\n'; r->s++; continue;
		case 'r': out[n++] = '\r'; r->s++; continue;
		case 't': out[n++] = '\t'; r->s++; continue;
		case 'u': {
			int cp = hex4(r->s + 1), lo;

			if (cp < 0) {
				reader_fail(r, "bad \\u escape");
				goto bad;
			}
			r->s += 5;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				lo = r->s[0] == '\\' && r->s[1] == 'u' ? hex4(r->s + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff) {
					reader_fail(r, "unpaired surrogate");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				r->s += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				reader_fail(r, "unpaired surrogate");
				goto bad;
			}
			n += put_utf8(out + n, cp);
			continue;
		}
		default:
			reader_fail(r, "bad escape");
			goto bad;
		}
	}
bad:
	free(out);
	return NULL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct jv *read_number(struct reader *r)
{
	const char *p = r->s;
	struct jv *v;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (is_digit(*p))
		while (is_digit(*p))
			p++;
	else
		goto bad;
	if (*p == '.') {
		if (!is_digit(*++p))
			goto bad;
		while (is_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			goto bad;
		while (is_digit(*p))
			p++;
	}
	v = new_value(JV_NUM);
	v->num = strtod(r->s, NULL);
	r->s = p;
	return v;
bad:
	reader_fail(r, "bad number");
	return NULL;
}

static struct jv *read_value(struct reader *r, unsigned depth);

static struct jv *read_container(struct reader *r, unsigned depth, bool object)
{
	struct jv *v = new_value(object ? JV_OBJ : JV_ARR);
	char close = object ? '}' : ']';

	r->s++;
	skip_ws(r);
	if (*r->s == close) {
		r->s++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		skip_ws(r);
		if (object) {
			unsigned i;

			if (*r->s != '"') {
				reader_fail(r, "expected a key");
				break;
			}
			key = read_string(r);
			if (!key)
				break;
			for (i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], key))
					reader_fail(r, "duplicate key \"%s\"", key);
			skip_ws(r);
			if (*r->s != ':') {
				reader_fail(r, "expected ':'");
				free(key);
				break;
			}
			r->s++;
		}
		item = read_value(r, depth + 1);
		if (!item) {
			free(key);
			break;
		}
		push(v, key, item);
		skip_ws(r);
		if (*r->s == ',') {
			r->s++;
			continue;
		}
		if (*r->s == close) {
			r->s++;
			if (r->failed)
				break;
			return v;
		}
		reader_fail(r, "expected ',' or '%c'", close);
		break;
	}
	jv_free(v);
	return NULL;
}

static struct jv *read_value(struct reader *r, unsigned depth)
{
	static const struct { const char *word; enum jv_type t; bool b; } words[] = {
		{ "null", JV_NULL, false }, { "true", JV_BOOL, true }, { "false", JV_BOOL, false },
	};
	struct jv *v;
	size_t i;

	skip_ws(r);
	if (depth > MAX_DEPTH) {
		reader_fail(r, "nested too deep");
		return NULL;
	}
	if (*r->s == '{' || *r->s == '[')
		return read_container(r, depth, *r->s == '{');
	if (*r->s == '"') {
		char *s = read_string(r);

		if (!s)
			return NULL;
		v = new_value(JV_STR);
		v->str = s;
		return v;
	}
	if (*r->s == '-' || is_digit(*r->s))
		return read_number(r);
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strncmp(r->s, words[i].word, strlen(words[i].word))) {
			r->s += strlen(words[i].word);
			v = new_value(words[i].t);
			v->b = words[i].b;
			return v;
		}
	}
	reader_fail(r, *r->s ? "unexpected character '%c'" : "unexpected end", *r->s);
	return NULL;
}

struct jv *jv_parse(const char *text, char *err, size_t errlen)
{
	struct reader r = { .s = text, .start = text, .err = err, .errlen = errlen };
	struct jv *v = read_value(&r, 0);

	if (v) {
		skip_ws(&r);
		if (*r.s)
			reader_fail(&r, "text after the value");
	}
	if (r.failed) {
		jv_free(v);
		return NULL;
	}
	return v;
}

void jv_free(struct jv *v)
{
	unsigned i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		jv_free(v->items[i]);
		free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static const struct jv *member(const struct jv *v, const char *key, size_t len)
{
	unsigned i;

	if (!v || v->type != JV_OBJ)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (strlen(v->keys[i]) == len && !memcmp(v->keys[i], key, len))
			return v->items[i];
	return NULL;
}

const struct jv *jv_get(const struct jv *v, const char *path)
{
	while (v && *path) {
		size_t len = strcspn(path, "/");

		v = member(v, path, len);
		path += len + (path[len] == '/');
	}
	return v;
}

double jv_num(const struct jv *v, const char *path)
{
	const struct jv *n = jv_get(v, path);

	ck_assert_msg(n && n->type == JV_NUM, "%s: not a number", path);
	return n->num;
}

const char *jv_str(const struct jv *v, const char *path)
{
	const struct jv *s = jv_get(v, path);

	ck_assert_msg(s && s->type == JV_STR, "%s: not a string", path);
	return s->str;
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case JV_NULL: return "null";
	case JV_BOOL: return "a boolean";
	case JV_NUM: return "a number";
	case JV_STR: return "a string";
	case JV_ARR: return "an array";
	case JV_OBJ: return "an object";
	}
	return "?";
}

/* Is some parent on the way to path null? Then path is not looked for. */
static bool under_null(const struct jv *v, const char *path)
{
	while (v && *path) {
		size_t len = strcspn(path, "/");

		if (v->type == JV_NULL)
			return true;
		v = member(v, path, len);
		path += len + (path[len] == '/');
	}
	return false;
}

static void check_listed(const struct jv *v, const char *prefix,
			 const struct jv_field *schema, size_t n)
{
	unsigned i;
	size_t k;

	if (v->type != JV_OBJ)
		return;
	for (i = 0; i < v->n; i++) {
		char *path;

		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", v->keys[i]) < 0)
			abort();
		for (k = 0; k < n && strcmp(schema[k].path, path); k++)
			;
		ck_assert_msg(k < n, "field %s is not in the schema", path);
		check_listed(v->items[i], path, schema, n);
		free(path);
	}
}

void jv_assert_schema(const struct jv *v, const struct jv_field *schema, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct jv *f = jv_get(v, schema[i].path);

		if (!f && under_null(v, schema[i].path))
			continue;
		ck_assert_msg(f, "field %s is missing", schema[i].path);
		ck_assert_msg(f->type & schema[i].types, "field %s is %s", schema[i].path,
			      type_name(f->type));
	}
	check_listed(v, "", schema, n);
}

struct jv *jv_parse_ok(const char *text)
{
	char err[200] = "";
	struct jv *v = jv_parse(text, err, sizeof(err));

	ck_assert_msg(v, "not JSON (%s): %s", err, text);
	return v;
}
