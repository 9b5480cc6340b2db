package dev.iccache.sim.policy;

import dev.iccache.admission.Candidate;
import dev.iccache.admission.ExampleAdmitter;
import dev.iccache.api.ChatRequest;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.BackendRole;
import dev.iccache.config.DecisionLimits;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.Assembly;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.gateway.Route;
import dev.iccache.gateway.WarmStart;
import dev.iccache.bank.Example;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Random;
import dev.iccache.manage.ExampleEvictor;
import dev.iccache.manage.ExampleReplayer;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.RouterSettings;
import dev.iccache.scrub.Scrubber;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.LearnedUtilityModel;
import dev.iccache.select.SimilarityUtility;
import dev.iccache.select.ThresholdTuner;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code iccache} and its ablations: the production {@link Gateway} (selection, router, shadow
 * runs and judge, quality guard, feedback), admission, replay and eviction, built by
 * {@link Assembly} exactly as {@code iccache serve} builds them, on virtual time and the
 * simulation's executors. Periodic work (statistics flushes, replay rounds, eviction) runs on the
 * simulation's scheduler at the configured intervals of the trace's clock: per-minute settings
 * (the judge budget, the replay interval, the eviction check) are rescaled by the run's time scale.
 */
final class IcCache implements Policy {
    /**
     * Which parts are on; {@code loadThreshold} overrides the router's θ (the frontier sweep moves
     * the router's operating point with it), {@code qualityTarget} the router's quality target.
     */
    record Variant(boolean learnedUtility, boolean router, boolean replay, boolean loadBias,
            OptionalDouble loadThreshold, OptionalDouble qualityTarget) {
        static final Variant FULL = new Variant(true, true, true, true, OptionalDouble.empty(), OptionalDouble.empty());

        static Variant full(double loadThreshold) {
            return new Variant(true, true, true, true, OptionalDouble.of(loadThreshold), OptionalDouble.empty());
        }
    }

    private final Gateway gateway;
    private final ExampleAdmitter admitter;
    private final InContextAugmenter augmenter;
    private final IccacheConfig config;
    private final Map<String, Route> routes = new HashMap<>();
    private final Tenant tenant = Tenant.DEFAULT;
    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final Map<String, double[]> scores = new java.util.TreeMap<>();

