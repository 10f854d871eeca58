/*
 * network_snapshot.c - a network's state saved and loaded (network.h's
 * gs_network_save and gs_network_load), in the checked envelope of
 * snapio.h; the layout is below and in docs/snapshot.md.
 */
#include "network_int.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/timeutil.h"
#include "input/fold.h"
#include "snapio.h"

/* ---- snapshots --------------------------------------------------------- */

/*
 * Payload of a "GSNW" section (version 2; little-endian; see
 * docs/snapshot.md):
 *   options   u32 kinds, u8 per_tag, u64 max_edges, max_nodes, i64
 *             bucket_ms, u64 repost_cache, u16 tag key length, key
 *   counters  u64 posts, posts_selected, weight_total, 4 x kind_total,
 *             edges_evicted, weight_evicted, evicted_max_weight,
 *             nodes_evicted, ids_skipped, reposts_unresolved, i64
 *             first_ms, last_ms
 *   nodes     u64 nslots, then per slot u8 live (0 or 1) and for a live
 *             one: u16 idlen, id, u64 posts, win, wout, i64 first_ms,
 *             last_ms, spells, u8 nspellings x (u64 count, u16 len, bytes)
 *   free list u64 n, n x u32 slot (the free slots, in the list's order)
 *   edges     u64 n, n x (u32 a, u32 b, 4 x u32 count, i64 last_ms,
 *             spells), in the array's order
 *   ring      u64 n, n x (u64 key, u8 matched, u8 ntags, ntags x u64), in
 *             FIFO order
 *   pending   u64 n, n x (u64 key, i64 time_ms, u16 len, account, u16
 *             len, target)
 *   handles   (version 2) the latest handle per account, as
 *             gs_handles_save writes it (handles.h); version 1 has none
 *   filter    (version 3) the filter tag's spellings: u8 n, n x (u64
 *             count, u16 len, bytes), as a node's; n is 0 without a
 *             filter. Versions 1 and 2 have none (their filter tag's
 *             display restarts from the posts read after the load)
 * where spells are u32 n, n x i64 bucket start. Slots, the free list and
 * both arrays keep their order, so that ties in later evictions fall the
 * same way as in the saved network.
 */
/* 2: handles (issue 12 part 1); 3: the filter tag's spellings; reads 1 */
#define NET_SNAP_VERSION 3
#define NET_SNAP_OLDEST	 1
#define NET_TIME_LIMIT	 (INT64_C(1) << 61)
#define NET_RING_MAX	 4194304u /* as the engine's snapshots */
#define NET_NODE_ID_MAX	 (TAGPRE_LEN + GS_NET_ID_MAX)

static void wr_spells(struct gs_wr *w, const struct spells *sp)
{
	gs_wr_u32(w, sp ? sp->n : 0);
	for (uint32_t i = 0; sp && i < sp->n; i++)
		gs_wr_i64(w, sp->b[i]);
}

/* A list of spellings: u8 n, n x (u64 count, u16 len, bytes). */
static void wr_labels(struct gs_wr *w, const struct spellings *l)
{
	int k = 0;
	while (l && k < SPELLINGS_MAX && l->s[k])
		k++;
	gs_wr_u8(w, (uint8_t)k);
	for (int j = 0; j < k; j++) {
		gs_wr_u64(w, l->count[j]);
		gs_wr_u16(w, l->len[j]);
		gs_wr_bytes(w, l->s[j], l->len[j]);
	}
}

