# Sourced by the capture scripts: a memory cgroup shaped like a Kubernetes
# container, made and always removed.
#
#   cg_make ROOT REL   make each missing folder of REL below ROOT (sets cg_dir)
#   cg_remove ROOT     kill what is left in the folders made and remove them,
#                      innermost first
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
