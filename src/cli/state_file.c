/* state_file.c - --save-state and merge's reading of state files (see
 * state_file.h). */
#include "state_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cli.h"
#include "common.h"
#include "base/timeutil.h"
#include "count/seal.h"
#include "count/state.h"

/* What a pseudonymisation key's fingerprint is the pseudonym of: keyed
 * BLAKE2b (out/pseudo.h), so the fingerprint tells keys apart and gives
 * nothing of the key. */
#define FP_INPUT "groundswell state: the key's fingerprint"

struct cli_state_run {
	struct gs_state_info info;
};

void cli_state_free(struct cli_state_run *r)
{
	if (!r)
		return;
	gs_state_info_release(&r->info);
	free(r);
}

/* merge's reference: the first state file, whose settings the others and
 * the command must share */
static struct {
	int on;
	struct gs_state_info ref;
	char *path;
	int sealed;
} merge;

int cli_state_merging(void)
{
	return merge.on;
}

void cli_state_merge_start(struct gs_state_info *ref, const char *path,
			   int sealed)
{
	merge.on = 1;
	merge.sealed = sealed;
	merge.ref = *ref;
	memset(ref, 0, sizeof *ref);
	merge.path = strdup(path);
}

void cli_state_merge_end(void)
{
	gs_state_info_release(&merge.ref);
	free(merge.path);
	memset(&merge, 0, sizeof merge);
}

void cli_state_common_init(struct cli_common *c)
{
	if (!merge.on)
		return;
	if (merge.ref.has_engine)
		c->eng = merge.ref.eng;
	else if (merge.ref.net_bucket_ms)
		c->eng.bucket_ms = merge.ref.net_bucket_ms;
}

static void key_fp(const struct cli_common *c, char out[GS_STATE_FP_LEN + 1])
{
	char id[24];
	out[0] = 0;
	if (!c->have_pseudo)
		return;
	gs_pseudo_id(&c->pseudo, FP_INPUT, strlen(FP_INPUT), id);
	memcpy(out, id, GS_STATE_FP_LEN);
	out[GS_STATE_FP_LEN] = 0;
}

/* A growing string; NULL after running out of memory. */
struct text {
	char *s;
	size_t n, cap;
	int nomem;
};

