#!/bin/sh
# The time window (issue 16): a post dated outside --window-from/--window-to
# (by default before 2006-03-21 or more than a day after now) is left out,
# counted as out of window in every summary, and never stretches the
# timeline; a span too long for a pass over its buckets is refused with a
# message naming --bucket and the window.
# Before the window, the first three checks failed: "out of memory" and no
# output, and a 1970 post first turned the trends into other ones.
BIN=${GS_BIN:-build/groundswell}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

"$BIN" generate --seed 3 --hours 30 --rate 0.2 -f twitter1 >"$T/s.jsonl" 2>/dev/null
line() { # created_at, then extra fields
	printf '{"created_at":"%s",%s"id_str":"9%s","text":"#odd","user":{"id_str":"77"},"entities":{"hashtags":[{"text":"odd"}]}}\n' "$1" "$2" "$3"
}
line "Mon Jan 01 00:00:00 +0000 3999" "" 1 >"$T/future.jsonl"
line "Fri Oct 13 12:00:00 +0000 2017" '"timestamp_ms":"1000",' 2 >"$T/ms1000.jsonl"
line "Thu Jan 01 00:00:01 +0000 1970" "" 3 >"$T/early.jsonl"

# 1. a year 3999 post after a stream, 1 h buckets
cat "$T/s.jsonl" "$T/future.jsonl" >"$T/a.jsonl"
"$BIN" report --json "$T/a.jsonl" >"$T/o" 2>"$T/e"
ok $? "a post dated 3999: report succeeds"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; sys.exit(not (s["out_of_window"] == 1 and s["last_seen"].startswith("2017")))' "$T/o"
ok $? "and counts it out of window (the range ends in 2017)"
grep -q "1 post dated outside the time window 2006-03-21T00:00:00Z to " "$T/e"
ok $? "stderr says so, with the window"
"$BIN" report --json "$T/s.jsonl" >"$T/o0"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); a["summary"]["out_of_window"]=0; sys.exit(a != b)' "$T/o" "$T/o0"
ok $? "and the report is the stream's without it"

# 2. "timestamp_ms":"1000" with --bucket 1m
cat "$T/ms1000.jsonl" "$T/s.jsonl" >"$T/b.jsonl"
"$BIN" report --bucket 1m "$T/b.jsonl" >"$T/o" 2>"$T/e"
ok $? '"timestamp_ms":"1000" with --bucket 1m: report succeeds'
grep -q ", 1 posts dated outside the time window left out" "$T/o"
ok $? "the text summary counts it"
"$BIN" trends --bucket 1m "$T/b.jsonl" >/dev/null 2>&1
ok $? "trends too"

# 3. a 1970 post first: the trends are those without it
cat "$T/early.jsonl" "$T/s.jsonl" >"$T/c.jsonl"
"$BIN" trends --json "$T/s.jsonl" >"$T/t0"
"$BIN" trends --json "$T/c.jsonl" >"$T/t1" 2>/dev/null
[ -s "$T/t0" ] && cmp -s "$T/t0" "$T/t1"
ok $? "a 1970 post first: trends --json equal the stream's without it"
"$BIN" trends --json --live "$T/s.jsonl" >"$T/t2"
"$BIN" trends --json --live "$T/c.jsonl" >"$T/t3" 2>/dev/null
[ -s "$T/t2" ] && cmp -s "$T/t2" "$T/t3"
ok $? "and with --live"
"$BIN" tag --json odd "$T/c.jsonl" >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "its tag is not counted (tag: exit 1, unknown)"
"$BIN" report --html "$T/r.html" "$T/c.jsonl" >/dev/null 2>&1 &&
	grep -q "1 posts dated outside the time window left out" "$T/r.html"
ok $? "the HTML report counts it"
"$BIN" network --format json "$T/c.jsonl" 2>/dev/null |
	python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; sys.exit(not (s["out_of_window"] == 1 and s["first_seen"].startswith("2017")))'
ok $? "network's summary counts it and starts in 2017"
"$BIN" network --format summary "$T/c.jsonl" 2>/dev/null | grep -q ", 1 posts dated outside the time window"
ok $? "and its text summary"

# 4. the window as options
"$BIN" report --json --window-from 1960-01-01 --window-to 2017-10-13T06:00:00Z "$T/c.jsonl" >"$T/o" 2>/dev/null
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; sys.exit(not (s["first_seen"].startswith("1970") and s["last_seen"] <= "2017-10-13T06:00:00Z" and s["out_of_window"] > 0))' "$T/o"
ok $? "--window-from 1960-01-01 takes the 1970 post, --window-to leaves out what is later"
"$BIN" report --window-from yesterday "$T/s.jsonl" >/dev/null 2>"$T/e"
[ $? -eq 2 ] && grep -q "invalid --window-from 'yesterday'" "$T/e"
ok $? "a bad --window-from is refused, named"
"$BIN" report --window-from 2018-01-01 --window-to 2017-01-01 "$T/s.jsonl" >/dev/null 2>"$T/e"
[ $? -eq 2 ] && grep -q "is after --window-to" "$T/e"
ok $? "--window-from after --window-to is refused"

# 5. a window still too long for the buckets: a clear error, fast
for cmd in report trends "trends --live"; do
	# shellcheck disable=SC2086
	"$BIN" $cmd --bucket 1m --window-from 1960-01-01 "$T/c.jsonl" >/dev/null 2>"$T/e"
	[ $? -eq 2 ] && grep -q "the posts span [0-9,]* buckets of 1m (1970-01-01T00:00:01Z to 2017-.*), more than 16,777,216: use a longer --bucket, or leave out what is not wanted with --window-from and --window-to" "$T/e"
	ok $? "$cmd: 47 years of minutes are refused naming --bucket and the window"
done

# 6. never silent: a window that leaves no post says so and exits 4, as
# filters that leave none do (it exited 0 with an empty report before)
"$BIN" report "$T/future.jsonl" >/dev/null 2>"$T/e"
[ $? -eq 4 ] && grep -q "no post left: 1 post read, 1 outside the time window" "$T/e"
ok $? "every post outside the window: 'no post left', exit 4"

echo "1..$n"
