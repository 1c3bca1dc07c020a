#!/bin/sh
# Starts a built app once, offscreen, on a throwaway data folder; it must paint and exit 0.
set -eu
APP=$1
DATA=$(mktemp -d)
OUT=$(THREADLINE_DATA_DIR="$DATA" QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$APP" --smoke-test 2>&1)
echo "$OUT" | grep -q "smoke test ok" || { echo "smoke test failed:"; echo "$OUT"; exit 1; }
test -f "$DATA/threadline.db"
rm -rf "$DATA"
echo "smoke test passed: $APP"
