#!/bin/sh
# Gateway overhead benchmark (see docs/benchmarks.md): builds iccache-bench on first use or when
# sources changed, then runs dev.iccache.bench.GatewayOverheadBenchmark with the arguments given,
# e.g.  iccache-bench/run-overhead.sh --requests 10000 --json overhead.json   (--help for all).
# Extra JVM flags: ICCACHE_BENCH_JAVA_OPTS="-Xmx1g" iccache-bench/run-overhead.sh ...
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/.mvn/find-jdk.sh"
find_jar() {
  JAR=""
  for f in "$ROOT"/iccache-bench/target/iccache-bench-*.jar; do
    [ -f "$f" ] && JAR="$f" && break
  done
}
find_jar
if [ -z "$JAR" ] || [ ! -d "$ROOT/iccache-bench/target/libs" ] \
   || [ -n "$(find "$ROOT/iccache-core/src/main" "$ROOT/iccache-server/src/main" "$ROOT/iccache-bench/src/main" \
        -newer "$JAR" -type f -print 2>/dev/null | head -n 1)" ] \
   || [ -n "$(find "$ROOT" -maxdepth 2 -name pom.xml -newer "$JAR" -print | head -n 1)" ]; then
  echo "run-overhead: building iccache-bench (first use or sources changed)..." >&2
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl iccache-bench -am) >&2
  find_jar
fi
exec "$JAVA_HOME/bin/java" ${ICCACHE_BENCH_JAVA_OPTS:-} -cp "$JAR" dev.iccache.bench.GatewayOverheadBenchmark "$@"
