/*
 * parser_links.c - the links a post shares (issue 12 part 4; parser_int.h).
 *
 * Each format gives them its own way, and the walk (parser_read.c) reads
 * them where they are, as the platform gives them:
 *   Twitter v1.1 and v2  entities.urls[].expanded_url (else unwound_url,
 *                        else url), from the object the tags come from
 *                        (extended_tweet's entities, a retweet's original);
 *                        v2 lists a tweet's photos and videos there too
 *                        (with a media_key), v1.1 apart in entities.media:
 *                        neither counts them, so the two agree
 *   Bluesky              link facets (app.bsky.richtext.facet#link, uri)
 *                        and an external embed (app.bsky.embed.external,
 *                        also as the media of a recordWithMedia)
 *   Mastodon             card.url, and the <a href> of the HTML content
 *                        that are not mentions or hashtags (Mastodon, and
 *                        Pleroma, Misskey and the others it federates with,
 *                        mark those with the class "mention" or "hashtag",
 *                        or rel="tag"); read here, when the post is built,
 *                        and only for a post with tags: nothing else
 *                        would count them
 * Links are never a reason to reject a line that counted before: a field
 * of another type than the formats document is ignored.
 *
 * A post lists each URL once (a Bluesky post gives most links both as a
 * facet and as its embed's card; a Mastodon card repeats a link of the
 * content), compared as bytes: no normalisation, so http/https or a
 * trailing slash make two URLs, as the platforms give them.
 */
#include <string.h>

#include "parser_int.h"

void gs_parser_url_push(struct gs_parser *ps, struct urllist *l,
			struct gs_str s, enum list_src src)
{
	if (!s.n)
		return;
	/* a URL is printed where a control character would be a second,
	 * invisible URL: it is left out (only an escape can put one there,
	 * in a string decoded into the arena: the line's raw bytes are
	 * checked first) */
	if (s.p >= ps->arena.buf && s.p < ps->arena.buf + ps->arena.cap)
		for (size_t i = 0; i < s.n; i++)
			if ((unsigned char)s.p[i] < 0x20)
				return;
	for (size_t i = 0; i < l->n; i++)
		if (l->src[i] == src && l->v[i].n == s.n &&
		    memcmp(l->v[i].p, s.p, s.n) == 0)
			return;
	l->srcs |= 1u << src;
	if (l->n < OBJ_MAX_URLS) {
		l->src[l->n] = (unsigned char)src;
		l->v[l->n++] = s;
	} else {
		l->dropped++;
	}
}

void gs_parser_url_drop(struct urllist *l, enum list_src src)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->src[i] != src) {
			l->src[k] = l->src[i];
			l->v[k++] = l->v[i];
		}
	l->n = k;
	l->srcs &= ~(1u << src);
}

/* Adds s to the post's links unless it is there already. */
static void post_url(struct gs_post *p, struct gs_str s)
{
	if (!s.n)
		return;
	for (size_t i = 0; i < p->nurls; i++)
		if (p->urls[i].n == s.n && memcmp(p->urls[i].p, s.p, s.n) == 0)
			return;
	if (p->nurls < GS_POST_MAX_URLS)
		p->urls[p->nurls++] = s;
	else
		p->urls_dropped++;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether the attribute value v holds the word w (class and rel are lists
 * of words separated by white space), ASCII case ignored. */
static int has_word(struct gs_str v, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i + n <= v.n; i++) {
		if (i && v.p[i - 1] != ' ' && v.p[i - 1] != '\t' &&
		    v.p[i - 1] != '\n')
			continue;
		size_t k = 0;
		while (k < n && lower((unsigned char)v.p[i + k]) == w[k])
			k++;
		if (k == n && (i + n == v.n || v.p[i + n] == ' ' ||
			       v.p[i + n] == '\t' || v.p[i + n] == '\n'))
			return 1;
	}
	return 0;
}

/* The character references a sanitised href holds (&amp; above all),
 * decoded in place: the result is never longer. Named ones other than
 * these five, and numeric ones outside printable ASCII, stay as they are
 * (a URL holds its other characters percent-encoded). */
static size_t unescape_href(char *s, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp;", '&'},
		     {"lt;", '<'},
		     {"gt;", '>'},
		     {"quot;", '"'},
		     {"apos;", '\''}};
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] != '&') {
			s[k++] = s[i++];
			continue;
		}
		size_t j = i + 1;
		int done = 0;
		for (size_t e = 0; e < sizeof named / sizeof *named; e++) {
			size_t l = strlen(named[e].name);
			if (j + l <= n &&
			    memcmp(s + j, named[e].name, l) == 0) {
				s[k++] = named[e].c;
				i = j + l;
				done = 1;
				break;
			}
		}
		if (!done && j < n && s[j] == '#') {
			int hex = j + 1 < n &&
				  (s[j + 1] == 'x' || s[j + 1] == 'X');
			size_t q = j + 1 + (size_t)hex;
			unsigned v = 0, digits = 0;
			for (; q < n && digits < 6; q++, digits++) {
				int c = (unsigned char)s[q], d;
				if (c >= '0' && c <= '9')
					d = c - '0';
				else if (hex && lower(c) >= 'a' &&
					 lower(c) <= 'f')
					d = lower(c) - 'a' + 10;
				else
					break;
				v = v * (hex ? 16u : 10u) + (unsigned)d;
			}
			if (digits && q < n && s[q] == ';' && v >= 0x20 &&
			    v < 0x7F) {
				s[k++] = (char)v;
				i = q + 1;
				done = 1;
			}
		}
		if (!done)
			s[k++] = s[i++];
	}
	return k;
}

