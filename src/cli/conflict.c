/* conflict.c - options that contradict each other (see conflict.h). */
#include "conflict.h"

#include <stdio.h>

#include "cli.h"
#include "options.h"

int cli_conflict(const char *a, const char *b, const char *why)
{
	if (why)
		cli_error("options '%s' and '%s' cannot be used together (%s)", a,
			  b, why);
	else
		cli_error("options '%s' and '%s' cannot be used together", a, b);
	return EXIT_USAGE;
}

/* The trend options, by id - OPT_HALFLIFE, and the scorers they apply to. */
static const struct {
	const char *name;
	unsigned scorers; /* 1 << enum gs_scorer */
	const char *instead[GS_SCORER_COUNT_];
} trend_opts[] = {
	{"--halflife", 1u << GS_SCORER_SIGNIFICANCE, {0}},
	{"--threshold",
	 1u << GS_SCORER_SIGNIFICANCE,
	 {NULL, "--mastodon-threshold", "--posts-threshold"}},
	{"--end-threshold", 1u << GS_SCORER_SIGNIFICANCE, {0}},
	{"--noise-floor", 1u << GS_SCORER_SIGNIFICANCE, {0}},
	{"--min-accounts", 1u << GS_SCORER_SIGNIFICANCE, {0}},
	{"--warmup", (1u << GS_SCORER_COUNT_) - 1, {0}}, /* every scorer */
	{"--posts-threshold",
	 1u << GS_SCORER_POSTS,
	 {"--threshold", "--mastodon-threshold", NULL}},
	{"--mastodon-threshold",
	 1u << GS_SCORER_MASTODON,
	 {"--threshold", NULL, "--posts-threshold"}},
};
_Static_assert(
	sizeof trend_opts / sizeof *trend_opts ==
		OPT_MASTODON_THRESHOLD - OPT_HALFLIFE + 1,
	"one entry per numeric trend option, in the order of enum cli_opt");

int cli_given_option(struct cli_given *g, int o)
{
	const char *name = NULL, **slot = NULL;
	switch (o) {
	case OPT_JSON:
		name = "--json", slot = &g->out;
		break;
	case OPT_CSV:
		name = "--csv", slot = &g->out;
		break;
	case OPT_PSEUDONYMIZE_KEY:
		name = "--pseudonymize-key", slot = &g->key;
		break;
	case OPT_PSEUDONYMIZE_KEY_FILE:
		name = "--pseudonymize-key-file", slot = &g->key;
		break;
	case OPT_SCORER:
		g->scorer = 1;
		return 0;
	default:
		if (o >= OPT_HALFLIFE && o <= OPT_MASTODON_THRESHOLD)
			g->trend |= 1u << (o - OPT_HALFLIFE);
		return 0;
	}
	if (*slot && *slot != name)
		return cli_conflict(*slot, name, NULL);
	*slot = name;
	return 0;
}

int cli_given_check_scorer(const struct cli_given *g, enum gs_scorer s)
{
	for (unsigned i = 0; i < sizeof trend_opts / sizeof *trend_opts; i++) {
		if (!(g->trend & (1u << i)) || (trend_opts[i].scorers & (1u << s)))
			continue;
		const char *name = trend_opts[i].name;
		const char *instead = trend_opts[i].instead[s];
		char scorer[64], why[160];
		snprintf(scorer, sizeof scorer, "--scorer %s", gs_scorer_name(s));
		if (!g->scorer) {
			/* the default scorer: say which scorer it belongs to */
			const char *own = "";
			for (int k = 0; k < GS_SCORER_COUNT_; k++)
				if (trend_opts[i].scorers & (1u << k))
					own = gs_scorer_name((enum gs_scorer)k);
			cli_error("option '%s' applies to '--scorer %s' only; the "
				  "scorer is %s (the default)%s%s",
				  name, own, gs_scorer_name(s),
				  instead ? ", whose option is " : "",
				  instead ? instead : "");
			return EXIT_USAGE;
		}
		if (instead)
			snprintf(why, sizeof why,
				 "the %s scorer does not use it; its option is %s",
				 gs_scorer_name(s), instead);
		else
			snprintf(why, sizeof why, "the %s scorer does not use it",
				 gs_scorer_name(s));
		return cli_conflict(name, scorer, why);
	}
	return 0;
}
