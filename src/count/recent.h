/*
 * recent.h - the recent posts a live retraction can still undo (issue 12
 * part 5: deletions).
 *
 * A delete event names a post by id only; to take the post's contribution
 * back, what it counted must be known: its tags, bucket, flags, language,
 * mentions, reply target and author, and for a Bluesky repost the tags of
 * the original it was counted under. The table remembers the last posts in
 * a FIFO log of packed records bounded in bytes (max_bytes): each record is
 * the post itself, its strings copied (gs_recent_pack), plus the hashes of
 * the tags a Bluesky repost was counted under, about 100 to 300 bytes; the
 * oldest records are pushed out as new ones come. A hash index (open
 * addressing, linear probing, backward-shift deletion) finds a record by
 * gs_post_key(). A delete of a post pushed out, or never seen, finds
 * nothing: the caller counts it as unresolved.
 *
 * A post delivered twice with the same record (a replayed input) is counted
 * twice by the engine; its record then says so (times) and a retraction
 * undoes both deliveries. A different record under a key already held
 * replaces it (the last delivery wins).
 *
 * Ownership: the owner embeds the struct (gs_recent_init) and releases it
 * (gs_recent_release). Records are copied in; what gs_recent_take and
 * gs_recent_unpack hand out points into the table and stays valid until
 * the next put. Errors: 0 or GS_ENOMEM.
 */
#ifndef GS_RECENT_H
#define GS_RECENT_H

#include <stddef.h>
#include <stdint.h>

#include "groundswell.h"

/* Most tag hashes a record keeps for a Bluesky repost (the repost caches
 * keep the original's first 7: the engine's, a network's, and a word of
 * the owner's). */
#define GS_RECENT_HASHES 16

/* Default bound: 128 MiB, about 600,000 posts of Jetstream (a few hours of
 * Bluesky's posts and reposts), more of shorter Mastodon and Twitter
 * records. */
#define GS_RECENT_DEFAULT_BYTES ((size_t)128 << 20)

struct gs_recent {
	size_t max_bytes; /* the log's size; 0: nothing is remembered */
	unsigned char *log;
	size_t head, tail; /* oldest record's offset; where the next goes */
	size_t used;	   /* bytes from head to tail, skips included */
	uint32_t *idx;	   /* record offset / 8 + 1; 0 empty */
	size_t idx_n, n;   /* index slots (a power of two); live records */
	uint64_t evicted;  /* records pushed out while live */
};

/* An empty table of max_bytes; allocates nothing. */
void gs_recent_init(struct gs_recent *t, size_t max_bytes);
void gs_recent_release(struct gs_recent *t);

/* A post as a record: what gs_recent_unpack gives back. The post's strings
 * are copied; hashes[0..nh) (nh <= GS_RECENT_HASHES) are the tags a
 * Bluesky repost was counted under. Returns the record's length, which
 * fits buf when it is at most size (else nothing useful is written). */
size_t gs_recent_pack(const struct gs_post *p, const uint64_t *hashes,
		      size_t nh, unsigned char *buf, size_t size);

/* Remembers key's record rec[0..n) (as gs_recent_pack wrote it), pushing
 * the oldest records out; a record longer than max_bytes / 4 is not kept.
 * 0, or GS_ENOMEM (the post is then not remembered). */
int gs_recent_put(struct gs_recent *t, uint64_t key, const unsigned char *rec,
		  size_t n);

/* Takes key's record out of the table: 1 with *rec, *n and *times (the
 * deliveries it stands for) set, or 0 when it is not held. */
int gs_recent_take(struct gs_recent *t, uint64_t key, const unsigned char **rec,
		   size_t *n, unsigned *times);

/* A record back as a post (its strings point into rec) and the hashes of
 * the tags a Bluesky repost was counted under (*nh of them). 0, or
 * GS_EFORMAT for bytes that are no record. */
int gs_recent_unpack(const unsigned char *rec, size_t n, struct gs_post *p,
		     uint64_t *hashes, size_t *nh);

/* Whether key is held (the table is not changed). */
int gs_recent_has(const struct gs_recent *t, uint64_t key);

/* Walks the live records, oldest first (what a snapshot saves): start
 * with *cursor zeroed; 1 with the record's key, bytes and deliveries, 0 at
 * the end. The table must not change meanwhile. */
struct gs_recent_cursor {
	size_t off, done;
};
int gs_recent_walk(const struct gs_recent *t, struct gs_recent_cursor *c,
		   uint64_t *key, const unsigned char **rec, size_t *n,
		   unsigned *times);

/* Heap bytes held (log and index). */
size_t gs_recent_bytes(const struct gs_recent *t);

#endif
