/*
 * engine.c - counts hashtag movements in bounded memory (see groundswell.h):
 * the engine's lifecycle, its tag table and the bounds on it, adding posts
 * and merging engines. The answers are in engine_query.c and engine_obs.c,
 * snapshots in engine_snapshot.c; engine_int.h holds what they share.
 *
 * Tables
 *   Tags live in an open-addressing table (linear probing) keyed by the
 *   64-bit xxh3 hash of their folded key (fold.h), kept at most half full:
 *   it doubles before a post's tags would fill more (reserve). Each tag
 *   holds exact post counters, a distinct-account sketch (hll.h: exact up
 *   to 2^p/16 accounts, then HyperLogLog with relative standard error
 *   1.04/sqrt(2^p)), a timeline of the buckets in which it was used (sorted
 *   array of non-empty buckets, each with a post count and its own small
 *   sketch), its first 4 spellings, the id of its earliest post, and six
 *   Space-Saving summaries (Metwally et al. 2005): co-occurring tags and
 *   languages (top_k each), mentioned accounts (at most 10, with their ids),
 *   reposted posts (4, with their ids), and (issue 12 part 4) the links its
 *   posts shared (at most 10, with their URLs) and their domains (top_k,
 *   with their names), which grow only for tags whose posts carry links.
 *   Reposts count for all six, as for the tag's posts. A tag "global" outside
 * the table holds the timeline of all posts; languages are interned (at most
 * 1,024, 15 bytes each) so that summaries key them by a small id.
 *
 * Memory bound
 *   At most max_tags tags are tracked. When a post's tags would exceed
 *   that, the tags with at most the tenth-percentile post count are evicted
 *   (a batched form of Space-Saving / lossy counting; as most tags have one
 *   post, that is often far more than a tenth), sparing those used in the
 *   last two buckets while at least max_tags/20 others remain to choose
 *   from. The long tail is summarised by the number of tag uses evicted and
 *   a HyperLogLog of all tag keys ever seen (so the number of distinct tags
 *   stays estimated). A tag never evicted has exact post counts. A tag first
 *   seen after an eviction may have lost earlier posts, at most the largest
 *   upper bound (posts + posts_error) of an evicted tag, which is reported
 *   as its posts_error (the bound of Space-Saving: it holds for tags
 *   evicted again and again; merged engines add their bounds). Memory is
 *   therefore O(max_tags * (1 + buckets used)), independent of the number
 *   of posts. max_bytes (gs_engine_set_max_bytes) bounds the bytes the tags
 *   hold, kept count of as they grow (mem): past it, the sketches of
 *   buckets more than a day old shrink first (compact: HyperLogLog
 *   registers fold exactly to a lower precision, so posts stay exact and
 *   the shrunk sketches still merge), then tags are evicted as above down
 *   to 3/4 of it (fit_memory).
 *
 *   Over a long span (issue 17) the buckets are most of it: a timeline
 *   grows by an eighth (bucket_get), and the exact account sets of a tag's
 *   buckets more than PACK_AGE_MS older than its newest are packed
 *   (gs_engine_pack_old; engine_int.h states the rule), which changes no
 *   answer. Absorbing a part moves its later buckets instead of copying
 *   them (timeline_merge).
 *
 *   Bluesky reposts name their original by URI. The last repost_cache
 *   tagged Bluesky posts are remembered with their first 7 tags
 *   (repost_cache.h, which states the rule for a post seen twice); a
 *   repost of a post not held is counted as a post and repost, and as
 *   reposts_unresolved, without tags, and waits in the pending list.
 *
 * Merge rule
 *   Counters add, sketches take their union, timelines merge bucket by
 *   bucket, Space-Saving summaries add counts and keep the top k (Agarwal et
 *   al. 2012, "Mergeable summaries"), spellings add (the first 4 kept, in
 *   order of first use), the earliest post id wins. dst is the earlier part
 *   of the stream: src's pending reposts are resolved from dst's repost
 *   cache first, then src's cache entries follow dst's. Two engines fed the
 *   two halves of a stream merge to exactly the posts of the whole. Parts
 *   that are not one stream cut in order (a Kafka topic's partitions) are
 *   merged in any order, then gs_engine_resolve_pending counts the reposts
 *   still waiting whose original some part held.
 */
#include <limits.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <xxhash.h>

#include "base/timeutil.h"
#include "engine_int.h"
#include "input/fold.h"

