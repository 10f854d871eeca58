/*
 * cmd_generate.c - `groundswell generate`: a deterministic synthetic stream
 * of posts by fictional accounts, with the exact truth a counter must find
 * (see src/gen/generate.h).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "gen/generate.h"

#include "groundswell.h"

static const char usage[] =
	"Usage: groundswell generate [OPTIONS]\n"
	"\n"
	"Examples:\n"
	"  groundswell generate --hours 24 > day.jsonl\n"
	"  groundswell generate --seed 7 --posts 100000 --truth truth.json"
	" -o posts.jsonl\n"
	"  groundswell generate --output-format jetstream --rate 50 --hours 6"
	" --malformed 0.01\n"
	"  groundswell generate --bytes-target 1G -o big.jsonl   "
	"# ~1 GB of Twitter v1.1\n"
	"  groundswell generate -f mastodon-sse --start 2023-02-06T00:00:00Z"
	" --hours 6\n"
	"\n"
	"Writes a synthetic stream of social-media posts by FICTIONAL accounts"
	" as JSON\n"
	"Lines: background traffic with a daily cycle, steady tags (#news,"
	" #music,\n"
	"#NowPlaying), five planted movements (#MeToo shaped like October 2017,"
	" a burst,\n"
	"a slow rise, a flash, a small one), spam floods, reposts, replies,"
	" quotes and\n"
	"mentions. The same options always give the same bytes.\n"
	"\n"
	"Options:\n"
	"  --seed N             random seed (default 1)\n"
	"  --hours H            length of the window in hours (default 72;\n"
	"                       fractions allowed)\n"
	"  --rate R             mean posts per second (default 2; fractions"
	" allowed)\n"
	"  --start TIME         RFC 3339 start (default"
	" 2017-10-13T00:00:00Z)\n"
	"  --posts N            stop after N posts; without --hours the window"
	" is N/R s\n"
	"  --bytes-target N     stop at the first line end past N bytes"
	" (suffix k, M, G\n"
	"                       = 10^3, 10^6, 10^9); without --hours the window"
	" fits N\n"
	"  -f, --output-format F  twitter1 (default), twitter2 (raw twarc2"
	" pages),\n"
	"                       twitter2-flat, jetstream, mastodon,"
	" mastodon-sse\n"
	"  --malformed F        fraction of extra malformed lines, 0..0.9"
	" (default 0)\n"
	"  -o, --output FILE    write the stream to FILE (default stdout)\n"
	"  --truth FILE         write the exact per-tag counts and the planted\n"
	"                       movements as JSON (memory grows with distinct\n"
	"                       tag/account pairs: avoid on huge outputs)\n"
	"  --families N         plant N (0-3) movement families: four tags in four\n"
	"                       languages each, sharing accounts, carried together,\n"
	"                       started one after the other (truth: \"families\")\n"
	"  --voice N[:SHAPE[:HOURS[:AT]]]  replace the small movement by a\n"
	"                       small voice of about N fresh accounts: burst (a\n"
	"                       step held HOURS), slow (a rise over HOURS) or\n"
	"                       flash (an hour); default burst, 6 h, onset AT =\n"
	"                       0.5 of the window (shape \"voice-SHAPE\" in the\n"
	"                       truth)\n"
	"  -h, --help           this text\n";

static int parse_u64(const char *s, uint64_t *out, int allow_suffix)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (allow_suffix && *end) {
		unsigned long long m = 0;
		switch (*end) {
		case 'k': case 'K': m = 1000ULL; break;
		case 'm': case 'M': m = 1000000ULL; break;
		case 'g': case 'G': m = 1000000000ULL; break;
		default: return -1;
		}
		end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (v > UINT64_MAX / m)
			return -1;
		v *= m;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* --voice N[:SHAPE[:HOURS[:AT]]] into o; -1 when malformed. */
