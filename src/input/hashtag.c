/*
 * hashtag.c - finding hashtags in post text (see hashtag.h).
 *
 * Rules: twitter-text's (github.com/twitter/twitter-text: Regex.VALID_HASHTAG
 * in Java, validHashtag in JS, HASHTAG in Ruby, used by
 * extractHashtagsWithIndices):
 *
 *   (^|\uFE0E|\uFE0F|[^&A])(#|\uFF03)(?!\uFE0F|\u20E3)(A*LA*)
 *
 * with L = \p{L}\p{M} (letters and marks) and A = L + \p{Nd} + "_" + the
 * hashtag special characters U+200C ZWNJ, U+200D ZWJ, U+A67E, U+05BE, U+05F3,
 * U+05F4, U+FF5E, U+301C, U+309B, U+309C, U+30A0, U+30FB, U+3003, U+0F0B,
 * U+0F0C and U+00B7. A match followed by "#", "＃" or "://" is dropped (but
 * still consumed: "#a#b" gives nothing). In words:
 *   - the hash sign is at the start of the text or after a character that is
 *     neither in A nor "&"; U+FE0E and U+FE0F (variation selectors, which are
 *     marks) also count as boundaries, so "❤️#love" is a tag;
 *   - it is not directly followed by U+FE0F or U+20E3 (the keycap #️⃣);
 *   - the tag is the longest run of A after it and must hold a letter or a
 *     mark: "#16" and "#_" are not tags, "#1st" is;
 *   - "#tag#other", "#tag＃other" and "#http://x" give nothing; "##tag" gives
 *     "tag" (a hash sign is not in A, so it is a boundary);
 *   - matches do not overlap, so a hash sign right after a match (dropped or
 *     not) starts none: "#a\uFE0F#b" gives nothing although U+FE0F is a
 *     boundary, because the first match took it as a tag character.
 *
 * Differences from twitter-text:
 *   - Categories are utf8proc's (Unicode 15 in utf8proc 2.8); twitter-text
 *     uses the JVM's or its own JS tables (older Unicode versions), so new
 *     letters may be tag characters here and not there.
 *   - Each byte that is not part of a valid UTF-8 sequence (utf8proc_iterate:
 *     no overlongs, surrogates or code points past U+10FFFF) counts as one
 *     boundary character; it is never part of a tag.
 *   - Tags longer than GS_TAG_MAX bytes are skipped (and not counted).
 *   - URLs. twitter-text's extractHashtags drops tags that overlap a URL it
 *     finds ("https://example.com/page#section"), which needs its TLD lists.
 *     Here a hash sign is skipped when the run of URL characters (printable
 *     ASCII but "<>\"\\^`{}") that ends at it contains "://" or starts with
 *     "www.". So "example.com/#a" still yields "a" (twitter-text: no), and
 *     "(https://x.y)#tag" loses "tag" (twitter-text: keeps it).
 *
 * Speed: the text is searched with memchr for '#' and for 0xEF (first byte of
 * U+FF03); only the character before a hash sign and the run after it are
 * decoded. ASCII never reaches utf8proc. Nothing before or after text[0..len)
 * is read, and the character before a hash sign is decoded backwards exactly
 * as a forward decoder would have split it.
 */
#include "hashtag.h"

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "fold.h"

enum { C_ALNUM = 1, C_ALPHA = 2 }; /* in A; in L */

static inline int ascii_class(unsigned char c)
{
	if ((unsigned)((c | 0x20) - 'a') < 26)
		return C_ALNUM | C_ALPHA;
	if ((unsigned)(c - '0') < 10 || c == '_')
		return C_ALNUM;
	return 0;
}

/* Class of a code point >= 0x80. */
static int cp_class(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return C_ALNUM | C_ALPHA;
	case UTF8PROC_CATEGORY_ND:
		return C_ALNUM;
	default:
		break;
	}
	switch (cp) {
	case 0x200C: case 0x200D: case 0xA67E: case 0x05BE: case 0x05F3:
	case 0x05F4: case 0xFF5E: case 0x301C: case 0x309B: case 0x309C:
	case 0x30A0: case 0x30FB: case 0x3003: case 0x0F0B: case 0x0F0C:
	case 0x00B7:
		return C_ALNUM;
	default:
		return 0;
	}
}

static inline int is_fullwidth_hash(const unsigned char *p,
				    const unsigned char *end)
{
	return end - p >= 3 && p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x83;
}

/* First U+FF03 in [p, end), or NULL. */
static const unsigned char *next_fullwidth(const unsigned char *p,
					   const unsigned char *end)
{
	while ((p = memchr(p, 0xEF, (size_t)(end - p))) != NULL) {
		if (is_fullwidth_hash(p, end))
			return p;
		p++;
	}
	return NULL;
}

