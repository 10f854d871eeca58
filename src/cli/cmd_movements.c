/* cmd_movements.c - "groundswell movements FILE...": tags that are one
 * movement, found or given, measured as one (detect/movement.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "count/cooccur.h"
#include "detect/movement.h"
#include "out/movement_json.h"

#define MV_DEFINED_MAX 1024  /* --movement and --movements lines */
#define MV_TAGS_MAX    256   /* tags of one defined movement */
#define MV_LINE_MAX    65536 /* a --movements line */

static const char help[] =
	"usage: groundswell movements [OPTIONS] FILE...\n"
	"\n"
	"Examples:\n"
	"  groundswell movements tweets.jsonl\n"
	"  groundswell movements --movement metoo=MeToo,BalanceTonPorc,YoTambien tweets.jsonl\n"
	"  groundswell movements --movements studies.txt --json archive.jsonl.zst\n"
	"\n"
	"Groups tags into movements: tags that trend in overlapping windows and\n"
	"whose posts carry both, or whose accounts overlap, beyond chance (lift\n"
	"and a Poisson log-likelihood ratio G, so that frequency alone never joins\n"
	"two tags; a tag of few accounts or many posts per account never joins),\n"
	"and says which signal joined each pair and how strongly. Each movement\n"
	"is measured as one: its tags with their own counts, the posts using any\n"
	"of them, the distinct accounts across all of them (the union of the\n"
	"tags' sketches, with its error: never the sum), the onset of each tag\n"
	"and language, a timeline of the union per bucket, its most shared\n"
	"posts. Account overlaps between tags use bottom-k sketches: exact up to\n"
	"1,024 accounts per tag (docs/movements.md states the errors).\n"
	"\n"
	"      --movement NAME=TAG,TAG...  a movement of these tags, measured the\n"
	"                         same way (repeatable; only these are shown)\n"
	"      --movements FILE   one NAME=TAG,TAG... a line ('#' comments)\n"
	"  -n, --top N            found movements shown (default 20)\n"
	"      --min-tag-accounts N  distinct accounts a tag needs to join (20)\n"
	"      --min-lift X       observed / expected a signal needs (2)\n"
	"      --min-g G          log-likelihood ratio a signal needs (30)\n"
	"      --max-combos N     tag combinations held (default 2000000)\n"
	"\n"
	"The trend options (--scorer, --threshold, ...) choose which tags trend,\n"
	"as in 'groundswell trends'.\n" CLI_COMMON_HELP;

struct defined {
	char *name;
	char **tags;
	size_t ntags;
};

struct ctx {
	struct defined d[MV_DEFINED_MAX];
	size_t nd;
};

static void defined_free(struct ctx *x)
{
	for (size_t i = 0; i < x->nd; i++) {
		for (size_t j = 0; j < x->d[i].ntags; j++)
			free(x->d[i].tags[j]);
		free(x->d[i].tags);
		free(x->d[i].name);
	}
	x->nd = 0;
}

/* Parses NAME=TAG,TAG...; 0, or -1 with *why set. */
static int parse_defined(struct ctx *x, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		*why = "expected NAME=TAG,TAG...";
		return -1;
	}
	if (x->nd == MV_DEFINED_MAX) {
		*why = "too many movements (at most 1024)";
		return -1;
	}
	struct defined *d = &x->d[x->nd];
	memset(d, 0, sizeof *d);
	d->name = strndup(arg, (size_t)(eq - arg));
	d->tags = calloc(MV_TAGS_MAX, sizeof *d->tags);
	if (!d->name || !d->tags) {
		free(d->name), free(d->tags);
		*why = "out of memory";
		return -1;
	}
	const char *s = eq + 1;
	while (*s) {
		size_t n = strcspn(s, ",");
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		size_t m = n;
		while (m && (s[m - 1] == ' ' || s[m - 1] == '\t' ||
			     s[m - 1] == '\r'))
			m--;
		if (m) {
			if (d->ntags == MV_TAGS_MAX) {
				*why = "more than 256 tags";
				goto fail;
			}
			d->tags[d->ntags++] = strndup(s, m);
		}
		s += n;
		if (*s == ',')
			s++;
	}
	if (!d->ntags) {
		*why = "no tag after '='";
		goto fail;
	}
	x->nd++;
	return 0;
fail:
	for (size_t j = 0; j < d->ntags; j++)
		free(d->tags[j]);
	free(d->tags);
	free(d->name);
	return -1;
}

