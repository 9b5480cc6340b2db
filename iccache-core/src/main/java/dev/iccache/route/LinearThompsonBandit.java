package dev.iccache.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.nio.file.Path;
import dev.iccache.stats.Cholesky;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Linear Thompson sampling (Agrawal and Goyal 2013) with one Bayesian linear regression per arm:
 * the expected reward of arm a for context x is θ_a·x, with posterior N(A⁻¹b, v²A⁻¹),
 * {@code A = λI + Σ xxᵀ}, {@code b = Σ r x}. Every update fades the old evidence of every arm by a
 * factor ({@code forgetting}), so an arm that is rarely chosen regains uncertainty, is explored
 * again, and the bandit re-adapts when an arm gets better or worse (drift).
 * Updates are serialised per arm; reads use an immutable posterior snapshot and never block.
 */
public final class LinearThompsonBandit {
    private final int dimension;
    private final double lambda;
    private final double noise;
    private final double forgetting;
    private final Map<String, Arm> arms = new ConcurrentHashMap<>();

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
    public void update(String arm, double[] x, double reward) {
        check(x);
        Arm target = arms.computeIfAbsent(arm, k -> new Arm());
        if (forgetting < 1) {
            arms.values().stream().filter(a -> a != target).forEach(Arm::fade);
        }
        target.update(x, reward);
    }

    /** Updates seen by an arm. */
    public long updates(String arm) {
        Arm a = arms.get(arm);
        return a == null ? 0 : a.updates;
    }

    private Posterior posterior(String arm) {
        Arm a = arms.get(arm);
        return a == null ? Posterior.prior(dimension, lambda) : a.posterior;
    }

    private void check(double[] x) {
        if (x.length != dimension) {
            throw new IllegalArgumentException("context has " + x.length + " features, expected " + dimension);
        }
    }

    /** The bandit as JSON (precision matrices and reward vectors per arm), for checkpoints. */
    public ObjectNode toJson() {
        ObjectNode root = Json.object();
        root.put("dimension", dimension);
        ObjectNode out = root.putObject("arms");
        arms.forEach((name, arm) -> {
            synchronized (arm) {
                ObjectNode a = out.putObject(name);
                a.put("updates", arm.updates);
                ArrayNode precision = a.putArray("precision");
                for (double[] row : arm.precision) {
                    ArrayNode r = precision.addArray();
                    for (double v : row) {
                        r.add(v);
                    }
                }
                ArrayNode b = a.putArray("b");
                for (double v : arm.b) {
                    b.add(v);
                }
            }
        });
        return root;
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

    /** Restores arms from {@link #toJson()}; false (nothing restored) when the dimension differs. */
    public boolean restore(JsonNode root) {
        if (root.path("dimension").asInt() != dimension) {
            return false;
        }
        root.path("arms").fields().forEachRemaining(e -> {
            Arm arm = new Arm();
            JsonNode a = e.getValue();
            for (int i = 0; i < dimension; i++) {
                for (int j = 0; j < dimension; j++) {
                    arm.precision[i][j] = a.path("precision").path(i).path(j).asDouble();
                }
                arm.b[i] = a.path("b").path(i).asDouble();
            }
            arm.updates = a.path("updates").asLong();
            arm.refresh();
            arms.put(e.getKey(), arm);
        });
        return true;
    }

    /** Mutable sufficient statistics of one arm, and its current posterior. */
    private final class Arm {
        final double[][] precision = new double[dimension][dimension];
        final double[] b = new double[dimension];
        long updates;
        volatile Posterior posterior;

        Arm() {
            for (int i = 0; i < dimension; i++) {
                precision[i][i] = lambda;
            }
            posterior = Posterior.prior(dimension, lambda);
        }

        synchronized void update(double[] x, double reward) {
            decay();
            for (int i = 0; i < dimension; i++) {
                for (int j = 0; j < dimension; j++) {
                    precision[i][j] += x[i] * x[j];
                }
                b[i] += reward * x[i];
            }
            updates++;
            refresh();
        }

        synchronized void fade() {
            decay();
            refresh();
        }

        /** Moves the evidence a step back toward the prior. */
        private void decay() {
            for (int i = 0; i < dimension; i++) {
                for (int j = 0; j < dimension; j++) {
                    double prior = i == j ? lambda : 0;
                    precision[i][j] = forgetting * precision[i][j] + (1 - forgetting) * prior;
                }
                b[i] = forgetting * b[i];
            }
        }

        void refresh() {
            posterior = Posterior.of(precision, b);
        }
    }

    /** θ = A⁻¹b and the Cholesky factor L of A (A = LLᵀ), immutable. */
    private record Posterior(double[] theta, double[][] chol) {
        static Posterior prior(int d, double lambda) {
            double[][] a = new double[d][d];
            for (int i = 0; i < d; i++) {
                a[i][i] = lambda;
            }
            return of(a, new double[d]);
        }

        static Posterior of(double[][] a, double[] b) {
            double[][] l = Cholesky.factor(a);
            return new Posterior(Cholesky.solve(l, b), l);
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
