/*
 * reader.c - lines from a file or stdin, plain, gzip or zstd (groundswell.h).
 *
 * The file's first bytes choose the decoder (1f 8b: gzip, concatenated
 * members included, by inflate.h's ISA-L or zlib decoder; 28 b5 2f fd:
 * zstd streaming, several frames included; anything else: read as is).
 * Decoded bytes go into one buffer that grows to the longest line met, up
 * to max_line + CHUNK bytes; lines are handed out as pointers into it, so
 * no line is copied. A line longer than max_line is never buffered whole:
 * its bytes are dropped up to the next newline and GS_ETOOLONG is
 * returned once.
 *
 * Damaged compressed input (cut short, corrupt, bytes after the last gzip
 * member or zstd frame that start none) ends reading with GS_EDECOMPRESS,
 * but only after every complete line decoded before the damage was handed
 * out; gs_reader_damage says what and where, for a warning that the counts
 * cover the file up to there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "groundswell.h"
#include "inflate.h"
#include "input/members.h"

#define CHUNK (1u << 20)
#define RAW_CHUNK (256u << 10)
#define READ_MAX (128u << 10)
#define ZSTD_SLICE (16u << 10)

enum codec { PLAIN, GZIP, ZSTD };

struct gs_reader {
	int fd, own_fd;
	enum codec codec;
	size_t max_line;
	char *buf;
	size_t cap, pos, fill;
	int eof, err, skipping;
	int64_t limit; /* bytes left to read in a range, -1 unbounded */
	uint64_t lineno, offset;
	int64_t size;
	/* compressed input */
	unsigned char *raw;
	size_t raw_pos, raw_fill;
	int raw_eof;
	struct gs_inflate *gz; /* GZIP: ISA-L's or zlib's (inflate.h) */
	int z_live;	       /* inside a gzip member or zstd frame */
	uint64_t member_at;  /* GZIP: compressed byte where the member began */
	uint64_t member_out; /* decompressed bytes before it */
	uint64_t skip;	     /* output to drop: see zlib_reread */
	ZSTD_DStream *zs;
	int zs_full;	     /* zstd filled the output: it may hold more */
	int pending;	     /* an error met while decoding output that was
				handed on first: returned by the next decode */
	uint64_t out_total;  /* decompressed bytes decoded */
	uint64_t damage_at;  /* compressed byte where the damage was seen */
	uint64_t damage_out; /* decompressed bytes before it */
	const char *damage;  /* what was wrong, NULL while nothing is */
	struct gs_members *members; /* decodes instead, on threads */
};

/* Notes damage of compressed input at the bytes consumed so far; returns
 * GS_EDECOMPRESS. */
static int damaged(struct gs_reader *r, const char *what)
{
	if (!r->damage) {
		r->damage = what;
		r->damage_at = r->offset - (r->raw_fill - r->raw_pos);
		r->damage_out = r->out_total;
	}
	return GS_EDECOMPRESS;
}

/* Is raw[pos..fill) (what follows a complete member or frame) the start of
 * another one? Bytes of anything else are trailing garbage. 1 when it is,
 * or when too few bytes are there to tell. */
static int starts_member(const struct gs_reader *r)
{
	return gs_member_starts(r->codec == GZIP, r->raw + r->raw_pos,
				r->raw_fill - r->raw_pos);
}

/*
 * Damage ISA-L found in a gzip member, read again by zlib. The two decoders
 * do not stop at the same byte: ISA-L decodes the symbols that share one
 * table lookup together, so at a cut it stops up to a few bytes before
 * zlib, which decodes bit by bit (a line whose newline is among them would
 * be lost on one path only), and it finds some corrupt data (a distance
 * too far back) a few bytes later than zlib. So that both paths hand out
 * the same lines and the same damage text, the member is decoded again by
 * zlib from its start, its first skip bytes (those handed on already)
 * dropped, and zlib reads the rest of the file: its verdict stands, and a
 * member that only ISA-L refused is read on. This needs a regular file
 * opened by name (lseek); it happens once, only on damage, at the cost of
 * one zlib pass over that member. Returns 1 when zlib took over, 0 when
 * ISA-L's verdict stands (a pipe, stdin, zlib already, no memory).
 */
static int zlib_reread(struct gs_reader *r)
{
	if (!r->own_fd || r->size < 0 || strcmp(r->gz->impl->name, "zlib") == 0)
		return 0;
	int err;
	struct gs_inflate *z = gs_inflate_new("zlib", &err);
	if (!z || gs_inflate_reset(z) ||
	    lseek(r->fd, (off_t)r->member_at, SEEK_SET) !=
		    (off_t)r->member_at) {
		gs_inflate_free(z);
		return 0;
	}
	gs_inflate_free(r->gz);
	r->gz = z;
	r->skip = r->out_total - r->member_out;
	r->out_total = r->member_out;
	r->offset = r->member_at;
	r->raw_pos = r->raw_fill = 0;
	r->raw_eof = 0;
	return 1;
}

