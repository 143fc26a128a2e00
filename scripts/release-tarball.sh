#!/usr/bin/env bash
# Packs one platform's release tarball, the file krew (plugins/oomlens.yaml)
# and people download:
#
#   scripts/release-tarball.sh BIN OUT.tar.gz
#
# BIN is a built oomlens binary for the platform (scripts/image/build.sh
# makes the static x86_64 one). The tarball holds, at its top: `oomlens`,
# `LICENSE`, `README.md` and `man/` (oomlens.1, one page per command,
# kubectl-oomlens.1, written by `BIN man`; so BIN must run here: pack a
# cross-built binary on its own platform). Prints OUT and its sha256.
# GZIP_LEVEL (default 9) trades size for time (the tests pack a debug
# build with 1).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BIN OUT.tar.gz" >&2; exit 2; }
bin=$1
out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$bin" "$stage/oomlens"
cp "$src/LICENSE" "$src/README.md" "$stage/"
"$stage/oomlens" man --dir "$stage/man"
# Fixed owner, order and times: the same binary packs to the same bytes.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  -C "$stage" -cf - oomlens LICENSE README.md man | gzip -n "-${GZIP_LEVEL:-9}" > "$out"
echo "$out $(sha256sum "$out" | cut -d' ' -f1)"
