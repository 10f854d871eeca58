/*
 * server_metrics.c - GET /stats (JSON) and /metrics (Prometheus text
 * format): what the pipeline, the sources, the networks and HTTP have
 * counted (server_int.h).
 *
 * The handlers never take the lock: the pipeline copies what they show
 * into a struct view at a batch boundary (gs_server_view_publish) and swaps
 * it in; a handler takes a reference to the current one. Copying the
 * counters is cheap; the engine's memory and the networks' counts walk
 * every tag and edge, so while input keeps coming they are copied at most
 * every VIEW_HEAVY_MS (the rest every VIEW_MAX_AGE_MS); once the input is
 * drained, a view is exact.
 */
#include "server_int.h"

#include <string.h>

#include "base/timeutil.h"
#include "out/json_writer.h"

#define VIEW_MAX_AGE_MS 100  /* while input keeps coming */
#define VIEW_HEAVY_MS	1000 /* engine memory, network counts: ditto */
#define VIEW_IDLE_MS	250  /* sources' states, with no new data */

/* The name of malformed_by[i]. */
static const char *reason_name(int i)
{
	switch (-i) {
	case GS_EJSON:
		return "json";
	case GS_EUTF8:
		return "utf8";
	case GS_ETOOLONG:
		return "too_long";
	case GS_ETYPE:
		return "type";
	case GS_EFORMAT:
		return "format";
	case GS_EMISSING:
		return "missing";
	case GS_ETIME:
		return "time";
	case GS_ENOMEM:
		return "memory";
	default:
		return "other";
	}
}

static const char *source_kind(enum gs_follow_kind k)
{
	static const char *const n[] = {"file", "stream", "compressed",
					"jetstream", "mastodon"};
	return n[k];
}

static const char *source_state(enum gs_follow_state k)
{
	static const char *const n[] = {"reading", "waiting", "missing",
					"ended", "connecting"};
	return n[k];
}

static double posts_per_second(const struct gs_server *s, const struct view *v)
{
	int64_t now = (int64_t)gs_now();
	uint64_t sum = 0;
	for (int i = 0; i < 60; i++)
		if (v->sec_stamp[i] > now - 60 && v->sec_stamp[i] <= now)
			sum += v->sec_posts[i];
	double span = gs_now() - s->started;
	if (span > 60)
		span = 60;
	if (span < 1)
		span = 1;
	return (double)sum / span;
}

static uint64_t malformed_of(const struct view *v)
{
	uint64_t m = 0;
	for (int i = 0; i < REASONS; i++)
		m += v->malformed_by[i];
	return m;
}

uint64_t gs_server_malformed_total(const struct gs_server *s)
{
	uint64_t m = 0;
	for (int i = 0; i < REASONS; i++)
		m += s->malformed_by[i];
	return m;
}

static size_t open_trends(const struct gs_server *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nev; i++)
		k += s->ev[i].end_ms < 0;
	return k;
}

static void view_net(const struct gs_network *n, struct view_net *v)
{
	if (!(v->on = n != NULL))
		return;
	struct gs_network_options no;
	gs_network_stats(n, &v->st);
	gs_network_options_of(n, &no);
	v->max_nodes = no.max_nodes;
	v->max_edges = no.max_edges;
}

static void view_put(struct view *v)
{
	if (v && atomic_fetch_sub(&v->refs, 1) == 1)
		free(v);
}

static struct view *view_get(struct gs_server *s)
{
	pthread_mutex_lock(&s->view_mu);
	struct view *v = s->view;
	if (v)
		atomic_fetch_add(&v->refs, 1);
	pthread_mutex_unlock(&s->view_mu);
	return v;
}

