/*
 * test_generate.c - the synthetic stream generator (src/gen/generate.h).
 *
 * Checks determinism, that every line of every format is strict JSON (a
 * small RFC 8259 + UTF-8 validator below), that the truth agrees with the
 * stream (post lines, malformed lines, skipped events, planted tags), the
 * --posts and --bytes-target stops, option validation and time parsing.
 * When python3 is installed, an independent reference counter written in
 * Python recounts every tag of every format and must agree with the truth
 * exactly, including entity offsets and facet byte ranges.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/generate.h"
#include "groundswell.h"
#include "tap.h"

/* ---- a strict JSON validator ---- */

struct jv {
	const unsigned char *p, *end;
	int depth;
	/* types of some top-level keys: 'o' object, 'a' array, 's' string,
	 * 'n' number, 'l' literal; 0 when absent */
	char t_user, t_data, t_author, t_commit, t_account;
};

static void jv_ws(struct jv *v)
{
	while (v->p < v->end &&
	       (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int jv_hex4(struct jv *v, unsigned *out)
{
	unsigned x = 0;
	for (int i = 0; i < 4; i++) {
		if (v->p >= v->end)
			return -1;
		unsigned c = *v->p++;
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= c - '0';
		else if (c >= 'a' && c <= 'f')
			x |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x |= c - 'A' + 10;
		else
			return -1;
	}
	*out = x;
	return 0;
}

/* A string; its raw bytes (escapes undecoded) in *s0..*s1. */
static int jv_string(struct jv *v, const unsigned char **s0,
		     const unsigned char **s1)
{
	if (v->p >= v->end || *v->p != '"')
		return -1;
	v->p++;
	if (s0)
		*s0 = v->p;
	while (v->p < v->end) {
		unsigned c = *v->p;
		if (c == '"') {
			if (s1)
				*s1 = v->p;
			v->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			v->p++;
			if (v->p >= v->end)
				return -1;
			c = *v->p++;
			if (c == 'u') {
				unsigned u, w;
				if (jv_hex4(v, &u))
					return -1;
				if (u >= 0xdc00 && u <= 0xdfff)
					return -1; /* lone low surrogate */
				if (u >= 0xd800 && u <= 0xdbff) {
					if (v->end - v->p < 6 || v->p[0] != '\\' ||
					    v->p[1] != 'u')
						return -1;
					v->p += 2;
					if (jv_hex4(v, &w) || w < 0xdc00 ||
					    w > 0xdfff)
						return -1;
				}
			} else if (!strchr("\"\\/bfnrt", (int)c)) {
				return -1;
			}
			continue;
		}
		if (c < 0x80) {
			v->p++;
			continue;
		}
		int n;
		unsigned cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return -1;
		}
		if (v->end - v->p <= n)
			return -1;
		for (int i = 1; i <= n; i++) {
			if ((v->p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (v->p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		v->p += n + 1;
	}
	return -1;
}

static int jv_value(struct jv *v, char *type);

static int jv_number(struct jv *v)
{
	const unsigned char *p = v->p;
	if (p < v->end && *p == '-')
		p++;
	if (p >= v->end)
		return -1;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < v->end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return -1;
	}
	if (p < v->end && *p == '.') {
		p++;
		if (p >= v->end || *p < '0' || *p > '9')
			return -1;
		while (p < v->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < v->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < v->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= v->end || *p < '0' || *p > '9')
			return -1;
		while (p < v->end && *p >= '0' && *p <= '9')
			p++;
	}
	v->p = p;
	return 0;
}

static int jv_value(struct jv *v, char *type)
{
	char dummy;
	if (!type)
		type = &dummy;
	jv_ws(v);
	if (v->p >= v->end)
		return -1;
	unsigned c = *v->p;
	if (c == '{' || c == '[') {
		bool obj = c == '{';
		int top = ++v->depth == 1;
		if (v->depth > 64)
			return -1;
		*type = obj ? 'o' : 'a';
		v->p++;
		jv_ws(v);
		if (v->p < v->end && *v->p == (obj ? '}' : ']')) {
			v->p++;
			v->depth--;
			return 0;
		}
		for (;;) {
			char *slot = NULL;
			if (obj) {
				const unsigned char *k0, *k1;
				jv_ws(v);
				if (jv_string(v, &k0, &k1))
					return -1;
				size_t kl = (size_t)(k1 - k0);
#define KEY(name, field)                                                       \
	if (top && kl == sizeof(name) - 1 && memcmp(k0, name, kl) == 0)        \
	slot = &v->field
				KEY("user", t_user);
				KEY("data", t_data);
				KEY("author", t_author);
				KEY("commit", t_commit);
				KEY("account", t_account);
#undef KEY
				jv_ws(v);
				if (v->p >= v->end || *v->p != ':')
					return -1;
				v->p++;
			}
			if (jv_value(v, slot))
				return -1;
			jv_ws(v);
			if (v->p >= v->end)
				return -1;
			if (*v->p == ',') {
				v->p++;
				continue;
			}
			if (*v->p == (obj ? '}' : ']')) {
				v->p++;
				v->depth--;
				return 0;
			}
			return -1;
		}
	}
	if (c == '"') {
		*type = 's';
		return jv_string(v, NULL, NULL);
	}
	static const char *const lits[] = {"true", "false", "null"};
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(lits[i]);
		if ((size_t)(v->end - v->p) >= n && memcmp(v->p, lits[i], n) == 0) {
			v->p += n;
			*type = 'l';
			return 0;
		}
	}
	*type = 'n';
	return jv_number(v);
}

/* 0 when s[0..n) is exactly one JSON object; fills the key types. */
static int json_check(const char *s, size_t n, struct jv *v)
{
	memset(v, 0, sizeof *v);
	v->p = (const unsigned char *)s;
	v->end = v->p + n;
	char t;
	if (jv_value(v, &t) || t != 'o')
		return -1;
	jv_ws(v);
	return v->p == v->end ? 0 : -1;
}

/* ---- running the generator in memory ---- */

struct run {
	char *out, *truth;
	size_t nout, ntruth;
	int rc;
};

static struct run gen(const struct gs_generate_options *o, bool truth)
{
	struct run r = {0};
	FILE *f = open_memstream(&r.out, &r.nout);
	FILE *t = truth ? open_memstream(&r.truth, &r.ntruth) : NULL;
	r.rc = gs_generate(f, t, o);
	fclose(f);
	if (t)
		fclose(t);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->truth);
}

/* The number after "\"name\":" at the top of the truth object. */
static long long truth_num(const struct run *r, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "\"%s\":", name);
	const char *p = r->truth ? strstr(r->truth, key) : NULL;
	return p ? atoll(p + strlen(key)) : -1;
}

/* Counts of a stream's lines: valid JSON, invalid, malformed types. */
struct lines {
	long total, valid, invalid, wrongtype, skipped, heartbeats;
};

static bool wrong_type(enum gs_gen_format f, const struct jv *v)
{
	switch (f) {
	case GS_GEN_TWITTER1: return v->t_user != 'o';
	case GS_GEN_TWITTER2: return v->t_data != 'a';
	case GS_GEN_TWITTER2_FLAT: return v->t_author != 'o';
	case GS_GEN_JETSTREAM: return v->t_commit && v->t_commit != 'o';
	default: return v->t_account != 'o';
	}
}

static struct lines scan(enum gs_gen_format f, const char *s, size_t n)
{
	struct lines L = {0};
	const char *p = s, *end = s + n;
	bool sse = f == GS_GEN_MASTODON_SSE, del = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		size_t len = (size_t)(nl - p);
		const char *json = p;
		size_t jl = len;
		bool check = true;
		if (sse) {
			check = false;
			if (len >= 6 && memcmp(p, "data: ", 6) == 0) {
				json = p + 6;
				jl = len - 6;
				check = !del;
				if (del) {
					L.total++;
					L.skipped++;
				}
			} else if (len == 13 && memcmp(p, "event: delete", 13) == 0) {
				del = true;
			} else if (len == 13 && memcmp(p, "event: update", 13) == 0) {
				del = false;
			} else if (len && p[0] == ':') {
				L.heartbeats++;
			}
		}
		if (check) {
			struct jv v;
			L.total++;
			if (json_check(json, jl, &v)) {
				L.invalid++;
			} else {
				L.valid++;
				if (wrong_type(f, &v))
					L.wrongtype++;
				else if (f == GS_GEN_JETSTREAM &&
					 (!v.t_commit ||
					  (!memmem(json, jl, "app.bsky.feed.post\",\"rkey", 25) &&
					   !memmem(json, jl, "app.bsky.feed.repost\",\"rkey", 27)) ||
					  memmem(json, jl, "\"operation\":\"delete\"", 20)))
					L.skipped++;
			}
		}
		p = nl + 1;
	}
	return L;
}

/* ---- the Python reference counter ---- */

static const char pycheck[] =
	"import json,sys,unicodedata,datetime,collections\n"
	"fmt,path,tp=sys.argv[1:4]\n"
	"T=json.load(open(tp,encoding='utf-8'))\n"
	"def fold(s):\n"
	" return unicodedata.normalize('NFKC',unicodedata.normalize('NFKC',s).casefold())\n"
	"def tt(s):\n"
	" if s[3]==' ':\n"
	"  d=datetime.datetime.strptime(s,'%a %b %d %H:%M:%S +0000 %Y')\n"
	" else:\n"
	"  d=datetime.datetime.strptime(s[:19],'%Y-%m-%dT%H:%M:%S')\n"
	" return int(d.replace(tzinfo=datetime.timezone.utc).timestamp())\n"
	"S=collections.defaultdict(lambda:[0,0,0,0,0,set(),None,None,collections.Counter()])\n"
	"G=collections.Counter();A=set();E=[]\n"
	"def cnt(a,t,tags,rp,re,q):\n"
	" G['posts']+=1;G['reposts']+=rp;G['replies']+=re;G['quotes']+=q;A.add(a);seen={}\n"
	" for x in tags:\n"
	"  k=fold(x)\n"
	"  if k in seen and seen[k]!=x:E.append('two spellings '+k)\n"
	"  seen.setdefault(k,x)\n"
	" for k,x in seen.items():\n"
	"  s=S[k];s[0]+=1;s[1 if rp else 4]+=1;s[2]+=re;s[3]+=q;s[5].add(a)\n"
	"  s[6]=t if s[6] is None else s[6];s[7]=t;s[8][x]+=1\n"
	"def ix(text,ents,a='indices'):\n"
	" c=list(text)\n"
	" for h in ents.get('hashtags',[]):\n"
	"  i,j=h[a] if a=='indices' else (h['start'],h['end'])\n"
	"  if ''.join(c[i:j])!='#'+h.get('text',h.get('tag')):E.append('index %r'%h)\n"
	"def t1(o):\n"
	" if 'extended_tweet' in o:\n"
	"  e=o['extended_tweet'];ix(e['full_text'],e['entities']);ix(o['text'],o['entities'])\n"
	"  return [h['text'] for h in e['entities']['hashtags']]\n"
	" ix(o.get('full_text',o.get('text')),o['entities'])\n"
	" return [h['text'] for h in o['entities']['hashtags']]\n"
	"def t2(o):\n"
	" e=o.get('entities',{});ix(o['text'],e,'se')\n"
	" return [h['tag'] for h in e.get('hashtags',[])]\n"
	"def ma(o):\n"
	" if not isinstance(o,dict) or not isinstance(o.get('account'),dict):G['malformed']+=1;return\n"
	" a=o['account']['id'];t=tt(o['created_at'])\n"
	" if o.get('reblog'):cnt(a,t,[x['name'] for x in o['reblog']['tags']],1,0,0)\n"
	" else:cnt(a,t,[x['name'] for x in o['tags']],0,o['in_reply_to_id'] is not None,0)\n"
	"def ld(b):\n"
	" try:return json.loads(b.decode('utf-8'))\n"
	" except Exception:return None\n"
	"J={};data=open(path,'rb').read()\n"
	"if fmt=='mastodon-sse':\n"
	" ev=None\n"
	" for l in data.split(b'\\n'):\n"
	"  if l.startswith(b'event: '):ev=l[7:]\n"
	"  elif l.startswith(b'data: '):\n"
	"   if ev==b'update':ma(ld(l[6:]))\n"
	"   else:G['skipped']+=1\n"
	"else:\n"
	" for l in data.split(b'\\n')[:-1]:\n"
	"  o=ld(l)\n"
	"  if fmt=='mastodon':ma(o);continue\n"
	"  if not isinstance(o,dict):G['malformed']+=1;continue\n"
	"  if fmt=='twitter1':\n"
	"   if not isinstance(o.get('user'),dict):G['malformed']+=1;continue\n"
	"   a=o['user']['id_str'];t=tt(o['created_at'])\n"
	"   if 'retweeted_status' in o:t1(o);cnt(a,t,t1(o['retweeted_status']),1,0,0)\n"
	"   else:cnt(a,t,t1(o),0,o['in_reply_to_status_id_str'] is not None,'quoted_status' in o)\n"
	"  elif fmt=='twitter2':\n"
	"   if not isinstance(o.get('data'),list):G['malformed']+=1;continue\n"
	"   inc={x['id']:x for x in o['includes'].get('tweets',[])}\n"
	"   for w in o['data']:\n"
	"    r={x['type']:x['id'] for x in w.get('referenced_tweets',[])};own=t2(w)\n"
	"    if 'retweeted' in r:cnt(w['author_id'],tt(w['created_at']),t2(inc[r['retweeted']]),1,0,0)\n"
	"    else:cnt(w['author_id'],tt(w['created_at']),own,0,'replied_to' in r,'quoted' in r)\n"
	"  elif fmt=='twitter2-flat':\n"
	"   if not isinstance(o.get('author'),dict):G['malformed']+=1;continue\n"
	"   r={x['type']:x for x in o.get('referenced_tweets',[])};own=t2(o)\n"
	"   if 'retweeted' in r:cnt(o['author_id'],tt(o['created_at']),t2(r['retweeted']),1,0,0)\n"
	"   else:cnt(o['author_id'],tt(o['created_at']),own,0,'replied_to' in r,'quoted' in r)\n"
	"  elif fmt=='jetstream':\n"
	"   if o.get('kind')!='commit':G['skipped']+=1;continue\n"
	"   c=o.get('commit')\n"
	"   if not isinstance(c,dict):G['malformed']+=1;continue\n"
	"   col=c['collection']\n"
	"   if c['operation']!='create' or col not in('app.bsky.feed.post','app.bsky.feed.repost'):G['skipped']+=1;continue\n"
	"   rec=c['record'];t=o['time_us']//1000000\n"
	"   if col=='app.bsky.feed.post':\n"
	"    b=rec['text'].encode('utf-8');tags=[]\n"
	"    for f in rec.get('facets',[]):\n"
	"     for x in f['features']:\n"
	"      if x['$type'].endswith('#tag'):\n"
	"       if b[f['index']['byteStart']:f['index']['byteEnd']]!=('#'+x['tag']).encode('utf-8'):E.append('facet %r'%f)\n"
	"       tags.append(x['tag'])\n"
	"    tags+=rec.get('tags',[]);J['at://%s/%s/%s'%(o['did'],col,c['rkey'])]=tags\n"
	"    cnt(o['did'],t,tags,0,'reply' in rec,0)\n"
	"   else:cnt(o['did'],t,J[rec['subject']['uri']],1,0,0)\n"
	"for k in('posts','reposts','replies','quotes','malformed','skipped'):\n"
	" if G[k]!=T[k]:E.append('%s %d != %d'%(k,G[k],T[k]))\n"
	"if len(A)!=T['accounts']:E.append('accounts')\n"
	"if len(S)!=len(T['tags']):E.append('ntags %d %d'%(len(S),len(T['tags'])))\n"
	"R=lambda t:datetime.datetime.fromtimestamp(t,datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')\n"
	"for k,s in S.items():\n"
	" d=sorted(s[8].items(),key=lambda kv:(-kv[1],kv[0].encode()))[0][0]\n"
	" m=dict(display=d,posts=s[0],originals=s[4],reposts=s[1],replies=s[2],quotes=s[3],accounts=len(s[5]),first_seen=R(s[6]),last_seen=R(s[7]))\n"
	" if T['tags'].get(k)!=m:E.append('tag %r %r %r'%(k,m,T['tags'].get(k)))\n"
	"for e in E[:10]:print('#  ',e)\n"
	"sys.exit(1 if E else 0)\n";

static bool have_python(void)
{
	return system("python3 -c 'import json, unicodedata' >/dev/null 2>&1") == 0;
}

/* Writes the run to files and runs the reference counter on them. */
static int python_check(const char *fmt, const struct run *r)
{
	char dir[] = "/tmp/gs_test_generate_XXXXXX";
	if (!mkdtemp(dir))
		return -1;
	char py[128], out[128], tr[128], cmd[512];
	snprintf(py, sizeof py, "%s/check.py", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(tr, sizeof tr, "%s/truth.json", dir);
	FILE *f1 = fopen(py, "w"), *f2 = fopen(out, "wb"), *f3 = fopen(tr, "wb");
	int rc = -1;
	if (f1 && f2 && f3) {
		fputs(pycheck, f1);
		fwrite(r->out, 1, r->nout, f2);
		fwrite(r->truth, 1, r->ntruth, f3);
	}
	if (f1)
		fclose(f1);
	if (f2)
		fclose(f2);
	if (f3)
		fclose(f3);
	snprintf(cmd, sizeof cmd, "python3 %s %s %s %s", py, fmt, out, tr);
	fflush(stdout);
	rc = system(cmd);
	unlink(py);
	unlink(out);
	unlink(tr);
	rmdir(dir);
	return rc;
}

int main(void)
{
	struct gs_generate_options o;

	/* defaults, names, times */
	gs_generate_options_init(&o);
	TAP_EQ_INT(o.seed, 1, "default seed is 1");
	TAP_OK(o.hours == 72 && o.rate == 2, "default 72 h at 2 posts/s");
	TAP_EQ_INT(o.start, 1507852800, "default start 2017-10-13T00:00:00Z");
	for (int f = 0; f < GS_GEN_FORMAT_COUNT_; f++)
		TAP_EQ_INT(gs_gen_format_parse(gs_gen_format_name(f)), f,
			   "format name %s round-trips", gs_gen_format_name(f));
	TAP_EQ_INT(gs_gen_format_parse("twitter3"), GS_GEN_FORMAT_COUNT_,
		   "unknown format name rejected");
	int64_t t = 0;
	TAP_OK(gs_generate_parse_time("2017-10-15T20:00:00Z", &t) == 0 &&
		       t == 1508097600,
	       "RFC 3339 parsed");
	TAP_OK(gs_generate_parse_time("2017-10-15T22:00:00.250+02:00", &t) ==
			       0 &&
		       t == 1508097600,
	       "offset and fraction parsed");
	TAP_OK(gs_generate_parse_time("2017-10-15", &t) == 0 &&
		       t == 1508025600,
	       "bare date parsed");
	TAP_EQ_INT(gs_generate_parse_time("2017-10-15T20:00", &t), GS_ETIME,
		   "incomplete time rejected");
	TAP_EQ_INT(gs_generate_parse_time("yesterday", &t), GS_ETIME,
		   "garbage time rejected");

	/* option validation */
	gs_generate_options_init(&o);
	o.rate = 0;
	struct run r = gen(&o, false);
	TAP_EQ_INT(r.rc, GS_EUSAGE, "rate 0 rejected");
	run_free(&r);
	gs_generate_options_init(&o);
	o.malformed = 0.95;
	r = gen(&o, false);
	TAP_EQ_INT(r.rc, GS_EUSAGE, "malformed 0.95 rejected");
	run_free(&r);

	/* determinism */
	gs_generate_options_init(&o);
	o.hours = 0;
	o.posts = 2000;
	struct run a = gen(&o, true), b = gen(&o, true);
	TAP_OK(a.rc == 0 && b.rc == 0, "two runs succeed");
	TAP_OK(a.nout > 0 && a.nout == b.nout &&
		       memcmp(a.out, b.out, a.nout) == 0,
	       "same seed gives identical bytes (%zu)", a.nout);
	TAP_OK(a.ntruth > 0 && a.ntruth == b.ntruth &&
		       memcmp(a.truth, b.truth, a.ntruth) == 0,
	       "same seed gives identical truth");
	run_free(&b);
	o.seed = 2;
	b = gen(&o, true);
	TAP_OK(b.rc == 0 && (a.nout != b.nout || memcmp(a.out, b.out, a.nout)),
	       "another seed gives other bytes");
	run_free(&b);
	o.seed = 1;
	b = gen(&o, false);
	TAP_OK(b.nout == a.nout && memcmp(a.out, b.out, a.nout) == 0,
	       "asking for the truth does not change the stream");
	run_free(&b);

	/* twitter1: lines and truth agree */
	struct lines L = scan(GS_GEN_TWITTER1, a.out, a.nout);
	TAP_EQ_INT(L.invalid, 0, "twitter1: every line is valid JSON");
	TAP_EQ_INT(L.total, 2000, "twitter1: --posts 2000 gives 2000 lines");
	TAP_EQ_INT(truth_num(&a, "posts"), L.total,
		   "twitter1: truth posts equals post lines");
	TAP_OK(truth_num(&a, "reposts") > 200 && truth_num(&a, "replies") > 100 &&
		       truth_num(&a, "quotes") > 10,
	       "twitter1: reposts, replies and quotes present");
	double per = (double)a.nout / 2000;
	TAP_OK(per > 2000 && per < 5000, "twitter1: %.0f bytes per post", per);
	TAP_OK(a.ntruth && a.truth[0] == '{' &&
		       strstr(a.truth, "\"generator\":\"groundswell\"") &&
		       strstr(a.truth, "\"format\":\"twitter1\""),
	       "truth header");
	struct jv v;
	TAP_OK(json_check(a.truth, a.ntruth - 1, &v) == 0 &&
		       a.truth[a.ntruth - 1] == '\n',
	       "truth is one JSON object and a newline");
	run_free(&a);

	/* every format: valid JSON, counts agree with the truth */
	bool py = have_python();
	for (int f = 0; f < GS_GEN_FORMAT_COUNT_; f++) {
		const char *name = gs_gen_format_name(f);
		gs_generate_options_init(&o);
		o.format = f;
		o.hours = 0;
		o.posts = 1500;
		o.seed = 7;
		r = gen(&o, true);
		TAP_EQ_INT(r.rc, 0, "%s: generated", name);
		L = scan(f, r.out, r.nout);
		TAP_EQ_INT(L.invalid, 0, "%s: every record is valid JSON", name);
		TAP_EQ_INT(L.wrongtype, 0, "%s: no malformed records", name);
		TAP_EQ_INT(truth_num(&r, "posts"), 1500, "%s: truth posts", name);
		TAP_EQ_INT(truth_num(&r, "malformed"), 0, "%s: no malformed",
			   name);
		if (f == GS_GEN_TWITTER2)
			TAP_OK(L.total >= 15 && L.total <= 1500,
			       "%s: pages of up to 100 tweets (%ld lines)", name,
			       L.total);
		else
			TAP_EQ_INT(L.total - L.skipped, 1500,
				   "%s: one record per post", name);
		TAP_EQ_INT(L.skipped, truth_num(&r, "skipped"),
			   "%s: skipped events agree", name);
		if (f == GS_GEN_JETSTREAM || f == GS_GEN_MASTODON_SSE)
			TAP_OK(L.skipped > 0, "%s: has events to skip", name);
		if (f == GS_GEN_MASTODON_SSE)
			TAP_OK(L.heartbeats > 0, "%s: has heartbeats", name);
		TAP_EQ_INT(truth_num(&r, "bytes"), (long long)r.nout,
			   "%s: truth bytes", name);
		TAP_EQ_INT(truth_num(&r, "quotes") > 0,
			   f <= GS_GEN_TWITTER2_FLAT,
			   "%s: quotes only in twitter formats", name);
		if (py)
			TAP_EQ_INT(python_check(name, &r), 0,
				   "%s: reference counter agrees with the truth",
				   name);
		else
			printf("ok %d # SKIP %s: no python3\n", ++tap_n_,
			       name);
		run_free(&r);
	}

	/* malformed lines */
	gs_generate_options_init(&o);
	o.hours = 0;
	o.posts = 3000;
	o.malformed = 0.1;
	r = gen(&o, true);
	L = scan(GS_GEN_TWITTER1, r.out, r.nout);
	long bad = L.invalid + L.wrongtype;
	TAP_EQ_INT(bad, truth_num(&r, "malformed"),
		   "malformed lines agree with the truth (%ld)", bad);
	TAP_EQ_INT(L.total - bad, 3000, "malformed lines are extra lines");
	double frac = (double)bad / (double)L.total;
	TAP_OK(frac > 0.075 && frac < 0.125, "malformed fraction %.3f ~ 0.1",
	       frac);
	TAP_OK(L.invalid > 0 && L.wrongtype > 0,
	       "both invalid JSON and wrong types");
	if (py)
		TAP_EQ_INT(python_check("twitter1", &r), 0,
			   "twitter1 with malformed lines: reference counter "
			   "agrees");
	run_free(&r);
	o.format = GS_GEN_JETSTREAM;
	r = gen(&o, true);
	L = scan(GS_GEN_JETSTREAM, r.out, r.nout);
	TAP_EQ_INT(L.invalid + L.wrongtype, truth_num(&r, "malformed"),
		   "jetstream malformed lines agree with the truth");
	if (py)
		TAP_EQ_INT(python_check("jetstream", &r), 0,
			   "jetstream with malformed lines: reference counter "
			   "agrees");
	run_free(&r);

	/* a whole window: planted movements, spam, steady tags */
	gs_generate_options_init(&o);
	o.format = GS_GEN_JETSTREAM;
	o.rate = 0.06;
	r = gen(&o, true);
	TAP_EQ_INT(r.rc, 0, "72 h jetstream window generated");
	TAP_OK(r.truth && strstr(r.truth, "\"metoo\":{\"display\":\"MeToo\""),
	       "MeToo planted, displayed as MeToo");
	TAP_OK(r.truth && strstr(r.truth, "\"año\":{\"display\":\"año\""),
	       "año planted (año, Año, AÑO, NFD spellings are one tag)");
	TAP_OK(r.truth && strstr(r.truth, "\"ano\":{\"display\":\"ano\""),
	       "ano stays apart from año");
	TAP_OK(r.truth && strstr(r.truth, "\"strasse\":{\"display\":\"Straße\""),
	       "Straße and STRASSE are one tag");
	TAP_OK(r.truth && strstr(r.truth, "\"shape\":\"metoo\"") &&
		       strstr(r.truth, "\"shape\":\"burst\"") &&
		       strstr(r.truth, "\"shape\":\"slow\"") &&
		       strstr(r.truth, "\"shape\":\"flash\"") &&
		       strstr(r.truth, "\"shape\":\"small\""),
	       "five movements listed");
	TAP_OK(r.truth && strstr(r.truth, "\"onset\":\"2017-10-13T20:00:00Z\""),
	       "MeToo onset at 20:00 UTC");
	const char *sp = r.truth ? strstr(r.truth, "\"spam\":[") : NULL;
	TAP_OK(sp && strstr(sp, "\"tag\":\"freefollowers\""),
	       "spam flood listed");
	TAP_OK(r.truth && strstr(r.truth, "\"steady\":[{\"tag\":\"news\""),
	       "steady tags listed");
	TAP_OK(r.truth && strstr(r.truth, "\"end\":\"2017-10-16T00:00:00Z\""),
	       "window ends after 72 h");
	L = scan(GS_GEN_JETSTREAM, r.out, r.nout);
	TAP_EQ_INT(L.invalid, 0, "72 h window: every line valid");
	run_free(&r);

	/* bytes target */
	gs_generate_options_init(&o);
	o.hours = 0;
	o.bytes_target = 3000000;
	o.format = GS_GEN_MASTODON;
	r = gen(&o, false);
	TAP_OK(r.rc == 0 && r.nout >= 3000000 && r.nout < 3000000 + 20000 &&
		       r.out[r.nout - 1] == '\n',
	       "--bytes-target stops at the first line end past it (%zu)",
	       r.nout);
	run_free(&r);

	return TAP_DONE();
}
