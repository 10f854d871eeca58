#!/bin/sh
# groundswell network: hand-built samples in every format, expected outputs,
# GEXF/GraphML structure, options. TAP output (see network.py).
exec python3 "$(dirname "$0")/network.py"
