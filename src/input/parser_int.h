/*
 * parser_int.h - what the two halves of the parser share (private).
 *
 *   parser_read.c  the walk: one JSON object of any format into a struct obj
 *                  (the general walk, and the Jetstream layout fast path)
 *   parser.c       lines into posts: dispatch (JSON, arrays, SSE), the
 *                  format decided from the keys seen, posts built from the
 *                  objects, non-posts by kind, the public API
 *
 * Ownership: every struct obj lives in the parser's pool and every string
 * in the line or the parser's arena, until the next line is parsed; nothing
 * here is freed by its user.
 */
#ifndef GS_PARSER_INT_H
#define GS_PARSER_INT_H

#include <stddef.h>
#include <string.h>

#include "groundswell.h"
#include "json.h"

/*
 * Objects (posts, their originals and references) are taken from a pool
 * that grows in chunks, so pointers into it stay valid while a line is
 * read. A line may hold at most POOL_BASE + len / POOL_BYTES of them: a
 * full-archive twarc2 page (500 tweets, a few hundred includes.tweets and
 * their referenced_tweets) needs a few thousand in a line of megabytes,
 * while a line made of empty objects is refused before the pool outgrows
 * a small multiple of the line.
 */
#define POOL_CHUNK 256
#define POOL_BASE  8192
#define POOL_BYTES 512
#define ARENA_MIN  (256u << 10)

/*
 * The keys a tag or mention list is filled from. A key met again in the
 * same object replaces what it gave before (the JSON convention: the last
 * wins), so each entry remembers its key, and an object's entries from two
 * keys (Bluesky's tag facets and record tags) stay apart.
 */
enum list_src {
	SRC_HASHTAGS,	   /* entities.hashtags */
	SRC_USER_MENTIONS, /* entities.user_mentions (v1.1) */
	SRC_MENTIONS,	   /* entities.mentions (v2) */
	SRC_MTAGS,	   /* Mastodon tags */
	SRC_MMENTIONS,	   /* Mastodon mentions */
	SRC_FACETS,	   /* Bluesky facets */
	SRC_RTAGS,	   /* Bluesky record tags */
	SRC_URLS,	   /* entities.urls (Twitter) */
	SRC_EMBED,	   /* Bluesky embed.external (and of recordWithMedia) */
	SRC_COUNT
};

struct taglist {
	size_t n, dropped;
	unsigned srcs; /* bit per list_src with entries or drops */
	struct gs_str v[GS_POST_MAX_TAGS];
	unsigned char src[GS_POST_MAX_TAGS];
	unsigned dropped_src[SRC_COUNT]; /* valid where srcs has the bit */
};

struct mentlist {
	size_t n;
	unsigned srcs;
	struct gs_str v[GS_POST_MAX_MENTIONS];
	struct gs_str h[GS_POST_MAX_MENTIONS]; /* handles, or empty */
	unsigned char src[GS_POST_MAX_MENTIONS];
};

/* Issue 12 part 4: the links of an object as the walk met them (Twitter's
 * entities.urls, Bluesky's link facets and external embed), each source's
 * once; a Bluesky post often gives one URL as both a facet and an embed,
 * so the list holds twice a post's links and the post takes each once
 * (gs_parser_links). Mastodon's card and content are only located by the
 * walk, and read when the post is built. */
#define OBJ_MAX_URLS (2 * GS_POST_MAX_URLS)

struct urllist {
	size_t n, dropped;
	unsigned srcs;
	struct gs_str v[OBJ_MAX_URLS];
	unsigned char src[OBJ_MAX_URLS];
};