/* Whether the character before the hash sign at h lets a tag start there. */
static int boundary_before(const unsigned char *s, const unsigned char *h)
{
	const unsigned char *p;
	utf8proc_int32_t cp;

	if (h == s)
		return 1;
	if (h[-1] < 0x80)
		return h[-1] != '&' && !ascii_class(h[-1]);
	/* The sequence that ends at h - 1 starts at the nearest byte that is
	 * not a continuation byte, at most 3 bytes further back. If from there
	 * it is not one valid sequence ending exactly at h, a forward decoder
	 * sees an invalid byte at h - 1: a boundary. */
	p = h - 1;
	while (p > s && h - p < 4 && (*p & 0xC0) == 0x80)
		p--;
	if (utf8proc_iterate(p, h - p, &cp) != h - p)
		return 1;
	if (cp == 0xFE0E || cp == 0xFE0F)
		return 1;
	return !cp_class(cp);
}

/* End of the tag whose first character is at b, or NULL when there is none
 * (no letter or mark in the run, or a keycap after the hash sign). */
static const unsigned char *scan_body(const unsigned char *b,
				      const unsigned char *end)
{
	const unsigned char *p = b;
	int cls, all = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	while (p < end) {
		if (*p < 0x80) {
			cls = ascii_class(*p);
			if (!cls)
				break;
			all |= cls;
			p++;
			continue;
		}
		n = utf8proc_iterate(p, end - p, &cp);
		if (n <= 0)
			break;
		if (p == b && (cp == 0xFE0F || cp == 0x20E3))
			return NULL;
		cls = cp_class(cp);
		if (!cls)
			break;
		all |= cls;
		p += n;
	}
	return (all & C_ALPHA) ? p : NULL;
}

/* twitter-text drops a match followed by a hash sign or "://". */
static int bad_end(const unsigned char *p, const unsigned char *end)
{
	if (p == end)
		return 0;
	if (*p == '#' || is_fullwidth_hash(p, end))
		return 1;
	return end - p >= 3 && p[0] == ':' && p[1] == '/' && p[2] == '/';
}

static inline int url_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7F)
		return 0;
	switch (c) {
	case '"': case '<': case '>': case '\\': case '^': case '`': case '{':
	case '}':
		return 0;
	default:
		return 1;
	}
}

/*
 * What is known about the run of URL characters [tok, pos) that ends at the
 * previous hash sign looked at, pos, so that a run holding many hash signs is
 * read once. No "://" spans pos, and a run never goes past a U+FF03.
 */
struct url_memo {
	const unsigned char *pos, *tok;
	int scheme; /* "://" in [tok, pos) */
};

/* Whether the hash sign at h is inside a URL (see the top of the file). */
static int in_url(const unsigned char *h, struct url_memo *m)
{
	const unsigned char *p = h, *tok;
	int scheme = 0;

	while (p > m->pos && url_char(p[-1])) {
		p--;
		if (*p == ':' && h - p >= 3 && p[1] == '/' && p[2] == '/')
			scheme = 1;
	}
	if (p == m->pos) {
		tok = m->tok;
		scheme |= m->scheme;
	} else {
		tok = p;
	}
	m->pos = h;
	m->tok = tok;
	m->scheme = scheme;
	if (scheme)
		return 1;
	return h - tok >= 4 && (tok[0] | 0x20) == 'w' &&
	       (tok[1] | 0x20) == 'w' && (tok[2] | 0x20) == 'w' && tok[3] == '.';
}

size_t gs_hashtag_extract(const char *text, size_t len, struct gs_str *out,
			  size_t max)
{
	const unsigned char *s = (const unsigned char *)text, *end, *nh, *nf;
	const unsigned char *h, *b, *e, *next, *consumed = NULL;
	struct url_memo memo;
	size_t count = 0;

	if (!text || !len)
		return 0;
	end = s + len;
	nh = memchr(s, '#', len);
	nf = next_fullwidth(s, end);
	if (!nh && !nf)
		return 0;
	memo.pos = memo.tok = s;
	memo.scheme = 0;
	while (nh || nf) {
		if (nh && (!nf || nh < nf)) {
			h = nh;
			b = h + 1;
		} else {
			h = nf;
			b = h + 3;
		}
		next = b;
		/* A match is consumed even when dropped, and the boundary
		 * character is part of a match: so a hash sign right after a
		 * match never starts one. That matters only when the match ends
		 * in U+FE0E or U+FE0F, both tag characters and boundaries:
		 * "#a\uFE0F#b" gives nothing, as in twitter-text. */
		if (h != consumed && boundary_before(s, h) &&
		    (e = scan_body(b, end)) != NULL) {
			next = consumed = e;
			if ((size_t)(e - b) <= GS_TAG_MAX && !bad_end(e, end) &&
			    !in_url(h, &memo)) {
				if (count < max) {
					out[count].p = (const char *)b;
					out[count].n = (size_t)(e - b);
				}
				count++;
			}
		}
		if (nh && nh < next)
			nh = memchr(next, '#', (size_t)(end - next));
		if (nf && nf < next)
			nf = next_fullwidth(next, end);
	}
	return count;
}
