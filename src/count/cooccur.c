/*
 * cooccur.c - per-tag account sketches and language onsets, and the tag
 * combinations posts carry, per bucket (see cooccur.h).
 *
 * Design
 *   Tags: an open-addressing table of pointers by the xxh3 hash of the
 *   folded key (the engine's hash), at most half full; each tag holds its
 *   posts, first time, a bottom-k sketch of its authors' hashes (kmv.h)
 *   and the first time and posts of up to GS_COOCCUR_LANGS languages.
 *   Combinations: an open-addressing table of pointers to records of a
 *   bucket, a count and the sorted tag hashes of a post with two tags or
 *   more, keyed by the xxh3 of (bucket, hashes). A movement's union is a
 *   pass over the combinations (gs_cooccur_overlap): its cost is linear in
 *   them, paid once per movement, not per post.
 *
 * Bounds and eviction: as the engine's tags and the network's edges, the
 * tenth with the smallest priority goes when a cap is passed (tags: fewest
 * posts, then latest first use; combinations: smallest count, then oldest
 * bucket), found by sorting the priorities (O(n log n), paid once per
 * tenth of the cap), so memory stays bounded whatever the input.
 */
#include "cooccur.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/timeutil.h"
#include "input/fold.h"
#include "repost_cache.h"
#include "snapio.h"

struct combo {
	uint64_t key;
	int64_t bucket;
	uint64_t count;
	uint32_t n;
	uint64_t t[]; /* sorted tag hashes */
};

struct gs_cooccur {
	struct gs_cooccur_options o;
	struct gs_cooccur_tag **tags;
	size_t ntslots, ntags;
	struct combo **combos;
	size_t ncslots, ncombos;
	struct gs_cooccur_shared *sh;
	size_t nshslots, nshared;
	struct gs_repost_cache rc;
	struct gs_cooccur_stats s;
	size_t bytes;
};

void gs_cooccur_options_init(struct gs_cooccur_options *o)
{
	o->bucket_ms = GS_MS_HOUR;
	o->kmv_k = GS_KMV_K_DEFAULT;
	o->max_tags = 200000;
	o->max_combos = 2000000;
	o->max_shared = 200000;
	o->repost_cache = 262144;
}

struct gs_cooccur *gs_cooccur_new(const struct gs_cooccur_options *opt)
{
	struct gs_cooccur_options def;
	if (!opt) {
		gs_cooccur_options_init(&def);
		opt = &def;
	}
	if (opt->bucket_ms <= 0 || opt->max_tags < 16 || opt->max_combos < 16 ||
	    opt->max_shared < 16 || opt->repost_cache > (1u << 30))
		return NULL;
	struct gs_cooccur *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->o = *opt;
	gs_repost_cache_init(&c->rc, opt->repost_cache);
	c->ntslots = 1024;
	c->ncslots = 1024;
	c->tags = calloc(c->ntslots, sizeof *c->tags);
	c->combos = calloc(c->ncslots, sizeof *c->combos);
	c->nshslots = 1024;
	c->sh = calloc(c->nshslots, sizeof *c->sh);
	if (!c->tags || !c->combos || !c->sh) {
		gs_cooccur_free(c);
		return NULL;
	}
	return c;
}

struct gs_cooccur *gs_cooccur_new_like(const struct gs_cooccur *c)
{
	return gs_cooccur_new(&c->o);
}

void gs_cooccur_free(struct gs_cooccur *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->tags && i < c->ntslots; i++)
		if (c->tags[i]) {
			gs_kmv_release(&c->tags[i]->acc);
			free(c->tags[i]->langs);
			free(c->tags[i]);
		}
	for (size_t i = 0; c->combos && i < c->ncslots; i++)
		free(c->combos[i]);
	free(c->tags);
	free(c->combos);
	free(c->sh);
	gs_repost_cache_release(&c->rc);
	free(c);
}

void gs_cooccur_options_of(const struct gs_cooccur *c,
			   struct gs_cooccur_options *o)
{
	*o = c->o;
}

int64_t gs_cooccur_bucket_ms(const struct gs_cooccur *c)
{
	return c->o.bucket_ms;
}

/* ---- tags --------------------------------------------------------------- */

static struct gs_cooccur_tag **tag_slot(struct gs_cooccur_tag **slots,
					size_t nslots, uint64_t h,
					const char *key, size_t n)
{
	size_t mask = nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct gs_cooccur_tag *t = slots[i];
		if (!t || (t->hash == h && t->keylen == n &&
			   memcmp(t->key, key, n) == 0))
			return &slots[i];
	}
}

static int tags_rehash(struct gs_cooccur *c, size_t nslots)
{
	struct gs_cooccur_tag **s = calloc(nslots, sizeof *s);
	if (!s)
		return GS_ENOMEM;
	for (size_t i = 0; i < c->ntslots; i++)
		if (c->tags[i]) {
			struct gs_cooccur_tag *t = c->tags[i];
			*tag_slot(s, nslots, t->hash, t->key, t->keylen) = t;
		}
	free(c->tags);
	c->tags = s;
	c->ntslots = nslots;
	return 0;
}

/* Priority order for eviction: fewest posts, then latest first use, then
 * hash, so that the same tags go whatever the order they came in. */
