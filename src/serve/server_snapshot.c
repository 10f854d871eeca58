/*
 * server_snapshot.c - the state snapshot (GSSV): written periodically and
 * at stop, restored at start (server_int.h).
 */
#include "server_int.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "count/seal.h"
#include "count/snapio.h"
#include "base/timeutil.h"
#include "out/json_writer.h"

/*
 * DIR/state.snap holds these sections (snapio.h): "GSSV", this server's
 * record (the live path's position, the counters, and each source's
 * position: path, kind, offset, device, inode and counts; last, u8 1 when
 * a per-tag network table follows), then the engine ("GSEN"), the detector
 * ("GSTR"), the whole stream's network ("GSNW") and, when there is one,
 * the per-tag network table (another "GSNW"), from version 5 the table
 * of recent posts for retractions ("GSRC", rc_body), then under
 * --by-language the languages' counts ("GSLA" and its engines,
 * gs_langs_save) and detectors ("GSTL", gs_trend_langs_save), then the
 * co-occurrence counter ("GSCO", cooccur.c), and nothing after them (issue
 * 13: GSLA/GSTL and GSCO are absent from older snapshots, which still
 * load, the counts they hold starting empty, said)
 * (encrypted under --pseudonymize-key-file: see "GSXC" below). All are
 * serialised under the read lock, so the sources' offsets are exactly those
 * of the lines the engine and the networks have counted; the bytes are then
 * written without the lock (gs_server_snapshot says why) to
 * state.snap.tmp, fsync'ed, renamed over state.snap, and the directory
 * fsync'ed: a crash leaves the old snapshot or the new one, never a torn
 * one. A failed write removes the .tmp and shows in /stats and /metrics.
 */
#define SV_MAGIC "GSSV"
/* 2: the networks follow the detector; 3: skipped by kind; 5 (issue 12
 * part 5): the retraction counters in the record, and a "GSRC" section
 * last; version 4 is still read (the table then starts empty) */
#define SV_VERSION     5
#define SV_VERSION_OLD 4
#define RC_MAGIC       "GSRC"
#define RC_VERSION     1
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
	gs_wr_u64(w, s->retracted);
	gs_wr_u64(w, s->retract_unresolved);
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

/* The table of recent posts (count/recent.h): u64 records, then each,
 * oldest first: u64 key, u16 deliveries, u32 length, the packed record. */
static void rc_body(struct gs_wr *w, const void *obj)
{
	const struct gs_recent *t = obj;
	struct gs_recent_cursor c = {0, 0};
	uint64_t key;
	const unsigned char *rec;
	size_t n;
	unsigned times;
	gs_wr_u64(w, t->n);
	while (gs_recent_walk(t, &c, &key, &rec, &n, &times)) {
		gs_wr_u64(w, key);
		gs_wr_u16(w, (uint16_t)times);
		gs_wr_u32(w, (uint32_t)n);
		gs_wr_bytes(w, rec, n);
	}
}

/* Puts the saved records back into s->recent (this run's bound: the
 * oldest go first when it is smaller). 0, or GS_EFORMAT. */
