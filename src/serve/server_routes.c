/*
 * server_routes.c - HTTP: the route table and the dispatch of a request,
 * replies and their headers, and the bookkeeping of connections
 * (server_int.h).
 */
#include "server_int.h"

#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "assets.h"
#include "base/timeutil.h"
#include "out/json_writer.h"

#define HTTP_NICE 19 /* the HTTP threads' nice value (the pipeline's is 0) */

void gs_server_reply_text(struct reply *r, unsigned status, const char *type,
			  char *body, size_t len)
{
	r->status = status;
	r->type = type;
	r->body = body;
	r->len = len;
}

void gs_server_reply_error(struct reply *r, unsigned status, const char *msg)
{
	struct out o;
	if (out_open(&o) == 0) {
		fputs("{\"error\":", o.f);
		gs_json_str(o.f, msg);
		fputs("}\n", o.f);
		size_t len;
		char *b = out_close(&o, &len);
		if (b) {
			gs_server_reply_text(r, status,
					     "application/json; charset=utf-8",
					     b, len);
			return;
		}
	}
	gs_server_reply_text(r, 500, "text/plain", NULL, 0);
}

void gs_server_reply_out(struct reply *r, struct out *o)
{
	size_t len;
	char *b = out_close(o, &len);
	if (!b) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	gs_server_reply_text(r, 200, "application/json; charset=utf-8", b, len);
}

static const char index_json[] =
	"{\"name\":\"groundswell\",\"version\":\"" GS_VERSION
	"\",\"endpoints\":["
	"\"/api/v1/trends/tags\",\"" API "/trends\",\"" API
	"/tags/NAME\",\"" API "/stats\","
	"\"" API "/network\",\"" API "/stream\",\"/metrics\",\"" API
	"/languages\",\"" API "/admin/tags\","
	"\"" API "/admin/tags/NAME/{approve,hide,ban}\"]}\n";

/* ---- the route table ---------------------------------------------------- */

/*
 * A route's handler fills r, or returns a streaming response (the stream).
 * arg: for a NAME route the name (the rest of the path), for a NAME_ACTION
 * route "NAME/ACTION" (in a copy of the path: the handler may cut it);
 * else NULL.
 */
typedef struct MHD_Response *(*route_fn)(struct gs_server *s,
					 struct MHD_Connection *c, char *arg,
					 struct reply *r);

enum route_match {
	MATCH_EXACT,	  /* the path itself */
	MATCH_NAME,	  /* the path then one segment (no '/', maybe empty) */
	MATCH_NAME_ACTION /* the path then NAME/ACTION (NAME not empty) */
};

enum route_method {
	METHOD_GET, /* GET and HEAD */
	METHOD_POST
};

#define ROUTE_ADMIN  1u /* under API/admin: the token was checked */
#define ROUTE_LOCKED 2u /* runs under the read lock */

struct route {
	const char *path;
	enum route_match match;
	enum route_method method;
	unsigned flags;
	route_fn fn;
};

static struct MHD_Response *h_index(struct gs_server *s,
				    struct MHD_Connection *c, char *arg,
				    struct reply *r)
{
	(void)s, (void)c, (void)arg;
	char *b = strdup(index_json);
	if (b)
		gs_server_reply_text(r, 200, "application/json; charset=utf-8",
				     b, strlen(b));
	else
		gs_server_reply_error(r, 500, "out of memory");
	return NULL;
}

/* no route but the admin list takes the lock: answers come from what the
 * pipeline publishes, or it builds them (server_answers.c) */
static struct MHD_Response *h_mtags(struct gs_server *s,
				    struct MHD_Connection *c, char *arg,
				    struct reply *r)
{
	(void)arg;
	const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						       "language");
	if (lang)
		gs_server_lang_trends(s, c, r, lang, 1);
	else
		gs_server_mtags(s, c, r);
	return NULL;
}

static struct MHD_Response *h_trends(struct gs_server *s,
				     struct MHD_Connection *c, char *arg,
				     struct reply *r)
{
	(void)arg;
	const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						       "language");
	if (lang)
		gs_server_lang_trends(s, c, r, lang, 0);
	else
		gs_server_trends(s, c, r);
	return NULL;
}

/* GET .../languages: the languages counted apart (issue 13 part 3) */
static struct MHD_Response *h_languages(struct gs_server *s,
					struct MHD_Connection *c, char *arg,
					struct reply *r)
{
	(void)c, (void)arg;
	gs_server_languages(s, r);
	return NULL;
}

static struct MHD_Response *h_tag(struct gs_server *s, struct MHD_Connection *c,
				  char *arg, struct reply *r)
{
	gs_server_tag(s, c, arg, r);
	return NULL;
}

