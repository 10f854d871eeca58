/* test_network.c - the network module: edges per kind, merge, bounds,
 * reciprocity, components, filters, output escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "count/network.h"
#include "out/network_write.h"
#include "tap.h"

static struct gs_str S(const char *s)
{
	struct gs_str r = {s, strlen(s)};
	return r;
}

/* A post by account at t (minutes); the rest is set by the caller. */
static struct gs_post mk(const char *account, int64_t minutes)
{
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_TWITTER1;
	p.account = S(account);
	p.time_ms = 1508097600000 + minutes * 60000;
	p.id = p.lang = p.reply_to = p.post_did = p.post_rkey = S("");
	p.repost_did = p.repost_rkey = p.repost_id = p.repost_account = S("");
	p.quote_account = S("");
	return p;
}

static void tags(struct gs_post *p, const char *list)
{
	static char buf[64][512];
	static int nb;
	char *b = buf[nb++ % 64];
	snprintf(b, 512, "%s", list);
	p->ntags = 0;
	for (char *tok = strtok(b, " "); tok && p->ntags < GS_POST_MAX_TAGS;
	     tok = strtok(NULL, " "))
		p->tags[p->ntags++] = S(tok);
}

static struct gs_network *mknet(unsigned kinds, const char *tag)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = kinds;
	o.tag = tag;
	return gs_network_new(&o);
}

