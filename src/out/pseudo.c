/*
 * pseudo.c - account-ID pseudonymisation with keyed BLAKE2b (see pseudo.h).
 *
 * The key is BLAKE2b(secret) under a fixed context key, so a secret kept by
 * the research team reproduces the same pseudonyms on every run and machine
 * while the key itself never appears in output. Each ID is then hashed with
 * BLAKE2b keyed by that key (a PRF: without the key, pseudonyms of guessed
 * IDs cannot be computed, which is what stops recovery of sequential or
 * public account IDs by enumeration). crypto_generichash's shortest output is
 * 16 bytes; the pseudonym keeps the first 8 of them, which is enough to tell
 * accounts apart and short enough for tables.
 */
#include "pseudo.h"

#include <sodium.h>
#include <string.h>

#include "groundswell.h"

/* Domain separation: at least crypto_generichash_KEYBYTES_MIN (16) bytes. */
static const char context[] = "groundswell/pseudo/v1 account-id key";

int gs_pseudo_init(struct gs_pseudo *ps, const char *secret, size_t len)
{
	unsigned char key[sizeof ps->key];

	if (!ps || !secret || len == 0)
		return GS_EUSAGE;
	if (sodium_init() < 0)
		return GS_EIO;
	if (crypto_generichash(key, sizeof key, (const unsigned char *)secret,
			       (unsigned long long)len,
			       (const unsigned char *)context,
			       sizeof context - 1) != 0) {
		sodium_memzero(key, sizeof key);
		return GS_EIO;
	}
	memcpy(ps->key, key, sizeof key);
	sodium_memzero(key, sizeof key);
	return 0;
}

size_t gs_pseudo_id(const struct gs_pseudo *ps, const char *id, size_t len,
		    char out[24])
{
	unsigned char h[crypto_generichash_BYTES_MIN];

	/* Cannot fail: output and key lengths are within libsodium's limits. */
	(void)crypto_generichash(h, sizeof h, (const unsigned char *)id,
				 (unsigned long long)len, ps->key,
				 sizeof ps->key);
	out[0] = 'u';
	sodium_bin2hex(out + 1, 2 * 8 + 1, h, 8);
	return GS_PSEUDO_LEN;
}

char *gs_pseudo_post(const struct gs_pseudo *ps, const char *id, size_t len,
		     char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return out;
	if (len > 5 && !memcmp(id, "at://", 5)) {
		const char *a = id + 5, *e = memchr(a, '/', len - 5);
		size_t alen = e ? (size_t)(e - a) : len - 5;
		char p[24];
		gs_pseudo_id(ps, a, alen, p);
		n = (size_t)snprintf(out, cap, "at://%s", p);
		if (n >= cap)
			return out;
		id = a + alen;
		len -= 5 + alen;
	}
	if (len > cap - 1 - n)
		len = cap - 1 - n;
	memcpy(out + n, id, len);
	out[n + len] = 0;
	return out;
}

void gs_pseudo_release(struct gs_pseudo *ps)
{
	if (ps)
		sodium_memzero(ps->key, sizeof ps->key);
}
