/* netsource.c - Jetstream (libwebsockets) and Mastodon streaming (libcurl)
 * line sources (see netsource.h). */
#include "netsource.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libwebsockets.h>

#include "groundswell.h"

#define QUEUE 4096
#define REWIND_US 5000000ULL   /* the cursor asked for: 5 s before */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

enum { NET_JETSTREAM = 1, NET_MASTODON = 2 };

struct item {
	char *s;    /* NULL: a message too long */
	size_t len;
};

struct gs_net {
	int kind;
	char *url;
	size_t max_line;
	pthread_t thr;
	int started;
	atomic_int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	struct item q[QUEUE];
	size_t head, count;
	int connected;
	uint64_t position;   /* Jetstream: time_us; Mastodon: status id */
	uint64_t lines, too_long, reconnects, dropped;
	int err;
	struct lws_context *ctx; /* while the Jetstream thread runs */
	int efd;                 /* readable while the queue is not empty */
	/* consumer only */
	char *cur;
	int sse_update;
	/* network thread only */
	char *msg;
	size_t mlen, mcap;
	int mtoolong;
	int got_message;
	int ws_done;
	unsigned seed;
};

static char *token_copy;

int gs_net_kind(const char *p)
{
	if (!strncmp(p, "ws://", 5) || !strncmp(p, "wss://", 6))
		return NET_JETSTREAM;
	if (!strncmp(p, "http://", 7) || !strncmp(p, "https://", 8))
		return NET_MASTODON;
	return 0;
}

void gs_net_set_token(const char *token)
{
	if (token_copy) {
		memset(token_copy, 0, strlen(token_copy));
		free(token_copy);
	}
	token_copy = token ? strdup(token) : NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits the next backoff delay (returns early when stopping). */
static void backoff(struct gs_net *n, unsigned *attempt)
{
	long d = BACKOFF_MIN_MS;
	for (unsigned i = 0; i < *attempt && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	d = d / 2 + (long)(rand_r(&n->seed) % (unsigned)(d / 2 + 1));
	(*attempt)++;
	for (long t = 0; t < d && !atomic_load(&n->stop); t += 50)
		sleep_ms(50);
}

/* Queues a message (copied); waits while the queue is full. */
static void push(struct gs_net *n, const char *s, size_t len, int toolong)
{
	char *c = NULL;
	if (!toolong) {
		c = malloc(len + 1);
		if (!c)
			return;
		memcpy(c, s, len);
		c[len] = 0;
	}
	pthread_mutex_lock(&n->mu);
	while (n->count == QUEUE && !atomic_load(&n->stop)) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&n->cv, &n->mu, &until);
	}
	if (n->count == QUEUE) {
		pthread_mutex_unlock(&n->mu);
		free(c);
		return;
	}
	n->q[(n->head + n->count) % QUEUE] = (struct item){c, len};
	if (!n->count++ && n->efd >= 0) {
		uint64_t one = 1;
		if (write(n->efd, &one, sizeof one) < 0) {
			/* the counter cannot overflow: it is read when empty */
		}
	}
	pthread_mutex_unlock(&n->mu);
}

/* ---- Jetstream: libwebsockets ----------------------------------------- */

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		       void *in, size_t len)
{
	(void)user;
	struct lws_context *ctx = lws_get_context(wsi);
	struct gs_net *n = ctx ? lws_context_user(ctx) : NULL;
	if (!n)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		pthread_mutex_lock(&n->mu);
		n->connected = 1;
		n->err = 0;
		pthread_mutex_unlock(&n->mu);
		n->mlen = 0;
		n->mtoolong = 0;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_frame_is_binary(wsi))
			break;
		if (!n->mtoolong) {
			if (n->mlen + len > n->max_line) {
				n->mtoolong = 1;
			} else {
				if (n->mlen + len + 1 > n->mcap) {
					size_t cap = (n->mlen + len + 1) * 2;
					char *m = realloc(n->msg, cap);
					if (!m)
						return -1;
					n->msg = m;
					n->mcap = cap;
				}
				memcpy(n->msg + n->mlen, in, len);
				n->mlen += len;
			}
		}
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			push(n, n->msg, n->mlen, n->mtoolong);
			n->got_message = 1;
			n->mlen = 0;
			n->mtoolong = 0;
		}
		if (atomic_load(&n->stop))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		pthread_mutex_lock(&n->mu);
		n->err = ECONNREFUSED;
		pthread_mutex_unlock(&n->mu);
		/* fall through */
	case LWS_CALLBACK_CLIENT_CLOSED:
		pthread_mutex_lock(&n->mu);
		n->connected = 0;
		pthread_mutex_unlock(&n->mu);
		n->ws_done = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* a ping after 30 s without a sign of life, a hangup after 60 s */
