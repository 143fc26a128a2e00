#!/usr/bin/env bash
# Checks and unit-tests the alerts of `oomlens watch`. The PrometheusRule
# deploy/watch/base/prometheusrule.yaml is the one copy of the rules: its
# spec is extracted into a plain Prometheus rule file, which
# `promtool check rules` lints and `promtool test rules` runs against the
# input series of deploy/watch/rules.test.yaml (alerts that must fire, with
# their labels and annotations, and ones that must not). The queries of the
# Grafana dashboard (deploy/watch/base/dashboard.json) are parsed the same
# way, as recording rules, with $job and $__range filled in.
#   scripts/deploy/rules.sh              check and test
#   scripts/deploy/rules.sh --extract F  only write the rule file to F
set -euo pipefail
cd "$(dirname "$0")/../.."

extract() {
  python3 - deploy/watch/base/prometheusrule.yaml "$1" <<'PY'
import sys, yaml
with open(sys.argv[1]) as f:
    rule = yaml.safe_load(f)
if rule.get("kind") != "PrometheusRule" or "groups" not in rule.get("spec", {}):
    sys.exit(f"{sys.argv[1]}: not a PrometheusRule with spec.groups")
with open(sys.argv[2], "w") as f:
    f.write(f"# Extracted from {sys.argv[1]} (spec) by scripts/deploy/rules.sh.\n")
    yaml.safe_dump(rule["spec"], f, sort_keys=False, width=1000)
PY
}

if [ "${1:-}" = --extract ]; then
  extract "${2:?--extract FILE}"
  exit 0
fi

command -v promtool >/dev/null || {
  echo "scripts/deploy/rules.sh: promtool missing (Debian: apt-get install prometheus)" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The test file names its rule file relative to itself: both go side by side.
extract "$work/oomlens-watch.rules.yaml"
cp deploy/watch/rules.test.yaml "$work/"
promtool check rules "$work/oomlens-watch.rules.yaml"
promtool test rules "$work/rules.test.yaml"
python3 - deploy/watch/base/dashboard.json "$work/dashboard.rules.yaml" <<'PY'
import json, sys, yaml
with open(sys.argv[1]) as f:
    dash = json.load(f)
exprs = [
    t["expr"].replace("$job", "oomlens-watch").replace("$__range", "1h")
    for p in dash["panels"]
    for t in p.get("targets", [])
]
if not exprs:
    sys.exit(f"{sys.argv[1]}: no queries")
rules = [{"record": f"dashboard:query{i}", "expr": e} for i, e in enumerate(exprs)]
with open(sys.argv[2], "w") as f:
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, width=1000)
PY
promtool check rules "$work/dashboard.rules.yaml"
