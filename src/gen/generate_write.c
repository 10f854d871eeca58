/*
 * generate_write.c - the line writers of the wire formats: Twitter v1.1
 * (twarc 1), Twitter API v2 (raw twarc2 pages and flattened tweets),
 * Mastodon statuses (lines or SSE events, by generate.c) and Bluesky
 * Jetstream events, each written straight into a growable buffer.
 *
 * A writer draws nothing from the logical stream: what it adds (text
 * style, client, counters, ids) is a hash of the post's ordinal or the
 * account's index, or drawn from the presentation stream `rr`, so every
 * format of one seed carries the same posts. g->ascii (a quarter of the
 * lines) escapes all non-ASCII text as Python's json.dumps does.
 */
#include "generate_int.h"

#include "base/timeutil.h"

static uint64_t tw_id(int64_t t_us, uint64_t seq)
{
	int64_t ms = t_us / 1000 - 1288834974657LL;
	if (ms <= 0)
		return seq + 1;
	return ((uint64_t)ms << 22) | (seq & 0x3fffff);
}

/* "2017-10-15T21:13:00.000Z" */
static void b_iso_ms(struct buf *b, int64_t us)
{
	char t[32];
	b_mem(b, t, gs_time_format_millis(floor_div(us, 1000), t));
}

/* "Fri Oct 13 00:00:07 +0000 2017" */
static void b_twdate(struct buf *b, int64_t sec)
{
	char t[32];
	b_mem(b, t, gs_time_format_twitter(sec * 1000, t));
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
	gs_gen_acct_get(g, idx, &a);
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
		b_jstr(b, gs_gen_locations[a.loc],
		       strlen(gs_gen_locations[a.loc]), asc);
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
	gs_gen_put_desc(b, &a, asc);
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
	b_str0(b, gs_gen_lang_code[a.lang]);
	b_lit(b, "\",\"contributors_enabled\":false,\"is_translator\":false,"
		 "\"profile_background_color\":\"");
	b_str0(b, gs_gen_colors[a.color]);
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
	gs_gen_url_code(g, idx, 20, code);
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
		gs_gen_acct_get(g, q->author, &a);
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
		gs_gen_url_code(g, s->ref, 9, code);
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
		gs_gen_url_code(g, s->ref, s->flag, code);
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
		gs_gen_acct_get(g, s->ref, &a);
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
	b_str0(b, gs_gen_lang_code[lang]);
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
	gs_gen_render_text(g, p, RM_TW, rt);
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
		gs_gen_rt_stream_cut(g, cut, rt, (uint32_t)p->seq);
		b_lit(b, ",\"text\":");
		b_jstr(b, cut->t, cut->n, asc);
		b_lit(b, ",\"truncated\":true");
	}
	b_lit(b, ",\"source\":");
	const char *src = gs_gen_tw_sources[(h >> 8) % NSRC];
	b_jstr(b, src, strlen(src), asc);
	if (p->kind == K_REPLY) {
		struct acct pa;
		gs_gen_acct_get(g, p->par_author, &pa);
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
			gs_gen_acct_get(g, q->author, &qa);
			char code[10];
			gs_gen_url_code(g, p->seq, U_QUOTE, code);
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
	gs_gen_acct_get(g, o->author, &oa);
	struct rtext *rt = &g->rt[0];
	gs_gen_render_text(g, o, RM_TW, &g->rt[1]);
	gs_gen_rt_retweet(rt, &g->rt[1], &oa);
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
	const char *src = gs_gen_tw_sources[(h >> 8) % NSRC];
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
	char tt[32];
	gs_time_format(t * 1000, tt);
	b_mem(b, tt, 19); /* without the Z */
	b_lit(b, "+00:00\"}");
}

