/*
 * engine_query.c - the engine's answers (groundswell.h): the summary, a
 * tag's statistics and the sorted tag list, timelines, co-tags, languages,
 * mentions, a tag's span of buckets, its example posts, and the memory
 * held. They only read the engine; strings they hand out point into it.
 * Every distinct-account figure is an estimate clamped to the exact posts
 * it counts the authors of (clamp_to, engine_int.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engine_int.h"
#include "input/fold.h"

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
	s->accounts_error = gs_hll_is_exact(&e->accounts)
				    ? 0
				    : gs_hll_rse(GS_HLL_P_DEFAULT);
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
	struct gs_hll tmp;
	const struct gs_hll *acc = gs_engine_tag_accounts(t, &tmp);
	o->accounts = clamp_to(gs_hll_estimate(acc), t->posts);
	o->accounts_error = gs_hll_is_exact(acc) ? 0 : gs_hll_rse(e->o.hll_p);
	gs_hll_release(&tmp);
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
	ssize_t n = gs_fold_arg(tag, len, key);
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

/* Buckets from b0 to b1 (both bucket starts, b0 <= b1), or SIZE_MAX when
 * more than GS_TIMELINE_MAX_BUCKETS. */
static size_t buckets_between(int64_t b0, int64_t b1, int64_t w)
{
	uint64_t d = (uint64_t)b1 - (uint64_t)b0;
	if (d / (uint64_t)w >= GS_TIMELINE_MAX_BUCKETS)
		return SIZE_MAX;
	return (size_t)(d / (uint64_t)w) + 1;
}

/* A bucket's figures (but its time), its accounts never above all, the
 * tag's. The error is that of the sketch's own precision: old buckets may
 * have been shrunk (COMPACT_P1, P2). */
static void bucket_out(const struct bucket *b, double all,
		       struct gs_bucket_stats *o)
{
	o->posts = b->posts;
	o->reposts = b->reposts;
	o->replies = b->replies;
	o->accounts = bucket_accounts(b);
	if (o->accounts > all)
		o->accounts = all;
	o->accounts_error = gs_hll_is_exact(&b->acc) ? 0 : gs_hll_rse(b->acc.p);
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
	/* A bucket's accounts are among the tag's, whose figure is the more
	 * precise: an estimate is never shown above an exact bound (65
	 * accounts in one bucket, all of the tag's, showed 66). */
	struct gs_hll tmp;
	double all = clamp_to(gs_hll_estimate(gs_engine_tag_accounts(t, &tmp)),
			      t->posts);
	gs_hll_release(&tmp);
	if (c != GS_TIMELINE_USED) {
		for (size_t i = 0; i < n; i++)
			v[i].time_ms = b0 + (int64_t)i * w;
		for (uint32_t i = 0; i < t->tl_n; i++) {
			size_t at = (size_t)((t->tl[i].t - b0) / w);
			if (t->tl[i].t < b0 || at >= n)
				continue; /* outside the input's range: none */
			bucket_out(&t->tl[i], all, &v[at]);
		}
	} else {
		for (uint32_t i = 0; i < t->tl_n; i++) {
			v[i].time_ms = t->tl[i].t;
			bucket_out(&t->tl[i], all, &v[i]);
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

enum { TK_COT, TK_LANG, TK_MENT, TK_URL, TK_DOM };

static size_t topk_out(const struct gs_engine *e, const char *key, int which,
		       struct gs_count *out, size_t max)
{
	const struct tag *t = tag_lookup(e, key);
	if (!t)
		return 0;
	const struct topk *k = which == TK_COT	  ? &t->cot
			       : which == TK_LANG ? &t->langs
			       : which == TK_URL  ? &t->urls
			       : which == TK_DOM  ? &t->doms
						  : &t->ment;
	struct gs_count tmp[1024];
	size_t n = 0;
	for (uint16_t i = 0; i < k->n && n < 1024; i++) {
		const char *name = NULL, *display = NULL;
		if (which == TK_COT) {
			const struct tag *c =
				*find_slot(e, k->v[i].key, NULL, 0);
			if (c) {
				name = c->key;
				display = display_of(c);
			}
		} else if (which == TK_LANG) {
			name = e->langs[k->v[i].key - 1];
		} else {
			name = topk_name(k, i);
		}
		/* Space-Saving guarantees count - err; entries that only hold
		 * an inherited count say nothing and are left out */
		uint64_t sure = k->v[i].count - k->v[i].err;
		if (!name || sure == 0)
			continue; /* nothing certain, or a co-tag evicted since
				   */
		tmp[n].name = name;
		tmp[n].display = display ? display : name;
		tmp[n].count = sure;
		n++;
	}
	qsort(tmp, n, sizeof *tmp, cmp_count);
	if (n > max)
		n = max;
	if (n) /* out may be NULL when max is 0 */
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

const char *gs_engine_handle(const struct gs_engine *e, const char *id)
{
	return gs_handles_get(&e->handles, id, strlen(id));
}

size_t gs_engine_mentions(const struct gs_engine *e, const char *key,
			  struct gs_count *out, size_t max)
{
	return topk_out(e, key, TK_MENT, out, max);
}

size_t gs_engine_urls(const struct gs_engine *e, const char *key,
		      struct gs_count *out, size_t max)
{
	return topk_out(e, key, TK_URL, out, max);
}

size_t gs_engine_domains(const struct gs_engine *e, const char *key,
			 struct gs_count *out, size_t max)
{
	return topk_out(e, key, TK_DOM, out, max);
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
	struct gs_hll tmp;
	double all = clamp_to(gs_hll_estimate(gs_engine_tag_accounts(t, &tmp)),
			      t->posts);
	gs_hll_release(&tmp);
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
		tmp[n].name = tmp[n].display = topk_name(&t->rep, i);
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
		const struct topk *tk[6] = {&t->cot, &t->langs, &t->ment,
					    &t->rep, &t->urls,	&t->doms};
		for (int k = 0; k < 6; k++)
			m->summaries += topk_bytes(tk[k]);
		for (int k = 0; k < SPELLINGS_MAX && t->sp[k]; k++)
			m->summaries += sizeof *t->sp[k] + t->sp[k]->n + 1;
	}
	m->tracked = e->mem;
	m->total = m->table + m->repost_cache + m->tags + m->accounts +
		   m->timelines + m->timeline_sketches + m->summaries;
}
