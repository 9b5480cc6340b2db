package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.AccessLogSettings;
import dev.iccache.config.BankConfig;
import dev.iccache.testing.Eventually;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log of a gateway in front of two simulated backends, over real loopback HTTP. */
class AccessLogIntegrationTest {
    private static final String SECRET = "purple elephant seventeen";
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"" + SECRET + "\"}]";

    @TempDir
    Path dir;

    private List<JsonNode> lines(Path file, int count) throws Exception {
        assertThat(Eventually.holds(() -> Files.exists(file) && Files.readAllLines(file).size() >= count))
                .as("%d lines in %s", count, file).isTrue();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            assertThat(line).doesNotContain(SECRET);
            out.add(Json.MAPPER.readTree(line));
        }
        return out;
    }

    @Test
    void everyApiRequestGetsOneLineWithItsOutcomeAndNoPromptText() throws Exception {
        Path file = dir.resolve("logs/access.jsonl");
        try (TestCluster cluster = new TestCluster(1000, b -> b.dataDir(dir.resolve("data"))
                .bank(BankConfig.DEFAULT.withStore("memory")).accessLog(new AccessLogSettings(true, file.toString())),
                Map.of())) {
            HttpResponse<String> chat = cluster.post("/v1/chat/completions",
                    "{\"model\":\"iccache\",\"max_tokens\":8," + MESSAGES + "}");
            assertThat(chat.statusCode()).isEqualTo(200);
            String id = Json.MAPPER.readTree(chat.body()).path("id").asText();
            HttpResponse<String> streamed = cluster.post("/v1/chat/completions", "{\"model\":\"sim-small\","
                    + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":6," + MESSAGES + "}");
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(cluster.post("/v1/chat/completions", "{\"model\":\"iccache\"," + MESSAGES + ",\"n\":0}")
                    .statusCode()).isEqualTo(400);
            assertThat(cluster.post("/v1/chat/completions", "{\"model\":\"nope\"," + MESSAGES + "}").statusCode())
                    .isEqualTo(404);
            HttpResponse<String> feedback = cluster.post("/v1/feedback", "{\"id\":\"" + id + "\",\"rating\":1}");
            assertThat(cluster.post("/v1/embeddings", "{\"model\":\"all-minilm-l6-v2-q\",\"input\":\"" + SECRET
                    + "\"}").statusCode()).isEqualTo(200);
            assertThat(cluster.send("GET", "/healthz").statusCode()).as("not an API endpoint: not logged")
                    .isEqualTo(200);
            int adminStatus = cluster.send("GET", "/admin/examples/search?q=x").statusCode();
            assertThat(adminStatus).as("no admin key is configured").isEqualTo(403);

            List<JsonNode> lines = lines(file, 7);
            assertThat(lines).hasSize(7);

            JsonNode ok = lines.get(0);
            assertThat(ok.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z");
            assertThat(ok.path("id").asText()).isEqualTo(id);
            assertThat(ok.path("endpoint").asText()).isEqualTo("/v1/chat/completions");
            assertThat(ok.path("tenant").asText()).isEqualTo("default");
            assertThat(ok.path("model").asText()).isEqualTo("iccache");
            assertThat(ok.path("model_used").asText()).isEqualTo(chat.headers().firstValue("x-iccache-model")
                    .orElseThrow());
            assertThat(ok.path("route").asText()).isEqualTo(chat.headers().firstValue("x-iccache-route")
                    .orElseThrow());
            assertThat(ok.path("examples").asInt()).isZero();
            assertThat(ok.path("stream").asBoolean()).isFalse();
            JsonNode usage = Json.MAPPER.readTree(chat.body()).path("usage");
            assertThat(ok.path("prompt_tokens").asInt()).isEqualTo(usage.path("prompt_tokens").asInt());
            assertThat(ok.path("completion_tokens").asInt()).isEqualTo(usage.path("completion_tokens").asInt());
            assertThat(ok.path("latency_ms").asDouble()).isNotNegative();
            assertThat(ok.path("overhead_ms").asDouble()).isNotNegative();
            assertThat(ok.path("status").asInt()).isEqualTo(200);
            assertThat(ok.has("error")).isFalse();
            assertThat(ok.has("admin")).isFalse();

            JsonNode stream = lines.get(1);
            assertThat(stream.path("stream").asBoolean()).isTrue();
            assertThat(stream.path("model").asText()).isEqualTo("sim-small");
            assertThat(stream.path("model_used").asText()).isEqualTo("sim-small");
            assertThat(stream.path("route").asText()).isEqualTo("pinned");
            assertThat(stream.path("id").asText()).startsWith("chatcmpl-");
            assertThat(stream.path("completion_tokens").asInt()).isBetween(1, 6);
            assertThat(stream.path("status").asInt()).isEqualTo(200);

            JsonNode invalid = lines.get(2);
            assertThat(invalid.path("status").asInt()).isEqualTo(400);
            assertThat(invalid.path("error").asText()).isEqualTo("invalid_request_error");
            assertThat(invalid.path("tenant").asText()).isEqualTo("default");
            assertThat(invalid.has("model_used")).isFalse();

            JsonNode missing = lines.get(3);
            assertThat(missing.path("status").asInt()).isEqualTo(404);
            assertThat(missing.path("model").asText()).isEqualTo("nope");
            assertThat(missing.path("error").asText()).isEqualTo("invalid_request_error");

            JsonNode judged = lines.get(4);
            assertThat(judged.path("endpoint").asText()).isEqualTo("/v1/feedback");
            assertThat(judged.path("id").asText()).isEqualTo(id);
            assertThat(judged.path("status").asInt()).isEqualTo(feedback.statusCode());

            JsonNode embedded = lines.get(5);
            assertThat(embedded.path("endpoint").asText()).isEqualTo("/v1/embeddings");
            assertThat(embedded.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
            assertThat(embedded.path("model_used").asText()).isEqualTo("all-minilm-l6-v2-q");
            assertThat(embedded.path("status").asInt()).isEqualTo(200);

            JsonNode admin = lines.get(6);
            assertThat(admin.path("endpoint").asText()).isEqualTo("/admin/examples/search"); // no query string
            assertThat(admin.path("admin").asBoolean()).isTrue();
            assertThat(admin.path("status").asInt()).isEqualTo(adminStatus);

            String metrics = cluster.send("GET", "/metrics").body();
            assertThat(metrics).contains("jvm_memory_used_bytes{area=\"heap\"}", "process_cpu_seconds_total",
                    "process_open_fds", "jvm_gc_collection_seconds_count{gc=", "iccache_access_log_dropped_total 0.0",
                    "iccache_requests_total{");
        }
    }
}
