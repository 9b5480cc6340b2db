package dev.iccache.select;

import java.util.List;

/**
 * Utility from similarity alone, learning nothing: {@code 0.5 + SLOPE · (similarity − floor)},
 * clamped to [0, 1], so an example at the similarity floor is neutral and closer ones pass a
 * threshold a little above 0.5 (the similarity top-k minus clearly irrelevant examples). On the
 * utility's scale a near-duplicate (similarity 1 against a floor of 0.45) adds 0.11 to the judge's
 * score over 3, about what exploration probes measure for the most helpful examples. The selection of plain retrieval-augmented prompting, the
 * baseline a learned model must beat (IC-Cache Fig. 9), and the learned model's cold start.
 */
public final class SimilarityUtility implements UtilityModel {
    private final double floor;

    /** @param floor the similarity at which an example is neutral ({@code selection.min-similarity}) */
    public SimilarityUtility(double floor) {
        this.floor = floor;
    }

    @Override
    public double score(UtilityFeatures features, String targetModel) {
        return score(features.similarity(), floor);
    }

    /** Utility per unit of similarity above the floor. */
    static final double SLOPE = 0.1;

    static double score(double similarity, double floor) {
        return Math.max(0, Math.min(1, 0.5 + SLOPE * (similarity - floor)));
    }

    @Override
    public void learn(List<UtilityFeatures> examples, List<UtilityFeatures> against, String targetModel,
            double gain) {
    }
}
