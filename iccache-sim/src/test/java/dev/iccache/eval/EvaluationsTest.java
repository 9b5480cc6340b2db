package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.embed.FakeEmbedder;
import dev.iccache.select.TokenCounter;
import dev.iccache.workload.RoutingPrompt;
import dev.iccache.workload.RoutingStream;
import dev.iccache.workload.TextRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The three evaluations end to end with a bag-of-words embedder and the reference store: the JSON they write. */
class EvaluationsTest {
    private final PrintWriter log = new PrintWriter(new StringWriter());
    private final NearestNeighbours neighbours = new NearestNeighbours(InMemoryExampleStore::new);

    private static List<TextRecord> records() {
        List<TextRecord> r = new ArrayList<>();
        String[][] data = {{"where is my card", "card"}, {"my card has not arrived", "card"},
            {"card still not here", "card"}, {"how do I top up", "top_up"}, {"top up with a bank transfer", "top_up"},
            {"top up failed", "top_up"}, {"where is my card", "card"}, {"exchange rate for euros", "fx"},
            {"what exchange rate do you use", "fx"}, {"is the exchange rate fair", "fx"}};
        for (String[] d : data) {
            r.add(TextRecord.labelled(d[0], d[1]));
        }
        return r;
    }

    @Test
    void similarityWritesTheFieldsTheIssueNames() {
        ObjectNode r = new SimilarityEvaluation(new FakeEmbedder(), neighbours, log).run("toy", records(),
                SimilarityEvaluation.Settings.DEFAULT);
        assertThat(r.path("dataset").asText()).isEqualTo("toy");
        assertThat(r.path("n").asInt()).isEqualTo(10);
        assertThat(r.path("identical_embedded_texts").asInt()).isEqualTo(2);
        for (String f : List.of("fraction_ge_0_7", "fraction_ge_0_8", "fraction_ge_0_9")) {
            assertThat(r.path(f).isNumber()).as(f).isTrue();
            assertThat(r.path("earlier").path(f).isNumber()).as("earlier " + f).isTrue();
        }
        assertThat(r.path("fraction_ge_0_9").asDouble()).isGreaterThanOrEqualTo(0.2); // the repeated request, twice
        assertThat(r.path("cdf")).hasSize(SimilarityStats.CDF_STEPS + 1);
        assertThat(r.path("cdf").path(SimilarityStats.CDF_STEPS).path(1).asDouble()).isEqualTo(1.0);
        assertThat(r.path("store_check").path("agrees_with_exact").asDouble()).isEqualTo(1.0);
        assertThat(r.path("earlier").path("store_check").path("agrees_with_exact").asDouble()).isEqualTo(1.0);
        JsonNode growth = r.path("growth");
        assertThat(growth.get(growth.size() - 1).path("fraction").asDouble()).isEqualTo(1.0);
        // The first request has no earlier one, so earlier-mode fractions never exceed other-mode ones.
        assertThat(r.path("earlier").path("fraction_ge_0_7").asDouble())
                .isLessThanOrEqualTo(r.path("fraction_ge_0_7").asDouble());
    }

    @Test
    void hitsWritePrecisionRecallF1AndFalseHitRatePerThresholdAndAtTheChosenOne() {
        HitEvaluation eval = new HitEvaluation(new FakeEmbedder(), neighbours, log);
        List<TextRecord> all = records();
        ObjectNode split = eval.split("toy", all.subList(0, 6), all.subList(6, 10), OptionalDouble.empty());
        assertThat(split.path("thresholds")).hasSize(HitEvaluation.STEPS + 1);
        for (String f : List.of("precision", "recall", "f1", "false_hit_rate", "threshold")) {
            assertThat(split.path("chosen").has(f)).as(f).isTrue();
            assertThat(split.path("thresholds").path(50).has(f)).as(f).isTrue();
        }
        assertThat(split.path("queries_with_a_same_label_item").asLong()).isEqualTo(1); // fx never is in the bank
        ObjectNode loo = eval.leaveOneOut("toy", all, OptionalDouble.of(0.5));
        assertThat(loo.path("chosen").path("threshold").asDouble()).isEqualTo(0.5);
        assertThat(loo.path("thresholds").path(0).path("recall").asDouble()).isCloseTo(
                loo.path("thresholds").path(0).path("correct_hits").asDouble() / 10, within(1e-9));
    }

    @Test
    void routingWritesApgrAndCptForEachRouter() {
        List<RoutingPrompt> prompts = new ArrayList<>();
        List<TextRecord> r = records();
        for (int i = 0; i < r.size(); i++) {
            boolean hard = r.get(i).label().orElseThrow().equals("fx");
            prompts.add(RoutingPrompt.of(Integer.toString(i), r.get(i).text(), 1, new double[] {hard ? 0 : 1, 1}));
        }
        RoutingStream s = new RoutingStream("toy", List.of("w", "s"), prompts, "0/1", "");
        ObjectNode out = new RoutingEvaluation(new FakeEmbedder(), TokenCounter.cl100k(), log).binary(s,
                LearnerSettings.PRODUCTION, 10);
        for (String router : List.of("iccache", "random", "oracle")) {
            for (String f : List.of("apgr", "cpt50", "cpt80")) {
                assertThat(out.path("routers").path(router).path(f).isNumber()).as(router + " " + f).isTrue();
            }
        }
        assertThat(out.path("weak_quality").asDouble()).isCloseTo(0.7, within(1e-9));
        assertThat(out.path("learner").path("forgetting").asDouble()).isEqualTo(0.999);
    }
}
