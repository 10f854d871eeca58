/*
 * engine.c - counts hashtag movements in bounded memory (see groundswell.h).
 *
 * Design
 *   Tags live in an open-addressing table keyed by the 64-bit xxh3 hash of
 *   their folded key (fold.h). Each tag holds exact post counters, a
 *   distinct-account sketch (hll.h: exact up to 2^p/16 accounts, then
 *   HyperLogLog with relative standard error 1.04/sqrt(2^p)), a timeline of
 *   the buckets in which it was used (sorted array of non-empty buckets, each
 *   with a post count and its own small sketch), its spellings, and three
 *   Space-Saving summaries (Metwally et al. 2005) of k items: co-occurring
 *   tags, languages and mentioned accounts.
 *
 * Bounds
 *   At most max_tags tags are tracked. When a new tag would exceed that, the
 *   tenth of the tags with the fewest posts is evicted (a batched form of
 *   Space-Saving / lossy counting). The long tail is summarised by the number
 *   of tag uses evicted and a HyperLogLog of all tag keys ever seen (so the
 *   number of distinct tags stays estimated). A tag never evicted has exact
 *   post counts. A tag first seen after an eviction may have lost earlier
 *   posts, at most the largest upper bound (posts + posts_error) of an
 *   evicted tag, which is reported as its posts_error (the bound of
 *   Space-Saving: it holds for tags evicted again and again; merged engines
 *   add their bounds). Memory is therefore O(max_tags * (1 + buckets
 *   used)), independent of the number of posts; max_bytes
 *   (gs_engine_set_max_bytes) bounds it in bytes the same way, after
 *   first shrinking the sketches of buckets more than a day old (compact:
 *   HyperLogLog registers fold exactly to a lower precision, so posts stay
 *   exact and the shrunk sketches still merge).
 *
 *   Bluesky reposts name their original by URI. The last repost_cache
 *   tagged posts are remembered (repost_cache.h, which states the rule for
 *   a post seen twice); a repost of an older post is counted as a post and
 *   repost, and as reposts_unresolved, without tags.
 *
 * Merge
 *   Counters add, sketches take their union, timelines merge bucket by
 *   bucket, Space-Saving summaries add counts and keep the top k (Agarwal et
 *   al. 2012, "Mergeable summaries"). Two engines fed the two halves of a
 *   stream merge to exactly the posts of the whole.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "input/fold.h"
#include "groundswell.h"
#include "hll.h"
#include "repost_cache.h"
#include "base/timeutil.h"

#define SPELLINGS_MAX 4
#define LANGS_MAX 1024
#define NAME_MAX_ 40
/* Mentioned accounts carry their id (40 bytes): fewer of them are kept. */
#define MENTIONS_K(e) ((e)->o.top_k < 10 ? (e)->o.top_k : 10)

struct topk_ent {
	uint64_t key;
	uint32_t count, err; /* err: count inherited on replacement; both
				saturate at UINT32_MAX */
};

static uint64_t sat_add64(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint32_t sat_add(uint32_t a, uint64_t b)
{
	return b >= UINT32_MAX - a ? UINT32_MAX : a + (uint32_t)b;
}

struct topk {
	uint16_t n, cap; /* cap grows 2, 4, 8... up to k: most tags are rare */
	struct topk_ent *v;
	char (*names)[NAME_MAX_]; /* mentions and examples: the id */
};

struct bucket {
	int64_t t; /* bucket start, ms */
	uint64_t posts;
	struct gs_hll acc;
};

struct spelling {
	uint64_t count;
	uint16_t n;
	char s[];
};

struct tag {
	uint64_t hash;
	uint64_t posts, reposts, replies, quotes, posts_err;
	int64_t first_ms, last_ms;
	struct gs_hll accounts;
	struct bucket *tl;
	uint32_t tl_n, tl_cap;
	struct spelling *sp[SPELLINGS_MAX];
	struct topk cot, langs, ment, rep; /* rep: reposted post ids */
	int64_t first_id_ms;
	char *first_id; /* id of the earliest post, or NULL */
	uint16_t keylen;
	char key[]; /* NUL-terminated */
};

struct gs_engine {
	struct gs_engine_options o;
	struct tag **slots;
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
};

void gs_engine_options_init(struct gs_engine_options *o)
{
	o->bucket_ms = GS_MS_HOUR;
	o->max_tags = 200000;
	o->hll_p = 14;
	o->bucket_hll_p = 10;
	o->repost_cache = 262144;
	o->top_k = 16;
	o->max_bytes = 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

struct gs_engine *gs_engine_new(const struct gs_engine_options *opt)
{
	struct gs_engine_options def;
	if (!opt) {
		gs_engine_options_init(&def);
		opt = &def;
	}
	if (opt->bucket_ms <= 0 || opt->max_tags < 16 || opt->hll_p < 4 ||
	    opt->hll_p > 16 || opt->bucket_hll_p < 4 || opt->bucket_hll_p > 16 ||
	    opt->top_k < 1 || opt->top_k > 1024 || opt->repost_cache > (1u << 30))
		return NULL;
	struct gs_engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->o = *opt;
	e->nslots = pow2_at_least(1024);
	e->slots = calloc(e->nslots, sizeof *e->slots);
	/* the ring is allocated with the first tagged Bluesky post */
	gs_repost_cache_init(&e->rc, opt->repost_cache);
	if (!e->slots) {
		gs_engine_free(e);
		return NULL;
	}
	gs_hll_init(&e->accounts, 14);
	gs_hll_init(&e->tagkeys, 14);
	e->global = calloc(1, sizeof *e->global + 1);
	if (!e->global) {
		gs_engine_free(e);
		return NULL;
	}
	e->mem = sizeof *e->global + 1;
	e->max_bytes = e->o.max_bytes;
	e->s.first_ms = INT64_MAX;
	e->s.last_ms = INT64_MIN;
	e->s.bucket_ms = opt->bucket_ms;
	return e;
}

struct gs_engine *gs_engine_new_like(const struct gs_engine *e)
{
	struct gs_engine_options o = e->o;
	o.max_bytes = e->max_bytes;
	return gs_engine_new(&o);
}

static void topk_release(struct topk *t)
{
	free(t->v);
	free(t->names);
}

static size_t topk_bytes(const struct topk *t)
{
	return (size_t)t->cap * (sizeof *t->v + (t->names ? NAME_MAX_ : 0));
}

/* What gs_engine_memory() counts for one tag, the parts that grow while
 * counting (see count_tags). */
static size_t tag_growing_bytes(const struct tag *t)
{
	return gs_hll_bytes(&t->accounts) + t->tl_cap * sizeof *t->tl +
	       topk_bytes(&t->cot) + topk_bytes(&t->langs) + topk_bytes(&t->ment) +
	       topk_bytes(&t->rep);
}

static size_t tag_bytes(const struct tag *t)
{
	size_t n = sizeof *t + t->keylen + 1 + tag_growing_bytes(t) +
		   (t->first_id ? strlen(t->first_id) + 1 : 0);
	for (uint32_t k = 0; k < t->tl_n; k++)
		n += gs_hll_bytes(&t->tl[k].acc);
	for (int k = 0; k < SPELLINGS_MAX && t->sp[k]; k++)
		n += sizeof *t->sp[k] + t->sp[k]->n + 1;
	return n;
}

static void tag_free(struct tag *t)
{
	gs_hll_release(&t->accounts);
	for (uint32_t i = 0; i < t->tl_n; i++)
		gs_hll_release(&t->tl[i].acc);
	free(t->tl);
	for (int i = 0; i < SPELLINGS_MAX; i++)
		free(t->sp[i]);
	topk_release(&t->cot);
	topk_release(&t->langs);
	topk_release(&t->ment);
	topk_release(&t->rep);
	free(t->first_id);
	free(t);
}

void gs_engine_free(struct gs_engine *e)
{
	if (!e)
		return;
	if (e->slots)
		for (size_t i = 0; i < e->nslots; i++)
			if (e->slots[i])
				tag_free(e->slots[i]);
	free(e->slots);
	gs_repost_cache_release(&e->rc);
	gs_hll_release(&e->accounts);
	gs_hll_release(&e->tagkeys);
	if (e->global)
		tag_free(e->global);
	free(e);
}

void gs_engine_count_malformed(struct gs_engine *e, uint64_t n)
{
	e->s.malformed += n;
}

void gs_engine_count_skipped(struct gs_engine *e, uint64_t n)
{
	e->s.skipped += n;
}

/* ---- tag table --------------------------------------------------------- */

static struct tag **find_slot(const struct gs_engine *e, uint64_t h,
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

static int grow_table(struct gs_engine *e, size_t want)
{
	struct tag **old = e->slots;
	size_t oldn = e->nslots;
	e->nslots = pow2_at_least(want * 2 + 16);
	e->slots = calloc(e->nslots, sizeof *e->slots);
	if (!e->slots) {
		e->slots = old;
		e->nslots = oldn;
		return GS_ENOMEM;
	}
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			*find_slot(e, old[i]->hash, old[i]->key, old[i]->keylen) = old[i];
	free(old);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Evicts about the tenth of the tags with the fewest posts (all tags with
 * at most the tenth-percentile count). Tags used in the last two buckets
 * are spared while that still frees a twentieth of the table: a tag on the
 * rise must keep its timeline, or trend detection would lose it. */
static int evict_pass(struct gs_engine *e, int spare_recent, size_t min_candidates)
{
	uint64_t *c = malloc(e->ntags * sizeof *c);
	if (!c)
		return GS_ENOMEM;
	int64_t recent = e->s.last_ms - 2 * e->o.bucket_ms;
	size_t k = 0;
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i] && !(spare_recent && e->slots[i]->last_ms >= recent))
			c[k++] = e->slots[i]->posts;
	if (k == 0 || k < min_candidates) {
		free(c);
		return 1; /* too few candidates */
	}
	qsort(c, k, sizeof *c, cmp_u64);
	uint64_t floor = c[k / 10];
	if (floor == c[k - 1] && floor > 0)
		floor--; /* never evict everything */
	free(c);
	struct tag **old = e->slots;
	size_t oldn = e->nslots;
	e->slots = calloc(e->nslots, sizeof *e->slots);
	if (!e->slots) {
		e->slots = old;
		return GS_ENOMEM;
	}
	e->ntags = 0;
	for (size_t i = 0; i < oldn; i++) {
		struct tag *t = old[i];
		if (!t)
			continue;
		if (t->posts <= floor && !(spare_recent && t->last_ms >= recent)) {
			e->s.tags_evicted++;
			e->tag_uses_evicted += t->posts;
			/* what the tag may have lost before, too: a tag
			 * evicted again and again loses each time */
			uint64_t ub = sat_add64(t->posts, t->posts_err);
			if (ub > e->s.evicted_max_posts)
				e->s.evicted_max_posts = ub;
			e->mem -= tag_bytes(t);
			tag_free(t);
		} else {
			*find_slot(e, t->hash, t->key, t->keylen) = t;
			e->ntags++;
		}
	}
	free(old);
	return 0;
}

static int evict(struct gs_engine *e)
{
	int r = evict_pass(e, 1, e->o.max_tags / 20);
	if (r == 1)
		r = evict_pass(e, 0, e->o.max_tags / 20);
	return r == 1 ? 0 : r; /* nothing evictable: exceed by one post's tags */
}

/* What fit_memory shrinks first: the distinct-account sketches of buckets
 * at least COMPACT_AGE_MS older than the newest post go down to precision
 * 8 (at most 256 bytes instead of 1 KB at the default p of 10; relative
 * standard error gs_hll_rse(8) = 6.5% instead of 3.3%, exact up to 16
 * accounts), and if that is not enough to 6 (64 bytes, 13%, exact up to
 * 4). Evicting a tag loses all of it; this loses precision in old buckets
 * only. Posts stay exact, and reduced sketches still merge exactly
 * (gs_hll_reduce). A day keeps the buckets that late posts, the
 * detector's current window and `serve` still work on at full precision. */
#define COMPACT_P1     8
#define COMPACT_P2     6
#define COMPACT_AGE_MS (24 * GS_MS_HOUR)

/* Shrinks the sketches of every tag's old buckets to precision p (see
 * COMPACT_P1), and gives back the spare room of the timelines of tags not
 * used since. Returns 0 or GS_ENOMEM (what was shrunk stays shrunk;
 * e->mem stays exact). */
static int compact(struct gs_engine *e, unsigned p)
{
	if (e->s.last_ms == INT64_MIN || e->o.bucket_hll_p <= p)
		return 0;
	int64_t before = e->s.last_ms - COMPACT_AGE_MS;
	for (size_t i = 0; i < e->nslots; i++) {
		struct tag *t = e->slots[i];
		if (!t)
			continue;
		for (uint32_t k = 0; k < t->tl_n && t->tl[k].t < before; k++) {
			struct gs_hll *h = &t->tl[k].acc;
			if (h->p <= p ||
			    (!h->dense && h->n <= gs_hll_exact_max(p)))
				continue; /* already small */
			size_t bb = gs_hll_bytes(h);
			if (gs_hll_reduce(h, p))
				return GS_ENOMEM;
			e->mem -= bb - gs_hll_bytes(h);
		}
		if (t->last_ms < before && t->tl_cap > t->tl_n && t->tl_n) {
			struct bucket *v = realloc(t->tl, t->tl_n * sizeof *v);
			if (v) {
				e->mem -= (t->tl_cap - t->tl_n) * sizeof *v;
				t->tl = v;
				t->tl_cap = t->tl_n;
			}
		}
	}
	return 0;
}

/* Brings the tags' memory back under max_bytes, first by shrinking old
 * buckets (compact), then by evicting the tags with
 * the fewest posts, as evict() does, until it is at most 7/8 of it (so
 * that passes are rare). The tags of the last two buckets are spared while
 * others remain. When only heavy tags are left the budget is exceeded, and
 * tried again after another 1/16 of it has been used. Down to 3/4, so
 * that the tags that come back after a pass do not start the next one. */
static int fit_memory(struct gs_engine *e)
{
	size_t target = e->max_bytes / 4 * 3;
	int spare = 1;
	int r = compact(e, COMPACT_P1);
	if (!r && e->mem > target)
		r = compact(e, COMPACT_P2);
	if (r)
		return r;
	e->mem_retry = 0;
	while (e->mem > target) {
		size_t before = e->ntags;
		r = evict_pass(e, spare, 64);
		if (r < 0)
			return r;
		if (r == 1 || e->ntags == before) {
			if (spare) {
				spare = 0;
				continue;
			}
			e->mem_retry = e->mem + e->max_bytes / 16;
			break;
		}
	}
	return 0;
}

size_t gs_engine_set_max_bytes(struct gs_engine *e, size_t bytes)
{
	size_t old = e->max_bytes;
	e->max_bytes = e->o.max_bytes = bytes;
	e->mem_retry = 0;
	return old;
}

int gs_engine_fit_memory(struct gs_engine *e)
{
	if (!e->max_bytes || e->mem <= e->max_bytes)
		return 0;
	return fit_memory(e);
}

/* Makes room for up to n new tags. */
static int reserve(struct gs_engine *e, size_t n)
{
	int r;
	if (e->ntags + n > e->o.max_tags && (r = evict(e)))
		return r;
	if ((e->ntags + n) * 2 > e->nslots && (r = grow_table(e, e->ntags + n)))
		return r;
	return 0;
}

static struct tag *tag_get(struct gs_engine *e, uint64_t h, const char *key,
			   size_t n)
{
	struct tag **slot = find_slot(e, h, key, n);
	if (*slot)
		return *slot;
	struct tag *t = calloc(1, sizeof *t + n + 1);
	if (!t)
		return NULL;
	t->hash = h;
	t->keylen = (uint16_t)n;
	memcpy(t->key, key, n);
	t->first_ms = INT64_MAX;
	t->first_id_ms = INT64_MAX;
	t->last_ms = INT64_MIN;
	t->posts_err = e->s.evicted_max_posts;
	e->mem += sizeof *t + n + 1;
	gs_hll_init(&t->accounts, e->o.hll_p);
	gs_hll_add(&e->tagkeys, h);
	*slot = t;
	e->ntags++;
	return t;
}

static const struct tag *tag_lookup(const struct gs_engine *e, const char *key)
{
	size_t n = strlen(key);
	uint64_t h = XXH3_64bits(key, n);
	return *find_slot(e, h, key, n);
}

/* ---- per-tag summaries ------------------------------------------------- */

/* Space-Saving: add w to key; when full, the smallest entry is replaced and
 * the newcomer inherits its count. Returns the entry's index or -1. */
static int topk_add(struct topk *t, size_t k, uint64_t key, uint64_t w,
		    int with_names)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].key == key) {
			t->v[i].count = sat_add(t->v[i].count, w);
			return -2 - (int)i; /* existing: name already set */
		}
	if (t->n < k) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? (size_t)t->cap * 2 : 2;
			if (cap > k)
				cap = k;
			struct topk_ent *v = realloc(t->v, cap * sizeof *v);
			if (!v)
				return -1;
			t->v = v;
			if (with_names) {
				char(*nm)[NAME_MAX_] = realloc(t->names, cap * sizeof *nm);
				if (!nm)
					return -1;
				t->names = nm;
			}
			t->cap = (uint16_t)cap;
		}
		t->v[t->n].key = key;
		t->v[t->n].count = sat_add(0, w);
		t->v[t->n].err = 0;
		return t->n++;
	}
	size_t min = 0; /* full: the smallest goes (the first of equals) */
	for (size_t i = 1; i < t->n; i++)
		if (t->v[i].count < t->v[min].count)
			min = i;
	t->v[min].key = key;
	t->v[min].err = t->v[min].count;
	t->v[min].count = sat_add(t->v[min].count, w);
	return (int)min;
}

