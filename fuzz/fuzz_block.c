/*
 * fuzz_block.c - libFuzzer target for the block cutter and a block's lines
 * (src/input/block.c).
 *
 * The input's first four bytes choose the block size (1..64), max_line
 * (1..64), the most bytes a read hands out (1..16) and where the source
 * fails (>= 128: never; else at that fraction of the rest); the rest is the
 * decoded text. The lines of all blocks, renumbered, must be those of a
 * plain splitter with gs_reader_next's rules (split at '\n', a last line
 * without one counts, one CR before the newline dropped, over max_line:
 * GS_ETOOLONG), cut before the failure at its last newline and followed by
 * the error; every block but the last ends with a newline; no block or
 * carry grows past max(size, max_line + 2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "input/block.h"

struct src {
	const char *s;
	size_t len, pos, step, fail;
};

static ssize_t src_read(void *ctx, char *dst, size_t n)
{
	struct src *m = ctx;
	size_t end = m->fail < m->len ? m->fail : m->len;
	if (m->pos >= end)
		return m->fail < m->len ? GS_EDECOMPRESS : 0;
	size_t k = end - m->pos;
	if (k > n)
		k = n;
	if (k > m->step)
		k = m->step;
	memcpy(dst, m->s + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

/* The next line of s[*pos..len) by the reader's rules: 1, GS_ETOOLONG, or
 * 0 at the end. */
static int want_next(const char *s, size_t len, size_t *pos, size_t max_line,
		     const char **line, size_t *n)
{
	if (*pos >= len)
		return 0;
	const char *p = s + *pos;
	const char *nl = memchr(p, '\n', len - *pos);
	size_t k = nl ? (size_t)(nl - p) : len - *pos;
	*pos += k + (nl != NULL);
	if (k && p[k - 1] == '\r')
		k--;
	if (k > max_line)
		return GS_ETOOLONG;
	*line = p;
	*n = k;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t bsize = 1 + data[0] % 64, max_line = 1 + data[1] % 64;
	size_t step = 1 + data[2] % 16;
	const char *s = (const char *)data + 4;
	size_t len = size - 4;
	size_t fail = data[3] >= 128 ? SIZE_MAX : len * data[3] / 128;
	/* what the reader hands out: the lines before the failure */
	size_t wlen = len;
	if (fail < len) {
		wlen = fail;
		while (wlen && s[wlen - 1] != '\n')
			wlen--;
	}
	size_t most = bsize > max_line + 2 ? bsize : max_line + 2;

	struct src m = {s, len, 0, step, fail};
	struct gs_byte_source bs = {src_read, NULL, &m};
	struct gs_block_cutter c;
	struct gs_block b = {0};
	gs_block_cutter_init(&c, &bs, bsize, max_line);
	size_t wpos = 0;
	int k;
	while ((k = gs_block_cutter_next(&c, &b)) == 1) {
		if (b.cap > most || c.carry_cap > most)
			abort();
		if (b.len && b.text[b.len - 1] != '\n' && m.pos < m.len)
			abort(); /* only the last block may lack a newline */
		struct gs_block_lines l;
		gs_block_lines_init(&l, &b, max_line);
		const char *got, *want = NULL;
		size_t gn, wn = 0;
		int j;
		while ((j = gs_block_lines_next(&l, &got, &gn)) != 0) {
			int w = want_next(s, wlen, &wpos, max_line, &want, &wn);
			if (w != j ||
			    (j == 1 && (gn != wn || memcmp(got, want, gn))))
				abort();
		}
	}
	const char *want;
	size_t wn;
	if (want_next(s, wlen, &wpos, max_line, &want, &wn) != 0)
		abort(); /* a line left out */
	if (k != (fail < len ? GS_EDECOMPRESS : 0))
		abort();
	gs_block_free(&b);
	gs_block_cutter_release(&c);
	return 0;
}
