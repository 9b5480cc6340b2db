package dev.iccache.store.lucene;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStoreContract;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process {@link LuceneExampleStoreTest} kills: opens a store in {@code args[0]} and, from
 * {@code args[1]} threads, puts examples one by one, printing {@code ACK <n>} after each put
 * returns. It stops by itself after a minute in case nobody kills it.
 */
final class DurabilityChild {
    private DurabilityChild() {
    }

    /** The n-th example the child writes; the test rebuilds it to compare. */
    static Example example(int n) {
        Random random = new Random(n);
        Instant created = Instant.parse("2025-06-01T12:00:00Z").plusMillis(n);
        return new Example("d" + n, "t" + (n % 3), "[{\"role\":\"user\",\"content\":\"question " + n + "\"}]",
                "question " + n, ExampleStoreContract.unitVector(random, 16), "answer " + n + " ".repeat(n % 50),
                "large", OptionalDouble.of(random.nextDouble()), n, 2 * n, created, Optional.of(created.plusSeconds(n)),
                ExampleStats.fresh(created));
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[1]);
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        try (LuceneExampleStore store = LuceneExampleStore.open(Path.of(args[0]))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                pool.execute(() -> {
                    while (System.nanoTime() < deadline) {
                        int n = next.getAndIncrement();
                        store.put(example(n));
                        synchronized (System.out) {
                            System.out.println("ACK " + n);
                            System.out.flush();
                        }
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(2, TimeUnit.MINUTES);
        }
    }
}
