package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.eval.NearestNeighbours;
import dev.iccache.eval.ScratchStores;
import dev.iccache.eval.SimilarityEvaluation;
import dev.iccache.eval.SimilarityEvaluation.Mode;
import dev.iccache.eval.SimilarityEvaluation.Settings;
import dev.iccache.workload.TextDatasets;
import dev.iccache.workload.TextRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code iccache eval similarity} (R1): how many requests have a similar (other / earlier) request. */
@Command(name = "similarity", mixinStandardHelpOptions = true,
        description = {"R1: fraction of requests whose nearest other (and nearest earlier) request has cosine"
            + " >= 0.7 / 0.8 / 0.9, and the CDF, with the production embedder and store.",
            "Data sets: nq-open, banking77, gsm8k, mmlu, arena-hard-v0.1, arena-bench-v1, mt-bench."})
final class EvalSimilarityCommand implements Callable<Integer> {
    @Mixin
    EvalOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "NAME", description = "A named data set.")
    String dataset;

    @Option(names = "--file", paramLabel = "PATH", description = "Any JSONL or CSV file instead of a named data set.")
    Path file;

    @Option(names = "--field", paramLabel = "NAME",
            description = "With --file: the text field (dotted path for JSON, e.g. turns.0.content; column for CSV).")
    String field;

    @Option(names = "--mode", paramLabel = "MODE", description = "other, earlier or both (default: ${DEFAULT-VALUE}).")
    String mode = "both";

    @Option(names = "--no-growth", description = "Skip the 10%/25%/50% subsample runs.")
    boolean noGrowth;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = EvalSource.check(dataset, file, field);
        List<TextRecord> records = dataset != null ? new TextDatasets(options.dataDirectory()).load(dataset)
                : TextDatasets.fromFile(file, field, Optional.empty());
        records = records.subList(0, options.limit(records.size()));
        Mode m = parseMode(mode);
        Settings d = Settings.DEFAULT;
        Settings settings = new Settings(m, !noGrowth, d.seed(), d.earlierBlock(), d.exactCheck());
        ObjectNode result;
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT); ScratchStores stores = new ScratchStores()) {
            result = new SimilarityEvaluation(embedder, new NearestNeighbours(stores), err).run(name, records,
                    settings);
        }
        summary(result, out);
        options.write(result, out, err);
        return 0;
    }

    private static Mode parseMode(String s) {
        try {
            return Mode.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("--mode must be other, earlier or both, got " + s);
        }
    }

    private static void summary(ObjectNode r, PrintWriter out) {
        out.printf("%s: %d requests (%d share their embedded text with another)%n", r.path("dataset").asText(), r.path("n").asInt(),
                r.path("identical_embedded_texts").asInt());
        out.printf("  %-18s %8s %8s %8s %8s %14s%n", "nearest", ">=0.7", ">=0.8", ">=0.9", "median", "store=exact");
        if (r.path("mode").asText().equals("other")) {
            row(out, "other request", r);
        }
        JsonNode e = r.path("mode").asText().equals("earlier") ? r : r.path("earlier");
        if (!e.isMissingNode()) {
            row(out, "earlier request", e);
        }
        for (JsonNode g : r.path("growth")) {
            out.printf("  growth: %3.0f%% of the data (%d requests): %.1f%% have another request >= 0.8%n",
                    100 * g.path("fraction").asDouble(), g.path("n").asInt(),
                    100 * g.path("fraction_ge_0_8").asDouble());
        }
        out.flush();
    }

    private static void row(PrintWriter out, String label, JsonNode o) {
        out.printf("  %-18s %7.1f%% %7.1f%% %7.1f%% %8.3f %13.1f%%%n", label, 100 * o.path("fraction_ge_0_7").asDouble(),
                100 * o.path("fraction_ge_0_8").asDouble(), 100 * o.path("fraction_ge_0_9").asDouble(),
                o.path("median").asDouble(), 100 * o.path("store_check").path("agrees_with_exact").asDouble());
    }
}
