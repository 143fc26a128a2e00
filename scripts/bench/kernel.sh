#!/usr/bin/env bash
# Benchmark `oomlens kernel` on a large synthetic syslog file against `grep -c`.
#
# Usage: scripts/bench/kernel.sh [SIZE_MIB]        (default 1024)
#
# Environment:
#   BENCH_KEEP=1      write the generated log to bench-out/kernel-<size>.log (kept for next runs)
#   BENCH_REPORTS=N   number of OOM reports to embed (default 300)
#   BENCH_SEED=S      generator seed (default 42)
#   BENCH_RUNS=N      timed runs per command, best is kept (default 3)
#   BENCH_TIME_BIN    GNU time used for peak RSS (default /usr/bin/time; a missing one
#                     triggers `apt-get install time`, else VmHWM is polled from /proc)
#   CARGO_TARGET_DIR  honoured when locating the profiling binary
#
# Floors (exit 1 if any fails): oomlens/grep wall-time ratio <= 1.5, all reports
# found (len(reports) == grep -c 'Killed process'), oomlens peak RSS < 64 MiB.
set -euo pipefail

SIZE_MIB="${1:-1024}"
if ! [[ "$SIZE_MIB" =~ ^[0-9]+$ ]] || [ "$SIZE_MIB" -lt 1 ]; then
    echo "usage: $0 [SIZE_MIB]" >&2
    exit 2
