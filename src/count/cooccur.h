/*
 * cooccur.h - what grouping tags into movements needs beyond the engine's
 * per-tag counts: each tag's accounts as a bottom-k sketch (kmv.h, for
 * account overlaps between tags), the first post of each language using
 * it (how a movement spread), and which tags posts carry together, per
 * bucket (co-occurrence, and the exact posts of a union of tags).
 *
 * Fed the same posts as the engine (through an ingest sink, as a network
 * is) by gs_cooccur_add; two counters fed the two parts of a stream merge
 * (gs_cooccur_merge) to the counter of the whole, exactly while nothing
 * was evicted (stats: tags_evicted, combos_evicted).
 *
 * Combinations: a post with at least two distinct tags adds one to the
 * count of its (bucket, set of tag hashes). From them, exactly: the posts
 * using both of two tags, and the posts using at least one tag of a set
 * (gs_cooccur_union_posts), per bucket or in all.
 *
 * Shared posts: each reposted original (by its id) with the reposts
 * counted and its first GS_COOCCUR_SHARED_TAGS tags, at most max_shared
 * of them (past it, the tenth reposted least, ties the largest id hash,
 * goes): exact counts, unlike a Space-Saving summary, so that the most
 * shared posts of a movement are the same whatever the threads.
 *
 * Bounds: at most max_tags tags (past it, the tenth with the fewest posts
 * is evicted, as the engine does) and max_combos combinations (past it,
 * the tenth with the smallest counts, ties the oldest bucket first);
 * evicted combinations' posts are counted, and an answer over a set of
 * tags may then lack at most combos_evicted_posts shared posts. About
 * 100 bytes per tag plus 8 per account up to k; 64 + 8 per tag per
 * combination.
 *
 * Bluesky reposts carry no tags of their own: as the engine, the counter
 * remembers the last repost_cache tagged Bluesky posts (repost_cache.h) and
 * counts a repost under its original's first 7 tags; a repost whose
 * original it has not seen waits until a merge, where the counter of the
 * earlier part may know it (reposts_unresolved counts those never found).
 *
 * Ownership: the caller owns what gs_cooccur_new returns
 * (gs_cooccur_free); tag keys handed out belong to the counter.
 * Errors: 0 or a negative GS_E* code.
 */
#ifndef GS_COOCCUR_H
#define GS_COOCCUR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"
#include "ingest.h"
#include "kmv.h"

#define GS_COOCCUR_LANGS       16 /* languages whose onset a tag keeps */
#define GS_COOCCUR_SHARED_TAGS 2  /* tags kept of a reposted post */
#define GS_COOCCUR_ID_MAX      31 /* longest post id kept (longer: skipped) */

struct gs_cooccur_options {
	int64_t bucket_ms;   /* default 1 hour */
	unsigned kmv_k;	     /* default GS_KMV_K_DEFAULT */
	size_t max_tags;     /* default 200,000 */
	size_t max_combos;   /* default 2,000,000 */
	size_t max_shared;   /* reposted posts held; default 200,000 */
	size_t repost_cache; /* Bluesky tagged posts remembered for their
				reposts; default 262,144 (the engine's) */
};

void gs_cooccur_options_init(struct gs_cooccur_options *o);

struct gs_cooccur_lang {
	char code[16]; /* as posted, cut to 15 bytes; "" none */
	int64_t first_ms;
	uint64_t posts;
};

/* One tag as the counter holds it (read-only to callers). */
struct gs_cooccur_tag {
	uint64_t hash; /* xxh3 of key, as the engine's */
	uint64_t posts;
	int64_t first_ms;
	struct gs_kmv acc;
	uint16_t nlangs, caplangs; /* most tags have one or two */
	struct gs_cooccur_lang *langs;
	uint16_t keylen;
	char key[]; /* folded, NUL-terminated */
};

struct gs_cooccur_stats {
	uint64_t posts;	       /* posts counted (tags or not) */
	uint64_t tagged_posts; /* posts with at least one tag */
	uint64_t multi_posts;  /* posts with two tags or more */
	uint64_t tags_evicted, evicted_max_posts;
	uint64_t combos_evicted, combos_evicted_posts;
	uint64_t shared_evicted;
	uint64_t reposts_unresolved; /* Bluesky reposts of unknown posts */
	size_t tags, combos, bytes;
};

