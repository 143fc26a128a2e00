#!/usr/bin/env bash
# Builds the demo JVM programs of tests/jvm (plain javac + jar) into
# tests/jvm/build/lib, next to copies of the Debian jars they use, under the
# versioned names a real application's lib folder has (the class+load log
# prints the jar's path as `source:`; Debian's unversioned names are symlinks
# that the JVM resolves, so the jars are copied, not linked):
#
#   tests/jvm/build/lib/oomlens-demo.jar           the services (oomlens.demo.*)
#   tests/jvm/build/lib/oomlens-demo-mapping.jar   the Orika-like mapper engine (oomlens.demo.mapping.*)
#   tests/jvm/build/lib/javassist-3.27.0-GA.jar, cglib-3.3.0.jar, asm-9.4.jar, groovy-all-2.4.21.jar
#
#   scripts/capture/jvm-build.sh          build if a source is newer than the jars
#   scripts/capture/jvm-build.sh --force  always build
#
# Prints the class path to use. Needs javac/jar (OpenJDK 17) and the Debian
# packages libjavassist-java, libcglib-java (with libasm-java) and groovy.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
src=$here/tests/jvm/src
build=$here/tests/jvm/build
lib=$build/lib
deps=(
  /usr/share/java/javassist-3.27.0-GA.jar
  /usr/share/java/cglib-3.3.0.jar
  /usr/share/java/asm-9.4.jar
  /usr/share/java/groovy-all-2.4.21.jar
)
for d in "${deps[@]}"; do
  [ -e "$d" ] || { echo "missing $d (apt-get install libjavassist-java libcglib-java groovy)" >&2; exit 2; }
done
cp_jars="$lib/oomlens-demo.jar:$lib/oomlens-demo-mapping.jar"
for d in "${deps[@]}"; do cp_jars="$cp_jars:$lib/$(basename "$d")"; done

stale=${1:-}
if [ "$stale" != --force ] && [ -f "$lib/oomlens-demo.jar" ] && [ -f "$lib/oomlens-demo-mapping.jar" ] \
   && [ -z "$(find "$src" -name '*.java' -newer "$lib/oomlens-demo.jar")" ]; then
  echo "$cp_jars"
  exit 0
fi
rm -rf "$build"
mkdir -p "$build/classes" "$lib"
for d in "${deps[@]}"; do cp "$(readlink -f "$d")" "$lib/$(basename "$d")"; done
dep_cp=$(printf '%s:' "${deps[@]}")
javac -nowarn -encoding UTF-8 -d "$build/classes" -cp "$dep_cp" $(find "$src" -name '*.java' | sort) >&2
(cd "$build/classes" && jar cf "$lib/oomlens-demo-mapping.jar" oomlens/demo/mapping)
(cd "$build/classes" && jar cf "$lib/oomlens-demo.jar" $(find oomlens -name '*.class' -not -path 'oomlens/demo/mapping/*' | sort))
echo "$cp_jars"