static void set_first_id(struct tag *t, const char *s, size_t n, int64_t ms)
{
	if (n >= NAME_MAX_)
		n = NAME_MAX_ - 1;
	char *c = realloc(t->first_id, n + 1);
	if (!c)
		return;
	memcpy(c, s, n);
	c[n] = 0;
	t->first_id = c;
	t->first_id_ms = ms;
}

static void set_name(struct topk *t, int i, const char *s, size_t n)
{
	if (i < 0 || !t->names)
		return;
	if (n >= NAME_MAX_)
		n = NAME_MAX_ - 1;
	memcpy(t->names[i], s, n);
	t->names[i][n] = 0;
}

static uint64_t lang_id(struct gs_engine *e, struct gs_str l)
{
	if (!l.n)
		return 0;
	size_t n = l.n < 15 ? l.n : 15;
	for (size_t i = 0; i < e->nlangs; i++)
		if (strncmp(e->langs[i], l.p, n) == 0 && e->langs[i][n] == 0)
			return i + 1;
	if (e->nlangs >= LANGS_MAX)
		return 0;
	memcpy(e->langs[e->nlangs], l.p, n);
	e->langs[e->nlangs][n] = 0;
	return ++e->nlangs;
}

/* Counts a spelling; returns its slot, or 0xFF when not kept. Slots are
 * never reused, so a slot number stays valid for the engine's life. */
static uint8_t spelling_add(struct tag *t, const char *s, size_t n, uint64_t w)
{
	int i;
	for (i = 0; i < SPELLINGS_MAX && t->sp[i]; i++)
		if (t->sp[i]->n == n && memcmp(t->sp[i]->s, s, n) == 0) {
			t->sp[i]->count += w;
			return (uint8_t)i;
		}
	if (i == SPELLINGS_MAX)
		return 0xFF; /* a fifth spelling: rare enough to ignore */
	struct spelling *sp = malloc(sizeof *sp + n + 1);
	if (!sp)
		return 0xFF;
	sp->count = w;
	sp->n = (uint16_t)n;
	memcpy(sp->s, s, n);
	sp->s[n] = 0;
	t->sp[i] = sp;
	return (uint8_t)i;
}

/* The first bucket of t's timeline starting at or after b (tl_n if none). */
static uint32_t tl_lower_bound(const struct tag *t, int64_t b)
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

static struct bucket *bucket_get(struct gs_engine *e, struct tag *t,
				 int64_t b)
{
	if (t->tl_n && t->tl[t->tl_n - 1].t == b)
		return &t->tl[t->tl_n - 1];
	uint32_t lo = t->tl_n;
	if (!t->tl_n || t->tl[t->tl_n - 1].t >= b) {
		lo = tl_lower_bound(t, b);
		if (lo < t->tl_n && t->tl[lo].t == b)
			return &t->tl[lo];
	}
	if (t->tl_n == t->tl_cap) {
		/* by half: timelines are most of a long archive's memory,
		 * and a doubled one is a quarter empty on average
		 * (compact() and snapshots can leave fewer than 4 slots, which
		 * half of would not grow) */
		uint32_t cap = t->tl_cap < 4 ? 4 : t->tl_cap + t->tl_cap / 2;
		struct bucket *nb = realloc(t->tl, cap * sizeof *nb);
		if (!nb)
			return NULL;
		t->tl = nb;
		t->tl_cap = cap;
	}
	memmove(&t->tl[lo + 1], &t->tl[lo], (t->tl_n - lo) * sizeof *t->tl);
	t->tl_n++;
	t->tl[lo].t = b;
	t->tl[lo].posts = 0;
	gs_hll_init(&t->tl[lo].acc, e->o.bucket_hll_p);
	return &t->tl[lo];
}

/* ---- repost cache ------------------------------------------------------ */

/* Remembers a tagged Bluesky post (its first GS_REPOST_TAGS tags, and the
 * slot of the spelling each was used with) for its reposts. Out of memory
 * for the ring, the post is not remembered: its reposts stay unresolved. */
static void repost_remember(struct gs_engine *e, uint64_t key,
			    struct tag **tags, const uint8_t *sp, size_t n)
{
	if (n == 0)
		return;
	struct gs_repost_ent r;
	r.key = key;
	r.n = (uint8_t)(n < GS_REPOST_TAGS ? n : GS_REPOST_TAGS);
	for (size_t i = 0; i < r.n; i++) {
		r.tags[i] = tags[i]->hash;
		r.sp[i] = sp ? sp[i] : 0xFF;
	}
	(void)gs_repost_cache_put(&e->rc, &r);
}

/* ---- counting ---------------------------------------------------------- */

