#!/usr/bin/env bash
# The krew manifest of a release: plugins/oomlens.yaml with its version and
# each platform's uri and sha256 filled from the release tarballs
# (scripts/release-tarball.sh), on stdout.
#
#   scripts/krew-manifest.sh VERSION BASE_URL OS/ARCH=TARBALL...
#   scripts/krew-manifest.sh v0.1.0 https://github.com/OWNER/oomlens/releases/download/v0.1.0 \
#     linux/amd64=oomlens-v0.1.0-linux-amd64.tar.gz linux/arm64=oomlens-v0.1.0-linux-arm64.tar.gz
#
# VERSION is krew's: semver with a leading v. Each tarball's uri is
# BASE_URL/its file name. Every platform of the template must be given a
# tarball; one the template lacks is refused. crates/oomlens/tests/krew_manifest.rs
# runs this and checks the output against krew's validation rules.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 VERSION BASE_URL OS/ARCH=TARBALL..." >&2; exit 2; }
version=$1
base=${2%/}
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
manifest=$(cat "$src/plugins/oomlens.yaml")
case $version in
  v[0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "$0: version $version: want semver with a leading v (v0.1.0)" >&2; exit 2 ;;
esac
manifest=$(printf '%s\n' "$manifest" | sed "s|^  version: .*|  version: $version|")
for pair in "$@"; do
  platform=${pair%%=*}
  tarball=${pair#*=}
  [ -f "$tarball" ] || { echo "$0: $tarball: no such file" >&2; exit 2; }
  case $manifest in
    *"@URI:$platform@"*) ;;
    *) echo "$0: plugins/oomlens.yaml has no platform $platform" >&2; exit 2 ;;
  esac
  sum=$(sha256sum "$tarball" | cut -d' ' -f1)
  uri="$base/$(basename "$tarball")"
  manifest=$(printf '%s\n' "$manifest" | sed -e "s|@URI:$platform@|$uri|" -e "s|@SHA256:$platform@|$sum|")
done
case $manifest in
  *"@URI:"* | *"@SHA256:"*)
    missing=$(printf '%s\n' "$manifest" | sed -n 's|.*@URI:\(.*\)@.*|\1|p' | tr '\n' ' ')
    echo "$0: no tarball for: $missing" >&2
    exit 2 ;;
esac
# The template's comment is for the repository, not for the index.
printf '%s\n' "$manifest" | sed '/^#/d'
