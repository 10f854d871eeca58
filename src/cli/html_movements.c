/*
 * html_movements.c - the movements section of "report --html" (issue 13
 * part 1): the movements `groundswell movements` finds, with the same
 * algorithm and defaults (detect/movement.h: the report's trend events,
 * default movement options, the 20 largest shown), each as a card: its
 * tags with their own counts, by onset; distinct accounts across all of
 * them (the union of the tags' sketches, with its error) beside the sum
 * of the tags' accounts, which a union is not; posts; the onset of each
 * language; a chart of the union's accounts per bucket in the report's
 * chart style, its tags' trend spans shaded; which signals joined each
 * pair and how strongly; the most shared posts.
 *
 * Never silent: no movement, or no co-occurrence counted (merged state
 * files hold none), is said in the section.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "html.h"
#include "html_int.h"
#include "base/timeutil.h"
#include "detect/movement.h"

#define MOVEMENTS_SHOWN 20 /* as `groundswell movements`' --top default */

static void signal_words(FILE *f, unsigned s)
{
	fprintf(f, "%s%s%s", s & GS_MV_POSTS ? "posts" : "",
		(s & GS_MV_POSTS) && (s & GS_MV_ACCOUNTS) ? " + " : "",
		s & GS_MV_ACCOUNTS ? "accounts" : "");
	if (!(s & (GS_MV_POSTS | GS_MV_ACCOUNTS)))
		fputs(s & GS_MV_TIME ? "time only" : "none", f);
}

/* "1,234 ± 10 (0.8%)" or "1,234 exact". */
static void accounts_text(FILE *f, double v, double rse)
{
	char num[32], err[32];
	gs_text_estimate(num, sizeof num, v);
	if (rse > 0) {
		gs_text_estimate(err, sizeof err, v * rse);
		fprintf(f, "~%s<span class=\"err\">± %s (%.1f%%)</span>", num,
			err, 100 * rse);
	} else {
		fprintf(f, "%s<span class=\"err\">exact</span>", num);
	}
}

/* The union's accounts per bucket, its tags' trend spans shaded. */
static int union_chart(FILE *f, const struct gs_movement *m,
		       const struct gs_trend_event *ev, size_t nev,
		       const char *color)
{
	size_t n = m->nbuckets;
	int64_t bucket = m->bucket_ms;
	if (!n || bucket <= 0)
		return 0;
	struct gs_bucket_stats *tl = calloc(n, sizeof *tl);
	if (!tl)
		return GS_ENOMEM;
	double vmax = 0;
	for (size_t i = 0; i < n; i++) {
		tl[i].time_ms = m->first_bucket_ms + (int64_t)i * bucket;
		tl[i].posts = m->bucket_posts[i];
		tl[i].accounts = m->bucket_accounts[i];
		tl[i].accounts_error = m->bucket_accounts_error[i];
		if (tl[i].accounts > vmax)
			vmax = tl[i].accounts;
	}
	char per[48], t[400];
	per_bucket(per, bucket);
	char label[320]; /* the hover says "#NAME (all its tags): N accounts" */
	snprintf(label, sizeof label, "%.256s (all its tags)", m->name);
	struct series s = {m->name, label, color, tl, n};
	struct chart ch;
	chart_init(&ch, 1100, 220, tl[0].time_ms, tl[n - 1].time_ms + bucket,
		   bucket, vmax);
	snprintf(t, sizeof t,
		 "movement %.256s: distinct accounts across its tags %s",
		 m->name, per);
	chart_open(f, &ch, t);
	snprintf(t, sizeof t, "accounts across its tags %s", per);
	chart_axes(f, &ch, t);
	for (size_t k = 0; k < m->ntags; k++)
		for (size_t j = 0; j < nev; j++) {
			if (strcmp(ev[j].key, m->tags[k].key))
				continue;
			int64_t a, b;
			char u[48], v[48];
			trend_span(&ev[j], bucket, &a, &b);
			when(u, a, bucket);
			when_after(v, a, b, bucket);
			snprintf(t, sizeof t, "#%.256s trending %s to %s UTC",
				 m->tags[k].display, u, v);
			chart_band(f, &ch, a, b, color, t, 0);
		}
	chart_line(f, &ch, &s, 1);
	chart_hover(f, &ch, &s, 1);
	fputs("</svg>", f);
	free(tl);
	return 0;
}

