/*
 * server_movements.c - GET /api/groundswell/v1/movements (issue 13).
 *
 * Without tags=: the movements found over the current trends, as
 * "groundswell movements --json" finds and writes them (the same finder,
 * detect/movement.c, over the engine, the co-occurrence counter s->cooc fed
 * the same posts, and the detector's events as of the last closed bucket;
 * the same writer, out/movement_json.c), so that serve over a finished
 * file answers the batch command's bytes. `top=N` (20, at most 1000) as
 * its -n. A tag that is hidden or banned takes no part: its events are
 * left out before the search, so it is in no movement. Deletes taken back
 * from the engine are not taken back from the counter (it keeps no per
 * post record): after deletes its posts and overlaps may count them.
 *
 * With tags=A,B,...: a movement given by its tags, measured from the live
 * engine as one: each tag's own counts, the distinct accounts across all
 * of them (the union of the tags' sketches, with its relative standard
 * error; never the sum), their tag uses, and per bucket over the last
 * `buckets` (default 48, at most 720) the union's accounts and the tags'
 * uses. `name=N` names it in the answer. This answer keeps its own shape
 * (it says "tag_uses": a post with two of the tags counts twice).
 *
 * A tag that is hidden or banned (moderation) or never seen is listed
 * under "missing" and adds nothing, as /tags/NAME answers 404 for both.
 * Runs under the read lock (ROUTE_LOCKED): a given movement merges a few
 * tags' sketches per bucket; the search compares the trending tags
 * pairwise and passes once over the counter's combinations per movement,
 * cheap next to a pipeline's batch while few tags trend.
 */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "input/fold.h"
#include "out/json_writer.h"
#include "out/movement_json.h"

#define MV_TAGS_MAX	   64
#define MV_BUCKETS_DEFAULT 48
#define MV_BUCKETS_MAX	   720
#define MV_TOP_DEFAULT	   20
#define MV_TOP_MAX	   1000

