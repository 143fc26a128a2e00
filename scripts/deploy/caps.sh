#!/usr/bin/env bash
# Checks the DaemonSet's capability list against what attach really needs,
# on this machine: an oomlens binary (the argument) attaches to a JVM running
# as nobody in its own pid and mount namespaces with a private /tmp (as a
# container runtime starts it), from root restricted to the capabilities of
# the rendered default overlay (setpriv --bounding-set; not a container:
# no device cgroup, seccomp or user namespace here). It must succeed with
# the list, and fail with each attach capability taken away (each is needed).
# DAC_READ_SEARCH is what lets the agent read a JVM's 0600 hsperfdata and
# refuse a JVM with attach disabled without signalling it (SIGQUIT would make
# it print a thread dump into its own output): checked with such a JVM.
# Then the kernel log: /dev/kmsg read with SYSLOG and refused without it when
# kernel.dmesg_restrict=1.
#   scripts/deploy/caps.sh BINARY
# Needs root, java (OpenJDK 17), setpriv, unshare, kubectl; a fresh JVM per
# trial (about a second each).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:?usage: scripts/deploy/caps.sh BINARY}")
[ "$(id -u)" = 0 ] || { echo "scripts/deploy/caps.sh: needs root" >&2; exit 1; }

caps=$(kubectl kustomize "$repo/deploy/watch/overlays/default" | python3 -c '
import sys, yaml
ds = next(d for d in yaml.safe_load_all(sys.stdin) if d and d["kind"] == "DaemonSet")
print(" ".join(ds["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"]))')
attach_caps=(SYS_PTRACE KILL CHOWN SETUID SETGID)
jar="$("$repo/scripts/capture/jvm-build.sh" >/dev/null && echo "$repo/tests/jvm/build/lib/oomlens-demo.jar")"

work=$(mktemp -d)
chmod 0755 "$work"
jvm=""
target=""
# Ends the JVM: pid 1 of its pid namespace, so killing it ends the namespace
# (killing unshare alone would leave it running); then reaps unshare.
stop() {
  [ -n "$target" ] && kill -9 "$target" 2>/dev/null || true
  if [ -n "$jvm" ]; then
    kill -9 "$jvm" 2>/dev/null || true
    wait "$jvm" 2>/dev/null || true
  fi
  jvm=""
  target=""
}
trap 'stop; rm -rf "$work"' EXIT

# Starts the JVM (extra java flags in $@, environment in $jvm_env) and sets
# $target to its host pid; returns once it printed "ready".
start() {
  stop
  : >"$work/out"
  # The jar is copied into the JVM's own /tmp (opened before the tmpfs hides
  # the original, which may be under /tmp and closed to nobody).
  unshare --pid --mount --fork --mount-proc sh -c \
    "exec 3<$jar && mount -t tmpfs tmpfs /tmp && cat <&3 >/tmp/demo.jar && exec 3<&- \
     && exec env ${jvm_env:-} setpriv --reuid=nobody --regid=nogroup --clear-groups \
     java -Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $* -cp /tmp/demo.jar oomlens.demo.Idle" \
    >"$work/out" 2>/dev/null &
  jvm=$!
  # unshare's one child is pid 1 of the new namespace, which becomes java.
  for _ in $(seq 100); do
    target=$(cat "/proc/$jvm/task/$jvm/children" 2>/dev/null || true)
    target=${target%% *}
    [ -n "$target" ] && break
    sleep 0.05
  done
  [ -n "$target" ] || { echo "no JVM under unshare $jvm" >&2; exit 1; }
  for _ in $(seq 600); do
    grep -q '^ready' "$work/out" && break
    sleep 0.1
  done
  grep -q '^ready' "$work/out" || { echo "the JVM did not start" >&2; exit 1; }
}

# Attaches with the bounding set $1 (comma-separated); exit status of jcmd.
attach() {
  local set=-all c
  for c in ${1//,/ }; do set="$set,+${c,,}"; done
  setpriv --bounding-set="$set" --inh-caps=-all \
    "$bin" jcmd --timeout 3s "$target" VM.version >"$work/attach.out" 2>&1
}

fail=0
start
if attach "${caps// /,}" && grep -q 'JDK 17' "$work/attach.out"; then
  echo "attach with the DaemonSet's capabilities ($caps): ok"
else
  echo "attach with the DaemonSet's capabilities ($caps) FAILED: $(cat "$work/attach.out")" >&2
  fail=1
fi
for c in "${attach_caps[@]}"; do
  without=$(tr ' ' '\n' <<<"$caps" | grep -vx "$c" | paste -sd, -)
  start
  if attach "$without"; then
    echo "attach without $c: works: not needed?" >&2
    fail=1
  else
    echo "attach without $c: refused, needed ($(head -c 160 "$work/attach.out" | tr '\n' ' '))"
  fi
done

# The flag in JAVA_TOOL_OPTIONS, not on the command line: only the JVM's
# performance counters (hsperfdata, 0600, its user's) tell.
jvm_env=JAVA_TOOL_OPTIONS=-XX:+DisableAttachMechanism
start
if ! attach "${caps// /,}" && ! grep -q 'Full thread dump' "$work/out"; then
  echo "a JVM with attach disabled, with the capabilities: refused, not signalled"
else
  echo "a JVM with attach disabled, with the capabilities: signalled or attached" >&2
  fail=1
fi
without=$(tr ' ' '\n' <<<"$caps" | grep -vx DAC_READ_SEARCH | paste -sd, -)
start
attach "$without" || true
sleep 0.5
if grep -q 'Full thread dump' "$work/out"; then
  echo "a JVM with attach disabled, without DAC_READ_SEARCH: signalled (a thread dump in its output), needed"
else
  echo "a JVM with attach disabled, without DAC_READ_SEARCH: not signalled: not needed?" >&2
  fail=1
fi
stop
jvm_env=

if [ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ]; then
  if setpriv --bounding-set=-all,+syslog --inh-caps=-all dd if=/dev/kmsg of=/dev/null bs=8192 count=1 iflag=nonblock 2>/dev/null; then
    echo "/dev/kmsg with SYSLOG: read"
  else
    echo "/dev/kmsg with SYSLOG: refused" >&2
    fail=1
  fi
  if setpriv --bounding-set=-all --inh-caps=-all dd if=/dev/kmsg of=/dev/null bs=8192 count=1 iflag=nonblock 2>/dev/null; then
    echo "/dev/kmsg without SYSLOG: read (SYSLOG not needed?)" >&2
    fail=1
  else
    echo "/dev/kmsg without SYSLOG: refused, needed"
  fi
else
  echo "kernel.dmesg_restrict=0 here: SYSLOG not checked"
fi
exit $fail
