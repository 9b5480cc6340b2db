package dev.iccache.workload;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One request of a simulated workload, with what the simulated world may know about it.
 *
 * @param id            stable id within the workload (e.g. "nq-open/dev/123")
 * @param text          the request text (the user's message)
 * @param answers       normalised gold answers or label(s); two requests whose sets intersect ask for the
 *                      same answer (used to decide whether a cached answer to one is correct for the other).
 *                      Empty when the data has none.
 * @param recordedSmall recorded quality in [0,1] of the workload's small model on this request, when the data
 *                      has it
 * @param recordedLarge recorded quality in [0,1] of the workload's large model, when the data has it
 * @param largeAnswer   a recorded response text of the large model, when the data has it
 */
public record WorkItem(String id, String text, Set<String> answers, OptionalDouble recordedSmall,
        OptionalDouble recordedLarge, Optional<String> largeAnswer) {
    public WorkItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(recordedSmall, "recordedSmall");
        Objects.requireNonNull(recordedLarge, "recordedLarge");
        Objects.requireNonNull(largeAnswer, "largeAnswer");
        if (id.isBlank() || text.isBlank()) {
            throw new IllegalArgumentException("a work item needs a non-blank id and text (id '" + id + "')");
        }
        answers = Collections.unmodifiableSet(new LinkedHashSet<>(answers));
        if (answers.contains(null) || answers.contains("")) {
            throw new IllegalArgumentException("answers must be non-empty strings (item " + id + ")");
        }
        checkQuality(recordedSmall, id);
        checkQuality(recordedLarge, id);
    }

    /** A request with no recorded outcomes. */
    static WorkItem of(String id, String text, Set<String> answers) {
        return new WorkItem(id, text, answers, OptionalDouble.empty(), OptionalDouble.empty(), Optional.empty());
    }

    private static void checkQuality(OptionalDouble q, String id) {
        if (q.isPresent() && !(q.getAsDouble() >= 0 && q.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("recorded quality must be in [0, 1]: " + q.getAsDouble()
                    + " (item " + id + ")");
        }
    }
}
