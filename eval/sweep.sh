#!/bin/sh
# Parameter sweep for the significance scorer: how recall, false trends and
# delay move with the threshold, the half-life and the noise floor. Prints
# one table row per setting. Takes about a minute per setting.
BIN=${BIN:-build/groundswell}
STREAMS=${STREAMS:-5}
for opt in "--threshold 3" "--threshold 4" "--threshold 5" \
	"--halflife 12" "--halflife 48" "--noise-floor 1" "--noise-floor 6" \
	"--min-accounts 3" "--warmup 6"; do
	python3 "$(dirname "$0")/run.py" --streams "$STREAMS" --hours 72 --rate 3 --bin "$BIN" \
		--scorers significance --extra "$opt" | grep '^| significance' | sed "s/^| significance/| $opt/"
done
