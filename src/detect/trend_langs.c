/*
 * trend_langs.c - one detector per language (trend_langs.h): made as the
 * languages appear, fed live post by post or run over each engine.
 */
#include <stdlib.h>

#include "trend_langs.h"
#include "count/snapio.h"

struct gs_trend_langs *gs_trend_langs_new(struct gs_langs *l,
					  const struct gs_trend_options *o,
					  int64_t lateness_buckets)
{
	struct gs_trend *probe = gs_trend_new(o, l->o.bucket_ms);
	if (!probe)
		return NULL;
	gs_trend_free(probe);
	struct gs_trend_langs *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->langs = l;
	t->o = *o;
	t->lateness_buckets = lateness_buckets;
	t->t = calloc(l->max, sizeof *t->t);
	t->live = calloc(l->max, sizeof *t->live);
	if (!t->t || !t->live) {
		gs_trend_langs_free(t);
		return NULL;
	}
	return t;
}

void gs_trend_langs_free(struct gs_trend_langs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		gs_trend_free(t->t[i]);
	free(t->t);
	free(t->live);
	free(t);
}

/* Detectors for every language the set holds (new ones appear as posts
 * of a new language arrive). 0 or GS_ENOMEM. */
static int grow(struct gs_trend_langs *t)
{
	while (t->n < t->langs->n) {
		struct gs_trend *d = gs_trend_new(&t->o, t->langs->o.bucket_ms);
		if (!d)
			return GS_ENOMEM;
		t->t[t->n] = d;
		gs_trend_live_init(&t->live[t->n], t->langs->v[t->n].e, d,
				   t->lateness_buckets);
		t->n++;
	}
	return 0;
}

int gs_trend_langs_add(struct gs_trend_langs *t, const struct gs_post *p)
{
	size_t idx[GS_POST_MAX_LANGS + 1];
	int n = gs_langs_route(t->langs, p, idx);
	if (n < 0)
		return n;
	int r = grow(t);
	for (int i = 0; i < n && !r; i++) {
		struct gs_trend_live *lv = &t->live[idx[i]];
		uint64_t late = lv->late_posts;
		r = gs_trend_live_add(lv, p);
		t->late_posts += lv->late_posts - late;
	}
	return r;
}

int gs_trend_langs_finish(struct gs_trend_langs *t)
{
	int r = grow(t);
	for (size_t i = 0; i < t->n && !r; i++)
		r = gs_trend_live_finish(&t->live[i]);
	return r;
}

int gs_trend_langs_run_batch(struct gs_trend_langs *t)
{
	int r = grow(t);
	for (size_t i = 0; i < t->n && !r; i++)
		r = gs_trend_run_batch(t->t[i], t->langs->v[i].e);
	return r;
}

size_t gs_trend_langs_events(const struct gs_trend_langs *t, size_t i,
			     const struct gs_trend_event **out)
{
	if (i >= t->n) {
		*out = NULL;
		return 0;
	}
	return gs_trend_events(t->t[i], out);
}

/* ---- snapshots (trend_langs.h) -------------------------------------------
 */

#define TL_MAGIC   "GSTL"
#define TL_VERSION 1

static void tl_body(struct gs_wr *w, const void *obj)
{
	const struct gs_trend_langs *t = obj;
	gs_wr_u32(w, (uint32_t)t->n);
	gs_wr_u64(w, t->late_posts);
	for (size_t i = 0; i < t->n; i++) {
		gs_wr_i64(w, t->live[i].next);
		gs_wr_u8(w, (uint8_t)t->live[i].started);
		gs_wr_u64(w, t->live[i].late_posts);
	}
}

int gs_trend_langs_save(const struct gs_trend_langs *t, FILE *f)
{
	int r = gs_snap_write(f, TL_MAGIC, TL_VERSION, tl_body, t);
	for (size_t i = 0; i < t->n && !r; i++)
		r = gs_trend_save(t->t[i], f);
	return r;
}

struct gs_trend_langs *gs_trend_langs_load(FILE *f, struct gs_langs *l,
					   const struct gs_trend_options *o,
					   int64_t lateness_buckets, int *err)
{
	unsigned char *pl = NULL;
	size_t len = 0;
	struct gs_trend_langs *t = NULL;
	int r = gs_snap_read(f, TL_MAGIC, TL_VERSION, &pl, &len);
	if (r)
		goto out;
	struct gs_rd rd = {pl, pl + len, 0};
	uint32_t n = gs_rd_u32(&rd);
	r = GS_EFORMAT;
	if (rd.err || n > l->n)
		goto out;
	t = gs_trend_langs_new(l, o, lateness_buckets);
	if (!t) {
		r = GS_EUSAGE;
		goto out;
	}
	t->late_posts = gs_rd_u64(&rd);
	for (uint32_t i = 0; i < n; i++) {
		t->live[i].next = gs_rd_i64(&rd);
		uint8_t started = gs_rd_u8(&rd);
		t->live[i].started = started;
		t->live[i].late_posts = gs_rd_u64(&rd);
		if (started > 1)
			rd.err = GS_EFORMAT;
	}
	if (rd.err || gs_rd_left(&rd))
		goto out;
	r = 0;
	for (; t->n < n; t->n++) {
		struct gs_trend *d = gs_trend_load(f, &r);
		if (!d)
			break;
		t->t[t->n] = d;
		/* the position read above, kept over what init sets */
		struct gs_trend_live saved = t->live[t->n];
		gs_trend_live_init(&t->live[t->n], l->v[t->n].e, d,
				   lateness_buckets);
		t->live[t->n].next = saved.next;
		t->live[t->n].started = saved.started;
		t->live[t->n].late_posts = saved.late_posts;
	}
out:
	free(pl);
	if (r) {
		gs_trend_langs_free(t);
		t = NULL;
	}
	if (err)
		*err = r;
	return t;
}
