/*
 * langs.c - one engine per language (langs.h states the rules): which
 * languages a post belongs to, the cap, and the exact merge of parts.
 */
#include <stdlib.h>
#include <string.h>

#include "langs.h"
#include "snapio.h"

size_t gs_lang_key(struct gs_str l, char out[GS_LANG_CODE_MAX + 1])
{
	size_t n = 0;
	out[0] = 0;
	while (n < l.n && l.p[n] != '-') {
		char c = l.p[n];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z' || n == GS_LANG_CODE_MAX) {
			out[0] = 0;
			return 0;
		}
		out[n++] = c;
	}
	if (n < 2) {
		out[0] = 0;
		return 0;
	}
	out[n] = 0;
	return n;
}

struct gs_langs *gs_langs_new(const struct gs_engine_options *o, size_t max)
{
	if (!o || max < 1 || max > GS_LANGS_MAX)
		return NULL;
	struct gs_langs *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->o = *o;
	/* a post with a language is never a Bluesky repost, which is all the
	 * repost cache is for: a language's engine needs none */
	l->o.repost_cache = 0;
	l->max = max;
	l->v = calloc(max, sizeof *l->v);
	/* an engine of these options must be possible */
	struct gs_engine *probe = gs_engine_new(&l->o);
	if (!l->v || !probe) {
		gs_engine_free(probe);
		free(l->v);
		free(l);
		return NULL;
	}
	gs_engine_free(probe);
	return l;
}

void gs_langs_free(struct gs_langs *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		gs_engine_free(l->v[i].e);
	free(l->v);
	free(l);
}

ptrdiff_t gs_langs_find(const struct gs_langs *l, const char *code)
{
	char k[GS_LANG_CODE_MAX + 1];
	if (!gs_lang_key((struct gs_str){code, strlen(code)}, k) ||
	    strchr(code, '-'))
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].code, k))
			return (ptrdiff_t)i;
	return -1;
}

/* Appends language k with a new engine: 0 or GS_ENOMEM. */
static int append(struct gs_langs *l, const char *k)
{
	struct gs_engine *e = gs_engine_new(&l->o);
	if (!e)
		return GS_ENOMEM;
	memcpy(l->v[l->n].code, k, strlen(k) + 1);
	l->v[l->n++].e = e;
	return 0;
}

int gs_langs_only(struct gs_langs *l, const char *list)
{
	const char *p = list;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char k[GS_LANG_CODE_MAX + 1];
		if (!n || gs_lang_key((struct gs_str){p, n}, k) != n)
			return GS_EUSAGE; /* empty, not letters, or a region */
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->v[i].code, k))
				return GS_EUSAGE;
		if (l->n == l->max)
			return GS_EUSAGE;
		int r = append(l, k);
		if (r)
			return r;
		if (!end)
			break;
		p = end + 1;
	}
	l->fixed = 1;
	return 0;
}

/* The index of language k, appended while the cap allows (never for a
 * fixed list); -1 when it is not tracked, or with *err set to GS_ENOMEM. */
static ptrdiff_t slot(struct gs_langs *l, const char *k, int *err)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].code, k))
			return (ptrdiff_t)i;
	if (l->fixed)
		return -1;
	if (l->n == l->max) {
		l->overflow = 1;
		return -1;
	}
	if (append(l, k)) {
		*err = GS_ENOMEM;
		return -1;
	}
	return (ptrdiff_t)l->n - 1;
}

int gs_langs_route(struct gs_langs *l, const struct gs_post *p,
		   size_t idx[GS_POST_MAX_LANGS + 1])
{
	/* lang first, then langs in order: the order of appearance */
	char keys[GS_POST_MAX_LANGS + 1][GS_LANG_CODE_MAX + 1];
	size_t nk = 0;
	for (size_t i = 0; i <= p->nlangs && i <= GS_POST_MAX_LANGS; i++) {
		struct gs_str s = i == 0 ? p->lang : p->langs[i - 1];
		char k[GS_LANG_CODE_MAX + 1];
		if (!gs_lang_key(s, k))
			continue;
		size_t j = 0;
		while (j < nk && strcmp(keys[j], k))
			j++;
		if (j == nk)
			memcpy(keys[nk++], k, sizeof k);
	}
	if (!nk) {
		l->no_lang++;
		return 0;
	}
	int n = 0, err = 0;
	for (size_t j = 0; j < nk; j++) {
		ptrdiff_t s = slot(l, keys[j], &err);
		if (err)
			return err;
		if (s < 0)
			l->other_posts++;
		else
			idx[n++] = (size_t)s;
	}
	return n;
}

