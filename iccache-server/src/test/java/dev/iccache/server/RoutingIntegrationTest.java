package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.Json;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.BankConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.tenant.Tenant;
import dev.iccache.testing.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router over loopback HTTP: routed requests, shadow runs judged in the background, feedback. */
class RoutingIntegrationTest {
    private static final String HELLO = "{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Explain photosynthesis briefly.\"}]}";
    @TempDir
    Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> post(int port, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routedRequestsAreServedShadowedJudgedAndTakeFeedback() throws Exception {
        try (TestCluster cluster = new TestCluster(1000, b -> b.dataDir(dataDir)
                .bank(BankConfig.DEFAULT.withStore("memory")), Map.of())) {
            HttpResponse<String> r = cluster.post("/v1/chat/completions", HELLO);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-iccache-route")).hasValue("routed");
            assertThat(r.headers().firstValue("x-iccache-model")).as("cold start: the default model serves")
                    .hasValue("sim-large");
            for (int i = 0; i < 5; i++) {
                cluster.post("/v1/chat/completions", HELLO);
            }
            assertThat(Eventually.holds(() -> cluster.gateway.metrics().scrape()
                    .contains("iccache_router_shadow_total{outcome=\"judged\"}"))).isTrue();
            String metrics = cluster.gateway.metrics().scrape();
            assertThat(metrics).contains("iccache_router_decisions_total{model=\"sim-large\"} 6.0",
                    "iccache_router_offload_ratio", "iccache_router_load_bias 0.0", "iccache_quality_guard_win_rate",
                    "iccache_router_quality_aim{domain=\"default\"} NaN");
            assertThat(cluster.gateway.gateway().routing().orElseThrow().routers()
                    .get(Tenant.DEFAULT.domain()).bandit().updates("sim-small"))
                    .isPositive();
            String id = Json.MAPPER.readTree(r.body()).path("id").asText();
            assertThat(cluster.post("/v1/feedback", "{\"id\":\"" + id + "\",\"rating\":1}").statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aShadowRunNeverDelaysTheClient() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (FakeUpstream slowSmall = new FakeUpstream((ex, n) -> {
            release.await(20, TimeUnit.SECONDS);
            FakeUpstream.json(ex, 200, FakeUpstream.completion("late"));
        })) {
            GatewayServer gateway = GatewayServer.start(IccacheConfig.builder()
                    .server(new ServerConfig("127.0.0.1", 0, 1 << 20)).dataDir(dataDir)
                    .bank(BankConfig.DEFAULT.withStore("memory"))
                    .backends(List.of(BackendConfig.remote("small", slowSmall.baseUrl(), BackendRole.SMALL),
                            BackendConfig.simulated("large", "large", 1000))).build(), Map.<String, String>of()::get);
            try {
                HttpResponse<String> r = post(gateway.port(), "/v1/chat/completions", HELLO);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-iccache-model")).hasValue("large");
                assertThat(Eventually.holds(() -> slowSmall.bodies.size() == 1)).as("the shadow run started").isTrue();
                assertThat(release.getCount()).as("the client had its answer while the shadow was still running")
                        .isEqualTo(1);
            } finally {
                release.countDown();
                gateway.close();
            }
        }
    }


}
