/* server.c - "groundswell serve": pipeline, routes, JSON (see server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "input/fold.h"
#include "follow.h"
#include "count/ingest.h"
#include "netsource.h"
#include "count/network.h"
#include "out/network_write.h"
#include "count/snapio.h"
#include "base/timeutil.h"

#define BATCH_LINES 512
#define BUCKET_TOP 10        /* tags per bucket event */
#define MAX_BUCKET_EVENTS 64 /* bucket events per batch (a time jump) */
#define REASONS 16           /* indexed by -GS_E* */
#define HTTP_THREADS_MAX 8   /* HTTP threads: one per CPU, 2 to this */
#define HTTP_NICE 5          /* their nice value (the pipeline's is 0) */
#define ANSWER_MAX_AGE_MS 100 /* while input keeps coming, cached trends
				 answers are rebuilt this often */
#define ANSWER_ASKED_S 10     /* ... if asked for within this */
#define ANSWER_STALE_MS 1000  /* older, a request rebuilds it itself */
#define MTAGS_CACHED 40       /* Mastodon trends entries kept rendered
				 (offset + limit beyond: built per request) */

/* ---- state ------------------------------------------------------------- */

struct source {
	struct gs_follow *f;
	struct gs_follow_info info; /* as of the last batch (under the lock) */
	char *path;
	/* counts of the runs before a restored snapshot */
	uint64_t base_lines, base_too_long, base_rotations, base_truncations;
	int absent; /* found missing (and said so): say when it is back */
};

enum ev_type { EV_TREND, EV_BUCKET };

struct ring_ev {
	uint64_t id;
	enum ev_type type;
	char key[GS_TAG_MAX + 1]; /* EV_TREND: its tag */
	int64_t start_ms;         /* EV_TREND: its start (for hide) */
	char *json;               /* EV_TREND: the data; EV_BUCKET: the head */
	size_t nparts;            /* EV_BUCKET: one part per tag */
	char **pkeys, **parts;
};

enum mod_state { MOD_NONE, MOD_APPROVED, MOD_HIDDEN, MOD_BANNED };
static const char *const mod_names[] = {"none", "approved", "hidden", "banned"};

struct mod {
	char key[GS_TAG_MAX + 1];
	enum mod_state state;
	int64_t through_ms; /* MOD_HIDDEN: events starting up to here */
};

struct conn {
	struct conn *prev, *next;
	int fd;
	double since;   /* when it began waiting for a request */
	int in_request; /* headers received, being answered */
	int cut;
};

/* The current answer of a trends route (see "cached answers"). */
struct answer_cache {
	pthread_mutex_t mu;    /* guards cur, held only to take a reference */
	pthread_mutex_t build; /* one request building at a time */
	struct answer *cur;
	atomic_llong asked;    /* gs_now() of the last request, in seconds */
};

struct gs_server {
	struct gs_server_options o;
	char *listen_host, *public_url, *cors, *admin_log_path, *state_dir;
	unsigned char token_hash[32];
	int have_token;
	pthread_rwlock_t lock;
	pthread_mutex_t turn; /* held while acquiring lock (read_lock) */
	/* under lock */
	struct gs_engine *e;
	struct gs_trend *t;
	struct gs_trend_live l;
	struct gs_network *net;    /* who addressed whom, the whole stream */
	struct gs_network *tagnet; /* every tag's, in one bounded table
				      (network.h, per_tag), or NULL: off */
	struct gs_parser *ps;
	struct source *src;
	size_t nsrc;
	struct gs_trend_event *ev; /* the detector's events, as of the last
				      closed bucket */
	size_t nev;
	uint64_t lines, malformed_by[REASONS], buckets_closed, trend_changes;
	uint64_t skipped_by[GS_NONPOST_COUNT]; /* non-post lines by kind */
	uint64_t posts_in;
	uint64_t future_posts; /* dated more than a day after the wall clock */
	int64_t sec_stamp[60];
	uint64_t sec_posts[60];
	int finished;          /* buckets closed by idleness since the last
				  post */
	unsigned shown;
	int64_t pend_from, pend_to; /* buckets closed, not yet announced */
	double started, last_input;
	/* pipeline thread */
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	/* stream ring */
	pthread_mutex_t ring_mu;
	struct ring_ev *ring;
	size_t ring_cap, ring_n, ring_head; /* ring_head: oldest */
	uint64_t next_id;
	int ring_stop;
	struct sse *sse_wait; /* streams suspended until an event or their
				 keep-alive (under ring_mu) */
	atomic_uint stream_clients;
	/* moderation */
	pthread_mutex_t mod_mu;
	struct mod *mods;
	size_t nmods, mods_cap;
	FILE *admin_log;
	/* http */
	struct MHD_Daemon *d;
	unsigned port;
	atomic_ullong http_by_class[6];
	atomic_ullong http_total;
	pthread_mutex_t conn_mu;
	struct conn *conns;
	unsigned nconns; /* in conns (under conn_mu) */
	atomic_ullong conns_cut;
	/* cached answers of the trends routes (struct answer) */
	atomic_ullong data_gen; /* bumped by the pipeline after each change */
	atomic_ullong mod_gen;  /* bumped by each moderation change */
	atomic_int more;        /* the last batch was full: input is pending */
	struct answer_cache ac_trends, ac_mtags;
	/* snapshots */
	double last_snapshot;
	uint64_t snap_lines; /* lines (and finished) as of the last snapshot */
	int snap_finished;
	int snap_err;
};

/*
 * The lock prefers its writer, the pipeline, which takes it again right
 * after each batch: a reader could wait for as long as input keeps coming,
 * and an HTTP thread waiting stalls every connection it serves. Taking turn
 * first queues them: a reader waits for at most the batch in progress, the
 * pipeline for the readers already in. (Snapshots, off the HTTP threads,
 * take the lock directly.)
 */
static void read_lock(struct gs_server *s)
{
	pthread_mutex_lock(&s->turn);
	pthread_rwlock_rdlock(&s->lock);
	pthread_mutex_unlock(&s->turn);
}

static void write_lock(struct gs_server *s)
{
	pthread_mutex_lock(&s->turn);
	pthread_rwlock_wrlock(&s->lock);
	pthread_mutex_unlock(&s->turn);
}

void gs_server_options_init(struct gs_server_options *o)
{
	memset(o, 0, sizeof *o);
	gs_engine_options_init(&o->engine);
	gs_trend_options_init(&o->trend);
	o->lateness = 1;
	o->listen = "127.0.0.1:8080";
	o->max_connections = 128;
	o->timeout_s = 30;
	o->max_request = 16384;
	o->stream_backlog = 1024;
	o->show_errors = 10;
	o->snapshot_every_ms = 30000;
	o->tag_network_edges = 100000;
}

static double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void logf_(struct gs_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(struct gs_server *s, const char *fmt, ...)
{
	FILE *f = s->o.log ? s->o.log : stderr;
	va_list ap;
	va_start(ap, fmt);
	fputs("groundswell: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
	va_end(ap);
}

/* ---- JSON output ------------------------------------------------------- */

static void jstr(FILE *f, const char *s)
{
	putc('"', f);
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		fwrite(run, 1, (size_t)(p - run), f);
		run = p + 1;
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default: fprintf(f, "\\u%04x", *p);
		}
	}
	fwrite(run, 1, (size_t)(p - run), f);
	putc('"', f);
}

static void jtime(FILE *f, int64_t ms)
{
	char b[32];
	if (ms == INT64_MAX || ms == INT64_MIN)
		b[0] = 0;
	else
		gs_time_format(ms, b);
	jstr(f, b);
}

/* A growing text buffer (open_memstream). */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static int out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f ? 0 : GS_ENOMEM;
}

/* Closes the stream; returns the text (caller frees) or NULL. */
static char *out_close(struct out *o, size_t *len)
{
	if (fclose(o->f) != 0) {
		free(o->buf);
		return NULL;
	}
	if (len)
		*len = o->len;
	return o->buf;
}

/* ---- moderation -------------------------------------------------------- */

static struct mod *mod_find(struct gs_server *s, const char *key)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (!strcmp(s->mods[i].key, key))
			return &s->mods[i];
	return NULL;
}

/* Is an event of key starting at start_ms shown (start_ms INT64_MIN: the
 * tag itself, outside any event)? Takes mod_mu. */
static int visible(struct gs_server *s, const char *key, int64_t start_ms,
		   int as_trend)
{
	pthread_mutex_lock(&s->mod_mu);
	struct mod *m = mod_find(s, key);
	enum mod_state st = m ? m->state : MOD_NONE;
	int64_t through = m ? m->through_ms : 0;
	pthread_mutex_unlock(&s->mod_mu);
	if (st == MOD_BANNED)
		return 0;
	if (st == MOD_APPROVED)
		return 1;
	if (st == MOD_HIDDEN && (start_ms == INT64_MIN || start_ms <= through))
		return 0;
	return as_trend ? !s->o.require_approval : 1;
}

static int mod_set(struct gs_server *s, const char *key, enum mod_state st,
		   int64_t through)
{
	pthread_mutex_lock(&s->mod_mu);
	struct mod *m = mod_find(s, key);
	if (!m) {
		if (s->nmods == s->mods_cap) {
			size_t cap = s->mods_cap ? s->mods_cap * 2 : 16;
			struct mod *v = realloc(s->mods, cap * sizeof *v);
			if (!v) {
				pthread_mutex_unlock(&s->mod_mu);
				return GS_ENOMEM;
			}
			s->mods = v;
			s->mods_cap = cap;
		}
		m = &s->mods[s->nmods++];
		memset(m, 0, sizeof *m);
		snprintf(m->key, sizeof m->key, "%s", key);
	}
	m->state = st;
	m->through_ms = through;
	/* cached public answers are stale from now on */
	atomic_fetch_add(&s->mod_gen, 1);
	pthread_mutex_unlock(&s->mod_mu);
	return 0;
}

static enum mod_state mod_parse(const char *action)
{
	if (!strcmp(action, "approve"))
		return MOD_APPROVED;
	if (!strcmp(action, "hide"))
		return MOD_HIDDEN;
	if (!strcmp(action, "ban"))
		return MOD_BANNED;
	return MOD_NONE;
}

/* The value of "name":"..." in a line we wrote (escapes: \" \\ \uXXXX). */
static int log_field(const char *line, const char *name, char *out, size_t cap)
{
	char pat[32];
	snprintf(pat, sizeof pat, "\"%s\":\"", name);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	size_t n = 0;
	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) {
				char hex[5] = {p[1], p[2], p[3], p[4], 0};
				c = (char)strtol(hex, NULL, 16);
				p += 5;
			} else if (*p) {
				c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
				p++;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = 0;
	return *p == '"' ? 0 : -1;
}

/* Replays the admin log: the state of each tag is its last action. */
static void admin_replay(struct gs_server *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;
	while (getline(&line, &cap, f) > 0) {
		char action[16], key[GS_TAG_MAX + 1], through[40];
		if (log_field(line, "action", action, sizeof action) ||
		    log_field(line, "tag", key, sizeof key))
			continue;
		enum mod_state st = mod_parse(action);
		if (st == MOD_NONE)
			continue;
		int64_t t = 0;
		if (!log_field(line, "through", through, sizeof through) && through[0])
			gs_time_parse_iso8601(through, strlen(through), &t);
		mod_set(s, key, st, t);
		n++;
	}
	free(line);
	fclose(f);
	if (n)
		logf_(s, "%u moderation actions replayed from '%s'", n, path);
}

/* ---- the stream ring --------------------------------------------------- */

static void sse_wake(struct gs_server *s, double due);

static void ring_ev_free(struct ring_ev *r)
{
	free(r->json);
	for (size_t i = 0; i < r->nparts; i++) {
		free(r->pkeys[i]);
		free(r->parts[i]);
	}
	free(r->pkeys);
	free(r->parts);
	memset(r, 0, sizeof *r);
}

/* Appends an event (taken over: freed if it cannot be kept). */
static void ring_push(struct gs_server *s, struct ring_ev *r)
{
	pthread_mutex_lock(&s->ring_mu);
	if (!s->ring_cap) {
		pthread_mutex_unlock(&s->ring_mu);
		ring_ev_free(r);
		return;
	}
	if (s->ring_n == s->ring_cap) {
		ring_ev_free(&s->ring[s->ring_head]);
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_n--;
	}
	r->id = s->next_id++;
	s->ring[(s->ring_head + s->ring_n) % s->ring_cap] = *r;
	s->ring_n++;
	sse_wake(s, 0);
	pthread_mutex_unlock(&s->ring_mu);
}

