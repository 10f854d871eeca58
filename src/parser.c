/*
 * parser.c - one line of any supported format to struct gs_post.
 *
 * The four formats share most of their shape: an object per post with an id,
 * a time, an author object, tag entities, reply fields and an embedded
 * original for reposts. Rather than four parsers that each walk the line, one
 * walk reads whichever of the known keys appear (their names barely overlap
 * across formats) into a struct obj, and the format is decided afterwards from
 * the keys seen: "did"/"kind" is Jetstream, "data" a twarc2 page, "author_id"
 * Twitter v2, "user" Twitter v1.1, "account" Mastodon. Everything else in the
 * line is skipped without being decoded; the post text is decoded only when
 * the format gave no hashtag entities and tags must be extracted from it.
 *
 * Twitter v2 pages carry retweeted originals in includes.tweets, possibly
 * after data[], so a page is walked once into a pool of objects and resolved
 * at the end. Mastodon streaming captures (SSE) are handled line by line:
 * "event: update" arms the next "data:" line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "hashtag.h"
#include "json.h"
#include "timeutil.h"

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
#define POOL_BASE 8192
#define POOL_BYTES 512
#define ARENA_MIN (256u << 10)

struct taglist {
	size_t n, dropped;
	struct gs_str v[GS_POST_MAX_TAGS];
};

struct mentlist {
	size_t n;
	struct gs_str v[GS_POST_MAX_MENTIONS];
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
	K_MTAGS = 1 << 8,   /* Mastodon tags[] / Bluesky record tags */
	K_FACETS = 1 << 9,  /* Bluesky */
	K_TIME = 1 << 10,
	K_TS_MS = 1 << 11,  /* timestamp_ms wins over created_at */
	K_ID_STR = 1 << 12, /* id_str wins over id */
	K_RETWEET_REF = 1 << 13,
	K_MTAGS_READ = 1 << 14,
	K_REPLY_STR = 1 << 15, /* in_reply_to_user_id_str wins */
	K_TEXT = 1 << 16,      /* a text: what tweets have, users do not */
	K_USERNAME = 1 << 17,  /* a twarc2 user object */
	K_TWEET_COUNT = 1 << 18, /* a twarc2 counts bucket */
	K_META = 1 << 19,      /* twarc2 page "meta" */
	K_ERRORS = 1 << 20,    /* twarc2 page "errors" */
	K_ACTION = 1 << 21,    /* a twarc2 compliance job's result */
};

struct obj {
	unsigned keys;
	int is_reply, is_quote, is_repost, is_commit_create;
	int id_rounded;           /* an author id number above 2^53, no string */
	enum gs_nonpost control;  /* a stream control message's top-level key */
	int64_t time_ms;
	struct gs_str id, account, lang, reply_user, ref_type, retweet_ref;
	const char *text_at, *full_text_at, *ext_text_at;
	struct gs_str text; /* decoded text, once text_done */
	int text_done;
	/* Jetstream */
	struct gs_str kind, operation, collection, rkey, subject_uri;
	struct gs_str quote_did; /* Bluesky: author of the quoted post */
	/* tags and mentions; extended_tweet's entities replace the top
	 * level's in either key order (K_EXT_ENTITIES) */
	struct taglist tags;
	struct mentlist ment;
	struct obj *orig; /* retweeted_status, reblog, expanded reference */
	struct obj *quoted; /* quoted_status, expanded quoted reference */
	struct gs_str quote_ref;
};

struct gs_parser {
	enum gs_format forced, last_format;
	size_t max_line;
	struct gs_arena arena;
	struct obj **chunks; /* the pool: nchunks chunks of POOL_CHUNK */
	size_t nchunks, pool_used, pool_max;
	size_t pool_room; /* min(pool_max, objects in the chunks) */
	struct obj **data, **incl; /* a page's data[] and includes.tweets */
	size_t ndata, nincl, data_cap, incl_cap;
	struct gs_post *posts;
	size_t posts_cap;
	int skipped;
	enum gs_nonpost nonpost;
	int sse_update; /* the last SSE "event:" was "update" */
	int sse;        /* 1: SSE seen, -1: JSON Lines seen, 0: not yet */
	int pool_full;  /* obj_new failed: 1 the cap, 2 out of memory */
	const char *line;
	char reason[160];
};

struct gs_parser *gs_parser_new(enum gs_format forced, size_t max_line)
{
	struct gs_parser *ps = calloc(1, sizeof *ps);
	if (!ps)
		return NULL;
	ps->forced = forced;
	ps->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	/* the arena grows to the longest line met (gs_parser_parse) */
	ps->arena.cap = ps->max_line + 64 < ARENA_MIN ? ps->max_line + 64 : ARENA_MIN;
	ps->arena.buf = malloc(ps->arena.cap);
	ps->chunks = malloc(sizeof *ps->chunks);
	ps->posts_cap = 16;
	ps->posts = malloc(ps->posts_cap * sizeof *ps->posts);
	if (ps->chunks) {
		ps->chunks[0] = malloc(POOL_CHUNK * sizeof **ps->chunks);
		ps->nchunks = ps->chunks[0] ? 1 : 0;
	}
	if (!ps->arena.buf || !ps->nchunks || !ps->posts) {
		gs_parser_free(ps);
		return NULL;
	}
	return ps;
}

void gs_parser_free(struct gs_parser *ps)
{
	if (!ps)
		return;
	free(ps->arena.buf);
	for (size_t i = 0; i < ps->nchunks; i++)
		free(ps->chunks[i]);
	free(ps->chunks);
	free(ps->data);
	free(ps->incl);
	free(ps->posts);
	free(ps);
}

enum gs_nonpost gs_parser_nonpost(const struct gs_parser *ps)
{
	return ps->skipped == 1 ? ps->nonpost : GS_NONPOST_NONE;
}

void gs_parser_expect_jsonl(struct gs_parser *ps)
{
	if (!ps->sse)
		ps->sse = -1;
}

const char *gs_nonpost_name(enum gs_nonpost k)
{
	static const char *const names[] = {
#define GS_NONPOST_NAME_(name, key, msg) msg,
		GS_NONPOSTS(GS_NONPOST_NAME_)
#undef GS_NONPOST_NAME_
	};
	return (unsigned)k < GS_NONPOST_COUNT ? names[k] : "unknown";
}

const char *gs_nonpost_key(enum gs_nonpost k)
{
	static const char *const keys[] = {
#define GS_NONPOST_KEY_(name, key, msg) key,
		GS_NONPOSTS(GS_NONPOST_KEY_)
#undef GS_NONPOST_KEY_
	};
	return (unsigned)k < GS_NONPOST_COUNT ? keys[k] : "unknown";
}

/* A line that carries no post, of kind k. */
static int nonpost(struct gs_parser *ps, enum gs_nonpost k)
{
	ps->skipped = 1;
	ps->nonpost = k;
	return 0;
}

const char *gs_parser_reason(const struct gs_parser *ps)
{
	return ps->reason;
}

int gs_parser_skipped(const struct gs_parser *ps)
{
	return ps->skipped;
}

enum gs_format gs_parser_format(const struct gs_parser *ps)
{
	return ps->last_format;
}

static int reason(struct gs_parser *ps, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reason(struct gs_parser *ps, int err, const char *fmt, ...)
{
	if (ps->reason[0])
		return err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof ps->reason, fmt, ap);
	va_end(ap);
	return err;
}

