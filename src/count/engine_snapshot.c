/*
 * engine_snapshot.c - an engine saved to a file and loaded back.
 *
 * gs_engine_save() writes the whole live state of an engine, and
 * gs_engine_load() makes an engine that answers every query exactly as the
 * saved one did and goes on counting exactly as it would have: what
 * `groundswell serve` needs to be killed at any moment and resume with
 * nothing lost and nothing counted twice (together with the input position,
 * which is the server's to keep; see docs/snapshot.md).
 *
 * Envelope (snapio.c; the same for gs_trend_save(), magic "GSTR"):
 *   "GSEN"  u32 version (2)  u64 payload length L  payload[L]  u32 CRC32
 * All integers are little-endian, doubles and floats are IEEE 754 bit
 * patterns. The CRC (zlib crc32) covers the 16-byte header and the payload.
 * The loader reads exactly the section's bytes (sections are
 * self-delimiting, so an engine, a trend detector and a server's own record
 * can share one file), growing its buffer with the bytes that actually
 * arrive, and verifies the CRC before it looks at a single field. Another
 * magic, another version, a short file or a CRC mismatch is GS_EFORMAT; a
 * read error GS_EIO. A change of layout is a new version number; the
 * previous version is still read (SNAP_VERSION_OLDEST).
 *
 * Payload, version 2 (version 1 lacks a bucket's reposts and replies,
 * the handles, and the tags' links and domains; it is still read, with
 * those 0 or empty) (u8/u16/u32/u64/i64/f64; "hll" is a sketch as
 * gs_hll_encode() writes it: 7-byte header, then registers or members with
 * their table slots):
 *   options   i64 bucket_ms, u64 max_tags, u32 hll_p, u32 bucket_hll_p,
 *             u64 repost_cache, u64 top_k
 *   summary   u64 posts, originals, reposts, replies, quotes, tagged_posts,
 *             tag_uses, tags_dropped, tags_invalid, malformed, skipped,
 *             reposts_unresolved, tags_tracked, tags_evicted,
 *             evicted_max_posts; f64 tags_distinct, accounts,
 *             accounts_error; i64 first_ms, last_ms, bucket_ms;
 *             u64 tag_uses_evicted
 *   sketches  hll accounts, hll tagkeys
 *   languages u16 n, n x (u8 len <= 15, bytes): the intern table, in order
 *   global    timeline (below)
 *   table     u64 nslots, u64 ntags, nslots/8 bytes of occupancy bitmap
 *             (slot i is bit i%8 of byte i/8), then the ntags tags in slot
 *             order; tags go back to their very slots, so the table (and
 *             everything that walks it: eviction, merge) is unchanged
 *   tag       u64 hash, u16 keylen, key, u64 posts, reposts, replies,
 *             quotes, posts_err, i64 first_ms, last_ms, first_id_ms,
 *             hll accounts, timeline, u8 nspellings, each (u64 count,
 *             u16 n, bytes), u8 first_id length (0xFF: none) + bytes,
 *             topk co-tags, languages, mentions (with names), reposted
 *             posts (with names), and since version 2 (issue 12 part 4)
 *             topk links (with names: URLs), domains (with names); a
 *             version 1 tag loads without them
 *   timeline  u32 n, u32 cap, n x (i64 bucket start, u64 posts,
 *             [version 2: u32 reposts, u32 replies,] hll)
 *   topk      u16 n, u16 cap, n x (u64 key, u32 count, u32 err
 *             [, u8 len, name]); a name is less than NAME_MAX_ bytes
 *             (mentions, reposted posts), URL_NAME_MAX (links) or
 *             DOM_NAME_MAX (domains)
 *   ring      u64 cap (0: not allocated yet), u64 n, u64 head, the n
 *             entries by position in the ring (the oldest is at head):
 *             u64 key, u8 ntags, ntags x (u8 spelling slot, u64 tag hash);
 *             the index is rebuilt from them
 *   pending   u64 n, u64 cap, n x (u64 key, u64 account hash, i64 time,
 *             u16 language id)
 *   handles   (version 2) u8 keep_handles (gs_engine_keep_handles), the
 *             mentioned accounts' latest handles, as gs_handles_save
 *             writes them (handles.h); version 1, still read, has none
 * Capacities (table, timelines, summaries, pending) are saved so that
 * gs_engine_memory() and the growth of every array are as before; a
 * snapshot of a loaded engine is byte for byte the snapshot it was loaded
 * from.
 *
 * Checks on load: the file is untrusted even once its CRC matches. Options
 * obey gs_engine_new()'s rules, and repost_cache <= SNAP_MAX_REPOST_CACHE
 * (the ring is allocated in full, whatever its fill); gs_engine_save()
 * refuses an engine beyond that, or with posts beyond +-2^61 ms, with
 * GS_EUSAGE, so that what is saved can always be loaded. Every count is
 * checked against what the engine can produce (capacities against their
 * growth rules; at most 4 spellings, top_k summary entries, 1,024
 * languages, 2^20 pending reposts; names shorter than their summary's
 * width, without NUL;
 * keys of 1..GS_TAG_MAX bytes whose xxh3 is the stored hash) and against
 * the bytes left before anything is allocated, so memory stays within a
 * small multiple of the file's size: the table is paid for by its bitmap
 * (64 bytes of pointers per byte), timelines and summaries by their
 * entries. Sketches are checked by gs_hll_decode(). Every tag must be found
 * by a lookup of its key in the slot it came from (no duplicates, no
 * probe gaps, ntags <= nslots / 2). Bucket times are aligned, increasing
 * and within the summary's first..last, posts and pending reposts within
 * them too (gs_engine_timeline() indexes by them), and times within
 * +-2^61 ms; language ids within the intern table, spelling slots < 4,
 * ring keys unique. Anything else is GS_EFORMAT, and a partly built engine
 * is freed. The whole payload must be consumed.
 */

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/timeutil.h"
#include "engine_int.h"
#include "input/fold.h"
#include "snapio.h"

