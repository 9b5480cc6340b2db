package dev.iccache.sim.policy;

import dev.iccache.api.ChatRequest;

/** Every request on one model, as sent: {@code always-large} and {@code always-small}. */
final class FixedModel implements Policy {
    private final String model;

    FixedModel(String model) {
        this.model = model;
    }

    @Override
    public Decision decide(String responseId, ChatRequest request) {
        return Decision.to(model, request, 0);
    }

    @Override
    public void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens) {
    }
}
