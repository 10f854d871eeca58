/*
 * test_inflate.c - unit tests of the gzip decoders behind inflate.h
 * (src/input/inflate_isal.c, inflate_zlib.c) and of the choice between
 * them (inflate.c, GROUNDSWELL_INFLATE).
 *
 * Each implementation decodes the same members (gzip_fixture.h) fed in
 * several ways - whole, a byte of input at a time, into 1..7 bytes of
 * output at a time - and must give the original bytes, report the member's
 * end exactly at its last byte (what follows is left alone, for the next
 * member), and report damage (a bad CRC, length, header CRC, reserved
 * header flags) after handing out what it decoded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "gzip_fixture.h"
#include "input/inflate.h"
#include "tap.h"

static const char *const names[] = {"isal", "zlib"};

struct result {
	int rc;		/* last return: GS_INFLATE_END or an error */
	size_t in_used; /* input consumed in all */
	size_t out_n;	/* output made in all */
	unsigned char *out;
};

/* Decodes one member from in[0..n) with in_step bytes of input and
 * out_step bytes of output space per call (0: all there is), until the
 * member ends, an error, or no progress is possible. */
static struct result decode(struct gs_inflate *d, const unsigned char *in,
			    size_t n, size_t in_step, size_t out_step,
			    size_t out_cap)
{
	struct result r = {GS_INFLATE_MORE, 0, 0, malloc(out_cap + 1)};
	if (!r.out || gs_inflate_reset(d))
		exit(2);
	for (;;) {
		size_t il = n - r.in_used, ol = out_cap - r.out_n, used, made;
		if (in_step && il > in_step)
			il = in_step;
		if (out_step && ol > out_step)
			ol = out_step;
		r.rc = gs_inflate_run(d, in + r.in_used, il, &used,
				      r.out + r.out_n, ol, &made);
		r.in_used += used;
		r.out_n += made;
		if (r.rc != GS_INFLATE_MORE)
			break;
		if (!used && !made && r.in_used == n)
			break; /* input used up: cut short */
		if (r.out_n == out_cap)
			break;
	}
	return r;
}

static void test_choice(void)
{
	int err = 1;
	struct gs_inflate *d;
	for (int i = 0; i < 2; i++) {
		d = gs_inflate_new(names[i], &err);
		TAP_OK(d && err == 0 && strcmp(d->impl->name, names[i]) == 0,
		       "gs_inflate_new(\"%s\")", names[i]);
		gs_inflate_free(d);
	}
	d = gs_inflate_new("deflate64", &err);
	TAP_OK(!d && err == GS_EUSAGE, "an unknown decoder: GS_EUSAGE");
	unsetenv("GROUNDSWELL_INFLATE");
	d = gs_inflate_new(NULL, &err);
	TAP_OK(d && strcmp(d->impl->name, "isal") == 0, "ISA-L by default");
	gs_inflate_free(d);
	setenv("GROUNDSWELL_INFLATE", "zlib", 1);
	d = gs_inflate_new("", &err);
	TAP_OK(d && strcmp(d->impl->name, "zlib") == 0,
	       "GROUNDSWELL_INFLATE=zlib");
	gs_inflate_free(d);
	setenv("GROUNDSWELL_INFLATE", "", 1);
	d = gs_inflate_new(NULL, &err);
	TAP_OK(d && strcmp(d->impl->name, "isal") == 0,
	       "GROUNDSWELL_INFLATE empty: ISA-L");
	gs_inflate_free(d);
	setenv("GROUNDSWELL_INFLATE", "fast", 1);
	d = gs_inflate_new(NULL, &err);
	TAP_OK(!d && err == GS_EUSAGE, "GROUNDSWELL_INFLATE=fast: GS_EUSAGE");
	unsetenv("GROUNDSWELL_INFLATE");
}

/* Members with each header field, decoded in pieces, followed by other
 * bytes that must be left unconsumed. */
