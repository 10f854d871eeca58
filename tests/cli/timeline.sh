#!/bin/sh
# report --timeline, --tags and --tag against generated truth, an
# independent count and expected outputs (issue 12 parts 2 and 3).
exec python3 "$(dirname "$0")/timeline.py"
