/*
 * html.c - "report --html": one self-contained HTML5 page. Styles are in a
 * <style> block, charts are SVG drawn here, there is no script and nothing
 * is fetched: the page reads the same offline. Every string that came from
 * the input (tags, spellings) goes through html_esc().
 *
 * The page: a summary and how to read it; distinct accounts per bucket of
 * the top tags with their trend spans shaded; one card per top trend
 * (the trend events with the highest scores) with its own chart and the
 * tags used with it; the movements (html_movements.c: tags grouped into
 * one); the magnitude table; the trends table.
 */
#include "html.h"
#include "html_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "cli.h"
#include "base/timeutil.h"

#define OVERVIEW_SERIES 6 /* lines in the top-tags chart */
#define MOVEMENTS 6       /* movement cards */
#define COTAGS 6          /* co-occurring tags per card */
#define TREND_ROWS 200    /* rows of the trends table at most */

const char *const html_palette[HTML_NPALETTE] = {
	"#2563eb", "#ea580c", "#059669", "#db2777", "#7c3aed",
	"#0891b2", "#b45309", "#dc2626", "#4d7c0f", "#475569",
};

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* ---- text ---------------------------------------------------------------- */

void html_esc(FILE *f, const char *s)
{
	static const char repl[] = "\xEF\xBF\xBD"; /* U+FFFD */
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n = (utf8proc_ssize_t)strlen(s);
	while (n > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, n, &cp);
		if (k <= 0) {
			fputs(repl, f);
			p++;
			n--;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((cp < 0x20 && cp != '\n' && cp != '\t') ||
			    (cp >= 0x7f && cp < 0xa0) ||
			    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
				fputs(repl, f);
			else
				fwrite(p, 1, (size_t)k, f);
		}
		p += k;
		n -= k;
	}
}

static void utc_tm(int64_t ms, struct tm *tm)
{
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)s;
	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof *tm);
}

/* "2017-10-13 23:00" (seconds too when buckets are not whole minutes; the
 * date alone for midnight when buckets are whole days). */
void when(char buf[48], int64_t ms, int64_t bucket)
{
	struct tm tm;
	if (ms == INT64_MAX || ms == INT64_MIN) {
		strcpy(buf, "—");
		return;
	}
	utc_tm(ms, &tm);
	strftime(buf, 48,
		 bucket % GS_MS_DAY == 0 && ms % GS_MS_DAY == 0 ? "%Y-%m-%d"
		 : bucket % GS_MS_MINUTE ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M",
		 &tm);
}

/* The end of a span in the fewest words: "08:00" on the start's day. */
void when_after(char buf[48], int64_t from, int64_t ms, int64_t bucket)
{
	struct tm a, b;
	utc_tm(from, &a);
	utc_tm(ms, &b);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday && bucket < GS_MS_DAY)
		strftime(buf, 48, bucket % GS_MS_MINUTE ? "%H:%M:%S" : "%H:%M", &b);
	else
		when(buf, ms, bucket);
}

/* 950, 1.5k, 12k, 2.3M: axis labels. */
static void compact(char buf[32], double v)
{
	const char *unit = "";
	if (v >= 1e6) {
		v /= 1e6;
		unit = "M";
	} else if (v >= 1e4) {
		v /= 1e3;
		unit = "k";
	}
	if (unit[0] && v < 10 && fabs(v - round(v)) > 1e-9)
		snprintf(buf, 32, "%.1f%s", v, unit);
	else if (unit[0])
		snprintf(buf, 32, "%.0f%s", v, unit);
	else
		gs_text_estimate(buf, 32, v);
}

void per_bucket(char buf[48], int64_t bucket)
{
	char d[16];
	if (bucket == GS_MS_HOUR)
		strcpy(buf, "per hour");
	else if (bucket == GS_MS_DAY)
		strcpy(buf, "per day");
	else if (bucket == GS_MS_MINUTE)
		strcpy(buf, "per minute");
	else if (bucket == GS_MS_WEEK)
		strcpy(buf, "per week");
	else {
		gs_duration_format(bucket, d);
		snprintf(buf, 48, "per %s bucket", d);
	}
}

/* ---- trend rows ---------------------------------------------------------- */

/* The span a trend covers on a chart: first flagged bucket up to the one it
 * fell back in (or through the last bucket evaluated while open). */
void trend_span(const struct gs_trend_event *e, int64_t bucket, int64_t *from,
		int64_t *to)
{
	*from = e->start_ms;
	*to = e->end_ms >= 0 ? e->end_ms : e->last_ms + bucket;
	if (*to <= *from)
		*to = *from + bucket;
}

/* ---- charts -------------------------------------------------------------- */

static double nice_step(double raw)
{
	if (!(raw > 0))
		return 1;
	double e = pow(10, floor(log10(raw)));
	double m = raw / e;
	m = m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 && e >= 10 ? 2.5 : m <= 5 ? 5 : 10;
	return m * e < 1 ? 1 : m * e;
}

void chart_init(struct chart *ch, double w, double h, int64_t t0, int64_t t1,
		int64_t bucket, double vmax)
{
	ch->w = w;
	ch->h = h;
	ch->ml = 58;
	ch->mr = 18;
	ch->mt = 30;
	ch->mb = 46;
	ch->t0 = t0;
	ch->t1 = t1 > t0 ? t1 : t0 + bucket;
	ch->bucket = bucket;
	ch->ytitle_y = 0;
	ch->ystep = nice_step(vmax / 5);
	ch->ymax = ceil(vmax * 1.06 / ch->ystep) * ch->ystep;
	if (ch->ymax < ch->ystep)
		ch->ymax = ch->ystep;
}

double cx(const struct chart *ch, int64_t t)
{
	return ch->ml + (double)(t - ch->t0) / (double)(ch->t1 - ch->t0) *
				(ch->w - ch->ml - ch->mr);
}

double cy(const struct chart *ch, double v)
{
	return ch->h - ch->mb - v / ch->ymax * (ch->h - ch->mt - ch->mb);
}

