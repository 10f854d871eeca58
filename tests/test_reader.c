/*
 * test_reader.c - unit tests of the line reader (src/input/reader.c).
 *
 * Fixtures are written to a fresh directory under /tmp: plain files, gzip
 * (zlib's gz* API; a second member appended with mode "ab"), zstd
 * (ZSTD_compress, frames concatenated), damaged copies of both, and a pipe
 * filled by a thread. Each read is turned into a compact transcript,
 * "lineno:text|" per line and "lineno:E<code>|" per error, that is compared
 * with the expected one. gzip is read with both decoders (ISA-L, and zlib
 * by GROUNDSWELL_INFLATE=zlib), which must give the same lines, the same
 * end and the same damage text on every fixture of gzip_fixture.h, cut
 * short at many points, or with bytes flipped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "groundswell.h"
#include "gzip_fixture.h"
#include "tap.h"

static char dir[64];
static char paths[64][128];
static int npaths;

static const char *tmp_path(const char *name)
{
	char *p = paths[npaths++];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	return p;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
	const char *p = tmp_path(name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
	return p;
}

static const char *write_gz(const char *name, const char *mode,
			    const void *data, size_t n)
{
	const char *p = tmp_path(name);
	gzFile g = gzopen(p, mode);
	if (!g || (n && gzwrite(g, data, (unsigned)n) != (int)n) ||
	    gzclose(g) != Z_OK) {
		fprintf(stderr, "gz %s failed\n", p);
		exit(2);
	}
	return p;
}

/* Appends one zstd frame of data to the buffer *buf of *len bytes. */
static void zst_frame(char **buf, size_t *len, const void *data, size_t n)
{
	size_t cap = ZSTD_compressBound(n);
	*buf = realloc(*buf, *len + cap);
	size_t k = ZSTD_compress(*buf + *len, cap, data, n, 3);
	if (!*buf || ZSTD_isError(k)) {
		fprintf(stderr, "zstd failed\n");
		exit(2);
	}
	*len += k;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		exit(2);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)sz + 1);
	if (!b || fread(b, 1, (size_t)sz, f) != (size_t)sz)
		exit(2);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

/* Transcript of reading path to the end or the first hard error. */
static char transcript[4096];
static int last_ret;

static const char *read_all(const char *path, size_t max_line)
{
	int err = 12345;
	const char *line;
	size_t len, o = 0;
	transcript[0] = 0;
	struct gs_reader *r = gs_reader_open(path, max_line, &err);
	if (!r) {
		snprintf(transcript, sizeof transcript, "open failed %d", err);
		return transcript;
	}
	for (;;) {
		int k = gs_reader_next(r, &line, &len);
		last_ret = k;
		if (k == 0)
			break;
		if (k == 1)
			o += (size_t)snprintf(transcript + o, sizeof transcript - o,
					      "%llu:%.*s|",
					      (unsigned long long)gs_reader_lineno(r),
					      (int)len, line);
		else
			o += (size_t)snprintf(transcript + o, sizeof transcript - o,
					      "%llu:E%d|",
					      (unsigned long long)gs_reader_lineno(r), k);
		if (o >= sizeof transcript - 1 || (k < 0 && k != GS_ETOOLONG))
			break;
	}
	gs_reader_close(r);
	return transcript;
}

/* ---- plain files ---- */