int gs_langs_add(struct gs_langs *l, const struct gs_post *p)
{
	size_t idx[GS_POST_MAX_LANGS + 1];
	int n = gs_langs_route(l, p, idx);
	for (int i = 0; i < n; i++) {
		int r = gs_engine_add(l->v[idx[i]].e, p);
		if (r)
			return r;
	}
	return n < 0 ? n : 0;
}

/* Posts counted by engine e. */
static uint64_t posts_of(const struct gs_engine *e)
{
	struct gs_summary s;
	gs_engine_summary(e, &s);
	return s.posts;
}

/* Below this, a language's engine is merged and then freed rather than
 * taken apart as it is merged: gs_engine_absorb gives a thread's pages
 * back 16 times in a merge (malloc_trim, a walk of the whole heap), which
 * for dozens of small languages cost more than counting them (29% of
 * trends --by-language on bench's Jetstream file); a small engine's pages
 * wait for the one trim after the file's parts are merged (ingest.c). */
#define ABSORB_MIN_BYTES ((size_t)16 << 20)

static int absorb(struct gs_engine *dst, struct gs_engine *src)
{
	struct gs_memory m;
	gs_engine_memory(src, &m);
	if (m.total >= ABSORB_MIN_BYTES)
		return gs_engine_absorb(dst, src);
	int r = gs_engine_merge(dst, src);
	gs_engine_free(src);
	return r;
}

int gs_langs_absorb(struct gs_langs *dst, struct gs_langs *src)
{
	int r = 0;
	if (dst->max != src->max || dst->fixed != src->fixed ||
	    memcmp(&dst->o, &src->o, sizeof dst->o))
		r = GS_EUSAGE;
	/* src's languages in their order of appearance, after dst's: the
	 * order a sequential read would have met them in */
	for (size_t i = 0; i < src->n; i++) {
		struct gs_engine *e = src->v[i].e;
		src->v[i].e = NULL;
		if (r) {
			gs_engine_free(e);
			continue;
		}
		int err = 0;
		ptrdiff_t s = slot(dst, src->v[i].code, &err);
		if (err) {
			gs_engine_free(e);
			r = err;
		} else if (s < 0) {
			dst->other_posts += posts_of(e);
			gs_engine_free(e);
		} else {
			r = absorb(dst->v[s].e, e);
		}
	}
	dst->other_posts += src->other_posts;
	dst->no_lang += src->no_lang;
	dst->other_langs += src->other_langs;
	dst->overflow |= src->overflow;
	src->n = 0;
	gs_langs_free(src);
	return r;
}

void gs_langs_cap(struct gs_langs *l, size_t keep)
{
	for (size_t i = keep; i < l->n; i++) {
		l->other_posts += posts_of(l->v[i].e);
		l->other_langs++;
		gs_engine_free(l->v[i].e);
		l->v[i].e = NULL;
	}
	if (l->n > keep)
		l->n = keep;
}

