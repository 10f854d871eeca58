/*
 * conflict.h - options that contradict each other are refused.
 *
 * A command records the options it is given (cli_given_option, before it
 * hands them to cli_common_option) and checks them once all are parsed
 * (cli_given_check_scorer and the command's own checks). Two options that
 * cannot both be obeyed (--json and --csv, a key and a key file, a trend
 * option of another scorer) are refused with a message naming both and
 * exit status 2, rather than letting one of them silently win. The same
 * option given twice is not a conflict (the last one counts, as usual).
 *
 * Ownership: nothing here allocates; names point to static strings or to
 * argv.
 */
#ifndef GS_CLI_CONFLICT_H
#define GS_CLI_CONFLICT_H

#include "detect/trend.h"

struct cli_given {
	const char *out; /* "--json" or "--csv", when given */
	const char *key; /* "--pseudonymize-key" or "--pseudonymize-key-file" */
	int scorer;	 /* --scorer given (else the scorer is the default) */
	unsigned trend;	 /* trend options given: 1 << (id - OPT_HALFLIFE) */
};

/* Prints "groundswell: options 'A' and 'B' cannot be used together"
 * (and why, when why is not NULL); returns EXIT_USAGE. */
int cli_conflict(const char *a, const char *b, const char *why);

/* Records option o (an id of options.h; the common and trend options
 * count); 0, or EXIT_USAGE (message printed) when it contradicts one given
 * before. */
int cli_given_option(struct cli_given *g, int o);

/* Refuses trend options that scorer s (the default unless --scorer was
 * given) does not use (--threshold with --scorer posts...). 0 or
 * EXIT_USAGE. */
int cli_given_check_scorer(const struct cli_given *g, enum gs_scorer s);

#endif
