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
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests for several choices ({@code n}) through the gateway over loopback HTTP. */
class ChoicesIntegrationTest {
    private static final String QUESTION = "\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"}]";
    private static final BankConfig NO_BANK = new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0);
    @TempDir
    Path dataDir;
    private TestCluster cluster;
    private FakeUpstream upstream;
    private GatewayServer gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private HttpResponse<String> post(String body) throws Exception {
        int port = cluster != null ? cluster.gateway.port() : gateway.port();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void startGateway(BackendConfig backend) {
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(NO_BANK).backends(List.of(backend)).build());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    /** The text of each choice of a stream's events, by index. */
    private static Map<Integer, String> texts(List<JsonNode> events) {
        Map<Integer, String> texts = new TreeMap<>();
        for (JsonNode e : events) {
            for (JsonNode c : e.path("choices")) {
                texts.merge(c.path("index").asInt(), c.path("delta").path("content").asText(""), String::concat);
            }
        }
        return texts;
    }

    private static List<String> contents(JsonNode completion) {
        List<String> out = new ArrayList<>();
        completion.path("choices").forEach(c -> out.add(c.path("message").path("content").asText()));
        return out;
    }

    @Test
    void threeChoicesOfASimulatedBackendWithTheUsageSummed() throws Exception {
        cluster = new TestCluster(1000, 1 << 20, dataDir);
        JsonNode one = json(post("{\"model\":\"sim-small\",\"seed\":7,\"max_tokens\":12," + QUESTION + "}"));
        HttpResponse<String> r = post("{\"model\":\"sim-small\",\"n\":3,\"seed\":7,\"max_tokens\":12," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-small");
        JsonNode three = json(r);
        JsonNode choices = three.path("choices");
        assertThat(choices).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(choices.get(i).path("index").asInt()).isEqualTo(i);
            assertThat(choices.get(i).path("message").path("content").asText()).startsWith("[simulated small]");
            assertThat(choices.get(i).path("finish_reason").asText()).isIn("stop", "length");
        }
        assertThat(contents(three).get(0)).isEqualTo(contents(one).get(0));
        assertThat(contents(three).get(1)).isNotEqualTo(contents(three).get(0));
        JsonNode usage = three.path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(3 * one.path("usage").path("prompt_tokens").asInt());
        assertThat(usage.path("completion_tokens").asInt()).isBetween(3, 36);
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
    }

    @Test
    void streamedChoicesCarryTheirIndexAndEndWithTheSummedUsage() throws Exception {
        cluster = new TestCluster(1000, 1 << 20, dataDir);
        JsonNode whole = json(post("{\"model\":\"sim-large\",\"n\":3,\"seed\":5,\"max_tokens\":9," + QUESTION + "}"));
        HttpResponse<String> r = post("{\"model\":\"sim-large\",\"n\":3,\"seed\":5,\"max_tokens\":9,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<JsonNode> events = GatewayIntegrationTest.events(r.body());
        assertThat(events.stream().map(e -> e.path("id").asText()).distinct()).hasSize(1);
        assertThat(events.subList(0, events.size() - 1)).allSatisfy(e -> {
            assertThat(e.path("choices")).hasSize(1);
            assertThat(e.has("usage")).isFalse();
        });
        Map<Integer, String> texts = texts(events);
        assertThat(texts.keySet()).containsExactly(0, 1, 2);
        assertThat(List.copyOf(texts.values())).isEqualTo(contents(whole));
        assertThat(events.stream().filter(e -> !e.path("choices").path(0).path("finish_reason").isNull()
                && e.path("choices").size() == 1).map(e -> e.path("choices").path(0).path("index").asInt()))
                .containsExactlyInAnyOrder(0, 1, 2);
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage")).isEqualTo(whole.path("usage"));
    }

    @Test
    void theVirtualModelRoutesOnceAndTheBankAdmitsTheFirstChoice() throws Exception {
        cluster = new TestCluster(1000, b -> b.dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory")),
                Map.of("ICCACHE_ADMIN_KEY", "admin-secret"));
        HttpResponse<String> r = post("{\"model\":\"iccache\",\"n\":2,\"seed\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Which planet has the most moons?\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-iccache-route")).hasValue("routed");
        assertThat(r.headers().firstValue("x-iccache-model")).hasValue("sim-large");
        List<String> answers = contents(json(r));
        assertThat(answers).hasSize(2).allSatisfy(a -> assertThat(a).startsWith("[simulated large]"));
        assertThat(answers.get(0)).isNotEqualTo(answers.get(1));
        assertThat(Eventually.holds(() -> cluster.gateway.metrics().scrape()
                .contains("iccache_bank_admissions_total{outcome=\"admitted\"} 1.0"))).isTrue();
        HttpResponse<String> found = cluster.send("GET", "/admin/examples/search?k=3&q="
                + URLEncoder.encode("planet with the most moons", StandardCharsets.UTF_8),
                "Authorization", "Bearer admin-secret");
        JsonNode results = json(found).path("results");
        assertThat(results).hasSize(1);
        assertThat(results.get(0).path("response").asText()).isEqualTo(answers.get(0));
        assertThat(cluster.gateway.metrics().scrape()).doesNotContain("outcome=\"merged\"", "outcome=\"duplicate\"");
    }

    @Test
    void moreChoicesThanMaxNIs400WithoutABackendCall() throws Exception {
        upstream = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("never")));
        startGateway(BackendConfig.remote("fake", upstream.baseUrl(), BackendRole.LARGE));
        HttpResponse<String> r = post("{\"model\":\"fake\",\"n\":9," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = json(r).path("error");
        assertThat(error.path("param").asText()).isEqualTo("n");
        assertThat(error.path("message").asText()).contains("at most 8", "max-n");
        assertThat(post("{\"model\":\"fake\",\"n\":0," + QUESTION + "}").statusCode()).isEqualTo(400);
        assertThat(upstream.bodies).isEmpty();
    }

    @Test
    void aScriptedBackendGetsOneCallPerChoiceWithItsOwnSeed() throws Exception {
        upstream = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion(
                "seed " + Json.MAPPER.readTree(FakeUpstream.body(ex)).path("seed").asInt())));
        startGateway(BackendConfig.remote("fake", upstream.baseUrl(), BackendRole.LARGE));
        HttpResponse<String> r = post("{\"model\":\"fake\",\"n\":3,\"seed\":11,\"temperature\":0.8," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(contents(json(r))).containsExactly("seed 11", "seed 12", "seed 13");
        assertThat(upstream.bodies).hasSize(3).allSatisfy(b -> {
            JsonNode sent = Json.MAPPER.readTree(b);
            assertThat(sent.has("n")).isFalse();
            assertThat(sent.path("temperature").asDouble()).isEqualTo(0.8);
        });
        JsonNode usage = json(r).path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(9);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void aScriptedStreamGetsOneCallPerChoice() throws Exception {
        upstream = new FakeUpstream((ex, n) -> {
            String seed = Json.MAPPER.readTree(FakeUpstream.body(ex)).path("seed").asText();
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, FakeUpstream.chunk("seed ", null));
            FakeUpstream.event(out, FakeUpstream.chunk(seed, "stop"));
            FakeUpstream.event(out, "{\"id\":\"up-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"upstream\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2,"
                    + "\"total_tokens\":6}}");
            FakeUpstream.event(out, "[DONE]");
        });
        startGateway(BackendConfig.remote("fake", upstream.baseUrl(), BackendRole.LARGE));
        HttpResponse<String> r = post("{\"model\":\"fake\",\"n\":2,\"seed\":1,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> events = GatewayIntegrationTest.events(r.body());
        assertThat(texts(events)).containsExactly(Map.entry(0, "seed 1"), Map.entry(1, "seed 2"));
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("model").asText()).isEqualTo("fake");
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(8);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
        assertThat(last.path("usage").path("total_tokens").asInt()).isEqualTo(12);
        assertThat(upstream.bodies).hasSize(2);
    }

    @Test
    void aNativeBackendGetsOneCallForEveryChoice() throws Exception {
        upstream = new FakeUpstream((ex, call) -> {
            JsonNode sent = Json.MAPPER.readTree(FakeUpstream.body(ex));
            int n = sent.path("n").asInt(1);
            if (!sent.path("stream").asBoolean()) {
                StringBuilder choices = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    choices.append(i == 0 ? "" : ",").append("{\"index\":").append(i)
                            .append(",\"message\":{\"role\":\"assistant\",\"content\":\"choice ").append(i)
                            .append("\"},\"finish_reason\":\"stop\"}");
                }
                FakeUpstream.json(ex, 200, "{\"id\":\"up\",\"object\":\"chat.completion\",\"created\":1,\"model\":"
                        + "\"upstream\",\"choices\":[" + choices + "],\"usage\":{\"prompt_tokens\":5,"
                        + "\"completion_tokens\":" + (2 * n) + ",\"total_tokens\":" + (5 + 2 * n) + "}}");
                return;
            }
            OutputStream out = FakeUpstream.sse(ex);
            for (int i = 0; i < n - 1; i++) { // a server that drops the last choice of a stream
                FakeUpstream.event(out, "{\"id\":\"up\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                        + "\"upstream\",\"choices\":[{\"index\":" + i + ",\"delta\":{\"content\":\"c" + i
                        + "\"},\"finish_reason\":\"stop\"}]}");
            }
            FakeUpstream.event(out, "[DONE]");
        });
        startGateway(BackendConfig.remote("fake", upstream.baseUrl(), BackendRole.LARGE).withNativeN(true));
        HttpResponse<String> r = post("{\"model\":\"fake\",\"n\":3,\"seed\":2," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(contents(json(r))).containsExactly("choice 0", "choice 1", "choice 2");
        assertThat(json(r).path("usage").path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(upstream.bodies).hasSize(1);
        JsonNode sent = Json.MAPPER.readTree(upstream.bodies.get(0));
        assertThat(sent.path("n").asInt()).isEqualTo(3);
        assertThat(sent.path("seed").asInt()).isEqualTo(2);

        HttpResponse<String> streamed = post("{\"model\":\"fake\",\"n\":2,\"stream\":true," + QUESTION + "}");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("\"c0\"", "1 streamed choices for n=2", "native-n")
                .doesNotContain("[DONE]");
    }

    @Test
    void inProcessSimulatedBackendsFanOutToo() throws Exception {
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(NO_BANK).maxN(2)
                .backends(List.of(BackendConfig.simulated("sim-small", "small", 1000))).build());
        HttpResponse<String> r = post("{\"model\":\"sim-small\",\"n\":2,\"seed\":5,\"max_tokens\":6," + QUESTION + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(contents(json(r))).hasSize(2).allSatisfy(t -> assertThat(t).startsWith("[simulated small]"));
        assertThat(post("{\"model\":\"sim-small\",\"n\":3," + QUESTION + "}").statusCode()).isEqualTo(400);
    }
}
