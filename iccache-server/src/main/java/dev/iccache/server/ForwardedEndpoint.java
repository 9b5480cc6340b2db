package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.EventStream;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.BoundedBackend;
import io.helidon.webserver.http.ServerResponse;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OpenAI endpoint that iccache forwards as it is ({@code /v1/completions}, {@code /v1/responses}):
 * the body goes to the chat backend it names, pinned (no routing, no examples, no admission), and
 * the answer comes back as the backend sent it, whole or as server-sent events relayed one at a
 * time, with the backend's limits, timeouts and error mapping.
 */
final class ForwardedEndpoint implements ApiEndpoint.Service {
    private static final System.Logger LOG = System.getLogger(ForwardedEndpoint.class.getName());

    private final String endpoint;
    private final Map<String, BoundedBackend> backends;
    private final String virtualModel;
    private final List<String> embeddingModels;

    /**
     * @param endpoint        the path after {@code /v1/}, also the path under each backend's base URL
     * @param backends        the chat backends by name, in configuration order
     * @param embeddingModels the names of the embedding models, for their error message
     */
    ForwardedEndpoint(String endpoint, Map<String, BoundedBackend> backends, String virtualModel,
            List<String> embeddingModels) {
        this.endpoint = endpoint;
        this.backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
        this.virtualModel = virtualModel;
        this.embeddingModels = List.copyOf(embeddingModels);
    }

    @Override
    public int serve(ObjectNode body, String model, ApiEndpoint.Call call, ServerResponse res) {
        BoundedBackend backend = backends.get(model);
        if (backend == null) {
            throw ApiEndpoint.notServed(endpoint, model, virtualModel, List.copyOf(backends.keySet()),
                    embeddingModels, "an embedding model");
        }
        call.answeredBy(backend.config().name(), res);
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw IccacheException.invalid("stream", "'stream' must be a boolean.");
        }
        if (stream == null || !stream.asBoolean()) {
            ObjectNode answer = backend.forward("/" + endpoint, body);
            call.reported(answer);
            OpenAiHttp.sendJson(res, 200, answer);
            return 200;
        }
        call.streamed(true);
        return relay(backend.forwardStream("/" + endpoint, body), res, backend.config().name(), call);
    }

    /**
     * Relays every event; the 200 is sent with the first one, so a backend failing before it gets its
     * own status. A failure after it ends the stream with an error event; a client that hangs up
     * closes the upstream call.
     */
    private static int relay(EventStream upstream, ServerResponse res, String backend, ApiEndpoint.Call call) {
        OutputStream out = null;
        try {
            Optional<String> event = upstream.next();
            out = OpenAiHttp.startEventStream(res);
            while (event.isPresent()) {
                if (!OpenAiHttp.tryWriteRawEvent(out, event.get())) {
                    return 499;
                }
                call.reportedEvent(event.get());
                event = upstream.next();
            }
            return OpenAiHttp.tryClose(out) ? 200 : 499;
        } catch (IccacheException e) {
            if (out == null) {
                throw e;
            }
            LOG.log(Level.WARNING, "stream from " + backend + " failed: " + e.getMessage());
            OpenAiHttp.tryEndWithError(out, e);
            return e.kind().httpStatus();
        } finally {
            upstream.close();
        }
    }
}
