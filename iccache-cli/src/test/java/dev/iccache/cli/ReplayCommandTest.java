package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iccache replay} against a Lucene bank and in-process simulated backends (and judge). */
class ReplayCommandTest {
    @TempDir
    Path dir;

    @Test
    void replayImprovesAPlantedWeakExampleAndReportsIt() throws Exception {
        Path data = dir.resolve("data");
        try (LuceneExampleStore store = LuceneExampleStore.open(data.resolve("bank"))) {
            Instant now = Instant.now();
            store.put(new Example("weak-1", "default", "[{\"role\":\"user\",\"content\":\"Why is the sea salty?\"}]",
                    "Why is the sea salty?", new float[] {1, 0}, "[simulated small] salt", "sim-small",
                    OptionalDouble.of(0.1), 6, 3, now, Optional.empty(), new ExampleStats(12, 0, now, 0.7, 0, 0, 0)));
        }
        Path config = dir.resolve("iccache.yaml");
        Files.writeString(config, """
                backends:
                  - name: sim-small
                    simulated: small
                    sim-time-scale: 1000
                  - name: sim-large
                    simulated: large
                    cost: 7.17
                    sim-time-scale: 1000
                """);
        StringWriter out = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        int exit = cmd.execute("replay", "--config", config.toString(), "--data-dir", data.toString(), "--budget", "3");
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("weak-1", "improved (response replaced)", "replayed 1, improved 1");
        try (LuceneExampleStore store = LuceneExampleStore.open(data.resolve("bank"))) {
            Example after = store.get("weak-1").orElseThrow();
            assertThat(after.response()).startsWith("[simulated large]");
            assertThat(after.stats().replayCount()).isEqualTo(1);
        }
    }
}
