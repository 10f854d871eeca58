/* cmd_trends.c - "groundswell trends": trend events with their lifecycle. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "state_file.h"
#include "base/timeutil.h"
#include "count/langs.h"
#include "detect/trend.h"
#include "detect/trend_langs.h"
#include "out/trend_json.h"

static const char help[] =
	"usage: groundswell trends [OPTIONS] FILE...\n"
	"\n"
	"Examples:\n"
	"  groundswell trends tweets.jsonl\n"
	"  groundswell trends --json archive.jsonl.zst | jq 'select(.status != \"ended\")'\n"
	"  groundswell trends --scorer mastodon --csv tweets.jsonl > mastodon-trends.csv\n"
	"\n"
	"Says what trended, when it started, peaked and ended, and why: each tag's\n"
	"distinct accounts per bucket against its own moving baseline (a z-score\n"
	"with a noise floor, as in SigniTrend), with the stream's daily cycle\n"
	"divided out. A flood from a few accounts never trends (at least 5\n"
	"distinct accounts per bucket are needed), and a tag used at a steady\n"
	"rate never trends. Verdicts are causal: bucket t is judged on data up to\n"
	"its end, as a live run would have. No bucket flags during the warm-up\n"
	"(--warmup; the mastodon scorer waits a day): on shorter input it says\n"
	"so (\"the input spans 10 buckets; the first 12 never flag\"), with\n"
	"--json as one line {\"note\", \"buckets\", \"warmup\", \"scorer\"}.\n"
	"Options of another scorer than the one chosen are refused.\n"
	"\n"
	"      --scorer S         significance (default), mastodon (day-over-day,\n"
	"                         as Mastodon's trends), posts (posts per bucket)\n"
	"      --halflife N       baseline half-life in buckets (default 24)\n"
	"      --threshold Z      score that starts a trend (default 4)\n"
	"      --end-threshold Z  score under which it ends (default 1)\n"
	"      --noise-floor B    beta, in accounts of the bucket, added to the\n"
	"                         deviation (at least Poisson's; default 3)\n"
	"      --min-accounts N   distinct accounts a bucket needs (default 5)\n"
	"      --warmup N         first buckets that never flag (default 12)\n"
	"      --posts-threshold N  posts per bucket for --scorer posts (100)\n"
	"      --mastodon-threshold S  held score for --scorer mastodon (5)\n"
	"      --live             run bucket by bucket as posts arrive (checks\n"
	"                         that the answer equals the batch one)\n"
	"      --language CODE[,CODE]  the trends of each of these languages,\n"
	"                         each judged against its own baseline\n"
	"      --by-language      the trends of every language, each against\n"
	"                         its own baseline (docs/languages.md)\n"
	"      --max-languages N  languages --by-language tracks, the first to\n"
	"                         appear (default 32; the rest are counted as\n"
	"                         other)\n"
	"A post is in each language the platform gives it, by primary subtag\n"
	"(pt-BR is pt): --language pt gives the trends --lang pt does, with a\n"
	"\"language\" field; several codes are judged apart, where --lang pools\n"
	"them into one stream.\n" CLI_COMMON_HELP CLI_STATE_HELP;

int trends_warmup_note(const struct gs_engine *e,
		       const struct gs_trend_options *o, char *buf, size_t n,
		       uint64_t *span, unsigned *warm)
{
	struct gs_summary s;
	gs_engine_summary(e, &s);
	if (!s.posts || s.bucket_ms <= 0)
		return 0;
	uint64_t k = (uint64_t)((gs_time_bucket(s.last_ms, s.bucket_ms) -
				 gs_time_bucket(s.first_ms, s.bucket_ms)) /
				s.bucket_ms) +
		     1;
	unsigned w = gs_trend_warmup_buckets(o, s.bucket_ms);
	if (k > w)
		return 0;
	snprintf(buf, n,
		 "the input spans %llu bucket%s; the first %u never flag",
		 (unsigned long long)k, k == 1 ? "" : "s", w);
	if (span)
		*span = k;
	if (warm)
		*warm = w;
	return 1;
}

/* One event as a line: the object the server gives (out/trend_json.h). */
static void print_json(struct cli_common *c, const struct gs_engine *e,
		       const struct gs_trend_row *x, enum gs_scorer scorer,
		       const char *lang)
{
	gs_trend_json(stdout, e, x, scorer, c->have_pseudo ? &c->pseudo : NULL);
	if (lang)
		printf(",\"language\":\"%s\"", lang);
	fputs("}\n", stdout);
}

