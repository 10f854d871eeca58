/*
 * seal.h - files encrypted under the pseudonymisation key: serve's
 * snapshots (DIR/state.snap) and the batch state files of --save-state
 * (docs/snapshot.md, docs/state.md).
 *
 * A state holds account ids (network nodes, mentioned accounts, handles,
 * Bluesky post URIs naming their author); under --pseudonymize-key(-file)
 * none of them may land on disk, raw or hashed. Pseudonymising them as
 * they are counted would change slot layouts and the order of ties, so
 * answers would no longer equal a plain run's; encrypting the bytes keeps
 * every count as it is and leaves nothing of an id in the file.
 *
 * Construction: libsodium's crypto_secretstream_xchacha20poly1305 (an
 * XChaCha20-Poly1305 AEAD stream: a random 192-bit nonce in the header,
 * a 128-bit tag per record, records chained so that none can be dropped,
 * repeated, reordered or moved to another file, and the last one tagged
 * final so that a cut is seen). The stream key is BLAKE2b-256
 * (crypto_generichash) of the context string of the kind of file, keyed
 * with the 32-byte pseudonymisation key (struct gs_pseudo's key, itself
 * a keyed BLAKE2b of the user's secret): one key per kind of file, none
 * reusable as another, and the same secret opens the file again.
 *
 * Format (little-endian):
 *   4 bytes, the kind's magic ("GSXC" serve's snapshot, "GSXS" a state
 *   file); u32 version (1); the 24-byte secretstream header; then records:
 *   u32 length L (17 <= L <= GS_SEAL_CHUNK + 17), L bytes: one chunk of at
 *   most GS_SEAL_CHUNK plain bytes with its 17 bytes of tag and MAC; the
 *   last record tagged final, and nothing after it. A writer fills every
 *   chunk but the last.
 *
 * Bounds: a reader or writer holds at most one chunk of plain and one
 * record (8 MiB and a bit), whatever the file says, and no more than the
 * largest record needs (from 64 KiB). Everything read is authenticated before
 * it is handed out; a wrong key, a flipped byte, a cut, a dropped or
 * moved record and trailing bytes are all refused with the byte offset.
 *
 * Ownership: struct gs_seal is allocated by gs_seal_writer/gs_seal_reader
 * and freed (its keys wiped) by gs_seal_free; it neither opens nor closes
 * the FILE it is given, which must outlive it. The FILE of gs_seal_file is
 * the caller's to fclose (before gs_seal_free).
 */
#ifndef GS_COUNT_SEAL_H
#define GS_COUNT_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GS_SEAL_VERSION	 1
#define GS_SEAL_CHUNK	 (4u << 20) /* plain bytes of a record */
#define GS_SEAL_KEYBYTES 32	    /* the pseudonymisation key's bytes */

/* What kind of file is sealed: each kind has its own magic and its own
 * derived key. */
struct gs_seal_kind {
	char magic[4];	      /* the file's first bytes */
	const char *context;  /* what the stream key is derived under */
	const char *key_name; /* the key, as messages name it */
};

struct gs_seal;

/*
 * A writer of a sealed file on out (at its current position): writes the
 * magic, the version and a fresh header. NULL on failure with *err
 * GS_ENOMEM, GS_EIO (out failed) or GS_EUSAGE (libsodium cannot start).
 */
struct gs_seal *gs_seal_writer(FILE *out, const struct gs_seal_kind *kind,
			       const unsigned char secret[GS_SEAL_KEYBYTES],
			       int *err);

/* Appends p[0..n) to the plain stream (encrypted a chunk at a time). 0 or
 * GS_EIO; after a failure every call fails. */
int gs_seal_write(struct gs_seal *s, const void *p, size_t n);

/* Writes the last record, tagged final, and flushes out. 0 or GS_EIO;
 * once only (later writes fail). Without it the file reads as cut. */
int gs_seal_finish(struct gs_seal *s);

/*
 * A reader of the sealed file on in (at its start: the magic is read and
 * checked). NULL on failure, with *err GS_EFORMAT (another magic, another
 * version, a cut header: why[0..nwhy) says which), GS_EIO or GS_ENOMEM.
 */
struct gs_seal *gs_seal_reader(FILE *in, const struct gs_seal_kind *kind,
			       const unsigned char secret[GS_SEAL_KEYBYTES],
			       int *err, char *why, size_t nwhy);

/*
 * Reads up to n plain bytes into p: how many, fewer only at the end of
 * the stream or on failure. The end is reached after the final record,
 * once no byte follows it. A failure (another key, damage, a cut,
 * trailing bytes, a read error) is kept: gs_seal_error() and
 * gs_seal_why().
 */
size_t gs_seal_read(struct gs_seal *s, void *p, size_t n);

/* The first failure (GS_EFORMAT, GS_EIO, GS_ENOMEM) or 0, and what it was
 * as a lower-case phrase naming the byte of the sealed file ("" when
 * none). */
int gs_seal_error(const struct gs_seal *s);
const char *gs_seal_why(const struct gs_seal *s);

/*
 * A stdio stream over s: reads decrypt (gs_seal_read), writes encrypt
 * (gs_seal_write), and fclose() of a writer's stream finishes it
 * (gs_seal_finish; fclose then fails when that does). It cannot seek;
 * on a reader's, ftello() tells the position in the plain bytes (a
 * writer's has none, so gs_snap_write counts a section before writing
 * it). NULL when out of memory.
 */
FILE *gs_seal_file(struct gs_seal *s);

/* Whether f's next 4 bytes are kind's magic; f is rewound to its start. */
int gs_seal_sniff(FILE *f, const struct gs_seal_kind *kind);

/*
 * The whole plain content of the sealed file on in, into *out (malloc'ed,
 * the caller's) and *len. 0, or as gs_seal_reader and gs_seal_read fail,
 * with why[0..nwhy) saying what was wrong.
 */
int gs_seal_read_all(FILE *in, const struct gs_seal_kind *kind,
		     const unsigned char secret[GS_SEAL_KEYBYTES],
		     unsigned char **out, size_t *len, char *why, size_t nwhy);

/* Wipes the keys and frees s (NULL is fine). */
void gs_seal_free(struct gs_seal *s);

#endif
