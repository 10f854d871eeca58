/*
 * trend_json.c - a trend event as JSON (trend_json.h). The members are
 * written in one fixed order with printf's fixed formats (%.2f scores,
 * %.0f account estimates), so the CLI's lines and the server's answers are
 * the same bytes for the same event.
 */
#include "trend_json.h"

#include <string.h>

#include "json_writer.h"

void gs_trend_row_of(const struct gs_engine *e, const struct gs_trend_event *ev,
		     struct gs_trend_row *row)
{
	struct gs_tag_stats st;
	row->ev = ev;
	row->display = ev->key;
	row->posts = 0;
	row->accounts = 0;
	if (gs_engine_tag(e, ev->key, strlen(ev->key), &st) == 0)
		row->display = st.display;
	int64_t to = ev->end_ms >= 0 ? ev->end_ms : ev->last_ms;
	gs_engine_span(e, ev->key, ev->start_ms, to, &row->posts,
		       &row->accounts);
}

void gs_trend_json_fields(FILE *f, const struct gs_trend_row *x)
{
	const struct gs_trend_event *e = x->ev;
	fputs("{\"tag\":", f);
	gs_json_str(f, e->key);
	fputs(",\"display\":", f);
	gs_json_str(f, x->display);
	fputs(",\"start\":", f);
	gs_json_time(f, e->start_ms);
	fputs(",\"peak\":", f);
	gs_json_time(f, e->peak_ms);
	fputs(",\"end\":", f);
	if (e->end_ms >= 0)
		gs_json_time(f, e->end_ms);
	else
		fputs("null", f);
	fprintf(f,
		",\"status\":\"%s\",\"score\":%.2f,\"posts\":%llu,\"accounts\":%.0f,"
		"\"peak_accounts\":%.0f,\"peak_posts\":%llu",
		gs_trend_status_name(e->status), e->score,
		(unsigned long long)x->posts, x->accounts, e->peak_accounts,
		(unsigned long long)e->peak_posts);
}

void gs_trend_json(FILE *f, const struct gs_engine *e,
		   const struct gs_trend_row *x, enum gs_scorer scorer,
		   const struct gs_pseudo *ps)
{
	const char *key = x->ev->key;
	gs_trend_json_fields(f, x);
	fprintf(f, ",\"scorer\":\"%s\"", gs_scorer_name(scorer));
	struct gs_count v[8];
	size_t n = gs_engine_cotags(e, key, v, 5);
	fputs(",\"co_tags\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"tag\":", i ? "," : "");
		gs_json_str(f, v[i].name);
		fputs(",\"display\":", f);
		gs_json_str(f, v[i].display);
		fprintf(f, ",\"posts\":%llu}", (unsigned long long)v[i].count);
	}
	n = gs_engine_examples(e, key, v, 3);
	fputs("],\"examples\":[", f);
	for (size_t i = 0; i < n; i++) {
		char buf[1024]; /* ids are far shorter: a longer one is cut */
		fprintf(f, "%s{\"id\":", i ? "," : "");
		gs_json_str(f, ps ? gs_pseudo_post(ps, v[i].name,
						   strlen(v[i].name), buf,
						   sizeof buf)
				  : v[i].name);
		fprintf(f, ",\"reposts\":%llu}",
			(unsigned long long)v[i].count);
	}
	fputc(']', f);
}
