/*
 * text.h - numbers as the tables for people show them.
 *
 * Ownership: nothing is allocated; the caller owns every buffer.
 */
#ifndef GS_TEXT_H
#define GS_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* v in decimal with ',' between thousands ("12,345") into buf[0..n), cut
 * short (still NUL-terminated) when it does not fit. */
void gs_text_count(char *buf, size_t n, uint64_t v);

/* The same for v rounded to a whole number ("%.0f"): estimates. */
void gs_text_estimate(char *buf, size_t n, double v);

#endif
