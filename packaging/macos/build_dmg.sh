#!/usr/bin/env bash
# macOS: the frozen app as fieldapp.app inside a compressed disk image (.dmg) with a link
# to /Applications to drag it onto. Runs on macOS only (hdiutil); built by
# .github/workflows/installers.yml on a hosted macOS runner, not on the Linux machines.
#
#   packaging/macos/build_dmg.sh            -> packaging/build/fieldapp-<version>.dmg
#
# The app is not signed or notarized (no Apple developer identity yet): the first start
# needs right-click > Open. See docs/PACKAGING.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
version=$("$PY" -c 'import fieldapp; print(fieldapp.__version__)')
folder=$("$PY" packaging/build_app.py --quiet)          # …/dist/fieldapp
app="$(dirname "$folder")/fieldapp.app"                  # BUNDLE() in fieldapp.spec
[ -d "$app" ] || { echo "no $app: was the build made on macOS?" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
mkdir -p packaging/build
out="packaging/build/fieldapp-$version.dmg"
rm -f "$out"
hdiutil create -volname fieldapp -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$out"
# Check the image: it mounts and holds a runnable app that speaks French.
mnt=$(mktemp -d)
hdiutil attach -nobrowse -readonly -mountpoint "$mnt" "$out" >/dev/null
"$mnt/fieldapp.app/Contents/MacOS/fieldapp" --lang fr --help | head -3
hdiutil detach "$mnt" >/dev/null
ls -l "$out"
