/*
 * inflate.c - the choice between the gzip decoders of inflate.h: by name,
 * or by the environment variable GROUNDSWELL_INFLATE ("isal", the default,
 * or "zlib").
 */
#include <stdlib.h>
#include <string.h>

#include "groundswell.h"
#include "inflate.h"

struct gs_inflate *gs_inflate_new(const char *name, int *err)
{
	if (!name || !*name)
		name = getenv("GROUNDSWELL_INFLATE");
	struct gs_inflate *d;
	if (!name || !*name || strcmp(name, "isal") == 0)
		d = gs_inflate_isal_new();
	else if (strcmp(name, "zlib") == 0)
		d = gs_inflate_zlib_new();
	else {
		*err = GS_EUSAGE;
		return NULL;
	}
	*err = d ? 0 : GS_ENOMEM;
	return d;
}

int gs_inflate_env_check(void)
{
	const char *name = getenv("GROUNDSWELL_INFLATE");
	if (!name || !*name || strcmp(name, "isal") == 0 ||
	    strcmp(name, "zlib") == 0)
		return 0;
	return GS_EUSAGE;
}
