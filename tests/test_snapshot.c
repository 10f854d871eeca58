/* test_snapshot.c - snapshots of engines, trend detectors, sketches and
 * (in a server's file) networks:
 * exact round trips on generated streams in several formats, counting on
 * after a load exactly as without it (engine, merge, and the live trend
 * path with both the significance and the Mastodon scorer), and corrupt,
 * truncated, foreign and unwritable files refused with the right error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gen/generate.h"
#include "groundswell.h"
#include "count/hll.h"
#include "count/network.h"
#include "count/snapio.h"
#include "out/network_write.h"
#include "tap.h"
#include "base/timeutil.h"
#include "detect/trend.h"

/* ---- helpers ----------------------------------------------------------- */

struct buf {
	char *p;
	size_t n;
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct buf save_engine(const struct gs_engine *e, int *r)
{
	struct buf b = {NULL, 0};
	FILE *f = open_memstream(&b.p, &b.n);
	*r = gs_engine_save(e, f);
	fclose(f);
	return b;
}

static struct buf save_trend(const struct gs_trend *t, int *r)
{
	struct buf b = {NULL, 0};
	FILE *f = open_memstream(&b.p, &b.n);
	*r = gs_trend_save(t, f);
	fclose(f);
	return b;
}

/* A FILE reading p[0..n) (fmemopen refuses n == 0 on older glibc). */
static FILE *mem_in(const void *p, size_t n)
{
	if (n == 0)
		return fopen("/dev/null", "r");
	return fmemopen((void *)p, n, "r");
}

static struct gs_engine *load_engine(const void *p, size_t n, int *err)
{
	FILE *f = mem_in(p, n);
	struct gs_engine *e = gs_engine_load(f, err);
	fclose(f);
	return e;
}

static struct gs_trend *load_trend(const void *p, size_t n, int *err)
{
	FILE *f = mem_in(p, n);
	struct gs_trend *t = gs_trend_load(f, err);
	fclose(f);
	return t;
}

static int same_buf(struct buf a, struct buf b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* Recomputes the CRC of the section at the start of p (after an edit). */
static void fix_crc(unsigned char *p, size_t n)
{
	uint64_t len = 0;
	for (int i = 7; i >= 0; i--)
		len = len << 8 | p[8 + i];
	if (16 + len + 4 > n)
		return;
	uint32_t c = (uint32_t)crc32(0, p, (uInt)(16 + len));
	for (int i = 0; i < 4; i++)
		p[16 + len + i] = (unsigned char)(c >> (8 * i));
}

static char *gen_stream(enum gs_gen_format fmt, uint64_t seed, double hours,
			double rate, double malformed)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/gs-test-snap-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct gs_generate_options go;
	gs_generate_options_init(&go);
	go.seed = seed;
	go.hours = hours;
	go.rate = rate;
	go.format = fmt;
	go.malformed = malformed;
	int r = gs_generate(f, NULL, &go);
	fclose(f);
	return r == 0 ? path : NULL;
}

static long count_lines(const char *path)
{
	int err;
	struct gs_reader *r = gs_reader_open(path, 0, &err);
	const char *line;
	size_t len;
	long n = 0;
	while (gs_reader_next(r, &line, &len) == 1)
		n++;
	gs_reader_close(r);
	return n;
}

/* Feeds the lines [from, to) of path to each engine (as ingest does: bad
 * lines and non-post events counted), or through the live trend paths. */
static void feed(const char *path, long from, long to, struct gs_engine **es,
		 int ne, struct gs_trend_live **ls, int nl)
{
	int err;
	struct gs_reader *r = gs_reader_open(path, 0, &err);
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	const char *line;
	size_t len;
	for (long i = 0; i < to && gs_reader_next(r, &line, &len) == 1; i++) {
		const struct gs_post *posts;
		int np = gs_parser_parse(ps, line, len, &posts);
		if (i < from)
			continue;
		for (int k = 0; k < ne; k++) {
			if (np < 0)
				gs_engine_count_malformed(es[k], 1);
			else if (np == 0 && gs_parser_skipped(ps) == 1)
				gs_engine_count_skipped(es[k], 1);
			for (int j = 0; j < np; j++)
				gs_engine_add(es[k], &posts[j]);
		}
		for (int k = 0; k < nl; k++)
			for (int j = 0; j < np; j++)
				gs_trend_live_add(ls[k], &posts[j]);
	}
	gs_parser_free(ps);
	gs_reader_close(r);
}

/* ---- engine equality: every public query --------------------------------- */

static int same_counts(const struct gs_count *x, size_t nx,
		       const struct gs_count *y, size_t ny)
{
	if (nx != ny)
		return 0;
	for (size_t i = 0; i < nx; i++)
		if (x[i].count != y[i].count || strcmp(x[i].name, y[i].name))
			return 0;
	return 1;
}

static int same_stats(const struct gs_tag_stats *x, const struct gs_tag_stats *y)
{
	return !strcmp(x->key, y->key) && !strcmp(x->display, y->display) &&
	       x->posts == y->posts && x->originals == y->originals &&
	       x->reposts == y->reposts && x->replies == y->replies &&
	       x->quotes == y->quotes && x->posts_error == y->posts_error &&
	       x->accounts == y->accounts && x->accounts_error == y->accounts_error &&
	       x->first_ms == y->first_ms && x->last_ms == y->last_ms &&
	       x->peak_ms == y->peak_ms && x->peak_posts == y->peak_posts;
}

static int same_obs(const struct gs_obs *x, const struct gs_obs *y)
{
	return x->bucket_ms == y->bucket_ms && x->hash == y->hash &&
	       !strcmp(x->key, y->key) && x->posts == y->posts &&
	       x->accounts == y->accounts && x->day_accounts == y->day_accounts &&
	       x->prev_day_accounts == y->prev_day_accounts;
}

/* Everything one tag answers; the name of the first query that differs,
 * or NULL. */
static const char *tag_diff(struct gs_engine *a, struct gs_engine *b,
			    const struct gs_tag_stats *t, const struct gs_summary *s)
{
	struct gs_tag_stats x, y;
	if (gs_engine_tag(a, t->key, strlen(t->key), &x) ||
	    gs_engine_tag(b, t->key, strlen(t->key), &y) || !same_stats(&x, &y))
		return "gs_engine_tag(key)";
	if (gs_engine_tag(a, t->display, strlen(t->display), &x) ||
	    gs_engine_tag(b, t->display, strlen(t->display), &y) || !same_stats(&x, &y))
		return "gs_engine_tag(display)";
	struct gs_bucket_stats *ta, *tb;
	ptrdiff_t na = gs_engine_timeline(a, t->key, &ta);
	ptrdiff_t nb = gs_engine_timeline(b, t->key, &tb);
	int eq = na == nb && na > 0;
	for (ptrdiff_t i = 0; eq && i < na; i++)
		eq = ta[i].time_ms == tb[i].time_ms &&
		     ta[i].posts == tb[i].posts &&
		     ta[i].accounts == tb[i].accounts &&
		     ta[i].reposts == tb[i].reposts &&
		     ta[i].replies == tb[i].replies &&
		     ta[i].accounts_error == tb[i].accounts_error;
	if (na > 0)
		free(ta);
	if (nb > 0)
		free(tb);
	if (!eq)
		return "gs_engine_timeline";
	struct gs_count ca[64], cb[64];
	size_t (*fn[])(const struct gs_engine *, const char *, struct gs_count *, size_t) = {
		gs_engine_cotags, gs_engine_languages, gs_engine_mentions, gs_engine_examples};
	static const char *const names[] = {"gs_engine_cotags", "gs_engine_languages",
					    "gs_engine_mentions", "gs_engine_examples"};
	for (int k = 0; k < 4; k++) {
		size_t nx = fn[k](a, t->key, ca, 64), ny = fn[k](b, t->key, cb, 64);
		if (!same_counts(ca, nx, cb, ny))
			return names[k];
	}
	uint64_t pa, pb;
	double aa, ab;
	if (gs_engine_span(a, t->key, s->first_ms, s->last_ms, &pa, &aa) ||
	    gs_engine_span(b, t->key, s->first_ms, s->last_ms, &pb, &ab) || pa != pb ||
	    aa != ab)
		return "gs_engine_span";
	return NULL;
}

/* Compares every public query of a and b; TAP lines named by what. */
static void same_engine(struct gs_engine *a, struct gs_engine *b, const char *what)
{
	struct gs_summary sa, sb;
	gs_engine_summary(a, &sa);
	gs_engine_summary(b, &sb);
	TAP_OK(memcmp(&sa, &sb, sizeof sa) == 0, "%s: summaries equal (%llu posts)", what,
	       (unsigned long long)sa.posts);

	struct gs_tag_stats *x, *y;
	ptrdiff_t nx = gs_engine_tags(a, &x), ny = gs_engine_tags(b, &y);
	int same = nx == ny && nx >= 0;
	for (ptrdiff_t i = 0; same && i < nx; i++)
		same = same_stats(&x[i], &y[i]);
	TAP_OK(same, "%s: gs_engine_tags equal (%td tags)", what, nx);

	const char *bad = NULL;
	for (ptrdiff_t i = 0; same && !bad && i < nx; i++)
		if ((bad = tag_diff(a, b, &x[i], &sa)))
			printf("#   tag '%s' differs in %s\n", x[i].key, bad);
	TAP_OK(same && !bad, "%s: every tag's stats, timeline, co-tags, languages, mentions, examples, span equal", what);

	struct gs_obs *oa, *ob;
	ptrdiff_t noa = gs_engine_observations(a, &oa), nob = gs_engine_observations(b, &ob);
	int eq = noa == nob && noa >= 0;
	for (ptrdiff_t i = 0; eq && i < noa; i++)
		eq = same_obs(&oa[i], &ob[i]);
	/* day figures of the observations of the ten top tags */
	for (ptrdiff_t i = 0; eq && i < noa; i++) {
		int top = 0;
		for (ptrdiff_t k = 0; k < nx && k < 10; k++)
			top |= !strcmp(oa[i].key, x[k].key);
		if (!top)
			continue;
		eq = gs_engine_obs_days(a, &oa[i]) == 0 && gs_engine_obs_days(b, &ob[i]) == 0 &&
		     same_obs(&oa[i], &ob[i]);
	}
	TAP_OK(eq, "%s: observations and their day figures equal (%td)", what, noa);
	free(oa);
	free(ob);

	eq = 1;
	int64_t w = sa.bucket_ms;
	if (sa.posts) {
		for (int64_t t = gs_time_bucket(sa.first_ms, w); eq && t <= sa.last_ms; t += w) {
			struct gs_obs *va, *vb;
			ptrdiff_t ka = gs_engine_observations_at(a, t, &va);
			ptrdiff_t kb = gs_engine_observations_at(b, t, &vb);
			eq = ka == kb && gs_engine_bucket_accounts(a, t) == gs_engine_bucket_accounts(b, t);
			for (ptrdiff_t i = 0; eq && i < ka; i++)
				eq = same_obs(&va[i], &vb[i]);
			free(va);
			free(vb);
		}
	}
	TAP_OK(eq, "%s: per-bucket observations and bucket accounts equal", what);

	struct gs_memory ma, mb;
	gs_engine_memory(a, &ma);
	gs_engine_memory(b, &mb);
	TAP_OK(memcmp(&ma, &mb, sizeof ma) == 0, "%s: memory accounting equal (%zu bytes)", what,
	       ma.total);

	int r1, r2;
	struct buf s1 = save_engine(a, &r1), s2 = save_engine(b, &r2);
	TAP_OK(r1 == 0 && r2 == 0 && same_buf(s1, s2), "%s: snapshots byte-identical (%zu bytes)",
	       what, s1.n);
	free(s1.p);
	free(s2.p);
	free(x);
	free(y);
}

/* ---- round trip and continuation on a generated stream ------------------ */

static void engine_round_trip(enum gs_gen_format fmt, const struct gs_engine_options *o,
			      double hours, double rate, double malformed, const char *label)
{
	char what[128];
	char *path = gen_stream(fmt, 11 + (uint64_t)fmt, hours, rate, malformed);
	TAP_OK(path != NULL, "%s: generated a %s stream", label, gs_gen_format_name(fmt));
	if (!path)
		return;
	long n = count_lines(path);
	struct gs_engine *a = gs_engine_new(o);
	feed(path, 0, n / 2, &a, 1, NULL, 0);

	int r, err;
	struct buf s = save_engine(a, &r);
	TAP_EQ_INT(r, 0, "%s: saved half a stream (%ld lines, %zu bytes)", label, n / 2, s.n);
	struct gs_engine *b = load_engine(s.p, s.n, &err);
	TAP_OK(b != NULL, "%s: loaded (%s)", label, b ? "ok" : gs_strerror(err));
	free(s.p);
	if (!b) {
		gs_engine_free(a);
		unlink(path);
		return;
	}
	snprintf(what, sizeof what, "%s, after load", label);
	same_engine(a, b, what);

	struct gs_engine *both[2] = {a, b};
	feed(path, n / 2, n, both, 2, NULL, 0);
	snprintf(what, sizeof what, "%s, fed the rest", label);
	same_engine(a, b, what);

	struct gs_summary sum;
	struct gs_tag_stats *tags;
	gs_engine_summary(a, &sum);
	ptrdiff_t nt = gs_engine_tags(a, &tags);
	int dense = 0;
	for (ptrdiff_t i = 0; i < nt; i++)
		dense |= tags[i].accounts_error > 0;
	free(tags);
	printf("# %s: %llu posts, %llu tags tracked, %llu evicted, %llu reposts unresolved, %s\n",
	       label, (unsigned long long)sum.posts, (unsigned long long)sum.tags_tracked,
	       (unsigned long long)sum.tags_evicted, (unsigned long long)sum.reposts_unresolved,
	       dense ? "some sketches dense" : "all sketches exact");
	if (o && o->max_tags < 1000)
		TAP_OK(sum.tags_evicted > 0 && dense,
		       "%s: the small options evict tags and make sketches dense", label);
	gs_engine_free(a);
	gs_engine_free(b);
	unlink(path);
}

/* Merging a loaded engine gives what merging the original gives (pending
 * Bluesky reposts resolved against the earlier part, the ring carried). */
static void merge_after_load(void)
{
	char *path = gen_stream(GS_GEN_JETSTREAM, 5, 4, 1, 0);
	long n = count_lines(path);
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	o.repost_cache = 2000;
	o.max_tags = 400;
	o.top_k = 5;
	struct gs_engine *p1 = gs_engine_new(&o), *p2 = gs_engine_new(&o);
	feed(path, 0, n / 2, &p1, 1, NULL, 0);
	feed(path, n / 2, n, &p2, 1, NULL, 0);
	struct gs_summary s1, s2;
	gs_engine_summary(p1, &s1);
	gs_engine_summary(p2, &s2);
	TAP_OK(s2.reposts_unresolved > 0, "merge: the second part has pending reposts (%llu)",
	       (unsigned long long)s2.reposts_unresolved);
	int r, err;
	struct buf b1 = save_engine(p1, &r), b2 = save_engine(p2, &r);
	struct gs_engine *x = load_engine(b1.p, b1.n, &err), *y = load_engine(b1.p, b1.n, &err);
	struct gs_engine *q2 = load_engine(b2.p, b2.n, &err);
	TAP_OK(x && y && q2, "merge: parts loaded");
	if (x && y && q2) {
		TAP_EQ_INT(gs_engine_merge(x, p2), 0, "merge: original second part merged");
		TAP_EQ_INT(gs_engine_merge(y, q2), 0, "merge: loaded second part merged");
		same_engine(x, y, "merge of a loaded part");
		struct gs_summary sx;
		gs_engine_summary(x, &sx);
		TAP_OK(sx.reposts_unresolved < s1.reposts_unresolved + s2.reposts_unresolved,
		       "merge: pending reposts of the loaded part were resolved (%llu of %llu)",
		       (unsigned long long)(s1.reposts_unresolved + s2.reposts_unresolved -
					    sx.reposts_unresolved),
		       (unsigned long long)s2.reposts_unresolved);
		/* absorb: the loaded engine is taken apart as it is merged */
		struct gs_engine *z = load_engine(b1.p, b1.n, &err);
		struct gs_engine *q3 = load_engine(b2.p, b2.n, &err);
		TAP_EQ_INT(gs_engine_absorb(z, q3), 0, "merge: a loaded part absorbed");
		same_engine(x, z, "absorb of a loaded part");
		gs_engine_free(z);
	}
	gs_engine_free(x);
	gs_engine_free(y);
	gs_engine_free(q2);
	gs_engine_free(p1);
	gs_engine_free(p2);
	free(b1.p);
	free(b2.p);
	unlink(path);
}

/* A pending repost keeps its language through a snapshot, for the merge
 * that resolves it. */
static void pending_language(void)
{
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	o.repost_cache = 16;
	struct gs_engine *orig = gs_engine_new(&o), *later = gs_engine_new(&o);
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.account.p = "did:a";
	p.account.n = 5;
	p.time_ms = 1000;
	p.tags[0].p = "Lua";
	p.tags[0].n = 3;
	p.ntags = 1;
	p.post_did = p.account;
	p.post_rkey.p = "r1";
	p.post_rkey.n = 2;
	gs_engine_add(orig, &p);
	memset(&p, 0, sizeof p);
	p.account.p = "did:b";
	p.account.n = 5;
	p.time_ms = 2000;
	p.flags = GS_POST_REPOST;
	p.lang.p = "pt";
	p.lang.n = 2;
	p.repost_did.p = "did:a";
	p.repost_did.n = 5;
	p.repost_rkey.p = "r1";
	p.repost_rkey.n = 2;
	gs_engine_add(later, &p);
	int r, err;
	struct buf so = save_engine(orig, &r), sl = save_engine(later, &r);
	struct gs_engine *x = load_engine(so.p, so.n, &err), *y = load_engine(so.p, so.n, &err);
	struct gs_engine *l2 = load_engine(sl.p, sl.n, &err);
	gs_engine_merge(x, later);
	gs_engine_merge(y, l2);
	struct gs_count cx[4], cy[4];
	size_t nx = gs_engine_languages(x, "lua", cx, 4), ny = gs_engine_languages(y, "lua", cy, 4);
	TAP_OK(nx == 1 && !strcmp(cx[0].name, "pt") && same_counts(cx, nx, cy, ny),
	       "a pending repost keeps its language through a snapshot");
	same_engine(x, y, "pending repost resolved after load");
	free(so.p);
	free(sl.p);
	gs_engine_free(x);
	gs_engine_free(y);
	gs_engine_free(l2);
	gs_engine_free(orig);
	gs_engine_free(later);
}

/* ---- the live trend path, killed half-way and resumed ------------------- */

static int same_events(struct gs_trend *a, struct gs_trend *b, size_t *n)
{
	const struct gs_trend_event *x, *y;
	size_t nx = gs_trend_events(a, &x), ny = gs_trend_events(b, &y);
	*n = nx;
	/* events are zeroed before they are filled: whole structs compare */
	return nx == ny && (nx == 0 || memcmp(x, y, nx * sizeof *x) == 0);
}

static void trend_resume(enum gs_scorer scorer, const char *path, long n, long cut)
{
	const char *name = gs_scorer_name(scorer);
	struct gs_trend_options to;
	gs_trend_options_init(&to);
	to.scorer = scorer;
	struct gs_engine *e = gs_engine_new(NULL);
	struct gs_trend *t = gs_trend_new(&to, GS_MS_HOUR);
	struct gs_trend_live l, l2;
	gs_trend_live_init(&l, e, t, 0);
	struct gs_trend_live *lp = &l;
	feed(path, 0, cut, NULL, 0, &lp, 1);

	/* what serve does: the engine, the detector and its own record, one
	 * after the other in one file */
	char *fb = NULL;
	size_t fn = 0;
	FILE *f = open_memstream(&fb, &fn);
	TAP_EQ_INT(gs_engine_save(e, f), 0, "%s: engine saved", name);
	TAP_EQ_INT(gs_trend_save(t, f), 0, "%s: detector saved after it, in the same file", name);
	fwrite(&l.next, sizeof l.next, 1, f);
	fclose(f);

	int err1, err2;
	f = mem_in(fb, fn);
	struct gs_engine *e2 = gs_engine_load(f, &err1);
	struct gs_trend *t2 = gs_trend_load(f, &err2);
	int64_t next = 0;
	size_t got = fread(&next, sizeof next, 1, f);
	TAP_OK(e2 && t2 && got == 1 && next == l.next && fgetc(f) == EOF,
	       "%s: both loaded from the one file, each reading exactly its own bytes", name);
	fclose(f);
	free(fb);
	if (!e2 || !t2) {
		gs_engine_free(e);
		gs_engine_free(e2);
		gs_trend_free(t);
		gs_trend_free(t2);
		return;
	}
	size_t nev;
	TAP_OK(same_events(t, t2, &nev) && nev > 0, "%s: events equal after load (%zu)", name, nev);
	int r1, r2;
	struct buf a = save_trend(t, &r1), b = save_trend(t2, &r2);
	TAP_OK(r1 == 0 && r2 == 0 && same_buf(a, b), "%s: detector snapshots byte-identical (%zu bytes)",
	       name, a.n);
	free(a.p);
	free(b.p);

	gs_trend_live_init(&l2, e2, t2, 0);
	l2.next = l.next;
	l2.started = l.started;
	l2.late_posts = l.late_posts;
	struct gs_trend_live *ls[2] = {&l, &l2};
	feed(path, cut, n, NULL, 0, ls, 2);
	gs_trend_live_finish(&l);
	gs_trend_live_finish(&l2);
	TAP_OK(same_events(t, t2, &nev), "%s: resumed run gives the same events, all fields (%zu)",
	       name, nev);
	TAP_OK(nev > 0, "%s: there were events to compare", name);
	a = save_trend(t, &r1);
	b = save_trend(t2, &r2);
	TAP_OK(r1 == 0 && r2 == 0 && same_buf(a, b), "%s: final detector snapshots byte-identical",
	       name);
	free(a.p);
	free(b.p);
	a = save_engine(e, &r1);
	b = save_engine(e2, &r2);
	TAP_OK(r1 == 0 && r2 == 0 && same_buf(a, b), "%s: final engine snapshots byte-identical", name);
	free(a.p);
	free(b.p);

	/* and the same as a run that was never interrupted */
	struct gs_engine *e3 = gs_engine_new(NULL);
	struct gs_trend *t3 = gs_trend_new(&to, GS_MS_HOUR);
	struct gs_trend_live l3;
	gs_trend_live_init(&l3, e3, t3, 0);
	struct gs_trend_live *lp3 = &l3;
	feed(path, 0, n, NULL, 0, &lp3, 1);
	gs_trend_live_finish(&l3);
	TAP_OK(same_events(t, t3, &nev), "%s: the same events as an uninterrupted run", name);
	gs_engine_free(e3);
	gs_trend_free(t3);

	gs_engine_free(e);
	gs_engine_free(e2);
	gs_trend_free(t);
	gs_trend_free(t2);
}

/* ---- corrupt input ------------------------------------------------------ */

/* A usable engine: every query and a few more posts. */
static void exercise(struct gs_engine *e)
{
	struct gs_tag_stats *tags;
	ptrdiff_t n = gs_engine_tags(e, &tags);
	for (ptrdiff_t i = 0; i < n; i++) {
		struct gs_bucket_stats *tl;
		struct gs_count c[16];
		if (gs_engine_timeline(e, tags[i].key, &tl) >= 0)
			free(tl);
		gs_engine_cotags(e, tags[i].key, c, 16);
		gs_engine_languages(e, tags[i].key, c, 16);
		gs_engine_mentions(e, tags[i].key, c, 16);
		gs_engine_examples(e, tags[i].key, c, 16);
	}
	if (n >= 0)
		free(tags);
	struct gs_obs *obs;
	ptrdiff_t k = gs_engine_observations(e, &obs);
	for (ptrdiff_t i = 0; i < k && i < 50; i++)
		gs_engine_obs_days(e, &obs[i]);
	if (k >= 0)
		free(obs);
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.account.p = "x";
	p.account.n = 1;
	p.time_ms = INT64_C(1507852800000);
	p.tags[0].p = "MeToo";
	p.tags[0].n = 5;
	p.ntags = 1;
	p.post_did.p = p.repost_did.p = "did:x";
	p.post_did.n = p.repost_did.n = 5;
	p.post_rkey.p = "k";
	p.post_rkey.n = 1;
	gs_engine_add(e, &p);
	p.flags = GS_POST_REPOST;
	p.repost_rkey = p.post_rkey;
	gs_engine_add(e, &p);
	struct gs_engine *m = gs_engine_new_like(e);
	if (m) {
		gs_engine_merge(m, e);
		gs_engine_free(m);
	}
}

static void corrupt_engine(void)
{
	/* small: few accounts, small sketches; Bluesky for the ring and the
	 * pending reposts */
	char *path = gen_stream(GS_GEN_JETSTREAM, 3, 0.25, 0.6, 0);
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	o.hll_p = 6;
	o.bucket_hll_p = 4;
	o.repost_cache = 100;
	o.max_tags = 64;
	o.top_k = 3;
	o.bucket_ms = 5 * GS_MS_MINUTE;
	struct gs_engine *e = gs_engine_new(&o);
	feed(path, 0, count_lines(path), &e, 1, NULL, 0);
	unlink(path);
	int r, err;
	struct buf s = save_engine(e, &r);
	TAP_EQ_INT(r, 0, "corrupt: a small engine saved (%zu bytes)", s.n);
	struct gs_engine *ok = load_engine(s.p, s.n, &err);
	TAP_OK(ok != NULL, "corrupt: and it loads intact");
	gs_engine_free(ok);

	/* every cut of the first 300 bytes, then 600 more spread over the file */
	int cuts = 0, refused = 0;
	for (size_t cut = 0; cut < s.n; cut += cut < 300 ? 1 : (s.n / 600 + 1)) {
		struct gs_engine *b = load_engine(s.p, cut, &err);
		cuts++;
		refused += !b && err == GS_EFORMAT;
		gs_engine_free(b);
	}
	for (size_t cut = s.n - 8; cut < s.n; cut++) {
		struct gs_engine *b = load_engine(s.p, cut, &err);
		cuts++;
		refused += !b && err == GS_EFORMAT;
		gs_engine_free(b);
	}
	TAP_EQ_INT(refused, cuts, "corrupt: all %d truncated files refused with GS_EFORMAT", cuts);

	/* byte flips: the CRC catches every one */
	unsigned char *c = malloc(s.n);
	int flips = 0;
	refused = 0;
	for (int i = 0; i < 600; i++) {
		memcpy(c, s.p, s.n);
		size_t at = next_rand() % s.n;
		c[at] ^= (unsigned char)(1 + next_rand() % 255);
		if (i % 3 == 0) /* and a second, elsewhere */
			c[next_rand() % s.n] ^= 0x40;
		struct gs_engine *b = load_engine(c, s.n, &err);
		flips++;
		refused += !b && err == GS_EFORMAT;
		gs_engine_free(b);
	}
	TAP_EQ_INT(refused, flips, "corrupt: all %d files with flipped bytes refused with GS_EFORMAT",
		   flips);

	/* flips behind a recomputed CRC reach the field checks: refused, or a
	 * consistent engine that answers every query (ASan watches) */
	int loaded = 0, fmt = 0, other = 0;
	for (int i = 0; i < 1500; i++) {
		memcpy(c, s.p, s.n);
		int k = 1 + (int)(next_rand() % 3);
		for (int j = 0; j < k; j++) {
			size_t at = 16 + next_rand() % (s.n - 20);
			if (next_rand() % 2)
				c[at] ^= (unsigned char)(1u << (next_rand() % 8));
			else
				c[at] = (unsigned char)next_rand();
		}
		fix_crc(c, s.n);
		struct gs_engine *b = load_engine(c, s.n, &err);
		if (b) {
			loaded++;
			exercise(b);
			gs_engine_free(b);
		} else if (err == GS_EFORMAT) {
			fmt++;
		} else {
			other++;
		}
	}
	TAP_OK(other == 0 && fmt > 0, "corrupt: %d edits behind a valid CRC: %d refused, %d loaded and usable",
	       loaded + fmt + other, fmt, loaded);

	/* another version, another magic, another section, trailing bytes */
	memcpy(c, s.p, s.n);
	c[4] = 9;
	fix_crc(c, s.n);
	struct gs_engine *b = load_engine(c, s.n, &err);
	TAP_OK(!b && err == GS_EFORMAT,
	       "corrupt: version 9 refused with GS_EFORMAT");
	gs_engine_free(b);
	/* version 2's payload (links) read as version 1: bytes left over */
	memcpy(c, s.p, s.n);
	c[4] = 1;
	fix_crc(c, s.n);
	b = load_engine(c, s.n, &err);
	TAP_OK(!b && err == GS_EFORMAT,
	       "corrupt: a version 2 payload labelled version 1 refused");
	gs_engine_free(b);
	memcpy(c, s.p, s.n);
	c[4] = 0;
	fix_crc(c, s.n);
	b = load_engine(c, s.n, &err);
	TAP_OK(!b && err == GS_EFORMAT, "corrupt: version 0 refused with GS_EFORMAT");
	gs_engine_free(b);
	memcpy(c, s.p, s.n);
	c[3] = 'X';
	b = load_engine(c, s.n, &err);
	TAP_OK(!b && err == GS_EFORMAT, "corrupt: another magic refused with GS_EFORMAT");
	gs_engine_free(b);
	unsigned char *longer = malloc(s.n + 1);
	memcpy(longer, s.p, s.n - 4);
	longer[s.n - 4] = 0;
	uint64_t len = s.n - 20 + 1;
	for (int i = 0; i < 8; i++)
		longer[8 + i] = (unsigned char)(len >> (8 * i));
	fix_crc(longer, s.n + 1);
	b = load_engine(longer, s.n + 1, &err);
	TAP_OK(!b && err == GS_EFORMAT, "corrupt: a byte more in the payload refused with GS_EFORMAT");
	gs_engine_free(b);
	memcpy(c, s.p, s.n);
	c[14] = 0x40; /* a payload of 2^54 bytes: refused without allocating it */
	b = load_engine(c, s.n, &err);
	TAP_OK(!b && err == GS_EFORMAT, "corrupt: a huge claimed length refused with GS_EFORMAT");
	gs_engine_free(b);
	struct gs_trend *t = gs_trend_new(NULL, GS_MS_HOUR);
	struct buf ts = save_trend(t, &r);
	b = load_engine(ts.p, ts.n, &err);
	TAP_OK(!b && err == GS_EFORMAT, "corrupt: a detector snapshot is not an engine");
	struct gs_trend *t2 = load_trend(s.p, s.n, &err);
	TAP_OK(!t2 && err == GS_EFORMAT, "corrupt: an engine snapshot is not a detector");
	gs_trend_free(t);
	free(ts.p);

	/* I/O errors */
	char tmp[] = "/tmp/gs-test-snap-ro-XXXXXX";
	int fd = mkstemp(tmp);
	close(fd);
	FILE *ro = fopen(tmp, "r");
	TAP_EQ_INT(gs_engine_save(e, ro), GS_EIO, "save to a read-only FILE: GS_EIO");
	fclose(ro);
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		TAP_EQ_INT(gs_engine_save(e, full), GS_EIO, "save to a full device: GS_EIO");
		fclose(full);
	}
	FILE *wo = fopen(tmp, "w");
	b = gs_engine_load(wo, &err);
	TAP_OK(!b && err == GS_EIO, "load from an unreadable FILE: GS_EIO");
	fclose(wo);
	unlink(tmp);
	b = load_engine(s.p, 0, &err);
	TAP_OK(!b && err == GS_EFORMAT, "load of an empty file: GS_EFORMAT");
	/* what a load would refuse is refused when saving */
	struct gs_engine_options big;
	gs_engine_options_init(&big);
	big.repost_cache = (1u << 22) + 1;
	struct gs_engine *huge = gs_engine_new(&big), *far = gs_engine_new(NULL);
	struct gs_post fp;
	memset(&fp, 0, sizeof fp);
	fp.account.p = "a";
	fp.account.n = 1;
	fp.time_ms = INT64_C(1) << 62;
	gs_engine_add(far, &fp);
	FILE *dn = fopen("/dev/null", "w");
	TAP_OK(gs_engine_save(huge, dn) == GS_EUSAGE && gs_engine_save(far, dn) == GS_EUSAGE,
	       "save refuses what load would refuse (a huge repost cache, absurd times): GS_EUSAGE");
	fclose(dn);
	gs_engine_free(huge);
	gs_engine_free(far);
	FILE *empty = mem_in("", 0);
	TAP_OK(gs_engine_load(empty, NULL) == NULL, "err may be NULL");
	fclose(empty);

