#!/bin/sh
# Trends per language (issue 13 part 3): --language, --by-language,
# --max-languages, and serve's ?language= against the batch answers. TAP
# output (see languages.py).
exec python3 "$(dirname "$0")/languages.py"
