/*
 * timeline.c - many tags' timelines as one table (timeline.h): CSV, JSON
 * and text.
 *
 * Design: the engine keeps, per tag, only the buckets it was used in
 * (posts, reposts, replies and a distinct-account sketch each);
 * gs_engine_timeline_cover() spreads them over the input's range. The
 * writers take one tag at a time, so memory is one timeline however many
 * tags are asked for, and rows go out tag after tag. A tag the engine does
 * not hold gets the same grid with zeros, computed here from the summary
 * as gs_engine_timeline_cover() does, so that a listed tag is never
 * silently missing from the table.
 */
#include "timeline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "json_writer.h"
#include "text.h"

enum fmt { FMT_CSV, FMT_JSON, FMT_TEXT };

/* The rows of tag t: its timeline, or for a tag the engine does not hold
 * the input's grid with zeros (nothing when the input has no posts or its
 * range is longer than GS_TIMELINE_MAX_BUCKETS). The count, or GS_ENOMEM. */
static ptrdiff_t rows_of(const struct gs_engine *e,
			 const struct gs_tag_stats *t,
			 struct gs_bucket_stats **out,
			 enum gs_timeline_cover *cover)
{
	*cover = GS_TIMELINE_INPUT;
	ptrdiff_t n = gs_engine_timeline_cover(e, t->key, out, cover);
	if (n != GS_ENOTFOUND)
		return n;
	struct gs_summary s;
	gs_engine_summary(e, &s);
	size_t k = 0;
	int64_t w = s.bucket_ms, b0 = 0;
	if (s.first_ms <= s.last_ms) {
		b0 = gs_time_bucket(s.first_ms, w);
		uint64_t d = ((uint64_t)gs_time_bucket(s.last_ms, w) -
			      (uint64_t)b0) /
			     (uint64_t)w;
		if (d < GS_TIMELINE_MAX_BUCKETS)
			k = (size_t)d + 1;
		else
			*cover = GS_TIMELINE_USED; /* it was used in none */
	}
	struct gs_bucket_stats *v = calloc(k ? k : 1, sizeof *v);
	if (!v)
		return GS_ENOMEM;
	for (size_t i = 0; i < k; i++)
		v[i].time_ms = b0 + (int64_t)i * w;
	*out = v;
	return (ptrdiff_t)k;
}

static void row_csv(FILE *f, const struct gs_tag_stats *t,
		    const struct gs_bucket_stats *b)
{
	char ts[32];
	gs_time_text(ts, b->time_ms);
	fputs(ts, f);
	fputc(',', f);
	gs_csv_str(f, t->key);
	fputc(',', f);
	gs_csv_str(f, t->display);
	fprintf(f, ",%llu,%llu,%llu,%llu,%.0f,%.4f\n",
		(unsigned long long)b->posts,
		(unsigned long long)(b->posts - b->reposts),
		(unsigned long long)b->reposts, (unsigned long long)b->replies,
		b->accounts, b->accounts_error);
}

static void row_json(FILE *f, const struct gs_tag_stats *t,
		     const struct gs_bucket_stats *b, int first)
{
	fputs(first ? "{\"time\":" : ",{\"time\":", f);
	gs_json_time(f, b->time_ms);
	fputs(",\"tag\":", f);
	gs_json_str(f, t->key);
	fputs(",\"display\":", f);
	gs_json_str(f, t->display);
	fprintf(f,
		",\"posts\":%llu,\"originals\":%llu,\"reposts\":%llu,"
		"\"replies\":%llu,\"accounts\":%.0f,\"accounts_error\":%.4f}",
		(unsigned long long)b->posts,
		(unsigned long long)(b->posts - b->reposts),
		(unsigned long long)b->reposts, (unsigned long long)b->replies,
		b->accounts, b->accounts_error);
}

static void row_text(FILE *f, const struct gs_bucket_stats *b)
{
	char ts[32], p[32], o[32], r[32], rp[32], num[32], acc[48];
	gs_time_text(ts, b->time_ms);
	gs_text_count(p, sizeof p, b->posts);
	gs_text_count(o, sizeof o, b->posts - b->reposts);
	gs_text_count(r, sizeof r, b->reposts);
	gs_text_count(rp, sizeof rp, b->replies);
	gs_text_estimate(num, sizeof num, b->accounts);
	if (b->accounts_error > 0)
		snprintf(acc, sizeof acc, "~%s ±%.1f%%", num,
			 100 * b->accounts_error);
	else
		snprintf(acc, sizeof acc, "%s", num);
	fprintf(f, "  %-20s  %9s %10s %9s %9s  %16s\n", ts, p, o, r, rp, acc);
}

