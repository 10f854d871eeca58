/*
 * server_snapshot.c - the state snapshot (GSSV): written periodically and
 * at stop, restored at start (server_int.h).
 */
#include "server_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "count/snapio.h"
#include "base/timeutil.h"

/*
 * DIR/state.snap holds these sections (snapio.h): "GSSV", this server's
 * record (the live path's position, the counters, and each source's
 * position: path, kind, offset, device, inode and counts; last, u8 1 when
 * a per-tag network table follows), then the engine ("GSEN"), the detector
 * ("GSTR"), the whole stream's network ("GSNW") and, when there is one,
 * the per-tag network table (another "GSNW"). All are written under the
 * read lock, so the sources' offsets are exactly those of the lines the
 * engine and the networks have counted. Written to state.snap.tmp, fsync'ed,
 * renamed over state.snap, and the directory fsync'ed: a crash leaves the old
 * snapshot or the new one, never a torn one.
 */
#define SV_MAGIC "GSSV"
/* 2: the networks follow the detector; 3: skipped by kind */
#define SV_VERSION     4
#define SV_MAX_SOURCES 4096

/* A counter array: u32 n, then n u64. A reader keeps the first `have`
 * (counters are only ever appended, so older or newer files agree on
 * those) and refuses more than `most`. */
static void wr_counters(struct gs_wr *w, const uint64_t *v, uint32_t n)
{
	gs_wr_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		gs_wr_u64(w, v[i]);
}

static void rd_counters(struct gs_rd *rd, uint64_t *v, uint32_t have,
			uint32_t most)
{
	uint32_t n = gs_rd_u32(rd);
	if (n > most)
		rd->err = GS_EFORMAT;
	for (uint32_t i = 0; i < n && !rd->err; i++) {
		uint64_t x = gs_rd_u64(rd);
		if (i < have)
			v[i] = x;
	}
}