/* ---- trend rows (as "groundswell trends --json") ----------------------- */

static void trend_json(struct gs_server *s, FILE *f, const struct gs_trend_event *ev)
{
	struct gs_tag_stats st;
	const char *display = ev->key;
	if (gs_engine_tag(s->e, ev->key, strlen(ev->key), &st) == 0)
		display = st.display;
	uint64_t posts = 0;
	double accounts = 0;
	int64_t to = ev->end_ms >= 0 ? ev->end_ms : ev->last_ms;
	gs_engine_span(s->e, ev->key, ev->start_ms, to, &posts, &accounts);
	fputs("{\"tag\":", f);
	jstr(f, ev->key);
	fputs(",\"display\":", f);
	jstr(f, display);
	fputs(",\"start\":", f);
	jtime(f, ev->start_ms);
	fputs(",\"peak\":", f);
	jtime(f, ev->peak_ms);
	fputs(",\"end\":", f);
	if (ev->end_ms >= 0)
		jtime(f, ev->end_ms);
	else
		fputs("null", f);
	fprintf(f, ",\"status\":\"%s\",\"score\":%.2f,\"posts\":%llu,\"accounts\":%.0f,"
		   "\"peak_accounts\":%.0f,\"peak_posts\":%llu,\"scorer\":\"%s\"",
		gs_trend_status_name(ev->status), ev->score, (unsigned long long)posts,
		accounts, ev->peak_accounts, (unsigned long long)ev->peak_posts,
		gs_scorer_name(s->o.trend.scorer));
	struct gs_count v[8];
	size_t n = gs_engine_cotags(s->e, ev->key, v, 5);
	fputs(",\"co_tags\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"tag\":", i ? "," : "");
		jstr(f, v[i].name);
		fputs(",\"display\":", f);
		jstr(f, v[i].display);
		fprintf(f, ",\"posts\":%llu}", (unsigned long long)v[i].count);
	}
	n = gs_engine_examples(s->e, ev->key, v, 3);
	fputs("],\"examples\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"id\":", i ? "," : "");
		jstr(f, v[i].name);
		fprintf(f, ",\"reposts\":%llu}", (unsigned long long)v[i].count);
	}
	fputc(']', f);
}

/* ---- the pipeline ------------------------------------------------------ */

