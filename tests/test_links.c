/*
 * test_links.c - what a movement shared (issue 12 part 4): the links the
 * parser reads from each format (src/input/parser_links.c and the walk),
 * and the engine's per-tag summaries of URLs and domains (bounds, merge,
 * snapshots, the previous snapshot version).
 *
 * Lines are written with ' for " (J() turns them back), so that the JSON
 * reads as JSON; \\' is an escaped quote inside a JSON string. Accounts
 * and posts are fictional.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/snapio.h"
#include "post_equal.h"
#include "tap.h"

static struct gs_parser *ps;
static const struct gs_post *posts;
static char *copy;

/* Parses the line s, written with ' for ", from a heap copy of exactly its
 * length (ASan sees reads past it). */
static int J(const char *s)
{
	size_t n = strlen(s);
	free(copy);
	copy = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		copy[i] = s[i] == '\'' ? '"' : s[i];
	posts = NULL;
	return gs_parser_parse(ps, copy, n, &posts);
}

/* The post's links joined with spaces. */
static const char *urls_of(const struct gs_post *p)
{
	static char b[4096];
	size_t o = 0;
	b[0] = 0;
	for (size_t i = 0; i < p->nurls; i++)
		o += (size_t)snprintf(b + o, sizeof b - o, "%s%.*s",
				      i ? " " : "", (int)p->urls[i].n,
				      p->urls[i].p);
	return b;
}

/* Parses the line both ways that the parser has (Jetstream's layout fast
 * path and the general walk) and checks they agree. */
static int same_ways(const char *s)
{
	size_t n = strlen(s);
	char *x = malloc(n);
	for (size_t i = 0; i < n; i++)
		x[i] = s[i] == '\'' ? '"' : s[i];
	struct gs_parser *a = gs_parser_new(GS_FORMAT_AUTO, 0);
	struct gs_parser *b = gs_parser_new(GS_FORMAT_AUTO, 0);
	int ok = same_both_ways(a, b, x, n);
	gs_parser_free(a);
	gs_parser_free(b);
	free(x);
	return ok;
}

#define V1(extra)                                                              \
	"{'created_at':'Sun Oct 15 20:10:00 +0000 2017','id_str':'1001',"      \
	"'text':'Read #Tide https://t.co/a','user':{'id_str':'501'}," extra    \
	"}"

