/*
 * test_hll.c - unit tests of the distinct-count sketch (src/count/hll.c).
 *
 * Exactness, promotion, merge and copy are checked exactly; the dense
 * estimator is checked statistically: the relative RMS error over independent
 * trials must stay within 1.3 times the documented standard error, and no
 * trial may be off by more than 4 standard errors. Hashes are splitmix64 of a
 * counter, which is a bijection, so the true cardinality is known exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/hll.h"
#include "tap.h"

static uint64_t splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* Adds the hashes of counters [from, to) offset by seed; returns the number
 * of failed adds. */
static int add_range(struct gs_hll *h, uint64_t seed, uint64_t from,
		     uint64_t to)
{
	int bad = 0;

	for (uint64_t i = from; i < to; i++)
		bad += gs_hll_add(h, splitmix64(seed + i)) != 0;
	return bad;
}

static int same_regs(const struct gs_hll *a, const struct gs_hll *b)
{
	return a->dense && b->dense && a->p == b->p &&
	       memcmp(a->u.regs, b->u.regs, (size_t)1 << a->p) == 0;
}

/* The same count, and registers when dense. */
static int same_sketch(const struct gs_hll *a, const struct gs_hll *b)
{
	return gs_hll_count(a) == gs_hll_count(b) && a->dense == b->dense &&
	       (!a->dense || same_regs(a, b));
}

static void test_basics(void)
{
	struct gs_hll h;

	TAP_OK(fabs(gs_hll_rse(14) - 1.04 / 128) < 1e-15, "rse(14) = 1.04/128");
	TAP_OK(fabs(gs_hll_rse(10) - 1.04 / 32) < 1e-15, "rse(10) = 1.04/32");
	TAP_OK(fabs(gs_hll_rse(4) - 0.26) < 1e-15, "rse(4) = 0.26");
	TAP_OK(fabs(gs_hll_rse(15) - 1.04 / sqrt(32768)) < 1e-15,
	       "rse(15) = 1.04/sqrt(2^15)");
	TAP_EQ_INT(gs_hll_exact_max(4), 4, "exact_max(4) = 4");
	TAP_EQ_INT(gs_hll_exact_max(6), 4, "exact_max(6) = 4");
	TAP_EQ_INT(gs_hll_exact_max(10), 64, "exact_max(10) = 64");
	TAP_EQ_INT(gs_hll_exact_max(14), 1024, "exact_max(14) = 1024");
	TAP_EQ_INT(gs_hll_exact_max(16), 4096, "exact_max(16) = 4096");
	TAP_OK(sizeof(struct gs_hll) <= 24, "struct gs_hll is %zu <= 24 bytes",
	       sizeof(struct gs_hll));

	gs_hll_init(&h, 2);
	TAP_EQ_INT(h.p, GS_HLL_P_MIN, "init clamps p up");
	gs_hll_init(&h, 30);
	TAP_EQ_INT(h.p, GS_HLL_P_MAX, "init clamps p down");

	gs_hll_init(&h, 14);
	TAP_OK(gs_hll_estimate(&h) == 0.0, "empty estimate is 0");
	TAP_EQ_INT(gs_hll_count(&h), 0, "empty count is 0");
	TAP_EQ_INT(gs_hll_is_exact(&h), 1, "empty is exact");
	TAP_EQ_INT(gs_hll_bytes(&h), 0, "empty holds no heap");
	TAP_EQ_INT(gs_hll_check(&h), 0, "empty passes check");

	TAP_EQ_INT(gs_hll_add(&h, 0x1234), GS_OK, "add one");
	TAP_EQ_INT(gs_hll_add(&h, 0x1234), GS_OK, "add it again");
	TAP_EQ_INT(gs_hll_count(&h), 1, "one hash counts 1");
	TAP_OK(h.cap == 0 && h.u.one == 0x1234, "one hash is inline");
	TAP_EQ_INT(gs_hll_bytes(&h), 0, "one hash holds no heap");
	TAP_EQ_INT(gs_hll_check(&h), 0, "inline passes check");
	gs_hll_release(&h);
	TAP_EQ_INT(gs_hll_bytes(&h), 0, "released holds nothing");
	gs_hll_release(&h); /* harmless twice */
}

