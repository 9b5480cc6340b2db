package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.http.HttpModelBackend;
import dev.iccache.config.BackendRole;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.eval.UpliftEvaluation;
import dev.iccache.models.LocalModel;
import dev.iccache.models.ModelServer;
import dev.iccache.models.ModelsConfig;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.select.SelectionSettings;
import dev.iccache.select.UtilityModel;
import dev.iccache.time.SimClock;
import dev.iccache.time.Ticker;
import dev.iccache.workload.Workload;
import dev.iccache.workload.Workloads;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code iccache eval uplift} (R4): the real in-context uplift of a real small model; see docs/evaluation.md. */
@Command(name = "uplift", mixinStandardHelpOptions = true,
        description = {"R4: how much examples lift a real small model. The bank holds the history questions with their"
            + " GOLD answers (standing in for a strong large model's answers); each online question is asked of the"
            + " real model servers (./iccache models start) alone, with the 5 nearest examples, with the production"
            + " selection, with 5 random examples, and of the second model alone; exact match and token F1.",
            "Resumable: the answers go to a state file as they arrive; run the same command again to go on."})
final class EvalUpliftCommand implements Callable<Integer> {
    /** System prompts of the named data sets: the task, as a client would state it. */
    static final Map<String, String> SYSTEM_PROMPTS = Map.of(
            "nq-open", "Answer the question with a short answer of a few words, nothing else.",
            "banking77", "Classify the customer's message into its banking intent. Reply with the intent label only.");
    static final String FILE_SYSTEM_PROMPT = "Answer with a short answer, nothing else.";

    @Mixin
    EvalOptions options;