/* UTC x ticks: a step from the list giving at most one tick per ~100 px. */
static void x_ticks(FILE *f, const struct chart *ch)
{
	static const int64_t steps[] = {
		GS_MS_MINUTE, 2 * GS_MS_MINUTE, 5 * GS_MS_MINUTE,
		10 * GS_MS_MINUTE, 15 * GS_MS_MINUTE, 30 * GS_MS_MINUTE,
		GS_MS_HOUR, 2 * GS_MS_HOUR, 3 * GS_MS_HOUR, 6 * GS_MS_HOUR,
		12 * GS_MS_HOUR, GS_MS_DAY, 2 * GS_MS_DAY, GS_MS_WEEK,
		2 * GS_MS_WEEK,
	};
	static const int msteps[] = {1, 2, 3, 6, 12, 24, 60, 120, 240, 600};
	double pw = ch->w - ch->ml - ch->mr;
	double maxticks = floor(pw / 100);
	if (maxticks < 2)
		maxticks = 2;
	int64_t span = ch->t1 - ch->t0, step = 0;
	int mstep = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i] >= ch->bucket && (double)span / (double)steps[i] <= maxticks) {
			step = steps[i];
			break;
		}
	if (!step) {
		for (size_t i = 0; i < sizeof msteps / sizeof msteps[0]; i++) {
			mstep = msteps[i];
			if ((double)span / ((double)msteps[i] * 30.44 * GS_MS_DAY) <= maxticks)
				break;
		}
	}
	double yb = ch->h - ch->mb;
	int prev_day = -1, prev_year = -1;
	int64_t t;
	struct tm tm;
	if (step) {
		int64_t off = step >= GS_MS_WEEK ? 4 * GS_MS_DAY : 0; /* Mondays */
		t = gs_time_bucket(ch->t0 - off, step) + off;
		if (t < ch->t0)
			t += step;
	} else {
		utc_tm(ch->t0, &tm);
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		t = (int64_t)timegm(&tm) * 1000;
		for (int guard = 0; (t < ch->t0 || (tm.tm_year * 12 + tm.tm_mon) % mstep) && guard < 1200;
		     guard++) {
			tm.tm_mon++;
			t = (int64_t)timegm(&tm) * 1000;
			utc_tm(t, &tm);
		}
	}
	for (int guard = 0; t <= ch->t1 && guard < 1000; guard++) {
		double x = cx(ch, t);
		char l1[32], l2[32] = "";
		utc_tm(t, &tm);
		int day = tm.tm_year * 400 + tm.tm_yday;
		if (step && step < GS_MS_DAY) {
			strftime(l1, sizeof l1, "%H:%M", &tm);
			if (day != prev_day)
				snprintf(l2, sizeof l2, "%s %d", months[tm.tm_mon], tm.tm_mday);
		} else if (step) {
			snprintf(l1, sizeof l1, "%s %d", months[tm.tm_mon], tm.tm_mday);
			if (tm.tm_year != prev_year)
				snprintf(l2, sizeof l2, "%d", tm.tm_year + 1900);
		} else {
			snprintf(l1, sizeof l1, "%s", months[tm.tm_mon]);
			if (tm.tm_year != prev_year)
				snprintf(l2, sizeof l2, "%d", tm.tm_year + 1900);
		}
		int strong = step && step < GS_MS_DAY && day != prev_day && prev_day != -1;
		fprintf(f, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
			strong ? "vgrid day" : "vgrid", x, x, ch->mt, yb);
		fprintf(f, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
			x, x, yb, yb + 5);
		const char *anchor = x > ch->w - 30 ? "end" : "middle";
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x,
			yb + 19, anchor, l1);
		if (l2[0])
			fprintf(f, "<text class=\"date\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
				x, yb + 35, anchor, l2);
		prev_day = day;
		prev_year = tm.tm_year;
		if (step) {
			t += step;
		} else {
			tm.tm_mon += mstep;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			t = (int64_t)timegm(&tm) * 1000;
		}
	}
	fprintf(f, "<text class=\"unit\" x=\"2\" y=\"%.1f\">UTC</text>", yb + 19);
}

void chart_open(FILE *f, const struct chart *ch, const char *label)
{
	fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
		   "role=\"img\" aria-label=\"",
		ch->w, ch->h, ch->w, ch->h);
	html_esc(f, label);
	fputs("\">", f);
}

/* Grid, y ticks and their labels, the y-axis title, x ticks. Drawn before
 * the bands and lines, which lie over the grid. */
void chart_axes(FILE *f, const struct chart *ch, const char *ytitle)
{
	int k = 0;
	for (double v = 0; v <= ch->ymax * (1 + 1e-9) && k < 50; v += ch->ystep, k++) {
		char lab[32];
		double y = cy(ch, v);
		compact(lab, v);
		fprintf(f, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
			v == 0 ? "axis" : "grid", ch->ml, ch->w - ch->mr, y, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
			ch->ml - 8, y + 4, lab);
	}
	fprintf(f, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\">", ch->ml - 8,
		ch->ytitle_y > 0 ? ch->ytitle_y : ch->mt - 14);
	html_esc(f, ytitle);
	fputs("</text>", f);
	x_ticks(f, ch);
}

/* A trend span: shaded over the plot's height; card: stronger, with a strip
 * at the top and "trend" written in it when it is wide enough. */
void chart_band(FILE *f, const struct chart *ch, int64_t from, int64_t to,
		const char *color, const char *title, int card)
{
	if (from < ch->t0)
		from = ch->t0;
	if (to > ch->t1)
		to = ch->t1;
	double x0 = cx(ch, from), x1 = cx(ch, to);
	double ph = ch->h - ch->mt - ch->mb;
	if (x1 - x0 < 2)
		x1 = x0 + 2;
	fprintf(f, "<g class=\"band\"><title>");
	html_esc(f, title);
	fprintf(f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		   "fill=\"%s\" fill-opacity=\"%s\"/>",
		x0, ch->mt, x1 - x0, ph, color, card ? "0.13" : "0.06");
	if (card)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"4\" fill=\"%s\" fill-opacity=\"0.75\"/>",
			x0, ch->mt, x1 - x0, color);
	if (card && x1 - x0 >= 44)
		fprintf(f, "<text class=\"bandlab\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\">trend</text>",
			x0 + 4, ch->mt + 16, color);
	fputs("</g>", f);
}

/* Buckets per point so that a line has at most max points: a point is the
 * largest value of its group (peaks stay visible). */
static size_t group_of(size_t n, size_t max)
{
	return n > max ? (n + max - 1) / max : 1;
}

static double group_max(const struct gs_bucket_stats *tl, size_t n, size_t i,
			size_t g)
{
	double v = 0;
	for (size_t j = i; j < i + g && j < n; j++)
		if (tl[j].accounts > v)
			v = tl[j].accounts;
	return v;
}

