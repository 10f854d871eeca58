/*
 * movements.c - the planted movements and spam floods as data: what a
 * correct trend detector must find in the stream.
 *
 * Five movements, one per shape: "metoo" (quadratic rise over 2.5 h, then
 * a 30 h exponential decay; shaped like #MeToo in October 2017), "burst"
 * (fast rise and fall, many reposts), "slow" (a day-long rise, a plateau,
 * Spanish), "flash" (linear rise, plateau and fall within 90 minutes) and
 * "small" (a few hundred posts: near the detection limit). Durations are
 * for a 72-hour window; schedule_init() (generate.c) scales them down for
 * shorter windows, places the onsets and derives the end (the flash's
 * fall, else 50 decay constants ~ log(50) * tau) and the spam rates.
 * Three spam floods of 1, 2 and 3 accounts post hundreds of posts in an
 * hour.
 */
#include "generate_int.h"

const struct mv_plan gs_gen_movements[NMOV] = {
	[SH_METOO] = {.shape = "metoo",
		      .tag = S_METOO,
		      .co = {S_SOLIDARITY, S_BELIEVE},
		      .cop = {0.12, 0.08},
		      .nco = 2,
		      .rise = 2.5 * 3600,
		      .tau = 30 * 3600,
		      .peak = 0.15,
		      .fresh = 0.8,
		      .p_new = 0.85,
		      .p_repost = 0.3,
		      .p_reply = 0.08,
		      .p_bgtag = 0.12,
		      .langw = {0.75, 0.08, 0.06, 0.04, 0.02, 0.01, 0.01,
				0.03}},
	[SH_BURST] = {.shape = "burst",
		      .tag = S_STORM,
		      .co = {S_BREAKING},
		      .cop = {0.3},
		      .nco = 1,
		      .at = 0.55,
		      .rise = 0.25 * 3600,
		      .tau = 1.5 * 3600,
		      .peak = 0.08,
		      .fresh = 0.8,
		      .p_new = 0.8,
		      .p_repost = 0.45,
		      .p_reply = 0.08,
		      .p_bgtag = 0.12,
		      .langw = {0.6, 0.2, 0, 0, 0, 0, 0, 0.2}},
	[SH_SLOW] = {.shape = "slow",
		     .tag = S_ANO,
		     .co = {S_FELIZ},
		     .cop = {0.25},
		     .nco = 1,
		     .at = 0.15,
		     .rise = 24 * 3600,
		     .plateau = 4 * 3600,
		     .tau = 10 * 3600,
		     .peak = 0.04,
		     .fresh = 0.7,
		     .p_new = 0.8,
		     .p_repost = 0.3,
		     .p_reply = 0.08,
		     .p_bgtag = 0.12,
		     .langw = {0.1, 0.9, 0, 0, 0, 0, 0, 0}},
	[SH_FLASH] = {.shape = "flash",
		      .tag = S_ECLIPSE,
		      .co = {S_NIGHTSKY},
		      .cop = {0.3},
		      .nco = 1,
		      .at = 0.75,
		      .rise = 20 * 60,
		      .plateau = 30 * 60,
		      .fall = 40 * 60,
		      .peak = 0.15,
		      .fresh = 0.8,
		      .p_new = 0.8,
		      .p_repost = 0.3,
		      .p_reply = 0.08,
		      .p_bgtag = 0.12,
		      .langw = {0.5, 0.1, 0.1, 0.1, 0.2, 0, 0, 0}},
	[SH_SMALL] = {.shape = "small",
		      .tag = S_LIBRARY,
		      .co = {S_READLOCAL},
		      .cop = {0.2},
		      .nco = 1,
		      .at = 0.45,
		      .rise = 3 * 3600,
		      .tau = 6 * 3600,
		      .fresh = 0.92,
		      .p_new = 0.85,
		      .p_repost = 0.2,
		      .p_reply = 0.08,
		      .p_bgtag = 0.12,
		      .langw = {[L_EN] = 1}},
};

const struct spam_plan gs_gen_spam[NSPAM] = {
	{S_SPAM1, 0.3, 250},
	{S_SPAM2, 0.65, 400},
	{S_SPAM3, 0.85, 300},
};
