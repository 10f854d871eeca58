/*
 * server_answers.c - the answers read from the engine: trend events,
 * Mastodon's trending tags, one tag, the networks; the caches that share
 * them between requests; and the queue through which requests have the
 * pipeline build them (server_int.h).
 *
 * No HTTP thread reads the engine, the detector or the networks: a request
 * whose answer is not cached (fresh enough) queues a job (struct job) and
 * waits for it; the pipeline builds the jobs between batches (it is the
 * only writer, so it reads without the lock, and an answer sees one batch
 * boundary). While input keeps coming the pipeline gives the jobs at most
 * JOB_SHARE of its time, so that however many clients ask, ingest keeps
 * most of its rate. Identical requests share one job and one answer; at
 * most HEAVY_QUEUE distinct /tags/NAME and /network answers wait to be
 * built (beyond: 503 with Retry-After); an answer over --max-answer bytes
 * is refused (413) rather than built whole.
 */
#include "server_int.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "count/handles.h"
#include "input/fold.h"
#include "out/json_writer.h"
#include "out/network_write.h"
#include "out/trend_json.h"

/* While input keeps coming, the cached trends answers asked for within
 * ANSWER_ASKED_S seconds are rebuilt every ANSWER_MAX_AGE_MS; an answer
 * older than ANSWER_STALE_MS is rebuilt on request. Mastodon's list is
 * kept rendered down to the deepest page asked for, in blocks of
 * MTAGS_CACHED entries. */
#define ANSWER_MAX_AGE_MS 100
#define ANSWER_ASKED_S	  10
#define ANSWER_STALE_MS	  1000
#define MTAGS_CACHED	  40

/* /tags/NAME and /network: while input keeps coming an answer is rebuilt
 * once older than HEAVY_MAX_AGE_MS, and served meanwhile until it is older
 * than HEAVY_STALE_MS; once the input is drained, only an exact one is. At
 * most HEAVY_QUEUE distinct ones wait to be built; the last HEAVY_CACHE are
 * kept, their bodies HEAVY_CACHE_BYTES at most (the newest is kept whatever
 * its size, up to --max-answer); one refused for its size is kept for
 * HEAVY_OVER_MS while input keeps coming. While input keeps coming, the
 * pipeline spends at most JOB_SHARE of its time building answers. */
#define HEAVY_MAX_AGE_MS  1000
#define HEAVY_STALE_MS	  5000
#define HEAVY_OVER_MS	  60000 /* an answer refused for its size (413) */
#define HEAVY_QUEUE	  4
#define HEAVY_CACHE	  16
#define HEAVY_CACHE_BYTES ((size_t)64 << 20)
#define JOB_SHARE	  0.1
#define RETRY_AFTER_S	  1
#define RENDER_NICE	  19 /* the renderer thread's, as the HTTP threads' */

/* What a request asks the pipeline to build. */
struct job {
	struct job *next;
	enum job_kind kind;
	char *key;   /* JOB_TAG, JOB_NETWORK: the answer's key in the cache */
	size_t upto; /* JOB_MTAGS: entries to render */
	/* JOB_TAG */
	char *name;
	long top;
	/* JOB_NETWORK */
	int fmt;
	struct gs_network_output no;
	char tag[GS_TAG_MAX + 1]; /* the folded tag (has_tag) */
	int has_tag;
	/* JOB_NETWORK, prepared by the pipeline for the renderer: the
	 * network (a copy), the versions it is of, the summary's display */
	struct netcopy *nc;    /* the whole stream's, saved, or */
	struct gs_network *tn; /* the tag's, extracted */
	uint64_t gen, mod_gen;
	double built;
	char *display;
	struct MHD_Connection **conns; /* suspended until it is built */
	size_t nconns, capconns;
};

/* A growing text buffer that refuses to grow beyond max bytes (a stdio
 * stream: the writers write to a FILE). */
struct capped {
	char *buf;
	size_t len, size, max;
	int over, oom;
	const atomic_int *stop; /* when set (the server stopping), give up */
};

static ssize_t capped_write(void *cookie, const char *b, size_t n)
{
	struct capped *k = cookie;
	if (k->over || k->oom || (k->stop && atomic_load(k->stop)))
		return -1;
	if (n > k->max - k->len) {
		k->over = 1;
		return -1;
	}
	if (k->len + n > k->size) {
		size_t ns = k->size ? k->size : 4096;
		while (ns < k->len + n)
			ns *= 2;
		if (ns > k->max)
			ns = k->max;
		char *nb = realloc(k->buf, ns);
		if (!nb) {
			k->oom = 1;
			return -1;
		}
		k->buf = nb;
		k->size = ns;
	}
	memcpy(k->buf + k->len, b, n);
	k->len += n;
	return (ssize_t)n;
}