	free(longer);
	free(c);
	free(s.p);
	gs_engine_free(e);
}

static void corrupt_trend(void)
{
	/* a small significance table with some history */
	struct gs_trend_options to;
	gs_trend_options_init(&to);
	to.table_bits = 8;
	to.warmup = 2;
	struct gs_trend *t = gs_trend_new(&to, GS_MS_HOUR);
	for (int i = 0; i < 30; i++) {
		struct gs_obs v[3] = {
			{i * GS_MS_HOUR, 1, "bg", 50, 50, -1, -1},
			{i * GS_MS_HOUR, 2, "x", 5, i == 20 || i == 21 ? 80 : 5, -1, -1},
			{i * GS_MS_HOUR, 3, "y", 5, i >= 25 ? 60 : 6, -1, -1}};
		gs_trend_bucket(t, i * GS_MS_HOUR, 1000, v, 3);
	}
	const struct gs_trend_event *ev;
	size_t nev = gs_trend_events(t, &ev);
	int r, err;
	struct buf s = save_trend(t, &r);
	TAP_OK(r == 0 && nev >= 2, "corrupt trend: saved a detector with %zu events (%zu bytes)", nev,
	       s.n);
	int cuts = 0, refused = 0;
	for (size_t cut = 0; cut < s.n; cut += cut < 200 ? 1 : (s.n / 300 + 1)) {
		struct gs_trend *b = load_trend(s.p, cut, &err);
		cuts++;
		refused += !b && err == GS_EFORMAT;
		gs_trend_free(b);
	}
	TAP_EQ_INT(refused, cuts, "corrupt trend: all %d truncated files refused with GS_EFORMAT", cuts);
	unsigned char *c = malloc(s.n);
	int flips = 0, loaded = 0, fmt = 0;
	refused = 0;
	for (int i = 0; i < 300; i++) {
		memcpy(c, s.p, s.n);
		c[next_rand() % s.n] ^= (unsigned char)(1 + next_rand() % 255);
		struct gs_trend *b = load_trend(c, s.n, &err);
		flips++;
		refused += !b && err == GS_EFORMAT;
		gs_trend_free(b);
	}
	TAP_EQ_INT(refused, flips, "corrupt trend: all %d files with a flipped byte refused", flips);
	/* edits behind a valid CRC, aimed at everything but the cells */
	size_t cells_end = 16 + 4 + 8 * 4 + 12 + 16 + 8 + 1 + 16 + 24 + 8 + 16 * ((size_t)2 << 8);
	for (int i = 0; i < 1500; i++) {
		memcpy(c, s.p, s.n);
		size_t at = next_rand() % 3 ? cells_end + next_rand() % (s.n - 4 - cells_end)
					    : 16 + next_rand() % (s.n - 20);
		c[at] = (unsigned char)next_rand();
		fix_crc(c, s.n);
		struct gs_trend *b = load_trend(c, s.n, &err);
		if (b) {
			loaded++;
			const struct gs_trend_event *e2;
			gs_trend_events(b, &e2);
			struct gs_obs v = {40 * GS_MS_HOUR, 2, "x", 9, 9, 9, 1};
			gs_trend_bucket(b, 40 * GS_MS_HOUR, 1000, &v, 1);
			gs_trend_events(b, &e2);
			gs_trend_free(b);
		} else {
			fmt += err == GS_EFORMAT;
		}
	}
	TAP_OK(loaded + fmt == 1500 && fmt > 0,
	       "corrupt trend: 1500 edits behind a valid CRC: %d refused, %d loaded and usable", fmt,
	       loaded);
	memcpy(c, s.p, s.n);
	c[4] = 2;
	fix_crc(c, s.n);
	struct gs_trend *b = load_trend(c, s.n, &err);
	TAP_OK(!b && err == GS_EFORMAT, "corrupt trend: version 2 refused with GS_EFORMAT");
	char tmp[] = "/tmp/gs-test-snap-ro-XXXXXX";
	int fd = mkstemp(tmp);
	close(fd);
	FILE *ro = fopen(tmp, "r");
	TAP_EQ_INT(gs_trend_save(t, ro), GS_EIO, "trend save to a read-only FILE: GS_EIO");
	fclose(ro);
	unlink(tmp);
	free(c);
	free(s.p);
	gs_trend_free(t);
}

