/*
 * ingest.c - files into an engine (see ingest.h).
 *
 * A bad line never costs a good one: the reader hands out lines, the parser
 * rejects one with a reason, the line is counted as malformed and reading
 * goes on. At most max_shown reasons are printed in all, so a file of
 * garbage does not flood the terminal; the summary gives the total.
 */
#include "ingest.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void gs_ingest_options_init(struct gs_ingest_options *o)
{
	o->format = GS_FORMAT_AUTO;
	o->max_line = 0;
	o->strict = 0;
	o->max_shown = 10;
	o->errors = stderr;
	o->progress = 0;
}

double gs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const struct gs_ingest_options *o,
		     struct gs_ingest_state *st, const struct gs_engine *e,
		     uint64_t bytes)
{
	double now = gs_now();
	if (now - st->last_progress < 0.25)
		return;
	st->last_progress = now;
	struct gs_summary s;
	gs_engine_summary(e, &s);
	double dt = now - st->started > 1e-9 ? now - st->started : 1e-9;
	uint64_t done = st->bytes_done + bytes;
	fprintf(o->errors, "\r%.0f MB, %.0f MB/s, %.0f posts/s", done / 1e6,
		done / 1e6 / dt, (double)s.posts / dt);
	if (st->bytes_total)
		fprintf(o->errors, ", %.0f%%", 100.0 * done / st->bytes_total);
	fputs("\033[K", o->errors);
	fflush(o->errors);
}

void gs_ingest_progress_end(const struct gs_ingest_options *o,
			    struct gs_ingest_state *st)
{
	if (o->progress && st->last_progress > 0) {
		fputs("\r\033[K", o->errors);
		fflush(o->errors);
	}
}

static void bad_line(const struct gs_ingest_options *o,
		     struct gs_ingest_state *st, const char *path,
		     uint64_t lineno, const char *why)
{
	if (st->shown < o->max_shown || o->strict) {
		if (o->progress)
			fputs("\r\033[K", o->errors);
		fprintf(o->errors, "%s:%llu: %s\n",
			strcmp(path, "-") == 0 ? "<stdin>" : path,
			(unsigned long long)lineno, why);
	}
	st->shown++;
}

int gs_ingest_file(struct gs_engine *e, struct gs_parser *ps, const char *path,
		   const struct gs_ingest_options *o, struct gs_ingest_state *st)
{
	int err;
	struct gs_reader *r = gs_reader_open(path, o->max_line, &err);
	if (!r) {
		if (err == GS_EIO)
			fprintf(o->errors, "groundswell: cannot read '%s': %s\n",
				path, strerror(errno));
		return err;
	}
	const char *line;
	size_t len;
	int rc = 0;
	uint64_t n = 0;
	for (;;) {
		int k = gs_reader_next(r, &line, &len);
		if (k == 0)
			break;
		if (k == GS_ETOOLONG) {
			char why[96];
			snprintf(why, sizeof why, "line longer than %zu bytes",
				 o->max_line ? o->max_line : (size_t)GS_DEFAULT_MAX_LINE);
			bad_line(o, st, path, gs_reader_lineno(r), why);
			gs_engine_count_malformed(e, 1);
			if (o->strict) {
				rc = GS_ETOOLONG;
				break;
			}
			continue;
		}
		if (k < 0) {
			fprintf(o->errors, "groundswell: %s: %s after line %llu\n",
				path, gs_strerror(k),
				(unsigned long long)gs_reader_lineno(r));
			rc = k;
			break;
		}
		const struct gs_post *posts;
		int np = gs_parser_parse(ps, line, len, &posts);
		if (np < 0) {
			bad_line(o, st, path, gs_reader_lineno(r),
				 gs_parser_reason(ps)[0] ? gs_parser_reason(ps)
							 : gs_strerror(np));
			gs_engine_count_malformed(e, 1);
			if (o->strict) {
				rc = np;
				break;
			}
			continue;
		}
		if (np == 0 && gs_parser_skipped(ps) == 1)
			gs_engine_count_skipped(e, 1);
		for (int i = 0; i < np; i++)
			if ((rc = gs_engine_add(e, &posts[i])))
				goto out;
		if (o->progress && (++n & 1023) == 0)
			progress(o, st, e, gs_reader_offset(r));
	}
out:
	st->bytes_done += gs_reader_offset(r);
	gs_reader_close(r);
	return rc;
}
