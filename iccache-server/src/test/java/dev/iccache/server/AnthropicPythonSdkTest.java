package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Anthropic Python SDK ({@code sdk/anthropic_messages.py}) against the gateway's
 * {@code /v1/messages}: two simulated backends, and an {@code echo} backend that numbers its replies
 * and records what reached it (and cuts a stream whose question is "cut").
 */
class AnthropicPythonSdkTest {
    private static final String SCRIPT = "anthropic_messages.py";
    @TempDir
    static Path dataDir;
    private static PythonSdk sdk;
    private static SimBackendServer small;
    private static SimBackendServer large;
    private static FakeUpstream echo;
    private static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        sdk = PythonSdk.require();
        small = TestCluster.sim("sim-small", SimProfile.SMALL, 1000);
        large = TestCluster.sim("sim-large", SimProfile.LARGE, 1000);
        echo = new FakeUpstream(AnthropicPythonSdkTest::echo);
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory")).defaultModel("sim-large")
                .backends(List.of(
                        BackendConfig.remote("sim-small", "http://127.0.0.1:" + small.port() + "/v1", BackendRole.SMALL),
                        BackendConfig.remote("sim-large", "http://127.0.0.1:" + large.port() + "/v1", BackendRole.LARGE),
                        BackendConfig.remote("echo", echo.baseUrl(), BackendRole.SMALL))).build());
    }

    /** Reply number n, whole or streamed in two chunks; a stream asked to "cut" ends after its first chunk. */
    private static void echo(com.sun.net.httpserver.HttpExchange ex, int n) throws Exception {
        JsonNode request = Json.MAPPER.readTree(echo.bodies.get(n - 1));
        String reply = "Reply number " + n + ".";
        if (!request.path("stream").asBoolean()) {
            FakeUpstream.json(ex, 200, FakeUpstream.completion(reply));
            return;
        }
        OutputStream out = FakeUpstream.sse(ex);
        FakeUpstream.event(out, FakeUpstream.chunk("Reply ", null));
        if (request.path("messages").toString().contains("\"cut\"")) {
            out.close();
            return;
        }
        FakeUpstream.event(out, FakeUpstream.chunk("number " + n + ".", "stop"));
        FakeUpstream.event(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":3}}");
        FakeUpstream.event(out, "[DONE]");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, echo, large, small}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static JsonNode run(String scenario) throws Exception {
        return sdk.run(SCRIPT, scenario, "http://127.0.0.1:" + gateway.port(), Map.of());
    }

    @Test
    void aMessage() throws Exception {
        JsonNode r = run("complete");
        JsonNode m = r.path("message");
        assertThat(m.path("id").asText()).startsWith("msg_ic");
        assertThat(m.path("type").asText()).isEqualTo("message");
        assertThat(m.path("role").asText()).isEqualTo("assistant");
        assertThat(m.path("model").asText()).isEqualTo("sim-large");
        assertThat(m.path("content").path(0).path("type").asText()).isEqualTo("text");
        assertThat(m.path("content").path(0).path("text").asText()).startsWith("[simulated large]");
        assertThat(m.path("stop_reason").asText()).isIn("end_turn", "max_tokens");
        assertThat(m.path("input_tokens").asInt()).isPositive();
        assertThat(m.path("output_tokens").asInt()).isBetween(1, 64);
        assertThat(r.path("x-iccache-model").asText()).isEqualTo("sim-large");
        assertThat(r.path("x-iccache-route").asText()).isEqualTo("pinned");
    }

    @Test
    void aStreamAccumulatedByTheSdk() throws Exception {
        JsonNode r = run("stream");
        assertThat(r.path("events").toString()).as("the event types the SDK yields, in order of first appearance")
                .isEqualTo("[\"message_start\",\"content_block_start\",\"content_block_delta\",\"text\","
                        + "\"content_block_stop\",\"message_delta\",\"message_stop\"]");
        JsonNode m = r.path("message");
        assertThat(r.path("text").asText()).startsWith("[simulated small]")
                .isEqualTo(m.path("content").path(0).path("text").asText());
        assertThat(m.path("model").asText()).isEqualTo("sim-small");
        assertThat(m.path("stop_reason").asText()).isIn("end_turn", "max_tokens");
        assertThat(m.path("output_tokens").asInt()).isBetween(1, 24);
        assertThat(m.path("input_tokens").asInt()).isPositive();
    }

    @Test
    void aMultiTurnConversationRoundTrips() throws Exception {
        int before = echo.bodies.size();
        JsonNode replies = run("conversation").path("replies");
        assertThat(replies).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(replies.get(i).path("content").path(0).path("text").asText())
                    .isEqualTo("Reply number " + (before + i + 1) + ".");
            assertThat(replies.get(i).path("stop_reason").asText()).isEqualTo("end_turn");
        }
        JsonNode last = Json.MAPPER.readTree(echo.bodies.get(before + 2));
        assertThat(last.path("stream").asBoolean()).isTrue();
        assertThat(last.path("messages").toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"Remember names.\"},"
                + "{\"role\":\"user\",\"content\":\"My name is Ada.\"},"
                + "{\"role\":\"assistant\",\"content\":\"Reply number " + (before + 1) + ".\"},"
                + "{\"role\":\"user\",\"content\":\"What is my name?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Reply number " + (before + 2) + ".\"},"
                + "{\"role\":\"user\",\"content\":\"Spell it.\"}]");
    }

    @Test
    void errorsAreTheSdksTypedErrors() throws Exception {
        JsonNode notFound = run("unknown_model");
        assertThat(notFound.path("error").asText()).isEqualTo("NotFoundError");
        assertThat(notFound.path("status").asInt()).isEqualTo(404);
        assertThat(notFound.path("body").path("error").path("type").asText()).isEqualTo("not_found_error");
        assertThat(notFound.path("message").asText()).contains("claude-17");
        JsonNode unsupported = run("unsupported_block");
        assertThat(unsupported.path("error").asText()).isEqualTo("BadRequestError");
        assertThat(unsupported.path("status").asInt()).isEqualTo(400);
        assertThat(unsupported.path("body").path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(unsupported.path("message").asText()).contains("'document' is not supported");
    }

    @Test
    void aStreamCutMidWayRaisesTheGatewaysErrorEvent() throws Exception {
        JsonNode r = run("stream_cut");
        assertThat(r.path("error").asText()).isNotEmpty().isNotEqualTo("null");
        assertThat(r.path("text").asText()).isEqualTo("Reply ");
        assertThat(r.path("body").path("error").path("type").asText()).isEqualTo("api_error");
        assertThat(r.path("body").path("error").path("message").asText())
                .contains("closed the stream before it completed");
    }
}
