/*
 * handles.c - the latest handle per account (handles.h).
 *
 * An open-addressing table (linear probing, at most half full) keyed by the
 * xxh3 of the id; each entry one allocation holding "id\0handle\0". The
 * latest sighting wins by (time, handle bytes), a total order, so merging
 * is taking the maximum per account: associative and commutative. Eviction
 * is batched (a tenth of max at once, the oldest sightings) so its sort is
 * paid once per max/10 new accounts, and depends only on the entries held,
 * never on the slots they sit in.
 */
#include "handles.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "snapio.h"

void gs_handles_init(struct gs_handles *h, size_t max)
{
	memset(h, 0, sizeof *h);
	h->max = max < 16 ? 16 : max;
}

void gs_handles_release(struct gs_handles *h)
{
	for (size_t i = 0; i < h->nslots; i++)
		free(h->v[i].s);
	free(h->v);
	size_t max = h->max;
	memset(h, 0, sizeof *h);
	h->max = max;
}

/* 1 when (ms, handle a) is later than (ms2, handle b). */
static int later(int64_t ms, const char *a, size_t an, int64_t ms2,
		 const char *b, size_t bn)
{
	if (ms != ms2)
		return ms > ms2;
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c > 0 : an > bn;
}

static struct gs_handle_ent *slot(const struct gs_handles *h, uint64_t hash,
				  const char *id, size_t len)
{
	size_t mask = h->nslots - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct gs_handle_ent *e = &h->v[i];
		if (!e->s || (e->hash == hash && e->idlen == len &&
			      memcmp(e->s, id, len) == 0))
			return e;
	}
}

/* Puts the entries of old[0..n) into a fresh table of nslots slots. */
static int rehash(struct gs_handles *h, size_t nslots)
{
	struct gs_handle_ent *v = calloc(nslots, sizeof *v);
	if (!v)
		return GS_ENOMEM;
	struct gs_handle_ent *old = h->v;
	size_t on = h->nslots;
	h->v = v;
	h->nslots = nslots;
	for (size_t i = 0; i < on; i++)
		if (old[i].s)
			*slot(h, old[i].hash, old[i].s, old[i].idlen) = old[i];
	free(old);
	return 0;
}

struct age {
	int64_t ms;
	uint64_t hash;
};

static int age_cmp(const void *a, const void *b)
{
	const struct age *x = a, *y = b;
	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return (x->hash > y->hash) - (x->hash < y->hash);
}

/* Evicts the oldest sightings until at most keep entries are left. */
static int evict(struct gs_handles *h, size_t keep)
{
	if (h->n <= keep)
		return 0;
	struct age *a = malloc(h->n * sizeof *a);
	if (!a)
		return GS_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < h->nslots; i++)
		if (h->v[i].s)
			a[k++] = (struct age){h->v[i].ms, h->v[i].hash};
	qsort(a, k, sizeof *a, age_cmp);
	struct age cut = a[k - keep - 1]; /* the newest evicted */
	free(a);
	for (size_t i = 0; i < h->nslots; i++) {
		struct gs_handle_ent *e = &h->v[i];
		struct age x = {e->ms, e->hash};
		if (e->s && age_cmp(&x, &cut) <= 0) {
			h->bytes -= (size_t)e->idlen + e->hlen + 2;
			free(e->s);
			e->s = NULL;
			h->n--;
			h->evicted++;
		}
	}
	return rehash(h, h->nslots);
}

