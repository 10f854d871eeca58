/*
 * recent.c - the recent posts a live retraction can still undo (see
 * recent.h for what and why).
 *
 * Design
 *   The log is one buffer of max_bytes (rounded down to 8) used as a ring
 *   of variable-length records, each at an 8-aligned offset: a 16-byte
 *   header (key, payload length, deliveries, live) and the payload padded
 *   to 8. A record never wraps: when it does not fit before the end, the
 *   rest of the buffer is a skip (a header saying so, or nothing when fewer
 *   than 16 bytes remain) and the record goes to offset 0. New records
 *   push the oldest out from the head until they fit, so the bytes held
 *   are fixed by max_bytes, whatever the posts. Taking a record out only
 *   marks it dead (its bytes go when the head passes them).
 *
 *   The index maps a key to its record's offset / 8 + 1, open addressing
 *   with linear probing, at most half full (it doubles), and deletes by
 *   backward shift so that no tombstones build up in a table that sees as
 *   many deletions as insertions.
 */
#include "recent.h"

#include <stdlib.h>
#include <string.h>

#define HDR	 16
#define MAX_STR	 0xFFF0u
#define SAME_ACC 0xFFFFu /* the string is the post's account */

struct hdr {
	uint64_t key;
	uint32_t len;	/* payload bytes */
	uint16_t times; /* deliveries; saturates */
	uint8_t live;
	uint8_t skip; /* the rest of the buffer is unused */
};

static size_t rec_size(size_t len)
{
	return HDR + ((len + 7) & ~(size_t)7);
}

static struct hdr *hdr_at(const struct gs_recent *t, size_t off)
{
	return (struct hdr *)(void *)(t->log + off);
}

static size_t cap_of(const struct gs_recent *t)
{
	return t->max_bytes & ~(size_t)7;
}

void gs_recent_init(struct gs_recent *t, size_t max_bytes)
{
	memset(t, 0, sizeof *t);
	/* offsets / 8 must fit the index's 32 bits */
	if (max_bytes > ((size_t)UINT32_MAX - 1) * 8)
		max_bytes = ((size_t)UINT32_MAX - 1) * 8;
	t->max_bytes = max_bytes < 1024 && max_bytes ? 1024 : max_bytes;
}

void gs_recent_release(struct gs_recent *t)
{
	free(t->log);
	free(t->idx);
	t->log = NULL;
	t->idx = NULL;
	t->idx_n = t->n = t->used = t->head = t->tail = 0;
}

size_t gs_recent_bytes(const struct gs_recent *t)
{
	return (t->log ? cap_of(t) : 0) + t->idx_n * sizeof *t->idx;
}

/* ---- the index --------------------------------------------------------- */

static uint64_t key_of_slot(const struct gs_recent *t, uint32_t v)
{
	return hdr_at(t, (size_t)(v - 1) * 8)->key;
}

static size_t slot_of(const struct gs_recent *t, uint64_t key)
{
	size_t mask = t->idx_n - 1;
	size_t i = (size_t)(key ^ (key >> 32)) & mask;
	while (t->idx[i] && key_of_slot(t, t->idx[i]) != key)
		i = (i + 1) & mask;
	return i;
}

static int idx_grow(struct gs_recent *t)
{
	size_t n = t->idx_n ? t->idx_n * 2 : 1024;
	uint32_t *old = t->idx;
	size_t old_n = t->idx_n;
	t->idx = calloc(n, sizeof *t->idx);
	if (!t->idx) {
		t->idx = old;
		return GS_ENOMEM;
	}
	t->idx_n = n;
	for (size_t i = 0; i < old_n; i++)
		if (old[i])
			t->idx[slot_of(t, key_of_slot(t, old[i]))] = old[i];
	free(old);
	return 0;
}

/* Removes slot i, shifting back the entries that probed past it. */
static void idx_remove(struct gs_recent *t, size_t i)
{
	size_t mask = t->idx_n - 1;
	for (size_t j = (i + 1) & mask; t->idx[j]; j = (j + 1) & mask) {
		uint64_t k = key_of_slot(t, t->idx[j]);
		size_t home = (size_t)(k ^ (k >> 32)) & mask;
		/* j's entry may move to i when its home is not in (i, j] */
		int stays = i <= j ? (home > i && home <= j)
				   : (home > i || home <= j);
		if (!stays) {
			t->idx[i] = t->idx[j];
			i = j;
		}
	}
	t->idx[i] = 0;
}

/* ---- the log ----------------------------------------------------------- */

