/* common.c - options, input loop and output helpers shared by subcommands. */
#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "cli.h"
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

void cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof *c);
	gs_engine_options_init(&c->eng);
	c->eng.max_bytes = CLI_DEFAULT_MAX_MEMORY;
	gs_ingest_options_init(&c->ing);
	c->out = OUT_TABLE;
	c->progress = -1;
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
}

static int parse_size(const char *arg, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || v == 0 || arg[0] == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

/* A byte size with an optional binary unit: N, NK, NM or NG; 0 allowed. */
static int parse_bytes(const char *arg, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (errno || end == arg || *end || arg[0] == '-' || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

static int set_key(struct cli_common *c, const char *key, size_t n)
{
	if (c->have_pseudo)
		gs_pseudo_release(&c->pseudo);
	if (gs_pseudo_init(&c->pseudo, key, n) != 0) {
		cli_error("invalid pseudonymisation key: it must not be empty");
		return -1;
	}
	c->have_pseudo = 1;
	return 1;
}

int cli_common_option(struct cli_common *c, int opt, const char *arg)
{
	size_t n;
	switch (opt) {
	case 'b':
		if (gs_duration_parse(arg, &c->eng.bucket_ms) != 0 ||
		    c->eng.bucket_ms < 1000) {
			cli_error("invalid bucket '%s' (use e.g. 5m, 1h, 1d)", arg);
			return -1;
		}
		return 1;
	case 'f':
		c->ing.format = gs_format_parse(arg);
		if (c->ing.format == GS_FORMAT_COUNT_) {
			cli_error("unknown input format '%s' (twitter1, twitter2, jetstream, mastodon, auto)", arg);
			return -1;
		}
		return 1;
	case 1001:
		c->ing.strict = 1;
		return 1;
	case 1002:
		c->out = OUT_JSON;
		return 1;
	case 1003:
		c->out = OUT_CSV;
		return 1;
	case 1004:
		if (parse_bytes(arg, &n) || n == 0 || n > (1u << 30)) {
			cli_error("invalid --max-line '%s' (a size such as 64M, at most 1G)", arg);
			return -1;
		}
		c->ing.max_line = n;
		return 1;
	case 1013: {
		/* SIZE[KMG], binary units; 0 for no bound */
		size_t v;
		if (parse_bytes(arg, &v) || (v && v < (1u << 20))) {
			cli_error("invalid --max-memory '%s' (a size such as 64M, at least 1M, or 0)",
				  arg);
			return -1;
		}
		c->eng.max_bytes = v;
		return 1;
	}
	case 1005:
		if (parse_size(arg, &n) || n < 16) {
			cli_error("invalid --max-tags '%s' (at least 16)", arg);
			return -1;
		}
		c->eng.max_tags = n;
		return 1;
	case 1006:
		c->progress = 1;
		return 1;
	case 1007:
		c->progress = 0;
		return 1;
	case 1008:
		return set_key(c, arg, strlen(arg));
	case 1009: {
		FILE *f = fopen(arg, "rb");
		char buf[4096];
		if (!f) {
			cli_error("cannot read '%s': %s", arg, strerror(errno));
			return -1;
		}
		size_t k = fread(buf, 1, sizeof buf, f);
		fclose(f);
		while (k && (buf[k - 1] == '\n' || buf[k - 1] == '\r'))
			k--;
		return set_key(c, buf, k);
	}
	case 1011: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (*end || v < 0 || v > 256) {
			cli_error("invalid --threads '%s' (0 to 256; 0: one per CPU)", arg);
			return -1;
		}
		c->ing.threads = (unsigned)v;
		return 1;
	}
	case 1012: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (*end || v < 4 || v > 16) {
			cli_error("invalid --hll-precision '%s' (4 to 16)", arg);
			return -1;
		}
		c->eng.hll_p = (unsigned)v;
		return 1;
	}
	case 1010: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (*end || v < 0) {
			cli_error("invalid --show-errors '%s'", arg);
			return -1;
		}
		c->ing.max_shown = (unsigned)v;
		return 1;
	}
	}
	return 0;
}

/* EXIT_NOPOSTS once a file gave no post: the command's own output still
 * covers the rest, and the exit code tells (cli_exit_status). */
static int late_status;

int cli_read_into(struct cli_common *c, int nfiles, char **files,
		  struct gs_engine *e, const struct gs_ingest_sink *sink,
		  uint64_t *malformed)
{
	static char *stdin_only[] = {"-"};
	if (nfiles == 0) {
		if (isatty(0)) {
			cli_error("no input files (give FILE... or - for stdin; see --help)");
			return EXIT_USAGE;
		}
		nfiles = 1;
		files = stdin_only;
	}
	c->ing.progress = c->progress < 0 ? isatty(2) : c->progress;
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
	int rc = 0;
	for (int i = 0; i < nfiles && !rc; i++) {
		int r = gs_ingest_file_sink(e, files[i], &c->ing, &st, sink);
		if (r == GS_ENOMEM)
			cli_error("out of memory");
		if (r == GS_ENOPOSTS) /* diagnosed; the other files go on */
			late_status = EXIT_NOPOSTS;
		else if (r == GS_EIO || r == GS_EDECOMPRESS || r == GS_ENOMEM)
			rc = EXIT_USAGE;
		else if (r)
			rc = EXIT_STRICT;
	}
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		c->nonpost[k] += st.nonpost[k];
	gs_ingest_progress_end(&c->ing, &st);
	if (st.shown > c->ing.max_shown && !c->ing.strict)
		fprintf(stderr, "groundswell: %u malformed lines in all, %u shown\n",
			st.shown, c->ing.max_shown);
	if (malformed)
		*malformed = st.shown;
	return rc;
}

int cli_exit_status(int rc)
{
	return rc ? rc : late_status;
}

void cli_nonpost_text(FILE *f, const struct cli_common *c)
{
	if (gs_ingest_print_nonposts(f, " (", c->nonpost))
		fputc(')', f);
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

void fmt_count(char *buf, size_t n, double v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%.0f", v);
	size_t len = strlen(tmp), o = 0;
	for (size_t i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
}

void trend_rows(const struct gs_engine *e, const struct gs_trend_event *ev,
		size_t n, struct trend_row *rows)
{
	for (size_t i = 0; i < n; i++) {
		struct gs_trend_row r;
		gs_trend_row_of(e, &ev[i], &r);
		rows[i] = (struct trend_row){r.ev, r.display, r.posts,
					     r.accounts};
	}
}

void json_trend_fields(FILE *f, const struct trend_row *x)
{
	struct gs_trend_row row = {x->ev, x->display, x->posts, x->accounts};
	gs_trend_json_fields(f, &row);
}
