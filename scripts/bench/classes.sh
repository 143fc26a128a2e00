#!/usr/bin/env bash
# Benchmark `oomlens classes` against `grep -c 'class,load'` on a large class-loading log,
# the two run side by side (interleaved), and check that oomlens counts what grep counts.
#
# Usage:
#   scripts/bench/classes.sh [SIZE_MIB]        a synthetic JDK 17 log from gen_class_log.py (default 1024 MiB)
#   scripts/bench/classes.sh --real [SIZE_MIB] a log built from real JVM captures (default 512 MiB):
#                                              capture_class_segments.sh + build_class_log.py
#   scripts/bench/classes.sh LOG               any class-loading log you have
#
# Environment:
#   BENCH_KEEP=1      keep a generated or built log in bench-out/ (reused by later runs)
#   BENCH_SEED=S      generator seed (default 42)
#   BENCH_RUNS=N      timed pairs (default 5); the median of the pairwise ratios is the result
#   BENCH_TIMER       `loop` (default: A B, B A, ... interleaved, timed with date +%s%N) or
#                     `hyperfine` (if installed: all runs of one command, then the other)
#   BENCH_MAX_RATIO   the floor on the oomlens/grep ratio (default 1.5)
#   BENCH_TIME_BIN    GNU time used for peak RSS (default /usr/bin/time; a missing one
#                     triggers `apt-get install time`, else VmHWM is polled from /proc)
#   CARGO_TARGET_DIR  honoured when locating the profiling binary
#
# Floors (exit 1 if any fails): median oomlens/grep wall-time ratio <= BENCH_MAX_RATIO; the
# report's `loaded` equal to `grep -c 'class,load'` and `unloaded` to `grep -c 'class,unload'`
# (unified-logging logs; JDK 8 logs: `[Loaded ` and `[Unloading class `); oomlens peak RSS
# < 128 MiB; oomlens exit status 0 or 1 (1: no leak found). On the synthetic log also: the
# three leaking families (Orika, cglib, Groovy) found, `loaded` equal to the generator's
# count, and exit status 0.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
usage() {
    echo "usage: $0 [SIZE_MIB | --real [SIZE_MIB] | LOG]" >&2
    exit 2
}

MODE=gen
SIZE_MIB=1024
LOG=""
case "${1:-}" in
    "") ;;
    --real)
        MODE=real
        SIZE_MIB="${2:-512}"
        ;;
    -*) usage ;;
    *)
        if [ -f "$1" ]; then
            MODE=file
            LOG="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
        else
            SIZE_MIB="$1"
        fi
        ;;
esac
if ! [[ "$SIZE_MIB" =~ ^[0-9]+$ ]] || [ "$SIZE_MIB" -lt 1 ]; then usage; fi
SEED="${BENCH_SEED:-42}"
RUNS="${BENCH_RUNS:-5}"
TIMER="${BENCH_TIMER:-loop}"
MAX_RATIO="${BENCH_MAX_RATIO:-1.5}"
MAX_RSS_MIB="128"

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
BIN="$TARGET_DIR/profiling/oomlens"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/oomlens-bench.XXXXXX")"
POLL_PID=""
cleanup() {
    if [ -n "$POLL_PID" ]; then kill "$POLL_PID" 2> /dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }

# ---------------------------------------------------------------- build
log "building profiling binary (cargo build --profile profiling -p oomlens)"
(cd "$ROOT" && cargo build --profile profiling -p oomlens)
if [ ! -x "$BIN" ]; then
    echo "error: $BIN not found after build" >&2
    exit 1
fi