/* An absorbed engine of at least this many bytes gives its freed pages
 * back as it is merged (merge_impl); a smaller one (a pipelined read's
 * block) is not worth the trims, which lock every malloc arena. */
#define TRIM_MIN (16u << 20)

static uint64_t sat_add64(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint32_t sat_add(uint32_t a, uint64_t b)
{
	return b >= UINT32_MAX - a ? UINT32_MAX : a + (uint32_t)b;
}

void gs_engine_options_init(struct gs_engine_options *o)
{
	o->bucket_ms = GS_MS_HOUR;
	o->max_tags = 200000;
	o->hll_p = GS_HLL_P_DEFAULT;
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
	if (opt->bucket_ms <= 0 || opt->max_tags < 16 ||
	    opt->hll_p < GS_HLL_P_MIN || opt->hll_p > GS_HLL_P_MAX ||
	    opt->bucket_hll_p < GS_HLL_P_MIN ||
	    opt->bucket_hll_p > GS_HLL_P_MAX || opt->top_k < 1 ||
	    opt->top_k > 1024 || opt->repost_cache > (1u << 30))
		return NULL;
	struct gs_engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->o = *opt;
	e->nslots = pow2_at_least(1024);
	e->slots = calloc(e->nslots, sizeof *e->slots);
	/* the ring is allocated with the first tagged Bluesky post */
	gs_repost_cache_init(&e->rc, opt->repost_cache);
	gs_handles_init(&e->handles, opt->max_tags);
	if (!e->slots) {
		gs_engine_free(e);
		return NULL;
	}
	/* the whole stream's sketches keep the default precision whatever
	 * --hll-precision says of the tags' (engine_query.c states their error)
	 */
	gs_hll_init(&e->accounts, GS_HLL_P_DEFAULT);
	gs_hll_init(&e->tagkeys, GS_HLL_P_DEFAULT);
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
	struct gs_engine *m = gs_engine_new(&o);
	if (m)
		m->keep_handles = e->keep_handles;
	return m;
}

void gs_engine_keep_handles(struct gs_engine *e, int on)
{
	e->keep_handles = on;
}

static void topk_release(struct topk *t)
{
	free(t->v);
	if (t->w == TOPK_VAR && t->vnames)
		for (uint16_t i = 0; i < t->cap; i++)
			free(t->vnames[i]);
	free(t->names);
}

/* What gs_engine_memory() counts for one tag, the parts that grow while
 * counting (see count_tags): those every post may grow, and the links'
 * summaries, which only a post with links grows. */
static size_t tag_post_bytes(const struct tag *t)
{
	return gs_hll_bytes(&t->accounts) + t->tl_cap * sizeof *t->tl +
	       topk_bytes(&t->cot) + topk_bytes(&t->langs) +
	       topk_bytes(&t->ment) + topk_bytes(&t->rep);
}

static size_t tag_link_bytes(const struct tag *t)
{
	return topk_bytes(&t->urls) + topk_bytes(&t->doms);
}

static size_t tag_growing_bytes(const struct tag *t)
{
	return tag_post_bytes(t) + tag_link_bytes(t);
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
	topk_release(&t->urls);
	topk_release(&t->doms);
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
	gs_handles_release(&e->handles);
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

/* Evicts the candidates with at most the tenth-percentile post count of
 * all candidates (often more than a tenth: most tags have one post), but
 * never those with the highest count (so when all have one count, none
 * goes). The candidates are all tags or, with spare_recent, those not used
 * in the last two buckets: a tag on the rise must keep its timeline, or
 * trend detection would lose it. Returns 0, 1 when there are fewer than
 * min_candidates candidates (nothing evicted), or GS_ENOMEM. */
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

/* Makes room in the table (max_tags), sparing recent tags while a
 * twentieth of max_tags others can be chosen from. */
static int evict(struct gs_engine *e)
{
	int r = evict_pass(e, 1, e->o.max_tags / 20);
	if (r == 1)
		r = evict_pass(e, 0, e->o.max_tags / 20);
	return r == 1 ? 0 : r; /* nothing evictable: exceed by one post's tags */
}

/* Shrinks the sketches of every tag's old buckets to precision p (see
 * COMPACT_P1 in engine_int.h), and gives back the spare room of the timelines
 * of tags not used since. Returns 0 or GS_ENOMEM (what was shrunk stays shrunk;
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
			if (t->acc_derived) { /* h turns dense */
				if (gs_engine_tag_materialize(t))
					return GS_ENOMEM;
				e->mem += gs_hll_bytes(&t->accounts);
			}
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

/* Brings the tags' memory back under max_bytes: first by shrinking old
 * buckets (compact, to COMPACT_P1, then COMPACT_P2 if still above the
 * target), then by eviction passes as evict()'s (64 candidates suffice)
 * until it is at most 3/4 of max_bytes, so that the tags that come back
 * after a pass do not start the next one at once. The tags of the last two
 * buckets are spared while a pass can evict others. When a pass evicts
 * nothing (only heavy tags are left) the bound is exceeded, and tried again
 * once another 1/16 of it has been used (mem_retry). */
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
	t->acc_derived = 1; /* no bucket yet: all sets */
	gs_hll_add(&e->tagkeys, h);
	*slot = t;
	e->ntags++;
	return t;
}

