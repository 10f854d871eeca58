/*
 * movement_json.h - movements (detect/movement.h) as JSON, one object:
 *
 *   {"movements": [{"name", "defined", "posts", "posts_error", "tag_uses",
 *    "accounts", "accounts_error", "accounts_sum", "tags": [{"tag",
 *    "display", "posts", "accounts", "accounts_error", "first_seen",
 *    "onset"}], "pairs": [{"a", "b", "signals", "joined", "posts_both",
 *    ...}], "languages": [{"lang", "onset", "tag_uses"}], "shared_posts":
 *    [{"id", "reposts"}], "timeline": [{"time", "posts", "accounts",
 *    "accounts_error"}]}], "candidates", "candidates_left", "spam_left",
 *    "tags_evicted", "combos_evicted"}
 *
 * and a newline. Written by "groundswell movements --json" and by serve's
 * /api/groundswell/v1/movements (docs/movements.md).
 *
 * Ownership: nothing is kept; the movements and the stats are read only.
 */
#ifndef GS_MOVEMENT_JSON_H
#define GS_MOVEMENT_JSON_H

#include <stdio.h>

#include "count/cooccur.h"
#include "detect/movement.h"

/* Writes mv->v[0..mv->n) and the counter's evictions (cs) to f. */
void gs_movements_json(FILE *f, const struct gs_movements *mv,
		       const struct gs_cooccur_stats *cs);

#endif
