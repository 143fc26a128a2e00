#!/usr/bin/env bash
# Builds the image from a clean checkout of HEAD (`git archive`: only
# committed files) with scripts/image/build.sh, and runs the static binary
# taken out of it (buildah mount):
# - `--version` and `--help` chrooted into the image's own root filesystem,
#   which holds nothing but the binary (no libc, no /etc, no /proc), and a
#   host name resolved from an /etc/hosts beside it (no NSS modules);
# - attach to a JVM of another user with exactly the DaemonSet's
#   capabilities, and not without any one of them (scripts/deploy/caps.sh);
# - `watch --once` on this machine, with a throw-away spool, when the
#   binary has the `watch` subcommand (it is being built on its own branch:
#   until it is merged this step says it was skipped);
# and checks that `buildah build -f Containerfile` gives the same
# configuration (entrypoint, command, user, labels) as the script's steps.
# Prints the image's size and the build's time. Needs root (buildah mount,
# chroot). A release build: minutes, so CI runs it as a step of its own
# (.ci/run), not from scripts/test.sh. CARGO_TARGET_DIR (default: this
# checkout's target/) is reused, so only the workspace's crates rebuild, and
# nothing when HEAD is the one last tested.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
# Offline: the crates come from cargo's cache (CI's test run filled it).
export CARGO_NET_OFFLINE=true
rev=$(git -C "$repo" rev-parse --short HEAD)
image=localhost/oomlens:test-$rev
from_file=localhost/oomlens:test-$rev-containerfile

work=$(mktemp -d)
ctr=""
cleanup() {
  [ -n "$ctr" ] && { buildah umount "$ctr" >/dev/null 2>&1; buildah rm "$ctr" >/dev/null 2>&1; }
  buildah rmi "$image" "$from_file" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The checkout lives at one path under the target folder (another path
# would rebuild every workspace crate) and is brought to HEAD file by file:
# a file whose bytes did not change keeps its time, so cargo rebuilds only
# the crates a commit touched.
src=$CARGO_TARGET_DIR/image-checkout
mkdir -p "$src" "$work/head"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$work/head" -f -
(cd "$work/head" && find . -type f) | while IFS= read -r f; do
  if ! cmp -s "$work/head/$f" "$src/$f"; then
    mkdir -p "$(dirname "$src/$f")"
    rm -f "$src/$f"
    cp --preserve=mode "$work/head/$f" "$src/$f"
  fi
done
(cd "$src" && find . -path ./target -prune -o -type f -print) | while IFS= read -r f; do
  [ -e "$work/head/$f" ] || rm -f "$src/$f"
done
echo "== build from a clean checkout of $rev"
"$src/scripts/image/build.sh" "$image" | tee "$work/build.log"

ctr=$(buildah from "$image")
root=$(buildah mount "$ctr")
listing=$(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$listing" = "./oomlens " ] \
  || { echo "the image holds more than the binary: $listing" >&2; exit 1; }

echo "== the binary alone in the image's root"
version=$(chroot "$root" /oomlens --version)
echo "$version"
[[ $version == "oomlens $(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/Cargo.toml" | head -n 1)"* ]] \
  || { echo "unexpected --version: $version" >&2; exit 1; }
help=$(chroot "$root" /oomlens --help)
grep -q '^Usage: oomlens' <<<"$help" || { echo "unexpected --help: $help" >&2; exit 1; }

cp "$root/oomlens" "$work/oomlens"

# Statically linked glibc has no NSS modules to load: host names resolve
# only through the files and dns services built into libc (glibc >= 2.34).
echo "== a host name resolves through /etc/hosts with nothing else in the root"
mkdir -p "$work/root/etc"
cp "$work/oomlens" "$work/root/oomlens"
echo "127.0.0.1 oomlens-test-host" >"$work/root/etc/hosts"
out=$(timeout 30 chroot "$work/root" /oomlens scan --prometheus http://oomlens-test-host:9 2>&1 || true)
grep -q 'Connection refused' <<<"$out" \
  || { echo "oomlens-test-host did not resolve to 127.0.0.1: $out" >&2; exit 1; }
echo "$out"
if "$work/oomlens" watch --help >/dev/null 2>&1; then
  echo "== watch --once on this machine"
  mkdir "$work/spool"
  # 0: a kill was seen, 1: none was (both fine here), 2: an error.
  rc=0
  timeout 60 "$work/oomlens" watch --once --spool "$work/spool" >"$work/watch.out" || rc=$?
  [ "$rc" -le 1 ] || { echo "watch --once exited $rc" >&2; exit 1; }
  # Its stdout is JSON lines (oomlens/watch-event/v1).
  python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    json.loads(line)
    n += 1
print(f"watch --once: {n} JSON events")' "$work/watch.out"
else
  echo "== watch --once skipped: this oomlens has no watch subcommand yet"
fi

echo "== the DaemonSet's capabilities, with this binary"
"$src/scripts/deploy/caps.sh" "$work/oomlens"

echo "== the Containerfile gives the same configuration"
mkdir -p "$src/target/image"
cp "$work/oomlens" "$src/target/image/oomlens"
buildah build --quiet --pull=never -f "$src/Containerfile" \
  --build-arg "REVISION=$(git -C "$repo" rev-parse HEAD)" \
  -t "$from_file" "$src" >/dev/null
config() {
  buildah inspect --type image "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin)["OCIv1"]["config"]
print(json.dumps({k: c.get(k) for k in ("Entrypoint", "Cmd", "User", "Labels")}, sort_keys=True))'
}
a=$(config "$image")
b=$(config "$from_file")
[ "$a" = "$b" ] || { printf 'build.sh:      %s\nContainerfile: %s\n' "$a" "$b" >&2; exit 1; }
echo "$a"
echo "== ok: $(grep '^binary' "$work/build.log"); $(grep '^cargo build' "$work/build.log")"
