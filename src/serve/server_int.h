/*
 * server_int.h - what the files of the server share (private; see
 * server.c for the design).
 *
 *   server.c           lifecycle: options, start, tick, stop, free
 *   server_pipeline.c  the pipeline thread: sources read in batches,
 *                      buckets closed and announced, the stream's ring
 *   server_routes.c    HTTP: the route table, dispatch, replies, headers,
 *                      connection bookkeeping
 *   server_answers.c   trends, Mastodon's trending tags, one tag, the
 *                      networks; the cache of the trends answers
 *   server_sse.c       the stream (server-sent events)
 *   server_admin.c     moderation states, the admin API, the admin log
 *   server_metrics.c   /stats and /metrics
 *   server_snapshot.c  the state snapshot (GSSV) and its restoration
 *   server_langs.c     answers per language (?language=, /languages)
 *
 * Ownership: struct gs_server owns everything it points to (freed by
 * free_server in server.c). Which lock guards which field is said beside
 * the field; a function that needs a lock held says so in its comment.
 */
#ifndef GS_SERVER_INT_H
#define GS_SERVER_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "follow.h"
#include "kafkasource.h"
#include "count/cooccur.h"
#include "count/ingest.h"
#include "count/network.h"
#include "count/recent.h"
#include "detect/trend_langs.h"
#include "input/fold.h" /* GS_TAG_MAX */

#define BUCKET_TOP 10 /* tags per bucket event */
#define REASONS	   16 /* indexed by -GS_E* */
#define API	   "/api/groundswell/v1"

struct source {
	struct gs_follow *f;
	struct gs_follow_info info; /* as of the last batch (under the lock) */
	char *path;
	/* counts of the runs before a restored snapshot */
	uint64_t base_lines, base_too_long;
	/* ... and of the snapshot's rotations and truncations: a file's, or
	 * a network source's reconnections and duplicates (source_out) */
	uint64_t base_rotations, base_truncations;
	int absent; /* found missing (and said so): say when it is back */
};

enum ev_type { EV_TREND, EV_BUCKET };

struct ring_ev {
	uint64_t id;
	enum ev_type type;
	char key[GS_TAG_MAX + 1]; /* EV_TREND: its tag */
	int64_t start_ms;	  /* EV_TREND: its start (for hide) */
	char *json;		  /* EV_TREND: the data; EV_BUCKET: the head */
	size_t nparts;		  /* EV_BUCKET: one part per tag */
	char **pkeys, **parts;
};

enum mod_state { MOD_NONE, MOD_APPROVED, MOD_HIDDEN, MOD_BANNED };

struct mod {
	char key[GS_TAG_MAX + 1];
	enum mod_state state;
	int64_t through_ms; /* MOD_HIDDEN: events starting up to here */
};

/* Where a connection is: its request must be in (headers and body) within
 * --timeout of `since`, while it is CONN_WAITING or CONN_BODY. */
enum conn_phase {
	CONN_WAITING,  /* for a request's line and headers (or idle) */
	CONN_BODY,     /* headers in, the body coming */
	CONN_ANSWERING /* answered, until the answer is sent (a stream: until
			  it ends) */
};

/* A client address as the per-address limits count it: an IPv4 address,
 * or an IPv6 address's /64 (what one subscriber is given). */
struct client_addr {
	unsigned char fam; /* 0: unknown (never limited), 4 or 6 */
	unsigned char b[8];
};

struct conn {
	struct conn *prev, *next;
	int fd;
	double since; /* when it began waiting for a request: accepted, or
			 its previous answer sent */
	enum conn_phase phase;
	int cut; /* shut down; no longer counted (nconns, per address) */
	int half_closed; /* seen half-closed by its client at the last tick */
	struct client_addr addr;
};

