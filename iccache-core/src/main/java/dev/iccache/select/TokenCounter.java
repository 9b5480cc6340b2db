package dev.iccache.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import dev.iccache.api.ChatRequest;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with a real tokenizer. The default, OpenAI's {@code cl100k_base}, is within a
 * few percent of the Llama/Gemma/Mistral tokenisers on English chat text; budgets keep a margin
 * for the difference (docs/selection.md).
 */
public final class TokenCounter {
    /** Tokens a chat message costs beyond its text (role and separators), as OpenAI counts them. */
    public static final int PER_MESSAGE = 4;

    private final Encoding encoding;

    private TokenCounter(Encoding encoding) {
        this.encoding = encoding;
    }

    /** {@code cl100k_base}. */
    public static TokenCounter cl100k() {
        return new TokenCounter(Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE));
    }

    /** Tokens of a request's messages as a chat model counts them (about): 3 to prime the reply, plus each message. */
    public int countRequest(ChatRequest request) {
        int n = 3;
        for (JsonNode m : request.messages()) {
            n += PER_MESSAGE + count(ChatRequest.contentText(m.get("content")));
        }
        return n;
    }

    /** Tokens of a text (special tokens are counted as plain text). */
    public int count(String text) {
        return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }
}
