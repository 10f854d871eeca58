/*
 * server_kafka.c - the pipeline's part for a kafka:// source (issue 14;
 * docs/kafka.md): messages counted into their partition's engine
 * (kafkasource.h), and the served engine made again, when something
 * changed, as the exact merge of every partition's (this instance's and the
 * states the others published), at most once a second while messages keep
 * coming and at once when they stop. The networks (/network) likewise:
 * each partition counts its own, published with its engine, and the served
 * ones are their merge, made again every NETS_EVERY_S while messages keep
 * coming (their merge costs about as much as the engines') and at once
 * when they stop.
 *
 * The detector runs over the merged engine on the clock of the slowest
 * partition: a bucket is closed once every partition of the topic has a
 * post more than --lateness buckets after it (gs_trend_live_close_to), or
 * by --close-idle (the pipeline's idleness, as for files). Data that comes
 * into a bucket already judged (a partition late, an instance restarted)
 * makes the detector run again from the first bucket over the merged
 * engine (kafka_redo), so the answer once the topic is drained is that of
 * one run over all its messages.
 */
#include "server_int.h"

#include "base/timeutil.h"
#include "kafkasource.h"

#define BATCH_MESSAGES 512
#define MERGE_EVERY_S  1.0 /* while messages keep coming */
#define NETS_EVERY_S   5.0 /* the networks, likewise */

struct kbatch {
	struct gs_server *s;
	struct gs_kafka_counters c; /* the current message's partition's */
	int64_t future_ms;
};

static void kafka_log(void *ctx, const char *msg)
{
	gs_server_log(ctx, "%s", msg);
}

int gs_server_kafka_open(struct gs_server *s, const char *url, char *err,
			 size_t errlen)
{
	s->kafka = gs_kafka_open(
		url, s->o.kafka_config, s->e, s->net, s->tagnet, s->o.max_line,
		s->o.kafka_publish_ms, s->o.pseudo ? s->o.pseudo->key : NULL,
		s->o.retract_window, kafka_log, s, err, errlen);
	s->kafka_start = INT64_MIN;
	return s->kafka ? 0 : GS_EUSAGE;
}

static int reason_of(int err)
{
	int i = -err;
	return i > 0 && i < REASONS ? i : 0;
}

static void kbad(void *ctx, const struct gs_bad_line *b)
{
	struct kbatch *bt = ctx;
	struct gs_server *s = bt->s;
	s->malformed_by[reason_of(b->err)]++;
	if (s->shown < s->o.show_errors)
		gs_server_log(s, "%s: %s", gs_kafka_where(s->kafka), b->reason);
	s->shown++;
}

static int kpost(void *ctx, const struct gs_post *p)
{
	struct kbatch *bt = ctx;
	struct gs_server *s = bt->s;
	if (p->time_ms > bt->future_ms) {
		s->future_posts++;
		return 0;
	}
	/* a bucket the detector has judged, or one before its first */
	if (s->l.started &&
	    gs_time_bucket(p->time_ms, s->o.engine.bucket_ms) < s->l.next)
		s->kafka_redo = 1;
	struct gs_server_target t = {bt->c.e, bt->c.net, bt->c.tagnet,
				     bt->c.recent};
	uint64_t hs[GS_RECENT_HASHES];
	size_t nh = t.recent ? gs_server_repost_hashes(&t, p, hs) : 0;
	int r = gs_engine_add(bt->c.e, p);
	if (r == GS_ENOMEM)
		gs_server_log(s, "out of memory");
	else if (r == 0 && t.recent)
		gs_server_remember(s, &t, p, hs, nh);
	gs_kafka_saw(s->kafka, p->time_ms);
	if ((bt->c.net && gs_network_add(bt->c.net, p) == GS_ENOMEM) ||
	    (bt->c.tagnet && gs_network_add(bt->c.tagnet, p) == GS_ENOMEM))
		gs_server_log(s, "out of memory (network)");
	if (gs_cooccur_add(s->cooc, p) == GS_ENOMEM)
		gs_server_log(s, "out of memory (movements)");
	return 0;
}

/* A delete of a post (issue 12 part 5): taken back from the partition it
 * came in when the partition's table of recent posts holds it (a producer
 * keys a post and its delete alike, as Jetstream's DID does, so that both
 * come in one partition), else unresolved. */
static int kretract(void *ctx, const struct gs_retraction *rt)
{
	struct kbatch *bt = ctx;
	struct gs_server_target t = {bt->c.e, bt->c.net, bt->c.tagnet,
				     bt->c.recent};
	gs_server_retract(bt->s, &t, rt);
	return 0;
}

