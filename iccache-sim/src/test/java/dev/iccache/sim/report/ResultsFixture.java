package dev.iccache.sim.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;

/**
 * A small results document in the bench's format: two arrival rates, three policies; iccache has a frontier and a
 * description with markup, always-small's judge win rate is NaN and iccache's TTFT p50 is absent.
 */
final class ResultsFixture {
    static final String SCRIPT_DESCRIPTION = "examples & routing <script>alert('x')</script>";

    private ResultsFixture() {
    }

    static ObjectNode twoRuns() {
        ObjectNode root = header();
        ArrayNode runs = root.putArray("runs");
        runs.add(run(1.0, 1.0));
        runs.add(run(3.0, 0.8));
        return root;
    }

    static ObjectNode oneRun() {
        ObjectNode root = header();
        root.putArray("runs").add(run(3.0, 0.8));
        return root;
    }

    private static ObjectNode header() {
        ObjectNode root = Json.object();
        root.put("simulated", true);
        root.put("label", "SIMULATED (simulated backends, judge and users; real embedder, store, selector, router, manager)");
        root.put("command", "iccache bench --workload nq-open --arrivals azure --policies all --seed 42 --out out/bench");
        root.put("seed", 42);
        root.put("pair", "gemma2");
        root.putArray("seeds").add(42).add(43);
        ObjectNode calibration = root.putObject("calibration");
        calibration.put("file", "config/calibration.yaml");
        ObjectNode parameters = calibration.putObject("parameters");
        parameters.putObject("latency").putObject("small").put("tokens_per_s", 95.5);
        parameters.putArray("quality_gap").add(0.1).add(0.25);
        ObjectNode workload = root.putObject("workload");
        workload.put("name", "nq-open").put("history", 1800).put("online", 3610).put("recorded", "none: latent difficulty");
        ObjectNode cluster = root.putObject("cluster");
        cluster.putObject("small").put("profile", "small").put("replicas", 1).put("gpus", 1);
        cluster.putObject("large").put("profile", "large").put("replicas", 2).put("gpus", 4);
        cluster.put("slo_latency_s", 30.0);
        return root;
    }

    private static ObjectNode run(double rate, double load) {
        ObjectNode run = Json.object();
        ObjectNode arrivals = run.putObject("arrivals");
        arrivals.put("spec", "poisson:" + rate).put("label", "poisson " + rate + " rps").put("requests", 3610)
                .put("duration_s", 3610 / rate).put("mean_rate_rps", rate).put("note", "rate sweep point");
        ArrayNode policies = run.putArray("policies");

        ObjectNode large = policy("always-large", "every request on the large model", 0.5, 0.5, 0.0, 9.1, load);
        large.put("throughput_within_slo_rps", 2.5 * rate / 3).put("normalised_throughput", 1.0)
                .put("latency_p50_change", 0.0).put("capacity_ratio", 1.0).put("capacity_censored", 0);
        policies.add(large);

        ObjectNode small = policy("always-small", "every request on the small model", Double.NaN, 0.31, 1.0, 2.0, 0);
        small.put("throughput_within_slo_rps", 2.9 * rate / 3).put("normalised_throughput", 4.2)
                .put("latency_p50_change", -0.78);
        policies.add(small);

        ObjectNode iccache = policy("iccache", SCRIPT_DESCRIPTION, 0.49, 0.48, 0.62, 3.5, load / 3);
        iccache.remove("ttft_p50_s");
        iccache.put("throughput_within_slo_rps", 2.8 * rate / 3).put("normalised_throughput", 2.6)
                .put("latency_p50_change", -0.6154).put("capacity_ratio", 2.5).put("capacity_censored", 1);
        iccache.putArray("win_rate_truth_ci95").add(0.46).add(0.5);
        ArrayNode frontier = iccache.putArray("frontier");
        frontier.addObject().put("setting", "bias -0.2").put("win_rate_truth", 0.45).put("normalised_throughput", 3.1)
                .put("offload_ratio", 0.75);
        frontier.addObject().put("setting", "bias 0").put("win_rate_truth", 0.48).put("normalised_throughput", 2.6)
                .put("offload_ratio", 0.62);
        frontier.addObject().put("setting", "bias 0.2").put("win_rate_truth", 0.5).put("normalised_throughput", 1.7)
                .put("offload_ratio", 0.4);
        policies.add(iccache);
        return run;
    }

    private static ObjectNode policy(String name, String description, double winJudge, double winTruth,
            double offload, double p50, double load) {
        ObjectNode p = Json.object();
        p.put("policy", name).put("description", description).put("requests", 3610).put("completed", 3610)
                .put("failed", 0).put("win_rate_judge", winJudge).put("win_rate_truth", winTruth)
                .put("mean_true_quality", 0.61).put("offload_ratio", offload).put("latency_p50_s", p50)
                .put("latency_p99_s", p50 * 4.4).put("ttft_p50_s", 0.3).put("ttft_p99_s", 30.1)
                .put("throughput_rps", 2.9).put("cost_gpu_s_per_request", 5.2 * (1 - offload) + 0.4)
                .put("latency_p99_change", 0.0).put("decision_overhead_ms_p50", 0.01234)
                .put("decision_overhead_ms_p99", 0.05);
        ArrayNode timeline = p.putArray("timeline");
        for (int t = 0; t < 4; t++) {
            timeline.addObject().put("t_s", t * 300).put("requests", 30).put("offload_ratio", offload)
                    .put("large_load", load * (1 + t / 10.0)).put("latency_p50_s", p50);
        }
        ArrayNode cdf = p.putArray("latency_cdf");
        cdf.addArray().add(p50 / 20).add(0.01);
        cdf.addArray().add(p50).add(0.5);
        cdf.addArray().add(p50 * 4.4).add(0.99);
        ArrayNode ttft = p.putArray("ttft_cdf");
        ttft.addArray().add(0.1).add(0.01);
        ttft.addArray().add(0.3).add(0.5);
        return p;
    }
}
