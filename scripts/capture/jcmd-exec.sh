#!/usr/bin/env bash
# Records what `jcmd` prints inside a JVM container, for the collect
# stand-in's exec answers (tests/fixtures/kube-api/exec/):
#
#   scripts/capture/jcmd-exec.sh OUTDIR
#
# Runs a small Java program (HeapHold, written below: it holds 96 MiB of
# 1 MiB buffers and sleeps, so it stays alive while recorded) under OpenJDK 17
# with the orders-api pod's flags (-XX:+UseSerialGC, JAVA_TOOL_OPTIONS
# -Xmx512m) plus -XX:NativeMemoryTracking=summary; then runs the JDK's own `jcmd -l` and
# `jcmd PID COMMAND` for every command of oomlens_live::attach::gather::ALL
# (listed below as the JDK spells them), each stdout and stderr and exit
# status into OUTDIR, and stops the JVM.
set -euo pipefail
out=${1:?OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/HeapHold.java" <<'JAVA'
import java.util.ArrayList;
import java.util.List;

public class HeapHold {
    public static void main(String[] args) throws Exception {
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < 96; i++) held.add(new byte[1 << 20]);
        System.out.println("HeapHold holding " + held.size() + " MiB");
        Thread.sleep(600_000);
    }
}
JAVA
javac -d "$work" "$work/HeapHold.java"
cd "$work"
JAVA_TOOL_OPTIONS=-Xmx512m java -XX:+UseSerialGC -XX:NativeMemoryTracking=summary -cp "$work" HeapHold >"$work/stdout" 2>&1 &
pid=$!
sleep 3
jcmd -l >"$out/jcmd-l.stdout" 2>"$out/jcmd-l.stderr"; echo $? >"$out/jcmd-l.exit"
while IFS='|' read -r file command; do
    # shellcheck disable=SC2086
    set +e; jcmd "$pid" $command >"$out/$file" 2>"$out/$file.stderr"; echo $? >"$out/$file.exit"; set -e
done <<'LIST'
VM.version.txt|VM.version
VM.command_line.txt|VM.command_line
VM.flags.txt|VM.flags
VM.native_memory-summary.txt|VM.native_memory summary
VM.metaspace.txt|VM.metaspace
VM.classloader_stats.txt|VM.classloader_stats
GC.heap_info.txt|GC.heap_info
GC.class_histogram.txt|GC.class_histogram
VM.class_hierarchy.txt|VM.class_hierarchy
LIST
echo "JVM pid $pid" >&2
