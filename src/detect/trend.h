/*
 * trend.h - what is trending: per-bucket significance of each tag's distinct
 * accounts against its own baseline, and trend events with a lifecycle.
 *
 * The detector is fed closed buckets in time order, each as the list of tags
 * used in it (struct gs_obs, made by gs_engine_observations*), and keeps the
 * events. It never looks ahead: the verdict for a bucket depends only on
 * that bucket and those before it, so replaying an archive gives what a live
 * run would have said at the time.
 *
 * Ownership: struct gs_trend is created by gs_trend_new and freed by
 * gs_trend_free; events returned by gs_trend_events() belong to it and live
 * until it is freed. Observations are borrowed for the duration of a call.
 */
#ifndef GS_TREND_H
#define GS_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "groundswell.h"
#include "input/fold.h"

enum gs_scorer {
	GS_SCORER_SIGNIFICANCE = 0, /* SigniTrend-style z-score (default) */
	GS_SCORER_MASTODON,         /* Mastodon's day-over-day score */
	GS_SCORER_POSTS,            /* baseline: raw posts per bucket */
	GS_SCORER_COUNT_
};

const char *gs_scorer_name(enum gs_scorer s);
enum gs_scorer gs_scorer_parse(const char *name); /* COUNT_ if unknown */

struct gs_trend_options {
	enum gs_scorer scorer;
	double halflife;       /* buckets; baseline memory (default 24) */
	double beta;	       /* noise floor, accounts of the bucket (3) */
	double threshold;      /* z (or score) to start a trend (4) */
	double end_threshold;  /* trend ends when the score falls below (1) */
	unsigned min_accounts; /* distinct accounts a bucket needs (5) */
	unsigned warmup;       /* first buckets that never flag (12) */
	unsigned table_bits;   /* 2^bits hashed baseline cells per row (17) */
	double posts_threshold;   /* GS_SCORER_POSTS: posts per bucket (100) */
	double mastodon_threshold; /* GS_SCORER_MASTODON: score to start (5) */
};

void gs_trend_options_init(struct gs_trend_options *o);

/* The first buckets of a stream that never flag, as the detector applies
 * it: o->warmup, and for the Mastodon scorer at least a day's buckets (it
 * needs a previous day to compare with). o NULL: the defaults. */
unsigned gs_trend_warmup_buckets(const struct gs_trend_options *o,
				 int64_t bucket_ms);

enum gs_trend_status {
	GS_TREND_RISING,
	GS_TREND_TRENDING,
	GS_TREND_COOLING,
	GS_TREND_ENDED,
};

const char *gs_trend_status_name(enum gs_trend_status s);

struct gs_trend_event {
	uint64_t hash;
	char key[GS_TAG_MAX + 1]; /* the tag's key, NUL-terminated */
	int64_t start_ms;  /* first bucket flagged */
	int64_t peak_ms;   /* bucket with the most distinct accounts */
	int64_t end_ms;    /* bucket in which it fell back; -1 while open */
	int64_t last_ms;   /* last bucket evaluated */
	enum gs_trend_status status;
	double score;      /* highest score while trending */
	double peak_accounts;
	uint64_t peak_posts;
};

/*
 * The significance scorer's statistic for one cell (see trend.c): x and mu
 * (the baseline's EWMA) and var (its EWMVar) are distinct accounts scaled
 * to the stream's level by scale = G_ref / G_t (> 0; anything else counts
 * as 1), phi the stream's dispersion (variance over mean of a count of
 * accounts; below 1 or NaN counts as 1), beta the noise floor in accounts
 * of the bucket:
 *   (x - mu) / (max(sqrt(var), sqrt(phi * mu * scale)) + beta * scale).
 * Pure; never fails.
 */
double gs_trend_significance(double x, double mu, double var, double scale,
			     double phi, double beta);

struct gs_trend;

/* NULL on invalid options or no memory. */
struct gs_trend *gs_trend_new(const struct gs_trend_options *o,
			      int64_t bucket_ms);
void gs_trend_free(struct gs_trend *t);

/*
 * Closes bucket bucket_ms: obs lists every tag used in it (any order);
 * global_accounts is the number of distinct accounts that posted in it.
 * Buckets must come in increasing order; skipped buckets count as empty.
 * Returns 0, GS_EUSAGE (out of order) or GS_ENOMEM.
 */
int gs_trend_bucket(struct gs_trend *t, int64_t bucket_ms,
		    double global_accounts, const struct gs_obs *obs,
		    size_t n);

/* All events so far, oldest start first (ties: by key). */
size_t gs_trend_events(const struct gs_trend *t,
		       const struct gs_trend_event **out);



/* Runs the detector over every bucket an engine has counted, in order
 * (the batch path). Returns 0 or a GS_E* error. */
int gs_trend_run_batch(struct gs_trend *t, const struct gs_engine *e);

/*
 * The live path: posts go to the engine one by one and a bucket is closed,
 * and fed to the detector, as soon as a post arrives from a bucket at least
 * lateness_buckets after it. Posts for a bucket already closed are still
 * counted by the engine but reported in late_posts, since the detector has
 * spoken for that bucket. For time-ordered input it gives exactly the
 * events of gs_trend_run_batch().
 */
struct gs_trend_live {
	struct gs_engine *engine; /* borrowed */
	struct gs_trend *trend;   /* borrowed */
	int64_t lateness_buckets;
	int64_t next;   /* first bucket not yet closed */
	int started;
	uint64_t late_posts;
};

void gs_trend_live_init(struct gs_trend_live *l, struct gs_engine *e,
			struct gs_trend *t, int64_t lateness_buckets);
int gs_trend_live_add(struct gs_trend_live *l, const struct gs_post *p);
/* Closes every bucket up to the last post's (end of input). */
int gs_trend_live_finish(struct gs_trend_live *l);
/* Closes every bucket up to and including last, on a clock the caller
 * keeps (serve's Kafka source: the slowest partition's; docs/kafka.md).
 * Nothing before the first post (started). 0 or GS_ENOMEM. */
int gs_trend_live_close_to(struct gs_trend_live *l, int64_t last);

/* ---- Snapshots (see docs/snapshot.md) ---- */

/* Writes the detector's whole state to f as one checked section ("GSTR",
 * versioned, CRC32) and flushes f; a detector loaded from it gives exactly
 * the events this one would from here on. 0, GS_EIO, GS_ENOMEM, or
 * GS_EUSAGE when its bucket width or times lie beyond +-2^61 ms. */
int gs_trend_save(const struct gs_trend *t, FILE *f);

/* Reads one section written by gs_trend_save() (exactly its bytes; the
 * input is untrusted and checked as gs_engine_load() checks its own).
 * NULL with *err (if not NULL) set to GS_EFORMAT, GS_EIO or GS_ENOMEM. */
struct gs_trend *gs_trend_load(FILE *f, int *err);

#endif
