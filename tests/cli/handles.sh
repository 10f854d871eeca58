#!/bin/sh
# Handles beside account ids on the real binaries: tag, network, threads,
# pseudonymisation, serve, the real archives. TAP output (see handles.py).
exec python3 "$(dirname "$0")/handles.py"
