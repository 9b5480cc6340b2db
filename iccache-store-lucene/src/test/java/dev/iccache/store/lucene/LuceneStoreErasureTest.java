package dev.iccache.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.ExampleStoreContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a delete leaves on disk, and who may read the store's files. */
class LuceneStoreErasureTest {
    private static final int DIM = 16;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    @TempDir
    Path tmp;

    /** A text that occurs nowhere else: 32 random letters. */
    private static String marker(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            s.append((char) ((random.nextBoolean() ? 'a' : 'A') + random.nextInt(26)));
        }
        return s.toString();
    }

    private static Example example(String id, String tenant, Optional<String> user, String marker,
            Optional<Instant> expires, Random random) {
        return new Example(id, tenant, "[{\"role\":\"user\",\"content\":\"question " + id + "\"}]", "question " + id,
                ExampleStoreContract.unitVector(random, DIM), "answer " + marker, "large-model", OptionalDouble.empty(),
                10, 20, T0, expires, ExampleStats.fresh(T0), user);
    }

    /**
     * The markers found in the bytes of some file under {@code dir}. Lucene compresses stored
     * fields in small LZ4 blocks, which can split a text where one block ends, so a marker counts
     * as found when any of its four 8-letter quarters is (random letters: no false matches).
     */
    private static Set<String> markersOnDisk(Path dir, Iterable<String> markers) throws IOException {
        List<byte[]> contents = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                contents.add(Files.readAllBytes(f));
            }
        }
        Set<String> found = new HashSet<>();
        for (String m : markers) {
            for (int q = 0; q < 4; q++) {
                byte[] quarter = m.substring(8 * q, 8 * q + 8).getBytes(StandardCharsets.UTF_8);
                if (contents.stream().anyMatch(c -> indexOf(c, quarter) >= 0)) {
                    found.add(m);
                }
            }
        }
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void deletedAndExpiredExamplesAreGoneFromEveryFileWhenTheCallReturnsAndAfterClose() throws IOException {
        Path bank = tmp.resolve("bank");
        Random random = new Random(7);
        Map<String, String> markerById = new LinkedHashMap<>();
        Set<String> gone = new HashSet<>();
        try (ExampleStore store = LuceneExampleStore.open(bank)) {
            for (int batch = 0; batch < 4; batch++) { // one commit, one segment per batch
                List<Example> examples = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    String id = "e" + batch + "-" + i;
                    String tenant = i % 4 == 3 ? "tenant-b" : "tenant-a";
                    Optional<String> user = i % 4 == 2 ? Optional.of("user-erased") : Optional.of("user-" + i);
                    String marker = marker(random);
                    markerById.put(id, marker);
                    Optional<Instant> expires = batch == 3 && i % 4 == 0 ? Optional.of(T0.plusSeconds(30))
                            : Optional.empty();
                    examples.add(example(id, tenant, user, marker, expires, random));
                }
                store.putAll(examples);
            }
            assertThat(markersOnDisk(bank, markerById.values())).as("the scan finds stored texts")
                    .containsExactlyInAnyOrderElementsOf(markerById.values());

            assertThat(store.delete("e1-0")).isTrue();
            gone.add(markerById.get("e1-0"));
            assertGone(bank, markerById, gone);

            assertThat(store.deleteUser("tenant-a", "user-erased")).isEqualTo(12);
            gone.addAll(markers(markerById, id -> List.of(2, 6, 10).contains(indexInBatch(id))));
            assertGone(bank, markerById, gone);

            assertThat(store.deleteTenant("tenant-b")).isEqualTo(12);
            gone.addAll(markers(markerById, id -> indexInBatch(id) % 4 == 3));
            assertGone(bank, markerById, gone);

            // Eviction does not rewrite segments; the next erasing delete takes its documents too.
            assertThat(store.deleteAll(List.of("e2-1", "e3-1"))).isEqualTo(2);
            assertThat(markersOnDisk(bank, List.of(markerById.get("e2-1")))).hasSize(1);
            assertThat(store.delete("e0-1")).isTrue();
            gone.addAll(markers(markerById, id -> List.of("e2-1", "e3-1", "e0-1").contains(id)));
            assertGone(bank, markerById, gone);

            assertThat(store.purgeExpired(T0.plusSeconds(60))).isEqualTo(3);
            gone.addAll(markers(markerById, id -> id.startsWith("e3-") && indexInBatch(id) % 4 == 0));
            assertGone(bank, markerById, gone);
        }
        assertGone(bank, markerById, gone); // closing commits again; nothing comes back
    }

    private static int indexInBatch(String id) {
        return Integer.parseInt(id.substring(id.indexOf('-') + 1));
    }

    private static void assertGone(Path bank, Map<String, String> markerById, Set<String> gone) throws IOException {
        Set<String> onDisk = markersOnDisk(bank, markerById.values());
        assertThat(onDisk).as("texts of deleted examples left on disk").doesNotContainAnyElementsOf(gone);
        assertThat(onDisk).as("texts of the other examples").containsExactlyInAnyOrderElementsOf(
                markerById.values().stream().filter(m -> !gone.contains(m)).toList());
    }

    private static Set<String> markers(Map<String, String> markerById, Predicate<String> ids) {
        return markerById.entrySet().stream().filter(e -> ids.test(e.getKey())).map(Map.Entry::getValue)
                .collect(Collectors.toSet());
    }

    @Test
    void theStoreDirectoryAndItsFilesAreTheOwnersOnly() throws IOException {
        assumeTrue(Files.getFileStore(tmp).supportsFileAttributeView("posix"), "not a POSIX file system");
        Path bank = tmp.resolve("data").resolve("bank");
        Random random = new Random(3);
        try (ExampleStore store = LuceneExampleStore.open(bank)) {
            for (int batch = 0; batch < 3; batch++) {
                store.putAll(List.of(example("p" + batch, "t", Optional.empty(), marker(random), Optional.empty(), random)));
            }
            store.delete("p1");
            assertOwnerOnly(bank);
        }
        assertOwnerOnly(bank);
        assertThat(Files.getPosixFilePermissions(tmp.resolve("data"))).as("a data directory it created")
                .isEqualTo(OWNER_DIR);
    }

    @Test
    void openingAStoreMadeReadableByOthersTakesTheirAccessAway() throws IOException {
        assumeTrue(Files.getFileStore(tmp).supportsFileAttributeView("posix"), "not a POSIX file system");
        Path bank = tmp.resolve("bank");
        Random random = new Random(5);
        try (ExampleStore store = LuceneExampleStore.open(bank)) {
            store.putAll(List.of(example("o1", "t", Optional.empty(), marker(random), Optional.empty(), random)));
        }
        try (Stream<Path> files = Files.walk(bank)) {
            for (Path p : files.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        try (ExampleStore store = LuceneExampleStore.open(bank)) {
            assertThat(store.get("o1")).isPresent();
            assertOwnerOnly(bank);
        }
    }

    private static void assertOwnerOnly(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                assertThat(Files.getPosixFilePermissions(p)).as(p.toString())
                        .isEqualTo(Files.isDirectory(p) ? OWNER_DIR : OWNER_FILE);
            }
        }
    }
}
