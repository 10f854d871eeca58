/*
 * hll.c - distinct counts: an exact set while small, HyperLogLog once large.
 *
 * What it does
 * ------------
 * A struct gs_hll (16 bytes, embedded by the million in the engine's tables)
 * counts distinct elements given as 64-bit hashes, e.g. the accounts that
 * used a hashtag in one time bucket. Most such counts are tiny and must be
 * exact; a few are huge and only need to be close. Sketches of disjoint
 * parts of a stream merge into the sketch of the whole.
 *
 * Design
 * ------
 * Set mode (dense == 0) keeps the distinct hashes themselves:
 *   n == 0             empty, nothing allocated;
 *   n == 1, cap == 0   the hash is inline in u.one, nothing allocated (most
 *                      tags in a bucket are used by one account);
 *   cap > 0            u.set is an open-addressing table with linear probing
 *                      of cap slots (a power of two >= 4) plus one word:
 *                      u.set[0..cap) hold the members, 0 marks an empty slot,
 *                      and u.set[cap] is 1 when the hash 0 is a member (so
 *                      every 64-bit value is storable). A hash's home slot is
 *                      its low bits; the top bits are the register index
 *                      below. The load stays <= 3/4; the table doubles.
 *   packed == 1        (gs_hll_pack; cap == 0, 2 <= n <= GS_HLL_PACK_MAX)
 *                      u.set holds exactly the n members, sorted: for old
 *                      buckets' sketches, which are read (and merged
 *                      from) but seldom added to; adding or merging into
 *                      one rebuilds the table first (thaw). Its saved form
 *                      is that of the table its members make when put in
 *                      sorted order, so a packed sketch loads as a table.
 * When a new distinct hash would make n exceed gs_hll_exact_max(p) =
 * max(2^p / 16, 4), the sketch turns dense. Up to that point a table holds at
 * most 2^p / 16 hashes in 2^p / 8 slots, i.e. 2^p + 8 bytes: about what the
 * registers take (for p >= 6; below that the 4-member minimum dominates).
 *
 * Dense mode (dense == 1) is HyperLogLog with m = 2^p one-byte registers and
 * the full 64-bit hash (no rehashing): the top p bits select a register, and
 * the register keeps the maximum over its hashes of rank = 1 + the number of
 * leading zeros of the remaining q = 64 - p bits, which is q + 1 when those
 * bits are all zero. Adding is a shift, a count-leading-zeros and a compare;
 * no division, logarithm or allocation on the add path in either mode.
 *
 * Merging is a union: into an empty set it is a copy (the same table, so
 * that a sketch moved from one engine to another and one merged there save
 * alike); set + set stays a set when the union fits (it is sized
 * once, after counting the new members) and otherwise goes dense; a set
 * merged into registers adds each hash; registers merge by register-wise max.
 * The result is identical to having added everything to one sketch, so the
 * order of adds and merges never matters.
 *
 * Reducing precision (gs_hll_reduce) folds 2^p registers into 2^p' (p' < p)
 * exactly: the result equals the sketch built at p' from the same hashes
 * (see regs_fold), so old sketches can be shrunk when memory is short and
 * still merge with anything. Sketches of different precision merge at the
 * lower one.
 *
 * Papers
 * ------
 * P. Flajolet, E. Fusy, O. Gandouet, F. Meunier, "HyperLogLog: the analysis
 *   of a near-optimal cardinality estimation algorithm", AofA 2007: the
 *   registers and the rank.
 * S. Heule, M. Nunkesser, A. Hall, "HyperLogLog in Practice: Algorithmic
 *   Engineering of a State of The Art Cardinality Estimation Algorithm",
 *   EDBT 2013 (HLL++): 64-bit hashes, so no large-range correction, and an
 *   exact sparse representation while small; ours keeps whole hashes, so it
 *   is exact rather than merely sparse.
 * O. Ertl, "New cardinality estimation algorithms for HyperLogLog sketches",
 *   arXiv:1702.01284, 2017: the improved raw estimator (Algorithm 6, with his
 *   sigma and tau functions) applied to the register histogram. It is close
 *   to unbiased from n = 0 up to about 2^64, so it needs neither HLL++'s
 *   empirical bias tables nor a switch to linear counting.
 *
 * Error bounds
 * ------------
 * Set mode is exact: the count is the number of distinct 64-bit hashes, which
 * is the number of distinct elements unless two collide (probability about
 * n^2 / 2^65, i.e. negligible up to gs_hll_exact_max(16) = 4096 members).
 * Dense mode has relative standard error about 1.04 / sqrt(2^p) at every
 * cardinality (Ertl: sqrt(3 ln 2 - 1) / sqrt(m) = 1.039 / sqrt(m)
 * asymptotically, and smaller just after turning dense, where it behaves
 * like linear counting): p = 10: 3.3 %, p = 12: 1.6 %, p = 14: 0.81 %,
 * p = 16: 0.41 %. The error is close to normal, so about 95 % of estimates
 * fall within 2 standard errors and 99.7 % within 3.
 */