/* Turns a scanner error into a message with its column. */
static int json_reason(struct gs_parser *ps, struct gs_json *j, int err)
{
	if (j->err) {
		long col = j->err_at ? (long)(j->err_at - ps->line) + 1 : 0;
		if (j->err == GS_EUTF8)
			return reason(ps, j->err, "invalid UTF-8 in a string near column %ld", col);
		if (j->err == GS_ETOOLONG)
			return reason(ps, j->err, "string too long near column %ld", col);
		const char *e = j->end;
		while (e > ps->line && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((j->err_at && j->err_at >= j->end) || e == ps->line || e[-1] != '}')
			return reason(ps, j->err, "truncated JSON");
		return reason(ps, j->err, "malformed JSON near column %ld", col);
	}
	return err;
}

static int wrong_type(struct gs_parser *ps, struct gs_str key)
{
	return reason(ps, GS_ETYPE, "field '%.*s' has the wrong type",
		      (int)(key.n > 40 ? 40 : key.n), key.p);
}

/* Makes room for one more object in the pool: 0, or -1 past the line's
 * cap or out of memory (ps->pool_full says which). */
static int pool_grow(struct gs_parser *ps)
{
	if (ps->pool_used >= ps->pool_max) {
		ps->pool_full = 1;
		return -1;
	}
	size_t c = ps->pool_used / POOL_CHUNK;
	if (c >= ps->nchunks) {
		struct obj **v = realloc(ps->chunks, (c + 1) * sizeof *v);
		if (!v) {
			ps->pool_full = 2;
			return -1;
		}
		ps->chunks = v;
		if (!(v[c] = malloc(POOL_CHUNK * sizeof **v))) {
			ps->pool_full = 2;
			return -1;
		}
		ps->nchunks = c + 1;
	}
	ps->pool_room = POOL_CHUNK * ps->nchunks < ps->pool_max
				? POOL_CHUNK * ps->nchunks
				: ps->pool_max;
	return 0;
}

/* A fresh object from the pool; NULL past the line's cap or out of memory
 * (ps->pool_full says which). */
static inline struct obj *obj_new(struct gs_parser *ps)
{
	if (ps->pool_used >= ps->pool_room && pool_grow(ps))
		return NULL;
	struct obj *o = &ps->chunks[ps->pool_used / POOL_CHUNK]
				   [ps->pool_used % POOL_CHUNK];
	ps->pool_used++;
	memset(o, 0, offsetof(struct obj, tags));
	o->tags.n = o->tags.dropped = 0;
	o->ment.n = 0;
	o->orig = NULL;
	o->quoted = NULL;
	o->quote_ref.p = "";
	o->quote_ref.n = 0;
	return o;
}

static void tag_push(struct taglist *l, struct gs_str s)
{
	if (s.n == 0)
		return;
	if (l->n < GS_POST_MAX_TAGS)
		l->v[l->n++] = s;
	else
		l->dropped++;
}

static void ment_push(struct mentlist *l, struct gs_str s)
{
	if (s.n && l->n < GS_POST_MAX_MENTIONS)
		l->v[l->n++] = s;
}

/* Position of a string value, checked for type, skipped undecoded. */
static int lazy_string(struct gs_json *j, const char **at)
{
	enum gs_json_type t = gs_json_peek(j);
	if (t == GS_JSON_NULL) {
		*at = NULL;
		return gs_json_skip(j);
	}
	if (t != GS_JSON_STRING)
		return j->err ? j->err : GS_ETYPE;
	*at = j->p;
	return gs_json_skip(j);
}

/* A string or null (null reads as empty). */
static int opt_string(struct gs_json *j, struct gs_str *out)
{
	if (gs_json_null(j)) {
		out->p = "";
		out->n = 0;
		return 0;
	}
	return gs_json_string(j, out);
}

#define KEY(k, lit) GS_STR_IS(k, lit)

/*
 * Ids as JSON numbers. Twitter's ids exceed 2^53, and archives that went
 * through a tool that reads numbers as doubles (jq 1.6, pandas, JavaScript)
 * carry them rounded: "id":815279070241955800 beside the exact
 * "id_str":"815279070241955840". So a string id always wins, whatever the
 * key order, and a number is used only when no string exists and a double
 * holds it exactly (at most 2^53): a larger one may have been rounded, and
 * would split one account into two or merge two into one.
 */
static int exact_id_number(struct gs_str v)
{
	if (v.n == 0 || v.n > 16)
		return 0;
	uint64_t x = 0;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	return x <= (UINT64_C(1) << 53);
}

/* Reads an id: a string (or null: empty), or a number that is exact; a
 * number that may have been rounded reads as empty and sets *rounded.
 * (gs_json_scalar gives a number as its literal text in the line, a string
 * without escapes right after its quote, one with escapes in the arena: so
 * the byte before tells a long number from a string without a second
 * look at the value.) */
static inline int read_id(struct gs_json *j, struct gs_str *out, int *rounded)
{
	int r = gs_json_scalar(j, out);
	if (r || out->n <= 15 ||
	    (out->p >= j->arena->buf && out->p < j->arena->buf + j->arena->cap) ||
	    out->p[-1] == '"' || exact_id_number(*out))
		return r;
	out->p = "";
	out->n = 0;
	if (rounded)
		*rounded = 1;
	return 0;
}

/* Reads the id of an object (user, author, account): "id_str" or "did",
 * else a string "id", else an exact number "id" (see exact_id_number);
 * *rounded is set when only a number that may have been rounded exists. */
static int read_account_obj(struct gs_parser *ps, struct gs_json *j,
			    struct gs_str *out, int *rounded)
{
	struct gs_str key, v, num = {"", 0};
	int r, seen_num = 0, num_rounded = 0;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "id_str") || KEY(key, "did")) {
			if ((r = gs_json_string(j, &v)))
				return r == GS_ETYPE ? wrong_type(ps, key) : r;
			*out = v;
			/* the id is all we need of an author: the rest of the
			 * object (often most of the line) is only skipped */
			return gs_json_object_skip_rest(j);
		} else if (KEY(key, "id")) {
			if (gs_json_peek(j) == GS_JSON_STRING) {
				/* Mastodon, Twitter v2: nothing better follows */
				if ((r = gs_json_string(j, &v)))
					return r;
				*out = v;
				return gs_json_object_skip_rest(j);
			}
			/* Twitter v1.1: the id_str follows */
			if ((r = read_id(j, &num, &num_rounded)))
				return r == GS_ETYPE ? wrong_type(ps, key) : r;
			seen_num = 1;
		} else if ((r = gs_json_skip(j))) {
			return r;
		}
	}
	if (r == 0 && seen_num) {
		if (num.n)
			*out = num;
		else if (num_rounded && rounded)
			*rounded = 1;
	}
	return r;
}

/* Array of objects; for each, reads the string field named `field` (or
 * `alt`) into a tag list or mention list. Numbers are taken only when
 * exact (read_id), so a mention's rounded "id" gives way to its "id_str"
 * in any order, and is dropped when it stands alone. */
