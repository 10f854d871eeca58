/*
 * test_timeutil.c - unit tests of timeutil: Twitter, ISO 8601 and epoch
 * parsers (valid, invalid and truncated input), formatting, round trips, a
 * cross-check against libc timegm/gmtime_r on 10,000 pseudo-random times,
 * durations and buckets.
 */
#include "base/timeutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "groundswell.h"
#include "tap.h"

typedef int (*parse_fn)(const char *, size_t, int64_t *);

/* Parses a copy in a buffer of exactly len bytes, so ASan sees over-reads. */
static int parse_exact(parse_fn f, const char *s, size_t len, int64_t *ms)
{
	char *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	memcpy(buf, s, len);
	int rc = f(buf, len, ms);
	free(buf);
	return rc;
}

static int parse_str(parse_fn f, const char *s, int64_t *ms)
{
	return parse_exact(f, s, strlen(s), ms);
}

/* Expects s to parse to want. */
static void ok_parse(parse_fn f, const char *s, int64_t want)
{
	int64_t got = INT64_MIN;
	int rc = parse_str(f, s, &got);
	TAP_OK(rc == 0 && got == want, "parse \"%s\"", s);
	if (rc != 0 || got != want)
		printf("#   rc %d, got %lld, want %lld\n", rc, (long long)got,
		       (long long)want);
}

/* Expects s to be rejected with GS_ETIME and *ms untouched. */
static void bad_parse(parse_fn f, const char *s)
{
	int64_t got = 42;
	int rc = parse_str(f, s, &got);
	TAP_OK(rc == GS_ETIME && got == 42, "reject \"%s\"", s);
}

/* Every proper prefix of a valid string must be rejected. */
static void truncations(parse_fn f, const char *s, const char *what)
{
	size_t len = strlen(s), bad = 0;
	int64_t ms;
	for (size_t n = 0; n < len; n++)
		if (parse_exact(f, s, n, &ms) != GS_ETIME) {
			if (!bad)
				printf("#   prefix %zu of \"%s\" accepted\n", n,
				       s);
			bad++;
		}
	TAP_OK(bad == 0 && parse_exact(f, s, len, &ms) == 0,
	       "%s: all %zu truncations of \"%s\" rejected", what, len, s);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec"};

static int64_t utc_ms(int y, int mon, int d, int h, int mi, int s)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000;
}

