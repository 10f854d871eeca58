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

int gs_server_authorized(struct gs_server *s, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Authorization");
	if (!s->have_token || !h || strncasecmp(h, "Bearer ", 7))
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	unsigned char hash[32];
	crypto_generichash(hash, sizeof hash, (const unsigned char *)h,
			   strlen(h), NULL, 0);
	return sodium_memcmp(hash, s->token_hash, sizeof hash) == 0;
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