/* m[0..4) starts a zstd frame, or a skippable frame (pzstd starts its
 * output with one). */
static int zstd_magic(const unsigned char *m)
{
	return gs_member_starts(0, m, 4);
}

static ssize_t read_fd(int fd, void *dst, size_t n)
{
	for (;;) {
		ssize_t k = read(fd, dst, n);
		if (k >= 0 || errno != EINTR)
			return k;
	}
}

static int raw_refill(struct gs_reader *r)
{
	if (r->raw_pos < r->raw_fill || r->raw_eof)
		return 0;
	ssize_t k = read_fd(r->fd, r->raw, RAW_CHUNK);
	if (k < 0)
		return GS_EIO;
	r->raw_pos = 0;
	r->raw_fill = (size_t)k;
	r->offset += (uint64_t)k;
	if (k == 0)
		r->raw_eof = 1;
	return 0;
}

/* Decodes up to n bytes into dst; returns the count, 0 at the end. */
static ssize_t decode(struct gs_reader *r, char *dst, size_t n)
{
	int e;
	if (r->members)
		return gs_members_read(r->members, dst, n);
	if (r->pending) {
		e = r->pending;
		r->pending = 0;
		return e;
	}
	if (r->codec == PLAIN) {
		/* Reads of 128 KB: only that much of the buffer (sized for
		 * the longest line) is ever touched unless lines are long,
		 * which is 1.8 MB less memory per reading thread than 1 MB
		 * reads, and as fast. */
		if (n > READ_MAX)
			n = READ_MAX;
		if (r->limit >= 0 && (int64_t)n > r->limit)
			n = (size_t)r->limit;
		if (n == 0)
			return 0;
		ssize_t k = read_fd(r->fd, dst, n);
		if (k > 0 && r->limit >= 0)
			r->limit -= k;
		if (k < 0)
			return GS_EIO;
		r->offset += (uint64_t)k;
		return k;
	}
	for (;;) {
		if ((e = raw_refill(r)))
			return e;
		if (r->codec == GZIP) {
			int at_end = r->raw_pos == r->raw_fill && r->raw_eof;
			if (!r->z_live) {
				if (at_end)
					return 0;
				/* A new member after the end of the previous. */
				if (!starts_member(r))
					return damaged(r, "trailing garbage");
				if (gs_inflate_reset(r->gz))
					return GS_ENOMEM;
				r->z_live = 1;
				r->member_at =
					r->offset - (r->raw_fill - r->raw_pos);
				r->member_out = r->out_total;
			}
			/* At the end of the input too: a decoder may still
			 * hold output (ISA-L reads ahead); the member is cut
			 * short only when it gives no more. */
			size_t used, made;
			int zr = gs_inflate_run(r->gz, r->raw + r->raw_pos,
						r->raw_fill - r->raw_pos, &used,
						(unsigned char *)dst, n, &made);
			r->raw_pos += used;
			int cut = zr == GS_INFLATE_MORE && !made && at_end;
			if ((zr == GS_EDECOMPRESS || cut) && zlib_reread(r))
				continue; /* zlib reads the member again */
			r->out_total += made;
			size_t got = made;
			if (r->skip) { /* handed on before zlib_reread */
				size_t drop =
					got < r->skip ? got : (size_t)r->skip;
				memmove(dst, dst + drop, got - drop);
				got -= drop;
				r->skip -= drop;
			}
			if (zr == GS_INFLATE_END) {
				r->z_live = 0;
				r->skip = 0;
			} else if (zr < 0) {
				/* what was decoded before it is handed on */
				e = damaged(r, zr == GS_ENOMEM
						       ? "out of memory"
						       : "corrupt data");
				if (!got)
					return e;
				r->pending = e;
			} else if (cut) {
				return damaged(r, "truncated");
			} else if (!made && !used && r->raw_pos < r->raw_fill) {
				/* no progress on what is buffered: never
				 * the case with either decoder, which
				 * consume all input; refuse to spin */
				return damaged(r, "corrupt data");
			}
			if (got)
				return (ssize_t)got;
		} else {
			if (r->raw_pos == r->raw_fill && r->raw_eof)
				return r->z_live ? damaged(r, "truncated") : 0;
			if (!r->z_live && !starts_member(r))
				return damaged(r, "trailing garbage");
			/* In slices, and no new input while zstd may hold
			 * decoded bytes (the output was full): it hands on
			 * no output of a call that fails, so the blocks
			 * before a damaged one must have come out of calls
			 * of their own. */
			size_t to = r->zs_full ? r->raw_pos
				    : r->raw_fill - r->raw_pos > ZSTD_SLICE
					    ? r->raw_pos + ZSTD_SLICE
					    : r->raw_fill;
			ZSTD_inBuffer in = {r->raw, to, r->raw_pos};
			ZSTD_outBuffer out = {dst, n, 0};
			size_t zr = ZSTD_decompressStream(r->zs, &out, &in);
			r->raw_pos = in.pos;
			r->out_total += out.pos;
			r->zs_full = out.pos == n;
			if (ZSTD_isError(zr)) {
				e = damaged(r, "corrupt data");
				if (!out.pos)
					return e;
				r->pending = e;
			} else {
				r->z_live =
					zr != 0; /* 0: a frame is complete */
			}
			if (out.pos)
				return (ssize_t)out.pos;
		}
	}
}

