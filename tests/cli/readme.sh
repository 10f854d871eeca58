#!/bin/sh
# The README's marked samples run and give the output shown (see readme.py).
# TAP output.
exec python3 "$(dirname "$0")/readme.py"
