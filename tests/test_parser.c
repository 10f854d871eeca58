/*
 * test_parser.c - unit tests of gs_parser_parse (src/input/parser.c) beyond the
 * golden files: the fields of each format's minimal post, precedence rules,
 * twarc2 pages, Jetstream events, SSE framing, forced formats, error reasons
 * and limits.
 *
 * Every line is parsed from a heap copy of exactly its length, so that
 * AddressSanitizer catches reads past the end of the line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/generate.h"
#include "groundswell.h"
#include "post_equal.h"
#include "tap.h"

static struct gs_parser *ps;
static const struct gs_post *posts;
static char *copy;

/* Parses s (a NUL-terminated literal, or n bytes) with parser p. */
static int parse_n(struct gs_parser *p, const char *s, size_t n)
{
	free(copy);
	copy = malloc(n ? n : 1);
	memcpy(copy, s, n);
	posts = NULL;
	return gs_parser_parse(p, copy, n, &posts);
}

static int parse(const char *s)
{
	return parse_n(ps, s, strlen(s));
}

/* A gs_str as a NUL-terminated string (for TAP_EQ_STR). */
static const char *S(struct gs_str s)
{
	static char buf[8][512];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, sizeof buf[0], "%.*s", (int)s.n, s.p);
	return b;
}

/* The post's tags joined with spaces. */
static const char *tags_of(const struct gs_post *p)
{
	static char b[2048];
	size_t o = 0;
	b[0] = 0;
	for (size_t i = 0; i < p->ntags; i++)
		o += (size_t)snprintf(b + o, sizeof b - o, "%s%.*s", i ? " " : "",
				      (int)p->tags[i].n, p->tags[i].p);
	return b;
}

static const char *mentions_of(const struct gs_post *p)
{
	static char b[1024];
	size_t o = 0;
	b[0] = 0;
	for (size_t i = 0; i < p->nmentions; i++)
		o += (size_t)snprintf(b + o, sizeof b - o, "%s%.*s", i ? " " : "",
				      (int)p->mentions[i].n, p->mentions[i].p);
	return b;
}

/* ---- Twitter v1.1 ---- */

static void test_twitter1(void)
{
	const struct gs_post *p;

	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
			 "\"id\":920000000000000001,\"id_str\":\"920000000000000001\","
			 "\"text\":\"Say #MeToo\",\"user\":{\"id\":1001,\"id_str\":\"1001\","
			 "\"screen_name\":\"ada\"},\"lang\":\"en\",\"entities\":{\"hashtags\":"
			 "[{\"text\":\"MeToo\",\"indices\":[4,10]}],\"user_mentions\":"
			 "[{\"id_str\":\"7\",\"screen_name\":\"x\"}]}}"),
		   1, "v1.1: one post");
	p = &posts[0];
	TAP_EQ_INT(p->format, GS_FORMAT_TWITTER1, "v1.1: format");
	TAP_EQ_INT(gs_parser_format(ps), GS_FORMAT_TWITTER1, "v1.1: gs_parser_format");
	TAP_EQ_STR(S(p->account), "1001", "v1.1: account from user.id_str");
	TAP_EQ_INT(p->time_ms, INT64_C(1508098200000), "v1.1: time_ms from created_at");
	TAP_EQ_STR(S(p->id), "920000000000000001", "v1.1: id_str");
	TAP_EQ_STR(S(p->lang), "en", "v1.1: lang");
	TAP_EQ_INT(p->flags, 0, "v1.1: original");
	TAP_EQ_STR(tags_of(p), "MeToo", "v1.1: tags from entities");
	TAP_EQ_INT(p->tags_dropped, 0, "v1.1: none dropped");
	TAP_EQ_STR(mentions_of(p), "7", "v1.1: mentions");
	TAP_EQ_STR(S(p->reply_to), "", "v1.1: no reply_to");
	TAP_EQ_INT(p->post_did.n + p->post_rkey.n + p->repost_did.n + p->repost_rkey.n, 0,
		   "v1.1: no Bluesky fields");

	/* user.id when there is no id_str; id when there is no id_str */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"id\":55,"
			 "\"text\":\"x\",\"user\":{\"id\":77}}"),
		   1, "v1.1: numeric ids");
	TAP_EQ_STR(S(posts[0].account), "77", "v1.1: account from user.id");
	TAP_EQ_STR(S(posts[0].id), "55", "v1.1: id from id");
	TAP_EQ_INT(posts[0].lang.n, 0, "v1.1: no lang");
	TAP_EQ_INT(posts[0].ntags, 0, "v1.1: no tags in 'x'");

	/* timestamp_ms wins over created_at, in either order. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
			 "\"timestamp_ms\":\"1508098200123\",\"text\":\"\",\"user\":{\"id_str\":\"1\"}}"),
		   1, "v1.1: timestamp_ms after created_at");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(1508098200123), "timestamp_ms wins (after)");
	TAP_EQ_INT(parse("{\"timestamp_ms\":\"1508098200456\",\"text\":\"\","
			 "\"created_at\":\"Mon Oct 16 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"}}"),
		   1, "v1.1: timestamp_ms before created_at");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(1508098200456), "timestamp_ms wins (before)");
	TAP_EQ_INT(parse("{\"timestamp_ms\":1508098200789,\"user\":{\"id_str\":\"1\"}}"), 1,
		   "v1.1: numeric timestamp_ms");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(1508098200789), "numeric timestamp_ms");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 22:10:00 +0200 2017\",\"user\":{\"id_str\":\"1\"}}"),
		   1, "v1.1: created_at with an offset");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(1508098200000), "offset subtracted");

	/* extended_tweet entities win over the top-level ones, either order. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"entities\":{\"hashtags\":[{\"text\":\"Short\"}],\"user_mentions\":[{\"id_str\":\"8\"}]},"
			 "\"extended_tweet\":{\"full_text\":\"#Long #Longer\",\"entities\":{\"hashtags\":"
			 "[{\"text\":\"Long\"},{\"text\":\"Longer\"}],\"user_mentions\":[{\"id_str\":\"9\"}]}}}"),
		   1, "v1.1: extended_tweet after entities");
	TAP_EQ_STR(tags_of(&posts[0]), "Long Longer", "extended_tweet tags win (after)");
	TAP_EQ_STR(mentions_of(&posts[0]), "9", "extended_tweet mentions win");
	TAP_EQ_INT(parse("{\"extended_tweet\":{\"entities\":{\"hashtags\":[{\"text\":\"Long\"}]}},"
			 "\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"entities\":{\"hashtags\":[{\"text\":\"Short\"}]}}"),
		   1, "v1.1: extended_tweet before entities");
	TAP_EQ_STR(tags_of(&posts[0]), "Long", "extended_tweet tags win (before)");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"text\":\"cut #Sho\",\"extended_tweet\":{\"full_text\":\"cut #Short \\u2026 #Full\"}}"),
		   1, "v1.1: extended_tweet without entities");
	TAP_EQ_STR(tags_of(&posts[0]), "Short Full", "tags from extended_tweet.full_text");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"text\":\"#a\",\"full_text\":\"#b\",\"extended_tweet\":null}"),
		   1, "v1.1: extended_tweet null");
	TAP_EQ_STR(tags_of(&posts[0]), "b", "full_text wins over text");

	/* Retweet: the original's tags, the retweeter's account. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:20:00 +0000 2017\",\"id_str\":\"2\","
			 "\"text\":\"RT @a: #One #Tw\",\"entities\":{\"hashtags\":[{\"text\":\"One\"}]},"
			 "\"user\":{\"id_str\":\"1002\"},\"in_reply_to_user_id_str\":\"5\","
			 "\"retweeted_status\":{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
			 "\"id_str\":\"1\",\"entities\":{\"hashtags\":[{\"text\":\"One\"},{\"text\":\"Two\"}]},"
			 "\"user\":{\"id_str\":\"1001\"}},\"lang\":\"en\"}"),
		   1, "v1.1: retweet");
	p = &posts[0];
	TAP_EQ_INT(p->flags, GS_POST_REPOST, "retweet: REPOST flag only");
	TAP_EQ_STR(S(p->account), "1002", "retweet: the retweeter's account");
	TAP_EQ_STR(S(p->id), "2", "retweet: the retweet's id");
	TAP_EQ_INT(p->time_ms, INT64_C(1508098800000), "retweet: the retweet's time");
	TAP_EQ_STR(tags_of(p), "One Two", "retweet: retweeted_status's tags");
	TAP_EQ_STR(S(p->reply_to), "", "retweet: no reply_to");
	TAP_EQ_STR(S(p->repost_id), "1", "retweet: repost_id is the original's id");
	TAP_EQ_STR(S(p->lang), "en", "retweet: lang");

	/* Reply and quote. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"3\"},"
			 "\"in_reply_to_status_id_str\":\"1\",\"in_reply_to_user_id_str\":\"1001\","
			 "\"text\":\"@x #Re\"}"),
		   1, "v1.1: reply");
	TAP_EQ_INT(posts[0].flags, GS_POST_REPLY, "reply: REPLY flag");
	TAP_EQ_STR(S(posts[0].reply_to), "1001", "reply: reply_to");
	TAP_EQ_STR(tags_of(&posts[0]), "Re", "reply: tags from text");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"3\"},"
			 "\"in_reply_to_status_id_str\":null,\"in_reply_to_user_id_str\":null,"
			 "\"is_quote_status\":true,\"quoted_status_id_str\":\"1\"}"),
		   1, "v1.1: quote");
	TAP_EQ_INT(posts[0].flags, GS_POST_QUOTE, "quote: QUOTE flag, null reply fields ignored");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"3\"},"
			 "\"is_quote_status\":false}"),
		   1, "v1.1: is_quote_status false");
	TAP_EQ_INT(posts[0].flags, 0, "not a quote");
}

/* ---- Twitter v2 ---- */

