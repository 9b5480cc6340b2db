package dev.iccache.manage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.CompactionSettings;
import dev.iccache.metrics.Metrics;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleCompactionTest {
    private final Metrics metrics = new Metrics();
    /** The parts the store reports having before each compaction. */
    private final AtomicInteger parts = new AtomicInteger(12);
    private final List<Integer> compactedInto = new ArrayList<>();
    private final ExampleStore store = storeWithParts();
    private double busy;
    private final AtomicLong nanos = new AtomicLong();

    private IdleCompaction compaction(CompactionSettings settings) {
        return new IdleCompaction(store, settings, () -> busy, nanos::get, metrics);
    }

    @Test
    void anIdleGatewayCompactsTheStoreIntoTheConfiguredSegments() {
        busy = 0.05;
        assertThat(compaction(new CompactionSettings(2, 0.2, 60, 60)).check()).isTrue();
        assertThat(compactedInto).containsExactly(2);
        assertThat(metrics.scrape()).contains("iccache_bank_compactions_total 1.0");
    }

    @Test
    void aCompactionWaitsForTheMinimumIntervalAfterThePreviousOne() {
        busy = 0;
        IdleCompaction compaction = compaction(new CompactionSettings(1, 0.2, 60, 30));
        assertThat(compaction.check()).isTrue();
        parts.set(3); // admissions added segments since
        nanos.addAndGet(29 * 60_000_000_000L);
        assertThat(compaction.check()).as("29 minutes later").isFalse();
        nanos.addAndGet(60_000_000_000L);
        assertThat(compaction.check()).as("30 minutes later").isTrue();
        assertThat(compactedInto).containsExactly(1, 1);
    }

    @Test
    void aBusyGatewayOrOneThatCannotTellLeavesTheStoreAsItIs() {
        IdleCompaction compaction = compaction(new CompactionSettings(1, 0.2, 60, 60));
        for (double share : new double[] {0.2, 0.9, Double.NaN}) {
            busy = share;
            assertThat(compaction.check()).as("busy %s", share).isFalse();
        }
        assertThat(compactedInto).isEmpty();
    }

    @Test
    void aStoreAlreadyInFewEnoughSegmentsCountsNoCompaction() {
        busy = 0;
        parts.set(1);
        assertThat(compaction(new CompactionSettings(1, 0.2, 60, 60)).check()).isFalse();
        parts.set(0); // a store without segments (memory, Cassandra)
        assertThat(compaction(new CompactionSettings(1, 0.2, 60, 60)).check()).isFalse();
        assertThat(metrics.scrape()).contains("iccache_bank_compactions_total 0.0");
    }

    @Test
    void theProcessCpuShareIsAShareOfAllCores() throws Exception {
        var share = IdleCompaction.processCpuShare();
        share.getAsDouble(); // since the start of the process
        long until = System.nanoTime() + 50_000_000L;
        double sink = 0;
        while (System.nanoTime() < until) { // one thread busy for 50 ms
            sink += Math.sqrt(sink + 1);
        }
        double measured = share.getAsDouble();
        assertThat(sink).isPositive();
        assertThat(measured).isBetween(0.0, 1.0);
    }

    /** A memory store whose {@code compact} reports {@link #parts} and records what it was asked for. */
    private ExampleStore storeWithParts() {
        InMemoryExampleStore memory = new InMemoryExampleStore();
        return (ExampleStore) Proxy.newProxyInstance(ExampleStore.class.getClassLoader(),
                new Class<?>[] {ExampleStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("compact")) {
                        int into = (int) args[0];
                        int before = parts.get();
                        if (before > into) {
                            compactedInto.add(into);
                            parts.set(into);
                        }
                        return before;
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
