/*
 * network_summary.c - a network as a few lines for a person
 * (network_write.h): the size of the shown graph, what was read and
 * skipped, the weight per kind and the reciprocity, the components, what
 * eviction and the filters pruned, and the top list as a table (accounts
 * by weighted in-degree, tags by strength). Numbers have thousands
 * separators; names are printed as they are (a terminal shows them).
 */
#include <string.h>

#include "json_writer.h"
#include "text.h"
#include "network_write_int.h"

/* A top list's name: "#tag", "@handle (id)", or the id (a pseudonym
 * alone: the handle's pseudonym is the id's). Returns its length. */
static int top_name(const struct gs_net_view *v, uint32_t i, char *buf,
		    size_t size)
{
	const char *h = gs_net_handle(v, i);
	int n;
	if (v->cotags)
		n = snprintf(buf, size, "#%s", gs_net_label(v, i));
	else if (h && h != v->names[i] && strcmp(h, v->names[i]))
		n = snprintf(buf, size, "@%s (%s)", h, v->names[i]);
	else
		n = snprintf(buf, size, "%s", v->names[i]);
	return n < (int)size ? n : (int)size - 1;
}

void gs_net_write_summary(const struct gs_net_view *v, FILE *f,
			  const struct gs_network_summary *s,
			  const uint32_t *top, size_t ntop)
{
	const struct gs_network_stats *st = &v->st;
	const struct gs_network_output *o = v->o;
	char kinds[64], a[32], b[32], c[32], d[32];
	gs_net_kinds_text(v->kinds, kinds);
	gs_text_count(a, sizeof a, s->nodes);
	gs_text_count(b, sizeof b, s->edges);
	gs_text_count(c, sizeof c, s->weight);
	fprintf(f, "%s network", kinds);
	if (v->no.tag)
		fprintf(f, " of #%s", v->no.tag);
	fprintf(f, ": %s nodes, %s %s edges, total weight %s\n", a, b,
		v->cotags ? "undirected" : "directed", c);
	gs_text_count(a, sizeof a, st->posts);
	gs_text_count(b, sizeof b, st->posts_selected);
	gs_time_text(c, st->first_ms);
	gs_time_text(d, st->last_ms);
	fprintf(f, "  posts      %s read, %s selected", a, b);
	if (c[0])
		fprintf(f, ", %s to %s", c, d);
	fputc('\n', f);
	if (o->malformed || st->reposts_unresolved || st->ids_skipped ||
	    o->out_of_window) {
		gs_text_count(a, sizeof a, o->malformed);
		gs_text_count(b, sizeof b, st->reposts_unresolved);
		gs_text_count(c, sizeof c, st->ids_skipped);
		fprintf(f,
			"  skipped    %s malformed lines, %s Bluesky reposts of unseen posts, %s over-long ids",
			a, b, c);
		if (o->out_of_window) {
			gs_text_count(a, sizeof a, o->out_of_window);
			fprintf(f, ", %s posts dated outside the time window",
				a);
		}
		fputc('\n', f);
	}
	uint64_t filtered = 0, excluded = o->filtered[GS_FILTER_EXCLUDED_IDS];
	for (int k = GS_FILTER_SINCE; k < GS_FILTER_EXCLUDED_IDS; k++)
		filtered += o->filtered[k];
	if (filtered || excluded) {
		const char *sep = " (";
		gs_text_count(a, sizeof a, filtered);
		fprintf(f, "  filtered   %s posts", a);
		for (int k = GS_FILTER_SINCE; k < GS_FILTER_EXCLUDED_IDS; k++)
			if (o->filtered[k]) {
				gs_text_count(b, sizeof b, o->filtered[k]);
				fprintf(f, "%s%s: %s", sep,
					gs_filter_reason_option(
						(enum gs_filter_reason)k),
					b);
				sep = ", ";
			}
		gs_text_count(a, sizeof a, excluded);
		fprintf(f, "%s, %s excluded (--exclude-ids)\n",
			filtered ? ")" : "", a);
	}
	if (!v->cotags) {
		fputs("  by kind   ", f);
		for (int k = 0; k < 4; k++)
			if (v->kinds & (1u << k)) {
				gs_text_count(a, sizeof a, s->kind_weight[k]);
				fprintf(f, " %s %s", gs_net_kind_names[k], a);
			}
		fputc('\n', f);
		if (s->reciprocity >= 0) {
			gs_text_count(a, sizeof a, s->reciprocal_edges);
			gs_text_count(b, sizeof b, s->edges);
			fprintf(f,
				"  reciprocity %.1f%% (%s of %s edges have their reverse)\n",
				100 * s->reciprocity, a, b);
		}
	}
	if (s->nodes) {
		gs_text_count(a, sizeof a, s->largest_component);
		gs_text_count(b, sizeof b, s->components);
		fprintf(f,
			"  components %s weakly connected; the largest has %s nodes (%.1f%%)\n",
			b, a,
			100.0 * (double)s->largest_component /
				(double)s->nodes);
	}
	gs_text_count(a, sizeof a, st->edges_evicted);
	gs_text_count(b, sizeof b, st->weight_evicted);
	gs_text_count(c, sizeof c, st->nodes_evicted);
	gs_text_count(d, sizeof d, s->below_min_weight);
	fprintf(f,
		"  pruned     %s edges evicted (weight %s), %s nodes evicted, %s edges under --min-weight",
		a, b, c, d);
	if (o->top_nodes)
		fprintf(f, ", --top-nodes %zu", o->top_nodes);
	fputc('\n', f);
	if (!ntop)
		return;
	const char *head = v->cotags ? "tag (by strength)"
				     : "most addressed (weighted in-degree)";
	int w = (int)strlen(head);
	for (size_t i = 0; i < ntop; i++) {
		char name[300];
		int len = top_name(v, top[i], name, sizeof name);
		if (len > w)
			w = len < 80 ? len : 80;
	}
	fprintf(f, "\n  %-4s %-*s %10s %10s %8s\n", "#", w, head,
		v->cotags ? "strength" : "in", v->cotags ? "degree" : "out",
		"posts");
	for (size_t i = 0; i < ntop; i++) {
		const struct node *x = &v->g.nodes[top[i]];
		char name[300];
		top_name(v, top[i], name, sizeof name);
		gs_text_count(a, sizeof a,
			      v->cotags ? x->wout : view_in(v, top[i]));
		gs_text_count(b, sizeof b,
			      v->cotags ? x->nedges : view_out(v, top[i]));
		gs_text_count(c, sizeof c, x->posts);
		fprintf(f, "  %-4zu %-*s %10s %10s %8s\n", i + 1, w, name, a, b,
			c);
	}
}
