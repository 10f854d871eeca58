/*
 * test_json.c - unit tests of the pull scanner (src/input/json.c).
 *
 * Every input is copied into a heap block of exactly its length (no NUL
 * after it), so AddressSanitizer catches any read past the end. A generic
 * walker reads every value with the typed readers; gs_json_skip is checked
 * against it on the same inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "input/json.h"
#include "input/utf8.h"
#include "tap.h"

static char arena_buf[1 << 16];
static struct gs_arena arena = {arena_buf, 0, sizeof arena_buf};

/* Exact-size heap copies, freed at the end of each test. */
static char *copies[4096];
static size_t ncopies;

static const char *dup_exact(const char *s, size_t n)
{
	char *c = malloc(n ? n : 1);
	if (!c)
		abort();
	memcpy(c, s, n);
	copies[ncopies++] = c;
	if (ncopies == sizeof copies / sizeof copies[0]) {
		fprintf(stderr, "too many copies\n");
		abort();
	}
	return c;
}

static void free_copies(void)
{
	while (ncopies)
		free(copies[--ncopies]);
}

static void jinit_n(struct gs_json *j, const char *s, size_t n)
{
	arena.used = 0;
	gs_json_init(j, dup_exact(s, n), n, &arena);
}

static void jinit(struct gs_json *j, const char *s)
{
	jinit_n(j, s, strlen(s));
}

/* Reads one value of any type with the typed readers. */
static int walk(struct gs_json *j)
{
	struct gs_str s;
	int r, b;
	switch (gs_json_peek(j)) {
	case GS_JSON_OBJECT:
		if ((r = gs_json_object_begin(j)))
			return r;
		while ((r = gs_json_object_next(j, &s)) == 1)
			if ((r = walk(j)))
				return r;
		return r;
	case GS_JSON_ARRAY:
		if ((r = gs_json_array_begin(j)))
			return r;
		while ((r = gs_json_array_next(j)) == 1)
			if ((r = walk(j)))
				return r;
		return r;
	case GS_JSON_STRING:
		return gs_json_string(j, &s);
	case GS_JSON_NUMBER:
		return gs_json_scalar(j, &s);
	case GS_JSON_TRUE:
	case GS_JSON_FALSE:
		return gs_json_bool(j, &b);
	case GS_JSON_NULL:
		return gs_json_null(j) ? 0 : (j->err ? j->err : GS_EJSON);
	default:
		/* Not the start of a value: skip reports the error. */
		r = gs_json_skip(j);
		return r ? r : GS_EJSON;
	}
}

/* The whole text as one document, read value by value. */
static int doc_walk_n(const char *s, size_t n)
{
	struct gs_json j;
	jinit_n(&j, s, n);
	int r = walk(&j);
	return r ? r : gs_json_finish(&j);
}

static int doc_walk(const char *s)
{
	return doc_walk_n(s, strlen(s));
}

/* The whole text as one document, skipped. */
static int doc_skip_n(const char *s, size_t n)
{
	struct gs_json j;
	jinit_n(&j, s, n);
	int r = gs_json_skip(&j);
	return r ? r : gs_json_finish(&j);
}

static int doc_skip(const char *s)
{
	return doc_skip_n(s, strlen(s));
}

static int str_is(struct gs_str s, const char *want, size_t n)
{
	return s.n == n && memcmp(s.p, want, n) == 0;
}
#define STR_IS(s, lit) str_is((s), (lit), sizeof(lit) - 1)

static int in_arena(struct gs_str s)
{
	return s.p >= arena.buf && s.p + s.n <= arena.buf + arena.cap;
}

/* ---- containers ---- */

