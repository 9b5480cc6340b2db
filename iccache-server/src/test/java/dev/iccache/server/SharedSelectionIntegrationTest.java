package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.admission.AdmissionOutcome;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.route.RouterSettings;
import dev.iccache.select.SelectionSettings;
import dev.iccache.store.cassandra.CassandraNode;
import dev.iccache.tenant.Tenant;
import dev.iccache.testing.Eventually;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways with {@code bank.store: cassandra} on one keyspace share selection's learned state
 * (docs/selection.md, "Shared selection state"), over loopback HTTP: one of them learns, and the probes run after
 * requests through it change the utilities the other scores the bank's examples with, as its
 * {@code POST /admin/explain} shows; requests through the other run no probe.
 */
@ExtendWith(CassandraNode.class)
class SharedSelectionIntegrationTest {
    private static final String KEYSPACE = "iccache_selection_it";
    private static final String[] ADMIN = {"Authorization", "Bearer admin-secret"};
    private static final String QUESTION = "What is the capital city of France?";
    /**
     * Every response's selection probed (the whole judge budget, which does not run out); a sync every second, so
     * that the lease (two seconds) stays with its holder on a busy machine.
     */
    private static final SelectionSettings SELECTION = new SelectionSettings(true, 32, 5, 0.505, 0.95, 16, 512,
            60_000, 0.45, 1, 1);
    /** No routing: requests name their model. */
    private static final RouterSettings ROUTER = new RouterSettings(false, 0.3, 0.999, 20, 0.1, 0.05, 0.8, 0.2, 1.0, 4,
            null, 1_000_000, 0.4, 0.2, 0, 2);
    private TestCluster first;
    private TestCluster second;

    @BeforeEach
    void start(@TempDir Path dataA, @TempDir Path dataB) {
        BankConfig bank = CassandraBanks.fresh(KEYSPACE);
        Map<String, String> env = Map.of("ICCACHE_ADMIN_KEY", "admin-secret");
        first = new TestCluster(1000, b -> b.dataDir(dataA).bank(bank).router(ROUTER).selection(SELECTION), env);
        second = new TestCluster(1000, b -> b.dataDir(dataB).bank(bank).router(ROUTER).selection(SELECTION), env);
        List<AdmissionOutcome> outcomes = bank(first).admitter().admitAll(List.of(
                pair("What is the capital of France?", "The capital of France is Paris."),
                pair("What is the capital of Italy?", "The capital of Italy is Rome."),
                pair("How many legs does a spider have?", "A spider has eight legs.")));
        assertThat(outcomes).containsOnly(AdmissionOutcome.ADMITTED);
    }

    @AfterEach
    void stop() {
        TestCluster.closeAll(first, second);
    }

    private static ExampleBank bank(TestCluster gateway) {
        return gateway.gateway.bank().orElseThrow();
    }

    private static Candidate pair(String question, String answer) {
        ChatRequest r = ChatRequest.parse(chat(question).getBytes(StandardCharsets.UTF_8));
        return new Candidate(Tenant.DEFAULT, r, answer, "sim-large", Optional.of("stop"), 10, 10,
                OptionalDouble.of(0.9));
    }

    private static String chat(String question) {
        return "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    /** The utility of each candidate for {@link #QUESTION} as a gateway scores it, by example id. */
    private static List<String> utilities(TestCluster gateway) throws Exception {
        HttpResponse<String> r = gateway.post("/admin/explain", chat(QUESTION), ADMIN);
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> utilities = new ArrayList<>();
        for (JsonNode c : Json.MAPPER.readTree(r.body()).path("candidates")) {
            utilities.add(c.path("id").asText() + "=" + c.path("utility").asText());
        }
        utilities.sort(null);
        return utilities;
    }

    private static String metrics(TestCluster gateway) throws Exception {
        return gateway.send("GET", "/metrics").body();
    }

    @Test
    void probesThroughTheLearnerChangeTheUtilitiesOfTheOther() throws Exception {
        assertThat(Eventually.holds(() -> bank(first).learnsSelection() != bank(second).learnsSelection())).isTrue();
        TestCluster learner = bank(first).learnsSelection() ? first : second;
        TestCluster follower = learner == first ? second : first;
        // admitted through the first gateway: the second's node-local copy has them after its next sync
        List<String> seen = new ArrayList<>(List.of("", ""));
        assertThat(Eventually.holds(() -> {
            List<String> ofFirst = utilities(first);
            List<String> ofSecond = utilities(second);
            seen.set(0, ofFirst.toString());
            seen.set(1, ofSecond.toString());
            return ofFirst.size() == 3 && ofSecond.size() == 3;
        }, 60_000, 100)).as("both gateways' copies of the bank hold the three examples; last seen %s", seen).isTrue();
        List<String> prior = utilities(follower);
        assertThat(prior).hasSize(3).isEqualTo(utilities(learner));

        for (int i = 0; i < 3; i++) {
            assertThat(follower.post("/v1/chat/completions", chat(QUESTION)).statusCode()).isEqualTo(200);
        }
        assertThat(Eventually.holds(() -> metrics(follower).contains(
                "iccache_selection_probes_total{kind=\"none\",outcome=\"follower\"} 3.0"))).as(metrics(follower))
                .isTrue();
        assertThat(metrics(follower)).doesNotContain("outcome=\"judged\"");

        for (String question : List.of(QUESTION, "Which city is the capital of Italy?", "Do spiders have 8 legs?",
                QUESTION, "What's France's capital?", "Tell me Italy's capital.")) {
            assertThat(learner.post("/v1/chat/completions", chat(question)).statusCode()).isEqualTo(200);
        }
        assertThat(Eventually.holds(() -> !utilities(learner).equals(prior), 60_000, 100))
                .as("the learner's probes taught its utility model").isTrue();
        assertThat(Eventually.holds(() -> utilities(follower).equals(utilities(learner)), 60_000, 100))
                .as("the follower scores as the learner does").isTrue();
        assertThat(utilities(follower)).isNotEqualTo(prior);
        assertThat(metrics(learner)).contains("outcome=\"judged\"");
    }
}
