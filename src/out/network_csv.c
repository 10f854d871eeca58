/*
 * network_csv.c - a network as an edge list (network_write.h): one line per
 * shown edge, source,target,weight and, for accounts, the count of each
 * kind (0 for the kinds not shown) and the handles of source and target
 * (empty when unknown), as spreadsheets, pandas and igraph's
 * read_csv take it. Fields are quoted by gs_csv_str (RFC 4180).
 */
#include "json_writer.h"
#include "network_write_int.h"

void gs_net_write_csv(const struct gs_net_view *v, FILE *f)
{
	fputs(v->cotags
		      ? "source,target,weight\n"
		      : "source,target,weight,replies,mentions,reposts,quotes,"
			"source_handle,target_handle\n",
	      f);
	for (size_t i = 0; i < v->ne; i++) {
		const struct edge *e = &v->g.edges[v->edges[i]];
		gs_csv_str(f, v->names[e->a]);
		putc(',', f);
		gs_csv_str(f, v->names[e->b]);
		fprintf(f, ",%llu", ull(view_weight(v, e)));
		if (!v->cotags) {
			const char *ha = gs_net_handle(v, e->a);
			const char *hb = gs_net_handle(v, e->b);
			fprintf(f, ",%u,%u,%u,%u,", view_count(v, e, 0),
				view_count(v, e, 1), view_count(v, e, 2),
				view_count(v, e, 3));
			gs_csv_str(f, ha ? ha : "");
			putc(',', f);
			gs_csv_str(f, hb ? hb : "");
		}
		putc('\n', f);
	}
}
