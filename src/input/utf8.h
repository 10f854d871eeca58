/*
 * utf8.h - UTF-8 validation (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF, nothing truncated), for every text read from
 * input before it is counted or written out.
 *
 * Two implementations side by side: utf8.c, a shift-based DFA one byte at a
 * time outside ASCII runs, which also finds where the first bad sequence
 * starts; utf8_ssse3.c, 16 bytes at a time on CPUs with SSSE3, which only
 * says yes or no. gs_utf8_check() takes the fast one where the CPU has it
 * and asks the DFA only about text found invalid.
 *
 * Ownership: nothing is allocated; the text is the caller's. Thread-safe
 * (the DFA's table is built once, under pthread_once).
 */
#ifndef GS_UTF8_H
#define GS_UTF8_H

#include <stddef.h>

/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int gs_utf8_valid(const char *s, size_t n);
/* Offset of the first byte of an invalid sequence, or n when all is valid. */
size_t gs_utf8_check(const char *s, size_t n);
/* gs_utf8_check() that also sets *ctl to 0 when s[0..n) surely holds no
 * byte below 0x20 (a control character), else 1 (it may: where the CPU
 * has no SSSE3 it is always 1), at nearly no cost beside the check. */
size_t gs_utf8_check_ctl(const char *s, size_t n, int *ctl);

/* utf8_ssse3.c (the sibling implementation): 1 when s[0..n) is valid UTF-8, else 0 (no offset); only
 * to be called when gs_utf8_have_ssse3() says the CPU can. */
int gs_utf8_valid_ssse3(const char *s, size_t n);
/* The same, and *ctl: 1 when a byte of s[0..n) is below 0x20, else 0. */
int gs_utf8_valid_ssse3_ctl(const char *s, size_t n, int *ctl);
int gs_utf8_have_ssse3(void);
/* gs_utf8_check() without SIMD validation (what it falls back to). */
size_t gs_utf8_check_scalar(const char *s, size_t n);

#endif
