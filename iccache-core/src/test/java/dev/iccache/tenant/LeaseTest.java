package dev.iccache.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.Json;
import dev.iccache.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LeaseTest {
    private static final Duration TTL = Duration.ofSeconds(30);

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T12:00:00Z"));
    private final InstantSource clock = now::get;
    private final Metrics metrics = new Metrics();
    private final SharedState shared = new InMemorySharedState();

    private Lease lease(SharedState state, String holder) {
        return new Lease(state, "eviction", holder, TTL, clock, metrics);
    }

    private void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    @Test
    void theFirstToAcquireHoldsItAndTheOtherIsSkipped() throws Exception {
        Lease a = lease(shared, "a");
        Lease b = lease(shared, "b");
        assertThat(a.acquire()).isTrue();
        assertThat(b.acquire()).isFalse();
        assertThat(Json.MAPPER.readTree(shared.read(Lease.DOMAIN, "eviction").orElseThrow().json()))
                .isEqualTo(Json.MAPPER.readTree("{\"holder\":\"a\",\"expires_at\":\"2026-12-06T12:00:30Z\"}"));
        assertThat(metrics.scrape()).contains("iccache_cluster_lease_total{job=\"eviction\",outcome=\"held\"} 1.0",
                "iccache_cluster_lease_total{job=\"eviction\",outcome=\"skipped\"} 1.0");
    }

    @Test
    void theHolderRenewsItBeforeItExpires() {
        Lease a = lease(shared, "a");
        Lease b = lease(shared, "b");
        assertThat(a.acquire()).isTrue();
        advance(TTL.minusSeconds(1));
        assertThat(a.acquire()).as("renewed").isTrue();
        advance(Duration.ofSeconds(2));
        assertThat(b.acquire()).as("past the first expiry, within the renewed one").isFalse();
        assertThat(a.acquire()).isTrue();
    }

    @Test
    void anotherTakesItOverOnceItExpired() {
        Lease a = lease(shared, "a");
        Lease b = lease(shared, "b");
        assertThat(a.acquire()).isTrue();
        advance(TTL);
        assertThat(b.acquire()).isTrue();
        assertThat(a.acquire()).as("the previous holder, now that another holds it").isFalse();
    }

    @Test
    void racingAcquirersNeverBothHoldIt() throws Exception {
        assertThat(race()).as("when there is no lease yet").isEqualTo(1);
        advance(TTL);
        assertThat(race()).as("when the lease expired").isEqualTo(1);
    }

    /**
     * Two new holders that both read the lease before either writes (as {@link SharedStateContract} forces a
     * race), then write one at a time; how many of them hold it.
     */
    private int race() throws Exception {
        CyclicBarrier bothRead = new CyclicBarrier(2);
        SharedState readTogether = new ForwardingSharedState(shared) {
            @Override
            public Optional<Versioned> read(String domain, String name) {
                Optional<Versioned> read = super.read(domain, name);
                try {
                    bothRead.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return read;
            }

            @Override
            public synchronized boolean create(String domain, String name, String json) {
                return super.create(domain, name, json);
            }

            @Override
            public synchronized boolean replace(String domain, String name, UUID expected, String json) {
                return super.replace(domain, name, expected, json);
            }
        };
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> held = List.of(
                    threads.submit(lease(readTogether, UUID.randomUUID().toString())::acquire),
                    threads.submit(lease(readTogether, UUID.randomUUID().toString())::acquire));
            int holders = 0;
            for (Future<Boolean> f : held) {
                holders += f.get() ? 1 : 0;
            }
            return holders;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFailingStoreIsNotHeldAndCountedUntilItWorksAgain() {
        ForwardingSharedState flaky = new ForwardingSharedState(shared);
        flaky.down = true;
        Lease a = lease(flaky, "a");
        assertThat(a.acquire()).isFalse();
        assertThat(a.acquire()).isFalse();
        flaky.down = false;
        assertThat(a.acquire()).isTrue();
        assertThat(metrics.scrape()).contains("iccache_cluster_lease_total{job=\"eviction\",outcome=\"failed\"} 2.0",
                "iccache_cluster_lease_total{job=\"eviction\",outcome=\"held\"} 1.0");
    }

    @Test
    void aLeaseThatIsNotJsonFails() {
        shared.create(Lease.DOMAIN, "eviction", "not json");
        assertThat(lease(shared, "a").acquire()).isFalse();
    }
}