static int cmp_ev(const struct gs_trend_event *x, const struct gs_trend_event *y)
{
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const struct gs_trend_event *prev_find(const struct gs_server *s,
					      const struct gs_trend_event *e)
{
	size_t lo = 0, hi = s->nev;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_ev(&s->ev[mid], e);
		if (c == 0)
			return &s->ev[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Announces the changes of the detector's events and keeps a copy of
 * them for the handlers (gs_trend_events reorders the detector's array, so
 * handlers never call it). */
static void refresh_trends(struct gs_server *s)
{
	const struct gs_trend_event *ev;
	size_t n = gs_trend_events(s->t, &ev);
	for (size_t i = 0; i < n; i++) {
		const struct gs_trend_event *p = prev_find(s, &ev[i]);
		const char *change = NULL;
		if (!p)
			change = "start";
		else if (p->end_ms < 0 && ev[i].end_ms >= 0)
			change = "end";
		else if (p->peak_ms != ev[i].peak_ms)
			change = "peak";
		else if (p->status != ev[i].status)
			change = "status";
		if (!change)
			continue;
		s->trend_changes++;
		struct out o;
		if (out_open(&o))
			continue;
		fprintf(o.f, "{\"change\":\"%s\",\"trend\":", change);
		trend_json(s, o.f, &ev[i]);
		fputs("}}", o.f);
		struct ring_ev r = {0};
		r.type = EV_TREND;
		snprintf(r.key, sizeof r.key, "%s", ev[i].key);
		r.start_ms = ev[i].start_ms;
		r.json = out_close(&o, NULL);
		if (r.json)
			ring_push(s, &r);
	}
	if (n) {
		struct gs_trend_event *v = realloc(s->ev, n * sizeof *v);
		if (!v)
			return; /* keep the old copy */
		memcpy(v, ev, n * sizeof *v);
		s->ev = v;
	}
	s->nev = n;
}

static int cmp_obs_accounts(const void *a, const void *b)
{
	const struct gs_obs *x = a, *y = b;
	if (x->accounts != y->accounts)
		return x->accounts > y->accounts ? -1 : 1;
	if (x->posts != y->posts)
		return x->posts > y->posts ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void bucket_event(struct gs_server *s, int64_t b)
{
	struct gs_obs *obs;
	ptrdiff_t n = gs_engine_observations_at(s->e, b, &obs);
	if (n < 0)
		return;
	qsort(obs, (size_t)n, sizeof *obs, cmp_obs_accounts);
	/* keep more than shown, for tags hidden at delivery */
	size_t k = (size_t)n < 2 * BUCKET_TOP ? (size_t)n : 2 * BUCKET_TOP;
	struct ring_ev r = {0};
	r.type = EV_BUCKET;
	struct out o;
	uint64_t posts = 0;
	for (ptrdiff_t i = 0; i < n; i++)
		posts += obs[i].posts;
	if (out_open(&o) == 0) {
		fputs("{\"bucket\":", o.f);
		jtime(o.f, b);
		fprintf(o.f, ",\"accounts\":%.0f,\"tags_used\":%td,\"tag_uses\":%llu,\"top\":[",
			gs_engine_bucket_accounts(s->e, b), n, (unsigned long long)posts);
		r.json = out_close(&o, NULL);
	}
	r.pkeys = calloc(k ? k : 1, sizeof *r.pkeys);
	r.parts = calloc(k ? k : 1, sizeof *r.parts);
	if (!r.json || !r.pkeys || !r.parts) {
		ring_ev_free(&r);
		free(obs);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		struct gs_tag_stats st;
		const char *display = obs[i].key;
		if (gs_engine_tag(s->e, obs[i].key, strlen(obs[i].key), &st) == 0)
			display = st.display;
		if (out_open(&o))
			break;
		fputs("{\"tag\":", o.f);
		jstr(o.f, obs[i].key);
		fputs(",\"display\":", o.f);
		jstr(o.f, display);
		fprintf(o.f, ",\"posts\":%llu,\"accounts\":%.0f}",
			(unsigned long long)obs[i].posts, obs[i].accounts);
		r.parts[i] = out_close(&o, NULL);
		r.pkeys[i] = strdup(obs[i].key);
		r.nparts = i + 1;
		if (!r.parts[i] || !r.pkeys[i])
			break;
	}
	free(obs);
	ring_push(s, &r);
}

/* After buckets [from, to) were closed: stream and trend updates. */
static void announce(struct gs_server *s, int64_t from, int64_t to)
{
	int64_t w = s->o.engine.bucket_ms;
	s->buckets_closed += (uint64_t)((to - from) / w);
	int64_t b = from;
	if ((to - from) / w > MAX_BUCKET_EVENTS)
		b = to - MAX_BUCKET_EVENTS * w;
	for (; b < to; b += w)
		bucket_event(s, b);
	refresh_trends(s);
}

static void note_closed(struct gs_server *s, int64_t before)
{
	if (before == INT64_MIN || s->l.next == before)
		return;
	if (s->pend_from == INT64_MIN)
		s->pend_from = before;
	s->pend_to = s->l.next;
}

static void flush_closed(struct gs_server *s)
{
	if (s->pend_from != INT64_MIN) {
		announce(s, s->pend_from, s->pend_to);
		s->pend_from = INT64_MIN;
	}
}

static int reason_index(int err)
{
	int i = -err;
	return i > 0 && i < REASONS ? i : 0;
}

/* The name of malformed_by[i]. */
static const char *reason_name(int i)
{
	switch (-i) {
	case GS_EJSON: return "json";
	case GS_EUTF8: return "utf8";
	case GS_ETOOLONG: return "too_long";
	case GS_ETYPE: return "type";
	case GS_EFORMAT: return "format";
	case GS_EMISSING: return "missing";
	case GS_ETIME: return "time";
	case GS_ENOMEM: return "memory";
	default: return "other";
	}
}

static void count_posts_sec(struct gs_server *s, uint64_t n)
{
	int64_t sec = (int64_t)gs_now();
	int slot = (int)(sec % 60);
	if (s->sec_stamp[slot] != sec) {
		s->sec_stamp[slot] = sec;
		s->sec_posts[slot] = 0;
	}
	s->sec_posts[slot] += n;
}

static void bad_line(struct gs_server *s, struct source *src, int err,
		     const char *why)
{
	s->malformed_by[reason_index(err)]++;
	gs_engine_count_malformed(s->e, 1);
	if (s->shown < s->o.show_errors) {
		struct gs_follow_info fi;
		gs_follow_info(src->f, &fi);
		logf_(s, "%s:%llu: %s", src->path,
		      (unsigned long long)(fi.lines + fi.too_long), why);
	}
	s->shown++;
}

static void source_info(struct source *src);

/* Reads up to BATCH_LINES lines of one source (the write lock held).
 * Returns the lines read. */
static unsigned read_batch(struct gs_server *s, struct source *src)
{
	unsigned k = 0;
	uint64_t posts = 0;
	int64_t future_ms = (int64_t)(now_wall() * 1000) + GS_MS_DAY;
	for (; k < BATCH_LINES; k++) {
		const char *line;
		size_t len;
		int r = gs_follow_next(src->f, &line, &len);
		if (r == 0)
			break;
		s->lines++;
		if (r == GS_ETOOLONG) {
			char why[96];
			snprintf(why, sizeof why, "line longer than %zu bytes",
				 s->o.max_line ? s->o.max_line : (size_t)GS_DEFAULT_MAX_LINE);
			bad_line(s, src, r, why);
			continue;
		}
		if (r < 0) {
			s->lines--;
			logf_(s, "'%s': %s", src->path, gs_strerror(r));
			break;
		}
		const struct gs_post *pp;
		int np = gs_parser_parse(s->ps, line, len, &pp);
		if (np < 0) {
			bad_line(s, src, np, gs_parser_reason(s->ps)[0] ? gs_parser_reason(s->ps)
									: gs_strerror(np));
			continue;
		}
		if (np > 0 && gs_parser_dropped(s->ps)) /* the rest was read */
			bad_line(s, src, GS_EMISSING, gs_parser_reason(s->ps));
		if (np == 0 && gs_parser_skipped(s->ps) == 1) {
			gs_engine_count_skipped(s->e, 1);
			s->skipped_by[gs_parser_nonpost(s->ps)]++;
		}
		for (int i = 0; i < np; i++) {
			/* a post dated far in the future would close every bucket
			 * up to its own: it is set aside and counted */
			if (pp[i].time_ms > future_ms) {
				s->future_posts++;
				continue;
			}
			int64_t before = s->l.started ? s->l.next : INT64_MIN;
			if (gs_trend_live_add(&s->l, &pp[i]) == GS_ENOMEM)
				logf_(s, "out of memory");
			if (gs_network_add(s->net, &pp[i]) == GS_ENOMEM ||
			    (s->tagnet && gs_network_add(s->tagnet, &pp[i]) == GS_ENOMEM))
				logf_(s, "out of memory (network)");
			note_closed(s, before);
			s->finished = 0;
		}
		posts += (uint64_t)np;
	}
	if (posts) {
		s->posts_in += posts;
		count_posts_sec(s, posts);
	}
	source_info(src);
	/* like tail -F: say when a followed path goes and comes back */
	if (src->absent && src->info.state != GS_FOLLOW_MISSING) {
		src->absent = 0;
		logf_(s, "source '%s' has appeared; reading it", src->path);
	} else if (!src->absent && src->info.state == GS_FOLLOW_MISSING &&
		   src->info.kind == GS_FOLLOW_FILE && src->info.err) {
		src->absent = 1;
		logf_(s,
		      "warning: source '%s' is gone (%s); following it until it appears",
		      src->path, strerror(src->info.err));
	}
	return k;
}

/* A source's position and counts, over every run (the lock held). */
static void source_info(struct source *src)
{
	gs_follow_info(src->f, &src->info);
	src->info.lines += src->base_lines;
	src->info.too_long += src->base_too_long;
	src->info.rotations += src->base_rotations;
	src->info.truncations += src->base_truncations;
}

static void answers_refresh(struct gs_server *s);

static void *pipeline(void *arg)
{
	struct gs_server *s = arg;
	struct pollfd pf[64];
	while (!atomic_load(&s->stop)) {
		unsigned got = 0;
		int full = 0;
		for (size_t i = 0; i < s->nsrc && !atomic_load(&s->stop); i++) {
			write_lock(s);
			unsigned k = read_batch(s, &s->src[i]);
			int closed = s->pend_from != INT64_MIN;
			flush_closed(s);
			/* cached answers: stale now; "more" lets them lag a
			 * little while input keeps coming (answer_fresh) */
			full |= k == BATCH_LINES;
			atomic_store(&s->more, full);
			if (k || closed)
				atomic_fetch_add(&s->data_gen, 1);
			if (full)
				answers_refresh(s);
			pthread_rwlock_unlock(&s->lock);
			got += k;
		}
		if (got) {
			s->last_input = gs_now();
			continue;
		}
		if (s->o.close_idle_ms > 0 && !s->finished &&
		    (gs_now() - s->last_input) * 1000 >= (double)s->o.close_idle_ms) {
			write_lock(s);
			int64_t before = s->l.started ? s->l.next : INT64_MIN;
			if (gs_trend_live_finish(&s->l) == GS_ENOMEM)
				logf_(s, "out of memory");
			note_closed(s, before);
			flush_closed(s);
			s->finished = 1;
			atomic_store(&s->more, 0);
			atomic_fetch_add(&s->data_gen, 1);
			pthread_rwlock_unlock(&s->lock);
		}
		/* wait for input: streams are polled, files looked at again */
		nfds_t n = 0;
		for (size_t i = 0; i < s->nsrc && n < 64; i++) {
			int fd = gs_follow_pollfd(s->src[i].f);
			if (fd >= 0)
				pf[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
		}
		int files = n < s->nsrc;
		if (n)
			poll(pf, n, files ? 100 : 200);
		else
			nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
	}
	return NULL;
}

/* ---- HTTP -------------------------------------------------------------- */

struct reply {
	unsigned status;
	char *body;
	size_t len;
	const char *type;
	char *link;
	const char *allow;
	int www_auth;
	const struct gs_asset *asset; /* an embedded dashboard file */
	struct answer *ans;           /* a cached answer: its body, shared */
};

static void reply_text(struct reply *r, unsigned status, const char *type,
		       char *body, size_t len)
{
	r->status = status;
	r->type = type;
	r->body = body;
	r->len = len;
}

static void reply_error(struct reply *r, unsigned status, const char *msg)
{
	struct out o;
	if (out_open(&o) == 0) {
		fputs("{\"error\":", o.f);
		jstr(o.f, msg);
		fputs("}\n", o.f);
		size_t len;
		char *b = out_close(&o, &len);
		if (b) {
			reply_text(r, status, "application/json; charset=utf-8", b, len);
			return;
		}
	}
	reply_text(r, 500, "text/plain", NULL, 0);
}

static void reply_out(struct reply *r, struct out *o)
{
	size_t len;
	char *b = out_close(o, &len);
	if (!b) {
		reply_error(r, 500, "out of memory");
		return;
	}
	reply_text(r, 200, "application/json; charset=utf-8", b, len);
}

/* Non-negative decimal integer of at most 9 digits; -1 if not one. */
static long parse_uint(const char *v)
{
	if (!v || !*v || strlen(v) > 9)
		return -1;
	long x = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		x = x * 10 + (*p - '0');
	}
	return x;
}

static void url_escape(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			putc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
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
		if (!visible(s, e->key, e->start_ms, 1))
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
static void tag_history(struct gs_server *s, FILE *f, const char *key, int64_t today)
{
	fputs("[", f);
	for (int i = 0; i < 7; i++) {
		int64_t day = today - (int64_t)i * GS_MS_DAY;
		uint64_t posts = 0;
		double accounts = 0;
		gs_engine_span(s->e, key, day, day + GS_MS_DAY - 1, &posts, &accounts);
		fprintf(f, "%s{\"day\":\"%lld\",\"accounts\":\"%.0f\",\"uses\":\"%llu\"}",
			i ? "," : "", (long long)(day / 1000), accounts,
			(unsigned long long)posts);
	}
	fputs("]", f);
}

/* One entry of Mastodon's list (the read lock held). */
static void mtag_entry(struct gs_server *s, FILE *f, const struct gs_trend_event *ev,
		       int64_t today)
{
	struct gs_tag_stats st;
	const char *name = ev->key;
	if (gs_engine_tag(s->e, name, strlen(name), &st) == 0)
		name = st.display;
	fputs("{\"name\":", f);
	jstr(f, name);
	fputs(",\"url\":\"", f);
	for (const char *p = s->public_url; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			putc(*p, f);
	fputs("/tags/", f);
	url_escape(f, name);
	fputs("\",\"history\":", f);
	tag_history(s, f, ev->key, today);
	fputs(",\"following\":false}", f);
}

static void route_trends(struct gs_server *s, struct reply *r, int admin)
{
	struct out o;
	if (out_open(&o)) {
		reply_error(r, 500, "out of memory");
		return;
	}
	fputc('[', o.f);
	size_t k = 0;
	for (size_t i = 0; i < s->nev; i++) {
		int vis = visible(s, s->ev[i].key, s->ev[i].start_ms, 1);
		if (!vis && !admin)
			continue;
		fputs(k++ ? ",\n" : "\n", o.f);
		trend_json(s, o.f, &s->ev[i]);
		if (admin)
			fprintf(o.f, ",\"visible\":%s", vis ? "true" : "false");
		fputc('}', o.f);
	}
	fputs("\n]\n", o.f);
	reply_out(r, &o);
}

/* ---- cached answers ---------------------------------------------------- */

/*
 * The trends routes are what clients poll, and building one reads the
 * engine under the read lock (spans, co-tags, examples of every event).
 * Built per request, under many connections they took the CPU and the lock
 * from the pipeline (bench/serve-load.md). So an answer is built once per
 * change, of the data or of moderation, and shared by the requests that
 * serve it (refcounted, immutable once published): a request mostly takes
 * a reference. While input keeps coming (the last batch was full) an answer
 * may lag the data by up to ANSWER_MAX_AGE_MS; once the input is drained,
 * or after a moderation action, the next request gets an exact one.
 */
struct answer {
	atomic_uint refs;
	uint64_t gen, mod_gen; /* the data and moderation it was built from */
	double built;          /* gs_now() */
	char *body;            /* /trends: the whole body */
	size_t len;
	size_t n;              /* Mastodon: tags ranked, */
	size_t nent;           /* the first nent rendered */
	char **ent;
};

typedef struct answer *(*answer_build_fn)(struct gs_server *s, size_t upto);

static void answer_put(struct answer *a)
{
	if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	free(a->body);
	for (size_t i = 0; i < a->nent; i++)
		free(a->ent[i]);
	free(a->ent);
	free(a);
}

static void answer_put_cb(void *cls)
{
	answer_put(cls);
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
	return atomic_load(&s->more) && (gs_now() - a->built) * 1000 < ANSWER_STALE_MS;
}

/* Makes a (a reference given) the current answer of c: under the lock, so
 * that answers are published in the order they were built. */
static void answer_publish(struct answer_cache *c, struct answer *a)
{
	pthread_mutex_lock(&c->mu);
	struct answer *old = c->cur;
	c->cur = a;
	pthread_mutex_unlock(&c->mu);
	answer_put(old);
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
	answer_put(a);
	a = answer_ref(c); /* built meanwhile? */
	if (answer_fresh(s, a)) {
		pthread_mutex_unlock(&c->build);
		return a;
	}
	answer_put(a);
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
	route_trends(s, &r, 0);
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
		answer_put(a);
		return NULL;
	}
	return a;
}

/* While input keeps coming, the pipeline rebuilds the answers asked for in
 * the last ANSWER_ASKED_S seconds every ANSWER_MAX_AGE_MS (the write lock
 * held, after a batch). Built here, a request never waits for the lock:
 * the pipeline, holding it nearly all the time, can lose its CPU while
 * holding it, and an HTTP thread waiting would stall all its connections. */
static void answers_refresh(struct gs_server *s)
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
		answer_put(a);
		if (fresh || young)
			continue;
		if ((a = builds[i](s, MTAGS_CACHED)))
			answer_publish(c, a);
	}
}

/* GET /api/v1/trends/tags: pages of the cached list. */
static void route_mastodon_tags(struct gs_server *s, struct MHD_Connection *c,
				struct reply *r)
{
	const char *ls = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *os = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	long limit = 10, offset = 0;
	if (ls && (limit = parse_uint(ls)) < 0) {
		reply_error(r, 400, "limit must be a non-negative integer");
		return;
	}
	if (os && (offset = parse_uint(os)) < 0) {
		reply_error(r, 400, "offset must be a non-negative integer");
		return;
	}
	if (limit > 20)
		limit = 20;
	struct answer *a = answer_get(s, &s->ac_mtags, build_mtags);
	size_t end = (size_t)offset + (size_t)limit;
	if (a && end > a->nent && a->n > a->nent) {
		/* a page beyond the entries kept: built for this request */
		answer_put(a);
		read_lock(s);
		a = build_mtags(s, end);
		pthread_rwlock_unlock(&s->lock);
	}
	struct out o;
	if (!a || out_open(&o)) {
		answer_put(a);
		reply_error(r, 500, "out of memory");
		return;
	}
	fputc('[', o.f);
	size_t shown = 0;
	for (size_t i = (size_t)offset; i < a->nent && shown < (size_t)limit; i++, shown++) {
		if (shown)
			fputc(',', o.f);
		fputs(a->ent[i], o.f);
	}
	fputs("]\n", o.f);
	answer_put(a);
	reply_out(r, &o);
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
		fprintf(lk.f, "%s<%s/api/v1/trends/tags?", any ? ", " : "", base);
		if (ls)
			fprintf(lk.f, "limit=%ld&", limit);
		fprintf(lk.f, "offset=%ld>; rel=\"prev\"", offset > limit ? offset - limit : 0);
		any = 1;
	}
	char *link = out_close(&lk, NULL);
	if (any)
		r->link = link;
	else
		free(link);
}

/* GET /trends: the cached body itself, sent without a copy. */
static void route_trends_public(struct gs_server *s, struct reply *r)
{
	struct answer *a = answer_get(s, &s->ac_trends, build_trends);
	if (!a) {
		reply_error(r, 500, "out of memory");
		return;
	}
	reply_text(r, 200, "application/json; charset=utf-8", NULL, a->len);
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
		jstr(f, x);
		if (!strcmp(name, "tag")) {
			/* a co-tag: the folded key, and its spelling beside it
			 */
			fputs(",\"display\":", f);
			jstr(f, v[i].display);
		}
		fprintf(f, ",\"posts\":%llu}", (unsigned long long)v[i].count);
	}
	fputc(']', f);
}

static void route_tag(struct gs_server *s, struct MHD_Connection *c,
		      const char *name, struct reply *r)
{
	const char *ts = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top");
	long top = 10;
	if (ts && ((top = parse_uint(ts)) < 0 || top > 1000)) {
		reply_error(r, 400, "top must be an integer from 0 to 1000");
		return;
	}
	if (*name == '#')
		name++;
	struct gs_tag_stats t;
	if (!*name || gs_engine_tag(s->e, name, strlen(name), &t) != 0 ||
	    !visible(s, t.key, INT64_MIN, 0)) {
		reply_error(r, 404, "tag not found");
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
		reply_error(r, 500, "out of memory");
		return;
	}
	FILE *f = o.f;
	fputs("{\"tag\":", f);
	jstr(f, t.key);
	fputs(",\"display\":", f);
	jstr(f, t.display);
	fprintf(f,
		",\"posts\":%llu,\"originals\":%llu,\"reposts\":%llu,\"replies\":%llu,"
		"\"quotes\":%llu,\"posts_error\":%llu,\"accounts\":%.0f,"
		"\"accounts_error\":%.4f,\"first_seen\":",
		(unsigned long long)t.posts, (unsigned long long)t.originals,
		(unsigned long long)t.reposts, (unsigned long long)t.replies,
		(unsigned long long)t.quotes, (unsigned long long)t.posts_error,
		t.accounts, t.accounts_error);
	jtime(f, t.first_ms);
	fputs(",\"last_seen\":", f);
	jtime(f, t.last_ms);
	fputs(",\"peak\":{\"time\":", f);
	jtime(f, t.peak_ms);
	fprintf(f, ",\"posts\":%llu}", (unsigned long long)t.peak_posts);
	fprintf(f, ",\"timeline_covers\":\"%s\"",
		gs_timeline_cover_name(cover));
	fputs(",\"timeline\":[", f);
	for (ptrdiff_t i = 0; i < ntl; i++) {
		fputs(i ? ",{\"time\":" : "{\"time\":", f);
		jtime(f, tl[i].time_ms);
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
	reply_out(r, &o);
}

static const char *source_kind(enum gs_follow_kind k)
{
	static const char *const n[] = {"file", "stream", "compressed", "jetstream", "mastodon"};
	return n[k];
}

static const char *source_state(enum gs_follow_state k)
{
	static const char *const n[] = {"reading", "waiting", "missing", "ended", "connecting"};
	return n[k];
}

static double posts_per_second(const struct gs_server *s)
{
	int64_t now = (int64_t)gs_now();
	uint64_t sum = 0;
	for (int i = 0; i < 60; i++)
		if (s->sec_stamp[i] > now - 60 && s->sec_stamp[i] <= now)
			sum += s->sec_posts[i];
	double span = gs_now() - s->started;
	if (span > 60)
		span = 60;
	if (span < 1)
		span = 1;
	return (double)sum / span;
}

static uint64_t malformed_total(const struct gs_server *s)
{
	uint64_t m = 0;
	for (int i = 0; i < REASONS; i++)
		m += s->malformed_by[i];
	return m;
}

static size_t open_trends(const struct gs_server *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nev; i++)
		k += s->ev[i].end_ms < 0;
	return k;
}

/* What a network holds and has evicted (the per-tag table: of all tags). */
static void net_stats_json(FILE *f, const struct gs_network *n)
{
	if (!n) {
		fputs("null", f);
		return;
	}
	struct gs_network_stats st;
	struct gs_network_options no;
	gs_network_stats(n, &st);
	gs_network_options_of(n, &no);
	fprintf(f, "{\"nodes\":%llu,\"edges\":%llu,\"max_nodes\":%zu,\"max_edges\":%zu,"
		   "\"weight\":%llu,\"evicted\":{\"edges\":%llu,\"weight\":%llu,\"max_weight\":%llu,"
		   "\"nodes\":%llu}}",
		(unsigned long long)st.nodes_held, (unsigned long long)st.edges_held, no.max_nodes,
		no.max_edges, (unsigned long long)st.weight_total,
		(unsigned long long)st.edges_evicted, (unsigned long long)st.weight_evicted,
		(unsigned long long)st.evicted_max_weight, (unsigned long long)st.nodes_evicted);
}

static void route_stats(struct gs_server *s, struct reply *r)
{
	struct gs_summary sum;
	gs_engine_summary(s->e, &sum);
	struct out o;
	if (out_open(&o)) {
		reply_error(r, 500, "out of memory");
		return;
	}
	FILE *f = o.f;
	double now = now_wall();
	fprintf(f, "{\"version\":\"%s\",\"uptime_seconds\":%.1f,\"lines\":%llu,\"posts\":%llu,"
		   "\"originals\":%llu,\"reposts\":%llu,\"replies\":%llu,\"quotes\":%llu,"
		   "\"malformed\":%llu,\"malformed_by_reason\":{",
		GS_VERSION, gs_now() - s->started, (unsigned long long)s->lines,
		(unsigned long long)sum.posts, (unsigned long long)sum.originals,
		(unsigned long long)sum.reposts, (unsigned long long)sum.replies,
		(unsigned long long)sum.quotes, (unsigned long long)malformed_total(s));
	int k = 0;
	for (int i = 0; i < REASONS; i++)
		if (s->malformed_by[i])
			fprintf(f, "%s\"%s\":%llu", k++ ? "," : "", reason_name(i),
				(unsigned long long)s->malformed_by[i]);
	fprintf(f, "},\"skipped\":%llu,\"skipped_by_kind\":{",
		(unsigned long long)sum.skipped);
	k = 0;
	for (int i = 1; i < GS_NONPOST_COUNT; i++)
		if (s->skipped_by[i])
			fprintf(f, "%s\"%s\":%llu", k++ ? "," : "",
				gs_nonpost_key((enum gs_nonpost)i),
				(unsigned long long)s->skipped_by[i]);
	fprintf(f, "},\"late_posts\":%llu,\"future_posts\":%llu,"
		   "\"posts_per_second\":%.2f,",
		(unsigned long long)s->l.late_posts,
		(unsigned long long)s->future_posts, posts_per_second(s));
	fputs("\"newest_post\":", f);
	if (sum.posts) {
		jtime(f, sum.last_ms);
		fprintf(f, ",\"lag_seconds\":%.3f", now - (double)sum.last_ms / 1000);
	} else {
		fputs("null,\"lag_seconds\":null", f);
	}
	char bw[16];
	gs_duration_format(s->o.engine.bucket_ms, bw);
	fprintf(f, ",\"bucket\":\"%s\",\"lateness_buckets\":%lld,\"open_bucket\":", bw,
		(long long)s->o.lateness);
	if (s->l.started)
		jtime(f, s->l.next);
	else
		fputs("null", f);
	fprintf(f, ",\"buckets_closed\":%llu,\"idle_closed\":%s,\"tags_tracked\":%llu,"
		   "\"accounts\":%.0f,\"trends\":{\"events\":%zu,\"open\":%zu,\"changes\":%llu},"
		   "\"stream_clients\":%u,\"sources\":[",
		(unsigned long long)s->buckets_closed, s->finished ? "true" : "false",
		(unsigned long long)sum.tags_tracked, sum.accounts, s->nev, open_trends(s),
		(unsigned long long)s->trend_changes, atomic_load(&s->stream_clients));
	for (size_t i = 0; i < s->nsrc; i++) {
		const struct gs_follow_info *fi = &s->src[i].info;
		fputs(i ? ",{\"path\":" : "{\"path\":", f);
		jstr(f, s->src[i].path);
		fprintf(f, ",\"kind\":\"%s\",\"state\":\"%s\",\"offset\":%llu,\"size\":%lld,"
			   "\"inode\":%llu,\"lines\":%llu,\"too_long\":%llu,\"rotations\":%llu,"
			   "\"truncations\":%llu",
			source_kind(fi->kind), source_state(fi->state),
			(unsigned long long)fi->offset, (long long)fi->size,
			(unsigned long long)fi->ino, (unsigned long long)fi->lines,
			(unsigned long long)fi->too_long, (unsigned long long)fi->rotations,
			(unsigned long long)fi->truncations);
		if (fi->err)
			fprintf(f, ",\"error\":\"%s\"", strerror(fi->err));
		fputc('}', f);
	}
	fputs("],\"networks\":{\"accounts\":", f);
	net_stats_json(f, s->net);
	fputs(",\"tags\":", f);
	net_stats_json(f, s->tagnet);
	fputs("}}\n", f);
	reply_out(r, &o);
}

static void metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP groundswell_%s %s\n# TYPE groundswell_%s %s\n", name, help, name, type);
}

