/*
 * generate.h - a deterministic synthetic stream of social-media posts, with
 * the exact answer (the "truth") that a correct counter must find in it.
 *
 * The stream is made of FICTIONAL accounts (numeric ids from the generator,
 * screen names such as "user48213012" or "acct_k3x9qa", example domains) and
 * contains, on top of Zipf-distributed background traffic with a daily
 * cycle, five planted movements (one shaped like #MeToo in October 2017),
 * steady high-volume tags, spam floods, reposts, replies, quotes and
 * mentions. It is written in one of six wire formats (see enum
 * gs_gen_format) as JSON Lines (or server-sent events for mastodon-sse).
 *
 * Determinism: the same options give byte-identical output and truth on
 * every run of a build (the schedule uses libm's exp/log/pow/cos); nothing
 * depends on time, locale or libc rand(). The logical content
 * (who posts which tags when, what is reposted or replied to) is drawn from
 * one random stream and the presentation (escaping, malformed lines, skipped
 * events, page sizes) from another, so for one seed every format carries the
 * same posts and tags: the truth differs between formats only in "format",
 * "quotes" (quotes exist in the twitter formats only; elsewhere the same
 * post is a plain original), "malformed", "skipped" and "bytes"/"lines".
 *
 * Truth (written to the truth FILE when it is not NULL) is one JSON object:
 *   {"generator":"groundswell","version":1,"seed":S,"format":F,
 *    "start":RFC3339,"end":RFC3339 (exclusive; every post time t has
 *    start <= t < end; the window end, or the second after the last post
 *    when the stream stops on posts/bytes),"hours":H (the window that
 *    places the movements),"rate":R,
 *    "posts":N (posts + reposts a counter must count),"originals":O,
 *    "reposts":R,"replies":P,"quotes":Q,"malformed":M,"skipped":K,
 *    "lines":L,"bytes":B,"accounts":distinct posting accounts,
 *    "tags":{"<folded key>":{"display","posts","originals","reposts",
 *            "replies","quotes","accounts","first_seen","last_seen"},...},
 *    "movements":[{"tag","display","shape","onset","peak","end",
 *                  "accounts","posts"}],
 *    "spam":[{"tag","display","accounts","start","end","posts"}],
 *    "steady":[{"tag","display","posts"}]}
 * Keys of "tags" are gs_fold() keys in byte order; first_seen/last_seen are
 * the post times floored to the second; display is the most frequent
 * spelling among the counted posts (ties: smallest bytes). A post never
 * carries two different spellings of one key. A movement's or steady tag's
 * "accounts"/"posts" equal those of its entry in "tags"; a spam entry's
 * "posts"/"accounts" count the flood posts only (flood posts are never
 * reposted, so they also equal the tag's entry).
 * "skipped" counts the lines/events that are neither posts nor malformed:
 * Jetstream likes, follows, deletes, identity and account events, and
 * Mastodon SSE "delete" events (":thump" heartbeat comments are not counted).
 * A malformed line is a corrupted copy of a line next to it (truncated JSON,
 * an invalid UTF-8 byte inside a string, or a required field of the wrong
 * type such as "user":5); it counts only in "malformed".
 *
 * What the formats hold (tests/test_generate.c carries a reference
 * counter, in Python, that recounts each of them): twitter1 mixes REST
 * extended tweets ("full_text" + "display_text_range") and streamed ones
 * ("text"; over 140 code points "truncated":true + "extended_tweet");
 * retweets embed the original in "retweeted_status" ("RT @name: ..." cut
 * at 140 code points on top, whose entities may miss cut tags); quotes
 * embed "quoted_status"; a retweet of a quote repeats "is_quote_status"
 * and "quoted_status_id_str" on top (it is a repost, not a quote). The
 * movements' onset/peak/end are the planned times. twitter2 pages put
 * referenced tweets in includes.tweets. Jetstream reposts name a post of
 * the last 2,000 by its at:// URI; a few posts carry extra tags in record
 * "tags" (not in the text). Entity indices count code points, facets
 * UTF-8 bytes. About a quarter of the lines escape all non-ASCII as
 * \uXXXX (surrogate pairs for emoji), as Python's json.dumps does.
 * Reply/repost/quote targets are always among the last 2,000 posts.
 *
 * Memory: the stream itself needs a few MB (the last 2,048 posts are kept
 * for reposts and replies). The truth keeps one exact hash-set entry per
 * distinct (tag, account) pair and per account: about 16 bytes each, i.e.
 * tens of MB for a few million posts; avoid --truth on huge outputs.
 *
 * Ownership: the caller owns both FILEs; gs_generate() neither closes nor
 * (re)buffers them and frees everything it allocates before returning.
 */
