#!/usr/bin/env bash
# Runs one demo JVM program of tests/jvm in a real memory cgroup shaped like a
# Kubernetes container and captures what a user could collect about it:
#
#   scripts/capture/jvm-leak.sh PROGRAM OUTDIR [LIMIT_MIB] [SECONDS]
#
# PROGRAM is a class of tests/jvm/src/oomlens/demo (OrikaLikeLeak, CglibLeak,
# GroovyLeak, ProxyLeak, HeapLeak, ThreadLeak, DirectLeak, SteadyService,
# LambdaNoise). LIMIT_MIB is the
# container's memory limit (default 256), SECONDS how long it may run (default
# 60). The cgroup is
#   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<64 hex>.scope
# with random ids. Environment:
#   JAVA_OPTS       more JVM options, after the ones below (e.g. -XX:MaxMetaspaceSize=32m)
#   PROGRAM_ARGS    arguments for the program (e.g. "--loader per-factory")
#   SNAPSHOT_EVERY  seconds between jcmd snapshots (default 3)
#   OOMLENS         the oomlens binary: when set (or `oomlens` is on PATH), it
#                   samples the cgroup and the JVM's counters while the JVM
#                   runs (`oomlens sample`) into metrics.om
#   SAMPLE_EVERY    how often it samples (default 500ms)
#   EXPECT          kill | oome | term: how the run should end. Default: kill
#                   for *Leak programs (the kernel OOM-kills the JVM, exit 137),
#                   oome when JAVA_OPTS sets MaxMetaspaceSize (the JVM throws
#                   java.lang.OutOfMemoryError: Metaspace and exits), term for
#                   the others (stopped with SIGTERM after SECONDS, exit 143).
# Saved in OUTDIR:
#   classes.log     -Xlog:class+load,class+unload (decorators uptime,time,level,tags)
#   gc.log          -Xlog:gc*,gc+metaspace (decorators time,uptime,level,tags)
#   stdout.log      the program's stdout and stderr
#   jcmd/NN/*.txt   snapshot NN (01, 02, ...): VM.metaspace, VM.metaspace
#                   show-loaders, VM.classloader_stats, GC.class_histogram,
#                   VM.native_memory summary, and the container cgroup's
#                   memory.usage_in_bytes and memory.stat at that moment
#   jcmd/VM.flags.txt, jcmd/VM.command_line.txt, jcmd/VM.version.txt (once)
#   jcmd/snapshots.tsv  when each snapshot was taken and each command's exit status
#   metrics.om      the sampled series (OpenMetrics): the cgroup's working set,
#                   usage, failcnt, limit, and the JVM's heap, Metaspace,
#                   classes and threads from its hsperfdata counters
#   kern.log        the kernel's OOM-killer report about this container, as
#                   `dmesg --time-format iso` shows it right after the JVM ended
#                   (the report that names this container's random id, and
#                   nothing else), empty if there was none
#   kern-kmsg.log   the same report as raw /dev/kmsg records, read while the JVM
#                   ran, between markers written to /dev/kmsg (kept even when a
#                   busy machine's small ring buffer has turned over)
#   hs_err_pid*.log the JVM's fatal error log, if it wrote one
#   facts.env       what was set up and what happened
# Exits 0 when the run ended as EXPECTed, 1 otherwise (the outputs are kept).
# Needs root, the cgroup v1 memory controller and OpenJDK 17 (java, jcmd).
# Every cgroup created is removed on exit, also on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/capture/cgroup-lib.sh"
program=${1:?usage: $0 PROGRAM OUTDIR [LIMIT_MIB] [SECONDS]}
out=${2:?usage: $0 PROGRAM OUTDIR [LIMIT_MIB] [SECONDS]}
limit_mib=${3:-256}
seconds=${4:-60}
every=${SNAPSHOT_EVERY:-3}
java_opts=${JAVA_OPTS:-}
program_args=${PROGRAM_ARGS:-}
root=/sys/fs/cgroup/memory
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -d "$root" ] && [ -w "$root" ] || { echo "no writable cgroup v1 memory controller at $root" >&2; exit 2; }
[ -f "$here/tests/jvm/src/oomlens/demo/$program.java" ] || { echo "no program $program in tests/jvm/src/oomlens/demo" >&2; exit 2; }

expect=${EXPECT:-}
if [ -z "$expect" ]; then
  case "$java_opts" in
    *MaxMetaspaceSize*) expect=oome ;;
    *) case "$program" in *Leak) expect=kill ;; *) expect=term ;; esac ;;
  esac
fi
# cglib 3.3 and javassist 3.27 define classes with ClassLoader.defineClass,
# which JDK 16+ only allows reflectively with this option (real applications
# with these libraries on JDK 17 run with it too).
case "$program" in
  OrikaLikeLeak|CglibLeak|SteadyService) base_opts="--add-opens java.base/java.lang=ALL-UNNAMED" ;;
  *) base_opts="" ;;
