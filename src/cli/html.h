/*
 * html.h - "report --html": the report as one self-contained HTML page
 * (inline CSS and SVG charts drawn in html.c; no script, and nothing the
 * page loads from the network).
 *
 * Ownership: nothing here allocates what the caller frees; the page is
 * written as it is made, and the engine and events are only read.
 */
#ifndef GS_CLI_HTML_H
#define GS_CLI_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "detect/trend.h"

struct gs_cooccur;

/*
 * Writes the page for c->engine and its trend events ev[0..nev) (as
 * gs_trend_events gives them) to f: the summary and how to read it; distinct
 * accounts per bucket of the top tags, trend spans shaded; a card for each
 * of the trends with the highest scores, with its chart and the tags
 * used with it; the movements: groups of tags that are one movement
 * (html_movements.c), from the co-occurrence counter cc fed the same posts
 * (NULL: not counted, and the page says so); the magnitude table of the
 * top tags (top of them; 0 for all); and the trends table, by start (the
 * 200 with the highest scores when there are more). Returns 0, GS_ENOMEM or
 * GS_EIO (f reported an error).
 */
int html_report(FILE *f, const struct cli_common *c,
		const struct gs_trend_event *ev, size_t nev, size_t top,
		const struct gs_cooccur *cc);
/* The same with the magnitude table and the overview's tags taken from
 * tags[0..ntags) (ranked; report --tags) instead of every tag. */
int html_report_tags(FILE *f, const struct cli_common *c,
		     const struct gs_trend_event *ev, size_t nev, size_t top,
		     const struct gs_tag_stats *tags, size_t ntags,
		     const struct gs_cooccur *cc);

/* Writes s as HTML text or attribute value: & < > " ' escaped, invalid
 * UTF-8, control characters and noncharacters replaced by U+FFFD. */
void html_esc(FILE *f, const char *s);

#endif