static int rc_restore(struct gs_server *s, const unsigned char *pl, size_t len)
{
	struct gs_rd rd = {pl, pl + len, 0};
	uint64_t n = gs_rd_u64(&rd);
	for (uint64_t i = 0; i < n && !rd.err; i++) {
		uint64_t key = gs_rd_u64(&rd);
		unsigned times = gs_rd_u16(&rd);
		uint32_t m = gs_rd_u32(&rd);
		const unsigned char *rec = gs_rd_take(&rd, m);
		struct gs_post p;
		uint64_t hs[GS_RECENT_HASHES];
		size_t nh;
		if (!rec || !times || gs_recent_unpack(rec, m, &p, hs, &nh))
			return GS_EFORMAT;
		for (unsigned k = 0; k < times; k++)
			if (gs_recent_put(&s->recent, key, rec, m))
				return GS_ENOMEM;
	}
	return rd.err || gs_rd_left(&rd) ? GS_EFORMAT : 0;
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

/* A message into msg[0..n), cut if it must be (paths are long). */
static void say(char *msg, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
}

/* Writes into the snapshot's chunks at the write position (a fopencookie
 * writer, which can seek): fixed chunks,
 * never moved, so nothing is copied twice (open_memstream's doubling cost
 * 2.2 s for 76 MB against 0.3 s here). */
static ssize_t chunks_write(void *cookie, const char *p, size_t n)
{
	struct snap_chunks *k = cookie;
	size_t done = 0;
	while (done < n) {
		size_t ci = k->pos / SNAP_CHUNK, off = k->pos % SNAP_CHUNK;
		if (ci >= k->cap) {
			size_t nc = k->cap ? 2 * k->cap : 16;
			while (nc <= ci)
				nc *= 2;
			char **v = realloc(k->c, nc * sizeof *v);
			if (!v)
				return done ? (ssize_t)done : -1;
			memset(v + k->cap, 0, (nc - k->cap) * sizeof *v);
			k->c = v;
			k->cap = nc;
		}
		if (!k->c[ci] && !(k->c[ci] = malloc(SNAP_CHUNK)))
			return done ? (ssize_t)done : -1;
		size_t m = n - done;
		if (m > SNAP_CHUNK - off)
			m = SNAP_CHUNK - off;
		memcpy(k->c[ci] + off, p + done, m);
		done += m;
		k->pos += m;
		if (k->pos > k->len)
			k->len = k->pos;
	}
	k->n = (k->len + SNAP_CHUNK - 1) / SNAP_CHUNK;
	k->used = k->n ? k->len - (k->n - 1) * SNAP_CHUNK : 0;
	return (ssize_t)n;
}

/* Seeks within what was written (gs_snap_write goes back to put each
 * section's length in its header). */
static int chunks_seek(void *cookie, off64_t *off, int whence)
{
	struct snap_chunks *k = cookie;
	off64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (off64_t)k->pos
					    : (off64_t)k->len;
	off64_t np = base + *off;
	if (np < 0 || np > (off64_t)k->len)
		return -1;
	k->pos = (size_t)np;
	*off = np;
	return 0;
}

void gs_server_snapshot_free(struct gs_server *s)
{
	for (size_t i = 0; i < s->chunks.cap; i++)
		free(s->chunks.c[i]);
	free(s->chunks.c);
	memset(&s->chunks, 0, sizeof s->chunks);
}

/* The state's sections into s->chunks (the read lock held): their length
 * in *len, or an error. */
static int snapshot_serialize(struct gs_server *s, size_t *len)
{
	struct snap_chunks *k = &s->chunks;
	k->n = k->used = k->pos = k->len = 0;
	*len = 0;
	cookie_io_functions_t io = {.write = chunks_write, .seek = chunks_seek};
	FILE *f = fopencookie(k, "w", io);
	if (!f)
		return GS_ENOMEM;
	int r = gs_snap_write(f, SV_MAGIC, SV_VERSION, sv_body, s);
	if (!r)
		r = gs_engine_save(s->e, f);
	if (!r)
		r = gs_trend_save(s->t, f);
	if (!r)
		r = gs_network_save(s->net, f);
	if (!r && s->tagnet)
		r = gs_network_save(s->tagnet, f);
	if (!r)
		r = gs_snap_write(f, RC_MAGIC, RC_VERSION, rc_body, &s->recent);
	if (!r && s->langs) { /* issue 13: each language's counts, detectors */
		pthread_mutex_lock(&s->lang_mu); /* readers sort the events */
		r = gs_langs_save(s->langs, f);
		if (!r)
			r = gs_trend_langs_save(s->tlangs, f);
		pthread_mutex_unlock(&s->lang_mu);
	}
	if (!r)
		r = gs_cooccur_save(s->cooc, f);
	/* writing to memory fails only for want of memory */
	if (r == GS_EIO)
		r = GS_ENOMEM;
	if (fclose(f) != 0 && !r)
		r = GS_ENOMEM;
	*len = k->len;
	return r;
}

/*
 * Under --pseudonymize-key(-file) the file is encrypted: the state holds
 * account ids (the networks' nodes, the mentions, post ids that are
 * Bluesky URIs with their author's DID), and a snapshot is a file that is
 * copied, backed up and left behind. Pseudonymising the ids as they are
 * counted would change the networks' slot layout (and so which ties an
 * eviction breaks) and the order of ties, so the answers would no longer
 * equal a batch run's; encrypting the bytes keeps every answer as it is and
 * leaves no id, raw or hashed, in the file. count/seal.h has the
 * construction and the format ("GSXC", version 1: records of at most
 * SNAP_CHUNK plain bytes, the last tagged final); the key is derived from
 * the pseudonymisation key under this context, so the same secret restores
 * the state and another is refused.
 */
static const struct gs_seal_kind xc_kind = {
	{'G', 'S', 'X', 'C'},
	"groundswell/serve/v1 state snapshot key",
	"--pseudonymize-key-file",
};

/* Writes the chunks to f, encrypted (XC format) when ps is set: 0, or
 * errno. */
static int chunks_out(const struct snap_chunks *k, const struct gs_pseudo *ps,
		      FILE *f)
{
	if (!ps) {
		for (size_t i = 0; i < k->n; i++) {
			size_t n = i + 1 < k->n ? SNAP_CHUNK : k->used;
			if (fwrite(k->c[i], 1, n, f) != n)
				return errno ? errno : EIO;
		}
		return 0;
	}
	int e;
	struct gs_seal *x = gs_seal_writer(f, &xc_kind, ps->key, &e);
	if (!x)
		return e == GS_ENOMEM ? ENOMEM : errno ? errno : EIO;
	for (size_t i = 0; i < k->n && !e; i++) {
		size_t n = i + 1 < k->n ? SNAP_CHUNK : k->used;
		e = gs_seal_write(x, k->c[i], n);
	}
	if (!e)
		e = gs_seal_finish(x);
	gs_seal_free(x);
	return e ? (errno ? errno : EIO) : 0;
}

/* Writes the chunks as DIR/state.snap (no lock held): .tmp, fsync, rename,
 * fsync of the directory. On failure the .tmp is removed and msg says what
 * failed, naming the file. */
static int snapshot_store(struct gs_server *s, char *msg, size_t msglen)
{
	char tmp[4096], fin[4096];
	snprintf(tmp, sizeof tmp, "%s/state.snap.tmp", s->state_dir);
	snprintf(fin, sizeof fin, "%s/state.snap", s->state_dir);
	FILE *f = gs_server_fopen_private(tmp, 0);
	if (!f) {
		say(msg, msglen, "cannot create '%s': %s", tmp,
		    strerror(errno));
		return GS_EIO;
	}
	const char *step = "write";
	int e = 0;
	e = chunks_out(&s->chunks, s->o.pseudo, f);
	if (!e && fflush(f) != 0)
		e = errno;
	else if (!e && fsync(fileno(f)) != 0)
		e = errno, step = "fsync";
	if (fclose(f) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, fin) != 0)
		e = errno, step = "rename";
	if (e) {
		say(msg, msglen, "cannot %s '%s': %s", step,
		    !strcmp(step, "rename") ? fin : tmp, strerror(e));
		/* a partial .tmp is of no use, and may fill the disk */
		unlink(tmp);
		return GS_EIO;
	}
	fsync_dir(s->state_dir);
	return 0;
}

