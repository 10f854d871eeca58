/* cmd_tag.c - "groundswell tag TAG FILE...": one tag's full measurement. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "state_file.h"
#include "count/handles.h"
#include "count/recent.h"
#include "input/fold.h"

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
	"                         listed (default 10)\n"
	"      --ids              write instead the ids of the posts that carried\n"
	"                         the tag, reposts included, one per line in input\n"
	"                         order (Bluesky: at:// URIs), as a dataset to\n"
	"                         rehydrate; an id seen again among the last\n"
	"                         1,000,000 written is not written twice\n" CLI_COMMON_HELP
		CLI_STATE_HELP;

/* ---- --ids (issue 12 part 5) ----------------------------------------------
 *
 * The ids are written as the posts are read, one thread per file so that
 * the order is the input's: memory is fixed, whatever the input (no spill
 * file is needed). A Bluesky repost carries no tags: it is written when
 * its original, a post carrying the tag, is among the last 500,000 or so
 * such posts (IDS_ORIGINALS_BYTES). A post delivered twice (overlapping
 * captures) is written once when its second delivery comes within
 * IDS_DEDUP_BYTES of ids (about 1,000,000): further apart, twice. */
#define IDS_DEDUP_BYTES	    ((size_t)16 << 20)
#define IDS_ORIGINALS_BYTES ((size_t)8 << 20)

struct ids {
	char key[GS_TAG_MAX]; /* the tag's folded key */
	size_t klen;
	struct gs_recent originals; /* Bluesky posts carrying the tag */
	struct gs_recent seen;	    /* ids written lately */
	uint64_t written, twice;
	FILE *out;
};

static int carries(const struct ids *x, const struct gs_post *p)
{
	char k[GS_TAG_MAX];
	for (size_t i = 0; i < p->ntags; i++) {
		ssize_t n = gs_fold(p->tags[i].p, p->tags[i].n, k);
		if (n > 0 && (size_t)n == x->klen &&
		    !memcmp(k, x->key, x->klen))
			return 1;
	}
	return 0;
}

static uint64_t bsky_key(struct gs_str did, struct gs_str rkey)
{
	return XXH3_64bits_withSeed(rkey.p, rkey.n, XXH3_64bits(did.p, did.n));
}

static int ids_post(void *ctx, const struct gs_post *p)
{
	struct ids *x = ctx;
	char uri[1024];
	const char *id = p->id.p;
	size_t n = p->id.n;
	if (p->format == GS_FORMAT_JETSTREAM && (p->flags & GS_POST_REPOST) &&
	    p->repost_rkey.n) {
		if (!gs_recent_has(&x->originals,
				   bsky_key(p->repost_did, p->repost_rkey)))
			return 0;
		int k = snprintf(
			uri, sizeof uri, "at://%.*s/app.bsky.feed.repost/%.*s",
			(int)p->account.n, p->account.p, (int)p->id.n, p->id.p);
		id = uri;
		n = k > 0 && (size_t)k < sizeof uri ? (size_t)k : 0;
	} else {
		if (!carries(x, p))
			return 0;
		if (p->format == GS_FORMAT_JETSTREAM && p->post_rkey.n) {
			unsigned char none = 0;
			if (gs_recent_put(&x->originals,
					  bsky_key(p->post_did, p->post_rkey),
					  &none, 0))
				return GS_ENOMEM;
			int k = snprintf(uri, sizeof uri,
					 "at://%.*s/app.bsky.feed.post/%.*s",
					 (int)p->post_did.n, p->post_did.p,
					 (int)p->post_rkey.n, p->post_rkey.p);
			id = uri;
			n = k > 0 && (size_t)k < sizeof uri ? (size_t)k : 0;
		}
	}
	if (!n)
		return 0;
	uint64_t h = XXH3_64bits(id, n);
	if (gs_recent_has(&x->seen, h)) {
		x->twice++;
		return 0;
	}
	unsigned char none = 0;
	if (gs_recent_put(&x->seen, h, &none, 0))
		return GS_ENOMEM;
	fwrite(id, 1, n, x->out);
	putc('\n', x->out);
	x->written++;
	return 0;
}

/* Reads the inputs, writing the ids of tag's posts to stdout. */
static int write_ids(struct cli_common *c, const char *tag, int nfiles,
		     char **files)
{
	if (c->have_pseudo) {
		cli_error(
			"--ids writes post ids, which name their authors once "
			"rehydrated (a Bluesky id holds its author's DID): not "
			"with --pseudonymize-key");
		return EXIT_USAGE;
	}
	if (c->out != OUT_TABLE) {
		cli_error(
			"--ids writes one id per line: not with --json or --csv");
		return EXIT_USAGE;
	}
	static struct ids x;
	/* "#" optional, as gs_engine_tag has it */
	ssize_t k = gs_fold_arg(tag, strlen(tag), x.key);
	if (k <= 0) {
		cli_error("'%s' is not a tag", tag);
		return EXIT_USAGE;
	}
	x.klen = (size_t)k;
	x.out = stdout;
	gs_recent_init(&x.originals, IDS_ORIGINALS_BYTES);
	gs_recent_init(&x.seen, IDS_DEDUP_BYTES);
	c->engine = gs_engine_new(&c->eng);
	if (!c->engine) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	c->ing.threads = 1; /* input order */
	struct gs_ingest_sink sink = {&x, NULL, ids_post, NULL, NULL};
	int rc = cli_read_into(c, nfiles, files, c->engine, &sink, NULL);
	gs_recent_release(&x.originals);
	gs_recent_release(&x.seen);
	if (fflush(stdout) != 0 && !rc) {
		cli_error("cannot write the ids: %s", strerror(errno));
		rc = EXIT_USAGE;
	}
	struct gs_tag_stats t;
	if (!rc && gs_engine_tag(c->engine, tag, strlen(tag), &t) != 0) {
		cli_error("tag '%s' was not used in the input", tag);
		return EXIT_NOMATCH;
	}
	if (!rc && x.twice)
		fprintf(stderr,
			"groundswell: %llu ids written; %llu posts delivered "
			"again were written once\n",
			(unsigned long long)x.written,
			(unsigned long long)x.twice);
	return rc;
}

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
		{"ids", no_argument, NULL, OPT_IDS},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, own);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	cli_options_add_state(&opts);
	struct cli_common c;
	cli_common_init(&c);
	long top = 10;
	int ids = 0;
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
		if (o == OPT_IDS) {
			ids = 1;
			continue;
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
	rc = cli_state_begin(&c, "tag", argc, argv, opts.v,
			     "hn:" CLI_COMMON_SHORT, tag, ids ? "--ids" : NULL);
	if (rc) {
		cli_common_release(&c);
		return rc;
	}
	if (ids) {
		rc = write_ids(&c, tag, argc - optind, argv + optind);
		cli_common_release_at_exit(&c);
		return rc;
	}
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
	if (!rc && !c.no_output)
		rc = print_tag(&c, tag, (size_t)top);
	cli_common_release_at_exit(&c);
	return rc;
}
