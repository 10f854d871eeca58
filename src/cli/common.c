/* common.c - the input loop and output helpers the subcommands share. */
#include "common.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#include "cli.h"
#include "state_file.h"
#include "base/timeutil.h"
#include "out/trend_json.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("groundswell: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_check_env(void)
{
	if (gs_inflate_env_check() == 0)
		return 0;
	cli_error("GROUNDSWELL_INFLATE='%s' names no gzip decoder: use 'isal' "
		  "(the default) or 'zlib'",
		  getenv("GROUNDSWELL_INFLATE"));
	return EXIT_USAGE;
}

void cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof *c);
	gs_engine_options_init(&c->eng);
	c->eng.max_bytes = CLI_DEFAULT_MAX_MEMORY;
	gs_ingest_options_init(&c->ing);
	c->ing.window_from = CLI_WINDOW_FROM_DEFAULT;
	c->ing.window_to = INT64_MAX; /* cli_read_into: a day after now */
	c->out = OUT_TABLE;
	c->progress = -1;
	gs_filter_init(&c->filter);
	c->since_ms = INT64_MIN;
	c->until_ms = INT64_MAX;
	cli_state_common_init(c); /* merge: the states' settings */
}

/* Engines left to the exit (cli_common_release_at_exit); kept here, so
 * that leak checkers see them still reachable. */
static struct gs_engine *at_exit_engines[4];

void cli_common_release_at_exit(struct cli_common *c)
{
	for (size_t i = 0; i < sizeof at_exit_engines / sizeof *at_exit_engines; i++)
		if (!at_exit_engines[i]) {
			at_exit_engines[i] = c->engine;
			c->engine = NULL;
			break;
		}
	cli_common_release(c);
}

void cli_common_release(struct cli_common *c)
{
	gs_engine_free(c->engine);
	c->engine = NULL;
	if (c->have_pseudo)
		gs_pseudo_release(&c->pseudo);
	c->ing.filter = NULL;
	gs_filter_release(&c->filter);
	cli_state_free(c->state);
	c->state = NULL;
}

/* EXIT_NOPOSTS once a file gave no post: the command's own output still
 * covers the rest, and the exit code tells (cli_exit_status). */
static int late_status;

/*
 * Shows the reading's reports on stderr (ctx: the struct
 * gs_ingest_options, whose progress says a progress line may be drawn).
 * The progress line is redrawn in place ("\r", then "\033[K" to erase what
 * a longer one left); anything else printed first erases it, for a
 * message must not start in the middle of it.
 */
static void show_report(void *ctx, const struct gs_ingest_report *r)
{
	const struct gs_ingest_options *o = ctx;
	FILE *f = stderr;
	switch (r->kind) {
	case GS_INGEST_BAD_LINE:
		if (o->progress)
			fputs("\r\033[K", f);
		fprintf(f, "%s:%llu: %s\n", r->path,
			(unsigned long long)r->line, r->text);
		break;
	case GS_INGEST_MESSAGE:
		if (o->progress)
			fputs("\r\033[K", f);
		fputs(r->text, f);
		break;
	case GS_INGEST_IO_ERROR:
		if (o->progress)
			fputs("\r\033[K", f);
		if (r->text) /* damaged compressed input, read up to there */
			cli_error("%s'%s' is damaged: %s, after line %llu; %s",
				  o->strict ? "" : "warning: ", r->path,
				  r->text, (unsigned long long)r->line,
				  o->strict
					  ? "refused under --strict"
					  : "the lines before it are counted");
		else if (r->sys_errno)
			cli_error("cannot read '%s': %s", r->path,
				  strerror(r->sys_errno));
		else
			cli_error("%s: %s after line %llu", r->path,
				  gs_strerror(r->err),
				  (unsigned long long)r->line);
		break;
	case GS_INGEST_PROGRESS:
		fprintf(f, "\r%.0f MB, %.0f MB/s, %.0f posts/s", r->bytes / 1e6,
			r->mb_per_s, r->posts_per_s);
		if (r->bytes_total)
			fprintf(f, ", %.0f%%",
				100.0 * r->bytes / r->bytes_total);
		fputs("\033[K", f);
		fflush(f);
		break;
	case GS_INGEST_PROGRESS_END:
		fputs("\r\033[K", f);
		fflush(f);
		break;
	}
}