enum {
	K_USER = 1 << 0,
	K_AUTHOR = 1 << 1, /* author_id or author */
	K_ACCOUNT = 1 << 2,
	K_DID = 1 << 3,
	K_KIND = 1 << 4,
	K_DATA = 1 << 5,
	K_ENTITIES = 1 << 6,
	K_EXT_ENTITIES = 1 << 7,
	K_MTAGS = 1 << 8,  /* Mastodon tags[] / Bluesky record tags */
	K_FACETS = 1 << 9, /* Bluesky */
	K_TIME = 1 << 10,
	K_TS_MS = 1 << 11,  /* timestamp_ms wins over created_at */
	K_ID_STR = 1 << 12, /* id_str wins over id */
	K_RETWEET_REF = 1 << 13,
	K_MTAGS_READ = 1 << 14,
	K_REPLY_STR = 1 << 15, /* in_reply_to_user_id_str wins */
	K_TEXT = 1 << 16,      /* a text: what tweets have, users do not */
	K_REFS = 1 << 17, /* referenced_tweets read (ref_set: what it set) */
};

/* What a referenced_tweets array turned on (struct obj's ref_set), so that
 * one met again in the object can take it back: the last wins. */
enum { REF_REPOST = 1, REF_QUOTE = 2, REF_REPLY = 4 };

struct obj {
	unsigned keys;
	int is_reply, is_quote, is_repost, is_commit_create;
	int id_rounded;		 /* an author id number above 2^53, no string */
	const char *at; /* where the object starts in the line: what is not a
			   post is told from its keys only then (parser.c) */
	int64_t time_ms;
	struct gs_str id, account, lang, reply_user, ref_type, retweet_ref;
	struct gs_str handle, reply_handle; /* author's, replied-to's */
	const char *text_at, *full_text_at, *ext_text_at;
	struct gs_str text; /* decoded text, once text_done */
	int text_done;
	/* Jetstream */
	struct gs_str kind, operation, collection, rkey, subject_uri;
	struct gs_str quote_did; /* Bluesky: author of the quoted post */
	unsigned ref_set;	 /* REF_*: what referenced_tweets turned on */
	/* issue 12 part 2: Bluesky's langs (lang is the first) */
	struct gs_str langs[GS_POST_MAX_LANGS];
	size_t nlangs;
	/* tags and mentions; extended_tweet's entities replace the top
	 * level's in either key order (K_EXT_ENTITIES) */
	struct taglist tags;
	struct mentlist ment;
	struct obj *orig;   /* retweeted_status, reblog, expanded reference */
	struct obj *quoted; /* quoted_status, expanded quoted reference */
	struct gs_str quote_ref;
	/* issue 12 part 4: links */
	struct urllist urls;
	const char *content_at; /* Mastodon: the HTML content, undecoded */
	struct gs_str card_url; /* Mastodon: card.url */
};

struct gs_parser {
	enum gs_format forced, last_format;
	int no_handles; /* gs_parser_set_handles(ps, 0): HKEY gives NULL */
	size_t max_line;
	struct gs_arena arena;
	struct obj **chunks; /* the pool: nchunks chunks of POOL_CHUNK */
	size_t nchunks, pool_used, pool_max;
	size_t pool_room;	   /* min(pool_max, objects in the chunks) */
	struct obj **data, **incl; /* a page's data[] and includes.tweets */
	size_t ndata, nincl, data_cap, incl_cap;
	/* a page's includes.users: id and username, sorted by id once a
	 * post asks (users_sorted) */
	struct gs_str (*users)[2];
	size_t nusers, users_cap;
	int users_sorted;
	struct gs_post *posts;
	size_t posts_cap;
	int skipped;
	enum gs_nonpost nonpost;
	int sse_update; /* the last SSE "event:" was "update" */
	int sse_delete; /* the last SSE "event:" was "delete" */
	/* issue 12 part 5: the delete the last line was, if retr_set */
	struct gs_retraction retr;
	int retr_set;
	int sse;	/* 1: SSE seen, -1: JSON Lines seen, 0: not yet */
	int pool_full;	/* obj_new failed: 1 the cap, 2 out of memory */
	size_t dropped; /* malformed posts left out of a page or array */
	const char *line;
	char reason[160];
};

#define KEY(k, lit) GS_STR_IS(k, lit)

/* parser.c. gs_parser_fail keeps the first reason of a line (printf
 * style) and returns err; gs_parser_json_fail words a scanner error with its
 * column ("truncated JSON", "malformed JSON near column N"); wrong_type
 * says "field 'KEY' has the wrong type" and returns GS_ETYPE. pool_grow
 * makes room for one object (0, or -1 past the line's cap or out of memory,
 * which pool_error then words); obj_list_push appends to a growing list of
 * pool objects (0 or GS_ENOMEM). */
