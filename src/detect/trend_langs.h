/*
 * trend_langs.h - trends per language: a detector (trend.h) for each
 * language of a struct gs_langs (count/langs.h), each judging its tags
 * against that language's own baseline and its own active accounts.
 *
 * Batch (gs_trend_langs_run_batch) and live (gs_trend_langs_add, then
 * gs_trend_langs_finish) give the same events for time-ordered input, as
 * gs_trend_run_batch and struct gs_trend_live do for one engine: each
 * language's detector closes its buckets as posts of that language
 * arrive, and all of them at the end.
 *
 * Ownership: gs_trend_langs_new/gs_trend_langs_free; the struct gs_langs
 * is borrowed and must outlive it (it is never freed here); detectors and
 * their events belong to the struct gs_trend_langs.
 */
#ifndef GS_TREND_LANGS_H
#define GS_TREND_LANGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "count/langs.h"
#include "trend.h"

struct gs_trend_langs {
	struct gs_langs *langs; /* borrowed */
	struct gs_trend_options o;
	int64_t lateness_buckets;
	size_t n;		    /* detectors made (for langs->v[0..n)) */
	struct gs_trend **t;	    /* langs->max of them */
	struct gs_trend_live *live; /* langs->max of them */
	uint64_t late_posts;	    /* over every language (live) */
};

/* NULL on invalid options or no memory. */
struct gs_trend_langs *gs_trend_langs_new(struct gs_langs *l,
					  const struct gs_trend_options *o,
					  int64_t lateness_buckets);
void gs_trend_langs_free(struct gs_trend_langs *t);

/* The live path: p counted in each of its languages' engines through
 * that language's live detector. 0 or GS_ENOMEM. */
int gs_trend_langs_add(struct gs_trend_langs *t, const struct gs_post *p);

/* Closes every language's buckets up to its last post. 0 or GS_ENOMEM. */
int gs_trend_langs_finish(struct gs_trend_langs *t);

/* The batch path: each language's detector over every bucket its engine
 * counted (after gs_langs_cap, if any). 0 or a GS_E* error. */
int gs_trend_langs_run_batch(struct gs_trend_langs *t);

/*
 * Snapshots (serve's state, issue 13): gs_trend_langs_save writes a
 * section "GSTL" (snapio.h; version 1: n u32, late_posts u64, then for
 * each detector its live position: next i64, started u8, late_posts u64)
 * followed by the n detectors (gs_trend_save); the languages' engines are
 * gs_langs_save's. 0, GS_EIO or GS_ENOMEM.
 *
 * gs_trend_langs_load reads them back over l (as gs_langs_load gave it,
 * borrowed as by gs_trend_langs_new, with options o and lateness_buckets
 * for the languages that appear later): untrusted, n at most l->n. NULL
 * with *err GS_EFORMAT, GS_EUSAGE (invalid options), GS_EIO or GS_ENOMEM.
 */
int gs_trend_langs_save(const struct gs_trend_langs *t, FILE *f);
struct gs_trend_langs *gs_trend_langs_load(FILE *f, struct gs_langs *l,
					   const struct gs_trend_options *o,
					   int64_t lateness_buckets, int *err);

/* Language i's events (gs_trend_events); 0 when it has no detector. */
size_t gs_trend_langs_events(const struct gs_trend_langs *t, size_t i,
			     const struct gs_trend_event **out);

#endif
