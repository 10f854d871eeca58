/*
 * test_partstate.c - unit tests of a partition's state records
 * (count/partstate.h): the head as documented (bytes read back field by
 * field), version 1 heads, the checks on every field, a state cut into
 * chunks of every size and read back whole and equal (engine alone, with
 * one and two networks), the sequence broken in every way a reader meets
 * (a new start, a stray chunk, another epoch or serial, chunks short of or
 * past the total), a pool too small, and a state with bytes after its
 * last part.
 */
#include "count/partstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/network.h"
#include "tap.h"

#define S(s) ((struct gs_str){(s), sizeof(s) - 1})

static const int64_t T0 = INT64_C(1507852800000);

/* posts of a small stream: 40 accounts, 5 tags, mentions */
static void feed(struct gs_engine *e, struct gs_network *n, int posts)
{
	static const char *tags[] = {"MeToo", "news", "music", "a", "b"};
	for (int i = 0; i < posts; i++) {
		char acc[16], to[16];
		snprintf(acc, sizeof acc, "fict-%d", 100 + i % 40);
		snprintf(to, sizeof to, "fict-%d", 100 + (i * 7) % 40);
		struct gs_post p;
		memset(&p, 0, sizeof p);
		p.account = (struct gs_str){acc, strlen(acc)};
		p.time_ms = T0 + (int64_t)i * 60000;
		p.lang = S("en");
		p.tags[p.ntags++] =
			(struct gs_str){tags[i % 5], strlen(tags[i % 5])};
		p.mentions[p.nmentions++] = (struct gs_str){to, strlen(to)};
		gs_engine_add(e, &p);
		if (n)
			gs_network_add(n, &p);
	}
}

/* e, then net and tagnet when not NULL, saved: a buffer, its length. */
static unsigned char *state_bytes(const struct gs_engine *e,
				  const struct gs_network *net,
				  const struct gs_network *tagnet, size_t *n)
{
	char *buf = NULL;
	*n = 0;
	FILE *f = open_memstream(&buf, n);
	int r = gs_engine_save(e, f);
	if (!r && net)
		r = gs_network_save(net, f);
	if (!r && tagnet)
		r = gs_network_save(tagnet, f);
	fclose(f);
	if (r) {
		free(buf);
		return NULL;
	}
	return (unsigned char *)buf;
}

/* Chunk seq of b[0..n) cut at `room` bytes, as a record: malloc'ed. */
static unsigned char *record(const unsigned char *b, size_t n, size_t room,
			     uint32_t seq, uint32_t flags, uint64_t epoch,
			     uint64_t serial, size_t *len)
{
	uint32_t count = (uint32_t)((n + room - 1) / room);
	size_t at = (size_t)seq * room, cl = n - at < room ? n - at : room;
	unsigned char *r = malloc(GS_PARTSTATE_HEAD + cl);
	struct gs_partstate_head h = {.partition = 3,
				      .flags = flags,
				      .next = 1234,
				      .max_ms = T0,
				      .epoch = epoch,
				      .serial = serial,
				      .seq = seq,
				      .count = count,
				      .total = n};
	gs_partstate_head_write(r, &h);
	memcpy(r + GS_PARTSTATE_HEAD, b + at, cl);
	*len = GS_PARTSTATE_HEAD + cl;
	return r;
}

/* Feeds record seq to s: what it took (and *dropped). */
static enum gs_partstate_took add(struct gs_partstate_set *s,
				  struct gs_partstate_pool *pool,
				  const unsigned char *b, size_t n, size_t room,
				  uint32_t seq, uint64_t epoch, uint64_t serial,
				  int *dropped, struct gs_partstate_whole *w)
{
	size_t len;
	unsigned char *r = record(b, n, room, seq, 0, epoch, serial, &len);
	struct gs_partstate_head h;
	enum gs_partstate_took t = GS_PARTSTATE_BAD;
	if (!gs_partstate_head_read(r, len, &h) &&
	    !gs_partstate_head_check(&h, len))
		t = gs_partstate_set_add(s, pool, &h, r + h.len, len - h.len,
					 dropped, w);
	/* a whole single-chunk state points into the record: copy it out */
	if (t == GS_PARTSTATE_WHOLE && w->b == r + h.len) {
		static unsigned char keep[1 << 20];
		if (w->n <= sizeof keep) {
			memcpy(keep, w->b, w->n);
			w->b = keep;
		}
	}
	free(r);
	return t;
}

