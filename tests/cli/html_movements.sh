#!/bin/sh
# report --html's movements section: planted families (generate --families
# 2) are cards with exactly their tags and the figures of 'movements
# --json' (union accounts beside the sum), a union chart each; the same
# page with --threads 1/2/3 and from a .gz; no movement, or merged state
# files, said in the section. TAP output (see html_movements.py).
exec python3 "$(dirname "$0")/html_movements.py"
