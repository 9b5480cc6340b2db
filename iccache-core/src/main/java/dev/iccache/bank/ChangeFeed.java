package dev.iccache.bank;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The changes a shared store records as it is written, readable by every store instance on it: what a
 * {@link MirroredExampleStore} follows to keep its node-local index in step (docs/example-store.md, "The node-local
 * mirror"). A change becomes readable when the write it records is acknowledged, not necessarily in the order of
 * its {@link StoreChange#at() time}: readers look back a little (see {@link MirroredExampleStore}).
 */
public interface ChangeFeed {
    /**
     * The changes made at or after {@code from}, oldest first, as far as {@link #retention()} reaches; {@code now} is
     * the reader's time (the feed may hold changes a little after it, by a writer whose clock runs ahead).
     */
    List<StoreChange> changesSince(Instant from, Instant now);

    /**
     * The current state of these examples in the store, by id. An absent id is gone or not readable yet: a change may
     * be readable before the write it records; every delete is recorded as a change of its own.
     */
    Map<String, Example> current(Collection<String> exampleIds);

    /** How long a change stays readable; a mirror that fell further behind copies the store anew. */
    Duration retention();

    /** The id this store instance puts on the changes it makes. */
    UUID origin();

    /** What the feed belongs to (say, a keyspace): a mirror of another bank is not caught up but copied anew. */
    String identity();
}
