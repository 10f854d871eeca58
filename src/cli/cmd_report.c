/* cmd_report.c - "groundswell report": top tags by distinct accounts. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "html.h"
#include "state_file.h"
#include "base/timeutil.h"
#include "count/cooccur.h"
#include "detect/trend.h"
#include "input/fold.h"
#include "out/timeline.h"

static const char help[] =
	"usage: groundswell report [OPTIONS] FILE...\n"
	"\n"
	"Examples:\n"
	"  groundswell report tweets.jsonl\n"
	"  groundswell report --top 50 --csv part1.jsonl.gz part2.jsonl.zst > top.csv\n"
	"  groundswell report --html report.html tweets.jsonl\n"
	"  cat jetstream.jsonl | groundswell report - --json | jq '.tags[0]'\n"
	"\n"
	"Lists the tags used by the most distinct accounts, with posts, original\n"
	"posts, reposts, replies, quotes, first and last use and the peak bucket.\n"
	"Distinct accounts are exact up to 1,024 per tag, then estimated with a\n"
	"relative standard error of 0.81% (shown as accounts_error).\n"
	"Then the trends, as 'groundswell trends' finds them with its defaults:\n"
	"tag, start, peak, end, status and score (--json: a \"trends\" array).\n"
	"--json also gives each tag's most shared links and their domains\n"
	"(\"urls\", \"domains\": up to 10 each, counts are lower bounds).\n"
	"\n"
	"  -n, --top N            tags listed (default 20; 0 for all; with\n"
	"                         --tags or --tag: all listed)\n"
	"      --html FILE        also write the report as a self-contained HTML\n"
	"                         page with charts (- for stdout: the page only)\n"
	"      --tags FILE        list only the tags in FILE (one a line, with or\n"
	"                         without '#'; empty lines, and lines that are '#'\n"
	"                         alone or '#' then a blank, are skipped), in any\n"
	"                         spelling; a listed tag never used gets a row of\n"
	"                         zeros and a note on stderr\n"
	"      --tag T            the same for one tag (repeatable)\n"
	"      --timeline         one row per (bucket, tag) instead: time, tag,\n"
	"                         display, posts, originals, reposts, replies,\n"
	"                         accounts, accounts_error, over the input's range\n"
	"                         with zero buckets (--csv, --json, or a table)\n" CLI_COMMON_HELP
		CLI_STATE_HELP;

/* ---- the tags of --tags FILE and --tag T (issue 12 part 3) ------------- */

/* A listed tag: its folded key and the spelling it was listed with. */
struct listed {
	char *key, *spelling;
};

struct tag_list {
	struct listed *v;
	size_t n, cap;
	int given; /* --tags or --tag was given (an empty FILE lists none) */
};

static void tag_list_release(struct tag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].spelling);
	}
	free(l->v);
}

/* Adds the tag s[0..n) ('#' or '＃' first, or not) to l; where names it
 * in a message ("FILE:LINE" or "--tag"). 0, or EXIT_USAGE after saying
 * why. */
static int tag_list_add(struct tag_list *l, const char *s, size_t n,
			const char *where)
{
	char key[GS_TAG_MAX + 1];
	const char *t = s + gs_fold_mark(s, n);
	size_t tn = n - (size_t)(t - s);
	int space = 0;
	for (size_t i = 0; i < tn; i++)
		space |= t[i] == ' ' || t[i] == '\t' ||
			 (unsigned char)t[i] < 0x20;
	ssize_t k = tn && !space ? gs_fold(t, tn, key) : -1;
	if (k <= 0) {
		cli_error("%s: '%.*s' is not a tag (%s)", where, (int)n, s,
			  !tn	  ? "nothing after the '#'"
			  : space ? "a tag has no blanks; a comment line "
				    "starts with '# '"
			  : k == GS_ETOOLONG ? "longer than 256 bytes"
					     : "invalid UTF-8");
		return EXIT_USAGE;
	}
	key[k] = 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct listed *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			cli_error("out of memory");
			return EXIT_USAGE;
		}
		l->v = v;
		l->cap = cap;
	}
	char *a = strdup(key), *b = strndup(t, tn);
	if (!a || !b) {
		free(a);
		free(b);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	l->v[l->n].key = a;
	l->v[l->n].spelling = b;
	l->n++;
	return 0;
}

