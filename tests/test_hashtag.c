/* test_hashtag.c - gs_hashtag_extract(): twitter-text's hashtag rules. */
#include "input/hashtag.h"

#include <stdlib.h>
#include <string.h>

#include "input/fold.h"
#include "tap.h"

/* The tags found in text[0..len), joined with '|'; also checks that every
 * tag points into text right after a hash sign. */
static const char *tags_n(const char *text, size_t len)
{
	static char buf[4096];
	struct gs_str out[64];
	size_t n = gs_hashtag_extract(text, len, out, 64), i, k = 0;

	buf[0] = 0;
	for (i = 0; i < n && i < 64; i++) {
		const char *p = out[i].p;
		if (p < text || p + out[i].n > text + len || out[i].n == 0 ||
		    !((p - text >= 1 && p[-1] == '#') ||
		      (p - text >= 3 && memcmp(p - 3, "\xEF\xBC\x83", 3) == 0)))
			return "(bad pointer)";
		if (k + out[i].n + 2 > sizeof buf)
			return "(too long)";
		if (i)
			buf[k++] = '|';
		memcpy(buf + k, p, out[i].n);
		k += out[i].n;
	}
	buf[k] = 0;
	return buf;
}

static const char *tags(const char *text)
{
	return tags_n(text, strlen(text));
}

#define T(text, want) TAP_EQ_STR(tags(text), want, "%s", #text)

