/*
 * seal.c - files encrypted under the pseudonymisation key (see seal.h for
 * the construction, the format and its bounds).
 *
 * The writer keeps one chunk of plain bytes and pushes it only when more
 * bytes follow, so that the last chunk, full or not, is the one tagged
 * final: serve's snapshots are then the bytes they were before this
 * module (chunks of 4 MiB, the last tagged final). The reader pulls one
 * record at a time and hands out its plain bytes; it looks past the final
 * record only when asked for more, to refuse trailing bytes.
 */
#include "seal.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/snapio.h"

#define HEAD	(8 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES
#define T_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

struct gs_seal {
	FILE *io;
	const struct gs_seal_kind *kind;
	int writing;
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char *plain; /* cap bytes, at most GS_SEAL_CHUNK */
	size_t cap;
	size_t n;	    /* plain bytes held */
	size_t pos;	    /* reader: the next of them to hand out */
	unsigned char *rec; /* 4 + cap + ABYTES bytes */
	uint64_t at;	    /* bytes of the sealed file done */
	uint64_t plain_at;  /* plain bytes handed out or taken */
	int final;	    /* the final record was read or written */
	int ended;	    /* reader: the end was checked */
	int err;
	char why[224];
};

static void fail(struct gs_seal *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct gs_seal *s, int err, const char *fmt, ...)
{
	if (s->err)
		return;
	s->err = err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
}

