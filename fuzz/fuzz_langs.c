/*
 * fuzz_langs.c - libFuzzer target for count/langs.h: the languages a post
 * is in (gs_lang_key, gs_langs_route) from untrusted language fields, the
 * cap, and the exact merge of parts.
 *
 * The input is posts, one a line, each its languages separated by ',' (the
 * first is gs_post.lang, up to three more are gs_post.langs). Checks that
 * every key is 2 to 8 lower-case letters, that each post is counted once
 * in each distinct key's engine or as other, that the cap holds, and that
 * the posts read in two parts absorbed in order, then capped, give the
 * languages and counts of a sequential read.
 *
 *   make fuzz && build-fuzz/fuzz_langs -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "count/langs.h"
#include "groundswell.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

enum { MAX_POSTS = 64, CAP = 3 };

static uint64_t posts_of(const struct gs_engine *e)
{
	struct gs_summary s;
	gs_engine_summary(e, &s);
	return s.posts;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gs_post ps[MAX_POSTS];
	size_t np = 0, i = 0;
	uint64_t pairs = 0, nolang = 0;
	while (i < size && np < MAX_POSTS) {
		size_t e = i;
		while (e < size && data[e] != '\n')
			e++;
		struct gs_post *p = &ps[np];
		memset(p, 0, sizeof *p);
		p->time_ms = INT64_C(1507852800000) + (int64_t)np * 600000;
		p->account = (struct gs_str){"fuzz", 4};
		p->ntags = 1;
		p->tags[0] = (struct gs_str){"t", 1};
		size_t k = 0, a = i;
		for (size_t j = i; j <= e && k < 4; j++) {
			if (j < e && data[j] != ',')
				continue;
			struct gs_str s = {(const char *)data + a, j - a};
			if (k == 0)
				p->lang = s;
			else
				p->langs[p->nlangs++] = s;
			k++;
			a = j + 1;
		}
		/* the distinct keys, as the reference */
		char keys[4][GS_LANG_CODE_MAX + 1];
		size_t nk = 0;
		for (size_t q = 0; q <= p->nlangs; q++) {
			struct gs_str s = q ? p->langs[q - 1] : p->lang;
			char key[GS_LANG_CODE_MAX + 1];
			size_t n = gs_lang_key(s, key);
			CHECK(n == strlen(key) &&
			      (n == 0 || (n >= 2 && n <= 8)));
			for (size_t c = 0; c < n; c++)
				CHECK(key[c] >= 'a' && key[c] <= 'z');
			size_t d = 0;
			while (n && d < nk && strcmp(keys[d], key))
				d++;
			if (n && d == nk)
				memcpy(keys[nk++], key, sizeof key);
		}
		pairs += nk;
		nolang += nk == 0;
		np++;
		i = e + 1;
	}
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	struct gs_langs *seq = gs_langs_new(&o, GS_LANGS_MAX);
	struct gs_langs *all = gs_langs_new(&o, GS_LANGS_MAX);
	struct gs_langs *live = gs_langs_new(&o, CAP);
	CHECK(seq && all && live);
	struct gs_ingest_sink sk = gs_langs_sink(all);
	void *part = sk.part_new(sk.ctx);
	CHECK(part);
	for (size_t q = 0; q < np; q++) {
		CHECK(gs_langs_add(seq, &ps[q]) == 0);
		CHECK(gs_langs_add(live, &ps[q]) == 0);
		CHECK(sk.post(q < np / 2 ? sk.ctx : part, &ps[q]) == 0);
	}
	CHECK(sk.merge(sk.ctx, part) == 0);
	sk.part_free(part);
	uint64_t counted = seq->other_posts;
	for (size_t q = 0; q < seq->n; q++)
		counted += posts_of(seq->v[q].e);
	CHECK(counted == pairs && seq->no_lang == nolang);
	CHECK(live->n <= CAP);
	gs_langs_cap(seq, CAP);
	gs_langs_cap(all, CAP);
	CHECK(seq->n == all->n && seq->n == live->n);
	CHECK(seq->other_posts == all->other_posts &&
	      seq->other_posts == live->other_posts);
	for (size_t q = 0; q < seq->n; q++) {
		CHECK(!strcmp(seq->v[q].code, all->v[q].code));
		CHECK(!strcmp(seq->v[q].code, live->v[q].code));
		CHECK(posts_of(seq->v[q].e) == posts_of(all->v[q].e));
		CHECK(posts_of(seq->v[q].e) == posts_of(live->v[q].e));
	}
	gs_langs_free(seq);
	gs_langs_free(all);
	gs_langs_free(live);
	return 0;
}
