/*
 * parser_read.c - the walk: one JSON object of any format into a struct obj
 * (parser_int.h).
 *
 * The four formats share most of their shape, so one walk reads whichever
 * of the known keys appear (their names barely overlap across formats),
 * dispatching on the key's length and then its bytes; everything else is
 * skipped undecoded, texts are only located (lazy_string) and decoded later
 * if tags must come from them. Nested objects (originals, quotes, expanded
 * references, a page's tweets) get objects of their own from the pool, two
 * levels deep at most. Jetstream commits in Jetstream's own key order are
 * read by a fast path with one compare per key (gs_parser_walk_jetstream).
 * Nothing here decides the format or builds a post: parser.c does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"
#include "base/timeutil.h"

/* The reason for a decoded tag that holds a control character (only an
 * escape such as \u0000 can put one there: the line's raw bytes are
 * checked first); it would be a second key that prints like the tag
 * without it. GS_EJSON, or 0 when it holds none. */
static __attribute__((noinline)) int tag_controls(struct gs_parser *ps,
						  struct gs_str s)
{
	for (size_t i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < 0x20)
			return gs_parser_fail(
				ps, GS_EJSON,
				"malformed hashtag: escaped control character U+%04X",
				(unsigned char)s.p[i]);
	return 0;
}

/* Adds a tag from key src; 0, or GS_EJSON with the reason set
 * (tag_controls). */
static inline int tag_push(struct gs_parser *ps, struct taglist *l,
			   struct gs_str s, enum list_src src)
{
	if (s.n == 0)
		return 0;
	/* only a decoded string, in the arena, can hold a control character */
	if (s.p >= ps->arena.buf && s.p < ps->arena.buf + ps->arena.cap) {
		int r = tag_controls(ps, s);
		if (r)
			return r;
	}
	if (!(l->srcs & 1u << src)) {
		l->srcs |= 1u << src;
		l->dropped_src[src] = 0;
	}
	if (l->n < GS_POST_MAX_TAGS) {
		l->src[l->n] = (unsigned char)src;
		l->v[l->n++] = s;
	} else {
		l->dropped++;
		l->dropped_src[src]++;
	}
	return 0;
}

/* Drops what key src gave the list: it is met again, and the last wins
 * (tags_forget: nothing to do, the usual case, costs a test). */
static __attribute__((noinline)) void tags_drop(struct taglist *l,
						enum list_src src)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->src[i] != src) {
			l->src[k] = l->src[i];
			l->v[k++] = l->v[i];
		}
	l->n = k;
	l->dropped -= l->dropped_src[src];
	l->srcs &= ~(1u << src);
}

static inline void tags_forget(struct taglist *l, enum list_src src)
{
	if (l->srcs & 1u << src)
		tags_drop(l, src);
}

static void ment_push(struct mentlist *l, struct gs_str s, struct gs_str h,
		      enum list_src src)
{
	if (s.n && l->n < GS_POST_MAX_MENTIONS) {
		l->srcs |= 1u << src;
		l->src[l->n] = (unsigned char)src;
		l->h[l->n] = h;
		l->v[l->n++] = s;
	}
}

static __attribute__((noinline)) void ment_drop(struct mentlist *l,
						enum list_src src)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->src[i] != src) {
			l->src[k] = l->src[i];
			l->h[k] = l->h[i];
			l->v[k++] = l->v[i];
		}
	l->n = k;
	l->srcs &= ~(1u << src);
}

static inline void ment_forget(struct mentlist *l, enum list_src src)
{
	if (l->srcs & 1u << src)
		ment_drop(l, src);
}

/* Position of a string value, checked for type, skipped undecoded. */
static int lazy_string(struct gs_json *j, const char **at)
{
	enum gs_json_type t = gs_json_peek(j);
	if (t == GS_JSON_NULL) {
		*at = NULL;
		return gs_json_skip(j);
	}
	if (t != GS_JSON_STRING)
		return j->err ? j->err : GS_ETYPE;
	*at = j->p;
	return gs_json_skip(j);
}

/* A string or null (null reads as empty). */
static int opt_string(struct gs_json *j, struct gs_str *out)
{
	if (gs_json_null(j)) {
		out->p = "";
		out->n = 0;
		return 0;
	}
	return gs_json_string(j, out);
}

/* A handle: a string, else (null, or a value of another type, which a
 * handle never is and which costs the post nothing) empty. */
static int opt_handle(struct gs_json *j, struct gs_str *out)
{
	out->p = "";
	out->n = 0;
	if (gs_json_peek(j) == GS_JSON_STRING)
		return gs_json_string(j, out);
	return gs_json_skip(j);
}

/*
 * Ids as JSON numbers. Twitter's ids exceed 2^53, and archives that went
 * through a tool that reads numbers as doubles (jq 1.6, pandas, JavaScript)
 * carry them rounded: "id":815279070241955800 beside the exact
 * "id_str":"815279070241955840". So a string id always wins, whatever the
 * key order, and a number is used only when no string exists and a double
 * holds it exactly (at most 2^53): a larger one may have been rounded, and
 * would split one account into two or merge two into one.
 */
static int exact_id_number(struct gs_str v)
{
	if (v.n == 0 || v.n > 16)
		return 0;
	uint64_t x = 0;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	return x <= (UINT64_C(1) << 53);
}

/* Reads an id: a string (or null: empty), or a number that is exact; a
 * number that may have been rounded reads as empty and sets *rounded.
 * (gs_json_scalar gives a number as its literal text in the line, a string
 * without escapes right after its quote, one with escapes in the arena: so
 * the byte before tells a long number from a string without a second
 * look at the value.) */
