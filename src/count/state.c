/*
 * state.c - the container of a state file (see state.h, docs/state.md).
 *
 * The 'GSST' section, version 1, payload in order (snapio.h's codec, all
 * integers little-endian):
 *
 *   u16 len, program version;  u8 len, command;  u8 has operand, then u16
 *   len, operand;  u32 nargs, nargs x (u16 len, arg);
 *   u8 has_engine, has_network;
 *   engine options: i64 bucket_ms, u64 max_tags, u32 hll_p, bucket_hll_p,
 *   u64 repost_cache, top_k, max_bytes;
 *   network: u32 kinds, u64 max_edges, max_nodes, i64 bucket_ms, u8 has
 *   tag, then u16 len, tag;
 *   u8 len (0 or 17), key fingerprint;  u32 len, filters text;
 *   u64 states, posts_read, out_of_window, malformed;
 *   u32 n, n x u64 non-post lines by kind (kinds are only appended: n up
 *   to GS_NONPOST_COUNT is read, the rest zero);  u32 n, n x u64 posts
 *   filtered out by reason (likewise).
 *
 * Every string is checked for length and for NUL; every count against
 * its bound before anything is allocated. The engine and network sections
 * follow, then the end of the file (gs_state_read_rest).
 */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "count/snapio.h"

static const char MAGIC[4] = {'G', 'S', 'S', 'T'};

const struct gs_seal_kind gs_state_seal = {
	{'G', 'S', 'X', 'S'},
	"groundswell/state/v1 state file key",
	"pseudonymisation key",
};

