package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file's watch: a burst of changes makes one reload, other files in its directory none. */
class ConfigWatcherTest {
    @TempDir
    Path dir;

    @Test
    void aBurstOfWritesReloadsOnceAfterTheDebounceAndOtherFilesAreIgnored() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "a: 0\n");
        AtomicInteger reloads = new AtomicInteger();
        Duration debounce = Duration.ofMillis(300);
        try (ConfigWatcher watcher = ConfigWatcher.start(file, debounce, reloads::incrementAndGet)) {
            for (int i = 1; i <= 5; i++) {
                Files.writeString(file, "a: " + i + "\n");
            }
            assertThat(Eventually.holds(() -> reloads.get() == 1)).isTrue();
            Files.writeString(dir.resolve("other.yaml"), "b: 1\n");
            Files.writeString(file.resolveSibling("gateway.yaml.swp"), "x");
            Thread.sleep(debounce.toMillis() * 3);
            assertThat(reloads.get()).as("no reload for other files").isEqualTo(1);

            Files.delete(file);
            Files.writeString(file, "a: 6\n"); // an editor's delete and create
            assertThat(Eventually.holds(() -> reloads.get() == 2)).isTrue();
        }
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
