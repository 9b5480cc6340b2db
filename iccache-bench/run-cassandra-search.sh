#!/bin/sh
# Cassandra store (SAI ANN) vs Lucene store: search p50/p99 and recall@k at the given sizes (see
# docs/benchmarks.md, "Cassandra store against Lucene"). Needs a running node (./iccache cassandra start).
#   iccache-bench/run-cassandra-search.sh --sizes 100000
# Options: StoreSearchBenchmark's (--sizes --queries --warmup --k --batch --work --seed) plus
# --contact-point HOST:PORT, --keyspace NAME (dropped and created again), --rf N.
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
run_bench run-cassandra-search dev.iccache.bench.CassandraSearchBenchmark -Xmx4g -- "$@"