    @Mixin
    ModelsOptions models;

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "NAME", description = "nq-open or banking77.")
    String dataset;

    @Option(names = "--file", paramLabel = "PATH", description = "Any JSONL or CSV file: the first half is the bank"
            + " (--history-fraction), the rest the questions.")
    Path file;

    @Option(names = "--text-field", paramLabel = "NAME", description = "With --file: the question field.")
    String textField;

    @Option(names = "--answer-field", paramLabel = "NAME", description = "With --file: the gold answer field (a value"
            + " or an array of values).")
    String answerField;

    @Option(names = "--history-fraction", paramLabel = "F", defaultValue = "0.5",
            description = "With --file: the share of records (in file order) that fills the bank (default ${DEFAULT-VALUE}).")
    double historyFraction;

    @Option(names = "--small", paramLabel = "MODEL", description = "The small model (default: the first small model"
            + " of the models file).")
    String smallName;

    @Option(names = "--second", paramLabel = "MODEL", description = "The second model (default: the first large model"
            + " of the models file).")
    String secondName;

    @Option(names = "--state", paramLabel = "FILE", description = "The state file (default: next to --json, else"
            + " eval-out/uplift-<source>.state.jsonl).")
    Path state;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "32",
            description = "max_tokens of every answer (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the requests, the random"
            + " examples and the prompt nonces (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--system", paramLabel = "TEXT", description = "The system prompt of every request (default: one"
            + " per data set stating the task; '' for none).")
    String system;

    @Option(names = "--per-example", paramLabel = "N", defaultValue = "30", description = "Also ask the first N"
            + " questions with each nearest example alone, for the per-example uplift (default ${DEFAULT-VALUE}; 0: off).")
    int perExample;

    @Option(names = "--utility-checkpoint", paramLabel = "FILE", description = "A trained utility model checkpoint"
            + " (data-dir/utility-model.json of a gateway) for the production selection (default: untrained, cold start).")
    Path utilityCheckpoint;

    @Option(names = "--train", paramLabel = "N", defaultValue = "0", description = "Before asking the questions, train"
            + " the production selection (utility model and threshold) with N judged exploration probes on the bank's"
            + " own questions (each without its own example), asked of the small model and judged by token F1 against"
            + " their gold answers (default ${DEFAULT-VALUE}: no training).")
    int train;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((dataset == null) == (file == null)) {
            throw new IllegalStateException("give either --dataset NAME or --file PATH --text-field NAME --answer-field NAME");
        }
        if (file != null && textField == null) {
            throw new IllegalStateException("--file needs --text-field NAME (the question field)");
        }
        String source = dataset != null ? dataset : file.getFileName().toString();
        if (dataset != null && !SYSTEM_PROMPTS.containsKey(dataset)) {
            throw new IllegalStateException("uplift needs gold answers: the named data sets are nq-open and banking77"
                    + " (or use --file --text-field --answer-field), got " + dataset);
        }
        if (file != null && answerField == null) {
            throw new IllegalStateException("--file needs --answer-field NAME (the gold answers)");
        }
        if (maxTokens < 1 || perExample < 0 || train < 0) {
            throw new IllegalStateException("--max-tokens must be positive, --per-example and --train not negative");
        }
        if (utilityCheckpoint != null && !Files.isRegularFile(utilityCheckpoint)) {
            throw new IllegalStateException("no utility checkpoint " + utilityCheckpoint);
        }
        ModelsConfig config = models.config();
        LocalModel small = smallName != null ? config.model(smallName) : config.first(BackendRole.SMALL)
                .orElseThrow(() -> new IllegalStateException("the models file has no small model; give --small"));
        LocalModel second = secondName != null ? config.model(secondName) : config.first(BackendRole.LARGE)
                .orElseThrow(() -> new IllegalStateException("the models file has no large model; give --second"));
        Workload w = dataset != null ? new Workloads(options.dataDirectory()).load(dataset, seed)
                : Workloads.fromFile(file, textField, Optional.of(answerField), historyFraction);
        w = w.limit(w.history().size(), options.limit(w.online().size()));
        String systemPrompt = system != null ? system : SYSTEM_PROMPTS.getOrDefault(dataset, FILE_SYSTEM_PROMPT);
        double floor = SelectionSettings.DEFAULT.minSimilarity();
        UtilityModel utility = utilityCheckpoint == null ? new LearnedUtilityModel(floor)
                : LearnedUtilityModel.load(utilityCheckpoint, floor);
        String start = utilityCheckpoint == null ? "LearnedUtilityModel UNTRAINED (cold start: the similarity prior only)"
                : "LearnedUtilityModel from the checkpoint " + utilityCheckpoint.toAbsolutePath();
        String utilityDescription = train == 0 ? start : start + ", then trained in this run with " + train
                + " judged probes on the bank's own questions (judged by token F1 against their gold answers)";
        Path stateFile = stateFile(source);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iccache-eval-watchdog");
            t.setDaemon(true);
            return t;
        });
        ObjectNode result;
        try (ModelBackend smallBackend = backend(small, watchdog); ModelBackend secondBackend = backend(second, watchdog);
                Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT)) {
            err.printf("small: %s (%s), second: %s (%s); production selection: %s%n", small.name(), small.description(),
                    second.name(), second.description(), utilityDescription);
            UpliftEvaluation eval = new UpliftEvaluation(w, smallBackend, secondBackend, embedder,
                    new UpliftEvaluation.Settings(source, systemPrompt, maxTokens, seed, 5, perExample, utility,
                            utilityDescription, train), err);
            ProgressBar bar = new ProgressBar(err, Ticker.SYSTEM, "answers");
            result = eval.run(stateFile, (done, total) -> bar.show(done / (double) total, done, ""));
            bar.done();
        } finally {
            watchdog.shutdownNow();
        }
        summary(result, out);
        options.write(result, out, err);
        return 0;
    }

    private Path stateFile(String source) {
        if (state != null) {
            return state;
        }
        if (options.json != null && !options.json.equals("-")) {
            return Path.of(options.json + ".state.jsonl");
        }
        return Path.of("eval-out", "uplift-" + source + ".state.jsonl");
    }

    /** The model's server over HTTP; fails with one line when it does not answer. */
    private static ModelBackend backend(LocalModel m, ScheduledExecutorService watchdog) {
        String url = "http://" + ModelServer.HOST + ":" + m.port() + "/v1";
        ModelBackend b = new HttpModelBackend(m.backend(url), name -> null, watchdog, SimClock.REAL);
        if (!ModelServer.listening(m.port())) {
            throw new IllegalStateException("the server of " + m.name() + " does not answer on " + url
                    + "; start the models with ./iccache models start");
        }
        return b;
    }

    private static void summary(JsonNode r, PrintWriter out) {
        out.printf("%s: %d questions; bank of %d examples = %s%n", r.path("dataset").asText(), r.path("n").asInt(),
                r.path("bank_examples").asInt(), r.path("bank_answers").asText());
        out.printf("  %s; %s%n", r.path("decoding").asText(), r.path("scoring").asText());
        out.printf("  production selection: %s%n", r.path("utility_model").asText());
        if (r.has("training")) {
            JsonNode t = r.path("training");
            out.printf(Locale.ROOT, "  training: %d probes judged on %d bank questions (first set better %d, second"
                    + " better %d, mean gain %.3f), threshold now %.3f%n", t.path("probes_judged").asInt(),
                    t.path("bank_questions").asInt(), t.path("first_set_better").asInt(),
                    t.path("second_set_better").asInt(), t.path("mean_gain").asDouble(), t.path("threshold").asDouble());
        }
        out.printf("  %-22s %-16s %-22s %-18s %-22s %6s %9s%n", "condition", "model", "exact match [95% CI]",
                "F1 [95% CI]", "EM uplift [95% CI]", "hurt", "examples");
        for (JsonNode c : r.path("conditions")) {
            out.printf(Locale.ROOT, "  %-22s %-16s %-22s %-18s %-22s %6s %9.2f%n", c.path("name").asText(),
                    c.path("model").asText(), pct(c.path("exact_match"), c.path("exact_match_ci95")),
                    num(c.path("f1"), c.path("f1_ci95")),
                    c.has("exact_match_uplift") ? signedPct(c.path("exact_match_uplift"), c.path("exact_match_uplift_ci95"))
                            : "", c.has("hurt_share") ? String.format(Locale.ROOT, "%.1f%%", 100 * c.path("hurt_share")
                            .asDouble()) : "", c.path("examples_per_prompt").asDouble());
        }
        out.println("  uplift by the cosine of the nearest example (with = the 5 nearest examples):");
        out.printf("  %-13s %5s %8s %8s %9s %10s %12s%n", "cosine", "n", "EM alone", "EM with", "EM uplift",
                "EM select.", "hurt (F1)");
        for (JsonNode b : r.path("uplift_by_cosine")) {
            out.printf(Locale.ROOT, "  [%4.2f, %4.2f%s %5d %8s %8s %9s %10s %12s%n", Math.max(0, b.path("cosine_low")
                    .asDouble()), b.path("cosine_high").asDouble(), b.path("cosine_high").asDouble() >= 1 ? "]" : ")",
                    b.path("n").asInt(), p(b.path("exact_match_alone")), p(b.path("exact_match_with")),
                    p(b.path("uplift")), p(b.path("exact_match_selection")), p(b.path("hurt_share")));
        }
        JsonNode pe = r.path("per_example");
        out.printf(Locale.ROOT, "  Pearson(cosine, per-example F1 uplift) = %s over %d example prompts (%d questions);"
                + " paper: %s%n", r.path("pearson_cosine_uplift").isNumber() ? String.format(Locale.ROOT, "%.3f",
                r.path("pearson_cosine_uplift").asDouble()) : "n/a", pe.path("pairs").asInt(), pe.path("questions").asInt(),
                r.path("paper_pearson_band").asText());
        out.printf(Locale.ROOT, "  per question: Pearson(nearest cosine, F1 uplift of the 5 nearest) = %s%n",
                r.path("per_question").path("pearson_f1").isNumber() ? String.format(Locale.ROOT, "%.3f",
                        r.path("per_question").path("pearson_f1").asDouble()) : "n/a");
        out.flush();
    }

    private static String pct(JsonNode v, JsonNode ci) {
        return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * v.asDouble(), 100 * ci.path(0).asDouble(),
                100 * ci.path(1).asDouble());
    }

    private static String signedPct(JsonNode v, JsonNode ci) {
        return String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f]", 100 * v.asDouble(), 100 * ci.path(0).asDouble(),
                100 * ci.path(1).asDouble());
    }

    private static String num(JsonNode v, JsonNode ci) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", v.asDouble(), ci.path(0).asDouble(),
                ci.path(1).asDouble());
    }

    private static String p(JsonNode v) {
        return v.isNumber() ? String.format(Locale.ROOT, "%.1f%%", 100 * v.asDouble()) : "-";
    }
}
