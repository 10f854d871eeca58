/*
 * network_gexf.c - a network as GEXF 1.3 (network_write.h), Gephi's own
 * format: a description naming the kinds and the tag filter, static
 * attributes declared once (the five of gs_net_node_attr for nodes, the
 * count of each kind for account edges), then the nodes and edges in output
 * order. With o->dynamic the graph is dynamic and every node and edge
 * carries its spells (runs of consecutive active buckets, dateTime), which
 * Gephi's timeline plays. Text is escaped by gs_xml_str.
 */
#include "groundswell.h"
#include "network_write_int.h"
#include "xml_writer.h"

static void spell_xml(FILE *f, const char *a, const char *b, int first)
{
	(void)first;
	fprintf(f, "<spell start=\"%s\" end=\"%s\"/>", a, b);
}

void gs_net_write_gexf(const struct gs_net_view *v, FILE *f)
{
	const struct gs_network_output *o = v->o;
	const char *const *attrs =
		v->cotags ? gs_net_tag_attrs : gs_net_acct_attrs;
	char kinds[64], buf[32];
	gs_net_kinds_text(v->kinds, kinds);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n"
	      "  <meta>\n    <creator>groundswell " GS_VERSION "</creator>\n"
	      "    <description>",
	      f);
	fprintf(f, "%s network", kinds);
	if (v->no.tag) {
		fputs(" of posts using #", f);
		gs_xml_str(f, v->no.tag);
	}
	fputs("</description>\n  </meta>\n", f);
	fprintf(f, "  <graph defaultedgetype=\"%s\" mode=\"%s\"%s>\n",
		v->cotags ? "undirected" : "directed",
		o->dynamic ? "dynamic" : "static",
		o->dynamic ? " timeformat=\"dateTime\"" : "");
	fputs("    <attributes class=\"node\" mode=\"static\">\n", f);
	for (int k = 0; k < 5; k++)
		fprintf(f,
			"      <attribute id=\"%d\" title=\"%s\" type=\"%s\"/>\n",
			k, attrs[k], k < 3 ? "long" : "string");
	fputs("    </attributes>\n", f);
	if (!v->cotags) {
		fputs("    <attributes class=\"edge\" mode=\"static\">\n", f);
		for (int k = 0; k < 4; k++)
			fprintf(f,
				"      <attribute id=\"%d\" title=\"%s\" type=\"long\"/>\n",
				k, gs_net_kind_names[k]);
		fputs("    </attributes>\n", f);
	}
	fputs("    <nodes>\n", f);
	for (size_t i = 0; i < v->nn; i++) {
		uint32_t id = v->nodes[i];
		fputs("      <node id=\"", f);
		gs_xml_str(f, v->names[id]);
		fputs("\" label=\"", f);
		gs_xml_str(f, gs_net_label(v, id));
		fputs("\">", f);
		if (o->dynamic) {
			fputs("<spells>", f);
			gs_net_spells_each(v, v->g.nodes[id].sp, spell_xml, f);
			fputs("</spells>", f);
		}
		fputs("<attvalues>", f);
		for (int k = 0; k < 5; k++) {
			fprintf(f, "<attvalue for=\"%d\" value=\"", k);
			gs_xml_str(f, gs_net_node_attr(v, id, k, buf));
			fputs("\"/>", f);
		}
		fputs("</attvalues></node>\n", f);
	}
	fputs("    </nodes>\n    <edges>\n", f);
	for (size_t i = 0; i < v->ne; i++) {
		const struct edge *e = &v->g.edges[v->edges[i]];
		fprintf(f, "      <edge id=\"%zu\" source=\"", i);
		gs_xml_str(f, v->names[e->a]);
		fputs("\" target=\"", f);
		gs_xml_str(f, v->names[e->b]);
		fprintf(f, "\" weight=\"%llu\">", ull(view_weight(v, e)));
		if (o->dynamic) {
			fputs("<spells>", f);
			gs_net_spells_each(v, e->sp, spell_xml, f);
			fputs("</spells>", f);
		}
		if (!v->cotags) {
			fputs("<attvalues>", f);
			for (int k = 0; k < 4; k++)
				fprintf(f,
					"<attvalue for=\"%d\" value=\"%u\"/>",
					k, view_count(v, e, k));
			fputs("</attvalues>", f);
		}
		fputs("</edge>\n", f);
	}
	fputs("    </edges>\n  </graph>\n</gexf>\n", f);
}
