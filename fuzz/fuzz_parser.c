/*
 * fuzz_parser.c - libFuzzer target for gs_parser_parse() and the engine.
 *
 * The input is parsed as one line by a parser of each format (auto and every
 * forced one), then split at '\n' into lines that go, in order, through the
 * auto and the Mastodon parser (so SSE framing state is exercised). Each line
 * is an exact-size heap copy, so ASan catches reads past its end. Checks:
 *   - a failure is a known GS_E* code with a reason; a line without posts
 *     says why (skipped 1 or 2); a line with posts has skipped 0;
 *   - every string of every post is valid UTF-8, no longer than the line,
 *     and lies in the line or is a decoded copy (in the parser's arena);
 *   - ntags <= GS_POST_MAX_TAGS, nmentions <= GS_POST_MAX_MENTIONS, tags are
 *     not empty, a repost has no other flag, every post has an account and
 *     a time the time parsers could have produced, a forced parser only
 *     returns posts of its format;
 *   - a line parses to the same result and posts as it does after a
 *     leading space, which the Jetstream layout fast path does not take
 *     (so that path and the general walk agree on any input);
 * and every post is fed to a gs_engine whose tags, summary and timelines
 * are then read, so the engine is fuzzed too; the lines also go alternately
 * to two engines whose merge must add up.
 *
 *   make fuzz && build-fuzz/fuzz_parser -max_total_time=60 fuzz/corpus/parser
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "input/fold.h"
#include "input/json.h"
#include "../tests/post_equal.h"
#include "base/timeutil.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define MAX_LINE (64u << 10)

static struct gs_parser *parsers[GS_FORMAT_COUNT_];

static void check_str(struct gs_str s, const char *line, size_t len)
{
	if (s.n == 0)
		return;
	CHECK(s.p != NULL);
	CHECK(s.n <= len);
	/* In the line, or decoded into the arena: valid UTF-8 either way
	 * (the whole line is checked before it is parsed). */
	CHECK(gs_utf8_valid(s.p, s.n));
	if (s.p >= line && s.p < line + len)
		CHECK(s.p + s.n <= line + len);
}

static void check_post(const struct gs_post *p, enum gs_format forced,
		       const char *line, size_t len)
{
	CHECK(p->format > GS_FORMAT_AUTO && p->format < GS_FORMAT_COUNT_);
	if (forced != GS_FORMAT_AUTO)
		CHECK(p->format == forced);
	CHECK((p->flags & ~7u) == 0);
	if (p->flags & GS_POST_REPOST)
		CHECK(p->flags == GS_POST_REPOST);
	CHECK(p->account.n > 0);
	CHECK(p->time_ms >= GS_TIME_MIN_MS && p->time_ms <= GS_TIME_MAX_MS);
	CHECK(p->ntags <= GS_POST_MAX_TAGS);
	CHECK(p->nmentions <= GS_POST_MAX_MENTIONS);
	check_str(p->id, line, len);
	check_str(p->account, line, len);
	check_str(p->lang, line, len);
	check_str(p->reply_to, line, len);
	check_str(p->post_did, line, len);
	check_str(p->post_rkey, line, len);
	check_str(p->repost_did, line, len);
	check_str(p->repost_rkey, line, len);
	check_str(p->repost_id, line, len);
	for (size_t i = 0; i < p->ntags; i++) {
		CHECK(p->tags[i].n > 0);
		check_str(p->tags[i], line, len);
	}
	for (size_t i = 0; i < p->nmentions; i++)
		check_str(p->mentions[i], line, len);
}

/* Parses one line (an exact-size copy of s[0..n)) and counts its posts. */
static void run(struct gs_parser *ps, enum gs_format forced,
		struct gs_engine *e, const char *s, size_t n)
{
	char *line = malloc(n ? n : 1);
	const struct gs_post *posts = NULL;
	CHECK(line);
	memcpy(line, s, n);
	int r = gs_parser_parse(ps, line, n, &posts);
	if (r < 0) {
		CHECK(r >= GS_EDECOMPRESS);
		CHECK(strcmp(gs_strerror(r), "unknown error") != 0);
		CHECK(gs_parser_reason(ps)[0] != 0);
		if (n > MAX_LINE)
			CHECK(r == GS_ETOOLONG);
		if (e)
			gs_engine_count_malformed(e, 1);
	} else if (r == 0) {
		CHECK(gs_parser_skipped(ps) == 1 || gs_parser_skipped(ps) == 2);
		if (e && gs_parser_skipped(ps) == 1)
			gs_engine_count_skipped(e, 1);
	} else {
		CHECK((size_t)r <= 8192 + n / 512); /* the pool's cap (parser.c) */
		CHECK(gs_parser_skipped(ps) == 0);
		CHECK(posts != NULL);
		if (forced != GS_FORMAT_AUTO)
			CHECK(gs_parser_format(ps) == forced);
		for (int i = 0; i < r; i++) {
			check_post(&posts[i], forced, line, n);
			if (e)
				CHECK(gs_engine_add(e, &posts[i]) == 0);
		}
	}
	free(line);
}