static int read_defined_file(struct ctx *x, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char *line = malloc(MV_LINE_MAX);
	unsigned long no = 0;
	int rc = 0;
	while (line && fgets(line, MV_LINE_MAX, f)) {
		no++;
		size_t n = strlen(line);
		if (n == MV_LINE_MAX - 1 && line[n - 1] != '\n') {
			cli_error("%s:%lu: line longer than %d bytes", path, no,
				  MV_LINE_MAX - 1);
			rc = -1;
			break;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		const char *s = line + strspn(line, " \t");
		if (!*s || *s == '#')
			continue;
		const char *why;
		if (parse_defined(x, s, &why)) {
			cli_error("%s:%lu: %s: '%s'", path, no, why, s);
			rc = -1;
			break;
		}
	}
	if (!line) {
		cli_error("out of memory");
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/* ---- the sink: a co-occurrence counter per part ------------------------ */

static void *part_new(void *ctx)
{
	return gs_cooccur_new_like(ctx);
}

static int part_post(void *part, const struct gs_post *p)
{
	return gs_cooccur_add(part, p);
}

static int part_merge(void *ctx, void *part)
{
	return gs_cooccur_merge(ctx, part);
}

static void part_free(void *part)
{
	gs_cooccur_free(part);
}

/* ---- output -------------------------------------------------------------- */

static const char *signal_text(unsigned s, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", s & GS_MV_POSTS ? "posts" : "",
		 (s & GS_MV_POSTS) && (s & GS_MV_ACCOUNTS) ? "+" : "",
		 s & GS_MV_ACCOUNTS ? "accounts" : "");
	if (!buf[0])
		snprintf(buf, n, "%s", s & GS_MV_TIME ? "time only" : "none");
	return buf;
}

static void print_text(const struct gs_movements *mv,
		       const struct gs_cooccur_stats *cs)
{
	char a[64], b[64], t[32];
	for (size_t i = 0; i < mv->n; i++) {
		const struct gs_movement *m = &mv->v[i];
		printf("%smovement %zu: %s (%s)\n", i ? "\n" : "", i + 1,
		       m->name, m->defined ? "given" : "found");
		gs_text_count(a, sizeof a, m->posts);
		gs_text_estimate(b, sizeof b, m->accounts);
		printf("  %zu tags, %s posts, %s distinct accounts", m->ntags,
		       a, b);
		if (m->accounts_error > 0)
			printf(" (+-%.2f%%)", 100 * m->accounts_error);
		else
			printf(" (exact)");
		gs_text_estimate(a, sizeof a, m->accounts_sum);
		printf("; the tags' accounts add up to %s\n", a);
		if (m->posts_error)
			printf("  posts: at most %llu fewer (tag combinations "
			       "were evicted: --max-combos)\n",
			       (unsigned long long)m->posts_error);
		printf("  tags, by onset:\n");
		for (size_t k = 0; k < m->ntags; k++) {
			const struct gs_movement_tag *g = &m->tags[k];
			gs_text_count(a, sizeof a, g->posts);
			gs_text_estimate(b, sizeof b, g->accounts);
			gs_time_text(t, g->onset_ms != INT64_MAX ? g->onset_ms
								 : g->first_ms);
			printf("    #%-24s %10s posts %10s accounts  %s %s\n",
			       g->display, a, b,
			       g->onset_ms != INT64_MAX ? "trending from"
							: "first post",
			       t[0] ? t : "-");
		}
		if (m->npairs)
			printf("  pairs:\n");
		for (size_t k = 0; k < m->npairs; k++) {
			const struct gs_movement_pair *p = &m->pairs[k];
			char sg[32];
			printf("    #%s + #%s: %s%s", m->tags[p->a].display,
			       m->tags[p->b].display,
			       signal_text(p->signals, sg, sizeof sg),
			       p->signals & GS_MV_TIME ? ", trending together"
						       : "");
			printf("; %llu posts carry both (lift %.1f, G %.0f)",
			       (unsigned long long)p->posts_both, p->posts_lift,
			       p->posts_g);
			if (p->accounts_exact)
				printf(", %.0f accounts post both (exact, lift %.1f, G %.0f)\n",
				       p->accounts_both, p->accounts_lift,
				       p->accounts_g);
			else
				printf(", %.0f accounts post both (+-%.0f, lift %.1f, G %.0f)\n",
				       p->accounts_both,
				       2 * p->accounts_both_se,
				       p->accounts_lift, p->accounts_g);
		}
		if (m->nlangs) {
			printf("  languages, by onset:");
			for (size_t k = 0; k < m->nlangs; k++) {
				gs_time_text(t, m->langs[k].onset_ms);
				printf("%s %s %s", k ? "," : "",
				       m->langs[k].code[0] ? m->langs[k].code
							   : "-",
				       t);
			}
			printf("\n");
		}
		if (m->nshared) {
			printf("  most shared posts:");
			for (size_t k = 0; k < m->nshared; k++)
				printf("%s %s (%llu reposts)", k ? "," : "",
				       m->shared[k].name,
				       (unsigned long long)m->shared[k].count);
			printf("\n");
		}
		printf("  timeline (posts, distinct accounts):\n");
		for (size_t k = 0; k < m->nbuckets; k++) {
			if (!m->bucket_posts[k])
				continue;
			gs_time_text(t, m->first_bucket_ms +
						(int64_t)k * m->bucket_ms);
			gs_text_count(a, sizeof a, m->bucket_posts[k]);
			gs_text_estimate(b, sizeof b, m->bucket_accounts[k]);
			printf("    %s %10s %10s\n", t, a, b);
		}
	}
	if (cs->tags_evicted || cs->combos_evicted)
		printf("\n(bounds reached: %llu tags and %llu tag combinations evicted)\n",
		       (unsigned long long)cs->tags_evicted,
		       (unsigned long long)cs->combos_evicted);
}

/* One row per tag of each movement, the movement's figures repeated. */
static void print_csv(FILE *f, const struct gs_movements *mv)
{
	fputs("movement,defined,movement_posts,movement_accounts,movement_accounts_error,"
	      "movement_accounts_sum,tag,display,posts,accounts,first_seen,onset\n",
	      f);
	for (size_t i = 0; i < mv->n; i++) {
		const struct gs_movement *m = &mv->v[i];
		for (size_t k = 0; k < m->ntags; k++) {
			const struct gs_movement_tag *g = &m->tags[k];
			char t1[32], t2[32];
			gs_csv_str(f, m->name);
			fprintf(f, ",%s,%llu,%.0f,%.6g,%.0f,",
				m->defined ? "true" : "false",
				(unsigned long long)m->posts,
				round(m->accounts), m->accounts_error,
				round(m->accounts_sum));
			gs_csv_str(f, g->key);
			fputc(',', f);
			gs_csv_str(f, g->display);
			gs_time_text(t1, g->first_ms);
			gs_time_text(t2, g->onset_ms);
			fprintf(f, ",%llu,%.0f,%s,%s\n",
				(unsigned long long)g->posts,
				round(g->accounts), t1, t2);
		}
	}
}

int cmd_movements(int argc, char **argv)
{
	static const struct option own[] = {
		{"help", no_argument, NULL, 'h'},
		{"top", required_argument, NULL, 'n'},
		{"movement", required_argument, NULL, OPT_MOVEMENT},
		{"movements", required_argument, NULL, OPT_MOVEMENTS},
		{"min-tag-accounts", required_argument, NULL,
		 OPT_MIN_TAG_ACCOUNTS},
		{"min-lift", required_argument, NULL, OPT_MIN_LIFT},
		{"min-g", required_argument, NULL, OPT_MIN_G},
		{"max-combos", required_argument, NULL, OPT_MAX_COMBOS},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, own);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	cli_options_add_trend(&opts);
	struct cli_common c;
	cli_common_init(&c);
	struct gs_trend_options to;
	gs_trend_options_init(&to);
	struct gs_movement_options mo;
	gs_movement_options_init(&mo);
	struct gs_cooccur_options co;
	gs_cooccur_options_init(&co);
	static struct ctx x;
	struct cli_given g = {0};
	long top = 20;
	uint64_t v;
	int o, rc = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hn:" CLI_COMMON_SHORT, opts.v,
				NULL)) != -1) {
		const char *bad = NULL, *why = NULL;
		char *end;
		switch (o) {
		case 'h':
			fputs(help, stdout);
			cli_common_release(&c);
			defined_free(&x);
			return 0;
		case 'n':
			if (cli_parse_top(optarg, 0, 100000, &top))
				rc = EXIT_USAGE;
			break;
		case OPT_MOVEMENT:
			if (parse_defined(&x, optarg, &why)) {
				cli_error("invalid --movement '%s': %s", optarg,
					  why);
				rc = EXIT_USAGE;
			}
			break;
		case OPT_MOVEMENTS:
			if (read_defined_file(&x, optarg))
				rc = EXIT_USAGE;
			break;
		case OPT_MIN_TAG_ACCOUNTS:
			if (cli_parse_count(optarg, 1, UINT32_MAX, &v))
				bad = "--min-tag-accounts";
			else
				mo.min_accounts = (unsigned)v;
			break;
		case OPT_MIN_LIFT:
			mo.min_lift = strtod(optarg, &end);
			if (*end || end == optarg || !(mo.min_lift >= 1) ||
			    mo.min_lift > 1e6)
				bad = "--min-lift (1 or more)";
			break;
		case OPT_MIN_G:
			mo.min_g = strtod(optarg, &end);
			if (*end || end == optarg || !(mo.min_g >= 0) ||
			    mo.min_g > 1e9)
				bad = "--min-g (0 or more)";
			break;
		case OPT_MAX_COMBOS:
			if (cli_parse_count(optarg, 1024, INT32_MAX, &v))
				bad = "--max-combos (1024 to 2147483647)";
			else
				co.max_combos = (size_t)v;
			break;
		default:
			if (cli_take_shared(&c, &g, &to, o, optarg,
					    "movements"))
				rc = EXIT_USAGE;
		}
		if (bad) {
			cli_error("invalid %s: '%s'", bad, optarg);
			rc = EXIT_USAGE;
		}
		if (rc) {
			cli_common_release(&c);
			defined_free(&x);
			return rc;
		}
	}
	co.bucket_ms = c.eng.bucket_ms;
	co.max_tags = c.eng.max_tags;
	struct gs_cooccur *cc = gs_cooccur_new(&co);
	c.engine = gs_engine_new(&c.eng);
	struct gs_trend *t = gs_trend_new(&to, c.eng.bucket_ms);
	if (!cc || !c.engine || !t) {
		cli_error(t ? "out of memory" : "invalid trend options");
		rc = EXIT_USAGE;
		goto done;
	}
	struct gs_ingest_sink sink = {cc, part_new, part_post, part_merge,
				      part_free};
	rc = cli_read_into(&c, argc - optind, argv + optind, c.engine, &sink,
			   NULL);
	if (rc)
		goto done;
	struct gs_summary s;
	gs_engine_summary(c.engine, &s);
	if ((rc = cli_span_check(&c, s.first_ms, s.last_ms)))
		goto done;
	if (gs_trend_run_batch(t, c.engine)) {
		cli_error("out of memory");
		rc = EXIT_USAGE;
		goto done;
	}
	const struct gs_trend_event *ev;
	size_t nev = gs_trend_events(t, &ev);
	struct gs_movements mv = {0};
	int r = 0;
	if (x.nd) {
		for (size_t i = 0; i < x.nd && !r; i++) {
			r = gs_movement_define(c.engine, cc, ev, nev, &mo,
					       x.d[i].name,
					       (const char *const *)x.d[i].tags,
					       x.d[i].ntags, &mv);
			if (r == GS_EUSAGE)
				cli_error(
					"movement '%s': a tag that is not a hashtag, or "
					"a tag given twice",
					x.d[i].name);
		}
	} else {
		r = gs_movements_find(c.engine, cc, ev, nev, &mo, &mv);
	}
	if (r) {
		if (r != GS_EUSAGE)
			cli_error("%s", gs_strerror(r));
		gs_movements_release(&mv);
		rc = EXIT_USAGE;
		goto done;
	}
	struct gs_cooccur_stats cs;
	gs_cooccur_stats(cc, &cs);
	size_t all = mv.n;
	if (!x.nd && mv.n > (size_t)top)
		mv.n = (size_t)top;
	if (c.out == OUT_JSON)
		gs_movements_json(stdout, &mv, &cs);
	else if (c.out == OUT_CSV)
		print_csv(stdout, &mv);
	else
		print_text(&mv, &cs);
	mv.n = all;
	/* given movements: a tag never used, or a movement with no post at
	 * all, is said (the latter exits 1, as 'tag' does) */
	for (size_t i = 0; x.nd && i < mv.n; i++) {
		const struct gs_movement *m = &mv.v[i];
		for (size_t k = 0; k < m->ntags; k++)
			if (!m->tags[k].posts)
				fprintf(stderr,
					"groundswell: movement '%s': tag '%s' was "
					"not used in the input\n",
					m->name, m->tags[k].display);
		if (!m->posts)
			rc = EXIT_NOMATCH;
	}
	if (!x.nd && !mv.n) {
		fprintf(stderr,
			"groundswell: no movement found: %zu tags trended, %zu of them "
			"could join (%zu had too few accounts or too many posts each), "
			"and no two of those trended together with shared posts or "
			"accounts beyond chance\n",
			mv.candidates + mv.spam_left + mv.candidates_left,
			mv.candidates, mv.spam_left);
		rc = EXIT_NOMATCH;
	}
	gs_movements_release(&mv);
done:
	gs_trend_free(t);
	gs_cooccur_free(cc);
	defined_free(&x);
	cli_common_release(&c);
	return rc;
}
