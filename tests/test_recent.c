/* test_recent.c - the table of recent posts for live retractions
 * (count/recent.h, issue 12 part 5): records packed and back, the byte
 * bound and FIFO eviction, take, a post delivered twice, and a random run
 * against a model of what must still be held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count/recent.h"
#include "groundswell.h"
#include "tap.h"

static struct gs_str S(const char *s) {
	struct gs_str r = {s, strlen(s)};
	return r;
}

static int
str_is(struct gs_str a, const char *b)
{
	return a.n == strlen(b) && memcmp(a.p, b, a.n) == 0;
}

static void test_pack(void)
{
	struct gs_post p;
	memset(&p, 0, sizeof p);
	p.format = GS_FORMAT_JETSTREAM;
	p.flags = GS_POST_REPLY;
	p.time_ms = 1700000000123;
	p.id = S("3kabc");
	p.account = S("did:plc:fict1");
	p.post_did = S("did:plc:fict1");
	p.post_rkey = S("3kabc");
	p.lang = S("en");
	p.reply_to = S("did:plc:fict2");
	p.ntags = 2;
	p.tags[0] = S("Spam");
	p.tags[1] = S("other");
	p.tags_dropped = 3;
	p.nmentions = 1;
	p.mentions[0] = S("did:plc:fict3");
	uint64_t h[2] = {11, 22}, h2[GS_RECENT_HASHES];
	unsigned char buf[512];
	size_t n = gs_recent_pack(&p, h, 2, buf, sizeof buf);
	TAP_OK(n > 20 && n < 200, "pack: a record of %zu bytes", n);
	TAP_EQ_INT(gs_recent_pack(&p, h, 2, buf, 10), n,
		   "pack: length told when it does not fit");
	struct gs_post q;
	size_t nh;
	TAP_EQ_INT(gs_recent_unpack(buf, n, &q, h2, &nh), 0, "unpack: ok");
	TAP_OK(q.format == p.format && q.flags == p.flags &&
		       q.time_ms == p.time_ms && str_is(q.id, "3kabc") &&
		       str_is(q.account, "did:plc:fict1") &&
		       str_is(q.post_did, "did:plc:fict1") &&
		       str_is(q.lang, "en") &&
		       str_is(q.reply_to, "did:plc:fict2") && q.ntags == 2 &&
		       str_is(q.tags[0], "Spam") &&
		       str_is(q.tags[1], "other") && q.tags_dropped == 3 &&
		       q.nmentions == 1 &&
		       str_is(q.mentions[0], "did:plc:fict3") &&
		       q.repost_id.n == 0,
	       "unpack: the post back");
	TAP_OK(nh == 2 && h2[0] == 11 && h2[1] == 22,
	       "unpack: the hashes back");
	TAP_EQ_INT(gs_recent_unpack(buf, n - 1, &q, h2, &nh), GS_EFORMAT,
		   "unpack: a cut record");
	TAP_EQ_INT(gs_recent_unpack(buf, 5, &q, h2, &nh), GS_EFORMAT,
		   "unpack: a stub");
}

/* A record of about n bytes for key k (its payload names k). */
static size_t rec_for(uint64_t k, size_t n, unsigned char *buf)
{
	memset(buf, (int)(k & 0x7F), n);
	memcpy(buf, &k, sizeof k);
	return n;
}

