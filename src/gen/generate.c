/*
 * generate.c - the synthetic stream behind `groundswell generate` (see
 * generate.h for the contract and the truth schema).
 *
 * Layout of this file:
 *   1. random numbers, hashing, growable byte buffers, JSON string escaping
 *   2. time formatting and parsing (own code: no locale, no timezone)
 *   3. static vocabularies: languages, words, emoji, special tags
 *   4. the tag dictionary (every spelling interned and keyed with gs_fold)
 *   5. fictional accounts, derived from an index by hashing (nothing stored)
 *   6. the schedule: daily cycle, planted movements, spam floods
 *   7. logical posts (tokens, tags, replies, reposts) and the ring of the
 *      last 2,048 posts that reposts, replies and quotes refer to
 *   8. text rendering with entity offsets (code points and UTF-8 bytes)
 *   9. the six wire formats
 *  10. malformed lines
 *  11. the truth
 *  12. the main loop
 *
 * Two random streams: `lr` draws the logical content, `rr` the presentation,
 * so every format of one seed carries the same posts. Per-post presentation
 * details (text style, source, counters) are hashes of the post's ordinal.
 */
#include "generate.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "input/fold.h"
#include "groundswell.h"

/* ------------------------------------------------------------------ */
/* 1. random numbers, hashing, buffers                                 */
/* ------------------------------------------------------------------ */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s[4];
};

static void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		r->s[i] = mix64(x);
	}
}

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
static unsigned rng_pick(struct rng *r, const double *w, unsigned n)
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

static double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static uint64_t rng_poisson(struct rng *r, double lam)
{
	if (lam <= 0)
		return 0;
	if (lam < 30) {
		double l = exp(-lam), p = 1.0;
		uint64_t k = 0;
		for (;;) {
			p *= rng_unit(r);
			if (p <= l)
				return k;
			k++;
		}
	}
	double x = floor(lam + sqrt(lam) * rng_normal(r) + 0.5);
	return x < 0 ? 0 : (uint64_t)x;
}

/* A hash of (key, a, b): the same inputs always give the same value. */
static inline uint64_t hh(uint64_t key, uint64_t a, uint64_t b)
{
	return mix64(key ^ mix64(a * 0x9e3779b97f4a7c15ULL + b));
}

/* Uniform double in [0, 1) from a hash. */
static inline double hunit(uint64_t h)
{
	return (double)(h >> 11) * 0x1.0p-53;
}

/* A keyed bijection of 32-bit integers. */
static uint32_t perm32(uint32_t x, uint32_t k)
{
	x ^= k;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	x ^= k >> 7;
	x *= 0x2c1b3c6dU;
	x ^= x >> 12;
	return x;
}

/* Growable byte buffer; on allocation failure it sets oom and drops
 * writes, and the caller checks oom once per post. */
struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static bool b_grow(struct buf *b, size_t add)
{
	if (b->oom)
		return false;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->n + add + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static inline bool b_room(struct buf *b, size_t add)
{
	return b->n + add < b->cap || b_grow(b, add);
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

static void b_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	int i = 24;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	b_mem(b, tmp + i, (size_t)(24 - i));
}

static void b_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		b_ch(b, '-');
		b_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		b_u64(b, (uint64_t)v);
	}
}

/* Zero-padded decimal of exactly w digits. */
static void b_dec(struct buf *b, uint64_t v, int w)
{
	char tmp[24];
	for (int i = w - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	b_mem(b, tmp, (size_t)w);
}

/* A double with up to 6 decimals, no exponent, no locale. */
static void b_double(struct buf *b, double v)
{
	if (!(v == v) || v > 1e15 || v < -1e15) {
		b_lit(b, "0");
		return;
	}
	if (v < 0) {
		b_ch(b, '-');
		v = -v;
	}
	uint64_t scaled = (uint64_t)floor(v * 1e6 + 0.5);
	b_u64(b, scaled / 1000000);
	uint64_t frac = scaled % 1000000;
	if (frac) {
		char tmp[8];
		int w = 6;
		for (int i = 5; i >= 0; i--) {
			tmp[i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		while (w > 0 && tmp[w - 1] == '0')
			w--;
		b_ch(b, '.');
		b_mem(b, tmp, (size_t)w);
	}
}

static const char hexd[] = "0123456789abcdef";

static void b_u4(struct buf *b, unsigned v)
{
	char t[6] = {'\\', 'u', hexd[(v >> 12) & 15], hexd[(v >> 8) & 15],
		     hexd[(v >> 4) & 15], hexd[v & 15]};
	b_mem(b, t, 6);
}

/* Decodes one UTF-8 sequence at s[0..n) (known valid); returns its length. */
static int utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	if (c < 0x80 || n < 2) {
		*cp = c;
		return 1;
	}
	if (c < 0xe0) {
		*cp = ((c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0 || n < 4) {
		if (n < 3) {
			*cp = c;
			return 1;
		}
		*cp = ((c & 0x0f) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3f);
		return 3;
	}
	*cp = ((c & 0x07) << 18) | ((s[1] & 0x3fu) << 12) |
	      ((s[2] & 0x3fu) << 6) | (s[3] & 0x3f);
	return 4;
}

/* Writes s[0..n) as the contents of a JSON string (no quotes). ascii
 * escapes every non-ASCII code point as \uXXXX (surrogate pairs above the
 * BMP), as Python's json.dumps does by default. */
static void b_esc(struct buf *b, const char *s, size_t n, bool ascii)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		unsigned c = u[i];
		if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !ascii)) {
			i++;
			continue;
		}
		if (i > run)
			b_mem(b, s + run, i - run);
		if (c < 0x80) {
			switch (c) {
			case '"': b_lit(b, "\\\""); break;
			case '\\': b_lit(b, "\\\\"); break;
			case '\n': b_lit(b, "\\n"); break;
			case '\r': b_lit(b, "\\r"); break;
			case '\t': b_lit(b, "\\t"); break;
			default: b_u4(b, c);
			}
			i++;
		} else {
			uint32_t cp;
			int l = utf8_dec(u + i, n - i, &cp);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				b_u4(b, 0xd800 + (cp >> 10));
				b_u4(b, 0xdc00 + (cp & 0x3ff));
			} else {
				b_u4(b, cp);
			}
			i += (size_t)l;
		}
		run = i;
	}
	if (n > run)
		b_mem(b, s + run, n - run);
}

static void b_jstr(struct buf *b, const char *s, size_t n, bool ascii)
{
	b_ch(b, '"');
	b_esc(b, s, n, ascii);
	b_ch(b, '"');
}

static size_t utf8_cps(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* ------------------------------------------------------------------ */
/* 2. time                                                             */
/* ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct tm6 {
	int64_t y;
	unsigned mo, d, h, mi, s, wd;
};

static void split_time(int64_t sec, struct tm6 *t)
{
	int64_t days = floor_div(sec, 86400);
	int64_t rem = sec - days * 86400;
	civil_from_days(days, &t->y, &t->mo, &t->d);
	t->h = (unsigned)(rem / 3600);
	t->mi = (unsigned)(rem / 60 % 60);
	t->s = (unsigned)(rem % 60);
	t->wd = (unsigned)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

static void b_ymdhms(struct buf *b, const struct tm6 *t, char sep)
{
	char s[19];
	int64_t y = t->y < 0 ? 0 : t->y > 9999 ? 9999 : t->y;
	s[0] = (char)('0' + y / 1000);
	s[1] = (char)('0' + y / 100 % 10);
	s[2] = (char)('0' + y / 10 % 10);
	s[3] = (char)('0' + y % 10);
	s[4] = '-';
	s[5] = (char)('0' + t->mo / 10);
	s[6] = (char)('0' + t->mo % 10);
	s[7] = '-';
	s[8] = (char)('0' + t->d / 10);
	s[9] = (char)('0' + t->d % 10);
	s[10] = sep;
	s[11] = (char)('0' + t->h / 10);
	s[12] = (char)('0' + t->h % 10);
	s[13] = ':';
	s[14] = (char)('0' + t->mi / 10);
	s[15] = (char)('0' + t->mi % 10);
	s[16] = ':';
	s[17] = (char)('0' + t->s / 10);
	s[18] = (char)('0' + t->s % 10);
	b_mem(b, s, 19);
}

/* "2017-10-13T00:00:00Z" */
static void b_rfc3339(struct buf *b, int64_t sec)
{
	struct tm6 t;
	split_time(sec, &t);
	b_ymdhms(b, &t, 'T');
	b_ch(b, 'Z');
}

/* "2017-10-15T21:13:00.000Z" */
static void b_iso_ms(struct buf *b, int64_t us)
{
	int64_t sec = floor_div(us, 1000000);
	struct tm6 t;
	split_time(sec, &t);
	b_ymdhms(b, &t, 'T');
	b_ch(b, '.');
	b_dec(b, (uint64_t)((us - sec * 1000000) / 1000), 3);
	b_ch(b, 'Z');
}

/* "Fri Oct 13 00:00:07 +0000 2017" */
static void b_twdate(struct buf *b, int64_t sec)
{
	static const char wd[7][4] = {"Sun", "Mon", "Tue", "Wed",
				      "Thu", "Fri", "Sat"};
	static const char mo[12][4] = {"Jan", "Feb", "Mar", "Apr",
				       "May", "Jun", "Jul", "Aug",
				       "Sep", "Oct", "Nov", "Dec"};
	struct tm6 t;
	split_time(sec, &t);
	b_mem(b, wd[t.wd], 3);
	b_ch(b, ' ');
	b_mem(b, mo[t.mo - 1], 3);
	b_ch(b, ' ');
	b_dec(b, t.d, 2);
	b_ch(b, ' ');
	b_dec(b, t.h, 2);
	b_ch(b, ':');
	b_dec(b, t.mi, 2);
	b_ch(b, ':');
	b_dec(b, t.s, 2);
	b_lit(b, " +0000 ");
	b_dec(b, (uint64_t)(t.y < 0 ? 0 : t.y), 4);
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int gs_generate_parse_time(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	const char *p = s;
	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return GS_ETIME;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return GS_ETIME;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return GS_ETIME;
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
		    *p++ != ':' || digits(&p, 2, &sec))
			return GS_ETIME;
		if (h > 23 || mi > 59 || sec > 60)
			return GS_ETIME;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return GS_ETIME;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '+' ? 1 : -1;
			if (digits(&p, 2, &oh) || *p++ != ':' ||
			    digits(&p, 2, &om) || oh > 23 || om > 59)
				return GS_ETIME;
		} else {
			return GS_ETIME;
		}
		if (*p)
			return GS_ETIME;
	}
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = days * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	return 0;
}

/* ------------------------------------------------------------------ */
/* 3. vocabularies                                                     */
/* ------------------------------------------------------------------ */

enum { L_EN, L_ES, L_FR, L_DE, L_JA, L_AR, L_HI, L_PT, NLANG };
static const char *const lang_code[NLANG] = {"en", "es", "fr", "de",
					     "ja", "ar", "hi", "pt"};
/* Shares of accounts by language. */
static const double lang_share[NLANG] = {0.50, 0.12, 0.05, 0.04,
					 0.12, 0.06, 0.04, 0.07};

static const char *const w_en[] = {
	"the", "and", "today", "this", "is", "so", "what", "a", "we", "love",
	"people", "time", "new", "just", "really", "about", "everyone",
	"need", "see", "more", "never", "again", "story", "thank", "you",
	"proud", "heart", "world", "city", "weekend", "morning", "tonight",
	"coffee", "friends", "read", "great", "happy", "must", "here", "our",
	"all", "speak", "up", "listen", "together", "still", "stand", "with",
	"voices", "share", "it's", "don't", "can't", "finally", "amazing",
	"honestly", "believe", "enough", "week", "game", "live", "watch",
	"my", "your", "of", "to", "in", "for", "on", "not", "too", "going"};
static const char *const w_es[] = {
	"hoy", "el", "la", "que", "muy", "para", "todos", "gracias", "mañana",
	"vida", "amor", "ciudad", "buenos", "días", "está", "más", "también",
	"siempre", "corazón", "juntos", "nunca", "mujeres", "nosotras",
	"país", "fiesta", "noche", "años", "qué", "bonito", "mejor", "aquí",
	"ahora", "mundo", "fútbol", "canción", "por", "con", "una", "y"};
static const char *const w_fr[] = {
	"aujourd'hui", "le", "la", "et", "très", "merci", "été", "ça", "nous",
	"toujours", "déjà", "cœur", "ville", "soirée", "être", "c'est",
	"magnifique", "femmes", "parole", "ensemble", "demain", "où", "à",
	"bientôt", "fête", "café", "vraiment", "voilà", "trop", "une", "des"};
static const char *const w_de[] = {
	"heute", "und", "die", "der", "ist", "sehr", "schön", "Grüße", "für",
	"über", "wir", "immer", "Straße", "Mädchen", "danke", "endlich",
	"Wochenende", "gemütlich", "Frühstück", "zusammen", "nicht", "auch",
	"morgen", "wieder", "München", "läuft", "ein", "mit"};
static const char *const w_ja[] = {
	"今日", "は", "とても", "いい", "天気", "です", "ね", "みんな",
	"ありがとう", "明日", "も", "がんばろう", "本当に", "嬉しい", "東京",
	"。", "！", "ラーメン", "食べた", "新しい", "仕事", "猫", "かわいい",
	"の", "に", "を", "見て", "ください", "映画", "最高"};
static const char *const w_ar[] = {
	"اليوم", "شكرا", "جميل", "جدا", "الحمد", "لله", "صباح", "الخير",
	"مع", "الأصدقاء", "في", "المدينة", "كل", "من", "على", "هذا", "يوم",
	"سعيد", "القهوة", "العالم", "معا"};
static const char *const w_hi[] = {
	"आज", "बहुत", "अच्छा", "दिन", "है", "धन्यवाद", "सभी", "को", "नमस्ते",
	"में", "हम", "साथ", "खुश", "नया", "समय", "देखो", "यह", "और", "का",
	"दोस्तों"};
static const char *const w_pt[] = {
	"hoje", "que", "muito", "obrigado", "coração", "você", "não",
	"também", "cidade", "amigos", "sempre", "ação", "bom", "dia", "noite",
	"saudade", "futebol", "mulheres", "juntos", "está", "mais", "agora",
	"lindo", "uma", "com", "para", "e"};

struct lexicon {
	const char *const *w;
	unsigned n;
	bool spaced;
};
#define LEX(a, sp) {a, sizeof(a) / sizeof(a[0]), sp}
static const struct lexicon lexicon[NLANG] = {
	LEX(w_en, true), LEX(w_es, true), LEX(w_fr, true), LEX(w_de, true),
	LEX(w_ja, false), LEX(w_ar, true), LEX(w_hi, true), LEX(w_pt, true)};

static const char *const emoji[] = {
	"\xf0\x9f\x98\x80", /* grinning face */
	"\xe2\x9d\xa4\xef\xb8\x8f", /* heart + VS16 */
	"\xf0\x9f\x99\x8f", "\xf0\x9f\x94\xa5", "\xe2\x9c\xa8",
	"\xf0\x9f\x98\x82", "\xf0\x9f\x91\x8f", "\xf0\x9f\x92\xaa",
	"\xf0\x9f\x8c\x8d", "\xf0\x9f\x8e\xb6", "\xf0\x9f\x98\xad",
	"\xf0\x9f\x91\x89", "\xe2\x98\x95"};
#define NEMOJI (sizeof emoji / sizeof emoji[0])

static const char *const punct[] = {".", "!", "?", ",", "...", "\xe2\x80\xa6",
				    " -", ":"};
#define NPUNCT (sizeof punct / sizeof punct[0])

static const char *const syl[60] = {
	"ba", "be", "bi", "bo", "bu", "da", "de", "di", "do", "du",
	"fa", "fe", "fi", "fo", "ga", "ge", "go", "ka", "ke", "ki",
	"ko", "ku", "la", "le", "li", "lo", "lu", "ma", "me", "mi",
	"mo", "na", "ne", "ni", "no", "nu", "pa", "pe", "pi", "po",
	"ra", "re", "ri", "ro", "ru", "sa", "se", "si", "so", "ta",
	"te", "ti", "to", "tu", "va", "vi", "vo", "za", "zi", "zo"};

static const char *const kana[] = {
	"さ", "く", "ら", "ゆ", "き", "は", "な", "み", "た", "ろ",
	"う", "あ", "お", "ひ", "か", "り", "ま", "こ"};

static const char *const locations[] = {
	"Madrid", "London, England", "Tokyo", "Paris, France", "Berlin",
	"Mumbai", "São Paulo", "Cairo", "New York, NY", "Los Angeles, CA",
	"Toronto", "Osaka", "Lyon", "Buenos Aires", "Delhi", "Lisboa",
	"somewhere", "Earth \xf0\x9f\x8c\x8d", "she/her", "Planet Earth",
	"Dubai", "Köln", "Ciudad de México", "Québec"};
#define NLOC (sizeof locations / sizeof locations[0])

static const char *const tw_sources[] = {
	"<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">"
	"Twitter for iPhone</a>",
	"<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">"
	"Twitter for Android</a>",
	"<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">"
	"Twitter Web App</a>",
	"<a href=\"http://twitter.com\" rel=\"nofollow\">Twitter Web Client</a>",
	"<a href=\"https://about.twitter.com/products/tweetdeck\" "
	"rel=\"nofollow\">TweetDeck</a>"};
static const char *const tw2_sources[] = {
	"Twitter for iPhone", "Twitter for Android", "Twitter Web App",
	"Twitter Web Client", "TweetDeck"};
#define NSRC 5

static const char *const colors[] = {"C0DEED", "000000", "1DA1F2",
				     "F5F8FA", "EDECE9", "131516",
				     "642D8B", "FF691F", "ABB8C2"};
#define NCOLOR (sizeof colors / sizeof colors[0])

/* Special tags: each has spellings with weights; the first spelling of a
 * movement or steady tag is its intended display. */
struct special {
	const char *id; /* internal name */
	const char *sp[6];
	double w[6];
};

