package dev.iccache.bank;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The reference {@link ExampleStore}: examples in a concurrent map, searched by an exact scan.
 * Nothing survives the process. Scores are dot products (vectors are unit length, so they are
 * cosines); equal scores are ordered by id. Readers never lock; writes of one example are atomic.
 */
public final class InMemoryExampleStore implements ExampleStore {
    private static final Comparator<SearchHit> BEST_FIRST = Comparator.comparingDouble(SearchHit::score).reversed()
            .thenComparing(h -> h.example().id());

    private final ConcurrentHashMap<String, Example> examples = new ConcurrentHashMap<>();

    @Override
    public void putAll(Collection<Example> batch) {
        for (Example e : batch) {
            examples.put(e.id(), copy(e));
        }
    }

    @Override
    public Optional<Example> get(String id) {
        return Optional.ofNullable(examples.get(id)).map(InMemoryExampleStore::copy);
    }

    @Override
    public boolean delete(String id) {
        return examples.remove(id) != null;
    }

    @Override
    public long deleteAll(Collection<String> ids) {
        long n = 0;
        for (String id : ids) {
            if (examples.remove(id) != null) {
                n++;
            }
        }
        return n;
    }

    @Override
    public long deleteUser(String tenant, String user) {
        Objects.requireNonNull(user, "user");
        return removeIf(e -> e.tenant().equals(tenant) && e.user().filter(user::equals).isPresent());
    }

    @Override
    public long deleteTenant(String tenant) {
        Objects.requireNonNull(tenant, "tenant");
        return removeIf(e -> e.tenant().equals(tenant));
    }

    @Override
    public List<SearchHit> search(float[] vector, Set<String> tenants, int k, Instant now) {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(now, "now");
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive: " + k);
        }
        // Worst hit on top, so the heap keeps the k best.
        PriorityQueue<SearchHit> best = new PriorityQueue<>(k + 1, BEST_FIRST.reversed());
        for (Example e : examples.values()) {
            if (!tenants.contains(e.tenant()) || e.expiredAt(now)) {
                continue;
            }
            best.add(new SearchHit(e, Vectors.dot(vector, e.vector())));
            if (best.size() > k) {
                best.poll();
            }
        }
        List<SearchHit> hits = new ArrayList<>(best.size());
        for (SearchHit h : best) {
            hits.add(new SearchHit(copy(h.example()), h.score()));
        }
        hits.sort(BEST_FIRST);
        return hits;
    }

    @Override
    public void updateStats(Collection<StatsDelta> deltas, Instant now) {
        Objects.requireNonNull(now, "now");
        for (StatsDelta d : deltas) {
            examples.computeIfPresent(d.exampleId(), (id, e) -> e.withStats(e.stats().apply(d, now)));
        }
    }

    @Override
    public long purgeExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        return removeIf(e -> e.expiredAt(now));
    }

    @Override
    public void forEach(Optional<String> tenant, Consumer<Example> visitor) {
        for (Example e : examples.values()) {
            if (tenant.isEmpty() || tenant.get().equals(e.tenant())) {
                visitor.accept(copy(e));
            }
        }
    }

    @Override
    public StoreStats stats() {
        Map<String, Long> counts = new HashMap<>();
        long bytes = 0;
        for (Example e : examples.values()) {
            counts.merge(e.tenant(), 1L, Long::sum);
            bytes += e.plaintextBytes();
        }
        return new StoreStats(Map.copyOf(counts), bytes, 0);
    }

    @Override
    public void close() {
        // Nothing to release; the examples go with the object.
    }

    private long removeIf(Predicate<Example> doomed) {
        long removed = 0;
        for (Map.Entry<String, Example> entry : examples.entrySet()) {
            if (doomed.test(entry.getValue()) && examples.remove(entry.getKey(), entry.getValue())) {
                removed++;
            }
        }
        return removed;
    }

    /** The example with its own vector array, so no caller can change a stored vector. */
    private static Example copy(Example e) {
        return new Example(e.id(), e.tenant(), e.requestMessages(), e.embeddedText(), e.vector().clone(),
                e.response(), e.model(), e.quality(), e.requestTokens(), e.responseTokens(), e.createdAt(),
                e.expiresAt(), e.stats(), e.user());
    }
}
