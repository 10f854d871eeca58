/*
 * kmv.c - bottom-k ("k minimum values") sketches: distinct counts, unions,
 * intersections and Jaccard similarity (see kmv.h).
 *
 * Why not HyperLogLog for overlaps: |A n B| by inclusion-exclusion over two
 * HLL estimates has the error of |A u B| (0.8% of it at p = 14), so an
 * overlap of 50 accounts between tags of 5,000 each is lost in noise of
 * +-80. A bottom-k sketch samples the union uniformly instead, and counts
 * the sample's members that are in both sets.
 *
 * Design: the k smallest distinct 64-bit hashes, in a sorted array grown by
 * doubling up to k (8 bytes each; most tags have few accounts). Adding past
 * k is one comparison with the largest held hash, so a hash rarely moves
 * the array (the i-th distinct hash enters with probability k / i).
 * Merging two sketches is a merge of sorted arrays cut at k: it gives
 * exactly the sketch of the union, whatever the order or split of the input
 * (threads, shards), so merges are exact.
 *
 * Estimators (Beyer, Haas, Reinwald, Sismanis and Gemulla, "On synopses for
 * distinct-value estimation under multiset operations", SIGMOD 2007;
 * Broder, "On the resemblance and containment of documents", 1997; Cohen
 * and Kaplan, "Summarizing data using bottom-k sketches", PODC 2007):
 *   |A|       exact while fewer than k hashes were added; else
 *             (k - 1) / U(k), U(k) the k-th smallest hash / 2^64: unbiased,
 *             relative standard error <= 1 / sqrt(k - 2) (3.1% at k 1,024).
 *   Jaccard   L = the k smallest hashes of the union of the two sketches
 *             (the bottom-k of A u B, for every hash of A among them is
 *             among A's k smallest); J = |{x in L: x in A and x in B}| / |L|,
 *             a uniform sample of |L| members of A u B: standard error
 *             sqrt(J (1 - J) / |L|) (binomial; hypergeometric when |L| is
 *             a good part of A u B, so smaller).
 *   |A n B|   J * |A u B|; its relative error is about
 *             sqrt((1 - J) / (J k)) + 1 / sqrt(k): 10% when J k = 100.
 *             Exact when both sets have fewer than k members: small tags
 *             (up to 1,023 accounts at the default k) overlap exactly.
 * At 2 standard errors the true value lies within the bound in about 95%
 * of trials (tests/test_kmv.c checks this over many random trials against
 * exact sets).
 */
#include "kmv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"

void gs_kmv_init(struct gs_kmv *s, unsigned k)
{
	if (k < GS_KMV_K_MIN)
		k = GS_KMV_K_MIN;
	if (k > GS_KMV_K_MAX)
		k = GS_KMV_K_MAX;
	s->h = NULL;
	s->n = s->cap = 0;
	s->k = k;
}

void gs_kmv_release(struct gs_kmv *s)
{
	free(s->h);
	s->h = NULL;
	s->n = s->cap = 0;
}

static int grow(struct gs_kmv *s, uint32_t want)
{
	if (want <= s->cap)
		return 0;
	uint32_t c = s->cap ? s->cap : 4;
	while (c < want)
		c *= 2;
	if (c > s->k)
		c = s->k;
	uint64_t *h = realloc(s->h, (size_t)c * sizeof *h);
	if (!h)
		return GS_ENOMEM;
	s->h = h;
	s->cap = c;
	return 0;
}

int gs_kmv_add(struct gs_kmv *s, uint64_t x)
{
	if (s->n == s->k && x >= s->h[s->n - 1])
		return 0;
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->h[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->h[lo] == x)
		return 0;
	if (s->n < s->k) {
		if (grow(s, s->n + 1))
			return GS_ENOMEM;
		memmove(s->h + lo + 1, s->h + lo, (s->n - lo) * sizeof *s->h);
		s->n++;
	} else {
		/* full: the largest goes */
		memmove(s->h + lo + 1, s->h + lo,
			(s->n - 1 - lo) * sizeof *s->h);
	}
	s->h[lo] = x;
	return 0;
}