static double group_mid(const struct chart *ch, const struct gs_bucket_stats *tl,
			size_t n, size_t i, size_t g)
{
	size_t last = i + g < n ? i + g : n;
	return cx(ch, tl[i].time_ms) +
	       (cx(ch, tl[last - 1].time_ms + ch->bucket) - cx(ch, tl[i].time_ms)) / 2;
}

void chart_line(FILE *f, const struct chart *ch, const struct series *s,
		int area)
{
	size_t g = group_of(s->n, (size_t)(ch->w - ch->ml - ch->mr));
	if (!s->n)
		return;
	if (area) {
		fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.10\" d=\"M%.1f,%.1f", s->color,
			group_mid(ch, s->tl, s->n, 0, g), cy(ch, 0));
		for (size_t i = 0; i < s->n; i += g)
			fprintf(f, " L%.1f,%.1f", group_mid(ch, s->tl, s->n, i, g),
				cy(ch, group_max(s->tl, s->n, i, g)));
		fprintf(f, " L%.1f,%.1f Z\"/>",
			group_mid(ch, s->tl, s->n, (s->n - 1) / g * g, g), cy(ch, 0));
	}
	fprintf(f, "<g><title>#");
	html_esc(f, s->display);
	fprintf(f, "</title><polyline class=\"line\" stroke=\"%s\" points=\"", s->color);
	for (size_t i = 0; i < s->n; i += g)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", group_mid(ch, s->tl, s->n, i, g),
			cy(ch, group_max(s->tl, s->n, i, g)));
	fputs("\"/>", f);
	if (s->n <= 48)
		for (size_t i = 0; i < s->n; i++)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>",
				group_mid(ch, s->tl, s->n, i, 1), cy(ch, s->tl[i].accounts),
				s->color);
	fputs("</g>", f);
}

/* The part of a line inside [from, to), wide and pale under the line. */
static void chart_glow(FILE *f, const struct chart *ch, const struct series *s,
		       int64_t from, int64_t to)
{
	size_t g = group_of(s->n, (size_t)(ch->w - ch->ml - ch->mr));
	int first = 1;
	fprintf(f, "<polyline class=\"glow\" stroke=\"%s\" points=\"", s->color);
	for (size_t i = 0; i < s->n; i += g) {
		size_t last = i + g < s->n ? i + g : s->n;
		if (s->tl[last - 1].time_ms + ch->bucket <= from || s->tl[i].time_ms >= to)
			continue;
		double x = group_mid(ch, s->tl, s->n, i, g);
		double y = cy(ch, group_max(s->tl, s->n, i, g));
		if (first) /* twice, so that a span of one point shows */
			fprintf(f, "%.1f,%.1f", x, y);
		fprintf(f, " %.1f,%.1f", x, y);
		first = 0;
	}
	fputs("\"/>", f);
}

/* Characters of s (for a rough width of a label). */
static size_t text_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* One row above the plot per tag that trended: its spans as bars, its name
 * after the last one (before the first when there is no room). */
static void chart_lane(FILE *f, const struct chart *ch, double y,
		       const struct series *s, const struct gs_trend_row *tr,
		       size_t ntr)
{
	double first_x = -1, last_x = -1;
	for (size_t j = 0; j < ntr; j++) {
		if (strcmp(tr[j].ev->key, s->key))
			continue;
		int64_t a, b;
		char t[400], x[48], z[48];
		trend_span(tr[j].ev, ch->bucket, &a, &b);
		if (a < ch->t0)
			a = ch->t0;
		if (b > ch->t1)
			b = ch->t1;
		double x0 = cx(ch, a), x1 = cx(ch, b);
		if (x1 - x0 < 4)
			x1 = x0 + 4;
		when(x, a, ch->bucket);
		when_after(z, a, b, ch->bucket);
		snprintf(t, sizeof t, "#%.256s trending %s to %s UTC, score %.1f", s->display,
			 x, z, tr[j].ev->score);
		fprintf(f, "<g><title>");
		html_esc(f, t);
		fprintf(f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"9\" rx=\"3\" fill=\"%s\"/></g>",
			x0, y, x1 - x0, s->color);
		if (first_x < 0 || x0 < first_x)
			first_x = x0;
		if (x1 > last_x)
			last_x = x1;
	}
	if (first_x < 0)
		return;
	double w = 7.2 * (double)(text_len(s->display) + 1);
	int after = last_x + 6 + w <= ch->w - ch->mr || first_x - 6 - w < 0;
	fprintf(f, "<text class=\"lanelab\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\" text-anchor=\"%s\">#",
		after ? last_x + 6 : first_x - 6, y + 8.5, s->color, after ? "start" : "end");
	html_esc(f, s->display);
	fputs("</text>", f);
}

/* Transparent columns with a tooltip each (no script: SVG <title>). */
void chart_hover(FILE *f, const struct chart *ch, const struct series *s,
		 size_t ns)
{
	if (!ns || !s[0].n)
		return;
	size_t n = s[0].n, g = group_of(n, 300);
	double ph = ch->h - ch->mt - ch->mb;
	for (size_t i = 0; i < n; i += g) {
		size_t last = i + g < n ? i + g : n;
		double x0 = cx(ch, s[0].tl[i].time_ms);
		double x1 = cx(ch, s[0].tl[last - 1].time_ms + ch->bucket);
		char a[48], b[48], num[32];
		when(a, s[0].tl[i].time_ms, ch->bucket);
		fprintf(f, "<rect class=\"hit\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s",
			x0, ch->mt, x1 - x0, ph, a);
		if (g > 1) {
			when_after(b, s[0].tl[i].time_ms, s[0].tl[last - 1].time_ms + ch->bucket,
				   ch->bucket);
			fprintf(f, " to %s UTC (highest bucket)", b);
		} else {
			fputs(" UTC", f);
		}
		for (size_t k = 0; k < ns; k++) {
			if (s[k].n != n)
				continue;
			gs_text_estimate(num, sizeof num,
					 group_max(s[k].tl, n, i, g));
			fputs("\n#", f);
			html_esc(f, s[k].display);
			fprintf(f, ": %s account%s", num, strcmp(num, "1") ? "s" : "");
			if (ns == 1 && g == 1) {
				gs_text_estimate(num, sizeof num,
						 (double)s[k].tl[i].posts);
				fprintf(f, ", %s post%s", num, strcmp(num, "1") ? "s" : "");
			}
		}
		fputs("</title></rect>", f);
	}
}

