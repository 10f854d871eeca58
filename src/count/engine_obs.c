/*
 * engine_obs.c - what the trend detector reads from an engine: one
 * observation (posts and distinct accounts) per tag and used bucket, as
 * sorted arrays (all, a range, one bucket) or bucket by bucket through an
 * iterator, and the day figures the Mastodon scorer needs. They only read
 * the engine.
 *
 * Observations are ordered by bucket, then tag hash, then key (cmp_obs):
 * every way of reading them gives the detector the same order. The
 * iterator files each tag's next used bucket in a calendar (a slot per
 * bucket of the engine's span, a list of due tags in each) and sorts one
 * bucket's observations at a time (sort_obs_keys), so a pass over all
 * buckets never sorts, or holds, the observations of the whole input.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engine_int.h"

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
static void observe(const struct gs_engine *e, const struct tag *t, uint32_t i,
		    struct gs_obs *o)
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

/* The index of t's bucket starting at b, or -1 if t has none. */
static ptrdiff_t find_bucket(const struct tag *t, int64_t b)
{
	uint32_t lo = tl_lower_bound(t, b);
	return lo < t->tl_n && t->tl[lo].t == b ? (ptrdiff_t)lo : -1;
}

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

ptrdiff_t gs_engine_observations(const struct gs_engine *e, struct gs_obs **out)
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
		for (uint32_t j = tl_lower_bound(t, from_ms);
		     j < t->tl_n && t->tl[j].t < to_ms; j++) {
			if (k == cap) {
				struct gs_obs *nv =
					realloc(v, 2 * cap * sizeof *v);
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
	size_t nb, at;	/* calendar slots, the next one to hand out */
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
#define OBS_CAL_MAX GS_SPAN_MAX_BUCKETS

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

int64_t gs_engine_next_bucket(const struct gs_engine *e, int64_t from_ms)
{
	uint32_t i = tl_lower_bound(e->global, from_ms);
	return i < e->global->tl_n ? e->global->tl[i].t : INT64_MAX;
}

double gs_engine_bucket_accounts(const struct gs_engine *e, int64_t bucket_ms)
{
	ptrdiff_t j = find_bucket(e->global, bucket_ms);
	return j < 0 ? 0 : bucket_accounts(&e->global->tl[j]);
}
