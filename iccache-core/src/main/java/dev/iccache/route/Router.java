package dev.iccache.route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.random.RandomGenerator;

/**
 * Chooses the model for a request (IC-Cache §4.2): a contextual bandit over the arms (every
 * configured model; a small model's arm carries the examples selected for it) estimates each arm's
 * answer quality, Thompson-samples it, subtracts the load bias and, while the quality guard is
 * active, a handicap for small arms; the highest score wins. An arm with fewer than
 * {@code min-observations} outcomes is only run as a shadow, never served, except the default
 * model, which is always eligible. When the arms' estimates are close (spread below
 * {@code uncertainty}), an arm still needs observations, or for a share {@code min-shadow-rate} of
 * requests in any case, the decision names a shadow arm to run in the background for the judge.
 * Cost never enters the reward, only the load bias. With {@code quality-target} set, the bias offloads
 * only requests whose predicted preference clears an {@link OffloadThreshold}; the others keep the
 * large arm's cost. One router per domain: its bandit, quality guard
 * and rating baseline learn from that domain's traffic only, while the load bias (and the random
 * stream) may be shared by all domains' routers.
 */
public final class Router {
    private final RouterSettings settings;
    private final LinearThompsonBandit bandit;
    private final LoadBias loadBias;
    private final QualityGuard guard;
    private final RandomGenerator random;
    private final String defaultModel;
    private final Optional<OffloadThreshold> offload;
    /** The reward of an arm as good as its alternative: the bandit's prior mean. */
    static final double NEUTRAL = 0.5;
    /** Weight of each rating in the running share of good ratings. */
    static final double RATING_ALPHA = 0.02;
    private double ratingBase = 0.5;

    /** One candidate model for a request. */
    public record Arm(String model, boolean small, double normalisedCost, double[] context) {
    }

    /**
     * A routing decision.
     *
     * @param chosen  the model that answers
     * @param scores  each arm's final score (sample − bias − guard handicap)
     * @param spread  standard deviation of the arms' posterior means
     * @param bias    the load bias in force (before multiplying by cost)
     * @param shadow  a second arm to run in the background for the judge, if any
     */
    public record Decision(String chosen, Map<String, Double> scores, double spread, double bias,
            Optional<String> shadow) {
    }

    public Router(RouterSettings settings, LinearThompsonBandit bandit, LoadBias loadBias, QualityGuard guard,
            RandomGenerator random, String defaultModel) {
        this.settings = settings;
        this.bandit = bandit;
        this.loadBias = loadBias;
        this.guard = guard;
        this.random = random;
        this.defaultModel = defaultModel;
        this.offload = settings.qualityTarget() > 0 ? Optional.of(new OffloadThreshold(settings.qualityTarget()))
                : Optional.empty();
    }

