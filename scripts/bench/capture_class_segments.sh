#!/usr/bin/env bash
# Captures real JDK 17 class-loading logs for the class-log benchmark: runs
# tests/jvm's ClassZoo (javassist, cglib, LambdaMetafactory, hidden classes,
# java.lang.reflect.Proxy, Groovy) RUNS times with different seeds, each for
# SECONDS, with `-Xlog:class+load,class+unload` and the default decorations
# (uptime, level, tags), into OUTDIR/zoo-<seed>.log.
#
# Usage: scripts/bench/capture_class_segments.sh OUTDIR [RUNS] [SECONDS]   (defaults 3, 60)
#
# build_class_log.py then concatenates the segments into a log of any size.
set -euo pipefail
OUT="${1:?usage: $0 OUTDIR [RUNS] [SECONDS]}"
RUNS="${2:-3}"
SECONDS_PER_RUN="${3:-60}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CP="$("$ROOT/scripts/capture/jvm-build.sh")"
mkdir -p "$OUT"
for ((seed = 1; seed <= RUNS; seed++)); do
    log="$OUT/zoo-$seed.log"
    rm -f "$log"
    printf '==> ClassZoo --seed %s --seconds %s -> %s\n' "$seed" "$SECONDS_PER_RUN" "$log" >&2
    java --add-opens java.base/java.lang=ALL-UNNAMED -Xmx256m \
        "-Xlog:class+load,class+unload:file=$log" \
        -cp "$CP" oomlens.demo.ClassZoo --seed "$seed" --seconds "$SECONDS_PER_RUN" >&2
done