fi
REPORTS="${BENCH_REPORTS:-300}"
SEED="${BENCH_SEED:-42}"
RUNS="${BENCH_RUNS:-3}"
MAX_RATIO="1.5"
MAX_RSS_MIB="64"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
BIN="$TARGET_DIR/profiling/oomlens"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/oomlens-bench.XXXXXX")"
POLL_PID=""
cleanup() {
    if [ -n "$POLL_PID" ]; then kill "$POLL_PID" 2>/dev/null || true; fi
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
WANT_BYTES=$((SIZE_MIB * 1024 * 1024))
CACHED="$ROOT/bench-out/kernel-${SIZE_MIB}.log"
if [ -f "$CACHED" ] && [ "$(stat -c %s "$CACHED")" -eq "$WANT_BYTES" ]; then
    LOG="$CACHED"
    log "reusing $LOG"
else
    if [ "${BENCH_KEEP:-0}" = "1" ]; then
        mkdir -p "$ROOT/bench-out"
        LOG="$CACHED"
    else
        LOG="$TMP/kernel-${SIZE_MIB}.log"
    fi
    log "generating ${SIZE_MIB} MiB log with ${REPORTS} reports -> $LOG"
    python3 "$SCRIPT_DIR/gen_kernel_log.py" --size-mib "$SIZE_MIB" --reports "$REPORTS" \
        --seed "$SEED" --out "$LOG.part"
    mv "$LOG.part" "$LOG"
fi

log "warming page cache"
cat "$LOG" > /dev/null

# ---------------------------------------------------------------- timing helpers
now_ns() { date +%s%N; }

# best_of CMD...: run RUNS times, print the best wall-clock time in seconds.
# The command's own stdout/stderr must be redirected by the caller (via sh -c).
best_of() {
    local best="" t0 t1 dt i
    for ((i = 1; i <= RUNS; i++)); do
        t0=$(now_ns)
        "$@"
        t1=$(now_ns)
        dt=$((t1 - t0))
        if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

run_grep() { LC_ALL=C grep -c 'Killed process' "$LOG" > "$TMP/grep.out" || true; }

# best_of runs in a command substitution (subshell), so the exit status goes through a file.
echo 0 > "$TMP/oomlens.rc"
run_oomlens() {
    local rc=0
    "$BIN" kernel --format json "$LOG" > "$TMP/out.json" 2> "$TMP/oomlens.err" || rc=$?
    if [ "$rc" -ne 0 ]; then echo "$rc" > "$TMP/oomlens.rc"; fi
}

# ---------------------------------------------------------------- measure
log "timing grep -c (best of $RUNS)"
GREP_S=$(best_of run_grep)
EXPECTED=$(cat "$TMP/grep.out")

log "timing oomlens kernel --format json (best of $RUNS)"
OOMLENS_S=$(best_of run_oomlens)
OOMLENS_RC=$(cat "$TMP/oomlens.rc")
if [ "$OOMLENS_RC" -ne 0 ]; then
    echo "warning: oomlens exited with status $OOMLENS_RC; stderr tail:" >&2
    tail -n 20 "$TMP/oomlens.err" >&2 || true
fi

# Peak RSS: GNU time if available (try to install it), else poll VmHWM.
TIME_BIN="${BENCH_TIME_BIN:-/usr/bin/time}"
if [ "$TIME_BIN" = /usr/bin/time ] && [ ! -x /usr/bin/time ] && command -v apt-get > /dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    log "installing GNU time"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null 2>&1 || true
fi
PEAK_KB=""
if [ -x "$TIME_BIN" ] && "$TIME_BIN" -v true > /dev/null 2>&1; then
    log "measuring peak RSS with $TIME_BIN -v"
    "$TIME_BIN" -v -o "$TMP/time.txt" "$BIN" kernel --format json "$LOG" > "$TMP/out-rss.json" 2> /dev/null || true
    PEAK_KB=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$TMP/time.txt")
else
    log "measuring peak RSS by polling /proc/PID/status (VmHWM)"
    "$BIN" kernel --format json "$LOG" > "$TMP/out-rss.json" 2> /dev/null &
    POLL_PID=$!
    PEAK_KB=0
    while kill -0 "$POLL_PID" 2> /dev/null; do
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$POLL_PID/status" 2> /dev/null || true)
        if [ -n "$hwm" ] && [ "$hwm" -gt "$PEAK_KB" ]; then PEAK_KB=$hwm; fi
        sleep 0.01
    done
    wait "$POLL_PID" || true
    POLL_PID=""
fi
if [ -z "$PEAK_KB" ]; then PEAK_KB=0; fi

# ---------------------------------------------------------------- check output
cat > "$TMP/check.py" << 'EOF'
import json, os, re, subprocess, sys
try:
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    reports = doc["reports"]
except Exception as e:  # unparsable or wrong shape
    print("-1 invalid-json(%s)" % type(e).__name__)
    sys.exit(0)
got = sorted(r.get("victim", {}).get("pid") or -1 for r in reports if isinstance(r, dict))
out = subprocess.run(["grep", "-o", "Killed process [0-9]*", sys.argv[2]],
                     capture_output=True, env=dict(os.environ, LC_ALL="C")).stdout.decode()
want = sorted(int(m) for m in re.findall(r"Killed process (\d+)", out))
print(len(reports), "match" if got == want else "MISMATCH")
EOF
CHECK=$(python3 "$TMP/check.py" "$TMP/out.json" "$LOG" || echo "-1 checker-error")
read -r FOUND PID_CHECK <<< "$CHECK"

# ---------------------------------------------------------------- report
RATIO=$(awk -v a="$OOMLENS_S" -v b="$GREP_S" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
PEAK_MIB=$(awk -v k="$PEAK_KB" 'BEGIN { printf "%.1f", k / 1024 }')
MIBS=$(awk -v s="$OOMLENS_S" -v m="$SIZE_MIB" 'BEGIN { if (s > 0) printf "%.0f", m / s; else print "inf" }')

status=0
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
ok_ratio=$(awk -v r="$RATIO" -v m="$MAX_RATIO" 'BEGIN { print (r != "inf" && r + 0 <= m) ? 1 : 0 }')
ok_found=0
if [ "$OOMLENS_RC" -eq 0 ] && [ "$FOUND" -eq "$EXPECTED" ]; then ok_found=1; fi
ok_rss=$(awk -v k="$PEAK_KB" -v m="$MAX_RSS_MIB" 'BEGIN { print (k > 0 && k < m * 1024) ? 1 : 0 }')
for v in "$ok_ratio" "$ok_found" "$ok_rss"; do
    if [ "$v" != 1 ]; then status=1; fi
done

echo
echo "oomlens kernel benchmark: $(basename "$LOG") (${SIZE_MIB} MiB), best of ${RUNS}"
printf '%-28s %14s   %-10s %s\n' "metric" "value" "floor" "result"
printf '%-28s %14s   %-10s %s\n' "----------------------------" "--------------" "----------" "------"
printf '%-28s %14s   %-10s %s\n' "grep -c seconds" "$GREP_S" "" ""
printf '%-28s %14s   %-10s %s\n' "oomlens seconds" "$OOMLENS_S" "" "(${MIBS} MiB/s)"
printf '%-28s %14s   %-10s %s\n' "ratio oomlens/grep" "$RATIO" "<= $MAX_RATIO" "$(verdict "$ok_ratio")"
printf '%-28s %14s   %-10s %s\n' "reports found/expected" "$FOUND/$EXPECTED" "all" "$(verdict "$ok_found")"
printf '%-28s %14s   %-10s %s\n' "victim pids vs grep" "$PID_CHECK" "" "(info)"
printf '%-28s %14s   %-10s %s\n' "oomlens peak RSS MiB" "$PEAK_MIB" "< $MAX_RSS_MIB" "$(verdict "$ok_rss")"
if [ "$OOMLENS_RC" -ne 0 ]; then
    printf '%-28s %14s   %-10s %s\n' "oomlens exit status" "$OOMLENS_RC" "0" "FAIL"
fi
echo
if [ "$status" -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit "$status"
