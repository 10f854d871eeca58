/*
 * parser.c - one line of any supported format to struct gs_post.
 *
 * The four formats share most of their shape: an object per post with an id,
 * a time, an author object, tag entities, reply fields and an embedded
 * original for reposts. Rather than four parsers that each walk the line, one
 * walk reads whichever of the known keys appear (their names barely overlap
 * across formats) into a struct obj, and the format is decided afterwards from
 * the keys seen: "did"/"kind" is Jetstream, "data" a twarc2 page, "author_id"
 * Twitter v2, "user" Twitter v1.1, "account" Mastodon. Everything else in the
 * line is skipped without being decoded; the post text is decoded only when
 * the format gave no hashtag entities and tags must be extracted from it.
 *
 * Twitter v2 pages carry retweeted originals in includes.tweets, possibly
 * after data[], so a page is walked once into a pool of objects and resolved
 * at the end; a malformed tweet is left out of its page (gs_parser_dropped),
 * never the page for it. A line that is a JSON array is read the same way,
 * each element by its own format. Mastodon streaming captures (SSE) are
 * handled line by line: "event: update" arms the next "data:" line, and a
 * ':' comment line belongs to SSE only.
 *
 * A line that gives no post is either a documented non-post (stream control
 * messages, twarc2 output without tweets, Jetstream events other than post
 * and repost creation), counted by kind (gs_parser_nonpost), or malformed;
 * the kind is told from the object's top-level keys walked again
 * (nonpost_kind), so the walk that reads posts pays nothing for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "groundswell.h"
#include "hashtag.h"
#include "parser_int.h"

struct gs_parser *gs_parser_new(enum gs_format forced, size_t max_line)
{
	struct gs_parser *ps = calloc(1, sizeof *ps);
	if (!ps)
		return NULL;
	ps->forced = forced;
	ps->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	/* the arena grows to the longest line met (gs_parser_parse) */
	ps->arena.cap = ps->max_line + 64 < ARENA_MIN ? ps->max_line + 64 : ARENA_MIN;
	ps->arena.buf = malloc(ps->arena.cap);
	ps->chunks = malloc(sizeof *ps->chunks);
	ps->posts_cap = 16;
	ps->posts = malloc(ps->posts_cap * sizeof *ps->posts);
	if (ps->chunks) {
		ps->chunks[0] = malloc(POOL_CHUNK * sizeof **ps->chunks);
		ps->nchunks = ps->chunks[0] ? 1 : 0;
	}
	if (!ps->arena.buf || !ps->nchunks || !ps->posts) {
		gs_parser_free(ps);
		return NULL;
	}
	return ps;
}

void gs_parser_set_handles(struct gs_parser *ps, int on)
{
	ps->no_handles = !on;
}

void gs_parser_free(struct gs_parser *ps)
{
	if (!ps)
		return;
	free(ps->arena.buf);
	for (size_t i = 0; i < ps->nchunks; i++)
		free(ps->chunks[i]);
	free(ps->chunks);
	free(ps->data);
	free(ps->incl);
	free(ps->users);
	free(ps->posts);
	free(ps);
}

enum gs_nonpost gs_parser_nonpost(const struct gs_parser *ps)
{
	return ps->skipped == 1 ? ps->nonpost : GS_NONPOST_NONE;
}

void gs_parser_expect_jsonl(struct gs_parser *ps)
{
	if (!ps->sse)
		ps->sse = -1;
}

static const struct {
	const char *key, *name;
} nonposts[] = {
#define GS_NONPOST_ROW_(name, key, msg) {key, msg},
	GS_NONPOSTS(GS_NONPOST_ROW_)
#undef GS_NONPOST_ROW_
};

const char *gs_nonpost_name(enum gs_nonpost k)
{
	return (unsigned)k < GS_NONPOST_COUNT ? nonposts[k].name : "unknown";
}

const char *gs_nonpost_key(enum gs_nonpost k)
{
	return (unsigned)k < GS_NONPOST_COUNT ? nonposts[k].key : "unknown";
}

/* The line is a delete of the post id (Bluesky: rkey) of account. */
static void set_retraction(struct gs_parser *ps, enum gs_format f,
			   unsigned flags, int64_t time_ms, struct gs_str id,
			   struct gs_str account)
{
	ps->retr.format = f;
	ps->retr.flags = flags;
	ps->retr.time_ms = time_ms;
	ps->retr.id = id;
	ps->retr.account = account;
	ps->retr_set = 1;
}

int gs_parser_retraction(const struct gs_parser *ps, struct gs_retraction *r)
{
	if (!ps->retr_set || ps->skipped != 1)
		return 0;
	*r = ps->retr;
	return 1;
}

/* Bluesky: did and rkey, as gs_repost_key (count/repost_cache.h) has it,
 * a repost record's apart; Twitter (both APIs give the same ids) and
 * Mastodon: the id, seeded by platform. */
