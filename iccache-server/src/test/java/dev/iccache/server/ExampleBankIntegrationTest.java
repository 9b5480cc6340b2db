package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.config.CompactionSettings;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.testing.Eventually;
import dev.iccache.testing.PlantedPii;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admission, tenants and the admin API over loopback HTTP, with the real embedder. */
class ExampleBankIntegrationTest {
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start(List<TenantConfig> tenants) {
        cluster = new TestCluster(1000, b -> b.tenants(tenants).bank(dev.iccache.config.BankConfig.DEFAULT
                .withStore("memory")), Map.of("ICCACHE_ADMIN_KEY", "admin-secret", "KEY_A", "sk-a", "KEY_B", "sk-b"));
    }

    private static String chat(String model, String question, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    private long count() throws Exception {
        return Json.MAPPER.readTree(cluster.send("GET", "/admin/bank/stats", ADMIN).body()).path("count").asLong();
    }

    private JsonNode search(String q, String tenant) throws Exception {
        HttpResponse<String> r = cluster.send("GET", "/admin/examples/search?k=3&q="
                + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8)
                + (tenant == null ? "" : "&tenant=" + tenant), ADMIN);
        assertThat(r.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body()).path("results");
    }

    @Test
    void anIdleGatewayCompactsItsLuceneBankAndKeepsEveryExample(@TempDir Path dataDir) throws Exception {
        BankConfig d = BankConfig.DEFAULT;
        // idle-cpu 1.0: every check finds the gateway idle; a check a second, no pause between compactions
        BankConfig bank = new BankConfig(true, "lucene", List.of(), d.dedupThreshold(), 0, d.admissionQueue(), 0, 0,
                d.cassandra(), 0, new CompactionSettings(1, 1.0, 1, 0));
        cluster = new TestCluster(1000, b -> b.dataDir(dataDir).bank(bank),
                Map.of("ICCACHE_ADMIN_KEY", "admin-secret"));
        String[] questions = {"When did humans last walk on the moon?", "How do vaccines train the immune system?",
            "Why is the sky blue during the day?"};
        for (int i = 0; i < questions.length; i++) { // one admission, so one commit and one segment, each
            assertThat(cluster.post("/v1/chat/completions", chat("sim-large", questions[i], false)).statusCode())
                    .isEqualTo(200);
            int admitted = i + 1;
            assertThat(Eventually.holds(() -> count() == admitted)).isTrue();
        }

        Pattern compactions = Pattern.compile("(?m)^iccache_bank_compactions_total ([0-9.]+)$");
        assertThat(Eventually.holds(() -> {
            Matcher m = compactions.matcher(cluster.send("GET", "/metrics").body());
            return m.find() && Double.parseDouble(m.group(1)) >= 1;
        }, 30_000, 100)).isTrue();
        assertThat(count()).isEqualTo(3);
        assertThat(search("what year was the final moon landing", null).get(0).path("request").toString())
                .contains("last walk on the moon");
    }

    @Test
    void largeModelAnswersAreAdmittedAndFoundByAParaphrase() throws Exception {
        start(List.of());
        assertThat(cluster.post("/v1/chat/completions", chat("iccache", "When did humans last walk on the moon?",
                false)).statusCode()).isEqualTo(200);
        assertThat(cluster.post("/v1/chat/completions", chat("sim-large", "How do vaccines train the immune system?",
                true)).statusCode()).isEqualTo(200);
        assertThat(Eventually.holds(() -> count() == 2)).isTrue();

        JsonNode hits = search("what year was the final moon landing", null);
        assertThat(hits.get(0).path("request").toString()).contains("last walk on the moon");
        assertThat(hits.get(0).path("response").asText()).startsWith("[simulated large]");
        assertThat(hits.get(0).path("model").asText()).isEqualTo("sim-large");
        assertThat(hits.get(0).path("tenant").asText()).isEqualTo("default");
        assertThat(hits.get(0).path("score").asDouble()).isGreaterThan(hits.get(1).path("score").asDouble());

        String id = hits.get(0).path("id").asText();
        JsonNode one = Json.MAPPER.readTree(cluster.send("GET", "/admin/examples/" + id, ADMIN).body());
        assertThat(one.path("embedded_text").asText()).isEqualTo("When did humans last walk on the moon?");
        assertThat(one.path("response_tokens").asInt()).isPositive();
        assertThat(cluster.send("DELETE", "/admin/examples/" + id, ADMIN).statusCode()).isEqualTo(200);
        assertThat(cluster.send("GET", "/admin/examples/" + id, ADMIN).statusCode()).isEqualTo(404);
        assertThat(cluster.send("DELETE", "/admin/examples/" + id, ADMIN).statusCode()).isEqualTo(404);
        assertThat(count()).isEqualTo(1);
        assertThat(cluster.gateway.metrics().scrape()).contains("iccache_bank_admissions_total{outcome=\"admitted\"} 2.0");
    }

