/*
 * repost_cache.c - the Bluesky repost cache (see repost_cache.h for what
 * it holds and the rule for a post seen twice).
 *
 * Design
 *   The ring is an array of max entries filled from position 0; once full,
 *   head is the oldest and a new post replaces it (FIFO: a post is forgotten
 *   max tagged posts after it was first seen). The index is an
 *   open-addressing table of at least 2 * max slots (so at most half full),
 *   linear probing from the key's low bits, holding ring positions + 1; a
 *   forgotten post's slot is freed by backward-shift deletion, so lookups
 *   never meet tombstones. Both are allocated with the first put: most
 *   inputs are not Bluesky and never pay for them. The pending list is a
 *   plain array that doubles from 256.
 */
#include "repost_cache.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

_Static_assert(sizeof(struct gs_repost_ent) == 72,
	       "gs_engine_memory() counts 72 bytes an entry");
_Static_assert(sizeof(struct gs_repost_pending) == 32,
	       "gs_engine_memory() counts 32 bytes a pending repost");

void gs_repost_cache_init(struct gs_repost_cache *c, size_t max)
{
	memset(c, 0, sizeof *c);
	c->max = max;
}

void gs_repost_cache_release(struct gs_repost_cache *c)
{
	free(c->ring);
	free(c->idx);
	free(c->pending);
	gs_repost_cache_init(c, c->max);
}

uint64_t gs_repost_key(struct gs_str did, struct gs_str rkey)
{
	return XXH3_64bits_withSeed(rkey.p, rkey.n, XXH3_64bits(did.p, did.n));
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

int gs_repost_cache_alloc(struct gs_repost_cache *c)
{
	if (c->cap || !c->max)
		return 0;
	size_t idx_n = pow2_at_least(c->max * 2);
	c->ring = malloc(c->max * sizeof *c->ring);
	c->idx = calloc(idx_n, sizeof *c->idx);
	if (!c->ring || !c->idx) {
		free(c->ring);
		free(c->idx);
		c->ring = NULL;
		c->idx = NULL;
		return GS_ENOMEM;
	}
	c->idx_n = idx_n;
	c->cap = c->max;
	return 0;
}

/* Frees key's index slot: the entries after it in its probe run that may
 * move back do (backward-shift deletion). */
static void idx_remove(struct gs_repost_cache *c, uint64_t key)
{
	size_t mask = c->idx_n - 1;
	uint32_t *s = gs_repost_cache_slot_(c, key);
	if (!*s)
		return;
	size_t i = (size_t)(s - c->idx);
	for (;;) {
		c->idx[i] = 0;
		size_t j = i;
		for (;;) {
			j = (j + 1) & mask;
			uint32_t v = c->idx[j];
			if (!v)
				return;
			size_t home = (size_t)c->ring[v - 1].key & mask;
			/* move v back to i unless its home lies in (i, j] */
			if ((j > i && (home <= i || home > j)) ||
			    (j < i && (home <= i && home > j))) {
				c->idx[i] = v;
				i = j;
				break;
			}
		}
	}
}

int gs_repost_cache_put(struct gs_repost_cache *c,
			const struct gs_repost_ent *e)
{
	if (!c->max)
		return 0;
	if (!c->cap && gs_repost_cache_alloc(c))
		return GS_ENOMEM;
	uint32_t *s = gs_repost_cache_slot_(c, e->key);
	if (*s) { /* seen before: the latest delivery, in the first's place */
		c->ring[*s - 1] = *e;
		return 0;
	}
	size_t pos;
	if (c->n < c->cap) {
		pos = (c->head + c->n++) % c->cap;
	} else {
		pos = c->head;
		c->head = (c->head + 1) % c->cap;
		idx_remove(c, c->ring[pos].key);
		s = gs_repost_cache_slot_(c,
					  e->key); /* the shift may move it */
	}
	c->ring[pos] = *e;
	*s = (uint32_t)pos + 1;
	return 0;
}

int gs_repost_cache_restore_head(struct gs_repost_cache *c, size_t head)
{
	if (head && (head >= c->cap || c->n != c->cap))
		return GS_EFORMAT;
	c->head = head;
	return 0;
}

struct gs_repost_pending *gs_repost_cache_pend(struct gs_repost_cache *c,
					       uint64_t key, int64_t time_ms)
{
	if (c->npending >= GS_REPOST_PENDING_MAX)
		return NULL;
	if (c->npending == c->pending_cap) {
		size_t cap = c->pending_cap ? c->pending_cap * 2 : 256;
		struct gs_repost_pending *np =
			realloc(c->pending, cap * sizeof *np);
		if (!np)
			return NULL;
		c->pending = np;
		c->pending_cap = cap;
	}
	struct gs_repost_pending *pd = &c->pending[c->npending++];
	memset(pd, 0, sizeof *pd);
	pd->key = key;
	pd->time_ms = time_ms;
	return pd;
}

int gs_repost_cache_reserve_pending(struct gs_repost_cache *c, size_t cap)
{
	if (cap <= c->pending_cap)
		return 0;
	struct gs_repost_pending *np = realloc(c->pending, cap * sizeof *np);
	if (!np)
		return GS_ENOMEM;
	c->pending = np;
	c->pending_cap = cap;
	return 0;
}

size_t gs_repost_cache_bytes(const struct gs_repost_cache *c)
{
	return c->cap * sizeof *c->ring + c->idx_n * sizeof *c->idx +
	       c->pending_cap * sizeof *c->pending;
}