/* Counts one post for its (distinct) tags. */
static int count_tags(struct gs_engine *e, struct tag **tags, size_t nt,
		      uint64_t ah, int64_t time_ms, unsigned flags,
		      uint64_t lid, const struct gs_str *mentions,
		      size_t nmentions, struct gs_str id, struct gs_str repost_id)
{
	int r;
	int repost = (flags & GS_POST_REPOST) != 0;
	if (!nt)
		return 0;
	e->s.tagged_posts++;
	e->s.tag_uses += nt;
	int64_t b = gs_time_bucket(time_ms, e->o.bucket_ms);
	/* what the loop below reads, requested at once (see gs_engine_add) */
	for (size_t i = 0; i < nt; i++) {
		struct tag *t = tags[i];
		gs_hll_prefetch(&t->accounts, ah);
		/* the last bucket was requested when the tag was found: its
		 * sketch's slot now (most posts land in the last bucket) */
		if (t->tl_n && t->tl[t->tl_n - 1].t == b)
			gs_hll_prefetch(&t->tl[t->tl_n - 1].acc, ah);
		if (t->langs.v)
			__builtin_prefetch(t->langs.v);
		if (repost_id.n && t->rep.v)
			__builtin_prefetch(t->rep.v);
		if (nmentions && t->ment.v)
			for (uint16_t k = 0; k < t->ment.n; k += 4)
				__builtin_prefetch(&t->ment.v[k]);
		/* the co-tags' summary, 4 entries a cache line */
		for (uint16_t k = 0; k < t->cot.n; k += 4)
			__builtin_prefetch(&t->cot.v[k]);
	}
	for (size_t i = 0; i < nt; i++) {
		struct tag *t = tags[i];
		size_t grown = tag_growing_bytes(t);
		t->posts++;
		if (repost)
			t->reposts++;
		else if (flags & GS_POST_REPLY)
			t->replies++;
		if (!repost && (flags & GS_POST_QUOTE))
			t->quotes++;
		if (time_ms < t->first_ms)
			t->first_ms = time_ms;
		if (time_ms > t->last_ms)
			t->last_ms = time_ms;
		if ((r = gs_hll_add(&t->accounts, ah)))
			return r;
		struct bucket *bk = bucket_get(e, t, b);
		if (!bk)
			return GS_ENOMEM;
		bk->posts++;
		size_t bb = gs_hll_bytes(&bk->acc);
		if ((r = gs_hll_add(&bk->acc, ah)))
			return r;
		e->mem += gs_hll_bytes(&bk->acc) - bb;
		if (lid)
			topk_add(&t->langs, e->o.top_k, lid, 1, 0);
		for (size_t m = 0; m < nmentions; m++) {
			struct gs_str id = mentions[m];
			int at = topk_add(&t->ment, MENTIONS_K(e),
					  XXH3_64bits(id.p, id.n), 1, 1);
			set_name(&t->ment, at, id.p, id.n);
		}
		for (size_t k = 0; k < nt; k++)
			if (k != i)
				topk_add(&t->cot, e->o.top_k, tags[k]->hash, 1, 0);
		if (repost_id.n) {
			int at = topk_add(&t->rep, 4, XXH3_64bits(repost_id.p, repost_id.n), 1, 1);
			set_name(&t->rep, at, repost_id.p, repost_id.n);
		} else if (id.n && !repost && time_ms < t->first_id_ms) {
			e->mem -= t->first_id ? strlen(t->first_id) + 1 : 0;
			set_first_id(t, id.p, id.n, time_ms);
			e->mem += t->first_id ? strlen(t->first_id) + 1 : 0;
		}
		e->mem += tag_growing_bytes(t) - grown;
	}
	return 0;
}

/* Tags of a remembered Bluesky post, and the slots of their spellings:
 * their number, 0 when the post is not remembered, (size_t)-1 when all its
 * tags were evicted since. */
static size_t repost_tags(const struct gs_engine *e, uint64_t key,
			  struct tag **tags, uint8_t *sp)
{
	const struct gs_repost_ent *re = gs_repost_cache_find(&e->rc, key);
	if (!re)
		return 0;
	size_t nt = 0;
	for (size_t i = 0; i < re->n; i++) {
		struct tag *t = *find_slot(e, re->tags[i], NULL, 0);
		if (t) {
			if (t->tl_n) /* for count_tags */
				__builtin_prefetch(&t->tl[t->tl_n - 1]);
			sp[nt] = re->sp[i];
			tags[nt++] = t;
		}
	}
	return nt ? nt : (size_t)-1;
}

int gs_engine_add(struct gs_engine *e, const struct gs_post *p)
{
	struct tag *tags[GS_POST_MAX_TAGS];
	uint8_t slots[GS_POST_MAX_TAGS];
	size_t nt = 0;
	int r;
	uint64_t ah = XXH3_64bits(p->account.p, p->account.n);
	int repost = (p->flags & GS_POST_REPOST) != 0;
	/* The repost cache's index is big and read at random: ask for the
	 * slots this post will touch before the work that does not need
	 * them (the oldest entry's too, which remembering it evicts). */
	uint64_t bkey = 0;
	if (repost && p->repost_rkey.n)
		bkey = gs_repost_key(p->repost_did, p->repost_rkey);
	else if (p->post_rkey.n && p->ntags)
		bkey = gs_repost_key(p->post_did, p->post_rkey);
	if (bkey)
		gs_repost_cache_prefetch(&e->rc, bkey, !repost);

	e->s.posts++;
	if (repost)
		e->s.reposts++;
	else if (p->flags & GS_POST_REPLY)
		e->s.replies++;
	if (!repost && (p->flags & GS_POST_QUOTE))
		e->s.quotes++;
	if (p->time_ms < e->s.first_ms)
		e->s.first_ms = p->time_ms;
	if (p->time_ms > e->s.last_ms)
		e->s.last_ms = p->time_ms;
	if ((r = gs_hll_add(&e->accounts, ah)))
		return r;
	size_t gcap = e->global->tl_cap;
	struct bucket *gb = bucket_get(e, e->global,
				       gs_time_bucket(p->time_ms, e->o.bucket_ms));
	if (!gb)
		return GS_ENOMEM;
	gb->posts++;
	size_t gbb = gs_hll_bytes(&gb->acc);
	if ((r = gs_hll_add(&gb->acc, ah)))
		return r;
	e->mem += (e->global->tl_cap - gcap) * sizeof *gb + gs_hll_bytes(&gb->acc) - gbb;
	e->s.tags_dropped += p->tags_dropped;

	if (repost && p->repost_rkey.n) {
		/* Bluesky: the original's tags, if we saw it. */
		uint64_t key = bkey;
		nt = repost_tags(e, key, tags, slots);
		if (nt == 0) {
			e->s.reposts_unresolved++;
			/* An earlier part of the input, read by another engine,
			 * may hold the original: gs_engine_merge() retries. */
			struct gs_repost_pending *pd =
				gs_repost_cache_pend(&e->rc, key, p->time_ms);
			if (pd) {
				pd->engine.ah = ah;
				pd->engine.lid = (uint16_t)lang_id(e, p->lang);
			}
			return 0;
		}
		if (nt == (size_t)-1)
			return 0; /* its tags were all evicted */
		/* the repost spreads the original's spellings too */
		for (size_t i = 0; i < nt; i++)
			if (slots[i] != 0xFF && tags[i]->sp[slots[i]])
				tags[i]->sp[slots[i]]->count++;
	} else {
		if ((r = reserve(e, p->ntags)))
			return r;
		/* Fold and hash every tag first and prefetch their table
		 * slots: the lookups' cache misses then overlap instead of
		 * queueing one after the other. */
		char keys[GS_POST_MAX_TAGS][GS_TAG_MAX];
		uint64_t hs[GS_POST_MAX_TAGS];
		ssize_t kn[GS_POST_MAX_TAGS];
		for (size_t i = 0; i < p->ntags; i++) {
			kn[i] = gs_fold(p->tags[i].p, p->tags[i].n, keys[i]);
			if (kn[i] <= 0)
				continue;
			hs[i] = XXH3_64bits(keys[i], (size_t)kn[i]);
			__builtin_prefetch(&e->slots[(size_t)hs[i] & (e->nslots - 1)]);
		}
		for (size_t i = 0; i < p->ntags; i++) {
			if (kn[i] <= 0) {
				e->s.tags_invalid++;
				continue;
			}
			struct tag *t = tag_get(e, hs[i], keys[i], (size_t)kn[i]);
			if (!t)
				return GS_ENOMEM;
			/* for count_tags: the last bucket, and the slot of the
			 * author in the tag's sketch (known now, used later) */
			if (t->tl_n)
				__builtin_prefetch(&t->tl[t->tl_n - 1]);
			gs_hll_prefetch(&t->accounts, ah);
			size_t k;
			for (k = 0; k < nt && tags[k] != t; k++)
				;
			if (k < nt)
				continue; /* a post uses a tag once */
			slots[nt] = spelling_add(t, p->tags[i].p, p->tags[i].n, 1);
			if (slots[nt] != 0xFF && t->sp[slots[nt]]->count == 1)
				e->mem += sizeof *t->sp[0] + p->tags[i].n + 1; /* new */
			tags[nt++] = t;
		}
		if (p->post_rkey.n && nt)
			repost_remember(e, bkey, tags, slots, nt);
	}
	r = count_tags(e, tags, nt, ah, p->time_ms, p->flags, lang_id(e, p->lang),
		       p->mentions, p->nmentions, p->id, p->repost_id);
	if (!r && e->max_bytes && e->mem > e->max_bytes && e->mem > e->mem_retry)
		r = fit_memory(e);
	return r;
}

/* ---- merge ------------------------------------------------------------- */

static int topk_merge(struct topk *d, const struct topk *s, size_t k,
		      int names)
{
	for (uint16_t i = 0; i < s->n; i++) {
		int at = topk_add(d, k, s->v[i].key, s->v[i].count, names);
		if (at == -1)
			return GS_ENOMEM;
		struct topk_ent *de = &d->v[at >= 0 ? at : -2 - at];
		de->err = sat_add(de->err, s->v[i].err);
		if (names && s->names)
			set_name(d, at, s->names[i], strlen(s->names[i]));
	}
	return 0;
}

static int tag_merge(struct gs_engine *e, struct tag *d, const struct tag *s,
		     const struct gs_engine *se)
{
	int r;
	d->posts += s->posts;
	d->reposts += s->reposts;
	d->replies += s->replies;
	d->quotes += s->quotes;
	/* losses in either engine add up (a tag new to dst starts with what
	 * dst may have evicted of it: tag_get) */
	d->posts_err = sat_add64(d->posts_err, s->posts_err);
	if (s->first_ms < d->first_ms)
		d->first_ms = s->first_ms;
	if (s->last_ms > d->last_ms)
		d->last_ms = s->last_ms;
	if ((r = gs_hll_merge(&d->accounts, &s->accounts)))
		return r;
	for (uint32_t i = 0; i < s->tl_n; i++) {
		struct bucket *b = bucket_get(e, d, s->tl[i].t);
		if (!b)
			return GS_ENOMEM;
		b->posts += s->tl[i].posts;
		if ((r = gs_hll_merge(&b->acc, &s->tl[i].acc)))
			return r;
	}
	for (int i = 0; i < SPELLINGS_MAX && s->sp[i]; i++)
		spelling_add(d, s->sp[i]->s, s->sp[i]->n, s->sp[i]->count);
	if ((r = topk_merge(&d->cot, &s->cot, e->o.top_k, 0)) ||
	    (r = topk_merge(&d->ment, &s->ment, MENTIONS_K(e), 1)) ||
	    (r = topk_merge(&d->rep, &s->rep, 4, 1)))
		return r;
	if (s->first_id && (s->first_id_ms < d->first_id_ms ||
			    (s->first_id_ms == d->first_id_ms && d->first_id &&
			     strcmp(s->first_id, d->first_id) < 0))) {
		set_first_id(d, s->first_id, strlen(s->first_id), s->first_id_ms);
	}
	/* languages are interned per engine: translate ids */
	for (uint16_t i = 0; i < s->langs.n; i++) {
		const char *l = se->langs[s->langs.v[i].key - 1];
		struct gs_str ls = {l, strlen(l)};
		uint64_t id = lang_id(e, ls);
		if (id && topk_add(&d->langs, e->o.top_k, id, s->langs.v[i].count, 0) == -1)
			return GS_ENOMEM;
	}
	return 0;
}

/* Frees what a merged tag of src no longer needs (its spellings stay:
 * the repost cache's spelling slots are translated through them). */