/* Notes one sighting with a known hash. */
static int note(struct gs_handles *h, uint64_t hash, const char *id, size_t len,
		const char *hd, size_t hn, int64_t ms)
{
	if (!len || !hn)
		return 0;
	if (len > GS_HANDLE_ID_MAX || hn > GS_HANDLE_MAX) {
		h->skipped++;
		return 0;
	}
	if (!h->nslots && rehash(h, 64))
		return GS_ENOMEM;
	struct gs_handle_ent *e = slot(h, hash, id, len);
	if (e->s) {
		if (!later(ms, hd, hn, e->ms, e->s + e->idlen + 1, e->hlen))
			return 0;
		if (hn != e->hlen || memcmp(hd, e->s + len + 1, hn) != 0) {
			char *s = malloc(len + hn + 2);
			if (!s)
				return GS_ENOMEM;
			memcpy(s, id, len);
			s[len] = 0;
			memcpy(s + len + 1, hd, hn);
			s[len + 1 + hn] = 0;
			h->bytes += hn;
			h->bytes -= e->hlen;
			free(e->s);
			e->s = s;
			e->hlen = (uint16_t)hn;
		}
		e->ms = ms;
		return 0;
	}
	if (h->n >= h->max) {
		int r = evict(h, h->max - h->max / 10 - 1);
		if (r)
			return r;
		e = slot(h, hash, id, len);
	}
	if (2 * (h->n + 1) > h->nslots) {
		if (rehash(h, h->nslots * 2))
			return GS_ENOMEM;
		e = slot(h, hash, id, len);
	}
	char *s = malloc(len + hn + 2);
	if (!s)
		return GS_ENOMEM;
	memcpy(s, id, len);
	s[len] = 0;
	memcpy(s + len + 1, hd, hn);
	s[len + 1 + hn] = 0;
	*e = (struct gs_handle_ent){hash, ms, (uint16_t)len, (uint16_t)hn, s};
	h->n++;
	h->bytes += len + hn + 2;
	return 0;
}

int gs_handles_note(struct gs_handles *h, struct gs_str id,
		    struct gs_str handle, int64_t ms)
{
	if (!id.n || !handle.n)
		return 0;
	return note(h, XXH3_64bits(id.p, id.n), id.p, id.n, handle.p, handle.n,
		    ms);
}

int gs_handles_note_post(struct gs_handles *h, const struct gs_post *p,
			 unsigned what)
{
	int r = 0;
	int64_t t = p->time_ms;
	if (what & GS_HANDLES_AUTHOR)
		r = gs_handles_note(h, p->account, p->handle, t);
	if (!r && (what & GS_HANDLES_REPLY))
		r = gs_handles_note(h, p->reply_to, p->reply_to_handle, t);
	if (!r && (what & GS_HANDLES_REPOST))
		r = gs_handles_note(h, p->repost_account, p->repost_handle, t);
	if (!r && (what & GS_HANDLES_QUOTE))
		r = gs_handles_note(h, p->quote_account, p->quote_handle, t);
	for (size_t i = 0; !r && (what & GS_HANDLES_MENTIONS) &&
			   i < p->nmentions && i < GS_POST_MAX_MENTIONS;
	     i++)
		r = gs_handles_note(h, p->mentions[i], p->mention_handles[i],
				    t);
	return r;
}

const struct gs_handle_ent *gs_handles_entry(const struct gs_handles *h,
					     const char *id, size_t len)
{
	if (!h->n || !len)
		return NULL;
	const struct gs_handle_ent *e = slot(h, XXH3_64bits(id, len), id, len);
	return e->s ? e : NULL;
}

const char *gs_handles_get(const struct gs_handles *h, const char *id,
			   size_t len)
{
	const struct gs_handle_ent *e = gs_handles_entry(h, id, len);
	return e ? e->s + e->idlen + 1 : NULL;
}

int gs_handles_merge(struct gs_handles *dst, const struct gs_handles *src)
{
	/* all of src first, then one eviction: the result depends on the
	 * entries only, not on the order they arrive in */
	size_t max = dst->max;
	dst->max = SIZE_MAX;
	int r = 0;
	for (size_t i = 0; !r && i < src->nslots; i++) {
		const struct gs_handle_ent *e = &src->v[i];
		if (e->s)
			r = note(dst, e->hash, e->s, e->idlen,
				 e->s + e->idlen + 1, e->hlen, e->ms);
	}
	dst->max = max;
	dst->evicted += src->evicted;
	dst->skipped += src->skipped;
	if (!r && dst->n > max)
		r = evict(dst, max - max / 10);
	return r;
}