static int read_obj_array(struct gs_parser *ps, struct gs_json *j,
			  struct gs_str arrkey, const char *field,
			  const char *alt, struct taglist *tags,
			  struct mentlist *ment)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? wrong_type(ps, arrkey) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_object_begin(j)))
			return r == GS_ETYPE ? wrong_type(ps, arrkey) : r;
		struct gs_str got = {"", 0}, got_alt = {"", 0};
		while ((r = gs_json_object_next(j, &key)) == 1) {
			if (gs_str_eq(key, field, strlen(field))) {
				if ((r = read_id(j, &got, NULL)))
					return r == GS_ETYPE ? wrong_type(ps, key) : r;
			} else if (alt && gs_str_eq(key, alt, strlen(alt))) {
				if ((r = read_id(j, &got_alt, NULL)))
					return r == GS_ETYPE ? wrong_type(ps, key) : r;
			} else if ((r = gs_json_skip(j))) {
				return r;
			}
		}
		if (r < 0)
			return r;
		if (!got.n)
			got = got_alt;
		if (tags)
			tag_push(tags, got);
		else
			ment_push(ment, got);
	}
	return r;
}

/* "entities": Twitter v1.1 {hashtags[{text}], user_mentions[{id_str}]} or
 * v2 {hashtags[{tag}], mentions[{id, username}]}. */
static int read_entities(struct gs_parser *ps, struct gs_json *j,
			 struct taglist *tags, struct mentlist *ment)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "hashtags"))
			r = read_obj_array(ps, j, key, "text", "tag", tags, NULL);
		else if (KEY(key, "user_mentions"))
			r = read_obj_array(ps, j, key, "id_str", "id", NULL, ment);
		else if (KEY(key, "mentions"))
			r = read_obj_array(ps, j, key, "id", "username", NULL, ment);
		else
			r = gs_json_skip(j);
		if (r)
			return r;
	}
	return r;
}

static int parse_obj(struct gs_parser *ps, struct gs_json *j, int depth,
		     struct obj *o);

static int pool_error(struct gs_parser *ps)
{
	if (ps->pool_full == 2)
		return reason(ps, GS_ENOMEM, "out of memory");
	return reason(ps, GS_ETOOLONG,
		      "too many objects in one line (at most %zu in a line of this length)",
		      ps->pool_max);
}

/* Parses a nested object into a fresh pool object (or skips it when the pool
 * is exhausted or too deep). null gives NULL. */
static int sub_obj(struct gs_parser *ps, struct gs_json *j, struct gs_str key,
		   int depth, struct obj **out)
{
	*out = NULL;
	if (gs_json_null(j))
		return 0;
	if (gs_json_peek(j) != GS_JSON_OBJECT)
		return j->err ? j->err : wrong_type(ps, key);
	if (depth >= 2)
		return gs_json_skip(j);
	struct obj *o = obj_new(ps);
	if (!o)
		return pool_error(ps);
	*out = o;
	return parse_obj(ps, j, depth + 1, o);
}

/* Appends o to a growing list of the pool's objects (a page's data[] or
 * includes.tweets); bounded by the pool's cap. */
static int obj_list_push(struct gs_parser *ps, struct obj ***v, size_t *n,
			 size_t *cap, struct obj *o)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct obj **nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return reason(ps, GS_ENOMEM, "out of memory");
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = o;
	return 0;
}

static int read_extended(struct gs_parser *ps, struct gs_json *j,
			 struct obj *o)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "full_text"))
			r = lazy_string(j, &o->ext_text_at);
		else if (KEY(key, "entities")) {
			o->tags.n = o->tags.dropped = 0;
			o->ment.n = 0;
			r = read_entities(ps, j, &o->tags, &o->ment);
			o->keys |= K_EXT_ENTITIES;
		} else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	return r;
}

/* The did in "at://did:plc:xyz/app.bsky.feed.post/rkey", and the rkey. */
static void split_at_uri(struct gs_str uri, struct gs_str *did,
			 struct gs_str *rkey)
{
	did->p = rkey->p = "";
	did->n = rkey->n = 0;
	if (uri.n < 6 || memcmp(uri.p, "at://", 5) != 0)
		return;
	const char *s = uri.p + 5, *e = uri.p + uri.n;
	const char *slash = memchr(s, '/', (size_t)(e - s));
	if (!slash)
		return;
	did->p = s;
	did->n = (size_t)(slash - s);
	const char *last = slash;
	for (const char *q = slash; q < e; q++)
		if (*q == '/')
			last = q;
	if (last != slash) {
		rkey->p = last + 1;
		rkey->n = (size_t)(e - last - 1);
	}
}

/* A {"uri": ...} strong ref, or the "parent" ref inside a reply. */
static int read_ref(struct gs_parser *ps, struct gs_json *j, const char *want,
		    struct gs_str *uri)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (want && gs_str_eq(key, want, strlen(want)))
			r = read_ref(ps, j, NULL, uri);
		else if (!want && KEY(key, "uri"))
			r = gs_json_string(j, uri);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	return r;
}

/* Bluesky facets: tags and mentions from each feature. */
static int read_facets(struct gs_parser *ps, struct gs_json *j,
		       struct obj *o)
{
	struct gs_str key, k2, v;
	int r;
	if ((r = gs_json_array_begin(j)))
		return r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_object_begin(j)))
			return r;
		while ((r = gs_json_object_next(j, &key)) == 1) {
			if (!KEY(key, "features")) {
				if ((r = gs_json_skip(j)))
					return r;
				continue;
			}
			if ((r = gs_json_array_begin(j)))
				return r == GS_ETYPE ? wrong_type(ps, key) : r;
			while ((r = gs_json_array_next(j)) == 1) {
				if ((r = gs_json_object_begin(j)))
					return r == GS_ETYPE ? wrong_type(ps, key) : r;
				while ((r = gs_json_object_next(j, &k2)) == 1) {
					if (KEY(k2, "tag")) {
						if ((r = gs_json_string(j, &v)))
							return r == GS_ETYPE ? wrong_type(ps, k2) : r;
						tag_push(&o->tags, v);
					} else if (KEY(k2, "did")) {
						if ((r = gs_json_string(j, &v)))
							return r == GS_ETYPE ? wrong_type(ps, k2) : r;
						ment_push(&o->ment, v);
					} else if ((r = gs_json_skip(j))) {
						return r;
					}
				}
				if (r < 0)
					return r;
			}
			if (r < 0)
				return r;
		}
		if (r < 0)
			return r;
	}
	return r;
}

static int read_string_array(struct gs_parser *ps, struct gs_json *j,
			     struct gs_str key, struct taglist *l,
			     struct gs_str *first)
{
	struct gs_str v;
	int r;
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? wrong_type(ps, key) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_string(j, &v)))
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
		if (l)
			tag_push(l, v);
		else if (!first->n)
			*first = v;
	}
	return r;
}

/* 1 when an at:// URI names a record of the given collection. */
static int uri_collection_is(struct gs_str uri, const char *coll)
{
	struct gs_str did, rkey;
	split_at_uri(uri, &did, &rkey);
	size_t n = strlen(coll);
	if (!did.n || !rkey.n)
		return 0;
	const char *c = did.p + did.n + 1; /* after "did/" */
	return (size_t)(rkey.p - 1 - c) == n && memcmp(c, coll, n) == 0;
}

/* embed.record of a post: {"uri"} of app.bsky.embed.record, or
 * {"record": {"uri"}} of app.bsky.embed.recordWithMedia. */
static int read_embed_record(struct gs_parser *ps, struct gs_json *j,
			     struct gs_str *uri, struct gs_str *inner)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "uri"))
			r = gs_json_string(j, uri);
		else if (KEY(key, "record") && gs_json_peek(j) == GS_JSON_OBJECT)
			r = read_ref(ps, j, NULL, inner);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	return r;
}

