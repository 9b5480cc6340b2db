#!/bin/sh
# Embedding cache hit path, before and after (see docs/benchmarks.md, "Embedding cache hit path"):
# builds iccache-bench if needed, compiles CachingEmbedder as it was at BEFORE (default fd5fd43, the synchronized
# LinkedHashMap LRU) into a directory put ahead of the jar, and runs the JMH benchmark
# dev.iccache.bench.EmbeddingCacheBenchmark with 1 and 2 threads against that class and against the
# current one, alternating, ROUNDS times (default 3; the machine is shared, so compare medians), in
# this one invocation. Usage: [ROUNDS=3] iccache-bench/run-embedding-cache.sh [BEFORE-COMMIT]
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
BEFORE="${1:-fd5fd43}"
if stale; then ./mvnw -q -B -DskipTests package -pl iccache-bench -am; fi
find_jar
OUT="$ROOT/iccache-bench/target/embedding-cache-bench"
rm -rf "$OUT" && mkdir -p "$OUT/src" "$OUT/before"
git show "$BEFORE:iccache-core/src/main/java/dev/iccache/embed/CachingEmbedder.java" > "$OUT/src/CachingEmbedder.java"
"$JAVA_HOME/bin/javac" --release 21 -nowarn -cp "$JAR" -d "$OUT/before" "$OUT/src/CachingEmbedder.java"
for threads in 1 2; do
  for round in $(seq "${ROUNDS:-3}"); do for impl in before after; do
    cp="$JAR"
    [ "$impl" = before ] && cp="$OUT/before:$JAR"
    echo "== $impl ($BEFORE vs working tree), $threads thread(s), round $round"
    "$JAVA_HOME/bin/java" -cp "$cp" org.openjdk.jmh.Main EmbeddingCacheBenchmark -t "$threads" \
      -rf json -rff "$OUT/$impl-t$threads-r$round.json" | grep -E '^EmbeddingCacheBenchmark'
  done; done
done
