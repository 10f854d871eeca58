/*
 * test_state.c - unit tests of the state container (count/state.h, issue
 * 14 part 4): a state with an engine and one with a network save and load
 * back field by field, canonical (saved again: the same bytes), and the
 * loaded engine answers as the saved one; two halves saved and merged give
 * the counts of the whole; gs_state_differs names each setting that
 * differs; every cut of a file, a flipped byte, another magic or version,
 * bytes after the end and out-of-bounds fields are refused with a reason.
 */
#include "count/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "groundswell.h"
#include "count/network.h"
#include "count/snapio.h"
#include "tap.h"

#define S(s) ((struct gs_str){(s), sizeof(s) - 1})

static struct gs_post mk(const char *account, int64_t t, const char *tag,
			 const char *tag2)
{
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.account = (struct gs_str){account, strlen(account)};
	p.time_ms = t;
	p.lang = S("en");
	p.tags[p.ntags++] = (struct gs_str){tag, strlen(tag)};
	if (tag2)
		p.tags[p.ntags++] = (struct gs_str){tag2, strlen(tag2)};
	p.mentions[p.nmentions++] = S("42");
	return p;
}

static const int64_t T0 = INT64_C(1507852800000);

/* posts i in [from, to) of a small stream: 50 accounts, 7 tags */
static void feed(struct gs_engine *e, struct gs_network *n, int from, int to)
{
	static const char *tags[] = {"MeToo", "news", "music", "a",
				     "b",     "c",    "d"};
	for (int i = from; i < to; i++) {
		char acc[16];
		snprintf(acc, sizeof acc, "%d", 100 + i % 50);
		struct gs_post p = mk(acc, T0 + (int64_t)i * 60000, tags[i % 7],
				      i % 3 ? tags[(i + 1) % 7] : NULL);
		if (e)
			gs_engine_add(e, &p);
		if (n)
			gs_network_add(n, &p);
	}
}

static void info_init(struct gs_state_info *s, const char *cmd)
{
	memset(s, 0, sizeof *s);
	s->program = strdup(GS_VERSION);
	s->command = strdup(cmd);
	s->operand = strcmp(cmd, "tag") ? NULL : strdup("MeToo");
	s->args = calloc(2, sizeof *s->args);
	s->args[0] = strdup("--json");
	s->args[1] = strdup("--top");
	s->nargs = 2;
	gs_engine_options_init(&s->eng);
	s->eng.max_bytes = 256 << 20;
	strcpy(s->key_fp, "u0123456789abcdef");
	s->filters = strdup("--lang en");
	s->states = 1;
	s->posts_read = 1000;
	s->out_of_window = 3;
	s->malformed = 7;
	s->nonpost[1] = 11;
	s->filtered[1] = 13;
}

/* the bytes of a state file (malloc'ed) */
static unsigned char *save(struct gs_state_info *s, struct gs_engine *e,
			   struct gs_network *n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int r = gs_state_save(f, s, e, n);
	fclose(f);
	TAP_EQ_INT(r, 0, "state saved");
	return (unsigned char *)buf;
}

static int load(const unsigned char *b, size_t len, struct gs_state_info *s,
		struct gs_engine **e, struct gs_network **n, char *why)
{
	FILE *f = fmemopen((void *)b, len, "rb");
	int r = gs_state_read_info(f, s, why, 256);
	if (!r) {
		r = gs_state_read_rest(f, s, e, n, why, 256);
		if (r)
			gs_state_info_release(s);
	}
	fclose(f);
	return r;
}

