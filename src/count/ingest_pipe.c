/*
 * ingest_pipe.c - a compressed file read on all cores: decoded on one
 * thread, parsed on the others (see ingest_int.h).
 *
 * A gzip or zstd stream can only be decoded in order, by one thread, so a
 * compressed file cannot be cut into byte ranges as a plain one is
 * (ingest.c). Instead the calling thread decodes it (struct
 * gs_byte_source over gs_reader_read: another decoder with the same
 * contract plugs in there) and cuts the decoded bytes into blocks of whole
 * lines (block.h) of PIPE_BLOCK bytes, handed in file order to parser
 * threads through a ring of slots. Each block is read as a part of a plain
 * file is (ingest_read_part): a parser, an engine (gs_engine_new_like) and
 * a sink context of its own, line numbers relative to the block. As soon
 * as the oldest block not yet merged is parsed, the thread that parsed it
 * merges it, and every parsed block after it, in file order: its engine
 * absorbed into the caller's (gs_engine_absorb, so a Bluesky repost of a
 * post in an earlier block resolves as in a sequential read), its sink
 * context merged, its counts added, its bad lines renumbered by the lines
 * of the blocks before it. So the outcome, bad lines and FILE:LINE
 * included, is that of one thread reading the file.
 *
 * Bounds: at most nslots = 2 * workers + 2 blocks are in flight (cut and
 * not yet merged); the decoder waits for a free slot. Memory beyond the
 * caller's engine is then at most nslots blocks of text and their small
 * engines, whatever the file's size: the peak stays near a plain read's.
 * A line longer than a block makes its block longer (up to max_line + 2).
 *
 * Merging: a block is either parsed straight into the caller's engine
 * and sink context, once every block before it is merged, holding the
 * merge (parse()): it is read exactly as a sequential read reads it, and
 * costs nothing to merge; or it gets an engine of its own, absorbed into
 * the caller's in file order (absorb()). Which of the two a block gets is
 * a function of its index and the number of parser threads only
 * (straight()), never of which thread parses it or when: an absorbed
 * block's Space-Saving summaries, --max-tags evictions and posts_error
 * are not a sequential read's, so a choice made by timing (as it was
 * until session 26: "the block taken when every block before it is
 * merged") made those outputs change from one run of the same command to
 * the next (bench/compressed.sh saw #metoo's links list differ between
 * rounds on the pzstd form). With one parser (--threads 2) three blocks
 * in four are straight and the fourth is the one the decoder may parse
 * when the ring is full; with W parsers one block in W is straight.
 * Per-block engines and their absorbs were why two threads
 * cost 0.4-0.6 s more CPU than one on the 1.1 GB twitter1 bench file
 * (.gz: 2.58-2.77 s against 2.30 s, .zst: 2.60-2.66 s against 2.19 s,
 * user+sys under load; callgrind on a 100 MB slice as .zst: 8.8% more
 * instructions, a fresh engine growing its tables for every 4 MB and
 * absorbing it into the large one). With one parser beside the decoder
 * (--threads 2) every block it takes is parsed straight in; only the
 * blocks the decoder parses when the ring is full (the newest: take())
 * are absorbed, and none when decoding is the slower side.
 *
 * Thread budget: threads - 1 parser threads besides the decoder; when
 * every slot is taken the decoder parses the newest block not yet taken
 * itself instead of waiting, so no core idles when parsing is the slower
 * side. Measured on this 2-core machine (report --json --top 0 --threads 2
 * on the 1.1 GB twitter1 bench file, 2 runs each, under a load of 9 to 13
 * from other jobs, so wall times are indicative only): .zst, decoder + 1
 * parser: 30-33 s wall, 5.0-5.2 s CPU, 63 MB; decoder + 2 parsers: 19-26
 * s, 5.1 s, 74 MB; decoder + 1 parser, the decoder parsing when starved:
 * 22 s, 4.8-4.9 s, 65 MB. .gz (zlib: decoding is the slower side): 23-30
 * s, 6.4-6.7 s, 61 MB; 18-24 s, 6.3-6.5 s, 72 MB; 21-35 s, 6.2-6.4 s,
 * 62 MB. The last is kept: no more CPU than the others, 10 MB less than
 * two parsers (whose ring is 6 slots, not 4, and which oversubscribe two
 * cores), and no core idle when parsing is the slower side, as it is for
 * zstd (and for gzip once inflate is ISA-L's). The decoder takes only
 * blocks meant for an engine of their own, the newest first, or the next
 * block in file order when it can be parsed straight at once, so it never
 * waits on a parser. A file of many members or
 * frames gets decoding threads of its own (members.c) only from 4 threads
 * on (pipe_decoders): below that they cost CPU and memory for nothing.
 *
 * Strict mode: a block that fails stops the decoder from cutting more;
 * the blocks before it are merged, the ones after it are dropped, so the
 * first bad line in file order is the one reported. Damage (truncated or
 * corrupt input, trailing garbage) ends the cutting after the last
 * complete line, every block before it is merged, and the damage is
 * recorded in the part as a sequential read records it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ingest_int.h"

#define PIPE_BLOCK  (4u << 20)
#define MAX_WORKERS 16

enum slot_state { FREE, READY, TAKEN, DONE };

struct slot {
	struct gs_block block;
	struct gs_block_lines lines;
	struct part part;
	atomic_int stop; /* the part's own: blocks stop in the pipe's way */
	enum slot_state state;
};