static void test_containers(void)
{
	struct gs_json j;
	struct gs_str k;
	int64_t i;

	jinit(&j, "{}");
	TAP_EQ_INT(gs_json_peek(&j), GS_JSON_OBJECT, "peek {} is an object");
	TAP_EQ_INT(gs_json_object_begin(&j), 0, "{}: begin");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 0, "{}: no members");
	TAP_EQ_INT(gs_json_finish(&j), 0, "{}: finish");
	TAP_EQ_INT(j.depth, 0, "{}: depth back to 0");

	jinit(&j, "[]");
	TAP_EQ_INT(gs_json_peek(&j), GS_JSON_ARRAY, "peek [] is an array");
	TAP_EQ_INT(gs_json_array_begin(&j), 0, "[]: begin");
	TAP_EQ_INT(gs_json_array_next(&j), 0, "[]: no elements");
	TAP_EQ_INT(gs_json_finish(&j), 0, "[]: finish");

	jinit(&j, " \t\r\n{ \n\"a\" : [ 1 , { } , [ ] ] ,\"b\":{\"c\":-2}}\n ");
	TAP_EQ_INT(gs_json_object_begin(&j), 0, "ws: begin");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 1, "ws: first key");
	TAP_OK(STR_IS(k, "a"), "ws: key a");
	TAP_EQ_INT(gs_json_array_begin(&j), 0, "ws: array begin");
	TAP_EQ_INT(gs_json_array_next(&j), 1, "ws: element 1");
	TAP_EQ_INT(gs_json_int(&j, &i), 0, "ws: int");
	TAP_EQ_INT(i, 1, "ws: int value");
	TAP_EQ_INT(gs_json_array_next(&j), 1, "ws: element 2");
	TAP_EQ_INT(gs_json_object_begin(&j), 0, "ws: inner {}");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 0, "ws: inner {} empty");
	TAP_EQ_INT(gs_json_array_next(&j), 1, "ws: element 3");
	TAP_EQ_INT(gs_json_array_begin(&j), 0, "ws: inner []");
	TAP_EQ_INT(gs_json_array_next(&j), 0, "ws: inner [] empty");
	TAP_EQ_INT(gs_json_array_next(&j), 0, "ws: array end");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 1, "ws: second key");
	TAP_OK(STR_IS(k, "b"), "ws: key b");
	TAP_EQ_INT(gs_json_object_begin(&j), 0, "ws: b begin");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 1, "ws: key c");
	TAP_OK(STR_IS(k, "c"), "ws: key is c");
	TAP_EQ_INT(gs_json_int(&j, &i), 0, "ws: c int");
	TAP_EQ_INT(i, -2, "ws: c = -2");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 0, "ws: b end");
	TAP_EQ_INT(gs_json_object_next(&j, &k), 0, "ws: outer end");
	TAP_EQ_INT(j.depth, 0, "ws: depth back to 0");
	TAP_EQ_INT(gs_json_finish(&j), 0, "ws: trailing white space is fine");

	/* Keys come raw: escapes are not decoded. */
	jinit(&j, "{\"a\\\"b\":1,\"\":2}");
	gs_json_object_begin(&j);
	TAP_EQ_INT(gs_json_object_next(&j, &k), 1, "escaped key");
	TAP_OK(STR_IS(k, "a\\\"b"), "escaped key is raw");
	gs_json_skip(&j);
	TAP_EQ_INT(gs_json_object_next(&j, &k), 1, "empty key");
	TAP_EQ_INT(k.n, 0, "empty key has length 0");
	gs_json_skip(&j);
	TAP_EQ_INT(gs_json_object_next(&j, &k), 0, "end after empty key");

	/* Type mismatches leave the value for another reader. */
	jinit(&j, "[1]");
	TAP_EQ_INT(gs_json_object_begin(&j), GS_ETYPE, "object_begin on [ is ETYPE");
	TAP_EQ_INT(gs_json_array_begin(&j), 0, "then array_begin works");
	jinit(&j, "{}");
	TAP_EQ_INT(gs_json_array_begin(&j), GS_ETYPE, "array_begin on { is ETYPE");
	TAP_EQ_INT(gs_json_object_begin(&j), 0, "then object_begin works");
	jinit(&j, "");
	TAP_EQ_INT(gs_json_object_begin(&j), GS_EJSON, "object_begin on nothing");
	jinit(&j, "   ");
	TAP_EQ_INT(gs_json_array_begin(&j), GS_EJSON, "array_begin on white space");
	TAP_EQ_INT(gs_json_peek(&j), GS_JSON_END, "peek after an error is END");

	TAP_EQ_INT(doc_walk("{\"a\":[1,{\"b\":[]},[[]],\"x\",true,false,null],"
			    "\"c\":{},\"d\":{\"e\":{\"f\":[{}]}}}"),
		   0, "nested document walks");
	TAP_EQ_INT(doc_skip("{\"a\":[1,{\"b\":[]},[[]],\"x\",true,false,null],"
			    "\"c\":{},\"d\":{\"e\":{\"f\":[{}]}}}"),
		   0, "nested document skips");
	free_copies();
}

/* ---- strings ---- */

