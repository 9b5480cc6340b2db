package dev.iccache.select;

import java.nio.file.Path;

/**
 * h(request, example, target model): the expected gain in the target model's response quality
 * from putting the example in its prompt, in [0, 1] (IC-Cache §4.1, stage 2). Implementations are
 * thread-safe; {@link #score} is cheap enough for 32 candidates per request.
 */
public interface UtilityModel {
    /** The utility of one candidate for one target model. */
    double score(UtilityFeatures features, String targetModel);

    /**
     * Learns from one judged outcome: {@code helped} when the response that used the example was
     * judged at least as good as the reference. Called off the request thread.
     */
    void learn(UtilityFeatures features, String targetModel, boolean helped);

    /** Saves what it learned to {@code file}; a model that learns nothing saves nothing. */
    default void save(Path file) {
    }
}
