/*
 * test_langs.c - one engine per language (count/langs.h) and a detector
 * per language (detect/trend_langs.h): the language key, which languages a
 * post is in, the cap, the fixed list, and that parts absorbed in order
 * give exactly a sequential count, also when the cap is met; and serve's
 * snapshot of them (saved half-way, loaded, fed the rest: as if never
 * stopped; damaged sections refused). Fictional accounts throughout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "count/langs.h"
#include "detect/trend_langs.h"
#include "groundswell.h"
#include "tap.h"

static struct gs_str S(const char *s) {
	return (struct gs_str){s, strlen(s)};
}

static void
test_key(void)
{
	char k[GS_LANG_CODE_MAX + 1];
	TAP_EQ_INT(gs_lang_key(S("pt"), k), 2, "pt is a key");
	TAP_EQ_STR(k, "pt", "... pt");
	TAP_EQ_INT(gs_lang_key(S("PT-br"), k), 2, "PT-br: its primary subtag");
	TAP_EQ_STR(k, "pt", "... lower case");
	TAP_EQ_INT(gs_lang_key(S("und"), k), 3, "und (undetermined) is a key");
	TAP_EQ_INT(gs_lang_key(S(""), k), 0, "empty: none");
	TAP_EQ_INT(gs_lang_key(S("e"), k), 0, "one letter: none");
	TAP_EQ_INT(gs_lang_key(S("p1"), k), 0, "a digit: none");
	TAP_EQ_INT(gs_lang_key(S("pt_BR"), k), 0,
		   "an underscore: none (--lang neither)");
	TAP_EQ_INT(gs_lang_key(S("abcdefghi"), k), 0, "nine letters: none");
	TAP_EQ_STR(k, "", "... and the key is empty");
	TAP_EQ_INT(gs_lang_key(S("abcdefgh"), k), 8, "eight letters: a key");
}

/* A post of account acct at hour h with tag "t" and languages l0 (lang)
 * and l1, l2 (langs, as Bluesky gives them; NULL: fewer). */
static struct gs_post post_of(const char *acct, int h, const char *l0,
			      const char *l1, const char *l2)
{
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_TWITTER1;
	p.time_ms = INT64_C(1507852800000) + (int64_t)h * 3600000;
	p.id = S(acct);
	p.account = S(acct);
	p.lang = S(l0 ? l0 : "");
	if (l1) {
		p.langs[p.nlangs++] = p.lang;
		p.langs[p.nlangs++] = S(l1);
		if (l2)
			p.langs[p.nlangs++] = S(l2);
	}
	p.ntags = 1;
	p.tags[0] = S("t");
	return p;
}

static uint64_t posts_in(const struct gs_langs *l, const char *code)
{
	ptrdiff_t i = gs_langs_find(l, code);
	if (i < 0)
		return UINT64_MAX;
	struct gs_summary s;
	gs_engine_summary(l->v[i].e, &s);
	return s.posts;
}

static void test_route(void)
{
	struct gs_langs *l = gs_langs_new(NULL, 4);
	TAP_OK(l == NULL, "no engine options: NULL");
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	TAP_OK(gs_langs_new(&o, 0) == NULL &&
		       gs_langs_new(&o, GS_LANGS_MAX + 1) == NULL,
	       "max 0 or past GS_LANGS_MAX: NULL");
	l = gs_langs_new(&o, 3);
	struct gs_post a = post_of("a1", 0, "pt", "pt-BR", "en");
	struct gs_post b = post_of("a2", 0, "", NULL, NULL);
	struct gs_post c = post_of("a3", 1, "EN", NULL, NULL);
	struct gs_post d = post_of("a4", 1, "es", NULL, NULL);
	struct gs_post e = post_of("a5", 2, "fr", NULL, NULL);
	struct gs_post f = post_of("a6", 2, "x1", NULL, NULL);
	TAP_EQ_INT(gs_langs_add(l, &a), 0,
		   "a post in pt, pt-BR and en is counted");
	TAP_EQ_INT(posts_in(l, "pt"), 1, "... once in pt (pt-BR is pt)");
	TAP_EQ_INT(posts_in(l, "en"), 1, "... and once in en");
	gs_langs_add(l, &b);
	gs_langs_add(l, &f);
	TAP_EQ_INT(l->no_lang, 2,
		   "no language, or an invalid one: in none, counted");
	gs_langs_add(l, &c);
	TAP_EQ_INT(posts_in(l, "en"), 2, "EN is en");
	TAP_EQ_INT(posts_in(l, "EN"), 2, "found in any case");
	gs_langs_add(l, &d);
	gs_langs_add(l, &e);
	TAP_EQ_INT(l->n, 3, "the cap: three languages tracked");
	TAP_EQ_STR(l->v[0].code, "pt", "in order of appearance: pt");
	TAP_EQ_STR(l->v[2].code, "es", "... es third");
	TAP_EQ_INT(posts_in(l, "fr"), UINT64_MAX,
		   "fr, the fourth, is not tracked");
	TAP_EQ_INT(l->other_posts, 1, "... its post counted as other");
	TAP_OK(l->overflow, "... and the cap met is flagged");
	size_t order[3];
	gs_langs_sorted(l, order);
	TAP_OK(!strcmp(l->v[order[0]].code, "en") &&
		       !strcmp(l->v[order[1]].code, "es") &&
		       !strcmp(l->v[order[2]].code, "pt"),
	       "sorted by code: en, es, pt");
	gs_langs_cap(l, 1);
	TAP_EQ_INT(l->n, 1, "gs_langs_cap 1 keeps the first");
	TAP_EQ_INT(l->other_posts, 1 + 2 + 1,
		   "... and folds the others' posts into other");
	TAP_EQ_INT(l->other_langs, 2, "... counting their languages");
	gs_langs_free(l);
}

