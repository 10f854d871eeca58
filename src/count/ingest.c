/*
 * ingest.c - files into an engine (see ingest.h).
 *
 * A bad line never costs a good one: the reader hands out lines, the parser
 * rejects one with a reason, the line is counted as malformed and reading
 * goes on. At most max_shown reasons are reported in all, so a file of
 * garbage does not flood the terminal; the summary gives the total. That
 * step, one line in, is struct gs_line_counter, shared with serve's
 * pipeline; what follows it here (a JSON array over many lines, parts,
 * diagnoses) is the file reader's own.
 *
 * Nothing is printed: bad lines, diagnoses, read errors and progress are
 * struct gs_ingest_report's handed to the caller's o->report. A diagnosis
 * is built into a buffer of its own and reported whole.
 *
 * Parallel reading: a big plain file is cut into parts at newlines. Each
 * part gets a reader limited to its byte range, a parser and an engine of
 * its own, so threads share nothing while they run. Line numbers inside a
 * part are relative; once all parts are read, each part's line count gives
 * the next one's offset, and the bad lines are reported with their true
 * FILE:LINE in file order. Engines are merged in file order, which keeps
 * Bluesky reposts of posts in an earlier part resolvable (gs_engine_merge).
 * A sink (gs_ingest_file_sink, e.g. a network) is split the same way: each
 * part gets a context of its own, merged into the caller's in file order.
 * A compressed file cannot be cut into ranges: its one part is decoded on
 * this thread and parsed in blocks on others (ingest_pipe.c).
 */
#include "ingest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define PART_MIN (8u << 20)    /* no part smaller than this */
#define SPLIT_MIN (16u << 20)  /* files below this are read by one thread */
#define MAX_PARTS 256

void gs_ingest_options_init(struct gs_ingest_options *o)
{
	o->format = GS_FORMAT_AUTO;
	o->max_line = 0;
	o->strict = 0;
	o->max_shown = 10;
	o->report = NULL;
	o->report_ctx = NULL;
	o->progress = 0;
	o->threads = 0;
	o->window_from = o->window_to = 0;
	o->filter = NULL;
	o->no_handles = 0;
}

double gs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const struct gs_ingest_options *o,
		   const struct gs_ingest_report *r)
{
	if (o->report)
		o->report(o->report_ctx, r);
}

/* ---- the per-line step ------------------------------------------------- */

static void count_bad(struct gs_line_counter *lc, uint64_t lineno, int err,
		      const char *reason, const char *text, size_t dropped,
		      int kept)
{
	lc->malformed++;
	lc->err = err;
	if (lc->e)
		gs_engine_count_malformed(lc->e, 1);
	if (lc->bad) {
		struct gs_bad_line b = {.line = lineno, .err = err};
		b.reason = reason;
		b.text = text;
		b.dropped = dropped;
		b.kept = kept;
		lc->bad(lc->bad_ctx, &b);
	}
}

/* What gs_line_counter_feed does once the line was parsed (np, posts as
 * gs_parser_parse returned them). */
static int settle(struct gs_line_counter *lc, int np,
		  const struct gs_post *posts, uint64_t lineno)
{
	struct gs_parser *ps = lc->ps;
	if (np < 0) {
		const char *why = gs_parser_reason(ps)[0] ? gs_parser_reason(ps)
							  : gs_strerror(np);
		count_bad(lc, lineno, np, why, why, 0, 0);
		return 1;
	}
	if (np == 0 && gs_parser_skipped(ps) == 1) {
		lc->nonpost[gs_parser_nonpost(ps)]++;
		if (lc->e)
			gs_engine_count_skipped(lc->e, 1);
		struct gs_retraction rt;
		if (lc->retract && gs_parser_retraction(ps, &rt))
			return lc->retract(lc->retract_ctx, &rt);
	}
	lc->posts += (uint64_t)np;
	int window = lc->window_from || lc->window_to;
	for (int i = 0; i < np; i++) {
		if (window && (posts[i].time_ms < lc->window_from ||
			       posts[i].time_ms > lc->window_to)) {
			lc->out_of_window++;
			continue;
		}
		if (lc->filter) {
			enum gs_filter_reason why =
				gs_filter_test(lc->filter, &posts[i]);
			if (why) {
				lc->filtered[why]++;
				continue;
			}
		}
		if (!lc->post)
			continue;
		int r = lc->post(lc->post_ctx, &posts[i]);
		if (r)
			return r;
	}
	size_t dropped = np > 0 ? gs_parser_dropped(ps) : 0;
	if (dropped) {
		/* a page with a bad post: the rest was read */
		char text[240];
		snprintf(text, sizeof text,
			 "%zu malformed post%s left out, the other %d read; %s",
			 dropped, dropped == 1 ? "" : "s", np,
			 gs_parser_reason(ps));
		count_bad(lc, lineno, GS_EMISSING, gs_parser_reason(ps), text,
			  dropped, np);
		return 2;
	}
	return 0;
}