# ---------------------------------------------------------------- input
# keep_or_tmp NAME: where a made log goes (bench-out/ with BENCH_KEEP=1, else the temp dir).
keep_or_tmp() {
    if [ "${BENCH_KEEP:-0}" = "1" ]; then
        mkdir -p "$ROOT/bench-out"
        echo "$ROOT/bench-out/$1"
    else
        echo "$TMP/$1"
    fi
}
WANT_BYTES=$((SIZE_MIB * 1024 * 1024))
SUMMARY=""
case "$MODE" in
    gen)
        # The generator's counts go to <log>.json next to the log; a cached log is reused
        # only together with its counts.
        CACHED="$ROOT/bench-out/classes-${SIZE_MIB}.log"
        if [ -f "$CACHED" ] && [ -f "$CACHED.json" ] && [ "$(stat -c %s "$CACHED")" -eq "$WANT_BYTES" ]; then
            LOG="$CACHED"
            log "reusing $LOG"
        else
            LOG="$(keep_or_tmp "classes-${SIZE_MIB}.log")"
            log "generating ${SIZE_MIB} MiB class log -> $LOG"
            python3 "$SCRIPT_DIR/gen_class_log.py" --size-mib "$SIZE_MIB" --seed "$SEED" \
                --out "$LOG.part" --summary "$LOG.json.part"
            mv "$LOG.json.part" "$LOG.json"
            mv "$LOG.part" "$LOG"
        fi
        SUMMARY="$LOG.json"
        ;;
    real)
        SEGMENTS="$ROOT/bench-out/zoo"
        if ! ls "$SEGMENTS"/zoo-*.log > /dev/null 2>&1; then
            log "capturing real class-loading logs -> $SEGMENTS"
            "$SCRIPT_DIR/capture_class_segments.sh" "$SEGMENTS"
        fi
        CACHED="$ROOT/bench-out/classes-real-${SIZE_MIB}.log"
        if [ -f "$CACHED" ] && [ "$(stat -c %s "$CACHED")" -ge "$WANT_BYTES" ]; then
            LOG="$CACHED"
            log "reusing $LOG"
        else
            LOG="$(keep_or_tmp "classes-real-${SIZE_MIB}.log")"
            log "building ${SIZE_MIB} MiB class log from $SEGMENTS/zoo-*.log -> $LOG"
            python3 "$SCRIPT_DIR/build_class_log.py" --size-mib "$SIZE_MIB" --out "$LOG.part" "$SEGMENTS"/zoo-*.log
            mv "$LOG.part" "$LOG"
        fi
        ;;
esac
LOG_MIB=$(awk -v b="$(stat -L -c %s "$LOG")" 'BEGIN { printf "%.0f", b / 1048576 }')

log "warming page cache"
cat "$LOG" > /dev/null

# ---------------------------------------------------------------- counts
if LC_ALL=C grep -q -m1 '^\[Loaded \|^\[Unloading class ' "$LOG"; then
    LOAD_RE='^\[Loaded '
    UNLOAD_RE='^\[Unloading class '
else
    LOAD_RE='class,load'
    UNLOAD_RE='class,unload'
fi
GREP_LOADS=$(LC_ALL=C grep -c "$LOAD_RE" "$LOG" || true)
GREP_UNLOADS=$(LC_ALL=C grep -c "$UNLOAD_RE" "$LOG" || true)

# ---------------------------------------------------------------- timing
# The two commands run in turn, the order swapped every pair, so that a change in the
# machine's speed hits both; the ratio is taken pair by pair and its median kept.
GREP_CMD=(env LC_ALL=C grep -c 'class,load' "$LOG")
OOMLENS_CMD=("$BIN" classes --format json "$LOG")
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg 2> /dev/null || echo "?")
: > "$TMP/times"
if [ "$TIMER" = hyperfine ] && command -v hyperfine > /dev/null 2>&1; then
    log "timing with hyperfine ($RUNS runs each, one command after the other)"
    hyperfine -N --warmup 1 --runs "$RUNS" -i --output=pipe --export-json "$TMP/hf.json" \
        "env LC_ALL=C grep -c class,load $LOG" "$BIN classes --format json $LOG" >&2
    python3 - "$TMP/hf.json" > "$TMP/times" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
for g, o in zip(r[0]["times"], r[1]["times"]):
    print(g, o)