#ifndef GS_GENERATE_H
#define GS_GENERATE_H

#include <stdint.h>
#include <stdio.h>

enum gs_gen_format {
	GS_GEN_TWITTER1 = 0,  /* v1.1 tweet objects as twarc v1 writes them */
	GS_GEN_TWITTER2,      /* raw twarc2 response pages (<= 100 tweets) */
	GS_GEN_TWITTER2_FLAT, /* twarc2 flatten: one tweet per line */
	GS_GEN_JETSTREAM,     /* Bluesky Jetstream events */
	GS_GEN_MASTODON,      /* one Mastodon Status per line */
	GS_GEN_MASTODON_SSE,  /* Mastodon streaming API server-sent events */
	GS_GEN_FORMAT_COUNT_
};

/* "twitter1", "twitter2", "twitter2-flat", "jetstream", "mastodon",
 * "mastodon-sse"; "unknown" for anything else. */
const char *gs_gen_format_name(enum gs_gen_format f);
/* Parses one of those names; GS_GEN_FORMAT_COUNT_ when unknown. */
enum gs_gen_format gs_gen_format_parse(const char *name);

/* Shapes of a planted small voice (see voice.c). */
enum gs_gen_voice {
	GS_GEN_VOICE_BURST = 0, /* a step held voice_hours */
	GS_GEN_VOICE_SLOW,	/* a linear rise over voice_hours */
	GS_GEN_VOICE_FLASH,	/* an hour */
	GS_GEN_VOICE_COUNT_
};

/* "burst", "slow", "flash"; GS_GEN_VOICE_COUNT_ for anything else. */
enum gs_gen_voice gs_gen_voice_parse(const char *name);

struct gs_generate_options {
	uint64_t seed;       /* default 1 */
	double hours;        /* window length; default 72; 0 = derive it from
	                        posts or bytes_target (and then stop only on
	                        those) */
	double rate;         /* mean posts per second; default 2 */
	int64_t start;       /* unix seconds; default 2017-10-13T00:00:00Z */
	enum gs_gen_format format; /* default GS_GEN_TWITTER1 */
	double malformed;    /* fraction of all lines that are malformed
	                        extras, 0 <= f <= 0.9; default 0 */
	uint64_t posts;      /* stop after this many counted posts; 0 = none */
	/* issue 13: planted movement families (generate_family.c), 0 to
	 * GS_GEN_FAMILIES_MAX; default 0 (none: the stream is unchanged) */
	unsigned families;
	uint64_t bytes_target; /* stop at the first line boundary at or past
	                          this many bytes; 0 = none */
	/* a planted small voice in place of the small movement (voice.c);
	 * voice_accounts 0 = none (default) */
	uint32_t voice_accounts;       /* expected participants, <= 10^6 */
	enum gs_gen_voice voice_shape; /* default GS_GEN_VOICE_BURST */
	double voice_hours;	       /* length, 0 < h <= 240; default 6 */
	double voice_at;	       /* onset, fraction of the window in
					  [0, 1); default 0.5 */
};

/* Most planted movement families (--families). */
#define GS_GEN_FAMILIES_MAX 3

/* Fills in the defaults above. */
void gs_generate_options_init(struct gs_generate_options *o);

/*
 * Writes the stream to out and, when truth is not NULL, the truth object
 * (followed by a newline) to truth. Returns 0, GS_EUSAGE for invalid
 * options, GS_ENOMEM or GS_EIO.
 * The stream stops at the end of the window when hours > 0, after `posts`
 * posts, or at `bytes_target` bytes, whichever comes first. With hours == 0
 * the window (which places the movements) is posts / rate seconds, or
 * derived from bytes_target and a per-format size estimate, or 72 h.
 */
int gs_generate(FILE *out, FILE *truth, const struct gs_generate_options *o);

/*
 * Parses an RFC 3339 time ("2017-10-13T00:00:00Z", "...T02:00:00.5+02:00",
 * "2017-10-13 00:00:00z") or a bare date ("2017-10-13") into unix seconds
 * (fractions are dropped). Returns 0 or GS_ETIME.
 */
int gs_generate_parse_time(const char *s, int64_t *unix_seconds);

#endif