static void tag_shed(struct tag *t)
{
	gs_hll_release(&t->accounts);
	for (uint32_t i = 0; i < t->tl_n; i++)
		gs_hll_release(&t->tl[i].acc);
	free(t->tl);
	t->tl = NULL;
	t->tl_n = t->tl_cap = 0;
	topk_release(&t->cot);
	topk_release(&t->langs);
	topk_release(&t->ment);
	topk_release(&t->rep);
	memset(&t->cot, 0, sizeof t->cot);
	memset(&t->langs, 0, sizeof t->langs);
	memset(&t->ment, 0, sizeof t->ment);
	memset(&t->rep, 0, sizeof t->rep);
}

static int merge_impl(struct gs_engine *dst, struct gs_engine *src,
		      const struct gs_engine *csrc);

/* Sets mem from scratch, after merges and loads. */
static void mem_recount(struct gs_engine *e)
{
	e->mem = tag_bytes(e->global);
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i])
			e->mem += tag_bytes(e->slots[i]);
}

int gs_engine_merge(struct gs_engine *dst, const struct gs_engine *src)
{
	int r = merge_impl(dst, NULL, src);
	mem_recount(dst);
	return r;
}

int gs_engine_absorb(struct gs_engine *dst, struct gs_engine *src)
{
	int r = merge_impl(dst, src, src);
	gs_engine_free(src);
	mem_recount(dst);
	return r;
}

/* src, when not NULL, is csrc and may be taken apart as it is merged. */
static int merge_impl(struct gs_engine *dst, struct gs_engine *consume,
		      const struct gs_engine *src)
{
	const struct gs_engine_options *a = &dst->o, *b = &src->o;
	if (a->bucket_ms != b->bucket_ms || a->hll_p != b->hll_p ||
	    a->bucket_hll_p != b->bucket_hll_p || a->top_k != b->top_k)
		return GS_EUSAGE;
	int r;
	/* src's reposts of posts it never saw: dst holds what came before. */
	uint64_t resolved = 0;
	for (size_t i = 0; i < src->rc.npending; i++) {
		const struct gs_repost_pending *pd = &src->rc.pending[i];
		struct tag *tags[GS_REPOST_TAGS];
		uint8_t slots[GS_REPOST_TAGS];
		size_t nt = repost_tags(dst, pd->key, tags, slots);
		if (nt == 0 || nt == (size_t)-1)
			continue;
		for (size_t k = 0; k < nt; k++)
			if (slots[k] != 0xFF && tags[k]->sp[slots[k]])
				tags[k]->sp[slots[k]]->count++;
		uint64_t lid = 0;
		if (pd->engine.lid) {
			const char *l = src->langs[pd->engine.lid - 1];
			struct gs_str ls = {l, strlen(l)};
			lid = lang_id(dst, ls);
		}
		struct gs_str none = {"", 0};
		if ((r = count_tags(dst, tags, nt, pd->engine.ah, pd->time_ms,
				    GS_POST_REPOST, lid, NULL, 0, none, none)))
			return r;
		resolved++;
	}
	struct gs_summary *d = &dst->s;
	const struct gs_summary *s = &src->s;
	d->posts += s->posts;
	d->reposts += s->reposts;
	d->replies += s->replies;
	d->quotes += s->quotes;
	d->tagged_posts += s->tagged_posts;
	d->tag_uses += s->tag_uses;
	d->tags_dropped += s->tags_dropped;
	d->tags_invalid += s->tags_invalid;
	d->malformed += s->malformed;
	d->skipped += s->skipped;
	d->reposts_unresolved += s->reposts_unresolved - resolved;
	d->tags_evicted += s->tags_evicted;
	/* A tag of dst that src does not hold may have been evicted there. */
	if (s->evicted_max_posts)
		for (size_t i = 0; i < dst->nslots; i++) {
			struct tag *t = dst->slots[i];
			if (t && !*find_slot(src, t->hash, t->key, t->keylen))
				t->posts_err = sat_add64(t->posts_err, s->evicted_max_posts);
		}
	/* tags new to dst take dst's bound (tag_get), then the sum */
	uint64_t evicted_max = sat_add64(d->evicted_max_posts, s->evicted_max_posts);
	if (s->first_ms < d->first_ms)
		d->first_ms = s->first_ms;
	if (s->last_ms > d->last_ms)
		d->last_ms = s->last_ms;
	dst->tag_uses_evicted += src->tag_uses_evicted;
	if ((r = gs_hll_merge(&dst->accounts, &src->accounts)) ||
	    (r = gs_hll_merge(&dst->tagkeys, &src->tagkeys)))
		return r;
	for (uint32_t i = 0; i < src->global->tl_n; i++) {
		struct bucket *b = bucket_get(dst, dst->global, src->global->tl[i].t);
		if (!b)
			return GS_ENOMEM;
		b->posts += src->global->tl[i].posts;
		if ((r = gs_hll_merge(&b->acc, &src->global->tl[i].acc)))
			return r;
	}
	for (size_t i = 0; i < src->nslots; i++) {
		const struct tag *st = src->slots[i];
		if (!st)
			continue;
		if ((r = reserve(dst, 1)))
			return r;
		struct tag *dt = tag_get(dst, st->hash, st->key, st->keylen);
		if (!dt)
			return GS_ENOMEM;
		if ((r = tag_merge(dst, dt, st, src)))
			return r;
		if (consume)
			tag_shed(consume->slots[i]);
	}
	dst->s.evicted_max_posts = evicted_max;
	/* Tagged Bluesky posts seen by src can be reposted in what dst reads
	 * next: src's entries go after dst's, oldest first, their spelling
	 * slots translated to dst's tags (a post both hold: the rule of
	 * repost_cache.h, src's delivery in dst's place). */
	for (size_t i = 0; i < src->rc.n; i++) {
		const struct gs_repost_ent *re =
			gs_repost_cache_oldest(&src->rc, i);
		struct tag *tags[GS_REPOST_TAGS];
		uint8_t slots[GS_REPOST_TAGS];
		size_t n = 0;
		for (size_t k = 0; k < re->n; k++) {
			struct tag *t = *find_slot(dst, re->tags[k], NULL, 0);
			const struct tag *st = *find_slot(src, re->tags[k], NULL, 0);
			if (!t)
				continue;
			slots[n] = 0xFF;
			if (st && re->sp[k] != 0xFF && st->sp[re->sp[k]]) {
				const struct spelling *ss = st->sp[re->sp[k]];
				for (int q = 0; q < SPELLINGS_MAX && t->sp[q]; q++)
					if (t->sp[q]->n == ss->n && !memcmp(t->sp[q]->s, ss->s, ss->n))
						slots[n] = (uint8_t)q;
			}
			tags[n++] = t;
		}
		repost_remember(dst, re->key, tags, slots, n);
	}
	return 0;
}

/* ---- results ----------------------------------------------------------- */

/* An estimate of distinct accounts, never more than the exact posts it
 * counts the authors of (each post has one author). The rule of every
 * answer: an estimate is not shown above an exact bound. */
static double clamp_to(double estimate, uint64_t posts)
{
	return estimate > (double)posts ? (double)posts : estimate;
}

void gs_engine_summary(const struct gs_engine *e, struct gs_summary *s)
{
	*s = e->s;
	s->originals = s->posts - s->reposts;
	s->tags_tracked = e->ntags;
	/* Estimates are never shown beyond what is known exactly: the
	 * tags tracked are distinct, and every other tag was evicted at
	 * least once (so, with nothing evicted, the count is exact); a
	 * post has one author. */
	double d = gs_hll_estimate(&e->tagkeys);
	double lo = (double)s->tags_tracked;
	double hi = lo + (double)s->tags_evicted;
	if (hi > (double)s->tag_uses)
		hi = (double)s->tag_uses > lo ? (double)s->tag_uses : lo;
	s->tags_distinct = d < lo ? lo : d > hi ? hi : d;
	s->accounts = clamp_to(gs_hll_estimate(&e->accounts), s->posts);
	s->accounts_error = gs_hll_is_exact(&e->accounts) ? 0 : gs_hll_rse(14);
}

static const char *display_of(const struct tag *t)
{
	const struct spelling *best = NULL;
	for (int i = 0; i < SPELLINGS_MAX && t->sp[i]; i++) {
		const struct spelling *sp = t->sp[i];
		if (!best || sp->count > best->count ||
		    (sp->count == best->count && strcmp(sp->s, best->s) < 0))
			best = sp;
	}
	return best ? best->s : t->key;
}

static void stats_of(const struct gs_engine *e, const struct tag *t,
		     struct gs_tag_stats *o)
{
	o->key = t->key;
	o->display = display_of(t);
	o->posts = t->posts;
	o->reposts = t->reposts;
	o->originals = t->posts - t->reposts;
	o->replies = t->replies;
	o->quotes = t->quotes;
	o->posts_error = t->posts_err;
	o->accounts = clamp_to(gs_hll_estimate(&t->accounts), t->posts);
	o->accounts_error = gs_hll_is_exact(&t->accounts) ? 0 : gs_hll_rse(e->o.hll_p);
	o->first_ms = t->first_ms;
	o->last_ms = t->last_ms;
	o->peak_ms = 0;
	o->peak_posts = 0;
	for (uint32_t i = 0; i < t->tl_n; i++)
		if (t->tl[i].posts > o->peak_posts) {
			o->peak_posts = t->tl[i].posts;
			o->peak_ms = t->tl[i].t;
		}
}

static int cmp_stats(const void *a, const void *b)
{
	const struct gs_tag_stats *x = a, *y = b;
	if (x->accounts != y->accounts)
		return x->accounts > y->accounts ? -1 : 1;
	if (x->posts != y->posts)
		return x->posts > y->posts ? -1 : 1;
	/* most tags tie on both (one post, one account): the first byte
	 * decides most of those without a call */
	unsigned char ca = (unsigned char)x->key[0],
		      cb = (unsigned char)y->key[0];
	if (ca != cb)
		return ca < cb ? -1 : 1;
	return strcmp(x->key, y->key);
}

ptrdiff_t gs_engine_tags(const struct gs_engine *e, struct gs_tag_stats **out)
{
	struct gs_tag_stats *v = malloc((e->ntags ? e->ntags : 1) * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i])
			stats_of(e, e->slots[i], &v[k++]);
	qsort(v, k, sizeof *v, cmp_stats);
	*out = v;
	return (ptrdiff_t)k;
}

int gs_engine_tag(const struct gs_engine *e, const char *tag, size_t len,
		  struct gs_tag_stats *out)
{
	char key[GS_TAG_MAX + 1];
	if (len && (tag[0] == '#'))
		tag++, len--;
	else if (len >= 3 && memcmp(tag, "\xEF\xBC\x83", 3) == 0)
		tag += 3, len -= 3;
	ssize_t n = gs_fold(tag, len, key);
	if (n <= 0)
		return GS_ENOTFOUND;
	key[n] = 0;
	const struct tag *t = tag_lookup(e, key);
	if (!t)
		return GS_ENOTFOUND;
	stats_of(e, t, out);
	return 0;
}

const char *gs_timeline_cover_name(enum gs_timeline_cover c)
{
	static const char *const n[] = {"input", "tag", "used"};
	return (unsigned)c <= GS_TIMELINE_USED ? n[c] : "unknown";
}

/* A bucket's distinct accounts: the estimate, never more than its posts
 * (each post has one author), which are exact. */
static double bucket_accounts(const struct bucket *b)
{
	return clamp_to(gs_hll_estimate(&b->acc), b->posts);
}

/* Buckets from b0 to b1 (both bucket starts, b0 <= b1), or SIZE_MAX when
 * more than GS_TIMELINE_MAX_BUCKETS. */
static size_t buckets_between(int64_t b0, int64_t b1, int64_t w)
{
	uint64_t d = (uint64_t)b1 - (uint64_t)b0;
	if (d / (uint64_t)w >= GS_TIMELINE_MAX_BUCKETS)
		return SIZE_MAX;
	return (size_t)(d / (uint64_t)w) + 1;
}

