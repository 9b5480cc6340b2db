package dev.iccache.backend;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.config.BreakerSettings;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.time.Ticker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints of one backend (its {@code base-urls}), each behind a {@link CircuitBreaker}: a call
 * goes to the least busy endpoint (fewest calls in flight) whose breaker lets it through, ties in
 * round-robin order. Thread-safe.
 */
public final class EndpointPool {
    private final String backend;
    private final List<Endpoint> endpoints;
    private final Counter selections;
    private int cursor;

    /** One endpoint: its base URL, its calls in flight and its breaker. */
    public static final class Endpoint {
        private final String url;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final CircuitBreaker breaker;

        private Endpoint(String url, CircuitBreaker breaker) {
            this.url = url;
            this.breaker = breaker;
        }

        public String url() {
            return url;
        }

        public int inFlight() {
            return inFlight.get();
        }

        public CircuitBreaker breaker() {
            return breaker;
        }
    }

    /**
     * One call's hold on an endpoint: counts as in flight there until closed. Report the breaker's
     * outcome once the endpoint answered or failed; closing without one abandons it.
     */
    public static final class Lease implements AutoCloseable {
        private final Endpoint endpoint;
        private final CircuitBreaker.Permit permit;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Endpoint endpoint, CircuitBreaker.Permit permit) {
            this.endpoint = endpoint;
            this.permit = permit;
        }

        public Endpoint endpoint() {
            return endpoint;
        }

        public void succeeded() {
            permit.succeeded();
        }

        public void failed() {
            permit.failed();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                permit.abandoned();
                endpoint.inFlight.decrementAndGet();
            }
        }
    }

    /**
     * @param metrics registers the endpoints' selections, in-flight calls and breaker states
     */
    public EndpointPool(String backend, List<String> urls, BreakerSettings breaker, Ticker ticker,
            Metrics metrics) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("backend " + backend + " has no endpoint");
        }
        this.backend = backend;
        this.selections = metrics.counter("iccache_endpoint_selections_total",
                "Calls sent to each endpoint of a backend (retries included).", "backend", "endpoint");
        Metrics.TrackedGauge inFlight = metrics.gauge("iccache_endpoint_in_flight",
                "Calls in flight to each endpoint of a backend.", "backend", "endpoint");
        Metrics.TrackedGauge state = metrics.gauge("iccache_endpoint_breaker_state",
                "Circuit breaker of each endpoint: 0 closed, 1 half-open (probing), 2 open.", "backend", "endpoint");
        Counter transitions = metrics.counter("iccache_endpoint_breaker_transitions_total",
                "Circuit breaker changes of state, by the state entered.", "backend", "endpoint", "to");
        List<Endpoint> list = new ArrayList<>();
        for (String url : urls) {
            CircuitBreaker b = new CircuitBreaker(breaker, ticker, (from, to) -> transitions.labelValues(backend, url,
                    to.name().toLowerCase(Locale.ROOT)).inc());
            Endpoint e = new Endpoint(url, b);
            inFlight.track(e.inFlight::get, backend, url);
            state.track(() -> b.state().ordinal(), backend, url);
            list.add(e);
        }
        this.endpoints = List.copyOf(list);
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * A hold on the least busy endpoint that is not in {@code tried} and whose breaker lets a call
     * through; empty when there is none.
     */
    public synchronized Optional<Lease> acquire(Set<Endpoint> tried) {
        Set<Endpoint> refused = new HashSet<>(tried);
        while (true) {
            int best = -1;
            for (int i = 0; i < endpoints.size(); i++) {
                int at = (cursor + i) % endpoints.size();
                Endpoint e = endpoints.get(at);
                if (!refused.contains(e) && e.breaker.available()
                        && (best < 0 || e.inFlight() < endpoints.get(best).inFlight())) {
                    best = at;
                }
            }
            if (best < 0) {
                return Optional.empty();
            }
            Endpoint e = endpoints.get(best);
            Optional<CircuitBreaker.Permit> permit = e.breaker.tryAcquire();
            if (permit.isEmpty()) { // its probe went to another call since it was checked
                refused.add(e);
                continue;
            }
            cursor = (best + 1) % endpoints.size();
            e.inFlight.incrementAndGet();
            selections.labelValues(backend, e.url).inc();
            return Optional.of(new Lease(e, permit.get()));
        }
    }

    /** The failure of a call that found every endpoint's breaker open. */
    public IccacheException allOpen() {
        long waitMs = endpoints.stream().mapToLong(e -> e.breaker.nanosUntilProbe()).min().orElse(0) / 1_000_000;
        return new IccacheException(ErrorKind.BACKEND_UNAVAILABLE, "Backend '" + backend + "' failed repeatedly: "
                + (endpoints.size() == 1 ? "its endpoint's circuit breaker is" : "the circuit breakers of all its "
                + endpoints.size() + " endpoints are") + " open; the next try is in " + waitMs + " ms.", null,
                "circuit_open", null);
    }
}
