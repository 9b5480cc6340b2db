package dev.iccache.sim.report;

import static dev.iccache.sim.report.Values.number;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Function;

/** The per-policy columns of the results table, shared by the terminal and the HTML reporters. */
final class PolicyColumns {
    /** One column: its header, how a policy's row renders in it, and whether the terminal shows it. */
    record Column(String header, Function<JsonNode, String> cell, boolean terminal) {
    }

    static final List<Column> ALL = List.of(
            new Column("policy", PolicyColumns::name, true),
            new Column("cluster", p -> Values.text(p, "cluster"), false),
            new Column("win(judge)", p -> Values.percent(number(p, "win_rate_judge")), true),
            new Column("win(truth)", p -> withInterval(p, "win_rate_truth", Values::percent), true),
            new Column("win(expected)", p -> withInterval(p, "win_rate_truth_expected", Values::percent), true),
            new Column("gap closed", p -> withInterval(p, "gap_closed", Values::sig), true),
            new Column("quality", p -> Values.sig(number(p, "mean_true_quality")), true),
            new Column("offload", p -> withInterval(p, "offload_ratio", Values::percent), true),
            new Column("capacity ×", PolicyColumns::capacity, true),
            new Column("p50 s", p -> Values.sig(number(p, "latency_p50_s")), true),
            new Column("p99 s", p -> Values.sig(number(p, "latency_p99_s")), true),
            new Column("TTFT p50", p -> Values.sig(number(p, "ttft_p50_s")), true),
            new Column("TTFT p99", p -> Values.sig(number(p, "ttft_p99_s")), false),
            new Column("thr/SLO rps", p -> Values.sig(number(p, "throughput_within_slo_rps")), true),
            new Column("norm thr", p -> Values.sig(number(p, "normalised_throughput")), true),
            new Column("cost GPU·s/req", p -> Values.sig(number(p, "cost_gpu_s_per_request")), true),
            new Column("Δp50", p -> Values.change(number(p, "latency_p50_change")), true),
            new Column("Δp99", p -> Values.change(number(p, "latency_p99_change")), false),
            new Column("overhead p50/p99 ms", p -> Values.sig(number(p, "decision_overhead_ms_p50"))
                    + "/" + Values.sig(number(p, "decision_overhead_ms_p99")), true));

    private PolicyColumns() {
    }

    /** "0.47 [0.45, 0.49]" when the document has the field's 95% interval, else just the value. */
    static String withInterval(JsonNode p, String field, java.util.function.DoubleFunction<String> format) {
        String value = format.apply(number(p, field));
        JsonNode ci = p.path(field + "_ci95");
        if (ci.isArray() && ci.size() == 2 && Double.isFinite(ci.get(0).asDouble(Double.NaN))) {
            return value + " [" + format.apply(ci.get(0).asDouble()) + ", " + format.apply(ci.get(1).asDouble()) + "]";
        }
        return value;
    }

    /** The capacity ratio to always-large at equal GPUs ("≥" when the sweep hit its highest rate), or n/a. */
    static String capacity(JsonNode p) {
        double ratio = number(p, "capacity_ratio");
        if (!Double.isFinite(ratio)) {
            return Values.NA;
        }
        return (number(p, "capacity_censored") > 0 ? "≥" : "") + withInterval(p, "capacity_ratio", Values::sig);
    }

    static List<Column> terminal() {
        return ALL.stream().filter(Column::terminal).toList();
    }

    /** A policy's name, or "?" when the bench left it out. */
    static String name(JsonNode policy) {
        String name = Values.text(policy, "policy");
        return name.isEmpty() ? "?" : name;
    }
}
