/*
 * fuzz_cooccur.c - libFuzzer target for gs_cooccur_load(): the
 * co-occurrence counter's section of serve's state file ("GSCO") is
 * untrusted input.
 *
 * Each input is offered as it is, and again with the CRC at the end of its
 * section recomputed (so that the fuzzer reaches the field checks),
 * through fmemopen(), to a counter of the default options and one of small
 * bounds (so that loading evicts). When it loads, the counter must be
 * usable: its stats, a tag's lookup, the overlap and shared posts of the
 * tags it names, a save that loads again to the same stats, more posts
 * counted (a Bluesky repost among them) and a merge into a fresh counter.
 * Failures must be GS_EFORMAT or GS_ENOMEM, never a crash; ASan and UBSan
 * watch every step.
 *
 *   make fuzz && build-fuzz/fuzz_cooccur -max_total_time=60 fuzz/corpus/cooccur
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/cooccur.h"
#include "fuzz.h"

static void more_posts(struct gs_cooccur *c)
{
	static const char *const tags[] = {"alpha", "beta", "w1"};
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_JETSTREAM;
	p.time_ms = INT64_C(1507852800000);
	p.id = (struct gs_str){"r1", 2};
	p.account = (struct gs_str){"did:plc:a", 9};
	p.post_did = p.account;
	p.post_rkey = p.id;
	p.lang = (struct gs_str){"en", 2};
	for (int i = 0; i < 3; i++)
		p.tags[p.ntags++] = (struct gs_str){tags[i], strlen(tags[i])};
	int r = gs_cooccur_add(c, &p);
	CHECK(r == 0 || r == GS_ENOMEM);
	memset(&p.tags, 0, sizeof p.tags);
	p.ntags = 0;
	p.flags = GS_POST_REPOST;
	p.account = (struct gs_str){"did:plc:b", 9};
	p.repost_did = (struct gs_str){"did:plc:a", 9};
	p.repost_rkey = (struct gs_str){"r0", 2};
	r = gs_cooccur_add(c, &p);
	CHECK(r == 0 || r == GS_ENOMEM);
}

static void use(struct gs_cooccur *c)
{
	struct gs_cooccur_stats s;
	gs_cooccur_stats(c, &s);
	const char *keys[] = {"alpha", "beta", "w1", "metoo"};
	uint64_t hs[4], per[8], over, pair[16];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		const struct gs_cooccur_tag *t = gs_cooccur_tag(c, keys[i]);
		if (t) {
			CHECK(t->acc.n <= t->acc.k &&
			      t->nlangs <= GS_COOCCUR_LANGS);
			hs[n++] = t->hash;
		}
	}
	gs_cooccur_overlap(c, hs, n, INT64_C(1507852800000), 8, per, &over,
			   pair);
	const struct gs_cooccur_shared *sh[4];
	CHECK(gs_cooccur_shared(c, hs, n, sh, 4) <= 4);
	/* saved, it loads again to the same counts */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f);
	int r = gs_cooccur_save(c, f);
	fclose(f);
	CHECK(r == 0 || r == GS_ENOMEM);
	if (!r) {
		struct gs_cooccur_options o;
		gs_cooccur_options_of(c, &o);
		f = fmemopen(buf, len, "rb");
		CHECK(f);
		struct gs_cooccur *b = gs_cooccur_load(f, &o, &r);
		fclose(f);
		CHECK(b || r == GS_ENOMEM);
		if (b) {
			struct gs_cooccur_stats t;
			gs_cooccur_stats(b, &t);
			CHECK(t.tags == s.tags && t.combos == s.combos &&
			      t.posts == s.posts);
			gs_cooccur_free(b);
		}
	}
	free(buf);
	more_posts(c);
	struct gs_cooccur *m = gs_cooccur_new_like(c);
	if (m) {
		r = gs_cooccur_merge(m, c);
		CHECK(r == 0 || r == GS_ENOMEM);
		gs_cooccur_free(m);
	}
}

static void try_load(const uint8_t *p, size_t n)
{
	for (int small = 0; small < 2; small++) {
		struct gs_cooccur_options o;
		gs_cooccur_options_init(&o);
		if (small) {
			o.max_tags = o.max_combos = o.max_shared = 16;
			o.repost_cache = 4;
		}
		FILE *f = n ? fmemopen((void *)p, n, "rb")
			    : fopen("/dev/null", "rb");
		CHECK(f);
		int r = 0;
		struct gs_cooccur *c = gs_cooccur_load(f, &o, &r);
		fclose(f);
		CHECK(c ? r == 0 : (r == GS_EFORMAT || r == GS_ENOMEM));
		if (c)
			use(c);
		gs_cooccur_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_load(data, size);
	uint8_t *c = fuzz_crc_fixed(data, size);
	if (c) {
		try_load(c, size);
		free(c);
	}
	return 0;
}
