package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.select.TokenCounter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * OpenAI embeddings answered by the gateway's own {@link Embedder}: {@code input} a string or an
 * array of strings, within {@code embeddings.max-inputs} and {@code embeddings.max-input-tokens};
 * {@code encoding_format} {@code float} or {@code base64} (little-endian float32, as OpenAI
 * encodes it); {@code dimensions} only as the model's own; usage in cl100k_base tokens, the
 * tokenizer OpenAI counts its embedding models' input with.
 */
final class LocalEmbeddings {
    private final String name;
    private final Embedder embedder;
    private final TokenCounter tokens;
    private final int maxInputs;
    private final int maxInputTokens;

    /** @param name the model name clients use */
    LocalEmbeddings(String name, Embedder embedder, TokenCounter tokens, int maxInputs, int maxInputTokens) {
        this.name = name;
        this.embedder = embedder;
        this.tokens = tokens;
        this.maxInputs = maxInputs;
        this.maxInputTokens = maxInputTokens;
    }

    String name() {
        return name;
    }

    /** The embeddings response to a request body, or a 400 naming the parameter at fault. */
    ObjectNode answer(ObjectNode request) {
        List<String> inputs = inputs(request.get("input"));
        boolean base64 = base64(request.get("encoding_format"));
        checkDimensions(request.get("dimensions"));
        int total = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int n = tokens.count(inputs.get(i));
            if (n > maxInputTokens) {
                throw IccacheException.invalid("input", (inputs.size() == 1 ? "The input" : "input[" + i + "]")
                        + " has " + n + " tokens; " + name + " takes at most " + maxInputTokens
                        + " per input (embeddings.max-input-tokens).");
            }
            total += n;
        }
        List<float[]> vectors = embedder.embedAll(inputs);
        ObjectNode body = Json.object();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                item.put("embedding", encode(vectors.get(i)));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vectors.get(i)) {
                    values.add(v);
                }
            }
        }
        body.put("model", name);
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", total);
        usage.put("total_tokens", total);
        return body;
    }

    private List<String> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw IccacheException.invalid("input", "Missing required parameter: 'input'.");
        }
        if (input.isTextual()) {
            return List.of(input.asText());
        }
        if (!input.isArray()) {
            throw IccacheException.invalid("input", "'input' must be a string or an array of strings.");
        }
        if (input.isEmpty()) {
            throw IccacheException.invalid("input", "'input' must not be an empty array.");
        }
        if (input.size() > maxInputs) {
            throw IccacheException.invalid("input", "'input' has " + input.size() + " items; " + name
                    + " takes at most " + maxInputs + " per request (embeddings.max-inputs).");
        }
        List<String> texts = new ArrayList<>(input.size());
        for (JsonNode item : input) {
            if (item.isIntegralNumber() || item.isArray()) {
                throw IccacheException.invalid("input", name + " takes text, not token arrays; send 'input' as a "
                        + "string or an array of strings (token arrays go to an embedding model of "
                        + "embeddings.backends).");
            }
            if (!item.isTextual()) {
                throw IccacheException.invalid("input", "'input' must be a string or an array of strings.");
            }
            texts.add(item.asText());
        }
        return texts;
    }

    private static boolean base64(JsonNode format) {
        if (format == null || format.isNull() || format.isTextual() && format.asText().equals("float")) {
            return false;
        }
        if (format.isTextual() && format.asText().equals("base64")) {
            return true;
        }
        throw IccacheException.invalid("encoding_format", "'encoding_format' must be 'float' or 'base64', got "
                + format + ".");
    }

    private void checkDimensions(JsonNode dimensions) {
        if (dimensions == null || dimensions.isNull()) {
            return;
        }
        if (!dimensions.isIntegralNumber() || dimensions.asLong() < 1) {
            throw IccacheException.invalid("dimensions", "'dimensions' must be a positive integer.");
        }
        int own = embedder.dimension();
        if (dimensions.asLong() != own) {
            throw IccacheException.invalid("dimensions", name + " makes vectors of " + own
                    + " dimensions and cannot shorten them; omit 'dimensions' or send " + own + ".");
        }
    }

    private static String encode(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
