/*
 * fuzz_partstate.c - libFuzzer target for the records of a partition's
 * state (count/partstate.h): what serve's Kafka source reads from the
 * state topic, written by any instance or by anyone who can produce to it.
 *
 * The input is a sequence of records, each a u32 little-endian length then
 * that many bytes (the last one takes what is left). Each record goes
 * through what take_state does with it: the head read and checked, the
 * chunk added to the set of its partition (four sets, by partition mod 4),
 * in two pools: one of the reader's size and a small one (64 KiB), so that
 * sets run out of room. A whole state is loaded (engine and networks),
 * unsealed first with a fixed test key when its flags say it is sealed.
 * Checks:
 *   - a version 2 head written again from what was read reads back alike;
 *   - a pool holds exactly its sets' capacities, never past its max, and a
 *     set never more than its state's total; dropping every set empties it;
 *   - a whole state's bytes are its head's total;
 *   - a sealed state is refused without a key, a plain one with a key;
 *   - a state that loads is whole as its flags say and saves again; those
 *     bytes (sealed again when it was), cut into chunks of 1 to 4096 bytes
 *     under a fresh head and fed to a fresh set, come out whole and equal,
 *     and load again;
 *   - failures are GS_EFORMAT, GS_ENOMEM or GS_EIO, never a crash; ASan and
 *     UBSan watch every step.
 *
 *   make fuzz && build-fuzz/fuzz_partstate -max_total_time=60
 * fuzz/corpus/partstate
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/network.h"
#include "count/partstate.h"
#include "fuzz.h"

#define SETS 4

static const unsigned char test_key[GS_PARTSTATE_KEY] = {
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};

static const unsigned char *key_for(uint32_t flags)
{
	return flags & GS_PARTSTATE_SEALED ? test_key : NULL;
}

static void free_parts(struct gs_engine *e, struct gs_network *net,
		       struct gs_network *tagnet)
{
	gs_engine_free(e);
	gs_network_free(net);
	gs_network_free(tagnet);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void pool_ok(const struct gs_partstate_pool *pool,
		    const struct gs_partstate_set *sets)
{
	size_t held = 0;
	for (int i = 0; i < SETS; i++) {
		held += sets[i].cap;
		CHECK(sets[i].len <= sets[i].cap);
		CHECK(!sets[i].on || sets[i].len <= sets[i].h.total);
		CHECK(sets[i].on || !sets[i].cap);
	}
	CHECK(held == pool->held && held <= pool->max);
}

/* The state's parts saved again, in the order and form a publisher sends
 * them: a buffer the caller frees, its length in *n. */
static unsigned char *saved(const struct gs_engine *e,
			    const struct gs_network *net,
			    const struct gs_network *tagnet, size_t *n)
{
	char *buf = NULL;
	*n = 0;
	FILE *f = open_memstream(&buf, n);
	CHECK(f);
	int r = gs_engine_save(e, f);
	if (!r && net)
		r = gs_network_save(net, f);
	if (!r && tagnet)
		r = gs_network_save(tagnet, f);
	CHECK(fclose(f) == 0);
	CHECK(r == 0 || r == GS_ENOMEM);
	if (r) {
		free(buf);
		return NULL;
	}
	return (unsigned char *)buf;
}

/* The bytes b[0..n) published again in chunks of `room` bytes and read by
 * a fresh set: whole and equal. */
static void republished(const unsigned char *b, size_t n, uint32_t flags,
			size_t room)
{
	if (!n || n > GS_PARTSTATE_MAX)
		return;
	struct gs_partstate_pool pool = {0, (size_t)1 << 30};
	struct gs_partstate_set set = {0};
	uint32_t count = (uint32_t)((n + room - 1) / room);
	unsigned char *rec = malloc(GS_PARTSTATE_HEAD + room);
	CHECK(rec);
	int whole = 0;
	for (uint32_t seq = 0; seq < count; seq++) {
		size_t at = (size_t)seq * room,
		       len = n - at < room ? n - at : room;
		struct gs_partstate_head h = {.partition = 7,
					      .flags = flags,
					      .next = 41,
					      .max_ms = 1000,
					      .epoch = 3,
					      .serial = 2,
					      .seq = seq,
					      .count = count,
					      .total = n};
		gs_partstate_head_write(rec, &h);
		memcpy(rec + GS_PARTSTATE_HEAD, b + at, len);
		struct gs_partstate_head r;
		CHECK(gs_partstate_head_read(rec, GS_PARTSTATE_HEAD + len,
					     &r) == 0);
		CHECK(gs_partstate_head_check(&r, GS_PARTSTATE_HEAD + len) ==
		      0);
		int dropped;
		struct gs_partstate_whole w;
		enum gs_partstate_took t = gs_partstate_set_add(
			&set, &pool, &r, rec + r.len, len, &dropped, &w);
		CHECK(!dropped);
		if (seq + 1 < count) {
			CHECK(t == GS_PARTSTATE_MORE);
			continue;
		}
		CHECK(t == GS_PARTSTATE_WHOLE && w.n == n &&
		      !memcmp(w.b, b, n) && w.h.flags == flags &&
		      w.h.next == 41 && w.h.epoch == 3 && w.h.count == count);
		struct gs_engine *e;
		struct gs_network *net, *tagnet;
		char why[256];
		int lr = gs_partstate_load(w.b, w.n, flags, key_for(flags), &e,
					   &net, &tagnet, why, sizeof why);
		CHECK(lr == 0 || lr == GS_ENOMEM);
		free_parts(e, net, tagnet);
		whole = 1;
	}
	CHECK(whole);
	gs_partstate_set_drop(&set, &pool);
	CHECK(pool.held == 0);
	free(rec);
}

