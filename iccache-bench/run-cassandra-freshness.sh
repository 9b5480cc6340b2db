#!/bin/sh
# Freshness between two Cassandra store instances (docs/benchmarks.md, "Cassandra store against Lucene"):
#   ./iccache cassandra start --nodes 3 && iccache-bench/run-cassandra-freshness.sh --probes 200
# Options: --a HOST:PORT [127.0.0.1:9042] --b HOST:PORT [127.0.0.3:9042] --keyspace NAME --rf N [3] --probes N
#          --search local|cassandra [local: node-local Lucene mirrors, as the gateway] --sync-millis N [250].
. "$(dirname "$0")/bench-jar.sh"
cd "$ROOT"
run_bench run-cassandra-freshness dev.iccache.bench.CassandraFreshness -Xmx1g -- "$@"
