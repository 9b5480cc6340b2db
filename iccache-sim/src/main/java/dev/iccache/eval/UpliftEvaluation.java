package dev.iccache.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.ModelBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.select.ExampleSelector;
import dev.iccache.select.PromptAssembler;
import dev.iccache.select.Selection;
import dev.iccache.select.SelectionSettings;
import dev.iccache.select.BankClusters;
import dev.iccache.select.SimilarityUtility;
import dev.iccache.select.TokenCounter;
import dev.iccache.select.UtilityModel;
import dev.iccache.tenant.Tenant;
import dev.iccache.workload.WorkItem;
import dev.iccache.workload.Workload;
import dev.iccache.trace.Tracing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * R4 (docs/evaluation.md): how much do real examples lift a real small model? The history of a
 * workload, with its gold answers standing in for a strong large model's answers, is admitted to
 * an example bank through iccache's own admission; each online question is then asked of real
 * model servers in five conditions: the small model alone, with the 5 nearest examples (stage 1:
 * similarity only), with the production selection (two-stage, the given utility model), with 5
 * random examples, and the second model alone. Answers are scored by normalised exact match and
 * token F1 against the gold answers ({@link AnswerScores}); no judge. On a sample of questions the
 * small model is also asked with each of the 5 nearest examples alone, to measure each example's
 * own uplift against its cosine (IC-Cache Fig. 7).
 *
 * <p>Every answer is greedy (temperature 0, fixed seed) and written to a state file as it arrives
 * ({@link UpliftState}); a stopped run resumes where it stopped.
 */
