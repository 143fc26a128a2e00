#!/usr/bin/env bash
# Runs every test of oomlens: unit, golden, property, and the tests that use
# this machine for real (a kernel OOM kill in a memory cgroup, which needs
# root and the cgroup memory controller), and the deploy manifests
# (scripts/validate-deploy.sh). Installs what those tests need when it is
# missing. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
install() {
  if [ "$(id -u)" = 0 ] && need apt-get; then
    echo "scripts/test.sh: installing $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
  else
    echo "scripts/test.sh: $* missing and cannot be installed here" >&2
  fi
}
need perl || install perl-base
# The real-Prometheus tests of `oomlens scan`: prometheus and promtool, and
# openssl for the TLS test's certificates.
need prometheus && need promtool || install prometheus
# The same tests against VictoriaMetrics (Debian's binary: victoria-metrics).
need victoria-metrics || install victoria-metrics
need openssl || install openssl
# The HTML report's browser tests (crates/oomlens/tests/html_browser.rs):
# headless Chromium.
need chromium || install chromium
# The man-page test renders each page with `man -l` (man-db, with groff).
need man || install man-db
# The real-JVM tests: OpenJDK 17 and the class generators they leak with.
need javac || install openjdk-17-jdk-headless
for jar in javassist-3.27.0-GA cglib-3.3.0 asm-9.4 groovy-all-2.4.21; do
  [ -e "/usr/share/java/$jar.jar" ] || { install libjavassist-java libcglib-java libasm-java groovy; break; }
done

# The manifests under deploy/ and the alerts' rules (a few seconds; kubectl
# and promtool, no cluster).
scripts/validate-deploy.sh

cargo test --workspace --all-targets "$@"
