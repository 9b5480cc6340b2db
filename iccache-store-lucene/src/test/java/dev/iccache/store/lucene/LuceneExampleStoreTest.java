package dev.iccache.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.IccacheException;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.ExampleStoreContract;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.StatsDelta;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The contract on the Lucene store searching its HNSW graphs whatever the scope's size (the tests' scopes are small
 * enough to be scanned exactly by default: {@link LuceneExactScanContractTest} runs the contract so).
 */
class LuceneExampleStoreTest extends ExampleStoreContract {
    @Override
    protected ExampleStore open(Path dir) {
        return LuceneExampleStore.open(dir, 0);
    }

    @Override
    protected boolean supportsReopen() {
        return true;
    }

    private static List<Example> examples(String prefix, int n, long seed) {
        Random random = new Random(seed);
        return IntStream.range(0, n).mapToObj(i -> example(prefix + i, "t" + (i % 2), unitVector(random, DIM)))
                .toList();
    }

    /** Puts {@code batches} batches of {@code size} examples, one commit (and segment) each; returns them all. */
    private List<Example> putInBatches(String prefix, int batches, int size, long seed) {
        List<Example> written = new ArrayList<>();
        for (int batch = 0; batch < batches; batch++) {
            List<Example> some = examples(prefix + batch + "-", size, seed + batch);
            store.putAll(some);
            written.addAll(some);
        }
        return written;
    }

    /** A closed store in a fresh directory holding {@code n} examples. */
    private Path closedStore(String name, int n) {
        Path other = dir.resolve(name);
        try (ExampleStore s = LuceneExampleStore.open(other)) {
            s.putAll(examples("c", n, 42));
        }
        return other;
    }

    /** The largest file of the index's segments. */
    private static Path largestSegmentFile(Path storeDir) throws IOException {
        try (Stream<Path> files = Files.list(storeDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("_"))
                    .max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
    }

    @Test
    void statsReportTheBytesOnDisk() {
        store.putAll(examples("e", 50, 1));
        assertThat(store.stats().indexBytes()).isGreaterThan(50L * DIM * Float.BYTES);
    }

    @Test
    void aNewStoreRecordsItsFormat() throws IOException {
        assertThat(Files.readString(dir.resolve("iccache-store.properties"))).contains("format=1");
    }

    @Test
    void acknowledgedPutsSurviveAKilledProcess() throws Exception {
        Path storeDir = dir.resolve("killed");
        Path stderr = dir.resolve("child-stderr.txt");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DurabilityChild.class.getName(), storeDir.toString(), "3")
                .redirectError(stderr.toFile()).start();
        Set<Integer> acked = new HashSet<>();
        try {
            CompletableFuture<Void> fiftyAcks = CompletableFuture.runAsync(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while (acked.size() < 50 && (line = out.readLine()) != null) {
                        if (line.startsWith("ACK ")) {
                            synchronized (acked) {
                                acked.add(Integer.parseInt(line.substring(4)));
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                fiftyAcks.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("child did not acknowledge 50 puts: " + e + "; stderr:\n"
                        + Files.readString(stderr), e);
            }
            assertThat(acked).as("stderr: %s", Files.readString(stderr)).hasSizeGreaterThanOrEqualTo(50);
            child.destroyForcibly(); // SIGKILL while it keeps writing
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        try (ExampleStore reopened = LuceneExampleStore.open(storeDir)) {
            synchronized (acked) {
                for (int n : acked) {
                    assertThat(reopened.get("d" + n)).as("acknowledged example d%d", n)
                            .contains(DurabilityChild.example(n));
                }
            }
            assertThat(reopened.stats().count()).isGreaterThanOrEqualTo(acked.size());
        }
    }

    @Test
    void aTruncatedSegmentFileFailsTheOpenWithTheDirectoryNamed() throws IOException {
        Path corrupt = closedStore("truncated", 200);
        Path victim = largestSegmentFile(corrupt);
        long halfLength = victim.toFile().length() / 2;
        try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
            f.setLength(halfLength);
        }

        assertThatThrownBy(() -> LuceneExampleStore.open(corrupt)).isInstanceOf(IccacheException.class)
                .hasMessageContaining(corrupt.toString()).hasMessageContaining("corrupt");
        assertThat(victim.toFile().length()).as("left as it was").isEqualTo(halfLength);
    }

    @Test
    void aGarbledSegmentFileFailsTheOpen() throws IOException {
        Path corrupt = closedStore("garbled", 200);
        Path victim = largestSegmentFile(corrupt);
        try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
            long middle = f.length() / 2;
            f.seek(middle);
            int b = f.read();
            f.seek(middle);
            f.write(b ^ 0xFF);
        }

        assertThatThrownBy(() -> LuceneExampleStore.open(corrupt)).isInstanceOf(IccacheException.class)
                .hasMessageContaining(corrupt.toString()).hasMessageContaining("corrupt");
    }

    @Test
    void aStoreWithoutItsCommitPointIsReportedHalfWritten() throws IOException {
        Path corrupt = closedStore("no-commit", 20);
        try (Stream<Path> files = Files.list(corrupt)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("segments_")).toList()) {
                Files.delete(p);
            }
        }
        assertThatThrownBy(() -> LuceneExampleStore.open(corrupt)).isInstanceOf(IccacheException.class)
                .hasMessageContaining(corrupt.toString()).hasMessageContaining("half-written");
        assertThat(largestSegmentFile(corrupt)).exists();
    }

