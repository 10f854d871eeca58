#!/bin/sh
# bench/compressed.sh on tiny generated files and its checks on made-up
# figures (see bench_compressed.py). TAP output.
exec python3 "$(dirname "$0")/bench_compressed.py"
