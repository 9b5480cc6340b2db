package dev.iccache.backend.http;

import dev.iccache.backend.http.PrometheusText.Sample;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The load a model server publishes in its Prometheus metrics: vLLM's
 * {@code vllm:num_requests_running}, {@code vllm:num_requests_waiting} and
 * {@code vllm:kv_cache_usage_perc} (before v0.10 {@code vllm:gpu_cache_usage_perc}), or llama.cpp's
 * server's {@code llamacpp:requests_processing}, {@code llamacpp:requests_deferred} and, in the
 * builds that have it, {@code llamacpp:kv_cache_usage_ratio}. Requests are summed over label sets
 * (vLLM labels each engine and model); KV-cache usage (0 to 1) is the highest.
 *
 * @param server       {@code vLLM} or {@code llama.cpp}
 * @param running      requests being generated
 * @param waiting      requests waiting for the server to take them
 * @param kvCacheUsage share of the KV cache in use, when published
 */
record ServerReading(String server, double running, double waiting, OptionalDouble kvCacheUsage) {
    /** What {@code samples} say of the load; empty when they hold neither server's running and waiting requests. */
    static Optional<ServerReading> of(List<Sample> samples) {
        return read("vLLM", samples, "vllm:num_requests_running", "vllm:num_requests_waiting",
                "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
                .or(() -> read("llama.cpp", samples, "llamacpp:requests_processing", "llamacpp:requests_deferred",
                        "llamacpp:kv_cache_usage_ratio", "llamacpp:kv_cache_usage_ratio"));
    }

    private static Optional<ServerReading> read(String server, List<Sample> samples, String running, String waiting,
            String kv, String olderKv) {
        OptionalDouble r = sum(samples, running);
        OptionalDouble w = sum(samples, waiting);
        if (r.isEmpty() || w.isEmpty()) {
            return Optional.empty();
        }
        OptionalDouble usage = max(samples, kv);
        return Optional.of(new ServerReading(server, r.getAsDouble(), w.getAsDouble(),
                usage.isPresent() ? usage : max(samples, olderKv)));
    }

    /** Usable values are finite and not negative; others are left out. */
    private static OptionalDouble sum(List<Sample> samples, String name) {
        return values(samples, name).reduce(Double::sum);
    }

    private static OptionalDouble max(List<Sample> samples, String name) {
        return values(samples, name).max();
    }

    private static java.util.stream.DoubleStream values(List<Sample> samples, String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value)
                .filter(v -> Double.isFinite(v) && v >= 0);
    }
}