size_t gs_handles_memory(const struct gs_handles *h)
{
	return h->nslots * sizeof *h->v + h->bytes;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct gs_handle_ent *x = *(const struct gs_handle_ent *const *)a;
	const struct gs_handle_ent *y = *(const struct gs_handle_ent *const *)b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->idlen > y->idlen) - (x->idlen < y->idlen);
}

void gs_handles_save(struct gs_wr *w, const struct gs_handles *h)
{
	gs_wr_u64(w, h->max);
	gs_wr_u64(w, h->evicted);
	gs_wr_u64(w, h->skipped);
	gs_wr_u64(w, h->n);
	const struct gs_handle_ent **v = h->n ? malloc(h->n * sizeof *v) : NULL;
	if (h->n && !v) {
		if (!w->err)
			w->err = GS_ENOMEM;
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < h->nslots; i++)
		if (h->v[i].s)
			v[k++] = &h->v[i];
	if (k)
		qsort(v, k, sizeof *v, ent_cmp);
	for (size_t i = 0; i < k; i++) {
		gs_wr_i64(w, v[i]->ms);
		gs_wr_u16(w, v[i]->idlen);
		gs_wr_bytes(w, v[i]->s, v[i]->idlen);
		gs_wr_u16(w, v[i]->hlen);
		gs_wr_bytes(w, v[i]->s + v[i]->idlen + 1, v[i]->hlen);
	}
	free(v);
}

int gs_handles_load(struct gs_rd *r, struct gs_handles *h)
{
	uint64_t max = gs_rd_u64(r);
	h->evicted = gs_rd_u64(r);
	h->skipped = gs_rd_u64(r);
	uint64_t n = gs_rd_u64(r);
	/* each entry takes at least 14 bytes. max is the owner's table
	 * bound (an engine's max_tags, a network's max_nodes), which those
	 * load with no upper limit: one here too would refuse a snapshot they
	 * wrote (nothing is allocated by max, only by n) */
	if (r->err || max < 16 || max > SIZE_MAX || n > max ||
	    n > gs_rd_left(r) / 14)
		return GS_EFORMAT;
	h->max = (size_t)max;
	/* in the order gs_handles_save writes (ent_cmp), so that what loads
	 * saves to the same bytes */
	uint64_t prev_hash = 0;
	const unsigned char *prev = NULL;
	uint16_t prev_len = 0;
	for (uint64_t i = 0; i < n; i++) {
		int64_t ms = gs_rd_i64(r);
		uint16_t il = gs_rd_u16(r);
		const unsigned char *id = gs_rd_take(r, il);
		uint16_t hl = gs_rd_u16(r);
		const unsigned char *hd = gs_rd_take(r, hl);
		if (r->err || !il || !hl || il > GS_HANDLE_ID_MAX ||
		    hl > GS_HANDLE_MAX || memchr(id, 0, il) ||
		    memchr(hd, 0, hl))
			return GS_EFORMAT;
		size_t before = h->n;
		uint64_t hash = XXH3_64bits(id, il);
		if (prev) {
			size_t m = il < prev_len ? il : prev_len;
			int c = memcmp(prev, id, m);
			if (hash < prev_hash ||
			    (hash == prev_hash &&
			     (c > 0 || (c == 0 && prev_len >= il))))
				return GS_EFORMAT; /* out of order */
		}
		prev_hash = hash;
		prev = id;
		prev_len = il;
		if (h->nslots && slot(h, hash, (const char *)id, il)->s)
			return GS_EFORMAT; /* an id twice */
		if (note(h, hash, (const char *)id, il, (const char *)hd, hl,
			 ms))
			return GS_ENOMEM;
		if (h->n != before + 1)
			return GS_EFORMAT;
	}
	return 0;
}
