/*
 * fuzz_network.c - libFuzzer target for the network module (network.h).
 *
 * The first byte chooses the options (kinds, a tag filter, spells); the
 * rest is split at '\n' into lines parsed by the auto parser. Every post
 * goes to a whole network, to one of two halves (first half of the lines,
 * second half), and to a tiny network (64 nodes, 1024 edges). Checks:
 *   - the merged halves write exactly the whole's JSON (nothing is evicted
 *     at these sizes) and have its counters;
 *   - the tiny network never holds more than its caps, and held + evicted
 *     weight is all weight;
 *   - every format of every network can be written (to /dev/null).
 *
 *   make fuzz && build-fuzz/fuzz_network -max_total_time=60 fuzz/corpus/network
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/network.h"
#include "out/network_write.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static FILE *devnull;

static char *json_of(const struct gs_network *n, const struct gs_network_output *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f);
	CHECK(gs_network_write(n, f, GS_NET_JSON, o, NULL) == 0);
	fclose(f);
	return buf;
}

static void write_all(const struct gs_network *n, const struct gs_network_output *o)
{
	for (int f = GS_NET_CSV; f <= GS_NET_SUMMARY; f++)
		CHECK(gs_network_write(n, devnull, (enum gs_net_format)f, o, NULL) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (size < 1)
		return 0;
	static const unsigned kinds[] = {GS_NET_ACCOUNTS, GS_NET_REPLIES, GS_NET_MENTIONS | GS_NET_QUOTES,
					 GS_NET_REPOSTS, GS_NET_COTAGS};
	struct gs_network_options o;
	gs_network_options_init(&o);
	o.kinds = kinds[data[0] % 5];
	o.tag = (data[0] & 8) ? "metoo" : NULL;
	o.bucket_ms = (data[0] & 16) ? 3600000 : 0;
	o.repost_cache = 64;
	struct gs_network *whole = gs_network_new(&o), *a = gs_network_new(&o),
			  *b = gs_network_new(&o);
	struct gs_network_options t = o;
	t.max_nodes = 64;
	t.max_edges = 1024;
	struct gs_network *tiny = gs_network_new(&t);
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	CHECK(whole && a && b && tiny && ps);
	data++, size--;
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	size_t at = 0, line = 0;
	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
		char *copy = malloc(len ? len : 1);
		CHECK(copy);
		memcpy(copy, data + at, len);
		const struct gs_post *posts;
		int np = gs_parser_parse(ps, copy, len, &posts);
		for (int k = 0; k < np; k++) {
			CHECK(gs_network_add(whole, &posts[k]) == 0);
			CHECK(gs_network_add(line < (lines + 1) / 2 ? a : b, &posts[k]) == 0);
			CHECK(gs_network_add(tiny, &posts[k]) == 0);
			struct gs_network_stats s;
			gs_network_stats(tiny, &s);
			CHECK(s.nodes_held <= 64 && s.edges_held <= 1024);
			CHECK(s.weight_held + s.weight_evicted == s.weight_total);
		}
		free(copy);
		at += len + 1;
		line++;
	}
	CHECK(gs_network_merge(a, b) == 0);
	struct gs_network_stats sw, sm;
	gs_network_stats(whole, &sw);
	gs_network_stats(a, &sm);
	CHECK(sw.posts == sm.posts && sw.posts_selected == sm.posts_selected &&
	      sw.weight_total == sm.weight_total && sw.edges_held == sm.edges_held &&
	      sw.nodes_held == sm.nodes_held && sw.reposts_unresolved == sm.reposts_unresolved);
	struct gs_network_output out;
	gs_network_output_init(&out);
	out.dynamic = o.bucket_ms > 0;
	char *x = json_of(whole, &out), *y = json_of(a, &out);
	CHECK(strcmp(x, y) == 0);
	free(x);
	free(y);
	out.min_weight = 2;
	out.top_nodes = 3;
	write_all(whole, &out);
	write_all(tiny, &out);
	gs_parser_free(ps);
	gs_network_free(whole);
	gs_network_free(a);
	gs_network_free(b);
	gs_network_free(tiny);
	return 0;
}
