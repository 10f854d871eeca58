/*
 * partstate.h - a partition's counting state as records of bounded size:
 * the format serve's Kafka source publishes to its state topic and reads
 * back (docs/kafka.md), kept apart from librdkafka so that it can be
 * tested and fuzzed as the untrusted bytes it is.
 *
 * A state is the bytes of an engine's snapshot (gs_engine_save) followed
 * by those of its networks (gs_network_save; flags say which), split into
 * chunks; each chunk is one record whose value is a head then the chunk's
 * bytes (little-endian):
 *   "GSKP" u32 version (2) u32 partition u32 flags (GS_PARTSTATE_NET: the
 *   account network follows the engine, GS_PARTSTATE_TAGNET: then the
 *   per-tag network, GS_PARTSTATE_SEALED: the state's bytes are sealed)
 *   i64 next_offset i64 max_ms u64 epoch u64 serial u32 seq u32 count
 *   u64 total (the state's bytes, all chunks).
 * Under a pseudonymisation key the state's bytes are sealed (count/seal.h,
 * kind "GSXK", a key derived for Kafka states) before they are cut: no
 * account id, raw or hashed, goes to the topic, and a record written
 * without the key (by anyone who can produce to the topic) is refused, as
 * is a sealed one where there is no key. The head stays plain: it says
 * nothing of an account, and readers need it to assemble the chunks.
 * Version 1 heads (32 bytes, without the fields from epoch on: one chunk,
 * the engine alone) are still read, as epoch 0.
 *
 * A reader takes a state only when chunks 0..count-1 of one (epoch,
 * serial) arrived in order (struct gs_partstate_set); a chunk that breaks
 * the sequence drops the set. A set holds at most GS_PARTSTATE_MAX bytes,
 * all sets of a pool together at most the pool's max.
 *
 * Ownership: a set owns its buffer (gs_partstate_set_drop frees it); a
 * whole state handed out points into the record or into the set, valid
 * until the next call on that set. gs_partstate_load's engine and networks
 * are the caller's.
 */
#ifndef GS_PARTSTATE_H
#define GS_PARTSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "count/network.h"
#include "groundswell.h"

#define GS_PARTSTATE_MAGIC   "GSKP"
#define GS_PARTSTATE_VERSION 2
#define GS_PARTSTATE_HEAD    64
#define GS_PARTSTATE_HEAD_V1 32
#define GS_PARTSTATE_MAX     ((size_t)1 << 30) /* a state's most, all chunks */
#define GS_PARTSTATE_NET     1u
#define GS_PARTSTATE_TAGNET  2u
#define GS_PARTSTATE_SEALED  4u
#define GS_PARTSTATE_KEY     32 /* the pseudonymisation key's bytes */

/* A record's head. */
struct gs_partstate_head {
	uint32_t version, partition, flags;
	uint32_t seq, count; /* this chunk's number, of count */
	int64_t next;	     /* offset of the first message not counted (-1:
				none counted) */
	int64_t max_ms;	     /* latest post time counted; INT64_MIN: none */
	uint64_t epoch, serial, total;
	size_t len; /* the head's bytes: GS_PARTSTATE_HEAD or _HEAD_V1 */
};

/* Writes h as a version 2 head into b[0..GS_PARTSTATE_HEAD) (h->version
 * and h->len are not read). */
void gs_partstate_head_write(unsigned char *b,
			     const struct gs_partstate_head *h);

/* Reads the head of the record b[0..n): 0, or GS_EFORMAT when b is not a
 * state record of a version this reads. Fields are not checked: see
 * gs_partstate_head_check. */
int gs_partstate_head_read(const unsigned char *b, size_t n,
			   struct gs_partstate_head *h);

/* Whether h, read from a record of n bytes, describes a chunk that can
 * belong to a state: 0, or GS_EFORMAT (unknown flags, a sequence number
 * out of its count, a total of 0 or past GS_PARTSTATE_MAX, more chunks
 * than bytes, a chunk larger than its state, next below -1). The
 * partition number is the caller's to check. */
int gs_partstate_head_check(const struct gs_partstate_head *h, size_t n);

/* What all sets in assembly of one reader hold, against its max. */
struct gs_partstate_pool {
	size_t held, max;
};

/* The chunks of one state in assembly. Zeroed: none. */
struct gs_partstate_set {
	unsigned char *b;
	size_t len, cap;
	struct gs_partstate_head h; /* chunk 0's; h.seq: the next expected */
	int on;
};

/* What gs_partstate_set_add did with a chunk. */
enum gs_partstate_took {
	GS_PARTSTATE_MORE,   /* kept: more chunks to come */
	GS_PARTSTATE_WHOLE,  /* the state is whole: *whole says where */
	GS_PARTSTATE_STRAY,  /* a chunk of a set whose start is gone: ignored */
	GS_PARTSTATE_BAD,    /* the chunks do not add up to the total */
	GS_PARTSTATE_NOROOM, /* no room in the pool (or memory): dropped */
};

/* A whole state: its bytes and the head that describes it. */
struct gs_partstate_whole {
	const unsigned char *b;
	size_t n;
	struct gs_partstate_head h;
};

/* Adds the chunk b[0..n) of the record whose head is h (checked by
 * gs_partstate_head_check) to s, within pool. *dropped is set to 1 when a
 * set in assembly was dropped for it (a new start, or a chunk that breaks
 * its sequence), else 0. On GS_PARTSTATE_WHOLE, *whole points into b or
 * into s until the next call on s; the caller then drops s
 * (gs_partstate_set_drop) once it has read it. */
enum gs_partstate_took
gs_partstate_set_add(struct gs_partstate_set *s, struct gs_partstate_pool *pool,
		     const struct gs_partstate_head *h, const unsigned char *b,
		     size_t n, int *dropped, struct gs_partstate_whole *whole);

/* Frees what s holds and returns it to pool; s is then empty. */
void gs_partstate_set_drop(struct gs_partstate_set *s,
			   struct gs_partstate_pool *pool);

/* Seals a state's bytes p[0..n) under key (GS_PARTSTATE_KEY bytes): 0
 * with *out (malloc'ed, the caller's) and *len, or GS_ENOMEM or GS_EUSAGE
 * (libsodium cannot start). */
int gs_partstate_seal(const unsigned char *p, size_t n,
		      const unsigned char *key, unsigned char **out,
		      size_t *len);

/* Loads a whole state's engine and, as flags say, networks from b[0..n),
 * unsealing it first with key when flags say it is sealed. key is this
 * reader's (NULL: none): a sealed state without one, or a plain one with
 * one, is refused (GS_EUSAGE). 0 with *e (and *net, *tagnet, NULL where
 * flags have none) the caller's, or an error (GS_EUSAGE, GS_EFORMAT: also
 * another key or damage under the seal, GS_ENOMEM, GS_EIO) with all three
 * NULL and why[0..nwhy) saying what was wrong. Bytes after the last part
 * are refused (GS_EFORMAT). */
int gs_partstate_load(const unsigned char *b, size_t n, uint32_t flags,
		      const unsigned char *key, struct gs_engine **e,
		      struct gs_network **net, struct gs_network **tagnet,
		      char *why, size_t nwhy);

#endif
