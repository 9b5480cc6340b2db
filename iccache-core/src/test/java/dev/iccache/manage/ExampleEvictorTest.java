package dev.iccache.manage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ExampleEvictorTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final Metrics metrics = new Metrics();

    private void put(String id, int responseChars, double offloads, Instant offloadsAsOf) {
        store.put(new Example(id, "t", "[]", id, new float[] {1, 0}, "x".repeat(responseChars), "large",
                OptionalDouble.empty(), 1, 1, NOW.minusSeconds(60), Optional.empty(),
                new ExampleStats(0, offloads, offloadsAsOf, 0, 0, 0, 0)));
    }

    private ExampleEvictor evictor(long maxExamples, long maxBytes) {
        return new ExampleEvictor(store, maxExamples, maxBytes, InstantSource.fixed(NOW), metrics);
    }

    @Test
    void underBudgetNothingHappens() {
        put("a", 10, 0, NOW);
        assertThat(evictor(10, 0).run().evicted()).isZero();
        assertThat(evictor(0, 0).enabled()).isFalse();
    }

    @Test
    void overTheCountBudgetTheMostValuableExamplesStay() {
        for (int i = 0; i < 100; i++) {
            put("e" + i, 100, i, NOW);
        }
        ExampleEvictor.Report r = evictor(50, 0).run();
        assertThat(r.evicted()).isEqualTo(55);
        assertThat(store.stats().count()).isEqualTo(45);
        for (int i = 55; i < 100; i++) {
            assertThat(store.get("e" + i)).as("e" + i).isPresent();
        }
        assertThat(metrics.scrape()).contains("iccache_bank_evictions_total 55.0");
    }

    @Test
    void overTheByteBudgetValuePerByteDecides() {
        put("small-useful", 100, 2, NOW);
        put("big-useful", 10_000, 3, NOW);
        put("small-useless", 100, 0, NOW);
        evictor(0, 5_000).run();
        assertThat(store.get("small-useful")).isPresent();
        assertThat(store.get("small-useless")).isPresent();
        assertThat(store.get("big-useful")).as("3 offloads over 10 kB is worth less per byte").isEmpty();
        assertThat(store.stats().plaintextBytes()).isLessThanOrEqualTo(5_000);
    }

    @Test
    void oldOffloadsDecayByTenPercentAnHour() {
        put("famous-long-ago", 100, 50, NOW.minus(Duration.ofHours(48)));
        put("useful-today", 100, 1, NOW);
        evictor(1, 0).run();
        assertThat(store.get("useful-today")).isPresent();
        assertThat(store.get("famous-long-ago")).isEmpty();
    }
}
