/*
 * engine_retract.c - takes a post back (issue 12 part 5: deletions): what
 * gs_engine_add() counted for a post that its author deleted since.
 *
 * What a retraction undoes, exactly: the post counters of the whole input
 * (posts, reposts, replies, quotes, tagged posts, tag uses, tags dropped
 * and invalid), the post in its bucket of the global timeline, and for
 * each of its tags still tracked the tag's posts, reposts, replies and
 * quotes, its bucket's posts, and its spelling's count.
 *
 * What it undoes as far as the summaries allow: co-tags, languages,
 * mentions and reposted posts are Space-Saving summaries. The entry of the
 * post's item, when held, loses one (and an entry down to 0 goes); an item
 * no longer held lost its count to eviction already. A shown count (count -
 * err) stays a lower bound of the truth: the retracted occurrence was
 * counted in the entry or had been given away with it, and err is kept no
 * larger than count. What is weakened is the promise that an item more
 * frequent than 1/k of the tag's posts is listed: a decrement can leave an
 * entry below an item evicted earlier, by at most the retractions since.
 *
 * What it cannot undo: the distinct-account sketches (HyperLogLog) cannot
 * forget an account, so accounts of the input, of a tag and of its buckets
 * stay as they were; every answer still shows accounts no larger than the
 * exact posts (clamp_to), so a tag whose posts were all retracted shows 0
 * accounts, and one left with a few shows no more accounts than posts. The
 * tag's first and last times stay. A retracted post that was a tag's
 * earliest example, or a reposted post among its examples, is removed from
 * them, so that a deleted post's id is never shown. A tag evicted since the
 * post was counted has nothing to take back (a tag counted anew since then
 * is never taken below 0). A Bluesky repost that was unresolved is taken
 * off reposts_unresolved; it stays in the pending list of a later merge.
 *
 * Trends: the detector reads a bucket's counts when it closes it, so a
 * retraction in an open bucket is seen by the scores; a closed bucket is
 * history: its counts change, the trend events already given do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/timeutil.h"
#include "engine_int.h"
#include "input/fold.h"

static void dec(uint64_t *v, uint64_t by)
{
	*v = *v > by ? *v - by : 0;
}

/* Takes entry i out of a summary: the last entry (and its name) moves into
 * its place. */
static void topk_remove_at(struct topk *t, uint16_t i)
{
	t->n--;
	t->v[i] = t->v[t->n];
	if (t->w == TOPK_VAR && t->vnames) {
		if (t->vnames[i])
			t->nb = (uint16_t)(t->nb - (strlen(t->vnames[i]) + 1));
		free(t->vnames[i]);
		t->vnames[i] = t->vnames[t->n];
		t->vnames[t->n] = NULL;
	} else if (t->names && i != t->n) {
		memcpy(topk_name(t, i), topk_name(t, t->n), t->w);
	}
}

/* Space-Saving: one occurrence of key less (see above). */
static void topk_dec(struct topk *t, uint64_t key)
{
	for (uint16_t i = 0; i < t->n; i++) {
		struct topk_ent *v = &t->v[i];
		if (v->key != key)
			continue;
		if (v->count != UINT32_MAX)
			v->count--;
		if (v->err > v->count)
			v->err = v->count;
		if (v->count == 0)
			topk_remove_at(t, i);
		return;
	}
}

/* Removes key's entry altogether (a deleted post among the examples). */
static void topk_drop(struct topk *t, uint64_t key)
{
	for (uint16_t i = 0; i < t->n; i++)
		if (t->v[i].key == key) {
			topk_remove_at(t, i);
			return;
		}
}

/* One post less in bucket b of t: its posts, and its reposts or replies
 * (flags as the post's). */
static void bucket_dec(struct tag *t, int64_t b, unsigned flags)
{
	uint32_t i = tl_lower_bound(t, b);
	if (i >= t->tl_n || t->tl[i].t != b)
		return;
	struct bucket *k = &t->tl[i];
	dec(&k->posts, 1);
	if ((flags & GS_POST_REPOST) && k->reposts)
		k->reposts--;
	else if (!(flags & GS_POST_REPOST) && (flags & GS_POST_REPLY) &&
		 k->replies)
		k->replies--;
}

size_t gs_engine_repost_hashes(const struct gs_engine *e,
			       const struct gs_post *p, uint64_t *out,
			       size_t max)
{
	if (!(p->flags & GS_POST_REPOST) || !p->repost_rkey.n)
		return 0;
	const struct gs_repost_ent *re = gs_repost_cache_find(
		&e->rc, gs_repost_key(p->repost_did, p->repost_rkey));
	if (!re)
		return 0;
	size_t n = re->n < max ? re->n : max;
	for (size_t i = 0; i < n; i++)
		out[i] = re->tags[i];
	return n;
}

/* The id under which reposts name the post p in the tags' summaries of
 * reposted posts (Bluesky: its at:// URI). */
