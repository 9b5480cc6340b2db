package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.eval.LearnerSettings;
import dev.iccache.eval.ModelPrices;
import dev.iccache.eval.ModelPrices.Price;
import dev.iccache.eval.RoutingEvaluation;
import dev.iccache.select.TokenCounter;
import dev.iccache.workload.RoutingDatasets;
import dev.iccache.workload.RoutingStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code iccache eval routing} (R2): the production router's learner, prequentially, scored like RouteLLM. */
@Command(name = "routing", mixinStandardHelpOptions = true,
        description = {"R2: replay recorded weak/strong outcomes as a stream; the production router (no examples)"
            + " predicts each prompt before learning its outcome; APGR, CPT(50%%), CPT(80%%) as RouteLLM defines"
            + " them, for it, a random router and the oracle.",
            "Data sets: routellm-mmlu, routellm-gsm8k, routellm-mtbench, arena-bench (also the N-model curve)."})
final class EvalRoutingCommand implements Callable<Integer> {
    @Mixin
    EvalOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "NAME", description = "A named routing data set.")
    String dataset;

    @Option(names = "--file", paramLabel = "PATH",
            description = "Any JSONL or CSV file with a text field and the weak and strong models' quality fields.")
    Path file;

    @Option(names = "--field", paramLabel = "NAME", description = "With --file: the text field.")
    String field;

    @Option(names = "--weak", paramLabel = "NAME",
            description = "The weak model (arena-bench; default Mixtral-8x7B) or, with --file, its quality field.")
    String weak;

    @Option(names = "--strong", paramLabel = "NAME",
            description = "The strong model (arena-bench; default gpt-4-1106-preview) or, with --file, its quality"
                + " field.")
    String strong;

    @Option(names = "--quality-max", paramLabel = "X",
            description = "With --file: quality values are divided by X to lie in [0, 1] (default: ${DEFAULT-VALUE}).")
    double qualityMax = 1;

    @Option(names = "--keep-contaminated",
            description = "Keep the prompts RouteLLM's evaluation leaves out (its contamination lists).")
    boolean keepContaminated;

    @Option(names = "--shuffle", paramLabel = "SEED", description = "Replay the stream in a seeded random order.")
    Long shuffle;

    @Option(names = "--bins", paramLabel = "N", description = "Bins of RouteLLM's threshold sweep (default: ${DEFAULT-VALUE}).")
    int bins = RoutingEvaluation.ROUTELLM_BINS;

    @Option(names = "--lambda", description = "Learner prior precision (production: ${DEFAULT-VALUE}).")
    double lambda = LearnerSettings.PRODUCTION.lambda();

    @Option(names = "--noise", description = "Learner sampling scale (production: ${DEFAULT-VALUE}).")
    double noise = LearnerSettings.PRODUCTION.noise();

    @Option(names = "--forgetting", description = "Learner forgetting per update (production: ${DEFAULT-VALUE}).")
    double forgetting = LearnerSettings.PRODUCTION.forgetting();

    @Option(names = "--price", paramLabel = "MODEL=IN/OUT",
            description = "arena-bench N-model curve: a model's dollars per million input/output tokens (repeatable).")
    List<String> prices = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EvalSource.check(dataset, file, field);
        if (bins < 1) {
            throw new IllegalStateException("--bins must be positive, got " + bins);
        }
        LearnerSettings learner = new LearnerSettings(lambda, noise, forgetting);
        RoutingStream stream;
        if (file != null) {
            if (weak == null || strong == null) {
                throw new IllegalStateException("--file needs --weak FIELD and --strong FIELD (the quality fields)");
            }
            stream = RoutingDatasets.fromFile(file, field, weak, strong, qualityMax);
        } else {
            stream = new RoutingDatasets(options.dataDirectory(), !keepContaminated).load(dataset);
        }
        if (shuffle != null) {
            stream = stream.shuffled(shuffle);
        }
        stream = stream.limit(options.limit(stream.prompts().size()));
        ObjectNode result;
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT)) {
            RoutingEvaluation eval = new RoutingEvaluation(embedder, TokenCounter.cl100k(), err);
            if ("arena-bench".equals(dataset)) {
                Map<String, Price> priceTable = new HashMap<>(ModelPrices.ARENA_BENCH_DEFAULTS);
                prices.stream().map(ModelPrices::parse).forEach(e -> priceTable.put(e.getKey(), e.getValue()));
                result = eval.arena(stream, weak == null ? RoutingDatasets.MIXTRAL : weak,
                        strong == null ? RoutingDatasets.GPT4 : strong, priceTable, learner, bins);
            } else {
                if (file == null && (weak != null || strong != null)) {
                    throw new IllegalStateException("--weak and --strong apply to arena-bench and --file only");
                }
                result = eval.binary(stream, learner, bins);
            }
        }
        if (shuffle != null) {
            result.put("stream_order", "shuffled with seed " + shuffle);
        } else {
            result.put("stream_order", "file order");
        }
        summary(result, out);
        options.write(result, out, err);
        return 0;
    }

    private static void summary(ObjectNode r, PrintWriter out) {
        out.printf("%s: %d prompts; weak %s %.3f, strong %s %.3f (%s)%n", r.path("dataset").asText(),
                r.path("n").asInt(), r.path("weak_model").asText(), r.path("weak_quality").asDouble(),
                r.path("strong_model").asText(), r.path("strong_quality").asDouble(), r.path("quality").asText());
        out.printf("  %-9s %7s %9s %9s   %s%n", "router", "APGR", "CPT(50%)", "CPT(80%)",
                "every threshold: APGR CPT(50%) CPT(80%)");
        r.path("routers").properties().forEach(e -> {
            JsonNode v = e.getValue();
            JsonNode f = v.path("full");
            out.printf("  %-9s %7.3f %8.1f%% %8.1f%%   %.3f %.1f%% %.1f%%%n", e.getKey(), v.path("apgr").asDouble(),
                    100 * v.path("cpt50").asDouble(), 100 * v.path("cpt80").asDouble(), f.path("apgr").asDouble(),
                    100 * f.path("cpt50").asDouble(), 100 * f.path("cpt80").asDouble());
        });
        for (JsonNode h : r.path("iccache_by_stream_half")) {
            out.printf("  iccache on the %s (%d prompts): APGR %.3f%n", h.path("part").asText(), h.path("n").asInt(),
                    h.path("apgr").asDouble());
        }
        JsonNode multi = r.path("multi_model");
        if (!multi.isMissingNode()) {
            out.printf("  %d models, %d prompts; cost relative to %s:%n", multi.path("models").asInt(),
                    multi.path("n").asInt(), multi.path("summary").path("relative_to").asText());
            multi.path("summary").properties().forEach(e -> {
                if (e.getValue().isObject()) {
                    JsonNode v = e.getValue();
                    out.printf("    %-15s cost for 95%% of its quality %s; quality at 10%% / 25%% of its cost %s / %s%n",
                            e.getKey(), pct(v.path("cost_for_95pct_of_best_quality")),
                            pct(v.path("quality_at_10pct_of_best_cost")), pct(v.path("quality_at_25pct_of_best_cost")));
                }
            });
        }
        out.flush();
    }

    private static String pct(JsonNode v) {
        return v.isNumber() ? String.format("%.1f%%", 100 * v.asDouble()) : "unreachable";
    }
}