/* The line as is and after a space, by two fresh auto parsers. */
static void check_layouts(const char *s, size_t n)
{
	static struct gs_parser *a, *b;
	if (!a) {
		CHECK(a = gs_parser_new(GS_FORMAT_AUTO, MAX_LINE));
		CHECK(b = gs_parser_new(GS_FORMAT_AUTO, MAX_LINE));
	}
	CHECK(same_both_ways(a, b, s, n));
}

static void check_engine(struct gs_engine *e)
{
	struct gs_summary sum;
	struct gs_tag_stats *tags = NULL;
	gs_engine_summary(e, &sum);
	ptrdiff_t n = gs_engine_tags(e, &tags);
	CHECK(n >= 0);
	CHECK((uint64_t)n == sum.tags_tracked);
	for (ptrdiff_t i = 0; i < n && i < 4; i++) {
		CHECK(tags[i].key && tags[i].display);
		CHECK(tags[i].posts >= 1 && tags[i].posts <= sum.posts);
		struct gs_bucket_stats *tl = NULL;
		ptrdiff_t k = gs_engine_timeline(e, tags[i].key, &tl);
		CHECK(k >= 1);
		uint64_t total = 0;
		for (ptrdiff_t b = 0; b < k; b++)
			total += tl[b].posts;
		CHECK(total == tags[i].posts);
		free(tl);
		struct gs_count c[8];
		CHECK(gs_engine_cotags(e, tags[i].key, c, 8) <= 8);
		CHECK(gs_engine_languages(e, tags[i].key, c, 8) <= 8);
		CHECK(gs_engine_mentions(e, tags[i].key, c, 8) <= 8);
		/* Found by its display spelling; with a hash sign in front,
		 * since gs_engine_tag() drops one (a tag entity may hold one). */
		struct gs_tag_stats one;
		char name[GS_TAG_MAX * 2 + 2];
		size_t dn = strlen(tags[i].display);
		CHECK(dn < sizeof name - 1);
		name[0] = '#';
		memcpy(name + 1, tags[i].display, dn);
		CHECK(gs_engine_tag(e, name, dn + 1, &one) == 0);
		CHECK(strcmp(one.key, tags[i].key) == 0 && one.posts == tags[i].posts);
	}
	free(tags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (!parsers[0])
		for (int f = 0; f < GS_FORMAT_COUNT_; f++)
			CHECK(parsers[f] = gs_parser_new((enum gs_format)f, MAX_LINE));

	/* Default options but small tables: gs_engine_new(NULL) allocates a
	 * repost cache of 262,144 entries, which would make every run slow,
	 * and small limits exercise eviction. */
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	o.max_tags = 16;
	o.repost_cache = 8;
	o.top_k = 2;
	struct gs_engine *e = gs_engine_new(&o), *part[2];
	part[0] = gs_engine_new_like(e);
	part[1] = gs_engine_new_like(e);
	CHECK(e && part[0] && part[1]);

	/* (a byte order mark is only one at the start) */
	if (size < MAX_LINE && !memchr(s, '\n', size) &&
	    !(size >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0))
		check_layouts(s, size);

	/* The whole input as one line, by every parser. */
	for (int f = 0; f < GS_FORMAT_COUNT_; f++)
		run(parsers[f], (enum gs_format)f, f == 0 ? e : NULL, s, size);

	/* Line by line, through the auto and Mastodon parsers; the lines go
	 * alternately to two engines that are then merged. */
	const char *p = s, *end = s + size;
	for (int i = 0; p <= end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		run(parsers[GS_FORMAT_AUTO], GS_FORMAT_AUTO, part[i & 1], p,
		    (size_t)(le - p));
		run(parsers[GS_FORMAT_MASTODON], GS_FORMAT_MASTODON, NULL, p,
		    (size_t)(le - p));
		if (!nl)
			break;
		p = nl + 1;
	}
	/* Reset the SSE state for the next input. */
	run(parsers[GS_FORMAT_AUTO], GS_FORMAT_AUTO, NULL, "", 0);
	run(parsers[GS_FORMAT_MASTODON], GS_FORMAT_MASTODON, NULL, "", 0);

	struct gs_summary s0, s1, sm;
	gs_engine_summary(part[0], &s0);
	gs_engine_summary(part[1], &s1);
	CHECK(gs_engine_merge(part[0], part[1]) == 0);
	gs_engine_summary(part[0], &sm);
	CHECK(sm.posts == s0.posts + s1.posts);
	CHECK(sm.reposts == s0.reposts + s1.reposts);
	CHECK(sm.malformed == s0.malformed + s1.malformed);
	CHECK(sm.tag_uses == s0.tag_uses + s1.tag_uses);

	check_engine(e);
	check_engine(part[0]);
	gs_engine_free(e);
	gs_engine_free(part[0]);
	gs_engine_free(part[1]);
	return 0;
}