/* Failed admin authentications of one client address (server_admin.c). */
struct auth_fail {
	struct client_addr addr;
	double window;	  /* gs_now() of the first failure counted */
	unsigned fails;	  /* failures since window */
	unsigned strikes; /* blocks so far: each doubles the next */
	double blocked;	  /* gs_now() until which it is refused (429) */
	double last;	  /* gs_now() of its last failure */
};

/* The current answer of a trends route (see "cached answers"). */
struct answer_cache {
	pthread_mutex_t mu; /* guards cur, held only to take a reference */
	struct answer *cur;
	atomic_llong asked; /* gs_now() of the last request, in seconds */
	atomic_size_t upto; /* Mastodon: entries rendered (the deepest page
			       asked for, at least MTAGS_CACHED) */
};

/* The routes whose answers are built by the pipeline (struct job), as
 * counted in /metrics' groundswell_answer_builds_total{route=...}. */
enum job_kind { JOB_TRENDS, JOB_MTAGS, JOB_TAG, JOB_NETWORK, JOB_KINDS };

/*
 * What /stats and /metrics show of the pipeline's state, copied by the
 * pipeline at a batch boundary (gs_server_view_publish) and read by the
 * HTTP threads without the lock. To show a new counter: add it here, copy it
 * in gs_server_view_publish (server_metrics.c), write it from the view.
 */
struct view_net {
	int on; /* 0: no such network (per-tag networks off) */
	struct gs_network_stats st;
	size_t max_nodes, max_edges;
};

struct view {
	atomic_uint refs;
	uint64_t gen;	 /* data_gen copied */
	double at;	 /* gs_now() when copied */
	double heavy_at; /* ... when engine_memory and the networks were */
	struct gs_summary sum;
	size_t engine_memory;
	uint64_t lines, malformed_by[REASONS], skipped_by[GS_NONPOST_COUNT];
	uint64_t late_posts, future_posts, out_of_window, buckets_closed;
	uint64_t filtered[GS_FILTER_REASONS];
	uint64_t trend_changes;
	/* issue 12 part 5: deletions */
	uint64_t retracted, retract_unresolved, recent_evicted;
	size_t recent_held, recent_bytes, recent_max;
	int64_t sec_stamp[60];
	uint64_t sec_posts[60];
	int live_started;    /* s->l.started */
	int64_t open_bucket; /* s->l.next */
	int finished;
	size_t nev, open_trends;
	struct view_net net, tagnet;
	int kafka_on; /* issue 14: a kafka:// source, and what it did */
	struct gs_kafka_info kafka;
	size_t nsrc;
	struct gs_follow_info src[]; /* each source's, as s->src[i].info */
};

/* The last snapshot's bytes: chunks of SNAP_CHUNK bytes (kept for the
 * next one), the first n in use, the last of them up to used. */
#define SNAP_CHUNK (4u << 20)
struct snap_chunks {
	char **c;
	size_t n, cap, used;
	size_t pos, len; /* the write position, and the bytes written */
};