static void test_twitter1(void)
{
	TAP_EQ_INT(
		J(V1("'entities':{'hashtags':[{'text':'Tide'}],"
		     "'urls':[{'url':'https://t.co/a','expanded_url':'https:\\/\\/example.org\\/news?a=1&b=2',"
		     "'display_url':'example.org/news','indices':[10,20]}],'user_mentions':[]}")),
		1, "v1.1: a tweet with a link");
	TAP_EQ_STR(urls_of(&posts[0]), "https://example.org/news?a=1&b=2",
		   "v1.1: expanded_url, JSON-unescaped");
	J(V1("'entities':{'hashtags':[{'text':'Tide'}],'urls':[{'url':'https://t.co/a','expanded_url':null}]}"));
	TAP_EQ_STR(urls_of(&posts[0]), "https://t.co/a",
		   "v1.1: expanded_url null: the url itself");
	J(V1("'entities':{'hashtags':[],'urls':[{'expanded_url':'https://a.example/1'}]},"
	     "'extended_tweet':{'full_text':'#Tide x','entities':{'hashtags':[{'text':'Tide'}],"
	     "'urls':[{'expanded_url':'https://b.example/2'},{'expanded_url':'https://b.example/2'}]}}"));
	TAP_EQ_STR(urls_of(&posts[0]), "https://b.example/2",
		   "v1.1: extended_tweet's entities win, a link repeated once");
	J(V1("'extended_tweet':{'full_text':'#Tide x','entities':{'hashtags':[{'text':'Tide'}],"
	     "'urls':[{'expanded_url':'https://b.example/2'}]}},"
	     "'entities':{'hashtags':[],'urls':[{'expanded_url':'https://a.example/1'}]}"));
	TAP_EQ_STR(urls_of(&posts[0]), "https://b.example/2",
		   "v1.1: extended_tweet's entities win in either key order");
	J(V1("'entities':{'hashtags':[],'urls':[{'expanded_url':'https://own.example/'}]},"
	     "'retweeted_status':{'created_at':'Sun Oct 15 20:00:00 +0000 2017','id_str':'900',"
	     "'text':'#Tide','user':{'id_str':'502'},'entities':{'hashtags':[{'text':'Tide'}],"
	     "'urls':[{'expanded_url':'https://orig.example/x'}]}}"));
	TAP_EQ_STR(urls_of(&posts[0]), "https://orig.example/x",
		   "v1.1: a retweet shares its original's links");
	J(V1("'entities':{'hashtags':[{'text':'Tide'}],'urls':[]},"
	     "'quoted_status':{'created_at':'Sun Oct 15 20:00:00 +0000 2017','id_str':'900',"
	     "'text':'x','user':{'id_str':'502'},'entities':{'urls':[{'expanded_url':'https://q.example/'}]}}"));
	TAP_EQ_INT(posts[0].nurls, 0,
		   "v1.1: a quote does not share the quoted tweet's links");
	char line[4096] = "'entities':{'hashtags':[{'text':'Tide'}],'urls':[";
	for (int i = 0; i < 12; i++)
		snprintf(line + strlen(line), sizeof line - strlen(line),
			 "%s{'expanded_url':'https://m.example/%d'}",
			 i ? "," : "", i);
	strcat(line, "]}");
	char full[8192];
	snprintf(
		full, sizeof full,
		"{'created_at':'Sun Oct 15 20:10:00 +0000 2017','id_str':'1001',"
		"'text':'x','user':{'id_str':'501'},%s}",
		line);
	J(full);
	TAP_OK(posts[0].nurls == GS_POST_MAX_URLS && posts[0].urls_dropped == 4,
	       "v1.1: 12 links: 8 kept, 4 counted (%zu, %zu)", posts[0].nurls,
	       posts[0].urls_dropped);
	TAP_EQ_INT(
		J(V1("'entities':{'hashtags':[{'text':'Tide'}],'urls':[{'expanded_url':5},7,"
		     "{'expanded_url':'bad\\u0001'},{'expanded_url':'https://ok.example/'}]}")),
		1, "v1.1: links of other types never reject a line");
	TAP_EQ_STR(
		urls_of(&posts[0]), "https://ok.example/",
		"v1.1: ... they are left out, and so is a control character");
	TAP_EQ_INT(
		J(V1("'entities':{'hashtags':[{'text':'Tide'}],'urls':null}")),
		1, "v1.1: urls null");
}

static void test_twitter2(void)
{
	TAP_EQ_INT(
		J("{'id':'2001','author_id':'601','created_at':'2022-09-25T10:00:00.000Z',"
		  "'text':'#Tide https://t.co/b https://t.co/p',"
		  "'entities':{'hashtags':[{'start':0,'end':5,'tag':'Tide'}],'urls':["
		  "{'start':6,'end':20,'url':'https://t.co/b','expanded_url':'https://news.example/b',"
		  "'display_url':'news.example/b','unwound_url':'https://news.example/b?utm=x'},"
		  "{'start':21,'end':35,'url':'https://t.co/p','expanded_url':'https://twitter.com/u/status/2001/photo/1',"
		  "'display_url':'pic.twitter.com/p','media_key':'3_1'},"
		  "{'url':'https://t.co/c','unwound_url':'https://c.example/'}]}}"),
		1, "v2: a flattened tweet");
	TAP_EQ_STR(urls_of(&posts[0]),
		   "https://news.example/b https://c.example/",
		   "v2: expanded_url before unwound_url, media left out");
	TAP_EQ_INT(
		J("{'data':[{'id':'2002','author_id':'602','created_at':'2022-09-25T10:00:00.000Z',"
		  "'text':'RT @a: #Tide','referenced_tweets':[{'type':'retweeted','id':'2000'}],"
		  "'entities':{'hashtags':[{'tag':'Tide'}],'urls':[{'expanded_url':'https://cut.example/'}]}}],"
		  "'includes':{'tweets':[{'id':'2000','author_id':'603','created_at':'2022-09-25T09:00:00.000Z',"
		  "'text':'#Tide','entities':{'hashtags':[{'tag':'Tide'}],"
		  "'urls':[{'expanded_url':'https://full.example/story'}]}}]}}"),
		1, "v2: a page with a retweet");
	TAP_EQ_STR(
		urls_of(&posts[0]), "https://full.example/story",
		"v2: a retweet shares its original's links (includes.tweets)");
}

