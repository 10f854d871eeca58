/*
 * fold.h - the grouping key of a hashtag.
 *
 * Two spellings are the same tag when their keys are equal. The key is the
 * NFKC normalisation of the full Unicode case folding of the tag (utf8proc's
 * COMPOSE | COMPAT | CASEFOLD), so "MeToo", "metoo", "METOO" and the
 * full-width "ＭｅＴｏｏ" share the key "metoo". Accents are kept: "año" and
 * "ano" stay apart (Mastodon strips them; researchers comparing languages
 * should not have them merged silently).
 *
 * Ownership: the caller owns both buffers; nothing is allocated.
 */
#ifndef GS_FOLD_H
#define GS_FOLD_H

#include <stddef.h>
#include <sys/types.h>

/* Longest key, in bytes, that gs_fold() produces; longer tags are rejected. */
#define GS_TAG_MAX 256

/*
 * Writes the key of the UTF-8 tag in[0..len) to out (at least GS_TAG_MAX
 * bytes, not NUL-terminated) and returns its length. Returns GS_EUTF8 when
 * the input is not valid UTF-8 and GS_ETOOLONG when the tag or its key is
 * longer than GS_TAG_MAX bytes; out is then unspecified. Pure ASCII takes a
 * fast path that does not call utf8proc.
 */
ssize_t gs_fold(const char *in, size_t len, char *out);

/* Bytes of the mark a tag typed by a user (command line, list file,
 * query) may start with: 1 for '#', 3 for the full-width '＃' (U+FF03),
 * else 0. One mark only: "##x" keeps its second '#'. */
size_t gs_fold_mark(const char *tag, size_t len);

/* gs_fold() of tag[0..len) after its mark (gs_fold_mark): the key of a tag
 * as a user types it. GS_EUSAGE when nothing is left after the mark. */
ssize_t gs_fold_arg(const char *tag, size_t len, char *out);

#endif