int gs_line_counter_feed(struct gs_line_counter *lc, int got, const char *line,
			 size_t len, uint64_t lineno)
{
	if (got == GS_ETOOLONG) {
		char why[96];
		snprintf(why, sizeof why, "line longer than %zu bytes",
			 lc->max_line ? lc->max_line
				      : (size_t)GS_DEFAULT_MAX_LINE);
		count_bad(lc, lineno, GS_ETOOLONG, why, why, 0, 0);
		return 1;
	}
	const struct gs_post *posts;
	int np = gs_parser_parse(lc->ps, line, len, &posts);
	return settle(lc, np, posts, lineno);
}

/* ---- reading a file ---------------------------------------------------- */

/* The line counter's bad: kept, to be reported in file order once every
 * part is read. (lc.malformed already counts this one.) */
static void note_bad(void *ctx, const struct gs_bad_line *b)
{
	struct part *p = ctx;
	if (p->nbad < p->maxbad) {
		p->bad[p->nbad].line = b->line;
		snprintf(p->bad[p->nbad].why, sizeof p->bad[0].why, "%s",
			 b->text);
		p->nbad++;
	}
	if (p->lc.malformed == 1) {
		snprintf(p->first_why, sizeof p->first_why, "%s", b->text);
		p->first_why_line = b->line;
	}
}

/* The line counter's post: into the part's engine and its sink. */
static int part_post(void *ctx, const struct gs_post *post)
{
	struct part *p = ctx;
	int rc = p->e ? gs_engine_add(p->e, post) : 0;
	if (!rc && p->sink)
		rc = p->sink->post(p->sctx, post);
	return rc;
}

/* Keeps the start of the file's first non-blank line (printable bytes) for
 * a diagnosis, should the file give no post. */
void ingest_keep_head(struct part *p, const char *line, size_t len)
{
	size_t i = 0, k = 0;
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	for (; i < len && k + 1 < sizeof p->head; i++)
		p->head[k++] = (unsigned char)line[i] < 0x20 ? ' ' : line[i];
	p->head[k] = 0;
}

/* The first non-blank byte of a file (0 if none in its first 4 KB): '{'
 * or '[' make it JSON (no SSE), '[' maybe one document over many lines. */
static int first_byte(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k = fd >= 0 ? pread(fd, buf, sizeof buf, 0) : -1;
	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < k; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' &&
		    buf[i] != '\n')
			return (unsigned char)buf[i];
	return 0;
}

/* 1 when a first line is "[" or "[{" alone: how pretty-printers (Python's
 * json.dump with indent, jq, JSON.stringify, browsers) open an array. A
 * longer line that fails is a damaged line of JSON Lines instead, and the
 * lines after it must not be swallowed into a document. */
int ingest_opens_document(const char *h)
{
	if (h[0] != '[')
		return 0;
	for (h++; *h; h++)
		if (*h != ' ' && *h != '{')
			return 0;
	return 1;
}

/*
 * A JSON array spread over many lines (an API answer saved pretty-printed,
 * as json.dump(indent=...) or a browser writes it), whose first line has
 * just failed: the rest of the input is joined to it, newlines kept, and
 * parsed as one document of at most max_line bytes. *doc (the caller frees
 * it) holds the text the posts point into. Returns what gs_parser_parse
 * returns, or GS_ETOOLONG / the reader's error.
 */
static int read_document(struct part *p, struct gs_reader *r,
			 struct gs_parser *ps, const char *line, size_t len,
			 char **doc, const struct gs_post **posts)
{
	size_t max = p->o->max_line ? p->o->max_line : GS_DEFAULT_MAX_LINE;
	size_t n = 0, cap = len + 65536;
	char *b = malloc(cap);
	const char *l = line;
	size_t ln = len;
	int k = 1;
	*doc = NULL;
	for (;;) {
		if (!b)
			return GS_ENOMEM;
		if (k == GS_ETOOLONG || n + ln + 1 > max) {
			free(b);
			while ((k = gs_reader_next(r, &l, &ln)) != 0 &&
			       (k > 0 || k == GS_ETOOLONG))
				; /* the rest of the document goes with it */
			return GS_ETOOLONG;
		}
		if (k < 0) {
			free(b);
			return k;
		}
		if (n + ln + 1 > cap) {
			while (n + ln + 1 > cap)
				cap *= 2;
			char *nb = realloc(b, cap);
			if (!nb)
				free(b);
			b = nb;
			continue;
		}
		if (n)
			b[n++] = '\n';
		memcpy(b + n, l, ln);
		n += ln;
		if ((k = gs_reader_next(r, &l, &ln)) == 0)
			break;
	}
	*doc = b;
	return gs_parser_parse(ps, b, n, posts);
}