int cli_read_into(struct cli_common *c, int nfiles, char **files,
		  struct gs_engine *e, const struct gs_ingest_sink *sink,
		  uint64_t *malformed)
{
	static char *stdin_only[] = {"-"};
	if (cli_state_merging()) /* merge: the inputs are state files */
		return cli_state_merge(c, nfiles, files, e, malformed);
	if (nfiles == 0) {
		if (isatty(0)) {
			cli_error("no input files (give FILE... or - for stdin; see --help)");
			return EXIT_USAGE;
		}
		nfiles = 1;
		files = stdin_only;
	}
	c->ing.progress = c->progress < 0 ? isatty(2) : c->progress;
	c->ing.report = show_report;
	c->ing.report_ctx = &c->ing;
	/* A post dated more than a day after the clock cannot be in an
	 * archive written by now (serve's future_posts rule); the bound is
	 * fixed before reading, so every thread and file shares it. */
	if (!c->window_to_given)
		c->ing.window_to = (int64_t)time(NULL) * 1000 + GS_MS_DAY;
	if (c->ing.window_from > c->ing.window_to) {
		char a[32], b[32];
		gs_time_format(c->ing.window_from, a);
		gs_time_format(c->ing.window_to, b);
		cli_error("--window-from %s is after --window-to %s", a, b);
		return EXIT_USAGE;
	}
	int fr = cli_filter_ready(c);
	if (fr)
		return fr;
	struct gs_ingest_state st = {0};
	st.started = gs_now();
	for (int i = 0; i < nfiles; i++) {
		FILE *probe = strcmp(files[i], "-") ? fopen(files[i], "rb") : NULL;
		if (probe) {
			if (fseeko(probe, 0, SEEK_END) == 0 && ftello(probe) > 0)
				st.bytes_total += (uint64_t)ftello(probe);
			fclose(probe);
		}
	}
	/* several files are read at once, reported and merged in order */
	int rc = 0;
	int r = gs_ingest_files(e, files, (size_t)nfiles, &c->ing, &st, sink);
	if (r == GS_ENOMEM)
		cli_error("out of memory");
	if (st.files_without_posts) /* diagnosed; the other files went on */
		late_status = EXIT_NOPOSTS;
	if (r == GS_ENOPOSTS)
		;
	else if (r == GS_EDECOMPRESS && c->ing.strict &&
		 st.files_damaged) /* damaged: refused */
		rc = EXIT_STRICT;
	else if (r == GS_EIO || r == GS_EDECOMPRESS || r == GS_ENOMEM)
		rc = EXIT_USAGE;
	else if (r)
		rc = EXIT_STRICT;
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		c->nonpost[k] += st.nonpost[k];
	c->out_of_window += st.out_of_window;
	uint64_t left_out = st.out_of_window, filtered = 0;
	for (int k = 0; k < GS_FILTER_REASONS; k++) {
		c->filtered[k] += st.filtered[k];
		filtered += st.filtered[k];
	}
	left_out += filtered;
	c->posts_read += st.posts;
	gs_ingest_progress_end(&c->ing, &st);
	if (st.out_of_window) {
		char a[32], b[32];
		gs_time_format(c->ing.window_from, a);
		gs_time_format(c->ing.window_to, b);
		fprintf(stderr,
			"groundswell: %llu post%s dated outside the time window "
			"%s to %s left out (--window-from, --window-to)\n",
			(unsigned long long)st.out_of_window,
			st.out_of_window == 1 ? "" : "s", a, b);
	}
	if (!rc && left_out && st.posts && left_out >= st.posts) {
		/* never silent: the filters, or the time window, took every
		 * post there was */
		fprintf(stderr, "groundswell: no post left: %llu post%s read",
			(unsigned long long)st.posts, st.posts == 1 ? "" : "s");
		if (st.out_of_window)
			fprintf(stderr, ", %llu outside the time window",
				(unsigned long long)st.out_of_window);
		if (filtered)
			cli_filtered_text(stderr, c);
		fputc('\n', stderr);
		late_status = EXIT_NOPOSTS;
	}
	if (st.shown > c->ing.max_shown && !c->ing.strict)
		fprintf(stderr, "groundswell: %u malformed lines in all, %u shown\n",
			st.shown, c->ing.max_shown);
	if (st.files_damaged && !c->ing.strict)
		fprintf(stderr,
			"groundswell: %u damaged compressed file%s: the counts cover %s up to the damage (--strict refuses damaged input)\n",
			st.files_damaged, st.files_damaged == 1 ? "" : "s",
			st.files_damaged == 1 ? "it" : "each");
	if (malformed)
		*malformed = st.shown;
	if (!rc && c->save_state)
		rc = cli_state_write(c, e, st.shown);
	return rc;
}

