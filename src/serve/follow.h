/*
 * follow.h - a line source that follows a file like `tail -F`, or reads
 * standard input, without ever blocking.
 *
 * A followed regular file is read from a start offset (0, or where a saved
 * state left off when the file's inode still matches); at its end the path
 * is checked: a new inode under the path (rotation) makes the source finish
 * the old file and reopen the path from byte 0; a file shorter than what was
 * read (truncation) is read again from byte 0; a missing path is retried. A
 * partial last line is held back until its newline arrives (or the file is
 * rotated away, when it is given as a line). Standard input (and any path
 * that is not a regular file: FIFOs) is polled and read until its end; a
 * final line without a newline counts. Compressed files (gzip, zstd) are
 * read once from the start through gs_reader, not followed; their position
 * is the number of lines read.
 *
 * A path that is a ws://, wss://, http:// or https:// URL is a network
 * source (netsource.h: Jetstream, Mastodon streaming); start resumes it
 * from a position (Jetstream cursor, Mastodon status id).
 *
 * Ownership: gs_follow_open returns a source the caller frees with
 * gs_follow_close; lines returned are borrowed until the next call.
 * Not thread-safe: one thread reads a source.
 */
#ifndef GS_FOLLOW_H
#define GS_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

enum gs_follow_kind { GS_FOLLOW_FILE, GS_FOLLOW_STREAM, GS_FOLLOW_COMPRESSED,
		     GS_FOLLOW_JETSTREAM, /* ws://, wss:// (netsource.h) */
		     GS_FOLLOW_MASTODON,  /* http://, https:// (netsource.h) */
};

enum gs_follow_state {
	GS_FOLLOW_READING, /* lines are available or being read */
	GS_FOLLOW_WAITING, /* at the end of a followed file, for more */
	GS_FOLLOW_MISSING, /* the path does not exist (yet) */
	GS_FOLLOW_ENDED,   /* a stream or compressed file is finished */
	GS_FOLLOW_CONNECTING, /* a network source, not connected (backoff) */
};

/*
 * What a source has done. A file and a network source count different
 * things, so each has its own fields: those of the other kind are 0 (size:
 * -1). /stats, /metrics and serve's snapshot still write a network
 * source's position, reconnections and duplicates under the names a file
 * gave them first (offset, rotations, truncations; server_int.h).
 */
struct gs_follow_info {
	const char *path;
	enum gs_follow_kind kind;
	enum gs_follow_state state;
	uint64_t lines;	   /* lines given, over every file or connection */
	uint64_t too_long; /* lines (messages) skipped for their length; a
			      file line once per max_line bytes of it */
	int err;	   /* errno of the last failed open, read or
			      connection, or 0 */
	/* FILE, STREAM, COMPRESSED */
	uint64_t offset;   /* FILE: bytes of the current file consumed (up to
			      the end of the last complete line); COMPRESSED:
			      lines read; STREAM: bytes consumed */
	uint64_t dev, ino; /* FILE: the file being read (0 if none) */
	int64_t size;	   /* FILE: its size at the last look; COMPRESSED: its
			      gs_reader_size; else -1 */
	uint64_t rotations, truncations; /* FILE: new inodes under the path;
					    files found shorter than read */
	/* JETSTREAM, MASTODON (netsource.h, struct gs_net_info) */
	uint64_t position;   /* Jetstream: time_us of the last event given;
				Mastodon: id of the last status given */
	uint64_t reconnects; /* connections made again after one was lost */
	uint64_t dropped;    /* Jetstream: duplicates dropped after a
				reconnection */
};

/* Where a source is, as gs_follow_open's start takes it back: a file's
 * offset, a network source's position. */
static inline uint64_t gs_follow_start_of(const struct gs_follow_info *fi)
{
	return fi->kind == GS_FOLLOW_JETSTREAM || fi->kind == GS_FOLLOW_MASTODON
		       ? fi->position
		       : fi->offset;
}

struct gs_follow;

/*
 * A source for path ("-": standard input). start/ino/dev resume a followed
 * file: when the file under path has that device and inode and is at least
 * start bytes long, reading starts at start; otherwise at 0 (a compressed
 * file skips its first start lines). NULL when out of memory; a path that
 * cannot be opened yet is retried by gs_follow_next.
 */
struct gs_follow *gs_follow_open(const char *path, size_t max_line,
				 uint64_t start, uint64_t dev, uint64_t ino);

/*
 * The next complete line, without its newline (and without a trailing
 * "\r"). Returns 1 with *line and *len set; 0 when nothing is available now
 * (try again later; gs_follow_info tells why), also after a few MB read
 * without a line to give (a line too long being skipped: the call is
 * bounded in time); GS_ETOOLONG for a line longer than max_line, which is
 * skipped (call again), and again for every further max_line bytes of it
 * (each counted in too_long); GS_EIO or GS_EDECOMPRESS when a stream or
 * compressed file failed (it then ends).
 */
int gs_follow_next(struct gs_follow *f, const char **line, size_t *len);

/* After GS_EDECOMPRESS from a compressed file: what was wrong and where
 * (gs_reader_damage: its lines before the damage were given); else NULL. */
const char *gs_follow_damage(const struct gs_follow *f);

/* A file descriptor to poll for input (streams), or -1. */
int gs_follow_pollfd(const struct gs_follow *f);

void gs_follow_info(const struct gs_follow *f, struct gs_follow_info *out);
void gs_follow_close(struct gs_follow *f);

#endif
