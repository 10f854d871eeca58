/*
 * options.c - the option groups several commands share (see options.h):
 * their tables, their parsers, and the count and size parsers every
 * command's numbers go through.
 *
 * A group's table is static and a command's getopt_long table is copied
 * together from its own entries and the groups' at each call: the tables
 * are a few dozen entries, and copying keeps each option's name and id
 * written once. The order of the entries is kept as it always was, since
 * getopt_long lists the candidates of an ambiguous prefix in table order.
 */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "base/timeutil.h"
#include "gen/generate.h"

/* Bounds of the common options, as their messages state them. */
#define MAX_LINE_LIMIT ((size_t)1 << 30) /* --max-line: at most 1G */
#define MAX_MEMORY_MIN ((size_t)1 << 20) /* --max-memory: at least 1M, or 0 */
#define MAX_TAGS_MIN   16		 /* --max-tags: what the engine takes */
#define THREADS_MAX    256		 /* --threads: 0 to 256 */
#define KEY_FILE_MAX   4096		 /* bytes of a key file that count */
#define BUCKET_MIN_MS  1000		 /* --bucket: a second or more */

static const struct option common_options[] = {
	{"bucket", required_argument, NULL, 'b'},
	{"input-format", required_argument, NULL, 'f'},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"json", no_argument, NULL, OPT_JSON},
	{"csv", no_argument, NULL, OPT_CSV},
	{"max-line", required_argument, NULL, OPT_MAX_LINE},
	{"max-tags", required_argument, NULL, OPT_MAX_TAGS},
	{"progress", no_argument, NULL, OPT_PROGRESS},
	{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	{"pseudonymize-key", required_argument, NULL, OPT_PSEUDONYMIZE_KEY},
	{"pseudonymize-key-file", required_argument, NULL,
	 OPT_PSEUDONYMIZE_KEY_FILE},
	{"show-errors", required_argument, NULL, OPT_SHOW_ERRORS},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"hll-precision", required_argument, NULL, OPT_HLL_PRECISION},
	{"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
	{"window-from", required_argument, NULL, OPT_WINDOW_FROM},
	{"window-to", required_argument, NULL, OPT_WINDOW_TO},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"lang", required_argument, NULL, OPT_LANG},
	{"accounts", required_argument, NULL, OPT_ACCOUNTS},
	{"exclude-accounts", required_argument, NULL, OPT_EXCLUDE_ACCOUNTS},
	{"exclude-ids", required_argument, NULL, OPT_EXCLUDE_IDS},
	{NULL, 0, NULL, 0},
};

static const struct option trend_options[] = {
	{"scorer", required_argument, NULL, OPT_SCORER},
	{"halflife", required_argument, NULL, OPT_HALFLIFE},
	{"threshold", required_argument, NULL, OPT_THRESHOLD},
	{"end-threshold", required_argument, NULL, OPT_END_THRESHOLD},
	{"noise-floor", required_argument, NULL, OPT_NOISE_FLOOR},
	{"min-accounts", required_argument, NULL, OPT_MIN_ACCOUNTS},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"posts-threshold", required_argument, NULL, OPT_POSTS_THRESHOLD},
	{"mastodon-threshold", required_argument, NULL, OPT_MASTODON_THRESHOLD},
	{NULL, 0, NULL, 0},
};

static const struct option state_options[] = {
	{"save-state", required_argument, NULL, OPT_SAVE_STATE},
	{"no-output", no_argument, NULL, OPT_NO_OUTPUT},
	{NULL, 0, NULL, 0},
};

/* ---- tables -------------------------------------------------------------- */

void cli_options_init(struct cli_options *s)
{
	memset(s, 0, sizeof *s);
}

static void add_one(struct cli_options *s, const struct option *o)
{
	if (s->n >= CLI_OPTIONS_MAX) {
		fputs("groundswell: CLI_OPTIONS_MAX is too small\n", stderr);
		abort();
	}
	s->v[s->n++] = *o;
	memset(&s->v[s->n], 0, sizeof s->v[s->n]);
}

void cli_options_add(struct cli_options *s, const struct option *t)
{
	for (; t->name; t++)
		add_one(s, t);
}

/* Whether common option id is one that serve does not take (its --help
 * lists the ones it does). */
static int batch_only(int id)
{
	switch (id) {
	case OPT_STRICT:
	case OPT_JSON:
	case OPT_CSV:
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
	case OPT_PSEUDONYMIZE_KEY:
	case OPT_THREADS:
		return 1;
	}
	return 0;
}

void cli_options_add_common(struct cli_options *s, enum cli_common_set set)
{
	for (const struct option *t = common_options; t->name; t++)
		if (set == CLI_COMMON_ALL || !batch_only(t->val))
			add_one(s, t);
}

void cli_options_add_trend(struct cli_options *s)
{
	cli_options_add(s, trend_options);
}

