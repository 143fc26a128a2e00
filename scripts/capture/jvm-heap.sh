#!/usr/bin/env bash
# Captures what a user could collect about a JVM whose heap grows (or only
# seems to), run in a real memory cgroup shaped like a Kubernetes container:
#
#   scripts/capture/jvm-heap.sh SCENARIO OUTDIR
#
# SCENARIO (each about a minute at most):
#   leak-xmx-over-limit   HeapLeak, -Xmx400m in a 192 MiB container: the heap
#                         grows until the kernel kills the JVM (exit 137)
#   leak-xmx-under-limit  HeapLeak, -Xmx96m in a 256 MiB container: the JVM
#                         throws OutOfMemoryError: Java heap space
#   steady-sawtooth       HeapChurn (fixed 44 MiB working set, garbage per
#                         request), -Xmx96m in a 256 MiB container (the JVM
#                         picks the Serial collector there): the heap saws up
#                         to near its maximum and back, no leak; stopped with
#                         SIGTERM after 20 s
#   sized-over-limit      HeapChurn (24 MiB working set), -XX:+UseParallelGC
#                         -Xms8m -Xmx400m in a 144 MiB container: the heap
#                         after GC is flat, but the Parallel collector's
#                         adaptive sizing grows the young generation (the
#                         committed heap) into pages never touched before, so
#                         the resident set rises toward the limit; the kernel
#                         kills the JVM or it is stopped after 45 s
#   native-leak           NativeLeak (a java.util.zip.Deflater per request,
#                         never ended: zlib's malloc'd state, which Native
#                         Memory Tracking does not count), -Xms32m -Xmx64m in
#                         a 192 MiB container: the resident set grows while
#                         NMT's total stays flat, until the kernel kills the
#                         JVM
#   native-steady         NativeLeak --end true (the same work, each deflater
#                         ended), same container: resident set and NMT both
#                         flat; stopped with SIGTERM after 40 s
# Saved in OUTDIR:
#   gc.log          -Xlog:gc*:file=gc.log (decorators time,uptime,level,tags);
#                   GC_TAGS=gc logs the collections only (no [gc,init]
#                   header with the maximum heap)
#   histograms.txt  `date -Is` then `jcmd PID GC.class_histogram` (its first 30
#                   rows and the Total line: the rest is the JDK's own classes), every
#                   SNAPSHOT_EVERY seconds (default 2), appended as a shell
#                   loop does (`while :; do date -Is; jcmd $pid GC...; done`)
#   nmt.txt         `date -Is` then `jcmd PID VM.native_memory summary`, same
#   VM.flags.txt    `jcmd PID VM.flags` (once, first snapshot)
#   stdout.log      the program's stdout and stderr (OutOfMemoryError text)
#   kern.log        the kernel's OOM-killer report naming this container, as
#                   `dmesg --time-format iso` shows it right after the JVM
#                   ended; empty when the kernel did not kill it
#   metrics.om      when OOMLENS names the oomlens binary: `oomlens sample`
#                   of the container's cgroup every SAMPLE_EVERY (default
#                   500ms) while the JVM runs (working set, RSS, usage, limit)
#   facts.env       what was set up and what happened
# Exits 0 when the run ended as the scenario expects, 1 otherwise (outputs
# kept). Needs root, the cgroup v1 memory controller and OpenJDK 17 (java,
# javac, jcmd). Every cgroup created is removed on exit, also on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/capture/cgroup-lib.sh"
scenario=${1:?usage: $0 SCENARIO OUTDIR}
out=${2:?usage: $0 SCENARIO OUTDIR}
every=${SNAPSHOT_EVERY:-2}
root=/sys/fs/cgroup/memory
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -d "$root" ] && [ -w "$root" ] || { echo "no writable cgroup v1 memory controller at $root" >&2; exit 2; }

case "$scenario" in
  leak-xmx-over-limit)
    program=HeapLeak limit_mib=192 seconds=50 expect=kernel-oom-kill
    heap_opts="-Xmx400m" args="--kib 16 --sleep-ms 2 --every 2000" ;;
  leak-xmx-under-limit)
    program=HeapLeak limit_mib=256 seconds=50 expect=jvm-outofmemoryerror-heap
    heap_opts="-Xmx96m" args="--kib 8 --sleep-ms 2 --every 2000" ;;
  steady-sawtooth)
    program=HeapChurn limit_mib=256 seconds=20 expect=SIGTERM
    heap_opts="-Xmx96m" args="--live-mib 44 --kib 64 --sleep-ms 1 --every 20000" ;;
  sized-over-limit)
    program=HeapChurn limit_mib=144 seconds=45 expect=kernel-oom-kill-or-SIGTERM
    heap_opts="-XX:+UseParallelGC -Xms8m -Xmx400m" args="--live-mib 24 --kib 256 --sleep-ms 1 --every 20000" ;;
  native-leak)
    program=NativeLeak limit_mib=192 seconds=70 expect=kernel-oom-kill
    heap_opts="-Xms32m -Xmx64m" args="--threads 1 --sleep-ms 50 --every 100" ;;
  native-steady)
    program=NativeLeak limit_mib=192 seconds=40 expect=SIGTERM
    heap_opts="-Xms32m -Xmx64m" args="--threads 1 --sleep-ms 100 --every 100 --end true" ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac

# Only the classes the scenarios use, compiled with the JDK's javac.
classes=$(mktemp -d)
javac -d "$classes" "$here"/tests/jvm/src/oomlens/demo/{Service,HeapLeak,HeapChurn,NativeLeak}.java
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{gc.log,histograms.txt,nmt.txt,VM.flags.txt,stdout.log,kern.log,metrics.om,facts.env}

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
u=$(hex 16)
pod_uid="${u:0:8}-${u:8:4}-4${u:13:3}-8${u:17:3}-${u:20:12}"
cid=$(hex 32)
rel="kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${pod_uid//-/_}.slice/cri-containerd-$cid.scope"
work=$(mktemp -d)
jpid=""
oomlens_bin=${OOMLENS:-}
cleanup() {
  set +e
  [ -n "$jpid" ] && kill -9 "$jpid" 2>/dev/null
  [ -n "$sampler" ] && kill -TERM "$sampler" 2>/dev/null
  cg_remove "$root"
  rm -rf "$work" "$classes"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cg_make "$root" "$rel"
dir=$cg_dir
echo $((limit_mib * 1024 * 1024)) > "$dir/memory.limit_in_bytes"

jvm_opts="$heap_opts -XX:NativeMemoryTracking=summary -Xlog:${GC_TAGS:-gc*}:file=$out/gc.log:time,uptime,level,tags"
started=$(date -u '+%Y-%m-%dT%H:%M:%S.%3NZ')
# The sampler waits for the JVM to join the cgroup and stops when it has
# left (killed or ended).
if [ -n "$oomlens_bin" ]; then
  sample_start "$oomlens_bin" "$rel" "${SAMPLE_EVERY:-500ms}" $((seconds + 30)) "$out/metrics.om" "$work/sample.err"
fi
cd "$work"
set +e
sh -c "echo \$\$ > $dir/cgroup.procs && exec java $jvm_opts -cp $classes oomlens.demo.$program $args" \
  > "$out/stdout.log" 2>&1 &
jpid=$!
set -e
alive() { [ -e "/proc/$jpid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$jpid/status" 2>/dev/null; }

deadline=$(( $(date +%s) + seconds ))
n=0
sleep 1
while alive && [ "$(date +%s)" -lt "$deadline" ]; do
  n=$((n + 1))
  [ "$n" = 1 ] && timeout 20 jcmd "$jpid" VM.flags > "$out/VM.flags.txt" 2>&1 || true
  { date -Is; timeout 20 jcmd "$jpid" GC.class_histogram 2>&1 | awk 'NR <= 33 || /^Total /' || true; } >> "$out/histograms.txt"
  { date -Is; timeout 20 jcmd "$jpid" VM.native_memory summary 2>&1 || true; } >> "$out/nmt.txt"
  next=$(( $(date +%s) + every ))
  while alive && [ "$(date +%s)" -lt "$next" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
done
stopped_by=""
if alive; then
  stopped_by=SIGTERM
  kill -TERM "$jpid"
  for _ in $(seq 50); do alive || break; sleep 0.2; done
  if alive; then stopped_by=SIGKILL-after-SIGTERM; kill -KILL "$jpid"; fi
fi
set +e
wait "$jpid"
status=$?
set -e
jpid_reaped=$jpid
jpid=""
finished=$(date -u '+%Y-%m-%dT%H:%M:%S.%3NZ')
sample_stop "$out/metrics.om" "$work/sample.err"
cg_max=$(cat "$dir/memory.max_usage_in_bytes")
cg_failcnt=$(cat "$dir/memory.failcnt")
cg_oom_kill=$(awk '/^oom_kill / {print $2}' "$dir/memory.oom_control")
sleep 1
# The kernel's report about this container: from "invoked oom-killer" to
# "Killed process" when the report names this container's random id.
dmesg --time-format iso | awk -v cid="$cid" '
  /invoked oom-killer:/ { inrep=1; buf=""; mine=0 }
  inrep { buf = buf $0 "\n"; if (index($0, cid)) mine=1
          if (/Killed process/) { if (mine) printf "%s", buf; inrep=0 } }' > "$out/kern.log"

outcome=exit
if [ "$status" = 137 ] && grep -q "Killed process $jpid_reaped " "$out/kern.log"; then outcome=kernel-oom-kill
elif [ -n "$stopped_by" ]; then outcome=$stopped_by
elif grep -q 'java.lang.OutOfMemoryError: Java heap space' "$out/stdout.log"; then outcome=jvm-outofmemoryerror-heap
fi
cat > "$out/facts.env" <<FACTS
scenario=$scenario
program=$program
program_args=$args
pid=$jpid_reaped
limit_mib=$limit_mib
limit_bytes=$((limit_mib * 1024 * 1024))
pod_uid=$pod_uid
container_id=$cid
cgroup=/$rel
java_options=$(echo "$jvm_opts" | sed "s|$out/||g")
java_version=$(java -version 2>&1 | sed -n 2p)
started=$started
finished=$finished
seconds_allowed=$seconds
exit_status=$status
outcome=$outcome
expected=$expect
snapshots=$n
sampled=$sampled
cgroup_max_usage_bytes=$cg_max
cgroup_failcnt=$cg_failcnt
cgroup_oom_kill=${cg_oom_kill:-}
kernel=$(uname -r)
FACTS
cat "$out/facts.env" >&2
case "$expect" in *"$outcome"*) exit 0 ;; esac
echo "expected $expect, got $outcome (exit $status)" >&2
exit 1