/* How the snapshots fare, for /stats and /metrics (under snap_mu). */
struct snap_health {
	uint64_t written, failures;
	int failing;		 /* the last attempt failed */
	double ok_wall;		 /* wall clock of the last success */
	double err_wall;	 /* ... and of the last failure */
	char err[512];		 /* the last failure, naming the file */
	size_t bytes;		 /* of the last snapshot written */
	double took_s, locked_s; /* the last one's time, and with the lock */
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
	struct gs_network *net;	   /* who addressed whom, the whole stream */
	struct gs_network *tagnet; /* every tag's, in one bounded table
				      (network.h, per_tag), or NULL: off */
	/* issue 13: which tags posts carry together, per tag its accounts'
	 * bottom-k sketch and languages (cooccur.h, bounded by its caps): fed
	 * the engine's posts, for /movements to find movements as the batch
	 * command does */
	struct gs_cooccur *cooc;
	struct gs_parser *ps;
	struct source *src;
	size_t nsrc;
	/* issue 13 part 3: an engine and live detector per language
	 * (--by-language), or NULL; lang_mu orders the answers' reads of the
	 * detectors' events (gs_trend_events sorts them) under the read lock */
	struct gs_langs *langs;
	struct gs_trend_langs *tlangs;
	pthread_mutex_t lang_mu;
	struct gs_trend_event *ev; /* the detector's events, as of the last
				      closed bucket */
	size_t nev;
	uint64_t lines, malformed_by[REASONS], buckets_closed, trend_changes;
	uint64_t skipped_by[GS_NONPOST_COUNT]; /* non-post lines by kind */
	uint64_t posts_in;
	uint64_t future_posts; /* dated more than a day after the wall clock */
	uint64_t out_of_window; /* dated outside --window-from/--window-to */
	uint64_t filtered[GS_FILTER_REASONS]; /* left out by --since, ... */
	/* issue 12 part 5: deletions. The recent posts a delete can take
	 * back; posts retracted, and deletes of posts not (or no longer)
	 * held */
	struct gs_recent recent;
	uint64_t retracted, retract_unresolved;
	int64_t sec_stamp[60];
	uint64_t sec_posts[60];
	int finished; /* buckets closed by idleness since the last
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
	unsigned nconns; /* in conns, not cut (under conn_mu) */
	atomic_ullong conns_cut;
	atomic_ullong refused_full, refused_address; /* connections shut at
							once: --max-connections,
							per address */
	atomic_ullong refused_streams; /* streams beyond --max-streams (503) */
	/* failed admin authentications (under auth_mu) */
	pthread_mutex_t auth_mu;
	struct auth_fail *authf;
	size_t nauthf;
	atomic_ullong auth_failures, auth_refused; /* 401s with a token, 429s */
	/* cached answers of the trends routes (struct answer) */
	atomic_ullong data_gen; /* bumped by the pipeline after each change */
	atomic_ullong mod_gen;	/* bumped by each moderation change */
	atomic_int more;	/* the last batch was full: input is pending */
	struct answer_cache ac_trends, ac_mtags;
	/* what /stats and /metrics show (struct view), under view_mu */
	pthread_mutex_t view_mu;
	struct view *view;
	/* answers built by the pipeline on request (struct job): the queue,
	 * the cache of /tags/NAME and /network answers, under jobs_mu */
	pthread_mutex_t jobs_mu;
	struct job *jobs;	  /* pending, oldest first */
	struct job *job_building; /* taken by the pipeline, being built */
	unsigned njobs;		  /* heavy jobs queued, built or rendered */
	int jobs_closed;	  /* stopping: requests get 503 */
	int jobs_efd;		  /* eventfd: wakes the pipeline for a job */
	struct answer **hc;	  /* HEAVY_CACHE answers by key, or NULL */
	size_t hc_bytes;	  /* their bodies */
	/* the network answers' renderer thread: jobs the pipeline prepared
	 * (with a copy of the network), under jobs_mu */
	pthread_t renderer;
	int renderer_started;
	pthread_cond_t render_cv; /* a job to render, or stopping */
	struct job *render_q, *rendering;
	atomic_int render_stop; /* stopping: the renderer gives up */
	/* the pipeline's alone */
	double job_next;	 /* its budget: no job before this */
	struct netcopy *netcopy; /* the whole stream's network, saved */
	/* counted for /metrics */
	atomic_ullong builds[JOB_KINDS]; /* answers built, by route */
	atomic_ullong jobs_refused;	 /* 503: the queue was full */
	atomic_ullong answers_over;	 /* answers over --max-answer */
	const char *lock_probe;		 /* GS_SERVE_LOCK_PROBE (tests) */
	/* snapshots (the tick thread, or the owner's at stop) */
	double last_snapshot;
	uint64_t snap_lines; /* lines (and finished) as of the last snapshot */
	int snap_finished;
	pthread_mutex_t snap_mu; /* guards snap (taken last, alone) */
	struct snap_health snap;
	struct snap_chunks chunks;
	/* issue 14: a kafka:// source (server_kafka.c), the pipeline's alone
	 * but for kafka_info (under lock). kafka_redo: data came into a
	 * judged bucket, the detector runs again over the merged engine;
	 * kafka_start: the detector's first bucket */
	struct gs_kafka *kafka;
	int kafka_redo;
	int64_t kafka_start;
	double kafka_merged; /* gs_now() of the last merge */
	double kafka_nets_merged; /* ... of the last one with the networks, */
	int kafka_nets_stale;	  /* ... older than the last merge's data */
};

