/* cmd_merge.c - "groundswell merge": the states of many runs (--save-state)
 * combined into the output of one run over all their inputs (issue 14
 * part 4; docs/state.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "options.h"
#include "state_file.h"
#include "count/state.h"

static const char help[] =
	"usage: groundswell merge [OPTIONS] STATE...\n"
	"       groundswell merge report|trends|network [OPTIONS] STATE...\n"
	"       groundswell merge tag [OPTIONS] TAG STATE...\n"
	"\n"
	"Examples:\n"
	"  groundswell report --json --save-state a.state --no-output a.jsonl.gz\n"
	"  groundswell report --json --save-state b.state --no-output b.jsonl.gz\n"
	"  groundswell merge a.state b.state            # as 'report --json a b'\n"
	"  groundswell merge trends --csv *.state       # another output\n"
	"  groundswell merge tag MeToo --json *.state\n"
	"  groundswell merge --save-state day.state hour-*.state\n"
	"\n"
	"Combines the counting states that report, trends, tag and network wrote\n"
	"with --save-state (files split by time, by lines, by anything) into\n"
	"the output of one run over all their inputs, in the order given: the\n"
	"same JSON wherever one run's counts are exact. Without a command, the\n"
	"output is the first state's command with its options; naming a\n"
	"command (and its output options: --json, --top, --format...) chooses\n"
	"another. States are read one at a time. Refused, naming the file and\n"
	"what differs (exit 2): states of other versions, bucket sizes, sketch\n"
	"precisions, caps (--max-tags, --max-memory, --max-edges...),\n"
	"pseudonymisation keys, filters or time windows; damaged files.\n"
	"\n"
	"Options taken in both forms:\n"
	"      --save-state FILE  write the merged state (a merge of merges is\n"
	"                         one merge); --no-output: that alone\n"
	"      --pseudonymize-key KEY, --pseudonymize-key-file FILE\n"
	"                         the key the states were made with (needed\n"
	"                         again: such states are encrypted with it)\n"
	"      --[no-]progress, --threads N  accepted, without effect\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"report", cmd_report},
	{"trends", cmd_trends},
	{"tag", cmd_tag},
	{"network", cmd_network},
};

static int (*command_fn(const char *name))(int, char **)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn;
	return NULL;
}

/* Options merge takes in either form: 2 with a value, 1 without, 0 not
 * one of them. */
static int own_option(const char *a)
{
	static const char *const valued[] = {
		"--save-state", "--pseudonymize-key", "--pseudonymize-key-file",
		"--threads"};
	static const char *const plain[] = {"--no-output", "--progress",
					    "--no-progress"};
	size_t n = strcspn(a, "=");
	for (size_t i = 0; i < sizeof valued / sizeof *valued; i++)
		if (strlen(valued[i]) == n && !strncmp(a, valued[i], n))
			return a[n] ? 1 : 2; /* "--x=v" is one argument */
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		if (!strcmp(a, plain[i]))
			return 1;
	return 0;
}

/* Whether path names a state file (its first bytes are the container's
 * magic, or a sealed state's): how the reference state is found among
 * options and TAG. */
static int is_state(const char *path)
{
	char m[4];
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int yes = fread(m, 1, 4, f) == 4 &&
		  (!memcmp(m, "GSST", 4) || !memcmp(m, gs_state_seal.magic, 4));
	fclose(f);
	return yes;
}

/* The pseudonymisation key among argv[first..argc) into c (the last one
 * given, as the command will take it): the first state is read with it
 * before the command runs. 0, or -1 after saying why. */
static int merge_key(struct cli_common *c, int first, int argc, char **argv)
{
	static const struct {
		const char *name;
		int opt;
	} keys[] = {{"--pseudonymize-key", OPT_PSEUDONYMIZE_KEY},
		    {"--pseudonymize-key-file", OPT_PSEUDONYMIZE_KEY_FILE}};
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			size_t n = strlen(keys[k].name);
			const char *a = argv[i], *v = NULL;
			if (strncmp(a, keys[k].name, n))
				continue;
			if (a[n] == '=')
				v = a + n + 1;
			else if (!a[n] && i + 1 < argc)
				v = argv[++i];
			if (v && cli_common_option(c, keys[k].opt, v) < 0)
				return -1;
		}
	}
	return 0;
}

/* The options of network that shape the network counted (not only its
 * output): replayed from the states when a command is named. */
static int network_shape(const char *a)
{
	return !strcmp(a, "--kind") || !strcmp(a, "--tag") ||
	       !strcmp(a, "--max-edges") || !strcmp(a, "--max-nodes");
}

