/*
 * hll.h - distinct counts: an exact set while small, HyperLogLog once large.
 *
 * A struct gs_hll counts the distinct 64-bit hashes added to it. Up to
 * gs_hll_exact_max(p) of them it keeps the hashes themselves and the count is
 * exact; past that it turns into 2^p one-byte HyperLogLog registers and the
 * count is an estimate with relative standard error gs_hll_rse(p). See hll.c
 * for the design and the error bounds.
 *
 * Ownership: the caller owns the struct (it is meant to be embedded, 16
 * bytes); the struct owns the heap storage it points to, which only
 * gs_hll_release() frees. Plain assignment or memcpy of a struct gs_hll
 * shares that storage: use gs_hll_copy() for a second sketch.
 */
#ifndef GS_HLL_H
#define GS_HLL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The precisions a sketch takes (gs_hll_init clamps into them), and the
 * one a tag's distinct accounts are counted at unless told otherwise:
 * 16384 registers, 0.81 % error, exact up to 1024 accounts. */
#define GS_HLL_P_MIN 4
#define GS_HLL_P_MAX 16
#define GS_HLL_P_DEFAULT 14

struct gs_hll {           /* 16 bytes: millions are embedded in timelines */
	uint8_t p;        /* precision 4..16: 2^p registers once dense */
	uint8_t dense;    /* 0: exact set of 64-bit hashes; 1: registers */
	uint16_t n;       /* set mode: number of distinct hashes held
			     (at most gs_hll_exact_max(16) = 4096) */
	uint16_t cap;     /* set mode: capacity of u.set (0: the single hash is
			     inline in u.one); at most 8192 */
	uint16_t packed;  /* set mode, 1: u.set is the n (2..GS_HLL_PACK_MAX)
			     members sorted, exactly n words (gs_hll_pack) */
	union { uint64_t one; uint64_t *set; uint8_t *regs; } u;
};

_Static_assert(sizeof(struct gs_hll) <= 16, "struct gs_hll grew past 16 bytes");

/*
 * Makes h an empty exact sketch of precision p; allocates nothing and cannot
 * fail. A p outside GS_HLL_P_MIN..GS_HLL_P_MAX is clamped into that range.
 * Sketches that will be merged must share p.
 */
void gs_hll_init(struct gs_hll *h, unsigned p);

/*
 * Frees the storage h holds. h is then zeroed: not a usable sketch until
 * gs_hll_init() or gs_hll_copy(), but releasing it again is harmless.
 */
void gs_hll_release(struct gs_hll *h);

/*
 * Adds one element, given as its 64-bit hash (a good hash such as xxh3; it is
 * not hashed again). Adding a hash already counted changes nothing. Returns 0,
 * or GS_ENOMEM when the set had to grow or turn dense and could not allocate;
 * h is then unchanged. O(1) on average; allocates only when the set grows
 * (by doubling) or turns dense, never in dense mode.
 */
int gs_hll_add(struct gs_hll *h, uint64_t hash);

/* Asks the CPU for the memory gs_hll_add(h, hash) will touch; changes
 * nothing. For callers with several sketches to update at once. */
static inline void gs_hll_prefetch(const struct gs_hll *h, uint64_t hash)
{
	if (h->dense)
		__builtin_prefetch(&h->u.regs[hash >> (64 - h->p)]);
	else if (h->cap)
		__builtin_prefetch(&h->u.set[(uint32_t)hash & (h->cap - 1u)]);
}

/*
 * Makes dst the sketch of the union of dst and src, at the lower of their
 * two precisions. The result is what adding every element of both to one
 * sketch of that precision would give: the same exact set, or the same
 * registers. Returns 0, or GS_ENOMEM with dst holding what it held (at
 * src's precision, if that is lower). src is not modified; dst == src is
 * allowed (and a no-op).
 */
int gs_hll_merge(struct gs_hll *dst, const struct gs_hll *src);

/*
 * Lowers h's precision to p (clamped to GS_HLL_P_MIN; no-op when p >= h's):
 * a set that still fits gs_hll_exact_max(p) stays exact, otherwise h turns
 * into 2^p registers, folded exactly from the old ones (equal to adding the
 * same hashes at precision p). Memory drops to at most 2^p bytes for a
 * dense result. Returns 0, or GS_ENOMEM with h unchanged.
 */
int gs_hll_reduce(struct gs_hll *h, unsigned p);

/* The most members gs_hll_pack() packs (a bucket's set at p = 10 holds
 * at most 64). */
