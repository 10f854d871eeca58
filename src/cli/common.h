/*
 * common.h - what the reading subcommands share: the settings of their
 * common options (parsed in options.c), the input loop and output helpers.
 *
 * Ownership: struct cli_common is embedded by the command (cli_common_init /
 * cli_common_release); the engine it builds is its own and freed by release.
 */
#ifndef GS_CLI_COMMON_H
#define GS_CLI_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "groundswell.h"
#include "count/ingest.h"
#include "out/pseudo.h"
#include "detect/trend.h"
#include "out/json_writer.h"
#include "out/text.h"
#include "out/trend_json.h"
#include "options.h"

enum cli_out { OUT_TABLE, OUT_JSON, OUT_CSV };

/* --max-memory's default: a safety bound far above what archives of a
 * few GB need (the tags of the 1.1 GB benchmark file take 31 MB), so that
 * one of hundreds of GB, or a serve running for months, cannot take the
 * machine's memory. */
#define CLI_DEFAULT_MAX_MEMORY ((size_t)256 << 20)

struct cli_common {
	struct gs_engine_options eng;
	struct gs_ingest_options ing;
	enum cli_out out;
	int progress; /* -1 auto (a terminal), 0 off, 1 on */
	int have_pseudo;
	struct gs_pseudo pseudo;
	struct gs_engine *engine;
	uint64_t nonpost[GS_NONPOST_COUNT]; /* lines that are not posts, by kind */
	/* posts dated outside the window c->ing.window_from..window_to, left
	 * out; window_to, unless given, is set when reading starts: a day
	 * after the clock (CLI_WINDOW_FROM_DEFAULT: see cli_common_init) */
	uint64_t out_of_window;
	int window_to_given;
	/* --since, --until, --lang, --accounts, --exclude-accounts,
	 * --exclude-ids (filter.h): the filter, the times as given (ms;
	 * INT64_MIN, INT64_MAX: none; cli_filter_ready hands them over), the
	 * posts read and those each filter left out */
	struct gs_filter filter;
	int64_t since_ms, until_ms;
	const char *since_arg, *until_arg; /* as given, for messages */
	uint64_t posts_read, filtered[GS_FILTER_REASONS];
	/* issue 14 part 4 (state_file.h): --save-state FILE, --no-output,
	 * the network a network command counts into (NULL for the others),
	 * and what the state records (set by cli_state_begin) */
	const char *save_state;
	int no_output;
	struct gs_network *net;
	struct cli_state_run *state;
};

/* --window-from's default: 2006-03-21T00:00:00Z, the first post on
 * Twitter, for every platform (simple to state; no platform here is
 * older). */
#define CLI_WINDOW_FROM_DEFAULT INT64_C(1142899200000)

void cli_common_init(struct cli_common *c);
void cli_common_release(struct cli_common *c);
/* The same, when the process exits next: the engine is not freed. Freeing
 * tens of thousands of tags one by one was 3-6% of a report's time
 * (docs/performance.md), and the memory goes back with the process. */
void cli_common_release_at_exit(struct cli_common *c);

/* Reads the files (stdin when there are none and it is not a terminal) into
 * c->engine. Returns 0 or the exit code to leave with. */
int cli_read_inputs(struct cli_common *c, int nfiles, char **files);

/* The same into engine e (may be NULL) and/or a per-post sink; *malformed
 * (if not NULL) gets the number of malformed lines. */
int cli_read_into(struct cli_common *c, int nfiles, char **files,
		  struct gs_engine *e, const struct gs_ingest_sink *sink,
		  uint64_t *malformed);

/* When the posts of first_ms..last_ms span more buckets than a pass over
 * them takes (GS_SPAN_MAX_BUCKETS), says so on stderr, naming --bucket
 * and the window, and returns EXIT_USAGE; else 0. */
int cli_span_check(const struct cli_common *c, int64_t first_ms,
		   int64_t last_ms);

/* The non-post lines read, by kind: " (3 bluesky likes, 1 ...)" in text,
 * {"bsky_like":3,...} in JSON; nothing (text) or {} (JSON) when none. */
void cli_nonpost_text(FILE *f, const struct cli_common *c);
void cli_nonpost_json(FILE *f, const struct cli_common *c);

/* Checks the filter options (--since before --until) and hands the
 * filter to c->ing when one is set. 0, or EXIT_USAGE after saying why.
 * cli_read_into calls it; serve, which reads by itself, too. */
int cli_filter_ready(struct cli_common *c);

/* The posts the filters left out: ", N posts filtered out (--lang: N,
 * ...), N excluded (--exclude-ids)" in text, nothing when none;
 * ,"filtered":{"since":N,...},"excluded":N in JSON, always; "N posts
 * filtered out (...) · N excluded (--exclude-ids)" into buf for a
 * page (empty when none). */
void cli_filtered_text(FILE *f, const struct cli_common *c);
void cli_filtered_json(FILE *f, const struct cli_common *c);
void cli_filtered_line(char *buf, size_t n, const struct cli_common *c);

/* Output helpers. */
const char *account_name(const struct cli_common *c, const char *id,
			 char buf[64]);
int display_width(const char *s);
void print_padded(FILE *f, const char *s, int width, int right);
struct gs_cooccur;
/* Prints the report of c->engine with its trends (cmd_report.c), and the
 * HTML page written to html_path too when not NULL ("-": the page alone, on
 * stdout), its movements from cc (NULL: not counted); returns an exit
 * code. */
int report_write(struct cli_common *c, size_t top, const char *html_path,
		 const struct gs_cooccur *cc);
/* Reads the files into a new c->engine as cli_read_inputs does and, when
 * html (the page's movements section), into a new co-occurrence counter
 * *cc (the caller frees it) fed the same posts; *cc is NULL otherwise, and
 * under merge, whose state files hold no co-occurrences. An exit code. */
int report_read(struct cli_common *c, int nfiles, char **files, int html,
		struct gs_cooccur **cc);
/* When the input counted in engine e spans no more buckets than the
 * warm-up of trend options o (NULL: the defaults), so that no bucket could
 * flag: writes "the input spans N buckets; the first W never flag" into
 * buf (and N, W into *span, *warm when not NULL) and returns 1; else 0
 * (no posts at all: 0 too). Defined in cmd_trends.c. */
int trends_warmup_note(const struct gs_engine *e,
		       const struct gs_trend_options *o, char *buf, size_t n,
		       uint64_t *span, unsigned *warm);

/* Fills rows[0..n) for ev[0..n) from engine e (gs_trend_row_of: a row
 * borrows the event and the engine's strings, valid until either
 * changes). */
void trend_rows(const struct gs_engine *e, const struct gs_trend_event *ev,
		size_t n, struct gs_trend_row *rows);

/* A tag's stats as JSON members, "{" opened and left open for more. */
void json_tag_fields(FILE *f, const struct gs_tag_stats *t);

#endif