static void test_bound(void)
{
	struct gs_recent t;
	unsigned char buf[256];
	gs_recent_init(&t, 64 * 1024);
	TAP_EQ_INT(gs_recent_bytes(&t), 0, "bound: nothing allocated at first");
	/* 64-byte records: 80 bytes with the header, 819 fit */
	int ok = 1;
	for (uint64_t k = 1; k <= 10000; k++)
		ok &= gs_recent_put(&t, k, buf, rec_for(k, 64, buf)) == 0;
	TAP_OK(ok, "bound: 10,000 puts");
	TAP_OK(t.n >= 800 && t.n <= 820, "bound: about 819 held (%zu)", t.n);
	TAP_EQ_INT(t.evicted, 10000 - t.n, "bound: the rest evicted");
	TAP_OK(gs_recent_bytes(&t) <= 64 * 1024 + 4096 * 4,
	       "bound: bytes held %zu", gs_recent_bytes(&t));
	const unsigned char *r;
	size_t n;
	unsigned times;
	TAP_EQ_INT(gs_recent_take(&t, 1, &r, &n, &times), 0,
		   "bound: the oldest is gone");
	TAP_EQ_INT(gs_recent_take(&t, 10000 - 700, &r, &n, &times), 1,
		   "bound: a recent one is held");
	uint64_t k;
	memcpy(&k, r, sizeof k);
	TAP_OK(n == 64 && k == 10000 - 700, "bound: its record");
	TAP_EQ_INT(gs_recent_take(&t, 10000 - 700, &r, &n, &times), 0,
		   "bound: taken once only");
	size_t held = t.n;
	TAP_EQ_INT(gs_recent_take(&t, 10000, &r, &n, &times), 1,
		   "bound: the newest is held");
	TAP_EQ_INT(t.n, held - 1, "bound: one fewer held");

	/* a post delivered twice: one record, two deliveries */
	TAP_EQ_INT(gs_recent_put(&t, 77777, buf, rec_for(77777, 40, buf)), 0,
		   "twice: first");
	TAP_EQ_INT(gs_recent_put(&t, 77777, buf, rec_for(77777, 40, buf)), 0,
		   "twice: second");
	TAP_OK(gs_recent_take(&t, 77777, &r, &n, &times) && times == 2,
	       "twice: taken with 2 deliveries");
	/* another record under the same key replaces it */
	gs_recent_put(&t, 88888, buf, rec_for(88888, 40, buf));
	gs_recent_put(&t, 88888, buf, rec_for(88888, 48, buf));
	TAP_OK(gs_recent_take(&t, 88888, &r, &n, &times) && times == 1 &&
		       n == 48,
	       "twice: a different record replaces the first");
	TAP_EQ_INT(gs_recent_take(&t, 88888, &r, &n, &times), 0,
		   "twice: and only it was held");
	/* too long a record is not kept */
	unsigned char big[20000];
	TAP_EQ_INT(gs_recent_put(&t, 99999, big, sizeof big), 0,
		   "bound: a huge record is refused quietly");
	TAP_EQ_INT(gs_recent_take(&t, 99999, &r, &n, &times), 0,
		   "bound: and not held");
	gs_recent_release(&t);

	gs_recent_init(&t, 0);
	TAP_EQ_INT(gs_recent_put(&t, 1, buf, 10), 0, "off: a put does nothing");
	TAP_EQ_INT(gs_recent_take(&t, 1, &r, &n, &times), 0,
		   "off: nothing held");
	TAP_EQ_INT(gs_recent_bytes(&t), 0, "off: nothing allocated");
	gs_recent_release(&t);
}

/* Random puts (sizes 20..200) and takes against a model: every key put
 * in the last cap/2 bytes and not taken since is held, with its record;
 * nothing taken or never put is. */
static void test_random(void)
{
	struct gs_recent t;
	size_t cap = 32 * 1024;
	gs_recent_init(&t, cap);
	enum { N = 200000 };
	uint64_t *keys = calloc(N, sizeof *keys);
	size_t *sizes = calloc(N, sizeof *sizes);
	unsigned char *taken = calloc(N, 1);
	unsigned char buf[256];
	srand(12);
	int bad = 0;
	size_t np = 0, takes = 0, hits = 0;
	for (size_t step = 0; step < N; step++) {
		if (rand() % 4 || np == 0) {
			uint64_t k = ((uint64_t)rand() << 32) ^
				     (uint64_t)rand() ^
				     (np * 0x9E3779B97F4A7C15ull);
			keys[np] = k;
			sizes[np] = 20 + (size_t)(rand() % 181);
			if (gs_recent_put(&t, k, buf,
					  rec_for(k, sizes[np], buf)))
				bad++;
			np++;
			continue;
		}
		/* take one of the recent (back within cap/2 bytes) or old */
		size_t back = (size_t)rand() % (np < 400 ? np : 400);
		size_t i = np - 1 - back;
		size_t bytes = 0;
		for (size_t j = i; j < np; j++)
			bytes += 16 + ((sizes[j] + 7) & ~(size_t)7);
		const unsigned char *r;
		size_t n;
		unsigned times;
		int got = gs_recent_take(&t, keys[i], &r, &n, &times);
		takes++;
		if (got) {
			uint64_t k;
			memcpy(&k, r, sizeof k);
			if (taken[i] || k != keys[i] || n != sizes[i] ||
			    times != 1)
				bad++;
			hits++;
			taken[i] = 1;
		} else if (!taken[i] && bytes <= cap / 2) {
			bad++;
		}
	}
	TAP_EQ_INT(bad, 0,
		   "random: %zu puts, %zu takes (%zu found), as the model says",
		   np, takes, hits);
	TAP_OK(gs_recent_bytes(&t) <= cap + 8192 * 4, "random: bytes held %zu",
	       gs_recent_bytes(&t));
	gs_recent_release(&t);
	free(keys);
	free(sizes);
	free(taken);
}

int main(void)
{
	test_pack();
	test_bound();
	test_random();
	return TAP_DONE();
}
