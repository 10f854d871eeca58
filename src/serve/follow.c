/*
 * follow.c - tail -F line sources (see follow.h).
 *
 * One call of gs_follow_next reads at most READ_BUDGET bytes: a source
 * that never ends a line (/dev/zero, a stuck writer) then gives back
 * control (0, "nothing now") while it is skipped, so the caller, who holds
 * serve's write lock, lets go of it and sees a stop. Bytes of a line too
 * long to keep are dropped as they come, and every max_line of them counts
 * as one more line too long, so an endless one shows as a growing count.
 */
#include "follow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "groundswell.h"
#include "netsource.h"

#define CHUNK 65536
#define READ_BUDGET (64u * CHUNK) /* bytes read by one call at most */

struct gs_follow {
	char *path;
	enum gs_follow_kind kind;
	enum gs_follow_state state;
	int fd;                 /* -1 when closed */
	int own_fd;
	struct gs_reader *rd;   /* COMPRESSED */
	size_t max_line;
	char *buf;
	size_t cap, start, end, scanned;
	uint64_t consumed;      /* file offset of buf[start] */
	uint64_t read_off;      /* file offset of buf[end] */
	int skipping;           /* inside a line too long to keep */
	uint64_t skipped;	/* its bytes dropped since last counted */
	int reopen;             /* the path was rotated: reopen it next */
	int opened_once;
	uint64_t resume, resume_dev, resume_ino;
	uint64_t dev, ino;
	int64_t size;
	uint64_t lines, too_long, rotations, truncations;
	int err;
	struct gs_net *net;     /* JETSTREAM, MASTODON */
	char damage[160];	/* COMPRESSED: gs_reader_damage, or "" */
};

struct gs_follow *gs_follow_open(const char *path, size_t max_line,
				 uint64_t start, uint64_t dev, uint64_t ino)
{
	struct gs_follow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	/* grows to the longest line met (fill), up to max_line + CHUNK + 1 */
	f->cap = (f->max_line < CHUNK ? f->max_line : CHUNK) + CHUNK + 1;
	f->buf = malloc(f->cap);
	f->path = strdup(path);
	if (!f->buf || !f->path) {
		free(f->buf);
		free(f->path);
		free(f);
		return NULL;
	}
	f->fd = -1;
	f->size = -1;
	f->resume = start;
	f->resume_dev = dev;
	f->resume_ino = ino;
	f->state = GS_FOLLOW_MISSING;
	if (gs_net_kind(path)) {
		char err[256];
		f->kind = gs_net_kind(path) == 1 ? GS_FOLLOW_JETSTREAM : GS_FOLLOW_MASTODON;
		f->state = GS_FOLLOW_CONNECTING;
		f->net = gs_net_open(path, f->max_line, start, err, sizeof err);
		if (!f->net) {
			free(f->buf);
			free(f->path);
			free(f);
			return NULL;
		}
		return f;
	}
	if (!strcmp(path, "-")) {
		f->kind = GS_FOLLOW_STREAM;
		f->fd = 0;
		f->state = GS_FOLLOW_READING;
		f->opened_once = 1;
	}
	return f;
}

static void reset_buf(struct gs_follow *f, uint64_t at)
{
	f->start = f->end = f->scanned = 0;
	f->consumed = f->read_off = at;
	f->skipping = 0;
	f->skipped = 0;
}

/* Opens the path; 1 when open, 0 when it is missing (retried later). */
static int open_path(struct gs_follow *f)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		f->err = errno;
		f->state = GS_FOLLOW_MISSING;
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		f->err = errno;
		close(fd);
		f->state = GS_FOLLOW_MISSING;
		return 0;
	}
	f->err = 0;
	int first = !f->opened_once;
	f->opened_once = 1;
	if (!S_ISREG(st.st_mode)) {
		f->kind = GS_FOLLOW_STREAM;
		f->fd = fd;
		f->own_fd = 1;
		f->state = GS_FOLLOW_READING;
		reset_buf(f, 0);
		return 1;
	}
	/* only a file present at the first open may be compressed */
	unsigned char magic[4];
	if (first && pread(fd, magic, 4, 0) == 4 &&
	    ((magic[0] == 0x1f && magic[1] == 0x8b) ||
	     (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd))) {
		close(fd);
		int err;
		f->rd = gs_reader_open(f->path, f->max_line, &err);
		if (!f->rd) {
			f->err = errno ? errno : EIO;
			f->state = GS_FOLLOW_ENDED;
			return 0;
		}
		f->kind = GS_FOLLOW_COMPRESSED;
		f->state = GS_FOLLOW_READING;
		/* resume: skip the lines already read */
		const char *l;
		size_t n;
		while (f->consumed < f->resume) {
			int k = gs_reader_next(f->rd, &l, &n);
			if (k == 0 || (k < 0 && k != GS_ETOOLONG))
				break;
			f->consumed++;
		}
		return 1;
	}
	f->kind = GS_FOLLOW_FILE;
	f->fd = fd;
	f->own_fd = 1;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->size = (int64_t)st.st_size;
	f->state = GS_FOLLOW_READING;
	uint64_t at = 0;
	if (first && f->resume && f->dev == f->resume_dev && f->ino == f->resume_ino &&
	    (uint64_t)st.st_size >= f->resume &&
	    lseek(fd, (off_t)f->resume, SEEK_SET) == (off_t)f->resume)
		at = f->resume;
	reset_buf(f, at);
	return 1;
}

