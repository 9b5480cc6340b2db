package dev.iccache.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Json;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.embed.FakeEmbedder;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.workload.WorkItem;
import dev.iccache.workload.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R4's evaluation against stand-in model servers: conditions, scores, bins, the state file and resuming. */
class UpliftEvaluationTest {
    @TempDir
    Path tmp;

    /** A stand-in model: answers with the response of the last example in its prompt, or "no idea". */
    static final class Copier implements ModelBackend {
        final BackendConfig config;
        final AtomicInteger calls = new AtomicInteger();
        final List<ChatRequest> requests = new ArrayList<>();
        final Function<ChatRequest, String> answer;

        Copier(String name, BackendRole role, Function<ChatRequest, String> answer) {
            this.config = BackendConfig.remote(name, "http://127.0.0.1:9/v1", role);
            this.answer = answer;
        }

        @Override
        public BackendConfig config() {
            return config;
        }

        @Override
        public ChatResponse complete(ChatRequest request) {
            calls.incrementAndGet();
            requests.add(request);
            ObjectNode body = Json.object();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant")
                    .put("content", answer.apply(request));
            body.putObject("usage").put("prompt_tokens", request.messages().toString().length() / 4)
                    .put("completion_tokens", 3);
            return new ChatResponse(body);
        }

        @Override
        public ChatStream stream(ChatRequest request) {
            throw new UnsupportedOperationException();
        }
    }

    static String lastExampleResponse(ChatRequest r) {
        String system = r.messages().path(0).path("content").asText();
        int at = system.lastIndexOf("<response>\n");
        return at < 0 ? "no idea" : system.substring(at + "<response>\n".length(), system.indexOf("\n</response>", at));
    }

    private static WorkItem item(String id, String text, String answer) {
        return new WorkItem(id, text, Set.of(answer), OptionalDouble.empty(), OptionalDouble.empty(), Optional.empty());
    }

    private static Workload workload() {
        // Words chosen to fall in distinct slots of the FakeEmbedder's hashed bag of words.
        List<WorkItem> history = List.of(
                item("h1", "capital france", "paris"),
                item("h2", "river cairo", "nile"),
                item("h3", "hamlet author", "shakespeare"),
                item("h4", "liquid metal", "mercury"),
                item("h5", "largest", "jupiter"),
                item("h6", "flows", "downhill"));
        List<WorkItem> online = List.of(
                item("o1", "capital of france", "paris"),
                item("o2", "author of hamlet", "shakespeare"),
                item("o3", "why", "scattering"));
        return new Workload("toy", "toy questions", "small", "large", "none", history, online);
    }

    private UpliftEvaluation.Settings settings(int maxTokens) {
        return new UpliftEvaluation.Settings("toy", "Answer briefly.", maxTokens, 7, 5, 2, new LearnedUtilityModel(0.45),
                "untrained", 0);
    }