/*
 * Why outside the lock: a snapshot of a large state written and fsync'ed
 * under the read lock stalled the pipeline, and behind it every request,
 * for as long as the disk took (/stats p99 22 -> 607 ms, ingest -28% at
 * --snapshot-every 1s, as the issue measured it). Now the lock is held only
 * while the state is serialised into memory; the file is written (and
 * encrypted), fsync'ed and renamed without it. The bytes are those of one
 * instant, so the crash guarantees are unchanged; the price is a copy of
 * the snapshot in memory, kept between snapshots (its pages faulted in
 * again each time made the lock last twice as long). fork(), as Redis's
 * BGSAVE, was tried and measured worse here (bench/serve-snapshot.md): the
 * fork of a large process held the lock 0.12 s, and the pages the pipeline
 * then changed were copied on write while the child took a CPU from it
 * (ingest 1,289 posts/s against 5,332); a child of a multi-threaded server
 * is also fragile (GCC 12's ASan does not lock its allocator at fork).
 */
int gs_server_snapshot(struct gs_server *s)
{
	if (!s->state_dir)
		return 0;
	double t0 = gs_now();
	pthread_rwlock_rdlock(&s->lock);
	int r = 0, due = s->lines != s->snap_lines ||
			 s->finished != s->snap_finished || !s->last_snapshot;
	uint64_t lines = s->lines;
	int finished = s->finished;
	size_t len = 0;
	if (due)
		r = snapshot_serialize(s, &len);
	pthread_rwlock_unlock(&s->lock);
	double t1 = gs_now();
	s->last_snapshot = t0;
	if (!due)
		return 0;
	char msg[512] = "";
	if (!r)
		r = snapshot_store(s, msg, sizeof msg);
	else
		snprintf(msg, sizeof msg, "cannot serialise the state: %s",
			 gs_strerror(r));
	double t2 = gs_now();
	if (!r) {
		s->snap_lines = lines;
		s->snap_finished = finished;
	}
	pthread_mutex_lock(&s->snap_mu);
	struct snap_health *h = &s->snap;
	h->locked_s = t1 - t0;
	h->took_s = t2 - t0;
	if (!r) {
		h->written++;
		h->ok_wall = now_wall();
		h->bytes = len;
	} else {
		h->failures++;
		h->err_wall = now_wall();
		snprintf(h->err, sizeof h->err, "%s", msg);
	}
	int was = h->failing;
	h->failing = r != 0;
	pthread_mutex_unlock(&s->snap_mu);
	/* said once when it starts failing, and once when it recovers */
	if (r && !was)
		gs_server_log(s,
			      "%s: the state is not saved until a snapshot "
			      "succeeds",
			      msg);
	else if (!r && was)
		gs_server_log(s, "snapshot written again to '%s'",
			      s->state_dir);
	return r;
}