/* ---- page parts ---------------------------------------------------------- */

static const char css[] =
	":root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7f9}"
	"*{box-sizing:border-box}"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\","
	"\"Liberation Sans\",\"DejaVu Sans\",Arial,sans-serif}"
	"main{max-width:1200px;margin:0 auto;padding:28px 24px 40px}"
	"h1{font-size:28px;margin:0;letter-spacing:-.01em}"
	"h1 small{font-size:15px;font-weight:400;color:var(--muted);margin-left:10px}"
	"h2{font-size:20px;margin:34px 0 4px}"
	"h2+p.lead{margin:0 0 12px;color:var(--muted)}"
	".range{color:var(--muted);margin:4px 0 0}"
	".stats{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:12px;margin:18px 0}"
	".stat{background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px 14px}"
	".stat b{display:block;font-size:23px;line-height:1.3}"
	".stat span{color:var(--muted);font-size:13px}"
	".note{background:#eef4ff;border:1px solid #c7d7fe;border-radius:10px;padding:10px 18px}"
	".note h2{font-size:16px;margin:4px 0}"
	".note ul{margin:4px 0 6px;padding-left:20px}.note li{margin:3px 0}"
	".panel{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px}"
	"svg.chart{display:block;width:100%;height:auto;overflow:visible}"
	"svg text{font-size:12px;fill:#4b5563}"
	"svg text.date{fill:#111827;font-weight:600}"
	"svg text.unit{fill:#6b7280;font-size:12px}"
	"svg text.bandlab{font-size:11px;font-weight:600}"
	"svg text.lanelab{font-size:12px;font-weight:600}"
	".glow{fill:none;stroke-width:8;stroke-opacity:.25;stroke-linejoin:round;stroke-linecap:round}"
	"svg text.peak{font-size:12px;font-weight:600;fill:#111827}"
	".grid{stroke:#eceef2}.vgrid{stroke:#f3f4f6}.vgrid.day{stroke:#d9dde3}"
	".axis{stroke:#9ca3af}"
	".line{fill:none;stroke-width:2.2;stroke-linejoin:round;stroke-linecap:round}"
	".hit{fill:transparent}.hit:hover{fill:rgba(17,24,39,.07)}"
	".legend{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0 0 8px;font-size:14px}"
	".legend span.n{color:var(--muted);font-size:13px;margin-left:4px}"
	".sw{display:inline-block;width:16px;height:4px;border-radius:2px;vertical-align:middle;margin-right:6px}"
	".dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;vertical-align:1px}"
	".moves{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:18px}"
	".move h3{margin:0;font-size:18px;display:flex;align-items:center;gap:10px}"
	".move h3 .t{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
	".move .meta{color:var(--muted);font-size:13px;margin:2px 0 6px}"
	".move .meta b{color:var(--fg);font-weight:600}"
	".with{font-size:13px;margin-top:6px}"
	".with .h{color:var(--muted);margin-bottom:2px}"
	".mv{margin:0 0 18px}.mv .tablewrap{margin-top:8px}"
	".mv ul.pairs{margin:2px 0;padding-left:18px}.mv .langs b{font-weight:600}"
	".bar-row{display:grid;grid-template-columns:minmax(0,150px) minmax(0,1fr) 110px;gap:10px;align-items:center;padding:1px 0}"
	".bar-row .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
	".bar-row .v{color:var(--muted);text-align:right;font-variant-numeric:tabular-nums}"
	".track{background:#f1f3f6;border-radius:4px;height:10px}"
	".fill{height:10px;border-radius:4px}"
	".pill{display:inline-block;border-radius:999px;padding:0 9px;font-size:12px;font-weight:600;line-height:20px;white-space:nowrap}"
	".st-rising{background:#fff1e6;color:#c2410c}.st-trending{background:#fee2e2;color:#b91c1c}"
	".st-cooling{background:#e0f2fe;color:#0369a1}.st-ended{background:#eef0f3;color:#4b5563}"
	".tablewrap{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:10px}"
	"table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}"
	"th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}"
	"th{background:#f3f4f6;font-weight:600;font-size:13px;color:#374151}"
	"tr:last-child td{border-bottom:0}"
	"th.l,td.l{text-align:left}"
	"td.tag{max-width:240px;overflow:hidden;text-overflow:ellipsis;font-weight:600}"
	"td .err{display:block;color:var(--muted);font-size:12px;line-height:1.2}"
	"td.spark{padding:2px 10px}"
	"td.muted,.muted{color:var(--muted)}"
	"tbody tr:hover{background:#f9fafb}"
	"footer{margin-top:30px;color:var(--muted);font-size:13px}"
	"@media (max-width:900px){.stats{grid-template-columns:repeat(2,minmax(0,1fr))}"
	".moves{grid-template-columns:minmax(0,1fr)}}";

static void stat_box(FILE *f, const char *value, const char *what)
{
	fprintf(f, "<div class=\"stat\"><b>%s</b><span>%s</span></div>", value, what);
}