struct pipe {
	struct part *whole; /* the file's part: the caller's */
	const struct gs_ingest_options *o;
	struct slot *slots;
	size_t nslots;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a block is ready, or the input is over */
	pthread_cond_t room; /* a slot is free */
	pthread_cond_t turn; /* merging ended (blocks were merged) */
	uint64_t cut;	     /* blocks cut */
	size_t ready;	     /* blocks cut and not yet taken */
	size_t block;	     /* the block size */
	uint64_t merged;     /* blocks merged */
	int merging;	     /* a thread is merging */
	int end;	     /* no more blocks */
	atomic_int failed;   /* a block failed (strict, out of memory) */
	size_t max_bytes;    /* the caller's engine's bound (0: none) */
	size_t workers;	     /* parser threads (besides the decoder) */
	int help;	     /* the decoder parses when the ring is full */
	int stall;	     /* test knob (stall_knob()) */
};

/*
 * Whether block i is parsed straight into the caller's engine (1) or into
 * an engine of its own, absorbed in file order (0): see the top. One
 * parser: the decoder parses at most the fourth block (decoding is 0.6 to
 * 0.9 s of 2.3 s CPU on the twitter1 bench file, so it has room for about
 * a fifth of the parsing); W parsers: they parse W blocks at once, and
 * straight blocks go one at a time. Without the decoder's help (test knob)
 * every block is straight, as a sequential read.
 */
static int straight(const struct pipe *pp, uint64_t i)
{
	if (!pp->help)
		return 1;
	if (pp->workers == 1)
		return i % 4 != 3;
	return i % pp->workers == 0;
}

static struct slot *slot_of(struct pipe *pp, uint64_t i)
{
	return &pp->slots[i % pp->nslots];
}

/*
 * Block engine e, the next in file order, into the caller's, and the
 * caller's memory bound kept; 0 or a GS_E* code. Absorbing keeps the
 * memory count tag by tag, so a block costs what its own tags cost, and
 * blocks go in one by one: gathering them in runs first (as was done while
 * absorbing recounted its whole destination) merged every block twice, 2.5%
 * more instructions (callgrind, 200 MB .zst). A Bluesky repost of a post
 * in an earlier block resolves here, as in a sequential read.
 */
static int absorb(struct pipe *pp, struct gs_engine *e)
{
	int rc = gs_engine_absorb(pp->whole->e, e);
	if (!rc && pp->max_bytes)
		rc = gs_engine_fit_memory(pp->whole->e);
	return rc;
}

