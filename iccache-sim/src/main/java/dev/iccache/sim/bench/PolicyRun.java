package dev.iccache.sim.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.route.Judge;
import dev.iccache.sim.policy.Policies;
import dev.iccache.sim.world.SimJudge;
import dev.iccache.sim.world.Wins;
import java.util.Arrays;

/**
 * What one policy did on one arrival setting, request by request, and the §2.6 metrics computed
 * from it against the {@code always-large} reference (field names in docs/evaluation.md).
 */
final class PolicyRun {
    private static final int TIMELINE_BUCKETS = 60;
    private static final int CDF_POINTS = 100;

    private final String name;
    private final String description;
    private final double[] arrivedAt;
    private final double[] largeLoad;
    private final String[] servedBy;
    private final double[] latency;
    private final double[] ttft;
    private final double[] quality;
    private final double[] expected;
    private final double[] q0Small;
    private final double[] q0Large;
    private final int[] examples;
    private final double[][] visible;
    private final double[] overheadMs;
    private final String cluster;
    private String setting;
    private long bankMax = -1;
    private long bankLast = -1;
    private double gpuSeconds;
    private long judgments;
    private SimJudge scoring;
    private long scoringSeed;

    PolicyRun(String name, String description, String cluster, int requests) {
        this.name = name;
        this.description = description;
        this.cluster = cluster;
        arrivedAt = new double[requests];
        largeLoad = new double[requests];
        servedBy = new String[requests];
        latency = filled(requests);
        ttft = filled(requests);
        quality = filled(requests);
        expected = filled(requests);
        q0Small = filled(requests);
        q0Large = filled(requests);
        examples = new int[requests];
        visible = new double[requests][];
        overheadMs = new double[requests];
    }

