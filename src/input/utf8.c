/*
 * utf8.c - UTF-8 validation (utf8.h): the scalar DFA, and the choice
 * between it and the SSSE3 validator of utf8_ssse3.c.
 */
#include "utf8.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

int gs_utf8_valid(const char *s, size_t n)
{
	return gs_utf8_check(s, n) == n;
}

/*
 * UTF-8 validation outside ASCII runs is a shift-based DFA (after Per
 * Vognsen): each byte's table row packs, for every state, the next state's
 * bit offset in 6 bits, so a step is one load, one shift and one mask. The
 * states are those of RFC 3629's grammar: accept, 1-3 continuation bytes
 * to go, the four restricted second bytes (after E0, ED, F0, F4), error.
 */
enum { U_ACC = 0, U_C1 = 6, U_C2 = 12, U_C3 = 18, U_E0 = 24, U_ED = 30,
       U_F0 = 36, U_F4 = 42, U_ERR = 48 };

static uint64_t utf8_dfa[256];
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static int utf8_ssse3; /* set once, with the DFA's table */

static void utf8_dfa_init(void)
{
	utf8_ssse3 = gs_utf8_have_ssse3();
	for (int b = 0; b < 256; b++) {
		uint64_t row = 0;
		int next[9];
		for (int k = 0; k < 9; k++)
			next[k] = U_ERR;
		/* from accept */
		if (b < 0x80)
			next[0] = U_ACC;
		else if (b >= 0xC2 && b <= 0xDF)
			next[0] = U_C1;
		else if (b == 0xE0)
			next[0] = U_E0;
		else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
			next[0] = U_C2;
		else if (b == 0xED)
			next[0] = U_ED;
		else if (b == 0xF0)
			next[0] = U_F0;
		else if (b >= 0xF1 && b <= 0xF3)
			next[0] = U_C3;
		else if (b == 0xF4)
			next[0] = U_F4;
		int cont = b >= 0x80 && b <= 0xBF;
		next[1] = cont ? U_ACC : U_ERR;
		next[2] = cont ? U_C1 : U_ERR;
		next[3] = cont ? U_C2 : U_ERR;
		next[4] = b >= 0xA0 && b <= 0xBF ? U_C1 : U_ERR;
		next[5] = b >= 0x80 && b <= 0x9F ? U_C1 : U_ERR;
		next[6] = b >= 0x90 && b <= 0xBF ? U_C2 : U_ERR;
		next[7] = b >= 0x80 && b <= 0x8F ? U_C2 : U_ERR;
		/* next[8] (error) stays error */
		for (int k = 0; k < 9; k++)
			row |= (uint64_t)next[k] << (6 * k);
		utf8_dfa[b] = row;
	}
}

/* The DFA below, one byte at a time outside ASCII runs: the offset of the
 * first bad sequence. */
size_t gs_utf8_check_scalar(const char *s, size_t n)
{
	const unsigned char *p0 = (const unsigned char *)s;
	const unsigned char *p = p0, *e = p + n;
	pthread_once(&utf8_once, utf8_dfa_init);
	while (p < e) {
		/* ASCII runs, 32 or 8 bytes at a time. */
#ifdef __SSE2__
		while (e - p >= 32) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
			if (_mm_movemask_epi8(_mm_or_si128(a, b)))
				break;
			p += 32;
		}
#endif
		while (e - p >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			if (w & 0x8080808080808080ull)
				break;
			p += 8;
		}
		if (p >= e)
			break;
		if (*p < 0x80) {
			p++;
			continue;
		}
		/* A non-ASCII stretch: run the DFA until it is back in the
		 * accept state on an ASCII byte; remember where the current
		 * sequence began, for the offset of an error. */
		const unsigned char *seq = p;
		uint64_t st = U_ACC;
		while (p < e) {
			if (st == U_ACC) {
				if (*p < 0x80)
					break;
				seq = p;
			}
			st = (utf8_dfa[*p] >> st) & 63;
			if (st == U_ERR)
				return (size_t)(seq - p0);
			p++;
		}
		if (st != U_ACC)
			return (size_t)(seq - p0); /* truncated at the end */
	}
	return n;
}

/* Valid text (nearly every line) is checked 16 bytes at a time where the
 * CPU has SSSE3 (utf8_ssse3.c); only text found invalid goes through the
 * DFA, for the offset of the error. */
size_t gs_utf8_check(const char *s, size_t n)
{
	pthread_once(&utf8_once, utf8_dfa_init);
	if (utf8_ssse3 && gs_utf8_valid_ssse3(s, n))
		return n;
	return gs_utf8_check_scalar(s, n);
}

size_t gs_utf8_check_ctl(const char *s, size_t n, int *ctl)
{
	pthread_once(&utf8_once, utf8_dfa_init);
	if (utf8_ssse3 && gs_utf8_valid_ssse3_ctl(s, n, ctl))
		return n;
	*ctl = 1;
	return gs_utf8_check_scalar(s, n);
}
