/*
 * timeutil.h - parsing, formatting and bucketing of timestamps and durations.
 *
 * Every time in groundswell is an int64_t count of milliseconds since
 * 1970-01-01T00:00:00Z (UTC, no leap seconds, proleptic Gregorian calendar).
 * The parsers accept calendar years 1900..9999 and only yield instants in
 * [GS_TIME_MIN_MS, GS_TIME_MAX_MS], so whatever they return can be formatted
 * and parsed back.
 *
 * Ownership: nothing here allocates or keeps a pointer; inputs are borrowed
 * for the call and are never read past len (they need not be NUL-terminated,
 * except the argument of gs_duration_parse). Outputs are written only on
 * success. No function reads the locale, the TZ variable or global state, so
 * all are safe to call from any thread.
 */
#ifndef GS_TIMEUTIL_H
#define GS_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* 1900-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
#define GS_TIME_MIN_MS INT64_C(-2208988800000)
#define GS_TIME_MAX_MS INT64_C(253402300799999)

#define GS_MS_SECOND INT64_C(1000)
#define GS_MS_MINUTE INT64_C(60000)
#define GS_MS_HOUR INT64_C(3600000)
#define GS_MS_DAY INT64_C(86400000)
#define GS_MS_WEEK INT64_C(604800000)

/*
 * Twitter v1.1 created_at: exactly "Www Mmm DD HH:MM:SS +hhmm YYYY", e.g.
 * "Fri Oct 20 22:10:00 +0000 2017" (English names, case as shown, two-digit
 * day). The offset is subtracted to give UTC. The weekday must be one of the
 * seven names but is not checked against the date (it is redundant).
 * Returns 0, or GS_ETIME when anything is malformed or out of range
 * (month name, day beyond the month, hour 24, second 60, offset hour > 23 or
 * minute > 59, year outside 1900..9999, extra bytes).
 */
int gs_time_parse_twitter(const char *s, size_t len, int64_t *ms);

/*
 * RFC 3339 / ISO 8601 extended date-time with a zone:
 * "YYYY-MM-DDTHH:MM:SS[.f]Z" where T may be 't' or ' ', Z may be 'z', the
 * fraction has 1..9 digits (truncated to milliseconds) and the zone may
 * instead be "+hh:mm", "-hh:mm", "+hhmm" or "-hhmm". A time without a zone is
 * rejected: it would be local time of an unknown place. Returns 0 or GS_ETIME
 * (same field checks as above; seconds 60 are rejected).
 */
int gs_time_parse_iso8601(const char *s, size_t len, int64_t *ms);

/*
 * Milliseconds since the epoch as 1 or more decimal digits, e.g. Twitter's
 * timestamp_ms "1508537400000". No sign, no spaces. Returns 0, or GS_ETIME
 * when empty, not all digits, or outside [0, GS_TIME_MAX_MS].
 */
int gs_time_parse_epoch_ms(const char *s, size_t len, int64_t *ms);

/*
 * Chooses a parser by shape: a leading letter means Twitter, a '-' after four
 * digits ISO 8601, all digits epoch milliseconds (so "2017" is 2017 ms).
 * Returns what that parser returns, or GS_ETIME for any other shape.
 */
int gs_time_parse_any(const char *s, size_t len, int64_t *ms);

/*
 * Writes ms as RFC 3339 UTC, "2017-10-15T21:00:00Z", with ".mmm" before the
 * Z only when ms % 1000 != 0. Any int64 is accepted: years outside 0..9999
 * are written ISO 8601 expanded ("+10000-...", "-0001-..."), which the
 * parsers reject. NUL-terminates; returns the length (20..30).
 */
size_t gs_time_format(int64_t ms, char out[32]);

/*
 * The same, with ".mmm" always ("2017-10-15T21:00:00.000Z"), as Mastodon
 * and Bluesky write their times. NUL-terminates; returns the length.
 */
size_t gs_time_format_millis(int64_t ms, char out[32]);

/*
 * ms (floored to the second) as a Twitter v1.1 created_at in UTC,
 * "Fri Oct 13 00:00:07 +0000 2017": what gs_time_parse_twitter reads.
 * Years outside 0..9999 are expanded as above. NUL-terminates; returns the
 * length (30 for years 0..9999).
 */
size_t gs_time_format_twitter(int64_t ms, char out[32]);

/*
 * Days from 1970-01-01 to the proleptic Gregorian date y-m-d, m 1..12 and
 * d 1..31; a day past the end of its month runs on into the next month
 * (2017-02-30 is 2017-03-02). The calendar behind every parser here.
 */
int64_t gs_time_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * Parses a positive duration from the NUL-terminated s: one or more
 * "<digits><unit>" terms with units w, d, h, m, s, ms in strictly decreasing
 * order, each used once: "30s", "5m", "1h", "2h30m", "1w3d", "250ms".
 * Returns 0, or GS_EUSAGE for NULL, junk, an empty string, a zero total or a
 * total beyond INT64_MAX milliseconds.
 */
int gs_duration_parse(const char *s, int64_t *ms);

/*
 * Writes ms with the largest unit that divides it exactly, as one term:
 * 3600000 -> "1h", 5400000 -> "90m", 1500 -> "1500ms", 0 -> "0s",
 * -60000 -> "-1m". NUL-terminates and returns the length; when the text would
 * not fit in 15 bytes (beyond about 317 years of odd milliseconds) writes ""
 * and returns 0.
 */
size_t gs_duration_format(int64_t ms, char out[16]);

/*
 * Start of the bucket of width width_ms holding ms: the largest multiple of
 * width_ms not greater than ms (floor, also for times before 1970:
 * gs_time_bucket(-1, 1000) == -1000). Returns ms unchanged when
 * width_ms <= 0, and INT64_MIN when the bucket start is below INT64_MIN.
 */
int64_t gs_time_bucket(int64_t ms, int64_t width_ms);

#endif
