/*
 * test_seal.c - unit tests of seal (count/seal.h): round trips of every
 * size around the chunk (by calls, through the stdio stream and whole),
 * the format as documented (read back here with libsodium alone, as the
 * serve snapshots written before the module are), no plain byte in the
 * file, and refusals: another key, another kind, every cut, every byte of
 * every class flipped (magic, version, header, record length, ciphertext,
 * tag), a record dropped, repeated or cut at its boundary, trailing bytes.
 */
#include "count/seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "tap.h"

static const struct gs_seal_kind kind = {
	{'G', 'S', 'X', 'T'}, "groundswell/test/v1 seal key", "test key"};
/* the same magic, another context: another derived key */
static const struct gs_seal_kind other_ctx = {
	{'G', 'S', 'X', 'T'}, "groundswell/test/v1 another key", "test key"};
static const struct gs_seal_kind other_magic = {
	{'G', 'S', 'X', 'U'}, "groundswell/test/v1 seal key", "test key"};

static unsigned char key1[32], key2[32];

#define HEADBYTES (8 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define ABYTES	  crypto_secretstream_xchacha20poly1305_ABYTES

/* Seals p[0..n) in pieces of `piece` bytes into a malloc'ed buffer. */
static unsigned char *seal_buf(const struct gs_seal_kind *k,
			       const unsigned char *key, const unsigned char *p,
			       size_t n, size_t piece, size_t *len)
{
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	int err = -1;
	struct gs_seal *s = gs_seal_writer(f, k, key, &err);
	if (!s)
		return NULL;
	for (size_t at = 0; at < n; at += piece)
		if (gs_seal_write(s, p + at, n - at < piece ? n - at : piece))
			break;
	err = gs_seal_finish(s);
	gs_seal_free(s);
	fclose(f);
	*len = olen;
	if (err) {
		free(out);
		return NULL;
	}
	return (unsigned char *)out;
}

/* Opens c[0..n) as a sealed file: 0 with *out and *olen, or the error
 * and why. */
static int open_buf(const struct gs_seal_kind *k, const unsigned char *key,
		    const unsigned char *c, size_t n, unsigned char **out,
		    size_t *olen, char *why)
{
	FILE *f = fmemopen((void *)c, n ? n : 1, "rb");
	if (!n) { /* fmemopen cannot give an empty stream: read past it */
		fgetc(f);
	}
	int r = gs_seal_read_all(f, k, key, out, olen, why, 256);
	fclose(f);
	return r;
}

/* Reads c with libsodium alone, as seal.h documents the format: the plain
 * bytes, or NULL. */
static unsigned char *independent_read(const unsigned char *c, size_t n,
				       const char *ctx, const unsigned char *k,
				       size_t *plen, int *records)
{
	unsigned char key[32];
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_generichash(key, 32, (const unsigned char *)ctx, strlen(ctx), k,
			   32);
	*records = 0;
	if (n < HEADBYTES || memcmp(c, kind.magic, 4) || c[4] != 1 || c[5] ||
	    c[6] || c[7] ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&st, c + 8, key))
		return NULL;
	unsigned char *m = malloc(n), tag = 0;
	size_t at = HEADBYTES, ml = 0;
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		if (at + 4 > n) {
			free(m);
			return NULL;
		}
		uint32_t cl = (uint32_t)c[at] | (uint32_t)c[at + 1] << 8 |
			      (uint32_t)c[at + 2] << 16 |
			      (uint32_t)c[at + 3] << 24;
		unsigned long long got;
		if (at + 4 + cl > n ||
		    crypto_secretstream_xchacha20poly1305_pull(
			    &st, m + ml, &got, &tag, c + at + 4, cl, NULL, 0)) {
			free(m);
			return NULL;
		}
		ml += got;
		at += 4 + cl;
		++*records;
	}
	if (at != n) {
		free(m);
		return NULL;
	}
	*plen = ml;
	return m;
}

