/* cmd_network.c - "groundswell network FILE...": who addressed whom. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "conflict.h"
#include "state_file.h"
#include "input/fold.h"
#include "count/network.h"
#include "out/network_write.h"

/* --top: accounts (tags) listed in the summary at most */
#define TOP_LIST_MAX 100000

static const char help[] =
	"usage: groundswell network [OPTIONS] FILE...\n"
	"\n"
	"Examples:\n"
	"  groundswell network tweets.jsonl\n"
	"  groundswell network --kind replies,mentions --output net.gexf tweets.jsonl\n"
	"  groundswell network --tag MeToo --kind reposts --format graphml tweets.jsonl > metoo.graphml\n"
	"  groundswell network --kind cotags --min-weight 5 --json tweets.jsonl > cotags.json\n"
	"  groundswell network --dynamic --bucket 1d --output timeline.gexf archive.jsonl.zst\n"
	"\n"
	"Builds the network of who addressed whom (accounts -> accounts), or of\n"
	"the hashtags used together (tag -- tag), for Gephi, networkx, igraph or\n"
	"d3. Edges: replies (author -> account replied to), mentions (author ->\n"
	"each account mentioned; not for reposts), reposts (author -> author of\n"
	"the original), quotes (author -> author of the quoted post); self-edges\n"
	"are left out. An edge's weight is its number of interactions (for\n"
	"cotags: the posts that use both tags), with a count per kind.\n"
	"\n"
	"Output: a summary when stdout is a terminal, else CSV; --output FILE\n"
	"takes the format from the extension (.gexf .graphml .csv .json) and\n"
	"prints the summary on stdout.\n"
	"\n"
	"  -k, --kind K[,K...]    replies, mentions, reposts, quotes (combined), or\n"
	"                         cotags (default: replies,mentions,reposts,quotes)\n"
	"  -t, --tag TAG          only posts that use TAG (any spelling)\n"
	"  -F, --format F         gexf, graphml, csv, json or summary\n"
	"  -o, --output FILE      write the network to FILE\n"
	"      --dynamic          GEXF/JSON: when nodes and edges were active, one\n"
	"                         spell per run of --bucket buckets (Gephi timeline)\n"
	"      --min-weight N     leave out edges lighter than N (default 1)\n"
	"      --top-nodes N      keep the N nodes of highest weighted degree and\n"
	"                         the edges among them\n"
	"      --max-edges N      edges held in memory (default 2000000); when\n"
	"                         full, the lightest tenth is evicted and counted\n"
	"      --max-nodes N      nodes held in memory (default 1000000)\n"
	"  -n, --top N            accounts (tags) in the summary's top list (10)\n"
	"\n"
	"--max-tags, --max-memory and --hll-precision bound the tag engine of the\n"
	"other commands and are refused here.\n" CLI_COMMON_HELP CLI_STATE_HELP;

static int parse_kinds(const char *arg, unsigned *out)
{
	static const char *names[] = {"replies", "mentions", "reposts", "quotes"};
	unsigned k = 0;
	const char *s = arg;
	while (*s) {
		size_t n = strcspn(s, ",");
		int found = 0;
		for (int i = 0; i < 4; i++)
			if (n == strlen(names[i]) && !strncmp(s, names[i], n))
				k |= 1u << i, found = 1;
		if (n == 6 && !strncmp(s, "cotags", 6))
			k |= GS_NET_COTAGS, found = 1;
		if (n == 3 && !strncmp(s, "all", 3))
			k |= GS_NET_ACCOUNTS, found = 1;
		if (!found)
			return -1;
		s += n;
		if (*s == ',')
			s++;
	}
	if (!k || ((k & GS_NET_COTAGS) && (k & GS_NET_ACCOUNTS)))
		return -1;
	*out = k;
	return 0;
}

static int format_of_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/'))
		return -1;
	int f = gs_net_format_parse(dot + 1);
	return f == GS_NET_SUMMARY || f > GS_NET_SUMMARY ? -1 : f;
}

/* ---- the ingest sink: one network per part of a file ------------------- */

static void *part_new(void *ctx)
{
	return gs_network_new_like(ctx);
}

static int part_post(void *part, const struct gs_post *p)
{
	return gs_network_add(part, p);
}

static int part_merge(void *ctx, void *part)
{
	return gs_network_merge(ctx, part);
}

