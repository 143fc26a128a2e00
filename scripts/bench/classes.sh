#!/usr/bin/env bash
# Benchmark `oomlens classes` on a large synthetic JDK 17 class-loading log against
# `grep -c` and a plain awk family count.
#
# Usage: scripts/bench/classes.sh [SIZE_MIB]        (default 1024)
#
# Environment:
#   BENCH_KEEP=1      write the generated log to bench-out/classes-<size>.log (kept for next runs)
#   BENCH_SEED=S      generator seed (default 42)
#   BENCH_RUNS=N      timed runs per command, best is kept (default 3)
#   BENCH_TIME_BIN    GNU time used for peak RSS (default /usr/bin/time; a missing one
#                     triggers `apt-get install time`, else VmHWM is polled from /proc)
#   CARGO_TARGET_DIR  honoured when locating the release binary
#
# Floors (exit 1 if any fails): oomlens/grep wall-time ratio <= 2, the three leaking
# families (Orika, cglib, Groovy) reported with leak=true, report `loaded` equal to the
# generator's load count, oomlens peak RSS < 128 MiB, oomlens exits with status 0 (a leak
# was found).
set -euo pipefail

SIZE_MIB="${1:-1024}"
if ! [[ "$SIZE_MIB" =~ ^[0-9]+$ ]] || [ "$SIZE_MIB" -lt 1 ]; then
    echo "usage: $0 [SIZE_MIB]" >&2
    exit 2
fi
SEED="${BENCH_SEED:-42}"
RUNS="${BENCH_RUNS:-3}"
MAX_RATIO="2"
MAX_RSS_MIB="128"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
BIN="$TARGET_DIR/release/oomlens"

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
log "building release binary (cargo build --release -p oomlens)"
(cd "$ROOT" && cargo build --release -p oomlens)
if [ ! -x "$BIN" ]; then
    echo "error: $BIN not found after build" >&2
    exit 1
fi

# ---------------------------------------------------------------- input
# The generator's counts go to <log>.json next to the log; a cached log is reused
# only together with its counts.
WANT_BYTES=$((SIZE_MIB * 1024 * 1024))
CACHED="$ROOT/bench-out/classes-${SIZE_MIB}.log"
if [ -f "$CACHED" ] && [ -f "$CACHED.json" ] && [ "$(stat -c %s "$CACHED")" -eq "$WANT_BYTES" ]; then
    LOG="$CACHED"
    log "reusing $LOG"
else
    if [ "${BENCH_KEEP:-0}" = "1" ]; then
        mkdir -p "$ROOT/bench-out"
        LOG="$CACHED"
    else
        LOG="$TMP/classes-${SIZE_MIB}.log"
    fi
    log "generating ${SIZE_MIB} MiB class log -> $LOG"
    python3 "$SCRIPT_DIR/gen_class_log.py" --size-mib "$SIZE_MIB" --seed "$SEED" \
        --out "$LOG.part" --summary "$LOG.json.part"
    mv "$LOG.json.part" "$LOG.json"
    mv "$LOG.part" "$LOG"
fi
SUMMARY="$LOG.json"

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

run_grep() { LC_ALL=C grep -c 'class,load' "$LOG" > "$TMP/grep.out" || true; }

# Loads by family, the plain way: the class name is the word after the first "] "
# (the end of the decorators); digit runs and runs of 8+ hex digits become `*`; top 10 by count.
cat > "$TMP/families.awk" << 'EOF'
BEGIN { FS = "\\] " }
/class,load/ {
    n = $2
    sp = index(n, " ")
    if (sp) n = substr(n, 1, sp - 1)
    gsub(/[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+/, "*", n)
    gsub(/[0-9]+/, "*", n)
    c[n]++
}
END {
    for (i = 1; i <= 10; i++) {
        best = ""; bn = -1
        for (k in c) if (c[k] > bn) { bn = c[k]; best = k }
        if (bn < 0) break
        printf "%10d  %s\n", bn, best
        delete c[best]
    }
}
EOF
run_awk() { LC_ALL=C awk -f "$TMP/families.awk" "$LOG" > "$TMP/awk.out"; }

# best_of runs in a command substitution (subshell), so the exit status goes through a file.
echo 0 > "$TMP/oomlens.rc"
run_oomlens() {
    local rc=0
    "$BIN" classes --format json "$LOG" > "$TMP/out.json" 2> "$TMP/oomlens.err" || rc=$?
    if [ "$rc" -ne 0 ]; then echo "$rc" > "$TMP/oomlens.rc"; fi
}

# ---------------------------------------------------------------- measure
# Other work on the machine skews the times (oomlens uses one thread per core).
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg 2> /dev/null || echo "?")
log "timing grep -c 'class,load' (best of $RUNS)"
GREP_S=$(best_of run_grep)
GREP_COUNT=$(cat "$TMP/grep.out")

log "timing awk family count (best of $RUNS)"
AWK_S=$(best_of run_awk)

log "timing oomlens classes --format json (best of $RUNS)"
OOMLENS_S=$(best_of run_oomlens)
OOMLENS_RC=$(cat "$TMP/oomlens.rc")
if [ "$OOMLENS_RC" -ne 0 ]; then
    echo "warning: oomlens exited with status $OOMLENS_RC (1 = no leak found); stderr tail:" >&2
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
    "$TIME_BIN" -v -o "$TMP/time.txt" "$BIN" classes --format json "$LOG" > "$TMP/out-rss.json" 2> /dev/null || true
    PEAK_KB=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$TMP/time.txt")