/* 2 (issue 12): a bucket's u32 reposts, replies after its posts (part 3);
 * the handles of mentioned accounts (part 1); the tags' links and
 * domains (part 4). Version 1 is still read (its buckets' reposts and
 * replies read as 0, no handles, no links). */
#define SNAP_VERSION	      2
#define SNAP_VERSION_OLDEST   1
#define SNAP_MAX_REPOST_CACHE (1u << 22)
#define SNAP_MAX_SLOTS	      (UINT64_C(1) << 31)
#define SNAP_MAX_BUCKETS      (1u << 28)
#define SNAP_TIME_LIMIT	      (INT64_C(1) << 61)
#define SNAP_BUCKET_MIN	      23 /* bytes of the smallest saved bucket */

static void put_hll(struct gs_wr *w, const struct gs_hll *h)
{
	size_t n = gs_hll_saved_size(h);
	unsigned char *p = gs_wr_space(w, n);
	if (p)
		gs_hll_encode(h, p);
}

static void put_str8(struct gs_wr *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	gs_wr_u8(w, (uint8_t)n);
	gs_wr_bytes(w, s, n);
}

static void put_timeline(struct gs_wr *w, const struct tag *t)
{
	gs_wr_u32(w, t->tl_n);
	gs_wr_u32(w, t->tl_cap);
	for (uint32_t i = 0; i < t->tl_n; i++) {
		gs_wr_i64(w, t->tl[i].t);
		gs_wr_u64(w, t->tl[i].posts);
		gs_wr_u32(w, t->tl[i].reposts);
		gs_wr_u32(w, t->tl[i].replies);
		put_hll(w, &t->tl[i].acc);
	}
}

/* name_w: the width of the summary's names (0: none) */
static void put_topk(struct gs_wr *w, const struct topk *k, size_t name_w)
{
	gs_wr_u16(w, k->n);
	gs_wr_u16(w, k->cap);
	for (uint16_t i = 0; i < k->n; i++) {
		gs_wr_u64(w, k->v[i].key);
		gs_wr_u32(w, k->v[i].count);
		gs_wr_u32(w, k->v[i].err);
		if (name_w) {
			const char *nm = k->names ? topk_name(k, i) : NULL;
			put_str8(w, nm ? nm : "", name_w - 1);
		}
	}
}

