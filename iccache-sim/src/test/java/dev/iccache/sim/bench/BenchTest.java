package dev.iccache.sim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.config.BankConfig;
import dev.iccache.embed.FakeEmbedder;
import dev.iccache.sim.arrivals.ArrivalSpec;
import dev.iccache.sim.policy.Policies;
import dev.iccache.sim.world.Calibration;
import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.WorkItem;
import dev.iccache.workload.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny end-to-end bench run of every policy, and its determinism. */
class BenchTest {
    private static final String[] TOPICS = {"capital of", "population of", "currency of", "language of", "flag of"};
    private static final String[] PLACES = {"France", "Peru", "Japan", "Kenya", "Chile", "Norway", "Egypt", "India",
        "Spain", "Ghana", "Nepal", "Cuba"};

    @TempDir
    Path temp;

    private static Workload workload() {
        List<WorkItem> history = new ArrayList<>();
        List<WorkItem> online = new ArrayList<>();
        int n = 0;
        for (String topic : TOPICS) {
            for (String place : PLACES) {
                String answer = topic + " " + place;
                WorkItem h = new WorkItem("h" + n, "what is the " + topic + " " + place + "?", Set.of(answer),
                        OptionalDouble.empty(), OptionalDouble.empty(), Optional.empty());
                WorkItem o = new WorkItem("o" + n, "tell me the " + topic + " " + place + " please", Set.of(answer),
                        OptionalDouble.empty(), OptionalDouble.empty(), Optional.empty());
                history.add(h);
                online.add(o);
                n++;
            }
        }
        return new Workload("synthetic", "test questions", "small", "large", "none: latent difficulty", history,
                online);
    }

    private ObjectNode run(long seed) {
        return run(seed, Policies.ORDER, false);
    }

    private ObjectNode run(long seed, List<String> policies, boolean frontier) {
        Bench.Settings settings = new Bench.Settings(workload(), ArrivalSpec.parse("poisson:4"), policies,
                List.of(seed), Calibration.pair("gemma2"), BankConfig.DEFAULT.withStore("memory"), "test", frontier,
                OptionalDouble.empty(), 40, 0);
        return new Bench(settings, new FakeEmbedder(), DataDirectory.at(temp), new PrintStream(
                new ByteArrayOutputStream())).run();
    }

    @Test
    void everyPolicyReportsItsMetricsAgainstAlwaysLarge() throws Exception {
        ObjectNode results = run(7);
        assertTrue(results.path("simulated").asBoolean());
        JsonNode policies = results.path("runs").get(0).path("policies");
        assertEquals(Policies.ORDER.size(), policies.size());
        for (JsonNode p : policies) {
            assertEquals(60, p.path("requests").asInt(), p.path("policy").asText());
            assertEquals(60, p.path("completed").asInt(), p.path("policy").asText());
            double win = p.path("win_rate_truth").asDouble();
            assertTrue(win >= 0 && win <= 1, p.toString());
            assertTrue(p.path("cost_gpu_s_per_request").asDouble() > 0 || p.path("policy").asText()
                    .equals("semantic-cache"), p.path("policy").asText());
        }
        JsonNode large = policies.get(0);
        assertEquals("always-large", large.path("policy").asText());
        assertEquals(0.5, large.path("win_rate_truth").asDouble(), 1e-9, "always-large ties itself");
        assertEquals(1.0, large.path("normalised_throughput").asDouble(), 1e-9);
        assertEquals(0.0, large.path("offload_ratio").asDouble());
        JsonNode small = policies.get(1);
        assertEquals(1.0, small.path("offload_ratio").asDouble());
        assertTrue(small.path("cost_gpu_s_per_request").asDouble() < large.path("cost_gpu_s_per_request").asDouble(),
                "the small model costs less per request");
        assertEquals("small-only", small.path("cluster").asText());
        assertEquals("large-only", large.path("cluster").asText());
        assertTrue(small.path("latency_p50_s").asDouble() < large.path("latency_p50_s").asDouble());
        assertEquals(small.path("win_rate_truth").asDouble(), small.path("offloaded_win_rate_truth").asDouble(), 1e-9,
                "everything is offloaded");
        JsonNode iccache = policies.get(Policies.ORDER.indexOf("iccache"));
        assertTrue(iccache.path("bank_examples_final").asLong() >= 60, "the bank keeps the history and admits more");

        String table = Bench.write(results, temp.resolve("out"));
        assertTrue(Files.size(temp.resolve("out/results.json")) > 1000);
        assertTrue(Files.readString(temp.resolve("out/report.html")).contains("SIMULATED"));
        for (String name : Policies.ORDER) {
            assertTrue(table.contains(name), name);
        }
    }

