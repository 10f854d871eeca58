/*
 * kafkasource.c - a Kafka topic as serve's source, with per-partition state
 * kept in Kafka (kafkasource.h; the design: docs/kafka.md).
 *
 * Three librdkafka clients: the group consumer of the input topic, a
 * producer of states, and a reader of the state topic (no group: it reads
 * every partition of TOPIC.gs-state from its beginning, always). A
 * partition's state is the bytes of its engine's snapshot (gs_engine_save)
 * followed by those of its networks (gs_network_save; flags say which),
 * split into chunks of at most the producer's message.max.bytes: one
 * record each (the format and its assembly: count/partstate.h), keyed
 * "P/SEQ" (input partition, chunk number) so that a compacted topic keeps
 * the latest chunk of each number, and sent to state partition P mod (its
 * partitions): co-partitioned as Kafka Streams' changelogs, so that a
 * partition's chunks keep their order. A set in assembly holds at most
 * GS_PARTSTATE_MAX bytes, all sets together at most PENDING_MAX_BYTES.
 * Once a publication has fewer chunks than the previous one, tombstones
 * delete the keys of the chunks it no longer has.
 * Records are untrusted: a bad one is counted (states_bad) and skipped.
 *
 * Order of what is durable: a partition's engine and the offset of the
 * next message it has not counted travel in one state, so a new owner
 * that resumes at that offset from that state counts every message once.
 * Offsets are committed to the group (for lag monitoring; resumption uses
 * the state's) only once every chunk of the state is acknowledged.
 *
 * Fencing: a partition's epoch is one more than the highest epoch its
 * new owner has read for it (after reading the state topic to its end;
 * whole states it could not load count too, but only loaded ones fence),
 * and every state it publishes carries it; it publishes a state at once
 * (a claim). Readers keep the highest epoch seen per partition and ignore
 * states of a lower one; an owner that reads a higher one stops counting
 * and publishing the partition (it lost it); an owner that reads a lower
 * one after its own publishes again, so that compaction keeps its state.
 * An assignment lost (the session expired) is dropped without publishing.
 */
#include "kafkasource.h"
#include "count/partstate.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STATE_SUFFIX	  ".gs-state"
#define POLL_MAX	  1024 /* messages looked at per gs_kafka_next call */
#define CATCH_UP_MS	  30000
#define CLOSE_MS	  15000		    /* leaving the group, at most */
#define PENDING_MAX_BYTES ((size_t)2 << 30) /* all sets in assembly */
#define CHUNK_OVERHEAD	  512	    /* a record's bytes beside its value */
#define CHUNK_DEFAULT	  "1000000" /* message.max.bytes, brokers' default */
#define CONF_LINE_MAX	  4096

struct part {
	struct gs_engine *e; /* NULL: no state yet */
	struct gs_network *net, *tagnet; /* NULL: none kept, or none in the
					    state */
	int64_t next;	     /* offset of the first message not counted in e
				(-1: none counted) */
	int64_t max_ms;	     /* latest post time counted; INT64_MIN: none */
	int owned;	     /* assigned to this instance now */
	int moved;	     /* counted since its last publication */
	int64_t acked;	     /* owned: the next offset of the latest
				acknowledged state, to commit (-1: none) */
	int64_t committed;   /* ... and the last one committed */
	uint64_t epoch;	     /* the highest epoch seen for it; owned: this
				instance's */
	uint64_t serial;     /* owned: states published in this epoch;
				else: the serial of the state taken */
	uint64_t refused_epoch; /* the highest epoch of a whole state that
				   did not load (sealed without our key, or
				   the other way round): a new owner's epoch
				   passes it too, so that its states are not
				   taken for replays of that writer's */
	uint32_t chunks;     /* of the latest state written or taken */
	struct gs_partstate_set pd; /* a state in assembly */
	struct gs_recent recent;    /* owned: its posts counted since it was
				       assigned, for deletes */
};

/* One publication in flight: its chunks' delivery reports count down. */
struct ticket {
	struct gs_kafka *k;
	int32_t p;
	int64_t next;
	uint64_t epoch;
	uint32_t left;
	int failed;
};

