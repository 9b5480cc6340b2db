#!/bin/sh
# The decision path before and after a change (docs/benchmarks.md, "Decision path"): builds the tree of
# BEFORE (a commit, taken with git archive into iccache-bench/target/before-COMMIT and built once) and this
# working tree, then runs ROUNDS times (default 1), one after another in this one invocation: this tree's
# DecisionPathBenchmark on BEFORE's iccache modules, then on this tree's. Both use the same kept banks
# (--keep is always passed: the first run builds them, the others reuse them). Each run writes its JSON to
# iccache-bench/target/before-COMMIT/decision-{before,after}-rN.json.
# Usage: [ROUNDS=1] iccache-bench/run-decision-compare.sh BEFORE [run-decision.sh arguments]
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
compare_trees run-decision-compare.sh "${1:-}"
shift
# This tree's benchmark classes alone: the jar's manifest would put this tree's modules on the class path.
rm -rf "$OUT/bench-classes" && mkdir -p "$OUT/bench-classes"
(cd "$OUT/bench-classes" && "$JAVA_HOME/bin/jar" xf "$JAR" dev)
run() {
  label="$1"; libs="$2"; json="$3"; shift 3
  echo "== $label"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" -Xmx4g --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    ${ICCACHE_BENCH_JAVA_OPTS:-} -cp "$OUT/bench-classes:$libs/*" dev.iccache.bench.DecisionPathBenchmark --keep \
    --json "$OUT/$json" "$@"
}
for round in $(seq "${ROUNDS:-1}"); do
  run "before ($BEFORE), round $round" "$BEFORE_LIBS" "decision-before-r$round.json" "$@"
  run "after (working tree), round $round" "$ROOT/iccache-bench/target/libs" "decision-after-r$round.json" "$@"
done
