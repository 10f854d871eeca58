/*
 * engine_int.h - what the parts of the engine share (private to
 * src/count/engine*.c; the API is groundswell.h's).
 *
 *   engine.c           the design; lifecycle, the tag table and its bounds
 *                      (eviction, the memory bound), adding posts, merging:
 *                      everything that changes what an engine holds
 *   engine_query.c     the answers: the summary, tag statistics and the
 *                      tag list, timelines, co-tags, languages, mentions,
 *                      spans, examples, memory
 *   engine_obs.c       what the trend detector reads: per-bucket
 *                      observations (sorted arrays, the bucket-by-bucket
 *                      iterator) and the day figures
 *   engine_snapshot.c  gs_engine_save() and gs_engine_load()
 *   engine_accounts.c  derived account sets (acc_derived, below)
 *
 * Ownership: a struct gs_engine owns its table and every tag in it, and a
 * tag everything it points to (timeline, sketches, spellings, summaries,
 * first id); the engine owns its global timeline, language table and
 * repost cache. Only gs_engine_free() frees them; the parts that only read
 * (queries, observations, saving) hand out pointers into the engine, valid
 * until it next changes.
 */
#ifndef GS_ENGINE_INT_H
#define GS_ENGINE_INT_H

#include <stdint.h>
#include <string.h>
#include <xxhash.h>

#include "groundswell.h"
#include "handles.h"
#include "hll.h"
#include "repost_cache.h"

#define SPELLINGS_MAX 4
#define LANGS_MAX     1024
#define NAME_MAX_     40
/* Mentioned accounts carry their id (40 bytes): fewer of them are kept. */
#define MENTIONS_K(e) ((e)->o.top_k < 10 ? (e)->o.top_k : 10)
/* Issue 12 part 4: shared links carry their URL, kept to its first 255
 * bytes at a character's boundary (and counted as kept), and domains their
 * host, kept to 63: names of any length, each its own allocation
 * (TOPK_VAR), as a rare tag's one link would waste most of a fixed width;
 * as many of each as mentions. */
#define TOPK_VAR     0xFFFF
#define URL_NAME_MAX 256
#define DOM_NAME_MAX 64
#define URLS_K(e)    MENTIONS_K(e)
#define DOMS_K(e)    MENTIONS_K(e)

/* What the memory bound shrinks first (engine.c, compact): the
 * distinct-account sketches of buckets at least COMPACT_AGE_MS older than
 * the newest post go down to precision 8 (at most 256 bytes instead of 1 KB
 * at the default p of 10; relative standard error gs_hll_rse(8) = 6.5%
 * instead of 3.3%, exact up to 16 accounts), and if that is not enough to 6
 * (64 bytes, 13%, exact up to 4). Evicting a tag loses all of it; this
 * loses precision in old buckets only. Posts stay exact, and reduced
 * sketches still merge exactly (gs_hll_reduce). A day keeps the buckets
 * that late posts, the detector's current window and `serve` still work on
 * at full precision. A snapshot's buckets may hold any precision from
 * COMPACT_P2 up. */
#define COMPACT_P1     8
#define COMPACT_P2     6
#define COMPACT_AGE_MS (24 * GS_MS_HOUR)

/* Issue 17: a tag's buckets at least PACK_AGE_MS older than its newest
 * bucket are old: posts there would be more than a day late. An old
 * bucket's exact account set of 2..GS_HLL_PACK_MAX members is packed
 * (gs_hll_pack: 8 bytes a member instead of a table 2 to 3 times that,
 * and one allocation less), whatever the engine's history: counting,
 * merging and loading keep that so (gs_engine_pack_old), so that engines
 * built any of these ways hold the same. Nothing read changes: a packed
 * set has the same members, estimate, unions and saved form. A late post
 * in an old bucket unpacks its set, adds, and packs it again. */
#define PACK_AGE_MS (24 * GS_MS_HOUR)

