/*
 * network.h - who addressed whom: reply, mention, repost, quote and
 * co-hashtag networks, in bounded memory, for Gephi and friends.
 *
 * A struct gs_network is fed posts one at a time (gs_network_add) and holds
 * a weighted graph:
 *   account kinds  (replies, mentions, reposts, quotes: any combination):
 *                  directed edges account -> account, one count per kind,
 *                  weight = the sum of the counts;
 *   cotags         undirected edges tag -- tag (folded keys, fold.h),
 *                  weight = posts that use both.
 * Edges per post: replies: author -> reply_to; mentions: author -> each
 * distinct mentioned account (not for reposts, whose mentions are the
 * original's); reposts: author -> repost_account; quotes: author ->
 * quote_account. Self-edges are skipped. With a tag filter only posts that
 * use the tag count (a Bluesky repost uses the tags of its original, found
 * among the last repost_cache tagged posts, as the engine does).
 *
 * Nodes carry posts (posts by the account / using the tag, in the
 * selection), weighted in- and out-degree (tags: strength, the sum of their
 * edges' weights), the number of held edges touching them, and the first
 * and last time they were seen; with a bucket width, the buckets in which
 * they and each edge were active (for dynamic GEXF).
 *
 * Bounds: at most max_edges edges and max_nodes nodes are held. When a new
 * edge would exceed max_edges, the tenth of the edges with the smallest
 * weight is evicted (ties: the least recently seen first); evicted edges and
 * their weight are counted (gs_network_stats). Likewise for nodes, ranked by
 * weighted degree then recency; an evicted node takes its edges with it. An
 * edge seen again after its eviction starts again from zero, so it may lack
 * at most evicted_max_weight. Degrees and posts of a node are running totals
 * over everything it was part of, so they stay exact while the node is held.
 *
 * Merge: two networks fed the two halves of a stream merge (dst first) to
 * the network of the whole, exactly, while nothing was evicted.
 *
 * Writing a network out (CSV, JSON, GEXF, GraphML, a summary) is the
 * output layer's: out/network_write.h.
 *
 * Ownership: the caller owns what gs_network_new returns (gs_network_free);
 * strings handed in are copied; readers (snapshots, the writers) only read
 * the network.
 * Errors: 0 or a negative GS_E* code.
 */
#ifndef GS_NETWORK_H
#define GS_NETWORK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"

enum gs_net_kind {
	GS_NET_REPLIES = 1,
	GS_NET_MENTIONS = 2,
	GS_NET_REPOSTS = 4,
	GS_NET_QUOTES = 8,
	GS_NET_ACCOUNTS = 15, /* all four account kinds */
	GS_NET_COTAGS = 16,   /* not combinable with the others */
};

/* Longest account id or tag key kept, in bytes; longer ids are skipped
 * (counted in ids_skipped). */
#define GS_NET_ID_MAX 256

struct gs_network_options {
	unsigned kinds;      /* enum gs_net_kind bits; default GS_NET_ACCOUNTS */
	const char *tag;     /* only posts using this tag (any spelling, '#'
				optional); NULL or "": all posts */
	size_t max_edges;    /* default 2,000,000; at least 1024 (a post with
				32 tags makes 496 co-tag pairs) */
	size_t max_nodes;    /* default 1,000,000; at least 64 */
	int64_t bucket_ms;   /* > 0: record activity per bucket (spells) */
	size_t repost_cache; /* Bluesky tagged posts remembered for their
				reposts' tags; default 262,144 */
	int per_tag;         /* each tag's own account network, all in one
				table (see "Per-tag table" below); not with
				tag or cotags */
};

void gs_network_options_init(struct gs_network_options *o);

struct gs_network;

/* NULL when out of memory or the options are invalid (no kind, cotags
 * combined with account kinds, a tag that does not fold, max_edges <
 * 1024, max_nodes < 64). */
struct gs_network *gs_network_new(const struct gs_network_options *o);
/* A new, empty network with the options of n. */
struct gs_network *gs_network_new_like(const struct gs_network *n);
void gs_network_free(struct gs_network *n);
/* The options n was made with (tag: its folded key, owned by n, or NULL). */
void gs_network_options_of(const struct gs_network *n, struct gs_network_options *o);

/* Counts one post. 0 or GS_ENOMEM (the post may then be partly counted). */
int gs_network_add(struct gs_network *n, const struct gs_post *p);

/* Adds src into dst as if dst had also read src's posts after its own.
 * GS_EUSAGE when their options differ. src is unchanged. */
