#!/usr/bin/env bash
# Makes a real kernel OOM kill on this machine and saves the kernel's report
# in every framing this machine can produce, for use as test fixtures.
#
#   scripts/capture/kernel-oom.sh OUT_DIR [LIMIT_MIB]
#
# Needs root and the cgroup v1 memory controller at /sys/fs/cgroup/memory.
# A process (perl, allocating until killed) runs in a cgroup shaped like a
# Kubernetes container (systemd driver, Burstable QoS, containerd):
#   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
# and the kernel kills it at LIMIT_MIB (default 48). Saved in OUT_DIR:
#   kmsg.log           raw /dev/kmsg records of the kill
#   dmesg.log          `dmesg` (seconds since boot)
#   dmesg-T.log        `dmesg -T`
#   syslog.log         rsyslog, traditional format (if rsyslogd is installed)
#   syslog-rfc3339.log rsyslog, RFC 3339 format (if rsyslogd is installed)
#   journal-short.log, journal-short-iso.log, journal-short-precise.log,
#   journal.json       `journalctl -k` (if systemd-journald can run)
#   facts.env          what was set up: pid, limit, pod uid, container id, boot time
# Everything created (cgroups, daemons started here) is removed on exit.
set -euo pipefail
. "$(dirname "$0")/cgroup-lib.sh"

out=${1:?usage: $0 OUT_DIR [LIMIT_MIB]}
limit_mib=${2:-48}
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=/sys/fs/cgroup/memory
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -w "$root/memory.limit_in_bytes" ] || [ -d "$root" ] || { echo "no cgroup v1 memory controller at $root" >&2; exit 2; }

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
u=$(hex 16)
pod_uid="${u:0:8}-${u:8:4}-${u:12:4}-${u:16:4}-${u:20:12}"
cid=$(hex 32)
pod_slice="kubepods-burstable-pod${pod_uid//-/_}.slice"
rel="kubepods.slice/kubepods-burstable.slice/$pod_slice/cri-containerd-$cid.scope"
work=$(mktemp -d)
pids=()

cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  cg_remove "$root"
  rm -rf "$work"
}
trap cleanup EXIT

cg_make "$root" "$rel"
dir=$cg_dir
echo $((limit_mib * 1024 * 1024)) > "$dir/memory.limit_in_bytes"

if command -v rsyslogd >/dev/null; then
  cat > "$work/rsyslog.conf" <<CONF
module(load="imklog" PermitNonKernelFacility="on")
*.* action(type="omfile" file="$work/syslog.log" template="RSYSLOG_TraditionalFileFormat")
*.* action(type="omfile" file="$work/syslog-rfc3339.log" template="RSYSLOG_FileFormat")
CONF
  rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" &
  pids+=($!)
fi
journald=""
if ! pgrep -x systemd-journal >/dev/null && [ -x /lib/systemd/systemd-journald ]; then
  mkdir -p /run/systemd/journal
  /lib/systemd/systemd-journald &
  pids+=($!)
  journald=started
elif pgrep -x systemd-journal >/dev/null; then
  journald=running
fi
sleep 2

marker="oomlens-capture-$cid"
echo "<6>$marker start" > /dev/kmsg
since=$(date '+%Y-%m-%d %H:%M:%S')
set +e
sh -c "echo \$\$ > $dir/cgroup.procs && exec perl -e 'my @a; while (1) { push @a, \"x\" x (1 << 20) }'" &
hog=$!
wait $hog
status=$?
set -e
echo "<6>$marker end" > /dev/kmsg
sleep 2
[ "$status" = 137 ] || { echo "expected the kernel to kill pid $hog (exit 137), got $status" >&2; exit 1; }

# Keep what lies between the two markers (exclusive).
between() { awk -v m="$marker" 'index($0, m" end") {exit} on {print} index($0, m" start") {on=1}'; }
dd if=/dev/kmsg iflag=nonblock bs=16384 2>/dev/null | between > "$out/kmsg.log" || true
dmesg | between > "$out/dmesg.log"
dmesg -T | between > "$out/dmesg-T.log"
if [ -f "$work/syslog.log" ]; then
  between < "$work/syslog.log" > "$out/syslog.log"
  between < "$work/syslog-rfc3339.log" > "$out/syslog-rfc3339.log"
fi
if [ -n "$journald" ]; then
  for fmt in short short-iso short-precise; do
    journalctl -k --no-pager -o "$fmt" --since "$since" | between > "$out/journal-$fmt.log"
  done
  journalctl -k --no-pager -o json --since "$since" | between > "$out/journal.json"
fi
btime=$(awk '/^btime/ {print $2}' /proc/stat)
cat > "$out/facts.env" <<FACTS
pid=$hog
limit_bytes=$((limit_mib * 1024 * 1024))
pod_uid=$pod_uid
container_id=$cid
cgroup=/$rel
boot_time_unix=$btime
kernel=$(uname -r)
captured=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
FACTS
wc -l "$out"/* >&2
