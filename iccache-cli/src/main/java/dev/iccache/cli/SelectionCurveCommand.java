package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.sim.bench.SelectionCurve;
import dev.iccache.sim.world.Calibration;
import dev.iccache.workload.Workloads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "selection-curve", mixinStandardHelpOptions = true,
        description = "The learning curve of example selection in the simulated world: the share of the small/large "
                + "gap the production selector closes after N exploration probes on the history, beside the "
                + "similarity top 5 and the hidden-truth oracle. SIMULATED.")
final class SelectionCurveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SimOptions sim;

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "nq-open",
            description = "A named workload (default ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--labels", paramLabel = "N,N,...", defaultValue = "250,500,1000,2000,5000",
            description = "Probe labels to learn from, one point each (default ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--evaluate", paramLabel = "N", defaultValue = "2000",
            description = "Online requests scored at each point (default ${DEFAULT-VALUE}).")
    int evaluate;

    @Option(names = "--truth-labels", description = "Diagnostic: learn from noise-free labels read from the hidden "
            + "truth (one random candidate's expected gain per label) instead of judged probes: the ceiling of what "
            + "the model's features can learn.")
    boolean truthLabels;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the points as JSON.")
    Path json;

    @Override
    public Integer call() {
        List<Integer> counts = Arrays.stream(labels.split(",")).map(String::strip).map(Integer::parseInt).toList();
        if (counts.stream().anyMatch(c -> c < 0) || evaluate < 1) {
            throw new IllegalArgumentException("--labels must be non-negative counts and --evaluate positive");
        }
        Calibration cal = sim.calibration(null);
        PrintWriter out = spec.commandLine().getOut();
        PrintStream progress = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                spec.commandLine().getErr().write(b);
            }
        }, true, StandardCharsets.UTF_8);
        ObjectNode result;
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT)) {
            result = SelectionCurve.run(new Workloads(sim.dataDirectory()).load(workload, sim.seed), cal, embedder,
                    sim.seed, counts, evaluate, truthLabels, progress);
        }
        out.printf("SIMULATED selection learning curve: pair %s, workload %s, seed %d, %d online requests scored, "
                + "labels from %s%n", cal.pair(), workload, sim.seed, result.path("evaluated_requests").asInt(),
                result.path("labels_from").asText());
        out.printf("%8s %6s %10s %14s %10s %10s %12s%n", "labels", "tau", "learned", "learned@0.5",
                "similar5", "oracle", "w/ examples");
        for (JsonNode p : result.path("points")) {
            out.printf("%8d %6.3f %10.3f %14.3f %10.3f %10.3f %12.2f%n", p.path("labels").asInt(),
                    p.path("tau").asDouble(),
                    p.path("gap_closed_learned").asDouble(), p.path("gap_closed_learned_tau_0_5").asDouble(),
                    p.path("gap_closed_similar").asDouble(), p.path("gap_closed_oracle").asDouble(),
                    p.path("with_examples_ratio").asDouble());
        }
        out.println("(share of the small/large gap closed, expected qualities; oracle = hidden truth: a ceiling)");
        if (json != null) {
            try {
                Files.writeString(json, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
            }
        }
        out.flush();
        return 0;
    }
}
