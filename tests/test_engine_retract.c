/* test_engine_retract.c - gs_engine_retract (issue 12 part 5): an engine
 * that counted posts and then retracted some counts as one that never saw
 * them (posts, reposts, replies, timelines, co-tags, languages, mentions;
 * not distinct accounts, which cannot forget), Bluesky reposts by the tags
 * they were counted under, examples, and merges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/recent.h"
#include "groundswell.h"
#include "tap.h"

static struct gs_str S(const char *s) {
	struct gs_str r = {s, strlen(s)};
	return r;
}

static char pool[4096][64];
static int npool;

static const char *keep(const char *fmt, int i)
{
	char *b = pool[npool++ % 4096];
	snprintf(b, 64, fmt, i);
	return b;
}

/* Post i of a small synthetic stream: fictional accounts, a few tags. */
static struct gs_post mk(int i)
{
	static const char *tagset[] = {"alpha", "Beta", "gamma", "delta",
				       "Spam"};
	static const char *langs[] = {"en", "fr", "de"};
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_MASTODON;
	p.account = S(keep("acct%d", i % 37));
	p.id = S(keep("10%06d", i));
	p.time_ms = 1700000000000 + (int64_t)i * 60000;
	p.lang = S(langs[i % 3]);
	if (i % 5 == 1)
		p.flags |= GS_POST_REPLY;
	if (i % 7 == 2) {
		p.flags = GS_POST_REPOST;
		p.repost_id = S(keep("10%06d", i / 2));
	}
	if (i % 4 == 0)
		p.mentions[p.nmentions++] = S(keep("acct%d", i % 7));
	for (int k = 0; k < 5; k++)
		if ((i >> k) % 3 == 0)
			p.tags[p.ntags++] = S(tagset[(i + k) % 5]);
	return p;
}

static int lists_equal(size_t (*fn)(const struct gs_engine *, const char *,
				    struct gs_count *, size_t),
		       const struct gs_engine *a, const struct gs_engine *b,
		       const char *key)
{
	struct gs_count x[32], y[32];
	size_t nx = fn(a, key, x, 32), ny = fn(b, key, y, 32);
	if (nx != ny)
		return 0;
	for (size_t i = 0; i < nx; i++) {
		size_t j;
		for (j = 0; j < ny; j++)
			if (!strcmp(x[i].name, y[j].name))
				break;
		if (j == ny || x[i].count != y[j].count)
			return 0;
	}
	return 1;
}

/* a (which retracted) counts as b (which never saw those posts): every
 * tag of b, and a's other tags at 0 posts. Accounts are not compared. */
static int same_counts(const struct gs_engine *a, const struct gs_engine *b,
		       const char *what)
{
	struct gs_summary sa, sb;
	gs_engine_summary(a, &sa);
	gs_engine_summary(b, &sb);
	int ok = sa.posts == sb.posts && sa.reposts == sb.reposts &&
		 sa.replies == sb.replies &&
		 sa.tagged_posts == sb.tagged_posts &&
		 sa.tag_uses == sb.tag_uses;
	if (!ok)
		printf("# %s: summary %llu/%llu posts, %llu/%llu tag uses\n",
		       what, (unsigned long long)sa.posts,
		       (unsigned long long)sb.posts,
		       (unsigned long long)sa.tag_uses,
		       (unsigned long long)sb.tag_uses);
	struct gs_tag_stats *x;
	ptrdiff_t nx = gs_engine_tags(a, &x);
	for (ptrdiff_t i = 0; i < nx; i++) {
		struct gs_tag_stats y;
		if (gs_engine_tag(b, x[i].key, strlen(x[i].key), &y)) {
			if (x[i].posts || x[i].accounts) {
				printf("# %s: %s has %llu posts\n", what,
				       x[i].key,
				       (unsigned long long)x[i].posts);
				ok = 0;
			}
			continue;
		}
		if (x[i].posts != y.posts || x[i].reposts != y.reposts ||
		    x[i].replies != y.replies || x[i].quotes != y.quotes) {
			printf("# %s: %s posts %llu vs %llu\n", what, x[i].key,
			       (unsigned long long)x[i].posts,
			       (unsigned long long)y.posts);
			ok = 0;
		}
		struct gs_bucket_stats *ta, *tb;
		ptrdiff_t na = gs_engine_timeline(a, x[i].key, &ta);
		ptrdiff_t nb = gs_engine_timeline(b, x[i].key, &tb);
		/* a's timeline may span more (empty) buckets */
		uint64_t pa = 0, pb = 0, ra = 0, rb = 0;
		for (ptrdiff_t k = 0; k < na; k++)
			pa += ta[k].posts, ra += ta[k].reposts + ta[k].replies;
		for (ptrdiff_t k = 0; k < nb; k++) {
			pb += tb[k].posts, rb += tb[k].reposts + tb[k].replies;
			for (ptrdiff_t m = 0; m < na; m++)
				if (ta[m].time_ms == tb[k].time_ms &&
				    (ta[m].posts != tb[k].posts ||
				     ta[m].reposts != tb[k].reposts ||
				     ta[m].replies != tb[k].replies))
					ok = 0;
		}
		if (pa != pb || ra != rb) {
			printf("# %s: %s timeline differs\n", what, x[i].key);
			ok = 0;
		}
		free(ta);
		free(tb);
		if (!lists_equal(gs_engine_cotags, a, b, x[i].key) ||
		    !lists_equal(gs_engine_languages, a, b, x[i].key) ||
		    !lists_equal(gs_engine_mentions, a, b, x[i].key)) {
			printf("# %s: %s summaries differ\n", what, x[i].key);
			ok = 0;
		}
	}
	free(x);
	return ok;
}

