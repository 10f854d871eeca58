/*
 * snapio.c - byte codec and checked envelope of snapshots (see snapio.h).
 */
#include "snapio.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "groundswell.h"

_Static_assert(sizeof(double) == 8 && sizeof(float) == 4,
	       "snapshots store IEEE 754 binary64 and binary32");

uint16_t gs_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t gs_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t gs_le64(const unsigned char *p)
{
	return (uint64_t)gs_le32(p) | (uint64_t)gs_le32(p + 4) << 32;
}

void gs_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void gs_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- writer ------------------------------------------------------------ */

static void wr_flush(struct gs_wr *w)
{
	if (!w->bn)
		return;
	w->crc = (uint32_t)crc32(w->crc, w->buf, (uInt)w->bn);
	if (!w->err && fwrite(w->buf, 1, w->bn, w->f) != w->bn)
		w->err = GS_EIO;
	w->bn = 0;
}

unsigned char *gs_wr_space(struct gs_wr *w, size_t n)
{
	w->n += n;
	if (!w->f || w->err || n > GS_WR_BUF) {
		if (w->f && n > GS_WR_BUF && !w->err)
			w->err = GS_EIO; /* never asked for: a bug */
		return NULL;
	}
	if (GS_WR_BUF - w->bn < n)
		wr_flush(w);
	unsigned char *p = w->buf + w->bn;
	w->bn += n;
	return p;
}

void gs_wr_bytes(struct gs_wr *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	while (n) {
		size_t k = n < GS_WR_BUF ? n : GS_WR_BUF;
		unsigned char *d = gs_wr_space(w, k);
		if (d)
			memcpy(d, s, k);
		s += k;
		n -= k;
	}
}

void gs_wr_u8(struct gs_wr *w, uint8_t v)
{
	unsigned char *d = gs_wr_space(w, 1);
	if (d)
		*d = v;
}

void gs_wr_u16(struct gs_wr *w, uint16_t v)
{
	unsigned char *d = gs_wr_space(w, 2);
	if (d)
		gs_put16(d, v);
}

void gs_wr_u32(struct gs_wr *w, uint32_t v)
{
	unsigned char *d = gs_wr_space(w, 4);
	if (d)
		put32(d, v);
}

void gs_wr_u64(struct gs_wr *w, uint64_t v)
{
	unsigned char *d = gs_wr_space(w, 8);
	if (d)
		gs_put64(d, v);
}

void gs_wr_i64(struct gs_wr *w, int64_t v)
{
	gs_wr_u64(w, (uint64_t)v);
}

void gs_wr_f32(struct gs_wr *w, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	gs_wr_u32(w, u);
}

void gs_wr_f64(struct gs_wr *w, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	gs_wr_u64(w, u);
}

/* ---- reader ------------------------------------------------------------ */

size_t gs_rd_left(const struct gs_rd *r)
{
	return (size_t)(r->end - r->p);
}

const unsigned char *gs_rd_take(struct gs_rd *r, size_t n)
{
	if (r->err || gs_rd_left(r) < n) {
		r->err = GS_EFORMAT;
		return NULL;
	}
	const unsigned char *p = r->p;
	r->p += n;
	return p;
}

