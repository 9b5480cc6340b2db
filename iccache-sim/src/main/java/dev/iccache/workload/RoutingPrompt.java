package dev.iccache.workload;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One prompt of a routing stream with each model's recorded outcome.
 *
 * @param id      the data set's id of the prompt
 * @param text    the text the router sees (for multi-turn data, the first user turn)
 * @param turns   user turns the router sees (1 for every data set here)
 * @param quality per model of the stream, its recorded quality in [0, 1]; NaN where none was recorded
 * @param answers per model, its recorded answer text, where the data has one
 */
public record RoutingPrompt(String id, String text, int turns, double[] quality, List<Optional<String>> answers) {
    public RoutingPrompt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        answers = List.copyOf(answers);
        if (quality.length != answers.size()) {
            throw new IllegalArgumentException("one quality and one answer slot per model");
        }
        for (double q : quality) {
            if (q < 0 || q > 1) {
                throw new IllegalArgumentException("quality must be in [0, 1]: " + q + " (prompt " + id + ")");
            }
        }
    }

    /** Without answer texts. */
    public static RoutingPrompt of(String id, String text, int turns, double[] quality) {
        return new RoutingPrompt(id, text, turns, quality, Collections.nCopies(quality.length, Optional.empty()));
    }

    /** Whether every model has a recorded quality. */
    public boolean complete() {
        for (double q : quality) {
            if (Double.isNaN(q)) {
                return false;
            }
        }
        return true;
    }
}
