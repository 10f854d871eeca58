/*
 * server_answers.c - the answers read from the engine: trend events,
 * Mastodon's trending tags, one tag, the networks; and the cache that
 * shares the trends answers between requests (server_int.h).
 */
#include "server_int.h"

#include <string.h>

#include "base/timeutil.h"
#include "input/fold.h"
#include "out/json_writer.h"
#include "out/network_write.h"
#include "out/trend_json.h"

/* While input keeps coming, the cached trends answers asked for within
 * ANSWER_ASKED_S seconds are rebuilt every ANSWER_MAX_AGE_MS; an answer
 * older than ANSWER_STALE_MS is rebuilt by the request itself. The first
 * MTAGS_CACHED entries of Mastodon's list are kept rendered (a page beyond
 * them is built per request). */
#define ANSWER_MAX_AGE_MS 100
#define ANSWER_ASKED_S	  10
#define ANSWER_STALE_MS	  1000
#define MTAGS_CACHED	  40

/*
 * The tag's page on the dashboard, as a JSON string: base + "/tags/" + the
 * name percent-encoded (RFC 3986 unreserved bytes kept). A URL holds no
 * quote, backslash or control byte, so any in base (--public-url) is left
 * out rather than escaped; the JSON writer then has nothing to escape.
 */
static void tag_url_json(FILE *f, const char *base, const char *name)
{
	size_t nb = strlen(base), nn = strlen(name), k = 0;
	char *u = malloc(nb + 6 + 3 * nn + 1);
	if (!u) {
		gs_json_str(f, "");
		return;
	}
	for (const char *p = base; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			u[k++] = *p;
	memcpy(u + k, "/tags/", 6);
	k += 6;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~') {
			u[k++] = (char)*p;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			u[k++] = '%';
			u[k++] = hex[*p >> 4];
			u[k++] = hex[*p & 15];
		}
	}
	gs_json_strn(f, u, k);
	free(u);
}

/* Events visible to the public, ranked for Mastodon's list: open events
 * first, then those ended within a day of the newest post; by score. */
struct ranked {
	const struct gs_trend_event *ev;
	int open;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->open != y->open)
		return x->open ? -1 : 1;
	if (x->ev->score != y->ev->score)
		return x->ev->score > y->ev->score ? -1 : 1;
	if (x->ev->start_ms != y->ev->start_ms)
		return x->ev->start_ms > y->ev->start_ms ? -1 : 1;
	return strcmp(x->ev->key, y->ev->key);
}

static size_t mastodon_trends(struct gs_server *s, struct ranked **out)
{
	struct gs_summary sum;
	gs_engine_summary(s->e, &sum);
	struct ranked *v = calloc(s->nev ? s->nev : 1, sizeof *v);
	size_t n = 0;
	if (!v) {
		*out = NULL;
		return 0;
	}
	int64_t recent = sum.posts ? sum.last_ms - GS_MS_DAY : INT64_MAX;
	for (size_t i = 0; i < s->nev; i++) {
		const struct gs_trend_event *e = &s->ev[i];
		int open = e->end_ms < 0;
		if (!open && e->end_ms + s->o.engine.bucket_ms <= recent)
			continue;
		if (!gs_server_visible(s, e->key, e->start_ms, 1))
			continue;
		v[n++] = (struct ranked){e, open};
	}
	qsort(v, n, sizeof *v, cmp_ranked);
	/* one entry per tag: its best-ranked event */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < m && strcmp(v[j].ev->key, v[i].ev->key))
			j++;
		if (j == m)
			v[m++] = v[i];
	}
	*out = v;
	return m;
}

/* history: 7 UTC days, newest first, counted back from the newest post's
 * day (event time, so that a replayed archive shows its own days). */