public final class UpliftEvaluation {
    /** The paper's band of Pearson(similarity, helpfulness) (IC-Cache Fig. 7). */
    public static final String PAPER_PEARSON_BAND = "0.04-0.22";
    /** Edges of the cosine bins (the last bin holds 1.0). */
    static final double[] BIN_EDGES = {-1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

    /** The conditions, in the order they are asked and reported. */
    public enum Condition {
        SMALL_ALONE("small_alone", "the small model, no examples"),
        SMALL_NEAREST("small_nearest5", "the small model with the 5 nearest examples (stage 1 only: similarity)"),
        SMALL_SELECTION("small_selection", "the small model with the production selection (two-stage, utility"
                + " threshold, budget)"),
        SMALL_RANDOM("small_random5", "the small model with 5 random bank examples"),
        SECOND_ALONE("second_alone", "the second model, no examples"),
        SMALL_SINGLE("small_single_example", "the small model with one of the 5 nearest examples (per-example sample)");

        final String key;
        final String description;

        Condition(String key, String description) {
            this.key = key;
            this.description = description;
        }

        public String key() {
            return key;
        }
    }

    /**
     * How the run asks its questions.
     *
     * @param source              the data set or file, for the report
     * @param systemPrompt        the system message of every request (empty: none)
     * @param maxTokens           max_tokens of every request
     * @param seed                the requests' seed; also draws the random examples and the prompt nonces
     * @param examples            examples per prompt (the paper's 5)
     * @param perExampleQuestions questions (the first ones) also asked with each nearest example alone
     * @param utility             the production selection's utility model
     * @param utilityDescription  what that model is (untrained cold start, or a checkpoint)
     * @param trainingProbes      judged probes that train {@code utility} and τ on the bank's own questions
     *                            before the questions are asked (0: none; {@link GoldSelectionTraining})
     */
    public record Settings(String source, String systemPrompt, int maxTokens, long seed, int examples,
            int perExampleQuestions, UtilityModel utility, String utilityDescription, int trainingProbes) {
    }

    /** Told after each answer: answers done (restored ones included) of all the run will have. */
    @FunctionalInterface
    public interface Progress {
        void update(int done, int total);
    }

    private final Workload workload;
    private final ModelBackend small;
    private final ModelBackend second;
    private final Embedder embedder;
    private final Settings settings;
    private final PrintWriter log;

    /**
     * @param workload its history fills the bank; its online part (already limited) is asked
     * @param small    the small model's server
     * @param second   the second model's server
     */
    public UpliftEvaluation(Workload workload, ModelBackend small, ModelBackend second, Embedder embedder,
            Settings settings, PrintWriter log) {
        this.workload = workload;
        this.small = small;
        this.second = second;
        this.embedder = embedder;
        this.settings = settings;
        this.log = log;
    }

    /** Runs (or resumes) the evaluation with its rows in {@code stateFile}; returns the report. */
    public ObjectNode run(Path stateFile, Progress progress) {
        List<WorkItem> online = workload.online();
        log.printf("%s: bank from %d history questions (their gold answers stand in for a strong large model's"
                + " answers; no large model runs), %d online questions%n", workload.name(), workload.history().size(),
                online.size());
        InMemoryExampleStore store = new InMemoryExampleStore();
        List<Example> bank = GoldAnswerBank.fill(workload.history(), embedder, store, log);
        log.printf("  bank: %d examples after admission (scrubbing, near-duplicate merging)%n", bank.size());
        BackendConfig target = small.config();
        SelectionSettings production = SelectionSettings.DEFAULT;
        SelectionSettings nearestSettings = new SelectionSettings(true, Math.max(production.candidates(),
                settings.examples()), settings.examples(), 0, 1, production.maxMessages(),
                production.outputReserveTokens(), production.timeoutMs(), production.minSimilarity(),
                production.explorationShare(), production.syncSeconds());
        Map<String, Double> costs = Map.of(small.config().name(), small.config().cost(), second.config().name(),
                second.config().cost());
        ToDoubleFunction<String> cost = name -> costs.getOrDefault(name, Double.NaN);
        InstantSource clock = GoldAnswerBank.clock();
        BankClusters clusters = new BankClusters(settings.seed());
        clusters.refit(bank.stream().map(Example::vector).toList(), bank.size());
        ExampleSelector nearest = new ExampleSelector(store, embedder, TokenCounter.cl100k(), nearestSettings, cost,
                clock, clusters, Tracing.NOOP);
        SimilarityUtility similarity = new SimilarityUtility(production.minSimilarity());
        ExampleSelector selector = new ExampleSelector(store, embedder, TokenCounter.cl100k(), production, cost, clock,
                clusters, Tracing.NOOP);

        int sample = Math.min(settings.perExampleQuestions(), online.size());
        int total = settings.trainingProbes() + online.size() * 5 + sample * settings.examples();
        try (UpliftState state = UpliftState.open(stateFile, fingerprint(bank.size()));
                GoldSelectionTraining training = new GoldSelectionTraining(selector, store, embedder,
                        settings.utility(), production.threshold(), clock, settings.seed())) {
            log.printf("  answers: %d of at most %d already in %s%n", state.size(), total, state.file());
            AtomicInteger done = new AtomicInteger();
            Optional<GoldSelectionTraining.Report> trained = Optional.empty();
            if (settings.trainingProbes() > 0) {
                trained = Optional.of(training.train(bank, goldAnswers(), this::request, small, state,
                        settings.trainingProbes(), settings.seed(), () -> tick(progress, done, total)));
                log.printf("%n  trained the selection: %s%n", trained.get().json());
            }
            // The second model has its own server: its answers are asked alongside the small model's.
            AtomicReference<RuntimeException> secondFailure = new AtomicReference<>();
            Thread secondModel = Thread.ofVirtual().name("uplift-second-model").start(() -> {
                try {
                    for (int q = 0; q < online.size(); q++) {
                        ask(state, q, online.get(q), Condition.SECOND_ALONE, "", second, request(online.get(q).text()), 0,
                                Double.NaN, Optional.empty());
                        tick(progress, done, total);
                    }
                } catch (RuntimeException e) {
                    secondFailure.set(e);
                }
            });
            for (int q = 0; q < online.size(); q++) {
                WorkItem item = online.get(q);
                ChatRequest alone = request(item.text());
                String nonce = nonce(q);
                Selection near = nearest.select(alone, Tenant.DEFAULT.scope(), target, similarity, 0);
                Selection chosen = training.select(alone, target);
                double top = near.chosen().stream().mapToDouble(Selection.Chosen::similarity).max().orElse(Double.NaN);
                ObjectNode aloneRow = ask(state, q, item, Condition.SMALL_ALONE, "", small, alone, 0, top, Optional.empty());
                tick(progress, done, total);
                ask(state, q, item, Condition.SMALL_NEAREST, "", small, PromptAssembler.assemble(alone, near.chosen(),
                        nonce), near.chosen().size(), top, Optional.empty());
                tick(progress, done, total);
                // No example chosen: the prompt is the one asked alone, and greedy decoding answers it the same.
                ask(state, q, item, Condition.SMALL_SELECTION, "", small, PromptAssembler.assemble(alone, chosen.chosen(),
                        nonce), chosen.chosen().size(), top, chosen.chosen().isEmpty() ? Optional.of(aloneRow)
                        : Optional.empty());
                tick(progress, done, total);
                List<Selection.Chosen> random = randomExamples(bank, q);
                ask(state, q, item, Condition.SMALL_RANDOM, "", small, PromptAssembler.assemble(alone, random, nonce),
                        random.size(), top, Optional.empty());
                tick(progress, done, total);
                if (q < sample) {
                    for (Selection.Chosen e : near.chosen()) {
                        ask(state, q, item, Condition.SMALL_SINGLE, e.exampleId(), small,
                                PromptAssembler.assemble(alone, List.of(e), nonce), 1, e.similarity(), Optional.empty());
                        tick(progress, done, total);
                    }
                }
            }
            try {
                secondModel.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the second model answers");
            }
            if (secondFailure.get() != null) {
                throw secondFailure.get();
            }
            return report(state, online, bank.size(), sample, trained);
        }
    }

    private static void tick(Progress progress, AtomicInteger done, int total) {
        synchronized (progress) {
            progress.update(done.incrementAndGet(), total);
        }
    }

    /** A question as a client sends it: the system prompt (if any), then the question. */
    private ChatRequest request(String question) {
        ObjectNode body = Json.object();
        body.put("model", small.config().name());
        ArrayNode messages = body.putArray("messages");
        if (!settings.systemPrompt().isEmpty()) {
            messages.addObject().put("role", "system").put("content", settings.systemPrompt());
        }
        messages.addObject().put("role", "user").put("content", question);
        body.put("max_tokens", settings.maxTokens());
        body.put("temperature", 0);
        body.put("seed", settings.seed());
        body.putArray("stop").add("\n");
        return ChatRequest.of(body);
    }

    private String nonce(int question) {
        byte[] b = new byte[6];
        new SplittableRandom(settings.seed() ^ (0x6E6F6E63L * (question + 1))).nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** {@code examples} bank examples drawn without replacement, seeded per question. */
    private List<Selection.Chosen> randomExamples(List<Example> bank, int question) {
        SplittableRandom random = new SplittableRandom(settings.seed() ^ (0x52414E44L * (question + 1)));
        List<Selection.Chosen> out = new ArrayList<>();
        List<Integer> taken = new ArrayList<>();
        while (out.size() < Math.min(settings.examples(), bank.size())) {
            int i = random.nextInt(bank.size());
            if (taken.contains(i)) {
                continue;
            }
            taken.add(i);
            Example e = bank.get(i);
            out.add(new Selection.Chosen(e.id(), ChatRequest.lastUserText(e.messages()).orElse(""), e.response(),
                    Double.NaN, Double.NaN, null));
        }
        return out;
    }

    /**
     * The row of one answer: from the state when it holds one for this very prompt (a changed template
     * or selection asks again), copied from {@code same} (an identical prompt), or asked now.
     */
    private ObjectNode ask(UpliftState state, int q, WorkItem item, Condition c, String example, ModelBackend model,
            ChatRequest request, int examples, double cosine, Optional<ObjectNode> same) {
        String prompt = UpliftState.promptHash(request.bodyCopy().path("messages"));
        Optional<ObjectNode> known = state.get(q, c.key, example, prompt);
        if (known.isPresent()) {
            return known.get();
        }
        ObjectNode row = Json.object();
        row.put("q", q);
        row.put("id", item.id());
        row.put("condition", c.key);
        if (!example.isEmpty()) {
            row.put("example", example);
        }
        row.put("prompt", prompt);
        row.put("model", model.config().name());
        row.put("examples", examples);
        EvalJson.put(row, "cosine", cosine);
        String answer;
        if (same.isPresent()) {
            answer = same.get().path("answer").asText();
            row.put("prompt_tokens", same.get().path("prompt_tokens").asInt());
            row.put("completion_tokens", same.get().path("completion_tokens").asInt());
            row.put("same_prompt_as", same.get().path("condition").asText());
        } else {
            ChatResponse r;
            try {
                r = model.complete(request);
            } catch (IccacheException e) {
                throw new IllegalStateException(model.config().name() + " failed on question " + (q + 1) + " ("
                        + c.key + "): " + e.getMessage() + "; the answers so far are kept in " + state.file()
                        + ", run the same command again to resume");
            }
            answer = r.content();
            row.put("prompt_tokens", r.usage().map(u -> u.promptTokens()).orElse(0));
            row.put("completion_tokens", r.usage().map(u -> u.completionTokens()).orElse(0));
        }
        row.put("answer", answer);
        row.put("exact_match", AnswerScores.exactMatch(answer, item.answers()));
        EvalJson.put(row, "f1", AnswerScores.f1(answer, item.answers()));
        state.put(row);
        return row;
    }

    /** What the answers of the online questions depend on: a state file made under other settings is refused. */
    private ObjectNode fingerprint(int bankSize) {
        ObjectNode f = Json.object();
        f.put("source", settings.source());
        f.put("workload", workload.name());
        f.put("history", workload.history().size());
        f.put("bank", bankSize);
        f.put("small", small.config().name() + " (" + small.config().model() + ")");
        f.put("second", second.config().name() + " (" + second.config().model() + ")");
        f.put("system_prompt", settings.systemPrompt());
        f.put("max_tokens", settings.maxTokens());
        f.put("seed", settings.seed());
        f.put("examples", settings.examples());
        return f;
    }

    /** The history questions' gold answers, by question text. */
    private Map<String, Set<String>> goldAnswers() {
        Map<String, Set<String>> out = new HashMap<>();
        workload.history().forEach(h -> out.put(h.text(), h.answers()));
        return out;
    }

    private ObjectNode report(UpliftState state, List<WorkItem> online, int bankSize, int sample,
            Optional<GoldSelectionTraining.Report> trained) {
        int n = online.size();
        ObjectNode root = Json.object();
        root.put("dataset", settings.source());
        root.put("workload", workload.description());
        root.put("n", n);
        root.put("bank_examples", bankSize);
        root.put("bank_answers", "the history questions with their GOLD answers, standing in for a strong large"
                + " model's answers (no large model ran)");
        root.put("small_model", small.config().name());
        root.put("second_model", second.config().name());
        root.put("decoding", "greedy (temperature 0), seed " + settings.seed() + ", max_tokens " + settings.maxTokens()
                + ", stop at the first newline");
        root.put("system_prompt", settings.systemPrompt());
        root.put("scoring", "first non-empty line of the answer; SQuAD-normalised exact match and token F1, best over"
                + " the gold answers; no judge");
        root.put("utility_model", settings.utilityDescription());
        trained.ifPresent(t -> root.set("training", t.json()));
        root.put("selection", "production ExampleSelector with the default selection settings: 32 candidates, utility"
                + " threshold " + trained.map(t -> t.threshold() + " (tuned by the training)")
                        .orElse(String.valueOf(SelectionSettings.DEFAULT.threshold())) + ", at most "
                + SelectionSettings.DEFAULT.maxExamples() + " examples, diversity " + SelectionSettings.DEFAULT.diversity()
                + ", token budget of the small model's context window (" + small.config().contextWindow() + ")");
        root.put("state_file", state.file().toString());

        Map<Condition, double[]> em = new java.util.EnumMap<>(Condition.class);
        Map<Condition, double[]> f1 = new java.util.EnumMap<>(Condition.class);
        Map<Condition, double[]> ex = new java.util.EnumMap<>(Condition.class);
        Map<Condition, double[]> tokens = new java.util.EnumMap<>(Condition.class);
        double[] top = new double[n];
        for (Condition c : List.of(Condition.SMALL_ALONE, Condition.SMALL_NEAREST, Condition.SMALL_SELECTION,
                Condition.SMALL_RANDOM, Condition.SECOND_ALONE)) {
            double[] e = new double[n];
            double[] f = new double[n];
            double[] k = new double[n];
            double[] t = new double[n];
            for (int q = 0; q < n; q++) {
                JsonNode row = state.row(q, c.key, "").orElseThrow();
                e[q] = row.path("exact_match").asDouble();
                f[q] = row.path("f1").asDouble();
                k[q] = row.path("examples").asDouble();
                t[q] = row.path("prompt_tokens").asDouble();
                if (c == Condition.SMALL_NEAREST) {
                    top[q] = row.path("cosine").asDouble(Double.NaN);
                }
            }
            em.put(c, e);
            f1.put(c, f);
            ex.put(c, k);
            tokens.put(c, t);
        }
        ArrayNode conditions = root.putArray("conditions");
        for (Condition c : em.keySet()) {
            ObjectNode o = conditions.addObject();
            o.put("name", c.key);
            o.put("description", c.description);
            o.put("model", c == Condition.SECOND_ALONE ? second.config().name() : small.config().name());
            o.put("n", n);
            EvalJson.put(o, "exact_match", Statistics.mean(em.get(c)));
            interval(o, "exact_match_ci95", Statistics.wilson(sum(em.get(c)), n));
            EvalJson.put(o, "f1", Statistics.mean(f1.get(c)));
            interval(o, "f1_ci95", Statistics.meanInterval(f1.get(c)));
            EvalJson.put(o, "examples_per_prompt", Statistics.mean(ex.get(c)));
            EvalJson.put(o, "prompt_tokens", Statistics.mean(tokens.get(c)));
            if (c != Condition.SMALL_ALONE) {
                double[] dEm = diff(em.get(c), em.get(Condition.SMALL_ALONE));
                double[] dF1 = diff(f1.get(c), f1.get(Condition.SMALL_ALONE));
                EvalJson.put(o, "exact_match_uplift", Statistics.mean(dEm));
                interval(o, "exact_match_uplift_ci95", Statistics.meanInterval(dEm));
                EvalJson.put(o, "f1_uplift", Statistics.mean(dF1));
                interval(o, "f1_uplift_ci95", Statistics.meanInterval(dF1));
                EvalJson.put(o, "hurt_share", share(dF1, d -> d < 0));
                EvalJson.put(o, "helped_share", share(dF1, d -> d > 0));
            }
            if (c == Condition.SMALL_SELECTION) {
                // Issue 13's real-model target: the selection at least as good as similarity alone, paired.
                double[] vsNearest = diff(em.get(c), em.get(Condition.SMALL_NEAREST));
                ObjectNode paired = o.putObject("exact_match_vs_nearest");
                EvalJson.put(paired, "difference", Statistics.mean(vsNearest));
                interval(paired, "difference_ci95", Statistics.meanInterval(vsNearest));
                paired.put("better", Arrays.stream(vsNearest).filter(d -> d > 0).count());
                paired.put("worse", Arrays.stream(vsNearest).filter(d -> d < 0).count());
            }
        }
        ArrayNode bins = root.putArray("uplift_by_cosine");
        root.put("uplift_by_cosine_note", "questions binned by the cosine of their nearest bank example; 'with' = the"
                + " small model with the 5 nearest examples, 'selection' = with the production selection, 'alone' = no"
                + " examples; uplift = exact_match_with - exact_match_alone");
        for (int b = 0; b + 1 < BIN_EDGES.length; b++) {
            List<Integer> in = new ArrayList<>();
            for (int q = 0; q < n; q++) {
                if (inBin(top[q], b)) {
                    in.add(q);
                }
            }
            ObjectNode o = bins.addObject();
            EvalJson.put(o, "cosine_low", BIN_EDGES[b]);
            EvalJson.put(o, "cosine_high", BIN_EDGES[b + 1]);
            o.put("n", in.size());
            double ea = meanOf(em.get(Condition.SMALL_ALONE), in);
            double ew = meanOf(em.get(Condition.SMALL_NEAREST), in);
            EvalJson.put(o, "exact_match_alone", ea);
            EvalJson.put(o, "exact_match_with", ew);
            EvalJson.put(o, "uplift", ew - ea);
            EvalJson.put(o, "f1_alone", meanOf(f1.get(Condition.SMALL_ALONE), in));
            EvalJson.put(o, "f1_with", meanOf(f1.get(Condition.SMALL_NEAREST), in));
            EvalJson.put(o, "f1_uplift", meanOf(f1.get(Condition.SMALL_NEAREST), in)
                    - meanOf(f1.get(Condition.SMALL_ALONE), in));
            EvalJson.put(o, "exact_match_selection", meanOf(em.get(Condition.SMALL_SELECTION), in));
            EvalJson.put(o, "examples_selection", meanOf(ex.get(Condition.SMALL_SELECTION), in));
            EvalJson.put(o, "hurt_share", shareOf(f1.get(Condition.SMALL_NEAREST), f1.get(Condition.SMALL_ALONE), in));
        }
        ObjectNode pq = root.putObject("per_question");
        pq.put("definition", "Pearson over questions of the nearest example's cosine and the uplift of the 5 nearest"
                + " examples over none");
        EvalJson.put(pq, "pearson_f1", Statistics.pearson(top, diff(f1.get(Condition.SMALL_NEAREST),
                f1.get(Condition.SMALL_ALONE))));
        EvalJson.put(pq, "pearson_exact_match", Statistics.pearson(top, diff(em.get(Condition.SMALL_NEAREST),
                em.get(Condition.SMALL_ALONE))));
        perExample(root, state, sample, f1.get(Condition.SMALL_ALONE), em.get(Condition.SMALL_ALONE));
        root.put("paper_pearson_band", PAPER_PEARSON_BAND + " (IC-Cache Fig. 7: similarity vs helpfulness)");
        return root;
    }

    /** Each nearest example alone in the prompt of a sampled question: its uplift against its cosine. */
    private void perExample(ObjectNode root, UpliftState state, int sample, double[] aloneF1, double[] aloneEm) {
        List<double[]> pairs = new ArrayList<>(); // cosine, f1 uplift, em uplift
        state.rows(Condition.SMALL_SINGLE.key).forEach(row -> {
            int q = row.path("q").asInt();
            if (q < sample) {
                pairs.add(new double[] {row.path("cosine").asDouble(), row.path("f1").asDouble() - aloneF1[q],
                        row.path("exact_match").asDouble() - aloneEm[q]});
            }
        });
        double[] cos = pairs.stream().mapToDouble(p -> p[0]).toArray();
        double[] df1 = pairs.stream().mapToDouble(p -> p[1]).toArray();
        double[] dem = pairs.stream().mapToDouble(p -> p[2]).toArray();
        ObjectNode pe = root.putObject("per_example");
        pe.put("definition", "for the first " + sample + " questions, the small model with each of the "
                + settings.examples() + " nearest examples alone; uplift = score with that example - score alone");
        pe.put("questions", sample);
        pe.put("pairs", pairs.size());
        EvalJson.put(pe, "pearson_f1", Statistics.pearson(cos, df1));
        EvalJson.put(pe, "pearson_exact_match", Statistics.pearson(cos, dem));
        EvalJson.put(pe, "hurt_share", share(df1, d -> d < 0));
        EvalJson.put(pe, "helped_share", share(df1, d -> d > 0));
        ArrayNode bins = pe.putArray("uplift_by_cosine");
        for (int b = 0; b + 1 < BIN_EDGES.length; b++) {
            List<Integer> in = new ArrayList<>();
            for (int i = 0; i < cos.length; i++) {
                if (inBin(cos[i], b)) {
                    in.add(i);
                }
            }
            ObjectNode o = bins.addObject();
            EvalJson.put(o, "cosine_low", BIN_EDGES[b]);
            EvalJson.put(o, "cosine_high", BIN_EDGES[b + 1]);
            o.put("n", in.size());
            EvalJson.put(o, "exact_match_uplift", meanOf(dem, in));
            EvalJson.put(o, "f1_uplift", meanOf(df1, in));
            EvalJson.put(o, "helped_share", in.isEmpty() ? Double.NaN
                    : in.stream().filter(i -> df1[i] > 0).count() / (double) in.size());
            EvalJson.put(o, "hurt_share", in.isEmpty() ? Double.NaN
                    : in.stream().filter(i -> df1[i] < 0).count() / (double) in.size());
        }
        // The headline: the paper's measure, an example's similarity against its helpfulness.
        EvalJson.put(root, "pearson_cosine_uplift", Statistics.pearson(cos, df1));
        root.put("pearson_cosine_uplift_definition", "Pearson(cosine of an example to the question, F1 uplift of the"
                + " small model with that example alone over no example), over the per_example pairs");
    }

    static boolean inBin(double cosine, int bin) {
        if (Double.isNaN(cosine)) {
            return false;
        }
        boolean last = bin == BIN_EDGES.length - 2;
        return cosine >= BIN_EDGES[bin] && (last ? cosine <= BIN_EDGES[bin + 1] + 1e-9 : cosine < BIN_EDGES[bin + 1]);
    }

    private static void interval(ObjectNode o, String key, Statistics.Interval i) {
        ArrayNode a = o.putArray(key);
        EvalJson.add(a, i.low());
        EvalJson.add(a, i.high());
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    private static double[] diff(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static double share(double[] v, java.util.function.DoublePredicate p) {
        if (v.length == 0) {
            return Double.NaN;
        }
        long k = java.util.Arrays.stream(v).filter(p).count();
        return k / (double) v.length;
    }

    private static double meanOf(double[] v, List<Integer> idx) {
        return idx.isEmpty() ? Double.NaN : idx.stream().mapToDouble(i -> v[i]).average().orElse(Double.NaN);
    }

    private static double shareOf(double[] with, double[] alone, List<Integer> idx) {
        return idx.isEmpty() ? Double.NaN
                : idx.stream().filter(i -> with[i] < alone[i]).count() / (double) idx.size();
    }
}
