/*
 * server_pipeline.c - the pipeline thread: reads the sources in batches
 * (the write lock held), feeds the engine, the detector and the networks,
 * and announces closed buckets and changed trend events on the stream's
 * ring (server_int.h).
 */
#include "server_int.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "out/json_writer.h"
#include "out/trend_json.h"

#define BATCH_LINES	  512
#define MAX_BUCKET_EVENTS 64 /* bucket events per batch (a time jump) */

void gs_server_ring_ev_free(struct ring_ev *r)
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
void gs_server_ring_push(struct gs_server *s, struct ring_ev *r)
{
	pthread_mutex_lock(&s->ring_mu);
	if (!s->ring_cap) {
		pthread_mutex_unlock(&s->ring_mu);
		gs_server_ring_ev_free(r);
		return;
	}
	if (s->ring_n == s->ring_cap) {
		gs_server_ring_ev_free(&s->ring[s->ring_head]);
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_n--;
	}
	r->id = s->next_id++;
	s->ring[(s->ring_head + s->ring_n) % s->ring_cap] = *r;
	s->ring_n++;
	gs_server_sse_wake(s, 0);
	pthread_mutex_unlock(&s->ring_mu);
}

static int cmp_ev(const struct gs_trend_event *x,
		  const struct gs_trend_event *y)
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
		struct gs_trend_row row;
		gs_trend_row_of(s->e, &ev[i], &row);
		gs_trend_json(o.f, s->e, &row, s->o.trend.scorer, s->o.pseudo);
		fputs("}}", o.f);
		struct ring_ev r = {0};
		r.type = EV_TREND;
		snprintf(r.key, sizeof r.key, "%s", ev[i].key);
		r.start_ms = ev[i].start_ms;
		r.json = out_close(&o, NULL);
		if (r.json)
			gs_server_ring_push(s, &r);
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
		gs_json_time(o.f, b);
		fprintf(o.f,
			",\"accounts\":%.0f,\"tags_used\":%td,\"tag_uses\":%llu,\"top\":[",
			gs_engine_bucket_accounts(s->e, b), n,
			(unsigned long long)posts);
		r.json = out_close(&o, NULL);
	}
	r.pkeys = calloc(k ? k : 1, sizeof *r.pkeys);
	r.parts = calloc(k ? k : 1, sizeof *r.parts);
	if (!r.json || !r.pkeys || !r.parts) {
		gs_server_ring_ev_free(&r);
		free(obs);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		struct gs_tag_stats st;
		const char *display = obs[i].key;
		if (gs_engine_tag(s->e, obs[i].key, strlen(obs[i].key), &st) ==
		    0)
			display = st.display;
		if (out_open(&o))
			break;
		fputs("{\"tag\":", o.f);
		gs_json_str(o.f, obs[i].key);
		fputs(",\"display\":", o.f);
		gs_json_str(o.f, display);
		fprintf(o.f, ",\"posts\":%llu,\"accounts\":%.0f}",
			(unsigned long long)obs[i].posts, obs[i].accounts);
		r.parts[i] = out_close(&o, NULL);
		r.pkeys[i] = strdup(obs[i].key);
		r.nparts = i + 1;
		if (!r.parts[i] || !r.pkeys[i])
			break;
	}
	free(obs);
	gs_server_ring_push(s, &r);
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

void gs_server_note_closed(struct gs_server *s, int64_t before)
{
	if (before == INT64_MIN || s->l.next == before)
		return;
	if (s->pend_from == INT64_MIN)
		s->pend_from = before;
	s->pend_to = s->l.next;
}

void gs_server_flush_closed(struct gs_server *s)
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