static void test_head(void)
{
	unsigned char b[GS_PARTSTATE_HEAD + 3] = {0};
	struct gs_partstate_head h = {.partition = 0x01020304,
				      .flags = 3,
				      .next = -1,
				      .max_ms = INT64_MIN,
				      .epoch = 0x1112131415161718ull,
				      .serial = 9,
				      .seq = 1,
				      .count = 2,
				      .total = 5};
	gs_partstate_head_write(b, &h);
	static const unsigned char want[] = {
		'G',  'S',  'K',  'P',	2,    0,    0,	  0,	0x04, 0x03,
		0x02, 0x01, 3,	  0,	0,    0,    0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0,    0,    0,	  0,	0,    0,
		0,    0x80, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
		9,    0,    0,	  0,	0,    0,    0,	  0,	1,    0,
		0,    0,    2,	  0,	0,    0,    5,	  0,	0,    0,
		0,    0,    0,	  0};
	TAP_OK(sizeof want == GS_PARTSTATE_HEAD &&
		       !memcmp(b, want, sizeof want),
	       "a head is the documented 64 little-endian bytes");
	struct gs_partstate_head r;
	TAP_EQ_INT(gs_partstate_head_read(b, sizeof b, &r), 0,
		   "and reads back");
	TAP_OK(r.version == 2 && r.partition == h.partition && r.flags == 3 &&
		       r.next == -1 && r.max_ms == INT64_MIN &&
		       r.epoch == h.epoch && r.serial == 9 && r.seq == 1 &&
		       r.count == 2 && r.total == 5 &&
		       r.len == GS_PARTSTATE_HEAD,
	       "every field alike");
	TAP_EQ_INT(gs_partstate_head_check(&r, sizeof b), 0,
		   "3 bytes of 5 in chunk 1 of 2: in range");
	TAP_EQ_INT(gs_partstate_head_read(b, GS_PARTSTATE_HEAD - 1, &r),
		   GS_EFORMAT, "a version 2 head cut short: not a state");
	b[0] = 'X';
	TAP_EQ_INT(gs_partstate_head_read(b, sizeof b, &r), GS_EFORMAT,
		   "another magic: not a state");
	b[0] = 'G';
	b[4] = 3;
	TAP_EQ_INT(gs_partstate_head_read(b, sizeof b, &r), GS_EFORMAT,
		   "version 3: not read");
	/* version 1: 32 bytes, one chunk, the engine alone, epoch 0 */
	unsigned char v1[GS_PARTSTATE_HEAD_V1 + 10], v2[GS_PARTSTATE_HEAD];
	memset(v1, 0xaa, sizeof v1);
	gs_partstate_head_write(v2, &h); /* its first 32 bytes, version 1 */
	memcpy(v1, v2, GS_PARTSTATE_HEAD_V1);
	v1[4] = 1;
	memset(v1 + 12, 0, 4);
	TAP_EQ_INT(gs_partstate_head_read(v1, sizeof v1, &r), 0,
		   "a version 1 head reads");
	TAP_OK(r.version == 1 && r.len == GS_PARTSTATE_HEAD_V1 &&
		       r.count == 1 && r.seq == 0 && r.epoch == 0 &&
		       r.serial == 0 && r.flags == 0 && r.total == 10 &&
		       r.next == -1 && r.partition == h.partition,
	       "as one chunk of its 10 bytes, epoch 0, no networks");
	TAP_EQ_INT(gs_partstate_head_check(&r, sizeof v1), 0, "in range");

	struct gs_partstate_head ok = {.version = 2,
				       .flags = 1,
				       .next = 0,
				       .seq = 0,
				       .count = 2,
				       .total = 100,
				       .len = GS_PARTSTATE_HEAD};
	size_t n = GS_PARTSTATE_HEAD + 50;
	TAP_EQ_INT(gs_partstate_head_check(&ok, n), 0, "a good head");
	struct gs_partstate_head x;
	x = ok, x.next = -2;
	TAP_EQ_INT(gs_partstate_head_check(&x, n), GS_EFORMAT, "next -2");
	x = ok, x.flags = 8;
	TAP_EQ_INT(gs_partstate_head_check(&x, n), GS_EFORMAT,
		   "an unknown flag");
	x = ok, x.count = 0;
	TAP_EQ_INT(gs_partstate_head_check(&x, n), GS_EFORMAT, "count 0");
	x = ok, x.seq = 2;
	TAP_EQ_INT(gs_partstate_head_check(&x, n), GS_EFORMAT, "chunk 2 of 2");
	x = ok, x.total = 0;
	TAP_EQ_INT(gs_partstate_head_check(&x, GS_PARTSTATE_HEAD), GS_EFORMAT,
		   "total 0");
	x = ok, x.total = (uint64_t)GS_PARTSTATE_MAX + 1;
	TAP_EQ_INT(gs_partstate_head_check(&x, n), GS_EFORMAT,
		   "a total past 1 GiB");
	x = ok, x.count = 101;
	TAP_EQ_INT(gs_partstate_head_check(&x, n), GS_EFORMAT,
		   "more chunks than bytes");
	TAP_EQ_INT(gs_partstate_head_check(&ok, GS_PARTSTATE_HEAD + 101),
		   GS_EFORMAT, "a chunk larger than its state");
}

