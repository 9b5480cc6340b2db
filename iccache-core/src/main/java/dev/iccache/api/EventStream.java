package dev.iccache.api;

import java.util.Optional;

/**
 * A backend's server-sent events as it sent them, read by one thread: what iccache relays
 * unchanged for the endpoints it forwards ({@code /v1/completions}, {@code /v1/responses}).
 * {@link #close()} before the end cancels the upstream call.
 */
public interface EventStream extends AutoCloseable {
    /**
     * The next event's lines ({@code event:}, {@code data:}, {@code id:}, comments) joined by line
     * feeds, without the blank line that ended it; empty once the backend ended the stream.
     *
     * @throws IccacheException if the backend failed, timed out or went beyond a limit mid-stream
     */
    Optional<String> next();

    /** Releases the upstream call; idempotent. */
    @Override
    void close();
}