static void put_tag(struct gs_wr *w, const struct tag *t)
{
	gs_wr_u64(w, t->hash);
	gs_wr_u16(w, t->keylen);
	gs_wr_bytes(w, t->key, t->keylen);
	gs_wr_u64(w, t->posts);
	gs_wr_u64(w, t->reposts);
	gs_wr_u64(w, t->replies);
	gs_wr_u64(w, t->quotes);
	gs_wr_u64(w, t->posts_err);
	gs_wr_i64(w, t->first_ms);
	gs_wr_i64(w, t->last_ms);
	gs_wr_i64(w, t->first_id_ms);
	if (t->acc_derived) { /* saved as the sketch it stands for */
		struct gs_hll u;
		if (gs_engine_tag_union(t, &u) && !w->err)
			w->err = GS_ENOMEM;
		put_hll(w, &u);
		gs_hll_release(&u);
	} else {
		put_hll(w, &t->accounts);
	}
	put_timeline(w, t);
	int nsp = 0;
	while (nsp < SPELLINGS_MAX && t->sp[nsp])
		nsp++;
	gs_wr_u8(w, (uint8_t)nsp);
	for (int i = 0; i < nsp; i++) {
		gs_wr_u64(w, t->sp[i]->count);
		gs_wr_u16(w, t->sp[i]->n);
		gs_wr_bytes(w, t->sp[i]->s, t->sp[i]->n);
	}
	if (t->first_id)
		put_str8(w, t->first_id, NAME_MAX_ - 1);
	else
		gs_wr_u8(w, 0xFF);
	put_topk(w, &t->cot, 0);
	put_topk(w, &t->langs, 0);
	put_topk(w, &t->ment, NAME_MAX_);
	put_topk(w, &t->rep, NAME_MAX_);
	put_topk(w, &t->urls, URL_NAME_MAX);
	put_topk(w, &t->doms, DOM_NAME_MAX);
}

static void engine_body(struct gs_wr *w, const void *obj)
{
	const struct gs_engine *e = obj;
	const struct gs_summary *s = &e->s;
	gs_wr_i64(w, e->o.bucket_ms);
	gs_wr_u64(w, e->o.max_tags);
	gs_wr_u32(w, e->o.hll_p);
	gs_wr_u32(w, e->o.bucket_hll_p);
	gs_wr_u64(w, e->o.repost_cache);
	gs_wr_u64(w, e->o.top_k);
	const uint64_t u[] = {
		s->posts,	 s->originals,	  s->reposts,
		s->replies,	 s->quotes,	  s->tagged_posts,
		s->tag_uses,	 s->tags_dropped, s->tags_invalid,
		s->malformed,	 s->skipped,	  s->reposts_unresolved,
		s->tags_tracked, s->tags_evicted, s->evicted_max_posts};
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		gs_wr_u64(w, u[i]);
	gs_wr_f64(w, s->tags_distinct);
	gs_wr_f64(w, s->accounts);
	gs_wr_f64(w, s->accounts_error);
	gs_wr_i64(w, s->first_ms);
	gs_wr_i64(w, s->last_ms);
	gs_wr_i64(w, s->bucket_ms);
	gs_wr_u64(w, e->tag_uses_evicted);
	put_hll(w, &e->accounts);
	put_hll(w, &e->tagkeys);
	gs_wr_u16(w, (uint16_t)e->nlangs);
	for (size_t i = 0; i < e->nlangs; i++)
		put_str8(w, e->langs[i], 15);
	put_timeline(w, e->global);
	gs_wr_u64(w, e->nslots);
	gs_wr_u64(w, e->ntags);
	for (size_t i = 0; i < e->nslots; i += 8) {
		uint8_t b = 0;
		for (size_t k = 0; k < 8; k++)
			if (e->slots[i + k])
				b |= (uint8_t)(1u << k);
		gs_wr_u8(w, b);
	}
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i])
			put_tag(w, e->slots[i]);
	const struct gs_repost_cache *rc = &e->rc;
	gs_wr_u64(w, rc->cap);
	gs_wr_u64(w, rc->n);
	gs_wr_u64(w, rc->head);
	for (size_t i = 0; i < rc->n; i++) {
		const struct gs_repost_ent *re = &rc->ring[i];
		gs_wr_u64(w, re->key);
		gs_wr_u8(w, re->n);
		for (uint8_t k = 0; k < re->n; k++) {
			gs_wr_u8(w, re->sp[k]);
			gs_wr_u64(w, re->tags[k]);
		}
	}
	gs_wr_u64(w, rc->npending);
	gs_wr_u64(w, rc->pending_cap);
	for (size_t i = 0; i < rc->npending; i++) {
		const struct gs_repost_pending *pd = &rc->pending[i];
		gs_wr_u64(w, pd->key);
		gs_wr_u64(w, pd->engine.ah);
		gs_wr_i64(w, pd->time_ms);
		gs_wr_u16(w, pd->engine.lid);
	}
	gs_wr_u8(w, e->keep_handles ? 1 : 0);
	gs_handles_save(w, &e->handles);
}