static void tag_history(struct gs_server *s, FILE *f, const char *key,
			int64_t today)
{
	fputs("[", f);
	for (int i = 0; i < 7; i++) {
		int64_t day = today - (int64_t)i * GS_MS_DAY;
		uint64_t posts = 0;
		double accounts = 0;
		gs_engine_span(s->e, key, day, day + GS_MS_DAY - 1, &posts,
			       &accounts);
		fprintf(f,
			"%s{\"day\":\"%lld\",\"accounts\":\"%.0f\",\"uses\":\"%llu\"}",
			i ? "," : "", (long long)(day / 1000), accounts,
			(unsigned long long)posts);
	}
	fputs("]", f);
}

/* One entry of Mastodon's list (the read lock held). */
static void mtag_entry(struct gs_server *s, FILE *f,
		       const struct gs_trend_event *ev, int64_t today)
{
	struct gs_tag_stats st;
	const char *name = ev->key;
	if (gs_engine_tag(s->e, name, strlen(name), &st) == 0)
		name = st.display;
	fputs("{\"name\":", f);
	gs_json_str(f, name);
	fputs(",\"url\":", f);
	tag_url_json(f, s->public_url, name);
	fputs(",\"history\":", f);
	tag_history(s, f, ev->key, today);
	fputs(",\"following\":false}", f);
}

void gs_server_trends_body(struct gs_server *s, struct reply *r, int admin)
{
	struct out o;
	if (out_open(&o)) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fputc('[', o.f);
	size_t k = 0;
	for (size_t i = 0; i < s->nev; i++) {
		int vis = gs_server_visible(s, s->ev[i].key, s->ev[i].start_ms,
					    1);
		if (!vis && !admin)
			continue;
		fputs(k++ ? ",\n" : "\n", o.f);
		struct gs_trend_row row;
		gs_trend_row_of(s->e, &s->ev[i], &row);
		gs_trend_json(o.f, s->e, &row, s->o.trend.scorer);
		if (admin)
			fprintf(o.f, ",\"visible\":%s", vis ? "true" : "false");
		fputc('}', o.f);
	}
	fputs("\n]\n", o.f);
	gs_server_reply_out(r, &o);
}

typedef struct answer *(*answer_build_fn)(struct gs_server *s, size_t upto);

void gs_server_answer_put(struct answer *a)
{
	if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	free(a->body);
	for (size_t i = 0; i < a->nent; i++)
		free(a->ent[i]);
	free(a->ent);
	free(a);
}

static struct answer *answer_ref(struct answer_cache *c)
{
	pthread_mutex_lock(&c->mu);
	struct answer *a = c->cur;
	if (a)
		atomic_fetch_add(&a->refs, 1);
	pthread_mutex_unlock(&c->mu);
	return a;
}

/* A new answer stamped with the versions it is built from (the read lock
 * held, so the data cannot change; moderation read before it is used). */
static struct answer *answer_new(struct gs_server *s)
{
	struct answer *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	atomic_init(&a->refs, 1);
	a->gen = atomic_load(&s->data_gen);
	a->mod_gen = atomic_load(&s->mod_gen);
	a->built = gs_now();
	return a;
}

/* Can a be served now: exact, or lagging an input still being read (the
 * pipeline rebuilds it every ANSWER_MAX_AGE_MS meanwhile; older than
 * ANSWER_STALE_MS, as after a pause in the requests, it is rebuilt here)? */
static int answer_fresh(struct gs_server *s, const struct answer *a)
{
	if (!a || a->mod_gen != atomic_load(&s->mod_gen))
		return 0;
	if (a->gen == atomic_load(&s->data_gen))
		return 1;
	return atomic_load(&s->more) &&
	       (gs_now() - a->built) * 1000 < ANSWER_STALE_MS;
}

/* Makes a (a reference given) the current answer of c: under the lock, so
 * that answers are published in the order they were built. */
static void answer_publish(struct answer_cache *c, struct answer *a)
{
	pthread_mutex_lock(&c->mu);
	struct answer *old = c->cur;
	c->cur = a;
	pthread_mutex_unlock(&c->mu);
	gs_server_answer_put(old);
}