static int retracted(int i)
{
	return i % 3 == 1;
}

static void test_retract(void)
{
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	o.top_k = 64; /* summaries exact: compared as equal */
	struct gs_engine *a = gs_engine_new(&o), *b = gs_engine_new(&o);
	struct gs_recent rt;
	gs_recent_init(&rt, 1 << 20);
	unsigned char rec[2048];
	enum { N = 600 };
	for (int i = 0; i < N; i++) {
		struct gs_post p = mk(i);
		gs_engine_add(a, &p);
		size_t n = gs_recent_pack(&p, NULL, 0, rec, sizeof rec);
		gs_recent_put(&rt, (uint64_t)i + 1, rec, n);
		if (!retracted(i))
			gs_engine_add(b, &p);
	}
	int ok = 1;
	for (int i = 0; i < N; i++) {
		if (!retracted(i))
			continue;
		const unsigned char *r;
		size_t n, nh;
		unsigned times;
		struct gs_post p;
		uint64_t h[GS_RECENT_HASHES];
		ok &= gs_recent_take(&rt, (uint64_t)i + 1, &r, &n, &times) == 1;
		ok &= gs_recent_unpack(r, n, &p, h, &nh) == 0;
		ok &= gs_engine_retract(a, &p, h, nh) == 0;
	}
	TAP_OK(ok, "retract: a third of %d posts retracted from their records",
	       N);
	TAP_OK(same_counts(a, b, "retract"),
	       "retract: counts as if never seen");

	/* merge consistency: (a - retracted) + c == b + c */
	struct gs_engine *c = gs_engine_new(&o), *a2 = gs_engine_new(&o),
			 *b2 = gs_engine_new(&o);
	for (int i = N; i < N + 200; i++) {
		struct gs_post p = mk(i);
		gs_engine_add(c, &p);
	}
	gs_engine_merge(a2, a);
	gs_engine_merge(a2, c);
	gs_engine_merge(b2, b);
	gs_engine_merge(b2, c);
	TAP_OK(same_counts(a2, b2, "merge"),
	       "retract: merges as if never seen");
	gs_engine_free(a2);
	gs_engine_free(b2);
	gs_engine_free(c);

	/* a spam tag all retracted: 0 posts, 0 accounts shown */
	struct gs_tag_stats st;
	struct gs_post sp[20];
	for (int i = 0; i < 20; i++) {
		memset(&sp[i], 0, sizeof sp[i]);
		sp[i].format = GS_FORMAT_MASTODON;
		sp[i].account = S(keep("spammer%d", i));
		sp[i].id = S(keep("999%d", i));
		sp[i].time_ms = 1700000000000 + (int64_t)N * 60000;
		sp[i].ntags = 1;
		sp[i].tags[0] = S("buyfollowers");
		gs_engine_add(a, &sp[i]);
	}
	TAP_OK(gs_engine_tag(a, "buyfollowers", 12, &st) == 0 &&
		       st.posts == 20 && st.accounts == 20,
	       "spam: 20 posts by 20 accounts");
	struct gs_count ex[4];
	TAP_OK(gs_engine_examples(a, "buyfollowers", ex, 4) == 1 &&
		       !strcmp(ex[0].name, "9990"),
	       "spam: its earliest post is its example");
	for (int i = 0; i < 20; i++)
		gs_engine_retract(a, &sp[i], NULL, 0);
	TAP_OK(gs_engine_tag(a, "buyfollowers", 12, &st) == 0 &&
		       st.posts == 0 && st.accounts == 0,
	       "spam: retracted, 0 posts and 0 accounts shown (%llu, %.0f)",
	       (unsigned long long)st.posts, st.accounts);
	TAP_EQ_INT(gs_engine_examples(a, "buyfollowers", ex, 4), 0,
		   "spam: a deleted post is no example");
	gs_recent_release(&rt);
	gs_engine_free(a);
	gs_engine_free(b);
}