static void test_zero_hash(void)
{
	struct gs_hll h;
	int bad = 0;

	gs_hll_init(&h, 12);
	bad += gs_hll_add(&h, 0) != 0;
	bad += gs_hll_add(&h, 0) != 0;
	TAP_OK(gs_hll_count(&h) == 1 && h.cap == 0, "hash 0 inline counts 1");
	bad += gs_hll_add(&h, 1) != 0;
	bad += gs_hll_add(&h, 0) != 0;
	bad += gs_hll_add(&h, 1) != 0;
	TAP_OK(gs_hll_count(&h) == 2 && h.cap > 0, "hash 0 and 1 in a table");
	for (uint64_t i = 0; i < 100; i++) {
		bad += gs_hll_add(&h, splitmix64(i)) != 0;
		bad += gs_hll_add(&h, 0) != 0;
	}
	TAP_EQ_INT(gs_hll_count(&h), 102, "hash 0 survives growth, once");
	TAP_EQ_INT(gs_hll_check(&h), 0, "table with 0 passes check");
	TAP_EQ_INT(bad, 0, "no add failed");
	gs_hll_release(&h);
}

static void test_exact_and_promotion(void)
{
	int all_exact = 1, all_dup = 1, all_promote = 1, all_small = 1;
	int all_check = 1, bad = 0;

	for (unsigned p = GS_HLL_P_MIN; p <= GS_HLL_P_MAX; p++) {
		const uint32_t t = gs_hll_exact_max(p);
		struct gs_hll h;

		gs_hll_init(&h, p);
		for (uint32_t i = 0; i < t; i++) {
			bad += add_range(&h, 7 * p, i, i + 1);
			bad += add_range(&h, 7 * p, 0, i + 1); /* duplicates */
			if (gs_hll_count(&h) != i + 1 || !gs_hll_is_exact(&h))
				all_exact = 0;
		}
		all_check &= gs_hll_check(&h) == 0;
		if (p >= 6 && gs_hll_bytes(&h) > ((size_t)1 << p) + 8)
			all_small = 0;
		bad += add_range(&h, 7 * p, 0, t); /* all members again */
		if (!gs_hll_is_exact(&h))
			all_dup = 0;
		bad += add_range(&h, 7 * p, t, t + 1);
		if (gs_hll_is_exact(&h) ||
		    gs_hll_bytes(&h) != (size_t)1 << p)
			all_promote = 0;
		all_check &= gs_hll_check(&h) == 0;
		gs_hll_release(&h);
	}
	TAP_OK(all_exact, "count exact up to exact_max, p = 4..16");
	TAP_OK(all_dup, "re-adding members never promotes");
	TAP_OK(all_promote, "exact_max + 1 distinct promotes to 2^p registers");
	TAP_OK(all_small, "set bytes <= 2^p + 8 for p >= 6");
	TAP_OK(all_check, "sets and promoted sketches pass check");
	TAP_EQ_INT(bad, 0, "no add failed");
}

static void test_dense_rank(void)
{
	struct gs_hll h;
	int bad = 0;

	/* Fill with hashes of register 0 only, then probe registers 5, 3. */
	gs_hll_init(&h, 4);
	for (uint64_t i = 1; i <= 5; i++)
		bad += gs_hll_add(&h, i) != 0;
	TAP_OK(!gs_hll_is_exact(&h), "p=4 dense after 5 distinct");
	bad += gs_hll_add(&h, UINT64_C(5) << 60) != 0;
	TAP_EQ_INT(h.u.regs[5], 61, "all-zero remainder: rank capped at q+1");
	bad += gs_hll_add(&h, (UINT64_C(3) << 60) | (UINT64_C(1) << 50)) != 0;
	TAP_EQ_INT(h.u.regs[3], 10, "rank = leading zeros + 1");
	bad += gs_hll_add(&h, (UINT64_C(3) << 60) | (UINT64_C(1) << 59)) != 0;
	TAP_EQ_INT(h.u.regs[3], 10, "a register keeps its maximum");
	bad += gs_hll_add(&h, UINT64_C(15) << 60 | 1) != 0;
	TAP_EQ_INT(h.u.regs[15], 60, "lowest bit set: rank q");
	TAP_EQ_INT(h.u.regs[0], 60, "hashes 1..5 reach rank 58..60 in reg 0");
	TAP_EQ_INT(gs_hll_check(&h), 0, "dense passes check");
	TAP_EQ_INT(bad, 0, "no add failed");
	gs_hll_release(&h);
}