static void header(FILE *f, const struct cli_common *c, const struct gs_summary *s,
		   size_t nev)
{
	char a[48], b[48], num[48], n2[32], n3[32], txt[640], per[48], d[16];
	fputs("<header><h1>groundswell report<small>hashtag movements by distinct accounts</small></h1>", f);
	if (s->posts) {
		when(a, s->first_ms, GS_MS_MINUTE);
		when(b, s->last_ms, GS_MS_MINUTE);
		gs_duration_format(s->bucket_ms, d);
		double days = (double)(s->last_ms - s->first_ms) / GS_MS_DAY;
		fprintf(f, "<p class=\"range\">%s to %s UTC · ", a, b);
		if (days >= 2)
			fprintf(f, "%.1f days", days);
		else
			fprintf(f, "%.1f hours", days * 24);
		fprintf(f, " · %s buckets</p>", d);
	} else {
		fputs("<p class=\"range\">No posts were read.</p>", f);
	}
	fputs("</header><section class=\"stats\">", f);
	gs_text_estimate(num, sizeof num, (double)s->posts);
	gs_text_estimate(n2, sizeof n2, (double)s->reposts);
	gs_text_estimate(n3, sizeof n3, (double)s->replies);
	snprintf(txt, sizeof txt, "posts · %s reposts, %s replies", n2, n3);
	stat_box(f, num, txt);
	gs_text_estimate(n2, sizeof n2, s->accounts);
	if (s->accounts_error > 0) {
		snprintf(num, sizeof num, "~%s", n2);
		snprintf(txt, sizeof txt, "distinct accounts · ±%.1f%% standard error",
			 100 * s->accounts_error);
	} else {
		snprintf(num, sizeof num, "%s", n2);
		snprintf(txt, sizeof txt, "distinct accounts · exact");
	}
	stat_box(f, num, txt);
	gs_text_estimate(num, sizeof num, (double)s->tags_tracked);
	gs_text_estimate(n2, sizeof n2, (double)s->tagged_posts);
	snprintf(txt, sizeof txt, "tags · in %s tagged posts", n2);
	stat_box(f, num, txt);
	snprintf(num, sizeof num, "%zu", nev);
	per_bucket(per, s->bucket_ms);
	snprintf(txt, sizeof txt, "trend%s detected · from distinct accounts %s", nev == 1 ? "" : "s",
		 per);
	stat_box(f, num, txt);
	gs_text_estimate(num, sizeof num, (double)s->malformed);
	gs_text_estimate(n2, sizeof n2, (double)s->skipped);
	if (c->out_of_window) {
		gs_text_estimate(n3, sizeof n3, (double)c->out_of_window);
		snprintf(
			txt, sizeof txt,
			"malformed lines skipped · %s non-post events skipped · "
			"%s posts dated outside the time window left out",
			n2, n3);
	} else {
		snprintf(txt, sizeof txt,
			 "malformed lines skipped · %s non-post events skipped",
			 n2);
	}
	char filtered[400];
	cli_filtered_line(filtered, sizeof filtered, c);
	if (filtered[0]) {
		size_t len = strlen(txt);
		snprintf(txt + len, sizeof txt - len, " · %s", filtered);
	}
	stat_box(f, num, txt);
	fputs("</section>", f);
}

static void how_to_read(FILE *f, const struct cli_common *c, int64_t bucket)
{
	unsigned p = c->eng.hll_p ? c->eng.hll_p : 14;
	unsigned bp = c->eng.bucket_hll_p ? c->eng.bucket_hll_p : 10;
	char exact[32], bexact[32], per[48];
	gs_text_estimate(exact, sizeof exact, (double)(1u << p) / 16);
	gs_text_estimate(bexact, sizeof bexact, (double)(1u << bp) / 16);
	per_bucket(per, bucket);
	fprintf(f,
		"<section class=\"note\"><h2>How to read this</h2><ul>"
		"<li><b>Distinct accounts</b> measure a movement: each account counts once "
		"per tag (and once per bucket in the charts), however often it posted, so a "
		"flood from a few accounts stays small. Posts, reposts and replies are exact counts.</li>"
		"<li><b>The error:</b> distinct accounts are exact up to %s per tag (%s per "
		"bucket) and estimated beyond, shown with <b>~</b> and a relative standard "
		"error (±%.2f%% per tag, ±%.1f%% per bucket): the true count lies within twice "
		"that about 95%% of the time.</li>"
		"<li><b>A trend</b> is a tag whose distinct accounts %s rise far above its own "
		"recent baseline (a z-score of at least 4 with a noise floor, after the stream's "
		"daily cycle is divided out, and at least 5 accounts). The <b>shaded band</b> runs "
		"from the first bucket flagged to the one in which it fell back; <b>score</b> is "
		"its highest z-score. Verdicts use only data up to each bucket, as a live run "
		"would have. A tag used at a steady rate never trends, however big.</li>"
		"<li>All times are UTC. Hover over a chart for the values of a bucket.</li>"
		"</ul></section>",
		exact, bexact, 104.0 / sqrt((double)(1u << p)), 104.0 / sqrt((double)(1u << bp)),
		per);
}

static ptrdiff_t timeline(const struct gs_engine *e, const char *key,
			  struct gs_bucket_stats **tl)
{
	ptrdiff_t n = gs_engine_timeline(e, key, tl);
	if (n < 0) {
		*tl = NULL;
		return 0;
	}
	return n;
}

static void overview(FILE *f, const struct series *s, size_t ns,
		     const struct gs_trend_row *tr, size_t ntr, int64_t bucket,
		     const double *totals)
{
	char per[48], title[96], num[32];
	double vmax = 0;
	size_t lanes = 0;
	if (!ns || !s[0].n)
		return;
	per_bucket(per, bucket);
	for (size_t k = 0; k < ns; k++) {
		for (size_t i = 0; i < s[k].n; i++)
			if (s[k].tl[i].accounts > vmax)
				vmax = s[k].tl[i].accounts;
		for (size_t j = 0; j < ntr; j++)
			if (!strcmp(tr[j].ev->key, s[k].key)) {
				lanes++;
				break;
			}
	}
	fprintf(f, "<h2>Top tags over time</h2><p class=\"lead\">Distinct accounts %s "
		   "of the %zu tags used by the most accounts. The bars above the chart, and the "
		   "thick stretches of the lines, are their trend spans.</p>",
		per, ns);
	fputs("<div class=\"panel\"><div class=\"legend\">", f);
	for (size_t k = 0; k < ns; k++) {
		gs_text_estimate(num, sizeof num, totals[k]);
		fprintf(f, "<span><span class=\"sw\" style=\"background:%s\"></span>#", s[k].color);
		html_esc(f, s[k].display);
		fprintf(f, "<span class=\"n\">%s account%s</span></span>", num,
			strcmp(num, "1") ? "s" : "");
	}
	fputs("</div>", f);
	struct chart ch;
	chart_init(&ch, 1150, 360 + 16 * (double)lanes, s[0].tl[0].time_ms,
		   s[0].tl[s[0].n - 1].time_ms + bucket, bucket, vmax);
	ch.ytitle_y = 14;
	ch.mt = 34 + 16 * (double)lanes;
	snprintf(title, sizeof title, "distinct accounts %s", per);
	chart_open(f, &ch, "Distinct accounts per bucket of the top tags");
	chart_axes(f, &ch, title);
	for (size_t k = 0, lane = 0; k < ns; k++) {
		size_t before = lane;
		for (size_t j = 0; j < ntr; j++) {
			if (strcmp(tr[j].ev->key, s[k].key))
				continue;
			int64_t a, b;
			trend_span(tr[j].ev, bucket, &a, &b);
			chart_band(f, &ch, a, b, s[k].color, "", 0);
			if (lane == before)
				lane++;
		}
		if (lane != before)
			chart_lane(f, &ch, 24 + 16 * (double)before, &s[k], tr, ntr);
	}
	for (size_t k = ns; k-- > 0;)
		for (size_t j = 0; j < ntr; j++)
			if (!strcmp(tr[j].ev->key, s[k].key)) {
				int64_t a, b;
				trend_span(tr[j].ev, bucket, &a, &b);
				chart_glow(f, &ch, &s[k], a, b);
			}
	for (size_t k = ns; k-- > 0;)
		chart_line(f, &ch, &s[k], 0);
	chart_hover(f, &ch, s, ns);
	fputs("</svg></div>", f);
}

