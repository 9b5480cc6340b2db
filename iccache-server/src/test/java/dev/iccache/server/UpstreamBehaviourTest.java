package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway against scripted upstreams: pass-through, retries, failures and timeouts. */
class UpstreamBehaviourTest {
    private static final String HELLO = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    @TempDir
    Path dataDir;
    private FakeUpstream upstream;
    private GatewayServer gateway;
    private final CountDownLatch release = new CountDownLatch(1);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        release.countDown();
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start(String baseUrl, long readTimeoutMs, int retries) {
        BackendConfig b = new BackendConfig("fake", baseUrl, "org/upstream-model", null, BackendRole.LARGE, 0, 0, 0,
                0, 0, readTimeoutMs, 0, retries, null, 0);
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory")).backends(List.of(b)).build());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void generationParametersPassThroughUnchanged() throws Exception {
        upstream = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("ok")));
        start(upstream.baseUrl(), 5000, 0);
        String params = "\"temperature\":0.3,\"top_p\":0.9,\"max_completion_tokens\":17,\"max_tokens\":17,"
                + "\"stop\":[\"END\"],\"seed\":7,\"n\":1,\"response_format\":{\"type\":\"json_object\"},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}},\"user\":\"u1\"";
        HttpResponse<String> r = post("{\"model\":\"iccache\"," + params + "," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode sent = Json.MAPPER.readTree("{\"model\":\"org/upstream-model\"," + params + "," + HELLO + "}");
        assertThat(Json.MAPPER.readTree(upstream.bodies.get(0))).isEqualTo(sent);
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("model").asText()).isEqualTo("fake");
        assertThat(body.path("id").asText()).isNotEqualTo("up-1").startsWith("chatcmpl-");
    }

    @Test
    void streamingAsksTheUpstreamForUsage() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("a", null));
            FakeUpstream.event(out, FakeUpstream.chunk("b", "stop"));
            FakeUpstream.event(out, "[DONE]");
        });
        start(upstream.baseUrl(), 5000, 0);
        HttpResponse<String> r = post("{\"model\":\"fake\",\"stream\":true," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        JsonNode sent = Json.MAPPER.readTree(upstream.bodies.get(0));
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void retriableStatusIsRetriedBeforeTheFirstByte() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            if (n == 1) {
                FakeUpstream.json(ex, 503, "{\"error\":{\"message\":\"warming up\"}}");
            } else {
                FakeUpstream.json(ex, 200, FakeUpstream.completion("second try"));
            }
        });
        start(upstream.baseUrl(), 5000, 2);
        HttpResponse<String> r = post("{\"model\":\"iccache\"," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("second try");
        assertThat(upstream.bodies).hasSize(2);
    }

    @Test
    void nonRetriableUpstreamFailureIs502NamingTheBackend() throws Exception {
        upstream = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 401, "{\"error\":{\"message\":\"bad key\"}}"));
        start(upstream.baseUrl(), 5000, 2);
        HttpResponse<String> r = post("{\"model\":\"iccache\"," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(Json.MAPPER.readTree(r.body()).path("error").path("message").asText()).contains("'fake'", "bad key");
        assertThat(upstream.bodies).hasSize(1);
    }

    @Test
    void refusedConnectionIs502NamingTheBackend() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        start("http://127.0.0.1:" + closedPort + "/v1", 5000, 1);
        HttpResponse<String> r = post("{\"model\":\"iccache\"," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(Json.MAPPER.readTree(r.body()).path("error").path("message").asText())
                .contains("'fake'", "unreachable");
        assertThat(post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}").statusCode()).isEqualTo(502);
    }

    @Test
    void aBackendThatNeverAnswersIs504() throws Exception {
        upstream = new FakeUpstream((ex, n) -> release.await(20, TimeUnit.SECONDS));
        start(upstream.baseUrl(), 300, 0);
        HttpResponse<String> r = post("{\"model\":\"iccache\"," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(Json.MAPPER.readTree(r.body()).path("error").path("message").asText()).contains("'fake'", "timed out");
        assertThat(post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}").statusCode()).isEqualTo(504);
    }

    @Test
    void aStreamThatFallsSilentEndsWithAnErrorEventAndNoDone() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("partial", null));
            release.await(20, TimeUnit.SECONDS);
        });
        start(upstream.baseUrl(), 300, 0);
        HttpResponse<String> r = post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("partial").contains("\"error\"").contains("timed out")
                .doesNotContain("[DONE]");
    }

    @Test
    void aBackendThatDiesMidStreamEndsWithAnErrorEventAndNoDone() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("half", null));
            out.close();
        });
        start(upstream.baseUrl(), 5000, 0);
        HttpResponse<String> r = post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("half").contains("closed the stream before it completed")
                .doesNotContain("[DONE]");
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("iccache_backend_requests_total{backend=\"fake\",outcome=\"error\"} 1",
                "iccache_backend_in_flight{backend=\"fake\"} 0");
    }

    @Test
    void aBackendThatDropsTheConnectionMidResponseIsReportedAsSuchNotAsUnreachable() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 1 << 20); // promises more than it sends, then the connection is closed
            FakeUpstream.event(ex.getResponseBody(), FakeUpstream.chunk("half", null));
        });
        start(upstream.baseUrl(), 5000, 0);
        HttpResponse<String> streamed = post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("half", "\"error\"", "'fake' closed the stream mid-response")
                .doesNotContain("unreachable", "[DONE]");
        HttpResponse<String> whole = post("{\"model\":\"iccache\"," + HELLO + "}");
        assertThat(whole.statusCode()).isEqualTo(502);
        assertThat(Json.MAPPER.readTree(whole.body()).path("error").path("message").asText())
                .contains("'fake' closed the stream mid-response").doesNotContain("unreachable");
    }
}
