#!/bin/sh
# What `make package` and packaging/smoke_test.py need on a Debian/Ubuntu build machine
# (CI's ubuntu-22.04 job runs this too). Not part of .ci/run: packaging is not in `make test`.
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# The xcb libraries Qt's X11 platform plugin links (PyInstaller copies them into the bundle;
# "Library not found" fails the build when one is missing), GL/EGL, fonts.
# binutils: objdump for the glibc floor. dpkg-dev fakeroot: the .deb.
# desktop-file-utils: desktop-file-validate. nsis: compiles the Windows installer script.
# xvfb x11-utils xdotool imagemagick: the X11 smoke test (window mapped, WM_CLASS, screenshot).
# dbus gnome-keyring: the Secret Service the keyring check talks to.
$SUDO apt-get install -y -qq --no-install-recommends \
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
    libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 \
    libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core \
    binutils dpkg-dev fakeroot desktop-file-utils nsis \
    xvfb x11-utils xdotool imagemagick dbus dbus-x11 gnome-keyring >/dev/null
