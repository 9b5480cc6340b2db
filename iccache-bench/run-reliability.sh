#!/bin/sh
# Reliability suite (docs/reliability.md): builds iccache-bench and the modules it depends
# on when the jar is missing or sources changed, then runs dev.iccache.bench.ReliabilitySuite
# with the arguments given, e.g.
#   iccache-bench/run-reliability.sh --quick --json reliability.json     (--help lists options)
# Extra JVM flags: ICCACHE_BENCH_JAVA_OPTS="-Xmx1g" iccache-bench/run-reliability.sh ...
. "$(dirname "$0")/bench-jar.sh"
run_bench run-reliability dev.iccache.bench.ReliabilitySuite -- "$@"
