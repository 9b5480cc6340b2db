package dev.iccache.backend;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.EventStream;
import dev.iccache.api.IccacheException;
import dev.iccache.config.BackendConfig;
import java.util.Optional;

/**
 * A model server that answers OpenAI chat completions. Implementations send the request with the
 * backend's own upstream model id, whatever model the client named. Failures are
 * {@link dev.iccache.api.IccacheException}s whose kind says whether to retry.
 */
public interface ModelBackend extends AutoCloseable {
    /** The backend's configuration (name, role, cost, limits). */
    BackendConfig config();

    /** A whole completion. */
    ChatResponse complete(ChatRequest request);

    /**
     * A streamed completion. Returns once the backend accepted the call; failures before that are
     * thrown here, failures after it from {@link ChatStream#next()}. The stream always ends with
     * a chunk carrying {@code usage}.
     */
    ChatStream stream(ChatRequest request);

    /**
     * The request body of another OpenAI endpoint, sent to {@code path} under the backend's base URL
     * ({@code /completions}, {@code /responses}, {@code /embeddings}) as it is but for {@code model},
     * which becomes the backend's upstream id (the body is the backend's from now on); returns the
     * backend's JSON answer as it is. Backends that serve only chat completions (the simulated ones)
     * refuse with a 400 ({@code unsupported_endpoint}).
     */
    default ObjectNode forward(String path, ObjectNode body) {
        throw unsupportedEndpoint(path);
    }

    /**
     * As {@link #forward}, for a streamed answer: returns once the backend accepted the call (failures
     * before that are thrown here), then relays its events as they come.
     */
    default EventStream forwardStream(String path, ObjectNode body) {
        throw unsupportedEndpoint(path);
    }

    private IccacheException unsupportedEndpoint(String path) {
        return new IccacheException(ErrorKind.INVALID_REQUEST, "Backend '" + config().name()
                + "' serves only /v1/chat/completions" + (config().simulatedProfile().isPresent()
                ? " (it is simulated)" : "") + ", not /v1" + path + "; name a remote backend.", "model",
                "unsupported_endpoint", null);
    }

    /**
     * The load the server itself reports (vLLM's running and waiting requests, say), when it
     * reports one; empty means the gateway counts its own calls instead.
     */
    default Optional<LoadSnapshot> reportedLoad() {
        return Optional.empty();
    }

    @Override
    default void close() {
    }
}
