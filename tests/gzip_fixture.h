/*
 * gzip_fixture.h - gzip members built with zlib for the tests of the two
 * gzip decoders (test_inflate.c, test_reader.c): header fields (FEXTRA,
 * FNAME, FCOMMENT, FHCRC), full flushes between blocks as pigz writes
 * them, BGZF's "BC" extra field and empty last member as bgzip writes them,
 * and text of JSON-like lines to put in them.
 *
 * Ownership: each function returns a malloc'd buffer the caller frees;
 * they exit(2) when zlib or malloc fails (a broken test machine).
 */
#ifndef GS_GZIP_FIXTURE_H
#define GS_GZIP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
	GZF_NAME = 1,	 /* FNAME "posts.jsonl" */
	GZF_COMMENT = 2, /* FCOMMENT */
	GZF_EXTRA = 4,	 /* FEXTRA, a made-up "GS" subfield */
	GZF_HCRC = 8,	 /* FHCRC */
	GZF_BGZF = 16,	 /* FEXTRA "BC" with the member's size, as bgzip */
};

/* One gzip member of data[0..n) at level (0-9), with the header fields of
 * flags; flush_every > 0 ends a deflate block with a full flush every that
 * many input bytes (pigz's independent blocks). Sets *out_n. */
static inline unsigned char *gzf_member(const void *data, size_t n, int level,
					int flags, size_t flush_every,
					size_t *out_n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		exit(2);
	static unsigned char extra[6] = {'G', 'S', 2, 0, 'h', 'i'};
	unsigned char bc[6] = {'B', 'C', 2, 0, 0, 0};
	gz_header h;
	memset(&h, 0, sizeof h);
	h.os = 3;
	if (flags & GZF_NAME)
		h.name = (Bytef *)"posts.jsonl";
	if (flags & GZF_COMMENT)
		h.comment = (Bytef *)"a comment";
	if (flags & GZF_EXTRA) {
		h.extra = extra;
		h.extra_len = sizeof extra;
	}
	if (flags & GZF_BGZF) {
		h.extra = bc; /* BSIZE patched below */
		h.extra_len = sizeof bc;
	}
	h.hcrc = (flags & GZF_HCRC) != 0;
	if (flags && deflateSetHeader(&z, &h) != Z_OK)
		exit(2);
	size_t cap = deflateBound(&z, n) + 64 +
		     (flush_every ? n / flush_every * 8 + 8 : 0);
	unsigned char *out = malloc(cap);
	if (!out)
		exit(2);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	const unsigned char *p = data;
	size_t left = n;
	int zr;
	do {
		size_t take =
			flush_every && left > flush_every ? flush_every : left;
		z.next_in = (Bytef *)p;
		z.avail_in = (uInt)take;
		p += take;
		left -= take;
		zr = deflate(&z, left ? Z_FULL_FLUSH : Z_FINISH);
	} while (left && zr == Z_OK);
	if (zr != Z_STREAM_END)
		exit(2);
	*out_n = cap - z.avail_out;
	deflateEnd(&z);
	if (flags & GZF_BGZF) { /* BSIZE: the member's size - 1, at 16 */
		out[16] = (unsigned char)((*out_n - 1) & 0xff);
		out[17] = (unsigned char)((*out_n - 1) >> 8);
	}
	return out;
}

/* Appends b[0..n) to *buf of *len bytes and frees b. */
static inline void gzf_append(unsigned char **buf, size_t *len,
			      unsigned char *b, size_t n)
{
	unsigned char *nb = realloc(*buf, *len + n);
	if (!nb)
		exit(2);
	memcpy(nb + *len, b, n);
	*buf = nb;
	*len += n;
	free(b);
}

/* data[0..n) as members of at most part bytes each, every one with flags;
 * with GZF_BGZF an empty member ends them (BGZF's end-of-file marker). */
static inline unsigned char *gzf_members(const void *data, size_t n,
					 size_t part, int level, int flags,
					 size_t *out_n)
{
	unsigned char *buf = NULL;
	size_t len = 0, k;
	for (size_t o = 0; o < n; o += part) {
		unsigned char *m = gzf_member((const char *)data + o,
					      n - o < part ? n - o : part,
					      level, flags, 0, &k);
		gzf_append(&buf, &len, m, k);
	}
	if (flags & GZF_BGZF || !n) {
		unsigned char *m = gzf_member("", 0, level, flags, 0, &k);
		gzf_append(&buf, &len, m, k);
	}
	*out_n = len;
	return buf;
}

/* n bytes of JSON-like lines of varying length (seeded, deterministic),
 * the last one ending in a newline. */
static inline char *gzf_text(size_t n, unsigned seed)
{
	char *t = malloc(n + 1);
	if (!t)
		exit(2);
	static const char *const words[] = {"#MeToo",	 "hello",    "world",
					    "\"text\":", "{\"id\":", "#tag",
					    "rt",	 "@someone", "1234567",
					    "é",	 "lorem",    "ipsum"};
	size_t o = 0, col = 0;
	while (o < n) {
		seed = seed * 1103515245u + 12345u;
		const char *w = words[(seed >> 16) % 12];
		for (; *w && o < n; w++, col++)
			t[o++] = *w;
		if (o < n)
			t[o++] = ((seed >> 8) % 13 == 0 && col > 20) ? '\n'
								     : ' ';
		if (o && t[o - 1] == '\n')
			col = 0;
	}
	t[n - 1] = '\n';
	t[n] = 0;
	return t;
}

#endif