static uint64_t key_of(enum gs_format f, unsigned flags, struct gs_str id,
		       struct gs_str account)
{
	if (f == GS_FORMAT_JETSTREAM) {
		uint64_t k = XXH3_64bits_withSeed(
			id.p, id.n, XXH3_64bits(account.p, account.n));
		return flags & GS_POST_REPOST ? k ^ 0x9E3779B97F4A7C15ull : k;
	}
	return XXH3_64bits_withSeed(id.p, id.n,
				    f == GS_FORMAT_MASTODON ? 2 : 1);
}

uint64_t gs_post_key(const struct gs_post *p)
{
	return key_of(p->format, p->flags, p->id, p->account);
}

uint64_t gs_retraction_key(const struct gs_retraction *r)
{
	return key_of(r->format, r->flags, r->id, r->account);
}

/* A line that carries no post, of kind k. */
static int nonpost(struct gs_parser *ps, enum gs_nonpost k)
{
	ps->skipped = 1;
	ps->nonpost = k;
	return 0;
}

const char *gs_parser_reason(const struct gs_parser *ps)
{
	return ps->reason;
}

int gs_parser_skipped(const struct gs_parser *ps)
{
	return ps->skipped;
}

enum gs_format gs_parser_format(const struct gs_parser *ps)
{
	return ps->last_format;
}

size_t gs_parser_dropped(const struct gs_parser *ps)
{
	return ps->dropped;
}

/* Makes room for one more object in the pool: 0, or -1 past the line's
 * cap or out of memory (ps->pool_full says which). */
int gs_parser_pool_grow(struct gs_parser *ps)
{
	if (ps->pool_used >= ps->pool_max) {
		ps->pool_full = 1;
		return -1;
	}
	size_t c = ps->pool_used / POOL_CHUNK;
	if (c >= ps->nchunks) {
		struct obj **v = realloc(ps->chunks, (c + 1) * sizeof *v);
		if (!v) {
			ps->pool_full = 2;
			return -1;
		}
		ps->chunks = v;
		if (!(v[c] = malloc(POOL_CHUNK * sizeof **v))) {
			ps->pool_full = 2;
			return -1;
		}
		ps->nchunks = c + 1;
	}
	ps->pool_room = POOL_CHUNK * ps->nchunks < ps->pool_max
				? POOL_CHUNK * ps->nchunks
				: ps->pool_max;
	return 0;
}

int gs_parser_pool_error(struct gs_parser *ps)
{
	if (ps->pool_full == 2)
		return gs_parser_fail(ps, GS_ENOMEM, "out of memory");
	return gs_parser_fail(
		ps, GS_ETOOLONG,
		"too many objects in one line (at most %zu in a line of this length)",
		ps->pool_max);
}

/* Appends o to a growing list of the pool's objects (a page's data[] or
 * includes.tweets); bounded by the pool's cap. */
int gs_parser_obj_list_push(struct gs_parser *ps, struct obj ***v, size_t *n,
			    size_t *cap, struct obj *o)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct obj **nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return gs_parser_fail(ps, GS_ENOMEM, "out of memory");
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = o;
	return 0;
}

int gs_parser_user_push(struct gs_parser *ps, struct gs_str id,
			struct gs_str username)
{
	if (ps->nusers == ps->users_cap) {
		size_t nc = ps->users_cap ? ps->users_cap * 2 : 64;
		struct gs_str(*nv)[2] = realloc(ps->users, nc * sizeof *nv);
		if (!nv)
			return gs_parser_fail(ps, GS_ENOMEM, "out of memory");
		ps->users = nv;
		ps->users_cap = nc;
	}
	ps->users[ps->nusers][0] = id;
	ps->users[ps->nusers++][1] = username;
	return 0;
}