/* What the sink of --live feeds: the live detector, and the span so far
 * (the live path closes every bucket of it, one by one). */
struct live_ctx {
	struct gs_trend_live l;
	struct gs_trend_langs *tl; /* per language (else l) */
	const struct cli_common *c;
	int64_t first_ms, last_ms;
	int too_long; /* the span check said so */
};

/* The sink of --live: each post through the live detector, in order. */
static int live_post(void *ctx, const struct gs_post *p)
{
	struct live_ctx *x = ctx;
	int64_t f = p->time_ms < x->first_ms ? p->time_ms : x->first_ms;
	int64_t l = p->time_ms > x->last_ms ? p->time_ms : x->last_ms;
	if ((f != x->first_ms || l != x->last_ms) &&
	    cli_span_check(x->c, f, l)) {
		x->too_long = 1;
		return GS_EUSAGE;
	}
	x->first_ms = f;
	x->last_ms = l;
	int r = x->tl ? gs_trend_langs_add(x->tl, p)
		      : gs_trend_live_add(&x->l, p);
	return r ? GS_ENOMEM : 0;
}

/* Writes the events ev[0..n) of engine e in the chosen format; lang: the
 * language they are of (NULL: the whole stream), first: the first
 * language written (CSV's header, text's spacing); short_out: set when the
 * input was too short to trend, left to the caller to say (NULL: said
 * here). 0, or EXIT_USAGE when out of memory (said). */
static int print_trends(struct cli_common *c, const struct gs_engine *e,
			const struct gs_trend_event *ev, size_t n,
			const struct gs_trend_options *to, const char *lang,
			int first, int *short_out)
{
	struct gs_trend_row *x = calloc(n ? n : 1, sizeof *x);
	if (!x) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	trend_rows(e, ev, n, x);
	const char *scorer = gs_scorer_name(to->scorer);
	/* a stream within the warm-up cannot trend: say so rather than
	 * letting "no trends" read as "nothing rose" */
	char note[128];
	uint64_t span = 0;
	unsigned warm = 0;
	int short_input = !n && trends_warmup_note(e, to, note, sizeof note,
						   &span, &warm);
	if (short_input && short_out) /* the caller sums them up */
		*short_out = 1;
	else if (short_input)
		fprintf(stderr, "groundswell: %s (--warmup)\n", note);
	if (c->out == OUT_JSON && short_input) {
		fputs("{\"note\":", stdout);
		gs_json_str(stdout, note);
		printf(",\"buckets\":%llu,\"warmup\":%u,\"scorer\":\"%s\"",
		       (unsigned long long)span, warm, scorer);
		if (lang)
			printf(",\"language\":\"%s\"", lang);
		fputs("}\n", stdout);
	} else if (c->out == OUT_JSON) {
		for (size_t i = 0; i < n; i++)
			print_json(c, e, &x[i], to->scorer, lang);
	} else if (c->out == OUT_CSV) {
		if (first)
			printf("%stag,display,start,peak,end,status,score,posts,accounts,peak_accounts\n",
			       lang ? "language," : "");
		for (size_t i = 0; i < n; i++) {
			char a[32], b[32], d[32] = "";
			gs_time_text(a, ev[i].start_ms);
			gs_time_text(b, ev[i].peak_ms);
			if (ev[i].end_ms >= 0)
				gs_time_text(d, ev[i].end_ms);
			if (lang)
				printf("%s,", lang);
			gs_csv_str(stdout, ev[i].key);
			fputc(',', stdout);
			gs_csv_str(stdout, x[i].display);
			printf(",%s,%s,%s,%s,%.2f,%llu,%.0f,%.0f\n", a, b, d,
			       gs_trend_status_name(ev[i].status), ev[i].score,
			       (unsigned long long)x[i].posts, x[i].accounts,
			       ev[i].peak_accounts);
		}
	} else {
		if (lang)
			printf("%slanguage %s: ", first ? "" : "\n", lang);
		printf("%zu trend%s (scorer: %s)\n\n", n, n == 1 ? "" : "s",
		       scorer);
		if (short_input) {
			printf("  none could start: %s (--warmup)\n", note);
			goto done;
		}
		printf("  %-24s %-20s  %-20s  %-20s  %-8s %8s %9s %9s\n", "tag",
		       "start (UTC)", "peak", "end", "status", "score", "posts",
		       "accounts");
		for (size_t i = 0; i < n; i++) {
			char name[300], a[32], b[32], d[32] = "-";
			snprintf(name, sizeof name, "#%s", x[i].display);
			gs_time_text(a, ev[i].start_ms);
			gs_time_text(b, ev[i].peak_ms);
			if (ev[i].end_ms >= 0)
				gs_time_text(d, ev[i].end_ms);
			fputs("  ", stdout);
			print_padded(stdout, name, 24, 0);
			printf(" %-20s  %-20s  %-20s  %-8s %8.1f %9llu %9.0f\n",
			       a, b, d, gs_trend_status_name(ev[i].status),
			       ev[i].score, (unsigned long long)x[i].posts,
			       x[i].accounts);
		}
	}
done:
	free(x);
	return 0;
}

