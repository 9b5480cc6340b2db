package dev.iccache.gateway;

import dev.iccache.backend.BoundedBackend;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.StatsRecorder;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.manage.ExampleReplayer;
import dev.iccache.metrics.MetricsRegistry;
import dev.iccache.route.Judge;
import dev.iccache.route.JudgeBudget;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.LoadBias;
import dev.iccache.route.QualityGuard;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.route.RouterSettings;
import dev.iccache.scrub.Scrubber;
import dev.iccache.select.ExampleSelector;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.UtilityModel;
import dev.iccache.select.SelectionSettings;
import dev.iccache.select.ThresholdTuner;
import dev.iccache.select.TokenCounter;
import dev.iccache.time.Ticker;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.DoubleSupplier;

/**
 * Builds the request path's parts from the configuration, the same way for {@code iccache serve}
 * and for the simulator: only the {@link Runtime} (clocks, threads, seeds) differs between them.
 */
public final class Assembly {
    /** How often example statistics are written to the store. */
    public static final long STATS_FLUSH_MS = 1000;

    private Assembly() {
    }

    /**
     * Where the parts get time, threads and randomness.
     *
     * @param clock            wall-clock time (example timestamps, TTLs, decay)
     * @param ticker           monotonic time (selection timing, judge budget)
     * @param scheduler        runs periodic work (statistics flushes)
     * @param selectionThreads runs each selection so that it can be abandoned at its time limit
     * @param learner          runs learning from feedback, in order
     * @param background       runs shadow generations and their judgments
     * @param seed             seeds the router's sampling, the threshold tuner and the prompt nonces
     */
    public record Runtime(InstantSource clock, Ticker ticker, ScheduledExecutorService scheduler,
            ExecutorService selectionThreads, Executor learner, Executor background, long seed) {
    }

    /** Example selection for small models, with {@code utility} as the stage-2 model (checkpointed to {@code checkpoint}). */
    public static InContextAugmenter augmenter(IccacheConfig config, ExampleStore store, Embedder embedder,
            UtilityModel utility, Path checkpoint, Runtime rt, MetricsRegistry metrics) {
        SelectionSettings settings = config.selection();
        Map<String, Double> costs = new HashMap<>();
        config.backends().forEach(b -> costs.put(b.name(), b.cost()));
        ExampleSelector selector = new ExampleSelector(store, embedder, utility, TokenCounter.cl100k(), settings,
                name -> costs.getOrDefault(name, Double.NaN), rt.clock());
        ThresholdTuner tuner = new ThresholdTuner(settings.threshold(), settings.tuneSampleRate(),
                settings.qualityFloor(), new SplittableRandom(rt.seed() ^ 0x7475_6E65L));
        StatsRecorder stats = new StatsRecorder(store, rt.clock(), rt.scheduler(), STATS_FLUSH_MS);
        return new InContextAugmenter(selector, utility, tuner, stats, rt.selectionThreads(), rt.learner(),
                new SplittableRandom(rt.seed() ^ 0x6E6F_6E63L), checkpoint, rt.ticker(), config::normalisedCost,
                metrics);
    }

    /** A bandit of the configured exploration and forgetting, sized for {@link RequestFeatures}. */
    public static LinearThompsonBandit bandit(RouterSettings settings) {
        return new LinearThompsonBandit(RequestFeatures.ARM_DIMENSION, 1, settings.exploration(),
                settings.forgetting());
    }

    /** Routing of the virtual model among {@code backends} with {@code bandit}, judged by {@code judge}. */
    public static ModelRouting routing(IccacheConfig config, Embedder embedder, LinearThompsonBandit bandit,
            Judge judge, Runtime rt, MetricsRegistry metrics) {
        RouterSettings settings = config.router();
        Router router = new Router(settings, bandit, new LoadBias(settings), new QualityGuard(settings.qualityFloor()),
                new SplittableRandom(rt.seed() ^ 0x726F_7574L), config.defaultModel());
        return new ModelRouting(router, embedder, TokenCounter.cl100k(), judge,
                new JudgeBudget(settings.judgeBudgetPerMinute(), rt.ticker()), rt.background(), config.defaultModel(),
                metrics);
    }

    /**
     * The replayer of a bank: the configured replay model, best-of-n and scrubbing, judged by
     * {@code judge}, waiting while {@code load} is at or above {@code loadThreshold}.
     */
    public static ExampleReplayer replayer(IccacheConfig config, ExampleStore store, List<BoundedBackend> backends,
            Judge judge, DoubleSupplier load, double loadThreshold, MetricsRegistry metrics) {
        String large = config.replayModel().name();
        return new ExampleReplayer(store, byName(backends, large), judge, Scrubber.from(config.scrub()),
                config.replay().bestOf(), config.normalisedCost(large), loadThreshold, load, metrics);
    }

    /** The backend named {@code name}; fails if there is none. */
    public static BoundedBackend byName(List<BoundedBackend> backends, String name) {
        return backends.stream().filter(b -> b.config().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend named " + name));
    }
}
