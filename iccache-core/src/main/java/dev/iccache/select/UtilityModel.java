package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * h(request, example, target model): how much putting the example in the target model's prompt
 * improves its answer over the same prompt without it, in [0, 1]: 0.5 means no effect, above it
 * helps, below it hurts; 0.5 + g/2 where g is the example's expected share of the judge's 7-point
 * score (−3..+3, over 3) of the answer with the examples against the answer without (IC-Cache
 * §4.1, stage 2; docs/selection.md). Implementations are thread-safe; {@link #score} is cheap
 * enough for 32 candidates per request.
 */
public interface UtilityModel {
    /** The utility of one candidate for one target model. */
    double score(UtilityFeatures features, String targetModel);

    /**
     * Learns from one exploration probe: the target's answer with {@code examples} (one or more)
     * against its answer to the same prompt with {@code against} (empty: without examples);
     * {@code gain} is the judge's score mapped to [0, 1], (s + 3) / 6. The model predicts the
     * label as Σ over {@code examples} minus Σ over {@code against} of the examples' contributions,
     * so the sets' examples share it by those (additive credit). Called off the request thread.
     */
    void learn(List<UtilityFeatures> examples, List<UtilityFeatures> against, String targetModel, double gain);

    /**
     * The bank was clustered anew: {@code mapping[c]} is the new cluster of what was cluster c
     * ({@link BankClusters}). A model that keeps per-cluster knowledge moves it over.
     */
    default void clustersChanged(int[] mapping) {
    }

    /** Saves what it learned to {@code file}; a model that learns nothing saves nothing. */
    default void save(Path file) {
    }

    /**
     * What it learned, for the gateways that share a store to {@link #adopt} (docs/selection.md, "Shared selection
     * state"); empty for a model that learns nothing.
     */
    default Optional<ObjectNode> shared() {
        return Optional.empty();
    }

    /** Replaces what it learned with what {@link #shared} gave on another gateway. */
    default void adopt(JsonNode state) {
    }
}
