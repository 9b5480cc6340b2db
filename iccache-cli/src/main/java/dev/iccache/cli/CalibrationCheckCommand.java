package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.sim.bench.Bench;
import dev.iccache.sim.world.Calibration;
import dev.iccache.sim.world.CalibrationCheck;
import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.Workloads;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "calibration-check", mixinStandardHelpOptions = true,
        description = {"Check the simulated world of a model pair against the IC-Cache paper's targets for that pair "
                + "(EVALUATION.md §2.3, Appendix A): prints every target with the measured value and exits 1 when one "
                + "is outside its tolerance.",
            "Measured on the full workloads the targets name (nq-open, arena-hard-v0.1). SIMULATED."})
final class CalibrationCheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SimOptions sim;

    @Option(names = "--calibration", paramLabel = "FILE", description = "World parameters instead of a bundled pair.")
    Path calibration;

    @Option(names = "--limit", paramLabel = "N",
            description = "History and online requests per workload at most (default: all).")
    Integer limit;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the rows and every measure as JSON.")
    Path json;

    @Override
    public Integer call() {
        DataDirectory dir = sim.dataDirectory();
        Calibration cal = sim.calibration(calibration);
        PrintWriter out = spec.commandLine().getOut();
        out.println("SIMULATED world check: pair " + cal.pair() + ", seed " + sim.seed + ", calibration "
                + cal.source());
        Workloads workloads = new Workloads(dir);
        Map<String, ObjectNode> measures = new LinkedHashMap<>();
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT)) {
            for (Calibration.Target t : cal.targets()) {
                if (!measures.containsKey(t.workload())) {
                    var w = workloads.load(t.workload(), sim.seed);
                    if (limit != null) {
                        w = w.limit(limit, limit);
                    }
                    measures.put(t.workload(), Bench.calibrationCheck(w, cal, embedder, sim.seed));
                }
            }
        }
        ObjectNode result = CalibrationCheck.rows(cal, measures);
        out.printf("%-17s %-16s %-42s %-16s %9s  %s%n", "pair", "workload", "measure", "paper", "measured", "");
        for (JsonNode r : result.path("rows")) {
            out.printf("%-17s %-16s %-42s %-16s %9.3f  %s%n", r.path("pair").asText(), r.path("workload").asText(),
                    r.path("measure").asText(), r.path("range").asText(), r.path("measured").asDouble(),
                    r.path("within").asBoolean() ? "ok" : "OUTSIDE");
        }
        for (Map.Entry<String, ObjectNode> m : measures.entrySet()) {
            ObjectNode x = m.getValue();
            out.printf("%s: %d online requests, %d in the dense subset (nearest history neighbour >= %.2f); small win "
                    + "rate alone %.3f, similar %.3f, reference %.3f, oracle %.3f, random %.3f; gap closed: similar "
                    + "%.2f, reference %.2f, oracle %.2f (oracle = hidden truth: a ceiling)%n", m.getKey(),
                    x.path("requests").asInt(), x.path("dense_requests").asInt(), cal.number("check.dense-cosine"),
                    x.path("win_rate_small_alone").asDouble(), x.path("win_rate_similar").asDouble(),
                    x.path("win_rate_reference").asDouble(), x.path("win_rate_oracle").asDouble(),
                    x.path("win_rate_random").asDouble(), x.path("similar_gap_closed").asDouble(),
                    x.path("reference_gap_closed").asDouble(), x.path("oracle_gap_closed").asDouble());
        }
        if (json != null) {
            try {
                Files.writeString(json, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
            }
            out.println("json: " + json);
        }
        boolean ok = result.path("all_within").asBoolean();
        out.println(ok ? "every target within its tolerance" : "SOME TARGETS ARE OUTSIDE THEIR TOLERANCE");
        out.flush();
        return ok ? 0 : 1;
    }
}
