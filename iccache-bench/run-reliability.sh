#!/bin/sh
# Reliability suite (docs/reliability.md): builds iccache-bench and the modules it depends
# on when the jar is missing or sources changed, then runs dev.iccache.bench.ReliabilitySuite
# with the arguments given, e.g.
#   iccache-bench/run-reliability.sh --quick --json reliability.json     (--help lists options)
# Extra JVM flags: ICCACHE_BENCH_JAVA_OPTS="-Xmx1g" iccache-bench/run-reliability.sh ...
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/.mvn/find-jdk.sh"

find_jar() {
  JAR=""
  for f in "$ROOT"/iccache-bench/target/iccache-bench-*.jar; do
    if [ -f "$f" ]; then JAR="$f"; break; fi
  done
}

stale() {
  find_jar
  [ -z "$JAR" ] || [ ! -d "$ROOT/iccache-bench/target/libs" ] \
    || [ -n "$(find "$ROOT" -path "$ROOT/*/src/main/*" -newer "$JAR" -type f -print 2>/dev/null | head -n 1)" ] \
    || [ -n "$(find "$ROOT" -maxdepth 2 -name pom.xml -newer "$JAR" -print | head -n 1)" ]
}

if stale; then
  mkdir -p "$ROOT/iccache-bench/target"
  # One build at a time, even when several runs start together.
  exec 9>"$ROOT/iccache-bench/target/.build.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if stale; then
    echo "run-reliability: building iccache-bench (first use or sources changed)..." >&2
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl iccache-bench -am) >&2
    find_jar
  fi
  exec 9>&-
fi
if [ -z "$JAR" ]; then
  echo "run-reliability: no iccache-bench jar under $ROOT/iccache-bench/target after the build" >&2
  exit 1
fi
# Same JVM flags as the ./iccache launcher, so the gateway runs as it does in production.
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  ${ICCACHE_BENCH_JAVA_OPTS:-} -cp "$JAR" dev.iccache.bench.ReliabilitySuite "$@"
