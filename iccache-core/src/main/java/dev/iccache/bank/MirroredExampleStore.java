package dev.iccache.bank;

import dev.iccache.api.Json;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A shared store (the source of truth, say Cassandra) with a node-local copy (say Lucene) that answers the searches.
 * Writes go to the shared store and then to the local copy; {@link #sync()}, called every fraction of a second by
 * the owner, applies what other store instances changed, read from the shared store's {@link ChangeFeed}. Reads by
 * id, scans and counts go to the shared store. See docs/example-store.md, "The node-local mirror".
 *
 * <p>Each sync reads the changes made since {@link #LOOKBACK} before the start of the last successful one (changes
 * become readable when acknowledged, which may be after their time) and skips those already applied. A change of
 * another instance is applied by reading the example's current state (put or new statistics; one not readable yet,
 * because the change was readable before its row, is read again at the next sync), except a delete, which is
 * recorded before the delete itself and drops the local copy at once. A mirror that fell behind
 * the feed's retention, or has no saved position, or follows another feed, is emptied and copied anew.
 */
public final class MirroredExampleStore implements ExampleStore {
    /** How far before the last sync's start each sync reads again: writes acknowledged after their time. */
    public static final Duration LOOKBACK = Duration.ofSeconds(10);
    private static final int COPY_BATCH = 500;
    private static final Duration SAVE_EVERY = Duration.ofSeconds(5);
    private static final Logger LOG = System.getLogger(MirroredExampleStore.class.getName());
    private static final String IDENTITY = "identity";
    private static final String SYNCED_FROM = "synced-from";

    private final ExampleStore shared;
    private final ChangeFeed feed;
    private final ExampleStore local;
    private final Path positionFile;
    private final InstantSource clock;
    /** Writes of this instance hold it shared; a sync holds it alone, so it never reads a state a write overtakes. */
    private final ReentrantReadWriteLock order = new ReentrantReadWriteLock();
    /** Changes applied within the window the next sync reads again, by id, with their time. */
    private final Map<UUID, Instant> applied = new HashMap<>();
    /** Start of the last successful sync: every change made before it minus {@link #LOOKBACK} is applied. */
    private volatile Instant syncedFrom;
    private Instant savedAt = Instant.MIN;

    private MirroredExampleStore(ExampleStore shared, ChangeFeed feed, ExampleStore local, Path positionFile,
            InstantSource clock) {
        this.shared = shared;
        this.feed = feed;
        this.local = local;
        this.positionFile = positionFile;
        this.clock = clock;
    }

    /**
     * Opens the mirror and brings the local copy up to date: caught up from the feed when {@code positionFile}
     * holds a position within its retention, else emptied and copied from the shared store. Takes ownership of
     * both stores (closes them on failure and on {@link #close()}).
     *
     * @param shared       the source of truth, whose writes record changes in {@code feed}
     * @param local        the node-local copy that answers searches
     * @param positionFile where the mirror keeps how far it has synced (a small JSON file)
     */
    public static MirroredExampleStore open(ExampleStore shared, ChangeFeed feed, ExampleStore local, Path positionFile,
            InstantSource clock) {
        MirroredExampleStore mirror = new MirroredExampleStore(shared, feed, local, positionFile, clock);
        try {
            Instant now = clock.instant();
            Optional<Instant> saved = mirror.savedPosition().filter(t -> mirror.withinRetention(t, now));
            if (saved.isPresent()) {
                mirror.syncedFrom = saved.get();
            } else {
                mirror.copyAnew(now);
            }
            mirror.sync();
            return mirror;
        } catch (RuntimeException e) {
            mirror.close();
            throw e;
        }
    }

    /**
     * Applies the changes other instances made since the last sync; returns how many it applied. Throws what the
     * shared store throws when unreachable (the next sync reads from the same position).
     */
    public int sync() {
        Lock alone = order.writeLock();
        alone.lock();
        try {
            Instant start = clock.instant();
            if (!withinRetention(syncedFrom, start)) {
                copyAnew(start);
            }
            Instant from = syncedFrom.minus(LOOKBACK);
            List<StoreChange> fresh = feed.changesSince(from, start).stream()
                    .filter(c -> !applied.containsKey(c.id())).toList();
            Map<String, StoreChange> latest = new LinkedHashMap<>();
            for (StoreChange c : fresh) {
                if (!ownWrite(c)) {
                    latest.remove(c.exampleId());
                    latest.put(c.exampleId(), c);
                }
            }
            Set<String> unreadable = apply(latest.values());
            fresh.stream().filter(c -> !unreadable.contains(c.exampleId())).forEach(c -> applied.put(c.id(), c.at()));
            applied.values().removeIf(at -> at.isBefore(from));
            syncedFrom = start;
            if (!start.isBefore(savedAt.plus(SAVE_EVERY))) {
                savePosition();
            }
            return latest.size();
        } finally {
            alone.unlock();
        }
    }

    /** How far the local copy may be behind the shared store at {@code now}: the time since the last sync began. */
    public Duration behind(Instant now) {
        return Duration.between(syncedFrom, now);
    }

    /** This instance's own puts and deletes reached the local copy when they were made; its statistics did not. */
    private boolean ownWrite(StoreChange c) {
        return c.origin().equals(feed.origin()) && c.kind() != StoreChange.Kind.STATS;
    }