static inline int was_string(const struct gs_json *j, struct gs_str v)
{
	return (v.p >= j->arena->buf && v.p < j->arena->buf + j->arena->cap) ||
	       v.p[-1] == '"';
}

static inline int read_id(struct gs_json *j, struct gs_str *out, int *rounded)
{
	int r = gs_json_scalar(j, out);
	if (r || out->n <= 15 || was_string(j, *out) || exact_id_number(*out))
		return r;
	out->p = "";
	out->n = 0;
	if (rounded)
		*rounded = 1;
	return 0;
}

/* Reads the id of an object (user, author, account): "id_str" or "did",
 * else a string "id", else an exact number "id" (see exact_id_number);
 * *rounded is set when only a number that may have been rounded exists.
 * The string field hkey (the format's handle: "screen_name", "username",
 * "acct"), when hkey is not NULL, goes to *handle (a string, or empty).
 * Once the id and the handle are read the rest of the object (often most
 * of the line) is only skipped. */
static int read_account_obj(struct gs_parser *ps, struct gs_json *j,
			    struct gs_str *out, int *rounded, const char *hkey,
			    struct gs_str *handle)
{
	struct gs_str key, v, num = {"", 0};
	int r, seen_num = 0, num_rounded = 0, have_id = 0;
	size_t hlen = hkey ? strlen(hkey) : 0;
	int have_h = !hkey;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "id_str") || KEY(key, "did")) {
			if ((r = gs_json_string(j, &v)))
				return r == GS_ETYPE
					       ? gs_parser_wrong_type(ps, key)
					       : r;
			*out = v;
			have_id = 1;
			if (have_h)
				return gs_json_object_skip_rest(j);
		} else if (hkey && gs_str_eq(key, hkey, hlen)) {
			if ((r = opt_handle(j, handle)))
				return r;
			have_h = 1;
			if (have_id)
				return gs_json_object_skip_rest(j);
		} else if (KEY(key, "id") && !have_id) {
			if ((r = gs_json_scalar(j, &v)))
				return r == GS_ETYPE
					       ? gs_parser_wrong_type(ps, key)
					       : r;
			if (v.n && was_string(j, v)) {
				/* Mastodon, Twitter v2: nothing better
				 * follows */
				*out = v;
				have_id = 1;
				if (have_h)
					return gs_json_object_skip_rest(j);
				continue;
			}
			/* Twitter v1.1: the id_str follows */
			if (v.n <= 15 || exact_id_number(v))
				num = v;
			else
				num_rounded = 1;
			seen_num = 1;
		} else if ((r = gs_json_skip(j))) {
			return r;
		}
	}
	if (r == 0 && seen_num && !have_id) {
		if (num.n)
			*out = num;
		else if (num_rounded && rounded)
			*rounded = 1;
	}
	return r;
}

/* Array of objects; for each, reads the string field named `field` (or
 * `alt`) into a tag list or mention list, as key src's entries (what src
 * gave before is dropped). Numbers are taken only when
 * exact (read_id), so a mention's rounded "id" gives way to its "id_str"
 * in any order, and is dropped when it stands alone. */
static int read_obj_array(struct gs_parser *ps, struct gs_json *j,
			  struct gs_str arrkey, const char *field,
			  const char *alt, const char *hkey,
			  struct taglist *tags, struct mentlist *ment,
			  enum list_src src)
{
	struct gs_str key;
	int r;
	if (tags)
		tags_forget(tags, src);
	else
		ment_forget(ment, src);
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? gs_parser_wrong_type(ps, arrkey) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_object_begin(j)))
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, arrkey)
					     : r;
		struct gs_str got = {"", 0}, got_alt = {"", 0}, h = {"", 0};
		while ((r = gs_json_object_next(j, &key)) == 1) {
			if (hkey && !(alt && !strcmp(alt, hkey)) &&
			    gs_str_eq(key, hkey, strlen(hkey))) {
				if ((r = opt_handle(j, &h)))
					return r;
			} else if (gs_str_eq(key, field, strlen(field))) {
				if ((r = read_id(j, &got, NULL)))
					return r == GS_ETYPE
						       ? gs_parser_wrong_type(
								 ps, key)
						       : r;
			} else if (alt && gs_str_eq(key, alt, strlen(alt))) {
				if ((r = read_id(j, &got_alt, NULL)))
					return r == GS_ETYPE
						       ? gs_parser_wrong_type(
								 ps, key)
						       : r;
			} else if ((r = gs_json_skip(j))) {
				return r;
			}
		}
		if (r < 0)
			return r;
		if (hkey && alt && !strcmp(alt, hkey) && got_alt.n &&
		    was_string(j, got_alt))
			h = got_alt; /* the alt id is the handle */
		if (!got.n)
			got = got_alt;
		if (tags) {
			if ((r = tag_push(ps, tags, got, src)))
				return r;
		} else
			ment_push(ment, got, h, src);
	}
	return r;
}

/* A string value, or nothing (*out untouched) for a value of another
 * type: what links are read with (parser_links.c: they never make a line
 * malformed). 0 or a JSON error. */
static int lenient_string(struct gs_json *j, struct gs_str *out)
{
	if (gs_json_peek(j) == GS_JSON_STRING)
		return gs_json_string(j, out);
	return j->err ? j->err : gs_json_skip(j);
}

/* Twitter's entities.urls [{url, expanded_url, unwound_url, media_key}]:
 * expanded_url, else unwound_url (v2, when Twitter followed the link),
 * else url; not a v2 entry with a media_key (the tweet's own photo or
 * video, which v1.1 lists apart, in entities.media). */
