/*
 * snapio.h - the byte codec and the checked envelope shared by the
 * snapshots of struct gs_engine, struct gs_trend and struct gs_hll (the
 * format is described at the top of engine_snapshot.c and in
 * docs/snapshot.md).
 *
 * Writing: a struct gs_wr appends little-endian fields to a buffer that is
 * flushed to a FILE and run through CRC32 (zlib); with no FILE it only
 * counts, which is how a snapshot learns its own length before writing it.
 * Reading: a struct gs_rd walks a byte range that has already been checked
 * against its CRC; every read is bounds-checked, and the first short read
 * sets err to GS_EFORMAT (later reads then return zeros), so decoders can
 * read a record and test err once.
 *
 * Ownership: gs_snap_read() hands back a malloc'ed payload the caller frees;
 * nothing else allocates beyond the writer's own buffer.
 */
#ifndef GS_SNAPIO_H
#define GS_SNAPIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GS_SNAP_HEADER 16          /* magic, version, payload length */
#define GS_SNAP_MAX_PAYLOAD (UINT64_C(1) << 40)
#define GS_WR_BUF (1u << 17)       /* holds the largest sketch (64 KiB) */

struct gs_wr {
	FILE *f;        /* NULL: count only */
	uint64_t n;     /* bytes written or counted */
	uint32_t crc;   /* CRC32 of the bytes flushed so far */
	int err;        /* first error (GS_EIO or GS_ENOMEM), or 0 */
	size_t bn;
	unsigned char *buf;
};

void gs_wr_bytes(struct gs_wr *w, const void *p, size_t n);
/* n contiguous bytes to fill (n <= GS_WR_BUF), or NULL when only counting
 * or after an error; the n bytes count as written either way. */
unsigned char *gs_wr_space(struct gs_wr *w, size_t n);
void gs_wr_u8(struct gs_wr *w, uint8_t v);
void gs_wr_u16(struct gs_wr *w, uint16_t v);
void gs_wr_u32(struct gs_wr *w, uint32_t v);
void gs_wr_u64(struct gs_wr *w, uint64_t v);
void gs_wr_i64(struct gs_wr *w, int64_t v);
void gs_wr_f32(struct gs_wr *w, float v);
void gs_wr_f64(struct gs_wr *w, double v);

struct gs_rd {
	const unsigned char *p, *end;
	int err; /* GS_EFORMAT after a short read */
};

size_t gs_rd_left(const struct gs_rd *r);
/* The next n bytes, or NULL (and err set) when fewer are left. */
const unsigned char *gs_rd_take(struct gs_rd *r, size_t n);
uint8_t gs_rd_u8(struct gs_rd *r);
uint16_t gs_rd_u16(struct gs_rd *r);
uint32_t gs_rd_u32(struct gs_rd *r);
uint64_t gs_rd_u64(struct gs_rd *r);
int64_t gs_rd_i64(struct gs_rd *r);
float gs_rd_f32(struct gs_rd *r);
double gs_rd_f64(struct gs_rd *r);

uint16_t gs_le16(const unsigned char *p);
uint32_t gs_le32(const unsigned char *p);
uint64_t gs_le64(const unsigned char *p);
void gs_put16(unsigned char *p, uint16_t v);
void gs_put64(unsigned char *p, uint64_t v);

/*
 * Writes one section: magic (4 bytes), version (u32), payload length (u64),
 * the payload that body() writes, and the CRC32 of all of the above (u32).
 * When f can seek, body() is called once and the length written into the
 * header afterwards; otherwise twice, first to count the payload, then to
 * write it, and it must write the same bytes both times. Either way the
 * bytes are the same. Then fflush(). Returns 0, GS_EIO or GS_ENOMEM.
 */
int gs_snap_write(FILE *f, const char magic[4], uint32_t version,
		  void (*body)(struct gs_wr *w, const void *obj),
		  const void *obj);

/*
 * Reads one section written by gs_snap_write() with this magic and version,
 * exactly its bytes (a section may be followed by others in the same file),
 * and checks its CRC before anything else looks at it. The buffer grows with
 * the bytes actually read, never to a length merely claimed by the header.
 * Returns 0 with *payload (malloc'ed; free it) and *len; GS_EFORMAT for a
 * wrong magic or version, a truncated section or a CRC mismatch; GS_EIO when
 * reading failed; GS_ENOMEM. A failure says why in gs_snap_why().
 */
int gs_snap_read(FILE *f, const char magic[4], uint32_t version,
		 unsigned char **payload, size_t *len);

/* Like gs_snap_read(), for a reader of the versions oldest..version (a
 * new layout keeps reading the one before); *got_version (may be NULL)
 * says which the section is. */
int gs_snap_read_versions(FILE *f, const char magic[4], uint32_t oldest,
			  uint32_t version, uint32_t *got_version,
			  unsigned char **payload, size_t *len);

/*
 * After the last section: 0 when the file ends here, GS_EFORMAT when bytes
 * follow (a snapshot is refused whole, as any other damage), GS_EIO on a
 * read error; gs_snap_why() says which.
 */
int gs_snap_end(FILE *f);

/*
 * What the last failed gs_snap_read(), gs_snap_load() or gs_snap_end() of
 * this thread found wrong, as a lower-case phrase naming the section and
 * the byte offsets in the file: "checksum mismatch in section 'GSEN' (bytes
 * 0 to 4211)", "truncated at byte N (...)", "trailing bytes after byte N
 * (...)", "other version: ...", "invalid content in section ..."; "" after
 * a success or when the failure was the caller's own. The text lives until
 * the next load on this thread.
 */
const char *gs_snap_why(void);

/*
 * gs_snap_read() then decode(rd over the payload, &object): the object, or
 * NULL with *err (err may be NULL) set to gs_snap_read's or decode's error;
 * what decode made before failing is given to release. The payload is
 * freed either way.
 */
void *gs_snap_load(FILE *f, const char magic[4], uint32_t version,
		   int (*decode)(struct gs_rd *rd, void **out), void (*release)(void *obj),
		   int *err);
/* Likewise for the versions oldest..version, decode told which. */
void *gs_snap_load_versions(FILE *f, const char magic[4], uint32_t oldest,
			    uint32_t version,
			    int (*decode)(struct gs_rd *rd, uint32_t version,
					  void **out),
			    void (*release)(void *obj), int *err);

#endif