struct gs_kafka {
	rd_kafka_t *c;	/* the group consumer of the input */
	rd_kafka_t *pr; /* the states' producer */
	rd_kafka_t *sr; /* the state topic's reader */
	char *topic, *state_topic;
	struct gs_engine *tmpl; /* empty, the options of every engine */
	struct gs_network *net_tmpl, *tagnet_tmpl; /* ... networks, or NULL */
	size_t chunk; /* a record's most value bytes, head included */
	struct gs_partstate_pool pool;	     /* held by sets in assembly */
	unsigned char key[GS_PARTSTATE_KEY]; /* sealed: states are sealed */
	int sealed;
	size_t retract_window; /* recent posts' bytes, all partitions */
	int net_mismatch_said;
	size_t max_line;
	int64_t publish_ms;
	struct part *parts;
	size_t nparts;	    /* parts allocated */
	size_t topic_parts; /* of the input topic, from its metadata */
	rd_kafka_message_t *msg;
	rd_kafka_queue_t *q; /* the consumer's, written to wake[1] when it
				gets messages: the pipeline polls wake[0] */
	int wake[2];
	int32_t cur;
	int64_t *state_end; /* the next offset to read of each partition of
			       the state topic */
	size_t sparts;	    /* its partitions */
	double last_publish, last_meta;
	int changed;
	char where[512];
	struct gs_kafka_info st;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
say(struct gs_kafka *k, const char *fmt, ...)
{
	if (!k->log)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	k->log(k->log_ctx, buf);
}

int gs_kafka_kind(const char *path)
{
	return path && !strncmp(path, "kafka://", 8);
}

/* The part of partition p, grown to hold it; NULL when p is out of range
 * or memory is short. */
static struct part *part_at(struct gs_kafka *k, int32_t p)
{
	if (p < 0 || p >= GS_KAFKA_MAX_PARTITIONS)
		return NULL;
	if ((size_t)p >= k->nparts) {
		size_t n = (size_t)p + 1 < 8 ? 8 : (size_t)p + 1;
		struct part *v = realloc(k->parts, n * sizeof *v);
		if (!v)
			return NULL;
		for (size_t i = k->nparts; i < n; i++)
			v[i] = (struct part){.next = -1,
					     .max_ms = INT64_MIN,
					     .acked = -1,
					     .committed = -1};
		k->parts = v;
		k->nparts = n;
	}
	return &k->parts[p];
}

/* ---- configuration ------------------------------------------------------ */

static int conf_set(rd_kafka_conf_t *cf, const char *key, const char *val,
		    char *err, size_t errlen)
{
	char e[256];
	if (rd_kafka_conf_set(cf, key, val, e, sizeof e) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka property '%.64s': %s", key, e);
		return -1;
	}
	return 0;
}

/* Applies the key=value lines of path ("#" comments, blank lines). */
static int conf_file(rd_kafka_conf_t *cf, const char *path, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	char line[CONF_LINE_MAX];
	unsigned no = 0;
	int r = 0;
	while (!r && fgets(line, sizeof line, f)) {
		no++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			snprintf(err, errlen, "%s:%u: line too long", path, no);
			r = -1;
			break;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
			     line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = 0;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen,
				 "%s:%u: expected key=value, found '%.60s'",
				 path, no, s);
			r = -1;
			break;
		}
		char *ke = eq;
		while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		*ke = 0;
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		char e[384];
		if (conf_set(cf, s, v, e, sizeof e)) {
			snprintf(err, errlen, "%.100s:%u: %s", path, no, e);
			r = -1;
		}
	}
	fclose(f);
	return r;
}

/* A client's configuration: defaults, then the user's file, then the
 * brokers (the URL's word is the last). NULL with err set. */
static rd_kafka_conf_t *conf_new(const char *brokers, const char *file,
				 const char *const *defaults, char *err,
				 size_t errlen)
{
	rd_kafka_conf_t *cf = rd_kafka_conf_new();
	if (!cf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; defaults[i]; i += 2)
		if (conf_set(cf, defaults[i], defaults[i + 1], err, errlen))
			goto fail;
	if (file && conf_file(cf, file, err, errlen))
		goto fail;
	if (conf_set(cf, "bootstrap.servers", brokers, err, errlen))
		goto fail;
	return cf;
fail:
	rd_kafka_conf_destroy(cf);
	return NULL;
}

/* kafka://BROKERS/TOPIC?group=GROUP into its parts (malloc'd). */
static int parse_url(const char *url, char **brokers, char **topic,
		     char **group, char *err, size_t errlen)
{
	const char *b = url + 8, *sl = strchr(b, '/');
	if (!sl || sl == b) {
		snprintf(
			err, errlen,
			"invalid kafka source '%s' (kafka://BROKER[,BROKER...]/TOPIC?group=GROUP)",
			url);
		return -1;
	}
	const char *t = sl + 1, *q = strchr(t, '?');
	size_t tn = q ? (size_t)(q - t) : strlen(t);
	if (!tn || tn > 249) {
		snprintf(err, errlen, "invalid kafka source '%s': no topic",
			 url);
		return -1;
	}
	for (size_t i = 0; i < tn; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-')) {
			snprintf(
				err, errlen,
				"invalid kafka source '%s': a topic is made of letters, digits, '.', '_' and '-'",
				url);
			return -1;
		}
	}
	const char *g = "groundswell";
	size_t gn = strlen(g);
	if (q) {
		if (strncmp(q + 1, "group=", 6) || !q[7] ||
		    strchr(q + 7, '&')) {
			snprintf(
				err, errlen,
				"invalid kafka source '%s': the one parameter is ?group=GROUP",
				url);
			return -1;
		}
		g = q + 7;
		gn = strlen(g);
	}
	*brokers = strndup(b, (size_t)(sl - b));
	*topic = strndup(t, tn);
	*group = strndup(g, gn);
	if (!*brokers || !*topic || !*group) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- states ------------------------------------------------------------- */

/* Produces one record of the state topic; 0 or librdkafka's error. A full
 * queue is waited for (a state of many chunks), a second at most. */
