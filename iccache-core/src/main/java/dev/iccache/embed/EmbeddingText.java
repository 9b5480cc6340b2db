package dev.iccache.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.iccache.api.ChatRequest;

/**
 * What text of a request is embedded: the current user turn first, then a little of the
 * system prompt and of the previous user turn. The embedding model reads only the first 128
 * word-pieces, so whatever comes first decides the vector; a long shared system prompt first would
 * make every request embed alike. See docs/example-bank.md.
 */
public final class EmbeddingText {
    /** Characters of the current user turn kept (≈ 90 word-pieces of English). */
    static final int TURN_CHARS = 360;
    /** Characters of the system prompt and of the previous user turn kept, each. */
    static final int CONTEXT_CHARS = 120;

    private EmbeddingText() {
    }

    /** The text to embed for a request's conversation. */
    public static String of(ChatRequest request) {
        return of(request.messages());
    }

    /** The text to embed for an OpenAI {@code messages} array. */
    public static String of(ArrayNode messages) {
        String current = "";
        String previous = "";
        String system = "";
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            String text = ChatRequest.contentText(m.get("content"));
            if (role.equals("user")) {
                previous = current;
                current = text;
            } else if ((role.equals("system") || role.equals("developer")) && system.isEmpty()) {
                system = text;
            }
        }
        StringBuilder sb = new StringBuilder(clip(current, TURN_CHARS));
        if (!system.isBlank()) {
            sb.append("\nsystem: ").append(clip(system, CONTEXT_CHARS));
        }
        if (!previous.isBlank()) {
            sb.append("\nearlier: ").append(clip(previous, CONTEXT_CHARS));
        }
        return sb.toString();
    }

    private static String clip(String text, int max) {
        String t = text.strip().replaceAll("\\s+", " ");
        return t.length() <= max ? t : t.substring(0, max);
    }
}
