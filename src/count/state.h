/*
 * state.h - the state file of a batch run (--save-state) that
 * "groundswell merge" combines (issue 14 part 4; docs/state.md).
 *
 * A state file is a run's counting state: a small container section
 * ('GSST', this module) saying what a merge must agree on and which
 * command made it, then the engine ('GSEN', gs_engine_save) and/or the
 * network ('GSNW', gs_network_save) in the snapshot format of snapio.h,
 * and nothing after them. Merging states made with the same settings gives
 * what one run over all their inputs gives, because the engine and the
 * network merge exactly; so the container records every setting that
 * changes a count (struct gs_state_info) and gs_state_differs() names the
 * first that two states do not share.
 *
 * Ownership: struct gs_state_info is the caller's; gs_state_read_info()
 * fills its strings and argument list from malloc and
 * gs_state_info_release() frees them. The engine and network loaded are
 * the caller's, as gs_engine_load() gives them.
 */
#ifndef GS_COUNT_STATE_H
#define GS_COUNT_STATE_H

#include <stdint.h>
#include <stdio.h>

#include "groundswell.h"
#include "count/filter.h"
#include "count/network.h"
#include "count/seal.h"

#define GS_STATE_VERSION  1
#define GS_STATE_MAX_ARGS 256	/* options recorded */
#define GS_STATE_MAX_ARG  4096	/* bytes of one of them */
#define GS_STATE_MAX_TEXT 65536 /* bytes of the filters' description */
#define GS_STATE_FP_LEN	  17	/* a key's fingerprint: "u" + 16 hex */

struct gs_state_info {
	/* who made it: the program's version, the command ("report",
	 * "trends", "tag", "network") and its options, canonical ("--name",
	 * then the value as its own element), with the operand (tag's TAG,
	 * or NULL) */
	char *program, *command, *operand;
	char **args;
	uint32_t nargs;
	/* what merging must agree on */
	int has_engine, has_network;
	struct gs_engine_options eng; /* max_bytes: the --max-memory bound */
	unsigned net_kinds;
	uint64_t net_max_edges, net_max_nodes;
	int64_t net_bucket_ms;
	char *net_tag;			  /* folded --tag of network, or NULL */
	char key_fp[GS_STATE_FP_LEN + 1]; /* "" without pseudonymisation */
	char *filters; /* the filters and window in force, as text ("" none) */
	/* what the run read besides the engine's own counts */
	uint64_t states;     /* runs merged into it (1 for a run) */
	uint64_t posts_read; /* posts read, before the filters */
	uint64_t out_of_window, malformed;
	uint64_t nonpost[GS_NONPOST_COUNT];
	uint64_t filtered[GS_FILTER_REASONS];
};

void gs_state_info_release(struct gs_state_info *s);

/* Under a pseudonymisation key the whole state file (every section above)
 * is sealed as this kind (count/seal.h: "GSXS", its own derived key), so
 * that no account id, raw or hashed, is on disk; gs_state_save and the
 * readers below take the plain stream (gs_seal_file). */
extern const struct gs_seal_kind gs_state_seal;

/*
 * Writes a state file to f: the container of info (has_engine and
 * has_network are set from e and n, which may be NULL but not both), then
 * e's and n's snapshots. Flushes f (durability is the caller's). 0,
 * GS_EIO, GS_ENOMEM, or GS_EUSAGE (info out of the bounds above, or
 * neither e nor n).
 */
int gs_state_save(FILE *f, struct gs_state_info *info,
		  const struct gs_engine *e, const struct gs_network *n);

/* The container section of info alone (as gs_state_save writes it
 * first, has_engine and has_network as they are). 0, GS_EIO, GS_ENOMEM,
 * GS_EUSAGE. */
int gs_state_save_info(FILE *f, const struct gs_state_info *info);

/*
 * Reads the container section at the start of f into *info (released
 * first is not needed: it is overwritten; release it after use). 0, or
 * GS_EFORMAT (not a state file, damaged, another version; gs_snap_why()
 * or *why says what), GS_EIO, GS_ENOMEM; *info is empty on failure.
 * why (n bytes) gets a lower-case phrase on failure.
 */
int gs_state_read_info(FILE *f, struct gs_state_info *info, char *why,
		       size_t n);

/*
 * After gs_state_read_info(): the sections that follow, as info says
 * (*e and *n NULL when absent), then the end of the file. 0, or an error
 * as gs_engine_load() gives it, why telling what was wrong; nothing is
 * returned on failure.
 */
int gs_state_read_rest(FILE *f, const struct gs_state_info *info,
		       struct gs_engine **e, struct gs_network **n, char *why,
		       size_t nwhy);

/*
 * 0 when states a and b may be merged, else 1 with why (n bytes) naming
 * the first setting they differ in, a's value and b's ("bucket: 1h
 * against 5m").
 */
int gs_state_differs(const struct gs_state_info *a,
		     const struct gs_state_info *b, char *why, size_t n);

/* Adds b's counters (states, posts read, non-posts, ...) to a's. */
void gs_state_add_counts(struct gs_state_info *a,
			 const struct gs_state_info *b);

#endif
