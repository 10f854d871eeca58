/*
 * kmv.h - a bottom-k (KMV) sketch of 64-bit hashes: distinct counts, unions
 * and, what HyperLogLog does badly, intersections and Jaccard similarity of
 * two sets, small ones included.
 *
 * A struct gs_kmv keeps the k smallest distinct hashes added to it. While
 * fewer than k distinct hashes were added it holds them all and every
 * answer is exact. kmv.c states the estimators and their error bounds.
 *
 * Ownership: the caller owns the struct (embedded); the struct owns the
 * array it points to, freed by gs_kmv_release() only. Plain assignment
 * shares that array: use gs_kmv_merge() into an empty sketch for a copy.
 * Errors: 0 or GS_ENOMEM.
 */
#ifndef GS_KMV_H
#define GS_KMV_H

#include <stddef.h>
#include <stdint.h>

/* The k used for a tag's accounts unless told otherwise: 8 KB once full,
 * exact up to 1,024 accounts, 3.1% relative standard error past that. */
#define GS_KMV_K_DEFAULT 1024
#define GS_KMV_K_MIN	 16
#define GS_KMV_K_MAX	 65536

struct gs_kmv {
	uint64_t *h;  /* the n smallest hashes, ascending, distinct */
	uint32_t n;   /* held, at most k */
	uint32_t cap; /* allocated (grows by doubling up to k) */
	uint32_t k;
};

/* An empty sketch keeping k (clamped to GS_KMV_K_MIN..GS_KMV_K_MAX)
 * hashes; allocates nothing. Sketches that merge or compare share k. */
void gs_kmv_init(struct gs_kmv *s, unsigned k);
void gs_kmv_release(struct gs_kmv *s);

/* Adds a hash (of a good hash function: it is not hashed again); adding a
 * hash already counted changes nothing. 0, or GS_ENOMEM (s unchanged). */
int gs_kmv_add(struct gs_kmv *s, uint64_t hash);

/* dst becomes the sketch of the union of both sets: exactly the sketch a
 * single gs_kmv that was fed both would hold. 0, GS_EUSAGE (k differs) or
 * GS_ENOMEM (dst unchanged). */
int gs_kmv_merge(struct gs_kmv *dst, const struct gs_kmv *src);

/* 1 when the sketch holds every hash added (fewer than k distinct). */
int gs_kmv_is_exact(const struct gs_kmv *s);

/* Distinct hashes added: exact while gs_kmv_is_exact(), else the unbiased
 * estimate (k - 1) / U(k), U(k) the k-th smallest hash scaled to (0, 1]. */
double gs_kmv_estimate(const struct gs_kmv *s);

/* Relative standard error of gs_kmv_estimate(): 0 when exact, else
 * 1 / sqrt(k - 2). */
double gs_kmv_rse(const struct gs_kmv *s);

/* What two sketches of one k say of their sets A and B. */
struct gs_kmv_overlap {
	double a, b;	   /* |A|, |B| (gs_kmv_estimate) */
	double uni;	   /* |A u B| */
	double inter;	   /* |A n B| = jaccard * uni */
	double jaccard;	   /* |A n B| / |A u B| */
	double jaccard_se; /* standard error of jaccard: 0 when exact, else
			      sqrt(J (1 - J) / k') with k' the hashes the
			      estimate is drawn from */
	double inter_se;   /* standard error of inter (0 when exact) */
	uint32_t sample;   /* k': hashes of the union sketch looked at */
	uint32_t shared;   /* of them, those in both sets */
	int exact;	   /* 1: both sketches hold all their hashes */
};

/* Fills *o from sketches a and b (same k). 0, GS_EUSAGE (k differs). */
int gs_kmv_overlap(const struct gs_kmv *a, const struct gs_kmv *b,
		   struct gs_kmv_overlap *o);

/* Heap bytes held. */
size_t gs_kmv_bytes(const struct gs_kmv *s);

#endif
