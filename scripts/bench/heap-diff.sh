#!/usr/bin/env bash
# Two dumps of one JVM: `oomlens heap A B` (both summaries and what grew)
# against reading each dump once (`oomlens heap A`, then `oomlens heap B`),
# side by side in one go, page cache warm. Prints every run's times and
# the ratio diff / (A + B); the floor: the diff no slower than reading both
# dumps once.
#
# The dumps: the two paths given, or the dump heap.sh makes
# (bench-out/heap-bench-13300000.hprof, made here as there when it is not)
# read as both A and B through a second path (a symbolic link in a
# temporary folder: no copy, no disk).
#
# Usage: scripts/bench/heap-diff.sh [A.hprof [B.hprof]]
#
# Environment:
#   BENCH_RUNS=N       pairs of runs (default 2), the order swapped every pair
#   BENCH_BIN=PATH     the oomlens binary (default: target/profiling/oomlens, built)
#   BENCH_MAX_RATIO=R  the floor (default 1.05: 5 % for a loaded machine's noise)
#
# Exit 1 when the median ratio is above the floor.
set -euo pipefail

RUNS="${BENCH_RUNS:-2}"
MAX_RATIO="${BENCH_MAX_RATIO:-1.05}"
. "$(dirname "${BASH_SOURCE[0]}")/lib-heap.sh"

need_gnu_time
bench_bin profiling
bench_tmp heap-diff

A="${1:-}"
if [ -z "$A" ]; then
    bench_dump 13300000 "$ROOT/bench-out"
    A="$DUMP"
fi
[ -s "$A" ] || { echo "no dump at $A" >&2; exit 2; }
B="${2:-}"
if [ -z "$B" ]; then
    B="$TMP/second.hprof"
    ln -s "$(readlink -f "$A")" "$B"
fi

log "warming the page cache"
/usr/bin/time -f '%e' -o "$TMP/cat" cat "$A" "$B" > /dev/null
cat_s=$(cat "$TMP/cat")

once() {
    local ra rb
    ra=$(measure /dev/null "$BIN" heap --format json "$A")
    rb=$(measure /dev/null "$BIN" heap --format json "$B")
    echo "$(echo "${ra% *} + ${rb% *}" | bc -l) $(( ${ra#* } > ${rb#* } ? ${ra#* } : ${rb#* } ))"
}

ratios=()
printf '%-4s %12s %10s %12s %10s %8s\n' run "diff s" "diff MiB" "A+B s" "max MiB" ratio
for run in $(seq "$RUNS"); do
    if [ $((run % 2)) = 1 ]; then
        d=$(measure /dev/null "$BIN" heap --format json "$A" "$B"); s=$(once)
    else
        s=$(once); d=$(measure /dev/null "$BIN" heap --format json "$A" "$B")
    fi
    r=$(echo "${d% *} / ${s% *}" | bc -l)
    ratios+=("$r")
    printf '%-4s %12.2f %10d %12.2f %10d %8.3f\n' "$run" "${d% *}" $(( ${d#* } / 1024 )) \
        "${s% *}" $(( ${s#* } / 1024 )) "$r"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
printf 'cat of both: %.2f s; median ratio diff/(A+B): %.3f (floor %s); load: %s\n' \
    "$cat_s" "$median" "$MAX_RATIO" "$(cut -d' ' -f1-3 /proc/loadavg)"
awk "BEGIN{exit !($median <= $MAX_RATIO)}" || { echo "FLOOR MISSED: the diff is slower than reading both dumps once" >&2; exit 1; }
