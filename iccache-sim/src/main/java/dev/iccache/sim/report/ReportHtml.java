package dev.iccache.sim.report;

import static dev.iccache.sim.report.Html.escape;
import static dev.iccache.sim.report.Values.number;
import static dev.iccache.sim.report.Values.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.sim.report.PolicyColumns.Column;
import dev.iccache.sim.report.Svg.Axis;
import dev.iccache.sim.report.Svg.Scale;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.DoubleStream;
import java.util.stream.Stream;

/**
 * The HTML report of a bench {@code results.json}: one self-contained XHTML-compatible page (inline CSS and SVG, no
 * scripts) with a SIMULATED banner, the run's provenance and calibration, the results tables and, per arrival
 * setting, plots of quality against normalised throughput (with each policy's frontier), latency and TTFT CDFs, and
 * offload ratio and large-tier load over time; for a rate sweep also throughput within the SLO against offered rate.
 */
public final class ReportHtml {
    private static final String CSS = """
            body { font-family: sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; }
            .banner { background: #b00; color: #fff; font-size: 1.6em; font-weight: bold; letter-spacing: 0.2em;
                      text-align: center; padding: 0.4em; border-radius: 4px; }
            .label { font-size: 1.1em; font-weight: bold; }
            table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; }
            th { background: #f2f2f2; }
            table.results td { text-align: right; font-variant-numeric: tabular-nums; }
            table.results td:first-child, table.meta th { text-align: left; }
            td.na { color: #999; }
            .swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; }
            .plots { display: flex; flex-wrap: wrap; gap: 0.8em; }
            code { background: #f4f4f4; padding: 0 0.2em; }
            dt { font-weight: bold; }
            """;

    private ReportHtml() {
    }

