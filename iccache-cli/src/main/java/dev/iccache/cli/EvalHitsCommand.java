package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.eval.HitEvaluation;
import dev.iccache.eval.NearestNeighbours;
import dev.iccache.eval.ScratchStores;
import dev.iccache.workload.TextDatasets;
import dev.iccache.workload.TextRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code iccache eval hits} (R3): precision, recall, F1 and false-hit rate of "nearest neighbour above t". */
@Command(name = "hits", mixinStandardHelpOptions = true,
        description = {"R3: precision, recall, F1 and false-hit rate of the hit test 'nearest neighbour's cosine"
            + " >= t' against labels (same label = the same request), across thresholds.",
            "banking77: bank = train split, queries = test split; --file: leave-one-out."})
final class EvalHitsCommand implements Callable<Integer> {
    @Mixin
    EvalOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "NAME", description = "banking77.")
    String dataset;

    @Option(names = "--file", paramLabel = "PATH", description = "Any labelled JSONL or CSV file.")
    Path file;

    @Option(names = "--field", paramLabel = "NAME", description = "With --file: the text field.")
    String field;

    @Option(names = "--label", paramLabel = "NAME", description = "With --file: the label field.")
    String label;

    @Option(names = "--threshold", paramLabel = "T",
            description = "The chosen threshold (default: the one with the highest F1, tuned without the queries"
                + " for banking77).")
    Double threshold;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = EvalSource.check(dataset, file, field);
        if (file != null && label == null) {
            throw new IllegalStateException("--file needs --label NAME (the field that says which requests are the same)");
        }
        if (dataset != null && !dataset.equals("banking77")) {
            throw new IllegalStateException("hits needs labels: the named data set is banking77 (or use --file"
                    + " --field --label), got " + dataset);
        }
        OptionalDouble t = threshold == null ? OptionalDouble.empty() : OptionalDouble.of(threshold);
        ObjectNode result;
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT); ScratchStores stores = new ScratchStores()) {
            HitEvaluation eval = new HitEvaluation(embedder, new NearestNeighbours(stores), err);
            if (dataset != null) {
                TextDatasets data = new TextDatasets(options.dataDirectory());
                List<TextRecord> bank = data.banking77("train.csv");
                List<TextRecord> queries = data.banking77("test.csv");
                result = eval.split(name, bank.subList(0, options.limit(bank.size())),
                        queries.subList(0, options.limit(queries.size())), t);
            } else {
                List<TextRecord> records = TextDatasets.fromFile(file, field, Optional.of(label));
                result = eval.leaveOneOut(name, records.subList(0, options.limit(records.size())), t);
            }
        }
        summary(result, out);
        options.write(result, out, err);
        return 0;
    }

    private static void summary(ObjectNode r, PrintWriter out) {
        out.printf("%s: %d queries (%s)%n", r.path("dataset").asText(), r.path("n_queries").asInt(),
                r.path("protocol").asText());
        out.printf("  %9s %10s %8s %8s %16s%n", "threshold", "precision", "recall", "F1", "false-hit rate");
        for (JsonNode row : r.path("thresholds")) {
            double th = row.path("threshold").asDouble();
            long hundredths = Math.round(th * 100);
            if (hundredths >= 50 && hundredths % 5 == 0) {
                row(out, "", row);
            }
        }
        JsonNode c = r.path("chosen");
        row(out, "chosen", c);
        out.printf("  chosen by: %s%n", c.path("chosen_by").asText());
        JsonNode p = r.path("at_target_precision");
        if (p.path("threshold").isNumber()) {
            row(out, "precision target", p);
            out.printf("  precision target: %s%n", p.path("chosen_by").asText());
        }
        row(out, "bank dedup threshold", r.path("at_bank_dedup_threshold"));
        out.flush();
    }

    private static void row(PrintWriter out, String tag, JsonNode row) {
        out.printf("  %9.2f %9.1f%% %7.1f%% %8.3f %15.2f%%  %s%n", row.path("threshold").asDouble(),
                100 * row.path("precision").asDouble(Double.NaN), 100 * row.path("recall").asDouble(),
                row.path("f1").asDouble(), 100 * row.path("false_hit_rate").asDouble(), tag);
    }
}