    @Test
    void smallModelAnswersAndNoStoreRequestsAreNotAdmitted() throws Exception {
        start(List.of());
        cluster.post("/v1/chat/completions", chat("sim-small", "a question for the small model", false));
        cluster.post("/v1/chat/completions", chat("iccache", "a private question", false), "x-iccache-no-store", "true");
        cluster.post("/v1/chat/completions", chat("iccache", "an ordinary question", false));
        assertThat(Eventually.holds(() -> count() == 1)).isTrue();
        assertThat(search("private question", null)).allSatisfy(
                h -> assertThat(h.path("request").toString()).doesNotContain("private", "small model"));
    }

    @Test
    void tenantsAuthenticateAndNeverSeeEachOthersExamples() throws Exception {
        start(List.of(new TenantConfig("a", "KEY_A", true), new TenantConfig("b", "KEY_B", true)));
        assertThat(cluster.post("/v1/chat/completions", chat("iccache", "hello", false)).statusCode()).isEqualTo(401);
        assertThat(cluster.post("/v1/chat/completions", chat("iccache", "hello", false), "Authorization",
                "Bearer wrong").statusCode()).isEqualTo(401);
        cluster.post("/v1/chat/completions", chat("iccache", "tenant a asks about tides", false), "Authorization",
                "Bearer sk-a");
        cluster.post("/v1/chat/completions", chat("iccache", "tenant b asks about tides", false), "Authorization",
                "Bearer sk-b");
        assertThat(Eventually.holds(() -> count() == 2)).isTrue();
        assertThat(search("tides", "a")).singleElement()
                .satisfies(h -> assertThat(h.path("tenant").asText()).isEqualTo("a"));
        HttpResponse<String> deleted = cluster.send("DELETE", "/admin/tenants/b/examples", ADMIN);
        assertThat(Json.MAPPER.readTree(deleted.body()).path("deleted").asLong()).isEqualTo(1);
        assertThat(search("tides", "b")).isEmpty();
        assertThat(search("tides", null)).hasSize(1);
    }

    @Test
    void oneEndUsersExamplesCanBeErased() throws Exception {
        start(List.of());
        cluster.post("/v1/chat/completions", "{\"model\":\"iccache\",\"user\":\"ann\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"What is the tallest mountain?\"}]}");
        cluster.post("/v1/chat/completions", "{\"model\":\"iccache\",\"user\":\"bob\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"How deep is the ocean?\"}]}");
        assertThat(Eventually.holds(() -> count() == 2)).isTrue();
        HttpResponse<String> r = cluster.send("DELETE", "/admin/tenants/default/users/ann/examples", ADMIN);
        assertThat(Json.MAPPER.readTree(r.body()).path("deleted").asLong()).isEqualTo(1);
        assertThat(count()).isEqualTo(1);
        assertThat(search("tallest mountain", null)).allSatisfy(
                h -> assertThat(h.path("request").toString()).doesNotContain("tallest"));
    }

