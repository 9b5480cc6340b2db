package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.IccacheException;
import io.helidon.webserver.http.ServerRequest;
import java.io.OutputStream;
import java.util.Optional;

/**
 * One API dialect in front of the chat pipeline ({@link ChatCompletionsHandler}): how its requests
 * become a {@link ChatRequest}, and how answers, stream chunks and errors go back in its shape.
 * OpenAI chat completions ({@link OpenAiWire}) and Anthropic messages ({@link AnthropicWire}).
 */
interface WireFormat {
    /** The request's API key, as an {@code Authorization: Bearer} value for the tenant resolver. */
    Optional<String> authorization(ServerRequest req);

    /** The request body as a validated chat request; bad input is an {@code INVALID_REQUEST}. */
    ChatRequest parse(byte[] body);

    /** The path this dialect is served on (the {@code endpoint} label of {@code iccache_requests_total}). */
    String endpoint();

    /** The prefix of the response ids this dialect hands out (and feedback refers to). */
    String idPrefix();

    /** The body of a complete answer, with iccache's response id and the model that answered. */
    ObjectNode completion(ChatResponse response, String id, String model);

    /** The events of one streamed answer, written to {@code out} (an SSE response already started). */
    EventStream events(OutputStream out, ChatRequest request, String id, String model);

    /** The error body for a failure sent with its status. */
    ObjectNode error(IccacheException e);

    /** Writes one stream's events; used by the one thread serving the request. */
    interface EventStream {
        /** Relays one upstream chunk; false when the client has gone away. */
        boolean relay(ChatChunk chunk);

        /** Ends the stream normally and the response; false when the client has gone away. */
        boolean finish();

        /** Reports a failure after the 200 was sent, and ends the response without a normal end. */
        void fail(IccacheException e);
    }
}
