/*
 * test_pseudo.c - unit tests of pseudo: known answers (computed independently
 * with Python's hashlib.blake2b, so the documented construction is pinned and
 * pseudonyms stay stable across versions), determinism, key and input
 * sensitivity, output format, argument checks and key wiping.
 */
#include "out/pseudo.h"

#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "tap.h"

static const char secret[] = "correct horse battery staple";

static int well_formed(const char *p, size_t n)
{
	if (n != GS_PSEUDO_LEN || strlen(p) != GS_PSEUDO_LEN || p[0] != 'u')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

int main(void)
{
	struct gs_pseudo ps, ps2, ps3;
	char a[24], b[24];
	size_t n;

	TAP_EQ_INT(gs_pseudo_init(&ps, secret, strlen(secret)), 0, "init");
	TAP_EQ_INT(gs_pseudo_init(&ps2, "another secret", 14), 0,
		   "init second key");
	TAP_EQ_INT(gs_pseudo_init(&ps3, secret, strlen(secret)), 0,
		   "init same secret again");

	/* Known answers. */
	n = gs_pseudo_id(&ps, "12345", 5, a);
	TAP_EQ_INT(n, 17, "returns 17");
	TAP_EQ_STR(a, "u12bb1d3e1bc2741b", "known answer 12345");
	gs_pseudo_id(&ps, "783214", 6, a);
	TAP_EQ_STR(a, "u81dc99a6acf088c7", "known answer 783214");
	gs_pseudo_id(&ps, "", 0, a);
	TAP_EQ_STR(a, "u7d47e5090ee66a95", "known answer empty id");
	gs_pseudo_id(&ps2, "12345", 5, a);
	TAP_EQ_STR(a, "u43fde4e887f1c07c", "known answer other key");

	/* Format. */
	memset(a, 'X', sizeof a);
	n = gs_pseudo_id(&ps, "1508537400000123", 16, a);
	TAP_OK(well_formed(a, n), "format: u + 16 lower-case hex, NUL");
	TAP_OK(a[18] == 'X', "writes no more than 18 bytes");

	/* Determinism: same key (even derived twice), same pseudonym. */
	gs_pseudo_id(&ps, "783214", 6, a);
	gs_pseudo_id(&ps, "783214", 6, b);
	TAP_EQ_STR(a, b, "same id, same key -> same pseudonym");
	gs_pseudo_id(&ps3, "783214", 6, b);
	TAP_EQ_STR(a, b, "same secret re-derived -> same pseudonym");
	TAP_OK(memcmp(ps.key, ps3.key, sizeof ps.key) == 0,
	       "same secret -> same key");

	/* Only len bytes of the id count. */
	gs_pseudo_id(&ps, "783214XYZ", 6, b);
	TAP_EQ_STR(a, b, "bytes past len ignored");

	/* Key sensitivity. */
	gs_pseudo_id(&ps2, "783214", 6, b);
	TAP_OK(strcmp(a, b) != 0, "different key -> different pseudonym");
	struct gs_pseudo ps4;
	gs_pseudo_init(&ps4, secret, strlen(secret) - 1);
	gs_pseudo_id(&ps4, "783214", 6, b);
	TAP_OK(strcmp(a, b) != 0, "secret one byte shorter -> different");
	TAP_OK(memcmp(ps.key, ps4.key, sizeof ps.key) != 0,
	       "secret one byte shorter -> different key");

	/* Input sensitivity and no collisions on sequential ids; different
	 * keys agree on no id (unrelated pseudonyms). */
	enum { N = 20000 };
	char (*out)[24] = malloc(N * sizeof *out);
	if (!out)
		return 1;
	int bad_fmt = 0, same_across = 0;
	for (int i = 0; i < N; i++) {
		char id[24];
		int len = snprintf(id, sizeof id, "%d", 1000000 + i);
		n = gs_pseudo_id(&ps, id, (size_t)len, out[i]);
		bad_fmt += !well_formed(out[i], n);
		gs_pseudo_id(&ps2, id, (size_t)len, b);
		same_across += strcmp(out[i], b) == 0;
	}
	qsort(out, N, sizeof *out, cmp_str);
	int dups = 0;
	for (int i = 1; i < N; i++)
		dups += strcmp(out[i - 1], out[i]) == 0;
	free(out);
	TAP_EQ_INT(bad_fmt, 0, "%d sequential ids well formed", N);
	TAP_EQ_INT(dups, 0, "%d sequential ids, no two pseudonyms equal", N);
	TAP_EQ_INT(same_across, 0, "two keys give no equal pseudonym");

	/* One flipped input bit changes about half of the 64 output bits. */
	unsigned long long flips = 0;
	int trials = 0;
	for (int i = 0; i < 200; i++) {
		char id[16];
		int len = snprintf(id, sizeof id, "%d", 42424242 + i * 7);
		gs_pseudo_id(&ps, id, (size_t)len, a);
		id[len - 1] ^= 1;
		gs_pseudo_id(&ps, id, (size_t)len, b);
		unsigned long long x = strtoull(a + 1, NULL, 16) ^
				       strtoull(b + 1, NULL, 16);
		flips += (unsigned long long)__builtin_popcountll(x);
		trials++;
	}
	double avg = (double)flips / trials;
	TAP_OK(avg > 28 && avg < 36,
	       "avalanche: %.1f of 64 bits change per flipped input bit", avg);

	/* Argument checks. */
	struct gs_pseudo bad;
	memset(&bad, 0xAB, sizeof bad);
	TAP_EQ_INT(gs_pseudo_init(&bad, secret, 0), GS_EUSAGE,
		   "empty secret -> GS_EUSAGE");
	TAP_EQ_INT(gs_pseudo_init(&bad, NULL, 5), GS_EUSAGE,
		   "NULL secret -> GS_EUSAGE");
	TAP_EQ_INT(gs_pseudo_init(NULL, secret, 5), GS_EUSAGE,
		   "NULL ps -> GS_EUSAGE");
	TAP_OK(bad.key[0] == 0xAB && bad.key[31] == 0xAB,
	       "ps untouched on failure");

	/* Release wipes the key; init again restores it. */
	static const unsigned char zero[32];
	gs_pseudo_release(&ps);
	TAP_OK(memcmp(ps.key, zero, sizeof zero) == 0, "release zeroes key");
	gs_pseudo_release(NULL);
	TAP_EQ_INT(gs_pseudo_init(&ps, secret, strlen(secret)), 0, "re-init");
	gs_pseudo_id(&ps, "12345", 5, a);
	TAP_EQ_STR(a, "u12bb1d3e1bc2741b", "re-init gives the same pseudonyms");

	gs_pseudo_release(&ps);
	gs_pseudo_release(&ps2);
	gs_pseudo_release(&ps3);
	gs_pseudo_release(&ps4);
	return TAP_DONE();
}
