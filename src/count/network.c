/*
 * network.c - reply, mention, repost, quote and co-hashtag networks (see
 * network.h): counting, merging and per-tag extracts. Snapshots are in
 * network_snapshot.c; the writers (CSV, JSON, GEXF, GraphML, summary) are
 * in the output layer (out/network_write.h) and read the held graph
 * through network_int.h.
 *
 * Design
 *   Nodes live in an array (dead slots are reused through a free list) with
 *   an open-addressing index keyed by the xxh3 hash of the account id or
 *   folded tag key. Edges live in a dense array of 40-byte records (two node
 *   indices, four per-kind counts, the last time seen, optional spells)
 *   with an open-addressing index keyed by the hashes of their two nodes.
 *   About 130 bytes per node and 60 per edge, so the default caps (1M
 *   nodes, 2M edges) bound a network near 250 MB; a merge may hold src's
 *   nodes and edges on top until the caps are enforced at its end.
 *
 * Eviction
 *   Like the engine's tags: when a post could take the graph past a cap,
 *   the tenth of the edges (nodes) with the smallest priority goes, where
 *   the priority is the weight (weighted degree) and then the last time
 *   seen, packed in one 64-bit key; a quickselect finds the cut, so an
 *   eviction costs O(edges). Exactly a tenth goes even when all weights
 *   are equal (most edges weigh 1), so memory stays bounded.
 *
 * Bluesky reposts
 *   They carry no tags; with a tag filter or for co-tags, the tags of the
 *   original are taken from the repost cache (repost_cache.h: the last
 *   repost_cache tagged posts, with whether each used the filter tag). A
 *   repost whose original this network has not seen waits in the cache's
 *   pending list until a merge, where the network holding the earlier part
 *   of the stream may know it (as in engine.c).
 */
#include "network_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "input/fold.h"
#include "repost_cache.h"
#include "snapio.h"
#include "base/timeutil.h"

#define PRIO_TIME_BITS 41 /* about 70 years of milliseconds */
#define PRIO_W_MAX ((UINT64_C(1) << (64 - PRIO_TIME_BITS)) - 1)

static void node_release(struct node *x);
static void spellings_free(struct spellings *l);

void gs_network_options_init(struct gs_network_options *o)
{
	o->kinds = GS_NET_ACCOUNTS;
	o->tag = NULL;
	o->max_edges = 2000000;
	o->max_nodes = 1000000;
	o->bucket_ms = 0;
	o->repost_cache = 262144;
	o->per_tag = 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

static int kinds_valid(unsigned k)
{
	return k == GS_NET_COTAGS || (k && !(k & ~(unsigned)GS_NET_ACCOUNTS));
}

struct gs_network *gs_network_new(const struct gs_network_options *opt)
{
	struct gs_network_options def;
	if (!opt) {
		gs_network_options_init(&def);
		opt = &def;
	}
	if (!kinds_valid(opt->kinds) || opt->max_edges < 1024 ||
	    opt->max_nodes < 64 || opt->max_nodes > UINT32_MAX / 2 ||
	    opt->max_edges > UINT32_MAX / 2 || opt->bucket_ms < 0 ||
	    opt->repost_cache > (1u << 30) ||
	    (opt->per_tag && (opt->kinds == GS_NET_COTAGS || (opt->tag && opt->tag[0]))))
		return NULL;
	struct gs_network *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->o = *opt;
	n->o.tag = NULL; /* the folded key is kept instead */
	gs_repost_cache_init(&n->rc, opt->repost_cache);
	gs_handles_init(&n->handles, opt->max_nodes);
	if (opt->tag && opt->tag[0]) {
		ssize_t k = gs_fold_arg(opt->tag, strlen(opt->tag), n->tagkey);
		if (k <= 0) {
			free(n);
			return NULL;
		}
		n->tagkeylen = (size_t)k;
		n->tagkey[k] = 0;
		n->taghash = XXH3_64bits(n->tagkey, n->tagkeylen);
		n->filter = 1;
	}
	n->nidx_n = 1024;
	n->nidx = calloc(n->nidx_n, sizeof *n->nidx);
	n->eidx_n = 1024;
	n->eidx = calloc(n->eidx_n, sizeof *n->eidx);
	if (!n->nidx || !n->eidx) {
		gs_network_free(n);
		return NULL;
	}
	n->s.first_ms = INT64_MAX;
	n->s.last_ms = INT64_MIN;
	return n;
}

struct gs_network *gs_network_new_like(const struct gs_network *n)
{
	struct gs_network *m = gs_network_new(&n->o);
	if (m && n->filter) {
		memcpy(m->tagkey, n->tagkey, sizeof m->tagkey);
		m->tagkeylen = n->tagkeylen;
		m->taghash = n->taghash;
		m->filter = 1;
	}
	return m;
}

void gs_network_free(struct gs_network *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nslots; i++)
		node_release(&n->nodes[i]);
	for (size_t i = 0; i < n->nedges; i++)
		free(n->edges[i].sp);
	for (size_t i = 0; i < n->rc.npending; i++)
		free(n->rc.pending[i].network.s);
	free(n->nodes);
	free(n->freelist);
	free(n->nidx);
	free(n->edges);
	free(n->eidx);
	gs_repost_cache_release(&n->rc);
	gs_handles_release(&n->handles);
	spellings_free(n->filter_lab);
	free(n);
}

