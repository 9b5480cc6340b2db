package dev.iccache.select;

import dev.iccache.bank.ExampleStats;
import java.util.Arrays;
import java.util.List;

/**
 * The features of one (request, example, target model) triple that the utility model scores
 * (IC-Cache §4.1, stage 2): dense values, each scaled to about [−1, 1], and the example's cluster of
 * the bank ({@link BankClusters}), in which a learned model keeps a per-cluster effect so that what
 * was learned about some examples carries over to the others of their cluster. Besides relevance
 * (similarity) and what is known of the example (quality, producer, length): the example's own
 * probe record ({@code example_gain}, {@code example_evidence}) and whether it is in the request's
 * own cluster ({@code same_cluster}). The example's id lets a learned model keep an effect per
 * example as well (what probes of sets taught about this one example).
 *
 * @param values  the dense features, in the order of {@link #NAMES}
 * @param cluster the example's cluster of the bank, −1 when the bank is not clustered yet
 * @param example the example's id, empty when unknown (no per-example effect)
 */
public record UtilityFeatures(double[] values, int cluster, String example) {
    /** Dense feature names, in order; also written into checkpoints to detect a changed layout. */
    public static final List<String> NAMES = List.of("bias", "similarity", "similarity_sq", "example_gain",
            "example_evidence", "same_cluster", "quality", "quality_known", "producer_strength", "example_length",
            "request_length");

    /** Quality assumed for an example without an estimate. */
    static final double UNKNOWN_QUALITY = 0.5;

    public UtilityFeatures {
        if (values.length != NAMES.size()) {
            throw new IllegalArgumentException("expected " + NAMES.size() + " features, got " + values.length);
        }
        values = values.clone();
        example = example == null ? "" : example;
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
     * @param cluster          the example's cluster of the bank (−1: not clustered)
     * @param sameCluster      whether the example is in the request's cluster
     * @param example          the example's id
     */
    public static UtilityFeatures of(double similarity, double quality, double producerCost, double targetCost,
            int exampleTokens, int contextWindow, ExampleStats stats, int requestTokens, int cluster,
            boolean sameCluster, String example) {
        boolean known = !Double.isNaN(quality);
        double q = known ? quality : UNKNOWN_QUALITY;
        double strength = Double.isNaN(producerCost) ? 0
                : clamp(Math.log10(producerCost / targetCost), -1, 1);
        double judged = stats.wins() + stats.losses();
        return new UtilityFeatures(new double[] {
            1,
            similarity,
            similarity * similarity,
            (stats.wins() - stats.losses()) / (judged + 2.0),
            clamp(Math.log1p(judged) / 4, 0, 1),
            sameCluster ? 1 : 0,
            q,
            known ? 1 : 0,
            strength,
            clamp(exampleTokens / (double) contextWindow, 0, 1),
            clamp(Math.log1p(requestTokens) / 8, 0, 1),
        }, cluster, example);
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
        return o instanceof UtilityFeatures f && Arrays.equals(values, f.values) && cluster == f.cluster
                && example.equals(f.example);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(values) + cluster) + example.hashCode();
    }

    @Override
    public String toString() {
        return "UtilityFeatures" + Arrays.toString(values) + " cluster " + cluster + " example " + example;
    }
}
