package dev.iccache.bank;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One cached request/response pair: the unit of the example bank.
 *
 * @param id              stable id (a UUID unless imported with one)
 * @param tenant          tenant/domain the example belongs to; searches never cross it unless configured
 * @param requestMessages the request's {@code messages} array as OpenAI JSON text
 * @param embeddedText    the text that was embedded (see docs/example-bank.md)
 * @param vector          unit-length embedding of {@code embeddedText}
 * @param response        the response text
 * @param model           the model that produced the response
 * @param quality         quality estimate in [0, 1], if known
 * @param requestTokens   tokens of the request
 * @param responseTokens  tokens of the response
 * @param createdAt       when it was admitted
 * @param expiresAt       when it stops being selectable, if ever
 * @param stats           usage statistics
 * @param user            the pseudonym ({@link UserPseudonyms}) of the end user who sent the request (OpenAI
 *                        {@code user}), if given: erasable per user
 */
public record Example(String id, String tenant, String requestMessages, String embeddedText, float[] vector,
        String response, String model, OptionalDouble quality, int requestTokens, int responseTokens,
        Instant createdAt, Optional<Instant> expiresAt, ExampleStats stats, Optional<String> user) {

    public Example {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(requestMessages, "requestMessages");
        Objects.requireNonNull(embeddedText, "embeddedText");
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(quality, "quality");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(user, "user");
        if (id.isBlank() || tenant.isBlank()) {
            throw new IllegalArgumentException("id and tenant must not be blank");
        }
        if (quality.isPresent() && (quality.getAsDouble() < 0 || quality.getAsDouble() > 1)) {
            throw new IllegalArgumentException("quality must be in [0, 1]: " + quality.getAsDouble());
        }
    }

    /** An example without a known end user. */
    public Example(String id, String tenant, String requestMessages, String embeddedText, float[] vector,
            String response, String model, OptionalDouble quality, int requestTokens, int responseTokens,
            Instant createdAt, Optional<Instant> expiresAt, ExampleStats stats) {
        this(id, tenant, requestMessages, embeddedText, vector, response, model, quality, requestTokens,
                responseTokens, createdAt, expiresAt, stats, Optional.empty());
    }

    /** Whether the example is expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt.isPresent() && !expiresAt.get().isAfter(now);
    }

    /** Plaintext size in bytes (request + response, UTF-8): the weight used for eviction and budgets. */
    public long plaintextBytes() {
        return (long) requestMessages.getBytes(StandardCharsets.UTF_8).length
                + response.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The request's {@code messages} array, parsed (a fresh copy each call). */
    public ArrayNode messages() {
        return (ArrayNode) Json.parse(requestMessages.getBytes(StandardCharsets.UTF_8));
    }

    /** The example's request, asked of {@code model}: to replay it or to answer it again. */
    public ChatRequest request(String model) {
        ObjectNode body = Json.object();
        body.put("model", model);
        body.set("messages", messages());
        return ChatRequest.of(body);
    }

    public Example withStats(ExampleStats newStats) {
        return new Example(id, tenant, requestMessages, embeddedText, vector, response, model, quality,
                requestTokens, responseTokens, createdAt, expiresAt, newStats, user);
    }

    public Example withResponse(String newResponse, String newModel, OptionalDouble newQuality, int newResponseTokens) {
        return new Example(id, tenant, requestMessages, embeddedText, vector, newResponse, newModel, newQuality,
                requestTokens, newResponseTokens, createdAt, expiresAt, stats, user);
    }

    public Example withUser(Optional<String> newUser) {
        return new Example(id, tenant, requestMessages, embeddedText, vector, response, model, quality,
                requestTokens, responseTokens, createdAt, expiresAt, stats, newUser);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Example e && id.equals(e.id) && tenant.equals(e.tenant)
                && requestMessages.equals(e.requestMessages) && embeddedText.equals(e.embeddedText)
                && java.util.Arrays.equals(vector, e.vector) && response.equals(e.response) && model.equals(e.model)
                && quality.equals(e.quality) && requestTokens == e.requestTokens
                && responseTokens == e.responseTokens && createdAt.equals(e.createdAt)
                && expiresAt.equals(e.expiresAt) && stats.equals(e.stats) && user.equals(e.user);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "Example[" + id + ", tenant=" + tenant + ", model=" + model + "]";
    }
}
