/*
 * server_admin.c - moderation: each tag's state (approved, hidden, banned),
 * the admin API that sets it, and the admin log that keeps it across
 * restarts (server_int.h).
 */
#include "server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "out/json_writer.h"
#include "input/fold.h"

static const char *const mod_names[] = {"none", "approved", "hidden", "banned"};

static struct mod *mod_find(struct gs_server *s, const char *key)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (!strcmp(s->mods[i].key, key))
			return &s->mods[i];
	return NULL;
}

/* Is an event of key starting at start_ms shown (start_ms INT64_MIN: the
 * tag itself, outside any event)? Takes mod_mu. */
int gs_server_visible(struct gs_server *s, const char *key, int64_t start_ms,
		      int as_trend)
{
	pthread_mutex_lock(&s->mod_mu);
	struct mod *m = mod_find(s, key);
	enum mod_state st = m ? m->state : MOD_NONE;
	int64_t through = m ? m->through_ms : 0;
	pthread_mutex_unlock(&s->mod_mu);
	if (st == MOD_BANNED)
		return 0;
	if (st == MOD_APPROVED)
		return 1;
	if (st == MOD_HIDDEN && (start_ms == INT64_MIN || start_ms <= through))
		return 0;
	return as_trend ? !s->o.require_approval : 1;
}

static int mod_set(struct gs_server *s, const char *key, enum mod_state st,
		   int64_t through)
{
	pthread_mutex_lock(&s->mod_mu);
	struct mod *m = mod_find(s, key);
	if (!m) {
		if (s->nmods == s->mods_cap) {
			size_t cap = s->mods_cap ? s->mods_cap * 2 : 16;
			struct mod *v = realloc(s->mods, cap * sizeof *v);
			if (!v) {
				pthread_mutex_unlock(&s->mod_mu);
				return GS_ENOMEM;
			}
			s->mods = v;
			s->mods_cap = cap;
		}
		m = &s->mods[s->nmods++];
		memset(m, 0, sizeof *m);
		snprintf(m->key, sizeof m->key, "%s", key);
	}
	m->state = st;
	m->through_ms = through;
	/* cached public answers are stale from now on */
	atomic_fetch_add(&s->mod_gen, 1);
	pthread_mutex_unlock(&s->mod_mu);
	return 0;
}

static enum mod_state mod_parse(const char *action)
{
	if (!strcmp(action, "approve"))
		return MOD_APPROVED;
	if (!strcmp(action, "hide"))
		return MOD_HIDDEN;
	if (!strcmp(action, "ban"))
		return MOD_BANNED;
	return MOD_NONE;
}

/* The value of "name":"..." in a line we wrote (escapes: \" \\ \uXXXX). */
static int log_field(const char *line, const char *name, char *out, size_t cap)
{
	char pat[32];
	snprintf(pat, sizeof pat, "\"%s\":\"", name);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	size_t n = 0;
	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) {
				char hex[5] = {p[1], p[2], p[3], p[4], 0};
				c = (char)strtol(hex, NULL, 16);
				p += 5;
			} else if (*p) {
				c = *p == 'n'	? '\n'
				    : *p == 't' ? '\t'
				    : *p == 'r' ? '\r'
						: *p;
				p++;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = 0;
	return *p == '"' ? 0 : -1;
}

/* Replays the admin log: the state of each tag is its last action. */
void gs_server_admin_replay(struct gs_server *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;
	while (getline(&line, &cap, f) > 0) {
		char action[16], key[GS_TAG_MAX + 1], through[40];
		if (log_field(line, "action", action, sizeof action) ||
		    log_field(line, "tag", key, sizeof key))
			continue;
		enum mod_state st = mod_parse(action);
		if (st == MOD_NONE)
			continue;
		int64_t t = 0;
		if (!log_field(line, "through", through, sizeof through) &&
		    through[0])
			gs_time_parse_iso8601(through, strlen(through), &t);
		mod_set(s, key, st, t);
		n++;
	}
	free(line);
	fclose(f);
	if (n)
		gs_server_log(s, "%u moderation actions replayed from '%s'", n,
			      path);
}

static void remote_addr(struct MHD_Connection *c, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, n, "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
			  &((const struct sockaddr_in *)(const void *)sa)
				   ->sin_addr,
			  buf, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)(const void *)sa)
				   ->sin6_addr,
			  buf, (socklen_t)n);
}

/* ---- failed authentications -------------------------------------------- */

#define AUTH_FAILS     5    /* failures within AUTH_WINDOW that block */
#define AUTH_WINDOW    60.0 /* seconds */
#define AUTH_BLOCK     60.0 /* seconds of the first block; doubled by each */
#define AUTH_BLOCK_MAX 3600.0
#define AUTH_TRACK     1024 /* addresses tracked (the oldest go first) */
#define AUTH_ROUTE_LOG 200  /* bytes of a route quoted in the log */

/* The entry of addr, or a new one (when the table is full, in the place of
 * the least recently failed); auth_mu held. NULL: out of memory. */
