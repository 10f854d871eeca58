/*
 * generate_truth.c - the exact answer for the stream (the schema is in
 * generate.h): per folded tag key its posts, originals, reposts, replies,
 * quotes, distinct accounts, first and last second and most frequent
 * spelling, and the totals.
 *
 * Distinct (tag, account) pairs and accounts are kept in exact open-
 * addressing hash sets of 64-bit values (no sketch: the truth is what the
 * sketches are checked against). Keys are written in byte order of their
 * folded text.
 */
#include "generate_int.h"

#include "base/timeutil.h"

/* A double with up to 6 decimals, no exponent, no locale. */
/* "2017-10-13T00:00:00Z" */
static void b_rfc3339(struct buf *b, int64_t sec)
{
	char t[32];
	b_mem(b, t, gs_time_format(sec * 1000, t));
}

static void b_double(struct buf *b, double v)
{
	if (!(v == v) || v > 1e15 || v < -1e15) {
		b_lit(b, "0");
		return;
	}
	if (v < 0) {
		b_ch(b, '-');
		v = -v;
	}
	uint64_t scaled = (uint64_t)floor(v * 1e6 + 0.5);
	b_u64(b, scaled / 1000000);
	uint64_t frac = scaled % 1000000;
	if (frac) {
		char tmp[8];
		int w = 6;
		for (int i = 5; i >= 0; i--) {
			tmp[i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		while (w > 0 && tmp[w - 1] == '0')
			w--;
		b_ch(b, '.');
		b_mem(b, tmp, (size_t)w);
	}
}

static bool set_add(uint64_t **tab, size_t *cap, size_t *n, uint64_t v,
		    bool *oom)
{
	if (*n * 2 >= *cap) {
		size_t nc = *cap ? *cap * 2 : 1u << 16;
		uint64_t *nt = calloc(nc, sizeof *nt);
		if (!nt) {
			*oom = true;
			return false;
		}
		for (size_t i = 0; i < *cap; i++) {
			uint64_t x = (*tab)[i];
			if (!x)
				continue;
			size_t j = mix64(x) & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = x;
		}
		free(*tab);
		*tab = nt;
		*cap = nc;
	}
	size_t j = mix64(v) & (*cap - 1);
	while ((*tab)[j]) {
		if ((*tab)[j] == v)
			return false;
		j = (j + 1) & (*cap - 1);
	}
	(*tab)[j] = v;
	(*n)++;
	return true;
}

int gs_gen_truth_init(struct gen *g)
{
	struct truth *t = calloc(1, sizeof *t);
	if (!t)
		return GS_ENOMEM;
	g->tr = t;
	t->ks = calloc(g->nkeys, sizeof *t->ks);
	t->spc = calloc(g->nsp, sizeof *t->spc);
	if (!t->ks || !t->spc)
		return GS_ENOMEM;
	return 0;
}

void gs_gen_truth_free(struct truth *t)
{
	if (!t)
		return;
	free(t->ks);
	free(t->spc);
	free(t->pairs);
	free(t->accts);
	free(t);
}

void gs_gen_truth_count(struct gen *g, const struct gpost *p)
{
	struct truth *t = g->tr;
	const struct gpost *src =
		p->kind == K_REPOST ? ring_get(g, p->rp_oseq) : p;
	int64_t sec = floor_div(p->t_us, 1000000);
	set_add(&t->accts, &t->acap, &t->an, (uint64_t)p->author + 1, &t->oom);
	for (unsigned i = 0; i < src->ntk; i++) {
		uint32_t k = src->tkey[i];
		struct tstat *s = &t->ks[k];
		if (s->posts++ == 0)
			s->first = sec;
		s->last = sec;
		if (p->kind == K_REPOST)
			s->reposts++;
		else
			s->originals++;
		if (p->kind == K_REPLY)
			s->replies++;
		if (p->kind == K_QUOTE && g->tw)
			s->quotes++;
		t->spc[src->tsp[i]]++;
		if (set_add(&t->pairs, &t->pcap, &t->pn,
			    ((uint64_t)k << 32 | p->author) + 1, &t->oom))
			s->accounts++;
	}
}

static uint32_t display_of(const struct gen *g, uint32_t k)
{
	uint32_t best = g->keys[k].first_sp;
	for (uint32_t s = best; s != UINT32_MAX; s = g->sp[s].next) {
		uint64_t a = g->tr->spc[s], b = g->tr->spc[best];
		if (a > b)
			best = s;
		else if (a == b && s != best) {
			size_t la = g->sp[s].len, lb = g->sp[best].len;
			int c = memcmp(sp_text(g, s), sp_text(g, best),
				       la < lb ? la : lb);
			if (c < 0 || (c == 0 && la < lb))
				best = s;
		}
	}
	return best;
}

static int key_cmp(const struct gen *g, uint32_t a, uint32_t b)
{
	size_t la = g->keys[a].len, lb = g->keys[b].len;
	int c = memcmp(key_text(g, a), key_text(g, b), la < lb ? la : lb);
	return c ? c : la < lb ? -1 : la > lb ? 1 : 0;
}

/* Sorts keys by their bytes (a merge sort: no global state, so several
 * generators may run in threads). */
static void sort_keys(const struct gen *g, uint32_t *v, uint32_t *tmp,
		      uint32_t n)
{
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n;
			uint32_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			uint32_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = key_cmp(g, v[j], v[i]) < 0 ? v[j++]
								      : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
}

static void b_key_str(const struct gen *g, struct buf *b, uint32_t k)
{
	b_jstr(b, key_text(g, k), g->keys[k].len, false);
}

static void b_tagref(const struct gen *g, struct buf *b, int special)
{
	uint32_t k = g->sp[g->lt[special].sp[0]].key;
	b_lit(b, "{\"tag\":");
	b_key_str(g, b, k);
	b_lit(b, ",\"display\":");
	uint32_t d = display_of(g, k);
	b_jstr(b, sp_text(g, d), g->sp[d].len, false);
}

int gs_gen_truth_write(struct gen *g, FILE *f)
{
	struct truth *t = g->tr;
	struct buf b = {0};
	int64_t end = g->timed ? g->start + (int64_t)g->W
		      : g->nposts ? g->last_sec + 1
				  : g->start;
	b_lit(&b, "{\"generator\":\"groundswell\",\"version\":1,\"seed\":");
	b_u64(&b, g->o.seed);
	b_lit(&b, ",\"format\":\"");
	b_str0(&b, gs_gen_format_name(g->fmt));
	b_lit(&b, "\",\"start\":\"");
	b_rfc3339(&b, g->start);
	b_lit(&b, "\",\"end\":\"");
	b_rfc3339(&b, end);
	b_lit(&b, "\",\"hours\":");
	b_double(&b, g->W / 3600.0);
	b_lit(&b, ",\"rate\":");
	b_double(&b, g->o.rate);
	b_lit(&b, ",\"posts\":");
	b_u64(&b, g->nposts);
	b_lit(&b, ",\"originals\":");
	b_u64(&b, g->nposts - g->nreposts);
	b_lit(&b, ",\"reposts\":");
	b_u64(&b, g->nreposts);
	b_lit(&b, ",\"replies\":");
	b_u64(&b, g->nreplies);
	b_lit(&b, ",\"quotes\":");
	b_u64(&b, g->nquotes);
	b_lit(&b, ",\"malformed\":");
	b_u64(&b, g->nmal);
	b_lit(&b, ",\"skipped\":");
	b_u64(&b, g->nskip);
	b_lit(&b, ",\"lines\":");
	b_u64(&b, g->nlines);
	b_lit(&b, ",\"bytes\":");
	b_u64(&b, g->nbytes);
	b_lit(&b, ",\"accounts\":");
	b_u64(&b, t->an);
	b_lit(&b, ",\"tags\":{");

	uint32_t *order = malloc((g->nkeys ? g->nkeys : 1) * sizeof *order);
	uint32_t *tmp = malloc((g->nkeys ? g->nkeys : 1) * sizeof *tmp);
	if (!order || !tmp) {
		free(order);
		free(tmp);
		free(b.p);
		return GS_ENOMEM;
	}
	uint32_t no = 0;
	for (uint32_t k = 0; k < g->nkeys; k++)
		if (t->ks[k].posts)
			order[no++] = k;
	sort_keys(g, order, tmp, no);
	free(tmp);
	for (uint32_t i = 0; i < no; i++) {
		uint32_t k = order[i];
		const struct tstat *s = &t->ks[k];
		if (i)
			b_ch(&b, ',');
		b_key_str(g, &b, k);
		b_lit(&b, ":{\"display\":");
		uint32_t d = display_of(g, k);
		b_jstr(&b, sp_text(g, d), g->sp[d].len, false);
		b_lit(&b, ",\"posts\":");
		b_u64(&b, s->posts);
		b_lit(&b, ",\"originals\":");
		b_u64(&b, s->originals);
		b_lit(&b, ",\"reposts\":");
		b_u64(&b, s->reposts);
		b_lit(&b, ",\"replies\":");
		b_u64(&b, s->replies);
		b_lit(&b, ",\"quotes\":");
		b_u64(&b, s->quotes);
		b_lit(&b, ",\"accounts\":");
		b_u64(&b, s->accounts);
		b_lit(&b, ",\"first_seen\":\"");
		b_rfc3339(&b, s->first);
		b_lit(&b, "\",\"last_seen\":\"");
		b_rfc3339(&b, s->last);
		b_lit(&b, "\"}");
	}
	free(order);
	b_lit(&b, "},\"movements\":[");
	for (int i = 0; i < NMOV; i++) {
		const struct movement *m = &g->mv[i];
		uint32_t k = g->sp[g->lt[m->tag].sp[0]].key;
		if (i)
			b_ch(&b, ',');
		b_tagref(g, &b, m->tag);
		b_lit(&b, ",\"shape\":\"");
		b_str0(&b, m->shape);
		b_lit(&b, "\",\"onset\":\"");
		b_rfc3339(&b, (int64_t)m->onset);
		b_lit(&b, "\",\"peak\":\"");
		b_rfc3339(&b, (int64_t)(m->onset + m->rise));
		b_lit(&b, "\",\"end\":\"");
		b_rfc3339(&b, (int64_t)m->end < end ? (int64_t)m->end : end);
		b_lit(&b, "\",\"accounts\":");
		b_u64(&b, t->ks[k].accounts);
		b_lit(&b, ",\"posts\":");
		b_u64(&b, t->ks[k].posts);
		b_ch(&b, '}');
	}
	b_ch(&b, ']');
	/* issue 13: the planted families, when asked for: each tag's own
	 * counts are in "tags"; the union of their accounts is left to
	 * the reader to count from the stream (eval/movements.py does) */
	if (g->nfam)
		b_lit(&b, ",\"families\":[");
	for (unsigned i = 0; i < g->nfam; i++) {
		const struct family *fm = &g->fam[i];
		if (i)
			b_ch(&b, ',');
		b_lit(&b, "{\"name\":\"");
		b_str0(&b, fm->name);
		b_lit(&b, "\",\"tags\":[");
		for (unsigned k = 0; k < FAM_TAGS; k++) {
			uint32_t key = g->sp[fm->sp[k]].key;
			if (k)
				b_ch(&b, ',');
			b_lit(&b, "{\"tag\":");
			b_key_str(g, &b, key);
			b_lit(&b, ",\"lang\":\"");
			b_str0(&b, gs_gen_lang_code[fm->lang[k]]);
			b_lit(&b, "\",\"onset\":\"");
			b_rfc3339(&b, (int64_t)fm->onset[k]);
			b_lit(&b, "\"}");
		}
		b_lit(&b, "]}");
	}
	if (g->nfam)
		b_ch(&b, ']');
	b_lit(&b, ",\"spam\":[");
	for (int j = 0; j < NSPAM; j++) {
		const struct spamflood *s = &g->sf[j];
		if (j)
			b_ch(&b, ',');
		b_tagref(g, &b, s->tag);
		b_lit(&b, ",\"accounts\":");
		b_u64(&b, (uint64_t)__builtin_popcount(s->mask));
		b_lit(&b, ",\"start\":\"");
		b_rfc3339(&b, (int64_t)s->start);
		b_lit(&b, "\",\"end\":\"");
		b_rfc3339(&b, (int64_t)s->end);
		b_lit(&b, "\",\"posts\":");
		b_u64(&b, s->posts);
		b_ch(&b, '}');
	}
	b_lit(&b, "],\"steady\":[");
	static const int steady[3] = {S_NEWS, S_MUSIC, S_NOWPLAYING};
	for (int j = 0; j < 3; j++) {
		if (j)
			b_ch(&b, ',');
		b_tagref(g, &b, steady[j]);
		b_lit(&b, ",\"posts\":");
		b_u64(&b, t->ks[g->sp[g->lt[steady[j]].sp[0]].key].posts);
		b_ch(&b, '}');
	}
	b_lit(&b, "]}\n");
	int rc = 0;
	if (b.oom || t->oom)
		rc = GS_ENOMEM;
	else if (fwrite(b.p, 1, b.n, f) != b.n || fflush(f) != 0)
		rc = GS_EIO;
	free(b.p);
	return rc;
}