void gs_network_options_of(const struct gs_network *n, struct gs_network_options *o)
{
	*o = n->o;
	o->tag = n->filter ? n->tagkey : NULL;
}

void gs_network_stats(const struct gs_network *n, struct gs_network_stats *s)
{
	*s = n->s;
	s->nodes_held = n->nlive;
	s->edges_held = n->nedges;
	s->weight_held = 0;
	for (size_t i = 0; i < n->nedges; i++)
		s->weight_held += gs_net_edge_weight(&n->edges[i]);
}

/* ---- spells ------------------------------------------------------------ */

int gs_net_spells_add(struct spells **ps, int64_t b)
{
	struct spells *s = *ps;
	uint32_t lo = 0;
	if (s) {
		if (s->n && s->b[s->n - 1] == b)
			return 0;
		uint32_t hi = s->n;
		if (s->n && s->b[s->n - 1] < b) {
			lo = s->n;
		} else {
			while (lo < hi) {
				uint32_t mid = (lo + hi) / 2;
				if (s->b[mid] < b)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < s->n && s->b[lo] == b)
				return 0;
		}
	}
	if (!s || s->n == s->cap) {
		uint32_t cap = s ? s->cap * 2 : 2;
		struct spells *ns = realloc(s, sizeof *ns + cap * sizeof ns->b[0]);
		if (!ns)
			return GS_ENOMEM;
		if (!s)
			ns->n = 0;
		ns->cap = cap;
		*ps = s = ns;
	}
	memmove(&s->b[lo + 1], &s->b[lo], (s->n - lo) * sizeof s->b[0]);
	s->b[lo] = b;
	s->n++;
	return 0;
}

static int spells_merge(struct spells **d, const struct spells *s)
{
	if (!s)
		return 0;
	for (uint32_t i = 0; i < s->n; i++) {
		int r = gs_net_spells_add(d, s->b[i]);
		if (r)
			return r;
	}
	return 0;
}

/* ---- nodes ------------------------------------------------------------- */

uint32_t *gs_net_node_slot(const struct gs_network *n, uint64_t h,
			   const char *id, size_t len)
{
	size_t mask = n->nidx_n - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = n->nidx[i];
		if (!v)
			return &n->nidx[i];
		const struct node *x = &n->nodes[v - 1];
		if (x->hash == h &&
		    (!id || (x->idlen == len && memcmp(x->id, id, len) == 0)))
			return &n->nidx[i];
	}
}

int gs_net_nidx_rebuild(struct gs_network *n, size_t want)
{
	size_t sz = pow2_at_least(want * 2 + 16);
	uint32_t *ni = calloc(sz, sizeof *ni);
	if (!ni)
		return GS_ENOMEM;
	free(n->nidx);
	n->nidx = ni;
	n->nidx_n = sz;
	for (size_t i = 0; i < n->nslots; i++)
		if (n->nodes[i].id)
			*gs_net_node_slot(n, n->nodes[i].hash, n->nodes[i].id,
					  n->nodes[i].idlen) = (uint32_t)i + 1;
	return 0;
}

static void spellings_free(struct spellings *l)
{
	if (l)
		for (int i = 0; i < SPELLINGS_MAX; i++)
			free(l->s[i]);
	free(l);
}

static void node_release(struct node *x)
{
	free(x->id);
	free(x->sp);
	spellings_free(x->lab);
	x->id = NULL;
	x->sp = NULL;
	x->lab = NULL;
}

/* Counts w uses of spelling s[0..len) of a tag node. The first
 * SPELLINGS_MAX spellings are kept in order of first use, so a merge in
 * stream order keeps the same ones as one pass. */
static int spellings_add(struct spellings **lp, const char *s, size_t len,
			 uint64_t w)
{
	if (!*lp && !(*lp = calloc(1, sizeof **lp)))
		return GS_ENOMEM;
	struct spellings *l = *lp;
	int i;
	for (i = 0; i < SPELLINGS_MAX && l->s[i]; i++)
		if (l->len[i] == len && memcmp(l->s[i], s, len) == 0) {
			l->count[i] += w;
			return 0;
		}
	if (i == SPELLINGS_MAX)
		return 0;
	if (!(l->s[i] = malloc(len + 1)))
		return GS_ENOMEM;
	memcpy(l->s[i], s, len);
	l->s[i][len] = 0;
	l->len[i] = (uint16_t)len;
	l->count[i] = w;
	return 0;
}

int gs_net_spellings_add(struct spellings **lp, const char *s, size_t len,
			 uint64_t w)
{
	return spellings_add(lp, s, len, w);
}

/* The node of id (creating it), or -1: out of memory. */
static int64_t node_get(struct gs_network *n, uint64_t h, const char *id,
			size_t len)
{
	uint32_t *slot = gs_net_node_slot(n, h, id, len);
	if (*slot)
		return *slot - 1;
	if ((n->nlive + 1) * 2 > n->nidx_n) {
		if (gs_net_nidx_rebuild(n, n->nlive + 1))
			return -1;
		slot = gs_net_node_slot(n, h, id, len);
	}
	char *s = malloc(len + 1);
	if (!s)
		return -1;
	memcpy(s, id, len);
	s[len] = 0;
	uint32_t at;
	if (n->nfree) {
		at = n->freelist[--n->nfree];
	} else {
		if (n->nslots == n->nodes_cap) {
			size_t cap = n->nodes_cap ? n->nodes_cap * 2 : 256;
			struct node *nn = realloc(n->nodes, cap * sizeof *nn);
			if (!nn) {
				free(s);
				return -1;
			}
			n->nodes = nn;
			n->nodes_cap = cap;
		}
		at = (uint32_t)n->nslots++;
	}
	struct node *x = &n->nodes[at];
	memset(x, 0, sizeof *x);
	x->hash = h;
	x->id = s;
	x->idlen = (uint16_t)len;
	x->first_ms = INT64_MAX;
	x->last_ms = INT64_MIN;
	*slot = at + 1;
	n->nlive++;
	return at;
}

