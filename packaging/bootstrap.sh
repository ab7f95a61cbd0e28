#!/usr/bin/env bash
# Sets up everything `make run` and `make test` need on a fresh Debian machine that has
# only python3 and make: system libraries (when root), the virtualenv, the packages.
# Idempotent: a stamp file skips the pip step while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
want_pg=${FIELDAPP_WANT_POSTGRES:-0}
# Tools only the tests use: exiftool checks that no metadata is left in stored media.
want_test_tools=${FIELDAPP_WANT_TEST_TOOLS:-0}

have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

debs=()
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then debs+=(python3-venv); fi
# Qt's offscreen and xcb platforms need these shared libraries.
for pair in libEGL.so.1:libegl1 libGL.so.1:libgl1 libfontconfig.so.1:libfontconfig1 \
            libxkbcommon.so.0:libxkbcommon0 libglib-2.0.so.0:libglib2.0-0 \
            libdbus-1.so.3:libdbus-1-3 libfreetype.so.6:libfreetype6 \
            libxkbcommon-x11.so.0:libxkbcommon-x11-0 libxcb-cursor.so.0:libxcb-cursor0; do
  have_lib "${pair%%:*}" || debs+=("${pair##*:}")
done
if [ "$want_pg" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  debs+=(postgresql)
fi
if [ "$want_test_tools" = 1 ] && ! command -v exiftool >/dev/null; then
  debs+=(libimage-exiftool-perl)
fi
if [ ${#debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${debs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
  else
    echo "bootstrap: missing Debian packages: ${debs[*]}" >&2
    echo "bootstrap: run as root once: apt-get install ${debs[*]}" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.fieldapp-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
