package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbeddingText;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Embeds request texts the way the gateway does: {@link EmbeddingText} of a one-message chat request. */
public final class RequestEmbeddings {
    private static final int CHUNK = 1024;

    private RequestEmbeddings() {
    }

    /** What the gateway embeds for a request whose only message is this user text. */
    public static String embeddingText(String userText) {
        ArrayNode messages = Json.MAPPER.createArrayNode();
        messages.addObject().put("role", "user").put("content", userText);
        return EmbeddingText.of(messages);
    }

    /** One unit vector per user text, in order; progress goes to {@code log}. */
    public static List<float[]> embed(Embedder embedder, List<String> userTexts, PrintWriter log) {
        List<float[]> out = new ArrayList<>(userTexts.size());
        for (int from = 0; from < userTexts.size(); from += CHUNK) {
            List<String> chunk = userTexts.subList(from, Math.min(userTexts.size(), from + CHUNK)).stream()
                    .map(RequestEmbeddings::embeddingText).toList();
            out.addAll(embedder.embedAll(chunk));
            log.printf("\r  embedded %d/%d", out.size(), userTexts.size());
            log.flush();
        }
        log.println();
        return out;
    }
}