int main(void)
{
	/* Basics. */
	T("#MeToo", "MeToo");
	T("a #MeToo here", "MeToo");
	T("#metoo, and #this.", "metoo|this");
	T("(#metoo) [#b] {#c} \"#d\" '#e' <#f>", "metoo|b|c|d|e|f");
	T("#a, #b; #c! #d? #e:", "a|b|c|d|e");
	T("#tag's", "tag");
	T("#foo-bar #foo.bar #foo/bar", "foo|foo|foo");
	T("end #tag", "tag");
	T("#a", "a");
	T("line\n#tag\t#two\r\n#three", "tag|two|three");
	T("#snake_case #_lead #trail_", "snake_case|_lead|trail_");
	T("#CamelCase123", "CamelCase123");

	/* Not tags. */
	T("", "");
	T("no hash sign at all", "");
	T("#", "");
	T("# tag", "");
	T("a#b", "");
	T("1#tag _#tag", "");
	T("&#39;", "");
	T("it&#39;s &#tag", "");
	T("&amp;#tag", "tag");
	T("#16", "");
	T("#2017 #2017_", "");
	T("#_", "");
	T("#1st #2nd", "1st|2nd");
	T("#tag#other", "");
	T("#tag#other #ok", "ok");
	T("#tag\xEF\xBC\x83other", "");
	T("##tag", "tag");
	T("#http://x", "");
	T("#tag://", "");
	T("#tag: #tag:/ #tag ://", "tag|tag|tag");
	T("a\xEF\xBC\x83" "b", "");
	T("\xEF\xBC\x84tag \xEF\xBBtag", "");

	/* Full-width hash sign and scripts. */
	T("\xEF\xBC\x83\xEF\xBC\xAD\xEF\xBD\x85\xEF\xBC\xB4\xEF\xBD\x8F\xEF\xBD\x8F", /* ＃ＭｅＴｏｏ */
	  "\xEF\xBC\xAD\xEF\xBD\x85\xEF\xBC\xB4\xEF\xBD\x8F\xEF\xBD\x8F");
	T("x \xEF\xBC\x83tag y", "tag");
	T("#日本語", "日本語");
	T("今日は #日本語 です", "日本語");
	T("今日は#日本語", ""); /* preceded by a letter */
	T("東京、#大阪。", "大阪");
	T("#東京〜大阪 #ラブライブ・サンシャイン", "東京〜大阪|ラブライブ・サンシャイン");
	T("#한국어 #Россия #ภาษาไทย", "한국어|Россия|ภาษาไทย");
	T("#مرحبا بكم #السعودية", "مرحبا|السعودية");
	T("#हिन्दी #भारत", "हिन्दी|भारत");
	T("#می\xE2\x80\x8Cخواهم", "می\xE2\x80\x8Cخواهم"); /* ZWNJ */
	T("#a\xE2\x80\x8D" "b", "a\xE2\x80\x8D" "b");        /* ZWJ */
	T("#צה״ל", "צה״ל");                                    /* U+05F4 */
	T("#l·l", "l·l");                                      /* U+00B7 */
	T("#١٢٣", "");      /* Arabic-Indic digits: Nd only */
	T("#١٢٣ب", "١٢٣ب");
	T("#\xE2\x85\xAB", ""); /* U+216B ROMAN NUMERAL TWELVE is Nl */

	/* Accents and marks. */
	T("#año #ano", "año|ano");
	T("#an\xCC\x83o", "an\xCC\x83o"); /* decomposed ñ */
	T("#\xCC\x81", "\xCC\x81");       /* a lone mark is enough */
	T("e\xCC\x81#tag", "");           /* mark before: not a boundary */
	T("caf\xC3\xA9#tag", "");         /* é before */

	/* Emoji. */
	T("#tag😀", "tag");
	T("😀#tag", "tag");
	T("#tag😀#two", "tag|two");
	T("\xE2\x9D\xA4\xEF\xB8\x8F#love", "love"); /* ❤️: U+FE0F before */
	T("\xE2\x98\xBA\xEF\xB8\x8E#smile", "smile"); /* U+FE0E before */
	T("#\xEF\xB8\x8F\xE2\x83\xA3", "");          /* keycap #️⃣ */
	T("#\xE2\x83\xA3" "abc", "");
	T("#\xEF\xB8\x8F" "abc", "");
	T("#a\xEF\xB8\x8F", "a\xEF\xB8\x8F"); /* FE0F is a mark in the body */
	T("#a\xEF\xB8\x8F#b", ""); /* ...so it is consumed: no boundary for #b */
	T("#a\xEF\xB8\x8E#b #c", "c");
	T("#\xEF\xB8\x8F#b", "b"); /* keycap lookahead fails: FE0F is free */
	T("#16\xEF\xB8\x8F #x", "16\xEF\xB8\x8F|x"); /* FE0F is a mark: a letter */

	/* URLs (see hashtag.c: an approximation of twitter-text's overlap). */
	T("https://example.com/page#section", "");
	T("see http://a.b/c#d#e and #real", "real");
	T("https://x.com/#/home #ok", "ok");
	T("HTTPS://X.COM/?q=1&r=2#frag,#more", "");
	T("www.example.com/#frag WWW.x.org/#a", "");
	T("https://x.y #after", "after");
	T("\"https://x.y\"#after", "after");
	T("example.com/#a", "a"); /* no scheme: not recognised */

	/* Invalid UTF-8: a boundary, never part of a tag. */
	T("#one \xFF #two\xFE#three \xC3#four #fi\xE9ve", "one|two|three|four|fi");
	T("#tag\xE6\x97", "tag");         /* truncated at the end */
	T("\xE6\x97#tag", "tag");         /* truncated before */
	T("\xED\xA0\x80#x", "x");         /* surrogate */
	T("#a\xC0\xAF" "b", "a");         /* overlong */
	T("\xC3\xA9\xA9#tag", "tag");     /* stray continuation byte */
	T("\x80\x80\x80\x80#tag", "tag"); /* continuation bytes only */
	T("\xF0\x9F\x98#tag", "tag");     /* 3 of 4 bytes */
	T("\xF4\x90\x80\x80#tag", "tag"); /* past U+10FFFF */
	T("#\xFF", "");
	TAP_EQ_STR(tags_n("#ok\0#yes", 8), "ok|yes", "embedded NUL");
	TAP_EQ_STR(tags_n("#tag", 3), "ta", "len is respected");
	TAP_EQ_STR(tags_n("\xEF\xBC\x83tag", 2), "", "cut hash sign");
	{
		/* text starts inside "é": nothing before text is read, so the
		 * lone continuation byte is a boundary. */
		const char *e = "\xC3\xA9#tag";
		TAP_EQ_STR(tags_n(e + 1, 5), "tag", "starts mid-character");
		TAP_EQ_STR(tags_n(e, 6), "", "whole character: a letter");
	}

	/* max: the count is returned, the first max stored. */
	{
		struct gs_str out[2];
		const char *t = "#a #b #c";
		size_t n = gs_hashtag_extract(t, strlen(t), out, 2);
		TAP_EQ_INT(n, 3, "max 2: total count returned");
		TAP_OK(out[0].p == t + 1 && out[0].n == 1, "first stored");
		TAP_OK(out[1].p == t + 4 && out[1].n == 1, "second stored");
		TAP_EQ_INT(gs_hashtag_extract(t, strlen(t), NULL, 0), 3,
			   "max 0, out NULL");
		TAP_EQ_INT(gs_hashtag_extract(NULL, 0, NULL, 0), 0, "NULL text");
	}

	/* Length cap: GS_TAG_MAX bytes pass, one more is skipped. */
	{
		char buf[2 * GS_TAG_MAX + 32];
		struct gs_str out[4];
		size_t n;

		buf[0] = '#';
		memset(buf + 1, 'a', GS_TAG_MAX);
		memcpy(buf + 1 + GS_TAG_MAX, " #next", 6);
		n = gs_hashtag_extract(buf, GS_TAG_MAX + 7, out, 4);
		TAP_EQ_INT(n, 2, "tag of GS_TAG_MAX bytes kept");
		TAP_EQ_INT(out[0].n, GS_TAG_MAX, "its length");
		memset(buf + 1, 'a', GS_TAG_MAX + 1);
		memcpy(buf + 2 + GS_TAG_MAX, " #next", 6);
		n = gs_hashtag_extract(buf, GS_TAG_MAX + 8, out, 4);
		TAP_EQ_INT(n, 1, "tag of GS_TAG_MAX + 1 bytes skipped");
		TAP_OK(n == 1 && out[0].n == 4 && memcmp(out[0].p, "next", 4) == 0,
		       "the next tag still found");
	}

	/* Many hash signs in one URL-like run, and a big text. */
	{
		size_t len = 1 << 20, i, n;
		char *big = malloc(len);
		TAP_OK(big != NULL, "malloc");
		if (big) {
			for (i = 0; i < len; i++)
				big[i] = (i % 3 == 0) ? '#' : 'x';
			n = gs_hashtag_extract(big, len, NULL, 0);
			TAP_EQ_INT(n, 0, "#xx#xx...: every match is followed by #");
			for (i = 0; i < len; i++)
				big[i] = (i % 4 == 0) ? ' ' : (i % 4 == 1) ? '#' : 'y';
			n = gs_hashtag_extract(big, len, NULL, 0);
			TAP_EQ_INT(n, len / 4, " #yy #yy...: all found");
			memcpy(big, "http://", 7);
			for (i = 7; i < len; i++)
				big[i] = (i % 4 == 0) ? '/' : (i % 4 == 1) ? '#' : 'y';
			n = gs_hashtag_extract(big, len, NULL, 0);
			TAP_EQ_INT(n, 0, "one long URL with many fragments");
			free(big);
		}
	}
	return TAP_DONE();
}
