/*
 * fuzz.h - what the libFuzzer targets share: a check that stops the run
 * where it failed, and the input with its first snapshot section's CRC made
 * right (snapio.h: "MAGC", u32 version, u64 payload length, the payload,
 * u32 CRC-32 of all before it), so that the fuzzer reaches the checks behind
 * the checksum.
 *
 * Ownership: fuzz_crc_fixed returns a copy the caller frees, or NULL.
 */
#ifndef GS_FUZZ_H
#define GS_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define FUZZ_SECTION_HEAD 16 /* magic, version, payload length */

static inline uint64_t fuzz_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Bytes of the section at the start of p (header, payload, CRC), or 0 when
 * p is shorter than a section or its length claims more than p holds. */
static inline size_t fuzz_section_len(const uint8_t *p, size_t n)
{
	if (n < FUZZ_SECTION_HEAD + 4)
		return 0;
	uint64_t len = fuzz_le64(p + 8);
	return len <= n - FUZZ_SECTION_HEAD - 4
		       ? (size_t)len + FUZZ_SECTION_HEAD + 4
		       : 0;
}

/* A copy of p whose first section has the CRC its bytes give; NULL when p
 * holds no whole section (nothing to fix). */
static inline uint8_t *fuzz_crc_fixed(const uint8_t *p, size_t n)
{
	size_t sec = fuzz_section_len(p, n);
	if (!sec)
		return NULL;
	uint8_t *c = malloc(n);
	CHECK(c);
	memcpy(c, p, n);
	uint32_t crc = (uint32_t)crc32(0, c, (uInt)(sec - 4));
	for (int i = 0; i < 4; i++)
		c[sec - 4 + i] = (uint8_t)(crc >> (8 * i));
	return c;
}

#endif