static struct gs_reader *open_impl(const char *path, size_t max_line,
				   int64_t start, int64_t end, int *err);

struct gs_reader *gs_reader_open(const char *path, size_t max_line, int *err)
{
	return open_impl(path, max_line, 0, -1, err);
}

struct gs_reader *gs_reader_open_range(const char *path, size_t max_line,
				       int64_t start, int64_t end, int *err)
{
	if (start < 0 || (end >= 0 && end < start)) {
		*err = GS_EUSAGE;
		return NULL;
	}
	return open_impl(path, max_line, start, end, err);
}

int gs_file_is_compressed(const char *path)
{
	unsigned char m[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return GS_EIO;
	ssize_t k = read_fd(fd, m, 4);
	close(fd);
	if (k < 0)
		return GS_EIO;
	return (k >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||
	       (k >= 4 && zstd_magic(m));
}

static struct gs_reader *open_impl(const char *path, size_t max_line,
				   int64_t start, int64_t end, int *err)
{
	struct gs_reader *r = calloc(1, sizeof *r);
	*err = GS_ENOMEM;
	if (!r)
		return NULL;
	r->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	r->size = -1;
	r->limit = -1;
	if (strcmp(path, "-") == 0) {
		r->fd = 0;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			*err = GS_EIO;
			free(r);
			return NULL;
		}
		r->own_fd = 1;
	}
	struct stat st;
	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
		r->size = st.st_size;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		*err = GS_EIO;
		gs_reader_close(r);
		return NULL;
	}
	if (start > 0 || end >= 0) {
		if (r->size < 0 || lseek(r->fd, start, SEEK_SET) != start) {
			*err = GS_EUSAGE;
			gs_reader_close(r);
			return NULL;
		}
		r->limit = (end >= 0 ? end : r->size) - start;
		if (r->limit < 0)
			r->limit = 0;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	r->cap = (r->max_line < CHUNK ? r->max_line : CHUNK) + CHUNK + 1;
	r->buf = malloc(r->cap);
	r->raw = malloc(RAW_CHUNK);
	if (!r->buf || !r->raw) {
		gs_reader_close(r);
		return NULL;
	}
	/* Sniff the codec from the first bytes. */
	ssize_t k = 0;
	ssize_t want = r->limit >= 0 && r->limit < 4 ? (ssize_t)r->limit : 4;
	while (k < want) {
		ssize_t m = read_fd(r->fd, r->raw + k, (size_t)(want - k));
		if (m < 0) {
			*err = GS_EIO;
			gs_reader_close(r);
			return NULL;
		}
		if (m == 0)
			break;
		k += m;
	}
	r->offset = (uint64_t)k;
	if (r->limit >= 0)
		r->limit -= k;
	const unsigned char *m = r->raw;
	if (r->limit >= 0 && k >= 2 &&
	    ((m[0] == 0x1f && m[1] == 0x8b) || (k >= 4 && zstd_magic(m)))) {
		*err = GS_EUSAGE; /* a range of a compressed file */
		gs_reader_close(r);
		return NULL;
	}
	if (k >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
		r->codec = GZIP;
		r->gz = gs_inflate_new(NULL, err);
		if (!r->gz) {
			gs_reader_close(r);
			return NULL;
		}
		r->z_live = 0; /* the first member starts at byte 0 */
		r->raw_fill = (size_t)k;
	} else if (k >= 4 && zstd_magic(m)) {
		r->codec = ZSTD;
		r->zs = ZSTD_createDStream();
		if (!r->zs) {
			gs_reader_close(r);
			return NULL;
		}
		ZSTD_initDStream(r->zs);
		r->raw_fill = (size_t)k;
	} else {
		memcpy(r->buf, r->raw, (size_t)k);
		r->fill = (size_t)k;
	}
	*err = 0;
	return r;
}

/* The line s[0..n), its newline already passed: counted, a CR before the
 * newline dropped (a CRLF line of max_line bytes is not too long), and
 * returned as the next line unless it, or the part before it that did not
 * fit, was too long. */
static inline int take_line(struct gs_reader *r, const char *s, size_t n,
			    const char **line, size_t *len)
{
	r->lineno++;
	if (n && s[n - 1] == '\r')
		n--;
	if (r->skipping || n > r->max_line) {
		r->skipping = 0;
		return GS_ETOOLONG;
	}
	*line = s;
	*len = n;
	return 1;
}

int gs_reader_next(struct gs_reader *r, const char **line, size_t *len)
{
	for (;;) {
		if (r->err)
			return r->err;
		char *s = r->buf + r->pos;
		char *nl = memchr(s, '\n', r->fill - r->pos);
		if (nl) {
			size_t n = (size_t)(nl - s);
			r->pos += n + 1;
			return take_line(r, s, n, line, len);
		}
		if (r->eof) {
			if (r->pos == r->fill && !r->skipping)
				return 0;
			/* last line without a newline */
			size_t n = r->fill - r->pos;
			r->pos = r->fill;
			return take_line(r, s, n, line, len);
		}
		/* No newline in what is buffered: keep the partial line. */
		size_t rest = r->fill - r->pos;
		if (rest > r->max_line + 1) { /* (+1: the CR of a CRLF) */
			/* Too long: drop what we have, remember to skip. */
			r->skipping = 1;
			rest = 0;
		}
		memmove(r->buf, r->buf + r->pos, rest);
		r->pos = 0;
		r->fill = rest;
		size_t most = r->max_line + CHUNK + 1;
		if (r->cap - 1 - r->fill < CHUNK && r->cap < most) {
			/* a long line: grow (pointers into buf are
			 * dead by now: the line before was handed out) */
			size_t cap = r->cap * 2 < most ? r->cap * 2 : most;
			char *b = realloc(r->buf, cap);
			if (!b) {
				r->err = GS_ENOMEM;
				return r->err;
			}
			r->buf = b;
			r->cap = cap;
		}
		ssize_t k = decode(r, r->buf + r->fill, r->cap - 1 - r->fill);
		if (k < 0) {
			r->err = (int)k;
			return r->err;
		}
		if (k == 0)
			r->eof = 1;
		r->fill += (size_t)k;
	}
}

int gs_reader_damage(const struct gs_reader *r, char *buf, size_t size)
{
	if (r->members)
		return gs_members_damage(r->members, buf, size);
	return gs_damage_text(buf, size, r->codec == GZIP, r->damage,
			      r->damage_at, r->damage_out);
}

uint64_t gs_reader_lineno(const struct gs_reader *r)
{
	return r->lineno;
}

uint64_t gs_reader_offset(const struct gs_reader *r)
{
	return r->members ? gs_members_offset(r->members) : r->offset;
}

int64_t gs_reader_size(const struct gs_reader *r)
{
	return r->size;
}

void gs_reader_close(struct gs_reader *r)
{
	if (!r)
		return;
	if (r->own_fd)
		close(r->fd);
	gs_inflate_free(r->gz);
	if (r->zs)
		ZSTD_freeDStream(r->zs);
	gs_members_close(r->members);
	free(r->buf);
	free(r->raw);
	free(r);
}

struct gs_reader *gs_reader_open_threads(const char *path, size_t max_line,
					 unsigned threads, int *err)
{
	struct gs_reader *r = gs_reader_open(path, max_line, err);
	if (!r || r->codec == PLAIN || threads < 2)
		return r;
	r->members = gs_members_open(path, threads, err);
	if (!r->members && *err) {
		gs_reader_close(r);
		return NULL;
	}
	return r;
}

/* The decoded bytes, no line split: first what open_impl buffered while
 * sniffing (plain input), then decode()'s output. Errors are kept, so a
 * second call after one returns it again. */
ssize_t gs_reader_read(struct gs_reader *r, char *dst, size_t n)
{
	if (r->err)
		return r->err;
	if (r->pos < r->fill) {
		size_t k = r->fill - r->pos < n ? r->fill - r->pos : n;
		memcpy(dst, r->buf + r->pos, k);
		r->pos += k;
		return (ssize_t)k;
	}
	if (r->eof || n == 0)
		return 0;
	ssize_t k = decode(r, dst, n);
	if (k < 0)
		r->err = (int)k;
	else if (k == 0)
		r->eof = 1;
	return k;
}
