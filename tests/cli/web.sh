#!/bin/sh
# groundswell serve's dashboard in headless Chromium (playwright-core) and its
# Mastodon API through masto.js; static-file safety. TAP output (see web.py).
exec python3 "$(dirname "$0")/web.py"
