package dev.iccache.bench;

import static dev.iccache.bench.StoreSearchBenchmark.exactTopK;
import static dev.iccache.bench.StoreSearchBenchmark.loadAverage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bench.StoreSearchBenchmark.DataSet;
import dev.iccache.bench.StoreSearchBenchmark.Mode;
import dev.iccache.bench.StoreSearchBenchmark.Options;
import dev.iccache.store.cassandra.CassandraExampleStore;
import dev.iccache.store.cassandra.CassandraStoreSettings;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Search latency and recall@k of the Cassandra store (SAI ANN) against the Lucene store, on the same
 * {@code clustered} data and queries as {@link StoreSearchBenchmark} (not a test, not JMH). For each size
 * it fills a fresh keyspace and a fresh Lucene directory through {@link ExampleStore#putAll}, measures
 * {@code search} over the whole store (tenants {@code big} and {@code small}) and over the 10 % tenant
 * {@code small}, against the exact top-k, and then the freshness on one node: how often an example whose
 * {@code put} returned is the first hit of the very next search for its own vector.
 *
 * <p>Needs a running node: {@code ./iccache cassandra start}. Run (from the repository root):
 * {@code iccache-bench/run-cassandra-search.sh --sizes 100000}; options are StoreSearchBenchmark's
 * ({@code --sizes --queries --warmup --k --batch --work --seed --clusters --noise}) plus
 * {@code --contact-point HOST:PORT} [127.0.0.1:9042], {@code --keyspace NAME} [iccache_bench] (dropped
 * and created again, unless {@code --reuse} finds it filled by an earlier run of the same size and seed),
 * {@code --rf N} [1], and {@code --no-vector-index}: the table without its SAI vector index, as gateways that search
 * node-local mirrors create it; only the fill is measured then (the store cannot search).
 */
public final class CassandraSearchBenchmark {
    private CassandraSearchBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String contactPoint = "127.0.0.1:9042";
        String keyspace = "iccache_bench";
        int rf = 1;
        boolean reuse = false;
        boolean vectorIndex = true;
        List<String> rest = new ArrayList<>(List.of("--datasets", "clustered", "--batch", "1000"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--contact-point" -> contactPoint = args[++i];
                case "--keyspace" -> keyspace = args[++i];
                case "--rf" -> rf = Integer.parseInt(args[++i]);
                case "--reuse" -> reuse = true;
                case "--no-vector-index" -> vectorIndex = false;
                default -> rest.add(args[i]);
            }
        }
        Options o = StoreSearchBenchmark.parse(rest.toArray(String[]::new));
        if (o == null) {
            return;
        }
        System.out.printf(Locale.ROOT, "# CassandraSearchBenchmark: sizes=%s queries=%d warmup=%d k=%d batch=%d "
                + "cassandra=%s keyspace=%s rf=%d vector-index=%s cpus=%d java=%s load=%s%n", o.sizes(), o.queries(),
                o.warmup(), o.k(), o.batch(), contactPoint, keyspace, rf, vectorIndex,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadAverage());
        CassandraStoreSettings withIndex = CassandraStoreSettings.of(List.of(contactPoint), "datacenter1", keyspace, rf,
                384);
        CassandraStoreSettings settings = vectorIndex ? withIndex : withIndex.withoutVectorSearch();
        List<String> table = new ArrayList<>();
        for (int n : o.sizes()) {
            DataSet set = DataSet.clustered(n, o);
            int[] smallIds = IntStream.range(0, n).filter(i -> i % 10 == 0).toArray();
            int[][] truthAll = exactTopK(set.vectors(), null, set.queries(), o.k());
            int[][] truthSmall = exactTopK(set.vectors(), smallIds, set.queries(), o.k());
            System.out.printf(Locale.ROOT, "%n## clustered, N=%,d (%s); load %s%n", n, set.description(),
                    loadAverage());

            if (!reuse) {
                dropKeyspace(contactPoint, keyspace);
            }
            try (ExampleStore cassandra = CassandraExampleStore.open(settings)) {
                if (reuse && cassandra.get("e" + (n - 1)).isPresent()) {
                    System.out.printf(Locale.ROOT, "# cassandra: reusing the %,d examples in %s%n", n, keyspace);
                } else {
                    long t0 = System.nanoTime();
                    StoreSearchBenchmark.fill(o, set, cassandra, "cassandra");
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "# cassandra: %,d examples in %.1f s = %,.0f examples/s (load %s)%n",
                            n, seconds, n / seconds, loadAverage());
                }
                if (!vectorIndex) {
                    continue;
                }
                table.add(row(n, "Cassandra SAI ANN, full scope", StoreSearchBenchmark.storeMode(
                        "cassandra full scope", o, set, cassandra, Set.of("big", "small"), truthAll, "")));
                table.add(row(n, "Cassandra SAI ANN, 10% scope", StoreSearchBenchmark.storeMode(
                        "cassandra 10% scope", o, set, cassandra, Set.of("small"), truthSmall, "")));
                table.add(freshness(n, "Cassandra", cassandra, o));
            }
            java.nio.file.Path dir = o.work().resolve("cassandra-vs-lucene-" + n);
            StoreSearchBenchmark.deleteTree(dir);
            double luceneBuild = StoreSearchBenchmark.buildStore(o, set, dir);
            System.out.printf(Locale.ROOT, "# lucene: %,d examples in %.1f s (load %s)%n", n, luceneBuild,
                    loadAverage());
            try (ExampleStore lucene = LuceneExampleStore.open(dir)) {
                table.add(row(n, "Lucene HNSW (node-local), full scope", StoreSearchBenchmark.storeMode(
                        "lucene full scope", o, set, lucene, Set.of("big", "small"), truthAll, "")));
                table.add(row(n, "Lucene HNSW (node-local), 10% scope", StoreSearchBenchmark.storeMode(
                        "lucene 10% scope", o, set, lucene, Set.of("small"), truthSmall, "")));
                table.add(freshness(n, "Lucene", lucene, o));
            }
            StoreSearchBenchmark.deleteTree(dir);
        }
        System.out.println();
        System.out.println("# load after: " + loadAverage());
        System.out.println("| N | store, scope | p50 ms | p99 ms | recall@" + o.k() + " |");
        System.out.println("|---:|---|---:|---:|---:|");
        table.forEach(System.out::println);
    }

    private static String row(int n, String what, Mode m) {
        return String.format(Locale.ROOT, "| %,d | %s | %.2f | %.2f | %.4f |", n, what,
                StoreSearchBenchmark.percentile(m.nanos(), 50) / 1e6, StoreSearchBenchmark.percentile(m.nanos(), 99) / 1e6,
                m.recall());
    }

    /**
     * 100 new examples, one {@code put} each: the share found as the first hit of the search that follows
     * the put's return, and the p50/p99 of put plus that search.
     */
    private static String freshness(int n, String name, ExampleStore store, Options o) {
        Random random = new Random(o.seed() + 9);
        int probes = 100;
        int found = 0;
        long[] nanos = new long[probes];
        for (int i = 0; i < probes; i++) {
            float[] v = StoreSearchBenchmark.gaussianUnit(random);
            Example e = new Example("fresh" + i, "fresh", "[]", "fresh " + i, v, "answer", "bench-model",
                    OptionalDouble.empty(), 1, 1, Instant.now(), Optional.empty(), ExampleStats.fresh(Instant.now()));
            long s = System.nanoTime();
            store.put(e);
            List<SearchHit> hits = store.search(v, Set.of("fresh"), 1, Instant.now());
            nanos[i] = System.nanoTime() - s;
            if (!hits.isEmpty() && hits.get(0).example().id().equals(e.id())) {
                found++;
            }
        }
        System.out.printf(Locale.ROOT, "  %s freshness: %d/%d found by the next search%n", name, found, probes);
        return String.format(Locale.ROOT, "| %,d | %s: put, then search (one node) finds it %d/%d | %.2f | %.2f | |", n,
                name, found, probes, StoreSearchBenchmark.percentile(nanos, 50) / 1e6,
                StoreSearchBenchmark.percentile(nanos, 99) / 1e6);
    }

    private static void dropKeyspace(String contactPoint, String keyspace) {
        int colon = contactPoint.lastIndexOf(':');
        try (CqlSession admin = CqlSession.builder()
                .addContactPoint(new InetSocketAddress(contactPoint.substring(0, colon),
                        Integer.parseInt(contactPoint.substring(colon + 1))))
                .withLocalDatacenter("datacenter1").build()) {
            admin.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
                    .setTimeout(Duration.ofMinutes(2)));
        }
    }
}
