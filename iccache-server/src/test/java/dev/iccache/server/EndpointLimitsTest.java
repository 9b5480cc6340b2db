package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.EmbeddingsConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ModelPrice;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.testing.Eventually;
import dev.iccache.time.VirtualClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys' models, rates and budgets on {@code /v1/embeddings}, {@code /v1/completions} and {@code /v1/responses},
 * over loopback HTTP to a scripted upstream that reports usage: as on chat, with the tokens the upstream reports.
 */
class EndpointLimitsTest {
    private static final String ADMIN = "Bearer admin-secret";
    private static final String COMPLETION = "{\"model\":\"up\",\"prompt\":\"hi\"}";
    private static final String RESPONSE = "{\"model\":\"up\",\"input\":\"hi\"}";
    private static final String EMBEDDING = "{\"model\":\"emb\",\"input\":\"hi\"}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final VirtualClock clock = new VirtualClock();
    @TempDir
    Path dataDir;
    private FakeUpstream upstream;
    private GatewayServer gateway;

    @BeforeEach
    void start() throws IOException {
        upstream = new FakeUpstream((ex, n) -> answer(ex));
        gateway = GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .dataDir(dataDir).bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0))
                .tenants(List.of(new TenantConfig("a", "KEY_A", true)))
                .prices(Map.of("up", new ModelPrice(1000, 2000))) // 1 per prompt token, 2 per completion token
                .backends(List.of(BackendConfig.remote("up", upstream.baseUrl(), BackendRole.LARGE)))
                .embeddings(new EmbeddingsConfig(false, null, 8, 100, List.of(
                        BackendConfig.remote("emb", upstream.baseUrl(), BackendRole.LARGE))))
                .build(), Map.of("KEY_A", "sk-config-a", "ICCACHE_ADMIN_KEY", "admin-secret")::get, clock);
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
    }

    /** Completions report 3 + 2 tokens, responses 3 + 2 (whole or in the completed event), embeddings 4. */
    private static void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        JsonNode request = Json.MAPPER.readTree(FakeUpstream.body(ex));
        if (path.endsWith("/embeddings")) {
            FakeUpstream.json(ex, 200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                    + "\"embedding\":[0.5,0.5]}],\"model\":\"emb\","
                    + "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}");
        } else if (path.endsWith("/completions")) {
            FakeUpstream.json(ex, 200, FakeUpstream.textCompletion("ok", "stop"));
        } else if (request.path("stream").asBoolean()) {
            FakeUpstream.raw(FakeUpstream.sse(ex), FakeUpstream.responseEvents("o", "k"));
        } else {
            FakeUpstream.json(ex, 200, FakeUpstream.response("ok", "completed"));
        }
    }

    @Test
    void everyEndpointCountsAgainstTheKeysRequestsPerMinute() throws Exception {
        String key = issue("{\"tenant\":\"acme\",\"rpm\":3}");
        assertThat(post("completions", COMPLETION, key).statusCode()).isEqualTo(200);
        assertThat(post("responses", RESPONSE, key).statusCode()).isEqualTo(200);
        assertThat(post("embeddings", EMBEDDING, key).statusCode()).isEqualTo(200);
        for (String[] call : List.of(new String[] {"completions", COMPLETION}, new String[] {"responses", RESPONSE},
                new String[] {"embeddings", EMBEDDING})) {
            HttpResponse<String> r = post(call[0], call[1], key);
            assertThat(r.statusCode()).as(call[0]).isEqualTo(429);
            assertThat(error(r).path("code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        }
        assertThat(post("completions", COMPLETION, "sk-config-a").statusCode()).as("other keys unaffected")
                .isEqualTo(200);
        clock.sleepNanos(MinuteWindows.WINDOW_NANOS);
        assertThat(post("embeddings", EMBEDDING, key).statusCode()).as("the next minute").isEqualTo(200);
    }

    @Test
    void completionTokensTheUpstreamReportsCountAgainstTokensPerMinute() throws Exception {
        // Each call: the prompt "hi" (1 token) on admission, then the 2 completion tokens the upstream reports:
        // 3 per call, so at 8 tokens per minute the calls at 0, 3 and 6 are admitted and the one at 9 is not.
        String key = issue("{\"tenant\":\"acme\",\"tpm\":8}");
        for (int i = 0; i < 3; i++) {
            assertThat(post("completions", COMPLETION, key).statusCode()).as("call " + i).isEqualTo(200);
        }
        HttpResponse<String> r = post("completions", COMPLETION, key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(error(r).path("message").asText()).contains("8 tokens per minute");
    }

    @Test
    void aKeyMayNameOnlyItsModelsOnEveryEndpoint() throws Exception {
        String key = issue("{\"tenant\":\"acme\",\"models\":[\"up\"]}");
        assertThat(post("responses", RESPONSE, key).statusCode()).isEqualTo(200);
        HttpResponse<String> r = post("embeddings", EMBEDDING, key);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(error(r).path("code").asText()).isEqualTo("model_not_allowed");
        assertThat(error(r).path("param").asText()).isEqualTo("model");
    }

    @Test
    void answersAreChargedFromTheUsageTheUpstreamReportsAndBudgetsHold() throws Exception {
        String key = issue("{\"tenant\":\"acme\",\"budget\":20}");
        assertThat(post("responses", RESPONSE, key).statusCode()).isEqualTo(200); // 3 + 2 × 2 = 7
        HttpResponse<String> stream = post("responses", "{\"model\":\"up\",\"input\":\"hi\",\"stream\":true}", key);
        assertThat(stream.statusCode()).isEqualTo(200); // 7 again, from the response.completed event
        assertThat(stream.body()).contains("response.completed");
        assertThat(post("completions", COMPLETION, key).statusCode()).isEqualTo(200); // 7: 21 in all
        HttpResponse<String> over = post("completions", COMPLETION, key);
        assertThat(over.statusCode()).isEqualTo(429);
        assertThat(error(over).path("code").asText()).isEqualTo("insufficient_quota");
        assertThat(post("embeddings", EMBEDDING, "sk-config-a").statusCode()).isEqualTo(200); // unpriced model

        JsonNode spend = Json.MAPPER.readTree(get("/admin/spend", ADMIN).body());
        assertThat(spend.path("tenants").path("acme").path("up").asDouble()).isEqualTo(21.0);
        assertThat(spend.path("tenants").path("a").path("emb").asDouble()).isEqualTo(0.0);
        assertThat(Eventually.holds(() -> gateway.metrics().scrape()
                .contains("iccache_spend_total{model=\"up\",tenant=\"acme\"} 21.0\n"))).isTrue();
    }

    private String issue(String body) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base() + "/admin/keys"))
                .header("Authorization", ADMIN).POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).path("key").asText();
    }

    private HttpResponse<String> post(String endpoint, String body, String key) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + "/v1/" + endpoint))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", authorization).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).path("error");
    }
}