void *ingest_read_part(void *arg)
{
	struct part *p = arg;
	const struct gs_ingest_options *o = p->o;
	int err = 0;
	struct gs_reader *r =
		p->block    ? NULL /* a block: no reader */
		: p->ranged ? gs_reader_open_range(p->path, o->max_line,
						   p->start, p->end, &err)
			    : gs_reader_open_threads(p->path, o->max_line,
						     p->decoders, &err);
	if (!r && !p->block) {
		p->open_errno = errno;
		p->rc = err;
		return NULL;
	}
	struct gs_parser *ps = gs_parser_new(o->format, o->max_line);
	if (!ps) {
		gs_reader_close(r);
		p->rc = GS_ENOMEM;
		return NULL;
	}
	gs_parser_set_handles(ps, !o->no_handles);
	if (p->jsonl)
		gs_parser_expect_jsonl(ps);
	struct gs_line_counter *lc = &p->lc;
	lc->ps = ps;
	lc->max_line = o->max_line;
	lc->e = p->e;
	lc->post = part_post;
	lc->post_ctx = p;
	lc->bad = note_bad;
	lc->bad_ctx = p;
	lc->window_from = o->window_from;
	lc->window_to = o->window_to;
	lc->filter = o->filter && o->filter->active ? o->filter : NULL;
	const char *line;
	size_t len;
	uint64_t n = 0;
	char *doc = NULL; /* a JSON document over many lines (read_document) */
	for (;;) {
		int k = p->block ? gs_block_lines_next(p->block, &line, &len)
				 : gs_reader_next(r, &line, &len);
		if (k == 0)
			break;
		if (k < 0 && k != GS_ETOOLONG) {
			p->rc = k;
			gs_reader_damage(r, p->damage, sizeof p->damage);
			break;
		}
		int first = k > 0 && !p->head[0] && p->start == 0;
		if (first)
			ingest_keep_head(p, line, len);
		uint64_t at = p->block ? gs_block_lines_lineno(p->block)
				       : gs_reader_lineno(r);
		if (first && !p->ranged && ingest_opens_document(p->head)) {
			/* maybe the first line of one document over many */
			const struct gs_post *posts;
			int np = gs_parser_parse(ps, line, len, &posts);
			if (np < 0) {
				np = read_document(p, r, ps, line, len, &doc,
						   &posts);
				if (np == GS_ETOOLONG &&
				    !gs_parser_reason(ps)[0]) {
					static const char why[] =
						"a JSON array over many lines, longer than --max-line";
					count_bad(lc, at, GS_ETOOLONG, why, why,
						  0, 0);
					continue;
				}
				if (np < 0 && np != GS_ETOOLONG &&
				    !gs_parser_reason(ps)[0]) {
					p->rc = np; /* the reader failed */
					gs_reader_damage(r, p->damage,
							 sizeof p->damage);
					break;
				}
			}
			k = settle(lc, np, posts, at);
		} else {
			k = gs_line_counter_feed(lc, k, line, len, at);
		}
		if (k < 0) {
			p->rc = k;
			break;
		}
		if (k > 0 && o->strict) {
			p->rc = k == 2 ? GS_EJSON : lc->err;
			break;
		}
		if (k == 1)
			continue;
		if ((++n & 4095) == 0) {
			if (r)
				atomic_store(&p->bytes, gs_reader_offset(r));
			atomic_fetch_add(&p->posts, 4096);
			if (atomic_load(p->stop))
				break;
		}
	}
	free(doc);
	if (p->rc && o->strict)
		atomic_store(p->stop, 1);
	if (p->block) {
		p->lines = gs_block_lines_lineno(p->block);
	} else {
		p->lines = gs_reader_lineno(r);
		atomic_store(&p->bytes, gs_reader_offset(r));
		gs_reader_close(r);
	}
	gs_parser_free(ps);
	return NULL;
}