static void status_pill(FILE *f, enum gs_trend_status st)
{
	const char *n = gs_trend_status_name(st);
	fprintf(f, "<span class=\"pill st-%s\">%s</span>", n, n);
}

static void movement(FILE *f, const struct gs_engine *e,
		     const struct gs_trend_row *best,
		     const struct gs_trend_row *tr, size_t ntr,
		     const char *color, int64_t bucket)
{
	const struct gs_trend_event *ev = best->ev;
	struct gs_bucket_stats *tl;
	size_t n = (size_t)timeline(e, ev->key, &tl);
	char a[48], b[48], pk[48], num[32], n2[32], per[48], t[400];
	int64_t from, to;
	size_t spans = 0;
	for (size_t j = 0; j < ntr; j++)
		spans += !strcmp(tr[j].ev->key, ev->key);
	trend_span(ev, bucket, &from, &to);
	when(a, from, bucket);
	if (ev->end_ms >= 0)
		when_after(b, from, ev->end_ms, bucket);
	else
		strcpy(b, "now");
	when_after(pk, from, ev->peak_ms, bucket);
	per_bucket(per, bucket);

	fputs("<article class=\"panel move\"><h3><span class=\"dot\" style=\"background:", f);
	fputs(color, f);
	fputs("\"></span><span class=\"t\">#", f);
	html_esc(f, best->display);
	fputs("</span>", f);
	status_pill(f, ev->status);
	fputs("</h3><div class=\"meta\">", f);
	fprintf(f, "score <b>%.1f</b> · trending <b>%s → %s</b> · peak %s", ev->score, a, b, pk);
	gs_text_estimate(num, sizeof num, (double)best->posts);
	gs_text_estimate(n2, sizeof n2, best->accounts);
	fprintf(f, "<br><b>%s</b> accounts and <b>%s</b> posts during the trend", n2, num);
	if (spans > 1)
		fprintf(f, " · %zu trend spans", spans);
	fputs("</div>", f);

	if (n) {
		struct series s = {ev->key, best->display, color, tl, n};
		double vmax = 0;
		size_t ipk = 0;
		for (size_t i = 0; i < n; i++)
			if (tl[i].accounts > vmax) {
				vmax = tl[i].accounts;
				ipk = i;
			}
		struct chart ch;
		chart_init(&ch, 530, 230, tl[0].time_ms, tl[n - 1].time_ms + bucket, bucket,
			   vmax * 1.06); /* room for the peak's label */
		ch.mt = 34;
		snprintf(t, sizeof t, "#%.256s: distinct accounts %s", best->display, per);
		chart_open(f, &ch, t);
		snprintf(t, sizeof t, "accounts %s", per);
		chart_axes(f, &ch, t);
		for (size_t j = 0; j < ntr; j++) {
			if (strcmp(tr[j].ev->key, ev->key))
				continue;
			int64_t x0, x1;
			char u[48], v[48];
			trend_span(tr[j].ev, bucket, &x0, &x1);
			when(u, x0, bucket);
			when_after(v, x0, x1, bucket);
			snprintf(t, sizeof t, "trending %s to %s UTC, score %.1f", u, v,
				 tr[j].ev->score);
			chart_band(f, &ch, x0, x1, color, t, 1);
		}
		chart_line(f, &ch, &s, 1);
		/* the highest bucket, labelled */
		double px = group_mid(&ch, tl, n, ipk, 1), py = cy(&ch, vmax);
		gs_text_estimate(num, sizeof num, vmax);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" stroke=\"%s\" stroke-width=\"2.2\"/>",
			px, py, color);
		if (py - 24 >= ch.mt) { /* above the point */
			const char *anchor = px > ch.w - ch.mr - 30 ? "end" : px < ch.ml + 30 ? "start" : "middle";
			fprintf(f, "<text class=\"peak\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
				px, py - 9, anchor, num);
		} else { /* beside it, away from the edge */
			int left = px > ch.w - ch.mr - 60;
			fprintf(f, "<text class=\"peak\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
				px + (left ? -9 : 9), py + 4, left ? "end" : "start", num);
		}
		chart_hover(f, &ch, &s, 1);
		fputs("</svg>", f);
	} else {
		fputs("<p class=\"muted\">No timeline: the tag is no longer tracked.</p>", f);
	}
	free(tl);

	struct gs_count co[COTAGS];
	size_t nco = gs_engine_cotags(e, ev->key, co, COTAGS);
	struct gs_tag_stats st;
	uint64_t posts = 0;
	if (gs_engine_tag(e, ev->key, strlen(ev->key), &st) == 0)
		posts = st.posts;
	fputs("<div class=\"with\"><div class=\"h\">Used with (share of its posts)</div>", f);
	if (!nco)
		fputs("<div class=\"muted\">no other tags</div>", f);
	for (size_t i = 0; i < nco; i++) {
		double share = posts ? (double)co[i].count / (double)posts : 0;
		if (share > 1)
			share = 1;
		gs_text_estimate(num, sizeof num, (double)co[i].count);
		fputs("<div class=\"bar-row\"><span class=\"name\">#", f);
		html_esc(f, co[i].display);
		fprintf(f, "</span><div class=\"track\"><div class=\"fill\" style=\"width:%.1f%%;background:%s\"></div></div>"
			   "<span class=\"v\">%.0f%% · %s</span></div>",
			100 * share, color, 100 * share, num);
	}
	fputs("</div></article>", f);
}

