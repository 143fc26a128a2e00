#!/usr/bin/env bash
# Installs oomlens: the binary, its kubectl plugin name and its man pages.
#
#   scripts/install.sh [--prefix DIR] [--bin FILE]
#
#   PREFIX/bin/oomlens                    the binary (--bin, else `cargo build --release`)
#   PREFIX/bin/kubectl-oomlens            a symlink to it: `kubectl oomlens` finds it on the PATH
#   PREFIX/share/man/man1/*.1             oomlens(1), one page per command, kubectl-oomlens(1)
#
# PREFIX defaults to /usr/local as root, else ~/.local. DESTDIR is honoured
# (a staging root, as for packages). Prints what it wrote.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix=$HOME/.local; fi
bin=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "$0: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then
  cargo build --release --manifest-path "$src/Cargo.toml" -p oomlens >&2
  bin=${CARGO_TARGET_DIR:-$src/target}/release/oomlens
fi
root=${DESTDIR:-}$prefix
install -d "$root/bin" "$root/share/man/man1"
install -m 0755 "$bin" "$root/bin/oomlens"
ln -sf oomlens "$root/bin/kubectl-oomlens"
"$root/bin/oomlens" man --dir "$root/share/man/man1"
echo "$root/bin/oomlens"
echo "$root/bin/kubectl-oomlens -> oomlens"
ls "$root/share/man/man1"/oomlens*.1 "$root/share/man/man1/kubectl-oomlens.1"
