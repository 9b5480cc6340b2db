package dev.iccache.server;

import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;

/** Client-facing metric families of the gateway (backend-side ones live in BackendMetrics). */
final class GatewayMetrics {
    final Counter requests;
    final Histogram duration;
    final Histogram ttft;
    final Histogram overhead;
    final Counter apiRequests;
    final Histogram apiDuration;

    GatewayMetrics(Metrics registry) {
        requests = registry.counter("iccache_requests_total",
                "Chat requests by endpoint (/v1/chat/completions, /v1/messages), answering backend, route, mode and "
                        + "HTTP status.", "endpoint", "backend", "route", "stream", "status");
        duration = registry.histogram("iccache_request_duration_seconds",
                "Chat completion latency seen by clients, by answering backend.", Metrics.LATENCY_BUCKETS,
                "backend", "stream");
        ttft = registry.histogram("iccache_time_to_first_token_seconds",
                "Time from request arrival to the first content chunk sent to the client (streams).",
                Metrics.LATENCY_BUCKETS, "backend");
        overhead = registry.histogram("iccache_gateway_overhead_seconds",
                "Gateway time per request excluding the backend call.", Metrics.LATENCY_BUCKETS);
        apiRequests = registry.counter("iccache_api_requests_total",
                "Requests to the OpenAI endpoints besides chat completions by path, answering model, mode and HTTP "
                        + "status.", "path", "model", "stream", "status");
        apiDuration = registry.histogram("iccache_api_request_duration_seconds",
                "Latency seen by clients of the OpenAI endpoints besides chat completions, by path and answering "
                        + "model.", Metrics.LATENCY_BUCKETS, "path", "model", "stream");
    }
}
