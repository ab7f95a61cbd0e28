#!/usr/bin/env bash
# Sets up everything `make run` and `make test` need on a fresh Debian machine that has
# only python3 and make: system libraries (when root), the virtualenv, the packages.
# Idempotent: a stamp file skips the pip step while pyproject.toml is unchanged.
#
# The system libraries Qt needs are not listed here by hand: once PySide6 is installed,
# `python -m ui.qt_platform --missing-debian-packages` runs ldd on Qt's platform plugins
# (X11, Wayland, offscreen) and the Qt modules fieldapp uses, and names the Debian
# packages holding every library they lack.
#   FIELDAPP_WANT_POSTGRES=1   also PostgreSQL (server tests)
#   FIELDAPP_WANT_TEST_TOOLS=1 also Xvfb, a window manager and the X and desktop-file tools
#                              the tests drive (make test)
#   FIELDAPP_WANT_BUILD_TOOLS=1 also binutils, which PyInstaller needs (make package, and
#                              make test, which builds the frozen app)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
want_pg=${FIELDAPP_WANT_POSTGRES:-0}
want_tools=${FIELDAPP_WANT_TEST_TOOLS:-0}
want_build=${FIELDAPP_WANT_BUILD_TOOLS:-$want_tools}

install_debs() {
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "bootstrap: missing Debian packages: $*" >&2
    echo "bootstrap: run as root once: apt-get install $*" >&2
  fi
}

debs=()
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then debs+=(python3-venv); fi
if [ "$want_pg" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  debs+=(postgresql)
fi
# PDF reports are drawn with a system font; the tests read them back with pdftotext.
if ! fc-list 2>/dev/null | grep -qi "DejaVu Sans"; then debs+=(fonts-dejavu-core); fi
if [ "$want_pg" = 1 ] && ! command -v pdftotext >/dev/null; then debs+=(poppler-utils); fi
# exiftool checks that no metadata is left in stored media.
if [ "$want_tools" = 1 ] && ! command -v exiftool >/dev/null; then
  debs+=(libimage-exiftool-perl)
fi
if [ "$want_tools" = 1 ]; then
  for pair in Xvfb:xvfb openbox:openbox xdotool:xdotool xwininfo:x11-utils \
              desktop-file-validate:desktop-file-utils appstreamcli:appstream; do
    command -v "${pair%%:*}" >/dev/null || debs+=("${pair##*:}")
  done
fi
if [ "$want_build" = 1 ]; then
  command -v objdump >/dev/null || debs+=(binutils)
fi
install_debs ${debs[@]+"${debs[@]}"}

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.fieldapp-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

# Qt's libraries, derived from ldd on the installed PySide6 (see above).
qt_debs=$("$VENV/bin/python" -m ui.qt_platform --missing-debian-packages)
# shellcheck disable=SC2086 # one package name per line, no spaces in them
install_debs $qt_debs
