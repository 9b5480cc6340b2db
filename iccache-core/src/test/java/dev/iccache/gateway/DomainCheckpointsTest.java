package dev.iccache.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.select.ThresholdTuner;
import dev.iccache.select.UtilityFeatures;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.time.VirtualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment's learned state in the single-file layout (data-dir/utility-model.json, threshold.json,
 * router.json) is the default domain's; other domains start from the prior; saves go to learned/.
 */
class DomainCheckpointsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final BackendConfig SMALL = new BackendConfig("small", null, "small", null, BackendRole.SMALL, 1,
            8192, 8, 0, 0, 0, 0, 0, "small", 1);
    private static final BackendConfig LARGE = new BackendConfig("large", null, "large", null, BackendRole.LARGE, 7,
            8192, 8, 0, 0, 0, 0, 0, "large", 1);

    @TempDir
    Path dir;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void theSingleFileLayoutIsTheDefaultDomainsStateAndNewDomainsStartFromThePrior() throws Exception {
        IccacheConfig config = IccacheConfig.builder().defaultModel("large").backends(List.of(SMALL, LARGE))
                .dataDir(dir).build();
        UtilityFeatures f = UtilityFeatures.of(0.9, Double.NaN, Double.NaN, 1, 10, 8192,
                ExampleStats.fresh(NOW), 5, 0, true, "e1");
        LearnedUtilityModel legacyModel = new LearnedUtilityModel(0.45);
        for (int i = 0; i < 3; i++) {
            legacyModel.learn(List.of(f), List.of(), "small", 0.2);
        }
        legacyModel.save(dir.resolve("utility-model.json"));
        ThresholdTuner legacyTuner = new ThresholdTuner(0.505, new SplittableRandom(1));
        legacyTuner.record(0.52, 0.9);
        legacyTuner.save(dir.resolve("threshold.json"));
        LinearThompsonBandit legacyBandit = Assembly.bandit(config.router());
        double[] x = new double[RequestFeatures.ARM_DIMENSION];
        x[0] = 1;
        legacyBandit.update("small", x, 0.3);
        legacyBandit.save(dir.resolve("router.json"));

        Assembly.Runtime rt = new Assembly.Runtime(() -> NOW, new VirtualClock(), scheduler,
                Executors.newVirtualThreadPerTaskExecutor(), Runnable::run, Runnable::run, 3);
        Embedder embedder = new Embedder() {
            @Override
            public int dimension() {
                return 4;
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                throw new UnsupportedOperationException();
            }
        };
        LearnedFiles files = new LearnedFiles(dir);
        Metrics metrics = new Metrics();
        InContextAugmenter augmenter = Assembly.augmenter(config, new InMemoryExampleStore(), embedder,
                file -> Assembly.utilityModel(config, file), files, rt, metrics);
        ModelRouting routing = Assembly.routing(config, embedder, (q, a, b) -> OptionalDouble.empty(), files, rt,
                metrics);

        assertThat(((LearnedUtilityModel) augmenter.utility("default")).labels("small")).isEqualTo(3);
        assertThat(augmenter.tuner("default").probes()).isEqualTo(1);
        assertThat(routing.routers().get("default").bandit().updates("small")).isEqualTo(1);
        assertThat(((LearnedUtilityModel) augmenter.utility("acme")).labels("small")).as("the prior").isZero();
        assertThat(augmenter.tuner("acme").threshold()).isEqualTo(config.selection().threshold());
        assertThat(augmenter.utility("acme").score(f, "small"))
                .isEqualTo(new LearnedUtilityModel(0.45).score(f, "small"));
        assertThat(routing.routers().get("acme").bandit().updates("small")).isZero();

        augmenter.thresholdProbed("default", 0.52, 0.8);
        augmenter.close();
        routing.routers().update("default", r -> r.learn(new Router.Arm("small", true, 0.1, x), 1));
        routing.routers().checkpoint();
        String legacyText = Files.readString(dir.resolve("threshold.json"));
        assertThat(files.file("default", LearnedFiles.THRESHOLD)).exists();
        assertThat(files.file("default", LearnedFiles.UTILITY_MODEL)).exists();
        assertThat(files.file("default", LearnedFiles.ROUTER)).exists();
        assertThat(files.directory("acme")).as("nothing learned, nothing written").doesNotExist();
        assertThat(Files.readString(dir.resolve("threshold.json"))).as("the old files are left as they were")
                .isEqualTo(legacyText);
        ThresholdTuner reloaded = new ThresholdTuner(0.505, new SplittableRandom(1));
        reloaded.load(files.file("default", LearnedFiles.THRESHOLD));
        assertThat(reloaded.probes()).isEqualTo(2);
    }
}