/* Builds halves [0, n/2) and [n/2, n) and the whole, merges the halves both
 * ways, compares. */
static void merge_halves(unsigned p, uint64_t n, const char *what)
{
	struct gs_hll a, b, whole, ab, ba;
	int bad = 0;

	gs_hll_init(&a, p);
	gs_hll_init(&b, p);
	gs_hll_init(&whole, p);
	bad += add_range(&a, 99, 0, n / 2);
	bad += add_range(&b, 99, n / 2, n);
	bad += add_range(&b, 99, n / 4, n / 2); /* some overlap */
	bad += add_range(&whole, 99, 0, n);
	bad += gs_hll_copy(&ab, &a) != 0;
	bad += gs_hll_copy(&ba, &b) != 0;
	bad += gs_hll_merge(&ab, &b) != 0;
	bad += gs_hll_merge(&ba, &a) != 0;
	if (gs_hll_is_exact(&whole)) {
		TAP_OK(gs_hll_is_exact(&ab) && gs_hll_count(&ab) == n &&
			       gs_hll_is_exact(&ba) && gs_hll_count(&ba) == n,
		       "%s: merged halves count exactly %llu", what,
		       (unsigned long long)n);
	} else {
		TAP_OK(same_regs(&ab, &whole) && same_regs(&ba, &whole),
		       "%s: merged halves have the registers of the whole",
		       what);
	}
	TAP_OK(gs_hll_check(&ab) == 0 && gs_hll_check(&ba) == 0,
	       "%s: merged pass check", what);
	TAP_EQ_INT(bad, 0, "%s: no call failed", what);
	gs_hll_release(&a);
	gs_hll_release(&b);
	gs_hll_release(&whole);
	gs_hll_release(&ab);
	gs_hll_release(&ba);
}

static void test_merge(void)
{
	struct gs_hll s[4], x, y, z, w;
	int bad = 0;

	merge_halves(14, 1, "set: empty + inline");
	merge_halves(14, 2, "set: inline + table");
	merge_halves(14, 500, "set + set");
	merge_halves(14, 1024, "set + set at exact_max");
	merge_halves(14, 1200, "set + set promoting");
	merge_halves(10, 100, "set + dense and dense + set");
	merge_halves(10, 20000, "dense + dense");
	merge_halves(14, 100000, "dense + dense, p=14");

	/* Order independence over mixed modes: s[0] small set, s[1] dense,
	 * s[2] inline, s[3] set of 15 (exact_max(8) = 16). */
	for (int i = 0; i < 4; i++)
		gs_hll_init(&s[i], 8);
	bad += add_range(&s[0], 5, 0, 10);
	bad += add_range(&s[1], 5, 5, 3000);
	bad += add_range(&s[2], 5, 4000, 4001);
	bad += add_range(&s[3], 5, 2990, 3005);
	gs_hll_init(&x, 8);
	gs_hll_init(&y, 8);
	gs_hll_init(&w, 8);
	for (int i = 0; i < 4; i++) {
		bad += gs_hll_merge(&x, &s[i]) != 0;
		bad += gs_hll_merge(&y, &s[3 - i]) != 0;
	}
	bad += gs_hll_copy(&z, &s[3]) != 0; /* ((s3 u s0) u s2) u s1 */
	bad += gs_hll_merge(&z, &s[0]) != 0;
	bad += gs_hll_merge(&z, &s[2]) != 0;
	bad += gs_hll_merge(&z, &s[1]) != 0;
	bad += add_range(&w, 5, 0, 3005);
	bad += add_range(&w, 5, 4000, 4001);
	TAP_OK(same_regs(&x, &y) && same_regs(&x, &z) && same_regs(&x, &w),
	       "merge order does not matter; equals adding everything");
	bad += gs_hll_merge(&x, &x) != 0;
	TAP_OK(same_regs(&x, &w), "merging a sketch into itself is a no-op");

	/* precisions differ: the union is taken at the lower one */
	struct gs_hll q;
	gs_hll_init(&q, 10);
	bad += gs_hll_merge(&x, &q) != 0;
	TAP_OK(same_regs(&x, &w), "an empty finer sketch merged in: unchanged");
	bad += gs_hll_merge(&q, &x) != 0;
	TAP_OK(same_regs(&q, &w), "merged into a finer sketch: at the lower p");
	TAP_EQ_INT(bad, 0, "no call failed");
	for (int i = 0; i < 4; i++)
		gs_hll_release(&s[i]);
	gs_hll_release(&x);
	gs_hll_release(&y);
	gs_hll_release(&z);
	gs_hll_release(&w);
	gs_hll_release(&q);
}

