package dev.iccache.store.lucene;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures durable writes per second of 384-dimension examples: one writer, 8 and 32 concurrent
 * writers putting one example per call (group commit), and one writer putting batches of 64, each
 * for {@code args[1]} seconds (default 5) in a fresh store under {@code args[0]} (default: a temp
 * directory). The command and results are in docs/example-store.md.
 */
final class StoreWriteCost {
    private StoreWriteCost() {
    }

    public static void main(String[] args) throws Exception {
        Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("iccache-write-cost");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[][] runs = {{1, 1}, {8, 1}, {32, 1}, {1, 64}};
        for (int[] run : runs) {
            Path dir = base.resolve("w" + run[0] + "-b" + run[1]);
            try (LuceneExampleStore store = LuceneExampleStore.open(dir)) {
                double rate = examplesPerSecond(store, run[0], run[1], seconds);
                System.out.printf("%2d writer(s), %2d example(s) per call: %6.0f examples/s%n", run[0], run[1], rate);
            }
        }
    }

    private static double examplesPerSecond(LuceneExampleStore store, int writers, int batch, int seconds)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                long seed = w;
                done.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    while (System.nanoTime() < end) {
                        List<Example> examples = new ArrayList<>(batch);
                        for (int i = 0; i < batch; i++) {
                            int n = next.getAndIncrement();
                            examples.add(ExampleStoreContract.example("e" + n, "t" + (n % 4),
                                    ExampleStoreContract.unitVector(random, 384)));
                        }
                        store.putAll(examples);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return next.get() / ((System.nanoTime() - start) / 1e9);
    }
}
