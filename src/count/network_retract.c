/*
 * network_retract.c - takes a deleted post back out of a network (issue 12
 * part 5: deletions), as gs_network_add() put it in.
 *
 * What is undone: the posts seen and selected, the author node's posts,
 * and each interaction the post counted (a reply, a mention, a repost, a
 * quote; co-tag pairs in a co-tag network) on its edge, with the nodes'
 * in and out weights and the totals by kind. Where the node or the edge
 * was evicted since, there is nothing to take back (its weight went with
 * it, to the evicted figures). What is not undone: the spans (first and
 * last times, spells) of nodes and edges; an edge whose interactions were
 * all retracted stays held with weight 0, which every answer leaves out
 * (min_weight is at least 1), and goes at the next eviction as the
 * lightest. A Bluesky repost is retracted under the tags it was counted
 * under (gs_network_repost_hashes, asked before it was added); one that
 * was unresolved is taken off reposts_unresolved (it stays pending for a
 * merge).
 */
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "network_int.h"

static void dec(uint64_t *v, uint64_t by)
{
	*v = *v > by ? *v - by : 0;
}

static int64_t node_find(const struct gs_network *n, const char *id, size_t len)
{
	uint32_t v = *gs_net_node_slot(n, XXH3_64bits(id, len), id, len);
	return v ? (int64_t)v - 1 : -1;
}

/* The node of account id (with a per-tag prefix: in that tag's network),
 * or -1 when it is not held. */
static int64_t account_find(const struct gs_network *n, struct gs_str id,
			    const char *pre)
{
	if (!pre)
		return node_find(n, id.p, id.n);
	char buf[TAGPRE_LEN + GS_NET_ID_MAX];
	memcpy(buf, pre, TAGPRE_LEN);
	memcpy(buf + TAGPRE_LEN, id.p, id.n);
	return node_find(n, buf, TAGPRE_LEN + id.n);
}

/* One interaction of kind k less on a -> b, if the edge is held. */
static void edge_dec(struct gs_network *n, uint32_t a, uint32_t b, int k)
{
	uint32_t v = *gs_net_edge_slot(n, a, b);
	if (!v)
		return;
	struct edge *e = &n->edges[v - 1];
	if (!e->c[k])
		return;
	if (e->c[k] != UINT32_MAX) /* saturated: the truth is unknown */
		e->c[k]--;
	dec(&n->nodes[a].wout, 1);
	if (n->o.kinds == GS_NET_COTAGS)
		dec(&n->nodes[b].wout, 1);
	else
		dec(&n->nodes[b].win, 1);
	dec(&n->s.weight_total, 1);
	dec(&n->s.kind_total[k], 1);
}

static int str_eq(struct gs_str a, struct gs_str b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* add_accounts (network.c) backwards. */
static void retract_accounts(struct gs_network *n, const struct gs_post *p,
			     const char *pre)
{
	struct gs_net_target t[GS_NET_TARGETS_MAX];
	unsigned k = n->o.kinds;
	if (p->account.n > GS_NET_ID_MAX) {
		dec(&n->s.ids_skipped, 1);
		return;
	}
	size_t nt = gs_net_targets(p, k, t);
	int64_t a = account_find(n, p->account, pre);
	if (a >= 0)
		dec(&n->nodes[a].posts, 1);
	for (size_t i = 0; i < nt; i++) {
		if (str_eq(t[i].id, p->account))
			continue;
		if (t[i].id.n > GS_NET_ID_MAX) {
			dec(&n->s.ids_skipped, 1);
			continue;
		}
		int64_t b = account_find(n, t[i].id, pre);
		if (a >= 0 && b >= 0)
			edge_dec(n, (uint32_t)a, (uint32_t)b, t[i].kind);
	}
}

/* add_cotags (network.c) backwards: the tag nodes' posts and the pairs. */
static void retract_cotags(struct gs_network *n, const uint64_t *hs,
			   const char (*keys)[GS_TAG_MAX], const size_t *klen,
			   size_t nt)
{
	uint32_t ix[GS_POST_MAX_TAGS];
	size_t k = 0;
	for (size_t i = 0; i < nt; i++) {
		uint32_t v = *gs_net_node_slot(n, hs[i], keys ? keys[i] : NULL,
					       keys ? klen[i] : 0);
		if (!v)
			continue;
		dec(&n->nodes[v - 1].posts, 1);
		ix[k++] = v - 1;
	}
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++) {
			uint32_t a = ix[i], b = ix[j];
			gs_net_node_order(n, &a, &b);
			edge_dec(n, a, b, 0);
		}
}