void gs_state_info_release(struct gs_state_info *s)
{
	free(s->program);
	free(s->command);
	free(s->operand);
	for (uint32_t i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	free(s->net_tag);
	free(s->filters);
	memset(s, 0, sizeof *s);
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static void wr_str16(struct gs_wr *w, const char *s)
{
	size_t n = slen(s);
	gs_wr_u16(w, (uint16_t)n);
	gs_wr_bytes(w, s ? s : "", n);
}

static void body(struct gs_wr *w, const void *obj)
{
	const struct gs_state_info *s = obj;
	wr_str16(w, s->program);
	gs_wr_u8(w, (uint8_t)slen(s->command));
	gs_wr_bytes(w, s->command ? s->command : "", slen(s->command));
	gs_wr_u8(w, s->operand != NULL);
	if (s->operand)
		wr_str16(w, s->operand);
	gs_wr_u32(w, s->nargs);
	for (uint32_t i = 0; i < s->nargs; i++)
		wr_str16(w, s->args[i]);
	gs_wr_u8(w, (uint8_t)s->has_engine);
	gs_wr_u8(w, (uint8_t)s->has_network);
	gs_wr_i64(w, s->eng.bucket_ms);
	gs_wr_u64(w, s->eng.max_tags);
	gs_wr_u32(w, s->eng.hll_p);
	gs_wr_u32(w, s->eng.bucket_hll_p);
	gs_wr_u64(w, s->eng.repost_cache);
	gs_wr_u64(w, s->eng.top_k);
	gs_wr_u64(w, s->eng.max_bytes);
	gs_wr_u32(w, s->net_kinds);
	gs_wr_u64(w, s->net_max_edges);
	gs_wr_u64(w, s->net_max_nodes);
	gs_wr_i64(w, s->net_bucket_ms);
	gs_wr_u8(w, s->net_tag != NULL);
	if (s->net_tag)
		wr_str16(w, s->net_tag);
	gs_wr_u8(w, (uint8_t)strlen(s->key_fp));
	gs_wr_bytes(w, s->key_fp, strlen(s->key_fp));
	gs_wr_u32(w, (uint32_t)slen(s->filters));
	gs_wr_bytes(w, s->filters ? s->filters : "", slen(s->filters));
	gs_wr_u64(w, s->states);
	gs_wr_u64(w, s->posts_read);
	gs_wr_u64(w, s->out_of_window);
	gs_wr_u64(w, s->malformed);
	gs_wr_u32(w, GS_NONPOST_COUNT);
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		gs_wr_u64(w, s->nonpost[k]);
	gs_wr_u32(w, GS_FILTER_REASONS);
	for (int k = 0; k < GS_FILTER_REASONS; k++)
		gs_wr_u64(w, s->filtered[k]);
}

/* Whether s fits what the loader takes. */
static int storable(const struct gs_state_info *s)
{
	if (slen(s->program) > 255 || slen(s->command) == 0 ||
	    slen(s->command) > 31 || slen(s->operand) > GS_STATE_MAX_ARG ||
	    s->nargs > GS_STATE_MAX_ARGS || slen(s->net_tag) > 1024 ||
	    slen(s->filters) > GS_STATE_MAX_TEXT ||
	    (s->key_fp[0] && strlen(s->key_fp) != GS_STATE_FP_LEN))
		return 0;
	for (uint32_t i = 0; i < s->nargs; i++)
		if (!s->args[i] || strlen(s->args[i]) > GS_STATE_MAX_ARG)
			return 0;
	return 1;
}

int gs_state_save_info(FILE *f, const struct gs_state_info *info)
{
	if (!storable(info) || !(info->has_engine || info->has_network) ||
	    !info->states)
		return GS_EUSAGE;
	return gs_snap_write(f, MAGIC, GS_STATE_VERSION, body, info);
}

int gs_state_save(FILE *f, struct gs_state_info *info,
		  const struct gs_engine *e, const struct gs_network *n)
{
	if (!e && !n)
		return GS_EUSAGE;
	info->has_engine = e != NULL;
	info->has_network = n != NULL;
	int r = gs_state_save_info(f, info);
	if (!r && e)
		r = gs_engine_save(e, f);
	if (!r && n)
		r = gs_network_save(n, f);
	return r;
}

/* ---- reading ------------------------------------------------------------ */

/* A string of n bytes without NUL, malloc'ed; NULL (err set when the
 * bytes were short or held a NUL, *nomem when allocation failed). */
static char *rd_str(struct gs_rd *r, size_t n, int *nomem)
{
	const unsigned char *p = gs_rd_take(r, n);
	if (!p)
		return NULL;
	if (memchr(p, 0, n)) {
		r->err = GS_EFORMAT;
		return NULL;
	}
	char *s = malloc(n + 1);
	if (!s) {
		*nomem = 1;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static char *rd_str16(struct gs_rd *r, size_t max, int *nomem)
{
	uint16_t n = gs_rd_u16(r);
	if (r->err || n > max) {
		r->err = GS_EFORMAT;
		return NULL;
	}
	return rd_str(r, n, nomem);
}

/* Decodes the payload into s; 0 or GS_EFORMAT / GS_ENOMEM with what into
 * what. */
static int decode(struct gs_rd *r, struct gs_state_info *s, const char **what)
{
	int nomem = 0;
#define FAIL(w)                                                                \
	do {                                                                   \
		*what = (w);                                                   \
		return nomem ? GS_ENOMEM : GS_EFORMAT;                         \
	} while (0)
	if (!(s->program = rd_str16(r, 255, &nomem)))
		FAIL("program version");
	uint8_t cn = gs_rd_u8(r);
	if (r->err || cn == 0 || cn > 31 ||
	    !(s->command = rd_str(r, cn, &nomem)))
		FAIL("command");
	uint8_t has = gs_rd_u8(r);
	if (r->err || has > 1)
		FAIL("operand");
	if (has && !(s->operand = rd_str16(r, GS_STATE_MAX_ARG, &nomem)))
		FAIL("operand");
	uint32_t na = gs_rd_u32(r);
	/* an argument takes at least its 2 length bytes */
	if (r->err || na > GS_STATE_MAX_ARGS || na > gs_rd_left(r) / 2)
		FAIL("options");
	s->args = calloc(na ? na : 1, sizeof *s->args);
	if (!s->args) {
		nomem = 1;
		FAIL("options");
	}
	for (; s->nargs < na; s->nargs++)
		if (!(s->args[s->nargs] =
			      rd_str16(r, GS_STATE_MAX_ARG, &nomem)))
			FAIL("options");
	uint8_t he = gs_rd_u8(r), hn = gs_rd_u8(r);
	if (r->err || he > 1 || hn > 1 || !(he || hn))
		FAIL("sections");
	s->has_engine = he;
	s->has_network = hn;
	s->eng.bucket_ms = gs_rd_i64(r);
	s->eng.max_tags = (size_t)gs_rd_u64(r);
	s->eng.hll_p = gs_rd_u32(r);
	s->eng.bucket_hll_p = gs_rd_u32(r);
	s->eng.repost_cache = (size_t)gs_rd_u64(r);
	s->eng.top_k = (size_t)gs_rd_u64(r);
	s->eng.max_bytes = (size_t)gs_rd_u64(r);
	s->net_kinds = gs_rd_u32(r);
	s->net_max_edges = gs_rd_u64(r);
	s->net_max_nodes = gs_rd_u64(r);
	s->net_bucket_ms = gs_rd_i64(r);
	has = gs_rd_u8(r);
	if (r->err || has > 1 || s->eng.bucket_ms < 0 || s->net_bucket_ms < 0)
		FAIL("options");
	if (has && !(s->net_tag = rd_str16(r, 1024, &nomem)))
		FAIL("network tag");
	uint8_t fl = gs_rd_u8(r);
	if (r->err || (fl != 0 && fl != GS_STATE_FP_LEN))
		FAIL("key fingerprint");
	const unsigned char *fp = gs_rd_take(r, fl);
	if (!fp || memchr(fp, 0, fl))
		FAIL("key fingerprint");
	memcpy(s->key_fp, fp, fl);
	s->key_fp[fl] = 0;
	uint32_t tl = gs_rd_u32(r);
	if (r->err || tl > GS_STATE_MAX_TEXT ||
	    !(s->filters = rd_str(r, tl, &nomem)))
		FAIL("filters");
	s->states = gs_rd_u64(r);
	s->posts_read = gs_rd_u64(r);
	s->out_of_window = gs_rd_u64(r);
	s->malformed = gs_rd_u64(r);
	uint32_t nk = gs_rd_u32(r);
	if (r->err || s->states == 0 || nk > GS_NONPOST_COUNT)
		FAIL("counters");
	for (uint32_t k = 0; k < nk; k++)
		s->nonpost[k] = gs_rd_u64(r);
	nk = gs_rd_u32(r);
	if (r->err || nk > GS_FILTER_REASONS)
		FAIL("counters");
	for (uint32_t k = 0; k < nk; k++)
		s->filtered[k] = gs_rd_u64(r);
	if (r->err)
		FAIL("counters");
	if (gs_rd_left(r))
		FAIL("the end of the section (bytes follow)");
#undef FAIL
	return 0;
}

int gs_state_read_info(FILE *f, struct gs_state_info *info, char *why, size_t n)
{
	unsigned char *p = NULL;
	size_t len = 0;
	memset(info, 0, sizeof *info);
	int r = gs_snap_read(f, MAGIC, GS_STATE_VERSION, &p, &len);
	if (r) {
		snprintf(why, n, "%s",
			 r == GS_EFORMAT && gs_snap_why()[0] ? gs_snap_why()
							     : gs_strerror(r));
		return r;
	}
	struct gs_rd rd = {p, p + len, 0};
	const char *what = "";
	r = decode(&rd, info, &what);
	free(p);
	if (r) {
		snprintf(why, n, "%s in section 'GSST' (%s)",
			 r == GS_ENOMEM ? "out of memory" : "invalid content",
			 what);
		gs_state_info_release(info);
	}
	return r;
}

int gs_state_read_rest(FILE *f, const struct gs_state_info *info,
		       struct gs_engine **e, struct gs_network **n, char *why,
		       size_t nwhy)
{
	int r = 0;
	*e = NULL;
	*n = NULL;
	if (info->has_engine)
		*e = gs_engine_load(f, &r);
	if (!r && info->has_network)
		*n = gs_network_load(f, &r);
	if (!r)
		r = gs_snap_end(f);
	if (r) {
		snprintf(why, nwhy, "%s",
			 r == GS_EFORMAT && gs_snap_why()[0] ? gs_snap_why()
							     : gs_strerror(r));
		gs_engine_free(*e);
		gs_network_free(*n);
		*e = NULL;
		*n = NULL;
	}
	return r;
}

static int strdiff(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

int gs_state_differs(const struct gs_state_info *a,
		     const struct gs_state_info *b, char *why, size_t n)
{
	char x[16], y[16];
	if (strdiff(a->program, b->program)) {
		snprintf(why, n, "program version: %s against %s", a->program,
			 b->program);
		return 1;
	}
	if (a->has_engine != b->has_engine ||
	    a->has_network != b->has_network) {
		snprintf(
			why, n,
			"what they hold: %s against %s (made by '%s' and '%s')",
			a->has_engine ? "tag counts" : "a network",
			b->has_engine ? "tag counts" : "a network", a->command,
			b->command);
		return 1;
	}
#define DIFF(field, name)                                                      \
	if (a->field != b->field) {                                            \
		snprintf(why, n, "%s: %llu against %llu", name,                \
			 (unsigned long long)a->field,                         \
			 (unsigned long long)b->field);                        \
		return 1;                                                      \
	}
	if (a->has_engine) {
		if (a->eng.bucket_ms != b->eng.bucket_ms) {
			gs_duration_format(a->eng.bucket_ms, x);
			gs_duration_format(b->eng.bucket_ms, y);
			snprintf(why, n, "--bucket: %s against %s", x, y);
			return 1;
		}
		DIFF(eng.hll_p, "--hll-precision")
		DIFF(eng.bucket_hll_p, "bucket sketch precision")
		DIFF(eng.max_tags, "--max-tags")
		DIFF(eng.max_bytes, "--max-memory (bytes)")
		DIFF(eng.top_k, "summary size (top_k)")
		DIFF(eng.repost_cache, "repost cache")
	}
	if (a->has_network) {
		DIFF(net_kinds, "network --kind (bits)")
		DIFF(net_max_edges, "--max-edges")
		DIFF(net_max_nodes, "--max-nodes")
		if (a->net_bucket_ms != b->net_bucket_ms) {
			snprintf(
				why, n,
				"network spells (--dynamic, --bucket): %s against %s",
				a->net_bucket_ms ? "kept" : "none",
				b->net_bucket_ms ? "kept" : "none");
			if (a->net_bucket_ms && b->net_bucket_ms) {
				gs_duration_format(a->net_bucket_ms, x);
				gs_duration_format(b->net_bucket_ms, y);
				snprintf(why, n, "--bucket: %s against %s", x,
					 y);
			}
			return 1;
		}
		if (strdiff(a->net_tag, b->net_tag)) {
			snprintf(why, n, "network --tag: '%s' against '%s'",
				 a->net_tag ? a->net_tag : "(none)",
				 b->net_tag ? b->net_tag : "(none)");
			return 1;
		}
	}
#undef DIFF
	if (strcmp(a->key_fp, b->key_fp)) {
		snprintf(why, n, "pseudonymisation key: %s against %s",
			 a->key_fp[0] ? "a key" : "none",
			 b->key_fp[0] ? (a->key_fp[0] ? "another key" : "a key")
				      : "none");
		return 1;
	}
	if (strdiff(a->filters, b->filters)) {
		snprintf(why, n, "filters and time window: '%s' against '%s'",
			 a->filters[0] ? a->filters : "none",
			 b->filters[0] ? b->filters : "none");
		return 1;
	}
	return 0;
}

void gs_state_add_counts(struct gs_state_info *a, const struct gs_state_info *b)
{
	a->states += b->states;
	a->posts_read += b->posts_read;
	a->out_of_window += b->out_of_window;
	a->malformed += b->malformed;
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		a->nonpost[k] += b->nonpost[k];
	for (int k = 0; k < GS_FILTER_REASONS; k++)
		a->filtered[k] += b->filtered[k];
}
