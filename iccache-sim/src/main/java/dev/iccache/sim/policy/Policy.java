package dev.iccache.sim.policy;

import dev.iccache.api.ChatRequest;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A serving policy under evaluation: for each request, which model answers and what it is sent
 * (or a cached answer); then it hears the answer and, sometimes, the user's verdict. Policies see
 * what a gateway sees (request texts, answer texts, judge verdicts, feedback, backend load), never
 * the simulated world's hidden qualities: nothing in this package refers to the world (a test checks).
 */
public interface Policy extends AutoCloseable {
    /** Decides for one request; {@code responseId} names the response for {@link #served} and {@link #feedback}. */
    Decision decide(String responseId, ChatRequest request);

    /** The answer was delivered in full. */
    void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens);

    /** A user's thumbs up or down on a served response. */
    default void feedback(String responseId, boolean good) {
    }

    /** The operating point the policy tuned itself to, for reports (a threshold, say). */
    default Optional<String> setting() {
        return Optional.empty();
    }

    /** Examples in the policy's bank now, for policies that keep one. */
    default OptionalLong bankSize() {
        return OptionalLong.empty();
    }

    @Override
    default void close() {
    }
}
