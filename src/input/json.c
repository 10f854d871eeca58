/*
 * json.c - pull scanner (see json.h).
 *
 * Design: a cursor over one line. Values the caller wants are parsed strictly
 * (RFC 8259 strings, numbers and literals; UTF-8 validated; \u escapes with
 * surrogate pairs decoded). Values the caller skips are scanned by a tight
 * loop that finds string ends with memchr (glibc's is vectorised) and keeps a
 * bit stack of open brackets so "{]" or a truncated line is still caught.
 * Once an error is seen it sticks: every later call fails with it, so format
 * parsers can check once at the end of an object.
 */
#include "json.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Byte searches of the hot path. With SSE2 (every x86-64) they test 16 bytes
 * at a time; the scalar loops are the definition and the fallback. Neither
 * reads at or past end.
 */

/* First '"' or '\\' in [p, end), or NULL. */
static inline const char *find_quote_or_backslash(const char *p,
						   const char *end)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)));
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	for (; p < end; p++)
		if (*p == '"' || *p == '\\')
			return p;
	return NULL;
}

/* First '"', '\\' or control character (< 0x20) in [p, end), or NULL. */
static inline const char *find_string_special(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'),
		      c = _mm_set1_epi8(0x1F);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* v <= 0x1F unsigned: max(v, 0x1F) == 0x1F */
		__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, c), c);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			ctl, _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b))));
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	for (; p < end; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return p;
	return NULL;
}

size_t gs_json_find_control(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
#ifdef __SSE2__
	const __m128i c = _mm_set1_epi8(0x1F);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* v <= 0x1F unsigned: max(v, 0x1F) == 0x1F */
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, c), c)))
			break;
		p += 16;
	}
#endif
	while (p < end && (unsigned char)*p >= 0x20)
		p++;
	if (p == end)
		return len;
	/* A control byte: whether it is allowed depends on where it stands,
	 * so the line is walked from its start, string by string. */
	int in_str = 0;
	for (p = text; p < end; p++) {
		unsigned char ch = (unsigned char)*p;
		if (in_str) {
			if (ch < 0x20)
				return (size_t)(p - text);
			if (ch == '\\' && ++p < end &&
			    (unsigned char)*p < 0x20) /* escaped, still raw */
				return (size_t)(p - text);
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch < 0x20 && ch != '\t' && ch != '\n' &&
			   ch != '\r') {
			return (size_t)(p - text);
		}
	}
	return len;
}

static int fail(struct gs_json *j, int err)
{
	if (!j->err) {
		j->err = err;
		j->err_at = j->p;
	}
	j->p = j->end;
	return err;
}

void gs_json_init(struct gs_json *j, const char *text, size_t len,
		  struct gs_arena *arena)
{
	j->p = text;
	j->end = text + len;
	j->arena = arena;
	j->err_at = NULL;
	j->err = 0;
	j->depth = 0;
	j->utf8_checked = 0;
}

static inline void skip_ws(struct gs_json *j)
{
	const char *p = j->p, *e = j->end;
	/* compact JSON, as archives are written, has none: one compare */
	if (p < e && (unsigned char)*p > ' ')
		return;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	j->p = p;
}

enum gs_json_type gs_json_peek(struct gs_json *j)
{
	if (j->err)
		return GS_JSON_END;
	skip_ws(j);
	if (j->p >= j->end)
		return GS_JSON_END;
	switch (*j->p) {
	case '{':
	case '[':
	case '"':
	case 't':
	case 'f':
	case 'n':
		return (enum gs_json_type)*j->p;
	case '-':
	case '0' ... '9':
		return GS_JSON_NUMBER;
	}
	return GS_JSON_END;
}

int gs_json_object_begin(struct gs_json *j)
{
	if (j->err)
		return j->err;
	skip_ws(j);
	if (j->p >= j->end || *j->p != '{')
		return j->p >= j->end ? fail(j, GS_EJSON) : GS_ETYPE;
	if (++j->depth > GS_JSON_MAX_DEPTH)
		return fail(j, GS_EJSON);
	j->p++;
	return 0;
}

/* Finds the closing quote of a string whose body starts at p. */
static const char *string_end(const char *p, const char *end)
{
	for (;;) {
		const char *q = find_quote_or_backslash(p, end);
		if (!q || *q == '"')
			return q;
		p = q + 2; /* the escaped byte cannot end the string */
		if (p >= end)
			return NULL;
	}
}