static void sparkline(FILE *f, const struct gs_bucket_stats *tl, size_t n,
		      const struct gs_trend_row *tr, size_t ntr,
		      const char *key, int64_t bucket, const char *color)
{
	struct chart ch;
	double vmax = 0;
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		if (tl[i].accounts > vmax)
			vmax = tl[i].accounts;
	chart_init(&ch, 150, 28, tl[0].time_ms, tl[n - 1].time_ms + bucket, bucket, vmax);
	ch.ml = ch.mr = 0;
	ch.mt = 2;
	ch.mb = 2;
	ch.ymax = vmax > 0 ? vmax : 1;
	fputs("<svg class=\"spark\" viewBox=\"0 0 150 28\" width=\"150\" height=\"28\" "
	      "aria-hidden=\"true\">",
	      f);
	for (size_t j = 0; j < ntr; j++) {
		if (strcmp(tr[j].ev->key, key))
			continue;
		int64_t a, b;
		trend_span(tr[j].ev, bucket, &a, &b);
		double x0 = cx(&ch, a < ch.t0 ? ch.t0 : a), x1 = cx(&ch, b > ch.t1 ? ch.t1 : b);
		fprintf(f, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"28\" fill=\"#f59e0b\" fill-opacity=\"0.25\"/>",
			x0, x1 - x0 < 1.5 ? 1.5 : x1 - x0);
	}
	size_t g = group_of(n, 150);
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" stroke-linejoin=\"round\" points=\"",
		color);
	for (size_t i = 0; i < n; i += g)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", group_mid(&ch, tl, n, i, g),
			cy(&ch, group_max(tl, n, i, g)));
	fputs("\"/></svg>", f);
}

static void magnitudes(FILE *f, const struct gs_engine *e,
		       const struct gs_tag_stats *v, size_t n,
		       const struct gs_trend_row *tr, size_t ntr,
		       int64_t bucket, const struct series *ov, size_t nov)
{
	if (n)
		fprintf(f, "<h2>Magnitudes</h2><p class=\"lead\">The %zu tag%s used by the most "
			   "distinct accounts. The small chart is accounts over time; amber marks "
			   "trend spans.</p>",
			n, n == 1 ? "" : "s");
	else
		fputs("<h2>Magnitudes</h2><p class=\"lead\">No tags were used.</p>", f);
	fputs("<div class=\"tablewrap\"><table><thead><tr><th>#</th><th class=\"l\">tag</th>"
	      "<th>accounts</th><th>posts</th><th>originals</th><th>reposts</th><th>replies</th>"
	      "<th class=\"l\">first seen (UTC)</th><th class=\"l\">peak (UTC)</th>"
	      "<th class=\"l\">accounts over time</th></tr></thead><tbody>",
	      f);
	for (size_t i = 0; i < n; i++) {
		const struct gs_tag_stats *t = &v[i];
		char num[32], err[32], a[48], pk[48];
		const char *color = "#64748b";
		for (size_t k = 0; k < nov; k++)
			if (!strcmp(ov[k].key, t->key))
				color = ov[k].color;
		fprintf(f, "<tr><td class=\"muted\">%zu</td><td class=\"l tag\">#", i + 1);
		html_esc(f, t->display);
		gs_text_estimate(num, sizeof num, t->accounts);
		if (t->accounts_error > 0) {
			gs_text_estimate(err, sizeof err,
					 t->accounts * t->accounts_error);
			fprintf(f, "</td><td>~%s<span class=\"err\">± %s (%.1f%%)</span></td>", num,
				err, 100 * t->accounts_error);
		} else {
			fprintf(f, "</td><td>%s<span class=\"err\">exact</span></td>", num);
		}
		gs_text_estimate(num, sizeof num, (double)t->posts);
		fprintf(f, "<td>%s", num);
		if (t->posts_error)
			fprintf(f, "<span class=\"err\">+ up to %llu</span>",
				(unsigned long long)t->posts_error);
		gs_text_estimate(num, sizeof num, (double)t->originals);
		fprintf(f, "</td><td>%s</td>", num);
		gs_text_estimate(num, sizeof num, (double)t->reposts);
		fprintf(f, "<td>%s</td>", num);
		gs_text_estimate(num, sizeof num, (double)t->replies);
		fprintf(f, "<td>%s</td>", num);
		when(a, t->first_ms, GS_MS_MINUTE);
		when(pk, t->peak_ms, bucket);
		gs_text_estimate(num, sizeof num, (double)t->peak_posts);
		fprintf(f, "<td class=\"l\">%s</td><td class=\"l\">%s<span class=\"err\">%s post%s</span></td>",
			a, pk, num, strcmp(num, "1") ? "s" : "");
		struct gs_bucket_stats *tl;
		size_t nt = (size_t)timeline(e, t->key, &tl);
		fputs("<td class=\"l spark\">", f);
		sparkline(f, tl, nt, tr, ntr, t->key, bucket, color);
		free(tl);
		fputs("</td></tr>", f);
	}
	if (!n)
		fputs("<tr><td class=\"l muted\" colspan=\"10\">no tags</td></tr>", f);
	fputs("</tbody></table></div>", f);
}

static int by_score(const void *a, const void *b)
{
	const struct gs_trend_row *x = *(const struct gs_trend_row *const *)a;
	const struct gs_trend_row *y = *(const struct gs_trend_row *const *)b;
	if (x->ev->score != y->ev->score)
		return x->ev->score > y->ev->score ? -1 : 1;
	return strcmp(x->ev->key, y->ev->key);
}

static int by_start(const void *a, const void *b)
{
	const struct gs_trend_row *x = *(const struct gs_trend_row *const *)a;
	const struct gs_trend_row *y = *(const struct gs_trend_row *const *)b;
	if (x->ev->start_ms != y->ev->start_ms)
		return x->ev->start_ms < y->ev->start_ms ? -1 : 1;
	return strcmp(x->ev->key, y->ev->key);
}

