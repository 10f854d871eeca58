/*
 * engine_union.c - read-only answers over several tags at once: the
 * distinct accounts of a union of tags (a movement), all time or in one
 * bucket. An added accessor beside engine_query.c's answers; it reads the
 * engine through engine_int.h and changes nothing.
 *
 * The union is that of the tags' sketches (hll.h): exact sets' union,
 * registers' maximum, at the lowest precision among them; so it is what
 * one sketch fed every post of every tag would hold, never a sum, and it
 * merges exactly as the tags' sketches do.
 */
#include "engine_int.h"

#include <stdlib.h>

int gs_engine_union_accounts(const struct gs_engine *e, const char *const *keys,
			     size_t n, int64_t bucket_ms, double *accounts,
			     double *rse)
{
	struct gs_hll u;
	int all = bucket_ms == INT64_MIN;
	gs_hll_init(&u, all ? e->o.hll_p : e->o.bucket_hll_p);
	uint64_t posts = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tag *t = tag_lookup(e, keys[i]);
		if (!t)
			continue;
		const struct gs_hll *h = NULL;
		struct gs_hll tmp; /* a derived tag's union (engine_int.h) */
		gs_hll_init(&tmp, e->o.hll_p);
		if (all) {
			h = gs_engine_tag_accounts(t, &tmp);
			posts += t->posts;
		} else {
			uint32_t b = tl_lower_bound(t, bucket_ms);
			if (b < t->tl_n && t->tl[b].t == bucket_ms) {
				h = &t->tl[b].acc;
				posts += t->tl[b].posts;
			}
		}
		int r = h ? gs_hll_merge(&u, h) : 0;
		gs_hll_release(&tmp);
		if (r) {
			gs_hll_release(&u);
			return GS_ENOMEM;
		}
	}
	/* never above the posts (each post has one author) */
	*accounts = clamp_to(gs_hll_estimate(&u), posts);
	*rse = gs_hll_is_exact(&u) ? 0 : gs_hll_rse(u.p);
	gs_hll_release(&u);
	return 0;
}