static void test_round_trip(void)
{
	struct gs_state_info s, t;
	char why[256];
	info_init(&s, "tag");
	struct gs_engine *e = gs_engine_new(&s.eng);
	feed(e, NULL, 0, 300);
	size_t len;
	unsigned char *b = save(&s, e, NULL, &len);
	struct gs_engine *le = NULL;
	struct gs_network *ln = NULL;
	TAP_EQ_INT(load(b, len, &t, &le, &ln, why), 0, "state loaded");
	TAP_OK(le && !ln && t.has_engine && !t.has_network,
	       "an engine, no network");
	TAP_OK(!strcmp(t.command, "tag") && !strcmp(t.operand, "MeToo") &&
		       t.nargs == 2 && !strcmp(t.args[1], "--top") &&
		       !strcmp(t.program, GS_VERSION),
	       "command, operand, options, version");
	TAP_OK(t.eng.bucket_ms == s.eng.bucket_ms &&
		       t.eng.hll_p == s.eng.hll_p &&
		       t.eng.max_tags == s.eng.max_tags &&
		       t.eng.max_bytes == s.eng.max_bytes,
	       "engine settings");
	TAP_OK(!strcmp(t.key_fp, s.key_fp) && !strcmp(t.filters, "--lang en"),
	       "key fingerprint, filters");
	TAP_OK(t.posts_read == 1000 && t.out_of_window == 3 &&
		       t.malformed == 7 && t.nonpost[1] == 11 &&
		       t.filtered[1] == 13 && t.states == 1,
	       "counters");
	TAP_OK(!gs_state_differs(&s, &t, why, sizeof why),
	       "a loaded state agrees with the saved one");
	struct gs_summary a, c;
	gs_engine_summary(e, &a);
	gs_engine_summary(le, &c);
	TAP_OK(a.posts == 300 && c.posts == a.posts &&
		       c.accounts == a.accounts &&
		       c.tags_tracked == a.tags_tracked,
	       "the loaded engine answers as the saved one");
	size_t len2;
	unsigned char *b2 = save(&t, le, NULL, &len2);
	TAP_OK(len2 == len && !memcmp(b, b2, len),
	       "saved again: the same bytes");
	free(b2);

	/* two halves, saved and merged = the whole */
	struct gs_engine *h1 = gs_engine_new(&s.eng),
			 *h2 = gs_engine_new(&s.eng);
	feed(h1, NULL, 0, 150);
	feed(h2, NULL, 150, 300);
	size_t l1, l2;
	unsigned char *b1 = save(&s, h1, NULL, &l1),
		      *bb2 = save(&s, h2, NULL, &l2);
	struct gs_state_info i1, i2;
	struct gs_engine *e1, *e2;
	struct gs_network *n1, *n2;
	TAP_OK(!load(b1, l1, &i1, &e1, &n1, why) &&
		       !load(bb2, l2, &i2, &e2, &n2, why),
	       "halves loaded");
	struct gs_engine *m = gs_engine_new(&s.eng);
	TAP_OK(!gs_engine_absorb(m, e1) && !gs_engine_absorb(m, e2),
	       "halves merged");
	gs_engine_summary(m, &c);
	TAP_OK(c.posts == a.posts && c.accounts == a.accounts &&
		       c.tags_tracked == a.tags_tracked &&
		       c.first_ms == a.first_ms && c.last_ms == a.last_ms,
	       "merged halves = the whole");
	gs_state_add_counts(&i1, &i2);
	TAP_OK(i1.states == 2 && i1.posts_read == 2000 && i1.nonpost[1] == 22,
	       "counters add");
	gs_engine_free(m);
	gs_engine_free(h1);
	gs_engine_free(h2);
	free(b1);
	free(bb2);
	gs_state_info_release(&i1);
	gs_state_info_release(&i2);

	/* every cut refused with a reason, and a flipped byte */
	int refused = 1, reasons = 1;
	for (size_t k = 0; k < len; k += (k < 200 ? 1 : 97)) {
		struct gs_state_info x;
		struct gs_engine *xe = NULL;
		struct gs_network *xn = NULL;
		why[0] = 0;
		int r = load(b, k, &x, &xe, &xn, why);
		refused &= r == GS_EFORMAT && !xe && !xn;
		reasons &= why[0] != 0;
		if (!r) {
			gs_engine_free(xe);
			gs_state_info_release(&x);
		}
	}
	TAP_OK(refused && reasons,
	       "a state cut anywhere is refused, saying why");
	unsigned char *fl = malloc(len + 1);
	memcpy(fl, b, len);
	fl[len / 2] ^= 4;
	struct gs_state_info x;
	struct gs_engine *xe = NULL;
	struct gs_network *xn = NULL;
	TAP_EQ_INT(load(fl, len, &x, &xe, &xn, why), GS_EFORMAT,
		   "a flipped byte refused");
	TAP_OK(strstr(why, "checksum mismatch") != NULL,
	       "... as a checksum mismatch: %s", why);
	memcpy(fl, b, len);
	fl[len] = 0;
	TAP_EQ_INT(load(fl, len + 1, &x, &xe, &xn, why), GS_EFORMAT,
		   "a byte after the end refused");
	TAP_OK(strstr(why, "trailing") != NULL, "... as trailing bytes: %s",
	       why);
	memcpy(fl, b, len);
	fl[4] = 2; /* version 2 */
	TAP_EQ_INT(load(fl, len, &x, &xe, &xn, why), GS_EFORMAT,
		   "another version refused");
	memcpy(fl, "GSEN", 4);
	TAP_EQ_INT(load(fl, len, &x, &xe, &xn, why), GS_EFORMAT,
		   "another magic refused");
	free(fl);
	free(b);
	gs_engine_free(e);
	gs_engine_free(le);
	gs_state_info_release(&s);
	gs_state_info_release(&t);
}

