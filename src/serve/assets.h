/*
 * assets.h - the dashboard's files, embedded at build time
 * (scripts/embed-assets.sh writes $(BUILD)/gen/assets.c from web/).
 * Served by exact URL path only: there is no file system behind them.
 */
#ifndef GS_ASSETS_H
#define GS_ASSETS_H

#include <stddef.h>

struct gs_asset {
	const char *path; /* "/" or "/assets/NAME" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

extern const struct gs_asset gs_assets[]; /* ends with path NULL */

#endif