static struct auth_fail *auth_entry(struct gs_server *s,
				    const struct client_addr *a, double now)
{
	struct auth_fail *old = NULL;
	for (size_t i = 0; i < s->nauthf; i++) {
		struct auth_fail *f = &s->authf[i];
		if (f->addr.fam == a->fam &&
		    !memcmp(f->addr.b, a->b, sizeof a->b))
			return f;
		if (!old || f->last < old->last)
			old = f;
	}
	if (!s->authf) {
		s->authf = calloc(AUTH_TRACK, sizeof *s->authf);
		if (!s->authf)
			return NULL;
	}
	struct auth_fail *f =
		s->nauthf < AUTH_TRACK ? &s->authf[s->nauthf++] : old;
	*f = (struct auth_fail){.addr = *a, .window = now, .last = now};
	return f;
}

/* Seconds the address is still blocked for (0: not blocked). */
static unsigned auth_blocked(struct gs_server *s, const struct client_addr *a,
			     double now)
{
	double left = 0;
	pthread_mutex_lock(&s->auth_mu);
	for (size_t i = 0; i < s->nauthf; i++)
		if (s->authf[i].addr.fam == a->fam &&
		    !memcmp(s->authf[i].addr.b, a->b, sizeof a->b)) {
			left = s->authf[i].blocked - now;
			break;
		}
	pthread_mutex_unlock(&s->auth_mu);
	return left > 0 ? (unsigned)left + 1 : 0;
}

/* Counts a failure of the address; returns the seconds of the block it
 * starts, or 0. A block is AUTH_BLOCK seconds, doubled by each block before
 * it (up to AUTH_BLOCK_MAX): about AUTH_FAILS guesses an hour in the end. */
static unsigned auth_failed(struct gs_server *s, const struct client_addr *a,
			    double now)
{
	unsigned block = 0;
	pthread_mutex_lock(&s->auth_mu);
	struct auth_fail *f = auth_entry(s, a, now);
	if (f) {
		if (now - f->last > AUTH_BLOCK_MAX) /* long good: forgiven */
			f->strikes = 0;
		if (now - f->window > AUTH_WINDOW) {
			f->window = now;
			f->fails = 0;
		}
		f->last = now;
		if (++f->fails >= AUTH_FAILS) {
			double d = AUTH_BLOCK;
			for (unsigned k = 0;
			     k < f->strikes && d < AUTH_BLOCK_MAX; k++)
				d *= 2;
			if (d > AUTH_BLOCK_MAX)
				d = AUTH_BLOCK_MAX;
			f->strikes++;
			f->blocked = now + d;
			f->fails = 0;
			f->window = f->blocked; /* counts again from its end */
			block = (unsigned)d;
		}
	}
	pthread_mutex_unlock(&s->auth_mu);
	return block;
}

/* The request's route for the log: printable ASCII, cut to AUTH_ROUTE_LOG
 * bytes (a client chooses it: no control characters on a terminal). */
