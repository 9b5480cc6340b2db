#!/bin/sh
# Example-store search benchmark (see docs/benchmarks.md, "Example store: search latency, recall and
# size"): builds iccache-bench on first use or when sources changed, then runs
# dev.iccache.bench.StoreSearchBenchmark with the arguments given, e.g.
#   iccache-bench/run-search.sh --sizes 100000 --datasets clustered,real,real-centred --json search.json
#   iccache-bench/run-search.sh --sizes 1000000 --datasets clustered
#   iccache-bench/run-search.sh --help          (all options)
# JVM: -Xmx8g plus the flags Lucene's Panama vector code needs (--add-modules jdk.incubator.vector,
# --enable-native-access=ALL-UNNAMED). Extra or overriding JVM flags:
#   ICCACHE_BENCH_JAVA_OPTS="-Xmx12g" iccache-bench/run-search.sh ...
# Indexes are built under iccache-bench/target/search-bench (override with --work DIR) and deleted
# after each case unless --keep; the real data sets are read from ../shared/data (--data DIR).
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
   || [ -n "$(find "$ROOT/iccache-core/src/main" "$ROOT/iccache-embed/src/main" "$ROOT/iccache-store-lucene/src/main" \
        "$ROOT/iccache-server/src/main" "$ROOT/iccache-bench/src/main" -newer "$JAR" -type f -print 2>/dev/null | head -n 1)" ] \
   || [ -n "$(find "$ROOT" -maxdepth 2 -name pom.xml -newer "$JAR" -print | head -n 1)" ]; then
  echo "run-search: building iccache-bench (first use or sources changed)..." >&2
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl iccache-bench -am) >&2
  find_jar
fi
cd "$ROOT"
exec "$JAVA_HOME/bin/java" -Xmx8g --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  ${ICCACHE_BENCH_JAVA_OPTS:-} -cp "$JAR" dev.iccache.bench.StoreSearchBenchmark "$@"
