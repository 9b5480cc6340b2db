package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.select.SelectionSettings;
import dev.iccache.store.cassandra.CassandraNode;
import dev.iccache.testing.Eventually;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway on {@code bank.store: cassandra} while its Cassandra node is down (stopped by the test) and
 * after it returns: requests keep being answered, and the bank serves and admits again once the node is back,
 * without a restart of the gateway. Searching in Cassandra, requests bypass the bank during the outage
 * ({@code x-iccache-route: bypass}); searching in the node-local mirror, they keep their examples from it. Runs
 * only against a node this test run started (it stops it), with one node.
 */
@ExtendWith(CassandraNode.class)
class CassandraOutageTest {
    private static final String KEYSPACE = "iccache_outage_it";
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};

    private static HttpResponse<String> ask(TestCluster gateway, String question) throws Exception {
        return gateway.post("/v1/chat/completions", "{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + question + "\"}]}");
    }

    private static String route(HttpResponse<String> r) {
        return r.headers().firstValue("x-iccache-route").orElse("");
    }

    /** Whether the bank search for {@code q} finds an example whose request contains {@code text}. */
    private static boolean found(TestCluster gateway, String q, String text) throws Exception {
        HttpResponse<String> r = gateway.send("GET", "/admin/examples/search?k=3&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8), ADMIN);
        if (r.statusCode() != 200) {
            return false;
        }
        for (JsonNode hit : Json.MAPPER.readTree(r.body()).path("results")) {
            if (hit.path("request").toString().contains(text)) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cassandra", "local"})
    void whileTheStoreIsDownRequestsAreAnsweredAndTheBankReturnsWithIt(String search, @TempDir Path data)
            throws Exception {
        assumeTrue(CassandraNode.startedByTests() && CassandraNode.nodes() == 1,
                "CassandraOutageTest SKIPPED: it stops the node, and only does so to one node this test run started");
        BankConfig bank = CassandraBanks.fresh(KEYSPACE, search);
        // A generous time limit for selection: the first request's (a cold embedder, the driver's first
        // statements) can take longer than the default 250 ms on a loaded machine, and would then bypass
        // the bank for that reason (seen in CI) instead of only for the outage.
        SelectionSettings d = SelectionSettings.DEFAULT;
        SelectionSettings patient = new SelectionSettings(d.enabled(), d.candidates(), d.maxExamples(), d.threshold(),
                d.diversity(), d.maxMessages(), d.outputReserveTokens(), 10_000, d.minSimilarity(), d.explorationShare(),
                d.syncSeconds());
        try (TestCluster gateway = new TestCluster(1000, b -> b.dataDir(data).bank(bank).selection(patient),
                Map.of("ICCACHE_ADMIN_KEY", "admin-secret"))) {
            HttpResponse<String> before = ask(gateway, "When did humans last walk on the moon?");
            assertThat(before.statusCode()).isEqualTo(200);
            assertThat(route(before)).isNotEqualTo("bypass");
            assertThat(Eventually.holds(() -> found(gateway, "final moon landing", "walk on the moon"))).isTrue();

            CassandraNode.stop();
            try {
                for (String q : List.of("Who wrote Hamlet?", "What is the capital of Peru?", "How tall is K2?")) {
                    HttpResponse<String> during = ask(gateway, q);
                    assertThat(during.statusCode()).as(during.body()).isEqualTo(200);
                    if (search.equals("local")) {
                        assertThat(route(during)).as("the mirror still searches").isNotEqualTo("bypass");
                    } else {
                        assertThat(route(during)).isEqualTo("bypass");
                    }
                    JsonNode answer = Json.MAPPER.readTree(during.body());
                    assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isNotBlank();
                }
            } finally {
                CassandraNode.restart();
            }

            // The driver reconnects on its own schedule (exponential, from 1 s): the bank is back within it.
            assertThat(Eventually.holds(() -> !route(ask(gateway, "Who painted the Mona Lisa?")).equals("bypass"),
                    120_000, 1_000)).as("requests use the bank again after the node returned").isTrue();
            // With the mirror the requests never bypassed: wait for the admin search, which counts in Cassandra.
            assertThat(Eventually.holds(() -> found(gateway, "final moon landing", "walk on the moon"), 120_000, 1_000))
                    .as("what was admitted before the outage").isTrue();
            ask(gateway, "Which river flows through Cairo?");
            assertThat(Eventually.holds(() -> found(gateway, "river through Cairo", "Cairo"), 60_000, 500))
                    .as("admission works again").isTrue();
        }
    }
}