static int node_touch(struct gs_network *n, struct node *x, int64_t t)
{
	if (t < x->first_ms)
		x->first_ms = t;
	if (t > x->last_ms)
		x->last_ms = t;
	if (n->o.bucket_ms > 0)
		return gs_net_spells_add(&x->sp,
					 gs_time_bucket(t, n->o.bucket_ms));
	return 0;
}

/* ---- edges ------------------------------------------------------------- */

static uint64_t edge_hash(const struct gs_network *n, uint32_t a, uint32_t b)
{
	uint64_t k[2] = {n->nodes[a].hash, n->nodes[b].hash};
	return XXH3_64bits(k, sizeof k);
}

uint32_t *gs_net_edge_slot(const struct gs_network *n, uint32_t a, uint32_t b)
{
	size_t mask = n->eidx_n - 1;
	for (size_t i = (size_t)edge_hash(n, a, b) & mask;; i = (i + 1) & mask) {
		uint32_t v = n->eidx[i];
		if (!v || (n->edges[v - 1].a == a && n->edges[v - 1].b == b))
			return &n->eidx[i];
	}
}

int gs_net_eidx_rebuild(struct gs_network *n, size_t want)
{
	size_t sz = pow2_at_least(want * 2 + 16);
	uint32_t *ei = calloc(sz, sizeof *ei);
	if (!ei)
		return GS_ENOMEM;
	free(n->eidx);
	n->eidx = ei;
	n->eidx_n = sz;
	for (size_t i = 0; i < n->nedges; i++)
		*gs_net_edge_slot(n, n->edges[i].a, n->edges[i].b) =
			(uint32_t)i + 1;
	return 0;
}

struct edge *gs_net_edge_get(struct gs_network *n, uint32_t a, uint32_t b)
{
	uint32_t *slot = gs_net_edge_slot(n, a, b);
	if (*slot)
		return &n->edges[*slot - 1];
	if ((n->nedges + 1) * 2 > n->eidx_n) {
		if (gs_net_eidx_rebuild(n, n->nedges + 1))
			return NULL;
		slot = gs_net_edge_slot(n, a, b);
	}
	if (n->nedges == n->edges_cap) {
		size_t cap = n->edges_cap ? n->edges_cap * 2 : 256;
		struct edge *ne = realloc(n->edges, cap * sizeof *ne);
		if (!ne)
			return NULL;
		n->edges = ne;
		n->edges_cap = cap;
	}
	struct edge *e = &n->edges[n->nedges];
	memset(e, 0, sizeof *e);
	e->a = a;
	e->b = b;
	e->last_ms = INT64_MIN;
	*slot = (uint32_t)++n->nedges;
	n->nodes[a].nedges++;
	n->nodes[b].nedges++;
	return e;
}

static void count_add(uint32_t *c, uint64_t w)
{
	uint64_t v = *c + w;
	*c = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Adds w interactions of kind k (0..3) on a -> b at time t. */
static int edge_add(struct gs_network *n, uint32_t a, uint32_t b, int k,
		    uint64_t w, int64_t t)
{
	struct edge *e = gs_net_edge_get(n, a, b);
	if (!e)
		return GS_ENOMEM;
	count_add(&e->c[k], w);
	if (t > e->last_ms)
		e->last_ms = t;
	if (n->o.kinds == GS_NET_COTAGS) {
		n->nodes[a].wout += w;
		n->nodes[b].wout += w;
	} else {
		n->nodes[a].wout += w;
		n->nodes[b].win += w;
	}
	n->s.weight_total += w;
	n->s.kind_total[k] += w;
	if (n->o.bucket_ms > 0)
		return gs_net_spells_add(&e->sp,
					 gs_time_bucket(t, n->o.bucket_ms));
	return 0;
}

/* ---- eviction ---------------------------------------------------------- */

static void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;
	*a = *b;
	*b = t;
}

uint64_t gs_net_kth_smallest(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo])
			swap_u64(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swap_u64(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swap_u64(&v[hi], &v[mid]);
		uint64_t p = v[mid];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i <= j) {
				swap_u64(&v[i], &v[j]);
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

static uint64_t prio(uint64_t w, int64_t t, int64_t tmin)
{
	if (w > PRIO_W_MAX)
		w = PRIO_W_MAX;
	uint64_t dt = t <= tmin ? 0 : (uint64_t)t - (uint64_t)tmin;
	uint64_t tmax = (UINT64_C(1) << PRIO_TIME_BITS) - 1;
	if (dt > tmax)
		dt = tmax;
	return w << PRIO_TIME_BITS | dt;
}

static void edge_drop_stats(struct gs_network *n, const struct edge *e)
{
	uint64_t w = gs_net_edge_weight(e);
	n->s.edges_evicted++;
	n->s.weight_evicted += w;
	if (w > n->s.evicted_max_weight)
		n->s.evicted_max_weight = w;
}

/* Removes the edges marked in drop[] (or touching a free node slot when
 * drop is NULL), compacting the array and rebuilding the index. */
static int edges_compact(struct gs_network *n, const uint8_t *drop)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nedges; i++) {
		struct edge *e = &n->edges[i];
		int gone = drop ? drop[i] : (!n->nodes[e->a].id || !n->nodes[e->b].id);
		if (gone) {
			edge_drop_stats(n, e);
			if (n->nodes[e->a].id)
				n->nodes[e->a].nedges--;
			if (n->nodes[e->b].id)
				n->nodes[e->b].nedges--;
			free(e->sp);
			continue;
		}
		n->edges[k++] = *e;
	}
	n->nedges = k;
	return gs_net_eidx_rebuild(n, k);
}

