/*
 * tap.h - a tiny TAP producer for groundswell's unit tests.
 *
 * Each test binary prints "ok N - what" / "not ok N - what" lines and a plan,
 * and exits non-zero when any check failed. tests/run.sh adds the lines of all
 * binaries and scripts up and ends with "N passed, N failed".
 *
 * Ownership: nothing here allocates.
 */
#ifndef GS_TAP_H
#define GS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n_, tap_failed_;

#define TAP_OK(cond, ...)                                                      \
	do {                                                                   \
		int tap_c_ = !!(cond);                                         \
		printf("%sok %d - ", tap_c_ ? "" : "not ", ++tap_n_);          \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!tap_c_) {                                                 \
			tap_failed_++;                                         \
			printf("#   failed at %s:%d: %s\n", __FILE__,        \
			       __LINE__, #cond);                               \
		}                                                              \
	} while (0)

#define TAP_EQ_INT(got, want, ...)                                             \
	do {                                                                   \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
		TAP_OK(tap_g_ == tap_w_, __VA_ARGS__);                         \
		if (tap_g_ != tap_w_)                                          \
			printf("#   got %lld, want %lld\n", tap_g_, tap_w_);   \
	} while (0)

#define TAP_EQ_STR(got, want, ...)                                             \
	do {                                                                   \
		const char *tap_g_ = (got), *tap_w_ = (want);                  \
		int tap_e_ = tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0;  \
		TAP_OK(tap_e_, __VA_ARGS__);                                   \
		if (!tap_e_)                                                   \
			printf("#   got \"%s\", want \"%s\"\n",                \
			       tap_g_ ? tap_g_ : "(null)",                     \
			       tap_w_ ? tap_w_ : "(null)");                    \
	} while (0)

/* Ends main(): prints the plan, returns the exit status. */
#define TAP_DONE()                                                             \
	(printf("1..%d\n", tap_n_), tap_failed_ ? 1 : 0)

#endif
