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
 *   replay-first                  a zombie's writes: reads the state topic
 *                                 to its end and writes again, after the
 *                                 rest, the first whole state of each
 *                                 input partition (its chunks, same keys
 *                                 and values: kafkasource.c's format);
 *                                 answers "replayed K" (records)
 *   quit (or the end of input)    stops the cluster
 * Exits 1 when the cluster cannot be made or a file read, 2 on usage.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES (1u << 20)
#define REPLAY_PARTS   4096

struct rec {
	void *key, *val;
	size_t kn, vn;
	int32_t part;
};

struct first {
	struct rec *r;
	size_t n;
	int done;
};

static uint32_t u32le(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* The first whole state of each input partition in the state topic
 * (records of version 2: "GSKP", u32 2, u32 partition at 8, u32 seq at 48
 * and u32 count at 52), produced again; the records, or -1. */
static int replay_first(const char *boot, rd_kafka_t *p, const char *state,
			int parts)
{
	char err[512];
	rd_kafka_conf_t *cf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(cf, "bootstrap.servers", boot, err, sizeof err) ||
	    rd_kafka_conf_set(cf, "group.id", "kafka-mock-replay", err,
			      sizeof err) ||
	    rd_kafka_conf_set(cf, "enable.partition.eof", "true", err,
			      sizeof err)) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return -1;
	}
	rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cf, err, sizeof err);
	if (!c) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return -1;
	}
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(parts);
	for (int i = 0; i < parts; i++)
		rd_kafka_topic_partition_list_add(l, state, i)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(c, l);
	rd_kafka_topic_partition_list_destroy(l);
	struct first *f = calloc(REPLAY_PARTS, sizeof *f);
	int eofs = 0, idle = 0;
	while (f && eofs < parts && idle < 100) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
		if (!m) {
			idle++;
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eofs++;
		const unsigned char *b = m->payload;
		uint32_t ip = b && m->len >= 64 ? u32le(b + 8) : REPLAY_PARTS;
		if (!m->err && b && m->len >= 64 && !memcmp(b, "GSKP", 4) &&
		    u32le(b + 4) == 2 && ip < REPLAY_PARTS && !f[ip].done) {
			struct first *x = &f[ip];
			uint32_t seq = u32le(b + 48), count = u32le(b + 52);
			if (seq == 0)
				x->n = 0; /* (a set whose start is gone: anew)
					   */
			struct rec *nr = realloc(x->r, (x->n + 1) * sizeof *nr);
			if (nr) {
				x->r = nr;
				struct rec *r = &nr[x->n++];
				r->kn = m->key_len;
				r->vn = m->len;
				r->key = malloc(r->kn ? r->kn : 1);
				r->val = malloc(r->vn);
				memcpy(r->key, m->key, r->kn);
				memcpy(r->val, b, r->vn);
				r->part = m->partition;
			}
			if (seq + 1 == count)
				x->done = 1;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_destroy(c);
	int sent = 0;
	for (int i = 0; f && i < REPLAY_PARTS; i++) {
		for (size_t j = 0; j < f[i].n; j++) {
			struct rec *r = &f[i].r[j];
			if (f[i].done &&
			    !rd_kafka_producev(
				    p, RD_KAFKA_V_TOPIC(state),
				    RD_KAFKA_V_PARTITION(r->part),
				    RD_KAFKA_V_KEY(r->key, r->kn),
				    RD_KAFKA_V_VALUE(r->val, r->vn),
				    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				    RD_KAFKA_V_END))
				sent++;
			free(r->key);
			free(r->val);
		}
		free(f[i].r);
	}
	free(f);
	while (rd_kafka_flush(p, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT)
		;
	return sent;
}

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
		if (!strncmp(cmd, "replay-first", 12)) {
			int n = replay_first(boot, p, state, parts);
			if (n < 0) {
				rc = 1;
				break;
			}
			printf("replayed %d\n", n);
		} else if (sscanf(cmd, "produce %4095s %ld %ld", path, &first,
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
