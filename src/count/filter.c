/*
 * filter.c - which posts a study keeps (see filter.h).
 *
 * A test is a few comparisons and at most a handful of hash look-ups per
 * post, done after the parse and before the engine: a post left out costs
 * its parse and nothing of the counting. The lists are hash sets (open
 * addressing, xxh3, the entries' text in one pool addressed by offset so
 * that the pool may move as it grows); nothing is bounded but by the
 * files, which are the user's own.
 *
 * Ids are compared as the platforms give them: a tweet's or a status's id
 * string, and for Bluesky (whose record keys are unique only within an
 * account) "DID/COLLECTION/RKEY", the at:// URI without its scheme, which
 * is both how the list names a post and what gs_post holds of a repost's
 * subject.
 */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define BSKY_POST   "app.bsky.feed.post"
#define BSKY_REPOST "app.bsky.feed.repost"
#define KEY_MAX	    4096 /* bytes of a key built from a post (DID+rkey) */

/* ---- a hash set of strings ---------------------------------------------- */

struct slot {
	uint64_t h;
	size_t off, n; /* in the pool; n == SIZE_MAX: empty */
};

struct gs_strset {
	char *pool;
	size_t used, cap;
	struct slot *slot;
	size_t mask, n; /* slots - 1; entries */
};

static struct gs_strset *strset_new(void)
{
	struct gs_strset *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->slot = malloc(16 * sizeof *s->slot);
	if (!s->slot) {
		free(s);
		return NULL;
	}
	s->mask = 15;
	for (size_t i = 0; i <= s->mask; i++)
		s->slot[i].n = SIZE_MAX;
	return s;
}

static void strset_free(struct gs_strset *s)
{
	if (!s)
		return;
	free(s->pool);
	free(s->slot);
	free(s);
}

static int strset_has(const struct gs_strset *s, const char *p, size_t n)
{
	uint64_t h = XXH3_64bits(p, n);
	for (size_t i = (size_t)h & s->mask;; i = (i + 1) & s->mask) {
		const struct slot *e = &s->slot[i];
		if (e->n == SIZE_MAX)
			return 0;
		if (e->h == h && e->n == n &&
		    memcmp(s->pool + e->off, p, n) == 0)
			return 1;
	}
}

static int strset_grow(struct gs_strset *s)
{
	size_t cap = (s->mask + 1) * 2;
	struct slot *v = malloc(cap * sizeof *v);
	if (!v)
		return GS_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		v[i].n = SIZE_MAX;
	for (size_t i = 0; i <= s->mask; i++) {
		if (s->slot[i].n == SIZE_MAX)
			continue;
		size_t k = (size_t)s->slot[i].h & (cap - 1);
		while (v[k].n != SIZE_MAX)
			k = (k + 1) & (cap - 1);
		v[k] = s->slot[i];
	}
	free(s->slot);
	s->slot = v;
	s->mask = cap - 1;
	return 0;
}

/* Adds p[0..n) unless there: 0 or GS_ENOMEM. */
static int strset_add(struct gs_strset *s, const char *p, size_t n)
{
	if (strset_has(s, p, n))
		return 0;
	if ((s->n + 1) * 4 > (s->mask + 1) * 3 && strset_grow(s))
		return GS_ENOMEM;
	if (s->used + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->used + n)
			cap *= 2;
		char *np = realloc(s->pool, cap);
		if (!np)
			return GS_ENOMEM;
		s->pool = np;
		s->cap = cap;
	}
	memcpy(s->pool + s->used, p, n);
	uint64_t h = XXH3_64bits(p, n);
	size_t i = (size_t)h & s->mask;
	while (s->slot[i].n != SIZE_MAX)
		i = (i + 1) & s->mask;
	s->slot[i] = (struct slot){h, s->used, n};
	s->used += n;
	s->n++;
	return 0;
}

/* ---- the filter ---------------------------------------------------------- */

void gs_filter_init(struct gs_filter *f)
{
	memset(f, 0, sizeof *f);
	f->since = INT64_MIN;
	f->until = INT64_MAX;
}

void gs_filter_release(struct gs_filter *f)
{
	strset_free(f->want_ids);
	strset_free(f->want_handles);
	strset_free(f->drop_ids);
	strset_free(f->drop_handles);
	strset_free(f->ids);
	gs_filter_init(f);
}

void gs_filter_set_time(struct gs_filter *f, int64_t since, int64_t until)
{
	f->since = since;
	f->until = until;
	if (since != INT64_MIN || until != INT64_MAX)
		f->active = 1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

int gs_filter_add_langs(struct gs_filter *f, const char *list)
{
	const char *p = list;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || n > GS_FILTER_LANG_MAX || p[0] == '-' ||
		    p[n - 1] == '-' || f->nlangs == GS_FILTER_MAX_LANGS)
			return GS_EUSAGE;
		for (size_t i = 0; i < n; i++) {
			if (!is_tag_char(p[i]))
				return GS_EUSAGE;
			f->langs[f->nlangs][i] = lower(p[i]);
		}
		f->langs[f->nlangs++][n] = 0;
		if (!e)
			break;
		p = e + 1;
	}
	f->active = 1;
	return 0;
}

