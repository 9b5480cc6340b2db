package dev.iccache.backend;

import dev.iccache.metrics.MetricsRegistry;

/** The per-backend metric families, registered once per registry. */
public final class BackendMetrics {
    final MetricsRegistry.Counter requests;
    final MetricsRegistry.Counter errors;
    final MetricsRegistry.Histogram latency;
    final MetricsRegistry.Histogram ttft;
    final MetricsRegistry.Gauge inFlight;
    final MetricsRegistry.Gauge queued;
    final MetricsRegistry.Counter tokens;
    final MetricsRegistry.Gauge loadSource;
    private final MetricsRegistry registry;

    public BackendMetrics(MetricsRegistry registry) {
        this.registry = registry;
        requests = registry.counter("iccache_backend_requests_total",
                "Calls to a backend by outcome (ok, error, cancelled).", "backend", "outcome");
        errors = registry.counter("iccache_backend_errors_total", "Failed backend calls by error type.",
                "backend", "type");
        latency = registry.histogram("iccache_backend_latency_seconds", "Whole backend call latency.",
                MetricsRegistry.LATENCY_BUCKETS, "backend", "stream");
        ttft = registry.histogram("iccache_backend_time_to_first_token_seconds",
                "Time from dispatch to the first streamed token.", MetricsRegistry.LATENCY_BUCKETS, "backend");
        inFlight = registry.gauge("iccache_backend_in_flight", "Calls holding a slot of the backend.", "backend");
        queued = registry.gauge("iccache_backend_queued", "Calls waiting for a slot of the backend.", "backend");
        tokens = registry.counter("iccache_backend_tokens_total", "Tokens reported by backends.", "backend", "kind");
        loadSource = registry.gauge("iccache_backend_load_source",
                "1 for where the router's load signal of a backend comes from now: the model server's own metrics "
                + "(server) or the gateway's count of its calls (gateway).", "backend", "source");
    }

    /** The registry these families are in, for a backend's own families (its endpoints, its server's load). */
    public MetricsRegistry registry() {
        return registry;
    }
}
