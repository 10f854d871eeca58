/*
 * members.c - a compressed file of independent pieces decoded on several
 * threads, its bytes handed out in file order (members.h).
 *
 * Finding the pieces, without decoding:
 *   zstd: frames and skippable frames, by walking frame headers and block
 *     headers (each block header gives its size). Where the walk meets
 *     something it cannot parse, the rest of the file is one piece.
 *   gzip: bgzip (BGZF) members by the BSIZE of their 'BC' extra field; any
 *     other member (cat a.gz b.gz, split + gzip + cat) by scanning for a
 *     member header (1f 8b 08, flags, XFL and OS sane).
 * Pieces are grouped into tasks of at least TASK_BYTES compressed bytes; a
 * task starts at a piece's start. A found start is only a guess (a gzip
 * header can be faked by deflate data, a BSIZE can lie): the task before it
 * decodes, as a sequential decode would, member after member, and the split
 * is taken only when its last member ends exactly at the next task's start
 * with a good trailer (the decoder checks CRC32 and ISIZE; zstd its frames).
 * When it does not, the task decodes on into the next task's bytes, and the
 * next task's output (decoded from a false start) is thrown away. So the
 * bytes handed out, and where damage is found, are those of one sequential
 * decode: a false start costs time, never output.
 *
 * Threads: up to N workers take tasks in file order and decode each into
 * chunks of CHUNK_BYTES queued on the task; the reader takes the chunks of
 * the task it is at, then moves to the task that starts where that one
 * stopped. Memory is bounded whatever the member sizes: a worker waits
 * while the chunks in flight reach the cap, except the one decoding the
 * task being read, which may always have HEAD_CHUNKS queued (the reader
 * drains them, so it never waits on a worker that waits on it). Chunks are
 * reused, not freed, until close.
 *
 * gzip pieces are decoded as reader.c decodes them (inflate.h: ISA-L
 * unless GROUNDSWELL_INFLATE=zlib; 3.3 s CPU instead of 4.4 s with zlib on
 * the bgzip form of the 1.1 GB twitter1 bench file, report --threads 4),
 * and a member ISA-L finds damage in is decoded again by zlib, its output
 * up to there dropped, so the bytes and the damage are the reader's.
 *
 * Damage (cut short, corrupt, bytes after the last member or frame that
 * start none) ends the read with GS_EDECOMPRESS once every byte decoded
 * before it was handed out, worded as gs_reader_damage() words it.
 */
#include "members.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "groundswell.h"
#include "inflate.h"

#define TASK_BYTES	  (256u << 10) /* compressed bytes per task, at least */
#define CHUNK_BYTES	  (256u << 10) /* decoded bytes per chunk */
#define CHUNKS_PER_WORKER 16 /* the cap: chunks in flight per worker */
#define HEAD_CHUNKS	  4  /* queued on the task being read, always */
#define RAW_BYTES	  (128u << 10) /* compressed bytes read at once */
#define ZSTD_SLICE                                                             \
	(16u << 10) /* as reader.c: blocks before a damaged                    \
		       one come out of calls of their own */
#define SCAN_BYTES  (256u << 10)
#define MAX_WORKERS 64

enum codec { GZIP, ZSTD };
enum state { WAITING, RUNNING, DONE };

struct chunk {
	struct chunk *next;
	size_t len;
	char data[];
};

struct task {
	int64_t start, end; /* compressed bytes [start, end) */
	struct chunk *head, *tail;
	unsigned queued;
	enum state state;
	atomic_int cancel; /* a task before it decoded into its bytes */
	/* once DONE: */
	int64_t stop_at; /* where it ended cleanly: a task's start or EOF */
	int err;	 /* 0, GS_EDECOMPRESS, GS_EIO, GS_ENOMEM */
	const char *damage;
	int64_t damage_at;
};

struct gs_members {
	int fd;
	enum codec codec;
	int64_t size;
	struct task *tasks;
	size_t ntasks;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* anything changed: workers and reader wait */
	pthread_t th[MAX_WORKERS];
	unsigned nth;
	size_t task_bytes, chunk_bytes;
	size_t next; /* next task for a worker */
	size_t cur;  /* the task being read */
	unsigned in_flight, cap;
	size_t joined; /* task starts found false: decoded into */
	struct chunk *free;
	int stop;
	/* the reader's */
	struct chunk *chunk;
	size_t chunk_pos;
	uint64_t out_total;
	uint64_t offset;
	int err;
	const char *damage;
	uint64_t damage_at, damage_out;
};

