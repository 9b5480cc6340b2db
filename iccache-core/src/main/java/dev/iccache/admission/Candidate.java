package dev.iccache.admission;

import dev.iccache.api.ChatRequest;
import dev.iccache.tenant.Tenant;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A finished request/response pair offered to the example bank.
 *
 * @param tenant         whose traffic it is
 * @param request        the client's request as received (before any examples were added)
 * @param response       the complete response text
 * @param model          the backend model that produced it
 * @param finishReason   the response's finish reason, if reported
 * @param promptTokens   prompt tokens reported by the backend, or 0
 * @param responseTokens completion tokens reported by the backend, or 0
 * @param quality        quality estimate in [0, 1], if known
 */
public record Candidate(Tenant tenant, ChatRequest request, String response, String model,
        Optional<String> finishReason, int promptTokens, int responseTokens, OptionalDouble quality) {
}
