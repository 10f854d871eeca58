/*
 * groundswell.h - public API of libgroundswell.
 *
 * groundswell reads social-media archives (Twitter v1.1 and v2, Bluesky
 * Jetstream, Mastodon) one JSON line at a time and measures every hashtag
 * movement in them: posts, reposts, replies, distinct accounts, timelines,
 * co-occurring tags, languages and mentions.
 *
 * The pieces:
 *   struct gs_parser  turns one input line into zero or more struct gs_post;
 *   struct gs_engine  counts posts; holds no global state; two engines fed
 *                     disjoint parts of a stream merge into the engine of the
 *                     whole (gs_engine_merge);
 *   struct gs_reader  reads lines from files or stdin (.gz and .zst too) with
 *                     a cap on line length.
 *
 * Ownership: every *_new has a *_free; the caller owns what *_new returns.
 * A struct gs_post and the strings it points to are borrowed from the parser
 * and valid only until the next call on that parser. Strings handed to the
 * engine are copied when it keeps them. Nothing returned as const is to be
 * freed by the caller.
 *
 * Errors: functions return 0 (or a count) on success and a negative GS_E*
 * code on failure; gs_strerror() gives its message.
 */
#ifndef GROUNDSWELL_H
#define GROUNDSWELL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GS_VERSION "0.1.0"

/* One error table for the whole library: see gs_strerror(). */
#define GS_ERRORS(X)                                                           \
	X(GS_OK, 0, "success")                                                 \
	X(GS_ENOMEM, -1, "out of memory")                                      \
	X(GS_EIO, -2, "input/output error")                                    \
	X(GS_EJSON, -3, "malformed JSON")                                      \
	X(GS_EUTF8, -4, "invalid UTF-8")                                       \
	X(GS_ETOOLONG, -5, "line too long")                                    \
	X(GS_ETYPE, -6, "field has the wrong type")                            \
	X(GS_EFORMAT, -7, "unrecognised input format")                         \
	X(GS_EMISSING, -8, "required field missing")                           \
	X(GS_ETIME, -9, "unparseable time")                                    \
	X(GS_EUSAGE, -10, "invalid argument")                                  \
	X(GS_ENOTFOUND, -11, "not found")                                      \
	X(GS_EDECOMPRESS, -12, "corrupt compressed input")

enum gs_err {
#define GS_ERR_ENUM_(name, val, msg) name = val,
	GS_ERRORS(GS_ERR_ENUM_)
#undef GS_ERR_ENUM_
};

/* Message for a GS_E* code; never NULL. */
const char *gs_strerror(int err);

/* A borrowed byte string, not NUL-terminated. */
struct gs_str {
	const char *p;
	size_t n;
};

enum gs_format {
	GS_FORMAT_AUTO = 0,
	GS_FORMAT_TWITTER1,  /* Twitter API v1.1, as twarc writes it */
	GS_FORMAT_TWITTER2,  /* Twitter API v2: twarc2 pages or flattened */
	GS_FORMAT_JETSTREAM, /* Bluesky Jetstream events */
	GS_FORMAT_MASTODON,  /* Mastodon Status entities, or SSE captures */
	GS_FORMAT_COUNT_
};

/* "twitter1", "twitter2", "jetstream", "mastodon" (and "auto"). */
const char *gs_format_name(enum gs_format f);
/* Parses a format name; returns GS_FORMAT_COUNT_ when unknown. */
enum gs_format gs_format_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
