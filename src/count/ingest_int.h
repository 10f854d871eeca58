/*
 * ingest_int.h - what ingest.c shares with its pipelined read of
 * compressed files (ingest_pipe.c): the part a thread reads, and the read
 * of one part. Private to src/count/ingest*.c.
 *
 * Ownership: a part's fields are its reader's while it is read; the
 * caller owns the part, its bad array and its engine and sink context.
 */
#ifndef GS_INGEST_INT_H
#define GS_INGEST_INT_H

#include <stdatomic.h>

#include "ingest.h"
#include "input/block.h"

struct bad {
	uint64_t line;
	char why[160];
};

struct part {
	const char *path;
	int64_t start,
		end; /* end < 0: to the end (also for stdin/compressed) */
	int ranged;
	unsigned decoders; /* threads decoding a compressed file of several
			      members or frames (gs_reader_open_threads) */
	/* a block of a pipelined read (ingest_pipe.c): its lines are read,
	 * not the file (ranged must be set: no JSON document over lines) */
	struct gs_block_lines *block;
	const struct gs_ingest_options *o;
	struct gs_engine *e; /* NULL when only a sink is fed */
	const struct gs_ingest_sink *sink;
	void *sctx;	  /* the sink's context for this part */
	atomic_int *stop; /* set by a part that failed under --strict */
	struct gs_line_counter lc; /* posts, non-posts, bad lines (malformed) */
	struct bad *bad; /* the first max_shown (1 under strict) bad lines */
	size_t nbad, maxbad;
	uint64_t lines;
	int jsonl;	     /* the file's first line is JSON: no SSE */
	char first_why[160]; /* the first bad line's reason, for a diagnosis */
	uint64_t first_why_line;
	char head[512]; /* the start of the first non-blank line */
	atomic_ullong bytes, posts;
	int rc, open_errno;
	char damage[160]; /* gs_reader_damage, when rc is GS_EDECOMPRESS */
};

/* Reads part arg (a struct part) to its end, or to its first bad line
 * under strict mode, or until *stop; the outcome is in the part (rc,
 * counts, bad lines with line numbers relative to the part). A thread's
 * start function. */
void *ingest_read_part(void *arg);

/* Keeps the start of the first non-blank line in p->head. */
void ingest_keep_head(struct part *p, const char *line, size_t len);

/* 1 when the head of a first line opens a JSON document over many lines. */
int ingest_opens_document(const char *head);

/*
 * Reads the compressed file p->path as ingest_read_part would, into
 * p->e and p->sctx, decoding on the calling thread and parsing blocks of
 * lines on threads - 1 others (ingest_pipe.c); p's line numbers are the
 * file's. A file that opens a JSON document over many lines is read by
 * ingest_read_part.
 */
void ingest_pipe_read(struct part *p, unsigned threads);

#endif