int cmd_merge(int argc, char **argv)
{
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return 0;
	}
	int first = 1;
	const char *cmd = NULL;
	if (argc >= 2 && command_fn(argv[1])) {
		cmd = argv[1];
		first = 2;
	}
	const char *ref_path = NULL;
	for (int i = first; i < argc && !ref_path; i++)
		if (is_state(argv[i]))
			ref_path = argv[i];
	if (!ref_path) {
		/* say what the last operand is, when it is something */
		const char *last = argc > first ? argv[argc - 1] : "";
		FILE *g = last[0] && last[0] != '-' ? fopen(last, "rb") : NULL;
		if (g)
			fclose(g);
		if (last[0] && last[0] != '-' && !g && errno != ENOENT)
			cli_error("cannot read '%s': %s", last,
				  strerror(errno));
		else if (last[0] && last[0] != '-' && !g)
			cli_error(
				"cannot read '%s': %s (no state file among the "
				"arguments)",
				last, strerror(ENOENT));
		else if (g)
			cli_error(
				"'%s' is not a state file (one written by "
				"--save-state; see 'groundswell merge --help')",
				last);
		else
			cli_error("no state file among the arguments (files "
				  "written by --save-state; see 'groundswell "
				  "merge --help')");
		return EXIT_USAGE;
	}
	struct gs_state_info ref;
	char why[512];
	struct cli_common kc; /* the key, for a sealed state */
	struct cli_state_in in;
	cli_common_init(&kc);
	int r = merge_key(&kc, first, argc, argv) ||
		cli_state_open(&in, ref_path,
			       kc.have_pseudo ? &kc.pseudo : NULL, NULL, 0);
	cli_common_release(&kc);
	if (r)
		return EXIT_USAGE;
	r = gs_state_read_info(in.f, &ref, why, sizeof why);
	int sealed = in.sealed;
	if (r)
		cli_state_read_failed(&in, ref_path,
				      "is not a state file of this version, "
				      "or it is damaged",
				      why);
	cli_state_close(&in);
	if (r)
		return EXIT_USAGE;
	if (strcmp(ref.program, GS_VERSION)) {
		cli_error("'%s' was made by groundswell %s, this is %s: states "
			  "merge within one version",
			  ref_path, ref.program, GS_VERSION);
		gs_state_info_release(&ref);
		return EXIT_USAGE;
	}
	if (!cmd && !command_fn(ref.command)) {
		cli_error("'%s' was made by an unknown command '%s'", ref_path,
			  ref.command);
		gs_state_info_release(&ref);
		return EXIT_USAGE;
	}
	/* the command's argv: its name, the recorded options (all of them,
	 * or with a command named those that shape a network), the user's
	 * options, the recorded operand, then the states */
	size_t cap = (size_t)argc + ref.nargs + 2;
	char **v = calloc(cap, sizeof *v);
	if (!v) {
		gs_state_info_release(&ref);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	int n = 0;
	v[n++] = (char *)(cmd ? cmd : ref.command);
	int same_net = cmd && !strcmp(cmd, "network") &&
		       !strcmp(ref.command, "network");
	for (uint32_t i = 0; i < ref.nargs; i++) {
		if (!cmd) {
			v[n++] = ref.args[i];
		} else if (same_net && (network_shape(ref.args[i]) ||
					!strcmp(ref.args[i], "--dynamic"))) {
			v[n++] = ref.args[i];
			if (network_shape(ref.args[i]) && i + 1 < ref.nargs)
				v[n++] = ref.args[++i];
		}
	}
	int rc = 0, operand_at = -1;
	for (int i = first; i < argc && !rc; i++) {
		const char *a = argv[i];
		if (cmd || a[0] != '-' || !a[1]) {
			if (!cmd && operand_at < 0 && ref.operand)
				operand_at = n++; /* TAG before the states */
			v[n++] = argv[i];
			continue;
		}
		int k = own_option(a);
		if (!k) {
			cli_error("'%s' changes the output: name it with its "
				  "command, e.g. 'groundswell merge %s %s "
				  "STATE...' (without one, merge gives the "
				  "output of '%s' as recorded)",
				  a, ref.command, a, ref.command);
			rc = EXIT_USAGE;
			break;
		}
		v[n++] = argv[i];
		if (k == 2 && i + 1 < argc)
			v[n++] = argv[++i];
	}
	if (operand_at >= 0)
		v[operand_at] = ref.operand;
	if (!rc) {
		int (*fn)(int, char **) = command_fn(v[0]);
		/* handed over with the strings v points to, which live
		 * until the merge ends */
		cli_state_merge_start(&ref, ref_path, sealed);
		rc = fn(n, v);
		cli_state_merge_end();
	} else {
		gs_state_info_release(&ref);
	}
	free(v);
	return rc;
}
