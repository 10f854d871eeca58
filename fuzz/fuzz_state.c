/*
 * fuzz_state.c - libFuzzer target for the state file loader
 * (count/state.h: gs_state_read_info, then gs_state_read_rest): a state
 * file handed to 'groundswell merge' is untrusted input.
 *
 * Each input is offered as it is, and again with the CRC of its first
 * section recomputed (so that the fuzzer reaches the field checks),
 * through fmemopen(). When the container loads, it must save again to
 * the same section bytes (the format is canonical) and compare equal to
 * itself; when the rest loads too, the engine and network are used
 * (summary, merged into a fresh one). Failures must be GS_EFORMAT,
 * GS_EIO or GS_ENOMEM with a reason, never a crash; ASan and UBSan watch.
 *
 * States written under a pseudonymisation key are sealed (count/seal.h),
 * here with a fixed test key (that of the secret "fuzz"): an input that
 * is a sealed state is decrypted and its content tried as above (a seed
 * is one, written by 'report --pseudonymize-key fuzz'); any other input
 * is sealed and must load through the decrypting stream, which cannot
 * seek, exactly as it loads plain.
 *
 *   make fuzz && build-fuzz/fuzz_state -max_total_time=20
 * Seeds: fuzz/corpus/state (states written by report and network).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "count/network.h"
#include "count/seal.h"
#include "count/snapio.h"
#include "count/state.h"
#include "out/pseudo.h"
#include "fuzz.h"

static void try_state(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return;
	struct gs_state_info s;
	char why[256];
	int r = gs_state_read_info(f, &s, why, sizeof why);
	if (r) {
		CHECK(r == GS_EFORMAT || r == GS_EIO || r == GS_ENOMEM);
		CHECK(why[0]);
		fclose(f);
		return;
	}
	long at = ftell(f);
	CHECK(!gs_state_differs(&s, &s, why, sizeof why));
	struct gs_engine *e = NULL;
	struct gs_network *n = NULL;
	r = gs_state_read_rest(f, &s, &e, &n, why, sizeof why);
	fclose(f);
	if (r) {
		CHECK(!e && !n && why[0]);
	} else {
		CHECK(!!e == s.has_engine && !!n == s.has_network);
		if (e) {
			struct gs_summary sm;
			gs_engine_summary(e, &sm);
			struct gs_engine *m = gs_engine_new_like(e);
			if (m) {
				(void)gs_engine_merge(m, e);
				gs_engine_free(m);
			}
		}
		if (n) {
			struct gs_network *m = gs_network_new_like(n);
			if (m) {
				(void)gs_network_merge(m, n);
				gs_network_free(m);
			}
		}
	}
	/* canonical: the container saves to the bytes it came from, except
	 * that counter lists shorter than today's (older writers) are read
	 * with zeros and saved whole; so what it saves must load again, save
	 * to the same bytes, and be the input when the lists were whole. */
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	CHECK(o);
	CHECK(gs_state_save_info(o, &s) == 0);
	fclose(o);
	CHECK(len >= (size_t)at);
	if (len == (size_t)at)
		CHECK(memcmp(buf, data, len) == 0);
	FILE *f2 = fmemopen(buf, len, "rb");
	CHECK(f2);
	struct gs_state_info s2;
	CHECK(gs_state_read_info(f2, &s2, why, sizeof why) == 0);
	fclose(f2);
	CHECK(!gs_state_differs(&s, &s2, why, sizeof why));
	char *buf2 = NULL;
	size_t len2 = 0;
	o = open_memstream(&buf2, &len2);
	CHECK(o);
	CHECK(gs_state_save_info(o, &s2) == 0);
	fclose(o);
	CHECK(len2 == len && memcmp(buf2, buf, len) == 0);
	free(buf2);
	gs_state_info_release(&s2);
	free(buf);
	gs_engine_free(e);
	gs_network_free(n);
	gs_state_info_release(&s);
}

/* The code of loading a state from f: the container's, else the rest's. */
static int load_code(FILE *f)
{
	struct gs_state_info s;
	char why[256];
	int r = gs_state_read_info(f, &s, why, sizeof why);
	if (r)
		return r;
	struct gs_engine *e = NULL;
	struct gs_network *n = NULL;
	r = gs_state_read_rest(f, &s, &e, &n, why, sizeof why);
	gs_engine_free(e);
	gs_network_free(n);
	gs_state_info_release(&s);
	return r;
}

static void try_sealed(const uint8_t *data, size_t size)
{
	static struct gs_pseudo ps;
	static int ready;
	char why[256] = "";
	if (!ready)
		CHECK(gs_pseudo_init(&ps, "fuzz", 4) == 0);
	ready = 1;
	if (size >= 4 && !memcmp(data, gs_state_seal.magic, 4)) {
		FILE *f = fmemopen((void *)data, size, "rb");
		unsigned char *p = NULL;
		size_t n = 0;
		CHECK(f);
		int r = gs_seal_read_all(f, &gs_state_seal, ps.key, &p, &n, why,
					 sizeof why);
		fclose(f);
		CHECK(r ? why[0] && !p : 1);
		if (!r && n)
			try_state(p, n);
		free(p);
		return;
	}
	if (!size)
		return;
	char *buf = NULL;
	size_t len = 0;
	int err;
	FILE *o = open_memstream(&buf, &len);
	CHECK(o);
	struct gs_seal *w = gs_seal_writer(o, &gs_state_seal, ps.key, &err);
	CHECK(w && gs_seal_write(w, data, size) == 0 && gs_seal_finish(w) == 0);
	gs_seal_free(w);
	fclose(o);
	FILE *plain = fmemopen((void *)data, size, "rb");
	FILE *raw = fmemopen(buf, len, "rb");
	CHECK(plain && raw);
	struct gs_seal *rd = gs_seal_reader(raw, &gs_state_seal, ps.key, &err,
					    why, sizeof why);
	CHECK(rd);
	FILE *sf = gs_seal_file(rd);
	CHECK(sf);
	CHECK(load_code(plain) == load_code(sf));
	CHECK(!gs_seal_error(rd));
	fclose(sf);
	gs_seal_free(rd);
	fclose(raw);
	fclose(plain);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_state(data, size);
	try_sealed(data, size);
	uint8_t *c = fuzz_crc_fixed(data, size);
	if (c) {
		try_state(c, size);
		free(c);
	}
	return 0;
}