else
    log "measuring peak RSS by polling /proc/PID/status (VmHWM)"
    "$BIN" classes --format json "$LOG" > "$TMP/out-rss.json" 2> /dev/null &
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
# Prints: loaded expected leaks_found family_counts other_leaks verdict
cat > "$TMP/check.py" << 'EOF'
import json, sys
with open(sys.argv[2]) as f:
    gen = json.load(f)
want = gen["leaks"]  # library -> loads the generator wrote
try:
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    rep = doc["reports"][0]
    fams = rep["families"]
except Exception as e:  # unparsable or wrong shape
    print(-1, gen["loads"], 0, "invalid-json(%s)" % type(e).__name__, "-", "-")
    sys.exit(0)
found = 0
exact = True
for lib in ("Orika", "cglib", "Groovy"):
    hits = [f for f in fams if f.get("library") == lib and f.get("leak")]
    if hits:
        found += 1
        if sum(f.get("loaded", 0) for f in hits) != want[lib]:
            exact = False
    else:
        exact = False
others = sorted({f.get("library") or f.get("pattern") for f in fams
                 if f.get("leak") and f.get("library") not in ("Orika", "cglib", "Groovy")})
v = rep.get("verdict", {})
print(rep.get("loaded", -1), gen["loads"], found, "match" if exact else "MISMATCH",
      ",".join(o.replace(" ", "_") for o in others) or "none",
      (v.get("library") or "none").replace(" ", "_") if v.get("leak") else "no-leak")
EOF
CHECK=$(python3 "$TMP/check.py" "$TMP/out.json" "$SUMMARY" || echo "-1 -1 0 checker-error - -")
read -r LOADED EXPECTED LEAKS FAM_CHECK OTHER_LEAKS VERDICT <<< "$CHECK"
LEAK_LOADS=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["leaks"]; print("Orika=%d cglib=%d Groovy=%d" % (l["Orika"], l["cglib"], l["Groovy"]))' "$SUMMARY")

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
RATIO=$(ratio "$OOMLENS_S" "$GREP_S")
RATIO_AWK=$(ratio "$OOMLENS_S" "$AWK_S")
PEAK_MIB=$(awk -v k="$PEAK_KB" 'BEGIN { printf "%.1f", k / 1024 }')
mibs() { awk -v s="$1" -v m="$SIZE_MIB" 'BEGIN { if (s > 0) printf "%.0f", m / s; else print "inf" }'; }

status=0
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
ok_ratio=$(awk -v r="$RATIO" -v m="$MAX_RATIO" 'BEGIN { print (r != "inf" && r + 0 <= m) ? 1 : 0 }')
ok_leaks=0
if [ "$LEAKS" -eq 3 ]; then ok_leaks=1; fi
ok_loaded=0
if [ "$LOADED" -eq "$EXPECTED" ] && [ "$GREP_COUNT" -eq "$EXPECTED" ]; then ok_loaded=1; fi
ok_rss=$(awk -v k="$PEAK_KB" -v m="$MAX_RSS_MIB" 'BEGIN { print (k > 0 && k < m * 1024) ? 1 : 0 }')
ok_rc=0
if [ "$OOMLENS_RC" -eq 0 ]; then ok_rc=1; fi
for v in "$ok_ratio" "$ok_leaks" "$ok_loaded" "$ok_rss" "$ok_rc"; do
    if [ "$v" != 1 ]; then status=1; fi
done

row() { printf '%-30s %16s   %-10s %s\n' "$@"; }
echo
echo "oomlens classes benchmark: $(basename "$LOG") (${SIZE_MIB} MiB), best of ${RUNS}"
row "metric" "value" "floor" "result"
row "------------------------------" "----------------" "----------" "------"
row "grep -c seconds" "$GREP_S" "" "($(mibs "$GREP_S") MiB/s)"
row "awk family count seconds" "$AWK_S" "" "($(mibs "$AWK_S") MiB/s)"
row "oomlens seconds" "$OOMLENS_S" "" "($(mibs "$OOMLENS_S") MiB/s)"
row "ratio oomlens/grep" "$RATIO" "<= $MAX_RATIO" "$(verdict "$ok_ratio")"
row "ratio oomlens/awk" "$RATIO_AWK" "" "(info)"
row "oomlens peak RSS MiB" "$PEAK_MIB" "< $MAX_RSS_MIB" "$(verdict "$ok_rss")"
row "leaks found (Orika,cglib,Groovy)" "$LEAKS/3" "all" "$(verdict "$ok_leaks")"
row "loaded: oomlens/generator" "$LOADED/$EXPECTED" "equal" "$(verdict "$ok_loaded")"
row "grep -c 'class,load'" "$GREP_COUNT" "" "(info, = generator)"
row "leak family loads vs gen" "$FAM_CHECK" "" "(info: $LEAK_LOADS)"
row "other leaks reported" "$OTHER_LEAKS" "" "(info)"
row "verdict library" "$VERDICT" "" "(info)"
row "oomlens exit status" "$OOMLENS_RC" "0" "$(verdict "$ok_rc")"
row "load average before/after" "$LOAD_BEFORE/$(cut -d' ' -f1 /proc/loadavg 2> /dev/null || echo "?")" "" "(info, $(nproc 2> /dev/null || echo "?") cpus)"
echo
echo "awk top families (loads):"
sed 's/^/  /' "$TMP/awk.out"
echo
if [ "$status" -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit "$status"
