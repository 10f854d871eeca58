/*
 * ingest.h - reads files into an engine: reader -> parser -> engine, with
 * bad lines reported as "FILE:LINE: reason", counted and skipped.
 *
 * Ownership: the caller owns the engine, the options and the error stream;
 * nothing returned needs freeing.
 */
#ifndef GS_INGEST_H
#define GS_INGEST_H

#include <stdio.h>

#include "groundswell.h"

struct gs_ingest_options {
	enum gs_format format; /* GS_FORMAT_AUTO: detect per line */
	size_t max_line;       /* 0: GS_DEFAULT_MAX_LINE */
	int strict;            /* stop at the first bad line */
	unsigned max_shown;    /* bad lines printed; the rest only counted */
	FILE *errors;          /* where bad lines are reported (stderr) */
	int progress;          /* a progress line on errors (a terminal) */
	unsigned threads;      /* parts of a big plain file read at once;
				  0: one per online CPU */
};

void gs_ingest_options_init(struct gs_ingest_options *o);

struct gs_ingest_state {
	unsigned shown;       /* bad lines printed so far, over all files */
	uint64_t nonpost[GS_NONPOST_COUNT]; /* non-post lines by kind */
	unsigned files_without_posts; /* files that gave no post (diagnosed) */
	uint64_t bytes_done;  /* input bytes of finished files */
	uint64_t bytes_total; /* sum of known file sizes, for percentages */
	uint64_t posts_done;  /* lines of finished files, for rates */
	double started;       /* monotonic seconds */
	double last_progress;
};

/*
 * Reads every line of path ("-" for stdin) into e. A regular uncompressed
 * file of at least 16 MB is split at line boundaries into up to
 * o->threads parts, each read by its own thread into its own engine, and
 * the engines are merged into e in file order; the counts are those of a
 * sequential read. Bad lines are reported in file order after the file.
 * Non-post lines are counted by kind in st->nonpost. A file that gives no
 * post at all is never passed over in silence: a diagnosis says what it
 * looks like and how to convert it (a CSV export, a JSON array over many
 * lines, another format than --input-format asked for, only non-posts).
 * Returns 0; GS_ENOPOSTS for a file without a post (diagnosed, counted in
 * st->files_without_posts; reading other files may go on); GS_EIO or
 * GS_EDECOMPRESS when the file could not be read (a message naming it has
 * been printed); GS_EJSON (or the line's error) under strict mode at the
 * first bad line; GS_ENOMEM.
 */
int gs_ingest_file(struct gs_engine *e, const char *path,
		   const struct gs_ingest_options *o, struct gs_ingest_state *st);

/*
 * A consumer of posts other than (or besides) an engine, e.g. a network
 * (network.h). ctx receives the posts of a file's first part; every other
 * part of a split file gets a fresh context from part_new, fed by its own
 * thread, then folded into ctx by merge in file order and released with
 * part_free. post and merge return 0 or a negative GS_E* code.
 */
struct gs_ingest_sink {
	void *ctx;
	void *(*part_new)(void *ctx); /* NULL: out of memory */
	int (*post)(void *part, const struct gs_post *p);
	int (*merge)(void *ctx, void *part);
	void (*part_free)(void *part);
};

/* gs_ingest_file() feeding the sink too, or only the sink when e is NULL
 * (malformed and skipped lines are then only reported and counted in st). */
int gs_ingest_file_sink(struct gs_engine *e, const char *path,
			const struct gs_ingest_options *o,
			struct gs_ingest_state *st,
			const struct gs_ingest_sink *sink);

/* Clears the progress line, if one was drawn. */
void gs_ingest_progress_end(const struct gs_ingest_options *o,
			    struct gs_ingest_state *st);

/* Writes the non-zero counts of n as "NAME: COUNT" separated by ", ",
 * after first (nothing at all when every count is zero); 1 if any. */
int gs_ingest_print_nonposts(FILE *f, const char *first,
			     const uint64_t n[GS_NONPOST_COUNT]);

double gs_now(void);

#endif
