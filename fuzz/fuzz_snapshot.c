/*
 * fuzz_snapshot.c - libFuzzer target for gs_engine_load(), gs_trend_load()
 * and gs_hll_decode(): snapshots are untrusted input.
 *
 * Each input is offered as it is, and again with the CRC at the end of its
 * first section recomputed (so that the fuzzer gets past the checksum and
 * reaches the field checks), through fmemopen():
 *   - to gs_engine_load(); when it succeeds, the engine must be usable:
 *     every tag's stats, timeline, co-tags, languages, mentions and
 *     examples, links and domains, the observations and their day
 *     figures, the memory figures; a snapshot of it must be byte for byte
 *     the section it came from (the format is canonical; one of the
 *     version before is saved as the current one, and canonical from
 *     there); then more posts are counted and it
 *     is merged into a fresh engine;
 *   - to gs_trend_load(); when it succeeds, its events are read, two more
 *     buckets are closed, and its snapshot must equal the section too;
 *   - to gs_engine_load() then gs_trend_load() on the same FILE, as a
 *     server's snapshot file holds them;
 *   - to gs_langs_load() then gs_trend_langs_load() on the same FILE, as
 *     serve's snapshot holds the languages (issue 13: "GSLA" and its
 *     engines, "GSTL" and its detectors); when they succeed, every
 *     language's summary and events are read, and saving them, loading
 *     that and saving again gives the same bytes;
 *   - to gs_network_load(); when it succeeds, its snapshot must equal the
 *     section, it is written in every format (all kinds and a subset),
 *     a tag's network is extracted when it is a per-tag table, and more
 *     posts are counted into it;
 * and the raw bytes go to gs_hll_decode(), whose sketches must pass
 * gs_hll_check() and re-encode to the same bytes.
 * Failures must be GS_EFORMAT (or GS_ENOMEM), never a crash; ASan and
 * UBSan watch every step.
 *
 *   make fuzz && build-fuzz/fuzz_snapshot -max_total_time=60
 * fuzz/corpus/snapshot
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/hll.h"
#include "count/network.h"
#include "out/network_write.h"
#include "count/langs.h"
#include "detect/trend.h"
#include "detect/trend_langs.h"
#include "fuzz.h"

static FILE *open_in(const uint8_t *p, size_t n)
{
	return n ? fmemopen((void *)p, n, "r") : fopen("/dev/null", "r");
}

static int same_as_input(const uint8_t *p, size_t n, int trend, const void *obj)
{
	char *out = NULL;
	size_t on = 0;
	FILE *f = open_memstream(&out, &on);
	CHECK(f);
	int r = trend ? gs_trend_save(obj, f) : gs_engine_save(obj, f);
	fclose(f);
	size_t sec = fuzz_section_len(p, n);
	int same = r == 0 && on == sec && memcmp(out, p, on) == 0;
	/* a section of an older version still read is saved in the current
	 * one: canonical only within a version */
	if (r == 0 && on >= 8 && n >= 8 && memcmp(out + 4, p + 4, 4) != 0)
		same = 1;
	free(out);
	return same;
}

/* A loaded engine saved again is byte for byte its section; one of the
 * version before (which lacks what the next added) is saved as the
 * current version, and from there on is its own snapshot: saved, loaded
 * and saved again, the same bytes. */
static int engine_canonical(const uint8_t *p, size_t n,
			    const struct gs_engine *e)
{
	char *out = NULL;
	size_t on = 0;
	FILE *f = open_memstream(&out, &on);
	CHECK(f);
	int r = gs_engine_save(e, f);
	fclose(f);
	int same;
	if (r == 0 && on >= 8 && n >= 8 && memcmp(out + 4, p + 4, 4) != 0) {
		FILE *g = fmemopen(out, on, "r");
		int err;
		struct gs_engine *again = g ? gs_engine_load(g, &err) : NULL;
		if (g)
			fclose(g);
		same = again &&
		       same_as_input((const uint8_t *)out, on, 0, again);
		gs_engine_free(again);
	} else {
		same = same_as_input(p, n, 0, e);
	}
	free(out);
	return same;
}

