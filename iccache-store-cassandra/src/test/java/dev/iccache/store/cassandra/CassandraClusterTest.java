package dev.iccache.store.cassandra;

import static dev.iccache.bank.ExampleStoreContract.example;
import static dev.iccache.bank.ExampleStoreContract.unitVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iccache.bank.Example;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.StatsDelta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two store instances, as two gateways, on the three-node cluster (RF = 3), each connected through
 * another node. Runs with {@code ICCACHE_CASSANDRA_NODES=3 ./mvnw -pl iccache-store-cassandra verify}
 * (it starts the cluster, about three times a node's start); skipped otherwise.
 */
@ExtendWith(CassandraNode.class)
class CassandraClusterTest {
    private static final int DIM = 16;
    private CassandraExampleStore first;
    private CassandraExampleStore third;

    @BeforeEach
    void open() {
        assumeTrue(CassandraNode.nodes() == 3, "Cassandra cluster tests SKIPPED: set ICCACHE_CASSANDRA_NODES=3 to "
                + "run them on three local nodes");
        first = CassandraExampleStore.open(CassandraStoreSettings.of(List.of("127.0.0.1:9042"),
                CassandraNode.DATACENTER, "iccache_cluster", 3, DIM));
        third = CassandraExampleStore.open(CassandraStoreSettings.of(List.of("127.0.0.3:9042"),
                CassandraNode.DATACENTER, "iccache_cluster", 3, DIM));
    }

    @AfterEach
    void close() {
        if (first != null) {
            first.deleteTenant("cluster");
            first.close();
            third.close();
        }
    }

    @Test
    void examplesPutThroughOneInstanceAreFoundThroughAnother() {
        Random random = new Random(21);
        int probes = 50;
        int foundAtOnce = 0;
        long longestMicros = 0;
        for (int i = 0; i < probes; i++) {
            Example e = example("c" + i, "cluster", unitVector(random, DIM));
            first.put(e);
            long acked = System.nanoTime();
            int searches = 0;
            List<SearchHit> hits;
            do {
                searches++;
                hits = third.search(e.vector(), Set.of("cluster"), 1, Instant.now());
            } while ((hits.isEmpty() || !hits.get(0).example().id().equals(e.id())) && searches < 1000);
            longestMicros = Math.max(longestMicros, (System.nanoTime() - acked) / 1000);
            assertThat(hits).as("probe %d after %d searches", i, searches).isNotEmpty();
            assertThat(hits.get(0).example()).isEqualTo(e);
            foundAtOnce += searches == 1 ? 1 : 0;
            assertThat(third.get(e.id())).as("QUORUM read after QUORUM write").contains(e);
        }
        // Measured, not asserted (wall-clock): docs/benchmarks.md has the freshness runs.
        System.out.printf("cluster freshness: %d/%d found by the first search, longest %d us%n", foundAtOnce, probes,
                longestMicros);
    }

    @Test
    void statisticsUpdatedThroughTwoInstancesAtOnceLoseNothing() throws Exception {
        Example e = example("shared", "cluster", unitVector(new Random(22), DIM));
        first.put(e);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> updates = new ArrayList<>();
            for (CassandraExampleStore store : List.of(first, third)) {
                updates.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        store.updateStats(List.of(new StatsDelta("shared", 1, 0, Double.NaN)), Instant.now());
                    }
                }));
            }
            for (Future<?> f : updates) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(third.get("shared").orElseThrow().stats().uses()).isEqualTo(40);
    }
}