/* Reads --tags FILE into l: one tag a line; blanks around it, a UTF-8 BOM
 * and a CR before the LF are taken off; empty lines, and lines that are
 * '#' alone or '#' then a blank (a comment: no tag holds a blank, while
 * "#metoo" is a tag) are skipped. 0, or EXIT_USAGE after saying why. */
static int tag_list_read(struct tag_list *l, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned long lineno = 0;
	int rc = 0;
	while (!rc && (got = getline(&line, &cap, f)) >= 0) {
		char *p = line, *q = line + got;
		lineno++;
		if (lineno == 1 && got >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3;
		while (q > p && (q[-1] == '\n' || q[-1] == '\r' ||
				 q[-1] == ' ' || q[-1] == '\t'))
			q--;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		if (p == q || (p[0] == '#' &&
			       (q - p == 1 || p[1] == ' ' || p[1] == '\t')))
			continue;
		char where[64 + 4096];
		snprintf(where, sizeof where, "%s:%lu", path, lineno);
		rc = tag_list_add(l, p, (size_t)(q - p), where);
	}
	if (!rc && ferror(f)) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		rc = EXIT_USAGE;
	}
	free(line);
	fclose(f);
	return rc;
}

static int cmp_listed(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->key,
		      ((const struct listed *)b)->key);
}

/* The rows of v[0..n) (ranked) whose keys l lists, in v's order, then a
 * row of zeros for each listed tag the engine does not hold (by key, as
 * the ranking orders ties), each said on stderr; into *out (malloc'ed).
 * Their count, or -1 (out of memory, said). l is sorted and deduplicated
 * by key. */
static ptrdiff_t tag_list_select(struct tag_list *l,
				 const struct gs_tag_stats *v, size_t n,
				 const struct gs_summary *s,
				 struct gs_tag_stats **out)
{
	qsort(l->v, l->n, sizeof *l->v, cmp_listed);
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (k && !strcmp(l->v[k - 1].key, l->v[i].key)) {
			free(l->v[i].key);
			free(l->v[i].spelling);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
	unsigned char *seen = calloc(l->n ? l->n : 1, 1);
	struct gs_tag_stats *r = malloc((l->n ? l->n : 1) * sizeof *r);
	if (!seen || !r) {
		free(seen);
		free(r);
		cli_error("out of memory");
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < n && m < l->n; i++) {
		struct listed want = {(char *)v[i].key, NULL};
		struct listed *x =
			bsearch(&want, l->v, l->n, sizeof *l->v, cmp_listed);
		if (x) {
			seen[x - l->v] = 1;
			r[m++] = v[i];
		}
	}
	size_t missing = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (seen[i])
			continue;
		struct gs_tag_stats z = {0};
		z.key = l->v[i].key;
		z.display = l->v[i].spelling;
		z.first_ms = INT64_MAX; /* no time: written empty */
		z.last_ms = z.peak_ms = INT64_MIN;
		r[m++] = z;
		if (++missing <= 10)
			fprintf(stderr,
				"groundswell: tag '%s' was not used in the "
				"input%s: listed with zero counts\n",
				l->v[i].spelling,
				s->tags_evicted ? " (or it was evicted, as "
						  "rare tags are past "
						  "--max-tags or --max-memory)"
						: "");
	}
	if (missing > 10)
		fprintf(stderr,
			"groundswell: %zu more listed tags were not used in the "
			"input: listed with zero counts\n",
			missing - 10);
	free(seen);
	*out = r;
	return (ptrdiff_t)m;
}

