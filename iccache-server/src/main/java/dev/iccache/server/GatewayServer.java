package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.ConfigException;
import dev.iccache.config.EmbeddingsConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.gateway.Assembly;
import dev.iccache.gateway.Gateway;
import dev.iccache.gateway.ModelRouting;
import dev.iccache.manage.ExampleReplayer;
import dev.iccache.manage.ReplaySettings;
import dev.iccache.metrics.Metrics;
import dev.iccache.select.InContextAugmenter;
import dev.iccache.select.RecentLog;
import dev.iccache.tenant.LearnedFiles;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.SimClock;
import dev.iccache.trace.Tracing;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.lang.reflect.RecordComponent;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The iccache HTTP server: OpenAI-compatible chat completions, embeddings, completions and responses
 * (the last two forwarded to the backend they name) and models, Anthropic-compatible messages,
 * health, readiness and Prometheus metrics, on Helidon SE with a virtual thread per request. Each
 * request is served by the {@link Serving} of the configuration in force when it started;
 * {@link #reload()} replaces it at once.
 */
public final class GatewayServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GatewayServer.class.getName());
    /**
     * Top-level keys a reload does not apply: they shape what is built once per process (the listener, the data
     * directory, the bank and its embedder and selection, the embeddings endpoint, background replay, the access
     * log, the admin key, the tracer). A reload that changes one is rejected; a restart applies it.
     */
    static final Set<String> RESTART_ONLY = Set.of("server", "data-dir", "bank", "embedder", "embeddings",
            "selection", "scrub", "replay", "access-log", "admin-api-key-env", "learned-domains-in-memory",
            "tracing");

    private final Serving.Shared shared;
    private final AtomicReference<Serving> serving;
    private final Supplier<IccacheConfig> source;
    private final Counter reloads;
    private final WebServer server;
    private final Optional<AccessLog> accessLog;
    private final AtomicBoolean draining = new AtomicBoolean();

    private GatewayServer(Serving.Shared shared, AtomicReference<Serving> serving, Supplier<IccacheConfig> source) {
        this.shared = shared;
        this.serving = serving;
        this.source = source;
        IccacheConfig config = serving.get().config;
        Metrics registry = shared.registry();
        this.reloads = registry.counter("iccache_config_reloads_total",
                "Configuration reloads by result (applied, unchanged, rejected).", "result");
        Optional<AdminRoutes> admin = shared.bank().map(b -> new AdminRoutes(b.store(), b.users(), b.embedder(),
                InstantSource.system(), shared.adminKey(), () -> serving.get().gateway, () -> serving.get().tenants,
                shared.bodies()));
        KeyAdminRoutes keyAdmin = new KeyAdminRoutes(shared.issuedKeys(), id -> serving.get().keyLimits.forget(id),
                shared.spend(), shared.adminKey(), shared.bodies(), config.server().maxBodyBytes());
        DashboardRoutes dashboard = DashboardRoutes.create(shared.adminKey(), shared.decisions(), shared.verdicts(),
                registry, shared.bank(), admin, () -> serving.get().gateway, shared.bodies(), shared.watchdog());
        HttpGuard guard = new HttpGuard(config.server(), shared.watchdog());
        this.accessLog = config.accessLog().enabled()
                ? Optional.of(AccessLog.open(config.accessLog(), InstantSource.system(), shared.clock(), registry))
                : Optional.empty();
        WireFormat anthropic = new AnthropicWire();
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
                    r.post("/v1/chat/completions", serve(s -> s.chat));
                    r.post("/v1/messages", serve(s -> s.messages));
                    anthropicFallbacks(r, anthropic);
                    r.post("/v1/feedback", serve(s -> s.feedback));
                    for (String endpoint : Serving.API_ENDPOINTS) {
                        r.post("/v1/" + endpoint, serve(s -> s.endpoints.get(endpoint)));
                    }
                    r.get("/v1/models", serve(s -> (req, res) -> {
                        try {
                            s.tenants.resolve(req.headers().first(HeaderNames.AUTHORIZATION));
                            OpenAiHttp.sendJson(res, 200, models(s));
                        } catch (IccacheException e) {
                            OpenAiHttp.sendError(res, e);
                        }
                    }));
                    r.get("/healthz", (req, res) -> OpenAiHttp.sendJson(res, 200, status("ok")));
                    r.get("/readyz", (req, res) -> OpenAiHttp.sendJson(res, draining.get() ? 503 : 200,
                            status(draining.get() ? "draining" : "ready")));
                    r.get("/metrics", serve(s -> (req, res) -> {
                        try {
                            s.metricsAccess.require(req.headers().first(HeaderNames.AUTHORIZATION));
                            res.header(HeaderNames.CONTENT_TYPE, Metrics.contentType());
                            res.send(registry.scrape());
                        } catch (IccacheException e) {
                            OpenAiHttp.sendError(res, e);
                        }
                    }));
                    r.post("/admin/config/reload", shared.adminKey().guard((req, res) -> {
                        Reload result = reload();
                        OpenAiHttp.sendJson(res, result.error().isPresent() ? 400 : 200, result.toJson());
                    }));
                    admin.ifPresent(a -> a.register(r));
                    keyAdmin.register(r);
                    dashboard.register(r);
                    fallbacks(r, "/v1/chat/completions", "/v1/feedback", "/v1/embeddings", "/v1/completions",
                            "/v1/responses", "/v1/models", "/healthz", "/readyz", "/metrics", "/admin/config/reload");
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
        return start(config, () -> config, env, clock);
    }

    /**
     * As {@link #start(IccacheConfig, UnaryOperator, SimClock)}, starting with {@code config} and reloading from
     * {@code source} on {@link #reload()} (and {@code POST /admin/config/reload}): the configuration file read anew,
     * parsed and checked, with the command line's overrides.
     */
    public static GatewayServer start(IccacheConfig config, Supplier<IccacheConfig> source, UnaryOperator<String> env,
            SimClock clock) {
        Metrics registry = new Metrics();
        JvmMetrics.builder().register(registry.registry());
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        registry.gauge("process_uptime_seconds", "Time since the JVM started, in seconds.")
                .track(() -> runtime.getUptime() / 1e3);
        Tracing tracing = OpenTelemetryTracing.open(config.tracing());
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
                ExampleBank.daemon("iccache-timeouts"));
        Optional<ExampleBank> bank = config.bank().enabled() ? Optional.of(ExampleBank.open(config, registry, env))
                : Optional.empty();
        bank.ifPresent(b -> b.warnIfEmptied(config));
        // Load the embedding model now, so that the first requests do not spend their selection time limit on it.
        bank.ifPresent(GatewayServer::warmUp);
        AtomicReference<Serving> serving = new AtomicReference<>();
        // The augmenter outlives reloads: it reads the backends' costs from the configuration in force.
        Optional<InContextAugmenter> augmenter = bank.filter(b -> config.selection().enabled())
                .map(b -> b.augmenter(config, () -> serving.get().config, registry, tracing));
        if (config.tenants().isEmpty()) {
            // The one domain is loaded now, so that an unreadable checkpoint stops start-up; with tenants,
            // each domain is loaded on its first request (docs/selection.md, "Learned state per domain").
            augmenter.ifPresent(a -> a.states().get(Tenant.DEFAULT.domain()));
        }
        EmbeddingsEndpoint embeddings = EmbeddingsEndpoint.create(config, bank.map(ExampleBank::embedder),
                new BackendMetrics(registry), env, watchdog, clock);
        ApiKeyStore issuedKeys = ApiKeyStore.open(config.dataDir(), new SecureRandom());
        Serving.Shared shared = new Serving.Shared(registry, watchdog, Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("iccache-choice-", 0).factory()), bank, augmenter, embeddings,
                new BodyBudget(config.server().maxInFlightBodyBytes()),
                new AdminKey(Optional.ofNullable(env.apply(config.adminApiKeyEnv())), config.adminApiKeyEnv()),
                issuedKeys, SpendLedger.open(config.dataDir(), InstantSource.system(), registry),
                new MinuteWindows(clock), new MinuteWindows(clock), new GatewayMetrics(registry),
                new RecentDecisions(DashboardRoutes.DECISIONS, config.scrub(), InstantSource.system()),
                new RecentLog<>(ModelRouting.VERDICTS_KEPT), tracing, env, clock);
        serving.set(Serving.build(config, shared));
        GatewayServer s = new GatewayServer(shared, serving, source);
        watchdog.scheduleWithFixedDelay(s::saveRouters, 1, 1, TimeUnit.MINUTES);
        bank.filter(b -> config.replay().enabled()).ifPresent(b -> s.scheduleReplay(config.replay(), b));
        s.server.start();
        LOG.log(Level.INFO, "iccache listening on http://{0}:{1,number,#} (virtual model ''{2}'', default ''{3}'')",
                config.server().host(), s.port(), config.virtualModel(), config.defaultModel());
        return s;
    }

    /**
     * Background replay of high-gain examples with the large model while the large tier is quiet, each round with the
     * backends and judge of the configuration in force; on a bank that gateways share, a round runs on one of them.
     */
    private void scheduleReplay(ReplaySettings settings, ExampleBank bank) {
        bank.every("replay", settings.intervalMinutes(), () -> {
            Serving s = enter();
            try {
                ExampleReplayer replayer = Assembly.replayer(s.config, bank.store(), s.backends, s.judge,
                        () -> ModelRouting.largeTierLoad(s.backends), settings.loadThreshold(), shared.registry());
                ExampleReplayer.Report r = replayer.run(settings.batch());
                if (!r.lines().isEmpty()) {
                    LOG.log(Level.INFO, "replayed {0} examples, improved {1} ({2})", r.lines().size(),
                            r.improvedCount(), r.stoppedBecause());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "replay round failed; will retry: " + e.getMessage());
            } finally {
                s.exit();
            }
        });
    }

    /** Saves each domain's router statistics to {@code data-dir/learned/<domain>/} ({@link LearnedFiles}). */
    private void saveRouters() {
        serving.get().gateway.routing().ifPresent(routing -> {
            try {
                routing.routers().checkpoint();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "router checkpoint failed; will retry: " + e.getMessage());
            }
        });
    }

    /** The serving a request starts on: the current one, counted in until {@link Serving#exit()}. */
    private Serving enter() {
        while (true) {
            Serving s = serving.get();
            if (s.enter()) {
                return s;
            }
        }
    }

    /** A handler that runs {@code handler} of the serving current when the request starts, to its end. */
    private Handler serve(Function<Serving, Handler> handler) {
        return (req, res) -> {
            Serving s = enter();
            try {
                handler.apply(s).handle(req, res);
            } finally {
                s.exit();
            }
        };
    }

    /**
     * Reads the configuration again and, if it is valid and changes only what a reload applies, builds everything
     * that serves with it and puts it in place at once: requests already started finish on the previous one, learned
     * state carries over (the routers' statistics through their checkpoint, the bank and the augmenter as they are).
     * A configuration that cannot be read, is invalid, changes a {@link #RESTART_ONLY} key or cannot be built is
     * rejected with one log line, and the previous one keeps serving.
     */
    public synchronized Reload reload() {
        Serving current = serving.get();
        try {
            IccacheConfig next = source.get();
            List<String> changed = changes(current.config, next);
            List<String> restartOnly = changed.stream().filter(RESTART_ONLY::contains).toList();
            if (!restartOnly.isEmpty()) {
                throw new ConfigException("only a restart applies " + String.join(", ", restartOnly));
            }
            if (changed.isEmpty()) {
                reloads.labelValues("unchanged").inc();
                return new Reload(List.of(), Optional.empty());
            }
            saveRouters(); // the new routers load what the current ones learned
            serving.set(Serving.build(next, shared));
            current.exit();
            List<String> described = changed.stream().map(key -> describe(key, current.config, next)).toList();
            reloads.labelValues("applied").inc();
            LOG.log(Level.INFO, "configuration reloaded; changed: " + String.join("; ", described));
            return new Reload(described, Optional.empty());
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage()).strip().replaceAll("\\s*\n\\s*", " ");
            reloads.labelValues("rejected").inc();
            LOG.log(Level.WARNING, "configuration reload rejected, the previous configuration keeps serving: " + why);
            return new Reload(List.of(), Optional.of(why));
        }
    }

    /**
     * What a reload did: the top-level keys it changed (backends with the names added, removed and changed), or why
     * it was rejected.
     */
    public record Reload(List<String> changed, Optional<String> error) {
        ObjectNode toJson() {
            if (error.isPresent()) {
                return OpenAiHttp.errorBody(new IccacheException(ErrorKind.INVALID_REQUEST,
                        "The configuration was not reloaded: " + error.get(), null, "invalid_config", null));
            }
            ObjectNode body = Json.object();
            body.put("reloaded", !changed.isEmpty());
            changed.forEach(body.putArray("changed")::add);
            return body;
        }
    }

    /** The top-level keys (as the YAML names them) whose values differ between {@code a} and {@code b}. */
    static List<String> changes(IccacheConfig a, IccacheConfig b) {
        List<String> changed = new ArrayList<>();
        for (RecordComponent c : IccacheConfig.class.getRecordComponents()) {
            try {
                if (!Objects.equals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                    changed.add(c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("a record's accessor is always accessible", e);
            }
        }
        return changed;
    }

    /** {@code key}, and for {@code backends} which were added, removed and changed. */
    private static String describe(String key, IccacheConfig before, IccacheConfig after) {
        if (!key.equals("backends")) {
            return key;
        }
        List<String> parts = new ArrayList<>();
        List<String> added = after.backends().stream().map(BackendConfig::name)
                .filter(n -> before.backend(n).isEmpty()).toList();
        List<String> removed = before.backends().stream().map(BackendConfig::name)
                .filter(n -> after.backend(n).isEmpty()).toList();
        List<String> modified = after.backends().stream().filter(b -> before.backend(b.name())
                .filter(old -> !old.equals(b)).isPresent()).map(BackendConfig::name).toList();
        for (var part : List.of(Map.entry("added", added), Map.entry("removed", removed),
                Map.entry("changed", modified))) {
            if (!part.getValue().isEmpty()) {
                parts.add(part.getKey() + " " + String.join(", ", part.getValue()));
            }
        }
        return parts.isEmpty() ? key : key + " (" + String.join("; ", parts) + ")";
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
        methodNotAllowed(r, paths);
        r.any((req, res) -> OpenAiHttp.sendError(res, new IccacheException(ErrorKind.NOT_FOUND,
                "Unknown path " + req.path().path() + ".", null, "unknown_url", null)));
    }

    /** Other methods than those routed before on these paths get 405, as an OpenAI error. */
    static void methodNotAllowed(HttpRules r, String... paths) {
        for (String path : paths) {
            r.any(path, (req, res) -> OpenAiHttp.sendError(res, IccacheException.of(ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + req.prologue().method().text() + " is not allowed on " + path + ".")));
        }
    }

    public int port() {
        return server.port();
    }

    /** The gateway of the configuration in force. */
    public Gateway gateway() {
        return serving.get().gateway;
    }

    public Metrics metrics() {
        return shared.registry();
    }

    /** The example bank, when enabled. */
    public Optional<ExampleBank> bank() {
        return shared.bank();
    }

    /** Every model a client may name: the virtual model and the backends (chat), then the embedding models. */
    private static ObjectNode models(Serving s) {
        ObjectNode body = OpenAiHttp.modelList();
        OpenAiHttp.addModel(body, s.config.virtualModel(), "iccache").put("type", "chat");
        for (BoundedBackend b : s.backends) {
            ObjectNode m = OpenAiHttp.addModel(body, b.config().name(),
                    b.config().simulatedProfile().isPresent() ? "iccache-simulated" : "upstream");
            m.put("type", "chat");
            m.put("role", b.config().role().name().toLowerCase(Locale.ROOT));
            m.put("context_window", b.config().contextWindow());
        }
        EmbeddingsConfig e = s.config.embeddings();
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
        shared.choiceCalls().shutdownNow();
        serving.get().exit();
        shared.augmenter().ifPresent(InContextAugmenter::close);
        shared.embeddings().close();
        saveRouters();
        shared.bank().ifPresent(ExampleBank::close);
        shared.watchdog().shutdownNow();
        OpenTelemetryTracing.close(shared.tracing());
    }
}