static int card(FILE *f, const struct gs_movement *m,
		const struct gs_trend_event *ev, size_t nev, const char *color,
		int show_ids)
{
	char num[32], a[48];
	int64_t bucket = m->bucket_ms > 0 ? m->bucket_ms : GS_MS_HOUR;
	fputs("<article class=\"panel move mv\"><h3><span class=\"dot\" style=\"background:",
	      f);
	fputs(color, f);
	fputs("\"></span><span class=\"t\">", f);
	html_esc(f, m->name);
	fprintf(f, "</span><span class=\"pill st-ended\">%s</span></h3>",
		m->defined ? "given" : "found");
	gs_text_count(num, sizeof num, m->posts);
	fprintf(f, "<div class=\"meta\"><b>%zu</b> tags · <b>%s</b> posts",
		m->ntags, num);
	if (m->posts_error)
		fprintf(f, " (up to %llu fewer: tag combinations were evicted)",
			(unsigned long long)m->posts_error);
	fputs(" · <b class=\"union\">", f);
	accounts_text(f, m->accounts, m->accounts_error);
	gs_text_estimate(num, sizeof num, m->accounts_sum);
	fprintf(f,
		"</b> distinct accounts across its tags (a union: the tags' "
		"accounts add up to <span class=\"sum\">%s</span>)</div>",
		num);
	if (union_chart(f, m, ev, nev, color))
		return GS_ENOMEM;

	fputs("<div class=\"tablewrap\"><table class=\"mvtags\"><thead><tr>"
	      "<th class=\"l\">tag, by onset</th><th>posts</th><th>accounts</th>"
	      "<th class=\"l\">onset (UTC)</th></tr></thead><tbody>",
	      f);
	for (size_t k = 0; k < m->ntags; k++) {
		const struct gs_movement_tag *g = &m->tags[k];
		int trended = g->onset_ms != INT64_MAX;
		fputs("<tr><td class=\"l tag\">#", f);
		html_esc(f, g->display);
		gs_text_count(num, sizeof num, g->posts);
		fprintf(f, "</td><td>%s</td><td>", num);
		accounts_text(f, g->accounts, g->accounts_error);
		when(a, trended ? g->onset_ms : g->first_ms, bucket);
		fprintf(f, "</td><td class=\"l\">%s %s</td></tr>",
			trended ? "trending from" : "first post", a);
	}
	fputs("</tbody></table></div>", f);

	fputs("<div class=\"with\"><div class=\"h\">Languages, by onset (first post "
	      "using one of its tags)</div><div class=\"langs\">",
	      f);
	for (size_t k = 0; k < m->nlangs; k++) {
		when(a, m->langs[k].onset_ms, bucket);
		gs_text_count(num, sizeof num, m->langs[k].tag_uses);
		fputs(k ? " → <b>" : "<b>", f);
		html_esc(f, m->langs[k].code[0] ? m->langs[k].code : "none");
		fprintf(f, "</b> %s (%s uses)", a, num);
	}
	if (!m->nlangs)
		fputs("<span class=\"muted\">no language given</span>", f);
	fputs("</div></div>", f);

	fputs("<div class=\"with\"><div class=\"h\">Joined by (pairs of its tags)</div>"
	      "<ul class=\"pairs\">",
	      f);
	for (size_t k = 0; k < m->npairs; k++) {
		const struct gs_movement_pair *p = &m->pairs[k];
		fputs("<li>#", f);
		html_esc(f, m->tags[p->a].display);
		fputs(" + #", f);
		html_esc(f, m->tags[p->b].display);
		fputs(": <b>", f);
		signal_words(f, p->signals);
		fprintf(f,
			"</b>%s; %llu posts carry both (lift %.1f, G %.0f), ",
			p->signals & GS_MV_TIME ? ", trending together" : "",
			(unsigned long long)p->posts_both, p->posts_lift,
			p->posts_g);
		if (p->accounts_exact)
			fprintf(f,
				"%.0f accounts post both (exact, lift %.1f, G %.0f)",
				p->accounts_both, p->accounts_lift,
				p->accounts_g);
		else
			fprintf(f,
				"%.0f accounts post both (± %.0f, lift %.1f, G %.0f)",
				p->accounts_both, 2 * p->accounts_both_se,
				p->accounts_lift, p->accounts_g);
		fputs("</li>", f);
	}
	if (!m->npairs)
		fputs("<li class=\"muted\">no pair</li>", f);
	fputs("</ul></div>", f);

	/* post ids name their authors once rehydrated (a Bluesky id holds
	 * its author's DID): not under --pseudonymize-key */
	if (m->nshared && show_ids) {
		fputs("<div class=\"with\"><div class=\"h\">Most shared posts</div>",
		      f);
		for (size_t k = 0; k < m->nshared; k++) {
			fputs(k ? ", <code>" : "<code>", f);
			html_esc(f, m->shared[k].name);
			fprintf(f, "</code> (%llu reposts)",
				(unsigned long long)m->shared[k].count);
		}
		fputs("</div>", f);
	}
	fputs("</article>", f);
	return 0;
}