static void test_twitter(void)
{
	char buf[64];
	parse_fn f = gs_time_parse_twitter;

	ok_parse(f, "Fri Oct 20 22:10:00 +0000 2017", INT64_C(1508537400000));
	ok_parse(f, "Thu Jan 01 00:00:00 +0000 1970", 0);
	ok_parse(f, "Mon Jan 01 00:00:00 +0000 1900", GS_TIME_MIN_MS);
	ok_parse(f, "Fri Dec 31 23:59:59 +0000 9999",
		 GS_TIME_MAX_MS - 999);
	/* Offsets east of UTC are subtracted, west added. */
	ok_parse(f, "Sat Oct 21 00:10:00 +0200 2017", INT64_C(1508537400000));
	ok_parse(f, "Fri Oct 20 17:10:00 -0500 2017", INT64_C(1508537400000));
	ok_parse(f, "Sat Oct 21 03:40:00 +0530 2017", INT64_C(1508537400000));
	ok_parse(f, "Fri Oct 20 12:10:00 -1000 2017", INT64_C(1508537400000));
	/* Leap day. */
	ok_parse(f, "Mon Feb 29 12:34:56 +0000 2016",
		 utc_ms(2016, 2, 29, 12, 34, 56));
	ok_parse(f, "Tue Feb 29 00:00:00 +0000 2000",
		 utc_ms(2000, 2, 29, 0, 0, 0));

	/* All 12 months, first and last day of each, 2017 and 2016. */
	int months_ok = 0;
	for (int y = 2016; y <= 2017; y++)
		for (int m = 1; m <= 12; m++) {
			static const int dim[12] = {31, 28, 31, 30, 31, 30,
						    31, 31, 30, 31, 30, 31};
			int last = dim[m - 1] + (m == 2 && y == 2016);
			int64_t got1 = -1, got2 = -1;
			snprintf(buf, sizeof buf,
				 "Sun %s 01 08:09:10 +0000 %d",
				 month_names[m - 1], y);
			int rc1 = parse_str(f, buf, &got1);
			snprintf(buf, sizeof buf,
				 "Sun %s %02d 23:59:59 +0000 %d",
				 month_names[m - 1], last, y);
			int rc2 = parse_str(f, buf, &got2);
			snprintf(buf, sizeof buf,
				 "Sun %s %02d 23:59:59 +0000 %d",
				 month_names[m - 1], last + 1, y);
			int64_t dummy;
			int rc3 = parse_str(f, buf, &dummy);
			if (rc1 == 0 && got1 == utc_ms(y, m, 1, 8, 9, 10) &&
			    rc2 == 0 && got2 == utc_ms(y, m, last, 23, 59, 59) &&
			    rc3 == GS_ETIME)
				months_ok++;
			else
				printf("#   month %d/%d wrong\n", m, y);
		}
	TAP_EQ_INT(months_ok, 24, "twitter: all 12 months, first/last day, "
				  "day after last rejected (2016, 2017)");

	bad_parse(f, "Fri Oct 20 22:10:00 +0000 2017 ");
	bad_parse(f, " Fri Oct 20 22:10:00 +0000 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 +0000 201");
	bad_parse(f, "Fri Okt 20 22:10:00 +0000 2017");
	bad_parse(f, "Fri oct 20 22:10:00 +0000 2017");
	bad_parse(f, "Fri OCT 20 22:10:00 +0000 2017");
	bad_parse(f, "Fry Oct 20 22:10:00 +0000 2017");
	bad_parse(f, "Fri Oct 32 22:10:00 +0000 2017");
	bad_parse(f, "Fri Oct 00 22:10:00 +0000 2017");
	bad_parse(f, "Fri Oct  2 22:10:00 +0000 2017");
	bad_parse(f, "Fri Nov 31 22:10:00 +0000 2017");
	bad_parse(f, "Tue Feb 29 22:10:00 +0000 2017");
	bad_parse(f, "Tue Feb 30 22:10:00 +0000 2016");
	bad_parse(f, "Tue Feb 29 22:10:00 +0000 1900");
	bad_parse(f, "Fri Oct 20 24:00:00 +0000 2017");
	bad_parse(f, "Fri Oct 20 22:60:00 +0000 2017");
	bad_parse(f, "Fri Oct 20 22:10:60 +0000 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 +2400 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 +0060 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 0000 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 *0000 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 +00:0 2017");
	bad_parse(f, "Fri Oct 20 22-10-00 +0000 2017");
	bad_parse(f, "Fri Oct 20 2a:10:00 +0000 2017");
	bad_parse(f, "Fri Oct 20 22:10:00 +0000 1899");
	bad_parse(f, "Mon Jan 01 00:30:00 +0100 1900"); /* 1899 in UTC */
	bad_parse(f, "Fri Oct 20 22:10:00 +0000 20l7");
	bad_parse(f, "Fri\tOct 20 22:10:00 +0000 2017");
	bad_parse(f, "");

	truncations(f, "Fri Oct 20 22:10:00 +0000 2017", "twitter");
	truncations(f, "Mon Feb 29 12:34:56 -0730 2016", "twitter");
	truncations(gs_time_parse_any, "Fri Oct 20 22:10:00 +0000 2017",
		    "any");
}