/* The current answer of c, built here if there is none yet, or if it is
 * stale while the input is drained or after a moderation action. Returns a
 * reference (put it) or NULL (out of memory). */
static struct answer *answer_get(struct gs_server *s, struct answer_cache *c,
				 answer_build_fn build)
{
	long long now = (long long)gs_now();
	if (atomic_load(&c->asked) != now)
		atomic_store(&c->asked, now);
	struct answer *a = answer_ref(c);
	if (answer_fresh(s, a))
		return a;
	pthread_mutex_lock(&c->build);
	gs_server_answer_put(a);
	a = answer_ref(c); /* built meanwhile? */
	if (answer_fresh(s, a)) {
		pthread_mutex_unlock(&c->build);
		return a;
	}
	gs_server_answer_put(a);
	read_lock(s);
	a = build(s, MTAGS_CACHED);
	if (a) {
		atomic_fetch_add(&a->refs, 1); /* the cache's */
		answer_publish(c, a);
	}
	pthread_rwlock_unlock(&s->lock);
	pthread_mutex_unlock(&c->build);
	return a;
}

/* The public /trends (the read lock held). */
static struct answer *build_trends(struct gs_server *s, size_t upto)
{
	(void)upto;
	struct answer *a = answer_new(s);
	if (!a)
		return NULL;
	struct reply r = {0};
	gs_server_trends_body(s, &r, 0);
	if (r.status != 200) {
		free(r.body);
		free(a);
		return NULL;
	}
	a->body = r.body;
	a->len = r.len;
	return a;
}

/* Mastodon's list, its first upto entries rendered (the read lock held). */
static struct answer *build_mtags(struct gs_server *s, size_t upto)
{
	struct answer *a = answer_new(s);
	if (!a)
		return NULL;
	struct ranked *v;
	size_t n = mastodon_trends(s, &v);
	size_t k = n < upto ? n : upto;
	a->ent = v ? calloc(k ? k : 1, sizeof *a->ent) : NULL;
	if (!a->ent) {
		free(v);
		free(a);
		return NULL;
	}
	a->n = n;
	struct gs_summary sum;
	gs_engine_summary(s->e, &sum);
	int64_t today = sum.posts ? gs_time_bucket(sum.last_ms, GS_MS_DAY) : 0;
	for (size_t i = 0; i < k; i++) {
		struct out o;
		if (out_open(&o))
			break;
		mtag_entry(s, o.f, v[i].ev, today);
		if (!(a->ent[i] = out_close(&o, NULL)))
			break;
		a->nent = i + 1;
	}
	free(v);
	if (a->nent < k) {
		a->refs = 1;
		gs_server_answer_put(a);
		return NULL;
	}
	return a;
}

/* While input keeps coming, the pipeline rebuilds the answers asked for in
 * the last ANSWER_ASKED_S seconds every ANSWER_MAX_AGE_MS (the write lock
 * held, after a batch). Built here, a request never waits for the lock:
 * the pipeline, holding it nearly all the time, can lose its CPU while
 * holding it, and an HTTP thread waiting would stall all its connections. */
void gs_server_answers_refresh(struct gs_server *s)
{
	static const answer_build_fn builds[2] = {build_trends, build_mtags};
	struct answer_cache *caches[2] = {&s->ac_trends, &s->ac_mtags};
	double now = gs_now();
	for (int i = 0; i < 2; i++) {
		struct answer_cache *c = caches[i];
		if (now - (double)atomic_load(&c->asked) > ANSWER_ASKED_S)
			continue;
		struct answer *a = answer_ref(c);
		int fresh = a && a->gen == atomic_load(&s->data_gen) &&
			    a->mod_gen == atomic_load(&s->mod_gen);
		int young = a && (now - a->built) * 1000 < ANSWER_MAX_AGE_MS;
		gs_server_answer_put(a);
		if (fresh || young)
			continue;
		if ((a = builds[i](s, MTAGS_CACHED)))
			answer_publish(c, a);
	}
}