enum {
	S_METOO, S_SOLIDARITY, S_BELIEVE, S_STORM, S_BREAKING, S_ANO,
	S_FELIZ, S_ECLIPSE, S_NIGHTSKY, S_LIBRARY, S_READLOCAL, S_NEWS,
	S_MUSIC, S_NOWPLAYING, S_SPAM1, S_SPAM2, S_SPAM3, S_ANO_PT,
	S_CAFE_FR, S_CAFE, S_STRASSE, S_JA1, S_JA2, S_JA3, S_AR1, S_AR2,
	S_HI1, S_HI2, S_ES1, S_PT1, S_DE1, S_FR1, NSPECIAL
};

static const struct special specials[NSPECIAL] = {
	[S_METOO] = {"metoo",
		     {"MeToo", "metoo", "METOO", "Metoo",
		      "\xef\xbc\xad\xef\xbd\x85\xef\xbc\xb4\xef\xbd\x8f\xef\xbd\x8f"},
		     {0.70, 0.15, 0.05, 0.07, 0.03}},
	[S_SOLIDARITY] = {"solidarity", {"solidarity", "Solidarity"}, {0.7, 0.3}},
	[S_BELIEVE] = {"believe", {"BelieveSurvivors", "believesurvivors"},
		       {0.75, 0.25}},
	[S_STORM] = {"storm", {"StormWatch", "stormwatch", "STORMWATCH"},
		     {0.7, 0.2, 0.1}},
	[S_BREAKING] = {"breaking", {"breaking", "Breaking", "BREAKING"},
			{0.6, 0.3, 0.1}},
	[S_ANO] = {"año",
		   {"año", "Año", "AÑO", "an\xcc\x83o"},
		   {0.55, 0.25, 0.12, 0.08}},
	[S_FELIZ] = {"felizaño", {"FelizAño", "felizaño"}, {0.6, 0.4}},
	[S_ECLIPSE] = {"eclipse", {"EclipseNow", "eclipsenow", "ECLIPSENOW"},
		       {0.75, 0.2, 0.05}},
	[S_NIGHTSKY] = {"nightsky", {"nightsky", "NightSky"}, {0.6, 0.4}},
	[S_LIBRARY] = {"library", {"SaveOurLibrary", "saveourlibrary"},
		       {0.8, 0.2}},
	[S_READLOCAL] = {"readlocal", {"readlocal", "ReadLocal"}, {0.7, 0.3}},
	[S_NEWS] = {"news", {"news", "News", "NEWS"}, {0.8, 0.15, 0.05}},
	[S_MUSIC] = {"music", {"music", "Music"}, {0.85, 0.15}},
	[S_NOWPLAYING] = {"nowplaying", {"NowPlaying", "nowplaying"},
			  {0.6, 0.4}},
	[S_SPAM1] = {"spam1", {"FreeFollowers"}, {1}},
	[S_SPAM2] = {"spam2", {"WinAPhone"}, {1}},
	[S_SPAM3] = {"spam3", {"CryptoGiveaway"}, {1}},
	[S_ANO_PT] = {"ano", {"ano", "Ano"}, {0.8, 0.2}},
	[S_CAFE_FR] = {"café", {"café", "Café"}, {0.8, 0.2}},
	[S_CAFE] = {"cafe", {"cafe", "Cafe"}, {0.8, 0.2}},
	[S_STRASSE] = {"strasse", {"Straße", "STRASSE", "straße"},
		       {0.6, 0.25, 0.15}},
	[S_JA1] = {"ja1", {"拡散希望"}, {1}},
	[S_JA2] = {"ja2", {"今日の一枚"}, {1}},
	[S_JA3] = {"ja3", {"おはよう"}, {1}},
	[S_AR1] = {"ar1", {"عاجل"}, {1}},
	[S_AR2] = {"ar2", {"صباح_الخير"}, {1}},
	[S_HI1] = {"hi1", {"भारत"}, {1}},
	[S_HI2] = {"hi2", {"क्रिकेट"}, {1}},
	[S_ES1] = {"es1", {"BuenosDías", "buenosdías", "BuenosDias"},
		   {0.6, 0.3, 0.1}},
	[S_PT1] = {"pt1", {"BomDia", "bomdia"}, {0.6, 0.4}},
	[S_DE1] = {"de1", {"Tatort", "tatort"}, {0.8, 0.2}},
	[S_FR1] = {"fr1", {"MardiConseil", "mardiconseil"}, {0.7, 0.3}},
};

/* Language-specific background tags. */
static const int lang_tags[NLANG][3] = {
	[L_EN] = {S_CAFE, -1, -1},     [L_ES] = {S_ES1, -1, -1},
	[L_FR] = {S_CAFE_FR, S_FR1, -1}, [L_DE] = {S_STRASSE, S_DE1, -1},
	[L_JA] = {S_JA1, S_JA2, S_JA3}, [L_AR] = {S_AR1, S_AR2, -1},
	[L_HI] = {S_HI1, S_HI2, -1},   [L_PT] = {S_ANO_PT, S_PT1, -1}};

/* ------------------------------------------------------------------ */
/* 4-7. core structures                                                */
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
/* 4. tag dictionary                                                   */
/* ------------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return mix64(h);
}

static const char *sp_text(const struct gen *g, uint32_t id)
{
	return g->arena.p + g->sp[id].off;
}

static const char *key_text(const struct gen *g, uint32_t k)
{
	return g->arena.p + g->keys[k].off;
}

/* Open-addressing lookup over ids stored +1; returns the slot. */
static uint32_t *dict_slot(struct gen *g, uint32_t *tab, uint32_t cap,
			   const char *s, size_t n, bool keys)
{
	uint32_t i = (uint32_t)hash_bytes(s, n) & (cap - 1);
	for (;;) {
		uint32_t v = tab[i];
		if (!v)
			return &tab[i];
		const char *t;
		size_t tn;
		if (keys) {
			t = key_text(g, v - 1);
			tn = g->keys[v - 1].len;
		} else {
			t = sp_text(g, v - 1);
			tn = g->sp[v - 1].len;
		}
		if (tn == n && memcmp(t, s, n) == 0)
			return &tab[i];
		i = (i + 1) & (cap - 1);
	}
}

/* Interns a spelling; returns its id or -1 (invalid tag / no memory). */
static int64_t intern(struct gen *g, const char *s, size_t n)
{
	uint32_t *slot = dict_slot(g, g->sph, g->sphcap, s, n, false);
	if (*slot)
		return *slot - 1;
	if (g->nsp + 1 >= g->sphcap / 2 || g->nsp >= g->spcap)
		return -1; /* tables are sized up front */
	char key[GS_TAG_MAX];
	ssize_t kn = gs_fold(s, n, key);
	if (kn <= 0)
		return -1;
	uint32_t *kslot = dict_slot(g, g->kh, g->khcap, key, (size_t)kn, true);
	uint32_t k;
	if (*kslot) {
		k = *kslot - 1;
	} else {
		if (g->nkeys >= g->keycap)
			return -1;
		k = g->nkeys++;
		g->keys[k].off = (uint32_t)g->arena.n;
		g->keys[k].len = (uint16_t)kn;
		g->keys[k].first_sp = UINT32_MAX;
		b_mem(&g->arena, key, (size_t)kn);
		b_ch(&g->arena, 0);
		*kslot = k + 1;
	}
	uint32_t id = g->nsp++;
	g->sp[id].off = (uint32_t)g->arena.n;
	g->sp[id].len = (uint16_t)n;
	g->sp[id].cps = (uint16_t)utf8_cps(s, n);
	g->sp[id].key = k;
	g->sp[id].next = g->keys[k].first_sp;
	g->keys[k].first_sp = id;
	b_mem(&g->arena, s, n);
	b_ch(&g->arena, 0);
	*slot = id + 1;
	return g->arena.oom ? -1 : (int64_t)id;
}

static int dict_init(struct gen *g)
{
	g->spcap = 2 * VOCAB + 256;
	g->keycap = g->spcap;
	g->sphcap = 1u << 18;
	g->khcap = 1u << 18;
	g->sp = calloc(g->spcap, sizeof *g->sp);
	g->keys = calloc(g->keycap, sizeof *g->keys);
	g->sph = calloc(g->sphcap, sizeof *g->sph);
	g->kh = calloc(g->khcap, sizeof *g->kh);
	if (!g->sp || !g->keys || !g->sph || !g->kh)
		return GS_ENOMEM;
	for (int i = 0; i < NSPECIAL; i++) {
		struct ltag *l = &g->lt[i];
		for (int j = 0; j < 6 && specials[i].sp[j]; j++) {
			int64_t id = intern(g, specials[i].sp[j],
					    strlen(specials[i].sp[j]));
			if (id < 0)
				return GS_ENOMEM;
			l->sp[l->n] = (uint32_t)id;
			l->w[l->n++] = specials[i].w[j];
		}
	}
	/* Background vocabulary: pronounceable words, bijective in rank. */
	for (uint32_t r = 0; r < VOCAB; r++) {
		uint32_t x = (uint32_t)(((uint64_t)r * 7919 + 13) % 216000);
		char w[16];
		size_t n = 0;
		const char *s3[4] = {syl[x / 3600], syl[x / 60 % 60], syl[x % 60],
				     syl[(x / 7) % 60]};
		int ns = x % 5 == 0 ? 4 : 3;
		for (int k = 0; k < ns; k++) {
			memcpy(w + n, s3[k], 2);
			n += 2;
		}
		int64_t lo = intern(g, w, n);
		w[0] = (char)(w[0] - 32);
		int64_t up = intern(g, w, n);
		if (lo < 0 || up < 0)
			return GS_ENOMEM;
		g->vocab[r][0] = (uint32_t)lo;
		g->vocab[r][1] = (uint32_t)up;
	}
	/* Zipf-Mandelbrot: weight of rank r ~ 1/(r + 30)^1.05 */
	g->vocabA = pow(VOCAB + 31.0, -0.05) - pow(31.0, -0.05);
	return 0;
}

static uint32_t pick_spelling(struct gen *g, int special)
{
	const struct ltag *l = &g->lt[special];
	return l->sp[l->n == 1 ? 0 : rng_pick(&g->lr, l->w, l->n)];
}

static uint32_t pick_vocab(struct gen *g)
{
	double u = rng_unit(&g->lr);
	double x = pow(pow(31.0, -0.05) + u * g->vocabA, -20.0);
	uint32_t i = x < 31 ? 0 : (uint32_t)(x - 31.0);
	if (i >= VOCAB)
		i = VOCAB - 1;
	return g->vocab[i][rng_chance(&g->lr, 0.12)];
}

/* ------------------------------------------------------------------ */
/* 5. accounts                                                         */
/* ------------------------------------------------------------------ */

static size_t pword(uint64_t h, int nsyl, bool cap, char *out)
{
	size_t n = 0;
	for (int i = 0; i < nsyl; i++) {
		memcpy(out + n, syl[h % 60], 2);
		h /= 60;
		n += 2;
	}
	if (cap)
		out[0] = (char)(out[0] - 32);
	return n;
}