/*
 * A post's "embed": a quote when it is an app.bsky.embed.record (or a
 * recordWithMedia, whose record is one) that points at a post; records
 * that point at a list, a feed generator or a starter pack are not quotes.
 */
static int read_embed(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key, type = {"", 0}, uri = {"", 0}, inner = {"", 0};
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "$type"))
			r = gs_json_string(j, &type);
		else if (KEY(key, "record") && gs_json_peek(j) == GS_JSON_OBJECT)
			r = read_embed_record(ps, j, &uri, &inner);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	if (r)
		return r;
	struct gs_str q = GS_STR_IS(type, "app.bsky.embed.record") ? uri
			  : GS_STR_IS(type, "app.bsky.embed.recordWithMedia") ? inner
			  : (struct gs_str){"", 0};
	if (q.n && uri_collection_is(q, "app.bsky.feed.post")) {
		struct gs_str rk;
		o->is_quote = 1;
		split_at_uri(q, &o->quote_did, &rk);
	}
	return 0;
}

/* The "record" of a Jetstream commit. */
static int read_record(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key, uri = {"", 0};
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "text")) {
			r = lazy_string(j, &o->text_at);
		} else if (KEY(key, "langs")) {
			r = read_string_array(ps, j, key, NULL, &o->lang);
		} else if (KEY(key, "facets")) {
			o->keys |= K_FACETS;
			r = read_facets(ps, j, o);
		} else if (KEY(key, "tags")) {
			o->keys |= K_MTAGS;
			r = read_string_array(ps, j, key, &o->tags, NULL);
		} else if (KEY(key, "reply")) {
			o->is_reply = 1;
			r = read_ref(ps, j, "parent", &uri);
			struct gs_str rk;
			split_at_uri(uri, &o->reply_user, &rk);
		} else if (KEY(key, "subject")) {
			if (gs_json_peek(j) == GS_JSON_OBJECT)
				r = read_ref(ps, j, NULL, &o->subject_uri);
			else
				r = gs_json_skip(j);
		} else if (KEY(key, "embed")) {
			if (gs_json_peek(j) == GS_JSON_OBJECT)
				r = read_embed(ps, j, o);
			else
				r = gs_json_skip(j);
		} else {
			r = gs_json_skip(j);
		}
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	return r;
}

static int read_commit(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "operation"))
			r = gs_json_string(j, &o->operation);
		else if (KEY(key, "collection"))
			r = gs_json_string(j, &o->collection);
		else if (KEY(key, "rkey"))
			r = gs_json_string(j, &o->rkey);
		else if (KEY(key, "record")) {
			if (gs_json_peek(j) == GS_JSON_OBJECT)
				r = read_record(ps, j, o);
			else
				r = gs_json_skip(j);
		} else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	return r;
}

/* kind: 0 a date string, 1 epoch milliseconds, 2 epoch microseconds. */
static int set_time(struct gs_parser *ps, struct gs_json *j, struct gs_str key,
		    struct obj *o, int kind)
{
	struct gs_str v;
	int64_t ms;
	int r;
	if (kind == 2) {
		int64_t us;
		if ((r = gs_json_int(j, &us)))
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
		/* floor(us / 1000) without overflow, within the range the
		 * time parsers yield (timeutil.h) */
		ms = us / 1000 - (us % 1000 < 0);
		if (ms < GS_TIME_MIN_MS || ms > GS_TIME_MAX_MS)
			return reason(ps, GS_ETIME,
				      "field '%.*s' is not a valid time",
				      (int)key.n, key.p);
	} else {
		r = kind ? gs_json_scalar(j, &v) : gs_json_string(j, &v);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
		if (!v.n)
			return 0;
		if ((kind ? gs_time_parse_epoch_ms(v.p, v.n, &ms)
			  : gs_time_parse_any(v.p, v.n, &ms)) != 0)
			return reason(ps, GS_ETIME,
				      "field '%.*s' is not a valid time",
				      (int)key.n, key.p);
	}
	if (kind || !(o->keys & K_TS_MS)) {
		o->time_ms = ms;
		o->keys |= K_TIME | (kind == 1 ? K_TS_MS : 0);
	}
	return 0;
}

/* An array of tweets (a page's data[] or includes.tweets), or, for data,
 * one tweet object as the v2 stream and sample endpoints send it. */
static int read_page_array(struct gs_parser *ps, struct gs_json *j,
			   struct gs_str key, struct obj ***v, size_t *n,
			   size_t *cap)
{
	int r;
	struct obj *o;
	if (v == &ps->data && gs_json_peek(j) == GS_JSON_OBJECT) {
		if ((r = sub_obj(ps, j, key, 0, &o)))
			return r;
		return obj_list_push(ps, v, n, cap, o);
	}
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? wrong_type(ps, key) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = sub_obj(ps, j, key, 0, &o)))
			return r;
		if (o && (r = obj_list_push(ps, v, n, cap, o)))
			return r;
	}
	return r;
}

static int read_includes(struct gs_parser *ps, struct gs_json *j)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "tweets"))
			r = read_page_array(ps, j, key, &ps->incl, &ps->nincl,
					    &ps->incl_cap);
		else
			r = gs_json_skip(j);
		if (r)
			return r;
	}
	return r;
}

/*
 * Mastodon's quote (4.4 and later): {"state": "accepted", "quoted_status":
 * {Status}} or, for a quote nested in a quote, {"state": "accepted",
 * "quoted_status_id": "..."}. Only an accepted quote is a quote; the other
 * states (pending, rejected, revoked, deleted, unauthorized) show no post.
 */
static int read_quote(struct gs_parser *ps, struct gs_json *j, int depth,
		      struct obj *o)
{
	struct gs_str key, state = {"", 0}, id = {"", 0};
	struct obj *q = NULL;
	int r;
	if (gs_json_null(j))
		return 0;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "state"))
			r = opt_string(j, &state);
		else if (KEY(key, "quoted_status"))
			r = sub_obj(ps, j, key, depth, &q);
		else if (KEY(key, "quoted_status_id"))
			r = gs_json_scalar(j, &id);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? wrong_type(ps, key) : r;
	}
	if (r == 0 && GS_STR_IS(state, "accepted") && (q || id.n)) {
		o->is_quote = 1;
		if (q)
			o->quoted = q;
	}
	return r;
}