/* ---- sketches ------------------------------------------------------------ */

static void hll_round_trips(void)
{
	struct {
		unsigned p;
		int n;
		int with_zero;
	} cases[] = {{14, 0, 0}, {14, 1, 0}, {14, 1, 1}, {14, 300, 1}, {10, 64, 0},
		     {10, 65, 0}, {4, 3, 1}, {4, 100, 0}, {16, 4096, 1}, {16, 5000, 0}};
	int ok = 1, nc = (int)(sizeof cases / sizeof *cases);
	FILE *f = tmpfile();
	struct gs_hll h[16];
	for (int i = 0; i < nc; i++) {
		gs_hll_init(&h[i], cases[i].p);
		if (cases[i].with_zero)
			gs_hll_add(&h[i], 0);
		for (int k = cases[i].with_zero; k < cases[i].n; k++)
			gs_hll_add(&h[i], next_rand());
		ok &= gs_hll_save(&h[i], f) == 0;
	}
	rewind(f);
	for (int i = 0; i < nc; i++) {
		struct gs_hll g;
		int r = gs_hll_load(&g, f);
		unsigned char *x = malloc(gs_hll_saved_size(&h[i]));
		unsigned char *y = malloc(gs_hll_saved_size(&g));
		gs_hll_encode(&h[i], x);
		gs_hll_encode(&g, y);
		int same = r == 0 && g.p == h[i].p && g.dense == h[i].dense && g.n == h[i].n &&
			   g.cap == h[i].cap && gs_hll_estimate(&g) == gs_hll_estimate(&h[i]) &&
			   gs_hll_bytes(&g) == gs_hll_bytes(&h[i]) &&
			   gs_hll_saved_size(&g) == gs_hll_saved_size(&h[i]) &&
			   !memcmp(x, y, gs_hll_saved_size(&g)) && gs_hll_check(&g) == 0;
		/* and it goes on like the original */
		for (int k = 0; same && k < 200; k++) {
			uint64_t v = next_rand();
			gs_hll_add(&g, v);
			gs_hll_add(&h[i], v);
		}
		same = same && gs_hll_estimate(&g) == gs_hll_estimate(&h[i]);
		if (!same)
			printf("#   case %d (p %u, %d hashes) differs\n", i, cases[i].p, cases[i].n);
		ok &= same;
		free(x);
		free(y);
		gs_hll_release(&g);
	}
	TAP_OK(ok, "hll: %d sketches (empty, inline, sets with the hash 0, dense) round-trip exactly", nc);
	struct gs_hll g;
	TAP_EQ_INT(gs_hll_load(&g, f), GS_EFORMAT, "hll: load at the end of the file: GS_EFORMAT");
	gs_hll_release(&g);
	fclose(f);

	/* truncated and impossible sketches */
	size_t n = gs_hll_saved_size(&h[3]);
	unsigned char *b = malloc(n);
	gs_hll_encode(&h[3], b);
	size_t used;
	int refused = 0;
	for (size_t cut = 0; cut < n; cut++) {
		refused += gs_hll_decode(&g, b, cut, &used) == GS_EFORMAT;
		gs_hll_release(&g);
	}
	TAP_EQ_INT(refused, (long long)n, "hll: every truncation refused");
	unsigned char bad[8][7] = {
		{3, 0, 0, 0, 0, 0, 0},  /* p below the minimum */
		{17, 0, 0, 0, 0, 0, 0}, /* p above the maximum */
		{10, 2, 0, 0, 0, 0, 0}, /* unknown mode */
		{10, 0, 2, 0, 0, 0, 0}, /* two members without a table */
		{10, 0, 2, 0, 6, 0, 0}, /* a table of 6 slots */
		{10, 0, 2, 0, 0, 1, 0}, /* a table far too big for 2 members */
		{10, 0, 65, 0, 0, 1, 0}, /* more members than the exact limit */
		{10, 1, 1, 0, 0, 0, 0}, /* dense with a member count */
	};
	refused = 0;
	for (int i = 0; i < 8; i++) {
		unsigned char in[7 + 1024] = {0};
		memcpy(in, bad[i], 7);
		refused += gs_hll_decode(&g, in, sizeof in, &used) == GS_EFORMAT;
		gs_hll_release(&g);
	}
	TAP_EQ_INT(refused, 8, "hll: impossible headers refused");
	/* a member moved off its probe sequence, a register out of range */
	struct gs_hll s4;
	gs_hll_init(&s4, 10);
	for (uint64_t v = 1; v <= 3; v++)
		gs_hll_add(&s4, v << 20 | 5); /* all home in slot 5 of 8: 5, 6, 7 */
	n = gs_hll_saved_size(&s4);
	unsigned char *m = malloc(n);
	gs_hll_encode(&s4, m);
	m[7 + 20] = 1; /* the third member (home 5, at 7) claims slot 1 */
	TAP_EQ_INT(gs_hll_decode(&g, m, n, &used), GS_EFORMAT, "hll: an unreachable member refused");
	gs_hll_release(&g);
	free(m);
	gs_hll_release(&s4);
	n = gs_hll_saved_size(&h[5]);
	m = malloc(n);
	gs_hll_encode(&h[5], m);
	m[7 + 9] = 64 - 10 + 2;
	TAP_EQ_INT(gs_hll_decode(&g, m, n, &used), GS_EFORMAT, "hll: a register beyond 65 - p refused");
	gs_hll_release(&g);
	free(m);
	free(b);
	for (int i = 0; i < nc; i++)
		gs_hll_release(&h[i]);
}

