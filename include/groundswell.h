/*
 * groundswell.h - public API of libgroundswell.
 *
 * groundswell reads social-media archives (Twitter v1.1 and v2, Bluesky
 * Jetstream, Mastodon) one JSON line at a time and measures every hashtag
 * movement in them: posts, reposts, replies, distinct accounts, timelines,
 * co-occurring tags, languages and mentions.
 *
 * The pieces:
 *   struct gs_parser  turns one input line into zero or more struct gs_post;
 *   struct gs_engine  counts posts; holds no global state; two engines fed
 *                     disjoint parts of a stream merge into the engine of the
 *                     whole (gs_engine_merge);
 *   struct gs_reader  reads lines from files or stdin (.gz and .zst too) with
 *                     a cap on line length.
 *
 * Ownership: every *_new has a *_free; the caller owns what *_new returns.
 * A struct gs_post and the strings it points to are borrowed from the parser
 * and valid only until the next call on that parser. Strings handed to the
 * engine are copied when it keeps them. Nothing returned as const is to be
 * freed by the caller.
 *
 * Errors: functions return 0 (or a count) on success and a negative GS_E*
 * code on failure; gs_strerror() gives its message.
 */
#ifndef GROUNDSWELL_H
#define GROUNDSWELL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h> /* ssize_t */

