/* test_kmv.c - the bottom-k sketch against exact sets: exact below k,
 * merges equal to one sketch fed everything, and the observed errors of
 * |A|, Jaccard and |A n B| within the stated bounds (2 standard errors) in
 * at least 90% of many random trials (95% expected). */
#include <math.h>
#include <stdlib.h>

#include "count/kmv.h"
#include "groundswell.h"
#include "tap.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static int same(const struct gs_kmv *a, const struct gs_kmv *b)
{
	if (a->n != b->n)
		return 0;
	for (uint32_t i = 0; i < a->n; i++)
		if (a->h[i] != b->h[i])
			return 0;
	return 1;
}

/* Fills A with na members, B with nb, nab of them shared; duplicates
 * added twice. */
static void fill(struct gs_kmv *a, struct gs_kmv *b, uint32_t na, uint32_t nb,
		 uint32_t nab)
{
	for (uint32_t i = 0; i < nab; i++) {
		uint64_t x = next();
		gs_kmv_add(a, x);
		gs_kmv_add(b, x);
		gs_kmv_add(b, x);
	}
	for (uint32_t i = nab; i < na; i++)
		gs_kmv_add(a, next());
	for (uint32_t i = nab; i < nb; i++)
		gs_kmv_add(b, next());
}

int main(void)
{
	struct gs_kmv a, b, c;
	struct gs_kmv_overlap o;

	/* exact below k: small tags overlap exactly */
	gs_kmv_init(&a, 256);
	gs_kmv_init(&b, 256);
	fill(&a, &b, 200, 150, 7);
	TAP_OK(gs_kmv_is_exact(&a) && gs_kmv_is_exact(&b),
	       "small sets are held whole");
	TAP_EQ_INT(gs_kmv_estimate(&a), 200, "exact count");
	TAP_EQ_INT(gs_kmv_overlap(&a, &b, &o), 0, "overlap");
	TAP_OK(o.exact && o.inter == 7 && o.uni == 343 && o.jaccard_se == 0,
	       "exact intersection 7 and union 343 (got %g, %g)", o.inter,
	       o.uni);
	gs_kmv_release(&a);
	gs_kmv_release(&b);

	/* merge == one sketch fed both halves, in either order */
	gs_kmv_init(&a, 64);
	gs_kmv_init(&b, 64);
	gs_kmv_init(&c, 64);
	for (int i = 0; i < 5000; i++) {
		uint64_t x = next() % 3000; /* repeats */
		x = x * 0x9E3779B97F4A7C15u;
		gs_kmv_add(&c, x);
		gs_kmv_add(i < 2500 ? &a : &b, x);
	}
	struct gs_kmv d;
	gs_kmv_init(&d, 64);
	TAP_EQ_INT(gs_kmv_merge(&d, &b), 0, "merge into empty");
	TAP_EQ_INT(gs_kmv_merge(&d, &a), 0, "merge the other half");
	TAP_EQ_INT(gs_kmv_merge(&a, &b), 0, "merge");
	TAP_OK(same(&a, &c) && same(&d, &c),
	       "merges equal the sketch of the whole");
	struct gs_kmv e;
	gs_kmv_init(&e, 128);
	TAP_EQ_INT(gs_kmv_merge(&e, &a), GS_EUSAGE, "different k refused");
	TAP_EQ_INT(gs_kmv_overlap(&e, &a, &o), GS_EUSAGE,
		   "overlap of different k refused");
	gs_kmv_release(&a);
	gs_kmv_release(&b);
	gs_kmv_release(&c);
	gs_kmv_release(&d);
	gs_kmv_release(&e);

	/* random trials at the default k: sizes 1,000 to 40,000, overlaps
	 * from 1% to 60% of the smaller set */
	int trials = 300, ok_n = 0, ok_j = 0, ok_i = 0, ok_u = 0;
	double worst_small = 0;
	for (int t = 0; t < trials; t++) {
		uint32_t na = 1000 + (uint32_t)(next() % 39000);
		uint32_t nb = 1000 + (uint32_t)(next() % 39000);
		uint32_t m = na < nb ? na : nb;
		double frac = 0.01 + (double)(next() % 1000) / 1000.0 * 0.59;
		uint32_t nab = (uint32_t)(frac * m);
		gs_kmv_init(&a, GS_KMV_K_DEFAULT);
		gs_kmv_init(&b, GS_KMV_K_DEFAULT);
		fill(&a, &b, na, nb, nab);
		gs_kmv_overlap(&a, &b, &o);
		double uni = (double)na + nb - nab, j = nab / uni;
		double rse = gs_kmv_rse(&a);
		ok_n += fabs(gs_kmv_estimate(&a) - na) <= 2 * rse * na + 1e-9;
		ok_u += fabs(o.uni - uni) <= 2 * rse * uni + 1e-9;
		ok_j += fabs(o.jaccard - j) <= 2 * o.jaccard_se + 1e-9;
		ok_i += fabs(o.inter - nab) <= 2 * o.inter_se + 1e-9;
		if (frac < 0.05 && fabs(o.inter - nab) / nab > worst_small)
			worst_small = fabs(o.inter - nab) / nab;
		gs_kmv_release(&a);
		gs_kmv_release(&b);
	}
	printf("# within 2 SE: |A| %d, union %d, jaccard %d, intersection %d of %d;"
	       " worst relative error of a small (<5%%) intersection %.2f\n",
	       ok_n, ok_u, ok_j, ok_i, trials, worst_small);
	TAP_OK(ok_n >= trials * 9 / 10,
	       "|A| within 2 RSE in >= 90%% of trials (%d)", ok_n);
	TAP_OK(ok_u >= trials * 9 / 10, "|A u B| within 2 RSE in >= 90%% (%d)",
	       ok_u);
	TAP_OK(ok_j >= trials * 9 / 10, "Jaccard within 2 SE in >= 90%% (%d)",
	       ok_j);
	TAP_OK(ok_i >= trials * 9 / 10, "|A n B| within 2 SE in >= 90%% (%d)",
	       ok_i);
	TAP_OK(ok_n < trials && ok_i < trials,
	       "the bounds are not vacuous (some trials fall outside)");
	return TAP_DONE();
}