esac

classpath=$("$here/scripts/capture/jvm-build.sh")
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/jcmd" "$out/classes.log"* "$out/gc.log"* "$out/stdout.log" "$out/kern.log" "$out/kern-kmsg.log" \
  "$out"/hs_err_pid*.log "$out/facts.env"
mkdir -p "$out/jcmd"

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
u=$(hex 16)
pod_uid="${u:0:8}-${u:8:4}-4${u:13:3}-8${u:17:3}-${u:20:12}"
cid=$(hex 32)
rel="kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${pod_uid//-/_}.slice/cri-containerd-$cid.scope"
work=$(mktemp -d)
jpid=""
kmsg_reader=""
oomlens_bin=${OOMLENS:-$(command -v oomlens || true)}
cleanup() {
  set +e
  [ -n "$jpid" ] && kill -9 "$jpid" 2>/dev/null
  [ -n "$sampler" ] && kill -TERM "$sampler" 2>/dev/null
  if [ -n "$kmsg_reader" ]; then pkill -P "$kmsg_reader" 2>/dev/null; kill "$kmsg_reader" 2>/dev/null; fi
  cg_remove "$root"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cg_make "$root" "$rel"
dir=$cg_dir
echo $((limit_mib * 1024 * 1024)) > "$dir/memory.limit_in_bytes"

jvm_opts="$base_opts -Xlog:class+load,class+unload:file=$out/classes.log:uptime,time,level,tags"
jvm_opts="$jvm_opts -Xlog:gc*,gc+metaspace:file=$out/gc.log:time,uptime,level,tags"
jvm_opts="$jvm_opts -XX:NativeMemoryTracking=summary $java_opts"
java_version=$(java -version 2>&1 | sed -n 2p)

# Follow /dev/kmsg from now on (restarted if the reader is overrun; records
# are told apart by their sequence number, so repeats do not matter).
( while :; do cat /dev/kmsg 2>/dev/null; sleep 0.1; done ) > "$work/kmsg.raw" &
kmsg_reader=$!
marker="oomlens-capture-$cid"
echo "<6>$marker start" > /dev/kmsg
started=$(date -u '+%Y-%m-%dT%H:%M:%S.%3NZ')
# The sampler waits for the JVM to join the cgroup and stops when it has
# left (killed or ended).
if [ -n "$oomlens_bin" ]; then
  sample_start "$oomlens_bin" "$rel" "${SAMPLE_EVERY:-500ms}" $((seconds + 30)) "$out/metrics.om" "$work/sample.err"
fi
# The JVM runs in $work (its cwd), the attach files go to /tmp.
cd "$work"
set +e
sh -c "echo \$\$ > $dir/cgroup.procs && exec java $jvm_opts -cp $classpath oomlens.demo.$program $program_args" \
  > "$out/stdout.log" 2>&1 &
jpid=$!
set -e

alive() { [ -e "/proc/$jpid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$jpid/status" 2>/dev/null; }

# jcmd snapshots while it runs.
printf 'snapshot\twall_time_utc\tseconds_since_start\tcommand\texit_status\n' > "$out/jcmd/snapshots.tsv"
t0=$(date +%s.%N)
elapsed() { awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {printf "%.1f", a - b}'; }
jc() { # jc FILE COMMAND...: one jcmd call, its output to FILE, a row in snapshots.tsv
  local file=$1; shift
  local rc=0
  timeout 30 jcmd "$jpid" "$@" > "$file" 2>&1 || rc=$?
  printf '%s\t%s\t%.1f\t%s\t%s\n' "$snap" "$(date -u '+%Y-%m-%dT%H:%M:%S.%3NZ')" "$(elapsed)" "$*" "$rc" >> "$out/jcmd/snapshots.tsv"
  return 0
}
deadline=$(( $(date +%s) + seconds ))
n=0
attach=untried
sleep 1
while alive && [ "$(date +%s)" -lt "$deadline" ]; do
  n=$((n + 1))
  snap=$(printf '%02d' "$n")
  d=$out/jcmd/$snap
  mkdir -p "$d"
  cat "$dir/memory.usage_in_bytes" > "$d/memory.usage_in_bytes" 2>/dev/null || true
  cat "$dir/memory.stat" > "$d/memory.stat" 2>/dev/null || true
  if [ "$n" = 1 ]; then
    jc "$out/jcmd/VM.version.txt" VM.version
    if grep -q 'OpenJDK' "$out/jcmd/VM.version.txt"; then attach=ok; else attach=failed; fi
    jc "$out/jcmd/VM.command_line.txt" VM.command_line
    jc "$out/jcmd/VM.flags.txt" VM.flags
  fi
  jc "$d/VM.metaspace.txt" VM.metaspace
  jc "$d/VM.metaspace-show-loaders.txt" VM.metaspace show-loaders
  jc "$d/VM.classloader_stats.txt" VM.classloader_stats
  jc "$d/VM.native_memory-summary.txt" VM.native_memory summary
  jc "$d/GC.class_histogram.txt" GC.class_histogram
  # Until the next snapshot: sleep, but wake up when the JVM is gone.
  next=$(( $(date +%s) + every ))
  while alive && [ "$(date +%s)" -lt "$next" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
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
jpid=""   # gone: nothing for cleanup to kill (its pid may be reused)
finished=$(date -u '+%Y-%m-%dT%H:%M:%S.%3NZ')
sample_stop "$out/metrics.om" "$work/sample.err"
cp "$work"/hs_err_pid*.log "$out/" 2>/dev/null || true
cg_max=$(cat "$dir/memory.max_usage_in_bytes")
cg_failcnt=$(cat "$dir/memory.failcnt")
cg_oom_kill=$(awk '/^oom_kill / {print $2}' "$dir/memory.oom_control")
echo "<6>$marker end" > /dev/kmsg
sleep 1

pkill -P "$kmsg_reader" 2>/dev/null || true
kill "$kmsg_reader" 2>/dev/null || true
wait "$kmsg_reader" 2>/dev/null || true
kmsg_reader=""

# The kernel's report about this container: from "invoked oom-killer" to
# "Killed process" when the report names this container (its id is random,
# so no older report can match), and then the reaper's line about the JVM.
# Other containers' reports (other runs on this machine) are left out.
report() {
  awk -v cid="$cid" -v pid="$jpid_reaped" '
    /invoked oom-killer:/ { inrep=1; buf=""; mine=0 }
    inrep { buf = buf $0 "\n"; if (index($0, cid)) mine=1
            if (/Killed process/) { if (mine) { printf "%s", buf; found=1 }; inrep=0 }
            next }
    found && /oom_reaper: reaped process/ && $0 ~ ("process " pid " ") { print }'
}
# Read right away: on a busy machine the kernel's ring buffer (128 KiB here)
# turns over within tens of seconds, so the start marker may be gone already
# but the report, seconds old, is still there.
dmesg --time-format iso | report > "$out/kern.log"
if dmesg | grep -q "$marker start"; then kern_dmesg=ok; else kern_dmesg=start-marker-rotated-out; fi
# Raw records: "prio,seq,usec,flags;text" and continuation lines (" KEY=value").
# Keep each record once (by seq), those between the two markers, with their
# continuation lines, then the report as above.
awk -v m="$marker" '
  /^[0-9]+,[0-9]+,[0-9]+,/ { split($0, f, ","); seq = f[2] + 0
    if (index($0, m" start")) { start = seq; keep = 0; next }
    if (index($0, m" end")) { stop = seq; keep = 0; next }
    keep = (start != "" && seq > start && (stop == "" || seq < stop) && !(seq in seen))
    if (keep) { seen[seq] = 1; print } ; next }
  keep { print }' "$work/kmsg.raw" | report > "$out/kern-kmsg.log"

outcome=exit
if [ "$status" = 137 ] && grep -q "Killed process $jpid_reaped " "$out/kern.log" "$out/kern-kmsg.log"; then outcome=kernel-oom-kill
elif [ -n "$stopped_by" ]; then outcome=$stopped_by
elif grep -q 'java.lang.OutOfMemoryError: Metaspace' "$out/stdout.log"; then outcome=jvm-outofmemoryerror-metaspace
fi
generated=$(grep -o 'generated_classes=[0-9]*' "$out/stdout.log" | tail -1 | cut -d= -f2 || true)
requests=$(grep -o 'requests=[0-9]*' "$out/stdout.log" | tail -1 | cut -d= -f2 || true)
cat > "$out/facts.env" <<FACTS
program=$program
program_args=$program_args
pid=$jpid_reaped
limit_mib=$limit_mib
limit_bytes=$((limit_mib * 1024 * 1024))
pod_uid=$pod_uid
container_id=$cid
cgroup=/$rel
java_options=$(echo $jvm_opts | sed "s|$out/||g")
java_version=$java_version
started=$started
finished=$finished
seconds_allowed=$seconds
exit_status=$status
outcome=$outcome
expected=$expect
stopped_by=${stopped_by:-none}
requests=${requests:-}
generated_classes=${generated:-}
jcmd_attach=$attach
kern_log_from_dmesg=$kern_dmesg
jcmd_snapshots=$n
sampled=$sampled
cgroup_max_usage_bytes=$cg_max
cgroup_failcnt=$cg_failcnt
cgroup_oom_kill=${cg_oom_kill:-}
boot_time_unix=$(awk '/^btime/ {print $2}' /proc/stat)
kernel=$(uname -r)
FACTS
cat "$out/facts.env" >&2
case "$expect:$outcome" in
  kill:kernel-oom-kill|oome:jvm-outofmemoryerror-metaspace|term:SIGTERM) exit 0 ;;
  *) echo "expected $expect, got $outcome (exit $status)" >&2; exit 1 ;;
esac
