/*
 * voice.c - a planted small voice: the "small" movement reshaped to a
 * given number of participants, shape and length, for the detection
 * matrix (eval/matrix.py) and the small-voice tests.
 *
 * With gs_generate_options.voice_accounts > 0, the small movement
 * (#SaveOurLibrary, a tag the background never uses) is replaced by:
 *   burst  a 15-minute rise to a plateau held voice_hours, and a
 *          15-minute fall (a step: sustained, the case small voices need)
 *   slow   a linear rise over voice_hours, then a fall over half of it
 *   flash  a 10-minute rise, 20 minutes of plateau, a 30-minute fall
 *          (an hour, whatever voice_hours says)
 * Its onset is voice_at of the window (on a whole minute, as the other
 * movements'). Every post comes from the movement's own pool of fresh
 * accounts (never from the background), 90% of them from an account not
 * seen before, so the expected distinct accounts are voice_accounts and
 * its expected posts voice_accounts / 0.9; the truth states the counts
 * actually drawn. Its rate follows the daily cycle, damped, as every
 * movement's does, and the background gives up what it takes.
 */
#include "generate_int.h"

static const char *const voice_shapes[GS_GEN_VOICE_COUNT_] = {"burst", "slow",
							      "flash"};
static const char *const voice_names[GS_GEN_VOICE_COUNT_] = {
	"voice-burst", "voice-slow", "voice-flash"};

enum gs_gen_voice gs_gen_voice_parse(const char *name)
{
	for (int i = 0; i < GS_GEN_VOICE_COUNT_; i++)
		if (name && !strcmp(name, voice_shapes[i]))
			return (enum gs_gen_voice)i;
	return GS_GEN_VOICE_COUNT_;
}

double gs_gen_voice_plan(struct gen *g)
{
	const struct gs_generate_options *o = &g->o;
	struct movement *m = &g->mv[SH_SMALL];
	double W = g->W, D = o->voice_hours * 3600;
	m->shape = voice_names[o->voice_shape];
	m->fresh = 1;
	m->p_new = 0.9;
	m->tau = 0;
	switch (o->voice_shape) {
	case GS_GEN_VOICE_SLOW:
		m->rise = D;
		m->plateau = 0;
		m->fall = D / 2;
		break;
	case GS_GEN_VOICE_FLASH:
		m->rise = 600;
		m->plateau = 1200;
		m->fall = 1800;
		break;
	default:
		m->rise = 900;
		m->plateau = D;
		m->fall = 900;
		break;
	}
	double at = o->voice_at * W;
	m->onset = (double)g->start +
		   (W >= 3600 ? floor(at / 60) * 60 : floor(at));
	m->end = m->onset + m->rise + m->plateau + m->fall;
	return (double)o->voice_accounts / m->p_new;
}
