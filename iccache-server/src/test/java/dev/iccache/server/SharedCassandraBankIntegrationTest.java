package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.store.cassandra.CassandraNode;
import dev.iccache.testing.Eventually;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways with {@code bank.store: cassandra} on one keyspace of the tests' local Cassandra node, over
 * loopback HTTP with the real embedder: what one admits the other finds, and a delete through one is seen
 * by the other (each searches its node-local mirror).
 */
@ExtendWith(CassandraNode.class)
class SharedCassandraBankIntegrationTest {
    private static final String KEYSPACE = "iccache_gateway_it";
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};
    private static final Pattern MIRROR_BEHIND =
            Pattern.compile("(?m)^iccache_bank_mirror_behind_seconds ([0-9.eE+-]+)$");
    private TestCluster first;
    private TestCluster second;

    @BeforeEach
    void start(@TempDir Path dataA, @TempDir Path dataB) {
        BankConfig bank = CassandraBanks.fresh(KEYSPACE);
        Map<String, String> env = Map.of("ICCACHE_ADMIN_KEY", "admin-secret");
        first = new TestCluster(1000, b -> b.dataDir(dataA).bank(bank), env);
        second = new TestCluster(1000, b -> b.dataDir(dataB).bank(bank), env);
    }

    @AfterEach
    void stop() {
        TestCluster.closeAll(first, second);
    }

    private static JsonNode search(TestCluster gateway, String q) throws Exception {
        return Json.MAPPER.readTree(gateway.send("GET", "/admin/examples/search?k=3&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8), ADMIN).body()).path("results");
    }

    @Test
    void anAnswerAdmittedThroughOneGatewayIsFoundAndDeletedThroughTheOther() throws Exception {
        assertThat(first.post("/v1/chat/completions", "{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"When did humans last walk on the moon?\"}]}").statusCode()).isEqualTo(200);

        assertThat(Eventually.holds(() -> search(second, "what year was the final moon landing").size() == 1)).isTrue();
        JsonNode hit = search(second, "what year was the final moon landing").get(0);
        assertThat(hit.path("request").toString()).contains("last walk on the moon");
        assertThat(hit.path("model").asText()).isEqualTo("sim-large");
        String id = hit.path("id").asText();
        assertThat(first.send("GET", "/admin/examples/" + id, ADMIN).statusCode()).isEqualTo(200);

        assertThat(second.send("DELETE", "/admin/examples/" + id, ADMIN).statusCode()).isEqualTo(200);
        assertThat(first.send("GET", "/admin/examples/" + id, ADMIN).statusCode()).isEqualTo(404);
        // the delete reaches the first gateway's node-local copy at its next sync (every 50 ms here)
        assertThat(Eventually.holds(() -> search(first, "final moon landing").isEmpty())).isTrue();
        Matcher behind = MIRROR_BEHIND.matcher(first.send("GET", "/metrics").body());
        assertThat(behind.find()).as("the mirror's gauge is exported").isTrue();
        assertThat(Double.parseDouble(behind.group(1))).as("seconds since the last sync began").isLessThan(5);
        assertThat(Json.MAPPER.readTree(first.send("GET", "/admin/bank/stats", ADMIN).body()).path("count").asLong())
                .isZero();
    }
}
