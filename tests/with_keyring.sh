#!/bin/sh
# Runs a command on a private session D-Bus with an unlocked gnome-keyring (Secret Service),
# so keyring tests talk to the real OS keyring without touching the user's own.
# Without dbus-run-session or gnome-keyring-daemon the command runs as is and the keyring
# tests report the missing service themselves (in CI they fail rather than skip).
set -e
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    KEYRING_HOME=$(mktemp -d)
    export THREADLINE_TEST_KEYRING=1
    exec env HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share" \
        dbus-run-session -- sh -c 'echo -n threadline-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' sh "$@"
fi
exec "$@"
