package dev.iccache.server;

import static dev.iccache.server.AnthropicMessagesTest.assertError;
import static dev.iccache.server.AnthropicMessagesTest.events;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/messages} against scripted upstreams: what reaches the backend, tool calls both
 * ways, a stream cut after its first bytes, and tenant keys in {@code x-api-key}.
 */
class AnthropicUpstreamTest {
    private static final String TOOLS = ",\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather of a city\","
            + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}],"
            + "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true}";
    @TempDir
    Path dataDir;
    private FakeUpstream upstream;
    private GatewayServer gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start(FakeUpstream.Behaviour behaviour) throws Exception {
        upstream = new FakeUpstream(behaviour);
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory"))
                .backends(List.of(new BackendConfig("fake", upstream.baseUrl(), "org/upstream-model", null,
                        BackendRole.LARGE, 0, 0, 0, 0, 0, 5000, 0, 0, null, 0))).build());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/messages"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theConversationReachesTheBackendAsChatMessages() throws Exception {
        start((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("fine")));
        HttpResponse<String> r = post("{\"model\":\"fake\",\"max_tokens\":50,\"temperature\":0.5,\"top_p\":0.9,"
                + "\"top_k\":40,\"stop_sequences\":[\"END\"],\"metadata\":{\"user_id\":\"u-7\"},"
                + "\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Hi!\"}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\"},{\"type\":\"image\","
                + "\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0\"}}]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = Json.MAPPER.readTree(upstream.bodies.get(0));
        assertThat(sent.path("model").asText()).isEqualTo("org/upstream-model");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.5);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.path("top_k").asInt()).isEqualTo(40);
        assertThat(sent.path("stop").toString()).isEqualTo("[\"END\"]");
        assertThat(sent.path("user").asText()).isEqualTo("u-7");
        assertThat(sent.path("messages").toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hello\"},{\"role\":\"assistant\",\"content\":\"Hi!\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0\"}}]}]");
        JsonNode m = Json.MAPPER.readTree(r.body());
        assertThat(m.path("content").toString()).isEqualTo("[{\"type\":\"text\",\"text\":\"fine\"}]");
        assertThat(m.path("usage").toString()).isEqualTo("{\"input_tokens\":3,\"output_tokens\":1}");
        assertThat(m.path("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void toolUseAndToolResultsTranslateBothWays() throws Exception {
        start((ex, n) -> FakeUpstream.json(ex, 200, "{\"id\":\"up\",\"object\":\"chat.completion\",\"choices\":[{"
                + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_9\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo"
                + "\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":30,"
                + "\"completion_tokens\":9,\"total_tokens\":39}}"));
        HttpResponse<String> r = post("{\"model\":\"fake\",\"max_tokens\":50" + TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Rome?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":\"tool_use\","
                + "\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Rome\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"21 C\"}]},{\"type\":\"text\",\"text\":\"And in Oslo?\"}]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = Json.MAPPER.readTree(upstream.bodies.get(0));
        assertThat(sent.path("tools").toString()).isEqualTo("[{\"type\":\"function\",\"function\":{\"name\":"
                + "\"get_weather\",\"description\":\"Weather of a city\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}}}}}]");
        assertThat(sent.path("tool_choice").asText()).isEqualTo("required");
        assertThat(sent.path("parallel_tool_calls").asBoolean(true)).isFalse();
        assertThat(sent.path("messages").toString()).isEqualTo("[{\"role\":\"user\",\"content\":\"Weather in Rome?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":"
                + "\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"21 C\"},"
                + "{\"role\":\"user\",\"content\":\"And in Oslo?\"}]");
        JsonNode m = Json.MAPPER.readTree(r.body());
        assertThat(m.path("content").toString()).isEqualTo("[{\"type\":\"tool_use\",\"id\":\"call_9\",\"name\":"
                + "\"get_weather\",\"input\":{\"city\":\"Oslo\"}}]");
        assertThat(m.path("stop_reason").asText()).isEqualTo("tool_use");
    }

    @Test
    void aStreamedToolCallBecomesAToolUseBlockWithInputJsonDeltas() throws Exception {
        start((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("Let me check.", null));
            FakeUpstream.event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":"
                    + "\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},"
                    + "\"finish_reason\":null}]}");
            FakeUpstream.event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                    + "{\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}");
            FakeUpstream.event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                    + "{\"arguments\":\"\\\"Oslo\\\"}\"}}]},\"finish_reason\":null}]}");
            FakeUpstream.event(out, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}");
            FakeUpstream.event(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":12}}");
            FakeUpstream.event(out, "[DONE]");
        });
        HttpResponse<String> r = post("{\"model\":\"fake\",\"max_tokens\":50,\"stream\":true" + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> shapes = events(r.body()).stream().map(e -> switch (e.path("type").asText()) {
            case "content_block_start" -> "start " + e.path("index").asInt() + " " + e.path("content_block");
            case "content_block_delta" -> "delta " + e.path("index").asInt() + " " + e.path("delta");
            case "content_block_stop" -> "stop " + e.path("index").asInt();
            case "message_delta" -> "message_delta " + e.path("delta") + " " + e.path("usage");
            default -> e.path("type").asText();
        }).toList();
        assertThat(shapes).containsExactly("message_start", "ping",
                "start 0 {\"type\":\"text\",\"text\":\"\"}",
                "delta 0 {\"type\":\"text_delta\",\"text\":\"Let me check.\"}",
                "stop 0",
                "start 1 {\"type\":\"tool_use\",\"id\":\"call_3\",\"name\":\"get_weather\",\"input\":{}}",
                "delta 1 {\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}",
                "delta 1 {\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Oslo\\\"}\"}",
                "stop 1",
                "message_delta {\"stop_reason\":\"tool_use\",\"stop_sequence\":null} "
                        + "{\"input_tokens\":30,\"output_tokens\":12}",
                "message_stop");
    }

    @Test
    void aStreamCutAfterItsFirstBytesEndsWithAnErrorEventAndNoMessageStop() throws Exception {
        start((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("half", null));
            out.close();
        });
        HttpResponse<String> r = post("{\"model\":\"fake\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> events = events(r.body());
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("message_start", "ping",
                "content_block_start", "content_block_delta", "error");
        JsonNode error = events.get(events.size() - 1).path("error");
        assertThat(error.path("type").asText()).isEqualTo("api_error");
        assertThat(error.path("message").asText()).contains("closed the stream before it completed");
        assertThat(upstream.bodies).as("never restarted").hasSize(1);
    }

    @Test
    void aBackendFailureBeforeTheFirstByteIsAnAnthropicErrorWithItsStatus() throws Exception {
        start((ex, n) -> FakeUpstream.json(ex, 400, "{\"error\":{\"message\":\"This model's maximum context length"
                + " is 10 tokens\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":"
                + "\"context_length_exceeded\"}}"));
        assertError(post("{\"model\":\"fake\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}"), 400, "invalid_request_error", "maximum context length");
    }

    @Test
    void theTenantKeyComesInXApiKeyOrAuthorization() throws Exception {
        try (TestCluster cluster = new TestCluster(1000, b -> b.dataDir(dataDir)
                .tenants(List.of(new TenantConfig("a", "KEY_A", true))).bank(BankConfig.DEFAULT.withStore("memory")),
                Map.of("KEY_A", "sk-a"))) {
            String body = AnthropicMessagesTest.message("sim-small", "hi", 8, "");
            assertError(cluster.post("/v1/messages", body), 401, "authentication_error", "API key");
            assertError(cluster.post("/v1/messages", body, "x-api-key", "wrong"), 401, "authentication_error",
                    "Incorrect API key");
            assertThat(cluster.post("/v1/messages", body, "x-api-key", "sk-a").statusCode()).isEqualTo(200);
            assertThat(cluster.post("/v1/messages", body, "Authorization", "Bearer sk-a").statusCode()).isEqualTo(200);
        }
    }
}