static uint64_t reposted_key(const struct gs_post *p)
{
	if (p->post_rkey.n) {
		char uri[512];
		int n = snprintf(uri, sizeof uri,
				 "at://%.*s/app.bsky.feed.post/%.*s",
				 (int)p->post_did.n, p->post_did.p,
				 (int)p->post_rkey.n, p->post_rkey.p);
		if (n < 0 || (size_t)n >= sizeof uri)
			return 0;
		return XXH3_64bits(uri, (size_t)n);
	}
	return p->id.n ? XXH3_64bits(p->id.p, p->id.n) : 0;
}

int gs_engine_retract(struct gs_engine *e, const struct gs_post *p,
		      const uint64_t *hashes, size_t nh)
{
	struct tag *tags[GS_POST_MAX_TAGS];
	uint64_t used[GS_POST_MAX_TAGS];
	size_t nt = 0, nused = 0;
	int repost = (p->flags & GS_POST_REPOST) != 0;
	int64_t b = gs_time_bucket(p->time_ms, e->o.bucket_ms);

	dec(&e->s.posts, 1);
	if (repost)
		dec(&e->s.reposts, 1);
	else if (p->flags & GS_POST_REPLY)
		dec(&e->s.replies, 1);
	if (!repost && (p->flags & GS_POST_QUOTE))
		dec(&e->s.quotes, 1);
	bucket_dec(e->global, b, p->flags);
	dec(&e->s.tags_dropped, p->tags_dropped);

	if (repost && p->repost_rkey.n) {
		/* Bluesky: the tags it was counted under, as the caller
		 * found them before it was counted */
		if (!nh) {
			dec(&e->s.reposts_unresolved, 1);
			return 0;
		}
		for (size_t i = 0; i < nh && nt < GS_POST_MAX_TAGS; i++) {
			struct tag *t = *find_slot(e, hashes[i], NULL, 0);
			if (t)
				tags[nt++] = t;
			nused = nt; /* as gs_engine_add found them */
		}
	} else {
		char key[GS_TAG_MAX];
		for (size_t i = 0; i < p->ntags; i++) {
			ssize_t kn = gs_fold(p->tags[i].p, p->tags[i].n, key);
			if (kn <= 0) {
				dec(&e->s.tags_invalid, 1);
				continue;
			}
			uint64_t h = XXH3_64bits(key, (size_t)kn);
			size_t k;
			for (k = 0; k < nused && used[k] != h; k++)
				;
			if (k < nused)
				continue; /* a post uses a tag once */
			used[nused++] = h;
			struct tag *t = *find_slot(e, h, key, (size_t)kn);
			if (!t)
				continue; /* evicted since */
			for (int s = 0; s < SPELLINGS_MAX && t->sp[s]; s++)
				if (t->sp[s]->n == p->tags[i].n &&
				    memcmp(t->sp[s]->s, p->tags[i].p,
					   p->tags[i].n) == 0) {
					dec(&t->sp[s]->count, 1);
					break;
				}
			tags[nt++] = t;
		}
	}
	if (!nused)
		return 0;
	/* the uses of tags evicted since were counted too */
	dec(&e->s.tagged_posts, 1);
	dec(&e->s.tag_uses, nused);
	uint64_t lid = gs_engine_lang_find(e, p->lang);
	uint64_t rk = repost ? 0 : reposted_key(p);
	uint64_t rid = p->repost_id.n
			       ? XXH3_64bits(p->repost_id.p, p->repost_id.n)
			       : 0;
	for (size_t i = 0; i < nt; i++) {
		struct tag *t = tags[i];
		if (!t->posts)
			continue; /* counted anew since: nothing of it here */
		t->posts--;
		if (repost)
			dec(&t->reposts, 1);
		else if (p->flags & GS_POST_REPLY)
			dec(&t->replies, 1);
		if (!repost && (p->flags & GS_POST_QUOTE))
			dec(&t->quotes, 1);
		bucket_dec(t, b, p->flags);
		if (lid)
			topk_dec(&t->langs, lid);
		for (size_t m = 0; m < p->nmentions; m++)
			topk_dec(&t->ment, XXH3_64bits(p->mentions[m].p,
						       p->mentions[m].n));
		for (size_t k = 0; k < nt; k++)
			if (k != i)
				topk_dec(&t->cot, tags[k]->hash);
		if (rid)
			topk_dec(&t->rep, rid);
		if (rk)
			topk_drop(&t->rep, rk);
		if (!repost && t->first_id && p->id.n) {
			size_t n =
				p->id.n < NAME_MAX_ ? p->id.n : NAME_MAX_ - 1;
			if (strlen(t->first_id) == n &&
			    memcmp(t->first_id, p->id.p, n) == 0) {
				e->mem -= n + 1;
				free(t->first_id);
				t->first_id = NULL;
				t->first_id_ms = INT64_MAX;
			}
		}
	}
	return 0;
}