static int read_urls(struct gs_parser *ps, struct gs_json *j, struct urllist *l)
{
	struct gs_str key;
	int r;
	gs_parser_url_forget(l, SRC_URLS);
	if (gs_json_peek(j) != GS_JSON_ARRAY)
		return j->err ? j->err : gs_json_skip(j);
	if ((r = gs_json_array_begin(j)))
		return r;
	while ((r = gs_json_array_next(j)) == 1) {
		if (gs_json_peek(j) != GS_JSON_OBJECT) {
			if ((r = j->err ? j->err : gs_json_skip(j)))
				return r;
			continue;
		}
		if ((r = gs_json_object_begin(j)))
			return r;
		struct gs_str exp = {"", 0}, unw = {"", 0}, url = {"", 0};
		int media = 0;
		while ((r = gs_json_object_next(j, &key)) == 1) {
			if (KEY(key, "expanded_url"))
				r = lenient_string(j, &exp);
			else if (KEY(key, "unwound_url"))
				r = lenient_string(j, &unw);
			else if (KEY(key, "url"))
				r = lenient_string(j, &url);
			else {
				media |= KEY(key, "media_key");
				r = gs_json_skip(j);
			}
			if (r)
				return r;
		}
		if (r < 0)
			return r;
		if (!media)
			gs_parser_url_push(ps, l,
					   exp.n   ? exp
					   : unw.n ? unw
						   : url,
					   SRC_URLS);
	}
	return r;
}

/* "entities": Twitter v1.1 {hashtags[{text}], user_mentions[{id_str}]} or
 * v2 {hashtags[{tag}], mentions[{id, username}]}, and urls of either. It
 * replaces what an "entities" before it in the object gave. */
static int read_entities(struct gs_parser *ps, struct gs_json *j,
			 struct taglist *tags, struct mentlist *ment,
			 struct urllist *urls)
{
	struct gs_str key;
	int r;
	tags_forget(tags, SRC_HASHTAGS);
	ment_forget(ment, SRC_USER_MENTIONS);
	ment_forget(ment, SRC_MENTIONS);
	gs_parser_url_forget(urls, SRC_URLS);
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "urls"))
			r = read_urls(ps, j, urls);
		else if (KEY(key, "hashtags"))
			r = read_obj_array(ps, j, key, "text", "tag", NULL,
					   tags, NULL, SRC_HASHTAGS);
		else if (KEY(key, "user_mentions"))
			r = read_obj_array(ps, j, key, "id_str", "id",
					   HKEY(ps, "screen_name"), NULL, ment,
					   SRC_USER_MENTIONS);
		else if (KEY(key, "mentions"))
			r = read_obj_array(ps, j, key, "id", "username",
					   HKEY(ps, "username"), NULL, ment,
					   SRC_MENTIONS);
		else
			r = gs_json_skip(j);
		if (r)
			return r;
	}
	return r;
}

/* Parses a nested object into a fresh pool object (or skips it when the pool
 * is exhausted or too deep). null gives NULL. */
int gs_parser_sub_obj(struct gs_parser *ps, struct gs_json *j,
		      struct gs_str key, int depth, struct obj **out)
{
	*out = NULL;
	if (gs_json_null(j))
		return 0;
	if (gs_json_peek(j) != GS_JSON_OBJECT)
		return j->err ? j->err : gs_parser_wrong_type(ps, key);
	if (depth >= 2)
		return gs_json_skip(j);
	struct obj *o = obj_new(ps);
	if (!o)
		return gs_parser_pool_error(ps);
	*out = o;
	return gs_parser_walk(ps, j, depth + 1, o);
}

static int read_extended(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "full_text"))
			r = lazy_string(j, &o->ext_text_at);
		else if (KEY(key, "entities")) {
			o->tags.n = o->tags.dropped = 0;
			o->tags.srcs = 0;
			o->ment.n = 0;
			o->ment.srcs = 0;
			o->urls.n = o->urls.dropped = 0;
			o->urls.srcs = 0;
			r = read_entities(ps, j, &o->tags, &o->ment, &o->urls);
			o->keys |= K_EXT_ENTITIES;
		} else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	return r;
}

/* The did in "at://did:plc:xyz/app.bsky.feed.post/rkey", and the rkey. */
void gs_parser_split_at_uri(struct gs_str uri, struct gs_str *did,
			    struct gs_str *rkey)
{
	did->p = rkey->p = "";
	did->n = rkey->n = 0;
	if (uri.n < 6 || memcmp(uri.p, "at://", 5) != 0)
		return;
	const char *s = uri.p + 5, *e = uri.p + uri.n;
	const char *slash = memchr(s, '/', (size_t)(e - s));
	if (!slash)
		return;
	did->p = s;
	did->n = (size_t)(slash - s);
	const char *last = slash;
	for (const char *q = slash; q < e; q++)
		if (*q == '/')
			last = q;
	if (last != slash) {
		rkey->p = last + 1;
		rkey->n = (size_t)(e - last - 1);
	}
}

/* A {"uri": ...} strong ref, or the "parent" ref inside a reply. */
static int read_ref(struct gs_parser *ps, struct gs_json *j, const char *want,
		    struct gs_str *uri)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (want && gs_str_eq(key, want, strlen(want)))
			r = read_ref(ps, j, NULL, uri);
		else if (!want && KEY(key, "uri"))
			r = gs_json_string(j, uri);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	return r;
}

/* Whether a facet's feature whose "$type" value starts at at (NULL: it
 * has none) is a link: compared as Bluesky writes it, decoded only when
 * written otherwise (its escapes were never decoded: the arena has room). */