static int parse_voice(const char *s, struct gs_generate_options *o)
{
	char buf[128], *f[5];
	int n = 0;
	if (!s || strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (char *p = buf; n < 5;) {
		f[n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = 0;
	}
	uint64_t v;
	if (n > 4 || parse_u64(f[0], &v, 0) || v == 0 || v > 1000000)
		return -1;
	o->voice_accounts = (uint32_t)v;
	if (n > 1 &&
	    (o->voice_shape = gs_gen_voice_parse(f[1])) == GS_GEN_VOICE_COUNT_)
		return -1;
	if (n > 2 && (parse_double(f[2], &o->voice_hours) ||
		      !(o->voice_hours > 0 && o->voice_hours <= 240)))
		return -1;
	if (n > 3 && (parse_double(f[3], &o->voice_at) ||
		      !(o->voice_at >= 0 && o->voice_at < 1)))
		return -1;
	return 0;
}

int cmd_generate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, OPT_SEED},
		{"hours", required_argument, NULL, OPT_HOURS},
		{"rate", required_argument, NULL, OPT_RATE},
		{"start", required_argument, NULL, OPT_START},
		{"output-format", required_argument, NULL, 'f'},
		{"malformed", required_argument, NULL, OPT_MALFORMED},
		{"posts", required_argument, NULL, OPT_POSTS},
		{"truth", required_argument, NULL, OPT_TRUTH},
		{"families", required_argument, NULL, OPT_FAMILIES},
		{"bytes-target", required_argument, NULL, OPT_BYTES_TARGET},
		{"voice", required_argument, NULL, OPT_VOICE},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct gs_generate_options o;
	gs_generate_options_init(&o);
	const char *out_path = NULL, *truth_path = NULL;
	int hours_given = 0, c;

	optind = 0; /* glibc: full reset, argv[0] is the subcommand */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SEED:
			if (parse_u64(optarg, &o.seed, 0)) {
				cli_error("--seed: not a number: %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_HOURS:
			if (parse_double(optarg, &o.hours) || o.hours <= 0 ||
			    o.hours > 24 * 3650) {
				cli_error("--hours: want 0 < H <= 87600, got %s",
					  optarg);
				return EXIT_USAGE;
			}
			hours_given = 1;
			break;
		case OPT_RATE:
			if (parse_double(optarg, &o.rate) || o.rate <= 0 ||
			    o.rate > 100000) {
				cli_error("--rate: want 0 < R <= 100000, got %s",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_START:
			if (gs_generate_parse_time(optarg, &o.start) ||
			    o.start < 0) {
				cli_error("--start: not an RFC 3339 time after "
					  "1970: %s",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			o.format = gs_gen_format_parse(optarg);
			if (o.format == GS_GEN_FORMAT_COUNT_) {
				cli_error("--output-format: unknown format '%s' "
					  "(twitter1, twitter2, twitter2-flat, "
					  "jetstream, mastodon, mastodon-sse)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_MALFORMED:
			if (parse_double(optarg, &o.malformed) ||
			    o.malformed < 0 || o.malformed > 0.9) {
				cli_error("--malformed: want 0 <= F <= 0.9, got "
					  "%s",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_POSTS:
			if (parse_u64(optarg, &o.posts, 1) || o.posts == 0 ||
			    o.posts > (1ULL << 40)) {
				cli_error("--posts: want a positive count, got %s",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_BYTES_TARGET:
			if (parse_u64(optarg, &o.bytes_target, 1) ||
			    o.bytes_target == 0) {
				cli_error("--bytes-target: want a positive size, "
					  "got %s",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_FAMILIES: {
			uint64_t nf;
			if (parse_u64(optarg, &nf, 0) ||
			    nf > GS_GEN_FAMILIES_MAX) {
				cli_error("--families: want 0 to %d, got %s",
					  GS_GEN_FAMILIES_MAX, optarg);
				return EXIT_USAGE;
			}
			o.families = (unsigned)nf;
			break;
		}
		case OPT_TRUTH:
			truth_path = optarg;
			break;
		case OPT_VOICE:
			if (parse_voice(optarg, &o)) {
				cli_error(
					"--voice: want N[:burst|slow|flash[:HOURS"
					"[:AT]]] with 0 < N <= 1000000, 0 < "
					"HOURS <= 240, 0 <= AT < 1; got %s",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			cli_error("option %s needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			cli_error("unknown option %s (see groundswell generate "
				  "--help)",
				  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' (see groundswell generate "
			  "--help)",
			  argv[optind]);
		return EXIT_USAGE;
	}
	if (!hours_given && (o.posts || o.bytes_target))
		o.hours = 0;

	FILE *out = stdout, *truth = NULL;
	if (out_path && strcmp(out_path, "-") != 0) {
		out = fopen(out_path, "wb");
		if (!out) {
			cli_error("%s: %s", out_path, strerror(errno));
			return EXIT_USAGE;
		}
	}
	if (truth_path) {
		truth = fopen(truth_path, "wb");
		if (!truth) {
			cli_error("%s: %s", truth_path, strerror(errno));
			if (out != stdout)
				fclose(out);
			return EXIT_USAGE;
		}
	}
	int rc = gs_generate(out, truth, &o);
	int crc = 0;
	if (out != stdout)
		crc |= fclose(out);
	else
		crc |= fflush(out);
	if (truth)
		crc |= fclose(truth);
	if (rc) {
		cli_error("generate: %s", gs_strerror(rc));
		return EXIT_USAGE;
	}
	if (crc) {
		cli_error("generate: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}