/* ---- per-tag summaries ------------------------------------------------- */

/* Space-Saving: add w to key; when full, the smallest entry is replaced and
 * the newcomer inherits its count. Entries carry a name of name_w bytes
 * (0: none), the same for a summary's life. Returns the index of a new or
 * replaced entry (whose name the caller sets), -2 - the index of an
 * existing one, or -1 when out of memory. */
static int topk_add(struct topk *t, size_t k, uint64_t key, uint64_t w,
		    size_t name_w)
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
			if (name_w == TOPK_VAR) {
				char **nm =
					realloc(t->vnames, cap * sizeof *nm);
				if (!nm)
					return -1;
				for (size_t i = t->cap; i < cap; i++)
					nm[i] = NULL;
				t->vnames = nm;
				t->w = TOPK_VAR;
			} else if (name_w) {
				char *nm = realloc(t->names, cap * name_w);
				if (!nm)
					return -1;
				t->names = nm;
				t->w = (uint16_t)name_w;
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

/* Whether id (as set_first_id keeps it: at most NAME_MAX_ - 1 bytes) sorts
 * before the kept first id cur (NULL: none), by bytes: of two posts of the
 * same millisecond, the smaller id is the first, so that the split of a
 * file across threads cannot change it (tag_merge's rule too). */
static int id_before(struct gs_str id, const char *cur)
{
	if (!cur)
		return 1;
	size_t n = id.n < NAME_MAX_ ? id.n : NAME_MAX_ - 1, m = strlen(cur);
	int c = memcmp(id.p, cur, n < m ? n : m);
	return c < 0 || (c == 0 && n < m);
}

/* Names entry i; a TOPK_VAR name is kept to URL_NAME_MAX - 1 bytes (the
 * caller cuts it at a character's boundary first, and a domain shorter),
 * and is NULL when out of memory. */
static void set_name(struct topk *t, int i, const char *s, size_t n)
{
	if (i < 0 || !t->names)
		return;
	if (t->w == TOPK_VAR) {
		char **d = &t->vnames[i];
		if (n > URL_NAME_MAX - 1)
			n = URL_NAME_MAX - 1;
		size_t had = *d ? strlen(*d) : 0;
		if (*d)
			t->nb = (uint16_t)(t->nb - (had + 1));
		/* a replaced name mostly has a neighbour's length: the
		 * block is kept when it holds the new one */
		char *c = *d && had >= n ? *d : realloc(*d, n + 1);
		if (!c) {
			free(*d);
			*d = NULL;
			return;
		}
		memcpy(c, s, n);
		c[n] = 0;
		*d = c;
		t->nb = (uint16_t)(t->nb + n + 1);
		return;
	}
	if (n >= t->w)
		n = t->w - 1u;
	char *d = topk_name(t, (size_t)i);
	memcpy(d, s, n);
	d[n] = 0;
}

uint64_t gs_engine_lang_find(const struct gs_engine *e, struct gs_str l)
{
	if (!l.n)
		return 0;
	size_t n = l.n < 15 ? l.n : 15;
	for (size_t i = 0; i < e->nlangs; i++)
		if (strncmp(e->langs[i], l.p, n) == 0 && e->langs[i][n] == 0)
			return i + 1;
	return 0;
}

static uint64_t lang_id(struct gs_engine *e, struct gs_str l)
{
	uint64_t id = gs_engine_lang_find(e, l);
	if (id || !l.n)
		return id;
	size_t n = l.n < 15 ? l.n : 15;
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

void gs_engine_pack_old(struct gs_engine *e, struct tag *t)
{
	if (!t->tl_n)
		return;
	int64_t before = t->tl[t->tl_n - 1].t - PACK_AGE_MS;
	for (; t->tl_old < t->tl_n && t->tl[t->tl_old].t < before;
	     t->tl_old++) {
		struct gs_hll *h = &t->tl[t->tl_old].acc;
		size_t bb = gs_hll_bytes(h);
		if (gs_hll_pack(h) == 0)
			e->mem -= bb - gs_hll_bytes(h);
	}
}

/* After an add to bucket k of t: an old bucket's set is packed again. */
static void bucket_settle(struct gs_engine *e, struct tag *t, struct bucket *k)
{
	if (k >= t->tl + t->tl_old || k->acc.packed)
		return;
	size_t bb = gs_hll_bytes(&k->acc);
	if (gs_hll_pack(&k->acc) == 0)
		e->mem -= bb - gs_hll_bytes(&k->acc);
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
		/* by an eighth (at least 4): timelines are most of a long
		 * archive's memory, and one grown by half is a sixth empty
		 * on average (17% of their bytes on ten times the big file),
		 * by an eighth a seventeenth; a timeline grows by a bucket at
		 * a time, so the copies stay O(1) a bucket (8 per bucket)
		 * (compact() and snapshots can leave fewer than 4 slots; a
		 * snapshot's timeline has at most max(4, 2 n) slots) */
		uint32_t cap = t->tl_cap < 4	? 4
			       : t->tl_cap < 32 ? t->tl_cap + 4
						: t->tl_cap + t->tl_cap / 8;
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
	t->tl[lo].reposts = t->tl[lo].replies = 0;
	gs_hll_init(&t->tl[lo].acc, e->o.bucket_hll_p);
	if (lo + 1 == t->tl_n)
		gs_engine_pack_old(e, t); /* a new newest bucket */
	else if (lo < t->tl_old)
		t->tl_old++; /* a late post's: old, empty */
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

/* ---- links (issue 12 part 4) ------------------------------------------- */

/* A post's links as its tags count them: each URL kept to
 * URL_NAME_MAX - 1 bytes and its domain to DOM_NAME_MAX - 1 (at a
 * character's boundary: what is shown is what is counted), hashed once,
 * each once a post. */
struct links {
	size_t nu, nd;
	struct gs_str u[GS_POST_MAX_URLS], d[GS_POST_MAX_URLS];
	uint64_t uh[GS_POST_MAX_URLS], dh[GS_POST_MAX_URLS];
	char dbuf[GS_POST_MAX_URLS][DOM_NAME_MAX];
};

/* n cut to at most max bytes, not inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* The domain of a URL into out[DOM_NAME_MAX]: the host of scheme://host,
 * without user, port or a trailing dot, ASCII lower-cased, without a
 * leading "www." (www.example.org and example.org are one site to a
 * reader; other subdomains stay apart); IDNs as given (punycode or not).
 * Its length, 0 when the URL has no host. */
static size_t url_domain(struct gs_str u, char *out)
{
	size_t i = 0;
	while (i < u.n && i < 32 &&
	       ((u.p[i] >= 'a' && u.p[i] <= 'z') ||
		(u.p[i] >= 'A' && u.p[i] <= 'Z') ||
		(i && ((u.p[i] >= '0' && u.p[i] <= '9') || u.p[i] == '+' ||
		       u.p[i] == '-' || u.p[i] == '.'))))
		i++;
	if (!i || i + 3 > u.n || memcmp(u.p + i, "://", 3) != 0)
		return 0;
	const char *h = u.p + i + 3, *e = h;
	while (e < u.p + u.n && *e != '/' && *e != '?' && *e != '#' &&
	       *e != '\\')
		e++;
	for (const char *q = h; q < e; q++)
		if (*q == '@')
			h = q + 1;
	if (h < e && *h == '[') {
		const char *c = memchr(h, ']', (size_t)(e - h));
		if (c)
			e = c + 1;
	} else {
		const char *c = e;
		while (c > h && c[-1] >= '0' && c[-1] <= '9')
			c--;
		if (c > h && c[-1] == ':')
			e = c - 1;
	}
	if (e > h && e[-1] == '.')
		e--;
	if (e - h > 4 && (h[0] | 32) == 'w' && (h[1] | 32) == 'w' &&
	    (h[2] | 32) == 'w' && h[3] == '.')
		h += 4;
	size_t n = utf8_cut(h, (size_t)(e - h), DOM_NAME_MAX - 1);
	for (size_t k = 0; k < n; k++)
		out[k] = h[k] >= 'A' && h[k] <= 'Z' ? (char)(h[k] + 32) : h[k];
	out[n] = 0;
	return n;
}

static void links_of(const struct gs_post *p, struct links *l)
{
	l->nu = l->nd = 0;
	for (size_t i = 0; i < p->nurls && i < GS_POST_MAX_URLS; i++) {
		struct gs_str u = p->urls[i];
		u.n = utf8_cut(u.p, u.n, URL_NAME_MAX - 1);
		if (!u.n)
			continue;
		uint64_t h = XXH3_64bits(u.p, u.n);
		size_t k;
		for (k = 0; k < l->nu && l->uh[k] != h; k++)
			;
		if (k < l->nu)
			continue;
		l->u[l->nu] = u;
		l->uh[l->nu++] = h;
		size_t dn = url_domain(u, l->dbuf[l->nd]);
		if (!dn)
			continue;
		h = XXH3_64bits(l->dbuf[l->nd], dn);
		for (k = 0; k < l->nd && l->dh[k] != h; k++)
			;
		if (k < l->nd)
			continue;
		l->d[l->nd].p = l->dbuf[l->nd];
		l->d[l->nd].n = dn;
		l->dh[l->nd++] = h;
	}
}

/* ---- counting ---------------------------------------------------------- */

/* Counts one post for its (distinct) tags. */
static int count_tags(struct gs_engine *e, struct tag **tags, size_t nt,
		      uint64_t ah, int64_t time_ms, unsigned flags,
		      uint64_t lid, const struct gs_str *mentions,
		      size_t nmentions, struct gs_str id,
		      struct gs_str repost_id, const struct links *lk)
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
		size_t grown = tag_post_bytes(t) + (lk ? tag_link_bytes(t) : 0);
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
		if (!t->acc_derived && (r = gs_hll_add(&t->accounts, ah)))
			return r;
		struct bucket *bk = bucket_get(e, t, b);
		if (!bk)
			return GS_ENOMEM;
		if (t->acc_derived && !bk->acc.dense &&
		    bk->acc.n >= gs_hll_exact_max(bk->acc.p)) {
			/* the bucket's set may turn dense: the tag's own
			 * sketch first (its bytes: grown, below) */
			if ((r = gs_engine_tag_materialize(t)) ||
			    (r = gs_hll_add(&t->accounts, ah)))
				return r;
		}
		bk->posts++;
		if (repost)
			bk->reposts += bk->reposts < UINT32_MAX;
		else if (flags & GS_POST_REPLY)
			bk->replies += bk->replies < UINT32_MAX;
		size_t bb = gs_hll_bytes(&bk->acc);
		if ((r = gs_hll_add(&bk->acc, ah)))
			return r;
		e->mem += gs_hll_bytes(&bk->acc) - bb;
		bucket_settle(e, t, bk);
		if (lid)
			topk_add(&t->langs, e->o.top_k, lid, 1, 0);
		for (size_t m = 0; m < nmentions; m++) {
			struct gs_str id = mentions[m];
			int at =
				topk_add(&t->ment, MENTIONS_K(e),
					 XXH3_64bits(id.p, id.n), 1, NAME_MAX_);
			set_name(&t->ment, at, id.p, id.n);
		}
		for (size_t k = 0; k < nt; k++)
			if (k != i)
				topk_add(&t->cot, e->o.top_k, tags[k]->hash, 1, 0);
		for (size_t u = 0; lk && u < lk->nu; u++) {
			int at = topk_add(&t->urls, URLS_K(e), lk->uh[u], 1,
					  TOPK_VAR);
			set_name(&t->urls, at, lk->u[u].p, lk->u[u].n);
		}
		for (size_t u = 0; lk && u < lk->nd; u++) {
			int at = topk_add(&t->doms, DOMS_K(e), lk->dh[u], 1,
					  TOPK_VAR);
			set_name(&t->doms, at, lk->d[u].p, lk->d[u].n);
		}
		if (repost_id.n) {
			int at = topk_add(&t->rep, 4,
					  XXH3_64bits(repost_id.p, repost_id.n),
					  1, NAME_MAX_);
			set_name(&t->rep, at, repost_id.p, repost_id.n);
		} else if (id.n && !repost &&
			   (time_ms < t->first_id_ms ||
			    (time_ms == t->first_id_ms &&
			     id_before(id, t->first_id)))) {
			e->mem -= t->first_id ? strlen(t->first_id) + 1 : 0;
			set_first_id(t, id.p, id.n, time_ms);
			e->mem += t->first_id ? strlen(t->first_id) + 1 : 0;
		}
		e->mem += tag_post_bytes(t) + (lk ? tag_link_bytes(t) : 0) -
			  grown;
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
	if (repost)
		gb->reposts += gb->reposts < UINT32_MAX;
	else if (p->flags & GS_POST_REPLY)
		gb->replies += gb->replies < UINT32_MAX;
	size_t gbb = gs_hll_bytes(&gb->acc);
	if ((r = gs_hll_add(&gb->acc, ah)))
		return r;
	e->mem += (e->global->tl_cap - gcap) * sizeof *gb + gs_hll_bytes(&gb->acc) - gbb;
	bucket_settle(e, e->global, gb);
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
	struct links lk, *lkp = NULL;
	if (nt && p->nurls) {
		links_of(p, &lk);
		lkp = &lk;
	}
	r = count_tags(e, tags, nt, ah, p->time_ms, p->flags,
		       lang_id(e, p->lang), p->mentions, p->nmentions, p->id,
		       p->repost_id, lkp);
	/* the mentioned accounts' handles, for the tags' mentioned lists */
	if (!r && nt && p->nmentions && e->keep_handles)
		r = gs_handles_note_post(&e->handles, p, GS_HANDLES_MENTIONS);
	if (!r && e->max_bytes && e->mem > e->max_bytes && e->mem > e->mem_retry)
		r = fit_memory(e);
	return r;
}

/* ---- merge ------------------------------------------------------------- */

static int topk_merge(struct topk *d, const struct topk *s, size_t k,
		      size_t name_w)
{
	for (uint16_t i = 0; i < s->n; i++) {
		int at = topk_add(d, k, s->v[i].key, s->v[i].count, name_w);
		if (at == -1)
			return GS_ENOMEM;
		struct topk_ent *de = &d->v[at >= 0 ? at : -2 - at];
		de->err = sat_add(de->err, s->v[i].err);
		if (name_w && s->names) {
			const char *nm =
				topk_name(s, i); /* NULL: out of memory */
			set_name(d, at, nm ? nm : "", nm ? strlen(nm) : 0);
		}
	}
	return 0;
}

/* Merges s's timeline into d's, bucket by bucket. When all of s's buckets
 * come after d's (the later part of a file, read in time order), d's array
 * is sized once to hold both, with no spare room, and take, when not NULL
 * (it is s, and may be taken apart), gives its buckets, sketches and all:
 * they are moved, not copied, so that absorbing a part does not hold both
 * copies at once. A moved sketch is the one a merge into an empty one
 * makes (the same members, registers and table size), so merging and
 * absorbing give the same engine, byte for byte. */
static int timeline_merge(struct gs_engine *e, struct tag *d,
			  const struct tag *s, struct tag *take)
{
	int r;
	if (s->tl_n && (!d->tl_n || d->tl[d->tl_n - 1].t < s->tl[0].t)) {
		uint32_t n = d->tl_n + s->tl_n;
		if (take && !d->tl_n) {
			free(d->tl);
			d->tl = take->tl;
			d->tl_cap = take->tl_cap;
			take->tl = NULL;
			take->tl_cap = 0;
		}
		if (d->tl_cap != n) {
			struct bucket *v = realloc(d->tl, n * sizeof *v);
			if (!v)
				return GS_ENOMEM;
			d->tl = v;
			d->tl_cap = n;
		}
		if (take && take->tl) {
			memcpy(d->tl + d->tl_n, take->tl,
			       s->tl_n * sizeof *d->tl);
			free(take->tl);
			take->tl = NULL;
			take->tl_cap = 0;
		}
		if (take) {
			d->tl_n = n;
			take->tl_n = 0;
			return 0;
		}
	}
	for (uint32_t i = 0; i < s->tl_n; i++) {
		struct bucket *b = bucket_get(e, d, s->tl[i].t);
		if (!b)
			return GS_ENOMEM;
		b->posts += s->tl[i].posts;
		b->reposts = sat_add(b->reposts, s->tl[i].reposts);
		b->replies = sat_add(b->replies, s->tl[i].replies);
		if ((r = gs_hll_merge(&b->acc, &s->tl[i].acc)))
			return r;
	}
	return 0;
}

/* Moves *s into an empty *d (take's summaries and account sketch: what
 * merging into an empty one would make, entries in the same order), or
 * merges it; 1 when moved. */
static int topk_take(struct topk *d, struct topk *s)
{
	if (d->n || d->cap || !s->n)
		return 0;
	*d = *s;
	memset(s, 0, sizeof *s);
	return 1;
}

static int tag_merge(struct gs_engine *e, struct tag *d, const struct tag *s,
		     const struct gs_engine *se, struct tag *take)
{
	int r;
	/* derived account sets (engine_int.h): d stays derived when s is
	 * too and no merged bucket can turn dense; else both get a sketch
	 * (s's union in sa), merged as before */
	struct gs_hll sa;
	const struct gs_hll *sacc = &s->accounts;
	gs_hll_init(&sa, s->accounts.p);
	if (d->acc_derived &&
	    (!s->acc_derived || gs_engine_may_densify(d, s)) &&
	    (r = gs_engine_tag_materialize(d)))
		return r;
	if (!d->acc_derived && s->acc_derived) {
		if ((r = gs_engine_tag_union(s, &sa)))
			return r;
		sacc = &sa;
	}
	if (take) {
		/* a tag new to d: what it holds is moved, not copied */
		if (!s->acc_derived && !d->accounts.dense &&
		    d->accounts.n == 0 && d->accounts.p == s->accounts.p) {
			gs_hll_release(&d->accounts);
			d->accounts = take->accounts;
			gs_hll_init(&take->accounts, s->accounts.p);
		}
		topk_take(&d->cot, &take->cot);
		topk_take(&d->ment, &take->ment);
		topk_take(&d->rep, &take->rep);
		topk_take(&d->urls, &take->urls);
		topk_take(&d->doms, &take->doms);
	}
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
	r = d->acc_derived ? 0 : gs_hll_merge(&d->accounts, sacc);
	gs_hll_release(&sa);
	if (r || (r = timeline_merge(e, d, s, take)))
		return r;
	d->tl_old = 0; /* merged buckets may be anywhere */
	gs_engine_pack_old(e, d);
	for (int i = 0; i < SPELLINGS_MAX && s->sp[i]; i++)
		spelling_add(d, s->sp[i]->s, s->sp[i]->n, s->sp[i]->count);
	if ((r = topk_merge(&d->cot, &s->cot, e->o.top_k, 0)) ||
	    (r = topk_merge(&d->ment, &s->ment, MENTIONS_K(e), NAME_MAX_)) ||
	    (r = topk_merge(&d->rep, &s->rep, 4, NAME_MAX_)) ||
	    (r = topk_merge(&d->urls, &s->urls, URLS_K(e), TOPK_VAR)) ||
	    (r = topk_merge(&d->doms, &s->doms, DOMS_K(e), TOPK_VAR)))
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
	topk_release(&t->urls);
	topk_release(&t->doms);
	memset(&t->urls, 0, sizeof t->urls);
	memset(&t->doms, 0, sizeof t->doms);
	memset(&t->cot, 0, sizeof t->cot);
	memset(&t->langs, 0, sizeof t->langs);
	memset(&t->ment, 0, sizeof t->ment);
	memset(&t->rep, 0, sizeof t->rep);
}

static int merge_impl(struct gs_engine *dst, struct gs_engine *src,
		      const struct gs_engine *csrc);

void gs_engine_mem_recount(struct gs_engine *e)
{
	e->mem = tag_bytes(e->global);
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i])
			e->mem += tag_bytes(e->slots[i]);
}