static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

static void route_metrics(struct gs_server *s, struct reply *r)
{
	struct gs_summary sum;
	gs_engine_summary(s->e, &sum);
	struct gs_memory mem;
	gs_engine_memory(s->e, &mem);
	struct out o;
	if (out_open(&o)) {
		reply_error(r, 500, "out of memory");
		return;
	}
	FILE *f = o.f;
	metric(f, "lines_total", "counter", "Input lines read.");
	fprintf(f, "groundswell_lines_total %llu\n", (unsigned long long)s->lines);
	metric(f, "posts_total", "counter", "Posts counted.");
	fprintf(f, "groundswell_posts_total %llu\n", (unsigned long long)sum.posts);
	metric(f, "reposts_total", "counter", "Reposts counted.");
	fprintf(f, "groundswell_reposts_total %llu\n", (unsigned long long)sum.reposts);
	metric(f, "malformed_lines_total", "counter", "Lines rejected, by reason.");
	for (int i = 0; i < REASONS; i++)
		if (s->malformed_by[i] || -i == GS_EJSON || -i == GS_EUTF8 ||
		    -i == GS_ETOOLONG || -i == GS_ETYPE || -i == GS_EFORMAT ||
		    -i == GS_EMISSING || -i == GS_ETIME)
			fprintf(f, "groundswell_malformed_lines_total{reason=\"%s\"} %llu\n",
				reason_name(i), (unsigned long long)s->malformed_by[i]);
	metric(f, "skipped_lines_total", "counter", "Well-formed lines that carry no post.");
	fprintf(f, "groundswell_skipped_lines_total %llu\n", (unsigned long long)sum.skipped);
	metric(f, "skipped_lines_by_kind_total", "counter",
	       "Well-formed lines that carry no post, by kind (stream control messages, non-post events).");
	for (int i = 1; i < GS_NONPOST_COUNT; i++)
		if (s->skipped_by[i])
			fprintf(f, "groundswell_skipped_lines_by_kind_total{kind=\"%s\"} %llu\n",
				gs_nonpost_key((enum gs_nonpost)i),
				(unsigned long long)s->skipped_by[i]);
	metric(f, "late_posts_total", "counter", "Posts that arrived after their bucket was closed.");
	fprintf(f, "groundswell_late_posts_total %llu\n", (unsigned long long)s->l.late_posts);
	metric(f, "future_posts_total", "counter", "Posts dated over a day after the wall clock, set aside.");
	fprintf(f, "groundswell_future_posts_total %llu\n", (unsigned long long)s->future_posts);
	metric(f, "posts_per_second", "gauge", "Posts read per second over the last minute.");
	fprintf(f, "groundswell_posts_per_second %.3f\n", posts_per_second(s));
	if (sum.posts) {
		metric(f, "newest_post_timestamp_seconds", "gauge", "Event time of the newest post.");
		fprintf(f, "groundswell_newest_post_timestamp_seconds %.3f\n", (double)sum.last_ms / 1000);
		metric(f, "lag_seconds", "gauge", "Wall-clock time minus the newest post's time.");
		fprintf(f, "groundswell_lag_seconds %.3f\n", now_wall() - (double)sum.last_ms / 1000);
	}
	metric(f, "buckets_closed_total", "counter", "Buckets closed and judged.");
	fprintf(f, "groundswell_buckets_closed_total %llu\n", (unsigned long long)s->buckets_closed);
	metric(f, "trend_events", "gauge", "Trend events detected so far.");
	fprintf(f, "groundswell_trend_events %zu\n", s->nev);
	metric(f, "trends_open", "gauge", "Trend events not yet ended.");
	fprintf(f, "groundswell_trends_open %zu\n", open_trends(s));
	metric(f, "tags_tracked", "gauge", "Tags held by the engine.");
	fprintf(f, "groundswell_tags_tracked %llu\n", (unsigned long long)sum.tags_tracked);
	metric(f, "engine_memory_bytes", "gauge", "Heap bytes held by the engine.");
	fprintf(f, "groundswell_engine_memory_bytes %zu\n", mem.total);
	metric(f, "stream_clients", "gauge", "Connected server-sent-events clients.");
	fprintf(f, "groundswell_stream_clients %u\n", atomic_load(&s->stream_clients));
	metric(f, "http_requests_total", "counter", "HTTP requests answered, by status class.");
	for (int i = 1; i < 6; i++)
		fprintf(f, "groundswell_http_requests_total{code=\"%dxx\"} %llu\n", i,
			(unsigned long long)atomic_load(&s->http_by_class[i]));
	metric(f, "connections_cut_total", "counter", "Connections cut for overdue request headers.");
	fprintf(f, "groundswell_connections_cut_total %llu\n",
		(unsigned long long)atomic_load(&s->conns_cut));
	metric(f, "source_offset_bytes", "gauge", "Bytes of each source's current file consumed.");
	for (size_t i = 0; i < s->nsrc; i++) {
		fputs("groundswell_source_offset_bytes{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\"} %llu\n", (unsigned long long)s->src[i].info.offset);
	}
	metric(f, "source_lines_total", "counter", "Lines read from each source.");
	for (size_t i = 0; i < s->nsrc; i++) {
		fputs("groundswell_source_lines_total{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\"} %llu\n", (unsigned long long)(s->src[i].info.lines + s->src[i].info.too_long));
	}
	metric(f, "source_rotations_total", "counter", "Rotations and truncations of each followed file.");
	for (size_t i = 0; i < s->nsrc; i++) {
		fputs("groundswell_source_rotations_total{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\",kind=\"rotation\"} %llu\n", (unsigned long long)s->src[i].info.rotations);
		fputs("groundswell_source_rotations_total{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\",kind=\"truncation\"} %llu\n", (unsigned long long)s->src[i].info.truncations);
	}
	size_t len;
	char *b = out_close(&o, &len);
	if (!b)
		reply_error(r, 500, "out of memory");
	else
		reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b, len);
}

