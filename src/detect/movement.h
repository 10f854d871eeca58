/*
 * movement.h - movements: groups of tags that are one cause (#MeToo and
 * #BalanceTonPorc, #YoTambién, #QuellaVoltaChe), found from what posts
 * carry together, who posts them and when they trend, and measured as one:
 * distinct accounts across all their tags (a union, never a sum), posts,
 * the onset of each tag and language, a union timeline, the most shared
 * posts.
 *
 * Reads an engine (groundswell.h) and a co-occurrence counter (cooccur.h)
 * fed the same posts, and the trend detector's events (trend.h);
 * movement.c states the tests and their thresholds.
 *
 * Ownership: gs_movements_find() and gs_movement_define() fill a struct
 * gs_movements the caller releases with gs_movements_release(); strings in
 * it are its own copies, but the shared post ids (shared[].name) belong to
 * the co-occurrence counter and live as long as it is unchanged.
 * Errors: 0 or a negative GS_E* code.
 */
#ifndef GS_MOVEMENT_H
#define GS_MOVEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "groundswell.h"
#include "count/cooccur.h"
#include "trend.h"

struct gs_movement_options {
	unsigned min_accounts;	      /* a tag needs this many distinct accounts
					 to join (20): a spam flood has few */
	double max_posts_per_account; /* nor more posts per account (5) */
	double min_lift;	      /* observed / expected by chance (2) */
	double min_g;		      /* log-likelihood ratio G (Poisson, one
					 sided) a signal needs (30: p < 5e-8) */
	unsigned min_shared;	 /* posts (accounts) shared, at least (5) */
	size_t max_candidates;	 /* trending tags compared pairwise (2000) */
	size_t max_shared_posts; /* most shared posts listed (5) */
	size_t max_tags;	 /* tags of a found movement (32) */
};

void gs_movement_options_init(struct gs_movement_options *o);

/* The signals that can join two tags (bits). */
enum {
	GS_MV_POSTS = 1,    /* posts carry both more than chance */
	GS_MV_ACCOUNTS = 2, /* the same accounts post both, more than chance */
	GS_MV_TIME = 4,	    /* their trend windows overlap */
};

struct gs_movement_tag {
	char *key, *display;
	uint64_t posts;
	double accounts, accounts_error; /* error: relative standard error */
	int64_t first_ms;		 /* first post */
	int64_t onset_ms;     /* first trend start; INT64_MAX: none */
	int64_t trend_end_ms; /* last trend's end (or last bucket) */
};

struct gs_movement_pair {
	size_t a, b;	  /* indices into tags, a < b */
	unsigned signals; /* GS_MV_* that hold */
	int joined;	  /* this pair joined the movement (found ones) */
	uint64_t posts_both;
	double posts_expected, posts_lift, posts_g;
	double accounts_both, accounts_both_se, accounts_expected,
		accounts_lift, accounts_g, jaccard, jaccard_se;
	int accounts_exact;
};

struct gs_movement_lang {
	char code[16];
	int64_t onset_ms;
	uint64_t tag_uses;
};

struct gs_movement {
	char *name;
	int defined; /* 1: --movement; 0: found */
	size_t ntags;
	struct gs_movement_tag *tags; /* by onset, then first post, then key */
	size_t npairs;
	struct gs_movement_pair *pairs;
	uint64_t posts;	       /* posts using at least one tag: exact but
				  for evicted combinations */
	uint64_t posts_error;  /* at most this many fewer (evictions) */
	uint64_t tag_uses;     /* sum of the tags' posts */
	double accounts;       /* distinct accounts across the tags */
	double accounts_error; /* its relative standard error; 0: exact */
	double accounts_sum;   /* the tags' accounts added: what a union
				  is not */
	size_t nlangs;
	struct gs_movement_lang *langs; /* by onset */
	int64_t first_bucket_ms, bucket_ms;
	size_t nbuckets;
	uint64_t *bucket_posts;
	double *bucket_accounts, *bucket_accounts_error;
	size_t nshared;
	struct gs_count *shared; /* most reposted posts: id, reposts (exact) */
};

struct gs_movements {
	size_t n;
	struct gs_movement *v;
	size_t candidates;	/* trending tags compared */
	size_t candidates_left; /* trending tags left out (max_candidates) */
	size_t spam_left;	/* trending tags that could not join:
				   few accounts or many posts each */
};

/*
 * Finds the movements of the stream counted in e and c, given the trend
 * detector's events ev[0..nev) over e: tags that trend join when their
 * trend windows overlap and their posts or their accounts overlap beyond
 * chance (movement.c); the connected groups of two tags or more are the
 * movements, each measured as gs_movement_define() does. Appends to *out.
 */
int gs_movements_find(const struct gs_engine *e, const struct gs_cooccur *c,
		      const struct gs_trend_event *ev, size_t nev,
		      const struct gs_movement_options *o,
		      struct gs_movements *out);

/* A movement given by its tags (any spelling, '#' optional), measured:
 * appended to *out. GS_EUSAGE for a tag that does not fold or appears
 * twice; tags never used are kept with zero counts. */
int gs_movement_define(const struct gs_engine *e, const struct gs_cooccur *c,
		       const struct gs_trend_event *ev, size_t nev,
		       const struct gs_movement_options *o, const char *name,
		       const char *const *tags, size_t ntags,
		       struct gs_movements *out);

void gs_movements_release(struct gs_movements *m);

#endif