static struct MHD_Response *h_stats(struct gs_server *s,
				    struct MHD_Connection *c, char *arg,
				    struct reply *r)
{
	(void)c, (void)arg;
	gs_server_stats(s, r);
	return NULL;
}

static struct MHD_Response *h_network(struct gs_server *s,
				      struct MHD_Connection *c, char *arg,
				      struct reply *r)
{
	(void)arg;
	gs_server_network(s, c, r);
	return NULL;
}

static struct MHD_Response *h_stream(struct gs_server *s,
				     struct MHD_Connection *c, char *arg,
				     struct reply *r)
{
	(void)arg;
	return gs_server_stream(s, c, r);
}

static struct MHD_Response *h_metrics(struct gs_server *s,
				      struct MHD_Connection *c, char *arg,
				      struct reply *r)
{
	(void)c, (void)arg;
	gs_server_metrics(s, r);
	return NULL;
}

static struct MHD_Response *h_movements(struct gs_server *s,
					struct MHD_Connection *c, char *arg,
					struct reply *r)
{
	(void)arg;
	gs_server_movement(s, c, r);
	return NULL;
}

static struct MHD_Response *h_admin_list(struct gs_server *s,
					 struct MHD_Connection *c, char *arg,
					 struct reply *r)
{
	(void)c, (void)arg;
	gs_server_admin_list(s, r);
	return NULL;
}

static struct MHD_Response *h_admin_action(struct gs_server *s,
					   struct MHD_Connection *c, char *arg,
					   struct reply *r)
{
	char *slash = strrchr(arg, '/');
	*slash = 0;
	gs_server_admin_action(s, c, arg, slash + 1, r);
	return NULL;
}

/* Every endpoint but the dashboard's files (gs_assets), first match wins. */
static const struct route routes[] = {
	{API "/admin/tags", MATCH_EXACT, METHOD_GET, ROUTE_ADMIN | ROUTE_LOCKED,
	 h_admin_list},
	{API "/admin/tags/", MATCH_NAME_ACTION, METHOD_POST, ROUTE_ADMIN,
	 h_admin_action},
	{API, MATCH_EXACT, METHOD_GET, 0, h_index},
	{"/api/v1/trends/tags", MATCH_EXACT, METHOD_GET, 0, h_mtags},
	{"/api/v1/trends", MATCH_EXACT, METHOD_GET, 0, h_mtags},
	{API "/trends", MATCH_EXACT, METHOD_GET, 0, h_trends},
	{API "/languages", MATCH_EXACT, METHOD_GET, 0, h_languages},
	{API "/tags/", MATCH_NAME, METHOD_GET, 0, h_tag},
	{API "/stats", MATCH_EXACT, METHOD_GET, 0, h_stats},
	{API "/network", MATCH_EXACT, METHOD_GET, 0, h_network},
	{API "/movements", MATCH_EXACT, METHOD_GET, ROUTE_LOCKED, h_movements},
	{API "/stream", MATCH_EXACT, METHOD_GET, 0, h_stream},
	{"/metrics", MATCH_EXACT, METHOD_GET, 0, h_metrics},
	{NULL, MATCH_EXACT, METHOD_GET, 0, NULL},
};

/* The route of path, among the admin ones or the others; *arg as route_fn
 * says. */
static const struct route *route_find(char *path, unsigned admin, char **arg)
{
	for (const struct route *rt = routes; rt->path; rt++) {
		if ((rt->flags & ROUTE_ADMIN) != admin)
			continue;
		size_t n = strlen(rt->path);
		*arg = NULL;
		if (rt->match == MATCH_EXACT) {
			if (!strcmp(path, rt->path))
				return rt;
			continue;
		}
		if (strncmp(path, rt->path, n))
			continue;
		char *rest = path + n, *slash = strrchr(rest, '/');
		if (rt->match == MATCH_NAME ? !slash : slash && slash != rest) {
			*arg = rest;
			return rt;
		}
	}
	return NULL;
}

/* The dashboard: embedded files by exact path only (no file system, so
 * nothing to traverse); /tags/NAME is its tag page. */
static const struct gs_asset *asset_find(const char *path)
{
	const char *want = path;
	if (!strncmp(path, "/tags/", 6) && path[6] && !strchr(path + 6, '/') &&
	    strcmp(path + 6, ".") && strcmp(path + 6, ".."))
		want = "/";
	for (const struct gs_asset *a = gs_assets; a->path; a++)
		if (!strcmp(a->path, want))
			return a;
	return NULL;
}

/* Routes one request. Returns a streaming response for the stream, else
 * fills r. Under API/admin the token is checked before anything else, so
 * that nothing there is told to a client without it. */