/* The movements found over the visible trends (the read lock held). */
static void movements_found(struct gs_server *s, struct MHD_Connection *c,
			    struct reply *r)
{
	const char *ts =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top");
	long top = MV_TOP_DEFAULT;
	if (ts && ((top = parse_uint(ts)) < 0 || top > MV_TOP_MAX)) {
		gs_server_reply_error(r, 400,
				      "top must be an integer from 0 to 1000");
		return;
	}
	struct gs_trend_event *ev = malloc((s->nev ? s->nev : 1) * sizeof *ev);
	struct out o;
	if (!ev || out_open(&o)) {
		free(ev);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	size_t nev = 0;
	for (size_t i = 0; i < s->nev; i++)
		if (gs_server_visible(s, s->ev[i].key, s->ev[i].start_ms, 1))
			ev[nev++] = s->ev[i];
	struct gs_movement_options mo;
	gs_movement_options_init(&mo);
	struct gs_movements mv = {0};
	int rc = gs_movements_find(s->e, s->cooc, ev, nev, &mo, &mv);
	free(ev);
	if (rc) {
		gs_movements_release(&mv);
		free(out_close(&o, NULL));
		gs_server_reply_error(r, 500, gs_strerror(rc));
		return;
	}
	struct gs_cooccur_stats cs;
	gs_cooccur_stats(s->cooc, &cs);
	size_t all = mv.n;
	if (mv.n > (size_t)top)
		mv.n = (size_t)top;
	gs_movements_json(o.f, &mv, &cs);
	mv.n = all;
	gs_movements_release(&mv);
	gs_server_reply_out(r, &o);
}

void gs_server_movement(struct gs_server *s, struct MHD_Connection *c,
			struct reply *r)
{
	const char *tags =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tags");
	const char *name =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
	const char *bs = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						     "buckets");
	long nb = MV_BUCKETS_DEFAULT;
	if (bs && ((nb = parse_uint(bs)) < 0 || nb > MV_BUCKETS_MAX)) {
		gs_server_reply_error(
			r, 400, "buckets must be an integer from 0 to 720");
		return;
	}
	if (!tags) {
		movements_found(s, c, r);
		return;
	}
	if (!*tags) {
		gs_server_reply_error(r, 400,
				      "tags=A,B,... names the movement's tags");
		return;
	}
	char key[MV_TAGS_MAX][GS_TAG_MAX + 1];
	const char *keys[MV_TAGS_MAX];
	struct gs_tag_stats st[MV_TAGS_MAX];
	char missing[MV_TAGS_MAX][GS_TAG_MAX + 1];
	size_t n = 0, nmiss = 0;
	for (const char *p = tags; *p;) {
		size_t len = strcspn(p, ",");
		const char *t = p;
		p += len;
		if (*p == ',')
			p++;
		if (len && *t == '#')
			t++, len--;
		if (!len)
			continue;
		if (n + nmiss == MV_TAGS_MAX) {
			gs_server_reply_error(r, 400, "at most 64 tags");
			return;
		}
		char k[GS_TAG_MAX + 1];
		ssize_t kn = len <= GS_TAG_MAX ? gs_fold(t, len, k) : -1;
		if (kn <= 0) {
			gs_server_reply_error(r, 400,
					      "a tag that is not a hashtag");
			return;
		}
		k[kn] = 0;
		int dup = 0;
		for (size_t i = 0; i < n; i++)
			dup |= !strcmp(key[i], k);
		for (size_t i = 0; i < nmiss; i++)
			dup |= !strcmp(missing[i], k);
		if (dup)
			continue;
		if (gs_engine_tag(s->e, k, (size_t)kn, &st[n]) != 0 ||
		    !gs_server_visible(s, st[n].key, INT64_MIN, 0)) {
			memcpy(missing[nmiss++], k, (size_t)kn + 1);
			continue;
		}
		memcpy(key[n], k, (size_t)kn + 1);
		keys[n] = key[n];
		n++;
	}
	struct out o;
	if (out_open(&o)) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	double acc = 0, rse = 0, sum = 0;
	uint64_t uses = 0;
	int64_t last = INT64_MIN;
	if (n &&
	    gs_engine_union_accounts(s->e, keys, n, INT64_MIN, &acc, &rse)) {
		free(out_close(&o, NULL));
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fputs("{\"name\":", o.f);
	gs_json_str(o.f, name ? name : "");
	fputs(",\"tags\":[", o.f);
	double maxacc = 0;
	for (size_t i = 0; i < n; i++) {
		uses += st[i].posts;
		sum += st[i].accounts;
		if (st[i].accounts > maxacc)
			maxacc = st[i].accounts;
		if (st[i].last_ms > last)
			last = st[i].last_ms;
		fputs(i ? ",{\"tag\":" : "{\"tag\":", o.f);
		gs_json_str(o.f, st[i].key);
		fputs(",\"display\":", o.f);
		gs_json_str(o.f, st[i].display);
		fprintf(o.f,
			",\"posts\":%llu,\"accounts\":%.0f,\"accounts_error\":%.6g,\"first_seen\":",
			(unsigned long long)st[i].posts, st[i].accounts,
			st[i].accounts_error);
		gs_json_time(o.f, st[i].first_ms);
		fputc('}', o.f);
	}
	if (acc < maxacc)
		acc = maxacc;
	fputs("],\"missing\":[", o.f);
	for (size_t i = 0; i < nmiss; i++) {
		if (i)
			fputc(',', o.f);
		gs_json_str(o.f, missing[i]);
	}
	fprintf(o.f,
		"],\"tag_uses\":%llu,\"accounts\":%.0f,\"accounts_error\":%.6g,"
		"\"accounts_sum\":%.0f,\"timeline\":[",
		(unsigned long long)uses, acc, rse, sum);
	/* the last nb buckets up to the tags' newest post, those used */
	struct gs_summary sm;
	gs_engine_summary(s->e, &sm);
	const char *sep = "";
	if (n && nb > 0 && last != INT64_MIN) {
		int64_t b1 = gs_time_bucket(last, sm.bucket_ms);
		for (long k = nb - 1; k >= 0; k--) {
			int64_t b = b1 - (int64_t)k * sm.bucket_ms;
			uint64_t bu = 0, p;
			double a;
			for (size_t i = 0; i < n; i++)
				if (gs_engine_span(s->e, keys[i], b, b, &p,
						   &a) == 0)
					bu += p;
			if (!bu)
				continue;
			if (gs_engine_union_accounts(s->e, keys, n, b, &a,
						     &rse))
				break;
			fprintf(o.f, "%s{\"time\":", sep);
			sep = ",";
			gs_json_time(o.f, b);
			fprintf(o.f,
				",\"tag_uses\":%llu,\"accounts\":%.0f,\"accounts_error\":%.6g}",
				(unsigned long long)bu, a > acc ? acc : a, rse);
		}
	}
	fputs("]}\n", o.f);
	gs_server_reply_out(r, &o);
}