/* a field past its bound, behind a good CRC: refused as invalid content */
static void test_bounds(void)
{
	struct gs_state_info s, t;
	char why[256];
	info_init(&s, "report");
	struct gs_engine *e = gs_engine_new(&s.eng);
	size_t len;
	unsigned char *b = save(&s, e, NULL, &len);
	/* the payload starts at 16: u16 len of the program version */
	size_t at =
		GS_SNAP_HEADER + 2 + strlen(GS_VERSION); /* command length */
	b[at] = 200;
	uint64_t L = gs_le64(b + 8);
	uint32_t crc = (uint32_t)crc32(0, b, (uInt)(GS_SNAP_HEADER + L));
	for (int i = 0; i < 4; i++)
		b[GS_SNAP_HEADER + L + i] = (unsigned char)(crc >> (8 * i));
	struct gs_engine *le = NULL;
	struct gs_network *ln = NULL;
	TAP_EQ_INT(load(b, len, &t, &le, &ln, why), GS_EFORMAT,
		   "a command of 200 bytes refused");
	TAP_OK(strstr(why, "invalid content in section 'GSST'") != NULL,
	       "... saying where: %s", why);
	free(b);
	free(s.command);
	s.command = strdup("x");
	s.nargs = GS_STATE_MAX_ARGS + 1;
	FILE *f = tmpfile();
	TAP_EQ_INT(gs_state_save(f, &s, e, NULL), GS_EUSAGE,
		   "too many options: not saved");
	s.nargs = 2;
	TAP_EQ_INT(gs_state_save(f, &s, NULL, NULL), GS_EUSAGE,
		   "no engine, no network: not saved");
	fclose(f);
	gs_engine_free(e);
	gs_state_info_release(&s);
}

