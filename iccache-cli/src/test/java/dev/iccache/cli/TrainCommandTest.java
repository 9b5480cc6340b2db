package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iccache train} against a Lucene bank and in-process simulated backends (and judge). */
class TrainCommandTest {
    @TempDir
    Path dir;

    private Path config() throws Exception {
        return config("");
    }

    private Path config(String more) throws Exception {
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
                """ + more);
        return config;
    }

    /** A history of questions on a few topics, with 384-dimensional unit vectors near their topic. */
    private void history(Path data, int n) {
        history(data, n, i -> "default");
    }

    /** As {@link #history(Path, int)}, question i belonging to {@code tenant(i)}. */
    private void history(Path data, int n, IntFunction<String> tenant) {
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
                store.put(new Example("h" + i, tenant.apply(i), "[{\"role\":\"user\",\"content\":\"" + q + "\"}]", q, v,
                        "[simulated large] answer " + i, "sim-large", OptionalDouble.empty(), 8, 4, now,
                        Optional.empty(), ExampleStats.fresh(now)));
            }
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private Run train(Path config, Path data, String budget, String... more) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("train", "--config", config.toString(), "--data-dir",
                data.toString(), "--budget", budget));
        args.addAll(List.of(more));
        int exit = cmd.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void trainsWithinItsBudgetSavesWhatServeLoadsAndResumes() throws Exception {
        Path config = config();
        Path data = dir.resolve("data");
        history(data, 30);
        Run first = train(config, data, "12");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("trained domain 'default' on", "judgments of 12");
        Path learned = data.resolve("learned/default");
        for (String file : new String[] {"utility-model.json", "threshold.json", "router.json", "train-state.json"}) {
            assertThat(learned.resolve(file)).exists();
        }
        String state = Files.readString(learned.resolve("train-state.json"));
        Run second = train(config, data, "1000");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(Files.readString(learned.resolve("train-state.json")).length())
                .as("it went on from where it stopped").isGreaterThan(state.length());
        Run third = train(config, data, "10");
        assertThat(third.exit()).isEqualTo(2);
        assertThat(third.err()).contains("every history request of domain 'default' was trained on already");
    }

    @Test
    void anEmptyBankIsOneClearLineAndSavesNothing() throws Exception {
        Path data = dir.resolve("empty");
        history(data, 0);
        Run run = train(config(), data, "5");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("has no examples of domain 'default'", "import history first")
                .doesNotContain("Exception");
        assertThat(data.resolve("learned")).doesNotExist();
    }

    @Test
    void aDomainIsTrainedOnItsTenantsHistoryIntoItsOwnState() throws Exception {
        Path config = config("""
                tenants:
                  - name: a
                    api-key-env: KEY_A
                    domain: shared
                  - name: b
                    api-key-env: KEY_B
                    domain: shared
                  - name: c
                    api-key-env: KEY_C
                """);
        Path data = dir.resolve("tenants");
        history(data, 30, i -> i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c");
        Run unnamed = train(config, data, "5");
        assertThat(unnamed.exit()).isEqualTo(2);
        assertThat(unnamed.err()).contains("no configured tenant is in domain 'default'", "[c, shared]", "--domain");

        Run shared = train(config, data, "1000", "--domain", "shared");
        assertThat(shared.exit()).as(shared.err()).isZero();
        assertThat(shared.out()).contains("trained domain 'shared' on 20 history requests");
        JsonNode done = Json.MAPPER.readTree(data.resolve("learned/shared/train-state.json").toFile()).path("done");
        assertThat(done).hasSize(20).allSatisfy(id -> assertThat(Integer.parseInt(id.asText().substring(1)) % 3)
                .as("a's and b's questions only").isNotEqualTo(2));
        assertThat(data.resolve("learned/shared/utility-model.json")).exists();
        assertThat(data.resolve("learned/c")).doesNotExist();
        assertThat(data.resolve("learned/default")).doesNotExist();
    }
}