static void test_plain(void)
{
	const char *p;
	int err = 0;
	const char *line;
	size_t len;

	p = write_file("plain1.txt", "a\nb\r\n\nlast", 10);
	TAP_EQ_STR(read_all(p, 0), "1:a|2:b|3:|4:last|", "LF, CRLF, empty line, last line without newline");
	TAP_EQ_INT(last_ret, 0, "then the end");

	p = write_file("plain2.txt", "x\n", 2);
	TAP_EQ_STR(read_all(p, 0), "1:x|", "final newline gives no extra line");
	p = write_file("plain3.txt", "", 0);
	TAP_EQ_STR(read_all(p, 0), "", "empty file: no lines");
	TAP_EQ_INT(last_ret, 0, "empty file: end");
	p = write_file("plain4.txt", "\n", 1);
	TAP_EQ_STR(read_all(p, 0), "1:|", "a lone newline is one empty line");
	p = write_file("plain5.txt", "\r\n\r\n", 4);
	TAP_EQ_STR(read_all(p, 0), "1:|2:|", "CRLF-only lines");
	p = write_file("plain6.txt", "a\r\r\nb\rc\n", 8);
	TAP_EQ_STR(read_all(p, 0), "1:a\r|2:b\rc|", "only the CR before LF is dropped");
	p = write_file("plain7.txt", "ab", 2);
	TAP_EQ_STR(read_all(p, 0), "1:ab|", "file shorter than the magic");
	p = write_file("plain8.txt", "\x1f", 1);
	TAP_EQ_STR(read_all(p, 0), "1:\x1f|", "one byte of gzip magic is plain");
	p = write_file("plain9.txt", "\x28\xb5\x2f\n", 4);
	TAP_EQ_STR(read_all(p, 0), "1:\x28\xb5\x2f|", "three bytes of zstd magic are plain");

	/* NUL bytes are data. */
	p = write_file("plain10.txt", "a\0b\nc", 5);
	struct gs_reader *r = gs_reader_open(p, 0, &err);
	TAP_OK(r != NULL && err == 0, "open with err = 0");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 1, "line with NUL");
	TAP_OK(len == 3 && memcmp(line, "a\0b", 3) == 0, "NUL kept");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 1, "line after it");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 0, "end");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 0, "end again");
	TAP_EQ_INT(gs_reader_lineno(r), 2, "lineno stays at 2");
	gs_reader_close(r);

	/* max_line */
	p = write_file("max1.txt", "0123456789\n01234567890\nok\n\n0123456789A", 38);
	TAP_EQ_STR(read_all(p, 10), "1:0123456789|2:E-5|3:ok|4:|5:E-5|",
		   "max_line: exact accepted, +1 rejected, reading goes on");
	TAP_EQ_INT(last_ret, 0, "max_line: ends cleanly after a long last line");
	p = write_file("max2.txt", "0123456789\r\nab\r\n", 16);
	TAP_EQ_STR(read_all(p, 11), "1:0123456789|2:ab|", "CRLF lines within max_line");
	p = write_file("max3.txt",
		       "0123456789\r\n01234567890\r\nab\r\n0123456789\r", 40);
	TAP_EQ_STR(
		read_all(p, 10), "1:0123456789|2:E-5|3:ab|4:0123456789|",
		"a CRLF line of exactly max_line bytes is accepted, +1 rejected");

	gs_reader_close(NULL);
	TAP_OK(1, "gs_reader_close(NULL) is a no-op");
}

static long rss_kb(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = 0;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_huge_line(void)
{
	const char *p = tmp_path("huge.txt");
	FILE *f = fopen(p, "wb");
	static char chunk[1 << 16];
	memset(chunk, 'x', sizeof chunk);
	fputs("first\n", f);
	for (int i = 0; i < 384; i++) /* 24 MiB without a newline */
		fwrite(chunk, 1, sizeof chunk, f);
	fputs("\nafter\n", f);
	for (int i = 0; i < 64; i++) /* 4 MiB, last line, no newline */
		fwrite(chunk, 1, sizeof chunk, f);
	fclose(f);

	int err;
	const char *line;
	size_t len;
	struct gs_reader *r = gs_reader_open(p, 100, &err);
	long before = rss_kb();
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 1, "huge: first line");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), GS_ETOOLONG, "huge: 24 MiB line rejected");
	TAP_EQ_INT(gs_reader_lineno(r), 2, "huge: it was line 2");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 1, "huge: reading goes on");
	TAP_OK(len == 5 && memcmp(line, "after", 5) == 0, "huge: next line intact");
	TAP_EQ_INT(gs_reader_lineno(r), 3, "huge: line 3");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), GS_ETOOLONG, "huge: 4 MiB last line rejected");
	TAP_EQ_INT(gs_reader_lineno(r), 4, "huge: line 4");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), 0, "huge: end");
	long grew = rss_kb() - before;
	TAP_OK(grew < 8 * 1024, "huge: memory did not grow with the line (%ld KiB)", grew);
	TAP_EQ_INT(gs_reader_offset(r), gs_reader_size(r), "huge: offset = size at the end");
	gs_reader_close(r);
}

/* Lines of exactly max_line bytes (and max_line + 1) across many refills. */
static char *boundary_data(size_t max_line, size_t nlines, int odd_long,
			   size_t *n)
{
	char *b = malloc(nlines * (max_line + 2));
	size_t o = 0;
	for (size_t i = 0; i < nlines; i++) {
		size_t len = max_line + (odd_long && (i & 1));
		int k = snprintf(b + o, max_line + 2, "%zu ", i + 1);
		memset(b + o + k, 'a' + (int)(i % 26), len - (size_t)k);
		o += len;
		b[o++] = '\n';
	}
	*n = o;
	return b;
}