static int user_cmp(const void *a, const void *b)
{
	const struct gs_str *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The username of account id among the page's includes.users, or h when
 * h is already given or the page names none. Sorted on first use (the
 * first of equal ids stays first: qsort is not stable, so ties go by
 * position, which the array's own order gives). */
static struct gs_str user_handle(struct gs_parser *ps, struct gs_str id,
				 struct gs_str h)
{
	if (h.n || !id.n || !ps->nusers)
		return h;
	if (!ps->users_sorted) {
		qsort(ps->users, ps->nusers, sizeof *ps->users, user_cmp);
		ps->users_sorted = 1;
	}
	const struct gs_str(*u)[2] = bsearch(&id, ps->users, ps->nusers,
					     sizeof *ps->users, user_cmp);
	return u ? (*u)[1] : h;
}

int gs_parser_fail(struct gs_parser *ps, int err, const char *fmt, ...)
{
	if (ps->reason[0])
		return err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof ps->reason, fmt, ap);
	va_end(ap);
	return err;
}

/* Turns a scanner error into a message with its column. */
int gs_parser_json_fail(struct gs_parser *ps, struct gs_json *j, int err)
{
	if (j->err) {
		long col = j->err_at ? (long)(j->err_at - ps->line) + 1 : 0;
		if (j->err == GS_EUTF8)
			return gs_parser_fail(
				ps, j->err,
				"invalid UTF-8 in a string near column %ld",
				col);
		if (j->err == GS_ETOOLONG)
			return gs_parser_fail(ps, j->err,
					      "string too long near column %ld",
					      col);
		const char *e = j->end;
		while (e > ps->line && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((j->err_at && j->err_at >= j->end) || e == ps->line ||
		    e[-1] != '}')
			return gs_parser_fail(ps, j->err, "truncated JSON");
		return gs_parser_fail(ps, j->err,
				      "malformed JSON near column %ld", col);
	}
	return err;
}

int gs_parser_wrong_type(struct gs_parser *ps, struct gs_str key)
{
	return gs_parser_fail(ps, GS_ETYPE, "field '%.*s' has the wrong type",
			      (int)(key.n > 40 ? 40 : key.n), key.p);
}

/* Decodes a lazily kept string value. */
static int decode_at(struct gs_parser *ps, const char *at, const char *end,
		     struct gs_str *out)
{
	struct gs_json j;
	gs_json_init(&j, at, (size_t)(end - at), &ps->arena);
	int r = gs_json_string(&j, out);
	return r ? gs_parser_json_fail(ps, &j, r) : 0;
}

/* Tags of a tweet-like object: its entities when it has them, else (when
 * from_text) the hashtags found in its text. Bluesky posts never take tags
 * from their text: in its data model a hashtag exists only as a tag facet
 * or in the record's "tags", and the app shows an unfaceted "#word" as
 * plain text. */
static int choose_tags(struct gs_parser *ps, struct obj *o, const char *end,
		       struct gs_post *p, int from_text)
{
	const struct taglist *l = NULL;
	const struct mentlist *m = &o->ment;
	if ((o->keys & (K_EXT_ENTITIES | K_ENTITIES | K_MTAGS | K_FACETS)) ||
	    !from_text) {
		l = &o->tags;
	}
	if (l) {
		memcpy(p->tags, l->v, l->n * sizeof l->v[0]);
		p->ntags = l->n;
		p->tags_dropped = l->dropped;
	} else {
		const char *at = o->ext_text_at  ? o->ext_text_at
				 : o->full_text_at ? o->full_text_at
						   : o->text_at;
		struct gs_str text;
		p->ntags = p->tags_dropped = 0;
		if (at) {
			/* Decoded once: retweets in a page share an original
			 * in includes.tweets, and the arena only holds the
			 * line's strings once. */
			if (!o->text_done) {
				int r = decode_at(ps, at, end, &o->text);
				if (r)
					return r;
				o->text_done = 1;
			}
			text = o->text;
			size_t n = gs_hashtag_extract(text.p, text.n, p->tags,
						      GS_POST_MAX_TAGS);
			p->ntags = n < GS_POST_MAX_TAGS ? n : GS_POST_MAX_TAGS;
			p->tags_dropped = n - p->ntags;
		}
	}
	memcpy(p->mentions, m->v, m->n * sizeof m->v[0]);
	memcpy(p->mention_handles, m->h, m->n * sizeof m->h[0]);
	p->nmentions = m->n;
	for (size_t i = 0; ps->nusers && i < m->n; i++)
		p->mention_handles[i] =
			user_handle(ps, p->mentions[i], p->mention_handles[i]);
	return 0;
}

static const struct gs_str empty_str = {"", 0};

static void post_clear(struct gs_post *p)
{
	p->flags = 0;
	p->time_ms = 0;
	p->id = p->account = p->lang = p->reply_to = empty_str;
	p->post_did = p->post_rkey = p->repost_did = p->repost_rkey = empty_str;
	p->repost_id = p->repost_account = p->quote_account = empty_str;
	p->handle = p->reply_to_handle = empty_str;
	p->repost_handle = p->quote_handle = empty_str;
	p->ntags = p->tags_dropped = p->nmentions = 0;
	p->nlangs = 0;
	p->nurls = p->urls_dropped = 0;
}

static enum gs_format detect(const struct obj *o)
{
	if (o->keys & (K_DID | K_KIND))
		return GS_FORMAT_JETSTREAM;
	if (o->keys & K_DATA)
		return GS_FORMAT_TWITTER2;
	if (o->keys & K_USER)
		return GS_FORMAT_TWITTER1;
	if (o->keys & K_ACCOUNT)
		return GS_FORMAT_MASTODON;
	if (o->keys & K_AUTHOR)
		return GS_FORMAT_TWITTER2;
	return GS_FORMAT_AUTO;
}

/* Builds the post of a tweet-like object (v1.1, v2, Mastodon). */
static int build_post(struct gs_parser *ps, struct obj *o, enum gs_format f,
		      const char *end, struct gs_post *p)
{
	post_clear(p);
	p->format = f;
	if (!o->account.n && o->id_rounded)
		return gs_parser_fail(
			ps, GS_EMISSING,
			"no author: field '%s' is a number above 2^53 that may have been rounded, and no string id is given",
			f == GS_FORMAT_TWITTER1 ? "user.id" : "author_id");
	if (!o->account.n)
		return gs_parser_fail(ps, GS_EMISSING,
				      "no author: field '%s' missing",
				      f == GS_FORMAT_TWITTER1	? "user.id_str"
				      : f == GS_FORMAT_MASTODON ? "account.id"
								: "author_id");
	if (!(o->keys & K_TIME))
		return gs_parser_fail(ps, GS_EMISSING,
				      "no time: field 'created_at' missing");
	p->id = o->id;
	p->account = o->account;
	p->time_ms = o->time_ms;
	p->lang = o->lang;
	p->reply_to = o->reply_user;
	p->handle = user_handle(ps, o->account, o->handle);
	if (o->reply_user.n)
		p->reply_to_handle =
			user_handle(ps, o->reply_user, o->reply_handle);
	struct obj *src = o;
	if (o->is_repost) {
		p->flags |= GS_POST_REPOST;
		p->repost_id = o->orig ? o->orig->id : o->retweet_ref;
		if (o->orig)
			src = o->orig;
		else if (o->keys & K_RETWEET_REF)
			for (size_t i = 0; i < ps->nincl; i++)
				if (gs_str_eq(ps->incl[i]->id, o->retweet_ref.p,
					      o->retweet_ref.n)) {
					src = ps->incl[i];
					break;
				}
		p->reply_to = p->reply_to_handle = empty_str;
		if (src != o) {
			p->repost_account = src->account;
			p->repost_handle =
				user_handle(ps, src->account, src->handle);
		}
		/* a Mastodon reblog has no language of its own (null): the
		 * reblogged status's is the one --lang asks for */
		if (src != o && !o->lang.n && src->lang.n) {
			p->langs[0] = src->lang;
			p->nlangs = 1;
		}
	} else {
		if (o->is_reply)
			p->flags |= GS_POST_REPLY;
		if (o->is_quote) {
			p->flags |= GS_POST_QUOTE;
			const struct obj *q = o->quoted;
			if (!q && o->quote_ref.n)
				for (size_t i = 0; i < ps->nincl; i++)
					if (gs_str_eq(ps->incl[i]->id, o->quote_ref.p, o->quote_ref.n)) {
						q = ps->incl[i];
						break;
					}
			if (q) {
				p->quote_account = q->account;
				p->quote_handle =
					user_handle(ps, q->account, q->handle);
			}
		}
	}
	int r = choose_tags(ps, src, end, p, 1);
	if (!r)
		gs_parser_links(ps, src, end, p, f == GS_FORMAT_MASTODON);
	return r;
}

static int build_jetstream(struct gs_parser *ps, struct obj *o,
			   const char *end, struct gs_post *p)
{
	post_clear(p);
	p->format = GS_FORMAT_JETSTREAM;
	if (!GS_STR_IS(o->kind, "commit"))
		return nonpost(ps, GS_NONPOST_BSKY_IDENTITY);
	if (!GS_STR_IS(o->operation, "create")) {
		/* a post or repost taken back: serve retracts it */
		int post = GS_STR_IS(o->collection, "app.bsky.feed.post");
		if (GS_STR_IS(o->operation, "delete") && o->account.n &&
		    o->rkey.n &&
		    (post || GS_STR_IS(o->collection, "app.bsky.feed.repost")))
			set_retraction(ps, GS_FORMAT_JETSTREAM,
				       post ? 0 : GS_POST_REPOST,
				       (o->keys & K_TIME) ? o->time_ms : 0,
				       o->rkey, o->account);
		return nonpost(ps, GS_NONPOST_BSKY_DELETE);
	}
	int is_post = GS_STR_IS(o->collection, "app.bsky.feed.post");
	int is_repost = GS_STR_IS(o->collection, "app.bsky.feed.repost");
	if (!is_post && !is_repost)
		return nonpost(ps, GS_STR_IS(o->collection, "app.bsky.feed.like")
				       ? GS_NONPOST_BSKY_LIKE
				   : GS_STR_IS(o->collection, "app.bsky.graph.follow") ||
					   GS_STR_IS(o->collection, "app.bsky.graph.block")
				       ? GS_NONPOST_BSKY_FOLLOW
				       : GS_NONPOST_BSKY_OTHER);
	if (!o->account.n)
		return gs_parser_fail(ps, GS_EMISSING,
				      "no author: field 'did' missing");
	if (!(o->keys & K_TIME))
		return gs_parser_fail(ps, GS_EMISSING,
				      "no time: field 'time_us' missing");
	p->account = o->account;
	p->time_ms = o->time_ms;
	p->id = o->rkey;
	p->lang = o->lang;
	p->nlangs = o->nlangs;
	memcpy(p->langs, o->langs, o->nlangs * sizeof o->langs[0]);
	if (is_repost) {
		p->flags = GS_POST_REPOST;
		gs_parser_split_at_uri(o->subject_uri, &p->repost_did,
				       &p->repost_rkey);
		p->repost_id = o->subject_uri;
		p->repost_account = p->repost_did;
		if (!p->repost_rkey.n)
			return gs_parser_fail(ps, GS_EMISSING,
					      "repost without 'subject.uri'");
		return 1;
	}
	p->post_did = o->account;
	p->post_rkey = o->rkey;
	if (o->is_reply) {
		p->flags |= GS_POST_REPLY;
		p->reply_to = o->reply_user;
	}
	if (o->is_quote) {
		p->flags |= GS_POST_QUOTE;
		p->quote_account = o->quote_did;
	}
	int r = choose_tags(ps, o, end, p, 0);
	if (!r)
		gs_parser_links(ps, o, end, p, 0);
	return r ? r : 1;
}

/*
 * What an object that is no post is, from its top-level keys: a Twitter
 * stream message ({"delete": ...}, {"limit": ...}, ...), a twarc2 line
 * without tweets ("errors", "meta"), a twarc2 user, counts bucket or
 * compliance result; GS_NONPOST_NONE when it is none of those. Only lines
 * and elements that gave no post come here, so the walk that reads posts
 * pays nothing for it: the object's keys are walked again, undecoded.
 */
/* Reads the value of a Twitter stream message's "delete" key,
 * {"status":{"id_str":..,"user_id_str":..}}, into the line's retraction
 * (an id only as a number is taken as its digits). 0, or an error of the
 * scanner (the walk of the keys then stops). */
static int twitter_delete(struct gs_parser *ps, struct gs_json *j)
{
	struct gs_str key, id = {"", 0}, user = {"", 0}, v;
	int r, id_str = 0, user_str = 0;
	if (gs_json_peek(j) != GS_JSON_OBJECT)
		return gs_json_skip(j);
	if ((r = gs_json_object_begin(j)))
		return r;
	while ((r = gs_json_object_next(j, &key)) == 1) {
		if (!KEY(key, "status") || gs_json_peek(j) != GS_JSON_OBJECT) {
			if ((r = gs_json_skip(j)))
				return r;
			continue;
		}
		if ((r = gs_json_object_begin(j)))
			return r;
		while ((r = gs_json_object_next(j, &key)) == 1) {
			int is_id = KEY(key, "id_str") || KEY(key, "id");
			int is_user =
				KEY(key, "user_id_str") || KEY(key, "user_id");
			int str = KEY(key, "id_str") || KEY(key, "user_id_str");
			if ((is_id && (str || !id_str)) ||
			    (is_user && (str || !user_str))) {
				r = gs_json_scalar(j, &v);
				if (r == GS_ETYPE) { /* an object, an array */
					if ((r = gs_json_skip(j)))
						return r;
					continue;
				}
				if (r)
					return r;
				if (is_id) {
					id = v;
					id_str |= str;
				} else {
					user = v;
					user_str |= str;
				}
			} else if ((r = gs_json_skip(j))) {
				return r;
			}
		}
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (id.n)
		set_retraction(ps, GS_FORMAT_TWITTER1, 0, 0, id, user);
	return 0;
}

static enum gs_nonpost nonpost_kind(struct gs_parser *ps, const struct obj *o,
				    const char *end)
{
	struct gs_json j;
	struct gs_str key;
	enum gs_nonpost twitter = GS_NONPOST_NONE;
	int errors = 0, meta = 0, username = 0, text = 0, counts = 0, action = 0;
	if (!o->at)
		return GS_NONPOST_NONE;
	gs_json_init(&j, o->at, (size_t)(end - o->at), &ps->arena);
	j.utf8_checked = 1;
	if (gs_json_object_begin(&j))
		return GS_NONPOST_NONE;
	while (gs_json_object_next(&j, &key) == 1) {
		if (KEY(key, "delete")) {
			twitter = GS_NONPOST_TWITTER_DELETE;
			if (twitter_delete(ps, &j))
				break;
			continue;
		} else if (KEY(key, "limit"))
			twitter = GS_NONPOST_TWITTER_LIMIT;
		else if (KEY(key, "scrub_geo"))
			twitter = GS_NONPOST_TWITTER_SCRUB_GEO;
		else if (KEY(key, "status_withheld") || KEY(key, "user_withheld"))
			twitter = GS_NONPOST_TWITTER_WITHHELD;
		else if (KEY(key, "disconnect"))
			twitter = GS_NONPOST_TWITTER_DISCONNECT;
		else if (KEY(key, "warning"))
			twitter = GS_NONPOST_TWITTER_WARNING;
		else if (KEY(key, "friends") || KEY(key, "friends_str") ||
			 KEY(key, "event") || KEY(key, "control") ||
			 KEY(key, "direct_message") || KEY(key, "for_user"))
			twitter = GS_NONPOST_TWITTER_OTHER;
		else if (KEY(key, "errors"))
			errors = 1;
		else if (KEY(key, "meta"))
			meta = 1;
		else if (KEY(key, "username"))
			username = 1;
		else if (KEY(key, "text"))
			text = 1;
		else if (KEY(key, "tweet_count"))
			counts = 1;
		else if (KEY(key, "action"))
			action = 1;
		if (gs_json_skip(&j))
			break;
	}
	return twitter		   ? twitter
	       : errors		   ? GS_NONPOST_TWARC2_ERRORS
	       : meta		   ? GS_NONPOST_TWARC2_EMPTY
	       : username && !text ? GS_NONPOST_TWARC2_USERS
	       : counts		   ? GS_NONPOST_TWARC2_COUNTS
	       : action		   ? GS_NONPOST_TWARC2_COMPLIANCE
				   : GS_NONPOST_NONE;
}

/* Posts of a page's data[] (or a JSON array's elements): each element
 * built by its own format; elements that are not tweets (twarc2 users,
 * counts, lists) make the line a non-post of their kind when no element is
 * a tweet. */
static int build_list(struct gs_parser *ps, enum gs_format page_format,
		      int top_errors, const char *end,
		      const struct gs_post **posts)
{
	int r;
	if (ps->ndata > ps->posts_cap) {
		struct gs_post *v = realloc(ps->posts, ps->ndata * sizeof *v);
		if (!v)
			return gs_parser_fail(ps, GS_ENOMEM, "out of memory");
		ps->posts = v;
		ps->posts_cap = ps->ndata;
	}
	*posts = ps->posts;
	size_t k = 0;
	int first_err = 0;
	enum gs_nonpost other = GS_NONPOST_NONE;
	for (size_t i = 0; i < ps->ndata; i++) {
		struct obj *d = ps->data[i];
		enum gs_format f = page_format;
		if (f == GS_FORMAT_AUTO) { /* a JSON array: each by its keys */
			f = detect(d);
			if (f != GS_FORMAT_AUTO && ps->forced != GS_FORMAT_AUTO &&
			    f != ps->forced)
				return gs_parser_fail(
					ps, GS_EFORMAT,
					"element %zu of the array is not a %s post (looks like %s)",
					i + 1, gs_format_name(ps->forced),
					gs_format_name(f));
		}
		if (f != GS_FORMAT_AUTO)
			ps->last_format = f;
		if (f == GS_FORMAT_JETSTREAM) {
			if ((r = build_jetstream(ps, d, end, &ps->posts[k])) < 0)
				return r;
			if (r == 0) {
				ps->skipped = 0;
				other = ps->nonpost;
				continue;
			}
			k++;
			continue;
		}
		if (f == GS_FORMAT_AUTO ||
		    (f == GS_FORMAT_TWITTER2 && !(d->keys & (K_TEXT | K_AUTHOR)))) {
			enum gs_nonpost np = nonpost_kind(ps, d, end);
			if (np == GS_NONPOST_NONE && page_format == GS_FORMAT_AUTO)
				return gs_parser_fail(
					ps, GS_EFORMAT,
					"element %zu of the array is not a post of any known format",
					i + 1);
			if (!other)
				other = np ? np : GS_NONPOST_TWARC2_OTHER;
			continue;
		}
		if ((r = build_post(ps, d, f, end, &ps->posts[k]))) {
			/* one bad tweet never costs its page: it is left
			 * out, the first reason kept with its place */
			if (r == GS_ENOMEM)
				return r;
			if (!ps->dropped++) {
				char why[sizeof ps->reason];
				snprintf(why, sizeof why, "%s", ps->reason);
				snprintf(ps->reason, sizeof ps->reason,
					 "post %zu of %zu: %.120s", i + 1,
					 ps->ndata, why);
				first_err = r;
			}
			continue;
		}
		k++;
	}
	if (k == 0 && ps->dropped) {
		ps->dropped = 0;
		return first_err;
	}
	if (k == 0)
		return nonpost(ps, other ? other
				   : page_format == GS_FORMAT_AUTO ? GS_NONPOST_EMPTY_ARRAY
				   : top_errors ? GS_NONPOST_TWARC2_ERRORS
						: GS_NONPOST_TWARC2_EMPTY);
	return (int)k;
}

/* A line that is a JSON array: its elements are read as posts, as `jq -c
 * '.[]'` would split them (saved API answers: Mastodon timelines, search
 * results). */
static int parse_array_line(struct gs_parser *ps, struct gs_json *j,
			    const char *end, const struct gs_post **posts)
{
	static const struct gs_str k_elem = {"[]", 2};
	int r;
	if ((r = gs_json_array_begin(j)))
		return gs_parser_json_fail(ps, j, r);
	while ((r = gs_json_array_next(j)) == 1) {
		struct obj *o;
		if (gs_json_peek(j) != GS_JSON_OBJECT) {
			if (j->err)
				return gs_parser_json_fail(ps, j, j->err);
			return gs_parser_fail(
				ps, GS_ETYPE,
				"element %zu of the array is not an object",
				ps->ndata + 1);
		}
		if ((r = gs_parser_sub_obj(ps, j, k_elem, 0, &o)))
			return gs_parser_json_fail(ps, j, r);
		if ((r = gs_parser_obj_list_push(ps, &ps->data, &ps->ndata,
						 &ps->data_cap, o)))
			return r;
	}
	if (r == 0)
		r = gs_json_finish(j);
	if (r)
		return gs_parser_json_fail(ps, j, r);
	return build_list(ps, GS_FORMAT_AUTO, 0, end, posts);
}

static int parse_json_line(struct gs_parser *ps, const char *s, size_t n,
			   const struct gs_post **posts)
{
	struct gs_json j;
	/* Invalid UTF-8 anywhere makes the line malformed, even in fields
	 * that are skipped: such a line was damaged on its way here. */
	int ctl;
	size_t bad = gs_utf8_check_ctl(s, n, &ctl);
	if (bad < n)
		return gs_parser_fail(ps, GS_EUTF8,
				      "invalid UTF-8 near column %zu",
				      (size_t)(s - ps->line) + bad + 1);
	/* Raw control characters likewise (RFC 8259 wants them escaped in
	 * strings): the skipping paths would never see them. */
	if (ctl && (bad = gs_json_find_control(s, n)) < n)
		return gs_parser_fail(
			ps, GS_EJSON,
			"malformed JSON: raw control character U+%04X near column %zu",
			(unsigned char)s[bad],
			(size_t)(s - ps->line) + bad + 1);
	gs_json_init(&j, s, n, &ps->arena);
	j.utf8_checked = 1;
	if (gs_json_peek(&j) == GS_JSON_ARRAY)
		return parse_array_line(ps, &j, s + n, posts);
	struct obj *o = obj_new(ps);
	int r;
	if (!o)
		return gs_parser_pool_error(ps);
	if (n > 8 && s[2] == 'd' && gs_parser_walk_jetstream(ps, &j, o)) {
		r = 0;
	} else {
		/* start over (what the attempt decoded is dropped) */
		ps->reason[0] = 0;
		ps->arena.used = 0;
		ps->pool_used = 0;
		gs_json_init(&j, s, n, &ps->arena);
		j.utf8_checked = 1;
		o = obj_new(ps);
		r = gs_parser_walk(ps, &j, 0, o);
		/* SSE data that is no object */
		if (r == GS_ETYPE && !ps->reason[0])
			return gs_parser_fail(ps, GS_EJSON,
					      "malformed JSON: not an object");
		if (r == 0)
			r = gs_json_finish(&j);
		if (r)
			return gs_parser_json_fail(ps, &j, r);
	}
	enum gs_format f = detect(o);
	if (f == GS_FORMAT_AUTO) {
		/* the documented non-posts of the formats */
		enum gs_nonpost k = nonpost_kind(ps, o, s + n);
		if (k)
			return nonpost(ps, k);
		return gs_parser_fail(ps, GS_EFORMAT,
				      "not a post of any known format");
	}
	if (ps->forced != GS_FORMAT_AUTO && f != ps->forced)
		return gs_parser_fail(
			ps, GS_EFORMAT, "not a %s post (looks like %s)",
			gs_format_name(ps->forced), gs_format_name(f));
	ps->last_format = f;
	const char *end = s + n;
	if (f == GS_FORMAT_JETSTREAM) {
		r = build_jetstream(ps, o, end, &ps->posts[0]);
		*posts = ps->posts;
		return r;
	}
	if (o->keys & K_DATA)
		return build_list(ps, f,
				  ps->ndata ? 0
					    : nonpost_kind(ps, o, end) ==
						      GS_NONPOST_TWARC2_ERRORS,
				  end, posts);
	if ((r = build_post(ps, o, f, end, &ps->posts[0])))
		return r;
	*posts = ps->posts;
	return 1;
}

static int starts(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(s, lit, l) == 0;
}

/* Mastodon's streaming "delete" event: its data is the status id, bare
 * (as Mastodon sends it) or as a JSON string; anything else is no
 * retraction (the line stays a counted non-post). */
static void sse_delete(struct gs_parser *ps, const char *d, size_t n)
{
	if (n >= 2 && d[0] == '"' && d[n - 1] == '"') {
		d++;
		n -= 2;
	}
	if (!n || n > 64)
		return;
	for (size_t i = 0; i < n; i++)
		if (!((d[i] >= '0' && d[i] <= '9') ||
		      (d[i] >= 'a' && d[i] <= 'z') ||
		      (d[i] >= 'A' && d[i] <= 'Z') || d[i] == '_' ||
		      d[i] == '-'))
			return;
	set_retraction(ps, GS_FORMAT_MASTODON, 0, 0, (struct gs_str){d, n},
		       (struct gs_str){"", 0});
}

int gs_parser_parse(struct gs_parser *ps, const char *line, size_t len,
		    const struct gs_post **posts)
{
	ps->reason[0] = 0;
	ps->skipped = 0;
	ps->dropped = 0;
	ps->nonpost = GS_NONPOST_NONE;
	ps->retr_set = 0;
	ps->arena.used = 0;
	ps->pool_used = 0;
	ps->pool_full = 0;
	ps->ndata = ps->nincl = ps->nusers = 0;
	ps->users_sorted = 0;
	ps->line = line;
	*posts = ps->posts;
	if (len > ps->max_line)
		return gs_parser_fail(ps, GS_ETOOLONG,
				      "line longer than %zu bytes",
				      ps->max_line);
	/* decoded strings never outgrow their line (json.h) */
	if (len + 64 > ps->arena.cap) {
		size_t cap = ps->arena.cap;
		while (cap < len + 64)
			cap *= 2;
		char *b = malloc(cap);
		if (!b)
			return gs_parser_fail(ps, GS_ENOMEM, "out of memory");
		free(ps->arena.buf);
		ps->arena.buf = b;
		ps->arena.cap = cap;
	}
	ps->pool_max = POOL_BASE + len / POOL_BYTES;
	ps->pool_room = POOL_CHUNK * ps->nchunks < ps->pool_max
				? POOL_CHUNK * ps->nchunks
				: ps->pool_max;
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
		ps->line = line;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
		       line[len - 1] == '\t'))
		len--;
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len) {
		ps->skipped = 2;
		ps->sse_update = 0;
		ps->sse_delete = 0;
		return 0;
	}
	if (line[i] == '{' || line[i] == '[') {
		if (!ps->sse)
			ps->sse = -1;
		return parse_json_line(ps, line, len, posts);
	}
	/* Server-sent events, as Mastodon's streaming API sends them. */
	const char *s = line + i;
	size_t n = len - i;
	if (ps->forced == GS_FORMAT_AUTO || ps->forced == GS_FORMAT_MASTODON) {
		if (starts(s, n, "event:")) {
			const char *e = s + 6;
			ps->sse = 1;
			while (e < s + n && *e == ' ')
				e++;
			ps->sse_update = (size_t)(s + n - e) == 6 && memcmp(e, "update", 6) == 0;
			ps->sse_delete = (size_t)(s + n - e) == 6 &&
					 memcmp(e, "delete", 6) == 0;
			ps->skipped = 2;
			return 0;
		}
		if (starts(s, n, "data:")) {
			const char *d = s + 5;
			if (d < s + n && *d == ' ')
				d++;
			ps->sse = 1;
			if (ps->sse_delete) {
				ps->sse_delete = 0;
				sse_delete(ps, d, (size_t)(s + n - d));
			}
			if (!ps->sse_update)
				return nonpost(ps, GS_NONPOST_MASTODON_EVENT);
			ps->sse_update = 0;
			int r = parse_json_line(ps, d, (size_t)(s + n - d), posts);
			if (r >= 0 && ps->last_format != GS_FORMAT_MASTODON)
				return gs_parser_fail(
					ps, GS_EFORMAT,
					"SSE update is not a Mastodon status");
			return r;
		}
		if (starts(s, n, "id:") || starts(s, n, "retry:")) {
			ps->sse = 1;
			ps->skipped = 2;
			return 0;
		}
		/* A comment (Mastodon's ":)" greeting, ": thump" heartbeats)
		 * belongs to SSE only: in JSON Lines it is a damaged line. */
		if (s[0] == ':' && ps->sse >= 0) {
			ps->skipped = 2;
			return 0;
		}
		if (s[0] == ':')
			return gs_parser_fail(
				ps, GS_EJSON,
				"malformed JSON: a line starting with ':' (an SSE comment) in JSON Lines input");
	}
	return gs_parser_fail(ps, GS_EJSON,
			      "malformed JSON: line does not start with '{'");
}