/* The key of a handle to read (k), or NULL when handles are not wanted. */
#define HKEY(ps, k) ((ps)->no_handles ? NULL : (k))

int gs_parser_fail(struct gs_parser *ps, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int gs_parser_json_fail(struct gs_parser *ps, struct gs_json *j, int err);
int gs_parser_wrong_type(struct gs_parser *ps, struct gs_str key);
int gs_parser_pool_grow(struct gs_parser *ps);
int gs_parser_pool_error(struct gs_parser *ps);
int gs_parser_obj_list_push(struct gs_parser *ps, struct obj ***v, size_t *n,
			    size_t *cap, struct obj *o);
/* Appends a user of includes.users (0 or GS_ENOMEM). */
int gs_parser_user_push(struct gs_parser *ps, struct gs_str id,
			struct gs_str username);

/* parser_read.c. gs_parser_walk reads one object of any format into o
 * (depth 0: the line's top level; nested objects two levels deep at most)
 * and returns 0 or a negative GS_E* code with the reason set;
 * walk_jetstream reads a Jetstream commit in Jetstream's own layout and
 * returns 1, or 0 for any other layout or any error (the caller then starts
 * over with gs_parser_walk); sub_obj parses a nested object into a fresh
 * pool object (*out NULL for null); split_at_uri gives the did and rkey of
 * an at:// URI (empty when it is none). */
int gs_parser_walk(struct gs_parser *ps, struct gs_json *j, int depth,
		   struct obj *o);
int gs_parser_walk_jetstream(struct gs_parser *ps, struct gs_json *j,
			     struct obj *o);
int gs_parser_sub_obj(struct gs_parser *ps, struct gs_json *j,
		      struct gs_str key, int depth, struct obj **out);
void gs_parser_split_at_uri(struct gs_str uri, struct gs_str *did,
			    struct gs_str *rkey);

/* parser_links.c (issue 12 part 4). url_push adds a link from source src
 * (empty, or one holding a control character, is ignored; one the same
 * source gave already, too); url_forget drops what src gave (the key met
 * again: the last wins). gs_parser_links fills p->urls from o's links,
 * and for a Mastodon status (mastodon) with tags from its card and the
 * links of its HTML content that are not mentions or hashtags: each URL
 * once, at most GS_POST_MAX_URLS, the rest counted in urls_dropped; only
 * for a post with tags (the engine counts links per tag: the others'
 * would be work for nothing). Links never make a line malformed. */
void gs_parser_url_push(struct gs_parser *ps, struct urllist *l,
			struct gs_str s, enum list_src src);
void gs_parser_url_drop(struct urllist *l, enum list_src src);
static inline void gs_parser_url_forget(struct urllist *l, enum list_src src)
{
	if (l->srcs & 1u << src)
		gs_parser_url_drop(l, src);
}
void gs_parser_links(struct gs_parser *ps, struct obj *o, const char *end,
		     struct gs_post *p, int mastodon);

/* A fresh object from the pool; NULL past the line's cap or out of memory
 * (ps->pool_full says which). */
static inline struct obj *obj_new(struct gs_parser *ps)
{
	if (ps->pool_used >= ps->pool_room && gs_parser_pool_grow(ps))
		return NULL;
	struct obj *o = &ps->chunks[ps->pool_used / POOL_CHUNK]
				   [ps->pool_used % POOL_CHUNK];
	ps->pool_used++;
	memset(o, 0, offsetof(struct obj, tags));
	o->tags.n = o->tags.dropped = 0;
	o->tags.srcs = 0;
	o->ment.n = 0;
	o->ment.srcs = 0;
	o->orig = NULL;
	o->quoted = NULL;
	o->quote_ref.p = "";
	o->quote_ref.n = 0;
	o->urls.n = o->urls.dropped = 0;
	o->urls.srcs = 0;
	o->content_at = NULL;
	o->card_url.p = "";
	o->card_url.n = 0;
	return o;
}

#endif
