/*
 * fuzz_hashtag.c - libFuzzer target for gs_hashtag_extract() and gs_fold().
 *
 * Checks that every tag lies inside the input right after a hash sign, is
 * non-empty and at most GS_TAG_MAX bytes, that max only limits what is
 * stored, that every tag folds (valid UTF-8, so never GS_EUTF8), and that
 * the result equals a slow reference: the input decoded forwards into code
 * points (an invalid byte is one non-word character) and twitter-text's
 * regex run as a backtracking matcher would, plus hashtag.c's URL rule.
 *
 *   make fuzz && build-fuzz/fuzz_hashtag -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "input/fold.h"
#include "groundswell.h"
#include "input/hashtag.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

enum { MAX_TAGS = 4096 };

/* ---- the reference ---- */

static int ref_alpha(int32_t cp)
{
	if (cp < 0)
		return 0;
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME;
}

static int ref_alnum(int32_t cp)
{
	static const int32_t special[] = {
		'_',    0x200C, 0x200D, 0xA67E, 0x05BE, 0x05F3, 0x05F4, 0xFF5E,
		0x301C, 0x309B, 0x309C, 0x30A0, 0x30FB, 0x3003, 0x0F0B, 0x0F0C,
		0x00B7};
	size_t i;

	if (cp < 0)
		return 0;
	if (ref_alpha(cp) || utf8proc_category(cp) == UTF8PROC_CATEGORY_ND)
		return 1;
	for (i = 0; i < sizeof special / sizeof special[0]; i++)
		if (cp == special[i])
			return 1;
	return 0;
}

static int ref_hash(int32_t cp)
{
	return cp == '#' || cp == 0xFF03;
}

static int ref_url_char(uint8_t c)
{
	return c > 0x20 && c < 0x7F && !strchr("\"<>\\^`{}", c);
}

/* hashtag.c's URL rule, the slow way: the run of URL characters ending at
 * byte h holds "://" or starts with "www.". */
static int ref_in_url(const uint8_t *s, size_t h)
{
	size_t t = h, i;

	while (t > 0 && ref_url_char(s[t - 1]))
		t--;
	for (i = t; i + 3 <= h; i++)
		if (memcmp(s + i, "://", 3) == 0)
			return 1;
	return h - t >= 4 && strncasecmp((const char *)s + t, "www.", 4) == 0;
}

static size_t reference(const uint8_t *s, size_t size, struct gs_str *out)
{
	size_t *pos = malloc((size + 1) * sizeof *pos);
	int32_t *cp = malloc((size + 1) * sizeof *cp);
	size_t n = 0, i = 0, k, count = 0;

	CHECK(pos && cp);
	while (i < size) { /* decode forwards */
		int32_t c;
		utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(size - i), &c);
		pos[n] = i;
		if (l <= 0) {
			cp[n++] = -1;
			i++;
		} else {
			cp[n++] = c;
			i += (size_t)l;
		}
	}
	pos[n] = size;
	cp[n] = -2; /* end */

	k = 0; /* the regex's lastIndex, in characters */
	while (k < n) {
		/* (^|\uFE0E|\uFE0F|$|[^&A])(#|＃)(?!\uFE0F|\u20E3)(A*LA*),
		 * alternatives tried in order at k. */
		size_t hashes[2], nh = 0, a, j, e = 0;
		int ok = 0;

		if (k == 0)
			hashes[nh++] = 0;
		if (cp[k] == 0xFE0E || cp[k] == 0xFE0F ||
		    (!ref_alnum(cp[k]) && cp[k] != '&'))
			hashes[nh++] = k + 1;
		for (a = 0; a < nh && !ok; a++) {
			size_t h = hashes[a];
			int alpha = 0;
			if (h >= n || !ref_hash(cp[h]))
				continue;
			if (cp[h + 1] == 0xFE0F || cp[h + 1] == 0x20E3)
				continue;
			for (j = h + 1; j < n && ref_alnum(cp[j]); j++)
				alpha |= ref_alpha(cp[j]);
			if (!alpha)
				continue;
			ok = 1;
			e = j;
			/* a match: dropped when followed by a hash sign or
			 * "://", too long, or in a URL */
			size_t b0 = pos[h + 1], b1 = pos[e];
			if (e < n && ref_hash(cp[e]))
				continue;
			if (size - b1 >= 3 && memcmp(s + b1, "://", 3) == 0)
				continue;
			if (b1 - b0 > GS_TAG_MAX || ref_in_url(s, pos[h]))
				continue;
			if (count < MAX_TAGS) {
				out[count].p = (const char *)s + b0;
				out[count].n = b1 - b0;
			}
			count++;
		}
		k = ok ? e : k + 1;
	}
	free(pos);
	free(cp);
	return count;
}

/* ---- the target ---- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gs_str got[MAX_TAGS], want[MAX_TAGS];
	const char *text = (const char *)data;
	size_t n, m, i, max;
	char key[GS_TAG_MAX];

	n = gs_hashtag_extract(text, size, got, MAX_TAGS);
	CHECK(n <= size / 2);
	for (i = 0; i < n && i < MAX_TAGS; i++) {
		const char *p = got[i].p;
		size_t off;
		CHECK(p >= text && got[i].n >= 1 && got[i].n <= GS_TAG_MAX);
		off = (size_t)(p - text);
		CHECK(off <= size && got[i].n <= size - off);
		CHECK((off >= 1 && p[-1] == '#') ||
		      (off >= 3 && memcmp(p - 3, "\xEF\xBC\x83", 3) == 0));
		if (i > 0)
			CHECK(p > got[i - 1].p + got[i - 1].n);
		ssize_t k = gs_fold(p, got[i].n, key);
		CHECK(k == GS_ETOOLONG || (k >= 0 && k <= GS_TAG_MAX));
	}

	/* max only limits what is stored. */
	max = size ? data[0] % 4 : 0;
	{
		struct gs_str few[3];
		m = gs_hashtag_extract(text, size, max ? few : NULL, max);
		CHECK(m == n);
		for (i = 0; i < max && i < n; i++)
			CHECK(few[i].p == got[i].p && few[i].n == got[i].n);
	}

	/* Same as the slow reference. */
	m = reference(data, size, want);
	CHECK(m == n);
	for (i = 0; i < n && i < MAX_TAGS; i++)
		CHECK(want[i].p == got[i].p && want[i].n == got[i].n);

	/* gs_fold on the raw input: never past its buffer, sane result. */
	if (size <= 2 * GS_TAG_MAX) {
		ssize_t k = gs_fold(text, size, key);
		CHECK(k == GS_EUTF8 || k == GS_ETOOLONG ||
		      (k >= 0 && k <= GS_TAG_MAX));
	}
	return 0;
}