static void sv_body(struct gs_wr *w, const void *obj)
{
	const struct gs_server *s = obj;
	gs_wr_i64(w, s->o.engine.bucket_ms);
	gs_wr_i64(w, s->l.lateness_buckets);
	gs_wr_i64(w, s->l.next);
	gs_wr_u8(w, (uint8_t)s->l.started);
	gs_wr_u64(w, s->l.late_posts);
	gs_wr_u8(w, (uint8_t)s->finished);
	gs_wr_u64(w, s->lines);
	wr_counters(w, s->malformed_by, REASONS);
	gs_wr_u64(w, s->buckets_closed);
	gs_wr_u64(w, s->trend_changes);
	gs_wr_u64(w, s->posts_in);
	gs_wr_u64(w, s->next_id);
	gs_wr_u64(w, s->future_posts);
	gs_wr_u64(w, s->out_of_window);
	wr_counters(w, s->skipped_by, GS_NONPOST_COUNT);
	gs_wr_u32(w, (uint32_t)s->nsrc);
	for (size_t i = 0; i < s->nsrc; i++) {
		const struct gs_follow_info *fi = &s->src[i].info;
		size_t n = strlen(s->src[i].path);
		gs_wr_u32(w, (uint32_t)n);
		gs_wr_bytes(w, s->src[i].path, n);
		gs_wr_u8(w, (uint8_t)fi->kind);
		struct source_out so = source_out(fi);
		gs_wr_u64(w, so.offset);
		gs_wr_u64(w, fi->dev);
		gs_wr_u64(w, fi->ino);
		gs_wr_u64(w, fi->lines);
		gs_wr_u64(w, fi->too_long);
		gs_wr_u64(w, so.rotations);
		gs_wr_u64(w, so.truncations);
	}
	gs_wr_u8(w, s->tagnet ? 1 : 0);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

/* Writes the snapshot; the read lock (at least) is held. */
static int snapshot_write(struct gs_server *s)
{
	char tmp[4096], fin[4096];
	snprintf(tmp, sizeof tmp, "%s/state.snap.tmp", s->state_dir);
	snprintf(fin, sizeof fin, "%s/state.snap", s->state_dir);
	FILE *f = gs_server_fopen_private(tmp, 0);
	if (!f)
		return GS_EIO;
	int r = gs_snap_write(f, SV_MAGIC, SV_VERSION, sv_body, s);
	if (!r)
		r = gs_engine_save(s->e, f);
	if (!r)
		r = gs_trend_save(s->t, f);
	if (!r)
		r = gs_network_save(s->net, f);
	if (!r && s->tagnet)
		r = gs_network_save(s->tagnet, f);
	if (!r && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		r = GS_EIO;
	if (fclose(f) != 0 && !r)
		r = GS_EIO;
	if (!r && rename(tmp, fin) != 0)
		r = GS_EIO;
	if (!r)
		fsync_dir(s->state_dir);
	return r;
}

int gs_server_snapshot(struct gs_server *s)
{
	if (!s->state_dir)
		return 0;
	double t0 = gs_now();
	pthread_rwlock_rdlock(&s->lock);
	int r = 0;
	if (s->lines != s->snap_lines || s->finished != s->snap_finished ||
	    !s->last_snapshot) {
		r = snapshot_write(s);
		if (!r) {
			s->snap_lines = s->lines;
			s->snap_finished = s->finished;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	s->last_snapshot = t0;
	if (r && !s->snap_err)
		gs_server_log(s, "cannot write the snapshot in '%s': %s",
			      s->state_dir,
			      r == GS_EIO ? strerror(errno) : gs_strerror(r));
	s->snap_err = r;
	return r;
}

/* Restores DIR/state.snap when there is one: 0 (restored or none), or an
 * error with a message. Sources are opened by the caller from *saved. */
int gs_server_snapshot_load(struct gs_server *s, struct saved_source **saved,
			    size_t *nsaved, char *err, size_t errlen)
{
	*saved = NULL;
	*nsaved = 0;
	char fin[4096];
	snprintf(fin, sizeof fin, "%s/state.snap", s->state_dir);
	FILE *f = fopen(fin, "rb");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read '%s': %s", fin,
			 strerror(errno));
		return GS_EIO;
	}
	unsigned char *pl = NULL;
	size_t len = 0;
	int r = gs_snap_read(f, SV_MAGIC, SV_VERSION, &pl, &len);
	struct gs_engine *e = NULL;
	struct gs_trend *t = NULL;
	struct gs_network *net = NULL, *tagnet = NULL;
	/* the record's last byte says whether a per-tag table follows */
	int has_tagnet = !r && len && pl[len - 1] == 1;
	if (!r) {
		e = gs_engine_load(f, &r);
		if (e)
			t = gs_trend_load(f, &r);
		if (t)
			net = gs_network_load(f, &r);
		if (net && has_tagnet)
			tagnet = gs_network_load(f, &r);
	}
	fclose(f);
	if (e) /* the memory bound is this run's, not the snapshot's */
		gs_engine_set_max_bytes(e, s->o.engine.max_bytes);
	if (r || !e || !t || !net || (has_tagnet && !tagnet)) {
		free(pl);
		gs_engine_free(e);
		gs_trend_free(t);
		gs_network_free(net);
		gs_network_free(tagnet);
		snprintf(
			err, errlen,
			"cannot restore '%s': %s (move it away to start afresh)",
			fin, gs_strerror(r ? r : GS_EFORMAT));
		return r ? r : GS_EFORMAT;
	}
	struct gs_rd rd = {pl, pl + len, 0};
	int64_t bucket = gs_rd_i64(&rd);
	int64_t lateness = gs_rd_i64(&rd);
	int64_t next = gs_rd_i64(&rd);
	int started = gs_rd_u8(&rd);
	uint64_t late = gs_rd_u64(&rd);
	int finished = gs_rd_u8(&rd);
	uint64_t lines = gs_rd_u64(&rd);
	uint64_t mal[REASONS] = {0};
	rd_counters(&rd, mal, REASONS, 64);
	uint64_t closed = gs_rd_u64(&rd), changes = gs_rd_u64(&rd),
		 posts_in = gs_rd_u64(&rd);
	uint64_t next_id = gs_rd_u64(&rd);
	uint64_t future = gs_rd_u64(&rd);
	uint64_t out_of_window = gs_rd_u64(&rd);
	uint64_t skipped_by[GS_NONPOST_COUNT] = {0};
	rd_counters(&rd, skipped_by, GS_NONPOST_COUNT, 256);
	uint32_t ns = gs_rd_u32(&rd);
	struct saved_source *v = NULL;
	if (!rd.err && ns <= SV_MAX_SOURCES)
		v = calloc(ns ? ns : 1, sizeof *v);
	size_t k = 0;
	for (; v && k < ns && !rd.err; k++) {
		uint32_t n = gs_rd_u32(&rd);
		const unsigned char *p = n <= 4096 ? gs_rd_take(&rd, n) : NULL;
		if (!p) {
			rd.err = GS_EFORMAT;
			break;
		}
		v[k].path = strndup((const char *)p, n);
		v[k].kind = gs_rd_u8(&rd);
		v[k].offset = gs_rd_u64(&rd);
		v[k].dev = gs_rd_u64(&rd);
		v[k].ino = gs_rd_u64(&rd);
		v[k].lines = gs_rd_u64(&rd);
		v[k].too_long = gs_rd_u64(&rd);
		v[k].rotations = gs_rd_u64(&rd);
		v[k].truncations = gs_rd_u64(&rd);
		if (!v[k].path)
			rd.err = GS_ENOMEM;
	}
	if (gs_rd_u8(&rd) != has_tagnet)
		rd.err = GS_EFORMAT;
	free(pl);
	struct gs_summary sum;
	gs_engine_summary(e, &sum);
	const char *why = NULL;
	struct gs_network_options no, to;
	gs_network_options_of(net, &no);
	if (tagnet)
		gs_network_options_of(tagnet, &to);
	if (rd.err || !v || gs_rd_left(&rd))
		why = "corrupt server record";
	else if (no.kinds != GS_NET_ACCOUNTS || no.per_tag || no.tag ||
		 no.bucket_ms ||
		 (tagnet &&
		  (to.kinds != GS_NET_ACCOUNTS || !to.per_tag || to.bucket_ms)))
		why = "its networks are not serve's";
	else if (bucket != s->o.engine.bucket_ms || sum.bucket_ms != bucket)
		why = "it was made with another --bucket";
	if (why) {
		for (size_t i = 0; v && i < k; i++)
			free(v[i].path);
		free(v);
		gs_engine_free(e);
		gs_trend_free(t);
		gs_network_free(net);
		gs_network_free(tagnet);
		snprintf(
			err, errlen,
			"cannot restore '%s': %s (move it away to start afresh)",
			fin, why);
		return GS_EFORMAT;
	}
	(void)lateness;
	gs_engine_free(s->e);
	gs_trend_free(s->t);
	s->e = e;
	s->t = t;
	gs_network_free(s->net);
	s->net = net;
	if (s->tagnet && tagnet && to.max_edges == s->o.tag_network_edges) {
		gs_network_free(s->tagnet);
		s->tagnet = tagnet;
	} else if (s->tagnet && tagnet) {
		/* another --tag-network-edges: the new cap applies (by
		 * eviction) */
		if (gs_network_merge(s->tagnet, tagnet))
			gs_server_log(s, "out of memory (network)");
		gs_network_free(tagnet);
	} else {
		if (s->tagnet)
			gs_server_log(
				s,
				"the per-tag networks start empty: '%s' has none",
				fin);
		gs_network_free(tagnet);
	}
	gs_trend_live_init(&s->l, s->e, s->t, s->o.lateness);
	s->l.next = next;
	s->l.started = started;
	s->l.late_posts = late;
	s->finished = finished;
	s->lines = lines;
	memcpy(s->malformed_by, mal, sizeof mal);
	s->buckets_closed = closed;
	s->trend_changes = changes;
	s->posts_in = posts_in;
	s->next_id = next_id ? next_id : 1;
	s->future_posts = future;
	s->out_of_window = out_of_window;
	memcpy(s->skipped_by, skipped_by, sizeof s->skipped_by);
	s->snap_lines = lines;
	s->snap_finished = finished;
	/* the detector's events, without announcing them again */
	const struct gs_trend_event *ev;
	size_t n = gs_trend_events(s->t, &ev);
	if (n) {
		s->ev = malloc(n * sizeof *s->ev);
		if (s->ev) {
			memcpy(s->ev, ev, n * sizeof *ev);
			s->nev = n;
		}
	}
	*saved = v;
	*nsaved = k;
	gs_server_log(s,
		      "restored '%s': %llu lines, %llu posts, %zu trend events",
		      fin, (unsigned long long)lines,
		      (unsigned long long)sum.posts, s->nev);
	return 0;
}