/* The tags' entries of the JSON object's "tags" array. */
static void tag_json(FILE *f, const struct gs_tag_stats *t, size_t rank,
		     enum gs_timeline_cover cover)
{
	fprintf(f, "%s{\"rank\":%zu,\"tag\":", rank > 1 ? "," : "", rank);
	gs_json_str(f, t->key);
	fputs(",\"display\":", f);
	gs_json_str(f, t->display);
	fprintf(f,
		",\"posts\":%llu,\"posts_error\":%llu,\"accounts\":%.0f,"
		"\"accounts_error\":%.4f,\"timeline_covers\":\"%s\"}",
		(unsigned long long)t->posts,
		(unsigned long long)t->posts_error, t->accounts,
		t->accounts_error, gs_timeline_cover_name(cover));
}

/* The rows of tags[0..n) in format fmt; each tag's cover into covers[i]
 * when covers is not NULL. */
static int write_rows(FILE *f, const struct gs_engine *e,
		      const struct gs_tag_stats *tags, size_t n,
		      size_t *shortened, enum fmt fmt,
		      enum gs_timeline_cover *covers)
{
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		struct gs_bucket_stats *v;
		enum gs_timeline_cover cover;
		ptrdiff_t k = rows_of(e, &tags[i], &v, &cover);
		if (k < 0)
			return (int)k;
		if (cover != GS_TIMELINE_INPUT && shortened)
			++*shortened;
		if (covers)
			covers[i] = cover;
		if (fmt == FMT_TEXT) {
			fprintf(f, "%s#%s (key '%s')%s\n", i ? "\n" : "",
				tags[i].display, tags[i].key,
				cover == GS_TIMELINE_INPUT ? ""
				: cover == GS_TIMELINE_TAG
					? ": its own span"
					: ": the buckets it was used in");
			fprintf(f, "  %-20s  %9s %10s %9s %9s  %16s\n",
				"bucket (UTC)", "posts", "originals", "reposts",
				"replies", "accounts");
		}
		for (ptrdiff_t j = 0; j < k; j++) {
			/* a bucket's accounts are among the tag's, whose
			 * figure is the more precise (README: an estimate is
			 * never shown above an exact bound) */
			if (v[j].accounts > tags[i].accounts)
				v[j].accounts = tags[i].accounts;
			if (fmt == FMT_CSV)
				row_csv(f, &tags[i], &v[j]);
			else if (fmt == FMT_JSON)
				row_json(f, &tags[i], &v[j], first);
			else
				row_text(f, &v[j]);
			first = 0;
		}
		free(v);
	}
	return 0;
}

int gs_timeline_csv(FILE *f, const struct gs_engine *e,
		    const struct gs_tag_stats *tags, size_t n,
		    size_t *shortened)
{
	fputs("time,tag,display,posts,originals,reposts,replies,accounts,"
	      "accounts_error\n",
	      f);
	return write_rows(f, e, tags, n, shortened, FMT_CSV, NULL);
}

int gs_timeline_json(FILE *f, const struct gs_engine *e,
		     const struct gs_tag_stats *tags, size_t n,
		     size_t *shortened)
{
	struct gs_summary s;
	char d[16];
	enum gs_timeline_cover *covers = malloc((n ? n : 1) * sizeof *covers);
	if (!covers)
		return GS_ENOMEM;
	gs_engine_summary(e, &s);
	gs_duration_format(s.bucket_ms, d);
	fputs("{\"bucket\":", f);
	gs_json_str(f, d);
	/* the rows first: the tags' covers are known once their rows are */
	fputs(",\"rows\":[", f);
	int r = write_rows(f, e, tags, n, shortened, FMT_JSON, covers);
	fputs("],\"tags\":[", f);
	for (size_t i = 0; i < n && !r; i++)
		tag_json(f, &tags[i], i + 1, covers[i]);
	fputs("]}\n", f);
	free(covers);
	return r;
}

int gs_timeline_text(FILE *f, const struct gs_engine *e,
		     const struct gs_tag_stats *tags, size_t n,
		     size_t *shortened)
{
	return write_rows(f, e, tags, n, shortened, FMT_TEXT, NULL);
}
