/*
 * block.c - decoded bytes cut into blocks of whole lines (see block.h).
 *
 * The cutter reads straight into the block's text, then cuts after the
 * last newline and keeps the partial line after it in a carry buffer for
 * the next block: one copy of at most a line per block. A block without
 * any newline is one partial line: it grows (doubling) while that line may
 * still be at most max_line bytes (+1 for the CR of a CRLF, as
 * gs_reader_next allows), to max_line + 2 bytes at most; past that the
 * line is too long and its bytes are read and dropped up to its newline,
 * as gs_reader_next drops them, and the next block starts with it as a
 * GS_ETOOLONG line. Bounds: a block's text holds at most
 * max(size, max_line + 2) bytes, the carry as much.
 */
#include "block.h"

#include <stdlib.h>
#include <string.h>

#include "groundswell.h"

void gs_block_free(struct gs_block *b)
{
	free(b->text);
	b->text = NULL;
	b->len = b->cap = 0;
	b->toolong_first = 0;
}

void gs_block_cutter_init(struct gs_block_cutter *c,
			  const struct gs_byte_source *src, size_t size,
			  size_t max_line)
{
	memset(c, 0, sizeof *c);
	c->src = src;
	c->size = size ? size : 1;
	c->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
}

void gs_block_cutter_release(struct gs_block_cutter *c)
{
	free(c->carry);
	c->carry = NULL;
	c->carry_len = c->carry_cap = 0;
}

/* b's text grown to hold at least want bytes; 0 or GS_ENOMEM. */
static int reserve(struct gs_block *b, size_t want)
{
	if (b->cap >= want)
		return 0;
	char *t = realloc(b->text, want);
	if (!t)
		return GS_ENOMEM;
	b->text = t;
	b->cap = want;
	return 0;
}

/* Cuts b after its last newline: what follows goes to the carry. 1 when
 * b holds a line, or a dropped one, after the cut. */
static int cut(struct gs_block_cutter *c, struct gs_block *b)
{
	size_t n = b->len;
	while (n && b->text[n - 1] != '\n')
		n--;
	size_t rest = b->len - n;
	if (rest > c->carry_cap) {
		char *t = realloc(c->carry, rest);
		if (!t)
			return GS_ENOMEM;
		c->carry = t;
		c->carry_cap = rest;
	}
	if (rest)
		memcpy(c->carry, b->text + n, rest);
	c->carry_len = rest;
	b->len = n;
	return n > 0 || b->toolong_first;
}

int gs_block_cutter_next(struct gs_block_cutter *c, struct gs_block *b)
{
	const struct gs_byte_source *s = c->src;
	b->len = 0;
	b->toolong_first = 0;
	if (c->eof)
		return c->err;
	if (c->carry_len > c->max_line + 1) {
		/* a partial line after a dropped one, already too long */
		c->skipping = 1;
		c->carry_len = 0;
	}
	if (reserve(b, c->size > c->carry_len ? c->size : c->carry_len + 1))
		return GS_ENOMEM;
	if (c->carry_len)
		memcpy(b->text, c->carry, c->carry_len);
	b->len = c->carry_len;
	c->carry_len = 0;
	for (;;) {
		if (c->skipping) {
			/* dropping a too long line: b->text is scratch */
			ssize_t k = s->read(s->ctx, b->text, b->cap);
			if (k < 0) {
				c->eof = 1;
				c->err = (int)k;
				return c->err;
			}
			if (k == 0) {
				c->eof = 1;
				c->skipping = 0;
				b->toolong_first = 1;
				return 1;
			}
			char *nl = memchr(b->text, '\n', (size_t)k);
			if (!nl)
				continue;
			c->skipping = 0;
			b->toolong_first = 1;
			b->len = (size_t)k - (size_t)(nl + 1 - b->text);
			memmove(b->text, nl + 1, b->len);
			continue;
		}
		if (b->len == b->cap) {
			int r = cut(c, b);
			if (r)
				return r;
			/* one partial line fills the block (never empty; no
			 * dropped line before it: cut returned 1 for one) */
			memcpy(b->text, c->carry, c->carry_len);
			b->len = c->carry_len;
			c->carry_len = 0;
			if (b->len > c->max_line + 1) {
				c->skipping = 1;
				b->len = 0;
				continue;
			}
			size_t most = c->max_line + 2;
			size_t cap = b->cap * 2 < most ? b->cap * 2 : most;
			if (reserve(b, cap))
				return GS_ENOMEM;
			continue;
		}
		ssize_t k = s->read(s->ctx, b->text + b->len, b->cap - b->len);
		if (k < 0) {
			/* the partial line before the failure is dropped */
			c->eof = 1;
			c->err = (int)k;
			int r = cut(c, b);
			c->carry_len = 0;
			return r ? r : c->err;
		}
		if (k == 0) {
			c->eof = 1;
			return b->len > 0 || b->toolong_first;
		}
		b->len += (size_t)k;
	}
}

void gs_block_lines_init(struct gs_block_lines *l, const struct gs_block *b,
			 size_t max_line)
{
	l->s = b->text;
	l->len = b->len;
	l->pos = 0;
	l->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	l->toolong_first = b->toolong_first;
	l->lineno = 0;
}

int gs_block_lines_next(struct gs_block_lines *l, const char **line,
			size_t *len)
{
	if (l->toolong_first) {
		l->toolong_first = 0;
		l->lineno++;
		return GS_ETOOLONG;
	}
	if (l->pos >= l->len)
		return 0;
	const char *s = l->s + l->pos;
	const char *nl = memchr(s, '\n', l->len - l->pos);
	size_t n = nl ? (size_t)(nl - s) : l->len - l->pos;
	l->pos += n + (nl != NULL);
	l->lineno++;
	if (n && s[n - 1] == '\r')
		n--;
	if (n > l->max_line)
		return GS_ETOOLONG;
	*line = s;
	*len = n;
	return 1;
}

uint64_t gs_block_lines_lineno(const struct gs_block_lines *l)
{
	return l->lineno;
}