void gs_langs_sorted(const struct gs_langs *l, size_t *order)
{
	for (size_t i = 0; i < l->n; i++)
		order[i] = i;
	/* few languages: an insertion sort, no shared state */
	for (size_t i = 1; i < l->n; i++) {
		size_t v = order[i], j = i;
		while (j > 0 &&
		       strcmp(l->v[order[j - 1]].code, l->v[v].code) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
}

/* ---- as an ingest sink ----------------------------------------------------
 */

static void *part_new(void *ctx)
{
	const struct gs_langs *l = ctx;
	struct gs_langs *m = gs_langs_new(&l->o, l->max);
	if (!m)
		return NULL;
	if (l->fixed) {
		/* the same fixed list, in the same order */
		for (size_t i = 0; i < l->n; i++)
			if (append(m, l->v[i].code)) {
				gs_langs_free(m);
				return NULL;
			}
		m->fixed = 1;
	}
	return m;
}

static int part_post(void *part, const struct gs_post *p)
{
	return gs_langs_add(part, p);
}

static int part_merge(void *ctx, void *part)
{
	/* absorb frees what it takes; the sink's part_free still frees part:
	 * move part's contents out and leave it empty */
	struct gs_langs *src = part;
	struct gs_langs *moved = malloc(sizeof *moved);
	if (!moved)
		return GS_ENOMEM;
	*moved = *src;
	memset(src, 0, sizeof *src);
	return gs_langs_absorb(ctx, moved);
}

static void part_free(void *part)
{
	gs_langs_free(part);
}

struct gs_ingest_sink gs_langs_sink(struct gs_langs *l)
{
	struct gs_ingest_sink s = {l, part_new, part_post, part_merge,
				   part_free};
	return s;
}

/* ---- snapshots (langs.h) -------------------------------------------------
 */

#define LA_MAGIC   "GSLA"
#define LA_VERSION 1

static void la_body(struct gs_wr *w, const void *obj)
{
	const struct gs_langs *l = obj;
	gs_wr_u32(w, (uint32_t)l->max);
	gs_wr_u8(w, (uint8_t)l->fixed);
	gs_wr_u32(w, (uint32_t)l->n);
	gs_wr_u64(w, l->other_posts);
	gs_wr_u64(w, l->no_lang);
	gs_wr_u64(w, l->other_langs);
	gs_wr_u8(w, (uint8_t)l->overflow);
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i].code);
		gs_wr_u8(w, (uint8_t)k);
		gs_wr_bytes(w, l->v[i].code, k);
	}
}

int gs_langs_save(const struct gs_langs *l, FILE *f)
{
	int r = gs_snap_write(f, LA_MAGIC, LA_VERSION, la_body, l);
	for (size_t i = 0; i < l->n && !r; i++)
		r = gs_engine_save(l->v[i].e, f);
	return r;
}

struct gs_langs *gs_langs_load(FILE *f, const struct gs_engine_options *o,
			       int *err)
{
	unsigned char *pl = NULL;
	size_t len = 0;
	int r = gs_snap_read(f, LA_MAGIC, LA_VERSION, &pl, &len);
	struct gs_langs *l = NULL;
	if (r)
		goto out;
	struct gs_rd rd = {pl, pl + len, 0};
	uint32_t max = gs_rd_u32(&rd);
	uint8_t fixed = gs_rd_u8(&rd);
	uint32_t n = gs_rd_u32(&rd);
	r = GS_EFORMAT;
	if (rd.err || max < 1 || max > GS_LANGS_MAX || n > max || fixed > 1)
		goto out;
	l = gs_langs_new(o, max);
	if (!l) {
		r = GS_ENOMEM;
		goto out;
	}
	l->fixed = fixed;
	l->other_posts = gs_rd_u64(&rd);
	l->no_lang = gs_rd_u64(&rd);
	l->other_langs = gs_rd_u64(&rd);
	uint8_t overflow = gs_rd_u8(&rd);
	if (overflow > 1)
		goto out;
	l->overflow = overflow;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = gs_rd_u8(&rd);
		const unsigned char *p = gs_rd_take(&rd, k);
		char code[GS_LANG_CODE_MAX + 1];
		if (!p ||
		    gs_lang_key((struct gs_str){(const char *)p, k}, code) !=
			    k ||
		    memcmp(code, p, k) != 0 || gs_langs_find(l, code) >= 0)
			goto out;
		memcpy(l->v[i].code, code, (size_t)k + 1);
		l->n = i + 1; /* engines come next: l->v[i].e is NULL */
	}
	if (rd.err || gs_rd_left(&rd))
		goto out;
	r = 0;
	for (size_t i = 0; i < l->n && !r; i++) {
		l->v[i].e = gs_engine_load(f, &r);
		if (!l->v[i].e)
			break;
		struct gs_summary s;
		gs_engine_summary(l->v[i].e, &s);
		gs_engine_set_max_bytes(l->v[i].e, o->max_bytes);
		if (s.bucket_ms != o->bucket_ms)
			r = GS_EFORMAT;
	}
out:
	free(pl);
	if (r) {
		gs_langs_free(l);
		l = NULL;
	}
	if (err)
		*err = r;
	return l;
}
