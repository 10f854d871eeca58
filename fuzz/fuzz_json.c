/*
 * fuzz_json.c - libFuzzer target for the pull scanner (src/input/json.c).
 *
 * The input is one JSON text. It is read three ways: every value with the
 * typed readers (strings decoded, numbers read, literals matched), skipped
 * whole with gs_json_skip, and typed with every other container skipped. The
 * input buffer is exactly size bytes, so ASan catches any read past it.
 * Checks:
 *   - the cursor never leaves the text, errors stick, depth never goes
 *     negative, and an arena as large as the text never runs out;
 *   - decoded strings are valid UTF-8, no longer than the text, and lie in
 *     the text or the arena; number texts lie in the text and integers that
 *     fit agree with strtoll;
 *   - the SSSE3 UTF-8 validator agrees with the DFA on the whole input;
 *   - the typed reading accepts exactly what a strict reference validator
 *     (RFC 8259, UTF-8 without surrogates or overlongs, nesting at most
 *     GS_JSON_MAX_DEPTH, object keys only delimited as json.h documents)
 *     accepts; whatever is read typed is also accepted skipped and mixed.
 *
 *   make fuzz && build-fuzz/fuzz_json -max_total_time=60 fuzz/corpus/json
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "input/json.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static const char *text_lo, *text_hi;
static struct gs_arena arena;

static void check_str(struct gs_str s)
{
	CHECK(s.n <= (size_t)(text_hi - text_lo));
	if (s.n == 0)
		return;
	int in_text = s.p >= text_lo && s.p + s.n <= text_hi;
	int in_arena = s.p >= arena.buf && s.p + s.n <= arena.buf + arena.used;
	CHECK(in_text || in_arena);
	CHECK(gs_utf8_valid(s.p, s.n));
}

static void check_cursor(const struct gs_json *j)
{
	CHECK(j->p >= text_lo && j->p <= text_hi);
	CHECK(j->end == text_hi);
	CHECK(j->err || j->depth >= 0);
	CHECK(j->err != GS_ETOOLONG); /* the arena is as large as the text */
}

static void check_number(struct gs_json *j, struct gs_str s)
{
	CHECK(s.n > 0 && s.p >= text_lo && s.p + s.n <= text_hi);
	if (s.n > 19 || memchr(s.p, '.', s.n) || memchr(s.p, 'e', s.n) ||
	    memchr(s.p, 'E', s.n))
		return;
	/* An integer that fits: gs_json_int must read the same value. */
	char buf[24];
	memcpy(buf, s.p, s.n);
	buf[s.n] = 0;
	errno = 0;
	long long want = strtoll(buf, NULL, 10);
	if (errno || want == INT64_MIN)
		return;
	struct gs_json k;
	int64_t got;
	gs_json_init(&k, s.p, s.n, NULL);
	CHECK(gs_json_int(&k, &got) == 0 && got == want);
	CHECK(gs_json_finish(&k) == 0);
	(void)j;
}

/* mode 0: typed; 1: skip containers at odd depths. */
static int walk(struct gs_json *j, int mode, int depth)
{
	struct gs_str s;
	int r, b;
	enum gs_json_type t = gs_json_peek(j);
	check_cursor(j);
	if (mode == 1 && (depth & 1) && (t == GS_JSON_OBJECT || t == GS_JSON_ARRAY))
		return gs_json_skip(j);
	switch (t) {
	case GS_JSON_OBJECT:
		if ((r = gs_json_object_begin(j)))
			return r;
		while ((r = gs_json_object_next(j, &s)) == 1) {
			CHECK(s.p > text_lo && s.p + s.n < text_hi);
			if ((r = walk(j, mode, depth + 1)))
				return r;
		}
		return r;
	case GS_JSON_ARRAY:
		if ((r = gs_json_array_begin(j)))
			return r;
		while ((r = gs_json_array_next(j)) == 1)
			if ((r = walk(j, mode, depth + 1)))
				return r;
		return r;
	case GS_JSON_STRING:
		if ((r = gs_json_string(j, &s)) == 0)
			check_str(s);
		return r;
	case GS_JSON_NUMBER:
		if ((r = gs_json_scalar(j, &s)) == 0)
			check_number(j, s);
		return r;
	case GS_JSON_TRUE:
	case GS_JSON_FALSE:
		return gs_json_bool(j, &b);
	case GS_JSON_NULL:
		if (gs_json_null(j))
			return 0;
		CHECK(j->err);
		return j->err;
	default:
		r = gs_json_skip(j);
		CHECK(r < 0);
		return r;
	}
}

