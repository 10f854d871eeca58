/*
 * members.h - a compressed file decoded in parallel, piece by piece, its
 * bytes handed out in file order.
 *
 * A gzip file of several members (bgzip, `cat a.gz b.gz`, split + gzip +
 * cat) or a zstd file of several frames (pzstd, `cat a.zst b.zst`) is made
 * of pieces that decode independently. gs_members finds them and decodes
 * groups of them on up to N threads, with the same bytes, and the same
 * damage, as a sequential decode (gs_reader). A file of one piece is not
 * taken: the caller reads it as before.
 *
 * Ownership: struct gs_members owns its threads, its file descriptor and
 * every decoded chunk; gs_members_close releases them all. The caller owns
 * the buffers it reads into.
 */
#ifndef GS_MEMBERS_H
#define GS_MEMBERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gs_members;

/*
 * Opens the regular file path (gzip or zstd) for decoding on up to threads
 * threads (0: 1). NULL with *err == 0 when the file is not compressed, not
 * a regular file, or a single piece (one member, one frame): read it as
 * before; NULL with *err set on failure (GS_EIO, errno set; GS_ENOMEM).
 */
struct gs_members *gs_members_open(const char *path, unsigned threads,
				   int *err);

/*
 * gs_members_open() with tasks of at least task_bytes compressed bytes
 * (gs_members_open: 256 KB) and chunks of chunk_bytes decoded bytes
 * (256 KB): tiny sizes, for tests and fuzzing, make a small file many
 * tasks and chunks. GS_EUSAGE for 0.
 */
struct gs_members *gs_members_open_sized(const char *path, unsigned threads,
					 size_t task_bytes, size_t chunk_bytes,
					 int *err);

/*
 * Up to n decoded bytes into dst, in file order. Returns the count, 0 at
 * the end, or a negative code: GS_EDECOMPRESS for damaged input (cut
 * short, corrupt, trailing garbage), returned only once every byte decoded
 * before the damage was handed out, and again on every later call;
 * GS_EIO; GS_ENOMEM.
 */
ssize_t gs_members_read(struct gs_members *m, char *dst, size_t n);

/*
 * After GS_EDECOMPRESS: what and where, as gs_reader_damage() words it
 * ("gzip truncated at compressed byte N (decompressed byte M)"), into buf
 * (at most size bytes, terminated). 1, or 0 (buf empty) when not damaged.
 */
int gs_members_damage(const struct gs_members *m, char *buf, size_t size);

/* Is m[0..n) the start of a gzip member (gzip) or of a zstd or skippable
 * frame (pzstd starts its output with one)? What may follow a complete
 * member or frame: anything else is trailing garbage. 1 also when n is too
 * small to tell (fewer than 2 or 4 bytes). The one rule for the reader and
 * for finding pieces here. */
int gs_member_starts(int gzip, const unsigned char *m, size_t n);

/* The one wording of damage found in compressed input, for the reader and
 * for gs_members_damage (both must say the same): "gzip|zstd WHAT at
 * compressed byte AT (decompressed byte OUT)" into buf; 0 and "" when
 * what is NULL (no damage), else 1. */
int gs_damage_text(char *buf, size_t size, int gzip, const char *what,
		   uint64_t at, uint64_t out);

/* Compressed bytes of the file decoded and handed out so far (about). */
uint64_t gs_members_offset(const struct gs_members *m);

/* Number of pieces the file was split into for decoding (>= 2). */
size_t gs_members_pieces(const struct gs_members *m);

/* How many of those pieces' starts were found false so far (the piece
 * before decoded on into them): 0 for bgzip, pzstd and cat'd files; each
 * costs time, never output. */
size_t gs_members_joined(struct gs_members *m);

/* Stops the threads and frees everything; NULL is allowed. */
void gs_members_close(struct gs_members *m);

#endif