static void part_free(void *part)
{
	gs_network_free(part);
}

static const char *pseudonym(void *ctx, const char *id, char buf[64])
{
	return account_name(ctx, id, buf);
}

/* Reads the files into net, through a sink (no engine). */
static int read_inputs(struct cli_common *c, struct gs_network *net,
		       int nfiles, char **files, uint64_t *malformed)
{
	struct gs_ingest_sink sink = {net, part_new, part_post, part_merge, part_free};
	return cli_read_into(c, nfiles, files, NULL, &sink, malformed);
}

int cmd_network(int argc, char **argv)
{
	static const struct option own[] = {
		{"help", no_argument, NULL, 'h'},
		{"kind", required_argument, NULL, 'k'},
		{"tag", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'F'},
		{"output", required_argument, NULL, 'o'},
		{"top", required_argument, NULL, 'n'},
		{"dynamic", no_argument, NULL, OPT_DYNAMIC},
		{"min-weight", required_argument, NULL, OPT_MIN_WEIGHT},
		{"top-nodes", required_argument, NULL, OPT_TOP_NODES},
		{"max-edges", required_argument, NULL, OPT_MAX_EDGES},
		{"max-nodes", required_argument, NULL, OPT_MAX_NODES},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, own);
	cli_options_add_common(&opts, CLI_COMMON_ALL);
	cli_options_add_state(&opts);
	struct cli_common c;
	struct gs_network_options no;
	struct gs_network_output out;
	cli_common_init(&c);
	gs_network_options_init(&no);
	gs_network_output_init(&out);
	int fmt = -1, o, rc = 0;
	const char *output = NULL, *format_arg = NULL;
	struct cli_given g = {0};
	uint64_t v;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hk:t:F:o:n:" CLI_COMMON_SHORT,
				opts.v, NULL)) != -1) {
		const char *bad = NULL;
		switch (o) {
		case 'h':
			fputs(help, stdout);
			cli_common_release(&c);
			return 0;
		case 'k':
			if (parse_kinds(optarg, &no.kinds))
				bad = "--kind (replies, mentions, reposts, quotes, a comma list of them, or cotags)";
			break;
		case 't':
			no.tag = optarg;
			break;
		case 'F':
			fmt = gs_net_format_parse(optarg);
			format_arg = optarg;
			if (fmt > GS_NET_SUMMARY)
				bad = "--format (gexf, graphml, csv, json, summary)";
			break;
		case 'o':
			output = optarg;
			break;
		case 'n':
			if (cli_parse_count(optarg, 0, TOP_LIST_MAX, &v))
				bad = "--top";
			else
				out.top_list = (size_t)v;
			break;
		case OPT_DYNAMIC:
			out.dynamic = 1;
			break;
		case OPT_MIN_WEIGHT:
			if (cli_parse_count(optarg, 1, UINT64_MAX,
					    &out.min_weight))
				bad = "--min-weight (at least 1)";
			break;
		case OPT_TOP_NODES:
			if (cli_parse_count(optarg, 1, SIZE_MAX, &v))
				bad = "--top-nodes (at least 1)";
			else
				out.top_nodes = (size_t)v;
			break;
		case OPT_MAX_EDGES:
			if (cli_parse_count(optarg, 1024, INT32_MAX, &v))
				bad = "--max-edges (1024 to 2147483647)";
			else
				no.max_edges = (size_t)v;
			break;
		case OPT_MAX_NODES:
			if (cli_parse_count(optarg, 64, INT32_MAX, &v))
				bad = "--max-nodes (64 to 2147483647)";
			else
				no.max_nodes = (size_t)v;
			break;
		case OPT_MAX_TAGS:
		case OPT_HLL_PRECISION:
		case OPT_MAX_MEMORY:
			/* the tag engine's bounds: a network has its own */
			cli_error(
				"'--%s' does not apply to 'network' (its bounds are "
				"--max-nodes and --max-edges)",
				cli_option_name(opts.v, o));
			cli_common_release(&c);
			return EXIT_USAGE;
		default: {
			if (cli_take_shared(&c, &g, NULL, o, optarg,
					    "network")) {
				cli_common_release(&c);
				return EXIT_USAGE;
			}
		}
		}
		if (bad) {
			cli_error("invalid %s: '%s'", bad, optarg);
			cli_common_release(&c);
			return EXIT_USAGE;
		}
	}
	/* --format, --json/--csv and the extension of --output each name a
	 * format: when two disagree, neither silently wins */
	char fopt[64] = "", oopt[4096 + 16] = "";
	if (format_arg)
		snprintf(fopt, sizeof fopt, "--format %s", format_arg);
	if (format_arg && g.out &&
	    fmt != (c.out == OUT_JSON ? GS_NET_JSON : GS_NET_CSV)) {
		cli_common_release(&c);
		return cli_conflict(fopt, g.out, NULL);
	}
	if (fmt < 0 && c.out == OUT_JSON)
		fmt = GS_NET_JSON;
	if (fmt < 0 && c.out == OUT_CSV)
		fmt = GS_NET_CSV;
	if (fmt >= 0 && output && strcmp(output, "-") &&
	    format_of_path(output) >= 0 && format_of_path(output) != fmt) {
		char why[64];
		snprintf(oopt, sizeof oopt, "--output %s", output);
		snprintf(why, sizeof why, "the extension says %.32s",
			 strrchr(output, '.') + 1);
		cli_common_release(&c);
		return cli_conflict(format_arg ? fopt : g.out, oopt, why);
	}
	if (fmt < 0 && output) {
		fmt = format_of_path(output);
		if (fmt < 0) {
			cli_error("cannot tell the format of '%s' from its extension "
				  "(.gexf, .graphml, .csv, .json); use --format", output);
			cli_common_release(&c);
			return EXIT_USAGE;
		}
	}
	if (fmt < 0)
		fmt = isatty(1) ? GS_NET_SUMMARY : GS_NET_CSV;
	if (out.dynamic && fmt != GS_NET_GEXF && fmt != GS_NET_JSON) {
		cli_error("--dynamic needs --format gexf or json");
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	if (no.tag) {
		char key[GS_TAG_MAX];
		if (gs_fold_arg(no.tag, strlen(no.tag), key) <= 0) {
			cli_error("invalid --tag '%s'", no.tag);
			cli_common_release(&c);
			return EXIT_USAGE;
		}
	}
	if (out.dynamic)
		no.bucket_ms = c.eng.bucket_ms;
	struct gs_network *net = gs_network_new(&no);
	if (!net) {
		cli_error("out of memory");
		cli_common_release(&c);
		return EXIT_USAGE;
	}
	if (c.have_pseudo && no.kinds != GS_NET_COTAGS) {
		out.name = pseudonym;
		out.name_ctx = &c;
	}
	c.net = net; /* for --save-state and merge */
	rc = cli_state_begin(&c, "network", argc, argv, opts.v,
			     "hk:t:F:o:n:" CLI_COMMON_SHORT, NULL, NULL);
	if (!rc)
		rc = read_inputs(&c, net, argc - optind, argv + optind,
				 &out.malformed);
	out.out_of_window = c.out_of_window;
	memcpy(out.filtered, c.filtered, sizeof out.filtered);
	struct gs_network_stats st;
	gs_network_stats(net, &st);
	if (!rc && no.tag && st.posts_selected == 0) {
		cli_error("tag '%s' was not used in the input", no.tag);
		rc = EXIT_NOMATCH;
	}
	if (!rc && !c.no_output) {
		FILE *f = stdout;
		if (output && strcmp(output, "-") != 0) {
			f = fopen(output, "w");
			if (!f) {
				cli_error("cannot write '%s': %s", output, strerror(errno));
				rc = EXIT_USAGE;
			}
		}
		if (!rc) {
			int r = gs_network_write(net, f, (enum gs_net_format)fmt, &out, NULL);
			if (f != stdout && fclose(f) != 0 && !r)
				r = GS_EIO;
			if (r) {
				cli_error("cannot write %s: %s", output ? output : "the output",
					  gs_strerror(r));
				rc = EXIT_USAGE;
			}
		}
		if (!rc && f != stdout && fmt != GS_NET_SUMMARY) {
			struct gs_network_output so = out;
			so.dynamic = 0;
			if (gs_network_write(net, stdout, GS_NET_SUMMARY, &so, NULL))
				rc = EXIT_USAGE;
		}
	}
	gs_network_free(net);
	cli_common_release(&c);
	return rc;
}
