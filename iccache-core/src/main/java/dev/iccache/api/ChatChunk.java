package dev.iccache.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/** One {@code chat.completion.chunk} of a stream, as JSON. */
public final class ChatChunk {
    private final ObjectNode body;

    public ChatChunk(ObjectNode body) {
        this.body = Objects.requireNonNull(body);
    }

    /** Text carried by the first choice's delta, empty if none. */
    public String deltaText() {
        JsonNode c = body.path("choices").path(0).path("delta").get("content");
        return c == null || c.isNull() ? "" : c.asText();
    }

    /** Whether this chunk carries any choice (the final usage chunk carries none). */
    public boolean hasChoices() {
        return body.path("choices").size() > 0;
    }

    public Optional<String> finishReason() {
        JsonNode fr = body.path("choices").path(0).get("finish_reason");
        return fr == null || fr.isNull() ? Optional.empty() : Optional.of(fr.asText());
    }

    public Optional<Usage> usage() {
        return Usage.from(body.get("usage"));
    }

    public ObjectNode body() {
        return body;
    }
}
