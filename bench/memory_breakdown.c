/*
 * memory_breakdown.c - where an engine's memory goes after counting files
 * (issue 17): gs_engine_memory's parts, then the buckets, sketches and
 * summaries by kind, the tags seen once, the cold tags (no post for a
 * day) and glibc's heap. Reads the engine's private layout, so it is
 * built against the tree it measures (bench/memory.md has the command).
 *
 *   memory_breakdown FILE...     (T=N: threads, default 1)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/timeutil.h"
#include "engine_int.h"
#include "groundswell.h"
#include "ingest.h"

/* by kind, in summaries()' order */
static const char *const kind_name[6] = {"co-tags",  "languages", "mentions",
					 "reposted", "links",	  "domains"};
static size_t kind_b[6], kind_n[6], kind_full[6];

static size_t summaries(const struct tag *t, size_t *at_n)
{
	const struct topk *k[6] = {&t->cot, &t->langs, &t->ment,
				   &t->rep, &t->urls,  &t->doms};
	size_t b = 0;
	*at_n = 0;
	for (int i = 0; i < 6; i++) {
		size_t kb = topk_bytes(k[i]);
		b += kb;
		kind_b[i] += kb;
		kind_n[i] += k[i]->n;
		kind_full[i] += k[i]->n && k[i]->n == k[i]->cap;
		*at_n += k[i]->cap ? kb / k[i]->cap * k[i]->n : 0;
	}
	return b;
}

int main(int argc, char **argv)
{
	struct gs_engine_options eo;
	struct gs_ingest_options io;
	struct gs_ingest_state st = {0};
	gs_engine_options_init(&eo);
	gs_ingest_options_init(&io);
	io.threads = getenv("T") ? (unsigned)atoi(getenv("T")) : 1;
	io.no_handles = 1;
	struct gs_engine *e = gs_engine_new(&eo);
	if (!e || argc < 2)
		return 2;
	for (int i = 1; i < argc; i++)
		if (gs_ingest_file(e, argv[i], &io, &st))
			return 1;
	struct gs_memory m;
	gs_engine_memory(e, &m);
	printf("gs_engine_memory (MB): table %.1f tags %.1f accounts %.1f "
	       "timelines %.1f timeline_sketches %.1f summaries %.1f "
	       "repost_cache %.1f total %.1f\n",
	       m.table / 1e6, m.tags / 1e6, m.accounts / 1e6, m.timelines / 1e6,
	       m.timeline_sketches / 1e6, m.summaries / 1e6,
	       m.repost_cache / 1e6, m.total / 1e6);
	size_t ntags = 0, nb = 0, slots = 0, old = 0, hist[6] = {0},
	       tlh[6] = {0}, one = 0, tab = 0, packed = 0, dense = 0,
	       members = 0, accs = 0, accd = 0, accs_b = 0, accd_b = 0,
	       once = 0, once_b = 0, cold = 0, cold_acc = 0, cold_sum = 0,
	       cold_sum_n = 0, sum_b = 0, sum_n = 0, nodense = 0,
	       nodense_acc = 0;
	int64_t before = e->s.last_ms - 24 * GS_MS_HOUR;
	for (size_t i = 0; i < e->nslots; i++) {
		const struct tag *t = e->slots[i];
		if (!t)
			continue;
		ntags++;
		nb += t->tl_n;
		slots += t->tl_cap;
		old += t->tl_old;
		tlh[t->tl_n <= 1     ? 0
		    : t->tl_n <= 4   ? 1
		    : t->tl_n <= 16  ? 2
		    : t->tl_n <= 64  ? 3
		    : t->tl_n <= 256 ? 4
				     : 5]++;
		size_t ab = gs_hll_bytes(&t->accounts), sn,
		       sb = summaries(t, &sn);
		sum_b += sb;
		sum_n += sn;
		if (t->accounts.dense)
			accd++, accd_b += ab;
		else
			accs++, accs_b += ab;
		int anydense = 0;
		for (uint32_t j = 0; j < t->tl_n; j++) {
			const struct bucket *b = &t->tl[j];
			hist[b->posts <= 1    ? 0
			     : b->posts <= 2  ? 1
			     : b->posts <= 4  ? 2
			     : b->posts <= 16 ? 3
			     : b->posts <= 64 ? 4
					      : 5]++;
			if (b->acc.dense)
				dense++, anydense = 1;
			else if (b->acc.packed)
				packed++, members += b->acc.n;
			else if (b->acc.cap)
				tab++, members += b->acc.n;
			else
				one++, members += b->acc.n;
		}
		if (!anydense && !t->accounts.dense)
			nodense++, nodense_acc += ab;
		size_t tb = sizeof *t + t->keylen + 1 + ab + sb +
			    t->tl_cap * sizeof *t->tl;
		if (t->posts == 1)
			once++, once_b += tb;
		if (t->last_ms < before)
			cold++, cold_acc += ab, cold_sum += sb,
				cold_sum_n += sn;
	}
	printf("tags %zu (seen once %zu: %.1f MB with their timelines, "
	       "summaries and sketches)\n",
	       ntags, once, once_b / 1e6);
	printf("buckets %zu in %zu slots (%zu bytes each), %zu old; "
	       "posts per bucket <=1 %zu, 2 %zu, 3-4 %zu, 5-16 %zu, "
	       "17-64 %zu, more %zu\n",
	       nb, slots, sizeof(struct bucket), old, hist[0], hist[1], hist[2],
	       hist[3], hist[4], hist[5]);
	printf("buckets per tag: 1 %zu, 2-4 %zu, 5-16 %zu, 17-64 %zu, "
	       "65-256 %zu, more %zu\n",
	       tlh[0], tlh[1], tlh[2], tlh[3], tlh[4], tlh[5]);
	printf("bucket sketches: one inline %zu, table %zu, packed %zu, "
	       "dense %zu; %zu members in sets (%.1f MB at 8 bytes)\n",
	       one, tab, packed, dense, members, members * 8 / 1e6);
	printf("tag sketches: sets %zu (%.1f MB), dense %zu (%.1f MB); "
	       "tags with no dense sketch %zu (their sets %.1f MB)\n",
	       accs, accs_b / 1e6, accd, accd_b / 1e6, nodense,
	       nodense_acc / 1e6);
	printf("summaries %.1f MB (%.1f MB at their entries); cold tags "
	       "%zu: sets %.1f MB, summaries %.1f MB (%.1f at entries)\n",
	       sum_b / 1e6, sum_n / 1e6, cold, cold_acc / 1e6, cold_sum / 1e6,
	       cold_sum_n / 1e6);
	for (int q = 0; q < 6; q++)
		printf("  %s: %.1f MB, %zu entries, %zu summaries full\n",
		       kind_name[q], kind_b[q] / 1e6, kind_n[q], kind_full[q]);
	struct mallinfo2 mi = mallinfo2();
	printf("malloc: arenas %.1f MB, in use %.1f, free %.1f, mmapped "
	       "%.1f\n",
	       mi.arena / 1e6, mi.uordblks / 1e6, mi.fordblks / 1e6,
	       mi.hblkhd / 1e6);
	return 0;
}
