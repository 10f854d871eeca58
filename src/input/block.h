/*
 * block.h - a stream of decoded bytes cut into blocks of whole lines, and
 * the lines of one block, for reading a file on several threads when its
 * bytes come out of one decoder (count/ingest_pipe.c).
 *
 * struct gs_block_cutter reads a struct gs_byte_source (gs_reader_read, or
 * any function with its contract) into blocks of about `size` bytes, each
 * cut after its last newline; the partial line after it starts the next
 * block. struct gs_block_lines hands out the lines of one block with the
 * contract of gs_reader_next (the same max_line, GS_ETOOLONG and CR
 * rules), so that the lines of all blocks, in order, are those a
 * gs_reader over the same bytes returns, numbered from 1 in each block.
 *
 * Ownership: a cutter owns nothing but its carry buffer (released by
 * gs_block_cutter_release); the source is the caller's. A block's text is
 * the caller's (gs_block_free releases what gs_block_cutter_next
 * allocated into it); lines point into it.
 */
#ifndef GS_BLOCK_H
#define GS_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where decoded bytes come from: read returns up to n bytes into dst, 0
 * at the end, a negative GS_E* code on failure (then again on every later
 * call, every byte before the failure having been returned); damage
 * describes a GS_EDECOMPRESS as gs_reader_damage does (NULL: none). */
struct gs_byte_source {
	ssize_t (*read)(void *ctx, char *dst, size_t n);
	int (*damage)(void *ctx, char *buf, size_t size);
	void *ctx;
};

/* Whole lines of text; only the input's last block may end without a
 * newline. */
struct gs_block {
	char *text;
	size_t len, cap;
	/* the block starts with a line longer than max_line whose bytes were
	 * dropped up to its newline (or to the end of the input): it counts
	 * as one line, GS_ETOOLONG */
	int toolong_first;
};

void gs_block_free(struct gs_block *b);

struct gs_block_cutter {
	const struct gs_byte_source *src;
	size_t size;	 /* the blocks' size (a longer line makes one longer) */
	size_t max_line; /* as for gs_reader_open (0: the default) */
	char *carry;	 /* the partial line after the last block */
	size_t carry_len, carry_cap;
	int skipping; /* dropping a too long line up to its newline */
	int err;      /* the source's error, returned once the blocks before
			 it were */
	int eof;
};

/* size: the blocks' size in bytes (at least 1). */
void gs_block_cutter_init(struct gs_block_cutter *c,
			  const struct gs_byte_source *src, size_t size,
			  size_t max_line);
void gs_block_cutter_release(struct gs_block_cutter *c);

/*
 * Fills b (its text reused, grown as needed) with the next block: the
 * carried partial line, then the source's bytes up to b's size, cut after
 * the last newline. A line longer than the block grows it, up to
 * max_line + 2 bytes; a longer one is dropped (toolong_first of the next
 * block). Returns 1 (a block: it may hold no byte when only a dropped
 * line ends the input), 0 at the end, GS_ENOMEM, or the source's error
 * once every complete line before it was in a block (the partial line
 * before the failure is dropped, as gs_reader_next does).
 */
int gs_block_cutter_next(struct gs_block_cutter *c, struct gs_block *b);

struct gs_block_lines {
	const char *s;
	size_t len, pos, max_line;
	int toolong_first;
	uint64_t lineno;
};

void gs_block_lines_init(struct gs_block_lines *l, const struct gs_block *b,
			 size_t max_line);
/* Next line of the block, as gs_reader_next: 1 (*line, *len), 0 at the
 * block's end, GS_ETOOLONG for a line over max_line. */
int gs_block_lines_next(struct gs_block_lines *l, const char **line,
			size_t *len);
/* Number of the line last returned, from 1 in the block. */
uint64_t gs_block_lines_lineno(const struct gs_block_lines *l);

#endif