static void test_iso(void)
{
	parse_fn f = gs_time_parse_iso8601;
	const int64_t t = INT64_C(1508101980000); /* 2017-10-15T21:13:00Z */

	ok_parse(f, "2017-10-15T21:13:00.000Z", t);
	ok_parse(f, "2017-10-15T21:13:00Z", t);
	ok_parse(f, "2017-10-15t21:13:00z", t);
	ok_parse(f, "2017-10-15 21:13:00Z", t);
	ok_parse(f, "2017-10-15T21:13:00.5Z", t + 500);
	ok_parse(f, "2017-10-15T21:13:00.12Z", t + 120);
	ok_parse(f, "2017-10-15T21:13:00.123Z", t + 123);
	ok_parse(f, "2017-10-15T21:13:00.1239Z", t + 123);
	ok_parse(f, "2017-10-15T21:13:00.999999999Z", t + 999);
	ok_parse(f, "2017-10-15T21:13:00.000000001Z", t);
	ok_parse(f, "2017-10-15T23:13:00+02:00", t);
	ok_parse(f, "2017-10-15T16:13:00-0500", t);
	ok_parse(f, "2017-10-15T16:13:00.250-05:00", t + 250);
	ok_parse(f, "2017-10-16T02:58:00+05:45", t);
	ok_parse(f, "2017-10-15T21:13:00+00:00", t);
	ok_parse(f, "2017-10-15T21:13:00-00:00", t);
	ok_parse(f, "2024-05-01T12:00:00.123456+00:00",
		 utc_ms(2024, 5, 1, 12, 0, 0) + 123);
	ok_parse(f, "2016-02-29T00:00:00Z", utc_ms(2016, 2, 29, 0, 0, 0));
	ok_parse(f, "1969-12-31T23:59:59.999Z", -1);
	ok_parse(f, "1900-01-01T00:00:00Z", GS_TIME_MIN_MS);
	ok_parse(f, "9999-12-31T23:59:59.999Z", GS_TIME_MAX_MS);
	ok_parse(f, "1950-06-15T12:00:00Z", utc_ms(1950, 6, 15, 12, 0, 0));

	bad_parse(f, "2017-10-15T21:13:00");        /* no zone */
	bad_parse(f, "2017-10-15T21:13:00.000");    /* no zone */
	bad_parse(f, "2017-10-15T21:13:00.Z");      /* empty fraction */
	bad_parse(f, "2017-10-15T21:13:00.1234567890Z"); /* 10 digits */
	bad_parse(f, "2017-10-15T21:13:00ZZ");
	bad_parse(f, "2017-10-15T21:13:00Z ");
	bad_parse(f, "2017-10-15T21:13:00+0200Z");
	bad_parse(f, "2017-10-15T21:13:00+02");
	bad_parse(f, "2017-10-15T21:13:00+2:00");
	bad_parse(f, "2017-10-15T21:13:00+02:0");
	bad_parse(f, "2017-10-15T21:13:00+02-00");
	bad_parse(f, "2017-10-15T21:13:00+24:00");
	bad_parse(f, "2017-10-15T21:13:00+02:60");
	bad_parse(f, "2017-10-15T21:13:00 +02:00");
	bad_parse(f, "2017-10-15X21:13:00Z");
	bad_parse(f, "2017-10-15T21:13Z");
	bad_parse(f, "2017-10-15");
	bad_parse(f, "2017-13-15T21:13:00Z");
	bad_parse(f, "2017-00-15T21:13:00Z");
	bad_parse(f, "2017-10-00T21:13:00Z");
	bad_parse(f, "2017-10-32T21:13:00Z");
	bad_parse(f, "2017-02-29T21:13:00Z");
	bad_parse(f, "2016-02-30T21:13:00Z");
	bad_parse(f, "2017-04-31T21:13:00Z");
	bad_parse(f, "2017-10-15T24:00:00Z");
	bad_parse(f, "2017-10-15T21:60:00Z");
	bad_parse(f, "2017-10-15T21:13:60Z");
	bad_parse(f, "1899-12-31T23:59:59Z");
	bad_parse(f, "1900-01-01T00:30:00+01:00"); /* 1899 in UTC */
	bad_parse(f, "9999-12-31T23:00:00-01:00"); /* 10000 in UTC */
	bad_parse(f, "10000-01-01T00:00:00Z");
	bad_parse(f, "+2017-10-15T21:13:00Z");
	bad_parse(f, "2017/10/15T21:13:00Z");
	bad_parse(f, "2017-1-15T21:13:00Z");
	bad_parse(f, "2017-10-15T21:13:00,5Z");
	bad_parse(f, "2017-10-15T21:13:0xZ");
	bad_parse(f, "");

	truncations(f, "2017-10-15T21:13:00.000Z", "iso");
	truncations(f, "2017-10-15T21:13:00Z", "iso");
	truncations(f, "2024-05-01T12:00:00.123456+00:00", "iso");
	truncations(f, "2017-10-15T16:13:00-0500", "iso");
	truncations(f, "2017-10-15T21:13:00.999999999Z", "iso");
}

