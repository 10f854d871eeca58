/*
 * network_write_int.h - what the network writers share, private to
 * src/out/network_*.c: the output graph (struct gs_net_view, built by
 * network_write.c) and the helpers more than one format uses. The CLI and
 * the server use network_write.h.
 *
 * The view holds indices into the network's records (count/network_int.h),
 * never copies: the writers read the network in place while they run.
 *
 * Ownership: gs_network_write builds, owns and frees the view; writers only
 * read it. Writers leave write errors in the stream (ferror), which
 * gs_network_write checks once at the end.
 */
#ifndef GS_NETWORK_WRITE_INT_H
#define GS_NETWORK_WRITE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "count/network_int.h"
#include "network_write.h"

/* The output graph: nodes and edges (indices into the network), sorted. */
struct gs_net_view {
	const struct gs_network *n;
	const struct gs_network_output *o;
	/* n's held graph, options (no.tag: the filter's key) and counters */
	struct gs_net_graph g;
	struct gs_network_options no;
	struct gs_network_stats st;
	int cotags;
	uint32_t *nodes; /* node slots, in output order */
	size_t nn;
	uint32_t *edges; /* edge indices, in output order */
	size_t ne;
	int32_t *pos;	    /* node slot -> position in nodes, or -1 */
	uint8_t *inview;    /* edge index -> shown */
	const char **names; /* node slot -> shown name (NULL: not named) */
	char *arena;	    /* pseudonyms */
	size_t arena_n, arena_cap;
	uint64_t below_min;
	unsigned kinds; /* the kinds shown (o->kinds within the network's) */
	int all;	/* all of the network's kinds: no filtering */
	uint64_t *din, *dout; /* !all: weighted degrees over the kinds shown */
};

/* An edge's weight and counts, and a node's weighted degrees, over the
 * kinds shown. */
static inline uint64_t view_weight(const struct gs_net_view *v,
				   const struct edge *e)
{
	if (v->all)
		return gs_net_edge_weight(e);
	uint64_t w = 0;
	for (int k = 0; k < 4; k++)
		if (v->kinds & (1u << k))
			w += e->c[k];
	return w;
}

static inline uint32_t view_count(const struct gs_net_view *v,
				  const struct edge *e, int k)
{
	return v->all || (v->kinds & (1u << k)) ? e->c[k] : 0;
}

static inline uint64_t view_in(const struct gs_net_view *v, uint32_t i)
{
	return v->din ? v->din[i] : v->g.nodes[i].win;
}

static inline uint64_t view_out(const struct gs_net_view *v, uint32_t i)
{
	return v->dout ? v->dout[i] : v->g.nodes[i].wout;
}

static inline unsigned long long ull(uint64_t x)
{
	return (unsigned long long)x;
}

/* "replies", "mentions", "reposts", "quotes": kind k's name (bit 1 << k). */
extern const char *const gs_net_kind_names[4];

/* The kinds k as text ("replies,mentions", "cotags") into buf (64 bytes). */
void gs_net_kinds_text(unsigned k, char *buf);

/* The most used of spellings l (ties: the smallest bytes), or NULL. */
const char *gs_net_spellings_best(const struct spellings *l);

/* The label of node slot i: a tag's most used spelling, an account's
 * handle (gs_net_handle), else its name. */
const char *gs_net_label(const struct gs_net_view *v, uint32_t i);
/* The handle of account node slot i (its pseudonym when accounts are
 * named by o->name), or NULL: tags, or no handle known. */
const char *gs_net_handle(const struct gs_net_view *v, uint32_t i);

/* Calls fn(f, start, end, first) for each spell of s (a run of consecutive
 * buckets), start and end as RFC 3339 text. */
void gs_net_spells_each(const struct gs_net_view *v, const struct spells *s,
			void (*fn)(FILE *, const char *, const char *, int),
			FILE *f);

/* The five node attributes of GEXF and GraphML, accounts' and tags'. */
extern const char *const gs_net_acct_attrs[5];
extern const char *const gs_net_tag_attrs[5];

/* The value of node attribute k (0..4) of slot i, as text into buf. */
const char *gs_net_node_attr(const struct gs_net_view *v, uint32_t i, int k,
			     char buf[32]);

/* The writers, one per format (network_<format>.c). top[0..ntop) are the
 * summary's top list (node slots). */
void gs_net_write_csv(const struct gs_net_view *v, FILE *f);
void gs_net_write_json(const struct gs_net_view *v, FILE *f,
		       const struct gs_network_summary *s, const uint32_t *top,
		       size_t ntop);
void gs_net_write_gexf(const struct gs_net_view *v, FILE *f);
void gs_net_write_graphml(const struct gs_net_view *v, FILE *f);
void gs_net_write_summary(const struct gs_net_view *v, FILE *f,
			  const struct gs_network_summary *s,
			  const uint32_t *top, size_t ntop);

#endif