/* ---- strict reference validator ---- */

struct ref {
	const unsigned char *p, *e;
	int depth;
};

static void ref_ws(struct ref *v)
{
	while (v->p < v->e && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' ||
			       *v->p == '\r'))
		v->p++;
}

static int ref_hex4(const unsigned char *p, unsigned *out)
{
	unsigned x = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= c - '0';
		else if (c >= 'a' && c <= 'f')
			x |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x |= c - 'A' + 10;
		else
			return 0;
	}
	*out = x;
	return 1;
}

/* A code point from UTF-8 at p (slow and plain), or -1. */
static long ref_utf8(const unsigned char *p, const unsigned char *e, int *len)
{
	unsigned c = *p;
	int n;
	long cp, min;
	if (c < 0x80) {
		*len = 1;
		return c;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (e - p < n)
		return -1;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = n;
	return cp;
}

static int ref_string(struct ref *v)
{
	v->p++; /* opening quote */
	while (v->p < v->e) {
		unsigned c = *v->p;
		if (c == '"') {
			v->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (v->e - v->p < 2)
				return 0;
			c = v->p[1];
			if (c && strchr("\"\\/bfnrt", (int)c)) {
				v->p += 2;
				continue;
			}
			unsigned u, lo;
			if (c != 'u' || v->e - v->p < 6 || !ref_hex4(v->p + 2, &u))
				return 0;
			v->p += 6;
			if (u >= 0xDC00 && u <= 0xDFFF)
				return 0;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (v->e - v->p < 6 || v->p[0] != '\\' || v->p[1] != 'u' ||
				    !ref_hex4(v->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return 0;
				v->p += 6;
			}
			continue;
		}
		int len;
		if (ref_utf8(v->p, v->e, &len) < 0)
			return 0;
		v->p += len;
	}
	return 0;
}

/* Keys are only delimited: the first quote not escaped by an odd run of
 * backslashes ends them. */
static int ref_key(struct ref *v)
{
	ref_ws(v);
	if (v->p >= v->e || *v->p != '"')
		return 0;
	const unsigned char *q = v->p + 1;
	while (q < v->e) {
		if (*q == '\\') {
			if (v->e - q < 2)
				return 0;
			q += 2;
			continue;
		}
		if (*q == '"') {
			v->p = q + 1;
			return 1;
		}
		q++;
	}
	return 0;
}

static int ref_digits(struct ref *v)
{
	const unsigned char *s = v->p;
	while (v->p < v->e && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > s;
}

static int ref_number(struct ref *v)
{
	if (*v->p == '-')
		v->p++;
	if (v->p >= v->e)
		return 0;
	if (*v->p == '0')
		v->p++;
	else if (!ref_digits(v))
		return 0;
	if (v->p < v->e && *v->p == '.') {
		v->p++;
		if (!ref_digits(v))
			return 0;
	}
	if (v->p < v->e && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->e && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (!ref_digits(v))
			return 0;
	}
	return 1;
}

static int ref_lit(struct ref *v, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(v->e - v->p) < n || memcmp(v->p, lit, n) != 0)
		return 0;
	v->p += n;
	return 1;
}

static int ref_value(struct ref *v)
{
	ref_ws(v);
	if (v->p >= v->e)
		return 0;
	switch (*v->p) {
	case '{':
		if (++v->depth > GS_JSON_MAX_DEPTH)
			return 0;
		v->p++;
		ref_ws(v);
		if (v->p < v->e && *v->p == '}') {
			v->p++;
			v->depth--;
			return 1;
		}
		for (;;) {
			if (!ref_key(v))
				return 0;
			ref_ws(v);
			if (v->p >= v->e || *v->p != ':')
				return 0;
			v->p++;
			if (!ref_value(v))
				return 0;
			ref_ws(v);
			if (v->p < v->e && *v->p == ',') {
				v->p++;
				continue;
			}
			if (v->p < v->e && *v->p == '}') {
				v->p++;
				v->depth--;
				return 1;
			}
			return 0;
		}
	case '[':
		if (++v->depth > GS_JSON_MAX_DEPTH)
			return 0;
		v->p++;
		ref_ws(v);
		if (v->p < v->e && *v->p == ']') {
			v->p++;
			v->depth--;
			return 1;
		}
		for (;;) {
			if (!ref_value(v))
				return 0;
			ref_ws(v);
			if (v->p < v->e && *v->p == ',') {
				v->p++;
				continue;
			}
			if (v->p < v->e && *v->p == ']') {
				v->p++;
				v->depth--;
				return 1;
			}
			return 0;
		}
	case '"':
		return ref_string(v);
	case 't':
		return ref_lit(v, "true");
	case 'f':
		return ref_lit(v, "false");
	case 'n':
		return ref_lit(v, "null");
	case '-':
	case '0' ... '9':
		return ref_number(v);
	default:
		return 0;
	}
}

static int ref_valid(const char *s, size_t n)
{
	struct ref v = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
	if (!ref_value(&v))
		return 0;
	ref_ws(&v);
	return v.p == v.e;
}

/* ---- the target ---- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct gs_json j;
	int typed, skipped, mixed, r;

	/* the SSSE3 UTF-8 validator says what the DFA says */
	if (gs_utf8_have_ssse3())
		CHECK(gs_utf8_valid_ssse3(s, size) == (gs_utf8_check_scalar(s, size) == size));

	text_lo = s;
	text_hi = s + size;
	arena.buf = malloc(size ? size : 1);
	arena.cap = size;

	/* typed */
	arena.used = 0;
	gs_json_init(&j, s, size, &arena);
	r = walk(&j, 0, 0);
	check_cursor(&j);
	if (r == 0)
		r = gs_json_finish(&j);
	typed = r == 0;
	if (typed)
		CHECK(j.depth == 0 && j.p == text_hi);
	else {
		/* errors stick */
		CHECK(j.err == 0 || (gs_json_peek(&j) == GS_JSON_END &&
				     gs_json_skip(&j) == j.err &&
				     gs_json_finish(&j) == j.err));
	}
	CHECK(arena.used <= arena.cap);

	/* skipped */
	gs_json_init(&j, s, size, &arena);
	r = gs_json_skip(&j);
	check_cursor(&j);
	if (r == 0)
		r = gs_json_finish(&j);
	skipped = r == 0;

	/* mixed */
	arena.used = 0;
	gs_json_init(&j, s, size, &arena);
	r = walk(&j, 1, 0);
	check_cursor(&j);
	if (r == 0)
		r = gs_json_finish(&j);
	mixed = r == 0;

	CHECK(typed == ref_valid(s, size));
	if (typed)
		CHECK(skipped && mixed);
	if (mixed)
		CHECK(skipped);

	/* The UTF-8 checker against the reference decoder. */
	{
		const unsigned char *p = data, *e = data + size;
		int len;
		while (p < e && ref_utf8(p, e, &len) >= 0)
			p += len;
		CHECK(gs_utf8_check(s, size) == (size_t)(p - data));
	}
	free(arena.buf);
	return 0;
}