static __attribute__((noinline)) int is_link(struct gs_parser *ps,
					     const char *at, const char *end)
{
	static const char lit[] = "\"app.bsky.richtext.facet#link\"";
	if (!at)
		return 1;
	while (at < end &&
	       (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r'))
		at++;
	if ((size_t)(end - at) >= sizeof lit - 1 &&
	    memcmp(at, lit, sizeof lit - 1) == 0)
		return 1;
	struct gs_json t;
	struct gs_str v;
	gs_json_init(&t, at, (size_t)(end - at), &ps->arena);
	t.utf8_checked = 1;
	return gs_json_peek(&t) == GS_JSON_STRING &&
	       gs_json_string(&t, &v) == 0 &&
	       GS_STR_IS(v, "app.bsky.richtext.facet#link");
}

/* Bluesky facets: tags, mentions and links from each feature. */
static int read_facets(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key, k2, v;
	int r;
	tags_forget(&o->tags, SRC_FACETS); /* "facets" again: the last wins */
	ment_forget(&o->ment, SRC_FACETS);
	gs_parser_url_forget(&o->urls, SRC_FACETS);
	if ((r = gs_json_array_begin(j)))
		return r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_object_begin(j)))
			return r;
		while ((r = gs_json_object_next(j, &key)) == 1) {
			if (!KEY(key, "features")) {
				if ((r = gs_json_skip(j)))
					return r;
				continue;
			}
			if ((r = gs_json_array_begin(j)))
				return r == GS_ETYPE
					       ? gs_parser_wrong_type(ps, key)
					       : r;
			while ((r = gs_json_array_next(j)) == 1) {
				if ((r = gs_json_object_begin(j)))
					return r == GS_ETYPE
						       ? gs_parser_wrong_type(
								 ps, key)
						       : r;
				/* a link: its uri, unless its $type says it
				 * is another feature (looked at only then) */
				const char *type_at = NULL;
				struct gs_str furi = {"", 0};
				while ((r = gs_json_object_next(j, &k2)) == 1) {
					if (KEY(k2, "uri")) {
						if ((r = lenient_string(j,
									&furi)))
							return r;
					} else if (KEY(k2, "$type")) {
						type_at = j->p;
						if ((r = gs_json_skip(j)))
							return r;
					} else if (KEY(k2, "tag")) {
						if ((r = gs_json_string(j, &v)))
							return r == GS_ETYPE
								       ? gs_parser_wrong_type(
										 ps,
										 k2)
								       : r;
						if ((r = tag_push(ps, &o->tags,
								  v,
								  SRC_FACETS)))
							return r;
					} else if (KEY(k2, "did")) {
						if ((r = gs_json_string(j, &v)))
							return r == GS_ETYPE
								       ? gs_parser_wrong_type(
										 ps,
										 k2)
								       : r;
						ment_push(
							&o->ment, v,
							(struct gs_str){"", 0},
							SRC_FACETS);
					} else if ((r = gs_json_skip(j))) {
						return r;
					}
				}
				if (r < 0)
					return r;
				if (furi.n && is_link(ps, type_at, j->end))
					gs_parser_url_push(ps, &o->urls, furi,
							   SRC_FACETS);
			}
			if (r < 0)
				return r;
		}
		if (r < 0)
			return r;
	}
	return r;
}

static int read_string_array(struct gs_parser *ps, struct gs_json *j,
			     struct gs_str key, struct taglist *l,
			     struct gs_str *first)
{
	struct gs_str v;
	int r;
	if (l)
		tags_forget(l, SRC_RTAGS);
	else
		*first = (struct gs_str){"", 0}; /* a "langs" again: the last */
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? gs_parser_wrong_type(ps, key) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_string(j, &v)))
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
		if (l) {
			if ((r = tag_push(ps, l, v, SRC_RTAGS)))
				return r;
		} else if (!first->n)
			*first = v;
	}
	return r;
}

/* A Bluesky record's "langs": lang is the first, langs all of them (at
 * most GS_POST_MAX_LANGS), for --lang (filter.h); a "langs" again: the
 * last. */
static int read_langs(struct gs_parser *ps, struct gs_json *j,
		      struct gs_str key, struct obj *o)
{
	struct gs_str v;
	int r;
	o->lang = (struct gs_str){"", 0};
	o->nlangs = 0;
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? gs_parser_wrong_type(ps, key) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_json_string(j, &v)))
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
		if (!o->lang.n)
			o->lang = v;
		if (v.n && o->nlangs < GS_POST_MAX_LANGS)
			o->langs[o->nlangs++] = v;
	}
	return r;
}

/* 1 when an at:// URI names a record of the given collection. */
static int uri_collection_is(struct gs_str uri, const char *coll)
{
	struct gs_str did, rkey;
	gs_parser_split_at_uri(uri, &did, &rkey);
	size_t n = strlen(coll);
	if (!did.n || !rkey.n)
		return 0;
	const char *c = did.p + did.n + 1; /* after "did/" */
	return (size_t)(rkey.p - 1 - c) == n && memcmp(c, coll, n) == 0;
}

/* embed.record of a post: {"uri"} of app.bsky.embed.record, or
 * {"record": {"uri"}} of app.bsky.embed.recordWithMedia. */
static int read_embed_record(struct gs_parser *ps, struct gs_json *j,
			     struct gs_str *uri, struct gs_str *inner)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "uri"))
			r = gs_json_string(j, uri);
		else if (KEY(key, "record") &&
			 gs_json_peek(j) == GS_JSON_OBJECT)
			r = read_ref(ps, j, NULL, inner);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	return r;
}

/*
 * A post's "embed": a quote when it is an app.bsky.embed.record (or a
 * recordWithMedia, whose record is one) that points at a post; records
 * that point at a list, a feed generator or a starter pack are not quotes.
 */