static void summary_json(FILE *f, const struct gs_summary *s,
			 const struct cli_common *c)
{
	char a[32], b[32], d[16];
	gs_time_text(a, s->first_ms);
	gs_time_text(b, s->last_ms);
	gs_duration_format(s->bucket_ms, d);
	fprintf(f,
		"{\"posts\":%llu,\"originals\":%llu,\"reposts\":%llu,\"replies\":%llu,"
		"\"quotes\":%llu,\"tagged_posts\":%llu,\"accounts\":%.0f,"
		"\"accounts_error\":%.4f,\"tags\":%llu,\"tags_distinct\":%.0f,"
		"\"tags_evicted\":%llu,\"malformed\":%llu,\"skipped\":%llu,"
		"\"reposts_unresolved\":%llu,\"first_seen\":",
		(unsigned long long)s->posts, (unsigned long long)s->originals,
		(unsigned long long)s->reposts, (unsigned long long)s->replies,
		(unsigned long long)s->quotes, (unsigned long long)s->tagged_posts,
		s->accounts, s->accounts_error, (unsigned long long)s->tags_tracked,
		s->tags_distinct, (unsigned long long)s->tags_evicted,
		(unsigned long long)s->malformed, (unsigned long long)s->skipped,
		(unsigned long long)s->reposts_unresolved);
	a[0] ? gs_json_str(f, a) : (void)fputs("null", f);
	fputs(",\"last_seen\":", f);
	b[0] ? gs_json_str(f, b) : (void)fputs("null", f);
	fputs(",\"bucket\":", f);
	gs_json_str(f, d);
	fputs(",\"skipped_by_kind\":", f);
	cli_nonpost_json(f, c);
	fprintf(f, ",\"out_of_window\":%llu",
		(unsigned long long)c->out_of_window);
	cli_filtered_json(f, c);
	fputc('}', f);
}

static char *put_lit(char *q, const char *s)
{
	size_t n = strlen(s);
	memcpy(q, s, n);
	return q + n;
}

/* key then v in decimal */
static char *put_field(char *q, const char *key, uint64_t v)
{
	char d[20];
	int n = 0;
	q = put_lit(q, key);
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*q++ = d[--n];
	return q;
}

/* s as a JSON string at q, which has room for 6 * strlen(s) + 2 bytes. */
static char *put_str(char *q, const char *s)
{
	*q++ = '"';
	q += gs_json_escape(q, s, strlen(s), 0);
	*q++ = '"';
	return q;
}

/* The fields of a tag, written into one buffer with integers formatted by
 * hand: fprintf's formatting was a fifth of a Jetstream report's time
 * (docs/performance.md). Doubles that are not whole go through printf, and
 * strings are escaped as gs_json_str() does, so the bytes are the same. */
void json_tag_fields(FILE *f, const struct gs_tag_stats *t)
{
	char a[32], b[32], p[32];
	size_t kn = strlen(t->key), dn = strlen(t->display);
	char small[2048];
	size_t need = 6 * (kn + dn) + 512;
	char *buf = need <= sizeof small ? small : malloc(need), *q = buf;
	if (!buf)
		return;
	gs_time_text(a, t->first_ms);
	gs_time_text(b, t->last_ms);
	gs_time_text(p, t->peak_ms);
	q = put_lit(q, "{\"tag\":");
	q = put_str(q, t->key);
	q = put_lit(q, ",\"display\":");
	q = put_str(q, t->display);
	q = put_field(q, ",\"posts\":", t->posts);
	q = put_field(q, ",\"originals\":", t->originals);
	q = put_field(q, ",\"reposts\":", t->reposts);
	q = put_field(q, ",\"replies\":", t->replies);
	q = put_field(q, ",\"quotes\":", t->quotes);
	q = put_field(q, ",\"posts_error\":", t->posts_error);
	if (t->accounts >= 0 && t->accounts < 9e15 && t->accounts == (double)(uint64_t)t->accounts)
		q = put_field(q, ",\"accounts\":", (uint64_t)t->accounts);
	else
		q += snprintf(q, 64, ",\"accounts\":%.0f", t->accounts);
	if (t->accounts_error == 0)
		q = put_lit(q, ",\"accounts_error\":0.0000");
	else
		q += snprintf(q, 64, ",\"accounts_error\":%.4f", t->accounts_error);
	/* times are RFC 3339 (digits, '-', ':', '.', 'T', 'Z'): nothing to
	 * escape, so copied as they are */
	q = put_lit(q, ",\"first_seen\":\"");
	q = put_lit(q, a);
	q = put_lit(q, "\",\"last_seen\":\"");
	q = put_lit(q, b);
	q = put_lit(q, "\",\"peak\":{\"time\":\"");
	q = put_lit(q, p);
	*q++ = '"';
	q = put_field(q, ",\"posts\":", t->peak_posts);
	*q++ = '}';
	fwrite(buf, 1, (size_t)(q - buf), f);
	if (buf != small)
		free(buf);
}

