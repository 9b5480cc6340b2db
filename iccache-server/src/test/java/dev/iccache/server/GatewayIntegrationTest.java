package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.testing.Eventually;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway in front of two simulated backends, over real loopback HTTP. */
class GatewayIntegrationTest {
    private static final String HELLO = "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]";
    @TempDir
    static Path dataDir;
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(1000, 4096, dataDir);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    /** The metrics page's samples: series (name and labels, as printed) to value. */
    private static Map<String, Double> samples(String page) {
        Map<String, Double> out = new HashMap<>();
        for (String line : page.lines().toList()) {
            if (!line.startsWith("#") && !line.isBlank()) {
                int space = line.lastIndexOf(' ');
                out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return out;
    }

    @Test
    void metricsShowJvmAndProcessMetricsInThePrometheusTextFormat() throws Exception {
        HttpResponse<String> r = cluster.send("GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Map<String, Double> s = samples(r.body());
        assertThat(s.get("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
        assertThat(s.get("jvm_memory_used_bytes{area=\"nonheap\"}")).isPositive();
        assertThat(s.get("jvm_memory_committed_bytes{area=\"heap\"}"))
                .isGreaterThanOrEqualTo(s.get("jvm_memory_used_bytes{area=\"heap\"}"));
        assertThat(s).containsKey("jvm_memory_max_bytes{area=\"heap\"}");
        assertThat(s.keySet()).anyMatch(k -> k.startsWith("jvm_gc_collection_seconds_count{gc=\""))
                .anyMatch(k -> k.startsWith("jvm_gc_collection_seconds_sum{gc=\""));
        assertThat(s.get("jvm_threads_current")).isGreaterThanOrEqualTo(1);
        assertThat(s.get("jvm_threads_peak")).isGreaterThanOrEqualTo(s.get("jvm_threads_current"));
        assertThat(s.get("jvm_threads_daemon")).isNotNegative();
        assertThat(s.get("jvm_classes_currently_loaded")).isPositive();
        assertThat(s.get("process_cpu_seconds_total")).isPositive();
        assertThat(s.get("process_open_fds")).isPositive();
        assertThat(s.get("process_max_fds")).isGreaterThanOrEqualTo(s.get("process_open_fds"));
        assertThat(s.get("process_resident_memory_bytes")).isPositive();
        assertThat(s.get("process_virtual_memory_bytes")).isPositive();
        assertThat(s.get("process_start_time_seconds")).isPositive();
        assertThat(s.get("process_uptime_seconds")).isPositive();
        assertThat(r.body()).contains("# TYPE process_cpu_seconds_total counter\n",
                "# TYPE jvm_gc_collection_seconds summary\n", "# TYPE jvm_memory_used_bytes gauge\n");
    }

    @Test
    void nonStreamingCompletionThroughTheVirtualModel() throws Exception {
        HttpResponse<String> r = cluster.post("/v1/chat/completions",
                "{\"model\":\"iccache\",\"max_tokens\":12," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-large");
        assertThat(r.headers().firstValue("x-iccache-route")).hasValue("routed");
        assertThat(r.headers().firstValue("x-iccache-examples")).hasValue("0");
        assertThat(Double.parseDouble(r.headers().firstValue("x-iccache-overhead-ms").orElseThrow())).isNotNegative();
        JsonNode body = json(r);
        assertThat(body.path("id").asText()).startsWith("chatcmpl-");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("created").asLong()).isPositive();
        assertThat(body.path("model").asText()).isEqualTo("sim-large");
        assertThat(body.path("choices").path(0).path("message").path("content").asText()).startsWith("[simulated large]");
        assertThat(body.path("choices").path(0).path("finish_reason").asText()).isIn("stop", "length");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isBetween(1, 12);
        assertThat(body.path("usage").path("total_tokens").asInt())
                .isEqualTo(body.path("usage").path("prompt_tokens").asInt()
                        + body.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void aBackendModelNameIsPinned() throws Exception {
        HttpResponse<String> r = cluster.post("/v1/chat/completions", "{\"model\":\"sim-small\"," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-small");
        assertThat(r.headers().firstValue("x-iccache-route")).hasValue("pinned");
        assertThat(json(r).path("choices").path(0).path("message").path("content").asText())
                .startsWith("[simulated small]");
    }

    @Test
    void streamingRelaysSseEventsEndingWithDone() throws Exception {
        HttpResponse<String> r = cluster.post("/v1/chat/completions",
                "{\"model\":\"iccache\",\"stream\":true,\"max_tokens\":9," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-large");
        List<JsonNode> events = events(r.body());
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(e.path("model").asText()).isEqualTo("sim-large");
            assertThat(e.has("usage")).isFalse();
        });
        assertThat(events.stream().map(e -> e.path("id").asText()).distinct()).hasSize(1);
        assertThat(events.get(0).path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(events.get(events.size() - 1).path("choices").path(0).path("finish_reason").asText())
                .isIn("stop", "length");
        StringBuilder text = new StringBuilder();
        events.forEach(e -> text.append(e.path("choices").path(0).path("delta").path("content").asText("")));
        assertThat(text.toString()).startsWith("[simulated large]");
    }

    @Test
    void streamingWithIncludeUsageEndsWithAUsageChunk() throws Exception {
        HttpResponse<String> r = cluster.post("/v1/chat/completions", "{\"model\":\"sim-small\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"max_tokens\":6," + HELLO + "}");
        List<JsonNode> events = events(r.body());
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("completion_tokens").asInt()).isBetween(1, 6);
    }

    @Test
    void modelsListsTheVirtualModelAndTheBackends() throws Exception {
        HttpResponse<String> r = cluster.send("GET", "/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(r).path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertThat(ids).as("then the embedding model").containsExactly("iccache", "sim-small", "sim-large",
                "all-minilm-l6-v2-q");
    }

    @Test
    void healthReadinessAndMetrics() throws Exception {
        assertThat(cluster.send("GET", "/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = cluster.send("GET", "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).path("status").asText()).isEqualTo("ready");
        cluster.post("/v1/chat/completions", "{\"model\":\"sim-small\",\"stream\":true," + HELLO + "}");
        cluster.post("/v1/chat/completions", "{\"model\":\"sim-small\"," + HELLO + "}");
        // Exploration probes may still run on sim-small after the responses (off the request path).
        assertThat(Eventually.holds(() -> cluster.send("GET", "/metrics").body()
                .contains("iccache_backend_in_flight{backend=\"sim-small\"} 0.0"))).isTrue();
        String metrics = cluster.send("GET", "/metrics").body();
        assertThat(metrics).contains(
                "iccache_requests_total{backend=\"sim-small\",endpoint=\"/v1/chat/completions\",route=\"pinned\","
                        + "status=\"200\",stream=\"true\"}",
                "iccache_requests_total{backend=\"sim-small\",endpoint=\"/v1/chat/completions\",route=\"pinned\","
                        + "status=\"200\",stream=\"false\"}",
                "iccache_backend_latency_seconds_bucket{backend=\"sim-small\",stream=\"false\",le=\"+Inf\"}",
                "iccache_backend_time_to_first_token_seconds_count{backend=\"sim-small\"}",
                "iccache_time_to_first_token_seconds_count{backend=\"sim-small\"}",
                "iccache_backend_in_flight{backend=\"sim-small\"} 0.0",
                "iccache_gateway_overhead_seconds_count");
    }

    @Test
    void malformedJsonIs400AndTheServerKeepsServing() throws Exception {
        HttpResponse<String> bad = cluster.post("/v1/chat/completions", "{\"model\": \"iccache\", \"messages\": [");
        assertThat(bad.statusCode()).isEqualTo(400);
        JsonNode error = json(bad).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("not valid JSON");
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        assertThat(cluster.post("/v1/chat/completions", "{\"model\":\"iccache\"," + HELLO + "}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void invalidRequestsGetOpenAiErrors() throws Exception {
        assertError(cluster.post("/v1/chat/completions", "{\"model\":\"iccache\"}"), 400, "messages");
        assertError(cluster.post("/v1/chat/completions", "{\"model\":\"iccache\",\"messages\":[]}"), 400, "messages");
        assertError(cluster.post("/v1/chat/completions", "{\"model\":\"iccache\",\"temperature\":\"hot\"," + HELLO
                + "}"), 400, "temperature");
        assertError(cluster.post("/v1/chat/completions", "{\"model\":\"nope\"," + HELLO + "}"), 404, "model");
        assertError(cluster.post("/v1/chat/completions", ""), 400, null);
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "x".repeat(5000);
        HttpResponse<String> r = cluster.post("/v1/chat/completions",
                "{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        assertError(r, 413, null);
        assertThat(json(r).path("error").path("message").asText()).contains("4096");
    }

    @Test
    void wrongMethodIs405AndUnknownPathIs404() throws Exception {
        assertError(cluster.send("GET", "/v1/chat/completions"), 405, null);
        assertError(cluster.send("DELETE", "/v1/models"), 405, null);
        assertError(cluster.send("GET", "/v1/nothing-here"), 404, null);
    }

    @Test
    void backendContextErrorsPassThroughAs400() throws Exception {
        HttpResponse<String> r = cluster.post("/v1/chat/completions",
                "{\"model\":\"sim-small\",\"max_tokens\":100000," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").path("message").asText()).contains("sim-small", "maximum context length");
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-small");
    }

    private static void assertError(HttpResponse<String> r, int status, String param) throws Exception {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        JsonNode error = json(r).path("error");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.path("type").asText()).isNotBlank();
        if (param != null) {
            assertThat(error.path("param").asText()).isEqualTo(param);
        }
        assertThat(r.body()).doesNotContain("Exception", "\tat ");
    }

    static List<JsonNode> events(String sse) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(Json.MAPPER.readTree(line.substring(6)));
            }
        }
        return out;
    }
}