    private static double[] filled(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    void overhead(int i, double ms) {
        overheadMs[i] = ms;
    }

    void arrived(int i, double at, double load) {
        arrivedAt[i] = at;
        largeLoad[i] = load;
    }

    /**
     * A completed request.
     *
     * @param q             the answer's realised quality
     * @param expectedQ     its expected quality (without generation noise)
     * @param small         the small model's expected quality on the request without examples
     * @param large         the large model's
     */
    void completed(int i, String model, double latencySeconds, double ttftSeconds, double q, double expectedQ,
            double small, double large, int exampleCount) {
        servedBy[i] = model;
        latency[i] = latencySeconds;
        ttft[i] = ttftSeconds;
        quality[i] = q;
        expected[i] = expectedQ;
        q0Small[i] = small;
        q0Large[i] = large;
        examples[i] = exampleCount;
    }

    /** What a router could see of request {@code i} as answered ({@link Wins#visible}). */
    void visible(int i, double[] features) {
        visible[i] = features;
    }

    /** The operating point the policy tuned itself to. */
    void setting(String value) {
        setting = value;
    }

    /** A sample of the policy's bank size. */
    void bank(long examples) {
        bankMax = Math.max(bankMax, examples);
        bankLast = examples;
    }

    /** @param scoringSeed seeds the scoring judge's noise (each answer is scored once) */
    void finish(double gpu, long judgeVerdicts, SimJudge scoringJudge, long scoringSeed) {
        this.gpuSeconds = gpu;
        this.judgments = judgeVerdicts;
        this.scoring = scoringJudge;
        this.scoringSeed = scoringSeed;
    }

    /** Share of the requests that finished within {@code slo} seconds. */
    double withinSlo(double slo) {
        return Arrays.stream(latency).filter(l -> !Double.isNaN(l) && l <= slo).count() / (double) latency.length;
    }

    private int completedCount() {
        int n = 0;
        for (String s : servedBy) {
            if (s != null) {
                n++;
            }
        }
        return n;
    }

    double costPerRequest() {
        return gpuSeconds / Math.max(1, completedCount());
    }

    /**
     * The metrics of this run; {@code ref} is always-large's run on the same arrivals, {@code slo}
     * the latency SLO, {@code tie} the quality difference below which the truth calls a tie,
     * {@code noise} the generation noise (sd) of a model's answer.
     */
    ObjectNode report(PolicyRun ref, double spanSeconds, double slo, double tie, double noise) {
        ObjectNode o = Json.object();
        o.put("policy", name);
        o.put("description", description);
        o.put("cluster", cluster);
        if (setting != null) {
            o.put("setting", setting);
        }
        int n = arrivedAt.length;
        int done = completedCount();
        o.put("requests", n);
        o.put("completed", done);
        o.put("failed", n - done);
        double truthWins = 0;
        double expectedWins = 0;
        double closed = 0;
        double gap = 0;
        double judgeWins = 0;
        double qualitySum = 0;
        int offloaded = 0;
        double offloadedWins = 0;
        int withExamples = 0;
        double[] offloadedWinChance = new double[n];
        double[][] offloadedVisible = new double[n][];
        java.util.SplittableRandom scoringNoise = new java.util.SplittableRandom(scoringSeed);
        for (int i = 0; i < n; i++) {
            if (servedBy[i] == null || ref.servedBy[i] == null) {
                continue;
            }
            double d = quality[i] - ref.quality[i];
            truthWins += Math.abs(d) < tie ? 0.5 : d > 0 ? 1 : 0;
            double winChance = Wins.expected(expected[i] - ref.expected[i], tie,
                    Math.sqrt(variance(servedBy[i], noise) + variance(ref.servedBy[i], noise)));
            expectedWins += winChance;
            if (servedBy[i].equals(Policies.SMALL)) {
                closed += expected[i] - q0Small[i];
                gap += q0Large[i] - q0Small[i];
            }
            double s = scoring.verdict(quality[i], ref.quality[i], scoringNoise);
            judgeWins += Math.abs(s) <= Judge.TIE ? 0.5 : s > 0 ? 1 : 0;
            qualitySum += quality[i];
            if (!servedBy[i].equals(Policies.LARGE)) {
                offloadedWinChance[offloaded] = winChance;
                offloadedVisible[offloaded] = visible[i];
                offloaded++;
                offloadedWins += Math.abs(d) < tie ? 0.5 : d > 0 ? 1 : 0;
            }
            if (examples[i] > 0) {
                withExamples++;
            }
        }
        o.put("win_rate_judge", judgeWins / Math.max(1, done));
        o.put("win_rate_truth", truthWins / Math.max(1, done));
        o.put("win_rate_truth_expected", expectedWins / Math.max(1, done));
        o.put("gap_closed", gap == 0 ? Double.NaN : closed / gap);
        o.put("mean_true_quality", qualitySum / Math.max(1, done));
        o.put("offload_ratio", offloaded / (double) Math.max(1, done));
        o.put("parity_offload_ratio",
                Wins.parityCount(Arrays.copyOf(offloadedWinChance, offloaded)) / (double) Math.max(1, done));
        o.put("parity_offload_visible_ratio", Wins.parityCountLearned(Arrays.copyOf(offloadedWinChance, offloaded),
                Arrays.copyOf(offloadedVisible, offloaded)) / (double) Math.max(1, done));
        o.put("offloaded_win_rate_truth", offloaded == 0 ? Double.NaN : offloadedWins / offloaded);
        o.put("with_examples_ratio", withExamples / (double) Math.max(1, done));
        if (bankLast >= 0) {
            o.put("bank_examples_max", bankMax);
            o.put("bank_examples_final", bankLast);
        }
        double[] lat = sorted(latency);
        double[] refLat = sorted(ref.latency);
        double[] first = sorted(ttft);
        double[] overhead = sorted(overheadMs);
        o.put("latency_p50_s", at(lat, 0.5));
        o.put("latency_p99_s", at(lat, 0.99));
        o.put("ttft_p50_s", at(first, 0.5));
        o.put("ttft_p99_s", at(first, 0.99));
        long withinSlo = Arrays.stream(lat).filter(l -> l <= slo).count();
        o.put("throughput_rps", done / spanSeconds);
        o.put("throughput_within_slo_rps", withinSlo / spanSeconds);
        o.put("cost_gpu_s_per_request", costPerRequest());
        o.put("normalised_throughput", ref.costPerRequest() / costPerRequest());
        o.put("latency_p50_change", at(lat, 0.5) / at(refLat, 0.5) - 1);
        o.put("latency_p99_change", at(lat, 0.99) / at(refLat, 0.99) - 1);
        o.put("decision_overhead_ms_p50", at(overhead, 0.5));
        o.put("decision_overhead_ms_p99", at(overhead, 0.99));
        o.put("judge_verdicts", judgments);
        o.set("latency_cdf", cdf(lat));
        o.set("ttft_cdf", cdf(first));
        o.set("timeline", timeline(spanSeconds));
        return o;
    }

    /** A model's answers vary by the generation noise; a cached answer does not vary. */
    private static double variance(String servedBy, double noise) {
        return servedBy.equals("cache") ? 0 : noise * noise;
    }

    private ArrayNode timeline(double spanSeconds) {
        ArrayNode out = Json.object().arrayNode();
        int buckets = TIMELINE_BUCKETS;
        double width = Math.max(1e-9, spanSeconds / buckets);
        double start = arrivedAt.length == 0 ? 0 : arrivedAt[0];
        int[] count = new int[buckets];
        int[] off = new int[buckets];
        double[] load = new double[buckets];
        for (int i = 0; i < arrivedAt.length; i++) {
            int b = Math.min(buckets - 1, (int) ((arrivedAt[i] - start) / width));
            count[b]++;
            load[b] += largeLoad[i];
            if (servedBy[i] != null && !servedBy[i].equals(Policies.LARGE)) {
                off[b]++;
            }
        }
        for (int b = 0; b < buckets; b++) {
            ObjectNode p = out.addObject();
            p.put("t_s", b * width);
            p.put("requests", count[b]);
            p.put("offload_ratio", count[b] == 0 ? 0 : off[b] / (double) count[b]);
            p.put("large_load", count[b] == 0 ? 0 : load[b] / count[b]);
        }
        return out;
    }

    /** {@link #CDF_POINTS} points (value, fraction at or below it) of sorted values. */
    private static ArrayNode cdf(double[] sorted) {
        ArrayNode out = Json.object().arrayNode();
        if (sorted.length == 0) {
            return out;
        }
        for (int k = 1; k <= CDF_POINTS; k++) {
            double f = k / (double) CDF_POINTS;
            out.addArray().add(at(sorted, f)).add(f);
        }
        return out;
    }

    /** The values that were measured (not NaN), in ascending order. */
    private static double[] sorted(double[] values) {
        return Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
    }

    /** The nearest-rank {@code p} quantile of sorted values; NaN when there are none. */
    private static double at(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }
}
