#!/bin/sh
# serve --by-language --state: a restart from a snapshot gives the same
# ?language= answers as an uninterrupted run; snapshots without languages
# still load (said), and languages are dropped without --by-language
# (said). TAP output (see languages_restart.py).
exec python3 "$(dirname "$0")/languages_restart.py"
