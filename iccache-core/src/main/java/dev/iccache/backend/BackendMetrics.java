package dev.iccache.backend;

import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;

/** The per-backend metric families, registered once per registry. */
public final class BackendMetrics {
    final Counter requests;
    final Counter errors;
    final Histogram latency;
    final Histogram ttft;
    final Metrics.TrackedGauge inFlight;
    final Metrics.TrackedGauge queued;
    final Counter tokens;
    final Metrics.TrackedGauge loadSource;
    private final Metrics registry;

    public BackendMetrics(Metrics registry) {
        this.registry = registry;
        requests = registry.counter("iccache_backend_requests_total",
                "Calls to a backend by outcome (ok, error, cancelled).", "backend", "outcome");
        errors = registry.counter("iccache_backend_errors_total", "Failed backend calls by error type.",
                "backend", "type");
        latency = registry.histogram("iccache_backend_latency_seconds", "Whole backend call latency.",
                Metrics.LATENCY_BUCKETS, "backend", "stream");
        ttft = registry.histogram("iccache_backend_time_to_first_token_seconds",
                "Time from dispatch to the first streamed token.", Metrics.LATENCY_BUCKETS, "backend");
        inFlight = registry.gauge("iccache_backend_in_flight", "Calls holding a slot of the backend.", "backend");
        queued = registry.gauge("iccache_backend_queued", "Calls waiting for a slot of the backend.", "backend");
        tokens = registry.counter("iccache_backend_tokens_total", "Tokens reported by backends.", "backend", "kind");
        loadSource = registry.gauge("iccache_backend_load_source",
                "1 for where the router's load signal of a backend comes from now: the model server's own metrics "
                + "(server) or the gateway's count of its calls (gateway).", "backend", "source");
    }

    /** The registry these families are in, for a backend's own families (its endpoints, its server's load). */
    public Metrics registry() {
        return registry;
    }
}
