#!/usr/bin/env bash
# Re-makes the captured fixtures of tests/fixtures/classload/<name>/ with
# scripts/capture/jvm-leak.sh, one run per name:
#
#   scripts/capture/jvm-fixtures.sh [NAME...]   (default: all of them)
#
# Names (program, container limit, time allowed, jcmd snapshot period, options):
#   OrikaLikeLeak              128 MiB 60 s 2 s  JAVA_OPTS=-XX:InitialRAMPercentage=25 -XX:MaxRAMPercentage=25, PROGRAM_ARGS=--sleep-ms 3
#   OrikaLikeLeak-per-factory  128 MiB 60 s 3 s  same, PROGRAM_ARGS=--loader per-factory --sleep-ms 3
#   OrikaLikeLeak-metaspace32m 256 MiB 60 s 2 s  JAVA_OPTS=-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50 -XX:MaxMetaspaceSize=32m
#                                                (ends in java.lang.OutOfMemoryError: Metaspace, no kernel kill)
#   CglibLeak                  128 MiB 60 s 2 s  JAVA_OPTS=-Xms64m -Xmx64m, PROGRAM_ARGS=--sleep-ms 10
#   GroovyLeak                 256 MiB 60 s 2 s  JAVA_OPTS=-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=75, PROGRAM_ARGS=--sleep-ms 5
#   ProxyLeak                  256 MiB 60 s 2 s  no heap options (ergonomics), PROGRAM_ARGS=--sleep-ms 10
#   SteadyService              256 MiB 25 s 8 s  JAVA_OPTS=-XX:MaxRAMPercentage=75, stopped with SIGTERM
#   LambdaNoise                128 MiB 20 s 6 s  no heap options, stopped with SIGTERM
# (The heap options differ on purpose, so that the fixtures show several
# common ways of sizing a JVM in a container. With no -Xms the heap starts at
# 1/64 of the limit and a generator that allocates fast collects every few
# milliseconds: hundreds of GC log lines per second.)
#
# A run that does not end as expected is not copied (its outputs are kept
# in /tmp/jvm-fixtures-failed-<name>.*; the script goes on with the next name
# and exits 1 at the end). To keep the fixtures small, without editing any line:
#   - the big per-snapshot jcmd outputs (GC.class_histogram,
#     VM.metaspace-show-loaders, VM.classloader_stats) are kept only in the
#     first and the last snapshot where the command worked; in the other
#     snapshots they are dropped;
#   - a file over its cap (classes.log, gc.log: 300 KB; jcmd outputs: 150 KB)
#     is cut to its first and last whole lines (half the cap each);
#     classes.log is also kept whole, gzipped, as classes.log.gz.
# Every drop and cut is listed in TRIMMED.tsv of the fixture folder (with the
# original's line count, size and sha256). SOURCES.md is written by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dest=$here/tests/fixtures/classload
log_cap=307200
jcmd_cap=153600
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(OrikaLikeLeak OrikaLikeLeak-per-factory OrikaLikeLeak-metaspace32m CglibLeak GroovyLeak ProxyLeak SteadyService LambdaNoise)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

note() { # note FIXTURE_DIR FIELDS...: one row of TRIMMED.tsv
  local fix=$1; shift
  [ -f "$fix/TRIMMED.tsv" ] || printf 'file\taction\toriginal_lines\toriginal_bytes\toriginal_sha256\tkept_first_lines\tcut_lines\tkept_last_lines\n' > "$fix/TRIMMED.tsv"
  (IFS=$'\t'; echo "$*") >> "$fix/TRIMMED.tsv"
}

trim() { # trim FIXTURE_DIR RELATIVE_NAME CAP
  local fix=$1 rel=$2 cap=$3
  local f=$fix/$rel bytes lines head_n tail_n half
  bytes=$(stat -c %s "$f")
  [ "$bytes" -gt "$cap" ] || return 0
  half=$((cap / 2 - 1000))
  lines=$(wc -l < "$f")
  head_n=$(head -c "$half" "$f" | wc -l)
  tail_n=$(( $(tail -c "$half" "$f" | wc -l) - 1 ))
  [ "$rel" = classes.log ] && gzip -9 -n -c "$f" > "$f.gz"
  note "$fix" "$rel" cut "$lines" "$bytes" "$(sha256sum "$f" | cut -d' ' -f1)" \
    "1-$head_n" "$((head_n + 1))-$((lines - tail_n))" "$((lines - tail_n + 1))-$lines"
  { head -n "$head_n" "$f"; tail -n "$tail_n" "$f"; } > "$f.trim"
  mv "$f.trim" "$f"
}