static rd_kafka_resp_err_t send_record(struct gs_kafka *k, int32_t p,
				       const char *key, size_t kn, void *val,
				       size_t n, struct ticket *t)
{
	rd_kafka_resp_err_t e;
	for (int tries = 0;; tries++) {
		e = rd_kafka_producev(
			k->pr, RD_KAFKA_V_TOPIC(k->state_topic),
			RD_KAFKA_V_PARTITION((int32_t)((size_t)p % k->sparts)),
			RD_KAFKA_V_KEY(key, kn), RD_KAFKA_V_VALUE(val, n),
			RD_KAFKA_V_MSGFLAGS(val ? RD_KAFKA_MSG_F_FREE : 0),
			RD_KAFKA_V_OPAQUE(t), RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries == 10)
			return e;
		rd_kafka_poll(k->pr, 100);
	}
}

/* Sends partition p's state in chunks of at most k->chunk bytes; the
 * delivery reports of all of them acknowledge it. Then tombstones for the
 * chunk numbers the previous state had beyond this one's. */
static void publish(struct gs_kafka *k, int32_t p)
{
	struct part *pt = &k->parts[p];
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f) {
		say(k,
		    "kafka: cannot publish the state of partition %d: out of memory",
		    (int)p);
		return;
	}
	uint32_t flags = (pt->net ? GS_PARTSTATE_NET : 0) |
			 (pt->tagnet ? GS_PARTSTATE_TAGNET : 0);
	int r = gs_engine_save(pt->e, f);
	if (!r && pt->net)
		r = gs_network_save(pt->net, f);
	if (!r && pt->tagnet)
		r = gs_network_save(pt->tagnet, f);
	if (fclose(f) != 0 && !r)
		r = GS_EIO;
	if (!r && k->sealed) { /* no account id, raw or hashed, leaves */
		unsigned char *sb;
		size_t sn;
		r = gs_partstate_seal((unsigned char *)buf, n, k->key, &sb,
				      &sn);
		if (!r) {
			free(buf);
			buf = (char *)sb;
			n = sn;
			flags |= GS_PARTSTATE_SEALED;
		}
	}
	if (r || n > GS_PARTSTATE_MAX || !n) {
		say(k, "kafka: cannot publish the state of partition %d: %s",
		    (int)p, r ? gs_strerror(r) : "larger than 1 GB");
		k->st.publish_failed++;
		free(buf);
		return;
	}
	size_t room = k->chunk - GS_PARTSTATE_HEAD;
	uint32_t count = (uint32_t)((n + room - 1) / room);
	struct ticket *t = malloc(sizeof *t);
	if (!t) {
		free(buf);
		say(k,
		    "kafka: cannot publish the state of partition %d: out of memory",
		    (int)p);
		return;
	}
	*t = (struct ticket){k, p, pt->next, pt->epoch, count, 0};
	uint32_t sent = 0;
	for (; sent < count; sent++) {
		size_t at = (size_t)sent * room,
		       len = n - at < room ? n - at : room;
		unsigned char *v = malloc(GS_PARTSTATE_HEAD + len);
		rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__FAIL;
		if (v) {
			struct gs_partstate_head h = {
				.partition = (uint32_t)p,
				.flags = flags,
				.next = pt->next,
				.max_ms = pt->max_ms,
				.epoch = pt->epoch,
				.serial = pt->serial,
				.seq = sent,
				.count = count,
				.total = n,
			};
			gs_partstate_head_write(v, &h);
			memcpy(v + GS_PARTSTATE_HEAD, buf + at, len);
			char key[32];
			int kn = snprintf(key, sizeof key, "%d/%u", (int)p,
					  sent);
			e = send_record(k, p, key, (size_t)kn, v,
					GS_PARTSTATE_HEAD + len, t);
		}
		if (e) {
			free(v);
			say(k,
			    "kafka: cannot publish the state of partition %d: %s",
			    (int)p, rd_kafka_err2str(e));
			break;
		}
	}
	free(buf);
	if (sent < count) {
		/* the chunks sent will not make a whole: a reader drops them */
		k->st.publish_failed++;
		t->failed = 1;
		t->left -= count - sent;
		if (!t->left)
			free(t);
		return;
	}
	for (uint32_t i = count; i < pt->chunks; i++) {
		char key[32];
		int kn = snprintf(key, sizeof key, "%d/%u", (int)p, i);
		send_record(k, p, key, (size_t)kn, NULL, 0, NULL);
	}
	pt->chunks = count;
	pt->serial++;
	pt->moved = 0;
	k->st.published++;
	k->st.chunks += count;
	k->st.state_bytes = n;
}

static void delivered(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	struct ticket *t = m->_private;
	if (!t)
		return; /* a tombstone */
	struct gs_kafka *k = t->k;
	if (m->err && !t->failed) {
		t->failed = 1;
		k->st.publish_failed++;
		say(k, "kafka: the state of partition %d was not stored: %s",
		    (int)t->p, rd_kafka_err2str(m->err));
	}
	if (--t->left)
		return;
	if (!t->failed) {
		k->st.acked++;
		struct part *pt = part_at(k, t->p);
		if (pt && pt->owned && pt->epoch == t->epoch &&
		    t->next > pt->acked)
			pt->acked = t->next;
	}
	free(t);
}

