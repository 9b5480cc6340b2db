package dev.iccache.select;

/**
 * Utility = cosine similarity, learning nothing: selection by similarity alone, as plain
 * retrieval-augmented prompting does. The baseline the learned model must beat (IC-Cache Fig. 9).
 */
public final class SimilarityUtility implements UtilityModel {
    @Override
    public double score(UtilityFeatures features, String targetModel) {
        return Math.max(0, Math.min(1, features.similarity()));
    }

    @Override
    public void learn(UtilityFeatures features, String targetModel, boolean helped) {
    }
}
