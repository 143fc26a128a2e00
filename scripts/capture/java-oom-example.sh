#!/usr/bin/env bash
# Makes examples/real-kill-java: a real JVM (OpenJDK on this machine) with a
# heap larger than its memory limit, killed by the kernel in a real memory
# cgroup shaped like a Kubernetes container, and the evidence a user would
# copy: the node's kernel log, the container's previous log and a pod object.
#
#   scripts/capture/java-oom-example.sh [OUT_DIR]   (default examples/real-kill-java)
#
# Needs root, the cgroup v1 memory controller and java/javac.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/capture/cgroup-lib.sh"
out=${1:-$here/examples/real-kill-java}
limit_mib=200
xmx=512m
root=/sys/fs/cgroup/memory
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
u=$(hex 16)
pod_uid="${u:0:8}-${u:8:4}-4${u:13:3}-8${u:17:3}-${u:20:12}"
cid=$(hex 32)
rel="kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${pod_uid//-/_}.slice/cri-containerd-$cid.scope"
work=$(mktemp -d)
cleanup() {
  set +e
  cg_remove "$root"
  rm -rf "$work"
}
trap cleanup EXIT
cg_make "$root" "$rel"
dir=$cg_dir
echo $((limit_mib * 1024 * 1024)) > "$dir/memory.limit_in_bytes"

mkdir -p "$out"
javac -d "$work" "$here/examples/real-kill-java/HeapHog.java"
marker="oomlens-capture-$cid"
echo "<6>$marker start" > /dev/kmsg
started=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
set +e
sh -c "echo \$\$ > $dir/cgroup.procs && exec java -Xmx$xmx -XX:+UseSerialGC -cp $work HeapHog" > "$out/previous.log" 2>&1
status=$?
set -e
finished=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
echo "<6>$marker end" > /dev/kmsg
[ "$status" = 137 ] || { echo "expected exit 137, got $status" >&2; cat "$out/previous.log" >&2; exit 1; }
dmesg --time-format iso | awk -v m="$marker" 'index($0, m" end") {exit} on {print} index($0, m" start") {on=1}' > "$out/kern.log"
pid=$(grep -o 'Killed process [0-9]*' "$out/kern.log" | awk '{print $3}')
cat > "$out/pod.json" <<JSON
{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "orders-api-7d9f8b6c5-x2x4q",
        "namespace": "shop",
        "uid": "$pod_uid"
    },
    "spec": {
        "nodeName": "$(hostname)",
        "containers": [
            {
                "name": "orders-api",
                "image": "registry.example.com/shop/orders-api:1.4.2",
                "command": ["java", "-XX:+UseSerialGC", "-cp", "/app", "HeapHog"],
                "env": [
                    {"name": "JAVA_TOOL_OPTIONS", "value": "-Xmx$xmx"}
                ],
                "resources": {
                    "limits": {"cpu": "1", "memory": "${limit_mib}Mi"},
                    "requests": {"cpu": "500m", "memory": "${limit_mib}Mi"}
                }
            }
        ]
    },
    "status": {
        "phase": "Running",
        "qosClass": "Burstable",
        "startTime": "$started",
        "containerStatuses": [
            {
                "name": "orders-api",
                "image": "registry.example.com/shop/orders-api:1.4.2",
                "containerID": "containerd://$(hex 32)",
                "ready": true,
                "restartCount": 1,
                "state": {"running": {"startedAt": "$finished"}},
                "lastState": {
                    "terminated": {
                        "containerID": "containerd://$cid",
                        "exitCode": 137,
                        "reason": "OOMKilled",
                        "startedAt": "$started",
                        "finishedAt": "$finished"
                    }
                }
            }
        ]
    }
}
JSON
cat > "$out/facts.env" <<FACTS
pid=$pid
limit_bytes=$((limit_mib * 1024 * 1024))
pod_uid=$pod_uid
container_id=$cid
xmx=$xmx
java=$(java -version 2>&1 | head -1 | tr -d '"')
kernel=$(uname -r)
FACTS
echo "captured into $out (victim pid $pid)" >&2
