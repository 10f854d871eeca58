/*
 * ingest.h - reads files into an engine: reader -> parser -> engine, with
 * bad lines counted, skipped and reported as "FILE:LINE: reason".
 *
 * The library never prints: what a person should see (bad lines, why a
 * file gave no post, read errors, progress) goes to the caller's report
 * function as a struct gs_ingest_report, and the caller shows it (the CLI
 * renders it on stderr, common.c). One per-line step, struct
 * gs_line_counter, turns a line into posts, a counted non-post or a
 * reported bad line; the file reader here and serve's pipeline both use it.
 *
 * Ownership: the caller owns the engine, the options, the state, the line
 * counter and what they point to; a report and the strings in it belong to
 * the library and live only during the call of report; nothing returned
 * needs freeing.
 */
#ifndef GS_INGEST_H
#define GS_INGEST_H

#include <stdint.h>

#include "groundswell.h"
#include "filter.h"

enum gs_ingest_report_kind {
	GS_INGEST_BAD_LINE,	/* path, line, text: a line left out */
	GS_INGEST_MESSAGE,	/* text: why a file gave no post */
	GS_INGEST_IO_ERROR,	/* path (given), line, err, sys_errno, text */
	GS_INGEST_PROGRESS,	/* bytes, bytes_total, mb_per_s, posts_per_s */
	GS_INGEST_PROGRESS_END, /* progress is over: clear its line */
};

struct gs_ingest_report {
	enum gs_ingest_report_kind kind;
	/* the file as shown ("<stdin>" for "-"); for GS_INGEST_IO_ERROR
	 * with sys_errno set, as the caller named it ("-" for stdin) */
	const char *path;
	uint64_t line; /* BAD_LINE: its number; IO_ERROR: lines read before */
	/* BAD_LINE: the reason, one line. MESSAGE: the diagnosis, one or more
	 * complete lines, each ending in '\n', to be shown as they are (each
	 * message line starts with "groundswell: "). IO_ERROR: NULL, or for
	 * damaged compressed input what and where (gs_reader_damage): the
	 * lines before it were read and counted, and the file fails only
	 * under strict mode */
	const char *text;
	int err;       /* IO_ERROR: GS_EIO or GS_EDECOMPRESS */
	int sys_errno; /* IO_ERROR: the file could not be opened (errno);
			  0: it failed after line `line` */
	/* PROGRESS: input bytes read so far over all files, their known
	 * total (0: unknown), and the rates since the start */
	uint64_t bytes, bytes_total;
	double mb_per_s, posts_per_s;
};

/*
 * Receives each report. GS_INGEST_PROGRESS reports come from a thread of
 * the library's own while a file is read; every other one from the
 * thread that called gs_ingest_file*, never while a progress report is
 * being handled. NULL: nothing is reported (the counts still are).
 */
typedef void gs_ingest_report_fn(void *ctx, const struct gs_ingest_report *r);

struct gs_ingest_options {
	enum gs_format format; /* GS_FORMAT_AUTO: detect per line */
	size_t max_line;       /* 0: GS_DEFAULT_MAX_LINE */
	int strict;            /* stop at the first bad line */
	unsigned max_shown;    /* bad lines reported; the rest only counted */
	gs_ingest_report_fn *report; /* NULL: none */
	void *report_ctx;
	int progress;	       /* send GS_INGEST_PROGRESS about 4 times a
				  second (for a terminal) */
	unsigned threads;      /* parts of a big plain file read at once,
				  or for a .gz/.zst file its decoder and
				  threads - 1 parsers; 0: one per online CPU */
	/* the time window, ms, both ends included: a post dated outside it
	 * is counted as out of window and not handed on (window_from ==
	 * window_to == 0: no window); see struct gs_line_counter */
	int64_t window_from, window_to;
	/* --since, --lang, ... (filter.h), asked after the window about each
	 * post; NULL: none */
	const struct gs_filter *filter;
	/* the posts' handles are not read (gs_parser_set_handles): for
	 * outputs that show no account */
	int no_handles;
};

/* Defaults: auto format, 10 bad lines reported, no report function. */
void gs_ingest_options_init(struct gs_ingest_options *o);