/* Pushes the oldest record (or skip) out. */
static void pop_head(struct gs_recent *t)
{
	size_t cap = cap_of(t);
	if (cap - t->head < HDR || hdr_at(t, t->head)->skip) {
		t->used -= cap - t->head;
		t->head = 0;
	} else {
		struct hdr *h = hdr_at(t, t->head);
		if (h->live) {
			size_t i = slot_of(t, h->key);
			if (t->idx[i])
				idx_remove(t, i);
			t->n--;
			t->evicted++;
		}
		size_t sz = rec_size(h->len);
		t->used -= sz;
		t->head += sz;
		if (t->head == cap)
			t->head = 0;
	}
	if (!t->used)
		t->head = t->tail = 0;
}

/* Room for a record of sz bytes at the tail: its offset. */
static size_t make_room(struct gs_recent *t, size_t sz)
{
	size_t cap = cap_of(t);
	for (;;) {
		if (!t->used)
			t->head = t->tail = 0;
		if (t->tail > t->head || !t->used) {
			if (sz <= cap - t->tail)
				return t->tail;
			/* no room before the end: the rest is a skip */
			if (cap - t->tail >= HDR) {
				struct hdr *h = hdr_at(t, t->tail);
				memset(h, 0, sizeof *h);
				h->skip = 1;
			}
			t->used += cap - t->tail;
			t->tail = 0;
			continue;
		}
		if (t->tail < t->head && sz <= t->head - t->tail)
			return t->tail;
		pop_head(t);
	}
}

int gs_recent_put(struct gs_recent *t, uint64_t key, const unsigned char *rec,
		  size_t n)
{
	size_t cap = cap_of(t);
	if (!cap || n > cap / 4 - HDR)
		return 0;
	if (!t->log) {
		t->log = malloc(cap);
		if (!t->log)
			return GS_ENOMEM;
	}
	if ((t->n + 1) * 2 > t->idx_n && idx_grow(t))
		return GS_ENOMEM;
	size_t i = slot_of(t, key);
	if (t->idx[i]) {
		struct hdr *h = hdr_at(t, (size_t)(t->idx[i] - 1) * 8);
		if (h->len == n && (!n || memcmp(h + 1, rec, n) == 0)) {
			if (h->times < UINT16_MAX)
				h->times++;
			return 0;
		}
		h->live = 0; /* replaced: the last delivery wins */
		idx_remove(t, i);
		t->n--;
	}
	size_t sz = rec_size(n);
	size_t off = make_room(t, sz);
	struct hdr *h = hdr_at(t, off);
	h->key = key;
	h->len = (uint32_t)n;
	h->times = 1;
	h->live = 1;
	h->skip = 0;
	if (n)
		memcpy(h + 1, rec, n);
	t->tail = off + sz;
	t->used += sz;
	if (t->tail == cap)
		t->tail = 0;
	/* the pops may have moved entries: probe again */
	t->idx[slot_of(t, key)] = (uint32_t)(off / 8 + 1);
	t->n++;
	return 0;
}

int gs_recent_take(struct gs_recent *t, uint64_t key, const unsigned char **rec,
		   size_t *n, unsigned *times)
{
	if (!t->n)
		return 0;
	size_t i = slot_of(t, key);
	if (!t->idx[i])
		return 0;
	struct hdr *h = hdr_at(t, (size_t)(t->idx[i] - 1) * 8);
	*rec = (const unsigned char *)(h + 1);
	*n = h->len;
	*times = h->times;
	h->live = 0;
	idx_remove(t, i);
	t->n--;
	return 1;
}

int gs_recent_has(const struct gs_recent *t, uint64_t key)
{
	return t->n && t->idx[slot_of(t, key)] != 0;
}

int gs_recent_walk(const struct gs_recent *t, struct gs_recent_cursor *c,
		   uint64_t *key, const unsigned char **rec, size_t *n,
		   unsigned *times)
{
	size_t cap = cap_of(t);
	if (!c->done)
		c->off = t->head;
	while (c->done < t->used) {
		if (cap - c->off < HDR || hdr_at(t, c->off)->skip) {
			c->done += cap - c->off;
			c->off = 0;
			continue;
		}
		const struct hdr *h = hdr_at(t, c->off);
		size_t sz = rec_size(h->len);
		c->done += sz;
		c->off = c->off + sz == cap ? 0 : c->off + sz;
		if (h->live) {
			*key = h->key;
			*rec = (const unsigned char *)(h + 1);
			*n = h->len;
			*times = h->times;
			return 1;
		}
	}
	return 0;
}

/* ---- records ----------------------------------------------------------- */

struct wbuf {
	unsigned char *p;
	size_t n, size;
};