/* Evicts at least need edges and about a tenth of them. */
static int evict_edges(struct gs_network *n, size_t need)
{
	size_t cnt = n->nedges;
	if (!cnt)
		return 0;
	size_t target = cnt / 10 > need ? cnt / 10 : need;
	if (target > cnt)
		target = cnt;
	uint64_t *v = malloc(cnt * sizeof *v);
	uint8_t *drop = calloc(cnt, 1);
	if (!v || !drop) {
		free(v);
		free(drop);
		return GS_ENOMEM;
	}
	int64_t tmin = INT64_MAX;
	for (size_t i = 0; i < cnt; i++)
		if (n->edges[i].last_ms < tmin)
			tmin = n->edges[i].last_ms;
	for (size_t i = 0; i < cnt; i++)
		v[i] = prio(gs_net_edge_weight(&n->edges[i]),
			    n->edges[i].last_ms, tmin);
	uint64_t cut = gs_net_kth_smallest(v, cnt, target - 1);
	size_t taken = 0;
	for (size_t i = 0; i < cnt; i++) {
		uint64_t p = prio(gs_net_edge_weight(&n->edges[i]),
				  n->edges[i].last_ms, tmin);
		if (p < cut)
			drop[i] = 1, taken++;
	}
	for (size_t i = 0; i < cnt && taken < target; i++) {
		uint64_t p = prio(gs_net_edge_weight(&n->edges[i]),
				  n->edges[i].last_ms, tmin);
		if (p == cut && !drop[i])
			drop[i] = 1, taken++;
	}
	free(v);
	int r = edges_compact(n, drop);
	free(drop);
	return r;
}

/* Evicts at least need nodes and about a tenth of them, with their edges. */
static int evict_nodes(struct gs_network *n, size_t need)
{
	size_t cnt = n->nlive;
	if (!cnt)
		return 0;
	size_t target = cnt / 10 > need ? cnt / 10 : need;
	if (target > cnt)
		target = cnt;
	uint64_t *v = malloc(cnt * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	if (n->freelist_cap < n->nslots) {
		/* every slot may become free */
		uint32_t *fl = realloc(n->freelist, n->nslots * sizeof *fl);
		if (!fl) {
			free(v);
			return GS_ENOMEM;
		}
		n->freelist = fl;
		n->freelist_cap = n->nslots;
	}
	int64_t tmin = INT64_MAX;
	for (size_t i = 0; i < n->nslots; i++)
		if (n->nodes[i].id && n->nodes[i].last_ms < tmin)
			tmin = n->nodes[i].last_ms;
	size_t k = 0;
	for (size_t i = 0; i < n->nslots; i++)
		if (n->nodes[i].id)
			v[k++] = prio(n->nodes[i].win + n->nodes[i].wout,
				      n->nodes[i].last_ms, tmin);
	uint64_t cut = gs_net_kth_smallest(v, k, target - 1);
	free(v);
	size_t taken = 0;
	int with_edges = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n->nslots && taken < target; i++) {
			struct node *x = &n->nodes[i];
			if (!x->id)
				continue;
			uint64_t p = prio(x->win + x->wout, x->last_ms, tmin);
			if (pass == 0 ? p >= cut : p != cut)
				continue;
			with_edges |= x->nedges > 0;
			node_release(x);
			n->freelist[n->nfree++] = (uint32_t)i;
			n->nlive--;
			n->s.nodes_evicted++;
			taken++;
		}
	int r = gs_net_nidx_rebuild(n, n->nlive);
	if (!r && with_edges)
		r = edges_compact(n, NULL);
	return r;
}

/* Makes room for up to nn new nodes and ne new edges. */
static int reserve(struct gs_network *n, size_t nn, size_t ne)
{
	int r;
	if (n->nlive + nn > n->o.max_nodes &&
	    (r = evict_nodes(n, n->nlive + nn - n->o.max_nodes)))
		return r;
	if (n->nedges + ne > n->o.max_edges &&
	    (r = evict_edges(n, n->nedges + ne - n->o.max_edges)))
		return r;
	return 0;
}

/* ---- adding posts ------------------------------------------------------ */

static void tag_prefix(uint64_t h, char pre[TAGPRE_LEN + 1])
{
	snprintf(pre, TAGPRE_LEN + 1, "%016llx:", (unsigned long long)h);
}

struct ptag {
	uint64_t h;
	const char *key, *label; /* key NULL: look the node up by hash only */
	size_t klen, llen;
};

