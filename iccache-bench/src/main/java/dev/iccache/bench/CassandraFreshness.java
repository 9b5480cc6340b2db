package dev.iccache.bench;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.MirroredExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.store.cassandra.CassandraExampleStore;
import dev.iccache.store.cassandra.CassandraStoreSettings;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Freshness of the Cassandra store between two store instances, as two gateways would see it (not a test):
 * store A (connected through {@code --a}) puts one example at a time (QUORUM); as soon as {@code put}
 * returns, store B (connected through {@code --b}) searches for the example's own vector until it is the
 * first hit. Prints how often B's first search already found it and the time from A's acknowledgement to
 * B finding it (p50, p99, max). Keyspace {@code --keyspace} [iccache_freshness] is created with
 * {@code --rf} [3] replicas if absent; the examples go to a tenant of their own, deleted at the end. With
 * {@code --search local} [the default, as the gateway] each instance searches a node-local Lucene mirror (in a
 * temporary folder) that syncs every {@code --sync-millis} [250], and B polls its mirror every millisecond; with
 * {@code --search cassandra} B searches Cassandra's SAI index back to back.
 *
 * <p>Run (from the repository root) against the three-node cluster:
 * {@code ./iccache cassandra start --nodes 3 && iccache-bench/run-cassandra-freshness.sh --probes 200}.
 */
public final class CassandraFreshness {
    private CassandraFreshness() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String a = "127.0.0.1:9042";
        String b = "127.0.0.3:9042";
        String keyspace = "iccache_freshness";
        int rf = 3;
        int probes = 200;
        String search = "local";
        int syncMillis = 250;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--a" -> a = args[++i];
                case "--b" -> b = args[++i];
                case "--keyspace" -> keyspace = args[++i];
                case "--rf" -> rf = Integer.parseInt(args[++i]);
                case "--probes" -> probes = Integer.parseInt(args[++i]);
                case "--search" -> search = args[++i];
                case "--sync-millis" -> syncMillis = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--a HOST:PORT "
                        + "--b HOST:PORT --keyspace NAME --rf N --probes N --search local|cassandra --sync-millis N)");
            }
        }
        int dim = 384;
        String tenant = "freshness-" + Long.toHexString(System.nanoTime());
        boolean local = switch (search) {
            case "local" -> true;
            case "cassandra" -> false;
            default -> throw new IllegalArgumentException("--search is local or cassandra, not " + search);
        };
        System.out.printf(Locale.ROOT, "# CassandraFreshness: A=%s B=%s keyspace=%s rf=%d probes=%d search=%s%s "
                + "load=%s%n", a, b, keyspace, rf, probes, search, local ? " sync-millis=" + syncMillis : "",
                StoreSearchBenchmark.loadAverage());
        Path mirrors = Files.createTempDirectory("iccache-freshness");
        ScheduledExecutorService syncs = Executors.newScheduledThreadPool(2);
        Optional<Path> mirrorA = local ? Optional.of(mirrors.resolve("a")) : Optional.empty();
        Optional<Path> mirrorB = local ? Optional.of(mirrors.resolve("b")) : Optional.empty();
        try (ExampleStore storeA = open(a, keyspace, rf, dim, mirrorA, syncs, syncMillis);
                ExampleStore storeB = open(b, keyspace, rf, dim, mirrorB, syncs, syncMillis)) {
            Random random = new Random(42);
            long[] nanos = new long[probes];
            long[] putNanos = new long[probes];
            int firstSearch = 0;
            for (int i = 0; i < probes; i++) {
                float[] v = StoreSearchBenchmark.gaussianUnit(random);
                Instant now = Instant.now();
                Example e = new Example("fresh-" + tenant + "-" + i, tenant, "[]", "probe " + i, v, "answer",
                        "bench-model", OptionalDouble.empty(), 1, 1, now, Optional.empty(), ExampleStats.fresh(now));
                long s = System.nanoTime();
                storeA.put(e);
                long acked = System.nanoTime();
                putNanos[i] = acked - s;
                int searches = 0;
                while (true) {
                    searches++;
                    List<SearchHit> hits = storeB.search(v, Set.of(tenant), 1, Instant.now());
                    if (!hits.isEmpty() && hits.get(0).example().id().equals(e.id())) {
                        break;
                    }
                    if (local) {
                        Thread.sleep(1);
                    }
                }
                nanos[i] = System.nanoTime() - acked;
                if (searches == 1) {
                    firstSearch++;
                }
            }
            long deleted = storeA.deleteTenant(tenant);
            System.out.printf(Locale.ROOT, "found by B's first search after A's put returned: %d/%d%n", firstSearch,
                    probes);
            System.out.printf(Locale.ROOT, "A put (QUORUM) p50 %.2f ms p99 %.2f ms%n",
                    StoreSearchBenchmark.percentile(putNanos, 50) / 1e6,
                    StoreSearchBenchmark.percentile(putNanos, 99) / 1e6);
            System.out.printf(Locale.ROOT, "A acknowledged -> B found: p50 %.2f ms p99 %.2f ms max %.2f ms "
                    + "(includes B's search); %d probes deleted; load %s%n",
                    StoreSearchBenchmark.percentile(nanos, 50) / 1e6, StoreSearchBenchmark.percentile(nanos, 99) / 1e6,
                    StoreSearchBenchmark.percentile(nanos, 100) / 1e6, deleted, StoreSearchBenchmark.loadAverage());
        } finally {
            syncs.shutdownNow();
            syncs.awaitTermination(10, TimeUnit.SECONDS);
            try (var files = Files.walk(mirrors)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A Cassandra store through {@code contactPoint}, searched in a mirror under {@code mirror} when one is given. */
    private static ExampleStore open(String contactPoint, String keyspace, int rf, int dim, Optional<Path> mirror,
            ScheduledExecutorService syncs, int syncMillis) {
        CassandraExampleStore cassandra = CassandraExampleStore.open(CassandraStoreSettings.of(List.of(contactPoint),
                "datacenter1", keyspace, rf, dim));
        if (mirror.isEmpty()) {
            return cassandra;
        }
        MirroredExampleStore store = MirroredExampleStore.open(cassandra, cassandra,
                LuceneExampleStore.open(mirror.get().resolve("index")), mirror.get().resolve("position"),
                InstantSource.system());
        syncs.scheduleWithFixedDelay(store::sync, syncMillis, syncMillis, TimeUnit.MILLISECONDS);
        return store;
    }
}
