package dev.iccache.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ErrorKind;
import dev.iccache.config.BreakerSettings;
import dev.iccache.metrics.Metrics;
import dev.iccache.time.VirtualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Least-busy balancing with round-robin ties, breakers and retries' untried endpoints. */
class EndpointPoolTest {
    private static final long MS = 1_000_000;
    private final VirtualClock clock = new VirtualClock();
    private final Metrics metrics = new Metrics();
    private final EndpointPool pool = new EndpointPool("large", List.of("http://a/v1", "http://b/v1", "http://c/v1"),
            new BreakerSettings(2, 1_000, 8_000), clock, metrics);

    private String take() {
        return pool.acquire(Set.of()).orElseThrow().endpoint().url();
    }

    @Test
    void tiesGoRoundRobin() {
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            EndpointPool.Lease lease = pool.acquire(Set.of()).orElseThrow();
            picked.add(lease.endpoint().url());
            lease.close();
        }
        assertThat(picked).containsExactly("http://a/v1", "http://b/v1", "http://c/v1", "http://a/v1", "http://b/v1",
                "http://c/v1");
        assertThat(metrics.scrape()).contains(
                "iccache_endpoint_selections_total{backend=\"large\",endpoint=\"http://a/v1\"} 2.0");
    }

    @Test
    void theLeastBusyEndpointIsChosen() {
        EndpointPool.Lease a = pool.acquire(Set.of()).orElseThrow();
        EndpointPool.Lease b = pool.acquire(Set.of()).orElseThrow();
        EndpointPool.Lease b2 = pool.acquire(Set.of()).orElseThrow(); // c
        a.close();
        // in flight: a 0, b 1, c 1
        assertThat(take()).isEqualTo("http://a/v1");
        assertThat(pool.endpoints().get(0).inFlight()).isEqualTo(1);
        assertThat(metrics.scrape()).contains("iccache_endpoint_in_flight{backend=\"large\",endpoint=\"http://b/v1\"} 1.0");
        b.close();
        b2.close();
        b.close(); // closing twice counts once
        assertThat(pool.endpoints().get(1).inFlight()).isZero();
    }

    @Test
    void anOpenBreakerTakesItsEndpointOutUntilItsProbe() {
        for (int i = 0; i < 2; i++) {
            EndpointPool.Lease lease = pool.acquire(Set.of(pool.endpoints().get(1), pool.endpoints().get(2)))
                    .orElseThrow();
            assertThat(lease.endpoint().url()).isEqualTo("http://a/v1");
            lease.failed();
            lease.close();
        }
        assertThat(metrics.scrape()).contains("iccache_endpoint_breaker_state{backend=\"large\",endpoint=\"http://a/v1\"} 2.0",
                "iccache_endpoint_breaker_transitions_total{backend=\"large\",endpoint=\"http://a/v1\",to=\"open\"} 1.0");
        for (int i = 0; i < 6; i++) {
            assertThat(take()).isNotEqualTo("http://a/v1");
        }
        clock.sleepNanos(1_000 * MS);
        List<String> next = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            next.add(take()); // leases kept: each call sees the others in flight
        }
        assertThat(next).as("after the cool-down a probes once").containsOnlyOnce("http://a/v1");
        assertThat(metrics.scrape()).contains("iccache_endpoint_breaker_state{backend=\"large\",endpoint=\"http://a/v1\"} 1.0");
    }

    @Test
    void aRetryPrefersEndpointsNotYetTried() {
        EndpointPool.Lease first = pool.acquire(Set.of()).orElseThrow();
        first.close();
        EndpointPool.Lease second = pool.acquire(Set.of(first.endpoint())).orElseThrow();
        assertThat(second.endpoint()).isNotEqualTo(first.endpoint());
        second.close();
        assertThat(pool.acquire(Set.copyOf(pool.endpoints()))).as("every endpoint tried").isEmpty();
    }

    @Test
    void whenEveryBreakerIsOpenTheFailureSaysSo() {
        EndpointPool one = new EndpointPool("small", List.of("http://s/v1"), new BreakerSettings(1, 1_000, 1_000), clock,
                metrics);
        EndpointPool.Lease lease = one.acquire(Set.of()).orElseThrow();
        lease.failed();
        lease.close();
        assertThat(one.acquire(Set.of())).isEmpty();
        assertThat(one.allOpen().kind()).isEqualTo(ErrorKind.BACKEND_UNAVAILABLE);
        assertThat(one.allOpen().code()).hasValue("circuit_open");
        assertThat(one.allOpen().getMessage()).contains("'small'", "circuit breaker", "1000 ms");
    }
}
