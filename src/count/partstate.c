/*
 * partstate.c - a partition's counting state as records (partstate.h: the
 * format). Heads are read field by field from the bytes (no struct
 * overlay, no alignment assumed); a set in assembly grows by doubling up
 * to its state's total, and every byte it holds is counted in its pool, so
 * that a reader fed untrusted records holds at most the pool's max.
 */
#include "count/partstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/seal.h"
#include "count/snapio.h"

/* Kafka states' own key, derived from the pseudonymisation key: never
 * usable as a snapshot's or a state file's. */
static const struct gs_seal_kind xk_kind = {
	{'G', 'S', 'X', 'K'},
	"groundswell/serve/v1 kafka state key",
	"--pseudonymize-key-file",
};

static void put_u32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *b)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static uint64_t get_u64(const unsigned char *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

void gs_partstate_head_write(unsigned char *b,
			     const struct gs_partstate_head *h)
{
	memcpy(b, GS_PARTSTATE_MAGIC, 4);
	put_u32(b + 4, GS_PARTSTATE_VERSION);
	put_u32(b + 8, h->partition);
	put_u32(b + 12, h->flags);
	put_u64(b + 16, (uint64_t)h->next);
	put_u64(b + 24, (uint64_t)h->max_ms);
	put_u64(b + 32, h->epoch);
	put_u64(b + 40, h->serial);
	put_u32(b + 48, h->seq);
	put_u32(b + 52, h->count);
	put_u64(b + 56, h->total);
}

int gs_partstate_head_read(const unsigned char *b, size_t n,
			   struct gs_partstate_head *h)
{
	if (n < GS_PARTSTATE_HEAD_V1 || memcmp(b, GS_PARTSTATE_MAGIC, 4))
		return GS_EFORMAT;
	uint32_t version = get_u32(b + 4);
	if ((version != 1 && version != GS_PARTSTATE_VERSION) ||
	    (version == GS_PARTSTATE_VERSION && n < GS_PARTSTATE_HEAD))
		return GS_EFORMAT;
	*h = (struct gs_partstate_head){
		.version = version,
		.partition = get_u32(b + 8),
		.next = (int64_t)get_u64(b + 16),
		.max_ms = (int64_t)get_u64(b + 24),
		.count = 1,
		.total = n - GS_PARTSTATE_HEAD_V1,
		.len = GS_PARTSTATE_HEAD_V1,
	};
	if (version == GS_PARTSTATE_VERSION) {
		h->flags = get_u32(b + 12);
		h->epoch = get_u64(b + 32);
		h->serial = get_u64(b + 40);
		h->seq = get_u32(b + 48);
		h->count = get_u32(b + 52);
		h->total = get_u64(b + 56);
		h->len = GS_PARTSTATE_HEAD;
	}
	return 0;
}

int gs_partstate_head_check(const struct gs_partstate_head *h, size_t n)
{
	size_t len = n - h->len;
	if (n < h->len || h->next < -1 ||
	    (h->flags &
	     ~(GS_PARTSTATE_NET | GS_PARTSTATE_TAGNET | GS_PARTSTATE_SEALED)) ||
	    !h->count || h->seq >= h->count || !h->total ||
	    h->total > GS_PARTSTATE_MAX || h->count > h->total ||
	    len > h->total)
		return GS_EFORMAT;
	return 0;
}

void gs_partstate_set_drop(struct gs_partstate_set *s,
			   struct gs_partstate_pool *pool)
{
	pool->held -= s->cap;
	free(s->b);
	*s = (struct gs_partstate_set){0};
}

/* Makes room in s for need bytes: 0, or -1 when the pool (or memory) has
 * none. Capacity doubles, never past the state's total. */
static int grow(struct gs_partstate_set *s, struct gs_partstate_pool *pool,
		size_t need)
{
	if (need <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : need;
	while (cap < need)
		cap *= 2;
	if (cap > s->h.total)
		cap = (size_t)s->h.total;
	if (pool->held - s->cap + cap > pool->max)
		return -1;
	unsigned char *nb = realloc(s->b, cap);
	if (!nb)
		return -1;
	pool->held += cap - s->cap;
	s->b = nb;
	s->cap = cap;
	return 0;
}

enum gs_partstate_took
gs_partstate_set_add(struct gs_partstate_set *s, struct gs_partstate_pool *pool,
		     const struct gs_partstate_head *h, const unsigned char *b,
		     size_t n, int *dropped, struct gs_partstate_whole *whole)
{
	*dropped = 0;
	if (h->seq == 0) { /* a new state: the one in assembly is gone */
		if (s->on) {
			*dropped = 1;
			gs_partstate_set_drop(s, pool);
		}
		if (h->count == 1) {
			if (n != h->total)
				return GS_PARTSTATE_BAD;
			*whole = (struct gs_partstate_whole){b, n, *h};
			return GS_PARTSTATE_WHOLE;
		}
		s->h = *h;
		s->on = 1;
	} else if (!s->on || s->h.epoch != h->epoch ||
		   s->h.serial != h->serial || s->h.count != h->count ||
		   s->h.total != h->total || s->h.seq != h->seq) {
		if (s->on) {
			*dropped = 1;
			gs_partstate_set_drop(s, pool);
		}
		return GS_PARTSTATE_STRAY;
	}
	if (s->len + n > s->h.total) {
		gs_partstate_set_drop(s, pool);
		return GS_PARTSTATE_BAD;
	}
	if (grow(s, pool, s->len + n)) {
		*dropped = 1;
		gs_partstate_set_drop(s, pool);
		return GS_PARTSTATE_NOROOM;
	}
	if (n)
		memcpy(s->b + s->len, b, n);
	s->len += n;
	if (++s->h.seq < s->h.count)
		return GS_PARTSTATE_MORE;
	if (s->len != s->h.total) {
		gs_partstate_set_drop(s, pool);
		return GS_PARTSTATE_BAD;
	}
	*whole = (struct gs_partstate_whole){s->b, s->len, s->h};
	whole->h.seq = 0;
	return GS_PARTSTATE_WHOLE;
}

int gs_partstate_seal(const unsigned char *p, size_t n,
		      const unsigned char *key, unsigned char **out,
		      size_t *len)
{
	char *buf = NULL;
	size_t blen = 0;
	*out = NULL;
	*len = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (!f)
		return GS_ENOMEM;
	int err = 0;
	struct gs_seal *x = gs_seal_writer(f, &xk_kind, key, &err);
	if (x) {
		err = gs_seal_write(x, p, n);
		if (!err)
			err = gs_seal_finish(x);
		gs_seal_free(x);
	}
	if (fclose(f) && !err)
		err = GS_ENOMEM;
	if (err) {
		free(buf);
		return err == GS_EUSAGE ? err : GS_ENOMEM; /* memory's only */
	}
	*out = (unsigned char *)buf;
	*len = blen;
	return 0;
}

/* The engine and networks of the plain bytes b[0..n), as flags say. */
static int load_plain(const unsigned char *b, size_t n, uint32_t flags,
		      struct gs_engine **e, struct gs_network **net,
		      struct gs_network **tagnet, char *why, size_t nwhy)
{
	FILE *f = fmemopen((void *)b, n, "r");
	if (!f)
		return GS_ENOMEM;
	int err = 0;
	*e = gs_engine_load(f, &err);
	if (*e && (flags & GS_PARTSTATE_NET))
		*net = gs_network_load(f, &err);
	if (*e && (!(flags & GS_PARTSTATE_NET) || *net) &&
	    (flags & GS_PARTSTATE_TAGNET))
		*tagnet = gs_network_load(f, &err);
	int whole = *e && (!(flags & GS_PARTSTATE_NET) || *net) &&
		    (!(flags & GS_PARTSTATE_TAGNET) || *tagnet);
	if (whole && fgetc(f) != EOF) {
		whole = 0;
		err = GS_EFORMAT;
		snprintf(why, nwhy, "bytes after its last part");
	} else if (!whole) {
		snprintf(why, nwhy, "%s",
			 *gs_snap_why() ? gs_snap_why()
					: gs_strerror(err ? err : GS_EFORMAT));
	}
	fclose(f);
	if (whole)
		return 0;
	return err ? err : GS_EFORMAT;
}

int gs_partstate_load(const unsigned char *b, size_t n, uint32_t flags,
		      const unsigned char *key, struct gs_engine **e,
		      struct gs_network **net, struct gs_network **tagnet,
		      char *why, size_t nwhy)
{
	*e = NULL;
	*net = *tagnet = NULL;
	snprintf(why, nwhy, "%s", "");
	int sealed = !!(flags & GS_PARTSTATE_SEALED), r;
	if (sealed && !key) {
		snprintf(why, nwhy,
			 "sealed under a pseudonymisation key, and this "
			 "instance has none");
		return GS_EUSAGE;
	}
	if (!sealed && key) {
		snprintf(why, nwhy,
			 "not sealed, and this instance takes only states "
			 "sealed under its pseudonymisation key");
		return GS_EUSAGE;
	}
	if (!sealed) {
		r = load_plain(b, n, flags, e, net, tagnet, why, nwhy);
	} else {
		unsigned char *plain = NULL;
		size_t len = 0;
		FILE *f = fmemopen((void *)b, n, "r");
		if (!f)
			return GS_ENOMEM;
		r = gs_seal_read_all(f, &xk_kind, key, &plain, &len, why, nwhy);
		fclose(f);
		if (!r)
			r = load_plain(plain, len, flags, e, net, tagnet, why,
				       nwhy);
		free(plain);
	}
	if (r) {
		gs_engine_free(*e);
		gs_network_free(*net);
		gs_network_free(*tagnet);
		*e = NULL;
		*net = *tagnet = NULL;
	}
	return r;
}
