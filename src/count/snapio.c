/*
 * snapio.c - byte codec and checked envelope of snapshots (see snapio.h).
 */
#include "snapio.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/types.h>
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

/*
 * One pass, for a FILE that can seek (a file, a memory stream): the header
 * with a placeholder length, the payload (its CRC alone), then the header
 * again with the length, and the CRC of both (crc32_combine). The bytes are
 * those of the two passes below, which walk the state twice (once to count
 * it); serve serialises under its lock, so the walk it saves is time the
 * pipeline waits. Returns 1 when it cannot seek (nothing written), else as
 * gs_snap_write.
 */
static int snap_write_seek(FILE *f, const char magic[4], uint32_t version,
			   void (*body)(struct gs_wr *w, const void *obj),
			   const void *obj)
{
	off_t at = ftello(f);
	if (at < 0)
		return 1;
	unsigned char h[GS_SNAP_HEADER] = {0};
	memcpy(h, magic, 4);
	put32(h + 4, version);
	if (fwrite(h, 1, sizeof h, f) != sizeof h)
		return GS_EIO;
	struct gs_wr w = {0};
	w.f = f;
	w.crc = (uint32_t)crc32(0, NULL, 0);
	w.buf = malloc(GS_WR_BUF);
	if (!w.buf)
		return GS_ENOMEM;
	body(&w, obj);
	wr_flush(&w);
	free(w.buf);
	if (w.err)
		return w.err;
	gs_put64(h + 8, w.n);
	uint32_t crc = (uint32_t)crc32(0, NULL, 0);
	crc = (uint32_t)crc32(crc, h, sizeof h);
	crc = (uint32_t)crc32_combine64(crc, w.crc, (z_off64_t)w.n);
	unsigned char tail[4];
	put32(tail, crc);
	if (fseeko(f, at, SEEK_SET) != 0 ||
	    fwrite(h, 1, sizeof h, f) != sizeof h ||
	    fseeko(f, at + (off_t)sizeof h + (off_t)w.n, SEEK_SET) != 0 ||
	    fwrite(tail, 1, 4, f) != 4 || fflush(f) != 0 || ferror(f))
		return GS_EIO;
	return 0;
}

int gs_snap_write(FILE *f, const char magic[4], uint32_t version,
		  void (*body)(struct gs_wr *w, const void *obj),
		  const void *obj)
{
	int r = snap_write_seek(f, magic, version, body, obj);
	if (r != 1)
		return r;
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

/* ---- why a load failed ------------------------------------------------ */

/* One per thread: loads run on any thread, and the phrase must be the one of
 * the load that failed on this one. */
static _Thread_local char why_buf[192];

const char *gs_snap_why(void)
{
	return why_buf;
}

static void why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void why(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof why_buf, fmt, ap);
	va_end(ap);
}

/* A magic as text: printable bytes as they are, others as \xNN. */
static const char *magic_str(const unsigned char *m, char out[17])
{
	char *o = out;
	for (int i = 0; i < 4; i++)
		if (m[i] >= 0x20 && m[i] < 0x7f && m[i] != '\'' && m[i] != '\\')
			*o++ = (char)m[i];
		else
			o += sprintf(o, "\\x%02x", m[i]);
	*o = 0;
	return out;
}

/* Where f stands, or -1 when it cannot say (a pipe). */
static long long file_at(FILE *f)
{
	off_t at = ftello(f);
	return at < 0 ? -1 : (long long)at;
}

/* Reads exactly n bytes, adding what it got to *got; GS_EFORMAT at the end
 * of the file, GS_EIO on a read error. */
static int read_exact(FILE *f, unsigned char *p, size_t n, uint64_t *got)
{
	size_t k = fread(p, 1, n, f);
	*got += k;
	if (k == n)
		return 0;
	return ferror(f) ? GS_EIO : GS_EFORMAT;
}

/* Says that the file ended at byte at + got (in the section that starts
 * at `at`), or that reading failed. */
static int read_failed(int r, long long at, uint64_t got, const char *magic)
{
	if (r == GS_EIO)
		why("read error in section '%.4s'", magic);
	else if (at < 0)
		why("truncated in section '%.4s'", magic);
	else if (!got)
		why("truncated at byte %lld (section '%.4s' expected)", at,
		    magic);
	else
		why("truncated at byte %llu (in section '%.4s' of byte %lld)",
		    (unsigned long long)at + got, magic, at);
	return r;
}

int gs_snap_read(FILE *f, const char magic[4], uint32_t version,
		 unsigned char **payload, size_t *len)
{
	return gs_snap_read_versions(f, magic, version, version, NULL, payload,
				     len);
}