static void test_strings(void)
{
	struct gs_json j;
	struct gs_str s;

	jinit(&j, "\"plain text\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "plain string");
	TAP_OK(STR_IS(s, "plain text"), "plain string value");
	TAP_OK(s.p == j.end - 11, "plain string points into the input");
	TAP_EQ_INT(arena.used, 0, "plain string uses no arena");

	jinit(&j, "\"\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "empty string");
	TAP_EQ_INT(s.n, 0, "empty string length");

	jinit(&j, "\"q\\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\te\\u00e9E\\u00C9\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "every escape");
	TAP_OK(STR_IS(s, "q\"b\\s/b\bf\fn\nr\rt\te\xC3\xA9" "E\xC3\x89"),
	       "every escape decoded");
	TAP_OK(in_arena(s), "decoded string lives in the arena");
	TAP_EQ_INT(arena.used, s.n, "arena used by the decoded length");

	jinit(&j, "\"\\u0041\\u20ac\\u0000\\uffff\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "1-, 3-byte, NUL and U+FFFF escapes");
	TAP_OK(STR_IS(s, "A\xE2\x82\xAC\0\xEF\xBF\xBF"), "decoded to UTF-8");

	jinit(&j, "\"\\ud83d\\ude00\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "surrogate pair");
	TAP_OK(STR_IS(s, "\xF0\x9F\x98\x80"), "surrogate pair -> 4-byte UTF-8");
	jinit(&j, "\"x\\uDBFF\\uDFFFy\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "highest surrogate pair");
	TAP_OK(STR_IS(s, "x\xF4\x8F\xBF\xBFy"), "U+10FFFF");
	jinit(&j, "\"\\ud800\\udc00\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "lowest surrogate pair");
	TAP_OK(STR_IS(s, "\xF0\x90\x80\x80"), "U+10000");

	static const char *lone[] = {
		"\"\\ud83d\"",        "\"\\ud83dx\"",       "\"\\ud83d\\u0041\"",
		"\"\\ude00\"",        "\"a\\udfff\"",       "\"\\ud83d\\ud83d\"",
		"\"\\ud83d\\\\ude00\"", "\"\\ud83d\\n\"",
	};
	for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
		jinit(&j, lone[i]);
		TAP_EQ_INT(gs_json_string(&j, &s), GS_EUTF8, "lone surrogate %s rejected", lone[i]);
	}

	static const char *badesc[] = {
		"\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\U0041\"", "\"\\'\"",
		"\"\\u\"", "\"a\\ \"",
	};
	for (size_t i = 0; i < sizeof badesc / sizeof badesc[0]; i++) {
		jinit(&j, badesc[i]);
		TAP_EQ_INT(gs_json_string(&j, &s), GS_EJSON, "bad escape %s rejected", badesc[i]);
	}

	/* Raw control characters must be escaped. */
	for (int c = 0; c < 0x20; c++) {
		char doc[] = "\"a?b\"";
		doc[2] = (char)c;
		jinit_n(&j, doc, 5);
		if (gs_json_string(&j, &s) != GS_EJSON) {
			TAP_OK(0, "raw control character 0x%02x rejected", c);
			break;
		}
		if (c == 0x1f)
			TAP_OK(1, "raw control characters 0x00..0x1f rejected");
	}
	jinit(&j, "\"a\x7f\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "DEL is allowed raw");

	/* Invalid UTF-8 in a string that is read. */
	static const char *bad8[] = {
		"\"\xff\"", "\"ab\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\x80\"", "\"\xe2\x82\"",
	};
	for (size_t i = 0; i < sizeof bad8 / sizeof bad8[0]; i++) {
		jinit(&j, bad8[i]);
		TAP_EQ_INT(gs_json_string(&j, &s), GS_EUTF8, "invalid UTF-8 #%zu rejected", i);
	}
	jinit(&j, "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "raw UTF-8 accepted");
	TAP_EQ_INT(s.n, 14, "raw UTF-8 length");

	/* Skipped strings are not validated, only delimited. */
	jinit(&j, "\"\xff\"");
	TAP_EQ_INT(gs_json_skip(&j), 0, "skip does not validate UTF-8");
	/* Nor scalars inside skipped containers (json.h: brackets and string
	 * ends only). */
	TAP_EQ_INT(doc_skip("{\"a\":01,\"b\":[1 2 x]}"), 0,
		   "skip checks brackets and strings only");

	/* Unterminated strings. */
	jinit(&j, "\"abc");
	TAP_EQ_INT(gs_json_string(&j, &s), GS_EJSON, "unterminated string");
	jinit(&j, "\"abc\\\"");
	TAP_EQ_INT(gs_json_string(&j, &s), GS_EJSON, "string ending in an escaped quote");
	jinit(&j, "\"abc\\\\\"");
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "string ending in an escaped backslash");
	TAP_OK(STR_IS(s, "abc\\"), "escaped backslash decoded");

	/* Type errors leave the value. */
	jinit(&j, "12");
	TAP_EQ_INT(gs_json_string(&j, &s), GS_ETYPE, "string on a number is ETYPE");
	TAP_EQ_INT(j.err, 0, "ETYPE is not sticky");
	TAP_EQ_INT(gs_json_scalar(&j, &s), 0, "number still there");
	TAP_OK(STR_IS(s, "12"), "number text");
	free_copies();
}

/* ---- skip ---- */

static void test_skip(void)
{
	struct gs_json j;
	int64_t i;

	/* JSON: [{"x":"a\\\"]}","y":["}]","\\\\",{"z":"[{"}]},7] */
	const char *doc = "[{\"x\":\"a\\\\\\\"]}\",\"y\":[\"}]\",\"\\\\\\\\\","
			  "{\"z\":\"[{\"}]},7]";
	jinit(&j, doc);
	TAP_EQ_INT(gs_json_array_begin(&j), 0, "skip: array");
	TAP_EQ_INT(gs_json_array_next(&j), 1, "skip: first element");
	TAP_EQ_INT(gs_json_skip(&j), 0, "skip object with brackets and escaped quotes in strings");
	TAP_EQ_INT(gs_json_array_next(&j), 1, "skip: second element");
	TAP_EQ_INT(gs_json_int(&j, &i), 0, "skip: landed on 7");
	TAP_EQ_INT(i, 7, "skip: value 7");
	TAP_EQ_INT(gs_json_array_next(&j), 0, "skip: end");
	TAP_EQ_INT(gs_json_finish(&j), 0, "skip: finish");
	TAP_EQ_INT(doc_walk(doc), 0, "same document walks");

	jinit(&j, "\"a\\\\\\\"]}\" 1");
	TAP_EQ_INT(gs_json_skip(&j), 0, "skip string a\\\\\\\"]}");
	TAP_EQ_INT(gs_json_int(&j, &i), 0, "after the string");
	TAP_EQ_INT(i, 1, "after the string: 1");

	static const char *scalars[] = {"true", "false", "null", "-1.5e3", "0",
					"\"\"", "\"\\\\\"", "{}", "[]"};
	for (size_t k = 0; k < sizeof scalars / sizeof scalars[0]; k++)
		TAP_EQ_INT(doc_skip(scalars[k]), 0, "skip %s", scalars[k]);

	static const char *bad[] = {"tru", "nul", "fals", "truE", "-", "{]", "[}",
				    "{\"a\":[}]", "[[]", "]", "}", "{\"a\":\"]}",
				    "[\"\\\"]", ",", "x", ""};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		TAP_EQ_INT(doc_skip(bad[k]), GS_EJSON, "skip rejects '%s'", bad[k]);
	for (size_t k = 0; k < 14; k++)
		TAP_OK(doc_walk(bad[k]) < 0, "walk rejects '%s'", bad[k]);

	/* Errors stick. */
	jinit(&j, "[{]");
	gs_json_array_begin(&j);
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_skip(&j), GS_EJSON, "mismatch inside an array");
	TAP_EQ_INT(gs_json_array_next(&j), GS_EJSON, "error sticks: array_next");
	TAP_EQ_INT(gs_json_skip(&j), GS_EJSON, "error sticks: skip");
	TAP_EQ_INT(gs_json_finish(&j), GS_EJSON, "error sticks: finish");
	TAP_EQ_INT(gs_json_peek(&j), GS_JSON_END, "error sticks: peek");
	TAP_OK(j.err_at != NULL, "err_at set");
	free_copies();
}

/* ---- truncation ---- */

static void test_truncation(void)
{
	static const char *docs[] = {
		"{\"a\":[1,-2.5e+3,{\"b\":\"x\\\"]}\\\\\"},[],{}],\"c\":true,"
		"\"d\":false,\"e\":null,\"f\":\"\\ud83d\\ude00\\u00e9\","
		"\"g\":\"caf\xc3\xa9\",\"h\":[[[\"]\"]]]}",
		"[\"a\",{\"k\" : [ true , null ] } , 0 ]",
		"{\"user\":{\"id_str\":\"1\"},\"n\":-0,\"m\":1E5}",
	};
	for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
		size_t n = strlen(docs[d]);
		int walk_bad = 0, skip_bad = 0, not_ejson = 0;
		for (size_t k = 0; k < n; k++) {
			int rw = doc_walk_n(docs[d], k);
			int rs = doc_skip_n(docs[d], k);
			walk_bad += rw >= 0;
			skip_bad += rs >= 0;
			not_ejson += rw != GS_EJSON || rs != GS_EJSON;
			free_copies();
		}
		TAP_EQ_INT(walk_bad, 0, "doc %zu: every truncation rejected by walk", d);
		TAP_EQ_INT(skip_bad, 0, "doc %zu: every truncation rejected by skip", d);
		TAP_EQ_INT(not_ejson, 0, "doc %zu: truncations are GS_EJSON", d);
		TAP_EQ_INT(doc_walk(docs[d]), 0, "doc %zu: whole walks", d);
		TAP_EQ_INT(doc_skip(docs[d]), 0, "doc %zu: whole skips", d);
		free_copies();
	}
}

/* ---- trailing garbage, commas, colons ---- */

static void test_syntax(void)
{
	struct gs_json j;

	static const char *trailing[] = {"{} x", "{}{}", "[1]]", "{}}", "1 2",
					 "null,", "\"a\"\"b\"", "{}\0"};
	for (size_t k = 0; k < sizeof trailing / sizeof trailing[0]; k++) {
		size_t n = strlen(trailing[k]) + (k == 7);
		TAP_EQ_INT(doc_walk_n(trailing[k], n), GS_EJSON, "trailing garbage #%zu (walk)", k);
		TAP_EQ_INT(doc_skip_n(trailing[k], n), GS_EJSON, "trailing garbage #%zu (skip)", k);
	}
	jinit(&j, "{}  \r\n\t ");
	TAP_EQ_INT(gs_json_skip(&j), 0, "skip {} then white space");
	TAP_EQ_INT(gs_json_finish(&j), 0, "finish accepts white space");

	static const char *bad[] = {
		"{\"a\" 1}",       "{\"a\":1 \"b\":2}", "[1 2]",        "{\"a\"}",
		"{\"a\":}",        "[1,]",              "{\"a\":1,}",   "[,1]",
		"{,}",             "{\"a\":1,,\"b\":2}", "{1:2}",        "{'a':1}",
		"{\"a\"::1}",      "[1,,2]",            "{\"a\";1}",    "[1;2]",
		"{\"a\":1]",       "[\"a\":1]",         "{a:1}",        "[[1] [2]]",
		"{\"a\":{} \"b\":1}", "[true false]",   "[nul]",        "{\"a\":tru}",
		"[\"x\" ,, ]",     "{ , \"a\":1}",      "[01]",         "{\"a\":-}",
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		TAP_OK(doc_walk(bad[k]) < 0, "walk rejects %s", bad[k]);
	free_copies();
}

/* ---- numbers ---- */

static void test_numbers(void)
{
	struct gs_json j;
	struct gs_str s;
	int64_t v;
	char doc[64];

	static const char *good[] = {"0", "-0", "1e5", "1E+5", "1e-05", "-1.5e10",
				     "123", "0.5", "-0.0", "9", "10", "1.25E-2"};
	for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
		jinit(&j, good[k]);
		int r = gs_json_scalar(&j, &s);
		TAP_OK(r == 0 && str_is(s, good[k], strlen(good[k])) &&
			       gs_json_finish(&j) == 0,
		       "number %s valid, text kept", good[k]);
		snprintf(doc, sizeof doc, "[%s,%s]", good[k], good[k]);
		TAP_EQ_INT(doc_walk(doc) | doc_skip(doc), 0, "number %s in an array", good[k]);
	}
	static const char *bad[] = {"01", "1.", "-", ".5", "+1", "1e", "1e+",
				    "--1", "-a", "0x1", "1.e5", "-.5", "1.5.", "00",
				    "1e5e", "-01"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		TAP_OK(doc_walk(bad[k]) < 0, "number %s invalid (top level)", bad[k]);
		TAP_OK(doc_skip(bad[k]) < 0, "number %s invalid (skipped)", bad[k]);
		snprintf(doc, sizeof doc, "[%s]", bad[k]);
		TAP_OK(doc_walk(doc) < 0, "number %s invalid in an array", bad[k]);
		snprintf(doc, sizeof doc, "{\"a\":%s}", bad[k]);
		TAP_OK(doc_walk(doc) < 0, "number %s invalid in an object", bad[k]);
	}

	/* gs_json_int */
	static const struct {
		const char *s;
		int r;
		int64_t v;
	} ints[] = {
		{"0", 0, 0},
		{"-0", 0, 0},
		{"42", 0, 42},
		{"-42", 0, -42},
		{"1508098200000000", 0, INT64_C(1508098200000000)},
		{"12345678", 0, 12345678},
		{"-98765432", 0, -98765432},
		{"1234567890", 0, 1234567890},
		{"123456789012345678", 0, INT64_C(123456789012345678)},
		{"999999999999999999", 0, INT64_C(999999999999999999)},
		{"1000000000000000000", 0, INT64_C(1000000000000000000)},
		{"12345678.5", GS_ETYPE, 0},
		{"1234567890e5", GS_ETYPE, 0},
		{"1234567E12345678", GS_ETYPE, 0},
		{"9223372036854775807", 0, INT64_MAX},
		{"-9223372036854775807", 0, -INT64_MAX},
		{"9223372036854775808", GS_ETYPE, 0},
		{"-9223372036854775808", 0, INT64_MIN},
		{"-9223372036854775809", GS_ETYPE, 0},
		{"9223372036854775810", GS_ETYPE, 0},
		{"18446744073709551616", GS_ETYPE, 0},
		{"99999999999999999999999", GS_ETYPE, 0},
		{"1.5", GS_ETYPE, 0},
		{"1e3", GS_ETYPE, 0},
		{"\"5\"", GS_ETYPE, 0},
		{"null", GS_ETYPE, 0},
		{"true", GS_ETYPE, 0},
		{"-", GS_EJSON, 0},
	};
	for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
		v = 12345;
		jinit(&j, ints[k].s);
		int r = gs_json_int(&j, &v);
		TAP_EQ_INT(r, ints[k].r, "int %s returns %d", ints[k].s, ints[k].r);
		if (ints[k].r == 0)
			TAP_EQ_INT(v, ints[k].v, "int %s value", ints[k].s);
		else
			TAP_EQ_INT(v, 12345, "int %s: output untouched", ints[k].s);
	}
	jinit(&j, "\"5\"");
	gs_json_int(&j, &v);
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "int on a string leaves it");

	/* gs_json_scalar on every type */
	jinit(&j, "[\"ab\\u0063\",-12.5e3,null,true,{},\"\"]");
	gs_json_array_begin(&j);
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_scalar(&j, &s), 0, "scalar on a string");
	TAP_OK(STR_IS(s, "abc"), "scalar string decoded");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_scalar(&j, &s), 0, "scalar on a number");
	TAP_OK(STR_IS(s, "-12.5e3"), "scalar number literal text");
	gs_json_array_next(&j);
	s.p = NULL;
	TAP_EQ_INT(gs_json_scalar(&j, &s), 0, "scalar on null");
	TAP_OK(s.p != NULL && s.n == 0, "null gives an empty string");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_scalar(&j, &s), GS_ETYPE, "scalar on true is ETYPE");
	int b = 0;
	TAP_EQ_INT(gs_json_bool(&j, &b), 0, "true still there");
	TAP_EQ_INT(b, 1, "bool true");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_scalar(&j, &s), GS_ETYPE, "scalar on an object is ETYPE");
	TAP_EQ_INT(gs_json_skip(&j), 0, "object still there");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_scalar(&j, &s), 0, "scalar on an empty string");
	TAP_EQ_INT(s.n, 0, "empty string");
	TAP_EQ_INT(gs_json_array_next(&j), 0, "scalars: end");
	TAP_EQ_INT(gs_json_finish(&j), 0, "scalars: finish");

	/* null and bool */
	jinit(&j, "[null,false,nul]");
	gs_json_array_begin(&j);
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_null(&j), 1, "null consumed");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_null(&j), 0, "null on false: 0");
	b = 1;
	TAP_EQ_INT(gs_json_bool(&j, &b), 0, "false still there");
	TAP_EQ_INT(b, 0, "bool false");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_null(&j), 0, "nul is not null");
	TAP_EQ_INT(j.err, GS_EJSON, "nul is malformed");
	free_copies();
}