    @Test
    void scoresEachConditionBinsByCosineAndResumesWithoutAskingAgain() {
        Copier small = new Copier("small", BackendRole.SMALL, UpliftEvaluationTest::lastExampleResponse);
        Copier second = new Copier("second", BackendRole.LARGE, r -> r.lastUserText().orElse("").contains("why")
                ? "Rayleigh scattering\nmore text" : "no idea");
        Path state = tmp.resolve("run.state.jsonl");
        StringWriter log = new StringWriter();
        List<int[]> progress = new ArrayList<>();
        ObjectNode report = new UpliftEvaluation(workload(), small, second, new FakeEmbedder(), settings(16),
                new PrintWriter(log)).run(state, (done, total) -> progress.add(new int[] {done, total}));

        assertThat(log.toString()).contains("gold answers stand in for a strong large model's answers");
        assertThat(report.path("bank_answers").asText()).contains("GOLD answers");
        assertThat(report.path("utility_model").asText()).isEqualTo("untrained");
        JsonNode c = report.path("conditions");
        assertThat(c).extracting(n -> n.path("name").asText()).containsExactly("small_alone", "small_nearest5",
                "small_selection", "small_random5", "second_alone");
        assertThat(c.get(0).path("exact_match").asDouble()).isZero();
        // the nearest example is the question's own near-duplicate for o1 and o2: copying it is right
        assertThat(c.get(1).path("exact_match").asDouble()).isCloseTo(2 / 3.0, within(1e-6));
        assertThat(c.get(1).path("examples_per_prompt").asDouble()).isEqualTo(5);
        assertThat(c.get(1).path("exact_match_uplift").asDouble()).isCloseTo(2 / 3.0, within(1e-6));
        assertThat(c.get(1).path("exact_match_ci95")).hasSize(2);
        assertThat(c.get(1).path("exact_match_ci95").get(0).asDouble()).isBetween(0.0, 2 / 3.0);
        JsonNode paired = c.get(2).path("exact_match_vs_nearest");
        assertThat(paired.path("difference").asDouble()).as("selection against the 5 nearest, paired")
                .isCloseTo(c.get(2).path("exact_match").asDouble() - c.get(1).path("exact_match").asDouble(),
                        within(1e-6));
        assertThat(paired.path("difference_ci95")).hasSize(2);
        assertThat(paired.path("better").asInt() + paired.path("worse").asInt()).isBetween(0, 3);
        assertThat(c.get(4).path("exact_match").asDouble()).as("first line scored").isZero();
        assertThat(c.get(4).path("f1").asDouble()).isCloseTo(1 / 3.0 * (2 * 0.5 * 1 / 1.5), within(1e-6));
        for (JsonNode cond : c) {
            assertThat(cond.path("n").asInt()).isEqualTo(3);
            assertThat(cond.has("f1")).isTrue();
        }

        JsonNode bins = report.path("uplift_by_cosine");
        assertThat(bins).hasSize(6);
        assertThat(bins.get(0).path("cosine_low").asDouble()).isEqualTo(-1.0);
        assertThat(bins.get(5).path("cosine_high").asDouble()).isEqualTo(1.0);
        int binned = 0;
        for (JsonNode b : bins) {
            binned += b.path("n").asInt();
            assertThat(b.has("exact_match_alone") && b.has("exact_match_with") && b.has("uplift")).isTrue();
        }
        assertThat(binned).isEqualTo(3);
        JsonNode perExample = report.path("per_example");
        assertThat(perExample.path("questions").asInt()).isEqualTo(2);
        assertThat(perExample.path("pairs").asInt()).isEqualTo(10);
        assertThat(report.path("pearson_cosine_uplift").isNumber()).as("the nearest example helps, far ones do not")
                .isTrue();
        assertThat(report.path("pearson_cosine_uplift").asDouble()).isPositive();

        int total = 3 * 5 + 2 * 5;
        assertThat(progress.get(progress.size() - 1)).containsExactly(total, total);
        // a question with no example chosen by the production selection reuses the answer to the same prompt
        int asked = small.calls.get();
        assertThat(asked).isLessThanOrEqualTo(3 * 4 + 10);
        assertThat(small.requests).allSatisfy(r -> {
            assertThat(r.bodyCopy().path("temperature").asDouble()).isZero();
            assertThat(r.bodyCopy().path("max_tokens").asInt()).isEqualTo(16);
            assertThat(r.bodyCopy().path("seed").asLong()).isEqualTo(7);
        });

        Copier small2 = new Copier("small", BackendRole.SMALL, UpliftEvaluationTest::lastExampleResponse);
        Copier second2 = new Copier("second", BackendRole.LARGE, r -> "changed");
        ObjectNode again = new UpliftEvaluation(workload(), small2, second2, new FakeEmbedder(), settings(16),
                new PrintWriter(new StringWriter())).run(state, (done, t) -> { });
        assertThat(small2.calls.get() + second2.calls.get()).as("a resumed run asks nothing answered before").isZero();
        assertThat(again).isEqualTo(report);
    }