static int str_eq(struct gs_str a, struct gs_str b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static int add_cotags(struct gs_network *n, const struct gs_post *p,
		      const struct ptag *tags, size_t nt)
{
	int r;
	if ((r = reserve(n, nt, nt * (nt - 1) / 2)))
		return r;
	uint32_t ix[GS_POST_MAX_TAGS];
	size_t k = 0;
	for (size_t i = 0; i < nt; i++) {
		int64_t x;
		if (tags[i].key) {
			x = node_get(n, tags[i].h, tags[i].key, tags[i].klen);
			if (x < 0 ||
			    spellings_add(&n->nodes[x].lab, tags[i].label,
					  tags[i].llen, 1))
				return GS_ENOMEM;
		} else {
			uint32_t v = *gs_net_node_slot(n, tags[i].h, NULL, 0);
			if (!v)
				continue; /* evicted since */
			x = v - 1;
		}
		struct node *nd = &n->nodes[x];
		nd->posts++;
		if ((r = node_touch(n, nd, p->time_ms)))
			return r;
		ix[k++] = (uint32_t)x;
	}
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++) {
			uint32_t a = ix[i], b = ix[j];
			gs_net_node_order(n, &a, &b);
			if ((r = edge_add(n, a, b, 0, 1, p->time_ms)))
				return r;
		}
	return 0;
}

/* The node of account id; with a per-tag prefix (TAGPRE_LEN bytes), the
 * node of that account in that tag's network. */
static int64_t account_node(struct gs_network *n, struct gs_str id, const char *pre)
{
	if (!pre)
		return node_get(n, XXH3_64bits(id.p, id.n), id.p, id.n);
	char buf[TAGPRE_LEN + GS_NET_ID_MAX];
	memcpy(buf, pre, TAGPRE_LEN);
	memcpy(buf + TAGPRE_LEN, id.p, id.n); /* id.n <= GS_NET_ID_MAX: checked */
	return node_get(n, XXH3_64bits(buf, TAGPRE_LEN + id.n), buf, TAGPRE_LEN + id.n);
}

size_t gs_net_targets(const struct gs_post *p, unsigned k,
		      struct gs_net_target t[GS_NET_TARGETS_MAX])
{
	size_t nt = 0;
	if ((k & GS_NET_REPLIES) && p->reply_to.n)
		t[nt].id = p->reply_to, t[nt++].kind = 0;
	if ((k & GS_NET_MENTIONS) && !(p->flags & GS_POST_REPOST))
		for (size_t i = 0; i < p->nmentions && i < GS_POST_MAX_MENTIONS; i++) {
			size_t j;
			for (j = 0; j < i; j++)
				if (str_eq(p->mentions[j], p->mentions[i]))
					break;
			if (j == i && p->mentions[i].n)
				t[nt].id = p->mentions[i], t[nt++].kind = 1;
		}
	if ((k & GS_NET_REPOSTS) && p->repost_account.n)
		t[nt].id = p->repost_account, t[nt++].kind = 2;
	if ((k & GS_NET_QUOTES) && p->quote_account.n)
		t[nt].id = p->quote_account, t[nt++].kind = 3;
	return nt;
}

static int add_accounts(struct gs_network *n, const struct gs_post *p,
			const char *pre)
{
	struct gs_net_target t[GS_NET_TARGETS_MAX];
	unsigned k = n->o.kinds;
	if (p->account.n > GS_NET_ID_MAX) {
		n->s.ids_skipped++;
		return 0;
	}
	size_t nt = gs_net_targets(p, k, t);
	int r;
	if ((r = reserve(n, nt + 1, nt)))
		return r;
	int64_t a = account_node(n, p->account, pre);
	if (a < 0)
		return GS_ENOMEM;
	n->nodes[a].posts++;
	if ((r = node_touch(n, &n->nodes[a], p->time_ms)))
		return r;
	for (size_t i = 0; i < nt; i++) {
		if (str_eq(t[i].id, p->account))
			continue; /* talking to oneself */
		if (t[i].id.n > GS_NET_ID_MAX) {
			n->s.ids_skipped++;
			continue;
		}
		int64_t b = account_node(n, t[i].id, pre);
		if (b < 0)
			return GS_ENOMEM;
		if ((r = node_touch(n, &n->nodes[b], p->time_ms)) ||
		    (r = edge_add(n, (uint32_t)a, (uint32_t)b, t[i].kind, 1, p->time_ms)))
			return r;
	}
	return 0;
}

static int add_selected(struct gs_network *n, const struct gs_post *p,
			const struct ptag *tags, size_t nt)
{
	if (n->o.per_tag && !nt)
		return 0; /* selected: posts with a tag */
	n->s.posts_selected++;
	if (p->time_ms < n->s.first_ms)
		n->s.first_ms = p->time_ms;
	if (p->time_ms > n->s.last_ms)
		n->s.last_ms = p->time_ms;
	if (n->o.kinds == GS_NET_COTAGS)
		return nt ? add_cotags(n, p, tags, nt) : 0;
	if (p->handle.n || p->reply_to_handle.n || p->repost_handle.n ||
	    p->quote_handle.n || p->nmentions) {
		/* the accounts that make nodes (add_accounts) */
		unsigned k = n->o.kinds, w = GS_HANDLES_AUTHOR;
		if (k & GS_NET_REPLIES)
			w |= GS_HANDLES_REPLY;
		if ((k & GS_NET_MENTIONS) && !(p->flags & GS_POST_REPOST))
			w |= GS_HANDLES_MENTIONS;
		if (k & GS_NET_REPOSTS)
			w |= GS_HANDLES_REPOST;
		if (k & GS_NET_QUOTES)
			w |= GS_HANDLES_QUOTE;
		int r = gs_handles_note_post(&n->handles, p, w);
		if (r)
			return r;
	}
	if (!n->o.per_tag)
		return add_accounts(n, p, NULL);
	for (size_t i = 0; i < nt; i++) {
		char pre[TAGPRE_LEN + 1];
		tag_prefix(tags[i].h, pre);
		int r = add_accounts(n, p, pre);
		if (r)
			return r;
	}
	return 0;
}

