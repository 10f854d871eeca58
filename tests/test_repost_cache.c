/* test_repost_cache.c - the Bluesky repost cache: FIFO bound, index, the
 * rule for a post seen twice (its latest delivery, in its first's place),
 * pending reposts; and the rule as the engine shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/network.h"
#include "count/repost_cache.h"
#include "groundswell.h"
#include "tap.h"

static struct gs_str S(const char *s) {
	struct gs_str r = {s, strlen(s)};
	return r;
}

static struct gs_repost_ent
ent(uint64_t key, uint64_t tag, uint8_t sp)
{
	struct gs_repost_ent e;
	memset(&e, 0, sizeof e);
	e.key = key;
	e.n = 1;
	e.tags[0] = tag;
	e.sp[0] = sp;
	return e;
}

/* Is the key held with tag? */
static int holds(const struct gs_repost_cache *c, uint64_t key, uint64_t tag)
{
	const struct gs_repost_ent *e = gs_repost_cache_find(c, key);
	return e && e->key == key && e->n == 1 && e->tags[0] == tag;
}

static void test_cache(void)
{
	struct gs_repost_cache c;
	gs_repost_cache_init(&c, 4);
	TAP_OK(!gs_repost_cache_find(&c, 1) && gs_repost_cache_bytes(&c) == 0,
	       "an empty cache finds nothing and holds no memory");

	/* the duplicated post: the latest delivery, in the first's place */
	struct gs_repost_ent a = ent(100, 7, 0);
	TAP_EQ_INT(gs_repost_cache_put(&c, &a), 0, "a post is remembered");
	struct gs_repost_ent a2;
	memset(&a2, 0, sizeof a2);
	a2.key = 100;
	a2.n = 2;
	a2.tags[0] = 8;
	a2.tags[1] = 9;
	a2.sp[0] = 1;
	a2.sp[1] = 0xFF;
	gs_repost_cache_put(&c, &a2);
	const struct gs_repost_ent *e = gs_repost_cache_find(&c, 100);
	TAP_OK(c.n == 1 && e && e->n == 2 && e->tags[0] == 8 &&
		       e->tags[1] == 9 && e->sp[0] == 1 && e->sp[1] == 0xFF,
	       "a post seen twice holds one entry, with its latest delivery's tags");
	for (uint64_t k = 101; k <= 103; k++) {
		struct gs_repost_ent x = ent(k, k, 0);
		gs_repost_cache_put(&c, &x);
	}
	a = ent(100, 70, 2);
	gs_repost_cache_put(&c, &a); /* a third delivery, ring full */
	TAP_OK(c.n == 4 && gs_repost_cache_oldest(&c, 0)->key == 100 &&
		       holds(&c, 100, 70),
	       "a post seen again keeps its place: still the oldest");
	struct gs_repost_ent x = ent(104, 104, 0);
	gs_repost_cache_put(&c, &x);
	TAP_OK(!gs_repost_cache_find(&c, 100) && holds(&c, 101, 101) &&
		       holds(&c, 104, 104) && c.n == 4,
	       "it is forgotten when its first delivery's turn comes");
	TAP_OK(gs_repost_cache_oldest(&c, 0)->key == 101 &&
		       gs_repost_cache_oldest(&c, 3)->key == 104,
	       "oldest first");

	/* the index through many wraps, with keys that share home slots */
	int bad = 0;
	for (uint64_t k = 1; k <= 5000; k++) {
		x = ent(k << 20 | (k % 3), k, 0);
		gs_repost_cache_put(&c, &x);
		for (uint64_t j = k > 6 ? k - 6 : 1; j <= k; j++)
			bad += holds(&c, j << 20 | (j % 3), j) != (j + 4 > k);
	}
	TAP_EQ_INT(
		bad, 0,
		"after 5,000 posts through 4 entries: the last 4 found, no other");
	TAP_EQ_INT(
		gs_repost_cache_bytes(&c), 4 * 72 + 16 * 4,
		"memory: the ring and an index of at least twice its entries");

	/* pending reposts */
	struct gs_repost_pending *pd = gs_repost_cache_pend(&c, 5, 1000);
	TAP_OK(pd && pd->key == 5 && pd->time_ms == 1000 && c.npending == 1 &&
		       c.pending_cap == 256,
	       "a pending repost: key and time set, room for 256");
	size_t n = 1;
	while (gs_repost_cache_pend(&c, 6, 1))
		n++;
	TAP_EQ_INT(n, GS_REPOST_PENDING_MAX,
		   "pending reposts stop at their bound");
	gs_repost_cache_release(&c);

	/* a snapshot's ring put back by position, its oldest restored */
	gs_repost_cache_init(&c, 3);
	for (uint64_t k = 1; k <= 3; k++) {
		x = ent(k, k, 0);
		gs_repost_cache_put(&c, &x);
	}
	TAP_OK(gs_repost_cache_restore_head(&c, 2) == 0 &&
		       gs_repost_cache_oldest(&c, 0)->key == 3 &&
		       gs_repost_cache_oldest(&c, 2)->key == 2,
	       "restore_head: the oldest at the saved position");
	x = ent(4, 4, 0);
	gs_repost_cache_put(&c, &x);
	TAP_OK(!gs_repost_cache_find(&c, 3) && holds(&c, 1, 1) &&
		       holds(&c, 4, 4),
	       "and the next post pushes that one out");
	TAP_OK(gs_repost_cache_restore_head(&c, 3) != 0,
	       "a head past the ring is refused");
	gs_repost_cache_release(&c);
	gs_repost_cache_init(&c, 3);
	x = ent(1, 1, 0);
	gs_repost_cache_put(&c, &x);
	TAP_OK(gs_repost_cache_restore_head(&c, 1) != 0,
	       "a head other than 0 in a ring not full is refused");
	gs_repost_cache_release(&c);

	gs_repost_cache_init(&c, 0);
	x = ent(1, 1, 0);
	TAP_OK(gs_repost_cache_put(&c, &x) == 0 &&
		       !gs_repost_cache_find(&c, 1) &&
		       gs_repost_cache_bytes(&c) == 0,
	       "a cache of 0 posts remembers nothing");
	gs_repost_cache_release(&c);

	struct gs_str did = S("did:plc:a"), rkey = S("3k"), rkey2 = S("3l");
	TAP_OK(gs_repost_key(did, rkey) == gs_repost_key(did, rkey) &&
		       gs_repost_key(did, rkey) != gs_repost_key(did, rkey2),
	       "the key names the post by did and rkey");
}