/* Bluesky: a repost counted under its original's tags is retracted from
 * them, by the hashes found before it was added. */
static void test_bluesky(void)
{
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	struct gs_engine *e = gs_engine_new(&o);
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_JETSTREAM;
	p.account = p.post_did = S("did:plc:fictauthor");
	p.id = p.post_rkey = S("3kpost");
	p.time_ms = 1700000000000;
	p.ntags = 2;
	p.tags[0] = S("one");
	p.tags[1] = S("two");
	gs_engine_add(e, &p);
	struct gs_post r;
	memset(&r, 0, sizeof r);
	r.format = GS_FORMAT_JETSTREAM;
	r.flags = GS_POST_REPOST;
	r.account = S("did:plc:fictfan");
	r.id = S("3krepost");
	r.time_ms = 1700000001000;
	r.repost_did = r.repost_account = S("did:plc:fictauthor");
	r.repost_rkey = S("3kpost");
	r.repost_id = S("at://did:plc:fictauthor/app.bsky.feed.post/3kpost");
	uint64_t h[GS_RECENT_HASHES];
	size_t nh = gs_engine_repost_hashes(e, &r, h, GS_RECENT_HASHES);
	TAP_EQ_INT(nh, 2, "bluesky: the repost will count under 2 tags");
	gs_engine_add(e, &r);
	struct gs_tag_stats st;
	gs_engine_tag(e, "one", 3, &st);
	TAP_OK(st.posts == 2 && st.reposts == 1, "bluesky: counted");
	struct gs_count ex[4];
	TAP_EQ_INT(gs_engine_examples(e, "one", ex, 4), 2,
		   "bluesky: the reposted post is an example");
	gs_engine_retract(e, &r, h, nh);
	gs_engine_tag(e, "two", 3, &st);
	TAP_OK(st.posts == 1 && st.reposts == 0,
	       "bluesky: the repost retracted");
	struct gs_summary s;
	gs_engine_summary(e, &s);
	TAP_OK(s.posts == 1 && s.reposts == 0 && s.tag_uses == 2,
	       "bluesky: summary back");
	/* a repost of an unknown post: unresolved, and retracted from it */
	r.repost_rkey = S("3kunknown");
	nh = gs_engine_repost_hashes(e, &r, h, GS_RECENT_HASHES);
	gs_engine_add(e, &r);
	gs_engine_summary(e, &s);
	TAP_OK(nh == 0 && s.reposts_unresolved == 1,
	       "bluesky: an unresolved repost");
	gs_engine_retract(e, &r, h, nh);
	gs_engine_summary(e, &s);
	TAP_OK(s.reposts_unresolved == 0 && s.posts == 1,
	       "bluesky: retracted from unresolved");
	/* the original deleted: it leaves its tags and the examples */
	gs_engine_retract(e, &p, NULL, 0);
	gs_engine_tag(e, "one", 3, &st);
	TAP_OK(st.posts == 0, "bluesky: the original retracted");
	TAP_EQ_INT(gs_engine_examples(e, "one", ex, 4), 0,
		   "bluesky: no example left");
	gs_engine_free(e);
}

int main(void)
{
	test_retract();
	test_bluesky();
	return TAP_DONE();
}