/* dst->mem follows the merge tag by tag (merge_impl): a recount of every
 * tag of dst after each merge cost a third of the CPU time of a pipelined
 * read, whose many small blocks are absorbed into one large engine. A
 * merge that failed part-way leaves dst to be freed, its count recounted
 * in case. */
int gs_engine_merge(struct gs_engine *dst, const struct gs_engine *src)
{
	int r = merge_impl(dst, NULL, src);
	if (r)
		gs_engine_mem_recount(dst);
	return r;
}

int gs_engine_absorb(struct gs_engine *dst, struct gs_engine *src)
{
	int r = merge_impl(dst, src, src);
	gs_engine_free(src);
	if (r)
		gs_engine_mem_recount(dst);
	return r;
}

/* pd, a repost that waits in src (src may be dst), counted in dst under
 * its original's tags when dst's cache holds the original: 1 when counted,
 * 0 when dst does not hold it, 2 when it does but none of its tags is
 * tracked any more (dropped: it stays unresolved), or a negative error. */
static int count_pending(struct gs_engine *dst, const struct gs_engine *src,
			 const struct gs_repost_pending *pd)
{
	struct tag *tags[GS_REPOST_TAGS];
	uint8_t slots[GS_REPOST_TAGS];
	size_t nt = repost_tags(dst, pd->key, tags, slots);
	if (nt == 0)
		return 0;
	if (nt == (size_t)-1)
		return 2;
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
	int r = count_tags(dst, tags, nt, pd->engine.ah, pd->time_ms,
			   GS_POST_REPOST, lid, NULL, 0, none, none, NULL);
	return r ? r : 1;
}