/* ---- admin ------------------------------------------------------------- */

static int authorized(struct gs_server *s, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!s->have_token || !h || strncasecmp(h, "Bearer ", 7))
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	unsigned char hash[32];
	crypto_generichash(hash, sizeof hash, (const unsigned char *)h, strlen(h), NULL, 0);
	return sodium_memcmp(hash, s->token_hash, sizeof hash) == 0;
}

static void remote_addr(struct MHD_Connection *c, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, n, "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)n);
}

/* ,"display": the tag's most frequent spelling (its key when unseen); the
 * engine read-locked */
static void display_json(struct gs_server *s, FILE *f, const char *key)
{
	struct gs_tag_stats st;
	fputs(",\"display\":", f);
	jstr(f, gs_engine_tag(s->e, key, strlen(key), &st) == 0 ? st.display
								: key);
}

static void route_admin_action(struct gs_server *s, struct MHD_Connection *c,
			       const char *name, const char *action, struct reply *r)
{
	enum mod_state st = mod_parse(action);
	if (st == MOD_NONE) {
		reply_error(r, 404, "unknown action (approve, hide, ban)");
		return;
	}
	if (*name == '#')
		name++;
	char key[GS_TAG_MAX + 1];
	ssize_t k = *name ? gs_fold(name, strlen(name), key) : -1;
	if (k <= 0 || memchr(key, 0, (size_t)k)) {
		reply_error(r, 400, "invalid tag name");
		return;
	}
	key[k] = 0;
	/* hide: the events started so far (the open bucket included) */
	int64_t through = INT64_MAX;
	read_lock(s);
	if (s->l.started)
		through = s->l.next;
	struct gs_summary sum;
	gs_engine_summary(s->e, &sum);
	if (sum.posts && gs_time_bucket(sum.last_ms, s->o.engine.bucket_ms) > through)
		through = gs_time_bucket(sum.last_ms, s->o.engine.bucket_ms);
	pthread_rwlock_unlock(&s->lock);
	if (mod_set(s, key, st, through)) {
		reply_error(r, 500, "out of memory");
		return;
	}
	char addr[64], now[32], th[32] = "";
	remote_addr(c, addr, sizeof addr);
	gs_time_format((int64_t)(now_wall() * 1000), now);
	if (st == MOD_HIDDEN && through != INT64_MAX)
		gs_time_format(through, th);
	if (s->admin_log) {
		pthread_mutex_lock(&s->mod_mu);
		FILE *f = s->admin_log;
		fputs("{\"time\":", f);
		jstr(f, now);
		fprintf(f, ",\"action\":\"%s\",\"tag\":", action);
		jstr(f, key);
		fputs(",\"through\":", f);
		jstr(f, th);
		fputs(",\"remote\":", f);
		jstr(f, addr);
		fputs("}\n", f);
		fflush(f);
		fsync(fileno(f));
		pthread_mutex_unlock(&s->mod_mu);
	}
	logf_(s, "admin: %s #%s (from %s)", action, key, addr);
	struct out o;
	if (out_open(&o)) {
		reply_error(r, 500, "out of memory");
		return;
	}
	fputs("{\"tag\":", o.f);
	jstr(o.f, key);
	read_lock(s);
	display_json(s, o.f, key);
	pthread_rwlock_unlock(&s->lock);
	fprintf(o.f, ",\"state\":\"%s\"}\n", mod_names[st]);
	reply_out(r, &o);
}

static void route_admin_list(struct gs_server *s, struct reply *r)
{
	struct out o;
	if (out_open(&o)) {
		reply_error(r, 500, "out of memory");
		return;
	}
	fprintf(o.f, "{\"require_approval\":%s,\"tags\":[", s->o.require_approval ? "true" : "false");
	pthread_mutex_lock(&s->mod_mu);
	for (size_t i = 0; i < s->nmods; i++) {
		fputs(i ? ",{\"tag\":" : "{\"tag\":", o.f);
		jstr(o.f, s->mods[i].key);
		display_json(s, o.f, s->mods[i].key);
		fprintf(o.f, ",\"state\":\"%s\"}", mod_names[s->mods[i].state]);
	}
	pthread_mutex_unlock(&s->mod_mu);
	fputs("],\"trends\":", o.f);
	struct reply tr = {0};
	route_trends(s, &tr, 1);
	if (tr.body)
		fwrite(tr.body, 1, tr.len, o.f);
	else
		fputs("[]", o.f);
	free(tr.body);
	fputs("}\n", o.f);
	reply_out(r, &o);
}

/* ---- server-sent events ------------------------------------------------ */

struct sse {
	struct gs_server *s;
	struct MHD_Connection *conn;
	uint64_t last; /* id of the last event given */
	char *pend;
	size_t plen, poff;
	int hello;
	double due;          /* gs_now() when a keep-alive is due */
	int waiting;         /* suspended, in s->sse_wait (under ring_mu) */
	struct sse *wnext;
};

/* A waiting stream's seconds between keep-alives (within --timeout). */
static unsigned sse_keepalive(const struct gs_server *s)
{
	unsigned wait = s->o.timeout_s / 2;
	if (wait > 15)
		wait = 15;
	if (wait < 1)
		wait = 1;
	return wait;
}

/* Resumes the suspended streams, all of them (due 0: an event came, or
 * stopping) or those whose keep-alive is due by then (ring_mu held). */
static void sse_wake(struct gs_server *s, double due)
{
	for (struct sse **p = &s->sse_wait; *p;) {
		struct sse *c = *p;
		if (due > 0 && c->due > due) {
			p = &c->wnext;
			continue;
		}
		*p = c->wnext;
		c->wnext = NULL;
		c->waiting = 0;
		MHD_resume_connection(c->conn);
	}
}

/* Renders the events after c->last into c->pend (ring_mu held). */
static void sse_render(struct sse *c)
{
	struct gs_server *s = c->s;
	struct out o;
	if (out_open(&o))
		return;
	uint64_t oldest = s->next_id - s->ring_n;
	if (c->last + 1 < oldest)
		c->last = oldest - 1;
	size_t shown = 0;
	while (c->last + 1 < s->next_id && shown < 64) {
		const struct ring_ev *r =
			&s->ring[(s->ring_head + (c->last + 1 - oldest)) % s->ring_cap];
		c->last = r->id;
		if (r->type == EV_TREND) {
			if (!visible(s, r->key, r->start_ms, 1))
				continue;
			fprintf(o.f, "id: %llu\nevent: trend\ndata: %s\n\n",
				(unsigned long long)r->id, r->json);
		} else {
			fprintf(o.f, "id: %llu\nevent: bucket\ndata: %s", (unsigned long long)r->id,
				r->json);
			size_t k = 0;
			for (size_t i = 0; i < r->nparts && k < BUCKET_TOP; i++)
				if (r->parts[i] && visible(s, r->pkeys[i], INT64_MIN, 1))
					fprintf(o.f, "%s%s", k++ ? "," : "", r->parts[i]);
			fputs("]}\n\n", o.f);
		}
		shown++;
	}
	free(c->pend);
	c->pend = out_close(&o, &c->plen);
	c->poff = 0;
	if (!c->pend)
		c->plen = 0;
}

/* The stream's body. HTTP threads serve many connections each, so a stream
 * with nothing to send never blocks one: it is suspended (taken off the
 * event loop) until an event is pushed or its keep-alive is due. */
static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct sse *c = cls;
	struct gs_server *s = c->s;
	if (!c->hello) {
		c->hello = 1;
		c->due = gs_now() + sse_keepalive(s);
		int n = snprintf(buf, max, ": groundswell stream\nretry: 3000\n\n");
		return n > 0 && (size_t)n < max ? n : 0;
	}
	if (c->poff >= c->plen) {
		pthread_mutex_lock(&s->ring_mu);
		if (s->ring_stop) {
			pthread_mutex_unlock(&s->ring_mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (c->last + 1 < s->next_id)
			sse_render(c);
		if (c->poff >= c->plen && gs_now() < c->due) {
			/* suspended under ring_mu, so that no event is missed:
			 * ring_push resumes it after this returns */
			c->waiting = 1;
			c->wnext = s->sse_wait;
			s->sse_wait = c;
			MHD_suspend_connection(c->conn);
			pthread_mutex_unlock(&s->ring_mu);
			return 0;
		}
		pthread_mutex_unlock(&s->ring_mu);
		c->due = gs_now() + sse_keepalive(s);
		if (c->poff >= c->plen) {
			int n = snprintf(buf, max, ": keepalive\n\n");
			return n > 0 && (size_t)n < max ? n : 0;
		}
	}
	size_t n = c->plen - c->poff;
	if (n > max)
		n = max;
	memcpy(buf, c->pend + c->poff, n);
	c->poff += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *c = cls;
	atomic_fetch_sub(&c->s->stream_clients, 1);
	free(c->pend);
	free(c);
}

static struct MHD_Response *sse_start(struct gs_server *s, struct MHD_Connection *c,
				      struct reply *r)
{
	const char *lei = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	if (!lei)
		lei = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "last_event_id");
	long long last = -1;
	if (lei) {
		char *end;
		errno = 0;
		last = strtoll(lei, &end, 10);
		if (errno || *end || end == lei || last < 0) {
			reply_error(r, 400, "Last-Event-ID must be an event id");
			return NULL;
		}
	}
	struct sse *x = calloc(1, sizeof *x);
	if (!x) {
		reply_error(r, 500, "out of memory");
		return NULL;
	}
	x->s = s;
	x->conn = c;
	pthread_mutex_lock(&s->ring_mu);
	if (last < 0 || (uint64_t)last >= s->next_id)
		x->last = s->next_id - 1;
	else
		x->last = (uint64_t)last;
	pthread_mutex_unlock(&s->ring_mu);
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, x, sse_free);
	if (!resp) {
		free(x);
		reply_error(r, 500, "out of memory");
		return NULL;
	}
	atomic_fetch_add(&s->stream_clients, 1);
	MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	return resp;
}

/* ---- dispatch ---------------------------------------------------------- */