/* Input may put a NUL in a tag (JSON "\u0000"): its key keeps it, and the
 * snapshot must still load, or one odd post would make a server's state
 * unloadable. */
static void nul_in_key(void)
{
	struct gs_engine *e = gs_engine_new(NULL);
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.account.p = "a";
	p.account.n = 1;
	p.time_ms = 5000;
	p.tags[0].p = "ab\0cd";
	p.tags[0].n = 5;
	p.tags[1].p = "ab";
	p.tags[1].n = 2;
	p.ntags = 2;
	p.id.p = "id\0x";
	p.id.n = 4;
	p.lang.p = "e\0n";
	p.lang.n = 3;
	gs_engine_add(e, &p);
	int r, err;
	struct buf s = save_engine(e, &r);
	struct gs_engine *b = load_engine(s.p, s.n, &err);
	struct gs_summary sa, sb;
	gs_engine_summary(e, &sa);
	if (b)
		gs_engine_summary(b, &sb);
	struct buf s2 = b ? save_engine(b, &r) : s;
	TAP_OK(b && sb.tags_tracked == 2 && memcmp(&sa, &sb, sizeof sa) == 0 && same_buf(s, s2),
	       "a tag key, id and language holding a NUL byte round-trip (%s)",
	       b ? "ok" : gs_strerror(err));
	if (b)
		free(s2.p);
	free(s.p);
	gs_engine_free(b);
	gs_engine_free(e);
}