/* A state of e (and networks as flags say) cut at every room given, read
 * back whole, equal, and loaded to the same parts. */
static void test_round_trip(void)
{
	struct gs_engine *e = gs_engine_new(NULL); /* the defaults */
	struct gs_network *net = gs_network_new(NULL);
	feed(e, net, 600);
	for (uint32_t flags = 0; flags < 4; flags++) {
		if (flags == GS_PARTSTATE_TAGNET)
			continue; /* a per-tag network comes after the other */
		size_t n;
		unsigned char *b = state_bytes(
			e, flags & GS_PARTSTATE_NET ? net : NULL,
			flags & GS_PARTSTATE_TAGNET ? net : NULL, &n);
		if (!b) {
			TAP_OK(0, "flags %u: saved", flags);
			continue;
		}
		const size_t rooms[] = {1, 7, 4096, n - 1, n, n + 1};
		int all = 1;
		size_t most = 0;
		for (size_t i = 0; i < sizeof rooms / sizeof *rooms; i++) {
			if (rooms[i] == 1 && n > 200000)
				continue;
			struct gs_partstate_pool pool = {0, (size_t)1 << 30};
			struct gs_partstate_set s = {0};
			uint32_t count =
				(uint32_t)((n + rooms[i] - 1) / rooms[i]);
			struct gs_partstate_whole w = {0};
			int ok = 1, dropped = 0;
			for (uint32_t q = 0; q < count && ok; q++) {
				enum gs_partstate_took t =
					add(&s, &pool, b, n, rooms[i], q, 1, 0,
					    &dropped, &w);
				ok = !dropped &&
				     t == (q + 1 < count ? GS_PARTSTATE_MORE
							 : GS_PARTSTATE_WHOLE);
			}
			ok = ok && w.n == n && !memcmp(w.b, b, n) &&
			     w.h.count == count && w.h.next == 1234 &&
			     w.h.max_ms == T0;
			if (ok && pool.held > most)
				most = pool.held;
			if (s.on)
				gs_partstate_set_drop(&s, &pool);
			all &= ok && pool.held == 0;
		}
		TAP_OK(all,
		       "flags %u: %zu bytes in chunks of 1, 7, 4096, n-1, n, "
		       "n+1 bytes read back whole and equal (at most %zu "
		       "bytes held)",
		       flags, n, most);
		struct gs_engine *le;
		struct gs_network *ln, *lt;
		char why[256];
		int r = gs_partstate_load(b, n, flags, NULL, &le, &ln, &lt, why,
					  sizeof why);
		size_t n2 = 0;
		unsigned char *b2 = r ? NULL : state_bytes(le, ln, lt, &n2);
		TAP_OK(!r && le && !!ln == !!(flags & GS_PARTSTATE_NET) &&
			       !!lt == !!(flags & GS_PARTSTATE_TAGNET) &&
			       n2 == n && !memcmp(b, b2, n),
		       "flags %u: loads to the parts it says, saved again to "
		       "the same bytes",
		       flags);
		free(b2);
		gs_engine_free(le);
		gs_network_free(ln);
		gs_network_free(lt);
		/* flags that say otherwise: a network's bytes missing, or
		 * one's bytes after the last part read */
		uint32_t other = flags == 3 ? GS_PARTSTATE_NET : 3;
		r = gs_partstate_load(b, n, other, NULL, &le, &ln, &lt, why,
				      sizeof why);
		TAP_OK(r == GS_EFORMAT && !le && !ln && !lt,
		       "flags %u read as %u: refused, nothing kept", flags,
		       other);
		unsigned char *longer = malloc(n + 1);
		memcpy(longer, b, n);
		longer[n] = 'x';
		r = gs_partstate_load(longer, n + 1, flags, NULL, &le, &ln, &lt,
				      why, sizeof why);
		TAP_OK(r == GS_EFORMAT && !le && !ln && !lt,
		       "flags %u: a byte after the last part: refused", flags);
		free(longer);
		r = gs_partstate_load(b, n - 1, flags, NULL, &le, &ln, &lt, why,
				      sizeof why);
		TAP_OK(r && !le && !ln && !lt,
		       "flags %u: the last byte missing: refused (%s)", flags,
		       gs_strerror(r));
		free(b);
	}
	gs_engine_free(e);
	gs_network_free(net);
}

