#!/usr/bin/env bash
# Captures what the JVM decides about memory inside a container: runs
# `java [FLAGS] -XX:+PrintFlagsFinal -version` in a real memory cgroup shaped
# like a Kubernetes container, for each container limit and flag set below,
# and `java -XshowSettings:system -version` once per limit (what the JVM
# detected about the container).
#
#   scripts/capture/jvm-printflags.sh [OUT_DIR]   (default tests/fixtures/jvm/printflagsfinal)
#
# Files: OUT_DIR/<limit>-<flags>.txt (stdout and stderr of java, unchanged),
# OUT_DIR/<limit>-showsettings-system.txt, and OUT_DIR/runs.tsv (file, limit
# in bytes, the exact java command, exit status). Limits: 256Mi, 1Gi, 3Gi.
# Flag sets (name: flags):
#   none:               (nothing)
#   maxrampercentage50: -XX:MaxRAMPercentage=50
#   xmx1g:              -Xmx1g
#   metaspace256m:      -XX:MaxMetaspaceSize=256m -XX:MetaspaceSize=256m
# Needs root, the cgroup v1 memory controller and java. Every cgroup created
# is removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/capture/cgroup-lib.sh"
out=${1:-$here/tests/fixtures/jvm/printflagsfinal}
root=/sys/fs/cgroup/memory
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -d "$root" ] && [ -w "$root" ] || { echo "no writable cgroup v1 memory controller at $root" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
cleanup() {
  set +e
  cg_remove "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One pod, one container cgroup per limit (removed after its runs).
u=$(hex 16)
pod_uid="${u:0:8}-${u:8:4}-4${u:13:3}-8${u:17:3}-${u:20:12}"
pod="kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${pod_uid//-/_}.slice"
cg_make "$root" "$pod"
pod_dir=$cg_dir

declare -A flagsets=(
  [none]=""
  [maxrampercentage50]="-XX:MaxRAMPercentage=50"
  [xmx1g]="-Xmx1g"
  [metaspace256m]="-XX:MaxMetaspaceSize=256m -XX:MetaspaceSize=256m"
)
printf 'file\tlimit_bytes\tcommand\texit_status\n' > "$out/runs.tsv"
run_in() { # run_in CGROUP_DIR FILE ARGS...: java ARGS in the cgroup, output to FILE
  local cg=$1 file=$2; shift 2
  local rc=0
  sh -c "echo \$\$ > $cg/cgroup.procs && exec java $*" > "$out/$file" 2>&1 || rc=$?
  printf '%s\t%s\t%s\t%s\n' "$file" "$(cat "$cg/memory.limit_in_bytes")" "java $*" "$rc" >> "$out/runs.tsv"
}
for limit in 256Mi 1Gi 3Gi; do
  case $limit in
    256Mi) bytes=$((256 * 1024 * 1024)) ;;
    1Gi) bytes=$((1024 * 1024 * 1024)) ;;
    3Gi) bytes=$((3 * 1024 * 1024 * 1024)) ;;
  esac
  cg=$pod_dir/cri-containerd-$(hex 32).scope
  cg_make "$pod_dir" "${cg##*/}"
  echo "$bytes" > "$cg/memory.limit_in_bytes"
  run_in "$cg" "$limit-showsettings-system.txt" -XshowSettings:system -version
  for name in none maxrampercentage50 xmx1g metaspace256m; do
    run_in "$cg" "$limit-$name.txt" ${flagsets[$name]} -XX:+PrintFlagsFinal -version
  done
  rmdir "$cg"
  unset 'cg_created[${#cg_created[@]}-1]'
done
cat > "$out/facts.env" <<FACTS
pod_uid=$pod_uid
java_version=$(java -version 2>&1 | sed -n 2p)
host_memory_bytes=$(awk '/^MemTotal/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
host_cpus=$(nproc)
kernel=$(uname -r)
captured=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
FACTS
echo "captured into $out" >&2