/* ---- depth ---- */

static char *nested(int levels, const char *open, const char *close,
		    const char *inner, size_t *len)
{
	size_t lo = strlen(open), lc = strlen(close), li = strlen(inner);
	char *s = malloc((size_t)levels * (lo + lc) + li + 1);
	char *p = s;
	for (int i = 0; i < levels; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (int i = 0; i < levels; i++, p += lc)
		memcpy(p, close, lc);
	*p = 0;
	*len = (size_t)(p - s);
	return s;
}

static void test_depth(void)
{
	size_t n;
	char *s;

	s = nested(200, "[", "]", "1", &n);
	TAP_EQ_INT(doc_walk_n(s, n), 0, "200 nested arrays walk");
	TAP_EQ_INT(doc_skip_n(s, n), 0, "200 nested arrays skip");
	free(s);
	s = nested(300, "[", "]", "1", &n);
	TAP_EQ_INT(doc_walk_n(s, n), GS_EJSON, "300 nested arrays rejected (walk)");
	TAP_EQ_INT(doc_skip_n(s, n), GS_EJSON, "300 nested arrays rejected (skip)");
	free(s);
	s = nested(GS_JSON_MAX_DEPTH, "[", "]", "", &n);
	TAP_EQ_INT(doc_walk_n(s, n), 0, "GS_JSON_MAX_DEPTH arrays walk");
	TAP_EQ_INT(doc_skip_n(s, n), 0, "GS_JSON_MAX_DEPTH arrays skip");
	free(s);
	s = nested(GS_JSON_MAX_DEPTH + 1, "[", "]", "", &n);
	TAP_EQ_INT(doc_walk_n(s, n), GS_EJSON, "GS_JSON_MAX_DEPTH+1 arrays rejected (walk)");
	TAP_EQ_INT(doc_skip_n(s, n), GS_EJSON, "GS_JSON_MAX_DEPTH+1 arrays rejected (skip)");
	free(s);
	s = nested(300, "{\"a\":", "}", "1", &n);
	TAP_EQ_INT(doc_walk_n(s, n), GS_EJSON, "300 nested objects rejected (walk)");
	TAP_EQ_INT(doc_skip_n(s, n), GS_EJSON, "300 nested objects rejected (skip)");
	free(s);
	s = nested(100, "[{\"a\":", "}]", "\"]}\"", &n);
	TAP_EQ_INT(doc_walk_n(s, n), 0, "200 alternating levels walk");
	TAP_EQ_INT(doc_skip_n(s, n), 0, "200 alternating levels skip");
	/* A wrong closer deep down: s[n - L] closes level L; level 130 is a
	 * '{' held in the third word of skip's bit stack. */
	TAP_OK(s[n - 130] == '}', "level 130 is an object");
	s[n - 130] = ']';
	TAP_EQ_INT(doc_skip_n(s, n), GS_EJSON, "wrong closer at level 130 caught by skip");
	TAP_EQ_INT(doc_walk_n(s, n), GS_EJSON, "wrong closer at level 130 caught by walk");
	free(s);

	/* Walked levels and skipped levels add up. */
	s = nested(GS_JSON_MAX_DEPTH, "[", "]", "", &n);
	struct gs_json j;
	jinit_n(&j, s, n);
	for (int i = 0; i < 100; i++) {
		gs_json_array_begin(&j);
		gs_json_array_next(&j);
	}
	TAP_EQ_INT(gs_json_skip(&j), 0, "100 walked + 156 skipped levels accepted");
	free(s);
	s = nested(GS_JSON_MAX_DEPTH + 1, "[", "]", "", &n);
	jinit_n(&j, s, n);
	for (int i = 0; i < 100; i++) {
		gs_json_array_begin(&j);
		gs_json_array_next(&j);
	}
	TAP_EQ_INT(gs_json_skip(&j), GS_EJSON, "100 walked + 157 skipped levels rejected");
	free(s);
	free_copies();
}

/* ---- UTF-8 ---- */

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t n, off;
	} cases[] = {
		{"", 0, 0},
		{"abc", 3, 3},
		{"ab\xC0\x80", 4, 2},             /* overlong NUL */
		{"\xC1\xBF", 2, 0},               /* overlong */
		{"\xE0\x80\x80", 3, 0},           /* overlong */
		{"\xE0\x9F\xBF", 3, 0},           /* overlong U+07FF */
		{"x\xED\xA0\x80", 4, 1},          /* surrogate D800 */
		{"\xED\xBF\xBF", 3, 0},           /* surrogate DFFF */
		{"\xED\x9F\xBF", 3, 3},           /* U+D7FF */
		{"\xEE\x80\x80", 3, 3},           /* U+E000 */
		{"\xEF\xBF\xBF", 3, 3},           /* U+FFFF */
		{"\xF0\x8F\xBF\xBF", 4, 0},       /* overlong */
		{"\xF0\x90\x80\x80", 4, 4},       /* U+10000 */
		{"\xF4\x8F\xBF\xBF", 4, 4},       /* U+10FFFF */
		{"\xF4\x90\x80\x80", 4, 0},       /* U+110000 */
		{"\xF5\x80\x80\x80", 4, 0},
		{"\xF8\x88\x80\x80\x80", 5, 0},
		{"\xFF", 1, 0},
		{"\x80", 1, 0},
		{"a\xBF", 2, 1},
		{"ab\xE2\x82", 4, 2},             /* truncated 3-byte */
		{"\xC3", 1, 0},                   /* truncated 2-byte */
		{"\xF0\x9F\x98", 3, 0},           /* truncated 4-byte */
		{"\xE2\x82\xAC\xE2\x28\xA1", 6, 3}, /* bad continuation */
		{"\xC3\xA9\xC3", 3, 2},
		{"0123456789abcdef\xFF", 17, 16}, /* after the 8-byte fast path */
		{"01234567\xC3\xA9x", 11, 11},
		{"0123456\xC3\xA9", 9, 9},
		{"0123456789ab\xF0\x9F\x98\x80", 16, 16},
		{"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 9},
		{"a\0b", 3, 3},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const char *c = dup_exact(cases[k].s, cases[k].n);
		TAP_EQ_INT(gs_utf8_check(c, cases[k].n), cases[k].off, "utf8_check case %zu", k);
		TAP_EQ_INT(gs_utf8_valid(c, cases[k].n), cases[k].off == cases[k].n,
			   "utf8_valid case %zu", k);
	}
	free_copies();
}