/* One object of any format; depth 0 is the line's top level. */
static int parse_obj(struct gs_parser *ps, struct gs_json *j, int depth,
		     struct obj *o)
{
	struct gs_str key, v;
	int r, b;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		r = 0;
		switch (key.n) {
		case 2:
			if (KEY(key, "id") && !(o->keys & K_ID_STR))
				r = read_id(j, &o->id, NULL);
			else
				goto skip;
			break;
		case 3:
			if (KEY(key, "did")) {
				o->keys |= K_DID;
				r = gs_json_string(j, &o->account);
			} else
				goto skip;
			break;
		case 4:
			if (KEY(key, "text")) {
				o->keys |= K_TEXT;
				r = lazy_string(j, &o->text_at);
			} else if (KEY(key, "user")) {
				o->keys |= K_USER;
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? json_reason(ps, j, j->err) : wrong_type(ps, key);
				r = read_account_obj(ps, j, &o->account, &o->id_rounded);
			} else if (KEY(key, "lang"))
				r = opt_string(j, &o->lang);
			else if (KEY(key, "kind")) {
				o->keys |= K_KIND;
				r = gs_json_string(j, &o->kind);
			} else if (KEY(key, "tags")) {
				o->keys |= K_MTAGS;
				r = read_obj_array(ps, j, key, "name", NULL, &o->tags, NULL);
			} else if (KEY(key, "data") && depth == 0) {
				o->keys |= K_DATA;
				r = read_page_array(ps, j, key, &ps->data,
						    &ps->ndata, &ps->data_cap);
			} else if (KEY(key, "type"))
				r = gs_json_string(j, &o->ref_type);
			else if (KEY(key, "meta") && depth == 0) {
				o->keys |= K_META;
				goto skip;
			} else
				goto skip;
			break;
		case 5:
			if (KEY(key, "quote")) {
				r = read_quote(ps, j, depth, o);
				break;
			}
			if (depth == 0 && KEY(key, "limit"))
				o->control = GS_NONPOST_TWITTER_LIMIT;
			else if (depth == 0 && KEY(key, "event"))
				o->control = GS_NONPOST_TWITTER_OTHER;
			goto skip;
		case 6:
			if (KEY(key, "id_str")) {
				o->keys |= K_ID_STR;
				r = gs_json_string(j, &o->id);
			} else if (KEY(key, "author")) {
				o->keys |= K_AUTHOR;
				struct gs_str a = {"", 0};
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? json_reason(ps, j, j->err) : wrong_type(ps, key);
				r = read_account_obj(ps, j, &a, &o->id_rounded);
				if (!o->account.n)
					o->account = a;
			} else if (KEY(key, "commit")) {
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? json_reason(ps, j, j->err) : wrong_type(ps, key);
				r = read_commit(ps, j, o);
			} else if (KEY(key, "reblog")) {
				r = sub_obj(ps, j, key, depth, &o->orig);
				if (o->orig)
					o->is_repost = 1;
			} else if (depth == 0 && KEY(key, "delete")) {
				o->control = GS_NONPOST_TWITTER_DELETE;
				goto skip;
			} else if (depth == 0 && KEY(key, "errors")) {
				o->keys |= K_ERRORS;
				goto skip;
			} else if (depth == 0 && KEY(key, "action")) {
				o->keys |= K_ACTION;
				goto skip;
			} else
				goto skip;
			break;
		case 7:
			if (KEY(key, "account")) {
				o->keys |= K_ACCOUNT;
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? json_reason(ps, j, j->err) : wrong_type(ps, key);
				r = read_account_obj(ps, j, &o->account, &o->id_rounded);
			} else if (KEY(key, "time_us"))
				r = set_time(ps, j, key, o, 2);
			else if (depth == 0 && KEY(key, "warning")) {
				o->control = GS_NONPOST_TWITTER_WARNING;
				goto skip;
			} else if (depth == 0 && (KEY(key, "friends") || KEY(key, "control"))) {
				o->control = GS_NONPOST_TWITTER_OTHER;
				goto skip;
			} else
				goto skip;
			break;
		case 8:
			if (KEY(key, "entities") && (o->keys & K_EXT_ENTITIES)) {
				goto skip; /* extended_tweet's came first */
			} else if (KEY(key, "entities")) {
				o->keys |= K_ENTITIES;
				r = read_entities(ps, j, &o->tags, &o->ment);
			} else if (KEY(key, "language"))
				r = opt_string(j, &o->lang);
			else if (KEY(key, "includes") && depth == 0)
				r = read_includes(ps, j);
			else if (KEY(key, "mentions"))
				r = read_obj_array(ps, j, key, "id", "acct", NULL, &o->ment);
			else if (KEY(key, "username")) {
				o->keys |= K_USERNAME;
				goto skip;
			} else
				goto skip;
			break;
		case 9:
			if (KEY(key, "full_text"))
				r = lazy_string(j, &o->full_text_at);
			else if (KEY(key, "author_id")) {
				o->keys |= K_AUTHOR;
				r = read_id(j, &o->account, &o->id_rounded);
			} else if (depth == 0 && KEY(key, "scrub_geo")) {
				o->control = GS_NONPOST_TWITTER_SCRUB_GEO;
				goto skip;
			} else
				goto skip;
			break;
		case 10:
			if (KEY(key, "created_at"))
				r = set_time(ps, j, key, o, 0);
			else if (depth == 0 && KEY(key, "disconnect")) {
				o->control = GS_NONPOST_TWITTER_DISCONNECT;
				goto skip;
			} else
				goto skip;
			break;
		case 11:
			if (KEY(key, "tweet_count"))
				o->keys |= K_TWEET_COUNT;
			goto skip;
		case 12:
			if (KEY(key, "timestamp_ms"))
				r = set_time(ps, j, key, o, 1);
			else
				goto skip;
			break;
		case 13:
			if (KEY(key, "quoted_status")) {
				r = sub_obj(ps, j, key, depth, &o->quoted);
			} else if (depth == 0 && KEY(key, "user_withheld")) {
				o->control = GS_NONPOST_TWITTER_WITHHELD;
				goto skip;
			} else
				goto skip;
			break;
		case 14:
			if (depth == 0 && KEY(key, "direct_message")) {
				o->control = GS_NONPOST_TWITTER_OTHER;
				goto skip;
			}
			if (KEY(key, "extended_tweet"))
				r = gs_json_null(j) ? 0 : read_extended(ps, j, o);
			else if (KEY(key, "in_reply_to_id")) {
				r = gs_json_scalar(j, &v);
				o->is_reply |= v.n > 0;
			} else
				goto skip;
			break;
		case 15:
			if (KEY(key, "is_quote_status")) {
				if (gs_json_null(j))
					break;
				r = gs_json_bool(j, &b);
				o->is_quote |= r == 0 && b;
			} else if (depth == 0 && KEY(key, "status_withheld")) {
				o->control = GS_NONPOST_TWITTER_WITHHELD;
				goto skip;
			} else
				goto skip;
			break;
		case 16:
			if (KEY(key, "retweeted_status")) {
				r = sub_obj(ps, j, key, depth, &o->orig);
				if (o->orig)
					o->is_repost = 1;
			} else if (KEY(key, "quoted_status_id")) {
				r = gs_json_scalar(j, &v);
				o->is_quote |= v.n > 0;
			} else
				goto skip;
			break;
		case 17:
			if (KEY(key, "referenced_tweets")) {
				if ((r = gs_json_array_begin(j)))
					break;
				while ((r = gs_json_array_next(j)) == 1) {
					struct obj *ref;
					if ((r = sub_obj(ps, j, key, depth, &ref)))
						return r;
					if (!ref)
						continue;
					if (GS_STR_IS(ref->ref_type, "retweeted")) {
						o->is_repost = 1;
						o->retweet_ref = ref->id;
						o->keys |= K_RETWEET_REF;
						if (ref->keys & (K_ENTITIES | K_AUTHOR))
							o->orig = ref;
					} else if (GS_STR_IS(ref->ref_type, "quoted")) {
						o->is_quote = 1;
						o->quote_ref = ref->id;
						if (ref->account.n)
							o->quoted = ref;
					} else if (GS_STR_IS(ref->ref_type, "replied_to")) {
						o->is_reply = 1;
					}
				}
			} else
				goto skip;
			break;
		case 19:
			if (KEY(key, "in_reply_to_user_id") && !(o->keys & K_REPLY_STR))
				r = read_id(j, &o->reply_user, NULL);
			else
				goto skip;
			break;
		case 21:
			if (KEY(key, "in_reply_to_status_id")) {
				r = gs_json_scalar(j, &v);
				o->is_reply |= v.n > 0;
			} else
				goto skip;
			break;
		case 20:
			if (KEY(key, "quoted_status_id_str")) {
				r = gs_json_scalar(j, &v);
				o->is_quote |= v.n > 0;
			} else
				goto skip;
			break;
		case 22:
			if (KEY(key, "in_reply_to_account_id"))
				r = gs_json_scalar(j, &o->reply_user);
			else
				goto skip;
			break;
		case 23:
			if (KEY(key, "in_reply_to_user_id_str")) {
				o->keys |= K_REPLY_STR;
				r = read_id(j, &o->reply_user, NULL);
			} else
				goto skip;
			break;
		case 25:
			if (KEY(key, "in_reply_to_status_id_str")) {
				r = gs_json_scalar(j, &v);
				o->is_reply |= v.n > 0;
			} else
				goto skip;
			break;
		default:
		skip:
			r = gs_json_skip(j);
		}
		if (r == GS_ETYPE)
			return wrong_type(ps, key);
		if (r)
			return r;
	}
	return r;
}