/* Folds block b, the next in file order, into the whole file's part. */
static void merge(struct pipe *pp, struct part *b)
{
	struct part *w = pp->whole;
	int rc = 0;
	if (pp->failed || b->rc) {
		if (!pp->failed && b->rc) {
			pp->failed = 1;
			rc = b->rc; /* counted as far as it was read */
		} else {
			goto drop;
		}
	}
	uint64_t base = w->lines;
	for (size_t k = 0; k < b->nbad && w->nbad < w->maxbad; k++) {
		w->bad[w->nbad] = b->bad[k];
		w->bad[w->nbad++].line += base;
	}
	if (b->lc.malformed && !w->lc.malformed) {
		memcpy(w->first_why, b->first_why, sizeof w->first_why);
		w->first_why_line = base + b->first_why_line;
	}
	if (!w->head[0])
		memcpy(w->head, b->head, sizeof w->head);
	w->lc.posts += b->lc.posts;
	w->lc.malformed += b->lc.malformed;
	w->lc.out_of_window += b->lc.out_of_window;
	if (b->lc.malformed)
		w->lc.err = b->lc.err;
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		w->lc.nonpost[k] += b->lc.nonpost[k];
	for (int k = 0; k < GS_FILTER_REASONS; k++)
		w->lc.filtered[k] += b->lc.filtered[k];
	w->lines += b->lines;
	atomic_fetch_add(&w->posts, atomic_load(&b->posts));
	if (b->e && !rc) {
		rc = absorb(pp, b->e);
		b->e = NULL;
	}
	if (b->sctx && !rc)
		rc = b->sink->merge(w->sctx, b->sctx);
	if (rc) {
		pp->failed = 1;
		if (!w->rc)
			w->rc = rc;
	}
drop:
	gs_engine_free(b->e);
	b->e = NULL;
	if (b->sctx)
		b->sink->part_free(b->sctx);
	b->sctx = NULL;
}

/*
 * Parses block i (taken, in its slot), then merges what is next in file
 * order if no other thread is merging. Called without the lock.
 *
 * A block whose predecessors are all merged while no thread is merging is
 * parsed straight into the caller's engine and sink context, holding the
 * merge, as a sequential read would: it needs no engine of its own and no
 * absorb. With one parser thread beside the decoder (--threads 2) that is
 * every block but those the decoder parses when the ring is full.
 */
static void parse(struct pipe *pp, uint64_t i)
{
	struct slot *s = slot_of(pp, i);
	struct part *p = &s->part;
	const struct part *w = pp->whole;
	pthread_mutex_lock(&pp->mu);
	int direct = straight(pp, i);
	/* every block before i is taken (take(), take_help()): their
	 * parsers merge them */
	while (direct && !pp->failed && (pp->merging || pp->merged != i))
		pthread_cond_wait(&pp->turn, &pp->mu);
	int skip = pp->failed;
	direct = direct && !skip;
	if (direct)
		pp->merging = 1;
	pthread_mutex_unlock(&pp->mu);
	if (direct) {
		p->e = w->e;
		p->sctx = w->sctx;
		ingest_read_part(p);
		p->e = NULL; /* the caller's: nothing to absorb */
		p->sctx = NULL;
	} else if (!skip) {
		p->e = w->e ? gs_engine_new_like(w->e) : NULL;
		p->sctx = w->sink ? w->sink->part_new(w->sctx) : NULL;
		if ((w->e && !p->e) || (w->sink && !p->sctx))
			p->rc = GS_ENOMEM;
		else
			ingest_read_part(p);
	}
	pthread_mutex_lock(&pp->mu);
	s->state = DONE;
	if (pp->merging && !direct) {
		pthread_mutex_unlock(&pp->mu);
		return;
	}
	pp->merging = 1;
	for (;;) {
		struct slot *m = slot_of(pp, pp->merged);
		if (pp->merged == pp->cut || m->state != DONE)
			break;
		pthread_mutex_unlock(&pp->mu);
		merge(pp, &m->part);
		if (m->block.cap > 2 * (size_t)pp->block)
			gs_block_free(&m->block); /* a long line's: not kept */
		pthread_mutex_lock(&pp->mu);
		m->state = FREE;
		pp->merged++;
		pthread_cond_signal(&pp->room);
	}
	/* a straight block waits for merging to end too: one wake-up here,
	 * not one per block merged */
	pp->merging = 0;
	pthread_cond_broadcast(&pp->turn);
	pthread_mutex_unlock(&pp->mu);
}