/* ---- arena ---- */

static void test_arena(void)
{
	struct gs_json j;
	struct gs_str s;
	char small[8];
	struct gs_arena a = {small, 0, sizeof small};
	const char *doc;

	doc = "\"\\nabcdefghij\"";
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), &a);
	TAP_EQ_INT(gs_json_string(&j, &s), GS_ETOOLONG, "escaped string larger than the arena");
	TAP_EQ_INT(j.err, GS_ETOOLONG, "ETOOLONG sticks");

	doc = "\"abcdefghijklmnopqrstuvwxyz\"";
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), &a);
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "plain string needs no arena");

	doc = "[\"\\tabc\",\"\\tabc\"]";
	a.used = 0;
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), &a);
	gs_json_array_begin(&j);
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "first escaped string fits");
	TAP_OK(STR_IS(s, "\tabc") && s.p == small, "first decoded at the arena start");
	TAP_EQ_INT(a.used, 4, "arena used 4");
	gs_json_array_next(&j);
	TAP_EQ_INT(gs_json_string(&j, &s), GS_ETOOLONG, "second one exhausts the arena");

	doc = "\"\\u00e9\\u00e9\"";
	a.used = 0;
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), &a);
	TAP_EQ_INT(gs_json_string(&j, &s), GS_ETOOLONG, "escaped length counts, not decoded length");

	doc = "\"\\u00e9\\t\"";
	a.used = 0;
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), &a);
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "escaped body of exactly the arena size fits");
	TAP_OK(STR_IS(s, "\xC3\xA9\t"), "decoded");

	doc = "\"a\\tb\"";
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), NULL);
	TAP_EQ_INT(gs_json_string(&j, &s), GS_ETOOLONG, "no arena: escaped string is ETOOLONG");
	doc = "\"ab\"";
	gs_json_init(&j, dup_exact(doc, strlen(doc)), strlen(doc), NULL);
	TAP_EQ_INT(gs_json_string(&j, &s), 0, "no arena: plain string fine");
	free_copies();
}

