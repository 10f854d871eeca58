/* test_cooccur.c - the co-occurrence counter's snapshot (gs_cooccur_save,
 * gs_cooccur_load): a counter loaded answers as the one saved (tags with
 * their sketches and languages, combinations per bucket, shared posts,
 * counts), goes on counting as it would have (a Bluesky repost of a post
 * seen before the save is resolved after it), and a damaged, truncated or
 * foreign section is refused. (The counter's counting and merging are
 * checked in test_movement.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/cooccur.h"
#include "groundswell.h"
#include "tap.h"

#define T0   INT64_C(1507852800000) /* 2017-10-13T00:00:00Z */
#define HOUR INT64_C(3600000)

static uint64_t rs = 777;
static uint32_t rnd(uint32_t n)
{
	rs = rs * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(rs >> 33) % n;
}

/* One generated post: account, tags, language, Bluesky or Twitter, what
 * it reposts. */
struct gp {
	int64_t ms;
	unsigned acct;
	const char *lang;
	const char *t[3];
	size_t nt;
	int jet;
	const char *repost_of;
};

/* Counts g into c: a Bluesky post has rkey "r<seq>" (seq: its index); a
 * Bluesky repost names account 1's post repost_of, a Twitter one the id. */
static int add(struct gs_cooccur *c, const struct gp *g, unsigned seq)
{
	char id[32], who[32];
	static const char did[] = "did:plc:u1";
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = g->jet ? GS_FORMAT_JETSTREAM : GS_FORMAT_TWITTER1;
	p.time_ms = g->ms;
	snprintf(id, sizeof id, "r%u", seq);
	snprintf(who, sizeof who, "did:plc:u%u", g->acct);
	p.id = (struct gs_str){id, strlen(id)};
	p.account = (struct gs_str){who, strlen(who)};
	p.lang = (struct gs_str){g->lang, strlen(g->lang)};
	if (g->jet) {
		p.post_did = p.account;
		p.post_rkey = p.id;
	}
	if (g->repost_of) {
		struct gs_str r = {g->repost_of, strlen(g->repost_of)};
		p.flags = GS_POST_REPOST;
		if (g->jet) {
			p.repost_did = (struct gs_str){did, strlen(did)};
			p.repost_rkey = r;
		} else {
			p.repost_id = r;
		}
	}
	for (size_t i = 0; i < g->nt; i++)
		p.tags[p.ntags++] = (struct gs_str){g->t[i], strlen(g->t[i])};
	return gs_cooccur_add(c, &p);
}

static char *saved(const struct gs_cooccur *c, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	int r = gs_cooccur_save(c, f);
	fclose(f);
	return r ? (free(buf), NULL) : buf;
}

static struct gs_cooccur *loaded(const char *buf, size_t n,
				 const struct gs_cooccur_options *o, int *err)
{
	FILE *f = fmemopen((void *)buf, n, "rb");
	struct gs_cooccur *c = gs_cooccur_load(f, o, err);
	fclose(f);
	return c;
}

/* Do a and b answer the same for the tags named? */
static int same(const struct gs_cooccur *a, const struct gs_cooccur *b,
		const char *const *keys, size_t nk)
{
	struct gs_cooccur_stats sa, sb;
	gs_cooccur_stats(a, &sa);
	gs_cooccur_stats(b, &sb);
	if (sa.posts != sb.posts || sa.tagged_posts != sb.tagged_posts ||
	    sa.multi_posts != sb.multi_posts || sa.tags != sb.tags ||
	    sa.combos != sb.combos ||
	    sa.reposts_unresolved != sb.reposts_unresolved)
		return 0;
	uint64_t hs[16];
	for (size_t i = 0; i < nk; i++) {
		const struct gs_cooccur_tag *x = gs_cooccur_tag(a, keys[i]),
					    *y = gs_cooccur_tag(b, keys[i]);
		if (!x || !y || x->posts != y->posts ||
		    x->first_ms != y->first_ms || x->acc.n != y->acc.n ||
		    memcmp(x->acc.h, y->acc.h, x->acc.n * 8) ||
		    x->nlangs != y->nlangs)
			return 0;
		for (size_t k = 0; k < x->nlangs; k++)
			if (strcmp(x->langs[k].code, y->langs[k].code) ||
			    x->langs[k].first_ms != y->langs[k].first_ms ||
			    x->langs[k].posts != y->langs[k].posts)
				return 0;
		hs[i] = x->hash;
	}
	uint64_t pa[48], pb[48], oa, ob, qa[256], qb[256];
	gs_cooccur_overlap(a, hs, nk, T0, 48, pa, &oa, qa);
	gs_cooccur_overlap(b, hs, nk, T0, 48, pb, &ob, qb);
	if (oa != ob || memcmp(pa, pb, sizeof pa) ||
	    memcmp(qa, qb, nk * nk * 8))
		return 0;
	const struct gs_cooccur_shared *xa[8], *xb[8];
	size_t na = gs_cooccur_shared(a, hs, nk, xa, 8),
	       nb = gs_cooccur_shared(b, hs, nk, xb, 8);
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(xa[i]->id, xb[i]->id) ||
		    xa[i]->reposts != xb[i]->reposts)
			return 0;
	return 1;
}

