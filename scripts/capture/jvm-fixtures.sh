#!/usr/bin/env bash
# Re-makes the captured fixtures of tests/fixtures/classload/<name>/ with
# scripts/capture/jvm-leak.sh, one run per name:
#
#   scripts/capture/jvm-fixtures.sh [NAME...]   (default: all of them)
#
# Names (program, container limit, time allowed, options):
#   OrikaLikeLeak              128 MiB 60 s  JAVA_OPTS=-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50, PROGRAM_ARGS=--sleep-ms 3
#   OrikaLikeLeak-per-factory  128 MiB 60 s  same, PROGRAM_ARGS=--loader per-factory --sleep-ms 3
#   OrikaLikeLeak-metaspace32m 256 MiB 60 s  same + -XX:MaxMetaspaceSize=32m (ends in OutOfMemoryError: Metaspace)
#   CglibLeak                  128 MiB 60 s  JAVA_OPTS=-Xms64m -Xmx64m
#   GroovyLeak                 256 MiB 60 s  JAVA_OPTS=-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=75
#   ProxyLeak                  256 MiB 60 s  no heap options (ergonomics), PROGRAM_ARGS=--sleep-ms 10
#   SteadyService              256 MiB 25 s  JAVA_OPTS=-XX:MaxRAMPercentage=75, stopped with SIGTERM
#   LambdaNoise                128 MiB 20 s  no heap options, stopped with SIGTERM
# (The heap options differ on purpose, so that the fixtures show several
# common ways of sizing a JVM in a container. With no -Xms the heap starts at
# 1/64 of the limit and a generator that allocates fast collects every few
# milliseconds: hundreds of GC log lines per second.)
#
# A run that does not end as expected is not copied (the script goes on with
# the next name and exits 1 at the end). A file over 300 KB is cut to its
# first and last lines (about 150 KB each, whole lines, nothing edited or
# inserted); the cut is recorded in TRIMMED.tsv of the fixture folder, and
# the whole file is kept gzipped next to it (<file>.gz) when that is under
# 300 KB. SOURCES.md is written by hand, from facts.env and TRIMMED.tsv.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dest=$here/tests/fixtures/classload
max=307200
half=150000
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(OrikaLikeLeak OrikaLikeLeak-per-factory OrikaLikeLeak-metaspace32m CglibLeak GroovyLeak ProxyLeak SteadyService LambdaNoise)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

trim() { # trim FILE FIXTURE_DIR RELATIVE_NAME
  local f=$1 fix=$2 rel=$3
  local bytes lines head_n tail_n sum
  bytes=$(stat -c %s "$f")
  [ "$bytes" -gt "$max" ] || return 0
  lines=$(wc -l < "$f")
  head_n=$(head -c "$half" "$f" | wc -l)
  tail_n=$(( $(tail -c "$half" "$f" | wc -l) - 1 ))
  sum=$(sha256sum "$f" | cut -d' ' -f1)
  gzip -9 -n -c "$f" > "$f.gz.tmp"
  if [ "$(stat -c %s "$f.gz.tmp")" -le "$max" ]; then mv "$f.gz.tmp" "$f.gz"; gz=yes; else rm "$f.gz.tmp"; gz=no; fi
  { head -n "$head_n" "$f"; tail -n "$tail_n" "$f"; } > "$f.trim"
  mv "$f.trim" "$f"
  [ -f "$fix/TRIMMED.tsv" ] || printf 'file\toriginal_lines\toriginal_bytes\toriginal_sha256\tkept_first_lines\tcut_lines\tkept_last_lines\tfull_file_gzipped\n' > "$fix/TRIMMED.tsv"
  printf '%s\t%s\t%s\t%s\t1-%s\t%s-%s\t%s-%s\t%s\n' "$rel" "$lines" "$bytes" "$sum" "$head_n" \
    "$((head_n + 1))" "$((lines - tail_n))" "$((lines - tail_n + 1))" "$lines" "$gz" >> "$fix/TRIMMED.tsv"
}

failed=0
for name in "${names[@]}"; do
  program=${name%%-*}
  limit=128 seconds=60 java_opts="" args=""
  case $name in
    OrikaLikeLeak) java_opts="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50" args="--sleep-ms 3" ;;
    OrikaLikeLeak-per-factory) java_opts="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50" args="--loader per-factory --sleep-ms 3" ;;
    OrikaLikeLeak-metaspace32m) limit=256 java_opts="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50 -XX:MaxMetaspaceSize=32m" ;;
    CglibLeak) java_opts="-Xms64m -Xmx64m" ;;
    GroovyLeak) limit=256 java_opts="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=75" ;;
    ProxyLeak) limit=256 args="--sleep-ms 10" ;;
    SteadyService) limit=256 seconds=25 java_opts="-XX:MaxRAMPercentage=75" ;;
    LambdaNoise) seconds=20 ;;
    *) echo "unknown name $name" >&2; exit 2 ;;
  esac
  run=$tmp/$name
  echo "== $name: $program, ${limit} MiB, ${seconds} s, JAVA_OPTS='$java_opts' PROGRAM_ARGS='$args'" >&2
  if ! JAVA_OPTS=$java_opts PROGRAM_ARGS=$args SNAPSHOT_EVERY=2 \
       "$here/scripts/capture/jvm-leak.sh" "$program" "$run" "$limit" "$seconds"; then
    echo "== $name did not end as expected; not copied (outputs were in $run)" >&2
    failed=1
    continue
  fi
  fix=$dest/$name
  rm -rf "$fix"
  mkdir -p "$fix"
  cp -r "$run"/. "$fix"/
  (cd "$fix" && find . -type f ! -name TRIMMED.tsv ! -name '*.gz' | sort) | while read -r rel; do
    trim "$fix/${rel#./}" "$fix" "${rel#./}"
  done
  du -sh "$fix" >&2
done
exit $failed
