package dev.iccache.sim.world;

import dev.iccache.bank.Vectors;
import dev.iccache.stats.MeanPrefix;
import dev.iccache.stats.Normal;
import java.util.List;
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

    /** Examples whose similarities {@link #visible} lists, most similar first (the selections' size). */
    static final int VISIBLE_EXAMPLES = 5;

    /**
     * What a router sees of a request answered with these examples, as features: the request's
     * embedding, the number of examples over {@value #VISIBLE_EXAMPLES}, and their cosines to the
     * request in descending order (the first {@value #VISIBLE_EXAMPLES}; 0 where there are fewer).
     * Nothing hidden.
     */
    public static double[] visible(float[] request, List<float[]> examples) {
        double[] x = new double[request.length + 1 + VISIBLE_EXAMPLES];
        for (int j = 0; j < request.length; j++) {
            x[j] = request[j];
        }
        x[request.length] = examples.size() / (double) VISIBLE_EXAMPLES;
        double[] cos = examples.stream().mapToDouble(e -> -Vectors.dot(request, e)).sorted().toArray();
        for (int k = 0; k < Math.min(VISIBLE_EXAMPLES, cos.length); k++) {
            x[request.length + 1 + k] = -cos[k];
        }
        return x;
    }

    /**
     * As {@link #parityCount(double[], double[])} for a router that ranks by what it sees
     * ({@code visible}, one row per answer, e.g. {@link #visible}) and learned the chances from it
     * as well as a linear model can: ridge regression on the true chances themselves, no noise,
     * each answer scored by the fit on the others (5-fold). Optimistic for a linear router of these
     * features, which learns from judged verdicts; 0 with fewer than 10 answers.
     */
    public static int parityCountLearned(double[] winChance, double[][] visible) {
        if (winChance.length < 2 * Ridge.FOLDS) {
            return 0;
        }
        return parityCount(winChance, Ridge.outOfFold(visible, winChance));
    }
}