static void test_twitter2(void)
{
	const struct gs_post *p;

	TAP_EQ_INT(parse("{\"id\":\"5\",\"text\":\"#a\",\"author_id\":\"7\","
			 "\"created_at\":\"2017-10-15T20:05:00.000Z\",\"lang\":\"de\","
			 "\"entities\":{\"hashtags\":[{\"start\":0,\"end\":2,\"tag\":\"a\"}],"
			 "\"mentions\":[{\"id\":\"9\",\"username\":\"u\"},{\"username\":\"v\"}]}}"),
		   1, "v2: flattened tweet");
	p = &posts[0];
	TAP_EQ_INT(p->format, GS_FORMAT_TWITTER2, "v2: format");
	TAP_EQ_STR(S(p->account), "7", "v2: account from author_id");
	TAP_EQ_INT(p->time_ms, INT64_C(1508097900000), "v2: time_ms");
	TAP_EQ_STR(S(p->id), "5", "v2: id");
	TAP_EQ_STR(S(p->lang), "de", "v2: lang");
	TAP_EQ_INT(p->flags, 0, "v2: flags");
	TAP_EQ_STR(tags_of(p), "a", "v2: tags");
	TAP_EQ_STR(mentions_of(p), "9 v", "v2: mentions by id, else username");

	TAP_EQ_INT(parse("{\"id\":\"6\",\"author\":{\"id\":\"8\",\"username\":\"x\"},"
			 "\"created_at\":\"2017-10-15T20:05:00Z\",\"in_reply_to_user_id\":\"7\","
			 "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"5\"},"
			 "{\"type\":\"quoted\",\"id\":\"4\"}]}"),
		   1, "v2: reply and quote with author object");
	p = &posts[0];
	TAP_EQ_STR(S(p->account), "8", "v2: account from author.id");
	TAP_EQ_INT(p->flags, GS_POST_REPLY | GS_POST_QUOTE, "v2: REPLY|QUOTE");
	TAP_EQ_STR(S(p->reply_to), "7", "v2: reply_to");

	/* A page of three with the original in includes.tweets, includes
	 * before data. */
	TAP_EQ_INT(parse("{\"includes\":{\"users\":[{\"id\":\"1\"}],\"tweets\":[{\"id\":\"100\","
			 "\"author_id\":\"1\",\"created_at\":\"2017-10-15T20:00:00.000Z\","
			 "\"entities\":{\"hashtags\":[{\"tag\":\"Orig\"},{\"tag\":\"Two\"}]}}]},"
			 "\"data\":[{\"id\":\"101\",\"author_id\":\"2\",\"created_at\":\"2017-10-15T20:01:00.000Z\","
			 "\"text\":\"#Own\"},"
			 "{\"id\":\"102\",\"author_id\":\"3\",\"created_at\":\"2017-10-15T20:02:00.000Z\","
			 "\"text\":\"RT @a: #Orig #Tw\\u2026\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"100\"}],"
			 "\"entities\":{\"hashtags\":[{\"tag\":\"Orig\"}]}},"
			 "{\"id\":\"103\",\"author_id\":\"4\",\"created_at\":\"2017-10-15T20:03:00.000Z\","
			 "\"text\":\"plain\"}],\"meta\":{\"result_count\":3}}"),
		   3, "v2 page: 3 posts");
	TAP_EQ_INT(gs_parser_skipped(ps), 0, "v2 page: not skipped");
	TAP_EQ_STR(S(posts[0].id), "101", "page post 1 id");
	TAP_EQ_STR(tags_of(&posts[0]), "Own", "page post 1 tags from text");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(1508097660000), "page post 1 time");
	TAP_EQ_STR(S(posts[1].account), "3", "page post 2: retweeter's account");
	TAP_EQ_INT(posts[1].flags, GS_POST_REPOST, "page post 2: REPOST");
	TAP_EQ_STR(tags_of(&posts[1]), "Orig Two", "page post 2: tags of includes.tweets original");
	TAP_EQ_STR(S(posts[1].repost_id), "100", "page post 2: repost_id");
	TAP_EQ_INT(posts[0].repost_id.n, 0, "page post 1: no repost_id");
	TAP_EQ_STR(S(posts[2].account), "4", "page post 3 account");
	TAP_EQ_INT(posts[2].ntags, 0, "page post 3: no tags");

	/* Same, includes after data. */
	TAP_EQ_INT(parse("{\"data\":[{\"id\":\"102\",\"author_id\":\"3\",\"created_at\":\"2017-10-15T20:02:00.000Z\","
			 "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"100\"}],"
			 "\"entities\":{\"hashtags\":[{\"tag\":\"Orig\"}]}}],"
			 "\"includes\":{\"tweets\":[{\"id\":\"99\",\"author_id\":\"1\",\"text\":\"#Wrong\"},"
			 "{\"id\":\"100\",\"author_id\":\"1\",\"text\":\"#Orig #Tw\\u00f6\"}]}}"),
		   1, "v2 page: includes after data");
	TAP_EQ_STR(tags_of(&posts[0]), "Orig Tw\xC3\xB6", "retweet resolved through the later includes (text)");

	/* Unresolvable retweet: its own tags. */
	TAP_EQ_INT(parse("{\"data\":[{\"id\":\"102\",\"author_id\":\"3\",\"created_at\":\"2017-10-15T20:02:00.000Z\","
			 "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"100\"}],"
			 "\"entities\":{\"hashtags\":[{\"tag\":\"Trunc\"}]}}]}"),
		   1, "v2 page: retweet without includes");
	TAP_EQ_INT(posts[0].flags, GS_POST_REPOST, "still a repost");
	TAP_EQ_STR(tags_of(&posts[0]), "Trunc", "its own tags");

	/* Empty page. */
	TAP_EQ_INT(parse("{\"data\":[],\"meta\":{\"result_count\":0}}"), 0, "v2: empty page");
	TAP_EQ_INT(gs_parser_skipped(ps), 1, "v2: empty page is skipped");

	/* Expanded original in referenced_tweets (twarc2 flattened). */
	TAP_EQ_INT(parse("{\"id\":\"106\",\"author_id\":\"6\",\"created_at\":\"2017-10-15T22:30:00.000Z\","
			 "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"101\",\"author_id\":\"1\","
			 "\"entities\":{\"hashtags\":[{\"tag\":\"A\"},{\"tag\":\"B\"}]}}],"
			 "\"entities\":{\"hashtags\":[{\"tag\":\"A\"}]}}"),
		   1, "v2: flattened retweet");
	TAP_EQ_STR(tags_of(&posts[0]), "A B", "flattened retweet: the expanded original's tags");
}

/* ---- Jetstream ---- */

static void test_jetstream(void)
{
	const struct gs_post *p;

	TAP_EQ_INT(parse("{\"did\":\"did:plc:aaa\",\"time_us\":1508098200123456,\"kind\":\"commit\","
			 "\"commit\":{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\","
			 "\"rkey\":\"3k1\",\"record\":{\"$type\":\"app.bsky.feed.post\",\"langs\":[\"pt\",\"en\"],"
			 "\"text\":\"#Um e #dois\",\"facets\":[{\"index\":{\"byteStart\":0,\"byteEnd\":3},"
			 "\"features\":[{\"$type\":\"app.bsky.richtext.facet#tag\",\"tag\":\"Um\"}]},"
			 "{\"features\":[{\"$type\":\"app.bsky.richtext.facet#mention\",\"did\":\"did:plc:m\"}]}],"
			 "\"tags\":[\"extra\"]},\"cid\":\"c\"}}"),
		   1, "jetstream: post");
	p = &posts[0];
	TAP_EQ_INT(p->format, GS_FORMAT_JETSTREAM, "jetstream: format");
	TAP_EQ_STR(S(p->account), "did:plc:aaa", "jetstream: account is the did");
	TAP_EQ_INT(p->time_ms, INT64_C(1508098200123), "jetstream: time_us / 1000");
	TAP_EQ_STR(S(p->id), "3k1", "jetstream: id is the rkey");
	TAP_EQ_STR(S(p->lang), "pt", "jetstream: first of langs");
	TAP_EQ_STR(S(p->post_did), "did:plc:aaa", "jetstream: post_did");
	TAP_EQ_STR(S(p->post_rkey), "3k1", "jetstream: post_rkey");
	TAP_EQ_INT(p->flags, 0, "jetstream: original");
	TAP_EQ_STR(tags_of(p), "Um extra", "jetstream: facet tags and record tags");
	TAP_EQ_STR(mentions_of(p), "did:plc:m", "jetstream: mention facets");

	TAP_EQ_INT(parse("{\"did\":\"did:plc:ccc\",\"time_us\":1508098200000000,\"kind\":\"commit\","
			 "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3k3\","
			 "\"record\":{\"text\":\"yes #metoo\",\"reply\":{\"root\":{\"uri\":\"at://did:plc:root/app.bsky.feed.post/1\"},"
			 "\"parent\":{\"uri\":\"at://did:plc:par/app.bsky.feed.post/2\",\"cid\":\"x\"}}}}}"),
		   1, "jetstream: reply");
	p = &posts[0];
	TAP_EQ_INT(p->flags, GS_POST_REPLY, "jetstream reply: REPLY");
	TAP_EQ_STR(S(p->reply_to), "did:plc:par", "jetstream reply: reply_to is the parent's did");
	TAP_EQ_STR(tags_of(p), "", "jetstream reply: no tags from the text (no facets)");
	TAP_EQ_INT(p->lang.n, 0, "jetstream: no langs, no lang");

	TAP_EQ_INT(parse("{\"did\":\"did:plc:bbb\",\"time_us\":1508098800000000,\"kind\":\"commit\","
			 "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.repost\",\"rkey\":\"3k2\","
			 "\"record\":{\"$type\":\"app.bsky.feed.repost\",\"subject\":{\"uri\":"
			 "\"at://did:plc:aaa/app.bsky.feed.post/3k1\",\"cid\":\"c\"},\"createdAt\":\"2017-10-15T20:20:00.000Z\"}}}"),
		   1, "jetstream: repost");
	p = &posts[0];
	TAP_EQ_INT(p->flags, GS_POST_REPOST, "jetstream repost: REPOST");
	TAP_EQ_STR(S(p->account), "did:plc:bbb", "jetstream repost: reposter");
	TAP_EQ_STR(S(p->repost_did), "did:plc:aaa", "jetstream repost: repost_did");
	TAP_EQ_STR(S(p->repost_rkey), "3k1", "jetstream repost: repost_rkey");
	TAP_EQ_STR(S(p->repost_id), "at://did:plc:aaa/app.bsky.feed.post/3k1", "jetstream repost: repost_id is the URI");
	TAP_EQ_INT(p->ntags, 0, "jetstream repost: no tags of its own");
	TAP_EQ_INT(p->post_rkey.n, 0, "jetstream repost: no post_rkey");

	TAP_EQ_INT(parse("{\"did\":\"did:plc:bbb\",\"time_us\":1508098800000000,\"kind\":\"commit\","
			 "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.repost\",\"rkey\":\"3k2\","
			 "\"record\":{\"subject\":{\"cid\":\"c\"}}}}"),
		   GS_EMISSING, "jetstream: repost without subject.uri");
	TAP_OK(strstr(gs_parser_reason(ps), "subject.uri") != NULL, "reason names subject.uri: %s",
	       gs_parser_reason(ps));

	static const char *skips[] = {
		"{\"did\":\"did:plc:a\",\"time_us\":1508101400000000,\"kind\":\"commit\",\"commit\":"
		"{\"rev\":\"3l5\",\"operation\":\"delete\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3k9\"}}",
		"{\"did\":\"did:plc:d\",\"time_us\":1508101300000000,\"kind\":\"commit\",\"commit\":"
		"{\"operation\":\"create\",\"collection\":\"app.bsky.feed.like\",\"rkey\":\"3k4\",\"record\":"
		"{\"subject\":{\"uri\":\"at://did:plc:a/app.bsky.feed.post/3k1\"}}}}",
		"{\"did\":\"did:plc:e\",\"time_us\":1508101500000000,\"kind\":\"identity\",\"identity\":"
		"{\"did\":\"did:plc:e\",\"handle\":\"eve.example\",\"seq\":1}}",
		"{\"did\":\"did:plc:e\",\"time_us\":1508101500000000,\"kind\":\"account\",\"account\":"
		"{\"active\":true,\"did\":\"did:plc:e\"}}",
		"{\"did\":\"did:plc:a\",\"time_us\":1508101400000000,\"kind\":\"commit\",\"commit\":"
		"{\"operation\":\"update\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"3k9\",\"record\":{}}}",
	};
	static const char *names[] = {"delete", "like", "identity", "account", "update"};
	for (size_t i = 0; i < sizeof skips / sizeof skips[0]; i++) {
		int r = parse(skips[i]);
		TAP_OK(r == 0 && gs_parser_skipped(ps) == 1, "jetstream %s: 0 posts, skipped 1 (got %d, %d)",
		       names[i], r, gs_parser_skipped(ps));
	}

	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":-1500,\"kind\":\"commit\",\"commit\":"
			 "{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{}}}"),
		   1, "jetstream: negative time_us");
	TAP_EQ_INT(posts[0].time_ms, -2, "negative time_us floors");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":-1000,\"kind\":\"commit\",\"commit\":"
			 "{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{}}}"),
		   1, "jetstream: time_us -1000");
	TAP_EQ_INT(posts[0].time_ms, -1, "time_us -1000 is -1 ms");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":-9223372036854775807,\"kind\":\"commit\",\"commit\":"
			 "{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{}}}"),
		   GS_ETIME, "jetstream: time_us -(2^63-1) is not a valid time (and no overflow)");
	TAP_EQ_STR(gs_parser_reason(ps), "field 'time_us' is not a valid time", "time_us range reason");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":9223372036854775807,\"kind\":\"commit\"}"),
		   GS_ETIME, "jetstream: time_us past 9999 is not a valid time");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":253402300799999999,\"kind\":\"commit\",\"commit\":"
			 "{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{}}}"),
		   1, "jetstream: last microsecond of 9999 accepted");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(253402300799999), "... as GS_TIME_MAX_MS");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":-2208988800000001,\"kind\":\"commit\"}"),
		   GS_ETIME, "jetstream: time_us before 1900 is not a valid time");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":\"1\",\"kind\":\"commit\"}"), GS_ETYPE,
		   "jetstream: time_us as a string");
	TAP_EQ_STR(gs_parser_reason(ps), "field 'time_us' has the wrong type", "time_us reason");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:a\",\"time_us\":1.5e6,\"kind\":\"commit\"}"), GS_ETYPE,
		   "jetstream: time_us not an integer");
	TAP_EQ_INT(parse("{\"kind\":\"commit\",\"time_us\":1,\"commit\":{\"operation\":\"create\","
			 "\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{}}}"),
		   GS_EMISSING, "jetstream: no did");
}

/* ---- Mastodon ---- */