static void check_boundary(const char *what, const char *path, size_t max_line,
			   size_t nlines, int odd_long)
{
	int err;
	const char *line;
	size_t len;
	struct gs_reader *r = gs_reader_open(path, max_line, &err);
	size_t good = 0, toolong = 0, bad = 0;
	int k;
	uint64_t expect = 0;
	while ((k = gs_reader_next(r, &line, &len)) != 0) {
		expect++;
		if (gs_reader_lineno(r) != expect)
			bad++;
		if (k == GS_ETOOLONG) {
			toolong++;
			if (!odd_long || (expect & 1)) /* odd lines are short */
				bad++;
			continue;
		}
		if (k != 1) {
			bad++;
			break;
		}
		good++;
		char want[32];
		int w = snprintf(want, sizeof want, "%llu ", (unsigned long long)expect);
		if (len != max_line || memcmp(line, want, (size_t)w) != 0 ||
		    line[len - 1] != 'a' + (int)((expect - 1) % 26))
			bad++;
	}
	TAP_EQ_INT(good, odd_long ? (nlines + 1) / 2 : nlines, "%s: lines of max_line read", what);
	TAP_EQ_INT(toolong, odd_long ? nlines / 2 : 0, "%s: lines of max_line+1 rejected", what);
	TAP_EQ_INT(bad, 0, "%s: contents and line numbers right", what);
	gs_reader_close(r);
}

static void test_boundaries(void)
{
	size_t n;
	char *b = boundary_data(100, 30000, 0, &n);
	const char *p = write_file("bound1.txt", b, n);
	check_boundary("plain, 30000 x 100", p, 100, 30000, 0);
	p = write_gz("bound1.gz", "wb", b, n);
	check_boundary("gzip, 30000 x 100", p, 100, 30000, 0);
	char *z = NULL;
	size_t zn = 0;
	zst_frame(&z, &zn, b, n);
	p = write_file("bound1.zst", z, zn);
	check_boundary("zstd, 30000 x 100", p, 100, 30000, 0);
	free(b);
	free(z);

	b = boundary_data(1000, 3001, 1, &n);
	p = write_file("bound2.txt", b, n);
	check_boundary("plain, 1000/1001 alternating", p, 1000, 3001, 1);
	p = write_gz("bound2.gz", "wb", b, n);
	check_boundary("gzip, 1000/1001 alternating", p, 1000, 3001, 1);
	free(b);
}

/* ---- gzip and zstd ---- */

static void test_gzip(void)
{
	const char *p;
	p = write_gz("one.gz", "wb", "g1\ng2\r\n", 7);
	TAP_EQ_STR(read_all(p, 0), "1:g1|2:g2|", "gzip");
	TAP_EQ_INT(last_ret, 0, "gzip: clean end");

	p = write_gz("two.gz", "wb", "m1\nm1b", 6);
	write_gz("two.gz", "ab", "\nm2\n", 4);
	npaths--; /* same path */
	TAP_EQ_STR(read_all(p, 0), "1:m1|2:m1b|3:m2|",
		   "two concatenated gzip members (line spanning them)");
	TAP_EQ_INT(last_ret, 0, "two members: clean end");

	p = write_gz("empty.gz", "wb", "", 0);
	TAP_EQ_STR(read_all(p, 0), "", "empty gzip");
	TAP_EQ_INT(last_ret, 0, "empty gzip: end");

	/* Damaged copies. */
	size_t n;
	char *good = slurp(tmp_path("one.gz"), &n);
	npaths--;
	char bad[256];
	memcpy(bad, good, n);
	memset(bad + 10, 0xff, n - 10);
	p = write_file("garbage.gz", bad, n);
	TAP_EQ_STR(read_all(p, 0), "0:E-12|", "gzip header + garbage: GS_EDECOMPRESS");
	p = write_file("magic.gz", "\x1f\x8b", 2);
	TAP_EQ_STR(read_all(p, 0), "0:E-12|", "gzip magic only: GS_EDECOMPRESS");
	p = write_file("trunc.gz", good, n - 9);
	TAP_EQ_INT(strstr(read_all(p, 0), "E-12|") != NULL, 1, "truncated gzip: GS_EDECOMPRESS");
	memcpy(bad, good, n);
	bad[n - 8] ^= 0x55; /* CRC */
	p = write_file("crc.gz", bad, n);
	TAP_EQ_INT(strstr(read_all(p, 0), "E-12|") != NULL, 1, "gzip with a bad CRC: GS_EDECOMPRESS");

	/* The error sticks. */
	int err;
	const char *line;
	size_t len;
	struct gs_reader *r = gs_reader_open(tmp_path("garbage.gz"), 0, &err);
	npaths--;
	TAP_EQ_INT(gs_reader_next(r, &line, &len), GS_EDECOMPRESS, "corrupt gzip: error");
	TAP_EQ_INT(gs_reader_next(r, &line, &len), GS_EDECOMPRESS, "corrupt gzip: error sticks");
	gs_reader_close(r);
	free(good);

	/* A larger compressible file through many refills. */
	size_t bn = 3 << 20;
	char *big = malloc(bn);
	for (size_t i = 0; i < bn; i++)
		big[i] = (i % 64 == 63) ? '\n' : 'a' + (char)(i % 7);
	p = write_gz("big.gz", "wb", big, bn);
	write_gz("big.gz", "ab", big, bn);
	npaths--;
	r = gs_reader_open(p, 0, &err);
	int k;
	size_t lines = 0, badlen = 0;
	while ((k = gs_reader_next(r, &line, &len)) == 1) {
		lines++;
		badlen += len != 63;
	}
	TAP_EQ_INT(k, 0, "big gzip: clean end");
	TAP_EQ_INT(lines, 2 * bn / 64, "big gzip: all lines of both members");
	TAP_EQ_INT(badlen, 0, "big gzip: all lines intact");
	struct stat st;
	stat(p, &st);
	TAP_EQ_INT(gs_reader_size(r), st.st_size, "gzip: size is the compressed size");
	TAP_EQ_INT(gs_reader_offset(r), st.st_size, "gzip: offset at the end = compressed size");
	gs_reader_close(r);
	free(big);
}