    @Test
    void theSameSeedGivesTheSameResultsAndAnotherSeedDoesNot() {
        ObjectNode a = withoutMeasuredTimes(run(11));
        ObjectNode b = withoutMeasuredTimes(run(11));
        for (int i = 0; i < Policies.ORDER.size(); i++) {
            JsonNode pa = a.path("runs").get(0).path("policies").get(i);
            JsonNode pb = b.path("runs").get(0).path("policies").get(i);
            assertEquals(pa.path("mean_true_quality"), pb.path("mean_true_quality"), pa.path("policy").asText());
            assertEquals(pa.path("latency_p99_s"), pb.path("latency_p99_s"), pa.path("policy").asText());
        }
        assertEquals(a, b);
        assertNotEquals(a, withoutMeasuredTimes(run(12)));
    }

    @Test
    void theFrontierMovesEachPolicyAlongItsDecisionThreshold() {
        JsonNode policies = run(5, List.of("routellm", "iccache"), true).path("runs").get(0).path("policies");
        assertEquals(2, policies.size(), "always-large runs as the reference but is not reported unless asked");
        for (JsonNode p : policies) {
            assertEquals(Policies.frontier(p.path("policy").asText()).size(), p.path("frontier").size());
        }
        JsonNode routellm = policies.get(0).path("frontier");
        double previous = -1;
        for (JsonNode point : routellm) {
            double offload = point.path("offload_ratio").asDouble();
            assertTrue(offload >= previous, "offload grows with the share routed small: " + routellm);
            previous = offload;
        }
        assertTrue(previous > 0.5, "the last point offloads most requests: " + routellm);
    }

    @Test
    void whenTheSmallModelIsAsGoodAsTheLargeOneIccacheOffloadsAboutHalfAtAFiftyPercentWinRate() throws Exception {
        List<WorkItem> history = new ArrayList<>();
        List<WorkItem> online = new ArrayList<>();
        java.util.SplittableRandom words = new java.util.SplittableRandom(9);
        for (int i = 0; i < 600; i++) {
            StringBuilder text = new StringBuilder(TOPICS[i % TOPICS.length]);
            for (int k = 0; k < 6; k++) { // distinct bags of words: no near-duplicates to merge in the bank
                text.append(" w").append(words.nextInt(500));
            }
            WorkItem item = new WorkItem("i" + i, text.toString(), Set.of(), OptionalDouble.empty(),
                    OptionalDouble.empty(), Optional.empty());
            (i % 2 == 0 ? history : online).add(item);
        }
        Workload w = new Workload("same", "equal models", "small", "large", "none: latent difficulty", history, online);
        Path calibration = Path.of(getClass().getClassLoader().getResource("same-models.yaml").toURI());
        Bench.Settings settings = new Bench.Settings(w, ArrivalSpec.parse("poisson:2"), List.of("iccache"),
                List.of(3L), Calibration.file(calibration), BankConfig.DEFAULT.withStore("memory"), "test", false,
                OptionalDouble.empty(), 200, 0);
        JsonNode iccache = new Bench(settings, new FakeEmbedder(), DataDirectory.at(temp), new PrintStream(
                new ByteArrayOutputStream())).run().path("runs").get(0).path("policies").get(0);
        assertEquals("iccache", iccache.path("policy").asText());
        assertTrue(iccache.path("offload_ratio").asDouble() > 0.25 && iccache.path("offload_ratio").asDouble() < 0.75,
                iccache.toString());
        assertEquals(0.5, iccache.path("win_rate_truth_expected").asDouble(), 0.05, iccache.toString());
    }

    /** Decision overhead is real CPU time, the one field a seed cannot fix. */
    private static ObjectNode withoutMeasuredTimes(ObjectNode results) {
        for (JsonNode run : results.path("runs")) {
            for (JsonNode p : run.path("policies")) {
                ((ObjectNode) p).remove(List.of("decision_overhead_ms_p50", "decision_overhead_ms_p99"));
            }
        }
        return results;
    }
}