/* One language of a post against the codes: equal, or the code and '-'
 * start it (RFC 4647 basic filtering), case-insensitively. */
static int lang_matches(const struct gs_filter *f, struct gs_str l)
{
	if (!l.n)
		return 0;
	for (size_t k = 0; k < f->nlangs; k++) {
		const char *c = f->langs[k];
		size_t i = 0;
		while (c[i] && i < l.n && lower(l.p[i]) == c[i])
			i++;
		if (!c[i] && (i == l.n || l.p[i] == '-'))
			return 1;
	}
	return 0;
}

/* ---- the list files ------------------------------------------------------ */

/* The line's entry into *e (blanks around it, a '#' comment after it
 * removed): 1, 0 for none, -1 for more than one. */
static int entry_of(char *line, size_t len, struct gs_str *e)
{
	size_t i = 0;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		i = 3; /* a byte order mark */
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#')
		return 0;
	size_t start = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	*e = (struct gs_str){line + start, i - start};
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len || line[i] == '#' ? 1 : -1;
}

/* A JSON object's "id" (string or number) by a plain search: a twarc2
 * compliance result is one flat object. 0 when none. */
static int json_id(const char *s, size_t n, struct gs_str *id)
{
	static const char key[] = "\"id\"";
	const char *end = s + n;
	for (const char *p = s; p + 4 <= end; p++) {
		if (memcmp(p, key, 4) != 0)
			continue;
		p += 4;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != ':')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		int quoted = p < end && *p == '"';
		const char *b = p + quoted, *q = b;
		while (q < end && ((*q >= '0' && *q <= '9') ||
				   (quoted && *q != '"' && *q != '\\')))
			q++;
		if (q == b || (quoted && (q >= end || *q != '"')))
			return 0;
		*id = (struct gs_str){b, (size_t)(q - b)};
		return 1;
	}
	return 0;
}

static int set_add(struct gs_strset **s, const char *p, size_t n)
{
	if (!*s && !(*s = strset_new()))
		return GS_ENOMEM;
	return strset_add(*s, p, n);
}

enum list_kind { LIST_WANT, LIST_DROP, LIST_IDS };

/* One entry of a list into the filter's sets. */
static int take_entry(struct gs_filter *f, enum list_kind kind, struct gs_str e)
{
	if (kind == LIST_IDS) {
		if (e.n > 5 && memcmp(e.p, "at://", 5) == 0) {
			e.p += 5;
			e.n -= 5;
		}
		return set_add(&f->ids, e.p, e.n);
	}
	struct gs_strset **ids =
		kind == LIST_WANT ? &f->want_ids : &f->drop_ids;
	struct gs_strset **handles =
		kind == LIST_WANT ? &f->want_handles : &f->drop_handles;
	int r = 0;
	int at = e.p[0] == '@';
	if (!at)
		r = set_add(ids, e.p, e.n);
	char h[512];
	size_t n = e.n - (size_t)at;
	if (!r && n > 0 && n <= sizeof h) {
		for (size_t i = 0; i < n; i++)
			h[i] = lower(e.p[at + i]);
		r = set_add(handles, h, n);
	}
	return r;
}