/* ---- skip: the 64-byte block walk against a byte-by-byte reference ---- */

/* What gs_json_skip of a container must do, one byte at a time: brackets
 * matched by kind, strings with escapes, backslashes outside strings and
 * anything unclosed rejected. Returns the offset just past the container,
 * or -1. */
static long ref_skip(const char *s, size_t n)
{
	char stack[GS_JSON_MAX_DEPTH + 1];
	int d = 0, in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		switch (c) {
		case '"': in_str = 1; break;
		case '{': case '[':
			if (d >= GS_JSON_MAX_DEPTH - 1)
				return -1;
			stack[d++] = c;
			break;
		case '}': case ']':
			if (d == 0 || stack[d - 1] != (c == '}' ? '{' : '['))
				return -1;
			if (--d == 0)
				return (long)i + 1;
			break;
		case '\\': return -1;
		default: break;
		}
	}
	return -1;
}

static uint64_t srng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
	srng ^= srng << 13;
	srng ^= srng >> 7;
	srng ^= srng << 17;
	return (unsigned)(srng % n);
}

/* A random container: strings full of backslash runs, quotes and brackets
 * (escaped), so that runs and strings cross 64-byte blocks. */
static void gen_value(char *b, size_t *n, size_t cap, int depth)
{
	unsigned k = depth > 6 ? 2 + rnd(2) : rnd(4);
	if (*n + 64 > cap)
		k = 3;
	if (k < 2) {
		char open = k ? '{' : '[', close = k ? '}' : ']';
		b[(*n)++] = open;
		unsigned items = rnd(5);
		for (unsigned i = 0; i < items && *n + 80 < cap; i++) {
			if (i)
				b[(*n)++] = ',';
			if (k) {
				memcpy(b + *n, "\"k\":", 4);
				*n += 4;
			}
			gen_value(b, n, cap, depth + 1);
		}
		b[(*n)++] = close;
	} else if (k == 2) {
		b[(*n)++] = '"';
		unsigned len = rnd(70);
		for (unsigned i = 0; i < len && *n + 8 < cap; i++) {
			static const char pool[] = "ab {}[]\"\\";
			char c = pool[rnd(sizeof pool - 1)];
			if (c == '"' || c == '\\') {
				unsigned run = 1 + rnd(3); /* \\, \\\\, then the char */
				for (unsigned r = 0; r < run && *n + 8 < cap; r++) {
					b[(*n)++] = '\\';
					b[(*n)++] = '\\';
				}
				b[(*n)++] = '\\';
			}
			b[(*n)++] = c;
		}
		b[(*n)++] = '"';
	} else {
		b[(*n)++] = '1';
	}
}