static int read_key(struct gs_json *j, struct gs_str *key)
{
	skip_ws(j);
	if (j->p >= j->end || *j->p != '"')
		return fail(j, GS_EJSON);
	const char *s = j->p + 1;
	const char *q = string_end(s, j->end);
	if (!q)
		return fail(j, GS_EJSON);
	key->p = s;
	key->n = (size_t)(q - s);
	j->p = q + 1;
	skip_ws(j);
	if (j->p >= j->end || *j->p != ':')
		return fail(j, GS_EJSON);
	j->p++;
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, GS_EJSON);
	return 1;
}

int gs_json_object_next(struct gs_json *j, struct gs_str *key)
{
	if (j->err)
		return j->err;
	/* Fast path for compact JSON, as archives are written: ,"key": */
	const char *p = j->p;
	const char *k = NULL;
	if (j->end - p > 2) {
		if (p[0] == ',' && p[1] == '"' && p[-1] != '{')
			k = p + 2;
		else if (p[0] == '"' && p[-1] == '{')
			k = p + 1; /* the first key, right after the brace */
	}
	if (k) {
		const char *q = find_quote_or_backslash(k, j->end);
		if (q && *q == '"' && q + 1 < j->end && q[1] == ':' &&
		    q + 2 < j->end && q[2] != ' ') {
			key->p = k;
			key->n = (size_t)(q - k);
			j->p = q + 2;
			return 1;
		}
	}
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, GS_EJSON);
	char c = *j->p;
	if (c == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	/* After '{' comes a key directly; after a value, a comma. The byte
	 * before the cursor, past white space, tells which. */
	const char *b = j->p - 1;
	while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
		b--;
	if (*b == '{')
		return read_key(j, key);
	if (c != ',')
		return fail(j, GS_EJSON);
	j->p++;
	return read_key(j, key);
}

int gs_json_array_begin(struct gs_json *j)
{
	if (j->err)
		return j->err;
	skip_ws(j);
	if (j->p >= j->end || *j->p != '[')
		return j->p >= j->end ? fail(j, GS_EJSON) : GS_ETYPE;
	if (++j->depth > GS_JSON_MAX_DEPTH)
		return fail(j, GS_EJSON);
	j->p++;
	return 0;
}

int gs_json_array_next(struct gs_json *j)
{
	if (j->err)
		return j->err;
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, GS_EJSON);
	if (*j->p == ']') {
		j->p++;
		j->depth--;
		return 0;
	}
	const char *b = j->p - 1;
	while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
		b--;
	if (*b == '[')
		return 1;
	if (*j->p != ',')
		return fail(j, GS_EJSON);
	j->p++;
	skip_ws(j);
	if (j->p >= j->end || *j->p == ']')
		return fail(j, GS_EJSON);
	return 1;
}

static int match_lit(struct gs_json *j, const char *lit, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return fail(j, GS_EJSON);
	j->p += n;
	return 0;
}