static void test_copy(void)
{
	static const uint64_t sizes[] = {0, 1, 30, 5000};
	int ok = 1, bad = 0;

	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct gs_hll a, c;
		uint64_t before;

		gs_hll_init(&a, 12);
		bad += add_range(&a, 11, 0, sizes[k]);
		before = gs_hll_count(&a);
		bad += gs_hll_copy(&c, &a) != 0;
		ok &= gs_hll_count(&c) == before;
		ok &= gs_hll_is_exact(&c) == gs_hll_is_exact(&a);
		ok &= gs_hll_bytes(&c) == gs_hll_bytes(&a);
		ok &= gs_hll_check(&c) == 0;
		ok &= !a.dense || same_regs(&a, &c);
		ok &= gs_hll_bytes(&a) == 0 || a.u.set != c.u.set;
		bad += add_range(&a, 12, 0, 10000); /* diverge the original */
		ok &= gs_hll_count(&c) == before;
		gs_hll_release(&a);
		ok &= gs_hll_count(&c) == before; /* c survives a's release */
		gs_hll_release(&c);
	}
	TAP_OK(ok, "copies are deep and equal (empty, inline, set, dense)");
	TAP_EQ_INT(bad, 0, "no call failed");

	struct gs_hll a;
	gs_hll_init(&a, 12);
	TAP_EQ_INT(gs_hll_copy(&a, &a), GS_EUSAGE, "copy onto itself refused");
}

/*
 * Relative error over trials independent trials at n distinct hashes. The
 * seeds of all (p, n, trial) differ and the counter ranges cannot overlap.
 */
static void test_accuracy(unsigned p, uint64_t n, int trials)
{
	const double rse = gs_hll_rse(p);
	double sum2 = 0, sum = 0, worst = 0;
	int bad = 0;

	for (int t = 0; t < trials; t++) {
		uint64_t seed = splitmix64(p * 1000003u + n * 101u + (uint64_t)t)
				<< 20;
		struct gs_hll h;
		double e;

		gs_hll_init(&h, p);
		bad += add_range(&h, seed, 0, n);
		e = (gs_hll_estimate(&h) - (double)n) / (double)n;
		sum += e;
		sum2 += e * e;
		if (fabs(e) > worst)
			worst = fabs(e);
		gs_hll_release(&h);
	}
	double rms = sqrt(sum2 / trials);
	printf("# p=%u n=%llu: rms %.4f%% (%.2f x rse %.4f%%), bias %+.4f%%, "
	       "worst %.4f%% (%.2f x rse)\n",
	       p, (unsigned long long)n, 100 * rms, rms / rse, 100 * rse,
	       100 * sum / trials, 100 * worst, worst / rse);
	TAP_OK(rms <= 1.3 * rse, "p=%u n=%llu: RMS error within 1.3 x rse", p,
	       (unsigned long long)n);
	TAP_OK(worst <= 4 * rse, "p=%u n=%llu: every trial within 4 x rse", p,
	       (unsigned long long)n);
	TAP_EQ_INT(bad, 0, "p=%u n=%llu: no add failed", p,
		   (unsigned long long)n);
}

