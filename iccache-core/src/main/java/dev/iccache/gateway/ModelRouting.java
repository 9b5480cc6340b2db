package dev.iccache.gateway;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.LoadSnapshot;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import dev.iccache.route.Judge;
import dev.iccache.route.JudgeBudget;
import dev.iccache.route.LoadBias;
import dev.iccache.route.RequestFeatures;
import dev.iccache.route.Router;
import dev.iccache.select.ExampleSelector;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.InContextAugmenter.Augmented;
import dev.iccache.select.RecentLog;
import dev.iccache.select.Selection;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.DomainStates;
import dev.iccache.tenant.Tenant;
import dev.iccache.trace.Tracing;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routing of requests for the virtual model (IC-Cache §4.2): builds every arm (a small model's arm
 * with the examples selected for it), asks the {@link Router}, and after the answer runs the
 * shadow arm in the background when the router asked for one, has the judge compare the two answers
 * and teaches the router, the quality guard and the examples' statistics. Nothing here delays the
 * client: shadow runs start after the response was sent and run on their own threads. Each domain
 * has its own {@link Router} (bandit, quality guard, rating baseline): a request is routed by its
 * tenant's domain's, and its judgments and ratings teach only that one; the load bias is shared.
 */
public final class ModelRouting {
    private static final System.Logger LOG = System.getLogger(ModelRouting.class.getName());
    /** Weight of each decision in the offload-ratio EMA. */
    static final double OFFLOAD_ALPHA = 0.05;
    /** Verdicts of shadow runs kept by response id. */
    public static final int VERDICTS_KEPT = 1_000;

    private final DomainStates<Router> routers;
    private final Embedder embedder;
    private final RequestFeatures features;
    private final TokenCounter tokens;
    private final Judge judge;
    private final JudgeBudget budget;
    private final Executor shadows;
    private final RecentLog<Served> recent = new RecentLog<>(10_000);
    private final RecentLog<Verdict> verdicts;
    private final Counter decisions;
    private final Counter shadowRuns;
    private final AtomicLong offloadMilli = new AtomicLong();
    private final String defaultModel;
    private final Tracing tracing;
    private final Metrics.TrackedGauge guardWinRate;
    private final Metrics.TrackedGauge guardActive;
    private final Metrics.TrackedGauge qualityAim;
    private final Metrics.TrackedGauge offloadCut;
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();

    /** A routed request, with what was needed to learn from its outcome. */
    public record Plan(Router.Decision decision, Map<String, Router.Arm> arms, Map<String, Augmented> augmented) {
    }

    /** A served routed response, kept for user feedback. */
    private record Served(Tenant tenant, Router.Arm arm) {
    }

    /**
     * The judge's verdict on a shadow run: the served answer against {@code shadowModel}'s.
     *
     * @param score the judge's score of the served answer against the shadow's, from -3 to +3 ({@link Judge})
     */
    public record Verdict(String shadowModel, double score) {
    }

    /**
     * @param routers  each domain's router
     * @param loadBias the load bias all domains' routers share
     * @param shadows  runs shadow generations and their judgments (off the request path)
     * @param tracing  spans of the request's embedding and of shadow runs (children of the request's span)
     */
    public ModelRouting(DomainStates<Router> routers, LoadBias loadBias, Embedder embedder, TokenCounter tokens,
            Judge judge, JudgeBudget budget, Executor shadows, String defaultModel, Metrics metrics,
            Tracing tracing) {
        this(routers, loadBias, embedder, tokens, judge, budget, shadows, defaultModel, metrics, tracing,
                new RecentLog<>(VERDICTS_KEPT));
    }

    /**
     * As above, keeping the shadow runs' verdicts in {@code verdicts} (which may outlive this routing: a gateway
     * whose configuration is reloaded keeps one log for all its routings).
     */
    public ModelRouting(DomainStates<Router> routers, LoadBias loadBias, Embedder embedder, TokenCounter tokens,
            Judge judge, JudgeBudget budget, Executor shadows, String defaultModel, Metrics metrics,
            Tracing tracing, RecentLog<Verdict> verdicts) {
        this.verdicts = verdicts;
        this.routers = routers;
        this.embedder = embedder;
        this.features = new RequestFeatures(embedder.dimension());
        this.tokens = tokens;
        this.judge = judge;
        this.budget = budget;
        this.shadows = shadows;
        this.defaultModel = defaultModel;
        this.tracing = tracing;
        this.decisions = metrics.counter("iccache_router_decisions_total", "Routing decisions by chosen model.",
                "model");
        this.shadowRuns = metrics.counter("iccache_router_shadow_total",
                "Shadow runs by outcome (judged, no_verdict, failed).", "outcome");
        metrics.gauge("iccache_router_offload_ratio",
                "EMA (alpha 0.05) of the share of routed requests sent to a model other than the default.")
                .track(() -> offloadMilli.get() / 1e6);
        metrics.gauge("iccache_router_load_bias",
                "Load bias lambda0*tanh(gamma*(EMA-theta)) in force; persistently above 0 means: scale out.")
                .track(loadBias::bias);
        metrics.gauge("iccache_router_load_ema", "EMA of the large tier's utilisation.")
                .track(loadBias::ema);
        this.guardWinRate = metrics.gauge("iccache_quality_guard_win_rate",
                "Estimated share of offloaded answers judged at least as good as the large model's, per domain.",
                "domain");
        this.guardActive = metrics.gauge("iccache_quality_guard_active",
                "1 while the quality guard handicaps small models, per domain.", "domain");
        this.qualityAim = metrics.gauge("iccache_router_quality_aim",
                "Mean predicted preference the quality target's cut is chosen for, after the judge's correction, "
                        + "per domain (NaN without router.quality-target).", "domain");
        this.offloadCut = metrics.gauge("iccache_router_offload_cut",
                "Predicted preference above which the load bias may offload (+Inf: none), per domain (NaN without "
                        + "router.quality-target).", "domain");
    }

