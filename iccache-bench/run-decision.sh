#!/bin/sh
# Decision-path benchmark (see docs/benchmarks.md, "Decision path: embed + search + select + route"):
# builds iccache-bench on first use or when sources changed, then runs
# dev.iccache.bench.DecisionPathBenchmark with the arguments given, e.g.
#   iccache-bench/run-decision.sh --sizes 100000,1000000 --json decision.json
#   iccache-bench/run-decision.sh --help          (all options)
# JVM: -Xmx4g plus the flags Lucene's Panama vector code needs. Extra or overriding JVM flags:
#   ICCACHE_BENCH_JAVA_OPTS="-Xmx8g" iccache-bench/run-decision.sh ...
# Banks are built under iccache-bench/target/decision-bench (--work DIR) and deleted afterwards
# unless --keep (which also reuses them); the real data sets are read from ../shared/data (--data DIR).
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
run_bench run-decision dev.iccache.bench.DecisionPathBenchmark -Xmx4g -- "$@"