/* Commits the acknowledged offsets of the owned partitions (async). */
static void commit_acked(struct gs_kafka *k)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	for (size_t i = 0; i < k->nparts; i++) {
		struct part *pt = &k->parts[i];
		if (!pt->owned || pt->acked < 0 || pt->acked == pt->committed)
			continue;
		if (!l && !(l = rd_kafka_topic_partition_list_new(8)))
			return;
		rd_kafka_topic_partition_list_add(l, k->topic, (int32_t)i)
			->offset = pt->acked;
		pt->committed = pt->acked;
	}
	if (l) {
		rd_kafka_commit(k->c, l, 1);
		rd_kafka_topic_partition_list_destroy(l);
	}
}

/* A whole state of partition p (w): taken as its latest once it loads
 * (under a key: once its seal opens, so that only a state written with the
 * key can move the partition's epoch and fence its owner). */
static void accept_state(struct gs_kafka *k, const rd_kafka_message_t *m,
			 struct part *pt, const struct gs_partstate_whole *w)
{
	struct gs_engine *e;
	struct gs_network *net, *tagnet;
	char why[256];
	int err = gs_partstate_load(w->b, w->n, w->h.flags,
				    k->sealed ? k->key : NULL, &e, &net,
				    &tagnet, why, sizeof why);
	if (err) {
		/* below 2^62: a forged head cannot wrap the epoch round */
		if (w->h.epoch > pt->refused_epoch &&
		    w->h.epoch < (UINT64_C(1) << 62))
			pt->refused_epoch = w->h.epoch;
		k->st.states_bad++;
		say(k,
		    "kafka: %s[%d]@%lld: the state of partition %u: %s; skipped",
		    k->state_topic, (int)m->partition, (long long)m->offset,
		    w->h.partition, *why ? why : gs_strerror(err));
		return;
	}
	if (pt->owned) { /* a newer owner's state (the same epoch returned) */
		k->st.fenced++;
		say(k,
		    "kafka: partition %u has a newer owner (epoch %llu, this instance's %llu): it stops counting and publishing it",
		    w->h.partition, (unsigned long long)w->h.epoch,
		    (unsigned long long)pt->epoch);
		pt->owned = 0;
		pt->moved = 0;
	}
	pt->epoch = w->h.epoch;
	/* networks this instance does not keep are not merged */
	if (!k->net_tmpl) {
		gs_network_free(net);
		net = NULL;
	}
	if (!k->tagnet_tmpl) {
		gs_network_free(tagnet);
		tagnet = NULL;
	}
	gs_engine_free(pt->e);
	gs_network_free(pt->net);
	gs_network_free(pt->tagnet);
	pt->e = e;
	pt->net = net;
	pt->tagnet = tagnet;
	pt->next = w->h.next;
	pt->max_ms = w->h.max_ms;
	pt->chunks = w->h.count;
	pt->serial = w->h.serial;
	k->st.states_read++;
	k->changed = 1;
}

/* A record of the state topic: a chunk of another instance's (or an
 * earlier run's) state of a partition, kept when this instance does not
 * own it and its epoch is not older than the partition's. */
static void take_state(struct gs_kafka *k, const rd_kafka_message_t *m)
{
	const unsigned char *b = m->payload;
	if (!b)
		return; /* a tombstone: compaction's business */
	struct gs_partstate_head h;
	if (gs_partstate_head_read(b, m->len, &h)) {
		k->st.states_bad++;
		say(k,
		    "kafka: %s[%d]@%lld: not a groundswell state (or another version); skipped",
		    k->state_topic, (int)m->partition, (long long)m->offset);
		return;
	}
	uint32_t p = h.partition;
	struct part *pt =
		p < GS_KAFKA_MAX_PARTITIONS ? part_at(k, (int32_t)p) : NULL;
	if (!pt || gs_partstate_head_check(&h, m->len)) {
		k->st.states_bad++;
		say(k,
		    "kafka: %s[%d]@%lld: a state chunk of partition %u is out of range; skipped",
		    k->state_topic, (int)m->partition, (long long)m->offset, p);
		return;
	}
	/* a writer that lost the partition since, or a state replayed */
	if (h.epoch < pt->epoch ||
	    (h.epoch == pt->epoch && !pt->owned && h.serial < pt->serial)) {
		k->st.stale++;
		if (pt->owned) /* compaction must keep the owner's, the last */
			pt->moved = 1;
		return;
	}
	if (pt->owned && h.epoch == pt->epoch)
		return; /* this instance's own; its engine is newer */
	/* a newer epoch fences the owner once its state is whole and loads
	 * (accept_state), never on a head alone */
	int dropped;
	struct gs_partstate_whole w;
	switch (gs_partstate_set_add(&pt->pd, &k->pool, &h, b + h.len,
				     m->len - h.len, &dropped, &w)) {
	case GS_PARTSTATE_MORE:
	case GS_PARTSTATE_STRAY:
		break;
	case GS_PARTSTATE_WHOLE:
		accept_state(k, m, pt, &w);
		if (pt->pd.on)
			gs_partstate_set_drop(&pt->pd, &k->pool);
		break;
	case GS_PARTSTATE_BAD:
		k->st.states_bad++;
		break;
	case GS_PARTSTATE_NOROOM:
		say(k,
		    "kafka: no room for the state of partition %u (%llu bytes) being read; skipped",
		    p, (unsigned long long)h.total);
		break;
	}
	k->st.partial_dropped += (uint64_t)dropped;
}