void gs_server_view_publish(struct gs_server *s, int force)
{
	struct view *old = s->view; /* only the pipeline changes it */
	uint64_t gen = atomic_load(&s->data_gen);
	int more = atomic_load(&s->more);
	double now = gs_now();
	if (old && !force) {
		double age = (now - old->at) * 1000;
		if (old->gen == gen ? age < VIEW_IDLE_MS
				    : more && age < VIEW_MAX_AGE_MS)
			return;
	}
	struct view *v = malloc(sizeof *v + s->nsrc * sizeof v->src[0]);
	if (!v)
		return; /* the old one stays */
	memset(v, 0, sizeof *v);
	atomic_init(&v->refs, 1);
	v->gen = gen;
	v->at = now;
	gs_engine_summary(s->e, &v->sum);
	if (old && (old->gen == gen ||
		    (more && (now - old->heavy_at) * 1000 < VIEW_HEAVY_MS))) {
		v->heavy_at = old->heavy_at;
		v->engine_memory = old->engine_memory;
		v->net = old->net;
		v->tagnet = old->tagnet;
	} else {
		struct gs_memory mem;
		gs_engine_memory(s->e, &mem);
		v->heavy_at = now;
		v->engine_memory = mem.total;
		view_net(s->net, &v->net);
		view_net(s->tagnet, &v->tagnet);
	}
	v->lines = s->lines;
	memcpy(v->malformed_by, s->malformed_by, sizeof v->malformed_by);
	memcpy(v->skipped_by, s->skipped_by, sizeof v->skipped_by);
	v->late_posts = s->l.late_posts;
	v->future_posts = s->future_posts;
	v->out_of_window = s->out_of_window;
	memcpy(v->filtered, s->filtered, sizeof v->filtered);
	v->retracted = s->retracted;
	v->retract_unresolved = s->retract_unresolved;
	v->recent_evicted = s->recent.evicted;
	v->recent_held = s->recent.n;
	v->recent_bytes = gs_recent_bytes(&s->recent);
	v->recent_max = s->recent.max_bytes;
	v->buckets_closed = s->buckets_closed;
	v->trend_changes = s->trend_changes;
	memcpy(v->sec_stamp, s->sec_stamp, sizeof v->sec_stamp);
	memcpy(v->sec_posts, s->sec_posts, sizeof v->sec_posts);
	v->live_started = s->l.started;
	v->open_bucket = s->l.next;
	v->finished = s->finished;
	v->nev = s->nev;
	v->open_trends = open_trends(s);
	v->nsrc = s->nsrc;
	for (size_t i = 0; i < s->nsrc; i++)
		v->src[i] = s->src[i].info;
	v->kafka_on = s->kafka != NULL;
	if (s->kafka)
		gs_kafka_info(s->kafka, &v->kafka);
	pthread_mutex_lock(&s->view_mu);
	s->view = v;
	pthread_mutex_unlock(&s->view_mu);
	view_put(old);
}

void gs_server_view_free(struct gs_server *s)
{
	view_put(s->view);
	s->view = NULL;
}

/* What a network holds and has evicted (the per-tag table: of all tags). */
static void net_stats_json(FILE *f, const struct view_net *n)
{
	if (!n->on) {
		fputs("null", f);
		return;
	}
	const struct gs_network_stats st = n->st;
	const struct view_net no = *n;
	fprintf(f,
		"{\"nodes\":%llu,\"edges\":%llu,\"max_nodes\":%zu,\"max_edges\":%zu,"
		"\"weight\":%llu,\"evicted\":{\"edges\":%llu,\"weight\":%llu,\"max_weight\":%llu,"
		"\"nodes\":%llu}}",
		(unsigned long long)st.nodes_held,
		(unsigned long long)st.edges_held, no.max_nodes, no.max_edges,
		(unsigned long long)st.weight_total,
		(unsigned long long)st.edges_evicted,
		(unsigned long long)st.weight_evicted,
		(unsigned long long)st.evicted_max_weight,
		(unsigned long long)st.nodes_evicted);
}