static void net_body(struct gs_wr *w, const void *obj)
{
	const struct gs_network *n = obj;
	const struct gs_network_stats *s = &n->s;
	gs_wr_u32(w, n->o.kinds);
	gs_wr_u8(w, n->o.per_tag ? 1 : 0);
	gs_wr_u64(w, n->o.max_edges);
	gs_wr_u64(w, n->o.max_nodes);
	gs_wr_i64(w, n->o.bucket_ms);
	gs_wr_u64(w, n->o.repost_cache);
	gs_wr_u16(w, (uint16_t)(n->filter ? n->tagkeylen : 0));
	if (n->filter)
		gs_wr_bytes(w, n->tagkey, n->tagkeylen);
	gs_wr_u64(w, s->posts);
	gs_wr_u64(w, s->posts_selected);
	gs_wr_u64(w, s->weight_total);
	for (int k = 0; k < 4; k++)
		gs_wr_u64(w, s->kind_total[k]);
	gs_wr_u64(w, s->edges_evicted);
	gs_wr_u64(w, s->weight_evicted);
	gs_wr_u64(w, s->evicted_max_weight);
	gs_wr_u64(w, s->nodes_evicted);
	gs_wr_u64(w, s->ids_skipped);
	gs_wr_u64(w, s->reposts_unresolved);
	gs_wr_i64(w, s->first_ms);
	gs_wr_i64(w, s->last_ms);
	gs_wr_u64(w, n->nslots);
	for (size_t i = 0; i < n->nslots; i++) {
		const struct node *x = &n->nodes[i];
		gs_wr_u8(w, x->id ? 1 : 0);
		if (!x->id)
			continue;
		gs_wr_u16(w, x->idlen);
		gs_wr_bytes(w, x->id, x->idlen);
		gs_wr_u64(w, x->posts);
		gs_wr_u64(w, x->win);
		gs_wr_u64(w, x->wout);
		gs_wr_i64(w, x->first_ms);
		gs_wr_i64(w, x->last_ms);
		wr_spells(w, x->sp);
		wr_labels(w, x->lab);
	}
	gs_wr_u64(w, n->nfree);
	for (size_t i = 0; i < n->nfree; i++)
		gs_wr_u32(w, n->freelist[i]);
	gs_wr_u64(w, n->nedges);
	for (size_t i = 0; i < n->nedges; i++) {
		const struct edge *e = &n->edges[i];
		gs_wr_u32(w, e->a);
		gs_wr_u32(w, e->b);
		for (int k = 0; k < 4; k++)
			gs_wr_u32(w, e->c[k]);
		gs_wr_i64(w, e->last_ms);
		wr_spells(w, e->sp);
	}
	gs_wr_u64(w, n->rc.n);
	for (size_t i = 0; i < n->rc.n; i++) {
		const struct gs_repost_ent *e =
			gs_repost_cache_oldest(&n->rc, i);
		gs_wr_u64(w, e->key);
		gs_wr_u8(w, e->matched);
		gs_wr_u8(w, e->n);
		for (int k = 0; k < e->n && k < GS_REPOST_TAGS; k++)
			gs_wr_u64(w, e->tags[k]);
	}
	gs_wr_u64(w, n->rc.npending);
	for (size_t i = 0; i < n->rc.npending; i++) {
		const struct gs_repost_pending *pd = &n->rc.pending[i];
		gs_wr_u64(w, pd->key);
		gs_wr_i64(w, pd->time_ms);
		gs_wr_u16(w, pd->network.alen);
		gs_wr_bytes(w, pd->network.s, pd->network.alen);
		gs_wr_u16(w, pd->network.tlen);
		gs_wr_bytes(w, pd->network.s + pd->network.alen + 1,
			    pd->network.tlen);
	}
	gs_handles_save(w, &n->handles);
	wr_labels(w, n->filter ? n->filter_lab : NULL);
}

static int time_ok(int64_t t)
{
	return t >= -NET_TIME_LIMIT && t <= NET_TIME_LIMIT;
}

/* A node's or edge's time: in range, or the "never" of a new one. */
static int span_ok(int64_t first, int64_t last)
{
	return (first == INT64_MAX && last == INT64_MIN) ||
	       (time_ok(first) && time_ok(last) && first <= last);
}

int gs_network_save(const struct gs_network *n, FILE *f)
{
	/* what gs_network_load() would refuse is refused now, not at restart */
	if (n->o.repost_cache > NET_RING_MAX || n->o.bucket_ms > NET_TIME_LIMIT)
		return GS_EUSAGE;
	return gs_snap_write(f, "GSNW", NET_SNAP_VERSION, net_body, n);
}

