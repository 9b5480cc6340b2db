package dev.iccache.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The chat completion a stream of chunks adds up to, choice by choice; and, the other way, the
 * chunks that replay a completion as a stream. Deltas merge as OpenAI's Python SDK accumulates them
 * ({@code openai.lib.streaming.chat}, {@code accumulate_delta}): strings are concatenated, objects
 * merged key by key, arrays of objects with an {@code index} merged by that index (tool calls),
 * other arrays appended (log-probabilities); {@code index}, {@code type}, {@code role} and
 * {@code id} take the latest value instead of being concatenated.
 */
public final class StreamedCompletion {
    private static final Set<String> REPLACED = Set.of("index", "type", "role", "id");

    private final Map<Integer, ObjectNode> choices = new TreeMap<>();
    private ObjectNode envelope;
    private JsonNode usage;

    /** Adds one chunk of the stream. */
    public void add(ChatChunk chunk) {
        ObjectNode body = chunk.body();
        if (envelope == null) {
            envelope = body.deepCopy();
            envelope.remove("choices");
            envelope.remove("usage");
        }
        JsonNode u = body.get("usage");
        if (u != null && u.isObject()) {
            usage = u.deepCopy();
        }
        for (JsonNode c : body.path("choices")) {
            ObjectNode choice = choices.computeIfAbsent(c.path("index").asInt(0), StreamedCompletion::emptyChoice);
            merge((ObjectNode) choice.get("message"), c.get("delta"));
            JsonNode logprobs = c.get("logprobs");
            if (logprobs != null && logprobs.isObject()) {
                if (!choice.path("logprobs").isObject()) {
                    choice.putObject("logprobs");
                }
                merge((ObjectNode) choice.get("logprobs"), logprobs);
            }
            JsonNode finish = c.get("finish_reason");
            if (finish != null && !finish.isNull()) {
                choice.set("finish_reason", finish);
            }
        }
    }

    /** The completion so far: a {@code chat.completion} with the choices in index order and the last usage seen. */
    public ChatResponse response() {
        ObjectNode body = envelope == null ? Json.object() : envelope.deepCopy();
        body.put("object", "chat.completion");
        ArrayNode out = body.putArray("choices");
        for (ObjectNode choice : choices.values()) {
            ObjectNode c = choice.deepCopy();
            ObjectNode message = (ObjectNode) c.get("message");
            if (!message.has("content")) {
                message.putNull("content");
            }
            message.path("tool_calls").forEach(call -> ((ObjectNode) call).remove("index"));
            out.add(c);
        }
        if (usage != null) {
            body.set("usage", usage.deepCopy());
        }
        return new ChatResponse(body);
    }

    /**
     * The chunks of a stream that adds up to {@code completion}: per choice, one chunk with its
     * whole message (and log-probabilities) and one with its finish reason; then a usage chunk
     * when the completion has usage.
     */
    public static List<ChatChunk> chunks(ChatResponse completion) {
        ObjectNode envelope = completion.body().deepCopy();
        envelope.remove("choices");
        envelope.remove("usage");
        envelope.put("object", "chat.completion.chunk");
        List<ChatChunk> out = new ArrayList<>();
        for (JsonNode choice : completion.body().path("choices")) {
            int index = choice.path("index").asInt(0);
            ObjectNode delta = choice.path("message").isObject() ? choice.get("message").deepCopy() : Json.object();
            if (delta.path("content").isNull()) {
                delta.remove("content");
            }
            int call = 0;
            for (JsonNode toolCall : delta.path("tool_calls")) {
                ((ObjectNode) toolCall).put("index", call++);
            }
            ObjectNode content = chunkChoice(out, envelope, index, delta);
            if (choice.path("logprobs").isObject()) {
                content.set("logprobs", choice.get("logprobs").deepCopy());
            }
            chunkChoice(out, envelope, index, Json.object()).set("finish_reason", choice.get("finish_reason"));
        }
        JsonNode usage = completion.body().get("usage");
        if (usage != null && usage.isObject()) {
            ObjectNode last = envelope.deepCopy();
            last.putArray("choices");
            last.set("usage", usage.deepCopy());
            out.add(new ChatChunk(last));
        }
        return out;
    }

    private static ObjectNode chunkChoice(List<ChatChunk> out, ObjectNode envelope, int index, ObjectNode delta) {
        ObjectNode body = envelope.deepCopy();
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("finish_reason");
        out.add(new ChatChunk(body));
        return choice;
    }

    private static ObjectNode emptyChoice(int index) {
        ObjectNode c = Json.object();
        c.put("index", index);
        c.putObject("message");
        c.putNull("finish_reason");
        return c;
    }

    private static void merge(ObjectNode into, JsonNode delta) {
        if (delta == null || !delta.isObject()) {
            return;
        }
        delta.properties().forEach(e -> {
            String key = e.getKey();
            JsonNode value = e.getValue();
            JsonNode old = into.get(key);
            if (value.isNull()) {
                return;
            }
            if (old == null || old.isNull() || REPLACED.contains(key)) {
                into.set(key, value.deepCopy());
            } else if (old.isTextual() && value.isTextual()) {
                into.put(key, old.asText() + value.asText());
            } else if (old.isObject() && value.isObject()) {
                merge((ObjectNode) old, value);
            } else if (old.isArray() && value.isArray()) {
                mergeArray((ArrayNode) old, (ArrayNode) value);
            } else {
                into.set(key, value.deepCopy());
            }
        });
    }

    private static void mergeArray(ArrayNode into, ArrayNode delta) {
        for (JsonNode item : delta) {
            JsonNode same = null;
            if (item.isObject() && item.has("index")) {
                for (JsonNode existing : into) {
                    if (existing.isObject() && existing.path("index").equals(item.get("index"))) {
                        same = existing;
                    }
                }
            }
            if (same == null) {
                into.add(item.deepCopy());
            } else {
                merge((ObjectNode) same, item);
            }
        }
    }
}