int gs_snap_read_versions(FILE *f, const char magic[4], uint32_t oldest,
			  uint32_t version, uint32_t *got_version,
			  unsigned char **payload, size_t *len)
{
	unsigned char h[GS_SNAP_HEADER];
	long long at = file_at(f);
	uint64_t got = 0;
	char ms[17];
	why_buf[0] = 0;
	int r = read_exact(f, h, sizeof h, &got);
	if (r)
		return read_failed(r, at, got, magic);
	if (memcmp(h, magic, 4) != 0) {
		why("not a section '%.4s' at byte %lld (found '%s')", magic, at,
		    magic_str(h, ms));
		return GS_EFORMAT;
	}
	if (gs_le32(h + 4) < oldest || gs_le32(h + 4) > version) {
		if (oldest == version)
			why("other version: section '%.4s' is version %lu, this "
			    "groundswell reads version %lu",
			    magic, (unsigned long)gs_le32(h + 4),
			    (unsigned long)version);
		else
			why("other version: section '%.4s' is version %lu, this "
			    "groundswell reads versions %lu to %lu",
			    magic, (unsigned long)gs_le32(h + 4),
			    (unsigned long)oldest, (unsigned long)version);
		return GS_EFORMAT;
	}
	if (got_version)
		*got_version = gs_le32(h + 4);
	uint64_t n = gs_le64(h + 8);
	if (n > GS_SNAP_MAX_PAYLOAD || n > SIZE_MAX - 4) {
		why("section '%.4s' at byte %lld claims %llu bytes", magic, at,
		    (unsigned long long)n);
		return GS_EFORMAT;
	}
	/* grow with what arrives: a corrupt length cannot make us allocate
	 * more than twice the bytes the file really holds */
	size_t want = (size_t)n + 4, have = 0, cap = want < (1u << 20) ? want : (1u << 20);
	unsigned char *buf = malloc(cap);
	if (!buf) {
		why("out of memory");
		return GS_ENOMEM;
	}
	while (have < want) {
		if (have == cap) {
			size_t ncap = cap > want / 2 ? want : cap * 2;
			unsigned char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				why("out of memory");
				return GS_ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		if ((r = read_exact(f, buf + have, cap - have, &got))) {
			free(buf);
			return read_failed(r, at, got, magic);
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
		if (at < 0)
			why("checksum mismatch in section '%.4s'", magic);
		else
			why("checksum mismatch in section '%.4s' (bytes %lld to "
			    "%llu)",
			    magic, at, (unsigned long long)at + got - 1);
		return GS_EFORMAT;
	}
	*payload = buf;
	*len = (size_t)n;
	return 0;
}

int gs_snap_end(FILE *f)
{
	long long at = file_at(f);
	int c = fgetc(f);
	if (c == EOF) {
		if (ferror(f)) {
			why("read error");
			return GS_EIO;
		}
		why_buf[0] = 0;
		return 0;
	}
	if (at < 0)
		why("trailing bytes after the last section");
	else
		why("trailing bytes after byte %lld (the end of the last "
		    "section)",
		    at);
	return GS_EFORMAT;
}

/* gs_snap_load() and gs_snap_load_versions(): one of decode and decode_v
 * is given. */
static void *
snap_load(FILE *f, const char magic[4], uint32_t oldest, uint32_t version,
	  int (*decode)(struct gs_rd *rd, void **out),
	  int (*decode_v)(struct gs_rd *rd, uint32_t version, void **out),
	  void (*release)(void *obj), int *err)
{
	unsigned char *buf;
	size_t len;
	uint32_t got = version;
	int dummy;
	if (!err)
		err = &dummy;
	*err = gs_snap_read_versions(f, magic, oldest, version, &got, &buf,
				     &len);
	if (*err)
		return NULL;
	struct gs_rd rd = {buf, buf + len, 0};
	void *obj = NULL;
	*err = decode ? decode(&rd, &obj) : decode_v(&rd, got, &obj);
	free(buf);
	if (*err) {
		release(obj);
		if (*err == GS_EFORMAT)
			why("invalid content in section '%.4s' of %zu bytes "
			    "(its checksum holds)",
			    magic, len);
		else
			why("%s", gs_strerror(*err));
		return NULL;
	}
	return obj;
}

void *gs_snap_load(FILE *f, const char magic[4], uint32_t version,
		   int (*decode)(struct gs_rd *rd, void **out),
		   void (*release)(void *obj), int *err)
{
	return snap_load(f, magic, version, version, decode, NULL, release,
			 err);
}

void *gs_snap_load_versions(FILE *f, const char magic[4], uint32_t oldest,
			    uint32_t version,
			    int (*decode)(struct gs_rd *rd, uint32_t version,
					  void **out),
			    void (*release)(void *obj), int *err)
{
	return snap_load(f, magic, oldest, version, NULL, decode, release, err);
}
