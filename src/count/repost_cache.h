/*
 * repost_cache.h - the Bluesky posts a repost may name, and the reposts
 * that named a post not seen yet (private to src/count: the engine and the
 * network each embed one).
 *
 * A Bluesky repost carries no tags: it names its original by did and rkey,
 * and counts under the original's tags only if the original was seen. The
 * cache remembers the last `max` tagged posts in a FIFO ring with a hash
 * index (an open-addressing table of ring positions), so memory is fixed by
 * max; a repost of a post pushed out, or never seen, is unresolved. Such a
 * repost waits in the pending list (at most GS_REPOST_PENDING_MAX) until a
 * merge, where the engine that read the earlier part of the input may hold
 * its original.
 *
 * The rule for a post seen twice (a replayed or overlapping input, or one
 * post in both engines of a merge): the entry keeps its place in the ring
 * and takes what the latest delivery says (gs_repost_cache_put). Why:
 *   - a threaded read then resolves reposts as a one-thread read does: the
 *     reader of a later part resolves the reposts that follow the post's
 *     second delivery from that delivery, never having seen the first, and
 *     the merge puts its entries after the earlier part's;
 *   - the engine's spelling slots name a spelling of the tag as it is now
 *     (a tag evicted and counted anew in between has new slots);
 *   - its place stays: a post delivered twice holds one entry, and does not
 *     push a third post out of the ring before its time.
 *
 * Ownership: the owner embeds the struct, calls gs_repost_cache_init() and
 * finally gs_repost_cache_release(), which frees the ring, the index and
 * the pending list (not what a pending entry points to: the network frees
 * its strings first). Entries are copied in; pointers handed out point into
 * the cache and stay valid until the next put or pend.
 * Errors: 0 or GS_ENOMEM.
 */
#ifndef GS_REPOST_CACHE_H
#define GS_REPOST_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "groundswell.h"

#define GS_REPOST_TAGS	      7 /* tags kept per post: its first */
#define GS_REPOST_PENDING_MAX (1u << 20)

/* A remembered post. 72 bytes (the engine's memory figures count them). */
struct gs_repost_ent {
	uint64_t key; /* gs_repost_key() of the post */
	uint8_t n;    /* tags kept, 1..GS_REPOST_TAGS */
	union {
		/* engine: each tag's spelling slot, 0xFF unknown */
		uint8_t sp[GS_REPOST_TAGS];
		/* network: the post used the filter tag (0 or 1) */
		uint8_t matched;
	};
	uint64_t tags[GS_REPOST_TAGS]; /* xxh3 of each tag's folded key */
};

/* A repost whose original was not in the cache. 32 bytes. */
struct gs_repost_pending {
	uint64_t key; /* gs_repost_key() of the original */
	int64_t time_ms;
	union {
		struct {
			uint64_t ah;  /* xxh3 of the reposting account */
			uint16_t lid; /* language id (engine's table), 0 none */
		} engine;
		struct {
			char *s; /* "account\0target\0", the network's */
			uint16_t alen, tlen;
		} network;
	};
};

struct gs_repost_cache {
	size_t max;		    /* posts to remember; 0: none */
	struct gs_repost_ent *ring; /* max entries, from the first put */
	size_t cap, n, head;	    /* cap: 0 until then, else max; n held;
				       head: the oldest's position */
	uint32_t *idx;		    /* ring position + 1, 0 empty */
	size_t idx_n;		    /* a power of two >= 2 * max */
	struct gs_repost_pending *pending;
	size_t npending, pending_cap;
};

/* An empty cache for max posts; allocates nothing. */
void gs_repost_cache_init(struct gs_repost_cache *c, size_t max);
void gs_repost_cache_release(struct gs_repost_cache *c);

/* The key of the Bluesky post did/rkey (a repost's repost_did/rkey, a
 * post's post_did/rkey). */
uint64_t gs_repost_key(struct gs_str did, struct gs_str rkey);

/* Allocates the ring and index now (a put does when it must). */
int gs_repost_cache_alloc(struct gs_repost_cache *c);

/* Remembers e->key with e's tags under the rule above: a key held is
 * overwritten in its place, a new one goes last, pushing the oldest out
 * when the ring is full. Does nothing when max is 0; GS_ENOMEM when the
 * ring could not be allocated (the post is then not remembered). */
int gs_repost_cache_put(struct gs_repost_cache *c,
			const struct gs_repost_ent *e);

/* The i-th oldest entry, i < c->n (merges and saves walk them so). */
static inline const struct gs_repost_ent *
gs_repost_cache_oldest(const struct gs_repost_cache *c, size_t i)
{
	return &c->ring[(c->head + i) % c->cap];
}

/* After a snapshot's entries were put back in position order (oldest at
 * position 0): makes position head the oldest, as it was when saved.
 * GS_EFORMAT unless head < cap and, if head is not 0, the ring is full. */
int gs_repost_cache_restore_head(struct gs_repost_cache *c, size_t head);

/* A repost of key at time_ms to wait for its original: the new entry, its
 * payload the owner's to fill; NULL when GS_REPOST_PENDING_MAX are waiting
 * or out of memory. */
struct gs_repost_pending *gs_repost_cache_pend(struct gs_repost_cache *c,
					       uint64_t key, int64_t time_ms);

/* Room for cap pending reposts at once (a loader restores a saved
 * capacity, so that the list grows as it would have); 0 or GS_ENOMEM. */
int gs_repost_cache_reserve_pending(struct gs_repost_cache *c, size_t cap);

/* Heap bytes held (ring, index and pending list, as allocated). */
size_t gs_repost_cache_bytes(const struct gs_repost_cache *c);

/* The index slot of key: its entry's position + 1, or the empty slot where
 * it would go. The ring must be allocated. */
static inline uint32_t *gs_repost_cache_slot_(const struct gs_repost_cache *c,
					      uint64_t key)
{
	size_t mask = c->idx_n - 1;
	for (size_t i = (size_t)key & mask;; i = (i + 1) & mask) {
		uint32_t v = c->idx[i];
		if (!v || c->ring[v - 1].key == key)
			return &c->idx[i];
	}
}

/* The entry of key, or NULL when it is not held. Inline: the engine asks
 * for every Bluesky repost. */
static inline const struct gs_repost_ent *
gs_repost_cache_find(const struct gs_repost_cache *c, uint64_t key)
{
	if (!c->cap)
		return NULL;
	uint32_t v = *gs_repost_cache_slot_(c, key);
	return v ? &c->ring[v - 1] : NULL;
}

/* Requests the index slot a find or put of key reads, and, for a put into a
 * full ring, the slot of the entry it pushes out: the index is large and
 * read at random, so the owner asks early and does other work meanwhile. */
static inline void gs_repost_cache_prefetch(const struct gs_repost_cache *c,
					    uint64_t key, int put)
{
	if (!c->cap)
		return;
	size_t mask = c->idx_n - 1;
	__builtin_prefetch(&c->idx[(size_t)key & mask]);
	if (put && c->n == c->cap)
		__builtin_prefetch(
			&c->idx[(size_t)c->ring[c->head].key & mask]);
}

#endif