    /**
     * Applies each example's last change: a delete at once, anything else by reading its current state. Returns the
     * examples whose put or statistics could not be read: the change may be readable before the write it records (a
     * Cassandra logged batch applies the row and its change apart), so the next sync reads them again, as long as
     * they are within its look-back (an example deleted since has a delete of its own in the feed).
     */
    private Set<String> apply(Collection<StoreChange> changes) {
        List<String> read = changes.stream().filter(c -> c.kind() != StoreChange.Kind.DELETE)
                .map(StoreChange::exampleId).toList();
        Map<String, Example> current = feed.current(read);
        List<String> deleted = new ArrayList<>();
        Set<String> unreadable = new HashSet<>();
        List<Example> put = new ArrayList<>();
        Map<String, ExampleStats> stats = new LinkedHashMap<>();
        for (StoreChange c : changes) {
            Example e = current.get(c.exampleId());
            if (c.kind() == StoreChange.Kind.DELETE) {
                deleted.add(c.exampleId());
            } else if (e == null) {
                unreadable.add(c.exampleId());
            } else if (c.kind() == StoreChange.Kind.STATS && local.get(e.id()).isPresent()) {
                stats.put(e.id(), e.stats());
            } else {
                put.add(e);
            }
        }
        if (!deleted.isEmpty()) {
            local.deleteAll(deleted);
        }
        local.putAll(put);
        local.replaceStats(stats);
        return unreadable;
    }

    /** Empties the local copy and copies the shared store into it; changes are then read from {@code now}. */
    private void copyAnew(Instant now) {
        for (String tenant : local.stats().countByTenant().keySet()) {
            local.deleteTenant(tenant);
        }
        List<Example> batch = new ArrayList<>(COPY_BATCH);
        shared.forEach(Optional.empty(), e -> {
            batch.add(e);
            if (batch.size() == COPY_BATCH) {
                local.putAll(batch);
                batch.clear();
            }
        });
        local.putAll(batch);
        applied.clear();
        syncedFrom = now;
    }

    private boolean withinRetention(Instant position, Instant now) {
        return position.minus(LOOKBACK).isAfter(now.minus(feed.retention()));
    }

    /**
     * The position saved for this feed; empty without one or for another feed. A file that is not a position fails
     * with a message naming it (as the other state files do).
     */
    private Optional<Instant> savedPosition() {
        return Json.readState(positionFile, "the bank mirror's position", "copy the bank anew")
                .filter(node -> feed.identity().equals(node.path(IDENTITY).asText()))
                .map(node -> {
                    try {
                        return Instant.parse(node.path(SYNCED_FROM).asText());
                    } catch (DateTimeParseException e) {
                        throw new IllegalStateException("the bank mirror's position " + positionFile + " has no valid "
                                + SYNCED_FROM + "; move it away to copy the bank anew", e);
                    }
                });
    }

    /** Writes the position atomically: the local copy holds everything before it (its writes are durable). */
    private void savePosition() {
        Json.writeAtomically(positionFile, Json.object().put(IDENTITY, feed.identity())
                .put(SYNCED_FROM, syncedFrom.toString()));
        savedAt = syncedFrom;
    }

    /** Runs a write of this instance: first the shared store, then the local copy. */
    private <T> T write(Function<ExampleStore, T> change) {
        Lock writes = order.readLock();
        writes.lock();
        try {
            T result = change.apply(shared);
            change.apply(local);
            return result;
        } finally {
            writes.unlock();
        }
    }

    @Override
    public void putAll(Collection<Example> examples) {
        write(s -> {
            s.putAll(examples);
            return null;
        });
    }

    @Override
    public Optional<Example> get(String id) {
        return shared.get(id);
    }

    @Override
    public boolean delete(String id) {
        return write(s -> s.delete(id));
    }

    @Override
    public long deleteAll(Collection<String> ids) {
        return write(s -> s.deleteAll(ids));
    }

    @Override
    public long deleteUser(String tenant, String user) {
        return write(s -> s.deleteUser(tenant, user));
    }

    @Override
    public long deleteTenant(String tenant) {
        return write(s -> s.deleteTenant(tenant));
    }

    /** Searches the local copy: every example synced so far, with the statistics synced with it. */
    @Override
    public List<SearchHit> search(float[] vector, Set<String> tenants, int k, Instant now) {
        return local.search(vector, tenants, k, now);
    }

    /** Compacts the local copy, which the searches read; the shared store has no parts to compact. */
    @Override
    public int compact(int maxParts) {
        return local.compact(maxParts);
    }

    /** Changes the shared store's statistics; the local copy takes them at the next sync. */
    @Override
    public void updateStats(Collection<StatsDelta> deltas, Instant now) {
        shared.updateStats(deltas, now);
    }

    @Override
    public long purgeExpired(Instant now) {
        return write(s -> s.purgeExpired(now));
    }

    @Override
    public void forEach(Optional<String> tenant, Consumer<Example> visitor) {
        shared.forEach(tenant, visitor);
    }

    @Override
    public StoreStats stats() {
        return shared.stats();
    }

    @Override
    public void close() {
        try {
            if (syncedFrom != null && order.writeLock().tryLock()) {
                try {
                    savePosition();
                } finally {
                    order.writeLock().unlock();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the mirror's position was not saved; the next start catches up from an older "
                    + "one, or copies the bank anew: " + e.getMessage());
        } finally {
            try {
                local.close();
            } finally {
                shared.close();
            }
        }
    }
}