static void tw2_user(const struct gen *g, struct buf *b, uint32_t idx)
{
	bool asc = g->ascii;
	struct acct a;
	gs_gen_acct_get(g, idx, &a);
	b_lit(b, "{\"id\":");
	b_qu64(b, a.tw_id);
	b_lit(b, ",\"name\":");
	b_jstr(b, a.name, a.namelen, asc);
	b_lit(b, ",\"username\":\"");
	b_mem(b, a.sn, a.snlen);
	b_lit(b, "\",\"created_at\":\"");
	b_iso_ms(b, a.created * 1000000);
	b_lit(b, "\",\"description\":\"");
	gs_gen_put_desc(b, &a, asc);
	b_ch(b, '"');
	if (a.has_loc) {
		b_lit(b, ",\"location\":");
		b_jstr(b, gs_gen_locations[a.loc],
		       strlen(gs_gen_locations[a.loc]), asc);
	}
	b_lit(b, ",\"profile_image_url\":\"https://img.example.com/"
		 "profile_images/");
	char code[10];
	gs_gen_url_code(g, idx, 20, code);
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
				gs_gen_acct_get(g, s->ref, &a);
				b_lit(b, ",\"username\":\"");
				b_mem(b, a.sn, a.snlen);
				b_lit(b, "\",\"id\":");
				b_qu64(b, a.tw_id);
			} else {
				char code[10];
				gs_gen_url_code(g, s->ref, s->flag, code);
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
		gs_gen_acct_get(g, o->author, &oa);
		gs_gen_render_text(g, o, RM_TW, &g->rt[2 * depth + 1]);
		gs_gen_rt_retweet(rt, &g->rt[2 * depth + 1], &oa);
		ref = o;
		rtype = "retweeted";
	} else {
		gs_gen_render_text(g, p, RM_TW, rt);
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
	gs_gen_acct_get(g, p->author, &a);
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
	b_str0(b, gs_gen_lang_code[o ? o->lang : p->lang]);
	b_lit(b, "\",\"possibly_sensitive\":false,\"reply_settings\":"
		 "\"everyone\",\"source\":\"");
	b_str0(b, gs_gen_tw2_sources[(h >> 8) % NSRC]);
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
		gs_gen_acct_get(g, p->par_author, &pa);
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

void gs_gen_page_add(struct gen *g, const struct gpost *p)
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
			s = gs_gen_lexicon[t->a].w[t->b];
			b_html_esc(h, s, strlen(s));
			break;
		case T_EMOJI:
			b_str0(h, gs_gen_emoji[t->b]);
			break;
		case T_PUNCT:
			b_str0(h, gs_gen_punct[t->b]);
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
			gs_gen_acct_get(g, t->b, &a);
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
			gs_gen_url_code(g, t->b, t->a, code);
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
	gs_gen_acct_get(g, idx, &a);
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
	gs_gen_put_desc(b, &a, asc);
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
	char t[32];
	gs_time_format(g->start * 1000, t);
	b_mem(b, t, 10); /* the date */
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
	gs_gen_acct_get(g, p->author, &a);
	b_lit(b, "{\"id\":");
	b_qu64(b, id);
	b_lit(b, ",\"created_at\":\"");
	b_iso_ms(b, p->t_us);
	b_ch(b, '"');
	if (p->kind == K_REPLY) {
		struct acct pa;
		gs_gen_acct_get(g, p->par_author, &pa);
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
		b_str0(b, gs_gen_lang_code[p->lang]);
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
		gs_gen_acct_get(g, m, &ma);
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
	gs_gen_acct_get(g, author, &a);
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
	gs_gen_acct_get(g, who, &a);
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
	gs_gen_render_text(g, p, RM_BS, rt);
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
				gs_gen_acct_get(g, s->ref, &a);
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
		b_str0(b, gs_gen_lang_code[p->lang]);
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
void gs_gen_js_skipped(struct gen *g, struct buf *b, int64_t t_us)
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
		gs_gen_acct_get(g, rng_below(r, g->P), &a);
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
		gs_gen_acct_get(g, who, &a);
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
			gs_gen_put_handle(b, &a);
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

void gs_gen_page_begin(struct gen *g)
{
	g->pdata.n = g->pusers.n = g->ptweets.n = 0;
	g->pn = g->npu = g->nptw = 0;
	g->ascii = rng_chance(&g->rr, 0.25);
	g->ptarget = rng_chance(&g->rr, 0.85) ? 100 : 1 + rng_below(&g->rr, 99);
}

void gs_gen_page_flush(struct gen *g)
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
	gs_gen_url_code(g, g->npage, 30, code);
	for (int i = 0; i < 10; i++)
		b_ch(l, (char)(code[i] | 0x20) >= 'a' ? (char)(code[i] | 0x20)
							: code[i]);
	b_lit(l, "\"},");
	b_twarc(g, l, g->npage);
	b_ch(l, '}');
	gs_gen_put_line(g, l->p, l->n);
	g->npage++;
	g->pn = 0;
}

void gs_gen_write_post(struct gen *g, struct buf *l, const struct gpost *p)
{
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
}
