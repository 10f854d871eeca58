/*
 * utf8_ssse3.c - UTF-8 validation 16 bytes at a time (SSSE3), the fast
 * path of gs_utf8_check() (utf8.c) on CPUs that have it.
 *
 * Algorithm: Keiser & Lemire, "Validating UTF-8 in less than one
 * instruction per byte" (Software: Practice and Experience, 2021), the
 * "lookup" variant as in simdjson. For each byte, three 16-entry tables
 * indexed by the high nibble of the previous byte, its low nibble and the
 * high nibble of this byte give bit sets of the errors each pair of bytes
 * may show (too short, too long, overlong 2/3/4-byte forms, surrogates,
 * above U+10FFFF, two continuations); their AND is the errors the pair
 * does show. A third or fourth byte of a sequence is a continuation after
 * two continuations, which the tables flag as TWO_CONTS: bytes 2 and 3
 * back from a 3- or 4-byte lead must be continuations, and that "must" is
 * XORed with the flag. Any bit left is an error. Blocks of ASCII are passed
 * over unless the block before ended inside a sequence.
 *
 * Contract: returns 1 when s[0..n) is valid UTF-8 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF, nothing truncated), else 0. It
 * does not say where; utf8.c's DFA finds that on the rare invalid line.
 * Reads only s[0..n). Tested against the DFA on random and adversarial
 * input (tests/test_json.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define TOO_SHORT (1 << 0)
#define TOO_LONG (1 << 1)
#define OVERLONG_3 (1 << 2)
#define TOO_LARGE (1 << 3)
#define SURROGATE (1 << 4)
#define OVERLONG_2 (1 << 5)
#define TOO_LARGE_1000 (1 << 6)
#define OVERLONG_4 (1 << 6)
#define TWO_CONTS (1 << 7)
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)

__attribute__((target("ssse3"))) static inline __m128i
block_errors(__m128i in, __m128i prev_in)
{
	const __m128i nib = _mm_set1_epi8(0x0F);
	const __m128i t1h = _mm_setr_epi8(
		TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
		TOO_LONG, (char)TWO_CONTS, (char)TWO_CONTS, (char)TWO_CONTS, (char)TWO_CONTS,
		TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
		(char)(TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4));
	const __m128i t1l = _mm_setr_epi8(
		(char)(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4), (char)(CARRY | OVERLONG_2),
		(char)CARRY, (char)CARRY, (char)(CARRY | TOO_LARGE),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE),
		(char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000));
	const __m128i t2h = _mm_setr_epi8(
		TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
		TOO_SHORT,
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
		(char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE), TOO_SHORT,
		TOO_SHORT, TOO_SHORT, TOO_SHORT);
	__m128i prev1 = _mm_alignr_epi8(in, prev_in, 15);
	__m128i b1h = _mm_shuffle_epi8(t1h, _mm_and_si128(_mm_srli_epi16(prev1, 4), nib));
	__m128i b1l = _mm_shuffle_epi8(t1l, _mm_and_si128(prev1, nib));
	__m128i b2h = _mm_shuffle_epi8(t2h, _mm_and_si128(_mm_srli_epi16(in, 4), nib));
	__m128i sc = _mm_and_si128(_mm_and_si128(b1h, b1l), b2h);
	__m128i prev2 = _mm_alignr_epi8(in, prev_in, 14);
	__m128i prev3 = _mm_alignr_epi8(in, prev_in, 13);
	__m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xE0 - 0x80)));
	__m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xF0 - 0x80)));
	__m128i must23 = _mm_and_si128(_mm_or_si128(third, fourth), _mm_set1_epi8((char)0x80));
	return _mm_xor_si128(must23, sc);
}

/* The bytes of a block that leave a sequence open at its end. */
__attribute__((target("ssse3"))) static inline __m128i incomplete(__m128i in)
{
	const __m128i max = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					  (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
	return _mm_subs_epu8(in, max);
}

/* 64 bytes a, b, c, d that are not all ASCII, after the 16 bytes prev:
 * bit 0 set when they hold an error, bit 1 when a sequence is left open at
 * their end (an error if ASCII follows). Not inlined: the loop over ASCII
 * blocks then keeps its few values in registers. */
__attribute__((target("ssse3"), noinline)) static int
blocks64(__m128i prev, __m128i a, __m128i b, __m128i c, __m128i d)
{
	__m128i err = block_errors(a, prev);
	err = _mm_or_si128(err, block_errors(b, a));
	err = _mm_or_si128(err, block_errors(c, b));
	err = _mm_or_si128(err, block_errors(d, c));
	__m128i z = _mm_setzero_si128();
	return (_mm_movemask_epi8(_mm_cmpeq_epi8(err, z)) != 0xFFFF) |
	       (_mm_movemask_epi8(_mm_cmpeq_epi8(incomplete(d), z)) != 0xFFFF)
		       << 1;
}

/*
 * The validator, and (*ctl) whether the text holds a byte below 0x20, for
 * the JSON rule on control characters (json.h, gs_json_find_control): the
 * unsigned minimum of the blocks is kept beside, one instruction per 16
 * bytes, and compared once at the end.
 */
__attribute__((target("ssse3"))) int gs_utf8_valid_ssse3_ctl(const char *s,
							     size_t n, int *ctl)
{
	__m128i low = _mm_set1_epi8(-1);
	int bad = 0, open_end = 0;
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		/* 64 bytes of ASCII at once (most of a post's JSON) */
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 48));
		low = _mm_min_epu8(low, _mm_min_epu8(_mm_min_epu8(a, b),
						     _mm_min_epu8(c, d)));
		if (!_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)))) {
			/* a sequence left open before it is an error */
			bad |= open_end;
			open_end = 0;
			continue;
		}
		__m128i prev =
			i ? _mm_loadu_si128(
				    (const __m128i *)(const void *)(s + i - 16))
			  : _mm_setzero_si128();
		int r = blocks64(prev, a, b, c, d);
		bad |= r & 1;
		open_end = r >> 1;
	}
	__m128i prev =
		i ? _mm_loadu_si128((const __m128i *)(const void *)(s + i - 16))
		  : _mm_setzero_si128();
	__m128i err = bad ? _mm_set1_epi8(1) : _mm_setzero_si128();
	__m128i open = incomplete(prev);
	for (; i + 16 <= n; i += 16) {
		__m128i in = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		low = _mm_min_epu8(low, in);
		if (!_mm_movemask_epi8(in)) { /* ASCII */
			/* a sequence left open before it is an error */
			err = _mm_or_si128(err, open);
		} else {
			err = _mm_or_si128(err, block_errors(in, prev));
		}
		open = incomplete(in);
		prev = in;
	}
	/* the tail, padded with ASCII spaces: a sequence cut by the end of
	 * the text is then followed by a space, which the tables flag (and a
	 * space is no control character) */
	unsigned char tail[32];
	size_t rest = n - i;
	memset(tail, ' ', sizeof tail);
	memcpy(tail, s + i, rest);
	for (size_t k = 0; k < (rest ? 32u : 16u); k += 16) {
		__m128i in = _mm_loadu_si128((const __m128i *)(const void *)(tail + k));
		low = _mm_min_epu8(low, in);
		err = _mm_or_si128(err, block_errors(in, prev));
		prev = in;
	}
	const __m128i x1f = _mm_set1_epi8(0x1F); /* low <= 0x1F somewhere */
	*ctl = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(low, x1f), x1f)) !=
	       0;
	return _mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) == 0xFFFF;
}

int gs_utf8_valid_ssse3(const char *s, size_t n)
{
	int ctl;
	return gs_utf8_valid_ssse3_ctl(s, n, &ctl);
}

int gs_utf8_have_ssse3(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("ssse3");
}

#else

int gs_utf8_valid_ssse3_ctl(const char *s, size_t n, int *ctl)
{
	(void)s;
	(void)n;
	*ctl = 1;
	return 0;
}

int gs_utf8_valid_ssse3(const char *s, size_t n)
{
	(void)s;
	(void)n;
	return 0;
}

int gs_utf8_have_ssse3(void)
{
	return 0;
}

#endif