void gs_server_snapshot_stats(struct gs_server *s, FILE *f)
{
	if (!s->state_dir)
		return;
	pthread_mutex_lock(&s->snap_mu);
	struct snap_health h = s->snap;
	pthread_mutex_unlock(&s->snap_mu);
	fputs(",\"snapshots\":{\"dir\":", f);
	gs_json_str(f, s->state_dir);
	fprintf(f, ",\"written\":%llu,\"failures\":%llu,\"failing\":%s",
		(unsigned long long)h.written, (unsigned long long)h.failures,
		h.failing ? "true" : "false");
	fputs(",\"last_success\":", f);
	if (h.written)
		gs_json_time(f, (int64_t)(h.ok_wall * 1000));
	else
		fputs("null", f);
	fputs(",\"last_error\":", f);
	if (h.failures)
		gs_json_str(f, h.err);
	else
		fputs("null", f);
	fputs(",\"last_error_time\":", f);
	if (h.failures)
		gs_json_time(f, (int64_t)(h.err_wall * 1000));
	else
		fputs("null", f);
	fprintf(f, ",\"bytes\":%zu,\"seconds\":%.3f,\"locked_seconds\":%.3f}",
		h.bytes, h.took_s, h.locked_s);
}

void gs_server_snapshot_metrics(struct gs_server *s, FILE *f)
{
	if (!s->state_dir)
		return;
	pthread_mutex_lock(&s->snap_mu);
	struct snap_health h = s->snap;
	pthread_mutex_unlock(&s->snap_mu);
	fputs("# HELP groundswell_snapshots_total Snapshots of the state written.\n"
	      "# TYPE groundswell_snapshots_total counter\n",
	      f);
	fprintf(f, "groundswell_snapshots_total %llu\n",
		(unsigned long long)h.written);
	fputs("# HELP groundswell_snapshot_failures_total Snapshots that could not be written.\n"
	      "# TYPE groundswell_snapshot_failures_total counter\n",
	      f);
	fprintf(f, "groundswell_snapshot_failures_total %llu\n",
		(unsigned long long)h.failures);
	fputs("# HELP groundswell_snapshot_failing 1 when the last snapshot failed.\n"
	      "# TYPE groundswell_snapshot_failing gauge\n",
	      f);
	fprintf(f, "groundswell_snapshot_failing %d\n", h.failing);
	if (h.written) {
		fputs("# HELP groundswell_snapshot_last_success_timestamp_seconds "
		      "When the last snapshot was written.\n"
		      "# TYPE groundswell_snapshot_last_success_timestamp_seconds gauge\n",
		      f);
		fprintf(f,
			"groundswell_snapshot_last_success_timestamp_seconds %.3f\n",
			h.ok_wall);
	}
	if (h.failures) {
		fputs("# HELP groundswell_snapshot_last_error_timestamp_seconds "
		      "When the last snapshot failed; its error is the label.\n"
		      "# TYPE groundswell_snapshot_last_error_timestamp_seconds gauge\n"
		      "groundswell_snapshot_last_error_timestamp_seconds{error=\"",
		      f);
		for (const char *p = h.err; *p; p++) {
			if (*p == '\\' || *p == '"')
				fprintf(f, "\\%c", *p);
			else if (*p == '\n')
				fputs("\\n", f);
			else
				putc(*p, f);
		}
		fprintf(f, "\"} %.3f\n", h.err_wall);
	}
	fputs("# HELP groundswell_snapshot_seconds Time the last snapshot took, "
	      "and the part with the state locked.\n"
	      "# TYPE groundswell_snapshot_seconds gauge\n",
	      f);
	fprintf(f,
		"groundswell_snapshot_seconds{part=\"all\"} %.6f\n"
		"groundswell_snapshot_seconds{part=\"locked\"} %.6f\n",
		h.took_s, h.locked_s);
}

