#!/usr/bin/env bash
# The round trip of `oomlens jcmd PID VM.version` against the JDK's
# `jcmd PID VM.version` (and `jattach PID jcmd VM.version` when jattach is
# installed: Debian package `jattach`), side by side on the same running JVM
# (tests/jvm's idle program), interleaved: rounds of hyperfine blocks, the
# commands in turn, when hyperfine is there, else a loop alternating them. Each command is
# checked to print the JVM's version first. Prints each median and the
# ratio jcmd / oomlens.
#
# Usage: scripts/bench/jcmd.sh [RUNS]          (default 30 per command)
#
# Environment:
#   BENCH_BIN=PATH    the oomlens binary (default: target/profiling/oomlens, built)
#   CARGO_TARGET_DIR  honoured when locating the profiling binary
#
# Floor (exit 1 when missed): the oomlens median under 200 ms.
set -euo pipefail

RUNS="${1:-30}"
if ! [[ "$RUNS" =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 3 ]; then
    echo "usage: $0 [RUNS>=3]" >&2
    exit 2
fi
FLOOR_MS=200

. "$(dirname "${BASH_SOURCE[0]}")/lib-heap.sh"

bench_bin profiling
command -v java >/dev/null && command -v jcmd >/dev/null \
    || { echo "needs OpenJDK 17 (java, jcmd)" >&2; exit 2; }
bench_tmp jcmd

CP="$("$ROOT/scripts/capture/jvm-build.sh")"
java -Xmx32m -XX:+UseSerialGC -cp "$CP" oomlens.demo.Idle > "$TMP/jvm.out" 2>&1 &
JPID=$!
for _ in $(seq 300); do grep -q '^ready' "$TMP/jvm.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' "$TMP/jvm.out" || { echo "the JVM did not start" >&2; exit 2; }
log "JVM $JPID ($(java -version 2>&1 | head -1))"

names=(oomlens jcmd)
cmds=("$BIN jcmd $JPID VM.version" "jcmd $JPID VM.version")
if command -v jattach >/dev/null; then
    names+=(jattach)
    cmds+=("jattach $JPID jcmd VM.version")
fi
# Each must work (this also opens the attach listener, so every timed run is
# the same round trip: connect, request, reply).
for i in "${!cmds[@]}"; do
    out="$(${cmds[$i]} 2>&1)" || { echo "${names[$i]} failed: $out" >&2; exit 2; }
    grep -q 'OpenJDK 64-Bit Server VM version' <<<"$out" \
        || { echo "${names[$i]} printed: $out" >&2; exit 2; }
done
log "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

declare -A median_ms
ROUNDS=5
if command -v hyperfine >/dev/null; then
    # hyperfine times one command's runs in a block: $ROUNDS rounds of
    # blocks, the commands in turn in each, so load that comes and goes
    # falls on all of them; the medians are over every run of every round.
    per=$(( (RUNS + ROUNDS - 1) / ROUNDS ))
    log "hyperfine, $ROUNDS rounds x $per runs each, the commands in turn"
    args=()
    for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    for r in $(seq "$ROUNDS"); do
        hyperfine -N --warmup 2 --runs "$per" --style none --export-json "$TMP/h$r.json" "${args[@]}" >/dev/null 2>&1
    done
    while read -r name ms; do median_ms[$name]=$ms; done < <(
        python3 -c 'import json,sys,statistics
times = {}
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
for n, t in times.items():
    print(n, "%.1f" % (statistics.median(t) * 1000))' "$TMP"/h*.json)
else
    log "a loop, $RUNS rounds, the commands alternating (fork and date included in every time)"
    for _ in $(seq "$RUNS"); do
        for i in "${!cmds[@]}"; do
            s=$(date +%s%N); ${cmds[$i]} > /dev/null 2>&1; e=$(date +%s%N)
            echo "$(( (e - s) / 1000 ))" >> "$TMP/${names[$i]}.us"
        done
    done
    for n in "${names[@]}"; do
        median_ms[$n]=$(sort -n "$TMP/$n.us" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m / 1000}')
    done
fi

echo
printf '%-10s %12s\n' command 'median ms'
for n in "${names[@]}"; do printf '%-10s %12s\n' "$n" "${median_ms[$n]}"; done
o=${median_ms[oomlens]}
awk -v o="$o" -v j="${median_ms[jcmd]}" 'BEGIN {printf "jcmd / oomlens: %.1fx\n", j / o}'
if [ -n "${median_ms[jattach]:-}" ]; then
    awk -v o="$o" -v j="${median_ms[jattach]}" 'BEGIN {printf "jattach / oomlens: %.2fx\n", j / o}'
fi
if awk -v o="$o" -v f="$FLOOR_MS" 'BEGIN {exit !(o < f)}'; then
    echo "floor: oomlens median $o ms < $FLOOR_MS ms: ok"
else
    echo "floor: oomlens median $o ms >= $FLOOR_MS ms: MISSED"
    exit 1
fi
