package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.admission.AdmissionOutcome;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.tenant.Tenant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests to a small model carry selected examples upstream; explanations and feedback over HTTP. */
class SelectionIntegrationTest {
    @TempDir
    Path dataDir;
    private FakeUpstream small;
    private GatewayServer gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        small = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("small answer")));
        BackendConfig smallConfig = BackendConfig.remote("small", small.baseUrl(), BackendRole.SMALL);
        BackendConfig largeConfig = BackendConfig.simulated("large", "large", 1000);
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(BankConfig.DEFAULT.withStore("memory"))
                .backends(List.of(smallConfig, largeConfig)).build(), Map.of("ICCACHE_ADMIN_KEY", "adm")::get);
        ExampleBank bank = gateway.bank().orElseThrow();
        List<AdmissionOutcome> outcomes = bank.admitter().admitAll(List.of(
                pair("What is the capital of France?", "The capital of France is Paris."),
                pair("How many legs does a spider have?", "A spider has eight legs."),
                pair("What is the boiling point of water at sea level?", "100 degrees Celsius.")));
        assertThat(outcomes).containsOnly(AdmissionOutcome.ADMITTED);
    }

    @AfterEach
    void stop() {
        gateway.close();
        small.close();
    }

    private static Candidate pair(String question, String answer) {
        ChatRequest r = ChatRequest.parse(("{\"model\":\"large\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question + "\"}]}").getBytes(StandardCharsets.UTF_8));
        return new Candidate(Tenant.DEFAULT, r, answer, "large", Optional.of("stop"), 10, 10, OptionalDouble.of(0.9));
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String model, String question) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    @Test
    void aSimilarRequestToTheSmallModelCarriesTheExampleUpstream() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", chat("small", "What's the capital city of France?"),
                "x-iccache-debug", "1", "x-iccache-admin-key", "adm");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Integer.parseInt(r.headers().firstValue("x-iccache-examples").orElseThrow())).isPositive();
        JsonNode sent = Json.MAPPER.readTree(small.bodies.get(0));
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.path("messages").get(0).path("content").asText())
                .contains("The capital of France is Paris.", "What's the capital city of France?");
        assertThat(sent.path("messages").get(1).path("content").asText()).isEqualTo("What's the capital city of France?");

        JsonNode debug = Json.MAPPER.readTree(r.headers().firstValue("x-iccache-debug-selection").orElseThrow());
        assertThat(debug.path("candidates")).hasSize(3);
        assertThat(debug.path("candidates").get(0).has("utility")).isTrue();

        String id = Json.MAPPER.readTree(r.body()).path("id").asText();
        HttpResponse<String> explained = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.port() + "/admin/selections/" + id)).header("Authorization", "Bearer adm").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(explained.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(explained.body()).path("chosen")).isNotEmpty();

        assertThat(post("/v1/feedback", "{\"id\":\"" + id + "\",\"rating\":1}").statusCode()).isEqualTo(200);
        assertThat(post("/v1/feedback", "{\"id\":\"" + id + "\",\"rating\":1}").statusCode()).isEqualTo(404);
        assertThat(post("/v1/feedback", "{\"id\":\"x\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void anUnrelatedRequestGetsNoExamplesAndTheLargeModelNeverDoes() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", chat("small", "Write a haiku about autumn leaves."),
                "x-iccache-debug", "1");
        assertThat(r.headers().firstValue("x-iccache-examples")).hasValue("0");
        assertThat(r.headers().firstValue("x-iccache-debug-selection")).as("debug needs the admin key").isEmpty();
        assertThat(Json.MAPPER.readTree(small.bodies.get(0)).path("messages")).hasSize(1);
        HttpResponse<String> large = post("/v1/chat/completions", chat("large", "What is the capital of France?"));
        assertThat(large.headers().firstValue("x-iccache-examples")).hasValue("0");
    }

    @Test
    void theAdminExplainEndpointShowsWhatWouldBeSent() throws Exception {
        HttpResponse<String> r = post("/admin/explain", chat("small", "How many legs do spiders have?"),
                "Authorization", "Bearer adm");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("examples").asInt()).isPositive();
        assertThat(body.path("upstream_messages").get(0).path("content").asText()).contains("eight legs");
        assertThat(small.bodies).isEmpty();
    }
}