int gs_kmv_merge(struct gs_kmv *dst, const struct gs_kmv *src)
{
	if (dst->k != src->k)
		return GS_EUSAGE;
	if (!src->n)
		return 0;
	uint32_t max = dst->n + src->n;
	if (max > dst->k)
		max = dst->k;
	uint64_t *out = malloc((size_t)max * sizeof *out);
	if (!out)
		return GS_ENOMEM;
	uint32_t i = 0, j = 0, n = 0;
	while (n < max && (i < dst->n || j < src->n)) {
		uint64_t x;
		if (j >= src->n || (i < dst->n && dst->h[i] < src->h[j]))
			x = dst->h[i++];
		else if (i >= dst->n || src->h[j] < dst->h[i])
			x = src->h[j++];
		else
			x = dst->h[i++], j++;
		out[n++] = x;
	}
	free(dst->h);
	dst->h = out;
	dst->n = n;
	dst->cap = max;
	return 0;
}

int gs_kmv_is_exact(const struct gs_kmv *s)
{
	return s->n < s->k;
}

static double unit(uint64_t x)
{
	/* (x + 1) / 2^64, in (0, 1] */
	return ((double)(x >> 11) + 1.0) / 9007199254740992.0;
}

double gs_kmv_estimate(const struct gs_kmv *s)
{
	if (gs_kmv_is_exact(s))
		return s->n;
	return (double)(s->k - 1) / unit(s->h[s->k - 1]);
}

double gs_kmv_rse(const struct gs_kmv *s)
{
	return gs_kmv_is_exact(s) ? 0 : 1.0 / sqrt((double)s->k - 2.0);
}

int gs_kmv_overlap(const struct gs_kmv *a, const struct gs_kmv *b,
		   struct gs_kmv_overlap *o)
{
	memset(o, 0, sizeof *o);
	if (a->k != b->k)
		return GS_EUSAGE;
	o->a = gs_kmv_estimate(a);
	o->b = gs_kmv_estimate(b);
	o->exact = gs_kmv_is_exact(a) && gs_kmv_is_exact(b);
	/* walk the union of the two arrays in order, up to k of them: the
	 * bottom-k of A u B (all of it when both are exact) */
	uint32_t i = 0, j = 0, n = 0, both = 0, k = a->k;
	uint64_t last = 0;
	while ((o->exact || n < k) && (i < a->n || j < b->n)) {
		uint64_t x;
		if (j >= b->n || (i < a->n && a->h[i] < b->h[j])) {
			x = a->h[i++];
		} else if (i >= a->n || b->h[j] < a->h[i]) {
			x = b->h[j++];
		} else {
			x = a->h[i++], j++;
			both++;
		}
		last = x;
		n++;
	}
	/* a hash of A below A's largest held one is in A's sketch iff in A;
	 * past the end of a full sketch nothing is known: the walk stops at
	 * k, and the k-th smallest of the union is never past either full
	 * sketch's largest (each holds k hashes of the union) */
	o->sample = n;
	o->shared = both;
	if (!n)
		return 0;
	if (o->exact) {
		o->uni = n;
		o->inter = both;
		o->jaccard = (double)both / n;
		return 0;
	}
	o->uni = n < k ? n : (double)(k - 1) / unit(last);
	if (o->uni < o->a)
		o->uni = o->a;
	if (o->uni < o->b)
		o->uni = o->b;
	o->jaccard = (double)both / n;
	o->jaccard_se = sqrt(o->jaccard * (1 - o->jaccard) / n);
	o->inter = o->jaccard * o->uni;
	/* the product's error: J's and the union's, added in quadrature */
	double ru = 1.0 / sqrt((double)k - 2.0);
	o->inter_se = sqrt(o->jaccard_se * o->jaccard_se * o->uni * o->uni +
			   o->inter * o->inter * ru * ru);
	/* never more than either set, never fewer than the members seen in
	 * both */
	if (o->inter > o->a)
		o->inter = o->a;
	if (o->inter > o->b)
		o->inter = o->b;
	if (o->inter < both)
		o->inter = both;
	return 0;
}

size_t gs_kmv_bytes(const struct gs_kmv *s)
{
	return (size_t)s->cap * sizeof *s->h;
}