static void take_slot(struct pipe *pp, uint64_t j, uint64_t *i)
{
	slot_of(pp, j)->state = TAKEN;
	pp->ready--;
	*i = j;
}

/* Takes the oldest block ready to parse; 0 when none is. Called with the
 * lock held. Parsers take blocks in file order, so every block before a
 * taken one is taken too. */
static int take(struct pipe *pp, uint64_t *i)
{
	if (!pp->ready)
		return 0;
	for (uint64_t j = pp->merged; j < pp->cut; j++)
		if (slot_of(pp, j)->state == READY) {
			take_slot(pp, j, i);
			return 1;
		}
	return 0;
}

/* What the decoder takes when the ring is full: the newest ready block
 * meant for an engine of its own, at least two blocks after the oldest
 * not merged (a nearer one is left to the parsers, which would soon wait
 * for it in parse(): 15 waits in 263 blocks of the twitter1 bench file as
 * .zst when the decoder took any, 1 to 4 with this rule); or else the next
 * block in file order if it is ready, which parse() takes at once (so the
 * decoder never waits there, and parses every block when no parser thread
 * could start); 0 when neither. Called with the lock held. */
static int take_help(struct pipe *pp, uint64_t *i)
{
	if (!pp->ready)
		return 0;
	for (uint64_t j = pp->cut; j-- > pp->merged + 2;)
		if (slot_of(pp, j)->state == READY && !straight(pp, j)) {
			take_slot(pp, j, i);
			return 1;
		}
	if (!pp->merging && pp->merged < pp->cut &&
	    slot_of(pp, pp->merged)->state == READY) {
		take_slot(pp, pp->merged, i);
		return 1;
	}
	return 0;
}

/* Test knob: GS_PIPE_STALL=parsers makes parser threads sleep 0.5 ms before
 * each block (the decoder then parses all it may), =decoder makes the
 * decoder sleep before cutting each block (it then never parses): outputs
 * must not change (tests/cli/pipe.sh). */
static int stall_knob(void)
{
	const char *v = getenv("GS_PIPE_STALL");
	if (v && strcmp(v, "parsers") == 0)
		return 1;
	return v && strcmp(v, "decoder") == 0 ? 2 : 0;
}

static void stall(void)
{
	struct timespec ts = {0, 500000};
	nanosleep(&ts, NULL);
}

