/* test_movement.c - the co-occurrence counter (exact union posts and
 * pairs, language onsets, shared posts, merges equal to one counter fed
 * everything) and the grouping: a family of two tags sharing accounts and
 * carried together is one movement; an unrelated trend at the same time,
 * a spam flood and a steady tag join nothing; a defined movement's union
 * accounts and posts are exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/cooccur.h"
#include "detect/movement.h"
#include "detect/trend.h"
#include "groundswell.h"
#include "tap.h"

#define T0   INT64_C(1507852800000) /* 2017-10-13T00:00:00Z */
#define HOUR INT64_C(3600000)

static uint64_t rs = 12345;
static uint32_t rnd(uint32_t n)
{
	rs = rs * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(rs >> 33) % n;
}

struct feed {
	struct gs_engine *e;
	struct gs_cooccur *c[2]; /* whole, and halves when split */
	struct gs_cooccur *half[2];
	uint64_t n;
	/* the truth for tags "alpha" and "beta": who and which posts */
	char seen[2][20000];
	uint64_t posts_ab;
	uint64_t acc_union;
	char useen[20000];
};

static void post(struct feed *f, int64_t ms, unsigned acct, const char *lang,
		 const char *const *tags, size_t nt, const char *repost_of)
{
	char id[32], who[32];
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_TWITTER1;
	p.time_ms = ms;
	snprintf(id, sizeof id, "%llu", (unsigned long long)++f->n);
	snprintf(who, sizeof who, "u%u", acct);
	p.id = (struct gs_str){id, strlen(id)};
	p.account = (struct gs_str){who, strlen(who)};
	p.lang = (struct gs_str){lang, strlen(lang)};
	if (repost_of) {
		p.flags = GS_POST_REPOST;
		p.repost_id = (struct gs_str){repost_of, strlen(repost_of)};
	}
	for (size_t i = 0; i < nt; i++)
		p.tags[p.ntags++] = (struct gs_str){tags[i], strlen(tags[i])};
	gs_engine_add(f->e, &p);
	gs_cooccur_add(f->c[0], &p);
	gs_cooccur_add(f->half[ms < T0 + 25 * HOUR ? 0 : 1], &p);
	int a = 0, b = 0;
	for (size_t i = 0; i < nt; i++) {
		a |= !strcmp(tags[i], "alpha") || !strcmp(tags[i], "Alpha");
		b |= !strcmp(tags[i], "beta");
	}
	if (a || b) {
		f->posts_ab++;
		if (!f->useen[acct % 20000]++)
			f->acc_union++;
	}
}