#define API "/api/groundswell/v1"

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
static void route_network(struct gs_server *s, struct MHD_Connection *c, struct reply *r)
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
	const char *tag = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tag");
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format"))) {
		fmt = gs_net_format_parse(v);
		if (fmt >= GS_NET_SUMMARY) {
			reply_error(r, 400, "format must be json, gexf, graphml or csv");
			return;
		}
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind"))) {
		static const char *const names[] = {"replies", "mentions", "reposts", "quotes"};
		unsigned k = 0;
		int bad = 0;
		for (const char *p = v; *p && !bad;) {
			size_t n = strcspn(p, ",");
			int found = 0;
			for (int i = 0; i < 4; i++)
				if (n == strlen(names[i]) && !strncmp(p, names[i], n))
					k |= 1u << i, found = 1;
			if (n == 3 && !strncmp(p, "all", 3))
				k |= GS_NET_ACCOUNTS, found = 1;
			bad = !found;
			p += n;
			if (*p == ',')
				p++;
		}
		if (bad || !k) {
			reply_error(r, 400, "kind must be all or a comma-separated list of replies, "
					    "mentions, reposts, quotes");
			return;
		}
		no.kinds = k;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "min_weight"))) {
		long x = parse_uint(v);
		if (x < 1) {
			reply_error(r, 400, "min_weight must be an integer of at least 1");
			return;
		}
		no.min_weight = (uint64_t)x;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top_nodes"))) {
		long x = parse_uint(v);
		if (x < 0) {
			reply_error(r, 400, "top_nodes must be a non-negative integer (0: all)");
			return;
		}
		no.top_nodes = (size_t)x;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top"))) {
		long x = parse_uint(v);
		if (x < 0 || x > 1000) {
			reply_error(r, 400, "top must be an integer from 0 to 1000");
			return;
		}
		no.top_list = (size_t)x;
	}
	if (s->o.pseudo) {
		no.name = net_pseudonym;
		no.name_ctx = (void *)s->o.pseudo;
	}
	no.malformed = malformed_total(s);
	struct gs_network *tn = NULL;
	if (tag) {
		char key[GS_TAG_MAX + 1];
		const char *name = tag[0] == '#' ? tag + 1 : tag;
		ssize_t k = *name ? gs_fold(name, strlen(name), key) : -1;
		if (k <= 0 || memchr(key, 0, (size_t)k)) {
			reply_error(r, 400, "invalid tag name");
			return;
		}
		key[k] = 0;
		if (!s->tagnet) {
			reply_error(r, 400, "per-tag networks are off (--tag-network-edges 0)");
			return;
		}
		if (!visible(s, key, INT64_MIN, 0)) {
			reply_error(r, 404, "tag not found");
			return;
		}
		/* the summary's display: the engine's most frequent spelling
		 * (the per-tag table keeps none) */
		struct gs_tag_stats ts;
		if (gs_engine_tag(s->e, key, strlen(key), &ts) == 0)
			no.tag_display = ts.display;
		int err;
		if (!(tn = gs_network_tag(s->tagnet, key, &err))) {
			reply_error(r, err == GS_EUSAGE ? 400 : 500,
				    err == GS_EUSAGE ? "invalid tag name" : "out of memory");
			return;
		}
	}
	struct out o;
	if (out_open(&o)) {
		gs_network_free(tn);
		reply_error(r, 500, "out of memory");
		return;
	}
	int rc = gs_network_write(tn ? tn : s->net, o.f, (enum gs_net_format)fmt, &no, NULL);
	gs_network_free(tn);
	size_t len;
	char *b = out_close(&o, &len);
	if (rc || !b) {
		free(b);
		reply_error(r, 500, "out of memory");
		return;
	}
	reply_text(r, 200, types[fmt], b, len);
}

static const char index_json[] =
	"{\"name\":\"groundswell\",\"version\":\"" GS_VERSION "\",\"endpoints\":["
	"\"/api/v1/trends/tags\",\"" API "/trends\",\"" API "/tags/NAME\",\"" API "/stats\","
	"\"" API "/network\",\"" API "/stream\",\"/metrics\",\"" API "/admin/tags\","
	"\"" API "/admin/tags/NAME/{approve,hide,ban}\"]}\n";

/* Routes one request. Returns a streaming response for the stream, else
 * fills r. */
static struct MHD_Response *route(struct gs_server *s, struct MHD_Connection *c,
				  const char *url, const char *method, struct reply *r)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	char path[1024];
	size_t n = strlen(url);
	if (n >= sizeof path) {
		reply_error(r, 414, "path too long");
		return NULL;
	}
	memcpy(path, url, n + 1);
	if (n > 1 && path[n - 1] == '/')
		path[--n] = 0;
	if (!strncmp(path, API "/admin/", strlen(API "/admin/")) || !strcmp(path, API "/admin")) {
		if (!s->have_token) {
			reply_error(r, 403, "the admin API is off (see --admin-token-file)");
			return NULL;
		}
		if (!authorized(s, c)) {
			r->www_auth = 1;
			reply_error(r, 401, "The access token is invalid");
			return NULL;
		}
		const char *rest = path + strlen(API "/admin");
		if (!strcmp(rest, "/tags")) {
			if (!get) {
				r->allow = "GET, HEAD";
				reply_error(r, 405, "method not allowed");
				return NULL;
			}
			read_lock(s);
			route_admin_list(s, r);
			pthread_rwlock_unlock(&s->lock);
			return NULL;
		}
		if (!strncmp(rest, "/tags/", 6)) {
			char *name = (char *)rest + 6, *slash = strrchr(name, '/');
			if (slash && slash != name) {
				if (!post) {
					r->allow = "POST";
					reply_error(r, 405, "method not allowed (POST)");
					return NULL;
				}
				*slash = 0;
				route_admin_action(s, c, name, slash + 1, r);
				return NULL;
			}
		}
		reply_error(r, 404, "no such admin endpoint");
		return NULL;
	}
	enum { R_NONE, R_INDEX, R_MTAGS, R_TRENDS, R_TAG, R_STATS, R_NETWORK, R_STREAM, R_METRICS } which = R_NONE;
	const char *name = NULL;
	if (!strcmp(path, "/") || !strcmp(path, API))
		which = R_INDEX;
	else if (!strcmp(path, "/api/v1/trends/tags") || !strcmp(path, "/api/v1/trends"))
		which = R_MTAGS;
	else if (!strcmp(path, API "/trends"))
		which = R_TRENDS;
	else if (!strncmp(path, API "/tags/", strlen(API "/tags/")) &&
		 !strchr(path + strlen(API "/tags/"), '/'))
		which = R_TAG, name = path + strlen(API "/tags/");
	else if (!strcmp(path, API "/stats"))
		which = R_STATS;
	else if (!strcmp(path, API "/network"))
		which = R_NETWORK;
	else if (!strcmp(path, API "/stream"))
		which = R_STREAM;
	else if (!strcmp(path, "/metrics"))
		which = R_METRICS;
	if (which == R_INDEX && !strcmp(path, "/"))
		which = R_NONE; /* the dashboard */
	if (which == R_NONE) {
		/* The dashboard: embedded files by exact path only (no file
		 * system, so nothing to traverse); /tags/NAME is its tag page. */
		const char *want = path;
		if (!strncmp(path, "/tags/", 6) && path[6] && !strchr(path + 6, '/') &&
		    strcmp(path + 6, ".") && strcmp(path + 6, ".."))
			want = "/";
		for (const struct gs_asset *a = gs_assets; a->path; a++)
			if (!strcmp(a->path, want)) {
				if (!get) {
					r->allow = "GET, HEAD";
					reply_error(r, 405, "method not allowed");
					return NULL;
				}
				r->status = 200;
				r->type = a->type;
				r->body = NULL;
				r->len = 0;
				r->asset = a;
				return NULL;
			}
	}
	if (which == R_NONE) {
		reply_error(r, 404, "no such endpoint (see /api/groundswell/v1)");
		return NULL;
	}
	if (!get) {
		r->allow = "GET, HEAD";
		reply_error(r, 405, "method not allowed");
		return NULL;
	}
	if (which == R_INDEX) {
		char *b = strdup(index_json);
		if (b)
			reply_text(r, 200, "application/json; charset=utf-8", b, strlen(b));
		else
			reply_error(r, 500, "out of memory");
		return NULL;
	}
	if (which == R_STREAM)
		return sse_start(s, c, r);
	/* the trends routes serve cached answers, without the lock */
	if (which == R_MTAGS) {
		route_mastodon_tags(s, c, r);
		return NULL;
	}
	if (which == R_TRENDS) {
		route_trends_public(s, r);
		return NULL;
	}
	read_lock(s);
	switch (which) {
	case R_TAG: route_tag(s, c, name, r); break;
	case R_STATS: route_stats(s, r); break;
	case R_NETWORK: route_network(s, c, r); break;
	case R_METRICS: route_metrics(s, r); break;
	default: break;
	}
	pthread_rwlock_unlock(&s->lock);
	return NULL;
}

struct req {
	size_t body; /* bytes of body received */
	int too_big;
};

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void add_common_headers(struct gs_server *s, struct MHD_Response *resp)
{
	if (s->cors) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", s->cors);
		MHD_add_response_header(resp, "Access-Control-Expose-Headers", "Link");
		if (strcmp(s->cors, "*"))
			MHD_add_response_header(resp, "Vary", "Origin");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version,
			       const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	(void)upload;
	struct gs_server *s = cls;
	/* The HTTP threads yield to the pipeline when the CPUs are short:
	 * answers come from the cache and may wait a little, while a pipeline
	 * falling behind a live stream only lags more (bench/serve-load.md).
	 * On Linux a thread's nice value is its own; raising it needs no
	 * privilege. Once per thread. */
	static _Thread_local int niced;
	if (!niced) {
		niced = 1;
		setpriority(PRIO_PROCESS, (id_t)gettid(), HTTP_NICE);
	}
	struct req *q = *con_cls;
	if (!q) {
		q = calloc(1, sizeof *q);
		if (!q)
			return MHD_NO;
		*con_cls = q;
		struct conn *cn = conn_of(c);
		if (cn) {
			pthread_mutex_lock(&s->conn_mu);
			cn->in_request = 1;
			pthread_mutex_unlock(&s->conn_mu);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > s->o.max_request)
			q->too_big = 1;
		else
			return MHD_YES; /* the body, if any, comes next */
	}
	if (*upload_size) {
		q->body += *upload_size;
		if (q->body > s->o.max_request)
			q->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	struct reply r = {0};
	struct MHD_Response *resp = NULL;
	if (q->too_big) {
		reply_error(&r, 413, "request too large");
	} else if (!strcmp(method, "OPTIONS")) {
		reply_text(&r, 204, NULL, NULL, 0);
		r.allow = "GET, HEAD, POST, OPTIONS";
	} else {
		resp = route(s, c, url, method, &r);
	}
	if (!resp && r.ans) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			r.ans->len, r.ans->body, answer_put_cb, r.ans);
		if (!resp) {
			answer_put(r.ans);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", r.type);
	} else if (!resp) {
		resp = r.asset ? MHD_create_response_from_buffer(r.asset->len,
								 (void *)r.asset->data,
								 MHD_RESPMEM_PERSISTENT)
			       : MHD_create_response_from_buffer(r.len, r.body ? r.body : (void *)"",
						       r.body ? MHD_RESPMEM_MUST_FREE
							      : MHD_RESPMEM_PERSISTENT);
		if (!resp) {
			free(r.body);
			free(r.link);
			return MHD_NO;
		}
		if (r.type)
			MHD_add_response_header(resp, "Content-Type", r.type);
		if (r.link)
			MHD_add_response_header(resp, "Link", r.link);
		if (r.allow)
			MHD_add_response_header(resp, "Allow", r.allow);
		if (r.www_auth)
			MHD_add_response_header(resp, "WWW-Authenticate",
						"Bearer realm=\"groundswell\", error=\"invalid_token\"");
		if (r.status == 204 && s->cors) {
			MHD_add_response_header(resp, "Access-Control-Allow-Methods",
						"GET, HEAD, POST, OPTIONS");
			MHD_add_response_header(resp, "Access-Control-Allow-Headers",
						"Authorization, Content-Type, Last-Event-ID");
			MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
		}
		if (r.status != 200 || strstr(url, "/admin"))
			MHD_add_response_header(resp, "Cache-Control", "no-store");
		free(r.link);
	} else {
		r.status = 200;
	}
	add_common_headers(s, resp);
	unsigned cls_i = r.status / 100;
	if (cls_i < 6)
		atomic_fetch_add(&s->http_by_class[cls_i], 1);
	atomic_fetch_add(&s->http_total, 1);
	enum MHD_Result ret = MHD_queue_response(c, r.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct gs_server *s = cls;
	free(*con_cls);
	*con_cls = NULL;
	struct conn *cn = conn_of(c);
	if (cn) {
		pthread_mutex_lock(&s->conn_mu);
		cn->in_request = 0;
		cn->since = gs_now();
		pthread_mutex_unlock(&s->conn_mu);
	}
}

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct gs_server *s = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *cn = calloc(1, sizeof *cn);
		if (!cn)
			return;
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = ci ? ci->connect_fd : -1;
		cn->since = gs_now();
		pthread_mutex_lock(&s->conn_mu);
		cn->next = s->conns;
		if (s->conns)
			s->conns->prev = cn;
		s->conns = cn;
		/* --max-connections: beyond it, closed at once (MHD's own
		 * limit, split among its threads, would leave it waiting) */
		if (++s->nconns > s->o.max_connections && cn->fd >= 0) {
			shutdown(cn->fd, SHUT_RDWR);
			cn->cut = 1;
		}
		pthread_mutex_unlock(&s->conn_mu);
		*socket_context = cn;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		struct conn *cn = *socket_context;
		pthread_mutex_lock(&s->conn_mu);
		if (cn->prev)
			cn->prev->next = cn->next;
		else
			s->conns = cn->next;
		if (cn->next)
			cn->next->prev = cn->prev;
		s->nconns--;
		pthread_mutex_unlock(&s->conn_mu);
		free(cn);
		*socket_context = NULL;
	}
}