static int load(struct gs_filter *f, const char *path, enum list_kind kind,
		char *why, size_t wn)
{
	FILE *in = fopen(path, "rb");
	if (!in) {
		snprintf(why, wn, "cannot read '%s': %s", path,
			 strerror(errno));
		return GS_EIO;
	}
	char *line = NULL;
	size_t cap = 0, entries = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int rc = 0;
	while (!rc && (len = getline(&line, &cap, in)) >= 0) {
		struct gs_str e;
		lineno++;
		int k = entry_of(line, (size_t)len, &e);
		if (k == 0)
			continue;
		if (kind == LIST_IDS && e.p[0] == '{') {
			/* a JSON object may hold blanks: the whole line */
			size_t n = (size_t)len;
			while (n &&
			       (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			if (!json_id(e.p, n - (size_t)(e.p - line), &e)) {
				snprintf(
					why, wn,
					"'%s':%lu: a JSON object without an \"id\"",
					path, lineno);
				rc = GS_EUSAGE;
				break;
			}
			k = 1;
		}
		if (k < 0) {
			snprintf(
				why, wn,
				"'%s':%lu: more than one entry on the line (one %s a line)",
				path, lineno,
				kind == LIST_IDS ? "id" : "account");
			rc = GS_EUSAGE;
			break;
		}
		if (e.n == 1 && e.p[0] == '@') {
			snprintf(why, wn, "'%s':%lu: '@' without a handle",
				 path, lineno);
			rc = GS_EUSAGE;
			break;
		}
		rc = take_entry(f, kind, e);
		if (rc == GS_ENOMEM)
			snprintf(why, wn, "out of memory reading '%s'", path);
		entries++;
	}
	if (!rc && ferror(in)) {
		snprintf(why, wn, "cannot read '%s': %s", path,
			 strerror(errno));
		rc = GS_EIO;
	}
	free(line);
	fclose(in);
	if (!rc && entries == 0) {
		snprintf(why, wn, "'%s' lists no %s", path,
			 kind == LIST_IDS ? "id" : "account");
		rc = GS_EUSAGE;
	}
	if (!rc)
		f->active = 1;
	return rc;
}

int gs_filter_load_accounts(struct gs_filter *f, const char *path, int exclude,
			    char *why, size_t n)
{
	return load(f, path, exclude ? LIST_DROP : LIST_WANT, why, n);
}

int gs_filter_load_ids(struct gs_filter *f, const char *path, char *why,
		       size_t n)
{
	return load(f, path, LIST_IDS, why, n);
}

/* ---- the test ------------------------------------------------------------ */

/* Whether the author of p is in the sets (ids exactly, the handle in
 * lower case). */
static int author_in(const struct gs_strset *ids,
		     const struct gs_strset *handles, const struct gs_post *p)
{
	if (ids && p->account.n && strset_has(ids, p->account.p, p->account.n))
		return 1;
	if (handles && p->handle.n) {
		struct gs_str h = p->handle;
		char buf[512];
		if (h.n && h.p[0] == '@') {
			h.p++;
			h.n--;
		}
		if (!h.n || h.n > sizeof buf)
			return 0;
		for (size_t i = 0; i < h.n; i++)
			buf[i] = lower(h.p[i]);
		return strset_has(handles, buf, h.n);
	}
	return 0;
}

/* "DID/COLLECTION/RKEY" into buf; 0 when it does not fit. */
static size_t bsky_key(char *buf, struct gs_str did, const char *coll,
		       struct gs_str rkey)
{
	size_t c = strlen(coll);
	if (!did.n || !rkey.n || did.n + c + rkey.n + 2 > KEY_MAX)
		return 0;
	memcpy(buf, did.p, did.n);
	buf[did.n] = '/';
	memcpy(buf + did.n + 1, coll, c);
	buf[did.n + 1 + c] = '/';
	memcpy(buf + did.n + c + 2, rkey.p, rkey.n);
	return did.n + c + 2 + rkey.n;
}

static int id_excluded(const struct gs_strset *ids, const struct gs_post *p)
{
	int repost = (p->flags & GS_POST_REPOST) != 0;
	if (p->format == GS_FORMAT_JETSTREAM) {
		char buf[KEY_MAX];
		size_t n = bsky_key(buf, p->account,
				    repost ? BSKY_REPOST : BSKY_POST, p->id);
		if (n && strset_has(ids, buf, n))
			return 1;
		struct gs_str s = p->repost_id;
		if (repost && s.n > 5 && memcmp(s.p, "at://", 5) == 0)
			return strset_has(ids, s.p + 5, s.n - 5);
		return 0;
	}
	if (p->id.n && strset_has(ids, p->id.p, p->id.n))
		return 1;
	return repost && p->repost_id.n &&
	       strset_has(ids, p->repost_id.p, p->repost_id.n);
}

enum gs_filter_reason gs_filter_test(const struct gs_filter *f,
				     const struct gs_post *p)
{
	if (p->time_ms < f->since)
		return GS_FILTER_SINCE;
	if (p->time_ms >= f->until)
		return GS_FILTER_UNTIL;
	if (f->nlangs) {
		int ok = lang_matches(f, p->lang);
		for (size_t i = 0; !ok && i < p->nlangs; i++)
			ok = lang_matches(f, p->langs[i]);
		if (!ok)
			return GS_FILTER_LANG;
	}
	if ((f->want_ids || f->want_handles) &&
	    !author_in(f->want_ids, f->want_handles, p))
		return GS_FILTER_ACCOUNTS;
	if ((f->drop_ids || f->drop_handles) &&
	    author_in(f->drop_ids, f->drop_handles, p))
		return GS_FILTER_EXCLUDE_ACCOUNTS;
	if (f->ids && id_excluded(f->ids, p))
		return GS_FILTER_EXCLUDED_IDS;
	return GS_FILTER_PASS;
}

static const char *const keys[GS_FILTER_REASONS] = {
	"none",		"since",    "until",
	"lang",		"accounts", "exclude_accounts",
	"excluded_ids",
};

static const char *const options[GS_FILTER_REASONS] = {
	"",
	"--since",
	"--until",
	"--lang",
	"--accounts",
	"--exclude-accounts",
	"--exclude-ids",
};

const char *gs_filter_reason_key(enum gs_filter_reason r)
{
	return (unsigned)r < GS_FILTER_REASONS ? keys[r] : "?";
}

const char *gs_filter_reason_option(enum gs_filter_reason r)
{
	return (unsigned)r < GS_FILTER_REASONS ? options[r] : "?";
}
