/*
 * options.h - the subcommands' options: one id each, and one table and one
 * parser for each group of options that several commands take.
 *
 * The groups: the common options (how input is read and counted, and how
 * output is written; every reading command takes them all, serve the ones
 * that make sense for a server) and the trend options (trends and serve).
 * A command builds its getopt_long table from its own entries and the
 * groups (cli_options_add*), handles its own options and hands the others
 * to the groups' parsers (cli_common_option, cli_trend_option), which say
 * whether the option was theirs. Numbers go through the one count parser
 * and the one size parser here.
 *
 * Ownership: the tables are static, or embedded in a struct cli_options the
 * caller owns; nothing here allocates, and names point to static strings.
 */
#ifndef GS_CLI_OPTIONS_H
#define GS_CLI_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "count/hll.h"
#include "detect/trend.h"

struct cli_common;

/*
 * The ids getopt_long returns for long options without a short form (those
 * with one return their letter). They start above every character, so that
 * none is taken for a short option or for getopt's '?' and ':'.
 */
enum cli_opt {
	/* the common options */
	OPT_STRICT = 256,
	OPT_JSON,
	OPT_CSV,
	OPT_MAX_LINE,
	OPT_MAX_TAGS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_PSEUDONYMIZE_KEY,
	OPT_PSEUDONYMIZE_KEY_FILE,
	OPT_SHOW_ERRORS,
	OPT_THREADS,
	OPT_HLL_PRECISION,
	OPT_MAX_MEMORY,
	OPT_WINDOW_FROM,
	OPT_WINDOW_TO,
	/* issue 12 part 2: the filters (filter.h) */
	OPT_SINCE,
	OPT_UNTIL,
	OPT_LANG,
	OPT_ACCOUNTS,
	OPT_EXCLUDE_ACCOUNTS,
	OPT_EXCLUDE_IDS,
	/* the trend options; OPT_HALFLIFE..OPT_MASTODON_THRESHOLD take a
	 * number >= 0 and are kept in this order (conflict.c's table of the
	 * scorers they apply to follows it) */
	OPT_SCORER,
	OPT_HALFLIFE,
	OPT_THRESHOLD,
	OPT_END_THRESHOLD,
	OPT_NOISE_FLOOR,
	OPT_MIN_ACCOUNTS,
	OPT_WARMUP,
	OPT_POSTS_THRESHOLD,
	OPT_MASTODON_THRESHOLD,
	/* trends */
	OPT_LIVE,
	/* trends, serve (issue 13 part 3: per language) */
	OPT_LANGUAGE,
	OPT_BY_LANGUAGE,
	OPT_MAX_LANGUAGES,
	/* report, demo */
	OPT_HTML,
	/* report (issue 12 part 3) */
	OPT_TAGS,
	OPT_TAG,
	OPT_TIMELINE,
	/* demo, generate */
	OPT_SEED,
	OPT_HOURS,
	OPT_RATE,
	OPT_OUTPUT_FORMAT,
	/* generate */
	OPT_START,
	OPT_MALFORMED,
	OPT_POSTS,
	OPT_TRUTH,
	OPT_BYTES_TARGET,
	OPT_VOICE,
	OPT_FAMILIES,
	/* network */
	OPT_DYNAMIC,
	OPT_MIN_WEIGHT,
	OPT_TOP_NODES,
	OPT_MAX_EDGES,
	OPT_MAX_NODES,
	/* serve */
	OPT_LATENESS,
	OPT_CLOSE_IDLE,
	OPT_PORT_FILE,
	OPT_PUBLIC_URL,
	OPT_CORS,
	OPT_MAX_CONNECTIONS,
	OPT_TIMEOUT,
	OPT_MAX_REQUEST,
	OPT_MAX_ANSWER,
	OPT_STREAM_BACKLOG,
	OPT_REQUIRE_APPROVAL,
	OPT_ADMIN_TOKEN_FILE,
	OPT_ADMIN_LOG,
	OPT_STATE,
	OPT_SNAPSHOT_EVERY,
	OPT_TOKEN_FILE,
	OPT_TAG_NETWORK_EDGES,
	OPT_MAX_PER_ADDRESS,
	OPT_MAX_STREAMS,
	OPT_RETRACT_WINDOW, /* issue 12 part 5 */
	OPT_KAFKA_CONFIG,   /* issue 14 */
	OPT_KAFKA_PUBLISH,  /* issue 14 */
	/* tag */
	OPT_IDS, /* issue 12 part 5 */
	/* report, trends, tag, network: state files (issue 14 part 4) */
	OPT_SAVE_STATE,
	OPT_NO_OUTPUT,
	/* movements (issue 13 part 1) */
	OPT_MOVEMENT,
	OPT_MOVEMENTS,
	OPT_MIN_TAG_ACCOUNTS,
	OPT_MIN_LIFT,
	OPT_MIN_G,
	OPT_MAX_COMBOS,
};

/* The short options of the common group, for getopt_long's optstring. */
#define CLI_COMMON_SHORT "b:f:"

#define CLI_STR_(x) #x
#define CLI_STR(x)  CLI_STR_(x)