/* The sequence broken as a reader meets it. */
static void test_sequence(void)
{
	unsigned char b[1000];
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (unsigned char)(i * 31);
	size_t n = sizeof b, room = 300; /* 4 chunks */
	struct gs_partstate_pool pool = {0, (size_t)1 << 30};
	struct gs_partstate_set s = {0};
	struct gs_partstate_whole w;
	int d;

	TAP_EQ_INT(add(&s, &pool, b, n, room, 1, 1, 0, &d, &w),
		   GS_PARTSTATE_STRAY, "chunk 1 without chunk 0: stray");
	TAP_OK(!d && !s.on && pool.held == 0, "nothing held, nothing dropped");

	add(&s, &pool, b, n, room, 0, 1, 0, &d, &w);
	add(&s, &pool, b, n, room, 1, 1, 0, &d, &w);
	TAP_OK(s.on && s.len == 600 && pool.held == s.cap && s.cap >= 600,
	       "two chunks held (%zu bytes of room)", s.cap);
	TAP_EQ_INT(add(&s, &pool, b, n, room, 3, 1, 0, &d, &w),
		   GS_PARTSTATE_STRAY, "chunk 3 after chunk 1: stray");
	TAP_OK(d && !s.on && pool.held == 0, "and the set is dropped");

	add(&s, &pool, b, n, room, 0, 1, 0, &d, &w);
	TAP_EQ_INT(add(&s, &pool, b, n, room, 1, 2, 0, &d, &w),
		   GS_PARTSTATE_STRAY, "chunk 1 of another epoch: stray");
	TAP_OK(d && !s.on, "the set is dropped");
	add(&s, &pool, b, n, room, 0, 1, 0, &d, &w);
	TAP_EQ_INT(add(&s, &pool, b, n, room, 1, 1, 5, &d, &w),
		   GS_PARTSTATE_STRAY, "chunk 1 of another serial: stray");
	TAP_OK(d && !s.on, "the set is dropped");

	add(&s, &pool, b, n, room, 0, 1, 0, &d, &w);
	add(&s, &pool, b, n, room, 1, 1, 0, &d, &w);
	TAP_EQ_INT(add(&s, &pool, b, n, room, 0, 1, 1, &d, &w),
		   GS_PARTSTATE_MORE, "a new chunk 0 starts a new set");
	TAP_OK(d && s.on && s.len == 300 && s.h.serial == 1,
	       "the old one dropped");
	for (uint32_t q = 1; q < 3; q++)
		add(&s, &pool, b, n, room, q, 1, 1, &d, &w);
	TAP_EQ_INT(add(&s, &pool, b, n, room, 3, 1, 1, &d, &w),
		   GS_PARTSTATE_WHOLE, "then whole after its 4 chunks");
	TAP_OK(!d && w.n == n && !memcmp(w.b, b, n) && w.h.serial == 1,
	       "equal to what was cut");
	gs_partstate_set_drop(&s, &pool);
	TAP_OK(pool.held == 0 && !s.on, "dropped after reading: pool empty");

	/* chunks that do not add up to the total they claim */
	struct gs_partstate_head h = {.version = 2,
				      .count = 2,
				      .total = 10,
				      .len = GS_PARTSTATE_HEAD};
	TAP_EQ_INT(gs_partstate_set_add(&s, &pool, &h, b, 4, &d, &w),
		   GS_PARTSTATE_MORE, "4 of 10 bytes in chunk 0 of 2");
	h.seq = 1;
	TAP_EQ_INT(gs_partstate_set_add(&s, &pool, &h, b, 4, &d, &w),
		   GS_PARTSTATE_BAD, "4 more in the last: short of 10, bad");
	TAP_OK(!s.on && pool.held == 0, "dropped");
	h.seq = 0;
	gs_partstate_set_add(&s, &pool, &h, b, 8, &d, &w);
	h.seq = 1;
	TAP_EQ_INT(gs_partstate_set_add(&s, &pool, &h, b, 8, &d, &w),
		   GS_PARTSTATE_BAD, "8 + 8 bytes past the total of 10: bad");
	TAP_OK(!s.on && pool.held == 0, "dropped");
	h.seq = 0;
	h.count = 1;
	TAP_EQ_INT(gs_partstate_set_add(&s, &pool, &h, b, 9, &d, &w),
		   GS_PARTSTATE_BAD, "one chunk of 9 bytes for 10: bad");
	TAP_EQ_INT(gs_partstate_set_add(&s, &pool, &h, b, 10, &d, &w),
		   GS_PARTSTATE_WHOLE, "of 10: whole");
	TAP_OK(w.b == b && w.n == 10 && !s.on && pool.held == 0,
	       "pointing into the record, nothing held");

	/* a pool too small for two sets: the second is dropped, the first
	 * kept whole */
	struct gs_partstate_pool small = {0, 500};
	struct gs_partstate_set s2 = {0};
	TAP_EQ_INT(add(&s, &small, b, n, room, 0, 1, 0, &d, &w),
		   GS_PARTSTATE_MORE, "300 bytes in a pool of 500");
	TAP_EQ_INT(add(&s2, &small, b, n, room, 0, 1, 0, &d, &w),
		   GS_PARTSTATE_NOROOM, "300 more in another set: no room");
	TAP_OK(d && !s2.on && s.on && small.held == s.cap && s.cap == 300,
	       "that set dropped, the first kept (%zu held)", small.held);
	TAP_EQ_INT(add(&s, &small, b, n, room, 1, 1, 0, &d, &w),
		   GS_PARTSTATE_NOROOM,
		   "the first growing to 600 past the pool's 500: no room");
	TAP_OK(d && !s.on && small.held == 0, "dropped: the pool is empty");
}