/* Are the eight bytes at p all ASCII digits? */
static inline int eight_digits(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return ((w & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
		(((w + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ==
	       UINT64_C(0x3333333333333333);
}

static int scan_number(struct gs_json *j, const char **start)
{
	const char *p = j->p, *e = j->end;
	*start = p;
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return fail(j, GS_EJSON);
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9') {
		while (e - p >= 8 && eight_digits(p))
			p += 8;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	else
		return fail(j, GS_EJSON);
	if (p < e && *p == '.') {
		p++;
		if (p >= e || *p < '0' || *p > '9')
			return fail(j, GS_EJSON);
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || *p < '0' || *p > '9')
			return fail(j, GS_EJSON);
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	return 0;
}

/* A bracket (or a stray backslash) outside strings: opens or closes a level.
 * Returns 1 when the outermost level closed, 0 to go on, or an error. */
static inline int bracket(struct gs_json *j, char c, int *depth,
			  uint64_t *stack)
{
	int d = *depth;
	switch (c) {
	case '{':
	case '[':
		if (d + j->depth >= GS_JSON_MAX_DEPTH)
			return fail(j, GS_EJSON);
		if (c == '{')
			stack[d >> 6] |= 1ull << (d & 63);
		else
			stack[d >> 6] &= ~(1ull << (d & 63));
		*depth = d + 1;
		return 0;
	case '}':
	case ']':
		if (d == 0)
			return fail(j, GS_EJSON);
		d--;
		if (((stack[d >> 6] >> (d & 63)) & 1) != (c == '}'))
			return fail(j, GS_EJSON);
		*depth = d;
		return d == 0;
	default: /* a backslash outside a string */
		return fail(j, GS_EJSON);
	}
}

/*
 * Scans to the end of nested containers: from p with `depth` containers
 * already open (the innermost an object when `in_object`), to just past the
 * bracket that closes the outermost. Bit i of stack is 1 when level i is an
 * object, so "{]" is caught.
 */
static int skip_container(struct gs_json *j, const char *p, int depth,
			  int in_object)
{
	const char *e = j->end;
	uint64_t stack[GS_JSON_MAX_DEPTH / 64];
	int in_str = 0;
	if (depth)
		stack[0] = in_object ? 1 : 0;
#ifdef __SSE2__
	/* 32 bytes at a time: one mask of the bytes that matter (quotes,
	 * backslashes, brackets), walked bit by bit, so a string costs a few
	 * instructions per quote instead of a search of its own. */
	const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'),
		      lo = _mm_set1_epi8(0x20), vo = _mm_set1_epi8('{'),
		      vc = _mm_set1_epi8('}');
	while (e - p >= 32) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		__m128i fa = _mm_or_si128(a, lo), fb = _mm_or_si128(b, lo);
		__m128i ma = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(a, vq), _mm_cmpeq_epi8(a, vb)),
			_mm_or_si128(_mm_cmpeq_epi8(fa, vo), _mm_cmpeq_epi8(fa, vc)));
		__m128i mb = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(b, vq), _mm_cmpeq_epi8(b, vb)),
			_mm_or_si128(_mm_cmpeq_epi8(fb, vo), _mm_cmpeq_epi8(fb, vc)));
		uint32_t m = (uint32_t)_mm_movemask_epi8(ma) |
			     ((uint32_t)_mm_movemask_epi8(mb) << 16);
		int skip_first = 0; /* an escape at byte 31 escapes byte 32 */
		while (m) {
			int i = __builtin_ctz(m);
			m &= m - 1;
			char c = p[i];
			if (in_str) {
				if (c == '\\') {
					if (i == 31)
						skip_first = 1;
					else
						m &= ~(1u << (i + 1));
				} else if (c == '"') {
					in_str = 0;
				}
				continue;
			}
			if (c == '"') {
				in_str = 1;
				continue;
			}
			int r = bracket(j, c, &depth, stack);
			if (r < 0)
				return r;
			if (r) {
				j->p = p + i + 1;
				return 0;
			}
		}
		p += 32 + skip_first;
	}
#endif
	/* The rest (and everything without SSE2), byte by byte. */
	while (p < e) {
		char c = *p++;
		if (in_str) {
			if (c == '\\')
				p++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			continue;
		}
		if (c != '{' && c != '[' && c != '}' && c != ']' && c != '\\')
			continue;
		int r = bracket(j, c, &depth, stack);
		if (r < 0)
			return r;
		if (r) {
			j->p = p;
			return 0;
		}
	}
	return fail(j, GS_EJSON);
}

int gs_json_object_skip_rest(struct gs_json *j)
{
	if (j->err)
		return j->err;
	j->depth--;
	return skip_container(j, j->p, 1, 1);
}

int gs_json_skip(struct gs_json *j)
{
	if (j->err)
		return j->err;
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, GS_EJSON);
	const char *p = j->p, *e = j->end;
	const char *num;
	switch (*p) {
	case '"': {
		const char *q = string_end(p + 1, e);
		if (!q)
			return fail(j, GS_EJSON);
		j->p = q + 1;
		return 0;
	}
	case 't':
		return match_lit(j, "true", 4);
	case 'f':
		return match_lit(j, "false", 5);
	case 'n':
		return match_lit(j, "null", 4);
	case '{':
	case '[':
		break;
	default:
		return scan_number(j, &num);
	}
	return skip_container(j, p, 0, 0);
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* Decodes the escaped body s[0..n) into the arena. */
static int decode(struct gs_json *j, const char *s, size_t n,
		  struct gs_str *out)
{
	struct gs_arena *a = j->arena;
	if (!a || a->cap - a->used < n)
		return fail(j, GS_ETOOLONG);
	char *o0 = a->buf + a->used, *o = o0;
	const char *p = s, *e = s + n;
	while (p < e) {
		const char *bs = memchr(p, '\\', (size_t)(e - p));
		const char *stop = bs ? bs : e;
		memcpy(o, p, (size_t)(stop - p));
		o += stop - p;
		if (!bs)
			break;
		p = bs + 1;
		if (p >= e)
			return fail(j, GS_EJSON);
		switch (*p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			uint32_t cp, lo;
			if (e - p < 4 || hex4(p, &cp))
				return fail(j, GS_EJSON);
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return fail(j, GS_EUTF8);
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return fail(j, GS_EUTF8);
			}
			o = put_utf8(o, cp);
			break;
		}
		default:
			return fail(j, GS_EJSON);
		}
	}
	out->p = o0;
	out->n = (size_t)(o - o0);
	a->used += out->n;
	return 0;
}

