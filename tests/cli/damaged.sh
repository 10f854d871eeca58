#!/bin/sh
# Damaged .gz/.zst input (cut, garbage appended, a flipped byte) is read up
# to the damage by every command and by serve, with a warning; --strict
# refuses it. TAP output (see damaged.py).
exec python3 "$(dirname "$0")/damaged.py"