void gs_server_count_batch(struct gs_server *s,
			   const struct gs_line_counter *lc)
{
	for (int i = 0; i < GS_NONPOST_COUNT; i++)
		s->skipped_by[i] += lc->nonpost[i];
	s->out_of_window += lc->out_of_window;
	for (int i = 0; i < GS_FILTER_REASONS; i++)
		s->filtered[i] += lc->filtered[i];
	if (!lc->posts)
		return;
	s->posts_in += lc->posts;
	int64_t sec = (int64_t)gs_now();
	int slot = (int)(sec % 60);
	if (s->sec_stamp[slot] != sec) {
		s->sec_stamp[slot] = sec;
		s->sec_posts[slot] = 0;
	}
	s->sec_posts[slot] += lc->posts;
}

/* What a batch's line counter hands its posts and bad lines to. */
struct batch {
	struct gs_server *s;
	struct source *src;
	int64_t future_ms; /* posts dated after this are set aside */
};

/* The line counter's bad (the engine has counted it already). */
static void bad_line(void *ctx, const struct gs_bad_line *b)
{
	struct batch *bt = ctx;
	struct gs_server *s = bt->s;
	s->malformed_by[reason_index(b->err)]++;
	if (s->shown < s->o.show_errors) {
		struct gs_follow_info fi;
		gs_follow_info(bt->src->f, &fi);
		gs_server_log(s, "%s:%llu: %s", bt->src->path,
			      (unsigned long long)(fi.lines + fi.too_long),
			      b->reason);
	}
	s->shown++;
}

/* A Bluesky repost counts under the tags its original has when it comes,
 * in the engine and in the per-tag networks (each with its repost cache):
 * the record of what a delete must take back says which, as hs[0] (the
 * engine's count, the network's << 8, whether it matched << 16) and the
 * hashes, the engine's first. Returns how many of hs are used (0: none). */
size_t gs_server_repost_hashes(const struct gs_server_target *t,
			       const struct gs_post *p, uint64_t *hs)
{
	if (!(p->flags & GS_POST_REPOST) || !p->repost_rkey.n)
		return 0;
	size_t half = (GS_RECENT_HASHES - 1) / 2;
	size_t ne = gs_engine_repost_hashes(t->e, p, hs + 1, half);
	int m = 0;
	size_t nn = t->tagnet ? gs_network_repost_hashes(t->tagnet, p,
							 hs + 1 + ne, half, &m)
			      : 0;
	hs[0] = ne | nn << 8 | (uint64_t)(m != 0) << 16;
	return 1 + ne + nn;
}

void gs_server_remember(struct gs_server *s, const struct gs_server_target *t,
			const struct gs_post *p, const uint64_t *hs, size_t nh)
{
	unsigned char rec[16384];
	size_t n = gs_recent_pack(p, hs, nh, rec, sizeof rec);
	if (n <= sizeof rec &&
	    gs_recent_put(t->recent, gs_post_key(p), rec, n) == GS_ENOMEM)
		gs_server_log(s, "out of memory (retractions)");
}

void gs_server_retract(struct gs_server *s, const struct gs_server_target *t,
		       const struct gs_retraction *rt)
{
	const unsigned char *rec;
	size_t n, nh;
	unsigned times;
	struct gs_post p;
	uint64_t hs[GS_RECENT_HASHES];
	if (!t->recent ||
	    !gs_recent_take(t->recent, gs_retraction_key(rt), &rec, &n,
			    &times) ||
	    gs_recent_unpack(rec, n, &p, hs, &nh)) {
		s->retract_unresolved++;
		return;
	}
	size_t ne = 0, nn = 0;
	int m = 0;
	if (nh) {
		ne = hs[0] & 0xFF;
		nn = (hs[0] >> 8) & 0xFF;
		m = (hs[0] >> 16) & 1;
		if (1 + ne + nn != nh)
			ne = nn = 0;
	}
	for (unsigned i = 0; i < times; i++) {
		gs_engine_retract(t->e, &p, hs + 1, ne);
		if (t->net)
			gs_network_retract(t->net, &p, NULL, 0, 0);
		if (t->tagnet)
			gs_network_retract(t->tagnet, &p, hs + 1 + ne, nn, m);
	}
	s->retracted += times;
}

/* The line counter's delete of a post (issue 12 part 5): what the post
 * counted is taken back from the engine when the table of recent posts
 * still holds it (each delivery of it), else it is unresolved. */