static void round_trips(void)
{
	const size_t C = GS_SEAL_CHUNK;
	const size_t sizes[] = {0, 1, 1000, C - 1, C, C + 1, 2 * C + 5};
	unsigned char *p = malloc(2 * C + 5);
	randombytes_buf(p, 2 * C + 5);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		size_t n = sizes[i], len, olen = 0;
		unsigned char *c = seal_buf(&kind, key1, p, n, 65537, &len);
		TAP_OK(c != NULL, "%zu bytes: sealed", n);
		if (!c)
			continue;
		/* every chunk full but the last, which is final */
		size_t recs = n ? (n + C - 1) / C : 1;
		TAP_EQ_INT((long long)len,
			   (long long)(HEADBYTES + n + recs * (4 + ABYTES)),
			   "%zu bytes: %zu record(s), the last one final", n,
			   recs);
		unsigned char *o = NULL;
		char why[256] = "";
		int r = open_buf(&kind, key1, c, len, &o, &olen, why);
		TAP_OK(r == 0 && olen == n && (!n || !memcmp(o, p, n)),
		       "%zu bytes: read back whole (%s)", n, why);
		free(o);
		size_t il = 0;
		int nrec = 0;
		o = independent_read(c, len, kind.context, key1, &il, &nrec);
		TAP_OK(o && il == n && nrec == (int)recs &&
			       (!n || !memcmp(o, p, n)),
		       "%zu bytes: read by libsodium alone as documented", n);
		free(o);
		/* by the stream, in odd pieces, with ftello telling */
		FILE *f = fmemopen(c, len, "rb");
		struct gs_seal *s =
			gs_seal_reader(f, &kind, key1, &r, why, 256);
		FILE *sf = s ? gs_seal_file(s) : NULL;
		unsigned char *q = malloc(n + 1);
		size_t got = 0, k;
		int tell_ok = 1;
		while (sf && (k = fread(q + got, 1,
					n + 1 - got < 777 ? n + 1 - got : 777,
					sf)) > 0) {
			got += k;
			if (ftello(sf) != (off_t)got)
				tell_ok = 0;
		}
		TAP_OK(sf && got == n && !memcmp(q, p, n) && !ferror(sf) &&
			       feof(sf) && tell_ok,
		       "%zu bytes: read through the stdio stream, ftello the "
		       "plain position",
		       n);
		if (sf)
			fclose(sf);
		gs_seal_free(s);
		fclose(f);
		free(q);
		free(c);
	}
	/* the stdio writer gives what gs_seal_write gives */
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	int err;
	struct gs_seal *s = gs_seal_writer(f, &kind, key1, &err);
	FILE *sf = gs_seal_file(s);
	fwrite(p, 1, C + 3, sf);
	TAP_EQ_INT(fclose(sf), 0, "the stdio writer finishes at fclose");
	gs_seal_free(s);
	fclose(f);
	unsigned char *o = NULL;
	size_t ol = 0;
	char why[256] = "";
	TAP_OK(!open_buf(&kind, key1, (unsigned char *)out, olen, &o, &ol,
			 why) &&
		       ol == C + 3 && !memcmp(o, p, C + 3),
	       "the stdio writer's file reads back (%s)", why);
	free(o);
	free(out);
	free(p);
}

