#!/usr/bin/env bash
# Benchmark `oomlens scan` against a real Prometheus holding a large fleet.
#
# Usage: scripts/bench/scan.sh [--containers N] [--days D]     (default 10000 x 7)
#
# 1. Generates cAdvisor and kube-state-metrics series for N containers over D
#    days at one-minute resolution (gen_scan_metrics.rs, compiled with rustc -O;
#    7 or 8 series per container: 10000 x 7 d is about 710 million samples),
#    in 18-hour shards that promtool backfills (two at a time) into
#    non-overlapping blocks.
# 2. Starts `prometheus` on those blocks (no scrape targets, blocks kept at
#    18 h so no compaction runs during the scan) and waits for /-/ready.
# 3. Runs `oomlens scan --window Dd --at <end of data> -f json` BENCH_RUNS times
#    (default 3) and keeps the best time; measures oomlens' peak RSS
#    (/usr/bin/time -v) and the server's peak RSS during each scan (VmHWM of
#    /proc/<pid>/status, reset through clear_refs before each scan; it counts
#    the mapped block files too, so RssAnon is also polled every 0.1 s).
# 4. Checks the answer against the generator's truth: which containers are
#    at risk (OOM-killed in the window, or leaking to their limit within it;
#    not the pods replaced before the end) and that the killed ones rank
#    first.
# 5. Accuracy: for each leak at risk, the predicted time to the limit over
#    the time until its peaks really reach it (its first OOM kill, from the
#    generator); prints the median and quartiles of that ratio (1.0 is
#    exact, above 1 is late). With BENCH_BEFORE=<another oomlens binary>,
#    the same scan by that binary runs next to it and its ratio is printed
#    beside (accuracy, not speed: the two need not share a quiet machine).
#
# Environment:
#   BENCH_KEEP=1     keep the TSDB in bench-out/scan-<N>-<D>d/ and reuse it next time
#                    (the scan then runs --at the time the data ends)
#   BENCH_JOBS=J     shards backfilled at once (default 2)
#   BENCH_RUNS=R     timed scans, best kept (default 3)
#   CARGO_TARGET_DIR honoured when locating the profiling binary
#   BENCH_BIN=PATH   scan with this binary instead of building the profiling one
#   BENCH_BEFORE=PATH  also scan with this binary (an older build) for the accuracy
#
# Floors (exit 1 if any fails): scan time <= 60 s, queries <= 20, oomlens peak
# RSS <= 256 MiB, oomlens exit status 0, every container at risk found and
# nothing else flagged at risk, the killed containers ranked first.
set -euo pipefail

CONTAINERS=10000
DAYS=7
while [ $# -gt 0 ]; do
    case "$1" in
        --containers) CONTAINERS="$2"; shift 2 ;;
        --days) DAYS="$2"; shift 2 ;;
        *) echo "usage: $0 [--containers N] [--days D]" >&2; exit 2 ;;
    esac
done
JOBS="${BENCH_JOBS:-2}"
RUNS="${BENCH_RUNS:-3}"
MAX_SCAN_S=60
MAX_QUERIES=20
MAX_RSS_MIB=256
SHARD_S=$((18 * 3600))

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
BIN="${BENCH_BIN:-$TARGET_DIR/profiling/oomlens}"

for prog in prometheus promtool rustc python3; do
    command -v "$prog" > /dev/null || { echo "error: $prog not found (Debian: apt-get install prometheus)" >&2; exit 2; }
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/oomlens-bench-scan.XXXXXX")"
PROM_PID=""
cleanup() {
    if [ -n "$PROM_PID" ]; then kill "$PROM_PID" 2> /dev/null || true; wait "$PROM_PID" 2> /dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }
now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# ---------------------------------------------------------------- build
if [ -z "${BENCH_BIN:-}" ]; then
    log "building profiling binary (cargo build --profile profiling -p oomlens)"
    (cd "$ROOT" && cargo build --profile profiling -p oomlens)
fi
GEN="$TMP/gen_scan_metrics"
rustc --edition 2021 -O -o "$GEN" "$SCRIPT_DIR/gen_scan_metrics.rs"

# ---------------------------------------------------------------- data
if [ "${BENCH_KEEP:-0}" = "1" ]; then
    STORE="$ROOT/bench-out/scan-${CONTAINERS}-${DAYS}d"
else
    STORE="$TMP/store"