#define JS(record)                                                             \
	"{'did':'did:plc:fict1','time_us':1725911162329308,'kind':'commit',"   \
	"'commit':{'rev':'3l3qo2vutsw2b','operation':'create','collection':"   \
	"'app.bsky.feed.post','rkey':'3l3qo2vuowo2b','record':" record         \
	",'cid':'bafyreia'}}"

static void test_jetstream(void)
{
	const char *l = JS(
		"{'$type':'app.bsky.feed.post','createdAt':'2024-09-09T19:46:02.102Z',"
		"'embed':{'$type':'app.bsky.embed.external','external':{'description':'d',"
		"'title':'t','uri':'https://news.example/a'}},"
		"'facets':[{'features':[{'$type':'app.bsky.richtext.facet#tag','tag':'Tide'}],"
		"'index':{'byteEnd':5,'byteStart':0}},{'features':[{'$type':"
		"'app.bsky.richtext.facet#link','uri':'https://news.example/a'}],"
		"'index':{'byteEnd':20,'byteStart':6}},{'features':[{'uri':'https://x.example/',"
		"'$type':'app.bsky.richtext.facet#link'}]},{'features':[{'$type':"
		"'app.bsky.richtext.facet#mention','did':'did:plc:fict2'}]}],"
		"'langs':['en'],'text':'#Tide news.example/a'}");
	TAP_EQ_INT(J(l), 1, "jetstream: a post with link facets and a card");
	TAP_EQ_STR(
		urls_of(&posts[0]), "https://news.example/a https://x.example/",
		"jetstream: links of facets and the external embed, each once");
	TAP_OK(same_ways(l),
	       "jetstream: the layout fast path and the walk agree");
	l = JS("{'$type':'app.bsky.feed.post','createdAt':'2024-09-09T19:46:02.102Z',"
	       "'embed':{'$type':'app.bsky.embed.recordWithMedia','media':{'$type':"
	       "'app.bsky.embed.external','external':{'uri':'https://m.example/v'}},"
	       "'record':{'$type':'app.bsky.embed.record','record':{'cid':'c','uri':"
	       "'at://did:plc:fict3/app.bsky.feed.post/3k'}}},"
	       "'facets':[{'features':[{'$type':'app.bsky.richtext.facet#tag','tag':'Tide'}]}],"
	       "'text':'#Tide'}");
	TAP_EQ_INT(J(l), 1, "jetstream: a quote with an external media");
	TAP_OK(posts[0].flags & GS_POST_QUOTE, "jetstream: ... is a quote");
	TAP_EQ_STR(urls_of(&posts[0]), "https://m.example/v",
		   "jetstream: ... and shares the media's link");
	TAP_OK(same_ways(l), "jetstream: ... both ways");
	l = JS("{'$type':'app.bsky.feed.post','createdAt':'2024-09-09T19:46:02.102Z',"
	       "'embed':{'$type':'app.bsky.embed.images','external':{'uri':'https://no.example/'}},"
	       "'facets':[{'features':[{'$type':'app.bsky.richtext.facet#tag','tag':'Tide',"
	       "'uri':'https://no.example/t'}]}],'text':'#Tide'}");
	J(l);
	TAP_EQ_INT(
		posts[0].nurls, 0,
		"jetstream: a uri in another feature or embed type is no link");
	TAP_EQ_INT(
		J("{'did':'did:plc:fict1','time_us':1725911162329308,'kind':'commit','commit':{"
		  "'rev':'r','operation':'create','collection':'app.bsky.feed.repost','rkey':'3k',"
		  "'record':{'$type':'app.bsky.feed.repost','subject':{'cid':'c','uri':"
		  "'at://did:plc:fict3/app.bsky.feed.post/3k'}},'cid':'c'}}"),
		1, "jetstream: a repost");
	TAP_EQ_INT(posts[0].nurls, 0, "jetstream: ... names its original only");
}

#define MA(content, extra)                                                       \
	"{'id':'110001','created_at':'2023-04-01T10:00:00.000Z','account':{"     \
	"'id':'7001','acct':'fict'},'content':'" content "','tags':[{'name':"    \
	"'tide','url':'https://social.example/tags/tide'}],'mentions':[]," extra \
	"}"

