/* cmd_tag.c - "groundswell tag TAG FILE...": one tag's full measurement. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "count/handles.h"

static const char help[] =
	"usage: groundswell tag [OPTIONS] TAG FILE...\n"
	"\n"
	"Examples:\n"
	"  groundswell tag MeToo tweets.jsonl\n"
	"  groundswell tag '#metoo' --bucket 1d --json archive.jsonl.zst\n"
	"  groundswell tag MeToo --csv tweets.jsonl > metoo-timeline.csv\n"
	"\n"
	"TAG may be any spelling: #MeToo, metoo and ＭｅＴｏｏ are one tag.\n"
	"Prints posts, originals, reposts, replies, quotes, distinct accounts\n"
	"(with their error), first and last use, the peak bucket, the timeline\n"
	"of posts and distinct accounts per bucket over the whole input (zero\n"
	"buckets included; past 1048576 buckets it is shortened to the tag's own\n"
	"span, and says so), the top co-occurring tags, languages,\n"
	"most-mentioned accounts, most shared links and their domains (counts\n"
	"are lower bounds). --csv prints the timeline. In --json, \"tag\"\n"
	"is the folded key (co-tags too), \"display\" its spelling. Exit status\n"
	"1 when the tag was never used.\n"
	"\n"
	"  -n, --top N            co-tags, languages, mentions, links, domains\n"
	"                         listed (default 10)\n" CLI_COMMON_HELP;

/* kind: 0 co-tags (the folded key as "tag", and "display"), 1 languages,
 * 2 accounts (pseudonymised when asked) */
static void counts_json(FILE *f, const char *field, const struct gs_count *v,
			size_t n, const char *name, const struct cli_common *c,
			int kind)
{
	fprintf(f, ",\"%s\":[", field);
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		fprintf(f, "%s{\"%s\":", i ? "," : "", name);
		gs_json_str(f, kind == 2 ? account_name(c, v[i].name, buf)
				      : v[i].name);
		if (kind == 0) {
			fputs(",\"display\":", f);
			gs_json_str(f, v[i].display);
		}
		if (kind == 2) {
			/* the handle, as pseudonymised as the id */
			const char *h = gs_engine_handle(c->engine, v[i].name);
			fputs(",\"handle\":", f);
			if (h)
				gs_json_str(f,
					    c->have_pseudo
						    ? account_name(c, v[i].name,
								   buf)
						    : h);
			else
				fputs("null", f);
		}
		fprintf(f, ",\"posts\":%llu}", (unsigned long long)v[i].count);
	}
	fputc(']', f);
}

