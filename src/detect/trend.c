/*
 * trend.c - trend detection (see trend.h).
 *
 * Default scorer: significance, after SigniTrend (Schubert, Weiler, Kriegel,
 * "SigniTrend: scalable detection of emerging topics in textual streams by
 * hashed significance thresholds", KDD 2014).
 *
 *   x      distinct accounts of the tag in the bucket (so one account's
 *          flood counts once), scaled by G_ref / G_t where G_t is the number
 *          of distinct accounts active in the bucket and G_ref its moving
 *          average: the daily cycle of the whole stream cancels out and a
 *          steady tag's share stays flat (SigniTrend uses frequencies for
 *          the same reason).
 *   z      (x - EWMA) / (max(sqrt(EWMVar), sqrt(phi s EWMA)) + beta s)
 *          with s = G_ref / G_t the bucket's scale and phi the stream's
 *          dispersion in the bucket (gs_trend_significance(), dispersion()),
 *          computed before the update;
 *          alpha = 1 - exp(ln 0.5 / halflife);
 *          delta = x - EWMA; EWMA += alpha delta;
 *          EWMVar = (1 - alpha) (EWMVar + alpha delta^2).
 *   Noise  Counting noise lives in accounts of the bucket itself, not in
 *          the scaled units: SigniTrend's z with a fixed beta in scaled
 *          units asked a new tag for 4 beta / s accounts, so at the
 *          stream's busiest hours (s ~ 0.45 against a baseline level taken
 *          at night) a never-seen tag of 25 accounts an hour (0.5% of the
 *          active ones) scored 25 s / 3 = 3.7 and was never heard, and a
 *          slow rise (make demo's #año) grew its own EWMVar faster than z.
 *          So (issue 13, part 2) the deviation is measured against the
 *          noise a count of that size has in this bucket: a tag expecting
 *          E = EWMA / s accounts has variance phi E raw (phi s EWMA
 *          scaled), and the EWMVar is used where it is wider (a tag's own
 *          bursts); the floor beta is beta raw accounts (beta s scaled).
 *          A tag never seen before therefore flags at x_raw >= threshold *
 *          beta = 12 accounts whatever the hour and whatever phi (E = 0);
 *          one expecting E flags at about E + 4 (sqrt(phi E) + 3): with
 *          phi = 1, E = 1: 17, E = 4: 24, E = 25: 57, E = 100: 152; with
 *          phi = 3, E = 25: 72, E = 100: 182 (so long-tail tags that drift
 *          from 1 to 9 accounts, and floods of fewer than min_accounts,
 *          never do).
 *   phi    Overdispersion. Counts of accounts are not Poisson: a post
 *          reposted by several accounts brings its tags to all of them at
 *          once (clusters), and a language's own daily cycle is not the
 *          stream's. With var = phi E, a Poisson z (phi = 1) of 4 is a
 *          true z of 4 / sqrt(phi): at phi = 3, 2.3 sigma, which among the
 *          thousands of tags of a busy stream fires every few hours; and a
 *          tag's own EWMVar, learnt from a few dozen buckets (fewer on the
 *          first day), is now and then far below its true variance (a
 *          chi-squared estimate with few degrees of freedom). So phi is
 *          pooled over the tags, as a quasi-Poisson model does (McCullagh
 *          and Nelder, Generalized Linear Models, 2nd ed. 1989, chapter 6
 *          on counts: overdispersion phi estimated from the Pearson
 *          residuals r = (x - E) / sqrt(E)),
 *          and as outbreak detection on surveillance counts does
 *          (Farrington, Andrews, Beale and Catchpole, "A statistical
 *          algorithm for the early detection of outbreaks of infectious
 *          disease", J. R. Stat. Soc. A 159(3), 1996: quasi-Poisson
 *          threshold with phi estimated from the baseline, never below 1).
 *          Here phi is the median of r^2 over this bucket's cells that
 *          expect at least DISP_MIN_E (10) raw accounts, divided by the
 *          median of chi-squared with 1 df (0.455), so that it is 1 for
 *          Poisson counts; the median, not Farrington's mean, so that the
 *          few tags that trend in the bucket (r^2 in the thousands) cannot
 *          move it (it holds with up to half the cells trending), and its
 *          standard error is about 2.3 phi / sqrt(m) for m tags (the
 *          sample median's 1 / (2 f sqrt(m)), f = 0.47 chi-squared's
 *          density at its median, over 0.455; each tag has two cells,
 *          so m is about half the cells): 0.6 phi at the DISP_MIN_CELLS
 *          (30 cells) it needs, 0.1 phi with the 500 and more tags of a
 *          busy stream. Fewer cells (a slow stream:
 *          every voice is then small against the floor anyway): phi = 1,
 *          as before. Clamped to [1, DISP_MAX = 16]. It uses the bucket
 *          being judged and the baselines before it (no look-ahead) and is
 *          no state: the same in batch, live and a restored snapshot.
 *          Measured (eval/results.md): on generated Jetstream streams
 *          phi is 1.6-5 (median 2.6) at 30 posts/s, 1.3-4 (2.2) at 3
 *          posts/s and 1 at 0.3 posts/s (too few cells); the
 *          false trends of 30 posts/s (2.4 per 10M posts, tags whose raw
 *          count jumped to 77 against 40 expected) are gone, and a voice
 *          on a never-seen tag is heard exactly as before. Chosen over a
 *          per-tag negative binomial k (mu + mu^2 / k learnt per tag: as
 *          noisy as the EWMVar it would replace on the first day) and
 *          over sqrt(EWMVar + E) (which counts Poisson's part twice).
 *          Under a quasi-Poisson null with phi known, a cell's chance to
 *          flag in a bucket, P(X >= E + 4 (sqrt(phi E) + 3)), is in the
 *          normal approximation the tail beyond 4 + 12 / sqrt(phi E)
 *          sigma: under 3e-5 for any E and phi, 1e-7 at E = 100, phi = 1,
 *          and far less for small E (a skewed count's tail is heavier:
 *          hence the matrix's measured rates). The detection matrix
 *          (eval/matrix.py, eval/results.md) shows what share of the
 *          active accounts it hears at each stream rate; the defaults
 *          (beta 3, threshold 4) are kept from it and from eval/run.py.
 *   Memory Baselines live in two rows of 2^table_bits hashed cells (16 bytes
 *          each: 4 MB at the default 17 bits), so every tag, including the
 *          long tail that was never worth tracking, has a baseline in fixed
 *          memory. A cell's x is the sum over the tags hashed to it; a tag's
 *          z is the smaller of its two cells' (count-min: a collision can
 *          only raise a cell's baseline, never fake a burst). Cells not
 *          touched for g buckets catch up on g empty updates when next used.
 *   Flags  A bucket flags a tag when z >= threshold and it has at least
 *          min_accounts distinct accounts (Mastodon uses 5); no flags in the
 *          first `warmup` buckets, during which baselines are plain running
 *          means (alpha = 1/n) so that they start from the stream's level.
 *
 * Mastodon scorer (app/models/trends/tags.rb): expected = distinct accounts
 * the previous UTC day (at least 1), observed = today's so far; score
 * (o - e)^2 / e when o >= 5 and o > e, else 0; the peak is held and decays
 * with a 4-hour half-life, reset after 2 days; a trend starts when the held
 * score reaches mastodon_threshold and lasts while it is >= 1. Difference:
 * groundswell's day counts include reposting accounts; Mastodon's exclude
 * reblogs.
 *
 * Posts scorer (baseline): a bucket with at least posts_threshold posts.
 *
 * Lifecycle: an event starts at the first flagged bucket and lasts while
 * the score stays >= end_threshold (and, for significance, the tag keeps
 * min_accounts); status is rising while each bucket sets a new peak of
 * distinct accounts, trending while flagged, cooling below the threshold,
 * ended once it fell back (end = that bucket).
 */
