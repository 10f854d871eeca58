/*
 * inflate.h - the deflate data of gzip members decoded, one member after
 * another, behind one small interface with two sibling implementations:
 * Intel ISA-L's igzip (inflate_isal.c, the default: about twice as fast)
 * and zlib (inflate_zlib.c: GROUNDSWELL_INFLATE=zlib, for tests,
 * the bench and as an escape hatch). Both parse the gzip header and verify
 * the trailer's CRC-32 and length, and both hand out every byte they
 * decoded before they found damage; they may stop a few bytes apart on
 * damaged data (see reader.c's zlib_reread). Finding where the next member
 * starts, and telling trailing garbage from it, stays with the caller
 * (reader.c).
 *
 * Ownership: gs_inflate_new() returns a decoder the caller frees with
 * gs_inflate_free(); it keeps no pointer to the buffers of a
 * gs_inflate_run() call past that call.
 */
#ifndef GS_INFLATE_H
#define GS_INFLATE_H

#include <stddef.h>

/* What gs_inflate_run() returns when it is not an error. */
enum {
	GS_INFLATE_MORE = 0, /* progress: give more input or output space */
	GS_INFLATE_END = 1,  /* the member is complete, its trailer checked */
};

struct gs_inflate;

/* One implementation: functions of the decoders it makes. */
struct gs_inflate_impl {
	const char *name; /* "isal" or "zlib" */
	int (*reset)(struct gs_inflate *d);
	int (*run)(struct gs_inflate *d, const unsigned char *in, size_t in_len,
		   size_t *in_used, unsigned char *out, size_t out_len,
		   size_t *out_made);
	void (*free)(struct gs_inflate *d);
};

/* The head of every decoder (each implementation's struct begins with it). */
struct gs_inflate {
	const struct gs_inflate_impl *impl;
};

/* The implementations' constructors: NULL when out of memory. */
struct gs_inflate *gs_inflate_isal_new(void);
struct gs_inflate *gs_inflate_zlib_new(void);

/*
 * A decoder by name: "isal" or "zlib"; NULL or "" choose the one the
 * environment variable GROUNDSWELL_INFLATE names, ISA-L when it is unset or
 * empty. NULL with *err set: GS_EUSAGE for an unknown name (the variable's
 * too), GS_ENOMEM.
 */
struct gs_inflate *gs_inflate_new(const char *name, int *err);

/* Readies d for a new member (its gzip header comes first). 0 or GS_ENOMEM. */
static inline int gs_inflate_reset(struct gs_inflate *d)
{
	return d->impl->reset(d);
}

/*
 * Decodes in[0..in_len) into out[0..out_len): *in_used bytes of input
 * consumed, *out_made bytes of output written (both set on every return).
 * Returns GS_INFLATE_MORE while the member goes on (called with no new
 * input it hands out what it still holds), GS_INFLATE_END once the member
 * is complete (input after it is left unconsumed), GS_EDECOMPRESS for a
 * corrupt header, deflate data or trailer, GS_ENOMEM. On an error the bytes
 * decoded before it are in out, *out_made of them; d must then be reset
 * before it is used again.
 */
static inline int gs_inflate_run(struct gs_inflate *d, const unsigned char *in,
				 size_t in_len, size_t *in_used,
				 unsigned char *out, size_t out_len,
				 size_t *out_made)
{
	return d->impl->run(d, in, in_len, in_used, out, out_len, out_made);
}

static inline void gs_inflate_free(struct gs_inflate *d)
{
	if (d)
		d->impl->free(d);
}

#endif