static int space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The links of Mastodon's HTML content s[0..n) (writable: hrefs are
 * decoded in place), that are not mentions or hashtags. */
static void content_links(char *s, size_t n, struct gs_post *p)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != '<' || lower((unsigned char)s[i + 1]) != 'a' ||
		    !space((unsigned char)s[i + 2]))
			continue;
		struct gs_str href = {NULL, 0}, cls = {"", 0}, rel = {"", 0};
		size_t q = i + 2;
		while (q < n && s[q] != '>') {
			while (q < n &&
			       (space((unsigned char)s[q]) || s[q] == '/'))
				q++;
			size_t a = q;
			while (q < n && !space((unsigned char)s[q]) &&
			       s[q] != '=' && s[q] != '>' && s[q] != '/')
				q++;
			size_t an = q - a;
			while (q < n && space((unsigned char)s[q]))
				q++;
			struct gs_str v = {"", 0};
			if (q < n && s[q] == '=') {
				q++;
				while (q < n && space((unsigned char)s[q]))
					q++;
				if (q < n && (s[q] == '"' || s[q] == '\'')) {
					char quote = s[q++];
					const char *e =
						memchr(s + q, quote, n - q);
					if (!e)
						return; /* cut short */
					v.p = s + q;
					v.n = (size_t)(e - (s + q));
					q = (size_t)(e - s) + 1;
				} else {
					size_t b = q;
					while (q < n &&
					       !space((unsigned char)s[q]) &&
					       s[q] != '>')
						q++;
					v.p = s + b;
					v.n = q - b;
				}
			} else if (!an && q < n && s[q] != '>') {
				q++; /* a stray character */
			}
			if (an == 4 && lower((unsigned char)s[a]) == 'h' &&
			    lower((unsigned char)s[a + 1]) == 'r' &&
			    lower((unsigned char)s[a + 2]) == 'e' &&
			    lower((unsigned char)s[a + 3]) == 'f' && !href.p)
				href = v;
			else if (an == 5 && memcmp(s + a, "class", 5) == 0)
				cls = v;
			else if (an == 3 && memcmp(s + a, "rel", 3) == 0)
				rel = v;
		}
		if (href.p && !has_word(cls, "mention") &&
		    !has_word(cls, "hashtag") && !has_word(rel, "tag")) {
			char *h = (char *)href.p;
			href.n = unescape_href(h, href.n);
			while (href.n && space((unsigned char)href.p[0])) {
				href.p++;
				href.n--;
			}
			while (href.n &&
			       space((unsigned char)href.p[href.n - 1]))
				href.n--;
			int ctl = 0;
			for (size_t k = 0; k < href.n; k++)
				ctl |= (unsigned char)href.p[k] < 0x20;
			if (!ctl)
				post_url(p, href);
		}
		i = q;
	}
}

void gs_parser_links(struct gs_parser *ps, struct obj *o, const char *end,
		     struct gs_post *p, int mastodon)
{
	p->nurls = 0;
	p->urls_dropped = 0;
	if (!p->ntags)
		return;
	p->urls_dropped = o->urls.dropped;
	for (size_t i = 0; i < o->urls.n; i++)
		post_url(p, o->urls.v[i]);
	if (!mastodon)
		return;
	post_url(p, o->card_url);
	if (!o->content_at)
		return;
	struct gs_json j;
	struct gs_str c;
	gs_json_init(&j, o->content_at, (size_t)(end - o->content_at),
		     &ps->arena);
	j.utf8_checked = 1;
	/* an escape the walk only skipped may be bad: the line counted
	 * before links were read, and still does, without them */
	if (gs_json_string(&j, &c) || !memchr(c.p, '<', c.n))
		return;
	/* hrefs are decoded in place: a string without escapes still points
	 * into the line, and goes to the arena first (it was never decoded
	 * there, so the arena, as long as the line, has room for it) */
	char *w;
	if (c.p >= ps->arena.buf && c.p < ps->arena.buf + ps->arena.cap) {
		w = (char *)c.p;
	} else {
		if (ps->arena.cap - ps->arena.used < c.n)
			return;
		w = ps->arena.buf + ps->arena.used;
		memcpy(w, c.p, c.n);
		ps->arena.used += c.n;
	}
	content_links(w, c.n, p);
}