static const lws_retry_bo_t ws_idle = {NULL, 0, 0, 30, 60, 0};

static const struct lws_protocols ws_protocols[] = {
	{"groundswell-jetstream", ws_callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

/* The URL's path with any cursor= parameter removed, and cursor=C added
 * when C > 0. */
static char *ws_path(const char *path, uint64_t cursor)
{
	size_t n = strlen(path);
	char *out = malloc(n + 40);
	if (!out)
		return NULL;
	const char *q = strchr(path, '?');
	size_t k = q ? (size_t)(q - path) : n;
	memcpy(out, path, k);
	out[k] = 0;
	int first = 1;
	if (q) {
		const char *p = q + 1;
		while (*p) {
			const char *e = strchr(p, '&');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l && !(cursor && l >= 7 && !strncmp(p, "cursor=", 7))) {
				strcat(out, first ? "?" : "&");
				strncat(out, p, l);
				first = 0;
			}
			p += l + (e ? 1 : 0);
		}
	}
	if (cursor)
		sprintf(out + strlen(out), "%scursor=%llu", first ? "?" : "&",
			(unsigned long long)cursor);
	return out;
}

static void *ws_thread(void *arg)
{
	struct gs_net *n = arg;
	lws_set_log_level(getenv("GS_LWS_LOG") ? atoi(getenv("GS_LWS_LOG")) : 0, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = n;
	int tls = !strncmp(n->url, "wss://", 6);
	if (tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	struct lws_context *ctx = lws_create_context(&info);
	if (!ctx) {
		pthread_mutex_lock(&n->mu);
		n->err = ENOMEM;
		pthread_mutex_unlock(&n->mu);
		return NULL;
	}
	pthread_mutex_lock(&n->mu);
	n->ctx = ctx;
	pthread_mutex_unlock(&n->mu);
	unsigned attempt = 0;
	int first = 1;
	while (!atomic_load(&n->stop)) {
		char *u = strdup(n->url);
		const char *prot, *addr, *path;
		int port;
		if (!u || lws_parse_uri(u, &prot, &addr, &port, &path)) {
			free(u);
			break;
		}
		pthread_mutex_lock(&n->mu);
		uint64_t pos = n->position;
		if (!first)
			n->reconnects++;
		pthread_mutex_unlock(&n->mu);
		first = 0;
		/* lws_parse_uri drops the leading '/' */
		char *p1 = malloc(strlen(path) + 2);
		char *full = NULL;
		if (p1) {
			p1[0] = '/';
			strcpy(p1 + 1, path);
			full = ws_path(p1, pos > REWIND_US ? pos - REWIND_US : pos ? 1 : 0);
			free(p1);
		}
		if (!full) {
			free(u);
			break;
		}
		struct lws_client_connect_info ci;
		memset(&ci, 0, sizeof ci);
		ci.context = ctx;
		ci.address = addr;
		ci.port = port;
		ci.path = full;
		ci.host = addr;
		ci.origin = addr;
		ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
		ci.local_protocol_name = ws_protocols[0].name;
		ci.retry_and_idle_policy = &ws_idle;
		n->ws_done = 0;
		n->got_message = 0;
		if (lws_client_connect_via_info(&ci) == NULL)
			n->ws_done = 1;
		while (!n->ws_done && !atomic_load(&n->stop))
			if (lws_service(ctx, 100) < 0)
				break;
		free(full);
		free(u);
		if (atomic_load(&n->stop))
			break;
		if (n->got_message)
			attempt = 0;
		backoff(n, &attempt);
	}
	pthread_mutex_lock(&n->mu);
	n->ctx = NULL;
	pthread_mutex_unlock(&n->mu);
	lws_context_destroy(ctx);
	free(n->msg);
	n->msg = NULL;
	return NULL;
}

/* ---- Mastodon: libcurl ------------------------------------------------ */

static size_t sse_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gs_net *n = arg;
	size_t len = size * nmemb;
	if (atomic_load(&n->stop))
		return 0;
	pthread_mutex_lock(&n->mu);
	n->connected = 1;
	n->err = 0;
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '\n') {
			size_t l = n->mlen;
			if (l && n->msg[l - 1] == '\r')
				l--;
			push(n, n->msg, l, n->mtoolong);
			n->got_message = 1;
			n->mlen = 0;
			n->mtoolong = 0;
			continue;
		}
		if (n->mtoolong)
			continue;
		if (n->mlen + 1 > n->max_line) {
			n->mtoolong = 1;
			continue;
		}
		if (n->mlen + 2 > n->mcap) {
			size_t cap = n->mcap ? n->mcap * 2 : 4096;
			char *m = realloc(n->msg, cap);
			if (!m)
				return 0;
			n->msg = m;
			n->mcap = cap;
		}
		n->msg[n->mlen++] = c;
	}
	return len;
}

