package dev.iccache.backend;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
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