static int print_tag(struct cli_common *c, const char *tag, size_t top)
{
	struct gs_tag_stats t;
	if (gs_engine_tag(c->engine, tag, strlen(tag), &t) != 0) {
		cli_error("tag '%s' was not used in the input", tag);
		return EXIT_NOMATCH;
	}
	struct gs_bucket_stats *tl;
	enum gs_timeline_cover cover = GS_TIMELINE_INPUT;
	ptrdiff_t ntl = gs_engine_timeline_cover(c->engine, t.key, &tl, &cover);
	if (ntl < 0) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (cover != GS_TIMELINE_INPUT)
		/* the documented range could not be kept: never silently */
		fprintf(stderr,
			"groundswell: the input spans more than %zu buckets: "
			"the timeline of '%s' is shortened to %s\n",
			GS_TIMELINE_MAX_BUCKETS, t.key,
			cover == GS_TIMELINE_TAG
				? "the tag's own span (zero buckets included)"
				: "the buckets in which it was used");
	struct gs_count *cot = calloc(top + 1, sizeof *cot);
	struct gs_count *lang = calloc(top + 1, sizeof *lang);
	struct gs_count *ment = calloc(top + 1, sizeof *ment);
	struct gs_count *url = calloc(top + 1, sizeof *url);
	struct gs_count *dom = calloc(top + 1, sizeof *dom);
	if (!cot || !lang || !ment || !url || !dom) {
		free(tl);
		free(cot);
		free(lang);
		free(ment);
		free(url);
		free(dom);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	size_t ncot = gs_engine_cotags(c->engine, t.key, cot, top);
	size_t nlang = gs_engine_languages(c->engine, t.key, lang, top);
	size_t nment = gs_engine_mentions(c->engine, t.key, ment, top);
	size_t nurl = gs_engine_urls(c->engine, t.key, url, top);
	size_t ndom = gs_engine_domains(c->engine, t.key, dom, top);
	FILE *f = stdout;
	char ts[32];
	if (c->out == OUT_JSON) {
		json_tag_fields(f, &t);
		fprintf(f, ",\"timeline_covers\":\"%s\"",
			gs_timeline_cover_name(cover));
		fputs(",\"timeline\":[", f);
		for (ptrdiff_t i = 0; i < ntl; i++) {
			gs_time_text(ts, tl[i].time_ms);
			fprintf(f, "%s{\"time\":", i ? "," : "");
			gs_json_str(f, ts);
			fprintf(f, ",\"posts\":%llu,\"accounts\":%.0f}",
				(unsigned long long)tl[i].posts, tl[i].accounts);
		}
		fputc(']', f);
		counts_json(f, "co_tags", cot, ncot, "tag", c, 0);
		counts_json(f, "languages", lang, nlang, "language", c, 1);
		counts_json(f, "mentions", ment, nment, "account", c, 2);
		/* a link can name an account (a permalink holds a handle):
		 * under a pseudonymisation key only the domains are given */
		if (!c->have_pseudo)
			counts_json(f, "urls", url, nurl, "url", c, 1);
		counts_json(f, "domains", dom, ndom, "domain", c, 1);
		fputs("}\n", f);
	} else if (c->out == OUT_CSV) {
		fputs("time,posts,accounts\n", f);
		for (ptrdiff_t i = 0; i < ntl; i++) {
			gs_time_text(ts, tl[i].time_ms);
			fprintf(f, "%s,%llu,%.0f\n", ts,
				(unsigned long long)tl[i].posts, tl[i].accounts);
		}
	} else {
		char a[32], b[32], p[32], num[32];
		gs_time_text(a, t.first_ms);
		gs_time_text(b, t.last_ms);
		gs_time_text(p, t.peak_ms);
		gs_text_estimate(num, sizeof num, t.accounts);
		fprintf(f, "#%s (key '%s')\n", t.display, t.key);
		fprintf(f, "  accounts   %s%s", t.accounts_error > 0 ? "~" : "", num);
		if (t.accounts_error > 0)
			fprintf(f, " (±%.1f%% standard error)", 100 * t.accounts_error);
		fprintf(f, "\n  posts      %llu (%llu originals, %llu reposts, %llu replies, %llu quotes)\n",
			(unsigned long long)t.posts, (unsigned long long)t.originals,
			(unsigned long long)t.reposts, (unsigned long long)t.replies,
			(unsigned long long)t.quotes);
		if (t.posts_error)
			fprintf(f, "  posts may be undercounted by up to %llu (first seen after an eviction)\n",
				(unsigned long long)t.posts_error);
		char fl[400];
		cli_filtered_line(fl, sizeof fl, c);
		if (fl[0]) /* of the whole input, not only this tag's */
			fprintf(f, "  left out   %s, of all the input\n", fl);
		fprintf(f, "  first      %s\n  last       %s\n  peak       %s (%llu posts)\n",
			a, b, p, (unsigned long long)t.peak_posts);
		fputs("  co-tags   ", f);
		for (size_t i = 0; i < ncot; i++)
			fprintf(f, " #%s (%llu)", cot[i].display,
				(unsigned long long)cot[i].count);
		fputs("\n  languages ", f);
		for (size_t i = 0; i < nlang; i++)
			fprintf(f, " %s (%llu)", lang[i].name, (unsigned long long)lang[i].count);
		fputs("\n  mentioned ", f);
		for (size_t i = 0; i < nment; i++) {
			char buf[64];
			/* "@handle id": a pseudonym stands for both */
			const char *h =
				c->have_pseudo ? NULL
					       : gs_engine_handle(c->engine,
								  ment[i].name);
			fprintf(f, " %s%s%s%s (%llu)", h ? "@" : "", h ? h : "",
				h ? " " : "",
				account_name(c, ment[i].name, buf),
				(unsigned long long)ment[i].count);
		}
		fputs("\n  links     ", f);
		if (c->have_pseudo)
			fputs(" not shown under a pseudonymisation key (a link "
			      "can name an account)",
			      f);
		for (size_t i = 0; i < nurl && !c->have_pseudo; i++)
			fprintf(f, " %s (%llu)", url[i].name,
				(unsigned long long)url[i].count);
		fputs("\n  domains   ", f);
		for (size_t i = 0; i < ndom; i++)
			fprintf(f, " %s (%llu)", dom[i].name,
				(unsigned long long)dom[i].count);
		fputs("\n\n  bucket (UTC)            posts   accounts\n", f);
		uint64_t max = 1;
		for (ptrdiff_t i = 0; i < ntl; i++)
			if (tl[i].posts > max)
				max = tl[i].posts;
		/* on a terminal, the tag's own span is enough */
		for (ptrdiff_t i = 0; i < ntl; i++) {
			if (tl[i].time_ms + c->eng.bucket_ms <= t.first_ms ||
			    tl[i].time_ms > t.last_ms)
				continue;
			gs_time_text(ts, tl[i].time_ms);
			fprintf(f, "  %-20s %8llu %10.0f  ", ts,
				(unsigned long long)tl[i].posts, tl[i].accounts);
			int bar = (int)(40.0 * (double)tl[i].posts / (double)max + 0.5);
			for (int k = 0; k < bar; k++)
				fputs("#", f);
			fputc('\n', f);
		}
	}
	free(tl);
	free(cot);
	free(lang);
	free(ment);
	free(url);
	free(dom);
	return 0;
}

int cmd_tag(int argc, char **argv)
{
	static const struct option own[] = {
		{"help", no_argument, NULL, 'h'},
		{"top", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, own);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	struct cli_common c;
	cli_common_init(&c);
	long top = 10;
	struct cli_given g = {0};
	int o, rc;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hn:" CLI_COMMON_SHORT, opts.v,
				NULL)) != -1) {
		if (o == 'h') {
			fputs(help, stdout);
			cli_common_release(&c);
			return 0;
		}
		if (o == 'n') {
			if (cli_parse_top(optarg, 1, 1000, &top)) {
				cli_common_release(&c);
				return EXIT_USAGE;
			}
			continue;
		}
		if (cli_take_shared(&c, &g, NULL, o, optarg, "tag")) {
			cli_common_release(&c);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("which tag? usage: groundswell tag TAG FILE...");
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	const char *tag = argv[optind++];
	/* cli_read_inputs, with the mentioned accounts' handles kept */
	c.engine = gs_engine_new(&c.eng);
	if (!c.engine) {
		cli_error("out of memory");
		rc = EXIT_USAGE;
	} else {
		gs_engine_keep_handles(c.engine, 1);
		rc = cli_read_into(&c, argc - optind, argv + optind, c.engine,
				   NULL, NULL);
	}
	if (!rc)
		rc = print_tag(&c, tag, (size_t)top);
	cli_common_release_at_exit(&c);
	return rc;
}
