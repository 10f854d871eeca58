#!/bin/sh
# What a movement shared (issue 12, part 4): every tag's links and domains
# in report --json (and tag) against an independent counter, on the real
# archives of tests/real (if present), the golden files and generated data.
exec python3 "$(dirname "$0")/links.py"
