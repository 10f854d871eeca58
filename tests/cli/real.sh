#!/bin/sh
# groundswell's counts on real public test fixtures (tests/real/) against
# the independent counter tests/real/count.py, one TAP line per file.
exec python3 "$(dirname "$0")/real.py"
