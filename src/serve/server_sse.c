/*
 * server_sse.c - GET /stream: server-sent events from the stream's ring,
 * resumable by Last-Event-ID (server_int.h).
 *
 * A stream with nothing to send is suspended, off MHD's event loop, so
 * nothing there sees its client leave: the tick polls the suspended
 * streams' sockets for the client's end (gs_server_sse_reap), and a stream
 * found gone is resumed to end, freeing its slot within a tick rather than
 * at its next keep-alive. At most --max-streams streams at once: one more
 * is a 503 with Retry-After, so that the other slots stay the API's.
 */
#include "server_int.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "base/timeutil.h"

struct sse {
	struct gs_server *s;
	struct MHD_Connection *conn;
	uint64_t last; /* id of the last event given */
	char *pend;
	size_t plen, poff;
	int hello;
	double due;  /* gs_now() when a keep-alive is due */
	int waiting; /* suspended, in s->sse_wait (under ring_mu) */
	int gone;    /* its client has gone: end it (under ring_mu) */
	int fd;	     /* its socket, or -1 */
	struct sse *wnext;
};

#define STREAM_RETRY_AFTER 10 /* seconds, in a 503 beyond --max-streams */

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
void gs_server_sse_wake(struct gs_server *s, double due)
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

/* Ends the suspended streams whose client has gone (ring_mu held). A
 * client never sends anything after its request, so its side readable
 * means it closed (POLLRDHUP) or reset (POLLHUP, POLLERR) the connection;
 * data alone (a pipelined request) is left to MHD. */
void gs_server_sse_reap(struct gs_server *s)
{
	size_t n = 0;
	for (struct sse *c = s->sse_wait; c; c = c->wnext)
		n += c->fd >= 0;
	if (!n)
		return;
	struct pollfd *p = malloc(n * sizeof *p);
	if (!p)
		return; /* then at their keep-alive, as before */
	size_t i = 0;
	for (struct sse *c = s->sse_wait; c; c = c->wnext)
		if (c->fd >= 0)
			p[i++] = (struct pollfd){c->fd, POLLRDHUP, 0};
	if (poll(p, n, 0) > 0) {
		i = 0;
		for (struct sse **pp = &s->sse_wait; *pp;) {
			struct sse *c = *pp;
			if (c->fd < 0 || !(p[i++].revents &
					   (POLLRDHUP | POLLHUP | POLLERR))) {
				pp = &c->wnext;
				continue;
			}
			*pp = c->wnext;
			c->wnext = NULL;
			c->waiting = 0;
			c->gone = 1;
			MHD_resume_connection(c->conn);
		}
	}
	free(p);
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
			&s->ring[(s->ring_head + (c->last + 1 - oldest)) %
				 s->ring_cap];
		c->last = r->id;
		if (r->type == EV_TREND) {
			if (!gs_server_visible(s, r->key, r->start_ms, 1))
				continue;
			fprintf(o.f, "id: %llu\nevent: trend\ndata: %s\n\n",
				(unsigned long long)r->id, r->json);
		} else {
			fprintf(o.f, "id: %llu\nevent: bucket\ndata: %s",
				(unsigned long long)r->id, r->json);
			size_t k = 0;
			for (size_t i = 0; i < r->nparts && k < BUCKET_TOP; i++)
				if (r->parts[i] &&
				    gs_server_visible(s, r->pkeys[i], INT64_MIN,
						      1))
					fprintf(o.f, "%s%s", k++ ? "," : "",
						r->parts[i]);
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
		int n = snprintf(buf, max,
				 ": groundswell stream\nretry: 3000\n\n");
		return n > 0 && (size_t)n < max ? n : 0;
	}
	if (c->poff >= c->plen) {
		pthread_mutex_lock(&s->ring_mu);
		if (c->gone) { /* MHD closes it */
			pthread_mutex_unlock(&s->ring_mu);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
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

struct MHD_Response *gs_server_stream(struct gs_server *s,
				      struct MHD_Connection *c, struct reply *r)
{
	const char *lei = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Last-Event-ID");
	if (!lei)
		lei = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						  "last_event_id");
	long long last = -1;
	if (lei) {
		char *end;
		errno = 0;
		last = strtoll(lei, &end, 10);
		if (errno || *end || end == lei || last < 0) {
			gs_server_reply_error(
				r, 400, "Last-Event-ID must be an event id");
			return NULL;
		}
	}
	/* a slot is taken first, so that no two requests take the last */
	if (atomic_fetch_add(&s->stream_clients, 1) >= s->o.max_streams) {
		atomic_fetch_sub(&s->stream_clients, 1);
		atomic_fetch_add(&s->refused_streams, 1);
		r->retry_after = STREAM_RETRY_AFTER;
		gs_server_reply_error(
			r, 503,
			"too many streams (--max-streams); retry later");
		return NULL;
	}
	struct sse *x = calloc(1, sizeof *x);
	if (!x) {
		atomic_fetch_sub(&s->stream_clients, 1);
		gs_server_reply_error(r, 500, "out of memory");
		return NULL;
	}
	x->s = s;
	x->conn = c;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	x->fd = ci ? ci->connect_fd : -1;
	pthread_mutex_lock(&s->ring_mu);
	if (last < 0 || (uint64_t)last >= s->next_id)
		x->last = s->next_id - 1;
	else
		x->last = (uint64_t)last;
	pthread_mutex_unlock(&s->ring_mu);
	struct MHD_Response *resp = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 16384, sse_read, x, sse_free);
	if (!resp) {
		free(x);
		atomic_fetch_sub(&s->stream_clients, 1);
		gs_server_reply_error(r, 500, "out of memory");
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type",
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	return resp;
}
