/*
 * fold.c - NFKC + full case folding of hashtags (see fold.h).
 *
 * ASCII is closed under NFKC and its case folding is tolower(), so the common
 * case never leaves this file. Anything else goes through utf8proc into a
 * stack buffer of code points: no allocation per tag.
 */
#include "fold.h"

#include <string.h>
#include <utf8proc.h>

#include "groundswell.h"

ssize_t gs_fold(const char *in, size_t len, char *out)
{
	size_t i;
	unsigned char high = 0;

	if (len > GS_TAG_MAX)
		return GS_ETOOLONG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		high |= c;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (!(high & 0x80))
		return (ssize_t)len;

	/* Compatibility decomposition can grow a code point up to 18 times
	 * (U+FDFA); a tag that grows past the buffer is rejected, not cut. */
	utf8proc_int32_t cps[GS_TAG_MAX * 4];
	const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE |
				      UTF8PROC_COMPAT | UTF8PROC_CASEFOLD;
	utf8proc_ssize_t n = utf8proc_decompose_custom(
		(const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, cps,
		(utf8proc_ssize_t)(sizeof cps / sizeof cps[0]), opt, NULL, NULL);
	if (n == UTF8PROC_ERROR_INVALIDUTF8 || n == UTF8PROC_ERROR_NOTASSIGNED)
		return GS_EUTF8;
	if (n < 0 || (size_t)n > sizeof cps / sizeof cps[0])
		return GS_ETOOLONG;
	n = utf8proc_normalize_utf32(cps, n, opt);
	if (n < 0)
		return GS_EUTF8;
	/* reencode writes UTF-8 over the code point buffer in place. */
	n = utf8proc_reencode(cps, n, opt);
	if (n < 0)
		return GS_EUTF8;
	if ((size_t)n > GS_TAG_MAX)
		return GS_ETOOLONG;
	memcpy(out, cps, (size_t)n);
	return (ssize_t)n;
}

size_t gs_fold_mark(const char *tag, size_t len)
{
	if (len && tag[0] == '#')
		return 1;
	if (len >= 3 && memcmp(tag, "\xEF\xBC\x83", 3) == 0)
		return 3;
	return 0;
}

ssize_t gs_fold_arg(const char *tag, size_t len, char *out)
{
	size_t m = gs_fold_mark(tag, len);
	return len > m ? gs_fold(tag + m, len - m, out) : GS_EUSAGE;
}
