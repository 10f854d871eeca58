# jq baseline for bench/run.sh: the same count as count_python.py with
# ascii_downcase as the only case mapping (jq 1.6 has no Unicode lower-case
# or normalisation), so non-ASCII tags that differ only in case or in
# normalisation stay apart. Run as: jq -n -c -f count.jq FILE
def tags_of:
  (if (.extended_tweet.entities | type) == "object"
   then .extended_tweet.entities.hashtags
   else .entities.hashtags end) // [];

reduce (inputs | select(type == "object" and (.user.id_str | type) == "string")) as $t ({};
  ($t.user.id_str) as $a
  | (($t.retweeted_status // $t) | [tags_of[] | .text | select(type == "string" and length > 0) | ascii_downcase] | unique) as $ks
  | reduce $ks[] as $k (.; .[$k].p += 1 | .[$k].a[$a] = true))
| to_entries
| map({tag: .key, posts: .value.p, accounts: (.value.a | length)})
| sort_by(-.accounts, -.posts, .tag)
| {tool: "jq", tags: .}