struct gs_cooccur;

struct gs_cooccur *gs_cooccur_new(const struct gs_cooccur_options *o);
struct gs_cooccur *gs_cooccur_new_like(const struct gs_cooccur *c);
void gs_cooccur_free(struct gs_cooccur *c);

/* Counts one post. 0 or GS_ENOMEM (the post may be partly counted). */
int gs_cooccur_add(struct gs_cooccur *c, const struct gs_post *p);

/* Adds src into dst; GS_EUSAGE when their options differ. src unchanged. */
int gs_cooccur_merge(struct gs_cooccur *dst, const struct gs_cooccur *src);

void gs_cooccur_stats(const struct gs_cooccur *c, struct gs_cooccur_stats *s);

/* The tag of a folded key (NUL-terminated), or NULL if not held. */
const struct gs_cooccur_tag *gs_cooccur_tag(const struct gs_cooccur *c,
					    const char *key);

/*
 * For tags hs[0..n) (hashes of folded keys, distinct): what posts that
 * carried several of them add up to, exactly (but for evicted
 * combinations). *overlap gets the sum over posts of (tags of the set the
 * post used - 1) where that is positive, so that the posts using at least
 * one of the tags are the sum of the tags' own posts minus *overlap. With
 * per_bucket (not NULL), per_bucket[b] gets the same over the posts of
 * bucket first_ms + b * bucket_ms, b < nbuckets. With pair (not NULL, n * n
 * entries), pair[i * n + j] and pair[j * n + i] get the posts that used
 * both tag i and tag j. Returns 0.
 */
int gs_cooccur_overlap(const struct gs_cooccur *c, const uint64_t *hs, size_t n,
		       int64_t first_ms, size_t nbuckets, uint64_t *per_bucket,
		       uint64_t *overlap, uint64_t *pair);

/* A reposted post as held. */
struct gs_cooccur_shared {
	uint64_t key; /* xxh3 of id; 0: empty slot */
	uint64_t reposts;
	uint64_t tags[GS_COOCCUR_SHARED_TAGS]; /* hashes of its first tags */
	uint8_t ntags;
	char id[GS_COOCCUR_ID_MAX + 1];
};

/* The most reposted posts that carry one of tags hs[0..n) (hashes), most
 * reposts first (ties: smaller id), up to max into out (pointers into the
 * counter, valid until it changes). Returns how many. */
size_t gs_cooccur_shared(const struct gs_cooccur *c, const uint64_t *hs,
			 size_t n, const struct gs_cooccur_shared **out,
			 size_t max);

/* A sink (ingest.h) counting every post into c, as gs_cooccur_add does;
 * its parts are counters like c (gs_cooccur_new_like), merged in file
 * order, so the result is the same whatever the threads. */
struct gs_ingest_sink gs_cooccur_sink(struct gs_cooccur *c);

/* Writes the counter as one snapshot section ("GSCO", snapio.h; the
 * format is at the end of cooccur.c). 0, GS_EIO or GS_ENOMEM. */
int gs_cooccur_save(const struct gs_cooccur *c, FILE *f);

/* Reads a section gs_cooccur_save wrote into a new counter made with o
 * (this run's bounds: past them, evictions as when counting; its bucket
 * and k must be the saved ones). The counter, or NULL with *err (may be
 * NULL) set: GS_EFORMAT (damaged, another bucket or k; gs_snap_why() says
 * where when the section itself is), GS_EIO, GS_ENOMEM. */
struct gs_cooccur *gs_cooccur_load(FILE *f, const struct gs_cooccur_options *o,
				   int *err);

/* The options the counter was made with. */
void gs_cooccur_options_of(const struct gs_cooccur *c,
			   struct gs_cooccur_options *o);

/* The bucket width the counter was made with. */
int64_t gs_cooccur_bucket_ms(const struct gs_cooccur *c);

#endif
