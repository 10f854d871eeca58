#!/bin/sh
# What the kafka:// source costs and whether it loses or doubles anything
# (issue 14; results in bench/kafka.md, design in docs/kafka.md):
#  1. a partition's state ("partial") bytes, load and merge time at 10k,
#     100k and 1M active tags (bench/kafka_partial.c);
#  2. posts per second through Kafka, 1 and 2 instances, beside report
#     (bench/kafka_rate.py, librdkafka's mock cluster);
#  3. kill -9 trials: TRIALS (10) runs of tests/cli/kafka.py's trial.
# Environment: GS_BIN (build/groundswell), DATA (generated when missing:
# 200,000 Jetstream lines), TRIALS (10).
set -e
cd "$(dirname "$0")/.."
BIN=${GS_BIN:-build/groundswell}
TRIALS=${TRIALS:-10}
[ -x "$BIN" ] && [ -x build/tests/kafka_mock ] || { echo "kafka: build first (make all tests)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
DATA=${DATA:-$TMP/jetstream.jsonl}
[ -s "$DATA" ] || "$BIN" generate --seed 1 -f jetstream --posts 200000 -o "$DATA"
cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc bench/kafka_partial.c build/libgroundswell.a \
	$(pkg-config --libs libutf8proc libzstd zlib libisal libxxhash libsodium) -lm -pthread -o "$TMP/kafka_partial"
echo "## states: N P posts bytes zstd_bytes load_cpu_s merge_cpu_s net_bytes net_zstd_bytes net_load_cpu_s net_merge_cpu_s"
for np in "10000 8" "100000 8" "1000000 2"; do /usr/bin/time -f "#   %e s wall, %M KB max RSS" "$TMP/kafka_partial" $np; done
echo "## rate"
python3 bench/kafka_rate.py "$DATA" 32
echo "## kill -9 trials"
GS_KAFKA_TRIALS=$TRIALS GS_KAFKA_ONLY_TRIALS=1 python3 tests/cli/kafka.py | grep -E "^# trial|kill -9"
