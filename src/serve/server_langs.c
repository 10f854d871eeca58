/*
 * server_langs.c - serve's answers per language (issue 13 part 3,
 * docs/languages.md): ?language=CODE on groundswell's /trends and on
 * Mastodon's /api/v1/trends/tags, and the list of languages served.
 *
 * With --by-language the pipeline counts each post in its languages'
 * engines through their own live detectors (detect/trend_langs.h), so a
 * language's answer is what `groundswell trends --language CODE --json
 * --live` gives on the same input (each event carries "language"). These
 * answers are built per request under the read lock, not cached as the
 * whole stream's are: they are asked for less, and each is one language's
 * events. The detectors' event arrays are sorted when read
 * (gs_trend_events), so readers take lang_mu too. Mastodon's own API has
 * no language parameter on trends/tags (its tag trends are not split by
 * language): clients that do not send it get the whole stream's list.
 */
#include "server_int.h"

#include "base/timeutil.h"
#include "out/trend_json.h"

/* The index of language code in s->langs, or fills r (400 for an invalid
 * code or languages not counted, 404 for a language without posts) and
 * returns -1. The read lock held. */
static ptrdiff_t lang_of(struct gs_server *s, const char *code, struct reply *r)
{
	char k[GS_LANG_CODE_MAX + 1], msg[160];
	if (!s->langs) {
		gs_server_reply_error(r, 400,
				      "languages are not counted: start serve "
				      "with --by-language");
		return -1;
	}
	if (!*code || gs_lang_key((struct gs_str){code, strlen(code)}, k) !=
			      strlen(code)) {
		gs_server_reply_error(r, 400,
				      "language must be a primary language "
				      "subtag such as pt or en");
		return -1;
	}
	ptrdiff_t i = gs_langs_find(s->langs, k);
	if (i < 0) {
		snprintf(msg, sizeof msg,
			 "no post in language '%s' (see /api/groundswell/v1/"
			 "languages)",
			 k);
		gs_server_reply_error(r, 404, msg);
	}
	return i;
}

/* Mastodon's list of one language's events, a page of it. */
static void mtags_page(struct gs_server *s, struct MHD_Connection *c,
		       struct reply *r, const struct gs_engine *e,
		       const struct gs_trend_event *ev, size_t nev,
		       const char *code)
{
	const char *ls =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *os =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	long limit = 10, offset = 0;
	if ((ls && (limit = parse_uint(ls)) < 0) ||
	    (os && (offset = parse_uint(os)) < 0)) {
		gs_server_reply_error(
			r, 400,
			ls && limit < 0
				? "limit must be a non-negative integer"
				: "offset must be a non-negative integer");
		return;
	}
	if (limit > 20)
		limit = 20;
	struct ranked *v;
	size_t n = gs_server_ranked(s, e, ev, nev, &v);
	if (!v) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	struct gs_summary sum;
	gs_engine_summary(e, &sum);
	int64_t today = sum.posts ? gs_time_bucket(sum.last_ms, GS_MS_DAY) : 0;
	struct out o = {0};
	if (out_open(&o)) {
		free(v);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fputc('[', o.f);
	size_t shown = 0;
	for (size_t i = (size_t)offset; i < n && shown < (size_t)limit;
	     i++, shown++) {
		if (shown)
			fputc(',', o.f);
		gs_server_mtag_entry(s, e, o.f, v[i].ev, today);
	}
	fputs("]\n", o.f);
	free(v);
	gs_server_reply_out(r, &o);
	char query[GS_LANG_CODE_MAX + 16];
	snprintf(query, sizeof query, "language=%s&", code);
	gs_server_page_link(s, r, query, ls, limit, offset, shown);
}

void gs_server_lang_trends(struct gs_server *s, struct MHD_Connection *c,
			   struct reply *r, const char *code, int mastodon)
{
	read_lock(s);
	ptrdiff_t i = lang_of(s, code, r);
	if (i < 0) {
		pthread_rwlock_unlock(&s->lock);
		return;
	}
	const struct gs_engine *e = s->langs->v[i].e;
	const char *k = s->langs->v[i].code;
	pthread_mutex_lock(&s->lang_mu);
	const struct gs_trend_event *ev;
	size_t n = gs_trend_langs_events(s->tlangs, (size_t)i, &ev);
	if (mastodon) {
		mtags_page(s, c, r, e, ev, n, k);
	} else {
		struct out o;
		if (out_open(&o)) {
			gs_server_reply_error(r, 500, "out of memory");
		} else {
			/* as gs_server_trends_body: the public events */
			fputc('[', o.f);
			size_t w = 0;
			for (size_t j = 0; j < n; j++) {
				if (!gs_server_visible(s, ev[j].key,
						       ev[j].start_ms, 1))
					continue;
				fputs(w++ ? ",\n" : "\n", o.f);
				struct gs_trend_row row;
				gs_trend_row_of(e, &ev[j], &row);
				gs_trend_json(o.f, e, &row, s->o.trend.scorer,
					      s->o.pseudo);
				fprintf(o.f, ",\"language\":\"%s\"}", k);
			}
			fputs("\n]\n", o.f);
			gs_server_reply_out(r, &o);
		}
	}
	pthread_mutex_unlock(&s->lang_mu);
	pthread_rwlock_unlock(&s->lock);
}

void gs_server_languages(struct gs_server *s, struct reply *r)
{
	if (!s->langs) {
		gs_server_reply_error(r, 404,
				      "languages are not counted: start serve "
				      "with --by-language");
		return;
	}
	struct out o;
	if (out_open(&o)) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	read_lock(s);
	pthread_mutex_lock(&s->lang_mu);
	const struct gs_langs *L = s->langs;
	size_t *order = calloc(L->n ? L->n : 1, sizeof *order);
	if (order) {
		gs_langs_sorted(L, order);
		fputs("{\"languages\":[", o.f);
		for (size_t k = 0; k < L->n; k++) {
			size_t i = order[k];
			struct gs_summary sum;
			gs_engine_summary(L->v[i].e, &sum);
			const struct gs_trend_event *ev;
			size_t n = gs_trend_langs_events(s->tlangs, i, &ev);
			size_t open = 0;
			for (size_t j = 0; j < n; j++)
				open += ev[j].end_ms < 0;
			fprintf(o.f,
				"%s\n{\"language\":\"%s\",\"posts\":%llu,"
				"\"accounts\":%.0f,\"trends\":%zu,\"open_trends\":%zu}",
				k ? "," : "", L->v[i].code,
				(unsigned long long)sum.posts, sum.accounts, n,
				open);
		}
		fprintf(o.f,
			"\n],\"max_languages\":%zu,\"other_posts\":%llu,"
			"\"posts_without_language\":%llu}\n",
			L->max, (unsigned long long)L->other_posts,
			(unsigned long long)L->no_lang);
	}
	pthread_mutex_unlock(&s->lang_mu);
	pthread_rwlock_unlock(&s->lock);
	free(order);
	if (!order) {
		free(out_close(&o, NULL));
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	gs_server_reply_out(r, &o);
}
