/*
 * server.h - "groundswell serve": trends as they happen, over HTTP.
 *
 * A pipeline thread follows the sources (follow.h: files like tail -F,
 * standard input), parses their lines and feeds one engine and one trend
 * detector through struct gs_trend_live: a bucket is closed, and judged,
 * when a post arrives from a bucket more than `lateness` buckets after it
 * (event time, never wall-clock time), or when every source has been idle
 * for close_idle_ms. The pipeline holds a write lock while it counts; HTTP
 * handlers (libmicrohttpd, a few threads) never take it: they answer from
 * what the pipeline has published, or have the pipeline build the answer
 * between batches (server_answers.c).
 *
 * Endpoints (see README.md, "groundswell serve"):
 *   GET  /api/v1/trends/tags                  Mastodon's trending tags
 *   GET  /api/groundswell/v1/trends           trend events with lifecycle
 *   GET  /api/groundswell/v1/tags/NAME        one tag's magnitude, timeline
 *   GET  /api/groundswell/v1/stats            ingest statistics
 *   GET  /api/groundswell/v1/network          who addressed whom (accounts),
 *                                             of the whole stream or of one
 *                                             tag (?tag=), any kinds (?kind=),
 *                                             json/gexf/graphml/csv
 *   GET  /api/groundswell/v1/stream           server-sent events
 *   GET  /metrics                             Prometheus text format
 *   GET  /, /tags/NAME, /assets/NAME          the dashboard (assets.h)
 *   GET  /api/groundswell/v1/admin/tags       moderation state (token)
 *   POST /api/groundswell/v1/admin/tags/NAME/{approve,hide,ban} (token)
 *
 * Ownership: gs_server_start copies what it needs of the options (the
 * strings too); the caller frees the server with gs_server_stop.
 */
#ifndef GS_SERVER_H
#define GS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"
#include "count/filter.h"
#include "out/pseudo.h"
#include "detect/trend.h"

struct gs_server_options {
	struct gs_engine_options engine;
	struct gs_trend_options trend;
	enum gs_format format;       /* GS_FORMAT_AUTO: detected per line */
	size_t max_line;             /* 0: GS_DEFAULT_MAX_LINE */
	const char *const *sources;  /* paths, "-" for stdin */
	size_t nsources;
	int64_t lateness;            /* buckets a post may come late (1) */
	int64_t close_idle_ms;       /* close open buckets when every source
					has been idle this long; 0: never */
	const char *listen;          /* "ADDR:PORT" ("[::1]:PORT"); port 0
					picks a free port */
	const char *public_url;      /* base of Tag urls and Link headers;
					NULL: "http://" + listen address */
	const char *cors;            /* Access-Control-Allow-Origin, or NULL */
	int require_approval;        /* trends hidden until approved */
	const char *admin_token;     /* NULL: the admin API is off */
	const char *admin_log;       /* actions appended here (and replayed
					at start), or NULL */
	unsigned max_connections;    /* 128 */
	unsigned max_per_address;    /* connections of one client address (an
					IPv6 /64); 0: 16, at most
					max_connections */
	unsigned max_streams;	     /* event streams at once; 0: half of
					max_connections (at least 1); the
					other slots are the API's */
	unsigned timeout_s;	     /* a request (headers and body) must
					have arrived this long after the
					connection opened or its previous
					answer; idle ones are cut too (30) */
	size_t max_request;          /* bytes of request line + headers, and
					of a body (16384) */
	size_t max_answer;	     /* bytes of a /tags/NAME or /network
					answer; beyond: 413 (64 MiB) */
	size_t stream_backlog;       /* stream events kept for resuming (1024) */
	unsigned show_errors;        /* malformed lines printed on log (10) */
	FILE *log;                   /* messages (stderr) */
	const struct gs_pseudo *pseudo; /* pseudonymise account ids, or NULL */
	const char *state_dir;       /* snapshots, or NULL */
	int64_t snapshot_every_ms;   /* 30 s */
	size_t tag_network_edges;    /* cap of the per-tag network table
					(edges, and as many nodes; 100,000);
					0: no per-tag networks */
	int64_t window_from, window_to; /* posts dated outside, ms, are
					counted as out of window and left
					out (ingest.h); both 0: no window */
	const struct gs_filter *filter; /* --since, --lang, ...: posts left
					   out are counted by reason (filter.h);
					   NULL: none. The caller's, living as
					   long as the server */
	/* issue 12 part 5: deletions. Bytes of the table of recent posts a
	 * delete can retract (count/recent.h; GS_RECENT_DEFAULT_BYTES);
	 * 0: deletes are counted, never applied */
	size_t retract_window;
	/* issue 13 part 3: languages tracked apart, each with its own engine
	 * and live detector, for ?language= (count/langs.h); 0: none */
	size_t languages;
	/* issue 14: a kafka:// source (kafkasource.h, docs/kafka.md): the
	 * librdkafka properties file (NULL: none), and how often a moving
	 * partition's state is published (0: 1 s) */
	const char *kafka_config;
	int64_t kafka_publish_ms;
};

void gs_server_options_init(struct gs_server_options *o);

struct gs_server;

/*
 * Restores the state (state_dir), binds the listening socket and starts the
 * pipeline and HTTP threads. Returns 0, or a negative GS_E* code with a
 * message in err (GS_EUSAGE: bad options or address; GS_EIO: cannot bind,
 * cannot read or write the state; GS_ENOMEM).
 */
int gs_server_start(const struct gs_server_options *o, struct gs_server **out,
		    char *err, size_t errlen);

/* The port the server listens on. */
unsigned gs_server_port(const struct gs_server *s);

/* Housekeeping, to be called about once a second by the owner: closes
 * connections whose request headers are overdue, takes periodic snapshots.
 */
void gs_server_tick(struct gs_server *s);

/* Stops serving and reading, writes a last snapshot (state_dir), frees.
 * Returns 0 or the error of the last snapshot. */
int gs_server_stop(struct gs_server *s);

#endif
