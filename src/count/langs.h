/*
 * langs.h - the counts of each language apart: one engine per language, so
 * that each language's trends are judged against its own baseline
 * (docs/languages.md).
 *
 * A post belongs to each language the platform gives it (gs_post.lang and
 * every gs_post.langs: a Mastodon reblog takes the reblogged status's, a
 * Bluesky post up to three), by its primary subtag in lower case ("pt-BR"
 * and "PT" are "pt"): exactly the posts `--lang pt` keeps (filter.h). A
 * post without a language, or whose languages are not 2 to 8 ASCII letters
 * before any '-', belongs to none (counted in no_lang); a Bluesky repost
 * has no language of its own, so it is in none either, as for --lang.
 *
 * Bounded: at most max languages are tracked, the first max to appear (in
 * input order); the posts of the others are counted in other_posts (one
 * per post and language). Each language's engine has the options given
 * (its --max-memory and --max-tags), so memory is at most max times that
 * of one engine. The parts of a file read on threads each track up to
 * GS_LANGS_MAX languages and are merged in file order, keeping the order
 * in which languages first appeared; gs_langs_cap then keeps the first
 * max. This gives exactly the languages and counts of a sequential read
 * as long as no part meets more than GS_LANGS_MAX distinct language codes
 * (there are about 190 two-letter ISO 639-1 codes); past that a part
 * counts the later ones as other and sets overflow, which the caller says.
 * With a fixed list (gs_langs_only) only those languages are tracked.
 *
 * Ownership: gs_langs_new/gs_langs_free; the engines belong to the
 * struct gs_langs (callers borrow them as l->v[i].e), posts are
 * borrowed for the duration of a call.
 */
#ifndef GS_LANGS_H
#define GS_LANGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"
#include "ingest.h"

#define GS_LANG_CODE_MAX     8	 /* letters of a primary language subtag */
#define GS_LANGS_DEFAULT_MAX 32	 /* languages tracked by default */
#define GS_LANGS_MAX	     256 /* the most that can be asked for */

struct gs_lang {
	char code[GS_LANG_CODE_MAX + 1];
	struct gs_engine *e;
};

struct gs_langs {
	struct gs_engine_options o; /* of each language's engine */
	size_t max;		    /* languages tracked at most */
	int fixed;		    /* only the codes of gs_langs_only */
	size_t n;		    /* languages in v, in order of appearance */
	struct gs_lang *v;	    /* max of them */
	uint64_t other_posts;	    /* posts (per language) not tracked */
	uint64_t no_lang;	    /* posts with no usable language */
	uint64_t other_langs;	    /* languages folded into other by
				       gs_langs_cap */
	int overflow;		    /* a language met past max while counting */
};

/*
 * The primary subtag of a language tag as a key into out (lower case, NUL
 * terminated): its length, or 0 when l is empty or not 2 to 8 ASCII
 * letters before the first '-' (then out is "").
 */
size_t gs_lang_key(struct gs_str l, char out[GS_LANG_CODE_MAX + 1]);

/* A new, empty set tracking at most max languages (1..GS_LANGS_MAX), each
 * counted by an engine made with o (its repost cache is not used: a post
 * with a language is never a Bluesky repost). NULL on bad options or no
 * memory. */
struct gs_langs *gs_langs_new(const struct gs_engine_options *o, size_t max);
void gs_langs_free(struct gs_langs *l);

/* Tracks only the codes of list (comma-separated primary subtags, as
 * --language gives them; case does not matter), in the order given; the
 * rest go to other. Call before the first post. 0, or GS_EUSAGE for an
 * invalid or repeated code or more codes than max, or GS_ENOMEM. */
int gs_langs_only(struct gs_langs *l, const char *list);

/*
 * The languages p belongs to, as indexes into l->v (created as the cap
 * allows) in idx[0..return), at most GS_POST_MAX_LANGS + 1; what is not
 * tracked is counted in other. GS_ENOMEM when a language's engine could
 * not be made. For a caller that feeds the engines itself (serve's live
 * detectors); gs_langs_add counts too.
 */
int gs_langs_route(struct gs_langs *l, const struct gs_post *p,
		   size_t idx[GS_POST_MAX_LANGS + 1]);

/* Counts p in the engine of each of its tracked languages. 0 or GS_ENOMEM. */
int gs_langs_add(struct gs_langs *l, const struct gs_post *p);

/* Folds src into dst (made with the same options and max), as if dst had
 * read src's posts after its own, and frees src (even on failure). 0,
 * GS_EUSAGE (different options) or GS_ENOMEM. */
int gs_langs_absorb(struct gs_langs *dst, struct gs_langs *src);

/* Keeps the first keep languages (in order of appearance) and folds the
 * posts of the rest into other_posts, freeing their engines. */
void gs_langs_cap(struct gs_langs *l, size_t keep);

/* The index of a language by code (any case), or -1. */
ptrdiff_t gs_langs_find(const struct gs_langs *l, const char *code);

/* The tracked languages' indexes sorted by code into order[0..l->n). */
void gs_langs_sorted(const struct gs_langs *l, size_t *order);

/*
 * Snapshots (serve's state, issue 13): gs_langs_save writes a section
 * "GSLA" (snapio.h; version 1: max u32, fixed u8, n u32, other_posts,
 * no_lang, other_langs u64, overflow u8, then each code as u8 length and
 * its letters, in order of appearance) followed by the n languages'
 * engines (gs_engine_save). 0, GS_EIO or GS_ENOMEM.
 *
 * gs_langs_load reads them back (untrusted: each code must be a valid,
 * distinct key, n at most max, max at most GS_LANGS_MAX, each engine's
 * bucket o->bucket_ms), the set's engine options and each engine's memory
 * bound taken from o (this run's). NULL with *err GS_EFORMAT, GS_EIO or
 * GS_ENOMEM.
 */
int gs_langs_save(const struct gs_langs *l, FILE *f);
struct gs_langs *gs_langs_load(FILE *f, const struct gs_engine_options *o,
			       int *err);

/* A sink (ingest.h) counting every post into l; its parts are sets of the
 * same options, absorbed in file order. */
struct gs_ingest_sink gs_langs_sink(struct gs_langs *l);

#endif
