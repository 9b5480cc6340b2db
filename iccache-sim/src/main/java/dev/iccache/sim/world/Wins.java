package dev.iccache.sim.world;

import dev.iccache.stats.MeanPrefix;
import dev.iccache.stats.Normal;
import java.util.stream.IntStream;

/** How answers are scored against the large model's by the hidden truth: chances of winning, and parity. */
public final class Wins {
    private Wins() {
    }

    /**
     * The chance that an answer beats the reference (ties, within {@code tie}, count half) when its
     * expected quality is {@code d} higher and the difference has Gaussian noise of sd {@code sd}
     * (clipping to [0, 1] ignored).
     */
    public static double expected(double d, double tie, double sd) {
        if (sd == 0) {
            return Math.abs(d) < tie ? 0.5 : d > 0 ? 1 : 0;
        }
        double below = Normal.cdf((-tie - d) / sd);
        double within = Normal.cdf((tie - d) / sd) - below;
        return 1 - below - within + 0.5 * within;
    }

    /**
     * How many of these answers a router that knew each one's chance of beating the large answer
     * could keep while the expected win rate over all requests stays at the large model's own 0.5
     * (the others answered by the large model, counting a half each): the answers most likely to
     * win, in order, as long as their wins above 0.5 pay for their losses. A ceiling on offload at
     * equal quality for these answers, not a policy.
     */
    public static int parityCount(double[] winChance) {
        return parityCount(winChance, winChance);
    }

    /**
     * As {@link #parityCount(double[])}, for a router that knows only {@code score} (higher: more
     * likely to win) and keeps the answers in its order: the most it can keep with the expected win
     * rate still 0.5.
     */
    public static int parityCount(double[] winChance, double[] score) {
        double[] ranked = IntStream.range(0, winChance.length).boxed()
                .sorted((a, b) -> Double.compare(score[b], score[a]))
                .mapToDouble(i -> winChance[i]).toArray();
        return MeanPrefix.longest(ranked, 0.5);
    }
}
