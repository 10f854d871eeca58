#!/bin/sh
# groundswell tag TAG --ids against an independent reading of the real
# files, on a synthetic file, and its refusals. TAP output (see ids.py).
exec python3 "$(dirname "$0")/ids.py"
