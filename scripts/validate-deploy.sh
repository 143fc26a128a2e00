#!/usr/bin/env bash
# Validates everything under deploy/ without a cluster:
# - deploy/rbac/*.yaml (the RBAC of `oomlens collect`) and every overlay of
#   deploy/watch (rendered with `kubectl kustomize`, as `kubectl apply -k`
#   would) against the Kubernetes 1.32 schemas, strictly: built-in kinds with
#   kubernetes-validate (installed with pip when missing), ServiceMonitor and
#   PrometheusRule against their prometheus-operator CRDs
#   (tests/fixtures/crds); then the deploy's invariants (least privilege,
#   RBAC, selectors, settings), and a self-test that breakages are caught
#   (scripts/deploy/validate.py says which);
# - the alerts: `promtool check rules` and `promtool test rules`
#   (scripts/deploy/rules.sh), and the dashboard's queries parse.
set -euo pipefail
cd "$(dirname "$0")/.."
k8s=1.32.0

command -v kubectl >/dev/null || {
  echo "scripts/validate-deploy.sh: kubectl (1.32, for kustomize) is missing" >&2
  exit 1
}
python3 -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null \
  || pip install --quiet kubernetes-validate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rendered=()
for dir in deploy/watch/base deploy/watch/overlays/*/; do
  dir=${dir%/}
  out="$work/$(echo "$dir" | tr / _).yaml"
  kubectl kustomize "$dir" >"$out"
  rendered+=("$out")
done
python3 scripts/deploy/validate.py "$k8s" deploy/rbac/*.yaml "${rendered[@]}"
# The image the manifests run is the one scripts/image/build.sh tags.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
for out in "${rendered[@]}"; do
  grep -q "image: localhost/oomlens:$version\$" "$out" \
    || { echo "$out: the image is not localhost/oomlens:$version" >&2; exit 1; }
done
# Every flag a DaemonSet passes is one `oomlens watch` takes, spelled as
# its --help spells it; without hostPID (strict) the agent does not attach.
oomlens=${OOMLENS:-target/debug/oomlens}
[ -x "$oomlens" ] || cargo build --quiet -p oomlens
help=$("$oomlens" watch --help)
for out in "${rendered[@]}"; do
  for f in $(grep -oE -- '^ *- --[a-z][a-z-]*' "$out" | sed 's/.*- //' | sort -u); do
    grep -qE -- "(^|[ ,])$f([ =,]|\$)" <<<"$help" \
      || { echo "$out: $f is not a flag of oomlens watch" >&2; exit 1; }
  done
  if grep -q 'hostPID: false' "$out" && ! grep -q -- '- --no-capture$' "$out"; then
    echo "$out: no hostPID but no --no-capture" >&2
    exit 1
  fi
done
python3 scripts/deploy/validate.py --self-test "$k8s" "$work/deploy_watch_overlays_default.yaml"
scripts/deploy/rules.sh
