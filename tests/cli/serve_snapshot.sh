#!/bin/sh
# groundswell serve --state: failing snapshots shown in /stats and /metrics,
# the state directory checked at start, refusals that say what was wrong,
# no raw account ids under --pseudonymize-key-file. TAP output (see
# serve_snapshot.py).
exec python3 "$(dirname "$0")/serve_snapshot.py"
