#!/bin/sh
# groundswell serve on loopback: live answers equal the batch ones, Mastodon's
# trends/tags shape, rotation and truncation, errors, admin, metrics, stream,
# hardening, and kill -9 with --state. TAP output (see serve.py).
exec python3 "$(dirname "$0")/serve.py"
