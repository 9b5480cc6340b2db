package dev.iccache.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/** A complete (non-streaming) OpenAI chat completion, as JSON, with accessors for what iccache reads. */
public final class ChatResponse {
    private final ObjectNode body;

    public ChatResponse(ObjectNode body) {
        this.body = Objects.requireNonNull(body);
    }

    /** The first choice's message text; empty when the model answered with tool calls only. */
    public String content() {
        return ChatRequest.contentText(body.path("choices").path(0).path("message").get("content"));
    }

    public Optional<String> finishReason() {
        JsonNode fr = body.path("choices").path(0).get("finish_reason");
        return fr == null || fr.isNull() ? Optional.empty() : Optional.of(fr.asText());
    }

    public Optional<Usage> usage() {
        return Usage.from(body.get("usage"));
    }

    /** The JSON body; the gateway rewrites {@code id} and {@code model} in place before sending. */
    public ObjectNode body() {
        return body;
    }
}
