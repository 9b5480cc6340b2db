package dev.iccache.bank;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One in-memory bank that several store instances write, each recording its changes in a shared feed, as gateways
 * on one Cassandra keyspace do: the test double for {@link MirroredExampleStore}'s shared store.
 */
final class SharedMemoryBank {
    static final Duration RETENTION = Duration.ofHours(1);

    private final InMemoryExampleStore examples = new InMemoryExampleStore();
    private final List<StoreChange> changes = new ArrayList<>();
    private final InstantSource clock;
    private volatile boolean down;
    private volatile boolean failNextRead;

    SharedMemoryBank(InstantSource clock) {
        this.clock = clock;
    }

    /** A store instance on this bank, with an origin of its own. */
    Instance instance() {
        return new Instance(UUID.randomUUID());
    }

    /** Records a change made at {@code at} (a test can make one that becomes readable late). */
    synchronized void record(Instant at, String exampleId, StoreChange.Kind kind, UUID origin) {
        changes.add(new StoreChange(UUID.randomUUID(), at, exampleId, kind, origin));
    }

    /** While down, reading the feed fails as an unreachable store does. */
    void down(boolean isDown) {
        down = isDown;
    }

    /** The next read of examples' current state fails (the feed itself still answers). */
    void failNextRead() {
        failNextRead = true;
    }

    private void checkUp() {
        if (down) {
            throw new IllegalStateException("the shared bank is down");
        }
    }

    InMemoryExampleStore examples() {
        return examples;
    }

    final class Instance implements ExampleStore, ChangeFeed {
        private final UUID origin;

        private Instance(UUID origin) {
            this.origin = origin;
        }

        private void changed(Collection<String> ids, StoreChange.Kind kind) {
            ids.forEach(id -> record(clock.instant(), id, kind, origin));
        }

        @Override
        public void putAll(Collection<Example> batch) {
            examples.putAll(batch);
            changed(batch.stream().map(Example::id).toList(), StoreChange.Kind.PUT);
        }

        @Override
        public Optional<Example> get(String id) {
            return examples.get(id);
        }

        @Override
        public boolean delete(String id) {
            return deleteAll(List.of(id)) > 0;
        }

        @Override
        public long deleteAll(Collection<String> ids) {
            changed(ids, StoreChange.Kind.DELETE);
            return examples.deleteAll(ids);
        }

        private long deleteWhere(java.util.function.Predicate<Example> which) {
            List<String> ids = new ArrayList<>();
            examples.forEach(Optional.empty(), e -> {
                if (which.test(e)) {
                    ids.add(e.id());
                }
            });
            return deleteAll(ids);
        }

        @Override
        public long deleteUser(String tenant, String user) {
            return deleteWhere(e -> e.tenant().equals(tenant) && e.user().filter(user::equals).isPresent());
        }

        @Override
        public long deleteTenant(String tenant) {
            return deleteWhere(e -> e.tenant().equals(tenant));
        }

        @Override
        public List<SearchHit> search(float[] vector, Set<String> tenants, int k, Instant now) {
            return examples.search(vector, tenants, k, now);
        }

        @Override
        public void updateStats(Collection<StatsDelta> deltas, Instant now) {
            examples.updateStats(deltas, now);
            changed(deltas.stream().map(StatsDelta::exampleId).distinct().toList(), StoreChange.Kind.STATS);
        }

        @Override
        public long purgeExpired(Instant now) {
            return deleteWhere(e -> e.expiresAt().filter(t -> !t.isAfter(now)).isPresent());
        }

        @Override
        public void forEach(Optional<String> tenant, Consumer<Example> visitor) {
            examples.forEach(tenant, visitor);
        }

        @Override
        public StoreStats stats() {
            return examples.stats();
        }

        @Override
        public void close() {
        }

        @Override
        public List<StoreChange> changesSince(Instant from, Instant now) {
            checkUp();
            synchronized (SharedMemoryBank.this) {
                Instant oldest = now.minus(RETENTION);
                return changes.stream().filter(c -> !c.at().isBefore(from) && c.at().isAfter(oldest))
                        .sorted(java.util.Comparator.comparing(StoreChange::at)).toList();
            }
        }

        @Override
        public Map<String, Example> current(Collection<String> exampleIds) {
            checkUp();
            if (failNextRead) {
                failNextRead = false;
                throw new IllegalStateException("reading the examples failed");
            }
            Map<String, Example> found = new LinkedHashMap<>();
            exampleIds.forEach(id -> examples.get(id).ifPresent(e -> found.put(id, e)));
            return found;
        }

        @Override
        public Duration retention() {
            return RETENTION;
        }

        @Override
        public UUID origin() {
            return origin;
        }

        @Override
        public String identity() {
            return "memory:" + System.identityHashCode(SharedMemoryBank.this);
        }
    }
}