/* ---- snapshots --------------------------------------------------------- */

/*
 * DIR/state.snap holds these sections (snapio.h): "GSSV", this server's
 * record (the live path's position, the counters, and each source's
 * position: path, kind, offset, device, inode and counts; last, u8 1 when
 * a per-tag network table follows), then the engine ("GSEN"), the detector
 * ("GSTR"), the whole stream's network ("GSNW") and, when there is one,
 * the per-tag network table (another "GSNW"). All are written under the
 * read lock, so the sources' offsets are exactly those of the lines the
 * engine and the networks have counted. Written to state.snap.tmp, fsync'ed, renamed over
 * state.snap, and the directory fsync'ed: a crash leaves the old snapshot
 * or the new one, never a torn one.
 */
#define SV_MAGIC "GSSV"
#define SV_VERSION 3 /* 2: the networks follow the detector; 3: skipped by kind */
#define SV_MAX_SOURCES 4096

/* A counter array: u32 n, then n u64. A reader keeps the first `have`
 * (counters are only ever appended, so older or newer files agree on
 * those) and refuses more than `most`. */
static void wr_counters(struct gs_wr *w, const uint64_t *v, uint32_t n)
{
	gs_wr_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		gs_wr_u64(w, v[i]);
}

static void rd_counters(struct gs_rd *rd, uint64_t *v, uint32_t have,
			uint32_t most)
{
	uint32_t n = gs_rd_u32(rd);
	if (n > most)
		rd->err = GS_EFORMAT;
	for (uint32_t i = 0; i < n && !rd->err; i++) {
		uint64_t x = gs_rd_u64(rd);
		if (i < have)
			v[i] = x;
	}
}

static void sv_body(struct gs_wr *w, const void *obj)
{
	const struct gs_server *s = obj;
	gs_wr_i64(w, s->o.engine.bucket_ms);
	gs_wr_i64(w, s->l.lateness_buckets);
	gs_wr_i64(w, s->l.next);
	gs_wr_u8(w, (uint8_t)s->l.started);
	gs_wr_u64(w, s->l.late_posts);
	gs_wr_u8(w, (uint8_t)s->finished);
	gs_wr_u64(w, s->lines);
	wr_counters(w, s->malformed_by, REASONS);
	gs_wr_u64(w, s->buckets_closed);
	gs_wr_u64(w, s->trend_changes);
	gs_wr_u64(w, s->posts_in);
	gs_wr_u64(w, s->next_id);
	gs_wr_u64(w, s->future_posts);
	wr_counters(w, s->skipped_by, GS_NONPOST_COUNT);
	gs_wr_u32(w, (uint32_t)s->nsrc);
	for (size_t i = 0; i < s->nsrc; i++) {
		const struct gs_follow_info *fi = &s->src[i].info;
		size_t n = strlen(s->src[i].path);
		gs_wr_u32(w, (uint32_t)n);
		gs_wr_bytes(w, s->src[i].path, n);
		gs_wr_u8(w, (uint8_t)fi->kind);
		gs_wr_u64(w, fi->offset);
		gs_wr_u64(w, fi->dev);
		gs_wr_u64(w, fi->ino);
		gs_wr_u64(w, fi->lines);
		gs_wr_u64(w, fi->too_long);
		gs_wr_u64(w, fi->rotations);
		gs_wr_u64(w, fi->truncations);
	}
	gs_wr_u8(w, s->tagnet ? 1 : 0);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

/* Writes the snapshot; the read lock (at least) is held. */
static int snapshot_write(struct gs_server *s)
{
	char tmp[4096], fin[4096];
	snprintf(tmp, sizeof tmp, "%s/state.snap.tmp", s->state_dir);
	snprintf(fin, sizeof fin, "%s/state.snap", s->state_dir);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return GS_EIO;
	int r = gs_snap_write(f, SV_MAGIC, SV_VERSION, sv_body, s);
	if (!r)
		r = gs_engine_save(s->e, f);
	if (!r)
		r = gs_trend_save(s->t, f);
	if (!r)
		r = gs_network_save(s->net, f);
	if (!r && s->tagnet)
		r = gs_network_save(s->tagnet, f);
	if (!r && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		r = GS_EIO;
	if (fclose(f) != 0 && !r)
		r = GS_EIO;
	if (!r && rename(tmp, fin) != 0)
		r = GS_EIO;
	if (!r)
		fsync_dir(s->state_dir);
	return r;
}

static int snapshot(struct gs_server *s)
{
	if (!s->state_dir)
		return 0;
	double t0 = gs_now();
	pthread_rwlock_rdlock(&s->lock);
	int r = 0;
	if (s->lines != s->snap_lines || s->finished != s->snap_finished || !s->last_snapshot) {
		r = snapshot_write(s);
		if (!r) {
			s->snap_lines = s->lines;
			s->snap_finished = s->finished;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	s->last_snapshot = t0;
	if (r && !s->snap_err)
		logf_(s, "cannot write the snapshot in '%s': %s", s->state_dir,
		      r == GS_EIO ? strerror(errno) : gs_strerror(r));
	s->snap_err = r;
	return r;
}

struct saved_source {
	char *path;
	unsigned kind;
	uint64_t offset, dev, ino, lines, too_long, rotations, truncations;
};

/* Restores DIR/state.snap when there is one: 0 (restored or none), or an
 * error with a message. Sources are opened by the caller from *saved. */
static int snapshot_load(struct gs_server *s, struct saved_source **saved,
			 size_t *nsaved, char *err, size_t errlen)
{
	*saved = NULL;
	*nsaved = 0;
	char fin[4096];
	snprintf(fin, sizeof fin, "%s/state.snap", s->state_dir);
	FILE *f = fopen(fin, "rb");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read '%s': %s", fin, strerror(errno));
		return GS_EIO;
	}
	unsigned char *pl = NULL;
	size_t len = 0;
	int r = gs_snap_read(f, SV_MAGIC, SV_VERSION, &pl, &len);
	struct gs_engine *e = NULL;
	struct gs_trend *t = NULL;
	struct gs_network *net = NULL, *tagnet = NULL;
	/* the record's last byte says whether a per-tag table follows */
	int has_tagnet = !r && len && pl[len - 1] == 1;
	if (!r) {
		e = gs_engine_load(f, &r);
		if (e)
			t = gs_trend_load(f, &r);
		if (t)
			net = gs_network_load(f, &r);
		if (net && has_tagnet)
			tagnet = gs_network_load(f, &r);
	}
	fclose(f);
	if (e) /* the memory bound is this run's, not the snapshot's */
		gs_engine_set_max_bytes(e, s->o.engine.max_bytes);
	if (r || !e || !t || !net || (has_tagnet && !tagnet)) {
		free(pl);
		gs_engine_free(e);
		gs_trend_free(t);
		gs_network_free(net);
		gs_network_free(tagnet);
		snprintf(err, errlen, "cannot restore '%s': %s (move it away to start afresh)", fin,
			 gs_strerror(r ? r : GS_EFORMAT));
		return r ? r : GS_EFORMAT;
	}
	struct gs_rd rd = {pl, pl + len, 0};
	int64_t bucket = gs_rd_i64(&rd);
	int64_t lateness = gs_rd_i64(&rd);
	int64_t next = gs_rd_i64(&rd);
	int started = gs_rd_u8(&rd);
	uint64_t late = gs_rd_u64(&rd);
	int finished = gs_rd_u8(&rd);
	uint64_t lines = gs_rd_u64(&rd);
	uint64_t mal[REASONS] = {0};
	rd_counters(&rd, mal, REASONS, 64);
	uint64_t closed = gs_rd_u64(&rd), changes = gs_rd_u64(&rd), posts_in = gs_rd_u64(&rd);
	uint64_t next_id = gs_rd_u64(&rd);
	uint64_t future = gs_rd_u64(&rd);
	uint64_t skipped_by[GS_NONPOST_COUNT] = {0};
	rd_counters(&rd, skipped_by, GS_NONPOST_COUNT, 256);
	uint32_t ns = gs_rd_u32(&rd);
	struct saved_source *v = NULL;
	if (!rd.err && ns <= SV_MAX_SOURCES)
		v = calloc(ns ? ns : 1, sizeof *v);
	size_t k = 0;
	for (; v && k < ns && !rd.err; k++) {
		uint32_t n = gs_rd_u32(&rd);
		const unsigned char *p = n <= 4096 ? gs_rd_take(&rd, n) : NULL;
		if (!p) {
			rd.err = GS_EFORMAT;
			break;
		}
		v[k].path = strndup((const char *)p, n);
		v[k].kind = gs_rd_u8(&rd);
		v[k].offset = gs_rd_u64(&rd);
		v[k].dev = gs_rd_u64(&rd);
		v[k].ino = gs_rd_u64(&rd);
		v[k].lines = gs_rd_u64(&rd);
		v[k].too_long = gs_rd_u64(&rd);
		v[k].rotations = gs_rd_u64(&rd);
		v[k].truncations = gs_rd_u64(&rd);
		if (!v[k].path)
			rd.err = GS_ENOMEM;
	}
	if (gs_rd_u8(&rd) != has_tagnet)
		rd.err = GS_EFORMAT;
	free(pl);
	struct gs_summary sum;
	gs_engine_summary(e, &sum);
	const char *why = NULL;
	struct gs_network_options no, to;
	gs_network_options_of(net, &no);
	if (tagnet)
		gs_network_options_of(tagnet, &to);
	if (rd.err || !v || gs_rd_left(&rd))
		why = "corrupt server record";
	else if (no.kinds != GS_NET_ACCOUNTS || no.per_tag || no.tag || no.bucket_ms ||
		 (tagnet && (to.kinds != GS_NET_ACCOUNTS || !to.per_tag || to.bucket_ms)))
		why = "its networks are not serve's";
	else if (bucket != s->o.engine.bucket_ms || sum.bucket_ms != bucket)
		why = "it was made with another --bucket";
	if (why) {
		for (size_t i = 0; v && i < k; i++)
			free(v[i].path);
		free(v);
		gs_engine_free(e);
		gs_trend_free(t);
		gs_network_free(net);
		gs_network_free(tagnet);
		snprintf(err, errlen, "cannot restore '%s': %s (move it away to start afresh)",
			 fin, why);
		return GS_EFORMAT;
	}
	(void)lateness;
	gs_engine_free(s->e);
	gs_trend_free(s->t);
	s->e = e;
	s->t = t;
	gs_network_free(s->net);
	s->net = net;
	if (s->tagnet && tagnet && to.max_edges == s->o.tag_network_edges) {
		gs_network_free(s->tagnet);
		s->tagnet = tagnet;
	} else if (s->tagnet && tagnet) {
		/* another --tag-network-edges: the new cap applies (by eviction) */
		if (gs_network_merge(s->tagnet, tagnet))
			logf_(s, "out of memory (network)");
		gs_network_free(tagnet);
	} else {
		if (s->tagnet)
			logf_(s, "the per-tag networks start empty: '%s' has none", fin);
		gs_network_free(tagnet);
	}
	gs_trend_live_init(&s->l, s->e, s->t, s->o.lateness);
	s->l.next = next;
	s->l.started = started;
	s->l.late_posts = late;
	s->finished = finished;
	s->lines = lines;
	memcpy(s->malformed_by, mal, sizeof mal);
	s->buckets_closed = closed;
	s->trend_changes = changes;
	s->posts_in = posts_in;
	s->next_id = next_id ? next_id : 1;
	s->future_posts = future;
	memcpy(s->skipped_by, skipped_by, sizeof s->skipped_by);
	s->snap_lines = lines;
	s->snap_finished = finished;
	/* the detector's events, without announcing them again */
	const struct gs_trend_event *ev;
	size_t n = gs_trend_events(s->t, &ev);
	if (n) {
		s->ev = malloc(n * sizeof *s->ev);
		if (s->ev) {
			memcpy(s->ev, ev, n * sizeof *ev);
			s->nev = n;
		}
	}
	*saved = v;
	*nsaved = k;
	logf_(s, "restored '%s': %llu lines, %llu posts, %zu trend events", fin,
	      (unsigned long long)lines, (unsigned long long)sum.posts, s->nev);
	return 0;
}

/* ---- start and stop ---------------------------------------------------- */

static int parse_listen(const char *spec, struct sockaddr_storage *ss, char *host,
			size_t hostlen)
{
	memset(ss, 0, sizeof *ss);
	const char *colon = strrchr(spec, ':');
	if (!colon)
		return -1;
	long port = parse_uint(colon + 1);
	if (port < 0 || port > 65535)
		return -1;
	size_t hn = (size_t)(colon - spec);
	char h[128];
	if (hn == 0 || hn >= sizeof h)
		return -1;
	memcpy(h, spec, hn);
	h[hn] = 0;
	if (h[0] == '[') {
		if (hn < 3 || h[hn - 1] != ']')
			return -1;
		h[hn - 1] = 0;
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, h + 1, &a->sin6_addr) != 1)
			return -1;
		snprintf(host, hostlen, "[%s]", h + 1);
		return 6;
	}
	if (!strcmp(h, "localhost"))
		snprintf(h, sizeof h, "127.0.0.1");
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, h, &a->sin_addr) != 1)
		return -1;
	snprintf(host, hostlen, "%s", h);
	return 4;
}