static void test_mastodon(void)
{
	TAP_EQ_INT(
		J(MA("\\u003cp\\u003eLook \\u003ca href=\\'https://news.example/a?x=1\\u0026amp;y=2\\' "
		     "target=\\'_blank\\' rel=\\'nofollow noopener\\' translate=\\'no\\'\\u003e"
		     "\\u003cspan class=\\'invisible\\'\\u003ehttps://\\u003c/span\\u003enews.example/a\\u003c/a\\u003e "
		     "\\u003ca href=\\'https://social.example/tags/tide\\' class=\\'mention hashtag\\' "
		     "rel=\\'tag\\'\\u003e#\\u003cspan\\u003etide\\u003c/span\\u003e\\u003c/a\\u003e "
		     "\\u003cspan class=\\'h-card\\'\\u003e\\u003ca href=\\'https://social.example/@fict2\\' "
		     "class=\\'u-url mention\\'\\u003e@fict2\\u003c/a\\u003e\\u003c/span\\u003e "
		     "\\u003ca class=\\'hashtag\\' data-tag=\\'tide\\' href=\\'https://pleroma.example/tag/tide\\'\\u003e#tide\\u003c/a\\u003e "
		     "\\u003cA HREF=\\'https://other.example/\\'\\u003eo\\u003c/A\\u003e\\u003c/p\\u003e",
		     "'card':{'url':'https://news.example/a?x=1&y=2','title':'t'}")),
		1, "mastodon: a status with links, a hashtag and a mention");
	TAP_EQ_STR(
		urls_of(&posts[0]),
		"https://news.example/a?x=1&y=2 https://other.example/",
		"mastodon: card and content links, entities decoded, each once, "
		"not hashtags or mentions");
	J(MA("<p><a href=\\'https://a.example/&#38;&#x3D;&nbsp;\\'>a</a>",
	     "'card':{'url':'https://card.example/'}"));
	TAP_EQ_STR(urls_of(&posts[0]),
		   "https://card.example/ https://a.example/&=&nbsp;",
		   "mastodon: the card first, numeric references decoded");
	J(MA("<p>no links</p>", "'card':null"));
	TAP_EQ_INT(posts[0].nurls, 0, "mastodon: no links");
	TAP_EQ_INT(J(MA("<a href=\\'https://cut.example/", "'card':7")), 1,
		   "mastodon: an anchor cut short, a card of another type");
	TAP_EQ_INT(posts[0].nurls, 0, "mastodon: ... give no link");
	TAP_EQ_INT(J(MA("<a href=https://bare.example/x class=x>b</a><a href",
			"'card':null")),
		   1, "mastodon: unquoted attributes");
	TAP_EQ_STR(urls_of(&posts[0]), "https://bare.example/x",
		   "mastodon: ... read");
	TAP_EQ_INT(
		J("{'id':'110002','created_at':'2023-04-01T10:00:00.000Z','account':{'id':'7002'},"
		  "'content':'','tags':[],'reblog':{'id':'110001','created_at':'2023-04-01T09:00:00.000Z',"
		  "'account':{'id':'7001'},'content':'<a href=\\'https://r.example/\\'>r</a>',"
		  "'tags':[{'name':'tide'}],'card':null}}"),
		1, "mastodon: a reblog");
	TAP_EQ_STR(urls_of(&posts[0]), "https://r.example/",
		   "mastodon: a reblog shares its original's links");
	J("{'id':'110003','created_at':'2023-04-01T10:00:00.000Z','account':{'id':'7002'},"
	  "'content':'<a href=\\'https://u.example/\\'>u</a>','tags':[],'card':{'url':'https://u.example/'}}");
	TAP_EQ_INT(posts[0].nurls, 0,
		   "mastodon: a status without tags: its links are not read");
	TAP_EQ_INT(J(MA("bad \\\\q <a href=\\'https://e.example/\\'>",
			"'card':null")),
		   1, "mastodon: content with an escaped backslash");
}

/* ---- the engine's summaries ---- */

static struct gs_str Z(const char *s) {
	struct gs_str r = {s, strlen(s)};
	return r;
}

/* A post of account a at t with tags "tags" (space-separated) and links
 * u0, u1 (NULL: none). */
static struct gs_post
mk(const char *a, int64_t t, const char *tags, const char *u0, const char *u1)
{
	static char buf[64][256];
	static int nb;
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.account = Z(a);
	p.id = Z(a);
	p.time_ms = t;
	p.lang = Z("en");
	char *b = buf[nb++ % 64];
	snprintf(b, 256, "%s", tags);
	for (char *tok = strtok(b, " "); tok; tok = strtok(NULL, " "))
		p.tags[p.ntags++] = Z(tok);
	if (u0)
		p.urls[p.nurls++] = Z(u0);
	if (u1)
		p.urls[p.nurls++] = Z(u1);
	return p;
}

