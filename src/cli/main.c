/* main.c - the groundswell command: dispatches to src/cli/cmd_*.c. */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "groundswell.h"

/* "serve" lives in its own executable, groundswell-serve, beside this one
 * (or on PATH): its HTTP, WebSocket, TLS and curl libraries would otherwise
 * be loaded, and cost memory, in every batch run. */
static int serve_exec(int argc, char **argv)
{
	char self[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	(void)argc;
	argv[0] = (char *)"groundswell-serve";
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(path, sizeof path, "%s/groundswell-serve", self);
			execv(path, argv);
		}
	}
	execvp("groundswell-serve", argv);
	cli_error("cannot run 'groundswell-serve': %s", strerror(errno));
	return EXIT_USAGE;
}

// clang-format off
static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} commands[] = {
	{"report", cmd_report, "top tags by distinct accounts, with their magnitudes"},
	{"trends", cmd_trends, "what trended, when it started, peaked and ended"},
	{"tag", cmd_tag, "one tag's full measurement: timeline, co-tags, languages"},
	{"network", cmd_network, "who addressed whom: reply/mention/repost/co-tag networks"},
	{"movements", cmd_movements, "tags that are one movement: their union of accounts, onsets"},
	{"serve", serve_exec, "follow live sources and serve trends over HTTP"},
	{"generate", cmd_generate, "write a synthetic stream with planted movements"},
	{"demo", cmd_demo, "run the report on a built-in generated stream"},
	{"merge", cmd_merge, "combine the states of runs (--save-state) into one output"},
};
// clang-format on

static void usage(FILE *f)
{
	fputs("usage: groundswell COMMAND [OPTIONS] [FILE...]\n"
	      "\n"
	      "Examples:\n"
	      "  groundswell demo\n"
	      "  groundswell report tweets.jsonl.gz --top 20\n"
	      "  zstdcat jetstream.jsonl.zst | groundswell report - --json\n"
	      "  groundswell tag MeToo tweets.jsonl --bucket 1h --json\n"
	      "  groundswell trends tweets.jsonl --json\n"
	      "  groundswell network tweets.jsonl --output net.gexf\n"
	      "  groundswell serve --source firehose.jsonl --listen 127.0.0.1:8080\n"
	      "  groundswell generate --hours 24 --rate 5 --truth truth.json > s.jsonl\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fputs("\nFILE is JSON Lines (Twitter v1.1/v2, Bluesky Jetstream, Mastodon),\n"
	      "optionally .gz or .zst; - reads stdin. 'groundswell COMMAND --help'\n"
	      "for a command's options. Exit: 0 ok, 1 nothing matched, 2 usage or\n"
	      "I/O error, 3 input rejected under --strict, 4 an input file gave no\n"
	      "post (said why on stderr; the output covers the other files).\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("groundswell %s\n", GS_VERSION);
		return 0;
	}
	if (cli_check_env())
		return EXIT_USAGE;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(cmd, commands[i].name))
			return cli_exit_status(commands[i].fn(argc - 1, argv + 1));
	cli_error("'%s' is not a groundswell command; see 'groundswell --help'", cmd);
	return EXIT_USAGE;
}