static int is_bsky_repost(const struct gs_post *p)
{
	return p->format == GS_FORMAT_JETSTREAM && (p->flags & GS_POST_REPOST) &&
	       p->ntags == 0 && p->repost_rkey.n;
}

/* Keeps Bluesky repost p of key, whose original is not in the cache, for
 * a merge to resolve: its accounts, and time. Not kept past
 * GS_REPOST_PENDING_MAX or with an over-long id (it stays unresolved). */
int gs_net_pending_push(struct gs_network *n, const struct gs_post *p,
			uint64_t key)
{
	if (n->rc.npending >= GS_REPOST_PENDING_MAX ||
	    p->account.n > GS_NET_ID_MAX || p->repost_account.n > GS_NET_ID_MAX)
		return 0;
	char *s = malloc(p->account.n + p->repost_account.n + 2);
	if (!s)
		return GS_ENOMEM;
	memcpy(s, p->account.p, p->account.n);
	s[p->account.n] = 0;
	memcpy(s + p->account.n + 1, p->repost_account.p, p->repost_account.n);
	s[p->account.n + 1 + p->repost_account.n] = 0;
	struct gs_repost_pending *pd =
		gs_repost_cache_pend(&n->rc, key, p->time_ms);
	if (!pd) {
		free(s);
		return GS_ENOMEM;
	}
	pd->network.s = s;
	pd->network.alen = (uint16_t)p->account.n;
	pd->network.tlen = (uint16_t)p->repost_account.n;
	return 0;
}

/* The tags of a resolved Bluesky repost, from its original's cache entry. */
static size_t ring_tags(const struct gs_repost_ent *e, struct ptag *tags)
{
	size_t n = e->n < GS_REPOST_TAGS ? e->n : GS_REPOST_TAGS;
	for (size_t i = 0; i < n; i++) {
		memset(&tags[i], 0, sizeof tags[i]);
		tags[i].h = e->tags[i];
	}
	return n;
}

int gs_network_add(struct gs_network *n, const struct gs_post *p)
{
	struct ptag tags[GS_POST_MAX_TAGS];
	char keys[GS_POST_MAX_TAGS][GS_TAG_MAX];
	size_t nt = 0;
	int matched = !n->filter;
	n->s.posts++;
	if (!n->filter && n->o.kinds != GS_NET_COTAGS && !n->o.per_tag)
		return add_selected(n, p, NULL, 0);
	if (is_bsky_repost(p)) {
		uint64_t key = gs_repost_key(p->repost_did, p->repost_rkey);
		const struct gs_repost_ent *e =
			gs_repost_cache_find(&n->rc, key);
		if (!e) {
			n->s.reposts_unresolved++;
			return gs_net_pending_push(n, p, key);
		}
		nt = ring_tags(e, tags);
		matched |= e->matched;
		return matched ? add_selected(n, p, tags, nt) : 0;
	}
	for (size_t i = 0; i < p->ntags && i < GS_POST_MAX_TAGS; i++) {
		ssize_t k = gs_fold(p->tags[i].p, p->tags[i].n, keys[nt]);
		if (k <= 0)
			continue;
		uint64_t h = XXH3_64bits(keys[nt], (size_t)k);
		size_t j;
		for (j = 0; j < nt; j++)
			if (tags[j].h == h && tags[j].klen == (size_t)k &&
			    memcmp(tags[j].key, keys[nt], (size_t)k) == 0)
				break;
		if (j < nt)
			continue; /* one post uses a tag once */
		tags[nt].h = h;
		tags[nt].key = keys[nt];
		tags[nt].klen = (size_t)k;
		tags[nt].label = p->tags[i].p;
		tags[nt].llen = p->tags[i].n > GS_NET_ID_MAX ? GS_NET_ID_MAX : p->tags[i].n;
		if (n->filter && h == n->taghash && (size_t)k == n->tagkeylen &&
		    memcmp(keys[nt], n->tagkey, (size_t)k) == 0) {
			matched = 1;
			if (spellings_add(&n->filter_lab, tags[nt].label,
					  tags[nt].llen, 1))
				return GS_ENOMEM;
		}
		nt++;
	}
	if (p->format == GS_FORMAT_JETSTREAM && !(p->flags & GS_POST_REPOST) &&
	    p->post_rkey.n && nt) {
		struct gs_repost_ent e;
		memset(&e, 0, sizeof e);
		e.key = gs_repost_key(p->post_did, p->post_rkey);
		e.matched = n->filter && matched;
		e.n = (uint8_t)(nt < GS_REPOST_TAGS ? nt : GS_REPOST_TAGS);
		for (size_t i = 0; i < e.n; i++)
			e.tags[i] = tags[i].h;
		/* out of memory for the ring: its reposts stay unresolved */
		(void)gs_repost_cache_put(&n->rc, &e);
	}
	return matched ? add_selected(n, p, tags, nt) : 0;
}

/* ---- merge ------------------------------------------------------------- */