static void test_epoch(void)
{
	parse_fn f = gs_time_parse_epoch_ms;
	char buf[32];

	ok_parse(f, "1508537400000", INT64_C(1508537400000));
	ok_parse(f, "0", 0);
	ok_parse(f, "000000000000000000000000001", 1);
	snprintf(buf, sizeof buf, "%lld", (long long)GS_TIME_MAX_MS);
	ok_parse(f, buf, GS_TIME_MAX_MS);
	snprintf(buf, sizeof buf, "%lld", (long long)GS_TIME_MAX_MS + 1);
	bad_parse(f, buf);
	bad_parse(f, "");
	bad_parse(f, "-1");
	bad_parse(f, "+1");
	bad_parse(f, " 1");
	bad_parse(f, "1 ");
	bad_parse(f, "15085374e3");
	bad_parse(f, "1508537400000.5");
	bad_parse(f, "9223372036854775807");
	bad_parse(f, "99999999999999999999999999999999");

	/* parse_any dispatches by shape. */
	parse_fn a = gs_time_parse_any;
	ok_parse(a, "Fri Oct 20 22:10:00 +0000 2017", INT64_C(1508537400000));
	ok_parse(a, "2017-10-20T22:10:00.000Z", INT64_C(1508537400000));
	ok_parse(a, "2017-10-21T00:10:00+02:00", INT64_C(1508537400000));
	ok_parse(a, "1508537400000", INT64_C(1508537400000));
	ok_parse(a, "2017", 2017);
	bad_parse(a, "");
	bad_parse(a, "-1508537400000");
	bad_parse(a, " 2017-10-20T22:10:00Z");
	bad_parse(a, "2017-10-20T22:10:00");
	bad_parse(a, "Fri Oct 20 22:10:00 +0000");
	bad_parse(a, "yesterday");
}

static void ok_format(int64_t ms, const char *want)
{
	char out[32];
	memset(out, 'x', sizeof out);
	size_t n = gs_time_format(ms, out);
	TAP_OK(n == strlen(want) && strcmp(out, want) == 0, "format %lld -> %s",
	       (long long)ms, want);
	if (strcmp(out, want) != 0)
		printf("#   got \"%s\"\n", out);
}

static void test_format(void)
{
	ok_format(0, "1970-01-01T00:00:00Z");
	ok_format(INT64_C(1508101980000), "2017-10-15T21:13:00Z");
	ok_format(INT64_C(1508101980123), "2017-10-15T21:13:00.123Z");
	ok_format(INT64_C(1508101980005), "2017-10-15T21:13:00.005Z");
	ok_format(INT64_C(1508101980050), "2017-10-15T21:13:00.050Z");
	ok_format(-1, "1969-12-31T23:59:59.999Z");
	ok_format(-1000, "1969-12-31T23:59:59Z");
	ok_format(-86400000, "1969-12-31T00:00:00Z");
	ok_format(utc_ms(2016, 2, 29, 23, 59, 59), "2016-02-29T23:59:59Z");
	ok_format(GS_TIME_MIN_MS, "1900-01-01T00:00:00Z");
	ok_format(GS_TIME_MAX_MS, "9999-12-31T23:59:59.999Z");
	ok_format(GS_TIME_MAX_MS + 1, "+10000-01-01T00:00:00Z");
	ok_format(utc_ms(0, 1, 1, 0, 0, 0), "0000-01-01T00:00:00Z");
	ok_format(utc_ms(0, 1, 1, 0, 0, 0) - 1, "-0001-12-31T23:59:59.999Z");

	char out[32];
	size_t n1 = gs_time_format(INT64_MAX, out);
	int ok1 = n1 == strlen(out) && n1 < 32 && out[0] == '+';
	size_t n2 = gs_time_format(INT64_MIN, out);
	int ok2 = n2 == strlen(out) && n2 < 32 && out[0] == '-';
	TAP_OK(ok1 && ok2, "format INT64_MAX/INT64_MIN fit (%zu, %zu bytes)",
	       n1, n2);
	ok_format(INT64_MAX, "+292278994-08-17T07:12:55.807Z");
	ok_format(INT64_MIN, "-292275055-05-16T16:47:04.192Z");

	/* format(parse(x)) == x for canonical strings. */
	static const char *const canon[] = {
		"2017-10-15T21:13:00Z",	    "2017-10-15T21:13:00.001Z",
		"2016-02-29T12:00:00.999Z", "1900-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.500Z",
		"2000-03-01T00:00:00Z",	    "2100-02-28T23:59:59Z",
	};
	int rt = 0;
	for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
		int64_t ms;
		if (parse_str(gs_time_parse_iso8601, canon[i], &ms) == 0 &&
		    gs_time_format(ms, out) == strlen(canon[i]) &&
		    strcmp(out, canon[i]) == 0)
			rt++;
		else
			printf("#   round trip of %s gave %s\n", canon[i], out);
	}
	TAP_EQ_INT(rt, (int)(sizeof canon / sizeof canon[0]),
		   "format(parse(x)) == x for canonical strings");
}

