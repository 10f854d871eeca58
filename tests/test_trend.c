/* test_trend.c - trend detection: lifecycle on hand-built series, the
 * scorers' rules, and batch versus live paths on a generated stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/generate.h"
#include "groundswell.h"
#include "count/ingest.h"
#include "tap.h"
#include "base/timeutil.h"
#include "detect/trend.h"

#define H GS_MS_HOUR

static struct gs_obs ob(const char *key, uint64_t hash, int64_t b, double acc)
{
	struct gs_obs o = {b, hash, key, (uint64_t)acc, acc, acc, 0};
	return o;
}

/* Feeds series[i] accounts for tag "x" (and a steady "bg") per bucket. */
static struct gs_trend *run_series(const double *series, int n,
				   struct gs_trend_options *o)
{
	struct gs_trend *t = gs_trend_new(o, H);
	for (int i = 0; i < n; i++) {
		struct gs_obs v[2];
		size_t k = 0;
		v[k++] = ob("bg", 2, i * H, 100);
		if (series[i] > 0)
			v[k++] = ob("x", 1, i * H, series[i]);
		gs_trend_bucket(t, i * H, 1000, v, k);
	}
	return t;
}

static const struct gs_trend_event *find(struct gs_trend *t, const char *key,
					 size_t *count)
{
	const struct gs_trend_event *ev, *first = NULL;
	size_t n = gs_trend_events(t, &ev);
	*count = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ev[i].key, key)) {
			if (!first)
				first = &ev[i];
			(*count)++;
		}
	return first;
}

static int same_events(struct gs_trend *a, struct gs_trend *b)
{
	const struct gs_trend_event *x, *y;
	size_t nx = gs_trend_events(a, &x), ny = gs_trend_events(b, &y);
	if (nx != ny)
		return 0;
	for (size_t i = 0; i < nx; i++)
		if (strcmp(x[i].key, y[i].key) || x[i].start_ms != y[i].start_ms ||
		    x[i].peak_ms != y[i].peak_ms || x[i].end_ms != y[i].end_ms ||
		    x[i].status != y[i].status || x[i].score != y[i].score)
			return 0;
	return 1;
}