/* GET /api/v1/trends/tags: pages of the cached list. */
void gs_server_mtags(struct gs_server *s, struct MHD_Connection *c,
		     struct reply *r)
{
	const char *ls =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *os =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	long limit = 10, offset = 0;
	if (ls && (limit = parse_uint(ls)) < 0) {
		gs_server_reply_error(r, 400,
				      "limit must be a non-negative integer");
		return;
	}
	if (os && (offset = parse_uint(os)) < 0) {
		gs_server_reply_error(r, 400,
				      "offset must be a non-negative integer");
		return;
	}
	if (limit > 20)
		limit = 20;
	struct answer *a = answer_get(s, &s->ac_mtags, build_mtags);
	size_t end = (size_t)offset + (size_t)limit;
	if (a && end > a->nent && a->n > a->nent) {
		/* a page beyond the entries kept: built for this request */
		gs_server_answer_put(a);
		read_lock(s);
		a = build_mtags(s, end);
		pthread_rwlock_unlock(&s->lock);
	}
	struct out o;
	if (!a || out_open(&o)) {
		gs_server_answer_put(a);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fputc('[', o.f);
	size_t shown = 0;
	for (size_t i = (size_t)offset; i < a->nent && shown < (size_t)limit;
	     i++, shown++) {
		if (shown)
			fputc(',', o.f);
		fputs(a->ent[i], o.f);
	}
	fputs("]\n", o.f);
	gs_server_answer_put(a);
	gs_server_reply_out(r, &o);
	/* Link: as Mastodon's pagination (next when the page is full) */
	struct out lk;
	if (r->status != 200 || out_open(&lk))
		return;
	int any = 0;
	const char *base = s->public_url;
	if (limit > 0 && shown == (size_t)limit) {
		fprintf(lk.f, "<%s/api/v1/trends/tags?", base);
		if (ls)
			fprintf(lk.f, "limit=%ld&", limit);
		fprintf(lk.f, "offset=%ld>; rel=\"next\"", offset + limit);
		any = 1;
	}
	if (offset > 0) {
		fprintf(lk.f, "%s<%s/api/v1/trends/tags?", any ? ", " : "",
			base);
		if (ls)
			fprintf(lk.f, "limit=%ld&", limit);
		fprintf(lk.f, "offset=%ld>; rel=\"prev\"",
			offset > limit ? offset - limit : 0);
		any = 1;
	}
	char *link = out_close(&lk, NULL);
	if (any)
		r->link = link;
	else
		free(link);
}

/* GET /trends: the cached body itself, sent without a copy. */
void gs_server_trends(struct gs_server *s, struct reply *r)
{
	struct answer *a = answer_get(s, &s->ac_trends, build_trends);
	if (!a) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	gs_server_reply_text(r, 200, "application/json; charset=utf-8", NULL,
			     a->len);
	r->ans = a;
}

static void counts_json(FILE *f, const char *field, const struct gs_count *v,
			size_t n, const char *name, const struct gs_pseudo *ps)
{
	fprintf(f, ",\"%s\":[", field);
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		const char *x = v[i].name;
		if (ps) {
			gs_pseudo_id(ps, x, strlen(x), buf);
			x = buf;
		}
		fprintf(f, "%s{\"%s\":", i ? "," : "", name);
		gs_json_str(f, x);
		if (!strcmp(name, "tag")) {
			/* a co-tag: the folded key, and its spelling beside it
			 */
			fputs(",\"display\":", f);
			gs_json_str(f, v[i].display);
		}
		fprintf(f, ",\"posts\":%llu}", (unsigned long long)v[i].count);
	}
	fputc(']', f);
}

