/*
 * generate.c - the synthetic stream behind `groundswell generate` (see
 * generate.h for the contract and the truth schema): the options, the
 * schedule, the main loop and the output.
 *
 * Design. Time advances one second at a time. Each second the rates of
 * the components (the Zipf background with its daily cycle, the five
 * planted movements of movements.c, the three spam floods) are summed, a
 * Poisson count of posts is drawn, and each post gets a component by its
 * share of the rate and a time inside the second (sorted uniform times,
 * from exponential spacings). generate_post.c turns (component, time) into
 * a logical post; generate_write.c writes it in the chosen wire format;
 * generate_truth.c counts it. The stream stops at the window's end, after
 * --posts posts or at --bytes-target bytes.
 *
 * Two random streams: `lr` draws the logical content, `rr` the
 * presentation, so every format of one seed carries the same posts.
 * Per-post presentation details (text style, source, counters) are hashes
 * of the post's ordinal. Nothing reads the clock, the locale or rand().
 *
 * The files (their shared declarations are in generate_int.h):
 *   generate.c        this: options, schedule, main loop, output buffer,
 *                     malformed lines
 *   vocab.c           the vocabularies and special tags (data)
 *   movements.c       the planted movements and spam floods (data)
 *   generate_post.c   tag dictionary, accounts, logical posts
 *   generate_text.c   text rendering with entity offsets
 *   generate_write.c  the wire formats' line writers
 *   generate_truth.c  the truth
 * Times are formatted and the calendar computed by base/timeutil; JSON
 * strings are escaped by out/json_writer (gs_json_escape).
 */
#include "generate_int.h"

#include "base/timeutil.h"

/* ------------------------------------------------------------------ */
/* random numbers and buffers                                         */
/* ------------------------------------------------------------------ */

static void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		r->s[i] = mix64(x);
	}
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

bool gs_gen_buf_grow(struct buf *b, size_t add)
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

/* ------------------------------------------------------------------ */
/* the start time                                                     */
/* ------------------------------------------------------------------ */

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

/* Laxer than gs_time_parse_iso8601 (a bare date, second 60, a day past the
 * month's end, any number of fraction digits), as --start always was. */
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
	int64_t days = gs_time_days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = days * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the schedule                                                       */
/* ------------------------------------------------------------------ */

/* Activity multiplier over the day: 0.4 at 04:00 UTC, 1.6 at 16:00 UTC. */
static double daily(double t)
{
	double h = fmod(t, 86400.0) / 3600.0;
	if (h < 0)
		h += 24;
	return 1.0 + 0.6 * cos(6.283185307179586 * (h - 16.0) / 24.0);
}

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
	if (kind == SH_FLASH || m->fall > 0) /* flash, or a voice */
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
	for (int i = 0; i < NMOV; i++) {
		const struct mv_plan *p = &gs_gen_movements[i];
		struct movement *m = &g->mv[i];
		memset(m, 0, sizeof *m);
		m->shape = p->shape;
		m->tag = p->tag;
		memcpy(m->co, p->co, sizeof m->co);
		memcpy(m->cop, p->cop, sizeof m->cop);
		m->nco = p->nco;
		m->pool = POOL_MOV + (uint32_t)i * POOL_SIZE;
		m->fresh = p->fresh;
		m->p_new = p->p_new;
		m->p_repost = p->p_repost;
		m->p_reply = p->p_reply;
		m->p_bgtag = p->p_bgtag;
		memcpy(m->langw, p->langw, sizeof m->langw);
		m->rise = p->rise * f;
		m->plateau = p->plateau * f;
		m->tau = p->tau * f;
		m->fall = p->fall * f;
		m->peak_rate = p->peak * R;
		if (i != SH_METOO)
			m->onset = S + at_min(p->at * W, W);
	}
	/* The historical onset (2017-10-15 20:00 UTC) when it falls in the
	 * first part of the window; else, in windows of a day or more, the
	 * first 20:00 UTC (afternoon in the Americas) after a quarter of the
	 * window; else a third of the way in. */
	struct movement *m = &g->mv[SH_METOO];
	double hist = 1508097600.0;
	double at20 = ceil((S + W / 4 - 72000.0) / 86400.0) * 86400.0 + 72000.0;
	if (hist >= S + 0.1 * W && hist <= S + 0.6 * W)
		m->onset = hist;
	else if (W >= 86400 && at20 <= S + W / 2)
		m->onset = at20;
	else
		m->onset =
			S + (W >= 3600 ? floor(W / 3 / 60) * 60 : floor(W / 3));

	for (int i = 0; i < NMOV; i++) {
		m = &g->mv[i];
		double e = i == SH_FLASH
				   ? m->onset + m->rise + m->plateau + m->fall
				   : m->onset + m->rise + m->plateau +
					     m->tau * log(50.0);
		m->end = e;
	}

	/* spam floods: 1, 2 and 3 accounts, hundreds of posts in an hour */
	for (int j = 0; j < NSPAM; j++) {
		struct spamflood *s = &g->sf[j];
		memset(s, 0, sizeof *s);
		s->tag = gs_gen_spam[j].tag;
		s->k = (uint32_t)j + 1;
		s->pool = POOL_SPAM + (uint32_t)j * 16;
		s->start = S + at_min(gs_gen_spam[j].at * W, W);
		double dur = 3600 * f;
		if (dur < 60)
			dur = 60;
		s->end = s->start + dur;
		double n = gs_gen_spam[j].posts;
		if (n > 0.02 * expected)
			n = 0.02 * expected;
		s->rate = n / dur;
	}

	/* Normalise: the small movement has a fixed expected size, and the
	 * background fills the rest of the mean rate. */
	double small_n = 450;
	if (small_n > 0.015 * expected)
		small_n = 0.015 * expected;
	if (g->o.voice_accounts) /* sized by its participants instead */
		small_n = gs_gen_voice_plan(g);
	double area = 0, extra = 0;
	double step = W / 20000 < 60 ? (W / 20000 > 1 ? W / 20000 : 1) : 60;
	for (double t = S + step / 2; t < S + W; t += step) {
		g->mv[SH_SMALL].peak_rate = 1;
		area += mv_rate(g, SH_SMALL, t) * step;
	}
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