static void close_fd(struct gs_follow *f)
{
	if (f->fd >= 0 && f->own_fd)
		close(f->fd);
	f->fd = -1;
	f->own_fd = 0;
}

/* Reads more bytes after buf[end]: >0 read, 0 at the end, -1 nothing now
 * (a stream with no input ready), -2 on error. */
static ssize_t fill(struct gs_follow *f)
{
	if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->scanned -= f->start;
		f->start = 0;
	}
	size_t room = f->cap - f->end;
	size_t most = f->max_line + CHUNK + 1;
	if (room < CHUNK && f->cap < most) {
		size_t cap = f->cap * 2 < most ? f->cap * 2 : most;
		char *b = realloc(f->buf, cap);
		if (b) { /* else read what fits: the line is then too long */
			f->buf = b;
			f->cap = cap;
			room = f->cap - f->end;
		}
	}
	if (room > CHUNK)
		room = CHUNK;
	if (f->kind == GS_FOLLOW_STREAM) {
		struct pollfd p = {.fd = f->fd, .events = POLLIN};
		int k = poll(&p, 1, 0);
		if (k == 0)
			return -1;
		if (k < 0)
			return errno == EINTR ? -1 : -2;
	}
	ssize_t n = read(f->fd, f->buf + f->end, room);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return -1;
		f->err = errno;
		return -2;
	}
	f->end += (size_t)n;
	f->read_off += (uint64_t)n;
	if (f->kind == GS_FOLLOW_FILE && (int64_t)f->read_off > f->size)
		f->size = (int64_t)f->read_off;
	return n;
}

