/*
 * html.h - "report --html": the report as one self-contained HTML page
 * (inline CSS and SVG charts drawn here, no script, font or network
 * reference), and the trend rows that report prints.
 *
 * Ownership: nothing returned is to be freed; struct trend_row borrows its
 * event and the engine's strings, valid until either changes.
 */
#ifndef GS_CLI_HTML_H
#define GS_CLI_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "detect/trend.h"

/*
 * Writes the page for c->engine and its trend events ev[0..nev) (as
 * gs_trend_events gives them) to f: summary, how to read it, charts of
 * distinct accounts per bucket with trend spans shaded, co-occurring tags,
 * the top tags (top; 0 for all) and the trends. Returns 0, GS_ENOMEM or
 * GS_EIO (f reported an error).
 */
int html_report(FILE *f, const struct cli_common *c,
		const struct gs_trend_event *ev, size_t nev, size_t top);

/* Writes s as HTML text or attribute value: & < > " ' escaped, invalid
 * UTF-8, control characters and noncharacters replaced by U+FFFD. */
void html_esc(FILE *f, const char *s);

#endif
