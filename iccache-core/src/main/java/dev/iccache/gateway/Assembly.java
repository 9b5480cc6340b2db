package dev.iccache.gateway;

import dev.iccache.backend.BoundedBackend;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.StatsRecorder;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.manage.ExampleReplayer;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Judge;
import dev.iccache.route.JudgeBudget;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.LoadBias;
import dev.iccache.route.QualityGuard;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.route.RouterSettings;
import dev.iccache.route.RouterSync;
import dev.iccache.scrub.Scrubber;
import dev.iccache.select.ExampleSelector;
import dev.iccache.select.BankClusters;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.select.RecentLog;
import dev.iccache.select.SelectionExplorer;
import dev.iccache.select.SelectionProbe;
import dev.iccache.select.SelectionState;
import dev.iccache.select.UtilityModel;
import dev.iccache.select.SelectionSettings;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.time.Ticker;
import dev.iccache.trace.Tracing;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Builds the request path's parts from the configuration, the same way for {@code iccache serve}
 * and for the simulator: only the {@link Runtime} (clocks, threads, seeds) differs between them.
 */
public final class Assembly {
    /** How often example statistics are written to the store. */
    public static final long STATS_FLUSH_MS = 1000;
    /** How often the bank is clustered anew for selection's probe evidence. */
    static final long RECLUSTER_MINUTES = 30;
    /** Embeddings the clustering samples at most. */
    static final int CLUSTER_SAMPLE = 20_000;

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
     * @param seed             seeds the router's sampling, the threshold tuners and the prompt nonces
     * @param tracing          spans of selection and routing ({@link Tracing#NOOP} unless tracing is on)
     */
    public record Runtime(InstantSource clock, Ticker ticker, ScheduledExecutorService scheduler,
            ExecutorService selectionThreads, Executor learner, Executor background, long seed, Tracing tracing) {
        /** Without tracing. */
        public Runtime(InstantSource clock, Ticker ticker, ScheduledExecutorService scheduler,
                ExecutorService selectionThreads, Executor learner, Executor background, long seed) {
            this(clock, ticker, scheduler, selectionThreads, learner, background, seed, Tracing.NOOP);
        }

        /** This runtime with spans recorded by {@code value}. */
        public Runtime withTracing(Tracing value) {
            return new Runtime(clock, ticker, scheduler, selectionThreads, learner, background, seed, value);
        }
    }

    /**
     * Example selection for small models, with a utility model and a threshold tuner per domain
     * (at most {@code learned-domains-in-memory} of them in memory), each loaded from its checkpoint
     * in {@code files} on the domain's first request, or from the prior: the model
     * {@code utilityModels} makes from an absent file, and τ at {@code selection.threshold}.
     *
     * @param utilityModels a domain's utility model from the checkpoint it is loaded from
     */
    public static InContextAugmenter augmenter(IccacheConfig config, ExampleStore store, Embedder embedder,
            Function<Path, UtilityModel> utilityModels, LearnedFiles files, Runtime rt, Metrics metrics) {
        return augmenter(config, () -> config, store, embedder, utilityModels, files, rt, metrics);
    }

    /**
     * As {@link #augmenter(IccacheConfig, ExampleStore, Embedder, Function, LearnedFiles, Runtime, Metrics)},
     * reading the backends' costs from {@code backends} on each request (the configuration in force, which a reload
     * may replace); the rest of {@code config} holds for the augmenter's life.
     */
    public static InContextAugmenter augmenter(IccacheConfig config, Supplier<IccacheConfig> backends,
            ExampleStore store, Embedder embedder, Function<Path, UtilityModel> utilityModels, LearnedFiles files,
            Runtime rt, Metrics metrics) {
        SelectionSettings settings = config.selection();
        RandomGenerator thresholds = new SplittableRandom(rt.seed() ^ 0x7475_6E65L);
        DomainStates<SelectionState> states = new DomainStates<>(
                domain -> SelectionState.load(files, domain, utilityModels, settings.threshold(), thresholds),
                (domain, state) -> state.save(files, domain), config.learnedDomainsInMemory());
        ExampleSelector selector = new ExampleSelector(store, embedder, TokenCounter.cl100k(), settings,
                name -> backends.get().backend(name).map(BackendConfig::cost).orElse(Double.NaN), rt.clock(),
                clusters(store, states, rt), rt.tracing());
        StatsRecorder stats = new StatsRecorder(store, rt.clock(), rt.scheduler(), STATS_FLUSH_MS);
        return new InContextAugmenter(selector, states, stats, rt.selectionThreads(), rt.learner(),
                new SplittableRandom(rt.seed() ^ 0x6E6F_6E63L), rt.ticker(), name -> backends.get().normalisedCost(name),
                metrics, rt.tracing());
    }

    /**
     * The bank's clusters, fitted now and checked every {@link #RECLUSTER_MINUTES} (fitted anew from
     * a sample of at most {@link #CLUSTER_SAMPLE} embeddings once the bank has grown enough; every
     * domain's utility model then moves its per-cluster knowledge over).
     */
    private static BankClusters clusters(ExampleStore store, DomainStates<SelectionState> states, Runtime rt) {
        BankClusters clusters = new BankClusters(rt.seed() ^ 0x7072_6F62L);
        Runnable refit = () -> {
            List<float[]> sample = new ArrayList<>();
            long[] seen = {0};
            SplittableRandom random = new SplittableRandom(rt.seed() ^ 0x7361_6D70L);
            store.forEach(Optional.empty(), e -> {
                seen[0]++;
                if (sample.size() < CLUSTER_SAMPLE) {
                    sample.add(e.vector());
                } else {
                    long j = random.nextLong(seen[0]);
                    if (j < CLUSTER_SAMPLE) {
                        sample.set((int) j, e.vector());
                    }
                }
            });
            int[] mapping = clusters.refit(sample, seen[0]);
            if (mapping.length > 0) {
                states.updateAll(s -> s.utility().clustersChanged(mapping));
            }
        };
        refit.run();
        rt.scheduler().scheduleWithFixedDelay(refit, RECLUSTER_MINUTES, RECLUSTER_MINUTES, TimeUnit.MINUTES);
        return clusters;
    }

    /** The learned utility model saved at {@code checkpoint} (fresh when there is none), with the configured cold start. */
    public static LearnedUtilityModel utilityModel(IccacheConfig config, Path checkpoint) {
        return LearnedUtilityModel.load(checkpoint, config.selection().minSimilarity());
    }

    /**
     * Exploration probes for selection on their share of the judge budget
     * ({@code selection.exploration-share} of {@code router.judge-budget-per-minute}).
     */
    public static SelectionExplorer explorer(IccacheConfig config, InContextAugmenter augmenter, Judge judge,
            Runtime rt, Metrics metrics) {
        return explorer(config, augmenter, judge, rt, metrics, () -> true);
    }

    /**
     * As {@link #explorer(IccacheConfig, InContextAugmenter, Judge, Runtime, Metrics)}, probing only while
     * {@code learning}.
     */
    public static SelectionExplorer explorer(IccacheConfig config, InContextAugmenter augmenter, Judge judge,
            Runtime rt, Metrics metrics, BooleanSupplier learning) {
        double perMinute = config.router().judgeBudgetPerMinute() * explorationShare(config);
        return new SelectionExplorer(probe(augmenter, judge, rt, metrics), new JudgeBudget(perMinute, rt.ticker()),
                rt.background(), learning);
    }

    /** Selection probes judged by {@code judge}. */
    public static SelectionProbe probe(InContextAugmenter augmenter, Judge judge, Runtime rt,
            Metrics metrics) {
        return new SelectionProbe(augmenter, judge, new SplittableRandom(rt.seed() ^ 0x6578_706CL), metrics);
    }

    private static double explorationShare(IccacheConfig config) {
        return config.selection().enabled() ? config.selection().explorationShare() : 0;
    }

    /** A bandit of the configured exploration and forgetting, sized for {@link RequestFeatures}. */
    public static LinearThompsonBandit bandit(RouterSettings settings) {
        return new LinearThompsonBandit(RequestFeatures.ARM_DIMENSION, 1, settings.exploration(),
                settings.forgetting());
    }

    /**
     * Routing of the virtual model among the backends, judged by {@code judge} on what the
     * exploration share leaves of the judge budget, with a router per domain (at most
     * {@code learned-domains-in-memory} of them in memory): its bandit loaded from its checkpoint in
     * {@code files} on the domain's first request, or the prior; its quality guard fresh. The load
     * bias is shared.
     */
    public static ModelRouting routing(IccacheConfig config, Embedder embedder, Judge judge, LearnedFiles files,
            Runtime rt, Metrics metrics) {
        return routing(config, embedder, judge, files, rt, metrics, new RecentLog<>(ModelRouting.VERDICTS_KEPT));
    }

    /**
     * As {@link #routing(IccacheConfig, Embedder, Judge, LearnedFiles, Runtime, Metrics)}, keeping the shadow runs'
     * verdicts in {@code verdicts}.
     */
    public static ModelRouting routing(IccacheConfig config, Embedder embedder, Judge judge, LearnedFiles files,
            Runtime rt, Metrics metrics, RecentLog<ModelRouting.Verdict> verdicts) {
        return routing(config, embedder, judge, files, rt, metrics, verdicts, Optional.empty());
    }

    /**
     * As {@link #routing(IccacheConfig, Embedder, Judge, LearnedFiles, Runtime, Metrics, RecentLog)}, with each
     * domain's bandit loaded through {@code sync}: from the state shared with other gateways when there is one
     * (its checkpoint otherwise); {@code sync}'s rounds, which the caller runs, keep it in step.
     */
    public static ModelRouting routing(IccacheConfig config, Embedder embedder, Judge judge, LearnedFiles files,
            Runtime rt, Metrics metrics, RecentLog<ModelRouting.Verdict> verdicts, RouterSync sync) {
        return routing(config, embedder, judge, files, rt, metrics, verdicts, Optional.of(sync));
    }

    private static ModelRouting routing(IccacheConfig config, Embedder embedder, Judge judge, LearnedFiles files,
            Runtime rt, Metrics metrics, RecentLog<ModelRouting.Verdict> verdicts, Optional<RouterSync> sync) {
        RouterSettings settings = config.router();
        LoadBias loadBias = new LoadBias(settings);
        RandomGenerator random = new SplittableRandom(rt.seed() ^ 0x726F_7574L);
        DomainStates<Router> routers = new DomainStates<>(domain -> {
            LinearThompsonBandit bandit = bandit(settings);
            Path checkpoint = files.toLoad(domain, LearnedFiles.ROUTER);
            sync.ifPresentOrElse(s -> s.load(domain, bandit, checkpoint), () -> bandit.restore(checkpoint));
            return new Router(settings, bandit, loadBias, new QualityGuard(settings.qualityFloor()), random,
                    config.defaultModel());
        }, (domain, router) -> router.bandit().save(files.file(domain, LearnedFiles.ROUTER)),
                config.learnedDomainsInMemory());
        return new ModelRouting(routers, loadBias, embedder, TokenCounter.cl100k(), judge,
                new JudgeBudget(settings.judgeBudgetPerMinute() * (1 - explorationShare(config)), rt.ticker()),
                rt.background(), config.defaultModel(),
                metrics, rt.tracing(), verdicts);
    }

    /**
     * The replayer of a bank: the configured replay model, best-of-n and scrubbing, judged by
     * {@code judge}, waiting while {@code load} is at or above {@code loadThreshold}.
     */
    public static ExampleReplayer replayer(IccacheConfig config, ExampleStore store, List<BoundedBackend> backends,
            Judge judge, DoubleSupplier load, double loadThreshold, Metrics metrics) {
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
