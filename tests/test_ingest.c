/*
 * test_ingest.c - the per-line step (struct gs_line_counter) and the file
 * reader's reports: what a caller is told, never printed by the library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count/ingest.h"
#include "groundswell.h"
#include "tap.h"

static const char tweet[] =
	"{\"created_at\":\"Sun Oct 15 20:01:00 +0000 2017\",\"id\":9001,"
	"\"id_str\":\"9001\",\"text\":\"#MeToo\",\"user\":{\"id\":1001,"
	"\"id_str\":\"1001\",\"screen_name\":\"fictional1001\"},"
	"\"entities\":{\"hashtags\":[{\"text\":\"MeToo\",\"indices\":[0,6]}],"
	"\"user_mentions\":[]}}";

static const char delete_notice[] =
	"{\"delete\":{\"status\":{\"id\":1,\"id_str\":\"1\",\"user_id\":2,"
	"\"user_id_str\":\"2\"},\"timestamp_ms\":\"1507852800000\"}}";

/* A twitter v2 page of three tweets, the second without its author. */
static const char page[] =
	"{\"data\":[{\"id\":\"500\",\"text\":\"#MeToo\",\"author_id\":\"2000\","
	"\"created_at\":\"2017-10-15T20:00:00.000Z\"},{\"id\":\"501\",\"text\":"
	"\"#MeToo\",\"created_at\":\"2017-10-15T20:01:00.000Z\"},{\"id\":"
	"\"502\",\"text\":\"#MeToo\",\"author_id\":\"2002\",\"created_at\":"
	"\"2017-10-15T20:02:00.000Z\"}],\"meta\":{\"result_count\":3}}";

struct seen {
	int posts, bad, fail_at;
	uint64_t line;
	int err;
	size_t dropped;
	int kept;
	char reason[256], text[256];
};

static int on_post(void *ctx, const struct gs_post *p)
{
	struct seen *s = ctx;
	(void)p;
	if (++s->posts == s->fail_at)
		return GS_ENOMEM;
	return 0;
}

static void on_bad(void *ctx, const struct gs_bad_line *b)
{
	struct seen *s = ctx;
	s->bad++;
	s->line = b->line;
	s->err = b->err;
	s->dropped = b->dropped;
	s->kept = b->kept;
	snprintf(s->reason, sizeof s->reason, "%s", b->reason);
	snprintf(s->text, sizeof s->text, "%s", b->text);
}

static void test_line_counter(void)
{
	struct gs_engine_options eo;
	gs_engine_options_init(&eo);
	struct gs_engine *e = gs_engine_new(&eo);
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	struct seen s = {0};
	struct gs_line_counter lc = {0};
	lc.ps = ps;
	lc.max_line = 1024;
	lc.e = e;
	lc.post = on_post;
	lc.post_ctx = &s;
	lc.bad = on_bad;
	lc.bad_ctx = &s;

	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, tweet, strlen(tweet), 1), 0,
		   "a post: 0");
	TAP_OK(s.posts == 1 && lc.posts == 1 && !s.bad,
	       "a post is handed on and counted");

	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, delete_notice,
					strlen(delete_notice), 2),
		   0, "a non-post: 0");
	TAP_OK(lc.nonpost[GS_NONPOST_TWITTER_DELETE] == 1 && s.posts == 1,
	       "a non-post is counted by kind, nothing handed on");

	TAP_EQ_INT(gs_line_counter_feed(&lc, GS_ETOOLONG, NULL, 0, 3), 1,
		   "a line over max_line: 1");
	TAP_OK(s.bad == 1 && s.line == 3 && s.err == GS_ETOOLONG &&
		       lc.err == GS_ETOOLONG,
	       "it is reported with its line and error");
	TAP_EQ_STR(s.text, "line longer than 1024 bytes",
		   "its text says the limit");

	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, "not json", 8, 4), 1,
		   "a malformed line: 1");
	TAP_OK(s.bad == 2 && s.line == 4 && s.err < 0 && s.dropped == 0 &&
		       s.reason[0] && strcmp(s.reason, s.text) == 0,
	       "it is reported with the parser's reason");

	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, page, strlen(page), 5), 2,
		   "a page that dropped a post: 2");
	TAP_OK(s.posts == 3 && lc.posts == 3,
	       "the page's two good posts are handed on");
	TAP_OK(s.bad == 3 && s.err == GS_EMISSING && s.dropped == 1 &&
		       s.kept == 2,
	       "the dropped post is reported: GS_EMISSING, 1 dropped, 2 kept");
	char want[320];
	snprintf(want, sizeof want,
		 "1 malformed post left out, the other 2 read; %s", s.reason);
	TAP_EQ_STR(s.text, want, "its text counts what was left out");

	TAP_EQ_INT(lc.malformed, 3, "three bad lines counted");
	struct gs_summary sum;
	gs_engine_summary(e, &sum);
	TAP_OK(sum.malformed == 3 && sum.skipped == 1,
	       "the engine counts the malformed and non-post lines");

	s.fail_at = s.posts + 2;
	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, page, strlen(page), 6),
		   GS_ENOMEM, "post's error is returned");
	TAP_OK(s.bad == 3, "and the line stops there (no bad-line report)");

	lc.bad = NULL;
	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, "{", 1, 7), 1,
		   "without bad, a bad line is still counted");
	TAP_EQ_INT(lc.malformed, 4, "(malformed: 4)");

	gs_parser_free(ps);
	gs_engine_free(e);
}