#define NFAIL_IF(c)                                                            \
	do {                                                                   \
		if (c)                                                         \
			return GS_EFORMAT;                                     \
	} while (0)

/* nl spellings (wr_labels' list after its count) into *lp: distinct,
 * without a NUL, at most GS_NET_ID_MAX bytes each. */
static int rd_labels(struct gs_rd *rd, struct spellings **lp, uint8_t nl)
{
	for (uint8_t k = 0; k < nl; k++) {
		uint64_t c = gs_rd_u64(rd);
		uint16_t sl = gs_rd_u16(rd);
		const unsigned char *sp = gs_rd_take(rd, sl);
		if (!sp || sl > GS_NET_ID_MAX || memchr(sp, 0, sl))
			return GS_EFORMAT;
		for (uint8_t j = 0; j < k; j++)
			if ((*lp)->len[j] == sl &&
			    memcmp((*lp)->s[j], sp, sl) == 0)
				return GS_EFORMAT;
		if (gs_net_spellings_add(lp, (const char *)sp, sl, c))
			return GS_ENOMEM;
	}
	return 0;
}

static int rd_spells(struct gs_rd *rd, const struct gs_network *n,
		     struct spells **out)
{
	uint32_t k = gs_rd_u32(rd);
	NFAIL_IF(rd->err || (k && n->o.bucket_ms <= 0) ||
		 k > gs_rd_left(rd) / 8);
	for (uint32_t i = 0; i < k; i++) {
		int64_t b = gs_rd_i64(rd);
		NFAIL_IF(!time_ok(b) ||
			 gs_time_bucket(b, n->o.bucket_ms) != b ||
			 (*out && (*out)->b[(*out)->n - 1] >= b));
		if (gs_net_spells_add(out, b))
			return GS_ENOMEM;
	}
	return 0;
}

/* The version of the section being loaded (gs_network_load, on this
 * thread), for net_decode. */
static _Thread_local uint32_t net_load_version = NET_SNAP_VERSION;

