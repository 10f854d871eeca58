/*
 * server_routes.c - HTTP: the route table and the dispatch of a request,
 * replies and their headers, and the bookkeeping of connections
 * (server_int.h).
 */
#include "server_int.h"

#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "assets.h"
#include "base/timeutil.h"
#include "out/json_writer.h"

#define HTTP_NICE 5 /* the HTTP threads' nice value (the pipeline's is 0) */

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
	"/admin/tags\","
	"\"" API "/admin/tags/NAME/{approve,hide,ban}\"]}\n";

/* Routes one request. Returns a streaming response for the stream, else
 * fills r. */
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
	if (!strncmp(path, API "/admin/", strlen(API "/admin/")) ||
	    !strcmp(path, API "/admin")) {
		if (!s->have_token) {
			gs_server_reply_error(
				r, 403,
				"the admin API is off (see --admin-token-file)");
			return NULL;
		}
		if (!gs_server_authorized(s, c)) {
			r->www_auth = 1;
			gs_server_reply_error(r, 401,
					      "The access token is invalid");
			return NULL;
		}
		const char *rest = path + strlen(API "/admin");
		if (!strcmp(rest, "/tags")) {
			if (!get) {
				r->allow = "GET, HEAD";
				gs_server_reply_error(r, 405,
						      "method not allowed");
				return NULL;
			}
			read_lock(s);
			gs_server_admin_list(s, r);
			pthread_rwlock_unlock(&s->lock);
			return NULL;
		}
		if (!strncmp(rest, "/tags/", 6)) {
			char *name = (char *)rest + 6,
			     *slash = strrchr(name, '/');
			if (slash && slash != name) {
				if (!post) {
					r->allow = "POST";
					gs_server_reply_error(
						r, 405,
						"method not allowed (POST)");
					return NULL;
				}
				*slash = 0;
				gs_server_admin_action(s, c, name, slash + 1,
						       r);
				return NULL;
			}
		}
		gs_server_reply_error(r, 404, "no such admin endpoint");
		return NULL;
	}
	enum {
		R_NONE,
		R_INDEX,
		R_MTAGS,
		R_TRENDS,
		R_TAG,
		R_STATS,
		R_NETWORK,
		R_STREAM,
		R_METRICS
	} which = R_NONE;
	const char *name = NULL;
	if (!strcmp(path, "/") || !strcmp(path, API))
		which = R_INDEX;
	else if (!strcmp(path, "/api/v1/trends/tags") ||
		 !strcmp(path, "/api/v1/trends"))
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
		 * system, so nothing to traverse); /tags/NAME is its tag page.
		 */
		const char *want = path;
		if (!strncmp(path, "/tags/", 6) && path[6] &&
		    !strchr(path + 6, '/') && strcmp(path + 6, ".") &&
		    strcmp(path + 6, ".."))
			want = "/";
		for (const struct gs_asset *a = gs_assets; a->path; a++)
			if (!strcmp(a->path, want)) {
				if (!get) {
					r->allow = "GET, HEAD";
					gs_server_reply_error(
						r, 405, "method not allowed");
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
		gs_server_reply_error(
			r, 404, "no such endpoint (see /api/groundswell/v1)");
		return NULL;
	}
	if (!get) {
		r->allow = "GET, HEAD";
		gs_server_reply_error(r, 405, "method not allowed");
		return NULL;
	}
	if (which == R_INDEX) {
		char *b = strdup(index_json);
		if (b)
			gs_server_reply_text(r, 200,
					     "application/json; charset=utf-8",
					     b, strlen(b));
		else
			gs_server_reply_error(r, 500, "out of memory");
		return NULL;
	}
	if (which == R_STREAM)
		return gs_server_stream(s, c, r);
	/* the trends routes serve cached answers, without the lock */
	if (which == R_MTAGS) {
		gs_server_mtags(s, c, r);
		return NULL;
	}
	if (which == R_TRENDS) {
		gs_server_trends(s, r);
		return NULL;
	}
	read_lock(s);
	switch (which) {
	case R_TAG:
		gs_server_tag(s, c, name, r);
		break;
	case R_STATS:
		gs_server_stats(s, r);
		break;
	case R_NETWORK:
		gs_server_network(s, c, r);
		break;
	case R_METRICS:
		gs_server_metrics(s, r);
		break;
	default:
		break;
	}
	pthread_rwlock_unlock(&s->lock);
	return NULL;
}

static void answer_put_cb(void *cls)
{
	gs_server_answer_put(cls);
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
			cn->in_request = 1;
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
	struct MHD_Response *resp = NULL;
	if (q->too_big) {
		gs_server_reply_error(&r, 413, "request too large");
	} else if (!strcmp(method, "OPTIONS")) {
		gs_server_reply_text(&r, 204, NULL, NULL, 0);
		r.allow = "GET, HEAD, POST, OPTIONS";
	} else {
		resp = route(s, c, url, method, &r);
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
		cn->in_request = 0;
		cn->since = gs_now();
		pthread_mutex_unlock(&s->conn_mu);
	}
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