    /** A domain's router, with its guard's gauges registered on first sight. */
    private Router router(String domain) {
        Router router = routers.get(domain);
        if (gauged.add(domain)) {
            guardWinRate.track(() -> routers.ifResident(domain).map(r -> r.guard().estimate())
                    .orElse(Double.NaN), domain);
            guardActive.track(() -> routers.ifResident(domain).map(r -> r.guard().active() ? 1.0 : 0)
                    .orElse(Double.NaN), domain);
            qualityAim.track(() -> routers.ifResident(domain).map(r -> r.qualityAim().orElse(Double.NaN))
                    .orElse(Double.NaN), domain);
            offloadCut.track(() -> routers.ifResident(domain).map(r -> r.offloadCut().orElse(Double.NaN))
                    .orElse(Double.NaN), domain);
        }
        return router;
    }

    /**
     * Chooses among {@code backends} for a request to the virtual model, with the router of the
     * tenant's domain; empty when the bank failed for an arm (store unreachable, selection past its
     * timeout): the router's estimates assume the examples it would have had, so the request is
     * not routed (the caller sends it to the default model as a bypass) and nothing is learned.
     */
    Optional<Plan> plan(ChatRequest request, Tenant tenant, Collection<BoundedBackend> backends,
            Optional<InContextAugmenter> augmenter) {
        Router router = router(tenant.domain());
        // Embedded and counted once here; every arm's example selection reuses both.
        float[] vector = ExampleSelector.embed(tracing, embedder, request);
        int requestTokens = tokens.countRequest(request);
        double[] context = context(request, vector, requestTokens);
        double maxCost = backends.stream().mapToDouble(b -> b.config().cost()).max().orElse(1);
        Map<String, Router.Arm> arms = new LinkedHashMap<>();
        Map<String, Augmented> augmented = new LinkedHashMap<>();
        List<Router.Arm> list = new ArrayList<>();
        for (BoundedBackend b : backends) {
            Augmented aug = augmenter.map(a -> a.augment(request, tenant, b.config(), vector, requestTokens))
                    .orElseGet(() -> new Augmented(request, Optional.empty(), false));
            if (aug.bypassed()) {
                return Optional.empty();
            }
            Router.Arm arm = arm(b.config(), maxCost, context, aug.selection());
            arms.put(arm.model(), arm);
            augmented.put(arm.model(), aug);
            list.add(arm);
        }
        Router.Decision decision = router.decide(list, largeTierLoad(backends), budget.available());
        decisions.labelValues(decision.chosen()).inc();
        long offloaded = decision.chosen().equals(defaultModel) ? 0 : 1_000_000;
        offloadMilli.updateAndGet(v -> Math.round(v + OFFLOAD_ALPHA * (offloaded - v)));
        return Optional.of(new Plan(decision, arms, augmented));
    }

    /** The request's context for the router: its reduced embedding, length and turns. */
    public double[] context(ChatRequest request, float[] vector, int requestTokens) {
        return features.of(vector, requestTokens, userTurns(request));
    }

    /**
     * A backend's arm for a request of this {@code context}: its normalised cost (over
     * {@code maxCost}) and the examples selected for it, if any.
     */
    public static Router.Arm arm(BackendConfig backend, double maxCost, double[] context,
            Optional<Selection> selection) {
        double[] x = selection.map(s -> RequestFeatures.withExamples(context, s.chosen().size(), s.maxUtility(),
                s.chosen().stream().mapToDouble(Selection.Chosen::utility).average().orElse(0),
                s.chosen().stream().mapToDouble(Selection.Chosen::similarity).max().orElse(0)))
                .orElseGet(() -> RequestFeatures.withExamples(context, 0, 0, 0, 0));
        return new Router.Arm(backend.name(), backend.role() == BackendRole.SMALL, backend.cost() / maxCost, x);
    }