/* Issue 17, derived account sets: every post is added to its tag's
 * all-time sketch and to its bucket's, so while all of a tag's buckets are
 * exact sets the tag's distinct accounts are exactly their union, and a
 * second copy of the members (8 to 21 bytes each in a table of up to 16
 * KB) is not needed. Such a tag is acc_derived: t->accounts stays an
 * empty sketch of the tag precision (no allocation, nothing added), and
 * readers take gs_engine_tag_accounts(), the union of the buckets' members
 * added at that precision: the same set, or once past its exact size the
 * same registers (a register is the maximum over the members, whatever
 * their order), so every answer is the one the tag's own sketch gave. The
 * tag gets its own sketch (tag_materialize: the union, then every post
 * added as before) just before one of its buckets could turn dense and
 * lose its members: a post to a full bucket set, a memory bound shrinking
 * a bucket, a merge of buckets whose sets could outgrow their exact size,
 * or a merge with a tag that has its own. A loaded tag is derived again
 * when its buckets are all sets and their union equals its saved sketch;
 * a saved derived tag writes the union (the same format). */

struct topk_ent {
	uint64_t key;
	uint32_t count, err; /* err: count inherited on replacement; both
				saturate at UINT32_MAX */
};

/* A Space-Saving summary of at most k entries (k is the caller's: top_k,
 * MENTIONS_K, URLS_K or 4), unsorted. */
struct topk {
	uint16_t n, cap; /* cap grows 2, 4, 8... up to k: most tags are rare */
	uint16_t w;	 /* bytes of a name (0: none; TOPK_VAR: each its own
			    allocation; set with the names) */
	uint16_t nb;	 /* TOPK_VAR: the bytes of the names held */
	struct topk_ent *v;
	union {
		char *names;   /* cap names of w bytes: mentions and examples
				  the id (NAME_MAX_) */
		char **vnames; /* TOPK_VAR: cap names, NULL or malloc'ed (links
				  the URL, domains the host) */
	};
};

/* The name of entry i (a NUL-terminated string; NULL when a TOPK_VAR name
 * could not be allocated). */
static inline char *topk_name(const struct topk *t, size_t i)
{
	return t->w == TOPK_VAR ? t->vnames[i] : t->names + i * t->w;
}

/* What gs_engine_memory() counts for a summary. */
static inline size_t topk_bytes(const struct topk *t)
{
	if (t->w == TOPK_VAR)
		return (size_t)t->cap * (sizeof *t->v + sizeof *t->vnames) +
		       t->nb;
	return (size_t)t->cap * (sizeof *t->v + (t->names ? t->w : 0));
}

struct bucket {
	int64_t t; /* bucket start, ms */
	uint64_t posts;
	struct gs_hll acc;
	/* issue 12 part 3: the bucket's reposts and replies (report
	 * --timeline), saturating at UINT32_MAX; the global timeline keeps
	 * them too */
	uint32_t reposts, replies;
};

struct spelling {
	uint64_t count;
	uint16_t n;
	char s[];
};

struct tag {
	uint64_t hash; /* xxh3 of key */
	uint64_t posts, reposts, replies, quotes, posts_err;
	int64_t first_ms, last_ms;
	struct gs_hll accounts;
	struct bucket *tl; /* the buckets used, by start */
	uint32_t tl_n, tl_cap;
	uint32_t tl_old; /* tl[0..tl_old) are old and packed where they can
			    be (PACK_AGE_MS) */
	uint8_t acc_derived; /* accounts are the buckets' union (above) */
	/* in order of first use; a slot stays its spelling's for the tag's
	 * life (the repost cache keeps slot numbers) */
	struct spelling *sp[SPELLINGS_MAX];
	struct topk cot, langs, ment, rep; /* rep: reposted post ids */
	struct topk urls, doms; /* issue 12 part 4: links, their domains */
	int64_t first_id_ms;
	char *first_id; /* id of the earliest post, or NULL */
	uint16_t keylen;
	char key[]; /* the folded key, NUL-terminated */
};