fi
DATA="$STORE/data"
BACKFILL_S="(reused)"
SAMPLES=""
if [ -f "$STORE/complete" ]; then
    END=$(cat "$STORE/end")
    SAMPLES=$(cat "$STORE/samples")
    log "reusing $STORE (data ends at $END)"
else
    rm -rf "$STORE"
    mkdir -p "$DATA"
    END=$(( $(date +%s) / 60 * 60 ))
    START=$((END - DAYS * 86400))
    FIRST=$((START / SHARD_S * SHARD_S))
    SHARDS=()
    for ((a = FIRST; a <= END; a += SHARD_S)); do SHARDS+=("$a"); done
    log "generating and backfilling ${CONTAINERS} containers x ${DAYS} d at 1 min: ${#SHARDS[@]} shards of 18 h, ${JOBS} at a time"
    export GEN CONTAINERS DAYS END SHARD_S TMP DATA
    shard() {
        local a="$1" b=$(( $1 + SHARD_S )) f="$TMP/shard-$1.om" out="$TMP/out-$1"
        "$GEN" --containers "$CONTAINERS" --days "$DAYS" --end "$END" --from "$a" --to "$b" > "$f" 2> "$f.log"
        mkdir -p "$out" "$TMP/tmp-$1"
        # promtool keeps its head chunks in TMPDIR.
        TMPDIR="$TMP/tmp-$1" promtool tsdb create-blocks-from openmetrics --max-block-duration=18h -q "$f" "$out" > "$out.log" 2>&1 \
            || { cat "$out.log" >&2; return 1; }
        rm -f "$f"
        mv "$out"/*/ "$DATA"/ 2> /dev/null || true
        rm -rf "$out" "$TMP/tmp-$1"
        sed -n 's/^gen_scan_metrics: \([0-9]*\) samples.*/\1/p' "$f.log"
    }
    export -f shard
    T0=$(now_ns)
    printf '%s\n' "${SHARDS[@]}" | xargs -P "$JOBS" -I{} bash -c 'shard {}' > "$TMP/samples.txt"
    BACKFILL_S=$(secs_since "$T0")
    SAMPLES=$(awk '{ s += $1 } END { print s }' "$TMP/samples.txt")
    "$GEN" --containers "$CONTAINERS" --days "$DAYS" --end "$END" --summary > "$STORE/truth.json"
    echo "$END" > "$STORE/end"
    echo "$SAMPLES" > "$STORE/samples"
    touch "$STORE/complete"
    log "backfilled $SAMPLES samples in ${BACKFILL_S} s ($(du -sh "$DATA" | cut -f1) of blocks)"
fi

# ---------------------------------------------------------------- server
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' > "$TMP/prometheus.yml"
log "starting prometheus on 127.0.0.1:$PORT"
T0=$(now_ns)
prometheus --storage.tsdb.path="$DATA" --web.listen-address="127.0.0.1:$PORT" \
    --config.file="$TMP/prometheus.yml" --storage.tsdb.retention.time=3650d \
    --storage.tsdb.max-block-duration=18h > "$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 1200); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('$URL/-/ready', timeout=2)" 2> /dev/null; then break; fi
    kill -0 "$PROM_PID" 2> /dev/null || { cat "$TMP/prometheus.log" >&2; echo "error: prometheus exited" >&2; exit 1; }
    sleep 0.25
done
STARTUP_S=$(secs_since "$T0")
log "prometheus ready in ${STARTUP_S} s"
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PROM_PID/status"; }

