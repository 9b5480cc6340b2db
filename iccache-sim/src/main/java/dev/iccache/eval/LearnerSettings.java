package dev.iccache.eval;

import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.RequestFeatures;

/**
 * The router's learner for routing evaluations: the production {@link LinearThompsonBandit} over
 * {@link RequestFeatures} request contexts, with the production defaults unless changed.
 *
 * @param lambda     prior precision (production: 1)
 * @param noise      posterior sampling scale (production: 0.3; unused by the posterior means scored here)
 * @param forgetting weight old evidence keeps per update of any arm (production: 0.999)
 */
public record LearnerSettings(double lambda, double noise, double forgetting) {
    /** The gateway router's values. */
    public static final LearnerSettings PRODUCTION = new LearnerSettings(1.0, 0.3, 0.999);

    /** A fresh bandit over request contexts. */
    public LinearThompsonBandit bandit() {
        return new LinearThompsonBandit(RequestFeatures.REQUEST_DIMENSION, lambda, noise, forgetting);
    }
}