/* A tagged Bluesky post P of did:a with the given tags, or a repost of it. */
static struct gs_post bsky(const char *account, int64_t t, const char *tag,
			   int repost)
{
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_JETSTREAM;
	p.account = S(account);
	p.time_ms = t;
	if (repost) {
		p.flags = GS_POST_REPOST;
		p.repost_did = S("did:a");
		p.repost_rkey = S("p");
	} else {
		p.post_did = S("did:a");
		p.post_rkey = S("p");
		p.tags[p.ntags++] = S(tag);
	}
	return p;
}

/* The display spelling of tag foo (a pointer into e). */
static const char *display(const struct gs_engine *e)
{
	struct gs_tag_stats t;
	return gs_engine_tag(e, "foo", 3, &t) ? "(none)" : t.display;
}

/* The engine: a repost spreads the spelling of the original as its latest
 * delivery had it, and a threaded read (two engines merged) agrees with a
 * one-thread read. Before the one cache, the engine kept the first
 * delivery ("Foo") and a threaded read could differ from a one-thread
 * read. */
static void test_engine_rule(void)
{
	struct gs_post v[4] = {
		bsky("did:a", 1000, "Foo", 0), /* P */
		bsky("did:a", 2000, "FOO", 0), /* P delivered again */
		bsky("did:b", 3000, NULL, 1),  /* reposts of P */
		bsky("did:c", 4000, NULL, 1),
	};
	struct gs_engine *whole = gs_engine_new(NULL);
	for (int i = 0; i < 4; i++)
		gs_engine_add(whole, &v[i]);
	struct gs_tag_stats t;
	gs_engine_tag(whole, "foo", 3, &t);
	TAP_OK(t.posts == 4 && t.reposts == 2,
	       "both deliveries and both reposts count");
	TAP_EQ_STR(
		display(whole), "FOO",
		"reposts spread the spelling of the latest delivery (FOO 3, Foo 1)");

	/* threads: the first delivery in one part, the rest in the next */
	struct gs_engine *a = gs_engine_new(NULL), *b = gs_engine_new(NULL);
	gs_engine_add(a, &v[0]);
	for (int i = 1; i < 4; i++)
		gs_engine_add(b, &v[i]);
	gs_engine_merge(a, b);
	TAP_EQ_STR(display(a), display(whole),
		   "a threaded read spells the tag as one read does");

	/* the repost's part alone: resolved at merge from the merged cache */
	struct gs_engine *c = gs_engine_new(NULL), *d = gs_engine_new(NULL),
			 *f = gs_engine_new(NULL);
	gs_engine_add(c, &v[0]);
	gs_engine_add(d, &v[1]);
	gs_engine_add(f, &v[2]);
	gs_engine_add(f, &v[3]);
	gs_engine_merge(c, d);
	gs_engine_merge(c, f);
	struct gs_summary s;
	gs_engine_summary(c, &s);
	TAP_OK(s.reposts_unresolved == 0 && !strcmp(display(c), "FOO"),
	       "three parts: pending reposts resolve from the latest delivery");
	gs_engine_free(whole);
	gs_engine_free(a);
	gs_engine_free(b);
	gs_engine_free(c);
	gs_engine_free(d);
	gs_engine_free(f);
}

/* The network, the cache's other user: whether a post used the filter tag
 * is its latest delivery's too. */
static void test_network_rule(void)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.tag = "x";
	struct gs_network *n = gs_network_new(&o);
	struct gs_post v[3] = {
		bsky("did:a", 1000, "x", 0), /* P with the filter tag */
		bsky("did:a", 2000, "y", 0), /* P again, without it */
		bsky("did:b", 3000, NULL, 1),
	};
	v[2].repost_account = S("did:a");
	for (int i = 0; i < 3; i++)
		gs_network_add(n, &v[i]);
	struct gs_network_stats s;
	gs_network_stats(n, &s);
	TAP_OK(s.posts == 3 && s.posts_selected == 1 &&
		       s.reposts_unresolved == 0,
	       "network: the repost follows the latest delivery, which lacks the tag");
	gs_network_free(n);
}

int main(void)
{
	test_cache();
	test_engine_rule();
	test_network_rule();
	return TAP_DONE();
}