/* Start of the first line at or after off. */
static int64_t line_start(int fd, int64_t off, int64_t size)
{
	char buf[65536];
	if (off <= 0)
		return 0;
	off--; /* a newline right before off makes off itself a start */
	while (off < size) {
		ssize_t k = pread(fd, buf, sizeof buf, off);
		if (k <= 0)
			return size;
		char *nl = memchr(buf, '\n', (size_t)k);
		if (nl)
			return off + (nl - buf) + 1;
		off += k;
	}
	return size;
}

static void progress(const struct gs_ingest_options *o,
		     struct gs_ingest_state *st, struct part *parts, size_t n)
{
	double now = gs_now();
	if (now - st->last_progress < 0.25)
		return;
	st->last_progress = now;
	uint64_t bytes = 0, posts = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += atomic_load(&parts[i].bytes);
		posts += atomic_load(&parts[i].posts);
	}
	double dt = now - st->started > 1e-9 ? now - st->started : 1e-9;
	uint64_t done = st->bytes_done + bytes;
	struct gs_ingest_report r = {.kind = GS_INGEST_PROGRESS};
	r.bytes = done;
	r.bytes_total = st->bytes_total;
	r.mb_per_s = done / 1e6 / dt;
	r.posts_per_s = (double)(st->posts_done + posts) / dt;
	report(o, &r);
}

struct progress_ctx {
	const struct gs_ingest_options *o;
	struct gs_ingest_state *st;
	struct part *parts;
	size_t nparts;
	atomic_int done;
};

/* Draws progress every 100 ms until the parts are read. */
static void *progress_main(void *arg)
{
	struct progress_ctx *pc = arg;
	while (!atomic_load(&pc->done)) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (!atomic_load(&pc->done))
			progress(pc->o, pc->st, pc->parts, pc->nparts);
	}
	return NULL;
}

void gs_ingest_progress_end(const struct gs_ingest_options *o,
			    struct gs_ingest_state *st)
{
	if (o->progress && st->last_progress > 0) {
		struct gs_ingest_report r = {.kind = GS_INGEST_PROGRESS_END};
		report(o, &r);
	}
}

struct file_tally {
	uint64_t lines, posts, malformed, nonpost[GS_NONPOST_COUNT];
	const char *first_why, *head;
	uint64_t first_why_line;
};

static int has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* A growing text: a diagnosis is reported whole, in one report. On out of
 * memory the text stops where it was (a diagnosis cut short is better than
 * none). */
struct text {
	char *s;
	size_t len, cap;
};

static void addf(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(t->s ? t->s + t->len : NULL,
				  t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if (t->s && t->len + (size_t)k < t->cap) {
			t->len += (size_t)k;
			return;
		}
		size_t cap = t->cap ? t->cap : 1024;
		while (cap <= t->len + (size_t)k)
			cap *= 2;
		char *ns = realloc(t->s, cap);
		if (!ns)
			return;
		if (!t->s)
			ns[0] = 0;
		t->s = ns;
		t->cap = cap;
	}
}

/*
 * Says why a file gave no post, from what its first line looks like and
 * what its lines were, with the command that converts it where one exists.
 * A file that gives nothing must never look like a file that held nothing
 * of interest. Written into t.
 */
