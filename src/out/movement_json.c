/*
 * movement_json.c - movements as JSON: the one writer of "groundswell
 * movements --json" and of serve's /api/groundswell/v1/movements, so that
 * a live answer and a batch one over the same posts are the same bytes.
 */
#include "movement_json.h"

#include <math.h>

#include "json_writer.h"

static void json_num(FILE *f, double v)
{
	if (!isfinite(v))
		v = 0;
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

static void signals_json(FILE *f, unsigned s)
{
	const char *sep = "";
	fputc('[', f);
	if (s & GS_MV_POSTS)
		fprintf(f, "%s\"posts\"", sep), sep = ",";
	if (s & GS_MV_ACCOUNTS)
		fprintf(f, "%s\"accounts\"", sep), sep = ",";
	if (s & GS_MV_TIME)
		fprintf(f, "%s\"time\"", sep);
	fputc(']', f);
}

void gs_movements_json(FILE *f, const struct gs_movements *mv,
		       const struct gs_cooccur_stats *cs)
{
	fputs("{\"movements\":[", f);
	for (size_t i = 0; i < mv->n; i++) {
		const struct gs_movement *m = &mv->v[i];
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		gs_json_str(f, m->name);
		fprintf(f,
			",\"defined\":%s,\"posts\":%llu,\"posts_error\":%llu,"
			"\"tag_uses\":%llu,\"accounts\":",
			m->defined ? "true" : "false",
			(unsigned long long)m->posts,
			(unsigned long long)m->posts_error,
			(unsigned long long)m->tag_uses);
		json_num(f, round(m->accounts));
		fputs(",\"accounts_error\":", f);
		json_num(f, m->accounts_error);
		fputs(",\"accounts_sum\":", f);
		json_num(f, round(m->accounts_sum));
		fputs(",\"tags\":[", f);
		for (size_t k = 0; k < m->ntags; k++) {
			const struct gs_movement_tag *g = &m->tags[k];
			fputs(k ? ",{\"tag\":" : "{\"tag\":", f);
			gs_json_str(f, g->key);
			fputs(",\"display\":", f);
			gs_json_str(f, g->display);
			fprintf(f, ",\"posts\":%llu,\"accounts\":",
				(unsigned long long)g->posts);
			json_num(f, round(g->accounts));
			fputs(",\"accounts_error\":", f);
			json_num(f, g->accounts_error);
			fputs(",\"first_seen\":", f);
			gs_json_time(f, g->first_ms);
			fputs(",\"onset\":", f);
			gs_json_time(f, g->onset_ms);
			fputs("}", f);
		}
		fputs("],\"pairs\":[", f);
		for (size_t k = 0; k < m->npairs; k++) {
			const struct gs_movement_pair *p = &m->pairs[k];
			fputs(k ? ",{\"a\":" : "{\"a\":", f);
			gs_json_str(f, m->tags[p->a].key);
			fputs(",\"b\":", f);
			gs_json_str(f, m->tags[p->b].key);
			fputs(",\"signals\":", f);
			signals_json(f, p->signals);
			fprintf(f,
				",\"joined\":%s,\"posts_both\":%llu,\"posts_expected\":",
				p->joined ? "true" : "false",
				(unsigned long long)p->posts_both);
			json_num(f, p->posts_expected);
			fputs(",\"posts_lift\":", f);
			json_num(f, p->posts_lift);
			fputs(",\"posts_g\":", f);
			json_num(f, p->posts_g);
			fputs(",\"accounts_both\":", f);
			json_num(f, round(p->accounts_both));
			fputs(",\"accounts_both_error\":", f);
			json_num(f, p->accounts_both_se);
			fputs(",\"accounts_expected\":", f);
			json_num(f, p->accounts_expected);
			fputs(",\"accounts_lift\":", f);
			json_num(f, p->accounts_lift);
			fputs(",\"accounts_g\":", f);
			json_num(f, p->accounts_g);
			fputs(",\"jaccard\":", f);
			json_num(f, p->jaccard);
			fputs(",\"jaccard_error\":", f);
			json_num(f, p->jaccard_se);
			fprintf(f, ",\"accounts_exact\":%s}",
				p->accounts_exact ? "true" : "false");
		}
		fputs("],\"languages\":[", f);
		for (size_t k = 0; k < m->nlangs; k++) {
			fputs(k ? ",{\"lang\":" : "{\"lang\":", f);
			gs_json_str(f, m->langs[k].code);
			fputs(",\"onset\":", f);
			gs_json_time(f, m->langs[k].onset_ms);
			fprintf(f, ",\"tag_uses\":%llu}",
				(unsigned long long)m->langs[k].tag_uses);
		}
		fputs("],\"shared_posts\":[", f);
		for (size_t k = 0; k < m->nshared; k++) {
			fputs(k ? ",{\"id\":" : "{\"id\":", f);
			gs_json_str(f, m->shared[k].name);
			fprintf(f, ",\"reposts\":%llu}",
				(unsigned long long)m->shared[k].count);
		}
		fputs("],\"timeline\":[", f);
		const char *sep = "";
		for (size_t k = 0; k < m->nbuckets; k++) {
			if (!m->bucket_posts[k])
				continue;
			fprintf(f, "%s{\"time\":", sep);
			sep = ",";
			gs_json_time(f, m->first_bucket_ms +
						(int64_t)k * m->bucket_ms);
			fprintf(f, ",\"posts\":%llu,\"accounts\":",
				(unsigned long long)m->bucket_posts[k]);
			json_num(f, round(m->bucket_accounts[k]));
			fputs(",\"accounts_error\":", f);
			json_num(f, m->bucket_accounts_error[k]);
			fputs("}", f);
		}
		fputs("]}", f);
	}
	fprintf(f,
		"],\"candidates\":%zu,\"candidates_left\":%zu,\"spam_left\":%zu,"
		"\"tags_evicted\":%llu,\"combos_evicted\":%llu}\n",
		mv->candidates, mv->candidates_left, mv->spam_left,
		(unsigned long long)cs->tags_evicted,
		(unsigned long long)cs->combos_evicted);
}