static int sse_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	struct gs_net *n = arg;
	return atomic_load(&n->stop) ? 1 : 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void *sse_thread(void *arg)
{
	struct gs_net *n = arg;
	unsigned attempt = 0;
	int first = 1;
	while (!atomic_load(&n->stop)) {
		CURL *c = curl_easy_init();
		struct curl_slist *h = NULL;
		char *auth = NULL;
		if (!c)
			break;
		if (token_copy) {
			size_t k = strlen(token_copy) + 32;
			auth = malloc(k);
			if (auth) {
				snprintf(auth, k, "Authorization: Bearer %s", token_copy);
				h = curl_slist_append(h, auth);
			}
		}
		h = curl_slist_append(h, "Accept: text/event-stream");
		curl_easy_setopt(c, CURLOPT_URL, n->url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, n);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sse_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, n);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
		/* Mastodon sends a comment every few seconds: a stream silent
		 * for two minutes is dead */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
		curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "groundswell");
		if (!first) {
			pthread_mutex_lock(&n->mu);
			n->reconnects++;
			pthread_mutex_unlock(&n->mu);
		}
		first = 0;
		n->got_message = 0;
		n->mlen = 0;
		n->mtoolong = 0;
		CURLcode r = curl_easy_perform(c);
		pthread_mutex_lock(&n->mu);
		n->connected = 0;
		if (r != CURLE_OK && !atomic_load(&n->stop))
			n->err = r == CURLE_HTTP_RETURNED_ERROR ? EACCES : ECONNRESET;
		pthread_mutex_unlock(&n->mu);
		curl_slist_free_all(h);
		if (auth) {
			memset(auth, 0, strlen(auth));
			free(auth);
		}
		curl_easy_cleanup(c);
		if (atomic_load(&n->stop))
			break;
		if (n->got_message)
			attempt = 0;
		backoff(n, &attempt);
	}
	free(n->msg);
	n->msg = NULL;
	return NULL;
}

/* ---- the consumer ------------------------------------------------------ */

struct gs_net *gs_net_open(const char *url, size_t max_line, uint64_t start,
			   char *err, size_t errlen)
{
	int kind = gs_net_kind(url);
	if (!kind) {
		snprintf(err, errlen, "'%s' is not a ws://, wss://, http:// or https:// URL", url);
		return NULL;
	}
	struct gs_net *n = calloc(1, sizeof *n);
	if (!n || !(n->url = strdup(url))) {
		free(n);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	n->position = start;
	n->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)n;
	n->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	if (kind == NET_MASTODON)
		pthread_once(&curl_once, curl_init_once);
	if (pthread_create(&n->thr, NULL, kind == NET_JETSTREAM ? ws_thread : sse_thread, n)) {
		snprintf(err, errlen, "cannot start a thread");
		gs_net_close(n);
		return NULL;
	}
	n->started = 1;
	return n;
}