static void test_members(void)
{
	size_t tn = 200000;
	char *text = gzf_text(tn, 7);
	static const struct {
		const char *what;
		int flags, level;
		size_t flush;
	} kinds[] = {
		{"plain", 0, 6, 0},
		{"gzip -1", GZF_NAME, 1, 0},
		{"FNAME FCOMMENT FEXTRA FHCRC",
		 GZF_NAME | GZF_COMMENT | GZF_EXTRA | GZF_HCRC, 6, 0},
		{"BGZF extra field", GZF_BGZF, 6, 0},
		{"full flushes (pigz)", GZF_NAME, 6, 4096},
		{"stored blocks", GZF_HCRC, 0, 0},
	};
	static const struct {
		size_t in, out;
	} steps[] = {{0, 0}, {1, 0}, {0, 7}, {13, 1}};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		size_t n;
		size_t part =
			kinds[k].flush == 0 && kinds[k].level == 1 ? tn : 20000;
		unsigned char *m =
			gzf_member(text, part, kinds[k].level, kinds[k].flags,
				   kinds[k].flush, &n);
		m = realloc(m, n + 4);
		memcpy(m + n, "\x1f\x8b\x08\x00",
		       4); /* the next member's start */
		for (int i = 0; i < 2; i++) {
			struct gs_inflate *d =
				gs_inflate_new(names[i], &(int){0});
			int all = 1;
			for (size_t s = 0; s < sizeof steps / sizeof steps[0];
			     s++) {
				if (steps[s].in == 1 && part > 20000)
					continue;
				struct result r =
					decode(d, m, n + 4, steps[s].in,
					       steps[s].out, part + 100);
				int good = r.rc == GS_INFLATE_END &&
					   r.in_used == n && r.out_n == part &&
					   memcmp(r.out, text, part) == 0;
				if (!good)
					printf("# %s, steps %zu/%zu: rc %d, in %zu of %zu, out %zu of %zu\n",
					       kinds[k].what, steps[s].in,
					       steps[s].out, r.rc, r.in_used, n,
					       r.out_n, part);
				all &= good;
				free(r.out);
			}
			TAP_OK(all,
			       "%s: %s: the bytes, the end of the member at its last byte",
			       names[i], kinds[k].what);
			gs_inflate_free(d);
		}
		free(m);
	}
	free(text);
}

/* Damage: each decoder says GS_EDECOMPRESS after handing out what it
 * decoded, or that the member goes on when it is cut short. */
static void test_damage(void)
{
	size_t tn = 30000, n;
	char *text = gzf_text(tn, 3);
	unsigned char *good =
		gzf_member(text, tn, 6, GZF_HCRC | GZF_NAME, 0, &n);
	unsigned char *bad = malloc(n);
	static const struct {
		const char *what;
		long at;  /* byte to flip (from the end when negative) */
		int full; /* all the data is decoded before the error */
	} flips[] = {
		{"a bad CRC-32", -8, 1},
		{"a bad length", -3, 1},
		{"a bad header CRC", 22, 0},
		{"reserved header flags", 3, 0},
		{"a bad compression method", 2, 0},
		{"a bad magic byte", 1, 0},
	};
	for (size_t f = 0; f < sizeof flips / sizeof flips[0]; f++) {
		memcpy(bad, good, n);
		size_t at = flips[f].at < 0 ? n + (size_t)flips[f].at
					    : (size_t)flips[f].at;
		bad[at] ^= f == 3 ? 0x20 : 0x41;
		for (int i = 0; i < 2; i++) {
			struct gs_inflate *d =
				gs_inflate_new(names[i], &(int){0});
			struct result r = decode(d, bad, n, 0, 0, tn + 100);
			TAP_OK(r.rc == GS_EDECOMPRESS &&
				       (!flips[f].full ||
					(r.out_n == tn &&
					 memcmp(r.out, text, tn) == 0)),
			       "%s: %s: GS_EDECOMPRESS%s", names[i],
			       flips[f].what,
			       flips[f].full ? ", after all the data" : "");
			free(r.out);
			/* the decoder is reusable after a reset */
			r = decode(d, good, n, 0, 0, tn + 100);
			TAP_OK(r.rc == GS_INFLATE_END && r.out_n == tn &&
				       memcmp(r.out, text, tn) == 0,
			       "%s: after %s, a reset decodes a good member",
			       names[i], flips[f].what);
			free(r.out);
			gs_inflate_free(d);
		}
	}
	/* Cut short: every prefix decodes to a prefix of the text, the member
	 * never ends, and both give as much. */
	int same = 1, prefix = 1, ended = 0;
	for (size_t cut = 0; cut < n; cut += 97) {
		struct result r[2];
		for (int i = 0; i < 2; i++) {
			struct gs_inflate *d =
				gs_inflate_new(names[i], &(int){0});
			r[i] = decode(d, good, cut, i ? 0 : 5, 0, tn + 100);
			gs_inflate_free(d);
			ended += r[i].rc != GS_INFLATE_MORE;
			prefix &= r[i].in_used == cut &&
				  memcmp(r[i].out, text, r[i].out_n) == 0;
		}
		if (r[0].out_n != r[1].out_n) {
			same = 0;
			printf("# cut at %zu: isal %zu bytes, zlib %zu\n", cut,
			       r[0].out_n, r[1].out_n);
		}
		free(r[0].out);
		free(r[1].out);
	}
	TAP_OK(!ended && prefix,
	       "cut short: a prefix of the text, input all used, no end");
	TAP_OK(same, "cut short: ISA-L and zlib decode as many bytes");
	free(bad);
	free(good);
	free(text);
}

int main(void)
{
	test_choice();
	test_members();
	test_damage();
	return TAP_DONE();
}
