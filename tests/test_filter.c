/*
 * test_filter.c - the filters (count/filter.h): time, language, account
 * lists and excluded ids, on posts as the parser makes them, and in the
 * line counter that every reader shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count/filter.h"
#include "count/ingest.h"
#include "input/json.h"
#include "groundswell.h"
#include "tap.h"

static char dir[] = "/tmp/gs-test-filter-XXXXXX";

/* Writes text into the file name (in dir); returns its path (static). */
static const char *file_of(const char *name, const char *text)
{
	static char path[4][256];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

/* The first post of a line, or NULL. */
static const struct gs_post *parse(struct gs_parser *ps, const char *line)
{
	const struct gs_post *p;
	return gs_parser_parse(ps, line, strlen(line), &p) > 0 ? p : NULL;
}

/* Fictional accounts and posts throughout. */
static const char tw1[] =
	"{\"created_at\":\"Sun Oct 15 20:01:00 +0000 2017\",\"id_str\":\"9001\","
	"\"text\":\"#MeToo\",\"lang\":\"en\",\"user\":{\"id\":1001,"
	"\"id_str\":\"1001\",\"name\":\"A\",\"screen_name\":\"Fictional_One\"},"
	"\"entities\":{\"hashtags\":[{\"text\":\"MeToo\"}]}}";
static const char tw1_rt[] =
	"{\"created_at\":\"Sun Oct 15 21:00:00 +0000 2017\",\"id_str\":\"9002\","
	"\"text\":\"RT\",\"lang\":\"en\",\"user\":{\"id_str\":\"1002\","
	"\"screen_name\":\"fictional_two\"},\"retweeted_status\":{"
	"\"created_at\":\"Sun Oct 15 20:01:00 +0000 2017\",\"id_str\":\"9001\","
	"\"text\":\"#MeToo\",\"user\":{\"id_str\":\"1001\"},\"entities\":{"
	"\"hashtags\":[{\"text\":\"MeToo\"}]}}}";
static const char masto[] =
	"{\"id\":\"110\",\"created_at\":\"2023-05-01T10:00:00.000Z\","
	"\"language\":\"pt-BR\",\"account\":{\"id\":\"77\",\"username\":"
	"\"someone\",\"acct\":\"Someone@example.social\"},\"content\":\"x\","
	"\"tags\":[{\"name\":\"tag\"}]}";
static const char bsky[] =
	"{\"did\":\"did:plc:fict1\",\"time_us\":1700000000000000,\"kind\":"
	"\"commit\",\"commit\":{\"operation\":\"create\",\"collection\":"
	"\"app.bsky.feed.post\",\"rkey\":\"3kabc\",\"record\":{\"text\":"
	"\"#tag\",\"langs\":[\"ja\",\"EN-gb\"],\"tags\":[\"tag\"]}}}";
static const char bsky_repost[] =
	"{\"did\":\"did:plc:fict2\",\"time_us\":1700000001000000,\"kind\":"
	"\"commit\",\"commit\":{\"operation\":\"create\",\"collection\":"
	"\"app.bsky.feed.repost\",\"rkey\":\"3kdef\",\"record\":{\"subject\":"
	"{\"uri\":\"at://did:plc:fict1/app.bsky.feed.post/3kabc\",\"cid\":"
	"\"x\"}}}}";
static const char reblog[] =
	"{\"id\":\"112\",\"created_at\":\"2023-05-01T11:00:00.000Z\","
	"\"language\":null,\"account\":{\"id\":\"79\",\"acct\":\"c\"},"
	"\"content\":\"\",\"reblog\":{\"id\":\"110\",\"created_at\":"
	"\"2023-05-01T10:00:00.000Z\",\"language\":\"pt-BR\",\"account\":{"
	"\"id\":\"77\"},\"content\":\"x\"}}";
static const char nolang[] =
	"{\"id\":\"111\",\"created_at\":\"2023-05-01T10:00:00.000Z\","
	"\"language\":null,\"account\":{\"id\":\"78\",\"acct\":\"b\"},"
	"\"content\":\"x\"}";

static void test_parser_fields(struct gs_parser *ps)
{
	const struct gs_post *p = parse(ps, tw1);
	TAP_OK(p && GS_STR_IS(p->handle, "Fictional_One") &&
		       GS_STR_IS(p->account, "1001"),
	       "parser: v1.1 user.screen_name is the handle, the id kept");
	p = parse(ps, masto);
	TAP_OK(p && GS_STR_IS(p->handle, "Someone@example.social") &&
		       GS_STR_IS(p->account, "77"),
	       "parser: Mastodon account.acct is the handle");
	p = parse(ps, bsky);
	TAP_OK(p && p->nlangs == 2 && GS_STR_IS(p->lang, "ja") &&
		       GS_STR_IS(p->langs[1], "EN-gb"),
	       "parser: Bluesky langs kept, all of them; lang the first");
}

static void test_time(struct gs_parser *ps)
{
	struct gs_filter f;
	gs_filter_init(&f);
	TAP_OK(!f.active, "time: no filter is not active");
	int64_t t = INT64_C(1508097660000); /* 2017-10-15T20:01:00Z */
	gs_filter_set_time(&f, t, t + 1);
	TAP_OK(f.active && gs_filter_test(&f, parse(ps, tw1)) == GS_FILTER_PASS,
	       "time: --since is included");
	gs_filter_set_time(&f, t + 1, INT64_MAX);
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_SINCE,
		   "time: before --since: since");
	gs_filter_set_time(&f, INT64_MIN, t);
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_UNTIL,
		   "time: at --until: until (excluded)");
	gs_filter_release(&f);
}

