package dev.iccache.route;

import dev.iccache.stats.MeanPrefix;
import java.util.Arrays;

/**
 * Which requests the load bias may offload when {@code router.quality-target} is set: those whose
 * predicted preference against the large model is at least a threshold chosen so that, over the
 * recent requests, the ones at or above it keep a mean predicted preference of at least an aim.
 * Taking requests in order of their prediction while their surplus above the aim pays for their
 * shortfalls offloads the most requests a mean can allow. The predictions are the router's
 * (posterior means), and the requests chosen for being predicted high are on average predicted too
 * high; so the aim starts at the target and follows what the judge says of offloaded answers
 * ({@link #observe}): each judged preference p moves it by {@link #STEP}·(target − p), until the
 * judged offloaded answers average the target.
 */
final class OffloadThreshold {
    /** Recent predictions the threshold is chosen from. */
    static final int WINDOW = 512;
    /** The threshold is chosen again after this many new predictions. */
    static final int REFRESH = 32;
    /** How far one judged offloaded answer moves the aim, per unit of its distance from the target. */
    static final double STEP = 0.01;

    private final double target;
    private final double[] window = new double[WINDOW];
    private int size;
    private int next;
    private int sinceRefresh;
    private double threshold = Double.POSITIVE_INFINITY;
    private double aim;

    /** @param target the mean predicted preference to keep, in (0, 1) */
    OffloadThreshold(double target) {
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("target must be in (0, 1), got " + target);
        }
        this.target = target;
        this.aim = target;
    }

    /**
     * Learns the judge's preference (in [0, 1]) for an offloaded answer against the large model's:
     * below the target, the aim rises (fewer offloads); above, it falls.
     */
    synchronized void observe(double preference) {
        aim = Math.max(0.01, Math.min(0.99, aim + STEP * (target - preference)));
    }

    /** The mean predicted preference the threshold is chosen for now. */
    synchronized double aim() {
        return aim;
    }

    /** The cut in force: the load bias may offload requests predicted at least this. */
    synchronized double threshold() {
        return threshold;
    }

    /**
     * Records a request's best predicted preference among the small models and returns the
     * threshold now in force: the load bias may offload to a small model predicted at least that.
     */
    synchronized double update(double predicted) {
        window[next] = predicted;
        next = (next + 1) % WINDOW;
        size = Math.min(size + 1, WINDOW);
        if (++sinceRefresh >= REFRESH || size <= REFRESH) {
            sinceRefresh = 0;
            threshold = choose(Arrays.copyOf(window, size), aim);
        }
        return threshold;
    }

    /**
     * The lowest prediction such that all predictions at or above it have a mean of at least
     * {@code target}; positive infinity when even the highest is below it.
     */
    static double choose(double[] predictions, double target) {
        double[] descending = Arrays.stream(predictions).map(p -> -p).sorted().map(p -> -p).toArray();
        int taken = MeanPrefix.longest(descending, target);
        // Equal predictions are taken together: back off to where the next one is lower. Prefix means
        // of a descending list fall monotonically, so the shorter prefix still keeps the target.
        while (taken > 0 && taken < descending.length && descending[taken] == descending[taken - 1]) {
            taken--;
        }
        return taken == 0 ? Double.POSITIVE_INFINITY : descending[taken - 1];
    }
}