/* ---- networks in a server's snapshot file ------------------------------- */

/* Feeds lines [from, to) of path to the engine and the networks. */
static void feed_nets(const char *path, long from, long to, struct gs_engine *e,
		      struct gs_network **ns, int nn)
{
	int err;
	struct gs_reader *r = gs_reader_open(path, 0, &err);
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	const char *line;
	size_t len;
	for (long i = 0; i < to && gs_reader_next(r, &line, &len) == 1; i++) {
		const struct gs_post *posts;
		int np = gs_parser_parse(ps, line, len, &posts);
		for (int j = 0; i >= from && j < np; j++) {
			if (e)
				gs_engine_add(e, &posts[j]);
			for (int k = 0; k < nn; k++)
				gs_network_add(ns[k], &posts[j]);
		}
	}
	gs_parser_free(ps);
	gs_reader_close(r);
}

static char *net_json(const struct gs_network *n, const char *tag)
{
	struct gs_network *x = tag ? gs_network_tag(n, tag, NULL) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = gs_network_write(x ? x : n, f, GS_NET_JSON, NULL, NULL);
	fclose(f);
	gs_network_free(x);
	if (r) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void server_sections(void)
{
	char *path = gen_stream(GS_GEN_JETSTREAM, 9, 6, 1, 0);
	long n = count_lines(path);
	struct gs_network_options po;
	gs_network_options_init(&po);
	po.per_tag = 1;
	po.max_edges = po.max_nodes = 4096; /* evicts on this stream */
	struct gs_engine *e = gs_engine_new(NULL);
	struct gs_trend *t = gs_trend_new(NULL, 3600000);
	struct gs_network *ns[4] = {gs_network_new(NULL), gs_network_new(&po), gs_network_new(NULL),
				    gs_network_new(&po)};
	feed_nets(path, 0, n / 2, e, ns, 2);
	struct buf b = {NULL, 0};
	FILE *f = open_memstream(&b.p, &b.n);
	int r = gs_engine_save(e, f);
	if (!r)
		r = gs_trend_save(t, f);
	if (!r)
		r = gs_network_save(ns[0], f);
	if (!r)
		r = gs_network_save(ns[1], f);
	fclose(f);
	TAP_EQ_INT(r, 0, "engine, detector and two networks saved in one file (%zu bytes)", b.n);
	f = mem_in(b.p, b.n);
	int err = 0;
	struct gs_engine *e2 = gs_engine_load(f, &err);
	struct gs_trend *t2 = e2 ? gs_trend_load(f, &err) : NULL;
	struct gs_network *l[2] = {NULL, NULL};
	l[0] = t2 ? gs_network_load(f, &err) : NULL;
	l[1] = l[0] ? gs_network_load(f, &err) : NULL;
	TAP_OK(l[1] && err == 0 && fgetc(f) == EOF, "and loaded back in order, to the last byte");
	fclose(f);
	feed_nets(path, n / 2, n, NULL, ns, 2);
	if (l[1])
		feed_nets(path, n / 2, n, NULL, l, 2);
	feed_nets(path, 0, n, NULL, ns + 2, 2);
	struct gs_tag_stats *top = NULL;
	ptrdiff_t nt = gs_engine_tags(e, &top); /* the engine saw the first half */
	const char *tag = nt > 0 ? top[0].key : "x";
	struct gs_network_stats st;
	gs_network_stats(ns[1], &st);
	int same = 1;
	for (int k = 0; k < 2; k++) {
		char *a = net_json(ns[k], k ? tag : NULL), *c = net_json(ns[k + 2], k ? tag : NULL);
		char *x = l[k] ? net_json(l[k], k ? tag : NULL) : NULL;
		same &= a && c && x && strcmp(a, c) == 0 && strcmp(a, x) == 0;
		free(a);
		free(c);
		free(x);
	}
	TAP_OK(same, "fed the rest, the loaded networks equal the saved and uninterrupted ones "
		     "(whole stream; per-tag #%s, %llu edges evicted)",
	       tag, (unsigned long long)st.edges_evicted);
	free(top);
	/* cut inside the last network: the engine still loads, the network not */
	f = mem_in(b.p, b.n - 9);
	struct gs_engine *e3 = gs_engine_load(f, &err);
	struct gs_trend *t3 = e3 ? gs_trend_load(f, &err) : NULL;
	struct gs_network *l3 = t3 ? gs_network_load(f, &err) : NULL;
	struct gs_network *l4 = l3 ? gs_network_load(f, &err) : NULL;
	TAP_OK(l3 && !l4 && err == GS_EFORMAT, "a file cut in its last section: that section is refused");
	fclose(f);
	gs_engine_free(e3);
	gs_trend_free(t3);
	gs_network_free(l3);
	free(b.p);
	for (int k = 0; k < 4; k++)
		gs_network_free(ns[k]);
	gs_network_free(l[0]);
	gs_network_free(l[1]);
	gs_engine_free(e);
	gs_engine_free(e2);
	gs_trend_free(t);
	gs_trend_free(t2);
	unlink(path);
}

/* What a refused snapshot says: the section, the byte, and what was wrong
 * (gs_snap_why), for each kind of damage. */
static void refusal_messages(void)
{
	struct gs_engine *e = gs_engine_new(NULL);
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.account.p = "alice";
	p.account.n = 5;
	p.time_ms = 1500000000000;
	gs_engine_add(e, &p);
	int r, err;
	struct buf s = save_engine(e, &r);
	char want[256];
	unsigned char *c = malloc(s.n + 8);
	/* a checksum mismatch names the section's bytes */
	memcpy(c, s.p, s.n);
	c[s.n / 2] ^= 0x10;
	struct gs_engine *b = load_engine(c, s.n, &err);
	snprintf(want, sizeof want,
		 "checksum mismatch in section 'GSEN' (bytes 0 to %zu)",
		 s.n - 1);
	TAP_OK(!b && err == GS_EFORMAT, "why: a flipped byte is refused");
	TAP_EQ_STR(gs_snap_why(), want, "why: the checksum, with the bytes");
	/* truncated: where the file ends */
	b = load_engine(s.p, s.n - 3, &err);
	snprintf(want, sizeof want,
		 "truncated at byte %zu (in section 'GSEN' of byte 0)",
		 s.n - 3);
	TAP_EQ_STR(gs_snap_why(), want, "why: truncated at byte N");
	b = load_engine(s.p, 7, &err);
	TAP_EQ_STR(gs_snap_why(),
		   "truncated at byte 7 (in section 'GSEN' of byte 0)",
		   "why: truncated in the header");
	b = load_engine(s.p, 0, &err);
	TAP_EQ_STR(gs_snap_why(),
		   "truncated at byte 0 (section 'GSEN' expected)",
		   "why: an empty file");
	/* another version, another magic */
	memcpy(c, s.p, s.n);
	c[4] = 9;
	fix_crc(c, s.n);
	b = load_engine(c, s.n, &err);
	TAP_EQ_STR(
		gs_snap_why(),
		"other version: section 'GSEN' is version 9, this groundswell reads versions 1 to 2",
		"why: another version");
	memcpy(c, s.p, s.n);
	c[3] = 1;
	b = load_engine(c, s.n, &err);
	TAP_EQ_STR(gs_snap_why(),
		   "not a section 'GSEN' at byte 0 (found 'GSE\\x01')",
		   "why: another magic, unprintable bytes escaped");
	/* the checksum holds, the content does not */
	memcpy(c, s.p, s.n);
	c[16] = 0; /* bucket_ms 0 */
	c[17] = c[18] = c[19] = c[20] = c[21] = c[22] = c[23] = 0;
	fix_crc(c, s.n);
	b = load_engine(c, s.n, &err);
	snprintf(
		want, sizeof want,
		"invalid content in section 'GSEN' of %zu bytes (its checksum holds)",
		s.n - 20);
	TAP_OK(!b && err == GS_EFORMAT,
	       "why: a bad field behind a good checksum is refused");
	TAP_EQ_STR(gs_snap_why(), want, "why: invalid content");
	/* trailing bytes: the section loads, the end does not */
	memcpy(c, s.p, s.n);
	memcpy(c + s.n, "garbage!", 8);
	FILE *f = mem_in(c, s.n + 8);
	b = gs_engine_load(f, &err);
	TAP_OK(b && !strcmp(gs_snap_why(), ""),
	       "why: a good section says nothing");
	r = gs_snap_end(f);
	snprintf(want, sizeof want,
		 "trailing bytes after byte %zu (the end of the last section)",
		 s.n);
	TAP_EQ_INT(r, GS_EFORMAT,
		   "trailing bytes after the last section: GS_EFORMAT");
	TAP_EQ_STR(gs_snap_why(), want, "why: trailing bytes after byte N");
	fclose(f);
	gs_engine_free(b);
	f = mem_in(s.p, s.n);
	b = gs_engine_load(f, &err);
	TAP_OK(b && gs_snap_end(f) == 0, "no trailing bytes: the end is found");
	fclose(f);
	gs_engine_free(b);
	free(c);
	free(s.p);
	gs_engine_free(e);
}

/* A FILE that cannot seek: gs_snap_write then counts the payload first. */
static ssize_t noseek_write(void *cookie, const char *p, size_t n)
{
	struct buf *b = cookie;
	char *q = realloc(b->p, b->n + n);
	if (!q)
		return -1;
	memcpy(q + b->n, p, n);
	b->p = q;
	b->n += n;
	return (ssize_t)n;
}

/* One pass (a FILE that seeks: the length put in the header afterwards)
 * and two (one that cannot) write the same bytes. */
static void one_pass_same_bytes(void)
{
	char *path = gen_stream(GS_GEN_JETSTREAM, 2, 40, 0.3, 0);
	struct gs_engine *e = gs_engine_new(NULL);
	feed(path, 0, count_lines(path), &e, 1, NULL, 0);
	unlink(path);
	int r;
	struct buf one = save_engine(e, &r);
	struct buf two = {NULL, 0};
	cookie_io_functions_t io = {.write = noseek_write};
	FILE *f = fopencookie(&two, "w", io);
	TAP_OK(f && ftello(f) < 0,
	       "a cookie FILE without seek cannot tell its position");
	int r2 = gs_engine_save(e, f);
	fclose(f);
	TAP_OK(r == 0 && r2 == 0 && one.n == two.n && one.n > 1000 &&
		       !memcmp(one.p, two.p, one.n),
	       "one pass and two write the same %zu bytes", one.n);
	free(one.p);
	free(two.p);
	gs_engine_free(e);
}

/* Every engine seed of fuzz_snapshot is a section this build reads, of
 * this version or the one before, and one of this version is saved again
 * to its own bytes: a seed written by a format never released (as three
 * branches' "version 2" were, until they merged) is a seed of refusals
 * only, and a change of layout without a new version number fails here. */
static void seeds_read(void)
{
	const char *dir = "fuzz/corpus/snapshot";
	DIR *d = opendir(dir);
	TAP_OK(d != NULL, "seeds: %s is there", dir);
	if (!d)
		return;
	int n = 0, bad = 0, current = 0, unlike = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "engine-", 7))
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f) {
			bad++;
			continue;
		}
		unsigned char head[8] = {0};
		size_t got = fread(head, 1, 8, f);
		rewind(f);
		int err = 0;
		struct gs_engine *e = gs_engine_load(f, &err);
		long end = ftell(f);
		n++;
		if (!e) {
			bad++;
			TAP_OK(0, "seeds: '%s' does not load: %s", de->d_name,
			       gs_snap_why());
		} else if (got == 8 && head[4] == 2) {
			/* this version: saved again, the same bytes */
			current++;
			char *buf = NULL;
			size_t len = 0;
			FILE *o = open_memstream(&buf, &len);
			int r = gs_engine_save(e, o);
			fclose(o);
			unsigned char *orig = malloc(len ? len : 1);
			rewind(f);
			if (r || end < 0 || (size_t)end != len || !orig ||
			    fread(orig, 1, len, f) != len ||
			    memcmp(orig, buf, len)) {
				unlike++;
				TAP_OK(0, "seeds: '%s' saved again differs",
				       de->d_name);
			}
			free(orig);
			free(buf);
		}
		gs_engine_free(e);
		fclose(f);
	}
	closedir(d);
	TAP_OK(n >= 10 && !bad && current >= 6 && !unlike,
	       "seeds: %d engine sections all load, %d of this version saved "
	       "again to their own bytes",
	       n, current);
}