/* Reads up to BATCH_MESSAGES messages (the write lock held). */
static unsigned read_messages(struct gs_server *s)
{
	struct kbatch bt = {s,
			    {NULL, NULL, NULL, NULL},
			    (int64_t)(now_wall() * 1000) + GS_MS_DAY};
	struct gs_line_counter lc = {0};
	lc.ps = s->ps;
	lc.max_line = s->o.max_line;
	lc.post = kpost;
	lc.post_ctx = &bt;
	lc.bad = kbad;
	lc.bad_ctx = &bt;
	lc.retract = kretract;
	lc.retract_ctx = &bt;
	lc.window_from = s->o.window_from;
	lc.window_to = s->o.window_to;
	lc.filter = s->o.filter && s->o.filter->active ? s->o.filter : NULL;
	unsigned k = 0;
	for (; k < BATCH_MESSAGES; k++) {
		const char *line;
		size_t len;
		struct gs_kafka_counters c = {NULL, NULL, NULL, NULL};
		int r = gs_kafka_next(s->kafka, &line, &len, &c);
		if (r == 0)
			break;
		s->lines++;
		bt.c = c;
		lc.e = c.e;
		gs_line_counter_feed(&lc, r, line, len, 0);
	}
	gs_server_count_batch(s, &lc);
	return k;
}

/* The served engine and networks made again from every partition's; the
 * detector closes what the slowest partition's clock allows. */
static void merge_view(struct gs_server *s, int nets)
{
	struct gs_engine *g = gs_engine_new_like(s->e);
	struct gs_network *net = nets ? gs_network_new_like(s->net) : NULL,
			  *tagnet = nets && s->tagnet
					    ? gs_network_new_like(s->tagnet)
					    : NULL;
	int64_t clock;
	if (!g || (nets && !net) || (nets && s->tagnet && !tagnet) ||
	    gs_kafka_merge(s->kafka, g, net, tagnet, &clock)) {
		gs_engine_free(g);
		gs_network_free(net);
		gs_network_free(tagnet);
		gs_server_log(s, "out of memory (merging the partitions)");
		return;
	}
	s->kafka_merged = gs_now();
	s->kafka_nets_stale = !nets;
	if (nets)
		s->kafka_nets_merged = s->kafka_merged;
	int64_t w = s->o.engine.bucket_ms;
	struct gs_summary sum;
	gs_engine_summary(g, &sum);
	write_lock(s);
	struct gs_engine *old = s->e;
	struct gs_network *old_net = NULL, *old_tagnet = NULL;
	s->e = g;
	s->l.engine = g;
	if (nets) {
		old_net = s->net;
		old_tagnet = s->tagnet;
		s->net = net;
		s->tagnet = tagnet;
	}
	if (sum.posts && s->kafka_start != INT64_MIN &&
	    gs_time_bucket(sum.first_ms, w) < s->kafka_start)
		s->kafka_redo = 1; /* a post before the first bucket judged */
	int64_t before = s->l.started ? s->l.next : INT64_MIN;
	if (s->kafka_redo) {
		struct gs_trend *t = gs_trend_new(&s->o.trend, w);
		if (t) {
			gs_trend_free(s->t);
			s->t = t;
			gs_trend_live_init(&s->l, g, t, s->o.lateness);
			s->kafka_start = INT64_MIN;
			before = INT64_MIN; /* announced already */
		}
		s->kafka_redo = 0;
	}
	if (sum.posts && !s->l.started) {
		s->l.started = 1;
		s->l.next = s->kafka_start = gs_time_bucket(sum.first_ms, w);
	}
	if (clock != INT64_MIN &&
	    gs_trend_live_close_to(&s->l, gs_time_bucket(clock, w) -
						  (s->o.lateness + 1) * w) ==
		    GS_ENOMEM)
		gs_server_log(s, "out of memory");
	gs_server_note_closed(s, before);
	gs_server_flush_closed(s);
	atomic_fetch_add(&s->data_gen, 1);
	pthread_rwlock_unlock(&s->lock);
	gs_engine_free(old);
	gs_network_free(old_net);
	gs_network_free(old_tagnet);
}

unsigned gs_server_kafka_round(struct gs_server *s)
{
	write_lock(s);
	unsigned k = read_messages(s);
	atomic_store(&s->more, k == BATCH_MESSAGES);
	if (k)
		atomic_fetch_add(&s->data_gen, 1);
	pthread_rwlock_unlock(&s->lock);
	int changed = gs_kafka_maintain(s->kafka, 0) || s->kafka_nets_stale;
	if (changed && (!k || gs_now() - s->kafka_merged >= MERGE_EVERY_S)) {
		/* new data after an idle close may fall in buckets it judged:
		 * judge again; --close-idle closes again once it stops */
		if (s->finished)
			s->kafka_redo = 1;
		merge_view(s, !k || gs_now() - s->kafka_nets_merged >=
					      NETS_EVERY_S);
		s->finished = 0;
		s->last_input = gs_now();
	}
	return k;
}
