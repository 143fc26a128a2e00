#!/usr/bin/env bash
# oomlens collect against the API server stand-in (HTTPS on 127.0.0.1,
# recorded responses; crates/oomlens-collect/examples/kube_standin.rs), side by
# side with kubectl making the reference calls against the same stand-in:
#   kubectl get --raw POD; kubectl get --raw POD/log?previous=true; kubectl get --raw events
# (`--raw` because the stand-in serves no discovery documents).
# Floors: one pod under 2 s; a namespace of N pods (default 500) under 128 MiB
# peak RSS with a handful of list calls.
# Usage: scripts/bench/collect.sh [PODS]   (BENCH_BIN=path/to/oomlens to use a given build)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-500}
cargo build -q --profile profiling -p oomlens --bin oomlens
cargo build -q --profile profiling -p oomlens-collect --example kube_standin
BIN=${BENCH_BIN:-target/profiling/oomlens}
STANDIN=target/profiling/examples/kube_standin
work=$(mktemp -d)
coproc SI { exec "$STANDIN" "$N"; }
trap 'exec {SI[1]}>&-; wait 2>/dev/null; rm -rf "$work"' EXIT
read -r KC <&"${SI[0]}"
POD=orders-api-7d9f8b6c5-x2x4q
ms() { date +%s%N; }

t0=$(ms)
"$BIN" collect "$POD" -n shop --kubeconfig "$KC" -o "$work/one" 2>"$work/one.err" || { cat "$work/one.err" >&2; exit 1; }
t1=$(ms)
kubectl --kubeconfig "$KC" get --raw "/api/v1/namespaces/shop/pods/$POD" >"$work/k-pod.json"
kubectl --kubeconfig "$KC" get --raw "/api/v1/namespaces/shop/pods/$POD/log?container=orders-api&previous=true" >"$work/k-prev.log"
kubectl --kubeconfig "$KC" get --raw "/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3D$POD" >"$work/k-events.json"
t2=$(ms)
one=$(( (t1 - t0) / 1000000 )); ref=$(( (t2 - t1) / 1000000 ))
files=$(find "$work/one" -type f | wc -l)
execs=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(sum(1 for f in m['files'] if f['what'] == 'jcmd'))" "$work/one/manifest.json")
echo "one pod:   oomlens collect ${one} ms ($files files: pod, owners, events x2, logs x2, node kernel log, cAdvisor, $execs jcmd outputs through $((execs + 1)) exec round trips, manifest)"
echo "           kubectl reference (pod + previous log + events, 3 calls) ${ref} ms"
awk -v a="$one" -v b="$ref" 'BEGIN { printf "           ratio oomlens/kubectl %.2f; floor 2000 ms: %s\n", a / (b ? b : 1), (a < 2000 ? "met" : "MISSED") }'

# --no-exec: exec is per container by nature (the stand-in's `big` pods have none).
/usr/bin/time -f "%M %e" -o "$work/time" "$BIN" collect -n big --no-exec --kubeconfig "$KC" -o "$work/big" 2>"$work/big.err"
read -r rss secs <"$work/time"
lists=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['calls']['lists'], m['calls']['total'], len(m['pods']))" "$work/big/manifest.json")
set -- $lists
t3=$(ms)
kubectl --kubeconfig "$KC" get --raw "/api/v1/namespaces/big/pods?limit=500" >"$work/k-big.json"
t4=$(ms)
echo "namespace: $3 pods, oomlens collect ${secs} s, peak RSS $((rss / 1024)) MiB, $1 list calls of $2 calls (the rest: one log per container, each owner and node once)"
echo "           kubectl reference (the pod list alone) $(( (t4 - t3) / 1000000 )) ms"
awk -v r="$rss" -v l="$1" 'BEGIN { printf "           floor 128 MiB: %s; a handful of lists (<= 6): %s\n", (r < 131072 ? "met" : "MISSED"), (l <= 6 ? "met" : "MISSED") }'
