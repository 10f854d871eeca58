/*
 * test_block.c - unit tests of the block cutter and a block's lines
 * (src/input/block.c).
 *
 * The contract is that the lines of all blocks, in order and renumbered
 * by the lines of the blocks before, are those gs_reader_next returns for
 * the same bytes. So each input (CRLF, blank lines, a last line without a
 * newline, lines longer than max_line or than a block, one after another,
 * at the end) is written to a file and read with gs_reader_next, and cut
 * from a source that hands out a few bytes per read, for many block sizes,
 * max_line values and read sizes; the transcripts ("lineno:text|" per
 * line, "lineno:E|" per GS_ETOOLONG) must be equal. A source that fails
 * after n bytes must give the lines complete before byte n, then its
 * error, as gs_reader_next does on damaged input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "groundswell.h"
#include "input/block.h"
#include "tap.h"

struct mem {
	const char *s;
	size_t len, pos, step,
		fail_at; /* fail_at: fail there (SIZE_MAX: never) */
	int reads_after_fail;
};

static ssize_t mem_read(void *ctx, char *dst, size_t n)
{
	struct mem *m = ctx;
	size_t end = m->fail_at < m->len ? m->fail_at : m->len;
	if (m->pos >= end) {
		if (m->fail_at < m->len) {
			m->reads_after_fail++;
			return GS_EDECOMPRESS;
		}
		return 0;
	}
	size_t k = end - m->pos;
	if (k > n)
		k = n;
	if (k > m->step)
		k = m->step;
	memcpy(dst, m->s + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

struct out {
	char s[1 << 16];
	size_t n;
};

static void put(struct out *o, uint64_t lineno, int k, const char *line,
		size_t len)
{
	int w = k == 1 ? snprintf(o->s + o->n, sizeof o->s - o->n, "%llu:%.*s|",
				  (unsigned long long)lineno, (int)len, line)
		       : snprintf(o->s + o->n, sizeof o->s - o->n, "%llu:E%d|",
				  (unsigned long long)lineno, k);
	if (w > 0 && o->n + (size_t)w < sizeof o->s)
		o->n += (size_t)w;
}

static char path[64];

/* What gs_reader_next makes of s[0..len). */
static void by_reader(const char *s, size_t len, size_t max_line, struct out *o)
{
	FILE *f = fopen(path, "wb");
	fwrite(s, 1, len, f);
	fclose(f);
	int err;
	struct gs_reader *r = gs_reader_open(path, max_line, &err);
	o->n = 0;
	o->s[0] = 0;
	const char *line;
	size_t n;
	int k;
	while ((k = gs_reader_next(r, &line, &n)) != 0) {
		put(o, gs_reader_lineno(r), k, line, n);
		if (k < 0 && k != GS_ETOOLONG)
			break;
	}
	gs_reader_close(r);
}

/* What the cutter and the blocks' lines make of the source m. */
static int by_blocks(struct mem *m, size_t size, size_t max_line, struct out *o)
{
	struct gs_byte_source src = {mem_read, NULL, m};
	struct gs_block_cutter c;
	struct gs_block b = {0};
	gs_block_cutter_init(&c, &src, size, max_line);
	o->n = 0;
	o->s[0] = 0;
	uint64_t base = 0;
	int k, blocks = 0, bad = 0;
	while ((k = gs_block_cutter_next(&c, &b)) == 1) {
		blocks++;
		/* whole lines: only the last block may lack a final newline */
		if (b.len && b.text[b.len - 1] != '\n' && m->pos < m->len)
			bad++;
		struct gs_block_lines l;
		gs_block_lines_init(&l, &b, max_line);
		const char *line;
		size_t n;
		int j;
		while ((j = gs_block_lines_next(&l, &line, &n)) != 0)
			put(o, base + gs_block_lines_lineno(&l), j, line, n);
		base += gs_block_lines_lineno(&l);
	}
	if (k < 0)
		put(o, base, k, NULL, 0);
	gs_block_free(&b);
	gs_block_cutter_release(&c);
	return bad ? -1 : blocks;
}

static const char *inputs[] = {
	"",
	"\n",
	"\n\n\n",
	"a\nbb\nccc\n",
	"a\nbb\nccc",
	"crlf\r\nline\r\n\r\nend\r\n",
	"short\nthis line is far too long for the cap\nok\n",
	"this line is far too long for the cap\nand so is this one, twice over\nx\n",
	"x\nthe last line is too long, without newline",
	"x\nthe last line is too long, with a newline\n",
	"exactly10!\nexactly10\r\n11 bytes!!\n",
	"crlf at 10\r\nexactly10!\r\n",
	"\n\nblank lines first, then a long one that goes on and on\n\n",
};

int main(void)
{
	snprintf(path, sizeof path, "/tmp/gs-test-block-%d", (int)getpid());
	static struct out want, got;
	static const size_t sizes[] = {1, 2, 3, 5, 8, 11, 12, 13, 64, 4096};
	static const size_t lines[] = {5, 10, 20, 1000};
	int mismatches = 0, checks = 0;
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		const char *s = inputs[i];
		size_t len = strlen(s);
		for (size_t a = 0; a < sizeof lines / sizeof *lines; a++) {
			by_reader(s, len, lines[a], &want);
			for (size_t b = 0; b < sizeof sizes / sizeof *sizes;
			     b++)
				for (size_t step = 1; step <= 7; step += 3) {
					struct mem m = {s,    len,	0,
							step, SIZE_MAX, 0};
					int n = by_blocks(&m, sizes[b],
							  lines[a], &got);
					checks++;
					if (n < 0 ||
					    strcmp(want.s, got.s) != 0) {
						if (!mismatches++)
							printf("# input %zu, max_line %zu, block %zu, step %zu:\n#  reader %s\n#  blocks %s\n",
							       i, lines[a],
							       sizes[b], step,
							       want.s, got.s);
					}
				}
		}
	}
	TAP_OK(mismatches == 0,
	       "the blocks' lines are gs_reader_next's (%d of %d differ)",
	       mismatches, checks);

	/* A source failing after n bytes: the lines complete before n, then
	 * the error (the partial line is dropped, as the reader drops it). */
	mismatches = 0;
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		const char *s = inputs[i];
		size_t len = strlen(s);
		for (size_t cut = 0; cut < len; cut++) {
			size_t keep = cut;
			while (keep && s[keep - 1] != '\n')
				keep--;
			by_reader(s, keep, 10, &want);
			/* the error comes after the lines, numbered as the last
			 */
			uint64_t last = 0;
			for (size_t k = 0; k < keep; k++)
				last += s[k] == '\n';
			char tail[32];
			snprintf(tail, sizeof tail, "%llu:E%d|",
				 (unsigned long long)last, GS_EDECOMPRESS);
			strcat(want.s, tail);
			for (size_t b = 0; b < sizeof sizes / sizeof *sizes;
			     b++) {
				struct mem m = {s, len, 0, 3, cut, 0};
				by_blocks(&m, sizes[b], 10, &got);
				if (strcmp(want.s, got.s) != 0 && !mismatches++)
					printf("# input %zu cut at %zu, block %zu:\n#  want %s\n#  got  %s\n",
					       i, cut, sizes[b], want.s, got.s);
			}
		}
	}
	TAP_OK(mismatches == 0,
	       "a failing source: the complete lines, then the error");

	/* The cutter is bounded: a line of 1 MB under max_line 100 never
	 * grows a block of 64 bytes past max_line + 2. */
	{
		size_t len = 1u << 20;
		char *s = malloc(len + 8);
		memset(s, 'x', len);
		memcpy(s + len, "\nok\n", 5);
		struct mem m = {s, len + 4, 0, 1u << 16, SIZE_MAX, 0};
		struct gs_byte_source src = {mem_read, NULL, &m};
		struct gs_block_cutter c;
		struct gs_block b = {0};
		gs_block_cutter_init(&c, &src, 64, 100);
		size_t most = 0;
		int k, n = 0;
		while ((k = gs_block_cutter_next(&c, &b)) == 1) {
			most = b.cap > most ? b.cap : most;
			n++;
		}
		TAP_OK(k == 0 && most <= 102 && c.carry_cap <= 102,
		       "a 1 MB line under max_line 100: blocks of at most 102 bytes (%zu), %d blocks",
		       most, n);
		gs_block_free(&b);
		gs_block_cutter_release(&c);
		free(s);
	}
	unlink(path);
	return TAP_DONE();
}