int gs_network_merge(struct gs_network *dst, const struct gs_network *src);

/* The Bluesky reposts waiting in n (their original was not in the cache
 * where they were read) counted where n's cache now holds the original,
 * and taken off reposts_unresolved; *resolved (may be NULL) says how many.
 * For networks merged from parts that are not one stream cut in order (a
 * Kafka topic's partitions); gs_network_merge resolves only against the
 * earlier part. 0 or GS_ENOMEM (each repost counted whole or left
 * waiting). */
int gs_network_resolve_pending(struct gs_network *n, uint64_t *resolved);

/* issue 12 part 5: deletions. gs_network_retract() takes back what
 * gs_network_add(n, p) counted for p (a post deleted since): posts, the
 * author's posts, each interaction on its edge where the nodes and edge
 * are still held (network_retract.c says what is not undone). For a
 * Bluesky repost, hashes[0..nh) and matched are what
 * gs_network_repost_hashes() gave just before it was added (nh 0:
 * unresolved). Returns 0. */
size_t gs_network_repost_hashes(const struct gs_network *n,
				const struct gs_post *p, uint64_t *out,
				size_t max, int *matched);
int gs_network_retract(struct gs_network *n, const struct gs_post *p,
		       const uint64_t *hashes, size_t nh, int matched);

/* Counters of what was read and held. */
struct gs_network_stats {
	uint64_t posts;              /* posts seen */
	uint64_t posts_selected;     /* posts that passed the tag filter */
	uint64_t nodes_held, edges_held;
	uint64_t weight_held;        /* sum of held edges' weights */
	uint64_t weight_total;       /* every interaction counted, evicted too */
	uint64_t kind_total[4];      /* per kind (replies, mentions, reposts,
					quotes), evicted too */
	uint64_t edges_evicted, weight_evicted, evicted_max_weight;
	uint64_t nodes_evicted;
	uint64_t ids_skipped;        /* ids longer than GS_NET_ID_MAX */
	uint64_t reposts_unresolved; /* Bluesky reposts whose original's tags
					were unknown (tag filter or cotags) */
	int64_t first_ms, last_ms;   /* of selected posts; INT64_MAX/MIN if none */
};

void gs_network_stats(const struct gs_network *n, struct gs_network_stats *s);

/* ---- per-tag table ----------------------------------------------------- */

/*
 * With options.per_tag, one network holds the account network of every tag
 * at once, as if a "--tag T" network had been fed the stream for each tag
 * T: a post counts in the network of each distinct tag it uses (a Bluesky
 * repost in those of its original, as far as the repost cache knows them:
 * at most its first 7 tags), and nothing else. A node is an (tag, account)
 * pair, an edge a (tag, source, target) triple with its four counts; the
 * one pair of caps (max_nodes, max_edges) and the one eviction rule above
 * bound all tags together, so a rare tag's edges go first.
 *
 * gs_network_tag() extracts one tag's network as a plain network (tag
 * filter set to that tag) to write out. It is exactly what a network with
 * "--tag T" would hold, nodes, edges, counts, degrees, posts and times,
 * as long as the table evicted nothing (edges_evicted and nodes_evicted
 * are 0); after evictions, it lacks at most what those counters say. In
 * the extract, posts is the whole stream's, posts_selected and the
 * first/last times are over the tag's held nodes, the totals over its held
 * edges, and the eviction, ids_skipped and reposts_unresolved counters are
 * those of the whole table.
 * Returns NULL with *err GS_EUSAGE (n is not per_tag, or the tag does not
 * fold) or GS_ENOMEM. The caller frees the result.
 */
struct gs_network *gs_network_tag(const struct gs_network *n, const char *tag, int *err);

/* ---- snapshots --------------------------------------------------------- */

/*
 * gs_network_save() writes the whole network (options, counters, nodes,
 * edges, the Bluesky repost cache in FIFO order and the reposts still
 * waiting for their original) as one section "GSNW" (snapio.h; format in
 * docs/snapshot.md); gs_network_load() reads it back into a network that
 * answers and goes on counting exactly as the saved one (node slots are
 * compacted, so evictions after that may pick another of equal priority).
 * Save: 0, GS_EIO or GS_ENOMEM. Load: the network, or NULL with *err
 * GS_EFORMAT (wrong magic or version, bad CRC, or any field the code
 * cannot produce), GS_EIO or GS_ENOMEM; it frees what it built.
 */
int gs_network_save(const struct gs_network *n, FILE *f);
struct gs_network *gs_network_load(FILE *f, int *err);

#endif
