package dev.iccache.sim.report;

import static dev.iccache.sim.report.Values.number;
import static dev.iccache.sim.report.Values.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.sim.report.PolicyColumns.Column;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The plain-text report of a bench {@code results.json} for the terminal: a header saying the numbers are simulated
 * (with label, seed and calibration file), then one aligned table per arrival setting, and for a rate sweep a
 * policy × offered-rate matrix of throughput within the SLO. Absent or NaN numbers print as "n/a".
 */
public final class ResultsTable {
    private ResultsTable() {
    }

    /** Renders the whole document as lines of text ending in a newline. */
    public static String render(JsonNode results) {
        Objects.requireNonNull(results, "results");
        StringBuilder out = new StringBuilder();
        header(results, out);
        List<JsonNode> runs = Values.list(results, "runs");
        for (int i = 0; i < runs.size(); i++) {
            JsonNode run = runs.get(i);
            out.append('\n').append(runTitle(run, i)).append('\n');
            List<Column> columns = PolicyColumns.terminal();
            List<List<String>> rows = new ArrayList<>();
            rows.add(columns.stream().map(Column::header).toList());
            for (JsonNode policy : Values.list(run, "policies")) {
                rows.add(columns.stream().map(c -> c.cell().apply(policy)).toList());
            }
            align(rows, out);
        }
        if (runs.size() > 1) {
            out.append("\nthroughput within SLO (rps) by offered rate\n");
            align(sweepMatrix(runs), out);
        }
        if (runs.isEmpty()) {
            out.append("\n(no runs)\n");
        }
        return out.toString();
    }

    private static void header(JsonNode results, StringBuilder out) {
        String label = text(results, "label");
        String banner = isSimulated(results) ? "SIMULATED" : "results";
        if (label.isEmpty()) {
            out.append(banner).append('\n');
        } else {
            out.append(label.regionMatches(true, 0, banner, 0, banner.length()) ? label : banner + ": " + label)
                    .append('\n');
        }
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"command", text(results, "command")});
        lines.add(new String[] {"pair", text(results, "pair")});
        lines.add(new String[] {"seeds", Values.inline(results.path("seeds"), Set.of())});
        lines.add(new String[] {"history", text(results, "history_budget") + " judged-history verdicts per learning "
                + "policy"});
        lines.add(new String[] {"calibration", text(results.path("calibration"), "file")});
        lines.add(new String[] {"workload", workload(results.path("workload"))});
        lines.add(new String[] {"cluster", Values.inline(results.path("cluster"), Set.of())});
        List<JsonNode> runs = Values.list(results, "runs");
        for (int i = 0; i < runs.size(); i++) {
            lines.add(new String[] {i == 0 ? "arrivals" : "", arrivals(runs.get(i).path("arrivals"), i)});
        }
        for (String[] line : lines) {
            out.append(String.format(Locale.ROOT, "%-12s %s%n", line[0].isEmpty() ? "" : line[0] + ":",
                    line[1].isEmpty() ? Values.NA : line[1]));
        }
    }

    /** True unless the document says {@code "simulated": false}; the bench only writes simulated results. */
    static boolean isSimulated(JsonNode results) {
        JsonNode flag = results.path("simulated");
        return !(flag.isBoolean() && !flag.asBoolean());
    }

    /** "nq-open: history 1800, online 3610, recorded none: latent difficulty". */
    static String workload(JsonNode workload) {
        String name = text(workload, "name");
        String rest = Values.inline(workload, Set.of("name"));
        return name.isEmpty() ? rest : rest.isEmpty() ? name : name + ": " + rest;
    }

    /** "[1] azure (conv trace): 3610 requests over 1200 s, mean 3.00 rps, scale 5.40 (note)". */
    static String arrivals(JsonNode arrivals, int index) {
        List<String> facts = new ArrayList<>();
        double requests = number(arrivals, "requests");
        double duration = number(arrivals, "duration_s");
        double rate = number(arrivals, "mean_rate_rps");
        double scale = number(arrivals, "scale");
        if (Double.isFinite(requests)) {
            facts.add(Values.scalar(arrivals.path("requests")) + " requests"
                    + (Double.isFinite(duration) ? " over " + Values.sig(duration) + " s" : ""));
        }
        if (Double.isFinite(rate)) {
            facts.add("mean " + Values.sig(rate) + " rps");
        }
        if (Double.isFinite(scale)) {
            facts.add("scale " + Values.sig(scale));
        }
        String note = text(arrivals, "note");
        return "[" + (index + 1) + "] " + arrivalsName(arrivals, index)
                + (facts.isEmpty() ? "" : ": " + String.join(", ", facts))
                + (note.isEmpty() ? "" : " (" + note + ")");
    }

    static String arrivalsName(JsonNode arrivals, int index) {
        String label = text(arrivals, "label");
        String spec = text(arrivals, "spec");
        return !label.isEmpty() ? label : !spec.isEmpty() ? spec : "run " + (index + 1);
    }

    static String runTitle(JsonNode run, int index) {
        return "run " + (index + 1) + ": " + arrivalsName(run.path("arrivals"), index) + offeredRate(run)
                .map(r -> " (mean " + r + " rps)").orElse("");
    }

    static Optional<String> offeredRate(JsonNode run) {
        double rate = number(run.path("arrivals"), "mean_rate_rps");
        return Double.isFinite(rate) ? Optional.of(Values.sig(rate)) : Optional.empty();
    }

    /** Policy names in order of first appearance over all runs, which fixes their colours and row order. */
    static List<String> policyOrder(JsonNode results) {
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode run : Values.list(results, "runs")) {
            Values.list(run, "policies").forEach(p -> names.add(PolicyColumns.name(p)));
        }
        return List.copyOf(names);
    }

    /** Header row then one row per policy: throughput within the SLO in each run; "n/a" where the run lacks it. */
    static List<List<String>> sweepMatrix(List<JsonNode> runs) {
        Set<String> names = new LinkedHashSet<>();
        List<String> header = new ArrayList<>(List.of("policy \\ offered rps"));
        for (int i = 0; i < runs.size(); i++) {
            JsonNode run = runs.get(i);
            int index = i;
            header.add(offeredRate(run).orElseGet(() -> arrivalsName(run.path("arrivals"), index)));
            Values.list(run, "policies").forEach(p -> names.add(PolicyColumns.name(p)));
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (String name : names) {
            List<String> row = new ArrayList<>(List.of(name));
            for (JsonNode run : runs) {
                row.add(policy(run, name).map(p -> Values.sig(number(p, "throughput_within_slo_rps")))
                        .orElse(Values.NA));
            }
            rows.add(row);
        }
        return rows;
    }

    static Optional<JsonNode> policy(JsonNode run, String name) {
        return Values.list(run, "policies").stream().filter(p -> PolicyColumns.name(p).equals(name)).findFirst();
    }

    /** The first column left-aligned, the rest right-aligned, a rule under the header row. */
    private static void align(List<List<String>> rows, StringBuilder out) {
        int columns = rows.getFirst().size();
        int[] width = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String cell = rows.get(r).get(c);
                String pad = " ".repeat(width[c] - cell.length());
                line.append(c == 0 ? "" : "  ").append(c == 0 ? cell + pad : pad + cell);
            }
            out.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) {
                int total = 0;
                for (int w : width) {
                    total += w;
                }
                out.append("-".repeat(total + 2 * (columns - 1))).append('\n');
            }
        }
    }
}
