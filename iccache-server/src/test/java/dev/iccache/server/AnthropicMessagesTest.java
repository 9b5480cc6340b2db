package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.testing.Eventually;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/messages} over loopback HTTP against simulated backends: Anthropic message
 * objects, streams of Anthropic events, Anthropic errors, and the chat pipeline behind them
 * (routing, headers, admission into the bank, feedback ids, metrics).
 */
class AnthropicMessagesTest {
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};
    @TempDir
    static Path dataDir;
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(1000, b -> b.dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory")),
                Map.of("ICCACHE_ADMIN_KEY", "admin-secret"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static String message(String model, String question, int maxTokens, String extra) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + ",\"system\":\"You are terse.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" + question
                + "\"}]}]" + extra + "}";
    }

    private static HttpResponse<String> post(String body, String... headers) throws Exception {
        return cluster.post("/v1/messages", body, headers);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void aMessageIsAnsweredAsAnAnthropicMessageWithTheIccacheHeaders() throws Exception {
        HttpResponse<String> r = post(message("sim-large", "What is a cache?", 64, ""), "anthropic-version",
                "2023-06-01");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode m = json(r);
        assertThat(m.path("id").asText()).startsWith("msg_ic");
        assertThat(m.path("type").asText()).isEqualTo("message");
        assertThat(m.path("role").asText()).isEqualTo("assistant");
        assertThat(m.path("model").asText()).isEqualTo("sim-large");
        assertThat(m.path("content")).hasSize(1);
        assertThat(m.path("content").path(0).path("type").asText()).isEqualTo("text");
        assertThat(m.path("content").path(0).path("text").asText()).startsWith("[simulated large]");
        assertThat(m.path("stop_reason").asText()).isIn("end_turn", "max_tokens");
        assertThat(m.path("stop_sequence").isNull()).isTrue();
        assertThat(m.path("usage").path("input_tokens").asInt()).isPositive();
        assertThat(m.path("usage").path("output_tokens").asInt()).isBetween(1, 64);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-large");
        assertThat(r.headers().firstValue("x-iccache-route")).hasValue("pinned");
        assertThat(r.headers().firstValue("x-iccache-overhead-ms")).isPresent();
    }

    @Test
    void finishReasonsBecomeStopReasons() throws Exception {
        JsonNode cut = json(post(message("sim-large", "Tell me about the history of caching.", 2, "")));
        assertThat(cut.path("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(cut.path("usage").path("output_tokens").asInt()).isEqualTo(2);

        String question = "Describe a least recently used cache.";
        String text = json(post(message("sim-large", question, 40, ""))).path("content").path(0).path("text")
                .asText();
        String[] words = text.split(" ");
        String stop = " " + words[words.length / 2]; // one whole token: the simulated backend matches within tokens
        int at = text.indexOf(stop);
        JsonNode stopped = json(post(message("sim-large", question, 40, ",\"stop_sequences\":"
                + Json.MAPPER.createArrayNode().add(stop))));
        assertThat(stopped.path("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(stopped.path("stop_sequence").asText()).isEqualTo(stop);
        assertThat(stopped.path("content").path(0).path("text").asText()).isEqualTo(text.substring(0, at));
    }

    @Test
    void aStreamIsASequenceOfAnthropicEvents() throws Exception {
        HttpResponse<String> r = post(message("sim-small", "What is a cache?", 24, ",\"stream\":true"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-small");
        List<JsonNode> events = events(r.body());
        List<String> types = events.stream().map(e -> e.path("type").asText()).distinct().toList();
        assertThat(types).containsExactly("message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop");
        JsonNode start = events.get(0).path("message");
        assertThat(start.path("id").asText()).startsWith("msg_ic");
        assertThat(start.path("model").asText()).isEqualTo("sim-small");
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.path("type").asText().equals("content_block_delta"))
                .forEach(e -> {
                    assertThat(e.path("delta").path("type").asText()).isEqualTo("text_delta");
                    assertThat(e.path("index").asInt()).isZero();
                    text.append(e.path("delta").path("text").asText());
                });
        assertThat(text.toString()).startsWith("[simulated small]");
        JsonNode delta = events.get(events.size() - 2);
        assertThat(delta.path("delta").path("stop_reason").asText()).isIn("end_turn", "max_tokens");
        assertThat(delta.path("usage").path("output_tokens").asInt()).isBetween(1, 24);
        assertThat(delta.path("usage").path("input_tokens").asInt()).isPositive();
    }

    /** The {@code data:} objects of an Anthropic stream, checking that each has its {@code event:} line. */
    static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        String name = null;
        for (String line : body.split("\n")) {
            if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                JsonNode data = Json.MAPPER.readTree(line.substring(6));
                assertThat(data.path("type").asText()).as("event line of " + data).isEqualTo(name);
                events.add(data);
                name = null;
            }
        }
        return events;
    }

    @Test
    void badRequestsGetAnthropicErrors() throws Exception {
        assertError(post("{\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400,
                "invalid_request_error", "max_tokens");
        assertError(post(message("gpt-17", "hi", 8, "")), 404, "not_found_error", "gpt-17");
        assertError(post("{\"model\":\"sim-large\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"document\",\"source\":{}}]}]}"), 400, "invalid_request_error", "document");
        assertError(post(message("sim-large", "hi", 8, ",\"temperature\":1.5")), 400, "invalid_request_error",
                "temperature");
        assertError(post("not json"), 400, "invalid_request_error", "not valid JSON");
        assertError(cluster.send("GET", "/v1/messages"), 405, "invalid_request_error", "GET");
        assertError(cluster.post("/v1/messages/count_tokens", message("sim-large", "hi", 8, "")), 404,
                "not_found_error", "count_tokens");
    }

    static void assertError(HttpResponse<String> r, int status, String type, String mentions) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo(type);
        assertThat(body.path("error").path("message").asText()).contains(mentions);
    }

    @Test
    void messagesGoThroughTheChatPipelineRoutingAdmissionFeedbackAndMetrics() throws Exception {
        String question = "Why do CPUs have several cache levels?";
        HttpResponse<String> routed = post(message("iccache", question, 4096, ""));
        assertThat(routed.statusCode()).as(routed.body()).isEqualTo(200);
        assertThat(routed.headers().firstValue("x-iccache-route")).hasValue("routed");
        assertThat(routed.headers().firstValue("x-iccache-model")).as("cold start: the default model serves")
                .hasValue("sim-large");
        String id = json(routed).path("id").asText();
        String answer = json(routed).path("content").path(0).path("text").asText();
        assertThat(Eventually.holds(() -> admitted(question, answer))).as("the large model's answer is admitted")
                .isTrue();
        HttpResponse<String> feedback = cluster.post("/v1/feedback", "{\"id\":\"" + id + "\",\"rating\":1}");
        assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(200);
        assertThat(post("{\"model\":\"iccache\"}").statusCode()).isEqualTo(400);
        String metrics = cluster.send("GET", "/metrics", ADMIN).body();
        assertThat(metrics).containsPattern(
                "iccache_requests_total\\{backend=\"sim-large\",endpoint=\"/v1/messages\",route=\"routed\",status=\"200\","
                        + "stream=\"false\"} \\d");
        assertThat(metrics).contains("iccache_requests_total{backend=\"none\",endpoint=\"/v1/messages\",route=\"rejected\","
                + "status=\"400\",stream=\"false\"}");
    }

    /** Whether the bank holds {@code answer} as the response to {@code question}. */
    private static boolean admitted(String question, String answer) throws Exception {
        HttpResponse<String> r = cluster.send("GET", "/admin/examples/search?k=5&q="
                + java.net.URLEncoder.encode(question, java.nio.charset.StandardCharsets.UTF_8), ADMIN);
        for (JsonNode hit : Json.MAPPER.readTree(r.body()).path("results")) {
            if (hit.path("response").asText().equals(answer)) {
                return true;
            }
        }
        return false;
    }
}