/* ---- gzip by both decoders (ISA-L and zlib, inflate.h) ---- */

/* What reading a file gave: its lines, each ending in '\n', how it ended,
 * and gs_reader_damage's text. */
struct readout {
	char *text;
	size_t n, lines;
	int ret;
	char damage[200];
};

static struct readout read_with(const char *path, const char *decoder)
{
	struct readout o = {NULL, 0, 0, 0, ""};
	setenv("GROUNDSWELL_INFLATE", decoder, 1);
	int err;
	struct gs_reader *r = gs_reader_open(path, 0, &err);
	unsetenv("GROUNDSWELL_INFLATE");
	if (!r) {
		o.ret = err;
		return o;
	}
	size_t cap = 0;
	const char *line;
	size_t len;
	while ((o.ret = gs_reader_next(r, &line, &len)) == 1 ||
	       o.ret == GS_ETOOLONG) {
		if (o.ret != 1)
			continue;
		if (o.n + len + 1 > cap) {
			cap = (o.n + len + 1) * 2;
			o.text = realloc(o.text, cap);
			if (!o.text)
				exit(2);
		}
		memcpy(o.text + o.n, line, len);
		o.n += len;
		o.text[o.n++] = '\n';
		o.lines++;
	}
	gs_reader_damage(r, o.damage, sizeof o.damage);
	gs_reader_close(r);
	return o;
}

static int same_readout(const struct readout *a, const struct readout *b)
{
	return a->n == b->n && a->ret == b->ret && a->lines == b->lines &&
	       (a->n == 0 || memcmp(a->text, b->text, a->n) == 0) &&
	       strcmp(a->damage, b->damage) == 0;
}

/* Reads the gzip bytes gz[0..n) with both decoders: the same lines, end and
 * damage text from both; the lines are want[0..wn) and the end want_ret;
 * the damage text names want_damage (NULL: no damage). */
static void check_both(const char *what, const unsigned char *gz, size_t n,
		       const char *want, size_t wn, int want_ret,
		       const char *want_damage)
{
	const char *p = write_file("both.gz", gz, n);
	npaths--;
	struct readout a = read_with(p, "isal"), b = read_with(p, "zlib");
	TAP_OK(same_readout(&a, &b),
	       "%s: the same lines, end and damage from ISA-L and zlib", what);
	if (!same_readout(&a, &b))
		printf("#   isal: %zu lines, ret %d, '%s'\n#   zlib: %zu lines, ret %d, '%s'\n",
		       a.lines, a.ret, a.damage, b.lines, b.ret, b.damage);
	TAP_OK(a.n == wn && (wn == 0 || memcmp(a.text, want, wn) == 0) &&
		       a.ret == want_ret &&
		       (want_damage ? strstr(a.damage, want_damage) != NULL
				    : !a.damage[0]),
	       "%s: the lines, ret %d, damage '%s'", what, want_ret,
	       want_damage ? want_damage : "");
	if (a.ret != want_ret || a.n != wn)
		printf("#   got %zu bytes (want %zu), ret %d, '%s'\n", a.n, wn,
		       a.ret, a.damage);
	free(a.text);
	free(b.text);
}