static void test_mastodon(void)
{
	const struct gs_post *p;

	TAP_EQ_INT(parse("{\"id\":\"109\",\"created_at\":\"2017-10-15T20:10:00.123Z\",\"in_reply_to_id\":\"108\","
			 "\"in_reply_to_account_id\":\"300\",\"language\":\"fr\",\"content\":\"<p>#x</p>\","
			 "\"reblog\":null,\"account\":{\"id\":\"301\",\"username\":\"ann\",\"acct\":\"ann\"},"
			 "\"mentions\":[{\"id\":\"300\",\"acct\":\"bo\"},{\"acct\":\"cy@ex\"}],"
			 "\"tags\":[{\"name\":\"MeToo\",\"url\":\"u\"},{\"name\":\"A\\u00f1o\"}]}"),
		   1, "mastodon: status");
	p = &posts[0];
	TAP_EQ_INT(p->format, GS_FORMAT_MASTODON, "mastodon: format");
	TAP_EQ_STR(S(p->account), "301", "mastodon: account.id");
	TAP_EQ_INT(p->time_ms, INT64_C(1508098200123), "mastodon: time_ms with milliseconds");
	TAP_EQ_STR(S(p->id), "109", "mastodon: id");
	TAP_EQ_STR(S(p->lang), "fr", "mastodon: language");
	TAP_EQ_INT(p->flags, GS_POST_REPLY, "mastodon: reply");
	TAP_EQ_STR(S(p->reply_to), "300", "mastodon: reply_to");
	TAP_EQ_STR(tags_of(p), "MeToo A\xC3\xB1o", "mastodon: tags by name, escapes decoded");
	TAP_EQ_STR(mentions_of(p), "300 cy@ex", "mastodon: mentions by id, else acct");

	TAP_EQ_INT(parse("{\"id\":\"110\",\"created_at\":\"2017-10-15T20:20:00.000Z\",\"language\":null,"
			 "\"reblog\":{\"id\":\"109\",\"created_at\":\"2017-10-15T20:10:00.000Z\","
			 "\"account\":{\"id\":\"301\"},\"tags\":[{\"name\":\"Orig\"}]},"
			 "\"account\":{\"id\":\"302\"},\"tags\":[]}"),
		   1, "mastodon: reblog");
	p = &posts[0];
	TAP_EQ_INT(p->flags, GS_POST_REPOST, "reblog: REPOST");
	TAP_EQ_STR(S(p->account), "302", "reblog: the reblogger");
	TAP_EQ_INT(p->time_ms, INT64_C(1508098800000), "reblog: its own time");
	TAP_EQ_STR(tags_of(p), "Orig", "reblog: the reblogged status's tags");
	TAP_EQ_STR(S(p->repost_id), "109", "reblog: repost_id");
	TAP_EQ_INT(p->lang.n, 0, "reblog: null language is empty");

	TAP_EQ_INT(parse("{\"id\":\"111\",\"created_at\":\"2017-10-15T20:20:00.000Z\","
			 "\"account\":{\"id\":\"303\"},\"tags\":\"MeToo\"}"),
		   GS_ETYPE, "mastodon: tags of the wrong type");
	TAP_EQ_STR(gs_parser_reason(ps), "field 'tags' has the wrong type", "tags reason");
}

/* ---- SSE ---- */

static void test_sse(void)
{
	const char *status = "data: {\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00.000Z\","
			     "\"account\":{\"id\":\"311\"},\"tags\":[{\"name\":\"MeToo\"}]}";

	/* a capture: the parser has seen no JSON line yet */
	gs_parser_free(ps);
	ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	TAP_EQ_INT(parse(":)"), 0, "sse: Mastodon's greeting before any event");
	TAP_EQ_INT(parse(":thump"), 0, "sse: comment");
	TAP_EQ_INT(gs_parser_skipped(ps), 2, "sse: comment is framing (2)");
	TAP_EQ_INT(parse("event: update"), 0, "sse: event update");
	TAP_EQ_INT(gs_parser_skipped(ps), 2, "sse: event line is framing");
	TAP_EQ_INT(parse(status), 1, "sse: data after update gives a post");
	TAP_EQ_STR(S(posts[0].account), "311", "sse: the status's account");
	TAP_EQ_STR(tags_of(&posts[0]), "MeToo", "sse: tags");
	TAP_EQ_INT(posts[0].time_ms, INT64_C(1508104800000), "sse: time");
	TAP_EQ_INT(parse(status), 0, "sse: a second data line is not armed");
	TAP_EQ_INT(gs_parser_skipped(ps), 1, "sse: unarmed data is skipped (1)");

	TAP_EQ_INT(parse("event: delete"), 0, "sse: event delete");
	TAP_EQ_INT(parse("data: 109000000000000001"), 0, "sse: data after delete");
	TAP_EQ_INT(gs_parser_skipped(ps), 1, "sse: delete is skipped (1)");

	TAP_EQ_INT(parse("event:update"), 0, "sse: event without a space");
	TAP_EQ_INT(parse("data:{\"id\":\"2\",\"created_at\":\"2017-10-15T22:00:00.000Z\",\"account\":{\"id\":\"9\"}}"),
		   1, "sse: data without a space");

	TAP_EQ_INT(parse("event: update"), 0, "sse: update again");
	TAP_EQ_INT(parse(""), 0, "sse: blank line");
	TAP_EQ_INT(gs_parser_skipped(ps), 2, "sse: blank line is framing");
	TAP_EQ_INT(parse(status), 0, "sse: blank line disarms");
	TAP_EQ_INT(gs_parser_skipped(ps), 1, "sse: disarmed data skipped");

	TAP_EQ_INT(parse("event: update"), 0, "sse: update");
	TAP_EQ_INT(parse("data: {\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00.000Z\",\"user\":{\"id_str\":\"1\"}}"),
		   GS_EFORMAT, "sse: update that is not a Mastodon status");
	TAP_OK(gs_parser_reason(ps)[0] != 0, "sse: with a reason");
	TAP_EQ_INT(parse("event: update"), 0, "sse: update");
	TAP_EQ_INT(parse("data: {\"id\":\"1\",\"account\":{\"id\":\"3\"}"), GS_EJSON, "sse: truncated status");
	TAP_EQ_STR(gs_parser_reason(ps), "truncated JSON", "sse: truncated reason");
	TAP_EQ_INT(parse("event: update"), 0, "sse: update");
	TAP_EQ_INT(parse("data: 12345"), GS_EJSON, "sse: update data that is not an object");
	TAP_OK(gs_parser_reason(ps)[0] != 0, "sse: ... has a reason: %s", gs_parser_reason(ps));
	TAP_EQ_INT(parse("id: 5"), 0, "sse: id line");
	TAP_EQ_INT(gs_parser_skipped(ps), 2, "sse: id line is framing");
	TAP_EQ_INT(parse("retry: 1000"), 0, "sse: retry line");

	/* SSE is Mastodon only. */
	struct gs_parser *t1 = gs_parser_new(GS_FORMAT_TWITTER1, 0);
	TAP_EQ_INT(parse_n(t1, ":thump", 6), GS_EJSON, "forced twitter1: SSE comment is malformed");
	gs_parser_free(t1);
}

/* ---- forcing, errors, limits ---- */

static void test_errors(void)
{
	const char *masto = "{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00.000Z\",\"account\":{\"id\":\"9\"}}";
	struct gs_parser *t1 = gs_parser_new(GS_FORMAT_TWITTER1, 0);
	struct gs_parser *m = gs_parser_new(GS_FORMAT_MASTODON, 0);
	TAP_EQ_INT(parse_n(t1, masto, strlen(masto)), GS_EFORMAT, "forced twitter1 rejects Mastodon");
	TAP_OK(strstr(gs_parser_reason(t1), "twitter1") && strstr(gs_parser_reason(t1), "mastodon"),
	       "reason names both formats: %s", gs_parser_reason(t1));
	TAP_EQ_INT(parse_n(m, masto, strlen(masto)), 1, "forced mastodon accepts Mastodon");
	TAP_EQ_INT(parse("{\"a\":1}"), GS_EFORMAT, "auto: unknown object");
	TAP_OK(gs_parser_reason(ps)[0] != 0, "unknown object has a reason");
	gs_parser_free(t1);
	gs_parser_free(m);

	static const struct {
		const char *line, *field;
		int err;
	} types[] = {
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":5}", "user", GS_ETYPE},
		{"{\"created_at\":5,\"user\":{\"id_str\":\"1\"}}", "created_at", GS_ETYPE},
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":1}}", "id_str", GS_ETYPE},
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
		 "\"entities\":{\"hashtags\":5}}", "hashtags", GS_ETYPE},
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
		 "\"entities\":{\"hashtags\":[{\"text\":[]}]}}", "text", GS_ETYPE},
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},\"lang\":7}",
		 "lang", GS_ETYPE},
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},\"text\":7}",
		 "text", GS_ETYPE},
		{"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
		 "\"retweeted_status\":7}", "retweeted_status", GS_ETYPE},
		{"{\"created_at\":\"nope\",\"user\":{\"id_str\":\"1\"}}", "created_at", GS_ETIME},
		{"{\"timestamp_ms\":\"12x\",\"user\":{\"id_str\":\"1\"}}", "timestamp_ms", GS_ETIME},
		{"{\"id\":\"1\",\"author_id\":\"2\",\"created_at\":\"yesterday\"}", "created_at", GS_ETIME},
		{"{\"id\":\"1\",\"author_id\":[],\"created_at\":\"2017-10-15T22:00:00Z\"}", "author_id", GS_ETYPE},
		{"{\"data\":5,\"includes\":{}}", "data", GS_ETYPE},
		{"{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":\"x\"}", "account", GS_ETYPE},
		{"{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"1\"},"
		 "\"mentions\":[1]}", "mentions", GS_ETYPE},
		{"{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"operation\":\"create\","
		 "\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{\"langs\":\"en\"}}}",
		 "langs", GS_ETYPE},
		{"{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"operation\":\"create\","
		 "\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{\"facets\":[{\"features\":"
		 "[{\"tag\":5}]}]}}}", "tag", GS_ETYPE},
		{"{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":5}", "commit", GS_ETYPE},
		{"{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"rkey\":5}}", "rkey", GS_ETYPE},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		int r = parse(types[i].line);
		char want[64];
		snprintf(want, sizeof want, "'%s'", types[i].field);
		TAP_EQ_INT(r, types[i].err, "error case %zu returns %d", i, types[i].err);
		TAP_OK(strstr(gs_parser_reason(ps), want) != NULL, "error case %zu: reason names %s (%s)", i,
		       want, gs_parser_reason(ps));
	}

	/* Missing fields. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{}}"), GS_EMISSING,
		   "v1.1 without a user id");
	TAP_OK(strstr(gs_parser_reason(ps), "user.id_str") != NULL, "missing reason: %s", gs_parser_reason(ps));
	TAP_EQ_INT(parse("{\"user\":{\"id_str\":\"1\"}}"), GS_EMISSING, "v1.1 without a time");
	TAP_OK(strstr(gs_parser_reason(ps), "created_at") != NULL, "missing time reason: %s", gs_parser_reason(ps));

	/* Malformed lines. */
	TAP_EQ_INT(parse("{\"user\":{\"id_str\":\"1\"},\"x\":[1,2"), GS_EJSON, "truncated line");
	TAP_EQ_STR(gs_parser_reason(ps), "truncated JSON", "truncated reason");
	TAP_EQ_INT(parse("{\"user\":{\"id_str\":\"1\"} \"x\":1}"), GS_EJSON, "missing comma");
	TAP_OK(strstr(gs_parser_reason(ps), "column 24") != NULL, "malformed reason with column: %s",
	       gs_parser_reason(ps));
	TAP_EQ_INT(parse("{\"user\":{\"id_str\":\"1\"}} x"), GS_EJSON, "trailing garbage");
	TAP_EQ_INT(parse("[1,2]"), GS_ETYPE, "array line of numbers");
	TAP_OK(gs_parser_reason(ps)[0] != 0, "array line reason");
	TAP_EQ_INT(parse("hello"), GS_EJSON, "not JSON");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},\"x\":\"\xff\"}"),
		   GS_EUTF8, "invalid UTF-8 in a skipped field");
	TAP_OK(strstr(gs_parser_reason(ps), "UTF-8") != NULL, "UTF-8 reason: %s", gs_parser_reason(ps));
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},\"text\":\"\\ud800\"}"),
		   GS_EUTF8, "lone surrogate in the text");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"\\ud800\"}}"),
		   GS_EUTF8, "lone surrogate in the account");

	/* White space and blank lines. */
	TAP_EQ_INT(parse(""), 0, "empty line");
	TAP_EQ_INT(gs_parser_skipped(ps), 2, "empty line is framing");
	TAP_EQ_INT(parse(" \t \r"), 0, "white space line");
	TAP_EQ_INT(gs_parser_skipped(ps), 2, "white space line is framing");
	TAP_EQ_INT(parse("  {\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"9\"}} \t\r"),
		   1, "leading and trailing white space");
	TAP_EQ_INT(gs_parser_skipped(ps), 0, "skipped reset to 0");

	/* BOM */
	TAP_EQ_INT(parse("\xEF\xBB\xBF{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"9\"}}"),
		   1, "BOM at the start accepted");
	TAP_EQ_STR(S(posts[0].account), "9", "BOM: fields right");
	TAP_EQ_INT(parse("\xEF\xBB\xBF"), 0, "BOM alone is an empty line");
	TAP_EQ_INT(parse("{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"9\"}}\xEF\xBB\xBF"),
		   GS_EJSON, "BOM at the end is garbage");

	/* max_line */
	struct gs_parser *small = gs_parser_new(GS_FORMAT_AUTO, 80);
	char l80[81];
	snprintf(l80, sizeof l80, "%-80s",
		 "{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"9\"}}");
	TAP_EQ_INT(strlen(l80), 80, "80-byte line");
	TAP_EQ_INT(parse_n(small, l80, 80), 1, "line of exactly max_line accepted");
	char l81[82];
	memcpy(l81, l80, 80);
	l81[80] = ' ';
	TAP_EQ_INT(parse_n(small, l81, 81), GS_ETOOLONG, "line over max_line rejected");
	TAP_OK(strstr(gs_parser_reason(small), "80") != NULL, "too long reason: %s", gs_parser_reason(small));
	/* An escaped line as long as max_line decodes within the arena. */
	char esc[81];
	const char *head = "{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"9\"},\"text\":\"";
	size_t hn = strlen(head);
	memcpy(esc, head, hn);
	size_t o = hn;
	while (o + 2 + 2 <= 80) {
		esc[o++] = '\\';
		esc[o++] = 'n';
	}
	while (o < 78)
		esc[o++] = 'a';
	esc[o++] = '"';
	esc[o++] = '}';
	TAP_EQ_INT(parse_n(small, esc, 80), 1, "escaped text filling max_line decodes");
	gs_parser_free(small);
}