/* A small sealed file: every cut and every flipped byte refused. */
static void damage(void)
{
	static const char text[] =
		"account 918627344862674944 mentioned 1234567890123";
	size_t len, ol;
	unsigned char *c = seal_buf(&kind, key1, (const unsigned char *)text,
				    sizeof text - 1, 7, &len);
	char why[256];
	unsigned char *o = NULL;
	TAP_OK(c && !memmem(c, len, "918627344862674944", 18) &&
		       !memmem(c, len, "account", 7),
	       "no plain byte of the content in the file");
	TAP_OK(!memcmp(c, "GSXT\1\0\0\0", 8), "magic, then version 1");

	why[0] = 0;
	int r = open_buf(&kind, key2, c, len, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "cannot decrypt the record at "
					      "byte 32: another test key, or "
					      "damage"),
	       "another key refused: %s", why);
	why[0] = 0;
	r = open_buf(&other_ctx, key1, c, len, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "cannot decrypt"),
	       "the same key for another kind of file refused: %s", why);
	why[0] = 0;
	r = open_buf(&other_magic, key1, c, len, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "another magic"),
	       "another kind's magic refused: %s", why);

	int cuts_ok = 1, flips_ok = 1;
	for (size_t cut = 0; cut < len; cut++) {
		why[0] = 0;
		o = NULL;
		r = open_buf(&kind, key1, c, cut, &o, &ol, why);
		if (r != GS_EFORMAT || !strstr(why, "truncated at byte") || o) {
			cuts_ok = 0;
			TAP_OK(0, "cut at %zu: %d %s", cut, r, why);
		}
		free(o);
	}
	TAP_OK(cuts_ok, "every cut of %zu bytes refused as truncated", len);
	/* byte classes: 0-3 magic, 4-7 version, 8-31 header, 32-35 record
	 * length, then ciphertext, the last 16 the MAC */
	const char *cls[] = {"magic", "version", "header", "length",
			     "ciphertext or tag"};
	int by_class[5] = {0};
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			c[i] ^= (unsigned char)(1u << bit);
			why[0] = 0;
			o = NULL;
			r = open_buf(&kind, key1, c, len, &o, &ol, why);
			c[i] ^= (unsigned char)(1u << bit);
			int k = i < 4	 ? 0
				: i < 8	 ? 1
				: i < 32 ? 2
				: i < 36 ? 3
					 : 4;
			if (r == 0 || o) {
				flips_ok = 0;
				TAP_OK(0, "flip of byte %zu bit %d accepted", i,
				       bit);
			}
			by_class[k]++;
			free(o);
		}
	}
	TAP_OK(flips_ok, "every byte flipped (two bits each) refused");
	for (int k = 0; k < 5; k++)
		TAP_OK(by_class[k] > 0, "flips tried in the %s", cls[k]);

	/* trailing bytes after a good stream */
	unsigned char *t = malloc(len + 1);
	memcpy(t, c, len);
	t[len] = 0;
	why[0] = 0;
	r = open_buf(&kind, key1, t, len + 1, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "trailing bytes after byte"),
	       "a byte after the end refused: %s", why);
	free(t);
	free(c);
}

/* Two records: dropping, repeating or cutting at the boundary refused. */
static void records(void)
{
	const size_t C = GS_SEAL_CHUNK;
	unsigned char *p = malloc(C + 10), *o = NULL;
	memset(p, 'x', C + 10);
	size_t len, ol, rec1 = 4 + C + ABYTES;
	unsigned char *c = seal_buf(&kind, key1, p, C + 10, C, &len);
	char why[256];
	why[0] = 0;
	int r = open_buf(&kind, key1, c, HEADBYTES + rec1, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "truncated at byte"),
	       "cut between records (no final record) refused: %s", why);
	/* the first record dropped */
	unsigned char *d = malloc(len + rec1);
	memcpy(d, c, HEADBYTES);
	memcpy(d + HEADBYTES, c + HEADBYTES + rec1, len - HEADBYTES - rec1);
	why[0] = 0;
	r = open_buf(&kind, key1, d, len - rec1, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "cannot decrypt the record at "
					      "byte 32"),
	       "a dropped record refused: %s", why);
	/* the first record twice */
	memcpy(d, c, HEADBYTES + rec1);
	memcpy(d + HEADBYTES + rec1, c + HEADBYTES, len - HEADBYTES);
	why[0] = 0;
	r = open_buf(&kind, key1, d, len + rec1, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "cannot decrypt"),
	       "a repeated record refused: %s", why);
	/* a length past the bound, before anything is read */
	memcpy(d, c, len);
	d[HEADBYTES + 3] = 0x7f;
	why[0] = 0;
	r = open_buf(&kind, key1, d, len, &o, &ol, why);
	TAP_OK(r == GS_EFORMAT && strstr(why, "a damaged record length at "
					      "byte 32"),
	       "a record length past the bound refused: %s", why);
	free(d);
	free(c);
	free(p);
}

static void write_errors(void)
{
	FILE *f = fopen("/dev/full", "wb");
	if (!f) {
		TAP_OK(1, "# SKIP no /dev/full");
		return;
	}
	setvbuf(f, NULL, _IONBF, 0);
	int err = 0;
	struct gs_seal *s = gs_seal_writer(f, &kind, key1, &err);
	TAP_OK(!s && err == GS_EIO, "a header that cannot be written: GS_EIO");
	gs_seal_free(s);
	fclose(f);
}

int main(void)
{
	TAP_OK(sodium_init() >= 0, "libsodium starts");
	randombytes_buf(key1, sizeof key1);
	randombytes_buf(key2, sizeof key2);
	round_trips();
	damage();
	records();
	write_errors();
	return TAP_DONE();
}
