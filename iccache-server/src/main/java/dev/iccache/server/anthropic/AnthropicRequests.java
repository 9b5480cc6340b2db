package dev.iccache.server.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Translates an Anthropic Messages API request ({@code POST /v1/messages}) into the OpenAI chat
 * completion request the gateway serves. Text, images (base64 or URL), client tools with
 * {@code tool_use} and {@code tool_result} blocks translate; prompt-caching hints
 * ({@code cache_control}) are ignored; anything else is refused with an {@code INVALID_REQUEST}
 * naming the field, never silently dropped (docs/api.md).
 */
public final class AnthropicRequests {
    /** At most this many stop sequences: the OpenAI limit the backends enforce. */
    static final int MAX_STOP_SEQUENCES = 4;
    private static final Set<String> FIELDS = Set.of("model", "max_tokens", "messages", "system", "stop_sequences",
            "temperature", "top_p", "top_k", "stream", "metadata", "tools", "tool_choice", "thinking");
    private static final String REFUSED = " is not supported by iccache's /v1/messages";

    private AnthropicRequests() {
    }

    /** The chat request for an Anthropic request body; bad or unsupported input is an {@code INVALID_REQUEST}. */
    public static ChatRequest toChat(byte[] json) {
        JsonNode node = Json.parse(json);
        if (!node.isObject()) {
            throw IccacheException.invalid(null, "The request body must be a JSON object.");
        }
        ObjectNode in = (ObjectNode) node;
        in.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw IccacheException.invalid(f, "'" + f + "'" + REFUSED + " (supported: " + String.join(", ",
                        FIELDS.stream().sorted().toList()) + ").");
            }
        });
        ObjectNode out = Json.object();
        JsonNode model = in.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw IccacheException.invalid("model", "'model' is required: the virtual model or a configured backend"
                    + " model, as a string.");
        }
        out.put("model", model.asText());
        JsonNode maxTokens = in.get("max_tokens");
        if (maxTokens == null || !maxTokens.isIntegralNumber() || maxTokens.asLong() < 1 || !maxTokens.canConvertToInt()) {
            throw IccacheException.invalid("max_tokens", "'max_tokens' is required and must be a positive integer.");
        }
        out.put("max_tokens", maxTokens.asInt());
        ArrayNode messages = out.putArray("messages");
        system(in.get("system"), messages);
        conversation(in.get("messages"), messages);
        stopSequences(in.get("stop_sequences"), out);
        number(in, "temperature", 0, 1, out);
        number(in, "top_p", 0, 1, out);
        JsonNode topK = present(in, "top_k");
        if (topK != null) {
            if (!topK.isIntegralNumber() || topK.asLong() < 0 || !topK.canConvertToInt()) {
                throw IccacheException.invalid("top_k", "'top_k' must be a non-negative integer.");
            }
            out.put("top_k", topK.asInt());
        }
        JsonNode stream = present(in, "stream");
        if (stream != null) {
            if (!stream.isBoolean()) {
                throw IccacheException.invalid("stream", "'stream' must be a boolean.");
            }
            out.put("stream", stream.asBoolean());
        }
        metadata(present(in, "metadata"), out);
        tools(present(in, "tools"), out);
        toolChoice(present(in, "tool_choice"), out);
        JsonNode thinking = present(in, "thinking");
        if (thinking != null && !thinking.path("type").asText().equals("disabled")) {
            throw IccacheException.invalid("thinking", "Extended thinking" + REFUSED + "; omit 'thinking' or send"
                    + " {\"type\": \"disabled\"}.");
        }
        return ChatRequest.of(out);
    }

    /** The field's value, or null when absent or JSON null. */
    private static JsonNode present(ObjectNode in, String field) {
        JsonNode v = in.get(field);
        return v == null || v.isNull() ? null : v;
    }

    private static void number(ObjectNode in, String field, double min, double max, ObjectNode out) {
        JsonNode v = present(in, field);
        if (v == null) {
            return;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw IccacheException.invalid(field, "'" + field + "' must be a number between " + (int) min + " and "
                    + (int) max + ".");
        }
        out.set(field, v);
    }

    /** The system prompt (a string or text blocks) as a first system message; none when empty. */
    private static void system(JsonNode system, ArrayNode messages) {
        if (system == null || system.isNull() || system.isTextual() && system.asText().isEmpty()) {
            return;
        }
        if (!system.isTextual() && !system.isArray()) {
            throw IccacheException.invalid("system", "'system' must be a string or an array of text blocks.");
        }
        List<ObjectNode> parts = new ArrayList<>();
        if (system.isArray()) {
            for (int i = 0; i < system.size(); i++) {
                JsonNode block = system.get(i);
                String path = "system[" + i + "]";
                if (!block.path("type").asText().equals("text")) {
                    throw IccacheException.invalid(path, path + " must be a text block; system blocks of type '"
                            + block.path("type").asText() + "'" + REFUSED + ".");
                }
                parts.add(text(block, path));
            }
        } else {
            parts.add(textPart(system.asText()));
        }
        if (!parts.isEmpty()) {
            messages.addObject().put("role", "system").set("content", content(parts));
        }
    }

    private static void conversation(JsonNode conversation, ArrayNode messages) {
        if (conversation == null || conversation.isNull()) {
            throw IccacheException.invalid("messages", "Missing required parameter: 'messages'.");
        }
        if (!conversation.isArray() || conversation.isEmpty()) {
            throw IccacheException.invalid("messages", "'messages' must be a non-empty array of message objects.");
        }
        for (int i = 0; i < conversation.size(); i++) {
            message(conversation.get(i), "messages[" + i + "]", messages);
        }
    }

    /**
     * One Anthropic message as OpenAI messages: a user turn's {@code tool_result} blocks become
     * {@code tool} messages ahead of its other blocks; an assistant turn's {@code tool_use} blocks
     * become its {@code tool_calls}.
     */
    private static void message(JsonNode message, String path, ArrayNode messages) {
        if (!message.isObject()) {
            throw IccacheException.invalid(path, path + " must be an object with 'role' and 'content'.");
        }
        String role = message.path("role").asText();
        if (!role.equals("user") && !role.equals("assistant")) {
            throw IccacheException.invalid(path + ".role", path + ".role must be 'user' or 'assistant' (the system"
                    + " prompt goes in 'system').");
        }
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            messages.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (content == null || !content.isArray() || content.isEmpty()) {
            throw IccacheException.invalid(path + ".content", path + ".content must be a string or a non-empty array"
                    + " of content blocks.");
        }
        List<ObjectNode> parts = new ArrayList<>();
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String at = path + ".content[" + j + "]";
            String type = block.path("type").asText();
            switch (type) {
                case "text" -> parts.add(text(block, at));
                case "image" -> parts.add(image(block, at, role));
                case "tool_use" -> toolCalls.add(toolCall(block, at, role));
                case "tool_result" -> messages.add(toolResult(block, at, role));
                default -> throw IccacheException.invalid(at + ".type", "Content blocks of type '" + type + "'"
                        + REFUSED + " (supported: text, image, tool_use, tool_result).");
            }
        }
        if (toolCalls.isEmpty() && parts.isEmpty()) {
            return; // only tool results, already added
        }
        ObjectNode out = messages.addObject().put("role", role);
        if (parts.isEmpty()) {
            out.putNull("content");
        } else {
            out.set("content", content(parts));
        }
        if (!toolCalls.isEmpty()) {
            out.set("tool_calls", toolCalls);
        }
    }

    /** One text part as a plain string (what every backend takes), several or with images as content parts. */
    private static JsonNode content(List<ObjectNode> parts) {
        if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text")) {
            return parts.get(0).get("text");
        }
        ArrayNode array = Json.MAPPER.createArrayNode();
        parts.forEach(array::add);
        return array;
    }

    private static ObjectNode text(JsonNode block, String path) {
        JsonNode text = block.get("text");
        if (text == null || !text.isTextual()) {
            throw IccacheException.invalid(path + ".text", path + ".text must be a string.");
        }
        return textPart(text.asText());
    }

    private static ObjectNode textPart(String text) {
        return Json.object().put("type", "text").put("text", text);
    }

    /** An image block as an OpenAI {@code image_url} part: base64 data as a data URL, or the URL. */
    private static ObjectNode image(JsonNode block, String path, String role) {
        if (!role.equals("user")) {
            throw IccacheException.invalid(path, "Images are only allowed in user messages.");
        }
        JsonNode source = block.path("source");
        String url = switch (source.path("type").asText()) {
            case "base64" -> {
                String mediaType = source.path("media_type").asText();
                String data = source.path("data").asText();
                if (mediaType.isEmpty() || data.isEmpty()) {
                    throw IccacheException.invalid(path + ".source", path + ".source needs 'media_type' and 'data'.");
                }
                yield "data:" + mediaType + ";base64," + data;
            }
            case "url" -> {
                String u = source.path("url").asText();
                if (u.isEmpty()) {
                    throw IccacheException.invalid(path + ".source.url", path + ".source.url must be a URL.");
                }
                yield u;
            }
            default -> throw IccacheException.invalid(path + ".source.type", "Image sources of type '"
                    + source.path("type").asText() + "'" + REFUSED + " (supported: base64, url).");
        };
        ObjectNode part = Json.object().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private static ObjectNode toolCall(JsonNode block, String path, String role) {
        if (!role.equals("assistant")) {
            throw IccacheException.invalid(path, "tool_use blocks are only allowed in assistant messages.");
        }
        String id = requiredText(block, "id", path);
        String name = requiredText(block, "name", path);
        JsonNode input = block.get("input");
        if (input == null || !input.isObject()) {
            throw IccacheException.invalid(path + ".input", path + ".input must be an object.");
        }
        ObjectNode call = Json.object().put("id", id).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", input.toString());
        return call;
    }

    /**
     * A {@code tool_result} block as a {@code tool} message; its text content (a string or text
     * blocks) is the message's, prefixed with "Error: " when {@code is_error} (OpenAI tool messages
     * have no error flag).
     */
    private static ObjectNode toolResult(JsonNode block, String path, String role) {
        if (!role.equals("user")) {
            throw IccacheException.invalid(path, "tool_result blocks are only allowed in user messages.");
        }
        String id = requiredText(block, "tool_use_id", path);
        JsonNode content = block.get("content");
        StringBuilder text = new StringBuilder();
        if (content != null && content.isTextual()) {
            text.append(content.asText());
        } else if (content != null && content.isArray()) {
            for (int k = 0; k < content.size(); k++) {
                String at = path + ".content[" + k + "]";
                if (!content.get(k).path("type").asText().equals("text")) {
                    throw IccacheException.invalid(at + ".type", "tool_result content other than text" + REFUSED
                            + ".");
                }
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(text(content.get(k), at).get("text").asText());
            }
        } else if (content != null && !content.isNull()) {
            throw IccacheException.invalid(path + ".content", path + ".content must be a string or text blocks.");
        }
        if (block.path("is_error").asBoolean(false)) {
            text.insert(0, "Error: ");
        }
        return Json.object().put("role", "tool").put("tool_call_id", id).put("content", text.toString());
    }

    private static String requiredText(JsonNode block, String field, String path) {
        JsonNode v = block.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw IccacheException.invalid(path + "." + field, path + "." + field + " must be a non-empty string.");
        }
        return v.asText();
    }

    private static void stopSequences(JsonNode stops, ObjectNode out) {
        if (stops == null || stops.isNull()) {
            return;
        }
        if (!stops.isArray()) {
            throw IccacheException.invalid("stop_sequences", "'stop_sequences' must be an array of strings.");
        }
        if (stops.size() > MAX_STOP_SEQUENCES) {
            throw IccacheException.invalid("stop_sequences", "At most " + MAX_STOP_SEQUENCES + " stop_sequences are"
                    + " supported (the limit of the OpenAI-compatible backends); got " + stops.size() + ".");
        }
        ArrayNode stop = out.putArray("stop");
        for (JsonNode s : stops) {
            if (!s.isTextual() || s.asText().isEmpty()) {
                throw IccacheException.invalid("stop_sequences", "'stop_sequences' must be non-empty strings.");
            }
            stop.add(s.asText());
        }
        if (stop.isEmpty()) {
            out.remove("stop");
        }
    }

    /** {@code metadata.user_id} becomes the OpenAI {@code user} (per-user scoping, docs/example-bank.md). */
    private static void metadata(JsonNode metadata, ObjectNode out) {
        if (metadata == null) {
            return;
        }
        if (!metadata.isObject()) {
            throw IccacheException.invalid("metadata", "'metadata' must be an object.");
        }
        metadata.fieldNames().forEachRemaining(f -> {
            if (!f.equals("user_id")) {
                throw IccacheException.invalid("metadata." + f, "'metadata." + f + "'" + REFUSED
                        + " (supported: user_id).");
            }
        });
        JsonNode user = metadata.get("user_id");
        if (user != null && !user.isNull()) {
            if (!user.isTextual()) {
                throw IccacheException.invalid("metadata.user_id", "'metadata.user_id' must be a string.");
            }
            out.put("user", user.asText());
        }
    }

    /** Client tools ({@code name}, {@code description}, {@code input_schema}) as OpenAI function tools. */
    private static void tools(JsonNode tools, ObjectNode out) {
        if (tools == null) {
            return;
        }
        if (!tools.isArray()) {
            throw IccacheException.invalid("tools", "'tools' must be an array.");
        }
        ArrayNode functions = out.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String path = "tools[" + i + "]";
            String type = tool.path("type").asText("custom");
            if (!type.equals("custom")) {
                throw IccacheException.invalid(path + ".type", "Server tools ('" + type + "')" + REFUSED
                        + "; only client tools with an input_schema translate.");
            }
            String name = requiredText(tool, "name", path);
            JsonNode schema = tool.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw IccacheException.invalid(path + ".input_schema", path + ".input_schema must be a JSON schema"
                        + " object.");
            }
            ObjectNode function = functions.addObject().put("type", "function").putObject("function");
            function.put("name", name);
            if (tool.path("description").isTextual()) {
                function.put("description", tool.get("description").asText());
            }
            function.set("parameters", schema);
        }
    }

    /** auto, any (OpenAI's required), tool (one named function) or none; {@code disable_parallel_tool_use}. */
    private static void toolChoice(JsonNode choice, ObjectNode out) {
        if (choice == null) {
            return;
        }
        String type = choice.path("type").asText();
        switch (type) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", requiredText(choice, "name", "tool_choice"));
            default -> throw IccacheException.invalid("tool_choice.type", "'tool_choice.type' must be auto, any,"
                    + " tool or none.");
        }
        if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
            out.put("parallel_tool_calls", false);
        }
    }
}