/* The complete lines of t[0..n): up to and with its last newline. */
static size_t complete(const char *t, size_t n)
{
	while (n && t[n - 1] != '\n')
		n--;
	return n;
}

static void test_gzip_decoders(void)
{
	size_t tn = 600000, n;
	char *text = gzf_text(tn, 11);
	unsigned char *gz = gzf_member(text, tn, 6, 0, 0, &n);
	check_both("gzip -6", gz, n, text, tn, 0, NULL);
	free(gz);
	gz = gzf_members(text, tn, 77777, 1, GZF_NAME, &n);
	check_both("9 members (a line spans each join)", gz, n, text, tn, 0,
		   NULL);
	free(gz);
	gz = gzf_members(text, tn, 65280, 6, GZF_BGZF, &n);
	check_both("BGZF (bgzip): 64 KB members, an empty one last", gz, n,
		   text, tn, 0, NULL);
	free(gz);
	gz = gzf_member(text, tn, 6, GZF_NAME, 131072, &n);
	check_both("full flushes every 128 KB (pigz)", gz, n, text, tn, 0,
		   NULL);
	free(gz);
	gz = gzf_members(text, tn, 100000, 6,
			 GZF_NAME | GZF_COMMENT | GZF_EXTRA | GZF_HCRC, &n);
	check_both("FNAME FCOMMENT FEXTRA FHCRC in every member", gz, n, text,
		   tn, 0, NULL);

	/* Trailing garbage, or bytes of a member that never comes. */
	unsigned char *bad = malloc(n + 16);
	memcpy(bad, gz, n);
	memcpy(bad + n, "garbage\n", 8);
	check_both("trailing garbage", bad, n + 8, text, tn, GS_EDECOMPRESS,
		   "gzip trailing garbage at compressed byte");
	memcpy(bad + n, "\x1f\x8b\x08\x00", 4);
	check_both("a member's first 4 bytes after the last", bad, n + 4, text,
		   tn, GS_EDECOMPRESS, "gzip truncated at compressed byte");
	bad[n + 3] = 0xe0; /* reserved flags, zlib refuses them */
	check_both("a member with reserved header flags after the last", bad,
		   n + 4, text, tn, GS_EDECOMPRESS,
		   "gzip corrupt data at compressed byte");
	free(bad);
	free(gz);

	/* FHCRC headers split between two reads (the reader reads 256 KB at a
	 * time after 4 bytes): many tiny members, so that some header spans
	 * byte 4 + 256 KB; ISA-L's own header read failed them. */
	size_t ln = 30, member = 0, at = 0, spans = 0;
	unsigned char *tiny = NULL;
	size_t tiny_n = 0;
	for (size_t o = 0; o < tn && tiny_n < 700000; o += ln) {
		size_t k;
		unsigned char *m =
			gzf_member(text + o, ln, 6,
				   GZF_NAME | GZF_COMMENT | GZF_HCRC, 0, &k);
		for (size_t b = 4 + (256u << 10); b < tiny_n + k;
		     b += 256u << 10)
			spans += b >= tiny_n &&
				 b < tiny_n + 34; /* header: 34 bytes */
		gzf_append(&tiny, &tiny_n, m, k);
		member++;
		at = o + ln;
	}
	TAP_OK(spans > 0,
	       "tiny members: %zu headers span a read boundary (%zu members)",
	       spans, member);
	char *want = malloc(at + 1);
	memcpy(want, text, at);
	if (want[at - 1] != '\n') /* the last line, without its newline */
		want[at++] = '\n';
	check_both("tiny FHCRC members across read boundaries", tiny, tiny_n,
		   want, at, 0, NULL);
	free(want);

	/* Cut short at every 211th byte of three members: the complete lines
	 * decoded before the cut, "truncated" at the file's end. */
	size_t sn = 120000, k1, k2, k3;
	unsigned char *m =
		gzf_member(text, sn / 3, 6, GZF_NAME | GZF_HCRC, 0, &k1);
	gz = NULL;
	n = 0;
	gzf_append(&gz, &n, m, k1);
	m = gzf_member(text + sn / 3, sn / 3, 1, 0, 4096, &k2);
	gzf_append(&gz, &n, m, k2);
	m = gzf_member(text + 2 * sn / 3, sn - 2 * (sn / 3), 9, GZF_EXTRA, 0,
		       &k3);
	gzf_append(&gz, &n, m, k3);
	int same = 1, prefix = 1, cuts = 0;
	for (size_t cut = 2; cut < n; cut += 211, cuts++) {
		const char *p = write_file("cut.gz", gz, cut);
		npaths--;
		struct readout a = read_with(p, "isal"),
			       b = read_with(p, "zlib");
		if (!same_readout(&a, &b)) {
			same = 0;
			printf("# cut at %zu: isal %zu lines '%s', zlib %zu lines '%s'\n",
			       cut, a.lines, a.damage, b.lines, b.damage);
		}
		char want[96];
		snprintf(want, sizeof want,
			 "gzip truncated at compressed byte %zu ", cut);
		int member_end = cut == k1 || cut == k1 + k2;
		if (!(a.n == complete(a.n ? a.text : "", a.n) &&
		      (a.n == 0 || memcmp(a.text, text, a.n) == 0) &&
		      (member_end
			       ? a.ret == 0
			       : a.ret == GS_EDECOMPRESS &&
					 strstr(a.damage, want) == a.damage))) {
			prefix = 0;
			printf("# cut at %zu: %zu bytes, ret %d, '%s'\n", cut,
			       a.n, a.ret, a.damage);
		}
		free(a.text);
		free(b.text);
	}
	TAP_OK(same,
	       "cut at %d points: ISA-L and zlib give the same lines and damage",
	       cuts);
	TAP_OK(prefix,
	       "cut at %d points: complete lines of the text, then 'truncated' there",
	       cuts);

	/* A byte flipped at every 97th position: the same lines, end and
	 * damage text from both (ISA-L finds some damage a few bytes after
	 * zlib: the reader has zlib read such a member again). */
	bad = malloc(n);
	int flips = 0, same_flip = 1, good_prefix = 1;
	for (size_t at2 = 0; at2 < n; at2 += 97, flips++) {
		memcpy(bad, gz, n);
		bad[at2] ^= (unsigned char)(0x55 + at2 % 7);
		const char *p = write_file("flip.gz", bad, n);
		npaths--;
		struct readout a = read_with(p, "isal"),
			       b = read_with(p, "zlib");
		if (!same_readout(&a, &b)) {
			same_flip = 0;
			printf("# flip at %zu: isal %zu lines ret %d '%s', zlib %zu lines ret %d '%s'\n",
			       at2, a.lines, a.ret, a.damage, b.lines, b.ret,
			       b.damage);
		}
		/* what comes before the damaged byte's member is intact */
		size_t before = at2 < k1	? 0
				: at2 < k1 + k2 ? sn / 3
						: 2 * (sn / 3);
		if (a.n < complete(text, before) ||
		    memcmp(a.text ? a.text : "", text, complete(text, before)))
			good_prefix = 0;
		free(a.text);
		free(b.text);
	}
	TAP_OK(same_flip,
	       "a byte flipped at %d points: the same lines, end and damage text",
	       flips);
	TAP_OK(good_prefix, "a byte flipped: the members before it read whole");
	free(bad);
	free(gz);
	free(tiny);

	/* An unknown decoder is refused, not ignored. */
	gz = gzf_member("a\n", 2, 6, 0, 0, &n);
	const char *p = write_file("one2.gz", gz, n);
	struct readout o = read_with(p, "deflate64");
	TAP_EQ_INT(o.ret, GS_EUSAGE,
		   "GROUNDSWELL_INFLATE=deflate64: gzip input refused");
	setenv("GROUNDSWELL_INFLATE", "deflate64", 1);
	TAP_EQ_INT(gs_inflate_env_check(), GS_EUSAGE,
		   "gs_inflate_env_check: deflate64 refused");
	setenv("GROUNDSWELL_INFLATE", "zlib", 1);
	TAP_EQ_INT(gs_inflate_env_check(), 0, "gs_inflate_env_check: zlib");
	unsetenv("GROUNDSWELL_INFLATE");
	TAP_EQ_INT(gs_inflate_env_check(), 0, "gs_inflate_env_check: unset");
	free(gz);
	free(text);
}

