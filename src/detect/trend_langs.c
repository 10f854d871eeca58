/*
 * trend_langs.c - one detector per language (trend_langs.h): made as the
 * languages appear, fed live post by post or run over each engine.
 */
#include <stdlib.h>

#include "trend_langs.h"

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