static double hnormal(uint64_t h)
{
	double u1 = ((double)(h >> 40) + 0.5) / 16777216.0;
	double u2 = (double)(h & 0xffffff) / 16777216.0;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void acct_get(const struct gen *g, uint32_t idx, struct acct *a)
{
	uint64_t h = hh(g->key, 101, idx), h2 = hh(g->key, 102, idx);
	uint64_t h3 = hh(g->key, 103, idx);
	a->idx = idx;
	a->h = h;
	bool old = (h & 0xff) < 90;
	uint32_t k1 = (uint32_t)g->key, k2 = (uint32_t)(g->key >> 32);
	a->tw_id = old ? 10000000ULL + perm32(idx, k1)
		       : 700000000000000000ULL +
				 ((uint64_t)perm32(idx, k2) << 20) +
				 ((h >> 8) & 0xfffff);
	a->ma_id = (h >> 28 & 3) == 0
			   ? 100000ULL + perm32(idx, k1 ^ 0x5bd1e995U)
			   : 108000000000000000ULL +
				     ((uint64_t)perm32(idx, k2 ^ 0x1b873593U)
				      << 20) +
				     ((h >> 30) & 0xfffff);
	/* Screen names are unique: the numeric or base36 suffix is a
	 * bijection of the index. */
	uint32_t sfx = (uint32_t)(((uint64_t)idx * 48271 + 12345) % 100000000);
	unsigned pat = (unsigned)((h >> 16) % 100);
	char *s = a->sn;
	size_t n = 0;
	if (pat < 45) {
		memcpy(s, "user", 4);
		n = 4;
	} else if (pat < 80) {
		n = pword(h2, 2 + (int)(h2 >> 60 & 1), (h2 >> 62) & 1, s);
	}
	if (pat < 80) {
		for (int i = 7; i >= 0; i--) {
			s[n + (size_t)i] = (char)('0' + sfx % 10);
			sfx /= 10;
		}
		n += 8;
	} else {
		static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
		uint64_t v = ((uint64_t)idx * 48271 + 777) % 2176782336ULL;
		memcpy(s, "acct_", 5);
		n = 5;
		for (int i = 5; i >= 0; i--) {
			s[n + (size_t)i] = b36[v % 36];
			v /= 36;
		}
		n += 6;
	}
	s[n] = 0;
	a->snlen = n;

	/* language */
	double u = hunit(h3), acc = 0;
	a->lang = L_EN;
	for (int i = 0; i < NLANG; i++) {
		acc += lang_share[i];
		if (u < acc) {
			a->lang = (uint8_t)i;
			break;
		}
	}
	/* display name */
	char *nm = a->name;
	size_t m = 0;
	unsigned np = (unsigned)((h2 >> 8) % 100);
	if (a->lang == L_JA && np < 70) {
		uint64_t x = h2 >> 20;
		int k = 2 + (int)(x % 3);
		for (int i = 0; i < k; i++) {
			x /= 18;
			const char *c = kana[x % 18];
			memcpy(nm + m, c, 3);
			m += 3;
		}
	} else if (np < 60) {
		m = pword(h3 >> 8, 2, true, nm);
		nm[m++] = ' ';
		m += pword(h3 >> 30, 2 + (int)(h3 >> 63), true, nm + m);
	} else if (np < 80) {
		m = pword(h3 >> 8, 3, true, nm);
	} else if (np < 90) {
		m = pword(h3 >> 8, 2, true, nm);
		nm[m++] = ' ';
		const char *e = emoji[(h3 >> 40) % NEMOJI];
		memcpy(nm + m, e, strlen(e));
		m += strlen(e);
	} else {
		memcpy(nm, s, n);
		m = n;
	}
	nm[m] = 0;
	a->namelen = m;

	/* did:plc: 24 base32 chars; the first 13 are a bijection */
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	memcpy(a->did, "did:plc:", 8);
	uint64_t v = mix64((uint64_t)idx ^ g->key);
	for (int i = 12; i >= 0; i--) {
		a->did[8 + i] = b32[v & 31];
		v >>= 5;
	}
	v = h3;
	for (int i = 0; i < 11; i++) {
		a->did[21 + i] = b32[v & 31];
		v >>= 5;
	}
	a->did[32] = 0;

	a->remote = (h >> 40) % 10 < 4;
	a->verified = (h >> 44) % 1000 < 8;
	a->has_url = (h >> 54) % 10 < 2;
	a->has_loc = (h >> 56) % 10 < 6;
	a->loc = (uint8_t)((h2 >> 32) % NLOC);
	a->color = (uint8_t)((h2 >> 40) % NCOLOR);
	double f = exp(4.5 + 2.0 * hnormal(h2));
	a->followers = a->verified ? (uint64_t)(f * 50) : (uint64_t)f;
	a->friends = (uint64_t)exp(5.5 + 1.0 * hnormal(h3 ^ 0x1234567));
	a->statuses = 1 + (uint64_t)exp(7.5 + 1.5 * hnormal(h ^ 0xabcdef));
	a->favourites = (uint64_t)exp(6.5 + 1.8 * hnormal(h3 ^ 0x777));
	a->listed = a->followers / 60;
	/* created between 2007-03-21 and 30 days before the start */
	int64_t lo = 1174435200, hi = g->start - 30 * 86400;
	if (hi <= lo)
		hi = lo + 86400;
	a->created = lo + (int64_t)(hunit(h ^ h2) * (double)(hi - lo));
}

/* The account's profile text, derived from its hash. */
static void b_desc(struct buf *b, const struct acct *a, bool ascii)
{
	uint64_t x = hh(a->h, 7, a->idx);
	if (x % 100 < 15)
		return;
	const struct lexicon *lx = &lexicon[a->lang];
	int n = 3 + (int)(x % 9);
	char tmp[512];
	size_t m = 0;
	for (int i = 0; i < n; i++) {
		x = mix64(x + (uint64_t)i);
		const char *w = lx->w[x % lx->n];
		size_t l = strlen(w);
		if (m + l + 8 >= sizeof tmp)
			break;
		if (i && lx->spaced)
			tmp[m++] = ' ';
		memcpy(tmp + m, w, l);
		m += l;
	}
	if (x % 4 == 0) {
		const char *e = emoji[(x >> 8) % NEMOJI];
		tmp[m++] = ' ';
		memcpy(tmp + m, e, strlen(e));
		m += strlen(e);
	}
	if (x % 7 == 0) {
		memcpy(tmp + m, " | she/her", 10);
		m += 10;
	}
	b_esc(b, tmp, m, ascii);
}

static void b_handle(struct buf *b, const struct acct *a)
{
	for (size_t i = 0; i < a->snlen; i++) {
		char c = a->sn[i];
		b_ch(b, c >= 'A' && c <= 'Z' ? (char)(c + 32)
				       : c == '_' ? '-' : c);
	}
	b_lit(b, ".example.social");
}

static const char *acct_domain(const struct acct *a)
{
	return a->remote ? "example.org" : "example.social";
}

/* ------------------------------------------------------------------ */
/* 6. schedule                                                         */
/* ------------------------------------------------------------------ */

/* Activity multiplier over the day: 0.4 at 04:00 UTC, 1.6 at 16:00 UTC. */
static double daily(double t)
{
	double h = fmod(t, 86400.0) / 3600.0;
	if (h < 0)
		h += 24;
	return 1.0 + 0.6 * cos(6.283185307179586 * (h - 16.0) / 24.0);
}

enum { SH_METOO, SH_BURST, SH_SLOW, SH_FLASH, SH_SMALL };

/* Shape of movement m at absolute time t, peak 1. */
static double mv_shape(const struct movement *m, int kind, double t)
{
	double x = t - m->onset;
	if (x < 0 || t >= m->end)
		return 0;
	if (x < m->rise) {
		double r = x / m->rise;
		return kind == SH_METOO ? r * r : r;
	}
	x -= m->rise;
	if (x < m->plateau)
		return 1;
	x -= m->plateau;
	if (kind == SH_FLASH)
		return x < m->fall ? 1.0 - x / m->fall : 0;
	return exp(-x / m->tau);
}

static double mv_rate(const struct gen *g, int i, double t)
{
	const struct movement *m = &g->mv[i];
	/* movements follow the daily cycle, damped */
	return m->peak_rate * mv_shape(m, i, t) * sqrt(daily(t));
}

static double spam_rate(const struct gen *g, int j, double t)
{
	const struct spamflood *s = &g->sf[j];
	return t >= s->start && t < s->end ? s->rate : 0;
}

/* An offset into the window, on a whole minute when the window is long. */
static double at_min(double x, double W)
{
	return W >= 3600 ? floor(x / 60) * 60 : floor(x);
}

static void schedule_init(struct gen *g)
{
	double W = g->W, f = W / (72 * 3600.0);
	if (f > 1)
		f = 1;
	double R = g->o.rate, S = (double)g->start;
	double expected = R * W;
	static const char *const shapes[NMOV] = {"metoo", "burst", "slow",
						 "flash", "small"};
	for (int i = 0; i < NMOV; i++) {
		struct movement *m = &g->mv[i];
		memset(m, 0, sizeof *m);
		m->shape = shapes[i];
		m->pool = POOL_MOV + (uint32_t)i * POOL_SIZE;
		m->fresh = 0.8;
		m->p_new = 0.8;
		m->p_repost = 0.3;
		m->p_reply = 0.08;
		m->p_bgtag = 0.12;
	}
	struct movement *m = &g->mv[SH_METOO];
	m->tag = S_METOO;
	m->co[0] = S_SOLIDARITY;
	m->cop[0] = 0.12;
	m->co[1] = S_BELIEVE;
	m->cop[1] = 0.08;
	m->nco = 2;
	/* The historical onset (2017-10-15 20:00 UTC) when it falls in the
	 * first part of the window; else, in windows of a day or more, the
	 * first 20:00 UTC (afternoon in the Americas) after a quarter of the
	 * window; else a third of the way in. */
	double hist = 1508097600.0;
	double at20 = ceil((S + W / 4 - 72000.0) / 86400.0) * 86400.0 + 72000.0;
	if (hist >= S + 0.1 * W && hist <= S + 0.6 * W)
		m->onset = hist;
	else if (W >= 86400 && at20 <= S + W / 2)
		m->onset = at20;
	else
		m->onset = S + (W >= 3600 ? floor(W / 3 / 60) * 60 : floor(W / 3));
	m->rise = 2.5 * 3600 * f;
	m->tau = 30 * 3600 * f;
	m->peak_rate = 0.15 * R;
	m->p_new = 0.85;
	{
		static const double w[NLANG] = {0.75, 0.08, 0.06, 0.04,
						0.02, 0.01, 0.01, 0.03};
		memcpy(m->langw, w, sizeof w);
	}

	m = &g->mv[SH_BURST];
	m->tag = S_STORM;
	m->co[0] = S_BREAKING;
	m->cop[0] = 0.3;
	m->nco = 1;
	m->onset = S + at_min(0.55 * W, W);
	m->rise = 0.25 * 3600 * f;
	m->tau = 1.5 * 3600 * f;
	m->peak_rate = 0.08 * R;
	m->p_repost = 0.45;
	{
		static const double w[NLANG] = {0.6, 0.2, 0, 0, 0, 0, 0, 0.2};
		memcpy(m->langw, w, sizeof w);
	}

	m = &g->mv[SH_SLOW];
	m->tag = S_ANO;
	m->co[0] = S_FELIZ;
	m->cop[0] = 0.25;
	m->nco = 1;
	m->onset = S + at_min(0.15 * W, W);
	m->rise = 24 * 3600 * f;
	m->plateau = 4 * 3600 * f;
	m->tau = 10 * 3600 * f;
	m->peak_rate = 0.04 * R;
	m->fresh = 0.7;
	{
		static const double w[NLANG] = {0.1, 0.9, 0, 0, 0, 0, 0, 0};
		memcpy(m->langw, w, sizeof w);
	}

	m = &g->mv[SH_FLASH];
	m->tag = S_ECLIPSE;
	m->co[0] = S_NIGHTSKY;
	m->cop[0] = 0.3;
	m->nco = 1;
	m->onset = S + at_min(0.75 * W, W);
	m->rise = 20 * 60 * f;
	m->plateau = 30 * 60 * f;
	m->fall = 40 * 60 * f;
	m->peak_rate = 0.15 * R;
	{
		static const double w[NLANG] = {0.5, 0.1, 0.1, 0.1,
						0.2, 0, 0, 0};
		memcpy(m->langw, w, sizeof w);
	}

	m = &g->mv[SH_SMALL];
	m->tag = S_LIBRARY;
	m->co[0] = S_READLOCAL;
	m->cop[0] = 0.2;
	m->nco = 1;
	m->onset = S + at_min(0.45 * W, W);
	m->rise = 3 * 3600 * f;
	m->tau = 6 * 3600 * f;
	m->fresh = 0.92;
	m->p_new = 0.85;
	m->p_repost = 0.2;
	m->langw[L_EN] = 1;

	for (int i = 0; i < NMOV; i++) {
		m = &g->mv[i];
		double e = i == SH_FLASH
				   ? m->onset + m->rise + m->plateau + m->fall
				   : m->onset + m->rise + m->plateau +
					     m->tau * log(50.0);
		m->end = e;
	}

	/* spam floods: 1, 2 and 3 accounts, hundreds of posts in an hour */
	static const int stag[NSPAM] = {S_SPAM1, S_SPAM2, S_SPAM3};
	static const double spos[NSPAM] = {0.3, 0.65, 0.85};
	static const double sposts[NSPAM] = {250, 400, 300};
	for (int j = 0; j < NSPAM; j++) {
		struct spamflood *s = &g->sf[j];
		memset(s, 0, sizeof *s);
		s->tag = stag[j];
		s->k = (uint32_t)j + 1;
		s->pool = POOL_SPAM + (uint32_t)j * 16;
		s->start = S + at_min(spos[j] * W, W);
		double dur = 3600 * f;
		if (dur < 60)
			dur = 60;
		s->end = s->start + dur;
		double n = sposts[j];
		if (n > 0.02 * expected)
			n = 0.02 * expected;
		s->rate = n / dur;
	}

	/* Normalise: the small movement has a fixed expected size, and the
	 * background fills the rest of the mean rate. */
	double area = 0, extra = 0;
	double step = W / 20000 < 60 ? (W / 20000 > 1 ? W / 20000 : 1) : 60;
	for (double t = S + step / 2; t < S + W; t += step) {
		g->mv[SH_SMALL].peak_rate = 1;
		area += mv_rate(g, SH_SMALL, t) * step;
	}
	double small_n = 450;
	if (small_n > 0.015 * expected)
		small_n = 0.015 * expected;
	g->mv[SH_SMALL].peak_rate = area > 0 ? small_n / area : 0;
	for (double t = S + step / 2; t < S + W; t += step) {
		for (int i = 0; i < NMOV; i++)
			extra += mv_rate(g, i, t) * step;
		for (int j = 0; j < NSPAM; j++)
			extra += spam_rate(g, j, t) * step;
	}
	g->bgscale = expected > 0 ? 1.0 - extra / expected : 1;
	if (g->bgscale < 0.5)
		g->bgscale = 0.5;

	double pop = 50000.0 + expected / 20.0;
	g->P = pop > POP_MAX ? POP_MAX : (uint32_t)pop;
	g->popA = pow(g->P + 1.0, 0.4) - 1.0;
}

static uint32_t pick_account(struct gen *g)
{
	double r = pow(1.0 + rng_unit(&g->lr) * g->popA, 2.5); /* s = 0.6 */
	uint32_t i = r < 1 ? 0 : (uint32_t)r - 1;
	return i >= g->P ? g->P - 1 : i;
}

static uint32_t mv_account(struct gen *g, struct movement *m)
{
	if (!rng_chance(&g->lr, m->fresh))
		return pick_account(g);
	if (m->joined == 0 || rng_chance(&g->lr, m->p_new)) {
		if (m->joined < POOL_SIZE)
			return m->pool + m->joined++;
		return m->pool + rng_below(&g->lr, POOL_SIZE);
	}
	uint32_t back = m->joined < 400 ? m->joined : 400;
	return m->pool + m->joined - 1 - rng_below(&g->lr, back);
}

/* ------------------------------------------------------------------ */
/* 7. logical posts                                                    */
/* ------------------------------------------------------------------ */

static struct gpost *ring_get(struct gen *g, uint64_t oseq)
{
	struct gpost *p = &g->ring[oseq % RING];
	return oseq != UINT64_MAX && p->oseq == oseq ? p : NULL;
}

static bool pickable(const struct gen *g, uint64_t oseq)
{
	return oseq < g->norig && g->norig - oseq <= PICKWIN;
}

/* A recent ring post, biased to the newest. */
static uint64_t pick_recent(struct gen *g)
{
	uint64_t win = g->norig < PICKWIN ? g->norig : PICKWIN;
	double u = rng_unit(&g->lr);
	uint64_t off = (uint64_t)(u * u * (double)win);
	if (off >= win)
		off = win - 1;
	return g->norig - 1 - off;
}

/* Can this ring post be reposted? A quote needs its quoted post, which
 * twitter1 embeds, still in the ring. */
static bool repostable(struct gen *g, uint64_t oseq)
{
	const struct gpost *o = ring_get(g, oseq);
	if (!o)
		return false;
	return o->kind != K_QUOTE || ring_get(g, o->q_oseq) != NULL;
}

static void tok_add(struct gpost *p, uint8_t type, uint8_t flag, uint16_t a,
		    uint32_t b)
{
	if (p->ntok >= MAXTOK)
		return;
	struct tok *t = &p->tok[p->ntok++];
	t->type = type;
	t->flag = flag;
	t->a = a;
	t->b = b;
}

/* Remembers a tag's key for counting; false when the key is already
 * there (then the caller only repeats an identical spelling). */
static bool tag_key_add(struct gen *g, struct gpost *p, uint32_t sp)
{
	uint32_t k = g->sp[sp].key;
	for (unsigned i = 0; i < p->ntk; i++)
		if (p->tkey[i] == k)
			return false;
	if (p->ntk >= MAXPT)
		return false;
	p->tkey[p->ntk] = k;
	p->tsp[p->ntk++] = sp;
	return true;
}

/* Things placed in a text besides words. */
struct item {
	uint8_t type, flag;
	uint16_t a;
	uint32_t ref;
	int where; /* 0 lead, 1 inline, 2 trailing */
	unsigned pos;
	bool done;
};

static unsigned word_cps(const char *w)
{
	return (unsigned)utf8_cps(w, strlen(w));
}

/* Builds the token list of p from its items, then its distinct tags. */
static void build_text(struct gen *g, struct gpost *p, struct item *it,
		       unsigned nit, int nwords_hint)
{
	const struct lexicon *lx = &lexicon[p->lang];
	struct rng *r = &g->lr;
	unsigned budget = 260;
	for (unsigned i = 0; i < nit; i++) {
		unsigned c = 2;
		if (it[i].type == T_TAG)
			c += g->sp[it[i].ref].cps;
		else if (it[i].type == T_MENTION)
			c += 16;
		else if (it[i].type == T_URL)
			c += 24;
		else
			c += 2;
		budget = budget > c + 20 ? budget - c : 20;
	}
	unsigned nwords = (unsigned)nwords_hint;
	if (nwords < 2)
		nwords = 2;
	for (unsigned i = 0; i < nit; i++) {
		it[i].pos = it[i].where == 1 ? 1 + rng_below(r, nwords - 1) : 0;
		it[i].done = false;
	}
	unsigned reserve = 2 * nit + 8;

	p->ntok = 0;
#define PLACE(i)                                                               \
	do {                                                                   \
		if (p->ntok && p->tok[p->ntok - 1].type != T_SP)            \
			tok_add(p, T_SP, 0, 0, 0);                             \
		tok_add(p, it[i].type, 0, it[i].a, it[i].ref);                 \
		it[i].done = true;                                             \
	} while (0)
	/* reply prefix, then leading items */
	for (unsigned i = 0; i < nit; i++)
		if (it[i].flag & F_RP) {
			tok_add(p, T_MENTION, F_RP, 0, it[i].ref);
			tok_add(p, T_SP, F_RP, 0, 0);
			it[i].done = true;
		}
	bool body = false; /* a body token exists after the prefix */
	for (unsigned i = 0; i < nit; i++)
		if (it[i].where == 0 && !(it[i].flag & F_EXTRA)) {
			if (body)
				tok_add(p, T_SP, 0, 0, 0);
			tok_add(p, it[i].type, 0, it[i].a, it[i].ref);
			it[i].done = true;
			body = true;
		}
	bool prev_word = false, quoted_open = false;
	unsigned used = 0;
	for (unsigned w = 0; w < nwords && used < budget; w++) {
		if (p->ntok + 6 + reserve >= MAXTOK)
			break;
		for (unsigned i = 0; i < nit; i++)
			if (!it[i].done && it[i].where == 1 &&
			    it[i].pos == w && !quoted_open && body) {
				tok_add(p, T_SP, 0, 0, 0);
				tok_add(p, it[i].type, 0, it[i].a, it[i].ref);
				it[i].done = true;
				prev_word = false;
			}
		uint32_t wi = rng_below(r, lx->n);
		unsigned c = word_cps(lx->w[wi]);
		if (body && (lx->spaced || !prev_word)) {
			if (w > 2 && rng_chance(r, 0.02))
				tok_add(p, T_NL, 0, 0, 0);
			else
				tok_add(p, T_SP, 0, 0, 0);
			c++;
		}
		if (!quoted_open && rng_chance(r, 0.015)) {
			tok_add(p, T_QUOTE, 0, 0, 0);
			quoted_open = true;
		}
		tok_add(p, T_WORD, 0, p->lang, wi);
		if (quoted_open && rng_chance(r, 0.5)) {
			tok_add(p, T_QUOTE, 0, 0, 0);
			quoted_open = false;
		}
		if (rng_chance(r, 0.08)) {
			tok_add(p, T_PUNCT, 0, 0, rng_below(r, NPUNCT));
			c += 1;
		}
		body = true;
		prev_word = true;
		used += c;
		if (rng_chance(r, 0.004)) {
			tok_add(p, T_SP, 0, 0, 0);
			tok_add(p, T_EMOTE, 0, 0, 0);
			prev_word = false;
		}
	}
	if (quoted_open)
		tok_add(p, T_QUOTE, 0, 0, 0);
	for (unsigned i = 0; i < nit; i++)
		if (!it[i].done && !(it[i].flag & F_EXTRA)) {
			bool glue = it[i].type == T_EMOJI && p->ntok &&
				    p->tok[p->ntok - 1].type == T_WORD &&
				    rng_chance(r, 0.5);
			if (glue) {
				tok_add(p, it[i].type, 0, it[i].a, it[i].ref);
				it[i].done = true;
			} else {
				PLACE(i);
			}
		}
	for (unsigned i = 0; i < nit; i++)
		if (it[i].flag & F_EXTRA) {
			tok_add(p, T_SP, F_EXTRA, 0, 0);
			tok_add(p, T_TAG, F_EXTRA, 0, it[i].ref);
		}
#undef PLACE
	/* what is counted is what was written */
	p->ntk = 0;
	for (unsigned i = 0; i < p->ntok; i++)
		if (p->tok[i].type == T_TAG)
			tag_key_add(g, p, p->tok[i].b);
}

/* Adds a tag item unless its key is taken; dup repeats the same
 * spelling. */
static void item_tag(struct gen *g, struct gpost *p, struct item *it,
		     unsigned *nit, uint32_t sp, int where, uint8_t flag)
{
	if (*nit >= 24 || !tag_key_add(g, p, sp))
		return;
	it[*nit] = (struct item){T_TAG, flag, 0, sp, where, 0, false};
	(*nit)++;
}

static int tag_where(struct rng *r, double lead, double inl)
{
	double u = rng_unit(r);
	return u < lead ? 0 : u < lead + inl ? 1 : 2;
}

static void fill_content(struct gen *g, struct gpost *p, int comp)
{
	struct rng *r = &g->lr;
	struct item it[32];
	unsigned nit = 0;
	p->ntk = 0;
	if (p->kind == K_REPLY)
		it[nit++] = (struct item){T_MENTION, F_RP, 0, p->par_author, 2, 0, false};

	if (comp == 0) {
		if (rng_chance(r, 0.025))
			item_tag(g, p, it, &nit, pick_spelling(g, S_NEWS),
				 tag_where(r, 0.1, 0.3), 0);
		if (rng_chance(r, 0.015))
			item_tag(g, p, it, &nit, pick_spelling(g, S_NOWPLAYING),
				 tag_where(r, 0.3, 0.0), 0);
		if (rng_chance(r, 0.012))
			item_tag(g, p, it, &nit, pick_spelling(g, S_MUSIC),
				 tag_where(r, 0.0, 0.3), 0);
		static const double nt[5] = {0.55, 0.25, 0.11, 0.06, 0.03};
		unsigned n = rng_pick(r, nt, 5);
		for (unsigned i = 0; i < n; i++) {
			const int *lt = lang_tags[p->lang];
			uint32_t sp;
			if (lt[0] >= 0 &&
			    rng_chance(r, p->lang == L_EN ? 0.015 : 0.08)) {
				unsigned k = 1 + (lt[1] >= 0) + (lt[2] >= 0);
				sp = pick_spelling(g, lt[rng_below(r, k)]);
			} else {
				sp = pick_vocab(g);
			}
			item_tag(g, p, it, &nit, sp, tag_where(r, 0.05, 0.3), 0);
		}
	} else if (comp <= NMOV) {
		struct movement *m = &g->mv[comp - 1];
		item_tag(g, p, it, &nit, pick_spelling(g, m->tag),
			 tag_where(r, 0.15, 0.35), 0);
		for (int i = 0; i < m->nco; i++)
			if (rng_chance(r, m->cop[i]))
				item_tag(g, p, it, &nit,
					 pick_spelling(g, m->co[i]),
					 tag_where(r, 0.0, 0.3), 0);
		if (rng_chance(r, m->p_bgtag))
			item_tag(g, p, it, &nit, pick_vocab(g),
				 tag_where(r, 0.0, 0.3), 0);
	} else {
		struct spamflood *s = &g->sf[comp - 1 - NMOV];
		item_tag(g, p, it, &nit, g->lt[s->tag].sp[0], 0, 0);
		it[nit++] = (struct item){T_EMOJI, 0, 0, 11, 2, 0, false};
		it[nit++] = (struct item){T_URL, 0, 0, (uint32_t)p->seq, 2, 0, false};
		build_text(g, p, it, nit, 3 + (int)rng_below(r, 3));
		return;
	}
	/* the same spelling twice in one text: counted once */
	if (p->ntk && rng_chance(r, 0.02) && nit < 24) {
		it[nit] = (struct item){T_TAG, 0, 0, p->tsp[0], 2, 0, false};
		nit++;
	}
	/* extra tags (Jetstream record "tags"; inline elsewhere) */
	if (rng_chance(r, 0.05))
		item_tag(g, p, it, &nit, pick_vocab(g), 2, F_EXTRA);
	static const double nm[4] = {0.72, 0.18, 0.07, 0.03};
	unsigned nmen = rng_pick(r, nm, 4);
	for (unsigned i = 0; i < nmen && nit < 28; i++)
		it[nit++] = (struct item){T_MENTION, 0, 0, pick_account(g),
					  tag_where(r, 0.1, 0.4), 0, false};
	unsigned ne = rng_chance(r, 0.2) + rng_chance(r, 0.05);
	for (unsigned i = 0; i < ne && nit < 28; i++)
		it[nit++] = (struct item){T_EMOJI, 0, 0, rng_below(r, NEMOJI),
					  tag_where(r, 0.02, 0.3), 0, false};
	if (p->kind == K_QUOTE)
		it[nit++] = (struct item){T_URL, 0, 1, (uint32_t)p->seq, 2, 0, false};
	else if (rng_chance(r, 0.12))
		it[nit++] = (struct item){T_URL, 0, 0, (uint32_t)p->seq, 2, 0, false};
	int nw = lexicon[p->lang].spaced ? 4 + (int)rng_below(r, 26)
					 : 3 + (int)rng_below(r, 14);
	build_text(g, p, it, nit, nw);
}

/* Creates the logical post of component comp at time t_us. Returns the
 * post (in the ring, or the scratch slot for reposts and spam). */
static struct gpost *make_post(struct gen *g, int comp, int64_t t_us)
{
	struct rng *r = &g->lr;
	int kind = K_ORIG;
	uint32_t author;
	uint64_t target = UINT64_MAX;
	struct movement *m = comp >= 1 && comp <= NMOV ? &g->mv[comp - 1] : NULL;

	if (comp == 0) {
		author = pick_account(g);
		double u = rng_unit(r);
		if (g->norig > 0) {
			if (u < 0.25) {
				for (int tries = 0; tries < 4; tries++) {
					uint64_t c = pick_recent(g);
					if (repostable(g, c)) {
						target = c;
						kind = K_REPOST;
						break;
					}
				}
			} else if (u < 0.40) {
				kind = K_REPLY;
				target = pick_recent(g);
			} else if (u < 0.43) {
				kind = K_QUOTE;
				target = pick_recent(g);
			}
		}
	} else if (m) {
		author = mv_account(g, m);
		double u = rng_unit(r);
		if (m->nrecent > 0 && u < m->p_repost + m->p_reply) {
			uint32_t n = m->nrecent < 64 ? m->nrecent : 64;
			uint64_t c = m->recent[(m->nrecent - 1 -
						rng_below(r, n)) % 64];
			if (pickable(g, c) && ring_get(g, c)) {
				target = c;
				kind = u < m->p_repost ? K_REPOST : K_REPLY;
			}
		}
	} else {
		struct spamflood *s = &g->sf[comp - 1 - NMOV];
		uint32_t j = rng_below(r, s->k);
		author = s->pool + j;
	}

	bool in_ring = kind != K_REPOST && comp <= NMOV;
	struct gpost *p = in_ring ? &g->ring[g->norig % RING] : &g->scratch;
	p->t_us = t_us;
	p->seq = g->nposts;
	p->oseq = in_ring ? g->norig : UINT64_MAX;
	p->author = author;
	p->kind = (uint8_t)kind;
	p->comp = (uint8_t)comp;
	p->ntok = 0;
	p->ntk = 0;
	p->q_oseq = p->rp_oseq = p->par_oseq = UINT64_MAX;
	if (kind == K_REPOST) {
		p->rp_oseq = target;
		p->lang = ring_get(g, target)->lang;
		return p;
	}
	if (m) {
		p->lang = (uint8_t)rng_pick(r, m->langw, NLANG);
	} else if (comp == 0) {
		struct acct a;
		acct_get(g, author, &a);
		p->lang = rng_chance(r, 0.9) ? a.lang : L_EN;
	} else {
		p->lang = L_EN;
	}
	if (kind == K_REPLY) {
		const struct gpost *par = ring_get(g, target);
		p->par_oseq = target;
		p->par_author = par->author;
		p->par_t_us = par->t_us;
		p->par_seq = par->seq;
		if (par->kind == K_REPLY) {
			p->root_author = par->root_author;
			p->root_t_us = par->root_t_us;
			p->root_seq = par->root_seq;
		} else {
			p->root_author = par->author;
			p->root_t_us = par->t_us;
			p->root_seq = par->seq;
		}
	} else if (kind == K_QUOTE) {
		p->q_oseq = target;
	}
	fill_content(g, p, comp);
	if (in_ring) {
		g->norig++;
		if (m)
			m->recent[m->nrecent++ % 64] = p->oseq;
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* 8. text rendering                                                   */
/* ------------------------------------------------------------------ */

enum { RM_TW, RM_BS };          /* twitter, bluesky */
enum { U_LINK, U_QUOTE, U_SELF }; /* kinds of URL spans */

static void url_code(const struct gen *g, uint64_t ref, unsigned kind,
		     char out[10])
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz";
	uint64_t h = hh(g->key, 300 + kind, ref);
	for (int i = 0; i < 10; i++) {
		out[i] = b62[h % 62];
		h /= 62;
	}
}

static void rt_put(struct rtext *rt, const char *s, size_t n)
{
	if (rt->n + n > TEXTMAX)
		return;
	memcpy(rt->t + rt->n, s, n);
	rt->n += n;
	rt->cp += (uint32_t)utf8_cps(s, n);
}

static void rt_span(struct rtext *rt, uint8_t type, uint8_t flag, uint32_t ref,
		    uint32_t c0, uint32_t b0)
{
	if (rt->ns >= MAXTOK)
		return;
	struct span *s = &rt->sp[rt->ns++];
	s->type = type;
	s->flag = flag;
	s->ref = ref;
	s->cp0 = c0;
	s->cp1 = rt->cp;
	s->b0 = b0;
	s->b1 = (uint32_t)rt->n;
}

static void render_text(const struct gen *g, const struct gpost *p, int mode,
			struct rtext *rt)
{
	rt->n = 0;
	rt->cp = 0;
	rt->ns = 0;
	rt->nb = 0;
	rt->disp0 = 0;
	for (unsigned i = 0; i < p->ntok; i++) {
		const struct tok *t = &p->tok[i];
		if (mode == RM_BS && (t->flag & (F_RP | F_EXTRA)))
			continue;
		rt->bb[rt->nb] = (uint32_t)rt->n;
		rt->bcp[rt->nb++] = rt->cp;
		uint32_t b0 = (uint32_t)rt->n, c0 = rt->cp;
		const char *s;
		switch (t->type) {
		case T_WORD:
			s = lexicon[t->a].w[t->b];
			rt_put(rt, s, strlen(s));
			break;
		case T_EMOJI:
			rt_put(rt, emoji[t->b], strlen(emoji[t->b]));
			break;
		case T_PUNCT:
			rt_put(rt, punct[t->b], strlen(punct[t->b]));
			break;
		case T_SP:
			rt_put(rt, " ", 1);
			break;
		case T_NL:
			rt_put(rt, "\n", 1);
			break;
		case T_QUOTE:
			rt_put(rt, "\"", 1);
			break;
		case T_EMOTE:
			rt_put(rt, "\\o/", 3);
			break;
		case T_TAG:
			rt_put(rt, "#", 1);
			rt_put(rt, sp_text(g, t->b), g->sp[t->b].len);
			rt_span(rt, T_TAG, 0, t->b, c0, b0);
			break;
		case T_MENTION: {
			struct acct a;
			acct_get(g, t->b, &a);
			if (mode == RM_TW) {
				rt_put(rt, "@", 1);
				rt_put(rt, a.sn, a.snlen);
			} else {
				char h[64];
				struct buf hb = {h, 0, sizeof h, false};
				b_ch(&hb, '@');
				b_handle(&hb, &a);
				rt_put(rt, h, hb.n);
			}
			rt_span(rt, T_MENTION, 0, t->b, c0, b0);
			break;
		}
		case T_URL: {
			char code[10];
			url_code(g, t->b, t->a, code);
			if (mode == RM_TW)
				rt_put(rt, "https://t.co/", 13);
			else
				rt_put(rt, "https://example.com/", 20);
			rt_put(rt, code, 10);
			rt_span(rt, T_URL, (uint8_t)t->a, t->b, c0, b0);
			break;
		}
		}
		if (t->flag & F_RP)
			rt->disp0 = rt->cp;
	}
	rt->bb[rt->nb] = (uint32_t)rt->n;
	rt->bcp[rt->nb] = rt->cp;
}

/* Byte offset of code point c in s[0..n). */
static size_t cp_off(const char *s, size_t n, uint32_t c)
{
	size_t i = 0;
	while (i < n && c) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		c--;
	}
	return i;
}

static void rt_copy_spans(struct rtext *d, const struct rtext *s,
			  uint32_t maxcp, uint32_t dcp, uint32_t db)
{
	for (unsigned i = 0; i < s->ns && d->ns < MAXTOK; i++) {
		if (s->sp[i].cp1 > maxcp)
			continue;
		struct span x = s->sp[i];
		x.cp0 += dcp;
		x.cp1 += dcp;
		x.b0 += db;
		x.b1 += db;
		d->sp[d->ns++] = x;
	}
}

/* "RT @name: " + the original's text, cut at 140 code points with "…". */
static void rt_retweet(struct rtext *d, const struct rtext *s,
		       const struct acct *oa)
{
	d->n = 0;
	d->cp = 0;
	d->ns = 0;
	d->nb = 0;
	d->disp0 = 0;
	rt_put(d, "RT ", 3);
	uint32_t b0 = (uint32_t)d->n, c0 = d->cp;
	rt_put(d, "@", 1);
	rt_put(d, oa->sn, oa->snlen);
	rt_span(d, T_MENTION, 0, oa->idx, c0, b0);
	rt_put(d, ": ", 2);
	uint32_t pc = d->cp, pb = (uint32_t)d->n;
	if (pc + s->cp <= 140) {
		rt_put(d, s->t, s->n);
		rt_copy_spans(d, s, s->cp, pc, pb);
	} else {
		uint32_t lim = 139 - pc;
		size_t off = cp_off(s->t, s->n, lim);
		rt_put(d, s->t, off);
		rt_put(d, "\xe2\x80\xa6", 3);
		rt_copy_spans(d, s, lim, pc, pb);
	}
}

/* The streaming API's cut of a long tweet: the start of the text, "…"
 * and a link to the whole tweet. */
static void rt_stream_cut(const struct gen *g, struct rtext *d,
			  const struct rtext *s, uint32_t self)
{
	unsigned k = 0;
	for (unsigned i = 1; i <= s->nb; i++)
		if (s->bcp[i] <= 116)
			k = i;
	size_t cut = k ? s->bb[k] : cp_off(s->t, s->n, 116);
	while (cut > 0 && (s->t[cut - 1] == ' ' || s->t[cut - 1] == '\n'))
		cut--;
	d->n = 0;
	d->cp = 0;
	d->ns = 0;
	d->nb = 0;
	d->disp0 = 0;
	rt_put(d, s->t, cut);
	uint32_t cutcp = d->cp;
	rt_copy_spans(d, s, cutcp, 0, 0);
	rt_put(d, "\xe2\x80\xa6 ", 4);
	uint32_t b0 = (uint32_t)d->n, c0 = d->cp;
	char code[10];
	url_code(g, self, U_SELF, code);
	rt_put(d, "https://t.co/", 13);
	rt_put(d, code, 10);
	rt_span(d, T_URL, U_SELF, self, c0, b0);
}

/* ------------------------------------------------------------------ */
/* 9. formats                                                          */
/* ------------------------------------------------------------------ */

static uint64_t tw_id(int64_t t_us, uint64_t seq)
{
	int64_t ms = t_us / 1000 - 1288834974657LL;
	if (ms <= 0)
		return seq + 1;
	return ((uint64_t)ms << 22) | (seq & 0x3fffff);
}

static uint64_t ma_sid(int64_t t_us, uint64_t seq)
{
	return ((uint64_t)(t_us < 0 ? 0 : t_us / 1000) << 16) | (seq & 0xffff);
}

/* A skewed count in [0, max] from hash bits. */
static uint64_t hcount(uint64_t h, unsigned shift, uint64_t max)
{
	uint64_t x = (h >> shift) % 1000;
	return x * x * x * max / 1000000000ULL;
}

static void b_bool(struct buf *b, bool v)
{
	if (v)
		b_lit(b, "true");
	else
		b_lit(b, "false");
}

static void b_qu64(struct buf *b, uint64_t v)
{
	b_ch(b, '"');
	b_u64(b, v);
	b_ch(b, '"');
}

static void b_ellipsis(struct buf *b, bool ascii)
{
	if (ascii)
		b_lit(b, "\\u2026");
	else
		b_lit(b, "\xe2\x80\xa6");
}

static void b_indices(struct buf *b, uint32_t a, uint32_t c)
{
	b_lit(b, ",\"indices\":[");
	b_u64(b, a);
	b_ch(b, ',');
	b_u64(b, c);
	b_lit(b, "]}");
}

/* ---- Twitter v1.1 ---- */

static void tw1_user(const struct gen *g, struct buf *b, uint32_t idx)
{
	bool asc = g->ascii;
	struct acct a;
	acct_get(g, idx, &a);
	b_lit(b, "{\"id\":");
	b_u64(b, a.tw_id);
	b_lit(b, ",\"id_str\":");
	b_qu64(b, a.tw_id);
	b_lit(b, ",\"name\":");
	b_jstr(b, a.name, a.namelen, asc);
	b_lit(b, ",\"screen_name\":\"");
	b_mem(b, a.sn, a.snlen);
	b_lit(b, "\",\"location\":");
	if (a.has_loc)
		b_jstr(b, locations[a.loc], strlen(locations[a.loc]), asc);
	else
		b_lit(b, "null");
	b_lit(b, ",\"url\":");
	if (a.has_url) {
		b_lit(b, "\"https://example.com/~");
		b_mem(b, a.sn, a.snlen);
		b_ch(b, '"');
	} else {
		b_lit(b, "null");
	}
	b_lit(b, ",\"description\":\"");
	b_desc(b, &a, asc);
	b_lit(b, "\",\"translator_type\":\"none\",\"protected\":false,"
		 "\"verified\":");
	b_bool(b, a.verified);
	b_lit(b, ",\"followers_count\":");
	b_u64(b, a.followers);
	b_lit(b, ",\"friends_count\":");
	b_u64(b, a.friends);
	b_lit(b, ",\"listed_count\":");
	b_u64(b, a.listed);
	b_lit(b, ",\"favourites_count\":");
	b_u64(b, a.favourites);
	b_lit(b, ",\"statuses_count\":");
	b_u64(b, a.statuses);
	b_lit(b, ",\"created_at\":\"");
	b_twdate(b, a.created);
	b_lit(b, "\",\"utc_offset\":null,\"time_zone\":null,\"geo_enabled\":");
	b_bool(b, (a.h >> 3) & 1);
	b_lit(b, ",\"lang\":\"");
	b_str0(b, lang_code[a.lang]);
	b_lit(b, "\",\"contributors_enabled\":false,\"is_translator\":false,"
		 "\"profile_background_color\":\"");
	b_str0(b, colors[a.color]);
	b_lit(b, "\",\"profile_background_image_url\":"
		 "\"http://img.example.com/images/themes/theme1/bg.png\","
		 "\"profile_background_image_url_https\":"
		 "\"https://img.example.com/images/themes/theme1/bg.png\","
		 "\"profile_background_tile\":false,"
		 "\"profile_link_color\":\"1DA1F2\","
		 "\"profile_sidebar_border_color\":\"C0DEED\","
		 "\"profile_sidebar_fill_color\":\"DDEEF6\","
		 "\"profile_text_color\":\"333333\","
		 "\"profile_use_background_image\":true,"
		 "\"profile_image_url\":\"http://img.example.com/profile_images/");
	char code[10];
	url_code(g, idx, 20, code);
	uint64_t pic = 100000000 + (a.h >> 20) % 900000000000ULL;
	b_u64(b, pic);
	b_ch(b, '/');
	b_mem(b, code, 10);
	b_lit(b, "_normal.jpg\",\"profile_image_url_https\":"
		 "\"https://img.example.com/profile_images/");
	b_u64(b, pic);
	b_ch(b, '/');
	b_mem(b, code, 10);
	b_lit(b, "_normal.jpg\",\"profile_banner_url\":"
		 "\"https://img.example.com/profile_banners/");
	b_u64(b, a.tw_id);
	b_ch(b, '/');
	b_i64(b, a.created + (int64_t)(a.h % 9999999));
	b_lit(b, "\",\"default_profile\":");
	b_bool(b, a.color == 0);
	b_lit(b, ",\"default_profile_image\":false,\"following\":null,"
		 "\"follow_request_sent\":null,\"notifications\":null}");
}

/* The expanded and display forms of a URL span. */
static void tw_url_expanded(const struct gen *g, struct buf *b,
			    const struct span *s, const struct gpost *src,
			    uint64_t self_id, bool display)
{
	const struct gpost *q = NULL;
	if (s->flag == U_QUOTE && src && src->kind == K_QUOTE)
		q = ring_get((struct gen *)g, src->q_oseq);
	if (q) {
		struct acct a;
		acct_get(g, q->author, &a);
		b_str0(b, display ? "\"twitter.com/" : "\"https://twitter.com/");
		b_mem(b, a.sn, a.snlen);
		b_lit(b, "/status/");
		if (display) {
			b_ellipsis(b, g->ascii);
		} else {
			b_u64(b, tw_id(q->t_us, q->seq));
		}
	} else if (s->flag == U_SELF) {
		b_str0(b, display ? "\"twitter.com/i/web/status/"
				 : "\"https://twitter.com/i/web/status/");
		if (display) {
			b_u64(b, self_id / 1000000000000ULL % 10);
			b_ellipsis(b, g->ascii);
		} else {
			b_u64(b, self_id);
		}
	} else {
		char code[10];
		url_code(g, s->ref, 9, code);
		b_str0(b, display ? "\"example.com/" : "\"https://example.com/");
		if (display) {
			b_mem(b, code, 6);
			b_ellipsis(b, g->ascii);
		} else {
			b_mem(b, code, 10);
		}
	}
	b_ch(b, '"');
}

static void tw1_entities(const struct gen *g, struct buf *b,
			 const struct rtext *rt, const struct gpost *src,
			 uint64_t self_id)
{
	bool asc = g->ascii, first = true;
	b_lit(b, "{\"hashtags\":[");
	for (unsigned i = 0; i < rt->ns; i++) {
		const struct span *s = &rt->sp[i];
		if (s->type != T_TAG)
			continue;
		if (!first)
			b_ch(b, ',');
		first = false;
		b_lit(b, "{\"text\":");
		b_jstr(b, sp_text(g, s->ref), g->sp[s->ref].len, asc);
		b_indices(b, s->cp0, s->cp1);
	}
	b_lit(b, "],\"urls\":[");
	first = true;
	for (unsigned i = 0; i < rt->ns; i++) {
		const struct span *s = &rt->sp[i];
		if (s->type != T_URL)
			continue;
		if (!first)
			b_ch(b, ',');
		first = false;
		char code[10];
		url_code(g, s->ref, s->flag, code);
		b_lit(b, "{\"url\":\"https://t.co/");
		b_mem(b, code, 10);
		b_lit(b, "\",\"expanded_url\":");
		tw_url_expanded(g, b, s, src, self_id, false);
		b_lit(b, ",\"display_url\":");
		tw_url_expanded(g, b, s, src, self_id, true);
		b_indices(b, s->cp0, s->cp1);
	}
	b_lit(b, "],\"user_mentions\":[");
	first = true;
	for (unsigned i = 0; i < rt->ns; i++) {
		const struct span *s = &rt->sp[i];
		if (s->type != T_MENTION)
			continue;
		if (!first)
			b_ch(b, ',');
		first = false;
		struct acct a;
		acct_get(g, s->ref, &a);
		b_lit(b, "{\"screen_name\":\"");
		b_mem(b, a.sn, a.snlen);
		b_lit(b, "\",\"name\":");
		b_jstr(b, a.name, a.namelen, asc);
		b_lit(b, ",\"id\":");
		b_u64(b, a.tw_id);
		b_lit(b, ",\"id_str\":");
		b_qu64(b, a.tw_id);
		b_indices(b, s->cp0, s->cp1);
	}
	b_lit(b, "],\"symbols\":[]}");
}

static bool has_urls(const struct rtext *rt)
{
	for (unsigned i = 0; i < rt->ns; i++)
		if (rt->sp[i].type == T_URL)
			return true;
	return false;
}

static void tw1_counts(struct buf *b, uint64_t h, bool zero)
{
	b_lit(b, ",\"quote_count\":");
	b_u64(b, zero ? 0 : hcount(h, 10, 40));
	b_lit(b, ",\"reply_count\":");
	b_u64(b, zero ? 0 : hcount(h, 20, 60));
	b_lit(b, ",\"retweet_count\":");
	b_u64(b, zero ? 0 : hcount(h, 30, 900));
	b_lit(b, ",\"favorite_count\":");
	b_u64(b, zero ? 0 : hcount(h, 40, 3000));
}

static void tw1_tail(struct buf *b, bool top, bool stream, int lang,
		     int64_t t_us)
{
	b_lit(b, ",\"favorited\":false,\"retweeted\":false");
	if (top && stream)
		b_lit(b, ",\"filter_level\":\"low\"");
	b_lit(b, ",\"lang\":\"");
	b_str0(b, lang_code[lang]);
	b_ch(b, '"');
	if (top && stream) {
		b_lit(b, ",\"timestamp_ms\":\"");
		b_i64(b, t_us / 1000);
		b_ch(b, '"');
	}
	b_ch(b, '}');
}

/* A tweet that is not a retweet, at nesting depth 0..2. */
static void tw1_tweet(struct gen *g, struct buf *b, const struct gpost *p,
		      int depth, bool embed_quote)
{
	bool asc = g->ascii;
	struct rtext *rt = &g->rt[2 * depth], *cut = &g->rt[2 * depth + 1];
	render_text(g, p, RM_TW, rt);
	uint64_t h = hh(g->key, 7, p->seq);
	bool stream = h & 1, trunc = stream && rt->cp > 140;
	uint64_t id = tw_id(p->t_us, p->seq);
	b_lit(b, "{\"created_at\":\"");
	b_twdate(b, floor_div(p->t_us, 1000000));
	b_lit(b, "\",\"id\":");
	b_u64(b, id);
	b_lit(b, ",\"id_str\":");
	b_qu64(b, id);
	if (!stream) {
		b_lit(b, ",\"full_text\":");
		b_jstr(b, rt->t, rt->n, asc);
		b_lit(b, ",\"truncated\":false,\"display_text_range\":[");
		b_u64(b, rt->disp0);
		b_ch(b, ',');
		b_u64(b, rt->cp);
		b_ch(b, ']');
	} else if (!trunc) {
		b_lit(b, ",\"text\":");
		b_jstr(b, rt->t, rt->n, asc);
		if (rt->disp0) {
			b_lit(b, ",\"display_text_range\":[");
			b_u64(b, rt->disp0);
			b_ch(b, ',');
			b_u64(b, rt->cp);
			b_ch(b, ']');
		}
		b_lit(b, ",\"truncated\":false");
	} else {
		rt_stream_cut(g, cut, rt, (uint32_t)p->seq);
		b_lit(b, ",\"text\":");
		b_jstr(b, cut->t, cut->n, asc);
		b_lit(b, ",\"truncated\":true");
	}
	b_lit(b, ",\"source\":");
	const char *src = tw_sources[(h >> 8) % NSRC];
	b_jstr(b, src, strlen(src), asc);
	if (p->kind == K_REPLY) {
		struct acct pa;
		acct_get(g, p->par_author, &pa);
		uint64_t pid = tw_id(p->par_t_us, p->par_seq);
		b_lit(b, ",\"in_reply_to_status_id\":");
		b_u64(b, pid);
		b_lit(b, ",\"in_reply_to_status_id_str\":");
		b_qu64(b, pid);
		b_lit(b, ",\"in_reply_to_user_id\":");
		b_u64(b, pa.tw_id);
		b_lit(b, ",\"in_reply_to_user_id_str\":");
		b_qu64(b, pa.tw_id);
		b_lit(b, ",\"in_reply_to_screen_name\":\"");
		b_mem(b, pa.sn, pa.snlen);
		b_ch(b, '"');
	} else {
		b_lit(b, ",\"in_reply_to_status_id\":null,"
			 "\"in_reply_to_status_id_str\":null,"
			 "\"in_reply_to_user_id\":null,"
			 "\"in_reply_to_user_id_str\":null,"
			 "\"in_reply_to_screen_name\":null");
	}
	b_lit(b, ",\"user\":");
	tw1_user(g, b, p->author);
	b_lit(b, ",\"geo\":null,\"coordinates\":null,\"place\":null,"
		 "\"contributors\":null");
	if (p->kind == K_QUOTE) {
		const struct gpost *q = ring_get(g, p->q_oseq);
		if (q) {
			uint64_t qid = tw_id(q->t_us, q->seq);
			b_lit(b, ",\"quoted_status_id\":");
			b_u64(b, qid);
			b_lit(b, ",\"quoted_status_id_str\":");
			b_qu64(b, qid);
			if (embed_quote && depth < 2) {
				b_lit(b, ",\"quoted_status\":");
				tw1_tweet(g, b, q, depth + 1, false);
			}
			struct acct qa;
			acct_get(g, q->author, &qa);
			char code[10];
			url_code(g, p->seq, U_QUOTE, code);
			b_lit(b, ",\"quoted_status_permalink\":{\"url\":"
				 "\"https://t.co/");
			b_mem(b, code, 10);
			b_lit(b, "\",\"expanded\":\"https://twitter.com/");
			b_mem(b, qa.sn, qa.snlen);
			b_lit(b, "/status/");
			b_u64(b, qid);
			b_lit(b, "\",\"display\":\"twitter.com/");
			b_mem(b, qa.sn, qa.snlen);
			b_lit(b, "/status/");
			b_ellipsis(b, asc);
			b_lit(b, "\"}");
		}
	}
	b_lit(b, ",\"is_quote_status\":");
	b_bool(b, p->kind == K_QUOTE);
	if (trunc) {
		b_lit(b, ",\"extended_tweet\":{\"full_text\":");
		b_jstr(b, rt->t, rt->n, asc);
		b_lit(b, ",\"display_text_range\":[");
		b_u64(b, rt->disp0);
		b_ch(b, ',');
		b_u64(b, rt->cp);
		b_lit(b, "],\"entities\":");
		tw1_entities(g, b, rt, p, id);
		b_ch(b, '}');
	}
	tw1_counts(b, h, depth == 0 && stream);
	b_lit(b, ",\"entities\":");
	tw1_entities(g, b, trunc ? cut : rt, p, id);
	if (has_urls(rt))
		b_lit(b, ",\"possibly_sensitive\":false");
	tw1_tail(b, depth == 0, stream, p->lang, p->t_us);
}

static void tw1_retweet(struct gen *g, struct buf *b, const struct gpost *p)
{
	bool asc = g->ascii;
	const struct gpost *o = ring_get(g, p->rp_oseq);
	struct acct oa;
	acct_get(g, o->author, &oa);
	struct rtext *rt = &g->rt[0];
	render_text(g, o, RM_TW, &g->rt[1]);
	rt_retweet(rt, &g->rt[1], &oa);
	uint64_t h = hh(g->key, 7, p->seq);
	bool stream = h & 1;
	uint64_t id = tw_id(p->t_us, p->seq);
	b_lit(b, "{\"created_at\":\"");
	b_twdate(b, floor_div(p->t_us, 1000000));
	b_lit(b, "\",\"id\":");
	b_u64(b, id);
	b_lit(b, ",\"id_str\":");
	b_qu64(b, id);
	if (stream) {
		b_lit(b, ",\"text\":");
		b_jstr(b, rt->t, rt->n, asc);
	} else {
		b_lit(b, ",\"full_text\":");
		b_jstr(b, rt->t, rt->n, asc);
		b_lit(b, ",\"display_text_range\":[0,");
		b_u64(b, rt->cp);
		b_ch(b, ']');
	}
	b_lit(b, ",\"source\":");
	const char *src = tw_sources[(h >> 8) % NSRC];
	b_jstr(b, src, strlen(src), asc);
	b_lit(b, ",\"truncated\":false,\"in_reply_to_status_id\":null,"
		 "\"in_reply_to_status_id_str\":null,"
		 "\"in_reply_to_user_id\":null,"
		 "\"in_reply_to_user_id_str\":null,"
		 "\"in_reply_to_screen_name\":null,\"user\":");
	tw1_user(g, b, p->author);
	b_lit(b, ",\"geo\":null,\"coordinates\":null,\"place\":null,"
		 "\"contributors\":null,\"retweeted_status\":");
	tw1_tweet(g, b, o, 1, true);
	b_lit(b, ",\"is_quote_status\":");
	b_bool(b, o->kind == K_QUOTE);
	if (o->kind == K_QUOTE) {
		const struct gpost *q = ring_get(g, o->q_oseq);
		if (q) {
			uint64_t qid = tw_id(q->t_us, q->seq);
			b_lit(b, ",\"quoted_status_id\":");
			b_u64(b, qid);
			b_lit(b, ",\"quoted_status_id_str\":");
			b_qu64(b, qid);
		}
	}
	b_lit(b, ",\"quote_count\":0,\"reply_count\":0,\"retweet_count\":");
	b_u64(b, stream ? 0 : hcount(h, 30, 900));
	b_lit(b, ",\"favorite_count\":0,\"entities\":");
	/* the RT text (rt[0]) survived the nested tweet (rt[2..5]) */
	tw1_entities(g, b, rt, o, id);
	tw1_tail(b, true, stream, o->lang, p->t_us);
}

/* ---- Twitter API v2 ---- */

static const char twarc_url[] =
	"https://api.twitter.com/2/tweets/search/all?expansions=author_id%2C"
	"in_reply_to_user_id%2Creferenced_tweets.id%2Centities.mentions."
	"username&tweet.fields=author_id%2Cconversation_id%2Ccreated_at%2C"
	"entities%2Cin_reply_to_user_id%2Clang%2Cpublic_metrics%2C"
	"referenced_tweets%2Csource&user.fields=created_at%2Cdescription%2C"
	"location%2Cpublic_metrics%2Cverified&max_results=100&query=%23MeToo";

static void b_twarc(const struct gen *g, struct buf *b, uint64_t n)
{
	b_lit(b, "\"__twarc\":{\"url\":\"");
	b_str0(b, twarc_url);
	b_lit(b, "\",\"version\":\"2.12.0\",\"retrieved_at\":\"");
	int64_t t = g->start + 5 * 365 * 86400 + (int64_t)n;
	struct tm6 tm;
	split_time(t, &tm);
	b_ymdhms(b, &tm, 'T');
	b_lit(b, "+00:00\"}");
}

static void tw2_user(const struct gen *g, struct buf *b, uint32_t idx)
{
	bool asc = g->ascii;
	struct acct a;
	acct_get(g, idx, &a);
	b_lit(b, "{\"id\":");
	b_qu64(b, a.tw_id);
	b_lit(b, ",\"name\":");
	b_jstr(b, a.name, a.namelen, asc);
	b_lit(b, ",\"username\":\"");
	b_mem(b, a.sn, a.snlen);
	b_lit(b, "\",\"created_at\":\"");
	b_iso_ms(b, a.created * 1000000);
	b_lit(b, "\",\"description\":\"");
	b_desc(b, &a, asc);
	b_ch(b, '"');
	if (a.has_loc) {
		b_lit(b, ",\"location\":");
		b_jstr(b, locations[a.loc], strlen(locations[a.loc]), asc);
	}
	b_lit(b, ",\"profile_image_url\":\"https://img.example.com/"
		 "profile_images/");
	char code[10];
	url_code(g, idx, 20, code);
	b_u64(b, 100000000 + (a.h >> 20) % 900000000000ULL);
	b_ch(b, '/');
	b_mem(b, code, 10);
	b_lit(b, "_normal.jpg\",\"protected\":false,\"public_metrics\":"
		 "{\"followers_count\":");
	b_u64(b, a.followers);
	b_lit(b, ",\"following_count\":");
	b_u64(b, a.friends);
	b_lit(b, ",\"tweet_count\":");
	b_u64(b, a.statuses);
	b_lit(b, ",\"listed_count\":");
	b_u64(b, a.listed);
	b_lit(b, "},\"url\":\"");
	if (a.has_url) {
		b_lit(b, "https://example.com/~");
		b_mem(b, a.sn, a.snlen);
	}
	b_lit(b, "\",\"verified\":");
	b_bool(b, a.verified);
	b_ch(b, '}');
}

static void tw2_entities(const struct gen *g, struct buf *b,
			 const struct rtext *rt, const struct gpost *src,
			 uint64_t self_id)
{
	bool asc = g->ascii;
	b_lit(b, ",\"entities\":{");
	bool any = false;
	static const uint8_t order[3] = {T_MENTION, T_TAG, T_URL};
	for (int k = 0; k < 3; k++) {
		bool first = true;
		for (unsigned i = 0; i < rt->ns; i++) {
			const struct span *s = &rt->sp[i];
			if (s->type != order[k])
				continue;
			if (first) {
				if (any)
					b_ch(b, ',');
				b_str0(b, k == 0   ? "\"mentions\":["
					  : k == 1 ? "\"hashtags\":["
						   : "\"urls\":[");
				any = true;
			} else {
				b_ch(b, ',');
			}
			first = false;
			b_lit(b, "{\"start\":");
			b_u64(b, s->cp0);
			b_lit(b, ",\"end\":");
			b_u64(b, s->cp1);
			if (s->type == T_TAG) {
				b_lit(b, ",\"tag\":");
				b_jstr(b, sp_text(g, s->ref), g->sp[s->ref].len,
				       asc);
			} else if (s->type == T_MENTION) {
				struct acct a;
				acct_get(g, s->ref, &a);
				b_lit(b, ",\"username\":\"");
				b_mem(b, a.sn, a.snlen);
				b_lit(b, "\",\"id\":");
				b_qu64(b, a.tw_id);
			} else {
				char code[10];
				url_code(g, s->ref, s->flag, code);
				b_lit(b, ",\"url\":\"https://t.co/");
				b_mem(b, code, 10);
				b_lit(b, "\",\"expanded_url\":");
				tw_url_expanded(g, b, s, src, self_id, false);
				b_lit(b, ",\"display_url\":");
				tw_url_expanded(g, b, s, src, self_id, true);
			}
			b_ch(b, '}');
		}
		if (!first)
			b_ch(b, ']');
	}
	b_ch(b, '}');
}

/* The fields of a v2 tweet, without braces. expand: twarc2 flatten's
 * top level (referenced tweets expanded, author and in_reply_to_user). */
static void tw2_fields(struct gen *g, struct buf *b, const struct gpost *p,
		       int depth, bool expand)
{
	bool asc = g->ascii;
	struct rtext *rt = &g->rt[2 * depth];
	const struct gpost *o = NULL, *ref = NULL;
	const char *rtype = NULL;
	if (p->kind == K_REPOST) {
		struct acct oa;
		o = ring_get(g, p->rp_oseq);
		acct_get(g, o->author, &oa);
		render_text(g, o, RM_TW, &g->rt[2 * depth + 1]);
		rt_retweet(rt, &g->rt[2 * depth + 1], &oa);
		ref = o;
		rtype = "retweeted";
	} else {
		render_text(g, p, RM_TW, rt);
		if (p->kind == K_REPLY) {
			ref = ring_get(g, p->par_oseq);
			rtype = "replied_to";
		} else if (p->kind == K_QUOTE) {
			ref = ring_get(g, p->q_oseq);
			rtype = "quoted";
		}
	}
	uint64_t h = hh(g->key, 7, p->seq);
	uint64_t id = tw_id(p->t_us, p->seq);
	struct acct a;
	acct_get(g, p->author, &a);
	b_lit(b, "\"id\":");
	b_qu64(b, id);
	b_lit(b, ",\"text\":");
	b_jstr(b, rt->t, rt->n, asc);
	b_lit(b, ",\"edit_history_tweet_ids\":[");
	b_qu64(b, id);
	b_lit(b, "],\"author_id\":");
	b_qu64(b, a.tw_id);
	b_lit(b, ",\"conversation_id\":");
	b_qu64(b, p->kind == K_REPLY ? tw_id(p->root_t_us, p->root_seq) : id);
	b_lit(b, ",\"created_at\":\"");
	b_iso_ms(b, p->t_us);
	b_lit(b, "\",\"lang\":\"");
	b_str0(b, lang_code[o ? o->lang : p->lang]);
	b_lit(b, "\",\"possibly_sensitive\":false,\"reply_settings\":"
		 "\"everyone\",\"source\":\"");
	b_str0(b, tw2_sources[(h >> 8) % NSRC]);
	b_lit(b, "\",\"public_metrics\":{\"retweet_count\":");
	b_u64(b, hcount(h, 30, 900));
	b_lit(b, ",\"reply_count\":");
	b_u64(b, hcount(h, 20, 60));
	b_lit(b, ",\"like_count\":");
	b_u64(b, hcount(h, 40, 3000));
	b_lit(b, ",\"quote_count\":");
	b_u64(b, hcount(h, 10, 40));
	b_ch(b, '}');
	if (rt->ns)
		tw2_entities(g, b, rt, o ? o : p, id);
	if (p->kind == K_REPLY) {
		struct acct pa;
		acct_get(g, p->par_author, &pa);
		b_lit(b, ",\"in_reply_to_user_id\":");
		b_qu64(b, pa.tw_id);
	}
	if (rtype) {
		uint64_t rid = p->kind == K_REPLY
				       ? tw_id(p->par_t_us, p->par_seq)
				       : ref ? tw_id(ref->t_us, ref->seq) : 0;
		b_lit(b, ",\"referenced_tweets\":[{\"type\":\"");
		b_str0(b, rtype);
		b_lit(b, "\",");
		if (expand && ref) {
			tw2_fields(g, b, ref, depth + 1, false);
			b_lit(b, ",\"author\":");
			tw2_user(g, b, ref->author);
		} else {
			b_lit(b, "\"id\":");
			b_qu64(b, rid);
		}
		b_lit(b, "}]");
	}
	if (expand) {
		b_lit(b, ",\"author\":");
		tw2_user(g, b, p->author);
		if (p->kind == K_REPLY) {
			b_lit(b, ",\"in_reply_to_user\":");
			tw2_user(g, b, p->par_author);
		}
	}
}

static void page_user(struct gen *g, uint32_t idx)
{
	for (unsigned i = 0; i < g->npu; i++)
		if (g->pu[i] == idx + 1)
			return;
	if (g->npu < sizeof g->pu / sizeof g->pu[0])
		g->pu[g->npu++] = idx + 1;
	if (g->pusers.n)
		b_ch(&g->pusers, ',');
	tw2_user(g, &g->pusers, idx);
}

static void page_tweet(struct gen *g, const struct gpost *r)
{
	for (unsigned i = 0; i < g->nptw; i++)
		if (g->ptw[i] == r->seq + 1)
			return;
	if (g->nptw < sizeof g->ptw / sizeof g->ptw[0])
		g->ptw[g->nptw++] = r->seq + 1;
	if (g->ptweets.n)
		b_ch(&g->ptweets, ',');
	b_ch(&g->ptweets, '{');
	tw2_fields(g, &g->ptweets, r, 1, false);
	b_ch(&g->ptweets, '}');
	page_user(g, r->author);
}

static void page_add(struct gen *g, const struct gpost *p)
{
	if (g->pn)
		b_ch(&g->pdata, ',');
	b_ch(&g->pdata, '{');
	tw2_fields(g, &g->pdata, p, 0, false);
	b_ch(&g->pdata, '}');
	page_user(g, p->author);
	const struct gpost *t = p, *ref = NULL;
	if (p->kind == K_REPOST)
		ref = t = ring_get(g, p->rp_oseq);
	else if (p->kind == K_REPLY)
		ref = ring_get(g, p->par_oseq);
	else if (p->kind == K_QUOTE)
		ref = ring_get(g, p->q_oseq);
	for (unsigned i = 0; i < t->ntok; i++)
		if (t->tok[i].type == T_MENTION)
			page_user(g, t->tok[i].b);
	if (ref)
		page_tweet(g, ref);
	uint64_t id = tw_id(p->t_us, p->seq);
	if (!g->pn || id > g->pnewest)
		g->pnewest = id;
	if (!g->pn || id < g->poldest)
		g->poldest = id;
	g->pn++;
}

/* ---- Mastodon ---- */

static void b_html_esc(struct buf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		b_mem(b, s + run, i - run);
		b_str0(b, e);
		run = i + 1;
	}
	b_mem(b, s + run, n - run);
}