#define NPOSTS (24 * 61)

int main(void)
{
	struct gs_cooccur_options o;
	gs_cooccur_options_init(&o);
	o.kmv_k = 64; /* small, so that sketches fill */
	struct gs_cooccur *whole = gs_cooccur_new(&o),
			  *first = gs_cooccur_new(&o);
	TAP_OK(whole && first, "counters");
	const char *keys[] = {"alpha", "beta", "gamma", "w1", "w2"};
	const char *langs[] = {"en", "fr", "es", "pt", ""};
	static struct gp g[NPOSTS];
	size_t np = 0;
	for (int h = 0; h < 24; h++) {
		for (int i = 0; i < 60; i++) {
			struct gp *x = &g[np++];
			x->ms = T0 + h * HOUR + i * 1000;
			x->acct = 1 + rnd(300);
			x->lang = langs[rnd(5)];
			x->nt = 1 + rnd(3);
			for (size_t k = 0; k < x->nt; k++)
				x->t[k] = keys[rnd(5)];
			x->jet = rnd(2);
			if (!x->jet && rnd(4) == 0)
				x->repost_of = rnd(2) ? "p1" : "p2";
		}
		/* a Bluesky repost of account 1's post r<np>, untagged */
		struct gp *x = &g[np++];
		*x = (struct gp){.ms = T0 + h * HOUR + 99999,
				 .acct = 500 + h,
				 .lang = "",
				 .jet = 1,
				 .repost_of = "r0"};
	}
	/* post 0: account 1's tagged Bluesky post, reposted every hour */
	g[0] = (struct gp){.ms = T0,
			   .acct = 1,
			   .lang = "en",
			   .t = {"alpha", "beta"},
			   .nt = 2,
			   .jet = 1};
	int bad = 0;
	for (size_t i = 0; i < np; i++) {
		bad |= add(whole, &g[i], (unsigned)i);
		if (i < np / 2)
			bad |= add(first, &g[i], (unsigned)i);
	}
	TAP_OK(!bad, "%zu posts counted", np);
	size_t n;
	char *buf = saved(first, &n);
	TAP_OK(buf && n > 20, "saved (%zu bytes)", n);
	int err = 0;
	struct gs_cooccur *back = loaded(buf, n, &o, &err);
	TAP_OK(back && !err, "loaded");
	TAP_OK(back && same(first, back, keys, 5),
	       "the counter loaded answers as the one saved");
	for (size_t i = np / 2; back && i < np; i++)
		bad |= add(back, &g[i], (unsigned)i);
	TAP_OK(back && !bad && same(whole, back, keys, 5),
	       "counting on after a load equals counting without one");
	struct gs_cooccur_stats st;
	gs_cooccur_stats(whole, &st);
	const struct gs_cooccur_tag *a = gs_cooccur_tag(whole, "alpha");
	TAP_OK(st.tags == 5 && st.combos > 24 && st.reposts_unresolved == 0 &&
		       a && a->acc.n == 64 && a->nlangs == 5,
	       "the data fill sketches, make combinations, resolve reposts "
	       "(%zu, %llu)",
	       st.combos, (unsigned long long)st.reposts_unresolved);

	/* refused: truncations, a flipped byte (CRC), another bucket */
	int all = 1;
	for (size_t k = 0; k < n; k += 1 + k / 16) {
		struct gs_cooccur *c = loaded(buf, k, &o, &err);
		all &= !c && err == GS_EFORMAT;
		gs_cooccur_free(c);
	}
	TAP_OK(all, "a truncated section is refused");
	buf[n / 2] ^= 0x20;
	struct gs_cooccur *c = loaded(buf, n, &o, &err);
	TAP_OK(!c && err == GS_EFORMAT, "a damaged section is refused");
	buf[n / 2] ^= 0x20;
	struct gs_cooccur_options o2 = o;
	o2.bucket_ms = 2 * HOUR;
	c = loaded(buf, n, &o2, &err);
	TAP_OK(!c && err == GS_EFORMAT, "another bucket is refused");
	/* this run's smaller bounds apply, by eviction */
	o2 = o;
	o2.max_tags = 16;
	o2.max_combos = 16;
	c = loaded(buf, n, &o2, &err);
	if (c)
		gs_cooccur_stats(c, &st);
	TAP_OK(c && !err && st.combos <= 16 && st.combos_evicted > 0,
	       "a smaller bound loads, evicting");
	gs_cooccur_free(c);

	free(buf);
	gs_cooccur_free(whole);
	gs_cooccur_free(first);
	gs_cooccur_free(back);
	return TAP_DONE();
}
