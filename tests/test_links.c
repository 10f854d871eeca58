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

int main(void)
{
	ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	test_twitter1();
	test_twitter2();
	test_jetstream();
	test_mastodon();
	gs_parser_free(ps);
	free(copy);
	return TAP_DONE();
}
