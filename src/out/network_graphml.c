/*
 * network_graphml.c - a network as GraphML (network_write.h), as Gephi,
 * networkx, igraph and yEd read it: a key per node attribute (label, the
 * five of gs_net_node_attr) and per edge count (weight, then each kind for
 * accounts), then the nodes and edges in output order. Static only: GraphML
 * has no standard notion of spells. Text is escaped by gs_xml_str.
 */
#include "network_write_int.h"
#include "xml_writer.h"

void gs_net_write_graphml(const struct gs_net_view *v, FILE *f)
{
	const char *const *attrs =
		v->cotags ? gs_net_tag_attrs : gs_net_acct_attrs;
	char buf[32];
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
	      f);
	fputs("  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n",
	      f);
	for (int k = 0; k < 5; k++)
		fprintf(f,
			"  <key id=\"%s\" for=\"node\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
			attrs[k], attrs[k], k < 3 ? "long" : "string");
	fputs("  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n",
	      f);
	if (!v->cotags)
		for (int k = 0; k < 4; k++)
			fprintf(f,
				"  <key id=\"%s\" for=\"edge\" attr.name=\"%s\" attr.type=\"long\"/>\n",
				gs_net_kind_names[k], gs_net_kind_names[k]);
	fprintf(f, "  <graph id=\"G\" edgedefault=\"%s\">\n",
		v->cotags ? "undirected" : "directed");
	for (size_t i = 0; i < v->nn; i++) {
		uint32_t id = v->nodes[i];
		fputs("    <node id=\"", f);
		gs_xml_str(f, v->names[id]);
		fputs("\"><data key=\"label\">", f);
		gs_xml_str(f, gs_net_label(v, id));
		fputs("</data>", f);
		for (int k = 0; k < 5; k++) {
			fprintf(f, "<data key=\"%s\">", attrs[k]);
			gs_xml_str(f, gs_net_node_attr(v, id, k, buf));
			fputs("</data>", f);
		}
		fputs("</node>\n", f);
	}
	for (size_t i = 0; i < v->ne; i++) {
		const struct edge *e = &v->g.edges[v->edges[i]];
		fputs("    <edge source=\"", f);
		gs_xml_str(f, v->names[e->a]);
		fputs("\" target=\"", f);
		gs_xml_str(f, v->names[e->b]);
		fprintf(f, "\"><data key=\"weight\">%llu</data>",
			ull(view_weight(v, e)));
		if (!v->cotags)
			for (int k = 0; k < 4; k++)
				fprintf(f, "<data key=\"%s\">%u</data>",
					gs_net_kind_names[k],
					view_count(v, e, k));
		fputs("</edge>\n", f);
	}
	fputs("  </graph>\n</graphml>\n", f);
}
