/*
 * network_write.h - a network (count/network.h) written out: an edge list
 * (CSV), a node-link graph (JSON, as networkx and d3 read it), GEXF (Gephi;
 * dynamic with spells per bucket), GraphML, or a human-readable summary.
 *
 * Every format shows the same output graph: the held edges of at least
 * min_weight (over the kinds shown), then the top_nodes nodes of highest
 * weighted degree and the edges among them. One writer per format
 * (network_csv.c, network_json.c, network_gexf.c, network_graphml.c,
 * network_summary.c); network_write.c builds the output graph they share
 * (network_write_int.h).
 *
 * Ownership: the writers only read the network and the options; the
 * caller owns both and the stream. Errors: 0 or a negative GS_E* code.
 */
#ifndef GS_NETWORK_WRITE_H
#define GS_NETWORK_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "count/filter.h"
#include "count/network.h"

enum gs_net_format {
	GS_NET_CSV,
	GS_NET_JSON,
	GS_NET_GEXF,
	GS_NET_GRAPHML,
	GS_NET_SUMMARY, /* the human-readable summary */
};

/* "csv", "json", "gexf", "graphml", "summary"; GS_NET_SUMMARY + 1 if
 * unknown. */
int gs_net_format_parse(const char *name);

struct gs_network_output {
	uint64_t min_weight; /* edges lighter than this are left out (1) */
	size_t top_nodes;    /* 0: all; else the N nodes of highest weighted
				degree and the edges among them */
	int dynamic;	     /* GEXF and JSON: spells per bucket (needs the
				network's bucket_ms) */
	size_t top_list; /* accounts (tags) in the summary's top list (10) */
	/* The name shown for an account id (e.g. a pseudonym written to buf);
	 * NULL: the id itself. Not used for tags. */
	const char *(*name)(void *ctx, const char *id, char buf[64]);
	void *name_ctx;
	uint64_t malformed; /* lines the reader rejected, for summaries */
	uint64_t out_of_window; /* posts dated outside the time window, left
				   out (ingest.h), for summaries */
	uint64_t filtered[GS_FILTER_REASONS]; /* posts the filters (--since,
						 --lang, ..., --exclude-ids)
						 left out, by reason */
	unsigned kinds;	    /* account kinds shown (enum gs_net_kind bits);
			       0: all of the network's. An edge weighs the
			       sum of its counts of these kinds (the others
			       show 0); edges of none of them drop out;
			       node in/out are summed over the held edges
			       (so they may lack what eviction took), while
			       node posts and first/last seen stay over all
			       of the network's kinds. Ignored for cotags. */
	/* The --tag filter's spelling shown as the JSON summary's "display"
	 * (e.g. the engine's most frequent spelling); NULL: the spelling
	 * most used by the selected posts (a Bluesky repost's not counted;
	 * the folded key when none was counted, as after a snapshot). */
	const char *tag_display;
};

void gs_network_output_init(struct gs_network_output *o);

/* What the output graph (after min_weight and top_nodes) looks like. */
struct gs_network_summary {
	uint64_t nodes, edges, weight;
	uint64_t kind_weight[4];    /* per kind, account kinds only */
	uint64_t below_min_weight;  /* held edges left out by min_weight */
	uint64_t reciprocal_edges;  /* directed edges whose reverse is shown */
	double reciprocity;	    /* reciprocal_edges / edges; -1 for cotags
				       or no edges */
	uint64_t components;	    /* weakly connected components */
	uint64_t largest_component; /* nodes in the largest one */
	uint64_t largest_component_edges;
};

/*
 * Writes the network in the format to f. The summary is also computed into
 * *sum when sum is not NULL. Nodes are listed by weighted degree (then
 * name), edges by weight (then source, target). Returns 0, GS_ENOMEM, or
 * GS_EIO when writing failed.
 */
int gs_network_write(const struct gs_network *n, FILE *f,
		     enum gs_net_format fmt, const struct gs_network_output *o,
		     struct gs_network_summary *sum);

#endif
