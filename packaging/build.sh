#!/bin/sh
# Builds a double-click app for the platform this runs on (PyInstaller, one folder, windowed),
# archives it in dist/, and starts it once as a smoke test.
#
# The build venv holds only PySide6 as Qt binding: PyInstaller aborts when several are
# importable, and qasync would otherwise probe them all.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
BUILD_VENV=build/package-venv
$PYTHON -m venv "$BUILD_VENV"
"$BUILD_VENV/bin/python" -m pip install -q --upgrade pip
"$BUILD_VENV/bin/python" -m pip install -q . "pyinstaller>=6.10"
case "$(uname -s)" in
    Darwin) PLATFORM=macos; SEP=":" ; ICON=resources/threadline.icns ;;
    MINGW*|MSYS*|CYGWIN*) PLATFORM=windows; SEP=";" ; ICON=resources/threadline.ico ;;
    *) PLATFORM=linux; SEP=":" ; ICON=resources/threadline.png ;;
esac
ICON_ARG=""
[ -f "$ICON" ] && ICON_ARG="--icon $(pwd)/$ICON"
"$BUILD_VENV/bin/pyinstaller" --noconfirm --clean --onedir --windowed \
    --name Threadline $ICON_ARG \
    --add-data "$(pwd)/resources${SEP}resources" \
    --exclude-module PyQt5 --exclude-module PyQt6 --exclude-module PySide2 \
    --distpath dist --workpath build/pyinstaller --specpath build \
    "$(pwd)/packaging/threadline_entry.py"
ARCH=$(uname -m)
tar -czf "dist/Threadline-$PLATFORM-$ARCH.tar.gz" -C dist Threadline
sh packaging/smoke_test.sh "dist/Threadline/Threadline"
echo "Built dist/Threadline (and dist/Threadline-$PLATFORM-$ARCH.tar.gz)"