static int tag_cmp(const void *a, const void *b)
{
	const struct gs_cooccur_tag
		*x = *(const struct gs_cooccur_tag *const *)a,
		*y = *(const struct gs_cooccur_tag *const *)b;
	if (x->posts != y->posts)
		return x->posts < y->posts ? -1 : 1;
	if (x->first_ms != y->first_ms)
		return x->first_ms > y->first_ms ? -1 : 1;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static size_t tag_bytes(const struct gs_cooccur_tag *t)
{
	return sizeof *t + t->keylen + 1 + gs_kmv_bytes(&t->acc) +
	       t->caplangs * sizeof *t->langs;
}

static int tags_evict(struct gs_cooccur *c)
{
	struct gs_cooccur_tag **v = malloc(c->ntags * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < c->ntslots; i++)
		if (c->tags[i])
			v[n++] = c->tags[i];
	qsort(v, n, sizeof *v, tag_cmp);
	size_t drop = c->o.max_tags / 10 +
		      (n > c->o.max_tags ? n - c->o.max_tags : 0);
	if (drop > n)
		drop = n;
	for (size_t i = 0; i < drop; i++) {
		if (v[i]->posts > c->s.evicted_max_posts)
			c->s.evicted_max_posts = v[i]->posts;
		c->bytes -= tag_bytes(v[i]);
		gs_kmv_release(&v[i]->acc);
		free(v[i]->langs);
		free(v[i]);
	}
	c->s.tags_evicted += drop;
	memset(c->tags, 0, c->ntslots * sizeof *c->tags);
	for (size_t i = drop; i < n; i++)
		*tag_slot(c->tags, c->ntslots, v[i]->hash, v[i]->key,
			  v[i]->keylen) = v[i];
	c->ntags = n - drop;
	free(v);
	return 0;
}

static struct gs_cooccur_tag *tag_get(struct gs_cooccur *c, uint64_t h,
				      const char *key, size_t n)
{
	struct gs_cooccur_tag **sl = tag_slot(c->tags, c->ntslots, h, key, n);
	if (*sl)
		return *sl;
	if ((c->ntags + 1) * 2 > c->ntslots) {
		if (tags_rehash(c, c->ntslots * 2))
			return NULL;
		sl = tag_slot(c->tags, c->ntslots, h, key, n);
	}
	struct gs_cooccur_tag *t = calloc(1, sizeof *t + n + 1);
	if (!t)
		return NULL;
	t->hash = h;
	t->first_ms = INT64_MAX;
	gs_kmv_init(&t->acc, c->o.kmv_k);
	t->keylen = (uint16_t)n;
	memcpy(t->key, key, n);
	*sl = t;
	c->ntags++;
	c->bytes += tag_bytes(t);
	return t;
}

const struct gs_cooccur_tag *gs_cooccur_tag(const struct gs_cooccur *c,
					    const char *key)
{
	size_t n = strlen(key);
	return *tag_slot(c->tags, c->ntslots, XXH3_64bits(key, n), key, n);
}

/* Adds (or merges) a language's first time and posts into t; with more
 * than GS_COOCCUR_LANGS languages, the one with the fewest posts (then the
 * latest, then the largest code) makes way, as a merge would choose.
 * 0 or GS_ENOMEM (t unchanged). */
static int lang_add(struct gs_cooccur *c, struct gs_cooccur_tag *t,
		    const char *code, size_t n, int64_t first, uint64_t posts)
{
	char k[16];
	if (n > 15)
		n = 15;
	if (n)
		memcpy(k, code, n);
	k[n] = 0;
	for (uint32_t i = 0; i < t->nlangs; i++)
		if (!strcmp(t->langs[i].code, k)) {
			if (first < t->langs[i].first_ms)
				t->langs[i].first_ms = first;
			t->langs[i].posts += posts;
			return 0;
		}
	uint32_t at = t->nlangs;
	if (at == GS_COOCCUR_LANGS) {
		uint32_t w = 0;
		for (uint32_t i = 1; i < at; i++) {
			const struct gs_cooccur_lang *a = &t->langs[i],
						     *b = &t->langs[w];
			if (a->posts < b->posts ||
			    (a->posts == b->posts &&
			     (a->first_ms > b->first_ms ||
			      (a->first_ms == b->first_ms &&
			       strcmp(a->code, b->code) > 0))))
				w = i;
		}
		if (t->langs[w].posts > posts)
			return 0;
		at = w;
	} else {
		if (t->nlangs == t->caplangs) {
			uint16_t cap = t->caplangs ? 2 * t->caplangs : 1;
			if (cap > GS_COOCCUR_LANGS)
				cap = GS_COOCCUR_LANGS;
			struct gs_cooccur_lang *l =
				realloc(t->langs, cap * sizeof *l);
			if (!l)
				return GS_ENOMEM;
			c->bytes += (cap - t->caplangs) * sizeof *l;
			t->langs = l;
			t->caplangs = cap;
		}
		t->nlangs++;
	}
	memcpy(t->langs[at].code, k, n + 1);
	t->langs[at].first_ms = first;
	t->langs[at].posts = posts;
	return 0;
}

/* ---- combinations ------------------------------------------------------- */

static uint64_t combo_key(int64_t bucket, const uint64_t *t, uint32_t n)
{
	uint64_t b[GS_POST_MAX_TAGS + 1];
	memcpy(b, &bucket, sizeof bucket);
	memcpy(b + 1, t, n * sizeof *t);
	return XXH3_64bits(b, (n + 1) * sizeof *b);
}

static struct combo **combo_slot(struct combo **slots, size_t nslots,
				 uint64_t key, int64_t bucket,
				 const uint64_t *t, uint32_t n)
{
	size_t mask = nslots - 1;
	for (size_t i = (size_t)key & mask;; i = (i + 1) & mask) {
		struct combo *x = slots[i];
		if (!x || (x->key == key && x->bucket == bucket && x->n == n &&
			   memcmp(x->t, t, n * sizeof *t) == 0))
			return &slots[i];
	}
}

static int combos_rehash(struct gs_cooccur *c, size_t nslots)
{
	struct combo **s = calloc(nslots, sizeof *s);
	if (!s)
		return GS_ENOMEM;
	for (size_t i = 0; i < c->ncslots; i++)
		if (c->combos[i]) {
			struct combo *x = c->combos[i];
			*combo_slot(s, nslots, x->key, x->bucket, x->t, x->n) =
				x;
		}
	free(c->combos);
	c->combos = s;
	c->ncslots = nslots;
	return 0;
}

static int combo_cmp(const void *a, const void *b)
{
	const struct combo *x = *(const struct combo *const *)a,
			   *y = *(const struct combo *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return memcmp(x->t, y->t, x->n * sizeof *x->t);
}

static int combos_evict(struct gs_cooccur *c)
{
	struct combo **v = malloc(c->ncombos * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < c->ncslots; i++)
		if (c->combos[i])
			v[n++] = c->combos[i];
	qsort(v, n, sizeof *v, combo_cmp);
	size_t drop = c->o.max_combos / 10 +
		      (n > c->o.max_combos ? n - c->o.max_combos : 0);
	if (drop > n)
		drop = n;
	for (size_t i = 0; i < drop; i++) {
		c->s.combos_evicted_posts += v[i]->count;
		c->bytes -= sizeof *v[i] + v[i]->n * sizeof *v[i]->t;
		free(v[i]);
	}
	c->s.combos_evicted += drop;
	memset(c->combos, 0, c->ncslots * sizeof *c->combos);
	for (size_t i = drop; i < n; i++)
		*combo_slot(c->combos, c->ncslots, v[i]->key, v[i]->bucket,
			    v[i]->t, v[i]->n) = v[i];
	c->ncombos = n - drop;
	free(v);
	return 0;
}

static int combo_add(struct gs_cooccur *c, int64_t bucket, const uint64_t *t,
		     uint32_t n, uint64_t count)
{
	uint64_t key = combo_key(bucket, t, n);
	struct combo **sl =
		combo_slot(c->combos, c->ncslots, key, bucket, t, n);
	if (*sl) {
		(*sl)->count += count;
		return 0;
	}
	if ((c->ncombos + 1) * 2 > c->ncslots) {
		if (combos_rehash(c, c->ncslots * 2))
			return GS_ENOMEM;
		sl = combo_slot(c->combos, c->ncslots, key, bucket, t, n);
	}
	struct combo *x = malloc(sizeof *x + n * sizeof *t);
	if (!x)
		return GS_ENOMEM;
	x->key = key;
	x->bucket = bucket;
	x->count = count;
	x->n = n;
	memcpy(x->t, t, n * sizeof *t);
	*sl = x;
	c->ncombos++;
	c->bytes += sizeof *x + n * sizeof *t;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- shared posts ---------------------------------------------------------
 */

static struct gs_cooccur_shared *sh_slot(struct gs_cooccur_shared *v,
					 size_t nslots, uint64_t key,
					 const char *id)
{
	size_t mask = nslots - 1;
	for (size_t i = (size_t)key & mask;; i = (i + 1) & mask)
		if (!v[i].key || (v[i].key == key && !strcmp(v[i].id, id)))
			return &v[i];
}

static int sh_rehash(struct gs_cooccur *c, size_t nslots)
{
	struct gs_cooccur_shared *v = calloc(nslots, sizeof *v);
	if (!v)
		return GS_ENOMEM;
	for (size_t i = 0; i < c->nshslots; i++)
		if (c->sh[i].key)
			*sh_slot(v, nslots, c->sh[i].key, c->sh[i].id) =
				c->sh[i];
	free(c->sh);
	c->sh = v;
	c->nshslots = nslots;
	return 0;
}

static int sh_cmp(const void *a, const void *b)
{
	const struct gs_cooccur_shared *x = a, *y = b;
	if (x->reposts != y->reposts)
		return x->reposts < y->reposts ? -1 : 1;
	return strcmp(y->id, x->id);
}

static int sh_evict(struct gs_cooccur *c)
{
	struct gs_cooccur_shared *v = malloc(c->nshared * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < c->nshslots; i++)
		if (c->sh[i].key)
			v[n++] = c->sh[i];
	qsort(v, n, sizeof *v, sh_cmp);
	size_t drop = c->o.max_shared / 10 +
		      (n > c->o.max_shared ? n - c->o.max_shared : 0);
	if (drop > n)
		drop = n;
	c->s.shared_evicted += drop;
	memset(c->sh, 0, c->nshslots * sizeof *c->sh);
	for (size_t i = drop; i < n; i++)
		*sh_slot(c->sh, c->nshslots, v[i].key, v[i].id) = v[i];
	c->nshared = n - drop;
	free(v);
	return 0;
}

static int sh_add(struct gs_cooccur *c, const struct gs_cooccur_shared *x)
{
	struct gs_cooccur_shared *s =
		sh_slot(c->sh, c->nshslots, x->key, x->id);
	if (s->key) {
		s->reposts += x->reposts;
		return 0;
	}
	if ((c->nshared + 1) * 4 > c->nshslots * 3) { /* 3/4 full at most */
		if (sh_rehash(c, c->nshslots * 2))
			return GS_ENOMEM;
		s = sh_slot(c->sh, c->nshslots, x->key, x->id);
	}
	*s = *x;
	c->nshared++;
	return c->nshared > c->o.max_shared ? sh_evict(c) : 0;
}

static int sh_order(const void *a, const void *b)
{
	const struct gs_cooccur_shared
		*x = *(const struct gs_cooccur_shared *const *)a,
		*y = *(const struct gs_cooccur_shared *const *)b;
	if (x->reposts != y->reposts)
		return x->reposts > y->reposts ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t gs_cooccur_shared(const struct gs_cooccur *c, const uint64_t *hs,
			 size_t n, const struct gs_cooccur_shared **out,
			 size_t max)
{
	const struct gs_cooccur_shared **v = NULL;
	size_t k = 0, cap = 0;
	for (size_t i = 0; i < c->nshslots; i++) {
		const struct gs_cooccur_shared *s = &c->sh[i];
		int in = 0;
		for (unsigned t = 0; s->key && t < s->ntags && !in; t++)
			for (size_t j = 0; j < n && !in; j++)
				in = s->tags[t] == hs[j];
		if (!in)
			continue;
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			const struct gs_cooccur_shared **w =
				realloc(v, cap * sizeof *v);
			if (!w)
				break;
			v = w;
		}
		v[k++] = s;
	}
	if (k)
		qsort(v, k, sizeof *v, sh_order);
	if (k > max)
		k = max;
	if (k)
		memcpy(out, v, k * sizeof *v);
	free(v);
	return k;
}

/* ---- adding and merging ------------------------------------------------- */

/* A tag by its hash alone (the repost cache keeps hashes), or NULL. */
static struct gs_cooccur_tag *tag_by_hash(const struct gs_cooccur *c,
					  uint64_t h)
{
	size_t mask = c->ntslots - 1;
	for (size_t i = (size_t)h & mask; c->tags[i]; i = (i + 1) & mask)
		if (c->tags[i]->hash == h)
			return c->tags[i];
	return NULL;
}

/* Counts a resolved Bluesky repost by account ah at time ms under its
 * original's tags tags[0..n) (distinct; tags no longer held are skipped
 * but still make the combination). */
static int count_repost(struct gs_cooccur *c, const uint64_t *tags, size_t n,
			uint64_t ah, int64_t ms)
{
	uint64_t hs[GS_REPOST_TAGS];
	uint32_t nh = 0;
	for (size_t i = 0; i < n && i < GS_REPOST_TAGS; i++) {
		struct gs_cooccur_tag *t = tag_by_hash(c, tags[i]);
		hs[nh++] = tags[i];
		if (!t)
			continue;
		t->posts++;
		if (ms < t->first_ms)
			t->first_ms = ms;
		size_t before = gs_kmv_bytes(&t->acc);
		if (gs_kmv_add(&t->acc, ah))
			return GS_ENOMEM;
		c->bytes += gs_kmv_bytes(&t->acc) - before;
		if (lang_add(c, t, "", 0, ms, 1))
			return GS_ENOMEM;
	}
	c->s.tagged_posts++;
	if (nh < 2)
		return 0;
	c->s.multi_posts++;
	qsort(hs, nh, sizeof *hs, u64_cmp);
	int r = combo_add(c, gs_time_bucket(ms, c->o.bucket_ms), hs, nh, 1);
	if (!r && c->ncombos > c->o.max_combos)
		r = combos_evict(c);
	return r;
}

int gs_cooccur_add(struct gs_cooccur *c, const struct gs_post *p)
{
	c->s.posts++;
	uint64_t ah = XXH3_64bits(p->account.p, p->account.n);
	if (p->format == GS_FORMAT_JETSTREAM && (p->flags & GS_POST_REPOST) &&
	    p->ntags == 0 && p->repost_rkey.n) {
		/* a Bluesky repost: its original's tags, if seen */
		uint64_t key = gs_repost_key(p->repost_did, p->repost_rkey);
		const struct gs_repost_ent *e =
			gs_repost_cache_find(&c->rc, key);
		if (e)
			return count_repost(c, e->tags, e->n, ah, p->time_ms);
		struct gs_repost_pending *pd =
			gs_repost_cache_pend(&c->rc, key, p->time_ms);
		if (pd)
			pd->engine.ah = ah;
		c->s.reposts_unresolved++;
		return 0;
	}
	if (!p->ntags)
		return 0;
	uint64_t hs[GS_POST_MAX_TAGS];
	uint32_t nh = 0;
	char key[GS_TAG_MAX];
	for (size_t i = 0; i < p->ntags; i++) {
		ssize_t kn = gs_fold(p->tags[i].p, p->tags[i].n, key);
		if (kn <= 0)
			continue;
		uint64_t h = XXH3_64bits(key, (size_t)kn);
		uint32_t k;
		for (k = 0; k < nh && hs[k] != h; k++)
			;
		if (k < nh)
			continue; /* a post uses a tag once */
		hs[nh++] = h;
		struct gs_cooccur_tag *t = tag_get(c, h, key, (size_t)kn);
		if (!t)
			return GS_ENOMEM;
		t->posts++;
		if (p->time_ms < t->first_ms)
			t->first_ms = p->time_ms;
		size_t before = gs_kmv_bytes(&t->acc);
		if (gs_kmv_add(&t->acc, ah))
			return GS_ENOMEM;
		c->bytes += gs_kmv_bytes(&t->acc) - before;
		if (lang_add(c, t, p->lang.p, p->lang.n, p->time_ms, 1))
			return GS_ENOMEM;
	}
	if (!nh)
		return 0;
	if (p->format == GS_FORMAT_JETSTREAM && p->post_rkey.n) {
		/* remembered for its reposts, its first tags */
		struct gs_repost_ent e;
		memset(&e, 0, sizeof e);
		e.key = gs_repost_key(p->post_did, p->post_rkey);
		for (uint32_t i = 0; i < nh && i < GS_REPOST_TAGS; i++)
			e.tags[e.n++] = hs[i];
		if (gs_repost_cache_put(&c->rc, &e))
			return GS_ENOMEM;
	}
	c->s.tagged_posts++;
	if ((p->flags & GS_POST_REPOST) && p->repost_id.n &&
	    p->repost_id.n <= GS_COOCCUR_ID_MAX) {
		struct gs_cooccur_shared x;
		memset(&x, 0, sizeof x);
		memcpy(x.id, p->repost_id.p, p->repost_id.n);
		x.key = XXH3_64bits(x.id, p->repost_id.n) | 1;
		x.reposts = 1;
		for (uint32_t i = 0; i < nh && i < GS_COOCCUR_SHARED_TAGS; i++)
			x.tags[x.ntags++] = hs[i];
		int r = sh_add(c, &x);
		if (r)
			return r;
	}
	if (nh >= 2) {
		c->s.multi_posts++;
		qsort(hs, nh, sizeof *hs, u64_cmp);
		int r = combo_add(c, gs_time_bucket(p->time_ms, c->o.bucket_ms),
				  hs, nh, 1);
		if (r)
			return r;
		if (c->ncombos > c->o.max_combos && (r = combos_evict(c)))
			return r;
	}
	if (c->ntags > c->o.max_tags)
		return tags_evict(c);
	return 0;
}

int gs_cooccur_merge(struct gs_cooccur *dst, const struct gs_cooccur *src)
{
	if (dst->o.bucket_ms != src->o.bucket_ms ||
	    dst->o.kmv_k != src->o.kmv_k ||
	    dst->o.max_tags != src->o.max_tags ||
	    dst->o.max_combos != src->o.max_combos ||
	    dst->o.max_shared != src->o.max_shared ||
	    dst->o.repost_cache != src->o.repost_cache)
		return GS_EUSAGE;
	int r;
	for (size_t i = 0; i < src->ntslots; i++) {
		const struct gs_cooccur_tag *s = src->tags[i];
		if (!s)
			continue;
		struct gs_cooccur_tag *t =
			tag_get(dst, s->hash, s->key, s->keylen);
		if (!t)
			return GS_ENOMEM;
		t->posts += s->posts;
		if (s->first_ms < t->first_ms)
			t->first_ms = s->first_ms;
		size_t before = gs_kmv_bytes(&t->acc);
		if ((r = gs_kmv_merge(&t->acc, &s->acc)))
			return r;
		dst->bytes += gs_kmv_bytes(&t->acc) - before;
		for (uint32_t l = 0; l < s->nlangs; l++)
			if (lang_add(dst, t, s->langs[l].code,
				     strlen(s->langs[l].code),
				     s->langs[l].first_ms, s->langs[l].posts))
				return GS_ENOMEM;
	}
	for (size_t i = 0; i < src->ncslots; i++) {
		const struct combo *x = src->combos[i];
		if (x && (r = combo_add(dst, x->bucket, x->t, x->n, x->count)))
			return r;
	}
	for (size_t i = 0; i < src->nshslots; i++)
		if (src->sh[i].key && (r = sh_add(dst, &src->sh[i])))
			return r;
	dst->s.shared_evicted += src->s.shared_evicted;
	/* src's Bluesky reposts of posts it never saw: dst, which read what
	 * came before, may know them (its cache is still the earlier part's
	 * here); every count is a sum, so counting them now is counting them
	 * in place */
	uint64_t resolved = 0;
	for (size_t i = 0; i < src->rc.npending; i++) {
		const struct gs_repost_pending *pd = &src->rc.pending[i];
		const struct gs_repost_ent *e =
			gs_repost_cache_find(&dst->rc, pd->key);
		if (!e)
			continue;
		resolved++;
		struct gs_repost_ent copy = *e; /* count_repost may evict */
		if ((r = count_repost(dst, copy.tags, copy.n, pd->engine.ah,
				      pd->time_ms)))
			return r;
	}
	dst->s.reposts_unresolved += src->s.reposts_unresolved - resolved;
	/* src's tagged Bluesky posts, for reposts in what dst reads next */
	for (size_t i = 0; i < src->rc.n; i++)
		(void)gs_repost_cache_put(&dst->rc,
					  gs_repost_cache_oldest(&src->rc, i));
	dst->s.posts += src->s.posts;
	dst->s.tagged_posts += src->s.tagged_posts;
	dst->s.multi_posts += src->s.multi_posts;
	dst->s.tags_evicted += src->s.tags_evicted;
	if (src->s.evicted_max_posts > dst->s.evicted_max_posts)
		dst->s.evicted_max_posts = src->s.evicted_max_posts;
	dst->s.combos_evicted += src->s.combos_evicted;
	dst->s.combos_evicted_posts += src->s.combos_evicted_posts;
	if (dst->ncombos > dst->o.max_combos && (r = combos_evict(dst)))
		return r;
	if (dst->ntags > dst->o.max_tags && (r = tags_evict(dst)))
		return r;
	return 0;
}

void gs_cooccur_stats(const struct gs_cooccur *c, struct gs_cooccur_stats *s)
{
	*s = c->s;
	s->tags = c->ntags;
	s->combos = c->ncombos;
	s->bytes = c->bytes + (c->ntslots + c->ncslots) * sizeof(void *) +
		   c->nshslots * sizeof *c->sh;
}

/* ---- answers ------------------------------------------------------------ */

struct hidx {
	uint64_t h;
	size_t i;
};

static int hidx_cmp(const void *a, const void *b)
{
	return u64_cmp(&((const struct hidx *)a)->h,
		       &((const struct hidx *)b)->h);
}

int gs_cooccur_overlap(const struct gs_cooccur *c, const uint64_t *hs, size_t n,
		       int64_t first_ms, size_t nbuckets, uint64_t *per_bucket,
		       uint64_t *overlap, uint64_t *pair)
{
	*overlap = 0;
	if (per_bucket)
		memset(per_bucket, 0, nbuckets * sizeof *per_bucket);
	if (pair)
		memset(pair, 0, n * n * sizeof *pair);
	if (n < 2)
		return 0;
	struct hidx *ix = malloc(n * sizeof *ix);
	if (!ix)
		return GS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		ix[i].h = hs[i], ix[i].i = i;
	qsort(ix, n, sizeof *ix, hidx_cmp);
	size_t in[GS_POST_MAX_TAGS];
	for (size_t s = 0; s < c->ncslots; s++) {
		const struct combo *x = c->combos[s];
		if (!x)
			continue;
		/* the set's tags in the combination: both sorted, one walk */
		size_t m = 0, a = 0;
		for (uint32_t b = 0; b < x->n && a < n;) {
			if (ix[a].h < x->t[b])
				a++;
			else if (ix[a].h > x->t[b])
				b++;
			else
				in[m++] = ix[a].i, a++, b++;
		}
		if (m < 2)
			continue;
		*overlap += x->count * (m - 1);
		if (per_bucket && x->bucket >= first_ms) {
			int64_t b = (x->bucket - first_ms) / c->o.bucket_ms;
			if ((uint64_t)b < nbuckets)
				per_bucket[b] += x->count * (m - 1);
		}
		if (pair)
			for (size_t i = 0; i < m; i++)
				for (size_t j = i + 1; j < m; j++) {
					pair[in[i] * n + in[j]] += x->count;
					pair[in[j] * n + in[i]] += x->count;
				}
	}
	free(ix);
	return 0;
}

/* ---- the ingest sink ----------------------------------------------------- */

static void *sink_part_new(void *ctx)
{
	return gs_cooccur_new_like(ctx);
}

static int sink_post(void *part, const struct gs_post *p)
{
	return gs_cooccur_add(part, p);
}

static int sink_merge(void *ctx, void *part)
{
	return gs_cooccur_merge(ctx, part);
}

static void sink_part_free(void *part)
{
	gs_cooccur_free(part);
}

struct gs_ingest_sink gs_cooccur_sink(struct gs_cooccur *c)
{
	struct gs_ingest_sink s = {c, sink_part_new, sink_post, sink_merge,
				   sink_part_free};
	return s;
}

/* ---- snapshots ------------------------------------------------------------
 *
 * One section "GSCO" (snapio.h), version 1: the options (i64 bucket_ms,
 * u32 kmv_k, u64 max_tags, max_combos, max_shared, repost_cache); the
 * counts (u64 posts, tagged_posts, multi_posts, tags_evicted,
 * evicted_max_posts, combos_evicted, combos_evicted_posts, shared_evicted,
 * reposts_unresolved); u64 tags, each: u16 key length, the key, u64 posts,
 * i64 first_ms, u32 hashes and each u64 (ascending), u16 languages, each:
 * u8 code length, the code, i64 first_ms, u64 posts; u64 combinations,
 * each: i64 bucket, u64 count, u32 tags, each u64 (ascending); u64 shared
 * posts, each: u8 id length, the id, u64 reposts, u8 tags, each u64; u64
 * remembered Bluesky posts, oldest first, each: u64 key, u8 tags, each
 * u64; u64 pending reposts, each: u64 key, i64 time, u64 account hash.
 * Loading puts each back as counting or merging would, into a counter made
 * with this run's options, so its answers are those of the counter saved.
 */
#define CO_MAGIC   "GSCO"
#define CO_VERSION 1

#define FAIL_IF(c)                                                             \
	do {                                                                   \
		if (c)                                                         \
			return GS_EFORMAT;                                     \
	} while (0)

static void co_body(struct gs_wr *w, const void *obj)
{
	const struct gs_cooccur *c = obj;
	gs_wr_i64(w, c->o.bucket_ms);
	gs_wr_u32(w, c->o.kmv_k);
	gs_wr_u64(w, c->o.max_tags);
	gs_wr_u64(w, c->o.max_combos);
	gs_wr_u64(w, c->o.max_shared);
	gs_wr_u64(w, c->o.repost_cache);
	const struct gs_cooccur_stats *s = &c->s;
	const uint64_t st[] = {s->posts,
			       s->tagged_posts,
			       s->multi_posts,
			       s->tags_evicted,
			       s->evicted_max_posts,
			       s->combos_evicted,
			       s->combos_evicted_posts,
			       s->shared_evicted,
			       s->reposts_unresolved};
	for (size_t i = 0; i < sizeof st / sizeof *st; i++)
		gs_wr_u64(w, st[i]);
	gs_wr_u64(w, c->ntags);
	for (size_t i = 0; i < c->ntslots; i++) {
		const struct gs_cooccur_tag *t = c->tags[i];
		if (!t)
			continue;
		gs_wr_u16(w, t->keylen);
		gs_wr_bytes(w, t->key, t->keylen);
		gs_wr_u64(w, t->posts);
		gs_wr_i64(w, t->first_ms);
		gs_wr_u32(w, t->acc.n);
		for (uint32_t k = 0; k < t->acc.n; k++)
			gs_wr_u64(w, t->acc.h[k]);
		gs_wr_u16(w, t->nlangs);
		for (uint32_t k = 0; k < t->nlangs; k++) {
			size_t n = strlen(t->langs[k].code);
			gs_wr_u8(w, (uint8_t)n);
			gs_wr_bytes(w, t->langs[k].code, n);
			gs_wr_i64(w, t->langs[k].first_ms);
			gs_wr_u64(w, t->langs[k].posts);
		}
	}
	gs_wr_u64(w, c->ncombos);
	for (size_t i = 0; i < c->ncslots; i++) {
		const struct combo *x = c->combos[i];
		if (!x)
			continue;
		gs_wr_i64(w, x->bucket);
		gs_wr_u64(w, x->count);
		gs_wr_u32(w, x->n);
		for (uint32_t k = 0; k < x->n; k++)
			gs_wr_u64(w, x->t[k]);
	}
	gs_wr_u64(w, c->nshared);
	for (size_t i = 0; i < c->nshslots; i++) {
		const struct gs_cooccur_shared *x = &c->sh[i];
		if (!x->key)
			continue;
		size_t n = strlen(x->id);
		gs_wr_u8(w, (uint8_t)n);
		gs_wr_bytes(w, x->id, n);
		gs_wr_u64(w, x->reposts);
		gs_wr_u8(w, x->ntags);
		for (uint8_t k = 0; k < x->ntags; k++)
			gs_wr_u64(w, x->tags[k]);
	}
	gs_wr_u64(w, c->rc.n);
	for (size_t i = 0; i < c->rc.n; i++) {
		const struct gs_repost_ent *e =
			gs_repost_cache_oldest(&c->rc, i);
		gs_wr_u64(w, e->key);
		gs_wr_u8(w, e->n);
		for (uint8_t k = 0; k < e->n; k++)
			gs_wr_u64(w, e->tags[k]);
	}
	gs_wr_u64(w, c->rc.npending);
	for (size_t i = 0; i < c->rc.npending; i++) {
		const struct gs_repost_pending *pd = &c->rc.pending[i];
		gs_wr_u64(w, pd->key);
		gs_wr_i64(w, pd->time_ms);
		gs_wr_u64(w, pd->engine.ah);
	}
}

int gs_cooccur_save(const struct gs_cooccur *c, FILE *f)
{
	return gs_snap_write(f, CO_MAGIC, CO_VERSION, co_body, c);
}

/* u32 n, then n u64 strictly ascending into v (at most max); 0 or
 * GS_EFORMAT. */
static int get_sorted(struct gs_rd *rd, uint64_t *v, uint32_t *n, uint32_t max)
{
	*n = gs_rd_u32(rd);
	FAIL_IF(rd->err || *n > max || gs_rd_left(rd) / 8 < *n);
	for (uint32_t k = 0; k < *n; k++) {
		v[k] = gs_rd_u64(rd);
		FAIL_IF(k && v[k] <= v[k - 1]);
	}
	return rd->err;
}

static int get_tag(struct gs_rd *rd, struct gs_cooccur *c, uint64_t *hbuf)
{
	uint16_t kn = gs_rd_u16(rd);
	const char *key = (const char *)gs_rd_take(rd, kn);
	FAIL_IF(!key || !kn || kn > GS_TAG_MAX || memchr(key, 0, kn));
	uint64_t h = XXH3_64bits(key, kn);
	FAIL_IF(*tag_slot(c->tags, c->ntslots, h, key, kn)); /* twice */
	struct gs_cooccur_tag *t = tag_get(c, h, key, kn);
	if (!t)
		return GS_ENOMEM;
	t->posts = gs_rd_u64(rd);
	t->first_ms = gs_rd_i64(rd);
	uint32_t n;
	if (get_sorted(rd, hbuf, &n, t->acc.k))
		return GS_EFORMAT;
	size_t before = gs_kmv_bytes(&t->acc);
	for (uint32_t k = 0; k < n; k++)
		if (gs_kmv_add(&t->acc, hbuf[k]))
			return GS_ENOMEM;
	c->bytes += gs_kmv_bytes(&t->acc) - before;
	uint16_t nl = gs_rd_u16(rd);
	FAIL_IF(rd->err || nl > GS_COOCCUR_LANGS);
	for (uint16_t k = 0; k < nl; k++) {
		uint8_t cn = gs_rd_u8(rd);
		const char *code = (const char *)gs_rd_take(rd, cn);
		int64_t first = gs_rd_i64(rd);
		uint64_t posts = gs_rd_u64(rd);
		FAIL_IF(rd->err || cn > 15 || memchr(code, 0, cn));
		for (uint16_t j = 0; j < t->nlangs; j++)
			FAIL_IF(strlen(t->langs[j].code) == cn &&
				!memcmp(t->langs[j].code, code, cn));
		if (lang_add(c, t, code, cn, first, posts))
			return GS_ENOMEM;
	}
	return rd->err;
}

static int co_decode(struct gs_rd *rd, struct gs_cooccur *c)
{
	int64_t bucket = gs_rd_i64(rd);
	uint32_t k = gs_rd_u32(rd);
	for (int i = 0; i < 4; i++) /* this run's bounds apply */
		(void)gs_rd_u64(rd);
	FAIL_IF(rd->err || bucket != c->o.bucket_ms || k != c->o.kmv_k);
	struct gs_cooccur_stats *s = &c->s;
	uint64_t *st[] = {&s->posts,
			  &s->tagged_posts,
			  &s->multi_posts,
			  &s->tags_evicted,
			  &s->evicted_max_posts,
			  &s->combos_evicted,
			  &s->combos_evicted_posts,
			  &s->shared_evicted,
			  &s->reposts_unresolved};
	for (size_t i = 0; i < sizeof st / sizeof *st; i++)
		*st[i] = gs_rd_u64(rd);
	uint64_t *hbuf = malloc((k > GS_POST_MAX_TAGS ? k : GS_POST_MAX_TAGS) *
				sizeof *hbuf);
	if (!hbuf)
		return GS_ENOMEM;
	int r = 0;
	uint64_t n = gs_rd_u64(rd);
	if (rd->err || gs_rd_left(rd) / 25 < n)
		r = GS_EFORMAT;
	for (uint64_t i = 0; i < n && !r; i++)
		r = get_tag(rd, c, hbuf);
	n = r ? 0 : gs_rd_u64(rd);
	if (!r && (rd->err || gs_rd_left(rd) / 36 < n))
		r = GS_EFORMAT;
	for (uint64_t i = 0; i < n && !r; i++) {
		int64_t b = gs_rd_i64(rd);
		uint64_t count = gs_rd_u64(rd);
		uint32_t m;
		if (get_sorted(rd, hbuf, &m, GS_POST_MAX_TAGS) || m < 2 ||
		    !count ||
		    *combo_slot(c->combos, c->ncslots, combo_key(b, hbuf, m), b,
				hbuf, m))
			r = GS_EFORMAT;
		else
			r = combo_add(c, b, hbuf, m, count);
	}
	n = r ? 0 : gs_rd_u64(rd);
	if (!r && (rd->err || gs_rd_left(rd) / 10 < n))
		r = GS_EFORMAT;
	for (uint64_t i = 0; i < n && !r; i++) {
		struct gs_cooccur_shared x;
		memset(&x, 0, sizeof x);
		uint8_t idn = gs_rd_u8(rd);
		const unsigned char *id = gs_rd_take(rd, idn);
		x.reposts = gs_rd_u64(rd);
		x.ntags = gs_rd_u8(rd);
		if (rd->err || !idn || idn > GS_COOCCUR_ID_MAX ||
		    memchr(id, 0, idn) || !x.reposts ||
		    x.ntags > GS_COOCCUR_SHARED_TAGS) {
			r = GS_EFORMAT;
			break;
		}
		memcpy(x.id, id, idn);
		x.key = XXH3_64bits(x.id, idn) | 1;
		for (uint8_t j = 0; j < x.ntags; j++)
			x.tags[j] = gs_rd_u64(rd);
		if (rd->err || sh_slot(c->sh, c->nshslots, x.key, x.id)->key)
			r = GS_EFORMAT;
		else
			r = sh_add(c, &x);
	}
	n = r ? 0 : gs_rd_u64(rd);
	if (!r && (rd->err || gs_rd_left(rd) / 17 < n))
		r = GS_EFORMAT;
	for (uint64_t i = 0; i < n && !r; i++) {
		struct gs_repost_ent e;
		memset(&e, 0, sizeof e);
		e.key = gs_rd_u64(rd);
		e.n = gs_rd_u8(rd);
		if (rd->err || !e.n || e.n > GS_REPOST_TAGS) {
			r = GS_EFORMAT;
			break;
		}
		for (uint8_t j = 0; j < e.n; j++)
			e.tags[j] = gs_rd_u64(rd);
		if (gs_repost_cache_put(&c->rc, &e))
			r = GS_ENOMEM;
	}
	n = r ? 0 : gs_rd_u64(rd);
	if (!r &&
	    (rd->err || n > GS_REPOST_PENDING_MAX || gs_rd_left(rd) / 24 < n))
		r = GS_EFORMAT;
	for (uint64_t i = 0; i < n && !r; i++) {
		uint64_t key = gs_rd_u64(rd);
		int64_t ms = gs_rd_i64(rd);
		struct gs_repost_pending *pd =
			gs_repost_cache_pend(&c->rc, key, ms);
		if (!pd)
			r = GS_ENOMEM;
		else
			pd->engine.ah = gs_rd_u64(rd);
	}
	free(hbuf);
	if (!r && (rd->err || gs_rd_left(rd)))
		r = GS_EFORMAT;
	if (!r && c->ncombos > c->o.max_combos)
		r = combos_evict(c);
	if (!r && c->ntags > c->o.max_tags)
		r = tags_evict(c);
	return r;
}

struct gs_cooccur *gs_cooccur_load(FILE *f, const struct gs_cooccur_options *o,
				   int *err)
{
	unsigned char *pl = NULL;
	size_t len = 0;
	int r = gs_snap_read(f, CO_MAGIC, CO_VERSION, &pl, &len);
	struct gs_cooccur *c = NULL;
	if (!r && !(c = gs_cooccur_new(o)))
		r = GS_ENOMEM;
	if (!r) {
		struct gs_rd rd = {pl, pl + len, 0};
		r = co_decode(&rd, c);
	}
	free(pl);
	if (r) {
		gs_cooccur_free(c);
		c = NULL;
	}
	if (err)
		*err = r;
	return c;
}