/* A list as "name:count name:count ...". */
static const char *list(size_t (*f)(const struct gs_engine *, const char *,
				    struct gs_count *, size_t),
			const struct gs_engine *e, const char *key)
{
	static char b[8192];
	struct gs_count v[64];
	size_t n = f(e, key, v, 64), o = 0;
	b[0] = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(b + o, sizeof b - o, "%s%s:%llu",
				      i ? " " : "", v[i].name,
				      (unsigned long long)v[i].count);
	return b;
}

static void test_engine_counts(void)
{
	struct gs_engine *e = gs_engine_new(NULL);
	const int64_t T = 1507852800000;
	struct gs_post p[] = {
		mk("1", T, "Tide sea", "https://www.News.example:8443/a?x=1",
		   "http://user@blog.example./p"),
		mk("2", T + 1, "tide", "https://news.example/b", NULL),
		mk("3", T + 2, "tide", "https://news.example/b",
		   "https://news.example/b"),
		mk("4", T + 3, "other", "https://elsewhere.example/", NULL),
		mk("5", T + 4, "", "https://untagged.example/", NULL),
		mk("6", T + 5, "tide", "at://did:plc:x/app.bsky.feed.post/1",
		   "mailto:someone"),
		mk("7", T + 6, "tide", "https://[2001:db8::1]:80/x", NULL),
	};
	p[2].flags = GS_POST_REPOST;
	for (size_t i = 0; i < sizeof p / sizeof *p; i++)
		gs_engine_add(e, &p[i]);
	TAP_EQ_STR(
		list(gs_engine_urls, e, "tide"),
		"https://news.example/b:2 "
		"at://did:plc:x/app.bsky.feed.post/1:1 "
		"http://user@blog.example./p:1 "
		"https://[2001:db8::1]:80/x:1 "
		"https://www.News.example:8443/a?x=1:1 mailto:someone:1",
		"engine: a tag's links, a repost counting, a link once a post");
	TAP_EQ_STR(list(gs_engine_domains, e, "tide"),
		   "news.example:3 [2001:db8::1]:1 blog.example:1 did:plc:x:1",
		   "engine: domains: host lower-cased, no www., user, port or "
		   "final dot; a URL without scheme://host has none");
	TAP_EQ_STR(list(gs_engine_urls, e, "sea"),
		   "http://user@blog.example./p:1 "
		   "https://www.News.example:8443/a?x=1:1",
		   "engine: every tag of the post counts its links");
	TAP_EQ_INT(gs_engine_urls(e, "untagged", NULL, 0), 0,
		   "engine: an untagged post's links count nowhere");
	/* a URL past the cap: kept to 255 bytes at a character's boundary */
	char longu[400];
	memset(longu, 'a', sizeof longu);
	memcpy(longu, "https://l.example/", 18);
	memcpy(longu + 254, "\xc3\xa9", 2); /* é across byte 255 */
	longu[sizeof longu - 1] = 0;
	struct gs_post q = mk("8", T + 7, "long", longu, NULL);
	gs_engine_add(e, &q);
	struct gs_count v[4];
	size_t n = gs_engine_urls(e, "long", v, 4);
	TAP_OK(n == 1 && strlen(v[0].name) == 254 &&
		       !strncmp(v[0].name, longu, 254),
	       "engine: a long URL kept to its first 255 bytes, whole characters (%zu)",
	       n ? strlen(v[0].name) : 0);
	gs_engine_free(e);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A stream of the tag 'tide' whose links are a few heavy ones and many
 * rare ones, with the true count of each heavy one. */
static size_t stream(struct gs_post *v, size_t n, char (*names)[48],
		     unsigned *truth)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t r = next();
		unsigned h = (unsigned)(r % 100);
		if (h < 45)
			snprintf(names[i], 48, "https://heavy%u.example/a",
				 h % 3);
		else
			snprintf(names[i], 48, "https://www.rare%u.example/%u",
				 (unsigned)(r >> 20) % 50, (unsigned)i);
		if (h < 45)
			truth[h % 3]++;
		char acc[16];
		snprintf(acc, sizeof acc, "%u", (unsigned)(r >> 40) % 500);
		v[i] = mk(acc, 1507852800000 + (int64_t)i * 1000, "tide",
			  names[i], NULL);
		/* the account's bytes live in a rotating buffer: copy */
		static char accs[4096][16];
		memcpy(accs[i % 4096], acc, sizeof acc);
		v[i].account = Z(accs[i % 4096]);
		v[i].id = v[i].account;
	}
	return n;
}