static void *worker_main(void *arg)
{
	struct pipe *pp = arg;
	uint64_t i;
	pthread_mutex_lock(&pp->mu);
	for (;;) {
		while (!pp->ready && !pp->end)
			pthread_cond_wait(&pp->work, &pp->mu);
		if (!take(pp, &i))
			break;
		pthread_mutex_unlock(&pp->mu);
		if (pp->stall == 1)
			stall();
		parse(pp, i);
		pthread_mutex_lock(&pp->mu);
	}
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

static ssize_t source_read(void *ctx, char *dst, size_t n)
{
	return gs_reader_read(ctx, dst, n);
}

static int source_damage(void *ctx, char *buf, size_t size)
{
	return gs_reader_damage(ctx, buf, size);
}

/* The block size: PIPE_BLOCK, or for tests only GS_PIPE_BLOCK (bytes),
 * so that small files span many blocks. */
static size_t block_size(void)
{
	const char *v = getenv("GS_PIPE_BLOCK");
	long n = v ? strtol(v, NULL, 10) : 0;
	return n > 0 ? (size_t)n : PIPE_BLOCK;
}

/* 1 unless GS_PIPE_HELP is 0 (for tests only: the decoder then never
 * parses and every block is parsed in file order straight into the
 * caller's engine, as one thread reads the file). */
static int decoder_helps(void)
{
	const char *v = getenv("GS_PIPE_HELP");
	return !v || strcmp(v, "0") != 0;
}

/* 1 when the file's first non-blank line opens a JSON document over many
 * lines (read whole by ingest_read_part, as a sequential read would), or
 * it cannot be told (damaged at once: read sequentially too). */
static int sequential_only(struct part *p)
{
	int err;
	struct gs_reader *r = gs_reader_open(p->path, p->o->max_line, &err);
	if (!r)
		return 1;
	struct part t;
	t.head[0] = 0;
	const char *line;
	size_t len;
	int k, seq = 1;
	while ((k = gs_reader_next(r, &line, &len)) != 0) {
		if (k == GS_ETOOLONG)
			continue;
		if (k < 0)
			break;
		ingest_keep_head(&t, line, len);
		if (t.head[0])
			break;
	}
	if (k >= 0 || k == GS_ETOOLONG)
		seq = ingest_opens_document(t.head);
	gs_reader_close(r);
	return seq;
}

/* The first byte that is not blank in b (0: none). */
static int first_byte(const struct gs_block *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->text[i] != ' ' && b->text[i] != '\t' &&
		    b->text[i] != '\r' && b->text[i] != '\n')
			return (unsigned char)b->text[i];
	return 0;
}

/*
 * Threads that decode a file of many members or frames (members.c) when
 * `threads` read it: 1 (no decoder thread of its own: it is decoded here)
 * until one decoder would hold the parsers back. Decoding is about a third
 * of a pipelined read's CPU (ISA-L or zstd on one thread: 0.6 to 0.9 s of
 * 2.3 to 2.6 s for the 1.1 GB twitter1 bench file), so one decoding thread
 * keeps up with about two parsing ones: a third of the threads decode,
 * rounded up (1 for 2 or 3 threads, 3 for 8). On 2 threads, decoders of
 * their own only cost: 4.6 to 5.0 s CPU instead of 3.3 to 3.5 s on the
 * bgzip form (members inflate with zlib), 74 MB peak instead of 62 MB on
 * the pzstd form for the same CPU time (report --json --top 0 --threads 2
 * on a busy machine).
 */
static unsigned pipe_decoders(unsigned threads)
{
	return (threads + 2) / 3;
}

