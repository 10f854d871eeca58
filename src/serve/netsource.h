/*
 * netsource.h - network line sources for "groundswell serve": a Bluesky
 * Jetstream WebSocket (ws://, wss://; libwebsockets) and a Mastodon
 * streaming endpoint (http://, https://: server-sent events; libcurl).
 *
 * A source runs its own thread, which connects, reconnects with capped
 * exponential backoff and jitter (0.5 s doubling up to 30 s, each delay
 * drawn between half and all of it; reset once a message arrives), and
 * queues what it receives (at most QUEUE messages; the thread waits when
 * the queue is full). gs_net_next hands the queued lines to the one
 * consumer thread:
 *
 * Jetstream: one line per text message (one JSON event). The position is
 * the time_us of the last event given; a reconnection (or a restart from a
 * saved position P) asks for cursor = position - 5 s, and every event
 * whose time_us is not greater than the position is dropped as a
 * duplicate (counted in "dropped"). So nothing is given twice as long as
 * time_us increases strictly along the stream (Jetstream assigns it).
 *
 * Mastodon: every line of the event stream (event:, data:, comments and
 * blank lines) with the Authorization: Bearer token set by
 * gs_net_set_token. The position is the id of the last status of an
 * "update" event given; the streaming API cannot resume, so what is posted
 * while disconnected is missed (nothing is duplicated).
 *
 * Not thread-safe apart from the source's own thread: one consumer.
 */
#ifndef GS_NETSOURCE_H
#define GS_NETSOURCE_H

#include <stddef.h>
#include <stdint.h>

struct gs_net;

/* What a network source has done (gs_net_info). */
struct gs_net_info {
	int jetstream;	     /* 1: a Jetstream source; 0: Mastodon */
	int connected;	     /* a connection is open now */
	size_t queued;	     /* messages waiting for gs_net_next */
	uint64_t position;   /* Jetstream: the time_us of the last event given;
				Mastodon: the id of the last status of an
				"update" given; 0: none yet */
	uint64_t lines;	     /* lines given */
	uint64_t too_long;   /* messages skipped for their length */
	uint64_t reconnects; /* connections made again after one was lost */
	uint64_t dropped;    /* Jetstream: events received again after a
				reconnection (time_us not past the position),
				dropped as duplicates; Mastodon: 0 */
	int err;	     /* errno of the last failure, or 0 */
};

/* 1 for a Jetstream URL (ws://, wss://), 2 for a Mastodon streaming URL
 * (http://, https://), 0 otherwise. */
int gs_net_kind(const char *path);

/* The bearer token of Mastodon sources (copied), or NULL for none. Call
 * before opening sources. */
void gs_net_set_token(const char *token);

/* Starts a source; start is a saved position (0: none). NULL when out of
 * memory or the URL cannot be parsed (err set). */
struct gs_net *gs_net_open(const char *url, size_t max_line, uint64_t start,
			   char *err, size_t errlen);

/* As gs_follow_next: 1 with a line, 0 when none is queued, GS_ETOOLONG for
 * a message longer than max_line (skipped). */
int gs_net_next(struct gs_net *n, const char **line, size_t *len);

/* What the source has done so far (o filled whole). */
void gs_net_info(const struct gs_net *n, struct gs_net_info *o);

/* A file descriptor readable while lines are queued (-1 if none). */
int gs_net_pollfd(const struct gs_net *n);

void gs_net_close(struct gs_net *n);

#endif
