package dev.iccache.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The sufficient statistics of a {@link LinearThompsonBandit}, or a change to them (docs/routing.md, "Shared
 * router state"): per arm the precision, the reward vector b and the update count. A bandit's <em>state</em> has
 * precision λI + Σ γ^(k−t)·xxᵀ ({@code prior} = λ); a <em>delta</em>, what it learned over {@code steps} updates
 * since some state, has precision Σ γ^(k−t)·xxᵀ over those updates ({@code prior} = 0). {@link #then} is the one
 * rule for learning an update, applying a delta to a state and composing two deltas. Immutable (the arrays are
 * never written after construction).
 *
 * @param prior the diagonal an arm starts from: λ for a state, 0 for a delta
 * @param steps updates of the whole bandit these statistics cover (k)
 * @param arms  each arm's statistics, by name
 */
record BanditStatistics(double prior, long steps, SortedMap<String, Arm> arms) {
    /** The change of no update. */
    static final BanditStatistics NO_CHANGE = prior(0);

    /** One arm's precision, reward vector and update count. */
    record Arm(double[][] precision, double[] b, long updates) {
        static Arm prior(int dimension, double prior) {
            double[][] precision = new double[dimension][dimension];
            for (int i = 0; i < dimension; i++) {
                precision[i][i] = prior;
            }
            return new Arm(precision, new double[dimension], 0);
        }

        /** Evidence kept {@code fade} of its weight, moved toward {@code prior} on the diagonal. */
        Arm faded(double fade, double prior) {
            if (fade == 1) {
                return this;
            }
            int d = b.length;
            double[][] p = new double[d][d];
            double[] fb = new double[d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    p[i][j] = fade * precision[i][j] + (1 - fade) * (i == j ? prior : 0);
                }
                fb[i] = fade * b[i];
            }
            return new Arm(p, fb, updates);
        }

        Arm plus(Arm change) {
            int d = b.length;
            double[][] p = new double[d][d];
            double[] sum = new double[d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    p[i][j] = precision[i][j] + change.precision[i][j];
                }
                sum[i] = b[i] + change.b[i];
            }
            return new Arm(p, sum, updates + change.updates);
        }
    }

    /** No arms yet: a bandit's state at its prior ({@code prior} = λ), or no change ({@code prior} = 0). */
    static BanditStatistics prior(double prior) {
        return new BanditStatistics(prior, 0, Collections.emptySortedMap());
    }

    /** The change of one update: reward {@code reward} of {@code arm} in context {@code x}. */
    static BanditStatistics observation(String arm, double[] x, double reward) {
        int d = x.length;
        double[][] p = new double[d][d];
        double[] b = new double[d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                p[i][j] = x[i] * x[j];
            }
            b[i] = reward * x[i];
        }
        SortedMap<String, Arm> arms = new TreeMap<>();
        arms.put(arm, new Arm(p, b, 1));
        return new BanditStatistics(0, 1, Collections.unmodifiableSortedMap(arms));
    }

    /**
     * These statistics followed by {@code later}, a delta: every arm faded by γ^steps(later) toward this prior,
     * then {@code later}'s sums added (an arm new here starts from the prior), update counts summed. Applied to a
     * state, the state after the delta; to a delta, one delta of both.
     *
     * @param forgetting γ, the weight evidence keeps per update
     */
    BanditStatistics then(BanditStatistics later, double forgetting) {
        if (later.steps == 0 && later.arms.isEmpty()) {
            return this;
        }
        double fade = Math.pow(forgetting, later.steps);
        SortedMap<String, Arm> merged = new TreeMap<>();
        arms.forEach((name, arm) -> merged.put(name, arm.faded(fade, prior)));
        later.arms.forEach((name, change) -> merged.put(name,
                arms.getOrDefault(name, Arm.prior(change.b.length, prior)).faded(fade, prior).plus(change)));
        return new BanditStatistics(prior, steps + later.steps, Collections.unmodifiableSortedMap(merged));
    }

    /** This state as the delta that takes its prior to it (each arm's precision less the prior diagonal). */
    BanditStatistics sincePrior() {
        SortedMap<String, Arm> deltas = new TreeMap<>();
        arms.forEach((name, arm) -> deltas.put(name, arm.plus(Arm.prior(arm.b.length, -prior))));
        return new BanditStatistics(0, steps, Collections.unmodifiableSortedMap(deltas));
    }

    /** A state as JSON: the dimension, and per arm its update count, precision and b. */
    ObjectNode toJson(int dimension) {
        ObjectNode root = Json.object();
        root.put("dimension", dimension);
        ObjectNode out = root.putObject("arms");
        arms.forEach((name, arm) -> {
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
        });
        return root;
    }

    /** The state {@link #toJson} wrote, with prior {@code lambda}; empty when it has another dimension. */
    static Optional<BanditStatistics> fromJson(JsonNode root, int dimension, double lambda) {
        if (root.path("dimension").asInt() != dimension) {
            return Optional.empty();
        }
        SortedMap<String, Arm> arms = new TreeMap<>();
        root.path("arms").fields().forEachRemaining(e -> {
            JsonNode a = e.getValue();
            double[][] precision = new double[dimension][dimension];
            double[] b = new double[dimension];
            for (int i = 0; i < dimension; i++) {
                for (int j = 0; j < dimension; j++) {
                    precision[i][j] = a.path("precision").path(i).path(j).asDouble();
                }
                b[i] = a.path("b").path(i).asDouble();
            }
            arms.put(e.getKey(), new Arm(precision, b, a.path("updates").asLong()));
        });
        return Optional.of(new BanditStatistics(lambda, 0, Collections.unmodifiableSortedMap(arms)));
    }
}
