/*
 * timeline.h - many tags' timelines in one table: one row per (bucket,
 * tag) with posts, originals, reposts, replies and distinct accounts (with
 * their error), the table researchers load into pandas or R to plot
 * (`report --timeline`; issue 12 part 3). One writer per format: CSV, JSON
 * and a text table.
 *
 * Rows go tag by tag, in the order the caller gives the tags (report's
 * ranking), each tag's buckets in time order, over the whole input's range
 * with zero buckets included (a dense grid, as plotting wants it): what
 * gs_engine_timeline() gives. When that range is longer than
 * GS_TIMELINE_MAX_BUCKETS, a tag's rows are shortened as
 * gs_engine_timeline_cover() says, and the writers count such tags in
 * *shortened for the caller to say so. A tag the engine does not hold
 * (listed by the caller but never used, or evicted) gets the grid with
 * zeros.
 *
 * Ownership: the engine, the tags and the stream are the caller's; the
 * writers hold nothing after they return. Write errors are left in the
 * stream (ferror).
 */
#ifndef GS_OUT_TIMELINE_H
#define GS_OUT_TIMELINE_H

#include <stddef.h>
#include <stdio.h>

#include "groundswell.h"

/* CSV: a header row
 * "time,tag,display,posts,originals,reposts,replies,accounts,accounts_error"
 * then the rows. Returns 0 or GS_ENOMEM (the rows written so far stay). */
int gs_timeline_csv(FILE *f, const struct gs_engine *e,
		    const struct gs_tag_stats *tags, size_t n,
		    size_t *shortened);

/* JSON: one object, {"bucket": "1h", "rows": [{"time", "tag", "display",
 * "posts", "originals", "reposts", "replies", "accounts",
 * "accounts_error"}], "tags": [{"rank", "tag", "display", "posts",
 * "posts_error", "accounts", "accounts_error", "timeline_covers"}]} and a
 * newline:
 * pandas.DataFrame(json.load(f)["rows"]) is the CSV's table. Returns 0 or
 * GS_ENOMEM (the output is then cut short). */
int gs_timeline_json(FILE *f, const struct gs_engine *e,
		     const struct gs_tag_stats *tags, size_t n,
		     size_t *shortened);

/* Text: the same rows as an aligned table for people, a blank line
 * between tags. 0 or GS_ENOMEM. */
int gs_timeline_text(FILE *f, const struct gs_engine *e,
		     const struct gs_tag_stats *tags, size_t n,
		     size_t *shortened);

#endif
