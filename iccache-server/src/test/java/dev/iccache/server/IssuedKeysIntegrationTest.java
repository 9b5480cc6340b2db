package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ModelPrice;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.select.TokenCounter;
import dev.iccache.time.VirtualClock;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys issued through {@code /admin/keys}, over loopback HTTP: they work at once, are limited, and stop when revoked. */
class IssuedKeysIntegrationTest {
    private static final String ADMIN = "Bearer admin-secret";
    private static final String CHAT = "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final Map<String, String> ENV = Map.of("KEY_A", "sk-config-a", "KEY_T", "sk-config-t",
            "ICCACHE_ADMIN_KEY", "admin-secret");

    private static SimBackendServer small;
    private static SimBackendServer large;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final VirtualClock clock = new VirtualClock();
    @TempDir
    Path dataDir;
    private GatewayServer gateway;

    @BeforeAll
    static void startBackends() {
        small = TestCluster.sim("sim-small", SimProfile.SMALL, 1000);
        large = TestCluster.sim("sim-large", SimProfile.LARGE, 1000);
    }

    @AfterAll
    static void stopBackends() {
        small.close();
        large.close();
    }

    @BeforeEach
    void start() {
        gateway = startGateway();
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private GatewayServer startGateway() {
        return GatewayServer.start(IccacheConfig.builder().server(new ServerConfig("127.0.0.1", 0, 1 << 20))
                .defaultModel("sim-large").dataDir(dataDir)
                .tenants(List.of(new TenantConfig("a", "KEY_A", true),
                        new TenantConfig("t", "KEY_T", true).withLimits(3, 0)))
                .bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0))
                .prices(Map.of("sim-small", new ModelPrice(1.0, 2.0)))
                .backends(List.of(
                        BackendConfig.remote("sim-small", "http://127.0.0.1:" + small.port() + "/v1", BackendRole.SMALL),
                        BackendConfig.remote("sim-large", "http://127.0.0.1:" + large.port() + "/v1", BackendRole.LARGE)))
                .build(), ENV::get, clock);
    }

    @Test
    void aCreatedKeyWorksAtOnceAndStopsWhenRevoked() throws Exception {
        assertThat(post("/v1/chat/completions", CHAT, "Bearer sk-config-a").statusCode()).as("config key")
                .isEqualTo(200);
        JsonNode created = json(post("/admin/keys", "{\"tenant\":\"acme\"}", ADMIN), 201);
        String key = created.path("key").asText();
        assertThat(created.path("id").asText()).startsWith("key_");
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + key).statusCode()).isEqualTo(200);
        HttpResponse<String> messages = send(HttpRequest.newBuilder(uri("/v1/messages")).header("x-api-key", key)
                .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"sim-small\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
        assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
        assertThat(get("/v1/models", "Bearer " + key).statusCode()).isEqualTo(200);

        JsonNode list = json(get("/admin/keys", ADMIN), 200);
        assertThat(list.path("data")).hasSize(1);
        assertThat(list.path("data").get(0).path("tenant").asText()).isEqualTo("acme");
        assertThat(list.toString()).doesNotContain(key).doesNotContain("sha256");

        JsonNode revoked = json(delete("/admin/keys/" + created.path("id").asText()), 200);
        assertThat(revoked.path("deleted").asBoolean()).isTrue();
        HttpResponse<String> refused = post("/v1/chat/completions", CHAT, "Bearer " + key);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(errorCode(refused)).isEqualTo("invalid_api_key");
        assertThat(delete("/admin/keys/" + created.path("id").asText()).statusCode()).isEqualTo(404);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer sk-config-a").statusCode()).as("config key")
                .isEqualTo(200);
    }

    @Test
    void rotationReplacesTheSecretAndKeysSurviveARestart() throws Exception {
        JsonNode created = json(post("/admin/keys", "{\"tenant\":\"acme\",\"rpm\":100,\"models\":[\"sim-small\"]}",
                ADMIN), 201);
        String id = created.path("id").asText();
        JsonNode rotated = json(post("/admin/keys/" + id + "/rotate", "", ADMIN), 200);
        assertThat(rotated.path("id").asText()).isEqualTo(id);
        assertThat(rotated.path("rpm").asInt()).isEqualTo(100);
        assertThat(rotated.path("models").toString()).isEqualTo("[\"sim-small\"]");
        String key = rotated.path("key").asText();
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + created.path("key").asText()).statusCode())
                .isEqualTo(401);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + key).statusCode()).isEqualTo(200);
        assertThat(post("/admin/keys/key_missing/rotate", "", ADMIN).statusCode()).isEqualTo(404);

        gateway.close();
        gateway = startGateway();
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + key).statusCode()).as("after a restart")
                .isEqualTo(200);
        assertThat(json(get("/admin/keys", ADMIN), 200).path("data").get(0).path("id").asText()).isEqualTo(id);
    }

    @Test
    void aKeyMayNameOnlyItsModels() throws Exception {
        String key = json(post("/admin/keys", "{\"tenant\":\"acme\",\"models\":[\"sim-small\"]}", ADMIN), 201)
                .path("key").asText();
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + key).statusCode()).isEqualTo(200);
        HttpResponse<String> other = post("/v1/chat/completions", CHAT.replace("sim-small", "sim-large"),
                "Bearer " + key);
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(errorCode(other)).isEqualTo("model_not_allowed");
        assertThat(Json.MAPPER.readTree(other.body()).path("error").path("param").asText()).isEqualTo("model");
    }

    @Test
    void theAdminApiNeedsTheAdminKeyAndRejectsBadInput() throws Exception {
        assertThat(post("/admin/keys", "{\"tenant\":\"acme\"}", "Bearer sk-config-a").statusCode()).isEqualTo(401);
        assertThat(get("/admin/keys", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(uri("/admin/keys")).GET()).statusCode()).isEqualTo(401);
        for (String bad : List.of("", "[]", "{not json", "{}", "{\"tenant\":\"\"}", "{\"tenant\":3}",
                "{\"tenant\":\"acme\",\"rpm\":-1}", "{\"tenant\":\"acme\",\"rpm\":1.5}", "{\"tenant\":\"acme\",\"rpm\":\"5\"}",
                "{\"tenant\":\"acme\",\"models\":\"sim-small\"}", "{\"tenant\":\"acme\",\"models\":[1]}",
                "{\"tenant\":\"acme\",\"colour\":\"red\"}", "{\"tenant\":\"acme\",\"tpm\":-5}",
                "{\"tenant\":\"acme\",\"budget\":-5}", "{\"tenant\":\"acme\",\"budget\":\"5\"}")) {
            HttpResponse<String> r = post("/admin/keys", bad, ADMIN);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText()).as(bad)
                    .isEqualTo("invalid_request_error");
        }
        assertThat(json(get("/admin/keys", ADMIN), 200).path("data")).isEmpty();
    }

    @Test
    void thirtyTwoParallelClientsGetExactlyTheRpmAndRetryAfterForTheRest() throws Exception {
        int rpm = 10;
        String key = json(post("/admin/keys", "{\"tenant\":\"acme\",\"rpm\":" + rpm + "}", ADMIN), 201)
                .path("key").asText();
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                responses.add(clients.submit(() -> {
                    go.await();
                    return post("/v1/chat/completions", CHAT, "Bearer " + key);
                }));
            }
            go.countDown();
            int ok = 0;
            int limited = 0;
            for (Future<HttpResponse<String>> f : responses) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                    assertThat(errorCode(r)).isEqualTo("rate_limit_exceeded");
                    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText())
                            .isEqualTo("rate_limit_error");
                    long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
                    assertThat(retryAfter).isBetween(1L, 60L);
                    limited++;
                }
            }
            assertThat(ok).isEqualTo(rpm);
            assertThat(limited).isEqualTo(32 - rpm);
        } finally {
            clients.shutdownNow();
        }
        assertThat(post("/v1/chat/completions", CHAT, "Bearer sk-config-a").statusCode()).as("other keys unaffected")
                .isEqualTo(200);
        clock.sleepNanos(MinuteWindows.WINDOW_NANOS);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + key).statusCode()).as("the next minute")
                .isEqualTo(200);
    }

    @Test
    void aKeyIsLimitedAtItsTokensPerMinutePromptAndCompletion() throws Exception {
        int tpm = 200;
        String key = json(post("/admin/keys", "{\"tenant\":\"acme\",\"tpm\":" + tpm + "}", ADMIN), 201)
                .path("key").asText();
        int prompt = TokenCounter.cl100k().countRequest(ChatRequest.parse(CHAT.getBytes(StandardCharsets.UTF_8)));
        long used = 0;
        int served = 0;
        HttpResponse<String> r;
        while ((r = post("/v1/chat/completions", CHAT, "Bearer " + key)).statusCode() == 200) {
            assertThat(used).as("admitted only below the limit").isLessThan(tpm);
            used += prompt + Json.MAPPER.readTree(r.body()).path("usage").path("completion_tokens").asLong();
            served++;
            assertThat(served).as("the limit must stop it").isLessThan(100);
        }
        assertThat(used).as("refused only at or above the limit").isGreaterThanOrEqualTo(tpm);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(errorCode(r)).isEqualTo("rate_limit_exceeded");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        clock.sleepNanos(MinuteWindows.WINDOW_NANOS);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + key).statusCode()).as("the next minute")
                .isEqualTo(200);
    }

    @Test
    void aKeyStopsAtItsBudgetAndSpendIsReportedPerTenantAndModelAcrossARestart() throws Exception {
        double budget = 0.5;
        String key = json(post("/admin/keys", "{\"tenant\":\"acme\",\"budget\":" + budget + "}", ADMIN), 201)
                .path("key").asText();
        double spent = 0;
        int served = 0;
        HttpResponse<String> r;
        while ((r = post("/v1/chat/completions", CHAT, "Bearer " + key)).statusCode() == 200) {
            assertThat(spent).as("admitted only below the budget").isLessThan(budget);
            JsonNode usage = Json.MAPPER.readTree(r.body()).path("usage");
            spent += (usage.path("prompt_tokens").asLong() * 1.0 + usage.path("completion_tokens").asLong() * 2.0)
                    / 1000;
            served++;
            assertThat(served).as("the budget must stop it").isLessThan(100);
        }
        assertThat(spent).as("refused only at or above the budget").isGreaterThanOrEqualTo(budget);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(errorCode(r)).isEqualTo("insufficient_quota");
        JsonNode configTenant = Json.MAPPER.readTree(post("/v1/chat/completions", CHAT, "Bearer sk-config-a").body())
                .path("usage");
        double spentByA = (configTenant.path("prompt_tokens").asLong() + configTenant.path("completion_tokens")
                .asLong() * 2.0) / 1000;
        assertThat(post("/v1/chat/completions", CHAT.replace("sim-small", "sim-large"), "Bearer sk-config-a")
                .statusCode()).as("a backend without a price").isEqualTo(200);

        JsonNode report = json(get("/admin/spend", ADMIN), 200);
        assertThat(report.path("tenants").path("acme").path("sim-small").asDouble()).isCloseTo(spent,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(report.path("tenants").path("a").path("sim-small").asDouble()).isCloseTo(spentByA,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(report.path("tenants").path("a").has("sim-large")).isFalse();
        assertThat(report.path("keys")).hasSize(1);
        assertThat(get("/admin/spend", "Bearer " + key).statusCode()).isEqualTo(401);
        assertThat(get("/metrics", ADMIN).body()).contains("iccache_spend_total{model=\"sim-small\",tenant=\"acme\"}",
                "iccache_spend_total{model=\"sim-small\",tenant=\"a\"}");

        gateway.close();
        gateway = startGateway();
        assertThat(json(get("/admin/spend", ADMIN), 200)).isEqualTo(report);
        assertThat(errorCode(post("/v1/chat/completions", CHAT, "Bearer " + key))).as("after a restart")
                .isEqualTo("insufficient_quota");
    }

    @Test
    void aTenantsLimitHoldsForAllItsKeysTogether() throws Exception {
        String issued = json(post("/admin/keys", "{\"tenant\":\"t\"}", ADMIN), 201).path("key").asText();
        assertThat(post("/v1/chat/completions", CHAT, "Bearer sk-config-t").statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + issued).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer sk-config-t").statusCode()).isEqualTo(200);
        for (String key : List.of(issued, "sk-config-t")) {
            HttpResponse<String> r = post("/v1/chat/completions", CHAT, "Bearer " + key);
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(errorCode(r)).isEqualTo("rate_limit_exceeded");
            assertThat(r.body()).contains("tenant 't'");
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
        }
        assertThat(post("/v1/chat/completions", CHAT, "Bearer sk-config-a").statusCode()).as("other tenants")
                .isEqualTo(200);
        clock.sleepNanos(MinuteWindows.WINDOW_NANOS);
        assertThat(post("/v1/chat/completions", CHAT, "Bearer " + issued).statusCode()).isEqualTo(200);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    private HttpResponse<String> post(String path, String body, String authorization) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", authorization).GET());
    }

    private HttpResponse<String> delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", ADMIN).DELETE());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Json.MAPPER.readTree(r.body());
    }

    private static String errorCode(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).path("error").path("code").asText();
    }
}