static void derive(unsigned char key[32], const struct gs_seal_kind *kind,
		   const unsigned char secret[GS_SEAL_KEYBYTES])
{
	crypto_generichash(key, 32, (const unsigned char *)kind->context,
			   strlen(kind->context), secret, GS_SEAL_KEYBYTES);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static struct gs_seal *seal_new(FILE *io, const struct gs_seal_kind *kind,
				int writing)
{
	struct gs_seal *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->io = io;
	s->kind = kind;
	s->writing = writing;
	return s;
}

/* Room for need plain bytes (need <= GS_SEAL_CHUNK) and their record,
 * keeping the plain bytes held: a small file costs little, a large one
 * one chunk. 0, or GS_ENOMEM (kept). */
static int reserve(struct gs_seal *s, size_t need)
{
	if (need <= s->cap)
		return 0;
	size_t nc = s->cap ? s->cap : 65536;
	while (nc < need)
		nc *= 2;
	if (nc > GS_SEAL_CHUNK)
		nc = GS_SEAL_CHUNK;
	unsigned char *p = malloc(nc), *r = malloc(4 + nc + ABYTES);
	if (!p || !r) {
		free(p);
		free(r);
		fail(s, GS_ENOMEM, "out of memory");
		return s->err;
	}
	if (s->plain) {
		memcpy(p, s->plain, s->n);
		sodium_memzero(s->plain, s->cap);
	}
	free(s->plain);
	free(s->rec);
	s->plain = p;
	s->rec = r;
	s->cap = nc;
	return 0;
}

void gs_seal_free(struct gs_seal *s)
{
	if (!s)
		return;
	sodium_memzero(&s->st, sizeof s->st);
	if (s->plain)
		sodium_memzero(s->plain, s->cap);
	free(s->plain);
	free(s->rec);
	free(s);
}

struct gs_seal *gs_seal_writer(FILE *out, const struct gs_seal_kind *kind,
			       const unsigned char secret[GS_SEAL_KEYBYTES],
			       int *err)
{
	if (sodium_init() < 0) {
		*err = GS_EUSAGE;
		return NULL;
	}
	struct gs_seal *s = seal_new(out, kind, 1);
	if (!s) {
		*err = GS_ENOMEM;
		return NULL;
	}
	unsigned char key[32], head[HEAD];
	derive(key, kind, secret);
	memcpy(head, kind->magic, 4);
	put32(head + 4, GS_SEAL_VERSION);
	crypto_secretstream_xchacha20poly1305_init_push(&s->st, head + 8, key);
	sodium_memzero(key, sizeof key);
	if (fwrite(head, 1, sizeof head, out) != sizeof head) {
		gs_seal_free(s);
		*err = GS_EIO;
		return NULL;
	}
	s->at = sizeof head;
	*err = 0;
	return s;
}

/* Pushes the chunk held as one record (tag 0 or final). */
static int push(struct gs_seal *s, unsigned char tag)
{
	unsigned long long cl;
	crypto_secretstream_xchacha20poly1305_push(
		&s->st, s->rec + 4, &cl, s->plain, s->n, NULL, 0, tag);
	put32(s->rec, (uint32_t)cl);
	if (fwrite(s->rec, 1, 4 + (size_t)cl, s->io) != 4 + (size_t)cl) {
		fail(s, GS_EIO, "cannot write at byte %llu: %s",
		     (unsigned long long)s->at, strerror(errno ? errno : EIO));
		return s->err;
	}
	s->at += 4 + cl;
	s->n = 0;
	return 0;
}

int gs_seal_write(struct gs_seal *s, const void *p, size_t n)
{
	if (!s->writing || s->final)
		fail(s, GS_EIO, "written after its end");
	if (s->err)
		return s->err;
	const unsigned char *b = p;
	while (n) {
		/* a full chunk goes out only now that more bytes follow */
		if (s->n == GS_SEAL_CHUNK && push(s, 0))
			return s->err;
		size_t m = GS_SEAL_CHUNK - s->n;
		if (m > n)
			m = n;
		if (reserve(s, s->n + m))
			return s->err;
		memcpy(s->plain + s->n, b, m);
		s->n += m;
		s->plain_at += m;
		b += m;
		n -= m;
	}
	return 0;
}

int gs_seal_finish(struct gs_seal *s)
{
	if (!s->writing || s->final)
		fail(s, GS_EIO, "finished twice");
	if (s->err)
		return s->err;
	s->final = 1;
	if (reserve(s, 1) || push(s, T_FINAL))
		return s->err;
	if (fflush(s->io) != 0 || ferror(s->io))
		fail(s, GS_EIO, "cannot write at byte %llu: %s",
		     (unsigned long long)s->at, strerror(errno ? errno : EIO));
	return s->err;
}

struct gs_seal *gs_seal_reader(FILE *in, const struct gs_seal_kind *kind,
			       const unsigned char secret[GS_SEAL_KEYBYTES],
			       int *err, char *why, size_t nwhy)
{
	unsigned char head[HEAD];
	size_t got = fread(head, 1, sizeof head, in);
	const char *msg = NULL;
	*err = GS_EFORMAT;
	if (got >= 4 && memcmp(head, kind->magic, 4))
		msg = "not an encrypted file of this kind (another magic)";
	else if (got != sizeof head) {
		*err = ferror(in) ? GS_EIO : GS_EFORMAT;
		snprintf(why, nwhy, "truncated at byte %llu (in the header)",
			 (unsigned long long)got);
		return NULL;
	} else if (gs_le32(head + 4) != GS_SEAL_VERSION) {
		snprintf(why, nwhy,
			 "other version: encryption version %lu, this "
			 "groundswell reads version %d",
			 (unsigned long)gs_le32(head + 4), GS_SEAL_VERSION);
		return NULL;
	} else if (sodium_init() < 0) {
		*err = GS_EUSAGE;
		msg = "libsodium cannot start";
	}
	if (msg) {
		snprintf(why, nwhy, "%s", msg);
		return NULL;
	}
	struct gs_seal *s = seal_new(in, kind, 0);
	if (!s) {
		*err = GS_ENOMEM;
		snprintf(why, nwhy, "out of memory");
		return NULL;
	}
	unsigned char key[32];
	derive(key, kind, secret);
	int bad = crypto_secretstream_xchacha20poly1305_init_pull(
		&s->st, head + 8, key);
	sodium_memzero(key, sizeof key);
	if (bad) {
		snprintf(why, nwhy, "its encryption header is damaged");
		gs_seal_free(s);
		return NULL;
	}
	s->at = sizeof head;
	*err = 0;
	return s;
}

/* Pulls the next record into s->plain: 0, or the failure kept. */
static int pull(struct gs_seal *s)
{
	unsigned char lb[4];
	size_t got = fread(lb, 1, 4, s->io);
	uint32_t cl = got == 4 ? gs_le32(lb) : 0;
	if (got == 4 && (cl < ABYTES || cl > GS_SEAL_CHUNK + ABYTES)) {
		fail(s, GS_EFORMAT, "a damaged record length at byte %llu",
		     (unsigned long long)s->at);
		return s->err;
	}
	s->n = s->pos = 0;
	if (got == 4 && reserve(s, cl - ABYTES ? cl - ABYTES : 1))
		return s->err;
	size_t got2 = got == 4 ? fread(s->rec, 1, cl, s->io) : 0;
	if (got < 4 || got2 < cl) {
		fail(s, ferror(s->io) ? GS_EIO : GS_EFORMAT,
		     "truncated at byte %llu",
		     (unsigned long long)(s->at + got + got2));
		return s->err;
	}
	unsigned long long ml;
	unsigned char tag = 0;
	if (crypto_secretstream_xchacha20poly1305_pull(
		    &s->st, s->plain, &ml, &tag, s->rec, cl, NULL, 0) != 0) {
		fail(s, GS_EFORMAT,
		     "cannot decrypt the record at byte %llu: another %s, or "
		     "damage",
		     (unsigned long long)s->at, s->kind->key_name);
		return s->err;
	}
	s->n = (size_t)ml;
	s->pos = 0;
	s->at += 4 + cl;
	s->final = tag == T_FINAL;
	return 0;
}

size_t gs_seal_read(struct gs_seal *s, void *p, size_t n)
{
	unsigned char *b = p;
	size_t done = 0;
	if (s->writing)
		fail(s, GS_EIO, "read from a writer");
	while (done < n && !s->err) {
		if (s->pos == s->n) {
			if (s->final) {
				/* the end: nothing may follow */
				if (!s->ended && fgetc(s->io) != EOF)
					fail(s, GS_EFORMAT,
					     "trailing bytes after byte %llu "
					     "(the end of the encrypted "
					     "stream)",
					     (unsigned long long)s->at);
				else if (!s->ended && ferror(s->io))
					fail(s, GS_EIO,
					     "read error at byte %llu",
					     (unsigned long long)s->at);
				s->ended = 1;
				break;
			}
			if (pull(s))
				break;
			continue;
		}
		size_t m = s->n - s->pos;
		if (m > n - done)
			m = n - done;
		memcpy(b + done, s->plain + s->pos, m);
		s->pos += m;
		s->plain_at += m;
		done += m;
	}
	return done;
}

int gs_seal_error(const struct gs_seal *s)
{
	return s->err;
}

const char *gs_seal_why(const struct gs_seal *s)
{
	return s->why;
}

static ssize_t file_read(void *cookie, char *p, size_t n)
{
	struct gs_seal *s = cookie;
	size_t k = gs_seal_read(s, p, n);
	return k ? (ssize_t)k : s->err ? -1 : 0;
}

static ssize_t file_write(void *cookie, const char *p, size_t n)
{
	struct gs_seal *s = cookie;
	return gs_seal_write(s, p, n) ? -1 : (ssize_t)n;
}

/* Tells a reader's position only (the plain bytes handed out): the
 * stream is read once, in order. */
static int file_seek(void *cookie, off64_t *off, int whence)
{
	struct gs_seal *s = cookie;
	if (whence != SEEK_CUR || *off != 0)
		return -1;
	*off = (off64_t)s->plain_at;
	return 0;
}

static int file_close(void *cookie)
{
	struct gs_seal *s = cookie;
	return s->writing && gs_seal_finish(s) ? -1 : 0;
}

FILE *gs_seal_file(struct gs_seal *s)
{
	cookie_io_functions_t io = {.close = file_close};
	/* a writer cannot seek, so that gs_snap_write counts each section
	 * before writing it rather than going back to its header */
	if (s->writing) {
		io.write = file_write;
	} else {
		io.read = file_read;
		io.seek = file_seek;
	}
	return fopencookie(s, s->writing ? "w" : "r", io);
}

int gs_seal_sniff(FILE *f, const struct gs_seal_kind *kind)
{
	unsigned char m[4];
	int yes = fread(m, 1, 4, f) == 4 && !memcmp(m, kind->magic, 4);
	rewind(f);
	return yes;
}

int gs_seal_read_all(FILE *in, const struct gs_seal_kind *kind,
		     const unsigned char secret[GS_SEAL_KEYBYTES],
		     unsigned char **out, size_t *len, char *why, size_t nwhy)
{
	*out = NULL;
	*len = 0;
	int r;
	struct gs_seal *s = gs_seal_reader(in, kind, secret, &r, why, nwhy);
	if (!s)
		return r;
	unsigned char *m = NULL;
	size_t mlen = 0, mcap = 0;
	for (;;) {
		if (mcap - mlen < GS_SEAL_CHUNK) {
			size_t nc = mcap ? 2 * mcap : GS_SEAL_CHUNK;
			unsigned char *nm = realloc(m, nc);
			if (!nm) {
				fail(s, GS_ENOMEM, "out of memory");
				break;
			}
			m = nm;
			mcap = nc;
		}
		size_t k = gs_seal_read(s, m + mlen, mcap - mlen);
		mlen += k;
		if (s->err || s->ended)
			break;
	}
	r = s->err;
	if (r) {
		snprintf(why, nwhy, "%s", s->why);
		free(m);
	} else {
		*out = m;
		*len = mlen;
	}
	gs_seal_free(s);
	return r;
}
