#!/usr/bin/env bash
# `oomlens heap` against hprof-slurp (crates.io) on the same real heap dump
# of at least 2.5 GiB, side by side: wall time and peak RSS of each, page
# cache warm, runs interleaved, best of BENCH_RUNS for each; prints the
# ratios.
#
# The dump comes from scripts/bench/java/HeapBench.java (about 43 million
# objects: records with references, Strings and their arrays, object
# arrays, 2000 proxy classes in 2000 loaders, direct buffers, named
# threads), taken with `jcmd PID GC.heap_dump`, and is kept in bench-out/
# (git-ignored) for later runs.
#
# Usage: scripts/bench/heap.sh
#
# Environment:
#   BENCH_RECORDS=N   HeapBench's records (default 13300000: a 2.55 GiB dump)
#   BENCH_RUNS=N      runs of each tool (default 3)
#   BENCH_BIN=PATH    the oomlens binary (default: target/profiling/oomlens, built)
#   CARGO_TARGET_DIR  honoured when locating the profiling binary
#
# Floor (exit 1 when missed): oomlens heap (histogram, class loaders,
# families, direct buffers, threads; it also reads string duplication)
# no slower than hprof-slurp and with no more peak memory.
set -euo pipefail

RECORDS="${BENCH_RECORDS:-13300000}"
RUNS="${BENCH_RUNS:-3}"
. "$(dirname "${BASH_SOURCE[0]}")/lib-heap.sh"

bench_bin profiling
if ! command -v hprof-slurp >/dev/null; then
    log "installing hprof-slurp (cargo install hprof-slurp --locked)"
    cargo install hprof-slurp --locked
fi
SLURP="$(command -v hprof-slurp)"
need_gnu_time
bench_tmp heap
bench_dump "$RECORDS" "$ROOT/bench-out"
SIZE=$(stat -L -c %s "$DUMP")
[ "$SIZE" -ge $((5 << 29)) ] || log "warning: the dump is under 2.5 GiB ($SIZE bytes)"

log "warming the page cache"
cat "$DUMP" > /dev/null

# hprof-slurp takes the file as `-i FILE` in older releases, positionally in newer.
if "$SLURP" --help 2>&1 | grep -q -- '--inputFile\|-i, '; then
    slurp_cmd=("$SLURP" -i "$DUMP")
else
    slurp_cmd=("$SLURP" "$DUMP")
fi
ours_cmd=("$BIN" heap --format json "$DUMP")

best_t=(999999 999999); best_m=(0 0); peak_m=(0 0)
for run in $(seq "$RUNS"); do
    for i in 0 1; do
        if [ "$i" = 0 ]; then r=$(measure "$TMP/oomlens.json" "${ours_cmd[@]}")
        else r=$(measure "$TMP/slurp.txt" "${slurp_cmd[@]}"); fi
        t=${r% *}; m=${r#* }
        log "run $run: $([ "$i" = 0 ] && echo oomlens || echo hprof-slurp) ${t}s, ${m} KiB"
        if awk "BEGIN{exit !($t < ${best_t[$i]})}"; then best_t[$i]=$t; best_m[$i]=$m; fi
        [ "$m" -gt "${peak_m[$i]}" ] && peak_m[$i]=$m
    done
done

objects=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["dumps"][0]; print(d["totals"]["objects"], d["read"]["complete"])' "$TMP/oomlens.json")
printf '\ndump: %s (%.2f GiB), %s objects (complete: %s)\n' "$DUMP" "$(echo "$SIZE / 1073741824" | bc -l)" ${objects}
printf '%-12s %10s %14s\n' tool "wall (s)" "peak RSS (MiB)"
printf '%-12s %10s %14d\n' oomlens "${best_t[0]}" $((peak_m[0] / 1024))
printf '%-12s %10s %14d\n' hprof-slurp "${best_t[1]}" $((peak_m[1] / 1024))
tr=$(echo "${best_t[0]} / ${best_t[1]}" | bc -l)
mr=$(echo "${peak_m[0]} / ${peak_m[1]}" | bc -l)
printf 'ratio oomlens/hprof-slurp: time %.2f, peak RSS %.2f\n' "$tr" "$mr"
fail=0
awk "BEGIN{exit !($tr <= 1.0)}" || { echo "FLOOR MISSED: oomlens is slower than hprof-slurp"; fail=1; }
awk "BEGIN{exit !($mr <= 1.0)}" || { echo "FLOOR MISSED: oomlens uses more memory than hprof-slurp"; fail=1; }
exit $fail