ptrdiff_t gs_engine_timeline_cover(const struct gs_engine *e, const char *key,
				   struct gs_bucket_stats **out,
				   enum gs_timeline_cover *cover)
{
	const struct tag *t = tag_lookup(e, key);
	if (!t)
		return GS_ENOTFOUND;
	int64_t w = e->o.bucket_ms;
	/* The documented range is the input's, zero buckets included. Only
	 * when that is more than GS_TIMELINE_MAX_BUCKETS (its memory, and
	 * the output's size) is it shortened, and the caller is told how:
	 * the tag's own span, else its used buckets alone. */
	enum gs_timeline_cover c = GS_TIMELINE_INPUT;
	int64_t b0 = 0;
	size_t n = 0;
	if (e->s.first_ms <= e->s.last_ms) {
		b0 = gs_time_bucket(e->s.first_ms, w);
		n = buckets_between(b0, gs_time_bucket(e->s.last_ms, w), w);
	}
	if (n == SIZE_MAX && t->tl_n) {
		c = GS_TIMELINE_TAG;
		b0 = t->tl[0].t;
		n = buckets_between(b0, t->tl[t->tl_n - 1].t, w);
	}
	if (n == SIZE_MAX) {
		c = GS_TIMELINE_USED;
		n = t->tl_n;
	}
	struct gs_bucket_stats *v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return GS_ENOMEM;
	if (c != GS_TIMELINE_USED) {
		for (size_t i = 0; i < n; i++)
			v[i].time_ms = b0 + (int64_t)i * w;
		for (uint32_t i = 0; i < t->tl_n; i++) {
			size_t at = (size_t)((t->tl[i].t - b0) / w);
			if (t->tl[i].t < b0 || at >= n)
				continue; /* outside the input's range: none */
			v[at].posts = t->tl[i].posts;
			v[at].accounts = bucket_accounts(&t->tl[i]);
		}
	} else {
		for (uint32_t i = 0; i < t->tl_n; i++) {
			v[i].time_ms = t->tl[i].t;
			v[i].posts = t->tl[i].posts;
			v[i].accounts = bucket_accounts(&t->tl[i]);
		}
	}
	if (cover)
		*cover = c;
	*out = v;
	return (ptrdiff_t)n;
}

ptrdiff_t gs_engine_timeline(const struct gs_engine *e, const char *key,
			     struct gs_bucket_stats **out)
{
	return gs_engine_timeline_cover(e, key, out, NULL);
}

static int cmp_count(const void *a, const void *b)
{
	const struct gs_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

enum { TK_COT, TK_LANG, TK_MENT };

static size_t topk_out(const struct gs_engine *e, const char *key, int which,
		       struct gs_count *out, size_t max)
{
	const struct tag *t = tag_lookup(e, key);
	if (!t)
		return 0;
	const struct topk *k = which == TK_COT ? &t->cot : which == TK_LANG ? &t->langs : &t->ment;
	struct gs_count tmp[1024];
	size_t n = 0;
	for (uint16_t i = 0; i < k->n && n < 1024; i++) {
		const char *name = NULL, *display = NULL;
		if (which == TK_COT) {
			const struct tag *c = *find_slot(e, k->v[i].key, NULL, 0);
			if (c) {
				name = c->key;
				display = display_of(c);
			}
		} else if (which == TK_LANG) {
			name = e->langs[k->v[i].key - 1];
		} else {
			name = k->names[i];
		}
		/* Space-Saving guarantees count - err; entries that only hold
		 * an inherited count say nothing and are left out */
		uint64_t sure = k->v[i].count - k->v[i].err;
		if (!name || sure == 0)
			continue; /* nothing certain, or a co-tag evicted since */
		tmp[n].name = name;
		tmp[n].display = display ? display : name;
		tmp[n].count = sure;
		n++;
	}
	qsort(tmp, n, sizeof *tmp, cmp_count);
	if (n > max)
		n = max;
	memcpy(out, tmp, n * sizeof *tmp);
	return n;
}

size_t gs_engine_cotags(const struct gs_engine *e, const char *key,
			struct gs_count *out, size_t max)
{
	return topk_out(e, key, TK_COT, out, max);
}

size_t gs_engine_languages(const struct gs_engine *e, const char *key,
			   struct gs_count *out, size_t max)
{
	return topk_out(e, key, TK_LANG, out, max);
}

size_t gs_engine_mentions(const struct gs_engine *e, const char *key,
			  struct gs_count *out, size_t max)
{
	return topk_out(e, key, TK_MENT, out, max);
}

/* ---- trend observations ------------------------------------------------ */

static int64_t day_of(int64_t ms)
{
	return gs_time_bucket(ms, GS_MS_DAY);
}

/* Distinct accounts of t over the timeline entries [lo, hi). */
static double span_accounts(const struct gs_engine *e, const struct tag *t,
			    uint32_t lo, uint32_t hi, struct gs_hll *tmp)
{
	if (lo >= hi)
		return 0;
	if (hi - lo == 1)
		return bucket_accounts(&t->tl[lo]);
	gs_hll_init(tmp, e->o.bucket_hll_p);
	uint64_t posts = 0;
	for (uint32_t i = lo; i < hi; i++) {
		posts += t->tl[i].posts;
		if (gs_hll_merge(tmp, &t->tl[i].acc) != 0)
			break;
	}
	double v = gs_hll_estimate(tmp);
	gs_hll_release(tmp);
	return clamp_to(v, posts);
}

/* The observation of timeline entry i of t (day figures left at -1: only
 * the Mastodon scorer needs them, see gs_engine_obs_days). */
static void observe(const struct gs_engine *e, const struct tag *t,
		    uint32_t i, struct gs_obs *o)
{
	const struct bucket *b = &t->tl[i];
	(void)e;
	o->bucket_ms = b->t;
	o->hash = t->hash;
	o->key = t->key;
	o->posts = b->posts;
	o->accounts = bucket_accounts(b);
	o->day_accounts = o->prev_day_accounts = -1;
}

static ptrdiff_t find_bucket(const struct tag *t, int64_t b);

int gs_engine_obs_days(const struct gs_engine *e, struct gs_obs *o)
{
	struct gs_hll tmp;
	const struct tag *t = tag_lookup(e, o->key);
	ptrdiff_t at = t ? find_bucket(t, o->bucket_ms) : -1;
	if (at < 0)
		return GS_ENOTFOUND;
	uint32_t i = (uint32_t)at;
	int64_t day = day_of(o->bucket_ms);
	uint32_t d0 = i, p0, p1;
	while (d0 > 0 && day_of(t->tl[d0 - 1].t) == day)
		d0--;
	p1 = d0;
	p0 = p1;
	while (p0 > 0 && day_of(t->tl[p0 - 1].t) == day - GS_MS_DAY)
		p0--;
	/* merged afresh each time, so the batch and live paths agree */
	o->day_accounts = span_accounts(e, t, d0, i + 1, &tmp);
	o->prev_day_accounts = span_accounts(e, t, p0, p1, &tmp);
	return 0;
}

static int cmp_obs(const void *a, const void *b)
{
	const struct gs_obs *x = a, *y = b;
	if (x->bucket_ms != y->bucket_ms)
		return x->bucket_ms < y->bucket_ms ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->key, y->key);
}

ptrdiff_t gs_engine_observations(const struct gs_engine *e,
				 struct gs_obs **out)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i])
			n += e->slots[i]->tl_n;
	struct gs_obs *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	for (size_t i = 0; i < e->nslots; i++) {
		const struct tag *t = e->slots[i];
		if (t)
			for (uint32_t j = 0; j < t->tl_n; j++)
				observe(e, t, j, &v[k++]);
	}
	qsort(v, k, sizeof *v, cmp_obs);
	*out = v;
	return (ptrdiff_t)k;
}

static ptrdiff_t find_bucket(const struct tag *t, int64_t b)
{
	uint32_t lo = tl_lower_bound(t, b);
	return lo < t->tl_n && t->tl[lo].t == b ? (ptrdiff_t)lo : -1;
}