/* ---- finding the pieces ------------------------------------------------ */

static ssize_t peek(const struct gs_members *m, int64_t off, void *dst,
		    size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(m->fd, (char *)dst + got, n - got,
				  off + (int64_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A plausible gzip member header (10 bytes): deflate, no reserved flag,
 * XFL 0, 2 or 4, a known OS. */
static int gzip_header(const unsigned char *h)
{
	return h[0] == 0x1f && h[1] == 0x8b && h[2] == 8 && !(h[3] & 0xe0) &&
	       (h[8] == 0 || h[8] == 2 || h[8] == 4) &&
	       (h[9] <= 13 || h[9] == 255);
}

/* The size of the BGZF member whose first 18 bytes are h, or 0. */
static int64_t bgzf_size(const unsigned char *h)
{
	if (!gzip_header(h) || !(h[3] & 4) || h[10] != 6 || h[11] != 0 ||
	    h[12] != 'B' || h[13] != 'C' || h[14] != 2 || h[15] != 0)
		return 0;
	return (int64_t)(h[16] | h[17] << 8) + 1;
}

/* The first plausible gzip header at or after from, or -1. */
static int64_t gzip_scan(const struct gs_members *m, unsigned char *buf,
			 int64_t from)
{
	while (from + 18 <= m->size) {
		ssize_t k = peek(m, from, buf, SCAN_BYTES);
		if (k < 18)
			return -1;
		const unsigned char *p = buf, *e = buf + k - 9;
		while (p < e && (p = memchr(p, 0x1f, (size_t)(e - p)))) {
			if (gzip_header(p))
				return from + (p - buf);
			p++;
		}
		from += k - 9;
	}
	return -1;
}

/* The end of the zstd frame or skippable frame at p, or -1 when there is
 * none there or it runs past the end of the file. */
static int64_t zstd_frame_end(const struct gs_members *m, int64_t p)
{
	unsigned char h[18];
	ssize_t k = peek(m, p, h, sizeof h);
	if (k < 8)
		return -1;
	uint32_t magic = le32(h);
	if ((magic & 0xfffffff0u) == 0x184d2a50u) {
		int64_t q = p + 8 + (int64_t)le32(h + 4);
		return q <= m->size ? q : -1;
	}
	if (magic != 0xfd2fb528u)
		return -1;
	unsigned fhd = h[4], fcs = fhd >> 6, single = fhd >> 5 & 1;
	static const int did_size[4] = {0, 1, 2, 4};
	static const int fcs_size[4] = {0, 2, 4, 8};
	if (fhd & 8)
		return -1; /* reserved bit */
	int64_t q = p + 5 + (single ? 0 : 1) + did_size[fhd & 3] +
		    (fcs == 0 ? (int)single : fcs_size[fcs]);
	for (;;) {
		unsigned char b[3];
		if (peek(m, q, b, 3) != 3)
			return -1;
		uint32_t bh = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		unsigned type = bh >> 1 & 3;
		if (type == 3)
			return -1;
		q += 3 + (type == 1 ? 1 : (int64_t)(bh >> 3));
		if (q > m->size)
			return -1;
		if (bh & 1)
			break;
	}
	if (fhd & 4)
		q += 4; /* content checksum */
	return q <= m->size ? q : -1;
}

static int add_task(struct gs_members *m, int64_t start, size_t *cap)
{
	if (m->ntasks == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct task *t = realloc(m->tasks, nc * sizeof *t);
		if (!t)
			return GS_ENOMEM;
		m->tasks = t;
		*cap = nc;
	}
	struct task *t = &m->tasks[m->ntasks++];
	memset(t, 0, sizeof *t);
	t->start = start;
	t->end = m->size;
	atomic_init(&t->cancel, 0);
	if (m->ntasks > 1)
		t[-1].end = start;
	return 0;
}

/* The tasks: a start at 0, then one at the first piece start at least
 * TASK_BYTES after the one before. */
static int find_tasks(struct gs_members *m)
{
	size_t cap = 0;
	int rc = add_task(m, 0, &cap);
	int64_t p = 0, target = (int64_t)m->task_bytes;
	if (m->codec == ZSTD) {
		while (!rc && p < m->size) {
			int64_t q = zstd_frame_end(m, p);
			if (q < 0)
				break; /* the rest is one piece */
			p = q;
			if (p >= target && p < m->size) {
				rc = add_task(m, p, &cap);
				target = p + (int64_t)m->task_bytes;
			}
		}
		return rc;
	}
	unsigned char *buf = malloc(SCAN_BYTES);
	if (!buf)
		return GS_ENOMEM;
	while (!rc) {
		unsigned char h[18];
		int64_t bs;
		if (p < m->size && peek(m, p, h, sizeof h) == sizeof h &&
		    (bs = bgzf_size(h)) > 0) {
			p += bs;
			if (p >= target && p < m->size) {
				rc = add_task(m, p, &cap);
				target = p + (int64_t)m->task_bytes;
			}
			continue;
		}
		int64_t q = gzip_scan(m, buf, p + 1 > target ? p + 1 : target);
		if (q < 0)
			break;
		rc = add_task(m, q, &cap);
		p = q;
		target = q + (int64_t)m->task_bytes;
	}
	free(buf);
	return rc;
}

/* ---- chunks -------------------------------------------------------------- */

/* (under mu) */
static void recycle(struct gs_members *m, struct chunk *c)
{
	c->next = m->free;
	m->free = c;
	m->in_flight--;
}

/* (under mu) */
static void drain(struct gs_members *m, struct task *t)
{
	while (t->head) {
		struct chunk *c = t->head;
		t->head = c->next;
		recycle(m, c);
	}
	t->tail = NULL;
	t->queued = 0;
}

/* A chunk to decode task ti into: waits while the chunks in flight are at
 * the cap, unless ti is the task being read and has fewer than HEAD_CHUNKS
 * queued. NULL when the task was cancelled, on close, or out of memory
 * (*nomem set). */
static struct chunk *get_chunk(struct gs_members *m, size_t ti, int *nomem)
{
	struct task *t = &m->tasks[ti];
	struct chunk *c = NULL;
	pthread_mutex_lock(&m->mu);
	while (!m->stop && !atomic_load(&t->cancel) &&
	       !(m->in_flight < m->cap ||
		 (ti == m->cur && t->queued < HEAD_CHUNKS)))
		pthread_cond_wait(&m->cv, &m->mu);
	if (!m->stop && !atomic_load(&t->cancel)) {
		c = m->free;
		if (c)
			m->free = c->next;
		else
			c = malloc(sizeof *c + m->chunk_bytes);
		if (c) {
			m->in_flight++;
			c->len = 0;
			c->next = NULL;
		} else {
			*nomem = 1;
		}
	}
	pthread_mutex_unlock(&m->mu);
	return c;
}

static void put_chunk(struct gs_members *m, struct task *t, struct chunk *c)
{
	pthread_mutex_lock(&m->mu);
	if (!c->len || atomic_load(&t->cancel)) {
		recycle(m, c);
	} else {
		if (t->tail)
			t->tail->next = c;
		else
			t->head = c;
		t->tail = c;
		t->queued++;
	}
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

/* ---- decoding a task ----------------------------------------------------- */

struct worker {
	struct gs_members *m;
	unsigned char *raw;
	struct gs_inflate *gz; /* the chosen decoder (inflate.h: ISA-L's) */
	struct gs_inflate *zl; /* zlib, for a member gz found damaged in */
	ZSTD_DStream *zs;
};

/* The decoder of a member: gz, or after a reread zlib. */
static struct gs_inflate *member_decoder(struct worker *w, int reread)
{
	return reread ? w->zl : w->gz;
}

/*
 * Damage the chosen decoder found in a gzip member, to be read again by
 * zlib (as reader.c's zlib_reread, and for the same reason: ISA-L stops a
 * few bytes away from where zlib stops, and the bytes handed out must be a
 * sequential read's). 1 when zlib takes the member over (the caller then
 * decodes it again from its start, dropping the output already handed
 * on), 0 when it cannot (zlib was the decoder, or out of memory: the
 * damage stands).
 */
static int zlib_takes_over(struct worker *w, int *reread)
{
	if (*reread || strcmp(w->gz->impl->name, "zlib") == 0)
		return 0;
	if (!w->zl) {
		int err;
		w->zl = gs_inflate_new("zlib", &err);
	}
	if (!w->zl || gs_inflate_reset(w->zl))
		return 0;
	*reread = 1;
	return 1;
}

int gs_member_starts(int gzip, const unsigned char *m, size_t n)
{
	if (gzip)
		return n < 2 || (m[0] == 0x1f && m[1] == 0x8b);
	/* zstd frames (28 b5 2f fd) and skippable frames (5? 2a 4d 18) */
	return n < 4 ||
	       (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
	       ((m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d &&
		m[3] == 0x18);
}

static int starts_member(enum codec codec, const unsigned char *m, size_t n)
{
	return gs_member_starts(codec == GZIP, m, n);
}

/* Task ti's end was not a clean split: it takes in the next task's bytes,
 * whose own decode is cancelled. Returns the new end. */
static int64_t extend(struct gs_members *m, size_t next)
{
	struct task *u = &m->tasks[next];
	pthread_mutex_lock(&m->mu);
	atomic_store(&u->cancel, 1);
	m->joined++;
	if (u->state == DONE)
		drain(m, u);
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return u->end;
}

static void run_task(struct worker *w, size_t ti)
{
	struct gs_members *m = w->m;
	struct task *t = &m->tasks[ti];
	size_t last = ti; /* the last task whose bytes this one decodes */
	int64_t pos = t->start, limit = t->end;
	size_t raw_pos = 0, raw_fill = 0;
	int live = 0, zs_full = 0, nomem = 0;
	/* gzip: where the member being decoded starts (its compressed byte,
	 * the task's output before it), the task's output so far, the output
	 * zlib decodes again after a reread and drops, whether it does */
	int64_t member_at = pos;
	uint64_t member_out = 0, out_total = 0, skip = 0;
	int reread = 0;
	struct chunk *c = NULL;
	if (m->codec == ZSTD)
		ZSTD_DCtx_reset(w->zs, ZSTD_reset_session_only);
#define DAMAGE(what)                                                           \
	do {                                                                   \
		t->err = GS_EDECOMPRESS;                                       \
		t->damage = (what);                                            \
		t->damage_at = pos - (int64_t)(raw_fill - raw_pos);            \
		goto out;                                                      \
	} while (0)
#define REREAD() /* zlib decodes the member again (zlib_takes_over) */         \
	do {                                                                   \
		skip = out_total - member_out;                                 \
		out_total = member_out;                                        \
		pos = member_at;                                               \
		raw_pos = raw_fill = 0;                                        \
		zs_full = 0;                                                   \
	} while (0)
	for (;;) {
		if (atomic_load(&t->cancel))
			goto out;
		/* zs_full: the output was filled, the decoder may hold more
		 * (zstd; ISA-L, which reads all its input ahead) */
		if (raw_pos == raw_fill && !zs_full) {
			if (pos == limit) {
				if (!live) { /* a clean end */
					t->stop_at = limit;
					goto out;
				}
				if (limit >= m->size && m->codec == GZIP &&
				    zlib_takes_over(w, &reread)) {
					REREAD();
					continue;
				}
				if (limit >= m->size)
					DAMAGE("truncated");
				/* a member runs on past this task's end: that
				 * was no split */
				limit = extend(m, ++last);
				continue;
			}
			size_t want = (size_t)(limit - pos) < RAW_BYTES
					      ? (size_t)(limit - pos)
					      : RAW_BYTES;
			ssize_t k = peek(m, pos, w->raw, want);
			if (k < 0) {
				t->err = GS_EIO;
				goto out;
			}
			if (k == 0) /* the file shrank */
				DAMAGE("truncated");
			raw_pos = 0;
			raw_fill = (size_t)k;
			pos += k;
		}
		if (!live) {
			/* between members: the next must start one; look at
			 * 4 bytes where the file has them */
			if (raw_fill - raw_pos < 4 && pos < limit) {
				memmove(w->raw, w->raw + raw_pos,
					raw_fill - raw_pos);
				raw_fill -= raw_pos;
				raw_pos = 0;
				ssize_t k = peek(m, pos, w->raw + raw_fill,
						 (size_t)(limit - pos) < 4
							 ? (size_t)(limit - pos)
							 : 4);
				if (k < 0) {
					t->err = GS_EIO;
					goto out;
				}
				raw_fill += (size_t)k;
				pos += k;
			}
			if (!starts_member(m->codec, w->raw + raw_pos,
					   raw_fill - raw_pos))
				DAMAGE("trailing garbage");
			if (m->codec == GZIP) {
				reread = 0;
				if (gs_inflate_reset(w->gz)) {
					t->err = GS_ENOMEM;
					goto out;
				}
				member_at = pos - (int64_t)(raw_fill - raw_pos);
				member_out = out_total;
				live = 1;
			}
		}
		if (!c || c->len == m->chunk_bytes) {
			if (c)
				put_chunk(m, t, c);
			c = get_chunk(m, ti, &nomem);
			if (!c) {
				if (nomem)
					t->err = GS_ENOMEM;
				goto out;
			}
		}
		size_t room = m->chunk_bytes - c->len;
		if (m->codec == GZIP) {
			size_t used, made;
			char *at = c->data + c->len;
			int zr = gs_inflate_run(
				member_decoder(w, reread), w->raw + raw_pos,
				raw_fill - raw_pos, &used, (unsigned char *)at,
				room, &made);
			if (zr == GS_EDECOMPRESS &&
			    zlib_takes_over(w, &reread)) {
				REREAD(); /* this call's output dropped */
				continue;
			}
			raw_pos += used;
			out_total += made;
			zs_full = zr == GS_INFLATE_MORE && made == room;
			if (skip) { /* handed on before zlib took over */
				size_t drop = made < skip ? made : (size_t)skip;
				memmove(at, at + drop, made - drop);
				made -= drop;
				skip -= drop;
			}
			c->len += made;
			if (zr == GS_INFLATE_END)
				live = 0;
			else if (zr < 0)
				DAMAGE(zr == GS_ENOMEM ? "out of memory"
						       : "corrupt data");
		} else {
			size_t to = zs_full ? raw_pos
				    : raw_fill - raw_pos > ZSTD_SLICE
					    ? raw_pos + ZSTD_SLICE
					    : raw_fill;
			ZSTD_inBuffer in = {w->raw, to, raw_pos};
			ZSTD_outBuffer out = {c->data + c->len, room, 0};
			size_t zr = ZSTD_decompressStream(w->zs, &out, &in);
			raw_pos = in.pos;
			c->len += out.pos;
			if (ZSTD_isError(zr))
				DAMAGE("corrupt data");
			/* 0: the frame is decoded and flushed, nothing held
			 * back even if the output was filled (a call without
			 * input would then start the next frame, and a clean
			 * end would look cut short) */
			live = zr != 0;
			zs_full = live && out.pos == room;
		}
	}
#undef DAMAGE
#undef REREAD
out:
	if (c)
		put_chunk(m, t, c);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct gs_members *m = w->m;
	pthread_mutex_lock(&m->mu);
	for (;;) {
		while (m->next < m->ntasks &&
		       atomic_load(&m->tasks[m->next].cancel))
			m->tasks[m->next++].state = DONE;
		if (m->stop || m->next >= m->ntasks)
			break;
		size_t ti = m->next++;
		struct task *t = &m->tasks[ti];
		t->state = RUNNING;
		pthread_mutex_unlock(&m->mu);
		run_task(w, ti);
		pthread_mutex_lock(&m->mu);
		t->state = DONE;
		if (atomic_load(&t->cancel))
			drain(m, t);
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	gs_inflate_free(w->gz);
	gs_inflate_free(w->zl);
	ZSTD_freeDStream(w->zs);
	free(w->raw);
	free(w);
	return NULL;
}

/* ---- the reader's side --------------------------------------------------- */

struct gs_members *gs_members_open(const char *path, unsigned threads, int *err)
{
	return gs_members_open_sized(path, threads, TASK_BYTES, CHUNK_BYTES,
				     err);
}

struct gs_members *gs_members_open_sized(const char *path, unsigned threads,
					 size_t task_bytes, size_t chunk_bytes,
					 int *err)
{
	*err = 0;
	if (!task_bytes || !chunk_bytes || chunk_bytes > UINT32_MAX) {
		*err = GS_EUSAGE;
		return NULL;
	}
	if (strcmp(path, "-") == 0)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = GS_EIO;
		return NULL;
	}
	struct stat st;
	unsigned char h[4] = {0};
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, h, 4, 0) != 4 ||
	    !((h[0] == 0x1f && h[1] == 0x8b) || starts_member(ZSTD, h, 4))) {
		close(fd);
		return NULL;
	}
	struct gs_members *m = calloc(1, sizeof *m);
	if (!m) {
		close(fd);
		*err = GS_ENOMEM;
		return NULL;
	}
	m->fd = fd;
	m->size = st.st_size;
	m->task_bytes = task_bytes;
	m->chunk_bytes = chunk_bytes;
	m->codec = h[0] == 0x1f ? GZIP : ZSTD;
	int rc = find_tasks(m);
	if (rc || m->ntasks < 2) {
		*err = rc;
		close(fd);
		free(m->tasks);
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	unsigned n = threads ? threads : 1;
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	if (n > m->ntasks)
		n = (unsigned)m->ntasks;
	m->cap = CHUNKS_PER_WORKER * n;
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = calloc(1, sizeof *w);
		if (w) {
			w->m = m;
			w->raw = malloc(RAW_BYTES);
			int ierr;
			if (m->codec == GZIP)
				w->gz = gs_inflate_new(NULL, &ierr);
			else
				w->zs = ZSTD_createDStream();
		}
		if (!w || !w->raw || !(w->gz || w->zs) ||
		    pthread_create(&m->th[i], NULL, worker_main, w) != 0) {
			if (w) {
				gs_inflate_free(w->gz);
				ZSTD_freeDStream(w->zs);
				free(w->raw);
			}
			free(w);
			if (i == 0) {
				*err = GS_ENOMEM;
				gs_members_close(m);
				return NULL;
			}
			break; /* fewer threads */
		}
		m->nth++;
	}
	return m;
}

ssize_t gs_members_read(struct gs_members *m, char *dst, size_t n)
{
	for (;;) {
		if (m->err)
			return m->err;
		if (m->chunk && m->chunk_pos < m->chunk->len) {
			size_t k = m->chunk->len - m->chunk_pos;
			if (k > n)
				k = n;
			memcpy(dst, m->chunk->data + m->chunk_pos, k);
			m->chunk_pos += k;
			m->out_total += k;
			return (ssize_t)k;
		}
		if (n == 0)
			return 0;
		pthread_mutex_lock(&m->mu);
		if (m->chunk) {
			recycle(m, m->chunk);
			m->chunk = NULL;
			pthread_cond_broadcast(&m->cv);
		}
		for (;;) {
			if (m->cur >= m->ntasks) {
				pthread_mutex_unlock(&m->mu);
				return 0;
			}
			struct task *t = &m->tasks[m->cur];
			if (t->head) {
				m->chunk = t->head;
				t->head = m->chunk->next;
				if (!t->head)
					t->tail = NULL;
				t->queued--;
				m->chunk_pos = 0;
				pthread_cond_broadcast(&m->cv);
				break;
			}
			if (t->state != DONE) {
				pthread_cond_wait(&m->cv, &m->mu);
				continue;
			}
			if (t->err) {
				m->err = t->err;
				m->damage = t->damage;
				m->damage_at = (uint64_t)t->damage_at;
				m->damage_out = m->out_total;
				break;
			}
			/* the next task is the one starting where this one
			 * stopped; those before it were decoded into */
			size_t j = m->cur + 1;
			while (j < m->ntasks && m->tasks[j].start < t->stop_at)
				j++;
			if (j < m->ntasks && m->tasks[j].start != t->stop_at) {
				m->err = GS_EDECOMPRESS; /* cannot be */
				m->damage = "corrupt data";
				m->damage_at = (uint64_t)t->stop_at;
				m->damage_out = m->out_total;
				break;
			}
			m->cur = j;
			m->offset = j < m->ntasks ? (uint64_t)m->tasks[j].start
						  : (uint64_t)m->size;
			pthread_cond_broadcast(&m->cv);
		}
		pthread_mutex_unlock(&m->mu);
	}
}

int gs_damage_text(char *buf, size_t size, int gzip, const char *what,
		   uint64_t at, uint64_t out)
{
	if (!what) {
		if (size)
			buf[0] = 0;
		return 0;
	}
	snprintf(buf, size,
		 "%s %s at compressed byte %llu (decompressed byte %llu)",
		 gzip ? "gzip" : "zstd", what, (unsigned long long)at,
		 (unsigned long long)out);
	return 1;
}

int gs_members_damage(const struct gs_members *m, char *buf, size_t size)
{
	return gs_damage_text(buf, size, m->codec == GZIP, m->damage,
			      m->damage_at, m->damage_out);
}

uint64_t gs_members_offset(const struct gs_members *m)
{
	return m->offset;
}

size_t gs_members_pieces(const struct gs_members *m)
{
	return m->ntasks;
}

size_t gs_members_joined(struct gs_members *m)
{
	pthread_mutex_lock(&m->mu);
	size_t n = m->joined;
	pthread_mutex_unlock(&m->mu);
	return n;
}

void gs_members_close(struct gs_members *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	for (unsigned i = 0; i < m->nth; i++)
		pthread_join(m->th[i], NULL);
	for (size_t i = 0; i < m->ntasks; i++)
		drain(m, &m->tasks[i]);
	if (m->chunk)
		recycle(m, m->chunk);
	while (m->free) {
		struct chunk *c = m->free;
		m->free = c->next;
		free(c);
	}
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	close(m->fd);
	free(m->tasks);
	free(m);
}
