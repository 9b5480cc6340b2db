package dev.iccache.server.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.api.Usage;
import java.io.IOException;
import java.util.Optional;

/**
 * Translates a chat completion into an Anthropic message object: the text as a text block, tool
 * calls as {@code tool_use} blocks, the finish reason as a {@code stop_reason}, the usage as
 * input and output tokens.
 */
public final class AnthropicResponses {
    private AnthropicResponses() {
    }

    /** Why generation stopped, in Anthropic's terms, and the stop sequence that stopped it if one did. */
    record Stop(String reason, Optional<String> sequence) {
        /**
         * From a choice's {@code finish_reason} and, for a stop sequence, vLLM's {@code stop_reason}
         * (the matched string; the simulated backend sets it too). A backend that does not say which
         * sequence matched gets {@code end_turn}.
         */
        static Stop of(Optional<String> finishReason, JsonNode choice) {
            String finish = finishReason.orElse("stop");
            return switch (finish) {
                case "length" -> new Stop("max_tokens", Optional.empty());
                case "tool_calls", "function_call" -> new Stop("tool_use", Optional.empty());
                case "content_filter" -> new Stop("refusal", Optional.empty());
                default -> choice.path("stop_reason").isTextual()
                        ? new Stop("stop_sequence", Optional.of(choice.get("stop_reason").asText()))
                        : new Stop("end_turn", Optional.empty());
            };
        }

        void putInto(ObjectNode node) {
            node.put("stop_reason", reason);
            if (sequence.isPresent()) {
                node.put("stop_sequence", sequence.get());
            } else {
                node.putNull("stop_sequence");
            }
        }
    }

    /** The message for a complete answer, with iccache's id and the model that answered. */
    public static ObjectNode message(ChatResponse response, String id, String model) {
        JsonNode choice = response.body().path("choices").path(0);
        ObjectNode out = envelope(id, model);
        ArrayNode content = out.putArray("content");
        String text = response.content();
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : choice.path("message").path("tool_calls")) {
            ObjectNode block = content.addObject().put("type", "tool_use").put("id", call.path("id").asText());
            block.put("name", call.path("function").path("name").asText());
            block.set("input", toolInput(call.path("function").path("arguments").asText("{}"), model));
        }
        Stop.of(response.finishReason(), choice).putInto(out);
        out.set("usage", usage(response.usage().orElse(new Usage(0, 0))));
        return out;
    }

    /** A message with no content or stop reason yet: the {@code message_start} of a stream. */
    static ObjectNode envelope(String id, String model) {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", model);
        out.putArray("content");
        out.putNull("stop_reason");
        out.putNull("stop_sequence");
        out.set("usage", usage(new Usage(0, 0)));
        return out;
    }

    static ObjectNode usage(Usage usage) {
        ObjectNode u = Json.object();
        u.put("input_tokens", usage.promptTokens());
        u.put("output_tokens", usage.completionTokens());
        return u;
    }

    private static JsonNode toolInput(String arguments, String model) {
        try {
            JsonNode input = Json.MAPPER.readTree(arguments.isBlank() ? "{}" : arguments);
            if (input != null && input.isObject()) {
                return input;
            }
        } catch (IOException e) {
            // reported below
        }
        throw IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend " + model + " answered with tool"
                + " arguments that are not a JSON object, which an Anthropic tool_use block cannot carry.");
    }
}
