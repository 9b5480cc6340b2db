package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.testing.Eventually;
import dev.iccache.time.SimClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live configuration over loopback HTTP: the configuration file, watched, edited while the gateway serves; two
 * scripted upstreams that answer "one" and "two" tell which one a backend reaches.
 */
class ConfigReloadTest {
    private static final String ADMIN = "Bearer admin-secret";
    private static final String SMALL = "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String VIRTUAL = SMALL.replace("\"small\"", "\"iccache\"");

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, String> env = new HashMap<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Logger serverLog = Logger.getLogger(GatewayServer.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private volatile CountDownLatch holdOne = new CountDownLatch(0);
    private FakeUpstream one;
    private FakeUpstream two;
    private Path file;
    private GatewayServer gateway;
    private ConfigWatcher watcher;

    @BeforeEach
    void start() throws Exception {
        one = new FakeUpstream((ex, n) -> {
            holdOne.await(30, TimeUnit.SECONDS);
            FakeUpstream.json(ex, 200, FakeUpstream.completion("one"));
        });
        two = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("two")));
        env.put("ICCACHE_ADMIN_KEY", "admin-secret");
        env.put("ONE_URL", one.baseUrl());
        file = dir.resolve("gateway.yaml");
        write(config("${ONE_URL}", "large", ""));
        serverLog.addHandler(capture);
        gateway = GatewayServer.start(read(), this::read, env::get, SimClock.REAL);
        watcher = ConfigWatcher.start(file, Duration.ofMillis(50), gateway::reload);
    }

    @AfterEach
    void stop() {
        serverLog.removeHandler(capture);
        holdOne.countDown();
        watcher.close();
        gateway.close();
        one.close();
        two.close();
    }

    private IccacheConfig read() {
        return ConfigLoader.load(file, env::get);
    }

    /** Two backends, {@code small} at {@code smallUrl}, {@code large} at upstream two; no bank. */
    private String config(String smallUrl, String defaultModel, String extra) {
        return """
                server: {host: 127.0.0.1, port: 0}
                data-dir: %s
                bank: {enabled: false}
                access-log: {enabled: false}
                default-model: %s
                backends:
                  - name: small
                    base-url: %s
                    role: small
                  - name: large
                    base-url: %s
                    role: large
                %s
                """.formatted(dir.resolve("data"), defaultModel, smallUrl, two.baseUrl(), extra);
    }

    /** Replaces the file as editors do: a new file renamed over it. */
    private void write(String yaml) throws Exception {
        Path tmp = dir.resolve("gateway.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, dir.resolve("gateway.yaml"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void editingTheFileChangesRoutingWithoutARestart() throws Exception {
        assertThat(answer(SMALL)).isEqualTo("one");
        assertThat(chat(VIRTUAL).headers().firstValue("x-iccache-model")).contains("large");
        int port = gateway.port();

        write(config(two.baseUrl(), "small", ""));
        assertThat(Eventually.holds(() -> answer(SMALL).equals("two"))).as("small's base-url moved").isTrue();
        HttpResponse<String> routed = chat(VIRTUAL);
        assertThat(routed.headers().firstValue("x-iccache-model")).as("default-model changed").contains("small");
        assertThat(gateway.port()).isEqualTo(port);
        assertThat(gateway.metrics().scrape()).contains("iccache_config_reloads_total{result=\"applied\"} 1.0\n");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aBrokenEditIsRejectedWithOneLineAndTheOldConfigurationKeepsServing() throws Exception {
        write(config("${ONE_URL}", "large", "").replace("role: small", "role: tiny"));
        assertThat(Eventually.holds(() -> gateway.metrics().scrape()
                .contains("iccache_config_reloads_total{result=\"rejected\"} 1.0\n"))).isTrue();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).startsWith("configuration reload rejected, the previous configuration keeps "
                + "serving: " + file).contains("tiny").doesNotContain("\n");
        assertThat(answer(SMALL)).isEqualTo("one");

        write(config("${TWO_URL}", "large", ""));
        HttpResponse<String> r = adminReload();
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_config");
        assertThat(error.path("message").asText()).contains(file + ":8: environment variable TWO_URL is not set");
        assertThat(answer(SMALL)).isEqualTo("one");

        env.put("TWO_URL", two.baseUrl());
        r = adminReload();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(r.body()).path("changed").toString())
                .isEqualTo("[\"backends (changed small)\"]");
        assertThat(answer(SMALL)).isEqualTo("two");
        HttpResponse<String> again = adminReload();
        assertThat(Json.MAPPER.readTree(again.body()).path("reloaded").asBoolean()).as(again.body()).isFalse();
    }

    @Test
    void aRestartOnlyKeyIsRejectedAndTheAdminCallNeedsTheAdminKey() throws Exception {
        watcher.close();
        write(config("${ONE_URL}", "large", "").replace("port: 0}", "port: 0, max-body-bytes: 1000}"));
        HttpResponse<String> r = adminReload();
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(r.body()).path("error").path("message").asText())
                .isEqualTo("The configuration was not reloaded: only a restart applies server");
        write(config("${ONE_URL}", "large", "tracing: {enabled: true}"));
        assertThat(Json.MAPPER.readTree(adminReload().body()).path("error").path("message").asText())
                .isEqualTo("The configuration was not reloaded: only a restart applies tracing");
        assertThat(send(HttpRequest.newBuilder(uri("/admin/config/reload")).header("Authorization", "Bearer nope")
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(401);
    }

    @Test
    void aRequestInFlightFinishesOnTheConfigurationItStartedWith() throws Exception {
        holdOne = new CountDownLatch(1);
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return answer(SMALL);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(Eventually.holds(() -> one.bodies.size() == 1)).isTrue();
        write(config(two.baseUrl(), "large", ""));
        assertThat(Eventually.holds(() -> gateway.metrics().scrape()
                .contains("iccache_config_reloads_total{result=\"applied\"} 1.0\n"))).isTrue();
        assertThat(answer(SMALL)).isEqualTo("two");
        holdOne.countDown();
        assertThat(slow.get(30, TimeUnit.SECONDS)).isEqualTo("one");
    }

    @Test
    void concurrentRequestsDuringReloadsGetNoErrors() throws Exception {
        watcher.close();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        AtomicBoolean reloading = new AtomicBoolean(true);
        try {
            List<Future<List<Integer>>> statuses = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                String body = c % 2 == 0 ? SMALL : VIRTUAL;
                statuses.add(clients.submit(() -> {
                    List<Integer> seen = new ArrayList<>();
                    while (reloading.get() || seen.size() < 5) {
                        seen.add(chat(body).statusCode());
                    }
                    return seen;
                }));
            }
            for (int i = 0; i < 20; i++) {
                write(config(i % 2 == 0 ? two.baseUrl() : "${ONE_URL}", i % 2 == 0 ? "small" : "large", ""));
                assertThat(gateway.reload().changed()).isNotEmpty();
            }
            reloading.set(false);
            int served = 0;
            for (Future<List<Integer>> f : statuses) {
                List<Integer> seen = f.get(60, TimeUnit.SECONDS);
                assertThat(seen).containsOnly(200);
                served += seen.size();
            }
            assertThat(served).isGreaterThanOrEqualTo(40);
        } finally {
            reloading.set(false);
            clients.shutdownNow();
        }
        assertThat(gateway.metrics().scrape()).contains("iccache_config_reloads_total{result=\"applied\"} 20.0\n");
    }

    @Test
    void theDashboardKeepsItsSessionsAndDecisionsAcrossAReloadAndShowsTheConfigurationInForce() throws Exception {
        watcher.close();
        HttpResponse<String> login = send(HttpRequest.newBuilder(uri("/dashboard/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=admin-secret")));
        assertThat(login.statusCode()).isEqualTo(303);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertThat(dashboard("/dashboard", cookie).body()).contains("default <code>large</code>");
        assertThat(answer(SMALL)).isEqualTo("one");

        write(config(two.baseUrl(), "small", ""));
        assertThat(gateway.reload().changed()).containsExactly("default-model", "backends (changed small)");
        assertThat(answer(SMALL)).isEqualTo("two");
        HttpResponse<String> page = dashboard("/dashboard", cookie);
        assertThat(page.statusCode()).as("the session outlives the reload").isEqualTo(200);
        assertThat(page.body()).contains("default <code>small</code>");
        JsonNode decisions = Json.MAPPER.readTree(dashboard("/dashboard/api/state", cookie).body()).path("decisions");
        assertThat(decisions).as("one decision before the reload, one after").hasSize(2);
        assertThat(decisions.get(0).path("model").asText()).isEqualTo("small");
    }

    private HttpResponse<String> dashboard(String path, String cookie) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Cookie", cookie).GET());
    }

    @Test
    void learnedStateSurvivesAReload() throws Exception {
        watcher.close();
        gateway.close();
        write(config("${ONE_URL}", "large", "").replace("bank: {enabled: false}", "bank: {store: memory}"));
        gateway = GatewayServer.start(read(), this::read, env::get, SimClock.REAL);
        ModelRouting before = gateway.gateway().routing().orElseThrow();
        InContextAugmenter augmenter = gateway.gateway().augmenter().orElseThrow();
        Router.Arm small = new Router.Arm("small", true, 1, new double[RequestFeatures.ARM_DIMENSION]);
        for (int i = 0; i < 7; i++) {
            before.routers().update("default", r -> r.rated(small, true));
        }

        write(config("${ONE_URL}", "large", "max-n: 4").replace("bank: {enabled: false}", "bank: {store: memory}"));
        assertThat(gateway.reload().changed()).containsExactly("max-n");
        ModelRouting after = gateway.gateway().routing().orElseThrow();
        assertThat(after).isNotSameAs(before);
        assertThat(after.routers().get("default").bandit().updates("small")).as("the router's statistics").isEqualTo(7);
        assertThat(gateway.gateway().augmenter()).as("the utility models and thresholds").containsSame(augmenter);
    }

    private String answer(String body) throws Exception {
        HttpResponse<String> r = chat(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body()).path("choices").get(0).path("message").path("content").asText();
    }

    private HttpResponse<String> chat(String body) throws Exception {
        return send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> adminReload() throws Exception {
        return send(HttpRequest.newBuilder(uri("/admin/config/reload")).header("Authorization", ADMIN)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }
}