/* The network written in a format, as a malloc'ed string. */
static char *dump(const struct gs_network *n, enum gs_net_format fmt,
		  const struct gs_network_output *o, struct gs_network_summary *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int r = gs_network_write(n, f, fmt, o, s);
	fclose(f);
	if (r) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *csv(const struct gs_network *n)
{
	return dump(n, GS_NET_CSV, NULL, NULL);
}

static void check_csv(const struct gs_network *n, const char *want, const char *what)
{
	char *got = csv(n);
	TAP_EQ_STR(got, want, "%s", what);
	free(got);
}

static void test_kinds(void)
{
	struct gs_network *n = mknet(GS_NET_ACCOUNTS, NULL);
	struct gs_post p = mk("a", 0);
	p.flags = GS_POST_REPLY;
	p.reply_to = S("b");
	p.nmentions = 3;
	p.mentions[0] = S("b");
	p.mentions[1] = S("c");
	p.mentions[2] = S("b"); /* the same mention twice counts once */
	gs_network_add(n, &p);
	p = mk("b", 1);
	p.flags = GS_POST_REPOST;
	p.repost_account = S("a");
	p.nmentions = 1;
	p.mentions[0] = S("c"); /* the original's mention: not b's */
	gs_network_add(n, &p);
	p = mk("c", 2);
	p.flags = GS_POST_QUOTE | GS_POST_REPLY;
	p.quote_account = S("a");
	p.reply_to = S("c"); /* a reply to oneself */
	p.nmentions = 1;
	p.mentions[0] = S("c");
	gs_network_add(n, &p);
	check_csv(
		n,
		"source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\n"
		"a,b,2,1,1,0,0,,\n"
		"a,c,1,0,1,0,0,,\n"
		"b,a,1,0,0,1,0,,\n"
		"c,a,1,0,0,0,1,,\n",
		"every kind, mentions deduplicated, self-edges and reposts' mentions left out");
	struct gs_network_stats st;
	gs_network_stats(n, &st);
	TAP_EQ_INT(st.posts, 3, "posts counted");
	TAP_EQ_INT(st.weight_total, 5, "total weight");
	TAP_EQ_INT(st.kind_total[1], 2, "mentions counted");
	gs_network_free(n);

	/* only the kinds asked for */
	n = mknet(GS_NET_REPOSTS | GS_NET_QUOTES, NULL);
	p = mk("a", 0);
	p.reply_to = S("b");
	gs_network_add(n, &p);
	p = mk("b", 1);
	p.flags = GS_POST_REPOST;
	p.repost_account = S("a");
	gs_network_add(n, &p);
	check_csv(
		n,
		"source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\n"
		"b,a,1,0,0,1,0,,\n",
		"--kind reposts,quotes ignores replies");
	gs_network_free(n);

	TAP_OK(!mknet(GS_NET_COTAGS | GS_NET_REPLIES, NULL), "cotags cannot be combined");
	TAP_OK(!mknet(0, NULL), "no kind is refused");
	TAP_OK(!mknet(GS_NET_REPLIES, "#"), "a tag that does not fold is refused");
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.max_edges = 100;
	TAP_OK(!gs_network_new(&o), "max_edges below 1024 is refused");
}

static void test_cotags_and_filter(void)
{
	struct gs_network *n = mknet(GS_NET_COTAGS, NULL);
	struct gs_post p = mk("a", 0);
	tags(&p, "MeToo Believe metoo"); /* metoo once */
	gs_network_add(n, &p);
	p = mk("b", 5);
	tags(&p, "ＭｅＴｏｏ believe news");
	gs_network_add(n, &p);
	p = mk("c", 6);
	tags(&p, "alone");
	gs_network_add(n, &p);
	check_csv(n,
		  "source,target,weight\n"
		  "believe,metoo,2\n"
		  "believe,news,1\n"
		  "metoo,news,1\n",
		  "cotags: folded tags, weight = posts using both, source < target");
	char *js = dump(n, GS_NET_JSON, NULL, NULL);
	TAP_OK(js && strstr(js, "{\"id\":\"metoo\",\"label\":\"MeToo\",\"posts\":2,\"degree\":2,\"strength\":3,"),
	       "tag node: most frequent spelling as label (ties: smallest bytes), posts, distinct co-tags, strength");
	TAP_OK(js && strstr(js, "\"directed\":false"), "cotags are undirected");
	free(js);
	p = mk("d", 7);
	tags(&p, "ＭｅＴｏｏ art");
	gs_network_add(n, &p);
	js = dump(n, GS_NET_JSON, NULL, NULL);
	TAP_OK(js && strstr(js, "{\"id\":\"metoo\",\"label\":\"ＭｅＴｏｏ\""),
	       "the label follows the most frequent spelling");
	free(js);
	gs_network_free(n);

	n = mknet(GS_NET_REPLIES, "#METOO");
	p = mk("a", 0);
	p.reply_to = S("b");
	tags(&p, "MeToo");
	gs_network_add(n, &p);
	p = mk("c", 1);
	p.reply_to = S("b");
	tags(&p, "other");
	gs_network_add(n, &p);
	check_csv(
		n,
		"source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\n"
		"a,b,1,1,0,0,0,,\n",
		"--tag keeps only posts using the tag, in any spelling");
	struct gs_network_stats st;
	gs_network_stats(n, &st);
	TAP_OK(st.posts == 2 && st.posts_selected == 1, "posts read and selected");
	gs_network_free(n);
}

static void test_reciprocity_components(void)
{
	struct gs_network *n = mknet(GS_NET_REPLIES, NULL);
	const char *e[][2] = {{"a", "b"}, {"b", "a"}, {"a", "c"}, /* triangle-ish */
			      {"x", "y"}, {"y", "z"}, {"z", "x"}, {"z", "x"},
			      {"p", "q"}};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		struct gs_post p = mk(e[i][0], (int64_t)i);
		p.reply_to = S(e[i][1]);
		gs_network_add(n, &p);
	}
	struct gs_network_summary s;
	char *out = dump(n, GS_NET_SUMMARY, NULL, &s);
	TAP_EQ_INT(s.nodes, 8, "nodes");
	TAP_EQ_INT(s.edges, 7, "edges");
	TAP_EQ_INT(s.weight, 8, "weight");
	TAP_EQ_INT(s.reciprocal_edges, 2, "reciprocal edges: a->b and b->a");
	TAP_OK(s.reciprocity > 2.0 / 7 - 1e-9 && s.reciprocity < 2.0 / 7 + 1e-9,
	       "reciprocity = 2/7 (%g)", s.reciprocity);
	TAP_EQ_INT(s.components, 3, "three weakly connected components");
	TAP_EQ_INT(s.largest_component, 3, "the largest has 3 nodes");
	TAP_EQ_INT(s.largest_component_edges, 3, "and 3 edges (z->x counted once)");
	TAP_OK(out && strstr(out, "reciprocity 28.6%"), "summary shows reciprocity");
	free(out);

	struct gs_network_output o;
	gs_network_output_init(&o);
	o.min_weight = 2;
	out = dump(n, GS_NET_CSV, &o, &s);
	TAP_EQ_STR(
		out,
		"source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\nz,x,2,2,0,0,0,,\n",
		"--min-weight leaves lighter edges out");
	TAP_EQ_INT(s.below_min_weight, 6, "and counts them");
	free(out);

	gs_network_output_init(&o);
	o.top_nodes = 3; /* a, x, z have weighted degree 3; y, b 2; c, p, q 1 */
	out = dump(n, GS_NET_CSV, &o, &s);
	TAP_EQ_INT(s.nodes, 3, "--top-nodes keeps N nodes");
	TAP_EQ_STR(
		out,
		"source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\n"
		"z,x,2,2,0,0,0,,\n",
		"and only the edges among them");
	TAP_EQ_INT(s.components, 2, "a is kept as an isolate of the subgraph");
	free(out);
	gs_network_free(n);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char names[400][16];

/* A random post i of a stream. Bluesky-style when bsky: reposts name their
 * original by did/rkey and carry no tags. */
static struct gs_post rnd(int i, int bsky)
{
	static char rk[64][16], rrk[64][16];
	static int author[8192];
	author[i % 8192] = (int)(next() % 300);
	struct gs_post p = mk(names[author[i % 8192]], i / 3);
	static const char *pool[] = {"metoo", "MeToo", "news", "music", "art", "año",
				     "sport", "Believe", "solidarity", "x"};
	char list[128] = "";
	int nt = (int)(next() % 4);
	for (int k = 0; k < nt; k++) {
		strcat(list, pool[next() % 10]);
		strcat(list, " ");
	}
	tags(&p, list);
	uint64_t u = next() % 10;
	if (u < 3) {
		p.flags = GS_POST_REPLY;
		p.reply_to = S(names[next() % 300]);
	} else if (u < 5) {
		p.flags = GS_POST_REPOST;
		p.repost_account = S(names[next() % 300]);
	} else if (u < 6) {
		p.flags = GS_POST_QUOTE;
		p.quote_account = S(names[next() % 300]);
	}
	p.nmentions = next() % 3;
	for (size_t k = 0; k < p.nmentions; k++)
		p.mentions[k] = S(names[next() % 300]);
	if (bsky) {
		p.format = GS_FORMAT_JETSTREAM;
		char *r = rk[i % 64];
		snprintf(r, 16, "p%d", i);
		if (p.flags & GS_POST_REPOST) {
			int orig = i - 1 - (int)(next() % 400);
			char *q = rrk[i % 64];
			snprintf(q, 16, "p%d", orig < 0 ? 0 : orig);
			p.ntags = 0;
			p.repost_did = p.repost_account =
				S(names[author[(orig < 0 ? 0 : orig) % 8192]]);
			p.repost_rkey = S(q);
		} else {
			p.post_did = p.account;
			p.post_rkey = S(r);
		}
	}
	return p;
}

static void merge_case(unsigned kinds, const char *tag, int bsky, int64_t bucket,
		       const char *what)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = kinds;
	o.tag = tag;
	o.bucket_ms = bucket;
	struct gs_network *whole = gs_network_new(&o), *a = gs_network_new(&o),
			  *b = gs_network_new(&o);
	uint64_t seed = rng;
	const int N = 6000;
	for (int i = 0; i < N; i++) {
		struct gs_post p = rnd(i, bsky);
		gs_network_add(whole, &p);
	}
	rng = seed; /* the same stream again, in two halves */
	for (int i = 0; i < N; i++) {
		struct gs_post p = rnd(i, bsky);
		gs_network_add(i < N / 2 ? a : b, &p);
	}
	struct gs_network_stats sa, sb;
	gs_network_stats(a, &sa);
	gs_network_stats(b, &sb);
	TAP_EQ_INT(gs_network_merge(a, b), 0, "%s: merge succeeds", what);
	struct gs_network_output out;
	gs_network_output_init(&out);
	out.dynamic = bucket > 0;
	char *x = dump(whole, GS_NET_JSON, &out, NULL), *y = dump(a, GS_NET_JSON, &out, NULL);
	TAP_OK(x && y && strcmp(x, y) == 0, "%s: merge of two halves equals the whole (%zu bytes)",
	       what, x ? strlen(x) : 0);
	if (x && y && strcmp(x, y)) {
		size_t k = 0;
		while (x[k] == y[k])
			k++;
		printf("#   first difference at %zu: %.80s | %.80s\n", k, x + (k > 20 ? k - 20 : 0),
		       y + (k > 20 ? k - 20 : 0));
	}
	free(x);
	free(y);
	struct gs_network_stats sw, sm;
	gs_network_stats(whole, &sw);
	gs_network_stats(a, &sm);
	TAP_OK(sw.posts == N && sm.posts == N && sw.posts_selected == sm.posts_selected &&
		       sw.edges_held == sm.edges_held && sw.weight_total == sm.weight_total &&
		       sw.reposts_unresolved == sm.reposts_unresolved,
	       "%s: stats equal (%llu selected, %llu edges, %llu unresolved)", what,
	       (unsigned long long)sw.posts_selected, (unsigned long long)sw.edges_held,
	       (unsigned long long)sw.reposts_unresolved);
	if (bsky)
		TAP_OK(sa.reposts_unresolved + sb.reposts_unresolved > sm.reposts_unresolved,
		       "%s: reposts of the first half's posts resolve at merge (%llu)", what,
		       (unsigned long long)(sa.reposts_unresolved + sb.reposts_unresolved -
					    sm.reposts_unresolved));
	gs_network_free(whole);
	gs_network_free(a);
	gs_network_free(b);
}