/* A tag's URL path: its folded key, percent-encoded. */
static void b_tag_url(const struct gen *g, struct buf *b, uint32_t sp)
{
	uint32_t k = g->sp[sp].key;
	const unsigned char *s = (const unsigned char *)key_text(g, k);
	b_lit(b, "https://example.social/tags/");
	for (size_t i = 0; i < g->keys[k].len; i++) {
		if (s[i] < 0x80 && s[i] != '%') {
			b_ch(b, (char)s[i]);
		} else {
			static const char H[] = "0123456789ABCDEF";
			char e[3] = {'%', H[s[i] >> 4], H[s[i] & 15]};
			b_mem(b, e, 3);
		}
	}
}

static void b_acct_url(struct buf *b, const struct acct *a)
{
	b_lit(b, "https://");
	b_str0(b, acct_domain(a));
	b_lit(b, "/@");
	b_mem(b, a->sn, a->snlen);
}

static void b_acct_acct(struct buf *b, const struct acct *a)
{
	b_mem(b, a->sn, a->snlen);
	if (a->remote)
		b_lit(b, "@example.org");
}

/* The HTML content of p, unescaped for JSON. */
static void ma_html(const struct gen *g, struct buf *h, const struct gpost *p)
{
	h->n = 0;
	b_lit(h, "<p>");
	for (unsigned i = 0; i < p->ntok; i++) {
		const struct tok *t = &p->tok[i];
		const char *s;
		switch (t->type) {
		case T_WORD:
			s = lexicon[t->a].w[t->b];
			b_html_esc(h, s, strlen(s));
			break;
		case T_EMOJI:
			b_str0(h, emoji[t->b]);
			break;
		case T_PUNCT:
			b_str0(h, punct[t->b]);
			break;
		case T_SP:
			b_ch(h, ' ');
			break;
		case T_NL:
			b_lit(h, "<br />");
			break;
		case T_QUOTE:
			b_lit(h, "&quot;");
			break;
		case T_EMOTE:
			b_lit(h, "\\o/");
			break;
		case T_TAG:
			b_lit(h, "<a href=\"");
			b_tag_url(g, h, t->b);
			b_lit(h, "\" class=\"mention hashtag\" rel=\"tag\">#<span>");
			b_html_esc(h, sp_text(g, t->b), g->sp[t->b].len);
			b_lit(h, "</span></a>");
			break;
		case T_MENTION: {
			struct acct a;
			acct_get(g, t->b, &a);
			b_lit(h, "<span class=\"h-card\" translate=\"no\">"
				 "<a href=\"");
			b_acct_url(h, &a);
			b_lit(h, "\" class=\"u-url mention\">@<span>");
			b_mem(h, a.sn, a.snlen);
			b_lit(h, "</span></a></span>");
			break;
		}
		case T_URL: {
			char code[10];
			url_code(g, t->b, t->a, code);
			b_lit(h, "<a href=\"https://example.com/");
			b_mem(h, code, 10);
			b_lit(h, "\" target=\"_blank\" rel=\"nofollow noopener "
				 "noreferrer\" translate=\"no\"><span "
				 "class=\"invisible\">https://</span><span "
				 "class=\"\">example.com/");
			b_mem(h, code, 10);
			b_lit(h, "</span><span class=\"invisible\"></span></a>");
			break;
		}
		}
	}
	b_lit(h, "</p>");
}