/*
 * The lock prefers its writer, the pipeline, which takes it again right
 * after each batch: a reader could wait for as long as input keeps coming,
 * and an HTTP thread waiting stalls every connection it serves. Taking turn
 * first queues them: a reader waits for at most the batch in progress, the
 * pipeline for the readers already in. (Snapshots, off the HTTP threads,
 * take the lock directly.)
 */
static inline void read_lock(struct gs_server *s)
{
	pthread_mutex_lock(&s->turn);
	pthread_rwlock_rdlock(&s->lock);
	pthread_mutex_unlock(&s->turn);
}

static inline void write_lock(struct gs_server *s)
{
	pthread_mutex_lock(&s->turn);
	pthread_rwlock_wrlock(&s->lock);
	pthread_mutex_unlock(&s->turn);
}

/* The wall clock, in seconds (gs_now is monotonic). */
static inline double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A growing text buffer (open_memstream). */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static inline int out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f ? 0 : GS_ENOMEM;
}

/* Closes the stream; returns the text (caller frees) or NULL. */
static inline char *out_close(struct out *o, size_t *len)
{
	if (fclose(o->f) != 0) {
		free(o->buf);
		return NULL;
	}
	if (len)
		*len = o->len;
	return o->buf;
}

/* Non-negative decimal integer of at most 9 digits; -1 if not one. */
static inline long parse_uint(const char *v)
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

struct reply {
	unsigned status;
	char *body;
	size_t len;
	const char *type;
	char *link;
	const char *allow;
	int www_auth;
	unsigned retry_after; /* seconds, or 0: no Retry-After */
	int suspend; /* the connection waits for the pipeline (struct job):
			no response yet; the handler is called again */
	int resumed; /* ... and this is that call */
	const struct gs_asset *asset; /* an embedded dashboard file */
	struct answer *ans;	      /* a cached answer: its body, shared */
};

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
	double built;	       /* gs_now() */
	char *body;	       /* /trends, /tags/NAME, /network: the body */
	size_t len;
	unsigned status;  /* /tags/NAME, /network: 200, or an error's */
	const char *type; /* ... its Content-Type */
	char *key;	  /* ... the request it answers (struct job) */
	double used;	  /* ... gs_now() when last served (under jobs_mu) */
	size_t n;    /* Mastodon: tags ranked, */
	size_t nent; /* the first nent rendered */
	char **ent;
};

/*
 * A source's place and counts as /stats, /metrics and the snapshot (GSSV)
 * write them. The names are a file's, kept for every kind of source so that
 * no output changes: a network source's position is written as its
 * "offset", its reconnections as "rotations" and its duplicates dropped as
 * "truncations" (follow.h).
 */
struct source_out {
	uint64_t offset, rotations, truncations;
};

static inline int source_is_net(const struct gs_follow_info *fi)
{
	return fi->kind == GS_FOLLOW_JETSTREAM ||
	       fi->kind == GS_FOLLOW_MASTODON;
}

static inline struct source_out source_out(const struct gs_follow_info *fi)
{
	int net = source_is_net(fi);
	return (struct source_out){gs_follow_start_of(fi),
				   net ? fi->reconnects : fi->rotations,
				   net ? fi->dropped : fi->truncations};
}

/* A source as a snapshot saved it (fields as in struct source_out). */
struct saved_source {
	char *path;
	unsigned kind;
	uint64_t offset, dev, ino, lines, too_long, rotations, truncations;
};

