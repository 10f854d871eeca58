/*
 * generate_post.c - what the stream is made of, before any format: the tag
 * dictionary, the fictional accounts and the logical posts.
 *
 * Dictionary: every spelling a post may carry is interned up front (the
 * special tags of vocab.c and a Zipf-Mandelbrot background vocabulary of
 * pronounceable words); each spelling knows its gs_fold() key, so counting
 * never folds. Accounts are not stored: an account is a pure function of
 * its index and the seed (hashes give its names, language, counts and
 * creation time), so any writer can rebuild it. A logical post is drawn
 * from the `lr` stream only: its author, kind (original, reply, quote,
 * repost), target among the last PICKWIN ring posts, and tokens (words,
 * emoji, tags, mentions, URLs) that every format renders the same way.
 */
#include "generate_int.h"

#include "input/fold.h"

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

/* ------------------------------------------------------------------ */
/* tag dictionary                                                     */
/* ------------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return mix64(h);
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

int64_t gs_gen_intern(struct gen *g, const char *s, size_t n)
{
	return intern(g, s, n);
}

int gs_gen_dict_init(struct gen *g)
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
		for (int j = 0; j < 6 && gs_gen_specials[i].sp[j]; j++) {
			int64_t id = intern(g, gs_gen_specials[i].sp[j],
					    strlen(gs_gen_specials[i].sp[j]));
			if (id < 0)
				return GS_ENOMEM;
			l->sp[l->n] = (uint32_t)id;
			l->w[l->n++] = gs_gen_specials[i].w[j];
		}
	}
	/* Background vocabulary: pronounceable words, bijective in rank. */
	for (uint32_t r = 0; r < VOCAB; r++) {
		uint32_t x = (uint32_t)(((uint64_t)r * 7919 + 13) % 216000);
		char w[16];
		size_t n = 0;
		const char *s3[4] = {
			gs_gen_syl[x / 3600], gs_gen_syl[x / 60 % 60],
			gs_gen_syl[x % 60], gs_gen_syl[(x / 7) % 60]};
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
/* accounts                                                           */
/* ------------------------------------------------------------------ */

static size_t pword(uint64_t h, int nsyl, bool cap, char *out)
{
	size_t n = 0;
	for (int i = 0; i < nsyl; i++) {
		memcpy(out + n, gs_gen_syl[h % 60], 2);
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

void gs_gen_acct_get(const struct gen *g, uint32_t idx, struct acct *a)
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
		acc += gs_gen_lang_share[i];
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
			const char *c = gs_gen_kana[x % 18];
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
		const char *e = gs_gen_emoji[(h3 >> 40) % NEMOJI];
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
void gs_gen_put_desc(struct buf *b, const struct acct *a, bool ascii)
{
	uint64_t x = hh(a->h, 7, a->idx);
	if (x % 100 < 15)
		return;
	const struct lexicon *lx = &gs_gen_lexicon[a->lang];
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
		const char *e = gs_gen_emoji[(x >> 8) % NEMOJI];
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

void gs_gen_put_handle(struct buf *b, const struct acct *a)
{
	for (size_t i = 0; i < a->snlen; i++) {
		char c = a->sn[i];
		b_ch(b, c >= 'A' && c <= 'Z' ? (char)(c + 32)
				       : c == '_' ? '-' : c);
	}
	b_lit(b, ".example.social");
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
/* logical posts                                                      */
/* ------------------------------------------------------------------ */

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
	const struct lexicon *lx = &gs_gen_lexicon[p->lang];
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
			const int *lt = gs_gen_lang_tags[p->lang];
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
	} else if (comp >= FAM_COMP0) {
		/* a family's tag, now and then with its siblings that have
		 * started */
		unsigned c = (unsigned)comp - FAM_COMP0, k = c % FAM_TAGS;
		struct family *f = &g->fam[c / FAM_TAGS];
		double t = (double)p->t_us / 1e6;
		item_tag(g, p, it, &nit, f->sp[k], tag_where(r, 0.15, 0.35), 0);
		for (unsigned j = 0; j < FAM_TAGS; j++)
			if (j != k && t >= f->onset[j] && rng_chance(r, f->cop))
				item_tag(g, p, it, &nit, f->sp[j],
					 tag_where(r, 0.0, 0.3), 0);
		if (rng_chance(r, 0.12))
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
	int nw = gs_gen_lexicon[p->lang].spaced ? 4 + (int)rng_below(r, 26)
					 : 3 + (int)rng_below(r, 14);
	build_text(g, p, it, nit, nw);
}

/* Creates the logical post of component comp at time t_us. Returns the
 * post (in the ring, or the scratch slot for reposts and spam). */
struct gpost *gs_gen_make_post(struct gen *g, int comp, int64_t t_us)
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
	} else if (comp >= FAM_COMP0) {
		struct family *f =
			&g->fam[((unsigned)comp - FAM_COMP0) / FAM_TAGS];
		author = gs_gen_family_account(g, (unsigned)comp - FAM_COMP0);
		if (f->nrecent > 0 && rng_chance(r, 0.3)) {
			uint32_t n = f->nrecent < 64 ? f->nrecent : 64;
			uint64_t c =
				f->recent[(f->nrecent - 1 - rng_below(r, n)) %
					  64];
			if (pickable(g, c) && ring_get(g, c)) {
				target = c;
				kind = K_REPOST;
			}
		}
	} else {
		struct spamflood *s = &g->sf[comp - 1 - NMOV];
		uint32_t j = rng_below(r, s->k);
		author = s->pool + j;
	}

	bool in_ring = kind != K_REPOST && (comp <= NMOV || comp >= FAM_COMP0);
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
	} else if (comp >= FAM_COMP0) {
		unsigned c = (unsigned)comp - FAM_COMP0;
		p->lang = rng_chance(r, 0.85)
				  ? g->fam[c / FAM_TAGS].lang[c % FAM_TAGS]
				  : L_EN;
	} else if (comp == 0) {
		struct acct a;
		gs_gen_acct_get(g, author, &a);
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
		if (comp >= FAM_COMP0) {
			struct family *f =
				&g->fam[((unsigned)comp - FAM_COMP0) /
					FAM_TAGS];
			f->recent[f->nrecent++ % 64] = p->oseq;
		}
	}
	return p;
}

