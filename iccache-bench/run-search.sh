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
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
run_bench run-search dev.iccache.bench.StoreSearchBenchmark -Xmx8g -- "$@"