    IcCache(PolicyContext ctx, Variant variant) {
        IccacheConfig base = ctx.config();
        RouterSettings r = base.router();
        RouterSettings router = new RouterSettings(r.enabled(), r.exploration(), r.forgetting(), r.minObservations(),
                r.uncertainty(), r.minShadowRate(), variant.loadThreshold().orElse(r.loadThreshold()), r.loadEmaAlpha(),
                variant.loadBias() ? r.biasStrength() : 0, r.biasGamma(), r.judgeModel(),
                (int) Math.round(r.judgeBudgetPerMinute() / ctx.timeScale()), r.qualityFloor(), r.guardMargin(),
                variant.qualityTarget().orElse(r.qualityTarget()), r.syncSeconds());
        String smallName = base.backends().stream().filter(b -> b.role() == BackendRole.SMALL)
                .findFirst().orElseThrow().name();
        // The world does not model the gateway's own CPU, so no request waits for or bypasses a decision slot.
        this.config = base.toBuilder().router(router).decisions(DecisionLimits.NONE)
                .defaultModel(variant.router() ? base.defaultModel() : smallName).build();
        Assembly.Runtime rt = ctx.runtime();
        Metrics metrics = new Metrics();
        store.putAll(ctx.bank());
        LearnedFiles files = new LearnedFiles(ctx.workDir());
        this.augmenter = Assembly.augmenter(config, store, ctx.embedder(), variant.learnedUtility()
                ? file -> Assembly.utilityModel(config, file)
                : file -> new SimilarityUtility(config.selection().minSimilarity()), files, rt, metrics);
        Optional<ModelRouting> routing = variant.router()
                ? Optional.of(Assembly.routing(config, ctx.embedder(), ctx.judge(), files, rt, metrics))
                : Optional.empty();
        warmStart(ctx, routing, rt, metrics);
        this.gateway = new Gateway(config, ctx.backends(), Optional.of(augmenter), routing,
                Optional.of(Assembly.explorer(config, augmenter, ctx.judge(), rt, metrics)), metrics);
        this.admitter = new ExampleAdmitter(ctx.embedder(), store, config.bank(), Scrubber.from(config.scrub()),
                UserPseudonyms.generate(new SplittableRandom(rt.seed())), rt.clock(), metrics,
                Thread.ofVirtual().factory(), Policies.ids("admitted-"));
        ExampleEvictor evictor = new ExampleEvictor(store, config.bank().maxExamples(), config.bank().maxBytes(),
                rt.clock(), metrics);
        if (evictor.enabled()) {
            long check = Math.max(1, Math.round(ExampleEvictor.CHECK_EVERY_SECONDS * 1000 * ctx.timeScale()));
            rt.scheduler().scheduleWithFixedDelay(evictor::run, 0, check, TimeUnit.MILLISECONDS);
        }
        if (variant.replay() && config.replay().enabled()) {
            var settings = config.replay();
            ExampleReplayer replayer = Assembly.replayer(config, store, ctx.backends(), ctx.judge(),
                    () -> ModelRouting.largeTierLoad(gateway.backends()), settings.loadThreshold(), metrics);
            long every = Math.max(1, Math.round(settings.intervalMinutes() * 60_000 * ctx.timeScale()));
            rt.scheduler().scheduleWithFixedDelay(() -> replayer.run(settings.batch()), every, every,
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Spends the judged-history budget before the run as {@code iccache train} does: selection
     * probes on the history (each with the bank minus its own example) and the router's prior.
     */
    private void warmStart(PolicyContext ctx, Optional<ModelRouting> routing, Assembly.Runtime rt,
            Metrics metrics) {
        JudgedHistory history = ctx.history();
        if (history.remaining() == 0) {
            return;
        }
        List<Example> order = new ArrayList<>(ctx.bank());
        Collections.shuffle(order, new Random(rt.seed() ^ 0x7761_726DL));
        new WarmStart(config, tenant.domain(), tenant.scope(), augmenter, routing, history.model(Policies.SMALL),
                history.model(Policies.LARGE), history.judge(), rt, metrics).run(order, history.remaining(), e -> { });
    }

    @Override
    public Decision decide(String responseId, ChatRequest request) {
        Route route = gateway.route(request, tenant);
        routes.put(responseId, route);
        route.plan().ifPresent(p -> {
            p.decision().scores().forEach((arm, score) -> scores.merge(arm, new double[] {score, 1},
                    (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]}));
            scores.merge("~load bias", new double[] {p.decision().bias(), 1},
                    (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        });
        return Decision.to(route.backend().config().name(), route.augmented().upstream(), route.examples());
    }

    @Override
    public void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens) {
        Route route = routes.remove(responseId);
        gateway.served(responseId, tenant, route, request, answer);
        if (config.isExampleSource(route.backend().config())) {
            admitter.admitAll(List.of(new Candidate(tenant, request, answer, route.backend().config().name(),
                    Optional.of("stop"), promptTokens, outputTokens, OptionalDouble.empty())));
        }
    }

    @Override
    public void feedback(String responseId, boolean good) {
        gateway.feedback(responseId, tenant, good);
    }

    /** What it learned, for reports: τ, the utility model's labels, the router's mean arm scores. */
    @Override
    public Optional<String> setting() {
        ThresholdTuner tuner = augmenter.tuner(tenant.domain());
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "tau %.3f (%d threshold probes)",
                tuner.threshold(), tuner.probes()));
        if (augmenter.utility(tenant.domain()) instanceof LearnedUtilityModel learned) {
            b.append("; learned utility (").append(learned.labels(Policies.SMALL)).append(" probe labels)");
        }
        scores.forEach((arm, s) -> b.append(String.format(java.util.Locale.ROOT, "; %s mean routing score %.3f", arm,
                s[0] / s[1])));
        return Optional.of(b.toString());
    }

    @Override
    public OptionalLong bankSize() {
        return OptionalLong.of(store.stats().count());
    }

    @Override
    public void close() {
        admitter.close();
        augmenter.close();
    }
}
