package dev.iccache.tenant;

import java.util.Optional;
import java.util.UUID;

/**
 * Learned state that the gateways sharing one store keep together, as JSON documents by domain and name, each
 * with a version that changes on every write; writes are compare-and-set on it, so concurrent writers that read,
 * change and write again until they win lose no update (docs/routing.md, "Shared router state"). A failure of the
 * store is an unchecked exception ({@code store_unavailable}, retriable). Thread-safe.
 */
public interface SharedState {
    /** A document and the version it was read at. */
    record Versioned(String json, UUID version) {
    }

    /** The document {@code name} of {@code domain}; empty when there is none. */
    Optional<Versioned> read(String domain, String name);

    /** Writes the document if there is none yet; whether it was written. */
    boolean create(String domain, String name, String json);

    /** Replaces the document if it is still at version {@code expected}; whether it was written. */
    boolean replace(String domain, String name, UUID expected, String json);
}