static struct MHD_Response *route(struct gs_server *s, struct MHD_Connection *c,
				  const char *url, const char *method,
				  struct reply *r)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	char path[1024];
	size_t n = strlen(url);
	if (n >= sizeof path) {
		gs_server_reply_error(r, 414, "path too long");
		return NULL;
	}
	memcpy(path, url, n + 1);
	if (n > 1 && path[n - 1] == '/')
		path[--n] = 0;
	unsigned admin = 0;
	if (!strncmp(path, API "/admin/", strlen(API "/admin/")) ||
	    !strcmp(path, API "/admin"))
		admin = ROUTE_ADMIN;
	if (admin && !s->have_token) {
		gs_server_reply_error(
			r, 403,
			"the admin API is off (see --admin-token-file)");
		return NULL;
	}
	if (admin && !gs_server_authorized(s, c, method, url, r))
		return NULL;
	char *arg;
	const struct route *rt = route_find(path, admin, &arg);
	const struct gs_asset *asset = rt || admin ? NULL : asset_find(path);
	if (!rt && !asset) {
		gs_server_reply_error(
			r, 404,
			admin ? "no such admin endpoint"
			      : "no such endpoint (see /api/groundswell/v1)");
		return NULL;
	}
	int by_post = rt && rt->method == METHOD_POST;
	if (by_post ? !post : !get) {
		r->allow = by_post ? "POST" : "GET, HEAD";
		gs_server_reply_error(r, 405,
				      by_post ? "method not allowed (POST)"
					      : "method not allowed");
		return NULL;
	}
	if (asset) {
		r->status = 200;
		r->type = asset->type;
		r->body = NULL;
		r->len = 0;
		r->asset = asset;
		return NULL;
	}
	if (!(rt->flags & ROUTE_LOCKED))
		return rt->fn(s, c, arg, r);
	read_lock(s);
	struct MHD_Response *resp = rt->fn(s, c, arg, r);
	pthread_rwlock_unlock(&s->lock);
	return resp;
}

/* ---- requests and connections ------------------------------------------- */

/* Frees a cached answer's reference once MHD has sent it. */
static void answer_put_cb(void *cls)
{
	gs_server_answer_put(cls);
}