struct gs_ingest_state {
	unsigned shown; /* bad lines so far (reported or not), over all
			   files */
	uint64_t nonpost[GS_NONPOST_COUNT]; /* non-post lines by kind */
	unsigned files_without_posts; /* files that gave no post (diagnosed) */
	uint64_t out_of_window; /* posts dated outside the window, left out */
	uint64_t filtered[GS_FILTER_REASONS]; /* posts the filter left out */
	uint64_t posts; /* posts read, in the window or not, left out or not */
	unsigned files_damaged; /* compressed files read up to damage */
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
 * sequential read. A regular .gz or .zst file, when o->threads > 1, is
 * decoded on the calling thread and parsed in blocks of lines on the
 * others, merged in file order the same way (ingest_pipe.c).
 * Bad lines are reported (GS_INGEST_BAD_LINE, at most
 * o->max_shown over the files sharing st, and under strict mode the
 * first) in file order after the file.
 * Non-post lines are counted by kind in st->nonpost. A file that gives no
 * post at all is never passed over in silence: a diagnosis says what it
 * looks like and how to convert it (a CSV export, a JSON array over many
 * lines, another format than --input-format asked for, only non-posts).
 * Returns 0; GS_ENOPOSTS for a file without a post (diagnosed, counted in
 * st->files_without_posts; reading other files may go on); GS_EIO or
 * GS_EDECOMPRESS when the file could not be read (reported as
 * GS_INGEST_IO_ERROR). A compressed file found damaged (cut short, corrupt,
 * trailing garbage) is read up to the damage, which is reported
 * (GS_INGEST_IO_ERROR with text) and counted in st->files_damaged, and
 * returns 0 (GS_EDECOMPRESS under strict mode: what was read still
 * counts). GS_EJSON (or the line's error) under strict mode at the
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

/*
 * gs_ingest_file_sink() on each of paths[0..n) in turn, with the same
 * reports in the same order, the same counts in e, the sink and st, and
 * the same stop: at the first file whose result is neither 0 nor
 * GS_ENOPOSTS, which is returned (the files after it are not reported).
 * Files read by one thread anyway (compressed, or plain below 16 MB) are
 * read o->threads at once, each into an engine and sink context of its
 * own, merged into e and the sink in the order given; a big plain file
 * still splits into parts, and a lone compressed file of several members
 * or frames is decoded on o->threads threads. Returns 0, GS_ENOPOSTS when
 * some file gave no post (st->files_without_posts counts them), or the
 * first other error.
 */
int gs_ingest_files(struct gs_engine *e, char *const *paths, size_t n,
		    const struct gs_ingest_options *o,
		    struct gs_ingest_state *st,
		    const struct gs_ingest_sink *sink);

/* Reports GS_INGEST_PROGRESS_END if a progress report was sent. */
void gs_ingest_progress_end(const struct gs_ingest_options *o,
			    struct gs_ingest_state *st);

/* Writes the non-zero counts of n as "NAME: COUNT" separated by ", ",
 * after first, into buf (at most size bytes, always terminated; nothing at
 * all when every count is zero); returns 1 if any. */
int gs_ingest_nonpost_text(char *buf, size_t size, const char *first,
			   const uint64_t n[GS_NONPOST_COUNT]);

/*
 * The per-line step every reader of posts shares: one line in, its posts
 * handed on in order, a non-post counted by kind, a bad line counted and
 * reported with its reason. The caller reads the lines (gs_reader_next,
 * gs_follow_next) and keeps its own loop, for it alone knows when to stop
 * (--strict, a batch's end), and how to number lines.
 */

/* A bad line, as the counter's bad function receives it. */
struct gs_bad_line {
	uint64_t line;	    /* as given to gs_line_counter_feed */
	int err;	    /* GS_ETOOLONG, the parser's error, or GS_EMISSING
			       for posts dropped from a page */
	const char *reason; /* the parser's reason (else gs_strerror(err)), or
			       "line longer than N bytes" */
	const char *text;   /* what FILE:LINE: is followed by: the reason, or
			       for a page "N malformed posts left out, the
			       other M read; REASON" */
	size_t dropped;	    /* posts left out of a page (0: the whole line) */
	int kept;	    /* the page's posts that were read */
};

/* Set the fields up to the filter, the rest zero, before the first line. */
struct gs_line_counter {
	struct gs_parser *ps; /* the caller's; its state carries over lines */
	size_t max_line;      /* as given to the reader (0: the default) */
	struct gs_engine *e;  /* malformed and non-post lines are counted in
				 it (gs_engine_count_*); NULL: not */
	/* each post, in order; a non-zero return (a negative GS_E* code)
	 * stops the line there and is returned by gs_line_counter_feed */
	int (*post)(void *ctx, const struct gs_post *p);
	void *post_ctx;
	/* each bad line, for the caller to show (the reference is valid
	 * during the call only); NULL: only counted */
	void (*bad)(void *ctx, const struct gs_bad_line *b);
	void *bad_ctx;
	/* The time window, ms, both ends included (both 0: none). A post dated
	 * outside it is counted in out_of_window (and in posts) and not handed
	 * on: one stray date (a 1970 default, a year 3000 typo) would
	 * otherwise stretch every timeline and the trend detector's span to
	 * it. */
	int64_t window_from, window_to;
	/* Asked about each post in the window (filter.h): one it leaves out
	 * is counted in filtered[its reason] (and in posts) and not handed
	 * on. NULL: none. */
	const struct gs_filter *filter;
	/* counts, added to */
	uint64_t posts, malformed, nonpost[GS_NONPOST_COUNT], out_of_window;
	uint64_t filtered[GS_FILTER_REASONS];
	int err; /* the last bad line's error (gs_bad_line.err) */
	/* issue 12 part 5: each delete of a post (gs_parser_retraction),
	 * after it was counted as a non-post; NULL: only counted. A non-zero
	 * return is returned by gs_line_counter_feed */
	int (*retract)(void *ctx, const struct gs_retraction *r);
	void *retract_ctx;
};

/*
 * Takes one line: got is what the reader returned for it, > 0 for a line
 * of len bytes at line, GS_ETOOLONG for a line over max_line (then line
 * is not read); lineno is passed on to bad as it is (0 when the caller
 * numbers lines itself, in bad). Returns 0 (the line gave
 * posts, or was a non-post), 1 (it was bad: counted and reported, its
 * error in lc->err), 2 (a page whose posts were handed on but which
 * dropped some: counted and reported as a bad line too), or the error
 * post returned (the line's later posts are not handed on).
 */
int gs_line_counter_feed(struct gs_line_counter *lc, int got, const char *line,
			 size_t len, uint64_t lineno);

double gs_now(void);

#endif
