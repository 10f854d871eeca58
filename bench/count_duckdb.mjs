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
// Usage: node count_duckdb.mjs FILE OUT.json [THREADS]
import { writeFileSync } from 'node:fs';
import { DuckDBInstance, version } from '@duckdb/node-api';

const [file, outPath, threads = '2'] = process.argv.slice(2);
if (!file || !outPath) {
  console.error('usage: node count_duckdb.mjs FILE OUT.json [THREADS]');
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

const sql = `
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

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await instance.connect();
const reader = await con.runAndReadAll(sql);
const tags = reader.getRowObjectsJS().map((r) => ({
  tag: r.tag,
  posts: Number(r.posts),
  accounts: Number(r.accounts),
}));
writeFileSync(outPath, JSON.stringify({
  tool: `duckdb ${version()}`,
  threads: Number(threads),
  tags,
}));