void gs_server_stats(struct gs_server *s, struct reply *r)
{
	struct view *v = view_get(s);
	struct out o;
	if (!v || out_open(&o)) {
		view_put(v);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	const struct gs_summary sum = v->sum;
	FILE *f = o.f;
	double now = now_wall();
	fprintf(f,
		"{\"version\":\"%s\",\"uptime_seconds\":%.1f,\"lines\":%llu,\"posts\":%llu,"
		"\"originals\":%llu,\"reposts\":%llu,\"reposts_unresolved\":%llu,"
		"\"replies\":%llu,\"quotes\":%llu,"
		"\"malformed\":%llu,\"malformed_by_reason\":{",
		GS_VERSION, gs_now() - s->started, (unsigned long long)v->lines,
		(unsigned long long)sum.posts,
		(unsigned long long)sum.originals,
		(unsigned long long)sum.reposts,
		(unsigned long long)sum.reposts_unresolved,
		(unsigned long long)sum.replies, (unsigned long long)sum.quotes,
		(unsigned long long)malformed_of(v));
	int k = 0;
	for (int i = 0; i < REASONS; i++)
		if (v->malformed_by[i])
			fprintf(f, "%s\"%s\":%llu", k++ ? "," : "",
				reason_name(i),
				(unsigned long long)v->malformed_by[i]);
	fprintf(f, "},\"skipped\":%llu,\"skipped_by_kind\":{",
		(unsigned long long)sum.skipped);
	k = 0;
	for (int i = 1; i < GS_NONPOST_COUNT; i++)
		if (v->skipped_by[i])
			fprintf(f, "%s\"%s\":%llu", k++ ? "," : "",
				gs_nonpost_key((enum gs_nonpost)i),
				(unsigned long long)v->skipped_by[i]);
	fprintf(f,
		"},\"late_posts\":%llu,\"future_posts\":%llu,"
		"\"out_of_window\":%llu,\"posts_per_second\":%.2f,",
		(unsigned long long)v->late_posts,
		(unsigned long long)v->future_posts,
		(unsigned long long)v->out_of_window, posts_per_second(s, v));
	/* as report --json's summary has them */
	fputs("\"filtered\":", f);
	for (int i = GS_FILTER_SINCE; i < GS_FILTER_EXCLUDED_IDS; i++)
		fprintf(f, "%c\"%s\":%llu", i == GS_FILTER_SINCE ? '{' : ',',
			gs_filter_reason_key((enum gs_filter_reason)i),
			(unsigned long long)v->filtered[i]);
	fprintf(f, "},\"excluded\":%llu,",
		(unsigned long long)v->filtered[GS_FILTER_EXCLUDED_IDS]);
	/* issue 12 part 5: deletions */
	fprintf(f,
		"\"retracted\":%llu,\"retractions_unresolved\":%llu,"
		"\"retract_window\":{\"posts\":%zu,\"bytes\":%zu,"
		"\"max_bytes\":%zu,\"evicted\":%llu},",
		(unsigned long long)v->retracted,
		(unsigned long long)v->retract_unresolved, v->recent_held,
		v->recent_bytes, v->recent_max,
		(unsigned long long)v->recent_evicted);
	fputs("\"newest_post\":", f);
	if (sum.posts) {
		gs_json_time(f, sum.last_ms);
		fprintf(f, ",\"lag_seconds\":%.3f",
			now - (double)sum.last_ms / 1000);
	} else {
		fputs("null,\"lag_seconds\":null", f);
	}
	char bw[16];
	gs_duration_format(s->o.engine.bucket_ms, bw);
	fprintf(f,
		",\"bucket\":\"%s\",\"lateness_buckets\":%lld,\"open_bucket\":",
		bw, (long long)s->o.lateness);
	if (v->live_started)
		gs_json_time(f, v->open_bucket);
	else
		fputs("null", f);
	fprintf(f,
		",\"buckets_closed\":%llu,\"idle_closed\":%s,\"tags_tracked\":%llu,"
		"\"accounts\":%.0f,\"trends\":{\"events\":%zu,\"open\":%zu,\"changes\":%llu},"
		"\"stream_clients\":%u,\"sources\":[",
		(unsigned long long)v->buckets_closed,
		v->finished ? "true" : "false",
		(unsigned long long)sum.tags_tracked, sum.accounts, v->nev,
		v->open_trends, (unsigned long long)v->trend_changes,
		atomic_load(&s->stream_clients));
	for (size_t i = 0; i < s->nsrc; i++) {
		const struct gs_follow_info *fi = &v->src[i];
		struct source_out so = source_out(fi);
		fputs(i ? ",{\"path\":" : "{\"path\":", f);
		gs_json_str(f, s->src[i].path);
		fprintf(f,
			",\"kind\":\"%s\",\"state\":\"%s\",\"offset\":%llu,\"size\":%lld,"
			"\"inode\":%llu,\"lines\":%llu,\"too_long\":%llu,\"rotations\":%llu,"
			"\"truncations\":%llu",
			source_kind(fi->kind), source_state(fi->state),
			(unsigned long long)so.offset, (long long)fi->size,
			(unsigned long long)fi->ino,
			(unsigned long long)fi->lines,
			(unsigned long long)fi->too_long,
			(unsigned long long)so.rotations,
			(unsigned long long)so.truncations);
		if (fi->err)
			fprintf(f, ",\"error\":\"%s\"", strerror(fi->err));
		fputc('}', f);
	}
	fputs("],\"networks\":{\"accounts\":", f);
	net_stats_json(f, &v->net);
	fputs(",\"tags\":", f);
	net_stats_json(f, &v->tagnet);
	fputc('}', f);
	if (v->kafka_on) {
		const struct gs_kafka_info *k = &v->kafka;
		fprintf(f,
			",\"kafka\":{\"partitions\":%zu,\"owned\":%zu,\"with_state\":%zu,"
			"\"messages\":%llu,\"too_long\":%llu,\"states_published\":%llu,"
			"\"states_acked\":%llu,\"states_failed\":%llu,\"states_read\":%llu,"
			"\"states_bad\":%llu,\"rebalances\":%llu,\"state_bytes\":%llu,"
			"\"state_records\":%llu,\"states_stale\":%llu,"
			"\"partial_dropped\":%llu,\"fenced\":%llu}",
			k->partitions, k->owned, k->with_state,
			(unsigned long long)k->messages,
			(unsigned long long)k->too_long,
			(unsigned long long)k->published,
			(unsigned long long)k->acked,
			(unsigned long long)k->publish_failed,
			(unsigned long long)k->states_read,
			(unsigned long long)k->states_bad,
			(unsigned long long)k->rebalances,
			(unsigned long long)k->state_bytes,
			(unsigned long long)k->chunks,
			(unsigned long long)k->stale,
			(unsigned long long)k->partial_dropped,
			(unsigned long long)k->fenced);
	}
	gs_server_snapshot_stats(s, f);
	fputs("}\n", f);
	view_put(v);
	gs_server_reply_out(r, &o);
}

static void metric(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP groundswell_%s %s\n# TYPE groundswell_%s %s\n", name,
		help, name, type);
}