static void test_skip_blocks(void)
{
	static char buf[8192];
	int agree = 0, total = 0, valid = 0;
	for (int t = 0; t < 20000; t++) {
		size_t n = 0;
		buf[n++] = rnd(2) ? '{' : '[';
		int obj = buf[0] == '{';
		unsigned items = 1 + rnd(8);
		for (unsigned i = 0; i < items && n + 400 < sizeof buf; i++) {
			if (i)
				buf[n++] = ',';
			if (obj) {
				memcpy(buf + n, "\"k\":", 4);
				n += 4;
			}
			gen_value(buf, &n, sizeof buf - 16, 1);
		}
		buf[n++] = obj ? '}' : ']';
		/* a third of the documents damaged at one byte */
		if (t % 3 == 0) {
			static const char pool[] = "\"\\{}[]a";
			buf[1 + rnd((unsigned)n - 1)] = pool[rnd(sizeof pool - 1)];
		}
		long want = ref_skip(buf, n);
		struct gs_json j;
		gs_json_init(&j, buf, n, NULL);
		j.utf8_checked = 1;
		int r = gs_json_skip(&j);
		long got = r == 0 ? (long)(j.p - buf) : -1;
		agree += got == want;
		if (got != want && agree + 3 > total)
			printf("# disagree #%d: want %ld got %ld (r %d) n %zu: %.*s\n", t, want, got, r, n, (int)n, buf);
		valid += want >= 0;
		total++;
	}
	TAP_OK(agree == total, "skip agrees with a byte-by-byte reference on %d random containers (%d valid)",
	       total, valid);
}

/* ---- UTF-8: the SSSE3 validator against the DFA ---- */