/* The bytes buf[start..end) as the last line of a file or stream. */
static int give_partial(struct gs_follow *f, const char **line, size_t *len)
{
	size_t n = f->end - f->start;
	*line = f->buf + f->start;
	f->consumed += n;
	f->start = f->scanned = f->end;
	if (n && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	f->lines++;
	return 1;
}

/* At the end of a followed file: truncation, rotation or wait. Returns 2
 * to read on, else what gs_follow_next returns. */
static int at_file_end(struct gs_follow *f, const char **line, size_t *len)
{
	struct stat fs, ps;
	if (fstat(f->fd, &fs) == 0) {
		f->size = (int64_t)fs.st_size;
		if ((uint64_t)fs.st_size < f->read_off) {
			/* truncated: the file starts again */
			if (lseek(f->fd, 0, SEEK_SET) == 0) {
				reset_buf(f, 0);
				f->truncations++;
				return 2;
			}
		}
	}
	if (stat(f->path, &ps) != 0) {
		/* moved away, not yet replaced: the old file may still grow */
		f->state = GS_FOLLOW_WAITING;
		return 0;
	}
	if ((uint64_t)ps.st_ino != f->ino || (uint64_t)ps.st_dev != f->dev) {
		f->reopen = 1;
		if (f->end > f->start && !f->skipping)
			return give_partial(f, line, len);
		return 2;
	}
	f->state = GS_FOLLOW_WAITING;
	return 0;
}

int gs_follow_next(struct gs_follow *f, const char **line, size_t *len)
{
	if (f->net)
		return gs_net_next(f->net, line, len);
	if (f->kind == GS_FOLLOW_COMPRESSED && f->rd) {
		if (f->state == GS_FOLLOW_ENDED)
			return 0;
		int k = gs_reader_next(f->rd, line, len);
		if (k == 1 || k == GS_ETOOLONG) {
			f->consumed++;
			if (k == 1)
				f->lines++;
			else
				f->too_long++;
			return k;
		}
		f->state = GS_FOLLOW_ENDED;
		if (k == GS_EDECOMPRESS)
			gs_reader_damage(f->rd, f->damage, sizeof f->damage);
		return k < 0 ? k : 0;
	}
	size_t budget = READ_BUDGET;
	for (;;) {
		if (f->reopen) {
			close_fd(f);
			f->reopen = 0;
			f->rotations++;
			reset_buf(f, 0);
		}
		if (f->fd < 0) {
			if (f->state == GS_FOLLOW_ENDED)
				return 0;
			if (!open_path(f))
				return 0;
			if (f->kind == GS_FOLLOW_COMPRESSED)
				return gs_follow_next(f, line, len);
		}
		if (f->state == GS_FOLLOW_ENDED)
			return 0;
		if (budget == 0) {
			/* read enough for one call without a line to give */
			f->state = GS_FOLLOW_READING;
			return 0;
		}
		char *nl = NULL;
		if (f->scanned < f->start)
			f->scanned = f->start;
		if (f->end > f->scanned)
			nl = memchr(f->buf + f->scanned, '\n', f->end - f->scanned);
		if (f->skipping) {
			if (nl) {
				f->consumed += (uint64_t)(nl + 1 - (f->buf + f->start));
				f->start = f->scanned = (size_t)(nl + 1 - f->buf);
				f->skipping = 0;
				f->skipped = 0;
				continue;
			}
			f->consumed += f->end - f->start;
			f->skipped += f->end - f->start;
			f->start = f->end = f->scanned = 0;
			if (f->skipped >= f->max_line) {
				/* another max_line bytes of the same line */
				f->skipped -= f->max_line;
				f->too_long++;
				return GS_ETOOLONG;
			}
		} else if (nl) {
			size_t n = (size_t)(nl - (f->buf + f->start));
			*line = f->buf + f->start;
			f->start = f->scanned = (size_t)(nl + 1 - f->buf);
			f->consumed += n + 1;
			if (n > f->max_line) {
				f->too_long++;
				return GS_ETOOLONG;
			}
			if (n && (*line)[n - 1] == '\r')
				n--;
			*len = n;
			f->lines++;
			f->state = GS_FOLLOW_READING;
			return 1;
		} else {
			f->scanned = f->end;
			if (f->end - f->start > f->max_line) {
				/* dropped now: it holds no newline */
				f->skipping = 1;
				f->too_long++;
				f->consumed += f->end - f->start;
				f->skipped = f->end - f->start - f->max_line;
				f->start = f->end = f->scanned = 0;
				return GS_ETOOLONG;
			}
		}
		ssize_t r = fill(f);
		if (r > 0) {
			budget = (size_t)r < budget ? budget - (size_t)r : 0;
			continue;
		}
		if (r == -1) {
			f->state = GS_FOLLOW_WAITING;
			return 0;
		}
		if (r == -2 || f->kind == GS_FOLLOW_STREAM) {
			/* the end of a stream (or an error): a last line without
			 * its newline counts */
			f->state = GS_FOLLOW_ENDED;
			close_fd(f);
			if (f->end > f->start && !f->skipping)
				return give_partial(f, line, len);
			return r == -2 ? GS_EIO : 0;
		}
		int k = at_file_end(f, line, len);
		if (k != 2)
			return k;
	}
}

const char *gs_follow_damage(const struct gs_follow *f)
{
	return f->damage[0] ? f->damage : NULL;
}

int gs_follow_pollfd(const struct gs_follow *f)
{
	if (f->net)
		return gs_net_pollfd(f->net);
	return f->kind == GS_FOLLOW_STREAM && f->state != GS_FOLLOW_ENDED ? f->fd : -1;
}

void gs_follow_info(const struct gs_follow *f, struct gs_follow_info *o)
{
	memset(o, 0, sizeof *o);
	if (f->net) {
		struct gs_net_info ni;
		gs_net_info(f->net, &ni);
		o->path = f->path;
		o->kind =
			ni.jetstream ? GS_FOLLOW_JETSTREAM : GS_FOLLOW_MASTODON;
		o->state = ni.queued	  ? GS_FOLLOW_READING
			   : ni.connected ? GS_FOLLOW_WAITING
					  : GS_FOLLOW_CONNECTING;
		o->lines = ni.lines;
		o->too_long = ni.too_long;
		o->err = ni.err;
		o->size = -1;
		o->position = ni.position;
		o->reconnects = ni.reconnects;
		o->dropped = ni.dropped;
		return;
	}
	o->path = f->path;
	o->kind = f->kind;
	o->state = f->state;
	o->offset = f->consumed;
	o->dev = f->fd >= 0 && f->kind == GS_FOLLOW_FILE ? f->dev : 0;
	o->ino = f->fd >= 0 && f->kind == GS_FOLLOW_FILE ? f->ino : 0;
	o->size = f->kind == GS_FOLLOW_FILE ? f->size : -1;
	if (f->kind == GS_FOLLOW_COMPRESSED && f->rd)
		o->size = gs_reader_size(f->rd);
	o->lines = f->lines;
	o->too_long = f->too_long;
	o->rotations = f->rotations;
	o->truncations = f->truncations;
	o->err = f->err;
}

void gs_follow_close(struct gs_follow *f)
{
	if (!f)
		return;
	gs_net_close(f->net);
	close_fd(f);
	gs_reader_close(f->rd);
	free(f->buf);
	free(f->path);
	free(f);
}