/* The repost pd stands for, as gs_network_add saw it (its strings point
 * into pd). */
static void pending_post(const struct gs_repost_pending *pd, struct gs_post *p)
{
	memset(p, 0, sizeof *p);
	p->format = GS_FORMAT_JETSTREAM;
	p->flags = GS_POST_REPOST;
	p->time_ms = pd->time_ms;
	p->account.p = pd->network.s;
	p->account.n = pd->network.alen;
	p->repost_account.p = pd->network.s + pd->network.alen + 1;
	p->repost_account.n = pd->network.tlen;
	p->reply_to.p = p->quote_account.p = "";
}

/* pd counted in n when n's cache holds its original: 1 when it does (and
 * it was counted if it matched the filter), 0 when not, or an error. */
static int count_pending(struct gs_network *n,
			 const struct gs_repost_pending *pd)
{
	const struct gs_repost_ent *e = gs_repost_cache_find(&n->rc, pd->key);
	if (!e)
		return 0;
	if (n->filter && !e->matched)
		return 1;
	struct ptag tags[GS_REPOST_TAGS];
	size_t nt = ring_tags(e, tags);
	struct gs_post p;
	pending_post(pd, &p);
	int r = add_selected(n, &p, tags, nt);
	return r ? r : 1;
}

int gs_network_resolve_pending(struct gs_network *n, uint64_t *resolved)
{
	struct gs_repost_cache *rc = &n->rc;
	size_t kept = 0;
	uint64_t k = 0;
	int r = 0;
	for (size_t i = 0; i < rc->npending; i++) {
		int c = r ? 0 : count_pending(n, &rc->pending[i]);
		if (c < 0)
			r = c;
		if (c <= 0) {
			rc->pending[kept++] = rc->pending[i];
			continue;
		}
		free(rc->pending[i].network.s);
		k++;
	}
	rc->npending = kept;
	n->s.reposts_unresolved -= k;
	if (resolved)
		*resolved = k;
	return r;
}

int gs_network_merge(struct gs_network *dst, const struct gs_network *src)
{
	if (dst->o.kinds != src->o.kinds || dst->o.bucket_ms != src->o.bucket_ms ||
	    dst->filter != src->filter ||
	    (dst->filter && strcmp(dst->tagkey, src->tagkey) != 0))
		return GS_EUSAGE;
	int r;
	/* src's Bluesky reposts of posts it never saw: dst read what came
	 * before; the others wait in dst, for a part merged before it or for
	 * gs_network_resolve_pending */
	uint64_t resolved = 0;
	for (size_t i = 0; i < src->rc.npending; i++) {
		const struct gs_repost_pending *pd = &src->rc.pending[i];
		int c = count_pending(dst, pd);
		if (c < 0)
			return c;
		resolved += (uint64_t)c;
		if (c)
			continue;
		struct gs_post p;
		pending_post(pd, &p);
		if ((r = gs_net_pending_push(dst, &p, pd->key)))
			return r;
	}

	for (int k = 0;
	     src->filter_lab && k < SPELLINGS_MAX && src->filter_lab->s[k]; k++)
		if ((r = spellings_add(&dst->filter_lab, src->filter_lab->s[k],
				       src->filter_lab->len[k],
				       src->filter_lab->count[k])))
			return r;
	/* Nodes and edges go in without eviction (the map from src's node
	 * slots to dst's must stay valid); the caps are enforced after. */
	uint32_t *map = malloc((src->nslots ? src->nslots : 1) * sizeof *map);
	if (!map)
		return GS_ENOMEM;
	for (size_t i = 0; i < src->nslots; i++) {
		const struct node *sx = &src->nodes[i];
		if (!sx->id)
			continue;
		int64_t x = node_get(dst, sx->hash, sx->id, sx->idlen);
		if (x < 0) {
			free(map);
			return GS_ENOMEM;
		}
		for (int k = 0; sx->lab && k < SPELLINGS_MAX && sx->lab->s[k]; k++)
			if (spellings_add(&dst->nodes[x].lab, sx->lab->s[k],
					  sx->lab->len[k], sx->lab->count[k])) {
				free(map);
				return GS_ENOMEM;
			}
		map[i] = (uint32_t)x;
		struct node *dx = &dst->nodes[x];
		dx->posts += sx->posts;
		dx->win += sx->win;
		dx->wout += sx->wout;
		if (sx->first_ms < dx->first_ms)
			dx->first_ms = sx->first_ms;
		if (sx->last_ms > dx->last_ms)
			dx->last_ms = sx->last_ms;
		if ((r = spells_merge(&dx->sp, sx->sp))) {
			free(map);
			return r;
		}
	}
	for (size_t i = 0; i < src->nedges; i++) {
		const struct edge *se = &src->edges[i];
		struct edge *de = gs_net_edge_get(dst, map[se->a], map[se->b]);
		if (!de) {
			free(map);
			return GS_ENOMEM;
		}
		for (int k = 0; k < 4; k++)
			count_add(&de->c[k], se->c[k]);
		if (se->last_ms > de->last_ms)
			de->last_ms = se->last_ms;
		if ((r = spells_merge(&de->sp, se->sp))) {
			free(map);
			return r;
		}
	}
	free(map);

	struct gs_network_stats *d = &dst->s;
	const struct gs_network_stats *s = &src->s;
	d->posts += s->posts;
	d->posts_selected += s->posts_selected;
	d->weight_total += s->weight_total;
	for (int k = 0; k < 4; k++)
		d->kind_total[k] += s->kind_total[k];
	d->edges_evicted += s->edges_evicted;
	d->weight_evicted += s->weight_evicted;
	if (s->evicted_max_weight > d->evicted_max_weight)
		d->evicted_max_weight = s->evicted_max_weight;
	d->nodes_evicted += s->nodes_evicted;
	d->ids_skipped += s->ids_skipped;
	d->reposts_unresolved += s->reposts_unresolved - resolved;
	if (s->first_ms < d->first_ms)
		d->first_ms = s->first_ms;
	if (s->last_ms > d->last_ms)
		d->last_ms = s->last_ms;

	/* src's tagged Bluesky posts, for reposts in what dst reads next (a
	 * post both hold: the rule of repost_cache.h) */
	for (size_t i = 0; i < src->rc.n; i++)
		(void)gs_repost_cache_put(&dst->rc,
					  gs_repost_cache_oldest(&src->rc, i));

	if ((r = gs_handles_merge(&dst->handles, &src->handles)))
		return r;
	if (dst->nlive > dst->o.max_nodes &&
	    (r = evict_nodes(dst, dst->nlive - dst->o.max_nodes)))
		return r;
	if (dst->nedges > dst->o.max_edges &&
	    (r = evict_edges(dst, dst->nedges - dst->o.max_edges)))
		return r;
	return 0;
}