void gs_server_tag(struct gs_server *s, struct MHD_Connection *c,
		   const char *name, struct reply *r)
{
	const char *ts =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top");
	long top = 10;
	if (ts && ((top = parse_uint(ts)) < 0 || top > 1000)) {
		gs_server_reply_error(r, 400,
				      "top must be an integer from 0 to 1000");
		return;
	}
	if (*name == '#')
		name++;
	struct gs_tag_stats t;
	if (!*name || gs_engine_tag(s->e, name, strlen(name), &t) != 0 ||
	    !gs_server_visible(s, t.key, INT64_MIN, 0)) {
		gs_server_reply_error(r, 404, "tag not found");
		return;
	}
	struct gs_bucket_stats *tl;
	enum gs_timeline_cover cover = GS_TIMELINE_INPUT;
	ptrdiff_t ntl = gs_engine_timeline_cover(s->e, t.key, &tl, &cover);
	struct gs_count *v = calloc((size_t)top + 1, sizeof *v);
	struct out o;
	if (ntl < 0 || !v || out_open(&o)) {
		if (ntl >= 0)
			free(tl);
		free(v);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	FILE *f = o.f;
	fputs("{\"tag\":", f);
	gs_json_str(f, t.key);
	fputs(",\"display\":", f);
	gs_json_str(f, t.display);
	fprintf(f,
		",\"posts\":%llu,\"originals\":%llu,\"reposts\":%llu,\"replies\":%llu,"
		"\"quotes\":%llu,\"posts_error\":%llu,\"accounts\":%.0f,"
		"\"accounts_error\":%.4f,\"first_seen\":",
		(unsigned long long)t.posts, (unsigned long long)t.originals,
		(unsigned long long)t.reposts, (unsigned long long)t.replies,
		(unsigned long long)t.quotes, (unsigned long long)t.posts_error,
		t.accounts, t.accounts_error);
	gs_json_time(f, t.first_ms);
	fputs(",\"last_seen\":", f);
	gs_json_time(f, t.last_ms);
	fputs(",\"peak\":{\"time\":", f);
	gs_json_time(f, t.peak_ms);
	fprintf(f, ",\"posts\":%llu}", (unsigned long long)t.peak_posts);
	fprintf(f, ",\"timeline_covers\":\"%s\"",
		gs_timeline_cover_name(cover));
	fputs(",\"timeline\":[", f);
	for (ptrdiff_t i = 0; i < ntl; i++) {
		fputs(i ? ",{\"time\":" : "{\"time\":", f);
		gs_json_time(f, tl[i].time_ms);
		fprintf(f, ",\"posts\":%llu,\"accounts\":%.0f}",
			(unsigned long long)tl[i].posts, tl[i].accounts);
	}
	fputc(']', f);
	free(tl);
	size_t n = gs_engine_cotags(s->e, t.key, v, (size_t)top);
	counts_json(f, "co_tags", v, n, "tag", NULL);
	n = gs_engine_languages(s->e, t.key, v, (size_t)top);
	counts_json(f, "languages", v, n, "language", NULL);
	n = gs_engine_mentions(s->e, t.key, v, (size_t)top);
	counts_json(f, "mentions", v, n, "account", s->o.pseudo);
	free(v);
	fputs("}\n", f);
	gs_server_reply_out(r, &o);
}

static const char *net_pseudonym(void *ctx, const char *id, char buf[64])
{
	gs_pseudo_id(ctx, id, strlen(id), buf);
	return buf;
}

/* GET /network: the account network (replies, mentions, reposts, quotes)
 * of the whole stream since the start, or with tag= of the posts using
 * that tag, extracted from the per-tag table (network.h; what eviction may
 * have taken is counted in summary.evicted). kind= picks kinds at output:
 * edges weigh the sum of those kinds' counts, and edges of none drop out.
 * A hidden or banned tag is not found (404), as at /tags/NAME. */
void gs_server_network(struct gs_server *s, struct MHD_Connection *c,
		       struct reply *r)
{
	static const char *const types[] = {
		[GS_NET_CSV] = "text/csv; charset=utf-8",
		[GS_NET_JSON] = "application/json; charset=utf-8",
		[GS_NET_GEXF] = "application/gexf+xml; charset=utf-8",
		[GS_NET_GRAPHML] = "application/graphml+xml; charset=utf-8",
	};
	const char *v;
	struct gs_network_output no;
	gs_network_output_init(&no);
	int fmt = GS_NET_JSON;
	const char *tag =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tag");
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					     "format"))) {
		fmt = gs_net_format_parse(v);
		if (fmt >= GS_NET_SUMMARY) {
			gs_server_reply_error(
				r, 400,
				"format must be json, gexf, graphml or csv");
			return;
		}
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					     "kind"))) {
		static const char *const names[] = {"replies", "mentions",
						    "reposts", "quotes"};
		unsigned k = 0;
		int bad = 0;
		for (const char *p = v; *p && !bad;) {
			size_t n = strcspn(p, ",");
			int found = 0;
			for (int i = 0; i < 4; i++)
				if (n == strlen(names[i]) &&
				    !strncmp(p, names[i], n))
					k |= 1u << i, found = 1;
			if (n == 3 && !strncmp(p, "all", 3))
				k |= GS_NET_ACCOUNTS, found = 1;
			bad = !found;
			p += n;
			if (*p == ',')
				p++;
		}
		if (bad || !k) {
			gs_server_reply_error(
				r, 400,
				"kind must be all or a comma-separated list of replies, "
				"mentions, reposts, quotes");
			return;
		}
		no.kinds = k;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					     "min_weight"))) {
		long x = parse_uint(v);
		if (x < 1) {
			gs_server_reply_error(
				r, 400,
				"min_weight must be an integer of at least 1");
			return;
		}
		no.min_weight = (uint64_t)x;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					     "top_nodes"))) {
		long x = parse_uint(v);
		if (x < 0) {
			gs_server_reply_error(
				r, 400,
				"top_nodes must be a non-negative integer (0: all)");
			return;
		}
		no.top_nodes = (size_t)x;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					     "top"))) {
		long x = parse_uint(v);
		if (x < 0 || x > 1000) {
			gs_server_reply_error(
				r, 400,
				"top must be an integer from 0 to 1000");
			return;
		}
		no.top_list = (size_t)x;
	}
	if (s->o.pseudo) {
		no.name = net_pseudonym;
		no.name_ctx = (void *)s->o.pseudo;
	}
	no.malformed = gs_server_malformed_total(s);
	no.out_of_window = s->out_of_window;
	struct gs_network *tn = NULL;
	if (tag) {
		char key[GS_TAG_MAX + 1];
		const char *name = tag[0] == '#' ? tag + 1 : tag;
		ssize_t k = *name ? gs_fold(name, strlen(name), key) : -1;
		if (k <= 0 || memchr(key, 0, (size_t)k)) {
			gs_server_reply_error(r, 400, "invalid tag name");
			return;
		}
		key[k] = 0;
		if (!s->tagnet) {
			gs_server_reply_error(
				r, 400,
				"per-tag networks are off (--tag-network-edges 0)");
			return;
		}
		if (!gs_server_visible(s, key, INT64_MIN, 0)) {
			gs_server_reply_error(r, 404, "tag not found");
			return;
		}
		/* the summary's display: the engine's most frequent spelling
		 * (the per-tag table keeps none) */
		struct gs_tag_stats ts;
		if (gs_engine_tag(s->e, key, strlen(key), &ts) == 0)
			no.tag_display = ts.display;
		int err;
		if (!(tn = gs_network_tag(s->tagnet, key, &err))) {
			gs_server_reply_error(r, err == GS_EUSAGE ? 400 : 500,
					      err == GS_EUSAGE
						      ? "invalid tag name"
						      : "out of memory");
			return;
		}
	}
	struct out o;
	if (out_open(&o)) {
		gs_network_free(tn);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	int rc = gs_network_write(tn ? tn : s->net, o.f,
				  (enum gs_net_format)fmt, &no, NULL);
	gs_network_free(tn);
	size_t len;
	char *b = out_close(&o, &len);
	if (rc || !b) {
		free(b);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	gs_server_reply_text(r, 200, types[fmt], b, len);
}