int html_movements(FILE *f, const struct gs_engine *e,
		   const struct gs_cooccur *cc, const struct gs_trend_event *ev,
		   size_t nev, int show_ids)
{
	fputs("<h2 id=\"movements\">Movements</h2><p class=\"lead\">Tags that are one "
	      "movement: they trended in overlapping windows and their posts carry "
	      "both, or the same accounts post both, beyond chance (as "
	      "<code>groundswell movements</code> finds them). Each is measured as one: "
	      "distinct accounts across all its tags are a union, never the sum.</p>",
	      f);
	if (!cc) {
		fputs("<p class=\"panel muted mvnone\">No movements: they need the posts "
		      "themselves, and state files (groundswell merge) hold no "
		      "co-occurrences of tags; run <code>groundswell movements</code> "
		      "on the archive.</p>",
		      f);
		return 0;
	}
	struct gs_movement_options mo;
	gs_movement_options_init(&mo);
	struct gs_movements mv = {0};
	int r = gs_movements_find(e, cc, ev, nev, &mo, &mv);
	if (r) {
		gs_movements_release(&mv);
		return r;
	}
	if (!mv.n)
		fprintf(f,
			"<p class=\"panel muted mvnone\">No movement found: %zu tags "
			"trended, %zu of them could join (%zu had too few accounts or too "
			"many posts each), and no two of those trended together with "
			"shared posts or accounts beyond chance.</p>",
			mv.candidates + mv.spam_left + mv.candidates_left,
			mv.candidates, mv.spam_left);
	size_t shown = mv.n < MOVEMENTS_SHOWN ? mv.n : MOVEMENTS_SHOWN;
	for (size_t i = 0; i < shown && !r; i++)
		r = card(f, &mv.v[i], ev, nev, html_palette[i % HTML_NPALETTE],
			 show_ids);
	if (mv.n > shown)
		fprintf(f,
			"<p class=\"muted\">%zu more movements: "
			"<code>groundswell movements --top %zu</code> lists them.</p>",
			mv.n - shown, mv.n);
	struct gs_cooccur_stats cs;
	gs_cooccur_stats(cc, &cs);
	if (cs.tags_evicted || cs.combos_evicted)
		fprintf(f,
			"<p class=\"muted\">Bounds reached: %llu tags and %llu tag "
			"combinations were evicted; posts may be undercounted as "
			"each card says.</p>",
			(unsigned long long)cs.tags_evicted,
			(unsigned long long)cs.combos_evicted);
	gs_movements_release(&mv);
	return r;
}