#include "hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"

uint32_t gs_hll_exact_max(unsigned p)
{
	return p >= 6 ? UINT32_C(1) << (p - 4) : 4;
}

double gs_hll_rse(unsigned p)
{
	return 1.04 / sqrt(ldexp(1.0, (int)p));
}

void gs_hll_init(struct gs_hll *h, unsigned p)
{
	if (p < GS_HLL_P_MIN)
		p = GS_HLL_P_MIN;
	if (p > GS_HLL_P_MAX)
		p = GS_HLL_P_MAX;
	memset(h, 0, sizeof *h);
	h->p = (uint8_t)p;
}

void gs_hll_release(struct gs_hll *h)
{
	if (h->dense)
		free(h->u.regs);
	else if (h->cap || h->packed)
		free(h->u.set);
	memset(h, 0, sizeof *h);
}

/* ---- dense mode ---- */

static inline void regs_add(uint8_t *regs, unsigned p, uint64_t hash)
{
	/* The low p bits of hash << p are zero; the bit at p - 1 caps the
	 * count of leading zeros at q = 64 - p when the rest is all zero. */
	uint8_t rank = (uint8_t)(__builtin_clzll((hash << p) |
						 (UINT64_C(1) << (p - 1))) + 1);
	uint8_t *r = &regs[hash >> (64 - p)];

	if (*r < rank)
		*r = rank;
}

/* Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for 0 <= x < 1. */
static double ertl_sigma(double x)
{
	double y = 1, z = x, zp;

	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

/* Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3. */
static double ertl_tau(double x)
{
	double y = 1, z, zp;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

static double dense_estimate(const uint8_t *regs, unsigned p)
{
	uint32_t c[66] = {0}; /* c[k]: registers holding k, k <= q + 1 <= 61 */
	const uint32_t m = UINT32_C(1) << p;
	const unsigned q = 64 - p;
	const double dm = m;
	double z;

	for (uint32_t i = 0; i < m; i++)
		c[regs[i]]++;
	if (c[0] == m)
		return 0; /* sigma(1) is infinite */
	z = dm * ertl_tau(1 - c[q + 1] / dm);
	for (unsigned k = q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += dm * ertl_sigma(c[0] / dm);
	if (!(z > 0))
		return 0x1p64; /* every register saturated: beyond any estimate */
	/* alpha_inf m^2 / z, alpha_inf = 1 / (2 ln 2) */
	return dm * dm / (2 * 0.69314718055994530942 * z);
}

/* ---- set mode ---- */

/* Slot holding hash (!= 0) in a table, or the empty slot it would take. */
static inline uint64_t *table_slot(uint64_t *set, uint32_t cap, uint64_t hash)
{
	uint32_t mask = cap - 1, i = (uint32_t)hash & mask;

	while (set[i] != 0 && set[i] != hash)
		i = (i + 1) & mask;
	return &set[i];
}

/* Stores hash, known absent, in a table with room for it. */
static void table_put(uint64_t *set, uint32_t cap, uint64_t hash)
{
	if (hash)
		*table_slot(set, cap, hash) = hash;
	else
		set[cap] = 1;
}

static int set_has(const struct gs_hll *h, uint64_t hash)
{
	if (h->packed) {
		uint32_t lo = 0, hi = h->n;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			if (h->u.set[mid] < hash)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < h->n && h->u.set[lo] == hash;
	}
	if (h->cap == 0)
		return h->n && h->u.one == hash;
	if (hash == 0)
		return h->u.set[h->cap] != 0;
	return *table_slot(h->u.set, h->cap, hash) == hash;
}

/* Walks the members of a set-mode sketch. */
struct set_iter {
	const struct gs_hll *h;
	uint32_t i;
};

static int set_next(struct set_iter *it, uint64_t *hash)
{
	const struct gs_hll *h = it->h;

	if (h->packed) {
		if (it->i >= h->n)
			return 0;
		*hash = h->u.set[it->i++];
		return 1;
	}
	if (h->cap == 0) {
		if (it->i >= h->n)
			return 0;
		it->i++;
		*hash = h->u.one;
		return 1;
	}
	while (it->i < h->cap) {
		uint64_t v = h->u.set[it->i++];
		if (v) {
			*hash = v;
			return 1;
		}
	}
	if (it->i == h->cap) {
		it->i++;
		if (h->u.set[h->cap]) {
			*hash = 0;
			return 1;
		}
	}
	return 0;
}

int gs_hll_add_members(struct gs_hll *dst, const struct gs_hll *src)
{
	struct set_iter it = {src, 0};
	uint64_t v;
	int r;

	if (src->dense)
		return GS_EUSAGE;
	while (set_next(&it, &v))
		if ((r = gs_hll_add(dst, v)))
			return r;
	return 0;
}

int gs_hll_equal(const struct gs_hll *a, const struct gs_hll *b)
{
	struct set_iter it = {b, 0};
	uint64_t v;

	if (a->p != b->p || a->dense != b->dense)
		return 0;
	if (a->dense)
		return memcmp(a->u.regs, b->u.regs, (size_t)1 << a->p) == 0;
	if (a->n != b->n)
		return 0;
	while (set_next(&it, &v))
		if (!set_has(a, v))
			return 0;
	return 1;
}

/* Smallest table (>= 4 slots, load <= 3/4) for want members. */
static uint32_t table_cap_for(uint32_t want)
{
	uint32_t cap = 4;

	while (cap / 4 * 3 < want)
		cap <<= 1;
	return cap;
}

/* Makes room for want members without further allocation; GS_ENOMEM leaves
 * h unchanged. */
static int set_reserve(struct gs_hll *h, uint32_t want)
{
	struct set_iter it = {h, 0};
	uint32_t cap;
	uint64_t *set, v;

	if (want <= 1 || (h->cap && h->cap / 4 * 3 >= want))
		return 0;
	cap = table_cap_for(want);
	set = calloc((size_t)cap + 1, sizeof *set);
	if (!set)
		return GS_ENOMEM;
	while (set_next(&it, &v))
		table_put(set, cap, v);
	if (h->cap || h->packed)
		free(h->u.set);
	h->u.set = set;
	h->cap = cap;
	h->packed = 0;
	return 0;
}

/* A packed h as a table again (GS_ENOMEM: h unchanged). */
static int thaw(struct gs_hll *h)
{
	if (!h->packed)
		return 0;
	uint32_t cap = table_cap_for(h->n);
	uint64_t *set = calloc((size_t)cap + 1, sizeof *set);
	if (!set)
		return GS_ENOMEM;
	for (uint32_t i = 0; i < h->n; i++)
		table_put(set, cap, h->u.set[i]);
	free(h->u.set);
	h->u.set = set;
	h->cap = cap;
	h->packed = 0;
	return 0;
}

static int cmp_hash(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int gs_hll_pack(struct gs_hll *h)
{
	struct set_iter it = {h, 0};
	uint64_t *v;
	uint32_t k = 0;

	if (h->dense || h->packed || h->cap == 0 || h->n > GS_HLL_PACK_MAX)
		return 0;
	v = malloc((size_t)h->n * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	while (set_next(&it, &v[k]))
		k++;
	qsort(v, k, sizeof *v, cmp_hash);
	free(h->u.set);
	h->u.set = v;
	h->cap = 0;
	h->packed = 1;
	return 0;
}

/* Adds hash, known absent, to a set with room reserved for it. */
static void set_put(struct gs_hll *h, uint64_t hash)
{
	if (h->cap)
		table_put(h->u.set, h->cap, hash);
	else
		h->u.one = hash;
	h->n++;
}

/* Folds the members of the set-mode src into registers. */
static void regs_add_set(uint8_t *regs, const struct gs_hll *src)
{
	struct set_iter it = {src, 0};
	uint64_t v;

	while (set_next(&it, &v))
		regs_add(regs, src->p, v);
}

/* Turns the set-mode h into registers regs (2^p bytes, already holding
 * whatever else belongs in the union). */
static void set_to_dense(struct gs_hll *h, uint8_t *regs)
{
	regs_add_set(regs, h);
	if (h->cap || h->packed)
		free(h->u.set);
	h->u.regs = regs;
	h->dense = 1;
	h->n = 0;
	h->cap = 0;
	h->packed = 0;
}

/* hash is a new member and there is no room for it in set mode. */
static int promote_add(struct gs_hll *h, uint64_t hash)
{
	uint8_t *regs = calloc((size_t)1 << h->p, 1);

	if (!regs)
		return GS_ENOMEM;
	set_to_dense(h, regs);
	regs_add(regs, h->p, hash);
	return 0;
}

int gs_hll_add(struct gs_hll *h, uint64_t hash)
{
	uint64_t *slot = NULL;

	if (h->dense) {
		regs_add(h->u.regs, h->p, hash);
		return 0;
	}
	if (h->packed) {
		if (set_has(h, hash))
			return 0;
		if (h->n >= gs_hll_exact_max(h->p))
			return promote_add(h, hash);
		if (thaw(h))
			return GS_ENOMEM;
	}
	if (h->cap) {
		if (hash) {
			slot = table_slot(h->u.set, h->cap, hash);
			if (*slot == hash)
				return 0;
		} else if (h->u.set[h->cap]) {
			return 0;
		}
	} else if (h->n && h->u.one == hash) {
		return 0;
	}
	/* hash is new */
	if (h->n >= gs_hll_exact_max(h->p))
		return promote_add(h, hash);
	if (h->cap && (h->n + 1) * 4 <= h->cap * 3) {
		if (slot)
			*slot = hash;
		else
			h->u.set[h->cap] = 1;
		h->n++;
		return 0;
	}
	if (set_reserve(h, h->n + 1))
		return GS_ENOMEM;
	set_put(h, hash);
	return 0;
}

/*
 * Folds registers of precision p0 into dst, of precision p1 < p0 (zeroed
 * or holding more of the union). A hash's p1-bit index is the top p1 bits
 * of its p0-bit index j; the d = p0 - p1 bits of j below them come first
 * in what the new rank counts: when they are not all zero the rank is
 * their leading zeros + 1 whatever the register held, and when they are,
 * it is d + the old rank. So the result equals the registers of the same
 * hashes added at precision p1.
 */
static void regs_fold(const uint8_t *src, unsigned p0, uint8_t *dst,
		      unsigned p1)
{
	const unsigned d = p0 - p1;
	const uint32_t m = UINT32_C(1) << p0, low = (UINT32_C(1) << d) - 1;

	for (uint32_t j = 0; j < m; j++) {
		if (!src[j])
			continue;
		uint32_t b = j & low;
		uint8_t rank =
			b ? (uint8_t)(d - (32 - (unsigned)__builtin_clz(b)) + 1)
			  : (uint8_t)(d + src[j]);
		uint8_t *r = &dst[j >> d];
		if (*r < rank)
			*r = rank;
	}
}

int gs_hll_reduce(struct gs_hll *h, unsigned p)
{
	uint8_t *regs;

	if (p < GS_HLL_P_MIN)
		p = GS_HLL_P_MIN;
	if (p >= h->p)
		return 0;
	if (!h->dense && h->n <= gs_hll_exact_max(p)) {
		h->p = (uint8_t)p; /* still exact: the members stay */
		return 0;
	}
	regs = calloc((size_t)1 << p, 1);
	if (!regs)
		return GS_ENOMEM;
	if (!h->dense) {
		h->p = (uint8_t)p;
		set_to_dense(h, regs);
		return 0;
	}
	regs_fold(h->u.regs, h->p, regs, p);
	free(h->u.regs);
	h->u.regs = regs;
	h->p = (uint8_t)p;
	return 0;
}

int gs_hll_merge(struct gs_hll *dst, const struct gs_hll *src)
{
	const size_t m = (size_t)1 << dst->p;
	struct set_iter it = {src, 0};
	uint32_t fresh = 0;
	uint8_t *regs;
	uint64_t v;
	int r;

	if (dst == src)
		return 0;
	if (dst->p > src->p) {
		/* the union is only as precise as the coarser sketch */
		if ((r = gs_hll_reduce(dst, src->p)))
			return r;
		return gs_hll_merge(dst, src);
	}
	if (dst->p < src->p) {
		struct gs_hll t;
		if ((r = gs_hll_copy(&t, src)) ||
		    (r = gs_hll_reduce(&t, dst->p)) ||
		    (r = gs_hll_merge(dst, &t))) {
			gs_hll_release(&t);
			return r;
		}
		gs_hll_release(&t);
		return 0;
	}
	if (src->dense) {
		if (dst->dense) {
			for (size_t i = 0; i < m; i++)
				if (dst->u.regs[i] < src->u.regs[i])
					dst->u.regs[i] = src->u.regs[i];
			return 0;
		}
		regs = malloc(m);
		if (!regs)
			return GS_ENOMEM;
		memcpy(regs, src->u.regs, m);
		set_to_dense(dst, regs);
		return 0;
	}
	if (dst->dense) {
		regs_add_set(dst->u.regs, src);
		return 0;
	}
	if (dst->n == 0) {
		/* into an empty set: a copy, table and all (the same table
		 * as src's: a merged sketch and a moved one save alike) */
		struct gs_hll t;
		if ((r = gs_hll_copy(&t, src)))
			return r;
		gs_hll_release(dst);
		*dst = t;
		return 0;
	}
	/* Both sets: size the union first, so that failure changes nothing. */
	while (set_next(&it, &v))
		fresh += !set_has(dst, v);
	if (fresh == 0)
		return 0;
	if (dst->n + fresh <= gs_hll_exact_max(dst->p) && thaw(dst))
		return GS_ENOMEM;
	if (dst->n + fresh > gs_hll_exact_max(dst->p)) {
		regs = calloc(m, 1);
		if (!regs)
			return GS_ENOMEM;
		regs_add_set(regs, src);
		set_to_dense(dst, regs);
		return 0;
	}
	if (set_reserve(dst, dst->n + fresh))
		return GS_ENOMEM;
	it.i = 0;
	while (set_next(&it, &v))
		if (!set_has(dst, v))
			set_put(dst, v);
	return 0;
}

double gs_hll_estimate(const struct gs_hll *h)
{
	return h->dense ? dense_estimate(h->u.regs, h->p) : (double)h->n;
}

uint64_t gs_hll_count(const struct gs_hll *h)
{
	double e;

	if (!h->dense)
		return h->n;
	e = dense_estimate(h->u.regs, h->p);
	return e >= 0x1p64 ? UINT64_MAX : (uint64_t)(e + 0.5);
}

int gs_hll_is_exact(const struct gs_hll *h)
{
	return !h->dense;
}

size_t gs_hll_bytes(const struct gs_hll *h)
{
	if (h->dense)
		return (size_t)1 << h->p;
	if (h->packed)
		return (size_t)h->n * sizeof(uint64_t);
	return h->cap ? ((size_t)h->cap + 1) * sizeof(uint64_t) : 0;
}

int gs_hll_copy(struct gs_hll *dst, const struct gs_hll *src)
{
	size_t bytes = gs_hll_bytes(src);

	if (dst == src)
		return GS_EUSAGE;
	*dst = *src;
	if (bytes == 0)
		return 0;
	dst->u.set = NULL;
	void *mem = malloc(bytes);
	if (!mem) {
		gs_hll_init(dst, src->p);
		return GS_ENOMEM;
	}
	memcpy(mem, src->dense ? (const void *)src->u.regs
			       : (const void *)src->u.set, bytes);
	if (src->dense)
		dst->u.regs = mem;
	else
		dst->u.set = mem;
	return 0;
}

int gs_hll_check(const struct gs_hll *h)
{
	if (h->p < GS_HLL_P_MIN || h->p > GS_HLL_P_MAX || h->packed > 1)
		return GS_EUSAGE;
	if (h->packed) {
		if (h->dense || h->cap || !h->u.set || h->n < 2 ||
		    h->n > GS_HLL_PACK_MAX || h->n > gs_hll_exact_max(h->p))
			return GS_EUSAGE;
		for (uint32_t i = 1; i < h->n; i++)
			if (h->u.set[i - 1] >= h->u.set[i])
				return GS_EUSAGE;
		return 0;
	}
	if (h->dense == 1) {
		const uint32_t m = UINT32_C(1) << h->p;
		if (h->n || h->cap || !h->u.regs)
			return GS_EUSAGE;
		for (uint32_t i = 0; i < m; i++)
			if (h->u.regs[i] > 64 - h->p + 1)
				return GS_EUSAGE;
		return 0;
	}
	if (h->dense != 0 || h->n > gs_hll_exact_max(h->p))
		return GS_EUSAGE;
	if (h->cap == 0)
		return h->n <= 1 ? 0 : GS_EUSAGE;
	if (h->cap < 4 || (h->cap & (h->cap - 1)) || !h->u.set ||
	    h->u.set[h->cap] > 1 || h->n < 2 || h->n > h->cap / 4 * 3)
		return GS_EUSAGE;
	uint32_t held = (uint32_t)h->u.set[h->cap];
	for (uint32_t i = 0; i < h->cap; i++) {
		uint64_t v = h->u.set[i];
		if (v == 0)
			continue;
		held++;
		if (table_slot(h->u.set, h->cap, v) != &h->u.set[i])
			return GS_EUSAGE;
	}
	return held == h->n ? 0 : GS_EUSAGE;
}

/* ---- snapshots ----------------------------------------------------------
 *
 * A sketch is saved as a 7-byte header and a body:
 *   u8 p, u8 mode (0 set, 1 dense), u16 n, u16 cap, u8 zero   (LE)
 *   dense:           2^p registers, one byte each (n, cap, zero are 0)
 *   set, cap == 0:   nothing (n == 0) or the one hash, u64 (n == 1)
 *   set, cap > 0:    n - zero members as (u16 slot, u64 hash), slots
 *                    increasing; zero is 1 when the hash 0 is a member.
 * Slots are kept, so a loaded table is the saved one bit for bit (the
 * order in which a set is walked, and so everything built from it later,
 * is unchanged). Loading checks every field against what the code can
 * produce (p in range, cap a power of two no larger than a table for n
 * members needs, n within the exact limit, registers <= 65 - p, slots in
 * range and increasing) and then gs_hll_check() (every member reachable
 * by its probe sequence), so a loaded sketch is one gs_hll_add could have
 * made.
 */

#define SAVE_HEADER 7

size_t gs_hll_saved_size(const struct gs_hll *h)
{
	if (h->dense)
		return SAVE_HEADER + ((size_t)1 << h->p);
	if (h->packed) /* as a table: hash 0 is a flag, not an entry */
		return SAVE_HEADER +
		       10 * (size_t)(h->n - (h->u.set[0] ? 0 : 1));
	if (h->cap == 0)
		return SAVE_HEADER + 8 * (size_t)h->n;
	return SAVE_HEADER + 10 * (size_t)(h->n - (h->u.set[h->cap] ? 1 : 0));
}

static void put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void gs_hll_encode(const struct gs_hll *h, unsigned char *out)
{
	unsigned char *p = out + SAVE_HEADER;
	if (h->packed) {
		/* saved as the table its members make put in sorted order */
		uint64_t tab[2 * GS_HLL_PACK_MAX + 1] = {0};
		struct gs_hll t = *h;
		t.cap = (uint16_t)table_cap_for(h->n);
		t.packed = 0;
		t.u.set = tab;
		for (uint32_t i = 0; i < h->n; i++)
			table_put(tab, t.cap, h->u.set[i]);
		gs_hll_encode(&t, out);
		return;
	}
	out[0] = h->p;
	out[1] = h->dense;
	put_u16(out + 2, h->dense ? 0 : h->n);
	put_u16(out + 4, h->dense ? 0 : h->cap);
	out[6] = 0;
	if (h->dense) {
		memcpy(p, h->u.regs, (size_t)1 << h->p);
	} else if (h->cap == 0) {
		if (h->n)
			put_u64(p, h->u.one);
	} else {
		out[6] = h->u.set[h->cap] ? 1 : 0;
		for (uint32_t i = 0; i < h->cap; i++)
			if (h->u.set[i]) {
				put_u16(p, (uint16_t)i);
				put_u64(p + 2, h->u.set[i]);
				p += 10;
			}
	}
}

/* Body length announced by a header, or -1 when the header is impossible. */
static long body_size(const unsigned char *hd)
{
	unsigned p = hd[0], mode = hd[1], n = get_u16(hd + 2), cap = get_u16(hd + 4),
		 zero = hd[6];
	if (p < GS_HLL_P_MIN || p > GS_HLL_P_MAX || mode > 1 || zero > 1)
		return -1;
	if (mode == 1)
		return n || cap || zero ? -1 : 1L << p;
	if (n > gs_hll_exact_max(p))
		return -1;
	if (cap == 0)
		return n > 1 || zero ? -1 : 8L * n;
	/* a table is only made for two members or more, and is the smallest
	 * one for the members it had then (never more than it has now) */
	if (n < 2 || cap < 4 || (cap & (cap - 1)) || cap > table_cap_for(n) ||
	    n > cap / 4 * 3)
		return -1;
	return 10L * (n - zero);
}

int gs_hll_decode(struct gs_hll *h, const unsigned char *in, size_t avail,
		  size_t *used)
{
	gs_hll_init(h, GS_HLL_P_MIN);
	if (avail < SAVE_HEADER)
		return GS_EFORMAT;
	long body = body_size(in);
	if (body < 0 || (size_t)body > avail - SAVE_HEADER)
		return GS_EFORMAT;
	const unsigned char *p = in + SAVE_HEADER;
	unsigned prec = in[0];
	uint16_t n = get_u16(in + 2), cap = get_u16(in + 4);
	gs_hll_init(h, prec);
	if (in[1]) {
		const size_t m = (size_t)1 << prec;
		for (size_t i = 0; i < m; i++)
			if (p[i] > 64 - prec + 1)
				return GS_EFORMAT;
		uint8_t *regs = malloc(m);
		if (!regs)
			return GS_ENOMEM;
		memcpy(regs, p, m);
		h->u.regs = regs;
		h->dense = 1;
	} else if (cap == 0) {
		if (n)
			h->u.one = get_u64(p);
		h->n = n;
	} else {
		uint64_t *set = calloc((size_t)cap + 1, sizeof *set);
		if (!set)
			return GS_ENOMEM;
		long prev = -1;
		for (long k = 0; k < body / 10; k++, p += 10) {
			uint16_t slot = get_u16(p);
			uint64_t v = get_u64(p + 2);
			if (slot >= cap || (long)slot <= prev || v == 0) {
				free(set);
				return GS_EFORMAT;
			}
			set[slot] = v;
			prev = slot;
		}
		set[cap] = in[6];
		h->u.set = set;
		h->cap = cap;
		h->n = n;
		if (gs_hll_check(h)) {
			gs_hll_release(h);
			gs_hll_init(h, prec);
			return GS_EFORMAT;
		}
	}
	*used = SAVE_HEADER + (size_t)body;
	return 0;
}

int gs_hll_save(const struct gs_hll *h, FILE *f)
{
	size_t n = gs_hll_saved_size(h);
	unsigned char *buf = malloc(n);
	if (!buf)
		return GS_ENOMEM;
	gs_hll_encode(h, buf);
	size_t put = fwrite(buf, 1, n, f);
	free(buf);
	return put == n ? 0 : GS_EIO;
}

int gs_hll_load(struct gs_hll *h, FILE *f)
{
	unsigned char hd[SAVE_HEADER];
	size_t used;
	gs_hll_init(h, GS_HLL_P_MIN);
	if (fread(hd, 1, sizeof hd, f) != sizeof hd)
		return ferror(f) ? GS_EIO : GS_EFORMAT;
	long body = body_size(hd);
	if (body < 0)
		return GS_EFORMAT;
	unsigned char *buf = malloc(SAVE_HEADER + (size_t)body);
	if (!buf)
		return GS_ENOMEM;
	memcpy(buf, hd, sizeof hd);
	if (fread(buf + SAVE_HEADER, 1, (size_t)body, f) != (size_t)body) {
		int r = ferror(f) ? GS_EIO : GS_EFORMAT;
		free(buf);
		return r;
	}
	int r = gs_hll_decode(h, buf, SAVE_HEADER + (size_t)body, &used);
	free(buf);
	return r;
}