/* An embed's "external" {"uri", ...} or Mastodon's "card" {"url", ...}
 * (field: the key), leniently; or, with type, the "media" of a
 * recordWithMedia {"$type", "external"}. */
static int read_external(struct gs_json *j, const char *field,
			 struct gs_str *type, struct gs_str *uri)
{
	struct gs_str key;
	int r;
	if (gs_json_peek(j) != GS_JSON_OBJECT)
		return j->err ? j->err : gs_json_skip(j);
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (!type && gs_str_eq(key, field, strlen(field)))
			r = lenient_string(j, uri);
		else if (type && KEY(key, "$type"))
			r = lenient_string(j, type);
		else if (type && KEY(key, "external"))
			r = read_external(j, "uri", NULL, uri);
		else
			r = gs_json_skip(j);
		if (r)
			return r;
	}
	return r;
}

static int read_embed(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key, type = {"", 0}, uri = {"", 0}, inner = {"", 0};
	struct gs_str ext = {"", 0}, mtype = {"", 0}, mext = {"", 0};
	int r;
	gs_parser_url_forget(&o->urls, SRC_EMBED); /* the last wins */
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "$type"))
			r = gs_json_string(j, &type);
		else if (KEY(key, "record") &&
			 gs_json_peek(j) == GS_JSON_OBJECT)
			r = read_embed_record(ps, j, &uri, &inner);
		else if (KEY(key, "external"))
			r = read_external(j, "uri", NULL, &ext);
		else if (KEY(key, "media"))
			r = read_external(j, NULL, &mtype, &mext);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	if (r)
		return r;
	struct gs_str q = GS_STR_IS(type, "app.bsky.embed.record") ? uri
			  : GS_STR_IS(type, "app.bsky.embed.recordWithMedia")
				  ? inner
				  : (struct gs_str){"", 0};
	if (q.n && uri_collection_is(q, "app.bsky.feed.post")) {
		struct gs_str rk;
		o->is_quote = 1;
		gs_parser_split_at_uri(q, &o->quote_did, &rk);
	}
	if (GS_STR_IS(type, "app.bsky.embed.external"))
		gs_parser_url_push(ps, &o->urls, ext, SRC_EMBED);
	else if (GS_STR_IS(type, "app.bsky.embed.recordWithMedia") &&
		 GS_STR_IS(mtype, "app.bsky.embed.external"))
		gs_parser_url_push(ps, &o->urls, mext, SRC_EMBED);
	return 0;
}

/* The "record" of a Jetstream commit; it replaces the tags and mentions
 * of a record before it in the commit (or of a commit before it). */
static int read_record(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key, uri = {"", 0};
	int r;
	tags_forget(&o->tags, SRC_FACETS);
	tags_forget(&o->tags, SRC_RTAGS);
	ment_forget(&o->ment, SRC_FACETS);
	gs_parser_url_forget(&o->urls, SRC_FACETS);
	gs_parser_url_forget(&o->urls, SRC_EMBED);
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "text")) {
			r = lazy_string(j, &o->text_at);
		} else if (KEY(key, "langs")) {
			r = read_langs(ps, j, key, o);
		} else if (KEY(key, "facets")) {
			o->keys |= K_FACETS;
			r = read_facets(ps, j, o);
		} else if (KEY(key, "tags")) {
			o->keys |= K_MTAGS;
			r = read_string_array(ps, j, key, &o->tags, NULL);
		} else if (KEY(key, "reply")) {
			o->is_reply = 1;
			r = read_ref(ps, j, "parent", &uri);
			struct gs_str rk;
			gs_parser_split_at_uri(uri, &o->reply_user, &rk);
		} else if (KEY(key, "subject")) {
			if (gs_json_peek(j) == GS_JSON_OBJECT)
				r = read_ref(ps, j, NULL, &o->subject_uri);
			else
				r = gs_json_skip(j);
		} else if (KEY(key, "embed")) {
			if (gs_json_peek(j) == GS_JSON_OBJECT)
				r = read_embed(ps, j, o);
			else
				r = gs_json_skip(j);
		} else {
			r = gs_json_skip(j);
		}
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	return r;
}

static int read_commit(struct gs_parser *ps, struct gs_json *j, struct obj *o)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "operation"))
			r = gs_json_string(j, &o->operation);
		else if (KEY(key, "collection"))
			r = gs_json_string(j, &o->collection);
		else if (KEY(key, "rkey"))
			r = gs_json_string(j, &o->rkey);
		else if (KEY(key, "record")) {
			if (gs_json_peek(j) == GS_JSON_OBJECT)
				r = read_record(ps, j, o);
			else
				r = gs_json_skip(j);
		} else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	return r;
}

/* kind: 0 a date string, 1 epoch milliseconds, 2 epoch microseconds. */
static int set_time(struct gs_parser *ps, struct gs_json *j, struct gs_str key,
		    struct obj *o, int kind)
{
	struct gs_str v;
	int64_t ms;
	int r;
	if (kind == 2) {
		int64_t us;
		if ((r = gs_json_int(j, &us)))
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
		/* floor(us / 1000) without overflow, within the range the
		 * time parsers yield (timeutil.h) */
		ms = us / 1000 - (us % 1000 < 0);
		if (ms < GS_TIME_MIN_MS || ms > GS_TIME_MAX_MS)
			return gs_parser_fail(
				ps, GS_ETIME,
				"field '%.*s' is not a valid time", (int)key.n,
				key.p);
	} else {
		r = kind ? gs_json_scalar(j, &v) : gs_json_string(j, &v);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
		if (!v.n)
			return 0;
		if ((kind ? gs_time_parse_epoch_ms(v.p, v.n, &ms)
			  : gs_time_parse_any(v.p, v.n, &ms)) != 0)
			return gs_parser_fail(
				ps, GS_ETIME,
				"field '%.*s' is not a valid time", (int)key.n,
				key.p);
	}
	if (kind || !(o->keys & K_TS_MS)) {
		o->time_ms = ms;
		o->keys |= K_TIME | (kind == 1 ? K_TS_MS : 0);
	}
	return 0;
}

