#!/bin/sh
# groundswell serve under hostile clients: slowloris, slow bodies, closed and
# capped streams, admin token guessing (issue 16, part 2). TAP output (see
# serve_conns.py).
exec python3 "$(dirname "$0")/serve_conns.py"
