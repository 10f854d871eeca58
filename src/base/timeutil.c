/*
 * timeutil.c - timestamps and durations without libc time functions.
 *
 * Every post carries a timestamp, so the parsers sit on the hot path of the
 * whole tool. libc's strptime/mktime/timegm consult the locale and TZ, take
 * locks, and want NUL-terminated input; here each format is a fixed layout
 * checked byte by byte, and the calendar arithmetic is Howard Hinnant's
 * days_from_civil / civil_from_days (proleptic Gregorian, branch-light, no
 * tables of cumulative days). No allocation, no global state, and no byte at
 * or after s[len] is ever read.
 */
#include "timeutil.h"

#include <string.h>

#include "groundswell.h"

/* --- calendar ----------------------------------------------------------- */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[13] = {0,  31, 28, 31, 30, 31, 30,
					      31, 31, 30, 31, 30, 31};
	return m == 2 ? 28u + (unsigned)is_leap(y) : dim[m];
}

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153u * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Inverse of days_from_civil; z is any day count an int64 ms can reach. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe =
		(doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Floor division and its non-negative remainder, for any a and b > 0. */
static int64_t floor_div(int64_t a, int64_t b, int64_t *rem)
{
	int64_t q = a / b, r = a % b;
	if (r < 0) {
		r += b;
		q -= 1;
	}
	*rem = r;
	return q;
}

/* --- field readers ------------------------------------------------------ */

static int digit(unsigned char c, unsigned *v)
{
	unsigned x = (unsigned)c - '0';
	*v = x;
	return x <= 9;
}

/* Two decimal digits at p into *v; 0 when either is not a digit. */
static int dig2(const char *p, unsigned *v)
{
	unsigned a, b;
	if (!digit((unsigned char)p[0], &a) || !digit((unsigned char)p[1], &b))
		return 0;
	*v = a * 10 + b;
	return 1;
}

static int dig4(const char *p, unsigned *v)
{
	unsigned hi, lo;
	if (!dig2(p, &hi) || !dig2(p + 2, &lo))
		return 0;
	*v = hi * 100 + lo;
	return 1;
}

/*
 * Checks the calendar fields and turns them plus an offset east of UTC (in
 * minutes) into *ms. frac_ms is 0..999.
 */
static int assemble(unsigned year, unsigned mon, unsigned day, unsigned hh,
		    unsigned mm, unsigned ss, unsigned frac_ms, int off_min,
		    int64_t *ms)
{
	if (year < 1900 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hh > 23 || mm > 59 || ss > 59)
		return GS_ETIME;
	int64_t secs = days_from_civil(year, mon, day) * 86400 +
		       (int64_t)(hh * 3600 + mm * 60 + ss) - (int64_t)off_min * 60;
	int64_t t = secs * 1000 + frac_ms;
	if (t < GS_TIME_MIN_MS || t > GS_TIME_MAX_MS)
		return GS_ETIME;
	*ms = t;
	return 0;
}

/* "+hhmm" or "-hhmm" (colon when colon is set) at p; offset in minutes. */
static int parse_offset(const char *p, int colon, int *off_min)
{
	unsigned h, m;
	if ((p[0] != '+' && p[0] != '-') || !dig2(p + 1, &h) ||
	    (colon && p[3] != ':') || !dig2(p + 3 + (colon != 0), &m) ||
	    h > 23 || m > 59)
		return 0;
	int v = (int)(h * 60 + m);
	*off_min = p[0] == '-' ? -v : v;
	return 1;
}

/* Index 0..n-1 of the three-letter name at p in the packed list, or -1. */
static int name3(const char *p, const char *list, int n)
{
	for (int i = 0; i < n; i++)
		if (p[0] == list[3 * i] && p[1] == list[3 * i + 1] &&
		    p[2] == list[3 * i + 2])
			return i;
	return -1;
}

/* --- parsers ------------------------------------------------------------ */

int gs_time_parse_twitter(const char *s, size_t len, int64_t *ms)
{
	/* 0         1         2
	 * 012345678901234567890123456789
	 * Fri Oct 20 22:10:00 +0000 2017 */
	unsigned day, hh, mm, ss, year;
	int mon, off;

	if (len != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':' || s[19] != ' ' || s[25] != ' ')
		return GS_ETIME;
	if (name3(s, "MonTueWedThuFriSatSun", 7) < 0)
		return GS_ETIME;
	mon = name3(s + 4, "JanFebMarAprMayJunJulAugSepOctNovDec", 12);
	if (mon < 0 || !dig2(s + 8, &day) || !dig2(s + 11, &hh) ||
	    !dig2(s + 14, &mm) || !dig2(s + 17, &ss) ||
	    !parse_offset(s + 20, 0, &off) || !dig4(s + 26, &year))
		return GS_ETIME;
	return assemble(year, (unsigned)mon + 1, day, hh, mm, ss, 0, off, ms);
}

int gs_time_parse_iso8601(const char *s, size_t len, int64_t *ms)
{
	/* 0         1
	 * 0123456789012345678
	 * 2017-10-15T21:13:00[.fff][Z|+hh:mm|+hhmm] */
	unsigned year, mon, day, hh, mm, ss, frac = 0;
	int off = 0;
	size_t i;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    s[16] != ':' || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return GS_ETIME;
	if (!dig4(s, &year) || !dig2(s + 5, &mon) || !dig2(s + 8, &day) ||
	    !dig2(s + 11, &hh) || !dig2(s + 14, &mm) || !dig2(s + 17, &ss))
		return GS_ETIME;
	i = 19;
	if (s[i] == '.') {
		size_t start = ++i;
		unsigned v;
		while (i < len && i - start < 10 &&
		       digit((unsigned char)s[i], &v)) {
			if (i - start < 3)
				frac = frac * 10 + v;
			i++;
		}
		size_t nd = i - start;
		if (nd == 0 || nd > 9)
			return GS_ETIME;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	/* Exactly one zone designator must fill the rest. */
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
		off = 0;
	else if (i + 6 == len && parse_offset(s + i, 1, &off))
		;
	else if (i + 5 == len && parse_offset(s + i, 0, &off))
		;
	else
		return GS_ETIME;
	return assemble(year, mon, day, hh, mm, ss, frac, off, ms);
}

int gs_time_parse_epoch_ms(const char *s, size_t len, int64_t *ms)
{
	int64_t v = 0;
	unsigned d;

	if (len == 0)
		return GS_ETIME;
	for (size_t i = 0; i < len; i++) {
		if (!digit((unsigned char)s[i], &d))
			return GS_ETIME;
		v = v * 10 + d;
		/* Checked every step, so v*10 never overflows. */
		if (v > GS_TIME_MAX_MS)
			return GS_ETIME;
	}
	*ms = v;
	return 0;
}

int gs_time_parse_any(const char *s, size_t len, int64_t *ms)
{
	unsigned v;

	if (len == 0)
		return GS_ETIME;
	unsigned char c = (unsigned char)s[0];
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return gs_time_parse_twitter(s, len, ms);
	if (len > 4 && s[4] == '-')
		return gs_time_parse_iso8601(s, len, ms);
	if (digit(c, &v))
		return gs_time_parse_epoch_ms(s, len, ms);
	return GS_ETIME;
}

/* --- formatting --------------------------------------------------------- */

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Writes v in decimal, at least minw digits; returns the end. */
static char *put_u64(char *p, uint64_t v, int minw)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < minw)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* RFC 3339 UTC; the fraction always (millis) or only when not zero. */
static size_t format_iso(int64_t ms, char out[32], int millis)
{
	int64_t msec, sod, secs, y;
	unsigned m, d;
	char *p = out;

	secs = floor_div(ms, 1000, &msec);
	int64_t days = floor_div(secs, 86400, &sod);
	civil_from_days(days, &y, &m, &d);

	if (y >= 0 && y <= 9999) {
		p = put2(p, (unsigned)(y / 100));
		p = put2(p, (unsigned)(y % 100));
	} else {
		/* Expanded years: |y| < 3e8, so this takes at most 10 bytes. */
		*p++ = y < 0 ? '-' : '+';
		p = put_u64(p, y < 0 ? (uint64_t)-y : (uint64_t)y, 4);
	}
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, (unsigned)(sod / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(sod / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(sod % 60));
	if (msec || millis) {
		*p++ = '.';
		*p++ = (char)('0' + msec / 100);
		p = put2(p, (unsigned)(msec % 100));
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - out);
}

size_t gs_time_format(int64_t ms, char out[32])
{
	return format_iso(ms, out, 0);
}

size_t gs_time_format_millis(int64_t ms, char out[32])
{
	return format_iso(ms, out, 1);
}

size_t gs_time_format_twitter(int64_t ms, char out[32])
{
	/* weekdays from 1970-01-01, a Thursday */
	static const char wdays[] = "ThuFriSatSunMonTueWed";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t msec, sod, wd, y;
	unsigned m, d;
	char *p = out;

	int64_t days = floor_div(floor_div(ms, 1000, &msec), 86400, &sod);
	civil_from_days(days, &y, &m, &d);
	floor_div(days, 7, &wd);
	memcpy(p, wdays + 3 * wd, 3);
	p[3] = ' ';
	memcpy(p + 4, months + 3 * (m - 1), 3);
	p[7] = ' ';
	p = put2(p + 8, d);
	*p++ = ' ';
	p = put2(p, (unsigned)(sod / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(sod / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(sod % 60));
	memcpy(p, " +0000 ", 7);
	p += 7;
	if (y < 0 || y > 9999) /* expanded, as gs_time_format */
		*p++ = y < 0 ? '-' : '+';
	p = put_u64(p, y < 0 ? (uint64_t)-y : (uint64_t)y, 4);
	*p = '\0';
	return (size_t)(p - out);
}

int64_t gs_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	return days_from_civil(y, m, d);
}

/* --- durations ---------------------------------------------------------- */

static const struct {
	char name[3];
	int64_t ms;
} units[] = {
	{"w", GS_MS_WEEK},   {"d", GS_MS_DAY},	  {"h", GS_MS_HOUR},
	{"m", GS_MS_MINUTE}, {"s", GS_MS_SECOND}, {"ms", 1},
};
#define N_UNITS (sizeof units / sizeof units[0])

int gs_duration_parse(const char *s, int64_t *ms)
{
	int64_t total = 0;
	size_t next_unit = 0; /* units before this one are used up */
	unsigned d;

	if (!s || !*s)
		return GS_EUSAGE;
	while (*s) {
		int64_t n = 0;
		const char *start = s;
		for (; digit((unsigned char)*s, &d); s++) {
			if (n > (INT64_MAX - (int64_t)d) / 10)
				return GS_EUSAGE;
			n = n * 10 + d;
		}
		if (s == start)
			return GS_EUSAGE;
		size_t u, ulen;
		if (s[0] == 'm' && s[1] == 's')
			u = 5, ulen = 2;
		else {
			for (u = 0; u < N_UNITS - 1 && units[u].name[0] != *s;
			     u++)
				;
			if (u == N_UNITS - 1)
				return GS_EUSAGE;
			ulen = 1;
		}
		if (u < next_unit)
			return GS_EUSAGE;
		next_unit = u + 1;
		if (n > (INT64_MAX - total) / units[u].ms)
			return GS_EUSAGE;
		total += n * units[u].ms;
		s += ulen;
	}
	if (total <= 0)
		return GS_EUSAGE;
	*ms = total;
	return 0;
}

size_t gs_duration_format(int64_t ms, char out[16])
{
	char buf[32], *p = buf;
	uint64_t mag;
	size_t u = 4; /* "0s" */

	if (ms < 0) {
		*p++ = '-';
		mag = (uint64_t)0 - (uint64_t)ms;
	} else {
		mag = (uint64_t)ms;
	}
	if (mag)
		for (u = 0; mag % (uint64_t)units[u].ms; u++)
			;
	p = put_u64(p, mag / (uint64_t)units[u].ms, 1);
	for (const char *n = units[u].name; *n; n++)
		*p++ = *n;
	size_t len = (size_t)(p - buf);
	if (len > 15) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	return len;
}

/* --- buckets ------------------------------------------------------------ */

int64_t gs_time_bucket(int64_t ms, int64_t width_ms)
{
	int64_t r;

	if (width_ms <= 0)
		return ms;
	r = ms % width_ms;
	if (r < 0) {
		r += width_ms;
		if (ms < INT64_MIN + r)
			return INT64_MIN;
	}
	return ms - r;
}