static int net_decode(struct gs_rd *rd, struct gs_network **out)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = gs_rd_u32(rd);
	uint8_t per_tag = gs_rd_u8(rd);
	o.per_tag = per_tag;
	o.max_edges = (size_t)gs_rd_u64(rd);
	o.max_nodes = (size_t)gs_rd_u64(rd);
	o.bucket_ms = gs_rd_i64(rd);
	uint64_t rc = gs_rd_u64(rd);
	uint16_t klen = gs_rd_u16(rd);
	const unsigned char *key = klen ? gs_rd_take(rd, klen) : NULL;
	NFAIL_IF(rd->err || per_tag > 1 || rc > NET_RING_MAX ||
		 klen > GS_TAG_MAX || o.bucket_ms > NET_TIME_LIMIT ||
		 (key && memchr(key, 0, klen)));
	o.repost_cache = (size_t)rc;
	char tag[GS_TAG_MAX + 1];
	if (klen) {
		memcpy(tag, key, klen);
		tag[klen] = 0;
		o.tag = tag;
	}
	struct gs_network *n = gs_network_new(&o);
	NFAIL_IF(!n); /* options gs_network_new() refuses (or out of memory) */
	*out = n;
	/* the key must be a folded key: folding it again gives itself */
	NFAIL_IF(klen &&
		 (n->tagkeylen != klen || memcmp(n->tagkey, tag, klen) != 0));
	struct gs_network_stats *s = &n->s;
	s->posts = gs_rd_u64(rd);
	s->posts_selected = gs_rd_u64(rd);
	s->weight_total = gs_rd_u64(rd);
	for (int k = 0; k < 4; k++)
		s->kind_total[k] = gs_rd_u64(rd);
	s->edges_evicted = gs_rd_u64(rd);
	s->weight_evicted = gs_rd_u64(rd);
	s->evicted_max_weight = gs_rd_u64(rd);
	s->nodes_evicted = gs_rd_u64(rd);
	s->ids_skipped = gs_rd_u64(rd);
	s->reposts_unresolved = gs_rd_u64(rd);
	s->first_ms = gs_rd_i64(rd);
	s->last_ms = gs_rd_i64(rd);
	uint64_t nslots = gs_rd_u64(rd);
	/* a slot takes at least a byte, so the array is paid for by the file
	 * (80 bytes per byte); not bounded by max_nodes: a merge of a larger
	 * network leaves that many slots, most of them free, behind */
	NFAIL_IF(rd->err || !span_ok(s->first_ms, s->last_ms) ||
		 nslots > gs_rd_left(rd) || nslots > UINT32_MAX / 2);
	if (nslots) {
		n->nodes = calloc((size_t)nslots, sizeof *n->nodes);
		if (!n->nodes)
			return GS_ENOMEM;
		n->nodes_cap = (size_t)nslots;
		if (gs_net_nidx_rebuild(n, (size_t)nslots))
			return GS_ENOMEM;
	}
	for (uint64_t i = 0; i < nslots; i++) {
		struct node *x = &n->nodes[i];
		n->nslots = (size_t)i + 1; /* what gs_network_free() releases */
		uint8_t live = gs_rd_u8(rd);
		NFAIL_IF(rd->err || live > 1);
		if (!live)
			continue;
		uint16_t len = gs_rd_u16(rd);
		const unsigned char *id = gs_rd_take(rd, len);
		NFAIL_IF(!id || !len || len > NET_NODE_ID_MAX ||
			 memchr(id, 0, len));
		uint64_t h = XXH3_64bits(id, len);
		uint32_t *slot = gs_net_node_slot(n, h, (const char *)id, len);
		NFAIL_IF(*slot); /* the same id twice */
		if (!(x->id = malloc((size_t)len + 1)))
			return GS_ENOMEM;
		memcpy(x->id, id, len);
		x->id[len] = 0;
		x->idlen = len;
		x->hash = h;
		*slot = (uint32_t)i + 1;
		n->nlive++;
		x->posts = gs_rd_u64(rd);
		x->win = gs_rd_u64(rd);
		x->wout = gs_rd_u64(rd);
		x->first_ms = gs_rd_i64(rd);
		x->last_ms = gs_rd_i64(rd);
		NFAIL_IF(rd->err || !span_ok(x->first_ms, x->last_ms));
		int r = rd_spells(rd, n, &x->sp);
		if (r)
			return r;
		uint8_t nl = gs_rd_u8(rd);
		NFAIL_IF(rd->err || nl > SPELLINGS_MAX ||
			 (nl && o.kinds != GS_NET_COTAGS));
		if ((r = rd_labels(rd, &x->lab, nl)))
			return r;
	}
	NFAIL_IF(n->nlive > o.max_nodes);
	uint64_t nfree = gs_rd_u64(rd);
	NFAIL_IF(rd->err || nfree != nslots - n->nlive ||
		 nfree > gs_rd_left(rd) / 4);
	if (nfree) {
		if (!(n->freelist =
			      malloc((size_t)nfree * sizeof *n->freelist)))
			return GS_ENOMEM;
		n->freelist_cap = (size_t)nfree;
	}
	for (uint64_t i = 0; i < nfree; i++) {
		uint32_t v = gs_rd_u32(rd);
		NFAIL_IF(rd->err || v >= nslots || n->nodes[v].id ||
			 n->nodes[v].nedges);
		n->nodes[v].nedges =
			1; /* marks it listed (a free slot has none) */
		n->freelist[n->nfree++] = v;
	}
	for (uint64_t i = 0; i < nfree; i++)
		n->nodes[n->freelist[i]].nedges = 0;
	uint64_t ne = gs_rd_u64(rd);
	NFAIL_IF(rd->err || ne > o.max_edges || ne > gs_rd_left(rd) / 36);
	if (ne) {
		if (!(n->edges = malloc((size_t)ne * sizeof *n->edges)))
			return GS_ENOMEM;
		n->edges_cap = (size_t)ne;
		if (gs_net_eidx_rebuild(n, (size_t)ne))
			return GS_ENOMEM;
	}
	for (uint64_t i = 0; i < ne; i++) {
		uint32_t a = gs_rd_u32(rd), b = gs_rd_u32(rd);
		NFAIL_IF(rd->err || a >= nslots || b >= nslots || a == b ||
			 !n->nodes[a].id || !n->nodes[b].id ||
			 *gs_net_edge_slot(n, a, b));
		struct edge *e = gs_net_edge_get(
			n, a, b); /* no growth: capacity is ne */
		if (!e)
			return GS_ENOMEM;
		for (int k = 0; k < 4; k++)
			e->c[k] = gs_rd_u32(rd);
		e->last_ms = gs_rd_i64(rd);
		NFAIL_IF(rd->err ||
			 (o.kinds == GS_NET_COTAGS &&
			  (e->c[1] || e->c[2] || e->c[3])) ||
			 !(time_ok(e->last_ms) || e->last_ms == INT64_MIN));
		int r = rd_spells(rd, n, &e->sp);
		if (r)
			return r;
	}
	uint64_t nr = gs_rd_u64(rd);
	NFAIL_IF(rd->err || nr > rc || nr > gs_rd_left(rd) / 10);
	for (uint64_t i = 0; i < nr; i++) {
		struct gs_repost_ent e;
		memset(&e, 0, sizeof e);
		e.key = gs_rd_u64(rd);
		e.matched = gs_rd_u8(rd);
		e.n = gs_rd_u8(rd);
		NFAIL_IF(rd->err || e.matched > 1 || !e.n ||
			 e.n > GS_REPOST_TAGS ||
			 gs_repost_cache_find(&n->rc, e.key));
		for (int k = 0; k < e.n; k++)
			e.tags[k] = gs_rd_u64(rd);
		NFAIL_IF(rd->err);
		if (gs_repost_cache_put(&n->rc, &e))
			return GS_ENOMEM;
	}
	uint64_t np = gs_rd_u64(rd);
	NFAIL_IF(rd->err || np > GS_REPOST_PENDING_MAX ||
		 np > gs_rd_left(rd) / 20);
	for (uint64_t i = 0; i < np; i++) {
		struct gs_post p;
		memset(&p, 0, sizeof p);
		uint64_t k = gs_rd_u64(rd);
		p.time_ms = gs_rd_i64(rd);
		p.account.n = gs_rd_u16(rd);
		p.account.p = (const char *)gs_rd_take(rd, p.account.n);
		p.repost_account.n = gs_rd_u16(rd);
		p.repost_account.p =
			(const char *)gs_rd_take(rd, p.repost_account.n);
		NFAIL_IF(rd->err || !p.account.p || !p.repost_account.p ||
			 p.account.n > GS_NET_ID_MAX ||
			 p.repost_account.n > GS_NET_ID_MAX ||
			 !time_ok(p.time_ms) ||
			 memchr(p.account.p, 0, p.account.n) ||
			 memchr(p.repost_account.p, 0, p.repost_account.n));
		if (gs_net_pending_push(n, &p, k))
			return GS_ENOMEM;
	}
	if (net_load_version >= 2) {
		int r = gs_handles_load(rd, &n->handles);
		if (r)
			return r;
		NFAIL_IF(n->handles.max != n->o.max_nodes);
	}
	if (net_load_version >= 3) {
		uint8_t nl = gs_rd_u8(rd);
		NFAIL_IF(rd->err || nl > SPELLINGS_MAX || (nl && !n->filter));
		int r = rd_labels(rd, &n->filter_lab, nl);
		if (r)
			return r;
	}
	NFAIL_IF(gs_rd_left(rd));
	return 0;
}

static int net_decode_v(struct gs_rd *rd, uint32_t v, void **out)
{
	struct gs_network *x = NULL;
	net_load_version = v;
	int r = net_decode(rd, &x);
	*out = x;
	return r;
}

static void gs_network_free_v(void *x)
{
	gs_network_free(x);
}

struct gs_network *gs_network_load(FILE *f, int *err)
{
	struct gs_network *x =
		gs_snap_load_since(f, "GSNW", NET_SNAP_OLDEST, NET_SNAP_VERSION,
				   net_decode_v, NULL, gs_network_free_v, err);
	return x;
}