int gs_server_state_writable(const char *dir, char *err, size_t errlen)
{
	char probe[4096];
	snprintf(probe, sizeof probe, "%s/state.snap.tmp", dir);
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--state '%s' is not a directory", dir);
		return GS_EIO;
	}
	/* what a snapshot does: create the .tmp, write it, fsync it */
	FILE *f = gs_server_fopen_private(probe, 0);
	int e = 0;
	if (!f)
		e = errno;
	else if (fputs("groundswell\n", f) == EOF || fflush(f) != 0 ||
		 fsync(fileno(f)) != 0)
		e = errno;
	if (f && fclose(f) != 0 && !e)
		e = errno;
	if (f)
		unlink(probe);
	if (e) {
		snprintf(err, errlen,
			 "cannot write in the state directory '%s' (a test "
			 "file, state.snap.tmp: %s)",
			 dir, strerror(e));
		return GS_EIO;
	}
	return 0;
}

/* Whether the next section of f is magic (f left where it was): the
 * sections that only some snapshots have ("GSLA", "GSCO"). */
static int next_is(FILE *f, const char magic[4])
{
	unsigned char m[4];
	long at = ftell(f);
	if (at < 0)
		return 0;
	size_t k = fread(m, 1, 4, f);
	if (fseek(f, at, SEEK_SET) != 0)
		return 0;
	return k == 4 && !memcmp(m, magic, 4);
}

