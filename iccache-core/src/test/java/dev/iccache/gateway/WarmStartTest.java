package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.api.ChatRequest;
import dev.iccache.backend.ModelBackend;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Judge;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.select.ThresholdTuner;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.VirtualClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.iccache.testing.ScriptedBackend;

/** The warm start spends its budget on probes and router priors, and what it learned survives a restart. */
class WarmStartTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final int DIM = 8;

    @TempDir
    Path dir;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final InMemoryExampleStore store = new InMemoryExampleStore();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Examples in two groups of directions; answers that mention group "a" teach, "b" ones do not. */
    private List<Example> history() {
        SplittableRandom r = new SplittableRandom(1);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            float[] v = new float[DIM];
            v[i % 2] = 1;
            for (int j = 2; j < DIM; j++) {
                v[j] = (float) (0.3 * r.nextGaussian());
            }
            double n = 0;
            for (float x : v) {
                n += x * x;
            }
            for (int j = 0; j < DIM; j++) {
                v[j] /= (float) Math.sqrt(n);
            }
            String group = i % 2 == 0 ? "a" : "b";
            out.add(new Example("e" + i, "default", "[{\"role\":\"user\",\"content\":\"question " + i + "\"}]",
                    "question " + i, v, "answer-" + group + "-" + i, "large", OptionalDouble.empty(), 5, 5, NOW,
                    Optional.empty(), ExampleStats.fresh(NOW)));
        }
        return out;
    }

    /** A small model whose answer is good when its prompt holds a group "a" example. */
    private static ModelBackend model(BackendConfig config) {
        return ScriptedBackend.of(config, prompt -> prompt.contains("answer-a-") ? "good" : "plain");
    }

    @Test
    void theWarmStartSpendsItsBudgetAndWhatItLearnedRoundTrips() {
        BackendConfig small = new BackendConfig("small", null, "small", null, BackendRole.SMALL, 1, 8192, 8, 0, 0, 0,
                0, 0, "small", 1);
        BackendConfig large = new BackendConfig("large", null, "large", null, BackendRole.LARGE, 7, 8192, 8, 0, 0, 0,
                0, 0, "large", 1);
        IccacheConfig config = IccacheConfig.builder().virtualModel("iccache").defaultModel("large")
                .backends(List.of(small, large)).build();
        List<Example> history = history();
        store.putAll(history);
        VirtualClock ticker = new VirtualClock();
        Assembly.Runtime rt = new Assembly.Runtime(() -> NOW, ticker, scheduler, Executors.newVirtualThreadPerTaskExecutor(),
                Runnable::run, Runnable::run, 5);
        Embedder embedder = new Embedder() {
            @Override
            public int dimension() {
                return DIM;
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                throw new UnsupportedOperationException("history vectors are stored");
            }
        };
        LearnedFiles files = new LearnedFiles(dir);
        Metrics metrics = new Metrics();
        InContextAugmenter augmenter = Assembly.augmenter(config, store, embedder,
                file -> Assembly.utilityModel(config, file), files, rt, metrics);
        int[] calls = {0};
        Judge judge = (request, first, second) -> {
            calls[0]++;
            return OptionalDouble.of(first.equals(second) ? 0 : first.equals("good") ? 2 : -2);
        };
        ModelRouting routing = Assembly.routing(config, embedder, judge, files, rt, metrics);
        String domain = Tenant.DEFAULT.domain();
        WarmStart warm = new WarmStart(config, domain, Tenant.DEFAULT.scope(), augmenter, Optional.of(routing),
                model(small), model(large), judge, rt, metrics);
        List<String> done = new ArrayList<>();
        WarmStart.Report report = warm.run(history, 30, e -> done.add(e.id()));

        assertThat(report.judgmentsUsed()).isEqualTo(calls[0]).isLessThanOrEqualTo(30).isGreaterThan(20);
        assertThat(report.probes()).isPositive();
        assertThat(report.routerJudgments()).isPositive();
        assertThat(done).hasSize(report.requests());
        LearnedUtilityModel utility = (LearnedUtilityModel) augmenter.utility(domain);
        assertThat(utility.labels("small")).isPositive();
        LinearThompsonBandit bandit = routing.routers().get(domain).bandit();
        assertThat(bandit.updates("small")).isEqualTo(report.routerJudgments());

        augmenter.close();
        routing.routers().checkpoint();
        LearnedUtilityModel reloaded = LearnedUtilityModel.load(files.file(domain, LearnedFiles.UTILITY_MODEL),
                config.selection().minSimilarity());
        assertThat(reloaded.labels("small")).isEqualTo(utility.labels("small"));
        ThresholdTuner tuner = new ThresholdTuner(0.5, new SplittableRandom(1));
        tuner.load(files.file(domain, LearnedFiles.THRESHOLD));
        assertThat(tuner.probes()).isEqualTo(augmenter.tuner(domain).probes());
        LinearThompsonBandit restored = new LinearThompsonBandit(dev.iccache.route.RequestFeatures.ARM_DIMENSION, 1,
                0.3, 1);
        assertThat(restored.restore(files.file(domain, LearnedFiles.ROUTER))).isTrue();
        assertThat(restored.updates("small")).isEqualTo(bandit.updates("small"));
        double[] x = new double[dev.iccache.route.RequestFeatures.ARM_DIMENSION];
        x[0] = 1;
        assertThat(restored.mean("large", x)).isEqualTo(bandit.mean("large", x));
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
