package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.IccacheException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.OutputStream;
import java.time.InstantSource;
import java.util.Optional;

/**
 * OpenAI chat completions: the request as sent, answers and chunks relayed with iccache's id and
 * the model that answered; the usage chunk only when the client asked for it.
 */
final class OpenAiWire implements WireFormat {
    private final InstantSource wallClock;

    /** @param wallClock stamps {@code created} on answers whose backend left it out */
    OpenAiWire(InstantSource wallClock) {
        this.wallClock = wallClock;
    }

    @Override
    public Optional<String> authorization(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION);
    }

    @Override
    public ChatRequest parse(byte[] body) {
        return ChatRequest.parse(body);
    }

    @Override
    public String endpoint() {
        return "/v1/chat/completions";
    }

    @Override
    public String idPrefix() {
        return "chatcmpl-ic";
    }

    @Override
    public ObjectNode completion(ChatResponse response, String id, String model) {
        ObjectNode body = response.body();
        body.put("id", id);
        body.put("model", model);
        if (!body.hasNonNull("created")) {
            body.put("created", wallClock.instant().getEpochSecond());
        }
        return body;
    }

    @Override
    public EventStream events(OutputStream out, ChatRequest request, String id, String model) {
        boolean includeUsage = request.includeUsage();
        return new EventStream() {
            @Override
            public boolean relay(ChatChunk chunk) {
                if (!includeUsage && !chunk.hasChoices()) {
                    return true;
                }
                ObjectNode body = chunk.body();
                body.put("id", id);
                body.put("model", model);
                if (!includeUsage) {
                    body.remove("usage");
                }
                return OpenAiHttp.tryWriteEvent(out, body);
            }

            @Override
            public boolean finish() {
                return OpenAiHttp.tryFinish(out);
            }

            /** An error event, and no [DONE], so clients see the truncation. */
            @Override
            public void fail(IccacheException e) {
                OpenAiHttp.tryEndWithError(out, e);
            }
        };
    }

    @Override
    public ObjectNode error(IccacheException e) {
        return OpenAiHttp.errorBody(e);
    }
}
