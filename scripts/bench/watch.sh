#!/usr/bin/env bash
# The node agent's footprint: `oomlens watch` sampling N container cgroups
# (each a real Kubernetes-shaped memory cgroup with one sleeping process)
# every second for SECONDS, JVM captures off. Prints the agent's CPU time as
# a share of one core and its peak RSS (VmHWM), beside the published
# footprint of two node agents that only see a kill after it happened:
# kubernetes-oomkill-exporter's DaemonSet (20 MiB requested, 100 MiB limit)
# and node-problem-detector (80 MiB).
#
# Usage: scripts/bench/watch.sh [N] [SECONDS]     (default 200 300)
#
# Environment:
#   BENCH_NO_BUILD=1   use the profiling binary as it is
#   OOMLENS=PATH       another binary (e.g. target/debug/oomlens, for a try)
#
# Needs root and the cgroup v1 memory controller. Every cgroup and process it makes is removed on exit.
# Floors (exit 1 if one fails): under 2 % of one core, under 32 MiB RSS.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
N=${1:-200}
SECS=${2:-300}
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN=${OOMLENS:-$TARGET_DIR/profiling/oomlens}
if [ -z "${OOMLENS:-}" ] && [ -z "${BENCH_NO_BUILD:-}" ]; then
  (cd "$ROOT" && cargo build --profile profiling -q -p oomlens)
fi

root=/sys/fs/cgroup/memory
[ -e $root/memory.limit_in_bytes ] || { echo "needs the cgroup v1 memory controller" >&2; exit 2; }
qos=$root/kubepods.slice/kubepods-burstable.slice
work=$(mktemp -d)
dirs=()
pids=()
agent=
cleanup() {
  [ -n "$agent" ] && kill -9 "$agent" 2>/dev/null || true
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${dirs[@]}"; do rmdir "$d" "$(dirname "$d")" 2>/dev/null || true; done
  rmdir "$qos" "$(dirname "$qos")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$qos"
tag=$(printf '%04x' $((RANDOM)))
for i in $(seq 1 "$N"); do
  d=$qos/kubepods-burstable-pod${tag}$(printf '%04x' "$i")_1111_2222_3333_444444444444.slice/cri-containerd-${tag}$(printf '%060x' "$i").scope
  mkdir -p "$d"
  echo $((64 << 20)) > "$d/memory.limit_in_bytes"
  dirs+=("$d")
  sh -c "echo \$\$ > $d/cgroup.procs && exec sleep $((SECS + 60))" &
  pids+=($!)
done

"$BIN" watch --spool "$work/spool" --no-capture --interval 1s > "$work/events.jsonl" 2> "$work/stderr" &
agent=$!
sleep 3 # start-up and the first passes, not measured
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
c0=$(cpu)
sleep "$SECS"
c1=$(cpu)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$agent/status")
share=$(awk -v c=$((c1 - c0)) -v k="$tck" -v t="$SECS" 'BEGIN { printf "%.2f", 100 * c / k / t }')
rss=$(awk -v h="$hwm" 'BEGIN { printf "%.1f", h / 1024 }')
echo "oomlens watch, $N cgroups every 1 s for $SECS s ($BIN):"
echo "  CPU: ${share} % of one core   peak RSS: ${rss} MiB"
echo "  kubernetes-oomkill-exporter DaemonSet: 20 MiB requested, 100 MiB limit; node-problem-detector: 80 MiB"
echo "  RSS ratio to oomkill-exporter's published request (not measured here): $(awk -v r="$rss" 'BEGIN { printf "%.2f", r / 20 }')"
fail=0
awk -v s="$share" 'BEGIN { exit !(s < 2) }' || { echo "FLOOR: CPU ${share} % >= 2 %"; fail=1; }
awk -v r="$rss" 'BEGIN { exit !(r < 32) }' || { echo "FLOOR: RSS ${rss} MiB >= 32 MiB"; fail=1; }
exit $fail