/* Issue 12 part 3: version 2 adds a bucket's reposts and replies; a
 * version 1 section (a fuzz seed saved before; run from the checkout's
 * top, as tests/run.sh does) is still read, those read as 0, and saved
 * again as version 2. */
static void version1_read(void)
{
	FILE *f = fopen("fuzz/corpus/snapshot/engine-twitter1", "rb");
	TAP_OK(f != NULL, "v1: the version 1 seed is there");
	if (!f)
		return;
	unsigned char head[8];
	TAP_OK(fread(head, 1, 8, f) == 8 && head[4] == 1,
	       "v1: the seed is a version 1 section");
	rewind(f);
	int err = 0;
	struct gs_engine *e = gs_engine_load(f, &err);
	fclose(f);
	TAP_OK(e != NULL, "v1: a version 1 section is read (%s)",
	       e ? "ok" : gs_snap_why());
	if (!e)
		return;
	struct gs_tag_stats *tags;
	ptrdiff_t nt = gs_engine_tags(e, &tags);
	int zero = nt > 0, posts = 0;
	for (ptrdiff_t i = 0; i < nt && zero; i++) {
		struct gs_bucket_stats *tl;
		ptrdiff_t n = gs_engine_timeline(e, tags[i].key, &tl);
		for (ptrdiff_t k = 0; k < n; k++) {
			zero &= tl[k].reposts == 0 && tl[k].replies == 0;
			posts |= tl[k].posts > 0;
		}
		if (n >= 0)
			free(tl);
	}
	if (nt >= 0)
		free(tags);
	TAP_OK(zero && posts,
	       "v1: its buckets have posts, and 0 reposts and replies");
	int r;
	struct buf s = save_engine(e, &r);
	TAP_OK(r == 0 && s.n > 8 && s.p[4] == 2,
	       "v1: saved again as version 2");
	struct gs_engine *b = load_engine(s.p, s.n, &err);
	TAP_OK(b != NULL, "v1: and that is read back");
	if (b)
		same_engine(e, b, "v1 saved as v2");
	free(s.p);
	gs_engine_free(b);
	gs_engine_free(e);
}