# ---------------------------------------------------------------- scan
BEST=""
OOMLENS_RSS_KB=0
PROM_HWM_KB=0
OOMLENS_RC=0
PROM_ANON_KB=0
PROM_RSS_BEFORE_KB=$(status_kb VmRSS)
for ((i = 1; i <= RUNS; i++)); do
    # Reset the server's peak RSS to its current RSS (Linux 4.0+).
    echo 5 > "/proc/$PROM_PID/clear_refs" 2> /dev/null || true
    # VmHWM counts the blocks' chunk files the server maps (file pages, which
    # the kernel can drop); its own heap is RssAnon, polled while oomlens runs.
    (
        peak=0
        while [ ! -e "$TMP/scan.done" ]; do
            a=$(status_kb RssAnon)
            if [ -n "$a" ] && [ "$a" -gt "$peak" ]; then peak=$a; echo "$peak" > "$TMP/anon.kb"; fi
            sleep 0.1
        done
    ) &
    POLL=$!
    rm -f "$TMP/scan.done"
    T0=$(now_ns)
    rc=0
    /usr/bin/time -v -o "$TMP/time.txt" "$BIN" scan --prometheus "$URL" --window "${DAYS}d" --at "$END" -f json \
        > "$TMP/scan.json" 2> "$TMP/scan.err" || rc=$?
    T1=$(now_ns)
    touch "$TMP/scan.done"
    wait "$POLL" || true
    anon=$(cat "$TMP/anon.kb" 2> /dev/null || echo 0)
    if [ "$anon" -gt "$PROM_ANON_KB" ]; then PROM_ANON_KB=$anon; fi
    if [ "$rc" -ne 0 ]; then OOMLENS_RC=$rc; fi
    dt=$((T1 - T0))
    if [ -z "$BEST" ] || [ "$dt" -lt "$BEST" ]; then BEST=$dt; fi
    kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$TMP/time.txt")
    if [ "$kb" -gt "$OOMLENS_RSS_KB" ]; then OOMLENS_RSS_KB=$kb; fi
    hwm=$(status_kb VmHWM)
    if [ "$hwm" -gt "$PROM_HWM_KB" ]; then PROM_HWM_KB=$hwm; fi
    log "scan $i: $(awk -v n="$dt" 'BEGIN { printf "%.2f", n / 1e9 }') s, exit $rc, oomlens ${kb} kB, prometheus VmHWM ${hwm} kB"
done
if [ "$OOMLENS_RC" -ne 0 ]; then
    echo "oomlens exited with $OOMLENS_RC:" >&2
    tail -n 20 "$TMP/scan.err" >&2
fi
SCAN_S=$(awk -v n="$BEST" 'BEGIN { printf "%.2f", n / 1e9 }')

# ---------------------------------------------------------------- check
cat > "$TMP/check.py" << 'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print("0 0 0 0 0 0 invalid-json")
    sys.exit(0)
truth = json.load(open(sys.argv[2]))
cs = doc["containers"]
key = lambda c: "%s/%s/%s" % (c["namespace"], c["pod"], c["container"])
flagged = {key(c) for c in cs if c["at_risk"]}
want = set(truth["at_risk"])
killed = {k for k, _ in truth["killed"]}
top = [key(c) for c in cs[:len(killed)]]
killed_first = sum(1 for k in top if k in killed)
slowest = max((q["seconds"] for q in doc["queries"]), default=0)
print(len(doc["queries"]), len(cs), len(want & flagged), len(want), len(flagged - want),
      "%d/%d" % (killed_first, len(killed)), "%.2f" % slowest)
EOF
read -r QUERIES SCANNED FOUND WANT EXTRA KILLED_FIRST SLOWEST <<< \
    "$(python3 "$TMP/check.py" "$TMP/scan.json" "$STORE/truth.json" || echo "0 0 0 0 0 0/0 0")"

# ---------------------------------------------------------------- accuracy
cat > "$TMP/accuracy.py" << 'EOF2'
import json, sys
truth = json.load(open(sys.argv[2]))
first = dict(truth.get("first_oom", []))
try:
    cs = json.load(open(sys.argv[1]))["containers"]
except Exception:
    print("- - - 0/0"); sys.exit(0)
ttl = {"%s/%s/%s" % (c["namespace"], c["pod"], c["container"]): c["time_to_limit_seconds"] for c in cs}
r = sorted(ttl[k] / v for k, v in first.items() if v > 0 and ttl.get(k) is not None)
q = lambda p: "%.2f" % r[min(len(r) - 1, int(p * len(r)))] if r else "-"
print(q(0.5), q(0.25), q(0.75), "%d/%d" % (len(r), len(first)))
EOF2
read -r ACC_MED ACC_Q1 ACC_Q3 ACC_N <<< "$(python3 "$TMP/accuracy.py" "$TMP/scan.json" "$STORE/truth.json")"
BEFORE_ACC=""
if [ -n "${BENCH_BEFORE:-}" ]; then
    "$BENCH_BEFORE" scan --prometheus "$URL" --window "${DAYS}d" --at "$END" -f json > "$TMP/before.json" 2> /dev/null || true
    read -r B_MED B_Q1 B_Q3 B_N <<< "$(python3 "$TMP/accuracy.py" "$TMP/before.json" "$STORE/truth.json")"
    BEFORE_ACC="$B_MED ($B_Q1 to $B_Q3, $B_N)"
    B_EXTRA=$(python3 - "$TMP/before.json" "$STORE/truth.json" << 'EOF2'
import json, sys
cs = json.load(open(sys.argv[1]))["containers"]
want = set(json.load(open(sys.argv[2]))["at_risk"])
print(sum(1 for c in cs if c["at_risk"] and "%s/%s/%s" % (c["namespace"], c["pod"], c["container"]) not in want))
EOF2
)
fi