    /** In-flight plus queued over capacity, summed over the large backends. */
    public static double largeTierLoad(Collection<BoundedBackend> backends) {
        double used = 0;
        double capacity = 0;
        for (BoundedBackend b : backends) {
            if (b.config().role() == BackendRole.LARGE) {
                LoadSnapshot l = b.load();
                used += l.inFlight() + l.queued();
                capacity += l.capacity();
            }
        }
        return capacity == 0 ? 0 : used / capacity;
    }

    /**
     * After a routed response was sent: remembers it for feedback and, when the plan asked for a
     * shadow run and the judge budget allows, starts it in the background.
     */
    void served(String responseId, Tenant tenant, Plan plan, ChatRequest original, String answer,
            Map<String, BoundedBackend> backends, Optional<InContextAugmenter> augmenter) {
        Router.Arm chosen = plan.arms().get(plan.decision().chosen());
        recent.put(responseId, new Served(tenant, chosen));
        Optional<String> shadow = plan.decision().shadow();
        if (shadow.isEmpty() || !budget.tryAcquire()) {
            return;
        }
        Router.Arm other = plan.arms().get(shadow.get());
        Augmented otherRequest = plan.augmented().get(other.model());
        Augmented chosenRequest = plan.augmented().get(chosen.model());
        try {
            shadows.execute(tracing.wrap(() -> shadowRun(responseId, original, chosen, chosenRequest, answer, other,
                    otherRequest, backends.get(other.model()), tenant, augmenter)));
        } catch (RejectedExecutionException e) {
            shadowRuns.labelValues("failed").inc();
        }
    }

    private void shadowRun(String responseId, ChatRequest original, Router.Arm chosen, Augmented chosenRequest,
            String answer, Router.Arm other, Augmented otherRequest, BoundedBackend backend, Tenant tenant,
            Optional<InContextAugmenter> augmenter) {
        try (Tracing.Span span = tracing.start("iccache.shadow")) {
            span.set("iccache.shadow.model", other.model()).set("iccache.chosen.model", chosen.model())
                    .set("iccache.examples", otherRequest.examples()).set("iccache.tenant", tenant.name());
            shadowRun(responseId, original, chosen, chosenRequest, answer, other, otherRequest, backend, tenant,
                    augmenter, span);
        }
    }

    private void shadowRun(String responseId, ChatRequest original, Router.Arm chosen, Augmented chosenRequest,
            String answer, Router.Arm other, Augmented otherRequest, BoundedBackend backend, Tenant tenant,
            Optional<InContextAugmenter> augmenter, Tracing.Span span) {
        try {
            ChatResponse shadowAnswer = backend.complete(otherRequest.upstream());
            OptionalDouble verdict = judge.compare(original, answer, shadowAnswer.content());
            if (verdict.isEmpty()) {
                span.set("iccache.shadow.outcome", "no_verdict");
                shadowRuns.labelValues("no_verdict").inc();
                return;
            }
            shadowRuns.labelValues("judged").inc();
            double s = verdict.getAsDouble();
            verdicts.put(responseId, new Verdict(other.model(), s));
            span.set("iccache.shadow.outcome", "judged").set("iccache.shadow.score", s);
            routers.update(tenant.domain(), r -> r.shadowJudged(chosen, other, s));
            double p = Judge.preference(s);
            augmenter.ifPresent(a -> {
                teach(a, chosen, chosenRequest, p, tenant);
                teach(a, other, otherRequest, 1 - p, tenant);
            });
        } catch (RuntimeException e) {
            shadowRuns.labelValues("failed").inc();
            span.failed(e);
            LOG.log(Level.DEBUG, "shadow run on " + other.model() + " failed: " + e.getMessage());
        }
    }

    /** Feeds a judged answer that used examples to the utility model, with its preference probability as quality. */
    private static void teach(InContextAugmenter a, Router.Arm arm, Augmented request, double quality, Tenant tenant) {
        request.selection().filter(s -> !s.chosen().isEmpty())
                .ifPresent(s -> a.judged(new InContextAugmenter.Used(arm.model(), tenant.name(), s), quality));
    }

    /**
     * User feedback on a routed response: the served arm learns the rating, in the router of the
     * tenant's domain. False if unknown or another tenant's.
     */
    boolean feedback(String responseId, Tenant tenant, boolean good) {
        Optional<Served> served = recent.get(responseId).filter(s -> s.tenant().name().equals(tenant.name()));
        served.ifPresent(s -> {
            recent.take(responseId);
            shadows.execute(() -> routers.update(s.tenant().domain(), r -> r.rated(s.arm(), good)));
        });
        return served.isPresent();
    }

    /** The judge's verdict on a recent routed response's shadow run, once judged (the last {@link #VERDICTS_KEPT}). */
    public Optional<Verdict> verdict(String responseId) {
        return verdicts.get(responseId);
    }

    /** Every domain's router. */
    public DomainStates<Router> routers() {
        return routers;
    }

    private static int userTurns(ChatRequest request) {
        int n = 0;
        for (var m : request.messages()) {
            if ("user".equals(m.path("role").asText())) {
                n++;
            }
        }
        return Math.max(1, n);
    }
}
