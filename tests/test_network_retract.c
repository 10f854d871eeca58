/* test_network_retract.c - gs_network_retract (issue 12 part 5): a network
 * that counted posts and retracted some holds the interactions of one that
 * never saw them (every edge's counts, node posts and weights, totals by
 * kind), for the account network, the per-tag table (Bluesky reposts by
 * the tags they were counted under) and the co-tag network; and merges so.
 * Fictional accounts only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/network.h"
#include "count/network_int.h"
#include "groundswell.h"
#include "tap.h"

static struct gs_str S(const char *s) {
	struct gs_str r = {s, strlen(s)};
	return r;
}

static char pool[8192][64];
static int npool;

static const char *keep(const char *fmt, int i)
{
	char *b = pool[npool++ % 8192];
	snprintf(b, 64, fmt, i);
	return b;
}

static struct gs_post mk(int i)
{
	static const char *tagset[] = {"alpha", "Beta", "gamma", "delta"};
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_JETSTREAM;
	p.account = p.post_did = S(keep("did:plc:a%d", i % 13));
	p.id = p.post_rkey = S(keep("3k%d", i));
	p.time_ms = 1700000000000 + (int64_t)i * 1000;
	if (i % 5 == 1)
		p.reply_to = S(keep("did:plc:a%d", (i + 3) % 13));
	if (i % 4 == 0) {
		p.mentions[p.nmentions++] =
			S(keep("did:plc:a%d", (i + 5) % 13));
		p.mentions[p.nmentions++] =
			S(keep("did:plc:a%d", (i + 6) % 13));
	}
	if (i % 6 == 2)
		p.quote_account = S(keep("did:plc:a%d", (i + 1) % 13));
	for (int k = 0; k < 4; k++)
		if ((i >> k) % 3 == 0)
			p.tags[p.ntags++] = S(tagset[(i + k) % 4]);
	if (i % 7 == 3) { /* a Bluesky repost of post i - 1 */
		struct gs_post r;
		memset(&r, 0, sizeof r);
		r.format = GS_FORMAT_JETSTREAM;
		r.flags = GS_POST_REPOST;
		r.account = S(keep("did:plc:a%d", i % 13));
		r.id = S(keep("3r%d", i));
		r.time_ms = p.time_ms;
		r.repost_did = r.repost_account =
			S(keep("did:plc:a%d", (i - 1) % 13));
		r.repost_rkey = S(keep("3k%d", i - 1));
		return r;
	}
	return p;
}

/* Every edge of b with weight > 0 is in a with the same counts, and a's
 * other edges weigh 0; node posts agree; totals agree. */
static int same(const struct gs_network *a, const struct gs_network *b,
		const char *what)
{
	struct gs_net_graph ga, gb;
	gs_network_graph(a, &ga);
	gs_network_graph(b, &gb);
	struct gs_network_stats sa, sb;
	gs_network_stats(a, &sa);
	gs_network_stats(b, &sb);
	int ok = sa.weight_total == sb.weight_total &&
		 sa.posts_selected == sb.posts_selected &&
		 sa.posts == sb.posts && sa.weight_held == sb.weight_held &&
		 !memcmp(sa.kind_total, sb.kind_total, sizeof sa.kind_total) &&
		 sa.reposts_unresolved == sb.reposts_unresolved;
	if (!ok)
		printf("# %s: totals %llu/%llu weight, %llu/%llu selected\n",
		       what, (unsigned long long)sa.weight_total,
		       (unsigned long long)sb.weight_total,
		       (unsigned long long)sa.posts_selected,
		       (unsigned long long)sb.posts_selected);
	for (size_t i = 0; i < ga.nedges; i++) {
		const struct edge *e = &ga.edges[i];
		const struct node *x = &ga.nodes[e->a], *y = &ga.nodes[e->b];
		int found = 0;
		for (size_t j = 0; j < gb.nedges; j++) {
			const struct edge *f = &gb.edges[j];
			const struct node *u = &gb.nodes[f->a],
					  *v = &gb.nodes[f->b];
			if (!strcmp(x->id, u->id) && !strcmp(y->id, v->id)) {
				found = 1;
				if (memcmp(e->c, f->c, sizeof e->c))
					ok = 0;
			}
		}
		if (!found && gs_net_edge_weight(e))
			ok = 0;
	}
	for (size_t i = 0; i < gb.nslots; i++) {
		if (!gb.nodes[i].id)
			continue;
		int found = 0;
		for (size_t j = 0; j < ga.nslots; j++)
			if (ga.nodes[j].id &&
			    !strcmp(ga.nodes[j].id, gb.nodes[i].id)) {
				found = 1;
				if (ga.nodes[j].posts != gb.nodes[i].posts ||
				    ga.nodes[j].win != gb.nodes[i].win ||
				    ga.nodes[j].wout != gb.nodes[i].wout)
					ok = 0;
			}
		if (!found)
			ok = 0;
	}
	return ok;
}

/* A third of the posts, but none that is reposted later (a repost of a
 * deleted post stays a repost: it is a post of its own). */
static int gone(int i)
{
	return i % 3 == 1 && (i + 1) % 7 != 3;
}

static void run(const char *what, struct gs_network_options *o)
{
	struct gs_network *a = gs_network_new(o), *b = gs_network_new(o);
	enum { N = 300 };
	static uint64_t hs[N][8];
	static size_t nh[N];
	static int m[N];
	for (int i = 0; i < N; i++) {
		struct gs_post p = mk(i);
		nh[i] = gs_network_repost_hashes(a, &p, hs[i], 8, &m[i]);
		gs_network_add(a, &p);
		if (!gone(i))
			gs_network_add(b, &p);
	}
	for (int i = 0; i < N; i++)
		if (gone(i)) {
			struct gs_post p = mk(i);
			gs_network_retract(a, &p, hs[i], nh[i], m[i]);
		}
	struct gs_network_stats st;
	gs_network_stats(b, &st);
	if (o->per_tag)
		TAP_OK(st.reposts_unresolved < 20,
		       "%s: most of 43 reposts resolved (%llu not)", what,
		       (unsigned long long)st.reposts_unresolved);
	TAP_OK(same(a, b, what), "%s: counts as if never seen", what);
	/* merge consistency */
	struct gs_network *c = gs_network_new(o), *a2 = gs_network_new(o),
			  *b2 = gs_network_new(o);
	for (int i = N; i < N + 100; i++) {
		struct gs_post p = mk(i);
		gs_network_add(c, &p);
	}
	gs_network_merge(a2, a);
	gs_network_merge(a2, c);
	gs_network_merge(b2, b);
	gs_network_merge(b2, c);
	TAP_OK(same(a2, b2, what), "%s: merges as if never seen", what);
	gs_network_free(a);
	gs_network_free(b);
	gs_network_free(c);
	gs_network_free(a2);
	gs_network_free(b2);
}

int main(void)
{
	struct gs_network_options o;
	gs_network_options_init(&o);
	run("accounts", &o);
	gs_network_options_init(&o);
	o.per_tag = 1;
	run("per-tag", &o);
	gs_network_options_init(&o);
	o.kinds = GS_NET_COTAGS;
	run("cotags", &o);
	gs_network_options_init(&o);
	o.tag = "gamma";
	run("tag filter", &o);
	return TAP_DONE();
}
