package dev.iccache.server;

import dev.iccache.metrics.MetricsRegistry;

/** Client-facing metric families of the gateway (backend-side ones live in BackendMetrics). */
final class GatewayMetrics {
    final MetricsRegistry.Counter requests;
    final MetricsRegistry.Histogram duration;
    final MetricsRegistry.Histogram ttft;
    final MetricsRegistry.Histogram overhead;
    final MetricsRegistry.Counter apiRequests;
    final MetricsRegistry.Histogram apiDuration;

    GatewayMetrics(MetricsRegistry registry) {
        requests = registry.counter("iccache_requests_total",
                "Chat completion requests by answering backend, route, mode and HTTP status.",
                "backend", "route", "stream", "status");
        duration = registry.histogram("iccache_request_duration_seconds",
                "Chat completion latency seen by clients, by answering backend.", MetricsRegistry.LATENCY_BUCKETS,
                "backend", "stream");
        ttft = registry.histogram("iccache_time_to_first_token_seconds",
                "Time from request arrival to the first content chunk sent to the client (streams).",
                MetricsRegistry.LATENCY_BUCKETS, "backend");
        overhead = registry.histogram("iccache_gateway_overhead_seconds",
                "Gateway time per request excluding the backend call.", MetricsRegistry.LATENCY_BUCKETS);
        apiRequests = registry.counter("iccache_api_requests_total",
                "Requests to the OpenAI endpoints besides chat completions by path, answering model, mode and HTTP "
                        + "status.", "path", "model", "stream", "status");
        apiDuration = registry.histogram("iccache_api_request_duration_seconds",
                "Latency seen by clients of the OpenAI endpoints besides chat completions, by path and answering "
                        + "model.", MetricsRegistry.LATENCY_BUCKETS, "path", "model", "stream");
    }
}