#include "trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

#define ROWS 2
#define MAX_CATCHUP 512 /* empty updates after which a baseline is ~0 */
#define DISP_MIN_E     10  /* raw accounts a cell expects to count (phi) */
#define DISP_MIN_CELLS 30  /* cells needed for a dispersion estimate */
#define DISP_MAX       16  /* phi's cap */
#define CHI2_1_MEDIAN  0.45493642311957 /* median of chi-squared, 1 df */

struct cell {
	float mu, var;
	int32_t last; /* bucket index of the last update, -1 never */
	uint32_t n;   /* updates while warming up (see update()) */
};

struct held { /* Mastodon: held peak per tag */
	uint64_t hash;
	double max;
	int64_t max_at;
};

struct gs_trend {
	struct gs_trend_options o;
	int64_t width, first;
	int64_t last_bucket;
	int started;
	double alpha, g_alpha, g_ref;
	struct cell *cells; /* ROWS << bits */
	size_t ncell;
	struct gs_trend_event *ev;
	size_t nev, capev;
	size_t *active; /* indices into ev of open events */
	size_t nactive, capactive;
	struct held *held;
	size_t nheld, capheld;
	/* scratch for one bucket */
	uint32_t *ci;  /* the distinct cells touched, ascending */
	double *cx;    /* their sums */
	uint32_t *pos; /* observation i, row r -> its cell's index in ci */
	uint64_t *pk, *pk2; /* (cell << 32 | i * ROWS + r), radix sorted */
	double *res;	    /* Pearson residuals squared (dispersion()) */
	size_t capscratch;
};

static const char *const scorer_names[] = {"significance", "mastodon", "posts"};
static const char *const status_names[] = {"rising", "trending", "cooling", "ended"};

const char *gs_scorer_name(enum gs_scorer s)
{
	return (unsigned)s < GS_SCORER_COUNT_ ? scorer_names[s] : "unknown";
}

enum gs_scorer gs_scorer_parse(const char *name)
{
	for (int i = 0; i < GS_SCORER_COUNT_; i++)
		if (!strcmp(name, scorer_names[i]))
			return (enum gs_scorer)i;
	return GS_SCORER_COUNT_;
}

const char *gs_trend_status_name(enum gs_trend_status s)
{
	return (unsigned)s <= GS_TREND_ENDED ? status_names[s] : "unknown";
}

void gs_trend_options_init(struct gs_trend_options *o)
{
	o->scorer = GS_SCORER_SIGNIFICANCE;
	o->halflife = 24;
	o->beta = 3;
	o->threshold = 4;
	o->end_threshold = 1;
	o->min_accounts = 5;
	o->warmup = 12;
	o->table_bits = 17;
	o->posts_threshold = 100;
	o->mastodon_threshold = 5;
}

unsigned gs_trend_warmup_buckets(const struct gs_trend_options *o,
				 int64_t bucket_ms)
{
	struct gs_trend_options def;
	if (!o) {
		gs_trend_options_init(&def);
		o = &def;
	}
	unsigned warm = o->warmup;
	int64_t per_day = bucket_ms > 0 ? GS_MS_DAY / bucket_ms : 0;
	if (o->scorer == GS_SCORER_MASTODON && per_day > (int64_t)warm)
		warm = per_day > UINT32_MAX ? UINT32_MAX : (unsigned)per_day;
	return warm;
}

struct gs_trend *gs_trend_new(const struct gs_trend_options *o,
			      int64_t bucket_ms)
{
	struct gs_trend_options def;
	if (!o) {
		gs_trend_options_init(&def);
		o = &def;
	}
	if (bucket_ms <= 0 || !(o->halflife > 0) || !(o->beta >= 0) ||
	    o->table_bits < 8 || o->table_bits > 26 ||
	    (unsigned)o->scorer >= GS_SCORER_COUNT_)
		return NULL;
	struct gs_trend *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->o = *o;
	t->width = bucket_ms;
	t->alpha = 1 - exp(log(0.5) / o->halflife);
	/* the stream's own level: a week of buckets */
	double gh = (double)(7 * GS_MS_DAY) / (double)bucket_ms;
	t->g_alpha = 1 - exp(log(0.5) / (gh > 1 ? gh : 1));
	if (o->scorer == GS_SCORER_SIGNIFICANCE) {
		t->ncell = (size_t)ROWS << o->table_bits;
		t->cells = malloc(t->ncell * sizeof *t->cells);
		if (!t->cells) {
			free(t);
			return NULL;
		}
		for (size_t i = 0; i < t->ncell; i++) {
			t->cells[i].mu = t->cells[i].var = 0;
			t->cells[i].last = -1;
			t->cells[i].n = 0;
		}
	}
	return t;
}