int gs_engine_resolve_pending(struct gs_engine *e, uint64_t *resolved)
{
	struct gs_repost_cache *rc = &e->rc;
	size_t kept = 0;
	uint64_t n = 0;
	int r = 0;
	for (size_t i = 0; i < rc->npending; i++) {
		int c = r ? 0 : count_pending(e, e, &rc->pending[i]);
		if (c < 0)
			r = c;
		if (c <= 0)
			rc->pending[kept++] = rc->pending[i];
		else if (c == 1)
			n++;
	}
	rc->npending = kept;
	e->s.reposts_unresolved -= n;
	if (resolved)
		*resolved = n;
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
		int c = count_pending(dst, src, pd);
		if (c < 0)
			return c;
		resolved += c == 1;
		if (c)
			continue;
		/* unseen still: it waits in dst, for a part merged before
		 * dst (a .gz file's later blocks, a state file; it was
		 * dropped, issue 14 part 4) */
		struct gs_repost_pending *np =
			gs_repost_cache_pend(&dst->rc, pd->key, pd->time_ms);
		if (np) {
			np->engine.ah = pd->engine.ah;
			if (pd->engine.lid) {
				const char *l = src->langs[pd->engine.lid - 1];
				struct gs_str ls = {l, strlen(l)};
				np->engine.lid = (uint16_t)lang_id(dst, ls);
			}
		}
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
	if ((r = gs_handles_merge(&dst->handles, &src->handles)))
		return r;
	if ((r = gs_hll_merge(&dst->accounts, &src->accounts)) ||
	    (r = gs_hll_merge(&dst->tagkeys, &src->tagkeys)))
		return r;
	/* dst->mem: each tag's bytes after its merge less those before,
	 * whatever the merge itself counted of it (gs_engine_pack_old);
	 * size_t arithmetic, exact modulo 2^N as the sum is */
	size_t mem0 = dst->mem, before = tag_bytes(dst->global);
	if ((r = timeline_merge(dst, dst->global, src->global,
				consume ? consume->global : NULL)))
		return r;
	dst->global->tl_old = 0;
	gs_engine_pack_old(dst, dst->global);
	dst->mem = mem0 + tag_bytes(dst->global) - before;
#ifdef __GLIBC__
	int trim = consume && consume->mem >= TRIM_MIN;
#endif
	for (size_t i = 0; i < src->nslots; i++) {
		const struct tag *st = src->slots[i];
		if (!st)
			continue;
		if ((r = reserve(dst, 1)))
			return r;
		struct tag *dt = tag_get(dst, st->hash, st->key, st->keylen);
		if (!dt)
			return GS_ENOMEM;
		mem0 = dst->mem;
		before = tag_bytes(dt);
		if ((r = tag_merge(dst, dt, st, src,
				   consume ? consume->slots[i] : NULL)))
			return r;
		dst->mem = mem0 + tag_bytes(dt) - before;
		if (consume) {
			tag_shed(consume->slots[i]);
#ifdef __GLIBC__
			/* src grew in its thread's malloc arena, which dst's
			 * growth here cannot reuse: its freed pages go back
			 * to the system as the merge goes (16 times), or the
			 * peak holds both engines whole plus what dst gains;
			 * not for a small src (TRIM_MIN): a pipelined read's
			 * blocks made 1,136 madvise calls and 3% more page
			 * faults per 200 MB of .zst, for no lower peak */
			if (trim && (i + 1) % (src->nslots / 16 + 1) == 0)
				malloc_trim(0);
#endif
		}
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