static void test_lang(struct gs_parser *ps)
{
	struct gs_filter f;
	gs_filter_init(&f);
	TAP_EQ_INT(gs_filter_add_langs(&f, "EN"), 0, "lang: EN taken");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), 0,
		   "lang: en matches EN (case-insensitive)");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky)), 0,
		   "lang: Bluesky's second lang EN-gb matches en (prefix)");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, masto)), GS_FILTER_LANG,
		   "lang: pt-BR does not match en");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, nolang)), GS_FILTER_LANG,
		   "lang: a post without a language is left out");
	TAP_EQ_INT(gs_filter_add_langs(&f, "pt-br,fr"), 0, "lang: a list");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, masto)), 0,
		   "lang: pt-br matches pt-BR");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, reblog)), 0,
		   "lang: a reblog (language null) has the reblogged status's");
	gs_filter_release(&f);
	gs_filter_init(&f);
	gs_filter_add_langs(&f, "en-US");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_LANG,
		   "lang: en-US does not take en");
	gs_filter_add_langs(&f, "e");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_LANG,
		   "lang: e is not a prefix of en (whole subtags only)");
	const char *bad[] = {
		"",    ",",   "en,",   "e n",
		"-en", "en-", "en_US", "abcdefghijabcdefghijabcdefghijabcdef"};
	int refused = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused += gs_filter_add_langs(&f, bad[i]) == GS_EUSAGE;
	TAP_EQ_INT(refused, (int)(sizeof bad / sizeof *bad),
		   "lang: empty, blank, '_', dangling '-', too long: refused");
	gs_filter_release(&f);
}

static void test_accounts(struct gs_parser *ps)
{
	struct gs_filter f;
	char why[256];
	gs_filter_init(&f);
	const char *list = file_of("acc", "# the study's accounts\n"
					  "\n"
					  "  @FICTIONAL_ONE  # by handle\r\n"
					  "77\n");
	TAP_EQ_INT(gs_filter_load_accounts(&f, list, 0, why, sizeof why), 0,
		   "accounts: a list with a comment, a blank line, CRLF");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), 0,
		   "accounts: @FICTIONAL_ONE takes screen_name Fictional_One");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, masto)), 0,
		   "accounts: 77 takes the Mastodon account by id");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1_rt)), GS_FILTER_ACCOUNTS,
		   "accounts: a repost is the reposter's, not the author's");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky)), GS_FILTER_ACCOUNTS,
		   "accounts: an account not listed is left out");
	gs_filter_release(&f);

	gs_filter_init(&f);
	list = file_of("ex", "did:plc:fict1\nsomeone@EXAMPLE.social\n1002\n");
	gs_filter_load_accounts(&f, list, 1, why, sizeof why);
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky)),
		   GS_FILTER_EXCLUDE_ACCOUNTS, "exclude-accounts: a DID");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, masto)),
		   GS_FILTER_EXCLUDE_ACCOUNTS,
		   "exclude-accounts: user@domain against acct, any case");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1_rt)),
		   GS_FILTER_EXCLUDE_ACCOUNTS,
		   "exclude-accounts: the reposter's id");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), 0,
		   "exclude-accounts: the others pass");
	gs_filter_release(&f);

	gs_filter_init(&f);
	TAP_EQ_INT(gs_filter_load_accounts(&f, file_of("e", "# none\n\n"), 0,
					   why, sizeof why),
		   GS_EUSAGE, "accounts: a list of no account is refused");
	TAP_OK(strstr(why, "lists no account") != NULL, "... saying so: %s",
	       why);
	TAP_EQ_INT(gs_filter_load_accounts(&f, file_of("t", "a b\n"), 0, why,
					   sizeof why),
		   GS_EUSAGE, "accounts: two entries on a line are refused");
	TAP_OK(strstr(why, ":1: more than one entry") != NULL,
	       "... naming FILE:LINE: %s", why);
	char missing[300];
	snprintf(missing, sizeof missing, "%s/missing", dir);
	TAP_EQ_INT(gs_filter_load_accounts(&f, missing, 0, why, sizeof why),
		   GS_EIO, "accounts: a missing file: GS_EIO");
	TAP_OK(strstr(why, "cannot read '") != NULL, "... naming it: %s", why);
	gs_filter_release(&f);
}