    @Test
    void aDirectoryHoldingSomethingElseIsNeitherUsedNorWiped() throws IOException {
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        Files.writeString(foreign.resolve("_0.cfs"), "looks like Lucene, is not");

        assertThatThrownBy(() -> LuceneExampleStore.open(foreign)).isInstanceOf(IccacheException.class)
                .hasMessageContaining(foreign.toString()).hasMessageContaining("not an iccache example store");
        assertThat(Files.readString(foreign.resolve("notes.txt"))).isEqualTo("mine");
        assertThat(Files.readString(foreign.resolve("_0.cfs"))).isEqualTo("looks like Lucene, is not");
    }

    @Test
    void anotherFormatIsRefused() throws IOException {
        Path future = closedStore("future", 5);
        Files.writeString(future.resolve("iccache-store.properties"), "format=2\n");
        assertThatThrownBy(() -> LuceneExampleStore.open(future)).isInstanceOf(IccacheException.class)
                .hasMessageContaining(future.toString()).hasMessageContaining("format '2'");
    }

    @Test
    void oneDirectoryIsOpenedByOneStoreAtATime() {
        assertThatThrownBy(() -> LuceneExampleStore.open(dir)).isInstanceOf(IccacheException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString()).hasMessageContaining("already open");
        store.put(example("still-works", "t", unitVector(new Random(3), DIM)));
        assertThat(store.get("still-works")).isPresent();
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseFails() {
        store.close();
        store.close();
        assertThatThrownBy(() -> store.get("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.put(example("x", "t", unitVector(new Random(4), DIM))))
                .isInstanceOf(IllegalStateException.class);
        store = open(dir);
    }

    @Test
    void writesDuringACompactionAreKeptAndTheStoreEndsInFewSegments() throws Exception {
        List<Example> written = putInBatches("b", 8, 50, 0);
        ExecutorService compacting = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> before = compacting.submit(() -> store.compact(1));
            written.addAll(putInBatches("w", 5, 10, 100)); // while the merge runs, or after it: kept either way
            assertThat(before.get(60, TimeUnit.SECONDS)).isGreaterThan(1);
        } finally {
            compacting.shutdownNow();
        }
        assertThat(store.compact(1)).as("segments now: the merged one, one per batch written meanwhile and at most one"
                + " that the merge's own flush took").isBetween(1, 7);
        reopen();
        assertThat(store.stats().count()).isEqualTo(written.size());
        for (Example e : written) {
            assertThat(store.get(e.id())).contains(e);
        }
    }

    @Test
    void awaitingMergesLeavesWhatTheMergePolicyAsksForCommitted() {
        // twelve segments of the policy's lowest tier (at most ten): it merges ten of them, which takes a while
        List<Example> written = putInBatches("b", 12, 300, 0);
        ((LuceneExampleStore) store).awaitMerges();
        reopen(); // close abandons a merge still running: awaiting it is what keeps it
        assertThat(store.compact(Integer.MAX_VALUE)).as("segments after the merge").isBetween(1, 10);
        assertThat(store.stats().count()).isEqualTo(written.size());
        for (Example e : written) {
            assertThat(store.get(e.id())).contains(e);
        }
    }

    @Test
    void closingDuringACompactionLosesNothingWritten() throws Exception {
        List<Example> written = putInBatches("b", 10, 300, 0);
        ExecutorService compacting = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> compaction = compacting.submit(() -> store.compact(1));
            store.close(); // at once: the merge of 3,000 examples is usually still running, and is abandoned
            try {
                compaction.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException abandoned) {
                // the compaction was cut short by the close; what it merged was never committed
            }
        } finally {
            compacting.shutdownNow();
        }
        store = open(dir);
        assertThat(store.stats().count()).isEqualTo(written.size());
        for (Example e : written) {
            assertThat(store.get(e.id())).contains(e);
        }
    }

    @Test
    void mixedConcurrentWritesAndReadsLeaveAConsistentStore() throws Exception {
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    Random random = new Random(id);
                    String tenant = "m" + id;
                    for (int i = 0; i < 15; i++) {
                        store.putAll(List.of(example(tenant + "-" + i, tenant, unitVector(random, DIM)),
                                example(tenant + "-x" + i, tenant, unitVector(random, DIM))));
                        store.delete(tenant + "-x" + i);
                        store.updateStats(List.of(new StatsDelta(tenant + "-" + (i / 2), 1, 1, 0.5)), T0);
                        List<SearchHit> hits = store.search(unitVector(random, DIM), Set.of(tenant), 10, T0);
                        assertThat(hits).hasSize(Math.min(10, i + 1))
                                .allSatisfy(h -> assertThat(h.example().tenant()).isEqualTo(tenant));
                        store.forEach(Optional.of(tenant), e -> assertThat(e.tenant()).isEqualTo(tenant));
                        if (i % 5 == 0) {
                            store.purgeExpired(T0);
                            store.stats();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.stats().count()).isEqualTo(threads * 15L);
        for (int t = 0; t < threads; t++) {
            assertThat(store.get("m" + t + "-0").orElseThrow().stats().uses()).isEqualTo(2);
        }
        reopen();
        assertThat(store.stats().count()).isEqualTo(threads * 15L);
    }
}