/* Decodes a lazily kept string value. */
static int decode_at(struct gs_parser *ps, const char *at, const char *end,
		     struct gs_str *out)
{
	struct gs_json j;
	gs_json_init(&j, at, (size_t)(end - at), &ps->arena);
	int r = gs_json_string(&j, out);
	return r ? json_reason(ps, &j, r) : 0;
}

/* Tags of a tweet-like object: its entities when it has them, else (when
 * from_text) the hashtags found in its text. Bluesky posts never take tags
 * from their text: in its data model a hashtag exists only as a tag facet
 * or in the record's "tags", and the app shows an unfaceted "#word" as
 * plain text. */
static int choose_tags(struct gs_parser *ps, struct obj *o, const char *end,
		       struct gs_post *p, int from_text)
{
	const struct taglist *l = NULL;
	const struct mentlist *m = &o->ment;
	if ((o->keys & (K_EXT_ENTITIES | K_ENTITIES | K_MTAGS | K_FACETS)) ||
	    !from_text) {
		l = &o->tags;
	}
	if (l) {
		memcpy(p->tags, l->v, l->n * sizeof l->v[0]);
		p->ntags = l->n;
		p->tags_dropped = l->dropped;
	} else {
		const char *at = o->ext_text_at  ? o->ext_text_at
				 : o->full_text_at ? o->full_text_at
						   : o->text_at;
		struct gs_str text;
		p->ntags = p->tags_dropped = 0;
		if (at) {
			/* Decoded once: retweets in a page share an original
			 * in includes.tweets, and the arena only holds the
			 * line's strings once. */
			if (!o->text_done) {
				int r = decode_at(ps, at, end, &o->text);
				if (r)
					return r;
				o->text_done = 1;
			}
			text = o->text;
			size_t n = gs_hashtag_extract(text.p, text.n, p->tags,
						      GS_POST_MAX_TAGS);
			p->ntags = n < GS_POST_MAX_TAGS ? n : GS_POST_MAX_TAGS;
			p->tags_dropped = n - p->ntags;
		}
	}
	memcpy(p->mentions, m->v, m->n * sizeof m->v[0]);
	p->nmentions = m->n;
	return 0;
}

static const struct gs_str empty_str = {"", 0};

static void post_clear(struct gs_post *p)
{
	p->flags = 0;
	p->time_ms = 0;
	p->id = p->account = p->lang = p->reply_to = empty_str;
	p->post_did = p->post_rkey = p->repost_did = p->repost_rkey = empty_str;
	p->repost_id = p->repost_account = p->quote_account = empty_str;
	p->ntags = p->tags_dropped = p->nmentions = 0;
}

static enum gs_format detect(const struct obj *o)
{
	if (o->keys & (K_DID | K_KIND))
		return GS_FORMAT_JETSTREAM;
	if (o->keys & K_DATA)
		return GS_FORMAT_TWITTER2;
	if (o->keys & K_USER)
		return GS_FORMAT_TWITTER1;
	if (o->keys & K_ACCOUNT)
		return GS_FORMAT_MASTODON;
	if (o->keys & K_AUTHOR)
		return GS_FORMAT_TWITTER2;
	return GS_FORMAT_AUTO;
}

/* Builds the post of a tweet-like object (v1.1, v2, Mastodon). */
static int build_post(struct gs_parser *ps, struct obj *o, enum gs_format f,
		      const char *end, struct gs_post *p)
{
	post_clear(p);
	p->format = f;
	if (!o->account.n && o->id_rounded)
		return reason(ps, GS_EMISSING,
			      "no author: field '%s' is a number above 2^53 that may have been rounded, and no string id is given",
			      f == GS_FORMAT_TWITTER1 ? "user.id" : "author_id");
	if (!o->account.n)
		return reason(ps, GS_EMISSING, "no author: field '%s' missing",
			      f == GS_FORMAT_TWITTER1   ? "user.id_str"
			      : f == GS_FORMAT_MASTODON ? "account.id"
							: "author_id");
	if (!(o->keys & K_TIME))
		return reason(ps, GS_EMISSING, "no time: field 'created_at' missing");
	p->id = o->id;
	p->account = o->account;
	p->time_ms = o->time_ms;
	p->lang = o->lang;
	p->reply_to = o->reply_user;
	struct obj *src = o;
	if (o->is_repost) {
		p->flags |= GS_POST_REPOST;
		p->repost_id = o->orig ? o->orig->id : o->retweet_ref;
		if (o->orig)
			src = o->orig;
		else if (o->keys & K_RETWEET_REF)
			for (size_t i = 0; i < ps->nincl; i++)
				if (ps->incl[i]->id.n == o->retweet_ref.n &&
				    memcmp(ps->incl[i]->id.p, o->retweet_ref.p,
					   o->retweet_ref.n) == 0) {
					src = ps->incl[i];
					break;
				}
		p->reply_to = empty_str;
		if (src != o)
			p->repost_account = src->account;
	} else {
		if (o->is_reply)
			p->flags |= GS_POST_REPLY;
		if (o->is_quote) {
			p->flags |= GS_POST_QUOTE;
			if (o->quoted)
				p->quote_account = o->quoted->account;
			else if (o->quote_ref.n)
				for (size_t i = 0; i < ps->nincl; i++)
					if (gs_str_eq(ps->incl[i]->id, o->quote_ref.p, o->quote_ref.n)) {
						p->quote_account = ps->incl[i]->account;
						break;
					}
		}
	}
	return choose_tags(ps, src, end, p, 1);
}

