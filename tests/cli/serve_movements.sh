#!/bin/sh
# serve's /api/groundswell/v1/movements: a given movement from the live
# engine equals the batch 'movements --movement' (TAP; see the .py).
exec python3 "$(dirname "$0")/serve_movements.py"
