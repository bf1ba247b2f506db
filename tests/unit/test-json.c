// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer (util/json.c) against the tests' strict reader
 * (tests/lib/tjson.c): whatever kite writes, pretty or on one line, reads
 * back to the same values; strings are escaped and made valid UTF-8; a
 * number that is not finite becomes null. And the reader itself refuses
 * what is not JSON, so the other tests can trust it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"
#include "tjson.h"

/* One document with every kind of value, written pretty or compact. */
static char *write_doc(bool pretty)
{
	struct json j;
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	json_init(&j, f, pretty);
	json_object_open(&j, NULL);
	json_str(&j, "plain", "kite");
	json_str(&j, "escaped", "q\"b\\s/n\nt\tc\x01\x1f" "d\x7f");
	json_str(&j, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80");
	json_str(&j, "bad utf8", "a\xff" "b\xc3" "c\xe0\x80\x80" "d\xed\xa0\x80");
	json_str(&j, "none", NULL);
	json_u64(&j, "u64", 18446744073709551615ULL);
	json_s64(&j, "s64", -42);
	json_num(&j, "num", 0.1);
	json_num(&j, "big", 123456789012.5);
	json_num(&j, "nan", NAN);
	json_num(&j, "inf", INFINITY);
	json_bool(&j, "yes", true);
	json_bool(&j, "no", false);
	json_null(&j, "nothing");
	json_u64_or_null(&j, "have u64", true, 5);
	json_u64_or_null(&j, "no u64", false, 5);
	json_num_or_null(&j, "have num", true, 2.5);
	json_num_or_null(&j, "no num", false, 2.5);
	json_object_open(&j, "empty");
	json_object_close(&j);
	json_array_open(&j, "list");
	json_u64(&j, NULL, 1);
	json_object_open(&j, NULL);
	json_str(&j, "k", "v");
	json_object_close(&j);
	json_array_open(&j, NULL);
	json_array_close(&j);
	json_array_close(&j);
	json_object_open(&j, "nested");
	json_object_open(&j, "deeper");
	json_u64(&j, "x", 7);
	json_object_close(&j);
	json_object_close(&j);
	json_object_close(&j);
	json_end(&j);
	fclose(f);
	return buf;
}

static void check_doc(const struct jv *v)
{
	const struct jv *list = jv_get(v, "list");

	ck_assert_str_eq(jv_str(v, "plain"), "kite");
	ck_assert_str_eq(jv_str(v, "escaped"), "q\"b\\s/n\nt\tc\x01\x1f" "d\x7f");
	ck_assert_str_eq(jv_str(v, "utf8"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80");
	/* Each byte that starts no valid sequence is one U+FFFD (EF BF BD). */
	ck_assert_str_eq(jv_str(v, "bad utf8"),
			 "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			 "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_int_eq(jv_get(v, "none")->type, JV_NULL);
	ck_assert(jv_num(v, "u64") == 18446744073709551615.0);
	ck_assert(jv_num(v, "s64") == -42);
	ck_assert(jv_num(v, "num") == 0.1);
	ck_assert(jv_num(v, "big") == 123456789012.5);
	ck_assert_int_eq(jv_get(v, "nan")->type, JV_NULL);
	ck_assert_int_eq(jv_get(v, "inf")->type, JV_NULL);
	ck_assert(jv_get(v, "yes")->type == JV_BOOL && jv_get(v, "yes")->b);
	ck_assert(jv_get(v, "no")->type == JV_BOOL && !jv_get(v, "no")->b);
	ck_assert_int_eq(jv_get(v, "nothing")->type, JV_NULL);
	ck_assert(jv_num(v, "have u64") == 5 && jv_num(v, "have num") == 2.5);
	ck_assert_int_eq(jv_get(v, "no u64")->type, JV_NULL);
	ck_assert_int_eq(jv_get(v, "no num")->type, JV_NULL);
	ck_assert_int_eq(jv_get(v, "empty")->type, JV_OBJ);
	ck_assert_int_eq(jv_get(v, "empty")->n, 0);
	ck_assert(list && list->type == JV_ARR && list->n == 3);
	ck_assert(list->items[0]->num == 1);
	ck_assert_str_eq(jv_str(list->items[1], "k"), "v");
	ck_assert(list->items[2]->type == JV_ARR && list->items[2]->n == 0);
	ck_assert(jv_num(v, "nested/deeper/x") == 7);
}

START_TEST(test_round_trip)
{
	char *pretty = write_doc(true), *compact = write_doc(false);
	struct jv *a = jv_parse_ok(pretty), *b = jv_parse_ok(compact);

	check_doc(a);
	check_doc(b);
	/* Compact is one line, ending the stream; pretty is one member a line. */
	ck_assert_ptr_eq(strchr(compact, '\n'), compact + strlen(compact) - 1);
	ck_assert_ptr_nonnull(strstr(pretty, "\n  \"plain\": \"kite\",\n"));
	ck_assert_ptr_nonnull(strstr(pretty, "\"empty\": {},"));
	ck_assert_ptr_nonnull(strstr(compact, "{\"plain\":\"kite\","));
	jv_free(a);
	jv_free(b);
	free(pretty);
	free(compact);
}
END_TEST

START_TEST(test_reader_refuses_non_json)
{
	static const char *bad[] = {
		"", "{", "{\"a\":1,}", "[1,]", "{a:1}", "{\"a\" 1}", "01", "1.", ".5", "+1",
		"1e", "\"tab\there\"", "\"\\x\"", "\"\\ud800\"", "nul", "{} {}", "'s'",
		"{\"a\":1,\"a\":2}", "NaN", "[1 2]",
	};
	char err[200];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct jv *v = jv_parse(bad[i], err, sizeof(err));

		ck_assert_msg(!v, "accepted: %s", bad[i]);
	}
	jv_free(jv_parse_ok(" {\"a\": [1, -0.5e+3, true, null, \"\\u00e9\\ud83d\\ude80\"]} \n"));
}
END_TEST

START_TEST(test_schema)
{
	struct jv *v = jv_parse_ok("{\"a\":{\"b\":1,\"c\":\"x\"},\"d\":null}");
	static const struct jv_field ok[] = {
		{ "a", JV_OBJ }, { "a/b", JV_NUM }, { "a/c", JV_STR },
		{ "d", JV_OBJ | JV_NULL }, { "d/e", JV_NUM },
	};

	jv_assert_schema(v, ok, ARRAY_SIZE(ok));
	jv_free(v);
}
END_TEST

/* A member the schema does not list fails the check (in a child: exit 1). */
START_TEST(test_schema_unlisted)
{
	struct jv *v = jv_parse_ok("{\"a\":{\"b\":1,\"extra\":2}}");
	static const struct jv_field s[] = { { "a", JV_OBJ }, { "a/b", JV_NUM } };

	jv_assert_schema(v, s, ARRAY_SIZE(s));
}
END_TEST

START_TEST(test_schema_missing)
{
	struct jv *v = jv_parse_ok("{\"a\":{}}");
	static const struct jv_field s[] = { { "a", JV_OBJ }, { "a/b", JV_NUM } };

	jv_assert_schema(v, s, ARRAY_SIZE(s));
}
END_TEST

START_TEST(test_schema_wrong_type)
{
	struct jv *v = jv_parse_ok("{\"a\":\"1\"}");
	static const struct jv_field s[] = { { "a", JV_NUM } };

	jv_assert_schema(v, s, ARRAY_SIZE(s));
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_reader_refuses_non_json);
	tcase_add_test(tc, test_schema);
	tcase_add_exit_test(tc, test_schema_unlisted, 1);
	tcase_add_exit_test(tc, test_schema_missing, 1);
	tcase_add_exit_test(tc, test_schema_wrong_type, 1);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(json_suite)
