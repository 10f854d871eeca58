/*
 * generate_family.c - planted movement families (issue 13): what
 * `groundswell movements` must find. Each family is FAM_TAGS fictional tags
 * in as many languages, started one after the other (how a movement
 * spreads across languages), posted by a pool of accounts they share (half
 * of each tag's posts) beside a pool of each tag's own and a few
 * background accounts, and carried together: a post of one tag carries
 * each sibling that has started with probability cop. Every tag has the
 * flash's shape (linear rise, plateau, linear fall). The families run
 * while the five planted movements and the spam floods (movements.c), which
 * are unrelated to them, trend too.
 *
 * With --families 0 (the default) nothing here runs and the stream is
 * byte for byte what it was.
 */
#include "generate_int.h"

#include <math.h>
#include <string.h>

static const struct {
	const char *name;
	const char *tag[FAM_TAGS];
	uint8_t lang[FAM_TAGS];
} plans[NFAM] = {
	{"standtogether",
	 {"StandTogether", "DeboutEnsemble", "JuntasDePie", "GemeinsamStehen"},
	 {L_EN, L_FR, L_ES, L_DE}},
	{"cleanrivers",
	 {"CleanRivers", "RiosLimpios", "RiosLimposJa", "KireinaKawa"},
	 {L_EN, L_ES, L_PT, L_JA}},
	{"nightshift",
	 {"NightShiftVoices", "VocesDelTurno", "NachtschichtStimmen",
	  "VozesDoTurno"},
	 {L_EN, L_ES, L_DE, L_PT}},
};

int gs_gen_family_init(struct gen *g)
{
	double W = g->W, S = (double)g->start, R = g->o.rate;
	for (unsigned i = 0; i < g->nfam; i++) {
		struct family *f = &g->fam[i];
		memset(f, 0, sizeof *f);
		f->name = plans[i].name;
		for (unsigned k = 0; k < FAM_TAGS; k++) {
			int64_t id = gs_gen_intern(g, plans[i].tag[k],
						   strlen(plans[i].tag[k]));
			if (id < 0)
				return GS_ENOMEM;
			f->sp[k] = (uint32_t)id;
			f->lang[k] = plans[i].lang[k];
		}
		/* onsets from 40% of the window on, families 12% apart and
		 * their tags 3% apart, on whole minutes when long */
		double stagger = 0.03 * W;
		for (unsigned k = 0; k < FAM_TAGS; k++) {
			double x = (0.40 + 0.12 * i) * W + k * stagger;
			f->onset[k] =
				S + (W >= 3600 ? floor(x / 60) * 60 : floor(x));
		}
		f->rise = 0.02 * W;
		f->plateau = 0.06 * W;
		f->fall = 0.04 * W;
		f->peak_rate = 0.06 * R;
		/* pools sized to the posts a tag gets, so that accounts
		 * repeat a little and a tag's accounts grow with the stream */
		double posts =
			f->peak_rate * (f->rise / 2 + f->plateau + f->fall / 2);
		double n = posts * 0.6;
		f->shared_n = n < 30 ? 30 : n > 1e6 ? 1000000 : (uint32_t)n;
		f->own_n = f->shared_n / 2 < 20 ? 20 : f->shared_n / 2;
		f->p_shared = 0.5;
		f->p_bg = 0.1;
		f->cop = 0.15;
	}
	return 0;
}

double gs_gen_family_rate(const struct gen *g, unsigned c, double t)
{
	const struct family *f = &g->fam[c / FAM_TAGS];
	double x = t - f->onset[c % FAM_TAGS];
	if (x < 0)
		return 0;
	if (x < f->rise)
		return f->peak_rate * x / f->rise;
	x -= f->rise;
	if (x < f->plateau)
		return f->peak_rate;
	x -= f->plateau;
	return x < f->fall ? f->peak_rate * (1 - x / f->fall) : 0;
}

uint32_t gs_gen_family_account(struct gen *g, unsigned c)
{
	const struct family *f = &g->fam[c / FAM_TAGS];
	uint32_t base = POOL_FAM + (c / FAM_TAGS) * 10000000u;
	double u = rng_unit(&g->lr);
	if (u < f->p_shared)
		return base + rng_below(&g->lr, f->shared_n);
	if (u < f->p_shared + f->p_bg)
		return (uint32_t)rng_below(&g->lr, g->P);
	return base + 2000000u * (1 + c % FAM_TAGS) +
	       rng_below(&g->lr, f->own_n);
}
