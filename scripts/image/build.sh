#!/usr/bin/env bash
# Builds the oomlens image offline: a static binary on `scratch`, with
# buildah's own steps (from scratch, copy, config, commit), the same image
# Containerfile describes.
#
#   scripts/image/build.sh [IMAGE]     (default localhost/oomlens:VERSION)
#
# The binary: `cargo build --release` for x86_64-unknown-linux-gnu with
# `-C target-feature=+crt-static` (glibc linked in; no musl target can be
# installed here), checked to be static with `file` and `ldd`, its DWARF
# stripped (symbols kept for backtraces) into $CARGO_TARGET_DIR/image/oomlens.
# No network is needed once cargo's registry cache holds the crates (set
# CARGO_NET_OFFLINE=true to make sure) and no base image is pulled.
# Needs buildah (Debian: apt-get install buildah) and binutils (objcopy);
# the storage driver is overlay where it works, else vfs (STORAGE_DRIVER).
# Prints the image id, the binary's and the image's size and the seconds of
# the cargo build and of the image steps.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"
target=x86_64-unknown-linux-gnu
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
image=${1:-localhost/oomlens:$version}
revision=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$src/target}

for tool in buildah objcopy file ldd; do
  command -v "$tool" >/dev/null || { echo "scripts/image/build.sh: $tool missing" >&2; exit 1; }
done
if [ -z "${STORAGE_DRIVER:-}" ]; then
  # overlay needs a kernel and a backing filesystem that take it; vfs
  # always works (a full copy per layer: one layer here).
  if buildah --storage-driver overlay info >/dev/null 2>&1; then
    export STORAGE_DRIVER=overlay
  else
    export STORAGE_DRIVER=vfs
  fi
fi

start=$(date +%s)
RUSTFLAGS='-C target-feature=+crt-static' nice -n 10 \
  cargo build --release --locked --target "$target" -p oomlens
built=$(date +%s)
bin="$CARGO_TARGET_DIR/$target/release/oomlens"

# Static: no interpreter, no needed libraries.
file -b "$bin" | grep -Eq 'static(-pie)? linked' \
  || { echo "scripts/image/build.sh: $bin is not static: $(file -b "$bin")" >&2; exit 1; }
if ldd "$bin" 2>&1 | grep -q '=>'; then
  echo "scripts/image/build.sh: $bin loads shared libraries:" >&2
  ldd "$bin" >&2
  exit 1
fi
mkdir -p "$CARGO_TARGET_DIR/image"
staged="$CARGO_TARGET_DIR/image/oomlens"
objcopy --strip-debug "$bin" "$staged"

ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah copy --chmod 0755 "$ctr" "$staged" /oomlens >/dev/null
buildah config \
  --user 65534:65534 \
  --entrypoint '["/oomlens"]' \
  --cmd '["--help"]' \
  --label org.opencontainers.image.title=oomlens \
  --label 'org.opencontainers.image.description=Tells why a container was OOMKilled and what to change, with the evidence for every claim' \
  --label org.opencontainers.image.licenses=Apache-2.0 \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$revision" \
  "$ctr"
id=$(buildah commit --quiet --rm "$ctr" "$image")
trap - EXIT
done_at=$(date +%s)

size=$(buildah images --noheading --format '{{.Size}}' "$image" | head -n 1)
echo "image $image ($id), storage driver $STORAGE_DRIVER"
echo "binary $(stat -c %s "$bin") bytes, stripped of DWARF $(stat -c %s "$staged") bytes; image $size"
echo "cargo build $((built - start)) s, image $((done_at - built)) s"
