/*
 * pseudo.h - keyed pseudonyms for account IDs.
 *
 * Research ethics boards commonly ask that published counts and exports name
 * no account. gs_pseudo_id() maps an account ID to a short pseudonym with a
 * keyed BLAKE2b: the same ID under the same secret always gives the same
 * pseudonym (so distinct-account counts and joins across runs still work),
 * nobody without the secret can recover an ID or test a guess, and different
 * secrets give unrelated pseudonyms.
 *
 * Ownership: struct gs_pseudo is a plain value owned by the caller (stack or
 * heap); it holds the derived key, so call gs_pseudo_release() when done to
 * wipe it. Nothing here allocates or keeps a pointer to its arguments.
 */
#ifndef GS_PSEUDO_H
#define GS_PSEUDO_H

#include <stddef.h>

/* Length of a pseudonym: "u" + 16 lower-case hex digits (NUL not counted). */
#define GS_PSEUDO_LEN 17

struct gs_pseudo {
	unsigned char key[32];
};

/*
 * Derives ps->key from the secret[0..len) with BLAKE2b (crypto_generichash)
 * keyed by a fixed context string, so the same secret always gives the same
 * key and the key is used for nothing else. The secret is hashed once, not
 * stretched: use a long random secret (e.g. 32 random bytes, hex-encoded),
 * not a memorable password. Initialises libsodium (safe to repeat).
 * Returns 0; GS_EUSAGE when ps or secret is NULL or len == 0; GS_EIO when
 * libsodium cannot initialise. ps is untouched on failure.
 */
int gs_pseudo_init(struct gs_pseudo *ps, const char *secret, size_t len);

/*
 * Writes the pseudonym of the account ID id[0..len) to out: "u" followed by
 * the first 8 bytes of the 16-byte BLAKE2b of the ID keyed with ps->key, in
 * lower-case hex, NUL-terminated. Returns GS_PSEUDO_LEN (17). The ID is
 * hashed as given: prefix it with the platform or instance when IDs of
 * different networks may coincide. 64 bits make a collision between two of
 * 100 million accounts unlikely (about 3 in 10,000) but not impossible.
 * Thread-safe: ps is only read.
 */
size_t gs_pseudo_id(const struct gs_pseudo *ps, const char *id, size_t len,
		    char out[24]);

/*
 * Writes post id[0..len) to out (NUL-terminated, at most cap - 1 bytes)
 * with the account id it embeds replaced by that account's pseudonym
 * (gs_pseudo_id), so that a post shown under pseudonymisation names no
 * account yet joins the accounts' pseudonyms: Bluesky's "at://DID/..." becomes
 * "at://u<16 hex>/...". Ids that embed no account (Twitter's and Mastodon's
 * numbers) are copied. Returns out; an id that does not fit is cut at a
 * byte boundary (cap >= 64 fits every pseudonymised at:// URI of a post).
 */
char *gs_pseudo_post(const struct gs_pseudo *ps, const char *id, size_t len,
		     char *out, size_t cap);

/* Wipes the key (sodium_memzero); ps may then be initialised again. */
void gs_pseudo_release(struct gs_pseudo *ps);

#endif