/* server_kafka.c: one round of a kafka source (read a batch, keep the
 * states, merge the partitions' engines into the served one when due).
 * Returns the messages read. */
unsigned gs_server_kafka_round(struct gs_server *s);
int gs_server_kafka_open(struct gs_server *s, const char *url, char *err,
			 size_t errlen);
/* server_pipeline.c, for server_kafka.c: buckets closed since before (the
 * detector's next bucket then), to be announced by flush_closed; a read
 * batch's counts (non-posts, filtered, out of window, posts and the
 * posts of this second) added to s's, with the lock held */
void gs_server_note_closed(struct gs_server *s, int64_t before);
void gs_server_flush_closed(struct gs_server *s);
struct gs_line_counter;
void gs_server_count_batch(struct gs_server *s,
			   const struct gs_line_counter *lc);

/* Where a post is counted (the served engine and networks, or a kafka
 * partition's), and the table of recent posts that remembers it for a
 * delete (NULL: none kept). */
struct gs_server_target {
	struct gs_engine *e;
	struct gs_network *net, *tagnet; /* NULL: none */
	struct gs_recent *recent;
};
/* server_pipeline.c, deletes (issue 12 part 5): the repost hashes a post
 * is about to count under, taken before it is counted (hs: at least
 * GS_RECENT_HASHES; returns how many are used); the post remembered in
 * t->recent once counted; a delete taken back from t's counts when
 * t->recent still holds its post (s->retracted), else counted unresolved
 * (s->retract_unresolved). */
size_t gs_server_repost_hashes(const struct gs_server_target *t,
			       const struct gs_post *p, uint64_t *hs);
void gs_server_remember(struct gs_server *s, const struct gs_server_target *t,
			const struct gs_post *p, const uint64_t *hs, size_t nh);
void gs_server_retract(struct gs_server *s, const struct gs_server_target *t,
		       const struct gs_retraction *rt);

/* ---- server.c ---------------------------------------------------------- */

/* "groundswell: " + the message + a newline on the log, flushed. */
void gs_server_log(struct gs_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Opens path for writing ("wb", truncated) or appending ("a"), readable by
 * its owner alone (0600, also when it existed with a looser mode): the
 * state snapshot and the admin log hold account ids and moderation
 * actions. NULL with errno set on failure. */
FILE *gs_server_fopen_private(const char *path, int append);

/* ---- server_pipeline.c ------------------------------------------------- */

/* The pipeline thread (arg: the server): reads the sources until s->stop. */
void *gs_server_pipeline(void *arg);

/* Refreshes src->info: the source's position and counts, over every run
 * (the lock held, or before the pipeline starts). */
void gs_server_source_info(struct source *src);

/* Appends an event to the stream's ring (taken over: freed if it cannot be
 * kept) and wakes the waiting streams. */
void gs_server_ring_push(struct gs_server *s, struct ring_ev *r);
void gs_server_ring_ev_free(struct ring_ev *r);

/* ---- server_routes.c --------------------------------------------------- */

/* Fill r with a body (taken over, or NULL), an error object {"error": msg},
 * or the text of o (closed here; 500 when it failed). */
void gs_server_reply_text(struct reply *r, unsigned status, const char *type,
			  char *body, size_t len);
void gs_server_reply_error(struct reply *r, unsigned status, const char *msg);
void gs_server_reply_out(struct reply *r, struct out *o);

/* Cuts the connections whose request is overdue (headers or body) or that
 * have been idle for --timeout, and those waiting for a request that their
 * client has half-closed (takes conn_mu). */
void gs_server_conns_cut(struct gs_server *s, double now);

/* The MHD callbacks (cls: the server). */
enum MHD_Result gs_server_handler(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls);
void gs_server_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe);
void gs_server_notify_conn(void *cls, struct MHD_Connection *c,
			   void **socket_context,
			   enum MHD_ConnectionNotificationCode toe);

