package dev.iccache.select;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;
import java.util.random.RandomGenerator;

/**
 * The global utility threshold τ and its periodic re-tuning (IC-Cache §4.1): a small sample of
 * requests runs with a threshold drawn from a grid; once enough of them are judged, τ becomes the
 * grid value with the most successful offloads per sampled request among those whose judged win
 * rate stays at or above the quality floor. Thread-safe.
 */
public final class ThresholdTuner {
    /** Candidate thresholds. */
    static final double[] GRID = {0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8};
    /** Judged samples a grid value needs before it can be chosen. */
    static final int MIN_SAMPLES = 30;
    /** Most recent judged samples kept. */
    static final int CAPACITY = 5000;

    private final double sampleRate;
    private final double qualityFloor;
    private final RandomGenerator random;
    private final Deque<double[]> samples = new ArrayDeque<>();
    private volatile double threshold;

    /**
     * @param initial      τ until the first tuning
     * @param sampleRate   fraction of requests that run with a grid threshold
     * @param qualityFloor lowest judged win rate (augmented vs reference) a threshold may have
     * @param random       draws the sampled requests and their thresholds
     */
    public ThresholdTuner(double initial, double sampleRate, double qualityFloor, RandomGenerator random) {
        this.threshold = initial;
        this.sampleRate = sampleRate;
        this.qualityFloor = qualityFloor;
        this.random = random;
    }

    /** The threshold in force. */
    public double threshold() {
        return threshold;
    }

    /** The threshold for one request: usually τ, for a sampled request a grid value. */
    public synchronized double thresholdForRequest() {
        return random.nextDouble() < sampleRate ? GRID[random.nextInt(GRID.length)] : threshold;
    }

    /**
     * Records a judged request.
     *
     * @param thresholdUsed the threshold the request ran with
     * @param usedExamples  whether it got any example
     * @param won           whether its response was judged at least as good as the reference
     */
    public synchronized void record(double thresholdUsed, boolean usedExamples, boolean won) {
        samples.addLast(new double[] {thresholdUsed, usedExamples ? 1 : 0, won ? 1 : 0});
        if (samples.size() > CAPACITY) {
            samples.removeFirst();
        }
    }

    /** Re-tunes τ from the samples; returns the new value when it changed. */
    public synchronized OptionalDouble tune() {
        double best = threshold;
        double bestGain = -1;
        for (double tau : GRID) {
            int n = 0;
            int augmented = 0;
            int wins = 0;
            for (double[] s : samples) {
                if (Math.abs(s[0] - tau) < 1e-9) {
                    n++;
                    if (s[1] > 0) {
                        augmented++;
                        wins += (int) s[2];
                    }
                }
            }
            if (n < MIN_SAMPLES || augmented == 0 || wins / (double) augmented < qualityFloor) {
                continue;
            }
            double gain = wins / (double) n;
            if (gain > bestGain) {
                bestGain = gain;
                best = tau;
            }
        }
        if (best != threshold) {
            threshold = best;
            return OptionalDouble.of(best);
        }
        return OptionalDouble.empty();
    }
}
