/*
 * fuzz_time.c - libFuzzer target for timeutil.
 *
 * Feeds each input to every time parser (which must never read past len:
 * libFuzzer's buffer is exactly len bytes, so ASan catches over-reads) and to
 * the duration parser as a NUL-terminated copy, then checks the invariants
 * the rest of groundswell relies on: a parsed time lies in
 * [GS_TIME_MIN_MS, GS_TIME_MAX_MS], formats to RFC 3339 and parses back to
 * the same value; gs_time_parse_any agrees with the parser it dispatches to;
 * a parsed duration is positive and survives format/parse; buckets floor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "base/timeutil.h"

static void check_time(int64_t ms)
{
	char out[32];
	int64_t back;

	if (ms < GS_TIME_MIN_MS || ms > GS_TIME_MAX_MS)
		abort();
	size_t n = gs_time_format(ms, out);
	if (n != strlen(out) || gs_time_parse_iso8601(out, n, &back) != 0 ||
	    back != ms)
		abort();
	int64_t b = gs_time_bucket(ms, GS_MS_HOUR);
	if (b > ms || ms - b >= GS_MS_HOUR || b % GS_MS_HOUR != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t t1 = 0, t2 = 0, t3 = 0, ta = 0, d = 0;
	int r1 = gs_time_parse_twitter(s, size, &t1);
	int r2 = gs_time_parse_iso8601(s, size, &t2);
	int r3 = gs_time_parse_epoch_ms(s, size, &t3);
	int ra = gs_time_parse_any(s, size, &ta);

	if ((r1 && r1 != GS_ETIME) || (r2 && r2 != GS_ETIME) ||
	    (r3 && r3 != GS_ETIME) || (ra && ra != GS_ETIME))
		abort();
	/* The shapes are disjoint, so at most one parser accepts. */
	if ((r1 == 0) + (r2 == 0) + (r3 == 0) > 1)
		abort();
	if (r1 == 0)
		check_time(t1);
	if (r2 == 0)
		check_time(t2);
	if (r3 == 0)
		check_time(t3);
	if (ra == 0) {
		check_time(ta);
		if (!((r1 == 0 && ta == t1) || (r2 == 0 && ta == t2) ||
		      (r3 == 0 && ta == t3)))
			abort();
	} else if (r1 == 0 || r2 == 0 || r3 == 0) {
		abort();
	}

	/* Durations take a C string. */
	char *z = malloc(size + 1);
	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (gs_duration_parse(z, &d) == 0) {
		char out[16];
		int64_t back;
		if (d <= 0)
			abort();
		size_t n = gs_duration_format(d, out);
		if (n && (gs_duration_parse(out, &back) != 0 || back != d))
			abort();
		int64_t b = gs_time_bucket(t1 ^ t2 ^ t3, d);
		if (b > (t1 ^ t2 ^ t3))
			abort();
	}
	free(z);

	/* Formatting any int64 must stay inside the buffer. */
	if (size >= 8) {
		int64_t v;
		memcpy(&v, data, sizeof v);
		char out[32], dur[16];
		if (gs_time_format(v, out) > 31 ||
		    gs_duration_format(v, dur) > 15)
			abort();
		int64_t w;
		memcpy(&w, data + size - 8, sizeof w);
		int64_t b = gs_time_bucket(v, w);
		if (w > 0 && b > v)
			abort();
	}
	return 0;
}