static void ma_account(const struct gen *g, struct buf *b, uint32_t idx)
{
	bool asc = g->ascii;
	struct acct a;
	acct_get(g, idx, &a);
	const char *dom = acct_domain(&a);
	b_lit(b, "{\"id\":");
	b_qu64(b, a.ma_id);
	b_lit(b, ",\"username\":\"");
	b_mem(b, a.sn, a.snlen);
	b_lit(b, "\",\"acct\":\"");
	b_acct_acct(b, &a);
	b_lit(b, "\",\"display_name\":");
	b_jstr(b, a.name, a.namelen, asc);
	b_lit(b, ",\"locked\":false,\"bot\":");
	b_bool(b, idx >= POOL_SPAM);
	b_lit(b, ",\"discoverable\":true,\"group\":false,\"created_at\":\"");
	b_iso_ms(b, floor_div(a.created, 86400) * 86400 * 1000000);
	b_lit(b, "\",\"note\":\"<p>");
	b_desc(b, &a, asc);
	b_lit(b, "</p>\",\"url\":\"");
	b_acct_url(b, &a);
	b_lit(b, "\",\"uri\":\"https://");
	b_str0(b, dom);
	b_lit(b, "/users/");
	b_mem(b, a.sn, a.snlen);
	b_lit(b, "\",\"avatar\":\"https://");
	b_str0(b, dom);
	b_lit(b, "/avatars/original/missing.png\",\"avatar_static\":\"https://");
	b_str0(b, dom);
	b_lit(b, "/avatars/original/missing.png\",\"header\":\"https://");
	b_str0(b, dom);
	b_lit(b, "/headers/original/missing.png\",\"header_static\":\"https://");
	b_str0(b, dom);
	b_lit(b, "/headers/original/missing.png\",\"followers_count\":");
	b_u64(b, a.followers / 10);
	b_lit(b, ",\"following_count\":");
	b_u64(b, a.friends / 3);
	b_lit(b, ",\"statuses_count\":");
	b_u64(b, a.statuses / 5 + 1);
	b_lit(b, ",\"last_status_at\":\"");
	struct tm6 tm;
	split_time(g->start, &tm);
	b_dec(b, (uint64_t)tm.y, 4);
	b_ch(b, '-');
	b_dec(b, tm.mo, 2);
	b_ch(b, '-');
	b_dec(b, tm.d, 2);
	b_lit(b, "\",\"emojis\":[],\"fields\":[]}");
}