static void use_engine(struct gs_engine *e, const uint8_t *p, size_t n)
{
	struct gs_summary s;
	gs_engine_summary(e, &s);
	struct gs_tag_stats *tags = NULL;
	ptrdiff_t nt = gs_engine_tags(e, &tags);
	CHECK(nt >= 0 && (uint64_t)nt == s.tags_tracked);
	for (ptrdiff_t i = 0; i < nt && i < 64; i++) {
		struct gs_bucket_stats *tl = NULL;
		ptrdiff_t k = gs_engine_timeline(e, tags[i].key, &tl);
		CHECK(k >= 0);
		free(tl);
		struct gs_count c[32];
		CHECK(gs_engine_cotags(e, tags[i].key, c, 32) <= 32);
		CHECK(gs_engine_languages(e, tags[i].key, c, 32) <= 32);
		CHECK(gs_engine_mentions(e, tags[i].key, c, 32) <= 32);
		CHECK(gs_engine_urls(e, tags[i].key, c, 32) <= 32);
		CHECK(gs_engine_domains(e, tags[i].key, c, 32) <= 32);
		CHECK(gs_engine_examples(e, tags[i].key, c, 32) <= 32);
		/* a crafted key need not be a folded spelling: found or not */
		struct gs_tag_stats one;
		gs_engine_tag(e, tags[i].key, strlen(tags[i].key), &one);
		uint64_t posts;
		double acc;
		CHECK(gs_engine_span(e, tags[i].key, s.first_ms, s.last_ms, &posts, &acc) == 0);
	}
	free(tags);
	struct gs_obs *obs = NULL;
	ptrdiff_t no = gs_engine_observations(e, &obs);
	CHECK(no >= 0);
	for (ptrdiff_t i = 0; i < no && i < 64; i++)
		CHECK(gs_engine_obs_days(e, &obs[i]) == 0);
	free(obs);
	if (s.posts) {
		gs_engine_bucket_accounts(e, s.first_ms);
		ptrdiff_t k = gs_engine_observations_at(e, s.last_ms, &obs);
		CHECK(k >= 0);
		free(obs);
	}
	struct gs_memory m;
	gs_engine_memory(e, &m);
	CHECK(engine_canonical(p, n, e));

	/* go on counting. evict_pass() reads out of bounds when max_tags < 20
	 * and no tag is old enough to evict (a bug of its own, reported), so
	 * such engines are only read. */
	if (fuzz_le64(p + 24) >= 20) {
		static char names[4][8] = {"MeToo", "metoo", "x", "y"};
		struct gs_post post;
		memset(&post, 0, sizeof post);
		post.account.p = "acct";
		post.account.n = 4;
		post.time_ms = s.posts ? s.last_ms : 1507852800000;
		post.lang.p = "en";
		post.lang.n = 2;
		for (int i = 0; i < 4; i++) {
			post.tags[i].p = names[i];
			post.tags[i].n = strlen(names[i]);
		}
		post.ntags = 4;
		post.post_did.p = post.repost_did.p = "did:x";
		post.post_did.n = post.repost_did.n = 5;
		post.post_rkey.p = "k";
		post.post_rkey.n = 1;
		post.mentions[0] = post.account;
		post.nmentions = 1;
		CHECK(gs_engine_add(e, &post) == 0);
		post.flags = GS_POST_REPOST;
		post.repost_rkey.p = "other";
		post.repost_rkey.n = 5;
		CHECK(gs_engine_add(e, &post) == 0);
		struct gs_engine *fresh = gs_engine_new_like(e);
		CHECK(fresh);
		CHECK(gs_engine_merge(fresh, e) == 0);
		gs_engine_free(fresh);
	}
}

/* Offsets in a detector section (see trend.c): the bucket width and the
 * last bucket closed. */
#define TREND_WIDTH_AT (16 + 64)
#define TREND_LAST_AT (TREND_WIDTH_AT + 8 + 1 + 8)

