package dev.iccache.sim.policy;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.route.Judge;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * {@code routellm}: a binary strong/weak router without examples, after RouteLLM (Ong et al.
 * 2024): logistic regression on the request embedding predicts whether the small model's answer is
 * as good as the large one's. Its labels come from the judged-history budget: for a seeded sample
 * of history requests (one verdict each), the small model's offline answer is judged against the
 * bank's large answer; it trains on 80% (20 epochs of seeded SGD) and tunes the routing threshold on
 * the held-out 20%: the lowest predicted probability at which the offloaded held-out requests still
 * win or tie against the large model at least at the quality floor iccache's router guards
 * ({@code router.quality-floor}), so both promise the same; or, as {@code routellm-parity}, at which
 * their mean judged preference is at least 0.5 ({@code iccache-parity}'s promise).
 */
final class RouteLlm implements Policy {
    private static final int EPOCHS = 20;
    private static final double LEARNING_RATE = 0.05;
    private static final double L2 = 1e-4;

    /**
     * A history request with whether the small model's answer was judged at least as good as the
     * large one's, and the judge's preference for it in [0, 1].
     */
    private record Labelled(float[] vector, boolean smallGoodEnough, double preference) {
    }

    private final PolicyContext ctx;
    private final String small;
    private final String large;
    private final double[] weights;
    private final double threshold;

    /**
     * @param offload    when present, the threshold is instead the one that offloads this share of the
     *                   history (a point of the quality/throughput frontier)
     * @param preference when present, the threshold is instead the lowest at which the offloaded
     *                   held-out requests' mean judged preference is at least this
     */
    RouteLlm(PolicyContext ctx, String small, String large, OptionalDouble offload, OptionalDouble preference) {
        this.ctx = ctx;
        this.small = small;
        this.large = large;
        SplittableRandom random = new SplittableRandom(ctx.runtime().seed() ^ 0x524C4CL);
        List<Labelled> all = labels(ctx, small, random);
        int dim = ctx.embedder().dimension();
        this.weights = new double[dim + 1];
        int cut = (int) Math.round(all.size() * 0.8);
        List<Labelled> train = all.subList(0, cut);
        for (int epoch = 0; epoch < EPOCHS && !train.isEmpty(); epoch++) {
            for (int i = 0; i < train.size(); i++) {
                Labelled l = train.get(random.nextInt(train.size()));
                double err = (l.smallGoodEnough() ? 1 : 0) - predict(l.vector());
                weights[dim] += LEARNING_RATE * err;
                for (int j = 0; j < dim; j++) {
                    weights[j] += LEARNING_RATE * (err * l.vector()[j] - L2 * weights[j]);
                }
            }
        }
        List<Labelled> heldOut = all.subList(cut, all.size());
        if (offload.isPresent()) {
            this.threshold = quantile(all, 1 - offload.getAsDouble());
        } else if (preference.isPresent()) {
            this.threshold = tune(heldOut, Labelled::preference, preference.getAsDouble());
        } else {
            this.threshold = tune(heldOut, l -> l.smallGoodEnough() ? 1 : 0, ctx.config().router().qualityFloor());
        }
    }

    /** One verdict per sampled history request, while the budget lasts. */
    private static List<Labelled> labels(PolicyContext ctx, String small, SplittableRandom random) {
        List<Example> bank = new ArrayList<>(ctx.bank());
        Collections.shuffle(bank, new java.util.Random(random.nextLong()));
        Judge judge = ctx.history().judge();
        List<Labelled> out = new ArrayList<>();
        for (Example e : bank) {
            if (ctx.history().remaining() == 0) {
                break;
            }
            ChatRequest request = e.request(ctx.config().virtualModel());
            String answer = ctx.history().model(small).complete(request).content();
            OptionalDouble s = judge.compare(request, answer, e.response());
            if (s.isPresent()) {
                out.add(new Labelled(e.vector(), Judge.atLeastAsGood(s.getAsDouble()),
                        Judge.preference(s.getAsDouble())));
            }
        }
        return out;
    }

    /**
     * Lowest threshold (most offload) whose offloaded held-out requests' mean {@code value} meets
     * the floor; 1.01 sends all to large.
     */
    private double tune(List<Labelled> heldOut, ToDoubleFunction<Labelled> value, double floor) {
        List<double[]> scored = new ArrayList<>(); // {p, value}
        for (Labelled l : heldOut) {
            scored.add(new double[] {predict(l.vector()), value.applyAsDouble(l)});
        }
        scored.sort((a, b) -> Double.compare(b[0], a[0]));
        double best = 1.01;
        double good = 0;
        for (int i = 0; i < scored.size(); i++) {
            good += scored.get(i)[1];
            if (good / (i + 1) >= floor) {
                best = scored.get(i)[0];
            }
        }
        return best;
    }

    /** The predicted probability below which a share {@code q} of these requests falls. */
    private double quantile(List<Labelled> labelled, double q) {
        double[] p = labelled.stream().mapToDouble(l -> predict(l.vector())).sorted().toArray();
        return p.length == 0 ? 1.01 : p[Math.min(p.length - 1, (int) Math.floor(q * p.length))];
    }

    @Override
    public Optional<String> setting() {
        return Optional.of(String.format(Locale.ROOT, "routes small when P(small good enough) >= %.3f",
                threshold));
    }

    double predict(float[] v) {
        double z = weights[weights.length - 1];
        for (int j = 0; j < v.length; j++) {
            z += weights[j] * v[j];
        }
        return 1 / (1 + Math.exp(-z));
    }

    @Override
    public Decision decide(String responseId, ChatRequest request) {
        double p = predict(ctx.embedder().embed(EmbeddingText.of(request)));
        return Decision.to(p >= threshold ? small : large, request, 0);
    }

    @Override
    public void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens) {
    }
}
