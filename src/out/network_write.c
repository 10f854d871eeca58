/*
 * network_write.c - the output graph every network format shows, and the
 * dispatch to the format's writer (network_write.h).
 *
 * Design
 *   gs_network_write builds one view of the network (network_write_int.h):
 *   the held edges of at least min_weight over the kinds shown, their
 *   endpoints sorted by weighted degree (then name), cut to top_nodes, and
 *   the edges among the nodes kept, sorted by weight (then source, target).
 *   The view holds indices into the network's records and a name per node
 *   slot; pseudonyms (o->name) are copied into an arena of chunks that
 *   never move, so names already handed out stay valid as it grows.
 *   Shown kinds other than all of the network's reweigh every edge and
 *   recompute the degrees from the held edges. The summary (components by
 *   union-find, reciprocity through the network's edge index) and the top
 *   list (a k-th smallest cut, then a sort of the few at or above it) are
 *   computed here too, then one writer per format prints the view.
 */
#include "network_write.h"

#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "json_writer.h"
#include "network_write_int.h"

int gs_net_format_parse(const char *s)
{
	static const char *names[] = {"csv", "json", "gexf", "graphml",
				      "summary"};
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return i;
	return GS_NET_SUMMARY + 1;
}

void gs_network_output_init(struct gs_network_output *o)
{
	memset(o, 0, sizeof *o);
	o->min_weight = 1;
	o->top_list = 10;
}

const char *const gs_net_kind_names[4] = {"replies", "mentions", "reposts",
					  "quotes"};

/* ---- the view ---------------------------------------------------------- */

static void view_free(struct gs_net_view *v)
{
	free(v->nodes);
	free(v->edges);
	free(v->pos);
	free(v->inview);
	free(v->names);
	free(v->arena);
	free(v->din);
	free(v->dout);
}

/* Names node slot i (a pseudonym when o->name is set and these are
 * accounts), once. */
static int view_name(struct gs_net_view *v, size_t i)
{
	const struct node *x = &v->g.nodes[i];
	if (v->names[i])
		return 0;
	if (v->cotags || !v->o->name) {
		v->names[i] = x->id;
		return 0;
	}
	char buf[64];
	const char *s = v->o->name(v->o->name_ctx, x->id, buf);
	size_t len = strlen(s) + 1;
	if (v->arena_n + len > v->arena_cap) {
		/* grow by chunks; names already given point into old chunks,
		 * so chunks are never moved: keep a list instead */
		size_t cap = 1 << 16;
		if (cap < len)
			cap = len;
		char *chunk = malloc(cap + sizeof(char *));
		if (!chunk)
			return GS_ENOMEM;
		memcpy(chunk, &v->arena, sizeof(char *)); /* link to previous */
		v->arena = chunk;
		v->arena_n = sizeof(char *);
		v->arena_cap = cap + sizeof(char *);
	}
	char *d = v->arena + v->arena_n;
	memcpy(d, s, len);
	v->arena_n += len;
	v->names[i] = d;
	return 0;
}

static void arena_free(char *a)
{
	while (a) {
		char *prev;
		memcpy(&prev, a, sizeof prev);
		free(a);
		a = prev;
	}
}

static uint64_t wdeg(const struct gs_net_view *v, uint32_t i)
{
	return view_in(v, i) + view_out(v, i);
}

static int cmp_nodes(const void *pa, const void *pb, void *ctx)
{
	const struct gs_net_view *sort_view = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	uint64_t x = wdeg(sort_view, a), y = wdeg(sort_view, b);
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(sort_view->names[a], sort_view->names[b]);
}

static int cmp_edges(const void *pa, const void *pb, void *ctx)
{
	const struct gs_net_view *sort_view = ctx;
	const struct edge *x = &sort_view->g.edges[*(const uint32_t *)pa];
	const struct edge *y = &sort_view->g.edges[*(const uint32_t *)pb];
	uint64_t wx = view_weight(sort_view, x), wy = view_weight(sort_view, y);
	if (wx != wy)
		return wx > wy ? -1 : 1;
	int c = strcmp(sort_view->names[x->a], sort_view->names[y->a]);
	return c ? c : strcmp(sort_view->names[x->b], sort_view->names[y->b]);
}