/* An array of tweets (a page's data[] or includes.tweets), or, for data,
 * one tweet object as the v2 stream and sample endpoints send it. */
static int read_page_array(struct gs_parser *ps, struct gs_json *j,
			   struct gs_str key, struct obj ***v, size_t *n,
			   size_t *cap)
{
	int r;
	struct obj *o;
	if (v == &ps->data && gs_json_peek(j) == GS_JSON_OBJECT) {
		if ((r = gs_parser_sub_obj(ps, j, key, 0, &o)))
			return r;
		return gs_parser_obj_list_push(ps, v, n, cap, o);
	}
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? gs_parser_wrong_type(ps, key) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		if ((r = gs_parser_sub_obj(ps, j, key, 0, &o)))
			return r;
		if (o && (r = gs_parser_obj_list_push(ps, v, n, cap, o)))
			return r;
	}
	return r;
}

/* includes.users: [{id, username, ...}], for the handles of a page's
 * authors (matched by author_id), repliers and quoted authors. */
static int read_users(struct gs_parser *ps, struct gs_json *j,
		      struct gs_str arrkey)
{
	int r;
	if ((r = gs_json_array_begin(j)))
		return r == GS_ETYPE ? gs_parser_wrong_type(ps, arrkey) : r;
	while ((r = gs_json_array_next(j)) == 1) {
		struct gs_str id = {"", 0}, h = {"", 0};
		if (gs_json_peek(j) != GS_JSON_OBJECT) {
			if ((r = gs_json_skip(j)))
				return r;
			continue;
		}
		if ((r = read_account_obj(ps, j, &id, NULL,
					  HKEY(ps, "username"), &h)))
			return r;
		if (id.n && h.n && (r = gs_parser_user_push(ps, id, h)))
			return r;
	}
	return r;
}

static int read_includes(struct gs_parser *ps, struct gs_json *j)
{
	struct gs_str key;
	int r;
	if ((r = gs_json_object_begin(j)))
		return r;
	ps->nincl = 0; /* "includes" or "tweets" again: the last wins */
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "tweets")) {
			ps->nincl = 0;
			r = read_page_array(ps, j, key, &ps->incl, &ps->nincl,
					    &ps->incl_cap);
		} else if (KEY(key, "users")) {
			ps->nusers = 0;
			ps->users_sorted = 0;
			r = read_users(ps, j, key);
		} else
			r = gs_json_skip(j);
		if (r)
			return r;
	}
	return r;
}

/*
 * Mastodon's quote (4.4 and later): {"state": "accepted", "quoted_status":
 * {Status}} or, for a quote nested in a quote, {"state": "accepted",
 * "quoted_status_id": "..."}. Only an accepted quote is a quote; the other
 * states (pending, rejected, revoked, deleted, unauthorized) show no post.
 */
static int read_quote(struct gs_parser *ps, struct gs_json *j, int depth,
		      struct obj *o)
{
	struct gs_str key, state = {"", 0}, id = {"", 0};
	struct obj *q = NULL;
	int r;
	if (gs_json_null(j))
		return 0;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (KEY(key, "state"))
			r = opt_string(j, &state);
		else if (KEY(key, "quoted_status"))
			r = gs_parser_sub_obj(ps, j, key, depth, &q);
		else if (KEY(key, "quoted_status_id"))
			r = gs_json_scalar(j, &id);
		else
			r = gs_json_skip(j);
		if (r)
			return r == GS_ETYPE ? gs_parser_wrong_type(ps, key)
					     : r;
	}
	if (r == 0 && GS_STR_IS(state, "accepted") && (q || id.n)) {
		o->is_quote = 1;
		if (q)
			o->quoted = q;
	}
	return r;
}

/* A referenced_tweets array met again in o: what the one before turned on
 * is taken back, so that only the last counts. */
static void refs_forget(struct obj *o)
{
	if (o->ref_set & REF_REPOST) {
		o->is_repost = 0;
		o->orig = NULL;
	}
	if (o->ref_set & REF_QUOTE) {
		o->is_quote = 0;
		o->quoted = NULL;
	}
	if (o->ref_set & REF_REPLY)
		o->is_reply = 0;
	o->ref_set = 0;
	o->retweet_ref = (struct gs_str){"", 0};
	o->quote_ref = (struct gs_str){"", 0};
	o->keys &= ~(unsigned)K_RETWEET_REF;
}

