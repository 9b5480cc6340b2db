#!/bin/sh
# Gateway overhead before and after a change (docs/benchmarks.md, "Before and after: Prometheus client
# and tracing"): builds the benchmark as it is at BEFORE (a commit; its tree is taken with git archive
# into iccache-bench/target/before-COMMIT and built there once) and as it is in this working tree,
# then runs ROUNDS times (default 2), one after another in this one invocation: before, after with
# tracing off, after with tracing on (spans exported over OTLP to a loopback sink). Each run gets the
# arguments given (see run-overhead.sh --help) and writes its JSON next to the before tree.
# Usage: [ROUNDS=2] iccache-bench/run-overhead-compare.sh BEFORE [benchmark arguments]
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
compare_trees run-overhead-compare.sh "${1:-}"
shift
run() {
  label="$1"; jar="$2"; json="$3"; shift 3
  echo "== $label"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    ${ICCACHE_BENCH_JAVA_OPTS:-} -cp "$jar" dev.iccache.bench.GatewayOverheadBenchmark --json "$OUT/$json" "$@"
}
for round in $(seq "${ROUNDS:-2}"); do
  run "before ($BEFORE), round $round" "$BEFORE_JAR" "before-r$round.json" "$@"
  run "after (working tree), tracing off, round $round" "$JAR" "after-off-r$round.json" --tracing off "$@"
  run "after (working tree), tracing on, round $round" "$JAR" "after-on-r$round.json" --tracing on "$@"
done