/* A Kafka topic's partitions (post i in partition i mod 4) merged in an
 * order of their own, then resolved: reposts of originals in a partition
 * merged later count as in one read. */
static void partitions_case(unsigned kinds, const char *tag, const char *what)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = kinds;
	o.tag = tag;
	struct gs_network *whole = gs_network_new(&o), *m = gs_network_new(&o),
			  *part[4];
	for (int k = 0; k < 4; k++)
		part[k] = gs_network_new(&o);
	uint64_t seed = rng;
	const int N = 6000;
	for (int i = 0; i < N; i++) {
		struct gs_post p = rnd(i, 1);
		gs_network_add(whole, &p);
	}
	rng = seed;
	for (int i = 0; i < N; i++) {
		struct gs_post p = rnd(i, 1);
		gs_network_add(part[i % 4], &p);
	}
	static const int order[4] = {2, 0, 3, 1};
	int r = 0;
	for (int k = 0; k < 4; k++)
		r |= gs_network_merge(m, part[order[k]]);
	struct gs_network_stats sw, sm;
	gs_network_stats(whole, &sw);
	gs_network_stats(m, &sm);
	TAP_OK(!r && sm.reposts_unresolved > sw.reposts_unresolved,
	       "%s: merged, reposts of originals merged after them wait (%llu, one read %llu)",
	       what, (unsigned long long)sm.reposts_unresolved,
	       (unsigned long long)sw.reposts_unresolved);
	uint64_t n = 0;
	TAP_EQ_INT(gs_network_resolve_pending(m, &n), 0,
		   "%s: resolve_pending succeeds", what);
	gs_network_stats(m, &sm);
	struct gs_network_output out;
	gs_network_output_init(&out);
	char *x = dump(whole, GS_NET_JSON, &out, NULL),
	     *y = dump(m, GS_NET_JSON, &out, NULL);
	TAP_OK(n > 0 && x && y && strcmp(x, y) == 0 &&
		       sm.reposts_unresolved == sw.reposts_unresolved &&
		       sm.edges_held == sw.edges_held &&
		       sm.weight_total == sw.weight_total,
	       "%s: resolved (%llu), equals one read (%zu bytes)", what,
	       (unsigned long long)n, x ? strlen(x) : 0);
	free(x);
	free(y);
	gs_network_free(whole);
	gs_network_free(m);
	for (int k = 0; k < 4; k++)
		gs_network_free(part[k]);
}

