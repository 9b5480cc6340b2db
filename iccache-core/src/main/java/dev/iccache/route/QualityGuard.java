package dev.iccache.route;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Beyond the paper: a running estimate, from shadow judgments of a small arm against a large one,
 * of how often offloaded answers are at least as good as the large model's. When the 95% Wilson
 * upper bound falls below the floor, the guard activates and small arms are handicapped; it lifts
 * when the lower bound is back at or above the floor. Thread-safe.
 */
public final class QualityGuard {
    /** Most recent judgments kept. */
    static final int WINDOW = 200;
    private static final double Z = 1.96;

    private final double floor;
    private final Deque<Boolean> judgments = new ArrayDeque<>();
    private boolean active;

    public QualityGuard(double floor) {
        this.floor = floor;
    }

    /** Records one judgment: {@code smallWon} when the small arm's answer was at least as good. */
    public synchronized void record(boolean smallWon) {
        judgments.addLast(smallWon);
        if (judgments.size() > WINDOW) {
            judgments.removeFirst();
        }
        double[] bounds = wilson();
        if (!active && bounds[1] < floor) {
            active = true;
        } else if (active && bounds[0] >= floor) {
            active = false;
        }
    }

    public synchronized boolean active() {
        return active;
    }

    /** The estimated win rate of offloaded answers (NaN before any judgment). */
    public synchronized double estimate() {
        if (judgments.isEmpty()) {
            return Double.NaN;
        }
        return judgments.stream().filter(b -> b).count() / (double) judgments.size();
    }

    /** [lower, upper] 95% Wilson interval; [0, 1] with no data. */
    private double[] wilson() {
        int n = judgments.size();
        if (n == 0) {
            return new double[] {0, 1};
        }
        double p = estimate();
        double centre = p + Z * Z / (2 * n);
        double half = Z * Math.sqrt(p * (1 - p) / n + Z * Z / (4.0 * n * n));
        double denominator = 1 + Z * Z / n;
        return new double[] {(centre - half) / denominator, (centre + half) / denominator};
    }
}