/* One object of any format; depth 0 is the line's top level. */
int gs_parser_walk(struct gs_parser *ps, struct gs_json *j, int depth,
		   struct obj *o)
{
	struct gs_str key, v;
	int r, b;
	o->at = j->p;
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		r = 0;
		switch (key.n) {
		case 2:
			if (KEY(key, "id") && !(o->keys & K_ID_STR))
				r = read_id(j, &o->id, NULL);
			else
				goto skip;
			break;
		case 3:
			if (KEY(key, "did")) {
				o->keys |= K_DID;
				r = gs_json_string(j, &o->account);
			} else
				goto skip;
			break;
		case 4:
			if (KEY(key, "text")) {
				o->keys |= K_TEXT;
				r = lazy_string(j, &o->text_at);
			} else if (KEY(key, "user")) {
				o->keys |= K_USER;
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? gs_parser_json_fail(
								ps, j, j->err)
						      : gs_parser_wrong_type(
								ps, key);
				r = read_account_obj(
					ps, j, &o->account, &o->id_rounded,
					HKEY(ps, "screen_name"), &o->handle);
			} else if (KEY(key, "lang"))
				r = opt_string(j, &o->lang);
			else if (KEY(key, "kind")) {
				o->keys |= K_KIND;
				r = gs_json_string(j, &o->kind);
			} else if (KEY(key, "tags")) {
				o->keys |= K_MTAGS;
				r = read_obj_array(ps, j, key, "name", NULL,
						   NULL, &o->tags, NULL,
						   SRC_MTAGS);
			} else if (KEY(key, "data") && depth == 0) {
				o->keys |= K_DATA;
				ps->ndata = 0; /* "data" again: the last wins */
				r = read_page_array(ps, j, key, &ps->data,
						    &ps->ndata, &ps->data_cap);
			} else if (KEY(key, "type"))
				r = gs_json_string(j, &o->ref_type);
			else if (KEY(key, "card")) {
				/* Mastodon's preview card of a link */
				o->card_url = (struct gs_str){"", 0};
				r = read_external(j, "url", NULL, &o->card_url);
			} else
				goto skip;
			break;
		case 5:
			if (KEY(key, "quote"))
				r = read_quote(ps, j, depth, o);
			else
				goto skip;
			break;
		case 6:
			if (KEY(key, "id_str")) {
				o->keys |= K_ID_STR;
				r = gs_json_string(j, &o->id);
			} else if (KEY(key, "author")) {
				o->keys |= K_AUTHOR;
				struct gs_str a = {"", 0}, h = {"", 0};
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? gs_parser_json_fail(
								ps, j, j->err)
						      : gs_parser_wrong_type(
								ps, key);
				r = read_account_obj(ps, j, &a, &o->id_rounded,
						     HKEY(ps, "username"), &h);
				if (!o->account.n)
					o->account = a;
				if (h.n)
					o->handle = h;
			} else if (KEY(key, "commit")) {
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? gs_parser_json_fail(
								ps, j, j->err)
						      : gs_parser_wrong_type(
								ps, key);
				r = read_commit(ps, j, o);
			} else if (KEY(key, "reblog")) {
				r = gs_parser_sub_obj(ps, j, key, depth,
						      &o->orig);
				if (o->orig)
					o->is_repost = 1;
			} else
				goto skip;
			break;
		case 7:
			if (KEY(key, "account")) {
				o->keys |= K_ACCOUNT;
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					return j->err ? gs_parser_json_fail(
								ps, j, j->err)
						      : gs_parser_wrong_type(
								ps, key);
				r = read_account_obj(
					ps, j, &o->account, &o->id_rounded,
					HKEY(ps, "acct"), &o->handle);
			} else if (KEY(key, "time_us"))
				r = set_time(ps, j, key, o, 2);
			else if (KEY(key, "content")) {
				/* Mastodon's HTML: decoded only if its
				 * links are wanted (parser_links.c) */
				o->content_at = NULL;
				if (gs_json_peek(j) == GS_JSON_STRING)
					r = lazy_string(j, &o->content_at);
				else
					goto skip;
			} else
				goto skip;
			break;
		case 8:
			if (KEY(key, "entities") &&
			    (o->keys & K_EXT_ENTITIES)) {
				goto skip; /* extended_tweet's came first */
			} else if (KEY(key, "entities")) {
				o->keys |= K_ENTITIES;
				r = read_entities(ps, j, &o->tags, &o->ment,
						  &o->urls);
			} else if (KEY(key, "language"))
				r = opt_string(j, &o->lang);
			else if (KEY(key, "includes") && depth == 0)
				r = read_includes(ps, j);
			else if (KEY(key, "mentions"))
				r = read_obj_array(ps, j, key, "id", "acct",
						   HKEY(ps, "acct"), NULL,
						   &o->ment, SRC_MMENTIONS);
			else
				goto skip;
			break;
		case 9:
			if (KEY(key, "full_text"))
				r = lazy_string(j, &o->full_text_at);
			else if (KEY(key, "author_id")) {
				o->keys |= K_AUTHOR;
				r = read_id(j, &o->account, &o->id_rounded);
			} else
				goto skip;
			break;
		case 10:
			if (KEY(key, "created_at"))
				r = set_time(ps, j, key, o, 0);
			else
				goto skip;
			break;
		case 12:
			if (KEY(key, "timestamp_ms"))
				r = set_time(ps, j, key, o, 1);
			else
				goto skip;
			break;
		case 13:
			if (KEY(key, "quoted_status")) {
				r = gs_parser_sub_obj(ps, j, key, depth,
						      &o->quoted);
			} else
				goto skip;
			break;
		case 14:
			if (KEY(key, "extended_tweet"))
				r = gs_json_null(j) ? 0
						    : read_extended(ps, j, o);
			else if (KEY(key, "in_reply_to_id")) {
				r = gs_json_scalar(j, &v);
				o->is_reply |= v.n > 0;
			} else
				goto skip;
			break;
		case 15:
			if (KEY(key, "is_quote_status")) {
				if (gs_json_null(j))
					break;
				r = gs_json_bool(j, &b);
				o->is_quote |= r == 0 && b;
			} else
				goto skip;
			break;
		case 16:
			if (KEY(key, "retweeted_status")) {
				r = gs_parser_sub_obj(ps, j, key, depth,
						      &o->orig);
				if (o->orig)
					o->is_repost = 1;
			} else if (KEY(key, "quoted_status_id")) {
				r = gs_json_scalar(j, &v);
				o->is_quote |= v.n > 0;
			} else if (KEY(key, "in_reply_to_user")) {
				/* twarc2 flatten: {id, username, ...} */
				struct gs_str a = {"", 0};
				if (gs_json_peek(j) != GS_JSON_OBJECT)
					goto skip;
				r = read_account_obj(ps, j, &a, NULL,
						     HKEY(ps, "username"),
						     &o->reply_handle);
			} else
				goto skip;
			break;
		case 17:
			if (KEY(key, "referenced_tweets")) {
				if (o->keys & K_REFS)
					refs_forget(o);
				o->keys |= K_REFS;
				if ((r = gs_json_array_begin(j)))
					break;
				while ((r = gs_json_array_next(j)) == 1) {
					struct obj *ref;
					if ((r = gs_parser_sub_obj(
						     ps, j, key, depth, &ref)))
						return r;
					if (!ref)
						continue;
					if (GS_STR_IS(ref->ref_type,
						      "retweeted")) {
						if (!o->is_repost)
							o->ref_set |=
								REF_REPOST;
						o->is_repost = 1;
						o->retweet_ref = ref->id;
						o->keys |= K_RETWEET_REF;
						if (ref->keys &
						    (K_ENTITIES | K_AUTHOR))
							o->orig = ref;
					} else if (GS_STR_IS(ref->ref_type,
							     "quoted")) {
						if (!o->is_quote)
							o->ref_set |= REF_QUOTE;
						o->is_quote = 1;
						o->quote_ref = ref->id;
						if (ref->account.n)
							o->quoted = ref;
					} else if (GS_STR_IS(ref->ref_type,
							     "replied_to")) {
						if (!o->is_reply)
							o->ref_set |= REF_REPLY;
						o->is_reply = 1;
					}
				}
			} else
				goto skip;
			break;
		case 19:
			if (KEY(key, "in_reply_to_user_id") &&
			    !(o->keys & K_REPLY_STR))
				r = read_id(j, &o->reply_user, NULL);
			else
				goto skip;
			break;
		case 21:
			if (KEY(key, "in_reply_to_status_id")) {
				r = gs_json_scalar(j, &v);
				o->is_reply |= v.n > 0;
			} else
				goto skip;
			break;
		case 20:
			if (KEY(key, "quoted_status_id_str")) {
				r = gs_json_scalar(j, &v);
				o->is_quote |= v.n > 0;
			} else
				goto skip;
			break;
		case 22:
			if (KEY(key, "in_reply_to_account_id"))
				r = gs_json_scalar(j, &o->reply_user);
			else
				goto skip;
			break;
		case 23:
			if (KEY(key, "in_reply_to_user_id_str")) {
				o->keys |= K_REPLY_STR;
				r = read_id(j, &o->reply_user, NULL);
			} else if (KEY(key, "in_reply_to_screen_name")) {
				r = opt_handle(j, &o->reply_handle);
			} else
				goto skip;
			break;
		case 25:
			if (KEY(key, "in_reply_to_status_id_str")) {
				r = gs_json_scalar(j, &v);
				o->is_reply |= v.n > 0;
			} else
				goto skip;
			break;
		default:
		skip:
			r = gs_json_skip(j);
		}
		if (r == GS_ETYPE)
			return gs_parser_wrong_type(ps, key);
		if (r)
			return r;
	}
	return r;
}