static void diagnose(const struct gs_ingest_options *o, const char *path,
		     const struct file_tally *t, struct text *f)
{
	const char *h = t->head;
	uint64_t nonposts = 0;
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		nonposts += t->nonpost[k];
	if (t->lines == 0) {
		addf(f, "groundswell: '%s' is empty: no post read\n", path);
		return;
	}
	addf(f,
	     "groundswell: '%s': no post in %llu line%s (%llu malformed, %llu not posts)\n",
	     path, (unsigned long long)t->lines, t->lines == 1 ? "" : "s",
	     (unsigned long long)t->malformed, (unsigned long long)nonposts);
	if (!t->malformed && nonposts) {
		char kinds[4096];
		gs_ingest_nonpost_text(
			kinds, sizeof kinds,
			"groundswell: it holds only lines that are not posts: ",
			t->nonpost);
		addf(f, "%s\n", kinds);
		if (t->nonpost[GS_NONPOST_TWARC2_USERS] || t->nonpost[GS_NONPOST_TWARC2_COUNTS])
			addf(f, "%s",
			     "groundswell: (twarc2 users, followers, counts and lists output carries no tweets: read what twarc2 search, timeline or stream wrote)\n");
		return;
	}
	if (ingest_opens_document(h)) {
		addf(f,
		     "groundswell: it is one JSON array over several lines (a saved API answer?), read as one "
		     "document, and it is damaged (%s); jq -c '.[]' '%s' shows where, and makes JSON Lines "
		     "of what it can read\n",
		     t->first_why, path);
		return;
	}
	if (h[0] == '[') {
		addf(f,
		     "groundswell: it starts with '[': a JSON array (a saved API answer?); make JSON Lines "
		     "of it with: jq -c '.[]' '%s' > posts.jsonl\n",
		     path);
		return;
	}
	if (h[0] == '{' && has(h, "\"uri\"") && (has(h, "\"indexedAt\"") || has(h, "\"author\"")) &&
	    has(h, "\"cid\"")) {
		addf(f,
		     "groundswell: these look like Bluesky PostView objects (app.bsky.feed.defs#postView, as the "
		     "AppView API answers searchPosts or getAuthorFeed), not Jetstream events; convert them with:\n"
		     "  jq -c 'select(.record.\"$type\" == \"app.bsky.feed.post\") | {did: .author.did, "
		     "time_us: ((.indexedAt | sub(\"\\\\.[0-9]+\"; \"\") | fromdate) * 1000000), kind: \"commit\", "
		     "commit: {operation: \"create\", collection: \"app.bsky.feed.post\", "
		     "rkey: (.uri | split(\"/\") | last), record: .record}}' '%s' > jetstream.jsonl\n",
		     path);
		return;
	}
	if (h[0] == '{' && (has(h, "{\"posts\":[") || has(h, "{\"feed\":["))) {
		addf(f,
		     "groundswell: this looks like a Bluesky API answer (a list of PostViews), not Jetstream "
		     "events: its posts are in %s\n",
		     has(h, "{\"feed\":[") ? ".feed[].post" : ".posts[]");
		return;
	}
	if (h[0] == '{' && has(h, "\"statuses\":[")) {
		addf(f,
		     "groundswell: this looks like an API answer holding statuses: make JSON Lines of them with: "
		     "jq -c '.statuses[]' '%s' > posts.jsonl\n",
		     path);
		return;
	}
	if (has(t->first_why, "(looks like ")) {
		addf(f,
		     "groundswell: --input-format %s was given, but the lines are of another format (%s); "
		     "leave --input-format out (the format is detected per line)\n",
		     gs_format_name(o->format), t->first_why);
		return;
	}
	if (h[0] && h[0] != '{' && (has(h, ",") || has(h, "\t"))) {
		addf(f,
		     "groundswell: it looks like %s (first line: \"%.60s\"): groundswell reads the JSON Lines that "
		     "twarc, twarc2, Jetstream or the Mastodon API wrote, not a %s export made from them "
		     "(twarc-csv, 4CAT); read the .jsonl it was made from\n",
		     has(h, "\t") && !has(h, ",") ? "TSV" : "CSV", h,
		     has(h, "\t") && !has(h, ",") ? "TSV" : "CSV");
		return;
	}
	if (t->first_why[0])
		addf(f, "groundswell: the first bad line: %s:%llu: %s\n", path,
		     (unsigned long long)t->first_why_line, t->first_why);
}

int gs_ingest_nonpost_text(char *buf, size_t size, const char *first,
			   const uint64_t n[GS_NONPOST_COUNT])
{
	const char *sep = first;
	size_t len = 0;
	if (size)
		buf[0] = 0;
	for (int k = 1; k < GS_NONPOST_COUNT; k++)
		if (n[k]) {
			if (len < size) {
				int w = snprintf(
					buf + len, size - len, "%s%s: %llu",
					sep,
					gs_nonpost_name((enum gs_nonpost)k),
					(unsigned long long)n[k]);
				len = w < 0 ? size : len + (size_t)w;
			}
			sep = ", ";
		}
	return sep != first;
}

static unsigned cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/*
 * What follows the reading of a file's parts: their read errors, damage and
 * bad lines reported in file order with absolute line numbers, the counts
 * added to st, a diagnosis when the file gave no post, and parts[own..]'s
 * engines and sink contexts merged into e and the sink in file order
 * (parts[0..own) fed e and the sink directly). rc: an error met while
 * setting up. Returns what gs_ingest_file_sink returns.
 */