# ---------------------------------------------------------------- report
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
ok_time=$(awk -v s="$SCAN_S" -v m="$MAX_SCAN_S" 'BEGIN { print (s + 0 <= m) ? 1 : 0 }')
ok_queries=$([ "$QUERIES" -gt 0 ] && [ "$QUERIES" -le "$MAX_QUERIES" ] && echo 1 || echo 0)
ok_rss=$(awk -v k="$OOMLENS_RSS_KB" -v m="$MAX_RSS_MIB" 'BEGIN { print (k > 0 && k <= m * 1024) ? 1 : 0 }')
ok_rc=$([ "$OOMLENS_RC" -eq 0 ] && echo 1 || echo 0)
ok_found=$([ "$FOUND" -eq "$WANT" ] && [ "$EXTRA" -eq 0 ] && [ "$WANT" -gt 0 ] && echo 1 || echo 0)
ok_first=$([ "${KILLED_FIRST%/*}" = "${KILLED_FIRST#*/}" ] && echo 1 || echo 0)
status=0
for v in "$ok_time" "$ok_queries" "$ok_rss" "$ok_rc" "$ok_found" "$ok_first"; do
    if [ "$v" != 1 ]; then status=1; fi
done

echo
echo "oomlens scan benchmark: ${CONTAINERS} containers x ${DAYS} d at 1 min (${SAMPLES} samples), best of ${RUNS}"
printf '%-34s %16s   %-10s %s\n' "metric" "value" "floor" "result"
printf '%-34s %16s   %-10s %s\n' "----------------------------------" "----------------" "----------" "------"
printf '%-34s %16s   %-10s %s\n' "generate + backfill seconds" "$BACKFILL_S" "" "(info)"
printf '%-34s %16s   %-10s %s\n' "prometheus startup seconds" "$STARTUP_S" "" "(info)"
printf '%-34s %16s   %-10s %s\n' "scan seconds" "$SCAN_S" "<= $MAX_SCAN_S" "$(verdict "$ok_time")"
printf '%-34s %16s   %-10s %s\n' "slowest query seconds" "$SLOWEST" "" "(info)"
printf '%-34s %16s   %-10s %s\n' "queries" "$QUERIES" "<= $MAX_QUERIES" "$(verdict "$ok_queries")"
printf '%-34s %16s   %-10s %s\n' "containers ranked" "$SCANNED" "" "(info)"
printf '%-34s %16s   %-10s %s\n' "oomlens peak RSS MiB" "$(mib "$OOMLENS_RSS_KB")" "<= $MAX_RSS_MIB" "$(verdict "$ok_rss")"
printf '%-34s %16s   %-10s %s\n' "prometheus RSS before scan MiB" "$(mib "$PROM_RSS_BEFORE_KB")" "" "(info)"
printf '%-34s %16s   %-10s %s\n' "prometheus peak RSS in scans MiB" "$(mib "$PROM_HWM_KB")" "" "(info)"
printf '%-34s %16s   %-10s %s\n' "  of which anonymous (heap) MiB" "$(mib "$PROM_ANON_KB")" "" "(info, polled)"
printf '%-34s %16s   %-10s %s\n' "oomlens exit status" "$OOMLENS_RC" "0" "$(verdict "$ok_rc")"
printf '%-34s %16s   %-10s %s\n' "at risk found/expected, extra" "$FOUND/$WANT, $EXTRA" "all, 0" "$(verdict "$ok_found")"
printf '%-34s %16s   %-10s %s\n' "killed ranked first" "$KILLED_FIRST" "all" "$(verdict "$ok_first")"
printf '%-34s %16s   %-10s %s\n' "time to limit / first OOM, median" "$ACC_MED" "" "(info: quartiles $ACC_Q1 to $ACC_Q3, $ACC_N leaks)"
if [ -n "$BEFORE_ACC" ]; then
    printf '%-34s %16s   %-10s %s\n' "  the same by BENCH_BEFORE" "$B_MED" "" "(info: $BEFORE_ACC; $B_EXTRA flagged at risk wrongly)"
fi
echo
if [ "$status" -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit "$status"
