package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.EmbeddingsConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.testing.Eventually;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /v1/completions} and {@code /v1/responses} through the gateway, over loopback HTTP, to a
 * scripted upstream: pass-through, streams, model errors, upstream failures, limits, timeouts, client
 * hang-ups, tenants, bodies and methods.
 */
class ForwardedEndpointsTest {
    private static final String KEY = "sk-tenant";
    @TempDir
    static Path dataDir;
    private static volatile FakeUpstream.Behaviour script;
    private static FakeUpstream upstream;
    private static GatewayServer gateway;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream((ex, n) -> script.handle(ex, n));
        BackendConfig up = new BackendConfig("up", upstream.baseUrl(), "org/up-model", null, BackendRole.LARGE, 0, 0,
                0, 0, 0, 0, 0, 0, null, 0).withResponseLimits(64 * 1024, 128 * 1024);
        BackendConfig tight = new BackendConfig("tight", upstream.baseUrl(), null, null, BackendRole.LARGE, 0, 0, 0, 0,
                0, 300, 0, 0, null, 0);
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 64 * 1024))
                .dataDir(dataDir).bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0))
                .tenants(List.of(new TenantConfig("t", "TENANT_KEY", true)))
                .backends(List.of(up, tight, BackendConfig.simulated("sim", "small", 1000)))
                .embeddings(new EmbeddingsConfig(true, null, 8, 100, List.of(
                        BackendConfig.remote("emb", upstream.baseUrl(), BackendRole.LARGE))))
                .build(), Map.of("TENANT_KEY", KEY)::get);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @AfterEach
    void releaseTheUpstream() {
        release.countDown();
    }

    private static HttpResponse<String> post(String endpoint, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/" + endpoint))
                .header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).path("error");
    }

    /** The metrics contain these lines once the requests before have ended (a response is sent before its metrics). */
    private static void assertMetrics(String... lines) throws Exception {
        Eventually.holds(() -> List.of(lines).stream().allMatch(gateway.metrics().scrape()::contains));
        assertThat(gateway.metrics().scrape()).contains(lines);
    }

    @ParameterizedTest
    @ValueSource(strings = {"completions", "responses"})
    void aWholeAnswerIsRelayedAsTheBackendSentIt(String endpoint) throws Exception {
        String answer = endpoint.equals("completions") ? FakeUpstream.textCompletion("echo", "stop")
                : FakeUpstream.response("echo", "completed");
        script = (ex, n) -> FakeUpstream.json(ex, 200, answer);
        int before = upstream.bodies.size();
        String params = "\"max_tokens\":7,\"temperature\":0.2,\"user\":\"u1\",\"metadata\":{\"k\":\"v\"}";
        HttpResponse<String> r = post(endpoint, "{\"model\":\"up\",\"input\":\"hi\"," + params + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).contains("up");
        assertThat(Json.MAPPER.readTree(r.body())).as("ids kept: previous_response_id must keep working")
                .isEqualTo(Json.MAPPER.readTree(answer));
        assertThat(upstream.paths.get(before)).isEqualTo("/v1/" + endpoint);
        assertThat(Json.MAPPER.readTree(upstream.bodies.get(before))).as("only the model id changes")
                .isEqualTo(Json.MAPPER.readTree("{\"model\":\"org/up-model\",\"input\":\"hi\"," + params + "}"));
        assertMetrics("iccache_api_requests_total{model=\"up\",path=\"/v1/" + endpoint
                + "\",status=\"200\",stream=\"false\"}");
    }

    @Test
    void aResponsesStreamIsRelayedEventByEventAsSent() throws Exception {
        List<String> events = FakeUpstream.responseEvents("Hel", "lo");
        script = (ex, n) -> FakeUpstream.raw(FakeUpstream.sse(ex), events);
        HttpResponse<String> r = post("responses", "{\"model\":\"up\",\"input\":\"hi\",\"stream\":true}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(r.body()).isEqualTo(String.join("\n\n", events) + "\n\n");
        assertThat(Json.MAPPER.readTree(upstream.bodies.get(upstream.bodies.size() - 1)).path("stream").asBoolean())
                .isTrue();
        assertMetrics("iccache_api_requests_total{model=\"up\",path=\"/v1/responses\","
                + "status=\"200\",stream=\"true\"}");
    }

    @Test
    void aCompletionsStreamEndsWithTheBackendsDone() throws Exception {
        script = (ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.textCompletion("a", null));
            out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
            FakeUpstream.event(out, FakeUpstream.textCompletion("b", "stop"));
            FakeUpstream.event(out, "[DONE]");
        };
        HttpResponse<String> r = post("completions", "{\"model\":\"up\",\"prompt\":\"hi\",\"stream\":true}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("data: " + FakeUpstream.textCompletion("a", null) + "\n\n: keep-alive\n\ndata: "
                + FakeUpstream.textCompletion("b", "stop") + "\n\ndata: [DONE]\n\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"completions", "responses"})
    void theVirtualModelIsA400SayingRoutingDoesNotApply(String endpoint) throws Exception {
        HttpResponse<String> r = post(endpoint, "{\"model\":\"iccache\",\"prompt\":\"hi\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).path("code").asText()).isEqualTo("unsupported_model");
        assertThat(error(r).path("param").asText()).isEqualTo("model");
        assertThat(error(r).path("message").asText()).contains("routing does not apply to /v1/" + endpoint,
                "up, tight, sim");
    }

    @Test
    void otherModelsAre404or400NamingTheModelsToUse() throws Exception {
        HttpResponse<String> unknown = post("completions", "{\"model\":\"gpt-17\",\"prompt\":\"hi\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).path("code").asText()).isEqualTo("model_not_found");
        assertThat(error(unknown).path("message").asText()).contains("'gpt-17'", "up, tight, sim");
        HttpResponse<String> embedding = post("responses", "{\"model\":\"emb\",\"input\":\"hi\"}");
        assertThat(embedding.statusCode()).isEqualTo(400);
        assertThat(error(embedding).path("message").asText()).contains("'emb' is an embedding model",
                "up, tight, sim");
        HttpResponse<String> simulated = post("responses", "{\"model\":\"sim\",\"input\":\"hi\",\"stream\":true}");
        assertThat(simulated.statusCode()).isEqualTo(400);
        assertThat(error(simulated).path("code").asText()).isEqualTo("unsupported_endpoint");
        assertThat(error(simulated).path("message").asText()).contains("'sim'", "simulated", "/v1/responses");
        assertMetrics("iccache_api_requests_total{model=\"none\",path=\"/v1/completions\","
                + "status=\"404\",stream=\"false\"}");
    }

    @Test
    void upstreamFailuresAreMappedAsForChat() throws Exception {
        script = (ex, n) -> {
            switch (n % 3) {
                case 0 -> FakeUpstream.json(ex, 400, "{\"error\":{\"message\":\"prompt too long\",\"code\":\"ctx\"}}");
                case 1 -> FakeUpstream.json(ex, 404, "{\"error\":{\"message\":\"no such route\"}}");
                default -> FakeUpstream.json(ex, 500, "{\"error\":{\"message\":\"boom\"}}");
            }
        };
        for (int i = 0; i < 3; i++) {
            int call = upstream.bodies.size() + 1;
            HttpResponse<String> r = post("completions", "{\"model\":\"up\",\"prompt\":\"hi\"}");
            switch (call % 3) {
                case 0 -> {
                    assertThat(r.statusCode()).isEqualTo(400);
                    assertThat(error(r).path("message").asText()).contains("'up' rejected", "prompt too long");
                    assertThat(error(r).path("code").asText()).isEqualTo("ctx");
                }
                case 1 -> {
                    assertThat(r.statusCode()).isEqualTo(502);
                    assertThat(error(r).path("message").asText()).contains("'up'", "/completions", "no such route");
                }
                default -> {
                    assertThat(r.statusCode()).isEqualTo(502);
                    assertThat(error(r).path("message").asText()).contains("'up'", "HTTP 500", "boom");
                }
            }
        }
    }

    @Test
    void aStreamThatStaysSilentIs504BeforeItsFirstEventAndAnErrorEventAfter() throws Exception {
        script = (ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            out.flush(); // the headers, so that the silence is the body's
            if (n % 2 == 0) {
                FakeUpstream.raw(out, FakeUpstream.responseEvents("partial").subList(0, 2));
            }
            release.await(20, TimeUnit.SECONDS);
        };
        int call = upstream.bodies.size() + 1;
        HttpResponse<String> first = post("responses", "{\"model\":\"tight\",\"input\":\"hi\",\"stream\":true}");
        HttpResponse<String> second = post("responses", "{\"model\":\"tight\",\"input\":\"hi\",\"stream\":true}");
        HttpResponse<String> silent = call % 2 == 0 ? second : first;
        HttpResponse<String> started = call % 2 == 0 ? first : second;
        assertThat(silent.statusCode()).isEqualTo(504);
        assertThat(error(silent).path("message").asText()).contains("'tight' timed out", "read-timeout-ms=300");
        assertThat(started.statusCode()).isEqualTo(200);
        assertThat(started.body()).contains("\"delta\":\"partial\"", "data: {\"error\":", "read-timeout-ms=300")
                .doesNotContain("response.completed");
    }

    @Test
    void limitsApplyAsForChat() throws Exception {
        script = (ex, n) -> {
            if (n % 2 == 0) {
                FakeUpstream.json(ex, 200, FakeUpstream.textCompletion("x".repeat(100_000), "stop"));
            } else {
                OutputStream out = FakeUpstream.sse(ex);
                for (int i = 0; i < 2_000; i++) { // about 400 KB of small events
                    FakeUpstream.event(out, FakeUpstream.textCompletion("t" + i, null));
                }
                FakeUpstream.event(out, "[DONE]");
            }
        };
        for (int i = 0; i < 2; i++) {
            boolean whole = (upstream.bodies.size() + 1) % 2 == 0;
            HttpResponse<String> r = post("completions", "{\"model\":\"up\",\"prompt\":\"hi\",\"stream\":" + !whole
                    + "}");
            if (whole) {
                assertThat(r.statusCode()).isEqualTo(502);
                assertThat(error(r).path("code").asText()).isEqualTo("upstream_response_too_large");
                assertThat(error(r).path("message").asText()).contains("65536 bytes", "max-response-bytes");
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"t0\"", "\"error\"", "131072 bytes", "max-stream-bytes")
                        .doesNotContain("[DONE]");
            }
        }
        assertThat(Eventually.holds(() -> gateway.gateway().backends().stream()
                .allMatch(b -> b.load().inFlight() == 0))).as("every slot freed").isTrue();
    }

    @Test
    void aClientThatHangsUpMidStreamClosesTheUpstreamCall() throws Exception {
        CountDownLatch upstreamSawTheHangUp = new CountDownLatch(1);
        script = (ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            try {
                for (int i = 0; i < 3_000; i++) {
                    FakeUpstream.event(out, FakeUpstream.textCompletion("t" + i, null));
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                upstreamSawTheHangUp.countDown();
            }
        };
        String body = "{\"model\":\"up\",\"prompt\":\"hi\",\"stream\":true}";
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + KEY + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            int events = 0;
            String line;
            while (events < 3 && (line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events++;
                }
            }
            assertThat(events).isEqualTo(3);
        }
        assertThat(upstreamSawTheHangUp.await(20, TimeUnit.SECONDS)).as("the upstream connection was closed").isTrue();
        BoundedBackend up = gateway.gateway().backends().iterator().next();
        assertThat(Eventually.holds(() -> up.load().inFlight() == 0)).as("the slot was freed").isTrue();
        assertMetrics("iccache_api_requests_total{model=\"up\",path=\"/v1/completions\",status=\"499\","
                + "stream=\"true\"} 1.0", "iccache_backend_requests_total{backend=\"up\",outcome=\"cancelled\"}");
    }

    @Test
    void tenantKeysBodiesAndMethodsAreCheckedAsForChat() throws Exception {
        String base = "http://127.0.0.1:" + gateway.port() + "/v1/";
        for (String endpoint : List.of("completions", "responses", "embeddings")) {
            HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(base + endpoint))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"up\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as(endpoint).isEqualTo(401);
            assertThat(error(anonymous).path("type").asText()).isEqualTo("authentication_error");
            HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(base + endpoint)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).as(endpoint).isEqualTo(405);
            assertThat(error(get).path("message").asText()).contains("GET", "/v1/" + endpoint);
            RawHttp.Reply huge = RawHttp.exchange(gateway.port(), "POST /v1/" + endpoint + " HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + KEY + "\r\nContent-Length: 70000\r\n\r\n{}");
            assertThat(huge.status()).as(endpoint).isEqualTo(413);
            assertThat(huge.json().path("error").path("message").asText()).contains("max-body-bytes");
            HttpResponse<String> noModel = post(endpoint, "{\"prompt\":\"hi\"}");
            assertThat(noModel.statusCode()).isEqualTo(400);
            assertThat(error(noModel).path("param").asText()).isEqualTo("model");
            assertThat(post(endpoint, "[1,2]").statusCode()).isEqualTo(400);
            assertThat(post(endpoint, "{\"model\":").statusCode()).isEqualTo(400);
        }
        HttpResponse<String> badStream = post("completions", "{\"model\":\"up\",\"prompt\":\"hi\",\"stream\":\"yes\"}");
        assertThat(badStream.statusCode()).isEqualTo(400);
        assertThat(error(badStream).path("param").asText()).isEqualTo("stream");
        assertMetrics("iccache_api_requests_total{model=\"none\",path=\"/v1/responses\","
                + "status=\"401\",stream=\"false\"}", "iccache_api_request_duration_seconds_count{model=\"none\",path=");
    }
}