static void trends_table(FILE *f, const struct gs_trend_row *const *rows,
			 size_t n, size_t total, int64_t bucket,
			 const char *note)
{
	fputs("<h2>Trends</h2><p class=\"lead\">", f);
	if (n < total)
		fprintf(f, "The %zu trends with the highest scores of %zu, by start; "
			   "<code>groundswell trends</code> lists them all.", n, total);
	else
		fputs("Every trend the detector found, by start. Posts and accounts are "
		      "counted from its start to its end.", f);
	fputs("</p><div class=\"tablewrap\"><table><thead><tr><th class=\"l\">tag</th>"
	      "<th class=\"l\">start (UTC)</th><th class=\"l\">peak</th><th class=\"l\">end</th>"
	      "<th class=\"l\">status</th><th>score</th><th>posts</th><th>accounts</th>"
	      "</tr></thead><tbody>",
	      f);
	for (size_t i = 0; i < n; i++) {
		const struct gs_trend_row *r = rows[i];
		char a[48], b[48], d[48], num[32];
		when(a, r->ev->start_ms, bucket);
		when_after(b, r->ev->start_ms, r->ev->peak_ms, bucket);
		if (r->ev->end_ms >= 0)
			when_after(d, r->ev->start_ms, r->ev->end_ms, bucket);
		else
			strcpy(d, "—");
		fputs("<tr><td class=\"l tag\">#", f);
		html_esc(f, r->display);
		fprintf(f, "</td><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">",
			a, b, d);
		status_pill(f, r->ev->status);
		fprintf(f, "</td><td>%.1f</td>", r->ev->score);
		gs_text_estimate(num, sizeof num, (double)r->posts);
		fprintf(f, "<td>%s</td>", num);
		gs_text_estimate(num, sizeof num, r->accounts);
		fprintf(f, "<td>%s</td></tr>", num);
	}
	if (!n && note) {
		fputs("<tr><td class=\"l muted\" colspan=\"8\">No trend could start: ",
		      f);
		html_esc(f, note);
		fputs(" (the warm-up).</td></tr>", f);
	} else if (!n) {
		fputs("<tr><td class=\"l muted\" colspan=\"8\">No tag trended: none rose far "
		      "enough above its own baseline.</td></tr>",
		      f);
	}
	fputs("</tbody></table></div>", f);
}

int html_report(FILE *f, const struct cli_common *c,
		const struct gs_trend_event *ev, size_t nev, size_t top,
		const struct gs_cooccur *cc)
{
	return html_report_tags(f, c, ev, nev, top, NULL, 0, cc);
}

int html_report_tags(FILE *f, const struct cli_common *c,
		     const struct gs_trend_event *ev, size_t nev, size_t top,
		     const struct gs_tag_stats *tags, size_t ntags,
		     const struct gs_cooccur *cc)
{
	const struct gs_engine *e = c->engine;
	struct gs_summary s;
	struct gs_tag_stats *v = NULL;
	struct gs_trend_row *tr = calloc(nev ? nev : 1, sizeof *tr);
	const struct gs_trend_row **order =
		calloc(nev ? nev : 1, sizeof *order);
	struct series ov[OVERVIEW_SERIES];
	double totals[OVERVIEW_SERIES];
	size_t nov = 0;
	int rc = 0;
	gs_engine_summary(e, &s);
	ptrdiff_t nt = (ptrdiff_t)ntags;
	if (!tags)
		nt = gs_engine_tags(e, &v);
	else if ((v = malloc((ntags ? ntags : 1) * sizeof *v)))
		memcpy(v, tags, ntags * sizeof *v);
	if (!tr || !order || nt < 0 || !v) {
		free(tr);
		free(order);
		free(v);
		return GS_ENOMEM;
	}
	int64_t bucket = s.bucket_ms > 0 ? s.bucket_ms : GS_MS_HOUR;
	trend_rows(e, ev, nev, tr);

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<meta name=\"generator\" content=\"groundswell " GS_VERSION "\">"
	      "<title>groundswell report</title><style>",
	      f);
	fputs(css, f);
	fputs("</style></head><body><main>", f);
	header(f, c, &s, nev);
	how_to_read(f, c, bucket);

	/* the top tags, each with a colour kept for the whole page */
	for (ptrdiff_t i = 0; i < nt && nov < OVERVIEW_SERIES; i++) {
		struct series *x = &ov[nov];
		x->key = v[i].key;
		x->display = v[i].display;
		x->color = html_palette[nov];
		x->n = (size_t)timeline(e, v[i].key, &x->tl);
		if (!x->n) {
			free(x->tl);
			continue;
		}
		totals[nov++] = v[i].accounts;
	}
	overview(f, ov, nov, tr, nev, bucket, totals);

	/* the movements: trend events by score, one card per tag */
	for (size_t i = 0; i < nev; i++)
		order[i] = &tr[i];
	qsort(order, nev, sizeof *order, by_score);
	fputs("<h2>Top trends</h2><p class=\"lead\">The tags with the highest trend "
	      "scores: distinct accounts per bucket, trend spans shaded, highest bucket "
	      "labelled, and the tags posted with them.</p>",
	      f);
	char note[128];
	int short_input = !nev && trends_warmup_note(e, NULL, note, sizeof note,
						     NULL, NULL);
	if (short_input) {
		fputs("<p class=\"panel muted\">No trend could start: ", f);
		html_esc(f, note);
		fputs(" (the warm-up; see how to read this).</p>", f);
	} else if (!nev)
		fputs("<p class=\"panel muted\">No tag trended: none rose far enough above its "
		      "own baseline (see how to read this).</p>",
		      f);
	else
		fputs("<div class=\"moves\">", f);
	size_t shown = 0, extra = nov;
	const char *used[MOVEMENTS];
	for (size_t i = 0; i < nev && shown < MOVEMENTS; i++) {
		int dup = 0;
		for (size_t k = 0; k < shown; k++)
			dup |= !strcmp(used[k], order[i]->ev->key);
		if (dup)
			continue;
		const char *color = NULL;
		for (size_t k = 0; k < nov; k++)
			if (!strcmp(ov[k].key, order[i]->ev->key))
				color = ov[k].color;
		if (!color)
			color = html_palette[extra++ % HTML_NPALETTE];
		used[shown++] = order[i]->ev->key;
		movement(f, e, order[i], tr, nev, color, bucket);
	}
	if (nev)
		fputs("</div>", f);

	/* the movements: tags grouped into one (issue 13) */
	rc = html_movements(f, e, cc, ev, nev, !c->have_pseudo);

	size_t k = top && (size_t)nt > top ? top : (size_t)nt;
	magnitudes(f, e, v, k, tr, nev, bucket, ov, nov);

	/* the trends table: chronological, the best TREND_ROWS when more */
	size_t nrows = nev > TREND_ROWS ? TREND_ROWS : nev;
	qsort(order, nrows, sizeof *order, by_start);
	trends_table(f, order, nrows, nev, bucket, short_input ? note : NULL);

	fputs("<footer>Made by groundswell " GS_VERSION " from the archive alone: this page "
	      "loads nothing from the network and runs no script.</footer>"
	      "</main></body></html>\n",
	      f);
	for (size_t i = 0; i < nov; i++)
		free(ov[i].tl);
	free(v);
	free(order);
	free(tr);
	if (!rc && ferror(f))
		rc = GS_EIO;
	return rc;
}