#define GS_HLL_PACK_MAX 64

/*
 * Packs a set of 2..GS_HLL_PACK_MAX members into a sorted array of exactly
 * their words, for a sketch that is mostly read from now on (an old
 * bucket's): 8 n bytes instead of a table of 8 (cap + 1), 2 to 3 times
 * that. Everything reads a packed sketch as before (the same members,
 * estimate, merges and saved form); adding to it or merging into it turns
 * it back into a table first (which may fail: GS_ENOMEM). A no-op for
 * other sketches. Returns 0, or GS_ENOMEM with h unchanged.
 */
int gs_hll_pack(struct gs_hll *h);

/*
 * Adds every member of the set-mode src (of any precision) to dst, at
 * dst's precision: what adding the same hashes one by one gives. Returns
 * 0, GS_EUSAGE when src is dense (its members are gone), or GS_ENOMEM
 * with dst holding some of them.
 */
int gs_hll_add_members(struct gs_hll *dst, const struct gs_hll *src);

/* 1 when a and b hold the same: precision, mode and members, or
 * registers; else 0. */
int gs_hll_equal(const struct gs_hll *a, const struct gs_hll *b);

/* The number of distinct hashes: exact in set mode, else Ertl's estimate. */
double gs_hll_estimate(const struct gs_hll *h);

/* gs_hll_estimate() rounded to the nearest integer (exact in set mode). */
uint64_t gs_hll_count(const struct gs_hll *h);

/* 1 while h is an exact set (gs_hll_count() is exact), 0 once dense. */
int gs_hll_is_exact(const struct gs_hll *h);

/* Relative standard error of a dense sketch of precision p: 1.04/sqrt(2^p). */
double gs_hll_rse(unsigned p);

/*
 * The most distinct hashes a sketch of precision p counts exactly:
 * max(2^p / 16, 4). The next distinct hash turns it dense.
 */
uint32_t gs_hll_exact_max(unsigned p);

/*
 * Heap bytes h holds: 0 when empty or holding one hash, 8 * (cap + 1) for a
 * set (at most 2^p + 8 for p >= 6), 8 n for a packed one, 2^p when dense.
 */
size_t gs_hll_bytes(const struct gs_hll *h);

/*
 * Makes dst, uninitialised on entry, an independent deep copy of src.
 * Returns 0; GS_EUSAGE when dst == src; or GS_ENOMEM, with dst then a valid
 * empty sketch of src's precision (so gs_hll_release(dst) is always safe).
 */
int gs_hll_copy(struct gs_hll *dst, const struct gs_hll *src);

/*
 * Checks every invariant of h (precision, set occupancy and load, that every
 * member is reachable by its probe sequence, register range). Returns 0, or
 * GS_EUSAGE when h is corrupt. O(size of h); for tests and fuzzers.
 */
int gs_hll_check(const struct gs_hll *h);

/* ---- snapshots (the format is described in hll.c) ---- */

/* Largest gs_hll_saved_size(): a dense sketch of precision 16. */
#define GS_HLL_SAVED_MAX (7 + (1u << GS_HLL_P_MAX))

/* Bytes gs_hll_encode() and gs_hll_save() write for h. */
size_t gs_hll_saved_size(const struct gs_hll *h);

/* Writes the gs_hll_saved_size(h) bytes of h to out. */
void gs_hll_encode(const struct gs_hll *h, unsigned char *out);

/*
 * Makes h, uninitialised on entry, the sketch encoded at in[0..avail) and
 * sets *used to the bytes it took. Every field is checked (see hll.c): a
 * sketch that gs_hll_add() and gs_hll_merge() could not have made is
 * refused. Returns 0, GS_EFORMAT or GS_ENOMEM; on failure h is a valid
 * empty sketch. The caller checks h->p against the precision it expects.
 */
int gs_hll_decode(struct gs_hll *h, const unsigned char *in, size_t avail,
		  size_t *used);

/* The same on a FILE, reading exactly the sketch's bytes: 0, GS_EIO (write
 * or read error), GS_EFORMAT (malformed or truncated) or GS_ENOMEM. No
 * checksum: gs_engine_save() and gs_trend_save() wrap sketches in a
 * checked envelope. On failure of gs_hll_load(), h is a valid empty
 * sketch. */
int gs_hll_save(const struct gs_hll *h, FILE *f);
int gs_hll_load(struct gs_hll *h, FILE *f);

#endif
