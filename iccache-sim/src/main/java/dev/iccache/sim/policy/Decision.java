package dev.iccache.sim.policy;

import dev.iccache.api.ChatRequest;
import java.util.Optional;

/**
 * What a policy does with a request.
 *
 * @param model        the backend that answers; empty when a cached answer is returned
 * @param upstream     what the backend is sent (the request, with examples for a small model)
 * @param cachedAnswer the answer returned without a model call (semantic cache hit)
 * @param examples     in-context examples in {@code upstream}
 */
public record Decision(Optional<String> model, ChatRequest upstream, Optional<String> cachedAnswer, int examples) {
    public static Decision to(String model, ChatRequest upstream, int examples) {
        return new Decision(Optional.of(model), upstream, Optional.empty(), examples);
    }

    public static Decision cached(ChatRequest request, String answer) {
        return new Decision(Optional.empty(), request, Optional.of(answer), 0);
    }
}
