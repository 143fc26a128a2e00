#!/usr/bin/env bash
# Runs one ignored benchmark test of crates/oomlens/tests/watch_live.rs
# (the agent's floors) and prints the lines of its output that match a
# pattern, after the load it starts under; sourced by watch-latency.sh and
# watch-capture.sh:
#
#   watch_test TEST 'GREP-E-PATTERN'
#
# BENCH_PROFILE picks the build (default: profiling). Exits 1, with the
# end of the test's output, when the test fails.
watch_test() {
  local test=$1 pattern=$2
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  local load profile out rc=0
  load=$(cut -d' ' -f1 /proc/loadavg)
  profile=${BENCH_PROFILE:-profiling}
  echo "load average at start: $load ($(nproc) cores), profile: $profile"
  if awk -v l="$load" 'BEGIN { exit !(l >= 3) }'; then
    echo "warning: the machine is busy (load $load >= 3): these numbers are not final"
  fi
  out=$(mktemp)
  cargo test -q --profile "$profile" -p oomlens --test watch_live -- \
    --ignored --exact "$test" --nocapture >"$out" 2>&1 || rc=$?
  grep -E "$pattern" "$out" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$out" >&2
    rm -f "$out"
    exit 1
  fi
  rm -f "$out"
}
