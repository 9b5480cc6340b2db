package dev.iccache.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Summary of nearest-neighbour similarities, one per request; a request without any neighbour
 * (the first one in stream order) has similarity −∞ and counts as having no similar request.
 * Cosines of identical texts can exceed 1 by float rounding; they count as 1.
 */
public final class SimilarityStats {
    /** Similarities at which the CDF is reported: 0.00, 0.02, …, 1.00. */
    public static final int CDF_STEPS = 50;

    private final double[] sorted;

    public SimilarityStats(double[] similarities) {
        if (similarities.length == 0) {
            throw new IllegalArgumentException("no similarities");
        }
        sorted = Arrays.stream(similarities).map(v -> Math.min(v, 1.0)).sorted().toArray();
    }

    public int n() {
        return sorted.length;
    }

    /** Fraction of requests whose nearest neighbour has similarity ≥ t. */
    public double fractionAtLeast(double t) {
        return (double) (sorted.length - lowerBound(t)) / sorted.length;
    }

    /** Empirical CDF: fraction of requests whose nearest-neighbour similarity is ≤ s. */
    public double cdf(double s) {
        return (double) upperBound(s) / sorted.length;
    }

    /** CDF points [s, fraction ≤ s] at s = 0, 1/{@link #CDF_STEPS}, …, 1. */
    public List<double[]> cdfPoints() {
        List<double[]> points = new ArrayList<>(CDF_STEPS + 1);
        for (int i = 0; i <= CDF_STEPS; i++) {
            double s = (double) i / CDF_STEPS;
            points.add(new double[] {s, cdf(s)});
        }
        return points;
    }

    /** The q-quantile (lower empirical quantile: the smallest value with at least q of the requests at or below it). */
    public double quantile(double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** First index with sorted[i] ≥ t. */
    private int lowerBound(double t) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First index with sorted[i] > s. */
    private int upperBound(double s) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= s) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
