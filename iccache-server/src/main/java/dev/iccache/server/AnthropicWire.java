package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.IccacheException;
import dev.iccache.server.anthropic.AnthropicErrors;
import dev.iccache.server.anthropic.AnthropicEvents;
import dev.iccache.server.anthropic.AnthropicRequests;
import dev.iccache.server.anthropic.AnthropicResponses;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) in front of the chat pipeline; the
 * translation is in {@code dev.iccache.server.anthropic}. The API key comes in {@code x-api-key}
 * (Anthropic's SDKs) or {@code Authorization: Bearer}; {@code anthropic-version} is accepted and
 * not needed.
 */
final class AnthropicWire implements WireFormat {
    private static final HeaderName API_KEY = HeaderNames.create("x-api-key");

    @Override
    public Optional<String> authorization(ServerRequest req) {
        Optional<String> key = req.headers().first(API_KEY).map(String::strip).filter(k -> !k.isEmpty());
        return key.isPresent() ? key.map(k -> "Bearer " + k) : req.headers().first(HeaderNames.AUTHORIZATION);
    }

    @Override
    public ChatRequest parse(byte[] body) {
        return AnthropicRequests.toChat(body);
    }

    @Override
    public String endpoint() {
        return "/v1/messages";
    }

    @Override
    public String idPrefix() {
        return "msg_ic";
    }

    @Override
    public ObjectNode completion(ChatResponse response, String id, String model) {
        return AnthropicResponses.message(response, id, model);
    }

    @Override
    public EventStream events(OutputStream out, ChatRequest request, String id, String model) {
        AnthropicEvents events = new AnthropicEvents(id, model);
        return new EventStream() {
            @Override
            public boolean relay(ChatChunk chunk) {
                return write(events.next(chunk));
            }

            @Override
            public boolean finish() {
                return write(events.end()) && OpenAiHttp.tryClose(out);
            }

            @Override
            public void fail(IccacheException e) {
                if (write(List.of(AnthropicEvents.error(e)))) {
                    OpenAiHttp.tryClose(out);
                }
            }

            private boolean write(List<AnthropicEvents.Event> batch) {
                for (AnthropicEvents.Event e : batch) {
                    if (!OpenAiHttp.tryWriteEvent(out, Optional.of(e.name()), e.data())) {
                        return false;
                    }
                }
                return true;
            }
        };
    }

    @Override
    public ObjectNode error(IccacheException e) {
        return AnthropicErrors.body(e);
    }
}