static int build_jetstream(struct gs_parser *ps, struct obj *o,
			   const char *end, struct gs_post *p)
{
	post_clear(p);
	p->format = GS_FORMAT_JETSTREAM;
	if (!GS_STR_IS(o->kind, "commit"))
		return nonpost(ps, GS_NONPOST_BSKY_IDENTITY);
	if (!GS_STR_IS(o->operation, "create"))
		return nonpost(ps, GS_NONPOST_BSKY_DELETE);
	int is_post = GS_STR_IS(o->collection, "app.bsky.feed.post");
	int is_repost = GS_STR_IS(o->collection, "app.bsky.feed.repost");
	if (!is_post && !is_repost)
		return nonpost(ps, GS_STR_IS(o->collection, "app.bsky.feed.like")
				       ? GS_NONPOST_BSKY_LIKE
				   : GS_STR_IS(o->collection, "app.bsky.graph.follow") ||
					   GS_STR_IS(o->collection, "app.bsky.graph.block")
				       ? GS_NONPOST_BSKY_FOLLOW
				       : GS_NONPOST_BSKY_OTHER);
	if (!o->account.n)
		return reason(ps, GS_EMISSING, "no author: field 'did' missing");
	if (!(o->keys & K_TIME))
		return reason(ps, GS_EMISSING, "no time: field 'time_us' missing");
	p->account = o->account;
	p->time_ms = o->time_ms;
	p->id = o->rkey;
	p->lang = o->lang;
	if (is_repost) {
		p->flags = GS_POST_REPOST;
		split_at_uri(o->subject_uri, &p->repost_did, &p->repost_rkey);
		p->repost_id = o->subject_uri;
		p->repost_account = p->repost_did;
		if (!p->repost_rkey.n)
			return reason(ps, GS_EMISSING, "repost without 'subject.uri'");
		return 1;
	}
	p->post_did = o->account;
	p->post_rkey = o->rkey;
	if (o->is_reply) {
		p->flags |= GS_POST_REPLY;
		p->reply_to = o->reply_user;
	}
	if (o->is_quote) {
		p->flags |= GS_POST_QUOTE;
		p->quote_account = o->quote_did;
	}
	int r = choose_tags(ps, o, end, p, 0);
	return r ? r : 1;
}