/* Reducing precision equals building at the lower precision, for sets
 * that stay sets, sets that turn dense and dense sketches; mixed merges
 * equal adding everything at the lower precision. */
static void test_reduce(void)
{
	static const unsigned from[] = {16, 14, 10, 8};
	static const unsigned to[] = {4, 6, 8, 9};
	static const uint64_t ns[] = {0, 1, 3, 4, 5, 17, 64, 65, 1000, 200000};
	int bad = 0, wrong = 0, exact_kept = 0;

	for (size_t a = 0; a < sizeof from / sizeof *from; a++)
		for (size_t b = 0; b < sizeof to / sizeof *to; b++)
			for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
				if (to[b] >= from[a])
					continue;
				struct gs_hll h, ref;
				gs_hll_init(&h, from[a]);
				gs_hll_init(&ref, to[b]);
				bad += add_range(&h, 77, 0, ns[c]);
				bad += add_range(&ref, 77, 0, ns[c]);
				bad += gs_hll_reduce(&h, to[b]) != 0;
				bad += gs_hll_check(&h) != 0;
				int w = (h.dense || ref.dense)
						? !same_regs(&h, &ref)
						: h.p != ref.p || h.n != ref.n;
				if (w)
					printf("# p %u -> %u, n %llu: dense %d/%d\n",
					       from[a], to[b],
					       (unsigned long long)ns[c],
					       h.dense, ref.dense);
				wrong += w;
				exact_kept += !h.dense && ns[c] > 0;
				gs_hll_release(&h);
				gs_hll_release(&ref);
			}
	TAP_EQ_INT(wrong, 0, "reduce(p -> p') equals adding the hashes at p'");
	TAP_OK(exact_kept > 0, "small sets stay exact (%d cases)", exact_kept);

	struct gs_hll h;
	gs_hll_init(&h, 8);
	bad += add_range(&h, 3, 0, 5000);
	double before = gs_hll_estimate(&h);
	bad += gs_hll_reduce(&h, 12) != 0;
	TAP_OK(h.p == 8 && gs_hll_estimate(&h) == before,
	       "reduce to a higher precision is a no-op");
	bad += gs_hll_reduce(&h, 1) != 0;
	TAP_EQ_INT(h.p, GS_HLL_P_MIN, "reduce clamps to GS_HLL_P_MIN");
	TAP_EQ_INT(gs_hll_bytes(&h), 1u << GS_HLL_P_MIN, "and holds 2^p bytes");
	gs_hll_release(&h);

	/* a, b at different precisions, merged both ways */
	struct gs_hll x, y, x2, y2, ref;
	gs_hll_init(&x, 12);
	gs_hll_init(&y, 7);
	gs_hll_init(&ref, 7);
	bad += add_range(&x, 9, 0, 3000);
	bad += add_range(&y, 9, 2500, 2600);
	bad += add_range(&ref, 9, 0, 3000);
	bad += add_range(&ref, 9, 2500, 2600);
	bad += gs_hll_copy(&x2, &x) != 0;
	bad += gs_hll_copy(&y2, &y) != 0;
	bad += gs_hll_merge(&x2, &y) != 0;
	bad += gs_hll_merge(&y2, &x) != 0;
	TAP_OK(same_regs(&x2, &ref) && same_regs(&y2, &ref),
	       "mixed precisions merge to the sketch at the lower one, either way");
	TAP_EQ_INT(x.p, 12, "src is not modified");
	TAP_EQ_INT(bad, 0, "no call failed");
	gs_hll_release(&x);
	gs_hll_release(&y);
	gs_hll_release(&x2);
	gs_hll_release(&y2);
	gs_hll_release(&ref);
}

