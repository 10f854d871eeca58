// DuckDB baseline for bench/run.sh (npm @duckdb/node-api, pinned in
// bench/package.json).
//
// The same count as count_python.py and `groundswell report`, in one SQL
// query over read_ndjson: per lower()-cased tag, the posts that use it
// (each post counts a tag once: list_distinct) and count(DISTINCT user.id_str)
// (exact). Tags come from extended_tweet.entities.hashtags, else
// entities.hashtags, of the retweeted_status for retweets and of the tweet
// otherwise.
//
// DuckDB's lower() is a per-code-point lower-casing without NFKC or full case
// folding, so it differs from groundswell (NFKC + full case folding) on some
// non-ASCII tags: run.sh lists the differences.
//
// FORMAT jetstream (bench/compressed.sh) counts Bluesky Jetstream posts
// instead: per lower()-cased facet tag (features of $type
// app.bsky.richtext.facet#tag) of each created app.bsky.feed.post, the posts
// and count(DISTINCT did). Reposts are not resolved to the post they repeat
// (groundswell does that), so DuckDB counts less here, over the same parse.
//
// FILE may be a glob (read_ndjson takes one: several files in one query) and
// .gz or .zst: read_ndjson's compression 'auto' picks the decoder from the
// file name's extension (.gz, .zst), which is how the bench names them
// (zstd is built in: no extension to load). A compressed file named
// otherwise is read as plain text and, with ignore_errors, gives no rows at
// all: so no tag at all is an error here, not an empty result.
//
// Usage: node count_duckdb.mjs FILE OUT.json [THREADS] [twitter1|jetstream]
import { writeFileSync } from 'node:fs';
import { DuckDBInstance, version } from '@duckdb/node-api';

const [file, outPath, threads = '2', format = 'twitter1'] = process.argv.slice(2);
if (!file || !outPath || !['twitter1', 'jetstream'].includes(format)) {
  console.error('usage: node count_duckdb.mjs FILE OUT.json [THREADS] [twitter1|jetstream]');
  process.exit(2);
}

const ht = 'STRUCT(hashtags STRUCT("text" VARCHAR)[])';
const columns = `{
  user: 'STRUCT(id_str VARCHAR)',
  entities: '${ht}',
  extended_tweet: 'STRUCT(entities ${ht})',
  retweeted_status: 'STRUCT(entities ${ht}, extended_tweet STRUCT(entities ${ht}))'
}`;
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

const twitter1 = `
WITH t AS (
  SELECT user.id_str AS account,
         CASE WHEN retweeted_status IS NOT NULL
              THEN coalesce(retweeted_status.extended_tweet.entities.hashtags,
                            retweeted_status.entities.hashtags)
              ELSE coalesce(extended_tweet.entities.hashtags, entities.hashtags)
         END AS hashtags
  FROM read_ndjson(${lit(file)}, columns = ${columns},
                   maximum_object_size = 16777216, ignore_errors = true)
  WHERE user.id_str IS NOT NULL
), p AS (
  SELECT account,
         unnest(list_distinct(list_transform(hashtags, h -> lower(h.text)))) AS tag
  FROM t
)
SELECT tag, count(*) AS posts, count(DISTINCT account) AS accounts
FROM p WHERE tag IS NOT NULL AND tag <> ''
GROUP BY tag
ORDER BY accounts DESC, posts DESC, tag`;

const feature = 'STRUCT("$type" VARCHAR, tag VARCHAR)';
const jetColumns = `{
  did: 'VARCHAR',
  kind: 'VARCHAR',
  commit: 'STRUCT(operation VARCHAR, collection VARCHAR,
                  record STRUCT(facets STRUCT(features ${feature}[])[]))'
}`;
const jetstream = `
WITH t AS (
  SELECT did AS account,
         flatten(list_transform(commit.record.facets, f -> f.features)) AS features
  FROM read_ndjson(${lit(file)}, columns = ${jetColumns},
                   maximum_object_size = 16777216, ignore_errors = true)
  WHERE kind = 'commit' AND commit.operation = 'create'
    AND commit.collection = 'app.bsky.feed.post' AND did IS NOT NULL
), p AS (
  SELECT account,
         unnest(list_distinct(list_transform(
           list_filter(features, x -> x."$type" = 'app.bsky.richtext.facet#tag'),
           x -> lower(x.tag)))) AS tag
  FROM t
)
SELECT tag, count(*) AS posts, count(DISTINCT account) AS accounts
FROM p WHERE tag IS NOT NULL AND tag <> ''
GROUP BY tag
ORDER BY accounts DESC, posts DESC, tag`;
const sql = format === 'jetstream' ? jetstream : twitter1;

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await instance.connect();
const reader = await con.runAndReadAll(sql);
const tags = reader.getRowObjectsJS().map((r) => ({
  tag: r.tag,
  posts: Number(r.posts),
  accounts: Number(r.accounts),
}));
if (tags.length === 0) {
  console.error(`count_duckdb: no tag read from '${file}' (${format}): ` +
    'not that format, or compressed under a name not ending in .gz/.zst?');
  process.exit(1);
}
writeFileSync(outPath, JSON.stringify({
  tool: `duckdb ${version()}`,
  threads: Number(threads),
  tags,
}));