/* 10,000 random instants in 1900..9999 against libc. */
static void test_libc_crosscheck(void)
{
	enum { N = 10000 };
	int bad_tw = 0, bad_iso = 0, bad_fmt = 0, bad_rt = 0, bad_off = 0;
	int bad_twf = 0, bad_msf = 0;
	const int64_t span = GS_TIME_MAX_MS - GS_TIME_MIN_MS + 1;

	for (int i = 0; i < N; i++) {
		int64_t ms = GS_TIME_MIN_MS + (int64_t)(rnd() % (uint64_t)span);
		if (i % 4 == 0) /* whole seconds are most common */
			ms -= ((ms % 1000) + 1000) % 1000;
		if (i % 8 == 1) /* dense around the epoch and today */
			ms = (int64_t)(rnd() % INT64_C(4000000000000)) -
			     INT64_C(1000000000000);
		int64_t msec = ((ms % 1000) + 1000) % 1000;
		time_t secs = (time_t)((ms - msec) / 1000);
		struct tm tm;
		if (!gmtime_r(&secs, &tm)) {
			bad_fmt++;
			continue;
		}
		char want[40], buf[96], out[32];
		int64_t got;

		/* Twitter: libc-formatted string, parsed back. */
		strftime(buf, sizeof buf, "%a %b %d %H:%M:%S +0000 %Y", &tm);
		if (gs_time_parse_twitter(buf, strlen(buf), &got) != 0 ||
		    got != ms - msec) {
			if (bad_tw++ < 3)
				printf("#   twitter %s: got %lld want %lld\n",
				       buf, (long long)got,
				       (long long)(ms - msec));
		}
		/* ISO with milliseconds. */
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, sizeof buf, "%s.%03dZ", want, (int)msec);
		if (gs_time_parse_iso8601(buf, strlen(buf), &got) != 0 ||
		    got != ms) {
			if (bad_iso++ < 3)
				printf("#   iso %s: got %lld want %lld\n", buf,
				       (long long)got, (long long)ms);
		}
		/* Our formatter agrees with strftime. */
		if (msec)
			snprintf(buf, sizeof buf, "%s.%03dZ", want, (int)msec);
		else
			snprintf(buf, sizeof buf, "%sZ", want);
		gs_time_format(ms, out);
		if (strcmp(out, buf) != 0) {
			if (bad_fmt++ < 3)
				printf("#   format %lld: got %s want %s\n",
				       (long long)ms, out, buf);
		}
		/* parse(format(ms)) == ms */
		if (gs_time_parse_iso8601(out, strlen(out), &got) != 0 ||
		    got != ms)
			bad_rt++;
		/* The millisecond and Twitter writers agree with strftime. */
		snprintf(buf, sizeof buf, "%s.%03dZ", want, (int)msec);
		gs_time_format_millis(ms, out);
		bad_msf += strcmp(out, buf) != 0;
		strftime(buf, sizeof buf, "%a %b %d %H:%M:%S +0000 %Y", &tm);
		bad_twf += gs_time_format_twitter(ms, out) != 30 ||
			   strcmp(out, buf) != 0;
		/* A random offset: local fields from libc, timegm as truth. */
		int off = (int)(rnd() % (2 * 14 * 60 + 1)) - 14 * 60;
		time_t lsecs = secs + off * 60;
		struct tm lt;
		gmtime_r(&lsecs, &lt);
		if (lt.tm_year + 1900 < 1900 || lt.tm_year + 1900 > 9999)
			continue;
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &lt);
		int ao = off < 0 ? -off : off;
		snprintf(buf, sizeof buf, "%s.%03d%c%02d:%02d", want,
			 (int)msec, off < 0 ? '-' : '+', ao / 60, ao % 60);
		int64_t truth = ((int64_t)timegm(&lt) - off * 60) * 1000 + msec;
		int rc = gs_time_parse_iso8601(buf, strlen(buf), &got);
		int in_range = truth >= GS_TIME_MIN_MS && truth <= GS_TIME_MAX_MS;
		if (in_range ? (rc != 0 || got != truth) : rc != GS_ETIME) {
			if (bad_off++ < 3)
				printf("#   offset %s: rc %d got %lld want "
				       "%lld\n",
				       buf, rc, (long long)got,
				       (long long)truth);
		}
		strftime(buf, sizeof buf, "%a %b %d %H:%M:%S", &lt);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			 " %c%02d%02d %d", off < 0 ? '-' : '+', ao / 60,
			 ao % 60, lt.tm_year + 1900);
		rc = gs_time_parse_twitter(buf, strlen(buf), &got);
		if (in_range ? (rc != 0 || got != truth - msec)
			     : rc != GS_ETIME) {
			if (bad_off++ < 3)
				printf("#   offset %s: rc %d\n", buf, rc);
		}
	}
	TAP_EQ_INT(bad_tw, 0, "twitter parse == timegm for %d random times", N);
	TAP_EQ_INT(bad_iso, 0, "iso parse == timegm for %d random times", N);
	TAP_EQ_INT(bad_fmt, 0, "format == strftime for %d random times", N);
	TAP_EQ_INT(bad_rt, 0, "parse(format(ms)) == ms for %d random times", N);
	TAP_EQ_INT(bad_msf, 0, "format_millis == strftime for %d times", N);
	TAP_EQ_INT(bad_twf, 0, "format_twitter == strftime for %d times", N);
	TAP_OK(gs_time_days_from_civil(1970, 1, 1) == 0 &&
		       gs_time_days_from_civil(2017, 2, 30) ==
			       gs_time_days_from_civil(2017, 3, 2) &&
		       gs_time_days_from_civil(1969, 12, 31) == -1,
	       "days_from_civil: epoch, a day past the month, before 1970");
	TAP_EQ_INT(bad_off, 0, "random offsets (iso, twitter) == timegm");
}