int main(void)
{
	static const uint64_t ns[] = {1000, 3000, 10000, 100000};
	static const unsigned ps[] = {10, 14};

	test_basics();
	test_zero_hash();
	test_exact_and_promotion();
	test_dense_rank();
	test_merge();
	test_copy();
	test_reduce();
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
		for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
			test_accuracy(ps[i], ns[j], 30);
	/* issue 17: merged into an empty set, a sketch is a copy, table and
	 * all: a part's sketch moved into the merged engine (gs_engine_absorb)
	 * and one merged into it save alike. Three members whose home slot
	 * is the last of 4 wrap around: re-inserted in slot order they would
	 * land elsewhere. */
	{
		struct gs_hll a, b;
		gs_hll_init(&a, 10);
		gs_hll_init(&b, 10);
		gs_hll_add(&a, 3);
		gs_hll_add(&a, 7);
		gs_hll_add(&a, 11);
		TAP_EQ_INT(gs_hll_merge(&b, &a), 0, "merge into an empty set");
		unsigned char ea[64], eb[64];
		size_t na = gs_hll_saved_size(&a), nb = gs_hll_saved_size(&b);
		int same = na == nb && na <= sizeof ea;
		if (same) {
			gs_hll_encode(&a, ea);
			gs_hll_encode(&b, eb);
			same = memcmp(ea, eb, na) == 0;
		}
		TAP_OK(same && gs_hll_count(&b) == 3 && gs_hll_check(&b) == 0,
		       "is the same sketch, saved alike (%zu bytes)", nb);
		gs_hll_release(&a);
		gs_hll_release(&b);
	}
	/* issue 17: a packed set (an old bucket's) reads, merges and saves
	 * as the table it was, and turns back into one when added to */
	{
		int ok = 1, enc_ok = 1, merges_ok = 1, adds_ok = 1;
		size_t packed_bytes = 0, table_bytes = 0;
		for (uint32_t n = 2; n <= 64; n++) {
			struct gs_hll a, ref;
			gs_hll_init(&a, 10);
			gs_hll_init(&ref, 10);
			for (uint32_t i = 0; i < n; i++) {
				/* hash 0 among the members of some */
				uint64_t v = (n % 3 == 0 && i == 0)
						     ? 0
						     : splitmix64(n * 1000 + i);
				gs_hll_add(&a, v);
				gs_hll_add(&ref, v);
			}
			table_bytes += gs_hll_bytes(&a);
			ok &= gs_hll_pack(&a) == 0 && a.packed == 1 &&
			      gs_hll_check(&a) == 0 && gs_hll_count(&a) == n &&
			      gs_hll_bytes(&a) == 8 * n;
			packed_bytes += gs_hll_bytes(&a);
			/* adding a member changes nothing */
			gs_hll_add(&a, (n % 3 == 0) ? 0 : splitmix64(n * 1000));
			ok &= a.packed == 1 && gs_hll_count(&a) == n;
			/* saved: loads as the same members */
			unsigned char buf[1024];
			size_t sz = gs_hll_saved_size(&a), used = 0;
			struct gs_hll ld;
			gs_hll_encode(&a, buf);
			enc_ok &= sz == gs_hll_saved_size(&ref) &&
				  gs_hll_decode(&ld, buf, sz, &used) == 0 &&
				  used == sz && gs_hll_check(&ld) == 0 &&
				  gs_hll_count(&ld) == n;
			struct gs_hll u = {0};
			gs_hll_copy(&u, &ld);
			gs_hll_merge(&u, &ref); /* same members: no change */
			enc_ok &= gs_hll_count(&u) == n;
			gs_hll_release(&u);
			gs_hll_release(&ld);
			/* merged from and into, against the table it was */
			struct gs_hll x, y, d1, d2;
			gs_hll_init(&x, 10);
			gs_hll_init(&y, 10);
			add_range(&x, 7, 0, 10);
			add_range(&y, 7, 0, 10);
			merges_ok &= gs_hll_merge(&x, &a) == 0 &&
				     gs_hll_merge(&y, &ref) == 0 &&
				     same_sketch(&x, &y);
			gs_hll_copy(&d1, &a);
			gs_hll_copy(&d2, &ref);
			merges_ok &= d1.packed && gs_hll_merge(&d1, &x) == 0 &&
				     gs_hll_merge(&d2, &x) == 0 &&
				     gs_hll_check(&d1) == 0 &&
				     same_sketch(&d1, &d2);
			gs_hll_release(&d1);
			gs_hll_release(&d2);
			gs_hll_release(&x);
			gs_hll_release(&y);
			/* a new member: a table again, or registers past 64 */
			gs_hll_add(&a, splitmix64(999999 + n));
			gs_hll_add(&ref, splitmix64(999999 + n));
			adds_ok &= !a.packed && gs_hll_check(&a) == 0 &&
				   same_sketch(&a, &ref);
			gs_hll_release(&a);
			gs_hll_release(&ref);
		}
		TAP_OK(ok,
		       "packed sets: the same members in 8 n bytes (%zu bytes, %zu as tables)",
		       packed_bytes, table_bytes);
		TAP_OK(enc_ok,
		       "packed sets save as tables and load as the same members");
		TAP_OK(merges_ok,
		       "packed sets merge from and into as their tables");
		TAP_OK(adds_ok,
		       "a new member turns a packed set back into a table (or registers)");
		struct gs_hll one;
		gs_hll_init(&one, 10);
		gs_hll_add(&one, 5);
		TAP_OK(gs_hll_pack(&one) == 0 && !one.packed &&
			       gs_hll_bytes(&one) == 0,
		       "a one-member set stays inline");
		gs_hll_release(&one);
	}
	/* issue 17: gs_hll_add_members (a tag's accounts as the union of its
	 * buckets' sets) gives what adding the hashes one by one gives, at
	 * the destination's precision: a set, or registers once past it;
	 * gs_hll_equal tells them apart */
	{
		int ok = 1, eq = 1;
		for (unsigned dp = 6; dp <= 14; dp += 4)
			for (uint64_t n = 1; n <= 300; n = n * 3 + 1) {
				struct gs_hll direct, derived, bucket;
				gs_hll_init(&direct, dp);
				gs_hll_init(&derived, dp);
				ok &= add_range(&direct, 77, 0, n) == 0;
				/* buckets of precision 10 (exact up to 64),
				 * overlapping by a third, some packed */
				for (uint64_t b = 0; b < n; b += 40) {
					gs_hll_init(&bucket, 10);
					uint64_t lo = b >= 20 ? b - 20 : 0,
						 hi = b + 40 < n ? b + 40 : n;
					ok &= add_range(&bucket, 77, lo, hi) ==
					      0;
					if (b % 80)
						ok &= gs_hll_pack(&bucket) == 0;
					ok &= gs_hll_add_members(&derived,
								 &bucket) == 0;
					gs_hll_release(&bucket);
				}
				ok &= gs_hll_check(&derived) == 0;
				eq &= same_sketch(&direct, &derived) &&
				      gs_hll_equal(&direct, &derived) &&
				      gs_hll_equal(&derived, &direct);
				gs_hll_add(&derived, splitmix64(5));
				eq &= n < gs_hll_exact_max(dp)
					      ? !gs_hll_equal(&direct, &derived)
					      : 1;
				gs_hll_release(&direct);
				gs_hll_release(&derived);
			}
		TAP_OK(ok,
		       "members added from buckets' sets, tables and packed");
		TAP_OK(eq,
		       "the union of buckets' members equals the sketch fed "
		       "every hash, set or registers; one more member differs");
		struct gs_hll d, s;
		gs_hll_init(&d, 10);
		gs_hll_init(&s, 4);
		add_range(&s, 1, 0, 100);
		TAP_OK(gs_hll_add_members(&d, &s) == GS_EUSAGE &&
			       gs_hll_count(&d) == 0,
		       "a dense sketch has no members to add");
		TAP_OK(!gs_hll_equal(&d, &s),
		       "precision and mode differ: not equal");
		gs_hll_release(&d);
		gs_hll_release(&s);
	}
	return TAP_DONE();
}
