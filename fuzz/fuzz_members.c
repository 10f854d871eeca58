/*
 * fuzz_members.c - libFuzzer target for parallel piece decoding
 * (src/input/members.c).
 *
 * The input is a compressed file (seeds: bgzip-like and cat'd gzip members,
 * stored members with planted headers, zstd frames with skippable ones,
 * cut and corrupt copies). Its first byte picks the thread count (1 to 3),
 * the task size (tiny: a small input becomes many tasks, so false splits
 * and the extension of a task into the next are reached) and the chunk
 * size. The rest is written to a memfd and decoded by gs_members and by a
 * plain sequential decode (zlib or libzstd, members and frames one after
 * the other, as reader.c does). Checked: no crash, leak or hang; a clean
 * sequential decode gives exactly the same bytes and end (0); a damaged one
 * gives GS_EDECOMPRESS with a damage text, and one output a prefix of the
 * other (where a decoder notices damage depends on how it was fed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "groundswell.h"
#include "input/members.h"

#define OUT_MAX (4u << 20) /* decoded bytes compared, at most */

struct out {
	unsigned char *p;
	size_t n;
};

static void add(struct out *o, const void *d, size_t n)
{
	if (o->n + n > OUT_MAX)
		n = OUT_MAX - o->n;
	memcpy(o->p + o->n, d, n);
	o->n += n;
}

/* The sequential decode: 0 when clean, -1 when damaged. */
static int sequential(const uint8_t *d, size_t n, struct out *o)
{
	unsigned char buf[4096];
	if (d[0] == 0x1f) {
		z_stream z = {0};
		if (inflateInit2(&z, 15 + 32) != Z_OK)
			abort();
		size_t pos = 0;
		int rc = 0;
		for (;;) {
			z.next_in = (Bytef *)d + pos;
			z.avail_in = (uInt)(n - pos);
			z.next_out = buf;
			z.avail_out = sizeof buf;
			int zr = inflate(&z, Z_NO_FLUSH);
			pos = n - z.avail_in;
			add(o, buf, sizeof buf - z.avail_out);
			if (o->n == OUT_MAX)
				break;
			if (zr == Z_STREAM_END) {
				if (pos == n)
					break;
				if (n - pos >= 2 &&
				    (d[pos] != 0x1f || d[pos + 1] != 0x8b)) {
					rc = -1; /* trailing garbage */
					break;
				}
				inflateReset(&z);
			} else if (zr == Z_BUF_ERROR && pos == n) {
				rc = -1; /* truncated */
				break;
			} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				rc = -1;
				break;
			}
		}
		inflateEnd(&z);
		return rc;
	}
	ZSTD_DStream *zs = ZSTD_createDStream();
	ZSTD_inBuffer in = {d, n, 0};
	size_t zr = 0;
	int rc = 0;
	while (in.pos < n || zr) {
		ZSTD_outBuffer out = {buf, sizeof buf, 0};
		size_t before = in.pos;
		zr = ZSTD_decompressStream(zs, &out, &in);
		if (ZSTD_isError(zr)) {
			rc = -1;
			break;
		}
		add(o, buf, out.pos);
		if (o->n == OUT_MAX)
			break;
		if (in.pos == n && out.pos < sizeof buf && zr) {
			rc = -1; /* truncated */
			break;
		}
		if (in.pos == before && !out.pos && in.pos < n) {
			rc = -1;
			break;
		}
	}
	ZSTD_freeDStream(zs);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 6 || size > (1u << 20))
		return 0;
	unsigned threads = 1 + data[0] % 3;
	size_t task = 1 + (data[0] >> 2 & 15) * 8;
	size_t chunk = data[0] & 0x80 ? 7 : 4096;
	data++;
	size--;
	int fd = memfd_create("fuzz_members", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int err = 0;
	struct gs_members *m =
		gs_members_open_sized(path, threads, task, chunk, &err);
	if (!m) {
		close(fd);
		if (err && err != GS_ENOMEM)
			abort();
		return 0;
	}
	struct out got = {malloc(OUT_MAX), 0}, want = {malloc(OUT_MAX), 0};
	char buf[1000];
	ssize_t k = 0;
	while (got.n < OUT_MAX && (k = gs_members_read(m, buf, sizeof buf)) > 0)
		add(&got, buf, (size_t)k);
	int seq = sequential(data, size, &want);
	if (got.n < OUT_MAX && want.n < OUT_MAX) {
		char dmg[200];
		int damaged = gs_members_damage(m, dmg, sizeof dmg);
		if (seq == 0 && (k != 0 || damaged || got.n != want.n ||
				 memcmp(got.p, want.p, got.n) != 0))
			abort();
		size_t common = got.n < want.n ? got.n : want.n;
		if (seq != 0 && (k != GS_EDECOMPRESS || !damaged || !dmg[0] ||
				 memcmp(got.p, want.p, common) != 0))
			abort();
	}
	gs_members_close(m);
	close(fd);
	free(got.p);
	free(want.p);
	return 0;
}
