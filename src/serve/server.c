/*
 * server.c - "groundswell serve": the server's lifecycle (options, start,
 * tick, stop); see server.h for what it serves.
 *
 * Threads. One pipeline thread (server_pipeline.c) reads every source in
 * batches of up to BATCH_LINES lines, round robin, and counts them into one
 * engine, one detector (struct gs_trend_live) and the networks. A few HTTP
 * threads (libmicrohttpd, epoll, one per CPU, niced) each serve many
 * connections; streams that have nothing to send are suspended rather than
 * holding a thread (server_sse.c). The owner's thread calls gs_server_tick
 * about once a second: it cuts overdue connections, wakes streams whose
 * keep-alive is due and writes the periodic snapshot.
 *
 * Locks. The engine, the detector, the networks, the sources and the
 * counters are guarded by one rwlock: the pipeline holds it for writing
 * while it counts a batch. No HTTP handler takes it but the admin list's
 * (and snapshots, off the HTTP threads): /stats and /metrics read a copy of
 * the counters the pipeline publishes at batch boundaries (struct view,
 * under view_mu); every other answer is cached, and built by the pipeline
 * itself between batches when a request finds none fresh (struct job,
 * server_answers.c: the pipeline is the only writer, so it reads without
 * the lock). It prefers its writer, and readers queue behind the mutex turn
 * (read_lock, server_int.h), so neither side starves. The stream's ring has
 * its own mutex (ring_mu), moderation its own (mod_mu), the connection list
 * its own (conn_mu), the job queue and the cache of heavy answers one
 * (jobs_mu), each cached trends answer one (struct answer_cache). They are
 * taken in this order, never the other way round: the rwlock, ring_mu,
 * mod_mu; jobs_mu, an answer's mu, view_mu, conn_mu and auth_mu (the failed
 * admin authentications) come last (nothing but an answer's mu is taken
 * while jobs_mu is held, nothing while the others are).
 *
 * Connection slots. A slot must not be held by a client that sends nothing
 * useful: a request (headers and body) must be in within --timeout of the
 * connection's opening or of its previous answer, or it is cut (the tick);
 * one client address (an IPv6 /64) holds at most max_per_address
 * connections, and a connection beyond that or beyond max_connections is
 * shut as soon as it is accepted; streams are capped at max_streams, so
 * that the rest of the slots answer the API however many clients listen,
 * and a stream whose client has gone is ended at the next tick rather than
 * at its keep-alive (server_sse.c). Failed admin authentications are
 * logged and, from an address that keeps failing, refused for a while that
 * doubles with each block (server_admin.c).
 *
 * The answers. Requests never wait for the ingest lock, and however many
 * clients ask, the pipeline builds each answer once per change of the data
 * (or of moderation) and spends at most a tenth of its time on them while
 * input keeps coming; a request whose answer is being built is suspended
 * (its HTTP thread serves the others) and resumed once it is. Heavy answers
 * (/tags/NAME, /network) are capped in size (--max-answer: 413) and in
 * number waiting (503 with Retry-After).
 *
 * The pipeline. A bucket is closed, and judged, when a post arrives from a
 * bucket more than `lateness` buckets after it (event time), or when every
 * source has been idle for close_idle_ms; each closed bucket is announced
 * on the stream (its top tags) with each trend event that started, peaked,
 * changed status or ended.
 *
 * Files (server_int.h has the map): routes, answers, stream, admin, metrics
 * and snapshots each have their own; this one starts and stops them.
 */
#include "server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "count/handles.h"
#include "kafkasource.h"
#include "netsource.h"

#define HTTP_THREADS_MAX    8  /* HTTP threads: one per CPU, 2 to this */
#define DEFAULT_PER_ADDRESS 16 /* connections of one client address */

void gs_server_options_init(struct gs_server_options *o)
{
	memset(o, 0, sizeof *o);
	gs_engine_options_init(&o->engine);
	gs_trend_options_init(&o->trend);
	o->lateness = 1;
	o->listen = "127.0.0.1:8080";
	o->max_connections = 128;
	o->timeout_s = 30;
	/* max_per_address, max_streams: 0, derived from max_connections */
	o->max_request = 16384;
	o->max_answer = (size_t)64 << 20;
	o->stream_backlog = 1024;
	o->show_errors = 10;
	o->snapshot_every_ms = 30000;
	o->tag_network_edges = 100000;
	o->retract_window = GS_RECENT_DEFAULT_BYTES;
}