static int take_retraction(void *ctx, const struct gs_retraction *rt)
{
	struct batch *bt = ctx;
	struct gs_server *s = bt->s;
	struct gs_server_target t = {s->e, s->net, s->tagnet, &s->recent};
	gs_server_retract(s, &t, rt);
	return 0;
}

/* The line counter's post: through the live detector and the networks. */
static int take_post(void *ctx, const struct gs_post *p)
{
	struct batch *bt = ctx;
	struct gs_server *s = bt->s;
	/* a post dated far in the future would close every bucket up to its
	 * own: it is set aside and counted */
	if (p->time_ms > bt->future_ms) {
		s->future_posts++;
		return 0;
	}
	int64_t before = s->l.started ? s->l.next : INT64_MIN;
	uint64_t hs[GS_RECENT_HASHES];
	struct gs_server_target t = {s->e, s->net, s->tagnet, &s->recent};
	size_t nh =
		s->recent.max_bytes ? gs_server_repost_hashes(&t, p, hs) : 0;
	int r = gs_trend_live_add(&s->l, p);
	if (r == GS_ENOMEM)
		gs_server_log(s, "out of memory");
	if (r == 0 && s->recent.max_bytes)
		gs_server_remember(s, &t, p, hs, nh);
	if (s->tlangs && gs_trend_langs_add(s->tlangs, p) == GS_ENOMEM)
		gs_server_log(s, "out of memory (languages)");
	if (gs_network_add(s->net, p) == GS_ENOMEM ||
	    (s->tagnet && gs_network_add(s->tagnet, p) == GS_ENOMEM))
		gs_server_log(s, "out of memory (network)");
	if (gs_cooccur_add(s->cooc, p) == GS_ENOMEM)
		gs_server_log(s, "out of memory (movements)");
	gs_server_note_closed(s, before);
	s->finished = 0;
	return 0;
}

/* Reads up to BATCH_LINES lines of one source (the write lock held), each
 * through the line counter every reader shares (ingest.h). Returns the
 * lines read. */
static unsigned read_batch(struct gs_server *s, struct source *src)
{
	unsigned k = 0;
	struct batch bt = {s, src, (int64_t)(now_wall() * 1000) + GS_MS_DAY};
	struct gs_line_counter lc = {0};
	lc.ps = s->ps;
	lc.max_line = s->o.max_line;
	lc.e = s->e;
	lc.post = take_post;
	lc.post_ctx = &bt;
	lc.bad = bad_line;
	lc.bad_ctx = &bt;
	lc.retract = take_retraction;
	lc.retract_ctx = &bt;
	lc.window_from = s->o.window_from;
	lc.window_to = s->o.window_to;
	lc.filter = s->o.filter && s->o.filter->active ? s->o.filter : NULL;
	for (; k < BATCH_LINES; k++) {
		const char *line;
		size_t len;
		int r = gs_follow_next(src->f, &line, &len);
		if (r == 0)
			break;
		if (r < 0 && r != GS_ETOOLONG) {
			if (gs_follow_damage(src->f))
				gs_server_log(
					s,
					"warning: '%s' is damaged: %s; the lines before it are counted",
					src->path, gs_follow_damage(src->f));
			else
				gs_server_log(s, "'%s': %s", src->path,
					      gs_strerror(r));
			break;
		}
		s->lines++;
		gs_line_counter_feed(&lc, r, line, len, 0);
	}
	gs_server_count_batch(s, &lc);
	gs_server_source_info(src);
	/* like tail -F: say when a followed path goes and comes back */
	if (src->absent && src->info.state != GS_FOLLOW_MISSING) {
		src->absent = 0;
		gs_server_log(s, "source '%s' has appeared; reading it",
			      src->path);
	} else if (!src->absent && src->info.state == GS_FOLLOW_MISSING &&
		   src->info.kind == GS_FOLLOW_FILE && src->info.err) {
		src->absent = 1;
		gs_server_log(
			s,
			"warning: source '%s' is gone (%s); following it until it appears",
			src->path, strerror(src->info.err));
	}
	return k;
}