/* ---- server_answers.c -------------------------------------------------- */

/* Events visible to the public, ranked for Mastodon's list: open events
 * first, then those ended within a day of the newest post; by score. */
struct ranked {
	const struct gs_trend_event *ev;
	int open;
};

/* Mastodon's list of engine e's events ev[0..nev) (the read lock held):
 * the visible ones ranked, one per tag, into *out (malloc'd; NULL and 0
 * when out of memory); their number. */
size_t gs_server_ranked(struct gs_server *s, const struct gs_engine *e,
			const struct gs_trend_event *ev, size_t nev,
			struct ranked **out);
/* One entry of Mastodon's list, a Tag with its history in engine e. */
void gs_server_mtag_entry(struct gs_server *s, const struct gs_engine *e,
			  FILE *f, const struct gs_trend_event *ev,
			  int64_t today);

/* issue 13 part 3 (server_langs.c): GET .../trends?language=CODE and
 * /api/v1/trends/tags?language=CODE, from that language's engine and
 * detector (taking the read lock); GET .../languages. */
void gs_server_lang_trends(struct gs_server *s, struct MHD_Connection *c,
			   struct reply *r, const char *code, int mastodon);
void gs_server_languages(struct gs_server *s, struct reply *r);

/* The trend events as "groundswell trends --json" writes them, in an array;
 * admin: every event, with "visible" (the read lock held). */
void gs_server_trends_body(struct gs_server *s, struct reply *r, int admin);

/* Rebuilds the cached answers asked for lately (the pipeline, the write
 * lock held, after a full batch). */
void gs_server_answers_refresh(struct gs_server *s);

/* Builds the answers requests wait for (the pipeline, between batches,
 * the lock not held); while input keeps coming, within JOB_SHARE of the
 * pipeline's time. */
void gs_server_jobs_run(struct gs_server *s);

/* The job queue and the answer caches: set up (0, or GS_EIO: no eventfd);
 * closed before the HTTP daemon stops (the waiting connections resumed,
 * later requests answered 503); freed. */
int gs_server_answers_init(struct gs_server *s);
void gs_server_answers_close(struct gs_server *s);
void gs_server_answers_free(struct gs_server *s);

/* Drops a reference to a cached answer (NULL: nothing). */
void gs_server_answer_put(struct answer *a);

/* Routes: GET /api/v1/trends/tags, /trends, /tags/NAME and /network,
 * without the lock: from the caches, or built by the pipeline while the
 * connection is suspended (r->suspend; see struct job). */
void gs_server_mtags(struct gs_server *s, struct MHD_Connection *c,
		     struct reply *r);
/* The Link header of a page of /api/v1/trends/tags into r (none unless
 * r->status is 200; none when there is no next or previous page): query
 * ("" or e.g. "language=pt&") goes before limit (when ls, the asked limit,
 * was given) and offset. */
void gs_server_page_link(struct gs_server *s, struct reply *r,
			 const char *query, const char *ls, long limit,
			 long offset, size_t shown);
void gs_server_trends(struct gs_server *s, struct MHD_Connection *c,
		      struct reply *r);
void gs_server_tag(struct gs_server *s, struct MHD_Connection *c,
		   const char *name, struct reply *r);
void gs_server_network(struct gs_server *s, struct MHD_Connection *c,
		       struct reply *r);

/* ---- server_sse.c ------------------------------------------------------ */

/* Resumes the suspended streams, all of them (due 0: an event came, or
 * stopping) or those whose keep-alive is due by then (ring_mu held). */
void gs_server_sse_wake(struct gs_server *s, double due);

/* Ends the suspended streams whose client has gone (closed or reset its
 * side): a suspended connection is off MHD's event loop, so nothing else
 * would see it before its keep-alive (ring_mu held). */
void gs_server_sse_reap(struct gs_server *s);

