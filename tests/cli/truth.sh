#!/bin/sh
# The counts of generated streams equal their truth files, in every format.
exec python3 "$(dirname "$0")/truth.py"