    @Test
    void aResumedRunAsksAgainWhatWasAskedWithAnotherPrompt() throws IOException {
        Path state = tmp.resolve("template.state.jsonl");
        Copier small = new Copier("small", BackendRole.SMALL, UpliftEvaluationTest::lastExampleResponse);
        Copier second = new Copier("second", BackendRole.LARGE, r -> "x");
        new UpliftEvaluation(workload(), small, second, new FakeEmbedder(), settings(16),
                new PrintWriter(new StringWriter())).run(state, (d, t) -> { });
        // as if the template had changed since the small_nearest5 answers were stored
        List<String> lines = Files.readAllLines(state);
        Files.write(state, lines.stream().map(l -> l.contains("\"small_nearest5\"")
                ? l.replaceFirst("\"prompt\":\"[0-9a-f]+\"", "\"prompt\":\"0123\"") : l).toList());

        Copier small2 = new Copier("small", BackendRole.SMALL, UpliftEvaluationTest::lastExampleResponse);
        Copier second2 = new Copier("second", BackendRole.LARGE, r -> "x");
        new UpliftEvaluation(workload(), small2, second2, new FakeEmbedder(), settings(16),
                new PrintWriter(new StringWriter())).run(state, (d, t) -> { });
        assertThat(small2.calls.get()).as("the three small_nearest5 prompts, asked again").isEqualTo(3);
        assertThat(second2.calls.get()).isZero();
        assertThat(small2.requests).allSatisfy(r -> assertThat(r.lastUserText().orElse("")).isNotEmpty());
    }

    @Test
    void trainingProbesTheBanksOwnQuestionsTeachesTheSelectionAndResumesWithoutAskingAgain() {
        Path state = tmp.resolve("train.state.jsonl");
        LearnedUtilityModel utility = new LearnedUtilityModel(0.45);
        UpliftEvaluation.Settings trained = new UpliftEvaluation.Settings("toy", "Answer briefly.", 16, 7, 5, 0, utility,
                "trained", 6);
        // each history question has a differently worded twin with the same answer: leaving its own
        // example out, the twin (copied when last in the prompt) is what helps
        List<WorkItem> history = new ArrayList<>(workload().history());
        history.addAll(List.of(item("t1", "capital city france", "paris"), item("t2", "hamlet author play", "shakespeare"),
                item("t3", "river cairo egypt", "nile")));
        Workload twins = new Workload("toy", "toy questions", "small", "large", "none", history, workload().online());
        Copier small = new Copier("small", BackendRole.SMALL, UpliftEvaluationTest::lastExampleResponse);
        Copier second = new Copier("second", BackendRole.LARGE, r -> "x");
        List<int[]> progress = new ArrayList<>();
        ObjectNode report = new UpliftEvaluation(twins, small, second, new FakeEmbedder(), trained,
                new PrintWriter(new StringWriter())).run(state, (done, total) -> progress.add(new int[] {done, total}));

        JsonNode t = report.path("training");
        int judged = t.path("probes_judged").asInt();
        assertThat(judged).isBetween(1, 6);
        assertThat(utility.labels("small")).as("every judged probe teaches the utility model").isEqualTo(judged);
        assertThat(t.path("first_set_better").asInt()).as("a set with the twin last beats the other").isPositive();
        assertThat(t.path("first_set_better").asInt() + t.path("second_set_better").asInt()).isLessThanOrEqualTo(judged);
        assertThat(progress.get(progress.size() - 1)[1]).as("the probes count in the progress").isEqualTo(6 + 3 * 5);
        assertThat(small.requests).as("the training asks as the run does: the system prompt, greedy")
                .allSatisfy(r -> assertThat(r.bodyCopy().path("temperature").asDouble()).isZero());
        assertThat(report.path("conditions").get(2).path("n").asInt()).isEqualTo(3);

        LearnedUtilityModel again = new LearnedUtilityModel(0.45);
        Copier small2 = new Copier("small", BackendRole.SMALL, UpliftEvaluationTest::lastExampleResponse);
        Copier second2 = new Copier("second", BackendRole.LARGE, r -> "x");
        ObjectNode resumed = new UpliftEvaluation(twins, small2, second2, new FakeEmbedder(),
                new UpliftEvaluation.Settings("toy", "Answer briefly.", 16, 7, 5, 0, again, "trained", 6),
                new PrintWriter(new StringWriter())).run(state, (d, total) -> { });
        assertThat(small2.calls.get() + second2.calls.get()).as("the probes' answers come from the state file").isZero();
        assertThat(again.labels("small")).isEqualTo(judged);
        assertThat(resumed).isEqualTo(report);
    }

