package dev.iccache.api;

import java.util.Optional;

/**
 * A stream of chunks from a backend, read by one thread. Blocking by design: iccache serves each
 * request on its own virtual thread. {@link #close()} before the end cancels the upstream call.
 */
public interface ChatStream extends AutoCloseable {
    /**
     * The next chunk, or empty once the stream completed normally.
     *
     * @throws IccacheException if the backend failed or timed out mid-stream
     */
    Optional<ChatChunk> next();

    /** Releases the upstream call; idempotent. */
    @Override
    void close();
}
