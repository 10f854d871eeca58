/*
 * generate_int.h - what the generator's files share; private to src/gen
 * (as SQLite's vdbeInt.h is to its VDBE). generate.c holds the design.
 *
 *   generate.c        options, the schedule, the main loop, the output
 *                     buffer and malformed lines
 *   vocab.c           constant tables: languages, words, emoji, names,
 *                     client sources, the special tags and their spellings
 *   movements.c       constant tables: the planted movements and spam floods
 *   generate_post.c   the tag dictionary, the fictional accounts and the
 *                     logical posts with the ring of recent ones
 *   generate_text.c   a post's text with entity offsets
 *   generate_write.c  the four wire formats' line writers
 *   generate_truth.c  the exact counts and the truth object
 *
 * The small hot helpers (random numbers, hashing, the growable buffer) are
 * static inline here, so that every file gets them inlined as the single
 * file did.
 *
 * Ownership: every pointer in a struct gen belongs to it; gs_generate()
 * allocates the struct and frees it with all it holds. A struct buf owns
 * its bytes. The tables of vocab.c and movements.c are constant.
 */
#ifndef GS_GENERATE_INT_H
#define GS_GENERATE_INT_H

#include "generate.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "out/json_writer.h"

/* ------------------------------------------------------------------ */
/* random numbers, hashing, buffers                                   */
/* ------------------------------------------------------------------ */

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s[4];
};

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return res;
}

