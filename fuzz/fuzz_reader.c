/*
 * fuzz_reader.c - libFuzzer target for gs_reader (src/input/reader.c) and
 * the two gzip decoders behind it (inflate.h: ISA-L and zlib).
 *
 * The input is read as a file (a memfd: a regular file, as the reader's
 * damage handling expects) once with each decoder (GROUNDSWELL_INFLATE);
 * both must give the same lines, the same end and the same damage text,
 * and never crash. So that the fuzzer reaches deflate data that decodes
 * whole, the input is also taken as raw deflate data: when zlib decodes it
 * to its end, it is wrapped in a gzip header and a correct trailer and read
 * the same way, and the decoders are also run on that member directly: when
 * both accept it whole they must give the same bytes.
 *
 *   make fuzz && sh scripts/fuzz-run.sh 60 reader
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "groundswell.h"
#include "input/inflate.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

enum { MAX_LINE = 4096, MAX_OUT = 1 << 20 };

struct readout {
	uint64_t hash, lines, bytes;
	int ret;
	char damage[200];
};

static int fd = -1;
static char path[64];

/* FNV-1a over every line and its end, up to MAX_OUT decoded bytes. */
static struct readout read_with(const char *decoder)
{
	struct readout o = {1469598103934665603ull, 0, 0, 0, ""};
	setenv("GROUNDSWELL_INFLATE", decoder, 1);
	int err;
	struct gs_reader *r = gs_reader_open(path, MAX_LINE, &err);
	unsetenv("GROUNDSWELL_INFLATE");
	CHECK(r || err == GS_ENOMEM);
	if (!r) {
		o.ret = err;
		return o;
	}
	const char *line;
	size_t len;
	while (o.bytes < MAX_OUT) {
		o.ret = gs_reader_next(r, &line, &len);
		if (o.ret != 1 && o.ret != GS_ETOOLONG)
			break;
		CHECK(o.ret != 1 || len <= MAX_LINE);
		for (size_t i = 0; o.ret == 1 && i < len; i++)
			o.hash = (o.hash ^ (uint8_t)line[i]) * 1099511628211ull;
		o.hash = (o.hash ^ (uint64_t)(o.ret + 256)) * 1099511628211ull;
		o.lines++;
		o.bytes += o.ret == 1 ? len + 1 : 1;
	}
	CHECK(o.ret == 1 || o.ret == GS_ETOOLONG || o.ret == 0 ||
	      o.ret == GS_EDECOMPRESS || o.ret == GS_ENOMEM);
	CHECK(gs_reader_damage(r, o.damage, sizeof o.damage) ==
	      (o.ret == GS_EDECOMPRESS));
	gs_reader_close(r);
	return o;
}

static void read_both(const uint8_t *data, size_t size)
{
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	struct readout a = read_with("isal"), b = read_with("zlib");
	CHECK(a.ret == b.ret && a.hash == b.hash && a.lines == b.lines);
	CHECK(strcmp(a.damage, b.damage) == 0);
}

/* The gzip member m[0..n) decoded whole by one decoder into out (at most
 * MAX_OUT bytes): its length, or -1 when it does not end cleanly. */
static long decode_member(const char *name, const uint8_t *m, size_t n,
			  uint8_t *out)
{
	int err;
	struct gs_inflate *d = gs_inflate_new(name, &err);
	CHECK(d || err == GS_ENOMEM);
	if (!d || gs_inflate_reset(d)) {
		gs_inflate_free(d);
		return -1;
	}
	size_t in = 0, got = 0, used, made;
	int rc;
	do {
		rc = gs_inflate_run(d, m + in, n - in, &used, out + got,
				    MAX_OUT - got, &made);
		in += used;
		got += made;
	} while (rc == GS_INFLATE_MORE && (used || made) && got < MAX_OUT);
	gs_inflate_free(d);
	return rc == GS_INFLATE_END && in == n ? (long)got : -1;
}

/* data as raw deflate: when zlib decodes it to its end, a gzip member of it
 * with a correct trailer, read by both. */
static void as_deflate(const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(MAX_OUT), *out2 = malloc(MAX_OUT);
	z_stream z;
	memset(&z, 0, sizeof z);
	CHECK(out && out2 && inflateInit2(&z, -15) == Z_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)size;
	z.next_out = out;
	z.avail_out = MAX_OUT;
	int zr = inflate(&z, Z_FINISH);
	size_t used = size - z.avail_in, n = MAX_OUT - z.avail_out;
	inflateEnd(&z);
	if (zr == Z_STREAM_END) {
		uint8_t *m = malloc(used + 18);
		CHECK(m);
		static const uint8_t head[10] = {0x1f, 0x8b, 8, 0, 0,
						 0,    0,    0, 0, 3};
		memcpy(m, head, 10);
		memcpy(m + 10, data, used);
		uint32_t crc = (uint32_t)crc32(0, out, (uInt)n);
		for (int i = 0; i < 4; i++) {
			m[10 + used + i] = (uint8_t)(crc >> (8 * i));
			m[14 + used + i] = (uint8_t)(n >> (8 * i));
		}
		read_both(m, used + 18);
		long a = decode_member("isal", m, used + 18, out2);
		long b = decode_member("zlib", m, used + 18, out);
		CHECK(b == (long)n); /* zlib: as it decoded it above */
		CHECK(a == b && memcmp(out, out2, (size_t)a) == 0);
		free(m);
	}
	free(out);
	free(out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("fuzz_reader", 0);
		CHECK(fd >= 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	read_both(data, size);
	as_deflate(data, size);
	return 0;
}