int main(void)
{
	struct gs_trend_options o;
	size_t c;
	const struct gs_trend_event *e;

	/* a burst on a steady baseline: start, peak, end */
	gs_trend_options_init(&o);
	double burst[40];
	for (int i = 0; i < 40; i++)
		burst[i] = 10;
	burst[30] = 60;
	burst[31] = 90;
	burst[32] = 70;
	struct gs_trend *t = run_series(burst, 40, &o);
	e = find(t, "x", &c);
	TAP_EQ_INT(c, 1, "one event for one burst");
	TAP_OK(e && e->start_ms == 30 * H, "starts in the first bucket of the burst");
	TAP_OK(e && e->peak_ms == 31 * H && e->peak_accounts == 90, "peaks at the most accounts");
	TAP_OK(e && e->end_ms == 33 * H, "ends when it falls back to its baseline");
	TAP_OK(e && e->status == GS_TREND_ENDED, "status ended");
	TAP_OK(e && e->score >= o.threshold, "score is the highest z while trending (%.1f)", e ? e->score : 0);
	find(t, "bg", &c);
	TAP_EQ_INT(c, 0, "a steady tag never trends");
	gs_trend_free(t);

	/* the same burst, still going at the end: open, rising */
	t = run_series(burst, 32, &o);
	e = find(t, "x", &c);
	TAP_OK(e && e->end_ms == -1 && e->status == GS_TREND_RISING, "an open event is rising while it peaks");
	gs_trend_free(t);
	t = run_series(burst, 33, &o);
	e = find(t, "x", &c);
	TAP_OK(e && e->end_ms == -1 && (e->status == GS_TREND_TRENDING || e->status == GS_TREND_COOLING),
	       "past its peak it is trending or cooling (%s)", e ? gs_trend_status_name(e->status) : "-");
	gs_trend_free(t);

	/* too few accounts never trend, however sudden */
	double few[40] = {0};
	few[30] = 4;
	few[31] = 4;
	t = run_series(few, 40, &o);
	find(t, "x", &c);
	TAP_EQ_INT(c, 0, "fewer than min_accounts distinct accounts never trend");
	gs_trend_free(t);

	/* a new tag with many accounts trends; during warm-up nothing does */
	double fresh[40] = {0};
	fresh[2] = 40;
	t = run_series(fresh, 40, &o);
	find(t, "x", &c);
	TAP_EQ_INT(c, 0, "nothing trends during the warm-up");
	gs_trend_free(t);
	fresh[2] = 0;
	fresh[20] = 40;
	t = run_series(fresh, 40, &o);
	e = find(t, "x", &c);
	TAP_OK(c == 1 && e->start_ms == 20 * H, "a brand-new tag with 40 accounts trends at once");
	gs_trend_free(t);

	/* the daily cycle of the whole stream is divided out */
	t = gs_trend_new(&o, H);
	for (int i = 0; i < 24 * 7; i++) {
		double cyc = 1.0 + 0.6 * ((i % 24) >= 8 && (i % 24) < 20 ? 1 : -1);
		struct gs_obs v = ob("news", 3, i * H, 200 * cyc);
		gs_trend_bucket(t, i * H, 5000 * cyc, &v, 1);
	}
	find(t, "news", &c);
	TAP_EQ_INT(c, 0, "a tag that follows the stream's daily cycle never trends");
	gs_trend_free(t);

	/* out-of-order buckets are refused */
	t = gs_trend_new(&o, H);
	struct gs_obs v1 = ob("x", 1, 5 * H, 10);
	TAP_EQ_INT(gs_trend_bucket(t, 5 * H, 10, &v1, 1), 0, "bucket accepted");
	TAP_EQ_INT(gs_trend_bucket(t, 4 * H, 10, &v1, 1), GS_EUSAGE, "an earlier bucket is refused");
	gs_trend_free(t);

	/* Mastodon: day over day, 5 accounts minimum, held with 4 h half-life */
	gs_trend_options_init(&o);
	o.scorer = GS_SCORER_MASTODON;
	t = gs_trend_new(&o, H);
	for (int i = 0; i < 24 * 3; i++) {
		struct gs_obs v = ob("m", 9, i * H, 2);
		v.prev_day_accounts = i >= 24 ? 20 : 0;
		v.day_accounts = i < 48 ? 2 * (i % 24 + 1) : 60 + 2 * (i % 24); /* day 3 beats day 2 */
		gs_trend_bucket(t, i * H, 100, &v, 1);
	}
	e = find(t, "m", &c);
	/* day 2: o=2..48 vs e=20: (o-e)^2/e >= 5 once o >= 30 (bucket 24+14) */
	TAP_OK(e && e->start_ms == (24 + 14) * H, "mastodon: starts when (o-e)^2/e reaches the threshold");
	gs_trend_free(t);

	/* posts scorer */
	gs_trend_options_init(&o);
	o.scorer = GS_SCORER_POSTS;
	o.posts_threshold = 50;
	t = run_series(burst, 40, &o);
	e = find(t, "x", &c);
	TAP_OK(c == 1 && e->start_ms == 30 * H && e->end_ms == 33 * H, "posts: above the threshold");
	find(t, "bg", &c);
	TAP_EQ_INT(c, 1, "posts: a steady heavy tag trends forever (why it is only a baseline)");
	gs_trend_free(t);

	/* the statistic: known values (trend.c's opening comment) */
#define NEAR(a, b) ((a) - (b) < 1e-9 && (b) - (a) < 1e-9)
	TAP_OK(NEAR(gs_trend_significance(12, 0, 0, 1, 1, 3), 4),
	       "a never-seen tag: 12 accounts over a floor of 3 give z = 4");
	TAP_OK(NEAR(gs_trend_significance(12.5, 0, 0, 0.5, 1, 3), 12.5 / 1.5),
	       "the floor is in accounts of the bucket: 25 at twice the stream's level (scale 0.5) give 8.3");
	TAP_OK(NEAR(gs_trend_significance(152, 100, 0, 1, 1, 3), 4),
	       "no deviation below Poisson's: 100 expected, 152 seen, sd 10 + floor 3 give 4");
	TAP_OK(NEAR(gs_trend_significance(66, 50, 0, 2, 1, 3), 1),
	       "Poisson in raw accounts: mu 50 at scale 2 is 25 expected, sd 5 raw = 10 scaled");
	TAP_OK(NEAR(gs_trend_significance(146, 100, 400, 1, 1, 3), 2),
	       "a wider EWMVar than Poisson's is used as it is (sd 20)");
	TAP_OK(NEAR(gs_trend_significance(12, 0, 0, 0, 1, 3), 4) &&
		       NEAR(gs_trend_significance(12, 0, 0, -1, 1, 3), 4),
	       "a scale that is not positive counts as 1");
	TAP_OK(NEAR(gs_trend_significance(3, 4, 0, 1, 1, 3), -0.2),
	       "below the baseline: negative");
	TAP_OK(NEAR(gs_trend_significance(132, 100, 0, 1, 4, 3), 32.0 / 23),
	       "an overdispersed stream (phi 4): 100 expected have sd 20, not 10");
	TAP_OK(NEAR(gs_trend_significance(12, 0, 0, 1, 4, 3), 4),
	       "phi leaves a never-seen tag alone: 12 accounts still give 4");
	TAP_OK(NEAR(gs_trend_significance(152, 100, 0, 1, 0.5, 3), 4) &&
		       NEAR(gs_trend_significance(152, 100, 0, 1, NAN, 3), 4),
	       "a phi below 1 (or NaN) counts as 1: never narrower than Poisson");
	TAP_OK(NEAR(gs_trend_significance(146, 100, 400, 1, 2, 3), 2),
	       "the EWMVar is used where wider than phi's (sd 20 > sqrt(200))");

	/* a small voice at the stream's busiest hours: a never-seen tag with
	 * 25 accounts a bucket while the stream has 2.5 times its usual
	 * accounts (a fixed floor in scaled units saw 10 / 3 < 4) */
	{
		gs_trend_options_init(&o);
		t = gs_trend_new(&o, H);
		for (int i = 0; i < 48; i++) {
			double g = i >= 30 && i < 36 ? 2500 : 1000;
			struct gs_obs v[2];
			size_t k = 0;
			v[k++] = ob("bg", 2, i * H, 0.1 * g);
			if (i >= 30 && i < 36)
				v[k++] = ob("voice", 5, i * H, 25);
			gs_trend_bucket(t, i * H, g, v, k);
		}
		e = find(t, "voice", &c);
		TAP_OK(c == 1 && e->start_ms == 30 * H,
		       "25 accounts of 2,500 (1%%) on a new tag trend at once");
		find(t, "bg", &c);
		TAP_EQ_INT(c, 0,
			   "the steady tag that follows the stream does not");
		gs_trend_free(t);
	}

	/* the long tail: a tag averaging 2 accounts, up to 9 in a bucket, never
	 * trends; nor does a flood of 4 accounts */
	{
		gs_trend_options_init(&o);
		t = gs_trend_new(&o, H);
		static const double tail[16] = {2, 0, 1, 3, 9, 1, 0, 2,
						4, 0, 1, 8, 2, 1, 0, 3};
		for (int i = 0; i < 24 * 8; i++) {
			double g = 1000 *
				   (1.0 + 0.6 * ((i % 24) >= 8 && (i % 24) < 20
							 ? 1
							 : -1));
			struct gs_obs v[2];
			size_t k = 0;
			if (tail[i % 16] > 0)
				v[k++] = ob("tail", 6, i * H, tail[i % 16]);
			if (i >= 100 && i < 104)
				v[k++] = ob("spam", 7, i * H, 4);
			gs_trend_bucket(t, i * H, g, v, k);
		}
		find(t, "tail", &c);
		TAP_EQ_INT(c, 0, "long-tail fluctuations never trend");
		find(t, "spam", &c);
		TAP_EQ_INT(c, 0, "a flood of 4 accounts never trends");
		gs_trend_free(t);
	}

	/* a busy stream whose tags come in clusters (one post reposted by
	 * several accounts: counts overdispersed, variance 4 times the mean)
	 * flags none of its 80 steady tags of about 40 accounts a bucket in
	 * a week, while a never-seen tag of 15 accounts a bucket is heard at
	 * once. Each tag's own EWMVar, learnt from a few dozen buckets, is
	 * now and then far below its true variance; before the stream's
	 * dispersion was pooled over its tags, those moments flagged. */
	{
		gs_trend_options_init(&o);
		t = gs_trend_new(&o, H);
		uint64_t rs = 0x9e3779b97f4a7c15u;
		char names[80][16];
		struct gs_obs v[81];
		for (int i = 0; i < 24 * 7; i++) {
			size_t k = 0;
			for (int j = 0; j < 80; j++) {
				/* Poisson(10) clusters of 4 accounts */
				double acc = 0, l = exp(-10.0), p = 1;
				for (;;) {
					rs ^= rs << 13;
					rs ^= rs >> 7;
					rs ^= rs << 17;
					p *= (double)(rs >> 11) /
					     9007199254740992.0;
					if (p <= l)
						break;
					acc += 4;
				}
				snprintf(names[j], sizeof names[j], "s%d", j);
				if (acc > 0)
					v[k++] = ob(names[j], 100 + (uint64_t)j,
						    i * H, acc);
			}
			if (i >= 100 && i < 106)
				v[k++] = ob("newvoice", 9, i * H, 15);
			gs_trend_bucket(t, i * H, 100000, v, k);
		}
		const struct gs_trend_event *ev;
		size_t n = gs_trend_events(t, &ev), steady = 0;
		for (size_t q = 0; q < n; q++)
			steady += ev[q].key[0] == 's';
		TAP_EQ_INT(steady, 0, "overdispersed steady tags never trend");
		e = find(t, "newvoice", &c);
		TAP_OK(c == 1 && e->start_ms == 100 * H,
		       "a never-seen tag of 15 accounts a bucket, sustained, trends at once");
		gs_trend_free(t);
	}

	/* batch and live paths give identical events on a generated stream */
	char path[] = "/tmp/gs-test-trend-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct gs_generate_options go;
	gs_generate_options_init(&go);
	go.seed = 4;
	go.hours = 60;
	go.rate = 0.5;
	go.format = GS_GEN_MASTODON;
	TAP_EQ_INT(gs_generate(f, NULL, &go), 0, "generated a stream");
	fclose(f);
	for (int sc = 0; sc < GS_SCORER_COUNT_; sc++) {
		gs_trend_options_init(&o);
		o.scorer = (enum gs_scorer)sc;
		struct gs_engine *eb = gs_engine_new(NULL), *el = gs_engine_new(NULL);
		struct gs_ingest_options io;
		struct gs_ingest_state st = {0};
		gs_ingest_options_init(&io);
		io.threads = 1;
		gs_ingest_file(eb, path, &io, &st);
		struct gs_trend *tb = gs_trend_new(&o, H), *tl = gs_trend_new(&o, H);
		TAP_EQ_INT(gs_trend_run_batch(tb, eb), 0, "%s: batch run", gs_scorer_name(o.scorer));
		struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
		int err;
		struct gs_reader *r = gs_reader_open(path, 0, &err);
		struct gs_trend_live l;
		gs_trend_live_init(&l, el, tl, 0);
		const char *line;
		size_t len;
		while (gs_reader_next(r, &line, &len) == 1) {
			const struct gs_post *posts;
			int np = gs_parser_parse(ps, line, len, &posts);
			for (int i = 0; i < np; i++)
				gs_trend_live_add(&l, &posts[i]);
		}
		gs_trend_live_finish(&l);
		gs_reader_close(r);
		gs_parser_free(ps);
		const struct gs_trend_event *ev;
		size_t n = gs_trend_events(tb, &ev);
		TAP_OK(sc != GS_SCORER_SIGNIFICANCE || n >= 3, "%s: events found (%zu)", gs_scorer_name(o.scorer), n);
		TAP_OK(same_events(tb, tl), "%s: live path gives the batch path's events", gs_scorer_name(o.scorer));
		TAP_EQ_INT(l.late_posts, 0, "no late posts in a time-ordered stream");
		gs_trend_free(tb);
		gs_trend_free(tl);
		gs_engine_free(eb);
		gs_engine_free(el);
	}
	unlink(path);
	/* the warm-up the detector applies, as the CLI reports it */
	{
		struct gs_trend_options wo;
		gs_trend_options_init(&wo);
		TAP_EQ_INT(gs_trend_warmup_buckets(NULL, GS_MS_HOUR), 12,
			   "the default warm-up is 12 buckets");
		wo.scorer = GS_SCORER_MASTODON;
		TAP_EQ_INT(gs_trend_warmup_buckets(&wo, GS_MS_HOUR), 24,
			   "the mastodon scorer waits a day of hourly buckets");
		TAP_EQ_INT(gs_trend_warmup_buckets(&wo, GS_MS_DAY), 12,
			   "and its --warmup when that is longer than a day");
		wo.scorer = GS_SCORER_POSTS;
		wo.warmup = 3;
		TAP_EQ_INT(gs_trend_warmup_buckets(&wo, GS_MS_HOUR), 3,
			   "--warmup for the posts scorer");
	}
	return TAP_DONE();
}