static FILE *capped_open(struct capped *k, size_t max)
{
	memset(k, 0, sizeof *k);
	k->max = max;
	return fopencookie(k, "w",
			   (cookie_io_functions_t){.write = capped_write});
}

/* Closes f and fills r with its text (type), or with the error: 413 when
 * it went over --max-answer, 500 when memory ran out (or failed: the
 * writer's error). */
static void capped_reply(struct gs_server *s, struct reply *r, FILE *f,
			 struct capped *k, const char *type, int failed)
{
	if (fclose(f) != 0 || failed || k->over || k->oom) {
		free(k->buf);
		if (!k->over) {
			gs_server_reply_error(r, 500, "out of memory");
			return;
		}
		atomic_fetch_add(&s->answers_over, 1);
		char msg[200];
		snprintf(msg, sizeof msg,
			 "the answer would exceed --max-answer (%zu bytes): "
			 "ask for less (network: top_nodes=, min_weight=, "
			 "kind=, tag=)",
			 s->o.max_answer);
		gs_server_reply_error(r, 413, msg);
		return;
	}
	gs_server_reply_text(r, 200, type, k->buf, k->len);
}

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

size_t gs_server_ranked(struct gs_server *s, const struct gs_engine *eng,
			const struct gs_trend_event *ev, size_t nev,
			struct ranked **out)
{
	struct gs_summary sum;
	gs_engine_summary(eng, &sum);
	struct ranked *v = calloc(nev ? nev : 1, sizeof *v);
	size_t n = 0;
	if (!v) {
		*out = NULL;
		return 0;
	}
	int64_t recent = sum.posts ? sum.last_ms - GS_MS_DAY : INT64_MAX;
	for (size_t i = 0; i < nev; i++) {
		const struct gs_trend_event *e = &ev[i];
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

static size_t mastodon_trends(struct gs_server *s, struct ranked **out)
{
	return gs_server_ranked(s, s->e, s->ev, s->nev, out);
}

/* history: 7 UTC days, newest first, counted back from the newest post's
 * day (event time, so that a replayed archive shows its own days). */
static void tag_history(const struct gs_engine *e, FILE *f, const char *key,
			int64_t today)
{
	fputs("[", f);
	for (int i = 0; i < 7; i++) {
		int64_t day = today - (int64_t)i * GS_MS_DAY;
		uint64_t posts = 0;
		double accounts = 0;
		gs_engine_span(e, key, day, day + GS_MS_DAY - 1, &posts,
			       &accounts);
		fprintf(f,
			"%s{\"day\":\"%lld\",\"accounts\":\"%.0f\",\"uses\":\"%llu\"}",
			i ? "," : "", (long long)(day / 1000), accounts,
			(unsigned long long)posts);
	}
	fputs("]", f);
}

void gs_server_mtag_entry(struct gs_server *s, const struct gs_engine *e,
			  FILE *f, const struct gs_trend_event *ev,
			  int64_t today)
{
	struct gs_tag_stats st;
	const char *name = ev->key;
	if (gs_engine_tag(e, name, strlen(name), &st) == 0)
		name = st.display;
	fputs("{\"name\":", f);
	gs_json_str(f, name);
	fputs(",\"url\":", f);
	tag_url_json(f, s->public_url, name);
	fputs(",\"history\":", f);
	tag_history(e, f, ev->key, today);
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
		gs_trend_json(o.f, s->e, &row, s->o.trend.scorer, s->o.pseudo);
		if (admin)
			fprintf(o.f, ",\"visible\":%s", vis ? "true" : "false");
		fputc('}', o.f);
	}
	fputs("\n]\n", o.f);
	gs_server_reply_out(r, &o);
}

void gs_server_answer_put(struct answer *a)
{
	if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	free(a->body);
	for (size_t i = 0; i < a->nent; i++)
		free(a->ent[i]);
	free(a->ent);
	free(a->key);
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

/* A new answer stamped with the versions it is built from (by the
 * pipeline, between batches, so the data cannot change; moderation read
 * before it is used). */
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
 * ANSWER_STALE_MS, as after a pause in the requests, it is rebuilt)? */
static int answer_fresh(struct gs_server *s, const struct answer *a)
{
	if (!a || a->mod_gen != atomic_load(&s->mod_gen))
		return 0;
	if (a->gen == atomic_load(&s->data_gen))
		return 1;
	return atomic_load(&s->more) &&
	       (gs_now() - a->built) * 1000 < ANSWER_STALE_MS;
}

/* Does a hold the entries of Mastodon's list up to upto (or all)? */
static int answer_covers(const struct answer *a, size_t upto)
{
	return a->nent >= upto || a->nent == a->n;
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

/* The public /trends (by the pipeline). */
static struct answer *build_trends(struct gs_server *s, size_t upto)
{
	(void)upto;
	struct answer *a = answer_new(s);
	if (!a)
		return NULL;
	atomic_fetch_add(&s->builds[JOB_TRENDS], 1);
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

/* Mastodon's list, its first upto entries rendered (by the pipeline). */
static struct answer *build_mtags(struct gs_server *s, size_t upto)
{
	struct answer *a = answer_new(s);
	if (!a)
		return NULL;
	atomic_fetch_add(&s->builds[JOB_MTAGS], 1);
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
		gs_server_mtag_entry(s, s->e, o.f, v[i].ev, today);
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

/* Entries of Mastodon's list kept rendered: the deepest page asked for,
 * rounded up to MTAGS_CACHED. */
static size_t mtags_upto(struct gs_server *s, size_t want)
{
	size_t u = atomic_load(&s->ac_mtags.upto);
	if (want > u)
		u = want;
	return u < MTAGS_CACHED ? MTAGS_CACHED : u;
}

/* While input keeps coming, the pipeline rebuilds the answers asked for in
 * the last ANSWER_ASKED_S seconds every ANSWER_MAX_AGE_MS (the write lock
 * held, after a batch), so that requests seldom wait for a job. */
void gs_server_answers_refresh(struct gs_server *s)
{
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
		a = i == 0 ? build_trends(s, 0)
			   : build_mtags(s, mtags_upto(s, 0));
		if (a)
			answer_publish(c, a);
	}
}

/* ---- jobs: answers built by the pipeline -------------------------------- */

/* The whole stream's network as gs_network_save wrote it: a consistent
 * copy, taken by the pipeline at a batch boundary (a memcpy-like pass),
 * loaded and rendered by the renderer thread; shared by the network
 * answers of one version (refcounted, immutable). */
struct netcopy {
	atomic_uint refs;
	uint64_t gen;
	double at;
	char *buf;
	size_t len;
};

static void netcopy_put(struct netcopy *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
		free(c->buf);
		free(c);
	}
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->key);
	free(j->name);
	free(j->conns);
	netcopy_put(j->nc);
	gs_network_free(j->tn);
	free(j->display);
	free(j);
}

static int job_heavy(const struct job *j)
{
	return j->kind == JOB_TAG || j->kind == JOB_NETWORK;
}

/* Queues j (taken over), or finds the same job queued (j freed): returns
 * the job to wait for, or NULL (j freed): stopping, or HEAVY_QUEUE heavy
 * jobs wait already. jobs_mu held. */
static struct job *job_submit(struct gs_server *s, struct job *j)
{
	struct job **pp = &s->jobs;
	for (; *pp && !s->jobs_closed; pp = &(*pp)->next) {
		struct job *q = *pp;
		if (q->kind == j->kind &&
		    (!q->key || !j->key || !strcmp(q->key, j->key))) {
			if (j->upto > q->upto)
				q->upto = j->upto;
			job_free(j);
			return q;
		}
	}
	/* a heavy answer being built or rendered is as fresh as a new one */
	struct job *busy[] = {s->job_building, s->rendering, s->render_q};
	for (int i = 0; i < 3 && job_heavy(j) && !s->jobs_closed; i++)
		for (struct job *q = busy[i]; q; q = i == 2 ? q->next : NULL)
			if (q->kind == j->kind && !strcmp(q->key, j->key)) {
				job_free(j);
				return q;
			}
	if (s->jobs_closed || (job_heavy(j) && s->njobs >= HEAVY_QUEUE)) {
		if (!s->jobs_closed)
			atomic_fetch_add(&s->jobs_refused, 1);
		job_free(j);
		return NULL;
	}
	j->next = NULL;
	*pp = j;
	s->njobs += job_heavy(j);
	uint64_t one = 1;
	if (write(s->jobs_efd, &one, sizeof one) < 0) {
		/* the counter is full: the pipeline is awake anyway */
	}
	return j;
}

/* Suspends connection c until job q is done (jobs_mu held): the HTTP
 * thread serves its other connections meanwhile, and the handler is called
 * again once the pipeline resumes c. */
static int job_wait(struct job *q, struct MHD_Connection *c, struct reply *r)
{
	if (q->nconns == q->capconns) {
		size_t n = q->capconns ? 2 * q->capconns : 4;
		struct MHD_Connection **v = realloc(q->conns, n * sizeof *v);
		if (!v)
			return GS_ENOMEM;
		q->conns = v;
		q->capconns = n;
	}
	q->conns[q->nconns++] = c;
	MHD_suspend_connection(c);
	r->suspend = 1;
	return 0;
}

/* Resumes the connections waiting for q (jobs_mu held). */
static void job_wake(struct job *q)
{
	for (size_t i = 0; i < q->nconns; i++)
		MHD_resume_connection(q->conns[i]);
	q->nconns = 0;
}

static void reply_busy(struct gs_server *s, struct reply *r)
{
	gs_server_reply_error(
		r, 503,
		s->jobs_closed
			? "the server is stopping"
			: "too many answers are being built; retry later");
	r->retry_after = RETRY_AFTER_S;
}

/* The answer of the Mastodon list or /trends (kind), with at least upto
 * entries of the list, built by the pipeline if none is fresh: returns a
 * reference (put it), or NULL with r->suspend set (c waits for the
 * pipeline) or not (503). A request resumed after waiting takes the answer
 * there is. */
static struct answer *answer_get(struct gs_server *s, struct MHD_Connection *c,
				 struct reply *r, enum job_kind kind,
				 size_t upto)
{
	struct answer_cache *ac =
		kind == JOB_TRENDS ? &s->ac_trends : &s->ac_mtags;
	long long now = (long long)gs_now();
	if (atomic_load(&ac->asked) != now)
		atomic_store(&ac->asked, now);
	struct answer *a = answer_ref(ac);
	if (a && (r->resumed || (answer_fresh(s, a) && answer_covers(a, upto))))
		return a;
	if (r->resumed)
		return NULL;
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return a;
	j->kind = kind;
	j->upto = upto;
	pthread_mutex_lock(&s->jobs_mu);
	struct job *q = job_submit(s, j);
	if (q && job_wait(q, c, r) == 0) {
		pthread_mutex_unlock(&s->jobs_mu);
		gs_server_answer_put(a);
		return NULL;
	}
	pthread_mutex_unlock(&s->jobs_mu);
	return a; /* stopping: what there is */
}

/* ---- the cache of /tags/NAME and /network answers (jobs_mu held) ------- */

static struct answer *hc_find(struct gs_server *s, const char *key)
{
	for (size_t i = 0; s->hc && i < HEAVY_CACHE; i++) {
		struct answer *a = s->hc[i];
		if (a && !strcmp(a->key, key)) {
			atomic_fetch_add(&a->refs, 1);
			a->used = gs_now();
			return a;
		}
	}
	return NULL;
}

static void hc_drop(struct gs_server *s, size_t i)
{
	s->hc_bytes -= s->hc[i]->len;
	gs_server_answer_put(s->hc[i]);
	s->hc[i] = NULL;
}

/* The least recently served entry but keep, or HEAVY_CACHE: none. */
static size_t hc_lru(struct gs_server *s, size_t keep)
{
	size_t k = HEAVY_CACHE;
	for (size_t i = 0; i < HEAVY_CACHE; i++)
		if (i != keep && s->hc[i] &&
		    (k == HEAVY_CACHE || s->hc[i]->used < s->hc[k]->used))
			k = i;
	return k;
}

/* Keeps a (taken over) as the answer of its key, dropping the least
 * recently served ones beyond HEAVY_CACHE entries or HEAVY_CACHE_BYTES. */
static void hc_put(struct gs_server *s, struct answer *a)
{
	if (!s->hc && !(s->hc = calloc(HEAVY_CACHE, sizeof *s->hc))) {
		gs_server_answer_put(a);
		return;
	}
	size_t slot = HEAVY_CACHE;
	for (size_t i = 0; i < HEAVY_CACHE && slot == HEAVY_CACHE; i++)
		if (s->hc[i] && !strcmp(s->hc[i]->key, a->key))
			hc_drop(s, slot = i);
	for (size_t i = 0; i < HEAVY_CACHE && slot == HEAVY_CACHE; i++)
		if (!s->hc[i])
			slot = i;
	if (slot == HEAVY_CACHE)
		hc_drop(s, slot = hc_lru(s, HEAVY_CACHE));
	s->hc[slot] = a;
	s->hc_bytes += a->len;
	a->used = gs_now();
	size_t k;
	while (s->hc_bytes > HEAVY_CACHE_BYTES &&
	       (k = hc_lru(s, slot)) < HEAVY_CACHE)
		hc_drop(s, k);
}

/* Fills r with a (a reference, taken over): a 200 is sent from the shared
 * body, an error copied. */
static void serve_answer(struct reply *r, struct answer *a)
{
	if (a->status == 200) {
		gs_server_reply_text(r, 200, a->type, NULL, a->len);
		r->ans = a;
		return;
	}
	char *b = a->len ? malloc(a->len) : NULL;
	if (b)
		memcpy(b, a->body, a->len);
	gs_server_reply_text(r, a->status, a->type, b, b ? a->len : 0);
	gs_server_answer_put(a);
}

/* The answer of j's key (/tags/NAME, /network): from the cache when fresh
 * (or, while input keeps coming, not older than HEAVY_STALE_MS: a rebuild
 * is queued meanwhile), else built by the pipeline while c waits (j taken
 * over). */
static void heavy_answer(struct gs_server *s, struct MHD_Connection *c,
			 struct job *j, struct reply *r)
{
	pthread_mutex_lock(&s->jobs_mu);
	struct answer *a = hc_find(s, j->key);
	int fresh = 0, usable = 0;
	if (a && a->mod_gen == atomic_load(&s->mod_gen)) {
		double age = (gs_now() - a->built) * 1000;
		int more = atomic_load(&s->more);
		/* a network only grows while input keeps coming: an answer
		 * over --max-answer stays so for a while */
		double max_age =
			a->status == 413 ? HEAVY_OVER_MS : HEAVY_MAX_AGE_MS;
		fresh = a->gen == atomic_load(&s->data_gen) ||
			(more && age < max_age);
		usable = more && age < HEAVY_STALE_MS;
	}
	if (a && (fresh || r->resumed)) {
		pthread_mutex_unlock(&s->jobs_mu);
		job_free(j);
		serve_answer(r, a);
		return;
	}
	if (r->resumed) { /* waited, and nothing came of it */
		pthread_mutex_unlock(&s->jobs_mu);
		job_free(j);
		gs_server_answer_put(a);
		reply_busy(s, r);
		return;
	}
	struct job *q = job_submit(s, j);
	if (a && usable) {
		pthread_mutex_unlock(&s->jobs_mu);
		serve_answer(r, a);
		return;
	}
	gs_server_answer_put(a);
	if (!q || job_wait(q, c, r) != 0)
		reply_busy(s, r);
	pthread_mutex_unlock(&s->jobs_mu);
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
	size_t end = (size_t)offset + (size_t)limit;
	/* pages are cached in blocks of MTAGS_CACHED entries */
	size_t upto = (end + MTAGS_CACHED - 1) / MTAGS_CACHED * MTAGS_CACHED;
	struct answer *a = answer_get(s, c, r, JOB_MTAGS, upto);
	if (r->suspend)
		return;
	if (!a) {
		reply_busy(s, r);
		return;
	}
	struct out o;
	if (out_open(&o)) {
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
	gs_server_page_link(s, r, "", ls, limit, offset, shown);
}

/* The Link header of a page of Mastodon's trends/tags list, as Mastodon's
 * pagination writes it: next when the page is full, prev past the first;
 * query is put before limit and offset (e.g. "language=pt&", or ""). */
void gs_server_page_link(struct gs_server *s, struct reply *r,
			 const char *query, const char *ls, long limit,
			 long offset, size_t shown)
{
	struct out lk;
	if (r->status != 200 || out_open(&lk))
		return;
	int any = 0;
	if (limit > 0 && shown == (size_t)limit) {
		fprintf(lk.f, "<%s/api/v1/trends/tags?%s", s->public_url,
			query);
		if (ls)
			fprintf(lk.f, "limit=%ld&", limit);
		fprintf(lk.f, "offset=%ld>; rel=\"next\"", offset + limit);
		any = 1;
	}
	if (offset > 0) {
		fprintf(lk.f, "%s<%s/api/v1/trends/tags?%s", any ? ", " : "",
			s->public_url, query);
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
void gs_server_trends(struct gs_server *s, struct MHD_Connection *c,
		      struct reply *r)
{
	struct answer *a = answer_get(s, c, r, JOB_TRENDS, 0);
	if (r->suspend)
		return;
	if (!a) {
		reply_busy(s, r);
		return;
	}
	gs_server_reply_text(r, 200, "application/json; charset=utf-8", NULL,
			     a->len);
	r->ans = a;
}

/* A list of counts; with e, accounts, each with its handle (the
 * account's pseudonym under ps; null when none is known). */
static void counts_json(FILE *f, const char *field, const struct gs_count *v,
			size_t n, const char *name, const struct gs_pseudo *ps,
			const struct gs_engine *e)
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
		if (e) {
			const char *h = gs_engine_handle(e, v[i].name);
			fputs(",\"handle\":", f);
			if (h)
				gs_json_str(f, ps ? x : h);
			else
				fputs("null", f);
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
	if (!*name) {
		gs_server_reply_error(r, 404, "tag not found");
		return;
	}
	struct job *j = calloc(1, sizeof *j);
	struct out k;
	if (!j || out_open(&k)) {
		free(j);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fprintf(k.f, "tag %ld %s", top, name);
	j->kind = JOB_TAG;
	j->top = top;
	j->key = out_close(&k, NULL);
	j->name = strdup(name);
	if (!j->key || !j->name) {
		job_free(j);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	heavy_answer(s, c, j, r);
}

/* The answer of /tags/NAME (by the pipeline), at most max bytes. */
static void tag_build(struct gs_server *s, const struct job *j, struct reply *r)
{
	const char *name = j->name;
	long top = j->top;
	struct gs_tag_stats t;
	if (gs_engine_tag(s->e, name, strlen(name), &t) != 0 ||
	    !gs_server_visible(s, t.key, INT64_MIN, 0)) {
		gs_server_reply_error(r, 404, "tag not found");
		return;
	}
	struct gs_bucket_stats *tl;
	enum gs_timeline_cover cover = GS_TIMELINE_INPUT;
	ptrdiff_t ntl = gs_engine_timeline_cover(s->e, t.key, &tl, &cover);
	struct gs_count *v = calloc((size_t)top + 1, sizeof *v);
	struct capped o;
	FILE *f = NULL;
	if (ntl < 0 || !v || !(f = capped_open(&o, s->o.max_answer))) {
		if (ntl >= 0)
			free(tl);
		free(v);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
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
	counts_json(f, "co_tags", v, n, "tag", NULL, NULL);
	n = gs_engine_languages(s->e, t.key, v, (size_t)top);
	counts_json(f, "languages", v, n, "language", NULL, NULL);
	n = gs_engine_mentions(s->e, t.key, v, (size_t)top);
	counts_json(f, "mentions", v, n, "account", s->o.pseudo, s->e);
	/* issue 12 part 4: as tag --json gives them (no links under a
	 * pseudonymisation key: a link can name an account) */
	if (!s->o.pseudo) {
		n = gs_engine_urls(s->e, t.key, v, (size_t)top);
		counts_json(f, "urls", v, n, "url", NULL, NULL);
	}
	n = gs_engine_domains(s->e, t.key, v, (size_t)top);
	counts_json(f, "domains", v, n, "domain", NULL, NULL);
	free(v);
	fputs("}\n", f);
	capped_reply(s, r, f, &o, "application/json; charset=utf-8", 0);
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
 * A hidden or banned tag is not found (404), as at /tags/NAME. The
 * parameters are checked here; the pipeline builds the answer (net_build).
 */
void gs_server_network(struct gs_server *s, struct MHD_Connection *c,
		       struct reply *r)
{
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
	char key[GS_TAG_MAX + 1] = "";
	if (tag) {
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
	}
	struct job *j = calloc(1, sizeof *j);
	struct out kb;
	if (!j || out_open(&kb)) {
		free(j);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fprintf(kb.f, "network %d %u %llu %zu %zu %s", fmt, no.kinds,
		(unsigned long long)no.min_weight, no.top_nodes, no.top_list,
		tag ? key : "-");
	j->kind = JOB_NETWORK;
	j->fmt = fmt;
	j->no = no;
	j->has_tag = tag != NULL;
	memcpy(j->tag, key, sizeof key);
	if (!(j->key = out_close(&kb, NULL))) {
		job_free(j);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	heavy_answer(s, c, j, r);
}

/* Prepares a /network job for the renderer (the pipeline, between
 * batches): the network copied as of now (the whole stream's, saved once
 * per version and shared by the answers of that version; or the tag's,
 * extracted), the summary's counts and display. Returns 0, or -1 with r
 * filled (an error answer, built here). */
static int net_prepare(struct gs_server *s, struct job *j, struct reply *r)
{
	j->gen = atomic_load(&s->data_gen);
	j->mod_gen = atomic_load(&s->mod_gen);
	j->built = gs_now();
	j->no.malformed = gs_server_malformed_total(s);
	j->no.out_of_window = s->out_of_window;
	if (j->has_tag) {
		const char *key = j->tag;
		if (!gs_server_visible(s, key, INT64_MIN, 0)) {
			gs_server_reply_error(r, 404, "tag not found");
			return -1;
		}
		/* the summary's display: the engine's most frequent spelling
		 * (the per-tag table keeps none) */
		struct gs_tag_stats ts;
		if (gs_engine_tag(s->e, key, strlen(key), &ts) == 0 &&
		    !(j->display = strdup(ts.display))) {
			gs_server_reply_error(r, 500, "out of memory");
			return -1;
		}
		int err;
		if (!(j->tn = gs_network_tag(s->tagnet, key, &err))) {
			gs_server_reply_error(r, err == GS_EUSAGE ? 400 : 500,
					      err == GS_EUSAGE
						      ? "invalid tag name"
						      : "out of memory");
			return -1;
		}
		return 0;
	}
	struct netcopy *nc = s->netcopy; /* the pipeline's alone */
	double age = nc ? (j->built - nc->at) * 1000 : 0;
	if (!nc || (nc->gen != j->gen &&
		    !(atomic_load(&s->more) && age < HEAVY_MAX_AGE_MS))) {
		struct out o;
		if (!(nc = calloc(1, sizeof *nc)) || out_open(&o)) {
			free(nc);
			gs_server_reply_error(r, 500, "out of memory");
			return -1;
		}
		int rc = gs_network_save(s->net, o.f);
		nc->buf = out_close(&o, &nc->len);
		if (rc || !nc->buf) {
			free(nc->buf);
			free(nc);
			gs_server_reply_error(r, 500, "out of memory");
			return -1;
		}
		atomic_init(&nc->refs, 1);
		nc->gen = j->gen;
		nc->at = j->built;
		netcopy_put(s->netcopy);
		s->netcopy = nc;
	}
	atomic_fetch_add(&nc->refs, 1);
	j->nc = nc;
	j->gen = nc->gen;
	j->built = nc->at;
	return 0;
}

/* Renders a prepared /network job (the renderer thread), at most
 * --max-answer bytes: the answer, or NULL (out of memory). */
static struct answer *net_render(struct gs_server *s, struct job *j)
{
	static const char *const types[] = {
		[GS_NET_CSV] = "text/csv; charset=utf-8",
		[GS_NET_JSON] = "application/json; charset=utf-8",
		[GS_NET_GEXF] = "application/gexf+xml; charset=utf-8",
		[GS_NET_GRAPHML] = "application/graphml+xml; charset=utf-8",
	};
	struct answer *a = calloc(1, sizeof *a);
	if (!a || !(a->key = strdup(j->key))) {
		free(a);
		return NULL;
	}
	atomic_init(&a->refs, 1);
	a->gen = j->gen;
	a->mod_gen = j->mod_gen;
	a->built = j->built;
	struct gs_network *n = j->tn, *loaded = NULL;
	if (!n) {
		FILE *f = fmemopen(j->nc->buf, j->nc->len, "rb");
		int err = GS_ENOMEM;
		if (f) {
			loaded = gs_network_load(f, &err);
			fclose(f);
		}
		n = loaded;
	}
	struct reply r = {0};
	struct gs_network_output no = j->no;
	if (s->o.pseudo) {
		no.name = net_pseudonym;
		no.name_ctx = (void *)s->o.pseudo;
	}
	no.tag_display = j->display;
	struct capped k;
	FILE *f = n ? capped_open(&k, s->o.max_answer) : NULL;
	k.stop = &s->render_stop;
	if (!f) {
		gs_server_reply_error(&r, 500, "out of memory");
	} else {
		int rc = gs_network_write(n, f, (enum gs_net_format)j->fmt, &no,
					  NULL);
		capped_reply(s, &r, f, &k, types[j->fmt], rc != 0);
	}
	gs_network_free(loaded);
	a->status = r.status;
	a->type = r.type;
	a->body = r.body;
	a->len = r.len;
	return a;
}

/* The renderer thread: renders the network answers the pipeline prepared,
 * one at a time, at a lower priority than the HTTP threads (the pipeline's
 * is 0), so that a large answer takes spare CPU, not the pipeline's. */
static void *renderer(void *arg)
{
	struct gs_server *s = arg;
	setpriority(PRIO_PROCESS, (id_t)gettid(), RENDER_NICE);
	pthread_mutex_lock(&s->jobs_mu);
	for (;;) {
		while (!s->render_q && !s->jobs_closed)
			pthread_cond_wait(&s->render_cv, &s->jobs_mu);
		if (s->jobs_closed)
			break;
		struct job *j = s->render_q;
		s->render_q = j->next;
		s->rendering = j;
		pthread_mutex_unlock(&s->jobs_mu);
		struct answer *a = net_render(s, j);
		pthread_mutex_lock(&s->jobs_mu);
		if (a)
			hc_put(s, a);
		s->rendering = NULL;
		s->njobs--;
		job_wake(j);
		pthread_mutex_unlock(&s->jobs_mu);
		job_free(j);
		pthread_mutex_lock(&s->jobs_mu);
	}
	pthread_mutex_unlock(&s->jobs_mu);
	return NULL;
}

/* ---- the pipeline's side ----------------------------------------------- */

/* Builds j (the pipeline, between batches: it is the only writer, so it
 * reads the engine and the networks without the lock), or prepares it for
 * the renderer (a /network answer: returns 1, j handed over). A job whose
 * answer was built exactly meanwhile is not built again. */
static int job_build(struct gs_server *s, struct job *j)
{
	uint64_t gen = atomic_load(&s->data_gen);
	uint64_t mod = atomic_load(&s->mod_gen);
	if (!job_heavy(j)) {
		struct answer_cache *c =
			j->kind == JOB_TRENDS ? &s->ac_trends : &s->ac_mtags;
		size_t upto = j->kind == JOB_MTAGS ? mtags_upto(s, j->upto) : 0;
		struct answer *a = answer_ref(c);
		int exact = a && a->gen == gen && a->mod_gen == mod &&
			    answer_covers(a, upto);
		gs_server_answer_put(a);
		if (exact)
			return 0;
		if (j->kind == JOB_MTAGS)
			atomic_store(&c->upto, upto);
		a = j->kind == JOB_TRENDS ? build_trends(s, 0)
					  : build_mtags(s, upto);
		if (a)
			answer_publish(c, a);
		return 0;
	}
	pthread_mutex_lock(&s->jobs_mu);
	struct answer *a = hc_find(s, j->key);
	pthread_mutex_unlock(&s->jobs_mu);
	int exact = a && a->gen == gen && a->mod_gen == mod;
	gs_server_answer_put(a);
	if (exact || !(a = answer_new(s)))
		return 0;
	atomic_fetch_add(&s->builds[j->kind], 1);
	struct reply r = {0};
	if (j->kind == JOB_TAG) {
		tag_build(s, j, &r);
	} else if (net_prepare(s, j, &r) == 0) {
		gs_server_answer_put(a);
		pthread_mutex_lock(&s->jobs_mu);
		struct job **pp = &s->render_q;
		while (*pp)
			pp = &(*pp)->next;
		j->next = NULL;
		*pp = j;
		pthread_cond_signal(&s->render_cv);
		pthread_mutex_unlock(&s->jobs_mu);
		return 1;
	}
	a->status = r.status;
	a->type = r.type;
	a->body = r.body;
	a->len = r.len;
	if (!(a->key = strdup(j->key))) {
		gs_server_answer_put(a);
		return 0;
	}
	pthread_mutex_lock(&s->jobs_mu);
	hc_put(s, a);
	pthread_mutex_unlock(&s->jobs_mu);
	return 0;
}

void gs_server_jobs_run(struct gs_server *s)
{
	uint64_t x;
	if (read(s->jobs_efd, &x, sizeof x) < 0) {
		/* nothing signalled (EAGAIN) */
	}
	double t0 = gs_now();
	int more = atomic_load(&s->more);
	if (more && t0 < s->job_next)
		return;
	for (;;) {
		pthread_mutex_lock(&s->jobs_mu);
		struct job *j = s->jobs_closed ? NULL : s->jobs;
		if (j) {
			s->jobs = j->next;
			s->job_building = j;
		}
		pthread_mutex_unlock(&s->jobs_mu);
		if (!j)
			break;
		int handed = job_build(s, j);
		pthread_mutex_lock(&s->jobs_mu);
		s->job_building = NULL;
		if (!handed) {
			s->njobs -= job_heavy(j);
			job_wake(j);
		}
		pthread_mutex_unlock(&s->jobs_mu);
		if (!handed)
			job_free(j);
		/* input waits: give the rest of the queue its turn later */
		if (more)
			break;
	}
	double now = gs_now();
	s->job_next = now + (now - t0) * (1 / JOB_SHARE - 1);
	/* the network's copy, kept while it is asked for */
	if (s->netcopy && now - s->netcopy->at > ANSWER_ASKED_S) {
		netcopy_put(s->netcopy);
		s->netcopy = NULL;
	}
}

int gs_server_answers_init(struct gs_server *s)
{
	pthread_mutex_init(&s->jobs_mu, NULL);
	pthread_cond_init(&s->render_cv, NULL);
	s->jobs_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->jobs_efd < 0)
		return GS_EIO;
	if (pthread_create(&s->renderer, NULL, renderer, s) != 0)
		return GS_ENOMEM;
	s->renderer_started = 1;
	return 0;
}

void gs_server_answers_close(struct gs_server *s)
{
	pthread_mutex_lock(&s->jobs_mu);
	s->jobs_closed = 1;
	atomic_store(&s->render_stop, 1);
	for (struct job *j = s->jobs; j; j = j->next)
		job_wake(j);
	for (struct job *j = s->render_q; j; j = j->next)
		job_wake(j);
	if (s->job_building)
		job_wake(s->job_building);
	if (s->rendering)
		job_wake(s->rendering);
	pthread_cond_signal(&s->render_cv);
	pthread_mutex_unlock(&s->jobs_mu);
}

void gs_server_answers_free(struct gs_server *s)
{
	if (s->renderer_started) {
		gs_server_answers_close(s);
		pthread_join(s->renderer, NULL);
	}
	while (s->jobs) {
		struct job *j = s->jobs;
		s->jobs = j->next;
		job_free(j);
	}
	while (s->render_q) {
		struct job *j = s->render_q;
		s->render_q = j->next;
		job_free(j);
	}
	netcopy_put(s->netcopy);
	for (size_t i = 0; s->hc && i < HEAVY_CACHE; i++)
		if (s->hc[i])
			hc_drop(s, i);
	free(s->hc);
	if (s->jobs_efd >= 0)
		close(s->jobs_efd);
	pthread_mutex_destroy(&s->jobs_mu);
	pthread_cond_destroy(&s->render_cv);
}