int cli_filter_ready(struct cli_common *c)
{
	if (c->since_ms != INT64_MIN && c->until_ms != INT64_MAX &&
	    c->since_ms >= c->until_ms) {
		cli_error("--since '%s' is not before --until '%s' (a time as "
			  "--until is excluded, a date runs to the end of "
			  "that day)",
			  c->since_arg, c->until_arg);
		return EXIT_USAGE;
	}
	gs_filter_set_time(&c->filter, c->since_ms, c->until_ms);
	c->ing.filter = c->filter.active ? &c->filter : NULL;
	return 0;
}

/* The counts of the filters (not --exclude-ids) as "(--lang: 3, ...)";
 * their sum in *sum. */
static void filtered_by(char *buf, size_t n, const struct cli_common *c,
			uint64_t *sum)
{
	size_t len = 0;
	const char *sep = "(";
	*sum = 0;
	buf[0] = 0;
	for (int k = 1; k < GS_FILTER_EXCLUDED_IDS; k++) {
		if (!c->filtered[k])
			continue;
		*sum += c->filtered[k];
		int w = snprintf(
			buf + len, n - len, "%s%s: %llu", sep,
			gs_filter_reason_option((enum gs_filter_reason)k),
			(unsigned long long)c->filtered[k]);
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
		sep = ", ";
	}
	if (*sum && len + 1 < n)
		snprintf(buf + len, n - len, ")");
}

void cli_filtered_line(char *buf, size_t n, const struct cli_common *c)
{
	char by[256];
	uint64_t sum, ex = c->filtered[GS_FILTER_EXCLUDED_IDS];
	filtered_by(by, sizeof by, c, &sum);
	buf[0] = 0;
	if (sum && ex)
		snprintf(
			buf, n,
			"%llu post%s filtered out %s · %llu excluded (--exclude-ids)",
			(unsigned long long)sum, sum == 1 ? "" : "s", by,
			(unsigned long long)ex);
	else if (sum)
		snprintf(buf, n, "%llu post%s filtered out %s",
			 (unsigned long long)sum, sum == 1 ? "" : "s", by);
	else if (ex)
		snprintf(buf, n, "%llu post%s excluded (--exclude-ids)",
			 (unsigned long long)ex, ex == 1 ? "" : "s");
}

void cli_filtered_text(FILE *f, const struct cli_common *c)
{
	char by[256];
	uint64_t sum, ex = c->filtered[GS_FILTER_EXCLUDED_IDS];
	filtered_by(by, sizeof by, c, &sum);
	if (sum)
		fprintf(f, ", %llu post%s filtered out %s",
			(unsigned long long)sum, sum == 1 ? "" : "s", by);
	if (ex)
		fprintf(f, ", %llu excluded (--exclude-ids)",
			(unsigned long long)ex);
}

