package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.stats.BetaDistribution;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The utility threshold τ of one domain, tuned on measured gain (IC-Cache §4.1; docs/selection.md): a
 * few candidate values, each an arm of a Beta-Bernoulli bandit whose reward is the judged
 * preference of the small model's answer with the examples selected at that τ over its answer
 * without examples (a threshold probe of the exploration budget). Probes draw their τ by Thompson
 * sampling, the initial τ kept at least half as probed as the most probed candidate: it is the
 * control. The τ in force is the candidate with the highest posterior mean among those with at
 * least {@link #MIN_SAMPLES} probes, but the initial τ (when it is a candidate) gives way only to
 * one that beats it with confidence (by {@link #Z} standard errors): the gains of neighbouring
 * thresholds differ by far less than a judge's noise, and a τ picked by noise costs what the
 * initial one gives (a cold start that does no harm). Persisted across restarts. Thread-safe.
 */
public final class ThresholdTuner {
    /** Candidate thresholds. */
    static final double[] GRID = {0.49, 0.5, 0.505, 0.51, 0.52, 0.535};
    /** Probes a candidate needs before it can be put in force. */
    static final int MIN_SAMPLES = 10;
    /** Standard errors of the difference by which a candidate must beat the initial τ (one-sided 95%). */
    static final double Z = 1.645;

    private final RandomGenerator random;
    private final double[] gained = new double[GRID.length];
    private final double[] probes = new double[GRID.length];
    private final double initial;
    /** The initial τ's index in {@link #GRID}, −1 when it is not a candidate. */
    private final int control;
    private volatile double threshold;

    /**
     * @param initial τ until a candidate has enough probes
     * @param random  draws the Thompson samples; may be shared with other tuners (draws synchronise on it)
     */
    public ThresholdTuner(double initial, RandomGenerator random) {
        this.initial = initial;
        this.control = index(initial);
        this.threshold = initial;
        this.random = random;
    }

    /** The threshold in force. */
    public double threshold() {
        return threshold;
    }

    /**
     * The threshold a threshold probe should try next: a Thompson draw over the candidates, except
     * that the initial τ, the control every other candidate is compared with, is tried whenever it
     * has fewer than half the probes of the most probed candidate.
     */
    public synchronized double sample() {
        if (control >= 0 && 2 * probes[control] < Arrays.stream(probes).max().orElse(0)) {
            return initial;
        }
        int best = 0;
        double bestDraw = -1;
        synchronized (random) {
            for (int i = 0; i < GRID.length; i++) {
                double draw = BetaDistribution.sample(random, 1 + gained[i], 1 + probes[i] - gained[i]);
                if (draw > bestDraw) {
                    bestDraw = draw;
                    best = i;
                }
            }
        }
        return GRID[best];
    }

    /**
     * Records a threshold probe and re-tunes: {@code gain} is the judged preference, in [0, 1], of
     * the answer with the examples selected at {@code tau} over the answer without examples.
     */
    public synchronized void record(double tau, double gain) {
        int i = index(tau);
        if (i < 0) {
            return;
        }
        gained[i] += Math.max(0, Math.min(1, gain));
        probes[i]++;
        int best = -1;
        for (int k = 0; k < GRID.length; k++) {
            if (probes[k] >= MIN_SAMPLES && (best < 0 || mean(k) > mean(best))) {
                best = k;
            }
        }
        if (best >= 0 && (control < 0 || best == control || mean(best) - mean(control) > Z * Math.sqrt(variance(best)
                + variance(control)))) {
            threshold = GRID[best];
        } else if (control >= 0) {
            threshold = initial;
        }
    }

    /** Posterior mean of a candidate's gain (Beta(1 + gained, 1 + probes − gained)). */
    private double mean(int k) {
        return (1 + gained[k]) / (2 + probes[k]);
    }

    private double variance(int k) {
        double m = mean(k);
        return m * (1 - m) / (3 + probes[k]);
    }

    private static int index(double tau) {
        for (int i = 0; i < GRID.length; i++) {
            if (Math.abs(GRID[i] - tau) < 1e-9) {
                return i;
            }
        }
        return -1;
    }

    /** Probes recorded so far. */
    public synchronized long probes() {
        return Math.round(Arrays.stream(probes).sum());
    }

    /** Writes the tuner's state atomically. */
    public void save(Path file) {
        Json.writeAtomically(file, shared());
    }

    /** Restores the state saved by {@link #save}; nothing happens when the file does not exist. */
    public void load(Path file) {
        Json.readState(file, "threshold checkpoint", "start afresh").ifPresent(this::adopt);
    }

    /** The tuner's state, as {@link #save} writes it, for the gateways that share a store to {@link #adopt}. */
    public synchronized ObjectNode shared() {
        ObjectNode root = Json.object();
        root.put("threshold", threshold);
        ArrayNode arms = root.putArray("candidates");
        for (int i = 0; i < GRID.length; i++) {
            arms.addObject().put("tau", GRID[i]).put("probes", probes[i]).put("gained", gained[i]);
        }
        return root;
    }

    /** Replaces the tuner's state with one {@link #shared} (on this gateway or another). */
    public synchronized void adopt(JsonNode root) {
        Arrays.fill(probes, 0);
        Arrays.fill(gained, 0);
        for (JsonNode arm : root.path("candidates")) {
            int i = index(arm.path("tau").asDouble());
            if (i >= 0) {
                probes[i] = arm.path("probes").asDouble();
                gained[i] = arm.path("gained").asDouble();
            }
        }
        threshold = root.path("threshold").asDouble(threshold);
    }
}