/* The time window: a post dated outside it is counted as out of window,
 * never handed on (issue 16: one 1970 or year 3999 date stretched every
 * timeline to it). */
static void test_window(void)
{
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	struct seen s = {0};
	struct gs_line_counter lc = {0};
	lc.ps = ps;
	lc.post = on_post;
	lc.post_ctx = &s;
	lc.window_from = INT64_C(1508097600000); /* 2017-10-15T20:00:00Z */
	lc.window_to = INT64_C(1508097660000);	 /* 20:01:00, included */
	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, tweet, strlen(tweet), 1), 0,
		   "window: a post at its upper end: 0");
	TAP_OK(s.posts == 1 && lc.out_of_window == 0,
	       "window: both ends are included");
	lc.window_to = INT64_C(1508097659999);
	TAP_EQ_INT(gs_line_counter_feed(&lc, 1, tweet, strlen(tweet), 2), 0,
		   "window: a post a millisecond after it: 0 (not bad)");
	TAP_OK(s.posts == 1 && lc.out_of_window == 1 && lc.posts == 2 &&
		       lc.malformed == 0,
	       "window: it is counted out of window, not handed on");
	lc.window_from = lc.window_to = 0;
	gs_line_counter_feed(&lc, 1, tweet, strlen(tweet), 3);
	TAP_OK(s.posts == 2 && lc.out_of_window == 1,
	       "window: both ends 0 is no window");
	lc.post = NULL;
	lc.window_from = INT64_C(1508097660001);
	lc.window_to = INT64_MAX;
	gs_line_counter_feed(&lc, 1, tweet, strlen(tweet), 4);
	TAP_OK(lc.out_of_window == 2,
	       "window: counted without a post function");
	gs_parser_free(ps);
}

struct reports {
	int n, bad, msg, io, progress;
	char path[256], text[4096];
	uint64_t line;
	int sys_errno, err;
};

static void on_report(void *ctx, const struct gs_ingest_report *r)
{
	struct reports *rs = ctx;
	rs->n++;
	switch (r->kind) {
	case GS_INGEST_BAD_LINE:
		rs->bad++;
		break;
	case GS_INGEST_MESSAGE:
		rs->msg++;
		break;
	case GS_INGEST_IO_ERROR:
		rs->io++;
		rs->sys_errno = r->sys_errno;
		rs->err = r->err;
		break;
	default:
		rs->progress++;
		return;
	}
	rs->line = r->line;
	snprintf(rs->path, sizeof rs->path, "%s", r->path);
	snprintf(rs->text, sizeof rs->text, "%s", r->text ? r->text : "");
}