static void test_only(void)
{
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	struct gs_langs *l = gs_langs_new(&o, 4);
	TAP_EQ_INT(gs_langs_only(l, "pt,pt"), GS_EUSAGE,
		   "a code given twice: refused");
	gs_langs_free(l);
	l = gs_langs_new(&o, 4);
	TAP_EQ_INT(gs_langs_only(l, "pt-BR"), GS_EUSAGE,
		   "a region: refused (--lang takes them)");
	gs_langs_free(l);
	l = gs_langs_new(&o, 4);
	TAP_EQ_INT(gs_langs_only(l, "pt,"), GS_EUSAGE,
		   "an empty code: refused");
	gs_langs_free(l);
	l = gs_langs_new(&o, 2);
	TAP_EQ_INT(gs_langs_only(l, "a1,en"), GS_EUSAGE, "a digit: refused");
	gs_langs_free(l);
	l = gs_langs_new(&o, 2);
	TAP_EQ_INT(gs_langs_only(l, "ES,pt"), 0, "ES,pt: taken");
	struct gs_post a = post_of("a1", 0, "en", NULL, NULL);
	struct gs_post b = post_of("a2", 0, "pt-PT", NULL, NULL);
	gs_langs_add(l, &a);
	gs_langs_add(l, &b);
	TAP_OK(l->n == 2 && !strcmp(l->v[0].code, "es") &&
		       posts_in(l, "pt") == 1 && l->other_posts == 1 &&
		       !l->overflow,
	       "only es and pt tracked; en is other, no overflow");
	gs_langs_free(l);
}

/* Languages in an order where each part meets them differently: a
 * sequential count and one in parts (absorbed in order, as threads do)
 * must agree, also once capped. */