static int is_bsky_repost(const struct gs_post *p)
{
	return p->format == GS_FORMAT_JETSTREAM &&
	       (p->flags & GS_POST_REPOST) && p->ntags == 0 && p->repost_rkey.n;
}

size_t gs_network_repost_hashes(const struct gs_network *n,
				const struct gs_post *p, uint64_t *out,
				size_t max, int *matched)
{
	*matched = 0;
	if (!is_bsky_repost(p))
		return 0;
	const struct gs_repost_ent *e = gs_repost_cache_find(
		&n->rc, gs_repost_key(p->repost_did, p->repost_rkey));
	if (!e)
		return 0;
	*matched = e->matched;
	size_t k = e->n < max ? e->n : max;
	for (size_t i = 0; i < k; i++)
		out[i] = e->tags[i];
	return k;
}

int gs_network_retract(struct gs_network *n, const struct gs_post *p,
		       const uint64_t *hashes, size_t nh, int matched)
{
	uint64_t hs[GS_POST_MAX_TAGS];
	char keys[GS_POST_MAX_TAGS][GS_TAG_MAX];
	size_t klen[GS_POST_MAX_TAGS];
	size_t nt = 0;
	int bsky = is_bsky_repost(p);
	dec(&n->s.posts, 1);
	if (!n->filter && n->o.kinds != GS_NET_COTAGS && !n->o.per_tag) {
		dec(&n->s.posts_selected, 1);
		retract_accounts(n, p, NULL);
		return 0;
	}
	matched |= !n->filter;
	if (bsky) {
		if (!nh) {
			dec(&n->s.reposts_unresolved, 1);
			return 0;
		}
		for (size_t i = 0; i < nh && i < GS_POST_MAX_TAGS; i++)
			hs[nt++] = hashes[i];
	} else {
		for (size_t i = 0; i < p->ntags && i < GS_POST_MAX_TAGS; i++) {
			ssize_t k =
				gs_fold(p->tags[i].p, p->tags[i].n, keys[nt]);
			if (k <= 0)
				continue;
			uint64_t h = XXH3_64bits(keys[nt], (size_t)k);
			size_t j;
			for (j = 0; j < nt; j++)
				if (hs[j] == h && klen[j] == (size_t)k &&
				    memcmp(keys[j], keys[nt], (size_t)k) == 0)
					break;
			if (j < nt)
				continue;
			hs[nt] = h;
			klen[nt] = (size_t)k;
			if (n->filter && h == n->taghash &&
			    (size_t)k == n->tagkeylen &&
			    memcmp(keys[nt], n->tagkey, (size_t)k) == 0)
				matched = 1;
			nt++;
		}
	}
	if (!matched || (n->o.per_tag && !nt))
		return 0;
	dec(&n->s.posts_selected, 1);
	if (n->o.kinds == GS_NET_COTAGS) {
		retract_cotags(n, hs,
			       bsky ? NULL : (const char(*)[GS_TAG_MAX])keys,
			       klen, nt);
		return 0;
	}
	if (!n->o.per_tag) {
		retract_accounts(n, p, NULL);
		return 0;
	}
	for (size_t i = 0; i < nt; i++) {
		char pre[TAGPRE_LEN + 1];
		snprintf(pre, sizeof pre,
			 "%016llx:", (unsigned long long)hs[i]);
		retract_accounts(n, p, pre);
	}
	return 0;
}