/* Reads what the state topic has (waiting up to wait_ms for the first). */
static void read_states(struct gs_kafka *k, int wait_ms)
{
	for (int i = 0; i < 4096; i++) {
		rd_kafka_message_t *m =
			rd_kafka_consumer_poll(k->sr, i ? 0 : wait_ms);
		if (!m)
			return;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				say(k, "kafka: reading '%s': %s",
				    k->state_topic, rd_kafka_message_errstr(m));
		} else {
			take_state(k, m);
			if (m->partition >= 0 &&
			    (size_t)m->partition < k->sparts)
				k->state_end[m->partition] = m->offset + 1;
		}
		rd_kafka_message_destroy(m);
	}
}

/* Reads the state topic up to its end as the brokers have it now, so that
 * a partition assigned next starts from its latest state. */
static void catch_up(struct gs_kafka *k)
{
	/* the ends of every state partition in one request (ListOffsets
	 * with the "latest" timestamp), not one round trip each */
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new((int)k->sparts);
	if (!l)
		return;
	for (size_t i = 0; i < k->sparts; i++)
		rd_kafka_topic_partition_list_add(l, k->state_topic, (int32_t)i)
			->offset = RD_KAFKA_OFFSET_END;
	rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(k->sr, l, 10000);
	if (e) {
		say(k, "kafka: cannot ask for the end of '%s': %s",
		    k->state_topic, rd_kafka_err2str(e));
		rd_kafka_topic_partition_list_destroy(l);
		return;
	}
	double end = mono() + CATCH_UP_MS / 1000.0;
	for (;;) {
		size_t behind = 0;
		for (int i = 0; i < l->cnt; i++) {
			const rd_kafka_topic_partition_t *tp = &l->elems[i];
			if (tp->err || tp->partition < 0 ||
			    (size_t)tp->partition >= k->sparts)
				continue;
			behind += k->state_end[tp->partition] < tp->offset;
		}
		if (!behind)
			break;
		if (mono() >= end) {
			say(k,
			    "kafka: '%s' not read to its end within %d s (%zu partitions behind)",
			    k->state_topic, CATCH_UP_MS / 1000, behind);
			break;
		}
		read_states(k, 100);
	}
	rd_kafka_topic_partition_list_destroy(l);
}

/* ---- the group ---------------------------------------------------------- */

static void revoke_all(struct gs_kafka *k)
{
	for (size_t i = 0; i < k->nparts; i++)
		if (k->parts[i].owned && k->parts[i].moved)
			publish(k, (int32_t)i);
	/* the states of what goes must be stored before another instance
	 * takes it over */
	if (k->pr && rd_kafka_flush(k->pr, 10000))
		say(k,
		    "kafka: states not acknowledged within 10 s before a rebalance");
	commit_acked(k);
	for (size_t i = 0; i < k->nparts; i++)
		k->parts[i].owned = 0;
}

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
		      rd_kafka_topic_partition_list_t *l, void *opaque)
{
	struct gs_kafka *k = opaque;
	k->st.rebalances++;
	k->changed = 1;
	if (k->msg) { /* its partition may go: it was counted already */
		rd_kafka_message_destroy(k->msg);
		k->msg = NULL;
	}
	if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS &&
	    rd_kafka_assignment_lost(rk)) {
		/* the group gave them to others already: a state published
		 * now would be a zombie's (readers would ignore it anyway) */
		for (size_t i = 0; i < k->nparts; i++)
			k->parts[i].owned = k->parts[i].moved = 0;
		say(k,
		    "kafka: %d partitions of '%s' lost (the session expired): dropped without publishing; their new owners resume from their last states",
		    l->cnt, k->topic);
		rd_kafka_assign(rk, NULL);
		return;
	}
	if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		double t0 = mono();
		revoke_all(k);
		say(k,
		    "kafka: %d partitions of '%s' revoked; their states stored in %.1f s",
		    l->cnt, k->topic, mono() - t0);
		rd_kafka_assign(rk, NULL);
		return;
	}
	double t0 = mono();
	catch_up(k);
	say(k,
	    "kafka: %d partitions of '%s' assigned; states read up to the end in %.1f s",
	    l->cnt, k->topic, mono() - t0);
	for (int i = 0; i < l->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &l->elems[i];
		struct part *pt = part_at(k, tp->partition);
		if (!pt) {
			say(k, "kafka: partition %d is out of range; not read",
			    (int)tp->partition);
			tp->offset = RD_KAFKA_OFFSET_END;
			continue;
		}
		if ((!pt->e && !(pt->e = gs_engine_new_like(k->tmpl))) ||
		    (k->net_tmpl && !pt->net &&
		     !(pt->net = gs_network_new_like(k->net_tmpl))) ||
		    (k->tagnet_tmpl && !pt->tagnet &&
		     !(pt->tagnet = gs_network_new_like(k->tagnet_tmpl)))) {
			say(k, "kafka: out of memory for partition %d",
			    (int)tp->partition);
			tp->offset = RD_KAFKA_OFFSET_END;
			continue;
		}
		if (pt->pd.on)
			gs_partstate_set_drop(&pt->pd, &k->pool);
		pt->owned = 1;
		pt->moved = 1; /* the claim of the new epoch, published below */
		/* deletes find the posts counted from now on (those before
		 * are in the state, but another owner may have taken some
		 * back already) */
		gs_recent_release(&pt->recent);
		gs_recent_init(&pt->recent,
			       k->retract_window /
				       (k->topic_parts ? k->topic_parts : 1));
		if (pt->refused_epoch > pt->epoch)
			pt->epoch = pt->refused_epoch;
		pt->epoch++;
		pt->serial = 0;
		pt->acked = pt->committed = -1;
		tp->offset =
			pt->next >= 0 ? pt->next : RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_assign(rk, l);
	/* claims: readers ignore the former owner's states from now on */
	for (int i = 0; i < l->cnt; i++) {
		int32_t p = l->elems[i].partition;
		if (p >= 0 && (size_t)p < k->nparts && k->parts[p].owned &&
		    k->parts[p].moved)
			publish(k, p);
	}
}

