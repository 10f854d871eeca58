#!/bin/sh
# groundswell serve with network sources on loopback: a Jetstream WebSocket
# server and a Mastodon streaming server, both cut mid-stream; reconnect,
# cursor resume, duplicates dropped, restart from the saved cursor, the
# token from a file or the environment. TAP output (see netsource.py).
exec python3 "$(dirname "$0")/netsource.py"
