// simdjson_parse.cpp - parse-only yardstick for bench/run.sh.
//
// Reads a Twitter v1.1 JSON Lines file in 16 MiB chunks (cut at the last
// newline, like groundswell's reader, so memory stays flat) and parses every
// line with simdjson's On-Demand API (iterate_many), touching the fields that
// groundswell's count needs: user.id_str, and the hashtag texts of
// extended_tweet.entities or entities, of the retweeted_status for retweets.
// It keeps no per-tag state: no case folding, no hash table, no distinct
// counting. It therefore measures JSON parsing plus field access, an upper
// bound on what a parser+counter such as `groundswell report` can reach on
// one core, not a competing implementation.
//
// Build: g++ -O3 -std=c++17 -o simdjson_parse simdjson_parse.cpp -lsimdjson
// Usage: simdjson_parse FILE  ->  prints "posts=N tag_uses=N tag_bytes=N
//        account_bytes=N errors=N stage1=KERNEL stage2=KERNEL"
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

using namespace simdjson;

struct totals {
	unsigned long long posts = 0, tag_uses = 0, tag_bytes = 0,
			   account_bytes = 0, errors = 0;
};

// Hashtag texts of one entities object: {"hashtags":[{"text":...}], ...}.
struct taglist {
	std::string_view v[64];
	size_t n = 0;
};

static error_code read_entities(ondemand::value ent, taglist &out)
{
	ondemand::object o;
	if (auto e = ent.get_object().get(o))
		return e;
	for (auto field : o) {
		ondemand::raw_json_string key;
		if (auto e = field.key().get(key))
			return e;
		if (key != "hashtags")
			continue;
		ondemand::array arr;
		if (auto e = field.value().get_array().get(arr))
			return e;
		for (auto h : arr) {
			ondemand::object ho;
			if (auto e = h.get_object().get(ho))
				return e;
			std::string_view text;
			if (ho["text"].get_string().get(text) == SUCCESS &&
			    out.n < 64)
				out.v[out.n++] = text;
		}
	}
	return SUCCESS;
}

// One tweet-like object: its tags (extended_tweet.entities win over
// entities), its user.id_str when want_user, its retweeted_status at depth 0.
struct tweet {
	taglist tags, ext_tags, rt_tags;
	bool has_ext = false, is_rt = false;
	std::string_view account;
};

static error_code read_tweet(ondemand::object obj, tweet &t, int depth)
{
	for (auto field : obj) {
		ondemand::raw_json_string key;
		if (auto e = field.key().get(key))
			return e;
		if (key == "entities") {
			if (auto e = read_entities(field.value(), t.tags))
				return e;
		} else if (key == "extended_tweet") {
			ondemand::object eo;
			if (field.value().get_object().get(eo) != SUCCESS)
				continue; // null
			for (auto ef : eo) {
				ondemand::raw_json_string ek;
				if (auto e = ef.key().get(ek))
					return e;
				if (ek == "entities") {
					t.has_ext = true;
					if (auto e = read_entities(ef.value(), t.ext_tags))
						return e;
				}
			}
		} else if (depth == 0 && key == "user") {
			ondemand::object uo;
			if (auto e = field.value().get_object().get(uo))
				return e;
			if (auto e = uo["id_str"].get_string().get(t.account))
				return e;
		} else if (depth == 0 && key == "retweeted_status") {
			ondemand::object ro;
			if (field.value().get_object().get(ro) != SUCCESS)
				continue; // null
			tweet rt;
			if (auto e = read_tweet(ro, rt, 1))
				return e;
			t.is_rt = true;
			t.rt_tags = rt.has_ext ? rt.ext_tags : rt.tags;
		}
	}
	return SUCCESS;
}

static void parse_chunk(ondemand::parser &parser, const char *buf, size_t len,
			totals &tot)
{
	ondemand::document_stream stream;
	if (parser.iterate_many(buf, len, 4u << 20).get(stream)) {
		tot.errors++;
		return;
	}
	for (auto doc : stream) {
		ondemand::object obj;
		if (doc.get_object().get(obj)) {
			tot.errors++;
			continue;
		}
		tweet t;
		if (read_tweet(obj, t, 0) != SUCCESS || t.account.empty()) {
			tot.errors++;
			continue;
		}
		const taglist &l = t.is_rt ? t.rt_tags : t.has_ext ? t.ext_tags : t.tags;
		tot.posts++;
		tot.account_bytes += t.account.size();
		tot.tag_uses += l.n;
		for (size_t i = 0; i < l.n; i++)
			tot.tag_bytes += l.v[i].size();
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	const size_t chunk = 16u << 20;
	std::vector<char> buf(chunk + 2 * SIMDJSON_PADDING);
	size_t have = 0;
	ondemand::parser parser;
	totals tot;
	for (;;) {
		size_t got = fread(buf.data() + have, 1, chunk - have, f);
		have += got;
		bool eof = got == 0;
		if (have == 0)
			break;
		size_t cut = have;
		if (!eof) {
			const char *nl = static_cast<const char *>(
				memrchr(buf.data(), '\n', have));
			if (!nl) {
				fprintf(stderr, "line longer than %zu bytes\n", chunk);
				return 1;
			}
			cut = static_cast<size_t>(nl - buf.data()) + 1;
		}
		// iterate_many needs SIMDJSON_PADDING readable bytes past the end.
		std::vector<char> tail(buf.begin() + cut, buf.begin() + have);
		memset(buf.data() + cut, ' ', SIMDJSON_PADDING);
		parse_chunk(parser, buf.data(), cut, tot);
		memcpy(buf.data(), tail.data(), tail.size());
		have = tail.size();
		if (eof)
			break;
	}
	fclose(f);
	printf("posts=%llu tag_uses=%llu tag_bytes=%llu account_bytes=%llu errors=%llu stage1=%s stage2=%s\n",
	       tot.posts, tot.tag_uses, tot.tag_bytes, tot.account_bytes,
	       tot.errors, get_active_implementation()->name().c_str(),
	       SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));
	return tot.errors ? 1 : 0;
}
