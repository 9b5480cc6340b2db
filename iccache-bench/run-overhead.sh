#!/bin/sh
# Gateway overhead benchmark (docs/benchmarks.md): builds iccache-bench and the modules it depends
# on when the jar is missing or sources changed, then runs dev.iccache.bench.GatewayOverheadBenchmark
# with the arguments given, e.g.
#   iccache-bench/run-overhead.sh --requests 10000 --json overhead.json      (--help lists options)
# Extra JVM flags: ICCACHE_BENCH_JAVA_OPTS="-Xmx1g" iccache-bench/run-overhead.sh ...
. "$(dirname "$0")/bench-jar.sh"
run_bench run-overhead dev.iccache.bench.GatewayOverheadBenchmark -- "$@"
