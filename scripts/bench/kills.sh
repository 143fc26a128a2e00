#!/usr/bin/env bash
# How `oomlens diagnose` scales with the number of kills: N kernel OOM kills
# of one container in one log for N = 10k, 50k, 100k, 200k, and N kills
# in N distinct pods (profiling build: release with symbols). Prints each time,
# the time per 10k kills and the ratio to the smallest N, so the curve is
# visible: linear when time per 10k kills stays flat.
#
# Usage: scripts/bench/kills.sh [N ...]        (default 10000 50000 100000 200000)
#
# Environment:
#   BENCH_KEEP=1       keep the generated logs in bench-out/kills-*.log for next runs
#   BENCH_PODS_NS=list N of the runs with one pod per kill (default "10000 20000")
#   BENCH_NO_BUILD=1   use the profiling binary as it is
#   BENCH_BEFORE=BIN   another oomlens binary (an older build) run on each
#                      log right after this one: its CPU time and the
#                      ratio after/before are printed beside
#   CARGO_TARGET_DIR   honoured when locating the profiling binary
#
# Besides wall time it prints CPU time (user + sys), which a busy machine
# inflates less, and peak RSS (MiB).
#
# The logs come from gen_kernel_log.py (cgroup v2 reports, pods taken in turn,
# as little noise as the generator allows); about 6 KB per report.
# Floor (exit 1 if it fails): 200k kills of one container in under 10 s of
# CPU.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
BIN="$TARGET_DIR/profiling/oomlens"
if [ "$#" -gt 0 ]; then NS=("$@"); else NS=(10000 50000 100000 200000); fi
BEFORE="${BENCH_BEFORE:-}"
MAX_S_200K=10

TMP="$(mktemp -d "${TMPDIR:-/tmp}/oomlens-kills.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
log() { printf '==> %s\n' "$*" >&2; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

if [ "${BENCH_NO_BUILD:-0}" != "1" ]; then
    log "building profiling binary (cargo build --profile profiling -p oomlens)"
    (cd "$ROOT" && cargo build --profile profiling -p oomlens)
fi

# gen N PODS: path of a log with N reports over PODS pods.
gen() {
    local n="$1" pods="$2" dir="$TMP"
    if [ "${BENCH_KEEP:-0}" = "1" ]; then dir="$ROOT/bench-out"; mkdir -p "$dir"; fi
    local out="$dir/kills-$n-pods-$pods.log"
    if [ ! -f "$out" ]; then
        # ~6.1 KB per v2 report plus a little noise.
        local mib=$(( n * 62 / 10240 + 4 ))
        log "generating $n kills in $pods pod(s) (${mib} MiB) -> $out"
        python3 "$SCRIPT_DIR/gen_kernel_log.py" --size-mib "$mib" --reports "$n" \
            --pods "$pods" --generation v2 --days 30 --out "$out.part" >&2
        mv "$out.part" "$out"
    fi
    printf '%s\n' "$out"
}

# run LOG [BIN]: "wall cpu rss" of one diagnose (seconds, seconds, peak
# RSS in MiB), by GNU time (the log is read once before, to time the
# analysis and not the disk).
run() {
    cat "$1" > /dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "${2:-$BIN}" diagnose -f json "$1" > "$TMP/out.json" \
        || [ $? -eq 1 ]
    awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$TMP/time"
}

fail=0
read -r -a PODS_NS <<< "${BENCH_PODS_NS:-10000 20000}"
for shape in one pods; do
    printf '\n%-10s %-8s %10s %10s %14s %8s %9s' kills pods wall_s cpu_s "cpu s/10k" ratio rss_mib
    [ -n "$BEFORE" ] && printf ' %12s %14s %16s' before_cpu_s after/before before_rss_mib
    printf '\n'

    base=""
    if [ "$shape" = one ]; then list=("${NS[@]}"); else list=("${PODS_NS[@]}"); fi
    for n in "${list[@]}"; do
        pods=1
        [ "$shape" = pods ] && pods="$n"
        log=$(gen "$n" "$pods")
        read -r s cpu rss <<< "$(run "$log")"
        per=$(echo "scale=3; $cpu * 10000 / $n" | bc)
        [ -z "$base" ] && base="$per"
        ratio=$(echo "scale=2; $per / $base" | bc)
        printf '%-10s %-8s %10s %10s %14s %8s %9s' "$n" "$pods" "$s" "$cpu" "$per" "$ratio" "$rss"
        if [ -n "$BEFORE" ]; then
            read -r _ bcpu brss <<< "$(run "$log" "$BEFORE")"
            printf ' %12s %14s %16s' "$bcpu" "$(echo "scale=2; $cpu / $bcpu" | bc)" "$brss"
        fi
        printf '\n'
        if [ "$shape" = one ] && [ "$n" -ge 200000 ] && [ "$(echo "$cpu > $MAX_S_200K" | bc)" = 1 ]; then
            fail=1
        fi
        [ "${BENCH_KEEP:-0}" = "1" ] || rm -f "$log"
    done
done
if [ "$fail" = 1 ]; then
    echo "FAIL: 200k kills of one container took more than ${MAX_S_200K} s" >&2
    exit 1
fi