/* Under a key: sealed before it is cut, read back whole, opened with the
 * same key only; a plain state is refused where there is a key. */
static void test_sealed(void)
{
	struct gs_engine *e = gs_engine_new(NULL); /* the defaults */
	struct gs_network *net = gs_network_new(NULL);
	feed(e, net, 300);
	size_t n, sn = 0;
	unsigned char *b = state_bytes(e, net, NULL, &n), *sb = NULL;
	unsigned char key[GS_PARTSTATE_KEY], other[GS_PARTSTATE_KEY];
	memset(key, 7, sizeof key);
	memset(other, 8, sizeof other);
	TAP_OK(b && memmem(b, n, "fict-1", 6),
	       "the plain state names accounts (fict-...)");
	TAP_EQ_INT(gs_partstate_seal(b, n, key, &sb, &sn), 0, "sealed");
	TAP_OK(sb && sn > n && !memmem(sb, sn, "fict-", 5) &&
		       !memcmp(sb, "GSXK", 4),
	       "sealed: %zu bytes (plain %zu), 'GSXK', no account id", sn, n);
	uint32_t flags = GS_PARTSTATE_NET | GS_PARTSTATE_SEALED;
	struct gs_partstate_pool pool = {0, (size_t)1 << 30};
	struct gs_partstate_set set = {0};
	struct gs_partstate_whole w = {0};
	size_t room = 1000;
	uint32_t count = (uint32_t)((sn + room - 1) / room);
	int ok = 1;
	for (uint32_t q = 0; q < count && ok; q++) {
		size_t len;
		unsigned char *r = record(sb, sn, room, q, flags, 1, 0, &len);
		struct gs_partstate_head h;
		int d;
		ok = !gs_partstate_head_read(r, len, &h) &&
		     !gs_partstate_head_check(&h, len) &&
		     gs_partstate_set_add(&set, &pool, &h, r + h.len,
					  len - h.len, &d, &w) ==
			     (q + 1 < count ? GS_PARTSTATE_MORE
					    : GS_PARTSTATE_WHOLE);
		free(r);
	}
	TAP_OK(ok && w.n == sn && !memcmp(w.b, sb, sn) && w.h.flags == flags,
	       "in %u chunks, whole again with the sealed flag", count);
	struct gs_engine *le;
	struct gs_network *ln, *lt;
	char why[256];
	int r = gs_partstate_load(w.b, w.n, flags, key, &le, &ln, &lt, why,
				  sizeof why);
	size_t n2 = 0;
	unsigned char *b2 = r ? NULL : state_bytes(le, ln, NULL, &n2);
	TAP_OK(!r && le && ln && !lt && n2 == n && !memcmp(b2, b, n),
	       "opened with the key: the same engine and network (%s)", why);
	free(b2);
	gs_engine_free(le);
	gs_network_free(ln);
	r = gs_partstate_load(w.b, w.n, flags, other, &le, &ln, &lt, why,
			      sizeof why);
	TAP_OK(r == GS_EFORMAT && !le && !ln && *why,
	       "another key: refused (%s)", why);
	r = gs_partstate_load(w.b, w.n, flags, NULL, &le, &ln, &lt, why,
			      sizeof why);
	TAP_OK(r == GS_EUSAGE && !le && strstr(why, "has none"),
	       "no key: refused (%s)", why);
	r = gs_partstate_load(b, n, GS_PARTSTATE_NET, key, &le, &ln, &lt, why,
			      sizeof why);
	TAP_OK(r == GS_EUSAGE && !le && strstr(why, "not sealed"),
	       "a plain state where there is a key: refused (%s)", why);
	unsigned char *bad = malloc(sn);
	memcpy(bad, sb, sn);
	bad[sn / 2] ^= 1;
	r = gs_partstate_load(bad, sn, flags, key, &le, &ln, &lt, why,
			      sizeof why);
	TAP_OK(r == GS_EFORMAT && !le, "a flipped byte: refused (%s)", why);
	r = gs_partstate_load(sb, sn - 1, flags, key, &le, &ln, &lt, why,
			      sizeof why);
	TAP_OK(r && !le, "cut by a byte: refused (%s)", why);
	free(bad);
	gs_partstate_set_drop(&set, &pool);
	free(sb);
	free(b);
	gs_engine_free(e);
	gs_network_free(net);
}

int main(void)
{
	test_head();
	test_round_trip();
	test_sequence();
	test_sealed();
	return TAP_DONE();
}
