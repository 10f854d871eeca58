/* test_voice.c - the generator's planted small voice (src/gen/voice.c):
 * option checks, shape names, and that the truth holds a voice of the
 * asked size, shape and onset with posts only inside its span. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/generate.h"
#include "groundswell.h"
#include "tap.h"

/* The generated truth for o, in a malloc'ed string (NULL on failure). */
static char *truth_of(const struct gs_generate_options *o, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = fopen("/dev/null", "w"), *tr = open_memstream(&buf, &len);
	*rc = gs_generate(out, tr, o);
	fclose(out);
	fclose(tr);
	return buf;
}

/* The number after "key": in the object that holds "shape":"<shape>". */
static long voice_field(const char *truth, const char *shape, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"shape\":\"%s\"", shape);
	const char *m = strstr(truth, pat);
	if (!m)
		return -1;
	const char *end = strchr(m, '}');
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *k = strstr(m, pat);
	return k && k < end ? strtol(k + strlen(pat), NULL, 10) : -1;
}

int main(void)
{
	TAP_EQ_INT(gs_gen_voice_parse("burst"), GS_GEN_VOICE_BURST, "burst");
	TAP_EQ_INT(gs_gen_voice_parse("slow"), GS_GEN_VOICE_SLOW, "slow");
	TAP_EQ_INT(gs_gen_voice_parse("flash"), GS_GEN_VOICE_FLASH, "flash");
	TAP_EQ_INT(gs_gen_voice_parse("small"), GS_GEN_VOICE_COUNT_,
		   "unknown shapes are refused");
	TAP_EQ_INT(gs_gen_voice_parse(NULL), GS_GEN_VOICE_COUNT_, "and NULL");

	struct gs_generate_options o;
	int rc;
	char *t;
	gs_generate_options_init(&o);
	TAP_OK(o.voice_accounts == 0 && o.voice_hours == 6 && o.voice_at == 0.5,
	       "defaults: no voice, 6 hours, at half the window");
	o.voice_accounts = 10;
	o.voice_hours = 0;
	TAP_EQ_INT(gs_generate(stdout, NULL, &o), GS_EUSAGE,
		   "voice_hours 0 is refused");
	o.voice_hours = 6;
	o.voice_at = 1;
	TAP_EQ_INT(gs_generate(stdout, NULL, &o), GS_EUSAGE,
		   "voice_at 1 is refused");
	o.voice_at = 0.5;
	o.voice_shape = GS_GEN_VOICE_COUNT_;
	TAP_EQ_INT(gs_generate(stdout, NULL, &o), GS_EUSAGE,
		   "an unknown shape is refused");
	o.voice_shape = GS_GEN_VOICE_BURST;
	o.voice_accounts = 1000001;
	TAP_EQ_INT(gs_generate(stdout, NULL, &o), GS_EUSAGE,
		   "more than 10^6 accounts are refused");

	/* without a voice the small movement is the planned one */
	gs_generate_options_init(&o);
	o.hours = 24;
	o.rate = 0.5;
	o.format = GS_GEN_JETSTREAM;
	t = truth_of(&o, &rc);
	TAP_OK(rc == 0 && t && voice_field(t, "small", "accounts") > 0 &&
		       !strstr(t, "voice-"),
	       "no voice: the small movement as planned");
	free(t);

	/* a flash of 300: an hour at 12:00 of a 24-hour window */
	o.voice_accounts = 300;
	o.voice_shape = GS_GEN_VOICE_FLASH;
	t = truth_of(&o, &rc);
	long acc = t ? voice_field(t, "voice-flash", "accounts") : -1;
	TAP_OK(rc == 0 && acc >= 270 && acc <= 450,
	       "voice-flash of 300: %ld accounts (reposts by others add some)",
	       acc);
	TAP_OK(t && strstr(t,
			   "\"shape\":\"voice-flash\",\"onset\":\"2017-10-13T12:00:00Z\","
			   "\"peak\":\"2017-10-13T12:10:00Z\",\"end\":\"2017-10-13T13:00:00Z\""),
	       "onset at half the window, peak after 10 minutes, end after an hour");
	TAP_OK(t && !strstr(t, "\"shape\":\"small\""),
	       "it replaces the small movement");
	free(t);

	/* a slow rise of 100 over 4 hours, a quarter into the window */
	o.voice_accounts = 100;
	o.voice_shape = GS_GEN_VOICE_SLOW;
	o.voice_hours = 4;
	o.voice_at = 0.25;
	t = truth_of(&o, &rc);
	acc = t ? voice_field(t, "voice-slow", "accounts") : -1;
	TAP_OK(rc == 0 && acc >= 80 && acc <= 160,
	       "voice-slow of 100: %ld accounts", acc);
	TAP_OK(t && strstr(t,
			   "\"onset\":\"2017-10-13T06:00:00Z\",\"peak\":\"2017-10-13T10:00:00Z\","
			   "\"end\":\"2017-10-13T12:00:00Z\""),
	       "rises over 4 hours and falls over 2");
	free(t);
	return TAP_DONE();
}
