/*
 * movement.c - grouping tags into movements, and measuring a movement as
 * one (see movement.h).
 *
 * Which tags may join: those the trend detector flagged (trend.h: distinct
 * accounts against the tag's own baseline), so that a steady tag, however
 * frequent, never joins; and of them those with at least min_accounts
 * distinct accounts and at most max_posts_per_account posts each, so that
 * a spam flood (few accounts, many posts) never joins. Each pair of them
 * is tested on three signals:
 *   time      their trend windows (first start to last end) overlap;
 *   posts     the posts carrying both, o, against what chance gives,
 *             e = n_a n_b / N (N tagged posts): lift o / e and the Poisson
 *             log-likelihood ratio G = 2 (o ln(o / e) - (o - e));
 *   accounts  the accounts posting both (a bottom-k estimate, kmv.h: exact
 *             below k accounts per tag), taken at its lower 2-standard-
 *             error bound o, against e = |A| |B| / U (U distinct accounts
 *             of the input): lift and G likewise.
 * A signal holds with lift >= min_lift, o >= min_shared and G >= min_g
 * (30 by default: a one-sided p below 5e-8, so that among the ~2 million
 * pairs of 2,000 candidates chance joins none); lift and G are normalised
 * by expectation, so frequency alone never makes a signal. Two tags join
 * when time holds and posts or accounts does; each pair says which held,
 * with its strength. The movements are the connected groups (union-find)
 * of two tags or more.
 *
 * Measures (gs_movement_define, and each found movement):
 *   accounts  the union of the tags' engine sketches (hll.h: exact sets'
 *             union up to 1,024 accounts, else registers' maximum at
 *             p = 14: relative standard error 0.81%), clamped to the
 *             movement's posts and to at least its largest tag's;
 *   posts     the sum of the tags' posts minus what posts carrying several
 *             of them add twice (cooccur.h): exact unless combinations
 *             were evicted (posts_error then bounds it);
 *   onsets    per tag (first trend start, and first post), per language
 *             (the first post of the language using any of its tags);
 *   timeline  per bucket, posts likewise and accounts as the union of the
 *             tags' bucket sketches (p = 10: 3.25%, exact up to 64);
 *   shared    the most reposted posts of its tags.
 */
#include "movement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "input/fold.h"

void gs_movement_options_init(struct gs_movement_options *o)
{
	o->min_accounts = 20;
	o->max_posts_per_account = 5;
	o->min_lift = 2;
	o->min_g = 30;
	o->min_shared = 5;
	o->max_candidates = 2000;
	o->max_shared_posts = 5;
	o->max_tags = 32;
}

static char *dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void movement_release(struct gs_movement *m)
{
	for (size_t i = 0; i < m->ntags; i++) {
		free(m->tags[i].key);
		free(m->tags[i].display);
	}
	free(m->tags);
	free(m->pairs);
	free(m->langs);
	free(m->bucket_posts);
	free(m->bucket_accounts);
	free(m->bucket_accounts_error);
	free(m->shared);
	free(m->name);
	memset(m, 0, sizeof *m);
}

