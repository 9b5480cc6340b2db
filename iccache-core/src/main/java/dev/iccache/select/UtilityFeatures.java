package dev.iccache.select;

import dev.iccache.bank.ExampleStats;
import java.util.List;

/**
 * The features of one (request, example, target model) triple that the utility model scores
 * (IC-Cache §4.1, stage 2). Every feature is scaled to about [0, 1].
 */
public record UtilityFeatures(double[] values) {
    /** Feature names, in order; also written into checkpoints to detect a changed layout. */
    public static final List<String> NAMES = List.of("bias", "similarity", "similarity_sq", "quality",
            "quality_known", "producer_strength", "example_length", "win_rate", "evidence", "request_length",
            "similarity_x_quality");

    /** Quality assumed for an example without an estimate. */
    static final double UNKNOWN_QUALITY = 0.5;

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
     * @param stats            the example's statistics
     * @param requestTokens    tokens of the current request
     */
    public static UtilityFeatures of(double similarity, double quality, double producerCost, double targetCost,
            int exampleTokens, int contextWindow, ExampleStats stats, int requestTokens) {
        boolean known = !Double.isNaN(quality);
        double q = known ? quality : UNKNOWN_QUALITY;
        double strength = Double.isNaN(producerCost) ? 0
                : clamp(Math.log10(producerCost / targetCost), -1, 1);
        double judged = stats.wins() + stats.losses();
        return new UtilityFeatures(new double[] {
            1,
            similarity,
            similarity * similarity,
            q,
            known ? 1 : 0,
            strength,
            clamp(exampleTokens / (double) contextWindow, 0, 1),
            (stats.wins() + 1.0) / (judged + 2.0),
            clamp(Math.log1p(judged) / 5, 0, 1),
            clamp(Math.log1p(requestTokens) / 8, 0, 1),
            similarity * q,
        });
    }

    public double similarity() {
        return values[1];
    }

    /** Quality, with {@link #UNKNOWN_QUALITY} standing in for an unknown one. */
    public double quality() {
        return values[3];
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
        return o instanceof UtilityFeatures f && java.util.Arrays.equals(values, f.values);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "UtilityFeatures" + java.util.Arrays.toString(values);
    }
}
