/*
 * handles.h - the latest handle of each account, in bounded memory, so that
 * outputs can show "@name" beside an account id.
 *
 * Posts carry handles beside ids (struct gs_post: handle, reply_to_handle,
 * repost_handle, quote_handle, mention_handles; v1.1 screen_name, v2
 * username, Mastodon acct; Bluesky gives only DIDs). A struct gs_handles
 * maps an account id to the handle of its latest sighting: the one seen at
 * the latest post time, ties broken by the greater handle bytes (memcmp,
 * then the longer), a total order, so that the table of a whole stream and
 * the merge of tables of its parts give the same answer for any split and
 * any merge order.
 *
 * Bounds: at most max entries (ids of at most GS_HANDLE_ID_MAX bytes,
 * handles of at most GS_HANDLE_MAX bytes; longer ones are skipped and
 * counted). When a new account would exceed max, the tenth of the entries
 * seen least recently (the oldest sighting; ties: the smaller id hash) is
 * evicted; an evicted account seen again is noted again. The users of the
 * table feed it only the accounts that reach an output (the network's
 * nodes, the mentions of tagged posts), so the recent ones of those are
 * kept. With nothing evicted, merges are exact.
 *
 * Ownership: struct gs_handles is a value its holder embeds (init,
 * release); ids and handles handed in are copied; strings returned belong
 * to the table and are valid until it changes.
 * Errors: 0 or GS_ENOMEM; loading: GS_EFORMAT for any field the code
 * cannot produce.
 */
#ifndef GS_HANDLES_H
#define GS_HANDLES_H

#include <stddef.h>
#include <stdint.h>

#include "groundswell.h"

#define GS_HANDLE_MAX	 256 /* longest handle kept, bytes */
#define GS_HANDLE_ID_MAX 256 /* longest account id kept, bytes */

struct gs_handle_ent {
	uint64_t hash; /* xxh3 of the id */
	int64_t ms;    /* time of the sighting */
	uint16_t idlen, hlen;
	char *s; /* id, NUL, handle, NUL; NULL: an empty slot */
};

struct gs_handles {
	struct gs_handle_ent *v; /* open addressing, linear probing */
	size_t nslots, n, max;
	uint64_t evicted, skipped;
	size_t bytes; /* of the strings */
};

/* An empty table of at most max entries (at least 16). */
void gs_handles_init(struct gs_handles *h, size_t max);
void gs_handles_release(struct gs_handles *h);

/* Notes that account id was seen with handle at time ms. Empty ids or
 * handles are ignored; over-long ones counted as skipped. */
int gs_handles_note(struct gs_handles *h, struct gs_str id,
		    struct gs_str handle, int64_t ms);

/* What gs_handles_note_post notes of a post. */
enum {
	GS_HANDLES_AUTHOR = 1,
	GS_HANDLES_REPLY = 2,
	GS_HANDLES_REPOST = 4,
	GS_HANDLES_QUOTE = 8,
	GS_HANDLES_MENTIONS = 16,
	GS_HANDLES_ALL = 31,
};

/* Notes the handles of a post (what: GS_HANDLES_* bits), all at the
 * post's time. */
int gs_handles_note_post(struct gs_handles *h, const struct gs_post *p,
			 unsigned what);

/* The latest handle of account id, or NULL. */
const char *gs_handles_get(const struct gs_handles *h, const char *id,
			   size_t len);

/* The entry of account id, or NULL. */
const struct gs_handle_ent *gs_handles_entry(const struct gs_handles *h,
					     const char *id, size_t len);

/* Adds src's entries to dst (each account: the later sighting), then
 * evicts down to dst's max. src is unchanged. */
int gs_handles_merge(struct gs_handles *dst, const struct gs_handles *src);

/* Heap bytes held. */
size_t gs_handles_memory(const struct gs_handles *h);

/* The latest handle of an account mentioned in a tagged post (the ids of
 * gs_engine_mentions), or NULL; the engine's. */
struct gs_engine;
const char *gs_engine_handle(const struct gs_engine *e, const char *id);
/* Whether e notes the handles of the accounts mentioned in tagged posts:
 * off in a new engine (what needs no mentioned list, as report, pays
 * nothing), on for tag and serve; engines made by gs_engine_new_like take
 * it over, snapshots keep it. */
void gs_engine_keep_handles(struct gs_engine *e, int on);

/* In a snapshot (snapio.h): u64 max, evicted, skipped, n, then n x (i64
 * ms, u16 idlen, id, u16 hlen, handle), by id hash (then bytes). Loading
 * checks every field (lengths within the bounds, no empty string, no NUL,
 * no id twice, that order, n <= max) and fills an initialised, empty
 * table: what loads saves to the same bytes. */
struct gs_wr;
struct gs_rd;
void gs_handles_save(struct gs_wr *w, const struct gs_handles *h);
int gs_handles_load(struct gs_rd *r, struct gs_handles *h);

#endif
