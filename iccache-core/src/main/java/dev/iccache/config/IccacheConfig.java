package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.exact.ExactCacheSettings;
import dev.iccache.manage.ReplaySettings;
import dev.iccache.route.RouterSettings;
import dev.iccache.scrub.ScrubberSettings;
import dev.iccache.select.SelectionSettings;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The whole iccache configuration: one YAML file, every key in docs/configuration.md. Built
 * programmatically or by {@link ConfigLoader}; checked when built.
 *
 * @param server       the HTTP listener
 * @param virtualModel name of the model iccache routes itself (default {@code iccache})
 * @param defaultModel backend that answers when iccache does not decide otherwise (default: the
 *                     first large backend, else the first backend)
 * @param dataDir      where iccache keeps its state (default {@code ./iccache-data})
 * @param backends     the model backends, at least one
 * @param tenants      tenants and their API keys; none = no authentication, every request is tenant {@code default}
 * @param bank         the example bank
 * @param adminApiKeyEnv environment variable holding the admin API key (default {@code ICCACHE_ADMIN_KEY});
 *                     the admin API is off while it is unset
 * @param embedder     how request texts become vectors
 * @param selection    example selection for small models
 * @param router       routing of requests for the virtual model
 * @param replay       background replay of high-gain examples
 * @param scrub        PII and secret scrubbing before anything is stored
 * @param learnedDomainsInMemory domains whose learned state (utility model, τ, router statistics) is
 *                     kept in memory at most (default {@value #LEARNED_DOMAINS_IN_MEMORY}); the least
 *                     recently used beyond it are saved and dropped until their next request
 * @param maxN         choices one chat request may ask for ({@code n}) at most (default {@value #MAX_N})
 * @param exactCache   exact-match answers for deterministic requests (off by default)
 * @param embeddings   the {@code /v1/embeddings} endpoint: the embedder's model name, limits, remote embedding models
 * @param prices       what each backend's tokens cost, by backend name, for spend and budgets; a backend not listed
 *                     costs nothing
 * @param accessLog    the structured access log (on, to stdout, by default)
 * @param tracing      OpenTelemetry traces exported over OTLP (off by default)
 * @param decisions    how many requests are decided at once (embedding, examples, routing) and how many wait;
 *                     the rest bypass
 */
public record IccacheConfig(ServerConfig server, String virtualModel, String defaultModel, Path dataDir,
        List<BackendConfig> backends, List<TenantConfig> tenants, BankConfig bank, String adminApiKeyEnv,
        EmbedderSettings embedder, SelectionSettings selection, RouterSettings router, ReplaySettings replay,
        ScrubberSettings scrub, int learnedDomainsInMemory, int maxN, ExactCacheSettings exactCache,
        EmbeddingsConfig embeddings, Map<String, ModelPrice> prices, AccessLogSettings accessLog,
        TracingSettings tracing, DecisionLimits decisions) {
    /** Default of {@code learned-domains-in-memory}. */
    public static final int LEARNED_DOMAINS_IN_MEMORY = 64;
    /** Default of {@code max-n}. */
    public static final int MAX_N = 8;
    /** The largest {@code max-n}: OpenAI's own limit of {@code n}. */
    public static final int MAX_N_LIMIT = 128;

    public IccacheConfig {
        server = server == null ? ServerConfig.DEFAULT : server;
        virtualModel = virtualModel == null || virtualModel.isBlank() ? "iccache" : virtualModel;
        dataDir = dataDir == null ? Path.of("iccache-data") : dataDir;
        if (backends == null || backends.isEmpty()) {
            throw new ConfigException("backends: at least one backend is required");
        }
        backends = List.copyOf(backends);
        Set<String> names = new HashSet<>();
        for (BackendConfig b : backends) {
            if (!names.add(b.name())) {
                throw new ConfigException("backends: duplicate name '" + b.name() + "'");
            }
        }
        checkFallbacks(backends, names);
        if (names.contains(virtualModel)) {
            throw new ConfigException("virtual-model '" + virtualModel + "' must differ from every backend name");
        }
        tenants = tenants == null ? List.of() : List.copyOf(tenants);
        Set<String> tenantNames = new HashSet<>();
        for (TenantConfig t : tenants) {
            if (!tenantNames.add(t.name())) {
                throw new ConfigException("tenants: duplicate name '" + t.name() + "'");
            }
        }
        bank = bank == null ? BankConfig.DEFAULT : bank;
        for (String source : bank.exampleSources()) {
            if (!names.contains(source)) {
                throw new ConfigException("bank.example-sources: '" + source + "' is not a configured backend " + names);
            }
        }
        adminApiKeyEnv = adminApiKeyEnv == null || adminApiKeyEnv.isBlank() ? "ICCACHE_ADMIN_KEY" : adminApiKeyEnv;
        embedder = embedder == null ? EmbedderSettings.DEFAULT : embedder;
        selection = selection == null ? SelectionSettings.DEFAULT : selection;
        router = router == null ? RouterSettings.DEFAULT : router;
        replay = replay == null ? ReplaySettings.DEFAULT : replay;
        scrub = scrub == null ? ScrubberSettings.DEFAULT : scrub;
        if (router.judgeModel() != null && !names.contains(router.judgeModel())) {
            throw new ConfigException("router.judge-model '" + router.judgeModel() + "' is not a configured backend "
                    + names);
        }
        if (defaultModel == null) {
            defaultModel = backends.stream().filter(b -> b.role() == BackendRole.LARGE).findFirst()
                    .orElse(backends.get(0)).name();
        } else if (!names.contains(defaultModel)) {
            throw new ConfigException("default-model '" + defaultModel + "' is not a configured backend " + names);
        }
        if (learnedDomainsInMemory < 1) {
            throw new ConfigException("learned-domains-in-memory must be at least 1, got " + learnedDomainsInMemory);
        }
        if (maxN < 1 || maxN > MAX_N_LIMIT) {
            throw new ConfigException("max-n must be 1.." + MAX_N_LIMIT + ", got " + maxN);
        }
        exactCache = exactCache == null ? ExactCacheSettings.DEFAULT : exactCache;
        embeddings = (embeddings == null ? EmbeddingsConfig.DEFAULT : embeddings)
                .withDefaultEmbedderName(embedder.model());
        prices = prices == null ? Map.of() : Map.copyOf(prices);
        for (String priced : prices.keySet()) {
            if (!names.contains(priced)) {
                throw new ConfigException("prices: '" + priced + "' is not a configured backend " + names);
            }
        }
        accessLog = accessLog == null ? AccessLogSettings.DEFAULT : accessLog;
        tracing = tracing == null ? TracingSettings.OFF : tracing;
        decisions = decisions == null ? DecisionLimits.DEFAULT : decisions;
        Set<String> models = new HashSet<>(names);
        models.add(virtualModel);
        for (String m : embeddings.modelNames()) {
            if (!models.add(m)) {
                throw new ConfigException("embeddings: the model name '" + m + "' is taken (the virtual model, a "
                        + "backend or another embedding model); model names must be unique");
            }
        }
    }

    /** Every fallback names another backend, and no chain of fallbacks leads back to where it started. */
    private static void checkFallbacks(List<BackendConfig> backends, Set<String> names) {
        Map<String, List<String>> graph = new HashMap<>();
        for (BackendConfig b : backends) {
            for (String f : b.fallbacks()) {
                if (!names.contains(f)) {
                    throw new ConfigException("backend '" + b.name() + "': fallbacks: '" + f
                            + "' is not a configured backend " + names);
                }
            }
            graph.put(b.name(), b.fallbacks());
        }
        Set<String> finished = new HashSet<>();
        for (BackendConfig b : backends) {
            cycleFrom(b.name(), graph, new ArrayList<>(), finished);
        }
    }

    /** Depth-first search along fallbacks; {@code path} holds the backends being followed. */
    private static void cycleFrom(String node, Map<String, List<String>> graph, List<String> path,
            Set<String> finished) {
        int at = path.indexOf(node);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(node);
            throw new ConfigException("backends: fallbacks form a cycle: " + String.join(" -> ", cycle));
        }
        if (finished.contains(node)) {
            return;
        }
        path.add(node);
        for (String next : graph.get(node)) {
            cycleFrom(next, graph, path, finished);
        }
        path.remove(path.size() - 1);
        finished.add(node);
    }

    /**
     * The backends that answer in turn when {@code backend} fails before the first byte: its own
     * fallbacks in order, then theirs (breadth first), each once.
     */
    public List<String> fallbackChain(String backend) {
        List<String> chain = new ArrayList<>();
        Deque<String> pending = new ArrayDeque<>(backend(backend).map(BackendConfig::fallbacks).orElse(List.of()));
        while (!pending.isEmpty()) {
            String next = pending.poll();
            if (!next.equals(backend) && !chain.contains(next)) {
                chain.add(next);
                pending.addAll(backend(next).orElseThrow().fallbacks());
            }
        }
        return chain;
    }

    @JsonCreator
    static IccacheConfig fromYaml(@JsonProperty("server") ServerConfig server,
            @JsonProperty("virtual-model") String virtualModel, @JsonProperty("default-model") String defaultModel,
            @JsonProperty("data-dir") String dataDir, @JsonProperty("backends") List<BackendConfig> backends,
            @JsonProperty("tenants") List<TenantConfig> tenants, @JsonProperty("bank") BankConfig bank,
            @JsonProperty("admin-api-key-env") String adminApiKeyEnv,
            @JsonProperty("embedder") EmbedderSettings embedder,
            @JsonProperty("selection") SelectionSettings selection, @JsonProperty("router") RouterSettings router,
            @JsonProperty("replay") ReplaySettings replay, @JsonProperty("scrub") ScrubberSettings scrub,
            @JsonProperty("learned-domains-in-memory") Integer learnedDomainsInMemory,
            @JsonProperty("max-n") Integer maxN, @JsonProperty("exact-cache") ExactCacheSettings exactCache,
            @JsonProperty("embeddings") EmbeddingsConfig embeddings,
            @JsonProperty("prices") Map<String, ModelPrice> prices,
            @JsonProperty("access-log") AccessLogSettings accessLog,
            @JsonProperty("tracing") TracingSettings tracing, @JsonProperty("decisions") DecisionLimits decisions) {
        return new IccacheConfig(server, virtualModel, defaultModel, dataDir == null ? null : Path.of(dataDir),
                backends, tenants, bank, adminApiKeyEnv, embedder, selection, router, replay, scrub,
                learnedDomainsInMemory == null ? LEARNED_DOMAINS_IN_MEMORY : learnedDomainsInMemory,
                maxN == null ? MAX_N : maxN, exactCache, embeddings, prices, accessLog, tracing, decisions);
    }

    /** A configuration built in code; unset parts take the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The backend that judges answers: {@code router.judge-model}, else the default model. */
    public String judgeModel() {
        return router.judgeModel() == null ? defaultModel : router.judgeModel();
    }

    /** A backend's cost over the highest backend cost; 1 for a model that is not a backend. */
    public double normalisedCost(String backend) {
        double max = backends.stream().mapToDouble(BackendConfig::cost).max().orElse(1);
        return backend(backend).map(b -> b.cost() / max).orElse(1.0);
    }

    /**
     * The tenants of a domain, whose examples its requests may use and whose traffic teaches its
     * learned state: the tenants configured with that domain; when none is, the tenant of the
     * domain's own name (so tenant {@code default} for the default domain without tenants).
     */
    public Set<String> domainTenants(String domain) {
        Set<String> members = tenants.stream().filter(t -> t.domain().equals(domain)).map(TenantConfig::name)
                .collect(Collectors.toUnmodifiableSet());
        return members.isEmpty() ? Set.of(domain) : members;
    }

    /** The backend replay regenerates with: the default model if it is large, else the first large backend. */
    public BackendConfig replayModel() {
        BackendConfig d = backend(defaultModel).orElseThrow();
        return d.role() == BackendRole.LARGE ? d
                : backends.stream().filter(b -> b.role() == BackendRole.LARGE).findFirst().orElse(d);
    }

    /** Whether a backend's answers may become examples. */
    public boolean isExampleSource(BackendConfig backend) {
        return bank.exampleSources().isEmpty() ? backend.role() == BackendRole.LARGE
                : bank.exampleSources().contains(backend.name());
    }

    /** The embedded default: two in-process simulated backends, {@code sim-small} and {@code sim-large}. */
    public static IccacheConfig embeddedDefault() {
        return builder().defaultModel("sim-large").backends(List.of(
                BackendConfig.simulated("sim-small", "small", 1.0),
                BackendConfig.simulated("sim-large", "large", 1.0))).build();
    }

    public Optional<BackendConfig> backend(String name) {
        return backends.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** A builder holding this configuration, to change parts of it. */
    public Builder toBuilder() {
        return new Builder().server(server).virtualModel(virtualModel).defaultModel(defaultModel).dataDir(dataDir)
                .backends(backends).tenants(tenants).bank(bank).adminApiKeyEnv(adminApiKeyEnv).embedder(embedder)
                .selection(selection).router(router).replay(replay).scrub(scrub)
                .learnedDomainsInMemory(learnedDomainsInMemory).maxN(maxN).exactCache(exactCache)
                .embeddings(embeddings).prices(prices).accessLog(accessLog).tracing(tracing).decisions(decisions);
    }

    /** Builds an {@link IccacheConfig}; {@link #build()} validates. */
    public static final class Builder {
        private ServerConfig server;
        private String virtualModel;
        private String defaultModel;
        private Path dataDir;
        private List<BackendConfig> backends;
        private List<TenantConfig> tenants;
        private BankConfig bank;
        private String adminApiKeyEnv;
        private EmbedderSettings embedder;
        private SelectionSettings selection;
        private RouterSettings router;
        private ReplaySettings replay;
        private ScrubberSettings scrub;
        private int learnedDomainsInMemory = LEARNED_DOMAINS_IN_MEMORY;
        private int maxN = MAX_N;
        private ExactCacheSettings exactCache;
        private EmbeddingsConfig embeddings;
        private Map<String, ModelPrice> prices;
        private AccessLogSettings accessLog;
        private TracingSettings tracing;
        private DecisionLimits decisions;

        private Builder() {
        }

        public Builder server(ServerConfig value) {
            server = value;
            return this;
        }

        public Builder virtualModel(String value) {
            virtualModel = value;
            return this;
        }

        public Builder defaultModel(String value) {
            defaultModel = value;
            return this;
        }

        public Builder dataDir(Path value) {
            dataDir = value;
            return this;
        }

        public Builder backends(List<BackendConfig> value) {
            backends = value;
            return this;
        }

        public Builder tenants(List<TenantConfig> value) {
            tenants = value;
            return this;
        }

        public Builder bank(BankConfig value) {
            bank = value;
            return this;
        }

        public Builder adminApiKeyEnv(String value) {
            adminApiKeyEnv = value;
            return this;
        }

        public Builder embedder(EmbedderSettings value) {
            embedder = value;
            return this;
        }

        public Builder selection(SelectionSettings value) {
            selection = value;
            return this;
        }

        public Builder router(RouterSettings value) {
            router = value;
            return this;
        }

        public Builder replay(ReplaySettings value) {
            replay = value;
            return this;
        }

        public Builder scrub(ScrubberSettings value) {
            scrub = value;
            return this;
        }

        public Builder learnedDomainsInMemory(int value) {
            learnedDomainsInMemory = value;
            return this;
        }

        public Builder maxN(int value) {
            maxN = value;
            return this;
        }

        public Builder exactCache(ExactCacheSettings value) {
            exactCache = value;
            return this;
        }

        public Builder embeddings(EmbeddingsConfig value) {
            embeddings = value;
            return this;
        }

        public Builder prices(Map<String, ModelPrice> value) {
            prices = value;
            return this;
        }

        public Builder accessLog(AccessLogSettings value) {
            accessLog = value;
            return this;
        }

        public Builder tracing(TracingSettings value) {
            tracing = value;
            return this;
        }

        public Builder decisions(DecisionLimits value) {
            decisions = value;
            return this;
        }

        public IccacheConfig build() {
            return new IccacheConfig(server, virtualModel, defaultModel, dataDir, backends, tenants, bank,
                    adminApiKeyEnv, embedder, selection, router, replay, scrub, learnedDomainsInMemory, maxN,
                    exactCache, embeddings, prices, accessLog, tracing, decisions);
        }
    }
}