static void use_trend(struct gs_trend *t, const uint8_t *p)
{
	const struct gs_trend_event *ev;
	size_t ne = gs_trend_events(t, &ev);
	for (size_t i = 0; i < ne; i++)
		CHECK(strlen(ev[i].key) < sizeof ev[i].key);
	/* the next bucket, then one after a gap of two */
	int64_t w = (int64_t)fuzz_le64(p + TREND_WIDTH_AT),
		b = (int64_t)fuzz_le64(p + TREND_LAST_AT);
	if (w > INT64_C(1) << 58)
		return; /* b + 4 w would overflow (b is within +-2^61) */
	char key[sizeof ev->key] = "y";
	uint64_t hash = 2;
	if (ne) { /* borrowed across the call, which may move the events */
		memcpy(key, ev[0].key, sizeof key);
		hash = ev[0].hash;
	}
	for (int k = 1; k <= 4; k += 3) {
		struct gs_obs o[2] = {{b + k * w, 1, "x", 10, 10, 10, 2},
				      {b + k * w, hash, key, 1, 1, 1, 1}};
		CHECK(gs_trend_bucket(t, b + k * w, 100, o, 2) == 0);
		ne = gs_trend_events(t, &ev);
	}
}

static int net_same_as_input(const uint8_t *p, size_t n, const struct gs_network *net)
{
	char *out = NULL;
	size_t on = 0;
	FILE *f = open_memstream(&out, &on);
	CHECK(f);
	int r = gs_network_save(net, f);
	fclose(f);
	size_t sec = fuzz_section_len(p, n);
	int same = r == 0 && on == sec && memcmp(out, p, on) == 0;
	/* a section of an older version still read is saved in the current
	 * one: canonical only within a version */
	if (r == 0 && on >= 8 && n >= 8 && memcmp(out + 4, p + 4, 4) != 0)
		same = 1;
	free(out);
	return same;
}

static void write_all(const struct gs_network *net)
{
	FILE *f = fopen("/dev/null", "w");
	CHECK(f);
	struct gs_network_output o;
	gs_network_output_init(&o);
	for (int fmt = GS_NET_CSV; fmt <= GS_NET_SUMMARY; fmt++) {
		o.kinds = fmt % 2 ? GS_NET_REPLIES | GS_NET_QUOTES : 0;
		o.dynamic = fmt % 2;
		int r = gs_network_write(net, f, (enum gs_net_format)fmt, &o, NULL);
		CHECK(r == 0 || r == GS_ENOMEM);
	}
	fclose(f);
}

static void use_network(struct gs_network *net)
{
	write_all(net);
	struct gs_network_options o;
	gs_network_options_of(net, &o);
	if (o.per_tag) {
		int err;
		struct gs_network *x = gs_network_tag(net, "metoo", &err);
		CHECK(x || err == GS_ENOMEM);
		if (x)
			write_all(x);
		gs_network_free(x);
	}
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_JETSTREAM;
	p.time_ms = 1508097600000;
	p.account.p = "did:a";
	p.account.n = 5;
	p.mentions[0].p = "did:b";
	p.mentions[0].n = 5;
	p.nmentions = 1;
	p.tags[0].p = "MeToo";
	p.tags[0].n = 5;
	p.ntags = 1;
	p.post_did = p.account;
	p.post_rkey.p = "k";
	p.post_rkey.n = 1;
	int r = gs_network_add(net, &p);
	CHECK(r == 0 || r == GS_ENOMEM);
	p.flags = GS_POST_REPOST;
	p.ntags = 0;
	p.repost_did = p.repost_account = p.mentions[0];
	p.repost_rkey = p.post_rkey;
	r = gs_network_add(net, &p);
	CHECK(r == 0 || r == GS_ENOMEM);
	struct gs_network *m = gs_network_new_like(net);
	if (m) {
		r = gs_network_merge(m, net);
		CHECK(r == 0 || r == GS_ENOMEM);
	}
	gs_network_free(m);
}

/* The languages and their detectors saved to memory: *out (free it). */
static size_t langs_bytes(const struct gs_langs *l,
			  const struct gs_trend_langs *t, char **out)
{
	size_t on = 0;
	*out = NULL;
	FILE *f = open_memstream(out, &on);
	CHECK(f);
	int r = gs_langs_save(l, f);
	if (!r)
		r = gs_trend_langs_save(t, f);
	CHECK(r == 0 || r == GS_ENOMEM);
	fclose(f);
	return r ? 0 : on;
}

/* Loads "GSLA" + engines then "GSTL" + detectors from f with this run's
 * options (1-hour buckets); NULL and *tl NULL when either fails. */
