/*
 * kafkasource.h - a Kafka topic as serve's source (issue 14; design in
 * docs/kafka.md): kafka://BROKER[,BROKER...]/TOPIC?group=GROUP.
 *
 * The instances of one group share the topic's partitions (librdkafka's
 * consumer group). This source keeps one engine (and the server's networks)
 * per partition it is assigned, publishes each one's state (engine and
 * network snapshots, next offset, latest post time) to the state topic
 * TOPIC.gs-state, split into records of at most the producer's
 * message.max.bytes, and reads that topic whole, keeping the latest state
 * of every partition it does not own. A partition assigned to it starts
 * from its latest state and that state's offset: nothing is lost or
 * counted twice when an instance dies. Input offsets are committed to the
 * group only once every record of the state that counted them is
 * acknowledged by the brokers. Each assignment takes a new epoch for the
 * partition, written in its states: readers ignore states of an older
 * epoch (a zombie instance's), and an owner that reads a newer epoch than
 * its own stops counting and publishing the partition.
 *
 * Everything runs on the caller's thread (the pipeline): librdkafka calls
 * the rebalance and delivery callbacks from gs_kafka_next and
 * gs_kafka_maintain. Not thread-safe: one thread uses a source.
 *
 * Ownership: gs_kafka_open returns a source the caller frees with
 * gs_kafka_close; it owns every engine it holds; lines returned are
 * borrowed until the next call.
 */
#ifndef GS_KAFKASOURCE_H
#define GS_KAFKASOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "count/network.h"
#include "count/recent.h"
#include "groundswell.h"

#define GS_KAFKA_MAX_PARTITIONS 4096

struct gs_kafka;

/* What the source has done (gs_kafka_info). */
struct gs_kafka_info {
	size_t partitions;	 /* of the input topic (0: not known yet) */
	size_t owned;		 /* assigned to this instance now */
	size_t with_state;	 /* partitions with a state (own or others') */
	uint64_t messages;	 /* given by gs_kafka_next */
	uint64_t too_long;	 /* skipped for their length */
	uint64_t published;	 /* states sent to the state topic */
	uint64_t acked;		 /* ... acknowledged by the brokers */
	uint64_t publish_failed; /* ... refused or lost */
	uint64_t states_read;	 /* others' states taken from the state topic */
	uint64_t states_bad;	 /* state records refused (damaged) */
	uint64_t rebalances;	 /* assignments and revocations */
	uint64_t state_bytes;	 /* bytes of the last state published */
	uint64_t chunks;	 /* records the published states took */
	uint64_t stale;		 /* records of an older epoch, ignored */
	uint64_t partial_dropped; /* incomplete chunk sets given up */
	uint64_t fenced;	  /* owned partitions a newer owner took */
};

/* Where the current message is counted: its partition's engine and
 * networks (net, tagnet: NULL when the source keeps none), and the table
 * of the partition's recent posts that a delete of one of them finds
 * (NULL: none kept; it starts empty when the partition is assigned). */
struct gs_kafka_counters {
	struct gs_engine *e;
	struct gs_network *net, *tagnet;
	struct gs_recent *recent;
};

/* Nonzero when path is a kafka:// URL. */
int gs_kafka_kind(const char *path);

/*
 * Connects: url as above, config a file of librdkafka properties
 * ("key=value" lines, "#" comments; NULL: none) applied to every client,
 * like an engine with the options of every partition's engine, net_like
 * and tagnet_like networks with the options of every partition's account
 * and per-tag networks (NULL: none kept), max_line
 * the longest message counted, publish_ms how often a moving partition's
 * state is published, seal_key the pseudonymisation key (32 bytes, copied;
 * NULL: none) under which states are sealed when published and must be
 * sealed when read (count/partstate.h), retract_window the bytes of recent
 * posts kept for deletes, shared by the topic's partitions (0: none).
 * log (may be NULL) is told what
 * goes wrong, one message a call. NULL with err set on a bad URL or
 * config, or no memory.
 */
struct gs_kafka *
gs_kafka_open(const char *url, const char *config, const struct gs_engine *like,
	      const struct gs_network *net_like,
	      const struct gs_network *tagnet_like, size_t max_line,
	      int64_t publish_ms, const unsigned char *seal_key,
	      size_t retract_window, void (*log)(void *ctx, const char *msg),
	      void *log_ctx, char *err, size_t errlen);

/*
 * The next message: 1 with *line, *len and *c the engine and networks of
 * its partition (count the line there before the next call); 0 when none
 * is waiting;
 * GS_ETOOLONG for a message longer than max_line (skipped, counted).
 */
int gs_kafka_next(struct gs_kafka *k, const char **line, size_t *len,
		  struct gs_kafka_counters *c);

/* A file descriptor readable when messages may be waiting (poll it
 * between calls to gs_kafka_next that returned 0). */
int gs_kafka_pollfd(const struct gs_kafka *k);

/* "TOPIC[PARTITION]@OFFSET" of the last message given, for reports. */
const char *gs_kafka_where(const struct gs_kafka *k);

/* Notes that the last message given held a post dated time_ms. */
void gs_kafka_saw(struct gs_kafka *k, int64_t time_ms);

/*
 * Between batches: reads others' states, publishes own states that are
 * due (force: every moving one now), serves delivery reports and commits
 * what they acknowledged. Returns 1 when the merged view has changed since
 * the last gs_kafka_merge (new messages counted, a state read, an
 * assignment), else 0.
 */
int gs_kafka_maintain(struct gs_kafka *k, int force);

/*
 * Merges every partition's engine (own and others') into dst, an empty
 * engine like the one given to gs_kafka_open, and their networks into
 * net_dst and tagnet_dst (empty, like those given; NULL: not merged; a
 * partition's network made with other options is left out, and said so
 * once). *clock_ms is the event-time
 * clock: the earliest of the partitions' latest post times when every
 * partition of the topic has one, else INT64_MIN. 0 or GS_ENOMEM.
 */
int gs_kafka_merge(struct gs_kafka *k, struct gs_engine *dst,
		   struct gs_network *net_dst, struct gs_network *tagnet_dst,
		   int64_t *clock_ms);

void gs_kafka_info(const struct gs_kafka *k, struct gs_kafka_info *o);

/* Publishes the owned states, waits (a few seconds at most) for them to be
 * acknowledged, commits, leaves the group and frees. */
void gs_kafka_close(struct gs_kafka *k);

#endif
