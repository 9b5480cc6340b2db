package dev.iccache.select;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.StatsDelta;
import dev.iccache.bank.StatsRecorder;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import dev.iccache.trace.Tracing;
import java.lang.System.Logger.Level;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;

/**
 * In-context augmentation on the request path: for a request to a small model, selects examples
 * within a time limit and assembles the upstream prompt; any failure or timeout sends the request
 * on unchanged (bypass). After the response, it records example uses. Learning, off the request
 * thread, keeps two kinds of signal apart (docs/selection.md): exploration probes (with against
 * without an example, or a threshold's examples against none) teach the utility model, the
 * examples' probe records and the threshold tuner; judgments of answers against the large model
 * (shadow runs) and user ratings feed only the examples' offload counts and replay gain G(e).
 * What is learned (the utility model and τ) is kept per domain ({@link SelectionState}): a request
 * is scored with its tenant's domain's, and a probe teaches only the domain it was made for.
 */
public final class InContextAugmenter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InContextAugmenter.class.getName());
    /** Recent selections kept for feedback and explanations. */
    static final int LOG_CAPACITY = 10_000;

    private final ExampleSelector selector;
    private final DomainStates<SelectionState> states;
    private final StatsRecorder stats;
    private final ExecutorService selectionThreads;
    private final Executor learner;
    private final RandomGenerator nonces;
    private final Ticker ticker;
    private final ToDoubleFunction<String> normalisedCost;
    private final RecentLog<Used> recent = new RecentLog<>(LOG_CAPACITY);
    private final Counter outcomes;
    private final Histogram duration;
    private final Counter feedback;
    private final Metrics.TrackedGauge threshold;
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    private final Tracing tracing;

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
     * @param states           each domain's utility model and threshold tuner
     * @param selectionThreads runs each selection so that it can be abandoned at its time limit
     * @param learner          runs learning from feedback (one thread keeps it ordered)
     * @param nonces           makes the per-request delimiter nonces
     * @param ticker           times selections
     * @param normalisedCost   a model's cost over the highest backend cost
     * @param tracing          spans of selections
     */
    public InContextAugmenter(ExampleSelector selector, DomainStates<SelectionState> states, StatsRecorder stats,
            ExecutorService selectionThreads, Executor learner, RandomGenerator nonces, Ticker ticker,
            ToDoubleFunction<String> normalisedCost, Metrics metrics, Tracing tracing) {
        this.selector = selector;
        this.states = states;
        this.stats = stats;
        this.selectionThreads = selectionThreads;
        this.learner = learner;
        this.nonces = nonces;
        this.ticker = ticker;
        this.normalisedCost = normalisedCost;
        this.tracing = tracing;
        this.outcomes = metrics.counter("iccache_selection_total",
                "Example selections by outcome (examples, none, ineligible, bypass).", "outcome");
        this.duration = metrics.histogram("iccache_selection_duration_seconds", "Time to select examples.",
                Metrics.LATENCY_BUCKETS);
        this.feedback = metrics.counter("iccache_selection_labels_total",
                "Labels the selection learned from, by kind (probe, threshold_probe, judged, rating).", "kind");
        this.threshold = metrics.gauge("iccache_selection_threshold",
                "The utility threshold tau in force, per domain (NaN while the domain's state is not in memory).",
                "domain");
    }

    /**
     * The upstream request for {@code request} to {@code target}: with examples when a small model
     * answers, selected with the tenant's domain's utility model and τ among its scope's examples.
     */
    public Augmented augment(ChatRequest request, Tenant tenant, BackendConfig target) {
        return augment(request, tenant.domain(), target,
                (utility, tau) -> selector.select(request, tenant.scope(), target, utility, tau));
    }

    /**
     * As {@link #augment(ChatRequest, Tenant, BackendConfig)}, with the request's embedding and
     * token count already computed, so that routing over several arms embeds the request once.
     */
    public Augmented augment(ChatRequest request, Tenant tenant, BackendConfig target, float[] vector,
            int requestTokens) {
        return augment(request, tenant.domain(), target, (utility, tau) -> selector.select(request, vector,
                requestTokens, tenant.scope(), target, utility, tau, id -> false));
    }

    private Augmented augment(ChatRequest request, String domain, BackendConfig target,
            BiFunction<UtilityModel, Double, Selection> select) {
        if (!selector.settings().enabled() || target.role() != BackendRole.SMALL) {
            return new Augmented(request, Optional.empty(), false);
        }
        if (!selector.eligible(request)) {
            outcomes.labelValues("ineligible").inc();
            return new Augmented(request, Optional.empty(), false);
        }
        try (Tracing.Span span = tracing.start("iccache.select")) {
            span.set("iccache.target.model", target.name());
            Augmented augmented = selectWithinLimit(request, domain, select);
            span.set("iccache.examples", augmented.examples()).set("iccache.selection.outcome",
                    augmented.bypassed() ? "bypass" : augmented.examples() == 0 ? "none" : "examples");
            return augmented;
        }
    }

    private Augmented selectWithinLimit(ChatRequest request, String domain,
            BiFunction<UtilityModel, Double, Selection> select) {
        long start = ticker.nanoTime();
        Future<Selection> future;
        try {
            // The domain's state is looked up within the time limit: the first request of a domain may load it.
            future = selectionThreads.submit(tracing.wrap(() -> {
                SelectionState state = state(domain);
                return select.apply(state.utility(), state.tuner().threshold());
            }));
        } catch (RejectedExecutionException e) {
            return bypass(request, e);
        }
        try {
            Selection selection = future.get(selector.settings().timeoutMs(), TimeUnit.MILLISECONDS);
            duration.observe((ticker.nanoTime() - start) / 1e9);
            outcomes.labelValues(selection.chosen().isEmpty() ? "none" : "examples").inc();
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

    /** A domain's state, with its threshold gauge registered on first sight. */
    private SelectionState state(String domain) {
        SelectionState state = states.get(domain);
        if (gauged.add(domain)) {
            threshold.track(() -> states.ifResident(domain).map(s -> s.tuner().threshold())
                    .orElse(Double.NaN), domain);
        }
        return state;
    }

    /**
     * Selects for a request of {@code domain} whose embedding and token count are known, with the
     * domain's utility model and τ, never choosing the examples {@code excluded} accepts (offline
     * training leaves a history request's own example out). On the calling thread, without a time limit.
     */
    public Selection select(String domain, ChatRequest request, float[] vector, int requestTokens, Set<String> scope,
            BackendConfig target, Predicate<String> excluded) {
        SelectionState state = state(domain);
        return selector.select(request, vector, requestTokens, scope, target, state.utility(),
                state.tuner().threshold(), excluded);
    }

    private Augmented bypass(ChatRequest request, Throwable why) {
        outcomes.labelValues("bypass").inc();
        LOG.log(Level.WARNING, "example selection bypassed: " + why);
        return new Augmented(request, Optional.empty(), true);
    }

    private String nonce() {
        byte[] b = new byte[6];
        synchronized (nonces) {
            nonces.nextBytes(b);
        }
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
     * A user's rating of a recent response (once per response): feeds the replay gain G(e) of the
     * examples it used, (1 − rating) × the serving model's normalised cost (IC-Cache §4.3). An
     * absolute rating says how good the answer was, not whether the examples helped, so it does not
     * teach the utility model. Returns false when the response is unknown or already rated.
     */
    public boolean feedback(String responseId, boolean good) {
        Optional<Used> used = recent.take(responseId);
        used.ifPresent(u -> {
            feedback.labelValues("rating").inc();
            double gain = (good ? 0 : 1) * normalisedCost.applyAsDouble(u.targetModel());
            learner.execute(() -> u.selection().chosen().forEach(c ->
                    stats.record(new StatsDelta(c.exampleId(), 0, 0, gain))));
        });
        return used.isPresent();
    }

    /**
     * A judgment of an answer built with {@code used} against the other model's answer (a shadow
     * run): {@code preference} in [0, 1] is the judge's preference of this answer. At least 0.5 is a
     * successful offload for each example it used; every example gets the replay gain sample
     * (1 − preference) × the serving model's normalised cost (IC-Cache §4.3).
     */
    public void judged(Used used, double preference) {
        feedback.labelValues("judged").inc();
        double gain = (1 - preference) * normalisedCost.applyAsDouble(used.targetModel());
        boolean offloaded = preference >= 0.5;
        learner.execute(() -> used.selection().chosen().forEach(c ->
                stats.record(new StatsDelta(c.exampleId(), 0, offloaded ? 1 : 0, gain))));
    }

    /**
     * A probe of a selection made for {@code domain}: {@code gain} in [0, 1] is the judge's score,
     * (s + 3) / 6, of the target's answer with {@code examples} against its answer with
     * {@code against} (empty: without examples). Teaches the domain's utility model (additive credit
     * over the sets) and, for a probe of one example against none, its probe record (above 0.5 it
     * helped, below it hurt).
     */
    public void probed(String domain, String targetModel, List<Selection.Scored> examples,
            List<Selection.Scored> against, double gain) {
        feedback.labelValues("probe").inc();
        List<UtilityFeatures> features = examples.stream().map(e -> e.candidate().features()).toList();
        List<UtilityFeatures> baseline = against.stream().map(e -> e.candidate().features()).toList();
        learner.execute(() -> {
            states.update(domain, s -> s.utility().learn(features, baseline, targetModel, gain));
            if (examples.size() == 1 && against.isEmpty()) {
                stats.record(new StatsDelta(examples.get(0).candidate().exampleId(), 0, 0, Double.NaN,
                        gain > 0.5 ? 1 : 0, gain < 0.5 ? 1 : 0));
            }
        });
    }

    /**
     * A threshold probe of {@code domain}: {@code gain} in [0, 1] is the judge's preference of the
     * answer with the examples selected at {@code tau} over the answer without examples. Tunes the
     * domain's τ.
     */
    public void thresholdProbed(String domain, double tau, double gain) {
        feedback.labelValues("threshold_probe").inc();
        learner.execute(() -> states.update(domain, s -> s.tuner().record(tau, gain)));
    }

    /** The selector (for probes that combine candidates at another threshold). */
    public ExampleSelector selector() {
        return selector;
    }

    /** A domain's threshold tuner. */
    public ThresholdTuner tuner(String domain) {
        return states.get(domain).tuner();
    }

    /** A domain's utility model. */
    public UtilityModel utility(String domain) {
        return states.get(domain).utility();
    }

    /** Every domain's utility model and τ. */
    public DomainStates<SelectionState> states() {
        return states;
    }

    /** Makes a fresh nonce for a prompt's example delimiters. */
    public String newNonce() {
        return nonce();
    }

    /** Saves the utility model and the threshold tuner of every domain that learned since its last save. */
    public void checkpoint() {
        states.checkpoint();
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