FILE *gs_server_fopen_private(const char *path, int append)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_CLOEXEC |
			      (append ? O_APPEND : O_TRUNC),
		      0600);
	if (fd < 0)
		return NULL;
	FILE *f =
		fchmod(fd, 0600) == 0 ? fdopen(fd, append ? "a" : "wb") : NULL;
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

void gs_server_log(struct gs_server *s, const char *fmt, ...)
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
	gs_kafka_close(s->kafka); /* publishes its states: before the rest */
	for (size_t i = 0; i < s->nsrc; i++) {
		gs_follow_close(s->src[i].f);
		free(s->src[i].path);
	}
	free(s->src);
	for (size_t i = 0; i < s->ring_n; i++)
		gs_server_ring_ev_free(
			&s->ring[(s->ring_head + i) % s->ring_cap]);
	free(s->ring);
	free(s->mods);
	free(s->ev);
	if (s->admin_log)
		fclose(s->admin_log);
	gs_parser_free(s->ps);
	gs_trend_free(s->t);
	gs_engine_free(s->e);
	gs_trend_langs_free(s->tlangs);
	gs_langs_free(s->langs);
	pthread_mutex_destroy(&s->lang_mu);
	gs_network_free(s->net);
	gs_network_free(s->tagnet);
	gs_cooccur_free(s->cooc);
	gs_recent_release(&s->recent);
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
	pthread_mutex_destroy(&s->snap_mu);
	gs_server_snapshot_free(s);
	pthread_mutex_destroy(&s->auth_mu);
	free(s->authf);
	gs_server_answer_put(s->ac_trends.cur);
	gs_server_answer_put(s->ac_mtags.cur);
	gs_server_answers_free(s);
	gs_server_view_free(s);
	pthread_mutex_destroy(&s->view_mu);
	pthread_mutex_destroy(&s->ac_trends.mu);
	pthread_mutex_destroy(&s->ac_mtags.mu);
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
	if (!s->o.max_per_address)
		s->o.max_per_address = DEFAULT_PER_ADDRESS;
	if (s->o.max_per_address > s->o.max_connections)
		s->o.max_per_address = s->o.max_connections;
	if (!s->o.max_streams)
		s->o.max_streams = s->o.max_connections / 2;
	if (!s->o.max_streams)
		s->o.max_streams = 1;
	if (s->o.max_request < 4096)
		s->o.max_request = 4096;
	if (!s->o.max_answer)
		s->o.max_answer = (size_t)64 << 20;
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
	pthread_mutex_init(&s->snap_mu, NULL);
	pthread_mutex_init(&s->auth_mu, NULL);
	pthread_mutex_init(&s->ac_trends.mu, NULL);
	pthread_mutex_init(&s->ac_mtags.mu, NULL);
	pthread_mutex_init(&s->view_mu, NULL);
	pthread_mutex_init(&s->lang_mu, NULL);
	if (gs_server_answers_init(s) != 0) {
		free_server(s);
		snprintf(err, errlen, "cannot create an eventfd: %s",
			 strerror(errno));
		return GS_EIO;
	}
	s->lock_probe = getenv("GS_SERVE_LOCK_PROBE");
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
	if (s->e) /* for tags/NAME's mentions (issue 12 part 1) */
		gs_engine_keep_handles(s->e, 1);
	s->t = s->e ? gs_trend_new(&s->o.trend, s->o.engine.bucket_ms) : NULL;
	s->ps = gs_parser_new(o->format, o->max_line);
	s->net = gs_network_new(NULL);
	struct gs_cooccur_options co; /* as 'movements' makes it */
	gs_cooccur_options_init(&co);
	co.bucket_ms = s->o.engine.bucket_ms;
	co.max_tags = s->o.engine.max_tags;
	s->cooc = gs_cooccur_new(&co);
	gs_recent_init(&s->recent, o->retract_window);
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
	if (!s->cooc) {
		snprintf(err, errlen, "out of memory");
		free_server(s);
		return GS_ENOMEM;
	}
	gs_trend_live_init(&s->l, s->e, s->t, s->o.lateness);
	if (o->languages) { /* issue 13 part 3: ?language= */
		s->langs = o->languages <= GS_LANGS_MAX
				   ? gs_langs_new(&s->o.engine, o->languages)
				   : NULL;
		s->tlangs = s->langs ? gs_trend_langs_new(s->langs, &s->o.trend,
							  s->o.lateness)
				     : NULL;
		if (!s->tlangs) {
			snprintf(err, errlen,
				 "invalid --max-languages %zu (1 to %d)",
				 o->languages, GS_LANGS_MAX);
			free_server(s);
			return GS_EUSAGE;
		}
	}
	if (o->admin_token && *o->admin_token) {
		crypto_generichash(s->token_hash, sizeof s->token_hash,
				   (const unsigned char *)o->admin_token, strlen(o->admin_token),
				   NULL, 0);
		s->have_token = 1;
	}
	if (o->admin_log) {
		gs_server_admin_replay(s, o->admin_log);
		s->admin_log = gs_server_fopen_private(o->admin_log, 1);
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
		/* a snapshot that cannot be written is found now, not after
		 * hours of counting that a restart would lose */
		int r = gs_server_state_writable(o->state_dir, err, errlen);
		if (!r)
			r = gs_server_snapshot_load(s, &saved, &nsaved, err,
						    errlen);
		if (r) {
			free_server(s);
			return r;
		}
	}
	size_t nfollow = o->nsources;
	for (size_t i = 0; i < o->nsources; i++) /* issue 14 */
		if (gs_kafka_kind(o->sources[i])) {
			int alone = o->nsources == 1 && !o->state_dir &&
				    !o->languages;
			int r = !alone ? GS_EUSAGE
				       : gs_server_kafka_open(s, o->sources[i],
							      err, errlen);
			if (!alone)
				snprintf(
					err, errlen,
					"a kafka:// source is the only source, and keeps its state in Kafka (no --state; no --by-language yet: the partitions' states hold no language's counts)");
			if (r) {
				for (size_t j = 0; j < nsaved; j++)
					free(saved[j].path);
				free(saved);
				free_server(s);
				return r;
			}
			nfollow = 0;
		}
	for (size_t i = 0; i < nfollow; i++) {
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
		gs_server_source_info(&s->src[i]);
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
					gs_server_log(
						s,
						"warning: source '%s' does not exist; following it "
						"until it appears (as tail -F)",
						o->sources[i]);
				else
					gs_server_log(
						s,
						"warning: cannot read source '%s': %s; retrying until "
						"it can be read",
						o->sources[i], strerror(errno));
			}
		}
	}
	for (size_t j = 0; j < nsaved; j++)
		free(saved[j].path);
	free(saved);
	gs_server_view_publish(s, 1); /* what /stats shows until the first
					 batch */
	/* a few threads, each serving many connections (epoll), rather than a
	 * thread per connection: with many busy connections those threads
	 * took the CPU from the pipeline (bench/serve-load.md) */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu < 2 ? 2 : ncpu > HTTP_THREADS_MAX ? HTTP_THREADS_MAX : (unsigned)ncpu;
	if (fam == 6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(
		flags, 0, NULL, NULL, gs_server_handler, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, 2 * (unsigned)s->o.max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->o.max_request,
		MHD_OPTION_NOTIFY_COMPLETED, gs_server_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, gs_server_notify_conn, s,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_END);
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
	if (pthread_create(&s->thr, NULL, gs_server_pipeline, s) != 0) {
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
	/* requests overdue, idle or half-closed connections: cut */
	double now = gs_now();
	gs_server_conns_cut(s, now);
	/* streams whose client has gone, and waiting streams whose keep-alive
	 * is due */
	pthread_mutex_lock(&s->ring_mu);
	gs_server_sse_reap(s);
	gs_server_sse_wake(s, now);
	pthread_mutex_unlock(&s->ring_mu);
	if (s->state_dir && (now - s->last_snapshot) * 1000 >= (double)s->o.snapshot_every_ms)
		gs_server_snapshot(s);
}

int gs_server_stop(struct gs_server *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->ring_mu);
	s->ring_stop = 1;
	gs_server_sse_wake(
		s, 0); /* MHD must not be stopped with suspended connections */
	pthread_mutex_unlock(&s->ring_mu);
	gs_server_answers_close(s); /* no connection waits for a job */
	if (s->d)
		MHD_stop_daemon(s->d);
	atomic_store(&s->stop, 1);
	if (s->thr_started)
		pthread_join(s->thr, NULL);
	int r = 0;
	if (s->state_dir) {
		s->last_snapshot = 0; /* written even when nothing changed */
		r = gs_server_snapshot(s);
	}
	free_server(s);
	return r;
}