static const char *write_file(char *path, const char *text)
{
	strcpy(path, "/tmp/gs-test-ingest.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

static void test_reports(void)
{
	struct gs_engine_options eo;
	gs_engine_options_init(&eo);
	struct gs_engine *e = gs_engine_new(&eo);
	struct gs_ingest_options o;
	gs_ingest_options_init(&o);
	TAP_OK(o.report == NULL && o.max_shown == 10,
	       "defaults: no report function, 10 bad lines");
	struct reports rs = {0};
	o.report = on_report;
	o.report_ctx = &rs;
	struct gs_ingest_state st = {0};

	char p1[64], p2[64], text[1024];
	snprintf(text, sizeof text, "%s\n:)\n%s\n", tweet, tweet);
	if (!write_file(p1, text) || !write_file(p2, "")) {
		TAP_OK(0, "temporary files");
		return;
	}
	TAP_EQ_INT(gs_ingest_file(e, p1, &o, &st), 0, "a file with posts: 0");
	TAP_OK(rs.n == 1 && rs.bad == 1 && rs.line == 2 &&
		       strcmp(rs.path, p1) == 0 && rs.text[0],
	       "its bad line is reported: path, line 2, a reason");
	TAP_EQ_INT(st.shown, 1, "and counted in the state");

	TAP_EQ_INT(gs_ingest_file(e, p2, &o, &st), GS_ENOPOSTS,
		   "an empty file: GS_ENOPOSTS");
	char want[128];
	snprintf(want, sizeof want,
		 "groundswell: '%s' is empty: no post read\n", p2);
	TAP_OK(rs.msg == 1, "it is diagnosed in one message");
	TAP_EQ_STR(rs.text, want, "the diagnosis, whole lines");

	TAP_EQ_INT(gs_ingest_file(e, "/nonexistent/x.jsonl", &o, &st), GS_EIO,
		   "a missing file: GS_EIO");
	TAP_OK(rs.io == 1 && rs.sys_errno == ENOENT && rs.err == GS_EIO &&
		       strcmp(rs.path, "/nonexistent/x.jsonl") == 0,
	       "it is reported as an I/O error with its errno");
	TAP_EQ_INT(rs.progress, 0, "no progress unless asked for");

	o.report = NULL;
	int n = rs.n;
	TAP_EQ_INT(gs_ingest_file(e, p1, &o, &st), 0,
		   "no report function: still read");
	TAP_OK(rs.n == n && st.shown == 2, "nothing reported, still counted");

	uint64_t k[GS_NONPOST_COUNT] = {0};
	char buf[64];
	TAP_EQ_INT(gs_ingest_nonpost_text(buf, sizeof buf, " (", k), 0,
		   "no non-posts: 0");
	TAP_EQ_STR(buf, "", "and no text");
	k[GS_NONPOST_BSKY_LIKE] = 3;
	k[GS_NONPOST_TWITTER_DELETE] = 1;
	TAP_EQ_INT(gs_ingest_nonpost_text(buf, sizeof buf, " (", k), 1,
		   "non-posts: 1");
	char want2[128];
	snprintf(want2, sizeof want2, " (%s: 1, %s: 3",
		 gs_nonpost_name(GS_NONPOST_TWITTER_DELETE),
		 gs_nonpost_name(GS_NONPOST_BSKY_LIKE));
	TAP_EQ_STR(buf, want2, "the kinds in order, NAME: COUNT");
	char tiny[8];
	gs_ingest_nonpost_text(tiny, sizeof tiny, " (", k);
	TAP_EQ_INT(strlen(tiny), sizeof tiny - 1, "a short buffer: cut, ended");

	unlink(p1);
	unlink(p2);
	gs_engine_free(e);
}

int main(void)
{
	test_line_counter();
	test_window();
	test_reports();
	return TAP_DONE();
}
