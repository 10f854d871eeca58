#!/bin/sh
# The filters (--since, --until, --lang, --accounts, --exclude-accounts,
# --exclude-ids) against an independent count, their summaries, errors and
# serve's counts. TAP output (see filters.py).
exec python3 "$(dirname "$0")/filters.py"