struct gs_engine {
	struct gs_engine_options o;
	struct tag **slots; /* open addressing, linear probing by hash; at
			       most half full (reserve) */
	size_t nslots, ntags;
	struct gs_summary s;
	uint64_t tag_uses_evicted;
	struct gs_hll accounts, tagkeys;
	struct tag *global; /* timeline of all posts (tagged or not) */
	/* languages: interned, so topk keys are small ids */
	char langs[LANGS_MAX][16];
	size_t nlangs;
	/* Bluesky posts for their reposts' tags (entries' sp[]: spelling
	 * slots), and the reposts still waiting for theirs */
	struct gs_repost_cache rc;
	/* bytes held by the tags (gs_engine_memory's tags to summaries),
	 * kept as they grow; max_bytes > 0 bounds it (fit_memory) */
	size_t mem, max_bytes, mem_retry;
	/* issue 12 part 1: the latest handle of the accounts mentioned in
	 * tagged posts, at most max_tags of them (handles.h), for the
	 * mentioned lists */
	struct gs_handles handles;
	int keep_handles; /* gs_engine_keep_handles: off for report */
};

/* Packs the account sets of t's old buckets not yet packed, from
 * tl[t->tl_old] on (0: all of them; see PACK_AGE_MS), keeping e->mem;
 * out of memory, a set stays as it is. */
void gs_engine_pack_old(struct gs_engine *e, struct tag *t);

/* The sketch of t's distinct accounts: &t->accounts, or for an
 * acc_derived tag tmp made the union of its buckets (out of memory: of
 * some of them, a lower bound). tmp is initialised either way: the caller
 * releases it after using the result. */
const struct gs_hll *gs_engine_tag_accounts(const struct tag *t,
					    struct gs_hll *tmp);

/* Makes out, uninitialised on entry, the union of t's buckets' members at
 * t's precision: 0, GS_ENOMEM or GS_EUSAGE (a bucket is dense), out then
 * a valid empty sketch. */
int gs_engine_tag_union(const struct tag *t, struct gs_hll *out);

/* A loaded tag: derived (acc_derived) when its buckets are all sets whose
 * union equals its sketch, which is then released. 0 or GS_ENOMEM. */
int gs_engine_tag_derive(struct tag *t);

/* Gives the acc_derived t a sketch of its own, the union of its buckets,
 * before one of them can turn dense; the caller counts its bytes. 0 or
 * GS_ENOMEM (t unchanged); a no-op for a tag with its own. */
int gs_engine_tag_materialize(struct tag *t);

/* Whether merging s's buckets into d's could turn a bucket dense: two
 * sets of the same bucket whose sizes add past what their precision keeps
 * exact (acc_derived). */
int gs_engine_may_densify(const struct tag *d, const struct tag *s);

/* Sets e->mem from scratch (after merges and loads). */
void gs_engine_mem_recount(struct gs_engine *e);

/* The slot of the tag with hash h and key[0..n), or the empty slot where it
 * would go; key NULL: the first tag with hash h (what the repost cache and
 * the co-tag summaries, which keep hashes only, can ask). */
static inline struct tag **find_slot(const struct gs_engine *e, uint64_t h,
				     const char *key, size_t n)
{
	size_t mask = e->nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct tag *t = e->slots[i];
		if (!t)
			return &e->slots[i];
		if (t->hash == h &&
		    (!key || (t->keylen == n && memcmp(t->key, key, n) == 0)))
			return &e->slots[i];
	}
}

/* The tag of a folded key, NUL-terminated; NULL if not tracked. */
static inline const struct tag *tag_lookup(const struct gs_engine *e,
					   const char *key)
{
	size_t n = strlen(key);
	uint64_t h = XXH3_64bits(key, n);
	return *find_slot(e, h, key, n);
}

/* The interned id of language l (1..nlangs), 0 if none: never interns
 * (engine.c's lang_id does, when adding). */
uint64_t gs_engine_lang_find(const struct gs_engine *e, struct gs_str l);

/* The first bucket of t's timeline starting at or after b (tl_n if none). */
static inline uint32_t tl_lower_bound(const struct tag *t, int64_t b)
{
	uint32_t lo = 0, hi = t->tl_n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (t->tl[mid].t < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An estimate of distinct accounts, never more than the exact posts it
 * counts the authors of (each post has one author). The rule of every
 * answer: an estimate is not shown above an exact bound. */
static inline double clamp_to(double estimate, uint64_t posts)
{
	return estimate > (double)posts ? (double)posts : estimate;
}

/* A bucket's distinct accounts: the estimate, never more than its posts
 * (each post has one author), which are exact. */
static inline double bucket_accounts(const struct bucket *b)
{
	return clamp_to(gs_hll_estimate(&b->acc), b->posts);
}

#endif
