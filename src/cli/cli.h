/*
 * cli.h - what the groundswell subcommands share.
 *
 * Each subcommand is one file src/cli/cmd_NAME.c defining
 *   int cmd_NAME(int argc, char **argv);
 * where argv[0] is the subcommand's name; it returns the process exit code:
 *   0 success, 1 nothing matched, 2 usage or I/O error, 3 input rejected
 *   under --strict, 4 an input file gave no post (diagnosed on stderr; the
 *   output covers the other files).
 * Options are parsed with getopt_long, their ids and the groups several
 * commands share being in options.h; "--help" prints examples first.
 * Ownership: nothing here allocates.
 */
#ifndef GS_CLI_H
#define GS_CLI_H

enum { EXIT_NOMATCH = 1, EXIT_USAGE = 2, EXIT_STRICT = 3, EXIT_NOPOSTS = 4 };

/* The exit code of a command that returned rc: rc, or EXIT_NOPOSTS when it
 * succeeded but an input file gave no post. */
int cli_exit_status(int rc);

int cmd_report(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_trends(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_movements(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* Prints "groundswell: " and the formatted message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 0, or EXIT_USAGE after saying that the environment variable
 * GROUNDSWELL_INFLATE names no gzip decoder (never ignored silently). */
int cli_check_env(void);

#endif
