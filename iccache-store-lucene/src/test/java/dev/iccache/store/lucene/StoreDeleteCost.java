package dev.iccache.store.lucene;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Measures what erasing deletes cost: a fresh store under {@code args[0]} (default: a temp
 * directory) is filled with {@code args[1]} (default 10,000) 384-dimension examples in 4 tenants,
 * 64 per call as admission stores them; then {@code args[2]} (default 5) single deletes, an
 * eviction of 64 ids (not erased), one more single delete (which erases the eviction's too) and
 * one tenant delete are timed, each followed by the segments on disk. The command and results are
 * in docs/example-store.md.
 */
final class StoreDeleteCost {
    private StoreDeleteCost() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("iccache-delete-cost");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int singles = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Random random = new Random(1);
        try (LuceneExampleStore store = LuceneExampleStore.open(dir)) {
            long fill = System.nanoTime();
            for (int start = 0; start < n; start += 64) {
                List<Example> batch = new ArrayList<>(64);
                for (int i = start; i < Math.min(n, start + 64); i++) {
                    batch.add(ExampleStoreContract.example("e" + i, "t" + (i % 4),
                            ExampleStoreContract.unitVector(random, 384)));
                }
                store.putAll(batch);
            }
            System.out.printf("filled %d examples in %.1f s: %s%n", n, (System.nanoTime() - fill) / 1e9,
                    segments(dir));
            for (int k = 0; k < singles; k++) {
                String id = "e" + random.nextInt(n);
                time("delete 1 example", () -> store.delete(id), dir);
            }
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < 64; k++) {
                ids.add("e" + random.nextInt(n));
            }
            time("evict 64 examples (deleteAll)", () -> store.deleteAll(ids), dir);
            String after = "e" + random.nextInt(n);
            time("delete 1 example after it", () -> store.delete(after), dir);
            time("delete a tenant (a quarter)", () -> store.deleteTenant("t3"), dir);
        }
    }

    private static void time(String what, Runnable delete, Path dir) throws Exception {
        long t0 = System.nanoTime();
        delete.run();
        System.out.printf("%-32s %7.2f s  %s%n", what, (System.nanoTime() - t0) / 1e9, segments(dir));
    }

    /** The segments in the directory with their sizes in MB. */
    private static String segments(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            var sizes = new java.util.TreeMap<String, Long>();
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("_")) {
                    String segment = name.substring(0, name.indexOf('.') > 0 ? name.indexOf('.') : name.length())
                            .split("_")[1];
                    sizes.merge(segment, Files.size(p), Long::sum);
                }
            }
            StringBuilder s = new StringBuilder();
            sizes.forEach((seg, bytes) -> s.append(String.format(" _%s:%.1fMB", seg, bytes / 1e6)));
            return s.toString().strip();
        }
    }
}
