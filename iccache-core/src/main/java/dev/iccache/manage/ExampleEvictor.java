package dev.iccache.manage;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the bank under its size budget (IC-Cache §4.3): a 0/1 knapsack with value = successful
 * offloads decayed by 0.9 per hour and weight = plaintext bytes, solved greedily by value per
 * byte (ties: the newer example first). When the bank is over its budget (count or bytes), it
 * keeps the best examples up to 90% of the budget, so that eviction does not run again at once,
 * and deletes the rest in one batch. Runs off the request path.
 */
public final class ExampleEvictor {
    /** How often the bank's size is checked against the budget (cheap when under it). */
    public static final long CHECK_EVERY_SECONDS = 10;
    /** Share of the budget filled after an eviction. */
    static final double LOW_WATER = 0.9;

    private final ExampleStore store;
    private final long maxExamples;
    private final long maxBytes;
    private final InstantSource clock;
    private final Counter evicted;

    /** What one run did. */
    public record Report(long examplesBefore, long bytesBefore, long evicted, long bytesFreed) {
    }

    /**
     * @param maxExamples examples kept at most, 0 = no limit
     * @param maxBytes    plaintext bytes kept at most, 0 = no limit
     */
    public ExampleEvictor(ExampleStore store, long maxExamples, long maxBytes, InstantSource clock,
            Metrics metrics) {
        this.store = store;
        this.maxExamples = maxExamples;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.evicted = metrics.counter("iccache_bank_evictions_total", "Examples evicted to stay under the budget.");
    }

    /** Whether a budget is set at all. */
    public boolean enabled() {
        return maxExamples > 0 || maxBytes > 0;
    }

    /** Evicts when over budget; otherwise does nothing. */
    public Report run() {
        var stats = store.stats();
        long count = stats.count();
        long bytes = stats.plaintextBytes();
        boolean over = maxExamples > 0 && count > maxExamples || maxBytes > 0 && bytes > maxBytes;
        if (!over) {
            return new Report(count, bytes, 0, 0);
        }
        Instant now = clock.instant();
        List<Item> items = new ArrayList<>();
        store.forEach(Optional.empty(), e -> items.add(new Item(e.id(), value(e, now), Math.max(1, e.plaintextBytes()),
                e.createdAt())));
        items.sort(Comparator.comparingDouble((Item i) -> i.value / i.weight).reversed()
                .thenComparing(Item::created, Comparator.reverseOrder()).thenComparing(Item::id));
        long countBudget = maxExamples > 0 ? Math.max(1, (long) (maxExamples * LOW_WATER)) : Long.MAX_VALUE;
        long byteBudget = maxBytes > 0 ? (long) (maxBytes * LOW_WATER) : Long.MAX_VALUE;
        long keptCount = 0;
        long keptBytes = 0;
        List<String> victims = new ArrayList<>();
        long freed = 0;
        for (Item i : items) {
            if (keptCount < countBudget && keptBytes + i.weight <= byteBudget) {
                keptCount++;
                keptBytes += i.weight;
            } else {
                victims.add(i.id);
                freed += i.weight;
            }
        }
        long deleted = store.deleteAll(victims);
        evicted.inc(deleted);
        return new Report(count, bytes, deleted, freed);
    }

    /** The knapsack value: successful offloads decayed to now. */
    static double value(Example e, Instant now) {
        return e.stats().offloadsAt(now);
    }

    private record Item(String id, double value, long weight, Instant created) {
    }
}