/* Issue 12 part 4: the most shared links and domains of a tag, at most
 * REPORT_LINKS of each ("urls": [{"url", "posts"}], "domains":
 * [{"domain", "posts"}], posts the summaries' lower bounds). Under a
 * pseudonymisation key (pseudo) no "urls": a link can name an account. */
#define REPORT_LINKS 10

static void links_json(FILE *f, const struct gs_engine *e, const char *key,
		       int pseudo)
{
	struct gs_count v[REPORT_LINKS];
	for (int k = pseudo ? 1 : 0; k < 2; k++) {
		size_t n = k ? gs_engine_domains(e, key, v, REPORT_LINKS)
			     : gs_engine_urls(e, key, v, REPORT_LINKS);
		fputs(k ? ",\"domains\":[" : ",\"urls\":[", f);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? (k ? ",{\"domain\":" : ",{\"url\":")
				: (k ? "{\"domain\":" : "{\"url\":"),
			      f);
			gs_json_str(f, v[i].name);
			fprintf(f, ",\"posts\":%llu}",
				(unsigned long long)v[i].count);
		}
		fputc(']', f);
	}
}

static void tag_json(FILE *f, const struct gs_engine *e,
		     const struct gs_tag_stats *t, int pseudo)
{
	json_tag_fields(f, t);
	links_json(f, e, t->key, pseudo);
	fputc('}', f);
}

static void print_summary_line(FILE *f, const struct gs_summary *s,
			       const struct cli_common *c)
{
	char p[32], r[32], rp[32], a[32], t0[32], t1[32];
	gs_text_estimate(p, sizeof p, (double)s->posts);
	gs_text_estimate(r, sizeof r, (double)s->reposts);
	gs_text_estimate(rp, sizeof rp, (double)s->replies);
	gs_text_estimate(a, sizeof a, s->accounts);
	gs_time_text(t0, s->first_ms);
	gs_time_text(t1, s->last_ms);
	fprintf(f, "%s posts (%s reposts, %s replies) from %s%s accounts", p, r,
		rp, s->accounts_error > 0 ? "~" : "", a);
	if (s->accounts_error > 0)
		fprintf(f, " (±%.1f%%)", 100 * s->accounts_error);
	if (t0[0])
		fprintf(f, ", %s to %s", t0, t1);
	/* the tags tracked are exactly the distinct tags until one is
	 * evicted; only then is the distinct count an estimate */
	if (s->tags_evicted)
		fprintf(f,
			"\n%llu tags tracked (~%.0f distinct, %llu rare ones evicted)",
			(unsigned long long)s->tags_tracked, s->tags_distinct,
			(unsigned long long)s->tags_evicted);
	else
		fprintf(f, "\n%llu distinct tags",
			(unsigned long long)s->tags_tracked);
	fprintf(f,
		"; %llu malformed lines skipped, %llu non-post events skipped",
		(unsigned long long)s->malformed,
		(unsigned long long)s->skipped);
	cli_nonpost_text(f, c);
	if (s->reposts_unresolved)
		fprintf(f, ", %llu reposts of unseen posts",
			(unsigned long long)s->reposts_unresolved);
	if (c->out_of_window)
		fprintf(f,
			", %llu posts dated outside the time window left out",
			(unsigned long long)c->out_of_window);
	cli_filtered_text(f, c);
	fputs("\n\n", f);
}

static void table(FILE *f, const struct cli_common *c,
		  const struct gs_summary *s,
		  const struct gs_tag_stats *v, size_t n)
{
	print_summary_line(f, s, c);
	int tw = 3;
	for (size_t i = 0; i < n; i++) {
		int w = display_width(v[i].display) + 1;
		if (w > tw)
			tw = w > 40 ? 40 : w;
	}
	fprintf(f, "%4s  ", "#");
	print_padded(f, "tag", tw, 0);
	fprintf(f, "  %16s %10s %10s %9s %9s  %-20s  %s\n", "accounts", "posts",
		"originals", "reposts", "replies", "peak (UTC)", "peak posts");
	for (size_t i = 0; i < n; i++) {
		const struct gs_tag_stats *t = &v[i];
		char name[300], acc[48], num[32], p[32], o[32], r[32], rp[32], pk[32];
		snprintf(name, sizeof name, "#%s", t->display);
		gs_text_estimate(num, sizeof num, t->accounts);
		if (t->accounts_error > 0)
			snprintf(acc, sizeof acc, "~%s ±%.1f%%", num, 100 * t->accounts_error);
		else
			snprintf(acc, sizeof acc, "%s", num);
		gs_text_estimate(p, sizeof p, (double)t->posts);
		gs_text_estimate(o, sizeof o, (double)t->originals);
		gs_text_estimate(r, sizeof r, (double)t->reposts);
		gs_text_estimate(rp, sizeof rp, (double)t->replies);
		gs_time_text(pk, t->peak_ms);
		fprintf(f, "%4zu  ", i + 1);
		print_padded(f, name, tw, 0);
		fprintf(f, "  %16s %10s %10s %9s %9s  %-20s  %llu\n", acc, p, o, r,
			rp, pk, (unsigned long long)t->peak_posts);
	}
}

