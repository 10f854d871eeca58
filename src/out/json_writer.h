/*
 * json_writer.h - the one JSON (and CSV) string writer of every output: the
 * CLI's tables, the server's answers, the networks' files and the
 * generator's lines all quote text here, so that a tag or a handle is
 * written the same way wherever it appears.
 *
 * The rule (RFC 8259): '"' and '\' are escaped, \n \r \t by their short
 * forms, every other byte under 0x20 as \u00XX (lower-case hex); every
 * other byte is copied, so valid UTF-8 stays as it is. GS_JSON_ASCII
 * escapes every non-ASCII code point too (\uXXXX, a surrogate pair above
 * U+FFFF), as Python's json.dumps does by default.
 *
 * CSV (RFC 4180): a field holding ',', '"', CR or LF is quoted, with its
 * quotes doubled; any other field is written as it is.
 *
 * Ownership: nothing is allocated; the caller owns every buffer and stream.
 * Write errors are left in the stream (ferror), as stdio does.
 */
#ifndef GS_JSON_WRITER_H
#define GS_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GS_JSON_ASCII 1u /* escape every non-ASCII code point */

/* The most bytes gs_json_escape writes for n input bytes (a control byte
 * becomes six). */
#define GS_JSON_ESCAPED_MAX(n) ((n) * 6)

/* Writes the contents (no quotes) of the JSON string of s[0..n) at dst,
 * which has room for GS_JSON_ESCAPED_MAX(n) bytes; returns the bytes
 * written. With GS_JSON_ASCII, s should be valid UTF-8 (a truncated
 * sequence is escaped byte by byte). */
size_t gs_json_escape(char *dst, const char *s, size_t n, unsigned flags);

/* Writes s (NUL-terminated) or s[0..n) as a quoted JSON string. */
void gs_json_str(FILE *f, const char *s);
void gs_json_strn(FILE *f, const char *s, size_t n);

/* ms as a quoted RFC 3339 time; "" for INT64_MIN and INT64_MAX (no time). */
void gs_json_time(FILE *f, int64_t ms);

/* ms as RFC 3339 text in buf; "" for INT64_MIN and INT64_MAX. */
void gs_time_text(char buf[32], int64_t ms);

/* Writes s as one CSV field. */
void gs_csv_str(FILE *f, const char *s);

#endif
