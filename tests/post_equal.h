/*
 * post_equal.h - field-by-field equality of two parsed posts, strings by
 * content (one may point into its line, the other into a parser's arena).
 * For tests and fuzz targets that check two ways of parsing agree.
 * (The copies are exact-size heap blocks, so ASan sees reads past a line.)
 */
#ifndef GS_POST_EQUAL_H
#define GS_POST_EQUAL_H

#include <stdlib.h>
#include <string.h>

#include "groundswell.h"

static inline int str_same(struct gs_str a, struct gs_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline int post_equal(const struct gs_post *a, const struct gs_post *b)
{
	if (a->format != b->format || a->flags != b->flags ||
	    a->time_ms != b->time_ms || a->ntags != b->ntags ||
	    a->tags_dropped != b->tags_dropped ||
	    a->nmentions != b->nmentions || a->nurls != b->nurls ||
	    a->urls_dropped != b->urls_dropped)
		return 0;
	if (!str_same(a->id, b->id) || !str_same(a->account, b->account) ||
	    !str_same(a->lang, b->lang) ||
	    !str_same(a->reply_to, b->reply_to) ||
	    !str_same(a->post_did, b->post_did) ||
	    !str_same(a->post_rkey, b->post_rkey) ||
	    !str_same(a->repost_did, b->repost_did) ||
	    !str_same(a->repost_rkey, b->repost_rkey) ||
	    !str_same(a->repost_id, b->repost_id) ||
	    !str_same(a->repost_account, b->repost_account) ||
	    !str_same(a->quote_account, b->quote_account) ||
	    !str_same(a->handle, b->handle) ||
	    !str_same(a->reply_to_handle, b->reply_to_handle) ||
	    !str_same(a->repost_handle, b->repost_handle) ||
	    !str_same(a->quote_handle, b->quote_handle))
		return 0;
	for (size_t i = 0; i < a->ntags; i++)
		if (!str_same(a->tags[i], b->tags[i]))
			return 0;
	for (size_t i = 0; i < a->nmentions; i++)
		if (!str_same(a->mentions[i], b->mentions[i]) ||
		    !str_same(a->mention_handles[i], b->mention_handles[i]))
			return 0;
	for (size_t i = 0; i < a->nurls; i++)
		if (!str_same(a->urls[i], b->urls[i]))
			return 0;
	return 1;
}

/* Parses line (n bytes) with a and, after one leading space, with b: a
 * Jetstream commit in its own layout takes parse_jetstream_commit in a and
 * parse_obj in b (the space is not in the layout). 1 when both agree on
 * the result and every post. */
static inline int same_both_ways(struct gs_parser *a, struct gs_parser *b,
				 const char *line, size_t n)
{
	char *x = malloc(n ? n : 1), *y = malloc(n + 1);
	if (!x || !y) {
		free(x);
		free(y);
		return 0;
	}
	memcpy(x, line, n);
	y[0] = ' ';
	memcpy(y + 1, line, n);
	const struct gs_post *pa, *pb;
	int ra = gs_parser_parse(a, x, n, &pa);
	int rb = gs_parser_parse(b, y, n + 1, &pb);
	int ok = ra == rb &&
		 (ra < 0 || gs_parser_skipped(a) == gs_parser_skipped(b));
	for (int i = 0; ok && i < ra; i++)
		ok = post_equal(&pa[i], &pb[i]);
	free(x);
	free(y);
	return ok;
}

#endif