/* ---- per-tag table ----------------------------------------------------- */

struct gs_network *gs_network_tag(const struct gs_network *n, const char *tag, int *err)
{
	int dummy;
	if (!err)
		err = &dummy;
	*err = GS_EUSAGE;
	if (!n->o.per_tag || !tag)
		return NULL;
	struct gs_network_options o = n->o;
	o.per_tag = 0;
	o.tag = tag;
	struct gs_network *m = gs_network_new(&o);
	if (!m)
		return NULL; /* a tag that does not fold */
	*err = GS_ENOMEM;
	char pre[TAGPRE_LEN + 1];
	tag_prefix(m->taghash, pre);
	uint32_t *map = malloc((n->nslots ? n->nslots : 1) * sizeof *map);
	if (!map) {
		gs_network_free(m);
		return NULL;
	}
	for (size_t i = 0; i < n->nslots; i++) {
		const struct node *x = &n->nodes[i];
		map[i] = UINT32_MAX;
		if (!x->id || x->idlen <= TAGPRE_LEN || memcmp(x->id, pre, TAGPRE_LEN) != 0)
			continue;
		const char *id = x->id + TAGPRE_LEN;
		size_t len = x->idlen - TAGPRE_LEN;
		int64_t k = node_get(m, XXH3_64bits(id, len), id, len);
		if (k < 0)
			goto fail;
		const struct gs_handle_ent *he =
			gs_handles_entry(&n->handles, id, len);
		if (he && gs_handles_note(&m->handles, (struct gs_str){id, len},
					  (struct gs_str){he->s + he->idlen + 1,
							  he->hlen},
					  he->ms))
			goto fail;
		struct node *y = &m->nodes[k];
		y->posts = x->posts;
		y->win = x->win;
		y->wout = x->wout;
		y->first_ms = x->first_ms;
		y->last_ms = x->last_ms;
		if (spells_merge(&y->sp, x->sp))
			goto fail;
		map[i] = (uint32_t)k;
		m->s.posts_selected += x->posts;
		if (x->first_ms < m->s.first_ms)
			m->s.first_ms = x->first_ms;
		if (x->last_ms > m->s.last_ms)
			m->s.last_ms = x->last_ms;
	}
	for (size_t i = 0; i < n->nedges; i++) {
		const struct edge *e = &n->edges[i];
		if (map[e->a] == UINT32_MAX || map[e->b] == UINT32_MAX)
			continue;
		struct edge *d = gs_net_edge_get(m, map[e->a], map[e->b]);
		if (!d)
			goto fail;
		memcpy(d->c, e->c, sizeof d->c);
		d->last_ms = e->last_ms;
		if (spells_merge(&d->sp, e->sp))
			goto fail;
		for (int k = 0; k < 4; k++) {
			m->s.kind_total[k] += e->c[k];
			m->s.weight_total += e->c[k];
		}
	}
	free(map);
	m->s.posts = n->s.posts;
	m->s.edges_evicted = n->s.edges_evicted;
	m->s.weight_evicted = n->s.weight_evicted;
	m->s.evicted_max_weight = n->s.evicted_max_weight;
	m->s.nodes_evicted = n->s.nodes_evicted;
	m->s.ids_skipped = n->s.ids_skipped;
	m->s.reposts_unresolved = n->s.reposts_unresolved;
	*err = 0;
	return m;
fail:
	free(map);
	gs_network_free(m);
	return NULL;
}

/* ---- reading the held graph (network_int.h) ---------------------------- */

void gs_network_graph(const struct gs_network *n, struct gs_net_graph *g)
{
	g->nodes = n->nodes;
	g->nslots = n->nslots;
	g->edges = n->edges;
	g->nedges = n->nedges;
	g->tag_spellings = n->filter ? n->filter_lab : NULL;
}

const char *gs_network_handle(const struct gs_network *n, const char *id)
{
	return gs_handles_get(&n->handles, id, strlen(id));
}

size_t gs_network_edge_find(const struct gs_network *n, uint32_t a, uint32_t b)
{
	return *gs_net_edge_slot(n, a, b);
}