void gs_movements_release(struct gs_movements *m)
{
	for (size_t i = 0; i < m->n; i++)
		movement_release(&m->v[i]);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* Poisson log-likelihood ratio of o observed against e expected, one
 * sided (0 when o <= e). */
static double g_stat(double o, double e)
{
	if (e <= 0)
		e = 1e-9;
	if (o <= e)
		return 0;
	return 2 * (o * log(o / e) - (o - e));
}

/* The trend window of a key among the events: first start, last end
 * (an open event: its last bucket). 0 if the key never trended. */
static int window_of(const struct gs_trend_event *ev, size_t nev,
		     const char *key, int64_t *from, int64_t *to)
{
	int found = 0;
	for (size_t i = 0; i < nev; i++) {
		if (strcmp(ev[i].key, key))
			continue;
		int64_t end = ev[i].end_ms >= 0 ? ev[i].end_ms : ev[i].last_ms;
		if (!found || ev[i].start_ms < *from)
			*from = ev[i].start_ms;
		if (!found || end > *to)
			*to = end;
		found = 1;
	}
	return found;
}

/* Evaluates the signals between tags x and y (engine stats and counter
 * tags; ct may be NULL when the counter lost a tag). */
static void
pair_eval(struct gs_movement_pair *p, const struct gs_movement_options *o,
	  const struct gs_movement_tag *x, const struct gs_movement_tag *y,
	  const struct gs_cooccur_tag *cx, const struct gs_cooccur_tag *cy,
	  uint64_t both, double tagged_posts, double universe)
{
	p->signals = 0;
	if (x->onset_ms != INT64_MAX && y->onset_ms != INT64_MAX &&
	    x->onset_ms <= y->trend_end_ms && y->onset_ms <= x->trend_end_ms)
		p->signals |= GS_MV_TIME;
	p->posts_both = both;
	p->posts_expected =
		tagged_posts > 0
			? (double)x->posts * (double)y->posts / tagged_posts
			: 0;
	p->posts_lift = p->posts_expected > 0 ? both / p->posts_expected : 0;
	p->posts_g = g_stat((double)both, p->posts_expected);
	if (both >= o->min_shared && p->posts_lift >= o->min_lift &&
	    p->posts_g >= o->min_g)
		p->signals |= GS_MV_POSTS;
	if (cx && cy) {
		struct gs_kmv_overlap ov;
		if (gs_kmv_overlap(&cx->acc, &cy->acc, &ov) == 0) {
			p->accounts_both = ov.inter;
			p->accounts_both_se = ov.inter_se;
			p->jaccard = ov.jaccard;
			p->jaccard_se = ov.jaccard_se;
			p->accounts_exact = ov.exact;
			p->accounts_expected =
				universe > 0 ? ov.a * ov.b / universe : 0;
			double low = ov.inter - 2 * ov.inter_se;
			if (low < ov.shared)
				low = ov.shared;
			p->accounts_lift =
				p->accounts_expected > 0
					? ov.inter / p->accounts_expected
					: 0;
			p->accounts_g = g_stat(low, p->accounts_expected);
			if (low >= o->min_shared &&
			    low >= o->min_lift * p->accounts_expected &&
			    p->accounts_g >= o->min_g)
				p->signals |= GS_MV_ACCOUNTS;
		}
	}
}

static int tag_fill(const struct gs_engine *e, const struct gs_trend_event *ev,
		    size_t nev, const char *key, struct gs_movement_tag *t)
{
	struct gs_tag_stats ts;
	memset(t, 0, sizeof *t);
	t->key = dupstr(key);
	if (gs_engine_tag(e, key, strlen(key), &ts) == 0) {
		t->display = dupstr(ts.display);
		t->posts = ts.posts;
		t->accounts = ts.accounts;
		t->accounts_error = ts.accounts_error;
		t->first_ms = ts.first_ms;
	} else {
		t->display = dupstr(key);
		t->first_ms = INT64_MAX;
	}
	t->onset_ms = INT64_MAX;
	t->trend_end_ms = INT64_MIN;
	window_of(ev, nev, key, &t->onset_ms, &t->trend_end_ms);
	return t->key && t->display ? 0 : GS_ENOMEM;
}

static int tag_order(const void *a, const void *b)
{
	const struct gs_movement_tag *x = a, *y = b;
	int64_t ox = x->onset_ms != INT64_MAX ? x->onset_ms : x->first_ms;
	int64_t oy = y->onset_ms != INT64_MAX ? y->onset_ms : y->first_ms;
	if (ox != oy)
		return ox < oy ? -1 : 1;
	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int lang_order(const void *a, const void *b)
{
	const struct gs_movement_lang *x = a, *y = b;
	if (x->onset_ms != y->onset_ms)
		return x->onset_ms < y->onset_ms ? -1 : 1;
	return strcmp(x->code, y->code);
}

static uint64_t key_hash(const char *k)
{
	return XXH3_64bits(k, strlen(k));
}

/* Measures m, whose tags (keys, displays, counts, onsets) are filled:
 * pairs (unless already there), union accounts and posts, languages,
 * timeline, shared posts. */
static int measure(const struct gs_engine *e, const struct gs_cooccur *c,
		   const struct gs_movement_options *o, struct gs_movement *m)
{
	size_t n = m->ntags;
	qsort(m->tags, n, sizeof *m->tags, tag_order);
	struct gs_summary s;
	gs_engine_summary(e, &s);
	struct gs_cooccur_stats cs;
	gs_cooccur_stats(c, &cs);
	uint64_t *hs = malloc((n ? n : 1) * sizeof *hs);
	uint64_t *pair = malloc((n ? n * n : 1) * sizeof *pair);
	const char **keys = malloc((n ? n : 1) * sizeof *keys);
	if (!hs || !pair || !keys) {
		free(hs), free(pair), free(keys);
		return GS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		hs[i] = key_hash(m->tags[i].key);
		keys[i] = m->tags[i].key;
	}
	int64_t first = INT64_MAX, last = INT64_MIN;
	m->tag_uses = 0;
	m->accounts_sum = 0;
	double maxacc = 0;
	for (size_t i = 0; i < n; i++) {
		const struct gs_movement_tag *t = &m->tags[i];
		m->tag_uses += t->posts;
		m->accounts_sum += t->accounts;
		if (t->accounts > maxacc)
			maxacc = t->accounts;
		struct gs_tag_stats ts;
		if (t->posts &&
		    gs_engine_tag(e, t->key, strlen(t->key), &ts) == 0) {
			if (ts.first_ms < first)
				first = ts.first_ms;
			if (ts.last_ms > last)
				last = ts.last_ms;
		}
	}
	int64_t bms = s.bucket_ms;
	size_t nb = 0;
	if (first <= last) {
		first = first - (((first % bms) + bms) % bms);
		uint64_t span = (uint64_t)((last - first) / bms) + 1;
		nb = span > GS_TIMELINE_MAX_BUCKETS ? 0 : (size_t)span;
	}
	uint64_t overlap = 0;
	m->bucket_posts = calloc(nb ? nb : 1, sizeof *m->bucket_posts);
	m->bucket_accounts = calloc(nb ? nb : 1, sizeof *m->bucket_accounts);
	m->bucket_accounts_error =
		calloc(nb ? nb : 1, sizeof *m->bucket_accounts_error);
	uint64_t *over_b = calloc(nb ? nb : 1, sizeof *over_b);
	int r = GS_ENOMEM;
	if (!m->bucket_posts || !m->bucket_accounts ||
	    !m->bucket_accounts_error || !over_b)
		goto out;
	m->first_bucket_ms = first;
	m->bucket_ms = bms;
	m->nbuckets = nb;
	gs_cooccur_overlap(c, hs, n, first, nb, over_b, &overlap, pair);
	m->posts =
		m->tag_uses - (overlap < m->tag_uses ? overlap : m->tag_uses);
	m->posts_error = cs.combos_evicted_posts;
	double rse;
	if ((r = gs_engine_union_accounts(e, keys, n, INT64_MIN, &m->accounts,
					  &rse)))
		goto out;
	m->accounts_error = rse;
	if (m->accounts > (double)m->posts)
		m->accounts = (double)m->posts;
	if (m->accounts < maxacc)
		m->accounts = maxacc;
	/* the timeline: the tags' bucket posts, less the overlaps */
	for (size_t i = 0; i < n; i++) {
		if (!m->tags[i].posts)
			continue;
		struct gs_bucket_stats *tl = NULL;
		enum gs_timeline_cover cover;
		ptrdiff_t k = gs_engine_timeline_cover(e, m->tags[i].key, &tl,
						       &cover);
		if (k < 0) {
			r = (int)k;
			goto out;
		}
		for (ptrdiff_t j = 0; j < k; j++) {
			if (tl[j].time_ms < first || !tl[j].posts)
				continue;
			uint64_t b = (uint64_t)((tl[j].time_ms - first) / bms);
			if (b < nb)
				m->bucket_posts[b] += tl[j].posts;
		}
		free(tl);
	}
	for (size_t b = 0; b < nb; b++) {
		m->bucket_posts[b] -= over_b[b] < m->bucket_posts[b]
					      ? over_b[b]
					      : m->bucket_posts[b];
		if (!m->bucket_posts[b])
			continue;
		if ((r = gs_engine_union_accounts(
			     e, keys, n, first + (int64_t)b * bms,
			     &m->bucket_accounts[b],
			     &m->bucket_accounts_error[b])))
			goto out;
		/* a bucket's union is within the whole's (more precise) */
		if (m->bucket_accounts[b] > (double)m->bucket_posts[b])
			m->bucket_accounts[b] = (double)m->bucket_posts[b];
		if (m->bucket_accounts[b] > m->accounts)
			m->bucket_accounts[b] = m->accounts;
	}
	/* pairs: each with its signals (found movements have them already) */
	if (!m->pairs && n >= 2) {
		m->pairs = calloc(n * (n - 1) / 2, sizeof *m->pairs);
		if (!m->pairs) {
			r = GS_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				struct gs_movement_pair *p =
					&m->pairs[m->npairs++];
				p->a = i, p->b = j;
				pair_eval(p, o, &m->tags[i], &m->tags[j],
					  gs_cooccur_tag(c, m->tags[i].key),
					  gs_cooccur_tag(c, m->tags[j].key),
					  pair[i * n + j],
					  (double)cs.tagged_posts, s.accounts);
			}
	}
	/* languages: first post of each, over the tags */
	size_t cap = n * GS_COOCCUR_LANGS;
	m->langs = calloc(cap ? cap : 1, sizeof *m->langs);
	if (!m->langs) {
		r = GS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gs_cooccur_tag *ct =
			gs_cooccur_tag(c, m->tags[i].key);
		for (uint32_t l = 0; ct && l < ct->nlangs; l++) {
			size_t k;
			for (k = 0; k < m->nlangs &&
				    strcmp(m->langs[k].code, ct->langs[l].code);
			     k++)
				;
			if (k == m->nlangs) {
				memcpy(m->langs[k].code, ct->langs[l].code,
				       sizeof m->langs[k].code);
				m->langs[k].onset_ms = ct->langs[l].first_ms;
				m->nlangs++;
			} else if (ct->langs[l].first_ms <
				   m->langs[k].onset_ms) {
				m->langs[k].onset_ms = ct->langs[l].first_ms;
			}
			m->langs[k].tag_uses += ct->langs[l].posts;
		}
	}
	qsort(m->langs, m->nlangs, sizeof *m->langs, lang_order);
	/* the most shared posts: the most reposted originals carrying one
	 * of its tags (counted exactly by the counter) */
	size_t want = o->max_shared_posts;
	const struct gs_cooccur_shared **sv =
		malloc((want ? want : 1) * sizeof *sv);
	m->shared = calloc(want ? want : 1, sizeof *m->shared);
	if (!m->shared || !sv) {
		free(sv);
		r = GS_ENOMEM;
		goto out;
	}
	m->nshared = gs_cooccur_shared(c, hs, n, sv, want);
	for (size_t k = 0; k < m->nshared; k++) {
		m->shared[k].name = m->shared[k].display = sv[k]->id;
		m->shared[k].count = sv[k]->reposts;
	}
	free(sv);
	r = 0;
out:
	free(hs);
	free(pair);
	free(keys);
	free(over_b);
	return r;
}

static int push(struct gs_movements *out, struct gs_movement *m)
{
	struct gs_movement *v = realloc(out->v, (out->n + 1) * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	out->v = v;
	out->v[out->n++] = *m;
	return 0;
}

int gs_movement_define(const struct gs_engine *e, const struct gs_cooccur *c,
		       const struct gs_trend_event *ev, size_t nev,
		       const struct gs_movement_options *o, const char *name,
		       const char *const *tags, size_t ntags,
		       struct gs_movements *out)
{
	struct gs_movement m;
	memset(&m, 0, sizeof m);
	m.defined = 1;
	m.name = dupstr(name);
	m.tags = calloc(ntags ? ntags : 1, sizeof *m.tags);
	int r = GS_ENOMEM;
	if (!m.name || !m.tags)
		goto fail;
	for (size_t i = 0; i < ntags; i++) {
		char key[GS_TAG_MAX + 1];
		ssize_t k = gs_fold_arg(tags[i], strlen(tags[i]), key);
		if (k <= 0) {
			r = GS_EUSAGE;
			goto fail;
		}
		key[k] = 0;
		for (size_t j = 0; j < m.ntags; j++)
			if (!strcmp(m.tags[j].key, key)) {
				r = GS_EUSAGE;
				goto fail;
			}
		r = tag_fill(e, ev, nev, key, &m.tags[m.ntags++]);
		if (r)
			goto fail;
	}
	if ((r = measure(e, c, o, &m)) || (r = push(out, &m)))
		goto fail;
	return 0;
fail:
	movement_release(&m);
	return r;
}

/* ---- finding them ----------------------------------------------------- */

struct cand {
	struct gs_movement_tag t;
	const struct gs_cooccur_tag *ct;
	double score;
	size_t parent, group;
};

static size_t find(struct cand *v, size_t i)
{
	while (v[i].parent != i)
		i = v[i].parent = v[v[i].parent].parent;
	return i;
}

static int cand_score_order(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->t.key, y->t.key);
}

static int cand_key_order(const void *a, const void *b)
{
	return strcmp(((const struct cand *)a)->t.key,
		      ((const struct cand *)b)->t.key);
}

static int mv_order(const void *a, const void *b)
{
	const struct gs_movement *x = a, *y = b;
	if (x->accounts != y->accounts)
		return x->accounts > y->accounts ? -1 : 1;
	return strcmp(x->tags[0].key, y->tags[0].key);
}

int gs_movements_find(const struct gs_engine *e, const struct gs_cooccur *c,
		      const struct gs_trend_event *ev, size_t nev,
		      const struct gs_movement_options *o,
		      struct gs_movements *out)
{
	struct gs_summary s;
	gs_engine_summary(e, &s);
	struct gs_cooccur_stats cs;
	gs_cooccur_stats(c, &cs);
	/* the candidates: each trending tag once, with its best score */
	struct cand *v = calloc(nev ? nev : 1, sizeof *v);
	if (!v)
		return GS_ENOMEM;
	size_t n = 0;
	int r = 0;
	for (size_t i = 0; i < nev; i++) {
		size_t k;
		for (k = 0; k < n && strcmp(v[k].t.key, ev[i].key); k++)
			;
		if (k < n) {
			if (ev[i].score > v[k].score)
				v[k].score = ev[i].score;
			continue;
		}
		if ((r = tag_fill(e, ev, nev, ev[i].key, &v[n].t))) {
			n++;
			goto out;
		}
		v[n].score = ev[i].score;
		n++;
	}
	/* spam floods and other tags of few accounts never join */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		const struct gs_movement_tag *t = &v[i].t;
		if (t->accounts < o->min_accounts ||
		    (double)t->posts > o->max_posts_per_account * t->accounts) {
			out->spam_left++;
			free(v[i].t.key);
			free(v[i].t.display);
			continue;
		}
		v[kept++] = v[i];
	}
	n = kept;
	qsort(v, n, sizeof *v, cand_score_order);
	if (n > o->max_candidates) {
		for (size_t i = o->max_candidates; i < n; i++) {
			free(v[i].t.key);
			free(v[i].t.display);
		}
		out->candidates_left += n - o->max_candidates;
		n = o->max_candidates;
	}
	qsort(v, n, sizeof *v, cand_key_order);
	out->candidates += n;
	uint64_t *hs = malloc((n ? n : 1) * sizeof *hs);
	uint64_t *pair = malloc((n ? n * n : 1) * sizeof *pair);
	if (!hs || !pair) {
		free(hs), free(pair);
		r = GS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		hs[i] = key_hash(v[i].t.key);
		v[i].ct = gs_cooccur_tag(c, v[i].t.key);
		v[i].parent = i;
	}
	uint64_t ov;
	gs_cooccur_overlap(c, hs, n, 0, 0, NULL, &ov, pair);
	/* test every pair whose windows overlap; join on a signal */
	size_t np = 0, pcap = 0;
	struct gs_movement_pair *pv = NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			struct gs_movement_pair p;
			memset(&p, 0, sizeof p);
			p.a = i, p.b = j;
			pair_eval(&p, o, &v[i].t, &v[j].t, v[i].ct, v[j].ct,
				  pair[i * n + j], (double)cs.tagged_posts,
				  s.accounts);
			if (!(p.signals & GS_MV_TIME) ||
			    !(p.signals & (GS_MV_POSTS | GS_MV_ACCOUNTS)))
				continue;
			p.joined = 1;
			if (np == pcap) {
				pcap = pcap ? 2 * pcap : 64;
				struct gs_movement_pair *t =
					realloc(pv, pcap * sizeof *pv);
				if (!t) {
					free(pv), free(hs), free(pair);
					r = GS_ENOMEM;
					goto out;
				}
				pv = t;
			}
			pv[np++] = p;
			size_t a = find(v, i), b = find(v, j);
			if (a != b)
				v[a > b ? a : b].parent = a < b ? a : b;
		}
	free(hs);
	free(pair);
	/* the groups of two tags or more */
	size_t *size = calloc(n ? n : 1, sizeof *size);
	if (!size) {
		free(pv);
		r = GS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		size[find(v, i)]++;
	size_t first_new = out->n;
	for (size_t root = 0; root < n && !r; root++) {
		if (find(v, root) != root || size[root] < 2)
			continue;
		struct gs_movement m;
		memset(&m, 0, sizeof m);
		size_t cnt =
			size[root] < o->max_tags ? size[root] : o->max_tags;
		m.tags = calloc(cnt, sizeof *m.tags);
		size_t *idx = calloc(n, sizeof *idx); /* candidate -> tag + 1 */
		if (!m.tags || !idx) {
			free(m.tags), free(idx);
			r = GS_ENOMEM;
			break;
		}
		/* the group's tags, by accounts, at most max_tags of them */
		for (size_t i = 0; i < n && m.ntags < cnt; i++) {
			size_t best = SIZE_MAX;
			for (size_t j = 0; j < n; j++)
				if (find(v, j) == root && !idx[j] &&
				    (best == SIZE_MAX ||
				     v[j].t.accounts > v[best].t.accounts))
					best = j;
			if (best == SIZE_MAX)
				break;
			idx[best] = m.ntags + 1;
			m.tags[m.ntags++] = v[best].t;
			v[best].t.key = v[best].t.display = NULL;
		}
		m.name = dupstr(m.tags[0].display);
		/* its pairs, with indices into its tags (sorted by measure) */
		for (size_t p = 0; p < np; p++)
			if (idx[pv[p].a] && idx[pv[p].b])
				m.npairs++;
		m.pairs = calloc(m.npairs ? m.npairs : 1, sizeof *m.pairs);
		size_t q = 0;
		for (size_t p = 0; m.pairs && p < np; p++)
			if (idx[pv[p].a] && idx[pv[p].b]) {
				m.pairs[q] = pv[p];
				m.pairs[q].a = idx[pv[p].a] - 1;
				m.pairs[q].b = idx[pv[p].b] - 1;
				q++;
			}
		free(idx);
		if (!m.name || !m.pairs) {
			movement_release(&m);
			r = GS_ENOMEM;
			break;
		}
		/* measure() sorts the tags: keep the pairs' indices by key */
		char **pk = malloc(2 * (m.npairs ? m.npairs : 1) * sizeof *pk);
		if (!pk) {
			movement_release(&m);
			r = GS_ENOMEM;
			break;
		}
		for (size_t p = 0; p < m.npairs; p++) {
			pk[2 * p] = m.tags[m.pairs[p].a].key;
			pk[2 * p + 1] = m.tags[m.pairs[p].b].key;
		}
		r = measure(e, c, o, &m);
		for (size_t p = 0; !r && p < m.npairs; p++) {
			for (size_t t = 0; t < m.ntags; t++) {
				if (m.tags[t].key == pk[2 * p])
					m.pairs[p].a = t;
				if (m.tags[t].key == pk[2 * p + 1])
					m.pairs[p].b = t;
			}
			if (m.pairs[p].a > m.pairs[p].b) {
				size_t t = m.pairs[p].a;
				m.pairs[p].a = m.pairs[p].b;
				m.pairs[p].b = t;
			}
		}
		free(pk);
		if (r || (r = push(out, &m))) {
			movement_release(&m);
			break;
		}
	}
	free(size);
	free(pv);
	if (!r && out->n > first_new)
		qsort(out->v + first_new, out->n - first_new, sizeof *out->v,
		      mv_order);
out:
	for (size_t i = 0; i < n; i++) {
		free(v[i].t.key);
		free(v[i].t.display);
	}
	free(v);
	return r;
}