static void put_bytes(struct wbuf *w, const void *s, size_t n)
{
	if (n && w->n + n <= w->size) /* n 0: s may be NULL */
		memcpy(w->p + w->n, s, n);
	w->n += n;
}

static void put_str(struct wbuf *w, struct gs_str s, struct gs_str acc)
{
	uint16_t n = (uint16_t)(s.n > MAX_STR ? MAX_STR : s.n);
	if (s.n && s.n == acc.n && memcmp(s.p, acc.p, s.n) == 0) {
		uint16_t same = SAME_ACC;
		put_bytes(w, &same, 2);
		return;
	}
	put_bytes(w, &n, 2);
	put_bytes(w, s.p, n);
}

size_t gs_recent_pack(const struct gs_post *p, const uint64_t *hashes,
		      size_t nh, unsigned char *buf, size_t size)
{
	struct wbuf w = {buf, 0, size};
	struct gs_str none = {"", 0};
	if (nh > GS_RECENT_HASHES)
		nh = GS_RECENT_HASHES;
	uint8_t b[8] = {(uint8_t)p->format, (uint8_t)p->flags,
			(uint8_t)p->ntags, (uint8_t)p->nmentions, (uint8_t)nh};
	uint32_t dropped = p->tags_dropped > UINT32_MAX
				   ? UINT32_MAX
				   : (uint32_t)p->tags_dropped;
	put_bytes(&w, &p->time_ms, 8);
	put_bytes(&w, b, 8);
	put_bytes(&w, &dropped, 4);
	put_str(&w, p->account, none);
	const struct gs_str *s[] = {
		&p->id,		  &p->lang,	 &p->reply_to,
		&p->post_did,	  &p->post_rkey, &p->repost_did,
		&p->repost_rkey,  &p->repost_id, &p->repost_account,
		&p->quote_account};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		put_str(&w, *s[i], p->account);
	for (size_t i = 0; i < p->ntags; i++)
		put_str(&w, p->tags[i], none);
	for (size_t i = 0; i < p->nmentions; i++)
		put_str(&w, p->mentions[i], none);
	put_bytes(&w, hashes, nh * sizeof *hashes);
	return w.n;
}

struct rbuf {
	const unsigned char *p;
	size_t n, at;
	int bad;
};

static void get_bytes(struct rbuf *r, void *d, size_t n)
{
	if (!n)
		return;
	if (r->bad || n > r->n - r->at) {
		r->bad = 1;
		memset(d, 0, n);
		return;
	}
	memcpy(d, r->p + r->at, n);
	r->at += n;
}

static struct gs_str get_str(struct rbuf *r, struct gs_str acc)
{
	uint16_t n;
	struct gs_str s = {"", 0};
	get_bytes(r, &n, 2);
	if (n == SAME_ACC)
		return acc;
	if (r->bad || n > r->n - r->at) {
		r->bad = 1;
		return s;
	}
	s.p = (const char *)r->p + r->at;
	s.n = n;
	r->at += n;
	return s;
}

int gs_recent_unpack(const unsigned char *rec, size_t n, struct gs_post *p,
		     uint64_t *hashes, size_t *nh)
{
	struct rbuf r = {rec, n, 0, 0};
	struct gs_str none = {"", 0};
	uint8_t b[8];
	uint32_t dropped;
	memset(p, 0, sizeof *p);
	get_bytes(&r, &p->time_ms, 8);
	get_bytes(&r, b, 8);
	get_bytes(&r, &dropped, 4);
	if (r.bad || b[0] >= GS_FORMAT_COUNT_ || b[2] > GS_POST_MAX_TAGS ||
	    b[3] > GS_POST_MAX_MENTIONS || b[4] > GS_RECENT_HASHES)
		return GS_EFORMAT;
	p->format = (enum gs_format)b[0];
	p->flags = b[1];
	p->ntags = b[2];
	p->nmentions = b[3];
	p->tags_dropped = dropped;
	p->account = get_str(&r, none);
	struct gs_str *s[] = {
		&p->id,		  &p->lang,	 &p->reply_to,
		&p->post_did,	  &p->post_rkey, &p->repost_did,
		&p->repost_rkey,  &p->repost_id, &p->repost_account,
		&p->quote_account};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		*s[i] = get_str(&r, p->account);
	for (size_t i = 0; i < p->ntags; i++)
		p->tags[i] = get_str(&r, none);
	for (size_t i = 0; i < p->nmentions; i++)
		p->mentions[i] = get_str(&r, none);
	*nh = b[4];
	get_bytes(&r, hashes, *nh * sizeof *hashes);
	return r.bad || r.at != n ? GS_EFORMAT : 0;
}