/* The common options' help, appended to a command's own. */
// clang-format off
#define CLI_COMMON_HELP                                                        \
	"Input options:\n"                                                     \
	"  -f, --input-format F   twitter1, twitter2, jetstream, mastodon or auto\n" \
	"                         (default: detected per line)\n"              \
	"  -b, --bucket D         timeline bucket: 5m, 1h, 1d... (default 1h)\n" \
	"      --strict           stop at the first malformed line (exit 3)\n" \
	"      --max-line N       reject lines over N bytes (default 64M)\n" \
	"      --max-tags N       tags tracked exactly (default 200000)\n"     \
	"      --max-memory SIZE  memory for the tags, about (default 256M; 0:\n" \
	"                         none); past it the rarest tags are evicted\n" \
	"      --show-errors N    malformed lines printed (default 10)\n"      \
	"      --threads N        threads for big plain and .gz/.zst files\n"  \
	"                         (default: CPUs)\n"                           \
	"      --hll-precision P  distinct-account sketch: 2^P registers, exact\n" \
	"                         up to 2^P/16, then 1.04/sqrt(2^P) error ("    \
	CLI_STR(GS_HLL_P_DEFAULT) ")\n"                                        \
	"      --window-from T, --window-to T  posts dated outside [T, T] (RFC\n" \
	"                         3339 or a date) are left out and counted as out\n" \
	"                         of window (default: from 2006-03-21, to a day\n" \
	"                         after now)\n"                                  \
	"      --[no-]progress    progress on stderr (default: if a terminal)\n" \
	"Filters (each post left out is counted in the summary, by reason):\n" \
	"      --since T, --until T  posts dated from T on, and before T (a date:\n" \
	"                         to the end of that day)\n"                   \
	"      --lang CODE[,CODE] posts in these languages (en takes en-US too)\n" \
	"      --accounts FILE, --exclude-accounts FILE  posts by (not by) the\n" \
	"                         accounts listed: ids or handles, one a line\n" \
	"      --exclude-ids FILE posts listed (ids or at:// URIs, one a line)\n" \
	"                         and reposts of them are not counted\n"       \
	"Output options:\n"                                                    \
	"      --json, --csv      machine-readable output (default: a table)\n" \
	"      --pseudonymize-key KEY, --pseudonymize-key-file FILE\n"         \
	"                         replace account ids by keyed hashes\n"
// clang-format on

/* A getopt_long table under construction; v stays {NULL}-terminated. */
#define CLI_OPTIONS_MAX 64
struct cli_options {
	struct option v[CLI_OPTIONS_MAX + 1];
	size_t n;
};

/* Which of the common options a command takes. */
enum cli_common_set {
	CLI_COMMON_ALL,	  /* every reading command */
	CLI_COMMON_SERVE, /* serve: no --strict, --json, --csv, --[no-]progress,
			     --pseudonymize-key (a file only) or --threads */
};

/* The state options' help (report, trends, tag, network). */
// clang-format off
#define CLI_STATE_HELP                                                         \
	"State (for 'groundswell merge'; docs/state.md):\n"                    \
	"      --save-state FILE  also write the run's counting state to FILE\n" \
	"      --no-output        with --save-state: write the state only\n"
// clang-format on

/* Makes s an empty table. */
void cli_options_init(struct cli_options *s);

/* Appends the entries of t, up to its {NULL} entry, to s; aborts (a
 * programming error) past CLI_OPTIONS_MAX. The order of the entries is
 * the order getopt_long lists an ambiguous prefix's candidates in. */
void cli_options_add(struct cli_options *s, const struct option *t);

/* Appends the common options of set, always in the same order. */
void cli_options_add_common(struct cli_options *s, enum cli_common_set set);

/* Appends the state options (--save-state, --no-output), which
 * cli_common_option takes into struct cli_common. */
void cli_options_add_state(struct cli_options *s);

/* Appends the trend options (--scorer ... --mastodon-threshold). */
void cli_options_add_trend(struct cli_options *s);

/* The name of the option of id in table t (without "--"), or "?". */
const char *cli_option_name(const struct option *t, int id);

/* Handles common option opt with argument arg into c; 1 if it was a common
 * option, 0 if not, -1 (message printed) if its argument was invalid. */
int cli_common_option(struct cli_common *c, int opt, const char *arg);

/* The same for the trend options, into o. */
int cli_trend_option(struct gs_trend_options *o, int opt, const char *arg);

struct cli_common;
struct cli_given;

/*
 * An option of the shared groups, as every command takes it: refused when
 * it contradicts one given before (g, when not NULL: conflict.h), else a
 * trend option (when to is not NULL), else a common one. 0 when it was
 * taken; EXIT_USAGE when not, the reason said on stderr (for an option no
 * group knows, after getopt's own message: "see 'groundswell cmd --help'").
 */
int cli_take_shared(struct cli_common *c, struct cli_given *g,
		    struct gs_trend_options *to, int opt, const char *arg,
		    const char *cmd);

/* --top N within lo..hi into *out: 0, or EXIT_USAGE after saying so. */
int cli_parse_top(const char *arg, long lo, long hi, long *out);

/*
 * The one count parser: arg is a decimal integer, as strtoull reads it
 * (leading blanks and a '+' taken) but not starting with '-', with nothing
 * after the digits, within lo..hi; *out is set then. 0, or -1 with *out
 * unchanged.
 */
int cli_parse_count(const char *arg, uint64_t lo, uint64_t hi, uint64_t *out);

/*
 * The one size parser: a byte count read as for cli_parse_count, with an
 * optional binary unit K, M or G (either case: 2^10, 2^20, 2^30); 0 is
 * allowed. 0, or -1 with *out unchanged (also when it overflows a size_t).
 */
int cli_parse_size(const char *arg, size_t *out);

#endif