static void loaded(const struct gs_partstate_whole *w, size_t room)
{
	CHECK(w->n == w->h.total);
	struct gs_engine *e;
	struct gs_network *net, *tagnet;
	char why[256];
	uint32_t flags = w->h.flags;
	/* the key's presence must match the seal's */
	int err =
		gs_partstate_load(w->b, w->n, flags,
				  flags & GS_PARTSTATE_SEALED ? NULL : test_key,
				  &e, &net, &tagnet, why, sizeof why);
	CHECK(err == GS_EUSAGE && !e && !net && !tagnet && *why);
	err = gs_partstate_load(w->b, w->n, flags, key_for(flags), &e, &net,
				&tagnet, why, sizeof why);
	if (err) {
		CHECK(err == GS_EFORMAT || err == GS_ENOMEM || err == GS_EIO);
		CHECK(!e && !net && !tagnet && *why);
		return;
	}
	CHECK(e);
	CHECK(!!net == !!(w->h.flags & GS_PARTSTATE_NET));
	CHECK(!!tagnet == !!(w->h.flags & GS_PARTSTATE_TAGNET));
	struct gs_summary sum;
	gs_engine_summary(e, &sum);
	size_t n;
	unsigned char *b = saved(e, net, tagnet, &n);
	if (b && (flags & GS_PARTSTATE_SEALED)) {
		unsigned char *sb;
		size_t sn;
		int r = gs_partstate_seal(b, n, test_key, &sb, &sn);
		CHECK(r == 0 || r == GS_ENOMEM);
		free(b);
		b = r ? NULL : sb;
		n = sn;
	}
	if (b)
		republished(b, n, flags, room);
	free(b);
	free_parts(e, net, tagnet);
}

static void run(const uint8_t *data, size_t size, size_t max)
{
	struct gs_partstate_pool pool = {0, max};
	struct gs_partstate_set sets[SETS];
	memset(sets, 0, sizeof sets);
	size_t at = 0, room = 1 + (size ? data[0] : 0) * 16;
	while (at + 4 <= size) {
		size_t len = le32(data + at);
		at += 4;
		if (len > size - at)
			len = size - at;
		const uint8_t *rec = data + at;
		at += len;
		struct gs_partstate_head h;
		if (gs_partstate_head_read(rec, len, &h))
			continue;
		CHECK(h.len <= len);
		if (h.version == GS_PARTSTATE_VERSION) {
			unsigned char again[GS_PARTSTATE_HEAD];
			struct gs_partstate_head h2;
			gs_partstate_head_write(again, &h);
			CHECK(!memcmp(again, rec, GS_PARTSTATE_HEAD));
			CHECK(gs_partstate_head_read(again, sizeof again,
						     &h2) == 0);
			CHECK(h2.seq == h.seq && h2.total == h.total &&
			      h2.epoch == h.epoch && h2.next == h.next);
		}
		if (gs_partstate_head_check(&h, len))
			continue;
		struct gs_partstate_set *s = &sets[h.partition % SETS];
		int dropped;
		struct gs_partstate_whole w;
		enum gs_partstate_took t = gs_partstate_set_add(
			s, &pool, &h, rec + h.len, len - h.len, &dropped, &w);
		pool_ok(&pool, sets);
		if (t == GS_PARTSTATE_WHOLE) {
			loaded(&w, room);
			if (s->on)
				gs_partstate_set_drop(s, &pool);
		}
		CHECK(t != GS_PARTSTATE_NOROOM || !s->on);
		pool_ok(&pool, sets);
	}
	for (int i = 0; i < SETS; i++)
		if (sets[i].on)
			gs_partstate_set_drop(&sets[i], &pool);
	CHECK(pool.held == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, (size_t)2 << 30);
	run(data, size, (size_t)64 << 10);
	return 0;
}
