#!/bin/sh
# groundswell serve: deletes (Jetstream, Mastodon SSE, Twitter v1.1) retract
# posts; --retract-window; the table across a restart. TAP output (see
# serve_retract.py).
exec python3 "$(dirname "$0")/serve_retract.py"
