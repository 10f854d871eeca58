#!/bin/sh
# gzip input through both decoders (ISA-L, and zlib by
# GROUNDSWELL_INFLATE=zlib): the same report as the plain file for gzip,
# multi-member, bgzip and pigz forms and the real corpus's .gz files; cut
# files warn and count the same lines on both paths. TAP output (inflate.py).
exec python3 "$(dirname "$0")/inflate.py"