static void test_tags_limits(void)
{
	char line[8192];
	size_t o;

	/* 40 hashtag entities */
	o = (size_t)snprintf(line, sizeof line, "{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
				 "\"user\":{\"id_str\":\"1\"},\"entities\":{\"hashtags\":[");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s{\"text\":\"t%d\"}", i ? "," : "", i);
	o += (size_t)snprintf(line + o, sizeof line - o, "]}}");
	TAP_EQ_INT(parse(line), 1, "40 tag entities");
	TAP_EQ_INT(posts[0].ntags, GS_POST_MAX_TAGS, "ntags capped");
	TAP_EQ_INT(posts[0].tags_dropped, 40 - GS_POST_MAX_TAGS, "tags_dropped counts the rest");
	TAP_EQ_STR(S(posts[0].tags[GS_POST_MAX_TAGS - 1]), "t31", "the first ones are kept");

	/* 40 hashtags in text */
	o = (size_t)snprintf(line, sizeof line, "{\"id\":\"1\",\"author_id\":\"2\","
				 "\"created_at\":\"2017-10-15T22:00:00Z\",\"text\":\"");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "#tag%d ", i);
	o += (size_t)snprintf(line + o, sizeof line - o, "\"}");
	TAP_EQ_INT(parse(line), 1, "40 tags in text");
	TAP_EQ_INT(posts[0].ntags, GS_POST_MAX_TAGS, "text: ntags capped");
	TAP_EQ_INT(posts[0].tags_dropped, 8, "text: tags_dropped 8");

	/* 40 Mastodon tags, 20 mentions */
	o = (size_t)snprintf(line, sizeof line, "{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\","
				 "\"account\":{\"id\":\"9\"},\"tags\":[");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s{\"name\":\"m%d\"}", i ? "," : "", i);
	o += (size_t)snprintf(line + o, sizeof line - o, "],\"mentions\":[");
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s{\"id\":\"%d\"}", i ? "," : "", i);
	o += (size_t)snprintf(line + o, sizeof line - o, "]}");
	TAP_EQ_INT(parse(line), 1, "40 Mastodon tags");
	TAP_EQ_INT(posts[0].ntags, GS_POST_MAX_TAGS, "mastodon: ntags capped");
	TAP_EQ_INT(posts[0].tags_dropped, 8, "mastodon: tags_dropped 8");
	TAP_EQ_INT(posts[0].nmentions, GS_POST_MAX_MENTIONS, "mentions capped");

	/* Empty tag names are ignored. */
	TAP_EQ_INT(parse("{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00Z\",\"account\":{\"id\":\"9\"},"
			 "\"tags\":[{\"name\":\"\"},{\"url\":\"x\"},{\"name\":null},{\"name\":\"ok\"}]}"),
		   1, "empty tag names");
	TAP_EQ_STR(tags_of(&posts[0]), "ok", "empty tag names ignored");
}

static void test_escapes_nesting(void)
{
	/* Escaped values are decoded; escaped unknown keys are skipped. */
	TAP_EQ_INT(parse("{\"no\\\"te\":\"x\\\\\\\"}\",\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
			 "\"user\":{\"id_str\":\"a\\\"b\\u00e9\",\"n\\u0061me\":\"q\"},"
			 "\"id_str\":\"\\u0031\\u0032\",\"lang\":\"e\\u006e\","
			 "\"entities\":{\"hashtags\":[{\"text\":\"Caf\\u00e9\"},{\"text\":\"\\ud83d\\ude00x\"}]}}"),
		   1, "escaped keys and values");
	TAP_EQ_STR(S(posts[0].account), "a\"b\xC3\xA9", "escaped account decoded");
	TAP_EQ_STR(S(posts[0].id), "12", "escaped id decoded");
	TAP_EQ_STR(S(posts[0].lang), "en", "escaped lang decoded");
	TAP_EQ_STR(tags_of(&posts[0]), "Caf\xC3\xA9 \xF0\x9F\x98\x80x", "escaped tags decoded");
	TAP_EQ_INT(parse("{\"us\\u0065r\":{\"id_str\":\"1\"},\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\"}"),
		   GS_EFORMAT, "keys are matched raw: an escaped 'user' is an unknown key");

	/* Text with escapes: tags point into the decoded text. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"text\":\"caf\\u00e9 #A\\u00f1o \\\"#quoted\\\" \\n#nl\"}"),
		   1, "escaped text");
	TAP_EQ_STR(tags_of(&posts[0]), "A\xC3\xB1o quoted nl", "tags from decoded text");

	/* Deeply nested unknown fields. */
	char line[4096];
	size_t o = (size_t)snprintf(line, sizeof line, "{\"x\":");
	for (int i = 0; i < 200; i++) {
		if (i & 1) {
			line[o++] = '[';
		} else {
			memcpy(line + o, "{\"k\":", 5);
			o += 5;
		}
	}
	for (int i = 199; i >= 0; i--)
		line[o++] = (i & 1) ? ']' : '}';
	o += (size_t)snprintf(line + o, sizeof line - o,
			      ",\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"}}");
	TAP_EQ_INT(parse_n(ps, line, o), 1, "200 levels of unknown nesting skipped");
	o = (size_t)snprintf(line, sizeof line, "{\"x\":");
	for (int i = 0; i < 300; i++)
		line[o++] = '[';
	for (int i = 0; i < 300; i++)
		line[o++] = ']';
	o += (size_t)snprintf(line + o, sizeof line - o,
			      ",\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"}}");
	TAP_EQ_INT(parse_n(ps, line, o), GS_EJSON, "300 levels rejected");
	TAP_OK(gs_parser_reason(ps)[0] != 0, "with a reason: %s", gs_parser_reason(ps));

	/* Deep nesting of known keys: retweets of retweets. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"retweeted_status\":{\"user\":{\"id_str\":\"2\"},\"entities\":{\"hashtags\":[{\"text\":\"L1\"}]},"
			 "\"retweeted_status\":{\"user\":{\"id_str\":\"3\"},\"entities\":{\"hashtags\":[{\"text\":\"L2\"}]},"
			 "\"retweeted_status\":{\"user\":{\"id_str\":\"4\"}}}}}"),
		   1, "retweets of retweets");
	TAP_EQ_STR(tags_of(&posts[0]), "L1", "tags of the first level");

	/* Posts are reset between calls. */
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"},"
			 "\"in_reply_to_status_id_str\":\"5\",\"in_reply_to_user_id_str\":\"6\"}"),
		   1, "reply");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"}}"), 1,
		   "then an original");
	TAP_EQ_INT(posts[0].flags, 0, "flags reset");
	TAP_EQ_INT(posts[0].reply_to.n + posts[0].ntags + posts[0].nmentions + posts[0].id.n, 0,
		   "fields reset");
}

/* Many retweets in one page referencing one original with escaped text and
 * no entities: the original's text is decoded once, not once per retweet,
 * so the arena (as large as max_line) suffices. */
static void test_big_page(void)
{
	size_t cap = 1 << 20, o = 0;
	char *line = malloc(cap);
	o += (size_t)snprintf(line + o, cap - o, "{\"data\":[");
	for (int i = 0; i < 500; i++)
		o += (size_t)snprintf(line + o, cap - o,
				      "%s{\"id\":\"%d\",\"author_id\":\"%d\",\"created_at\":\"2017-10-15T20:00:00Z\","
				      "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"1\"}]}",
				      i ? "," : "", 1000 + i, i);
	o += (size_t)snprintf(line + o, cap - o,
			      "],\"includes\":{\"tweets\":[{\"id\":\"1\",\"author_id\":\"1\",\"text\":\"");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(line + o, cap - o, "\\u00e9 ");
	o += (size_t)snprintf(line + o, cap - o, "#Big\"}]}}");
	struct gs_parser *p = gs_parser_new(GS_FORMAT_AUTO, 256 << 10);
	int r = parse_n(p, line, o);
	TAP_EQ_INT(r, 500, "page of 500 retweets of one original with escaped text (%s)", gs_parser_reason(p));
	if (r == 500)
		TAP_EQ_STR(tags_of(&posts[499]), "Big", "last retweet resolved");
	else
		TAP_OK(0, "last retweet resolved");
	gs_parser_free(p);
	free(line);
}

/* Builds a twarc2 full-archive page like the one of the issue: ndata
 * tweets (every third a retweet, every fifth a quote, every seventh a
 * reply), nincl originals in includes.tweets, nusers includes.users. */
static size_t archive_page(char **out, int ndata, int nincl, int nusers)
{
	size_t cap = (size_t)(ndata + nincl + nusers) * 1024 + 4096, o = 0;
	char *b = malloc(cap);
	o += (size_t)snprintf(b + o, cap - o, "{\"data\":[");
	for (int i = 0; i < ndata; i++) {
		char refs[256] = "";
		if (i % 3 == 0)
			snprintf(refs, sizeof refs,
				 ",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"9%d\"}]",
				 i % nincl);
		else if (i % 5 == 0)
			snprintf(refs, sizeof refs,
				 ",\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"9%d\"},"
				 "{\"type\":\"replied_to\",\"id\":\"9%d\"}]",
				 i % nincl, (i + 1) % nincl);
		o += (size_t)snprintf(b + o, cap - o,
				      "%s{\"id\":\"%d\",\"text\":\"t #own%d\",\"author_id\":\"%d\","
				      "\"created_at\":\"2017-10-15T20:00:00.000Z\",\"entities\":{\"hashtags\":"
				      "[{\"start\":2,\"end\":7,\"tag\":\"own%d\"}]},\"lang\":\"en\"%s}",
				      i ? "," : "", 1000 + i, i % 10, 5000 + i, i % 10, refs);
	}
	o += (size_t)snprintf(b + o, cap - o, "],\"includes\":{\"users\":[");
	for (int i = 0; i < nusers; i++)
		o += (size_t)snprintf(b + o, cap - o,
				      "%s{\"id\":\"%d\",\"username\":\"user%d\",\"name\":\"U\","
				      "\"description\":\"a fictional account\"}",
				      i ? "," : "", 5000 + i, i);
	o += (size_t)snprintf(b + o, cap - o, "],\"tweets\":[");
	for (int i = 0; i < nincl; i++)
		o += (size_t)snprintf(b + o, cap - o,
				      "%s{\"id\":\"9%d\",\"text\":\"o #orig\",\"author_id\":\"7%d\","
				      "\"created_at\":\"2017-10-15T19:00:00.000Z\",\"entities\":{\"hashtags\":"
				      "[{\"start\":2,\"end\":7,\"tag\":\"orig\"}]},\"referenced_tweets\":"
				      "[{\"type\":\"replied_to\",\"id\":\"1\"}]}",
				      i ? "," : "", i, i);
	o += (size_t)snprintf(b + o, cap - o,
			      "]},\"meta\":{\"result_count\":%d},\"__twarc\":{\"version\":\"2.14.0\"}}",
			      ndata);
	*out = b;
	return o;
}