/* ------------------------------------------------------------------ */
/* output and malformed lines                                         */
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
void gs_gen_put_line(struct gen *g, const char *s, size_t n)
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
/* the main loop                                                      */
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
	o->voice_hours = 6;
	o->voice_at = 0.5;
}

/* Emits the post of component comp at t_us; returns true to stop. */
static bool emit(struct gen *g, int comp, int64_t t_us)
{
	int64_t prev = g->last_t_us;
	struct gpost *p = gs_gen_make_post(g, comp, t_us);
	g->nposts++;
	g->nreposts += p->kind == K_REPOST;
	g->nreplies += p->kind == K_REPLY;
	g->nquotes += p->kind == K_QUOTE && g->tw;
	g->last_t_us = t_us;
	g->last_sec = floor_div(t_us, 1000000);
	if (comp > NMOV && comp < FAM_COMP0) {
		struct spamflood *s = &g->sf[comp - 1 - NMOV];
		s->posts++;
		s->mask |= 1u << (p->author - s->pool);
	}
	if (g->tr)
		gs_gen_truth_count(g, p);

	struct buf *l = &g->line;
	if (g->tw2raw) {
		if (!g->pn)
			gs_gen_page_begin(g);
		gs_gen_page_add(g, p);
		if (g->pn >= g->ptarget)
			gs_gen_page_flush(g);
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
				gs_gen_js_skipped(g, l, ts);
				gs_gen_put_line(g, l->p, l->n);
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
		gs_gen_write_post(g, l, p);
		gs_gen_put_line(g, l->p, l->n);
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
		double t = (double)sec + 0.5, lam[NCOMP + NFAM * FAM_TAGS],
		       total = 0;
		unsigned ncomp = NCOMP + g->nfam * FAM_TAGS;
		lam[0] = g->o.rate * g->bgscale * daily(t);
		for (int i = 0; i < NMOV; i++)
			lam[1 + i] = mv_rate(g, i, t);
		for (int j = 0; j < NSPAM; j++)
			lam[1 + NMOV + j] = spam_rate(g, j, t);
		for (unsigned i = 0; i < g->nfam * FAM_TAGS; i++)
			lam[NCOMP + i] = gs_gen_family_rate(g, i, t);
		for (unsigned i = 0; i < ncomp; i++)
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
			comps[k] = (uint8_t)rng_pick(&g->lr, lam, ncomp);
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
		gs_gen_page_flush(g);
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
	gs_gen_truth_free(g->tr);
	free(g);
}

int gs_generate(FILE *out, FILE *truth, const struct gs_generate_options *o)
{
	if (!out || !o)
		return GS_EUSAGE;
	if (!(o->rate > 0 && o->rate <= 100000) ||
	    !(o->hours >= 0 && o->hours <= 24 * 3650) ||
	    !(o->malformed >= 0 && o->malformed <= 0.9) ||
	    (unsigned)o->format >= GS_GEN_FORMAT_COUNT_ || o->start < 0 ||
	    o->start > 250000000000LL || o->posts > (1ULL << 40) ||
	    o->families > GS_GEN_FAMILIES_MAX)
		return GS_EUSAGE;
	if (o->voice_accounts > 1000000 ||
	    (unsigned)o->voice_shape >= GS_GEN_VOICE_COUNT_ ||
	    !(o->voice_hours > 0 && o->voice_hours <= 240) ||
	    !(o->voice_at >= 0 && o->voice_at < 1))
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
	int rc = gs_gen_dict_init(g);
	if (!rc) {
		schedule_init(g);
		g->nfam = o->families;
		if (g->nfam)
			rc = gs_gen_family_init(g);
	}
	if (!rc) {
		g->ring = calloc(RING, sizeof *g->ring);
		if (!g->ring || !gs_gen_buf_grow(&g->ob, OBCAP))
			rc = GS_ENOMEM;
		for (unsigned i = 0; g->ring && i < RING; i++)
			g->ring[i].oseq = UINT64_MAX;
	}
	if (!rc && truth)
		rc = gs_gen_truth_init(g);
	if (!rc)
		rc = run(g);
	out_flush(g);
	if (!rc && (g->ioerr || fflush(out) != 0))
		rc = GS_EIO;
	if (!rc && truth)
		rc = gs_gen_truth_write(g, truth);
	gen_free(g);
	return rc;
}
