/*
 * hashtag.h - finding hashtags in the text of a post.
 *
 * Ownership: nothing is allocated. The strings stored in out point into the
 * caller's text and are valid as long as that text is; the caller owns both
 * the text and the out array.
 *
 * The rules are twitter-text's (see hashtag.c for them and for the few
 * differences): "#MeToo, #año #日本語 #1st" gives MeToo, año, 日本語 and 1st;
 * "#16", "a#b", "&#39;", "#tag#other" and "#http://x" give nothing. A tag is
 * returned as written, without its hash sign; gs_fold() (fold.h) gives the
 * key under which spellings are grouped. Tags longer than GS_TAG_MAX bytes
 * are skipped, so every tag returned can be folded.
 */
#ifndef GS_HASHTAG_H
#define GS_HASHTAG_H

#include <stddef.h>

#include "groundswell.h"

/*
 * Finds hashtags in text[0..len); stores up to max of them in out (pointing
 * into text, without the leading hash sign) and returns how many were found
 * (may exceed max: only the first max are stored). Never allocates. Text
 * need not be valid UTF-8 nor NUL-terminated: bytes that are not part of a
 * valid UTF-8 sequence separate words (they are never part of a tag), and
 * nothing outside text[0..len) is read. out may be NULL when max is 0.
 */
size_t gs_hashtag_extract(const char *text, size_t len, struct gs_str *out,
			  size_t max);

#endif