/* Consumes the literal lit at the cursor; 0 when it is not there. */
static inline __attribute__((always_inline)) int
expect(struct gs_json *j, const char *lit, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

#define EXPECT(j, lit) expect(j, lit, sizeof lit - 1)

/*
 * Jetstream writes every commit in one layout (Go's encoder, struct field
 * order): {"did":..,"time_us":..,"kind":"commit","commit":{"rev":..,
 * "operation":..,"collection":..,"rkey":..,"record":{..},"cid":..}}. A
 * line in exactly that layout is read here with one compare per key
 * instead of a scan and a dispatch per key; its values are read by the
 * same functions as gs_parser_walk's (the record by read_record), so the
 * result is the same. Returns 1 when the whole line was read, 0 when it
 * is in any other layout or has any error: the caller then starts over
 * with gs_parser_walk, which also words the error.
 */
int gs_parser_walk_jetstream(struct gs_parser *ps, struct gs_json *j,
			     struct obj *o)
{
	static const struct gs_str k_time = {"time_us", 7};
	if (!EXPECT(j, "{\"did\":") || gs_json_string(j, &o->account) ||
	    !EXPECT(j, ",\"time_us\":") || set_time(ps, j, k_time, o, 2))
		return 0;
	o->keys |= K_DID | K_KIND;
	o->kind.p = j->p + 9;
	o->kind.n = 6;
	if (!EXPECT(j, ",\"kind\":\"commit\",\"commit\":{\"rev\":") ||
	    gs_json_peek(j) != GS_JSON_STRING || gs_json_skip(j) ||
	    !EXPECT(j, ",\"operation\":") || gs_json_string(j, &o->operation) ||
	    !EXPECT(j, ",\"collection\":") ||
	    gs_json_string(j, &o->collection) || !EXPECT(j, ",\"rkey\":") ||
	    gs_json_string(j, &o->rkey) || !EXPECT(j, ",\"record\":") ||
	    gs_json_peek(j) != GS_JSON_OBJECT)
		return 0;
	j->depth = 2;
	if (read_record(ps, j, o) < 0 || !EXPECT(j, ",\"cid\":") ||
	    gs_json_peek(j) != GS_JSON_STRING || gs_json_skip(j) ||
	    !EXPECT(j, "}}"))
		return 0;
	j->depth = 0;
	return gs_json_finish(j) == 0;
}