static int run(struct cli_common *c, struct gs_trend_options *to, int live,
	       int nfiles, char **files)
{
	int rc;
	struct gs_trend *t = gs_trend_new(to, c->eng.bucket_ms);
	if (!t) {
		cli_error("invalid trend options");
		return EXIT_USAGE;
	}
	if (live) {
		/* posts through the live path, one file after the other, in
		 * order (one thread): bad lines, non-posts and files without a
		 * post are reported as in batch mode */
		c->engine = gs_engine_new(&c->eng);
		struct live_ctx x = {.c = c};
		x.first_ms = INT64_MAX;
		x.last_ms = INT64_MIN;
		if (!c->engine) {
			gs_trend_free(t);
			cli_error("out of memory");
			return EXIT_USAGE;
		}
		gs_trend_live_init(&x.l, c->engine, t, 0);
		struct gs_ingest_sink sink = {&x, NULL, live_post, NULL, NULL};
		uint64_t malformed = 0, skipped = 0;
		c->ing.threads = 1;
		rc = cli_read_into(c, nfiles, files, NULL, &sink, &malformed);
		if (x.too_long)
			rc = EXIT_USAGE;
		gs_engine_count_malformed(c->engine, malformed);
		for (int k = 0; k < GS_NONPOST_COUNT; k++)
			skipped += c->nonpost[k];
		gs_engine_count_skipped(c->engine, skipped);
		if (!rc && gs_trend_live_finish(&x.l))
			rc = EXIT_USAGE;
		if (x.l.late_posts)
			fprintf(stderr,
				"groundswell: %llu posts arrived after their bucket was closed\n",
				(unsigned long long)x.l.late_posts);
	} else {
		rc = cli_read_inputs(c, nfiles, files);
		if (!rc && c->no_output) { /* the state alone */
			gs_trend_free(t);
			return 0;
		}
		if (!rc) {
			struct gs_summary s;
			gs_engine_summary(c->engine, &s);
			rc = cli_span_check(c, s.first_ms, s.last_ms);
		}
		if (!rc && gs_trend_run_batch(t, c->engine) != 0) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
		}
	}
	if (rc) {
		gs_trend_free(t);
		return rc;
	}
	const struct gs_trend_event *ev;
	size_t n = gs_trend_events(t, &ev);
	rc = print_trends(c, c->engine, ev, n, to, NULL, 1, NULL);
	gs_trend_free(t);
	return rc;
}

/* What --language and --by-language ask for. */
struct lang_ask {
	const char *only; /* --language's list, or NULL: every language */
	size_t max;	  /* --max-languages */
};

