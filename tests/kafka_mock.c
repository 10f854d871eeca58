/*
 * kafka_mock.c - a Kafka cluster for the tests and the bench (issue 14):
 * librdkafka's mock cluster (rdkafka_mock.h, brokers on loopback TCP, in
 * this process), with the input topic and its state topic (TOPIC.gs-state,
 * as many partitions) made, and a producer of files' lines.
 *
 *   kafka_mock [--brokers N] [--partitions N] TOPIC
 *
 * prints the bootstrap servers on a line of its own, then reads commands
 * on standard input, one a line, answering each on standard output:
 *   produce FILE [FIRST [COUNT]]  lines FIRST.. (0-based, COUNT of them;
 *                                 default all) of FILE, line i to
 *                                 partition i mod N, so that each
 *                                 partition has the file's order; answers
 *                                 "produced K" once the brokers have them
 *   quit (or the end of input)    stops the cluster
 * Exits 1 when the cluster cannot be made or a file read, 2 on usage.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES (1u << 20)

static int produce(rd_kafka_t *p, const char *topic, int parts,
		   const char *path, long first, long count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "kafka_mock: cannot read '%s'\n", path);
		return -1;
	}
	char *line = malloc(LINE_MAX_BYTES);
	long i = 0, sent = 0;
	while (line && fgets(line, LINE_MAX_BYTES, f)) {
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		long at = i++;
		if (at < first || (count >= 0 && at >= first + count))
			continue;
		for (;;) {
			rd_kafka_resp_err_t e = rd_kafka_producev(
				p, RD_KAFKA_V_TOPIC(topic),
				RD_KAFKA_V_PARTITION((int32_t)(at % parts)),
				RD_KAFKA_V_VALUE(line, n),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END);
			if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
				rd_kafka_poll(p, 50);
				continue;
			}
			if (e) {
				fprintf(stderr, "kafka_mock: %s\n",
					rd_kafka_err2str(e));
				free(line);
				fclose(f);
				return -1;
			}
			break;
		}
		sent++;
		rd_kafka_poll(p, 0);
	}
	free(line);
	fclose(f);
	while (rd_kafka_flush(p, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT)
		;
	return (int)sent;
}

int main(int argc, char **argv)
{
	int brokers = 3, parts = 8, a = 1;
	for (; a + 1 < argc && !strncmp(argv[a], "--", 2); a += 2) {
		if (!strcmp(argv[a], "--brokers"))
			brokers = atoi(argv[a + 1]);
		else if (!strcmp(argv[a], "--partitions"))
			parts = atoi(argv[a + 1]);
		else
			break;
	}
	if (a != argc - 1 || brokers < 1 || parts < 1) {
		fprintf(stderr,
			"usage: kafka_mock [--brokers N] [--partitions N] TOPIC\n");
		return 2;
	}
	const char *topic = argv[a];
	char err[512], state[512];
	snprintf(state, sizeof state, "%s.gs-state", topic);
	rd_kafka_conf_t *cf = rd_kafka_conf_new();
	rd_kafka_t *owner =
		rd_kafka_new(RD_KAFKA_PRODUCER, cf, err, sizeof err);
	if (!owner) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(owner, brokers);
	if (!mc || rd_kafka_mock_topic_create(mc, topic, parts, 1) ||
	    rd_kafka_mock_topic_create(mc, state, parts, 1)) {
		fprintf(stderr, "kafka_mock: cannot make the cluster\n");
		return 1;
	}
	const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
	cf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(cf, "bootstrap.servers", boot, err, sizeof err) ||
	    rd_kafka_conf_set(cf, "linger.ms", "20", err, sizeof err) ||
	    /* as producers do; the mock keeps about 5 MB a partition */
	    rd_kafka_conf_set(cf, "compression.codec", "zstd", err,
			      sizeof err)) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return 1;
	}
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, cf, err, sizeof err);
	if (!p) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return 1;
	}
	printf("%s\n", boot);
	fflush(stdout);
	char cmd[8192];
	int rc = 0;
	while (fgets(cmd, sizeof cmd, stdin)) {
		char path[4096];
		long first = 0, count = -1;
		if (!strncmp(cmd, "quit", 4))
			break;
		if (sscanf(cmd, "produce %4095s %ld %ld", path, &first,
			   &count) >= 1) {
			int n = produce(p, topic, parts, path, first, count);
			if (n < 0) {
				rc = 1;
				break;
			}
			printf("produced %d\n", n);
		} else {
			printf("error: unknown command\n");
		}
		fflush(stdout);
	}
	rd_kafka_flush(p, 5000);
	rd_kafka_destroy(p);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(owner);
	return rc;
}
