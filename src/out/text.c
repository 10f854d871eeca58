/*
 * text.c - numbers as the tables for people show them (text.h).
 */
#include "text.h"

#include <stdio.h>
#include <string.h>

/* The digits of d with ',' between thousands, into buf[0..n). */
static void group(char *buf, size_t n, const char *d)
{
	size_t len = strlen(d), o = 0;
	for (size_t i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = 0;
}

void gs_text_count(char *buf, size_t n, uint64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	group(buf, n, tmp);
}

void gs_text_estimate(char *buf, size_t n, double v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%.0f", v);
	group(buf, n, tmp);
}
