package dev.iccache.eval;

import dev.iccache.eval.CallPerformance.Point;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Call-performance curves of binary routers on prompts with recorded outcomes of a weak and a
 * strong model: a scoring router swept over its threshold (RouteLLM's sweep and the full one), the
 * random router and the oracle.
 */
public final class ThresholdSweep {
    private ThresholdSweep() {
    }

    /**
     * RouteLLM's sweep ({@code benchmarks.py}): the thresholds are the 0, 1/bins, …, 1 quantiles of
     * the scores (linear interpolation, as {@code pandas.qcut}); at each threshold but the last a
     * prompt goes to the strong model when its score is at least the threshold, at the last (the
     * maximum) when its score is above it. The curve thus runs from all-strong to all-weak.
     */
    public static List<Point> quantileSweep(double[] score, double[] weak, double[] strong, int bins) {
        check(score, weak, strong);
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be positive: " + bins);
        }
        double[] sorted = score.clone();
        Arrays.sort(sorted);
        List<Point> curve = new ArrayList<>(bins + 1);
        for (int i = 0; i <= bins; i++) {
            double t = quantile(sorted, (double) i / bins);
            boolean last = i == bins;
            int calls = 0;
            double total = 0;
            for (int p = 0; p < score.length; p++) {
                boolean toStrong = last ? score[p] > t : score[p] >= t;
                calls += toStrong ? 1 : 0;
                total += toStrong ? strong[p] : weak[p];
            }
            curve.add(new Point((double) calls / score.length, total / score.length));
        }
        return curve;
    }

    /**
     * Every threshold: the strong model takes the prompts whose score is at least t, for every
     * distinct score t, plus the all-weak point. Ties in score move together.
     */
    public static List<Point> fullSweep(double[] score, double[] weak, double[] strong) {
        check(score, weak, strong);
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        double total = 0;
        for (double w : weak) {
            total += w;
        }
        List<Point> curve = new ArrayList<>();
        curve.add(new Point(0, total / n));
        int i = 0;
        while (i < n) {
            double t = score[order[i]];
            while (i < n && score[order[i]] == t) {
                total += strong[order[i]] - weak[order[i]];
                i++;
            }
            curve.add(new Point((double) i / n, total / n));
        }
        return curve;
    }

    /**
     * The random router's expected curve at shares 0, 1/bins, …, 1: a share s of prompts chosen
     * at random gives q_weak + s·(q_strong − q_weak), so PGR(s) = s, APGR = 0.5, CPT(x) = x.
     */
    public static List<Point> random(double weakMean, double strongMean, int bins) {
        List<Point> curve = new ArrayList<>(bins + 1);
        for (int i = 0; i <= bins; i++) {
            double s = (double) i / bins;
            curve.add(new Point(s, weakMean + s * (strongMean - weakMean)));
        }
        return curve;
    }

    /**
     * The oracle at shares 0, 1/bins, …, 1: with a budget of s·n strong calls (fractional calls
     * count pro rata) it sends the prompts where the strong model gains most over the weak one,
     * and never a prompt where it gains nothing. For 0/1 outcomes this is RouteLLM's
     * {@code get_optimal_accuracy}: weak correct + min(calls, prompts only the strong model gets right).
     */
    public static List<Point> oracle(double[] weak, double[] strong, int bins) {
        double[] gains = positiveGainsDescending(weak, strong);
        int n = weak.length;
        double base = Arrays.stream(weak).sum();
        double[] prefix = new double[gains.length + 1];
        for (int i = 0; i < gains.length; i++) {
            prefix[i + 1] = prefix[i] + gains[i];
        }
        List<Point> curve = new ArrayList<>(bins + 1);
        for (int i = 0; i <= bins; i++) {
            double s = (double) i / bins;
            double budget = s * n;
            int whole = (int) Math.min(Math.floor(budget), gains.length);
            double extra = whole < gains.length ? (budget - whole) * gains[whole] : 0;
            curve.add(new Point(s, (base + prefix[whole] + extra) / n));
        }
        return curve;
    }

    /** The oracle at every whole number of strong calls, 0..n (its exact curve). */
    public static List<Point> oracleFull(double[] weak, double[] strong) {
        double[] gains = positiveGainsDescending(weak, strong);
        int n = weak.length;
        double total = Arrays.stream(weak).sum();
        List<Point> curve = new ArrayList<>(n + 1);
        curve.add(new Point(0, total / n));
        for (int k = 1; k <= n; k++) {
            total += k <= gains.length ? gains[k - 1] : 0;
            curve.add(new Point((double) k / n, total / n));
        }
        return curve;
    }

    /** The q-quantile of sorted values, linearly interpolated (NumPy's and pandas' default). */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double[] positiveGainsDescending(double[] weak, double[] strong) {
        if (weak.length != strong.length || weak.length == 0) {
            throw new IllegalArgumentException("one weak and one strong outcome per prompt, at least one prompt");
        }
        double[] gains = new double[weak.length];
        int k = 0;
        for (int i = 0; i < weak.length; i++) {
            double g = strong[i] - weak[i];
            if (g > 0) {
                gains[k++] = g;
            }
        }
        double[] positive = Arrays.copyOf(gains, k);
        Arrays.sort(positive);
        for (int i = 0, j = k - 1; i < j; i++, j--) {
            double t = positive[i];
            positive[i] = positive[j];
            positive[j] = t;
        }
        return positive;
    }

    /** Mean of values. */
    public static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static void check(double[] score, double[] weak, double[] strong) {
        if (score.length == 0 || score.length != weak.length || score.length != strong.length) {
            throw new IllegalArgumentException("one score, weak and strong outcome per prompt, at least one prompt");
        }
    }
}