void cli_options_add_state(struct cli_options *s)
{
	cli_options_add(s, state_options);
}

const char *cli_option_name(const struct option *t, int id)
{
	for (; t->name; t++)
		if (t->val == id)
			return t->name;
	return "?";
}

/* ---- numbers ------------------------------------------------------------- */

/* The decimal number at the start of arg, as strtoull reads it (leading
 * blanks and a '+' taken) except that an arg starting with '-' is refused,
 * into *v; *end is set to where it ends. 0, or -1 on overflow or a '-'. */
static int parse_digits(const char *arg, unsigned long long *v, char **end)
{
	if (arg[0] == '-')
		return -1;
	errno = 0;
	*v = strtoull(arg, end, 10);
	return errno ? -1 : 0;
}

int cli_parse_count(const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;
	if (parse_digits(arg, &v, &end) || end == arg || *end || v < lo ||
	    v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_size(const char *arg, size_t *out)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;
	if (parse_digits(arg, &v, &end))
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	/* a unit alone ("M") reads as 0, as it always has */
	if (end == arg || *end || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

/* ---- the common options -------------------------------------------------- */

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
	uint64_t count;
	char *end;
	long v;
	switch (opt) {
	case 'b':
		if (gs_duration_parse(arg, &c->eng.bucket_ms) != 0 ||
		    c->eng.bucket_ms < BUCKET_MIN_MS) {
			cli_error("invalid bucket '%s' (use e.g. 5m, 1h, 1d)",
				  arg);
			return -1;
		}
		return 1;
	case 'f':
		c->ing.format = gs_format_parse(arg);
		if (c->ing.format == GS_FORMAT_COUNT_) {
			cli_error(
				"unknown input format '%s' (twitter1, twitter2, jetstream, mastodon, auto)",
				arg);
			return -1;
		}
		return 1;
	case OPT_STRICT:
		c->ing.strict = 1;
		return 1;
	case OPT_JSON:
		c->out = OUT_JSON;
		return 1;
	case OPT_CSV:
		c->out = OUT_CSV;
		return 1;
	case OPT_MAX_LINE:
		if (cli_parse_size(arg, &n) || n == 0 || n > MAX_LINE_LIMIT) {
			cli_error(
				"invalid --max-line '%s' (a size such as 64M, at most 1G)",
				arg);
			return -1;
		}
		c->ing.max_line = n;
		return 1;
	case OPT_MAX_TAGS:
		if (cli_parse_count(arg, MAX_TAGS_MIN, SIZE_MAX, &count)) {
			cli_error("invalid --max-tags '%s' (at least 16)", arg);
			return -1;
		}
		c->eng.max_tags = (size_t)count;
		return 1;
	case OPT_PROGRESS:
		c->progress = 1;
		return 1;
	case OPT_NO_PROGRESS:
		c->progress = 0;
		return 1;
	case OPT_PSEUDONYMIZE_KEY:
		return set_key(c, arg, strlen(arg));
	case OPT_PSEUDONYMIZE_KEY_FILE: {
		FILE *f = fopen(arg, "rb");
		char buf[KEY_FILE_MAX];
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
	case OPT_SHOW_ERRORS:
		v = strtol(arg, &end, 10);
		if (*end || v < 0) {
			cli_error("invalid --show-errors '%s'", arg);
			return -1;
		}
		c->ing.max_shown = (unsigned)v;
		return 1;
	case OPT_THREADS:
		v = strtol(arg, &end, 10);
		if (*end || v < 0 || v > THREADS_MAX) {
			cli_error(
				"invalid --threads '%s' (0 to 256; 0: one per CPU)",
				arg);
			return -1;
		}
		c->ing.threads = (unsigned)v;
		return 1;
	case OPT_HLL_PRECISION:
		v = strtol(arg, &end, 10);
		if (*end || v < GS_HLL_P_MIN || v > GS_HLL_P_MAX) {
			cli_error("invalid --hll-precision '%s' (%d to %d)",
				  arg, GS_HLL_P_MIN, GS_HLL_P_MAX);
			return -1;
		}
		c->eng.hll_p = (unsigned)v;
		return 1;
	case OPT_MAX_MEMORY:
		/* SIZE[KMG], binary units; 0 for no bound */
		if (cli_parse_size(arg, &n) || (n && n < MAX_MEMORY_MIN)) {
			cli_error(
				"invalid --max-memory '%s' (a size such as 64M, at least 1M, or 0)",
				arg);
			return -1;
		}
		c->eng.max_bytes = n;
		return 1;
	case OPT_WINDOW_FROM:
	case OPT_WINDOW_TO: {
		int64_t t;
		if (gs_generate_parse_time(arg, &t) != 0) {
			cli_error(
				"invalid --%s '%s' (an RFC 3339 time or a date, "
				"e.g. 2017-10-01 or 2017-10-01T12:00:00Z)",
				opt == OPT_WINDOW_FROM ? "window-from"
						       : "window-to",
				arg);
			return -1;
		}
		/* seconds: the parser generate's --start uses */
		t *= 1000;
		if (opt == OPT_WINDOW_FROM) {
			c->ing.window_from = t;
		} else {
			c->ing.window_to = t;
			c->window_to_given = 1;
		}
		return 1;
	}
	case OPT_SINCE:
	case OPT_UNTIL: {
		int64_t t;
		const char *name = opt == OPT_SINCE ? "since" : "until";
		if (gs_generate_parse_time(arg, &t) != 0) {
			cli_error(
				"invalid --%s '%s' (an RFC 3339 time or a date, "
				"e.g. 2017-10-01 or 2017-10-01T12:00:00Z)",
				name, arg);
			return -1;
		}
		t *= 1000;
		/* --until a date: to the end of that day, as a researcher
		 * reads "until 2017-10-31"; a time is excluded itself, as
		 * the Twitter API's end_time is, so that ranges chain */
		if (opt == OPT_UNTIL && strlen(arg) == 10)
			t += GS_MS_DAY;
		*(opt == OPT_SINCE ? &c->since_ms : &c->until_ms) = t;
		*(opt == OPT_SINCE ? &c->since_arg : &c->until_arg) = arg;
		return 1;
	}
	case OPT_LANG:
		if (gs_filter_add_langs(&c->filter, arg)) {
			cli_error(
				"invalid --lang '%s' (language codes such as "
				"en or pt-BR, separated by commas, at most %d)",
				arg, GS_FILTER_MAX_LANGS);
			return -1;
		}
		return 1;
	case OPT_ACCOUNTS:
	case OPT_EXCLUDE_ACCOUNTS:
	case OPT_EXCLUDE_IDS: {
		char why[512];
		int r = opt == OPT_EXCLUDE_IDS
				? gs_filter_load_ids(&c->filter, arg, why,
						     sizeof why)
				: gs_filter_load_accounts(
					  &c->filter, arg,
					  opt == OPT_EXCLUDE_ACCOUNTS, why,
					  sizeof why);
		if (r) {
			cli_error("%s: %s",
				  opt == OPT_ACCOUNTS ? "--accounts"
				  : opt == OPT_EXCLUDE_IDS
					  ? "--exclude-ids"
					  : "--exclude-accounts",
				  why);
			return -1;
		}
		return 1;
	}
	case OPT_SAVE_STATE:
		c->save_state = arg;
		return 1;
	case OPT_NO_OUTPUT:
		c->no_output = 1;
		return 1;
	}
	return 0;
}

/* ---- the trend options --------------------------------------------------- */

int cli_trend_option(struct gs_trend_options *o, int opt, const char *arg)
{
	if (opt == OPT_SCORER) {
		o->scorer = gs_scorer_parse(arg);
		if (o->scorer == GS_SCORER_COUNT_) {
			cli_error(
				"unknown scorer '%s' (significance, mastodon, posts)",
				arg);
			return -1;
		}
		return 1;
	}
	if (opt < OPT_HALFLIFE || opt > OPT_MASTODON_THRESHOLD)
		return 0;
	/* strtod's syntax as it always was: an empty value reads as 0 */
	char *end;
	double v = strtod(arg, &end);
	if (*end || !(v >= 0)) {
		cli_error("invalid value '%s'", arg);
		return -1;
	}
	switch (opt) {
	case OPT_HALFLIFE:
		o->halflife = v;
		break;
	case OPT_THRESHOLD:
		o->threshold = v;
		break;
	case OPT_END_THRESHOLD:
		o->end_threshold = v;
		break;
	case OPT_NOISE_FLOOR:
		o->beta = v;
		break;
	case OPT_MIN_ACCOUNTS:
		o->min_accounts = (unsigned)v;
		break;
	case OPT_WARMUP:
		o->warmup = (unsigned)v;
		break;
	case OPT_POSTS_THRESHOLD:
		o->posts_threshold = v;
		break;
	case OPT_MASTODON_THRESHOLD:
		o->mastodon_threshold = v;
		break;
	}
	return 1;
}

int cli_take_shared(struct cli_common *c, struct cli_given *g,
		    struct gs_trend_options *to, int opt, const char *arg,
		    const char *cmd)
{
	int r = g && cli_given_option(g, opt) ? -1 : 0;
	if (r == 0 && to)
		r = cli_trend_option(to, opt, arg);
	if (r == 0)
		r = cli_common_option(c, opt, arg);
	if (r > 0)
		return 0;
	if (r == 0)
		fprintf(stderr, "see 'groundswell %s --help'\n", cmd);
	return EXIT_USAGE;
}

int cli_parse_top(const char *arg, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || v < lo || v > hi) {
		cli_error("invalid --top '%s'", arg);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}