static void b_status_uri(struct buf *b, const struct acct *a, uint64_t id,
			 bool activity)
{
	b_lit(b, "\"https://");
	b_str0(b, acct_domain(a));
	b_lit(b, "/users/");
	b_mem(b, a->sn, a->snlen);
	b_lit(b, "/statuses/");
	b_u64(b, id);
	if (activity)
		b_lit(b, "/activity");
	b_ch(b, '"');
}

static void ma_status(struct gen *g, struct buf *b, const struct gpost *p)
{
	bool asc = g->ascii;
	bool rb = p->kind == K_REPOST;
	uint64_t h = hh(g->key, 7, p->seq);
	uint64_t id = ma_sid(p->t_us, p->seq);
	struct acct a;
	acct_get(g, p->author, &a);
	b_lit(b, "{\"id\":");
	b_qu64(b, id);
	b_lit(b, ",\"created_at\":\"");
	b_iso_ms(b, p->t_us);
	b_ch(b, '"');
	if (p->kind == K_REPLY) {
		struct acct pa;
		acct_get(g, p->par_author, &pa);
		b_lit(b, ",\"in_reply_to_id\":");
		b_qu64(b, ma_sid(p->par_t_us, p->par_seq));
		b_lit(b, ",\"in_reply_to_account_id\":");
		b_qu64(b, pa.ma_id);
	} else {
		b_lit(b, ",\"in_reply_to_id\":null,"
			 "\"in_reply_to_account_id\":null");
	}
	b_lit(b, ",\"sensitive\":false,\"spoiler_text\":\"\",\"visibility\":\"");
	b_str0(b, !rb && (h >> 50) % 10 == 0 ? "unlisted" : "public");
	b_lit(b, "\",\"language\":");
	if (rb) {
		b_lit(b, "null");
	} else {
		b_ch(b, '"');
		b_str0(b, lang_code[p->lang]);
		b_ch(b, '"');
	}
	b_lit(b, ",\"uri\":");
	b_status_uri(b, &a, id, rb);
	b_lit(b, ",\"url\":");
	if (rb) {
		b_lit(b, "null");
	} else {
		b_ch(b, '"');
		b_acct_url(b, &a);
		b_ch(b, '/');
		b_u64(b, id);
		b_ch(b, '"');
	}
	b_lit(b, ",\"replies_count\":");
	b_u64(b, rb ? 0 : hcount(h, 20, 30));
	b_lit(b, ",\"reblogs_count\":");
	b_u64(b, rb ? 0 : hcount(h, 30, 200));
	b_lit(b, ",\"favourites_count\":");
	b_u64(b, rb ? 0 : hcount(h, 40, 500));
	b_lit(b, ",\"edited_at\":null,\"content\":");
	if (rb) {
		b_lit(b, "\"\",\"reblog\":");
		ma_status(g, b, ring_get(g, p->rp_oseq));
	} else {
		ma_html(g, &g->html, p);
		b_jstr(b, g->html.p, g->html.n, asc);
		b_lit(b, ",\"reblog\":null");
	}
	if (!a.remote && !rb) {
		b_lit(b, ",\"application\":{\"name\":\"Web\",\"website\":null}");
	}
	b_lit(b, ",\"account\":");
	ma_account(g, b, p->author);
	b_lit(b, ",\"media_attachments\":[],\"mentions\":[");
	bool first = true;
	uint32_t seen[MAXTOK];
	unsigned nseen = 0;
	for (unsigned i = 0; !rb && i < p->ntok; i++) {
		if (p->tok[i].type != T_MENTION)
			continue;
		uint32_t m = p->tok[i].b;
		bool dup = false;
		for (unsigned j = 0; j < nseen; j++)
			dup |= seen[j] == m;
		if (dup)
			continue;
		seen[nseen++] = m;
		struct acct ma;
		acct_get(g, m, &ma);
		if (!first)
			b_ch(b, ',');
		first = false;
		b_lit(b, "{\"id\":");
		b_qu64(b, ma.ma_id);
		b_lit(b, ",\"username\":\"");
		b_mem(b, ma.sn, ma.snlen);
		b_lit(b, "\",\"url\":\"");
		b_acct_url(b, &ma);
		b_lit(b, "\",\"acct\":\"");
		b_acct_acct(b, &ma);
		b_lit(b, "\"}");
	}
	b_lit(b, "],\"tags\":[");
	for (unsigned i = 0; !rb && i < p->ntk; i++) {
		if (i)
			b_ch(b, ',');
		b_lit(b, "{\"name\":");
		b_jstr(b, sp_text(g, p->tsp[i]), g->sp[p->tsp[i]].len, asc);
		b_lit(b, ",\"url\":\"");
		b_tag_url(g, b, p->tsp[i]);
		b_lit(b, "\"}");
	}
	b_lit(b, "],\"emojis\":[],\"card\":null,\"poll\":null}");
}

/* ---- Bluesky Jetstream ---- */

static void b_tid(struct buf *b, uint64_t v)
{
	static const char a[] = "234567abcdefghijklmnopqrstuvwxyz";
	char s[13];
	v &= 0x7fffffffffffffffULL;
	for (int i = 12; i >= 0; i--) {
		s[i] = a[v & 31];
		v >>= 5;
	}
	b_mem(b, s, 13);
}

static uint64_t tid_of(int64_t t_us, uint64_t seq)
{
	return ((uint64_t)(t_us < 0 ? 0 : t_us) << 10) | (seq & 1023);
}

static void b_cid(const struct gen *g, struct buf *b, uint64_t seq,
		  unsigned salt)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz234567";
	b_lit(b, "\"bafyrei");
	for (int k = 0; k < 4; k++) {
		uint64_t h = hh(g->key, 400 + salt * 4 + (unsigned)k, seq);
		int n = k < 3 ? 12 : 16;
		char s[16];
		for (int i = 0; i < n; i++) {
			s[i] = a[h & 31];
			h >>= 4;
		}
		b_mem(b, s, (size_t)n);
	}
	b_ch(b, '"');
}

static void b_aturi(const struct gen *g, struct buf *b, uint32_t author,
		    int64_t t_us, uint64_t seq, const char *coll)
{
	struct acct a;
	acct_get(g, author, &a);
	b_lit(b, "\"at://");
	b_mem(b, a.did, 32);
	b_ch(b, '/');
	b_str0(b, coll);
	b_ch(b, '/');
	b_tid(b, tid_of(t_us, seq));
	b_ch(b, '"');
}

