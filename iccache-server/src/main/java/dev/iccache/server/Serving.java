package dev.iccache.server;

import dev.iccache.admission.Candidate;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ChoiceFanOut;
import dev.iccache.config.IccacheConfig;
import dev.iccache.exact.ExactCache;
import dev.iccache.gateway.Assembly;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.metrics.Metrics;
import dev.iccache.route.Judge;
import dev.iccache.route.LlmJudge;
import dev.iccache.route.RouterSync;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.RecentLog;
import dev.iccache.select.SelectionExplorer;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import dev.iccache.time.SimClock;
import dev.iccache.trace.Tracing;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What serves requests under one configuration: its backends, the {@link Gateway} (routing, judge,
 * selection probes), tenants, key limits, the exact-match cache and the endpoints' handlers, built
 * whole from the configuration and replaced whole by a reload ({@link GatewayServer#reload()}). A
 * request keeps the one it started on to its end; a replaced one closes its backends once its last
 * request has ended. What outlives configurations is {@link Shared}.
 */
final class Serving {
    /** The endpoints besides chat that {@link ApiEndpoint} serves, by their path after {@code /v1/}. */
    static final List<String> API_ENDPOINTS = List.of("embeddings", "completions", "responses");

    /**
     * The parts built once per process: the bank and the augmenter (learned utility models and thresholds), the
     * embeddings endpoint, issued keys, spend, the rate windows (counts survive a reload), metrics, the dashboard's
     * recent decisions, the shadow runs' verdicts (every configuration's routing keeps them here) and the tracer.
     */
    record Shared(Metrics registry, ScheduledExecutorService watchdog, ExecutorService choiceCalls,
            Optional<ExampleBank> bank, Optional<InContextAugmenter> augmenter, EmbeddingsEndpoint embeddings,
            BodyBudget bodies, AdminKey adminKey, ApiKeyStore issuedKeys, SpendLedger spend,
            MinuteWindows requestWindows, MinuteWindows tokenWindows, GatewayMetrics gatewayMetrics,
            RecentDecisions decisions, RecentLog<ModelRouting.Verdict> verdicts, Tracing tracing,
            UnaryOperator<String> env, SimClock clock) {
    }

    final IccacheConfig config;
    final Gateway gateway;
    final List<BoundedBackend> backends;
    final Judge judge;
    final TenantResolver tenants;
    final KeyLimits keyLimits;
    final ChatCompletionsHandler chat;
    final ChatCompletionsHandler messages;
    final FeedbackHandler feedback;
    final Map<String, ApiEndpoint> endpoints = new LinkedHashMap<>();
    final MetricsAccess metricsAccess;
    /** This configuration's routers kept in step with other gateways', when the bank's store shares them. */
    private final Optional<SyncedRouters> routerSync;
    /** The requests using this, plus one while it is the current one; at 0 it is closed. */
    private final AtomicInteger users = new AtomicInteger(1);

    private Serving(IccacheConfig config, Shared shared, List<BoundedBackend> backends) {
        this.config = config;
        this.backends = backends;
        Metrics registry = shared.registry();
        this.judge = new LlmJudge(Assembly.byName(backends, config.judgeModel()));
        Optional<RouterSync> sync = shared.bank().flatMap(ExampleBank::sharedState)
                .filter(s -> config.router().syncSeconds() > 0).map(RouterSync::new);
        Optional<ModelRouting> routing = shared.bank().filter(b -> config.router().enabled() && backends.size() > 1)
                .map(b -> routing(config, b, judge, shared, sync));
        if (config.tenants().isEmpty()) {
            // The one domain is loaded now, so that an unreadable checkpoint stops start-up (or the reload).
            routing.ifPresent(r -> r.routers().get(Tenant.DEFAULT.domain()));
        }
        Optional<SelectionExplorer> explorer = shared.bank().flatMap(b -> shared.augmenter().map(
                a -> Assembly.explorer(config, a, judge, b.runtime(), registry, b::learnsSelection)));
        this.gateway = new Gateway(config, backends, shared.augmenter(), routing, explorer, registry);
        this.tenants = new TenantResolver(config.tenants(), shared.env(), shared.issuedKeys());
        this.keyLimits = new KeyLimits(shared.issuedKeys(), config.tenants(), shared.requestWindows(),
                shared.tokenWindows(), TokenCounter.cl100k(), shared.spend(), config.prices());
        Consumer<Candidate> admissions = shared.bank().<Consumer<Candidate>>map(b -> b.admitter()::offer)
                .orElse(c -> { });
        // The choices' calls run in the request's span.
        ChoiceFanOut choices = new ChoiceFanOut(config.maxN(),
                task -> shared.choiceCalls().execute(shared.tracing().wrap(task)));
        ExactCache exact = new ExactCache(config.exactCache(), config.tenants(), shared.clock(), registry);
        this.chat = new ChatCompletionsHandler(gateway, tenants, admissions, shared.adminKey(), shared.bodies(),
                shared.gatewayMetrics(), shared.clock(), new OpenAiWire(InstantSource.system()), choices, exact,
                keyLimits, shared.decisions(), shared.tracing());
        this.messages = new ChatCompletionsHandler(gateway, tenants, admissions, shared.adminKey(), shared.bodies(),
                shared.gatewayMetrics(), shared.clock(), new AnthropicWire(), choices, exact, keyLimits,
                shared.decisions(), shared.tracing());
        this.feedback = new FeedbackHandler(gateway, tenants, config.server().maxBodyBytes(), shared.bodies());
        Map<String, BoundedBackend> chatBackends = new LinkedHashMap<>();
        backends.forEach(b -> chatBackends.put(b.config().name(), b));
        for (String endpoint : API_ENDPOINTS) {
            ApiEndpoint.Service service = endpoint.equals("embeddings") ? shared.embeddings()
                    : new ForwardedEndpoint(endpoint, chatBackends, config.virtualModel(),
                            config.embeddings().modelNames());
            endpoints.put(endpoint, new ApiEndpoint(endpoint, tenants, shared.bodies(), config.server().maxBodyBytes(),
                    shared.gatewayMetrics(), shared.clock(), service, keyLimits));
        }
        this.metricsAccess = new MetricsAccess(tenants, shared.adminKey(), config.server().metricsApiKeyEnv(),
                shared.env());
        // Last: nothing may fail after the thread has started.
        this.routerSync = routing.flatMap(r -> sync.map(s -> SyncedRouters.start(config.router().syncSeconds(),
                () -> s.sync(r.routers()))));
    }

    /** Routing with a router per domain, loaded through {@code sync} when the routers are shared. */
    private static ModelRouting routing(IccacheConfig config, ExampleBank bank, Judge judge, Shared shared,
            Optional<RouterSync> sync) {
        LearnedFiles files = new LearnedFiles(config.dataDir());
        Assembly.Runtime rt = bank.runtime().withTracing(shared.tracing());
        return sync.map(s -> Assembly.routing(config, bank.embedder(), judge, files, rt, shared.registry(),
                shared.verdicts(), s)).orElseGet(() -> Assembly.routing(config, bank.embedder(), judge, files, rt,
                        shared.registry(), shared.verdicts()));
    }

    /**
     * The rounds of a configuration's {@link RouterSync} every {@code router.sync-seconds}, on a thread of their own
     * (a round may wait on the store), and a last round when they stop.
     */
    private record SyncedRouters(ScheduledExecutorService thread, Runnable round) {
        static SyncedRouters start(double seconds, Runnable round) {
            ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
                    ExampleBank.daemon("iccache-router-sync"));
            long ms = Math.max(1, Math.round(seconds * 1000));
            thread.scheduleWithFixedDelay(round, ms, ms, TimeUnit.MILLISECONDS);
            return new SyncedRouters(thread, round);
        }

        void stop() {
            thread.shutdown();
            round.run();
        }
    }

    /** Builds the backends of {@code config} and everything that serves with them; closes the backends if it fails. */
    static Serving build(IccacheConfig config, Shared shared) {
        List<BoundedBackend> backends = Backends.create(config, new BackendMetrics(shared.registry()), shared.env(),
                shared.watchdog(), 42, shared.clock(), shared.tracing());
        try {
            return new Serving(config, shared, backends);
        } catch (RuntimeException e) {
            backends.forEach(BoundedBackend::close);
            throw e;
        }
    }

    /** Counts a request in; false when this was replaced and has already closed. */
    boolean enter() {
        int n;
        do {
            n = users.get();
            if (n == 0) {
                return false;
            }
        } while (!users.compareAndSet(n, n + 1));
        return true;
    }

    /**
     * Counts a request (or, once replaced, the holder) out; the last one out closes the backends and stops the
     * router sync after a last round.
     */
    void exit() {
        if (users.decrementAndGet() == 0) {
            backends.forEach(BoundedBackend::close);
            routerSync.ifPresent(SyncedRouters::stop);
        }
    }
}