static void test_ids(struct gs_parser *ps)
{
	struct gs_filter f;
	char why[256];
	gs_filter_init(&f);
	const char *list = file_of(
		"ids", "9001\n"
		       "{\"id\": \"110\", \"action\": \"delete\", \"reason\": "
		       "\"deleted\"}\n"
		       "at://did:plc:fict1/app.bsky.feed.post/3kabc\n");
	TAP_EQ_INT(gs_filter_load_ids(&f, list, why, sizeof why), 0,
		   "ids: plain ids, a compliance-job line, an at:// URI");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_EXCLUDED_IDS,
		   "ids: a tweet by its id");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1_rt)),
		   GS_FILTER_EXCLUDED_IDS, "ids: a retweet of it too");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, masto)), GS_FILTER_EXCLUDED_IDS,
		   "ids: the compliance result's id");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky)), GS_FILTER_EXCLUDED_IDS,
		   "ids: a Bluesky post by its at:// URI");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky_repost)),
		   GS_FILTER_EXCLUDED_IDS, "ids: a Bluesky repost of it too");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, nolang)), 0,
		   "ids: another post passes");
	gs_filter_release(&f);

	gs_filter_init(&f);
	gs_filter_load_ids(
		&f,
		file_of("rp",
			"at://did:plc:fict2/app.bsky.feed.repost/3kdef\n"),
		why, sizeof why);
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky_repost)),
		   GS_FILTER_EXCLUDED_IDS,
		   "ids: a Bluesky repost by its own URI");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, bsky)), 0,
		   "ids: ... and not the post it reposted");
	gs_filter_release(&f);

	/* many ids: the set grows */
	gs_filter_init(&f);
	char path[300];
	snprintf(path, sizeof path, "%s/many", dir);
	FILE *out = fopen(path, "w");
	for (int i = 0; i < 100000; i++)
		fprintf(out, "%d\n", 1000000 + i);
	fputs("9001\n", out);
	fclose(out);
	TAP_EQ_INT(gs_filter_load_ids(&f, path, why, sizeof why), 0,
		   "ids: 100,001 ids");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_EXCLUDED_IDS,
		   "ids: the last one found among them");
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, masto)), 0,
		   "ids: one not listed passes");
	TAP_EQ_INT(gs_filter_load_ids(&f, file_of("j", "{\"action\":1}\n"), why,
				      sizeof why),
		   GS_EUSAGE, "ids: a JSON line without an id is refused");
	gs_filter_release(&f);
}

/* The first reason that fails counts, in the enum's order. */
static void test_order(struct gs_parser *ps)
{
	struct gs_filter f;
	char why[256];
	gs_filter_init(&f);
	gs_filter_add_langs(&f, "fr");
	gs_filter_load_ids(&f, file_of("o", "9001\n"), why, sizeof why);
	TAP_EQ_INT(gs_filter_test(&f, parse(ps, tw1)), GS_FILTER_LANG,
		   "order: --lang before --exclude-ids");
	gs_filter_release(&f);
}

static void test_line_counter(void)
{
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	struct gs_filter f;
	gs_filter_init(&f);
	gs_filter_add_langs(&f, "pt");
	struct gs_line_counter lc = {0};
	lc.ps = ps;
	lc.filter = &f;
	lc.window_from = INT64_C(1600000000000); /* 2020: tw1 is outside */
	lc.window_to = INT64_MAX;
	gs_line_counter_feed(&lc, 1, tw1, strlen(tw1), 1);
	gs_line_counter_feed(&lc, 1, bsky, strlen(bsky), 2);
	gs_line_counter_feed(&lc, 1, masto, strlen(masto), 3);
	TAP_OK(lc.posts == 3 && lc.out_of_window == 1 &&
		       lc.filtered[GS_FILTER_LANG] == 1,
	       "line counter: the window first, then the filter, counted "
	       "apart (%llu %llu %llu)",
	       (unsigned long long)lc.posts,
	       (unsigned long long)lc.out_of_window,
	       (unsigned long long)lc.filtered[GS_FILTER_LANG]);
	gs_filter_release(&f);
	gs_parser_free(ps);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	struct gs_parser *ps = gs_parser_new(GS_FORMAT_AUTO, 0);
	test_parser_fields(ps);
	test_time(ps);
	test_lang(ps);
	test_accounts(ps);
	test_ids(ps);
	test_order(ps);
	gs_parser_free(ps);
	test_line_counter();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return TAP_DONE();
}
