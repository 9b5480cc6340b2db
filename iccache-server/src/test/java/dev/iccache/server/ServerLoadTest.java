package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.backend.LoadSnapshot;
import dev.iccache.backend.http.HttpModelBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.metrics.Metrics;
import dev.iccache.testing.Eventually;
import dev.iccache.time.SimClock;
import dev.iccache.time.VirtualClock;
import dev.iccache.trace.Tracing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend load read from the model servers' own metrics, and the router's load bias following it. */
class ServerLoadTest {
    @TempDir
    Path dataDir;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeUpstream small;
    private FakeUpstream large;
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        scheduler.shutdownNow();
        for (FakeUpstream u : new FakeUpstream[] {small, large}) {
            if (u != null) {
                u.close();
            }
        }
    }

    private static String vllm(int running, int waiting) {
        return """
                # HELP vllm:num_requests_running Number of requests in model execution batches.
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{engine="0",model_name="large"} %d.0
                # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{engine="0",model_name="large"} %d.0
                vllm:kv_cache_usage_perc{engine="0",model_name="large"} 0.5
                """.formatted(running, waiting);
    }

    private static BackendConfig backend(String yaml) {
        return ConfigLoader.parse("backends:\n" + yaml, "test").backends().get(0);
    }

    @Test
    void theLoadIsTheSumOverEndpointsWhileEveryEndpointsReadingIsFresh() throws Exception {
        small = new FakeUpstream((ex, n) -> { });
        large = new FakeUpstream((ex, n) -> { });
        small.metrics = vllm(3, 1);
        large.metrics = vllm(2, 0);
        VirtualClock clock = new VirtualClock();
        Metrics metrics = new Metrics();
        try (HttpModelBackend backend = new HttpModelBackend(backend("""
                  - name: two
                    base-urls: ["%s", "%s"]
                    max-concurrent: 16
                    server-load: {interval-ms: 20, timeout-ms: 20}
                """.formatted(small.baseUrl(), large.baseUrl())), name -> null, scheduler, clock, metrics,
                Tracing.NOOP)) {
            assertThat(Eventually.holds(() -> backend.reportedLoad().equals(Optional.of(new LoadSnapshot(5, 1, 16, 0,
                    0))))).isTrue();
            assertThat(metrics.scrape()).contains("iccache_backend_server_requests{backend=\"two\",endpoint=\""
                    + small.baseUrl() + "\",state=\"running\"} 3",
                    "iccache_backend_server_kv_cache_usage{backend=\"two\",endpoint=\"" + large.baseUrl() + "\"} 0.5");
            large.metrics = null; // the endpoint stops publishing: a 404
            assertThat(Eventually.holds(() -> backend.reportedLoad().isEmpty())).isTrue();
            assertThat(metrics.scrape()).contains("iccache_backend_load_scrapes_total{backend=\"two\",endpoint=\""
                    + large.baseUrl() + "\",outcome=\"unpublished\"} 1");
        }
    }

    @Test
    void aLlamaCppServersSlotsAreItsCapacityAndAStaleReadingIsNoReading() throws Exception {
        large = new FakeUpstream((ex, n) -> { });
        large.metrics = "llamacpp:requests_processing 2\nllamacpp:requests_deferred 3\n";
        large.props = "{\"total_slots\":2,\"model_alias\":\"large\"}";
        VirtualClock clock = new VirtualClock();
        long interval = 60_000; // one reading in this test
        try (HttpModelBackend backend = new HttpModelBackend(backend("""
                  - {name: large, base-url: "%s", server-load: {interval-ms: %d, timeout-ms: 5000}}
                """.formatted(large.baseUrl(), interval)), name -> null, scheduler, clock, new Metrics(),
                Tracing.NOOP)) {
            assertThat(Eventually.holds(() -> backend.reportedLoad().map(LoadSnapshot::capacity).orElse(0) == 2))
                    .isTrue();
            assertThat(backend.reportedLoad()).hasValue(new LoadSnapshot(2, 3, 2, 0, 0));
            clock.sleepNanos(3 * interval * 1_000_000);
            assertThat(backend.reportedLoad()).as("three intervals old: still fresh").isPresent();
            clock.sleepNanos(1_000_000);
            assertThat(backend.reportedLoad()).as("older: the gateway counts its own calls").isEmpty();
            assertThat(large.metricsReads.get()).isEqualTo(1);
        }
    }

    @Test
    void theLoadBiasFollowsTheServersQueue() throws Exception {
        small = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("small")));
        large = new FakeUpstream((ex, n) -> FakeUpstream.json(ex, 200, FakeUpstream.completion("large")));
        large.metrics = vllm(0, 0);
        IccacheConfig config = ConfigLoader.parse("""
                server: {host: 127.0.0.1, port: 0}
                data-dir: %s
                bank: {store: memory}
                backends:
                  - {name: small, base-url: "%s", role: small, server-load: {mode: off}}
                  - {name: large, base-url: "%s", role: large, max-concurrent: 4,
                     server-load: {interval-ms: 20, timeout-ms: 20}}
                """.formatted(dataDir, small.baseUrl(), large.baseUrl()), "test.yaml");
        gateway = GatewayServer.start(config, Map.<String, String>of()::get, SimClock.REAL);
        var backends = gateway.gateway().backends();
        assertThat(Eventually.holds(() -> gateway.metrics().scrape()
                .contains("iccache_backend_load_source{backend=\"large\",source=\"server\"} 1.0"))).isTrue();
        assertThat(gateway.metrics().scrape()).contains(
                "iccache_backend_load_source{backend=\"small\",source=\"gateway\"} 1.0");
        routeTwenty();
        assertThat(gauge("iccache_router_load_bias")).isZero();

        large.metrics = vllm(4, 12); // the server's queue grows; the gateway's own calls stay at none
        assertThat(Eventually.holds(() -> ModelRouting.largeTierLoad(backends) == 4.0)).isTrue();
        routeTwenty();
        assertThat(gauge("iccache_router_load_ema")).isGreaterThan(3);
        assertThat(gauge("iccache_router_load_bias")).isGreaterThan(0.9);

        large.metrics = vllm(0, 0); // the queue drains
        assertThat(Eventually.holds(() -> ModelRouting.largeTierLoad(backends) == 0.0)).isTrue();
        routeTwenty();
        assertThat(gauge("iccache_router_load_bias")).isZero();

        large.metrics = null; // no longer published: the gateway's counts
        assertThat(Eventually.holds(() -> gateway.metrics().scrape()
                .contains("iccache_backend_load_source{backend=\"large\",source=\"gateway\"} 1.0"))).isTrue();
    }

    /** Twenty sequential requests for the virtual model: twenty samples of the large tier's load. */
    private void routeTwenty() throws Exception {
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                    + "/v1/chat/completions")).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers
                    .ofString("{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\",\"content\":\"Question " + i
                            + "?\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-iccache-route")).hasValue("routed");
        }
    }

    private double gauge(String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(gateway.metrics().scrape());
        assertThat(m.find()).as(name).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
