/*
 * trend_json.h - a trend event as JSON, the one object that
 * "groundswell trends --json" prints per line and the server gives at
 * /trends and in the stream's "trend" events:
 *
 *   {"tag", "display", "start", "peak", "end" (null while open), "status",
 *    "score", "posts", "accounts", "peak_accounts", "peak_posts", "scorer",
 *    "co_tags": [{"tag", "display", "posts"}] (5), "examples": [{"id",
 *    "reposts"}] (3)
 *
 * posts and accounts are counted from the event's start bucket to its end
 * (or last evaluated) bucket. The object is left open, so that a caller
 * may add members (the server's "visible") before its closing brace.
 *
 * Ownership: nothing is kept; the engine and the event are read only.
 */
#ifndef GS_TREND_JSON_H
#define GS_TREND_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"
#include "detect/trend.h"
#include "pseudo.h"

/* An event with what the engine says of it. */
struct gs_trend_row {
	const struct gs_trend_event *ev;
	const char *display; /* most frequent spelling, else the key */
	uint64_t posts;	     /* over the event's span */
	double accounts;     /* distinct, over that span */
};

/* Fills row for ev from engine e (display borrowed from e: valid while e
 * is not changed). */
void gs_trend_row_of(const struct gs_engine *e, const struct gs_trend_event *ev,
		     struct gs_trend_row *row);

/* Writes "{" and the members from "tag" to "peak_posts"; left open. */
void gs_trend_json_fields(FILE *f, const struct gs_trend_row *x);

/* Writes the whole object but its closing brace: the fields, "scorer",
 * "co_tags" and "examples" (read from e). With ps (else NULL) the examples'
 * ids name no account (gs_pseudo_post). */
void gs_trend_json(FILE *f, const struct gs_engine *e,
		   const struct gs_trend_row *x, enum gs_scorer scorer,
		   const struct gs_pseudo *ps);

#endif