ptrdiff_t gs_engine_observations_range(const struct gs_engine *e,
				       int64_t from_ms, int64_t to_ms,
				       struct gs_obs **out)
{
	size_t cap = 64, k = 0;
	struct gs_obs *v = malloc(cap * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	for (size_t i = 0; i < e->nslots; i++) {
		const struct tag *t = e->slots[i];
		if (!t || !t->tl_n || t->tl[t->tl_n - 1].t < from_ms ||
		    t->tl[0].t >= to_ms)
			continue;
		for (uint32_t j = tl_lower_bound(t, from_ms); j < t->tl_n && t->tl[j].t < to_ms; j++) {
			if (k == cap) {
				struct gs_obs *nv = realloc(v, 2 * cap * sizeof *v);
				if (!nv) {
					free(v);
					return GS_ENOMEM;
				}
				v = nv;
				cap *= 2;
			}
			observe(e, t, j, &v[k++]);
		}
	}
	qsort(v, k, sizeof *v, cmp_obs);
	*out = v;
	return (ptrdiff_t)k;
}

ptrdiff_t gs_engine_observations_at(const struct gs_engine *e,
				    int64_t bucket_ms, struct gs_obs **out)
{
	return gs_engine_observations_range(e, bucket_ms, bucket_ms + 1, out);
}

/* Cursor of one tag: the next timeline entry to hand out, and the next
 * cursor due in the same calendar slot. */
struct obs_cur {
	const struct tag *t;
	uint32_t j;
	uint32_t next;
};

/* A due cursor, by its tag's hash (the order observations are handed out). */
struct obs_key {
	uint64_t hash;
	uint32_t c;
};

struct gs_obs_iter {
	const struct gs_engine *e;
	int64_t first, width;
	struct obs_cur *cur;
	uint32_t *head; /* per bucket since first: its first due cursor + 1 */
	size_t nb, at;  /* calendar slots, the next one to hand out */
	struct gs_obs *obs;
	struct obs_key *keys, *tmp;
	size_t cap;
};

static int obs_key_less(const struct gs_obs_iter *it, const struct obs_key *a,
			const struct obs_key *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash;
	return strcmp(it->cur[a->c].t->key, it->cur[b->c].t->key) < 0;
}

/* Sorts a bucket's due cursors by hash, then key (the order of cmp_obs):
 * an LSD radix sort on the hash's top 33 bits (11 a pass; the hashes are
 * uniform), then insertion over what is left out of order, which is only
 * runs of equal top bits; small buckets by insertion alone. qsort of the
 * observations with a comparison call per step was 2% of a Jetstream
 * report. */
static void sort_obs_keys(struct gs_obs_iter *it, size_t k)
{
	struct obs_key *a = it->keys;
	if (k >= 256) {
		struct obs_key *b = it->tmp;
		for (int sh = 31; sh <= 53; sh += 11) {
			size_t cnt[2048] = {0};
			for (size_t i = 0; i < k; i++)
				cnt[(a[i].hash >> sh) & 2047]++;
			size_t sum = 0;
			for (size_t d = 0; d < 2048; d++) {
				size_t c = cnt[d];
				cnt[d] = sum;
				sum += c;
			}
			for (size_t i = 0; i < k; i++)
				b[cnt[(a[i].hash >> sh) & 2047]++] = a[i];
			struct obs_key *t = a;
			a = b;
			b = t;
		}
		/* three passes: the sorted copy is the other array */
		it->keys = a;
		it->tmp = b;
	}
	for (size_t i = 1; i < k; i++) {
		struct obs_key x = a[i];
		size_t j = i;
		while (j && obs_key_less(it, &x, &a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* The calendar has a slot per bucket between the engine's first and last
 * post: past this many, the time span is too long for it. */
#define OBS_CAL_MAX ((size_t)1 << 24)

/* Files cursor c under the slot of its tag's next bucket; buckets outside
 * the engine's span (none, unless a state was pieced together oddly) are
 * passed over, as a scan of that span would. */
static void obs_due(struct gs_obs_iter *it, uint32_t c)
{
	struct obs_cur *k = &it->cur[c];
	for (; k->j < k->t->tl_n; k->j++) {
		int64_t t = k->t->tl[k->j].t;
		if (t < it->first + (int64_t)it->at * it->width)
			continue;
		size_t slot = (size_t)((t - it->first) / it->width);
		if (slot >= it->nb)
			return;
		k->next = it->head[slot];
		it->head[slot] = c + 1;
		return;
	}
}

struct gs_obs_iter *gs_engine_obs_iter_new(const struct gs_engine *e)
{
	struct gs_obs_iter *it = calloc(1, sizeof *it);
	if (!it)
		return NULL;
	it->e = e;
	it->width = e->o.bucket_ms;
	if (e->s.posts == 0)
		return it;
	it->first = gs_time_bucket(e->s.first_ms, it->width);
	int64_t last = gs_time_bucket(e->s.last_ms, it->width);
	uint64_t nb = (uint64_t)((last - it->first) / it->width) + 1;
	size_t n = 0;
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i] && e->slots[i]->tl_n)
			n++;
	if (nb > OBS_CAL_MAX || n >= UINT32_MAX)
		goto fail;
	it->nb = (size_t)nb;
	it->head = calloc(it->nb, sizeof *it->head);
	it->cur = malloc((n ? n : 1) * sizeof *it->cur);
	if (!it->head || !it->cur)
		goto fail;
	uint32_t c = 0;
	for (size_t i = 0; i < e->nslots; i++) {
		const struct tag *t = e->slots[i];
		if (!t || !t->tl_n)
			continue;
		it->cur[c].t = t;
		it->cur[c].j = 0;
		obs_due(it, c);
		c++;
	}
	return it;
fail:
	gs_obs_iter_free(it);
	return NULL;
}

ptrdiff_t gs_obs_iter_next(struct gs_obs_iter *it, int64_t *bucket_ms,
			   const struct gs_obs **out)
{
	while (it->at < it->nb && !it->head[it->at])
		it->at++;
	if (it->at >= it->nb)
		return 0;
	size_t k = 0;
	uint32_t c = it->head[it->at];
	while (c) {
		if (k == it->cap) {
			size_t cap = it->cap ? it->cap * 2 : 256;
			struct gs_obs *nv = realloc(it->obs, cap * sizeof *nv);
			struct obs_key *nk =
				realloc(it->keys, cap * sizeof *nk);
			if (nv)
				it->obs = nv;
			if (nk)
				it->keys = nk;
			struct obs_key *nt =
				nv && nk ? realloc(it->tmp, cap * sizeof *nt)
					 : NULL;
			if (!nt)
				/* nothing taken from the calendar yet */
				return GS_ENOMEM;
			it->tmp = nt;
			it->cap = cap;
		}
		it->keys[k].hash = it->cur[c - 1].t->hash;
		it->keys[k++].c = c - 1;
		c = it->cur[c - 1].next;
	}
	it->head[it->at] = 0;
	sort_obs_keys(it, k);
	for (size_t i = 0; i < k; i++) {
		/* tags are visited in hash order, i.e. at random: request a
		 * tag ahead, and the bucket of one nearer (its tag has come) */
		if (i + 16 < k)
			__builtin_prefetch(it->cur[it->keys[i + 16].c].t);
		if (i + 8 < k) {
			const struct obs_cur *pc = &it->cur[it->keys[i + 8].c];
			__builtin_prefetch(&pc->t->tl[pc->j]);
		}
		uint32_t ci = it->keys[i].c;
		struct obs_cur *cu = &it->cur[ci];
		observe(it->e, cu->t, cu->j, &it->obs[i]);
		cu->j++;
		obs_due(it, ci);
	}
	*bucket_ms = it->first + (int64_t)it->at * it->width;
	it->at++;
	*out = it->obs;
	return (ptrdiff_t)k;
}

void gs_obs_iter_free(struct gs_obs_iter *it)
{
	if (!it)
		return;
	free(it->cur);
	free(it->head);
	free(it->obs);
	free(it->keys);
	free(it->tmp);
	free(it);
}

double gs_engine_bucket_accounts(const struct gs_engine *e, int64_t bucket_ms)
{
	ptrdiff_t j = find_bucket(e->global, bucket_ms);
	return j < 0 ? 0 : bucket_accounts(&e->global->tl[j]);
}

int gs_engine_span(const struct gs_engine *e, const char *key, int64_t from,
		   int64_t to, uint64_t *posts, double *accounts)
{
	const struct tag *t = tag_lookup(e, key);
	if (!t)
		return GS_ENOTFOUND;
	struct gs_hll h;
	gs_hll_init(&h, e->o.bucket_hll_p);
	*posts = 0;
	for (uint32_t i = 0; i < t->tl_n; i++)
		if (t->tl[i].t >= from && t->tl[i].t <= to) {
			*posts += t->tl[i].posts;
			if (gs_hll_merge(&h, &t->tl[i].acc)) {
				gs_hll_release(&h);
				return GS_ENOMEM;
			}
		}
	/* a span's accounts: at most its posts, and at most the tag's own
	 * (all-time, more precise) accounts, which contain them */
	double all = clamp_to(gs_hll_estimate(&t->accounts), t->posts);
	double v = clamp_to(gs_hll_estimate(&h), *posts);
	*accounts = v > all ? all : v;
	gs_hll_release(&h);
	return 0;
}

size_t gs_engine_examples(const struct gs_engine *e, const char *key,
			  struct gs_count *out, size_t max)
{
	const struct tag *t = tag_lookup(e, key);
	size_t n = 0;
	if (!t || !max)
		return 0;
	struct gs_count tmp[8];
	for (uint16_t i = 0; i < t->rep.n && n < 8; i++) {
		if (t->rep.v[i].count == t->rep.v[i].err)
			continue;
		tmp[n].name = tmp[n].display = t->rep.names[i];
		tmp[n].count = t->rep.v[i].count - t->rep.v[i].err;
		n++;
	}
	qsort(tmp, n, sizeof *tmp, cmp_count);
	if (n > max)
		n = max;
	memcpy(out, tmp, n * sizeof *tmp);
	if (n < max && t->first_id) {
		size_t k;
		for (k = 0; k < n && strcmp(out[k].name, t->first_id); k++)
			;
		if (k == n) {
			out[n].name = out[n].display = t->first_id;
			out[n].count = 0;
			n++;
		}
	}
	return n;
}

void gs_engine_memory(const struct gs_engine *e, struct gs_memory *m)
{
	memset(m, 0, sizeof *m);
	m->table = e->nslots * sizeof *e->slots;
	m->repost_cache = gs_repost_cache_bytes(&e->rc);
	for (size_t i = 0; i <= e->nslots; i++) {
		const struct tag *t = i < e->nslots ? e->slots[i] : e->global;
		if (!t)
			continue;
		m->tags += sizeof *t + t->keylen + 1;
		m->accounts += gs_hll_bytes(&t->accounts);
		m->timelines += t->tl_cap * sizeof *t->tl;
		for (uint32_t k = 0; k < t->tl_n; k++)
			m->timeline_sketches += gs_hll_bytes(&t->tl[k].acc);
		const struct topk *tk[4] = {&t->cot, &t->langs, &t->ment, &t->rep};
		for (int k = 0; k < 4; k++)
			m->summaries += tk[k]->cap * (sizeof *tk[k]->v + (tk[k]->names ? NAME_MAX_ : 0));
		for (int k = 0; k < SPELLINGS_MAX && t->sp[k]; k++)
			m->summaries += sizeof *t->sp[k] + t->sp[k]->n + 1;
	}
	m->tracked = e->mem;
	m->total = m->table + m->repost_cache + m->tags + m->accounts + m->timelines +
		   m->timeline_sketches + m->summaries;
}

/* ---- snapshots ----------------------------------------------------------
 *
 * gs_engine_save() writes the whole live state of an engine, and
 * gs_engine_load() makes an engine that answers every query exactly as the
 * saved one did and goes on counting exactly as it would have: what
 * `groundswell serve` needs to be killed at any moment and resume with
 * nothing lost and nothing counted twice (together with the input position,
 * which is the server's to keep; see docs/snapshot.md).
 *
 * Envelope (snapio.c; the same for gs_trend_save(), magic "GSTR"):
 *   "GSEN"  u32 version (1)  u64 payload length L  payload[L]  u32 CRC32
 * All integers are little-endian, doubles and floats are IEEE 754 bit
 * patterns. The CRC (zlib crc32) covers the 16-byte header and the payload.
 * The loader reads exactly the section's bytes (sections are
 * self-delimiting, so an engine, a trend detector and a server's own record
 * can share one file), growing its buffer with the bytes that actually
 * arrive, and verifies the CRC before it looks at a single field. Another
 * magic, another version, a short file or a CRC mismatch is GS_EFORMAT; a
 * read error GS_EIO. A version is never read by another version's code: a
 * change of layout is a new version number.
 *
 * Payload, version 1 (u8/u16/u32/u64/i64/f64; "hll" is a sketch as
 * gs_hll_encode() writes it: 7-byte header, then registers or members with
 * their table slots):
 *   options   i64 bucket_ms, u64 max_tags, u32 hll_p, u32 bucket_hll_p,
 *             u64 repost_cache, u64 top_k
 *   summary   u64 posts, originals, reposts, replies, quotes, tagged_posts,
 *             tag_uses, tags_dropped, tags_invalid, malformed, skipped,
 *             reposts_unresolved, tags_tracked, tags_evicted,
 *             evicted_max_posts; f64 tags_distinct, accounts,
 *             accounts_error; i64 first_ms, last_ms, bucket_ms;
 *             u64 tag_uses_evicted
 *   sketches  hll accounts, hll tagkeys
 *   languages u16 n, n x (u8 len <= 15, bytes): the intern table, in order
 *   global    timeline (below)
 *   table     u64 nslots, u64 ntags, nslots/8 bytes of occupancy bitmap
 *             (slot i is bit i%8 of byte i/8), then the ntags tags in slot
 *             order; tags go back to their very slots, so the table (and
 *             everything that walks it: eviction, merge) is unchanged
 *   tag       u64 hash, u16 keylen, key, u64 posts, reposts, replies,
 *             quotes, posts_err, i64 first_ms, last_ms, first_id_ms,
 *             hll accounts, timeline, u8 nspellings, each (u64 count,
 *             u16 n, bytes), u8 first_id length (0xFF: none) + bytes,
 *             topk co-tags, languages, mentions (with names), reposted
 *             posts (with names)
 *   timeline  u32 n, u32 cap, n x (i64 bucket start, u64 posts, hll)
 *   topk      u16 n, u16 cap, n x (u64 key, u32 count, u32 err
 *             [, u8 len, name])
 *   ring      u64 cap (0: not allocated yet), u64 n, u64 head, n entries
 *             in ring order: u64 key, u8 ntags, ntags x (u8 spelling slot,
 *             u64 tag hash); the index is rebuilt from them
 *   pending   u64 n, u64 cap, n x (u64 key, u64 account hash, i64 time,
 *             u16 language id)
 * Capacities (table, timelines, summaries, pending) are saved so that
 * gs_engine_memory() and the growth of every array are as before; a
 * snapshot of a loaded engine is byte for byte the snapshot it was loaded
 * from.
 *
 * Checks on load: the file is untrusted even once its CRC matches. Options
 * obey gs_engine_new()'s rules, and repost_cache <= SNAP_MAX_REPOST_CACHE
 * (the ring is allocated in full, whatever its fill); gs_engine_save()
 * refuses an engine beyond that, or with posts beyond +-2^61 ms, with
 * GS_EUSAGE, so that what is saved can always be loaded. Every count is
 * checked against what the engine can produce (capacities against their
 * growth rules; at most 4 spellings, top_k summary entries, 1,024
 * languages, 2^20 pending reposts; names < NAME_MAX_ bytes without NUL;
 * keys of 1..GS_TAG_MAX bytes whose xxh3 is the stored hash) and against
 * the bytes left before anything is allocated, so memory stays within a
 * small multiple of the file's size: the table is paid for by its bitmap
 * (64 bytes of pointers per byte), timelines and summaries by their
 * entries. Sketches are checked by gs_hll_decode(). Every tag must be found
 * by a lookup of its key in the slot it came from (no duplicates, no
 * probe gaps, ntags <= nslots / 2). Bucket times are aligned, increasing
 * and within the summary's first..last, posts and pending reposts within
 * them too (gs_engine_timeline() indexes by them), and times within
 * +-2^61 ms; language ids within the intern table, spelling slots < 4,
 * ring keys unique. Anything else is GS_EFORMAT, and a partly built engine
 * is freed. The whole payload must be consumed.
 */

#include "snapio.h"

#define SNAP_VERSION 1
#define SNAP_MAX_REPOST_CACHE (1u << 22)
#define SNAP_MAX_SLOTS (UINT64_C(1) << 31)
#define SNAP_MAX_BUCKETS (1u << 28)
#define SNAP_TIME_LIMIT (INT64_C(1) << 61)
#define SNAP_BUCKET_MIN 23 /* bytes of the smallest saved bucket */

static void put_hll(struct gs_wr *w, const struct gs_hll *h)
{
	size_t n = gs_hll_saved_size(h);
	unsigned char *p = gs_wr_space(w, n);
	if (p)
		gs_hll_encode(h, p);
}

static void put_str8(struct gs_wr *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	gs_wr_u8(w, (uint8_t)n);
	gs_wr_bytes(w, s, n);
}

static void put_timeline(struct gs_wr *w, const struct tag *t)
{
	gs_wr_u32(w, t->tl_n);
	gs_wr_u32(w, t->tl_cap);
	for (uint32_t i = 0; i < t->tl_n; i++) {
		gs_wr_i64(w, t->tl[i].t);
		gs_wr_u64(w, t->tl[i].posts);
		put_hll(w, &t->tl[i].acc);
	}
}

static void put_topk(struct gs_wr *w, const struct topk *k, int names)
{
	gs_wr_u16(w, k->n);
	gs_wr_u16(w, k->cap);
	for (uint16_t i = 0; i < k->n; i++) {
		gs_wr_u64(w, k->v[i].key);
		gs_wr_u32(w, k->v[i].count);
		gs_wr_u32(w, k->v[i].err);
		if (names)
			put_str8(w, k->names ? k->names[i] : "", NAME_MAX_ - 1);
	}
}

static void put_tag(struct gs_wr *w, const struct tag *t)
{
	gs_wr_u64(w, t->hash);
	gs_wr_u16(w, t->keylen);
	gs_wr_bytes(w, t->key, t->keylen);
	gs_wr_u64(w, t->posts);
	gs_wr_u64(w, t->reposts);
	gs_wr_u64(w, t->replies);
	gs_wr_u64(w, t->quotes);
	gs_wr_u64(w, t->posts_err);
	gs_wr_i64(w, t->first_ms);
	gs_wr_i64(w, t->last_ms);
	gs_wr_i64(w, t->first_id_ms);
	put_hll(w, &t->accounts);
	put_timeline(w, t);
	int nsp = 0;
	while (nsp < SPELLINGS_MAX && t->sp[nsp])
		nsp++;
	gs_wr_u8(w, (uint8_t)nsp);
	for (int i = 0; i < nsp; i++) {
		gs_wr_u64(w, t->sp[i]->count);
		gs_wr_u16(w, t->sp[i]->n);
		gs_wr_bytes(w, t->sp[i]->s, t->sp[i]->n);
	}
	if (t->first_id)
		put_str8(w, t->first_id, NAME_MAX_ - 1);
	else
		gs_wr_u8(w, 0xFF);
	put_topk(w, &t->cot, 0);
	put_topk(w, &t->langs, 0);
	put_topk(w, &t->ment, 1);
	put_topk(w, &t->rep, 1);
}

static void engine_body(struct gs_wr *w, const void *obj)
{
	const struct gs_engine *e = obj;
	const struct gs_summary *s = &e->s;
	gs_wr_i64(w, e->o.bucket_ms);
	gs_wr_u64(w, e->o.max_tags);
	gs_wr_u32(w, e->o.hll_p);
	gs_wr_u32(w, e->o.bucket_hll_p);
	gs_wr_u64(w, e->o.repost_cache);
	gs_wr_u64(w, e->o.top_k);
	const uint64_t u[] = {s->posts, s->originals, s->reposts, s->replies,
			      s->quotes, s->tagged_posts, s->tag_uses,
			      s->tags_dropped, s->tags_invalid, s->malformed,
			      s->skipped, s->reposts_unresolved, s->tags_tracked,
			      s->tags_evicted, s->evicted_max_posts};
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		gs_wr_u64(w, u[i]);
	gs_wr_f64(w, s->tags_distinct);
	gs_wr_f64(w, s->accounts);
	gs_wr_f64(w, s->accounts_error);
	gs_wr_i64(w, s->first_ms);
	gs_wr_i64(w, s->last_ms);
	gs_wr_i64(w, s->bucket_ms);
	gs_wr_u64(w, e->tag_uses_evicted);
	put_hll(w, &e->accounts);
	put_hll(w, &e->tagkeys);
	gs_wr_u16(w, (uint16_t)e->nlangs);
	for (size_t i = 0; i < e->nlangs; i++)
		put_str8(w, e->langs[i], 15);
	put_timeline(w, e->global);
	gs_wr_u64(w, e->nslots);
	gs_wr_u64(w, e->ntags);
	for (size_t i = 0; i < e->nslots; i += 8) {
		uint8_t b = 0;
		for (size_t k = 0; k < 8; k++)
			if (e->slots[i + k])
				b |= (uint8_t)(1u << k);
		gs_wr_u8(w, b);
	}
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i])
			put_tag(w, e->slots[i]);
	const struct gs_repost_cache *rc = &e->rc;
	gs_wr_u64(w, rc->cap);
	gs_wr_u64(w, rc->n);
	gs_wr_u64(w, rc->head);
	for (size_t i = 0; i < rc->n; i++) {
		const struct gs_repost_ent *re = &rc->ring[i];
		gs_wr_u64(w, re->key);
		gs_wr_u8(w, re->n);
		for (uint8_t k = 0; k < re->n; k++) {
			gs_wr_u8(w, re->sp[k]);
			gs_wr_u64(w, re->tags[k]);
		}
	}
	gs_wr_u64(w, rc->npending);
	gs_wr_u64(w, rc->pending_cap);
	for (size_t i = 0; i < rc->npending; i++) {
		const struct gs_repost_pending *pd = &rc->pending[i];
		gs_wr_u64(w, pd->key);
		gs_wr_u64(w, pd->engine.ah);
		gs_wr_i64(w, pd->time_ms);
		gs_wr_u16(w, pd->engine.lid);
	}
}

static int time_ok(int64_t t);

int gs_engine_save(const struct gs_engine *e, FILE *f)
{
	/* what gs_engine_load() would refuse is refused now, not at restart */
	if (e->o.repost_cache > SNAP_MAX_REPOST_CACHE ||
	    (e->s.posts && (!time_ok(e->s.first_ms) || !time_ok(e->s.last_ms))))
		return GS_EUSAGE;
	return gs_snap_write(f, "GSEN", SNAP_VERSION, engine_body, e);
}

/* -- loading -- */

#define FAIL_IF(c)                                                             \
	do {                                                                   \
		if (c)                                                         \
			return GS_EFORMAT;                                     \
	} while (0)

/* A sketch of precision p, or down to pmin (compacted buckets). */
static int get_hll_range(struct gs_rd *rd, struct gs_hll *h, unsigned pmin,
			 unsigned p)
{
	size_t used;
	int r = gs_hll_decode(h, rd->p, gs_rd_left(rd), &used);
	if (r)
		return r;
	if (h->p > p || h->p < pmin) {
		gs_hll_release(h);
		gs_hll_init(h, p);
		return GS_EFORMAT;
	}
	rd->p += used;
	return 0;
}

static int get_hll(struct gs_rd *rd, struct gs_hll *h, unsigned p)
{
	return get_hll_range(rd, h, p, p);
}

/* A string of at most max bytes without NUL into out[max + 1]. */
static int get_str8(struct gs_rd *rd, char *out, size_t max)
{
	uint8_t n = gs_rd_u8(rd);
	FAIL_IF(rd->err || n > max);
	const unsigned char *p = gs_rd_take(rd, n);
	FAIL_IF(!p || memchr(p, 0, n));
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

static int time_ok(int64_t t)
{
	return t >= -SNAP_TIME_LIMIT && t <= SNAP_TIME_LIMIT;
}

/* Is t within the engine's posts (both sentinels when it has none)? */
static int in_range(const struct gs_engine *e, int64_t t)
{
	return e->s.posts && t >= e->s.first_ms && t <= e->s.last_ms;
}

static int get_timeline(struct gs_rd *rd, const struct gs_engine *e,
			struct tag *t)
{
	uint32_t n = gs_rd_u32(rd), cap = gs_rd_u32(rd);
	FAIL_IF(rd->err || n > SNAP_MAX_BUCKETS || n > cap ||
		(n == 0 && cap != 0) || cap > (n <= 4 ? 4 : 2 * n) ||
		gs_rd_left(rd) / SNAP_BUCKET_MIN < n);
	if (!cap)
		return 0;
	t->tl = malloc((size_t)cap * sizeof *t->tl);
	if (!t->tl)
		return GS_ENOMEM;
	t->tl_cap = cap;
	int64_t w = e->o.bucket_ms;
	int64_t b0 = gs_time_bucket(e->s.first_ms, w);
	int64_t b1 = gs_time_bucket(e->s.last_ms, w);
	for (uint32_t i = 0; i < n; i++) {
		struct bucket *b = &t->tl[i];
		b->t = gs_rd_i64(rd);
		b->posts = gs_rd_u64(rd);
		FAIL_IF(rd->err || !e->s.posts || b->t < b0 || b->t > b1 ||
			gs_time_bucket(b->t, w) != b->t || b->posts == 0 ||
			(i && b->t <= t->tl[i - 1].t));
		gs_hll_init(&b->acc, e->o.bucket_hll_p);
		unsigned pmin = e->o.bucket_hll_p < COMPACT_P2
					? e->o.bucket_hll_p
					: COMPACT_P2;
		int r = get_hll_range(rd, &b->acc, pmin, e->o.bucket_hll_p);
		if (r) {
			gs_hll_release(&b->acc);
			return r;
		}
		t->tl_n = i + 1;
	}
	return 0;
}

static int get_topk(struct gs_rd *rd, const struct gs_engine *e,
		    struct topk *k, size_t kmax, int names, int langs)
{
	uint16_t n = gs_rd_u16(rd), cap = gs_rd_u16(rd);
	FAIL_IF(rd->err || n > cap || cap > kmax || (n == 0 && cap != 0) ||
		cap > (n <= 2 ? 2 : 2 * n) || gs_rd_left(rd) / 16 < n);
	if (!cap)
		return 0;
	k->v = malloc(cap * sizeof *k->v);
	if (!k->v)
		return GS_ENOMEM;
	if (names && !(k->names = calloc(cap, sizeof *k->names)))
		return GS_ENOMEM;
	k->cap = cap;
	for (uint16_t i = 0; i < n; i++) {
		struct topk_ent *v = &k->v[i];
		v->key = gs_rd_u64(rd);
		v->count = gs_rd_u32(rd);
		v->err = gs_rd_u32(rd);
		FAIL_IF(rd->err || v->err > v->count ||
			(langs && (v->key == 0 || v->key > e->nlangs)));
		if (names) {
			int r = get_str8(rd, k->names[i], NAME_MAX_ - 1);
			if (r)
				return r;
		}
		k->n = (uint16_t)(i + 1);
	}
	return 0;
}

/* Reads one tag into a new struct placed at *slot at once, so that a
 * failure part-way leaves it to gs_engine_free(). */
static int get_tag(struct gs_rd *rd, struct gs_engine *e, struct tag **slot)
{
	uint64_t hash = gs_rd_u64(rd);
	uint16_t keylen = gs_rd_u16(rd);
	FAIL_IF(rd->err || keylen == 0 || keylen > GS_TAG_MAX);
	const unsigned char *key = gs_rd_take(rd, keylen);
	/* (a key may hold a NUL: gs_fold() keeps what the input had) */
	FAIL_IF(!key || XXH3_64bits(key, keylen) != hash);
	struct tag *t = calloc(1, sizeof *t + keylen + 1);
	if (!t)
		return GS_ENOMEM;
	*slot = t;
	t->hash = hash;
	t->keylen = keylen;
	memcpy(t->key, key, keylen);
	gs_hll_init(&t->accounts, e->o.hll_p);
	t->posts = gs_rd_u64(rd);
	t->reposts = gs_rd_u64(rd);
	t->replies = gs_rd_u64(rd);
	t->quotes = gs_rd_u64(rd);
	t->posts_err = gs_rd_u64(rd);
	t->first_ms = gs_rd_i64(rd);
	t->last_ms = gs_rd_i64(rd);
	t->first_id_ms = gs_rd_i64(rd);
	FAIL_IF(rd->err || t->reposts > t->posts);
	FAIL_IF(!(t->first_ms == INT64_MAX && t->last_ms == INT64_MIN) &&
		!(in_range(e, t->first_ms) && in_range(e, t->last_ms) &&
		  t->first_ms <= t->last_ms));
	int r;
	if ((r = get_hll(rd, &t->accounts, e->o.hll_p)) ||
	    (r = get_timeline(rd, e, t)))
		return r;
	uint8_t nsp = gs_rd_u8(rd);
	FAIL_IF(rd->err || nsp > SPELLINGS_MAX);
	for (uint8_t i = 0; i < nsp; i++) {
		uint64_t count = gs_rd_u64(rd);
		uint16_t n = gs_rd_u16(rd);
		FAIL_IF(rd->err || n == 0);
		const unsigned char *s = gs_rd_take(rd, n);
		FAIL_IF(!s);
		struct spelling *sp = malloc(sizeof *sp + n + 1);
		if (!sp)
			return GS_ENOMEM;
		sp->count = count;
		sp->n = n;
		memcpy(sp->s, s, n);
		sp->s[n] = 0;
		t->sp[i] = sp;
	}
	uint8_t idn = gs_rd_u8(rd);
	FAIL_IF(rd->err || (idn != 0xFF && idn >= NAME_MAX_));
	if (idn != 0xFF) {
		const unsigned char *s = gs_rd_take(rd, idn);
		FAIL_IF(!s || memchr(s, 0, idn));
		if (!(t->first_id = malloc((size_t)idn + 1)))
			return GS_ENOMEM;
		memcpy(t->first_id, s, idn);
		t->first_id[idn] = 0;
	}
	if ((r = get_topk(rd, e, &t->cot, e->o.top_k, 0, 0)) ||
	    (r = get_topk(rd, e, &t->langs, e->o.top_k, 0, 1)) ||
	    (r = get_topk(rd, e, &t->ment, MENTIONS_K(e), 1, 0)) ||
	    (r = get_topk(rd, e, &t->rep, 4, 1, 0)))
		return r;
	return 0;
}

static int get_table(struct gs_rd *rd, struct gs_engine *e)
{
	uint64_t nslots = gs_rd_u64(rd), ntags = gs_rd_u64(rd);
	FAIL_IF(rd->err || nslots < 1024 || nslots > SNAP_MAX_SLOTS ||
		(nslots & (nslots - 1)) || ntags > nslots / 2);
	const unsigned char *bits = gs_rd_take(rd, (size_t)(nslots / 8));
	FAIL_IF(!bits);
	uint64_t set = 0;
	for (size_t i = 0; i < nslots / 8; i++)
		set += (uint64_t)__builtin_popcount(bits[i]);
	FAIL_IF(set != ntags);
	free(e->slots);
	e->nslots = 0;
	if (!(e->slots = calloc((size_t)nslots, sizeof *e->slots)))
		return GS_ENOMEM;
	e->nslots = (size_t)nslots;
	for (size_t i = 0; i < e->nslots; i++) {
		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		e->ntags++;
		int r = get_tag(rd, e, &e->slots[i]);
		if (r)
			return r;
	}
	/* each tag where a lookup of its key lands: no duplicates, no gaps */
	for (size_t i = 0; i < e->nslots; i++) {
		const struct tag *t = e->slots[i];
		FAIL_IF(t && find_slot(e, t->hash, t->key, t->keylen) != &e->slots[i]);
	}
	return 0;
}

static int get_ring(struct gs_rd *rd, struct gs_engine *e)
{
	uint64_t cap = gs_rd_u64(rd), n = gs_rd_u64(rd), head = gs_rd_u64(rd);
	FAIL_IF(rd->err);
	if (cap == 0) {
		FAIL_IF(n || head);
		return 0;
	}
	/* the ring is allocated with its first entry, and wraps once full */
	FAIL_IF(cap != e->o.repost_cache || n == 0 || n > cap || head >= cap ||
		(head && n != cap) || gs_rd_left(rd) / 18 < n);
	if (gs_repost_cache_alloc(&e->rc))
		return GS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct gs_repost_ent re;
		memset(&re, 0, sizeof re);
		re.key = gs_rd_u64(rd);
		re.n = gs_rd_u8(rd);
		FAIL_IF(rd->err || re.n == 0 || re.n > GS_REPOST_TAGS);
		for (uint8_t k = 0; k < re.n; k++) {
			re.sp[k] = gs_rd_u8(rd);
			re.tags[k] = gs_rd_u64(rd);
			FAIL_IF(rd->err || (re.sp[k] >= SPELLINGS_MAX &&
					    re.sp[k] != 0xFF));
		}
		/* each post once; put back at position i (not full yet) */
		FAIL_IF(gs_repost_cache_find(&e->rc, re.key));
		if (gs_repost_cache_put(&e->rc, &re))
			return GS_ENOMEM;
	}
	FAIL_IF(gs_repost_cache_restore_head(&e->rc, (size_t)head));
	return 0;
}

static int get_pending(struct gs_rd *rd, struct gs_engine *e)
{
	uint64_t n = gs_rd_u64(rd), cap = gs_rd_u64(rd);
	FAIL_IF(rd->err || n > GS_REPOST_PENDING_MAX || n > cap ||
		(n == 0 && cap != 0) || cap > (n <= 256 ? 256 : 2 * n) ||
		gs_rd_left(rd) / 26 < n);
	if (!cap)
		return 0;
	/* the saved capacity, so that the list grows as it would have */
	if (gs_repost_cache_reserve_pending(&e->rc, (size_t)cap))
		return GS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t key = gs_rd_u64(rd), ah = gs_rd_u64(rd);
		int64_t time_ms = gs_rd_i64(rd);
		uint16_t lid = gs_rd_u16(rd);
		FAIL_IF(rd->err || !in_range(e, time_ms) || lid > e->nlangs);
		struct gs_repost_pending *pd =
			gs_repost_cache_pend(&e->rc, key, time_ms);
		if (!pd)
			return GS_ENOMEM;
		pd->engine.ah = ah;
		pd->engine.lid = lid;
	}
	return 0;
}

