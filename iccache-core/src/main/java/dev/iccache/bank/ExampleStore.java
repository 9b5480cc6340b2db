package dev.iccache.bank;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Durable example bank with vector search scoped by tenant. Implementations: exact-scan in
 * memory (reference), Lucene HNSW on local disk (default), Apache Cassandra (shared by several gateways, with a
 * node-local {@link MirroredExampleStore mirror} for searches). The
 * interface carries no storage-engine types. Every method is thread-safe; searches never wait for
 * writes. Deletes are durable on return, and a store that keeps files keeps nothing of the deleted
 * examples in them by then, except after {@link #deleteAll} (docs/example-store.md, "Deletes
 * erase").
 */
public interface ExampleStore extends AutoCloseable {
    /**
     * Inserts or replaces examples by id. When this returns the examples are durable (they
     * survive a crash of the process) and visible to searches.
     */
    void putAll(Collection<Example> examples);

    default void put(Example example) {
        putAll(List.of(example));
    }

    Optional<Example> get(String id);

    /** Deletes one example; false if it did not exist. Durable on return. */
    boolean delete(String id);

    /**
     * Deletes the examples with these ids (eviction); returns how many existed. Durable on return;
     * their data may stay in the store's files until the next erasing delete or merge.
     */
    long deleteAll(Collection<String> ids);

    /**
     * Deletes every example of one end user of a tenant (right to be forgotten), {@code user} being the
     * stored value ({@link Example#user()}, a pseudonym); returns how many. Durable on return.
     */
    long deleteUser(String tenant, String user);

    /** Deletes every example of a tenant; returns how many. Durable on return. */
    long deleteTenant(String tenant);

    /**
     * The {@code k} examples most similar to {@code vector} among those of the given tenants that
     * are not expired at {@code now}, best first. The tenant filter is part of the search: it
     * returns {@code k} results whenever the scope holds at least {@code k} live examples.
     */
    List<SearchHit> search(float[] vector, Set<String> tenants, int k, Instant now);

    /** Applies batched statistics changes; unknown ids are ignored. */
    void updateStats(Collection<StatsDelta> deltas, Instant now);

    /**
     * Sets the statistics of these examples to the given values (a mirror copying them from the store it follows);
     * unknown ids are ignored. Durable on return.
     */
    default void replaceStats(Map<String, ExampleStats> stats) {
        List<Example> known = new ArrayList<>();
        stats.forEach((id, s) -> get(id).ifPresent(e -> known.add(e.withStats(s))));
        putAll(known);
    }

    /**
     * Rewrites the store's files into at most {@code maxParts} parts when it has more, so that a search visits fewer
     * of them (Lucene: a forced merge of its segments and their vector graphs); returns how many parts
     * there were before, or 0 for a store without such parts (memory, Cassandra). Writes and searches go on
     * meanwhile; it takes minutes of one core at a million examples.
     */
    default int compact(int maxParts) {
        if (maxParts < 1) {
            throw new IllegalArgumentException("maxParts must be at least 1, got " + maxParts);
        }
        return 0;
    }

    /** Deletes examples expired at {@code now}; returns how many. */
    long purgeExpired(Instant now);

    /** Visits every example (of one tenant, if given) in no particular order. */
    void forEach(Optional<String> tenant, Consumer<Example> visitor);

    StoreStats stats();

    @Override
    void close();
}
