/*
 * network_json.c - a network as a node-link graph (network_write.h), the
 * shape networkx's node_link_graph and d3 read: {"directed", "multigraph",
 * "kinds", "summary", "nodes", "links"}. The summary holds the counters of
 * the text summary and the top list; one node or link per line, so that
 * line tools can still cut it. Strings are quoted by gs_json_str.
 */
#include "json_writer.h"
#include "network_write_int.h"

static void spell_json(FILE *f, const char *a, const char *b, int first)
{
	fprintf(f, "%s{\"start\":\"%s\",\"end\":\"%s\"}", first ? "" : ",", a,
		b);
}

/* ,"handle":"..." of an account node, or null when none is known. */
static void handle_json(const struct gs_net_view *v, FILE *f, uint32_t i)
{
	const char *h = gs_net_handle(v, i);
	fputs(",\"handle\":", f);
	if (h)
		gs_json_str(f, h);
	else
		fputs("null", f);
}

void gs_net_write_json(const struct gs_net_view *v, FILE *f,
		       const struct gs_network_summary *s, const uint32_t *top,
		       size_t ntop)
{
	const struct gs_network_stats *st = &v->st;
	const struct node *nodes = v->g.nodes;
	const struct gs_network_output *o = v->o;
	char buf[64], a[32], b[32];
	uint64_t weight_total = st->weight_total;
	if (!v->all) {
		weight_total = 0; /* every interaction of the kinds shown */
		for (int k = 0; k < 4; k++)
			if (v->kinds & (1u << k))
				weight_total += st->kind_total[k];
	}
	gs_net_kinds_text(v->kinds, buf);
	/* one link per pair (a node-link graph, not a multigraph: the
	 * interactions between two accounts are one weighted edge) */
	fprintf(f,
		"{\"directed\":%s,\"multigraph\":false,\"kinds\":\"%s\",\"summary\":{",
		v->cotags ? "false" : "true", buf);
	/* the filter tag: its folded key, and its spelling beside it */
	fputs("\"tag\":", f);
	if (v->no.tag)
		gs_json_str(f, v->no.tag);
	else
		fputs("null", f);
	fputs(",\"display\":", f);
	if (v->no.tag) {
		const char *d =
			o->tag_display
				? o->tag_display
				: gs_net_spellings_best(v->g.tag_spellings);
		gs_json_str(f, d ? d : v->no.tag);
	} else {
		fputs("null", f);
	}
	gs_time_text(a, st->first_ms);
	gs_time_text(b, st->last_ms);
	fprintf(f,
		",\"posts\":%llu,\"posts_selected\":%llu,\"malformed\":%llu,"
		"\"out_of_window\":%llu,",
		ull(st->posts), ull(st->posts_selected), ull(o->malformed),
		ull(o->out_of_window));
	/* as report --json's summary has them */
	fputs("\"filtered\":", f);
	for (int k = GS_FILTER_SINCE; k < GS_FILTER_EXCLUDED_IDS; k++)
		fprintf(f, "%c\"%s\":%llu", k == GS_FILTER_SINCE ? '{' : ',',
			gs_filter_reason_key((enum gs_filter_reason)k),
			ull(o->filtered[k]));
	fprintf(f, "},\"excluded\":%llu,\"first_seen\":",
		ull(o->filtered[GS_FILTER_EXCLUDED_IDS]));
	if (a[0])
		gs_json_str(f, a);
	else
		fputs("null", f);
	fputs(",\"last_seen\":", f);
	if (b[0])
		gs_json_str(f, b);
	else
		fputs("null", f);
	fprintf(f, ",\"nodes\":%llu,\"edges\":%llu,\"weight\":%llu",
		ull(s->nodes), ull(s->edges), ull(s->weight));
	if (!v->cotags)
		for (int k = 0; k < 4; k++)
			fprintf(f, ",\"%s\":%llu", gs_net_kind_names[k],
				ull(s->kind_weight[k]));
	if (s->reciprocity < 0)
		fputs(",\"reciprocity\":null", f);
	else
		fprintf(f, ",\"reciprocity\":%.6g", s->reciprocity);
	fprintf(f,
		",\"reciprocal_edges\":%llu,\"components\":%llu,"
		"\"largest_component\":{\"nodes\":%llu,\"edges\":%llu},"
		"\"min_weight\":%llu,\"below_min_weight\":%llu,\"top_nodes\":%llu,"
		"\"held\":{\"nodes\":%llu,\"edges\":%llu},"
		"\"total_weight\":%llu,"
		"\"evicted\":{\"edges\":%llu,\"weight\":%llu,\"max_weight\":%llu,\"nodes\":%llu},"
		"\"ids_skipped\":%llu,\"reposts_unresolved\":%llu",
		ull(s->reciprocal_edges), ull(s->components),
		ull(s->largest_component), ull(s->largest_component_edges),
		ull(o->min_weight), ull(s->below_min_weight), ull(o->top_nodes),
		ull(st->nodes_held), ull(st->edges_held), ull(weight_total),
		ull(st->edges_evicted), ull(st->weight_evicted),
		ull(st->evicted_max_weight), ull(st->nodes_evicted),
		ull(st->ids_skipped), ull(st->reposts_unresolved));
	fputs(",\"top\":[", f);
	for (size_t i = 0; i < ntop; i++) {
		const struct node *x = &nodes[top[i]];
		fprintf(f, "%s{\"id\":", i ? "," : "");
		gs_json_str(f, v->names[top[i]]);
		if (!v->cotags)
			handle_json(v, f, top[i]);
		if (v->cotags)
			fprintf(f, ",\"strength\":%llu,\"posts\":%llu}",
				ull(x->wout), ull(x->posts));
		else
			fprintf(f, ",\"in\":%llu,\"out\":%llu,\"posts\":%llu}",
				ull(view_in(v, top[i])),
				ull(view_out(v, top[i])), ull(x->posts));
	}
	fputs("]},\"nodes\":[", f);
	for (size_t i = 0; i < v->nn; i++) {
		uint32_t id = v->nodes[i];
		const struct node *x = &nodes[id];
		fputs(i ? ",\n{\"id\":" : "\n{\"id\":", f);
		gs_json_str(f, v->names[id]);
		gs_time_text(a, x->first_ms);
		gs_time_text(b, x->last_ms);
		if (v->cotags) {
			fputs(",\"label\":", f);
			gs_json_str(f, gs_net_label(v, id));
			fprintf(f,
				",\"posts\":%llu,\"degree\":%u,\"strength\":%llu",
				ull(x->posts), x->nedges, ull(x->wout));
		} else {
			handle_json(v, f, id);
			fprintf(f, ",\"posts\":%llu,\"in\":%llu,\"out\":%llu",
				ull(x->posts), ull(view_in(v, id)),
				ull(view_out(v, id)));
		}
		fprintf(f, ",\"first_seen\":\"%s\",\"last_seen\":\"%s\"", a, b);
		if (o->dynamic) {
			fputs(",\"spells\":[", f);
			gs_net_spells_each(v, x->sp, spell_json, f);
			putc(']', f);
		}
		putc('}', f);
	}
	fputs("],\"links\":[", f);
	for (size_t i = 0; i < v->ne; i++) {
		const struct edge *e = &v->g.edges[v->edges[i]];
		fputs(i ? ",\n{\"source\":" : "\n{\"source\":", f);
		gs_json_str(f, v->names[e->a]);
		fputs(",\"target\":", f);
		gs_json_str(f, v->names[e->b]);
		fprintf(f, ",\"weight\":%llu", ull(view_weight(v, e)));
		if (!v->cotags)
			for (int k = 0; k < 4; k++)
				fprintf(f, ",\"%s\":%u", gs_net_kind_names[k],
					view_count(v, e, k));
		if (o->dynamic) {
			fputs(",\"spells\":[", f);
			gs_net_spells_each(v, e->sp, spell_json, f);
			putc(']', f);
		}
		putc('}', f);
	}
	fputs("]}\n", f);
}