static void text_add(struct text *t, const char *a, const char *b)
{
	size_t an = strlen(a), bn = b ? strlen(b) : 0;
	size_t need = t->n + an + bn + 3;
	if (t->nomem)
		return;
	if (need > t->cap) {
		size_t cap = need * 2;
		char *s = realloc(t->s, cap);
		if (!s) {
			t->nomem = 1;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
	if (t->n)
		t->s[t->n++] = ' ';
	memcpy(t->s + t->n, a, an);
	t->n += an;
	if (b) {
		t->s[t->n++] = ' ';
		memcpy(t->s + t->n, b, bn);
		t->n += bn;
	}
	t->s[t->n] = 0;
}

/* "xxh3:HEX" of the file at path (a list of accounts or ids): a state
 * names the list it was filtered with by its content, not its path. */
static int file_hash(const char *path, char out[32])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	XXH3_state_t *h = XXH3_createState();
	char buf[65536];
	size_t k;
	if (!h) {
		fclose(f);
		return -1;
	}
	XXH3_64bits_reset(h);
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		XXH3_64bits_update(h, buf, k);
	int bad = ferror(f);
	fclose(f);
	snprintf(out, 32, "xxh3:%016llx",
		 (unsigned long long)XXH3_64bits_digest(h));
	XXH3_freeState(h);
	return bad ? -1 : 0;
}

/* What the options of reading and of the engine are: left out of the
 * options a state records (the engine's are recorded as settings, the
 * filters as text, the rest changes no count). */
static int reading_option(int o)
{
	switch (o) {
	case 'b':
	case 'f':
	case 'h':
	case OPT_STRICT:
	case OPT_MAX_LINE:
	case OPT_MAX_TAGS:
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
	case OPT_PSEUDONYMIZE_KEY:
	case OPT_PSEUDONYMIZE_KEY_FILE:
	case OPT_SHOW_ERRORS:
	case OPT_THREADS:
	case OPT_HLL_PRECISION:
	case OPT_MAX_MEMORY:
	case OPT_WINDOW_FROM:
	case OPT_WINDOW_TO:
	case OPT_SINCE:
	case OPT_UNTIL:
	case OPT_LANG:
	case OPT_ACCOUNTS:
	case OPT_EXCLUDE_ACCOUNTS:
	case OPT_EXCLUDE_IDS:
	case OPT_SAVE_STATE:
	case OPT_NO_OUTPUT:
		return 1;
	}
	return 0;
}

static int push_arg(struct gs_state_info *s, const char *a)
{
	if (s->nargs >= GS_STATE_MAX_ARGS || strlen(a) > GS_STATE_MAX_ARG)
		return -1;
	char *d = strdup(a);
	char **v = realloc(s->args, (s->nargs + 1) * sizeof *v);
	if (!d || !v) {
		free(d);
		if (v)
			s->args = v;
		return -1;
	}
	s->args = v;
	s->args[s->nargs++] = d;
	return 0;
}

/* The options of argv, canonical, into r->info.args; the filters' text
 * into *t. 0, or -1 (too many, too long, out of memory, or a list that
 * cannot be read again). */
static int record_args(struct cli_state_run *r, struct text *t, int argc,
		       char **argv, const struct option *longopts,
		       const char *optstring)
{
	char **v = malloc((size_t)(argc + 1) * sizeof *v);
	if (!v)
		return -1;
	memcpy(v, argv, (size_t)argc * sizeof *v);
	v[argc] = NULL;
	int saved_optind = optind, saved_opterr = opterr, rc = 0, o;
	optind = 0; /* glibc: start afresh */
	opterr = 0;
	while (!rc &&
	       (o = getopt_long(argc, v, optstring, longopts, NULL)) != -1) {
		char name[80];
		snprintf(name, sizeof name, "--%s",
			 cli_option_name(longopts, o));
		if (o == OPT_LANG || o == OPT_ACCOUNTS ||
		    o == OPT_EXCLUDE_ACCOUNTS || o == OPT_EXCLUDE_IDS) {
			char h[32];
			if (o != OPT_LANG && file_hash(optarg, h)) {
				cli_error("cannot read '%s' again to record it "
					  "in the state: %s",
					  optarg, strerror(errno));
				rc = -1;
			}
			text_add(t, name, o == OPT_LANG ? optarg : h);
			continue;
		}
		if (reading_option(o))
			continue;
		if (push_arg(&r->info, name) ||
		    (optarg && push_arg(&r->info, optarg)))
			rc = -1;
	}
	optind = saved_optind;
	opterr = saved_opterr;
	free(v);
	return rc;
}

int cli_state_begin(struct cli_common *c, const char *cmd, int argc,
		    char **argv, const struct option *longopts,
		    const char *optstring, const char *operand,
		    const char *refuse)
{
	if (c->no_output && !c->save_state) {
		cli_error(
			"--no-output writes nothing without --save-state FILE");
		return EXIT_USAGE;
	}
	if (refuse && (c->save_state || merge.on)) {
		const char *what = !strcmp(refuse, "--live")
					   ? "the live path's verdicts"
				   : !strcmp(refuse, "--ids")
					   ? "the posts' ids"
					   : "the languages' own counts";
		cli_error("%s cannot go with %s: a state holds counts, not %s",
			  refuse, merge.on ? "merge" : "--save-state", what);
		return EXIT_USAGE;
	}
	if (!c->save_state)
		return 0;
	struct cli_state_run *r = calloc(1, sizeof *r);
	struct text t = {0};
	if (!r)
		goto nomem;
	cli_state_free(c->state);
	c->state = r;
	r->info.program = strdup(GS_VERSION);
	r->info.command = strdup(cmd);
	r->info.operand = operand ? strdup(operand) : NULL;
	if (!r->info.program || !r->info.command ||
	    (operand && !r->info.operand))
		goto nomem;
	if (record_args(r, &t, argc, argv, longopts, optstring)) {
		free(t.s);
		cli_error("cannot record the options in the state (at most %d, "
			  "of %d bytes each)",
			  GS_STATE_MAX_ARGS, GS_STATE_MAX_ARG);
		return EXIT_USAGE;
	}
	/* the time filters and window as read, not as written */
	char a[32];
	if (c->since_ms != INT64_MIN) {
		gs_time_format(c->since_ms, a);
		text_add(&t, "--since", a);
	}
	if (c->until_ms != INT64_MAX) {
		gs_time_format(c->until_ms, a);
		text_add(&t, "--until", a);
	}
	if (c->ing.window_from != CLI_WINDOW_FROM_DEFAULT) {
		gs_time_format(c->ing.window_from, a);
		text_add(&t, "--window-from", a);
	}
	if (c->window_to_given) {
		gs_time_format(c->ing.window_to, a);
		text_add(&t, "--window-to", a);
	}
	if (t.nomem)
		goto nomem;
	/* under merge the states' filters go on: merge itself has none */
	r->info.filters =
		merge.on ? strdup(merge.ref.filters) : (t.s ? t.s : strdup(""));
	if (merge.on)
		free(t.s);
	if (!r->info.filters)
		goto nomem;
	return 0;
nomem:
	cli_error("out of memory");
	return EXIT_USAGE;
}

/* gs_state_save through a sealing stream on f: 0, or an error with *err
 * the errno of a failed write (0 when none). */
static int save_sealed(FILE *f, const struct gs_pseudo *ps,
		       struct gs_state_info *s, const struct gs_engine *e,
		       const struct gs_network *n, int *err)
{
	int r;
	*err = 0;
	struct gs_seal *w = gs_seal_writer(f, &gs_state_seal, ps->key, &r);
	if (!w) {
		*err = errno;
		return r;
	}
	FILE *sf = gs_seal_file(w);
	r = sf ? gs_state_save(sf, s, e, n) : GS_ENOMEM;
	if (sf && fclose(sf) != 0 && !r) /* the final record */
		r = GS_EIO;
	if (r == GS_EIO)
		*err = errno;
	gs_seal_free(w);
	return r;
}

int cli_state_write(struct cli_common *c, const struct gs_engine *e,
		    uint64_t malformed)
{
	if (!c->state) { /* a command that never called cli_state_begin */
		cli_error("--save-state: this command cannot write a state");
		return EXIT_USAGE;
	}
	struct gs_state_info *s = &c->state->info;
	s->eng = c->eng;
	if (c->net) {
		struct gs_network_options no;
		gs_network_options_of(c->net, &no);
		s->net_kinds = no.kinds;
		s->net_max_edges = no.max_edges;
		s->net_max_nodes = no.max_nodes;
		s->net_bucket_ms = no.bucket_ms;
		free(s->net_tag);
		s->net_tag = no.tag && no.tag[0] ? strdup(no.tag) : NULL;
		if (no.tag && no.tag[0] && !s->net_tag) {
			cli_error("out of memory");
			return EXIT_USAGE;
		}
	}
	key_fp(c, s->key_fp);
	if (!s->states)
		s->states = 1;
	s->posts_read = c->posts_read;
	s->out_of_window = c->out_of_window;
	s->malformed = malformed;
	memcpy(s->nonpost, c->nonpost, sizeof s->nonpost);
	memcpy(s->filtered, c->filtered, sizeof s->filtered);
	/* written beside, then renamed: a state is whole or absent */
	size_t n = strlen(c->save_state) + 8;
	char *tmp = malloc(n);
	if (!tmp) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	snprintf(tmp, n, "%s.tmp", c->save_state);
	FILE *f = fopen(tmp, "wb");
	int r = f ? 0 : GS_EIO, err = errno;
	if (f && c->have_pseudo) /* no id on disk: the whole file sealed */
		r = save_sealed(f, &c->pseudo, s, e, c->net, &err);
	else if (f)
		r = gs_state_save(f, s, e, c->net), err = errno;
	if (f && fclose(f) != 0 && !r)
		r = GS_EIO, err = errno;
	if (!r && rename(tmp, c->save_state) != 0)
		r = GS_EIO, err = errno;
	if (r) {
		if (f)
			remove(tmp);
		cli_error("cannot write the state '%s': %s", c->save_state,
			  r == GS_EIO && err ? strerror(err) : gs_strerror(r));
	}
	free(tmp);
	return r ? EXIT_USAGE : 0;
}

int cli_state_open(struct cli_state_in *in, const char *path,
		   const struct gs_pseudo *ps, const char *ref_path,
		   int ref_sealed)
{
	memset(in, 0, sizeof *in);
	in->raw = fopen(path, "rb");
	if (!in->raw) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	in->sealed = gs_seal_sniff(in->raw, &gs_state_seal);
	if (ref_path && in->sealed != ref_sealed)
		cli_error("'%s' is %sencrypted and '%s' is %s: states made "
			  "under a pseudonymisation key and without one do "
			  "not merge",
			  path, in->sealed ? "" : "not ", ref_path,
			  ref_sealed ? "encrypted" : "not");
	else if (in->sealed && !ps)
		cli_error("'%s' was made with a pseudonymisation key and is "
			  "encrypted with it: give merge the same "
			  "--pseudonymize-key or --pseudonymize-key-file",
			  path);
	else if (!in->sealed) {
		in->f = in->raw;
		return 0;
	} else {
		char why[256];
		int r;
		in->seal = gs_seal_reader(in->raw, &gs_state_seal, ps->key, &r,
					  why, sizeof why);
		in->f = in->seal ? gs_seal_file(in->seal) : NULL;
		if (in->f)
			return 0;
		cli_error("'%s' is encrypted and cannot be read: %s", path,
			  in->seal ? "out of memory" : why);
	}
	cli_state_close(in);
	return EXIT_USAGE;
}

void cli_state_read_failed(const struct cli_state_in *in, const char *path,
			   const char *what, const char *why)
{
	if (in->seal && gs_seal_error(in->seal))
		cli_error("'%s' is encrypted and cannot be read: %s", path,
			  gs_seal_why(in->seal));
	else
		cli_error("'%s' %s: %s", path, what, why);
}

void cli_state_close(struct cli_state_in *in)
{
	if (in->f && in->f != in->raw)
		fclose(in->f);
	if (in->raw)
		fclose(in->raw);
	gs_seal_free(in->seal);
	memset(in, 0, sizeof *in);
}

/* Says that state path, with settings of its own, cannot be merged here:
 * 0 when it can. e, net: what the command counts into. */
static int check_state(const struct cli_common *c, const char *path,
		       const struct gs_state_info *in,
		       const struct gs_engine *e, const char *fp)
{
	char why[512];
	if (gs_state_differs(&merge.ref, in, why, sizeof why)) {
		cli_error("'%s' cannot be merged with '%s', they differ in %s",
			  path, merge.path, why);
		return EXIT_USAGE;
	}
	if (e && !in->has_engine) {
		cli_error("'%s' holds a network (made by 'network'), not tag "
			  "counts: 'groundswell merge network' merges it",
			  path);
		return EXIT_USAGE;
	}
	if (c->net && !in->has_network) {
		cli_error(
			"'%s' holds tag counts (made by '%s'), not a network: "
			"only states of 'network' merge into one",
			path, in->command);
		return EXIT_USAGE;
	}
	if (e) {
		struct gs_state_info mine = *in;
		mine.eng = c->eng;
		if (gs_state_differs(in, &mine, why, sizeof why)) {
			cli_error("'%s' was made with other settings than "
				  "merge was given, %s (leave them out: merge "
				  "takes the states')",
				  path, why);
			return EXIT_USAGE;
		}
	}
	if (strcmp(fp, in->key_fp)) {
		cli_error(
			!in->key_fp[0]
				? "'%s' was made without a pseudonymisation key: merge it without one"
			: !fp[0]
				? "'%s' was made with a pseudonymisation key: give merge the same --pseudonymize-key or --pseudonymize-key-file"
				: "'%s' was made with another pseudonymisation key than merge was given",
			path);
		return EXIT_USAGE;
	}
	return 0;
}

/* Merges one state file into e and c->net, its counters into acc. */
static int merge_one(struct cli_common *c, const char *path,
		     struct gs_engine *e, const char *fp,
		     struct gs_state_info *acc)
{
	char why[512];
	struct gs_state_info in;
	struct gs_engine *pe = NULL;
	struct gs_network *pn = NULL;
	struct cli_state_in sf;
	if (cli_state_open(&sf, path, c->have_pseudo ? &c->pseudo : NULL,
			   merge.path, merge.sealed))
		return EXIT_USAGE;
	int r = gs_state_read_info(sf.f, &in, why, sizeof why);
	if (r) {
		cli_state_read_failed(&sf, path,
				      "is not a state file of this version, "
				      "or it is damaged",
				      why);
		cli_state_close(&sf);
		return EXIT_USAGE;
	}
	int rc = check_state(c, path, &in, e, fp);
	if (!rc && gs_state_read_rest(sf.f, &in, &pe, &pn, why, sizeof why)) {
		cli_state_read_failed(&sf, path, "is damaged", why);
		rc = EXIT_USAGE;
	}
	cli_state_close(&sf);
	if (!rc && e) {
		r = gs_engine_absorb(e, pe); /* frees pe */
		pe = NULL;
		if (!r)
			r = gs_engine_fit_memory(e);
	}
	if (!rc && !r && c->net)
		r = gs_network_merge(c->net, pn);
	gs_engine_free(pe);
	gs_network_free(pn);
	if (!rc && r) {
		cli_error(r == GS_EUSAGE
				  ? "'%s' does not merge with the states "
				    "before it: its settings differ (%s)"
				  : "cannot merge '%s': %s",
			  path,
			  r == GS_EUSAGE ? "a damaged or edited file"
					 : gs_strerror(r));
		rc = EXIT_USAGE;
	}
	if (!rc)
		gs_state_add_counts(acc, &in);
	gs_state_info_release(&in);
	return rc;
}

int cli_state_merge(struct cli_common *c, int nfiles, char **files,
		    struct gs_engine *e, uint64_t *malformed)
{
	if (nfiles == 0) {
		cli_error("no state files (written by --save-state; see "
			  "'groundswell merge --help')");
		return EXIT_USAGE;
	}
	char fp[GS_STATE_FP_LEN + 1];
	key_fp(c, fp);
	struct gs_state_info acc = {0};
	int rc = 0;
	for (int i = 0; i < nfiles && !rc; i++)
		rc = merge_one(c, files[i], e, fp, &acc);
	if (rc)
		return rc;
	c->posts_read += acc.posts_read;
	c->out_of_window += acc.out_of_window;
	for (int k = 0; k < GS_NONPOST_COUNT; k++)
		c->nonpost[k] += acc.nonpost[k];
	for (int k = 0; k < GS_FILTER_REASONS; k++)
		c->filtered[k] += acc.filtered[k];
	if (malformed)
		*malformed = acc.malformed;
	if (c->save_state) {
		c->state->info.states = acc.states;
		rc = cli_state_write(c, e, acc.malformed);
	}
	return rc;
}
