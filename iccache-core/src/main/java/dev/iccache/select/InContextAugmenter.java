package dev.iccache.select;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.StatsDelta;
import dev.iccache.bank.StatsRecorder;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.metrics.MetricsRegistry;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;

/**
 * In-context augmentation on the request path: for a request to a small model, selects examples
 * within a time limit and assembles the upstream prompt; any failure or timeout sends the request
 * on unchanged (bypass). After the response, it records example uses; on feedback it teaches the
 * utility model, the example statistics and the threshold tuner, off the request thread.
 */
public final class InContextAugmenter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InContextAugmenter.class.getName());
    /** Recent selections kept for feedback and explanations. */
    static final int LOG_CAPACITY = 10_000;
    /** Feedback events between two threshold tunings. */
    static final int TUNE_EVERY = 50;

    private final ExampleSelector selector;
    private final UtilityModel utility;
    private final ThresholdTuner tuner;
    private final StatsRecorder stats;
    private final ExecutorService selectionThreads;
    private final Executor learner;
    private final RandomGenerator nonces;
    private final Path checkpoint;
    private final Ticker ticker;
    private final ToDoubleFunction<String> normalisedCost;
    private final RecentLog<Used> recent = new RecentLog<>(LOG_CAPACITY);
    private final AtomicLong feedbackCount = new AtomicLong();
    private final MetricsRegistry.Counter outcomes;
    private final MetricsRegistry.Histogram duration;
    private final MetricsRegistry.Counter feedback;

    /** A request as it goes upstream, with the selection that shaped it, if any. */
    public record Augmented(ChatRequest upstream, Optional<Selection> selection, boolean bypassed) {
        public int examples() {
            return selection.map(s -> s.chosen().size()).orElse(0);
        }
    }

    /** A served selection, kept for feedback and explanations. */
    public record Used(String targetModel, String tenant, Selection selection) {
    }

    /**
     * @param selectionThreads runs each selection so that it can be abandoned at its time limit
     * @param learner          runs learning from feedback (one thread keeps it ordered)
     * @param nonces           makes the per-request delimiter nonces
     * @param checkpoint       where the utility model is saved
     * @param ticker           times selections
     * @param normalisedCost   a model's cost over the highest backend cost
     */
    public InContextAugmenter(ExampleSelector selector, UtilityModel utility, ThresholdTuner tuner,
            StatsRecorder stats, ExecutorService selectionThreads, Executor learner, RandomGenerator nonces,
            Path checkpoint, Ticker ticker, ToDoubleFunction<String> normalisedCost, MetricsRegistry metrics) {
        this.selector = selector;
        this.utility = utility;
        this.tuner = tuner;
        this.stats = stats;
        this.selectionThreads = selectionThreads;
        this.learner = learner;
        this.nonces = nonces;
        this.checkpoint = checkpoint;
        this.ticker = ticker;
        this.normalisedCost = normalisedCost;
        this.outcomes = metrics.counter("iccache_selection_total",
                "Example selections by outcome (examples, none, ineligible, bypass).", "outcome");
        this.duration = metrics.histogram("iccache_selection_duration_seconds", "Time to select examples.",
                MetricsRegistry.LATENCY_BUCKETS);
        this.feedback = metrics.counter("iccache_feedback_total", "Feedback labels received by verdict.", "verdict");
        metrics.gauge("iccache_selection_threshold", "The utility threshold tau in force.").labels()
                .track(tuner::threshold);
    }

    /** The upstream request for {@code request} to {@code target}: with examples when a small model answers. */
    public Augmented augment(ChatRequest request, Tenant tenant, BackendConfig target) {
        return augment(request, target, tau -> selector.select(request, tenant.scope(), target, tau));
    }

    /**
     * As {@link #augment(ChatRequest, Tenant, BackendConfig)}, with the request's embedding and
     * token count already computed, so that routing over several arms embeds the request once.
     */
    public Augmented augment(ChatRequest request, Tenant tenant, BackendConfig target, float[] vector,
            int requestTokens) {
        return augment(request, target,
                tau -> selector.select(request, vector, requestTokens, tenant.scope(), target, tau));
    }

    private Augmented augment(ChatRequest request, BackendConfig target, DoubleFunction<Selection> select) {
        if (!selector.settings().enabled() || target.role() != BackendRole.SMALL) {
            return new Augmented(request, Optional.empty(), false);
        }
        if (!selector.eligible(request)) {
            outcomes.labels("ineligible").inc();
            return new Augmented(request, Optional.empty(), false);
        }
        long start = ticker.nanoTime();
        double tau = tuner.thresholdForRequest();
        Future<Selection> future;
        try {
            future = selectionThreads.submit(() -> select.apply(tau));
        } catch (RejectedExecutionException e) {
            return bypass(request, e);
        }
        try {
            Selection selection = future.get(selector.settings().timeoutMs(), TimeUnit.MILLISECONDS);
            duration.labels().observe((ticker.nanoTime() - start) / 1e9);
            outcomes.labels(selection.chosen().isEmpty() ? "none" : "examples").inc();
            ChatRequest upstream = PromptAssembler.assemble(request, selection.chosen(), nonce());
            return new Augmented(upstream, Optional.of(selection), false);
        } catch (TimeoutException e) {
            future.cancel(true);
            return bypass(request, e);
        } catch (ExecutionException e) {
            return bypass(request, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return bypass(request, e);
        } catch (RuntimeException e) {
            return bypass(request, e);
        }
    }

    private Augmented bypass(ChatRequest request, Throwable why) {
        outcomes.labels("bypass").inc();
        LOG.log(Level.WARNING, "example selection bypassed: " + why);
        return new Augmented(request, Optional.empty(), true);
    }

    private String nonce() {
        byte[] b = new byte[6];
        nonces.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Records a served response: example uses, and the selection for feedback and explanations. */
    public void served(String responseId, Tenant tenant, String targetModel, Augmented augmented) {
        augmented.selection().ifPresent(s -> {
            s.chosen().forEach(c -> stats.record(new StatsDelta(c.exampleId(), 1, 0, Double.NaN)));
            recent.put(responseId, new Used(targetModel, tenant.name(), s));
        });
    }

    /** The selection behind a recent response, if it had one. */
    public Optional<Used> explain(String responseId) {
        return recent.get(responseId);
    }

    /**
     * Learns from a judgment of a recent response (once per response): {@code won} when it was at
     * least as good as the reference. Returns false when the response is unknown or already judged.
     */
    public boolean feedback(String responseId, boolean won) {
        Optional<Used> used = recent.take(responseId);
        used.ifPresent(u -> judged(u, won ? 1 : 0));
        return used.isPresent();
    }

    /**
     * Learns from a judgment of an answer built with {@code used} (a served response's, or a
     * shadow run's), {@code quality} in [0, 1]: at least 0.5 is a win (as good as the reference).
     * Each example it used gets the win or loss, a successful offload on a win, and the replay
     * gain sample (1 − quality) × the serving model's normalised cost (IC-Cache §4.3).
     */
    public void judged(Used used, double quality) {
        boolean won = quality >= 0.5;
        feedback.labels(won ? "win" : "loss").inc();
        learner.execute(() -> learn(used, quality, won));
    }

    private void learn(Used used, double quality, boolean won) {
        Selection s = used.selection();
        double gain = (1 - quality) * normalisedCost.applyAsDouble(used.targetModel());
        for (Selection.Chosen c : s.chosen()) {
            utility.learn(c.features(), used.targetModel(), won);
            stats.record(new StatsDelta(c.exampleId(), 0, won ? 1 : 0, gain, won ? 1 : 0, won ? 0 : 1));
        }
        tuner.record(s.threshold(), !s.chosen().isEmpty(), won);
        if (feedbackCount.incrementAndGet() % TUNE_EVERY == 0) {
            tuner.tune().ifPresent(t -> LOG.log(Level.INFO, "utility threshold re-tuned to {0}", t));
        }
    }

    /** Saves the utility model checkpoint. */
    public void checkpoint() {
        utility.save(checkpoint);
    }

    /** Writes pending statistics and the checkpoint. */
    @Override
    public void close() {
        try {
            stats.close();
        } finally {
            checkpoint();
        }
    }
}