static int finish_file(struct gs_engine *e, const char *path,
		       const struct gs_ingest_options *o,
		       struct gs_ingest_state *st,
		       const struct gs_ingest_sink *sink, struct part *parts,
		       size_t nparts, size_t own, size_t total_bytes, int rc)
{
	const char *shown_path = strcmp(path, "-") == 0 ? "<stdin>" : path;
	/* Report in file order with absolute line numbers. */
	uint64_t base = 0;
	for (size_t i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		if (p->rc == GS_EIO || p->rc == GS_EDECOMPRESS) {
			struct gs_ingest_report r = {
				.kind = GS_INGEST_IO_ERROR};
			r.err = p->rc;
			r.line = base + p->lines;
			if (p->damage[0]) {
				/* read up to the damage: counted, and said */
				r.text = p->damage;
				st->files_damaged++;
				if (!o->strict)
					p->rc = 0;
			}
			if (p->lines == 0 && p->rc == GS_EIO && p->open_errno) {
				r.path = path;
				r.sys_errno = p->open_errno;
			} else {
				r.path = shown_path;
			}
			report(o, &r);
			if (!rc)
				rc = p->rc;
		}
		for (size_t k = 0; k < p->nbad; k++) {
			if (st->shown < o->max_shown || (o->strict && !rc)) {
				struct gs_ingest_report r = {
					.kind = GS_INGEST_BAD_LINE};
				r.path = shown_path;
				r.line = base + p->bad[k].line;
				r.text = p->bad[k].why;
				report(o, &r);
			}
			st->shown++;
			if (o->strict && !rc)
				rc = GS_EJSON;
		}
		st->shown += (unsigned)(p->lc.malformed - p->nbad);
		if (!rc && p->rc)
			rc = p->rc;
		base += p->lines;
		st->bytes_done += atomic_load(&p->bytes);
		st->posts_done += atomic_load(&p->posts);
	}
	struct file_tally t = {0};
	t.lines = base;
	t.first_why = "";
	t.head = parts[0].head;
	for (size_t i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		t.posts += p->lc.posts;
		st->posts += p->lc.posts;
		t.malformed += p->lc.malformed;
		st->out_of_window += p->lc.out_of_window;
		for (int k = 0; k < GS_FILTER_REASONS; k++)
			st->filtered[k] += p->lc.filtered[k];
		for (int k = 0; k < GS_NONPOST_COUNT; k++) {
			t.nonpost[k] += p->lc.nonpost[k];
			st->nonpost[k] += p->lc.nonpost[k];
		}
		if (p->lc.malformed && !t.first_why[0]) {
			t.first_why = p->first_why;
			t.first_why_line = p->first_why_line; /* (part 0: absolute) */
			for (size_t k = 0; k < i; k++)
				t.first_why_line += parts[k].lines;
		}
	}
	if (!rc && t.posts == 0) {
		struct text why = {0};
		diagnose(o, shown_path, &t, &why);
		if (why.s) {
			struct gs_ingest_report r = {.kind = GS_INGEST_MESSAGE};
			r.path = shown_path;
			r.text = why.s;
			report(o, &r);
		}
		free(why.s);
		st->files_without_posts++;
		rc = GS_ENOPOSTS;
	}
	/* A file without posts still counts its malformed and non-post
	 * lines, as a sequential read into e does. */
	int keep = !rc || rc == GS_ENOPOSTS;
	for (size_t i = own; i < nparts; i++) {
		if (keep && parts[i].e) {
			/* taken apart as it goes, so the peak stays near the
			 * engines' sizes at the end of reading */
			int r = gs_engine_absorb(e, parts[i].e);
			if (r)
				rc = r;
		} else {
			gs_engine_free(parts[i].e);
		}
		if (parts[i].sctx) {
			if (keep) {
				int r = sink->merge(sink->ctx, parts[i].sctx);
				if (r)
					rc = r;
			}
			sink->part_free(parts[i].sctx);
		}
	}
	if (e && nparts > own) {
		gs_engine_set_max_bytes(e, total_bytes);
		if (keep) {
			int r = gs_engine_fit_memory(e);
			if (r)
				rc = r;
		}
	}
	return rc;
}

int gs_ingest_file(struct gs_engine *e, const char *path,
		   const struct gs_ingest_options *o,
		   struct gs_ingest_state *st)
{
	return gs_ingest_file_sink(e, path, o, st, NULL);
}

