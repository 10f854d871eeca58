/*
 * filter.h - which posts a study keeps: --since/--until, --lang,
 * --accounts/--exclude-accounts and --exclude-ids. The one read loop
 * (struct gs_line_counter, ingest.h) asks gs_filter_test about each post
 * after the time window, so every command and serve's pipeline filter
 * alike; a post left out is counted under the first reason that failed,
 * in the order of enum gs_filter_reason.
 *
 * Ownership: the caller owns the struct gs_filter (gs_filter_init, then
 * gs_filter_release); its lists hold copies of the files' entries, so its
 * memory is as big as the files (a hash set of the entries, about 40
 * bytes each besides their text). gs_filter_test only reads: the threads
 * reading parts of a file share one filter.
 */
#ifndef GS_FILTER_H
#define GS_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "groundswell.h"

/* Why a post was left out; 0: it is kept. */
enum gs_filter_reason {
	GS_FILTER_PASS = 0,
	GS_FILTER_SINCE,	    /* dated before --since */
	GS_FILTER_UNTIL,	    /* dated at or after --until */
	GS_FILTER_LANG,		    /* no language of --lang (or none at all) */
	GS_FILTER_ACCOUNTS,	    /* author not in --accounts */
	GS_FILTER_EXCLUDE_ACCOUNTS, /* author in --exclude-accounts */
	GS_FILTER_EXCLUDED_IDS,	    /* in --exclude-ids, or a repost of one */
	GS_FILTER_REASONS
};

/* A hash set of byte strings (private to filter.c). */
struct gs_strset;

#define GS_FILTER_MAX_LANGS 32
#define GS_FILTER_LANG_MAX  35 /* bytes of a language tag */

struct gs_filter {
	int active; /* any filter set: else gs_filter_test is not asked */
	/* ms; since included, until excluded (INT64_MIN, INT64_MAX: none) */
	int64_t since, until;
	size_t nlangs; /* --lang codes, lower case */
	char langs[GS_FILTER_MAX_LANGS][GS_FILTER_LANG_MAX + 1];
	/* --accounts (want) and --exclude-accounts (drop): ids as written,
	 * handles in lower case without '@'; NULL: no list */
	struct gs_strset *want_ids, *want_handles;
	struct gs_strset *drop_ids, *drop_handles;
	struct gs_strset *ids; /* --exclude-ids, normalised (see .c); NULL */
};

/* No filter: every post passes. */
void gs_filter_init(struct gs_filter *f);
void gs_filter_release(struct gs_filter *f);

/* Keeps posts dated since <= t < until (ms; INT64_MIN / INT64_MAX: that
 * end open). */
void gs_filter_set_time(struct gs_filter *f, int64_t since, int64_t until);

/*
 * --lang: a comma-separated list of BCP 47 language tags (letters, digits
 * and '-'). A post passes when any of its languages (gs_post.lang, and
 * every one of gs_post.langs) equals one of the codes or starts with it
 * and '-' ("en" takes "en-US", "en-US" does not take "en"), compared
 * case-insensitively; a post without a language does not. Given again,
 * the codes add up. 0, or GS_EUSAGE (an empty or malformed code, or more
 * than GS_FILTER_MAX_LANGS in all).
 */
int gs_filter_add_langs(struct gs_filter *f, const char *list);

/*
 * --accounts (exclude 0) or --exclude-accounts (1) FILE: account ids or
 * handles, one a line; blank lines and lines starting with '#' are
 * skipped, and a '#' comment may follow an entry. An entry starting with
 * '@' is a handle only; any other is compared with the author's id
 * (exactly) and with the author's handle (case-insensitively), so that
 * 2244994945, TwitterDev, @TwitterDev, did:plc:..., alice@example.social
 * all work. Loading the same option twice adds to the list. 0; GS_EIO
 * (the file cannot be read); GS_EUSAGE (a line with two entries, or no
 * entry at all); GS_ENOMEM. On failure why (n bytes) says what and names
 * the file ("cannot read 'F': ...", "'F':3: ...", "'F' lists no account").
 */
int gs_filter_load_accounts(struct gs_filter *f, const char *path, int exclude,
			    char *why, size_t n);

/*
 * --exclude-ids FILE: post ids, one a line, as gs_filter_load_accounts
 * reads lines; a line that is a JSON object (a twarc2 compliance-job
 * result) gives its "id". Bluesky posts are named by their at:// URI
 * (at://DID/app.bsky.feed.post/RKEY, as the API and a repost's subject
 * give it); a repost record by its own URI (.../app.bsky.feed.repost/...).
 * The posts named, and reposts of them, are left out. Returns as
 * gs_filter_load_accounts ("'F' lists no id").
 */
int gs_filter_load_ids(struct gs_filter *f, const char *path, char *why,
		       size_t n);

/* Why post p is left out, or GS_FILTER_PASS (0) to keep it. */
enum gs_filter_reason gs_filter_test(const struct gs_filter *f,
				     const struct gs_post *p);

/* The reason's key in JSON and metrics ("since", "lang", ...) and the
 * option it comes from ("--since", ...). */
const char *gs_filter_reason_key(enum gs_filter_reason r);
const char *gs_filter_reason_option(enum gs_filter_reason r);

#endif
