/*
 * inflate_isal.c - gzip members decoded by Intel ISA-L's igzip
 * (inflate.h): on the bench's gzip -1 files it adds 0.95 s of CPU time to
 * reading the plain file where zlib adds 2.26 s (1.1 GB of Twitter JSON),
 * and 1.04 s against 1.76 s (500 MB of Jetstream).
 *
 * The member's header is read with isal_read_gzip_header into a header
 * struct kept here across calls (FEXTRA, FNAME, FCOMMENT skipped, FHCRC
 * checked), then isal_inflate with crc_flag ISAL_GZIP decodes and checks
 * the trailer's CRC-32 and length; block_state ISAL_BLOCK_FINISH marks the
 * end of the member, and the bytes it read ahead past the trailer are then
 * given back (next_in points at what follows the member). isal_inflate
 * consumes all the input it is given, keeping partial headers and symbols
 * itself, and hands out what it decoded before an invalid block, symbol or
 * distance before it returns the error.
 *
 * Two differences from zlib are closed here. isal_inflate left to read the
 * header itself keeps its header CRC in a struct of its own call, so an
 * FHCRC header split between two calls (a member that starts near the end
 * of the reader's 256 KB input buffer) fails its check: ISA-L 2.30 rejects
 * such a stream that zlib reads, hence the header read here. And ISA-L
 * ignores the header flag bits RFC 1952 reserves (0xe0), which zlib rejects
 * as corrupt as soon as it reads that byte; so does this file.
 */
#include <isa-l/igzip_lib.h>
#include <limits.h>
#include <stdlib.h>

#include "groundswell.h"
#include "inflate.h"

struct isal_inflate {
	struct gs_inflate head;
	struct isal_gzip_header hdr; /* the member's, while it is read */
	size_t member_in;	     /* bytes of the member consumed, to 4 */
	struct inflate_state st;
};

static int isal_reset(struct gs_inflate *d)
{
	struct isal_inflate *ii = (struct isal_inflate *)d;
	isal_inflate_reset(&ii->st);
	ii->st.crc_flag = ISAL_GZIP;
	isal_gzip_header_init(&ii->hdr);
	ii->member_in = 0;
	return 0;
}

static int isal_run(struct gs_inflate *d, const unsigned char *in,
		    size_t in_len, size_t *in_used, unsigned char *out,
		    size_t out_len, size_t *out_made)
{
	struct isal_inflate *ii = (struct isal_inflate *)d;
	uint32_t ni = in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)in_len;
	uint32_t no = out_len > UINT32_MAX ? UINT32_MAX : (uint32_t)out_len;
	*in_used = *out_made = 0;
	/* the flag byte, checked as it passes (zlib stops there too) */
	if (ii->member_in < 4 && ni > 3 - ii->member_in &&
	    (in[3 - ii->member_in] & 0xe0)) {
		*in_used = 4 - ii->member_in; /* up to it, as zlib */
		return GS_EDECOMPRESS;
	}
	if (ii->member_in < 4)
		ii->member_in += ni < 4 ? ni : 4;
	ii->st.next_in = (uint8_t *)in;
	ii->st.avail_in = ni;
	if (!ii->st.wrapper_flag) { /* the header: all read, or an error */
		int rc = isal_read_gzip_header(&ii->st, &ii->hdr);
		*in_used = ni - ii->st.avail_in;
		if (rc < 0 || (rc == ISAL_DECOMP_OK && (ii->hdr.flags & 0xe0)))
			return GS_EDECOMPRESS;
		if (rc != ISAL_DECOMP_OK)
			return GS_INFLATE_MORE; /* ISAL_END_INPUT: read on */
	}
	size_t before = ii->st.avail_in;
	ii->st.next_out = out;
	ii->st.avail_out = no;
	int rc = isal_inflate(&ii->st);
	*in_used += before - ii->st.avail_in;
	*out_made = no - ii->st.avail_out;
	if (rc < 0)
		return GS_EDECOMPRESS;
	return ii->st.block_state == ISAL_BLOCK_FINISH ? GS_INFLATE_END
						       : GS_INFLATE_MORE;
}

static void isal_free(struct gs_inflate *d)
{
	free(d);
}

static const struct gs_inflate_impl isal_impl = {"isal", isal_reset, isal_run,
						 isal_free};

struct gs_inflate *gs_inflate_isal_new(void)
{
	struct isal_inflate *ii = malloc(sizeof *ii);
	if (!ii)
		return NULL;
	ii->head.impl = &isal_impl;
	isal_inflate_init(&ii->st);
	isal_reset(&ii->head);
	return &ii->head;
}
