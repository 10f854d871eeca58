#!/bin/sh
# Inputs that give no post are never passed over in silence; stream
# control messages are non-posts; JSON arrays are read. TAP (inputs.py).
exec python3 "$(dirname "$0")/inputs.py"