uint8_t gs_rd_u8(struct gs_rd *r)
{
	const unsigned char *p = gs_rd_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t gs_rd_u16(struct gs_rd *r)
{
	const unsigned char *p = gs_rd_take(r, 2);
	return p ? gs_le16(p) : 0;
}

uint32_t gs_rd_u32(struct gs_rd *r)
{
	const unsigned char *p = gs_rd_take(r, 4);
	return p ? gs_le32(p) : 0;
}

uint64_t gs_rd_u64(struct gs_rd *r)
{
	const unsigned char *p = gs_rd_take(r, 8);
	return p ? gs_le64(p) : 0;
}

int64_t gs_rd_i64(struct gs_rd *r)
{
	return (int64_t)gs_rd_u64(r);
}

float gs_rd_f32(struct gs_rd *r)
{
	uint32_t u = gs_rd_u32(r);
	float v;
	memcpy(&v, &u, 4);
	return v;
}

double gs_rd_f64(struct gs_rd *r)
{
	uint64_t u = gs_rd_u64(r);
	double v;
	memcpy(&v, &u, 8);
	return v;
}

/* ---- envelope ---------------------------------------------------------- */

int gs_snap_write(FILE *f, const char magic[4], uint32_t version,
		  void (*body)(struct gs_wr *w, const void *obj),
		  const void *obj)
{
	struct gs_wr count = {0};
	body(&count, obj);
	struct gs_wr w = {0};
	w.f = f;
	w.crc = (uint32_t)crc32(0, NULL, 0);
	w.buf = malloc(GS_WR_BUF);
	if (!w.buf)
		return GS_ENOMEM;
	gs_wr_bytes(&w, magic, 4);
	gs_wr_u32(&w, version);
	gs_wr_u64(&w, count.n);
	body(&w, obj);
	if (!w.err && w.n != GS_SNAP_HEADER + count.n)
		w.err = GS_EIO; /* body() wrote differently twice: a bug */
	wr_flush(&w);
	unsigned char tail[4];
	put32(tail, w.crc);
	if (!w.err && fwrite(tail, 1, 4, f) != 4)
		w.err = GS_EIO;
	free(w.buf);
	if (fflush(f) != 0 || ferror(f))
		return GS_EIO;
	return w.err;
}

/* Reads exactly n bytes; GS_EFORMAT at the end of the file, GS_EIO on a
 * read error. */
static int read_exact(FILE *f, unsigned char *p, size_t n)
{
	size_t got = fread(p, 1, n, f);
	if (got == n)
		return 0;
	return ferror(f) ? GS_EIO : GS_EFORMAT;
}

int gs_snap_read(FILE *f, const char magic[4], uint32_t version,
		 unsigned char **payload, size_t *len)
{
	unsigned char h[GS_SNAP_HEADER];
	int r = read_exact(f, h, sizeof h);
	if (r)
		return r;
	if (memcmp(h, magic, 4) != 0 || gs_le32(h + 4) != version)
		return GS_EFORMAT;
	uint64_t n = gs_le64(h + 8);
	if (n > GS_SNAP_MAX_PAYLOAD || n > SIZE_MAX - 4)
		return GS_EFORMAT;
	/* grow with what arrives: a corrupt length cannot make us allocate
	 * more than twice the bytes the file really holds */
	size_t want = (size_t)n + 4, have = 0, cap = want < (1u << 20) ? want : (1u << 20);
	unsigned char *buf = malloc(cap);
	if (!buf)
		return GS_ENOMEM;
	while (have < want) {
		if (have == cap) {
			size_t ncap = cap > want / 2 ? want : cap * 2;
			unsigned char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return GS_ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		if ((r = read_exact(f, buf + have, cap - have))) {
			free(buf);
			return r;
		}
		have = cap;
	}
	uint32_t crc = (uint32_t)crc32(0, NULL, 0);
	crc = (uint32_t)crc32(crc, h, sizeof h);
	for (size_t off = 0; off < (size_t)n;) {
		size_t k = (size_t)n - off < (1u << 30) ? (size_t)n - off : (1u << 30);
		crc = (uint32_t)crc32(crc, buf + off, (uInt)k);
		off += k;
	}
	if (crc != gs_le32(buf + n)) {
		free(buf);
		return GS_EFORMAT;
	}
	*payload = buf;
	*len = (size_t)n;
	return 0;
}

void *gs_snap_load(FILE *f, const char magic[4], uint32_t version,
		   int (*decode)(struct gs_rd *rd, void **out), void (*release)(void *obj),
		   int *err)
{
	unsigned char *buf;
	size_t len;
	int dummy;
	if (!err)
		err = &dummy;
	*err = gs_snap_read(f, magic, version, &buf, &len);
	if (*err)
		return NULL;
	struct gs_rd rd = {buf, buf + len, 0};
	void *obj = NULL;
	*err = decode(&rd, &obj);
	free(buf);
	if (*err) {
		release(obj);
		return NULL;
	}
	return obj;
}
