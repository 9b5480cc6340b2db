package dev.iccache.eval;

/**
 * Confidence intervals and correlation for the evaluations: Wilson score intervals for shares,
 * normal-approximation intervals for means (both at 95%), and Pearson's r.
 */
public final class Statistics {
    /** z of a two-sided 95% interval. */
    static final double Z95 = 1.959963984540054;

    private Statistics() {
    }

    /** An interval [low, high]. */
    public record Interval(double low, double high) {
    }

    /** Wilson score 95% interval of a share of {@code successes} in {@code n} trials (Wilson 1927). */
    public static Interval wilson(double successes, int n) {
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN);
        }
        double p = successes / n;
        double z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /** Mean of the values. */
    public static double mean(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** 95% interval of the mean: mean ± z · s / √n (normal approximation; NaN below two values). */
    public static Interval meanInterval(double[] v) {
        if (v.length < 2) {
            return new Interval(Double.NaN, Double.NaN);
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        double half = Z95 * Math.sqrt(ss / (v.length - 1) / v.length);
        return new Interval(m - half, m + half);
    }

    /** Pearson's correlation of paired values; NaN with fewer than three pairs or no spread. */
    public static double pearson(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("pearson needs pairs: " + x.length + " vs " + y.length);
        }
        if (x.length < 3) {
            return Double.NaN;
        }
        double mx = mean(x);
        double my = mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }
}