/* The unsigned number after "key": (digits, or a string of digits), or 0. */
static uint64_t json_number(const char *s, size_t len, const char *key)
{
	const char *p = memmem(s, len, key, strlen(key));
	if (!p)
		return 0;
	p += strlen(key);
	const char *e = s + len;
	while (p < e && (*p == ' ' || *p == '"'))
		p++;
	uint64_t v = 0;
	int any = 0;
	while (p < e && *p >= '0' && *p <= '9' && v < UINT64_MAX / 10) {
		v = v * 10 + (uint64_t)(*p++ - '0');
		any = 1;
	}
	return any ? v : 0;
}

int gs_net_next(struct gs_net *n, const char **line, size_t *len)
{
	for (;;) {
		pthread_mutex_lock(&n->mu);
		if (!n->count) {
			uint64_t v;
			if (n->efd >= 0 && read(n->efd, &v, sizeof v) < 0) {
				/* EAGAIN: nothing was signalled */
			}
			pthread_mutex_unlock(&n->mu);
			return 0;
		}
		struct item it = n->q[n->head];
		n->head = (n->head + 1) % QUEUE;
		n->count--;
		pthread_cond_signal(&n->cv);
		if (!it.s) {
			n->too_long++;
			pthread_mutex_unlock(&n->mu);
			return GS_ETOOLONG;
		}
		if (n->kind == NET_JETSTREAM) {
			uint64_t t = json_number(it.s, it.len, "\"time_us\":");
			if (t && t <= n->position) {
				n->dropped++;
				pthread_mutex_unlock(&n->mu);
				free(it.s);
				continue;
			}
			if (t)
				n->position = t;
		} else {
			if (it.len >= 6 && !memcmp(it.s, "event:", 6)) {
				const char *e = it.s + 6;
				while (*e == ' ')
					e++;
				n->sse_update = !strcmp(e, "update");
			} else if (it.len >= 5 && !memcmp(it.s, "data:", 5)) {
				if (n->sse_update) {
					uint64_t id = json_number(it.s, it.len, "\"id\":");
					if (id)
						n->position = id;
				}
				n->sse_update = 0;
			} else if (it.len == 0) {
				n->sse_update = 0;
			}
		}
		n->lines++;
		pthread_mutex_unlock(&n->mu);
		free(n->cur);
		n->cur = it.s;
		*line = it.s;
		*len = it.len;
		return 1;
	}
}

void gs_net_info(const struct gs_net *cn, struct gs_net_info *o)
{
	struct gs_net *n = (struct gs_net *)cn;
	pthread_mutex_lock(&n->mu);
	o->jetstream = n->kind == NET_JETSTREAM;
	o->connected = n->connected;
	o->queued = n->count;
	o->position = n->position;
	o->lines = n->lines;
	o->too_long = n->too_long;
	o->reconnects = n->reconnects;
	o->dropped = n->dropped;
	o->err = n->err;
	pthread_mutex_unlock(&n->mu);
}

int gs_net_pollfd(const struct gs_net *n)
{
	return n->efd;
}

void gs_net_close(struct gs_net *n)
{
	if (!n)
		return;
	atomic_store(&n->stop, 1);
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		pthread_cond_broadcast(&n->cv);
		if (n->ctx)
			lws_cancel_service(n->ctx);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thr, NULL);
	}
	for (size_t i = 0; i < n->count; i++)
		free(n->q[(n->head + i) % QUEUE].s);
	free(n->cur);
	free(n->msg);
	free(n->url);
	if (n->efd >= 0)
		close(n->efd);
	pthread_mutex_destroy(&n->mu);
	pthread_cond_destroy(&n->cv);
	free(n);
}