static int time_ok(int64_t t);

int gs_engine_save(const struct gs_engine *e, FILE *f)
{
	/* what gs_engine_load() would refuse is refused now, not at restart */
	if (e->o.repost_cache > SNAP_MAX_REPOST_CACHE ||
	    (e->s.posts && (!time_ok(e->s.first_ms) || !time_ok(e->s.last_ms))))
		return GS_EUSAGE;
	return gs_snap_write(f, "GSEN", SNAP_VERSION, engine_body, e);
}

/* -- loading -- */

#define FAIL_IF(c)                                                             \
	do {                                                                   \
		if (c)                                                         \
			return GS_EFORMAT;                                     \
	} while (0)

/* A sketch of precision p, or down to pmin (compacted buckets). */
static int get_hll_range(struct gs_rd *rd, struct gs_hll *h, unsigned pmin,
			 unsigned p)
{
	size_t used;
	int r = gs_hll_decode(h, rd->p, gs_rd_left(rd), &used);
	if (r)
		return r;
	if (h->p > p || h->p < pmin) {
		gs_hll_release(h);
		gs_hll_init(h, p);
		return GS_EFORMAT;
	}
	rd->p += used;
	return 0;
}

static int get_hll(struct gs_rd *rd, struct gs_hll *h, unsigned p)
{
	return get_hll_range(rd, h, p, p);
}