struct req {
	size_t body; /* bytes of body received */
	int too_big;
	int waited; /* was suspended for an answer (struct reply, resumed) */
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
		MHD_add_response_header(resp, "Access-Control-Allow-Origin",
					s->cors);
		MHD_add_response_header(resp, "Access-Control-Expose-Headers",
					"Link");
		if (strcmp(s->cors, "*"))
			MHD_add_response_header(resp, "Vary", "Origin");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

enum MHD_Result gs_server_handler(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
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
			cn->phase = CONN_BODY; /* same deadline (tick) */
			pthread_mutex_unlock(&s->conn_mu);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     "Content-Length");
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
	r.resumed = q->waited;
	struct MHD_Response *resp = NULL;
	struct conn *cn = conn_of(c);
	if (cn) { /* in: no deadline while it is answered */
		pthread_mutex_lock(&s->conn_mu);
		cn->phase = CONN_ANSWERING;
		pthread_mutex_unlock(&s->conn_mu);
	}
	if (q->too_big) {
		gs_server_reply_error(&r, 413, "request too large");
	} else if (!strcmp(method, "OPTIONS")) {
		gs_server_reply_text(&r, 204, NULL, NULL, 0);
		r.allow = "GET, HEAD, POST, OPTIONS";
	} else {
		resp = route(s, c, url, method, &r);
	}
	if (r.suspend) { /* resumed once the pipeline has built the answer */
		q->waited = 1;
		return MHD_YES;
	}
	if (!resp && r.ans) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			r.ans->len, r.ans->body, answer_put_cb, r.ans);
		if (!resp) {
			gs_server_answer_put(r.ans);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", r.type);
	} else if (!resp) {
		resp = r.asset ? MHD_create_response_from_buffer(
					 r.asset->len, (void *)r.asset->data,
					 MHD_RESPMEM_PERSISTENT)
			       : MHD_create_response_from_buffer(
					 r.len, r.body ? r.body : (void *)"",
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
		if (r.retry_after) {
			char ra[16];
			snprintf(ra, sizeof ra, "%u", r.retry_after);
			MHD_add_response_header(resp, "Retry-After", ra);
		}
		if (r.www_auth)
			MHD_add_response_header(
				resp, "WWW-Authenticate",
				"Bearer realm=\"groundswell\", error=\"invalid_token\"");
		if (r.status == 204 && s->cors) {
			MHD_add_response_header(resp,
						"Access-Control-Allow-Methods",
						"GET, HEAD, POST, OPTIONS");
			MHD_add_response_header(
				resp, "Access-Control-Allow-Headers",
				"Authorization, Content-Type, Last-Event-ID");
			MHD_add_response_header(resp, "Access-Control-Max-Age",
						"600");
		}
		if (r.status != 200 || strstr(url, "/admin"))
			MHD_add_response_header(resp, "Cache-Control",
						"no-store");
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

void gs_server_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct gs_server *s = cls;
	free(*con_cls);
	*con_cls = NULL;
	struct conn *cn = conn_of(c);
	if (cn) {
		pthread_mutex_lock(&s->conn_mu);
		cn->phase = CONN_WAITING;
		cn->since = gs_now();
		pthread_mutex_unlock(&s->conn_mu);
	}
}

/* Shuts a connection down (conn_mu held); MHD closes it. */
static void conn_cut(struct gs_server *s, struct conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = 1;
	s->nconns--;
	atomic_fetch_add(&s->conns_cut, 1);
}

void gs_server_conns_cut(struct gs_server *s, double now)
{
	pthread_mutex_lock(&s->conn_mu);
	/* a request overdue, its headers (slowloris) or its body, or an idle
	 * keep-alive. MHD's own timeout is for idleness alone, so a byte now
	 * and then would hold the slot for ever. */
	size_t n = 0;
	for (struct conn *c = s->conns; c; c = c->next) {
		if (c->cut || c->fd < 0 || c->phase == CONN_ANSWERING)
			continue;
		if (now - c->since > (double)s->o.timeout_s)
			conn_cut(s, c);
		else
			n++;
	}
	/* a client that half-closes while its request is incomplete can
	 * never complete it, yet MHD keeps waiting for it until the
	 * deadline (seen in CLOSE-WAIT): a slot of the client's held for
	 * nothing. Its data may be in and not yet read, so it is cut at the
	 * second tick that finds it so. */
	struct pollfd *p = n ? malloc(n * sizeof *p) : NULL;
	if (p) {
		size_t i = 0;
		for (struct conn *c = s->conns; c && i < n; c = c->next)
			if (!c->cut && c->fd >= 0 && c->phase != CONN_ANSWERING)
				p[i++] = (struct pollfd){c->fd, POLLRDHUP, 0};
		n = i;
		if (poll(p, n, 0) >= 0) {
			i = 0;
			for (struct conn *c = s->conns; c && i < n;
			     c = c->next) {
				if (c->cut || c->fd < 0 ||
				    c->phase == CONN_ANSWERING)
					continue;
				int hup =
					(p[i++].revents &
					 (POLLRDHUP | POLLHUP | POLLERR)) != 0;
				if (hup && c->half_closed)
					conn_cut(s, c);
				c->half_closed = hup;
			}
		}
		free(p);
	}
	pthread_mutex_unlock(&s->conn_mu);
}

struct client_addr gs_server_client_addr(struct MHD_Connection *c)
{
	struct client_addr a = {0};
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return a;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		a.fam = 4;
		memcpy(a.b, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		static const unsigned char v4mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (!memcmp(b, v4mapped, 12)) {
			a.fam = 4;
			memcpy(a.b, b + 12, 4);
		} else {
			a.fam = 6;
			memcpy(a.b, b, 8);
		}
	}
	return a;
}

static int same_addr(const struct client_addr *a, const struct client_addr *b)
{
	return a->fam && a->fam == b->fam && !memcmp(a->b, b->b, sizeof a->b);
}

void gs_server_notify_conn(void *cls, struct MHD_Connection *c,
			   void **socket_context,
			   enum MHD_ConnectionNotificationCode toe)
{
	struct gs_server *s = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *cn = calloc(1, sizeof *cn);
		if (!cn)
			return;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = ci ? ci->connect_fd : -1;
		cn->since = gs_now();
		cn->addr = gs_server_client_addr(c);
		pthread_mutex_lock(&s->conn_mu);
		/* the client's connections held (a scan: there are at most
		 * max_connections, and this is once per connection) */
		unsigned mine = 0;
		for (struct conn *o = s->conns; o; o = o->next)
			mine += !o->cut && same_addr(&o->addr, &cn->addr);
		cn->next = s->conns;
		if (s->conns)
			s->conns->prev = cn;
		s->conns = cn;
		/* --max-connections, and the client's share of them: beyond
		 * them, closed at once (MHD's own limit, split among its
		 * threads, would leave it waiting) */
		int full = s->nconns >= s->o.max_connections;
		if ((full || mine >= s->o.max_per_address) && cn->fd >= 0) {
			shutdown(cn->fd, SHUT_RDWR);
			cn->cut = 1;
			atomic_fetch_add(full ? &s->refused_full
					      : &s->refused_address,
					 1);
		} else {
			s->nconns++;
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
		if (!cn->cut)
			s->nconns--;
		pthread_mutex_unlock(&s->conn_mu);
		free(cn);
		*socket_context = NULL;
	}
}