/* The partitions of topic (0: not known, or no such topic). */
static size_t partitions_of(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	size_t n = 0;
	rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	if (!t)
		return 0;
	if (!rd_kafka_metadata(rk, 0, t, &md, timeout_ms) && md) {
		if (md->topic_cnt == 1 && !md->topics[0].err &&
		    md->topics[0].partition_cnt > 0)
			n = (size_t)md->topics[0].partition_cnt;
		rd_kafka_metadata_destroy(md);
	}
	rd_kafka_topic_destroy(t);
	return n;
}

static void metadata(struct gs_kafka *k, int timeout_ms)
{
	k->last_meta = mono();
	k->topic_parts = partitions_of(k->c, k->topic, timeout_ms);
	if (k->topic_parts > GS_KAFKA_MAX_PARTITIONS) {
		say(k, "kafka: '%s' has %zu partitions; at most %d are read",
		    k->topic, k->topic_parts, GS_KAFKA_MAX_PARTITIONS);
		k->topic_parts = GS_KAFKA_MAX_PARTITIONS;
	}
}

/* ---- the source --------------------------------------------------------- */

struct gs_kafka *
gs_kafka_open(const char *url, const char *config, const struct gs_engine *like,
	      const struct gs_network *net_like,
	      const struct gs_network *tagnet_like, size_t max_line,
	      int64_t publish_ms, const unsigned char *seal_key,
	      size_t retract_window, void (*log)(void *ctx, const char *msg),
	      void *log_ctx, char *err, size_t errlen)
{
	struct gs_kafka *k = calloc(1, sizeof *k);
	char *brokers = NULL, *group = NULL;
	char e[512];
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->pool.max = PENDING_MAX_BYTES;
	k->retract_window = retract_window;
	if (seal_key) {
		memcpy(k->key, seal_key, GS_PARTSTATE_KEY);
		k->sealed = 1;
	}
	k->log = log;
	k->log_ctx = log_ctx;
	k->wake[0] = k->wake[1] = -1;
	k->max_line = max_line ? max_line : GS_DEFAULT_MAX_LINE;
	k->publish_ms = publish_ms > 0 ? publish_ms : 1000;
	k->cur = -1;
	if (parse_url(url, &brokers, &k->topic, &group, err, errlen))
		goto fail;
	size_t tn = strlen(k->topic);
	if (!(k->state_topic = malloc(tn + sizeof STATE_SUFFIX)) ||
	    !(k->tmpl = gs_engine_new_like(like)) ||
	    (net_like && !(k->net_tmpl = gs_network_new_like(net_like))) ||
	    (tagnet_like &&
	     !(k->tagnet_tmpl = gs_network_new_like(tagnet_like)))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(k->state_topic, k->topic, tn);
	memcpy(k->state_topic + tn, STATE_SUFFIX, sizeof STATE_SUFFIX);

	static const char *const cdef[] = {"enable.auto.commit",
					   "false",
					   "auto.offset.reset",
					   "earliest",
					   "enable.auto.offset.store",
					   "false",
					   NULL};
	rd_kafka_conf_t *cf = conf_new(brokers, config, cdef, err, errlen);
	if (!cf || conf_set(cf, "group.id", group, err, errlen)) {
		if (cf)
			rd_kafka_conf_destroy(cf);
		goto fail;
	}
	rd_kafka_conf_set_rebalance_cb(cf, rebalance);
	rd_kafka_conf_set_opaque(cf, k);
	if (!(k->c = rd_kafka_new(RD_KAFKA_CONSUMER, cf, e, sizeof e))) {
		rd_kafka_conf_destroy(cf);
		snprintf(err, errlen, "kafka consumer: %s", e);
		goto fail;
	}

	static const char *const pdef[] = {"message.max.bytes",
					   CHUNK_DEFAULT,
					   "enable.idempotence",
					   "true",
					   "acks",
					   "all",
					   "linger.ms",
					   "5",
					   "compression.codec",
					   "zstd",
					   NULL};
	if (!(cf = conf_new(brokers, config, pdef, err, errlen)))
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(cf, delivered);
	/* a state goes in records of at most message.max.bytes (the user's
	 * setting, or the brokers' default) */
	char mmb[32];
	size_t mn = sizeof mmb;
	long max_msg = rd_kafka_conf_get(cf, "message.max.bytes", mmb, &mn) ==
				       RD_KAFKA_CONF_OK
			       ? atol(mmb)
			       : 0;
	k->chunk = max_msg > GS_PARTSTATE_HEAD + 2 * CHUNK_OVERHEAD
			   ? (size_t)max_msg - CHUNK_OVERHEAD
			   : GS_PARTSTATE_HEAD + CHUNK_OVERHEAD;
	if (!(k->pr = rd_kafka_new(RD_KAFKA_PRODUCER, cf, e, sizeof e))) {
		rd_kafka_conf_destroy(cf);
		snprintf(err, errlen, "kafka producer: %s", e);
		goto fail;
	}

	static const char *const sdef[] = {"enable.auto.commit",
					   "false",
					   "auto.offset.reset",
					   "earliest",
					   "fetch.max.bytes",
					   "67108864",
					   "max.partition.fetch.bytes",
					   "67108864",
					   "receive.message.max.bytes",
					   "134217728",
					   NULL};
	if (!(cf = conf_new(brokers, config, sdef, err, errlen)))
		goto fail;
	/* a reader, not a member: a group of its own, never committed */
	if (conf_set(cf, "group.id", "groundswell-state-reader", err, errlen)) {
		rd_kafka_conf_destroy(cf);
		goto fail;
	}
	if (!(k->sr = rd_kafka_new(RD_KAFKA_CONSUMER, cf, e, sizeof e))) {
		rd_kafka_conf_destroy(cf);
		snprintf(err, errlen, "kafka state reader: %s", e);
		goto fail;
	}
	k->sparts = partitions_of(k->sr, k->state_topic, 10000);
	if (!k->sparts || k->sparts > GS_KAFKA_MAX_PARTITIONS) {
		snprintf(
			err, errlen,
			"kafka: no state topic '%s' (create it with cleanup.policy=compact and as many partitions as '%s'; docs/kafka.md)",
			k->state_topic, k->topic);
		goto fail;
	}
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new((int)k->sparts);
	if (!l || !(k->state_end = calloc(k->sparts, sizeof *k->state_end))) {
		if (l)
			rd_kafka_topic_partition_list_destroy(l);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < k->sparts; i++)
		rd_kafka_topic_partition_list_add(l, k->state_topic, (int32_t)i)
			->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_resp_err_t re = rd_kafka_assign(k->sr, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (re) {
		snprintf(err, errlen, "kafka: cannot read '%s': %s",
			 k->state_topic, rd_kafka_err2str(re));
		goto fail;
	}
	if (!(l = rd_kafka_topic_partition_list_new(1))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rd_kafka_topic_partition_list_add(l, k->topic, RD_KAFKA_PARTITION_UA);
	re = rd_kafka_subscribe(k->c, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (re) {
		snprintf(err, errlen, "kafka: cannot subscribe to '%s': %s",
			 k->topic, rd_kafka_err2str(re));
		goto fail;
	}
	if (pipe2(k->wake, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    !(k->q = rd_kafka_queue_get_consumer(k->c))) {
		snprintf(err, errlen, "kafka: cannot make a pipe: %s",
			 strerror(errno));
		goto fail;
	}
	rd_kafka_queue_io_event_enable(k->q, k->wake[1], "1", 1);
	metadata(k, 5000);
	free(brokers);
	free(group);
	return k;
fail:
	free(brokers);
	free(group);
	gs_kafka_close(k);
	return NULL;
}

int gs_kafka_next(struct gs_kafka *k, const char **line, size_t *len,
		  struct gs_kafka_counters *c)
{
	if (k->msg) {
		rd_kafka_message_destroy(k->msg);
		k->msg = NULL;
	}
	/* emptied before the queue is: a message coming after the last poll
	 * writes again */
	char drain[64];
	while (k->wake[0] >= 0 && read(k->wake[0], drain, sizeof drain) > 0)
		;
	for (int i = 0; i < POLL_MAX; i++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->c, 0);
		if (!m)
			return 0;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				say(k, "kafka: '%s': %s", k->topic,
				    rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		struct part *pt = part_at(k, m->partition);
		/* not ours (any more), or counted already */
		if (!pt || !pt->owned || !pt->e ||
		    (pt->next >= 0 && m->offset < pt->next)) {
			rd_kafka_message_destroy(m);
			continue;
		}
		pt->next = m->offset + 1;
		pt->moved = 1;
		k->changed = 1;
		k->cur = m->partition;
		k->msg = m;
		k->st.messages++;
		snprintf(k->where, sizeof k->where, "%s[%d]@%lld", k->topic,
			 (int)m->partition, (long long)m->offset);
		size_t n = m->len;
		const char *s = m->payload ? m->payload : "";
		while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
			n--;
		if (n > k->max_line) {
			k->st.too_long++;
			return GS_ETOOLONG;
		}
		*line = s;
		*len = n;
		c->e = pt->e;
		c->net = pt->net;
		c->tagnet = pt->tagnet;
		c->recent = pt->recent.max_bytes ? &pt->recent : NULL;
		return 1;
	}
	return 0;
}

int gs_kafka_pollfd(const struct gs_kafka *k)
{
	return k->wake[0];
}

const char *gs_kafka_where(const struct gs_kafka *k)
{
	return k->where;
}

void gs_kafka_saw(struct gs_kafka *k, int64_t time_ms)
{
	if (k->cur >= 0 && (size_t)k->cur < k->nparts &&
	    time_ms > k->parts[k->cur].max_ms)
		k->parts[k->cur].max_ms = time_ms;
}

int gs_kafka_maintain(struct gs_kafka *k, int force)
{
	rd_kafka_poll(k->pr, 0);
	read_states(k, 0);
	double now = mono();
	if (!k->topic_parts && now - k->last_meta >= 1)
		metadata(k, 1000);
	if (force || (now - k->last_publish) * 1000 >= (double)k->publish_ms) {
		k->last_publish = now;
		for (size_t i = 0; i < k->nparts; i++)
			if (k->parts[i].owned && k->parts[i].moved)
				publish(k, (int32_t)i);
		rd_kafka_poll(k->pr, 0);
	}
	commit_acked(k);
	return k->changed;
}

int gs_kafka_merge(struct gs_kafka *k, struct gs_engine *dst,
		   struct gs_network *net_dst, struct gs_network *tagnet_dst,
		   int64_t *clock_ms)
{
	k->changed = 0;
	int64_t clock = k->topic_parts ? INT64_MAX : INT64_MIN;
	for (size_t i = 0; i < k->nparts; i++) {
		const struct part *pt = &k->parts[i];
		if (pt->e) {
			int r = gs_engine_merge(dst, pt->e);
			if (r)
				return r;
		}
		struct gs_network *const from[2] = {pt->net, pt->tagnet};
		struct gs_network *const to[2] = {net_dst, tagnet_dst};
		for (int j = 0; j < 2; j++) {
			if (!from[j] || !to[j])
				continue;
			int r = gs_network_merge(to[j], from[j]);
			if (r == GS_ENOMEM)
				return r;
			if (r && !k->net_mismatch_said) {
				k->net_mismatch_said = 1;
				say(k,
				    "kafka: the network of partition %zu was made with other options (another instance's --tag-network-edges?); left out",
				    i);
			}
		}
		if (i < k->topic_parts && pt->max_ms < clock)
			clock = pt->max_ms;
	}
	/* a repost keyed otherwise than its original lands in another
	 * partition, merged before or after the original's */
	int r = gs_engine_resolve_pending(dst, NULL);
	if (!r && net_dst)
		r = gs_network_resolve_pending(net_dst, NULL);
	if (!r && tagnet_dst)
		r = gs_network_resolve_pending(tagnet_dst, NULL);
	if (r)
		return r;
	if (k->nparts < k->topic_parts)
		clock = INT64_MIN; /* a partition without any state */
	*clock_ms = clock;
	return 0;
}

void gs_kafka_info(const struct gs_kafka *k, struct gs_kafka_info *o)
{
	*o = k->st;
	o->partitions = k->topic_parts;
	o->owned = o->with_state = 0;
	for (size_t i = 0; i < k->nparts; i++) {
		o->owned += k->parts[i].owned != 0;
		o->with_state += k->parts[i].e != NULL;
	}
}

void gs_kafka_close(struct gs_kafka *k)
{
	if (!k)
		return;
	if (k->msg)
		rd_kafka_message_destroy(k->msg);
	k->msg = NULL;
	if (k->q) {
		rd_kafka_queue_io_event_enable(k->q, -1, NULL, 0);
		rd_kafka_queue_destroy(k->q); /* before consumer_close */
	}
	if (k->c) {
		/* leaving the group revokes: the states are published; but
		 * brokers out of reach must not hold the stop for ever */
		rd_kafka_queue_t *cq = rd_kafka_queue_new(k->c);
		rd_kafka_error_t *e =
			cq ? rd_kafka_consumer_close_queue(k->c, cq) : NULL;
		double end = mono() + CLOSE_MS / 1000.0;
		while (cq && !e && !rd_kafka_consumer_closed(k->c) &&
		       mono() < end)
			rd_kafka_queue_poll_callback(cq, 100);
		if (!cq || e || !rd_kafka_consumer_closed(k->c)) {
			say(k,
			    "kafka: the group not left within %d s; publishing the states without it",
			    CLOSE_MS / 1000);
			revoke_all(k);
		}
		if (e)
			rd_kafka_error_destroy(e);
		if (cq)
			rd_kafka_queue_destroy(cq);
		rd_kafka_destroy_flags(k->c,
				       RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	}
	if (k->pr) {
		rd_kafka_flush(k->pr, 5000);
		rd_kafka_destroy(k->pr);
	}
	if (k->sr) /* a reader, never a member */
		rd_kafka_destroy_flags(k->sr,
				       RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	for (size_t i = 0; i < k->nparts; i++) {
		gs_engine_free(k->parts[i].e);
		gs_network_free(k->parts[i].net);
		gs_network_free(k->parts[i].tagnet);
		free(k->parts[i].pd.b);
		gs_recent_release(&k->parts[i].recent);
	}
	free(k->parts);
	gs_engine_free(k->tmpl);
	gs_network_free(k->net_tmpl);
	gs_network_free(k->tagnet_tmpl);
	sodium_memzero(k->key, sizeof k->key);
	free(k->topic);
	free(k->state_topic);
	free(k->state_end);
	for (int i = 0; i < 2; i++)
		if (k->wake[i] >= 0)
			close(k->wake[i]);
	free(k);
}