void cli_filtered_json(FILE *f, const struct cli_common *c)
{
	const char *sep = "{";
	fputs(",\"filtered\":", f);
	for (int k = 1; k < GS_FILTER_EXCLUDED_IDS; k++) {
		fprintf(f, "%s\"%s\":%llu", sep,
			gs_filter_reason_key((enum gs_filter_reason)k),
			(unsigned long long)c->filtered[k]);
		sep = ",";
	}
	fprintf(f, "},\"excluded\":%llu",
		(unsigned long long)c->filtered[GS_FILTER_EXCLUDED_IDS]);
}

int cli_span_check(const struct cli_common *c, int64_t first_ms,
		   int64_t last_ms)
{
	int64_t w = c->eng.bucket_ms;
	if (first_ms > last_ms || w <= 0)
		return 0;
	/* in unsigned: the difference of two int64 may not fit one */
	uint64_t k = ((uint64_t)gs_time_bucket(last_ms, w) -
		      (uint64_t)gs_time_bucket(first_ms, w)) /
			     (uint64_t)w +
		     1;
	if (k <= GS_SPAN_MAX_BUCKETS)
		return 0;
	char a[32], b[32], d[16], n[32], m[32];
	gs_time_format(first_ms, a);
	gs_time_format(last_ms, b);
	gs_duration_format(w, d);
	gs_text_count(n, sizeof n, k);
	gs_text_count(m, sizeof m, GS_SPAN_MAX_BUCKETS);
	cli_error("the posts span %s buckets of %s (%s to %s), more than %s: "
		  "use a longer --bucket, or leave out what is not wanted with "
		  "--window-from and --window-to",
		  n, d, a, b, m);
	return EXIT_USAGE;
}

int cli_exit_status(int rc)
{
	return rc ? rc : late_status;
}

void cli_nonpost_text(FILE *f, const struct cli_common *c)
{
	char buf[4096];
	if (gs_ingest_nonpost_text(buf, sizeof buf, " (", c->nonpost))
		fprintf(f, "%s)", buf);
}

void cli_nonpost_json(FILE *f, const struct cli_common *c)
{
	const char *sep = "";
	fputc('{', f);
	for (int k = 1; k < GS_NONPOST_COUNT; k++)
		if (c->nonpost[k]) {
			fprintf(f, "%s\"%s\":%llu", sep, gs_nonpost_key((enum gs_nonpost)k),
				(unsigned long long)c->nonpost[k]);
			sep = ",";
		}
	fputc('}', f);
}

int cli_read_inputs(struct cli_common *c, int nfiles, char **files)
{
	c->engine = gs_engine_new(&c->eng);
	if (!c->engine) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	return cli_read_into(c, nfiles, files, c->engine, NULL, NULL);
}

const char *account_name(const struct cli_common *c, const char *id,
			 char buf[64])
{
	if (!c->have_pseudo)
		return id;
	gs_pseudo_id(&c->pseudo, id, strlen(id), buf);
	return buf;
}

int display_width(const char *s)
{
	int w = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n = (utf8proc_ssize_t)strlen(s);
	while (n > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, n, &cp);
		if (k <= 0) {
			w++;
			p++;
			n--;
			continue;
		}
		w += utf8proc_charwidth(cp);
		p += k;
		n -= k;
	}
	return w;
}

void print_padded(FILE *f, const char *s, int width, int right)
{
	int pad = width - display_width(s);
	if (right)
		for (int i = 0; i < pad; i++)
			putc(' ', f);
	fputs(s, f);
	if (!right)
		for (int i = 0; i < pad; i++)
			putc(' ', f);
}

void trend_rows(const struct gs_engine *e, const struct gs_trend_event *ev,
		size_t n, struct gs_trend_row *rows)
{
	for (size_t i = 0; i < n; i++)
		gs_trend_row_of(e, &ev[i], &rows[i]);
}
