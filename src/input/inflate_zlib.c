/*
 * inflate_zlib.c - gzip members decoded by zlib's inflate (inflate.h).
 *
 * inflateInit2 with 15 + 16: gzip framing only, header CRC (FHCRC), the
 * trailer's CRC-32 and length checked. zlib decodes into the caller's
 * buffer directly and keeps its 32 KB window itself; it rejects header
 * flags that RFC 1952 reserves, which inflate_isal.c does as well.
 */
#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

#include "groundswell.h"
#include "inflate.h"

struct zlib_inflate {
	struct gs_inflate head;
	z_stream z;
};

static int zlib_reset(struct gs_inflate *d)
{
	struct zlib_inflate *zi = (struct zlib_inflate *)d;
	return inflateReset(&zi->z) == Z_OK ? 0 : GS_ENOMEM;
}

static int zlib_run(struct gs_inflate *d, const unsigned char *in,
		    size_t in_len, size_t *in_used, unsigned char *out,
		    size_t out_len, size_t *out_made)
{
	struct zlib_inflate *zi = (struct zlib_inflate *)d;
	uInt ni = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
	uInt no = out_len > UINT_MAX ? UINT_MAX : (uInt)out_len;
	zi->z.next_in = (Bytef *)in;
	zi->z.avail_in = ni;
	zi->z.next_out = out;
	zi->z.avail_out = no;
	int zr = inflate(&zi->z, Z_NO_FLUSH);
	*in_used = ni - zi->z.avail_in;
	*out_made = no - zi->z.avail_out;
	switch (zr) {
	case Z_STREAM_END:
		return GS_INFLATE_END;
	case Z_OK:
	case Z_BUF_ERROR: /* no progress possible: more input needed */
		return GS_INFLATE_MORE;
	case Z_MEM_ERROR:
		return GS_ENOMEM;
	default:
		return GS_EDECOMPRESS;
	}
}

static void zlib_free(struct gs_inflate *d)
{
	struct zlib_inflate *zi = (struct zlib_inflate *)d;
	inflateEnd(&zi->z);
	free(zi);
}

static const struct gs_inflate_impl zlib_impl = {"zlib", zlib_reset, zlib_run,
						 zlib_free};

struct gs_inflate *gs_inflate_zlib_new(void)
{
	struct zlib_inflate *zi = calloc(1, sizeof *zi);
	if (!zi)
		return NULL;
	zi->head.impl = &zlib_impl;
	if (inflateInit2(&zi->z, 15 + 16) != Z_OK) {
		free(zi);
		return NULL;
	}
	return &zi->head;
}
