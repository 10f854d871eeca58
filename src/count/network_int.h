/*
 * network_int.h - the held graph's records, shared by network.c, which
 * counts them, and the network writers of the output layer
 * (out/network_write.h), which read them in place. Nothing else includes
 * it: the CLI and the server see only network.h and out/network_write.h.
 *
 * Why a private header rather than read accessors in network.h: a writer
 * sorts and walks every held node and edge (millions of them), comparing
 * degrees, weights and names at each step; an accessor call or a copied
 * record per step would cost a call per comparison or a second copy of the
 * graph, and would spell out these layouts field by field anyway. So the
 * records themselves are shared. The writers reach the one index they
 * need (an edge's reverse) through gs_network_edge_find, and the counters
 * and options through network.h; struct gs_network itself (the indexes,
 * the eviction state, the tag filter and the Bluesky repost cache), at the
 * end, is for network.c and network_snapshot.c alone, which save and
 * restore it field by field.
 *
 * Ownership: everything reached from here belongs to the network; readers
 * only read it, and only while the network does not change.
 */
#ifndef GS_NETWORK_INT_H
#define GS_NETWORK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "network.h"
#include "input/fold.h" /* GS_TAG_MAX */
#include "handles.h"
#include "repost_cache.h"

/* The buckets in which a node or edge was active. */
struct spells {
	uint32_t n, cap;
	int64_t b[]; /* bucket starts, ascending */
};

#define SPELLINGS_MAX 4

/* Spellings of a tag, in order of first use; a fifth is not counted. */
struct spellings {
	uint64_t count[SPELLINGS_MAX];
	char *s[SPELLINGS_MAX];
	uint16_t len[SPELLINGS_MAX];
};

struct node {
	uint64_t hash;
	uint64_t posts, win, wout; /* cotags: strength in wout */
	int64_t first_ms, last_ms;
	uint32_t nedges; /* held edges touching it */
	uint16_t idlen;
	char *id; /* NUL-terminated; NULL: a free slot */
	struct spells *sp;
	struct spellings *lab; /* tags only */
};

struct edge {
	uint32_t a, b;
	uint32_t c[4]; /* per kind; cotags: c[0] */
	int64_t last_ms;
	struct spells *sp;
};

/* An edge's weight: the sum of its counts. */
static inline uint64_t gs_net_edge_weight(const struct edge *e)
{
	return (uint64_t)e->c[0] + e->c[1] + e->c[2] + e->c[3];
}

/* The held graph: node slots [0, nslots), a slot whose id is NULL being
 * free, and edges [0, nedges), whose a and b are node slots. Valid until
 * the network changes. */
struct gs_net_graph {
	const struct node *nodes;
	size_t nslots;
	const struct edge *edges;
	size_t nedges;
	/* the tag filter's spellings in the selected posts, or NULL (no
	 * filter, none counted, or loaded from a snapshot) */
	const struct spellings *tag_spellings;
};

void gs_network_graph(const struct gs_network *n, struct gs_net_graph *g);

/* The latest handle of account id (a node's id; per-tag node ids are not
 * accounts), or NULL. */
const char *gs_network_handle(const struct gs_network *n, const char *id);

/* The index + 1 of the held edge from slot a to slot b, or 0 if none. */
size_t gs_network_edge_find(const struct gs_network *n, uint32_t a, uint32_t b);

/* The k-th smallest (from 0) of v[0..n), n > k; v is reordered. O(n)
 * expected: the eviction's cut and the top list's floor. */
uint64_t gs_net_kth_smallest(uint64_t *v, size_t n, size_t k);

/* ---- for network.c and network_snapshot.c only ------------------------- */

/* Per-tag table: the node of account A in the network of the tag whose
 * folded key hashes (xxh3) to H is "hhhhhhhhhhhhhhhh:A", H in 16 lower-case
 * hex digits. The hash, not the key, because a Bluesky repost finds its
 * original's tags in the repost cache as hashes only. */
#define TAGPRE_LEN 17

struct gs_network {
	struct gs_network_options o;
	int filter;
	char tagkey[GS_TAG_MAX + 1];
	size_t tagkeylen;
	uint64_t taghash;

	struct node *nodes;
	size_t nslots, nodes_cap, nlive;
	uint32_t *freelist;
	size_t nfree, freelist_cap;
	uint32_t *nidx; /* node index + 1; 0 empty */
	size_t nidx_n;

	struct edge *edges;
	size_t nedges, edges_cap;
	uint32_t *eidx; /* edge index + 1 */
	size_t eidx_n;

	struct gs_network_stats s;

	/* Bluesky posts for their reposts' tags (entries' matched: the post
	 * used the filter tag), and the reposts still waiting for theirs */
	struct gs_repost_cache rc;
	/* the filter tag's spellings in the selected posts (not saved in
	 * snapshots: the summary's display falls back to the key) */
	struct spellings *filter_lab;
	/* issue 12 part 1: the latest handle of the accounts of the selected
	 * posts that made nodes, at most max_nodes (handles.h) */
	struct gs_handles handles;
};

/* Puts the nodes a and b of a co-tag edge in its one order (the smaller id
 * bytes first, then the shorter), for adding and retracting alike. */
static inline void gs_net_node_order(const struct gs_network *n, uint32_t *a,
				     uint32_t *b)
{
	const struct node *x = &n->nodes[*a], *y = &n->nodes[*b];
	size_t m = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, m);
	if (c > 0 || (c == 0 && x->idlen > y->idlen)) {
		uint32_t t = *a;
		*a = *b;
		*b = t;
	}
}

/* Whom post p addresses in a network of kinds k (GS_NET_*): replied-to,
 * each mentioned account once (not for reposts), reposted and quoted
 * authors, with their kind (0 reply, 1 mention, 2 repost, 3 quote); the
 * same list for adding a post (network.c) and retracting it
 * (network_retract.c). Returns how many (at most GS_NET_TARGETS_MAX). */
#define GS_NET_TARGETS_MAX (GS_POST_MAX_MENTIONS + 3)
struct gs_net_target {
	struct gs_str id;
	int kind;
};
size_t gs_net_targets(const struct gs_post *p, unsigned k,
		      struct gs_net_target t[GS_NET_TARGETS_MAX]);

/* The helpers the snapshot's loader shares with the counting (network.c);
 * each returns 0 or GS_ENOMEM where it returns an int. */
int gs_net_spells_add(struct spells **ps, int64_t b);
uint32_t *gs_net_node_slot(const struct gs_network *n, uint64_t h,
			   const char *id, size_t len);
int gs_net_nidx_rebuild(struct gs_network *n, size_t want);
/* Adds w uses of spelling s[0..len) to the list *lp (a node's, the filter
 * tag's), made on first use; the first SPELLINGS_MAX kept. */
int gs_net_spellings_add(struct spellings **lp, const char *s, size_t len,
			 uint64_t w);
uint32_t *gs_net_edge_slot(const struct gs_network *n, uint32_t a, uint32_t b);
int gs_net_eidx_rebuild(struct gs_network *n, size_t want);
struct edge *gs_net_edge_get(struct gs_network *n, uint32_t a, uint32_t b);
int gs_net_pending_push(struct gs_network *n, const struct gs_post *p,
			uint64_t key);

#endif
