/* cmd_serve.c - "groundswell serve": trends as they happen, over HTTP. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "serve/netsource.h"
#include "common.h"
#include "conflict.h"
#include "serve/server.h"
#include "base/timeutil.h"
#include "count/langs.h"
#include "detect/trend.h"

/* Bounds of serve's own options (the messages state them). */
#define LATENESS_MAX	1000000 /* buckets */
#define CONNECTIONS_MAX 100000
#define TIMEOUT_MIN_MS	1000	 /* 1s */
#define TIMEOUT_MAX_MS	86400000 /* 1d */
#define REQUEST_MIN	4096	 /* bytes of headers, and of a body */
#define REQUEST_MAX	(1 << 24)
#define BACKLOG_MAX	1000000 /* stream events */
#define SNAPSHOT_MIN_MS 1000	/* 1s */
#define TAG_EDGES_MIN	1024	/* a network's least max_edges */
#define TAG_EDGES_MAX	100000000

static const char help[] =
	"usage: groundswell serve --source PATH|-|URL [--source ...] [OPTIONS]\n"
	"\n"
	"Examples:\n"
	"  groundswell serve --source /data/firehose.jsonl --listen 127.0.0.1:8080\n"
	"  groundswell generate --hours 48 --rate 5 | groundswell serve --source -\n"
	"  curl -s 'http://127.0.0.1:8080/api/v1/trends/tags?limit=5'\n"
	"  curl -sN http://127.0.0.1:8080/api/groundswell/v1/stream\n"
	"\n"
	"Follows the sources (files like 'tail -F', surviving rotation and\n"
	"truncation; - for stdin), counts every post as it arrives and judges each\n"
	"bucket as soon as it is closed, and serves the trends over HTTP: Mastodon's\n"
	"GET /api/v1/trends/tags, groundswell's JSON API under /api/groundswell/v1/\n"
	"(trends, tags/NAME, stats, network: who addressed whom, stream:\n"
	"server-sent events), /metrics for\n"
	"Prometheus. Buckets close on event time: a bucket is judged when a post\n"
	"arrives from a bucket more than --lateness buckets after it; later posts\n"
	"are still counted, and reported as late. SIGINT or SIGTERM stop it.\n"
	"\n"
	"Sources:\n"
	"  -s, --source PATH        a file to follow (a missing one is warned about\n"
	"                           and read once it appears), or - for stdin\n"
	"                           (repeatable), or\n"
	"                           wss://HOST/subscribe?wantedCollections=... (Bluesky\n"
	"                           Jetstream; ws:// too), or\n"
	"                           https://HOST/api/v1/streaming/public (Mastodon\n"
	"                           streaming; http:// too); both reconnect with backoff\n"
	"                           kafka://BROKER[,BROKER...]/TOPIC?group=GROUP: a\n"
	"                           Kafka topic, one line a message; the instances\n"
	"                           of a group share its partitions and each serves\n"
	"                           the answer of all of them (docs/kafka.md); the\n"
	"                           only source, without --state\n"
	"      --kafka-config FILE  librdkafka properties (key=value lines: TLS,\n"
	"                           SASL, tuning) for a kafka:// source\n"
	"      --kafka-publish D    publish each moving partition's state this often\n"
	"                           (default 1s)\n"
	"      --token-file FILE    Mastodon access token (else $GS_MASTODON_TOKEN)\n"
	"      --lateness N         buckets a post may come late (default 1)\n"
	"      --close-idle D       judge the open buckets once every source has been\n"
	"                           idle for D, e.g. 5s (default: never)\n"
	"  -f, --input-format F     twitter1, twitter2, jetstream, mastodon or auto\n"
	"  -b, --bucket D           bucket: 5m, 1h, 1d... (default 1h)\n"
	"      --max-line N, --max-tags N, --max-memory SIZE, --hll-precision P,\n"
	"      --show-errors N, --window-from T, --window-to T\n"
	"                           as for 'groundswell report' (but no --window-to\n"
	"                           by default: future_posts are set aside)\n"
	"      --since T, --until T, --lang CODE[,CODE], --accounts FILE,\n"
	"      --exclude-accounts FILE, --exclude-ids FILE\n"
	"                           filters, as for 'groundswell report'; /stats\n"
	"                           counts what they leave out\n"
	"Trend detection (as 'groundswell trends'):\n"
	"      --scorer S, --halflife N, --threshold Z, --end-threshold Z,\n"
	"      --noise-floor B, --min-accounts N, --warmup N, --posts-threshold N,\n"
	"      --mastodon-threshold S\n"
	"Networks (GET .../network):\n"
	"      --tag-network-edges N  edges (and nodes) of the one table that holds\n"
	"                           every tag's who-addressed-whom network, for\n"
	"                           network?tag=NAME (default 100000, about 25 MB;\n"
	"                           0: off). The lightest tenth is evicted when full\n"
	"Deletions (Jetstream and Mastodon deletes, Twitter delete notices):\n"
	"      --retract-window SIZE  memory of the table of recent posts that a\n"
	"                           delete retracts from the counts (default 128M,\n"
	"                           about 600,000 Bluesky posts; 0: deletes are\n"
	"                           only counted)\n"
	"Languages (docs/languages.md):\n"
	"      --by-language        count each language apart, with its own\n"
	"                           baseline, for ?language=CODE on .../trends and\n"
	"                           /api/v1/trends/tags, and .../languages\n"
	"      --max-languages N    languages tracked, the first to appear\n"
	"                           (default 32; implies --by-language)\n"
	"HTTP:\n"
	"  -l, --listen ADDR:PORT   default 127.0.0.1:8080 (loopback); port 0 picks\n"
	"                           a free port\n"
	"      --port-file FILE     write the port listened on to FILE\n"
	"      --public-url URL     base of Tag urls and Link headers\n"
	"                           (default http://ADDR:PORT)\n"
	"      --cors ORIGIN        allow browsers from ORIGIN (or *) to read\n"
	"      --max-connections N  connections at once (default 128); one more is\n"
	"                           closed as soon as it is accepted\n"
	"      --max-connections-per-address N  of them, those of one client\n"
	"                           address, an IPv6 /64 (default 16, at most\n"
	"                           --max-connections)\n"
	"      --max-streams N      of them, event streams (default half of\n"
	"                           --max-connections; less than it: the other slots\n"
	"                           answer the API); one more stream gets a 503\n"
	"      --timeout D          a request, headers and body, must have arrived\n"
	"                           within D of the connection's opening or of its\n"
	"                           previous answer, and idle connections are closed\n"
	"                           after D (default 30s)\n"
	"      --max-request N      bytes of request headers, and of a body (16384)\n"
	"      --max-answer SIZE    bytes of a /tags/NAME or /network answer; a\n"
	"                           larger one is refused with 413 (64M)\n"
	"      --stream-backlog N   stream events kept for Last-Event-ID (1024)\n"
	"Moderation:\n"
	"      --require-approval   trends are hidden until an admin approves them\n"
	"      --admin-token-file FILE  bearer token of the admin API (without it,\n"
	"                           the admin API is off)\n"
	"      --admin-log FILE     append every admin action (replayed at start)\n"
	"      --pseudonymize-key-file FILE  pseudonymise account ids in answers\n"
	"Durability:\n"
	"      --state DIR          snapshot the counts, the detector and each file\n"
	"                           source's position into DIR; restore them at start\n"
	"                           and resume the files where they were left\n"
	"      --snapshot-every D   how often (default 30s; and when stopping)\n";