static void test_engine_bounds_merge(void)
{
	enum { N = 3000 };
	static struct gs_post v[N];
	static char names[N][48];
	unsigned truth[3] = {0, 0, 0};
	stream(v, N, names, truth);
	struct gs_engine *whole = gs_engine_new(NULL);
	struct gs_engine *a = gs_engine_new(NULL), *b = gs_engine_new(NULL);
	for (size_t i = 0; i < N; i++) {
		gs_engine_add(whole, &v[i]);
		gs_engine_add(i < N / 2 ? a : b, &v[i]);
	}
	struct gs_count c[16];
	size_t n = gs_engine_urls(whole, "tide", c, 16);
	int heavy = 0, bounded = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned k;
		if (sscanf(c[i].name, "https://heavy%u.example/a", &k) == 1 &&
		    k < 3) {
			heavy++;
			bounded &= c[i].count <= truth[k] && c[i].count > 0;
		} else {
			bounded &= c[i].count <= 1; /* each rare URL once */
		}
	}
	TAP_OK(n <= 10 && heavy == 3 && bounded,
	       "engine: 1,500 distinct links: at most 10 listed, the three "
	       "heavy ones among them, no count above the truth (%zu, %d)",
	       n, heavy);
	n = gs_engine_domains(whole, "tide", c, 16);
	/* 53 domains (3 heavy, each 15% of the posts; 50 rare) over 10 entries:
	 * the heavy ones lead */
	int lead = n >= 3;
	for (size_t i = 0; i < 3 && i < n; i++)
		lead &= !strncmp(c[i].name, "heavy", 5);
	TAP_OK(lead,
	       "engine: the heavy domains lead (www. dropped from the rare)");
	TAP_OK(gs_engine_merge(a, b) == 0, "engine: merge");
	/* merged: bounds hold as well */
	n = gs_engine_urls(a, "tide", c, 16);
	heavy = 0;
	bounded = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned k;
		if (sscanf(c[i].name, "https://heavy%u.example/a", &k) == 1 &&
		    k < 3) {
			heavy++;
			bounded &= c[i].count <= truth[k];
		} else {
			bounded &= c[i].count <= 1;
		}
	}
	TAP_OK(heavy == 3 && bounded,
	       "engine: merged halves: the heavy links listed, within bounds");
	gs_engine_free(whole);
	gs_engine_free(a);
	gs_engine_free(b);

	/* fewer distinct links than the summary holds: the merge is exact,
	 * whatever the split */
	struct gs_engine *w = gs_engine_new(NULL);
	const char *few[] = {"https://a.example/", "https://b.example/",
			     "https://c.example/", "https://www.a.example/x"};
	static struct gs_post f[400];
	for (size_t i = 0; i < 400; i++) {
		f[i] = mk(i % 2 ? "odd" : "even", 1507852800000 + (int64_t)i,
			  "tide sea", few[next() % 4], few[next() % 4]);
		gs_engine_add(w, &f[i]);
	}
	char want_u[1024], want_d[1024];
	snprintf(want_u, sizeof want_u, "%s", list(gs_engine_urls, w, "tide"));
	snprintf(want_d, sizeof want_d, "%s",
		 list(gs_engine_domains, w, "tide"));
	int same = 1;
	for (size_t cut = 1; cut < 400; cut += 37) {
		struct gs_engine *x = gs_engine_new(NULL),
				 *y = gs_engine_new(NULL);
		for (size_t i = 0; i < 400; i++)
			gs_engine_add(i < cut ? x : y, &f[i]);
		gs_engine_absorb(x, y);
		same &= !strcmp(list(gs_engine_urls, x, "tide"), want_u) &&
			!strcmp(list(gs_engine_domains, x, "tide"), want_d);
		gs_engine_free(x);
	}
	TAP_OK(same && want_u[0],
	       "engine: a few links: every split merges to "
	       "the same lists (%s)",
	       want_d);
	gs_engine_free(w);
}

static char *save(const struct gs_engine *e, size_t *n)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, n);
	gs_engine_save(e, f);
	fclose(f);
	return p;
}

static struct gs_engine *load(const void *p, size_t n, int *err)
{
	FILE *f = fmemopen((void *)p, n, "rb");
	struct gs_engine *e = gs_engine_load(f, err);
	fclose(f);
	return e;
}