/* Forms of real archives (issue 11), each once lost or miscounted. */
static void test_real_forms(void)
{
	const struct gs_post *p;
	char *page;

	/* 1. a full-archive page: 474 tweets, 197 includes.tweets, 612
	 * includes.users was refused as "too many posts in one line" */
	size_t n = archive_page(&page, 474, 197, 612);
	struct gs_parser *big = gs_parser_new(GS_FORMAT_AUTO, 0);
	int r = parse_n(big, page, n);
	TAP_EQ_INT(r, 474, "full-archive page: all 474 tweets (%s)", gs_parser_reason(big));
	if (r == 474) {
		TAP_EQ_STR(tags_of(&posts[0]), "orig", "page: a retweet takes its original's tags");
		TAP_EQ_INT(posts[0].flags, GS_POST_REPOST, "page: retweet");
		TAP_EQ_STR(S(posts[0].repost_account), "70", "page: retweeted author from includes");
		TAP_EQ_INT(posts[5].flags, GS_POST_QUOTE | GS_POST_REPLY, "page: quote and reply");
		TAP_EQ_STR(S(posts[5].quote_account), "75", "page: quoted author from includes");
		TAP_EQ_STR(S(posts[473].account), "5473", "page: the last tweet's author");
	} else {
		TAP_OK(0, "page posts");
	}
	free(page);
	/* pages of the API's limit with expansions and past it */
	n = archive_page(&page, 500, 1500, 500);
	TAP_EQ_INT(parse_n(big, page, n), 500, "page of 500 tweets, 1500 includes (%s)", gs_parser_reason(big));
	free(page);
	n = archive_page(&page, 6000, 1, 1);
	TAP_EQ_INT(parse_n(big, page, n), 6000, "page of 6,000 tweets and 3,600 references: the pool grows (%s)",
		   gs_parser_reason(big));
	free(page);
	/* a line of empty objects is bounded by its length */
	{
		size_t cap = 3 * 200000 + 64, o = 0;
		char *l = malloc(cap);
		o += (size_t)snprintf(l, cap, "{\"data\":[");
		for (int i = 0; i < 200000; i++) {
			memcpy(l + o, i ? ",{}" : "{}", i ? 3 : 2);
			o += i ? 3 : 2;
		}
		o += (size_t)snprintf(l + o, cap - o, "]}");
		TAP_EQ_INT(parse_n(big, l, o), GS_ETOOLONG, "200,000 empty objects in 600 kB: refused");
		TAP_OK(strstr(gs_parser_reason(big), "too many objects") != NULL, "reason: %s",
		       gs_parser_reason(big));
		free(l);
	}
	gs_parser_free(big);

	/* a bad tweet never costs its page */
	TAP_EQ_INT(
		parse("{\"data\":[{\"id\":\"1\",\"text\":\"#a\",\"author_id\":\"2\",\"created_at\":"
		      "\"2017-10-15T20:00:00.000Z\"},{\"id\":\"3\",\"text\":\"#b\",\"created_at\":"
		      "\"2017-10-15T20:00:00.000Z\"},{\"id\":\"4\",\"text\":\"#c\",\"author_id\":\"5\","
		      "\"created_at\":\"2017-10-15T20:00:00.000Z\"}]}"),
		2, "page with a tweet without author: the other two read");
	TAP_EQ_INT((int)gs_parser_dropped(ps), 1, "page: one post left out");
	TAP_OK(strstr(gs_parser_reason(ps), "post 2 of 3: no author") != NULL,
	       "page: the reason names it (%s)", gs_parser_reason(ps));
	TAP_EQ_STR(S(posts[1].account), "5",
		   "page: the tweet after the bad one");
	TAP_EQ_INT(
		parse("{\"data\":[{\"id\":\"3\",\"text\":\"#b\",\"created_at\":\"2017-10-15T20:00:00.000Z\"}]}"),
		GS_EMISSING, "page of one bad tweet: an error");
	TAP_EQ_INT((int)gs_parser_dropped(ps), 0,
		   "an error line drops nothing");

	/* 2. stream and sample lines: data is one tweet */
	TAP_EQ_INT(parse("{\"data\":{\"id\":\"1\",\"text\":\"#a\",\"author_id\":\"2\","
			 "\"created_at\":\"2017-10-15T20:00:00.000Z\",\"entities\":{\"hashtags\":[{\"tag\":\"a\"}]},"
			 "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"3\"}]},"
			 "\"includes\":{\"tweets\":[{\"id\":\"3\",\"text\":\"#b\",\"author_id\":\"4\","
			 "\"created_at\":\"2017-10-15T19:00:00.000Z\",\"entities\":{\"hashtags\":[{\"tag\":\"b\"}]}}]},"
			 "\"matching_rules\":[{\"id\":\"7\",\"tag\":\"r\"}]}"),
		   1, "v2 stream line: data is an object (%s)", gs_parser_reason(ps));
	TAP_EQ_STR(tags_of(&posts[0]), "b", "stream line: the retweet's original from includes");
	TAP_EQ_STR(S(posts[0].account), "2", "stream line: author");

	/* 3. id_str wins over a rounded id, in either order */
	TAP_EQ_INT(parse("{\"id\":918239577002827776,\"id_str\":\"918239577002827777\","
			 "\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"text\":\"x\","
			 "\"in_reply_to_user_id\":815279070241955800,\"in_reply_to_user_id_str\":\"815279070241955840\","
			 "\"user\":{\"id\":815279070241955800,\"id_str\":\"815279070241955840\"},"
			 "\"entities\":{\"hashtags\":[],\"user_mentions\":[{\"id\":815279070241955800,"
			 "\"id_str\":\"815279070241955840\"},{\"id\":12}]}}"),
		   1, "v1.1: rounded numbers beside id_str");
	p = &posts[0];
	TAP_EQ_STR(S(p->account), "815279070241955840", "user.id_str wins over a rounded user.id before it");
	TAP_EQ_STR(S(p->id), "918239577002827777", "id_str wins over id");
	TAP_EQ_STR(S(p->reply_to), "815279070241955840", "in_reply_to_user_id_str wins");
	TAP_EQ_STR(mentions_of(p), "815279070241955840 12", "mention id_str wins; a small id alone is exact");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"text\":\"x\","
			 "\"in_reply_to_user_id_str\":\"815279070241955840\",\"in_reply_to_user_id\":815279070241955800,"
			 "\"user\":{\"id_str\":\"815279070241955840\",\"id\":815279070241955800}}"),
		   1, "v1.1: strings first");
	TAP_EQ_STR(S(posts[0].reply_to), "815279070241955840", "in_reply_to_user_id_str first still wins");
	TAP_EQ_STR(S(posts[0].account), "815279070241955840", "user.id_str first wins");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"text\":\"x\","
			 "\"user\":{\"id_str\":\"\\u003815279070241955840\"},\"entities\":{\"user_mentions\":"
			 "[{\"id\":\"\\u003815279070241955840\"}]}}"),
		   1, "v1.1: long string ids with escapes (decoded at the arena's start)");
	TAP_EQ_STR(mentions_of(&posts[0]), "815279070241955840", "escaped long string id is a string, not a number");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"text\":\"x\","
			 "\"user\":{\"id\":12345}}"),
		   1, "v1.1: a small numeric user.id alone is exact");
	TAP_EQ_STR(S(posts[0].account), "12345", "small id used");
	TAP_EQ_INT(parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"text\":\"x\","
			 "\"user\":{\"id\":815279070241955800}}"),
		   GS_EMISSING, "v1.1: a user.id above 2^53 alone is not trusted");
	TAP_OK(strstr(gs_parser_reason(ps), "rounded") != NULL, "reason says why: %s", gs_parser_reason(ps));

	/* 4. Mastodon quotes */
	TAP_EQ_INT(parse("{\"id\":\"1\",\"created_at\":\"2025-07-01T10:00:00.000Z\",\"account\":{\"id\":\"31\"},"
			 "\"tags\":[{\"name\":\"q\"}],\"quote\":{\"state\":\"accepted\",\"quoted_status\":"
			 "{\"id\":\"2\",\"created_at\":\"2025-07-01T09:00:00.000Z\",\"account\":{\"id\":\"32\"},\"tags\":[]}}}"),
		   1, "mastodon: a quote post");
	TAP_EQ_INT(posts[0].flags, GS_POST_QUOTE, "mastodon quote: QUOTE");
	TAP_EQ_STR(S(posts[0].quote_account), "32", "mastodon quote: the quoted account");
	TAP_EQ_STR(tags_of(&posts[0]), "q", "mastodon quote: its own tags");
	TAP_EQ_INT(parse("{\"id\":\"1\",\"created_at\":\"2025-07-01T10:00:00.000Z\",\"account\":{\"id\":\"31\"},"
			 "\"tags\":[],\"quote\":{\"state\":\"accepted\",\"quoted_status_id\":\"2\"}}"),
		   1, "mastodon: a shallow quote");
	TAP_EQ_INT(posts[0].flags, GS_POST_QUOTE, "shallow quote: QUOTE");
	TAP_EQ_INT(parse("{\"id\":\"1\",\"created_at\":\"2025-07-01T10:00:00.000Z\",\"account\":{\"id\":\"31\"},"
			 "\"tags\":[],\"quote\":{\"state\":\"revoked\",\"quoted_status\":null}}"),
		   1, "mastodon: a revoked quote");
	TAP_EQ_INT(posts[0].flags, 0, "revoked quote: not a quote");
	TAP_EQ_INT(parse("{\"id\":\"1\",\"created_at\":\"2025-07-01T10:00:00.000Z\",\"account\":{\"id\":\"31\"},"
			 "\"tags\":[],\"quote\":null}"),
		   1, "mastodon: quote null");
	TAP_EQ_INT(posts[0].flags, 0, "quote null: not a quote");

	/* 5. stream control messages and non-tweet output are non-posts */
	static const struct {
		const char *line;
		enum gs_nonpost kind;
	} np[] = {
		{"{\"delete\":{\"status\":{\"id\":1,\"id_str\":\"1\",\"user_id\":2,\"user_id_str\":\"2\"},"
		 "\"timestamp_ms\":\"1508097600000\"}}", GS_NONPOST_TWITTER_DELETE},
		{"{\"limit\":{\"track\":1234,\"timestamp_ms\":\"1508097600000\"}}", GS_NONPOST_TWITTER_LIMIT},
		{"{\"scrub_geo\":{\"user_id\":1,\"user_id_str\":\"1\",\"up_to_status_id\":2}}",
		 GS_NONPOST_TWITTER_SCRUB_GEO},
		{"{\"status_withheld\":{\"id\":1,\"user_id\":2,\"withheld_in_countries\":[\"DE\"]}}",
		 GS_NONPOST_TWITTER_WITHHELD},
		{"{\"user_withheld\":{\"id\":1,\"withheld_in_countries\":[\"DE\"]}}", GS_NONPOST_TWITTER_WITHHELD},
		{"{\"disconnect\":{\"code\":4,\"stream_name\":\"s\",\"reason\":\"r\"}}",
		 GS_NONPOST_TWITTER_DISCONNECT},
		{"{\"warning\":{\"code\":\"FALLING_BEHIND\",\"message\":\"m\",\"percent_full\":60}}",
		 GS_NONPOST_TWITTER_WARNING},
		{"{\"meta\":{\"result_count\":0},\"__twarc\":{\"url\":\"u\"}}", GS_NONPOST_TWARC2_EMPTY},
		{"{\"data\":[],\"meta\":{\"result_count\":0}}", GS_NONPOST_TWARC2_EMPTY},
		{"{\"errors\":[{\"title\":\"Not Found Error\",\"type\":\"x\"}],\"meta\":{}}",
		 GS_NONPOST_TWARC2_ERRORS},
		{"{\"data\":[{\"id\":\"1\",\"name\":\"N\",\"username\":\"n\",\"created_at\":"
		 "\"2017-10-15T20:00:00.000Z\"}],\"meta\":{}}", GS_NONPOST_TWARC2_USERS},
		{"{\"id\":\"1\",\"name\":\"N\",\"username\":\"n\",\"created_at\":\"2017-10-15T20:00:00.000Z\"}",
		 GS_NONPOST_TWARC2_USERS},
		{"{\"data\":[{\"end\":\"2017-10-15T21:00:00.000Z\",\"start\":\"2017-10-15T20:00:00.000Z\","
		 "\"tweet_count\":5}],\"meta\":{\"total_tweet_count\":5}}", GS_NONPOST_TWARC2_COUNTS},
		{"{\"data\":[{\"id\":\"1\",\"name\":\"a list\"}],\"meta\":{}}", GS_NONPOST_TWARC2_OTHER},
		{"[]", GS_NONPOST_EMPTY_ARRAY},
		{"{\"id\":\"1170025343920402432\",\"action\":\"delete\",\"created_at\":\"2019-09-06T17:25:54.667Z\","
		 "\"reason\":\"protected\"}", GS_NONPOST_TWARC2_COMPLIANCE},
		{"{\"direct_message\":{\"id\":1,\"id_str\":\"1\",\"text\":\"hello\",\"sender\":{\"id_str\":\"2\"}}}",
		 GS_NONPOST_TWITTER_OTHER},
	};
	for (size_t i = 0; i < sizeof np / sizeof np[0]; i++) {
		TAP_EQ_INT(parse(np[i].line), 0, "non-post %zu is no error (%s)", i, gs_parser_reason(ps));
		TAP_EQ_INT(gs_parser_skipped(ps), 1, "non-post %zu is counted as skipped", i);
		TAP_EQ_INT(gs_parser_nonpost(ps), np[i].kind, "non-post %zu is a %s", i, gs_nonpost_name(np[i].kind));
	}
	TAP_EQ_INT(parse("{\"foo\":1}"), GS_EFORMAT, "an unknown object is still malformed");
	TAP_EQ_STR(gs_nonpost_name(GS_NONPOST_TWITTER_DELETE), "twitter delete notices", "kind names");

	/* 6. a ':' line in JSON Lines input is malformed */
	{
		struct gs_parser *jl = gs_parser_new(GS_FORMAT_AUTO, 0);
		static const char *tw = "{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"user\":{\"id_str\":\"1\"}}";
		TAP_EQ_INT(parse_n(jl, tw, strlen(tw)), 1, "a JSON line");
		TAP_EQ_INT(parse_n(jl, ":)", 2), GS_EJSON, "':' line after JSON lines: malformed");
		TAP_OK(strstr(gs_parser_reason(jl), "':'") != NULL, "reason: %s", gs_parser_reason(jl));
		gs_parser_free(jl);
	}

	/* 7. Bluesky quotes */
	static const char *jq =
		"{\"did\":\"did:plc:q\",\"time_us\":1508097600000000,\"kind\":\"commit\",\"commit\":{\"rev\":\"r\","
		"\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{"
		"\"$type\":\"app.bsky.feed.post\",\"text\":\"q\",\"embed\":%s},\"cid\":\"c\"}}";
	static const struct {
		const char *embed, *account;
	} emb[] = {
		{"{\"$type\":\"app.bsky.embed.record\",\"record\":{\"cid\":\"c\",\"uri\":"
		 "\"at://did:plc:orig/app.bsky.feed.post/3k\"}}", "did:plc:orig"},
		{"{\"record\":{\"uri\":\"at://did:plc:orig/app.bsky.feed.post/3k\"},"
		 "\"$type\":\"app.bsky.embed.record\"}", "did:plc:orig"},
		{"{\"$type\":\"app.bsky.embed.recordWithMedia\",\"media\":{\"$type\":\"app.bsky.embed.images\","
		 "\"images\":[]},\"record\":{\"$type\":\"app.bsky.embed.record\",\"record\":{\"cid\":\"c\","
		 "\"uri\":\"at://did:plc:m/app.bsky.feed.post/3k\"}}}", "did:plc:m"},
		{"{\"$type\":\"app.bsky.embed.record\",\"record\":{\"uri\":"
		 "\"at://did:plc:orig/app.bsky.graph.list/3k\"}}", NULL},
		{"{\"$type\":\"app.bsky.embed.record\",\"record\":{\"uri\":"
		 "\"at://did:plc:orig/app.bsky.feed.generator/3k\"}}", NULL},
		{"{\"$type\":\"app.bsky.embed.record\",\"record\":{\"uri\":"
		 "\"at://did:plc:orig/app.bsky.graph.starterpack/3k\"}}", NULL},
		{"{\"$type\":\"app.bsky.embed.external\",\"external\":{\"uri\":\"https://example.org\"}}", NULL},
	};
	for (size_t i = 0; i < sizeof emb / sizeof emb[0]; i++) {
		char line[1024];
		snprintf(line, sizeof line, jq, emb[i].embed);
		TAP_EQ_INT(parse(line), 1, "bluesky embed %zu parses (%s)", i, gs_parser_reason(ps));
		TAP_EQ_INT(posts[0].flags, emb[i].account ? GS_POST_QUOTE : 0, "bluesky embed %zu: %s", i,
			   emb[i].account ? "a quote" : "not a quote");
		TAP_EQ_STR(S(posts[0].quote_account), emb[i].account ? emb[i].account : "",
			   "bluesky embed %zu: quoted account", i);
	}

	/* 8. Bluesky tags only from facets and record tags */
	TAP_EQ_INT(parse("{\"did\":\"did:plc:t\",\"time_us\":1508097600000000,\"kind\":\"commit\",\"commit\":"
			 "{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\","
			 "\"record\":{\"text\":\"#bot #spam\",\"facets\":[]},\"cid\":\"c\"}}"),
		   1, "bluesky: empty facets");
	TAP_EQ_STR(tags_of(&posts[0]), "", "bluesky: no tags from the text with facets: []");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:t\",\"time_us\":1508097600000000,\"kind\":\"commit\",\"commit\":"
			 "{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\","
			 "\"record\":{\"text\":\"#bot #spam\",\"tags\":[\"extra\"]},\"cid\":\"c\"}}"),
		   1, "bluesky: record tags only");
	TAP_EQ_STR(tags_of(&posts[0]), "extra", "bluesky: record tags, not the text's");
	/* Jetstream non-posts by kind */
	TAP_EQ_INT(parse("{\"did\":\"did:plc:t\",\"time_us\":1508097600000000,\"kind\":\"commit\",\"commit\":"
			 "{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"app.bsky.feed.like\",\"rkey\":\"k\","
			 "\"record\":{\"subject\":{\"uri\":\"at://a/b/c\"}},\"cid\":\"c\"}}"),
		   0, "bluesky like");
	TAP_EQ_INT(gs_parser_nonpost(ps), GS_NONPOST_BSKY_LIKE, "bluesky like: kind");
	TAP_EQ_INT(parse("{\"did\":\"did:plc:t\",\"time_us\":1508097600000000,\"kind\":\"identity\","
			 "\"identity\":{\"did\":\"did:plc:t\",\"handle\":\"t.example\"}}"),
		   0, "bluesky identity");
	TAP_EQ_INT(gs_parser_nonpost(ps), GS_NONPOST_BSKY_IDENTITY, "bluesky identity: kind");

	/* a JSON array of posts on one line (a saved API answer) */
	TAP_EQ_INT(parse("[{\"id\":\"1\",\"created_at\":\"2017-10-15T20:00:00.000Z\",\"account\":{\"id\":\"31\"},"
			 "\"tags\":[{\"name\":\"a\"}]},{\"id\":\"2\",\"created_at\":\"2017-10-15T20:01:00.000Z\","
			 "\"account\":{\"id\":\"32\"},\"tags\":[{\"name\":\"b\"}],\"reblog\":null}]"),
		   2, "a JSON array of two statuses");
	TAP_EQ_STR(S(posts[1].account), "32", "array: second status");
	TAP_EQ_STR(tags_of(&posts[1]), "b", "array: second status's tags");
	TAP_EQ_INT(parse("[1,2]"), GS_ETYPE, "array of numbers: malformed");
	TAP_EQ_INT(parse("[{\"foo\":1}]"), GS_EFORMAT, "array of unknown objects: malformed");
	TAP_EQ_INT(parse("[{\"id\":\"1\",\"created_at\":\"2017-10-15T20:00:00.000Z\",\"account\":{\"id\":\"31\"}}"),
		   GS_EJSON, "truncated array: malformed");
}

