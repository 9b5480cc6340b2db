package dev.iccache.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A validated OpenAI chat completion request. It keeps the client's JSON body as received, so
 * every generation parameter (temperature, tools, response_format, ...) passes to the backend
 * unchanged; only the fields iccache reads are checked and exposed.
 */
public final class ChatRequest {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    private final ObjectNode body;

    private ChatRequest(ObjectNode body) {
        this.body = body;
    }

    /** Parses and validates a request body; any problem is an {@link ErrorKind#INVALID_REQUEST}. */
    public static ChatRequest parse(byte[] json) {
        JsonNode node = Json.parse(json);
        if (!node.isObject()) {
            throw IccacheException.invalid(null, "The request body must be a JSON object.");
        }
        return of((ObjectNode) node);
    }

    /** Validates an already parsed body (the node is owned by the request from now on). */
    public static ChatRequest of(ObjectNode body) {
        validate(body);
        return new ChatRequest(body);
    }

    /** The {@code model} of an OpenAI request body, or a 400 when it is missing or not a non-empty string. */
    public static String requireModel(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw IccacheException.invalid("model", "Missing required parameter: 'model'.");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw IccacheException.invalid("model", "'model' must be a non-empty string.");
        }
        return model.asText();
    }

    private static void validate(ObjectNode body) {
        requireModel(body);
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw IccacheException.invalid("messages", "Missing required parameter: 'messages'.");
        }
        if (!messages.isArray()) {
            throw IccacheException.invalid("messages", "'messages' must be an array of message objects.");
        }
        if (messages.isEmpty()) {
            throw IccacheException.invalid("messages", "'messages' must contain at least one message.");
        }
        for (int i = 0; i < messages.size(); i++) {
            validateMessage(messages.get(i), "messages[" + i + "]");
        }
        requireType(body, "stream", JsonNode::isBoolean, "a boolean");
        requireType(body, "stream_options", JsonNode::isObject, "an object");
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && streamOptions.isObject()) {
            requireType((ObjectNode) streamOptions, "include_usage", JsonNode::isBoolean, "a boolean");
        }
        requireNumberIn(body, "temperature", 0, 2);
        requireNumberIn(body, "top_p", 0, 1);
        requireNumberIn(body, "presence_penalty", -2, 2);
        requireNumberIn(body, "frequency_penalty", -2, 2);
        requirePositiveInt(body, "max_tokens");
        requirePositiveInt(body, "max_completion_tokens");
        requireType(body, "seed", JsonNode::isIntegralNumber, "an integer");
        requirePositiveInt(body, "n");
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull() && !stop.isTextual()) {
            if (!stop.isArray() || stop.size() > 4) {
                throw IccacheException.invalid("stop", "'stop' must be a string or an array of up to 4 strings.");
            }
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw IccacheException.invalid("stop", "'stop' must be a string or an array of up to 4 strings.");
                }
            }
        }
        requireType(body, "tools", JsonNode::isArray, "an array");
        requireType(body, "response_format", JsonNode::isObject, "an object");
        requireType(body, "user", JsonNode::isTextual, "a string");
    }

    private static void validateMessage(JsonNode message, String path) {
        if (!message.isObject()) {
            throw IccacheException.invalid(path, path + " must be an object with 'role' and 'content'.");
        }
        JsonNode role = message.get("role");
        if (role == null || !role.isTextual()) {
            throw IccacheException.invalid(path + ".role", path + ".role must be a string.");
        }
        if (!ROLES.contains(role.asText())) {
            throw IccacheException.invalid(path + ".role",
                    path + ".role '" + role.asText() + "' is not one of " + ROLES + ".");
        }
        JsonNode content = message.get("content");
        boolean hasToolCalls = message.hasNonNull("tool_calls") || message.hasNonNull("function_call");
        if (content == null || content.isNull()) {
            if (!(role.asText().equals("assistant") && hasToolCalls)) {
                throw IccacheException.invalid(path + ".content", path + ".content is required.");
            }
        } else if (!content.isTextual() && !content.isArray()) {
            throw IccacheException.invalid(path + ".content",
                    path + ".content must be a string or an array of content parts.");
        }
    }

    private static void requireType(ObjectNode body, String field, java.util.function.Predicate<JsonNode> ok,
            String what) {
        JsonNode value = body.get(field);
        if (value != null && !value.isNull() && !ok.test(value)) {
            throw IccacheException.invalid(field, "'" + field + "' must be " + what + ".");
        }
    }

    private static void requireNumberIn(ObjectNode body, String field, double min, double max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw IccacheException.invalid(field, "'" + field + "' must be a number between " + fmt(min)
                    + " and " + fmt(max) + ".");
        }
    }

    private static void requirePositiveInt(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isIntegralNumber() || value.asLong() < 1 || !value.canConvertToInt()) {
            throw IccacheException.invalid(field, "'" + field + "' must be a positive integer.");
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** The model the client asked for: the virtual model or a configured backend model. */
    public String model() {
        return body.get("model").asText();
    }

    /** The conversation, as sent. */
    public ArrayNode messages() {
        return (ArrayNode) body.get("messages");
    }

    public boolean stream() {
        return body.path("stream").asBoolean(false);
    }

    /** Whether a streaming client asked for a final usage chunk. */
    public boolean includeUsage() {
        return body.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}. */
    public OptionalInt maxTokens() {
        JsonNode v = body.get("max_completion_tokens");
        if (v == null || v.isNull()) {
            v = body.get("max_tokens");
        }
        return v == null || v.isNull() ? OptionalInt.empty() : OptionalInt.of(v.asInt());
    }

    /** How many choices the client asks for ({@code n}, default 1). */
    public int n() {
        JsonNode v = body.get("n");
        return v == null || v.isNull() ? 1 : v.asInt();
    }

    /**
     * This request asking for one choice: itself when {@code n} is 1, else a copy without {@code n}
     * (the first of the choices, with the request's seed).
     */
    public ChatRequest singleChoice() {
        if (n() == 1) {
            return this;
        }
        ObjectNode copy = bodyCopy();
        copy.remove("n");
        return new ChatRequest(copy);
    }

    /** {@code temperature}, when the request sets one. */
    public OptionalDouble temperature() {
        JsonNode v = body.get("temperature");
        return v == null || v.isNull() ? OptionalDouble.empty() : OptionalDouble.of(v.asDouble());
    }

    public OptionalLong seed() {
        JsonNode v = body.get("seed");
        return v == null || v.isNull() ? OptionalLong.empty() : OptionalLong.of(v.asLong());
    }

    /** Whether the request offers the model tools or functions (agentic traffic). */
    public boolean usesTools() {
        return body.path("tools").size() > 0 || body.hasNonNull("functions");
    }

    /** The end user the client names in the OpenAI {@code user} field, if any. */
    public Optional<String> user() {
        JsonNode user = body.get("user");
        return user != null && user.isTextual() && !user.asText().isBlank() ? Optional.of(user.asText())
                : Optional.empty();
    }

    /** Stop sequences, empty when none. */
    public java.util.List<String> stop() {
        JsonNode stop = body.get("stop");
        if (stop == null || stop.isNull()) {
            return java.util.List.of();
        }
        if (stop.isTextual()) {
            return java.util.List.of(stop.asText());
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        stop.forEach(s -> out.add(s.asText()));
        return java.util.List.copyOf(out);
    }

    /** The text of the last message with role {@code user}, if any. */
    public Optional<String> lastUserText() {
        return lastUserText(messages());
    }

    /** The text of the last message with role {@code user} of an OpenAI {@code messages} array, if any. */
    public static Optional<String> lastUserText(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if ("user".equals(m.path("role").asText())) {
                return Optional.of(contentText(m.get("content")));
            }
        }
        return Optional.empty();
    }

    /** Concatenated text of a message's content (a string, or the text parts of an array). */
    public static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("type").asText("text").equals("text") && part.has("text")) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(part.get("text").asText());
            }
        }
        return sb.toString();
    }

    /** A deep copy of the body, for building an upstream request. */
    public ObjectNode bodyCopy() {
        return body.deepCopy();
    }

    /** Serialised body as received (normalised JSON). */
    @Override
    public String toString() {
        return body.toString();
    }
}
