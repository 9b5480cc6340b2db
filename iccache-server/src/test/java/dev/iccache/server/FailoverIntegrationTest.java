package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.admission.AdmissionOutcome;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.SimClock;
import dev.iccache.time.VirtualClock;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fallbacks between backends and endpoints balanced behind circuit breakers, over loopback HTTP. */
class FailoverIntegrationTest {
    private static final String HELLO = "\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]";
    @TempDir
    Path dataDir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private GatewayServer gateway;

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (gateway != null) {
            gateway.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private FakeUpstream upstream(FakeUpstream.Behaviour behaviour) throws Exception {
        FakeUpstream u = new FakeUpstream(behaviour);
        open.add(u);
        return u;
    }

    /** An upstream that answers {@code text}, streamed when asked to. */
    private FakeUpstream answering(String text) throws Exception {
        FakeUpstream[] self = new FakeUpstream[1];
        self[0] = upstream((ex, n) -> {
            if (self[0].bodies.get(n - 1).contains("\"stream\":true")) {
                OutputStream out = FakeUpstream.sse(ex);
                FakeUpstream.event(out, FakeUpstream.chunk(text, "stop"));
                FakeUpstream.event(out, "[DONE]");
            } else {
                FakeUpstream.json(ex, 200, FakeUpstream.completion(text));
            }
        });
        return self[0];
    }

    /** Starts the gateway on {@code backends} (YAML list items), without the bank. */
    private void start(String backends, SimClock clock) {
        start(backends, clock, "{enabled: false}");
    }

    private void start(String backends, SimClock clock, String bank) {
        IccacheConfig config = ConfigLoader.parse("""
                server: {host: 127.0.0.1, port: 0}
                data-dir: %s
                bank: %s
                router: {enabled: false}
                backends:
                %s""".formatted(dataDir, bank, backends), "test.yaml");
        gateway = GatewayServer.start(config, Map.<String, String>of()::get, clock);
    }

    private HttpResponse<String> post(String model, boolean stream) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"stream\":" + stream + "," + HELLO + "}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aStoppedLargeBackendIsAnsweredByItsFallbackAndTheHeadersSaySo() throws Exception {
        FakeUpstream small = answering("from the small model");
        start("""
                  - {name: small, base-url: "%s", role: small}
                  - {name: large, base-url: "http://127.0.0.1:%d/v1", role: large, fallbacks: [small]}
                """.formatted(small.baseUrl(), closedPort()), SimClock.REAL);
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = post("large", stream);
            assertThat(r.statusCode()).as("stream " + stream).isEqualTo(200);
            assertThat(r.headers().firstValue("x-iccache-model")).hasValue("small");
            assertThat(r.headers().firstValue("x-iccache-route")).hasValue("fallback");
            assertThat(r.body()).contains("from the small model");
        }
        assertThat(gateway.metrics().scrape()).contains("iccache_fallbacks_total{from=\"large\",to=\"small\"} 2.0",
                "iccache_requests_total{backend=\"small\",endpoint=\"/v1/chat/completions\",route=\"fallback\",status=\"200\",stream=\"true\"} 1.0");
    }

    @Test
    void aLargeBackendSilentPastItsReadTimeoutIsAnsweredByItsFallback() throws Exception {
        FakeUpstream silent = upstream((ex, n) -> release.await(20, TimeUnit.SECONDS));
        FakeUpstream small = answering("in time");
        start("""
                  - {name: small, base-url: "%s", role: small}
                  - {name: large, base-url: "%s", role: large, read-timeout-ms: 300, max-retries: 0, fallbacks: [small]}
                """.formatted(small.baseUrl(), silent.baseUrl()), SimClock.REAL);
        HttpResponse<String> r = post("large", false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("small");
        assertThat(r.body()).contains("in time");
    }

    @Test
    void aSmallModelWithExamplesFallsBackToTheLargeOneWithTheClientsOwnRequest() throws Exception {
        FakeUpstream small = upstream((ex, n) -> FakeUpstream.json(ex, 503, "{\"error\":{\"message\":\"busy\"}}"));
        FakeUpstream large = answering("Paris.");
        start("""
                  - {name: small, base-url: "%s", role: small, max-retries: 0, fallbacks: [large]}
                  - {name: large, base-url: "%s", role: large}
                """.formatted(small.baseUrl(), large.baseUrl()), SimClock.REAL, "{store: memory}");
        ExampleBank bank = gateway.bank().orElseThrow();
        ChatRequest asked = ChatRequest.parse(("{\"model\":\"large\"," + HELLO.replace("France", "Italy") + "}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(bank.admitter().admitAll(List.of(new Candidate(Tenant.DEFAULT, asked, "Rome.", "large",
                Optional.of("stop"), 10, 10, OptionalDouble.of(0.9))))).containsOnly(AdmissionOutcome.ADMITTED);

        HttpResponse<String> r = post("small", false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("large");
        assertThat(r.headers().firstValue("x-iccache-route")).hasValue("fallback");
        assertThat(r.headers().firstValue("x-iccache-examples")).hasValue("0");
        JsonNode sentToSmall = Json.MAPPER.readTree(small.bodies.get(0)).path("messages");
        assertThat(sentToSmall.toString()).as("the small model was sent an example").contains("Rome.");
        JsonNode sentToLarge = Json.MAPPER.readTree(large.bodies.get(0)).path("messages");
        assertThat(sentToLarge).isEqualTo(Json.MAPPER.readTree("{" + HELLO + "}").path("messages"));
    }

    @Test
    void withOneOfTwoEndpointsDownNoClientSeesAnErrorAndTheBreakerProbesItAgainLater() throws Exception {
        boolean[] down = {true};
        FakeUpstream a = upstream((ex, n) -> {
            if (down[0]) {
                FakeUpstream.json(ex, 503, "{\"error\":{\"message\":\"down\"}}");
            } else {
                FakeUpstream.json(ex, 200, FakeUpstream.completion("from a"));
            }
        });
        FakeUpstream b = answering("from b");
        VirtualClock clock = new VirtualClock();
        start("""
                  - name: large
                    base-urls: ["%s", "%s"]
                    max-retries: 0
                    breaker: {failures: 2, cool-down-ms: 1000}
                """.formatted(a.baseUrl(), b.baseUrl()), clock);
        for (int i = 0; i < 8; i++) {
            assertThat(post("large", i % 2 == 0).statusCode()).isEqualTo(200);
        }
        assertThat(a.bodies).as("two failures opened its breaker; no call since").hasSize(2);
        String endpointA = "backend=\"large\",endpoint=\"" + a.baseUrl() + "\"";
        assertThat(gateway.metrics().scrape()).contains("iccache_endpoint_breaker_state{" + endpointA + "} 2.0");

        down[0] = false;
        clock.sleepNanos(1_000_000_000L);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = post("large", false);
            assertThat(r.statusCode()).isEqualTo(200);
            answers.add(Json.MAPPER.readTree(r.body()).path("choices").path(0).path("message").path("content").asText());
        }
        assertThat(answers).as("the probe closed a's breaker; a serves again").contains("from a", "from b");
        assertThat(gateway.metrics().scrape()).contains("iccache_endpoint_breaker_state{" + endpointA + "} 0.0",
                "iccache_endpoint_breaker_transitions_total{" + endpointA + ",to=\"half_open\"} 1.0",
                "iccache_endpoint_breaker_transitions_total{" + endpointA + ",to=\"closed\"} 1.0");
    }

    @Test
    void aStreamCutAfterItsFirstByteEndsWithAnErrorAndIsNotRestarted() throws Exception {
        FakeUpstream large = upstream((ex, n) -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("half an ans", null));
            out.close();
        });
        FakeUpstream small = answering("restarted");
        start("""
                  - {name: small, base-url: "%s", role: small}
                  - {name: large, base-url: "%s", role: large, fallbacks: [small]}
                """.formatted(small.baseUrl(), large.baseUrl()), SimClock.REAL);
        HttpResponse<String> r = post("large", true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("large");
        assertThat(r.body()).contains("half an ans", "\"error\"", "'large' closed the stream before it completed")
                .doesNotContain("restarted", "[DONE]");
        assertThat(small.bodies).isEmpty();
        assertThat(gateway.metrics().scrape()).doesNotContain("iccache_fallbacks_total{");
    }

    @Test
    void aStreamThatFailsBeforeItsFirstChunkGoesToTheFallback() throws Exception {
        FakeUpstream large = upstream((ex, n) -> FakeUpstream.sse(ex).close());
        FakeUpstream small = answering("whole");
        start("""
                  - {name: small, base-url: "%s", role: small}
                  - {name: large, base-url: "%s", role: large, fallbacks: [small]}
                """.formatted(small.baseUrl(), large.baseUrl()), SimClock.REAL);
        HttpResponse<String> r = post("large", true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("small");
        assertThat(r.body()).contains("whole").endsWith("data: [DONE]\n\n");
    }
}