static void test_network_and_differs(void)
{
	struct gs_state_info s, t;
	char why[256];
	info_init(&s, "network");
	struct gs_network_options no;
	gs_network_options_init(&no);
	no.kinds = GS_NET_COTAGS;
	struct gs_network *n = gs_network_new(&no);
	feed(NULL, n, 0, 200);
	s.net_kinds = no.kinds;
	s.net_max_edges = no.max_edges;
	s.net_max_nodes = no.max_nodes;
	size_t len;
	unsigned char *b = save(&s, NULL, n, &len);
	struct gs_engine *le = NULL;
	struct gs_network *ln = NULL;
	TAP_EQ_INT(load(b, len, &t, &le, &ln, why), 0,
		   "a network's state loaded");
	TAP_OK(!le && ln && t.has_network && t.net_kinds == GS_NET_COTAGS,
	       "a network, no engine");
	struct gs_network_stats x, y;
	gs_network_stats(n, &x);
	gs_network_stats(ln, &y);
	TAP_OK(x.posts == y.posts && x.nodes_held == y.nodes_held &&
		       x.edges_held == y.edges_held && x.edges_held > 0,
	       "the loaded network as the saved one");
	free(b);
	gs_network_free(n);
	gs_network_free(ln);

	struct gs_state_info a, c;
	info_init(&a, "report");
	info_init(&c, "report");
	a.has_engine = c.has_engine = 1;
	TAP_OK(!gs_state_differs(&a, &c, why, sizeof why),
	       "the same settings agree");
	c.eng.bucket_ms = 300000;
	TAP_OK(gs_state_differs(&a, &c, why, sizeof why) &&
		       !strcmp(why, "--bucket: 1h against 5m"),
	       "another bucket: %s", why);
	c.eng.bucket_ms = a.eng.bucket_ms;
	c.eng.hll_p = 12;
	TAP_OK(gs_state_differs(&a, &c, why, sizeof why) &&
		       strstr(why, "--hll-precision"),
	       "another precision: %s", why);
	c.eng.hll_p = a.eng.hll_p;
	c.eng.max_tags = 5000;
	TAP_OK(gs_state_differs(&a, &c, why, sizeof why) &&
		       strstr(why, "--max-tags"),
	       "another cap: %s", why);
	c.eng.max_tags = a.eng.max_tags;
	c.key_fp[3] = 'f';
	TAP_OK(gs_state_differs(&a, &c, why, sizeof why) &&
		       strstr(why, "another key"),
	       "another key: %s", why);
	strcpy(c.key_fp, a.key_fp);
	free(c.filters);
	c.filters = strdup("");
	TAP_OK(gs_state_differs(&a, &c, why, sizeof why) &&
		       strstr(why, "filters"),
	       "other filters: %s", why);
	free(c.program);
	c.program = strdup("0.0.1");
	TAP_OK(gs_state_differs(&a, &c, why, sizeof why) &&
		       strstr(why, "version"),
	       "another version: %s", why);
	gs_state_info_release(&a);
	gs_state_info_release(&c);
	gs_state_info_release(&s);
	gs_state_info_release(&t);
}

/* A Bluesky repost whose original is two parts back: merged C into B
 * (its original unseen: it waits), then B+C into A, which holds the
 * original, it finds its tags, as a sequential read would. Before the
 * fix in engine.c's merge the wait was dropped: 0 reposts of #orig. */
static void test_waiting_repost(void)
{
	struct gs_engine_options o;
	gs_engine_options_init(&o);
	struct gs_engine *a = gs_engine_new(&o), *b = gs_engine_new(&o),
			 *c = gs_engine_new(&o);
	struct gs_post p = mk("did:plc:alice", T0, "orig", NULL);
	p.format = GS_FORMAT_JETSTREAM;
	p.post_did = S("did:plc:alice");
	p.post_rkey = S("3kabc");
	gs_engine_add(a, &p);
	struct gs_post q = mk("did:plc:bob", T0 + 60000, "other", NULL);
	q.format = GS_FORMAT_JETSTREAM;
	gs_engine_add(b, &q);
	struct gs_post r = mk("did:plc:carol", T0 + 120000, "x", NULL);
	r.format = GS_FORMAT_JETSTREAM;
	r.ntags = 0;
	r.flags = GS_POST_REPOST;
	r.repost_did = S("did:plc:alice");
	r.repost_rkey = S("3kabc");
	gs_engine_add(c, &r);
	TAP_OK(!gs_engine_absorb(b, c) && !gs_engine_absorb(a, b),
	       "parts merged");
	struct gs_tag_stats t;
	struct gs_summary s;
	gs_engine_summary(a, &s);
	TAP_OK(gs_engine_tag(a, "orig", 4, &t) == 0 && t.posts == 2 &&
		       t.reposts == 1 && s.reposts_unresolved == 0,
	       "a repost waiting in a merged part finds its original two "
	       "parts back (#orig: %llu posts, %llu unresolved)",
	       (unsigned long long)t.posts,
	       (unsigned long long)s.reposts_unresolved);
	gs_engine_free(a);
}

int main(void)
{
	test_waiting_repost();
	test_round_trip();
	test_bounds();
	test_network_and_differs();
	return TAP_DONE();
}