/* By weighted in-degree, then name. */
static int cmp_in(const void *pa, const void *pb, void *ctx)
{
	const struct gs_net_view *sort_view = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	uint64_t x = view_in(sort_view, a), y = view_in(sort_view, b);
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(sort_view->names[a], sort_view->names[b]);
}

static int view_build(struct gs_net_view *v, const struct gs_network *n,
		      const struct gs_network_output *o)
{
	memset(v, 0, sizeof *v);
	v->n = n;
	v->o = o;
	gs_network_graph(n, &v->g);
	gs_network_options_of(n, &v->no);
	gs_network_stats(n, &v->st);
	const struct gs_net_graph *g = &v->g;
	v->cotags = v->no.kinds == GS_NET_COTAGS;
	size_t ns = g->nslots ? g->nslots : 1, ne = g->nedges ? g->nedges : 1;
	v->pos = malloc(ns * sizeof *v->pos);
	v->names = calloc(ns, sizeof *v->names);
	v->inview = calloc(ne, 1);
	v->nodes = malloc(ns * sizeof *v->nodes);
	v->edges = malloc(ne * sizeof *v->edges);
	if (!v->pos || !v->names || !v->inview || !v->nodes || !v->edges)
		return GS_ENOMEM;
	for (size_t i = 0; i < g->nslots; i++)
		v->pos[i] = -1;
	v->kinds = v->no.kinds;
	if (!v->cotags && o->kinds)
		v->kinds &= o->kinds;
	v->all = v->kinds == v->no.kinds;
	if (!v->all) {
		/* degrees over the kinds shown, from the held edges */
		v->din = calloc(ns, sizeof *v->din);
		v->dout = calloc(ns, sizeof *v->dout);
		if (!v->din || !v->dout)
			return GS_ENOMEM;
		for (size_t i = 0; i < g->nedges; i++) {
			uint64_t w = view_weight(v, &g->edges[i]);
			v->dout[g->edges[i].a] += w;
			v->din[g->edges[i].b] += w;
		}
	}
	/* candidates: endpoints of edges of at least min_weight */
	for (size_t i = 0; i < g->nedges; i++) {
		const struct edge *e = &g->edges[i];
		uint64_t w = view_weight(v, e);
		if (!w)
			continue; /* only kinds not shown */
		if (w < o->min_weight) {
			v->below_min++;
			continue;
		}
		v->inview[i] = 1;
		if (v->pos[e->a] < 0)
			v->pos[e->a] = 0, v->nodes[v->nn++] = e->a;
		if (v->pos[e->b] < 0)
			v->pos[e->b] = 0, v->nodes[v->nn++] = e->b;
	}
	for (size_t i = 0; i < v->nn; i++)
		if (view_name(v, v->nodes[i]))
			return GS_ENOMEM;
	qsort_r(v->nodes, v->nn, sizeof *v->nodes, cmp_nodes, v);
	if (o->top_nodes && v->nn > o->top_nodes) {
		for (size_t i = o->top_nodes; i < v->nn; i++)
			v->pos[v->nodes[i]] = -1;
		v->nn = o->top_nodes;
	}
	for (size_t i = 0; i < v->nn; i++)
		v->pos[v->nodes[i]] = (int32_t)i;
	for (size_t i = 0; i < g->nedges; i++) {
		const struct edge *e = &g->edges[i];
		if (v->inview[i] && (v->pos[e->a] < 0 || v->pos[e->b] < 0))
			v->inview[i] = 0;
		if (v->inview[i])
			v->edges[v->ne++] = (uint32_t)i;
	}
	qsort_r(v->edges, v->ne, sizeof *v->edges, cmp_edges, v);
	return 0;
}

