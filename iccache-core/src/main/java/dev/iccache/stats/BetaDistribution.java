package dev.iccache.stats;

import java.util.random.RandomGenerator;

/** Draws from Beta(a, b), as the ratio of two Gamma draws (Marsaglia and Tsang, with the boost for shapes below 1). */
public final class BetaDistribution {
    private BetaDistribution() {
    }

    /** One draw from Beta(a, b); a, b > 0. */
    public static double sample(RandomGenerator r, double a, double b) {
        double x = gamma(r, a);
        double y = gamma(r, b);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    private static double gamma(RandomGenerator r, double shape) {
        if (shape < 1) {
            return gamma(r, shape + 1) * Math.pow(r.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = r.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = r.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