    @Test
    void personalDataOutsideMessageTextIsMaskedInWhatTheAdminApiReturns() throws Exception {
        start(List.of());
        HttpResponse<String> served = cluster.post("/v1/chat/completions", "{\"model\":\"sim-large\",\"user\":"
                + "\"ann@example.com\",\"messages\":" + PlantedPii.MESSAGES + "}");
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(Eventually.holds(() -> count() == 1)).isTrue();
        JsonNode hit = search("Thanks. What should I do next?", null).get(0);
        String one = cluster.send("GET", "/admin/examples/" + hit.path("id").asText(), ADMIN).body();
        JsonNode arguments = Json.MAPPER.readTree(hit.path("request").path(2).path("tool_calls").path(0)
                .path("function").path("arguments").asText());
        for (String returned : List.of(hit.toString(), one, arguments.toString())) {
            assertThat(returned).doesNotContain(PlantedPii.RAW).doesNotContain("ann@example.com")
                    .contains("[EMAIL]");
        }
        assertThat(hit.path("request").path(1).path("name").asText()).isEqualTo("[EMAIL]");
        cluster.gateway.bank().orElseThrow().store().forEach(java.util.Optional.empty(),
                e -> assertThat(e.user()).hasValueSatisfying(u -> assertThat(u).doesNotContain("ann")));

        HttpResponse<String> erased = cluster.send("DELETE", "/admin/tenants/default/users/ann@example.com/examples",
                ADMIN);
        assertThat(Json.MAPPER.readTree(erased.body()).path("deleted").asLong()).as(erased.body()).isEqualTo(1);
        assertThat(count()).isZero();
    }

    @Test
    void theAdminApiNeedsTheAdminKey() throws Exception {
        start(List.of());
        assertThat(cluster.send("GET", "/admin/bank/stats").statusCode()).isEqualTo(401);
        assertThat(cluster.send("GET", "/admin/bank/stats", "Authorization", "Bearer nope").statusCode())
                .isEqualTo(401);
        assertThat(cluster.send("GET", "/admin/examples/search?q=x&k=0", ADMIN).statusCode()).isEqualTo(400);
        assertThat(cluster.send("GET", "/admin/examples/search?k=2", ADMIN).statusCode()).isEqualTo(400);
    }

    @Test
    void withoutAnAdminKeyTheAdminApiIsOff() throws Exception {
        cluster = new TestCluster(1000, b -> b.bank(dev.iccache.config.BankConfig.DEFAULT.withStore("memory")),
                Map.of());
        HttpResponse<String> r = cluster.send("GET", "/admin/bank/stats", ADMIN);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("ICCACHE_ADMIN_KEY");
    }



    @Test
    void anEmptiedBankIsAWarningAtStartAndAFreshDataDirectoryStartsSilently(@TempDir Path dataDir) throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(new SimpleFormatter().formatMessage(r));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(ExampleBank.class.getName());
        // Watched from when the simulated backends run: the first server started re-reads the logging
        // configuration, which drops handlers.
        UnaryOperator<IccacheConfig.Builder> watched = b -> {
            log.removeHandler(handler);
            log.addHandler(handler);
            return b.dataDir(dataDir);
        };
        try {
            cluster = new TestCluster(1000, watched, Map.of());
            assertThat(cluster.post("/v1/chat/completions", "{\"model\":\"iccache\",\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Explain photosynthesis briefly.\"}]}").statusCode()).isEqualTo(200);
            TestCluster first = cluster;
            assertThat(Eventually.holds(() -> first.gateway.gateway().routing().orElseThrow().routers()
                    .get("default").bandit().updates("sim-small") > 0)).as("the router learned").isTrue();
            cluster.close();
            cluster = null;
            assertThat(warnings).isEmpty();
            assertThat(dataDir.resolve("learned/default/router.json")).exists();
            deleteRecursively(dataDir.resolve("bank"));
            cluster = new TestCluster(1000, watched, Map.of());
            assertThat(warnings).singleElement().asString()
                    .contains(dataDir.resolve("bank").toString(), "is empty", dataDir.resolve("learned").toString());
        } finally {
            log.removeHandler(handler);
        }
    }

    @Test
    void withoutTenantsAnUnreadableCheckpointOfTheSingleFileLayoutStopsStartUp(@TempDir Path dataDir)
            throws Exception {
        Files.writeString(dataDir.resolve("router.json"), "{");
        IccacheConfig config = IccacheConfig.embeddedDefault().toBuilder()
                .server(new ServerConfig("127.0.0.1", 0, 1 << 20)).dataDir(dataDir)
                .bank(BankConfig.DEFAULT.withStore("memory")).build();
        assertThatThrownBy(() -> GatewayServer.start(config, Map.<String, String>of()::get))
                .hasMessageContaining("router checkpoint " + dataDir.resolve("router.json"))
                .hasMessageContaining("move it away");
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