static void test_merge(void)
{
	for (int i = 0; i < 400; i++)
		snprintf(names[i], sizeof names[i], "acct%d", i);
	merge_case(GS_NET_ACCOUNTS, NULL, 0, 0, "accounts");
	merge_case(GS_NET_ACCOUNTS, NULL, 0, 3600000, "accounts, dynamic");
	merge_case(GS_NET_COTAGS, NULL, 0, 600000, "cotags, dynamic");
	merge_case(GS_NET_REPOSTS | GS_NET_REPLIES, "metoo", 0, 0, "tag filter");
	merge_case(GS_NET_ACCOUNTS, "metoo", 1, 0, "Bluesky reposts under a tag filter");
	merge_case(GS_NET_COTAGS, NULL, 1, 0, "Bluesky reposts, cotags");
	partitions_case(GS_NET_ACCOUNTS, "metoo", "partitions, a tag filter");
	partitions_case(GS_NET_COTAGS, NULL, "partitions, cotags");

	struct gs_network *a = mknet(GS_NET_REPLIES, NULL), *b = mknet(GS_NET_REPLIES, "x");
	TAP_EQ_INT(gs_network_merge(a, b), GS_EUSAGE, "merging different options is refused");
	gs_network_free(a);
	gs_network_free(b);
}

static void test_bluesky(void)
{
	struct gs_network *n = mknet(GS_NET_REPOSTS, "MeToo");
	struct gs_post p = mk("did:a", 0);
	p.format = GS_FORMAT_JETSTREAM;
	p.post_did = S("did:a");
	p.post_rkey = S("k1");
	tags(&p, "metoo");
	gs_network_add(n, &p);
	p = mk("did:b", 1);
	p.format = GS_FORMAT_JETSTREAM;
	p.flags = GS_POST_REPOST;
	p.repost_did = p.repost_account = S("did:a");
	p.repost_rkey = S("k1");
	gs_network_add(n, &p);
	p.repost_rkey = S("unknown");
	p.account = S("did:c");
	gs_network_add(n, &p);
	check_csv(
		n,
		"source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\n"
		"did:b,did:a,1,0,0,1,0,,\n",
		"a Bluesky repost uses its original's tags for --tag");
	struct gs_network_stats st;
	gs_network_stats(n, &st);
	TAP_EQ_INT(st.reposts_unresolved, 1, "a repost of an unseen post is unresolved");
	gs_network_free(n);
}

static void test_eviction(void)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = GS_NET_MENTIONS;
	o.max_edges = 1024;
	o.max_nodes = 500;
	struct gs_network *n = gs_network_new(&o);
	char a[32], b[32];
	int over = 0;
	/* a heavy edge first, then thousands of light ones */
	for (int i = 0; i < 50; i++) {
		struct gs_post p = mk("heavy", i);
		p.nmentions = 1;
		p.mentions[0] = S("hub");
		gs_network_add(n, &p);
	}
	for (int i = 0; i < 20000; i++) {
		snprintf(a, sizeof a, "u%d", (int)(next() % 3000));
		snprintf(b, sizeof b, "u%d", (int)(next() % 3000));
		struct gs_post p = mk(a, 100 + i);
		p.nmentions = 1;
		p.mentions[0] = S(b);
		gs_network_add(n, &p);
		struct gs_network_stats st;
		gs_network_stats(n, &st);
		if (st.edges_held > o.max_edges || st.nodes_held > o.max_nodes)
			over++;
	}
	struct gs_network_stats st;
	gs_network_stats(n, &st);
	TAP_EQ_INT(over, 0, "edges and nodes never exceed their caps");
	TAP_OK(st.edges_evicted > 0 && st.nodes_evicted > 0,
	       "edges (%llu) and nodes (%llu) were evicted",
	       (unsigned long long)st.edges_evicted, (unsigned long long)st.nodes_evicted);
	TAP_EQ_INT(st.weight_held + st.weight_evicted, st.weight_total,
		   "held + evicted weight = all weight");
	char *out = csv(n);
	TAP_OK(out && strstr(out, "\nheavy,hub,50,"), "the heavy edge survives");
	free(out);
	struct gs_network_summary s;
	out = dump(n, GS_NET_JSON, NULL, &s);
	TAP_OK(out && strstr(out, "\"evicted\":{\"edges\":"), "evictions are reported");
	free(out);
	gs_network_free(n);

	/* all edges weigh 1: still exactly a tenth goes, memory stays bounded */
	o.max_nodes = 1000000;
	n = gs_network_new(&o);
	for (int i = 0; i < 5000; i++) {
		snprintf(a, sizeof a, "s%d", i);
		struct gs_post p = mk(a, i);
		p.nmentions = 1;
		p.mentions[0] = S("t");
		gs_network_add(n, &p);
	}
	gs_network_stats(n, &st);
	TAP_OK(st.edges_held <= 1024 && st.edges_held >= 900,
	       "equal weights: %llu edges held", (unsigned long long)st.edges_held);
	out = csv(n);
	TAP_OK(out && strstr(out, "\ns4999,t,") && !strstr(out, "\ns0,t,"),
	       "ties evict the least recently seen");
	free(out);
	gs_network_free(n);

	/* cotags: a 32-tag post makes 496 pairs */
	o.kinds = GS_NET_COTAGS;
	n = gs_network_new(&o);
	for (int i = 0; i < 40; i++) {
		struct gs_post p = mk("a", i);
		char list[512] = "";
		for (int k = 0; k < 32; k++) {
			char t[32];
			snprintf(t, sizeof t, "t%d_%d ", i, k);
			strcat(list, t);
		}
		tags(&p, list);
		gs_network_add(n, &p);
	}
	gs_network_stats(n, &st);
	TAP_OK(st.edges_held <= 1024, "cotags stay under the cap (%llu)",
	       (unsigned long long)st.edges_held);
	gs_network_free(n);
}

