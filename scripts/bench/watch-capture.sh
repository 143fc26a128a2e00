#!/usr/bin/env bash
# The node agent's capture floor: a real JVM holding about 256 MiB of live
# objects (three million: a HashMap of a million Long -> byte[200]), NMT on,
# in a real Kubernetes-shaped memory cgroup, captured by `oomlens watch`
# (profiling build) with every level at 1 % (past them on the first pass:
# one capture each), BENCH_RUNS agents one after another (default 5). Prints the capture event's took_ms (every command of
# the capture set, the class listing included) and, timed alone through
# `oomlens jcmd` as the agent runs them, NMT + Metaspace + class histogram
# (floor: under 1 s), with PASS/FAIL, and the load it ran under.
#
# Usage: scripts/bench/watch-capture.sh
#
# Environment:
#   BENCH_PROFILE=dev  a debug build instead (the JVM does the work; the
#                      attach client's build matters little)
#   BENCH_RUNS=N       agents run one after another (one capture each)
#
# Needs root, a memory cgroup controller and OpenJDK 17 (javac, java); the
# test's guards remove every cgroup and process it makes.
set -euo pipefail
# shellcheck source=watch-test.sh
. "$(dirname "$0")/watch-test.sh"
watch_test capture_floor '^(JVM |capture |NMT |load | )'