void ingest_pipe_read(struct part *p, unsigned threads)
{
	if (sequential_only(p)) {
		ingest_read_part(p);
		return;
	}
	const struct gs_ingest_options *o = p->o;
	int err;
	/* a file of many members or frames may be decoded on threads
	 * (members.c) and handed on here in file order */
	unsigned decoders = pipe_decoders(threads);
	if (decoders > p->decoders)
		decoders = p->decoders;
	struct gs_reader *r =
		gs_reader_open_threads(p->path, o->max_line, decoders, &err);
	if (!r) {
		p->open_errno = errno;
		p->rc = err;
		return;
	}
	struct pipe pp = {.whole = p, .o = o};
	size_t workers = threads > 1 ? threads - 1 : 1;
	if (workers > MAX_WORKERS)
		workers = MAX_WORKERS;
	pp.workers = workers;
	pp.help = decoder_helps();
	pp.stall = stall_knob();
	pp.nslots = 2 * workers + 2;
	pp.slots = calloc(pp.nslots, sizeof *pp.slots);
	pthread_t th[MAX_WORKERS];
	size_t started = 0;
	int rc = pp.slots ? 0 : GS_ENOMEM;
	size_t maxbad = o->strict ? 1 : o->max_shown;
	for (size_t i = 0; !rc && i < pp.nslots; i++) {
		pp.slots[i].part.bad =
			calloc(maxbad ? maxbad : 1, sizeof(struct bad));
		if (!pp.slots[i].part.bad)
			rc = GS_ENOMEM;
	}
	if (p->e) {
		pp.max_bytes = gs_engine_set_max_bytes(p->e, 0);
		gs_engine_set_max_bytes(p->e, pp.max_bytes);
	}
	pthread_mutex_init(&pp.mu, NULL);
	pthread_cond_init(&pp.work, NULL);
	pthread_cond_init(&pp.room, NULL);
	pthread_cond_init(&pp.turn, NULL);
	for (; !rc && started < workers; started++)
		if (pthread_create(&th[started], NULL, worker_main, &pp)) {
			if (!started)
				rc = GS_ENOMEM;
			break;
		}

	struct gs_byte_source src = {source_read, source_damage, r};
	struct gs_block_cutter c;
	pp.block = block_size();
	gs_block_cutter_init(&c, &src, pp.block, o->max_line);
	int first = 0; /* the first non-blank byte of the file */
	for (uint64_t i = 0; !rc; i++) {
		struct slot *s = slot_of(&pp, i);
		pthread_mutex_lock(&pp.mu);
		while (s->state != FREE && !pp.failed) {
			uint64_t j;
			if (pp.help && take_help(&pp, &j)) {
				/* the parsers are behind: parse one here */
				pthread_mutex_unlock(&pp.mu);
				parse(&pp, j);
				pthread_mutex_lock(&pp.mu);
			} else {
				pthread_cond_wait(&pp.room, &pp.mu);
			}
		}
		int failed = pp.failed;
		pthread_mutex_unlock(&pp.mu);
		if (failed)
			break;
		if (pp.stall == 2)
			stall();
		int k = gs_block_cutter_next(&c, &s->block);
		atomic_store(&p->bytes, gs_reader_offset(r));
		if (k <= 0) {
			rc = k;
			break;
		}
		if (!first)
			first = first_byte(&s->block);
		struct part *b = &s->part;
		struct bad *bad = b->bad;
		memset(b, 0, sizeof *b);
		b->bad = bad;
		b->maxbad = maxbad;
		b->path = p->path;
		b->o = o;
		b->ranged = 1;
		b->end = -1;
		b->jsonl = i > 0 && first == '{';
		b->sink = p->sink;
		atomic_store(&s->stop, 0);
		b->stop = &s->stop;
		gs_block_lines_init(&s->lines, &s->block, o->max_line);
		b->block = &s->lines;
		pthread_mutex_lock(&pp.mu);
		s->state = READY;
		pp.cut++;
		pp.ready++;
		pthread_cond_signal(&pp.work);
		pthread_mutex_unlock(&pp.mu);
	}
	pthread_mutex_lock(&pp.mu);
	pp.end = 1;
	pthread_cond_broadcast(&pp.work);
	pthread_mutex_unlock(&pp.mu);
	if (!started) /* no thread: the blocks cut are parsed here */
		worker_main(&pp);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	/* every block cut was merged: the error after them comes last */
	if (rc && !p->rc) {
		p->rc = rc;
		if (rc == GS_EDECOMPRESS)
			src.damage(src.ctx, p->damage, sizeof p->damage);
	}
	atomic_store(&p->bytes, gs_reader_offset(r));
	gs_block_cutter_release(&c);
	for (size_t i = 0; pp.slots && i < pp.nslots; i++) {
		gs_block_free(&pp.slots[i].block);
		free(pp.slots[i].part.bad);
	}
	free(pp.slots);
	pthread_mutex_destroy(&pp.mu);
	pthread_cond_destroy(&pp.work);
	pthread_cond_destroy(&pp.room);
	pthread_cond_destroy(&pp.turn);
	gs_reader_close(r);
#ifdef __GLIBC__
	/* the blocks' engines lived in the parsers' malloc arenas */
	malloc_trim(0);
#endif
}