static const char *pseudo(void *ctx, const char *id, char buf[64])
{
	(void)ctx;
	snprintf(buf, 64, "p_%s", id);
	return buf;
}

static void test_output(void)
{
	struct gs_network *n = mknet(GS_NET_ACCOUNTS, NULL);
	struct gs_post p = mk("a&b<c>\"d'e", 0);
	p.reply_to = S("x,y\"z");
	gs_network_add(n, &p);
	p = mk("ctl\001\tnl\n", 1);
	p.reply_to = S("bad\xff");
	gs_network_add(n, &p);
	char *g = dump(n, GS_NET_GEXF, NULL, NULL);
	TAP_OK(g && strstr(g, "id=\"a&amp;b&lt;c&gt;&quot;d&apos;e\""), "GEXF escapes & < > \" '");
	TAP_OK(g && strstr(g, "ctl\xEF\xBF\xBD&#9;nl&#10;") && strstr(g, "bad\xEF\xBF\xBD"),
	       "control bytes and invalid UTF-8 become U+FFFD or references");
	TAP_OK(g && strstr(g, "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">"), "GEXF 1.3 header");
	free(g);
	g = dump(n, GS_NET_GRAPHML, NULL, NULL);
	TAP_OK(g && strstr(g, "source=\"a&amp;b&lt;c&gt;&quot;d&apos;e\""), "GraphML escapes too");
	free(g);
	g = csv(n);
	TAP_OK(g && strstr(g, ",\"x,y\"\"z\","), "CSV quotes fields");
	free(g);
	g = dump(n, GS_NET_JSON, NULL, NULL);
	TAP_OK(g && strstr(g, "\"ctl\\u0001\\tnl\\n\""), "JSON escapes control characters");
	free(g);
	struct gs_network_output o;
	gs_network_output_init(&o);
	o.name = pseudo;
	g = dump(n, GS_NET_CSV, &o, NULL);
	TAP_OK(g && strstr(g, "\"p_a&b<c>\"\"d'e\",\"p_x,y\"\"z\""), "account names go through the name callback");
	free(g);
	gs_network_free(n);

	/* an empty network is still well-formed */
	n = mknet(GS_NET_REPLIES, NULL);
	for (int f = GS_NET_CSV; f <= GS_NET_SUMMARY; f++) {
		g = dump(n, (enum gs_net_format)f, NULL, NULL);
		TAP_OK(g != NULL, "empty network, format %d", f);
		free(g);
	}
	gs_network_free(n);
	TAP_EQ_INT(gs_net_format_parse("graphml"), GS_NET_GRAPHML, "format names");
	TAP_OK(gs_net_format_parse("dot") > GS_NET_SUMMARY, "unknown format");
}

/* ---- per-tag table, kind subsets, snapshots ----------------------------- */

static struct gs_network *mkopt(unsigned kinds, const char *tag, int per_tag, size_t cap,
				int64_t bucket)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = kinds;
	o.tag = tag;
	o.per_tag = per_tag;
	o.bucket_ms = bucket;
	o.repost_cache = 3000; /* wraps in these streams; and allocating the
				  default's 19 MB for each load is slow */
	if (cap)
		o.max_edges = o.max_nodes = cap;
	return gs_network_new(&o);
}

static void test_per_tag(void)
{
	static const char *const pool[] = {"metoo", "MeToo", "news", "año", "x"};
	TAP_OK(!mkopt(GS_NET_COTAGS, NULL, 1, 0, 0) && !mkopt(GS_NET_ACCOUNTS, "x", 1, 0, 0),
	       "per_tag is refused with cotags or a tag filter");
	for (int bsky = 0; bsky < 2; bsky++) {
		struct gs_network *all = mkopt(GS_NET_ACCOUNTS, NULL, 1, 0, 3600000);
		struct gs_network *one[4];
		for (int k = 0; k < 4; k++)
			one[k] = mkopt(GS_NET_ACCOUNTS, pool[k + 1], 0, 0, 3600000);
		for (int i = 0; i < 6000; i++) {
			struct gs_post p = rnd(i, bsky);
			gs_network_add(all, &p);
			for (int k = 0; k < 4; k++)
				gs_network_add(one[k], &p);
		}
		struct gs_network_output out;
		gs_network_output_init(&out);
		out.dynamic = 1;
		/* the per-tag table keeps no spellings: serve names the tag's
		 * display from its engine, as here */
		out.tag_display = "Shown";
		int same = 0, edges = 0;
		for (int k = 0; k < 4; k++) {
			int err = 1;
			struct gs_network *x = gs_network_tag(all, pool[k + 1], &err);
			char *a = x ? dump(x, GS_NET_JSON, &out, NULL) : NULL;
			char *b = dump(one[k], GS_NET_JSON, &out, NULL);
			same += err == 0 && a && b && strcmp(a, b) == 0;
			struct gs_network_stats st;
			gs_network_stats(one[k], &st);
			edges += (int)st.edges_held;
			free(a);
			free(b);
			gs_network_free(x);
			gs_network_free(one[k]);
		}
		TAP_EQ_INT(same, 4, "%s: each tag's extract equals a --tag network (%d edges)",
			   bsky ? "Bluesky" : "Twitter", edges);
		int err = 0;
		TAP_OK(!gs_network_tag(all, "#", &err) && err == GS_EUSAGE, "a tag that does not fold");
		struct gs_network *plain = mkopt(GS_NET_ACCOUNTS, NULL, 0, 0, 0);
		TAP_OK(!gs_network_tag(plain, "x", &err) && err == GS_EUSAGE,
		       "only a per_tag network has tags to extract");
		gs_network_free(plain);
		gs_network_free(all);
	}

	/* small caps: evictions are counted; what is left is within the truth */
	struct gs_network *all = mkopt(GS_NET_ACCOUNTS, NULL, 1, 1024, 0);
	struct gs_network *one = mkopt(GS_NET_ACCOUNTS, "news", 0, 0, 0);
	int over = 0;
	for (int i = 0; i < 20000; i++) {
		struct gs_post p = rnd(i, 0);
		gs_network_add(all, &p);
		gs_network_add(one, &p);
		struct gs_network_stats st;
		gs_network_stats(all, &st);
		over += st.edges_held > 1024 || st.nodes_held > 1024;
	}
	struct gs_network_stats st;
	gs_network_stats(all, &st);
	TAP_OK(!over && st.edges_evicted > 0 && st.nodes_evicted > 0,
	       "the per-tag table stays within its caps, evicting (%llu edges, %llu nodes)",
	       (unsigned long long)st.edges_evicted, (unsigned long long)st.nodes_evicted);
	struct gs_network *x = gs_network_tag(all, "news", NULL);
	char *a = x ? csv(x) : NULL, *b = csv(one);
	int within = a && b, n = 0;
	for (char *line = a ? strchr(a, '\n') : NULL; line && line[1]; line = strchr(line + 1, '\n')) {
		char key[128], *c1 = strchr(line + 1, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c2 || c2 - line > 120)
			break;
		snprintf(key, sizeof key, "\n%.*s,", (int)(c2 - line - 1), line + 1);
		char *t = strstr(b, key);
		within &= t && strtoull(t + strlen(key), NULL, 10) >= strtoull(c2 + 1, NULL, 10);
		n++;
	}
	TAP_OK(within && n > 0, "after evictions, an extract's %d edges weigh at most the truth", n);
	free(a);
	free(b);
	gs_network_free(x);
	gs_network_free(all);
	gs_network_free(one);
}

static void test_kind_subsets(void)
{
	static const unsigned subsets[] = {GS_NET_REPLIES, GS_NET_MENTIONS | GS_NET_QUOTES,
					   GS_NET_REPOSTS | GS_NET_REPLIES | GS_NET_QUOTES};
	struct gs_network *all = mkopt(GS_NET_ACCOUNTS, NULL, 0, 0, 0);
	struct gs_network *sub[3];
	for (int k = 0; k < 3; k++)
		sub[k] = mkopt(subsets[k], NULL, 0, 0, 0);
	for (int i = 0; i < 4000; i++) {
		struct gs_post p = rnd(i, 0);
		gs_network_add(all, &p);
		for (int k = 0; k < 3; k++)
			gs_network_add(sub[k], &p);
	}
	for (int k = 0; k < 3; k++) {
		struct gs_network_output o;
		gs_network_output_init(&o);
		o.kinds = subsets[k];
		o.min_weight = 2;
		char *a = dump(all, GS_NET_CSV, &o, NULL), *b = dump(sub[k], GS_NET_CSV, &o, NULL);
		TAP_OK(a && b && strcmp(a, b) == 0 && strlen(a) > 200,
		       "kinds %u at output: the edges and weights of a network of those kinds", subsets[k]);
		free(a);
		free(b);
		/* JSON: nodes' in/out too (times may differ: they are over all kinds) */
		o.min_weight = 1;
		o.top_nodes = 50;
		struct gs_network_summary sa, sb;
		a = dump(all, GS_NET_GRAPHML, &o, &sa);
		b = dump(sub[k], GS_NET_GRAPHML, &o, &sb);
		int same = a && b && sa.nodes == sb.nodes && sa.edges == sb.edges &&
			   sa.weight == sb.weight && sa.reciprocal_edges == sb.reciprocal_edges &&
			   sa.components == sb.components &&
			   memcmp(sa.kind_weight, sb.kind_weight, sizeof sa.kind_weight) == 0;
		/* GraphML without the time keys: cut each node's first_seen */
		for (char *p = a; same && p && (p = strstr(p, "<data key=\"first_seen\">"));) {
			char *q = strstr(p, "</node>");
			memset(p, ' ', (size_t)(q - p));
			p = q;
		}
		for (char *p = b; same && p && (p = strstr(p, "<data key=\"first_seen\">"));) {
			char *q = strstr(p, "</node>");
			memset(p, ' ', (size_t)(q - p));
			p = q;
		}
		TAP_OK(same && strcmp(a, b) == 0, "kinds %u: top nodes, in/out degrees, summary", subsets[k]);
		free(a);
		free(b);
		gs_network_free(sub[k]);
	}
	gs_network_free(all);
}

/* The network saved, as bytes. */
static char *save_net(const struct gs_network *n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	int r = gs_network_save(n, f);
	fclose(f);
	if (r) {
		free(buf);
		return NULL;
	}
	return buf;
}

static struct gs_network *load_net(const void *p, size_t n, int *err)
{
	FILE *f = n ? fmemopen((void *)p, n, "r") : fopen("/dev/null", "r");
	if (!f) {
		*err = GS_EIO;
		return NULL;
	}
	struct gs_network *x = gs_network_load(f, err);
	fclose(f);
	return x;
}

static void fix_crc(unsigned char *p, size_t n)
{
	uint32_t c = (uint32_t)crc32(0, p, (uInt)(n - 4));
	for (int i = 0; i < 4; i++)
		p[n - 4 + i] = (unsigned char)(c >> (8 * i));
}

static void round_trip(unsigned kinds, const char *tag, int per_tag, size_t cap, int bsky,
		       int64_t bucket, const char *what)
{
	struct gs_network *n = mkopt(kinds, tag, per_tag, cap, bucket);
	struct gs_network *w = mkopt(kinds, tag, per_tag, cap, bucket);
	uint64_t seed = rng;
	const int N = 8000;
	for (int i = 0; i < N / 2; i++) {
		struct gs_post p = rnd(i, bsky);
		gs_network_add(n, &p);
	}
	size_t len = 0, len2 = 0;
	char *s = save_net(n, &len);
	int err = 1;
	struct gs_network *m = s ? load_net(s, len, &err) : NULL;
	char *s2 = m ? save_net(m, &len2) : NULL;
	TAP_OK(m && err == 0 && s2 && len == len2 && memcmp(s, s2, len) == 0,
	       "%s: loads, and saves again byte for byte (%zu bytes)", what, len);
	free(s2);
	for (int i = N / 2; m && i < N; i++) {
		struct gs_post p = rnd(i, bsky);
		gs_network_add(n, &p);
		gs_network_add(m, &p);
	}
	rng = seed;
	for (int i = 0; i < N; i++) {
		struct gs_post p = rnd(i, bsky);
		gs_network_add(w, &p);
	}
	struct gs_network_output o;
	gs_network_output_init(&o);
	o.dynamic = bucket > 0;
	char *a = dump(n, GS_NET_JSON, &o, NULL), *b = m ? dump(m, GS_NET_JSON, &o, NULL) : NULL;
	char *c = dump(w, GS_NET_JSON, &o, NULL);
	TAP_OK(a && b && c && strcmp(a, b) == 0 && strcmp(a, c) == 0,
	       "%s: fed the rest, it equals the saved one and one uninterrupted run", what);
	if (a && b && c && (strcmp(a, b) || strcmp(a, c))) {
		const char *y = strcmp(a, b) ? b : c;
		size_t k = 0;
		while (a[k] == y[k])
			k++;
		printf("#   %s differs at %zu: %.120s | %.120s\n",
		       strcmp(a, b) ? "loaded" : "whole", k,
		       a + (k > 60 ? k - 60 : 0), y + (k > 60 ? k - 60 : 0));
	}
	free(a);
	free(b);
	free(c);
	if (m && per_tag) {
		struct gs_network *x = gs_network_tag(n, "metoo", NULL), *y = gs_network_tag(m, "metoo", NULL);
		a = x ? csv(x) : NULL;
		b = y ? csv(y) : NULL;
		TAP_OK(a && b && strcmp(a, b) == 0, "%s: and so do its tags' extracts", what);
		free(a);
		free(b);
		gs_network_free(x);
		gs_network_free(y);
	}
	free(s);
	gs_network_free(n);
	gs_network_free(m);
	gs_network_free(w);
}

static void test_snapshots(void)
{
	round_trip(GS_NET_ACCOUNTS, NULL, 0, 0, 0, 0, "accounts");
	round_trip(GS_NET_ACCOUNTS, NULL, 0, 1024, 0, 3600000, "accounts, small caps, dynamic");
	round_trip(GS_NET_COTAGS, NULL, 0, 0, 1, 600000, "cotags, Bluesky, dynamic");
	round_trip(GS_NET_REPLIES | GS_NET_REPOSTS, "metoo", 0, 0, 1, 0, "tag filter, Bluesky");
	round_trip(GS_NET_ACCOUNTS, NULL, 1, 0, 1, 0, "per-tag table, Bluesky");
	round_trip(GS_NET_ACCOUNTS, NULL, 1, 1024, 0, 0, "per-tag table evicting");

	/* the filter tag's spellings are saved (version 3): MeToo three
	 * times before the save, metoo twice after, displays MeToo */
	{
		struct gs_network *f = mkopt(GS_NET_REPLIES, "metoo", 0, 0, 0);
		static const char *sp[5] = {"MeToo", "MeToo", "MeToo", "metoo",
					    "metoo"};
		struct gs_network *g = NULL;
		int ferr = 1;
		for (int i = 0; i < 5; i++) {
			if (i == 3) {
				size_t fl = 0;
				char *fs = save_net(f, &fl);
				g = fs ? load_net(fs, fl, &ferr) : NULL;
				free(fs);
				gs_network_free(f);
				f = g;
			}
			struct gs_post p = mk(names[i], i);
			tags(&p, sp[i]);
			p.flags = GS_POST_REPLY;
			p.reply_to = S(names[i + 10]);
			if (f)
				gs_network_add(f, &p);
		}
		char *j = f ? dump(f, GS_NET_JSON, NULL, NULL) : NULL;
		TAP_OK(ferr == 0 && j && strstr(j, "\"display\":\"MeToo\""),
		       "the filter tag's display counts the spellings saved before a load");
		free(j);
		gs_network_free(f);
	}

	/* merged into a smaller table (serve under a new --tag-network-edges):
	 * the free slots it leaves behind still save and load */
	struct gs_network *big = mkopt(GS_NET_ACCOUNTS, NULL, 1, 0, 0);
	struct gs_network *sm = mkopt(GS_NET_ACCOUNTS, NULL, 1, 1024, 0);
	for (int i = 0; i < 4000; i++) {
		struct gs_post p = rnd(i, 0);
		gs_network_add(big, &p);
	}
	int mr = gs_network_merge(sm, big), lerr = 1;
	size_t mlen = 0;
	char *ms = save_net(sm, &mlen);
	struct gs_network *ml = ms ? load_net(ms, mlen, &lerr) : NULL;
	char *ja = dump(sm, GS_NET_JSON, NULL, NULL), *jb = ml ? dump(ml, GS_NET_JSON, NULL, NULL) : NULL;
	TAP_OK(mr == 0 && ml && lerr == 0 && ja && jb && strcmp(ja, jb) == 0,
	       "a table merged into a smaller one saves and loads");
	free(ja);
	free(jb);
	free(ms);
	gs_network_free(ml);
	gs_network_free(sm);
	gs_network_free(big);

	/* corrupt input: refused, never a crash (ASan watches) */
	struct gs_network *n = mkopt(GS_NET_ACCOUNTS, NULL, 1, 0, 3600000);
	for (int i = 0; i < 600; i++) {
		struct gs_post p = rnd(i, 1);
		gs_network_add(n, &p);
	}
	size_t len = 0;
	char *s = save_net(n, &len);
	int refused = 0, tried = 0, err;
	for (size_t cut = 0; s && cut < len; cut += 1 + cut / 50, tried++) {
		struct gs_network *m = load_net(s, cut, &err);
		refused += !m && err == GS_EFORMAT;
		gs_network_free(m);
	}
	TAP_EQ_INT(refused, tried, "truncated at %d places: refused", tried);
	unsigned char *c = malloc(len ? len : 1);
	refused = tried = 0;
	int loaded = 0;
	for (int i = 0; s && c && i < 400; i++, tried++) {
		memcpy(c, s, len);
		size_t at = (size_t)(next() % len);
		c[at] ^= (unsigned char)(1 + next() % 255);
		struct gs_network *m = load_net(c, len, &err);
		refused += !m && err == GS_EFORMAT;
		gs_network_free(m);
	}
	TAP_EQ_INT(refused, tried, "flipped bytes: refused by the CRC (%d)", tried);
	refused = tried = 0;
	for (int i = 0; s && c && i < 500; i++, tried++) {
		memcpy(c, s, len);
		int k = 1 + (int)(next() % 3);
		for (int j = 0; j < k; j++) {
			size_t at = 16 + (size_t)(next() % (len - 20));
			c[at] = (unsigned char)(next() % 4 == 0 ? 0xFF : c[at] ^ (1u << (next() % 8)));
		}
		fix_crc(c, len);
		struct gs_network *m = load_net(c, len, &err);
		if (!m) {
			refused += err == GS_EFORMAT;
			continue;
		}
		loaded++, refused++;
		/* whatever loads is usable */
		char *a = dump(m, (enum gs_net_format)(i % 5), NULL, NULL);
		free(a);
		for (int j = 600; j < 650; j++) {
			struct gs_post p = rnd(j, 1);
			gs_network_add(m, &p);
		}
		struct gs_network *x = gs_network_tag(m, "metoo", NULL);
		a = x ? csv(x) : NULL;
		free(a);
		gs_network_free(x);
		gs_network_free(m);
	}
	TAP_EQ_INT(refused, tried, "edits behind a fixed CRC: refused, or loaded and usable (%d loaded)",
		   loaded);
	if (s && c) {
		memcpy(c, s, len);
		c[4] = 9; /* version 9 */
		fix_crc(c, len);
		struct gs_network *m = load_net(c, len, &err);
		TAP_OK(!m && err == GS_EFORMAT, "another version is refused");
		memcpy(c, s, len);
		c[0] = 'X';
		fix_crc(c, len);
		m = load_net(c, len, &err);
		TAP_OK(!m && err == GS_EFORMAT, "another magic is refused");
	}
	free(c);
	free(s);
	gs_network_free(n);
}

int main(void)
{
	test_kinds();
	test_cotags_and_filter();
	test_reciprocity_components();
	test_merge();
	test_bluesky();
	test_eviction();
	test_output();
	test_per_tag();
	test_kind_subsets();
	test_snapshots();
	return TAP_DONE();
}
