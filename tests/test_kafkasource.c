/*
 * test_kafkasource.c - serve's Kafka source (src/serve/kafkasource.c)
 * against librdkafka's mock cluster in this process: URLs refused with
 * what is wrong; messages of every partition given once, with the engine of
 * their partition and TOPIC[P]@OFFSET; states published when the source
 * closes, and a source of the same group that starts later resumes from
 * them: it is given nothing again, and its merge has every partition's
 * counts and the event-time clock of the slowest partition. Records of the
 * state topic are untrusted: damaged ones, an older epoch's, chunk sets
 * broken off or claiming a huge size are counted and skipped, and a state
 * in two chunks is read back whole.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "serve/kafkasource.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_le(unsigned char *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* Produces a state chunk (kafkasource.c's version 2 record) to the state
 * topic's partition 0. */
static void chunk(rd_kafka_t *pr, uint32_t p, uint64_t epoch, uint64_t serial,
		  uint32_t seq, uint32_t count, uint64_t total,
		  const void *data, size_t n)
{
	unsigned char *v = calloc(1, 64 + n + 1);
	memcpy(v, "GSKP", 4);
	put_le(v + 4, 2, 4);
	put_le(v + 8, p, 4);
	put_le(v + 16, (uint64_t)-1, 8); /* next: none counted */
	put_le(v + 24, (uint64_t)INT64_MIN, 8);
	put_le(v + 32, epoch, 8);
	put_le(v + 40, serial, 8);
	put_le(v + 48, seq, 4);
	put_le(v + 52, count, 4);
	put_le(v + 56, total, 8);
	if (n)
		memcpy(v + 64, data, n);
	char key[32];
	snprintf(key, sizeof key, "%u/%u", p, seq);
	rd_kafka_producev(
		pr, RD_KAFKA_V_TOPIC("t.gs-state"), RD_KAFKA_V_PARTITION(0),
		RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(v, 64 + n),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END);
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* Reads up to want messages within secs; returns how many, counting each
 * partition's in per[]. */
static int drain(struct gs_kafka *k, int want, double secs, int per[2],
		 int *where_ok)
{
	int got = 0;
	double end = mono() + secs;
	while (got < want && mono() < end) {
		const char *line;
		size_t len;
		struct gs_kafka_counters c = {NULL, NULL, NULL, NULL};
		int r = gs_kafka_next(k, &line, &len, &c);
		if (r != 1) {
			gs_kafka_maintain(k, 0);
			nanosleep(&(struct timespec){0, 20000000}, NULL);
			continue;
		}
		int p = line[0] - '0'; /* the lines say their partition */
		if (p >= 0 && p < 2)
			per[p]++;
		/* a post dated by the line: partition 0 at 1000, 1 at 2000 */
		gs_kafka_saw(k, p == 0 ? 1000 : 2000);
		*where_ok &= c.e != NULL &&
			     !strncmp(gs_kafka_where(k), "t[", 2) &&
			     strchr(gs_kafka_where(k), '@') != NULL;
		got++;
	}
	return got;
}

int main(void)
{
	char err[512];
	struct gs_engine_options eo;
	gs_engine_options_init(&eo);
	struct gs_engine *like = gs_engine_new(&eo);
	const char *bad[] = {"kafka://", "kafka://h:1", "kafka://h:1/",
			     "kafka://h:1/a b", "kafka://h:1/t?x=1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		struct gs_kafka *k =
			gs_kafka_open(bad[i], NULL, like, NULL, NULL, 0, 0,
				      NULL, 0, quiet, NULL, err, sizeof err);
		TAP_OK(!k && strstr(err, "kafka source"), "'%s' refused: %s",
		       bad[i], err);
	}
	TAP_OK(gs_kafka_kind("kafka://h/t") && !gs_kafka_kind("http://h/"),
	       "kafka:// URLs are told apart");

	rd_kafka_conf_t *cf = rd_kafka_conf_new();
	rd_kafka_t *owner =
		rd_kafka_new(RD_KAFKA_PRODUCER, cf, err, sizeof err);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(owner, 1);
	TAP_OK(mc && !rd_kafka_mock_topic_create(mc, "t", 2, 1) &&
		       !rd_kafka_mock_topic_create(mc, "t.gs-state", 2, 1),
	       "a mock cluster with t and t.gs-state");
	const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
	cf = rd_kafka_conf_new();
	rd_kafka_conf_set(cf, "bootstrap.servers", boot, err, sizeof err);
	rd_kafka_t *pr = rd_kafka_new(RD_KAFKA_PRODUCER, cf, err, sizeof err);
	for (int i = 0; i < 5; i++) {
		int p = i < 3 ? 0 : 1;
		char v[8];
		snprintf(v, sizeof v, "%d", p);
		rd_kafka_producev(pr, RD_KAFKA_V_TOPIC("t"),
				  RD_KAFKA_V_PARTITION(p),
				  RD_KAFKA_V_VALUE(v, strlen(v)),
				  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				  RD_KAFKA_V_END);
	}
	TAP_OK(rd_kafka_flush(pr, 10000) == 0, "5 messages produced");

	char conf[] = "/tmp/gs-kafkasource-XXXXXX";
	int fd = mkstemp(conf);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	TAP_OK(f != NULL, "a config file");
	if (f) {
		fputs("session.timeout.ms=6000\nheartbeat.interval.ms=500\n",
		      f);
		fclose(f);
	}
	char url[1024];
	snprintf(url, sizeof url, "kafka://%s/t?group=g", boot);
	struct gs_kafka *k =
		gs_kafka_open(url, conf, like, NULL, NULL, 0, 200, NULL, 0,
			      quiet, NULL, err, sizeof err);
	TAP_OK(k != NULL, "the source opens: %s", k ? "" : err);
	int per[2] = {0, 0}, where_ok = 1;
	int got = k ? drain(k, 5, 30, per, &where_ok) : 0;
	TAP_EQ_INT(got, 5, "every message given");
	TAP_OK(per[0] == 3 && per[1] == 2 && where_ok,
	       "each with its partition's engine and TOPIC[P]@OFFSET");
	struct gs_kafka_info in;
	if (k) {
		gs_kafka_info(k, &in);
		TAP_OK(in.partitions == 2 && in.owned == 2 && in.messages == 5,
		       "info: 2 partitions, both owned, 5 messages");
		gs_kafka_close(k);
	}

	/* untrusted records after the states: a state of partition 9 (one
	 * post, in two chunks, the first set broken off), damaged records,
	 * an older epoch's chunk, a set claiming 512 MB that never ends */
	struct gs_engine *one = gs_engine_new_like(like);
	struct gs_post q;
	memset(&q, 0, sizeof q);
	q.format = GS_FORMAT_TWITTER1;
	q.time_ms = 500;
	q.id = (struct gs_str){"1", 1};
	q.account = (struct gs_str){"7", 1};
	q.ntags = 1;
	q.tags[0] = (struct gs_str){"kafkatest", 9};
	char *snap = NULL;
	size_t sn = 0;
	FILE *sf = open_memstream(&snap, &sn);
	TAP_OK(one && gs_engine_add(one, &q) == 0 && sf &&
		       gs_engine_save(one, sf) == 0 && fclose(sf) == 0 &&
		       sn > 2,
	       "a one-post engine's snapshot (%zu bytes)", sn);
	rd_kafka_producev(pr, RD_KAFKA_V_TOPIC("t.gs-state"),
			  RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE("junk", 4),
			  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			  RD_KAFKA_V_END);
	chunk(pr, 0, 0, 0, 1, 2, 10, "xx", 2);		     /* epoch 0 < 1 */
	chunk(pr, 9, 3, 0, 0, 2, (uint64_t)1 << 31, "x", 1); /* > 1 GB */
	chunk(pr, 9, 3, 0, 0, 2, sn, snap, sn / 2);	     /* broken off by */
	chunk(pr, 9, 3, 1, 0, 2, sn, snap, sn / 2);	     /* a newer set */
	chunk(pr, 9, 3, 1, 1, 2, sn, snap + sn / 2, sn - sn / 2);
	chunk(pr, 8, 3, 0, 0, 3, (uint64_t)1 << 29, "x", 1); /* never ends */
	TAP_OK(rd_kafka_flush(pr, 10000) == 0,
	       "untrusted state records produced");
	free(snap);
	gs_engine_free(one);

	k = gs_kafka_open(url, conf, like, NULL, NULL, 0, 200, NULL, 0, quiet,
			  NULL, err, sizeof err);
	per[0] = per[1] = 0;
	got = k ? drain(k, 1, 8, per, &where_ok) : -1;
	TAP_EQ_INT(
		got, 0,
		"a later source of the group resumes from the states: nothing given again");
	if (k) {
		gs_kafka_info(k, &in);
		TAP_OK(in.owned == 2 && in.with_state == 3,
		       "it owns both partitions, from their states, and holds partition 9's");
		TAP_OK(in.states_bad == 2 && in.stale == 1 &&
			       in.partial_dropped == 1,
		       "damaged records (%llu), an older epoch's (%llu) and a set broken off (%llu) are counted and skipped",
		       (unsigned long long)in.states_bad,
		       (unsigned long long)in.stale,
		       (unsigned long long)in.partial_dropped);
		struct gs_engine *g = gs_engine_new_like(like);
		int64_t clock = 0;
		struct gs_summary sum;
		TAP_OK(gs_kafka_merge(k, g, NULL, NULL, &clock) == 0 &&
			       clock == 1000,
		       "the merge's clock is the slowest partition's latest post");
		gs_engine_summary(g, &sum);
		TAP_EQ_INT(
			(long long)sum.posts, 1,
			"the state in two chunks is read whole: its post merged");
		gs_engine_free(g);
		gs_kafka_close(k);
	}
	rd_kafka_destroy(pr);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(owner);
	gs_engine_free(like);
	remove(conf);
	return TAP_DONE();
}