static void js_head(const struct gen *g, struct buf *b, uint32_t who,
		    int64_t t_us)
{
	struct acct a;
	acct_get(g, who, &a);
	b_lit(b, "{\"did\":\"");
	b_mem(b, a.did, 32);
	b_lit(b, "\",\"time_us\":");
	b_i64(b, t_us);
}

static void js_commit(struct buf *b, int64_t t_us, uint64_t seq,
		      const char *op, const char *coll)
{
	b_lit(b, ",\"kind\":\"commit\",\"commit\":{\"rev\":\"");
	b_tid(b, tid_of(t_us + 3, seq + 7));
	b_lit(b, "\",\"operation\":\"");
	b_str0(b, op);
	b_lit(b, "\",\"collection\":\"");
	b_str0(b, coll);
	b_lit(b, "\",\"rkey\":\"");
	b_tid(b, tid_of(t_us, seq));
	b_ch(b, '"');
}

static void js_post(struct gen *g, struct buf *b, const struct gpost *p)
{
	bool asc = g->ascii;
	js_head(g, b, p->author, p->t_us);
	if (p->kind == K_REPOST) {
		const struct gpost *o = ring_get(g, p->rp_oseq);
		js_commit(b, p->t_us, p->seq, "create", "app.bsky.feed.repost");
		b_lit(b, ",\"record\":{\"$type\":\"app.bsky.feed.repost\","
			 "\"createdAt\":\"");
		b_iso_ms(b, p->t_us - 1000 * (int64_t)(hh(g->key, 8, p->seq) % 900));
		b_lit(b, "\",\"subject\":{\"cid\":");
		b_cid(g, b, o->seq, 0);
		b_lit(b, ",\"uri\":");
		b_aturi(g, b, o->author, o->t_us, o->seq, "app.bsky.feed.post");
		b_lit(b, "}},\"cid\":");
		b_cid(g, b, p->seq, 0);
		b_lit(b, "}}");
		return;
	}
	struct rtext *rt = &g->rt[0];
	render_text(g, p, RM_BS, rt);
	js_commit(b, p->t_us, p->seq, "create", "app.bsky.feed.post");
	b_lit(b, ",\"record\":{\"$type\":\"app.bsky.feed.post\","
		 "\"createdAt\":\"");
	uint64_t h = hh(g->key, 8, p->seq);
	b_iso_ms(b, p->t_us - 1000 * (int64_t)(h % 2500));
	b_ch(b, '"');
	if (rt->ns) {
		b_lit(b, ",\"facets\":[");
		for (unsigned i = 0; i < rt->ns; i++) {
			const struct span *s = &rt->sp[i];
			if (i)
				b_ch(b, ',');
			b_lit(b, "{\"index\":{\"byteStart\":");
			b_u64(b, s->b0);
			b_lit(b, ",\"byteEnd\":");
			b_u64(b, s->b1);
			b_lit(b, "},\"features\":[{\"$type\":"
				 "\"app.bsky.richtext.facet#");
			if (s->type == T_TAG) {
				b_lit(b, "tag\",\"tag\":");
				b_jstr(b, sp_text(g, s->ref), g->sp[s->ref].len,
				       asc);
			} else if (s->type == T_MENTION) {
				struct acct a;
				acct_get(g, s->ref, &a);
				b_lit(b, "mention\",\"did\":\"");
				b_mem(b, a.did, 32);
				b_ch(b, '"');
			} else {
				b_lit(b, "link\",\"uri\":\"");
				b_mem(b, rt->t + s->b0, s->b1 - s->b0);
				b_ch(b, '"');
			}
			b_lit(b, "}]}");
		}
		b_ch(b, ']');
	}
	if ((h >> 20) % 20) {
		b_lit(b, ",\"langs\":[\"");
		b_str0(b, lang_code[p->lang]);
		b_lit(b, "\"]");
	}
	if (p->kind == K_REPLY) {
		b_lit(b, ",\"reply\":{\"parent\":{\"cid\":");
		b_cid(g, b, p->par_seq, 0);
		b_lit(b, ",\"uri\":");
		b_aturi(g, b, p->par_author, p->par_t_us, p->par_seq,
			"app.bsky.feed.post");
		b_lit(b, "},\"root\":{\"cid\":");
		b_cid(g, b, p->root_seq, 0);
		b_lit(b, ",\"uri\":");
		b_aturi(g, b, p->root_author, p->root_t_us, p->root_seq,
			"app.bsky.feed.post");
		b_lit(b, "}}");
	}
	bool any = false;
	for (unsigned i = 0; i < p->ntok; i++) {
		const struct tok *t = &p->tok[i];
		if (t->type != T_TAG || !(t->flag & F_EXTRA))
			continue;
		b_str0(b, any ? "," : ",\"tags\":[");
		any = true;
		b_jstr(b, sp_text(g, t->b), g->sp[t->b].len, asc);
	}
	if (any)
		b_ch(b, ']');
	b_lit(b, ",\"text\":");
	b_jstr(b, rt->t, rt->n, asc);
	b_lit(b, "},\"cid\":");
	b_cid(g, b, p->seq, 0);
	b_lit(b, "}}");
}

/* An event a counter must skip: like, follow, delete, identity, account. */
static void js_skipped(struct gen *g, struct buf *b, int64_t t_us)
{
	struct rng *r = &g->rr;
	uint32_t who = (uint32_t)rng_below(r, g->P);
	uint64_t s = rng_next(r);
	static const double w[5] = {0.55, 0.2, 0.1, 0.07, 0.08};
	unsigned k = rng_pick(r, w, 5);
	if (k == 0 && g->norig == 0)
		k = 1;
	js_head(g, b, who, t_us);
	switch (k) {
	case 0: {
		uint64_t win = g->norig < PICKWIN ? g->norig : PICKWIN;
		const struct gpost *o =
			ring_get(g, g->norig - 1 - rng_below(r, (uint32_t)win));
		js_commit(b, t_us, s, "create", "app.bsky.feed.like");
		b_lit(b, ",\"record\":{\"$type\":\"app.bsky.feed.like\","
			 "\"createdAt\":\"");
		b_iso_ms(b, t_us - 1000);
		b_lit(b, "\",\"subject\":{\"cid\":");
		b_cid(g, b, o->seq, 0);
		b_lit(b, ",\"uri\":");
		b_aturi(g, b, o->author, o->t_us, o->seq, "app.bsky.feed.post");
		b_lit(b, "}},\"cid\":");
		b_cid(g, b, s, 1);
		b_lit(b, "}}");
		break;
	}
	case 1: {
		struct acct a;
		acct_get(g, rng_below(r, g->P), &a);
		js_commit(b, t_us, s, "create", "app.bsky.graph.follow");
		b_lit(b, ",\"record\":{\"$type\":\"app.bsky.graph.follow\","
			 "\"createdAt\":\"");
		b_iso_ms(b, t_us - 1000);
		b_lit(b, "\",\"subject\":\"");
		b_mem(b, a.did, 32);
		b_lit(b, "\"},\"cid\":");
		b_cid(g, b, s, 1);
		b_lit(b, "}}");
		break;
	}
	case 2: {
		/* a post from before the window: never one in the stream */
		int64_t old = g->start * 1000000 - 1 -
			      (int64_t)(s % (30ULL * 86400 * 1000000));
		b_lit(b, ",\"kind\":\"commit\",\"commit\":{\"rev\":\"");
		b_tid(b, tid_of(t_us, s));
		b_lit(b, "\",\"operation\":\"delete\",\"collection\":"
			 "\"app.bsky.feed.post\",\"rkey\":\"");
		b_tid(b, tid_of(old, s >> 20));
		b_lit(b, "\"}}");
		break;
	}
	default: {
		struct acct a;
		acct_get(g, who, &a);
		const char *kind = k == 3 ? "identity" : "account";
		b_lit(b, ",\"kind\":\"");
		b_str0(b, kind);
		b_lit(b, "\",\"");
		b_str0(b, kind);
		b_lit(b, "\":{");
		if (k == 4)
			b_lit(b, "\"active\":true,");
		b_lit(b, "\"did\":\"");
		b_mem(b, a.did, 32);
		b_ch(b, '"');
		if (k == 3) {
			b_lit(b, ",\"handle\":\"");
			b_handle(b, &a);
			b_ch(b, '"');
		}
		b_lit(b, ",\"seq\":");
		b_u64(b, 1000000000ULL + g->nlines);
		b_lit(b, ",\"time\":\"");
		b_iso_ms(b, t_us);
		b_lit(b, "\"}}");
	}
	}
}

/* ------------------------------------------------------------------ */
/* 10. output and malformed lines                                      */
/* ------------------------------------------------------------------ */

#define OBCAP (1u << 20)

static void out_flush(struct gen *g)
{
	if (g->ob.n && fwrite(g->ob.p, 1, g->ob.n, g->out) != g->ob.n)
		g->ioerr = true;
	g->ob.n = 0;
}

static void out_write(struct gen *g, const char *s, size_t n)
{
	if (g->ob.n + n > OBCAP)
		out_flush(g);
	if (n > OBCAP) {
		if (fwrite(s, 1, n, g->out) != n)
			g->ioerr = true;
	} else {
		memcpy(g->ob.p + g->ob.n, s, n);
		g->ob.n += n;
	}
	g->nbytes += n;
}

/* Index just past the JSON value at s[i] (s is JSON we wrote). */
static size_t json_skip(const char *s, size_t n, size_t i)
{
	int depth = 0;
	bool in = false;
	for (; i < n; i++) {
		char c = s[i];
		if (in) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in = false;
				if (!depth)
					return i + 1;
			}
			continue;
		}
		switch (c) {
		case '"':
			in = true;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth <= 0)
				return depth < 0 ? i : i + 1;
			break;
		case ',':
			if (!depth)
				return i;
			break;
		default:
			break;
		}
	}
	return n;
}

/* Finds the value of a top-level key of the object s[0..n). */
static bool json_top_key(const char *s, size_t n, const char *key, size_t *vs,
			 size_t *ve)
{
	size_t kl = strlen(key), i = 0;
	if (n == 0 || s[0] != '{')
		return false;
	i = 1;
	while (i < n && s[i] == '"') {
		size_t k0 = ++i;
		while (i < n && s[i] != '"')
			i++;
		size_t k1 = i++;
		if (i >= n || s[i] != ':')
			return false;
		i++;
		size_t v0 = i, v1 = json_skip(s, n, i);
		if (k1 - k0 == kl && memcmp(s + k0, key, kl) == 0) {
			*vs = v0;
			*ve = v1;
			return true;
		}
		i = v1;
		if (i < n && s[i] == ',')
			i++;
		else
			return false;
	}
	return false;
}

static void replace_value(struct buf *m, const char *s, size_t n, size_t vs,
			  size_t ve, const char *with)
{
	b_mem(m, s, vs);
	b_str0(m, with);
	b_mem(m, s + ve, n - ve);
}

/* Appends to m a corrupted copy of the JSON text s[0..n). */
static void corrupt(struct gen *g, struct buf *m, const char *s, size_t n)
{
	struct rng *r = &g->rr;
	unsigned kind = rng_below(r, 10);
	size_t vs, ve;
	if (kind >= 7) { /* a required field of the wrong type */
		const char *key = g->tw1	? "user"
				  : g->tw2raw	? "data"
				  : g->tw2flat	? "author"
				  : g->js	? "commit"
						: "account";
		if (json_top_key(s, n, key, &vs, &ve)) {
			if (g->tw2flat) {
				struct buf t = {0};
				replace_value(&t, s, n, vs, ve, "5");
				size_t as, ae;
				if (!t.oom &&
				    json_top_key(t.p, t.n, "author_id", &as, &ae))
					replace_value(m, t.p, t.n, as, ae, "5");
				else
					b_mem(m, t.p, t.n);
				free(t.p);
			} else {
				replace_value(m, s, n, vs, ve,
					      rng_chance(r, 0.5) ? "5" : "\"x\"");
			}
			return;
		}
		kind = 0;
	}
	if (kind >= 4) { /* an invalid UTF-8 sequence inside a string */
		static const char *const bad[] = {
			"\xff", "\xc3\x28", "\xed\xa0\x80", "\xc0\xaf", "\x80",
			"\xf8\x88\x80\x80\x80", "\xe2\x82"};
		static const char *const keys[] = {"\"text\":\"",
						   "\"full_text\":\"",
						   "\"content\":\""};
		const char *best = NULL;
		for (int i = 0; i < 3; i++) {
			const char *f = memmem(s, n, keys[i], strlen(keys[i]));
			if (f && (!best || f < best))
				best = f + strlen(keys[i]);
		}
		if (!best) {
			const char *f = memmem(s, n, "\":\"", 3);
			if (f)
				best = f + 3;
		}
		if (best) {
			size_t at = (size_t)(best - s);
			b_mem(m, s, at);
			b_str0(m, bad[rng_below(r, sizeof bad / sizeof bad[0])]);
			b_mem(m, s + at, n - at);
			return;
		}
	}
	/* truncated */
	size_t cut = n > 2 ? 1 + rng_below(r, (uint32_t)(n - 2)) : 1;
	b_mem(m, s, cut);
}

/* Writes a JSON line (s has no newline), maybe after a malformed copy. */
static void put_json_line(struct gen *g, const char *s, size_t n)
{
	if (g->mal_q > 0 && rng_chance(&g->rr, g->mal_q)) {
		g->mal.n = 0;
		if (g->sse)
			b_lit(&g->mal, "event: update\ndata: ");
		corrupt(g, &g->mal, s, n);
		b_str0(&g->mal, g->sse ? "\n\n" : "\n");
		out_write(g, g->mal.p, g->mal.n);
		g->nmal++;
		g->nlines += g->sse ? 3 : 1;
	}
	if (g->sse) {
		out_write(g, "event: update\ndata: ", 20);
		out_write(g, s, n);
		out_write(g, "\n\n", 2);
		g->nlines += 3;
	} else {
		out_write(g, s, n);
		out_write(g, "\n", 1);
		g->nlines++;
	}
}

/* ------------------------------------------------------------------ */
/* 11. truth                                                           */
/* ------------------------------------------------------------------ */

static bool set_add(uint64_t **tab, size_t *cap, size_t *n, uint64_t v,
		    bool *oom)
{
	if (*n * 2 >= *cap) {
		size_t nc = *cap ? *cap * 2 : 1u << 16;
		uint64_t *nt = calloc(nc, sizeof *nt);
		if (!nt) {
			*oom = true;
			return false;
		}
		for (size_t i = 0; i < *cap; i++) {
			uint64_t x = (*tab)[i];
			if (!x)
				continue;
			size_t j = mix64(x) & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = x;
		}
		free(*tab);
		*tab = nt;
		*cap = nc;
	}
	size_t j = mix64(v) & (*cap - 1);
	while ((*tab)[j]) {
		if ((*tab)[j] == v)
			return false;
		j = (j + 1) & (*cap - 1);
	}
	(*tab)[j] = v;
	(*n)++;
	return true;
}

static int truth_init(struct gen *g)
{
	struct truth *t = calloc(1, sizeof *t);
	if (!t)
		return GS_ENOMEM;
	g->tr = t;
	t->ks = calloc(g->nkeys, sizeof *t->ks);
	t->spc = calloc(g->nsp, sizeof *t->spc);
	if (!t->ks || !t->spc)
		return GS_ENOMEM;
	return 0;
}

static void truth_free(struct truth *t)
{
	if (!t)
		return;
	free(t->ks);
	free(t->spc);
	free(t->pairs);
	free(t->accts);
	free(t);
}

static void truth_count(struct gen *g, const struct gpost *p)
{
	struct truth *t = g->tr;
	const struct gpost *src =
		p->kind == K_REPOST ? ring_get(g, p->rp_oseq) : p;
	int64_t sec = floor_div(p->t_us, 1000000);
	set_add(&t->accts, &t->acap, &t->an, (uint64_t)p->author + 1, &t->oom);
	for (unsigned i = 0; i < src->ntk; i++) {
		uint32_t k = src->tkey[i];
		struct tstat *s = &t->ks[k];
		if (s->posts++ == 0)
			s->first = sec;
		s->last = sec;
		if (p->kind == K_REPOST)
			s->reposts++;
		else
			s->originals++;
		if (p->kind == K_REPLY)
			s->replies++;
		if (p->kind == K_QUOTE && g->tw)
			s->quotes++;
		t->spc[src->tsp[i]]++;
		if (set_add(&t->pairs, &t->pcap, &t->pn,
			    ((uint64_t)k << 32 | p->author) + 1, &t->oom))
			s->accounts++;
	}
}

static uint32_t display_of(const struct gen *g, uint32_t k)
{
	uint32_t best = g->keys[k].first_sp;
	for (uint32_t s = best; s != UINT32_MAX; s = g->sp[s].next) {
		uint64_t a = g->tr->spc[s], b = g->tr->spc[best];
		if (a > b)
			best = s;
		else if (a == b && s != best) {
			size_t la = g->sp[s].len, lb = g->sp[best].len;
			int c = memcmp(sp_text(g, s), sp_text(g, best),
				       la < lb ? la : lb);
			if (c < 0 || (c == 0 && la < lb))
				best = s;
		}
	}
	return best;
}

static int key_cmp(const struct gen *g, uint32_t a, uint32_t b)
{
	size_t la = g->keys[a].len, lb = g->keys[b].len;
	int c = memcmp(key_text(g, a), key_text(g, b), la < lb ? la : lb);
	return c ? c : la < lb ? -1 : la > lb ? 1 : 0;
}

/* Sorts keys by their bytes (a merge sort: no global state, so several
 * generators may run in threads). */
static void sort_keys(const struct gen *g, uint32_t *v, uint32_t *tmp,
		      uint32_t n)
{
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n;
			uint32_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			uint32_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = key_cmp(g, v[j], v[i]) < 0 ? v[j++]
								      : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
}

static void b_key_str(const struct gen *g, struct buf *b, uint32_t k)
{
	b_jstr(b, key_text(g, k), g->keys[k].len, false);
}

