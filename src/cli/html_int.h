/*
 * html_int.h - private to the "report --html" files: the chart primitives
 * and time labels of html.c, shared with html_movements.c (the movements
 * section) so that every chart on the page looks the same.
 *
 *   html.c            the page, its text helpers and charts
 *   html_movements.c  the movements section (detect/movement.h)
 *
 * Ownership: nothing here allocates; series borrow their timelines.
 */
#ifndef GS_CLI_HTML_INT_H
#define GS_CLI_HTML_INT_H

#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"
#include "detect/trend.h"

#define HTML_NPALETTE 10
extern const char *const html_palette[HTML_NPALETTE];

/* One line of a chart: a tag's (or a movement's) accounts per bucket. */
struct series {
	const char *key, *display, *color;
	struct gs_bucket_stats *tl;
	size_t n;
};

struct chart {
	double w, h, ml, mr, mt, mb;
	int64_t t0, t1, bucket;
	double ymax, ystep;
	double ytitle_y; /* baseline of the y-axis title; 0: above the plot */
};

/* "2017-10-13 23:00" ("—" for INT64_MIN/MAX); the end of a span after
 * from in the fewest words; "per hour" or "per 10m bucket". */
void when(char buf[48], int64_t ms, int64_t bucket);
void when_after(char buf[48], int64_t from, int64_t ms, int64_t bucket);
void per_bucket(char buf[48], int64_t bucket);
/* The span a trend event covers on a chart. */
void trend_span(const struct gs_trend_event *e, int64_t bucket, int64_t *from,
		int64_t *to);

/* A chart of w x h over [t0, t1) up to vmax: open (an SVG with label as
 * its accessible name), axes (before bands and lines), trend bands, lines
 * (area: filled beneath), hover columns with each series' value; the
 * caller closes the </svg>. */
void chart_init(struct chart *ch, double w, double h, int64_t t0, int64_t t1,
		int64_t bucket, double vmax);
double cx(const struct chart *ch, int64_t t);
double cy(const struct chart *ch, double v);
void chart_open(FILE *f, const struct chart *ch, const char *label);
void chart_axes(FILE *f, const struct chart *ch, const char *ytitle);
void chart_band(FILE *f, const struct chart *ch, int64_t from, int64_t to,
		const char *color, const char *title, int card);
void chart_line(FILE *f, const struct chart *ch, const struct series *s,
		int area);
void chart_hover(FILE *f, const struct chart *ch, const struct series *s,
		 size_t ns);

/*
 * The movements section (html_movements.c): the movements of the stream
 * counted in e and cc (NULL: no co-occurrence was counted, which the
 * section says), found from the trend events ev[0..nev) as `groundswell
 * movements` finds them; post ids shown only when show_ids. 0 or
 * GS_ENOMEM.
 */
struct gs_cooccur;
int html_movements(FILE *f, const struct gs_engine *e,
		   const struct gs_cooccur *cc, const struct gs_trend_event *ev,
		   size_t nev, int show_ids);

#endif