static void test_zstd(void)
{
	char *z = NULL;
	size_t zn = 0;
	const char *p;

	zst_frame(&z, &zn, "z1\nz2\n", 6);
	p = write_file("one.zst", z, zn);
	TAP_EQ_STR(read_all(p, 0), "1:z1|2:z2|", "zstd");
	TAP_EQ_INT(last_ret, 0, "zstd: clean end");
	size_t one = zn;

	zst_frame(&z, &zn, "z3\nz4", 5);
	zst_frame(&z, &zn, "b\n", 2);
	p = write_file("three.zst", z, zn);
	TAP_EQ_STR(read_all(p, 0), "1:z1|2:z2|3:z3|4:z4b|",
		   "concatenated zstd frames (line spanning them)");
	TAP_EQ_INT(last_ret, 0, "zstd frames: clean end");

	char *e = NULL;
	size_t en = 0;
	zst_frame(&e, &en, "", 0);
	p = write_file("empty.zst", e, en);
	TAP_EQ_STR(read_all(p, 0), "", "empty zstd frame");
	TAP_EQ_INT(last_ret, 0, "empty zstd: end");
	free(e);

	char bad[512];
	memcpy(bad, z, 4);
	memset(bad + 4, 0xa5, 60);
	p = write_file("garbage.zst", bad, 64);
	TAP_EQ_STR(read_all(p, 0), "0:E-12|", "zstd magic + garbage: GS_EDECOMPRESS");
	p = write_file("magic.zst", z, 4);
	TAP_EQ_STR(read_all(p, 0), "0:E-12|", "zstd magic only: GS_EDECOMPRESS");
	p = write_file("trunc.zst", z, one - 3);
	TAP_EQ_INT(strstr(read_all(p, 0), "E-12|") != NULL, 1, "truncated zstd frame: GS_EDECOMPRESS");
	p = write_file("trunc2.zst", z, one + 6);
	TAP_EQ_INT(strstr(read_all(p, 0), "E-12|") != NULL, 1, "second frame truncated: GS_EDECOMPRESS");
	memcpy(bad, z, one);
	memcpy(bad + one, "junk", 4);
	p = write_file("tail.zst", bad, one + 4);
	TAP_EQ_INT(strstr(read_all(p, 0), "E-12|") != NULL, 1, "zstd + trailing junk: GS_EDECOMPRESS");
	free(z);

	/* Sizes. */
	int err;
	struct gs_reader *r = gs_reader_open(tmp_path("three.zst"), 0, &err);
	npaths--;
	const char *line;
	size_t len;
	TAP_EQ_INT(gs_reader_size(r), (int64_t)zn, "zstd: size is the compressed size");
	TAP_OK(gs_reader_offset(r) <= zn, "zstd: offset after open within the file");
	while (gs_reader_next(r, &line, &len) == 1)
		;
	TAP_EQ_INT(gs_reader_offset(r), zn, "zstd: offset at the end");
	gs_reader_close(r);
}