int main(void)
{
	struct gs_engine_options eo;
	gs_engine_options_init(&eo);
	struct feed *f = calloc(1, sizeof *f);
	f->e = gs_engine_new(&eo);
	f->c[0] = gs_cooccur_new(NULL);
	f->half[0] = gs_cooccur_new(NULL);
	f->half[1] = gs_cooccur_new(NULL);
	TAP_OK(f->e && f->c[0] && f->half[0] && f->half[1],
	       "engine and counters");

	char vocab[100][16];
	for (int i = 0; i < 100; i++)
		snprintf(vocab[i], sizeof vocab[i], "w%d", i);
	for (int h = 0; h < 40; h++) {
		int64_t base = T0 + h * HOUR;
		/* background: 300 posts an hour, two random tags */
		for (int i = 0; i < 300; i++) {
			const char *t[2] = {vocab[rnd(100)], vocab[rnd(100)]};
			post(f, base + i * 10000, 1000 + rnd(5000), "en", t,
			     t[0] == t[1] ? 1 : 2, NULL);
		}
		/* a steady tag, often beside background tags */
		for (int i = 0; i < 40; i++) {
			const char *t[2] = {"news", vocab[rnd(100)]};
			post(f, base + i * 60000 + 7, 1000 + rnd(5000), "en", t,
			     2, NULL);
		}
		if (h >= 24 && h < 28) {
			/* the family: alpha (en) and beta (fr) share a pool of
			 * 150 accounts, and a fifth of alpha carries beta */
			for (int i = 0; i < 80; i++) {
				const char *t[2] = {i % 7 ? "alpha" : "Alpha",
						    "beta"};
				unsigned a = rnd(2) ? 10000 + rnd(150)
						    : 11000 + rnd(100);
				post(f, base + i * 40000 + 3, a, "en", t,
				     rnd(5) ? 1 : 2, NULL);
				const char *u[1] = {"beta"};
				unsigned b = rnd(2) ? 10000 + rnd(150)
						    : 12000 + rnd(100);
				post(f, base + i * 40000 + 5, b, "fr", u, 1,
				     NULL);
			}
			/* an unrelated trend at the same time, its own accounts
			 */
			for (int i = 0; i < 80; i++) {
				const char *t[2] = {"gamma", vocab[rnd(100)]};
				post(f, base + i * 40000 + 9, 13000 + rnd(200),
				     "es", t, 2, NULL);
			}
			/* reposts of the first alpha post */
			const char *t[1] = {"alpha"};
			for (int i = 0; i < 3; i++)
				post(f, base + 3000000 + i, 14000 + rnd(100),
				     "en", t, 1, "42");
		}
		if (h == 25) {
			/* a spam flood: 25 accounts (enough to trend), 400
			 * posts, some with alpha */
			for (int i = 0; i < 400; i++) {
				const char *t[2] = {"spam", "alpha"};
				post(f, base + i * 8000 + 1, 15000 + rnd(25),
				     "en", t, i % 10 ? 1 : 2, NULL);
			}
		}
	}

	/* the counter: union posts and pairs, exactly */
	const char *keys[2] = {"alpha", "beta"};
	uint64_t hs[2] = {0}, own[2], over, pair[4];
	struct gs_tag_stats ta, tb;
	gs_engine_tag(f->e, "alpha", 5, &ta);
	gs_engine_tag(f->e, "beta", 4, &tb);
	const struct gs_cooccur_tag *ca = gs_cooccur_tag(f->c[0], "alpha");
	const struct gs_cooccur_tag *cb = gs_cooccur_tag(f->c[0], "beta");
	TAP_OK(ca && cb && ca->posts == ta.posts && cb->posts == tb.posts,
	       "the counter's tag posts equal the engine's");
	hs[0] = ca->hash, hs[1] = cb->hash;
	own[0] = ta.posts, own[1] = tb.posts;
	gs_cooccur_overlap(f->c[0], hs, 2, 0, 0, NULL, &over, pair);
	TAP_EQ_INT(own[0] + own[1] - over, f->posts_ab,
		   "posts using alpha or beta, exactly");
	TAP_OK(pair[1] == over && pair[2] == over && pair[1] > 0,
	       "the pair count is the overlap of two tags");
	TAP_OK(ca->nlangs == 1 && !strcmp(ca->langs[0].code, "en") &&
		       cb->nlangs == 2 && ca->langs[0].first_ms == ca->first_ms,
	       "languages with their onsets");
	const struct gs_cooccur_shared *sh[3];
	size_t ns = gs_cooccur_shared(f->c[0], hs, 2, sh, 3);
	TAP_OK(ns == 1 && !strcmp(sh[0]->id, "42") && sh[0]->reposts == 12,
	       "the most shared post and its reposts, exactly (%zu)", ns);

	/* a merge of two halves answers as the whole */
	struct gs_cooccur *m = gs_cooccur_new(NULL);
	TAP_EQ_INT(gs_cooccur_merge(m, f->half[0]), 0, "merge the first half");
	TAP_EQ_INT(gs_cooccur_merge(m, f->half[1]), 0, "merge the second half");
	uint64_t over2, pair2[4];
	gs_cooccur_overlap(m, hs, 2, 0, 0, NULL, &over2, pair2);
	const struct gs_cooccur_tag *ma = gs_cooccur_tag(m, "alpha");
	struct gs_cooccur_stats s1, s2;
	gs_cooccur_stats(f->c[0], &s1);
	gs_cooccur_stats(m, &s2);
	TAP_OK(over2 == over && ma && ma->posts == ca->posts &&
		       ma->first_ms == ca->first_ms && ma->acc.n == ca->acc.n &&
		       !memcmp(ma->acc.h, ca->acc.h, ca->acc.n * 8) &&
		       s1.tags == s2.tags && s1.combos == s2.combos &&
		       s1.tagged_posts == s2.tagged_posts,
	       "merged halves equal the counter of the whole");

	/* the grouping */
	struct gs_trend *t = gs_trend_new(NULL, HOUR);
	TAP_EQ_INT(gs_trend_run_batch(t, f->e), 0, "trend detector");
	const struct gs_trend_event *ev;
	size_t nev = gs_trend_events(t, &ev);
	int trended_gamma = 0;
	for (size_t i = 0; i < nev; i++)
		trended_gamma |= !strcmp(ev[i].key, "gamma");
	for (size_t i = 0; i < nev; i++)
		printf("# event %s\n", ev[i].key);
	TAP_OK(trended_gamma, "the unrelated tag trends too (%zu events)", nev);
	struct gs_movement_options mo;
	gs_movement_options_init(&mo);
	struct gs_movements mv = {0};
	TAP_EQ_INT(gs_movements_find(f->e, f->c[0], ev, nev, &mo, &mv), 0,
		   "find");
	TAP_EQ_INT(mv.n, 1, "one movement");
	if (mv.n == 1) {
		struct gs_movement *x = &mv.v[0];
		TAP_OK(x->ntags == 2 && !strcmp(x->tags[0].key, "alpha") &&
			       !strcmp(x->tags[1].key, "beta"),
		       "alpha and beta, no foreign tag (spam, news, gamma)");
		TAP_OK(x->npairs == 1 && (x->pairs[0].signals & GS_MV_POSTS) &&
			       (x->pairs[0].signals & GS_MV_ACCOUNTS) &&
			       (x->pairs[0].signals & GS_MV_TIME),
		       "joined by posts, accounts and time");
		TAP_EQ_INT(x->posts, f->posts_ab, "its posts are exact");
		TAP_OK(x->accounts == (double)f->acc_union &&
			       x->accounts_error == 0,
		       "its accounts are the exact union (%g, %llu)",
		       x->accounts, (unsigned long long)f->acc_union);
		TAP_OK(x->accounts < x->accounts_sum, "a union, not a sum");
		TAP_OK(x->nlangs == 2 && !strcmp(x->langs[0].code, "en"),
		       "languages by onset");
	}
	TAP_OK(mv.spam_left >= 1, "the spam flood could not join (%zu)",
	       mv.spam_left);
	gs_movements_release(&mv);

	/* a given movement: the same measures, any spelling */
	const char *given[2] = {"#ALPHA", "beta"};
	TAP_EQ_INT(gs_movement_define(f->e, f->c[0], ev, nev, &mo, "ab", given,
				      2, &mv),
		   0, "define");
	TAP_OK(mv.n == 1 && mv.v[0].defined && mv.v[0].posts == f->posts_ab &&
		       mv.v[0].accounts == (double)f->acc_union,
	       "a defined movement: exact posts and accounts");
	const char *twice[2] = {"alpha", "#Alpha"};
	TAP_EQ_INT(gs_movement_define(f->e, f->c[0], ev, nev, &mo, "x", twice,
				      2, &mv),
		   GS_EUSAGE, "a tag given twice is refused");
	gs_movements_release(&mv);
	(void)keys;

	gs_trend_free(t);
	gs_cooccur_free(m);
	gs_cooccur_free(f->c[0]);
	gs_cooccur_free(f->half[0]);
	gs_cooccur_free(f->half[1]);
	gs_engine_free(f->e);
	free(f);
	return TAP_DONE();
}
