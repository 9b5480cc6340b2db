package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.backend.ChoiceFanOut;
import dev.iccache.config.EmbeddingsConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.exact.ExactCache;
import dev.iccache.gateway.Assembly;
import dev.iccache.gateway.Gateway;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.SelectionExplorer;
import dev.iccache.metrics.JvmMetrics;
import dev.iccache.metrics.MetricsRegistry;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.manage.ExampleReplayer;
import dev.iccache.manage.ReplaySettings;
import dev.iccache.route.Judge;
import dev.iccache.route.LlmJudge;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.tenant.TenantResolver;
import dev.iccache.time.SimClock;
import dev.iccache.time.Ticker;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRules;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The iccache HTTP server: OpenAI-compatible chat completions, embeddings, completions and responses
 * (the last two forwarded to the backend they name) and models, Anthropic-compatible messages,
 * health, readiness and Prometheus metrics, on Helidon SE with a virtual thread per request.
 */
public final class GatewayServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GatewayServer.class.getName());
    /** The endpoints forwarded as they are to the chat backend they name. */
    private static final List<String> FORWARDED = List.of("completions", "responses");

    private final Gateway gateway;
    private final Optional<ExampleBank> bank;
    private final EmbeddingsEndpoint embeddings;
    private final MetricsRegistry registry;
    private final ScheduledExecutorService watchdog;
    private final ExecutorService choiceCalls = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("iccache-choice-", 0).factory());
    private final WebServer server;
    private final Optional<AccessLog> accessLog;
    private final AtomicBoolean draining = new AtomicBoolean();

    private GatewayServer(Gateway gateway, Optional<ExampleBank> bank, EmbeddingsEndpoint embeddings,
            MetricsRegistry registry, ScheduledExecutorService watchdog, UnaryOperator<String> env, Ticker ticker) {
        this.gateway = gateway;
        this.bank = bank;
        this.embeddings = embeddings;
        this.registry = registry;
        this.watchdog = watchdog;
        IccacheConfig config = gateway.config();
        AdminKey adminKey = new AdminKey(Optional.ofNullable(env.apply(config.adminApiKeyEnv())),
                config.adminApiKeyEnv());
        ApiKeyStore issuedKeys = ApiKeyStore.open(config.dataDir(), new SecureRandom());
        SpendLedger spend = SpendLedger.open(config.dataDir(), config.prices(), InstantSource.system(), registry);
        KeyLimits keyLimits = new KeyLimits(issuedKeys, config.tenants(), new MinuteWindows(ticker), new MinuteWindows(ticker),
                TokenCounter.cl100k(), spend);
        TenantResolver tenants = new TenantResolver(config.tenants(), env, issuedKeys);
        BodyBudget bodies = new BodyBudget(config.server().maxInFlightBodyBytes());
        Consumer<Candidate> admissions = bank.<Consumer<Candidate>>map(b -> b.admitter()::offer).orElse(c -> { });
        GatewayMetrics gatewayMetrics = new GatewayMetrics(registry);
        ChoiceFanOut choices = new ChoiceFanOut(config.maxN(), choiceCalls);
        ExactCache exact = new ExactCache(config.exactCache(), config.tenants(), ticker, registry);
        ChatCompletionsHandler chat = new ChatCompletionsHandler(gateway, tenants, admissions, adminKey, bodies,
                gatewayMetrics, ticker, new OpenAiWire(InstantSource.system()), choices, exact, keyLimits);
        AnthropicWire anthropic = new AnthropicWire();
        ChatCompletionsHandler messages = new ChatCompletionsHandler(gateway, tenants, admissions, adminKey, bodies,
                gatewayMetrics, ticker, anthropic, choices, exact, keyLimits);
        Map<String, BoundedBackend> chatBackends = new LinkedHashMap<>();
        gateway.backends().forEach(b -> chatBackends.put(b.config().name(), b));
        BiFunction<String, ApiEndpoint.Service, ApiEndpoint> api = (name, service) -> new ApiEndpoint(name, tenants,
                bodies, config.server().maxBodyBytes(), gatewayMetrics, ticker, service, keyLimits);
        FeedbackHandler feedback = new FeedbackHandler(gateway, tenants, config.server().maxBodyBytes(), bodies);
        Optional<AdminRoutes> admin = bank.map(b -> new AdminRoutes(b.store(), b.users(), b.embedder(),
                InstantSource.system(), adminKey, gateway, tenants, bodies));
        KeyAdminRoutes keyAdmin = new KeyAdminRoutes(issuedKeys, keyLimits, spend, adminKey, bodies,
                config.server().maxBodyBytes());
        MetricsAccess metricsAccess = new MetricsAccess(tenants, adminKey, config.server().metricsApiKeyEnv(), env);
        HttpGuard guard = new HttpGuard(config.server(), watchdog);
        this.accessLog = config.accessLog().enabled()
                ? Optional.of(AccessLog.open(config.accessLog(), InstantSource.system(), ticker, registry))
                : Optional.empty();
        WebServerConfig.Builder listener = WebServer.builder()
                .host(config.server().host())
                .port(config.server().port())
                // SSE writes are small; without TCP_NODELAY each one can wait ~40 ms on a delayed ACK.
                .connectionOptions(o -> o.tcpNoDelay(true));
        guard.configure(listener);
        this.server = listener
                .routing(r -> {
                    r.addFilter(guard.filter());
                    accessLog.ifPresent(a -> r.addFilter(a.filter()));
                    r.post("/v1/chat/completions", chat);
                    r.post("/v1/messages", messages);
                    anthropicFallbacks(r, anthropic);
                    r.post("/v1/feedback", feedback);
                    r.post("/v1/embeddings", api.apply("embeddings", embeddings));
                    for (String forwarded : FORWARDED) {
                        r.post("/v1/" + forwarded, api.apply(forwarded, new ForwardedEndpoint(forwarded, chatBackends,
                                config.virtualModel(), config.embeddings().modelNames())));
                    }
                    r.get("/v1/models", (req, res) -> {
                        try {
                            tenants.resolve(req.headers().first(HeaderNames.AUTHORIZATION));
                            OpenAiHttp.sendJson(res, 200, models());
                        } catch (IccacheException e) {
                            OpenAiHttp.sendError(res, e);
                        }
                    });
                    r.get("/healthz", (req, res) -> OpenAiHttp.sendJson(res, 200, status("ok")));
                    r.get("/readyz", (req, res) -> OpenAiHttp.sendJson(res, draining.get() ? 503 : 200,
                            status(draining.get() ? "draining" : "ready")));
                    r.get("/metrics", (req, res) -> {
                        try {
                            metricsAccess.require(req.headers().first(HeaderNames.AUTHORIZATION));
                            res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                            res.send(registry.scrape());
                        } catch (IccacheException e) {
                            OpenAiHttp.sendError(res, e);
                        }
                    });
                    admin.ifPresent(a -> a.register(r));
                    keyAdmin.register(r);
                    fallbacks(r, "/v1/chat/completions", "/v1/feedback", "/v1/embeddings", "/v1/completions",
                            "/v1/responses", "/v1/models", "/healthz", "/readyz", "/metrics");
                })
                .build();
    }

    /** Builds the backends and the bank of {@code config} and starts serving. */
    public static GatewayServer start(IccacheConfig config) {
        return start(config, System::getenv);
    }

    /**
     * As {@link #start(IccacheConfig)}, reading API keys (tenants, backends, admin, embedder) through {@code env}.
     */
    public static GatewayServer start(IccacheConfig config, UnaryOperator<String> env) {
        return start(config, env, SimClock.REAL);
    }

    /**
     * As {@link #start(IccacheConfig, UnaryOperator)}, with time read from {@code clock}: the backends'
     * calls, circuit breakers and load readings, request timing and the exact-match TTL (tests use a
     * virtual one).
     */
    public static GatewayServer start(IccacheConfig config, UnaryOperator<String> env, SimClock clock) {
        MetricsRegistry registry = new MetricsRegistry();
        JvmMetrics.register(registry);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
                ExampleBank.daemon("iccache-timeouts"));
        Optional<ExampleBank> bank = config.bank().enabled() ? Optional.of(ExampleBank.open(config, registry, env))
                : Optional.empty();
        bank.ifPresent(b -> b.warnIfEmptied(config));
        // Load the embedding model now, so that the first requests do not spend their selection time limit on it.
        bank.ifPresent(GatewayServer::warmUp);
        List<BoundedBackend> backends = Backends.create(config, new BackendMetrics(registry), env, watchdog, 42,
                clock);
        Judge judge = new LlmJudge(Assembly.byName(backends, config.judgeModel()));
        Optional<ModelRouting> routing = bank.filter(b -> config.router().enabled() && backends.size() > 1)
                .map(b -> routing(config, b, backends, judge, registry, watchdog));
        bank.filter(b -> config.replay().enabled()).ifPresent(b -> scheduleReplay(config, b, backends, judge,
                registry));
        Optional<InContextAugmenter> augmenter = bank.filter(b -> config.selection().enabled())
                .map(b -> b.augmenter(config, registry));
        Optional<SelectionExplorer> explorer = bank.flatMap(b -> augmenter.map(a -> Assembly.explorer(config, a, judge,
                b.runtime(), registry)));
        if (config.tenants().isEmpty()) {
            // The one domain is loaded now, so that an unreadable checkpoint stops start-up; with tenants,
            // each domain is loaded on its first request (docs/selection.md, "Learned state per domain").
            augmenter.ifPresent(a -> a.states().get(Tenant.DEFAULT.domain()));
            routing.ifPresent(r -> r.routers().get(Tenant.DEFAULT.domain()));
        }
        Gateway gateway = new Gateway(config, backends, augmenter, routing, explorer, registry);
        EmbeddingsEndpoint embeddings = EmbeddingsEndpoint.create(config, bank.map(ExampleBank::embedder),
                new BackendMetrics(registry), env, watchdog, clock);
        GatewayServer s = new GatewayServer(gateway, bank, embeddings, registry, watchdog, env, clock);
        s.server.start();
        LOG.log(Level.INFO, "iccache listening on http://{0}:{1,number,#} (virtual model ''{2}'', default ''{3}'')",
                config.server().host(), s.port(), config.virtualModel(), config.defaultModel());
        return s;
    }

    /** Background replay of high-gain examples with the large model while the large tier is quiet. */
    private static void scheduleReplay(IccacheConfig config, ExampleBank bank, List<BoundedBackend> backends,
            Judge judge, MetricsRegistry registry) {
        ReplaySettings settings = config.replay();
        ExampleReplayer replayer = Assembly.replayer(config, bank.store(), backends, judge,
                () -> ModelRouting.largeTierLoad(backends), settings.loadThreshold(), registry);
        bank.every(settings.intervalMinutes(), () -> {
            try {
                ExampleReplayer.Report r = replayer.run(settings.batch());
                if (!r.lines().isEmpty()) {
                    LOG.log(Level.INFO, "replayed {0} examples, improved {1} ({2})", r.lines().size(),
                            r.improvedCount(), r.stoppedBecause());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "replay round failed; will retry: " + e.getMessage());
            }
        });
    }

    /**
     * Routing with each domain's router loaded from, and checkpointed every minute to,
     * {@code data-dir/learned/<domain>/} ({@link LearnedFiles}).
     */
    private static ModelRouting routing(IccacheConfig config, ExampleBank bank, List<BoundedBackend> backends,
            Judge judge, MetricsRegistry registry, ScheduledExecutorService scheduler) {
        ModelRouting routing = Assembly.routing(config, bank.embedder(), judge, new LearnedFiles(config.dataDir()),
                bank.runtime(), registry);
        scheduler.scheduleWithFixedDelay(() -> saveRouters(routing), 1, 1, TimeUnit.MINUTES);
        return routing;
    }

    private static void saveRouters(ModelRouting routing) {
        try {
            routing.routers().checkpoint();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "router checkpoint failed; will retry: " + e.getMessage());
        }
    }

    private static void warmUp(ExampleBank bank) {
        try {
            bank.embedder().embed("iccache warm-up");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the embedder failed its warm-up; requests bypass example selection until it "
                    + "works: " + e.getMessage());
        }
    }

    /**
     * Anthropic-shaped errors on the Messages API's paths: 405 for other methods on {@code /v1/messages},
     * 404 for {@code /v1/messages/count_tokens} (not served: iccache has no tokenizer of the backends' models).
     */
    private static void anthropicFallbacks(HttpRules r, WireFormat anthropic) {
        r.any("/v1/messages", (req, res) -> OpenAiHttp.sendJson(res, 405, anthropic.error(IccacheException.of(
                ErrorKind.METHOD_NOT_ALLOWED, "Method " + req.prologue().method().text()
                        + " is not allowed on /v1/messages."))));
        r.any("/v1/messages/count_tokens", (req, res) -> OpenAiHttp.sendJson(res, 404, anthropic.error(
                IccacheException.of(ErrorKind.NOT_FOUND, "iccache does not serve /v1/messages/count_tokens: it has"
                        + " no tokenizer of the backends' models; the usage of each response counts its tokens."))));
    }

    /** Unmatched methods on known paths get 405, unknown paths 404, both as OpenAI errors. */
    static void fallbacks(HttpRules r, String... paths) {
        for (String path : paths) {
            r.any(path, (req, res) -> OpenAiHttp.sendError(res, IccacheException.of(ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + req.prologue().method().text() + " is not allowed on " + path + ".")));
        }
        r.any((req, res) -> OpenAiHttp.sendError(res, new IccacheException(ErrorKind.NOT_FOUND,
                "Unknown path " + req.path().path() + ".", null, "unknown_url", null)));
    }

    public int port() {
        return server.port();
    }

    public Gateway gateway() {
        return gateway;
    }

    public MetricsRegistry metrics() {
        return registry;
    }

    /** The example bank, when enabled. */
    public Optional<ExampleBank> bank() {
        return bank;
    }

    /** Every model a client may name: the virtual model and the backends (chat), then the embedding models. */
    private ObjectNode models() {
        ObjectNode body = OpenAiHttp.modelList();
        OpenAiHttp.addModel(body, gateway.config().virtualModel(), "iccache").put("type", "chat");
        for (BoundedBackend b : gateway.backends()) {
            ObjectNode m = OpenAiHttp.addModel(body, b.config().name(),
                    b.config().simulatedProfile().isPresent() ? "iccache-simulated" : "upstream");
            m.put("type", "chat");
            m.put("role", b.config().role().name().toLowerCase(java.util.Locale.ROOT));
            m.put("context_window", b.config().contextWindow());
        }
        EmbeddingsConfig e = gateway.config().embeddings();
        for (String name : e.modelNames()) {
            boolean own = e.serveEmbedder() && name.equals(e.embedderName());
            OpenAiHttp.addModel(body, name, own ? "iccache" : "upstream").put("type", "embedding");
        }
        return body;
    }

    private static ObjectNode status(String status) {
        ObjectNode body = Json.object();
        body.put("status", status);
        return body;
    }

    /** Marks the server not ready, stops it (in-flight requests finish) and closes the backends. */
    @Override
    public void close() {
        draining.set(true);
        server.stop();
        accessLog.ifPresent(AccessLog::close);
        choiceCalls.shutdownNow();
        gateway.close();
        embeddings.close();
        gateway.routing().ifPresent(GatewayServer::saveRouters);
        bank.ifPresent(ExampleBank::close);
        watchdog.shutdownNow();
    }

}
