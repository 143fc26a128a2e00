#!/usr/bin/env bash
# Retained sizes and leak suspects: `oomlens heap --retained` against
# `hprof-analyzer` (crates.io 0.3.2, `cargo install --locked hprof-analyzer
# --version 0.3.2`) on the same dump, one after the other in one go, page
# cache warmed first (`cat` of the dump, timed as the floor of any reader).
# Wall time and peak RSS of each (GNU time), and the ratios.
#
# The dump: the path given, or one made by scripts/bench/java/HeapBench.java
# (RECORDS records, ~3.3 objects each; the default 13,300,000 gives ~43
# million objects, ~2.55 GiB) with `jcmd PID GC.heap_dump`, kept at
# $DUMP_DIR/heap-bench-RECORDS.hprof for the next run: the dump heap.sh
# makes and keeps.
#
# Usage: scripts/bench/heap-retained.sh [DUMP.hprof]
#
# Environment:
#   RECORDS=N         records of the generated dump (default 13300000, as heap.sh)
#   DUMP_DIR=DIR      where a generated dump is kept (default bench-out/, as heap.sh)
#   BENCH_BIN=PATH    the oomlens binary (default: target/release/oomlens, built)
#   ANALYZER=PATH     hprof-analyzer (default: from PATH)
#   BENCH_BEFORE=PATH an older oomlens binary, run right after this one on
#                     the same dump (its time and peak RSS printed beside);
#                     with it, a missing hprof-analyzer only skips the floors
#                     (exit 2)
#
# Floors (exit 1 when missed): oomlens at least 4x faster than
# hprof-analyzer, with at most half its peak RSS.
set -euo pipefail

RECORDS="${RECORDS:-13300000}"
. "$(dirname "${BASH_SOURCE[0]}")/lib-heap.sh"
DUMP_DIR="${DUMP_DIR:-$ROOT/bench-out}"

need_gnu_time
ANALYZER="${ANALYZER:-$(command -v hprof-analyzer || true)}"
BEFORE="${BENCH_BEFORE:-}"
[ -n "$ANALYZER" ] || [ -n "$BEFORE" ] || {
    echo "needs hprof-analyzer: cargo install --locked hprof-analyzer --version 0.3.2" >&2
    exit 2
}
bench_bin release
bench_tmp heap-retained

DUMP="${1:-}"
if [ -z "$DUMP" ]; then
    bench_dump "$RECORDS" "$DUMP_DIR"
fi
[ -s "$DUMP" ] || { echo "no dump at $DUMP" >&2; exit 2; }

log "warming the page cache"
r=$(measure /dev/null cat "$DUMP")
cat_s=${r% *}
ha_s=""
if [ -n "$ANALYZER" ]; then
    log "hprof-analyzer (retained sizes, leak suspects)"
    r=$(measure /dev/null "$ANALYZER" "$DUMP" "$TMP/report.json")
    ha_s=${r% *}; ha_kib=${r#* }
fi
log "oomlens heap --retained"
r=$(measure /dev/null "$BIN" heap --retained --format json "$DUMP")
ol_s=${r% *}; ol_kib=${r#* }
if [ -n "$BEFORE" ]; then
    log "oomlens heap --retained, older build ($BEFORE)"
    r=$(measure /dev/null "$BEFORE" heap --retained --format json "$DUMP")
    ob_s=${r% *}; ob_kib=${r#* }
fi

size=$(stat -L -c %s "$DUMP")
printf '%s: %.2f GiB; load %s\n' "$DUMP" "$(echo "$size / 1073741824" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %9s %12s\n' tool seconds "peak MiB"
printf '%-16s %9.2f %12s\n' cat "$cat_s" -
[ -z "$ha_s" ] || printf '%-16s %9.2f %12d\n' hprof-analyzer "$ha_s" $((ha_kib / 1024))
printf '%-16s %9.2f %12d\n' oomlens "$ol_s" $((ol_kib / 1024))
[ -z "$BEFORE" ] || printf '%-16s %9.2f %12d\n' "oomlens before" "$ob_s" $((ob_kib / 1024))
if [ -z "$ha_s" ]; then
    echo "hprof-analyzer not found: floors not checked" >&2
    exit 2
fi
speed=$(echo "$ha_s / $ol_s" | bc -l)
mem=$(echo "$ol_kib / $ha_kib" | bc -l)
printf 'speed: oomlens %.2fx faster (floor 4x); memory: %.2f of hprof-analyzer'"'"'s (floor 0.50)\n' "$speed" "$mem"
fail=0
[ "$(echo "$speed >= 4" | bc)" = 1 ] || { echo "FLOOR MISSED: speed" >&2; fail=1; }
[ "$(echo "$mem <= 0.5" | bc)" = 1 ] || { echo "FLOOR MISSED: memory" >&2; fail=1; }
exit "$fail"