/* Consumes the literal lit at the cursor; 0 when it is not there. */
static inline __attribute__((always_inline)) int
expect(struct gs_json *j, const char *lit, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

#define EXPECT(j, lit) expect(j, lit, sizeof lit - 1)

/*
 * Jetstream writes every commit in one layout (Go's encoder, struct field
 * order): {"did":..,"time_us":..,"kind":"commit","commit":{"rev":..,
 * "operation":..,"collection":..,"rkey":..,"record":{..},"cid":..}}. A
 * line in exactly that layout is read here with one compare per key
 * instead of a scan and a dispatch per key; its values are read by the
 * same functions as parse_obj's (the record by read_record), so the
 * result is the same. Returns 1 when the whole line was read, 0 when it
 * is in any other layout or has any error: the caller then starts over
 * with parse_obj, which also words the error.
 */
static int parse_jetstream_commit(struct gs_parser *ps, struct gs_json *j,
				  struct obj *o)
{
	static const struct gs_str k_time = {"time_us", 7};
	if (!EXPECT(j, "{\"did\":") || gs_json_string(j, &o->account) ||
	    !EXPECT(j, ",\"time_us\":") || set_time(ps, j, k_time, o, 2))
		return 0;
	o->keys |= K_DID | K_KIND;
	o->kind.p = j->p + 9;
	o->kind.n = 6;
	if (!EXPECT(j, ",\"kind\":\"commit\",\"commit\":{\"rev\":") ||
	    gs_json_peek(j) != GS_JSON_STRING || gs_json_skip(j) ||
	    !EXPECT(j, ",\"operation\":") || gs_json_string(j, &o->operation) ||
	    !EXPECT(j, ",\"collection\":") ||
	    gs_json_string(j, &o->collection) || !EXPECT(j, ",\"rkey\":") ||
	    gs_json_string(j, &o->rkey) || !EXPECT(j, ",\"record\":") ||
	    gs_json_peek(j) != GS_JSON_OBJECT)
		return 0;
	j->depth = 2;
	if (read_record(ps, j, o) < 0 || !EXPECT(j, ",\"cid\":") ||
	    gs_json_peek(j) != GS_JSON_STRING || gs_json_skip(j) ||
	    !EXPECT(j, "}}"))
		return 0;
	j->depth = 0;
	return gs_json_finish(j) == 0;
}

/* Posts of a page's data[] (or a JSON array's elements): each element
 * built by its own format; elements that are not tweets (twarc2 users,
 * counts, lists) make the line a non-post of their kind when no element is
 * a tweet. */
static int build_list(struct gs_parser *ps, enum gs_format page_format,
		      unsigned top_keys, const char *end,
		      const struct gs_post **posts)
{
	int r;
	if (ps->ndata > ps->posts_cap) {
		struct gs_post *v = realloc(ps->posts, ps->ndata * sizeof *v);
		if (!v)
			return reason(ps, GS_ENOMEM, "out of memory");
		ps->posts = v;
		ps->posts_cap = ps->ndata;
	}
	*posts = ps->posts;
	size_t k = 0;
	enum gs_nonpost other = GS_NONPOST_NONE;
	for (size_t i = 0; i < ps->ndata; i++) {
		struct obj *d = ps->data[i];
		enum gs_format f = page_format;
		if (f == GS_FORMAT_AUTO) { /* a JSON array: each by its keys */
			f = detect(d);
			if (f != GS_FORMAT_AUTO && ps->forced != GS_FORMAT_AUTO &&
			    f != ps->forced)
				return reason(ps, GS_EFORMAT,
					      "element %zu of the array is not a %s post (looks like %s)",
					      i + 1, gs_format_name(ps->forced),
					      gs_format_name(f));
		}
		if (f != GS_FORMAT_AUTO)
			ps->last_format = f;
		if (f == GS_FORMAT_JETSTREAM) {
			if ((r = build_jetstream(ps, d, end, &ps->posts[k])) < 0)
				return r;
			if (r == 0) {
				ps->skipped = 0;
				other = ps->nonpost;
				continue;
			}
			k++;
			continue;
		}
		if (f == GS_FORMAT_AUTO ||
		    (f == GS_FORMAT_TWITTER2 && !(d->keys & (K_TEXT | K_AUTHOR)))) {
			enum gs_nonpost np = d->keys & K_USERNAME ? GS_NONPOST_TWARC2_USERS
					     : d->keys & K_TWEET_COUNT ? GS_NONPOST_TWARC2_COUNTS
								       : GS_NONPOST_TWARC2_OTHER;
			if (page_format == GS_FORMAT_AUTO && !d->control && np == GS_NONPOST_TWARC2_OTHER)
				return reason(ps, GS_EFORMAT,
					      "element %zu of the array is not a post of any known format",
					      i + 1);
			if (d->control)
				np = d->control;
			if (!other)
				other = np;
			continue;
		}
		if ((r = build_post(ps, d, f, end, &ps->posts[k])))
			return r;
		k++;
	}
	if (k == 0)
		return nonpost(ps, other ? other
				   : page_format == GS_FORMAT_AUTO ? GS_NONPOST_EMPTY_ARRAY
				   : (top_keys & K_ERRORS) ? GS_NONPOST_TWARC2_ERRORS
							   : GS_NONPOST_TWARC2_EMPTY);
	return (int)k;
}

/* A line that is a JSON array: its elements are read as posts, as `jq -c
 * '.[]'` would split them (saved API answers: Mastodon timelines, search
 * results). */
static int parse_array_line(struct gs_parser *ps, struct gs_json *j,
			    const char *end, const struct gs_post **posts)
{
	static const struct gs_str k_elem = {"[]", 2};
	int r;
	if ((r = gs_json_array_begin(j)))
		return json_reason(ps, j, r);
	while ((r = gs_json_array_next(j)) == 1) {
		struct obj *o;
		if (gs_json_peek(j) != GS_JSON_OBJECT) {
			if (j->err)
				return json_reason(ps, j, j->err);
			return reason(ps, GS_ETYPE,
				      "element %zu of the array is not an object",
				      ps->ndata + 1);
		}
		if ((r = sub_obj(ps, j, k_elem, 0, &o)))
			return json_reason(ps, j, r);
		if ((r = obj_list_push(ps, &ps->data, &ps->ndata, &ps->data_cap, o)))
			return r;
	}
	if (r == 0)
		r = gs_json_finish(j);
	if (r)
		return json_reason(ps, j, r);
	return build_list(ps, GS_FORMAT_AUTO, 0, end, posts);
}

static int parse_json_line(struct gs_parser *ps, const char *s, size_t n,
			   const struct gs_post **posts)
{
	struct gs_json j;
	/* Invalid UTF-8 anywhere makes the line malformed, even in fields
	 * that are skipped: such a line was damaged on its way here. */
	size_t bad = gs_utf8_check(s, n);
	if (bad < n)
		return reason(ps, GS_EUTF8, "invalid UTF-8 near column %zu",
			      (size_t)(s - ps->line) + bad + 1);
	gs_json_init(&j, s, n, &ps->arena);
	j.utf8_checked = 1;
	if (gs_json_peek(&j) == GS_JSON_ARRAY)
		return parse_array_line(ps, &j, s + n, posts);
	struct obj *o = obj_new(ps);
	int r;
	if (!o)
		return pool_error(ps);
	if (n > 8 && s[2] == 'd' && parse_jetstream_commit(ps, &j, o)) {
		r = 0;
	} else {
		/* start over (what the attempt decoded is dropped) */
		ps->reason[0] = 0;
		ps->arena.used = 0;
		ps->pool_used = 0;
		gs_json_init(&j, s, n, &ps->arena);
		j.utf8_checked = 1;
		o = obj_new(ps);
		r = parse_obj(ps, &j, 0, o);
		/* SSE data that is no object */
		if (r == GS_ETYPE && !ps->reason[0])
			return reason(ps, GS_EJSON,
				      "malformed JSON: not an object");
		if (r == 0)
			r = gs_json_finish(&j);
		if (r)
			return json_reason(ps, &j, r);
	}
	enum gs_format f = detect(o);
	if (f == GS_FORMAT_AUTO) {
		/* the documented non-posts of the formats */
		if (o->control)
			return nonpost(ps, o->control);
		if (o->keys & K_ERRORS)
			return nonpost(ps, GS_NONPOST_TWARC2_ERRORS);
		if (o->keys & K_META)
			return nonpost(ps, GS_NONPOST_TWARC2_EMPTY);
		if ((o->keys & K_USERNAME) && !(o->keys & K_TEXT))
			return nonpost(ps, GS_NONPOST_TWARC2_USERS);
		if (o->keys & K_ACTION)
			return nonpost(ps, GS_NONPOST_TWARC2_COMPLIANCE);
		return reason(ps, GS_EFORMAT, "not a post of any known format");
	}
	if (ps->forced != GS_FORMAT_AUTO && f != ps->forced)
		return reason(ps, GS_EFORMAT, "not a %s post (looks like %s)",
			      gs_format_name(ps->forced), gs_format_name(f));
	ps->last_format = f;
	const char *end = s + n;
	if (f == GS_FORMAT_JETSTREAM) {
		r = build_jetstream(ps, o, end, &ps->posts[0]);
		*posts = ps->posts;
		return r;
	}
	if (o->keys & K_DATA)
		return build_list(ps, f, o->keys, end, posts);
	if ((r = build_post(ps, o, f, end, &ps->posts[0])))
		return r;
	*posts = ps->posts;
	return 1;
}

static int starts(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(s, lit, l) == 0;
}

int gs_parser_parse(struct gs_parser *ps, const char *line, size_t len,
		    const struct gs_post **posts)
{
	ps->reason[0] = 0;
	ps->skipped = 0;
	ps->nonpost = GS_NONPOST_NONE;
	ps->arena.used = 0;
	ps->pool_used = 0;
	ps->pool_full = 0;
	ps->ndata = ps->nincl = 0;
	ps->line = line;
	*posts = ps->posts;
	if (len > ps->max_line)
		return reason(ps, GS_ETOOLONG, "line longer than %zu bytes", ps->max_line);
	/* decoded strings never outgrow their line (json.h) */
	if (len + 64 > ps->arena.cap) {
		size_t cap = ps->arena.cap;
		while (cap < len + 64)
			cap *= 2;
		char *b = malloc(cap);
		if (!b)
			return reason(ps, GS_ENOMEM, "out of memory");
		free(ps->arena.buf);
		ps->arena.buf = b;
		ps->arena.cap = cap;
	}
	ps->pool_max = POOL_BASE + len / POOL_BYTES;
	ps->pool_room = POOL_CHUNK * ps->nchunks < ps->pool_max
				? POOL_CHUNK * ps->nchunks
				: ps->pool_max;
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
		ps->line = line;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
		       line[len - 1] == '\t'))
		len--;
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len) {
		ps->skipped = 2;
		ps->sse_update = 0;
		return 0;
	}
	if (line[i] == '{' || line[i] == '[') {
		if (!ps->sse)
			ps->sse = -1;
		return parse_json_line(ps, line, len, posts);
	}
	/* Server-sent events, as Mastodon's streaming API sends them. */
	const char *s = line + i;
	size_t n = len - i;
	if (ps->forced == GS_FORMAT_AUTO || ps->forced == GS_FORMAT_MASTODON) {
		if (starts(s, n, "event:")) {
			const char *e = s + 6;
			ps->sse = 1;
			while (e < s + n && *e == ' ')
				e++;
			ps->sse_update = (size_t)(s + n - e) == 6 && memcmp(e, "update", 6) == 0;
			ps->skipped = 2;
			return 0;
		}
		if (starts(s, n, "data:")) {
			const char *d = s + 5;
			if (d < s + n && *d == ' ')
				d++;
			ps->sse = 1;
			if (!ps->sse_update)
				return nonpost(ps, GS_NONPOST_MASTODON_EVENT);
			ps->sse_update = 0;
			int r = parse_json_line(ps, d, (size_t)(s + n - d), posts);
			if (r >= 0 && ps->last_format != GS_FORMAT_MASTODON)
				return reason(ps, GS_EFORMAT, "SSE update is not a Mastodon status");
			return r;
		}
		if (starts(s, n, "id:") || starts(s, n, "retry:")) {
			ps->sse = 1;
			ps->skipped = 2;
			return 0;
		}
		/* A comment (Mastodon's ":)" greeting, ": thump" heartbeats)
		 * belongs to SSE only: in JSON Lines it is a damaged line. */
		if (s[0] == ':' && ps->sse >= 0) {
			ps->skipped = 2;
			return 0;
		}
		if (s[0] == ':')
			return reason(ps, GS_EJSON,
				      "malformed JSON: a line starting with ':' (an SSE comment) in JSON Lines input");
	}
	return reason(ps, GS_EJSON, "malformed JSON: line does not start with '{'");
}