/* A version 1 engine snapshot (before links), as the build of main before
 * this change wrote it: a default engine, account 9001's post 5001 with
 * #Tide #sea, a mention of 9002 and lang en at 2017-10-13T00:00:00Z, and
 * account 9003's repost of it an hour later. */
static const unsigned char v1_snap[] = {
	0x47, 0x53, 0x45, 0x4e, 0x01, 0x00, 0x00, 0x00, 0x49, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x80, 0xee, 0x36, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x40, 0x0d, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x07, 0x13,
	0x5f, 0x01, 0x00, 0x00, 0x80, 0xbe, 0x3e, 0x13, 0x5f, 0x01, 0x00, 0x00,
	0x80, 0xee, 0x36, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x00, 0x50, 0x2a, 0x0d, 0xe4, 0x29, 0x31, 0x3e, 0x6d, 0x03, 0x00, 0xb3,
	0xcf, 0x06, 0xec, 0x56, 0xe9, 0x16, 0x20, 0x0e, 0x00, 0x02, 0x00, 0x04,
	0x00, 0x00, 0x01, 0x00, 0x0d, 0x41, 0x32, 0x12, 0x9d, 0x97, 0x1d, 0x03,
	0x02, 0x00, 0xfd, 0x19, 0x30, 0x7d, 0x0d, 0x3e, 0xd0, 0x3b, 0x01, 0x00,
	0x02, 0x65, 0x6e, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	0xd0, 0x07, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x2a,
	0x0d, 0xe4, 0x29, 0x31, 0x3e, 0x6d, 0x80, 0xbe, 0x3e, 0x13, 0x5f, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0xb3, 0xcf, 0x06, 0xec, 0x56, 0xe9, 0x16,
	0x20, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0d, 0x41, 0x32, 0x12, 0x9d, 0x97, 0x1d, 0x03, 0x04, 0x00, 0x74,
	0x69, 0x64, 0x65, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x07, 0x13, 0x5f,
	0x01, 0x00, 0x00, 0x80, 0xbe, 0x3e, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x00,
	0xd0, 0x07, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x0e, 0x00, 0x02, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x2a, 0x0d, 0xe4, 0x29, 0x31, 0x3e, 0x6d,
	0x03, 0x00, 0xb3, 0xcf, 0x06, 0xec, 0x56, 0xe9, 0x16, 0x20, 0x02, 0x00,
	0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x07, 0x13, 0x5f, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x2a, 0x0d, 0xe4, 0x29, 0x31, 0x3e,
	0x6d, 0x80, 0xbe, 0x3e, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xb3, 0xcf, 0x06, 0xec, 0x56, 0xe9, 0x16, 0x20, 0x01, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x54, 0x69, 0x64, 0x65, 0x04,
	0x35, 0x30, 0x30, 0x31, 0x01, 0x00, 0x02, 0x00, 0xfd, 0x19, 0x30, 0x7d,
	0x0d, 0x3e, 0xd0, 0x3b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
	0x70, 0x17, 0x9e, 0x23, 0x5b, 0x82, 0x36, 0xe9, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x39, 0x30, 0x30, 0x32, 0x01, 0x00, 0x02,
	0x00, 0x5b, 0x19, 0x2e, 0xc4, 0xf5, 0xb9, 0xb9, 0xf0, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x35, 0x30, 0x30, 0x31, 0xfd, 0x19,
	0x30, 0x7d, 0x0d, 0x3e, 0xd0, 0x3b, 0x03, 0x00, 0x73, 0x65, 0x61, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xd0, 0x07, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x80,
	0xbe, 0x3e, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x07, 0x13, 0x5f,
	0x01, 0x00, 0x00, 0x0e, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x2a, 0x0d, 0xe4, 0x29, 0x31, 0x3e, 0x6d, 0x03, 0x00, 0xb3, 0xcf,
	0x06, 0xec, 0x56, 0xe9, 0x16, 0x20, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x00, 0x00, 0x00, 0xd0, 0x07, 0x13, 0x5f, 0x01, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x50, 0x2a, 0x0d, 0xe4, 0x29, 0x31, 0x3e, 0x6d, 0x80, 0xbe, 0x3e,
	0x13, 0x5f, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xb3, 0xcf, 0x06, 0xec,
	0x56, 0xe9, 0x16, 0x20, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x03, 0x00, 0x73, 0x65, 0x61, 0x04, 0x35, 0x30, 0x30, 0x31, 0x01,
	0x00, 0x02, 0x00, 0x0d, 0x41, 0x32, 0x12, 0x9d, 0x97, 0x1d, 0x03, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x70, 0x17, 0x9e, 0x23, 0x5b,
	0x82, 0x36, 0xe9, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
	0x39, 0x30, 0x30, 0x32, 0x01, 0x00, 0x02, 0x00, 0x5b, 0x19, 0x2e, 0xc4,
	0xf5, 0xb9, 0xb9, 0xf0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x35, 0x30, 0x30, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8f, 0x12,
	0x44};