PY
else
    log "timing grep -c and oomlens classes side by side ($RUNS pairs, after one warm-up pair)"
    now_ns() { date +%s%N; }
    # Not to /dev/null: GNU grep stops at the first match when its output goes there.
    time_one() {
        local t0 t1
        t0=$(now_ns)
        "$@" > "$TMP/run.out" 2>&1 || true
        t1=$(now_ns)
        echo $((t1 - t0))
    }
    time_one "${GREP_CMD[@]}" > /dev/null
    time_one "${OOMLENS_CMD[@]}" > /dev/null
    for ((i = 1; i <= RUNS; i++)); do
        if ((i % 2)); then
            g=$(time_one "${GREP_CMD[@]}")
            o=$(time_one "${OOMLENS_CMD[@]}")
        else
            o=$(time_one "${OOMLENS_CMD[@]}")
            g=$(time_one "${GREP_CMD[@]}")
        fi
        awk -v g="$g" -v o="$o" 'BEGIN { printf "%.4f %.4f\n", g / 1e9, o / 1e9 }' >> "$TMP/times"
    done
fi
# Medians: grep seconds, oomlens seconds, ratio of each pair.
read -r GREP_S OOMLENS_S RATIO RATIO_MIN RATIO_MAX <<< "$(python3 - "$TMP/times" << 'PY'
import statistics, sys
pairs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
r = [o / g for g, o in pairs if g > 0]
print("%.3f %.3f %.2f %.2f %.2f" % (statistics.median(g for g, _ in pairs),
      statistics.median(o for _, o in pairs), statistics.median(r), min(r), max(r)))
PY
)"

# ---------------------------------------------------------------- peak RSS and output
TIME_BIN="${BENCH_TIME_BIN:-/usr/bin/time}"
if [ "$TIME_BIN" = /usr/bin/time ] && [ ! -x /usr/bin/time ] && command -v apt-get > /dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    log "installing GNU time"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null 2>&1 || true
fi
PEAK_KB=""
OOMLENS_RC=0
if [ -x "$TIME_BIN" ] && "$TIME_BIN" -v true > /dev/null 2>&1; then
    log "measuring peak RSS with $TIME_BIN -v"
    "$TIME_BIN" -v -o "$TMP/time.txt" "${OOMLENS_CMD[@]}" > "$TMP/out.json" 2> "$TMP/oomlens.err" || OOMLENS_RC=$?
    # GNU time exits with the command's status.
    PEAK_KB=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$TMP/time.txt")
else
    log "measuring peak RSS by polling /proc/PID/status (VmHWM)"
    "${OOMLENS_CMD[@]}" > "$TMP/out.json" 2> "$TMP/oomlens.err" &
    POLL_PID=$!
    PEAK_KB=0
    while kill -0 "$POLL_PID" 2> /dev/null; do
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$POLL_PID/status" 2> /dev/null || true)
        if [ -n "$hwm" ] && [ "$hwm" -gt "$PEAK_KB" ]; then PEAK_KB=$hwm; fi
        sleep 0.01
    done
    wait "$POLL_PID" || OOMLENS_RC=$?
    POLL_PID=""
fi
if [ -z "$PEAK_KB" ]; then PEAK_KB=0; fi

# Prints: loaded unloaded families leaks_found leak_loads_vs_generator verdict_library
cat > "$TMP/check.py" << 'EOF_PY'
import json, sys
gen = None
if len(sys.argv) > 2 and sys.argv[2]:
    with open(sys.argv[2]) as f:
        gen = json.load(f)
try:
    with open(sys.argv[1]) as f:
        rep = json.load(f)["reports"][0]
    fams = rep["families"]
except Exception as e:  # unparsable or wrong shape
    print(-1, -1, 0, 0, "invalid-json(%s)" % type(e).__name__, "-")
    sys.exit(0)
found, exact = 0, "-"
if gen is not None:
    exact = "match"
    for lib in ("Orika", "cglib", "Groovy"):
        hits = [f for f in fams if f.get("library") == lib and f.get("leak")]
        if hits:
            found += 1
            if sum(f.get("loaded", 0) for f in hits) != gen["leaks"][lib]:
                exact = "MISMATCH"
        else:
            exact = "MISMATCH"
v = rep.get("verdict", {})
print(rep.get("loaded", -1), rep.get("unloaded", -1), len(fams), found, exact,
      (v.get("library") or "none").replace(" ", "_") if v.get("leak") else "no-leak")
