#!/usr/bin/env bash
# Regenerates the screenshot of each example's HTML report
# (examples/<name>.png, beside the example's folder: inside it, it would be
# read as evidence; the README shows one): `oomlens diagnose
# <example> --format html`, rendered by headless Chromium (Debian's
# `chromium`, installed when missing and root) at 1000 px wide, light mode.
# Run it after a change to the report or the examples; commit the PNGs.
set -euo pipefail
cd "$(dirname "$0")/.."

chrome=${OOMLENS_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$chrome" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    chrome=$(command -v chromium)
  else
    echo "scripts/screenshots.sh: no Chromium (install Debian's chromium)" >&2
    exit 2
  fi
fi

cargo build -q -p oomlens
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in examples/*/; do
  name=$(basename "$dir")
  # diagnose exits 1 when no kill was found: still a report.
  ./target/debug/oomlens diagnose "$dir" --format html >"$tmp/$name.html" || [ $? = 1 ]
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$tmp/profile" --window-size=1000,1700 \
    --screenshot="examples/$name.png" "file://$tmp/$name.html" 2>/dev/null
  echo "examples/$name.png: $(wc -c <"examples/$name.png") bytes"
done