static void test_parts(void)
{
	static const char *const codes[] = {"en", "pt", "es", "ja",
					    "fr", "de", "it", "nl"};
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	enum { N = 400 };
	struct gs_post *ps = calloc(N, sizeof *ps);
	char(*acct)[16] = calloc(N, 16);
	unsigned x = 7;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		snprintf(acct[i], 16, "u%u", (x >> 8) % 50);
		const char *l0 = codes[(x >> 16) % 8];
		const char *l1 =
			(x >> 4) % 5 == 0 ? codes[(x >> 20) % 8] : NULL;
		ps[i] = post_of(acct[i], i / 20, l0, l1, NULL);
	}
	for (size_t cap = 2; cap <= 8; cap += 3) {
		struct gs_langs *seq = gs_langs_new(&o, GS_LANGS_MAX);
		for (int i = 0; i < N; i++)
			gs_langs_add(seq, &ps[i]);
		gs_langs_cap(seq, cap);
		struct gs_langs *all = gs_langs_new(&o, GS_LANGS_MAX);
		struct gs_ingest_sink sk = gs_langs_sink(all);
		int cut[] = {0, 37, 150, 151, 320, N};
		int r = 0;
		for (int k = 0; k + 1 < 6; k++) {
			void *part = k ? sk.part_new(sk.ctx) : sk.ctx;
			for (int i = cut[k]; i < cut[k + 1]; i++)
				r |= sk.post(part, &ps[i]);
			if (k) {
				r |= sk.merge(sk.ctx, part);
				sk.part_free(part);
			}
		}
		gs_langs_cap(all, cap);
		int same = !r && seq->n == all->n &&
			   seq->other_posts == all->other_posts &&
			   seq->other_langs == all->other_langs &&
			   seq->no_lang == all->no_lang;
		for (size_t i = 0; same && i < seq->n; i++) {
			struct gs_summary a, b;
			gs_engine_summary(seq->v[i].e, &a);
			gs_engine_summary(all->v[i].e, &b);
			same = !strcmp(seq->v[i].code, all->v[i].code) &&
			       a.posts == b.posts && a.accounts == b.accounts &&
			       a.first_ms == b.first_ms &&
			       a.last_ms == b.last_ms;
		}
		TAP_OK(same,
		       "cap %zu: five parts absorbed in order equal a sequential count",
		       cap);
		/* the detectors, batch over the capped set, and live */
		struct gs_trend_options to;
		gs_trend_options_init(&to);
		to.warmup = 2;
		struct gs_trend_langs *tb = gs_trend_langs_new(all, &to, 0);
		TAP_OK(tb && gs_trend_langs_run_batch(tb) == 0 &&
			       tb->n == all->n,
		       "cap %zu: a detector per language, run over each engine",
		       cap);
		struct gs_langs *lv = gs_langs_new(&o, cap);
		struct gs_trend_langs *tl = gs_trend_langs_new(lv, &to, 0);
		for (int i = 0; i < N; i++)
			gs_trend_langs_add(tl, &ps[i]);
		gs_trend_langs_finish(tl);
		int evsame =
			lv->n == all->n && lv->other_posts == all->other_posts;
		for (size_t i = 0; evsame && i < lv->n; i++) {
			const struct gs_trend_event *ea, *eb;
			size_t na = gs_trend_langs_events(tb, i, &ea);
			size_t nb = gs_trend_langs_events(tl, i, &eb);
			evsame = na == nb;
			for (size_t k = 0; evsame && k < na; k++)
				evsame = !strcmp(ea[k].key, eb[k].key) &&
					 ea[k].start_ms == eb[k].start_ms &&
					 ea[k].end_ms == eb[k].end_ms &&
					 ea[k].status == eb[k].status &&
					 ea[k].score == eb[k].score;
		}
		TAP_OK(evsame, "cap %zu: live, capped as it goes, equals batch",
		       cap);
		gs_trend_langs_free(tl);
		gs_langs_free(lv);
		gs_trend_langs_free(tb);
		gs_langs_free(seq);
		gs_langs_free(all);
	}
	free(ps);
	free(acct);
}

/* Events of detector i of a and b the same (key, span, status, score). */
static int same_events(const struct gs_trend_langs *a,
		       const struct gs_trend_langs *b, size_t i)
{
	const struct gs_trend_event *ea, *eb;
	size_t na = gs_trend_langs_events(a, i, &ea);
	size_t nb = gs_trend_langs_events(b, i, &eb);
	int same = na == nb;
	for (size_t k = 0; same && k < na; k++)
		same = !strcmp(ea[k].key, eb[k].key) &&
		       ea[k].start_ms == eb[k].start_ms &&
		       ea[k].end_ms == eb[k].end_ms &&
		       ea[k].status == eb[k].status &&
		       ea[k].score == eb[k].score;
	return same;
}

/* Saves l and t to memory: the bytes in *out (free them), their length. */
static size_t save(const struct gs_langs *l, const struct gs_trend_langs *t,
		   char **out)
{
	size_t n = 0;
	FILE *f = open_memstream(out, &n);
	int r = gs_langs_save(l, f);
	if (!r)
		r = gs_trend_langs_save(t, f);
	fclose(f);
	return r ? 0 : n;
}

/* serve's restart (issue 13): the languages and their live detectors
 * saved half-way, loaded, and fed the rest, answer as if never stopped;
 * damaged sections are refused. */