    @Test
    void aStateFileOfOtherSettingsIsRefused() {
        Path state = tmp.resolve("other.state.jsonl");
        Copier small = new Copier("small", BackendRole.SMALL, r -> "x");
        Copier second = new Copier("second", BackendRole.LARGE, r -> "x");
        new UpliftEvaluation(workload(), small, second, new FakeEmbedder(), settings(16),
                new PrintWriter(new StringWriter())).run(state, (d, t) -> { });
        assertThatThrownBy(() -> new UpliftEvaluation(workload(), small, second, new FakeEmbedder(), settings(32),
                new PrintWriter(new StringWriter())).run(state, (d, t) -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("other settings").hasMessageContaining("max_tokens: 16 -> 32");
    }

    @Test
    void answersAreScoredByNormalisedExactMatchAndTokenF1OnTheirFirstLine() {
        assertThat(AnswerScores.exactMatch("The Beatles.", Set.of("beatles"))).isEqualTo(1);
        assertThat(AnswerScores.exactMatch("card arrival", Set.of("card_arrival"))).isEqualTo(1);
        assertThat(AnswerScores.exactMatch("\n  Paris\nis the capital", Set.of("paris"))).isEqualTo(1);
        assertThat(AnswerScores.exactMatch("Paris, France", Set.of("paris"))).isZero();
        assertThat(AnswerScores.f1("Neil Armstrong walked", Set.of("neil armstrong", "buzz"))).isCloseTo(0.8,
                within(1e-9));
        assertThat(AnswerScores.f1("", Set.of("x"))).isZero();
        assertThat(AnswerScores.f1("the", Set.of("a"))).as("nothing left after normalising either").isEqualTo(1);
    }

    @Test
    void intervalsAndCorrelationHaveTheirTextbookValues() {
        Statistics.Interval none = Statistics.wilson(0, 10);
        assertThat(none.low()).isZero();
        assertThat(none.high()).isCloseTo(0.2775, within(1e-4));
        Statistics.Interval half = Statistics.wilson(5, 10);
        assertThat(half.low()).isCloseTo(0.2366, within(1e-4));
        assertThat(half.high()).isCloseTo(0.7634, within(1e-4));
        Statistics.Interval mean = Statistics.meanInterval(new double[] {1, 2, 3, 4});
        assertThat(mean.low()).as("Student's t, 3 degrees of freedom").isCloseTo(2.5 - 3.182 * Math.sqrt(5 / 3.0 / 4),
                within(1e-6));
        double[] many = new double[100];
        for (int i = 0; i < many.length; i++) {
            many[i] = i % 2;
        }
        assertThat(Statistics.meanInterval(many).high()).as("the normal quantile beyond 30 degrees of freedom")
                .isCloseTo(0.5 + 1.959964 * Math.sqrt(25.0 / 99 / 100), within(1e-6));
        assertThat(Statistics.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 6})).isCloseTo(1, within(1e-12));
        assertThat(Statistics.pearson(new double[] {1, 2, 3}, new double[] {3, 2, 1})).isCloseTo(-1, within(1e-12));
        assertThat(Statistics.pearson(new double[] {1, 2}, new double[] {1, 2})).isNaN();
        assertThat(UpliftEvaluation.inBin(1.0, 5)).isTrue();
        assertThat(UpliftEvaluation.inBin(0.5, 0)).isFalse();
        assertThat(UpliftEvaluation.inBin(0.5, 1)).isTrue();
    }
}
