/*
 * json.h - a pull scanner for one JSON text held in memory.
 *
 * groundswell never builds a document tree: format parsers walk objects key by
 * key, read the few values they need and skip the rest. What is read is
 * validated (strings are checked for UTF-8 and their escapes decoded, numbers
 * and literals checked); what is skipped is checked for balanced brackets and
 * terminated strings only, which is what keeps the hot path fast.
 *
 * Ownership: a struct gs_json borrows the input text and a scratch arena; both
 * belong to the caller and must outlive the strings read through it. Strings
 * without escapes point into the input; decoded ones point into the arena.
 */
#ifndef GS_JSON_H
#define GS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "groundswell.h"
#include "utf8.h"

/* Deepest nesting accepted; deeper input is rejected as malformed. */
#define GS_JSON_MAX_DEPTH 256

/* Bump allocator for decoded strings, reset per line. Decoding never makes a
 * string longer than its escaped form, so an arena as large as the longest
 * accepted line never runs out. */
struct gs_arena {
	char *buf;
	size_t used, cap;
};

struct gs_json {
	const char *p, *end;
	struct gs_arena *arena;
	const char *err_at; /* where the first error was seen, for messages */
	int err;            /* first GS_E* error, 0 while all is well */
	int depth;
	int utf8_checked;   /* set by the caller when the whole text is known
			       to be valid UTF-8: strings are not checked again */
};

enum gs_json_type {
	GS_JSON_END = 0, /* no more input, or an error */
	GS_JSON_OBJECT = '{',
	GS_JSON_ARRAY = '[',
	GS_JSON_STRING = '"',
	GS_JSON_NUMBER = '0',
	GS_JSON_TRUE = 't',
	GS_JSON_FALSE = 'f',
	GS_JSON_NULL = 'n',
};

void gs_json_init(struct gs_json *j, const char *text, size_t len,
		  struct gs_arena *arena);

/* Type of the next value, after skipping white space; does not consume it. */
enum gs_json_type gs_json_peek(struct gs_json *j);

/*
 * Objects: call gs_json_object_begin() on a '{', then gs_json_object_next()
 * until it returns 0 (end of object) or a negative error. When it returns 1,
 * key holds the raw key (escapes not decoded: groundswell's keys have none)
 * and the cursor stands on the value, which must be read or skipped.
 */
int gs_json_object_begin(struct gs_json *j);
int gs_json_object_next(struct gs_json *j, struct gs_str *key);

/* Arrays: same protocol; 1 means the cursor stands on an element. */
int gs_json_array_begin(struct gs_json *j);
int gs_json_array_next(struct gs_json *j);

/* Inside an object, after a value: skips its remaining members and the
 * closing brace, as if gs_json_object_next() had returned 0. Members
 * skipped this way are only checked for balanced brackets and strings. */
int gs_json_object_skip_rest(struct gs_json *j);

/* Skips one value of any type. */
int gs_json_skip(struct gs_json *j);

/* Reads a string, validated and decoded. GS_ETYPE when the value is not a
 * string (the value is then left unconsumed). */
int gs_json_string(struct gs_json *j, struct gs_str *out);

/* Reads a string, or a number as its literal text (ids come as both); null
 * gives an empty string and returns 0. */
int gs_json_scalar(struct gs_json *j, struct gs_str *out);

/* Reads an integer number (no fraction, no exponent) into *out. */
int gs_json_int(struct gs_json *j, int64_t *out);

/* Consumes a null and returns 1; returns 0 and consumes nothing otherwise. */
int gs_json_null(struct gs_json *j);

/* Reads true or false. */
int gs_json_bool(struct gs_json *j, int *out);

/*
 * Where the first control character (U+0000 to U+001F) that RFC 8259
 * forbids in text[0..len) is: any inside a string (they must be escaped
 * there), any but tab, line feed and carriage return between tokens.
 * Returns its offset, or len when there is none. The skipping paths never
 * look inside strings, so a line is checked once, whole, with this: one
 * 16-byte compare per block, and a walk of the strings only for a line
 * that holds such a byte at all.
 */
size_t gs_json_find_control(const char *text, size_t len);

/* After the top-level value: GS_EJSON unless only white space is left. */
int gs_json_finish(struct gs_json *j);

/* An empty string may have a NULL p (a field never read): memcmp must not
 * see it, not even for 0 bytes (C11 7.24.1). */
static inline int gs_str_eq(struct gs_str s, const char *lit, size_t n)
{
	return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}
#define GS_STR_IS(s, lit) gs_str_eq((s), (lit), sizeof(lit) - 1)

#endif