void gs_trend_free(struct gs_trend *t)
{
	if (!t)
		return;
	free(t->cells);
	free(t->ev);
	free(t->active);
	free(t->held);
	free(t->ci);
	free(t->cx);
	free(t->pos);
	free(t->pk);
	free(t->pk2);
	free(t->res);
	free(t);
}

static uint32_t cell_of(const struct gs_trend *t, uint64_t h, int row)
{
	/* two independent slices of the 64-bit key hash */
	uint64_t v = row ? (h >> 32) ^ (h * 0x9E3779B97F4A7C15ull) : h;
	uint32_t mask = (1u << t->o.table_bits) - 1;
	return ((uint32_t)row << t->o.table_bits) | ((uint32_t)v & mask);
}

/* Brings a cell up to bucket idx-1 with empty updates. */
static void catch_up(struct gs_trend *t, struct cell *c, int32_t idx)
{
	if (c->last < 0) {
		c->last = idx - 1;
		/* a cell untouched since the stream began: those buckets were
		 * empty for it (during the warm-up, they count as seen) */
		if (idx < (int32_t)t->o.warmup)
			c->n = (uint32_t)idx;
		return;
	}
	int32_t g = idx - 1 - c->last;
	if (g > MAX_CATCHUP) {
		c->mu = c->var = 0;
	} else {
		double mu = c->mu, var = c->var;
		for (int32_t i = 0; i < g; i++) {
			double a = t->alpha;
			if (c->last + 1 + i < (int32_t)t->o.warmup) {
				c->n++;
				if (1.0 / c->n > a)
					a = 1.0 / c->n;
			}
			double d = -mu;
			mu += a * d;
			var = (1 - a) * (var + a * d * d);
		}
		c->mu = (float)mu;
		c->var = (float)var;
	}
	c->last = idx - 1;
}

double gs_trend_significance(double x, double mu, double var, double scale,
			     double phi, double beta)
{
	if (!(scale > 0))
		scale = 1;
	if (!(phi >= 1))
		phi = 1;
	double sd = var > 0 ? sqrt(var) : 0;
	/* quasi-Poisson: the expected raw count mu / scale has variance
	 * phi mu / scale raw, phi mu scale scaled */
	double poisson = mu > 0 ? sqrt(phi * mu * scale) : 0;
	return (x - mu) / ((sd > poisson ? sd : poisson) + beta * scale);
}

static double z_of(const struct gs_trend *t, const struct cell *c, double x,
		   double scale, double phi)
{
	return gs_trend_significance(x, c->mu, c->var, scale, phi, t->o.beta);
}

/* k-th smallest of a[0..n) (k < n), reordering a: Wirth's selection
 * (Algorithms + Data Structures = Programs, 1976), expected linear. */