static int read_secret(const char *path, char *buf, size_t cap, const char *what)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_error("cannot read %s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		cli_error("warning: %s '%s' is readable by others (chmod 600)", what, path);
	size_t k = fread(buf, 1, cap - 1, f);
	fclose(f);
	while (k && (buf[k - 1] == '\n' || buf[k - 1] == '\r' || buf[k - 1] == ' '))
		k--;
	buf[k] = 0;
	if (!k || strlen(buf) != k) {
		cli_error("%s '%s' is empty or not text", what, path);
		return -1;
	}
	return 0;
}

static int write_port(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option head[] = {
		{"help", no_argument, NULL, 'h'},
		{"source", required_argument, NULL, 's'},
		{"listen", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	static const struct option tail[] = {
		{"lateness", required_argument, NULL, OPT_LATENESS},
		{"close-idle", required_argument, NULL, OPT_CLOSE_IDLE},
		{"port-file", required_argument, NULL, OPT_PORT_FILE},
		{"public-url", required_argument, NULL, OPT_PUBLIC_URL},
		{"cors", required_argument, NULL, OPT_CORS},
		{"max-connections", required_argument, NULL,
		 OPT_MAX_CONNECTIONS},
		{"max-connections-per-address", required_argument, NULL,
		 OPT_MAX_PER_ADDRESS},
		{"max-streams", required_argument, NULL, OPT_MAX_STREAMS},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"max-request", required_argument, NULL, OPT_MAX_REQUEST},
		{"max-answer", required_argument, NULL, OPT_MAX_ANSWER},
		{"stream-backlog", required_argument, NULL, OPT_STREAM_BACKLOG},
		{"require-approval", no_argument, NULL, OPT_REQUIRE_APPROVAL},
		{"admin-token-file", required_argument, NULL,
		 OPT_ADMIN_TOKEN_FILE},
		{"admin-log", required_argument, NULL, OPT_ADMIN_LOG},
		{"state", required_argument, NULL, OPT_STATE},
		{"snapshot-every", required_argument, NULL, OPT_SNAPSHOT_EVERY},
		{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
		{"tag-network-edges", required_argument, NULL,
		 OPT_TAG_NETWORK_EDGES},
		{"retract-window", required_argument, NULL, OPT_RETRACT_WINDOW},
		{"by-language", no_argument, NULL, OPT_BY_LANGUAGE},
		{"max-languages", required_argument, NULL, OPT_MAX_LANGUAGES},
		{"kafka-config", required_argument, NULL, OPT_KAFKA_CONFIG},
		{"kafka-publish", required_argument, NULL, OPT_KAFKA_PUBLISH},
		{NULL, 0, NULL, 0},
	};
	struct cli_options opts;
	cli_options_init(&opts);
	cli_options_add(&opts, head);
	cli_options_add_common(&opts, CLI_COMMON_SERVE);
	cli_options_add_trend(&opts);
	cli_options_add(&opts, tail);
	struct cli_common c;
	struct gs_server_options so;
	const char **sources = calloc((size_t)argc + 1, sizeof *sources);
	const char *port_file = NULL;
	char token[1024], mtoken[4096];
	int have_token = 0, have_mtoken = 0, o, rc = EXIT_USAGE;
	struct cli_given g = {0};
	if (!sources) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	cli_common_init(&c);
	gs_server_options_init(&so);
	so.sources = sources;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hs:l:" CLI_COMMON_SHORT, opts.v,
				NULL)) != -1) {
		uint64_t n;
		int64_t ms;
		if (cli_given_option(&g, o))
			goto out;
		switch (o) {
		case 'h':
			fputs(help, stdout);
			rc = 0;
			goto out;
		case 's': sources[so.nsources++] = optarg; continue;
		case 'l': so.listen = optarg; continue;
		case OPT_LATENESS:
			if (cli_parse_count(optarg, 0, LATENESS_MAX, &n)) {
				cli_error("invalid --lateness '%s' (buckets, 0 or more)", optarg);
				goto out;
			}
			so.lateness = (int64_t)n;
			continue;
		case OPT_CLOSE_IDLE:
			if (gs_duration_parse(optarg, &ms)) {
				cli_error("invalid --close-idle '%s' (e.g. 5s)", optarg);
				goto out;
			}
			so.close_idle_ms = ms;
			continue;
		case OPT_PORT_FILE:
			port_file = optarg;
			continue;
		case OPT_PUBLIC_URL:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				cli_error("invalid --public-url '%s' (http:// or https://)", optarg);
				goto out;
			}
			so.public_url = optarg;
			continue;
		case OPT_CORS:
			so.cors = optarg;
			continue;
		case OPT_MAX_CONNECTIONS:
			if (cli_parse_count(optarg, 1, CONNECTIONS_MAX, &n)) {
				cli_error("invalid --max-connections '%s'", optarg);
				goto out;
			}
			so.max_connections = (unsigned)n;
			continue;
		case OPT_MAX_PER_ADDRESS:
			if (cli_parse_count(optarg, 1, CONNECTIONS_MAX, &n)) {
				cli_error(
					"invalid --max-connections-per-address '%s'",
					optarg);
				goto out;
			}
			so.max_per_address = (unsigned)n;
			continue;
		case OPT_MAX_STREAMS:
			if (cli_parse_count(optarg, 1, CONNECTIONS_MAX, &n)) {
				cli_error("invalid --max-streams '%s'", optarg);
				goto out;
			}
			so.max_streams = (unsigned)n;
			continue;
		case OPT_TIMEOUT:
			if (gs_duration_parse(optarg, &ms) ||
			    ms < TIMEOUT_MIN_MS || ms > TIMEOUT_MAX_MS) {
				cli_error("invalid --timeout '%s' (1s to 1d)", optarg);
				goto out;
			}
			so.timeout_s = (unsigned)(ms / 1000);
			continue;
		case OPT_MAX_REQUEST:
			if (cli_parse_count(optarg, REQUEST_MIN, REQUEST_MAX,
					    &n)) {
				cli_error(
					"invalid --max-request '%s' (%d to %d)",
					optarg, REQUEST_MIN, REQUEST_MAX);
				goto out;
			}
			so.max_request = (size_t)n;
			continue;
		case OPT_MAX_ANSWER: {
			size_t z;
			if (cli_parse_size(optarg, &z) || z < 1024 ||
			    z > ((size_t)1 << 30)) {
				cli_error(
					"invalid --max-answer '%s' (a size such as 64M, from 1K to 1G)",
					optarg);
				goto out;
			}
			so.max_answer = z;
			continue;
		}
		case OPT_STREAM_BACKLOG:
			if (cli_parse_count(optarg, 0, BACKLOG_MAX, &n)) {
				cli_error("invalid --stream-backlog '%s'", optarg);
				goto out;
			}
			so.stream_backlog = (size_t)n;
			continue;
		case OPT_REQUIRE_APPROVAL:
			so.require_approval = 1;
			continue;
		case OPT_ADMIN_TOKEN_FILE:
			if (read_secret(optarg, token, sizeof token, "admin token file"))
				goto out;
			have_token = 1;
			continue;
		case OPT_ADMIN_LOG:
			so.admin_log = optarg;
			continue;
		case OPT_STATE:
			so.state_dir = optarg;
			continue;
		case OPT_SNAPSHOT_EVERY:
			if (gs_duration_parse(optarg, &ms) ||
			    ms < SNAPSHOT_MIN_MS) {
				cli_error("invalid --snapshot-every '%s' (1s or more)", optarg);
				goto out;
			}
			so.snapshot_every_ms = ms;
			continue;
		case OPT_TOKEN_FILE:
			if (read_secret(optarg, mtoken, sizeof mtoken, "token file"))
				goto out;
			have_mtoken = 1;
			continue;
		case OPT_TAG_NETWORK_EDGES:
			if (cli_parse_count(optarg, 0, TAG_EDGES_MAX, &n) ||
			    (n && n < TAG_EDGES_MIN)) {
				cli_error(
					"invalid --tag-network-edges '%s' (0, or %d to %d)",
					optarg, TAG_EDGES_MIN, TAG_EDGES_MAX);
				goto out;
			}
			so.tag_network_edges = (size_t)n;
			continue;
		case OPT_RETRACT_WINDOW: {
			size_t z;
			if (cli_parse_size(optarg, &z) ||
			    (z && (z < 65536 || z > ((size_t)16 << 30)))) {
				cli_error(
					"invalid --retract-window '%s' (0, or a size such as 128M, from 64K to 16G)",
					optarg);
				goto out;
			}
			so.retract_window = z;
			continue;
		}
		case OPT_BY_LANGUAGE: /* issue 13 part 3 */
			if (!so.languages)
				so.languages = GS_LANGS_DEFAULT_MAX;
			continue;
		case OPT_MAX_LANGUAGES: {
			uint64_t v;
			if (cli_parse_count(optarg, 1, GS_LANGS_MAX, &v)) {
				cli_error(
					"invalid --max-languages '%s' (1 to %d)",
					optarg, GS_LANGS_MAX);
				goto out;
			}
			so.languages = (size_t)v;
			continue;
		}
		case OPT_KAFKA_CONFIG:
			so.kafka_config = optarg;
			continue;
		case OPT_KAFKA_PUBLISH:
			if (gs_duration_parse(optarg, &ms) || ms < 100) {
				cli_error(
					"invalid --kafka-publish '%s' (100ms or more, e.g. 1s)",
					optarg);
				goto out;
			}
			so.kafka_publish_ms = ms;
			continue;
		}
		if (cli_take_shared(&c, NULL, &so.trend, o, optarg, "serve"))
			goto out;
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' (sources are given with --source)", argv[optind]);
		goto out;
	}
	if (cli_given_check_scorer(&g, so.trend.scorer))
		goto out;
	if (so.max_streams && so.max_streams >= so.max_connections) {
		cli_error(
			"invalid --max-streams '%u' (less than --max-connections, %u: "
			"the other connections answer the API)",
			so.max_streams, so.max_connections);
		goto out;
	}
	if (!so.nsources) {
		cli_error("no source (give --source PATH or --source -; see --help)");
		goto out;
	}
	so.engine = c.eng;
	so.format = c.ing.format;
	so.max_line = c.ing.max_line;
	/* no upper bound unless given: future_posts sets aside what is dated
	 * over a day after the clock as the clock moves on */
	so.window_from = c.ing.window_from;
	so.window_to = c.window_to_given ? c.ing.window_to : INT64_MAX;
	if (so.window_from > so.window_to) {
		cli_error("--window-from is after --window-to");
		goto out;
	}
	if (cli_filter_ready(&c))
		goto out;
	so.filter = c.ing.filter;
	so.show_errors = c.ing.max_shown;
	so.pseudo = c.have_pseudo ? &c.pseudo : NULL;
	so.admin_token = have_token ? token : NULL;
	so.log = stderr;
	if (!have_mtoken && getenv("GS_MASTODON_TOKEN") && *getenv("GS_MASTODON_TOKEN")) {
		snprintf(mtoken, sizeof mtoken, "%s", getenv("GS_MASTODON_TOKEN"));
		have_mtoken = 1;
	}
	gs_net_set_token(have_mtoken ? mtoken : NULL);

	/* signals are taken by this thread alone */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct gs_server *s;
	char err[512];
	if (gs_server_start(&so, &s, err, sizeof err) != 0) {
		cli_error("%s", err);
		goto out;
	}
	if (port_file && write_port(port_file, gs_server_port(s)) != 0) {
		cli_error("cannot write '%s': %s", port_file, strerror(errno));
		gs_server_stop(s);
		goto out;
	}
	fprintf(stderr, "groundswell: listening on port %u, %zu source%s\n", gs_server_port(s),
		so.nsources, so.nsources == 1 ? "" : "s");
	for (;;) {
		struct timespec ts = {0, 250 * 1000000L};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			fprintf(stderr, "groundswell: %s, stopping\n",
				sig == SIGINT ? "interrupted" : "terminated");
			break;
		}
		gs_server_tick(s);
	}
	rc = gs_server_stop(s) ? EXIT_USAGE : 0;
out:
	if (have_token)
		memset(token, 0, sizeof token);
	if (have_mtoken)
		memset(mtoken, 0, sizeof mtoken);
	gs_net_set_token(NULL);
	free(sources);
	cli_common_release(&c);
	return rc;
}
