package dev.iccache.bank;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One change to a shared store, as its {@link ChangeFeed} records it: which example, what happened, when, and
 * which store instance made it.
 *
 * @param id        unique id of this change (a time-based UUID in the Cassandra feed)
 * @param at        when the change was made, by the writer's clock
 * @param exampleId the example changed
 * @param kind      what happened
 * @param origin    {@link ChangeFeed#origin()} of the store instance that made it
 */
public record StoreChange(UUID id, Instant at, String exampleId, Kind kind, UUID origin) {
    /** What a change did to its example. */
    public enum Kind {
        /** The example was inserted or replaced: read it again. */
        PUT,
        /** Its statistics changed: read them again. */
        STATS,
        /** It is being deleted: drop it now (recorded before the delete itself, so a mirror errs towards dropping). */
        DELETE
    }

    public StoreChange {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(exampleId, "exampleId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(origin, "origin");
    }
}