int main(void)
{
	version1_read();
	seeds_read();
	hll_round_trips();
	nul_in_key();

	/* an empty engine, and one that only counted bad lines */
	struct gs_engine *e = gs_engine_new(NULL);
	gs_engine_count_malformed(e, 3);
	int r, err;
	struct buf s = save_engine(e, &r);
	struct gs_engine *b = load_engine(s.p, s.n, &err);
	TAP_OK(r == 0 && b, "an engine without posts round-trips (%zu bytes)", s.n);
	if (b)
		same_engine(e, b, "empty engine");
	free(s.p);
	gs_engine_free(e);
	gs_engine_free(b);

	/* generated streams, half fed, saved, loaded, the rest fed to both */
	struct gs_engine_options small;
	gs_engine_options_init(&small);
	small.max_tags = 300;
	small.hll_p = 10;
	small.bucket_hll_p = 5;
	small.repost_cache = 500;
	small.top_k = 3;
	small.bucket_ms = 15 * GS_MS_MINUTE;
	engine_round_trip(GS_GEN_TWITTER1, NULL, 3, 0.3, 0, "twitter1, defaults");
	engine_round_trip(GS_GEN_TWITTER2, &small, 3, 0.5, 0, "twitter2 pages, small options");
	engine_round_trip(GS_GEN_JETSTREAM, &small, 6, 1, 0, "jetstream, small options");
	engine_round_trip(GS_GEN_MASTODON_SSE, &small, 6, 0.8, 0.02,
			  "mastodon-sse with malformed lines, small options");
	merge_after_load();
	pending_language();

	/* the live trend path, stopped half-way, saved, loaded and resumed */
	char *path = gen_stream(GS_GEN_MASTODON, 4, 40, 0.25, 0);
	long n = count_lines(path);
	/* (the Mastodon scorer needs a day of history before it flags) */
	trend_resume(GS_SCORER_SIGNIFICANCE, path, n, n / 2);
	trend_resume(GS_SCORER_MASTODON, path, n, n * 3 / 4);
	unlink(path);

	corrupt_engine();
	corrupt_trend();
	server_sections();
	refusal_messages();
	one_pass_same_bytes();
	return TAP_DONE();
}