/* The Jetstream layout fast path against the general walk, on a generated
 * stream (malformed lines included) and on damaged copies of its lines. */
static void test_jetstream_layout(void)
{
	struct gs_generate_options o;
	gs_generate_options_init(&o);
	o.format = GS_GEN_JETSTREAM;
	o.posts = 3000;
	o.hours = 0;
	o.malformed = 0.05;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	TAP_EQ_INT(gs_generate(f, NULL, &o), 0, "a Jetstream stream generated");
	fclose(f);
	struct gs_parser *a = gs_parser_new(GS_FORMAT_AUTO, 0);
	struct gs_parser *b = gs_parser_new(GS_FORMAT_AUTO, 0);
	static const char bytes[] = "\"{}[],:\\ 0a\x7f\xc3";
	uint64_t r = 12345;
	int lines = 0, bad = 0, variants = 0, posts = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		lines++;
		bad += !same_both_ways(a, b, p, n);
		const struct gs_post *pp;
		char *c = malloc(n + 2);
		memcpy(c, p, n);
		posts += gs_parser_parse(a, c, n, &pp) > 0;
		for (int v = 0; v < 4 && n > 2; v++) {
			r = r * 6364136223846793005u + 1442695040888963407u;
			size_t at = (size_t)(r >> 33) % n;
			memcpy(c, p, n);
			size_t m = n;
			switch (v) {
			case 0: /* truncated */
				m = at;
				break;
			case 1: /* one byte changed */
				c[at] = bytes[(r >> 20) % (sizeof bytes - 1)];
				break;
			case 2: /* a space inserted */
				memmove(c + at + 1, c + at, n - at);
				c[at] = ' ';
				m = n + 1;
				break;
			case 3: /* an escaped quote in the first string */
				if (n < 10)
					break;
				memmove(c + 10, c + 8, n - 8);
				c[8] = '\\';
				c[9] = '"';
				m = n + 2;
				break;
			}
			variants++;
			bad += !same_both_ways(a, b, c, m);
		}
		free(c);
		p = nl ? nl + 1 : end;
	}
	TAP_OK(lines > 3000 && posts > 2000, "%d lines, %d with posts", lines,
	       posts);
	TAP_EQ_INT(bad, 0,
		   "the layout fast path and the general walk agree on "
		   "%d lines and %d damaged copies",
		   lines, variants);
	gs_parser_free(a);
	gs_parser_free(b);
	free(buf);
}

/* RFC 8259: a raw control character is malformed anywhere in a line, also
 * in fields that are only skipped; an escaped one in a tag would be a
 * second key that prints like the first ("#EclipseNow\u0000"). */
static void test_control_characters(void)
{
	const char *t1 =
		"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"id_str\":\"1\","
		"\"user\":{\"id_str\":\"2\",\"description\":\"aQb\"},\"source\":\"web\","
		"\"text\":\"#EclipseNow\",\"entities\":{\"hashtags\":[{\"text\":\"EclipseNow\"}]}}";
	TAP_EQ_INT(parse(t1), 1, "control: the clean line is a post");
	const char *q = strchr(t1, 'Q');
	int all = 1;
	for (int c = 0; c < 0x20; c++) {
		char line[512];
		size_t n = strlen(t1);
		memcpy(line, t1, n);
		line[q - t1] = (char)c; /* in a skipped string */
		int r = parse_n(ps, line, n);
		if (r != GS_EJSON ||
		    !strstr(gs_parser_reason(ps), "control character")) {
			TAP_OK(0,
			       "control: raw 0x%02x in a skipped string: %d %s",
			       c, r, gs_parser_reason(ps));
			all = 0;
			break;
		}
	}
	if (all)
		TAP_OK(1,
		       "control: each raw control character in a skipped string is malformed");
	TAP_EQ_STR(
		gs_parser_reason(ps),
		"malformed JSON: raw control character U+001F near column 98",
		"control: the reason names the character and the column");
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"id_str\":\"1\","
		      "\"user\":{\"id_str\":\"2\"},\"text\":\"a\tb\"}"),
		GS_EJSON, "control: a raw tab in the text is malformed");
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"id_str\":\"1\",\x01"
		      "\"user\":{\"id_str\":\"2\"},\"text\":\"ab\"}"),
		GS_EJSON, "control: a raw 0x01 between members is malformed");
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\t\"id_str\":\"1\","
		      "\"user\":{\"id_str\":\"2\",\"d\":\"\\u0000\\n\"},\"text\":\"a\\tb\"}\r"),
		1,
		"control: tabs between tokens and escaped controls in other strings are fine");

	static const struct {
		const char *what, *line;
	} tags[] = {
		{"twitter1 entities",
		 "{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"id_str\":\"1\","
		 "\"user\":{\"id_str\":\"2\"},\"text\":\"#EclipseNow\","
		 "\"entities\":{\"hashtags\":[{\"text\":\"EclipseNow\\u0000\"}]}}"},
		{"twitter2 entities",
		 "{\"id\":\"1\",\"author_id\":\"2\",\"created_at\":\"2017-10-15T22:00:00Z\","
		 "\"text\":\"x\",\"entities\":{\"hashtags\":[{\"tag\":\"Eclipse\\u001fNow\"}]}}"},
		{"mastodon tags",
		 "{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00.000Z\",\"account\":{\"id\":\"9\"},"
		 "\"content\":\"x\",\"tags\":[{\"name\":\"a\\nb\"}]}"},
		{"jetstream facet",
		 "{\"did\":\"did:plc:a\",\"time_us\":1508098200123456,\"kind\":\"commit\","
		 "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\","
		 "\"record\":{\"text\":\"#a\",\"facets\":[{\"features\":[{\"tag\":\"a\\u0000\"}]}]}}}"},
		{"jetstream record tags",
		 "{\"did\":\"did:plc:a\",\"time_us\":1508098200123456,\"kind\":\"commit\","
		 "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\","
		 "\"record\":{\"text\":\"x\",\"tags\":[\"\\u0007a\"]}}}"},
	};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		TAP_EQ_INT(parse(tags[i].line), GS_EJSON,
			   "control: escaped in a tag (%s) is malformed",
			   tags[i].what);
		TAP_OK(strstr(gs_parser_reason(ps), "control character U+00"),
		       "control: the reason says so: %s", gs_parser_reason(ps));
	}
}