static size_t uf_find(size_t *p, size_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

static int view_summary(const struct gs_net_view *v,
			struct gs_network_summary *s)
{
	const struct edge *edges = v->g.edges;
	memset(s, 0, sizeof *s);
	s->nodes = v->nn;
	s->edges = v->ne;
	s->below_min_weight = v->below_min;
	for (size_t i = 0; i < v->ne; i++) {
		const struct edge *e = &edges[v->edges[i]];
		s->weight += view_weight(v, e);
		for (int k = 0; k < 4 && !v->cotags; k++)
			s->kind_weight[k] += view_count(v, e, k);
		if (!v->cotags) {
			size_t r = gs_network_edge_find(v->n, e->b, e->a);
			if (r && v->inview[r - 1])
				s->reciprocal_edges++;
		}
	}
	s->reciprocity = v->cotags || !v->ne
				 ? -1
				 : (double)s->reciprocal_edges / (double)v->ne;
	size_t nn = v->nn ? v->nn : 1;
	size_t *par = malloc(nn * sizeof *par);
	uint64_t *size = calloc(nn, sizeof *size),
		 *esz = calloc(nn, sizeof *esz);
	if (!par || !size || !esz) {
		free(par);
		free(size);
		free(esz);
		return GS_ENOMEM;
	}
	for (size_t i = 0; i < v->nn; i++)
		par[i] = i;
	for (size_t i = 0; i < v->ne; i++) {
		const struct edge *e = &edges[v->edges[i]];
		size_t a = uf_find(par, (size_t)v->pos[e->a]);
		size_t b = uf_find(par, (size_t)v->pos[e->b]);
		if (a != b)
			par[a > b ? a : b] = a < b ? a : b;
	}
	for (size_t i = 0; i < v->nn; i++) {
		size_t r = uf_find(par, i);
		if (size[r]++ == 0)
			s->components++;
	}
	for (size_t i = 0; i < v->ne; i++)
		esz[uf_find(par, (size_t)v->pos[edges[v->edges[i]].a])]++;
	for (size_t i = 0; i < v->nn; i++)
		if (size[i] > s->largest_component ||
		    (size[i] == s->largest_component &&
		     esz[i] > s->largest_component_edges)) {
			s->largest_component = size[i];
			s->largest_component_edges = esz[i];
		}
	free(par);
	free(size);
	free(esz);
	return 0;
}

/* The top accounts by weighted in-degree (tags: by strength) among all
 * held nodes, into out (slots); returns how many. */
static int top_list(struct gs_net_view *v, uint32_t **out, size_t *nout)
{
	const struct gs_net_graph *g = &v->g;
	size_t want = v->o->top_list;
	*out = NULL;
	*nout = 0;
	if (!want)
		return 0;
	/* the want-th largest key, then every node at least that large */
	uint64_t *keys = malloc((v->st.nodes_held ? v->st.nodes_held : 1) *
				sizeof *keys);
	if (!keys)
		return GS_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < g->nslots; i++) {
		const struct node *x = &g->nodes[i];
		uint64_t key = v->cotags ? x->wout : view_in(v, (uint32_t)i);
		if (x->id && key)
			keys[k++] = key;
	}
	if (!k) {
		free(keys);
		return 0;
	}
	uint64_t floor = k > want ? gs_net_kth_smallest(keys, k, k - want) : 1;
	free(keys);
	uint32_t *c = malloc(k * sizeof *c);
	if (!c)
		return GS_ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < g->nslots; i++) {
		const struct node *x = &g->nodes[i];
		uint64_t key = v->cotags ? x->wout : view_in(v, (uint32_t)i);
		if (x->id && key && key >= floor) {
			if (view_name(v, i)) {
				free(c);
				return GS_ENOMEM;
			}
			c[m++] = (uint32_t)i;
		}
	}
	qsort_r(c, m, sizeof *c, v->cotags ? cmp_nodes : cmp_in, v);
	*out = c;
	*nout = m < want ? m : want;
	return 0;
}

/* ---- shared by the writers --------------------------------------------- */

void gs_net_kinds_text(unsigned k, char *buf)
{
	buf[0] = 0;
	if (k == GS_NET_COTAGS) {
		strcpy(buf, "cotags");
		return;
	}
	for (int i = 0; i < 4; i++)
		if (k & (1u << i)) {
			if (buf[0])
				strcat(buf, ",");
			strcat(buf, gs_net_kind_names[i]);
		}
}

