package dev.iccache.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.stats.Cholesky;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Linear Thompson sampling (Agrawal and Goyal 2013) with one Bayesian linear regression per arm:
 * the expected reward of arm a for context x is θ_a·x, with posterior N(A⁻¹b, v²A⁻¹),
 * {@code A = λI + Σ xxᵀ}, {@code b = Σ r x}. Every update fades the old evidence of every arm by a
 * factor ({@code forgetting}), so an arm that is rarely chosen regains uncertainty, is explored
 * again, and the bandit re-adapts when an arm gets better or worse (drift). Besides its state the
 * bandit keeps what it learned since it was last drained ({@link BanditStatistics}, a delta), which
 * {@link RouterSync} shares with other gateways' bandits.
 * Updates are serialised; reads use an immutable posterior snapshot and never block.
 */
public final class LinearThompsonBandit {
    private final int dimension;
    private final double lambda;
    private final double noise;
    private final double forgetting;
    private final Posterior prior;
    /** What was learned since the prior (written under this lock). */
    private volatile BanditStatistics state;
    /** What was learned since the last {@link #drain} (guarded by this). */
    private BanditStatistics pending = BanditStatistics.NO_CHANGE;
    /** The posterior of each arm of {@link #state}. */
    private volatile Map<String, Posterior> posteriors = Map.of();

    /**
     * @param dimension  context length
     * @param lambda     prior precision (ridge strength)
     * @param noise      v: scale of posterior sampling (exploration)
     * @param forgetting weight kept by old evidence per update, in (0, 1]; 1 = never forget
     */
    public LinearThompsonBandit(int dimension, double lambda, double noise, double forgetting) {
        if (dimension < 1 || !(lambda > 0) || noise < 0 || !(forgetting > 0 && forgetting <= 1)) {
            throw new IllegalArgumentException("invalid bandit parameters");
        }
        this.dimension = dimension;
        this.lambda = lambda;
        this.noise = noise;
        this.forgetting = forgetting;
        this.prior = Posterior.of(BanditStatistics.Arm.prior(dimension, lambda));
        this.state = BanditStatistics.prior(lambda);
    }

    public int dimension() {
        return dimension;
    }

    /** Posterior mean reward of an arm for a context (the prior mean, 0, for an arm never updated). */
    public double mean(String arm, double[] x) {
        return posterior(arm).mean(x);
    }

    /** Posterior standard deviation of an arm's expected reward for a context. */
    public double stddev(String arm, double[] x) {
        return posterior(arm).stddev(x, noise);
    }

    /** A Thompson sample of an arm's expected reward for a context. */
    public double sample(String arm, double[] x, RandomGenerator random) {
        Posterior p = posterior(arm);
        return p.mean(x) + random.nextGaussian() * p.stddev(x, noise);
    }

    /** Learns one observed reward of an arm in a context. */
    public synchronized void update(String arm, double[] x, double reward) {
        check(x);
        BanditStatistics learned = BanditStatistics.observation(arm, x, reward);
        pending = pending.then(learned, forgetting);
        set(state.then(learned, forgetting));
    }

    /** Updates seen by an arm. */
    public long updates(String arm) {
        BanditStatistics.Arm a = state.arms().get(arm);
        return a == null ? 0 : a.updates();
    }

    private Posterior posterior(String arm) {
        return posteriors.getOrDefault(arm, prior);
    }

    private void check(double[] x) {
        if (x.length != dimension) {
            throw new IllegalArgumentException("context has " + x.length + " features, expected " + dimension);
        }
    }

    /** Replaces the state and its posteriors; holds the lock. */
    private void set(BanditStatistics next) {
        Map<String, Posterior> p = new HashMap<>();
        next.arms().forEach((name, arm) -> p.put(name, Posterior.of(arm)));
        state = next;
        posteriors = Map.copyOf(p);
    }

    /**
     * Takes what was learned since the last drain, and starts afresh: the delta to apply to a shared state;
     * with {@code whole}, the whole state as a delta from the prior (to seed a shared state there is none of).
     */
    synchronized BanditStatistics drain(boolean whole) {
        BanditStatistics drained = whole ? state.sincePrior() : pending;
        pending = BanditStatistics.NO_CHANGE;
        return drained;
    }

    /** Gives back what {@link #drain} took and could not be shared, as learned before what was learned since. */
    synchronized void requeue(BanditStatistics drained) {
        pending = drained.then(pending, forgetting);
    }

    /** Takes {@code shared} as the state, followed by what was learned since the last drain. */
    synchronized void rebase(BanditStatistics shared) {
        set(shared.then(pending, forgetting));
    }

    /** The state of another bandit's {@link #toJson()}; empty when it has another dimension. */
    Optional<BanditStatistics> parse(JsonNode root) {
        return BanditStatistics.fromJson(root, dimension, lambda);
    }

    /** The state of a bandit that learned nothing. */
    BanditStatistics priorState() {
        return BanditStatistics.prior(lambda);
    }

    /** Weight old evidence keeps per update. */
    double forgetting() {
        return forgetting;
    }

    /** The bandit as JSON (precision matrices and reward vectors per arm), for checkpoints. */
    public ObjectNode toJson() {
        return state.toJson(dimension);
    }

    /** Writes {@link #toJson()} atomically (temporary file, then rename). */
    public void save(Path file) {
        Json.writeAtomically(file, toJson());
    }

    /**
     * Restores the arms saved at {@code file} when it exists; false when it does not or has another
     * layout (logged). An unreadable file fails, naming it.
     */
    public boolean restore(Path file) {
        Optional<JsonNode> root = Json.readState(file, "router checkpoint", "start afresh");
        if (root.isEmpty()) {
            return false;
        }
        if (restore(root.get())) {
            return true;
        }
        System.getLogger(LinearThompsonBandit.class.getName()).log(System.Logger.Level.WARNING,
                "router checkpoint {0} has another layout; starting afresh", file);
        return false;
    }

    /** Restores the state of {@link #toJson()}; false (nothing restored) when the dimension differs. */
    public synchronized boolean restore(JsonNode root) {
        Optional<BanditStatistics> restored = parse(root);
        restored.ifPresent(this::set);
        return restored.isPresent();
    }

    /** θ = A⁻¹b and the Cholesky factor L of A (A = LLᵀ), immutable. */
    private record Posterior(double[] theta, double[][] chol) {
        static Posterior of(BanditStatistics.Arm arm) {
            double[][] l = Cholesky.factor(arm.precision());
            return new Posterior(Cholesky.solve(l, arm.b()), l);
        }

        double mean(double[] x) {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += theta[i] * x[i];
            }
            return s;
        }

        /** v·sqrt(xᵀA⁻¹x), computed as v·|L⁻¹x|. */
        double stddev(double[] x, double noise) {
            double[] y = Cholesky.forward(chol, x);
            double s = 0;
            for (double v : y) {
                s += v * v;
            }
            return noise * Math.sqrt(s);
        }
    }
}