/* ---- opening ---- */

static void test_open(void)
{
	int err = 0;
	errno = 0;
	struct gs_reader *r = gs_reader_open("/nonexistent/groundswell/x.jsonl", 0, &err);
	TAP_OK(r == NULL, "nonexistent file: NULL");
	TAP_EQ_INT(err, GS_EIO, "nonexistent file: GS_EIO");
	TAP_EQ_INT(errno, ENOENT, "nonexistent file: errno ENOENT");
	err = 0;
	r = gs_reader_open(dir, 0, &err);
	TAP_OK(r == NULL, "directory: NULL");
	TAP_EQ_INT(err, GS_EIO, "directory: GS_EIO");

	const char *p = write_file("size.txt", "12345\n678\n", 10);
	r = gs_reader_open(p, 0, &err);
	const char *line;
	size_t len;
	TAP_EQ_INT(gs_reader_size(r), 10, "plain: size");
	TAP_OK(gs_reader_offset(r) <= 10, "plain: offset after open within the file");
	TAP_EQ_INT(gs_reader_lineno(r), 0, "lineno 0 before the first line");
	gs_reader_next(r, &line, &len);
	uint64_t o1 = gs_reader_offset(r);
	TAP_OK(o1 >= 6 && o1 <= 10, "plain: offset covers the first line");
	gs_reader_next(r, &line, &len);
	gs_reader_next(r, &line, &len);
	TAP_EQ_INT(gs_reader_offset(r), 10, "plain: offset at the end = size");
	gs_reader_close(r);
}

/* ---- ranges ---- */

static const char *read_range(const char *path, int64_t start, int64_t end)
{
	int err = 12345;
	const char *line;
	size_t len, o = 0;
	transcript[0] = 0;
	struct gs_reader *r = gs_reader_open_range(path, 0, start, end, &err);
	if (!r) {
		snprintf(transcript, sizeof transcript, "open failed %d", err);
		return transcript;
	}
	int k;
	while ((k = gs_reader_next(r, &line, &len)) == 1)
		o += (size_t)snprintf(transcript + o, sizeof transcript - o, "%.*s|",
				      (int)len, line);
	last_ret = k;
	gs_reader_close(r);
	return transcript;
}