/* Uniform in [0, 1). */
static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Picks an index by weights w[0..n) (need not sum to 1). */
static inline unsigned rng_pick(struct rng *r, const double *w, unsigned n)
{
	double sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += w[i];
	double u = rng_unit(r) * sum;
	for (unsigned i = 0; i < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

/* A hash of (key, a, b): the same inputs always give the same value. */
static inline uint64_t hh(uint64_t key, uint64_t a, uint64_t b)
{
	return mix64(key ^ mix64(a * 0x9e3779b97f4a7c15ULL + b));
}

/* Growable byte buffer; on allocation failure it sets oom and drops
 * writes, and the caller checks oom once per post. */
struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

/* Makes room for add more bytes (and a NUL); false, with oom set, when
 * realloc fails. */
bool gs_gen_buf_grow(struct buf *b, size_t add);

static inline bool b_room(struct buf *b, size_t add)
{
	return b->n + add < b->cap || gs_gen_buf_grow(b, add);
}

static inline void b_mem(struct buf *b, const void *s, size_t n)
{
	if (!b_room(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

#define b_lit(b, s) b_mem((b), "" s, sizeof("" s) - 1) /* literals only */

static inline void b_str0(struct buf *b, const char *s)
{
	b_mem(b, s, strlen(s));
}

static inline void b_ch(struct buf *b, char c)
{
	if (!b_room(b, 1))
		return;
	b->p[b->n++] = c;
}

static inline void b_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	int i = 24;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	b_mem(b, tmp + i, (size_t)(24 - i));
}

static inline void b_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		b_ch(b, '-');
		b_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		b_u64(b, (uint64_t)v);
	}
}

/* Zero-padded decimal of exactly w digits. */
static inline void b_dec(struct buf *b, uint64_t v, int w)
{
	char tmp[24];
	for (int i = w - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	b_mem(b, tmp, (size_t)w);
}

/* Writes s[0..n) as the contents of a JSON string (no quotes); ascii
 * escapes every non-ASCII code point too, as Python's json.dumps does. */
static inline void b_esc(struct buf *b, const char *s, size_t n, bool ascii)
{
	if (!b_room(b, GS_JSON_ESCAPED_MAX(n)))
		return;
	b->n += gs_json_escape(b->p + b->n, s, n, ascii ? GS_JSON_ASCII : 0);
}

static inline void b_jstr(struct buf *b, const char *s, size_t n, bool ascii)
{
	b_ch(b, '"');
	b_esc(b, s, n, ascii);
	b_ch(b, '"');
}

static inline size_t utf8_cps(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* ------------------------------------------------------------------ */
/* the tables (vocab.c, movements.c)                                  */
/* ------------------------------------------------------------------ */

enum { L_EN, L_ES, L_FR, L_DE, L_JA, L_AR, L_HI, L_PT, NLANG };

/* Special tags: each has spellings with weights; the first spelling of a
 * movement or steady tag is its intended display. */
enum {
	S_METOO, S_SOLIDARITY, S_BELIEVE, S_STORM, S_BREAKING, S_ANO,
	S_FELIZ, S_ECLIPSE, S_NIGHTSKY, S_LIBRARY, S_READLOCAL, S_NEWS,
	S_MUSIC, S_NOWPLAYING, S_SPAM1, S_SPAM2, S_SPAM3, S_ANO_PT,
	S_CAFE_FR, S_CAFE, S_STRASSE, S_JA1, S_JA2, S_JA3, S_AR1, S_AR2,
	S_HI1, S_HI2, S_ES1, S_PT1, S_DE1, S_FR1, NSPECIAL
};

struct special {
	const char *id; /* internal name */
	const char *sp[6];
	double w[6];
};

struct lexicon {
	const char *const *w;
	unsigned n;
	bool spaced;
};

#define NEMOJI 13
#define NPUNCT 8
#define NSYL 60
#define NKANA 18
#define NLOC 24
#define NSRC 5
#define NCOLOR 9

extern const char *const gs_gen_lang_code[NLANG];
extern const double gs_gen_lang_share[NLANG]; /* of accounts */
extern const struct lexicon gs_gen_lexicon[NLANG];
extern const char *const gs_gen_emoji[NEMOJI];
extern const char *const gs_gen_punct[NPUNCT];
extern const char *const gs_gen_syl[NSYL];
extern const char *const gs_gen_kana[NKANA];
extern const char *const gs_gen_locations[NLOC];
extern const char *const gs_gen_tw_sources[NSRC];  /* v1.1: HTML links */
extern const char *const gs_gen_tw2_sources[NSRC]; /* v2: names */
extern const char *const gs_gen_colors[NCOLOR];
extern const struct special gs_gen_specials[NSPECIAL];
extern const int gs_gen_lang_tags[NLANG][3]; /* -1: none */

/* ------------------------------------------------------------------ */
/* the generator's state                                              */
/* ------------------------------------------------------------------ */

#define RING 2048        /* posts kept for reposts, replies and quotes */
#define PICKWIN 2000     /* reposts etc. choose among the last PICKWIN */
#define MAXTOK 100       /* tokens of one post's text */
#define MAXPT 12         /* distinct tags of one post */
#define TEXTMAX 8192     /* bytes of one rendered text */
#define NMOV 5
#define NSPAM 3
#define NCOMP (1 + NMOV + NSPAM)
#define VOCAB 30000
#define POOL_MOV 40000000u /* account index of the first movement pool */
#define POOL_SIZE 10000000u
#define POOL_SPAM 95000000u
#define POP_MAX 40000000u

enum { T_WORD, T_EMOJI, T_PUNCT, T_SP, T_NL, T_QUOTE, T_EMOTE, T_TAG,
       T_MENTION, T_URL };
enum { F_RP = 1, F_EXTRA = 2 };
enum { K_ORIG, K_REPLY, K_QUOTE, K_REPOST };

struct tok {
	uint8_t type, flag;
	uint16_t a;
	uint32_t b;
};

/* One logical post. Reposts carry no text: rp_oseq names the original. */
struct gpost {
	int64_t t_us;
	uint64_t seq;  /* ordinal among all counted posts */
	uint64_t oseq; /* ordinal among ring posts; UINT64_MAX if none */
	uint32_t author;
	uint8_t kind, lang, comp, ntok, ntk;
	uint32_t par_author, root_author;
	int64_t par_t_us, root_t_us;
	uint64_t par_seq, root_seq, par_oseq;
	uint64_t q_oseq, rp_oseq;
	uint32_t tkey[MAXPT], tsp[MAXPT]; /* distinct keys, first spelling */
	struct tok tok[MAXTOK];
};

struct spelling {
	uint32_t off, key, next; /* next spelling of the same key */
	uint16_t len, cps;
};

struct keyent {
	uint32_t off, first_sp;
	uint16_t len;
};

struct ltag { /* a special tag: spelling ids and weights */
	uint32_t sp[6];
	double w[6];
	unsigned n;
};

struct movement {
	const char *shape;
	int tag, co[3], nco;
	double cop[3];
	double onset, rise, plateau, tau, fall; /* seconds; onset absolute */
	double end;                             /* absolute seconds */
	double peak_rate;
	double fresh, p_new, p_repost, p_reply, p_bgtag;
	double langw[NLANG];
	uint32_t pool, joined;
	uint64_t recent[64];
	uint32_t nrecent;
};

/* issue 13: a planted movement family (generate_family.c): FAM_TAGS tags
 * in several languages, sharing accounts, carried together, trending one
 * after the other. Component FAM_COMP0 + f * FAM_TAGS + k posts tag k of
 * family f. */
#define NFAM	  3
#define FAM_TAGS  4
#define FAM_COMP0 NCOMP
#define POOL_FAM  100000000u
struct family {
	const char *name;
	uint32_t sp[FAM_TAGS];	/* spelling id of each tag */
	uint8_t lang[FAM_TAGS]; /* each tag's language */
	double onset[FAM_TAGS]; /* absolute seconds */
	double rise, plateau, fall, peak_rate;
	uint32_t shared_n, own_n; /* pool sizes */
	double p_shared, p_bg, cop;
	uint64_t recent[64];
	uint32_t nrecent;
};

struct spamflood {
	int tag;
	uint32_t k, pool;
	double start, end, rate;
	uint64_t posts;
	uint32_t mask;
};

struct span {
	uint8_t type, flag;
	uint32_t ref, cp0, cp1, b0, b1;
};

struct rtext {
	char t[TEXTMAX];
	size_t n;
	uint32_t cp, disp0;
	unsigned ns;
	struct span sp[MAXTOK];
	unsigned nb; /* token boundaries, for cutting */
	uint32_t bb[MAXTOK + 1], bcp[MAXTOK + 1];
};

struct tstat {
	uint64_t posts, originals, reposts, replies, quotes, accounts;
	int64_t first, last;
};

struct truth {
	struct tstat *ks;
	uint64_t *spc;
	uint64_t *pairs;
	size_t pcap, pn;
	uint64_t *accts;
	size_t acap, an;
	bool oom;
};

struct acct {
	uint32_t idx;
	uint64_t h;
	uint64_t tw_id, ma_id;
	char sn[24];
	size_t snlen;
	char name[96];
	size_t namelen;
	char did[40];
	uint8_t lang, color, loc;
	bool remote, verified, has_url, has_loc;
	uint64_t followers, friends, statuses, favourites, listed;
	int64_t created;
};

struct gen {
	struct gs_generate_options o;
	enum gs_gen_format fmt;
	bool tw, tw1, tw2raw, tw2flat, js, sse;
	uint64_t key;
	struct rng lr, rr;
	int64_t start;
	double W, wend; /* window length and end, seconds */
	bool timed;
	double mal_q;   /* P(malformed line before a good one) */

	/* tag dictionary */
	struct buf arena;
	struct spelling *sp;
	uint32_t nsp, spcap;
	uint32_t *sph; /* open addressing: spelling id + 1 */
	uint32_t sphcap;
	struct keyent *keys;
	uint32_t nkeys, keycap;
	uint32_t *kh;
	uint32_t khcap;
	uint32_t vocab[VOCAB][2];
	double vocabA;
	struct ltag lt[NSPECIAL];

	/* accounts */
	uint32_t P;
	double popA;

	/* schedule */
	struct movement mv[NMOV];
	struct spamflood sf[NSPAM];
	double bgscale;
	struct family fam[NFAM]; /* issue 13: the first nfam are planted */
	unsigned nfam;

	/* posts */
	struct gpost *ring;
	uint64_t norig;
	struct gpost scratch;
	uint64_t nposts, nreposts, nreplies, nquotes, nmal, nskip, nlines;
	uint64_t nbytes;
	int64_t last_t_us, last_sec, last_hb;

	/* rendering */
	struct rtext rt[6]; /* two per nesting depth */
	struct buf line, mal, html;
	bool ascii;

	/* twitter2 pages */
	struct buf pdata, pusers, ptweets;
	unsigned pn, ptarget;
	uint64_t pnewest, poldest, npage;
	uint32_t pu[1024];  /* users in the page: idx + 1 */
	uint64_t ptw[512];  /* tweets in includes: seq + 1 */
	unsigned npu, nptw;

	/* output */
	FILE *out;
	struct buf ob;
	bool ioerr;
	struct truth *tr;
};

/* ------------------------------------------------------------------ */
/* the planted movements and spam floods (movements.c)                */
/* ------------------------------------------------------------------ */

/* The movements in mv[] order; the index is also the shape. */
enum { SH_METOO, SH_BURST, SH_SLOW, SH_FLASH, SH_SMALL };

/* A movement as planned for a 72-hour window: schedule_init() scales the
 * durations by window / 72 h (never up) and places the onset. */
struct mv_plan {
	const char *shape;
	/* the tag, its companions and P(companion i on a movement post) */
	int tag, co[3], nco;
	double cop[3];
	/* onset as a fraction of the window (metoo has its own rule) */
	double at;
	/* seconds at 72 h */
	double rise, plateau, tau, fall;
	/* peak rate as a fraction of the mean rate (small: sized later to a
	 * fixed number of posts) */
	double peak;
	double fresh, p_new, p_repost, p_reply, p_bgtag;
	double langw[NLANG];
};

/* A spam flood: a few accounts posting one tag for an hour. */
struct spam_plan {
	int tag;
	double at;    /* start as a fraction of the window */
	double posts; /* at most 2% of the expected posts */
};

extern const struct mv_plan gs_gen_movements[NMOV];
extern const struct spam_plan gs_gen_spam[NSPAM];

/* ------------------------------------------------------------------ */
/* small shared helpers                                               */
/* ------------------------------------------------------------------ */

/* Floor division, for times before 1970 too. */
static inline int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline const char *sp_text(const struct gen *g, uint32_t id)
{
	return g->arena.p + g->sp[id].off;
}

static inline const char *key_text(const struct gen *g, uint32_t k)
{
	return g->arena.p + g->keys[k].off;
}

/* The ring post of ordinal oseq, or NULL when it has left the ring. */
static inline struct gpost *ring_get(struct gen *g, uint64_t oseq)
{
	struct gpost *p = &g->ring[oseq % RING];
	return oseq != UINT64_MAX && p->oseq == oseq ? p : NULL;
}

static inline const char *acct_domain(const struct acct *a)
{
	return a->remote ? "example.org" : "example.social";
}

/* A Mastodon status id: milliseconds << 16, as Mastodon's snowflakes. */
static inline uint64_t ma_sid(int64_t t_us, uint64_t seq)
{
	return ((uint64_t)(t_us < 0 ? 0 : t_us / 1000) << 16) | (seq & 0xffff);
}

/* ------------------------------------------------------------------ */
/* functions shared between the files                                 */
/* ------------------------------------------------------------------ */

/* generate.c: writes one line (or SSE event) of JSON s[0..n), preceded
 * now and then by a corrupted copy when malformed lines are asked for. */
void gs_gen_put_line(struct gen *g, const char *s, size_t n);

/* generate_post.c */
/* Interns the special tags and the background vocabulary; 0 or
 * GS_ENOMEM. */
int gs_gen_dict_init(struct gen *g);
/* Draws the next post of component comp (0 background, 1..NMOV the
 * movements, then the spam floods) at t_us; the result lives in the ring
 * or in g->scratch until the next call. */
struct gpost *gs_gen_make_post(struct gen *g, int comp, int64_t t_us);
/* The account of index idx, derived from hashes (nothing is stored). */
void gs_gen_acct_get(const struct gen *g, uint32_t idx, struct acct *a);
/* The account's profile text, escaped for JSON. */
void gs_gen_put_desc(struct buf *b, const struct acct *a, bool ascii);
/* The account's Bluesky handle, "<name>.example.social". */
void gs_gen_put_handle(struct buf *b, const struct acct *a);

/* Interns spelling s[0..n) (its key too): its id, or GS_ENOMEM. */
int64_t gs_gen_intern(struct gen *g, const char *s, size_t n);

/* generate_family.c (issue 13) */
/* Interns the families' tags and places them in the window (after the
 * schedule); 0 or GS_ENOMEM. */
int gs_gen_family_init(struct gen *g);
/* Posts per second of family tag c (f * FAM_TAGS + k) at time t. */
double gs_gen_family_rate(const struct gen *g, unsigned c, double t);
/* An author for a post of family tag c: the family's shared pool, the
 * tag's own, or now and then anyone. */
uint32_t gs_gen_family_account(struct gen *g, unsigned c);

/* generate_text.c */
enum { RM_TW, RM_BS };		  /* render for twitter, bluesky */
enum { U_LINK, U_QUOTE, U_SELF }; /* kinds of URL spans */
/* The 10-character t.co-style code of ref for URL kind. */
void gs_gen_url_code(const struct gen *g, uint64_t ref, unsigned kind,
		     char out[10]);
/* Renders p's tokens into rt with its spans (code points and bytes). */
void gs_gen_render_text(const struct gen *g, const struct gpost *p, int mode,
			struct rtext *rt);
/* d = "RT @name: " + s, whose spans shift accordingly. */
void gs_gen_rt_retweet(struct rtext *d, const struct rtext *s,
		       const struct acct *a);
/* d = s cut for a streamed tweet (140 code points and a link). */
void gs_gen_rt_stream_cut(const struct gen *g, struct rtext *d,
			  const struct rtext *s, uint32_t self);

/* generate_write.c */
/* Writes post p as one line of the format into l (not twitter2 pages). */
void gs_gen_write_post(struct gen *g, struct buf *l, const struct gpost *p);
/* Writes a Jetstream event that is not a post (like, follow, delete,
 * identity, account) at t_us into b. */
void gs_gen_js_skipped(struct gen *g, struct buf *b, int64_t t_us);
/* twitter2 pages: start one, add a post, write it out as one line. */
void gs_gen_page_begin(struct gen *g);
void gs_gen_page_add(struct gen *g, const struct gpost *p);
void gs_gen_page_flush(struct gen *g);

/* voice.c: reshapes the small movement into the planted voice the
 * options ask for (shape, onset, end); returns its expected posts. */
double gs_gen_voice_plan(struct gen *g);

/* generate_truth.c */
int gs_gen_truth_init(struct gen *g); /* 0 or GS_ENOMEM */
void gs_gen_truth_free(struct truth *t);
void gs_gen_truth_count(struct gen *g, const struct gpost *p);
int gs_gen_truth_write(struct gen *g, FILE *f); /* 0 or GS_EIO/GS_ENOMEM */

#endif