/* GET /stream: a streaming response, or NULL with r filled (an error). */
struct MHD_Response *gs_server_stream(struct gs_server *s,
				      struct MHD_Connection *c,
				      struct reply *r);

/* ---- server_movements.c (issue 13) ------------------------------------- */

/* GET /movements: the movements found over the trends, as 'movements
 * --json' writes them; ?tags=A,B,...: a given movement from the live
 * engine. Under the read lock. */
void gs_server_movement(struct gs_server *s, struct MHD_Connection *c,
			struct reply *r);

/* ---- server_admin.c ---------------------------------------------------- */

/* Is an event of key starting at start_ms shown (start_ms INT64_MIN: the
 * tag itself, outside any event)? Takes mod_mu. */
int gs_server_visible(struct gs_server *s, const char *key, int64_t start_ms,
		      int as_trend);

/* Replays the admin log: the state of each tag is its last action. */
void gs_server_admin_replay(struct gs_server *s, const char *path);

/* Does the request carry the admin token? Returns 1; else fills r (401,
 * or 429 with Retry-After while the client's address is blocked after
 * failed authentications: a right token does not lift a block), logs a
 * failure (stderr and the admin log) and returns 0. The token is compared
 * in constant time. */
int gs_server_authorized(struct gs_server *s, struct MHD_Connection *c,
			 const char *method, const char *path, struct reply *r);

/* The client address of a connection, as the per-address limits key it. */
struct client_addr gs_server_client_addr(struct MHD_Connection *c);

/* Routes: POST /admin/tags/NAME/ACTION; GET /admin/tags (the read lock
 * held). */
void gs_server_admin_action(struct gs_server *s, struct MHD_Connection *c,
			    const char *name, const char *action,
			    struct reply *r);
void gs_server_admin_list(struct gs_server *s, struct reply *r);

/* ---- server_metrics.c -------------------------------------------------- */

/* Malformed lines, every reason. */
uint64_t gs_server_malformed_total(const struct gs_server *s);

/* Copies what /stats and /metrics show into a new struct view and
 * publishes it (the pipeline, at a batch boundary, or before it starts):
 * when the data changed, at most every VIEW_MAX_AGE_MS while input keeps
 * coming, else every VIEW_IDLE_MS; force: now. Out of memory: the old view
 * stays. gs_server_view_free drops the last one. */
void gs_server_view_publish(struct gs_server *s, int force);
void gs_server_view_free(struct gs_server *s);

/* Routes: GET /stats, /metrics (without the lock: from the view). */
void gs_server_stats(struct gs_server *s, struct reply *r);
void gs_server_metrics(struct gs_server *s, struct reply *r);

/* ---- server_snapshot.c ------------------------------------------------- */

/* Writes DIR/state.snap when anything changed since the last one: takes
 * the read lock to serialise the state, writes the file without it; a
 * failure removes the .tmp, is counted for /stats and /metrics, and is
 * logged when it starts and when it ends. Returns 0 or the error. */
int gs_server_snapshot(struct gs_server *s);

/* Frees the chunks the snapshots are written from. */
void gs_server_snapshot_free(struct gs_server *s);

/* The snapshots' health: the "snapshots" member of /stats (a leading
 * comma, then the member) and the snapshot metrics; nothing without
 * --state. Takes snap_mu. */
void gs_server_snapshot_stats(struct gs_server *s, FILE *f);
void gs_server_snapshot_metrics(struct gs_server *s, FILE *f);

/* Can snapshots be written in dir (created if need be)? 0, or GS_EIO with
 * a message naming the directory. A probe file is created, written,
 * fsync'ed and removed, as a snapshot would be. */
int gs_server_state_writable(const char *dir, char *err, size_t errlen);

/* Restores DIR/state.snap when there is one: 0 (restored or none), or an
 * error with a message. Sources are opened by the caller from *saved. */
int gs_server_snapshot_load(struct gs_server *s, struct saved_source **saved,
			    size_t *nsaved, char *err, size_t errlen);
#endif
