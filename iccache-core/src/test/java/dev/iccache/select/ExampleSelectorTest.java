package dev.iccache.select;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.embed.Embedder;
import dev.iccache.trace.Tracing;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExampleSelectorTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final TokenCounter TOKENS = TokenCounter.cl100k();
    private static final BackendConfig SMALL = new BackendConfig("small", "http://127.0.0.1:1/v1", null, null,
            BackendRole.SMALL, 1, 4096, 0, 0, 0, 0, 0, 2, null, 0);

    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final Map<String, float[]> vectors = new HashMap<>();
    private final Embedder embedder = new Embedder() {
        @Override
        public int dimension() {
            return 3;
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            return texts.stream().map(t -> vectors.getOrDefault(t, new float[] {0, 0, 1})).toList();
        }
    };

    /** A unit vector at the given cosine to (1, 0, 0), rotated by {@code angle} around the x axis. */
    private static float[] at(double cosine, double angle) {
        double s = Math.sqrt(1 - cosine * cosine);
        return new float[] {(float) cosine, (float) (s * Math.cos(angle)), (float) (s * Math.sin(angle))};
    }

    private void put(String id, String tenant, String question, String answer, float[] vector, double quality) {
        store.put(new Example(id, tenant, "[{\"role\":\"user\",\"content\":\"" + question + "\"}]", question, vector,
                answer, "large", Double.isNaN(quality) ? OptionalDouble.empty() : OptionalDouble.of(quality), 10, 10,
                NOW, Optional.empty(), ExampleStats.fresh(NOW)));
    }

    private static final UtilityModel UTILITY = new LearnedUtilityModel(0.45);

    private ExampleSelector selector(SelectionSettings settings) {
        return new ExampleSelector(store, embedder, TOKENS, settings,
                name -> name.equals("large") ? 7.17 : Double.NaN, InstantSource.fixed(NOW), new BankClusters(1),
                Tracing.NOOP);
    }

    private ChatRequest request(String question, String extra) {
        vectors.put(question, new float[] {1, 0, 0});
        return ChatRequest.parse(("{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question
                + "\"}]" + extra + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsUsefulExamplesAboveTheThresholdMostUsefulLast() {
        put("close", "t", "q1", "a1", at(0.95, 0), 0.9);
        put("closer", "t", "q2", "a2", at(0.99, 3), 0.9);
        put("far", "t", "q3", "a3", at(0.5, 2), 0.9);
        Selection s = selector(SelectionSettings.DEFAULT).select(request("now", ""), Set.of("t"), SMALL, UTILITY, 0.52);
        assertThat(s.chosen()).extracting(Selection.Chosen::exampleId).containsExactly("close", "closer");
        assertThat(s.scored()).extracting(x -> x.candidate().exampleId()).containsExactly("closer", "close", "far");
        assertThat(s.decisions()).filteredOn(d -> d.exampleId().equals("far")).singleElement()
                .satisfies(d -> assertThat(d.verdict()).isEqualTo(Selection.Verdict.BELOW_THRESHOLD));
        assertThat(s.chosen().get(1).utility()).isGreaterThan(s.chosen().get(0).utility());
        assertThat(s.maxUtility()).isEqualTo(s.chosen().get(1).utility());
    }

    @Test
    void nearDuplicatesAmongTheChosenAreDropped() {
        put("a", "t", "q1", "a1", at(0.97, 0), 0.9);
        put("b", "t", "q2", "a2", at(0.97, 0.01), 0.8);
        Selection s = selector(SelectionSettings.DEFAULT).select(request("now", ""), Set.of("t"), SMALL, UTILITY, 0.5);
        assertThat(s.chosen()).extracting(Selection.Chosen::exampleId).containsExactly("a");
        assertThat(s.decisions()).anySatisfy(d -> {
            assertThat(d.exampleId()).isEqualTo("b");
            assertThat(d.verdict()).isEqualTo(Selection.Verdict.NEAR_DUPLICATE);
        });
    }

    @Test
    void theCountIsCapped() {
        for (int i = 0; i < 10; i++) {
            put("e" + i, "t", "q" + i, "a" + i, at(0.95, i * 0.6), 0.9);
        }
        SelectionSettings three = new SelectionSettings(true, 32, 3, 0.5, 0.999, 16, 512, 250, 0.45, 0.4, 10);
        Selection s = selector(three).select(request("now", ""), Set.of("t"), SMALL, UTILITY, 0.5);
        assertThat(s.chosen()).hasSize(3);
        assertThat(s.decisions()).filteredOn(d -> d.verdict() == Selection.Verdict.OVER_COUNT).hasSize(7);
    }

    @Test
    void examplesFitTheTokenBudgetAndTheAssembledPromptFitsTheContext() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 20; i++) {
            String longAnswer = "word ".repeat(50 + r.nextInt(400));
            put("e" + i, "t", "question " + i, longAnswer, at(0.9 + 0.09 * r.nextDouble(), i), 0.9);
        }
        ExampleSelector selector = selector(new SelectionSettings(true, 32, 20, 0.3, 0.999, 16, 512, 250, 0.45, 0.4,
                10));
        ChatRequest request = request("now", ",\"max_tokens\":700");
        Selection s = selector.select(request, Set.of("t"), SMALL, UTILITY, 0.3);
        assertThat(s.chosen()).isNotEmpty();
        assertThat(s.decisions()).anySatisfy(d -> assertThat(d.verdict()).isEqualTo(Selection.Verdict.OVER_BUDGET));
        ChatRequest assembled = PromptAssembler.assemble(request, s.chosen(), "abcdef1");
        assertThat(TOKENS.countRequest(assembled) + 700).isLessThanOrEqualTo(SMALL.contextWindow());
    }

    @Test
    void examplesNeverCrossTenantsAndEmptyScopesGiveNone() {
        put("mine", "t", "q1", "a1", at(0.9, 0), 0.9);
        put("theirs", "u", "q2", "a2", at(0.999, 1), 1.0);
        Selection s = selector(SelectionSettings.DEFAULT).select(request("now", ""), Set.of("t"), SMALL, UTILITY, 0.5);
        assertThat(s.decisions()).extracting(Selection.Decision::exampleId).containsExactly("mine");
        assertThat(selector(SelectionSettings.DEFAULT).select(request("now", ""), Set.of("nobody"), SMALL, UTILITY, 0.5)
                .chosen()).isEmpty();
    }

    @Test
    void anEarlierTurnOfTheSameConversationIsNotAnExample() {
        store.put(new Example("turn1", "t", "[{\"role\":\"user\",\"content\":\"hi\"}]", "hi", at(0.99, 0), "hello",
                "large", OptionalDouble.of(0.9), 1, 1, NOW, Optional.empty(), ExampleStats.fresh(NOW)));
        vectors.put("and now?\nearlier: hi", new float[] {1, 0, 0});
        ChatRequest second = ChatRequest.parse(("{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"},{\"role\":\"user\",\"content\":\"and now?\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        Selection s = selector(SelectionSettings.DEFAULT).select(second, Set.of("t"), SMALL, UTILITY, 0.5);
        assertThat(s.chosen()).isEmpty();
        assertThat(s.decisions()).singleElement()
                .satisfies(d -> assertThat(d.verdict()).isEqualTo(Selection.Verdict.SAME_CONVERSATION));
    }

    @Test
    void excludedExamplesAreNeverCandidatesAndCombiningAgainAppliesAnotherThreshold() {
        put("own", "t", "q1", "a1", at(0.999, 0), 0.9);
        put("other", "t", "q2", "a2", at(0.9, 1), 0.9);
        put("far", "t", "q3", "a3", at(0.6, 2), 0.9);
        ExampleSelector selector = selector(SelectionSettings.DEFAULT);
        Selection s = selector.select(request("now", ""), new float[] {1, 0, 0}, 5, Set.of("t"), SMALL, UTILITY, 0.5,
                id -> id.equals("own"));
        assertThat(s.decisions()).extracting(Selection.Decision::exampleId).doesNotContain("own");
        assertThat(s.chosen()).extracting(Selection.Chosen::exampleId).containsExactly("far", "other");
        assertThat(selector.combine(s.scored(), 0.54, s.budgetTokens())).extracting(Selection.Chosen::exampleId)
                .containsExactly("other");
    }

    @Test
    void toolRequestsAndLongConversationsAreNotEligible() {
        ExampleSelector selector = selector(new SelectionSettings(true, 32, 5, 0.5, 0.95, 2, 512, 250, 0.45, 0.4, 10));
        assertThat(selector.eligible(request("q", ""))).isTrue();
        assertThat(selector.eligible(request("q", ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]")))
                .isFalse();
        assertThat(selector.eligible(ChatRequest.parse(("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]}")
                .getBytes(StandardCharsets.UTF_8)))).isFalse();
    }

    @Test
    void countsAnExampleAgainWhenItsAnswerChanged() {
        ExampleSelector selector = selector(SelectionSettings.DEFAULT);
        put("e", "t", "q1", "short", at(0.95, 0), 0.9);
        int before = selector.select(request("now", ""), Set.of("t"), SMALL, UTILITY, 0.52).scored().get(0).tokens();
        put("e", "t", "q1", "a much longer answer than before, as a replay with the large model may give", at(0.95, 0),
                0.9);
        int after = selector.select(request("now", ""), Set.of("t"), SMALL, UTILITY, 0.52).scored().get(0).tokens();
        assertThat(after).isEqualTo(before - TOKENS.count("short")
                + TOKENS.count("a much longer answer than before, as a replay with the large model may give"));
    }

    @Test
    void examplesClusterByTheCurrentFitOnly() {
        BankClusters clusters = new BankClusters(1);
        float[] v = {1, 0, 0};
        assertThat(clusters.of("e", v)).isEqualTo(-1);
        clusters.refit(List.of(new float[] {0, 1, 0}), 1);
        assertThat(clusters.of("e", v)).isEqualTo(0);
        List<float[]> sample = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sample.add(new float[] {0, 1, 0});
            sample.add(new float[] {1, 0, 0});
        }
        clusters.refit(sample, 4); // √4 = 2 clusters: one of them is v's own
        assertThat(clusters.count()).isEqualTo(2);
        assertThat(clusters.of("e", v)).isEqualTo(clusters.of(v));
        assertThat(clusters.of("e", new float[] {0, 1, 0})).as("remembered for this fit").isEqualTo(clusters.of(v));
    }

    @Test
    void examplesLookedUpTogetherGetTheirOwnClustersAndWhatIsRememberedStands() {
        BankClusters clusters = new BankClusters(1);
        float[] x = {1, 0, 0};
        float[] y = {0, 1, 0};
        assertThat(clusters.of(List.of("a", "b"), List.of(x, y))).containsExactly(-1, -1);
        List<float[]> sample = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sample.add(y);
            sample.add(x);
        }
        clusters.refit(sample, 4);
        int seen = clusters.of("seen", y);
        List<String> ids = List.of("a", "b", "c", "d", "e", "seen");
        int[] together = clusters.of(ids, List.of(x, y, x, y, x, x)); // "seen" keeps the cluster it was given
        assertThat(together).containsExactly(clusters.of(x), clusters.of(y), clusters.of(x), clusters.of(y),
                clusters.of(x), seen);
        assertThat(clusters.of(x)).isNotEqualTo(clusters.of(y));
        assertThat(clusters.of("a", y)).as("remembered from the lookup together").isEqualTo(clusters.of(x));
    }
}
