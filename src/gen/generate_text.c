/*
 * generate_text.c - a post's text, rendered from its tokens with the spans
 * of its entities (tags, mentions, URLs) in both code points (Twitter's
 * indices) and UTF-8 bytes (Bluesky's facets); the retweet form
 * "RT @name: ..." and the streaming API's cut of a long tweet derive from
 * a rendered text and shift or drop its spans. Token boundaries are kept so
 * that a cut falls between words.
 */
#include "generate_int.h"

void gs_gen_url_code(const struct gen *g, uint64_t ref, unsigned kind,
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

void gs_gen_render_text(const struct gen *g, const struct gpost *p, int mode,
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
			s = gs_gen_lexicon[t->a].w[t->b];
			rt_put(rt, s, strlen(s));
			break;
		case T_EMOJI:
			rt_put(rt, gs_gen_emoji[t->b],
			       strlen(gs_gen_emoji[t->b]));
			break;
		case T_PUNCT:
			rt_put(rt, gs_gen_punct[t->b],
			       strlen(gs_gen_punct[t->b]));
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
			gs_gen_acct_get(g, t->b, &a);
			if (mode == RM_TW) {
				rt_put(rt, "@", 1);
				rt_put(rt, a.sn, a.snlen);
			} else {
				char h[64];
				struct buf hb = {h, 0, sizeof h, false};
				b_ch(&hb, '@');
				gs_gen_put_handle(&hb, &a);
				rt_put(rt, h, hb.n);
			}
			rt_span(rt, T_MENTION, 0, t->b, c0, b0);
			break;
		}
		case T_URL: {
			char code[10];
			gs_gen_url_code(g, t->b, t->a, code);
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
void gs_gen_rt_retweet(struct rtext *d, const struct rtext *s,
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
void gs_gen_rt_stream_cut(const struct gen *g, struct rtext *d,
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
	gs_gen_url_code(g, self, U_SELF, code);
	rt_put(d, "https://t.co/", 13);
	rt_put(d, code, 10);
	rt_span(d, T_URL, U_SELF, self, c0, b0);
}

