package dev.iccache.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** Token counts of one completion. */
public record Usage(int promptTokens, int completionTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    public ObjectNode toJson() {
        ObjectNode u = Json.object();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", totalTokens());
        return u;
    }

    static Optional<Usage> from(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Usage(node.path("prompt_tokens").asInt(0), node.path("completion_tokens").asInt(0)));
    }
}