worked() { # worked FILE: the jcmd call got an answer (not an attach error,
  # which jcmd prints as "<pid>:" then a Java exception and its stack)
  [ -f "$1" ] && [ "$(wc -l < "$1")" -gt 3 ] \
    && ! sed -n 2p "$1" | grep -Eq '^(java|com\.sun|sun)\.[A-Za-z.]*(Exception|Error)'
}

slim() { # slim FIXTURE_DIR
  local fix=$1 kind rel d ok
  for kind in GC.class_histogram VM.metaspace-show-loaders VM.classloader_stats; do
    ok=()
    for d in "$fix"/jcmd/[0-9]*/; do
      worked "$d$kind.txt" && ok+=("$(basename "$d")")
    done
    [ ${#ok[@]} -gt 2 ] || continue
    for d in "${ok[@]:1:${#ok[@]}-2}"; do
      rel=jcmd/$d/$kind.txt
      note "$fix" "$rel" dropped "$(wc -l < "$fix/$rel")" "$(stat -c %s "$fix/$rel")" \
        "$(sha256sum "$fix/$rel" | cut -d' ' -f1)" - - -
      rm "$fix/$rel"
    done
  done
  trim "$fix" classes.log "$log_cap"
  trim "$fix" gc.log "$log_cap"
  (cd "$fix" && find jcmd -type f -name '*.txt' | sort) | while read -r rel; do
    trim "$fix" "$rel" "$jcmd_cap"
  done
}

failed=0
for name in "${names[@]}"; do
  program=${name%%-*}
  limit=128 seconds=60 every=2 java_opts="" args=""
  case $name in
    OrikaLikeLeak) java_opts="-XX:InitialRAMPercentage=25 -XX:MaxRAMPercentage=25" args="--sleep-ms 3" ;;
    OrikaLikeLeak-per-factory) every=3 java_opts="-XX:InitialRAMPercentage=25 -XX:MaxRAMPercentage=25" args="--loader per-factory --sleep-ms 3" ;;
    OrikaLikeLeak-metaspace32m) limit=256 java_opts="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50 -XX:MaxMetaspaceSize=32m" ;;
    CglibLeak) java_opts="-Xms64m -Xmx64m" args="--sleep-ms 10" ;;
    GroovyLeak) limit=256 java_opts="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=75" args="--sleep-ms 5" ;;
    ProxyLeak) limit=256 args="--sleep-ms 10" ;;
    SteadyService) limit=256 seconds=25 every=8 java_opts="-XX:MaxRAMPercentage=75" ;;
    LambdaNoise) seconds=20 every=6 ;;
    *) echo "unknown name $name" >&2; exit 2 ;;
  esac
  run=$tmp/$name
  echo "== $name: $program, ${limit} MiB, ${seconds} s, snapshots every ${every} s, JAVA_OPTS='$java_opts' PROGRAM_ARGS='$args'" >&2
  if ! JAVA_OPTS=$java_opts PROGRAM_ARGS=$args SNAPSHOT_EVERY=$every \
       "$here/scripts/capture/jvm-leak.sh" "$program" "$run" "$limit" "$seconds"; then
    keep=$(mktemp -d "/tmp/jvm-fixtures-failed-$name.XXXXXX")
    cp -r "$run"/. "$keep"/
    echo "== $name did not end as expected; not copied (outputs kept in $keep)" >&2
    failed=1
    continue
  fi
  fix=$dest/$name
  rm -rf "$fix"
  mkdir -p "$fix"
  cp -r "$run"/. "$fix"/
  slim "$fix"
  du -sh "$fix" >&2
done
exit $failed