static void test_snapshot(void)
{
	static const char *const codes[] = {"en", "pt", "es"};
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	struct gs_trend_options to;
	gs_trend_options_init(&to);
	to.warmup = 2;
	to.table_bits = 8; /* small sections (the default is 4 MB each) */
	enum { N = 900 };
	struct gs_post *ps = calloc(N, sizeof *ps);
	char(*acct)[16] = calloc(N, 16);
	unsigned x = 11;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		int h = i / 30, burst = h >= 20 && (x >> 9) % 2;
		if (burst) /* fresh accounts */
			snprintf(acct[i], 16, "b%d", i);
		else
			snprintf(acct[i], 16, "u%u", (x >> 8) % 40);
		ps[i] = post_of(acct[i], h, burst ? "pt" : codes[(x >> 16) % 3],
				NULL, NULL);
		if (burst) /* a new tag: trends in Portuguese */
			ps[i].tags[ps[i].ntags++] = S("rise");
	}
	struct gs_langs *whole = gs_langs_new(&o, 8);
	struct gs_trend_langs *tw = gs_trend_langs_new(whole, &to, 0);
	struct gs_langs *half = gs_langs_new(&o, 8);
	struct gs_trend_langs *th = gs_trend_langs_new(half, &to, 0);
	for (int i = 0; i < N; i++)
		gs_trend_langs_add(tw, &ps[i]);
	gs_trend_langs_finish(tw);
	for (int i = 0; i < N / 2 + 7; i++)
		gs_trend_langs_add(th, &ps[i]);
	char *buf = NULL;
	size_t n = save(half, th, &buf);
	TAP_OK(n > 0, "languages and detectors saved (%zu bytes)", n);
	FILE *f = fmemopen(buf, n, "r");
	int err = -1;
	struct gs_langs *l = gs_langs_load(f, &o, &err);
	struct gs_trend_langs *t =
		l ? gs_trend_langs_load(f, l, &to, 0, &err) : NULL;
	TAP_OK(l && t && err == 0 && fgetc(f) == EOF,
	       "loaded back, exactly their bytes");
	fclose(f);
	char *again = NULL;
	size_t n2 = t ? save(l, t, &again) : 0;
	TAP_OK(n2 == n && !memcmp(buf, again, n),
	       "saved again: the same bytes");
	free(again);
	for (int i = N / 2 + 7; t && i < N; i++)
		gs_trend_langs_add(t, &ps[i]);
	if (t)
		gs_trend_langs_finish(t);
	int same = t && l->n == whole->n && t->late_posts == tw->late_posts;
	size_t events = 0;
	for (size_t i = 0; same && i < l->n; i++) {
		const struct gs_trend_event *ev;
		events += gs_trend_langs_events(tw, i, &ev);
		same = !strcmp(l->v[i].code, whole->v[i].code) &&
		       posts_in(l, l->v[i].code) ==
			       posts_in(whole, whole->v[i].code) &&
		       same_events(t, tw, i);
	}
	TAP_OK(same && events > 0,
	       "restored and fed the rest: every language's counts and %zu "
	       "events as an uninterrupted run",
	       events);
	gs_trend_langs_free(t);
	gs_langs_free(l);

	/* damage: a code in upper case, a code twice, a cut file */
	struct {
		const char *what;
		size_t at;
		char c;
		size_t len;
	} bad[] = {{"a code not in lower case", 0, 'E', n},
		   {"a code given twice", 0, 'p', n},
		   {"a cut file", 0, 0, n - 9}};
	/* the first code's first letter: after the 16-byte header and
	 * max, fixed, n, three counters, overflow and the length byte */
	size_t code0 = 16 + 4 + 1 + 4 + 24 + 1 + 1;
	bad[0].at = bad[1].at = code0;
	for (size_t k = 0; k < 3; k++) {
		char *c = malloc(n);
		memcpy(c, buf, n);
		if (k == 0) {
			c[bad[k].at] = bad[k].c;
		} else if (k == 1) { /* the first code made the second */
			c[bad[k].at] = half->v[1].code[0];
			c[bad[k].at + 1] = half->v[1].code[1];
		}
		if (k < 2) { /* the CRC recomputed: the content is checked */
			size_t sec = 16;
			for (int i = 0; i < 8; i++)
				sec += (size_t)(unsigned char)c[8 + i]
				       << (8 * i);
			uint32_t crc = (uint32_t)crc32(
				0, (const unsigned char *)c, (unsigned)sec);
			for (int i = 0; i < 4; i++)
				c[sec + (size_t)i] = (char)(crc >> (8 * i));
		}
		f = fmemopen(c, bad[k].len, "r");
		l = gs_langs_load(f, &o, &err);
		t = l ? gs_trend_langs_load(f, l, &to, 0, &err) : NULL;
		TAP_OK(!t && err == GS_EFORMAT, "%s: refused (GS_EFORMAT)",
		       bad[k].what);
		gs_trend_langs_free(t);
		gs_langs_free(l);
		fclose(f);
		free(c);
	}
	free(buf);
	gs_trend_langs_free(th);
	gs_langs_free(half);
	gs_trend_langs_free(tw);
	gs_langs_free(whole);
	free(ps);
	free(acct);
}

int main(void)
{
	test_key();
	test_route();
	test_only();
	test_parts();
	test_snapshot();
	return TAP_DONE();
}
