package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.testing.Eventually;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
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
        start(backend(baseUrl, readTimeoutMs, retries), new ServerConfig("127.0.0.1", 0, 1 << 20));
    }

    private static BackendConfig backend(String baseUrl, long readTimeoutMs, int retries) {
        return new BackendConfig("fake", baseUrl, "org/upstream-model", null, BackendRole.LARGE, 0, 0, 0,
                0, 0, readTimeoutMs, 0, retries, null, 0);
    }

    private void start(BackendConfig b, ServerConfig server) {
        gateway = GatewayServer.start(IccacheConfig.builder().server(server)
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory")).backends(List.of(b)).build());
    }

    private int healthz() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/healthz"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static String errorMessage(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).path("error").path("message").asText();
    }

    /** Writes {@code bytes} of filler as a chunked body, until done or the reader hangs up. */
    private static void endless(OutputStream out, long bytes) throws IOException {
        byte[] filler = new byte[64 * 1024];
        Arrays.fill(filler, (byte) 'a');
        for (long sent = 0; sent < bytes; sent += filler.length) {
            out.write(filler);
        }
        out.flush();
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
        assertThat(metrics).contains("iccache_backend_requests_total{backend=\"fake\",outcome=\"error\"} 1.0",
                "iccache_backend_in_flight{backend=\"fake\"} 0.0");
    }

    @Test
    void aResponseBeyondMaxResponseBytesIs502NamingTheBackendAndTheLimitAndTheGatewayStaysHealthy()
            throws Exception {
        String big = "x".repeat(100_000);
        upstream = new FakeUpstream((ex, n) -> {
            switch (n) {
                case 1 -> FakeUpstream.json(ex, 200, FakeUpstream.completion(big)); // declares its length
                case 2 -> { // chunked, no length: a 64 MiB body that would be read whole
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, 0);
                    endless(ex.getResponseBody(), 64L << 20);
                }
                default -> FakeUpstream.json(ex, 200, FakeUpstream.completion("small"));
            }
        });
        start(backend(upstream.baseUrl(), 5000, 2).withResponseLimits(64 * 1024, 0),
                new ServerConfig("127.0.0.1", 0, 1 << 20));
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = post("{\"model\":\"iccache\"," + HELLO + "}");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText()).isEqualTo("upstream_error");
            assertThat(errorMessage(r)).contains("'fake'", "65536 bytes", "max-response-bytes");
        }
        assertThat(upstream.bodies).as("an oversize answer is not retried").hasSize(2);
        assertThat(healthz()).isEqualTo(200);
        HttpResponse<String> after = post("{\"model\":\"iccache\"," + HELLO + "}");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).contains("small");
    }

    @Test
    void aStreamEventBeyondMaxResponseBytesIs502BeforeTheStreamStarts() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            if (n == 1) {
                out.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"".getBytes(StandardCharsets.UTF_8));
                endless(out, 64L << 20); // one event, never ended
            } else {
                FakeUpstream.event(out, FakeUpstream.chunk("fine", "stop"));
                FakeUpstream.event(out, "[DONE]");
            }
        });
        start(upstream.baseUrl(), 5000, 0); // the default limits: 4 MiB per event
        HttpResponse<String> r = post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(errorMessage(r)).contains("'fake'", BackendConfig.DEFAULT_MAX_RESPONSE_BYTES + " bytes",
                "max-response-bytes");
        assertThat(healthz()).isEqualTo(200);
        HttpResponse<String> after = post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).contains("fine").endsWith("data: [DONE]\n\n");
    }

    @Test
    void aStreamBeyondMaxStreamBytesEndsWithAnErrorEventNamingTheLimit() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            for (int i = 0; i < 2_000; i++) { // about 340 KB of small events
                FakeUpstream.event(out, FakeUpstream.chunk("t" + i, null));
            }
            FakeUpstream.event(out, FakeUpstream.chunk("end", "stop"));
            FakeUpstream.event(out, "[DONE]");
        });
        start(backend(upstream.baseUrl(), 5000, 0).withResponseLimits(0, 64 * 1024),
                new ServerConfig("127.0.0.1", 0, 1 << 20));
        HttpResponse<String> r = post("{\"model\":\"iccache\",\"stream\":true," + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("t0").contains("\"error\"", "'fake'", "65536 bytes", "max-stream-bytes")
                .doesNotContain("\"end\"", "[DONE]");
        assertThat(healthz()).isEqualTo(200);
    }

    @Test
    void requestBodiesBeyondTheInFlightBudgetGet503AndTheNextOnesAreServed() throws Exception {
        CountDownLatch firstArrived = new CountDownLatch(1);
        upstream = new FakeUpstream((ex, n) -> {
            if (n == 1) {
                firstArrived.countDown();
                release.await(20, TimeUnit.SECONDS);
            }
            FakeUpstream.json(ex, 200, FakeUpstream.completion("served " + n));
        });
        // Bodies of up to 64 KiB; 100 KiB of them in flight at once.
        start(backend(upstream.baseUrl(), 30_000, 0),
                new ServerConfig("127.0.0.1", 0, 64 * 1024, 100 * 1024, 10_000, 60_000, null));
        String big = "{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "y".repeat(60_000)
                + "\"}]}";
        var first = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/v1/chat/completions")).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(big))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(firstArrived.await(20, TimeUnit.SECONDS)).isTrue(); // its 60 KB body is held while it waits
        HttpResponse<String> second = post(big);
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(second.body()).path("error").path("type").asText()).isEqualTo("server_error");
        assertThat(errorMessage(second)).contains("max-in-flight-body-bytes", "102400");
        // The refused body is read and dropped, so the 503 cannot be lost to a reset and the connection
        // carries the next request.
        RawHttp.Reply pipelined = RawHttp.exchange(gateway.port(), "POST /v1/chat/completions HTTP/1.1\r\n"
                + "Host: x\r\nContent-Type: application/json\r\nContent-Length: " + big.length() + "\r\n\r\n" + big
                + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(pipelined.status()).as(pipelined.head()).isEqualTo(503);
        assertThat(pipelined.body()).contains("max-in-flight-body-bytes", "HTTP/1.1 200");
        assertThat(post("{\"model\":\"iccache\"," + HELLO + "}").statusCode())
                .as("a small body still fits").isEqualTo(200);
        assertThat(healthz()).isEqualTo(200);
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // The budget comes back when the first request's handler ends, just after its client has the answer.
        assertThat(Eventually.holds(() -> post(big).statusCode() == 200))
                .as("the budget is returned when a request ends").isTrue();
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