static const size_t v1_snap_len = 1117;

static void test_engine_snapshots(void)
{
	struct gs_engine *e = gs_engine_new(NULL);
	const int64_t T = 1507852800000;
	for (int i = 0; i < 40; i++) {
		char u[64];
		snprintf(u, sizeof u, "https://s%d.example/%d", i % 13, i % 7);
		static char keep[40][64];
		memcpy(keep[i], u, sizeof u);
		struct gs_post p =
			mk(i % 3 ? "a" : "b", T + i, "tide sea", keep[i],
			   i % 5 ? NULL : "https://x.example/");
		gs_engine_add(e, &p);
	}
	size_t n1, n2;
	char *s1 = save(e, &n1);
	int err = 0;
	struct gs_engine *l = load(s1, n1, &err);
	TAP_OK(l != NULL, "snapshot: an engine with links saves and loads (%d)",
	       err);
	char *s2 = l ? save(l, &n2) : NULL;
	TAP_OK(s2 && n1 == n2 && !memcmp(s1, s2, n1),
	       "snapshot: saved again, byte for byte the same");
	char a[4096];
	snprintf(a, sizeof a, "%s", list(gs_engine_urls, e, "tide"));
	TAP_OK(l && !strcmp(a, list(gs_engine_urls, l, "tide")) && a[0],
	       "snapshot: the links restored");
	snprintf(a, sizeof a, "%s", list(gs_engine_domains, e, "sea"));
	TAP_OK(l && !strcmp(a, list(gs_engine_domains, l, "sea")) && a[0],
	       "snapshot: the domains restored");
	TAP_EQ_INT(s1[4], 2, "snapshot: version 2");
	/* a loaded engine goes on counting as the saved one */
	struct gs_post p =
		mk("c", T + 100, "tide", "https://s1.example/1", NULL);
	gs_engine_add(e, &p);
	if (l)
		gs_engine_add(l, &p);
	snprintf(a, sizeof a, "%s", list(gs_engine_urls, e, "tide"));
	TAP_OK(l && !strcmp(a, list(gs_engine_urls, l, "tide")),
	       "snapshot: ... and counts on alike");
	free(s1);
	free(s2);
	gs_engine_free(l);
	gs_engine_free(e);

	/* version 1: read, without links */
	l = load(v1_snap, v1_snap_len, &err);
	TAP_OK(l != NULL, "snapshot: version 1 still loads (%d: %s)", err,
	       gs_snap_why());
	struct gs_tag_stats t;
	TAP_OK(l && gs_engine_tag(l, "tide", 4, &t) == 0 && t.posts == 2 &&
		       t.reposts == 1,
	       "snapshot: ... its counts");
	TAP_OK(l && !strcmp(list(gs_engine_mentions, l, "tide"), "9002:2"),
	       "snapshot: ... its mentions");
	TAP_OK(l && gs_engine_urls(l, "tide", NULL, 0) == 0,
	       "snapshot: ... no links");
	if (l) {
		struct gs_post q = mk("9004", T + 7200000, "tide",
				      "https://after.example/", NULL);
		gs_engine_add(l, &q);
		size_t n;
		char *s = save(l, &n);
		struct gs_engine *m = load(s, n, &err);
		TAP_OK(m && s[4] == 2 &&
			       !strcmp(list(gs_engine_urls, m, "tide"),
				       "https://after.example/:1"),
		       "snapshot: ... counts links from there, saved as version 2");
		gs_engine_free(m);
		free(s);
	}
	gs_engine_free(l);
}

int main(void)
{
	ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	test_twitter1();
	test_twitter2();
	test_jetstream();
	test_mastodon();
	gs_parser_free(ps);
	free(copy);
	test_engine_counts();
	test_engine_bounds_merge();
	test_engine_snapshots();
	return TAP_DONE();
}
