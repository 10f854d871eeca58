/* cmd_demo.c - "groundswell demo": the report on a built-in generated
 * stream. The generator runs in a thread writing into a pipe that the normal
 * input path reads, so the demo exercises exactly what a user's file would,
 * without writing anything to disk. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "count/cooccur.h"
#include "gen/generate.h"

static const char help[] =
	"usage: groundswell demo [OPTIONS]\n"
	"\n"
	"Examples:\n"
	"  groundswell demo\n"
	"  groundswell demo --output-format jetstream --hours 48 --json\n"
	"  groundswell demo --html demo.html\n"
	"\n"
	"Generates a synthetic stream (fictional accounts; a #MeToo-shaped\n"
	"movement in October 2017, other planted movements, spam floods, steady\n"
	"tags, reposts and replies) and runs 'groundswell report' on it.\n"
	"\n"
	"      --seed N, --hours H, --rate R, --output-format F\n"
	"                         as for 'groundswell generate' (default: seed 1,\n"
	"                         72 hours, 1 post/s, twitter1)\n"
	"  -n, --top N            tags listed (default 15)\n"
	"      --html FILE        also write the report as an HTML page\n"
	CLI_COMMON_HELP;

struct gen_job {
	FILE *out;
	struct gs_generate_options opt;
	int rc;
};

static void *gen_thread(void *arg)
{
	struct gen_job *j = arg;
	j->rc = gs_generate(j->out, NULL, &j->opt);
	fclose(j->out);
	return NULL;
}


int cmd_demo(int argc, char **argv)
{
	static const struct option own[] = {
		{"help", no_argument, NULL, 'h'},
		{"top", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"hours", required_argument, NULL, OPT_HOURS},
		{"rate", required_argument, NULL, OPT_RATE},
		{"output-format", required_argument, NULL, OPT_OUTPUT_FORMAT},
		{"html", required_argument, NULL, OPT_HTML},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, own);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	struct cli_common c;
	struct gen_job job;
	cli_common_init(&c);
	gs_generate_options_init(&job.opt);
	job.opt.rate = 1;
	long top = 15;
	const char *html = NULL;
	struct cli_given g = {0};
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hn:" CLI_COMMON_SHORT, opts.v,
				NULL)) != -1) {
		char *end = NULL;
		switch (o) {
		case 'h':
			fputs(help, stdout);
			cli_common_release(&c);
			return 0;
		case 'n':
			top = strtol(optarg, &end, 10);
			if (*end || top < 0)
				goto bad;
			continue;
		case OPT_SEED:
			job.opt.seed = strtoull(optarg, &end, 10);
			if (*end)
				goto bad;
			continue;
		case OPT_HOURS:
			job.opt.hours = strtod(optarg, &end);
			if (*end || !(job.opt.hours > 0 && job.opt.hours <= 24 * 366))
				goto bad;
			continue;
		case OPT_RATE:
			job.opt.rate = strtod(optarg, &end);
			if (*end || !(job.opt.rate > 0 && job.opt.rate <= 1e5))
				goto bad;
			continue;
		case OPT_OUTPUT_FORMAT:
			job.opt.format = gs_gen_format_parse(optarg);
			if (job.opt.format == GS_GEN_FORMAT_COUNT_)
				goto bad;
			continue;
		case OPT_HTML:
			html = optarg;
			continue;
		}
		if (cli_take_shared(&c, &g, NULL, o, optarg, "demo")) {
			cli_common_release(&c);
			return EXIT_USAGE;
		}
		continue;
	bad:
		cli_error("invalid value '%s' for --%s", optarg,
			  cli_option_name(own, o));
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	if (html && !strcmp(html, "-") && g.out) {
		cli_common_release(&c);
		return cli_conflict("--html -", g.out,
				    "'--html -' writes the page alone on stdout");
	}
	int fds[2];
	if (pipe(fds) != 0 || !(job.out = fdopen(fds[1], "w"))) {
		cli_error("cannot create a pipe");
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, gen_thread, &job) != 0) {
		cli_error("cannot start the generator");
		fclose(job.out);
		close(fds[0]);
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	char path[32];
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	char *files[] = {path};
	struct gs_cooccur *cc = NULL;
	int rc = report_read(&c, 1, files, html != NULL, &cc);
	pthread_join(th, NULL);
	close(fds[0]);
	if (!rc && job.rc) {
		cli_error("generator failed: %s", gs_strerror(job.rc));
		rc = EXIT_USAGE;
	}
	if (!rc)
		rc = report_write(&c, (size_t)top, html, cc);
	gs_cooccur_free(cc);
	cli_common_release(&c);
	return rc;
}
