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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iccache train} against a Lucene bank and in-process simulated backends (and judge). */
class TrainCommandTest {
    @TempDir
    Path dir;

    private Path config() throws Exception {
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
        return config;
    }

    /** A history of questions on a few topics, with 384-dimensional unit vectors near their topic. */
    private void history(Path data, int n) {
        SplittableRandom r = new SplittableRandom(3);
        try (LuceneExampleStore store = LuceneExampleStore.open(data.resolve("bank"))) {
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                float[] v = new float[384];
                v[i % 4] = 1;
                double norm = 1;
                for (int j = 4; j < 384; j++) {
                    v[j] = (float) (0.05 * r.nextGaussian());
                    norm += v[j] * v[j];
                }
                for (int j = 0; j < 384; j++) {
                    v[j] /= (float) Math.sqrt(norm);
                }
                String q = "question " + i + " about topic " + (i % 4);
                store.put(new Example("h" + i, "default", "[{\"role\":\"user\",\"content\":\"" + q + "\"}]", q, v,
                        "[simulated large] answer " + i, "sim-large", OptionalDouble.empty(), 8, 4, now,
                        Optional.empty(), ExampleStats.fresh(now)));
            }
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private Run train(Path config, Path data, String budget) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute("train", "--config", config.toString(), "--data-dir", data.toString(), "--budget",
                budget);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void trainsWithinItsBudgetSavesWhatServeLoadsAndResumes() throws Exception {
        Path config = config();
        Path data = dir.resolve("data");
        history(data, 30);
        Run first = train(config, data, "12");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("trained on", "judgments of 12");
        for (String file : new String[] {"utility-model.json", "threshold.json", "router.json", "train-state.json"}) {
            assertThat(data.resolve(file)).exists();
        }
        String state = Files.readString(data.resolve("train-state.json"));
        Run second = train(config, data, "1000");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(Files.readString(data.resolve("train-state.json")).length()).as("it went on from where it stopped")
                .isGreaterThan(state.length());
        Run third = train(config, data, "10");
        assertThat(third.exit()).isEqualTo(2);
        assertThat(third.err()).contains("every history request was trained on already");
    }

    @Test
    void anEmptyBankIsOneClearLineAndSavesNothing() throws Exception {
        Path data = dir.resolve("empty");
        history(data, 0);
        Run run = train(config(), data, "5");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("is empty: import history first").doesNotContain("Exception");
        assertThat(data.resolve("utility-model.json")).doesNotExist();
        assertThat(data.resolve("train-state.json")).doesNotExist();
    }
}
