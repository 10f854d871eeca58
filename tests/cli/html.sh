#!/bin/sh
# report --html: the page parses, is self-contained and escapes tag names;
# headless Chromium screenshots it (skipped without chromium). TAP output.
exec python3 "$(dirname "$0")/html_report.py"