/* A source's position and counts, over every run (the lock held). */
void gs_server_source_info(struct source *src)
{
	gs_follow_info(src->f, &src->info);
	src->info.lines += src->base_lines;
	src->info.too_long += src->base_too_long;
	if (source_is_net(&src->info)) {
		src->info.reconnects += src->base_rotations;
		src->info.dropped += src->base_truncations;
	} else {
		src->info.rotations += src->base_rotations;
		src->info.truncations += src->base_truncations;
	}
}

/* GS_SERVE_LOCK_PROBE=FILE (tests): when FILE exists, the pipeline removes
 * it and holds the write lock for 2 s, as a slow batch would; requests must
 * be answered meanwhile. */
static void lock_probe(struct gs_server *s)
{
	if (!s->lock_probe || access(s->lock_probe, F_OK) != 0)
		return;
	write_lock(s);
	unlink(s->lock_probe);
	nanosleep(&(struct timespec){2, 0}, NULL);
	pthread_rwlock_unlock(&s->lock);
}

void *gs_server_pipeline(void *arg)
{
	struct gs_server *s = arg;
	struct pollfd pf[65];
	while (!atomic_load(&s->stop)) {
		unsigned got = 0;
		int full = 0;
		lock_probe(s);
		if (s->kafka)
			got = gs_server_kafka_round(s);
		for (size_t i = 0; i < s->nsrc && !atomic_load(&s->stop); i++) {
			write_lock(s);
			unsigned k = read_batch(s, &s->src[i]);
			int closed = s->pend_from != INT64_MIN;
			gs_server_flush_closed(s);
			/* cached answers: stale now; "more" lets them lag a
			 * little while input keeps coming (answer_fresh) */
			full |= k == BATCH_LINES;
			atomic_store(&s->more, full);
			if (k || closed)
				atomic_fetch_add(&s->data_gen, 1);
			if (full)
				gs_server_answers_refresh(s);
			pthread_rwlock_unlock(&s->lock);
			got += k;
		}
		/* between batches: what /stats shows, and the answers asked
		 * for (both without the lock: no one else writes) */
		gs_server_view_publish(s, 0);
		gs_server_jobs_run(s);
		if (got) {
			s->last_input = gs_now();
			continue;
		}
		if (s->o.close_idle_ms > 0 && !s->finished &&
		    (gs_now() - s->last_input) * 1000 >=
			    (double)s->o.close_idle_ms) {
			write_lock(s);
			int64_t before = s->l.started ? s->l.next : INT64_MIN;
			if (gs_trend_live_finish(&s->l) == GS_ENOMEM ||
			    (s->tlangs &&
			     gs_trend_langs_finish(s->tlangs) == GS_ENOMEM))
				gs_server_log(s, "out of memory");
			gs_server_note_closed(s, before);
			gs_server_flush_closed(s);
			s->finished = 1;
			atomic_store(&s->more, 0);
			atomic_fetch_add(&s->data_gen, 1);
			pthread_rwlock_unlock(&s->lock);
			gs_server_view_publish(s, 1);
			continue; /* answers asked for meanwhile are rebuilt */
		}
		/* wait for input (streams are polled, files looked at again)
		 * or a request for an answer (jobs_efd) */
		nfds_t n = 0;
		for (size_t i = 0; i < s->nsrc && n < 64; i++) {
			int fd = gs_follow_pollfd(s->src[i].f);
			if (fd >= 0)
				pf[n++] = (struct pollfd){.fd = fd,
							  .events = POLLIN};
		}
		int files = n < s->nsrc;
		if (s->kafka) /* issue 14: messages arrived */
			pf[n++] =
				(struct pollfd){.fd = gs_kafka_pollfd(s->kafka),
						.events = POLLIN};
		pf[n++] = (struct pollfd){.fd = s->jobs_efd, .events = POLLIN};
		poll(pf, n, files ? 100 : 200);
	}
	return NULL;
}