EOF_PY
CHECK=$(python3 "$TMP/check.py" "$TMP/out.json" "$SUMMARY" || echo "-1 -1 0 0 checker-error -")
read -r LOADED UNLOADED FAMILIES LEAKS FAM_CHECK VERDICT <<< "$CHECK"

# ---------------------------------------------------------------- report
PEAK_MIB=$(awk -v k="$PEAK_KB" 'BEGIN { printf "%.1f", k / 1024 }')
mibs() { awk -v s="$1" -v m="$LOG_MIB" 'BEGIN { if (s > 0) printf "%.0f", m / s; else print "inf" }'; }
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
ok_ratio=$(awk -v r="$RATIO" -v m="$MAX_RATIO" 'BEGIN { print (r + 0 <= m) ? 1 : 0 }')
ok_counts=0
if [ "$LOADED" -eq "$GREP_LOADS" ] && [ "$UNLOADED" -eq "$GREP_UNLOADS" ]; then ok_counts=1; fi
ok_rss=$(awk -v k="$PEAK_KB" -v m="$MAX_RSS_MIB" 'BEGIN { print (k > 0 && k < m * 1024) ? 1 : 0 }')
ok_rc=0
if [ "$OOMLENS_RC" -eq 0 ] || { [ -z "$SUMMARY" ] && [ "$OOMLENS_RC" -eq 1 ]; }; then ok_rc=1; fi
checks=("$ok_ratio" "$ok_counts" "$ok_rss" "$ok_rc")
if [ -n "$SUMMARY" ]; then
    EXPECTED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["loads"])' "$SUMMARY")
    ok_leaks=0
    if [ "$LEAKS" -eq 3 ]; then ok_leaks=1; fi
    ok_gen=0
    if [ "$LOADED" -eq "$EXPECTED" ]; then ok_gen=1; fi
    checks+=("$ok_leaks" "$ok_gen")
fi
status=0
for v in "${checks[@]}"; do
    if [ "$v" != 1 ]; then status=1; fi
done

row() { printf '%-32s %16s   %-10s %s\n' "$@"; }
echo
echo "oomlens classes benchmark: $LOG (${LOG_MIB} MiB), median of ${RUNS} pairs ($TIMER)"
row "metric" "value" "floor" "result"
row "--------------------------------" "----------------" "----------" "------"
row "grep -c seconds" "$GREP_S" "" "($(mibs "$GREP_S") MiB/s)"
row "oomlens seconds" "$OOMLENS_S" "" "($(mibs "$OOMLENS_S") MiB/s)"
row "ratio oomlens/grep (median)" "$RATIO" "<= $MAX_RATIO" "$(verdict "$ok_ratio")"
row "ratio of the pairs (min/max)" "$RATIO_MIN/$RATIO_MAX" "" "(info)"
row "loaded: oomlens/grep" "$LOADED/$GREP_LOADS" "equal" "$(verdict "$ok_counts")"
row "unloaded: oomlens/grep" "$UNLOADED/$GREP_UNLOADS" "equal" "(with loaded)"
row "families" "$FAMILIES" "" "(info)"
row "oomlens peak RSS MiB" "$PEAK_MIB" "< $MAX_RSS_MIB" "$(verdict "$ok_rss")"
if [ -n "$SUMMARY" ]; then
    row "leaks found (Orika,cglib,Groovy)" "$LEAKS/3" "all" "$(verdict "$ok_leaks")"
    row "loaded: oomlens/generator" "$LOADED/$EXPECTED" "equal" "$(verdict "$ok_gen")"
    row "leak family loads vs gen" "$FAM_CHECK" "" "(info)"
    row "oomlens exit status" "$OOMLENS_RC" "0" "$(verdict "$ok_rc")"
else
    row "oomlens exit status" "$OOMLENS_RC" "0 or 1" "$(verdict "$ok_rc")"
fi
row "verdict library" "$VERDICT" "" "(info)"
row "load average before/after" "$LOAD_BEFORE/$(cut -d' ' -f1 /proc/loadavg 2> /dev/null || echo "?")" "" "(info, $(nproc 2> /dev/null || echo "?") cpus)"
echo
if [ "$status" -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit "$status"
