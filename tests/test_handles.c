/*
 * test_handles.c - unit tests of the latest-handle table (src/count/
 * handles.c): the latest sighting wins by time then by handle bytes, the
 * bound and what it evicts, merges in any split and order, the snapshot
 * codec and its checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/handles.h"
#include "count/network.h"
#include "count/snapio.h"
#include "tap.h"

static struct gs_str S(const char *s) {
	return (struct gs_str){s, strlen(s)};
}

static const char *
get(const struct gs_handles *h, const char *id)
{
	const char *x = gs_handles_get(h, id, strlen(id));
	return x ? x : "(none)";
}

static void test_latest(void)
{
	struct gs_handles h;
	gs_handles_init(&h, 100);
	TAP_EQ_STR(get(&h, "1"), "(none)", "empty: no handle");
	gs_handles_note(&h, S("1"), S("ann"), 10);
	gs_handles_note(&h, S("1"), S("ann_new"), 20);
	gs_handles_note(&h, S("1"), S("ann_old"), 5);
	TAP_EQ_STR(get(&h, "1"), "ann_new",
		   "the latest time wins, in any order");
	gs_handles_note(&h, S("2"), S("bo"), 7);
	gs_handles_note(&h, S("2"), S("ab"), 7);
	TAP_EQ_STR(get(&h, "2"), "bo", "same time: the greater bytes win");
	gs_handles_note(&h, S("2"), S("bob"), 7);
	TAP_EQ_STR(get(&h, "2"), "bob", "same time, a prefix: the longer wins");
	gs_handles_note(&h, S(""), S("x"), 1);
	gs_handles_note(&h, S("3"), S(""), 1);
	TAP_EQ_INT(h.n, 2, "empty ids and handles are ignored");
	char big[GS_HANDLE_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	gs_handles_note(&h, S("4"), S(big), 1);
	TAP_EQ_INT(h.skipped, 1, "an over-long handle is skipped and counted");
	TAP_EQ_STR(get(&h, "4"), "(none)", "and not kept");
	gs_handles_release(&h);
}

static void test_bound(void)
{
	struct gs_handles h;
	gs_handles_init(&h, 100);
	char id[16], hd[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "%d", i);
		snprintf(hd, sizeof hd, "h%d", i);
		gs_handles_note(&h, S(id), S(hd), i);
		/* account 7 keeps being seen */
		gs_handles_note(&h, S("7"), S("seven"), i);
	}
	TAP_OK(h.n <= 100, "at most max entries (%zu)", h.n);
	TAP_OK(h.evicted >= 900 - 1, "the others were evicted (%llu)",
	       (unsigned long long)h.evicted);
	TAP_EQ_STR(get(&h, "7"), "seven", "an account seen recently is kept");
	TAP_EQ_STR(get(&h, "999"), "h999", "the newest is kept");
	TAP_EQ_STR(get(&h, "3"), "(none)", "the oldest went");
	gs_handles_release(&h);
}

/* The table of a stream of n sightings, fed from..to. */
static void feed(struct gs_handles *h, int from, int to)
{
	char id[16], hd[16];
	for (int i = from; i < to; i++) {
		/* 50 accounts, handles changing, times not in order, ties */
		snprintf(id, sizeof id, "%d", (i * 7) % 50);
		snprintf(hd, sizeof hd, "n%d", (i * 13) % 17);
		gs_handles_note(h, S(id), S(hd), (i * 31) % 200);
	}
}

static char *dump(const struct gs_handles *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (int i = 0; i < 50; i++) {
		char id[16];
		snprintf(id, sizeof id, "%d", i);
		fprintf(f, "%s=%s\n", id, get(h, id));
	}
	fclose(f);
	return buf;
}

static void test_merge(void)
{
	struct gs_handles whole;
	gs_handles_init(&whole, 1000);
	feed(&whole, 0, 600);
	char *want = dump(&whole);
	int same = 1;
	for (int cut = 0; cut <= 600; cut += 37) {
		for (int order = 0; order < 2; order++) {
			struct gs_handles a, b;
			gs_handles_init(&a, 1000);
			gs_handles_init(&b, 1000);
			feed(&a, 0, cut);
			feed(&b, cut, 600);
			if (order)
				gs_handles_merge(&b, &a);
			else
				gs_handles_merge(&a, &b);
			char *got = dump(order ? &b : &a);
			same &= strcmp(got, want) == 0;
			free(got);
			gs_handles_release(&a);
			gs_handles_release(&b);
		}
	}
	TAP_OK(same, "merges of any split, in either order, give the whole's");
	/* three parts, as --threads 3 */
	struct gs_handles p[3];
	for (int i = 0; i < 3; i++) {
		gs_handles_init(&p[i], 1000);
		feed(&p[i], i * 200, (i + 1) * 200);
	}
	gs_handles_merge(&p[0], &p[1]);
	gs_handles_merge(&p[0], &p[2]);
	char *got = dump(&p[0]);
	TAP_EQ_STR(got, want, "three parts merge to the whole");
	free(got);
	for (int i = 0; i < 3; i++)
		gs_handles_release(&p[i]);
	free(want);
	gs_handles_release(&whole);

	/* a merge past the bound evicts down to it */
	struct gs_handles x, y;
	gs_handles_init(&x, 40);
	gs_handles_init(&y, 40);
	char id[16];
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof id, "x%d", i);
		gs_handles_note(&x, S(id), S("h"), i);
		snprintf(id, sizeof id, "y%d", i);
		gs_handles_note(&y, S(id), S("h"), 100 + i);
	}
	gs_handles_merge(&x, &y);
	TAP_OK(x.n <= 40, "a merge keeps the bound (%zu)", x.n);
	TAP_EQ_STR(get(&x, "y29"), "h", "and the latest sightings");
	TAP_EQ_STR(get(&x, "x0"), "(none)", "not the oldest");
	gs_handles_release(&x);
	gs_handles_release(&y);
}

