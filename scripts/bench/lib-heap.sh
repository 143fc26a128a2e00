# The setup the heap and JVM benchmarks share, sourced (never run) by
# heap.sh, heap-diff.sh, heap-retained.sh and jcmd.sh: where the work tree
# and the build are, the oomlens binary (built unless BENCH_BIN names one),
# GNU time, a temporary folder removed on exit with the JVM a script
# started, the benchmark heap dump (found, or made by HeapBench and
# `jcmd PID GC.heap_dump`) and a timed run.
#
# After sourcing: SCRIPT_DIR, ROOT, TARGET_DIR (CARGO_TARGET_DIR honoured),
# and the functions below. A script that starts a JVM sets JPID to its pid
# so the exit removes it.

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
# `set -e` holds inside $(...) too: a failed `measure` there ends the script.
shopt -s inherit_errexit
TMP=""
JPID=""

log() { printf '==> %s\n' "$*" >&2; }

# Sets BIN: BENCH_BIN when set, else the oomlens of cargo profile $1
# (`profiling` or `release`), built first.
bench_bin() {
    local profile="$1"
    BIN="${BENCH_BIN:-}"
    if [ -z "$BIN" ]; then
        log "building oomlens (cargo build --profile $profile -p oomlens)"
        (cd "$ROOT" && cargo build --profile "$profile" -p oomlens)
        BIN="$TARGET_DIR/$profile/oomlens"
    fi
    [ -x "$BIN" ] || { echo "no oomlens binary at $BIN" >&2; exit 2; }
}

# Exits 2 unless GNU time is at /usr/bin/time.
need_gnu_time() {
    [ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
}

# Exits 2 unless java, javac and jcmd are on PATH.
need_jdk() {
    command -v java >/dev/null && command -v javac >/dev/null && command -v jcmd >/dev/null \
        || { echo "needs OpenJDK 17 (java, javac, jcmd)" >&2; exit 2; }
}

_bench_cleanup() {
    if [ -n "$JPID" ]; then kill -9 "$JPID" 2>/dev/null || true; wait "$JPID" 2>/dev/null || true; fi
    [ -z "$TMP" ] || rm -rf "$TMP"
}

# Sets TMP to a new temporary folder named after $1; on exit (or INT, TERM)
# it is removed and the JVM in JPID, if any, killed.
bench_tmp() {
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/oomlens-bench-$1.XXXXXX")"
    trap _bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# Sets DUMP to $2/heap-bench-$1.hprof, the dump of HeapBench with $1
# records (13300000: about 43 M objects, 2.55 GiB), made there first when
# it is not (a few minutes; needs bench_tmp and the JDK).
bench_dump() {
    local records="$1" dir="$2"
    DUMP="$dir/heap-bench-$records.hprof"
    [ -s "$DUMP" ] && return
    need_jdk
    log "making $DUMP: HeapBench $records, then jcmd GC.heap_dump (a few minutes)"
    mkdir -p "$dir" "$TMP/classes"
    javac -d "$TMP/classes" "$SCRIPT_DIR/java/HeapBench.java"
    java -Xmx8g -XX:+UseParallelGC -cp "$TMP/classes" HeapBench "$records" > "$TMP/jvm.out" 2>&1 &
    JPID=$!
    for _ in $(seq 1200); do
        grep -q '^ready' "$TMP/jvm.out" 2>/dev/null && break
        kill -0 "$JPID" 2>/dev/null || break
        sleep 0.5
    done
    grep -q '^ready' "$TMP/jvm.out" || { echo "HeapBench did not start" >&2; cat "$TMP/jvm.out" >&2; exit 2; }
    jcmd "$JPID" GC.heap_dump "$DUMP.part" >&2
    mv "$DUMP.part" "$DUMP"
    kill -9 "$JPID"; wait "$JPID" 2>/dev/null || true; JPID=""
}

# Runs a command under GNU time, its output to $1; prints "seconds kib"
# (wall time, peak RSS). A failed command ends the script (exit 2).
measure() {
    local out="$1"; shift
    /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" > "$out" 2> "$TMP/stderr" || {
        echo "failed: $*" >&2; cat "$TMP/stderr" >&2; exit 2; }
    tail -n 1 "$TMP/time"
}