/* A key met twice in one object: the last wins (the JSON convention), for
 * every key that fills a list, never a merge of both. */
static void test_duplicate_keys(void)
{
	const char *t1 =
		"{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\",\"id_str\":\"1\","
		"\"user\":{\"id_str\":\"2\"},\"text\":\"#A #B @m\",";
	char line[1024];
	snprintf(
		line, sizeof line,
		"%s\"entities\":{\"hashtags\":[{\"text\":\"A\"}],"
		"\"user_mentions\":[{\"id_str\":\"3\"}]},\"entities\":{\"hashtags\":[{\"text\":\"B\"}]}}",
		t1);
	TAP_EQ_INT(parse(line), 1, "dup: two entities objects");
	TAP_EQ_STR(tags_of(&posts[0]), "B", "dup: the last entities' hashtags");
	TAP_EQ_STR(mentions_of(&posts[0]), "",
		   "dup: the last entities' mentions (none)");
	snprintf(
		line, sizeof line,
		"%s\"entities\":{\"hashtags\":[{\"text\":\"A\"}],"
		"\"user_mentions\":[{\"id_str\":\"3\"}],\"hashtags\":[{\"text\":\"B\"},{\"text\":\"C\"}]}}",
		t1);
	TAP_EQ_INT(parse(line), 1, "dup: hashtags twice in one entities");
	TAP_EQ_STR(tags_of(&posts[0]), "B C", "dup: the last hashtags array");
	TAP_EQ_STR(mentions_of(&posts[0]), "3",
		   "dup: the mentions beside them stay");
	snprintf(line, sizeof line,
		 "%s\"entities\":{\"user_mentions\":[{\"id_str\":\"3\"}],"
		 "\"user_mentions\":[{\"id_str\":\"4\"}]}}",
		 t1);
	TAP_EQ_INT(parse(line), 1, "dup: user_mentions twice");
	TAP_EQ_STR(mentions_of(&posts[0]), "4", "dup: the last user_mentions");

	TAP_EQ_INT(
		parse("{\"id\":\"1\",\"created_at\":\"2017-10-15T22:00:00.000Z\",\"account\":{\"id\":\"9\"},"
		      "\"content\":\"x\",\"tags\":[{\"name\":\"a\"}],\"mentions\":[{\"id\":\"5\"}],"
		      "\"tags\":[{\"name\":\"b\"}],\"mentions\":[{\"id\":\"6\"}]}"),
		1, "dup: Mastodon tags and mentions twice");
	TAP_EQ_STR(tags_of(&posts[0]), "b", "dup: the last Mastodon tags");
	TAP_EQ_STR(mentions_of(&posts[0]), "6",
		   "dup: the last Mastodon mentions");

	const char *js =
		"{\"did\":\"did:plc:a\",\"time_us\":1508098200123456,\"kind\":\"commit\","
		"\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\","
		"\"record\":{\"text\":\"x\",\"langs\":[\"de\"],\"tags\":[\"r1\"],"
		"\"facets\":[{\"features\":[{\"tag\":\"f1\"},{\"did\":\"did:plc:m1\"}]}],"
		"\"tags\":[\"r2\"],\"langs\":[\"fr\"],"
		"\"facets\":[{\"features\":[{\"tag\":\"f2\"}]}]}}}";
	TAP_EQ_INT(parse(js), 1, "dup: Jetstream facets, tags and langs twice");
	TAP_EQ_STR(tags_of(&posts[0]), "r2 f2",
		   "dup: the last facets and the last record tags, apart");
	TAP_EQ_STR(mentions_of(&posts[0]), "",
		   "dup: the last facets' mentions (none)");
	TAP_EQ_STR(S(posts[0].lang), "fr", "dup: the last langs");
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:a\",\"time_us\":1508098200123456,\"kind\":\"commit\","
		      "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":\"k\","
		      "\"record\":{\"text\":\"x\",\"tags\":[\"r1\"]},\"record\":{\"text\":\"y\",\"tags\":[\"r2\"]}}}"),
		1, "dup: a Jetstream record twice");
	TAP_EQ_STR(tags_of(&posts[0]), "r2", "dup: the last record's tags");

	TAP_EQ_INT(
		parse("{\"data\":[{\"id\":\"1\",\"author_id\":\"2\",\"created_at\":\"2017-10-15T22:00:00Z\",\"text\":\"a\"}],"
		      "\"data\":[{\"id\":\"3\",\"author_id\":\"4\",\"created_at\":\"2017-10-15T22:00:00Z\",\"text\":\"b\"}]}"),
		1, "dup: a page's data twice: the last's posts");
	TAP_EQ_STR(S(posts[0].id), "3", "dup: the last data");
	TAP_EQ_INT(
		parse("{\"data\":[{\"id\":\"1\",\"author_id\":\"2\",\"created_at\":\"2017-10-15T22:00:00Z\",\"text\":\"a\","
		      "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"7\"}]}],"
		      "\"includes\":{\"tweets\":[{\"id\":\"7\",\"author_id\":\"8\",\"created_at\":\"2017-10-15T21:00:00Z\",\"text\":\"o\"}]},"
		      "\"includes\":{\"tweets\":[{\"id\":\"7\",\"author_id\":\"9\",\"created_at\":\"2017-10-15T21:00:00Z\",\"text\":\"o\"}]}}"),
		1, "dup: includes twice");
	TAP_EQ_STR(S(posts[0].repost_account), "9",
		   "dup: the original from the last includes");

	TAP_EQ_INT(
		parse("{\"id\":\"6\",\"author_id\":\"8\",\"created_at\":\"2017-10-15T20:05:00Z\",\"text\":\"t\","
		      "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"5\"}],"
		      "\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"4\"}]}"),
		1, "dup: referenced_tweets twice");
	TAP_EQ_INT(posts[0].flags, GS_POST_QUOTE,
		   "dup: the last referenced_tweets: a quote, no repost");
}

/* ---- handles (issue 12 part 1) ---- */

static const char *mention_handles_of(const struct gs_post *p)
{
	static char b[1024];
	size_t o = 0;
	b[0] = 0;
	for (size_t i = 0; i < p->nmentions; i++)
		o += (size_t)snprintf(
			b + o, sizeof b - o, "%s%.*s", i ? " " : "",
			(int)p->mention_handles[i].n, p->mention_handles[i].p);
	return b;
}