static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

void gs_server_metrics(struct gs_server *s, struct reply *r)
{
	struct view *v = view_get(s);
	struct out o;
	if (!v || out_open(&o)) {
		view_put(v);
		gs_server_reply_error(r, 500, "out of memory");
		return;
	}
	const struct gs_summary sum = v->sum;
	FILE *f = o.f;
	metric(f, "lines_total", "counter", "Input lines read.");
	fprintf(f, "groundswell_lines_total %llu\n",
		(unsigned long long)v->lines);
	metric(f, "posts_total", "counter", "Posts counted.");
	fprintf(f, "groundswell_posts_total %llu\n",
		(unsigned long long)sum.posts);
	metric(f, "reposts_total", "counter", "Reposts counted.");
	fprintf(f, "groundswell_reposts_total %llu\n",
		(unsigned long long)sum.reposts);
	metric(f, "malformed_lines_total", "counter",
	       "Lines rejected, by reason.");
	for (int i = 0; i < REASONS; i++)
		if (v->malformed_by[i] || -i == GS_EJSON || -i == GS_EUTF8 ||
		    -i == GS_ETOOLONG || -i == GS_ETYPE || -i == GS_EFORMAT ||
		    -i == GS_EMISSING || -i == GS_ETIME)
			fprintf(f,
				"groundswell_malformed_lines_total{reason=\"%s\"} %llu\n",
				reason_name(i),
				(unsigned long long)v->malformed_by[i]);
	metric(f, "skipped_lines_total", "counter",
	       "Well-formed lines that carry no post.");
	fprintf(f, "groundswell_skipped_lines_total %llu\n",
		(unsigned long long)sum.skipped);
	metric(f, "skipped_lines_by_kind_total", "counter",
	       "Well-formed lines that carry no post, by kind (stream control messages, non-post events).");
	for (int i = 1; i < GS_NONPOST_COUNT; i++)
		if (v->skipped_by[i])
			fprintf(f,
				"groundswell_skipped_lines_by_kind_total{kind=\"%s\"} %llu\n",
				gs_nonpost_key((enum gs_nonpost)i),
				(unsigned long long)v->skipped_by[i]);
	metric(f, "late_posts_total", "counter",
	       "Posts that arrived after their bucket was closed.");
	fprintf(f, "groundswell_late_posts_total %llu\n",
		(unsigned long long)v->late_posts);
	metric(f, "future_posts_total", "counter",
	       "Posts dated over a day after the wall clock, set aside.");
	fprintf(f, "groundswell_future_posts_total %llu\n",
		(unsigned long long)v->future_posts);
	metric(f, "out_of_window_posts_total", "counter",
	       "Posts dated outside --window-from/--window-to, left out.");
	fprintf(f, "groundswell_out_of_window_posts_total %llu\n",
		(unsigned long long)v->out_of_window);
	metric(f, "filtered_posts_total", "counter",
	       "Posts left out by --since, --until, --lang, --accounts or "
	       "--exclude-accounts, by the option.");
	for (int i = GS_FILTER_SINCE; i < GS_FILTER_EXCLUDED_IDS; i++)
		fprintf(f,
			"groundswell_filtered_posts_total{reason=\"%s\"} %llu\n",
			gs_filter_reason_key((enum gs_filter_reason)i),
			(unsigned long long)v->filtered[i]);
	metric(f, "excluded_posts_total", "counter",
	       "Posts listed in --exclude-ids, and reposts of them, left out.");
	fprintf(f, "groundswell_excluded_posts_total %llu\n",
		(unsigned long long)v->filtered[GS_FILTER_EXCLUDED_IDS]);
	/* issue 12 part 5: deletions */
	metric(f, "retracted_posts_total", "counter",
	       "Posts taken back from the counts by a delete.");
	fprintf(f, "groundswell_retracted_posts_total %llu\n",
		(unsigned long long)v->retracted);
	metric(f, "retractions_unresolved_total", "counter",
	       "Deletes of posts not, or no longer, in the table of recent posts.");
	fprintf(f, "groundswell_retractions_unresolved_total %llu\n",
		(unsigned long long)v->retract_unresolved);
	metric(f, "retract_window_posts", "gauge",
	       "Recent posts a delete can still take back.");
	fprintf(f, "groundswell_retract_window_posts %zu\n", v->recent_held);
	metric(f, "retract_window_bytes", "gauge",
	       "Bytes held by the table of recent posts.");
	fprintf(f, "groundswell_retract_window_bytes %zu\n", v->recent_bytes);
	metric(f, "posts_per_second", "gauge",
	       "Posts read per second over the last minute.");
	fprintf(f, "groundswell_posts_per_second %.3f\n",
		posts_per_second(s, v));
	if (sum.posts) {
		metric(f, "newest_post_timestamp_seconds", "gauge",
		       "Event time of the newest post.");
		fprintf(f, "groundswell_newest_post_timestamp_seconds %.3f\n",
			(double)sum.last_ms / 1000);
		metric(f, "lag_seconds", "gauge",
		       "Wall-clock time minus the newest post's time.");
		fprintf(f, "groundswell_lag_seconds %.3f\n",
			now_wall() - (double)sum.last_ms / 1000);
	}
	metric(f, "buckets_closed_total", "counter",
	       "Buckets closed and judged.");
	fprintf(f, "groundswell_buckets_closed_total %llu\n",
		(unsigned long long)v->buckets_closed);
	metric(f, "trend_events", "gauge", "Trend events detected so far.");
	fprintf(f, "groundswell_trend_events %zu\n", v->nev);
	metric(f, "trends_open", "gauge", "Trend events not yet ended.");
	fprintf(f, "groundswell_trends_open %zu\n", v->open_trends);
	metric(f, "tags_tracked", "gauge", "Tags held by the engine.");
	fprintf(f, "groundswell_tags_tracked %llu\n",
		(unsigned long long)sum.tags_tracked);
	metric(f, "engine_memory_bytes", "gauge",
	       "Heap bytes held by the engine.");
	fprintf(f, "groundswell_engine_memory_bytes %zu\n", v->engine_memory);
	metric(f, "stream_clients", "gauge",
	       "Connected server-sent-events clients.");
	fprintf(f, "groundswell_stream_clients %u\n",
		atomic_load(&s->stream_clients));
	metric(f, "http_requests_total", "counter",
	       "HTTP requests answered, by status class.");
	for (int i = 1; i < 6; i++)
		fprintf(f,
			"groundswell_http_requests_total{code=\"%dxx\"} %llu\n",
			i,
			(unsigned long long)atomic_load(&s->http_by_class[i]));
	metric(f, "connections_cut_total", "counter",
	       "Connections cut for an overdue request (headers or body) "
	       "or idleness.");
	fprintf(f, "groundswell_connections_cut_total %llu\n",
		(unsigned long long)atomic_load(&s->conns_cut));
	metric(f, "connections_refused_total", "counter",
	       "Connections closed at once, or streams refused (503), by the "
	       "limit reached.");
	fprintf(f,
		"groundswell_connections_refused_total{limit=\"connections\"} "
		"%llu\n",
		(unsigned long long)atomic_load(&s->refused_full));
	fprintf(f,
		"groundswell_connections_refused_total{limit=\"per_address\"} "
		"%llu\n",
		(unsigned long long)atomic_load(&s->refused_address));
	fprintf(f,
		"groundswell_connections_refused_total{limit=\"streams\"} "
		"%llu\n",
		(unsigned long long)atomic_load(&s->refused_streams));
	metric(f, "admin_auth_failures_total", "counter",
	       "Admin requests with a wrong token (401).");
	fprintf(f, "groundswell_admin_auth_failures_total %llu\n",
		(unsigned long long)atomic_load(&s->auth_failures));
	metric(f, "admin_auth_refused_total", "counter",
	       "Admin requests refused while their address was blocked "
	       "after failed authentications (429).");
	fprintf(f, "groundswell_admin_auth_refused_total %llu\n",
		(unsigned long long)atomic_load(&s->auth_refused));
	metric(f, "source_offset_bytes", "gauge",
	       "Bytes of each source's current file consumed.");
	for (size_t i = 0; i < s->nsrc; i++) {
		fputs("groundswell_source_offset_bytes{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\"} %llu\n",
			(unsigned long long)source_out(&v->src[i]).offset);
	}
	metric(f, "source_lines_total", "counter",
	       "Lines read from each source.");
	for (size_t i = 0; i < s->nsrc; i++) {
		fputs("groundswell_source_lines_total{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\"} %llu\n",
			(unsigned long long)(v->src[i].lines +
					     v->src[i].too_long));
	}
	metric(f, "source_rotations_total", "counter",
	       "Rotations and truncations of each followed file.");
	for (size_t i = 0; i < s->nsrc; i++) {
		fputs("groundswell_source_rotations_total{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\",kind=\"rotation\"} %llu\n",
			(unsigned long long)source_out(&v->src[i]).rotations);
		fputs("groundswell_source_rotations_total{source=\"", f);
		label_value(f, s->src[i].path);
		fprintf(f, "\",kind=\"truncation\"} %llu\n",
			(unsigned long long)source_out(&v->src[i]).truncations);
	}
	static const char *const routes[JOB_KINDS] = {
		[JOB_TRENDS] = "trends",
		[JOB_MTAGS] = "trends_tags",
		[JOB_TAG] = "tags",
		[JOB_NETWORK] = "network"};
	metric(f, "answer_builds_total", "counter",
	       "Answers built (a cached one serves every request until the data changes), by route.");
	for (int i = 0; i < JOB_KINDS; i++)
		fprintf(f,
			"groundswell_answer_builds_total{route=\"%s\"} %llu\n",
			routes[i],
			(unsigned long long)atomic_load(&s->builds[i]));
	metric(f, "answers_refused_total", "counter",
	       "Requests answered 503: too many answers were waiting to be built.");
	fprintf(f, "groundswell_answers_refused_total %llu\n",
		(unsigned long long)atomic_load(&s->jobs_refused));
	metric(f, "answers_too_large_total", "counter",
	       "Answers refused (413) for exceeding --max-answer.");
	fprintf(f, "groundswell_answers_too_large_total %llu\n",
		(unsigned long long)atomic_load(&s->answers_over));
	gs_server_snapshot_metrics(s, f);
	view_put(v);
	size_t len;
	char *b = out_close(&o, &len);
	if (!b)
		gs_server_reply_error(r, 500, "out of memory");
	else
		gs_server_reply_text(r, 200,
				     "text/plain; version=0.0.4; charset=utf-8",
				     b, len);
}