#ifdef __cplusplus
extern "C" {
#endif

#define GS_VERSION "0.1.0"

/* One error table for the whole library: see gs_strerror(). */
#define GS_ERRORS(X)                                                           \
	X(GS_OK, 0, "success")                                                 \
	X(GS_ENOMEM, -1, "out of memory")                                      \
	X(GS_EIO, -2, "input/output error")                                    \
	X(GS_EJSON, -3, "malformed JSON")                                      \
	X(GS_EUTF8, -4, "invalid UTF-8")                                       \
	X(GS_ETOOLONG, -5, "line too long")                                    \
	X(GS_ETYPE, -6, "field has the wrong type")                            \
	X(GS_EFORMAT, -7, "unrecognised input format")                         \
	X(GS_EMISSING, -8, "required field missing")                           \
	X(GS_ETIME, -9, "unparseable time")                                    \
	X(GS_EUSAGE, -10, "invalid argument")                                  \
	X(GS_ENOTFOUND, -11, "not found")                                      \
	X(GS_EDECOMPRESS, -12, "corrupt compressed input")                     \
	X(GS_ENOPOSTS, -13, "no post in the input")

enum gs_err {
#define GS_ERR_ENUM_(name, val, msg) name = val,
	GS_ERRORS(GS_ERR_ENUM_)
#undef GS_ERR_ENUM_
};

/* Message for a GS_E* code; never NULL. */
const char *gs_strerror(int err);

/* A borrowed byte string, not NUL-terminated. */
struct gs_str {
	const char *p;
	size_t n;
};

enum gs_format {
	GS_FORMAT_AUTO = 0,
	GS_FORMAT_TWITTER1,  /* Twitter API v1.1, as twarc writes it */
	GS_FORMAT_TWITTER2,  /* Twitter API v2: twarc2 pages or flattened */
	GS_FORMAT_JETSTREAM, /* Bluesky Jetstream events */
	GS_FORMAT_MASTODON,  /* Mastodon Status entities, or SSE captures */
	GS_FORMAT_COUNT_
};

/* "twitter1", "twitter2", "jetstream", "mastodon" (and "auto"). */
const char *gs_format_name(enum gs_format f);
/* Parses a format name; returns GS_FORMAT_COUNT_ when unknown. */
enum gs_format gs_format_parse(const char *name);

/* ---- Posts ------------------------------------------------------------ */

#define GS_POST_MAX_TAGS 32     /* tags kept per post; more are counted */
#define GS_POST_MAX_MENTIONS 16 /* mentions kept per post */
#define GS_POST_MAX_LANGS    3	/* Bluesky langs kept per post (its limit) */
#define GS_POST_MAX_URLS     8	/* links kept per post; more are counted */

enum gs_post_flags {
	GS_POST_REPOST = 1, /* retweet, reblog, Bluesky repost */
	GS_POST_REPLY = 2,
	GS_POST_QUOTE = 4,
};

/*
 * One post, as every format is reduced to. Strings are borrowed (see the
 * ownership rule above). A repost carries the original's tags; a Bluesky
 * repost instead names the original in repost_did/repost_rkey and the engine
 * looks its tags up among the posts it has seen (post_did/post_rkey).
 */
struct gs_post {
	enum gs_format format;
	unsigned flags;          /* enum gs_post_flags */
	int64_t time_ms;         /* UTC, milliseconds since the epoch */
	struct gs_str id;        /* post id */
	struct gs_str account;   /* author (the reposter for reposts) */
	struct gs_str lang;      /* BCP 47 tag or empty */
	struct gs_str reply_to;  /* account replied to, or empty */
	struct gs_str post_did, post_rkey;     /* Bluesky: this post */
	struct gs_str repost_did, repost_rkey; /* Bluesky repost: original */
	struct gs_str repost_id; /* id (Bluesky: URI) of the reposted post */
	struct gs_str repost_account; /* author of the reposted post */
	struct gs_str quote_account;  /* author of the quoted post */
	size_t ntags;            /* tags stored (<= GS_POST_MAX_TAGS) */
	size_t tags_dropped;     /* tags beyond the cap */
	struct gs_str tags[GS_POST_MAX_TAGS]; /* spellings as posted, no '#' */
	size_t nmentions;
	struct gs_str mentions[GS_POST_MAX_MENTIONS]; /* account ids */
	/* issue 12 part 2: filters (--lang, --accounts) */
	size_t nlangs; /* Bluesky: langs as given (lang is the first), at most
			  GS_POST_MAX_LANGS; a repost without a language of
			  its own (a Mastodon reblog): the reposted post's */
	struct gs_str langs[GS_POST_MAX_LANGS];
	/* issue 12 part 1: handles, as the platform gives them beside the
	 * ids above (v1.1 screen_name, v2 username, Mastodon acct); empty
	 * where the format gives none (Bluesky gives only DIDs) */
	struct gs_str handle; /* author's handle (the reposter's) or empty */
	struct gs_str reply_to_handle; /* of reply_to, or empty */
	struct gs_str repost_handle;   /* of repost_account, or empty */
	struct gs_str quote_handle;    /* of quote_account, or empty */
	struct gs_str
		mention_handles[GS_POST_MAX_MENTIONS]; /* of mentions[i] */
	/* issue 12 part 4: links. The URLs the post shares, as the platform
	 * gives them (JSON- and, for Mastodon's HTML, entity-decoded), each
	 * once; a repost carries the original's (a Bluesky repost none: it
	 * names its original only). Read only for a post with tags: the
	 * engine counts them per tag. */
	size_t nurls;
	size_t urls_dropped; /* distinct links beyond the cap */
	struct gs_str urls[GS_POST_MAX_URLS];
};

/* ---- Parser ----------------------------------------------------------- */

/* Longest line read, unless --max-line says otherwise. Twitter v2
 * full-archive pages (500 tweets with their expansions) are a few MB to
 * tens of MB on one line; buffers grow to the longest line actually met. */
#define GS_DEFAULT_MAX_LINE (64u << 20) /* 64 MiB */

struct gs_parser;

/* A parser for lines of at most max_line bytes (0: the default); forced is
 * GS_FORMAT_AUTO to detect the format per line. NULL when out of memory. */
struct gs_parser *gs_parser_new(enum gs_format forced, size_t max_line);
void gs_parser_free(struct gs_parser *ps);

/*
 * Parses one line (without its newline). On success returns the number of
 * posts found (0 for lines that carry none: Jetstream deletes and other
 * collections, SSE framing, empty lines) and points *posts at them; they stay
 * valid until the next call. On failure returns a negative GS_E* code and
 * gs_parser_reason() describes what was wrong, e.g. "field 'user' has the
 * wrong type". When a well-formed line carries no post, gs_parser_skipped()
 * tells why: 1 for an event that is not a post (a Jetstream like or delete,
 * a Mastodon "delete" event), 2 for framing (blank lines, SSE "event:" and
 * comment lines), which is not worth counting.
 */
int gs_parser_parse(struct gs_parser *ps, const char *line, size_t len,
		    const struct gs_post **posts);
const char *gs_parser_reason(const struct gs_parser *ps);
int gs_parser_skipped(const struct gs_parser *ps);
/* Whether the handles beside the ids (gs_post's *handle* fields) are read:
 * on by default; off (on == 0), they stay empty and the parse is cheaper
 * (about 2% of report's instructions on Twitter v1.1), for outputs that
 * show no account. */
void gs_parser_set_handles(struct gs_parser *ps, int on);

/* What a well-formed line that carries no post was (gs_parser_skipped() 1):
 * the documented non-posts of each format, counted by kind in summaries.
 * New kinds are appended: serve's state counts them by their index. */
#define GS_NONPOSTS(X)                                                         \
	X(GS_NONPOST_NONE, "none", "none")                                     \
	X(GS_NONPOST_TWITTER_DELETE, "twitter_delete", "twitter delete notices") \
	X(GS_NONPOST_TWITTER_LIMIT, "twitter_limit", "twitter limit notices")  \
	X(GS_NONPOST_TWITTER_SCRUB_GEO, "twitter_scrub_geo", "twitter scrub_geo notices") \
	X(GS_NONPOST_TWITTER_WITHHELD, "twitter_withheld", "twitter withheld notices") \
	X(GS_NONPOST_TWITTER_DISCONNECT, "twitter_disconnect", "twitter disconnect messages") \
	X(GS_NONPOST_TWITTER_WARNING, "twitter_warning", "twitter stall warnings") \
	X(GS_NONPOST_TWITTER_OTHER, "twitter_other", "other twitter stream messages") \
	X(GS_NONPOST_TWARC2_EMPTY, "twarc2_empty", "twarc2 pages without tweets") \
	X(GS_NONPOST_TWARC2_ERRORS, "twarc2_errors", "twarc2 error-only lines") \
	X(GS_NONPOST_TWARC2_USERS, "twarc2_users", "twarc2 user lines")        \
	X(GS_NONPOST_TWARC2_COUNTS, "twarc2_counts", "twarc2 tweet-count lines") \
	X(GS_NONPOST_TWARC2_OTHER, "twarc2_other", "twarc2 lines of other objects (lists?)") \
	X(GS_NONPOST_TWARC2_COMPLIANCE, "twarc2_compliance", "twarc2 compliance results") \
	X(GS_NONPOST_BSKY_DELETE, "bsky_delete", "bluesky deletes and updates") \
	X(GS_NONPOST_BSKY_LIKE, "bsky_like", "bluesky likes")                  \
	X(GS_NONPOST_BSKY_FOLLOW, "bsky_follow", "bluesky follows and blocks") \
	X(GS_NONPOST_BSKY_OTHER, "bsky_other", "bluesky other records")        \
	X(GS_NONPOST_BSKY_IDENTITY, "bsky_identity", "bluesky identity and account events") \
	X(GS_NONPOST_MASTODON_EVENT, "mastodon_event", "mastodon non-update events") \
	X(GS_NONPOST_EMPTY_ARRAY, "empty_array", "empty JSON arrays")

enum gs_nonpost {
#define GS_NONPOST_ENUM_(name, key, msg) name,
	GS_NONPOSTS(GS_NONPOST_ENUM_)
#undef GS_NONPOST_ENUM_
	GS_NONPOST_COUNT
};

/* The kind of the last line that carried no post (GS_NONPOST_NONE after a
 * post, an error or framing). */
enum gs_nonpost gs_parser_nonpost(const struct gs_parser *ps);
/* Plural description of a kind, e.g. "twitter delete notices"; never NULL. */
const char *gs_nonpost_name(enum gs_nonpost k);
/* The kind as a key for JSON and CSV, e.g. "twitter_delete"; never NULL. */
const char *gs_nonpost_key(enum gs_nonpost k);
/* Tells the parser that its input is JSON Lines, not a server-sent events
 * capture, before it has seen a line of it (the later parts of a file
 * split across threads): a line starting with ':' is then malformed. */
void gs_parser_expect_jsonl(struct gs_parser *ps);
/* Format of the last line parsed successfully. */
enum gs_format gs_parser_format(const struct gs_parser *ps);
/* After a line that gave posts: how many of its posts (a page's or an
 * array's) were malformed and left out; gs_parser_reason() then names the
 * first ("post 17 of 500: no author: ..."). 0 for every other line. */
size_t gs_parser_dropped(const struct gs_parser *ps);

/* ---- Retractions (issue 12 part 5: deletions) ------------------------- */

/* A delete event: a post its author (or the platform) took back. */
struct gs_retraction {
	enum gs_format format;
	unsigned flags;	       /* GS_POST_REPOST: a Bluesky repost record */
	int64_t time_ms;       /* when the delete was sent (Jetstream), or 0 */
	struct gs_str id;      /* Twitter, Mastodon: the status id; Bluesky:
				  the record's rkey */
	struct gs_str account; /* Twitter: user id (may be empty); Bluesky:
				  the did; Mastodon: empty */
};

/*
 * After a line that carried no post: 1 and *r filled (strings borrowed
 * like a post's) when it was a delete of a post or repost (a Jetstream
 * "delete" commit of app.bsky.feed.post or app.bsky.feed.repost, a Mastodon
 * streaming "event: delete" and its "data:" line, a Twitter v1.1 stream
 * {"delete":{"status":...}} notice); else 0. Such lines stay counted as
 * non-posts of their kind (gs_parser_nonpost): batch commands ignore them,
 * serve retracts the posts they name.
 */
int gs_parser_retraction(const struct gs_parser *ps, struct gs_retraction *r);

/* The key under which a post is remembered for its retraction, and that
 * of what a retraction names: equal when they are the same post (Bluesky:
 * did and rkey, posts and reposts apart; else the status id, per
 * platform). */
uint64_t gs_post_key(const struct gs_post *p);
uint64_t gs_retraction_key(const struct gs_retraction *r);

/* ---- Reader ----------------------------------------------------------- */

struct gs_reader;

/*
 * Opens path ("-" for standard input) for reading lines of at most max_line
 * bytes (0: the default). gzip and zstd input is recognised by its magic
 * bytes and decompressed on the fly: gzip by Intel ISA-L's igzip, or by zlib
 * when the environment variable GROUNDSWELL_INFLATE is "zlib" (both read
 * the same streams alike). NULL on failure with *err set (GS_EIO: errno
 * tells why; GS_ENOMEM; GS_EUSAGE: gzip input, and GROUNDSWELL_INFLATE
 * names no decoder).
 */
struct gs_reader *gs_reader_open(const char *path, size_t max_line, int *err);

/*
 * Like gs_reader_open() for the bytes [start, end) of an uncompressed
 * regular file (end < 0: to the end), for reading parts of one file in
 * parallel; start should be 0 or just after a newline. Compressed files are
 * refused with GS_EUSAGE.
 */
struct gs_reader *gs_reader_open_range(const char *path, size_t max_line,
				       int64_t start, int64_t end, int *err);

/*
 * Like gs_reader_open(), but a regular gzip file of several members (bgzip,
 * cat of .gz files) or zstd file of several frames (pzstd, cat of .zst
 * files) is decoded on up to threads threads (src/input/members.h), with
 * the same lines and the same damage as one thread gives. threads < 2, or
 * a file of one member or frame: exactly gs_reader_open().
 */
struct gs_reader *gs_reader_open_threads(const char *path, size_t max_line,
					 unsigned threads, int *err);

/* 1 when the file's first bytes are gzip or zstd magic, 0 if not, GS_EIO. */
int gs_file_is_compressed(const char *path);

/* 0 when the environment variable GROUNDSWELL_INFLATE is unset, empty,
 * "isal" or "zlib"; GS_EUSAGE when it names no gzip decoder (for a
 * program to say so before it reads anything). */
int gs_inflate_env_check(void);

/*
 * Next line, without its newline (a final line without one counts too).
 * Returns 1 and sets *line and *len (valid until the next call), 0 at the end,
 * GS_ETOOLONG for a line over the cap (it is skipped; reading may go on),
 * GS_EIO or GS_EDECOMPRESS when reading failed (reading stops).
 */
int gs_reader_next(struct gs_reader *r, const char **line, size_t *len);
/*
 * The decoded bytes, no line splitting (for a reader that cuts lines
 * itself, e.g. the pipelined read of compressed input): up to n into dst.
 * Returns the count, 0 at the end, GS_EIO or GS_EDECOMPRESS when reading
 * failed (then again on every later call; gs_reader_damage says what and
 * where; every byte decoded before the damage was returned). Not to be
 * mixed with gs_reader_next on the same reader.
 */
ssize_t gs_reader_read(struct gs_reader *r, char *dst, size_t n);
/*
 * After GS_EDECOMPRESS: what was wrong with the compressed input and where,
 * as "gzip truncated at compressed byte N (decompressed byte M)" (or
 * "corrupt data", "trailing garbage"; "zstd ..."), into buf (at most size
 * bytes, terminated). Every complete line before the damage was returned.
 * Returns 1, or 0 (buf empty) when the input was not found damaged.
 */
int gs_reader_damage(const struct gs_reader *r, char *buf, size_t size);
/* Number of the line last returned, from 1. */
uint64_t gs_reader_lineno(const struct gs_reader *r);
/* Bytes consumed from the file so far (compressed bytes for .gz/.zst). */
uint64_t gs_reader_offset(const struct gs_reader *r);
/* Size of the file, or -1 for pipes. */
int64_t gs_reader_size(const struct gs_reader *r);
void gs_reader_close(struct gs_reader *r);

/* ---- Engine ----------------------------------------------------------- */

/* Heap bytes an engine holds, by what they hold (allocator overhead not
 * included). */
struct gs_memory {
	size_t table, tags, accounts, timelines, timeline_sketches, summaries,
		repost_cache, total;
	size_t tracked; /* tags to summaries as the engine keeps count of them
			   (for gs_engine_set_max_bytes) */
};

struct gs_engine_options {
	int64_t bucket_ms;     /* timeline bucket width; default 1 hour */
	size_t max_tags;       /* tags tracked exactly; default 200,000 */
	unsigned hll_p;        /* distinct accounts per tag: 2^p registers
	                          (default 14: 0.81% error once past 1,024) */
	unsigned bucket_hll_p; /* per tag and bucket (default 10: 3.25% once
	                          past 64 accounts) */
	size_t repost_cache;   /* Bluesky posts remembered so that their
	                          reposts find their tags; default 262,144 */
	size_t top_k;          /* co-tags, languages, mentions kept per tag;
	                          default 16 */
	size_t max_bytes;      /* memory of the tags, about; 0 (the default):
	                          no bound but max_tags (gs_engine_set_max_bytes) */
};

void gs_engine_options_init(struct gs_engine_options *o);

struct gs_engine;

/* A new, empty engine; NULL when out of memory or options are invalid. */
struct gs_engine *gs_engine_new(const struct gs_engine_options *o);
void gs_engine_free(struct gs_engine *e);

/* A new, empty engine with the options of e. */
struct gs_engine *gs_engine_new_like(const struct gs_engine *e);

/*
 * Bounds the memory the engine's tags hold (what gs_engine_memory() counts
 * as tags, accounts, timelines, timeline sketches and summaries) to about
 * bytes; 0, the default, leaves only max_tags. Past it, gs_engine_add()
 * first shrinks the distinct-account sketches of buckets more than a day
 * older than the newest post (to precision 8, then 6: per-bucket accounts
 * of those buckets then have a relative standard error of 6.5%, then 13%;
 * posts stay exact), then evicts the tags with the fewest posts as
 * max_tags does (sparing those of the last two buckets while it can), down
 * to 3/4 of it. Tags with many posts go last: when fewer than 64 tags
 * (besides those of the last two buckets) are left to evict, the bound is
 * exceeded. Not saved in snapshots. Returns the previous bound.
 * gs_engine_fit_memory() applies the bound at once (after a merge):
 * 0 or GS_ENOMEM.
 */
size_t gs_engine_set_max_bytes(struct gs_engine *e, size_t bytes);
int gs_engine_fit_memory(struct gs_engine *e);

/* Counts one post. 0, or GS_ENOMEM (the post may then be partly counted). */
int gs_engine_add(struct gs_engine *e, const struct gs_post *p);

/* issue 12 part 5: deletions. gs_engine_retract() takes back what
 * gs_engine_add(e, p) counted for p (a post its author deleted since):
 * exactly the post counters, the timelines' posts and the tags' counters;
 * the Space-Saving summaries (co-tags, languages, mentions) lose it where
 * they hold its item, their counts staying lower bounds; distinct-account
 * sketches cannot forget (accounts are never shown above posts). For a
 * Bluesky repost, hashes[0..nh) are the tags it was counted under, as
 * gs_engine_repost_hashes() gave them just before it was added (nh 0: it
 * was unresolved). A retracted post leaves the examples. src/count/
 * engine_retract.c says what is and is not undone. Returns 0. */
size_t gs_engine_repost_hashes(const struct gs_engine *e,
			       const struct gs_post *p, uint64_t *out,
			       size_t max);
int gs_engine_retract(struct gs_engine *e, const struct gs_post *p,
		      const uint64_t *hashes, size_t nh);

/* Counts a line that was rejected (malformed) or carried no post (skipped). */
void gs_engine_count_malformed(struct gs_engine *e, uint64_t n);
void gs_engine_count_skipped(struct gs_engine *e, uint64_t n);

/*
 * Adds everything src has counted into dst, as if dst had also seen src's
 * posts. Both must have been made with the same options (GS_EUSAGE
 * otherwise). Posts are then exact; distinct accounts are the union.
 * src is unchanged.
 */
int gs_engine_merge(struct gs_engine *dst, const struct gs_engine *src);

/* gs_engine_merge(), then gs_engine_free(src); src is taken apart as it is
 * merged, so the two are never held in full at once. src is freed even on
 * failure. */
int gs_engine_absorb(struct gs_engine *dst, struct gs_engine *src);

/* Counts the reposts waiting in e (Bluesky reposts of an original not seen
 * where they were read) under their originals' tags where e's repost cache
 * now holds them, and takes them off reposts_unresolved; *resolved (may be
 * NULL) says how many. For engines merged from parts that are not one
 * stream cut in order (a Kafka topic's partitions: docs/kafka.md), whose
 * reposts may name an original in any part; gs_engine_merge resolves only
 * against the earlier part. 0, or GS_ENOMEM (e is then as far as it got:
 * each repost is counted whole or left waiting). */
int gs_engine_resolve_pending(struct gs_engine *e, uint64_t *resolved);

struct gs_summary {
	uint64_t posts, originals, reposts, replies, quotes;
	uint64_t tagged_posts, tag_uses, tags_dropped, tags_invalid;
	uint64_t malformed, skipped, reposts_unresolved;
	uint64_t tags_tracked, tags_evicted, evicted_max_posts;
	double tags_distinct;   /* estimate, evicted tags included */
	double accounts;        /* distinct accounts in the whole input */
	double accounts_error;  /* relative standard error; 0 when exact */
	int64_t first_ms, last_ms; /* INT64_MAX/INT64_MIN when no posts */
	int64_t bucket_ms;
};

void gs_engine_summary(const struct gs_engine *e, struct gs_summary *s);
void gs_engine_memory(const struct gs_engine *e, struct gs_memory *m);

struct gs_tag_stats {
	const char *key;     /* grouping key (folded) */
	const char *display; /* most frequent spelling */
	uint64_t posts, originals, reposts, replies, quotes;
	uint64_t posts_error; /* 0 unless the tag was first seen after an
				 eviction: it may then have missed at most
				 this many earlier posts */
	double accounts;
	double accounts_error; /* relative standard error; 0 when exact */
	int64_t first_ms, last_ms, peak_ms;
	uint64_t peak_posts;
};

struct gs_bucket_stats {
	int64_t time_ms;
	uint64_t posts;
	double accounts;
	/* issue 12 part 3: the bucket's reposts and replies (originals =
	 * posts - reposts), and its accounts' relative standard error (0
	 * when exact: up to 2^bucket_hll_p/16 accounts) */
	uint64_t reposts, replies;
	double accounts_error;
};

/* What trend detection needs of one tag in one bucket. */
struct gs_obs {
	int64_t bucket_ms;
	uint64_t hash;            /* hash of the tag's key */
	const char *key;
	uint64_t posts;
	double accounts;          /* distinct accounts in the bucket */
	double day_accounts;      /* distinct accounts from UTC midnight to
				     the end of the bucket (-1 until
				     gs_engine_obs_days() fills it) */
	double prev_day_accounts; /* distinct accounts the UTC day before
				     (likewise) */
};

struct gs_count {
	const char *name;    /* a co-tag's folded key; else the item itself */
	const char *display; /* a co-tag's most frequent spelling; else name */
	uint64_t count;
};

/*
 * All tracked tags, sorted by distinct accounts (then posts, then key), in a
 * malloc'ed array the caller frees; its strings belong to the engine and are
 * valid until the engine is changed or freed. Returns the count, or
 * GS_ENOMEM.
 */
ptrdiff_t gs_engine_tags(const struct gs_engine *e, struct gs_tag_stats **out);

/* One tag by any spelling (it is folded first); GS_ENOTFOUND if unseen. */
int gs_engine_tag(const struct gs_engine *e, const char *tag, size_t len,
		  struct gs_tag_stats *out);

/* What a timeline covers (gs_engine_timeline_cover). */
enum gs_timeline_cover {
	GS_TIMELINE_INPUT, /* the whole input's range, zero buckets included */
	GS_TIMELINE_TAG,   /* the tag's own span, from the bucket of its first
			      use to that of its last, zero buckets included */
	GS_TIMELINE_USED,  /* only the buckets in which the tag was used */
};

/* Most buckets a timeline lists (48 bytes each: 48 MiB): 119 years of
 * hours, 10 years of 5 minutes, 12 days of seconds. */
#define GS_TIMELINE_MAX_BUCKETS ((size_t)1 << 20)

/* "input", "tag", "used". */
const char *gs_timeline_cover_name(enum gs_timeline_cover c);

/*
 * The timeline of a tag (by key, as in gs_tag_stats), in a malloc'ed array
 * the caller frees: over the whole input's time range, zero buckets
 * included. A range longer than GS_TIMELINE_MAX_BUCKETS (a stray timestamp
 * decades away, or second buckets over weeks) is shortened: to the tag's
 * own span, zero buckets included, when that fits, else to the buckets in
 * which the tag was used; gs_engine_timeline_cover() says which (*cover).
 * Returns the number of buckets or a negative error.
 */
ptrdiff_t gs_engine_timeline(const struct gs_engine *e, const char *key,
			     struct gs_bucket_stats **out);
ptrdiff_t gs_engine_timeline_cover(const struct gs_engine *e, const char *key,
				   struct gs_bucket_stats **out,
				   enum gs_timeline_cover *cover);

/*
 * Observations of every tracked tag in every bucket it was used in, sorted
 * by bucket then hash, in a malloc'ed array the caller frees (keys belong to
 * the engine). gs_engine_observations_at() gives those of one bucket; both
 * compute each observation the same way, so a detector fed either sees the
 * same numbers. Return the count or GS_ENOMEM.
 */
ptrdiff_t gs_engine_observations(const struct gs_engine *e,
				 struct gs_obs **out);
ptrdiff_t gs_engine_observations_at(const struct gs_engine *e,
				    int64_t bucket_ms, struct gs_obs **out);
/* Those of the buckets starting in [from_ms, to_ms), sorted likewise. */
ptrdiff_t gs_engine_observations_range(const struct gs_engine *e,
				       int64_t from_ms, int64_t to_ms,
				       struct gs_obs **out);

/*
 * The observations of a whole engine, bucket after bucket, in time linear in
 * the observations (a calendar of the tags' next used buckets), for a batch
 * run. gs_obs_iter_next() hands out the next bucket that has observations
 * (at *bucket_ms), sorted as above, in an array owned by the iterator and
 * valid until the next call; it returns their count, 0 at the end, or
 * GS_ENOMEM. The engine must not change while an iterator lives.
 * gs_engine_obs_iter_new() returns NULL when out of memory.
 */
struct gs_obs_iter;
struct gs_obs_iter *gs_engine_obs_iter_new(const struct gs_engine *e);
ptrdiff_t gs_obs_iter_next(struct gs_obs_iter *it, int64_t *bucket_ms,
			   const struct gs_obs **out);
void gs_obs_iter_free(struct gs_obs_iter *it);
/* Fills an observation's day figures (day_accounts, prev_day_accounts),
 * which cost a merge of the day's bucket sketches. 0 or GS_ENOTFOUND. */
int gs_engine_obs_days(const struct gs_engine *e, struct gs_obs *o);

/* Most buckets from the first post's to the last's that a pass over all
 * buckets (gs_engine_obs_iter_new, the trend detector's batch run) takes:
 * 1,914 years of hours, 31 years of minutes, 194 days of seconds. Beyond
 * it they fail (NULL; GS_EUSAGE) rather than allocate for every bucket. */
#define GS_SPAN_MAX_BUCKETS ((uint64_t)1 << 24)

/* Distinct accounts that posted (with or without tags) in a bucket. */
double gs_engine_bucket_accounts(const struct gs_engine *e, int64_t bucket_ms);
/* The start of the first bucket at or after from_ms in which a post was
 * counted, or INT64_MAX if none: what lets a live detector pass over a gap
 * in the stream at once rather than bucket by bucket. */
int64_t gs_engine_next_bucket(const struct gs_engine *e, int64_t from_ms);

/* Posts and distinct accounts of a tag over the buckets [from, to]. */
int gs_engine_span(const struct gs_engine *e, const char *key, int64_t from,
		   int64_t to, uint64_t *posts, double *accounts);

/* Issue 13: distinct accounts across the tags keys[0..n) (folded keys; a
 * tag not tracked adds nothing): the union of their sketches (exact sets'
 * union, registers' maximum; never a sum), over all time (bucket_ms
 * INT64_MIN: the tags' own sketches, precision hll_p) or in the bucket
 * starting at bucket_ms (the buckets' sketches). *rse gets the relative
 * standard error (0 when exact). The estimate is never above the posts
 * counted. 0 or GS_ENOMEM. */
int gs_engine_union_accounts(const struct gs_engine *e, const char *const *keys,
			     size_t n, int64_t bucket_ms, double *accounts,
			     double *rse);

/* Representative posts of a tag: the ids of its most reposted posts, then
 * of its earliest post; up to max written; names belong to the engine. */
size_t gs_engine_examples(const struct gs_engine *e, const char *key,
			  struct gs_count *out, size_t max);

/* Top co-occurring tags (name: the folded key, as gs_tag_stats.key;
 * display: the most frequent spelling), languages and mentioned account
 * ids of a tag, most frequent first; up to max written. Each tag
 * keeps a Space-Saving summary of top_k items of each kind; the counts given
 * are its guaranteed lower bounds (exact while the tag has at most top_k
 * distinct items of the kind; never more than the truth, and an item more
 * frequent than 1/top_k of the tag's posts is always listed). */
size_t gs_engine_cotags(const struct gs_engine *e, const char *key,
			struct gs_count *out, size_t max);
size_t gs_engine_languages(const struct gs_engine *e, const char *key,
			   struct gs_count *out, size_t max);
size_t gs_engine_mentions(const struct gs_engine *e, const char *key,
			  struct gs_count *out, size_t max);
/* Issue 12 part 4: the links a tag's posts shared, and their domains (the
 * URL's host, lower-cased, without a leading "www."), most shared first,
 * likewise: Space-Saving summaries of min(top_k, 10) URLs (kept to their
 * first 255 bytes) and top_k domains, counts their lower bounds. */
size_t gs_engine_urls(const struct gs_engine *e, const char *key,
		      struct gs_count *out, size_t max);
size_t gs_engine_domains(const struct gs_engine *e, const char *key,
			 struct gs_count *out, size_t max);

/* ---- Snapshots -------------------------------------------------------- */

/*
 * Writes the whole state of e to f as one checked, versioned section
 * ("GSEN", little-endian, CRC32 at the end; see docs/snapshot.md) and
 * flushes f. An engine loaded from it answers every query exactly as e does
 * and counts what follows exactly as e would. Several sections (an engine,
 * a trend detector, a caller's own record) may follow one another in a
 * file. Durability (fsync, rename) is the caller's. Returns 0, GS_EIO (f
 * could not be written), GS_ENOMEM, or GS_EUSAGE for an engine a snapshot
 * cannot hold (repost_cache over 4,194,304, post times beyond +-2^61 ms:
 * refused when saving rather than when loading).
 */
int gs_engine_save(const struct gs_engine *e, FILE *f);

/*
 * Reads one section written by gs_engine_save(), exactly its bytes. The
 * input is untrusted: the CRC is checked before anything is used, then
 * every field, count and length, and nothing is allocated beyond a small
 * multiple of the bytes read (but for the Bluesky repost cache, allocated in
 * full as the options say, which a snapshot limits to 4,194,304 entries).
 * Returns the engine, or NULL with *err (if err
 * is not NULL) set to GS_EFORMAT (not a snapshot, another version, truncated
 * or corrupt), GS_EIO (reading failed) or GS_ENOMEM.
 */
struct gs_engine *gs_engine_load(FILE *f, int *err);

#ifdef __cplusplus
}
#endif
#endif