/* A string of at most max bytes without NUL into out[max + 1]. */
static int get_str8(struct gs_rd *rd, char *out, size_t max)
{
	uint8_t n = gs_rd_u8(rd);
	FAIL_IF(rd->err || n > max);
	const unsigned char *p = gs_rd_take(rd, n);
	FAIL_IF(!p || memchr(p, 0, n));
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

static int time_ok(int64_t t)
{
	return t >= -SNAP_TIME_LIMIT && t <= SNAP_TIME_LIMIT;
}

/* Is t within the engine's posts (both sentinels when it has none)? */
static int in_range(const struct gs_engine *e, int64_t t)
{
	return e->s.posts && t >= e->s.first_ms && t <= e->s.last_ms;
}

/* The version of the section being loaded (gs_engine_load, on this
 * thread). */
static _Thread_local uint32_t load_version = SNAP_VERSION;

static int get_timeline(struct gs_rd *rd, const struct gs_engine *e,
			struct tag *t)
{
	uint32_t n = gs_rd_u32(rd), cap = gs_rd_u32(rd);
	FAIL_IF(rd->err || n > SNAP_MAX_BUCKETS || n > cap ||
		(n == 0 && cap != 0) || cap > (n <= 4 ? 4 : 2 * n) ||
		gs_rd_left(rd) / SNAP_BUCKET_MIN < n);
	if (!cap)
		return 0;
	t->tl = malloc((size_t)cap * sizeof *t->tl);
	if (!t->tl)
		return GS_ENOMEM;
	t->tl_cap = cap;
	int64_t w = e->o.bucket_ms;
	int64_t b0 = gs_time_bucket(e->s.first_ms, w);
	int64_t b1 = gs_time_bucket(e->s.last_ms, w);
	for (uint32_t i = 0; i < n; i++) {
		struct bucket *b = &t->tl[i];
		b->t = gs_rd_i64(rd);
		b->posts = gs_rd_u64(rd);
		b->reposts = b->replies = 0;
		if (load_version >= 2) {
			b->reposts = gs_rd_u32(rd);
			b->replies = gs_rd_u32(rd);
		}
		FAIL_IF(rd->err || !e->s.posts || b->t < b0 || b->t > b1 ||
			gs_time_bucket(b->t, w) != b->t || b->posts == 0 ||
			(uint64_t)b->reposts + b->replies > b->posts ||
			(i && b->t <= t->tl[i - 1].t));
		gs_hll_init(&b->acc, e->o.bucket_hll_p);
		unsigned pmin = e->o.bucket_hll_p < COMPACT_P2
					? e->o.bucket_hll_p
					: COMPACT_P2;
		int r = get_hll_range(rd, &b->acc, pmin, e->o.bucket_hll_p);
		if (r) {
			gs_hll_release(&b->acc);
			return r;
		}
		t->tl_n = i + 1;
	}
	return 0;
}

/* name_w: the width of the summary's names (0: none), or TOPK_VAR for
 * names of up to var_max bytes each */
static int get_topk(struct gs_rd *rd, const struct gs_engine *e, struct topk *k,
		    size_t kmax, size_t name_w, size_t var_max, int langs)
{
	uint16_t n = gs_rd_u16(rd), cap = gs_rd_u16(rd);
	FAIL_IF(rd->err || n > cap || cap > kmax || (n == 0 && cap != 0) ||
		cap > (n <= 2 ? 2 : 2 * n) || gs_rd_left(rd) / 16 < n);
	if (!cap)
		return 0;
	k->v = malloc(cap * sizeof *k->v);
	if (!k->v)
		return GS_ENOMEM;
	if (name_w == TOPK_VAR) {
		if (!(k->vnames = calloc(cap, sizeof *k->vnames)))
			return GS_ENOMEM;
	} else if (name_w && !(k->names = calloc(cap, name_w))) {
		return GS_ENOMEM;
	}
	k->w = (uint16_t)name_w;
	k->cap = cap;
	for (uint16_t i = 0; i < n; i++) {
		struct topk_ent *v = &k->v[i];
		v->key = gs_rd_u64(rd);
		v->count = gs_rd_u32(rd);
		v->err = gs_rd_u32(rd);
		FAIL_IF(rd->err || v->err > v->count ||
			(langs && (v->key == 0 || v->key > e->nlangs)));
		if (name_w == TOPK_VAR) {
			char buf[256];
			int r = get_str8(rd, buf, var_max);
			if (r)
				return r;
			size_t len = strlen(buf);
			if (!(k->vnames[i] = malloc(len + 1)))
				return GS_ENOMEM;
			memcpy(k->vnames[i], buf, len + 1);
			k->nb = (uint16_t)(k->nb + len + 1);
		} else if (name_w) {
			int r = get_str8(rd, topk_name(k, i), name_w - 1);
			if (r)
				return r;
		}
		k->n = (uint16_t)(i + 1);
	}
	return 0;
}

/* Reads one tag into a new struct placed at *slot at once, so that a
 * failure part-way leaves it to gs_engine_free(). */
static int get_tag(struct gs_rd *rd, struct gs_engine *e, struct tag **slot,
		   uint32_t version)
{
	uint64_t hash = gs_rd_u64(rd);
	uint16_t keylen = gs_rd_u16(rd);
	FAIL_IF(rd->err || keylen == 0 || keylen > GS_TAG_MAX);
	const unsigned char *key = gs_rd_take(rd, keylen);
	/* (a key may hold a NUL: gs_fold() keeps what the input had) */
	FAIL_IF(!key || XXH3_64bits(key, keylen) != hash);
	struct tag *t = calloc(1, sizeof *t + keylen + 1);
	if (!t)
		return GS_ENOMEM;
	*slot = t;
	t->hash = hash;
	t->keylen = keylen;
	memcpy(t->key, key, keylen);
	gs_hll_init(&t->accounts, e->o.hll_p);
	t->posts = gs_rd_u64(rd);
	t->reposts = gs_rd_u64(rd);
	t->replies = gs_rd_u64(rd);
	t->quotes = gs_rd_u64(rd);
	t->posts_err = gs_rd_u64(rd);
	t->first_ms = gs_rd_i64(rd);
	t->last_ms = gs_rd_i64(rd);
	t->first_id_ms = gs_rd_i64(rd);
	FAIL_IF(rd->err || t->reposts > t->posts);
	FAIL_IF(!(t->first_ms == INT64_MAX && t->last_ms == INT64_MIN) &&
		!(in_range(e, t->first_ms) && in_range(e, t->last_ms) &&
		  t->first_ms <= t->last_ms));
	int r;
	if ((r = get_hll(rd, &t->accounts, e->o.hll_p)) ||
	    (r = get_timeline(rd, e, t)) || (r = gs_engine_tag_derive(t)))
		return r;
	uint8_t nsp = gs_rd_u8(rd);
	FAIL_IF(rd->err || nsp > SPELLINGS_MAX);
	for (uint8_t i = 0; i < nsp; i++) {
		uint64_t count = gs_rd_u64(rd);
		uint16_t n = gs_rd_u16(rd);
		FAIL_IF(rd->err || n == 0);
		const unsigned char *s = gs_rd_take(rd, n);
		FAIL_IF(!s);
		struct spelling *sp = malloc(sizeof *sp + n + 1);
		if (!sp)
			return GS_ENOMEM;
		sp->count = count;
		sp->n = n;
		memcpy(sp->s, s, n);
		sp->s[n] = 0;
		t->sp[i] = sp;
	}
	uint8_t idn = gs_rd_u8(rd);
	FAIL_IF(rd->err || (idn != 0xFF && idn >= NAME_MAX_));
	if (idn != 0xFF) {
		const unsigned char *s = gs_rd_take(rd, idn);
		FAIL_IF(!s || memchr(s, 0, idn));
		if (!(t->first_id = malloc((size_t)idn + 1)))
			return GS_ENOMEM;
		memcpy(t->first_id, s, idn);
		t->first_id[idn] = 0;
	}
	if ((r = get_topk(rd, e, &t->cot, e->o.top_k, 0, 0, 0)) ||
	    (r = get_topk(rd, e, &t->langs, e->o.top_k, 0, 0, 1)) ||
	    (r = get_topk(rd, e, &t->ment, MENTIONS_K(e), NAME_MAX_, 0, 0)) ||
	    (r = get_topk(rd, e, &t->rep, 4, NAME_MAX_, 0, 0)))
		return r;
	if (version >= 2 && ((r = get_topk(rd, e, &t->urls, URLS_K(e), TOPK_VAR,
					   URL_NAME_MAX - 1, 0)) ||
			     (r = get_topk(rd, e, &t->doms, DOMS_K(e), TOPK_VAR,
					   DOM_NAME_MAX - 1, 0))))
		return r;
	return 0;
}

static int get_table(struct gs_rd *rd, struct gs_engine *e, uint32_t version)
{
	uint64_t nslots = gs_rd_u64(rd), ntags = gs_rd_u64(rd);
	FAIL_IF(rd->err || nslots < 1024 || nslots > SNAP_MAX_SLOTS ||
		(nslots & (nslots - 1)) || ntags > nslots / 2);
	const unsigned char *bits = gs_rd_take(rd, (size_t)(nslots / 8));
	FAIL_IF(!bits);
	uint64_t set = 0;
	for (size_t i = 0; i < nslots / 8; i++)
		set += (uint64_t)__builtin_popcount(bits[i]);
	FAIL_IF(set != ntags);
	free(e->slots);
	e->nslots = 0;
	if (!(e->slots = calloc((size_t)nslots, sizeof *e->slots)))
		return GS_ENOMEM;
	e->nslots = (size_t)nslots;
	for (size_t i = 0; i < e->nslots; i++) {
		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		e->ntags++;
		int r = get_tag(rd, e, &e->slots[i], version);
		if (r)
			return r;
	}
	/* each tag where a lookup of its key lands: no duplicates, no gaps */
	for (size_t i = 0; i < e->nslots; i++) {
		const struct tag *t = e->slots[i];
		FAIL_IF(t && find_slot(e, t->hash, t->key, t->keylen) !=
				     &e->slots[i]);
	}
	return 0;
}

static int get_ring(struct gs_rd *rd, struct gs_engine *e)
{
	uint64_t cap = gs_rd_u64(rd), n = gs_rd_u64(rd), head = gs_rd_u64(rd);
	FAIL_IF(rd->err);
	if (cap == 0) {
		FAIL_IF(n || head);
		return 0;
	}
	/* the ring is allocated with its first entry, and wraps once full */
	FAIL_IF(cap != e->o.repost_cache || n == 0 || n > cap || head >= cap ||
		(head && n != cap) || gs_rd_left(rd) / 18 < n);
	if (gs_repost_cache_alloc(&e->rc))
		return GS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct gs_repost_ent re;
		memset(&re, 0, sizeof re);
		re.key = gs_rd_u64(rd);
		re.n = gs_rd_u8(rd);
		FAIL_IF(rd->err || re.n == 0 || re.n > GS_REPOST_TAGS);
		for (uint8_t k = 0; k < re.n; k++) {
			re.sp[k] = gs_rd_u8(rd);
			re.tags[k] = gs_rd_u64(rd);
			FAIL_IF(rd->err || (re.sp[k] >= SPELLINGS_MAX &&
					    re.sp[k] != 0xFF));
		}
		/* each post once; put back at position i (not full yet) */
		FAIL_IF(gs_repost_cache_find(&e->rc, re.key));
		if (gs_repost_cache_put(&e->rc, &re))
			return GS_ENOMEM;
	}
	FAIL_IF(gs_repost_cache_restore_head(&e->rc, (size_t)head));
	return 0;
}

