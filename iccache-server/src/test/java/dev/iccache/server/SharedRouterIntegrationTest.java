package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.route.RouterSettings;
import dev.iccache.store.cassandra.CassandraNode;
import dev.iccache.testing.Eventually;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways with {@code bank.store: cassandra} on one keyspace share their routers (docs/routing.md, "Shared
 * router state"), over loopback HTTP: a rating given through one gateway moves the router state the other routes
 * with, as its {@code POST /admin/explain} shows.
 */
@ExtendWith(CassandraNode.class)
class SharedRouterIntegrationTest {
    private static final String KEYSPACE = "iccache_router_it";
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};
    private static final String QUESTION = "{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Which river flows through Vienna?\"}]}";
    /**
     * No judge budget, so no shadow runs: only ratings teach the routers, and the default model (sim-large) serves
     * every request while sim-small has fewer than min-observations outcomes. A sync every 0.2 s.
     */
    private static final RouterSettings ROUTER = new RouterSettings(true, 0.3, 0.999, 20, 0.1, 0.05, 0.8, 0.2, 1.0, 4,
            null, 0, 0.4, 0.2, 0, 0.2);
    private TestCluster first;
    private TestCluster second;

    @BeforeEach
    void start(@TempDir Path dataA, @TempDir Path dataB) {
        BankConfig bank = CassandraBanks.fresh(KEYSPACE);
        Map<String, String> env = Map.of("ICCACHE_ADMIN_KEY", "admin-secret");
        first = new TestCluster(1000, b -> b.dataDir(dataA).bank(bank).router(ROUTER), env);
        second = new TestCluster(1000, b -> b.dataDir(dataB).bank(bank).router(ROUTER), env);
    }

    @AfterEach
    void stop() {
        TestCluster.closeAll(first, second);
    }

    /** What a gateway's router holds of an arm for {@link #QUESTION}, as {@code /admin/explain} shows it. */
    private static JsonNode arm(TestCluster gateway, String model) throws Exception {
        HttpResponse<String> r = gateway.post("/admin/explain", QUESTION, ADMIN);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode routing = Json.MAPPER.readTree(r.body()).path("routing");
        assertThat(routing.path("chosen").asText()).isEqualTo("sim-large");
        return routing.path("arms").path(model);
    }

    private static long observations(TestCluster gateway, String model) throws Exception {
        return arm(gateway, model).path("observations").asLong();
    }

    /** Asks {@link #QUESTION} through a gateway and rates its answer good there. */
    private static void askAndRate(TestCluster gateway) throws Exception {
        HttpResponse<String> answer = gateway.post("/v1/chat/completions", QUESTION);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("x-iccache-model")).hasValue("sim-large");
        String id = Json.MAPPER.readTree(answer.body()).path("id").asText();
        assertThat(gateway.post("/v1/feedback", "{\"id\":\"" + id + "\",\"rating\":1}").statusCode()).isEqualTo(200);
    }

    @Test
    void aRatingThroughEitherGatewayMovesTheRouterOfTheOther() throws Exception {
        JsonNode before = arm(first, "sim-large");
        assertThat(before.path("observations").asLong()).isZero();
        assertThat(before.path("posterior_mean").asDouble()).isEqualTo(0.5);
        assertThat(before.path("score").isNumber()).as("the default model is always scored").isTrue();
        assertThat(arm(first, "sim-small").path("score").isNull()).as("too few observations to serve").isTrue();

        askAndRate(second);
        assertThat(Eventually.holds(() -> observations(first, "sim-large") == 1)).isTrue();
        JsonNode after = arm(first, "sim-large");
        assertThat(after.path("posterior_mean").asDouble()).as("a good rating raised the estimate").isGreaterThan(0.5);
        assertThat(after.path("posterior_stddev").asDouble()).isLessThan(before.path("posterior_stddev").asDouble());
        assertThat(observations(second, "sim-large")).isEqualTo(1);

        askAndRate(first);
        assertThat(Eventually.holds(() -> observations(second, "sim-large") == 2)).isTrue();
        assertThat(Eventually.holds(() -> observations(first, "sim-large") == 2)).isTrue();
        assertThat(observations(first, "sim-small")).isZero();
    }
}