int gs_json_string(struct gs_json *j, struct gs_str *out)
{
	if (j->err)
		return j->err;
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, GS_EJSON);
	if (*j->p != '"')
		return GS_ETYPE;
	const char *s = j->p + 1;
	/* One pass finds the closing quote, a backslash (escapes to decode)
	 * or a raw control character (not allowed in JSON strings). */
	const char *q = find_string_special(s, j->end);
	int esc = 0;
	while (q && *q == '\\') {
		esc = 1;
		if (q + 2 > j->end)
			return fail(j, GS_EJSON);
		q = find_string_special(q + 2, j->end);
	}
	if (!q)
		return fail(j, GS_EJSON);
	if (*q != '"')
		return fail(j, GS_EJSON); /* control character */
	size_t n = (size_t)(q - s);
	if (!j->utf8_checked && !gs_utf8_valid(s, n))
		return fail(j, GS_EUTF8);
	j->p = q + 1;
	if (!esc) {
		out->p = s;
		out->n = n;
		return 0;
	}
	return decode(j, s, n, out);
}

int gs_json_scalar(struct gs_json *j, struct gs_str *out)
{
	switch (gs_json_peek(j)) {
	case GS_JSON_STRING:
		return gs_json_string(j, out);
	case GS_JSON_NUMBER: {
		const char *s;
		int r = scan_number(j, &s);
		out->p = s;
		out->n = (size_t)(j->p - s);
		return r;
	}
	case GS_JSON_NULL:
		out->p = "";
		out->n = 0;
		return match_lit(j, "null", 4);
	default:
		return j->err ? j->err : GS_ETYPE;
	}
}

int gs_json_int(struct gs_json *j, int64_t *out)
{
	if (gs_json_peek(j) != GS_JSON_NUMBER)
		return j->err ? j->err : GS_ETYPE;
	const char *s;
	int r = scan_number(j, &s);
	if (r)
		return r;
	int neg = *s == '-';
	const char *p = s + neg;
	uint64_t v = 0;
	/* Eight digits at a time (SWAR, as in simdjson) while no overflow
	 * is possible: epoch microseconds have 16. */
	if (j->p - p <= 18) {
		while (j->p - p >= 8) {
			if (!eight_digits(p))
				break;
			uint64_t w;
			memcpy(&w, p, 8);
			w -= UINT64_C(0x3030303030303030);
			w = (w * 10) + (w >> 8);
			w = (((w & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x000F424000000064)) +
			     (((w >> 16) & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x0000271000000001))) >>
			    32;
			v = v * 100000000 + (uint32_t)w;
			p += 8;
		}
	}
	for (; p < j->p; p++) {
		if (*p < '0' || *p > '9')
			return GS_ETYPE;
		uint64_t d = (uint64_t)(*p - '0');
		/* up to 2^63 - 1, or 2^63 when negative (INT64_MIN) */
		if (v > UINT64_C(922337203685477580) ||
		    (v == UINT64_C(922337203685477580) &&
		     d > 7u + (unsigned)neg))
			return GS_ETYPE;
		v = v * 10 + d;
	}
	*out = !neg			? (int64_t)v
	       : v == UINT64_C(1) << 63 ? INT64_MIN
					: -(int64_t)v;
	return 0;
}

int gs_json_null(struct gs_json *j)
{
	if (gs_json_peek(j) != GS_JSON_NULL)
		return 0;
	return match_lit(j, "null", 4) == 0;
}

int gs_json_bool(struct gs_json *j, int *out)
{
	switch (gs_json_peek(j)) {
	case GS_JSON_TRUE:
		*out = 1;
		return match_lit(j, "true", 4);
	case GS_JSON_FALSE:
		*out = 0;
		return match_lit(j, "false", 5);
	default:
		return j->err ? j->err : GS_ETYPE;
	}
}

int gs_json_finish(struct gs_json *j)
{
	if (j->err)
		return j->err;
	skip_ws(j);
	if (j->p != j->end)
		return fail(j, GS_EJSON);
	return 0;
}