static void ok_dur(const char *s, int64_t want)
{
	int64_t got = -7;
	int rc = gs_duration_parse(s, &got);
	TAP_OK(rc == 0 && got == want, "duration \"%s\" = %lld", s,
	       (long long)want);
	if (rc != 0 || got != want)
		printf("#   rc %d got %lld\n", rc, (long long)got);
}

static void bad_dur(const char *s)
{
	int64_t got = -7;
	int rc = gs_duration_parse(s, &got);
	TAP_OK(rc == GS_EUSAGE && got == -7, "duration \"%s\" rejected",
	       s ? s : "(null)");
}

static void ok_dfmt(int64_t ms, const char *want)
{
	char out[16];
	size_t n = gs_duration_format(ms, out);
	TAP_OK(n == strlen(want) && strcmp(out, want) == 0,
	       "duration format %lld -> \"%s\"", (long long)ms, want);
	if (strcmp(out, want) != 0)
		printf("#   got \"%s\"\n", out);
}

static void test_duration(void)
{
	ok_dur("30s", 30000);
	ok_dur("5m", 300000);
	ok_dur("1h", 3600000);
	ok_dur("1d", 86400000);
	ok_dur("1w", 604800000);
	ok_dur("250ms", 250);
	ok_dur("2h30m", 9000000);
	ok_dur("1w2d3h4m5s6ms", 604800000 + 2 * 86400000 + 3 * 3600000 +
					4 * 60000 + 5 * 1000 + 6);
	ok_dur("1h0m", 3600000);
	ok_dur("90m", 5400000);
	ok_dur("007s", 7000);
	ok_dur("9223372036854775807ms", INT64_MAX);
	ok_dur("15250284452w", INT64_C(15250284452) * 604800000);

	bad_dur(NULL);
	bad_dur("");
	bad_dur("0s");
	bad_dur("0h0m");
	bad_dur("-5m");
	bad_dur("+5m");
	bad_dur("5");
	bad_dur("h");
	bad_dur("5x");
	bad_dur("5H");
	bad_dur("5 m");
	bad_dur(" 5m");
	bad_dur("5m ");
	bad_dur("1.5h");
	bad_dur("30m2h");
	bad_dur("1h1h");
	bad_dur("5ms1s");
	bad_dur("1mss");
	bad_dur("9223372036854775808ms");
	bad_dur("15250284453w");
	bad_dur("15250284452w4d");
	bad_dur("99999999999999999999999s");

	ok_dfmt(3600000, "1h");
	ok_dfmt(30000, "30s");
	ok_dfmt(300000, "5m");
	ok_dfmt(86400000, "1d");
	ok_dfmt(604800000, "1w");
	ok_dfmt(7 * 86400000 + 86400000, "8d");
	ok_dfmt(5400000, "90m");
	ok_dfmt(1500, "1500ms");
	ok_dfmt(1, "1ms");
	ok_dfmt(0, "0s");
	ok_dfmt(-60000, "-1m");
	ok_dfmt(INT64_C(9999999999999), "9999999999999ms");
	char out[16];
	TAP_OK(gs_duration_format(INT64_MAX, out) == 0 && out[0] == '\0' &&
		       gs_duration_format(INT64_MIN, out) == 0,
	       "duration format too long -> \"\", 0");

	/* parse(format(d)) == d */
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		static const int64_t u[] = {1, 1000, 60000, 3600000,
					    86400000, 604800000};
		int64_t d = (int64_t)(rnd() % 100000 + 1) * u[rnd() % 6], got;
		if (gs_duration_format(d, out) == 0 ||
		    gs_duration_parse(out, &got) != 0 || got != d)
			bad++;
	}
	TAP_EQ_INT(bad, 0, "duration parse(format(d)) == d, 10000 values");
}

