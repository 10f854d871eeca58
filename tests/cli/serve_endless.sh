#!/bin/sh
# groundswell serve on a source that never ends a line (/dev/zero): answers
# within a second, a growing too_long count, SIGTERM obeyed. TAP output (see
# serve_endless.py).
exec python3 "$(dirname "$0")/serve_endless.py"