/* After the GSRC section: the co-occurrence counter (GSCO) when the file
 * has one, made with s->cooc's options but the engine e's bucket (another
 * bucket than this run's is refused afterwards, saying so); NULL with *r 0
 * when the file holds none (written before issue 13), or with the error. */
static struct gs_cooccur *cooc_load(struct gs_server *s,
				    const struct gs_engine *e, FILE *f, int *r)
{
	if (!next_is(f, "GSCO"))
		return NULL; /* none; anything else is refused after */
	struct gs_cooccur_options o;
	gs_cooccur_options_of(s->cooc, &o);
	struct gs_summary sum;
	gs_engine_summary(e, &sum);
	o.bucket_ms = sum.bucket_ms;
	return gs_cooccur_load(f, &o, r);
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
	/* encrypted (XC): decrypted into memory, then read as a plain one */
	unsigned char magic[4], *plain = NULL;
	size_t plen = 0;
	if (fread(magic, 1, 4, f) == 4 && !memcmp(magic, xc_kind.magic, 4)) {
		char why[256];
		int x = GS_EFORMAT;
		if (!s->o.pseudo)
			say(why, sizeof why,
			    "it is encrypted (it was written under "
			    "--pseudonymize-key-file): start with the same key");
		else {
			rewind(f);
			x = gs_seal_read_all(f, &xc_kind, s->o.pseudo->key,
					     &plain, &plen, why, sizeof why);
		}
		fclose(f);
		f = NULL;
		if (x) {
			snprintf(err, errlen,
				 "cannot restore '%s': %s (move it away to "
				 "start afresh)",
				 fin, why);
			return x;
		}
		f = plen ? fmemopen(plain, plen, "rb") : NULL;
		if (!f) {
			free(plain);
			snprintf(err, errlen, "cannot restore '%s': %s", fin,
				 plen ? "out of memory" : "it is empty");
			return plen ? GS_ENOMEM : GS_EFORMAT;
		}
	} else {
		rewind(f);
	}
	unsigned char *pl = NULL, *rc = NULL;
	size_t len = 0, rclen = 0;
	/* this version, or the one before (no retraction table) */
	unsigned char hd[8];
	uint32_t version = SV_VERSION;
	if (fread(hd, 1, 8, f) == 8 && !memcmp(hd, SV_MAGIC, 4) &&
	    gs_le32(hd + 4) == SV_VERSION_OLD)
		version = SV_VERSION_OLD;
	rewind(f);
	int r = gs_snap_read(f, SV_MAGIC, version, &pl, &len);
	struct gs_engine *e = NULL;
	struct gs_trend *t = NULL;
	struct gs_network *net = NULL, *tagnet = NULL;
	struct gs_langs *langs = NULL;
	struct gs_trend_langs *tlangs = NULL;
	struct gs_cooccur *cooc = NULL;
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
		if (net && (!has_tagnet || tagnet) && version >= 5)
			r = gs_snap_read(f, RC_MAGIC, RC_VERSION, &rc, &rclen);
		/* issue 13: the languages (--by-language), when written */
		if (net && (!has_tagnet || tagnet) && !r &&
		    next_is(f, "GSLA")) {
			langs = gs_langs_load(f, &s->o.engine, &r);
			if (langs)
				tlangs = gs_trend_langs_load(f, langs,
							     &s->o.trend,
							     s->o.lateness, &r);
		}
		if (net && (!has_tagnet || tagnet) && version >= 5 && !r)
			cooc = cooc_load(s, e, f, &r);
		if (net && (!has_tagnet || tagnet) && !r)
			r = gs_snap_end(f);
	}
	/* what was wrong, with the section and the byte (of the decrypted
	 * bytes when it was encrypted) */
	char what[300];
	snprintf(what, sizeof what, "%s%s",
		 *gs_snap_why() ? gs_snap_why()
				: gs_strerror(r ? r : GS_EFORMAT),
		 plain ? " (decrypted)" : "");
	fclose(f);
	free(plain);
	if (e) /* the memory bound is this run's, not the snapshot's */
		gs_engine_set_max_bytes(e, s->o.engine.max_bytes);
	if (r || !e || !t || !net || (has_tagnet && !tagnet)) {
		free(pl);
		free(rc);
		gs_engine_free(e);
		gs_trend_free(t);
		gs_network_free(net);
		gs_network_free(tagnet);
		gs_trend_langs_free(tlangs);
		gs_langs_free(langs);
		gs_cooccur_free(cooc);
		snprintf(
			err, errlen,
			"cannot restore '%s': %s (move it away to start afresh)",
			fin, what);
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
	uint64_t retracted = 0, unresolved = 0;
	if (version >= 5) {
		retracted = gs_rd_u64(&rd);
		unresolved = gs_rd_u64(&rd);
	}
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
	char bwhy[128];
	struct gs_network_options no, to;
	gs_network_options_of(net, &no);
	if (tagnet)
		gs_network_options_of(tagnet, &to);
	if (rd.err || !v || gs_rd_left(&rd))
		why = "corrupt server record";
	else if (rc && rc_restore(s, rc, rclen))
		why = "corrupt table of recent posts (GSRC)";
	else if (no.kinds != GS_NET_ACCOUNTS || no.per_tag || no.tag ||
		 no.bucket_ms ||
		 (tagnet &&
		  (to.kinds != GS_NET_ACCOUNTS || !to.per_tag || to.bucket_ms)))
		why = "its networks are not serve's";
	else if (bucket != s->o.engine.bucket_ms || sum.bucket_ms != bucket) {
		char was[16] = "?", now[16];
		if (bucket > 0)
			gs_duration_format(bucket, was);
		gs_duration_format(s->o.engine.bucket_ms, now);
		snprintf(
			bwhy, sizeof bwhy,
			"other bucket size: it was made with --bucket %s, this "
			"run has --bucket %s",
			was, now);
		why = bwhy;
	}
	free(rc);
	if (why) {
		/* what rc_restore put back goes with the rest */
		gs_recent_release(&s->recent);
		gs_recent_init(&s->recent, s->o.retract_window);
		for (size_t i = 0; v && i < k; i++)
			free(v[i].path);
		free(v);
		gs_engine_free(e);
		gs_trend_free(t);
		gs_network_free(net);
		gs_network_free(tagnet);
		gs_trend_langs_free(tlangs);
		gs_langs_free(langs);
		gs_cooccur_free(cooc);
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
	/* the languages: restored when this run counts them with the same
	 * cap; never silently dropped or started afresh */
	if (langs && s->langs && langs->max == s->langs->max) {
		gs_trend_langs_free(s->tlangs);
		gs_langs_free(s->langs);
		s->langs = langs;
		s->tlangs = tlangs;
	} else {
		if (langs && s->langs)
			gs_server_log(
				s,
				"the per-language counts start empty: '%s' "
				"tracked at most %zu languages, this run %zu "
				"(--max-languages)",
				fin, langs->max, s->langs->max);
		else if (langs)
			gs_server_log(
				s,
				"the per-language counts of '%s' are dropped: "
				"this run has no --by-language",
				fin);
		else if (s->langs && started)
			gs_server_log(
				s,
				"the per-language counts start empty: '%s' has "
				"none (written without --by-language): "
				"?language= answers count from this start on",
				fin);
		gs_trend_langs_free(tlangs);
		gs_langs_free(langs);
	}
	if (cooc) {
		gs_cooccur_free(s->cooc);
		s->cooc = cooc;
	} else {
		gs_server_log(s,
			      "movements count the posts read from now on: "
			      "'%s' has no co-occurrence counter",
			      fin);
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
	s->retracted = retracted;
	s->retract_unresolved = unresolved;
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
