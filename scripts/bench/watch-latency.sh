#!/usr/bin/env bash
# The node agent's latency floors: 20 real processes OOM-killed one after
# another in a real Kubernetes-shaped memory cgroup while `oomlens watch`
# runs (profiling build), each timed from its death to the agent's `kill`
# JSON line (floor: p99 under 1 s) and to the receipt of its Kubernetes
# Event on the Pod by the API stand-in of `collect`'s tests, HTTPS on
# 127.0.0.1 (floor: p99 under 2 s). Prints p50 and p99 of each with
# PASS/FAIL; exits 1 when a floor fails.
#
# The footprint floors (CPU and RSS over N cgroups) are scripts/bench/watch.sh.
#
# Usage: scripts/bench/watch-latency.sh            (BENCH_KILLS=N for another count)
#
# Environment:
#   BENCH_PROFILE=dev  a debug build instead (for a try; not the floors)
#
# Needs root and a memory cgroup controller; the test's guards remove every
# cgroup and process it makes. Latencies on a loaded machine are inflated:
# the script says the load it ran under, and numbers taken at a load of 3
# or more are not the floors' numbers.
set -euo pipefail
# shellcheck source=watch-test.sh
. "$(dirname "$0")/watch-test.sh"
watch_test latency_floors '^kill -> '