static void test_utf8_simd(void)
{
	if (!gs_utf8_have_ssse3()) {
		TAP_OK(1, "# SKIP no SSSE3 on this CPU");
		return;
	}
	/* pieces that make valid and invalid sequences when strung together:
	 * every boundary of RFC 3629's table, truncations, surrogates,
	 * overlongs, stray continuations, bytes that never occur */
	static const char *const piece[] = {
		"a", " ", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xe0\x9f\xbf",
		"\xed\x9f\xbf", "\xed\xa0\x80", "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf0\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xc0\x80", "\xc1\xbf", "\x80", "\xbf", "\xc2", "\xe0\xa0", "\xf0\x90\x80",
		"\xff", "\xfe", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\xc3\xa9", "0123456789abcdef",
	};
	static char buf[600];
	int agree = 0, total = 0, valid = 0;
	for (int t = 0; t < 40000; t++) {
		size_t n = 0, want = rnd(300);
		/* mostly valid pieces, so that long valid texts with one error
		 * anywhere (a block's edge included) are common */
		int bad_rate = (int)rnd(4);
		while (n < want) {
			unsigned k = rnd(sizeof piece / sizeof *piece);
			int is_bad = (k >= 6 && k <= 6) || k == 8 || k == 12 || (k >= 14 && k <= 24);
			if (is_bad && (int)rnd(16) >= bad_rate)
				continue;
			size_t l = strlen(piece[k]);
			memcpy(buf + n, piece[k], l);
			n += l;
		}
		/* sometimes a random byte anywhere */
		if (t % 5 == 0 && n)
			buf[rnd((unsigned)n)] = (char)rnd(256);
		int want_ok = gs_utf8_check_scalar(buf, n) == n;
		int got_ok = gs_utf8_valid_ssse3(buf, n);
		agree += want_ok == got_ok;
		if (want_ok != got_ok && agree + 3 > total)
			printf("# utf8 disagree #%d: dfa %d simd %d, n %zu\n", t, want_ok, got_ok, n);
		valid += want_ok;
		total++;
	}
	TAP_OK(agree == total, "SSSE3 UTF-8 validation agrees with the DFA on %d texts (%d valid)",
	       total, valid);
	/* every length up to 70 with the one bad byte at every position */
	int ok = 1;
	for (size_t n = 1; n <= 200 && ok; n++)
		for (size_t at = 0; at < n && ok; at++) {
			memset(buf, 'x', n);
			buf[at] = (char)0xC3; /* a lead byte without its continuation */
			if (at + 1 < n && n % 2)
				buf[at + 1] = (char)0xA9; /* ... or with it: valid */
			ok = (gs_utf8_check_scalar(buf, n) == n) == gs_utf8_valid_ssse3(buf, n);
		}
	TAP_OK(ok, "SSSE3 validation of a lead byte at every position of every length to 200");
}

/* gs_json_find_control: every control byte at every position of a line
 * long enough for the 16-byte blocks and the tail, inside a string and
 * between tokens, against the rule written out plainly. */
static void test_find_control(void)
{
	/* 42 bytes: strings inside 1..3, 6..33 and 36..38, tokens between */
	static const char base[] =
		"{\"k\": \"abcdefghijklmnopqrstuvwxyz\", \"n\":1}";
	size_t n = sizeof base - 1;
	int bad = 0;
	for (int c = 0; c < 0x20 && !bad; c++)
		for (size_t at = 0; at < n && !bad; at++) {
			char line[64];
			memcpy(line, base, n);
			if (line[at] == '"' || line[at] == '\\')
				continue;
			line[at] = (char)c;
			int in_str = at == 2 || (at > 6 && at < 33) || at == 37;
			int ok_between = c == '\t' || c == '\n' || c == '\r';
			size_t want = in_str || !ok_between ? at : n;
			size_t got = gs_json_find_control(line, n);
			if (got != want) {
				TAP_OK(0,
				       "control 0x%02x at %zu: got %zu, want %zu",
				       c, at, got, want);
				bad = 1;
			}
		}
	if (!bad)
		TAP_OK(1,
		       "each control character at each place: found in strings, white space allowed between tokens");
	TAP_EQ_INT(gs_json_find_control(base, n), n, "a clean line has none");
	const char esc[] =
		"{\"k\":\"a\\\"\t\"}"; /* the tab after an escaped quote */
	TAP_EQ_INT(gs_json_find_control(esc, sizeof esc - 1), 9,
		   "a tab after an escaped quote is still in the string");
	const char esc2[] =
		"{\"k\":\"a\\\x01\"}"; /* a backslash before a raw byte */
	TAP_EQ_INT(gs_json_find_control(esc2, sizeof esc2 - 1), 8,
		   "a backslash does not make a raw control character legal");
	const char ws[] = "{\"k\" :\t\"v\" ,\r\n \"n\":1}";
	TAP_EQ_INT(gs_json_find_control(ws, sizeof ws - 1), sizeof ws - 1,
		   "tab, CR and LF between tokens are white space");
	/* the validator's hint: no control byte, no walk (each length and
	 * place, ASCII and not, so the 64- and 16-byte blocks and the tail
	 * all see one) */
	int hint_ok = 1;
	for (size_t len = 1; len < 150 && hint_ok; len++)
		for (size_t at = 0; at <= len && hint_ok; at++) {
			char t[160];
			for (size_t k = 0; k < len; k++)
				t[k] = (char)('a' + k % 26);
			if (len > 3) /* a two-byte sequence somewhere */
				memcpy(t + (len * 7 / 11) / 2 * 2 % (len - 1),
				       "\xc3\xa9", 2);
			int want = at < len;
			if (want)
				t[at] = (char)(at % 32);
			int ctl = -1;
			size_t v = gs_utf8_check_ctl(t, len, &ctl);
			if (v == len && ctl != want &&
			    (want || gs_utf8_have_ssse3())) {
				TAP_OK(0,
				       "control hint: length %zu, control at %zu: %d",
				       len, at, ctl);
				hint_ok = 0;
			}
		}
	if (hint_ok)
		TAP_OK(1,
		       "the UTF-8 check says whether a control byte may be there");
	const char del[] = "{\"k\":\"\x7f\"}";
	TAP_EQ_INT(gs_json_find_control(del, sizeof del - 1), sizeof del - 1,
		   "DEL is no control character to JSON");
}

int main(void)
{
	test_containers();
	test_strings();
	test_skip();
	test_skip_blocks();
	test_truncation();
	test_syntax();
	test_numbers();
	test_depth();
	test_utf8();
	test_utf8_simd();
	test_find_control();
	test_arena();
	return TAP_DONE();
}