static void test_range(void)
{
	const char *p = write_file("range.txt", "aa\nbb\ncc\ndd", 11);
	TAP_EQ_STR(read_range(p, 0, -1), "aa|bb|cc|dd|", "range: whole file");
	TAP_EQ_STR(read_range(p, 3, 6), "bb|", "range: one line");
	TAP_EQ_STR(read_range(p, 3, -1), "bb|cc|dd|", "range: to the end");
	TAP_EQ_STR(read_range(p, 0, 3), "aa|", "range: first line");
	TAP_EQ_STR(read_range(p, 6, 8), "cc|", "range: end inside a line stops there");
	TAP_EQ_STR(read_range(p, 9, 11), "dd|", "range: last line without newline");
	TAP_EQ_STR(read_range(p, 5, 5), "", "range: empty");
	TAP_EQ_STR(read_range(p, 11, -1), "", "range: at the end");
	TAP_EQ_STR(read_range(p, 6, 3), "open failed -10", "range: end before start is GS_EUSAGE");
	TAP_EQ_STR(read_range(p, -1, 3), "open failed -10", "range: negative start is GS_EUSAGE");
	const char *gz = write_gz("range.gz", "wb", "aa\nbb\n", 6);
	TAP_EQ_STR(read_range(gz, 0, 4), "open failed -10", "range of a gzip file is GS_EUSAGE");
	TAP_EQ_STR(read_range(gz, 0, -1), "aa|bb|", "range [0, end) of a gzip file is the whole file");
	TAP_EQ_INT(gs_file_is_compressed(gz), 1, "gzip file is compressed");
	TAP_EQ_INT(gs_file_is_compressed(tmp_path("one.zst")), 1, "zstd file is compressed");
	npaths--;
	TAP_EQ_INT(gs_file_is_compressed(p), 0, "text file is not compressed");
	TAP_EQ_INT(gs_file_is_compressed("/nonexistent/x"), GS_EIO, "missing file: GS_EIO");
}

/* ---- pipes ---- */

struct writer {
	int fd;
	const char *const *parts;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (const char *const *p = w->parts; *p; p++) {
		size_t n = strlen(*p);
		if (write(w->fd, *p, n) != (ssize_t)n)
			break;
		usleep(1000);
	}
	close(w->fd);
	return NULL;
}

static void test_pipe(void)
{
	static const char *const parts[] = {"p1\npar", "tial", "\n\r", "\nend", NULL};
	int fds[2];
	if (pipe(fds) != 0)
		exit(2);
	struct writer w = {fds[1], parts};
	pthread_t t;
	pthread_create(&t, NULL, writer_main, &w);
	char path[32];
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	int err;
	struct gs_reader *r = gs_reader_open(path, 0, &err);
	close(fds[0]);
	TAP_OK(r != NULL, "pipe: opened through %s", path);
	TAP_EQ_INT(gs_reader_size(r), -1, "pipe: size -1");
	const char *line;
	size_t len;
	char got[128] = "";
	int k;
	while ((k = gs_reader_next(r, &line, &len)) == 1)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%llu:%.*s|",
			 (unsigned long long)gs_reader_lineno(r), (int)len, line);
	TAP_EQ_STR(got, "1:p1|2:partial|3:|4:end|", "pipe: lines reassembled across writes");
	TAP_EQ_INT(k, 0, "pipe: clean end");
	TAP_EQ_INT(gs_reader_offset(r), 16, "pipe: offset counts the bytes read");
	gs_reader_close(r);
	pthread_join(t, NULL);

	/* gzip through a pipe. */
	size_t n;
	const char *gz = write_gz("pipe.gz", "wb", "a\nb\n", 4);
	char *data = slurp(gz, &n);
	if (pipe(fds) != 0)
		exit(2);
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (write(fds[1], data, 3) != 3)
			_exit(1);
		usleep(2000);
		if (write(fds[1], data + 3, n - 3) != (ssize_t)(n - 3))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	TAP_EQ_STR(read_all(path, 0), "1:a|2:b|", "pipe: gzip from a child process");
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pipe: child wrote everything");
	free(data);

	/* Standard input. */
	const char *in = write_file("stdin.txt", "s1\ns2", 5);
	int saved = dup(0);
	FILE *f = fopen(in, "rb");
	dup2(fileno(f), 0);
	fclose(f);
	TAP_EQ_STR(read_all("-", 0), "1:s1|2:s2|", "\"-\" reads standard input");
	dup2(saved, 0);
	close(saved);
}

int main(void)
{
	strcpy(dir, "/tmp/gs_test_reader.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_plain();
	test_huge_line();
	test_boundaries();
	test_gzip();
	test_gzip_decoders();
	test_zstd();
	test_open();
	test_range();
	test_pipe();
	for (int i = 0; i < npaths; i++)
		unlink(paths[i]);
	rmdir(dir);
	return TAP_DONE();
}
