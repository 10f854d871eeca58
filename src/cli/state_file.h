/*
 * state_file.h - --save-state in report, trends, tag and network, and the
 * reading of state files in their place when "groundswell merge" runs
 * one of them (issue 14 part 4; count/state.h holds the format,
 * docs/state.md the guide).
 *
 * A command calls cli_state_begin() once its options are parsed; the
 * input loop (cli_read_into) then either writes the state after reading
 * (cli_state_write) or, under merge, reads state files instead of input
 * (cli_state_merge), so that the command's own output code prints the
 * merged counts.
 *
 * Ownership: struct cli_state_run is allocated by cli_state_begin and
 * freed by cli_state_free (cli_common_release calls it); the merge's
 * reference state is this module's own, until cli_state_merge_end().
 */
#ifndef GS_CLI_STATE_FILE_H
#define GS_CLI_STATE_FILE_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

struct cli_common;
struct gs_engine;
struct gs_pseudo;
struct gs_seal;
struct gs_state_info;

struct cli_state_run;
void cli_state_free(struct cli_state_run *r);

/*
 * Records what the state of command cmd will say about it: its options
 * (re-read from argv[0..argc) with longopts and optstring; options of
 * reading and of the engine are left out, the filters and the time window
 * kept apart as what merging must agree on), the operand (tag's TAG) when
 * not NULL. refuse, when not NULL, names an option of cmd that cannot go
 * with --save-state or merge (trends --live, --language, --by-language,
 * tag --ids). Also refuses
 * --no-output without --save-state. 0, or EXIT_USAGE after saying why.
 * getopt's optind is left as it was.
 */
int cli_state_begin(struct cli_common *c, const char *cmd, int argc,
		    char **argv, const struct option *longopts,
		    const char *optstring, const char *operand,
		    const char *refuse);

/* Writes c->save_state from engine e and/or c->net after reading, with
 * malformed lines counted as malformed. 0, or EXIT_USAGE after saying
 * why. */
int cli_state_write(struct cli_common *c, const struct gs_engine *e,
		    uint64_t malformed);

/* Whether merge is running a command (its inputs are state files). */
int cli_state_merging(void);

/* Under merge: the options a new struct cli_common starts with are those
 * of the states (the engine's; the bucket of a network's spells). */
void cli_state_common_init(struct cli_common *c);

/*
 * Under merge: reads the state files files[0..nfiles), one at a time, into
 * engine e (may be NULL) and c->net (may be NULL) and their counters into
 * c, then writes c->save_state when asked. Each is checked against the
 * first and against the command's settings. *malformed (when not NULL)
 * gets the malformed lines. 0, or EXIT_USAGE after naming the file and
 * what was wrong.
 */
int cli_state_merge(struct cli_common *c, int nfiles, char **files,
		    struct gs_engine *e, uint64_t *malformed);

/* cmd_merge: enters merge mode with reference state ref (taken over) read
 * from path (sealed: 1 when it was encrypted); cli_state_merge_end()
 * leaves it. */
void cli_state_merge_start(struct gs_state_info *ref, const char *path,
			   int sealed);

/* A state file open for reading: f gives its plain bytes, decrypted when
 * the file is sealed (count/seal.h; sealed is then 1). */
struct cli_state_in {
	FILE *raw, *f;
	struct gs_seal *seal;
	int sealed;
};

/*
 * Opens the state file at path with the pseudonymisation key ps (NULL:
 * none). ref_path, when not NULL, is the state it must agree with, sealed
 * as ref_sealed says: an encrypted state and a plain one never merge. 0,
 * or EXIT_USAGE after naming the file and saying why (cannot be read;
 * encrypted, and no key or not as ref_path). Close it with
 * cli_state_close.
 */
int cli_state_open(struct cli_state_in *in, const char *path,
		   const struct gs_pseudo *ps, const char *ref_path,
		   int ref_sealed);

/* Says that reading state path through in failed ("'PATH' WHAT: WHY"),
 * or the decryption's own failure when there was one (another key,
 * damage). */
void cli_state_read_failed(const struct cli_state_in *in, const char *path,
			   const char *what, const char *why);

void cli_state_close(struct cli_state_in *in);
void cli_state_merge_end(void);

#endif