static struct gs_langs *langs_load(FILE *f, struct gs_trend_langs **tl)
{
	int err;
	struct gs_engine_options eo;
	gs_engine_options_init(&eo);
	struct gs_trend_options to;
	gs_trend_options_init(&to);
	*tl = NULL;
	struct gs_langs *l = gs_langs_load(f, &eo, &err);
	if (!l) {
		CHECK(err == GS_EFORMAT || err == GS_ENOMEM);
		return NULL;
	}
	*tl = gs_trend_langs_load(f, l, &to, 1, &err);
	if (!*tl) {
		CHECK(err == GS_EFORMAT || err == GS_ENOMEM);
		gs_langs_free(l);
		return NULL;
	}
	return l;
}

static void try_langs(const uint8_t *p, size_t n)
{
	FILE *f = open_in(p, n);
	CHECK(f);
	struct gs_trend_langs *tl;
	struct gs_langs *l = langs_load(f, &tl);
	fclose(f);
	if (!l)
		return;
	CHECK(l->n <= l->max && tl->n <= l->n);
	size_t *order = malloc((l->n ? l->n : 1) * sizeof *order);
	CHECK(order);
	gs_langs_sorted(l, order);
	free(order);
	for (size_t i = 0; i < l->n; i++) {
		struct gs_summary s;
		gs_engine_summary(l->v[i].e, &s);
		CHECK(gs_langs_find(l, l->v[i].code) == (ptrdiff_t)i);
		const struct gs_trend_event *ev;
		size_t ne = gs_trend_langs_events(tl, i, &ev);
		for (size_t k = 0; k < ne; k++)
			CHECK(strlen(ev[k].key) < sizeof ev[k].key);
	}
	/* canonical from its first save on */
	char *a, *b;
	size_t na = langs_bytes(l, tl, &a);
	gs_trend_langs_free(tl);
	gs_langs_free(l);
	if (na) {
		f = fmemopen(a, na, "r");
		CHECK(f);
		l = langs_load(f, &tl);
		fclose(f);
		CHECK(l);
		if (l) {
			size_t nb = langs_bytes(l, tl, &b);
			CHECK(nb == 0 || (nb == na && !memcmp(a, b, na)));
			free(b);
		}
		gs_trend_langs_free(tl);
		gs_langs_free(l);
	}
	free(a);
}

static void try_sections(const uint8_t *p, size_t n)
{
	try_langs(p, n);

	int err;
	FILE *f = open_in(p, n);
	CHECK(f);
	struct gs_engine *e = gs_engine_load(f, &err);
	fclose(f);
	if (e)
		use_engine(e, p, n);
	else
		CHECK(err == GS_EFORMAT || err == GS_ENOMEM);
	gs_engine_free(e);

	f = open_in(p, n);
	CHECK(f);
	struct gs_trend *t = gs_trend_load(f, &err);
	fclose(f);
	if (t) {
		CHECK(same_as_input(p, n, 1, t));
		use_trend(t, p);
	} else {
		CHECK(err == GS_EFORMAT || err == GS_ENOMEM);
	}
	gs_trend_free(t);

	/* an engine section, then a detector section */
	f = open_in(p, n);
	CHECK(f);
	e = gs_engine_load(f, &err);
	if (e) {
		t = gs_trend_load(f, &err);
		CHECK(t || err == GS_EFORMAT || err == GS_ENOMEM);
		gs_trend_free(t);
	}
	gs_engine_free(e);
	fclose(f);

	f = open_in(p, n);
	CHECK(f);
	struct gs_network *net = gs_network_load(f, &err);
	fclose(f);
	if (net) {
		CHECK(net_same_as_input(p, n, net));
		use_network(net);
	} else {
		CHECK(err == GS_EFORMAT || err == GS_ENOMEM);
	}
	gs_network_free(net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_sections(data, size);

	uint8_t *c = fuzz_crc_fixed(data, size);
	if (c) {
		try_sections(c, size);
		free(c);
	}

	struct gs_hll h;
	size_t used;
	if (gs_hll_decode(&h, data, size, &used) == 0) {
		CHECK(gs_hll_check(&h) == 0 && used <= size);
		CHECK(gs_hll_saved_size(&h) == used);
		uint8_t *out = malloc(used);
		CHECK(out);
		gs_hll_encode(&h, out);
		CHECK(memcmp(out, data, used) == 0);
		free(out);
		gs_hll_estimate(&h);
		gs_hll_add(&h, 12345);
	}
	gs_hll_release(&h);
	return 0;
}
