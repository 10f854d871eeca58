/*
 * test_kafkasource.c - serve's Kafka source (src/serve/kafkasource.c)
 * against librdkafka's mock cluster in this process: URLs refused with
 * what is wrong; messages of every partition given once, with the engine of
 * their partition and TOPIC[P]@OFFSET; states published when the source
 * closes, and a source of the same group that starts later resumes from
 * them: it is given nothing again, and its merge has every partition's
 * counts and the event-time clock of the slowest partition.
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
		struct gs_kafka_counters c = {NULL, NULL, NULL};
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
				      quiet, NULL, err, sizeof err);
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
	struct gs_kafka *k = gs_kafka_open(url, conf, like, NULL, NULL, 0, 200,
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

	k = gs_kafka_open(url, conf, like, NULL, NULL, 0, 200, quiet, NULL, err,
			  sizeof err);
	per[0] = per[1] = 0;
	got = k ? drain(k, 1, 8, per, &where_ok) : -1;
	TAP_EQ_INT(
		got, 0,
		"a later source of the group resumes from the states: nothing given again");
	if (k) {
		gs_kafka_info(k, &in);
		TAP_OK(in.owned == 2 && in.with_state == 2,
		       "it owns both partitions, from their states");
		struct gs_engine *g = gs_engine_new_like(like);
		int64_t clock = 0;
		TAP_OK(gs_kafka_merge(k, g, NULL, NULL, &clock) == 0 &&
			       clock == 1000,
		       "the merge's clock is the slowest partition's latest post");
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
