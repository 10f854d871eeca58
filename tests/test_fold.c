/* test_fold.c - gs_fold(): the grouping key (NFKC of the full case folding). */
#include "input/fold.h"

#include <string.h>

#include "groundswell.h"
#include "tap.h"

static ssize_t last_rc;

/* The key of in[0..len) as a C string, or "" on error (see last_rc). */
static const char *key_n(const char *in, size_t len)
{
	static char buf[GS_TAG_MAX + 1];

	last_rc = gs_fold(in, len, buf);
	if (last_rc < 0 || last_rc > GS_TAG_MAX)
		return "";
	buf[last_rc] = 0;
	return buf;
}

static const char *key(const char *in)
{
	return key_n(in, strlen(in));
}

#define K(in, want) TAP_EQ_STR(key(in), want, "key(%s)", #in)

int main(void)
{
	char big[2 * GS_TAG_MAX + 8];
	char want[GS_TAG_MAX + 1];
	size_t i;

	/* Case and width. */
	K("MeToo", "metoo");
	K("metoo", "metoo");
	K("METOO", "metoo");
	K("\xEF\xBC\xAD\xEF\xBD\x85\xEF\xBC\xB4\xEF\xBD\x8F\xEF\xBD\x8F", "metoo"); /* ＭｅＴｏｏ */
	K("Tag_2024", "tag_2024");
	K("", "");
	TAP_EQ_INT(last_rc, 0, "empty key has length 0");

	/* Accents are kept; the key is composed (NFC). */
	K("año", "año");
	K("ano", "ano");
	K("AÑO", "a\xC3\xB1o");
	K("an\xCC\x83o", "a\xC3\xB1o"); /* n + U+0303 composes to ñ */
	K("AN\xCC\x83O", "a\xC3\xB1o");
	TAP_OK(strcmp(key("año"), "ano") != 0, "año and ano stay apart");
	K("Caf\xC3\x89", "café");
	K("\xE2\x84\xAB", "\xC3\xA5");  /* U+212B ANGSTROM SIGN -> å */
	K("A\xCC\x8A", "\xC3\xA5");     /* A + ring above -> å */
	K("\xE2\x84\xAA", "k");         /* U+212A KELVIN SIGN */

	/* Full case folding. */
	K("Straße", "strasse");
	K("STRASSE", "strasse");
	K("\xE1\xBA\x9E", "ss"); /* ẞ U+1E9E */
	K("\xC5\x89", "\xCA\xBCn"); /* ŉ -> ʼn */

	/* Greek: final sigma, capital sigma and sigma share a key. */
	K("ΟΔΟΣ", "οδοσ");
	K("οδος", "οδοσ");
	K("οδοσ", "οδοσ");
	K("Σίσυφος", "σίσυφοσ");

	/* NFKC: compatibility characters merge with their plain forms. */
	K("\xEF\xAC\x81", "fi");  /* ﬁ ligature */
	K("\xEF\xAC\x81x", "fix");
	K("\xEF\xAC\x83", "ffi"); /* ﬃ */
	K("\xE2\x91\xA0", "1");   /* ① */
	K("\xE2\x85\xAB", "xii"); /* Ⅻ */
	K("\xEF\xBD\xB6\xEF\xBE\x9E", "ガ"); /* half-width ｶﾞ -> ガ */
	K("\xE3\x8D\xBB", "平成");          /* ㍻ */
	K("\xC7\x85", "d\xC5\xBE");          /* ǅ -> dž */

	/* Turkish dotted and dotless i: utf8proc applies the default (not
	 * Turkic) folding, so İ U+0130 folds to "i" + U+0307 COMBINING DOT
	 * ABOVE, ı U+0131 stays itself, and I folds to i: "İstanbul",
	 * "ISTANBUL" and "ıstanbul" are three different keys. */
	K("\xC4\xB0", "i\xCC\x87");
	K("\xC4\xB0stanbul", "i\xCC\x87stanbul");
	K("ISTANBUL", "istanbul");
	K("\xC4\xB1stanbul", "\xC4\xB1stanbul");
	TAP_OK(strcmp(key("\xC4\xB0stanbul"), "istanbul") != 0,
	       "İstanbul and ISTANBUL are distinct keys");

	/* Scripts without case pass through. */
	K("日本語", "日本語");
	K("हिन्दी", "हिन्दी");
	K("می\xE2\x80\x8Cخواهم", "می\xE2\x80\x8Cخواهم"); /* ZWNJ kept */

	/* Invalid UTF-8. */
	key("\xFF");
	TAP_EQ_INT(last_rc, GS_EUTF8, "0xFF: GS_EUTF8");
	key("abc\xC3");
	TAP_EQ_INT(last_rc, GS_EUTF8, "truncated sequence: GS_EUTF8");
	key("\xED\xA0\x80");
	TAP_EQ_INT(last_rc, GS_EUTF8, "surrogate: GS_EUTF8");
	key("\xC0\xAF");
	TAP_EQ_INT(last_rc, GS_EUTF8, "overlong: GS_EUTF8");
	key("a\x80" "b");
	TAP_EQ_INT(last_rc, GS_EUTF8, "stray continuation byte: GS_EUTF8");
	key("\xF4\x90\x80\x80");
	TAP_EQ_INT(last_rc, GS_EUTF8, "past U+10FFFF: GS_EUTF8");

	/* Lengths. */
	memset(big, 'A', GS_TAG_MAX);
	memset(want, 'a', GS_TAG_MAX);
	want[GS_TAG_MAX] = 0;
	TAP_EQ_STR(key_n(big, GS_TAG_MAX), want, "256-byte ASCII tag");
	TAP_EQ_INT(last_rc, GS_TAG_MAX, "its key has 256 bytes");
	key_n(big, GS_TAG_MAX + 1);
	TAP_EQ_INT(last_rc, GS_ETOOLONG, "257 bytes: GS_ETOOLONG");
	for (i = 0; i < GS_TAG_MAX / 2; i++)
		memcpy(big + 2 * i, "\xC3\x89", 2); /* É */
	key_n(big, GS_TAG_MAX);
	TAP_EQ_INT(last_rc, GS_TAG_MAX, "128 x É (256 bytes) folds to 256 bytes");
	for (i = 0; i < GS_TAG_MAX / 2; i++)
		memcpy(big + 2 * i, "\xC5\x89", 2); /* ŉ: 2 bytes -> 3 */
	key_n(big, GS_TAG_MAX);
	TAP_EQ_INT(last_rc, GS_ETOOLONG, "tag fits, key grows past 256: GS_ETOOLONG");
	for (i = 0; i < 8; i++)
		memcpy(big + 3 * i, "\xEF\xB7\xBA", 3); /* U+FDFA: 3 -> 33 bytes */
	key_n(big, 24);
	TAP_EQ_INT(last_rc, GS_ETOOLONG, "8 x U+FDFA (264-byte key): GS_ETOOLONG");
	key_n(big, 21);
	TAP_EQ_INT(last_rc, 231, "7 x U+FDFA: 231-byte key");
	for (i = 0; i < 85; i++)
		memcpy(big + 3 * i, "\xEF\xB7\xBA", 3); /* 1530 code points */
	key_n(big, 255);
	TAP_EQ_INT(last_rc, GS_ETOOLONG, "85 x U+FDFA overflows the buffer: GS_ETOOLONG");

	/* The key is a fixed point for these (folding a key changes nothing). */
	{
		static const char *const samples[] = {
			"MeToo", "AÑO", "Straße", "ΟΔΟΣ", "\xEF\xAC\x81",
			"\xC4\xB0stanbul", "\xEF\xBD\xB6\xEF\xBE\x9E", "Σίσυφος"};
		for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
			char k1[GS_TAG_MAX + 1], k2[GS_TAG_MAX + 1];
			ssize_t n1 = gs_fold(samples[i], strlen(samples[i]), k1);
			ssize_t n2 = n1 >= 0 ? gs_fold(k1, (size_t)n1, k2) : -1;
			TAP_OK(n1 >= 0 && n1 == n2 && memcmp(k1, k2, (size_t)n1) == 0,
			       "key(key(%s)) == key(%s)", samples[i], samples[i]);
		}
	}
	/* A tag as a user types it: one mark, '#' or the full-width '＃'. */
	{
		char k[GS_TAG_MAX + 1];
		TAP_EQ_INT((int)gs_fold_mark("#MeToo", 6), 1,
			   "'#' is a mark of 1 byte");
		TAP_EQ_INT((int)gs_fold_mark("\xEF\xBC\x83MeToo", 8), 3,
			   "U+FF03 is a mark of 3 bytes");
		TAP_EQ_INT((int)gs_fold_mark("MeToo", 5), 0, "no mark");
		TAP_EQ_INT((int)gs_fold_mark("\xEF\xBC", 2), 0,
			   "a cut U+FF03 is no mark");
		ssize_t n = gs_fold_arg("#MeToo", 6, k);
		TAP_OK(n == 5 && memcmp(k, "metoo", 5) == 0,
		       "#MeToo folds to metoo");
		n = gs_fold_arg("\xEF\xBC\x83MeToo", 8, k);
		TAP_OK(n == 5 && memcmp(k, "metoo", 5) == 0,
		       "＃MeToo folds to metoo");
		n = gs_fold_arg("##x", 3, k);
		TAP_OK(n == 2 && memcmp(k, "#x", 2) == 0,
		       "one mark only: ##x is #x");
		TAP_EQ_INT((int)gs_fold_arg("#", 1, k), GS_EUSAGE,
			   "a mark alone: GS_EUSAGE");
		TAP_EQ_INT((int)gs_fold_arg("", 0, k), GS_EUSAGE,
			   "nothing: GS_EUSAGE");
	}
	return TAP_DONE();
}