    /**
     * @param load       large-tier utilisation now (in-flight plus queued over capacity)
     * @param mayShadow  whether a shadow run may be requested (judge budget left)
     */
    public Decision decide(List<Arm> arms, double load, boolean mayShadow) {
        double bias = loadBias.update(load);
        boolean guarded = guard.active();
        Map<String, Double> scores = new LinkedHashMap<>();
        double[] means = new double[arms.size()];
        String best = defaultModel;
        double bestScore = Double.NEGATIVE_INFINITY;
        List<Arm> unready = new ArrayList<>();
        double bestSmall = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < arms.size(); i++) {
            means[i] = estimate(arms.get(i));
            bestSmall = arms.get(i).small() ? Math.max(bestSmall, means[i]) : bestSmall;
        }
        double offloadCut = offload.isPresent() && bestSmall > Double.NEGATIVE_INFINITY
                ? offload.get().update(bestSmall) : Double.NEGATIVE_INFINITY;
        for (int i = 0; i < arms.size(); i++) {
            Arm a = arms.get(i);
            boolean ready = a.model().equals(defaultModel) || bandit.updates(a.model()) >= settings.minObservations();
            if (!ready) {
                unready.add(a);
                continue;
            }
            // A small arm the quality target does not let the bias offload bears the highest cost.
            double cost = a.small() && means[i] < offloadCut ? 1 : a.normalisedCost();
            double score = means[i] + settings.exploration() * gaussian() * bandit.stddev(a.model(), a.context())
                    - bias * cost - (guarded && a.small() ? settings.guardMargin() : 0);
            scores.put(a.model(), score);
            if (score > bestScore) {
                bestScore = score;
                best = a.model();
            }
        }
        double spread = stddev(means);
        Optional<String> shadow = Optional.empty();
        if (mayShadow && arms.size() > 1 && (spread < settings.uncertainty() || !unready.isEmpty()
                || uniform() < settings.minShadowRate())) {
            String chosen = best;
            shadow = arms.stream().filter(a -> !a.model().equals(chosen))
                    .max((x, y) -> Double.compare(sampleFor(x), sampleFor(y))).map(Arm::model);
        }
        return new Decision(best, scores, spread, bias, shadow);
    }

    private double sampleFor(Arm a) {
        synchronized (random) {
            return NEUTRAL + bandit.sample(a.model(), a.context(), random);
        }
    }

    /** An arm's estimated reward for its context (the posterior mean, on the preference scale). */
    public double estimate(Arm arm) {
        return NEUTRAL + bandit.mean(arm.model(), arm.context());
    }

    /**
     * What the router holds of an arm: its estimate, the posterior standard deviation of that estimate for the
     * arm's context, and the outcomes the arm has learned.
     */
    public record Belief(double mean, double stddev, long observations) {
    }

    /** The router's belief about an arm for its context. */
    public Belief belief(Arm arm) {
        return new Belief(estimate(arm), bandit.stddev(arm.model(), arm.context()), bandit.updates(arm.model()));
    }

    private double uniform() {
        synchronized (random) {
            return random.nextDouble();
        }
    }

    private double gaussian() {
        synchronized (random) {
            return random.nextGaussian();
        }
    }

    /**
     * Learns an arm's observed reward on the preference scale, in [0, 1]. The bandit learns it
     * centred on {@link #NEUTRAL}, so that its ridge prior pulls every arm toward "as good as the
     * alternative" whatever its context's features. Off the request thread.
     */
    public void learn(Arm arm, double reward) {
        bandit.update(arm.model(), arm.context(), Math.max(0, Math.min(1, reward)) - NEUTRAL);
    }

    /**
     * Learns a user's rating of an arm's answer. A rating is absolute and the bandit's rewards are
     * pairwise preferences, so the rating is mapped onto the preference scale against the running
     * share of good ratings r̄ (an EMA over all arms, weight {@link #RATING_ALPHA}): the reward is
     * 0.5 + (rating − r̄)/2, so a rating as good as usual says "as good as the alternative".
     */
    public void rated(Arm arm, boolean good) {
        double rating = good ? 1 : 0;
        double base;
        synchronized (this) {
            base = ratingBase;
            ratingBase += RATING_ALPHA * (rating - ratingBase);
        }
        learn(arm, 0.5 + (rating - base) / 2);
    }

    /**
     * Learns from the judgment of a served answer against a shadow run's, as {@link #judged} does;
     * a small arm's served answer judged against a large arm's also tells the quality target how
     * offloaded answers fare ({@link OffloadThreshold#observe}).
     */
    public void shadowJudged(Arm served, Arm shadow, double score) {
        judged(served, shadow, score);
        if (served.small() && !shadow.small()) {
            offload.ifPresent(o -> o.observe(Judge.preference(score)));
        }
    }

    /**
     * Learns from a pairwise judgment of two arms' answers to the same request, on the judge's
     * scale −3..+3 (positive: {@code a} better; |s| ≤ 0.3 a tie): each arm is rewarded with its
     * preference probability (s + 3) / 6. A small arm against a large one also feeds the quality guard.
     */
    public void judged(Arm a, Arm b, double score) {
        double p = Judge.preference(score);
        learn(a, p);
        learn(b, 1 - p);
        if (a.small() != b.small()) {
            boolean smallWon = a.small() ? p >= 0.5 : p <= 0.5;
            guard.record(smallWon);
        }
    }

    private static double stddev(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        return Math.sqrt(var / v.length);
    }

    /** The quality target's aim now ({@link OffloadThreshold}); empty without a target. */
    public OptionalDouble qualityAim() {
        return offload.map(o -> OptionalDouble.of(o.aim())).orElse(OptionalDouble.empty());
    }

    /**
     * The prediction above which the load bias may offload now (positive infinity: none); empty
     * without a quality target.
     */
    public OptionalDouble offloadCut() {
        return offload.map(o -> OptionalDouble.of(o.threshold())).orElse(OptionalDouble.empty());
    }

    public LoadBias loadBias() {
        return loadBias;
    }

    public QualityGuard guard() {
        return guard;
    }

    public LinearThompsonBandit bandit() {
        return bandit;
    }
}