static void free_server(struct gs_server *s)
{
	for (size_t i = 0; i < s->nsrc; i++) {
		gs_follow_close(s->src[i].f);
		free(s->src[i].path);
	}
	free(s->src);
	for (size_t i = 0; i < s->ring_n; i++)
		ring_ev_free(&s->ring[(s->ring_head + i) % s->ring_cap]);
	free(s->ring);
	free(s->mods);
	free(s->ev);
	if (s->admin_log)
		fclose(s->admin_log);
	gs_parser_free(s->ps);
	gs_trend_free(s->t);
	gs_engine_free(s->e);
	gs_network_free(s->net);
	gs_network_free(s->tagnet);
	free(s->listen_host);
	free(s->public_url);
	free(s->cors);
	free(s->admin_log_path);
	free(s->state_dir);
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->turn);
	pthread_mutex_destroy(&s->ring_mu);
	pthread_mutex_destroy(&s->mod_mu);
	pthread_mutex_destroy(&s->conn_mu);
	answer_put(s->ac_trends.cur);
	answer_put(s->ac_mtags.cur);
	pthread_mutex_destroy(&s->ac_trends.mu);
	pthread_mutex_destroy(&s->ac_trends.build);
	pthread_mutex_destroy(&s->ac_mtags.mu);
	pthread_mutex_destroy(&s->ac_mtags.build);
	sodium_memzero(s->token_hash, sizeof s->token_hash);
	free(s);
}

int gs_server_start(const struct gs_server_options *o, struct gs_server **out,
		    char *err, size_t errlen)
{
	*out = NULL;
	struct sockaddr_storage ss;
	char host[160];
	int fam = parse_listen(o->listen ? o->listen : "127.0.0.1:8080", &ss, host, sizeof host);
	if (fam < 0) {
		snprintf(err, errlen, "invalid --listen '%s' (use ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)",
			 o->listen);
		return GS_EUSAGE;
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot initialise");
		return GS_EIO;
	}
	struct gs_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return GS_ENOMEM;
	}
	s->o = *o;
	if (!s->o.max_connections)
		s->o.max_connections = 128;
	if (!s->o.timeout_s)
		s->o.timeout_s = 30;
	if (s->o.max_request < 4096)
		s->o.max_request = 4096;
	if (s->o.lateness < 0)
		s->o.lateness = 0;
	if (!s->o.engine.bucket_ms) {
		struct gs_engine_options d;
		gs_engine_options_init(&d);
		s->o.engine.bucket_ms = d.bucket_ms;
	}
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&s->turn, NULL);
	pthread_mutex_init(&s->ring_mu, NULL);
	pthread_mutex_init(&s->mod_mu, NULL);
	pthread_mutex_init(&s->conn_mu, NULL);
	pthread_mutex_init(&s->ac_trends.mu, NULL);
	pthread_mutex_init(&s->ac_trends.build, NULL);
	pthread_mutex_init(&s->ac_mtags.mu, NULL);
	pthread_mutex_init(&s->ac_mtags.build, NULL);
	s->pend_from = INT64_MIN;
	s->next_id = 1;
	s->ring_cap = o->stream_backlog;
	s->started = s->last_input = gs_now();
	s->listen_host = strdup(host);
	if (o->public_url) {
		s->public_url = strdup(o->public_url);
		size_t n = s->public_url ? strlen(s->public_url) : 0;
		while (n && s->public_url[n - 1] == '/')
			s->public_url[--n] = 0;
	}
	s->cors = o->cors ? strdup(o->cors) : NULL;
	s->e = gs_engine_new(&s->o.engine);
	s->t = s->e ? gs_trend_new(&s->o.trend, s->o.engine.bucket_ms) : NULL;
	s->ps = gs_parser_new(o->format, o->max_line);
	s->net = gs_network_new(NULL);
	if (o->tag_network_edges) {
		struct gs_network_options no;
		gs_network_options_init(&no);
		no.per_tag = 1;
		no.max_edges = no.max_nodes = o->tag_network_edges;
		if (!(s->tagnet = gs_network_new(&no))) {
			snprintf(err, errlen, "invalid --tag-network-edges %zu (0, or 1024 or more)",
				 o->tag_network_edges);
			free_server(s);
			return GS_EUSAGE;
		}
	}
	s->ring = s->ring_cap ? calloc(s->ring_cap, sizeof *s->ring) : NULL;
	s->src = calloc(o->nsources ? o->nsources : 1, sizeof *s->src);
	if (!s->listen_host || (o->public_url && !s->public_url) || (o->cors && !s->cors) ||
	    !s->e || !s->ps || !s->net || (s->ring_cap && !s->ring) || !s->src) {
		int bad_trend = s->e && !s->t; /* read before s is freed */
		snprintf(err, errlen, bad_trend ? "invalid trend options" : "out of memory");
		free_server(s);
		return bad_trend ? GS_EUSAGE : GS_ENOMEM;
	}
	if (!s->t) {
		snprintf(err, errlen, "invalid trend options");
		free_server(s);
		return GS_EUSAGE;
	}
	gs_trend_live_init(&s->l, s->e, s->t, s->o.lateness);
	if (o->admin_token && *o->admin_token) {
		crypto_generichash(s->token_hash, sizeof s->token_hash,
				   (const unsigned char *)o->admin_token, strlen(o->admin_token),
				   NULL, 0);
		s->have_token = 1;
	}
	if (o->admin_log) {
		admin_replay(s, o->admin_log);
		s->admin_log = fopen(o->admin_log, "a");
		if (!s->admin_log) {
			snprintf(err, errlen, "cannot append to '%s': %s", o->admin_log, strerror(errno));
			free_server(s);
			return GS_EIO;
		}
	}
	struct saved_source *saved = NULL;
	size_t nsaved = 0;
	if (o->state_dir) {
		s->state_dir = strdup(o->state_dir);
		if (!s->state_dir) {
			snprintf(err, errlen, "out of memory");
			free_server(s);
			return GS_ENOMEM;
		}
		if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create '%s': %s", o->state_dir, strerror(errno));
			free_server(s);
			return GS_EIO;
		}
		int r = snapshot_load(s, &saved, &nsaved, err, errlen);
		if (r) {
			free_server(s);
			return r;
		}
	}
	for (size_t i = 0; i < o->nsources; i++) {
		const struct saved_source *sv = NULL;
		for (size_t j = 0; j < nsaved && !sv; j++)
			if (!strcmp(saved[j].path, o->sources[i]) && strcmp(o->sources[i], "-"))
				sv = &saved[j];
		s->src[i].path = strdup(o->sources[i]);
		s->src[i].f = !s->src[i].path ? NULL
			: sv ? gs_follow_open(o->sources[i], o->max_line, sv->offset, sv->dev, sv->ino)
			     : gs_follow_open(o->sources[i], o->max_line, 0, 0, 0);
		if (sv) {
			s->src[i].base_lines = sv->lines;
			s->src[i].base_too_long = sv->too_long;
			s->src[i].base_rotations = sv->rotations;
			s->src[i].base_truncations = sv->truncations;
		}
		s->nsrc = i + 1;
		if (!s->src[i].f) {
			for (size_t j = 0; j < nsaved; j++)
				free(saved[j].path);
			free(saved);
			snprintf(err, errlen, "out of memory");
			free_server(s);
			return GS_ENOMEM;
		}
		source_info(&s->src[i]);
		/* a file that is not there (yet) is followed until it appears,
		 * as tail -F does; but say so now, as a typo looks the same */
		if (strcmp(o->sources[i], "-") && !gs_net_kind(o->sources[i])) {
			int fd = open(o->sources[i],
				      O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0) {
				close(fd);
			} else {
				s->src[i].absent = 1;
				if (errno == ENOENT)
					logf_(s,
					      "warning: source '%s' does not exist; following it "
					      "until it appears (as tail -F)",
					      o->sources[i]);
				else
					logf_(s,
					      "warning: cannot read source '%s': %s; retrying until "
					      "it can be read",
					      o->sources[i], strerror(errno));
			}
		}
	}
	for (size_t j = 0; j < nsaved; j++)
		free(saved[j].path);
	free(saved);
	/* a few threads, each serving many connections (epoll), rather than a
	 * thread per connection: with many busy connections those threads
	 * took the CPU from the pipeline (bench/serve-load.md) */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu < 2 ? 2 : ncpu > HTTP_THREADS_MAX ? HTTP_THREADS_MAX : (unsigned)ncpu;
	if (fam == 6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, 2 * (unsigned)s->o.max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->o.max_request,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, notify_conn, s,
				MHD_OPTION_THREAD_POOL_SIZE, threads,
				MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "cannot listen on %s: %s", o->listen,
			 errno ? strerror(errno) : "unknown error");
		free_server(s);
		return GS_EIO;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	if (!s->public_url) {
		char buf[256];
		snprintf(buf, sizeof buf, "http://%s:%u", host, s->port);
		s->public_url = strdup(buf);
		if (!s->public_url) {
			MHD_stop_daemon(s->d);
			free_server(s);
			snprintf(err, errlen, "out of memory");
			return GS_ENOMEM;
		}
	}
	if (pthread_create(&s->thr, NULL, pipeline, s) != 0) {
		MHD_stop_daemon(s->d);
		free_server(s);
		snprintf(err, errlen, "cannot start a thread");
		return GS_ENOMEM;
	}
	s->thr_started = 1;
	*out = s;
	return 0;
}

unsigned gs_server_port(const struct gs_server *s)
{
	return s->port;
}

void gs_server_tick(struct gs_server *s)
{
	/* request headers overdue (slowloris) or idle keep-alive: cut */
	double now = gs_now();
	pthread_mutex_lock(&s->conn_mu);
	for (struct conn *c = s->conns; c; c = c->next)
		if (!c->in_request && !c->cut && c->fd >= 0 &&
		    now - c->since > (double)s->o.timeout_s) {
			shutdown(c->fd, SHUT_RDWR);
			c->cut = 1;
			atomic_fetch_add(&s->conns_cut, 1);
		}
	pthread_mutex_unlock(&s->conn_mu);
	/* waiting streams whose keep-alive is due */
	pthread_mutex_lock(&s->ring_mu);
	sse_wake(s, now);
	pthread_mutex_unlock(&s->ring_mu);
	if (s->state_dir && (now - s->last_snapshot) * 1000 >= (double)s->o.snapshot_every_ms)
		snapshot(s);
}

int gs_server_stop(struct gs_server *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->ring_mu);
	s->ring_stop = 1;
	sse_wake(s, 0); /* MHD must not be stopped with suspended connections */
	pthread_mutex_unlock(&s->ring_mu);
	if (s->d)
		MHD_stop_daemon(s->d);
	atomic_store(&s->stop, 1);
	if (s->thr_started)
		pthread_join(s->thr, NULL);
	int r = 0;
	if (s->state_dir) {
		s->last_snapshot = 0; /* written even when nothing changed */
		r = snapshot(s);
	}
	free_server(s);
	return r;
}