static void test_bucket(void)
{
	TAP_EQ_INT(gs_time_bucket(0, 1000), 0, "bucket 0");
	TAP_EQ_INT(gs_time_bucket(999, 1000), 0, "bucket 999");
	TAP_EQ_INT(gs_time_bucket(1000, 1000), 1000, "bucket 1000");
	TAP_EQ_INT(gs_time_bucket(-1, 1000), -1000, "bucket -1 floors");
	TAP_EQ_INT(gs_time_bucket(-1000, 1000), -1000, "bucket -1000");
	TAP_EQ_INT(gs_time_bucket(-1001, 1000), -2000, "bucket -1001");
	TAP_EQ_INT(gs_time_bucket(INT64_C(1508537400000) + 3599999, GS_MS_HOUR),
		   INT64_C(1508536800000) + GS_MS_HOUR, "hour bucket");
	TAP_EQ_INT(gs_time_bucket(GS_TIME_MIN_MS + 5, GS_MS_DAY),
		   GS_TIME_MIN_MS, "day bucket of 1900-01-01 (negative)");
	TAP_EQ_INT(gs_time_bucket(utc_ms(1969, 12, 31, 13, 0, 0), GS_MS_DAY),
		   utc_ms(1969, 12, 31, 0, 0, 0), "day bucket 1969-12-31");
	/* 1970-01-01 was a Thursday: weeks start on Thursdays. */
	TAP_EQ_INT(gs_time_bucket(-1, GS_MS_WEEK), -GS_MS_WEEK,
		   "week bucket before epoch");
	TAP_EQ_INT(gs_time_bucket(12345, 0), 12345, "width 0 -> unchanged");
	TAP_EQ_INT(gs_time_bucket(12345, -10), 12345, "width <0 -> unchanged");
	TAP_EQ_INT(gs_time_bucket(INT64_MIN, 1000), INT64_MIN,
		   "bucket INT64_MIN clamps");
	TAP_EQ_INT(gs_time_bucket(INT64_MAX, 1000), INT64_MAX - 807,
		   "bucket INT64_MAX");
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		int64_t ms = (int64_t)(rnd() % INT64_C(20000000000000)) -
			     INT64_C(10000000000000);
		int64_t w = (int64_t)(rnd() % 100000000) + 1;
		int64_t b = gs_time_bucket(ms, w);
		if (b > ms || ms - b >= w || b % w != 0)
			bad++;
	}
	TAP_EQ_INT(bad, 0, "bucket: b <= ms < b+w, b %% w == 0, 10000 values");
}

int main(void)
{
	test_twitter();
	test_iso();
	test_epoch();
	test_format();
	test_libc_crosscheck();
	test_duration();
	test_bucket();
	return TAP_DONE();
}