/* Says on stderr what the languages left out and why (never silent). */
static void langs_said(const struct gs_langs *L, const struct lang_ask *a)
{
	if (L->other_posts && !a->only)
		fprintf(stderr,
			"groundswell: %llu posts in %llu other language%s not "
			"tracked (the first %zu to appear are: --max-languages)\n",
			(unsigned long long)L->other_posts,
			(unsigned long long)L->other_langs,
			L->other_langs == 1 ? "" : "s", a->max);
	if (L->overflow && !a->only)
		fprintf(stderr,
			"groundswell: more than %d distinct language codes in a "
			"part of the input: the later ones were counted as other "
			"(docs/languages.md)\n",
			GS_LANGS_MAX);
	if (L->no_lang)
		fprintf(stderr,
			"groundswell: %llu post%s without a language left out "
			"(as by --lang; a Bluesky repost has none of its own)\n",
			(unsigned long long)L->no_lang,
			L->no_lang == 1 ? "" : "s");
}

/* The languages' engines, left to the exit (run_langs); volatile, or the
 * store to a variable never read is optimised away and leak checkers see
 * the engines unreachable. */
static struct gs_langs *volatile langs_at_exit;

/* trends --language / --by-language: an engine and a detector per
 * language (count/langs.h, detect/trend_langs.h), batch or --live. */
static int run_langs(struct cli_common *c, struct gs_trend_options *to,
		     int live, const struct lang_ask *a, int nfiles,
		     char **files)
{
	/* batch: parts merge with every language (up to GS_LANGS_MAX) kept
	 * in order of appearance, capped after; live reads in order and
	 * caps as it goes: the same languages either way */
	struct gs_langs *L =
		gs_langs_new(&c->eng, live && !a->only ? a->max : GS_LANGS_MAX);
	struct gs_trend_langs *T = NULL;
	int rc = 0;
	if (!L) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (a->only) {
		int r = gs_langs_only(L, a->only);
		if (r) {
			if (r == GS_ENOMEM)
				cli_error("out of memory");
			else
				cli_error("invalid --language '%s' (primary "
					  "language subtags such as pt or "
					  "en,es, each once; --lang takes "
					  "regions such as pt-BR)",
					  a->only);
			gs_langs_free(L);
			return EXIT_USAGE;
		}
	}
	T = gs_trend_langs_new(L, to, 0);
	if (!T) {
		gs_langs_free(L);
		cli_error("invalid trend options");
		return EXIT_USAGE;
	}
	uint64_t malformed = 0;
	if (live) {
		struct live_ctx x = {.c = c, .tl = T};
		x.first_ms = INT64_MAX;
		x.last_ms = INT64_MIN;
		struct gs_ingest_sink sink = {&x, NULL, live_post, NULL, NULL};
		c->ing.threads = 1;
		rc = cli_read_into(c, nfiles, files, NULL, &sink, &malformed);
		if (x.too_long)
			rc = EXIT_USAGE;
		if (!rc && gs_trend_langs_finish(T)) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
		}
		if (T->late_posts)
			fprintf(stderr,
				"groundswell: %llu posts arrived after their bucket was closed\n",
				(unsigned long long)T->late_posts);
	} else {
		struct gs_ingest_sink sink = gs_langs_sink(L);
		rc = cli_read_into(c, nfiles, files, NULL, &sink, &malformed);
		int64_t f = INT64_MAX, l = INT64_MIN;
		for (size_t i = 0; i < L->n; i++) {
			struct gs_summary s;
			gs_engine_summary(L->v[i].e, &s);
			f = s.first_ms < f ? s.first_ms : f;
			l = s.last_ms > l ? s.last_ms : l;
		}
		if (!rc && f <= l)
			rc = cli_span_check(c, f, l);
		if (!a->only)
			gs_langs_cap(L, a->max);
		if (!rc && gs_trend_langs_run_batch(T)) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
		}
	}
	size_t *order = rc ? NULL : calloc(L->n ? L->n : 1, sizeof *order);
	if (!rc && !order) {
		cli_error("out of memory");
		rc = EXIT_USAGE;
	}
	if (!rc) {
		langs_said(L, a);
		/* --language: in the order asked; else by code */
		if (a->only)
			for (size_t i = 0; i < L->n; i++)
				order[i] = i;
		else
			gs_langs_sorted(L, order);
		size_t shown = 0, short_langs = 0;
		for (size_t k = 0; k < L->n && rc != EXIT_USAGE; k++) {
			size_t i = order[k];
			struct gs_summary s;
			gs_engine_summary(L->v[i].e, &s);
			if (!s.posts) {
				/* never silent: a language asked for that
				 * no post is in */
				fprintf(stderr,
					"groundswell: no post in language '%s' "
					"(--language)\n",
					L->v[i].code);
				rc = EXIT_NOMATCH;
				continue;
			}
			const struct gs_trend_event *ev;
			size_t n = gs_trend_langs_events(T, i, &ev);
			int short_input = 0;
			int r = print_trends(c, L->v[i].e, ev, n, to,
					     L->v[i].code, shown == 0,
					     &short_input);
			if (r)
				rc = r;
			short_langs += (size_t)short_input;
			shown++;
		}
		if (short_langs)
			fprintf(stderr,
				"groundswell: %zu language%s span%s fewer buckets "
				"than the warm-up: none of %s could trend (--warmup)\n",
				short_langs, short_langs == 1 ? "" : "s",
				short_langs == 1 ? "s" : "",
				short_langs == 1 ? "its tags" : "their tags");
		if (!shown && !a->only) {
			fprintf(stderr, "groundswell: no post has a language "
					"the platform gave (--by-language)\n");
			rc = EXIT_NOMATCH;
		}
	}
	free(order);
	gs_trend_langs_free(T);
	/* the process exits next: the languages' engines are left to it, as
	 * cli_common_release_at_exit leaves the engine (freeing their tags
	 * one by one is time spent for nothing), kept reachable for leak
	 * checkers */
	langs_at_exit = L;
	return rc;
}

