/* error.c - the one table of error codes and messages (see groundswell.h). */
#include "groundswell.h"

#include <string.h>

const char *gs_strerror(int err)
{
	switch (err) {
#define GS_ERR_CASE_(name, val, msg)                                           \
	case val:                                                              \
		return msg;
		GS_ERRORS(GS_ERR_CASE_)
#undef GS_ERR_CASE_
	}
	return "unknown error";
}

static const char *const format_names[GS_FORMAT_COUNT_] = {
	"auto", "twitter1", "twitter2", "jetstream", "mastodon"};

const char *gs_format_name(enum gs_format f)
{
	return (unsigned)f < GS_FORMAT_COUNT_ ? format_names[f] : "unknown";
}

enum gs_format gs_format_parse(const char *name)
{
	for (int i = 0; i < GS_FORMAT_COUNT_; i++)
		if (strcmp(name, format_names[i]) == 0)
			return (enum gs_format)i;
	return GS_FORMAT_COUNT_;
}
