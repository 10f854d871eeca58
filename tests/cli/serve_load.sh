#!/bin/sh
# groundswell serve: expensive answers never wait for the ingest lock, every
# trend list page is cached, heavy answers are queued (503 beyond) and capped
# (413). TAP output (see serve_load.py).
exec python3 "$(dirname "$0")/serve_load.py"