    /** Writes {@link #render} to {@code file} as UTF-8, creating its parent directories. */
    public static void write(JsonNode results, Path file) {
        Objects.requireNonNull(file, "file");
        String html = render(results);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the HTML report to " + file, e);
        }
    }

    /** Renders the whole page. */
    public static String render(JsonNode results) {
        Objects.requireNonNull(results, "results");
        boolean simulated = ResultsTable.isSimulated(results);
        String seed = text(results, "seed");
        String stamp = (simulated ? "SIMULATED · " : "") + "seed " + (seed.isEmpty() ? Values.NA : seed);
        Map<String, String> colours = colours(ResultsTable.policyOrder(results));
        List<JsonNode> runs = Values.list(results, "runs");

        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>").append(simulated ? "SIMULATED " : "")
                .append("iccache bench report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        if (simulated) {
            h.append("<div class=\"banner\">SIMULATED</div>\n");
        }
        h.append("<h1>iccache bench report</h1>\n");
        String label = text(results, "label");
        if (!label.isEmpty()) {
            h.append("<p class=\"label\">").append(escape(label)).append("</p>\n");
        }
        provenance(results, runs, h);
        calibration(results.path("calibration"), h);
        policies(results, colours, h);
        for (int i = 0; i < runs.size(); i++) {
            run(runs.get(i), i, colours, stamp, h);
        }
        if (runs.size() > 1) {
            sweep(runs, colours, stamp, h);
        }
        if (runs.isEmpty()) {
            h.append("<p>No runs in the results.</p>\n");
        }
        return h.append("</body>\n</html>\n").toString();
    }

    private static Map<String, String> colours(List<String> order) {
        Map<String, String> colours = new LinkedHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            colours.put(order.get(i), Svg.PALETTE.get(i % Svg.PALETTE.size()));
        }
        return colours;
    }

    private static void provenance(JsonNode results, List<JsonNode> runs, StringBuilder h) {
        h.append("<table class=\"meta\">\n");
        metaRow(h, "command", "<code>" + escape(orNa(text(results, "command"))) + "</code>");
        metaRow(h, "seed", escape(orNa(text(results, "seed"))));
        metaRow(h, "calibration", escape(orNa(text(results.path("calibration"), "file"))));
        metaRow(h, "workload", escape(orNa(ResultsTable.workload(results.path("workload")))));
        metaRow(h, "cluster", escape(orNa(Values.inline(results.path("cluster"), Set.of()))));
        for (int i = 0; i < runs.size(); i++) {
            metaRow(h, i == 0 ? "arrivals" : "", escape(ResultsTable.arrivals(runs.get(i).path("arrivals"), i)));
        }
        h.append("</table>\n");
    }

    private static void metaRow(StringBuilder h, String name, String html) {
        h.append("<tr><th>").append(escape(name)).append("</th><td>").append(html).append("</td></tr>\n");
    }

    private static void calibration(JsonNode calibration, StringBuilder h) {
        List<Map.Entry<String, String>> parameters = Values.flatten(calibration.path("parameters"));
        h.append("<details>\n<summary>Calibration parameters (").append(parameters.size()).append(")</summary>\n");
        if (parameters.isEmpty()) {
            h.append("<p>none recorded</p>\n");
        } else {
            h.append("<table>\n<tr><th>parameter</th><th>value</th></tr>\n");
            for (Map.Entry<String, String> p : parameters) {
                h.append("<tr><td><code>").append(escape(p.getKey())).append("</code></td><td>")
                        .append(escape(p.getValue())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("</details>\n");
    }

    /** Each policy once with its colour, description and tuned setting (the first non-empty over the runs). */
    private static void policies(JsonNode results, Map<String, String> colours, StringBuilder h) {
        Map<String, String> descriptions = new LinkedHashMap<>();
        colours.keySet().forEach(name -> descriptions.put(name, ""));
        for (JsonNode run : Values.list(results, "runs")) {
            for (JsonNode p : Values.list(run, "policies")) {
                String described = text(p, "description") + (p.hasNonNull("setting")
                        ? " (tuned: " + text(p, "setting") + ")" : "");
                descriptions.merge(PolicyColumns.name(p), described, (a, b) -> a.isEmpty() ? b : a);
            }
        }
        if (descriptions.isEmpty()) {
            return;
        }
        h.append("<h2>Policies</h2>\n<dl>\n");
        descriptions.forEach((name, description) -> h.append("<dt>").append(swatch(colours.get(name)))
                .append(escape(name)).append("</dt><dd>").append(escape(orNa(description))).append("</dd>\n"));
        h.append("</dl>\n");
    }

    private static void run(JsonNode run, int index, Map<String, String> colours, String stamp, StringBuilder h) {
        List<JsonNode> policies = Values.list(run, "policies");
        JsonNode arrivals = run.path("arrivals");
        String title = ResultsTable.runTitle(run, index);
        h.append("<section>\n<h2>").append(escape(title)).append("</h2>\n<p>")
                .append(escape(ResultsTable.arrivals(arrivals, index))).append("</p>\n");
        resultsTable(policies, colours, h);
        String suffix = " (" + ResultsTable.arrivalsName(arrivals, index) + ")";
        h.append("<div class=\"plots\">\n")
                .append(qualityThroughput(policies, colours, stamp, suffix))
                .append(cdf("latency-cdf", "End-to-end latency CDF" + suffix, "latency (s, log)", "latency_cdf",
                        policies, colours, stamp))
                .append(cdf("ttft-cdf", "Time to first token CDF" + suffix, "TTFT (s, log)", "ttft_cdf", policies,
                        colours, stamp))
                .append(timeline("offload-over-time", "Offload ratio over time" + suffix, "offload ratio",
                        Scale.PERCENT, "offload_ratio", policies, colours, stamp))
                .append(timeline("large-load-over-time", "Large-tier load over time" + suffix, "large-tier load",
                        Scale.LINEAR, "large_load", policies, colours, stamp))
                .append("</div>\n</section>\n");
    }

    private static void resultsTable(List<JsonNode> policies, Map<String, String> colours, StringBuilder h) {
        h.append("<table class=\"results\">\n<tr>");
        for (Column c : PolicyColumns.ALL) {
            h.append("<th>").append(escape(c.header())).append("</th>");
        }
        h.append("</tr>\n");
        for (JsonNode p : policies) {
            h.append("<tr>");
            for (Column c : PolicyColumns.ALL) {
                String cell = c.cell().apply(p);
                h.append(cell.equals(Values.NA) ? "<td class=\"na\">" : "<td>");
                if (c == PolicyColumns.ALL.getFirst()) {
                    h.append(swatch(colours.get(cell)));
                }
                h.append(escape(cell)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** Win rate (truth) against normalised throughput: a labelled point per policy, its frontier as a dashed line. */
    private static String qualityThroughput(List<JsonNode> policies, Map<String, String> colours, String stamp,
            String suffix) {
        List<JsonNode> all = new ArrayList<>(policies);
        policies.forEach(p -> all.addAll(Values.list(p, "frontier")));
        Axis x = Axis.fit("throughput normalised to always-large", Scale.LINEAR,
                DoubleStream.concat(DoubleStream.of(0), all.stream().mapToDouble(p -> number(p, "normalised_throughput"))));
        double[] wins = DoubleStream.concat(DoubleStream.of(0.5),
                all.stream().mapToDouble(p -> number(p, "win_rate_truth"))).filter(Double::isFinite).toArray();
        double headroom = DoubleStream.of(wins).max().orElse(0.5) + 0.02; // room for the top point's label
        Axis y = Axis.fit("win rate vs always-large (truth)", Scale.PERCENT,
                DoubleStream.concat(DoubleStream.of(wins), DoubleStream.of(headroom)));
        Svg svg = new Svg("quality-throughput", "Quality vs throughput" + suffix, stamp, x, y)
                .reference(0.5, "parity with always-large");
        for (JsonNode p : policies) {
            String name = PolicyColumns.name(p);
            String colour = colours.get(name);
            List<JsonNode> frontier = Values.list(p, "frontier");
            svg.line(frontier.stream().map(f -> new double[] {number(f, "normalised_throughput"),
                    number(f, "win_rate_truth")}).toList(), colour, true);
            for (JsonNode f : frontier) {
                svg.point(number(f, "normalised_throughput"), number(f, "win_rate_truth"), 3, colour,
                        name + " " + text(f, "setting") + ": win " + Values.percent(number(f, "win_rate_truth"))
                                + ", norm thr " + Values.sig(number(f, "normalised_throughput")) + ", offload "
                                + Values.percent(number(f, "offload_ratio")));
            }
            double tx = number(p, "normalised_throughput");
            double ty = number(p, "win_rate_truth");
            svg.point(tx, ty, 5.5, colour, name + ": win " + Values.percent(ty) + ", norm thr " + Values.sig(tx))
                    .label(tx, ty, name, colour)
                    .legend(name + (frontier.isEmpty() ? "" : " (+ frontier)"), colour);
        }
        return svg.render();
    }

    private static String cdf(String kind, String title, String xLabel, String field, List<JsonNode> policies,
            Map<String, String> colours, String stamp) {
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (JsonNode p : policies) {
            curves.put(PolicyColumns.name(p), Values.list(p, field).stream()
                    .map(pt -> new double[] {number(pt.path(0)), number(pt.path(1))}).toList());
        }
        return lines(kind, title, stamp, colours, curves,
                Axis.fit(xLabel, Scale.LOG, all(curves, 0)),
                Axis.fit("fraction of requests", Scale.PERCENT, DoubleStream.of(0, 1)));
    }

    private static String timeline(String kind, String title, String yLabel, Scale scale, String field,
            List<JsonNode> policies, Map<String, String> colours, String stamp) {
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (JsonNode p : policies) {
            curves.put(PolicyColumns.name(p), Values.list(p, "timeline").stream()
                    .map(b -> new double[] {number(b, "t_s"), number(b, field)}).toList());
        }
        DoubleStream yRange = scale == Scale.PERCENT ? DoubleStream.of(0, 1) : DoubleStream.of(0);
        return lines(kind, title, stamp, colours, curves,
                Axis.fit("virtual time (s)", Scale.LINEAR, all(curves, 0)),
                Axis.fit(yLabel, scale, DoubleStream.concat(yRange, all(curves, 1))));
    }

    /** Throughput within the SLO against the offered (mean arrival) rate, one line per policy over the runs. */
    private static void sweep(List<JsonNode> runs, Map<String, String> colours, String stamp, StringBuilder h) {
        h.append("<section>\n<h2>Rate sweep: throughput within SLO (rps)</h2>\n<table class=\"results\">\n");
        List<List<String>> matrix = ResultsTable.sweepMatrix(runs);
        for (int r = 0; r < matrix.size(); r++) {
            h.append("<tr>");
            for (String cell : matrix.get(r)) {
                h.append(r == 0 ? "<th>" : cell.equals(Values.NA) ? "<td class=\"na\">" : "<td>").append(escape(cell))
                        .append(r == 0 ? "</th>" : "</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (String name : colours.keySet()) {
            List<double[]> points = new ArrayList<>();
            for (JsonNode run : runs) {
                ResultsTable.policy(run, name).ifPresent(p -> points.add(new double[] {
                        number(run.path("arrivals"), "mean_rate_rps"), number(p, "throughput_within_slo_rps")}));
            }
            points.sort((a, b) -> Double.compare(a[0], b[0]));
            curves.put(name, points);
        }
        Axis x = Axis.fit("offered rate (rps)", Scale.LINEAR, DoubleStream.concat(DoubleStream.of(0), all(curves, 0)));
        Axis y = Axis.fit("throughput within SLO (rps)", Scale.LINEAR,
                DoubleStream.concat(DoubleStream.of(0), all(curves, 1)));
        Svg svg = new Svg("throughput-vs-rate", "Throughput within SLO vs offered rate", stamp, x, y);
        curves.forEach((name, points) -> {
            svg.line(points, colours.get(name), false).legend(name, colours.get(name));
            points.forEach(p -> svg.point(p[0], p[1], 3, colours.get(name),
                    name + " at " + Values.sig(p[0]) + " rps: " + Values.sig(p[1]) + " rps within SLO"));
        });
        h.append("<div class=\"plots\">\n").append(svg.render()).append("</div>\n</section>\n");
    }

    private static String lines(String kind, String title, String stamp, Map<String, String> colours,
            Map<String, List<double[]>> curves, Axis x, Axis y) {
        Svg svg = new Svg(kind, title, stamp, x, y);
        curves.forEach((name, points) -> svg.line(points, colours.get(name), false).legend(name, colours.get(name)));
        return svg.render();
    }

    private static DoubleStream all(Map<String, List<double[]>> curves, int coordinate) {
        return curves.values().stream().flatMap(List::stream).mapToDouble(p -> p[coordinate]);
    }

    private static String swatch(String colour) {
        return colour == null ? "" : "<span class=\"swatch\" style=\"background: " + colour + "\"></span>";
    }

    private static String orNa(String s) {
        return s.isEmpty() ? Values.NA : s;
    }
}
