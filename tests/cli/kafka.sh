#!/bin/sh
# groundswell serve --source kafka://...: against librdkafka's mock cluster,
# one, two and three instances, kill -9 trials. TAP output (see kafka.py).
exec python3 "$(dirname "$0")/kafka.py"