static void test_handles(void)
{
	const struct gs_post *p;

	/* v1.1 in twarc's layout: user.screen_name after id_str, a reply's
	 * in_reply_to_screen_name, user_mentions[].screen_name */
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
		      "\"id\":9,\"id_str\":\"9\",\"text\":\"@bo #x\","
		      "\"in_reply_to_status_id_str\":\"8\",\"in_reply_to_user_id\":2,"
		      "\"in_reply_to_user_id_str\":\"2\",\"in_reply_to_screen_name\":\"bo_b\","
		      "\"user\":{\"id\":1,\"id_str\":\"1\",\"name\":\"Ann A\","
		      "\"screen_name\":\"ann_a\",\"location\":\"x\"},"
		      "\"entities\":{\"hashtags\":[{\"text\":\"x\"}],\"user_mentions\":"
		      "[{\"screen_name\":\"bo_b\",\"name\":\"Bo\",\"id\":2,\"id_str\":\"2\"},"
		      "{\"id_str\":\"3\",\"screen_name\":\"cy\"},{\"id_str\":\"4\"}]}}"),
		1, "handles: v1.1 reply");
	p = &posts[0];
	TAP_EQ_STR(S(p->handle), "ann_a", "handles: v1.1 user.screen_name");
	TAP_EQ_STR(S(p->reply_to_handle), "bo_b",
		   "handles: v1.1 in_reply_to_screen_name");
	TAP_EQ_STR(mentions_of(p), "2 3 4", "handles: v1.1 mention ids kept");
	TAP_EQ_STR(
		mention_handles_of(p), "bo_b cy ",
		"handles: v1.1 user_mentions[].screen_name, in any key order");

	/* a retweet: the reposter's handle and the original author's */
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
		      "\"id_str\":\"11\",\"text\":\"RT @ann_a: #x\","
		      "\"user\":{\"screen_name\":\"dee\",\"id\":5,\"id_str\":\"5\"},"
		      "\"retweeted_status\":{\"created_at\":\"Sun Oct 15 20:00:00 +0000 2017\","
		      "\"id_str\":\"9\",\"text\":\"#x\",\"user\":{\"id_str\":\"1\","
		      "\"screen_name\":\"ann_a\"},\"entities\":{\"hashtags\":[{\"text\":\"x\"}]}}}"),
		1, "handles: v1.1 retweet");
	p = &posts[0];
	TAP_EQ_STR(S(p->handle), "dee",
		   "handles: the reposter's, screen_name first");
	TAP_EQ_STR(S(p->repost_account), "1", "handles: retweeted author");
	TAP_EQ_STR(S(p->repost_handle), "ann_a",
		   "handles: retweeted_status.user.screen_name");
	TAP_EQ_STR(S(p->reply_to_handle), "",
		   "handles: a retweet replies to nobody");

	/* a screen_name of the wrong type or null costs nothing */
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
		      "\"id_str\":\"12\",\"text\":\"#x\",\"user\":{\"id_str\":\"1\","
		      "\"screen_name\":7},\"in_reply_to_screen_name\":null}"),
		1, "handles: a number for screen_name is no error");
	TAP_EQ_STR(S(posts[0].handle), "", "handles: and gives no handle");

	/* v2 flattened (twarc2 flatten): author.username, mentions[].username,
	 * in_reply_to_user.username */
	TAP_EQ_INT(
		parse("{\"id\":\"20\",\"text\":\"@bo #x\",\"author_id\":\"7\","
		      "\"created_at\":\"2017-10-15T20:05:00.000Z\","
		      "\"author\":{\"name\":\"Ann\",\"username\":\"ann2\",\"id\":\"7\"},"
		      "\"in_reply_to_user_id\":\"8\",\"in_reply_to_user\":{\"id\":\"8\","
		      "\"username\":\"bo2\"},\"referenced_tweets\":[{\"type\":\"replied_to\","
		      "\"id\":\"19\"}],\"entities\":{\"hashtags\":[{\"tag\":\"x\"}],"
		      "\"mentions\":[{\"start\":0,\"end\":3,\"username\":\"bo2\",\"id\":\"8\"},"
		      "{\"username\":\"cy2\"}]}}"),
		1, "handles: v2 flattened");
	p = &posts[0];
	TAP_EQ_STR(S(p->handle), "ann2", "handles: v2 author.username");
	TAP_EQ_STR(S(p->reply_to_handle), "bo2",
		   "handles: v2 in_reply_to_user.username");
	TAP_EQ_STR(mentions_of(p), "8 cy2", "handles: v2 mention ids");
	TAP_EQ_STR(mention_handles_of(p), "bo2 cy2",
		   "handles: v2 mentions[].username");

	/* a raw v2 page: includes.users matched by author_id, also for the
	 * retweeted author in includes.tweets, the replied-to and quoted */
	TAP_EQ_INT(
		parse("{\"data\":[{\"id\":\"31\",\"author_id\":\"71\",\"text\":\"RT #y\","
		      "\"created_at\":\"2017-10-15T20:05:00Z\",\"referenced_tweets\":"
		      "[{\"type\":\"retweeted\",\"id\":\"30\"}]},{\"id\":\"32\",\"author_id\":\"72\","
		      "\"text\":\"#y\",\"created_at\":\"2017-10-15T20:06:00Z\","
		      "\"in_reply_to_user_id\":\"71\",\"referenced_tweets\":[{\"type\":\"replied_to\","
		      "\"id\":\"31\"},{\"type\":\"quoted\",\"id\":\"30\"}]},{\"id\":\"33\","
		      "\"author_id\":\"79\",\"text\":\"#y\",\"created_at\":\"2017-10-15T20:07:00Z\"}],"
		      "\"includes\":{\"users\":[{\"id\":\"72\",\"name\":\"B\",\"username\":\"bee\"},"
		      "{\"username\":\"ay\",\"id\":\"71\"},{\"id\":\"70\",\"username\":\"zed\"}],"
		      "\"tweets\":[{\"id\":\"30\",\"author_id\":\"70\",\"text\":\"#y\","
		      "\"created_at\":\"2017-10-15T20:00:00Z\"}]}}"),
		3, "handles: v2 page");
	TAP_EQ_STR(S(posts[0].handle), "ay",
		   "handles: v2 page author by author_id");
	TAP_EQ_STR(S(posts[0].repost_handle), "zed",
		   "handles: v2 page retweeted author from includes.users");
	TAP_EQ_STR(S(posts[1].handle), "bee", "handles: v2 page second author");
	TAP_EQ_STR(S(posts[1].reply_to_handle), "ay",
		   "handles: v2 page replied-to");
	TAP_EQ_STR(S(posts[1].quote_handle), "zed",
		   "handles: v2 page quoted author");
	TAP_EQ_STR(S(posts[2].handle), "",
		   "handles: v2 page author not in includes");

	/* Mastodon: account.acct (not username), mentions[].acct, reblogs */
	TAP_EQ_INT(
		parse("{\"id\":\"40\",\"created_at\":\"2017-10-15T20:10:00Z\","
		      "\"account\":{\"id\":\"301\",\"username\":\"ann\",\"acct\":\"ann@ex.social\"},"
		      "\"reblog\":{\"id\":\"39\",\"created_at\":\"2017-10-15T20:00:00Z\","
		      "\"account\":{\"id\":\"302\",\"username\":\"bo\",\"acct\":\"bo\"},"
		      "\"mentions\":[{\"id\":\"303\",\"username\":\"cy\",\"url\":\"u\",\"acct\":\"cy@ex\"}],"
		      "\"tags\":[{\"name\":\"z\"}]},\"tags\":[],\"mentions\":[]}"),
		1, "handles: mastodon reblog");
	p = &posts[0];
	TAP_EQ_STR(S(p->handle), "ann@ex.social",
		   "handles: mastodon account.acct");
	TAP_EQ_STR(S(p->repost_handle), "bo",
		   "handles: mastodon reblog.account.acct");
	TAP_EQ_STR(mention_handles_of(p), "cy@ex",
		   "handles: mastodon mentions[].acct");

	/* Bluesky: DIDs only */
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:aa\",\"time_us\":1700000000000000,\"kind\":\"commit\","
		      "\"commit\":{\"rev\":\"r\",\"operation\":\"create\",\"collection\":"
		      "\"app.bsky.feed.post\",\"rkey\":\"k\",\"record\":{\"text\":\"#x\","
		      "\"facets\":[{\"features\":[{\"$type\":\"app.bsky.richtext.facet#mention\","
		      "\"did\":\"did:plc:bb\"}]}]},\"cid\":\"c\"}}"),
		1, "handles: jetstream post");
	TAP_EQ_STR(S(posts[0].handle), "", "handles: none for Bluesky");
	TAP_EQ_STR(mention_handles_of(&posts[0]), "",
		   "handles: none for its mentions");

	/* handles off (report): ids as before, no handle read */
	gs_parser_set_handles(ps, 0);
	TAP_EQ_INT(
		parse("{\"created_at\":\"Sun Oct 15 20:10:00 +0000 2017\","
		      "\"id_str\":\"9\",\"text\":\"@bo #x\","
		      "\"user\":{\"id\":1,\"id_str\":\"1\",\"screen_name\":\"ann_a\"},"
		      "\"entities\":{\"hashtags\":[{\"text\":\"x\"}],\"user_mentions\":"
		      "[{\"screen_name\":\"bo_b\",\"id_str\":\"2\"}]}}"),
		1, "handles off: the post");
	TAP_EQ_STR(S(posts[0].account), "1", "handles off: the author's id");
	TAP_EQ_STR(S(posts[0].handle), "", "handles off: no handle");
	TAP_EQ_STR(mentions_of(&posts[0]), "2", "handles off: mention ids");
	TAP_EQ_STR(mention_handles_of(&posts[0]), "",
		   "handles off: no mention handle");
	gs_parser_set_handles(ps, 1);
}

/* ---- issue 12 part 5: deletes as retractions ---- */

static void test_retractions(void)
{
	struct gs_retraction r;
	/* Jetstream: a post and a repost deleted; a like deleted is none */
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict1\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"delete\",\"collection\":\"app.bsky.feed.post\",\"rkey\":"
		      "\"3kabc\"}}"),
		0, "retract: jetstream delete gives no post");
	TAP_EQ_INT(gs_parser_nonpost(ps), GS_NONPOST_BSKY_DELETE,
		   "retract: still counted as a bluesky delete");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 1,
		   "retract: jetstream post delete is a retraction");
	TAP_EQ_STR(S(r.id), "3kabc", "retract: its rkey");
	TAP_EQ_STR(S(r.account), "did:plc:fict1", "retract: its did");
	TAP_EQ_INT(r.flags, 0, "retract: a post, not a repost");
	TAP_EQ_INT(r.time_ms, 1700000000000, "retract: its time");
	uint64_t k_post = gs_retraction_key(&r);
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict1\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"create\",\"collection\":\"app.bsky.feed.post\",\"rkey\":"
		      "\"3kabc\",\"record\":{\"$type\":\"app.bsky.feed.post\","
		      "\"createdAt\":\"2023-11-14T22:13:20Z\",\"text\":\"#a\","
		      "\"tags\":[\"a\"]}}}"),
		1, "retract: the post itself");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 0,
		   "retract: a post is no retraction");
	TAP_OK(gs_post_key(&posts[0]) == k_post,
	       "retract: post and its delete share a key");
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict1\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"delete\",\"collection\":\"app.bsky.feed.repost\",\"rkey\":"
		      "\"3kabc\"}}"),
		0, "retract: jetstream repost delete");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 1,
		   "retract: repost delete is a retraction");
	TAP_EQ_INT(r.flags, GS_POST_REPOST, "retract: of a repost");
	TAP_OK(gs_retraction_key(&r) != k_post,
	       "retract: a repost's key is not its post's");
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict2\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"create\",\"collection\":\"app.bsky.feed.repost\",\"rkey\":"
		      "\"3kabc\",\"record\":{\"$type\":\"app.bsky.feed.repost\","
		      "\"subject\":{\"uri\":\"at://did:plc:fict1/app.bsky.feed.post/3kxyz\","
		      "\"cid\":\"c\"},\"createdAt\":\"2023-11-14T22:13:20Z\"}}}"),
		1, "retract: a repost");
	uint64_t k_rp = gs_post_key(&posts[0]);
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict2\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"delete\",\"collection\":\"app.bsky.feed.repost\",\"rkey\":"
		      "\"3kabc\"}}"),
		0, "retract: its delete");
	TAP_OK(gs_parser_retraction(ps, &r) && gs_retraction_key(&r) == k_rp,
	       "retract: repost and its delete share a key");
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict1\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"delete\",\"collection\":\"app.bsky.feed.like\",\"rkey\":"
		      "\"3kabc\"}}"),
		0, "retract: a like deleted");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 0,
		   "retract: a like's delete is none");
	TAP_EQ_INT(
		parse("{\"did\":\"did:plc:fict1\",\"time_us\":1700000000000000,"
		      "\"kind\":\"commit\",\"commit\":{\"rev\":\"x\",\"operation\":"
		      "\"update\",\"collection\":\"app.bsky.feed.post\",\"rkey\":"
		      "\"3kabc\",\"record\":{}}}"),
		0, "retract: an update");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 0,
		   "retract: an update is none");

	/* Mastodon streaming */
	struct gs_parser *m = gs_parser_new(GS_FORMAT_AUTO, 0);
	TAP_EQ_INT(parse_n(m, "event: delete", 13), 0,
		   "retract: sse delete event");
	TAP_EQ_INT(gs_parser_retraction(m, &r), 0,
		   "retract: the event line is framing");
	TAP_EQ_INT(parse_n(m, "data: 109990001", 15), 0,
		   "retract: sse delete data");
	TAP_EQ_INT(gs_parser_nonpost(m), GS_NONPOST_MASTODON_EVENT,
		   "retract: still a mastodon event");
	TAP_EQ_INT(gs_parser_retraction(m, &r), 1,
		   "retract: sse delete is a retraction");
	TAP_EQ_STR(S(r.id), "109990001", "retract: the status id");
	TAP_EQ_INT(r.format, GS_FORMAT_MASTODON, "retract: mastodon");
	uint64_t k_m = gs_retraction_key(&r);
	TAP_EQ_INT(parse_n(m, "data: 109990002", 15), 0,
		   "retract: data without its event");
	TAP_EQ_INT(gs_parser_retraction(m, &r), 0, "retract: is none");
	TAP_EQ_INT(parse_n(m, "event: delete", 13), 0,
		   "retract: sse delete event");
	TAP_EQ_INT(parse_n(m, "data: {\"x\":1}", 13), 0,
		   "retract: delete with an object");
	TAP_EQ_INT(gs_parser_retraction(m, &r), 0, "retract: is none");
	const char *st =
		"{\"id\":\"109990001\",\"created_at\":\"2023-11-14T22:13:20.000Z\","
		"\"account\":{\"id\":\"7\",\"acct\":\"fict\"},\"content\":\"x\","
		"\"tags\":[{\"name\":\"a\"}]}";
	TAP_EQ_INT(parse_n(m, st, strlen(st)), 1,
		   "retract: the mastodon status");
	TAP_OK(gs_post_key(&posts[0]) == k_m,
	       "retract: status and its delete share a key");
	gs_parser_free(m);

	/* Twitter v1.1 stream delete notices */
	TAP_EQ_INT(
		parse("{\"delete\":{\"status\":{\"id\":272691609211117568,\"user_id\":"
		      "478569062,\"id_str\":\"272691609211117568\",\"user_id_str\":"
		      "\"478569062\",\"deleted\":true}}}"),
		0, "retract: twitter delete");
	TAP_EQ_INT(gs_parser_nonpost(ps), GS_NONPOST_TWITTER_DELETE,
		   "retract: still a twitter delete");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 1,
		   "retract: twitter delete is a retraction");
	TAP_EQ_STR(S(r.id), "272691609211117568", "retract: the tweet id");
	TAP_EQ_STR(S(r.account), "478569062", "retract: the user id");
	TAP_EQ_INT(
		parse("{\"delete\":{\"status\":{\"id\":12,\"user_id\":34}}}"),
		0, "retract: twitter delete, numbers only");
	TAP_OK(gs_parser_retraction(ps, &r) && strcmp(S(r.id), "12") == 0,
	       "retract: the number's digits");
	TAP_EQ_INT(parse("{\"delete\":{\"status\":{\"user_id\":34}}}"), 0,
		   "retract: twitter delete without id");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 0, "retract: is none");
	TAP_EQ_INT(parse("{\"limit\":{\"track\":3}}"), 0,
		   "retract: a limit notice");
	TAP_EQ_INT(gs_parser_retraction(ps, &r), 0, "retract: is none");
}

int main(void)
{
	ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	if (!ps)
		return 2;
	test_twitter1();
	test_twitter2();
	test_jetstream();
	test_mastodon();
	test_sse();
	test_errors();
	test_tags_limits();
	test_escapes_nesting();
	test_big_page();
	test_real_forms();
	test_jetstream_layout();
	test_control_characters();
	test_duplicate_keys();
	test_handles();
	test_retractions();
	gs_parser_free(ps);
	free(copy);
	return TAP_DONE();
}