struct wrap {
	const struct gs_handles *h;
};

static void body(struct gs_wr *w, const void *obj)
{
	gs_handles_save(w, ((const struct wrap *)obj)->h);
}

static int decode(struct gs_rd *rd, void **out)
{
	struct gs_handles *h = calloc(1, sizeof *h);
	*out = h;
	if (!h)
		return GS_ENOMEM;
	gs_handles_init(h, 16);
	int r = gs_handles_load(rd, h);
	return r ? r : gs_rd_left(rd) ? GS_EFORMAT : 0;
}

static void release(void *x)
{
	if (x)
		gs_handles_release(x);
	free(x);
}

static struct gs_handles *roundtrip(const struct gs_handles *h, char **bytes,
				    size_t *len, int *err)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct wrap w = {h};
	gs_snap_write(f, "TEST", 1, body, &w);
	fclose(f);
	f = fmemopen(buf, n, "rb");
	struct gs_handles *x = gs_snap_load(f, "TEST", 1, decode, release, err);
	fclose(f);
	if (bytes) {
		*bytes = buf;
		*len = n;
	} else {
		free(buf);
	}
	return x;
}

static void test_snapshot(void)
{
	struct gs_handles h, h2;
	gs_handles_init(&h, 1000);
	gs_handles_init(&h2, 1000);
	feed(&h, 0, 600);
	feed(&h2, 300, 600); /* other insertion order, same content */
	feed(&h2, 0, 300);
	int err = 0;
	char *b1, *b2;
	size_t n1, n2;
	struct gs_handles *x = roundtrip(&h, &b1, &n1, &err);
	TAP_OK(x != NULL, "saved and loaded");
	char *a = dump(&h), *b = x ? dump(x) : NULL;
	TAP_EQ_STR(b ? b : "", a, "loaded: the same handles");
	TAP_EQ_INT(x ? x->max : 0, 1000, "loaded: the same bound");
	release(x);
	x = roundtrip(&h2, &b2, &n2, &err);
	release(x);
	TAP_OK(n1 == n2 && memcmp(b1, b2, n1) == 0,
	       "the same entries save the same bytes, whatever their order");
	free(a);
	free(b);
	free(b2);
	/* damaged: every byte changed (with the CRC fixed up by the
	 * envelope's rule) is refused or loads: never crashes */
	int refused = 0, loaded = 0;
	for (size_t i = 16; i + 4 < n1 && i < 400; i++) {
		b1[i] ^= 0x5a;
		unsigned char *pay = (unsigned char *)b1 + 16;
		struct gs_rd rd = {pay, pay + (n1 - 20), 0};
		void *o = NULL;
		if (decode(&rd, &o))
			refused++;
		else
			loaded++;
		release(o);
		b1[i] ^= 0x5a;
	}
	TAP_OK(refused > 0, "damaged payloads: %d refused, %d loaded", refused,
	       loaded);
	free(b1);
	gs_handles_release(&h);
	gs_handles_release(&h2);
}

/* The bound is the owner's (an engine's max_tags, which its own load
 * takes up to SIZE_MAX): a table of any bound it can have loads back, as
 * the fuzzer found with a version 1 engine of max_tags 2^45. */
static void test_huge_bound(void)
{
	struct gs_handles h;
	size_t big = (size_t)1 << 45;
	gs_handles_init(&h, big);
	feed(&h, 0, 10);
	int err = 0;
	struct gs_handles *x = roundtrip(&h, NULL, NULL, &err);
	TAP_OK(x != NULL, "a bound of 2^45 saves and loads (err %d)", err);
	TAP_OK(x && x->max == big, "loaded: the same bound");
	release(x);
	gs_handles_release(&h);
}

/* Version 1 snapshots (before handles), as the fuzz corpus keeps them,
 * are still read; saved again they are version 2, and load back. */
static void test_old_versions(void)
{
	FILE *f = fopen("fuzz/corpus/snapshot/engine-twitter1", "rb");
	int err = 0;
	unsigned char head[8] = {0};
	if (f && fread(head, 1, 8, f) == 8)
		rewind(f);
	struct gs_engine *e = f ? gs_engine_load(f, &err) : NULL;
	TAP_OK(head[4] == 1 && e, "a GSEN version 1 snapshot loads (err %d)",
	       err);
	if (f)
		fclose(f);
	if (e) {
		char *buf = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&buf, &n);
		TAP_EQ_INT(gs_engine_save(e, m), 0, "and saves");
		fclose(m);
		TAP_EQ_INT(n > 8 ? buf[4] : 0, 2, "as version 2");
		m = fmemopen(buf, n, "rb");
		struct gs_engine *e2 = gs_engine_load(m, &err);
		TAP_OK(e2 != NULL, "which loads");
		fclose(m);
		gs_engine_free(e2);
		free(buf);
		gs_engine_free(e);
	}
	f = fopen("fuzz/corpus/snapshot/network-accounts", "rb");
	struct gs_network *net = f ? gs_network_load(f, &err) : NULL;
	TAP_OK(net != NULL, "a GSNW version 1 snapshot loads (err %d)", err);
	if (f)
		fclose(f);
	gs_network_free(net);
}

int main(void)
{
	test_old_versions();
	test_latest();
	test_bound();
	test_merge();
	test_snapshot();
	test_huge_bound();
	return TAP_DONE();
}