static void trend_json(FILE *f, const struct gs_trend_row *x)
{
	gs_trend_json_fields(f, x);
	fputc('}', f);
}

static void trends_table(FILE *f, const struct gs_trend_row *x, size_t n,
			 const char *note)
{
	if (!n && note) {
		fprintf(f, "\nTrends: none could start (%s; --warmup)\n", note);
		return;
	}
	if (!n) {
		fputs("\nTrends: none (no tag rose far enough above its own baseline)\n", f);
		return;
	}
	int tw = 24;
	for (size_t i = 0; i < n; i++) {
		int w = display_width(x[i].display) + 1;
		if (w > tw)
			tw = w > 40 ? 40 : w;
	}
	fprintf(f, "\nTrends (%zu)\n\n  ", n);
	print_padded(f, "tag", tw, 0);
	fprintf(f, "  %-20s  %-20s  %-20s  %-8s %8s\n", "start (UTC)", "peak", "end",
		"status", "score");
	for (size_t i = 0; i < n; i++) {
		const struct gs_trend_event *e = x[i].ev;
		char name[300], a[32], b[32], d[32] = "-";
		snprintf(name, sizeof name, "#%s", x[i].display);
		gs_time_text(a, e->start_ms);
		gs_time_text(b, e->peak_ms);
		if (e->end_ms >= 0)
			gs_time_text(d, e->end_ms);
		fputs("  ", f);
		print_padded(f, name, tw, 0);
		fprintf(f, "  %-20s  %-20s  %-20s  %-8s %8.1f\n", a, b, d,
			gs_trend_status_name(e->status), e->score);
	}
}

static void csv(FILE *f, const struct gs_tag_stats *v, size_t n)
{
	fputs("rank,tag,display,accounts,accounts_error,posts,originals,reposts,"
	      "replies,quotes,posts_error,first_seen,last_seen,peak_time,peak_posts\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		const struct gs_tag_stats *t = &v[i];
		char a[32], b[32], p[32];
		gs_time_text(a, t->first_ms);
		gs_time_text(b, t->last_ms);
		gs_time_text(p, t->peak_ms);
		fprintf(f, "%zu,", i + 1);
		gs_csv_str(f, t->key);
		fputc(',', f);
		gs_csv_str(f, t->display);
		fprintf(f, ",%.0f,%.4f,%llu,%llu,%llu,%llu,%llu,%llu,%s,%s,%s,%llu\n",
			t->accounts, t->accounts_error, (unsigned long long)t->posts,
			(unsigned long long)t->originals, (unsigned long long)t->reposts,
			(unsigned long long)t->replies, (unsigned long long)t->quotes,
			(unsigned long long)t->posts_error, a, b, p,
			(unsigned long long)t->peak_posts);
	}
}

/* What --tags, --tag and --timeline ask of report_write_sel(). */
struct report_sel {
	struct tag_list *list; /* when list->given, only its tags */
	int top_given;	       /* --top given (else, with a list: all of it) */
	int timeline;	       /* --timeline */
};

