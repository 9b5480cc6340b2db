package dev.iccache.server.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.api.Usage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Translates one chat completion stream into the events of an Anthropic message stream:
 * {@code message_start}, {@code ping}, then per content block {@code content_block_start},
 * {@code content_block_delta} ({@code text_delta}, or {@code input_json_delta} for a tool call) and
 * {@code content_block_stop}, and at the end {@code message_delta} (stop reason, usage) and
 * {@code message_stop}. Stop reason and usage come from the upstream's last chunks, so they are
 * sent at the end. One instance per stream, used by one thread.
 */
public final class AnthropicEvents {
    /** One server-sent event: its {@code event:} name and its {@code data:} object. */
    public record Event(String name, ObjectNode data) {
    }

    private final String id;
    private final String model;
    private boolean started;
    private int blocks;
    /** The type of the open content block, if one is open. */
    private Optional<String> open = Optional.empty();
    private int openToolCall = -1;
    private final Set<Integer> toolCalls = new HashSet<>();
    private Optional<String> finishReason = Optional.empty();
    private JsonNode finalChoice = Json.object();
    private Usage usage = new Usage(0, 0);

    /** @param id iccache's message id; {@code model} the model that answers */
    public AnthropicEvents(String id, String model) {
        this.id = id;
        this.model = model;
    }

    /** The events for one upstream chunk (the first chunk also starts the message). */
    public List<Event> next(ChatChunk chunk) {
        List<Event> events = new ArrayList<>();
        start(events);
        chunk.usage().ifPresent(u -> usage = u);
        if (!chunk.hasChoices()) {
            return events;
        }
        JsonNode choice = chunk.body().path("choices").path(0);
        String text = chunk.deltaText();
        if (!text.isEmpty()) {
            if (!open.equals(Optional.of("text"))) {
                openBlock(events, Json.object().put("type", "text").put("text", ""));
            }
            events.add(delta(Json.object().put("type", "text_delta").put("text", text)));
        }
        for (JsonNode call : choice.path("delta").path("tool_calls")) {
            int index = call.path("index").asInt(0);
            if (!open.equals(Optional.of("tool_use")) || index != openToolCall) {
                if (!toolCalls.add(index)) {
                    throw IccacheException.of(ErrorKind.BACKEND_UNAVAILABLE, "Backend " + model + " interleaved the"
                            + " arguments of several tool calls, which an Anthropic stream cannot carry.");
                }
                ObjectNode block = Json.object().put("type", "tool_use");
                block.put("id", call.path("id").asText("toolu_" + id + "_" + index));
                block.put("name", call.path("function").path("name").asText());
                block.putObject("input");
                openBlock(events, block);
                openToolCall = index;
            }
            String arguments = call.path("function").path("arguments").asText("");
            if (!arguments.isEmpty()) {
                events.add(delta(Json.object().put("type", "input_json_delta").put("partial_json", arguments)));
            }
        }
        if (chunk.finishReason().isPresent()) {
            finishReason = chunk.finishReason();
            finalChoice = choice;
        }
        return events;
    }

    /** The events that end the message: the open block's stop, the stop reason with the usage, the stop. */
    public List<Event> end() {
        List<Event> events = new ArrayList<>();
        start(events);
        closeBlock(events);
        ObjectNode delta = Json.object().put("type", "message_delta");
        AnthropicResponses.Stop.of(finishReason, finalChoice).putInto(delta.putObject("delta"));
        delta.set("usage", AnthropicResponses.usage(usage));
        events.add(new Event("message_delta", delta));
        events.add(new Event("message_stop", Json.object().put("type", "message_stop")));
        return events;
    }

    /** The {@code error} event for a failure mid-stream. */
    public static Event error(IccacheException e) {
        return new Event("error", AnthropicErrors.body(e));
    }

    private void start(List<Event> events) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode start = Json.object().put("type", "message_start");
        start.set("message", AnthropicResponses.envelope(id, model));
        events.add(new Event("message_start", start));
        events.add(new Event("ping", Json.object().put("type", "ping")));
    }

    private void openBlock(List<Event> events, ObjectNode block) {
        closeBlock(events);
        ObjectNode start = Json.object().put("type", "content_block_start").put("index", blocks);
        start.set("content_block", block);
        events.add(new Event("content_block_start", start));
        open = Optional.of(block.get("type").asText());
    }

    private void closeBlock(List<Event> events) {
        if (open.isPresent()) {
            events.add(new Event("content_block_stop", Json.object().put("type", "content_block_stop")
                    .put("index", blocks)));
            open = Optional.empty();
            blocks++;
        }
    }

    private Event delta(ObjectNode delta) {
        ObjectNode event = Json.object().put("type", "content_block_delta").put("index", blocks);
        event.set("delta", delta);
        return new Event("content_block_delta", event);
    }
}