int gs_ingest_file_sink(struct gs_engine *e, const char *path,
			const struct gs_ingest_options *o,
			struct gs_ingest_state *st,
			const struct gs_ingest_sink *sink)
{
	if (!e && !sink)
		return GS_EUSAGE;
	size_t nparts = 1;
	int pipe = 0;
	int64_t size = -1;
	struct stat sb;
	unsigned threads = o->threads ? o->threads : cpus();
	if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode)) {
		size = sb.st_size;
		if (threads > 1 && size >= SPLIT_MIN &&
		    gs_file_is_compressed(path) == 0) {
			nparts = (size_t)(size / PART_MIN);
			if (nparts > threads)
				nparts = threads;
			if (nparts > MAX_PARTS)
				nparts = MAX_PARTS;
			if (nparts < 1)
				nparts = 1;
		}
		/* one decoder and parsers on other threads (ingest_pipe.c) */
		pipe = threads > 1 && gs_file_is_compressed(path) == 1;
	}
	struct part *parts = calloc(nparts, sizeof *parts);
	pthread_t *th = calloc(nparts, sizeof *th);
	atomic_int stop = 0;
	int rc = 0;
	if (!parts || !th) {
		free(parts);
		free(th);
		return GS_ENOMEM;
	}
	/* the engines of the parts live at once: each gets its share of e's
	 * memory bound, and the merged engine the whole of it again */
	size_t total_bytes = e ? gs_engine_set_max_bytes(e, 0) : 0;
	if (e)
		gs_engine_set_max_bytes(e, total_bytes);
	int first = nparts > 1 ? first_byte(path) : 0;
	if (first == '[') /* maybe one document: read whole */
		nparts = 1;
	int fd = nparts > 1 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	int64_t prev = 0;
	int jsonl = first == '{';
	for (size_t i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		p->path = path;
		p->o = o;
		p->stop = &stop;
		p->maxbad = o->strict ? 1 : o->max_shown;
		p->bad = calloc(p->maxbad ? p->maxbad : 1, sizeof *p->bad);
		p->ranged = nparts > 1;
		p->decoders = threads;
		p->jsonl = i > 0 && jsonl;
		p->start = prev;
		p->end = i + 1 == nparts
				 ? -1
				 : (fd >= 0 ? line_start(
						      fd,
						      size * (int64_t)(i + 1) /
							      (int64_t)nparts,
						      size)
					    : -1);
		if (p->end >= 0 && p->end < p->start)
			p->end = p->start;
		prev = p->end;
		p->e = !e ? NULL : i == 0 ? e : gs_engine_new_like(e);
		if (p->e && nparts > 1) /* the parts share the bound */
			gs_engine_set_max_bytes(p->e, total_bytes / nparts);
		p->sink = sink;
		p->sctx = !sink	   ? NULL
			  : i == 0 ? sink->ctx
				   : sink->part_new(sink->ctx);
		if (!p->bad || (e && !p->e) || (sink && !p->sctx))
			rc = GS_ENOMEM;
	}
	if (fd >= 0)
		close(fd);
	/* Part 0 is read on the calling thread: its engine (the caller's)
	 * then grows in the main malloc arena, which extends with brk, not
	 * with an mprotect per page as a thread's arena does (2% of a
	 * one-thread run); the other parts get a thread each. */
	size_t started = 1;
	for (size_t i = 1; !rc && i < nparts; i++, started++)
		if (pthread_create(&th[i], NULL, ingest_read_part, &parts[i]) !=
		    0) {
			rc = GS_ENOMEM;
			break;
		}
	struct progress_ctx pc = {o, st, parts, nparts, 0};
	pthread_t pth;
	int with_progress = !rc && o->progress &&
			    pthread_create(&pth, NULL, progress_main, &pc) == 0;
	if (!rc && pipe) /* decoded here, parsed on other threads */
		ingest_pipe_read(&parts[0], threads);
	else if (!rc)
		ingest_read_part(&parts[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	if (with_progress) {
		atomic_store(&pc.done, 1);
		pthread_join(pth, NULL);
	}

	rc = finish_file(e, path, o, st, sink, parts, nparts, 1, total_bytes,
			 rc);
#ifdef __GLIBC__
	/* The parts' engines lived in their threads' malloc arenas: give
	 * those pages back now, or what comes next grows the process anew. */
	if (nparts > 1)
		malloc_trim(0);
#endif
	for (size_t i = 0; i < nparts; i++)
		free(parts[i].bad);
	free(parts);
	free(th);
	return rc;
}

/* A file read by one thread whatever the thread count (compressed, or
 * plain below SPLIT_MIN), so that it can be read beside others: a regular
 * file, not stdin (which can be read once only). */
static int one_part(const char *path)
{
	struct stat sb;
	if (strcmp(path, "-") == 0 || stat(path, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))
		return 0;
	return sb.st_size < SPLIT_MIN || gs_file_is_compressed(path) == 1;
}

/*
 * Reads paths[0..n), files of one part each, up to `threads` at once, each
 * into an engine and sink context of its own, and finishes them (reports,
 * merge into e and the sink) in the order given, each as soon as it and
 * the ones before it are read. The files being read or waiting for their
 * turn share e's memory bound. Stops at the first file whose result is
 * neither 0 nor GS_ENOPOSTS, as reading them one after another does: the
 * files after it are stopped and neither reported nor merged.
 */
static int read_files(struct gs_engine *e, char *const *paths, size_t n,
		      unsigned threads, const struct gs_ingest_options *o,
		      struct gs_ingest_state *st,
		      const struct gs_ingest_sink *sink, int *noposts)
{
	struct part *parts = calloc(n, sizeof *parts);
	pthread_t *th = calloc(n, sizeof *th);
	atomic_int *stop = calloc(n, sizeof *stop);
	if (!parts || !th || !stop) {
		free(parts);
		free(th);
		free(stop);
		return GS_ENOMEM;
	}
	size_t window = threads < n ? threads : n;
	size_t total_bytes = e ? gs_engine_set_max_bytes(e, 0) : 0;
	if (e)
		gs_engine_set_max_bytes(e, total_bytes);
	int rc = 0;
	size_t started = 0;
	for (size_t m = 0; m < n; m++) {
		/* start files until `window` are read or wait their turn */
		while (!rc && started < n && started < m + window) {
			struct part *p = &parts[started];
			p->path = paths[started];
			p->o = o;
			atomic_init(&stop[started], 0);
			p->stop = &stop[started];
			p->maxbad = o->strict ? 1 : o->max_shown;
			p->bad = calloc(p->maxbad ? p->maxbad : 1,
					sizeof *p->bad);
			p->decoders = 1; /* the threads read files */
			p->e = e ? gs_engine_new_like(e) : NULL;
			if (p->e && total_bytes)
				gs_engine_set_max_bytes(p->e,
							total_bytes / window);
			p->sink = sink;
			p->sctx = sink ? sink->part_new(sink->ctx) : NULL;
			if (!p->bad || (e && !p->e) || (sink && !p->sctx) ||
			    pthread_create(&th[started], NULL, ingest_read_part,
					   p) != 0) {
				gs_engine_free(p->e);
				p->e = NULL;
				if (p->sctx)
					sink->part_free(p->sctx);
				p->sctx = NULL;
				rc = GS_ENOMEM;
				break;
			}
			started++;
		}
		if (m >= started)
			break;
		if (o->progress) {
			/* drawn from here: st changes on this thread only */
			for (;;) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 100 * 1000 * 1000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				if (pthread_timedjoin_np(th[m], NULL, &ts) == 0)
					break;
				progress(o, st, &parts[m], started - m);
			}
		} else {
			pthread_join(th[m], NULL);
		}
		if (rc) {
			/* stopped: not reported, not merged */
			gs_engine_free(parts[m].e);
			if (parts[m].sctx)
				sink->part_free(parts[m].sctx);
		} else {
			int r = finish_file(e, paths[m], o, st, sink, &parts[m],
					    1, 0, total_bytes, 0);
			if (r == GS_ENOPOSTS)
				*noposts = 1;
			else if (r) {
				rc = r;
				for (size_t k = m + 1; k < started; k++)
					atomic_store(&stop[k], 1);
			}
		}
		free(parts[m].bad);
	}
#ifdef __GLIBC__
	malloc_trim(0); /* the files' engines lived in threads' arenas */
#endif
	free(parts);
	free(th);
	free(stop);
	return rc;
}

int gs_ingest_files(struct gs_engine *e, char *const *paths, size_t n,
		    const struct gs_ingest_options *o,
		    struct gs_ingest_state *st,
		    const struct gs_ingest_sink *sink)
{
	if (!e && !sink)
		return GS_EUSAGE;
	unsigned threads = o->threads ? o->threads : cpus();
	int noposts = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (threads > 1 && j < n && one_part(paths[j]))
			j++;
		int r;
		if (j - i >= 2) {
			r = read_files(e, paths + i, j - i, threads, o, st,
				       sink, &noposts);
			i = j;
		} else {
			r = gs_ingest_file_sink(e, paths[i], o, st, sink);
			i++;
			if (r == GS_ENOPOSTS) {
				noposts = 1;
				r = 0;
			}
		}
		if (r)
			return r;
	}
	return noposts ? GS_ENOPOSTS : 0;
}