int cmd_trends(int argc, char **argv)
{
	static const struct option head[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct option tail[] = {
		{"live", no_argument, NULL, OPT_LIVE},
		{"language", required_argument, NULL, OPT_LANGUAGE},
		{"by-language", no_argument, NULL, OPT_BY_LANGUAGE},
		{"max-languages", required_argument, NULL, OPT_MAX_LANGUAGES},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, head);
	cli_options_add_trend(&opts);
	cli_options_add(&opts, tail);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	cli_options_add_state(&opts);
	struct cli_common c;
	struct gs_trend_options to;
	struct cli_given g = {0};
	int live = 0, by_language = 0, o;
	struct lang_ask la = {NULL, GS_LANGS_DEFAULT_MAX};
	uint64_t v;
	cli_common_init(&c);
	gs_trend_options_init(&to);
	optind = 1;
	while ((o = getopt_long(argc, argv, "h" CLI_COMMON_SHORT, opts.v,
				NULL)) != -1) {
		if (o == 'h') {
			fputs(help, stdout);
			cli_common_release(&c);
			return 0;
		}
		if (o == OPT_LIVE) {
			live = 1;
			continue;
		}
		if (o == OPT_LANGUAGE) {
			la.only = optarg;
			continue;
		}
		if (o == OPT_BY_LANGUAGE) {
			by_language = 1;
			continue;
		}
		if (o == OPT_MAX_LANGUAGES) {
			if (cli_parse_count(optarg, 1, GS_LANGS_MAX, &v)) {
				cli_error(
					"invalid --max-languages '%s' (1 to %d)",
					optarg, GS_LANGS_MAX);
				cli_common_release(&c);
				return EXIT_USAGE;
			}
			la.max = (size_t)v;
			by_language = 1;
			continue;
		}
		if (cli_take_shared(&c, &g, &to, o, optarg, "trends")) {
			cli_common_release(&c);
			return EXIT_USAGE;
		}
	}
	if (cli_given_check_scorer(&g, to.scorer)) {
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	if (la.only && by_language) {
		cli_error("--language and --by-language (or --max-languages) "
			  "ask for different things: give one");
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	const char *refuse = live	   ? "--live"
			     : la.only	   ? "--language"
			     : by_language ? "--by-language"
					   : NULL;
	int rc = cli_state_begin(&c, "trends", argc, argv, opts.v,
				 "h" CLI_COMMON_SHORT, NULL, refuse);
	if (!rc)
		rc = la.only || by_language
			     ? run_langs(&c, &to, live, &la, argc - optind,
					 argv + optind)
			     : run(&c, &to, live, argc - optind, argv + optind);
	cli_common_release_at_exit(&c);
	return rc;
}