const char *gs_net_spellings_best(const struct spellings *l)
{
	if (!l || !l->s[0])
		return NULL;
	int best = 0;
	for (int k = 1; k < SPELLINGS_MAX && l->s[k]; k++)
		if (l->count[k] > l->count[best] ||
		    (l->count[k] == l->count[best] &&
		     strcmp(l->s[k], l->s[best]) < 0))
			best = k;
	return l->s[best];
}

const char *gs_net_handle(const struct gs_net_view *v, uint32_t i)
{
	if (v->cotags)
		return NULL;
	const char *h = gs_network_handle(v->n, v->g.nodes[i].id);
	/* pseudonymised: the account's pseudonym, never the handle */
	return h && v->o->name ? v->names[i] : h;
}

const char *gs_net_label(const struct gs_net_view *v, uint32_t i)
{
	const char *b = v->cotags ? gs_net_spellings_best(v->g.nodes[i].lab)
				  : gs_net_handle(v, i);
	return b ? b : v->names[i];
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

void gs_net_spells_each(const struct gs_net_view *v, const struct spells *s,
			void (*fn)(FILE *, const char *, const char *, int),
			FILE *f)
{
	if (!s)
		return;
	int64_t w = v->no.bucket_ms;
	int first = 1;
	for (uint32_t i = 0; i < s->n;) {
		uint32_t j = i;
		while (j + 1 < s->n && s->b[j + 1] == add_sat(s->b[j], w))
			j++;
		char a[32], b[32];
		gs_time_text(a, s->b[i]);
		gs_time_format(add_sat(s->b[j], w), b);
		fn(f, a, b, first);
		first = 0;
		i = j + 1;
	}
}

const char *const gs_net_acct_attrs[5] = {"posts", "in", "out", "first_seen",
					  "last_seen"};
const char *const gs_net_tag_attrs[5] = {"posts", "degree", "strength",
					 "first_seen", "last_seen"};

const char *gs_net_node_attr(const struct gs_net_view *v, uint32_t i, int k,
			     char buf[32])
{
	const struct node *x = &v->g.nodes[i];
	switch (k) {
	case 0:
		snprintf(buf, 32, "%llu", ull(x->posts));
		break;
	case 1:
		if (v->cotags)
			snprintf(buf, 32, "%u", x->nedges);
		else
			snprintf(buf, 32, "%llu", ull(view_in(v, i)));
		break;
	case 2:
		snprintf(buf, 32, "%llu", ull(view_out(v, i)));
		break;
	case 3:
		gs_time_text(buf, x->first_ms);
		break;
	default:
		gs_time_text(buf, x->last_ms);
		break;
	}
	return buf;
}

/* ---- dispatch ---------------------------------------------------------- */

int gs_network_write(const struct gs_network *n, FILE *f,
		     enum gs_net_format fmt, const struct gs_network_output *o,
		     struct gs_network_summary *sum)
{
	struct gs_network_output def;
	if (!o) {
		gs_network_output_init(&def);
		o = &def;
	}
	struct gs_net_view v;
	struct gs_network_summary s;
	uint32_t *top = NULL;
	size_t ntop = 0;
	int r = view_build(&v, n, o);
	if (!r)
		r = view_summary(&v, &s);
	if (!r && (fmt == GS_NET_JSON || fmt == GS_NET_SUMMARY))
		r = top_list(&v, &top, &ntop);
	if (!r) {
		switch (fmt) {
		case GS_NET_CSV:
			gs_net_write_csv(&v, f);
			break;
		case GS_NET_JSON:
			gs_net_write_json(&v, f, &s, top, ntop);
			break;
		case GS_NET_GEXF:
			gs_net_write_gexf(&v, f);
			break;
		case GS_NET_GRAPHML:
			gs_net_write_graphml(&v, f);
			break;
		default:
			gs_net_write_summary(&v, f, &s, top, ntop);
			break;
		}
		if (fflush(f) != 0 || ferror(f))
			r = GS_EIO;
		if (sum)
			*sum = s;
	}
	free(top);
	char *arena = v.arena;
	v.arena = NULL;
	arena_free(arena);
	view_free(&v);
	return r;
}
