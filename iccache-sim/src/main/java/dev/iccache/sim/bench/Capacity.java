package dev.iccache.sim.bench;

import java.util.function.DoubleUnaryOperator;

/**
 * A policy's capacity, measured (EVALUATION.md §2.6): the highest offered rate (Poisson arrivals)
 * at which at least {@link #WITHIN_SLO} of the requests finish within the latency SLO. Found by
 * bracketing (the rate grows or shrinks by half until one side holds and the other fails) and then
 * {@link #BISECTIONS} bisections, so within about 3% of the bracket. Rates above {@code max} are
 * not tried: a run of a fixed number of requests at a higher rate would be too short to tell a
 * sustained rate from a burst the batch slots absorb; a capacity at {@code max} is a lower bound.
 */
final class Capacity {
    /** Share of requests that must finish within the SLO. */
    static final double WITHIN_SLO = 0.95;
    static final int BISECTIONS = 4;
    private static final int MAX_STEPS = 10;

    private Capacity() {
    }

    /**
     * @param withinSlo the share of requests finishing within the SLO at an offered rate (runs the policy)
     * @param start     the first rate to try
     * @param max       the highest rate that can be told apart
     * @return the capacity in requests per second (0 when even the lowest tried rate fails)
     */
    static double find(DoubleUnaryOperator withinSlo, double start, double max) {
        double rate = Math.min(start, max);
        double ok = 0;
        double fail = Double.NaN;
        boolean holds = withinSlo.applyAsDouble(rate) >= WITHIN_SLO;
        for (int step = 0; step < MAX_STEPS; step++) {
            if (holds) {
                ok = rate;
                if (rate >= max) {
                    return max;
                }
                rate = Math.min(max, rate * 1.5);
            } else {
                fail = rate;
                rate /= 1.5;
            }
            boolean next = withinSlo.applyAsDouble(rate) >= WITHIN_SLO;
            if (next != holds) {
                if (next) {
                    ok = rate;
                } else {
                    fail = rate;
                }
                break;
            }
            holds = next;
        }
        if (Double.isNaN(fail) || ok == 0) {
            return ok;
        }
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (ok + fail) / 2;
            if (withinSlo.applyAsDouble(mid) >= WITHIN_SLO) {
                ok = mid;
            } else {
                fail = mid;
            }
        }
        return ok;
    }
}