static int engine_decode(struct gs_rd *rd, struct gs_engine **out)
{
	struct gs_engine_options o = {0};
	o.bucket_ms = gs_rd_i64(rd);
	uint64_t max_tags = gs_rd_u64(rd);
	o.hll_p = gs_rd_u32(rd);
	o.bucket_hll_p = gs_rd_u32(rd);
	uint64_t repost_cache = gs_rd_u64(rd);
	uint64_t top_k = gs_rd_u64(rd);
	FAIL_IF(rd->err || max_tags > SIZE_MAX || repost_cache > SNAP_MAX_REPOST_CACHE ||
		top_k > 1024);
	o.max_tags = (size_t)max_tags;
	o.repost_cache = (size_t)repost_cache;
	o.top_k = (size_t)top_k;
	/* gs_engine_new() refuses what it would refuse */
	FAIL_IF(o.bucket_ms <= 0 || o.max_tags < 16 || o.hll_p < 4 || o.hll_p > 16 ||
		o.bucket_hll_p < 4 || o.bucket_hll_p > 16 || o.top_k < 1);
	struct gs_engine *e = gs_engine_new(&o);
	if (!e)
		return GS_ENOMEM;
	*out = e;
	struct gs_summary *s = &e->s;
	uint64_t *u[] = {&s->posts, &s->originals, &s->reposts, &s->replies,
			 &s->quotes, &s->tagged_posts, &s->tag_uses,
			 &s->tags_dropped, &s->tags_invalid, &s->malformed,
			 &s->skipped, &s->reposts_unresolved, &s->tags_tracked,
			 &s->tags_evicted, &s->evicted_max_posts};
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		*u[i] = gs_rd_u64(rd);
	s->tags_distinct = gs_rd_f64(rd);
	s->accounts = gs_rd_f64(rd);
	s->accounts_error = gs_rd_f64(rd);
	s->first_ms = gs_rd_i64(rd);
	s->last_ms = gs_rd_i64(rd);
	s->bucket_ms = gs_rd_i64(rd);
	e->tag_uses_evicted = gs_rd_u64(rd);
	FAIL_IF(rd->err || s->bucket_ms != o.bucket_ms || s->reposts > s->posts);
	if (s->posts == 0)
		FAIL_IF(s->first_ms != INT64_MAX || s->last_ms != INT64_MIN);
	else
		FAIL_IF(!time_ok(s->first_ms) || !time_ok(s->last_ms) ||
			s->first_ms > s->last_ms);
	int r;
	if ((r = get_hll(rd, &e->accounts, 14)) || (r = get_hll(rd, &e->tagkeys, 14)))
		return r;
	uint16_t nl = gs_rd_u16(rd);
	FAIL_IF(rd->err || nl > LANGS_MAX);
	for (size_t i = 0; i < nl; i++) {
		if ((r = get_str8(rd, e->langs[i], 15)))
			return r;
		e->nlangs = i + 1;
	}
	if ((r = get_timeline(rd, e, e->global)) || (r = get_table(rd, e)) ||
	    (r = get_ring(rd, e)) || (r = get_pending(rd, e)))
		return r;
	FAIL_IF(rd->err || gs_rd_left(rd) != 0);
	return 0;
}

static int engine_decode_v(struct gs_rd *rd, void **out)
{
	struct gs_engine *x = NULL;
	int r = engine_decode(rd, &x);
	*out = x;
	return r;
}

static void gs_engine_free_v(void *x)
{
	gs_engine_free(x);
}

struct gs_engine *gs_engine_load(FILE *f, int *err)
{
	struct gs_engine *x =
		gs_snap_load(f, "GSEN", SNAP_VERSION, engine_decode_v, gs_engine_free_v, err);
	if (x)
		mem_recount(x);
	return x;
}