static int report_write_sel(struct cli_common *c, size_t top,
			    const char *html_path, const struct report_sel *sel,
			    const struct gs_cooccur *cc)
{
	struct gs_summary s;
	struct gs_tag_stats *v, *rows, *sel_rows = NULL;
	const struct gs_trend_event *ev = NULL;
	struct gs_trend_row *tr = NULL;
	size_t nev = 0;
	FILE *hf = NULL;
	int rc = 0;
	int timeline = sel && sel->timeline;
	int listed = sel && sel->list && sel->list->given;
	gs_engine_summary(c->engine, &s);
	/* Trends first, and only their events kept: the detector's 4 MB of
	 * baselines are gone before the list of every tag is made (the
	 * peak of a report is here, after reading). The timeline alone
	 * needs none. */
	struct gs_trend *t = timeline && !html_path
				     ? NULL
				     : gs_trend_new(NULL, c->eng.bucket_ms);
	struct gs_trend_event *evc = NULL;
	if (t && gs_trend_run_batch(t, c->engine) == 0) {
		const struct gs_trend_event *e0;
		nev = gs_trend_events(t, &e0);
		evc = malloc((nev ? nev : 1) * sizeof *evc);
		if (evc && nev)
			memcpy(evc, e0, nev * sizeof *evc);
	} else if (!t && timeline && !html_path) {
		evc = malloc(sizeof *evc);
	}
	gs_trend_free(t);
	ev = evc;
	ptrdiff_t n = evc ? gs_engine_tags(c->engine, &v) : -1;
	tr = n >= 0 ? calloc(nev ? nev : 1, sizeof *tr) : NULL;
	if (!tr) {
		if (n >= 0)
			free(v);
		free(evc);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	trend_rows(c->engine, ev, nev, tr);
	rows = v;
	if (listed) {
		n = tag_list_select(sel->list, v, (size_t)n, &s, &sel_rows);
		if (n < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
		rows = sel_rows;
		if (!sel->top_given)
			top = 0;
	}
	if (html_path) {
		hf = strcmp(html_path, "-") ? fopen(html_path, "w") : stdout;
		if (!hf) {
			cli_error("cannot write '%s': %s", html_path, strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
	}
	size_t k = top && (size_t)n > top ? top : (size_t)n;
	char note[128];
	int short_input = !nev && trends_warmup_note(c->engine, NULL, note,
						     sizeof note, NULL, NULL);
	if (hf == stdout) {
		/* the page alone */
	} else if (timeline) {
		size_t shortened = 0;
		int r = c->out == OUT_JSON
				? gs_timeline_json(stdout, c->engine, rows, k,
						   &shortened)
			: c->out == OUT_CSV
				? gs_timeline_csv(stdout, c->engine, rows, k,
						  &shortened)
				: gs_timeline_text(stdout, c->engine, rows, k,
						   &shortened);
		if (r) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
		}
		if (shortened)
			/* the documented range could not be kept: never
			 * silently (as 'tag' says it) */
			fprintf(stderr,
				"groundswell: the input spans more than %zu "
				"buckets: the timelines of %zu tags are "
				"shortened to their own span or to the buckets "
				"in which they were used (timeline_covers in "
				"--json)\n",
				GS_TIMELINE_MAX_BUCKETS, shortened);
	} else if (c->out == OUT_JSON) {
		fputs("{\"summary\":", stdout);
		summary_json(stdout, &s, c);
		fputs(",\"tags\":[", stdout);
		for (size_t i = 0; i < k; i++) {
			if (i)
				fputc(',', stdout);
			tag_json(stdout, c->engine, &rows[i], c->have_pseudo);
		}
		fputs("],\"trends\":[", stdout);
		for (size_t i = 0; i < nev; i++) {
			if (i)
				fputc(',', stdout);
			trend_json(stdout, &tr[i]);
		}
		fputs("],\"trends_note\":", stdout);
		short_input ? gs_json_str(stdout, note)
			    : (void)fputs("null", stdout);
		fputs("}\n", stdout);
	} else if (c->out == OUT_CSV) {
		csv(stdout, rows, k);
	} else {
		table(stdout, c, &s, rows, k);
		trends_table(stdout, tr, nev, short_input ? note : NULL);
	}
	if (hf) {
		int r = listed ? html_report_tags(hf, c, ev, nev, top, rows,
						  (size_t)n, cc)
			       : html_report(hf, c, ev, nev, top, cc);
		if (hf != stdout && fclose(hf) != 0 && !r)
			r = GS_EIO;
		if (r) {
			cli_error("cannot write '%s': %s", html_path, gs_strerror(r));
			rc = EXIT_USAGE;
		}
	}
out:
	free(tr);
	free(v);
	free(sel_rows);
	free(evc);
	return rc;
}

int report_write(struct cli_common *c, size_t top, const char *html_path,
		 const struct gs_cooccur *cc)
{
	return report_write_sel(c, top, html_path, NULL, cc);
}

int report_read(struct cli_common *c, int nfiles, char **files, int html,
		struct gs_cooccur **cc)
{
	*cc = NULL;
	if (!html || cli_state_merging())
		return cli_read_inputs(c, nfiles, files);
	/* the movements section: co-occurrences of the same posts, counted
	 * with the engine's bucket and tag bound (as `movements` does) */
	struct gs_cooccur_options co;
	gs_cooccur_options_init(&co);
	co.bucket_ms = c->eng.bucket_ms;
	co.max_tags = c->eng.max_tags;
	*cc = gs_cooccur_new(&co);
	c->engine = gs_engine_new(&c->eng);
	if (!*cc || !c->engine) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	struct gs_ingest_sink sink = gs_cooccur_sink(*cc);
	return cli_read_into(c, nfiles, files, c->engine, &sink, NULL);
}

/* The movements' counter, left to the exit as the engine is (freeing its
 * tags one by one was 1% of a report --html); kept here, so that leak
 * checkers see it still reachable (volatile: a store never read is
 * otherwise dropped by the compiler). */
static struct gs_cooccur *volatile at_exit_cooccur;

int cmd_report(int argc, char **argv)
{
	static const struct option own[] = {
		{"help", no_argument, NULL, 'h'},
		{"top", required_argument, NULL, 'n'},
		{"html", required_argument, NULL, OPT_HTML},
		{"tags", required_argument, NULL, OPT_TAGS},
		{"tag", required_argument, NULL, OPT_TAG},
		{"timeline", no_argument, NULL, OPT_TIMELINE},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, own);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	cli_options_add_state(&opts);
	struct cli_common c;
	cli_common_init(&c);
	long top = 20;
	const char *html = NULL;
	struct tag_list list = {0};
	struct report_sel sel = {&list, 0, 0};
	struct cli_given g = {0};
	int o, rc;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hn:" CLI_COMMON_SHORT, opts.v,
				NULL)) != -1) {
		if (o == 'h') {
			fputs(help, stdout);
			tag_list_release(&list);
			cli_common_release(&c);
			return 0;
		}
		if (o == 'n') {
			if (cli_parse_top(optarg, 0, LONG_MAX, &top))
				goto usage;
			sel.top_given = 1;
			continue;
		}
		if (o == OPT_HTML) {
			html = optarg;
			continue;
		}
		if (o == OPT_TAGS || o == OPT_TAG) {
			list.given = 1;
			if (o == OPT_TAGS
				    ? tag_list_read(&list, optarg)
				    : tag_list_add(&list, optarg,
						   strlen(optarg), "--tag"))
				goto usage;
			continue;
		}
		if (o == OPT_TIMELINE) {
			sel.timeline = 1;
			continue;
		}
		if (cli_take_shared(&c, &g, NULL, o, optarg, "report"))
			goto usage;
	}
	if (html && !strcmp(html, "-") && (g.out || sel.timeline)) {
		tag_list_release(&list);
		cli_common_release(&c);
		return cli_conflict(
			"--html -", g.out ? g.out : "--timeline",
			"'--html -' writes the page alone on stdout");
	}
	/* report shows no account: handles are read only for an account
	 * list that names some (--accounts, --exclude-accounts) */
	c.ing.no_handles = !c.filter.want_handles && !c.filter.drop_handles;
	rc = cli_state_begin(&c, "report", argc, argv, opts.v,
			     "hn:" CLI_COMMON_SHORT, NULL, NULL);
	struct gs_cooccur *cc = NULL;
	if (!rc)
		rc = report_read(&c, argc - optind, argv + optind,
				 html && !c.no_output, &cc);
	if (!rc && !c.no_output) {
		struct gs_summary s;
		gs_engine_summary(c.engine, &s);
		rc = cli_span_check(&c, s.first_ms, s.last_ms);
	}
	if (!rc && !c.no_output)
		rc = report_write_sel(&c, (size_t)top, html, &sel, cc);
	at_exit_cooccur = cc;
	tag_list_release(&list);
	cli_common_release_at_exit(&c);
	return rc;
usage:
	tag_list_release(&list);
	cli_common_release(&c);
	return EXIT_USAGE;
}
