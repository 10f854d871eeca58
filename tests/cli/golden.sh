#!/bin/sh
# Golden-data tests: every sample in tests/golden/ against its hand-checked
# counts in tests/golden/expected.json, through the real binary.
exec python3 "$(dirname "$0")/golden.py"