static void b_tagref(const struct gen *g, struct buf *b, int special)
{
	uint32_t k = g->sp[g->lt[special].sp[0]].key;
	b_lit(b, "{\"tag\":");
	b_key_str(g, b, k);
	b_lit(b, ",\"display\":");
	uint32_t d = display_of(g, k);
	b_jstr(b, sp_text(g, d), g->sp[d].len, false);
}

static int truth_write(struct gen *g, FILE *f)
{
	struct truth *t = g->tr;
	struct buf b = {0};
	int64_t end = g->timed ? g->start + (int64_t)g->W
		      : g->nposts ? g->last_sec + 1
				  : g->start;
	b_lit(&b, "{\"generator\":\"groundswell\",\"version\":1,\"seed\":");
	b_u64(&b, g->o.seed);
	b_lit(&b, ",\"format\":\"");
	b_str0(&b, gs_gen_format_name(g->fmt));
	b_lit(&b, "\",\"start\":\"");
	b_rfc3339(&b, g->start);
	b_lit(&b, "\",\"end\":\"");
	b_rfc3339(&b, end);
	b_lit(&b, "\",\"hours\":");
	b_double(&b, g->W / 3600.0);
	b_lit(&b, ",\"rate\":");
	b_double(&b, g->o.rate);
	b_lit(&b, ",\"posts\":");
	b_u64(&b, g->nposts);
	b_lit(&b, ",\"originals\":");
	b_u64(&b, g->nposts - g->nreposts);
	b_lit(&b, ",\"reposts\":");
	b_u64(&b, g->nreposts);
	b_lit(&b, ",\"replies\":");
	b_u64(&b, g->nreplies);
	b_lit(&b, ",\"quotes\":");
	b_u64(&b, g->nquotes);
	b_lit(&b, ",\"malformed\":");
	b_u64(&b, g->nmal);
	b_lit(&b, ",\"skipped\":");
	b_u64(&b, g->nskip);
	b_lit(&b, ",\"lines\":");
	b_u64(&b, g->nlines);
	b_lit(&b, ",\"bytes\":");
	b_u64(&b, g->nbytes);
	b_lit(&b, ",\"accounts\":");
	b_u64(&b, t->an);
	b_lit(&b, ",\"tags\":{");

	uint32_t *order = malloc((g->nkeys ? g->nkeys : 1) * sizeof *order);
	uint32_t *tmp = malloc((g->nkeys ? g->nkeys : 1) * sizeof *tmp);
	if (!order || !tmp) {
		free(order);
		free(tmp);
		free(b.p);
		return GS_ENOMEM;
	}
	uint32_t no = 0;
	for (uint32_t k = 0; k < g->nkeys; k++)
		if (t->ks[k].posts)
			order[no++] = k;
	sort_keys(g, order, tmp, no);
	free(tmp);
	for (uint32_t i = 0; i < no; i++) {
		uint32_t k = order[i];
		const struct tstat *s = &t->ks[k];
		if (i)
			b_ch(&b, ',');
		b_key_str(g, &b, k);
		b_lit(&b, ":{\"display\":");
		uint32_t d = display_of(g, k);
		b_jstr(&b, sp_text(g, d), g->sp[d].len, false);
		b_lit(&b, ",\"posts\":");
		b_u64(&b, s->posts);
		b_lit(&b, ",\"originals\":");
		b_u64(&b, s->originals);
		b_lit(&b, ",\"reposts\":");
		b_u64(&b, s->reposts);
		b_lit(&b, ",\"replies\":");
		b_u64(&b, s->replies);
		b_lit(&b, ",\"quotes\":");
		b_u64(&b, s->quotes);
		b_lit(&b, ",\"accounts\":");
		b_u64(&b, s->accounts);
		b_lit(&b, ",\"first_seen\":\"");
		b_rfc3339(&b, s->first);
		b_lit(&b, "\",\"last_seen\":\"");
		b_rfc3339(&b, s->last);
		b_lit(&b, "\"}");
	}
	free(order);
	b_lit(&b, "},\"movements\":[");
	for (int i = 0; i < NMOV; i++) {
		const struct movement *m = &g->mv[i];
		uint32_t k = g->sp[g->lt[m->tag].sp[0]].key;
		if (i)
			b_ch(&b, ',');
		b_tagref(g, &b, m->tag);
		b_lit(&b, ",\"shape\":\"");
		b_str0(&b, m->shape);
		b_lit(&b, "\",\"onset\":\"");
		b_rfc3339(&b, (int64_t)m->onset);
		b_lit(&b, "\",\"peak\":\"");
		b_rfc3339(&b, (int64_t)(m->onset + m->rise));
		b_lit(&b, "\",\"end\":\"");
		b_rfc3339(&b, (int64_t)m->end < end ? (int64_t)m->end : end);
		b_lit(&b, "\",\"accounts\":");
		b_u64(&b, t->ks[k].accounts);
		b_lit(&b, ",\"posts\":");
		b_u64(&b, t->ks[k].posts);
		b_ch(&b, '}');
	}
	b_lit(&b, "],\"spam\":[");
	for (int j = 0; j < NSPAM; j++) {
		const struct spamflood *s = &g->sf[j];
		if (j)
			b_ch(&b, ',');
		b_tagref(g, &b, s->tag);
		b_lit(&b, ",\"accounts\":");
		b_u64(&b, (uint64_t)__builtin_popcount(s->mask));
		b_lit(&b, ",\"start\":\"");
		b_rfc3339(&b, (int64_t)s->start);
		b_lit(&b, "\",\"end\":\"");
		b_rfc3339(&b, (int64_t)s->end);
		b_lit(&b, "\",\"posts\":");
		b_u64(&b, s->posts);
		b_ch(&b, '}');
	}
	b_lit(&b, "],\"steady\":[");
	static const int steady[3] = {S_NEWS, S_MUSIC, S_NOWPLAYING};
	for (int j = 0; j < 3; j++) {
		if (j)
			b_ch(&b, ',');
		b_tagref(g, &b, steady[j]);
		b_lit(&b, ",\"posts\":");
		b_u64(&b, t->ks[g->sp[g->lt[steady[j]].sp[0]].key].posts);
		b_ch(&b, '}');
	}
	b_lit(&b, "]}\n");
	int rc = 0;
	if (b.oom || t->oom)
		rc = GS_ENOMEM;
	else if (fwrite(b.p, 1, b.n, f) != b.n || fflush(f) != 0)
		rc = GS_EIO;
	free(b.p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* 12. main loop                                                       */
/* ------------------------------------------------------------------ */

static const char *const gen_format_names[GS_GEN_FORMAT_COUNT_] = {
	"twitter1", "twitter2", "twitter2-flat",
	"jetstream", "mastodon", "mastodon-sse"};

/* Bytes per counted post, to size a window from --bytes-target. */
static const double bytes_per_post[GS_GEN_FORMAT_COUNT_] = {
	3075, 1720, 2100, 830, 2085, 2105};

const char *gs_gen_format_name(enum gs_gen_format f)
{
	return (unsigned)f < GS_GEN_FORMAT_COUNT_ ? gen_format_names[f]
						  : "unknown";
}

enum gs_gen_format gs_gen_format_parse(const char *name)
{
	for (int i = 0; i < GS_GEN_FORMAT_COUNT_; i++)
		if (name && strcmp(name, gen_format_names[i]) == 0)
			return (enum gs_gen_format)i;
	return GS_GEN_FORMAT_COUNT_;
}

void gs_generate_options_init(struct gs_generate_options *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->hours = 72;
	o->rate = 2;
	o->start = 1507852800; /* 2017-10-13T00:00:00Z */
	o->format = GS_GEN_TWITTER1;
}

static void page_begin(struct gen *g)
{
	g->pdata.n = g->pusers.n = g->ptweets.n = 0;
	g->pn = g->npu = g->nptw = 0;
	g->ascii = rng_chance(&g->rr, 0.25);
	g->ptarget = rng_chance(&g->rr, 0.85) ? 100 : 1 + rng_below(&g->rr, 99);
}

static void page_flush(struct gen *g)
{
	if (!g->pn)
		return;
	struct buf *l = &g->line;
	l->n = 0;
	b_lit(l, "{\"data\":[");
	b_mem(l, g->pdata.p, g->pdata.n);
	b_lit(l, "],\"includes\":{\"users\":[");
	b_mem(l, g->pusers.p, g->pusers.n);
	b_ch(l, ']');
	if (g->ptweets.n) {
		b_lit(l, ",\"tweets\":[");
		b_mem(l, g->ptweets.p, g->ptweets.n);
		b_ch(l, ']');
	}
	b_lit(l, "},\"meta\":{\"newest_id\":");
	b_qu64(l, g->pnewest);
	b_lit(l, ",\"oldest_id\":");
	b_qu64(l, g->poldest);
	b_lit(l, ",\"result_count\":");
	b_u64(l, g->pn);
	b_lit(l, ",\"next_token\":\"b26v89c19zqg8o3f");
	char code[10];
	url_code(g, g->npage, 30, code);
	for (int i = 0; i < 10; i++)
		b_ch(l, (char)(code[i] | 0x20) >= 'a' ? (char)(code[i] | 0x20)
							: code[i]);
	b_lit(l, "\"},");
	b_twarc(g, l, g->npage);
	b_ch(l, '}');
	put_json_line(g, l->p, l->n);
	g->npage++;
	g->pn = 0;
}

/* Emits the post of component comp at t_us; returns true to stop. */
static bool emit(struct gen *g, int comp, int64_t t_us)
{
	int64_t prev = g->last_t_us;
	struct gpost *p = make_post(g, comp, t_us);
	g->nposts++;
	g->nreposts += p->kind == K_REPOST;
	g->nreplies += p->kind == K_REPLY;
	g->nquotes += p->kind == K_QUOTE && g->tw;
	g->last_t_us = t_us;
	g->last_sec = floor_div(t_us, 1000000);
	if (comp > NMOV) {
		struct spamflood *s = &g->sf[comp - 1 - NMOV];
		s->posts++;
		s->mask |= 1u << (p->author - s->pool);
	}
	if (g->tr)
		truth_count(g, p);

	struct buf *l = &g->line;
	if (g->tw2raw) {
		if (!g->pn)
			page_begin(g);
		page_add(g, p);
		if (g->pn >= g->ptarget)
			page_flush(g);
	} else {
		struct rng *r = &g->rr;
		if (g->js && t_us - prev > 2) {
			unsigned n = rng_chance(r, 0.3) + rng_chance(r, 0.06);
			for (unsigned i = 0; i < n; i++) {
				int64_t ts = prev + 1 +
					     (int64_t)(rng_unit(r) *
						       (double)(t_us - prev - 1));
				if (ts <= prev)
					ts = prev + 1;
				if (ts >= t_us)
					break;
				g->ascii = false;
				l->n = 0;
				js_skipped(g, l, ts);
				put_json_line(g, l->p, l->n);
				g->nskip++;
				prev = ts;
			}
		}
		if (g->sse) {
			if (floor_div(t_us, 15000000) > floor_div(g->last_hb, 15000000)) {
				out_write(g, ":thump\n", 7);
				g->nlines++;
				g->last_hb = t_us;
			}
			if (rng_chance(r, 0.01)) {
				l->n = 0;
				b_lit(l, "event: delete\ndata: ");
				int64_t old = g->start * 1000000 - 1000 -
					      (int64_t)rng_below(r, 2000000000u) * 1000;
				b_u64(l, ma_sid(old, rng_next(r)));
				b_lit(l, "\n\n");
				out_write(g, l->p, l->n);
				g->nlines += 3;
				g->nskip++;
			}
		}
		g->ascii = rng_chance(r, 0.25);
		l->n = 0;
		if (g->tw1) {
			if (p->kind == K_REPOST)
				tw1_retweet(g, l, p);
			else
				tw1_tweet(g, l, p, 0, true);
		} else if (g->tw2flat) {
			b_ch(l, '{');
			tw2_fields(g, l, p, 0, true);
			b_ch(l, ',');
			b_twarc(g, l, p->seq / 100);
			b_ch(l, '}');
		} else if (g->js) {
			js_post(g, l, p);
		} else {
			ma_status(g, l, p);
		}
		put_json_line(g, l->p, l->n);
	}
	if (g->o.posts && g->nposts >= g->o.posts)
		return true;
	if (g->o.bytes_target && g->nbytes >= g->o.bytes_target)
		return true;
	return false;
}

static bool gen_oom(const struct gen *g)
{
	return g->line.oom || g->mal.oom || g->html.oom || g->pdata.oom ||
	       g->pusers.oom || g->ptweets.oom || (g->tr && g->tr->oom);
}

static int run(struct gen *g)
{
	double *offs = NULL;
	uint8_t *comps = NULL;
	size_t cap = 0;
	int rc = 0;
	int64_t end = g->start + (int64_t)g->W;
	for (int64_t sec = g->start;; sec++) {
		if (g->timed && sec >= end)
			break;
		double t = (double)sec + 0.5, lam[NCOMP], total = 0;
		lam[0] = g->o.rate * g->bgscale * daily(t);
		for (int i = 0; i < NMOV; i++)
			lam[1 + i] = mv_rate(g, i, t);
		for (int j = 0; j < NSPAM; j++)
			lam[1 + NMOV + j] = spam_rate(g, j, t);
		for (int i = 0; i < NCOMP; i++)
			total += lam[i];
		uint64_t n = rng_poisson(&g->lr, total);
		if (n == 0)
			continue;
		if (n > cap) {
			size_t nc = n + n / 2 + 16;
			double *o2 = realloc(offs, nc * sizeof *o2);
			if (!o2) {
				rc = GS_ENOMEM;
				break;
			}
			offs = o2;
			uint8_t *c2 = realloc(comps, nc);
			if (!c2) {
				rc = GS_ENOMEM;
				break;
			}
			comps = c2;
			cap = nc;
		}
		/* sorted uniform times in the second: exponential spacings */
		double acc = 0;
		for (uint64_t k = 0; k < n; k++) {
			acc += -log(1.0 - rng_unit(&g->lr));
			offs[k] = acc;
			comps[k] = (uint8_t)rng_pick(&g->lr, lam, NCOMP);
		}
		acc += -log(1.0 - rng_unit(&g->lr));
		double scale = 1e6 / acc;
		bool stop = false;
		for (uint64_t k = 0; k < n && !stop; k++) {
			int64_t t_us = sec * 1000000 + (int64_t)(offs[k] * scale);
			if (t_us <= g->last_t_us)
				t_us = g->last_t_us + 1;
			stop = emit(g, comps[k], t_us);
			if (gen_oom(g)) {
				rc = GS_ENOMEM;
				stop = true;
			} else if (g->ioerr) {
				rc = GS_EIO;
				stop = true;
			}
		}
		if (stop)
			break;
	}
	free(offs);
	free(comps);
	if (!rc && g->tw2raw)
		page_flush(g);
	return rc;
}

static void gen_free(struct gen *g)
{
	if (!g)
		return;
	free(g->arena.p);
	free(g->sp);
	free(g->keys);
	free(g->sph);
	free(g->kh);
	free(g->ring);
	free(g->line.p);
	free(g->mal.p);
	free(g->html.p);
	free(g->pdata.p);
	free(g->pusers.p);
	free(g->ptweets.p);
	free(g->ob.p);
	truth_free(g->tr);
	free(g);
}

int gs_generate(FILE *out, FILE *truth, const struct gs_generate_options *o)
{
	if (!out || !o)
		return GS_EUSAGE;
	if (!(o->rate > 0 && o->rate <= 100000) ||
	    !(o->hours >= 0 && o->hours <= 24 * 3650) ||
	    !(o->malformed >= 0 && o->malformed <= 0.9) ||
	    (unsigned)o->format >= GS_GEN_FORMAT_COUNT_ ||
	    o->start < 0 || o->start > 250000000000LL ||
	    o->posts > (1ULL << 40))
		return GS_EUSAGE;
	struct gen *g = calloc(1, sizeof *g);
	if (!g)
		return GS_ENOMEM;
	g->o = *o;
	g->fmt = o->format;
	g->tw1 = g->fmt == GS_GEN_TWITTER1;
	g->tw2raw = g->fmt == GS_GEN_TWITTER2;
	g->tw2flat = g->fmt == GS_GEN_TWITTER2_FLAT;
	g->tw = g->tw1 || g->tw2raw || g->tw2flat;
	g->js = g->fmt == GS_GEN_JETSTREAM;
	g->sse = g->fmt == GS_GEN_MASTODON_SSE;
	g->out = out;
	g->start = o->start;
	g->key = mix64(o->seed ^ 0x6a09e667f3bcc908ULL) | 1;
	rng_seed(&g->lr, o->seed ^ 0x243f6a8885a308d3ULL);
	rng_seed(&g->rr, o->seed ^ 0x13198a2e03707344ULL);
	g->mal_q = o->malformed > 0 ? o->malformed / (1.0 - o->malformed) : 0;
	if (o->hours > 0) {
		g->W = floor(o->hours * 3600 + 0.5);
		g->timed = true;
	} else if (o->posts) {
		g->W = ceil((double)o->posts / o->rate);
	} else if (o->bytes_target) {
		g->W = ceil((double)o->bytes_target /
			    (bytes_per_post[g->fmt] * o->rate));
	} else {
		g->W = 72 * 3600;
		g->timed = true;
	}
	if (g->W < 1)
		g->W = 1;
	if (g->W > 3650.0 * 86400)
		g->W = 3650.0 * 86400;
	g->last_t_us = g->start * 1000000 - 1;
	g->last_hb = g->start * 1000000;
	int rc = dict_init(g);
	if (!rc) {
		schedule_init(g);
		g->ring = calloc(RING, sizeof *g->ring);
		if (!g->ring || !b_grow(&g->ob, OBCAP))
			rc = GS_ENOMEM;
		for (unsigned i = 0; g->ring && i < RING; i++)
			g->ring[i].oseq = UINT64_MAX;
	}
	if (!rc && truth)
		rc = truth_init(g);
	if (!rc)
		rc = run(g);
	out_flush(g);
	if (!rc && (g->ioerr || fflush(out) != 0))
		rc = GS_EIO;
	if (!rc && truth)
		rc = truth_write(g, truth);
	gen_free(g);
	return rc;
}
