package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file's watch: a burst of changes makes one reload; only the file (or a ConfigMap swap) counts. */
class ConfigWatcherTest {
    @TempDir
    Path dir;

    @Test
    void aBurstOfWritesReloadsOnceAfterTheDebounce() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "a: 0\n");
        AtomicInteger reloads = new AtomicInteger();
        try (ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMillis(300), reloads::incrementAndGet)) {
            for (int i = 1; i <= 5; i++) {
                Files.writeString(file, "a: " + i + "\n");
            }
            assertThat(Eventually.holds(() -> reloads.get() == 1)).isTrue();

            Files.delete(file);
            Files.writeString(file, "a: 6\n"); // an editor's delete and create
            assertThat(Eventually.holds(() -> reloads.get() == 2)).isTrue();
        }
    }

    @Test
    void onlyTheFileAndAConfigMapSwapConcernIt() {
        Path file = dir.resolve("gateway.yaml");
        assertThat(ConfigWatcher.concerns(file, Path.of("gateway.yaml"))).isTrue();
        assertThat(ConfigWatcher.concerns(file, Path.of("..data"))).as("a ConfigMap's symlink swap").isTrue();
        assertThat(ConfigWatcher.concerns(file, Path.of("other.yaml"))).isFalse();
        assertThat(ConfigWatcher.concerns(file, Path.of("gateway.yaml.swp"))).isFalse();
        assertThat(ConfigWatcher.concerns(file, Path.of("..2026_12_06"))).isFalse();
    }

    @Test
    void aFailingReloadDoesNotStopTheWatch() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "a: 0\n");
        AtomicInteger calls = new AtomicInteger();
        try (ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMillis(50), () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("broken");
        })) {
            Files.writeString(file, "a: 1\n");
            assertThat(Eventually.holds(() -> calls.get() == 1)).isTrue();
            Files.writeString(file, "a: 2\n");
            assertThat(Eventually.holds(() -> calls.get() == 2)).isTrue();
        }
    }
}
