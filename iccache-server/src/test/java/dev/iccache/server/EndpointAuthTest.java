package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.config.ConfigException;
import dev.iccache.config.ServerConfig;
import dev.iccache.config.TenantConfig;
import dev.iccache.tenant.TenantResolver;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With tenants configured, the endpoints that reveal backends need a key and the probes reveal
 * nothing but their status (issue 15, finding 8).
 */
class EndpointAuthTest {
    private static final String[] TENANT = {"Authorization", "Bearer sk-a"};
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};
    @TempDir
    static Path dataDir;
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(1000, b -> b.dataDir(dataDir).tenants(List.of(new TenantConfig("a", "KEY_A", true)))
                .bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0)),
                Map.of("KEY_A", "sk-a", "ICCACHE_ADMIN_KEY", "admin-secret"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void modelsNeedATenantKey() throws Exception {
        HttpResponse<String> anonymous = cluster.send("GET", "/v1/models");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(Json.MAPPER.readTree(anonymous.body()).path("error").path("type").asText())
                .isEqualTo("authentication_error");
        assertThat(anonymous.body()).doesNotContain("sim-");
        assertThat(cluster.send("GET", "/v1/models", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> tenant = cluster.send("GET", "/v1/models", TENANT);
        assertThat(tenant.statusCode()).isEqualTo(200);
        assertThat(tenant.body()).contains("sim-small", "sim-large");
    }

    @Test
    void metricsNeedTheAdminKey() throws Exception {
        assertThat(cluster.send("GET", "/metrics").statusCode()).isEqualTo(401);
        HttpResponse<String> tenant = cluster.send("GET", "/metrics", TENANT);
        assertThat(tenant.statusCode()).isEqualTo(401);
        assertThat(tenant.body()).doesNotContain("sim-");
        HttpResponse<String> admin = cluster.send("GET", "/metrics", ADMIN);
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.body()).contains("iccache_backend_in_flight{backend=\"sim-small\"}");
    }

    @Test
    void aMetricsKeyReadsTheMetricsAndProtectsThemWithoutTenants() throws Exception {
        try (TestCluster scraped = new TestCluster(1000, b -> b.dataDir(dataDir.resolve("scraped"))
                .server(new ServerConfig("127.0.0.1", 0, 1 << 20).withMetricsApiKeyEnv("METRICS_KEY"))
                .bank(new BankConfig(false, "memory", List.of(), 0.98, 0, 1000, 0, 0)),
                Map.of("METRICS_KEY", "sk-metrics", "ICCACHE_ADMIN_KEY", "admin-secret"))) {
            assertThat(scraped.send("GET", "/metrics").statusCode()).isEqualTo(401);
            assertThat(scraped.send("GET", "/metrics", "Authorization", "Bearer sk-metrics").statusCode()).isEqualTo(200);
            assertThat(scraped.send("GET", "/metrics", ADMIN).statusCode()).isEqualTo(200);
            assertThat(scraped.send("GET", "/v1/models").statusCode()).as("no tenants: open").isEqualTo(200);
        }
    }

    @Test
    void aMetricsKeyThatIsNotSetStopsStartUp() {
        assertThatThrownBy(() -> new MetricsAccess(new TenantResolver(List.of(), k -> null),
                new AdminKey(Optional.empty(), "ICCACHE_ADMIN_KEY"), "UNSET_METRICS_KEY", k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("UNSET_METRICS_KEY");
    }

    @Test
    void probesAreOpenAndTellOnlyTheirStatus() throws Exception {
        HttpResponse<String> ready = cluster.send("GET", "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(ready.body())).isEqualTo(Json.MAPPER.readTree("{\"status\":\"ready\"}"));
        HttpResponse<String> health = cluster.send("GET", "/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(health.body())).isEqualTo(Json.MAPPER.readTree("{\"status\":\"ok\"}"));
    }
}
