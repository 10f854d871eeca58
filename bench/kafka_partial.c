/*
 * kafka_partial.c - what a kafka:// source's states cost (issue 14; see
 * docs/kafka.md): for N active tags in one bucket, the bytes of a
 * partition's state (gs_engine_save, as published; and zstd -3, as the
 * producer compresses it), the time to load one (a state read from the
 * state topic) and to merge P of them into the served engine (what every
 * instance does at most once a second while messages come).
 *
 *   kafka_partial N [P]      (P partitions, default 8)
 *
 * Each partition counts 3 posts per tag, by distinct synthetic accounts,
 * every tag in every partition (the worst case for the merge), each post a
 * reply to the tag's own account (so the account network a state also
 * carries has 3N edges and 4N nodes a partition). Prints one line:
 *   N P posts bytes zstd_bytes load_s merge_s
 *   net_bytes net_zstd_bytes net_load_s net_merge_s   (CPU seconds)
 * A state is split into records of message.max.bytes (1,000,000 by
 * default): its records are (bytes + net_bytes) / 999,424, rounded up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "count/network.h"
#include "groundswell.h"

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: kafka_partial N [P]\n");
		return 2;
	}
	size_t n = strtoul(argv[1], NULL, 10),
	       np = argc > 2 ? strtoul(argv[2], NULL, 10) : 8;
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	o.max_tags = 2 * n + 1000;
	struct gs_engine **parts = calloc(np, sizeof *parts);
	struct gs_network **nets = calloc(np, sizeof *nets);
	struct gs_network_options no;
	gs_network_options_init(&no);
	no.max_edges = 3 * n * np + 1024;
	no.max_nodes = 4 * n * np + 64;
	char owner[32];
	int64_t t0 = 1508112000000; /* 2017-10-16T00:00:00Z */
	char tag[32], acct[32], id[32];
	uint64_t posts = 0;
	for (size_t p = 0; p < np; p++) {
		parts[p] = gs_engine_new(&o);
		nets[p] = gs_network_new(&no);
		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < 3; j++) {
				struct gs_post q;
				memset(&q, 0, sizeof q);
				q.format = GS_FORMAT_TWITTER1;
				q.time_ms = t0 + (int64_t)((i * 3 + (size_t)j) %
							   3600000);
				snprintf(tag, sizeof tag, "tag%zu", i);
				snprintf(acct, sizeof acct, "%zu",
					 (p * n + i) * 3 + (size_t)j);
				snprintf(id, sizeof id, "%llu",
					 (unsigned long long)posts);
				q.id = (struct gs_str){id, strlen(id)};
				q.account = (struct gs_str){acct, strlen(acct)};
				snprintf(owner, sizeof owner, "u%zu", i);
				q.reply_to =
					(struct gs_str){owner, strlen(owner)};
				q.ntags = 1;
				q.tags[0] = (struct gs_str){tag, strlen(tag)};
				if (gs_engine_add(parts[p], &q) ||
				    gs_network_add(nets[p], &q)) {
					fprintf(stderr,
						"kafka_partial: cannot add\n");
					return 1;
				}
				posts++;
			}
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f || gs_engine_save(parts[0], f) || fclose(f)) {
		fprintf(stderr, "kafka_partial: cannot save\n");
		return 1;
	}
	size_t zcap = ZSTD_compressBound(len);
	void *z = malloc(zcap);
	size_t zn = ZSTD_compress(z, zcap, buf, len, 3);
	double a = cpu();
	f = fmemopen(buf, len, "r");
	int err = 0;
	struct gs_engine *l = gs_engine_load(f, &err);
	fclose(f);
	double load_s = cpu() - a;
	if (!l) {
		fprintf(stderr, "kafka_partial: cannot load: %s\n",
			gs_strerror(err));
		return 1;
	}
	a = cpu();
	struct gs_engine *g = gs_engine_new_like(parts[0]);
	for (size_t p = 0; p < np; p++)
		if (gs_engine_merge(g, parts[p])) {
			fprintf(stderr, "kafka_partial: cannot merge\n");
			return 1;
		}
	double merge_s = cpu() - a;
	/* the account network, published after the engine */
	char *nbuf = NULL;
	size_t nlen = 0;
	f = open_memstream(&nbuf, &nlen);
	if (!f || gs_network_save(nets[0], f) || fclose(f)) {
		fprintf(stderr, "kafka_partial: cannot save the network\n");
		return 1;
	}
	size_t nzcap = ZSTD_compressBound(nlen);
	void *nz = malloc(nzcap);
	size_t nzn = ZSTD_compress(nz, nzcap, nbuf, nlen, 3);
	a = cpu();
	f = fmemopen(nbuf, nlen, "r");
	struct gs_network *nl = gs_network_load(f, &err);
	fclose(f);
	double nload_s = cpu() - a;
	a = cpu();
	struct gs_network *ng = gs_network_new_like(nets[0]);
	for (size_t p = 0; p < np; p++)
		if (!nl || gs_network_merge(ng, nets[p])) {
			fprintf(stderr,
				"kafka_partial: cannot merge networks\n");
			return 1;
		}
	double nmerge_s = cpu() - a;
	printf("%zu %zu %llu %zu %zu %.3f %.3f %zu %zu %.3f %.3f\n", n, np,
	       (unsigned long long)posts, len, ZSTD_isError(zn) ? 0 : zn,
	       load_s, merge_s, nlen, ZSTD_isError(nzn) ? 0 : nzn, nload_s,
	       nmerge_s);
	gs_network_free(ng);
	gs_network_free(nl);
	for (size_t p = 0; p < np; p++)
		gs_network_free(nets[p]);
	free(nets);
	free(nbuf);
	free(nz);
	gs_engine_free(g);
	gs_engine_free(l);
	for (size_t p = 0; p < np; p++)
		gs_engine_free(parts[p]);
	free(parts);
	free(buf);
	free(z);
	return 0;
}