static int get_pending(struct gs_rd *rd, struct gs_engine *e)
{
	uint64_t n = gs_rd_u64(rd), cap = gs_rd_u64(rd);
	FAIL_IF(rd->err || n > GS_REPOST_PENDING_MAX || n > cap ||
		(n == 0 && cap != 0) || cap > (n <= 256 ? 256 : 2 * n) ||
		gs_rd_left(rd) / 26 < n);
	if (!cap)
		return 0;
	/* the saved capacity, so that the list grows as it would have */
	if (gs_repost_cache_reserve_pending(&e->rc, (size_t)cap))
		return GS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t key = gs_rd_u64(rd), ah = gs_rd_u64(rd);
		int64_t time_ms = gs_rd_i64(rd);
		uint16_t lid = gs_rd_u16(rd);
		FAIL_IF(rd->err || !in_range(e, time_ms) || lid > e->nlangs);
		struct gs_repost_pending *pd =
			gs_repost_cache_pend(&e->rc, key, time_ms);
		if (!pd)
			return GS_ENOMEM;
		pd->engine.ah = ah;
		pd->engine.lid = lid;
	}
	return 0;
}

static int engine_decode(struct gs_rd *rd, uint32_t version,
			 struct gs_engine **out)
{
	struct gs_engine_options o = {0};
	o.bucket_ms = gs_rd_i64(rd);
	uint64_t max_tags = gs_rd_u64(rd);
	o.hll_p = gs_rd_u32(rd);
	o.bucket_hll_p = gs_rd_u32(rd);
	uint64_t repost_cache = gs_rd_u64(rd);
	uint64_t top_k = gs_rd_u64(rd);
	FAIL_IF(rd->err || max_tags > SIZE_MAX ||
		repost_cache > SNAP_MAX_REPOST_CACHE || top_k > 1024);
	o.max_tags = (size_t)max_tags;
	o.repost_cache = (size_t)repost_cache;
	o.top_k = (size_t)top_k;
	/* gs_engine_new() refuses what it would refuse */
	FAIL_IF(o.bucket_ms <= 0 || o.max_tags < 16 || o.hll_p < GS_HLL_P_MIN ||
		o.hll_p > GS_HLL_P_MAX || o.bucket_hll_p < GS_HLL_P_MIN ||
		o.bucket_hll_p > GS_HLL_P_MAX || o.top_k < 1);
	struct gs_engine *e = gs_engine_new(&o);
	if (!e)
		return GS_ENOMEM;
	*out = e;
	struct gs_summary *s = &e->s;
	uint64_t *u[] = {
		&s->posts,	  &s->originals,    &s->reposts,
		&s->replies,	  &s->quotes,	    &s->tagged_posts,
		&s->tag_uses,	  &s->tags_dropped, &s->tags_invalid,
		&s->malformed,	  &s->skipped,	    &s->reposts_unresolved,
		&s->tags_tracked, &s->tags_evicted, &s->evicted_max_posts};
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		*u[i] = gs_rd_u64(rd);
	s->tags_distinct = gs_rd_f64(rd);
	s->accounts = gs_rd_f64(rd);
	s->accounts_error = gs_rd_f64(rd);
	s->first_ms = gs_rd_i64(rd);
	s->last_ms = gs_rd_i64(rd);
	s->bucket_ms = gs_rd_i64(rd);
	e->tag_uses_evicted = gs_rd_u64(rd);
	FAIL_IF(rd->err || s->bucket_ms != o.bucket_ms ||
		s->reposts > s->posts);
	if (s->posts == 0)
		FAIL_IF(s->first_ms != INT64_MAX || s->last_ms != INT64_MIN);
	else
		FAIL_IF(!time_ok(s->first_ms) || !time_ok(s->last_ms) ||
			s->first_ms > s->last_ms);
	int r;
	if ((r = get_hll(rd, &e->accounts, 14)) ||
	    (r = get_hll(rd, &e->tagkeys, 14)))
		return r;
	uint16_t nl = gs_rd_u16(rd);
	FAIL_IF(rd->err || nl > LANGS_MAX);
	for (size_t i = 0; i < nl; i++) {
		if ((r = get_str8(rd, e->langs[i], 15)))
			return r;
		e->nlangs = i + 1;
	}
	if ((r = get_timeline(rd, e, e->global)) ||
	    (r = get_table(rd, e, version)) || (r = get_ring(rd, e)) ||
	    (r = get_pending(rd, e)))
		return r;
	if (load_version >= 2) {
		uint8_t keep = gs_rd_u8(rd);
		FAIL_IF(rd->err || keep > 1);
		e->keep_handles = keep;
		if ((r = gs_handles_load(rd, &e->handles)))
			return r;
		FAIL_IF(e->handles.max != e->o.max_tags);
	}
	FAIL_IF(rd->err || gs_rd_left(rd) != 0);
	return 0;
}

static int engine_decode_v(struct gs_rd *rd, uint32_t v, void **out)
{
	struct gs_engine *x = NULL;
	load_version = v;
	int r = engine_decode(rd, v, &x);
	*out = x;
	return r;
}

static void gs_engine_free_v(void *x)
{
	gs_engine_free(x);
}

struct gs_engine *gs_engine_load(FILE *f, int *err)
{
	struct gs_engine *x = gs_snap_load_since(f, "GSEN", SNAP_VERSION_OLDEST,
						 SNAP_VERSION, engine_decode_v,
						 NULL, gs_engine_free_v, err);
	if (x) {
		/* a snapshot holds sets as tables: old buckets' are packed
		 * as counting packs them (PACK_AGE_MS) */
		for (size_t i = 0; i < x->nslots; i++)
			if (x->slots[i])
				gs_engine_pack_old(x, x->slots[i]);
		gs_engine_pack_old(x, x->global);
		gs_engine_mem_recount(x);
	}
	return x;
}
