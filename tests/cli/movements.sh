#!/bin/sh
# groundswell movements: planted families recovered whole with no foreign
# tag, spam and steady tags never joined, union accounts and posts against
# an exact count in Python, --movement/--movements, JSON/CSV shape,
# --threads 1/2/3 and plain/.gz identical. TAP output (see movements.py).
exec python3 "$(dirname "$0")/movements.py"
