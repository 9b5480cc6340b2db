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

    public BackendMetrics(MetricsRegistry registry) {
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
    }
}