static void route_for_log(const char *method, const char *path, char *buf,
			  size_t n)
{
	size_t k = 0;
	for (const char *p = method; *p && k + 1 < n && k < 16; p++)
		buf[k++] = *p >= 0x21 && *p < 0x7f ? *p : '?';
	if (k + 1 < n)
		buf[k++] = ' ';
	for (const char *p = path; *p && k + 1 < n && k < AUTH_ROUTE_LOG; p++)
		buf[k++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
	buf[k] = 0;
}

/* One line of the admin log (mod_mu taken): {"time", "action", ...}. */
static void admin_log_line(struct gs_server *s, const char *action,
			   const char *route, const char *addr,
			   unsigned seconds)
{
	if (!s->admin_log)
		return;
	char now[32];
	gs_time_format((int64_t)(now_wall() * 1000), now);
	pthread_mutex_lock(&s->mod_mu);
	FILE *f = s->admin_log;
	fputs("{\"time\":", f);
	gs_json_str(f, now);
	fprintf(f, ",\"action\":\"%s\"", action);
	if (route) {
		fputs(",\"route\":", f);
		gs_json_str(f, route);
	}
	if (seconds)
		fprintf(f, ",\"seconds\":%u", seconds);
	fputs(",\"remote\":", f);
	gs_json_str(f, addr);
	fputs("}\n", f);
	fflush(f);
	fsync(fileno(f));
	pthread_mutex_unlock(&s->mod_mu);
}

int gs_server_authorized(struct gs_server *s, struct MHD_Connection *c,
			 const char *method, const char *path, struct reply *r)
{
	struct client_addr a = gs_server_client_addr(c);
	double now = gs_now();
	/* checked before the token: a right token does not lift a block,
	 * or guessing would go on, each right guess unblocking */
	unsigned left = a.fam ? auth_blocked(s, &a, now) : 0;
	if (left) {
		atomic_fetch_add(&s->auth_refused, 1);
		r->retry_after = left;
		gs_server_reply_error(
			r, 429, "too many failed authentications; retry later");
		return 0;
	}
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Authorization");
	if (s->have_token && h && !strncasecmp(h, "Bearer ", 7)) {
		const char *v = h + 7;
		while (*v == ' ')
			v++;
		unsigned char hash[32];
		crypto_generichash(hash, sizeof hash, (const unsigned char *)v,
				   strlen(v), NULL, 0);
		if (sodium_memcmp(hash, s->token_hash, sizeof hash) == 0)
			return 1;
	}
	r->www_auth = 1;
	gs_server_reply_error(r, 401, "The access token is invalid");
	if (!h) /* no credentials, no guess: not counted */
		return 0;
	atomic_fetch_add(&s->auth_failures, 1);
	char addr[64], route[AUTH_ROUTE_LOG + 24];
	remote_addr(c, addr, sizeof addr);
	route_for_log(method, path, route, sizeof route);
	unsigned block = a.fam ? auth_failed(s, &a, now) : 0;
	gs_server_log(s, "admin: failed authentication from %s (%s)", addr,
		      route);
	admin_log_line(s, "auth_failed", route, addr, 0);
	if (block) {
		gs_server_log(s,
			      "admin: %s refused for %u s after %d failed "
			      "authentications",
			      addr, block, AUTH_FAILS);
		admin_log_line(s, "auth_blocked", NULL, addr, block);
	}
	return 0;
}

/* ,"display": the tag's most frequent spelling (its key when unseen); the
 * engine read-locked */
static void display_json(struct gs_server *s, FILE *f, const char *key)
{
	struct gs_tag_stats st;
	fputs(",\"display\":", f);
	gs_json_str(f, gs_engine_tag(s->e, key, strlen(key), &st) == 0
			       ? st.display
			       : key);
}

void gs_server_admin_action(struct gs_server *s, struct MHD_Connection *c,
			    const char *name, const char *action,
			    struct reply *r)
{
	enum mod_state st = mod_parse(action);
	if (st == MOD_NONE) {
		gs_server_reply_error(r, 404,
				      "unknown action (approve, hide, ban)");
		return;
	}
	if (*name == '#')
		name++;
	char key[GS_TAG_MAX + 1];
	ssize_t k = *name ? gs_fold(name, strlen(name), key) : -1;
	if (k <= 0 || memchr(key, 0, (size_t)k)) {
		gs_server_reply_error(r, 400, "invalid tag name");
		return;
	}
	key[k] = 0;
	/* hide: the events started so far (the open bucket included) */
	int64_t through = INT64_MAX;
	read_lock(s);
	if (s->l.started)
		through = s->l.next;
	struct gs_summary sum;
	gs_engine_summary(s->e, &sum);
	if (sum.posts &&
	    gs_time_bucket(sum.last_ms, s->o.engine.bucket_ms) > through)
		through = gs_time_bucket(sum.last_ms, s->o.engine.bucket_ms);
	pthread_rwlock_unlock(&s->lock);
	if (mod_set(s, key, st, through)) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	char addr[64], now[32], th[32] = "";
	remote_addr(c, addr, sizeof addr);
	gs_time_format((int64_t)(now_wall() * 1000), now);
	if (st == MOD_HIDDEN && through != INT64_MAX)
		gs_time_format(through, th);
	if (s->admin_log) {
		pthread_mutex_lock(&s->mod_mu);
		FILE *f = s->admin_log;
		fputs("{\"time\":", f);
		gs_json_str(f, now);
		fprintf(f, ",\"action\":\"%s\",\"tag\":", action);
		gs_json_str(f, key);
		fputs(",\"through\":", f);
		gs_json_str(f, th);
		fputs(",\"remote\":", f);
		gs_json_str(f, addr);
		fputs("}\n", f);
		fflush(f);
		fsync(fileno(f));
		pthread_mutex_unlock(&s->mod_mu);
	}
	gs_server_log(s, "admin: %s #%s (from %s)", action, key, addr);
	struct out o;
	if (out_open(&o)) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fputs("{\"tag\":", o.f);
	gs_json_str(o.f, key);
	read_lock(s);
	display_json(s, o.f, key);
	pthread_rwlock_unlock(&s->lock);
	fprintf(o.f, ",\"state\":\"%s\"}\n", mod_names[st]);
	gs_server_reply_out(r, &o);
}

void gs_server_admin_list(struct gs_server *s, struct reply *r)
{
	struct out o;
	if (out_open(&o)) {
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	fprintf(o.f, "{\"require_approval\":%s,\"tags\":[",
		s->o.require_approval ? "true" : "false");
	pthread_mutex_lock(&s->mod_mu);
	for (size_t i = 0; i < s->nmods; i++) {
		fputs(i ? ",{\"tag\":" : "{\"tag\":", o.f);
		gs_json_str(o.f, s->mods[i].key);
		display_json(s, o.f, s->mods[i].key);
		fprintf(o.f, ",\"state\":\"%s\"}", mod_names[s->mods[i].state]);
	}
	pthread_mutex_unlock(&s->mod_mu);
	fputs("],\"trends\":", o.f);
	struct reply tr = {0};
	gs_server_trends_body(s, &tr, 1);
	if (tr.body)
		fwrite(tr.body, 1, tr.len, o.f);
	else
		fputs("[]", o.f);
	free(tr.body);
	fputs("}\n", o.f);
	gs_server_reply_out(r, &o);
}