static double select_kth(double *a, size_t n, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (l < m) {
		double x = a[kk];
		ptrdiff_t i = l, j = m;
		do {
			while (a[i] < x)
				i++;
			while (x < a[j])
				j--;
			if (i <= j) {
				double w = a[i];
				a[i] = a[j];
				a[j] = w;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return a[kk];
}

/* The stream's dispersion in this bucket (see the header comment): the
 * median squared Pearson residual over the cells expecting at least
 * DISP_MIN_E raw accounts, over chi2(1)'s median, at least 1; 1 when
 * fewer than DISP_MIN_CELLS cells expect that many. Call after the
 * catch-up and before the update. */
static double dispersion(struct gs_trend *t, size_t u, double scale)
{
	size_t m = 0;
	for (size_t i = 0; i < u; i++) {
		const struct cell *c = &t->cells[t->ci[i]];
		double mu = c->mu;
		if (!(mu / scale >= DISP_MIN_E))
			continue;
		double d = t->cx[i] - mu;
		t->res[m++] = d * d / (mu * scale);
	}
	if (m < DISP_MIN_CELLS)
		return 1;
	double phi = select_kth(t->res, m, m / 2) / CHI2_1_MEDIAN;
	if (phi > DISP_MAX)
		phi = DISP_MAX;
	return phi > 1 ? phi : 1;
}

/* During the warm-up a cell's baseline is the plain running mean and
 * variance of what it has seen (alpha = 1/n), so short histories at the
 * start of a stream are not read as "the tag used to be absent"; after it,
 * the exponential weights take over. */
static void update(struct gs_trend *t, struct cell *c, double x, int32_t idx)
{
	double a = t->alpha;
	if (idx < (int32_t)t->o.warmup) {
		c->n++;
		if (1.0 / c->n > a)
			a = 1.0 / c->n;
	}
	double d = x - c->mu;
	double mu = c->mu + a * d;
	double var = (1 - a) * (c->var + a * d * d);
	c->mu = (float)mu;
	c->var = (float)var;
	c->last = idx;
}

static struct held *held_find(struct gs_trend *t, uint64_t h, int create)
{
	for (size_t i = 0; i < t->nheld; i++)
		if (t->held[i].hash == h)
			return &t->held[i];
	if (!create)
		return NULL;
	if (t->nheld == t->capheld) {
		size_t cap = t->capheld ? t->capheld * 2 : 64;
		struct held *n = realloc(t->held, cap * sizeof *n);
		if (!n)
			return NULL;
		t->held = n;
		t->capheld = cap;
	}
	struct held *hd = &t->held[t->nheld++];
	hd->hash = h;
	hd->max = 0;
	hd->max_at = 0;
	return hd;
}

/* Mastodon: held score at the end of the bucket. */
static double mastodon_score(struct gs_trend *t, uint64_t hash, double o,
			     double e, int64_t now_end, int observed)
{
	double s = 0;
	if (observed) {
		if (e < 1)
			e = 1;
		if (o >= 5 && o > e)
			s = (o - e) * (o - e) / e;
	}
	struct held *hd = held_find(t, hash, s > 0);
	if (!hd)
		return 0;
	if (s > 0 && (s >= hd->max || now_end - hd->max_at > 2 * GS_MS_DAY)) {
		hd->max = s;
		hd->max_at = now_end;
	}
	return hd->max * pow(0.5, (double)(now_end - hd->max_at) / (double)(4 * GS_MS_HOUR));
}

static struct gs_trend_event *active_find(struct gs_trend *t, uint64_t h,
					  size_t *slot)
{
	for (size_t i = 0; i < t->nactive; i++)
		if (t->ev[t->active[i]].hash == h) {
			*slot = i;
			return &t->ev[t->active[i]];
		}
	return NULL;
}

static int event_open(struct gs_trend *t, const struct gs_obs *ob,
		      double score)
{
	if (t->nev == t->capev) {
		size_t cap = t->capev ? t->capev * 2 : 64;
		struct gs_trend_event *n = realloc(t->ev, cap * sizeof *n);
		if (!n)
			return GS_ENOMEM;
		t->ev = n;
		t->capev = cap;
	}
	if (t->nactive == t->capactive) {
		size_t cap = t->capactive ? t->capactive * 2 : 64;
		size_t *n = realloc(t->active, cap * sizeof *n);
		if (!n)
			return GS_ENOMEM;
		t->active = n;
		t->capactive = cap;
	}
	struct gs_trend_event *e = &t->ev[t->nev];
	memset(e, 0, sizeof *e);
	e->hash = ob->hash;
	snprintf(e->key, sizeof e->key, "%s", ob->key);
	e->start_ms = e->peak_ms = e->last_ms = ob->bucket_ms;
	e->end_ms = -1;
	e->status = GS_TREND_RISING;
	e->score = score;
	e->peak_accounts = ob->accounts;
	e->peak_posts = ob->posts;
	t->active[t->nactive++] = t->nev++;
	return 0;
}

/* Applies one bucket's verdict to a tag: start, continue or end. */
static int verdict(struct gs_trend *t, const struct gs_obs *ob, double score,
		   int starts, int goes_on, int64_t b)
{
	size_t slot;
	struct gs_trend_event *e = active_find(t, ob->hash, &slot);
	if (!e)
		return starts ? event_open(t, ob, score) : 0;
	e->last_ms = b;
	if (!goes_on) {
		e->end_ms = b;
		e->status = GS_TREND_ENDED;
		t->active[slot] = t->active[--t->nactive];
		return 0;
	}
	if (score > e->score)
		e->score = score;
	if (ob->accounts > e->peak_accounts) {
		e->peak_accounts = ob->accounts;
		e->peak_posts = ob->posts;
		e->peak_ms = b;
		e->status = GS_TREND_RISING;
	} else {
		e->status = starts ? GS_TREND_TRENDING : GS_TREND_COOLING;
	}
	return 0;
}

static int grow_scratch(struct gs_trend *t, size_t n)
{
	if (n <= t->capscratch)
		return 0;
	size_t cap = n * 2;
	/* each array grown in turn; on failure the ones grown stay valid */
#define GROW_(a)                                                               \
	do {                                                                   \
		void *q_ = realloc(t->a, cap * sizeof *t->a);                  \
		if (!q_)                                                       \
			return GS_ENOMEM;                                      \
		t->a = q_;                                                     \
	} while (0)
	GROW_(ci);
	GROW_(cx);
	GROW_(pos);
	GROW_(pk);
	GROW_(pk2);
	GROW_(res);
#undef GROW_
	t->capscratch = cap;
	return 0;
}

/* Sorts t->pk[0..m) by the cell in its high half (table_bits + 1 bits):
 * LSD radix sort, 11 bits a pass, stable. qsort with a comparison call
 * per step was a third of the detector's time. Leaves the result in
 * t->pk. */
static void sort_cells(struct gs_trend *t, size_t m)
{
	unsigned bits = t->o.table_bits + 1;
	uint64_t *a = t->pk, *b = t->pk2;
	for (unsigned shift = 0; shift < bits; shift += 11) {
		size_t count[2048] = {0};
		for (size_t i = 0; i < m; i++)
			count[(a[i] >> (32 + shift)) & 2047]++;
		size_t sum = 0;
		for (size_t k = 0; k < 2048; k++) {
			size_t c = count[k];
			count[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < m; i++)
			b[count[(a[i] >> (32 + shift)) & 2047]++] = a[i];
		uint64_t *x = a;
		a = b;
		b = x;
	}
	t->pk = a;
	t->pk2 = b;
}

/* Sum of x over the tags of this bucket hashed to cell c. */
static int bucket_significance(struct gs_trend *t, int64_t b, int32_t idx,
			       double scale, const struct gs_obs *obs,
			       size_t n)
{
	int r;
	/* 1: per cell sums of scaled x */
	if ((r = grow_scratch(t, n * ROWS + 1)))
		return r;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		for (int row = 0; row < ROWS; row++, m++)
			t->pk[m] = (uint64_t)cell_of(t, obs[i].hash, row) << 32 | m;
	sort_cells(t, m);
	size_t u = 0;
	for (size_t i = 0; i < m; i++) {
		uint32_t c = (uint32_t)(t->pk[i] >> 32);
		if (u == 0 || t->ci[u - 1] != c)
			t->ci[u++] = c;
		t->pos[(uint32_t)t->pk[i]] = (uint32_t)(u - 1);
	}
	for (size_t i = 0; i < u; i++)
		t->cx[i] = 0;
	/* sums in observation order, as before: the same doubles */
	for (size_t i = 0, k = 0; i < n; i++)
		for (int row = 0; row < ROWS; row++, k++)
			t->cx[t->pos[k]] += obs[i].accounts * scale;
	/* 2: catch up, then score every tag before any update */
	/* the cells are 4 MB read at random: ask for them ahead */
	for (size_t i = 0; i < u; i++) {
		if (i + 8 < u)
			__builtin_prefetch(&t->cells[t->ci[i + 8]]);
		catch_up(t, &t->cells[t->ci[i]], idx);
	}
	double phi = dispersion(t, u, scale);
	for (size_t i = 0; i < n; i++) {
		double z = INFINITY;
		for (int row = 0; row < ROWS; row++) {
			uint32_t k = t->pos[i * ROWS + (size_t)row];
			double zr = z_of(t, &t->cells[t->ci[k]], t->cx[k],
					 scale, phi);
			if (zr < z)
				z = zr;
		}
		int enough = obs[i].accounts >= t->o.min_accounts;
		int starts = idx >= (int32_t)t->o.warmup && enough && z >= t->o.threshold;
		int goes_on = enough && z >= t->o.end_threshold;
		if ((r = verdict(t, &obs[i], z, starts, goes_on, b)))
			return r;
	}
	/* 3: open events of tags absent from this bucket fall back */
	for (size_t k = 0; k < t->nactive;) {
		struct gs_trend_event *e = &t->ev[t->active[k]];
		if (e->last_ms == b) {
			k++;
			continue;
		}
		e->last_ms = b;
		e->end_ms = b;
		e->status = GS_TREND_ENDED;
		t->active[k] = t->active[--t->nactive];
	}
	/* 4: update the touched cells once each */
	for (size_t i = 0; i < u; i++)
		update(t, &t->cells[t->ci[i]], t->cx[i], idx);
	return 0;
}

static int bucket_simple(struct gs_trend *t, int64_t b, int32_t idx,
			 const struct gs_obs *obs, size_t n)
{
	int r;
	int64_t end = b + t->width;
	/* the Mastodon scorer needs a full previous day */
	int32_t warm = (int32_t)gs_trend_warmup_buckets(&t->o, t->width);
	for (size_t i = 0; i < n; i++) {
		const struct gs_obs *ob = &obs[i];
		double s;
		int starts, goes_on;
		if (t->o.scorer == GS_SCORER_MASTODON) {
			/* no history yet: yesterday is unknown, not zero */
			s = idx < warm ? 0
				       : mastodon_score(t, ob->hash, ob->day_accounts,
							ob->prev_day_accounts, end, 1);
			starts = s >= t->o.mastodon_threshold;
			goes_on = s >= 1;
		} else {
			s = (double)ob->posts;
			starts = goes_on = s >= t->o.posts_threshold;
		}
		starts = starts && idx >= warm;
		if ((r = verdict(t, ob, s, starts, goes_on, b)))
			return r;
	}
	for (size_t k = 0; k < t->nactive;) {
		struct gs_trend_event *e = &t->ev[t->active[k]];
		if (e->last_ms == b) {
			k++;
			continue;
		}
		double s = 0;
		if (t->o.scorer == GS_SCORER_MASTODON)
			s = mastodon_score(t, e->hash, 0, 0, end, 0);
		e->last_ms = b;
		if (s >= 1) {
			e->status = GS_TREND_COOLING;
			k++;
			continue;
		}
		e->end_ms = b;
		e->status = GS_TREND_ENDED;
		t->active[k] = t->active[--t->nactive];
	}
	/* forget held scores that have decayed to nothing */
	for (size_t k = 0; k < t->nheld;) {
		struct held *hd = &t->held[k];
		double s = hd->max * pow(0.5, (double)(end - hd->max_at) / (double)(4 * GS_MS_HOUR));
		if (s < 0.01)
			t->held[k] = t->held[--t->nheld];
		else
			k++;
	}
	return 0;
}

int gs_trend_bucket(struct gs_trend *t, int64_t b, double global_accounts,
		    const struct gs_obs *obs, size_t n)
{
	if (!t->started) {
		t->started = 1;
		t->first = b;
		t->last_bucket = b - t->width;
	}
	if (b <= t->last_bucket)
		return GS_EUSAGE;
	/* Skipped buckets are empty: open events end there. */
	if (b - t->last_bucket > t->width) {
		int r = gs_trend_bucket(t, t->last_bucket + t->width, 0, NULL, 0);
		if (r)
			return r;
		/* the remaining gap needs no work: cells catch up lazily, and
		 * nothing is open any more unless held (Mastodon) */
		while (t->nactive && b - t->last_bucket > t->width)
			if ((r = gs_trend_bucket(t, t->last_bucket + t->width, 0, NULL, 0)))
				return r;
	}
	int32_t idx = (int32_t)((b - t->first) / t->width);
	t->last_bucket = b;
	if (t->o.scorer != GS_SCORER_SIGNIFICANCE)
		return bucket_simple(t, b, idx, obs, n);
	double scale = 1;
	if (global_accounts > 0) {
		if (t->g_ref <= 0)
			t->g_ref = global_accounts;
		scale = t->g_ref / global_accounts;
		if (scale > 10)
			scale = 10;
		if (scale < 0.1)
			scale = 0.1;
		t->g_ref += t->g_alpha * (global_accounts - t->g_ref);
	}
	return bucket_significance(t, b, idx, scale, obs, n);
}

static int cmp_event(const void *a, const void *b)
{
	const struct gs_trend_event *x = a, *y = b;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

size_t gs_trend_events(const struct gs_trend *t,
		       const struct gs_trend_event **out)
{
	/* events are appended in start order; equal starts sort by key */
	if (t->nev > 1) /* qsort of NULL, 0 is undefined */
		qsort(t->ev, t->nev, sizeof *t->ev, cmp_event);
	/* the active index refers to positions: rebuild it */
	struct gs_trend *m = (struct gs_trend *)t;
	for (size_t k = 0, a = 0; k < m->nev && a < m->nactive; k++)
		if (m->ev[k].status != GS_TREND_ENDED)
			m->active[a++] = k;
	*out = t->ev;
	return t->nev;
}

int gs_trend_run_batch(struct gs_trend *t, const struct gs_engine *e)
{
	struct gs_summary s;
	gs_engine_summary(e, &s);
	if (s.posts == 0)
		return 0;
	int64_t b0 = gs_time_bucket(s.first_ms, t->width);
	int64_t b1 = gs_time_bucket(s.last_ms, t->width);
	if (((uint64_t)b1 - (uint64_t)b0) / (uint64_t)t->width >=
	    GS_SPAN_MAX_BUCKETS)
		return GS_EUSAGE; /* a bucket-by-bucket pass would not end */
	/* observations bucket by bucket: memory for one bucket's, and no
	 * pass over every tag per bucket */
	struct gs_obs_iter *it = gs_engine_obs_iter_new(e);
	if (!it)
		return GS_ENOMEM;
	const struct gs_obs *cobs = NULL;
	int64_t ob = 0;
	ptrdiff_t n = gs_obs_iter_next(it, &ob, &cobs);
	int r = n < 0 ? (int)n : 0;
	for (int64_t b = b0; b <= b1 && !r; b += t->width) {
		/* buckets without a post while nothing is open are skipped
		 * below: pass over a run of them at once (live_close_to) */
		if (!t->nactive && t->o.scorer == GS_SCORER_SIGNIFICANCE) {
			int64_t nb = gs_engine_next_bucket(e, b);
			if (nb > b1)
				break;
			b = nb;
		}
		ptrdiff_t k = n > 0 && ob == b ? n : 0;
		struct gs_obs *obs = (struct gs_obs *)cobs;
		if (k && t->o.scorer == GS_SCORER_MASTODON)
			for (ptrdiff_t q = 0; q < k; q++)
				gs_engine_obs_days(e, &obs[q]);
		double g = gs_engine_bucket_accounts(e, b);
		/* the same rule as live_close(): nothing at all in a bucket
		 * lets the detector skip it */
		if (k || g > 0 || t->nactive || t->o.scorer != GS_SCORER_SIGNIFICANCE)
			r = gs_trend_bucket(t, b, g, obs, (size_t)k);
		if (k && !r) {
			n = gs_obs_iter_next(it, &ob, &cobs);
			if (n < 0)
				r = (int)n;
		}
	}
	gs_obs_iter_free(it);
	return r;
}

void gs_trend_live_init(struct gs_trend_live *l, struct gs_engine *e,
			struct gs_trend *t, int64_t lateness_buckets)
{
	l->engine = e;
	l->trend = t;
	l->lateness_buckets = lateness_buckets;
	l->next = 0;
	l->started = 0;
	l->late_posts = 0;
}

static int live_close(struct gs_trend_live *l, int64_t b)
{
	struct gs_obs *obs;
	ptrdiff_t n = gs_engine_observations_at(l->engine, b, &obs);
	if (n < 0)
		return (int)n;
	if (l->trend->o.scorer == GS_SCORER_MASTODON)
		for (ptrdiff_t k = 0; k < n; k++)
			gs_engine_obs_days(l->engine, &obs[k]);
	double g = gs_engine_bucket_accounts(l->engine, b);
	int r = 0;
	if (n > 0 || g > 0 || l->trend->nactive || l->trend->o.scorer != GS_SCORER_SIGNIFICANCE)
		r = gs_trend_bucket(l->trend, b, g, obs, (size_t)n);
	free(obs);
	return r;
}

/* Closes the buckets from l->next to last, in order. A run of buckets
 * without a post while nothing is open is passed over at once: live_close
 * would skip each of them (the significance scorer's rule; the others see
 * every bucket), and a gap of years (a stream that starts with an old post)
 * would otherwise cost a pass over the tags per bucket. */
static int live_close_to(struct gs_trend_live *l, int64_t last)
{
	int64_t w = l->trend->width;
	while (l->next <= last) {
		if (!l->trend->nactive &&
		    l->trend->o.scorer == GS_SCORER_SIGNIFICANCE) {
			int64_t nb = gs_engine_next_bucket(l->engine, l->next);
			if (nb > last) { /* where closing each would end */
				l->next += (last - l->next) / w * w + w;
				return 0;
			}
			l->next = nb;
		}
		int r = live_close(l, l->next);
		if (r)
			return r;
		l->next += w;
	}
	return 0;
}

int gs_trend_live_add(struct gs_trend_live *l, const struct gs_post *p)
{
	int64_t w = l->trend->width;
	int64_t b = gs_time_bucket(p->time_ms, w);
	if (!l->started) {
		l->started = 1;
		l->next = b;
	}
	if (b < l->next)
		l->late_posts++;
	/* close what the lateness allows before counting this post */
	int r = live_close_to(l, b - l->lateness_buckets * w - w);
	return r ? r : gs_engine_add(l->engine, p);
}

int gs_trend_live_close_to(struct gs_trend_live *l, int64_t last)
{
	return l->started ? live_close_to(l, last) : 0;
}

int gs_trend_live_finish(struct gs_trend_live *l)
{
	struct gs_summary s;
	gs_engine_summary(l->engine, &s);
	if (!l->started || s.posts == 0)
		return 0;
	return live_close_to(l, gs_time_bucket(s.last_ms, l->trend->width));
}

/* ---- snapshots ----------------------------------------------------------
 *
 * gs_trend_save() writes the detector's whole state in the envelope of
 * the engine's snapshots (magic "GSTR", version 1, payload length, CRC32;
 * snapio.h), so that a detector loaded from it continues gs_trend_bucket()
 * with exactly the events the saved one would have given. Payload
 * (little-endian; f64/f32 are IEEE 754 bit patterns):
 *   options  u32 scorer, f64 halflife, beta, threshold, end_threshold,
 *            u32 min_accounts, warmup, table_bits, f64 posts_threshold,
 *            mastodon_threshold
 *   state    i64 width, u8 started, i64 first, i64 last_bucket,
 *            f64 alpha, g_alpha, g_ref (alpha and g_alpha as computed,
 *            so that another libm cannot change them)
 *   cells    u64 n (2 << table_bits for the significance scorer, else 0),
 *            n x (f32 mu, f32 var, i32 last, u32 n)
 *   events   u64 n, n x (u64 hash, u16 keylen <= GS_TAG_MAX, key, i64 start_ms,
 *            peak_ms, end_ms, last_ms, u8 status, f64 score,
 *            peak_accounts, u64 peak_posts), in the array's order
 *   active   u64 n, n x u64 index into events (the open events, in order)
 *   held     u64 n, n x (u64 hash, f64 max, i64 max_at)
 * gs_trend_save() refuses (GS_EUSAGE) a detector whose bucket width or
 * times lie beyond +-2^61 ms, which the loader would refuse.
 * Checks on load, besides the envelope's: options as gs_trend_new() takes
 * them; the cells must be in the file before the table is allocated; every
 * count against the bytes left; started is 0 or 1 and nothing has happened
 * before it; bucket times within +-2^61 ms and the bucket index within
 * int32; a cell's last update within the buckets seen and its warm-up
 * count within the warm-up; keys without NUL; statuses known; the active
 * list is exactly the events not ended, each once. The scratch buffers are
 * not state and are not saved.
 */

#include "count/snapio.h"

#define TREND_SNAP_VERSION 1
#define TREND_TIME_LIMIT (INT64_C(1) << 61)

static void trend_body(struct gs_wr *w, const void *obj)
{
	const struct gs_trend *t = obj;
	const struct gs_trend_options *o = &t->o;
	gs_wr_u32(w, (uint32_t)o->scorer);
	gs_wr_f64(w, o->halflife);
	gs_wr_f64(w, o->beta);
	gs_wr_f64(w, o->threshold);
	gs_wr_f64(w, o->end_threshold);
	gs_wr_u32(w, o->min_accounts);
	gs_wr_u32(w, o->warmup);
	gs_wr_u32(w, o->table_bits);
	gs_wr_f64(w, o->posts_threshold);
	gs_wr_f64(w, o->mastodon_threshold);
	gs_wr_i64(w, t->width);
	gs_wr_u8(w, t->started ? 1 : 0);
	gs_wr_i64(w, t->first);
	gs_wr_i64(w, t->last_bucket);
	gs_wr_f64(w, t->alpha);
	gs_wr_f64(w, t->g_alpha);
	gs_wr_f64(w, t->g_ref);
	gs_wr_u64(w, t->ncell);
	for (size_t i = 0; i < t->ncell; i++) {
		gs_wr_f32(w, t->cells[i].mu);
		gs_wr_f32(w, t->cells[i].var);
		gs_wr_u32(w, (uint32_t)t->cells[i].last);
		gs_wr_u32(w, t->cells[i].n);
	}
	gs_wr_u64(w, t->nev);
	for (size_t i = 0; i < t->nev; i++) {
		const struct gs_trend_event *e = &t->ev[i];
		size_t kn = strnlen(e->key, sizeof e->key - 1);
		gs_wr_u64(w, e->hash);
		gs_wr_u16(w, (uint16_t)kn);
		gs_wr_bytes(w, e->key, kn);
		gs_wr_i64(w, e->start_ms);
		gs_wr_i64(w, e->peak_ms);
		gs_wr_i64(w, e->end_ms);
		gs_wr_i64(w, e->last_ms);
		gs_wr_u8(w, (uint8_t)e->status);
		gs_wr_f64(w, e->score);
		gs_wr_f64(w, e->peak_accounts);
		gs_wr_u64(w, e->peak_posts);
	}
	gs_wr_u64(w, t->nactive);
	for (size_t i = 0; i < t->nactive; i++)
		gs_wr_u64(w, t->active[i]);
	gs_wr_u64(w, t->nheld);
	for (size_t i = 0; i < t->nheld; i++) {
		gs_wr_u64(w, t->held[i].hash);
		gs_wr_f64(w, t->held[i].max);
		gs_wr_i64(w, t->held[i].max_at);
	}
}

int gs_trend_save(const struct gs_trend *t, FILE *f)
{
	/* what gs_trend_load() would refuse is refused now, not at restart */
	if (t->width > TREND_TIME_LIMIT ||
	    (t->started && (t->first < -TREND_TIME_LIMIT || t->first > TREND_TIME_LIMIT ||
			    t->last_bucket < -TREND_TIME_LIMIT ||
			    t->last_bucket > TREND_TIME_LIMIT)))
		return GS_EUSAGE;
	return gs_snap_write(f, "GSTR", TREND_SNAP_VERSION, trend_body, t);
}

#define TFAIL_IF(c)                                                            \
	do {                                                                   \
		if (c)                                                         \
			return GS_EFORMAT;                                     \
	} while (0)

#define EVENT_MIN 67 /* bytes of a saved event with an empty key */

static int trend_decode(struct gs_rd *rd, struct gs_trend **out)
{
	struct gs_trend_options o;
	uint32_t scorer = gs_rd_u32(rd);
	o.scorer = scorer < GS_SCORER_COUNT_ ? (enum gs_scorer)scorer : GS_SCORER_SIGNIFICANCE;
	o.halflife = gs_rd_f64(rd);
	o.beta = gs_rd_f64(rd);
	o.threshold = gs_rd_f64(rd);
	o.end_threshold = gs_rd_f64(rd);
	o.min_accounts = gs_rd_u32(rd);
	o.warmup = gs_rd_u32(rd);
	o.table_bits = gs_rd_u32(rd);
	o.posts_threshold = gs_rd_f64(rd);
	o.mastodon_threshold = gs_rd_f64(rd);
	int64_t width = gs_rd_i64(rd);
	uint8_t started = gs_rd_u8(rd);
	int64_t first = gs_rd_i64(rd), last = gs_rd_i64(rd);
	double alpha = gs_rd_f64(rd), g_alpha = gs_rd_f64(rd), g_ref = gs_rd_f64(rd);
	uint64_t ncell = gs_rd_u64(rd);
	TFAIL_IF(rd->err || scorer >= GS_SCORER_COUNT_ || width <= 0 ||
		 width > TREND_TIME_LIMIT ||
		 !(o.halflife > 0) || !(o.beta >= 0) || o.table_bits < 8 ||
		 o.table_bits > 26 || started > 1);
	TFAIL_IF(!(alpha > 0 && alpha <= 1) || !(g_alpha > 0 && g_alpha <= 1));
	TFAIL_IF(ncell != (o.scorer == GS_SCORER_SIGNIFICANCE ? (uint64_t)ROWS << o.table_bits : 0) ||
		 gs_rd_left(rd) / 16 < ncell);
	int64_t cur = -1; /* index of the last bucket closed */
	if (started) {
		TFAIL_IF(first < -TREND_TIME_LIMIT || first > TREND_TIME_LIMIT ||
			 last < -TREND_TIME_LIMIT || last > TREND_TIME_LIMIT ||
			 last < first - width || (last - first) / width >= INT32_MAX);
		cur = (last - first) / width;
	} else {
		TFAIL_IF(first != 0 || last != 0);
	}
	struct gs_trend *t = gs_trend_new(&o, width);
	if (!t)
		return GS_ENOMEM;
	*out = t;
	t->started = started;
	t->first = first;
	t->last_bucket = last;
	t->alpha = alpha;
	t->g_alpha = g_alpha;
	t->g_ref = g_ref;
	for (size_t i = 0; i < t->ncell; i++) {
		struct cell *c = &t->cells[i];
		c->mu = gs_rd_f32(rd);
		c->var = gs_rd_f32(rd);
		c->last = (int32_t)gs_rd_u32(rd);
		c->n = gs_rd_u32(rd);
		TFAIL_IF(c->last < -1 || c->last > cur || c->n > o.warmup);
	}
	uint64_t nev = gs_rd_u64(rd);
	TFAIL_IF(rd->err || gs_rd_left(rd) / EVENT_MIN < nev || (!started && nev));
	if (nev) {
		if (!(t->ev = malloc((size_t)nev * sizeof *t->ev)))
			return GS_ENOMEM;
		t->capev = (size_t)nev;
	}
	size_t open = 0;
	for (size_t i = 0; i < nev; i++) {
		struct gs_trend_event *e = &t->ev[i];
		memset(e, 0, sizeof *e);
		e->hash = gs_rd_u64(rd);
		uint16_t kn = gs_rd_u16(rd);
		TFAIL_IF(rd->err || kn >= sizeof e->key);
		const unsigned char *k = gs_rd_take(rd, kn);
		TFAIL_IF(!k || memchr(k, 0, kn));
		memcpy(e->key, k, kn);
		e->start_ms = gs_rd_i64(rd);
		e->peak_ms = gs_rd_i64(rd);
		e->end_ms = gs_rd_i64(rd);
		e->last_ms = gs_rd_i64(rd);
		uint8_t st = gs_rd_u8(rd);
		e->score = gs_rd_f64(rd);
		e->peak_accounts = gs_rd_f64(rd);
		e->peak_posts = gs_rd_u64(rd);
		TFAIL_IF(rd->err || st > GS_TREND_ENDED);
		e->status = (enum gs_trend_status)st;
		open += st != GS_TREND_ENDED;
		t->nev = i + 1;
	}
	uint64_t nactive = gs_rd_u64(rd);
	TFAIL_IF(rd->err || nactive != open || gs_rd_left(rd) / 8 < nactive);
	if (nactive) {
		if (!(t->active = malloc((size_t)nactive * sizeof *t->active)))
			return GS_ENOMEM;
		t->capactive = (size_t)nactive;
		unsigned char *seen = calloc((size_t)nev, 1);
		if (!seen)
			return GS_ENOMEM;
		for (size_t i = 0; i < nactive; i++) {
			uint64_t k = gs_rd_u64(rd);
			if (rd->err || k >= nev || seen[k] ||
			    t->ev[k].status == GS_TREND_ENDED) {
				free(seen);
				return GS_EFORMAT;
			}
			seen[k] = 1;
			t->active[i] = (size_t)k;
			t->nactive = i + 1;
		}
		free(seen);
	}
	uint64_t nheld = gs_rd_u64(rd);
	TFAIL_IF(rd->err || gs_rd_left(rd) / 24 < nheld || (!started && nheld));
	if (nheld) {
		if (!(t->held = malloc((size_t)nheld * sizeof *t->held)))
			return GS_ENOMEM;
		t->capheld = (size_t)nheld;
	}
	for (size_t i = 0; i < nheld; i++) {
		t->held[i].hash = gs_rd_u64(rd);
		t->held[i].max = gs_rd_f64(rd);
		t->held[i].max_at = gs_rd_i64(rd);
		TFAIL_IF(t->held[i].max_at < -TREND_TIME_LIMIT ||
			 t->held[i].max_at > TREND_TIME_LIMIT);
		t->nheld = i + 1;
	}
	TFAIL_IF(rd->err || gs_rd_left(rd) != 0);
	return 0;
}

static int trend_decode_v(struct gs_rd *rd, void **out)
{
	struct gs_trend *x = NULL;
	int r = trend_decode(rd, &x);
	*out = x;
	return r;
}

static void gs_trend_free_v(void *x)
{
	gs_trend_free(x);
}

struct gs_trend *gs_trend_load(FILE *f, int *err)
{
	struct gs_trend *x = gs_snap_load(f, "GSTR", TREND_SNAP_VERSION, trend_decode_v, gs_trend_free_v, err);
	return x;
}
