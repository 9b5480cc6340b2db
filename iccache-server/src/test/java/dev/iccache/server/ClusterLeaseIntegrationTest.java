package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.config.BankConfig;
import dev.iccache.store.cassandra.CassandraNode;
import dev.iccache.testing.Eventually;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways with {@code bank.store: cassandra} on one keyspace of the tests' local Cassandra node and an eviction
 * budget: the eviction check runs on one of them, which holds the lease, and the other skips it.
 */
@ExtendWith(CassandraNode.class)
class ClusterLeaseIntegrationTest {
    private static final String KEYSPACE = "iccache_lease_it";
    private static final Pattern EVICTION_TRIES =
            Pattern.compile("iccache_cluster_lease_total\\{job=\"eviction\",outcome=\"(\\w+)\"} ([0-9.]+)");
    private TestCluster first;
    private TestCluster second;

    @AfterEach
    void stop() {
        TestCluster.closeAll(first, second);
    }

    /** A gateway's tries of the eviction lease by outcome. */
    private static Map<String, Double> evictionTries(TestCluster gateway) throws Exception {
        Map<String, Double> tries = new HashMap<>();
        Matcher m = EVICTION_TRIES.matcher(gateway.send("GET", "/metrics").body());
        while (m.find()) {
            tries.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return tries;
    }

    private static double total(Map<String, Double> tries) {
        return tries.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    @Test
    void oneGatewayRunsTheEvictionChecksAndTheOtherSkipsThem(@TempDir Path dataA, @TempDir Path dataB)
            throws Exception {
        BankConfig fresh = CassandraBanks.fresh(KEYSPACE);
        BankConfig bank = new BankConfig(true, "cassandra", fresh.exampleSources(), fresh.dedupThreshold(),
                fresh.ttlHours(), fresh.admissionQueue(), 1000, 0, fresh.cassandra());
        first = new TestCluster(1000, b -> b.dataDir(dataA).bank(bank), Map.of());
        second = new TestCluster(1000, b -> b.dataDir(dataB).bank(bank), Map.of());

        // Checks every 10 s: two each.
        assertThat(Eventually.holds(() -> total(evictionTries(first)) >= 2 && total(evictionTries(second)) >= 2,
                60_000, 200)).isTrue();
        Map<String, Double> a = evictionTries(first);
        Map<String, Double> b = evictionTries(second);
        assertThat(a.containsKey("held") != b.containsKey("held")).as("one holder: %s, %s", a, b).isTrue();
        Map<String, Double> other = a.containsKey("held") ? b : a;
        assertThat(other).containsKey("skipped");
    }
}
