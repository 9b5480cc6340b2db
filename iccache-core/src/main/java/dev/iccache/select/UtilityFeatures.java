package dev.iccache.select;

import dev.iccache.bank.ExampleStats;
import java.util.Arrays;
import java.util.List;

/**
 * The features of one (request, example, target model) triple that the utility model scores
 * (IC-Cache §4.1, stage 2). Every feature is scaled to about [−1, 1]. Besides relevance
 * (similarity) and what is known of the example (quality, producer, length), two kinds of
 * evidence from exploration probes (docs/selection.md): the example's own record of helping or not
 * ({@code example_gain}, {@code example_evidence}), and the probes of the examples of its cluster of
 * the bank ({@code cluster_gain}, {@code cluster_evidence}; {@link ProbeMemory}), so that what was
 * learned about some examples carries over to the others of their cluster; and whether the example
 * is in the request's own cluster ({@code same_cluster}).
 */
public record UtilityFeatures(double[] values) {
    /** Feature names, in order; also written into checkpoints to detect a changed layout. */
    public static final List<String> NAMES = List.of("bias", "similarity", "similarity_sq", "example_gain",
            "example_evidence", "cluster_gain", "cluster_evidence", "same_cluster", "similarity_x_cluster_gain",
            "same_cluster_x_cluster_gain", "quality", "quality_known", "producer_strength", "example_length",
            "request_length");

    /** Scale of {@code cluster_gain}: gains are preference probabilities, mostly within 0.5 ± 0.1. */
    static final double GAIN_SCALE = 5;

    /** Quality assumed for an example without an estimate. */
    static final double UNKNOWN_QUALITY = 0.5;

    /**
     * Probe evidence of an example's cluster (see {@link ProbeMemory}): {@code helped} and
     * {@code hurt} are the sums of its probes' gain and 1 − gain.
     */
    public record Local(double helped, double hurt) {
        public static final Local NONE = new Local(0, 0);
    }

    public UtilityFeatures {
        if (values.length != NAMES.size()) {
            throw new IllegalArgumentException("expected " + NAMES.size() + " features, got " + values.length);
        }
        values = values.clone();
    }

    /**
     * @param similarity       cosine between the request and the example's request
     * @param quality          the example's quality estimate, NaN if unknown
     * @param producerCost     relative cost of the model that produced the example, NaN if unknown
     * @param targetCost       relative cost of the model that would read it
     * @param exampleTokens    tokens the example adds to the prompt
     * @param contextWindow    the target's context window
     * @param stats            the example's statistics (its probe record: wins helped, losses hurt)
     * @param requestTokens    tokens of the current request
     * @param cluster          the probe evidence of the example's cluster
     * @param sameCluster      whether the example is in the request's cluster
     */
    public static UtilityFeatures of(double similarity, double quality, double producerCost, double targetCost,
            int exampleTokens, int contextWindow, ExampleStats stats, int requestTokens, Local cluster,
            boolean sameCluster) {
        boolean known = !Double.isNaN(quality);
        double q = known ? quality : UNKNOWN_QUALITY;
        double strength = Double.isNaN(producerCost) ? 0
                : clamp(Math.log10(producerCost / targetCost), -1, 1);
        double judged = stats.wins() + stats.losses();
        double clusterJudged = cluster.helped() + cluster.hurt();
        // Gains sit near 0.5 (small effects under noisy judgments): the mean excess, shrunk and scaled to about ±1.
        double clusterGain = clamp(GAIN_SCALE * (cluster.helped() - cluster.hurt()) / (clusterJudged + 2.0), -1, 1);
        double same = sameCluster ? 1 : 0;
        return new UtilityFeatures(new double[] {
            1,
            similarity,
            similarity * similarity,
            (stats.wins() - stats.losses()) / (judged + 2.0),
            clamp(Math.log1p(judged) / 4, 0, 1),
            clusterGain,
            clamp(Math.log1p(clusterJudged) / 4, 0, 1),
            same,
            similarity * clusterGain,
            same * clusterGain,
            q,
            known ? 1 : 0,
            strength,
            clamp(exampleTokens / (double) contextWindow, 0, 1),
            clamp(Math.log1p(requestTokens) / 8, 0, 1),
        });
    }

    public double similarity() {
        return values[1];
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    double dot(double[] weights) {
        double s = 0;
        for (int i = 0; i < values.length; i++) {
            s += values[i] * weights[i];
        }
        return s;
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UtilityFeatures f && Arrays.equals(values, f.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "UtilityFeatures" + Arrays.toString(values);
    }
}
