# Sourced by the capture scripts: a memory cgroup shaped like a Kubernetes
# container, made and always removed.
#
#   cg_make ROOT REL   make each missing folder of REL below ROOT (sets cg_dir)
#   cg_remove ROOT     kill what is left in the folders made and remove them,
#                      innermost first
#   sample_start BIN REL EVERY SECONDS OUT ERR
#                      run `BIN sample` of the cgroup /REL every EVERY for
#                      at most SECONDS into OUT (its stderr to ERR) in the
#                      background; it waits for a process to join the cgroup
#                      and stops when none is left (sets sampler)
#   sample_stop OUT ERR
#                      let the sampler see the cgroup empty (5 s at most),
#                      stop it, and set sampled to what it wrote (or none)
#
# The QoS parents (`kubepods.slice`, `kubepods-burstable.slice`) are shared
# with runs (and tests) at the same time: whoever made them, the last one out
# removes them, as `rmdir` fails while another run has children there.

cg_created=()

cg_make() {
  local d=$1 part
  for part in ${2//\// }; do
    d=$d/$part
    if mkdir "$d" 2>/dev/null; then
      cg_created+=("$d")
    elif [ ! -d "$d" ]; then
      echo "cannot make cgroup $d" >&2
      return 1
    fi
  done
  cg_dir=$d
}

cg_remove() {
  local root=$1 i d p
  for ((i=${#cg_created[@]}-1; i>=0; i--)); do
    d=${cg_created[$i]}
    case "$d" in */kubepods.slice|*/kubepods-burstable.slice) continue ;; esac
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      rmdir "$d" 2>/dev/null && break
      sleep 0.2
    done
    [ -d "$d" ] && echo "could not remove cgroup $d" >&2
  done
  cg_created=()
  rmdir "$root/kubepods.slice/kubepods-burstable.slice" "$root/kubepods.slice" 2>/dev/null
  return 0
}

sampler=""

sample_start() {
  "$1" sample --cgroup "/$2" --every "$3" --for "$4s" -o "$5" 2> "$6" &
  sampler=$!
}

sample_stop() {
  sampled=none
  [ -n "$sampler" ] || return 0
  for _ in $(seq 25); do [ -e "/proc/$sampler" ] || break; sleep 0.2; done
  kill -TERM "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  sampler=""
  [ -s "$1" ] && sampled="$(basename "$1") ($(tail -1 "$2"))"
  return 0
}
