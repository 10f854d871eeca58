/*
 * json_writer.c - JSON and CSV string quoting (json_writer.h).
 *
 * Clean runs are copied whole and only the bytes that need it are
 * rewritten: tags and handles are almost always clean, so the common cost
 * is one scan and one copy.
 */
#include "json_writer.h"

#include <string.h>

#include "base/timeutil.h"

static const char hexd[] = "0123456789abcdef";

static char *put_u4(char *q, unsigned v)
{
	*q++ = '\\';
	*q++ = 'u';
	*q++ = hexd[(v >> 12) & 15];
	*q++ = hexd[(v >> 8) & 15];
	*q++ = hexd[(v >> 4) & 15];
	*q++ = hexd[v & 15];
	return q;
}

/* Decodes one UTF-8 sequence at s[0..n); returns its length (1 for a
 * sequence cut short, whose first byte is then taken as the code point). */
static size_t utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	if (c < 0x80 || n < 2) {
		*cp = c;
		return 1;
	}
	if (c < 0xe0) {
		*cp = ((c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0 || n < 4) {
		if (n < 3) {
			*cp = c;
			return 1;
		}
		*cp = ((c & 0x0f) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3f);
		return 3;
	}
	*cp = ((c & 0x07) << 18) | ((s[1] & 0x3fu) << 12) |
	      ((s[2] & 0x3fu) << 6) | (s[3] & 0x3f);
	return 4;
}

size_t gs_json_escape(char *dst, const char *s, size_t n, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	int ascii = (flags & GS_JSON_ASCII) != 0;
	char *q = dst;
	size_t i = 0, run = 0;
	while (i < n) {
		unsigned c = u[i];
		if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !ascii)) {
			i++;
			continue;
		}
		memcpy(q, s + run, i - run);
		q += i - run;
		if (c < 0x80) {
			switch (c) {
			case '"': *q++ = '\\'; *q++ = '"'; break;
			case '\\': *q++ = '\\'; *q++ = '\\'; break;
			case '\n': *q++ = '\\'; *q++ = 'n'; break;
			case '\r': *q++ = '\\'; *q++ = 'r'; break;
			case '\t': *q++ = '\\'; *q++ = 't'; break;
			default: q = put_u4(q, c);
			}
			i++;
		} else {
			uint32_t cp;
			i += utf8_dec(u + i, n - i, &cp);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				q = put_u4(q, 0xd800 + (cp >> 10));
				q = put_u4(q, 0xdc00 + (cp & 0x3ff));
			} else {
				q = put_u4(q, cp);
			}
		}
		run = i;
	}
	memcpy(q, s + run, n - run);
	return (size_t)(q + (n - run) - dst);
}

void gs_json_strn(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	const unsigned char *run = p;
	putc('"', f);
	for (; p < end; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		fwrite(run, 1, (size_t)(p - run), f);
		run = p + 1;
		char e[6];
		fwrite(e, 1, gs_json_escape(e, (const char *)p, 1, 0), f);
	}
	fwrite(run, 1, (size_t)(p - run), f);
	putc('"', f);
}

void gs_json_str(FILE *f, const char *s)
{
	gs_json_strn(f, s, strlen(s));
}

void gs_time_text(char buf[32], int64_t ms)
{
	if (ms == INT64_MAX || ms == INT64_MIN)
		buf[0] = 0;
	else
		gs_time_format(ms, buf);
}

void gs_json_time(FILE *f, int64_t ms)
{
	char b[32];
	gs_time_text(b, ms);
	gs_json_str(f, b);
}

void gs_csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}
