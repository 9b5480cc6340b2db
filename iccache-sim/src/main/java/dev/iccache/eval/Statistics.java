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

    /**
     * 95% interval of the mean: mean ± t · s / √n, t the 97.5% quantile of Student's t with n − 1
     * degrees of freedom (the normal 1.96 beyond 30); NaN below two values.
     */
    public static Interval meanInterval(double[] v) {
        if (v.length < 2) {
            return new Interval(Double.NaN, Double.NaN);
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        int df = v.length - 1;
        double t = df <= T975.length ? T975[df - 1] : Z95;
        double half = t * Math.sqrt(ss / df / v.length);
        return new Interval(m - half, m + half);
    }

    /** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

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
