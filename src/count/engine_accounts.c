/*
 * engine_accounts.c - derived account sets (issue 17; engine_int.h states
 * the rule, docs/performance.md's fourth round the measurements): a tag's
 * distinct accounts as the union of its buckets' exact sets while they are
 * all sets, and the tag's own sketch made from them when one could turn
 * dense. Split from engine.c (its size); engine.c calls these when it adds,
 * shrinks and merges, engine_query.c and engine_snapshot.c when they read,
 * save and load.
 */
#include "engine_int.h"

int gs_engine_tag_union(const struct tag *t, struct gs_hll *out)
{
	gs_hll_init(out, t->accounts.p);
	for (uint32_t i = 0; i < t->tl_n; i++) {
		int r = gs_hll_add_members(out, &t->tl[i].acc);
		if (r) {
			gs_hll_release(out);
			gs_hll_init(out, t->accounts.p);
			return r;
		}
	}
	return 0;
}

const struct gs_hll *gs_engine_tag_accounts(const struct tag *t,
					    struct gs_hll *tmp)
{
	gs_hll_init(tmp, t->accounts.p);
	if (!t->acc_derived)
		return &t->accounts;
	for (uint32_t i = 0; i < t->tl_n; i++)
		if (gs_hll_add_members(tmp, &t->tl[i].acc))
			break; /* out of memory: a lower bound */
	return tmp;
}

int gs_engine_tag_derive(struct tag *t)
{
	struct gs_hll u;
	for (uint32_t i = 0; i < t->tl_n; i++)
		if (t->tl[i].acc.dense)
			return 0;
	int r = gs_engine_tag_union(t, &u);
	if (r)
		return r == GS_EUSAGE ? 0 : r;
	if (gs_hll_equal(&u, &t->accounts)) {
		unsigned p = t->accounts.p;
		gs_hll_release(&t->accounts);
		gs_hll_init(&t->accounts, p);
		t->acc_derived = 1;
	}
	gs_hll_release(&u);
	return 0;
}

int gs_engine_tag_materialize(struct tag *t)
{
	struct gs_hll u;
	if (!t->acc_derived)
		return 0;
	int r = gs_engine_tag_union(t, &u);
	if (r)
		return r;
	gs_hll_release(&t->accounts);
	t->accounts = u;
	t->acc_derived = 0;
	return 0;
}

int gs_engine_may_densify(const struct tag *d, const struct tag *s)
{
	if (!s->tl_n || !d->tl_n || d->tl[d->tl_n - 1].t < s->tl[0].t)
		return 0; /* no bucket in both (a later part's) */
	for (uint32_t i = 0; i < s->tl_n; i++) {
		uint32_t j = tl_lower_bound(d, s->tl[i].t);
		if (j == d->tl_n || d->tl[j].t != s->tl[i].t)
			continue;
		const struct gs_hll *a = &d->tl[j].acc, *b = &s->tl[i].acc;
		unsigned p = a->p < b->p ? a->p : b->p;
		if (a->dense || b->dense ||
		    (uint32_t)a->n + b->n > gs_hll_exact_max(p))
			return 1;
	}
	return 0;
}
